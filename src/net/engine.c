/* Batched forward/backward engine over T steps (see engine.h).
 *
 * Layers are processed one after the other over all T steps (the network is
 * feed-forward between layers), which turns the input products of a layer
 * into one large product over T*batch rows:
 * - dense: cblas_sgemm, or, when the input is binary spikes sparser than the
 *   measured crossover, a sum of the weight rows of the active inputs
 *   (weights are stored input-major for this);
 * - constant input (direct encoding): the current is computed once per sample
 *   and the per-step current gradients are summed before one product;
 * - conv2d: im2col over chunks of images + cblas_sgemm.
 * Neurons: fused kernels for lif and if without refractoriness; the generic
 * snn__neuron_step/step_grad path for every other model.
 *
 * Determinism: every parallel loop owns its outputs (rows, columns or
 * elements); reductions run in a fixed order, so results do not depend on
 * the number of OpenMP threads. BLAS is only called outside parallel regions.
 */
#include "engine.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* OpenMP threads available (1 without OpenMP) */
static int max_threads(void) {
#ifdef _OPENMP
  int n = omp_get_max_threads();
  return n > 0 ? n : 1;
#else
  return 1;
#endif
}

/* inside a parallel region: this thread's index and the team size (0 of 1 without OpenMP) */
static void thread_slot(size_t *tid, size_t *nth) {
#ifdef _OPENMP
  *tid = (size_t)omp_get_thread_num();
  *nth = (size_t)omp_get_num_threads();
#else
  *tid = 0;
  *nth = 1;
#endif
}

#include "../encode/encode.h"
#include "compact.h"
#include "../neuron/neuron.h"

/* Input density (fraction of ones) below which binary input uses the
 * sparse row accumulation instead of sgemm (measured, see docs/training.md). */
#define SNN__SPARSE_FWD_MAX 0.30
#define SNN__SPARSE_BWD_MAX 0.30
/* Output width from which the sparse path uses 8-column panels (below it the
 * weight rows are short enough to stay in cache). */
#define SNN__PANEL_MIN_N 64
#define SNN__PW 32 /* panel width (columns) */
#define SNN__RB 256 /* row block of the sparse panel backward */

typedef ptrdiff_t pidx;


/* Hot kernels get AVX-512 (x86-64-v4) and AVX2 clones picked at load time (no -march
 * needed); the results are identical to the baseline clone (no FMA contraction in C11
 * mode). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SNN__CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), noinline))
#else
#define SNN__CLONES
#endif

double snn__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- products -------------------------------------------------------------------
 * OpenBLAS sgemm is not bitwise reproducible across its own thread counts (the
 * thread partition moves the edge kernels). With a sequential or OpenMP build
 * of OpenBLAS, C is cut into fixed 64-row (or 64-column) tiles, independent of
 * the thread count, and each tile is one sgemm inside our own OpenMP loop (an
 * OpenMP OpenBLAS runs single-threaded inside a parallel region), so results
 * do not depend on the number of threads. With the pthreads build the call is
 * passed through unchanged: results then do not depend on the OpenMP thread
 * count but may differ between OPENBLAS_NUM_THREADS settings.
 * Products with both M and N below 2 tiles are cut into 16-wide tiles instead,
 * or, when smaller still, made by one single-threaded call: left to itself,
 * OpenBLAS threads a small-M, small-N, large-K product (a conv layer's weight
 * gradient: out_c x in_c k k, summed over every image position) over its own
 * threads, and its last bits then depended on the thread count. */
#define SNN__TILE 64
#define SNN__TILE_SMALL 16
static void sgemm(int tiles, int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc) {
  enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
  if (!tiles) {
    cblas_sgemm(CblasRowMajor, TA, TB, (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb,
                beta, C, (int)ldc);
    return;
  }
  size_t tile = SNN__TILE;
  if (M < 2 * SNN__TILE && N < 2 * SNN__TILE) tile = SNN__TILE_SMALL;
  if (M < 2 * tile && N < 2 * tile) {
    /* one call, on one thread of an active region of two */
#pragma omp parallel num_threads(2)
#pragma omp single
    cblas_sgemm(CblasRowMajor, TA, TB, (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb,
                beta, C, (int)ldc);
    return;
  }
  int by_rows = M >= 2 * tile;
  size_t ext = by_rows ? M : N, nt = (ext + tile - 1) / tile;
#pragma omp parallel for schedule(static)
  for (pidx t = 0; t < (pidx)nt; t++) {
    size_t o = (size_t)t * tile, len = ext - o < tile ? ext - o : tile;
    if (by_rows)
      cblas_sgemm(CblasRowMajor, TA, TB, (int)len, (int)N, (int)K, alpha, ta ? A + o : A + o * lda,
                  (int)lda, B, (int)ldb, beta, C + o * ldc, (int)ldc);
    else
      cblas_sgemm(CblasRowMajor, TA, TB, (int)M, (int)len, (int)K, alpha, A, (int)lda,
                  tb ? B + o * ldb : B + o, (int)ldb, beta, C + o, (int)ldc);
  }
}

/* ---- neuron parameters for the fused kernels ---------------------------- */
typedef struct nfast {
  int fused;       /* 1: fused lif/if kernel; 0: generic model */
  float beta;      /* V <- beta*V + gain*Iin + c0 */
  float gain;
  float c0;
  float thr;       /* spike when V >= thr (as src/neuron) */
  float v0;        /* initial membrane */
  float vreset;    /* reset "zero": V <- vreset */
  float dsub;      /* reset "subtract": V <- V - dsub */
  int subtract;
} nfast;

static double mparam(const snn_neuron_model *m, const char *name, int *ok) {
  int i = snn__neuron_param_index(m, name);
  if (i < 0) {
    *ok = 0;
    return 0.0;
  }
  return snn__neuron_params(m)[i];
}

static void nfast_setup(nfast *f, const snn_neuron_model *m, double dt) {
  memset(f, 0, sizeof *f);
  if (!m) return;
  float st0[16] = {0};
  if (snn__neuron_n_state(m) <= 16 && snn__neuron_init_state(m, st0, 1) == SNN_OK) f->v0 = st0[0];
  const char *kind = snn_neuron_model_kind(m);
  int ok = 1;
  if (strcmp(kind, "lif") == 0) {
    double C = mparam(m, "C_m", &ok), gL = mparam(m, "g_L", &ok), EL = mparam(m, "E_L", &ok);
    double th = mparam(m, "V_th", &ok), vr = mparam(m, "V_reset", &ok);
    double tr = mparam(m, "t_ref", &ok), rs = mparam(m, "reset", &ok);
    if (!ok || tr > 0.5 * dt || !(C > 0.0) || !(gL > 0.0)) return;
    double beta = exp(-dt * gL / C);
    f->beta = (float)beta;
    f->gain = (float)((1.0 - beta) / gL);
    f->c0 = (float)((1.0 - beta) * EL);
    f->thr = (float)th;
    f->vreset = (float)vr;
    f->dsub = (float)(th - vr);
    f->subtract = rs > 0.5;
    f->fused = 1;
  } else if (strcmp(kind, "if") == 0) {
    double C = mparam(m, "C_m", &ok), th = mparam(m, "V_th", &ok);
    double vr = mparam(m, "V_reset", &ok), tr = mparam(m, "t_ref", &ok);
    double rs = mparam(m, "reset", &ok);
    if (!ok || tr > 0.5 * dt || !(C > 0.0)) return;
    f->beta = 1.0f;
    f->gain = (float)(dt / C);
    f->c0 = 0.0f;
    f->thr = (float)th;
    f->vreset = (float)vr;
    f->dsub = (float)(th - vr);
    f->subtract = rs > 0.5;
    f->fused = 1;
  }
}

/* ---- per-layer buffers --------------------------------------------------- */
typedef struct lbuf {
  snn_layer *l;
  nfast nf;
  size_t ns;         /* generic: state floats per neuron */
  int in_const;      /* input has one time block */
  int out_const;     /* output has one time block (neuron-less pool on const input) */
  float *cur;        /* currents (or pooled values): [Tc][B][n] */
  float *out;        /* outputs [To][B][n] (aliases cur for a neuron-less layer) */
  float *g;          /* train, fused: surrogate derivative [T][B][n] */
  float *vm;         /* membrane [T][B][n] (last layer only) */
  float *st;         /* generic: state, train [T+1][ns][B*n], else [ns][B*n] */
  uint8_t *spk8;     /* generic: step spikes [B*n] */
  float *dcur;       /* train: current gradient [Tc][B][n] */
  float *dout;       /* train: output gradient [To][B][n] (aliases dcur for neuron-less) */
  int32_t *cnt;      /* dense with possibly sparse input: active count per row [T*B] */
  size_t *rp;        /* start of row r's list in idx [T*B] */
  int32_t *idx;      /* active input indices, lists packed per thread segment [T*B*n_in] */
  float *wp;         /* sparse panel path: weights packed [N/8][K][8] */
  int sparse;        /* last forward used the sparse input */
  int expand;        /* neuron-less last layer on constant input: cur holds T copies */
  size_t nnz;        /* active inputs of the last forward */
  int32_t *didx;     /* panel layers: per-step change lists (build_delta) [B*(T+1)*n_in] */
  size_t *drp;       /* [T*B] start of row r's changes in didx */
  int32_t *dadd;     /* [T*B] inputs that turned on (first in the row's changes) */
  int32_t *drem;     /* [T*B] inputs that turned off (after them) */
  uint8_t *dmark;    /* [n_dmark][2][n_in] zeroed marks for build_delta */
  int n_dmark;
  int delta;         /* the last forward used the change lists */
  int32_t *gk;       /* train, change lists: [2][K+1] offsets of the transposed lists */
  int32_t *grix;     /* [T*B*K] transposed change lists (build_delta_csc) */
  float *gpp;        /* [n_dmark][B][T+1][SNN__PW] prefix sums of a panel's current gradients */
  float *facc;       /* [n_dmark][B][SNN__PW] running sums of the change-list forward */
  int lists_in;      /* the previous (fused) layer writes this layer's index lists */
  int src_const;     /* delayed layer: its source (previous output) has one time block */
  float *xd;         /* delayed layer: the shifted input [T][B][n_in] (layer delay[]) */
  float *dxd;        /* train, delayed layer after the first: gradient of xd [T][B][n_in] */
  size_t lists_nnz;  /* entries of lists written by that layer or the encoder (x0_lists) */
} lbuf;

struct snn__engine {
  snn_network *net;
  size_t B;          /* capacity */
  size_t b;          /* rows in the current batch */
  size_t T;
  int train;
  int tiles;         /* fixed-tile sgemm (sequential or OpenMP OpenBLAS) */
  snn__sg sg;
  size_t n_chan;
  int x0_const;
  float *x0;         /* encoded input [T0][B][n_chan] */
  int x0_lists;      /* the encoder writes layer 0's index lists instead of x0 */
  int x0_stale;      /* x0 was not written by the last forward (see x0_matrix) */
  void *lanes;       /* [B] encoder generator states for x0_lists */
  int n_lpos;        /* threads that may write lists from a fused forward */
  size_t *lpos;      /* [n_lpos][T] their list ends per step */
  size_t nl;
  lbuf *L;
  float *col;        /* conv im2col buffer */
  float *ctmp;       /* conv gemm output chunk */
  size_t col_cap, ctmp_cap;
  float *vtmp;       /* [B*max_n] step temporaries (recurrent input, generic grads) */
  float *vtmp2;
  float *dtmp;       /* [B*max_n] */
  float *gst;        /* generic: grad state carry [ns*B*n] */
  float *gst2;
  size_t max_n;
  /* sparse panel backward (panel_grad) */
  int n_scratch;     /* threads it may use (one scratch block each) */
  float *scratch;    /* [n_scratch][SNN__RB][SNN__PW] */
  int32_t *csc_kp;   /* per row block, K+1 offsets */
  int32_t *csc_rix;  /* transposed lists */
  size_t *csc_boff;  /* block offsets in csc_rix */
};

static void *aal(size_t n, size_t sz, int *fail) {
  if (*fail) return NULL;
  if (n == 0) n = 1;
  void *p = snn__aligned_alloc(n, sz);
  if (!p) *fail = 1;
  return p;
}

void snn__engine_free(snn__engine *e) {
  if (!e) return;
  if (e->L) {
    for (size_t i = 0; i < e->nl; i++) {
      lbuf *q = &e->L[i];
      if (q->out != q->cur) snn__aligned_free(q->out);
      snn__aligned_free(q->cur);
      snn__aligned_free(q->g);
      snn__aligned_free(q->vm);
      snn__aligned_free(q->st);
      snn__aligned_free(q->spk8);
      if (q->dout != q->dcur) snn__aligned_free(q->dout);
      snn__aligned_free(q->dcur);
      snn__aligned_free(q->cnt);
      snn__aligned_free(q->idx);
      snn__aligned_free(q->rp);
      snn__aligned_free(q->wp);
      snn__aligned_free(q->didx);
      snn__aligned_free(q->drp);
      snn__aligned_free(q->dadd);
      snn__aligned_free(q->drem);
      snn__free(q->dmark);
      snn__aligned_free(q->gk);
      snn__aligned_free(q->grix);
      snn__aligned_free(q->gpp);
      snn__aligned_free(q->facc);
      snn__aligned_free(q->xd);
      snn__aligned_free(q->dxd);
    }
    snn__free(e->L);
  }
  snn__aligned_free(e->x0);
  snn__aligned_free(e->lanes);
  snn__aligned_free(e->lpos);
  snn__aligned_free(e->col);
  snn__aligned_free(e->ctmp);
  snn__aligned_free(e->vtmp);
  snn__aligned_free(e->vtmp2);
  snn__aligned_free(e->dtmp);
  snn__aligned_free(e->gst);
  snn__aligned_free(e->gst2);
  snn__aligned_free(e->scratch);
  snn__aligned_free(e->csc_kp);
  snn__aligned_free(e->csc_rix);
  snn__aligned_free(e->csc_boff);
  snn__free(e);
}

/* images per conv chunk so the im2col buffer stays near 4M floats */
static size_t conv_chunk(const snn_layer *l, size_t n_img) {
  size_t kc = l->in_c * l->kh * l->kw, p = l->out_h * l->out_w;
  size_t g = (size_t)(4u << 20) / (kc * p + 1);
  if (g < 1) g = 1;
  if (g > n_img) g = n_img;
  return g;
}

int snn__engine_create(snn__engine **out, snn_network *net, size_t batch, int train,
                       const snn__sg *sg) {
  *out = NULL;
  snn__engine *e = snn__calloc(1, sizeof *e);
  if (!e) return snn__error(SNN_E_NOMEM, "out of memory allocating the network workspace");
  e->net = net;
  e->B = batch;
  e->T = net->steps;
  e->train = train;
  e->tiles = openblas_get_parallel() != 1;
  if (sg) e->sg = *sg;
  e->nl = net->n_layers;
  size_t T = e->T, B = batch;
  int fail = 0;
  e->L = snn__calloc(e->nl, sizeof *e->L);
  if (!e->L) fail = 1;
  int rc = snn_encoder_output_size(&e->n_chan, net->enc, net->n_in);
  if (rc != SNN_OK) {
    snn__engine_free(e);
    return rc;
  }
  e->x0_const = snn__encoder_is_constant(net->enc);
  e->x0 = aal((e->x0_const ? 1 : T) * B * e->n_chan, sizeof(float), &fail);
  int in_const = e->x0_const;
  size_t col_cap = 0, ctmp_cap = 0, max_n = 1, max_gst = 1;
  size_t csc_kp_cap = 0, csc_rix_cap = 0, csc_nb_cap = 0;
  for (size_t i = 0; i < e->nl && !fail; i++) {
    lbuf *q = &e->L[i];
    snn_layer *l = net->layers[i];
    q->l = l;
    size_t n = l->n_out;
    if (n > max_n) max_n = n;
    if (l->n_in > max_n) max_n = l->n_in;
    if (l->delay) {
      /* input delays (NIR Delay): the layer reads a time-shifted copy of its
       * input, which varies in time even when the source does not; training
       * shifts the input gradient back (delay_unshift) */
      q->src_const = in_const;
      q->xd = aal(T * B * l->n_in, sizeof(float), &fail);
      if (train && i > 0) q->dxd = aal(T * B * l->n_in, sizeof(float), &fail);
      in_const = 0;
    }
    q->in_const = in_const;
    int last = (i + 1 == e->nl);
    q->out_const = in_const && l->model == NULL && !last;
    /* a neuron-less last layer on a constant input repeats its output T times */
    q->expand = in_const && l->model == NULL && last;
    size_t Tc = q->in_const ? 1 : T, To = q->out_const ? 1 : T;
    q->cur = aal((q->expand ? T : Tc) * B * n, sizeof(float), &fail);
    if (l->model) {
      nfast_setup(&q->nf, l->model, net->dt);
      q->out = aal(To * B * n, sizeof(float), &fail);
      if (!q->nf.fused) {
        if (train && !snn__neuron_has_grad(l->model)) {
          snn__engine_free(e);
          return snn__error(SNN_E_UNSUPPORTED,
                            "snn_learner_create_bptt: layer %zu (%s) uses neuron model '%s', "
                            "which has no gradient (step_grad)",
                            i, snn_layer_kind(l), snn_neuron_model_kind(l->model));
        }
        q->ns = snn__neuron_n_state(l->model);
        q->st = aal((train ? T + 1 : 1) * q->ns * B * n, sizeof(float), &fail);
        q->spk8 = aal(B * n, 1, &fail);
        if (q->ns * n > max_gst) max_gst = q->ns * n;
      } else if (train) {
        q->g = aal(T * B * n, sizeof(float), &fail);
      }
      if (last) q->vm = aal(T * B * n, sizeof(float), &fail);
    } else {
      q->out = q->cur;
    }
    if (train) {
      q->dcur = aal((q->expand ? T : Tc) * B * n, sizeof(float), &fail);
      if (l->model) q->dout = aal(To * B * n, sizeof(float), &fail);
      else q->dout = q->dcur;
    }
    if (l->kind == SNN__LAYER_DENSE && !q->in_const) {
      q->cnt = aal(T * B, sizeof(int32_t), &fail);
      q->idx = aal(T * B * l->n_in, sizeof(int32_t), &fail);
      q->rp = aal(T * B, sizeof(size_t), &fail);
      if (n >= SNN__PANEL_MIN_N) {
        size_t np = (n + SNN__PW - 1) / SNN__PW * SNN__PW;
        q->wp = aal(np * l->n_in, sizeof(float), &fail);
        if (T > 1) {
          q->didx = aal((T + 1) * B * l->n_in, sizeof(int32_t), &fail);
          q->drp = aal(T * B, sizeof(size_t), &fail);
          q->dadd = aal(T * B, sizeof(int32_t), &fail);
          q->drem = aal(T * B, sizeof(int32_t), &fail);
          q->n_dmark = max_threads();
          if (!fail) {
            q->dmark = snn__calloc((size_t)q->n_dmark * 2, l->n_in);
            if (!q->dmark) fail = 1;
          }
          q->facc = aal((size_t)q->n_dmark * B * SNN__PW, sizeof(float), &fail);
          if (train) {
            q->gk = aal(2 * (l->n_in + 1), sizeof(int32_t), &fail);
            q->grix = aal(T * B * l->n_in, sizeof(int32_t), &fail);
            q->gpp = aal((size_t)q->n_dmark * B * (T + 1) * SNN__PW, sizeof(float), &fail);
          }
        }
        if (train) {
          size_t kk = l->n_in + 1, nb = (T * B + SNN__RB - 1) / SNN__RB;
          if (nb * kk > csc_kp_cap) csc_kp_cap = nb * kk;
          if (T * B * l->n_in > csc_rix_cap) csc_rix_cap = T * B * l->n_in;
          if (nb > csc_nb_cap) csc_nb_cap = nb;
        }
      }
    }
    if (l->kind == SNN__LAYER_CONV2D) {
      size_t nimg = Tc * B, g = conv_chunk(l, nimg);
      size_t kc = l->in_c * l->kh * l->kw, p = l->out_h * l->out_w;
      if (kc * g * p > col_cap) col_cap = kc * g * p;
      if (l->out_c * g * p > ctmp_cap) ctmp_cap = l->out_c * g * p;
    }
    in_const = q->out_const;
  }
  e->max_n = max_n;
  /* a rate encoder feeding a dense first layer hands over its spikes as the
   * layer's index lists: the 0/1 matrix is written only if something needs it */
  if (!fail && e->nl > 0 && e->L[0].cnt && !e->L[0].l->delay && snn__encoder_can_list(net->enc) &&
      e->L[0].l->n_in == e->n_chan) {
    e->x0_lists = 1;
    e->lanes = aal(B, snn__encoder_lanes_size(), &fail);
  }
  /* a non-recurrent fused layer writes the next dense layer's index lists
   * while its spikes are in cache (its spikes are exactly 0/1) */
  for (size_t i = 1; i < e->nl && !fail; i++) {
    lbuf *p = &e->L[i - 1], *q = &e->L[i];
    if (q->cnt && !q->l->delay && p->l->model && p->nf.fused && !p->l->has_rec && !p->out_const &&
        p->l->n_out == q->l->n_in) {
      q->lists_in = 1;
      if (!e->lpos) {
        e->n_lpos = max_threads();
        e->lpos = aal((size_t)e->n_lpos * T, sizeof(size_t), &fail);
      }
    }
  }
  e->col = aal(col_cap, sizeof(float), &fail);
  e->ctmp = aal(ctmp_cap, sizeof(float), &fail);
  e->col_cap = col_cap;
  e->ctmp_cap = ctmp_cap;
  if (csc_nb_cap) {
    e->n_scratch = max_threads();
    e->scratch = aal(e->n_scratch * SNN__RB * SNN__PW, sizeof(float), &fail);
    e->csc_kp = aal(csc_kp_cap, sizeof(int32_t), &fail);
    e->csc_rix = aal(csc_rix_cap, sizeof(int32_t), &fail);
    e->csc_boff = aal(csc_nb_cap, sizeof(size_t), &fail);
  }
  e->vtmp = aal(B * max_n, sizeof(float), &fail);
  e->vtmp2 = aal(B * max_n, sizeof(float), &fail);
  e->dtmp = aal(B * max_n, sizeof(float), &fail);
  if (train) {
    e->gst = aal(B * max_gst, sizeof(float), &fail);
    e->gst2 = aal(B * max_gst, sizeof(float), &fail);
  }
  if (fail) {
    snn__engine_free(e);
    return snn__error(SNN_E_NOMEM, "out of memory allocating the network workspace "
                                   "(batch %zu, %zu steps)", batch, T);
  }
  *out = e;
  return SNN_OK;
}

/* ---- sparse input index ------------------------------------------------- */
/* rows [r0, r1) of build_csr; returns nnz, sets *nonbin */
/* The lists of rows [r0, r1) are packed one after the other from idx + r0*K
 * (a thread's segment, so threads never overlap and compact lists keep the
 * kernels' index reads sequential); rp[r] is where row r's list starts. */
SNN__CLONES static long long csr_range(const float *X, size_t r0, size_t r1, size_t K, int32_t *cnt,
                                       size_t *rp, int32_t *idx, int *nonbin) {
  long long nnz = 0;
  int bad = 0;
  size_t pos = r0 * K;
  for (size_t r = r0; r < r1; r++) {
    const float *x = X + r * K;
    int32_t *ix = idx + pos;
    int32_t c = 0;
    size_t k = 0;
    /* spikes are sparse: skip blocks of 8 whose bits are all zero (the
     * check vectorises; the compaction below does not) */
    for (; k + 8 <= K; k += 8) {
      uint32_t u[8], any = 0;
      memcpy(u, x + k, sizeof u);
      for (size_t q = 0; q < 8; q++) any |= u[q];
      if (!any) continue;
      /* on the bits: x != 0.0f (NaN included) iff (bits & 0x7fffffff) != 0,
       * and x == 1.0f iff bits == 0x3f800000 */
      for (size_t q = 0; q < 8; q++) {
        int nz = (u[q] & 0x7fffffffu) != 0;
        ix[c] = (int32_t)(k + q);
        c += nz;
        bad |= nz & (u[q] != 0x3f800000u);
      }
    }
    for (; k < K; k++) {
      float v = x[k];
      ix[c] = (int32_t)k;
      c += (v != 0.0f);
      bad |= (v != 0.0f) & (v != 1.0f);
    }
    cnt[r] = c;
    rp[r] = pos;
    pos += (size_t)c;
    nnz += c;
    if (bad) break; /* not binary: the caller uses sgemm */
  }
  *nonbin |= bad;
  return nnz;
}

/* Builds per-row lists of the ones of X [rows][K]. Returns -1 when X is not
 * binary, else the number of ones. */
static long long build_csr(const float *X, size_t rows, size_t K, int32_t *cnt, size_t *rp,
                           int32_t *idx) {
  int nonbin = 0;
  long long nnz = 0;
#pragma omp parallel reduction(| : nonbin) reduction(+ : nnz) if (rows * K >= 65536)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    nnz += csr_range(X, rows * tid / nth, rows * (tid + 1) / nth, K, cnt, rp, idx, &nonbin);
  }
  return nonbin ? -1 : nnz;
}

SNN__CLONES static long long count_binary_range(const float *X, size_t i0, size_t i1, int *nonbin) {
  long long nnz = 0;
  int bad = 0;
  for (size_t i = i0; i < i1; i++) {
    nnz += X[i] != 0.0f;
    bad |= (X[i] != 0.0f) & (X[i] != 1.0f);
  }
  *nonbin |= bad;
  return nnz;
}

/* number of ones in X[0..n), or -1 when X is not binary */
static long long count_binary(const float *X, size_t n) {
  long long nnz = 0;
  int nonbin = 0;
#pragma omp parallel reduction(| : nonbin) reduction(+ : nnz) if (n >= 262144)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    nnz += count_binary_range(X, n * tid / nth, n * (tid + 1) / nth, &nonbin);
  }
  return nonbin ? -1 : nnz;
}

/* ---- sparse binary input --------------------------------------------------------
 * out[r][:] = bias + the sum of the weight rows (input-major storage) of the
 * active inputs of row r. Rows are owned by threads. (An 8-column panel
 * variant that keeps a panel of W in L1 measured 3-4x slower here: it re-reads
 * the index lists once per panel.) */
SNN__CLONES static void sparse_rows_fwd_range(size_t r0, size_t r1, size_t N, const int32_t *cnt,
                                              const size_t *rp, const int32_t *idx, const float *W,
                                              const float *bias, float *out) {
  for (size_t r = r0; r < r1; r++) {
    float *restrict o = out + r * N;
    if (bias) memcpy(o, bias, N * sizeof(float));
    else memset(o, 0, N * sizeof(float));
    const int32_t *ix = idx + rp[r];
    int32_t c = cnt[r], k = 0;
    for (; k + 4 <= c; k += 4) {
      const float *restrict w0 = W + (size_t)ix[k] * N, *restrict w1 = W + (size_t)ix[k + 1] * N;
      const float *restrict w2 = W + (size_t)ix[k + 2] * N, *restrict w3 = W + (size_t)ix[k + 3] * N;
      for (size_t j = 0; j < N; j++) o[j] += (w0[j] + w1[j]) + (w2[j] + w3[j]);
    }
    for (; k < c; k++) {
      const float *restrict w0 = W + (size_t)ix[k] * N;
      for (size_t j = 0; j < N; j++) o[j] += w0[j];
    }
  }
}

static void sparse_rows_fwd(size_t rows, size_t N, const int32_t *cnt, const size_t *rp,
                            const int32_t *idx, const float *W, const float *bias, float *out) {
#pragma omp parallel if (rows * N >= 16384)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    sparse_rows_fwd_range(rows * tid / nth, rows * (tid + 1) / nth, N, cnt, rp, idx, W, bias, out);
  }
}

/* dW[k][:] for k in [k0, k1): sum over rows of dI[r][:] where input k was active */
SNN__CLONES static void sparse_rows_grad_range(size_t k0, size_t k1, size_t rows, size_t N,
                                               const int32_t *cnt, const size_t *rp,
                                               const int32_t *idx, const float *dI, float *dW) {
  memset(dW + k0 * N, 0, (k1 - k0) * N * sizeof(float));
  for (size_t r = 0; r < rows; r++) {
    const int32_t *ix = idx + rp[r];
    int32_t c = cnt[r];
    const float *restrict g = dI + r * N;
    for (int32_t a = 0; a < c; a++) {
      size_t k = (size_t)ix[a];
      if (k < k0) continue;
      if (k >= k1) break;
      float *restrict w = dW + k * N;
      for (size_t j = 0; j < N; j++) w[j] += g[j];
    }
  }
}

/* dW[K][N] = sum over rows of dI[r][:] at the active inputs (each thread owns a k range) */
static void sparse_rows_grad(size_t rows, size_t K, size_t N, const int32_t *cnt,
                             const size_t *rp, const int32_t *idx, const float *dI, float *dW) {
#pragma omp parallel if (rows * N >= 16384)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    sparse_rows_grad_range(K * tid / nth, K * (tid + 1) / nth, rows, N, cnt, rp, idx, dI, dW);
  }
}

/* ---- sparse binary input, 32-column panels ----------------------------------------
 * For wide layers the weight rows of the active inputs do not fit in cache
 * (784 x 1000 floats = 3.1 MB), so the row kernels above stream every active
 * row from L3. Here W is repacked once per batch into panels of 32 output
 * columns ([N/32][K][32]: 100 KB for K = 784, resident in L2) and each thread
 * owns whole panels: forward, row r of a panel is the sum of the active
 * inputs' 32-float panel rows; backward, the panel's weight gradient (packed
 * the same way) stays in L2 while every row adds its 32 current gradients at
 * its active inputs. Each active input then costs N/8 vector adds from L2
 * instead of N/8 from L3 (measured ~2.5x faster forward, ~1.5x backward at
 * 13 % density; docs/training.md). The order of every sum is fixed (rows in
 * order, inputs in order, two interleaved partial sums), so results do not
 * depend on the number of threads. */
#if defined(__GNUC__)
typedef float snn__v8 __attribute__((vector_size(32)));
#define SNN__HAVE_V8 1
#endif

/* Wp[p][k][j] = W[k][32p + j] (0 past N) for panels [p0, p1) */
static void pack_panels(size_t p0, size_t p1, size_t K, size_t N, const float *W, float *Wp) {
  for (size_t p = p0; p < p1; p++) {
    size_t j0 = SNN__PW * p, w = N - j0 < SNN__PW ? N - j0 : SNN__PW;
    float *dst = Wp + p * K * SNN__PW;
    for (size_t k = 0; k < K; k++) {
      memcpy(dst + k * SNN__PW, W + k * N + j0, w * sizeof(float));
      for (size_t j = w; j < SNN__PW; j++) dst[k * SNN__PW + j] = 0.0f;
    }
  }
}

/* out[0..32) = init[0..32) + the sum of the 32-float rows src[ix[0..c)] (rows
 * in order, two interleaved partial sums: a fixed order). Shared by the panel
 * forward (src = weight panel, init = bias) and gradient (src = packed current
 * gradients, init = 0). */
static inline void gather32(const float *src, const int32_t *ix, int32_t c, const float *init,
                            float *out) {
#ifdef SNN__HAVE_V8
  const snn__v8 *ps = (const snn__v8 *)src;
  snn__v8 a0, a1, a2, a3, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
  memcpy(&a0, init, 32);
  memcpy(&a1, init + 8, 32);
  memcpy(&a2, init + 16, 32);
  memcpy(&a3, init + 24, 32);
  int32_t k = 0;
  for (; k + 2 <= c; k += 2) {
    const snn__v8 *u = ps + (size_t)ix[k] * 4, *v = ps + (size_t)ix[k + 1] * 4;
    a0 += u[0];
    a1 += u[1];
    a2 += u[2];
    a3 += u[3];
    b0 += v[0];
    b1 += v[1];
    b2 += v[2];
    b3 += v[3];
  }
  if (k < c) {
    const snn__v8 *u = ps + (size_t)ix[k] * 4;
    a0 += u[0];
    a1 += u[1];
    a2 += u[2];
    a3 += u[3];
  }
  snn__v8 sv[4] = {a0 + b0, a1 + b1, a2 + b2, a3 + b3};
  memcpy(out, sv, sizeof sv);
#else
  memcpy(out, init, SNN__PW * sizeof(float));
  for (int32_t k = 0; k < c; k++)
    for (size_t j = 0; j < SNN__PW; j++) out[j] += src[(size_t)ix[k] * SNN__PW + j];
#endif
}

SNN__CLONES static void panel_fwd_range(size_t p0, size_t p1, size_t rows, size_t K, size_t N,
                                        const int32_t *cnt, const size_t *rp, const int32_t *idx,
                                        const float *Wp, const float *bias, float *out) {
  for (size_t p = p0; p < p1; p++) {
    size_t j0 = SNN__PW * p, w = N - j0 < SNN__PW ? N - j0 : SNN__PW;
    const float *wp = Wp + p * K * SNN__PW;
    float b32[SNN__PW] = {0}, s32[SNN__PW];
    if (bias) memcpy(b32, bias + j0, w * sizeof(float));
    for (size_t r = 0; r < rows; r++) {
      gather32(wp, idx + rp[r], cnt[r], b32, s32);
      memcpy(out + r * N + j0, s32, w * sizeof(float));
    }
  }
}

/* ---- change lists ----------------------------------------------------------------
 * A rate-coded input changes little from one step to the next (on MNIST
 * about 30 of 100 active pixels per step; bright pixels fire at almost every
 * step), so the panel forward can carry each image's 32 sums from step to
 * step and add the weight rows of the inputs that turned on and subtract
 * those that turned off. build_delta() makes these lists: row r = t*B + b
 * gets, from didx + drp[r], dadd[r] inputs that turned on at step t (all
 * active ones at t = 0), then drem[r] inputs that turned off. Image b packs
 * its rows from didx + b*(T+1)*K. An input is at most in one of the two lists
 * of a step, so a step stores at most K entries; the loops below write
 * candidates before knowing whether they stay, up to c + pc <= 2K entries past
 * the step's start, so the slot has room for K more than the T*K entries that
 * can stay, and nothing depends on how images are split among threads (once,
 * a shared per-thread capacity made the choice of lists, and so the rounding
 * of the sums, depend on the thread count). Marks are zero between calls.
 * Returns 1 when the change lists are used: they hold fewer than 3/4 of the
 * entries of the plain lists. */
_Atomic int snn__engine_delta_enabled = 1;
_Atomic unsigned long snn__engine_delta_uses = 0;

static int build_delta(lbuf *q, size_t T, size_t B, size_t K, size_t nnz) {
  if (!snn__engine_delta_enabled) return 0;
  size_t total = 0;
  int nt = max_threads();
  if (nt > q->n_dmark) nt = q->n_dmark;
#pragma omp parallel num_threads(nt) reduction(+ : total) if (T * B * K >= 65536)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    size_t b0 = B * tid / nth, b1 = B * (tid + 1) / nth;
    uint8_t *mp = q->dmark + tid * 2 * K, *mc = mp + K;
    for (size_t b = b0; b < b1; b++) {
      size_t pos = b * (T + 1) * K;
      for (size_t t = 0; t < T; t++) {
        size_t r = t * B + b;
        const int32_t *cur = q->idx + q->rp[r];
        int32_t c = q->cnt[r], pc = t ? q->cnt[r - B] : 0, na = 0, nr = 0;
        int32_t *o = q->didx + pos;
        if (t == 0) {
          for (int32_t a = 0; a < c; a++) {
            o[a] = cur[a];
            mp[cur[a]] = 1;
          }
          na = c;
        } else {
          const int32_t *prev = q->idx + q->rp[r - B];
          for (int32_t a = 0; a < c; a++) mc[cur[a]] = 1;
          for (int32_t a = 0; a < c; a++) {
            o[na] = cur[a];
            na += !mp[cur[a]];
          }
          for (int32_t a = 0; a < pc; a++) {
            o[na + nr] = prev[a];
            nr += !mc[prev[a]];
          }
          for (int32_t a = 0; a < pc; a++) mp[prev[a]] = 0;
          uint8_t *sw = mp;
          mp = mc;
          mc = sw;
        }
        q->drp[r] = pos;
        q->dadd[r] = na;
        q->drem[r] = nr;
        pos += (size_t)(na + nr);
        total += (size_t)(na + nr);
      }
      /* clear the marks of the image's last step */
      size_t r = (T - 1) * B + b;
      for (int32_t a = 0; a < q->cnt[r]; a++) mp[q->idx[q->rp[r] + (size_t)a]] = 0;
    }
  }
  if ((double)total >= 0.75 * (double)nnz) return 0;
  snn__engine_delta_uses++;
  return 1;
}

/* panel forward along the change lists: per image, the 32 sums of step t are
 * those of step t - 1 plus the rows that turned on, minus those that turned
 * off (each a sum in list order, two interleaved partial sums). The images'
 * running sums (acc, B x 32) stay in L1 while the rows are written in order. */
SNN__CLONES static void panel_fwd_delta_range(size_t p0, size_t p1, size_t T, size_t B, size_t K,
                                              size_t N, const lbuf *q, const float *Wp,
                                              const float *bias, float *out, float *accs) {
  static const float zero32[SNN__PW] = {0};
  for (size_t p = p0; p < p1; p++) {
    size_t j0 = SNN__PW * p, w = N - j0 < SNN__PW ? N - j0 : SNN__PW;
    const float *wp = Wp + p * K * SNN__PW;
    float b32[SNN__PW] = {0};
    if (bias) memcpy(b32, bias + j0, w * sizeof(float));
    for (size_t b = 0; b < B; b++) memcpy(accs + b * SNN__PW, b32, sizeof b32);
    for (size_t t = 0; t < T; t++) {
      for (size_t b = 0; b < B; b++) {
        size_t r = t * B + b;
        float *acc = accs + b * SNN__PW, rem[SNN__PW];
        const int32_t *ix = q->didx + q->drp[r];
        gather32(wp, ix, q->dadd[r], acc, acc);
        if (q->drem[r]) {
          gather32(wp, ix + q->dadd[r], q->drem[r], zero32, rem);
          for (size_t j = 0; j < SNN__PW; j++) acc[j] -= rem[j];
        }
        memcpy(out + r * N + j0, acc, w * sizeof(float));
      }
    }
  }
}

/* out[rows][N] = bias + sum of the active inputs' weight rows (W packed into Wp) */
static void panel_fwd(size_t rows, size_t K, size_t N, const int32_t *cnt, const size_t *rp,
                      const int32_t *idx, const float *W, float *Wp, const float *bias,
                      float *out, const lbuf *dq, size_t T, size_t B) {
  size_t P = (N + SNN__PW - 1) / SNN__PW;
  int nt = max_threads();
  if (dq && nt > dq->n_dmark) nt = dq->n_dmark; /* one facc block per thread */
#pragma omp parallel num_threads(nt) if (rows * N >= 16384)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    size_t p0 = P * tid / nth, p1 = P * (tid + 1) / nth;
    pack_panels(p0, p1, K, N, W, Wp);
    if (dq)
      panel_fwd_delta_range(p0, p1, T, B, K, N, dq, Wp, bias, out,
                            dq->facc + tid * B * SNN__PW);
    else
      panel_fwd_range(p0, p1, rows, K, N, cnt, rp, idx, Wp, bias, out);
  }
}

/* Backward: the transpose of the forward product. Rows are cut into blocks
 * of SNN__RB (fixed, so the sums do not depend on the thread count); for each
 * block the active lists are transposed (per input k, the rows where it was
 * active: a counting sort of the row lists), and for each panel the block's 32
 * current-gradient columns are packed (128 KB, resident in L2) so that
 * dW[k][panel] gathers them exactly like the forward gathers weight rows.
 * Block sums are added to dW in block order. */

/* CSC of rows [r0, r1): kp[0..K] offsets into rix (rows ascending per k) */
static void csc_block(size_t r0, size_t r1, size_t K, const int32_t *cnt, const size_t *rp,
                      const int32_t *idx, int32_t *kp, int32_t *rix) {
  memset(kp, 0, (K + 1) * sizeof(int32_t));
  for (size_t r = r0; r < r1; r++)
    for (int32_t a = 0; a < cnt[r]; a++) kp[idx[rp[r] + (size_t)a] + 1]++;
  for (size_t k = 0; k < K; k++) kp[k + 1] += kp[k];
  for (size_t r = r0; r < r1; r++)
    for (int32_t a = 0; a < cnt[r]; a++) rix[kp[idx[rp[r] + (size_t)a]]++] = (int32_t)(r - r0);
  for (size_t k = K; k > 0; k--) kp[k] = kp[k - 1];
  kp[0] = 0;
}

SNN__CLONES static void panel_grad_range(size_t p0, size_t p1, size_t rows, size_t K, size_t N,
                                         const int32_t *kp_all, const int32_t *rix_all,
                                         const size_t *boff, const float *dI, float *dIp,
                                         float *dW, float *db) {
  size_t nb = (rows + SNN__RB - 1) / SNN__RB;
  /* panels outer: the panel's dW (K x 32 floats) stays in L2 while the row
   * blocks add to it, in block order */
  for (size_t p = p0; p < p1; p++) {
    size_t j0 = SNN__PW * p, w = N - j0 < SNN__PW ? N - j0 : SNN__PW;
    for (size_t bi = 0; bi < nb; bi++) {
      size_t r0 = bi * SNN__RB, r1 = r0 + SNN__RB < rows ? r0 + SNN__RB : rows;
      const int32_t *kp = kp_all + bi * (K + 1), *rix = rix_all + boff[bi];
      /* pack the block's columns; with db, also the bias gradient (the column
       * sums, rows in order: the same sums as colsum()) */
      float acc[SNN__PW];
      if (db && bi > 0) memcpy(acc, db + j0, w * sizeof(float));
      else memset(acc, 0, sizeof acc);
      if (w == SNN__PW) {
        for (size_t r = r0; r < r1; r++) {
          const float *restrict src = dI + r * N + j0;
          float *restrict d = dIp + (r - r0) * SNN__PW;
          for (size_t j = 0; j < SNN__PW; j++) {
            d[j] = src[j];
            acc[j] += src[j];
          }
        }
      } else {
        for (size_t r = r0; r < r1; r++) {
          float *d = dIp + (r - r0) * SNN__PW;
          for (size_t j = 0; j < SNN__PW; j++) d[j] = j < w ? dI[r * N + j0 + j] : 0.0f;
          for (size_t j = 0; j < w; j++) acc[j] += d[j];
        }
      }
      if (db) memcpy(db + j0, acc, w * sizeof(float));
      static const float zero32[SNN__PW] = {0};
      float s32[SNN__PW];
      for (size_t k = 0; k < K; k++) {
        gather32(dIp, rix + kp[k], kp[k + 1] - kp[k], zero32, s32);
        float *o = dW + k * N + j0;
        if (bi == 0) {
          memcpy(o, s32, w * sizeof(float));
        } else {
          for (size_t j = 0; j < w; j++) o[j] += s32[j];
        }
      }
    }
  }
}

/* dW[K][N] = sum over rows of dI[r][:] at the active inputs, and, when db is
 * not NULL, db[N] = the sum of the rows of dI (the bias gradient). */
static void panel_grad(snn__engine *e, size_t rows, size_t K, size_t N, const int32_t *cnt,
                       const size_t *rp, const int32_t *idx, const float *dI, float *dW,
                       float *db) {
  size_t P = (N + SNN__PW - 1) / SNN__PW, nb = (rows + SNN__RB - 1) / SNN__RB;
  int32_t *kp = e->csc_kp, *rix = e->csc_rix;
  size_t *boff = e->csc_boff;
  int nt = e->n_scratch;
  if (max_threads() < nt) nt = max_threads();
  /* block offsets in rix: the active count of the rows before each block */
  size_t acc = 0;
  for (size_t bi = 0; bi < nb; bi++) {
    boff[bi] = acc;
    size_t r1 = (bi + 1) * SNN__RB < rows ? (bi + 1) * SNN__RB : rows;
    for (size_t r = bi * SNN__RB; r < r1; r++) acc += (size_t)cnt[r];
  }
#pragma omp parallel for schedule(static) num_threads(nt) if (rows * K >= 65536)
  for (pidx bi = 0; bi < (pidx)nb; bi++) {
    size_t r0 = (size_t)bi * SNN__RB, r1 = r0 + SNN__RB < rows ? r0 + SNN__RB : rows;
    csc_block(r0, r1, K, cnt, rp, idx, kp + (size_t)bi * (K + 1), rix + boff[bi]);
  }
#pragma omp parallel num_threads(nt) if (rows * N >= 16384)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    panel_grad_range(P * tid / nth, P * (tid + 1) / nth, rows, K, N, kp, rix, boff, dI,
                     e->scratch + tid * SNN__RB * SNN__PW, dW, db);
  }
}

/* ---- weight gradient along the change lists -----------------------------------
 * With P[t][b] = the sum of the current gradients dI[t'][b] over t' < t, an
 * input that is on from step t_on to t_off - 1 adds P[t_off] - P[t_on] to its
 * weight gradient. So dW[k] = the sum of P at the steps where k turned off
 * (t = T: still on at the end) minus the sum of P at the steps t >= 1 where it
 * turned on (P[0] = 0). The transposed lists name virtual rows
 * u = b*(T+1) + t, ascending per input: gk[k]..gk[k+1] the plus rows,
 * gk[K+1+k]..gk[K+2+k] the minus rows (offsets into grix). Returns 0 when
 * they do not fit in T*B*K entries. */
static int build_delta_csc(lbuf *q, size_t T, size_t B, size_t K) {
  int32_t *kp = q->gk, *kn = q->gk + K + 1, *rix = q->grix;
  memset(q->gk, 0, 2 * (K + 1) * sizeof(int32_t));
  for (size_t b = 0; b < B; b++) {
    for (size_t t = 1; t < T; t++) {
      size_t r = t * B + b;
      const int32_t *ix = q->didx + q->drp[r];
      for (int32_t a = 0; a < q->dadd[r]; a++) kn[ix[a] + 1]++;
      for (int32_t a = 0; a < q->drem[r]; a++) kp[ix[q->dadd[r] + a] + 1]++;
    }
    size_t r = (T - 1) * B + b;
    for (int32_t a = 0; a < q->cnt[r]; a++) kp[q->idx[q->rp[r] + (size_t)a] + 1]++;
  }
  for (size_t k = 0; k < K; k++) kp[k + 1] += kp[k];
  kn[0] = kp[K];
  for (size_t k = 0; k < K; k++) kn[k + 1] += kn[k];
  if ((size_t)kn[K] > T * B * K) return 0;
  /* fill (kp/kn advance to the ends, then shift back) */
  for (size_t b = 0; b < B; b++) {
    for (size_t t = 1; t < T; t++) {
      size_t r = t * B + b;
      int32_t u = (int32_t)(b * (T + 1) + t);
      const int32_t *ix = q->didx + q->drp[r];
      for (int32_t a = 0; a < q->dadd[r]; a++) rix[kn[ix[a]]++] = u;
      for (int32_t a = 0; a < q->drem[r]; a++) rix[kp[ix[q->dadd[r] + a]]++] = u;
    }
    size_t r = (T - 1) * B + b;
    int32_t u = (int32_t)(b * (T + 1) + T);
    for (int32_t a = 0; a < q->cnt[r]; a++) rix[kp[q->idx[q->rp[r] + (size_t)a]]++] = u;
  }
  for (size_t k = K; k > 0; k--) {
    kp[k] = kp[k - 1];
    kn[k] = kn[k - 1];
  }
  kn[0] = kp[K];
  kp[0] = 0;
  return 1;
}

/* panels [p0, p1): pp (B*(T+1) x 32 floats) gets a panel's prefix sums, db
 * (if not NULL) the column sums P[T][b] summed over b in order */
SNN__CLONES static void panel_grad_delta_range(size_t p0, size_t p1, size_t T, size_t B, size_t K,
                                               size_t N, const lbuf *q, const float *dI,
                                               float *pp, float *dW, float *db) {
  static const float zero32[SNN__PW] = {0};
  const int32_t *kp = q->gk, *kn = q->gk + K + 1, *rix = q->grix;
  for (size_t p = p0; p < p1; p++) {
    size_t j0 = SNN__PW * p, w = N - j0 < SNN__PW ? N - j0 : SNN__PW;
    /* pp[b][t] = P[t][b] for this panel's columns, rows of dI read in order */
    float bsum[SNN__PW] = {0};
    for (size_t b = 0; b < B; b++) memset(pp + b * (T + 1) * SNN__PW, 0, SNN__PW * sizeof(float));
    for (size_t t = 0; t < T; t++) {
      for (size_t b = 0; b < B; b++) {
        const float *restrict src = dI + (t * B + b) * N + j0;
        const float *restrict prev = pp + (b * (T + 1) + t) * SNN__PW;
        float *restrict next = pp + (b * (T + 1) + t + 1) * SNN__PW;
        if (w == SNN__PW) {
          for (size_t j = 0; j < SNN__PW; j++) next[j] = prev[j] + src[j];
        } else {
          for (size_t j = 0; j < SNN__PW; j++) next[j] = prev[j] + (j < w ? src[j] : 0.0f);
        }
      }
    }
    for (size_t b = 0; b < B; b++) {
      const float *last = pp + (b * (T + 1) + T) * SNN__PW;
      for (size_t j = 0; j < SNN__PW; j++) bsum[j] += last[j];
    }
    if (db) memcpy(db + j0, bsum, w * sizeof(float));
    float sp[SNN__PW], sn[SNN__PW];
    for (size_t k = 0; k < K; k++) {
      gather32(pp, rix + kp[k], kp[k + 1] - kp[k], zero32, sp);
      gather32(pp, rix + kn[k], kn[k + 1] - kn[k], zero32, sn);
      float *d = dW + k * N + j0;
      for (size_t j = 0; j < w; j++) d[j] = sp[j] - sn[j];
    }
  }
}

/* dW (and db) of a layer whose forward used the change lists; 0 if the
 * transposed lists do not fit (the caller then uses panel_grad) */
static int panel_grad_delta(snn__engine *e, lbuf *q, size_t K, size_t N, const float *dI,
                            float *dW, float *db) {
  size_t T = e->T, B = e->b, P = (N + SNN__PW - 1) / SNN__PW;
  if (!build_delta_csc(q, T, B, K)) return 0;
  int nt = q->n_dmark;
  if (max_threads() < nt) nt = max_threads();
#pragma omp parallel num_threads(nt) if (T * B * N >= 16384)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    panel_grad_delta_range(P * tid / nth, P * (tid + 1) / nth, T, B, K, N, q, dI,
                           q->gpp + tid * B * (T + 1) * SNN__PW, dW, db);
  }
  return 1;
}

/* db[j] = sum_r A[r][j], columns owned per thread, rows in order */
static void colsum(size_t rows, size_t N, const float *A, float *db) {
#pragma omp parallel if (rows * N >= 65536)
  {
    size_t tid, nth;
    thread_slot(&tid, &nth);
    size_t j0 = N * tid / nth, j1 = N * (tid + 1) / nth;
    for (size_t j = j0; j < j1; j++) db[j] = 0.0f;
    for (size_t r = 0; r < rows; r++) {
      const float *a = A + r * N;
      for (size_t j = j0; j < j1; j++) db[j] += a[j];
    }
  }
}

static void fill_bias_rows(float *out, size_t rows, size_t N, const float *bias) {
  if (!bias) {
    memset(out, 0, rows * N * sizeof(float));
    return;
  }
#pragma omp parallel for schedule(static) if (rows * N >= 65536)
  for (pidx r = 0; r < (pidx)rows; r++) memcpy(out + (size_t)r * N, bias, N * sizeof(float));
}

/* ---- conv2d ------------------------------------------------------------------ */
/* Output columns [*lo, *hi) whose input column ox*stride + kx - pad lies in
 * [0, W); the others read the zero padding. */
static void conv_ox_range(const snn_layer *l, size_t kx, size_t *lo, size_t *hi) {
  size_t st = l->stride, pad = l->pad, W = l->in_w, ow = l->out_w;
  size_t a = pad > kx ? (pad - kx + st - 1) / st : 0;
  size_t b = W + pad > kx ? (W - 1 + pad - kx) / st + 1 : 0;
  if (b > ow) b = ow;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

static void im2col(const snn_layer *l, const float *x, float *col, size_t ldc, size_t c0) {
  /* col[(c*kh+ky)*kw+kx][c0 + oy*ow+ox] */
  size_t oh = l->out_h, ow = l->out_w, H = l->in_h, W = l->in_w, st = l->stride;
  for (size_t c = 0; c < l->in_c; c++)
    for (size_t ky = 0; ky < l->kh; ky++)
      for (size_t kx = 0; kx < l->kw; kx++) {
        float *dst = col + ((c * l->kh + ky) * l->kw + kx) * ldc + c0;
        const float *src = x + c * H * W;
        size_t lo, hi;
        conv_ox_range(l, kx, &lo, &hi);
        for (size_t oy = 0; oy < oh; oy++) {
          long iy = (long)(oy * st + ky) - (long)l->pad;
          float *d = dst + oy * ow;
          if (iy < 0 || iy >= (long)H) {
            memset(d, 0, ow * sizeof(float));
            continue;
          }
          const float *s = src + (size_t)iy * W; /* column ox: s[ox*st + kx - pad], ox >= lo */
          for (size_t ox = 0; ox < lo; ox++) d[ox] = 0.0f;
          if (st == 1)
            memcpy(d + lo, s + (lo + kx - l->pad), (hi - lo) * sizeof(float));
          else
            for (size_t ox = lo; ox < hi; ox++) d[ox] = s[ox * st + kx - l->pad];
          for (size_t ox = hi; ox < ow; ox++) d[ox] = 0.0f;
        }
      }
}

static void col2im_add(const snn_layer *l, const float *col, size_t ldc, size_t c0, float *dx) {
  size_t oh = l->out_h, ow = l->out_w, H = l->in_h, W = l->in_w;
  for (size_t c = 0; c < l->in_c; c++)
    for (size_t ky = 0; ky < l->kh; ky++)
      for (size_t kx = 0; kx < l->kw; kx++) {
        const float *src = col + ((c * l->kh + ky) * l->kw + kx) * ldc + c0;
        float *dst = dx + c * H * W;
        size_t lo, hi, st = l->stride;
        conv_ox_range(l, kx, &lo, &hi);
        for (size_t oy = 0; oy < oh; oy++) {
          long iy = (long)(oy * st + ky) - (long)l->pad;
          if (iy < 0 || iy >= (long)H) continue;
          const float *restrict s = src + oy * ow;
          float *restrict d = dst + (size_t)iy * W; /* column ox: d[ox*st + kx - pad] */
          if (st == 1) {
            float *restrict d1 = d + (lo + kx - l->pad);
            const float *restrict s1 = s + lo;
            for (size_t i = 0; i < hi - lo; i++) d1[i] += s1[i];
          } else {
            for (size_t ox = lo; ox < hi; ox++) d[ox * st + kx - l->pad] += s[ox];
          }
        }
      }
}

static void conv_forward(snn__engine *e, const snn_layer *l, const float *X, size_t nimg,
                         float *out) {
  size_t kc = l->in_c * l->kh * l->kw, P = l->out_h * l->out_w, OC = l->out_c;
  size_t G = conv_chunk(l, nimg);
  for (size_t i0 = 0; i0 < nimg; i0 += G) {
    size_t g = nimg - i0 < G ? nimg - i0 : G, ld = g * P;
#pragma omp parallel for schedule(static)
    for (pidx j = 0; j < (pidx)g; j++)
      im2col(l, X + (i0 + (size_t)j) * l->n_in, e->col, ld, (size_t)j * P);
    sgemm(e->tiles, 0, 0, OC, ld, kc, 1.0f, l->w, kc, e->col, ld, 0.0f, e->ctmp, ld);
#pragma omp parallel for schedule(static)
    for (pidx j = 0; j < (pidx)g; j++) {
      float *o = out + (i0 + (size_t)j) * l->n_out;
      for (size_t c = 0; c < OC; c++) {
        const float *s = e->ctmp + c * ld + (size_t)j * P;
        float bb = l->has_bias ? l->b[c] : 0.0f;
        for (size_t p = 0; p < P; p++) o[c * P + p] = s[p] + bb;
      }
    }
  }
}

/* dW = sum dY col^T ; db ; dX (optional, overwritten) */
static void conv_backward(snn__engine *e, const snn_layer *l, const float *X, const float *dY,
                          size_t nimg, float *dW, float *db, float *dX) {
  size_t kc = l->in_c * l->kh * l->kw, P = l->out_h * l->out_w, OC = l->out_c;
  size_t G = conv_chunk(l, nimg);
  if (dX) memset(dX, 0, nimg * l->n_in * sizeof(float));
  for (size_t i0 = 0; i0 < nimg; i0 += G) {
    size_t g = nimg - i0 < G ? nimg - i0 : G, ld = g * P;
#pragma omp parallel for schedule(static)
    for (pidx j = 0; j < (pidx)g; j++) {
      im2col(l, X + (i0 + (size_t)j) * l->n_in, e->col, ld, (size_t)j * P);
      const float *d = dY + (i0 + (size_t)j) * l->n_out;
      for (size_t c = 0; c < OC; c++) memcpy(e->ctmp + c * ld + (size_t)j * P, d + c * P, P * sizeof(float));
    }
    sgemm(e->tiles, 0, 1, OC, kc, ld, 1.0f, e->ctmp, ld, e->col, ld, i0 == 0 ? 0.0f : 1.0f, dW, kc);
    if (dX) {
      sgemm(e->tiles, 1, 0, kc, ld, OC, 1.0f, l->w, kc, e->ctmp, ld, 0.0f, e->col, ld);
#pragma omp parallel for schedule(static)
      for (pidx j = 0; j < (pidx)g; j++)
        col2im_add(l, e->col, ld, (size_t)j * P, dX + (i0 + (size_t)j) * l->n_in);
    }
  }
  if (db) {
    for (size_t c = 0; c < OC; c++) {
      double s = 0.0;
      for (size_t i = 0; i < nimg; i++) {
        const float *d = dY + i * l->n_out + c * P;
        float ps = 0.0f;
        for (size_t p = 0; p < P; p++) ps += d[p];
        s += ps;
      }
      db[c] = (float)s;
    }
  }
}

/* ---- pool2d ------------------------------------------------------------------ */
/* zero-padded sum/avg pool (NIR padding), plane by plane */
static void pool_forward_padded(const snn_layer *l, const float *X, size_t nimg, float *out) {
  size_t in_plane = l->in_h * l->in_w, out_plane = l->out_h * l->out_w;
#pragma omp parallel for schedule(static)
  for (pidx pl = 0; pl < (pidx)(nimg * l->in_c); pl++)
    snn__pool_plane_padded(l, X + (size_t)pl * in_plane, out + (size_t)pl * out_plane);
}

static void pool_forward(const snn_layer *l, const float *X, size_t nimg, float *out) {
  if (l->pad) {
    pool_forward_padded(l, X, nimg, out);
    return;
  }
  size_t oh = l->out_h, ow = l->out_w, H = l->in_h, W = l->in_w, k = l->kh, s = l->stride;
  float inv = 1.0f / (float)(k * k);
#pragma omp parallel for schedule(static)
  for (pidx pl = 0; pl < (pidx)(nimg * l->in_c); pl++) {
    const float *x = X + (size_t)pl * H * W;
    float *o = out + (size_t)pl * oh * ow;
    for (size_t oy = 0; oy < oh; oy++)
      for (size_t ox = 0; ox < ow; ox++) {
        const float *w0 = x + oy * s * W + ox * s;
        float acc = l->pool == SNN_POOL_MAX ? w0[0] : 0.0f;
        for (size_t ky = 0; ky < k; ky++)
          for (size_t kx = 0; kx < k; kx++) {
            float v = w0[ky * W + kx];
            if (l->pool == SNN_POOL_MAX) acc = v > acc ? v : acc;
            else acc += v;
          }
        o[oy * ow + ox] = l->pool == SNN_POOL_AVG ? acc * inv : acc;
      }
  }
}

/* adjoint of pool_forward_padded (sum/avg; a max pool is never padded) */
static void pool_backward_padded(const snn_layer *l, const float *dY, size_t nimg, float *dX) {
  size_t in_plane = l->in_h * l->in_w, out_plane = l->out_h * l->out_w;
#pragma omp parallel for schedule(static)
  for (pidx pl = 0; pl < (pidx)(nimg * l->in_c); pl++)
    snn__pool_plane_padded_grad(l, dY + (size_t)pl * out_plane, dX + (size_t)pl * in_plane);
}

static void pool_backward(const snn_layer *l, const float *X, const float *dY, size_t nimg,
                          float *dX) {
  if (l->pad) {
    pool_backward_padded(l, dY, nimg, dX);
    return;
  }
  size_t oh = l->out_h, ow = l->out_w, H = l->in_h, W = l->in_w, k = l->kh, s = l->stride;
  float inv = 1.0f / (float)(k * k);
#pragma omp parallel for schedule(static)
  for (pidx pl = 0; pl < (pidx)(nimg * l->in_c); pl++) {
    const float *x = X + (size_t)pl * H * W;
    const float *d = dY + (size_t)pl * oh * ow;
    float *dx = dX + (size_t)pl * H * W;
    memset(dx, 0, H * W * sizeof(float));
    for (size_t oy = 0; oy < oh; oy++)
      for (size_t ox = 0; ox < ow; ox++) {
        size_t base = oy * s * W + ox * s;
        float g = d[oy * ow + ox];
        if (l->pool == SNN_POOL_MAX) {
          size_t best = base; /* first maximum in row-major window order */
          for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++)
              if (x[base + ky * W + kx] > x[best]) best = base + ky * W + kx;
          dx[best] += g;
        } else {
          float gg = l->pool == SNN_POOL_AVG ? g * inv : g;
          for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++) dx[base + ky * W + kx] += gg;
        }
      }
  }
}

/* ---- fused neuron kernels --------------------------------------------------- */
/* One step for n neurons: V state in/out, Iin input; writes S (0/1), optional
 * G (= V_pre - thr, later turned into the surrogate derivative) and VM (V_pre). */
static void fused_fwd_step(const nfast *f, size_t n, float *restrict V, const float *restrict Iin,
                           float *restrict S, float *restrict G, float *restrict VM) {
  const float beta = f->beta, gain = f->gain, c0 = f->c0, thr = f->thr;
  const float vr = f->vreset, dsub = f->dsub;
  if (f->subtract) {
#pragma omp parallel for simd schedule(static)
    for (pidx i = 0; i < (pidx)n; i++) {
      float v = beta * V[i] + gain * Iin[i] + c0;
      float s = v >= thr ? 1.0f : 0.0f;
      S[i] = s;
      if (G) G[i] = v - thr;
      if (VM) VM[i] = v;
      V[i] = v - s * dsub;
    }
  } else {
#pragma omp parallel for simd schedule(static)
    for (pidx i = 0; i < (pidx)n; i++) {
      float v = beta * V[i] + gain * Iin[i] + c0;
      float s = v >= thr ? 1.0f : 0.0f;
      S[i] = s;
      if (G) G[i] = v - thr;
      if (VM) VM[i] = v;
      V[i] = s > 0.0f ? vr : v;
    }
  }
}

/* Backward of one fused step (reset detached).
 * gV: in dL/dV_t (after reset), out dL/dV_{t-1}. gS, gM (may be NULL): dL/dS_t,
 * dL/dV_pre_t. Writes dI (=) or adds to dIs (+=); either may be NULL. */
static void fused_bwd_step(const nfast *f, size_t n, float *restrict gV, const float *restrict gS,
                           const float *restrict gM, const float *restrict G,
                           const float *restrict S, float *restrict dI, float *restrict dIs) {
  const float beta = f->beta, gain = f->gain;
  const int sub = f->subtract;
#pragma omp parallel for simd schedule(static)
  for (pidx i = 0; i < (pidx)n; i++) {
    float gp = sub ? gV[i] : gV[i] * (1.0f - S[i]);
    if (gS) gp += gS[i] * G[i];
    if (gM) gp += gM[i];
    if (dI) dI[i] = gain * gp;
    if (dIs) dIs[i] += gain * gp;
    gV[i] = beta * gp;
  }
}

/* chunk [i0, i1) of n elements for thread tid of nth, aligned to 16 floats */
static void chunk_of(size_t n, size_t tid, size_t nth, size_t *i0, size_t *i1) {
  size_t nb = (n + 15) / 16;
  *i0 = nb * tid / nth * 16;
  *i1 = nb * (tid + 1) / nth * 16;
  if (*i0 > n) *i0 = n;
  if (*i1 > n) *i1 = n;
}

static inline float sg_inline(int kind, float k, float x) {
  if (kind == SNN_SURROGATE_ATAN) {
    float a = 1.57079632679489661923f * k * x;
    return 1.0f / (1.0f + a * a);
  }
  if (kind == SNN_SURROGATE_TRIANGLE) {
    float v = 1.0f - k * fabsf(x);
    return v > 0.0f ? v : 0.0f;
  }
  float d = 1.0f + k * fabsf(x);
  return 1.0f / (d * d);
}

/* One fused forward step for neurons [c0, c1) of step t. SGK (surrogate
 * kind), HG (write g) and HVM (write vm) are constants after inlining (a
 * conditional store keeps a loop from vectorising), and the arrays are
 * restrict parameters (block-scope restrict pointers are not enough for GCC
 * to drop its run-time overlap checks). */
typedef struct fconst {
  float beta, gain, c0f, thr, vr, dsub, slope;
  int sub;
} fconst;

static inline __attribute__((always_inline)) void
fused_loop(int SGK, int HG, int HVM, const fconst *k, size_t c0, size_t c1,
           const float *restrict in, float *restrict v, float *restrict s, float *restrict g,
           float *restrict vm) {
  const float beta = k->beta, gain = k->gain, c0f = k->c0f, thr = k->thr, vr = k->vr;
  const float dsub = k->dsub, slope = k->slope;
  const int sub = k->sub;
  for (size_t i = c0; i < c1; i++) {
    float x = beta * v[i] + gain * in[i] + c0f;
    float sp = x >= thr ? 1.0f : 0.0f;
    s[i] = sp;
    float vsub = x - sp * dsub, vzero = sp > 0.0f ? vr : x;
    v[i] = sub ? vsub : vzero;
    if (HVM) vm[i] = x;
    if (HG) g[i] = sg_inline(SGK, slope, x - thr);
  }
}

#define SNN__FUSED_STEP(SGK)                                                     \
  if (g && vm)                                                                   \
    fused_loop(SGK, 1, 1, &k, c0, c1, in, v, s, g, vm);                          \
  else if (g)                                                                    \
    fused_loop(SGK, 1, 0, &k, c0, c1, in, v, s, g, vm);                          \
  else if (vm)                                                                   \
    fused_loop(SGK, 0, 1, &k, c0, c1, in, v, s, g, vm);                          \
  else                                                                           \
    fused_loop(SGK, 0, 0, &k, c0, c1, in, v, s, g, vm);

/* Forward of neurons [i0, i1) over all T steps (one thread's share of a
 * non-recurrent fused layer). G receives the surrogate derivative, VM the
 * pre-reset membrane (either may be NULL). Neurons are taken in chunks of
 * SNN__FCHUNK across all steps so that their membranes stay in L1 while the
 * currents stream through. Returns 1 if V became non-finite. */
#define SNN__FCHUNK 2048
/* Index lists of the spikes for the next layer (NULL lo: none). Rows are
 * r = t*B + b for neuron rows of width N; the caller's [i0, i1) is whole
 * rows, and each thread packs its rows of step t from idx + (t*B + first
 * row)*N on (pos[t] is its current end). */
typedef struct flists {
  size_t N, B;
  int32_t *cnt;
  size_t *rp;
  int32_t *idx;
  size_t *pos;
  size_t nnz;
} flists;

SNN__CLONES static int fused_fwd_range(const nfast *f, int sgk, float slope, size_t T, size_t n,
                                       size_t i0, size_t i1, float *restrict v,
                                       const float *cur, size_t cstride, float *S, float *G,
                                       float *VM, flists *lo) {
  const fconst k = {f->beta, f->gain, f->c0, f->thr, f->vreset, f->dsub, slope, f->subtract};
  size_t chunk = SNN__FCHUNK;
  if (lo) {
    size_t rows_per = SNN__FCHUNK / lo->N ? SNN__FCHUNK / lo->N : 1;
    chunk = rows_per * lo->N;
    for (size_t t = 0; t < T; t++) lo->pos[t] = (t * lo->B + i0 / lo->N) * lo->N;
  }
  for (size_t c0 = i0; c0 < i1; c0 += chunk) {
    size_t c1 = c0 + chunk < i1 ? c0 + chunk : i1;
    for (size_t t = 0; t < T; t++) {
      const float *in = cur + t * cstride;
      float *s = S + t * n;
      float *g = G ? G + t * n : NULL;
      float *vm = VM ? VM + t * n : NULL;
      if (sgk == SNN_SURROGATE_ATAN) {
        SNN__FUSED_STEP(SNN_SURROGATE_ATAN)
      } else if (sgk == SNN_SURROGATE_TRIANGLE) {
        SNN__FUSED_STEP(SNN_SURROGATE_TRIANGLE)
      } else {
        SNN__FUSED_STEP(SNN_SURROGATE_FAST_SIGMOID)
      }
      if (lo) {
        size_t N = lo->N, pos = lo->pos[t];
        for (size_t b = c0 / N; b < c1 / N; b++) {
          size_t r = t * lo->B + b;
          size_t c = snn__nonzero_list(s + b * N, N, lo->idx + pos);
          lo->cnt[r] = (int32_t)c;
          lo->rp[r] = pos;
          pos += c;
          lo->nnz += c;
        }
        lo->pos[t] = pos;
      }
    }
  }
  int bad = 0;
  for (size_t i = i0; i < i1; i++) bad |= !isfinite(v[i]);
  return bad;
}

/* lo: NULL, or the next layer's lists to write (lo->pos has n_lpos * T
 * entries; lo->nnz receives their total) */
static int fused_fwd_all(const nfast *f, const snn__sg *sg, size_t T, size_t n, float *V,
                         const float *cur, size_t cstride, float *S, float *G, float *VM,
                         const flists *lo, int n_lpos, size_t *lnnz) {
  int bad = 0;
  size_t nnz = 0;
  const int sgk = sg ? sg->kind : 0;
  const float slope = sg ? sg->slope : 0.0f;
  int nt = max_threads();
  if (lo && nt > n_lpos) nt = n_lpos;
#pragma omp parallel num_threads(nt) if (n * T >= 32768) reduction(| : bad) reduction(+ : nnz)
  {
    size_t tid = 0, nth = 1, i0, i1;
    thread_slot(&tid, &nth);
    if (lo) { /* whole rows per thread */
      flists my = *lo;
      my.pos = lo->pos + tid * T;
      my.nnz = 0;
      i0 = lo->B * tid / nth * lo->N;
      i1 = lo->B * (tid + 1) / nth * lo->N;
      bad |= fused_fwd_range(f, sgk, slope, T, n, i0, i1, V, cur, cstride, S, G, VM, &my);
      nnz += my.nnz;
    } else {
      chunk_of(n, tid, nth, &i0, &i1);
      bad |= fused_fwd_range(f, sgk, slope, T, n, i0, i1, V, cur, cstride, S, G, VM, NULL);
    }
  }
  if (lnnz) *lnnz = nnz;
  return bad;
}

/* Backward of neurons [i0, i1) over all T steps (reset detached). */
SNN__CLONES static void fused_bwd_range(const nfast *f, size_t T, size_t n, size_t i0, size_t i1,
                                        float *restrict gv, const float *gS_all,
                                        const float *gM_all, const float *G_all,
                                        const float *S_all, float *dcur, int in_const) {
  const float beta = f->beta, gain = f->gain;
  const int sub = f->subtract;
  for (size_t i = i0; i < i1; i++) gv[i] = 0.0f;
  if (in_const)
    for (size_t i = i0; i < i1; i++) dcur[i] = 0.0f;
  for (size_t tt = T; tt-- > 0;) {
    const float *restrict gS = gS_all + tt * n;
    const float *restrict gM = gM_all ? gM_all + tt * n : NULL;
    const float *restrict G = G_all + tt * n;
    const float *restrict S = S_all + tt * n;
    float *restrict d = in_const ? dcur : dcur + tt * n;
    for (size_t i = i0; i < i1; i++) {
      float gp = sub ? gv[i] : gv[i] * (1.0f - S[i]);
      gp += gS[i] * G[i];
      if (gM) gp += gM[i];
      if (in_const) d[i] += gain * gp;
      else d[i] = gain * gp;
      gv[i] = beta * gp;
    }
  }
}

static void fused_bwd_all(const nfast *f, size_t T, size_t n, float *gV, const float *gS_all,
                          const float *gM_all, const float *G_all, const float *S_all, float *dcur,
                          int in_const) {
#pragma omp parallel if (n * T >= 32768)
  {
    size_t tid = 0, nth = 1, i0, i1;
    thread_slot(&tid, &nth);
    chunk_of(n, tid, nth, &i0, &i1);
    fused_bwd_range(f, T, n, i0, i1, gV, gS_all, gM_all, G_all, S_all, dcur, in_const);
  }
}

static int check_finite(const float *x, size_t n) {
  int bad = 0;
#pragma omp parallel for simd schedule(static) reduction(| : bad) if (n >= 65536)
  for (pidx i = 0; i < (pidx)n; i++) bad |= !isfinite(x[i]);
  return !bad;
}

/* ---- forward ------------------------------------------------------------------ */
/* dense input products for all time blocks (not the recurrent part) */
/* The encoded input x0 as a 0/1 matrix; when the encoder wrote layer 0's
 * index lists instead (x0_lists), the matrix is filled from them first. */
static const float *x0_matrix(snn__engine *e) {
  if (e->x0_stale) {
    const lbuf *q = &e->L[0];
    size_t K = q->l->n_in, rows = e->T * e->b;
    memset(e->x0, 0, rows * K * sizeof(float));
    for (size_t r = 0; r < rows; r++)
      for (int32_t a = 0; a < q->cnt[r]; a++) e->x0[r * K + (size_t)q->idx[q->rp[r] + (size_t)a]] = 1.0f;
    e->x0_stale = 0;
  }
  return e->x0;
}

/* pre_nnz: -2 = build the index lists from X (if the layer has them), >= 0 =
 * they are built already (by the encoder or the previous layer) and hold that
 * many entries; X is then only read by sgemm, and for the first layer
 * (from_x0) it is written from the lists first */
static void dense_forward(snn__engine *e, lbuf *q, const float *X, size_t rows, long long pre_nnz,
                          int from_x0) {
  snn_layer *l = q->l;
  size_t K = l->n_in, N = l->n_out;
  const float *bias = l->has_bias ? l->b : NULL;
  q->sparse = 0;
  q->nnz = 0;
  q->delta = 0;
  if (q->cnt) {
    /* Cost model (cycles per input row, Zen3 AVX2, measured): the row kernels
     * cost about N/8 + 6 per active input, the panels about 1.8 N/8 + 4, sgemm
     * about K N / 16 (K N / 12 at the panel layers' shapes). The lists are
     * built in the same pass that finds out whether X is binary at all. */
    long long nnz = pre_nnz >= 0 ? pre_nnz : build_csr(X, rows, K, q->cnt, q->rp, q->idx);
    if (nnz >= 0) {
      q->nnz = (size_t)nnz;
      double sparse_cost = q->wp ? (double)nnz * ((double)N / 8.0 * 1.8 + 4.0)
                                 : (double)nnz * ((double)N / 8.0 + 6.0);
      double dense_cost = (double)rows * (double)K * (double)N / (q->wp ? 12.0 : 16.0);
      if (sparse_cost < dense_cost && (double)nnz <= SNN__SPARSE_FWD_MAX * (double)rows * (double)K)
        q->sparse = 1;
    }
  }
  if (!q->sparse && from_x0) X = x0_matrix(e);
  if (q->sparse && q->wp) {
    q->delta = q->didx && e->T > 1 && rows == e->T * e->b && build_delta(q, e->T, e->b, K, q->nnz);
    panel_fwd(rows, K, N, q->cnt, q->rp, q->idx, l->w, q->wp, bias, q->cur, q->delta ? q : NULL,
              e->T, e->b);
  } else if (q->sparse) {
    sparse_rows_fwd(rows, N, q->cnt, q->rp, q->idx, l->w, bias, q->cur);
  } else {
    fill_bias_rows(q->cur, rows, N, bias);
    sgemm(e->tiles, 0, 0, rows, N, K, 1.0f, X, K, l->w, N, 1.0f, q->cur, N);
  }
}

/* adds S_prev (B x N spikes) times recurrent weights to acc (B x N) */
static void recurrent_add(const snn_layer *l, size_t b, const float *Sp, float *acc) {
  size_t N = l->n_out;
#pragma omp parallel for schedule(static) if (b * N >= 16384)
  for (pidx s = 0; s < (pidx)b; s++) {
    const float *sp = Sp + (size_t)s * N;
    float *restrict o = acc + (size_t)s * N;
    for (size_t j = 0; j < N; j++) {
      if (sp[j] == 0.0f) continue;
      const float *restrict r = l->r + j * N;
      float a = sp[j];
      for (size_t k = 0; k < N; k++) o[k] += a * r[k];
    }
  }
}

static int neurons_forward(snn__engine *e, lbuf *q, lbuf *next) {
  snn_layer *l = q->l;
  size_t n = e->b * l->n_out, T = e->T;
  size_t cstride = q->in_const ? 0 : n;
  float *V = e->vtmp2; /* fused state */
  int rc = SNN_OK;
  if (q->nf.fused) {
    for (size_t i = 0; i < n; i++) V[i] = q->nf.v0; /* the model's initial state */
  } else {
    rc = snn__neuron_init_state(l->model, q->st, n);
    if (rc != SNN_OK) return rc;
  }
  if (q->nf.fused && !l->has_rec) {
    flists lo = {0};
    if (next && next->lists_in) {
      lo.N = l->n_out;
      lo.B = e->b;
      lo.cnt = next->cnt;
      lo.rp = next->rp;
      lo.idx = next->idx;
      lo.pos = e->lpos;
    }
    if (fused_fwd_all(&q->nf, q->g ? &e->sg : NULL, T, n, V, q->cur, cstride, q->out, q->g, q->vm,
                      lo.cnt ? &lo : NULL, e->n_lpos, next ? &next->lists_nnz : NULL))
      return snn__error(SNN_E_NUMERIC, "membrane of a '%s' layer became NaN/Inf",
                        snn_neuron_model_kind(l->model));
    return SNN_OK;
  }
  for (size_t t = 0; t < T; t++) {
    const float *Iin = q->cur + t * cstride;
    if (l->has_rec && t > 0) {
      memcpy(e->vtmp, Iin, n * sizeof(float));
      recurrent_add(l, e->b, q->out + (t - 1) * n, e->vtmp);
      Iin = e->vtmp;
    }
    float *S = q->out + t * n;
    float *VM = q->vm ? q->vm + t * n : NULL;
    if (q->nf.fused) {
      fused_fwd_step(&q->nf, n, V, Iin, S, q->g ? q->g + t * n : NULL, VM);
    } else {
      size_t sz = q->ns * n;
      float *st = q->st;
      if (e->train) {
        memcpy(q->st + (t + 1) * sz, q->st + t * sz, sz * sizeof(float));
        st = q->st + (t + 1) * sz;
      }
      rc = snn__neuron_step(l->model, st, Iin, q->spk8, n, e->net->dt);
      if (rc != SNN_OK) return rc;
      for (size_t i = 0; i < n; i++) S[i] = (float)q->spk8[i];
      if (VM) memcpy(VM, st, n * sizeof(float));
    }
  }
  if (q->g) snn__sg_apply(&e->sg, q->g, T * n);
  if (!q->nf.fused && !check_finite(q->st + (e->train ? T * q->ns * n : 0), q->ns * n))
    return snn__error(SNN_E_NUMERIC, "neuron state of a '%s' layer became NaN/Inf",
                      snn_neuron_model_kind(l->model));
  if (q->nf.fused && !check_finite(V, n))
    return snn__error(SNN_E_NUMERIC, "membrane of a '%s' layer became NaN/Inf",
                      snn_neuron_model_kind(l->model));
  return SNN_OK;
}

/* Layer input with per-input delays: xd[t][s][k] = X[t - d_k][s][k] (0 for
 * t < d_k); X has one time block when the source is constant. */
static void delay_shift(lbuf *q, const float *X, size_t T, size_t b) {
  const snn_layer *l = q->l;
  size_t K = l->n_in;
  for (size_t t = 0; t < T; t++)
    for (size_t s = 0; s < b; s++) {
      float *o = q->xd + (t * b + s) * K;
      for (size_t k = 0; k < K; k++) {
        size_t d = (size_t)l->delay[k];
        o[k] = t >= d ? X[((q->src_const ? 0 : t - d) * b + s) * K + k] : 0.0f;
      }
    }
}

/* The adjoint of delay_shift: dX[t][s][k] = dxd[t + d_k][s][k] (0 when
 * t + d_k >= T); a constant source (one time block) collects the sum over
 * every step that read it. (A constant source is the output of pools without
 * neurons on a constant input, so no parameter lies behind it today; the sum
 * keeps their gradients defined all the same.) */
static void delay_unshift(const lbuf *q, float *dX, size_t T, size_t b) {
  const snn_layer *l = q->l;
  size_t K = l->n_in;
  if (q->src_const) {
    memset(dX, 0, b * K * sizeof(float));
    for (size_t t = 0; t < T; t++)
      for (size_t s = 0; s < b; s++) {
        const float *g = q->dxd + (t * b + s) * K;
        float *o = dX + s * K;
        for (size_t k = 0; k < K; k++)
          if (t >= (size_t)l->delay[k]) o[k] += g[k];
      }
    return;
  }
  for (size_t t = 0; t < T; t++)
    for (size_t s = 0; s < b; s++) {
      float *o = dX + (t * b + s) * K;
      for (size_t k = 0; k < K; k++) {
        size_t d = (size_t)l->delay[k];
        o[k] = t + d < T ? q->dxd[((t + d) * b + s) * K + k] : 0.0f;
      }
    }
}

int snn__engine_forward(snn__engine *e, const float *x, size_t b, uint64_t stream,
                        double *act_spikes, double *act_synops) {
  snn_network *net = e->net;
  e->b = b;
  size_t T = e->T;
  int rc;
  if (e->x0_lists) {
    lbuf *q0 = &e->L[0];
    rc = snn__encoder_rate_lists(net->enc, x, b, net->n_in, T, stream, e->lanes, q0->cnt, q0->rp,
                                 q0->idx, &q0->lists_nnz);
    e->x0_stale = 1;
  } else {
    rc = snn__encoder_encode_batch(net->enc, e->x0, x, b, net->n_in, e->x0_const ? 1 : T, stream);
  }
  if (rc != SNN_OK) return rc;
  const float *X = e->x0;
  for (size_t li = 0; li < e->nl; li++) {
    lbuf *q = &e->L[li];
    snn_layer *l = q->l;
    size_t Tc = q->in_const ? 1 : T;
    size_t rows = Tc * b;
    long long in_nnz = -2;
    if (l->delay) {
      delay_shift(q, X, T, b);
      X = q->xd;
    }
    if (l->kind == SNN__LAYER_DENSE) {
      int from_x0 = li == 0 && e->x0_lists, lists = from_x0 || q->lists_in;
      dense_forward(e, q, X, rows, lists ? (long long)q->lists_nnz : -2, from_x0);
      if (q->cnt && (q->nnz > 0 || lists)) in_nnz = (long long)q->nnz;
    } else if (l->kind == SNN__LAYER_CONV2D) {
      conv_forward(e, l, X, rows, q->cur);
    } else {
      pool_forward(l, X, rows, q->cur);
    }
    if (l->model) {
      rc = neurons_forward(e, q, li + 1 < e->nl ? &e->L[li + 1] : NULL);
      if (rc != SNN_OK) return rc;
    } else if (!check_finite(q->cur, rows * l->n_out)) {
      return snn__error(SNN_E_NUMERIC, "pool layer %zu output became NaN/Inf", li);
    }
    if (q->expand)
      for (size_t t = 1; t < T; t++)
        memcpy(q->cur + t * rows * l->n_out, q->cur, rows * l->n_out * sizeof(float));
    if (act_spikes) {
      size_t To = q->out_const ? 1 : T;
      size_t nout = To * b * l->n_out;
      double sp = 0.0;
      if (l->model) {
        long long c = count_binary(q->out, nout);
        sp = c > 0 ? (double)c : 0.0;
      }
      act_spikes[li] += sp;
      /* synaptic operations into the layer */
      double macs_per_step;
      if (l->kind == SNN__LAYER_DENSE) macs_per_step = (double)l->n_in * (double)l->n_out;
      else if (l->kind == SNN__LAYER_CONV2D)
        macs_per_step = (double)l->out_c * (double)l->out_h * (double)l->out_w *
                        (double)(l->in_c * l->kh * l->kw);
      else macs_per_step = (double)l->out_c * (double)l->out_h * (double)l->out_w *
                           (double)(l->kh * l->kw);
      double fan_out = macs_per_step / (double)l->n_in;
      if (in_nnz == -2) in_nnz = count_binary(X, rows * l->n_in);
      double syn;
      if (in_nnz >= 0 && !q->in_const) syn = (double)in_nnz * fan_out;
      else syn = macs_per_step * (double)T * (double)b;
      if (l->has_rec) {
        long long c = count_binary(q->out, T * b * l->n_out);
        if (c > 0) syn += (double)c * (double)l->n_out;
      }
      act_synops[li] += syn;
    }
    X = q->out;
  }
  return SNN_OK;
}

const float *snn__engine_out_spikes(const snn__engine *e) { return e->L[e->nl - 1].out; }

const float *snn__engine_out_mem(const snn__engine *e) {
  const lbuf *q = &e->L[e->nl - 1];
  return q->vm ? q->vm : q->out;
}

size_t snn__engine_n_out(const snn__engine *e) { return e->L[e->nl - 1].l->n_out; }

void snn__engine_scores(const snn__engine *e, int readout, float *scores) {
  size_t C = snn__engine_n_out(e), b = e->b, T = e->T;
  const float *A = readout == SNN__READOUT_COUNT ? snn__engine_out_spikes(e) : snn__engine_out_mem(e);
  for (size_t s = 0; s < b; s++)
    for (size_t c = 0; c < C; c++) {
      float acc = readout == SNN__READOUT_MEM_MAX ? -INFINITY : 0.0f;
      for (size_t t = 0; t < T; t++) {
        float v = A[(t * b + s) * C + c];
        if (readout == SNN__READOUT_MEM_MAX) acc = v > acc ? v : acc;
        else acc += v;
      }
      scores[s * C + c] = acc;
    }
}

/* ---- parameters -------------------------------------------------------------- */
size_t snn__param_layout(const snn_network *net, size_t *off) {
  size_t tot = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    const snn_layer *l = net->layers[i];
    size_t ow = SIZE_MAX, ob = SIZE_MAX, orr = SIZE_MAX;
    if (l->kind != SNN__LAYER_POOL2D) {
      ow = tot;
      tot += l->n_w;
      if (l->has_bias) {
        ob = tot;
        tot += l->kind == SNN__LAYER_DENSE ? l->n_out : l->out_c;
      }
      if (l->has_rec) {
        orr = tot;
        tot += l->n_out * l->n_out;
      }
    }
    if (off) {
      off[3 * i] = ow;
      off[3 * i + 1] = ob;
      off[3 * i + 2] = orr;
    }
  }
  return tot;
}

void snn__params_gather(const snn_network *net, float *v) {
  for (size_t i = 0; i < net->n_layers; i++) {
    const snn_layer *l = net->layers[i];
    if (l->kind == SNN__LAYER_POOL2D) continue;
    memcpy(v, l->w, l->n_w * sizeof(float));
    v += l->n_w;
    size_t nb = l->kind == SNN__LAYER_DENSE ? l->n_out : l->out_c;
    if (l->has_bias) {
      memcpy(v, l->b, nb * sizeof(float));
      v += nb;
    }
    if (l->has_rec) {
      memcpy(v, l->r, l->n_out * l->n_out * sizeof(float));
      v += l->n_out * l->n_out;
    }
  }
}

void snn__params_scatter(snn_network *net, const float *v) {
  for (size_t i = 0; i < net->n_layers; i++) {
    snn_layer *l = net->layers[i];
    if (l->kind == SNN__LAYER_POOL2D) continue;
    memcpy(l->w, v, l->n_w * sizeof(float));
    v += l->n_w;
    size_t nb = l->kind == SNN__LAYER_DENSE ? l->n_out : l->out_c;
    if (l->has_bias) {
      memcpy(l->b, v, nb * sizeof(float));
      v += nb;
    }
    if (l->has_rec) {
      memcpy(l->r, v, l->n_out * l->n_out * sizeof(float));
      v += l->n_out * l->n_out;
    }
  }
}

/* ---- backward ------------------------------------------------------------------ */
/* From dout (grad wrt the layer's outputs) to dcur (grad wrt its currents);
 * also the recurrent weight gradient. */
static int neurons_backward(snn__engine *e, lbuf *q, const float *gM_all, float *gR) {
  snn_layer *l = q->l;
  size_t N = l->n_out, n = e->b * N, T = e->T, b = e->b;
  float *gV = e->vtmp2;
  if (q->nf.fused && !l->has_rec) {
    fused_bwd_all(&q->nf, T, n, gV, q->dout, gM_all, q->g, q->out, q->dcur, q->in_const);
    return SNN_OK;
  }
  if (q->in_const) memset(q->dcur, 0, n * sizeof(float));
  if (gR) memset(gR, 0, N * N * sizeof(float));
  if (q->nf.fused) {
    memset(gV, 0, n * sizeof(float));
  } else {
    memset(e->gst, 0, q->ns * n * sizeof(float));
  }
  for (size_t tt = T; tt-- > 0;) {
    const float *gS = q->dout + tt * n;
    const float *gM = gM_all ? gM_all + tt * n : NULL;
    float *dI = q->in_const ? NULL : q->dcur + tt * n;
    float *dIs = q->in_const ? q->dcur : NULL;
    if (q->nf.fused) {
      if (l->has_rec && !dI) dI = e->dtmp; /* need the per-step dI */
      fused_bwd_step(&q->nf, n, gV, gS, gM, q->g + tt * n, q->out + tt * n, dI, dIs);
    } else {
      size_t sz = q->ns * n;
      if (gM) {
        for (size_t i = 0; i < n; i++) e->gst[i] += gM[i];
      }
      float *Iin = NULL;
      /* rebuild the step input */
      const float *cur = q->cur + (q->in_const ? 0 : tt * n);
      if (l->has_rec && tt > 0) {
        memcpy(e->vtmp, cur, n * sizeof(float));
        recurrent_add(l, b, q->out + (tt - 1) * n, e->vtmp);
        Iin = e->vtmp;
      } else {
        Iin = (float *)cur;
      }
      float *dIt = dI ? dI : e->dtmp;
      int rc = snn__neuron_step_grad(l->model, q->st + tt * sz, Iin, e->gst, gS, e->gst2, dIt, n,
                                     e->net->dt, snn__sg_eval, &e->sg);
      if (rc != SNN_OK) return rc;
      float *sw = e->gst;
      e->gst = e->gst2;
      e->gst2 = sw;
      if (dIs) {
        for (size_t i = 0; i < n; i++) dIs[i] += dIt[i];
      }
      dI = dIt;
    }
    if (l->has_rec && tt > 0) {
      /* dI_t flows to S_{t-1} through R^T and to R: dR[j][k] += S_{t-1}[j] dI_t[k] */
      const float *Sp = q->out + (tt - 1) * n;
      float *gSp = q->dout + (tt - 1) * n;
      sgemm(e->tiles, 0, 1, b, N, N, 1.0f, dI, N, l->r, N, 1.0f, gSp, N);
      sgemm(e->tiles, 1, 0, N, N, b, 1.0f, Sp, N, dI, N, 1.0f, gR, N);
    }
  }
  return SNN_OK;
}

int snn__engine_backward(snn__engine *e, float *dS, float *dV, float *grad) {
  snn_network *net = e->net;
  size_t T = e->T, b = e->b;
  size_t *off = snn__malloc(3 * e->nl * sizeof(size_t));
  if (!off) return snn__error(SNN_E_NOMEM, "out of memory in the backward pass");
  snn__param_layout(net, off);
  int rc = SNN_OK;
  /* loss gradients into the last layer */
  lbuf *last = &e->L[e->nl - 1];
  size_t nlast = T * b * last->l->n_out;
  if (dS) memcpy(last->dout, dS, nlast * sizeof(float));
  else memset(last->dout, 0, nlast * sizeof(float));
  const float *gM = dV;
  if (!last->l->model && dV) {
    for (size_t i = 0; i < nlast; i++) last->dout[i] += dV[i];
    gM = NULL;
  }
  for (size_t li = e->nl; li-- > 0;) {
    lbuf *q = &e->L[li];
    snn_layer *l = q->l;
    size_t Tc = q->in_const ? 1 : T, rows = Tc * b;
    float *gw = off[3 * li] != SIZE_MAX ? grad + off[3 * li] : NULL;
    float *gb = off[3 * li + 1] != SIZE_MAX ? grad + off[3 * li + 1] : NULL;
    float *gr = off[3 * li + 2] != SIZE_MAX ? grad + off[3 * li + 2] : NULL;
    if (l->model) {
      rc = neurons_backward(e, q, li + 1 == e->nl ? gM : NULL, gr);
      if (rc != SNN_OK) break;
    }
    if (q->expand) /* the T identical copies share one input: sum their gradients */
      for (size_t t = 1; t < T; t++)
        for (size_t i = 0; i < rows * l->n_out; i++) q->dcur[i] += q->dcur[t * rows * l->n_out + i];
    const float *X = li == 0 ? e->x0 : e->L[li - 1].out;
    float *dX = li == 0 ? NULL : e->L[li - 1].dout;
    if (l->delay) { /* the layer read the shifted copy; its gradient is shifted back below */
      X = q->xd;
      dX = q->dxd;
    } else if (li == 0 && e->x0_stale &&
               !(l->kind == SNN__LAYER_DENSE && q->sparse &&
                 (double)q->nnz <= SNN__SPARSE_BWD_MAX * (double)rows * (double)l->n_in)) {
      X = x0_matrix(e);
    }
    if (l->kind == SNN__LAYER_DENSE) {
      size_t K = l->n_in, N = l->n_out;
      int bias_done = 0;
      if (q->sparse && (double)q->nnz <= SNN__SPARSE_BWD_MAX * (double)rows * (double)K) {
        if (q->delta && q->gk && gw && panel_grad_delta(e, q, K, N, q->dcur, gw, gb)) {
          bias_done = 1;
        } else if (q->wp && e->scratch) {
          panel_grad(e, rows, K, N, q->cnt, q->rp, q->idx, q->dcur, gw, gb);
          bias_done = 1;
        } else {
          sparse_rows_grad(rows, K, N, q->cnt, q->rp, q->idx, q->dcur, gw);
        }
      }
      else
        sgemm(e->tiles, 1, 0, K, N, rows, 1.0f, X, K, q->dcur, N, 0.0f, gw, N);
      if (gb && !bias_done) colsum(rows, N, q->dcur, gb);
      if (dX)
        sgemm(e->tiles, 0, 1, rows, K, N, 1.0f, q->dcur, N, l->w, N, 0.0f, dX, K);
    } else if (l->kind == SNN__LAYER_CONV2D) {
      conv_backward(e, l, X, q->dcur, rows, gw, gb, dX);
    } else if (dX) {
      pool_backward(l, X, q->dcur, rows, dX);
    }
    if (dX && l->delay) delay_unshift(q, e->L[li - 1].dout, T, b);
  }
  snn__free(off);
  return rc;
}

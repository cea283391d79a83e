/* BPTT learner: gradients against an independent naive implementation (this
 * file, double precision, step-major, per sample), finite differences where
 * the loss is smooth, a toy task, determinism, argument errors, OOM sweep. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "../src/net/engine.h"
#include "../src/net/network.h"
#include "../src/nir/nir_graph.h"

/* ---- helpers ---------------------------------------------------------------- */
/* snnTorch-like normalised LIF: V <- beta V + I, threshold thr, reset by subtraction/zero */
static snn_neuron_model *mk_lif(double beta, double thr, int subtract) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  double gl = 1.0 - beta, c = gl / -log(beta);
  ck_assert_snn_ok(snn_neuron_model_set(m, "g_L", gl));
  ck_assert_snn_ok(snn_neuron_model_set(m, "C_m", c));
  ck_assert_snn_ok(snn_neuron_model_set(m, "E_L", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_th", thr));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_reset", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "reset", subtract ? 1.0 : 0.0));
  return m;
}

static uint64_t rs = 88172645463325252ull;
static double urand(void) { /* xorshift, fixed seed per test via reseed() */
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}
static void reseed(uint64_t s) { rs = s * 2654435761u + 88172645463325252ull; }

/* ---- naive reference ------------------------------------------------------- */
#define NL_MAX 3
typedef struct ref_net {
  int nl;
  int n[NL_MAX + 1];      /* sizes: n[0] inputs ... n[nl] outputs */
  double beta[NL_MAX], thr[NL_MAX];
  int sub[NL_MAX], bias[NL_MAX], rec[NL_MAX];
  double *W[NL_MAX];      /* public layout W[o][i] */
  double *B[NL_MAX];
  double *R[NL_MAX];      /* R[o][j] */
  int *D[NL_MAX];         /* per-input delays in steps (NULL: none) */
} ref_net;

static double sgd(int kind, double k, double x) {
  if (kind == SNN_SURROGATE_ATAN) {
    double a = 1.5707963267948966 * k * x;
    return 1.0 / (1.0 + a * a);
  }
  if (kind == SNN_SURROGATE_TRIANGLE) {
    double v = 1.0 - k * fabs(x);
    return v > 0 ? v : 0;
  }
  double d = 1.0 + k * fabs(x);
  return 1.0 / (d * d);
}

/* Loss of one sample and its gradient w.r.t. the output spikes/membrane. */
static double ref_loss(int kind, int T, int C, const double *S, const double *V, int y,
                       double target_rate, double *gS, double *gV) {
  double z[16] = {0}, L = 0;
  memset(gS, 0, sizeof(double) * (size_t)(T * C));
  memset(gV, 0, sizeof(double) * (size_t)(T * C));
  if (kind == SNN_LOSS_CE_MEM_STEPS) {
    for (int t = 0; t < T; t++) {
      double mx = -1e300, s = 0;
      for (int c = 0; c < C; c++) mx = fmax(mx, V[t * C + c]);
      for (int c = 0; c < C; c++) s += exp(V[t * C + c] - mx);
      L += mx + log(s) - V[t * C + y];
      for (int c = 0; c < C; c++) gV[t * C + c] = exp(V[t * C + c] - mx) / s - (c == y);
    }
    return L;
  }
  int am[16];
  for (int c = 0; c < C; c++) {
    z[c] = kind == SNN_LOSS_CE_MEM_MAX ? -1e300 : 0;
    am[c] = 0;
    for (int t = 0; t < T; t++) {
      if (kind == SNN_LOSS_CE_COUNT || kind == SNN_LOSS_MSE_COUNT) z[c] += S[t * C + c];
      else if (kind == SNN_LOSS_CE_MEM_SUM) z[c] += V[t * C + c];
      else if (V[t * C + c] > z[c]) {
        z[c] = V[t * C + c];
        am[c] = t;
      }
    }
  }
  if (kind == SNN_LOSS_MSE_COUNT) {
    for (int c = 0; c < C; c++) {
      double d = z[c] - (c == y ? target_rate * T : 0.0);
      L += d * d / C;
      for (int t = 0; t < T; t++) gS[t * C + c] = 2 * d / C;
    }
    return L;
  }
  double mx = -1e300, s = 0;
  for (int c = 0; c < C; c++) mx = fmax(mx, z[c]);
  for (int c = 0; c < C; c++) s += exp(z[c] - mx);
  L = mx + log(s) - z[y];
  for (int c = 0; c < C; c++) {
    double g = exp(z[c] - mx) / s - (c == y);
    if (kind == SNN_LOSS_CE_COUNT) {
      for (int t = 0; t < T; t++) gS[t * C + c] = g;
    } else if (kind == SNN_LOSS_CE_MEM_SUM) {
      for (int t = 0; t < T; t++) gV[t * C + c] = g;
    } else {
      gV[am[c] * C + c] = g;
    }
  }
  return L;
}

/* input i of layer l as the layer reads it at step t (after its delay) */
static double ain(const ref_net *r, const double *A, int l, int t, int i, int maxn) {
  int d = r->D[l] ? r->D[l][i] : 0;
  return t >= d ? A[(t - d) * maxn + i] : 0.0;
}

/* Mean loss over the batch and its gradient (public layout, same order as
 * snn_learner_gradient). x: the spike/current input per step is x itself
 * (constant over time). */
static double ref_grad(const ref_net *r, int T, const float *x, const int32_t *y, int nb, int loss,
                       int sg_kind, double slope, double *grad) {
  size_t np = 0;
  for (int l = 0; l < r->nl; l++)
    np += (size_t)r->n[l] * r->n[l + 1] + (r->bias[l] ? r->n[l + 1] : 0) +
          (r->rec[l] ? (size_t)r->n[l + 1] * r->n[l + 1] : 0);
  memset(grad, 0, np * sizeof(double));
  int maxn = 0;
  for (int l = 0; l <= r->nl; l++) maxn = r->n[l] > maxn ? r->n[l] : maxn;
  size_t blk = (size_t)T * maxn;
  /* per layer: input to layer A[l][t][i], V_pre, S */
  double *A[NL_MAX + 1], *VP[NL_MAX], *S[NL_MAX], *gA[NL_MAX + 1];
  for (int l = 0; l <= r->nl; l++) {
    A[l] = calloc(blk, sizeof(double));
    gA[l] = calloc(blk, sizeof(double));
  }
  for (int l = 0; l < r->nl; l++) {
    VP[l] = calloc(blk, sizeof(double));
    S[l] = calloc(blk, sizeof(double));
  }
  double *gS = calloc(blk, sizeof(double)), *gV = calloc(blk, sizeof(double));
  double Ltot = 0;
  for (int s = 0; s < nb; s++) {
    for (int t = 0; t < T; t++)
      for (int i = 0; i < r->n[0]; i++) A[0][t * maxn + i] = x[s * r->n[0] + i];
    /* forward, step by step */
    double vstate[NL_MAX][256];
    memset(vstate, 0, sizeof vstate);
    for (int t = 0; t < T; t++)
      for (int l = 0; l < r->nl; l++) {
        int ni = r->n[l], no = r->n[l + 1];
        for (int o = 0; o < no; o++) {
          double cur = r->bias[l] ? r->B[l][o] : 0;
          for (int i = 0; i < ni; i++) cur += r->W[l][o * ni + i] * ain(r, A[l], l, t, i, maxn);
          if (r->rec[l] && t > 0)
            for (int j = 0; j < no; j++) cur += r->R[l][o * no + j] * S[l][(t - 1) * maxn + j];
          double v = r->beta[l] * vstate[l][o] + cur;
          double sp = v >= r->thr[l] ? 1 : 0;
          VP[l][t * maxn + o] = v;
          S[l][t * maxn + o] = sp;
          vstate[l][o] = r->sub[l] ? v - sp * r->thr[l] : (sp ? 0 : v);
          A[l + 1][t * maxn + o] = sp;
        }
      }
    int L = r->nl - 1, C = r->n[r->nl];
    double so[512], vo[512], gso[512], gvo[512];
    for (int t = 0; t < T; t++)
      for (int c = 0; c < C; c++) {
        so[t * C + c] = S[L][t * maxn + c];
        vo[t * C + c] = VP[L][t * maxn + c];
      }
    Ltot += ref_loss(loss, T, C, so, vo, y[s], 0.8, gso, gvo);
    for (int l = 0; l <= r->nl; l++) memset(gA[l], 0, blk * sizeof(double));
    for (int t = 0; t < T; t++)
      for (int c = 0; c < C; c++) {
        gA[r->nl][t * maxn + c] = gso[t * C + c] / nb;
        gV[t * maxn + c] = gvo[t * C + c] / nb;
      }
    /* backward: layers from the top; within a layer, time backwards */
    size_t off[NL_MAX];
    size_t o0 = 0;
    for (int l = 0; l < r->nl; l++) {
      off[l] = o0;
      o0 += (size_t)r->n[l] * r->n[l + 1] + (r->bias[l] ? r->n[l + 1] : 0) +
            (r->rec[l] ? (size_t)r->n[l + 1] * r->n[l + 1] : 0);
    }
    for (int l = r->nl - 1; l >= 0; l--) {
      int ni = r->n[l], no = r->n[l + 1];
      double gv[256] = {0};
      double *gW = grad + off[l], *gB = gW + (size_t)ni * no;
      double *gR = gB + (r->bias[l] ? no : 0);
      for (int t = T - 1; t >= 0; t--) {
        double dI[256];
        for (int o = 0; o < no; o++) {
          double sp = S[l][t * maxn + o];
          double gp = r->sub[l] ? gv[o] : gv[o] * (1 - sp);
          gp += gA[l + 1][t * maxn + o] * sgd(sg_kind, slope, VP[l][t * maxn + o] - r->thr[l]);
          if (l == r->nl - 1) gp += gV[t * maxn + o];
          dI[o] = gp;
          gv[o] = r->beta[l] * gp;
        }
        for (int o = 0; o < no; o++) {
          for (int i = 0; i < ni; i++) {
            int d = r->D[l] ? r->D[l][i] : 0;
            if (t < d) continue; /* the layer read 0 before the delayed input arrived */
            gW[o * ni + i] += dI[o] * A[l][(t - d) * maxn + i];
            gA[l][(t - d) * maxn + i] += dI[o] * r->W[l][o * ni + i];
          }
          if (r->bias[l]) gB[o] += dI[o];
          if (r->rec[l] && t > 0)
            for (int j = 0; j < no; j++) {
              gR[o * no + j] += dI[o] * S[l][(t - 1) * maxn + j];
              gA[l + 1][(t - 1) * maxn + j] += dI[o] * r->R[l][o * no + j];
            }
        }
      }
    }
  }
  for (int l = 0; l <= r->nl; l++) {
    free(A[l]);
    free(gA[l]);
  }
  for (int l = 0; l < r->nl; l++) {
    free(VP[l]);
    free(S[l]);
  }
  free(gS);
  free(gV);
  return Ltot / nb;
}

/* largest input delay (steps) build() gives each layer; 0: none */
static int g_delay_max = 0;

/* builds the same network in libsnn and in the reference */
static snn_network *build(ref_net *r, int nl, const int *n, const double *beta, const double *thr,
                          int sub, int bias, int rec_layer, const char *enc_kind, int T) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, (size_t)n[0]));
  memset(r, 0, sizeof *r);
  r->nl = nl;
  for (int l = 0; l <= nl; l++) r->n[l] = n[l];
  for (int l = 0; l < nl; l++) {
    snn_neuron_model *m = mk_lif(beta[l], thr[l], sub);
    snn_layer *ly = NULL;
    ck_assert_snn_ok(snn_layer_create_dense(&ly, (size_t)n[l], (size_t)n[l + 1], m));
    snn_neuron_model_free(m);
    ck_assert_snn_ok(snn_layer_set_bias(ly, bias));
    if (l == rec_layer) ck_assert_snn_ok(snn_layer_set_recurrent(ly, 1));
    if (g_delay_max > 0) {
      int32_t d[256];
      r->D[l] = malloc((size_t)n[l] * sizeof(int));
      for (int i = 0; i < n[l]; i++) {
        d[i] = (int32_t)(urand() * (g_delay_max + 1));
        r->D[l][i] = d[i];
      }
      ck_assert_snn_ok(snn_layer_set_input_delays(ly, d, (size_t)n[l]));
    }
    ck_assert_snn_ok(snn_network_add_layer(net, ly));
    r->beta[l] = beta[l];
    r->thr[l] = thr[l];
    r->sub[l] = sub;
    r->bias[l] = bias;
    r->rec[l] = l == rec_layer;
    size_t nw = (size_t)n[l] * n[l + 1];
    float *w = malloc(nw * sizeof(float));
    r->W[l] = malloc(nw * sizeof(double));
    for (size_t i = 0; i < nw; i++) {
      w[i] = (float)((urand() * 2 - 1) * 1.5 / sqrt((double)n[l]));
      r->W[l][i] = w[i];
    }
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, w, nw));
    free(w);
    r->B[l] = malloc((size_t)n[l + 1] * sizeof(double));
    if (bias) {
      float b[256];
      for (int i = 0; i < n[l + 1]; i++) {
        b[i] = (float)((urand() * 2 - 1) * 0.3);
        r->B[l][i] = b[i];
      }
      ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_BIAS, b, (size_t)n[l + 1]));
    }
    if (r->rec[l]) {
      size_t nr = (size_t)n[l + 1] * n[l + 1];
      float *rw = malloc(nr * sizeof(float));
      r->R[l] = malloc(nr * sizeof(double));
      for (size_t i = 0; i < nr; i++) {
        rw[i] = (float)((urand() * 2 - 1) * 0.5);
        r->R[l][i] = rw[i];
      }
      ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_RECURRENT, rw, nr));
      free(rw);
    }
  }
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, enc_kind));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e);
  ck_assert_snn_ok(snn_network_set(net, "steps", T));
  return net;
}

static void ref_free(ref_net *r) {
  for (int l = 0; l < r->nl; l++) {
    free(r->W[l]);
    free(r->B[l]);
    free(r->R[l]);
    free(r->D[l]);
  }
}

/* fraction of ones in binary test inputs */
static double g_density = 0.3;

/* compare libsnn's gradient with the reference for one configuration */
static void check_vs_ref(int nl, const int *n, int sub, int bias, int rec_layer, const char *enc,
                         int loss, int sg, int T, int nb, uint64_t seed) {
  reseed(seed);
  ref_net r;
  double beta[NL_MAX] = {0.9, 0.8, 0.95}, thr[NL_MAX] = {1.0, 1.0, 1.0};
  snn_network *net = build(&r, nl, n, beta, thr, sub, bias, rec_layer, enc, T);
  float *x = malloc(sizeof(float) * (size_t)(nb * n[0]));
  int32_t *y = malloc(sizeof(int32_t) * (size_t)nb);
  int binary = strcmp(enc, "rate") == 0;
  for (int i = 0; i < nb * n[0]; i++)
    x[i] = binary ? (urand() < g_density ? 1.0f : 0.0f) : (float)(urand() * 2.0);
  for (int s = 0; s < nb; s++) y[s] = (int32_t)(urand() * n[nl]);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = loss;
  o.surrogate = sg;
  o.surrogate_slope = 5.0;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  size_t np = snn_learner_n_params(L);
  float *g = malloc(np * sizeof(float));
  double *gr = malloc(np * sizeof(double));
  double loss_v = 0;
  ck_assert_snn_ok(snn_learner_gradient(L, g, np, &loss_v, x, y, (size_t)nb, (size_t)n[0]));
  double lr = ref_grad(&r, T, x, y, nb, loss, sg, 5.0, gr);
  ck_assert_msg(fabs(loss_v - lr) <= 1e-4 * fmax(1.0, fabs(lr)), "loss %g vs ref %g", loss_v, lr);
  double gmax = 0;
  for (size_t i = 0; i < np; i++) gmax = fmax(gmax, fabs(gr[i]));
  ck_assert_msg(gmax > 0, "reference gradient is all zero (test is vacuous)");
  for (size_t i = 0; i < np; i++)
    ck_assert_msg(fabs(g[i] - gr[i]) <= 1e-4 * fmax(gmax, 1e-3),
                  "param %zu: grad %g vs ref %g (max %g) loss %d sg %d enc %s rec %d", i,
                  (double)g[i], gr[i], gmax, loss, sg, enc, rec_layer);
  free(g);
  free(gr);
  free(x);
  free(y);
  snn_learner_free(L);
  snn_network_free(net);
  ref_free(&r);
}

START_TEST(test_grad_vs_naive) {
  const int n2[] = {12, 16, 5}, n3[] = {10, 14, 12, 4};
  const char *encs[] = {"direct", "rate"};
  for (int e = 0; e < 2; e++)
    for (int loss = SNN_LOSS_CE_COUNT; loss <= SNN_LOSS_CE_MEM_STEPS; loss++)
      check_vs_ref(2, n2, 1, 1, -1, encs[e], loss, SNN_SURROGATE_FAST_SIGMOID, 6, 5,
                   (uint64_t)(10 + loss + 7 * e));
  for (int sg = SNN_SURROGATE_FAST_SIGMOID; sg <= SNN_SURROGATE_TRIANGLE; sg++) {
    check_vs_ref(3, n3, 0, 0, -1, "direct", SNN_LOSS_CE_COUNT, sg, 7, 4, (uint64_t)(30 + sg));
    check_vs_ref(3, n3, 1, 1, -1, "rate", SNN_LOSS_CE_MEM_SUM, sg, 5, 3, (uint64_t)(40 + sg));
  }
  /* A wide layer on sparse binary input takes the 32-column panel kernels:
   * 70 outputs = two full panels and a partial one, 6 x 50 = 300 rows = two
   * row blocks of the backward. */
  const int nw[] = {40, 70, 3};
  g_density = 0.1;
  check_vs_ref(2, nw, 1, 1, -1, "rate", SNN_LOSS_CE_MEM_SUM, SNN_SURROGATE_FAST_SIGMOID, 6, 50, 77);
  check_vs_ref(2, nw, 0, 0, -1, "rate", SNN_LOSS_CE_COUNT, SNN_SURROGATE_ATAN, 6, 50, 78);
  g_density = 0.3;
}
END_TEST

/* Rate-coded input that changes from step to step: a wide first layer then
 * runs its forward and weight gradient along the change lists (a running sum
 * per image, prefix sums of the current gradients). They must give the
 * gradient of the plain panel kernels (the same spikes; sums in another
 * order, so not bitwise), and must actually have been used. */
START_TEST(test_grad_change_lists) {
  const int n[] = {48, 70, 3};
  const int T = 9, nb = 30;
  reseed(91);
  ref_net r;
  double beta[NL_MAX] = {0.9, 0.8, 0.95}, thr[NL_MAX] = {1.0, 1.0, 1.0};
  snn_network *net = build(&r, 2, n, beta, thr, 1, 1, -1, "rate", T);
  float *x = malloc(sizeof(float) * (size_t)(nb * n[0]));
  int32_t y[30];
  /* 60 % of the inputs off, 15 % always on, 25 % on with p in [0.1, 0.5):
   * sparse enough for the panel kernels, changing enough for the lists */
  for (int i = 0; i < nb * n[0]; i++) {
    double u = urand();
    x[i] = u < 0.6 ? 0.0f : u < 0.75 ? 1.0f : (float)(0.1 + 0.4 * urand());
  }
  for (int s = 0; s < nb; s++) y[s] = (int32_t)(urand() * n[2]);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  size_t np = snn_learner_n_params(L);
  float *g1 = malloc(np * sizeof(float)), *g0 = malloc(np * sizeof(float));
  double l1 = 0, l0 = 0;
  unsigned long uses = snn__engine_delta_uses;
  ck_assert_snn_ok(snn_learner_gradient(L, g1, np, &l1, x, y, (size_t)nb, (size_t)n[0]));
  ck_assert_msg(snn__engine_delta_uses > uses, "the change lists were not used");
  snn__engine_delta_enabled = 0;
  uses = snn__engine_delta_uses;
  ck_assert_snn_ok(snn_learner_gradient(L, g0, np, &l0, x, y, (size_t)nb, (size_t)n[0]));
  snn__engine_delta_enabled = 1;
  ck_assert_msg(snn__engine_delta_uses == uses, "the change lists were used while disabled");
  ck_assert_msg(fabs(l1 - l0) <= 1e-5 * fmax(1.0, fabs(l0)), "loss %g vs %g", l1, l0);
  double gmax = 0;
  for (size_t i = 0; i < np; i++) gmax = fmax(gmax, fabs(g0[i]));
  ck_assert_msg(gmax > 0, "gradient is all zero (test is vacuous)");
  for (size_t i = 0; i < np; i++)
    ck_assert_msg(fabs(g1[i] - g0[i]) <= 1e-4 * gmax, "param %zu: %g with change lists, %g without",
                  i, (double)g1[i], (double)g0[i]);
  free(g1);
  free(g0);
  free(x);
  snn_learner_free(L);
  snn_network_free(net);
  ref_free(&r);
}
END_TEST

START_TEST(test_grad_recurrent_vs_naive) {
  const int n2[] = {8, 12, 4};
  check_vs_ref(2, n2, 1, 1, 0, "direct", SNN_LOSS_CE_COUNT, SNN_SURROGATE_FAST_SIGMOID, 6, 3, 51);
  check_vs_ref(2, n2, 0, 1, 0, "rate", SNN_LOSS_CE_MEM_SUM, SNN_SURROGATE_ATAN, 6, 3, 52);
  check_vs_ref(2, n2, 1, 0, 1, "direct", SNN_LOSS_CE_MEM_STEPS, SNN_SURROGATE_ATAN, 5, 2, 53);
}
END_TEST

/* Input delays (NIR Delay) on every layer: the forward reads the shifted
 * input, the backward shifts the input gradient back (delay_unshift). A
 * constant input (direct encoder) becomes time-varying behind the delay; a
 * rate-coded one takes the sparse and panel kernels; delays up to and beyond
 * the sequence length (6 steps) read zeros. */
START_TEST(test_grad_delays_vs_naive) {
  const int n2[] = {12, 16, 5}, n3[] = {10, 14, 12, 4};
  g_delay_max = 3;
  check_vs_ref(2, n2, 1, 1, -1, "direct", SNN_LOSS_CE_COUNT, SNN_SURROGATE_FAST_SIGMOID, 6, 5, 61);
  check_vs_ref(2, n2, 0, 1, -1, "rate", SNN_LOSS_CE_MEM_SUM, SNN_SURROGATE_ATAN, 6, 5, 62);
  check_vs_ref(3, n3, 1, 0, -1, "direct", SNN_LOSS_CE_MEM_STEPS, SNN_SURROGATE_TRIANGLE, 7, 4, 63);
  check_vs_ref(3, n3, 0, 1, 1, "rate", SNN_LOSS_CE_MEM_MAX, SNN_SURROGATE_FAST_SIGMOID, 7, 3, 64);
  g_delay_max = 8; /* some inputs never arrive within the 6 steps */
  check_vs_ref(2, n2, 1, 1, 0, "direct", SNN_LOSS_CE_MEM_SUM, SNN_SURROGATE_ATAN, 6, 3, 65);
  /* wide layers: panel kernels and change lists behind the delays */
  const int nw[] = {40, 70, 48, 3};
  g_density = 0.1;
  g_delay_max = 2;
  check_vs_ref(3, nw, 1, 1, -1, "rate", SNN_LOSS_CE_MEM_SUM, SNN_SURROGATE_FAST_SIGMOID, 6, 50, 66);
  check_vs_ref(3, nw, 0, 0, -1, "direct", SNN_LOSS_CE_COUNT, SNN_SURROGATE_ATAN, 6, 20, 67);
  g_density = 0.3;
  g_delay_max = 0;
}
END_TEST

/* Finite differences: one layer that never spikes (huge threshold): the
 * membrane losses are smooth in every weight. */
static void fd_check(snn_network *net, int loss, const float *x, const int32_t *y, size_t nb) {
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = loss;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  size_t np = snn_learner_n_params(L), nin = snn_network_n_inputs(net);
  float *g = malloc(np * sizeof(float)), *g2 = malloc(np * sizeof(float));
  double l0;
  ck_assert_snn_ok(snn_learner_gradient(L, g, np, &l0, x, y, nb, nin));
  /* perturb each parameter array through the public API */
  size_t pos = 0;
  for (size_t li = 0; li < snn_network_n_layers(net); li++) {
    snn_layer *ly = snn_network_layer(net, li);
    for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++) {
      size_t n = snn_layer_param_size(ly, which);
      if (!n) continue;
      float *p = malloc(n * sizeof(float));
      ck_assert_snn_ok(snn_layer_param_get(p, ly, which, n));
      size_t stride = n > 40 ? n / 23 : 1;
      for (size_t i = 0; i < n; i += stride) {
        float keep = p[i];
        double h = 1e-2, lp, lm;
        p[i] = keep + (float)h;
        ck_assert_snn_ok(snn_layer_param_set(ly, which, p, n));
        ck_assert_snn_ok(snn_learner_gradient(L, g2, np, &lp, x, y, nb, nin));
        p[i] = keep - (float)h;
        ck_assert_snn_ok(snn_layer_param_set(ly, which, p, n));
        ck_assert_snn_ok(snn_learner_gradient(L, g2, np, &lm, x, y, nb, nin));
        p[i] = keep;
        ck_assert_snn_ok(snn_layer_param_set(ly, which, p, n));
        double fd = (lp - lm) / (2 * h);
        ck_assert_msg(fabs(fd - g[pos + i]) <= 2e-3 * fmax(1.0, fabs(fd)),
                      "layer %zu array %d [%zu]: fd %g vs grad %g (loss %d)", li, which, i, fd,
                      (double)g[pos + i], loss);
      }
      pos += n;
      free(p);
    }
  }
  ck_assert_uint_eq(pos, np);
  free(g);
  free(g2);
  snn_learner_free(L);
}

START_TEST(test_grad_finite_diff) {
  reseed(7);
  int loss_kinds[] = {SNN_LOSS_CE_MEM_SUM, SNN_LOSS_CE_MEM_STEPS, SNN_LOSS_CE_MEM_MAX};
  for (int k = 0; k < 3; k++) {
    snn_network *net = NULL;
    ck_assert_snn_ok(snn_network_create(&net, 1, 1, 6));
    snn_neuron_model *m = mk_lif(0.9, 1e3, 1);
    snn_layer *ly = NULL;
    ck_assert_snn_ok(snn_layer_create_dense(&ly, 6, 4, m));
    ck_assert_snn_ok(snn_network_add_layer(net, ly));
    snn_neuron_model_free(m);
    ck_assert_snn_ok(snn_network_set(net, "steps", 5));
    ck_assert_snn_ok(snn_network_init_weights(net, 3));
    float x[18];
    int32_t y[3] = {0, 3, 1};
    for (int i = 0; i < 18; i++) x[i] = (float)urand();
    fd_check(net, loss_kinds[k], x, y, 3);
    snn_network_free(net);
  }
}
END_TEST

/* conv2d -> avg pool -> dense, none spiking: FD through conv and pool backward */
START_TEST(test_grad_finite_diff_conv) {
  reseed(9);
  const int pools[] = {SNN_POOL_AVG, SNN_POOL_MAX, SNN_POOL_SUM};
  for (int k = 0; k < 3; k++) {
    snn_network *net = NULL;
    ck_assert_snn_ok(snn_network_create(&net, 2, 7, 6));
    snn_neuron_model *m = mk_lif(0.9, 1e3, 1);
    snn_layer *ly = NULL;
    ck_assert_snn_ok(snn_layer_create_conv2d(&ly, 2, 7, 6, 3, 3, 2, 1, 1, m));
    ck_assert_snn_ok(snn_network_add_layer(net, ly));
    size_t c, h, w;
    ck_assert_snn_ok(snn_layer_output_shape(&c, &h, &w, ly));
    ck_assert_snn_ok(snn_layer_create_pool2d(&ly, c, h, w, pools[k], 2, 2, NULL));
    ck_assert_snn_ok(snn_network_add_layer(net, ly));
    ck_assert_snn_ok(snn_layer_create_dense(&ly, snn_layer_n_outputs(ly), 3, m));
    ck_assert_snn_ok(snn_network_add_layer(net, ly));
    snn_neuron_model_free(m);
    ck_assert_snn_ok(snn_network_set(net, "steps", 3));
    ck_assert_snn_ok(snn_network_init_weights(net, 5));
    float x[2 * 2 * 7 * 6];
    int32_t y[2] = {2, 0};
    for (int i = 0; i < 2 * 84; i++) x[i] = (float)urand();
    fd_check(net, SNN_LOSS_CE_MEM_SUM, x, y, 2);
    snn_network_free(net);
  }
}
END_TEST

/* Finite differences through input delays whose source is constant in time:
 * a zero-padded pool (NIR AvgPool2d/SumPool2d with padding) without neurons
 * on a direct input computes one time block, which the delayed dense layer
 * reads from each input's delay on (v < 2); or the pool's own input is
 * delayed (v >= 2). The dense layer never spikes, so the loss is smooth. */
START_TEST(test_grad_finite_diff_pad_delay) {
  reseed(11);
  for (int v = 0; v < 4; v++) {
    snn_network *net = NULL;
    ck_assert_snn_ok(snn_network_create(&net, 2, 7, 6));
    snn_layer *pool = NULL;
    ck_assert_snn_ok(snn_layer_create_pool2d(&pool, 2, 7, 6, v & 1 ? SNN_POOL_SUM : SNN_POOL_AVG, 3,
                                             2, NULL));
    ck_assert_snn_ok(snn__layer_set_pool_pad(pool, 1, "test"));
    snn_neuron_model *m = mk_lif(0.9, 1e3, 1);
    snn_layer *fc = NULL;
    ck_assert_snn_ok(snn_layer_create_dense(&fc, snn_layer_n_outputs(pool), 3, m));
    snn_neuron_model_free(m);
    snn_layer *dl = v < 2 ? fc : pool;
    size_t nd = snn_layer_n_inputs(dl);
    int32_t *d = malloc(nd * sizeof *d);
    for (size_t i = 0; i < nd; i++) d[i] = (int32_t)(urand() * 4); /* 0..3 of 4 steps */
    ck_assert_snn_ok(snn_layer_set_input_delays(dl, d, nd));
    free(d);
    ck_assert_snn_ok(snn_network_add_layer(net, pool));
    ck_assert_snn_ok(snn_network_add_layer(net, fc));
    ck_assert_snn_ok(snn_network_set(net, "steps", 4));
    ck_assert_snn_ok(snn_network_init_weights(net, 13));
    float x[2 * 2 * 7 * 6];
    int32_t y[2] = {1, 2};
    for (int i = 0; i < 2 * 84; i++) x[i] = (float)urand();
    fd_check(net, v & 2 ? SNN_LOSS_CE_MEM_STEPS : SNN_LOSS_CE_MEM_SUM, x, y, 2);
    snn_network_free(net);
  }
}
END_TEST

/* Two networks on IC x H x W inputs that start with the same spiking 1x1 conv
 * (channel mixing, weights w0, no bias), for the equivalence tests below. */
static void spiking_fronts(snn_network **na, snn_network **nb, size_t IC, size_t H, size_t W,
                           const float *w0, const snn_neuron_model *spk, int steps) {
  for (int v = 0; v < 2; v++) {
    snn_network **pn = v ? nb : na;
    snn_layer *ly = NULL;
    ck_assert_snn_ok(snn_network_create(pn, IC, H, W));
    ck_assert_snn_ok(snn_layer_create_conv2d(&ly, IC, H, W, IC, 1, 1, 1, 0, spk));
    ck_assert_snn_ok(snn_layer_set_bias(ly, 0));
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, w0, IC * IC));
    ck_assert_snn_ok(snn_network_add_layer(*pn, ly));
    ck_assert_snn_ok(snn_network_set(*pn, "steps", steps));
  }
}

/* Gradients of two equivalent networks on 3 samples (membrane-sum loss): the
 * parameter counts must be npa / npb, the losses and the first layer's nw0
 * gradients (which flow through the second layer's input gradient) equal.
 * Returns both gradients (malloc'ed). */
static void equal_front_grads(snn_network *na, snn_network *nb, size_t n0, size_t n_cls, size_t nw0,
                              size_t npa, size_t npb, int k, float **ga, float **gb) {
  float x[3 * 40];
  int32_t y[3];
  ck_assert_uint_le(n0, 40);
  for (size_t i = 0; i < 3 * n0; i++) x[i] = (float)(urand() * 2.0);
  for (int i = 0; i < 3; i++) y[i] = (int32_t)(urand() * (double)n_cls);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  snn_learner *la = NULL, *lb = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&la, na, &o));
  ck_assert_snn_ok(snn_learner_create_bptt(&lb, nb, &o));
  ck_assert_uint_eq(snn_learner_n_params(la), npa);
  ck_assert_uint_eq(snn_learner_n_params(lb), npb);
  *ga = malloc(npa * sizeof(float));
  *gb = malloc(npb * sizeof(float));
  double lossa, lossb;
  ck_assert_snn_ok(snn_learner_gradient(la, *ga, npa, &lossa, x, y, 3, n0));
  ck_assert_snn_ok(snn_learner_gradient(lb, *gb, npb, &lossb, x, y, 3, n0));
  ck_assert_msg(fabs(lossa - lossb) <= 1e-5 * fmax(1.0, fabs(lossb)), "case %d: loss %g vs %g", k,
                lossa, lossb);
  double gmax = 0;
  for (size_t i = 0; i < nw0; i++) gmax = fmax(gmax, fabs((*gb)[i]));
  ck_assert_msg(gmax > 1e-6, "case %d: first-layer gradient is zero (test is vacuous)", k);
  for (size_t i = 0; i < nw0; i++)
    ck_assert_msg(fabs((*ga)[i] - (*gb)[i]) <= 1e-4 * gmax, "case %d: dW0[%zu] %g vs %g", k, i,
                  (double)(*ga)[i], (double)(*gb)[i]);
  snn_learner_free(la);
  snn_learner_free(lb);
}

/* A zero-padded sum/avg pool is linear, so spiking 1x1 conv -> padded pool ->
 * dense (network A) equals the same conv -> dense with weights W P (network
 * B), P the pooling matrix. The first layer's gradient flows through the
 * pool's input gradient in A; the dense gradient of A is B's times P^T. In
 * odd cases both delay the conv's outputs by the same steps (the pool's
 * inputs in A, the dense layer's in B). */
START_TEST(test_padded_pool_equals_dense) {
  reseed(21);
  const size_t cfg[][3] = {{3, 2, 1}, {2, 1, 1}, {3, 1, 1}, {3, 3, 1}}; /* k, stride, pad */
  const size_t IC = 2, H = 5, W = 4, n0 = IC * H * W, nw0 = IC * IC, NO = 3;
  for (int k = 0; k < 8; k++) {
    size_t K = cfg[k / 2][0], st = cfg[k / 2][1], pad = cfg[k / 2][2];
    int kind = k % 4 < 2 ? SNN_POOL_AVG : SNN_POOL_SUM, delayed = k & 1;
    snn_neuron_model *spk = mk_lif(0.9, 1.0, 1), *mem = mk_lif(0.9, 1e3, 1);
    float w0[4];
    for (size_t i = 0; i < nw0; i++) w0[i] = (float)(0.6 + urand() * 0.8);
    int32_t dly[40];
    for (size_t i = 0; i < n0; i++) dly[i] = (int32_t)(urand() * 3);
    snn_network *na = NULL, *nb = NULL;
    snn_layer *ly = NULL;
    spiking_fronts(&na, &nb, IC, H, W, w0, spk, 5);
    ck_assert_snn_ok(snn_layer_create_pool2d(&ly, IC, H, W, kind, K, st, NULL));
    ck_assert_snn_ok(snn__layer_set_pool_pad(ly, pad, "test"));
    if (delayed) ck_assert_snn_ok(snn_layer_set_input_delays(ly, dly, n0));
    size_t np = snn_layer_n_outputs(ly), oh = ly->out_h, ow = ly->out_w;
    ck_assert_snn_ok(snn_network_add_layer(na, ly));
    /* P[j][i]: weight of input i in pooled output j */
    float *P = calloc(np * n0, sizeof(float));
    for (size_t c = 0; c < IC; c++)
      for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
          for (size_t ky = 0; ky < K; ky++)
            for (size_t kx = 0; kx < K; kx++) {
              long iy = (long)(oy * st + ky) - (long)pad, ix = (long)(ox * st + kx) - (long)pad;
              if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W) continue;
              P[((c * oh + oy) * ow + ox) * n0 + (c * H + (size_t)iy) * W + (size_t)ix] =
                  kind == SNN_POOL_AVG ? 1.0f / (float)(K * K) : 1.0f;
            }
    float *wa = malloc(NO * np * sizeof(float)), *wb = calloc(NO * n0, sizeof(float)), bb[3];
    for (size_t i = 0; i < NO * np; i++) wa[i] = (float)((urand() * 2 - 1) * 0.2);
    for (size_t o = 0; o < NO; o++) {
      bb[o] = (float)((urand() * 2 - 1) * 0.3);
      for (size_t i = 0; i < n0; i++) {
        double acc = 0;
        for (size_t j = 0; j < np; j++) acc += (double)wa[o * np + j] * P[j * n0 + i];
        wb[o * n0 + i] = (float)acc;
      }
    }
    for (int v = 0; v < 2; v++) {
      ck_assert_snn_ok(snn_layer_create_dense(&ly, v ? n0 : np, NO, mem));
      ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, v ? wb : wa, NO * (v ? n0 : np)));
      ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_BIAS, bb, NO));
      if (v && delayed) ck_assert_snn_ok(snn_layer_set_input_delays(ly, dly, n0));
      ck_assert_snn_ok(snn_network_add_layer(v ? nb : na, ly));
    }
    snn_neuron_model_free(spk);
    snn_neuron_model_free(mem);
    float *ga, *gb;
    equal_front_grads(na, nb, n0, NO, nw0, nw0 + NO * np + NO, nw0 + NO * n0 + NO, k, &ga, &gb);
    /* dense: dW_A[o][j] = sum_i dW_B[o][i] P[j][i]; the same bias gradient */
    for (size_t o2 = 0; o2 < NO; o2++) {
      for (size_t j = 0; j < np; j++) {
        double acc = 0;
        for (size_t i = 0; i < n0; i++) acc += (double)gb[nw0 + o2 * n0 + i] * P[j * n0 + i];
        ck_assert_msg(fabs(ga[nw0 + o2 * np + j] - acc) <= 1e-4 * fmax(1.0, fabs(acc)),
                      "case %d: dW[%zu][%zu] %g vs %g", k, o2, j, (double)ga[nw0 + o2 * np + j], acc);
      }
      float gba = ga[nw0 + NO * np + o2], gbb = gb[nw0 + NO * n0 + o2];
      ck_assert_msg(fabs(gba - gbb) <= 1e-4 * fmax(1.0, fabs(gbb)), "case %d: db %g vs %g", k,
                    (double)gba, (double)gbb);
    }
    free(ga);
    free(gb);
    free(P);
    free(wa);
    free(wb);
    snn_network_free(na);
    snn_network_free(nb);
  }
}
END_TEST


/* A conv2d layer equals a dense layer with the unrolled (Toeplitz) weights.
 * Network A: a spiking 1x1 conv (channel mixing) -> conv2d (output, membrane
 * loss); network B: the same first layer -> the equivalent dense layer. Their losses and the first
 * layer's gradients (which flow through the conv's input gradient, col2im)
 * must agree, and the conv's weight gradient must equal the Toeplitz gradient
 * summed over the positions sharing a weight (im2col and the weight product).
 * Strides, paddings and kernels are chosen so that kernels hang over the
 * borders. */
START_TEST(test_conv_equals_unrolled_dense) {
  reseed(11);
  const size_t cfg[][3] = {{2, 1, 3}, {1, 0, 2}, {2, 2, 3}, {3, 1, 2}, {1, 1, 3}}; /* stride, pad, k */
  const size_t IC = 2, H = 5, W = 4, OC = 3, n0 = IC * H * W, nw0 = IC * IC;
  for (int k = 0; k < 5; k++) {
    size_t st = cfg[k][0], pad = cfg[k][1], K = cfg[k][2];
    snn_neuron_model *spk = mk_lif(0.9, 1.0, 1), *mem = mk_lif(0.9, 1e3, 1);
    float w0[4];
    for (size_t i = 0; i < nw0; i++) w0[i] = (float)(0.6 + urand() * 0.8);
    snn_network *na = NULL, *nb = NULL;
    snn_layer *ly = NULL;
    spiking_fronts(&na, &nb, IC, H, W, w0, spk, 4);
    /* odd configurations delay the second layer's inputs by the same steps in
     * both networks: the conv's delayed input gradient against the dense one */
    int32_t dly[40];
    for (size_t i = 0; i < n0; i++) dly[i] = (int32_t)(urand() * 3);
    ck_assert_snn_ok(snn_layer_create_conv2d(&ly, IC, H, W, OC, K, K, st, pad, mem));
    if (k & 1) ck_assert_snn_ok(snn_layer_set_input_delays(ly, dly, n0));
    size_t c, oh, ow;
    ck_assert_snn_ok(snn_layer_output_shape(&c, &oh, &ow, ly));
    size_t nout = OC * oh * ow, nwc = OC * IC * K * K, nin = IC * H * W;
    float *wc = malloc(nwc * sizeof(float)), *wt = calloc(nout * nin, sizeof(float));
    float bc[3], *bt = malloc(nout * sizeof(float));
    for (size_t i = 0; i < nwc; i++) wc[i] = (float)((urand() * 2 - 1) * 0.5);
    for (size_t i = 0; i < OC; i++) bc[i] = (float)((urand() * 2 - 1) * 0.3);
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, wc, nwc));
    ck_assert_snn_ok(snn_layer_set_bias(ly, 1));
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_BIAS, bc, OC));
    ck_assert_snn_ok(snn_network_add_layer(na, ly));
    /* unrolled: wt[o][i] with o = (oc*oh + oy)*ow + ox, i = (ic*H + iy)*W + ix */
    for (size_t oc = 0; oc < OC; oc++)
      for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++) {
          size_t o = (oc * oh + oy) * ow + ox;
          bt[o] = bc[oc];
          for (size_t ic = 0; ic < IC; ic++)
            for (size_t ky = 0; ky < K; ky++)
              for (size_t kx = 0; kx < K; kx++) {
                long iy = (long)(oy * st + ky) - (long)pad, ix = (long)(ox * st + kx) - (long)pad;
                if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W) continue;
                wt[o * nin + (ic * H + (size_t)iy) * W + (size_t)ix] = wc[((oc * IC + ic) * K + ky) * K + kx];
              }
        }
    ck_assert_snn_ok(snn_layer_create_dense(&ly, nin, nout, mem));
    if (k & 1) ck_assert_snn_ok(snn_layer_set_input_delays(ly, dly, n0));
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, wt, nout * nin));
    ck_assert_snn_ok(snn_layer_set_bias(ly, 1));
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_BIAS, bt, nout));
    ck_assert_snn_ok(snn_network_add_layer(nb, ly));
    snn_neuron_model_free(spk);
    snn_neuron_model_free(mem);
    /* first layer: through the conv's input gradient */
    float *ga, *gb;
    equal_front_grads(na, nb, n0, nout, nw0, nw0 + nwc + OC, nw0 + nout * nin + nout, k, &ga, &gb);
    /* conv weights: Toeplitz gradient summed over shared positions */
    const float *gt = gb + nw0, *gtb = gt + nout * nin;
    for (size_t oc = 0; oc < OC; oc++)
      for (size_t ic = 0; ic < IC; ic++)
        for (size_t ky = 0; ky < K; ky++)
          for (size_t kx = 0; kx < K; kx++) {
            double sum = 0;
            for (size_t oy = 0; oy < oh; oy++)
              for (size_t ox = 0; ox < ow; ox++) {
                long iy = (long)(oy * st + ky) - (long)pad, ix = (long)(ox * st + kx) - (long)pad;
                if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W) continue;
                sum += gt[((oc * oh + oy) * ow + ox) * nin + (ic * H + (size_t)iy) * W + (size_t)ix];
              }
            float gcv = ga[nw0 + ((oc * IC + ic) * K + ky) * K + kx];
            ck_assert_msg(fabs(gcv - sum) <= 1e-4 * fmax(1.0, fabs(sum)), "cfg %d: dWc %g vs %g", k,
                          (double)gcv, sum);
          }
    for (size_t oc = 0; oc < OC; oc++) {
      double sum = 0;
      for (size_t p = 0; p < oh * ow; p++) sum += gtb[oc * oh * ow + p];
      ck_assert_msg(fabs(ga[nw0 + nwc + oc] - sum) <= 1e-4 * fmax(1.0, fabs(sum)),
                    "cfg %d: dbc %g vs %g", k, (double)ga[nw0 + nwc + oc], sum);
    }
    free(ga);
    free(gb);
    free(wc);
    free(wt);
    free(bt);
    snn_network_free(na);
    snn_network_free(nb);
  }
}
END_TEST

/* ---- NIR neuron kinds (nir_cuba, nir_integrator, nir_threshold) -------------- */
static snn_neuron_model *mk_cuba(double tau_mem, double tau_syn, int spiking, int euler,
                                 int subtract) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn__nir_cuba_create(&m));
  ck_assert_snn_ok(snn_neuron_model_set(m, "tau_mem", tau_mem));
  ck_assert_snn_ok(snn_neuron_model_set(m, "tau_syn", tau_syn));
  ck_assert_snn_ok(snn_neuron_model_set(m, "spiking", spiking));
  ck_assert_snn_ok(snn_neuron_model_set(m, "euler", euler));
  ck_assert_snn_ok(snn_neuron_model_set(m, "reset", subtract));
  return m;
}

/* A one-layer network of model m (6 inputs, 4 outputs, 5 steps of 1 ms). */
static snn_network *one_layer(const snn_neuron_model *m, uint64_t seed) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 6));
  snn_layer *ly = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&ly, 6, 4, m));
  ck_assert_snn_ok(snn_network_add_layer(net, ly));
  ck_assert_snn_ok(snn_network_set(net, "steps", 5));
  ck_assert_snn_ok(snn_network_init_weights(net, seed));
  return net;
}

/* The non-spiking NIR kinds (LI and CubaLI as nir_cuba with spiking 0, the
 * integrator I) are smooth: their BPTT gradient must equal finite differences,
 * for exact and Euler integration, with and without a synaptic current, also
 * with tau_syn = tau_mem (the coupling coefficient's limit). */
START_TEST(test_nir_kinds_finite_diff) {
  reseed(31);
  const double cfg[][3] = {{8, 5, 0}, {8, 0, 0}, {8, 5, 1}, {8, 0, 1}, {6, 6, 0}}; /* tm ts euler */
  float x[18];
  int32_t y[3] = {2, 0, 3};
  for (int i = 0; i < 18; i++) x[i] = (float)(urand() * 2 - 0.5);
  for (int c = 0; c < 6; c++) {
    snn_neuron_model *m = NULL;
    if (c < 5) {
      m = mk_cuba(cfg[c][0], cfg[c][1], 0, (int)cfg[c][2], 0);
      ck_assert_snn_ok(snn_neuron_model_set(m, "r", 1.3));
      ck_assert_snn_ok(snn_neuron_model_set(m, "w_in", 0.8));
      ck_assert_snn_ok(snn_neuron_model_set(m, "v_leak", 0.1));
    } else {
      ck_assert_snn_ok(snn__nir_integ_create(&m));
      ck_assert_snn_ok(snn_neuron_model_set(m, "r_ms", 0.3));
    }
    snn_network *net = one_layer(m, (uint64_t)(40 + c));
    snn_neuron_model_free(m);
    fd_check(net, c % 2 ? SNN_LOSS_CE_MEM_STEPS : SNN_LOSS_CE_MEM_SUM, x, y, 3);
    snn_network_free(net);
  }
}
END_TEST

/* The BPTT gradients of two networks that differ only in the neuron model of
 * their first layer (NI -> NH, weights scaled by wscale, bias b1 if given)
 * must agree: with hidden = 1 a non-spiking membrane-readout layer NH -> NO
 * follows (the first layer's spikes carry the gradient), with hidden = 0 the
 * first layer is read out (its membrane; labels < NH). With expect_spikes
 * the first layer of network a must spike (else the test would be vacuous). */
static void same_grads(const snn_neuron_model *ma, const snn_neuron_model *mb, int hidden,
                       double wscale, int with_bias, int expect_spikes, const char *what) {
  const size_t NI = 10, NH = 12, NO = 3, T = 8, B = 4;
  snn_neuron_model *out = mk_lif(0.9, 1e3, 1);
  float *w1 = malloc(NI * NH * sizeof(float)), w2[36], b1[12];
  for (size_t i = 0; i < NI * NH; i++) w1[i] = (float)((urand() * 2 - 0.6) * wscale);
  for (size_t i = 0; i < NH * NO; i++) w2[i] = (float)((urand() * 2 - 1) * 0.5);
  for (size_t i = 0; i < NH; i++) b1[i] = with_bias ? (float)(urand() * 0.2) : 0.0f;
  snn_network *net[2];
  for (int v = 0; v < 2; v++) {
    ck_assert_snn_ok(snn_network_create(&net[v], 1, 1, NI));
    snn_layer *ly = NULL;
    ck_assert_snn_ok(snn_layer_create_dense(&ly, NI, NH, v ? mb : ma));
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, w1, NI * NH));
    ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_BIAS, b1, NH));
    ck_assert_snn_ok(snn_network_add_layer(net[v], ly));
    if (hidden) {
      ck_assert_snn_ok(snn_layer_create_dense(&ly, NH, NO, out));
      ck_assert_snn_ok(snn_layer_param_set(ly, SNN_PARAM_WEIGHTS, w2, NH * NO));
      ck_assert_snn_ok(snn_network_add_layer(net[v], ly));
    }
    ck_assert_snn_ok(snn_network_set(net[v], "steps", (double)T));
  }
  float x[40];
  int32_t y[4];
  for (size_t i = 0; i < B * NI; i++) x[i] = (float)(urand() * 2.0);
  for (size_t i = 0; i < B; i++) y[i] = (int32_t)(urand() * (double)(hidden ? NO : NH));
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  size_t np = NI * NH + NH + (hidden ? NH * NO + NO : 0);
  float *g[2];
  double loss[2];
  for (int v = 0; v < 2; v++) {
    snn_learner *L = NULL;
    ck_assert_snn_ok(snn_learner_create_bptt(&L, net[v], &o));
    ck_assert_uint_eq(snn_learner_n_params(L), np);
    g[v] = malloc(np * sizeof(float));
    ck_assert_snn_ok(snn_learner_gradient(L, g[v], np, &loss[v], x, y, B, NI));
    snn_learner_free(L);
  }
  if (expect_spikes) {
    double sp = 0;
    float sc[48];
    ck_assert_snn_ok(snn_network_predict(net[0], NULL, sc, x, B, NI));
    ck_assert_snn_ok(snn_network_activity(&sp, NULL, net[0], 0));
    ck_assert_msg(sp > 1, "%s: the layer hardly spiked (%g per sample)", what, sp);
  }
  ck_assert_msg(fabs(loss[0] - loss[1]) <= 1e-5 * fmax(1.0, fabs(loss[1])), "%s: loss %g vs %g",
                what, loss[0], loss[1]);
  double gmax = 0;
  for (size_t i = 0; i < NI * NH; i++) gmax = fmax(gmax, fabs(g[1][i]));
  ck_assert_msg(gmax > 1e-6, "%s: first-layer gradient is zero (test is vacuous)", what);
  for (size_t i = 0; i < np; i++)
    ck_assert_msg(fabs(g[0][i] - g[1][i]) <= 1e-4 * fmax(gmax, 1e-3), "%s: param %zu: %g vs %g",
                  what, i, (double)g[0][i], (double)g[1][i]);
  for (int v = 0; v < 2; v++) {
    free(g[v]);
    snn_network_free(net[v]);
  }
  free(w1);
  snn_neuron_model_free(out);
}

/* Two-layer networks whose spiking layer is a NIR kind against the same
 * network with a built-in lif that computes the same spikes, so the reset and
 * surrogate handling of the NIR kinds' gradients is checked against the fused
 * LIF kernels:
 *   - CubaLIF without synaptic current (nir_cuba, tau_syn 0, exact) = lif with
 *     tau_m 10 ms, E_L 0, V_th 1, V_reset 0, t_ref 0 (reset by subtraction
 *     and to zero);
 *   - Threshold (nir_threshold, theta 0.3) = a lif whose membrane forgets at
 *     once (tau_m 1e-6 ms: V' = I), threshold 0.3, reset to zero.
 * The last layer (lif that never spikes) reads the membrane. */
START_TEST(test_nir_kinds_equal_lif) {
  for (int c = 0; c < 3; c++) {
    reseed((uint64_t)(60 + c));
    snn_neuron_model *nk = NULL, *lif = NULL;
    ck_assert_snn_ok(snn_neuron_model_create(&lif, "lif"));
    ck_assert_snn_ok(snn_neuron_model_set(lif, "E_L", 0.0));
    ck_assert_snn_ok(snn_neuron_model_set(lif, "V_reset", 0.0));
    ck_assert_snn_ok(snn_neuron_model_set(lif, "t_ref", 0.0));
    ck_assert_snn_ok(snn_neuron_model_set(lif, "g_L", 1.0));
    if (c < 2) {
      nk = mk_cuba(10.0, 0.0, 1, 0, c);
      ck_assert_snn_ok(snn_neuron_model_set(lif, "C_m", 10.0));
      ck_assert_snn_ok(snn_neuron_model_set(lif, "V_th", 1.0));
      ck_assert_snn_ok(snn_neuron_model_set(lif, "reset", c));
    } else {
      ck_assert_snn_ok(snn__nir_thresh_create(&nk));
      ck_assert_snn_ok(snn_neuron_model_set(nk, "theta", 0.3));
      ck_assert_snn_ok(snn_neuron_model_set(lif, "C_m", 1e-6));
      ck_assert_snn_ok(snn_neuron_model_set(lif, "V_th", 0.3));
      ck_assert_snn_ok(snn_neuron_model_set(lif, "reset", 0.0));
    }
    same_grads(nk, lif, 1, 0.8, 1, 1, c < 2 ? (c ? "CubaLIF subtract" : "CubaLIF zero") : "Threshold");
    snn_neuron_model_free(nk);
    snn_neuron_model_free(lif);
  }
}
END_TEST

/* nir_hetero model of NIR node type `node` for n neurons; per-neuron values
 * vals[k][i] (arrays in SNN__HET_* order, file units: seconds) */
static snn_neuron_model *mk_het(int node, int euler, int subtract, size_t n,
                                double vals[SNN__HET_NARR][12]) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn__nir_hetero_create(&m));
  ck_assert_snn_ok(snn_neuron_model_set(m, "node", node));
  ck_assert_snn_ok(snn_neuron_model_set(m, "euler", euler));
  ck_assert_snn_ok(snn_neuron_model_set(m, "reset", subtract));
  for (int k = 0; k < SNN__HET_NARR; k++)
    ck_assert_snn_ok(snn__nir_hetero_set(m, k, vals[k], n, "test"));
  ck_assert_snn_ok(snn__nir_hetero_seal(m, n, "test"));
  return m;
}

/* nir_hetero (per-neuron parameters): the non-spiking node types (LI,
 * CubaLI exact and Euler, I) with values that differ between neurons against
 * finite differences (so each neuron must use its own values); every node type
 * with equal values against the homogeneous kind it stands for (nir_cuba,
 * nir_integrator, nir_threshold, built-in if for IF), whose gradients are
 * checked above. */
START_TEST(test_nir_hetero_grad) {
  reseed(71);
  const size_t N = 4;
  double v[SNN__HET_NARR][12];
  /* finite differences, different values per neuron */
  const int fd_nodes[][2] = {{SNN__HET_LI, 0}, {SNN__HET_CUBALI, 0}, {SNN__HET_CUBALI, 1}, {SNN__HET_I, 0}};
  float x[18];
  int32_t y[3] = {1, 3, 0};
  for (int i = 0; i < 18; i++) x[i] = (float)(urand() * 2 - 0.5);
  for (int c = 0; c < 4; c++) {
    for (size_t i = 0; i < N; i++) {
      v[SNN__HET_TAU_MEM][i] = (5 + 3 * (double)i) * 1e-3;
      v[SNN__HET_TAU_SYN][i] = (2 + 2 * (double)i) * 1e-3;
      v[SNN__HET_R][i] = fd_nodes[c][0] == SNN__HET_I ? 100 + 50 * (double)i : 0.7 + 0.3 * (double)i;
      v[SNN__HET_W_IN][i] = 1.5 - 0.2 * (double)i;
      v[SNN__HET_V_LEAK][i] = 0.05 * (double)i;
      v[SNN__HET_V_TH][i] = 1.0;
      v[SNN__HET_V_RESET][i] = 0.0;
    }
    snn_neuron_model *m = mk_het(fd_nodes[c][0], fd_nodes[c][1], 0, N, v);
    snn_network *net = one_layer(m, (uint64_t)(80 + c));
    snn_neuron_model_free(m);
    fd_check(net, SNN_LOSS_CE_MEM_SUM, x, y, 3);
    snn_network_free(net);
  }
  /* equal values against the homogeneous kinds: a spiking node type as the
   * hidden layer of two (its spikes' gradient) and alone with a membrane
   * readout (its membrane's gradient through the reset); a non-spiking one
   * alone */
  const size_t NH = 12;
  for (int node = 0; node < SNN__HET_NNODES; node++)
    for (int var = 0; var < 4; var++) {
      const int euler = var % 2, is_spiking = node == SNN__HET_LIF || node == SNN__HET_IF ||
                                              node == SNN__HET_CUBALIF || node == SNN__HET_THRESHOLD;
      const int subtract = node % 2, spiking = is_spiking && var < 2;
      /* (the fused built-in if reads the membrane before the reset, custom kinds after
       * it, so IF is compared through its spikes only) */
      if (var >= 2 && (!is_spiking || node == SNN__HET_IF)) continue;
      const double tm = 8, ts = node >= SNN__HET_CUBALI ? 3 : 0, r = 1.2, w = 1.4, vl = 0.05, th = 0.6;
      for (size_t i = 0; i < NH; i++) {
        v[SNN__HET_TAU_MEM][i] = tm * 1e-3;
        v[SNN__HET_TAU_SYN][i] = ts * 1e-3;
        v[SNN__HET_R][i] = node == SNN__HET_IF || node == SNN__HET_I ? 1000 * 0.1 : r;
        v[SNN__HET_W_IN][i] = w;
        v[SNN__HET_V_LEAK][i] = vl;
        v[SNN__HET_V_TH][i] = th;
        v[SNN__HET_V_RESET][i] = 0.0;
      }
      snn_neuron_model *hm = mk_het(node, euler, subtract, NH, v), *ref = NULL;
      if (node == SNN__HET_IF) {
        ck_assert_snn_ok(snn_neuron_model_create(&ref, "if")); /* V += I dt / C_m, C_m = 1/r_ms */
        ck_assert_snn_ok(snn_neuron_model_set(ref, "C_m", 10.0));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "V_th", th));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "V_reset", 0.0));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "E_L", 0.0));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "t_ref", 0.0));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "reset", subtract));
      } else if (node == SNN__HET_I) {
        ck_assert_snn_ok(snn__nir_integ_create(&ref));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "r_ms", 0.1));
      } else if (node == SNN__HET_THRESHOLD) {
        ck_assert_snn_ok(snn__nir_thresh_create(&ref));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "theta", th));
      } else {
        int cuba = node == SNN__HET_CUBALI || node == SNN__HET_CUBALIF;
        ref = mk_cuba(tm, ts, is_spiking, euler, subtract);
        ck_assert_snn_ok(snn_neuron_model_set(ref, "r", r));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "w_in", cuba ? w : 1.0));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "v_leak", vl));
        ck_assert_snn_ok(snn_neuron_model_set(ref, "v_th", th));
      }
      char what[64];
      snprintf(what, sizeof what, "nir_hetero node %d variant %d", node, var);
      same_grads(hm, ref, spiking, 0.5, 0, is_spiking, what);
      snn_neuron_model_free(hm);
      snn_neuron_model_free(ref);
    }
}
END_TEST

/* ---- training ------------------------------------------------------------------ */
/* 4 -> 16 -> 2 LIF; delayed: input delays of 0-2 steps on the output layer
 * (the delayed path's workspaces: shifted input and its gradient) */
static snn_network *toy_net_ex(uint64_t seed, int delayed) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 4));
  snn_neuron_model *m = mk_lif(0.9, 1.0, 1);
  snn_layer *ly = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&ly, 4, 16, m));
  ck_assert_snn_ok(snn_network_add_layer(net, ly));
  ck_assert_snn_ok(snn_layer_create_dense(&ly, 16, 2, m));
  if (delayed) {
    int32_t d[16];
    for (int i = 0; i < 16; i++) d[i] = i % 3;
    ck_assert_snn_ok(snn_layer_set_input_delays(ly, d, 16));
  }
  ck_assert_snn_ok(snn_network_add_layer(net, ly));
  snn_neuron_model_free(m);
  ck_assert_snn_ok(snn_network_set(net, "steps", 8));
  ck_assert_snn_ok(snn_network_init_weights(net, seed));
  return net;
}
static snn_network *toy_net(uint64_t seed) { return toy_net_ex(seed, 0); }

/* two Gaussian blobs, linearly separable */
static snn_dataset *toy_data(size_t n, uint64_t seed) {
  reseed(seed);
  float *x = malloc(n * 4 * sizeof(float));
  int32_t *y = malloc(n * sizeof(int32_t));
  for (size_t s = 0; s < n; s++) {
    y[s] = (int32_t)(s % 2);
    for (int j = 0; j < 4; j++) {
      double c = (y[s] == 0) == (j < 2) ? 0.9 : 0.1;
      x[s * 4 + j] = (float)(c + 0.2 * (urand() - 0.5));
    }
  }
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, n, 4));
  free(x);
  free(y);
  return d;
}

static int count_cb(const snn_progress *p, void *user) {
  ck_assert_uint_ge(p->struct_size, sizeof(snn_progress));
  ck_assert_uint_eq(p->n_epochs, 1);
  ck_assert_uint_lt(p->batch, p->n_batches);
  ck_assert(p->accuracy >= 0 && p->accuracy <= 1);
  (*(int *)user)++;
  return 0;
}

START_TEST(test_toy_learns) {
  snn_dataset *d = toy_data(64, 3);
  for (int opt = SNN_OPTIMIZER_ADAM; opt <= SNN_OPTIMIZER_SGD; opt++) {
    snn_network *net = toy_net(1);
    snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
    o.batch_size = 16;
    o.loss = SNN_LOSS_CE_MEM_SUM;
    o.learning_rate = opt == SNN_OPTIMIZER_ADAM ? 1e-2 : 5e-2;
    o.optimizer = opt;
    o.schedule = SNN_SCHEDULE_COSINE;
    o.total_epochs = 20;
    o.grad_clip = 5.0;
    snn_learner *L = NULL;
    ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
    ck_assert_str_eq(snn_learner_kind(L), "bptt");
    ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
    double acc0, acc1, first = 0, last = 0;
    ck_assert_snn_ok(snn_network_evaluate(&acc0, net, d));
    int calls = 0;
    for (int ep = 0; ep < 20; ep++) {
      double ml;
      ck_assert_snn_ok(snn_learner_train_epoch(L, &ml, d, count_cb, &calls));
      if (ep == 0) first = ml;
      last = ml;
    }
    ck_assert_int_eq(calls, 20 * 4);
    ck_assert_snn_ok(snn_network_evaluate(&acc1, net, d));
    ck_assert_msg(acc1 >= 0.95, "toy accuracy %g (before %g), loss %g -> %g", acc1, acc0, first, last);
    ck_assert(last < first);
    snn_learner_free(L);
    snn_network_free(net);
  }
  snn_dataset_free(d);
}
END_TEST

static int cancel_cb(const snn_progress *p, void *user) {
  (void)user;
  return p->batch == 1;
}

START_TEST(test_cancel_and_batch) {
  snn_dataset *d = toy_data(64, 4);
  snn_network *net = toy_net(2);
  snn_bptt_options o;
  ck_assert_snn_ok(snn_bptt_options_init(&o, sizeof o));
  o.batch_size = 16;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  ck_assert_snn_err(snn_learner_train_epoch(L, NULL, d, cancel_cb, NULL), SNN_E_CANCELED);
  float x[8] = {1, 1, 0, 0, 0, 0, 1, 1};
  int32_t y[2] = {0, 1};
  double loss = -1;
  /* a batch larger than batch_size grows the workspace */
  float xb[40 * 4];
  int32_t yb[40];
  for (int i = 0; i < 40; i++) {
    memcpy(xb + 4 * i, x + 4 * (i % 2), 4 * sizeof(float));
    yb[i] = i % 2;
  }
  ck_assert_snn_ok(snn_learner_train_batch(L, &loss, xb, yb, 40, 4));
  ck_assert(loss > 0 && isfinite(loss));
  ck_assert_snn_ok(snn_learner_train_batch(L, &loss, x, y, 2, 4));
  ck_assert_snn_ok(snn_learner_set_learning_rate(L, 0.5));
  ck_assert_snn_ok(snn_learner_set_epoch(L, 3));
  /* settings and encoder may change between steps: the workspace follows */
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "rate"));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e);
  ck_assert_snn_ok(snn_network_set(net, "steps", 12));
  ck_assert_snn_ok(snn_learner_train_batch(L, &loss, xb, yb, 40, 4));
  ck_assert(isfinite(loss));
  /* a changed parameter layout is refused */
  ck_assert_snn_ok(snn_layer_set_bias(snn_network_layer(net, 1), 0));
  ck_assert_snn_err(snn_learner_train_batch(L, &loss, x, y, 2, 4), SNN_E_STATE);
  ck_assert_snn_ok(snn_layer_set_bias(snn_network_layer(net, 1), 1));
  ck_assert_snn_ok(snn_learner_train_batch(L, &loss, x, y, 2, 4));
  snn_learner_free(L);
  snn_network_free(net);
  snn_dataset_free(d);
}
END_TEST

/* Layer changes that keep the total parameter count: the learner noticed only
 * a changed count, so (a) a recurrent layer switched off and a recurrent layer
 * added wrote past its optimiser segment table (heap overflow under ASan), and
 * (b) bias off + recurrence on trained with stale spike lists. Both must give
 * SNN_E_STATE; undoing the change makes the learner usable again. */
START_TEST(test_layout_change_same_count) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized"));
  float x[2] = {0.5f, 0.7f};
  int32_t y[1] = {0};
  double loss;
  /* (a) */
  snn_network *net = NULL;
  snn_layer *l0 = NULL, *l1 = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 1));
  ck_assert_snn_ok(snn_layer_create_dense(&l0, 1, 2, m));
  ck_assert_snn_ok(snn_layer_set_recurrent(l0, 1)); /* 2 + 2 + 4 = 8 */
  ck_assert_snn_ok(snn_network_add_layer(net, l0));
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, NULL));
  ck_assert_uint_eq(snn_learner_n_params(L), 8);
  ck_assert_snn_ok(snn_layer_set_recurrent(snn_network_layer(net, 0), 0)); /* 4 */
  ck_assert_snn_ok(snn_layer_create_dense(&l1, 2, 1, m));
  ck_assert_snn_ok(snn_layer_set_recurrent(l1, 1)); /* 2 + 1 + 1 = 4 */
  ck_assert_snn_ok(snn_network_add_layer(net, l1));
  ck_assert_snn_err(snn_learner_train_batch(L, &loss, x, y, 1, 1), SNN_E_STATE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "layers changed"));
  snn_learner_free(L);
  snn_network_free(net);
  /* (b) */
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 2));
  ck_assert_snn_ok(snn_layer_create_dense(&l0, 2, 1, m)); /* 2 + 1 */
  ck_assert_snn_ok(snn_network_add_layer(net, l0));
  ck_assert_snn_ok(snn_layer_create_dense(&l1, 1, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l1));
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, NULL));
  snn_layer *h = snn_network_layer(net, 0);
  ck_assert_snn_ok(snn_layer_set_bias(h, 0));
  ck_assert_snn_ok(snn_layer_set_recurrent(h, 1)); /* 2 + 1: the same count */
  ck_assert_snn_err(snn_learner_train_batch(L, &loss, x, y, 1, 2), SNN_E_STATE);
  float g[16];
  ck_assert_snn_err(snn_learner_gradient(L, g, snn_learner_n_params(L), &loss, x, y, 1, 2),
                    SNN_E_STATE);
  ck_assert_snn_ok(snn_layer_set_recurrent(h, 0));
  ck_assert_snn_ok(snn_layer_set_bias(h, 1));
  ck_assert_snn_ok(snn_learner_train_batch(L, &loss, x, y, 1, 2));
  snn_learner_free(L);
  snn_network_free(net);
  snn_neuron_model_free(m);
}
END_TEST

/* a huge learning rate makes the weights explode: SNN_E_NUMERIC, last good weights kept */
START_TEST(test_numeric) {
  snn_network *net = toy_net(3);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.optimizer = SNN_OPTIMIZER_SGD;
  o.learning_rate = 1e3;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  float x[8] = {3.3e38f, 3.3e38f, 3.3e38f, 3.3e38f, 3.3e38f, 3.3e38f, 3.3e38f, 3.3e38f};
  int32_t y[2] = {0, 1};
  int rc = SNN_OK;
  size_t nw = snn_layer_param_size(snn_network_layer(net, 0), SNN_PARAM_WEIGHTS);
  float *before = malloc(nw * sizeof(float)), *after = malloc(nw * sizeof(float));
  for (int i = 0; i < 20 && rc == SNN_OK; i++) {
    ck_assert_snn_ok(snn_layer_param_get(before, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, nw));
    rc = snn_learner_train_batch(L, NULL, x, y, 2, 4);
  }
  ck_assert_int_eq(rc, SNN_E_NUMERIC);
  ck_assert(snn_last_error()[0] != '\0');
  ck_assert_snn_ok(snn_layer_param_get(after, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, nw));
  ck_assert(memcmp(before, after, nw * sizeof(float)) == 0);
  free(before);
  free(after);
  snn_learner_free(L);
  snn_network_free(net);
}
END_TEST

/* An update that itself overflows (finite gradient, lr and weight decay far
 * too large) is reported at that step: no step returns SNN_OK with a NaN/Inf
 * weight (AdamW, lr 1e3, weight decay 1 used to reach +-inf with SNN_OK). */
START_TEST(test_update_overflow) {
  for (int opt = 0; opt < 2; opt++) {
    snn_network *net = toy_net(3);
    snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
    o.optimizer = opt ? SNN_OPTIMIZER_SGD : SNN_OPTIMIZER_ADAM;
    o.learning_rate = 1e3;
    o.weight_decay = 1;
    o.loss = SNN_LOSS_CE_MEM_SUM;
    snn_learner *L = NULL;
    ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
    float x[8] = {0.9f, 0.8f, 0.1f, 0.2f, 0.1f, 0.2f, 0.9f, 0.7f};
    int32_t y[2] = {0, 1};
    size_t np = snn_learner_n_params(L);
    float *w = malloc(np * sizeof *w);
    int rc = SNN_OK, steps = 0;
    while (rc == SNN_OK && steps < 200) {
      rc = snn_learner_train_batch(L, NULL, x, y, 2, 4);
      steps++;
      if (rc != SNN_OK) break;
      for (size_t li = 0; li < snn_network_n_layers(net); li++) {
        snn_layer *ly = snn_network_layer(net, li);
        size_t n = snn_layer_param_size(ly, SNN_PARAM_WEIGHTS);
        ck_assert_snn_ok(snn_layer_param_get(w, ly, SNN_PARAM_WEIGHTS, n));
        for (size_t i = 0; i < n; i++)
          ck_assert_msg(isfinite(w[i]), "opt %d step %d: SNN_OK with weight %g", opt, steps,
                        (double)w[i]);
      }
    }
    ck_assert_int_eq(rc, SNN_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(snn_last_error(), "NaN/Inf"));
    free(w);
    snn_learner_free(L);
    snn_network_free(net);
  }
}
END_TEST

/* The progress callback may change steps and delays between batches
 * (documented); the workspace follows. It used to be sized once per epoch:
 * a heap overflow in the loss for more steps, a NULL store for new delays. */
static int change_net_cb(const snn_progress *p, void *user) {
  snn_network *net = user;
  if (p->batch == 0) ck_assert_snn_ok(snn_network_set(net, "steps", 40));
  if (p->batch == 1) {
    int32_t d[16];
    for (int i = 0; i < 16; i++) d[i] = (i % 4) + 1;
    ck_assert_snn_ok(snn_network_set_input_delays(net, 1, d, 16));
  }
  return 0;
}

START_TEST(test_callback_changes_network) {
  snn_network *net = toy_net(5);
  snn_dataset *d = toy_data(64, 2);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.batch_size = 16;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  double loss = NAN;
  ck_assert_snn_ok(snn_learner_train_epoch(L, &loss, d, change_net_cb, net));
  ck_assert(isfinite(loss));
  /* the learner now trains the changed network: its gradient equals a fresh one's */
  float x[4] = {0.9f, 0.8f, 0.1f, 0.2f};
  int32_t y = 0;
  size_t np = snn_learner_n_params(L);
  float *g1 = malloc(np * sizeof *g1), *g2 = malloc(np * sizeof *g2);
  double l1, l2;
  ck_assert_snn_ok(snn_learner_gradient(L, g1, np, &l1, x, &y, 1, 4));
  snn_learner *F = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&F, net, &o));
  ck_assert_snn_ok(snn_learner_gradient(F, g2, np, &l2, x, &y, 1, 4));
  ck_assert(l1 == l2);
  ck_assert(memcmp(g1, g2, np * sizeof *g1) == 0);
  /* evaluate refuses labels no output can give, as training does */
  int32_t yy[3] = {0, 1, 4};
  float xx[12] = {0};
  snn_dataset *d5 = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d5, xx, yy, 3, 4));
  double acc = -1;
  ck_assert_snn_err(snn_network_evaluate(&acc, net, d5), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "5 classes, the network only 2 outputs"));
  snn_dataset_free(d5);
  free(g1);
  free(g2);
  snn_learner_free(F);
  snn_learner_free(L);
  snn_dataset_free(d);
  snn_network_free(net);
}
END_TEST

static void train_weights(float *w, size_t nw, int threads, const char *enc) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  snn_dataset *d = toy_data(48, 5);
  snn_network *net = toy_net(4);
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, enc));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.batch_size = 16;
  o.seed = 11;
  o.learning_rate = 1e-2;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  for (int ep = 0; ep < 3; ep++) ck_assert_snn_ok(snn_learner_train_epoch(L, NULL, d, NULL, NULL));
  ck_assert_snn_ok(snn_layer_param_get(w, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, nw));
  snn_learner_free(L);
  snn_network_free(net);
  snn_dataset_free(d);
}

START_TEST(test_determinism) {
  float a[64], b[64], c[64];
  const char *encs[] = {"direct", "rate"};
  for (int e = 0; e < 2; e++) {
    train_weights(a, 64, 1, encs[e]);
    train_weights(b, 64, 1, encs[e]);
    train_weights(c, 64, 2, encs[e]);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    ck_assert_msg(memcmp(a, c, sizeof a) == 0, "1 vs 2 threads differ (%s)", encs[e]);
  }
#ifdef _OPENMP
  omp_set_num_threads(omp_get_num_procs());
#endif
}
END_TEST

/* The engine's change lists (inputs that turned on/off between steps) were
 * abandoned when one thread's share of the batch overflowed a capacity shared
 * by its images, so with 8 threads this batch took the plain sums and rounded
 * differently from 1, 2 or 4 threads. Layer 1 is an identity layer of
 * near-perfect integrators: samples 0-7 toggle every input at every step,
 * samples 8-63 hold 26 inputs on. Scores and one training step must be
 * bitwise the same for any thread count. */
static void delta_run(int threads, float *scores, float *w2, double *loss) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  enum { K = 128, B = 64, T = 16 };
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  ck_assert_snn_ok(snn_neuron_model_set(m, "C_m", 1.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "g_L", 1e-6));
  ck_assert_snn_ok(snn_neuron_model_set(m, "E_L", 0.5));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_reset", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_th", 1.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set_str(m, "reset", "subtract"));
  snn_network *net = NULL;
  snn_encoder *enc = NULL;
  snn_layer *l1 = NULL, *l2 = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, K));
  ck_assert_snn_ok(snn_encoder_create(&enc, "direct"));
  ck_assert_snn_ok(snn_network_set_encoder(net, enc));
  snn_encoder_free(enc);
  ck_assert_snn_ok(snn_network_set(net, "steps", T));
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
  ck_assert_snn_ok(snn_layer_create_dense(&l1, K, K, m));
  ck_assert_snn_ok(snn_layer_create_dense(&l2, K, K, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l1));
  ck_assert_snn_ok(snn_network_add_layer(net, l2));
  snn_neuron_model_free(m);
  ck_assert_snn_ok(snn_network_init_weights(net, 1));
  float *w1 = calloc(K * K, sizeof *w1), *b1 = calloc(K, sizeof *b1);
  float *x = malloc(B * K * sizeof *x);
  for (int i = 0; i < K; i++) w1[i * K + i] = 1.0f;
  ck_assert_snn_ok(snn_layer_param_set(l1, SNN_PARAM_WEIGHTS, w1, K * K));
  ck_assert_snn_ok(snn_layer_param_set(l1, SNN_PARAM_BIAS, b1, K));
  for (int b = 0; b < B; b++)
    for (int i = 0; i < K; i++)
      x[b * K + i] = b < 7 ? 0.51f : b == 7 ? 0.533f : i < 26 ? 2.0f : 0.0f;
  unsigned long uses = snn__engine_delta_uses;
  ck_assert_snn_ok(snn_network_predict(net, NULL, scores, x, B, K));
  ck_assert_uint_gt(snn__engine_delta_uses, uses); /* the change lists were used */
  int32_t y[B];
  for (int b = 0; b < B; b++) y[b] = b % 10;
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.batch_size = B;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  ck_assert_snn_ok(snn_learner_train_batch(L, loss, x, y, B, K));
  ck_assert_snn_ok(snn_layer_param_get(w2, l2, SNN_PARAM_WEIGHTS, K * K));
  snn_learner_free(L);
  snn_network_free(net);
  free(w1);
  free(b1);
  free(x);
}

START_TEST(test_determinism_change_lists) {
  enum { K = 128, B = 64 };
  float *s1 = malloc(B * K * sizeof(float)), *s8 = malloc(B * K * sizeof(float));
  float *w1 = malloc(K * K * sizeof(float)), *w8 = malloc(K * K * sizeof(float));
  double l1 = 0, l8 = 0;
  delta_run(1, s1, w1, &l1);
  delta_run(8, s8, w8, &l8);
  ck_assert_msg(memcmp(s1, s8, B * K * sizeof(float)) == 0, "scores: 1 vs 8 threads differ");
  ck_assert_msg(l1 == l8, "loss: 1 vs 8 threads differ (%a, %a)", l1, l8);
  ck_assert_msg(memcmp(w1, w8, K * K * sizeof(float)) == 0, "weights: 1 vs 8 threads differ");
  free(s1);
  free(s8);
  free(w1);
  free(w8);
#ifdef _OPENMP
  omp_set_num_threads(omp_get_num_procs());
#endif
}
END_TEST

/* A conv layer's weight gradient is a product with few rows and columns
 * (out_c x in_c k k) and a long sum (every image position); OpenBLAS threaded
 * it itself, and its last bits depended on the thread count. */
static void conv_grad_run(int threads, float *g, size_t np) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  enum { C = 3, H = 20, OC = 8, NB = 33 };
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized"));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_th", 1e4)); /* membrane only */
  snn_network *net = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, C, H, H));
  ck_assert_snn_ok(snn_layer_create_conv2d(&l, C, H, H, OC, 5, 5, 1, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  ck_assert_snn_ok(snn_network_init_weights(net, 1));
  ck_assert_snn_ok(snn_network_set(net, "steps", 8));
  size_t nin = (size_t)C * H * H;
  float *x = malloc(NB * nin * sizeof *x);
  int32_t y[NB];
  uint64_t st = 12345;
  for (size_t i = 0; i < NB * nin; i++) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (float)(st >> 40) / 16777216.0f;
  }
  for (int i = 0; i < NB; i++) y[i] = i % 10;
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  ck_assert_uint_eq(snn_learner_n_params(L), np);
  double loss = 0;
  ck_assert_snn_ok(snn_learner_gradient(L, g, np, &loss, x, y, NB, nin));
  snn_learner_free(L);
  snn_network_free(net);
  free(x);
}

START_TEST(test_determinism_conv_grad) {
  const size_t np = 8 * 3 * 5 * 5 + 8; /* weights and bias */
  float *g1 = malloc(np * sizeof *g1), *g2 = malloc(np * sizeof *g2), *g3 = malloc(np * sizeof *g3);
  conv_grad_run(1, g1, np);
  conv_grad_run(2, g2, np);
  conv_grad_run(3, g3, np);
  ck_assert_msg(memcmp(g1, g2, np * sizeof *g1) == 0, "conv gradient: 1 vs 2 threads differ");
  ck_assert_msg(memcmp(g1, g3, np * sizeof *g1) == 0, "conv gradient: 1 vs 3 threads differ");
  free(g1);
  free(g2);
  free(g3);
#ifdef _OPENMP
  omp_set_num_threads(omp_get_num_procs());
#endif
}
END_TEST

/* ---- arguments ------------------------------------------------------------------- */
START_TEST(test_bad_args) {
  snn_network *net = toy_net(1);
  snn_learner *L = (snn_learner *)1;
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  ck_assert_snn_err(snn_learner_create_bptt(NULL, net, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_create_bptt(&L, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(L);
  o.struct_size = 4;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_VERSION);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.learning_rate = -1;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  o.learning_rate = NAN;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_INVALID);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.loss = 99;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.optimizer = 7;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.surrogate = 9;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.momentum = 1.5;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.schedule = 12;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  o = (snn_bptt_options)SNN_BPTT_OPTIONS_INIT;
  o.grad_clip = -1;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &o), SNN_E_RANGE);
  /* larger struct with a non-zero unknown tail */
  struct {
    snn_bptt_options o;
    double extra;
  } big;
  memset(&big, 0, sizeof big);
  big.o.struct_size = sizeof big;
  big.extra = 1.0;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, &big.o), SNN_E_VERSION);
  big.extra = 0.0;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &big.o));
  snn_learner_free(L);
  ck_assert_snn_err(snn_bptt_options_init(NULL, sizeof o), SNN_E_INVALID);
  ck_assert_snn_err(snn_bptt_options_init(&o, 2), SNN_E_VERSION);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 3));
  ck_assert_snn_err(snn_learner_create_bptt(&L, empty, NULL), SNN_E_STATE);
  snn_network_free(empty);

  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, NULL));
  float x[8] = {0};
  int32_t y[2] = {0, 1}, ybad[2] = {0, 2};
  float g[200];
  size_t np = snn_learner_n_params(L);
  ck_assert_uint_eq(np, 4 * 16 + 16 + 16 * 2 + 2);
  ck_assert_snn_err(snn_learner_train_batch(NULL, NULL, x, y, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_batch(L, NULL, NULL, y, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_batch(L, NULL, x, NULL, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_batch(L, NULL, x, y, 0, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_batch(L, NULL, x, y, 2, 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_batch(L, NULL, x, ybad, 2, 4), SNN_E_INVALID);
  x[3] = NAN;
  ck_assert_snn_err(snn_learner_train_batch(L, NULL, x, y, 2, 4), SNN_E_INVALID);
  x[3] = 0;
  ck_assert_snn_err(snn_learner_gradient(L, g, np + 1, NULL, x, y, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_gradient(NULL, g, np, NULL, x, y, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_gradient(L, NULL, np, NULL, x, y, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_gradient(L, g, np, NULL, NULL, y, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_gradient(L, g, np, NULL, x, NULL, 2, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_epoch(NULL, NULL, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_epoch(L, NULL, NULL, NULL, NULL), SNN_E_INVALID);
  snn_dataset *d3 = NULL;
  float x3[3] = {1, 2, 3};
  int32_t y3[1] = {0};
  ck_assert_snn_ok(snn_dataset_create(&d3, x3, y3, 1, 3));
  ck_assert_snn_err(snn_learner_train_epoch(L, NULL, d3, NULL, NULL), SNN_E_INVALID);
  snn_dataset_free(d3);
  ck_assert_snn_err(snn_learner_set_learning_rate(NULL, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_set_learning_rate(L, NAN), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_set_learning_rate(L, -1), SNN_E_RANGE);
  ck_assert_snn_err(snn_learner_set_learning_rate(L, 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_learner_set_epoch(NULL, 1), SNN_E_INVALID);
  ck_assert_ptr_null(snn_learner_kind(NULL));
  ck_assert_uint_eq(snn_learner_n_params(NULL), 0);
  snn_learner_free(NULL);
  snn_learner_free(L);
  snn_network_free(net);
}
END_TEST

/* a model without step_grad cannot be trained */
static int ng_init(void *u, const double *p, float *s, size_t n) {
  (void)u;
  (void)p;
  for (size_t i = 0; i < n; i++) s[i] = 0;
  return SNN_OK;
}
static int ng_step(void *u, const double *p, float *s, const float *in, uint8_t *sp, size_t n,
                   double dt) {
  (void)u;
  (void)p;
  (void)dt;
  for (size_t i = 0; i < n; i++) {
    s[i] += in ? in[i] : 0;
    sp[i] = s[i] > 1;
    if (sp[i]) s[i] = 0;
  }
  return SNN_OK;
}

START_TEST(test_unsupported_model) {
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = "nograd_test";
  ops.n_state = 1;
  ops.init = ng_init;
  ops.step = ng_step;
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &ops, NULL));
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 3));
  snn_layer *ly = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&ly, 3, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(net, ly));
  snn_learner *L = NULL;
  ck_assert_snn_err(snn_learner_create_bptt(&L, net, NULL), SNN_E_UNSUPPORTED);
  ck_assert_ptr_null(L);
  /* but it runs forward through the generic path */
  float x[3] = {1, 2, 3};
  int32_t lab;
  ck_assert_snn_ok(snn_network_predict(net, &lab, NULL, x, 1, 3));
  snn_network_free(net);
  snn_neuron_model_free(m);
}
END_TEST

/* the generic path (refractory lif -> snn__neuron_step_grad) trains and matches itself */
START_TEST(test_generic_path) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 4));
  const char *kinds[] = {"lif", "izhikevich"};
  for (int k = 0; k < 2; k++) {
    snn_neuron_model *m = NULL;
    ck_assert_snn_ok(snn_neuron_model_create(&m, kinds[k]));
    snn_layer *ly = NULL;
    ck_assert_snn_ok(snn_layer_create_dense(&ly, k ? 6 : 4, 6, m));
    ck_assert_snn_ok(snn_network_add_layer(net, ly));
    snn_neuron_model_free(m);
  }
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "direct"));
  ck_assert_snn_ok(snn_encoder_set(e, "gain", 400.0));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e);
  ck_assert_snn_ok(snn_network_set(net, "steps", 20));
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  o.surrogate_slope = 0.5;
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, &o));
  float x[8] = {1, 0.5f, 0, 1, 0, 1, 1, 0.2f};
  int32_t y[2] = {1, 4};
  size_t np = snn_learner_n_params(L);
  float *g = malloc(np * sizeof(float));
  double loss;
  ck_assert_snn_ok(snn_learner_gradient(L, g, np, &loss, x, y, 2, 4));
  ck_assert(isfinite(loss));
  double nrm = 0;
  for (size_t i = 0; i < np; i++) {
    ck_assert(isfinite(g[i]));
    nrm += g[i] * g[i];
  }
  ck_assert(nrm > 0);
  ck_assert_snn_ok(snn_learner_train_batch(L, &loss, x, y, 2, 4));
  free(g);
  snn_learner_free(L);
  snn_network_free(net);
}
END_TEST

START_TEST(test_oom_learner) {
  snn_network *net = toy_net_ex(1, _i);
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.batch_size = 8;
  long n;
  for (n = 1; n < 500; n++) {
    long live0 = 0;
    snn_test_oom_install(n);
    live0 = snn_test_oom_live();
    snn_learner *L = NULL;
    int rc = snn_learner_create_bptt(&L, net, &o);
    if (rc == SNN_OK) {
      float x[8] = {1, 1, 0, 0, 0, 0, 1, 1};
      int32_t y[2] = {0, 1};
      rc = snn_learner_train_batch(L, NULL, x, y, 2, 4);
      snn_learner_free(L);
      ck_assert_int_eq(snn_test_oom_live(), live0);
      snn_test_oom_uninstall();
      if (rc == SNN_OK) break;
      ck_assert_int_eq(rc, SNN_E_NOMEM);
      continue;
    }
    ck_assert_int_eq(rc, SNN_E_NOMEM);
    ck_assert_ptr_null(L);
    ck_assert_int_eq(snn_test_oom_live(), live0);
    snn_test_oom_uninstall();
  }
  ck_assert_int_lt(n, 500);
  snn_network_free(net);
}
END_TEST

Suite *suite_bptt(void) {
  Suite *s = suite_create("bptt");
  TCase *tc = tcase_create("gradients");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_grad_vs_naive);
  tcase_add_test(tc, test_grad_change_lists);
  tcase_add_test(tc, test_grad_recurrent_vs_naive);
  tcase_add_test(tc, test_grad_delays_vs_naive);
  tcase_add_test(tc, test_grad_finite_diff_pad_delay);
  tcase_add_test(tc, test_padded_pool_equals_dense);
  tcase_add_test(tc, test_nir_kinds_finite_diff);
  tcase_add_test(tc, test_nir_kinds_equal_lif);
  tcase_add_test(tc, test_nir_hetero_grad);
  tcase_add_test(tc, test_grad_finite_diff);
  tcase_add_test(tc, test_grad_finite_diff_conv);
  tcase_add_test(tc, test_conv_equals_unrolled_dense);
  suite_add_tcase(s, tc);
  tc = tcase_create("training");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_toy_learns);
  tcase_add_test(tc, test_cancel_and_batch);
  tcase_add_test(tc, test_numeric);
  tcase_add_test(tc, test_update_overflow);
  tcase_add_test(tc, test_callback_changes_network);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_layout_change_same_count);
  tcase_add_test(tc, test_determinism_change_lists);
  tcase_add_test(tc, test_determinism_conv_grad);
  tcase_add_test(tc, test_generic_path);
  suite_add_tcase(s, tc);
  tc = tcase_create("api");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_bad_args);
  tcase_add_test(tc, test_unsupported_model);
  tcase_add_loop_test(tc, test_oom_learner, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

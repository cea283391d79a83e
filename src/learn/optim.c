/* Optimisers (Adam with decoupled weight decay, SGD with momentum) and the
 * global gradient norm. Elementwise work is split by element ranges (each
 * owned by one thread); the norm is reduced over fixed blocks in order, so
 * results do not depend on the number of threads. */
#include <math.h>
#include <string.h>

#include "learn.h"

/* The elementwise loops get AVX-512 and AVX2 clones picked at load time; in C11
 * mode there is no FMA contraction, so all clones give identical results. (The
 * library is built with -fno-math-errno, so sqrtf vectorises.) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#  define SNN__OPT_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), noinline))
#else
#  define SNN__OPT_CLONES
#endif


/* elements per parallel task (a multiple of the vector width) */
#define SNN__OPT_CHUNK 16384

typedef struct adam_k {
  float b1, b2, step, rb2, eps, decay;
} adam_k;

/* Both return 1 when a new weight is not finite (the update overflowed: a
 * learning rate or weight decay too large for the data); x - x is 0 exactly
 * for finite x, NaN otherwise, and keeps the loop vectorised. */
SNN__OPT_CLONES
static int adam_range(float *restrict w, float *restrict m, float *restrict v,
                      const float *restrict g, size_t n, const adam_k *kp) {
  const adam_k k = *kp;
  float chk = 0.0f;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i];
    float mi = k.b1 * m[i] + (1.0f - k.b1) * gi;
    float vi = k.b2 * v[i] + (1.0f - k.b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float wi = w[i] * k.decay - k.step * mi / (sqrtf(vi) * k.rb2 + k.eps);
    w[i] = wi;
    chk += wi - wi;
  }
  return chk != 0.0f;
}

SNN__OPT_CLONES
static int sgd_range(float *restrict w, float *restrict m, const float *restrict g, size_t n,
                     float mu, float wd, float lr) {
  float chk = 0.0f;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * w[i];
    float mi = mu * m[i] + gi;
    m[i] = mi;
    float wi = w[i] - lr * mi;
    w[i] = wi;
    chk += wi - wi;
  }
  return chk != 0.0f;
}

int snn__optim_init(snn__optim *o, int kind, size_t n) {
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->n = n;
  o->m = snn__aligned_alloc(n ? n : 1, sizeof(float));
  if (kind == SNN_OPTIMIZER_ADAM) o->v = snn__aligned_alloc(n ? n : 1, sizeof(float));
  if (!o->m || (kind == SNN_OPTIMIZER_ADAM && !o->v)) {
    snn__optim_free(o);
    return SNN_E_NOMEM;
  }
  return SNN_OK;
}

void snn__optim_free(snn__optim *o) {
  snn__aligned_free(o->m);
  snn__aligned_free(o->v);
  o->m = o->v = NULL;
}

int snn__optim_step(snn__optim *o, const snn__seg *segs, size_t n_segs, const float *g, double lr) {
  size_t base = 0;
  int bad = 0;
  if (o->kind == SNN_OPTIMIZER_ADAM) {
    o->t++;
    const double bc1 = 1.0 - pow(o->b1, (double)o->t), bc2 = 1.0 - pow(o->b2, (double)o->t);
    const adam_k k = {(float)o->b1, (float)o->b2, (float)(lr / bc1), (float)(1.0 / sqrt(bc2)),
                      (float)o->eps, (float)(1.0 - lr * o->wd)};
    for (size_t s = 0; s < n_segs; s++) {
      float *w = segs[s].w, *m = o->m + base, *v = o->v + base;
      const float *gg = g + base;
      size_t n = segs[s].n, nc = (n + SNN__OPT_CHUNK - 1) / SNN__OPT_CHUNK;
#pragma omp parallel for schedule(static) if (nc >= 2) reduction(| : bad)
      for (ptrdiff_t c = 0; c < (ptrdiff_t)nc; c++) {
        size_t i0 = (size_t)c * SNN__OPT_CHUNK, len = n - i0 < SNN__OPT_CHUNK ? n - i0 : SNN__OPT_CHUNK;
        bad |= adam_range(w + i0, m + i0, v + i0, gg + i0, len, &k);
      }
      base += n;
    }
  } else {
    const float mu = (float)o->momentum, wd = (float)o->wd, lrf = (float)lr;
    for (size_t s = 0; s < n_segs; s++) {
      float *w = segs[s].w, *m = o->m + base;
      const float *gg = g + base;
      size_t n = segs[s].n, nc = (n + SNN__OPT_CHUNK - 1) / SNN__OPT_CHUNK;
#pragma omp parallel for schedule(static) if (nc >= 2) reduction(| : bad)
      for (ptrdiff_t c = 0; c < (ptrdiff_t)nc; c++) {
        size_t i0 = (size_t)c * SNN__OPT_CHUNK, len = n - i0 < SNN__OPT_CHUNK ? n - i0 : SNN__OPT_CHUNK;
        bad |= sgd_range(w + i0, m + i0, gg + i0, len, mu, wd, lrf);
      }
      base += n;
    }
  }
  return bad;
}

#define SNN__NORM_BLOCK 4096

/* sum of squares in double with 8 independent partial sums (so that the
 * loop vectorises instead of waiting on one add chain), combined in a fixed
 * order: the result depends on n and the data only */
SNN__OPT_CLONES
static double sumsq(const float *restrict g, size_t n) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t q = 0; q < 8; q++) a[q] += (double)g[i + q] * (double)g[i + q];
  for (size_t q = 0; i < n; i++, q++) a[q] += (double)g[i] * (double)g[i];
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

double snn__norm2(const float *g, size_t n) {
  size_t nb = (n + SNN__NORM_BLOCK - 1) / SNN__NORM_BLOCK;
  double tot = 0.0;
  /* per-block partial sums in double, then summed in block order */
  double part[256];
  for (size_t b0 = 0; b0 < nb; b0 += 256) {
    size_t cnt = nb - b0 < 256 ? nb - b0 : 256;
#pragma omp parallel for schedule(static) if (cnt >= 8)
    for (ptrdiff_t k = 0; k < (ptrdiff_t)cnt; k++) {
      size_t i0 = (b0 + (size_t)k) * SNN__NORM_BLOCK, i1 = i0 + SNN__NORM_BLOCK;
      if (i1 > n) i1 = n;
      part[k] = sumsq(g + i0, i1 - i0);
    }
    for (size_t k = 0; k < cnt; k++) tot += part[k];
  }
  return sqrt(tot);
}

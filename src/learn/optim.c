/* Optimisers (Adam with decoupled weight decay, SGD with momentum) and the
 * global gradient norm. Elementwise work is split by element ranges (each
 * owned by one thread); the norm is reduced over fixed blocks in order, so
 * results do not depend on the number of threads. */
#include <math.h>
#include <string.h>

#include "learn.h"

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

void snn__optim_step(snn__optim *o, const snn__seg *segs, size_t n_segs, const float *g, double lr) {
  size_t base = 0;
  if (o->kind == SNN_OPTIMIZER_ADAM) {
    o->t++;
    const float b1 = (float)o->b1, b2 = (float)o->b2, eps = (float)o->eps;
    const double bc1 = 1.0 - pow(o->b1, (double)o->t), bc2 = 1.0 - pow(o->b2, (double)o->t);
    const float step = (float)(lr / bc1), rb2 = (float)(1.0 / sqrt(bc2));
    const float decay = (float)(1.0 - lr * o->wd);
    for (size_t s = 0; s < n_segs; s++) {
      float *restrict w = segs[s].w;
      float *restrict m = o->m + base, *restrict v = o->v + base;
      const float *restrict gg = g + base;
#pragma omp parallel for simd schedule(static) if (segs[s].n >= 32768)
      for (ptrdiff_t i = 0; i < (ptrdiff_t)segs[s].n; i++) {
        float gi = gg[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] * decay - step * mi / (sqrtf(vi) * rb2 + eps);
      }
      base += segs[s].n;
    }
  } else {
    const float mu = (float)o->momentum, wd = (float)o->wd, lrf = (float)lr;
    for (size_t s = 0; s < n_segs; s++) {
      float *restrict w = segs[s].w;
      float *restrict m = o->m + base;
      const float *restrict gg = g + base;
#pragma omp parallel for simd schedule(static) if (segs[s].n >= 32768)
      for (ptrdiff_t i = 0; i < (ptrdiff_t)segs[s].n; i++) {
        float gi = gg[i] + wd * w[i];
        float mi = mu * m[i] + gi;
        m[i] = mi;
        w[i] -= lrf * mi;
      }
      base += segs[s].n;
    }
  }
}

#define SNN__NORM_BLOCK 4096

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
      double s = 0.0;
      for (size_t i = i0; i < i1; i++) s += (double)g[i] * (double)g[i];
      part[k] = s;
    }
    for (size_t k = 0; k < cnt; k++) tot += part[k];
  }
  return sqrt(tot);
}

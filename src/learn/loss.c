/* Losses on the output layer (see snn_loss in snn.h). All are means over the batch. */
#include <math.h>
#include <string.h>

#include "learn.h"

size_t snn__argmax(const float *x, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

/* softmax cross-entropy of z[C] against class y; writes p - onehot scaled by s into g */
static double ce(const double *z, size_t C, int32_t y, double s, double *g) {
  double mx = z[0];
  for (size_t c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
  double sum = 0.0;
  for (size_t c = 0; c < C; c++) sum += exp(z[c] - mx);
  double lse = mx + log(sum);
  for (size_t c = 0; c < C; c++) g[c] = s * (exp(z[c] - lse) - (c == (size_t)y ? 1.0 : 0.0));
  return lse - z[y];
}

int snn__loss(int kind, double target_rate, size_t T, size_t b, size_t C, const float *S,
              const float *V, const int32_t *labels, float *dS, float *dV, double *loss,
              size_t *correct) {
  for (size_t s = 0; s < b; s++)
    if (labels[s] < 0 || (size_t)labels[s] >= C)
      return snn__error(SNN_E_INVALID, "label %d of sample %zu is outside [0, %zu)",
                        (int)labels[s], s, C);
  size_t tot = T * b * C;
  memset(dS, 0, tot * sizeof(float));
  memset(dV, 0, tot * sizeof(float));
  double z[64], g[64], L = 0.0, inv_b = 1.0 / (double)b;
  double *zb = z, *gb = g;
  double heap_z[2];
  (void)heap_z;
  if (C > 64) {
    zb = snn__malloc(2 * C * sizeof(double));
    if (!zb) return snn__error(SNN_E_NOMEM, "out of memory computing the loss");
    gb = zb + C;
  }
  float sc[64];
  float *scb = C > 64 ? (float *)gb : sc; /* scores for argmax (reuses storage) */
  size_t ok = 0;
  for (size_t s = 0; s < b; s++) {
    int32_t y = labels[s];
    size_t tmax[64];
    size_t *tm = C > 64 ? NULL : tmax;
    for (size_t c = 0; c < C; c++) {
      double acc = kind == SNN_LOSS_CE_MEM_MAX ? -INFINITY : 0.0;
      size_t am = 0;
      for (size_t t = 0; t < T; t++) {
        size_t i = (t * b + s) * C + c;
        if (kind == SNN_LOSS_CE_COUNT || kind == SNN_LOSS_MSE_COUNT) acc += S[i];
        else if (kind == SNN_LOSS_CE_MEM_MAX) {
          if (V[i] > acc) {
            acc = V[i];
            am = t;
          }
        } else acc += V[i];
      }
      zb[c] = acc;
      if (tm) tm[c] = am;
    }
    if (kind == SNN_LOSS_CE_COUNT) {
      L += ce(zb, C, y, inv_b, gb);
      for (size_t c = 0; c < C; c++)
        for (size_t t = 0; t < T; t++) dS[(t * b + s) * C + c] = (float)gb[c];
    } else if (kind == SNN_LOSS_CE_MEM_SUM) {
      L += ce(zb, C, y, inv_b, gb);
      for (size_t c = 0; c < C; c++)
        for (size_t t = 0; t < T; t++) dV[(t * b + s) * C + c] = (float)gb[c];
    } else if (kind == SNN_LOSS_CE_MEM_MAX) {
      L += ce(zb, C, y, inv_b, gb);
      for (size_t c = 0; c < C; c++) {
        size_t am = 0;
        if (tm) am = tm[c];
        else {
          float best = -INFINITY;
          for (size_t t = 0; t < T; t++)
            if (V[(t * b + s) * C + c] > best) {
              best = V[(t * b + s) * C + c];
              am = t;
            }
        }
        dV[(am * b + s) * C + c] = (float)gb[c];
      }
    } else if (kind == SNN_LOSS_MSE_COUNT) {
      /* mean over batch and classes of (count - target)^2 */
      double tgt = target_rate * (double)T;
      for (size_t c = 0; c < C; c++) {
        double d = zb[c] - (c == (size_t)y ? tgt : 0.0);
        L += d * d / (double)C;
        float gc = (float)(2.0 * d / (double)C * inv_b);
        for (size_t t = 0; t < T; t++) dS[(t * b + s) * C + c] = gc;
      }
    } else { /* SNN_LOSS_CE_MEM_STEPS: sum over steps of CE on the membrane */
      for (size_t t = 0; t < T; t++) {
        double zt[64], gt[64];
        double *zz = zt, *gg = gt;
        if (C > 64) {
          zz = gb; /* scratch: gb is free here */
          gg = zb; /* zb recomputed below */
        }
        for (size_t c = 0; c < C; c++) zz[c] = V[(t * b + s) * C + c];
        L += ce(zz, C, y, inv_b, gg);
        for (size_t c = 0; c < C; c++) dV[(t * b + s) * C + c] = (float)gg[c];
      }
      for (size_t c = 0; c < C; c++) {
        double acc = 0.0;
        for (size_t t = 0; t < T; t++) acc += V[(t * b + s) * C + c];
        zb[c] = acc;
      }
    }
    for (size_t c = 0; c < C; c++) scb[c] = (float)zb[c];
    ok += snn__argmax(scb, C) == (size_t)y;
  }
  if (C > 64) snn__free(zb);
  *loss = L * inv_b;
  *correct = ok;
  return SNN_OK;
}

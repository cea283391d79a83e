/* Internal helpers of the learning module (src/learn). Never installed. */
#ifndef SNN_LEARN_H
#define SNN_LEARN_H

#include "internal.h"

/* Loss of the output of a batch and its gradient.
 * S, V: output spikes and membrane [T][b][C]; labels: b classes.
 * dS, dV (out, [T][b][C]): dL/dS and dL/dV of the MEAN loss over the batch
 * (only the one the loss uses is written; the other is zeroed).
 * loss: mean loss; correct: samples whose score argmax equals the label.
 * Returns SNN_OK or SNN_E_INVALID (label out of range). */
int snn__loss(int kind, double target_rate, size_t T, size_t b, size_t C, const float *S,
              const float *V, const int32_t *labels, float *dS, float *dV, double *loss,
              size_t *correct);

/* index of the first maximum of x[0..n) */
size_t snn__argmax(const float *x, size_t n);

/* ---- optimiser ---- */
typedef struct snn__optim {
  int kind;          /* snn_optimizer */
  double b1, b2, eps, momentum, wd;
  uint64_t t;        /* Adam steps taken */
  size_t n;
  float *m;          /* Adam first moment / SGD momentum buffer */
  float *v;          /* Adam second moment */
} snn__optim;

int snn__optim_init(snn__optim *o, int kind, size_t n);
void snn__optim_free(snn__optim *o);
/* w[i] -= update(g[i]) with learning rate lr; w split into segments
 * (ptr, len) matching consecutive ranges of g. */
typedef struct snn__seg {
  float *w;
  size_t n;
} snn__seg;
/* Applies one step; returns 1 when a weight became NaN/Inf (the update overflowed). */
int snn__optim_step(snn__optim *o, const snn__seg *segs, size_t n_segs, const float *g, double lr);

/* global L2 norm of g (fixed-order reduction) */
double snn__norm2(const float *g, size_t n);

#endif

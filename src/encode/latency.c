/* "latency" encoder: one spike per input, earlier for larger values.
 * x is clamped to [0, 1].
 *   linear (map 0): t = t_max * (1 - x)                for x >= threshold
 *   log    (map 1): t = tau * ln(x / (x - threshold))  for x >  threshold
 *                   (the time an RC circuit driven by x takes to charge to
 *                   the threshold, as in snnTorch's latency coding)
 * Below the threshold (log: at or below) the input does not fire. The spike
 * falls in step floor(t / dt); times at or after n_steps * dt are dropped. */
#include "encoder_impl.h"

#include <math.h>

static double latency_time(const snn_encoder *e, double x) {
  double thr = e->p[SNN__LAT_THRESHOLD];
  if (x > 1.0) x = 1.0;
  if (x < 0.0) x = 0.0;
  if (e->p[SNN__LAT_MAP] == 0.0) {
    if (x < thr) return -1.0;
    return e->p[SNN__LAT_T_MAX] * (1.0 - x);
  }
  if (!(x > thr)) return -1.0;
  return e->p[SNN__LAT_TAU] * log(x / (x - thr));
}

void snn__enc_latency_times(const snn_encoder *e, float *times, const float *x, size_t n_in) {
  for (size_t i = 0; i < n_in; i++) times[i] = (float)latency_time(e, x[i]);
}

void snn__enc_latency(const snn_encoder *e, float *out, size_t stride, const float *x,
                      size_t n_in, size_t n_steps) {
  double dt = e->p[SNN__LAT_DT];
  snn__enc_zero(out, stride, n_in, n_steps);
  for (size_t i = 0; i < n_in; i++) {
    size_t s = snn__enc_step_of(latency_time(e, x[i]), dt, n_steps);
    if (s != SIZE_MAX) out[s * stride + i] = 1.0f;
  }
}

/* "delta" encoder: for a time series x[t][i], channel i spikes at step t when
 * |x[t][i] - ref[i]| > threshold, and then ref[i] = x[t][i]. ref starts at 0
 * (so a first value beyond the threshold spikes at step 0) and, for
 * snn_encoder_encode(), carries over between calls until the encoder is
 * re-seeded, a parameter changes or n_in changes. With off_spikes = 1 a
 * decrease emits -1 instead of +1. */
#include "encoder_impl.h"

void snn__enc_delta(const snn_encoder *e, float *out, size_t stride, const float *x,
                    size_t n_in, size_t n_steps, float *ref) {
  const float thr = (float)e->p[SNN__DELTA_THRESHOLD];
  const float neg = e->p[SNN__DELTA_OFF] != 0.0 ? -1.0f : 1.0f;
  for (size_t t = 0; t < n_steps; t++) {
    float *o = out + t * stride;
    const float *xt = x + t * n_in;
    for (size_t i = 0; i < n_in; i++) {
      float d = xt[i] - ref[i];
      float s = d > thr ? 1.0f : (-d > thr ? neg : 0.0f);
      ref[i] = s != 0.0f ? xt[i] : ref[i];
      o[i] = s;
    }
  }
}

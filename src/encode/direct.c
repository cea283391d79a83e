/* "direct" encoder: the input times "gain" as a current, the same every step. */
#include "encoder_impl.h"

#include <string.h>

void snn__enc_direct(const snn_encoder *e, float *out, size_t stride, const float *x,
                     size_t n_in, size_t n_steps) {
  const float g = (float)e->p[SNN__DIR_GAIN];
  for (size_t j = 0; j < n_in; j++) out[j] = g * x[j];
  for (size_t t = 1; t < n_steps; t++) memcpy(out + t * stride, out, n_in * sizeof(float));
}

/* "population" encoder: Gaussian receptive fields (Bohte, Kok & La Poutre
 * 2002, "Error-backpropagation in temporally encoded networks of spiking
 * neurons", Neurocomputing 48). Each input x in [I_min, I_max] drives m
 * fields i = 1..m with
 *   centre_i = I_min + (2i - 3)/2 * (I_max - I_min)/(m - 2)
 *   sigma    = (1/beta) * (I_max - I_min)/(m - 2)          (beta = 1.5)
 *   r_i      = exp(-(x - centre_i)^2 / (2 sigma^2))         in (0, 1]
 * and fires once at t_i = t_max * (1 - r_i) (response 1 at t = 0); fields with
 * r_i < threshold (late responses) do not fire. The paper uses t_max = 10 ms
 * and lets no field fire later than 9 ms, i.e. threshold 0.1: the defaults.
 * Output channel of field i (0-based k = i - 1) of input j is j*m + k. */
#include "encoder_impl.h"

#include <math.h>

static double pop_time(const snn_encoder *e, double x, size_t k) {
  double m = e->p[SNN__POP_M], lo = e->p[SNN__POP_I_MIN], hi = e->p[SNN__POP_I_MAX];
  double w = (hi - lo) / (m - 2.0);
  double centre = lo + (2.0 * (double)(k + 1) - 3.0) / 2.0 * w;
  double sigma = w / e->p[SNN__POP_BETA];
  double d = (x - centre) / sigma;
  double r = exp(-0.5 * d * d);
  if (r < e->p[SNN__POP_THRESHOLD]) return -1.0;
  return e->p[SNN__POP_T_MAX] * (1.0 - r);
}

void snn__enc_population_times(const snn_encoder *e, float *times, const float *x, size_t n_in) {
  size_t m = (size_t)e->p[SNN__POP_M];
  for (size_t j = 0; j < n_in; j++)
    for (size_t k = 0; k < m; k++) times[j * m + k] = (float)pop_time(e, x[j], k);
}

void snn__enc_population(const snn_encoder *e, float *out, size_t stride, const float *x,
                         size_t n_in, size_t n_steps) {
  size_t m = (size_t)e->p[SNN__POP_M];
  double dt = e->p[SNN__POP_DT];
  snn__enc_zero(out, stride, n_in * m, n_steps);
  for (size_t j = 0; j < n_in; j++)
    for (size_t k = 0; k < m; k++) {
      size_t s = snn__enc_step_of(pop_time(e, x[j], k), dt, n_steps);
      if (s != SIZE_MAX) out[s * stride + j * m + k] = 1.0f;
    }
}

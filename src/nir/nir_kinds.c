/* Neuron models "nir_integrator" and "nir_threshold": NIR's I (integrator)
 * and Threshold nodes, created through the public custom-model interface like
 * nir_cuba (src/neuron stays untouched). See docs/nir.md.
 *
 * nir_integrator:  dV/dt = r u  (NIR time unit s; parameter r_ms = r / 1000
 *                  per ms), no spikes: V <- V + r_ms u dt (exact for u constant
 *                  over the step; Euler is the same). State V, initially 0.
 * nir_threshold:   stateless: spike = u > theta. State V holds the last input
 *                  u (what a "membrane" readout shows). */
#include "nir_graph.h"

#include <string.h>

static const char *const integ_state_names[] = {"V"};
static const snn_param_def integ_params[SNN__INTEG_NPARAMS] = {
    {"r_ms", 1e-3, -1e12, 1e12, "1/ms", "gain per ms: NIR's r / 1000 (V += r_ms u dt)"},
};

static const snn_param_def thresh_params[SNN__THRESH_NPARAMS] = {
    {"theta", 1.0, -1e12, 1e12, "", "threshold: spike when the input current > theta"},
};

static int zero_init(void *user, const double *p, float *state, size_t n) {
  (void)user;
  (void)p;
  for (size_t i = 0; i < n; i++) state[i] = 0.0f;
  return SNN_OK;
}

static int integ_step(void *user, const double *p, float *state, const float *i_in,
                      uint8_t *spikes, size_t n, double dt) {
  (void)user;
  const double k = p[SNN__INTEG_R_MS] * dt;
  for (size_t i = 0; i < n; i++) {
    double u = i_in ? (double)i_in[i] : 0.0;
    state[i] = (float)((double)state[i] + k * u);
    spikes[i] = 0;
  }
  return SNN_OK;
}

static int thresh_step(void *user, const double *p, float *state, const float *i_in,
                       uint8_t *spikes, size_t n, double dt) {
  (void)user;
  (void)dt;
  const double th = p[SNN__THRESH_THETA];
  for (size_t i = 0; i < n; i++) {
    float u = i_in ? i_in[i] : 0.0f;
    state[i] = u;
    spikes[i] = (uint8_t)((double)u > th);
  }
  return SNN_OK;
}

/* BPTT: V' = V + r_ms dt u */
static int integ_step_grad(void *user, const double *p, const float *state_before,
                           const float *i_in, const float *grad_state, const float *grad_spike,
                           float *grad_state_before, float *grad_in, size_t n, double dt,
                           float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  (void)user, (void)state_before, (void)i_in, (void)grad_spike, (void)surrogate, (void)sg_user;
  const double k = p[SNN__INTEG_R_MS] * dt;
  for (size_t i = 0; i < n; i++) {
    float g = grad_state ? grad_state[i] : 0.0f;
    grad_state_before[i] = g;
    if (grad_in) grad_in[i] = (float)(k * g);
  }
  return SNN_OK;
}

/* BPTT: V' = u and spike = H(u - theta), whose gradient is the surrogate */
static int thresh_step_grad(void *user, const double *p, const float *state_before,
                            const float *i_in, const float *grad_state, const float *grad_spike,
                            float *grad_state_before, float *grad_in, size_t n, double dt,
                            float (*surrogate)(float x, const void *sg_user),
                            const void *sg_user) {
  (void)user, (void)state_before, (void)dt;
  const double th = p[SNN__THRESH_THETA];
  for (size_t i = 0; i < n; i++) {
    float g = grad_state ? grad_state[i] : 0.0f, gS = grad_spike ? grad_spike[i] : 0.0f;
    if (gS != 0.0f) {
      float u = i_in ? i_in[i] : 0.0f;
      g += gS * surrogate((float)((double)u - th), sg_user);
    }
    grad_state_before[i] = 0.0f; /* stateless: V' does not depend on V */
    if (grad_in) grad_in[i] = g;
  }
  return SNN_OK;
}

int snn__nir_integ_create(snn_neuron_model **out) {
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = SNN__NIR_INTEG_KIND;
  ops.n_state = 1;
  ops.state_names = integ_state_names;
  ops.n_params = SNN__INTEG_NPARAMS;
  ops.params = integ_params;
  ops.init = zero_init;
  ops.step = integ_step;
  ops.step_grad = integ_step_grad;
  return snn_neuron_model_create_custom(out, &ops, NULL);
}

int snn__nir_thresh_create(snn_neuron_model **out) {
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = SNN__NIR_THRESH_KIND;
  ops.n_state = 1;
  ops.state_names = integ_state_names;
  ops.n_params = SNN__THRESH_NPARAMS;
  ops.params = thresh_params;
  ops.init = zero_init;
  ops.step = thresh_step;
  ops.step_grad = thresh_step_grad;
  return snn_neuron_model_create_custom(out, &ops, NULL);
}

int snn__nir_kind_create(snn_neuron_model **out, const char *nk) {
  *out = NULL;
  if (strcmp(nk, SNN__NIR_CUBA_KIND) == 0) return snn__nir_cuba_create(out);
  if (strcmp(nk, SNN__NIR_INTEG_KIND) == 0) return snn__nir_integ_create(out);
  if (strcmp(nk, SNN__NIR_THRESH_KIND) == 0) return snn__nir_thresh_create(out);
  if (strcmp(nk, SNN__NIR_HETERO_KIND) == 0) return snn__nir_hetero_create(out);
  return SNN_E_NOTFOUND;
}

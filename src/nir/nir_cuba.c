/* Neuron model "nir_cuba": NIR's LI, CubaLI and CubaLIF (current-based leaky
 * integrate(-and-fire) with an optional synaptic current), created through the
 * public custom-model interface so that src/neuron stays untouched.
 *
 *   tau_syn dI/dt = -I + w_in u           (tau_syn = 0: I = w_in u, no state)
 *   tau_mem dV/dt = (v_leak - V) + r I
 *   spiking and V > v_th  ->  spike; V = v_reset (reset 0) or V -= v_th - v_reset (1)
 *
 * u is the layer's input current, held constant over a step of dt (ms).
 * euler = 0: exact solution of the linear system over the step;
 * euler = 1: forward Euler in snnTorch's order (I first, then V with the new I).
 * State: V, I. Initial state V = v_leak, I = 0. See docs/nir.md. */
#include <math.h>

#include "nir_graph.h"

static const char *const cuba_state_names[] = {"V", "I"};

static const snn_param_def cuba_params[SNN__CUBA_NPARAMS] = {
    {"tau_mem", 10.0, 1e-9, 1e12, "ms", "membrane time constant"},
    {"tau_syn", 5.0, 0.0, 1e12, "ms", "synaptic time constant (0: no synaptic current state)"},
    {"r", 1.0, -1e12, 1e12, "", "input resistance (V per unit of I)"},
    {"w_in", 1.0, -1e12, 1e12, "", "input weight of the synaptic current"},
    {"v_leak", 0.0, -1e12, 1e12, "", "leak (resting) potential; initial V"},
    {"v_th", 1.0, -1e12, 1e12, "", "threshold (spike when V > v_th)"},
    {"v_reset", 0.0, -1e12, 1e12, "", "reset potential"},
    {"reset", 0.0, 0.0, 1.0, "", "0: V = v_reset after a spike; 1: V -= v_th - v_reset"},
    {"spiking", 1.0, 0.0, 1.0, "", "1: CubaLIF (spikes); 0: LI / CubaLI (no spikes)"},
    {"euler", 0.0, 0.0, 1.0, "", "0: exact integration; 1: forward Euler (snnTorch order)"},
};

static int cuba_init(void *user, const double *p, float *state, size_t n) {
  (void)user;
  for (size_t i = 0; i < n; i++) {
    state[i] = (float)p[SNN__CUBA_V_LEAK];
    state[n + i] = 0.0f;
  }
  return SNN_OK;
}

static int cuba_step(void *user, const double *p, float *state, const float *i_in,
                     uint8_t *spikes, size_t n, double dt) {
  (void)user;
  const double tm = p[SNN__CUBA_TAU_MEM], ts = p[SNN__CUBA_TAU_SYN], r = p[SNN__CUBA_R];
  const double w = p[SNN__CUBA_W_IN], vl = p[SNN__CUBA_V_LEAK], vth = p[SNN__CUBA_V_TH];
  const double vr = p[SNN__CUBA_V_RESET];
  const int subtract = p[SNN__CUBA_RESET] != 0.0, spiking = p[SNN__CUBA_SPIKING] != 0.0;
  const int euler = p[SNN__CUBA_EULER] != 0.0;
  const double am = exp(-dt / tm), omm = -expm1(-dt / tm);
  const double as = ts > 0.0 ? exp(-dt / ts) : 0.0;
  /* exact coupling coefficient: V gains k (I0 - x) with k = r ts/(ts - tm) (as - am) */
  double kc = 0.0;
  if (ts > 0.0) {
    if (fabs(ts - tm) <= 1e-9 * tm) kc = r * (dt / tm) * am; /* limit ts -> tm */
    else kc = r * ts / (ts - tm) * (as - am);
  }
  float *V = state, *I = state + n;
  for (size_t i = 0; i < n; i++) {
    double u = i_in ? (double)i_in[i] : 0.0, x = w * u;
    double v0 = V[i], c0 = I[i], v1, c1;
    if (euler) {
      c1 = ts > 0.0 ? c0 + dt / ts * (x - c0) : x;
      v1 = v0 + dt / tm * (vl - v0 + r * c1);
    } else if (ts > 0.0) {
      double vinf = vl + r * x;
      c1 = x + (c0 - x) * as;
      v1 = v0 + (vinf - v0) * omm + kc * (c0 - x);
    } else {
      c1 = x;
      v1 = v0 + (vl + r * x - v0) * omm;
    }
    int s = spiking && v1 > vth;
    if (s) v1 = subtract ? v1 - (vth - vr) : vr;
    V[i] = (float)v1;
    I[i] = (float)c1;
    spikes[i] = (uint8_t)s;
  }
  return SNN_OK;
}

int snn__nir_cuba_create(snn_neuron_model **out) {
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = SNN__NIR_CUBA_KIND;
  ops.n_state = 2;
  ops.state_names = cuba_state_names;
  ops.n_params = SNN__CUBA_NPARAMS;
  ops.params = cuba_params;
  ops.init = cuba_init;
  ops.step = cuba_step;
  return snn_neuron_model_create_custom(out, &ops, NULL);
}

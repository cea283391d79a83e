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

void snn__cuba_make(snn__cuba_k *k, double tau_mem, double tau_syn, double r, double w_in,
                    double v_leak, int euler, double dt) {
  k->tm = tau_mem;
  k->ts = tau_syn;
  k->r = r;
  k->w = w_in;
  k->vl = v_leak;
  k->dt = dt;
  k->euler = euler;
  k->am = exp(-dt / k->tm);
  k->omm = -expm1(-dt / k->tm);
  k->as = k->ts > 0.0 ? exp(-dt / k->ts) : 0.0;
  /* exact coupling coefficient: V gains kc (I0 - x) with kc = r ts/(ts - tm) (as - am) */
  k->kc = 0.0;
  if (k->ts > 0.0) {
    if (fabs(k->ts - k->tm) <= 1e-9 * k->tm) k->kc = k->r * (dt / k->tm) * k->am; /* ts -> tm */
    else k->kc = k->r * k->ts / (k->ts - k->tm) * (k->as - k->am);
  }
  double dvx, dcx;
  if (euler) {
    double a = k->ts > 0.0 ? dt / k->ts : 1.0, b = dt / k->tm; /* ts = 0: I' = x */
    k->dcc = 1.0 - a;
    dcx = a;
    k->dvv = 1.0 - b;
    k->dvc = b * k->r * (1.0 - a);
    dvx = b * k->r * a;
  } else {
    k->dcc = k->as;
    dcx = 1.0 - k->as;
    k->dvv = 1.0 - k->omm;
    k->dvc = k->kc;
    dvx = k->omm * k->r - k->kc;
  }
  k->dvu = k->w * dvx;
  k->dcu = k->w * dcx;
}

void snn__cuba_update(const snn__cuba_k *k, double v0, double c0, double u, double *v1,
                      double *c1) {
  const double x = k->w * u;
  if (k->euler) {
    *c1 = k->ts > 0.0 ? c0 + k->dt / k->ts * (x - c0) : x;
    *v1 = v0 + k->dt / k->tm * (k->vl - v0 + k->r * *c1);
  } else if (k->ts > 0.0) {
    double vinf = k->vl + k->r * x;
    *c1 = x + (c0 - x) * k->as;
    *v1 = v0 + (vinf - v0) * k->omm + k->kc * (c0 - x);
  } else {
    *c1 = x;
    *v1 = v0 + (k->vl + k->r * x - v0) * k->omm;
  }
}

/* nir_cuba's parameters: the update's constants plus the spike and reset */
typedef struct cuba_p {
  snn__cuba_k k;
  double vth, vr;
  int subtract, spiking;
} cuba_p;

static void cuba_make(cuba_p *c, const double *p, double dt) {
  snn__cuba_make(&c->k, p[SNN__CUBA_TAU_MEM], p[SNN__CUBA_TAU_SYN], p[SNN__CUBA_R],
                 p[SNN__CUBA_W_IN], p[SNN__CUBA_V_LEAK], p[SNN__CUBA_EULER] != 0.0, dt);
  c->vth = p[SNN__CUBA_V_TH];
  c->vr = p[SNN__CUBA_V_RESET];
  c->subtract = p[SNN__CUBA_RESET] != 0.0;
  c->spiking = p[SNN__CUBA_SPIKING] != 0.0;
}

static int cuba_step(void *user, const double *p, float *state, const float *i_in,
                     uint8_t *spikes, size_t n, double dt) {
  (void)user;
  cuba_p c;
  cuba_make(&c, p, dt);
  float *V = state, *I = state + n;
  for (size_t i = 0; i < n; i++) {
    double u = i_in ? (double)i_in[i] : 0.0, v1, c1;
    snn__cuba_update(&c.k, V[i], I[i], u, &v1, &c1);
    int s = c.spiking && v1 > c.vth;
    if (s) v1 = c.subtract ? v1 - (c.vth - c.vr) : c.vr;
    V[i] = (float)v1;
    I[i] = (float)c1;
    spikes[i] = (uint8_t)s;
  }
  return SNN_OK;
}

/* BPTT: the linear update's partial derivatives; the reset is detached (as
 * for the built-in lif: V after a zero reset carries no gradient, a
 * subtracted threshold is a constant) and a spike's gradient enters through
 * the surrogate of V' - v_th. LI / CubaLI (spiking 0) never spike. */
static int cuba_step_grad(void *user, const double *p, const float *state_before,
                          const float *i_in, const float *grad_state, const float *grad_spike,
                          float *grad_state_before, float *grad_in, size_t n, double dt,
                          float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  (void)user;
  cuba_p c;
  cuba_make(&c, p, dt);
  const snn__cuba_k *k = &c.k;
  const float *V = state_before, *I = state_before + n;
  for (size_t i = 0; i < n; i++) {
    double gV = grad_state ? grad_state[i] : 0.0, gI = grad_state ? grad_state[n + i] : 0.0;
    double gS = grad_spike ? grad_spike[i] : 0.0, g = gV;
    if (c.spiking) {
      double u = i_in ? (double)i_in[i] : 0.0, v1, c1;
      snn__cuba_update(k, V[i], I[i], u, &v1, &c1);
      if (v1 > c.vth && !c.subtract) g = 0.0;
      if (gS != 0.0) g += gS * (double)surrogate((float)(v1 - c.vth), sg_user);
    }
    grad_state_before[i] = (float)(g * k->dvv);
    grad_state_before[n + i] = (float)(g * k->dvc + gI * k->dcc);
    if (grad_in) grad_in[i] = (float)(g * k->dvu + gI * k->dcu);
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
  ops.step_grad = cuba_step_grad;
  return snn_neuron_model_create_custom(out, &ops, NULL);
}

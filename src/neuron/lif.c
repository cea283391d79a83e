/* Leaky integrate-and-fire ("lif") and the shared kernel of "if".
 *
 * C_m dV/dt = -g_L (V - E_L) + I, integrated exactly for input constant over
 * the step: V(t+dt) = V_inf + (V(t) - V_inf) beta, V_inf = E_L + I/g_L,
 * beta = exp(-dt g_L / C_m). "if" is the limit g_L -> 0: V += I dt / C_m.
 * After the update, V >= V_th emits a spike and resets V (to V_reset, or by
 * subtracting V_th - V_reset); the neuron is then refractory for
 * round(t_ref/dt) steps (halves round down; at most 2^24): V is held and
 * input ignored.
 * State (SoA): V, r (refractory steps left, a whole number; hidden), c
 * (hidden float32 compensation of V, see leaky_update).
 * r counts steps rather than time: a time left in float32 ms, decremented by
 * dt every step, drifts by rounding (3 extra steps of 2,000 at t_ref 2 ms,
 * dt 0.001 ms) and stops decreasing once dt is below half an ulp of r; whole
 * numbers up to 2^24 are exact in float32, so the count is exact. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC optimize("no-trapping-math")
#endif
#include "neuron_impl.h"

#include <math.h>
#include <string.h>

static const char *const reset_names[] = {"zero", "subtract"};
static const char *const lif_state_names[] = {"V"};

#define LIF_BLK 1024

/* Parameters of the shared kernel, in the form the loop needs. */
typedef struct leaky_k {
  float beta;    /* decay per step (1 for "if") */
  float omb;     /* 1 - beta, computed accurately */
  float inscale; /* V_inf = E_L + I*inscale (lif: 1/g_L) ; if: V += I*inscale (dt/C) */
  float E_L;
  float V_th, V_reset, dth; /* dth = V_th - V_reset */
  float n_ref; /* refractory steps after a spike */
  int subtract;
  int leaky;
} leaky_k;


/* V is float32. Near equilibrium the per-step change of V drops below half
 * an ulp (at dt 0.1, tau 10 ms: when |V - V_inf| < ~4e-4 mV) and a plain
 * update would stall there. The hidden variable c carries the part of V that
 * float32 cannot hold (2Sum compensation), so V + c follows the exact
 * exponential to ~1e-6 mV and the stored V is its correctly rounded value. */
static inline void leaky_update(const leaky_k *k, float v, float cc, float I, float *vn,
                                float *cn) {
  float inc;
  if (k->leaky) {
    float vinf = k->E_L + I * k->inscale;
    inc = (vinf - v) * k->omb + cc * k->beta;
  } else {
    inc = I * k->inscale + cc;
  }
  float t = v + inc; /* 2Sum: t + e == v + inc exactly */
  float bp = t - v, ap = t - bp;
  *vn = t;
  *cn = (v - ap) + (inc - bp);
}

/* One vectorisable pass over a block with input array I (never NULL).
 * Returns 1 when a new V is NaN or Inf (the check of snn_population_step,
 * done here while V is in a register instead of in a second pass). */
static inline unsigned leaky_block(const leaky_k *k, float *restrict V, float *restrict R,
                               float *restrict Cc, const float *restrict I,
                               uint8_t *restrict S, size_t m) {
  const leaky_k kk = *k;
  unsigned bad = 0;
  for (size_t i = 0; i < m; i++) {
    float v = V[i], r = R[i], cc = Cc[i], vn, cn;
    leaky_update(&kk, v, cc, I[i], &vn, &cn);
    int refr = r > 0.5f;
    vn = refr ? v : vn;
    cn = refr ? cc : cn;
    float rn = r - 1.0f;
    rn = rn > 0.0f ? rn : 0.0f;
    int s = (!refr) & (vn >= kk.V_th);
    float vres = kk.subtract ? vn - kk.dth : kk.V_reset;
    float cres = kk.subtract ? cn : 0.0f;
    float vo = s ? vres : vn;
    V[i] = vo;
    Cc[i] = s ? cres : cn;
    R[i] = s ? kk.n_ref : rn;
    S[i] = (uint8_t)s;
    bad |= !(vo - vo == 0.0f); /* x - x is NaN exactly for NaN and Inf */
  }
  return bad;
}

SNN__HOT static unsigned snn__leaky_step(const leaky_k *k, float *state, const float *i_in,
                                         uint8_t *spikes, size_t n) {
  float *V = state, *R = state + n, *Cc = state + 2 * n;
  if (i_in) return leaky_block(k, V, R, Cc, i_in, spikes, n);
  static const float zero[LIF_BLK];
  unsigned bad = 0;
  for (size_t b = 0; b < n; b += LIF_BLK) {
    size_t m = n - b < LIF_BLK ? n - b : LIF_BLK;
    bad |= leaky_block(k, V + b, R + b, Cc + b, zero, spikes + b, m);
  }
  return bad;
}

static void snn__leaky_grad(const leaky_k *k, const float *state_before, const float *i_in,
                     const float *grad_state, const float *grad_spike, float *grad_state_before,
                     float *grad_in, size_t n, float (*surrogate)(float x, const void *sg_user),
                     const void *sg_user) {
  const float *V = state_before, *R = state_before + n, *Cc = state_before + 2 * n;
  for (size_t i = 0; i < n; i++) {
    float v = V[i], I = i_in ? i_in[i] : 0.0f;
    float gV = grad_state ? grad_state[i] : 0.0f;
    float gS = grad_spike ? grad_spike[i] : 0.0f;
    float gVb, gI;
    if (R[i] > 0.5f) { /* refractory: V_new = V, no spike, input ignored */
      gVb = gV;
      gI = 0.0f;
    } else {
      float vn, cn, dvdv, dvdi;
      leaky_update(k, v, Cc[i], I, &vn, &cn);
      if (k->leaky) {
        dvdv = k->beta;
        dvdi = k->omb * k->inscale;
      } else {
        dvdv = 1.0f;
        dvdi = k->inscale;
      }
      int s = vn >= k->V_th;
      /* detached reset: V_new = V' (subtract) or V'(1-s) + s V_reset (zero) */
      float g = (k->subtract || !s) ? gV : 0.0f;
      if (gS != 0.0f) g += gS * surrogate(vn - k->V_th, sg_user);
      gVb = g * dvdv;
      gI = g * dvdi;
    }
    grad_state_before[i] = gVb;
    grad_state_before[n + i] = 0.0f;
    grad_state_before[2 * n + i] = 0.0f; /* compensation: treated as a constant */
    if (grad_in) grad_in[i] = gI;
  }
}

/* Kernel parameters of both kinds; g_L = 0 is "if" (no leak). */
static void leaky_make(leaky_k *k, double C, double g_L, double E_L, double V_th, double V_reset,
                       double t_ref, double reset, double dt) {
  k->leaky = g_L > 0.0;
  k->beta = k->leaky ? (float)exp(-dt * g_L / C) : 1.0f;
  k->omb = k->leaky ? (float)-expm1(-dt * g_L / C) : 0.0f;
  k->inscale = k->leaky ? (float)(1.0 / g_L) : (float)(dt / C);
  k->E_L = (float)E_L;
  k->V_th = (float)V_th;
  k->V_reset = (float)V_reset;
  k->dth = (float)(V_th - V_reset);
  /* steps with t_ref - j dt > dt/2, j = 0, 1, ...: round(t_ref/dt), halves
   * down (as when the time left was compared with dt/2) */
  double nr = ceil(t_ref / dt - 0.5);
  k->n_ref = nr > 0.0 ? (float)fmin(nr, 16777216.0) : 0.0f;
  k->subtract = reset != 0.0;
}

static void leaky_init(float v0, float *state, size_t n) {
  for (size_t i = 0; i < n; i++) state[i] = v0;
  memset(state + n, 0, 2 * n * sizeof(float));
}

/* init, step and grad of a kind from its make(k, p, dt); v0_index is the
 * parameter that is the initial V. */
#define LEAKY_DEFINE(prefix, make, v0_index)                                                   \
  static void prefix##_init(const double *p, float *state, size_t n) {                        \
    leaky_init((float)p[v0_index], state, n);                                                 \
  }                                                                                           \
  static unsigned prefix##_step(const double *p, float *state, const float *i_in,             \
                                uint8_t *spikes, size_t n, double dt) {                       \
    leaky_k k;                                                                                \
    make(&k, p, dt);                                                                          \
    return snn__leaky_step(&k, state, i_in, spikes, n);                                       \
  }                                                                                           \
  static int prefix##_grad(const double *p, const float *state_before, const float *i_in,     \
                           const float *grad_state, const float *grad_spike,                  \
                           float *grad_state_before, float *grad_in, size_t n, double dt,     \
                           float (*surrogate)(float x, const void *sg_user),                  \
                           const void *sg_user) {                                             \
    leaky_k k;                                                                                \
    make(&k, p, dt);                                                                          \
    snn__leaky_grad(&k, state_before, i_in, grad_state, grad_spike, grad_state_before, grad_in, \
                    n, surrogate, sg_user);                                                   \
    return SNN_OK;                                                                            \
  }

/* ---- lif ----------------------------------------------------------------- */
enum { P_C, P_G, P_EL, P_VTH, P_VRESET, P_TREF, P_RESET };

static const snn__pdef lif_params[] = {
    {"C_m", 250.0, 1e-6, 1e9, "pF", "membrane capacitance", NULL, 0},
    {"g_L", 25.0, 1e-9, 1e9, "nS", "leak conductance (tau_m = C_m/g_L)", NULL, 0},
    {"E_L", -70.0, -1e4, 1e4, "mV", "leak reversal (resting) potential; initial V", NULL, 0},
    {"V_th", -55.0, -1e4, 1e4, "mV", "spike threshold (spike when V >= V_th)", NULL, 0},
    {"V_reset", -70.0, -1e4, 1e4, "mV", "reset potential (zero reset), or V_th - V_reset is subtracted", NULL, 0},
    {"t_ref", 2.0, 0.0, 1e6, "ms", "absolute refractory period (rounded to whole steps)", NULL, 0},
    {"reset", 0.0, 0.0, 1.0, "", "reset mode: 0 = \"zero\" (V = V_reset), 1 = \"subtract\" (V -= V_th - V_reset)", reset_names, 2},
};

static const snn__preset lif_presets[] = {
    {"default", "C_m 250 pF, tau_m 10 ms, E_L -70, V_th -55, V_reset -70 mV, t_ref 2 ms (as NEST iaf_psc_*)",
     {250.0, 25.0, -70.0, -55.0, -70.0, 2.0, 0.0}},
    {"normalized", "machine-learning form: V_th 1, V_reset 0, E_L 0, tau_m 10 ms (C_m 10, g_L 1), t_ref 0, reset by subtraction; beta = exp(-dt/10)",
     {10.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0}},
};

static void lif_make(leaky_k *k, const double *p, double dt) {
  leaky_make(k, p[P_C], p[P_G], p[P_EL], p[P_VTH], p[P_VRESET], p[P_TREF], p[P_RESET], dt);
}

LEAKY_DEFINE(lif, lif_make, P_EL)

const snn__kind snn__kind_lif = {
    "lif", lif_params, sizeof lif_params / sizeof lif_params[0], lif_state_names, 1, 3,
    lif_presets, sizeof lif_presets / sizeof lif_presets[0], lif_init, lif_step, lif_grad};

/* ---- if ------------------------------------------------------------------ */
enum { Q_C, Q_VTH, Q_VRESET, Q_EL, Q_TREF, Q_RESET };

static const snn__pdef if_params[] = {
    {"C_m", 250.0, 1e-6, 1e9, "pF", "membrane capacitance", NULL, 0},
    {"V_th", -55.0, -1e4, 1e4, "mV", "spike threshold (spike when V >= V_th)", NULL, 0},
    {"V_reset", -70.0, -1e4, 1e4, "mV", "reset potential (zero reset), or V_th - V_reset is subtracted", NULL, 0},
    {"E_L", -70.0, -1e4, 1e4, "mV", "initial membrane potential (no leak)", NULL, 0},
    {"t_ref", 2.0, 0.0, 1e6, "ms", "absolute refractory period (rounded to whole steps)", NULL, 0},
    {"reset", 0.0, 0.0, 1.0, "", "reset mode: 0 = \"zero\" (V = V_reset), 1 = \"subtract\" (V -= V_th - V_reset)", reset_names, 2},
};

static const snn__preset if_presets[] = {
    {"default", "C_m 250 pF, V_th -55, V_reset = E_L = -70 mV, t_ref 2 ms",
     {250.0, -55.0, -70.0, -70.0, 2.0, 0.0}},
    {"normalized", "machine-learning form: C_m 1, V_th 1, V_reset = E_L = 0, t_ref 0, reset by subtraction",
     {1.0, 1.0, 0.0, 0.0, 0.0, 1.0}},
};

static void if_make(leaky_k *k, const double *p, double dt) {
  leaky_make(k, p[Q_C], 0.0, p[Q_EL], p[Q_VTH], p[Q_VRESET], p[Q_TREF], p[Q_RESET], dt);
}

LEAKY_DEFINE(if, if_make, Q_EL)

const snn__kind snn__kind_if = {
    "if", if_params, sizeof if_params / sizeof if_params[0], lif_state_names, 1, 3,
    if_presets, sizeof if_presets / sizeof if_presets[0], if_init, if_step, if_grad};

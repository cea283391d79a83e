/* Adaptive exponential integrate-and-fire (Brette & Gerstner 2005):
 *   C dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) - w + I
 *   tau_w dw/dt = a (V - E_L) - w
 *   V >= V_peak -> V = V_r, w += b  (then refractory for t_ref, default 0)
 * Integrated by adaptive Heun (heun2d.h): a whole step where the error
 * estimate allows it, else ceil(dt/h_max) sub-steps. The exponent is bounded:
 * x = min((V - V_T)/Delta_T, (V_peak - V_T)/Delta_T, 40), so the term cannot
 * overflow (it is evaluated at most at V_peak, as in NEST). State (SoA):
 * V, w, r, q (hidden:
 * refractory time left, and the sub-step carry). */
/* The kernel's selects must be if-converted for the sub-step loop to
 * vectorise; that needs permission to evaluate FP ops whose result a select
 * may discard. libsnn never relies on FP exception flags. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC optimize("no-trapping-math")
#endif
#include "heun2d.h"

enum { P_C, P_GL, P_EL, P_VT, P_DT, P_TW, P_A, P_B, P_VR, P_VPEAK, P_TREF, P_HMAX, P_TOL };

static const snn__pdef adex_params[] = {
    {"C", 281.0, 1e-6, 1e9, "pF", "membrane capacitance", NULL, 0},
    {"g_L", 30.0, 1e-9, 1e9, "nS", "leak conductance", NULL, 0},
    {"E_L", -70.6, -1e4, 1e4, "mV", "leak reversal potential; initial V", NULL, 0},
    {"V_T", -50.4, -1e4, 1e4, "mV", "threshold of the exponential term (rheobase potential)", NULL, 0},
    {"Delta_T", 2.0, 1e-3, 1e3, "mV", "slope factor of the exponential term", NULL, 0},
    {"tau_w", 144.0, 1e-3, 1e9, "ms", "adaptation time constant", NULL, 0},
    {"a", 4.0, -1e6, 1e6, "nS", "subthreshold adaptation", NULL, 0},
    {"b", 80.5, -1e6, 1e6, "pA", "spike-triggered adaptation (jump of w)", NULL, 0},
    {"V_r", -70.6, -1e4, 1e4, "mV", "reset potential", NULL, 0},
    {"V_peak", 20.0, -1e4, 1e4, "mV", "spike cut-off: V >= V_peak is a spike", NULL, 0},
    {"t_ref", 0.0, 0.0, 1e6, "ms", "refractory period (V held at V_r; 0 as published)", NULL, 0},
    {"h_max", SNN__M2D_HMAX, 1e-4, 1.0, "ms", "largest integration sub-step: a step dt that cannot be taken whole is split into ceil(dt/h_max) Heun sub-steps", NULL, 0},
    {"tol", SNN__M2D_TOL, 0.0, 1e3, "mV", "error tolerance of a whole Heun step (|Heun - Euler| of V, and w's share h/C |Heun - Euler|); 0 = always sub-step", NULL, 0},
};

/* Brette & Gerstner 2005 (J Neurophysiol 94:3637) and Naud et al. 2008
 * (Biol Cybern 99:335, Table 1; V_peak 0 mV as in their simulations).
 * Order: C g_L E_L V_T Delta_T tau_w a b V_r V_peak t_ref h_max tol. */
static const snn__preset adex_presets[] = {
    {"bg2005", "Brette & Gerstner 2005 pyramidal cell (a 4 nS, b 80.5 pA, tau_w 144 ms; e.g. I = 1000 pA)",
     {281.0, 30.0, -70.6, -50.4, 2.0, 144.0, 4.0, 80.5, -70.6, 20.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"tonic", "Naud 2008 tonic spiking (I = 500 pA)",
     {200.0, 10.0, -70.0, -50.0, 2.0, 30.0, 2.0, 0.0, -58.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"adapting", "Naud 2008 spike-frequency adaptation (I = 500 pA)",
     {200.0, 12.0, -70.0, -50.0, 2.0, 300.0, 2.0, 60.0, -58.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"initial_burst", "Naud 2008 initial burst, then tonic (I = 400 pA)",
     {130.0, 18.0, -58.0, -50.0, 2.0, 150.0, 4.0, 120.0, -50.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"regular_bursting", "Naud 2008 regular bursting (I = 210 pA)",
     {200.0, 10.0, -58.0, -50.0, 2.0, 120.0, 2.0, 100.0, -46.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"delayed_accelerating", "Naud 2008 delayed accelerating (I = 300 pA)",
     {200.0, 12.0, -70.0, -50.0, 2.0, 300.0, -10.0, 0.0, -58.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"delayed_regular_bursting", "Naud 2008 delayed regular bursting (I = 110 pA)",
     {100.0, 10.0, -65.0, -50.0, 2.0, 90.0, -10.0, 30.0, -47.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"transient", "Naud 2008 transient spiking (I = 180 pA)",
     {100.0, 10.0, -65.0, -50.0, 2.0, 90.0, 10.0, 100.0, -47.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"irregular", "Naud 2008 irregular spiking (I = 160 pA)",
     {100.0, 12.0, -60.0, -50.0, 2.0, 130.0, -11.0, 30.0, -48.0, 0.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
};

static const char *const adex_state_names[] = {"V", "w"};

/* c->p: g_L, E_L, V_T, log2(e)/Delta_T, g_L*Delta_T/C, x_cap*log2(e), a/tau_w, 1/tau_w
 * (the exponential is evaluated as 2^((V - V_T) log2(e)/Delta_T)) */
SNN__AI void adex_vf(const snn__m2d *c, snn__v8f v, snn__v8f w, snn__v8f I, snn__v8f *fv,
                     snn__v8f *fw) {
  const snn__v8f gL = SNN__BC(c->p[0]), EL = SNN__BC(c->p[1]), VT = SNN__BC(c->p[2]);
  const snn__v8f iDT2 = SNN__BC(c->p[3]), gLDT = SNN__BC(c->p[4]), tcap = SNN__BC(c->p[5]);
  const snn__v8f aw = SNN__BC(c->p[6]), itw = SNN__BC(c->p[7]);
  snn__v8f e = snn__vexp2f(snn__vmin((v - VT) * iDT2, tcap)); /* bounded: <= e^40 */
  snn__v8f dv = v - EL;
  /* the linear part is ready when e is: only two operations follow it */
  *fv = gLDT * e + (I - w - gL * dv) * SNN__BC(c->invC);
  *fw = aw * dv - itw * w;
}

static void adex_jac(const snn__m2d *c, float v, float w, float *jvv, float *jvw, float *jwv,
                     float *jww) {
  (void)w;
  const float gL = c->p[0], VT = c->p[2], iDT2 = c->p[3];
  const float ln2 = 0.693147180559945309f;
  float t = (v - VT) * iDT2; /* log2 units */
  float de = t < c->p[5] ? gL * snn__expf(t * ln2) : 0.0f;
  *jvv = (de - gL) * c->invC;
  *jvw = -c->invC;
  *jwv = c->p[6];
  *jww = -c->p[7];
}

static void adex_make(snn__m2d *c, const double *p, double dt) {
  double xcap = (p[P_VPEAK] - p[P_VT]) / p[P_DT];
  if (xcap > 40.0) xcap = 40.0;
  c->p[0] = (float)p[P_GL];
  c->p[1] = (float)p[P_EL];
  c->p[2] = (float)p[P_VT];
  c->p[3] = (float)(1.4426950408889634 / p[P_DT]) /* log2(e) */;
  c->p[4] = (float)(p[P_GL] * p[P_DT] / p[P_C]);
  c->p[5] = (float)(xcap * 1.4426950408889634);
  c->p[6] = (float)(p[P_A] / p[P_TW]);
  c->p[7] = (float)(1.0 / p[P_TW]);
  c->invC = (float)(1.0 / p[P_C]);
  c->v_peak = (float)p[P_VPEAK];
  c->v_reset = (float)p[P_VR];
  c->u_jump = (float)p[P_B];
  c->t_ref = (float)p[P_TREF];
  c->has_ref = p[P_TREF] > 0.0;
  c->v_clip = (float)(p[P_VPEAK] + 100.0);
  snn__m2d_setup(c, dt, p[P_HMAX], p[P_TOL]);
}

SNN__M2D_DEFINE(adex, adex_make, adex_vf, adex_jac, P_EL)

const snn__kind snn__kind_adex = {
    "adex", adex_params, sizeof adex_params / sizeof adex_params[0], adex_state_names, 2, 4,
    adex_presets, sizeof adex_presets / sizeof adex_presets[0], adex_init, adex_step, adex_grad};

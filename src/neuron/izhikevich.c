/* Izhikevich neuron, 2007 form (Dynamical Systems in Neuroscience, ch. 8):
 *   C dv/dt = k (v - v_r)(v - v_t) - u + I
 *     du/dt = a (b (v - v_r) - u)
 *   v >= v_peak -> v = c, u += d  (then refractory for t_ref, default 0)
 * Integrated by adaptive Heun (heun2d.h): a whole step where the error
 * estimate allows it, else ceil(dt/h_max) sub-steps. State (SoA): V, u, r, q
 * (hidden: refractory time left, and the sub-step carry).
 *
 * The 2003 form v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u) maps onto
 * it exactly with C = 1, k = 0.04, u_2007 = u_2003 - b v_r, where v_r is the
 * lower root of 0.04 v^2 + (5 - b) v + 140 (the resting potential) and
 * v_t = -125 - v_r (then 0.04 (v - v_r)(v - v_t) = 0.04 v^2 + 5 v + 140 - b v_r,
 * and a (b (v - v_r) - u_2007) = a (b v - u_2003)). For b = 0.2: v_r = -70,
 * v_t = -55. */
/* The kernel's selects must be if-converted for the sub-step loop to
 * vectorise; that needs permission to evaluate FP ops whose result a select
 * may discard. libsnn never relies on FP exception flags. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC optimize("no-trapping-math")
#endif
#include "heun2d.h"

enum { P_C, P_K, P_VR, P_VT, P_VPEAK, P_A, P_B, P_CR, P_D, P_TREF, P_HMAX, P_TOL };

static const snn__pdef izh_params[] = {
    {"C", 100.0, 1e-6, 1e9, "pF", "membrane capacitance", NULL, 0},
    {"k", 0.7, 0.0, 1e6, "nS/mV", "gain of the quadratic term", NULL, 0},
    {"v_r", -60.0, -1e4, 1e4, "mV", "resting potential; initial V", NULL, 0},
    {"v_t", -40.0, -1e4, 1e4, "mV", "instantaneous threshold potential", NULL, 0},
    {"v_peak", 35.0, -1e4, 1e4, "mV", "spike cut-off: v >= v_peak is a spike", NULL, 0},
    {"a", 0.03, 0.0, 1e3, "1/ms", "recovery time scale (1/tau_u)", NULL, 0},
    {"b", -2.0, -1e6, 1e6, "nS", "sensitivity of u to v - v_r", NULL, 0},
    {"c", -50.0, -1e4, 1e4, "mV", "reset potential after a spike", NULL, 0},
    {"d", 100.0, -1e6, 1e6, "pA", "jump of u after a spike", NULL, 0},
    {"t_ref", 0.0, 0.0, 1e6, "ms", "refractory period (v held at c; 0 as published)", NULL, 0},
    {"h_max", SNN__M2D_HMAX, 1e-4, 1.0, "ms", "largest integration sub-step: a step dt that cannot be taken whole is split into ceil(dt/h_max) Heun sub-steps", NULL, 0},
    {"tol", SNN__M2D_TOL, 0.0, 1e3, "mV", "error tolerance of a whole Heun step (|Heun - Euler| of V, and u's share h/C |Heun - Euler|); 0 = always sub-step", NULL, 0},
};

/* 2003 classes (Izhikevich 2003, Fig. 2) mapped exactly onto the 2007 form. */
#define IZH03_VR02 (-70.0)
#define IZH03_VT02 (-55.0)
#define IZH03_VR025 (-64.41391109268656)
#define IZH03_VT025 (-60.58608890731344)
static const snn__preset izh_presets[] = {
    {"rs_2007", "regular-spiking pyramidal cell, Izhikevich 2007 book sec. 8.2.1 (e.g. I = 70 pA)",
     {100.0, 0.7, -60.0, -40.0, 35.0, 0.03, -2.0, -50.0, 100.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"rs_2003", "regular spiking, Izhikevich 2003 (a .02 b .2 c -65 d 8; I = 10)",
     {1.0, 0.04, IZH03_VR02, IZH03_VT02, 30.0, 0.02, 0.2, -65.0, 8.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"ib_2003", "intrinsically bursting, Izhikevich 2003 (a .02 b .2 c -55 d 4; I = 10)",
     {1.0, 0.04, IZH03_VR02, IZH03_VT02, 30.0, 0.02, 0.2, -55.0, 4.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"ch_2003", "chattering, Izhikevich 2003 (a .02 b .2 c -50 d 2; I = 10)",
     {1.0, 0.04, IZH03_VR02, IZH03_VT02, 30.0, 0.02, 0.2, -50.0, 2.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"fs_2003", "fast spiking, Izhikevich 2003 (a .1 b .2 c -65 d 2; I = 10)",
     {1.0, 0.04, IZH03_VR02, IZH03_VT02, 30.0, 0.1, 0.2, -65.0, 2.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
    {"lts_2003", "low-threshold spiking, Izhikevich 2003 (a .02 b .25 c -65 d 2; I = 10)",
     {1.0, 0.04, IZH03_VR025, IZH03_VT025, 30.0, 0.02, 0.25, -65.0, 2.0, 0.0, SNN__M2D_HMAX, SNN__M2D_TOL}},
};

static const char *const izh_state_names[] = {"V", "u"};

/* c->p: k, v_r, v_t, a, b */
SNN__AI void izh_vf(const snn__m2d *c, snn__v8f v, snn__v8f u, snn__v8f I, snn__v8f *fv,
                    snn__v8f *fu) {
  const snn__v8f k = SNN__BC(c->p[0]), vr = SNN__BC(c->p[1]), vt = SNN__BC(c->p[2]);
  const snn__v8f a = SNN__BC(c->p[3]), b = SNN__BC(c->p[4]);
  *fv = (k * (v - vr) * (v - vt) - u + I) * SNN__BC(c->invC);
  *fu = a * (b * (v - vr) - u);
}

static void izh_jac(const snn__m2d *c, float v, float u, float *jvv, float *jvu, float *juv,
                    float *juu) {
  (void)u;
  const float k = c->p[0], vr = c->p[1], vt = c->p[2], a = c->p[3], b = c->p[4];
  *jvv = k * ((v - vr) + (v - vt)) * c->invC;
  *jvu = -c->invC;
  *juv = a * b;
  *juu = -a;
}

static void izh_make(snn__m2d *c, const double *p, double dt) {
  c->p[0] = (float)p[P_K];
  c->p[1] = (float)p[P_VR];
  c->p[2] = (float)p[P_VT];
  c->p[3] = (float)p[P_A];
  c->p[4] = (float)p[P_B];
  c->invC = (float)(1.0 / p[P_C]);
  c->v_peak = (float)p[P_VPEAK];
  c->v_reset = (float)p[P_CR];
  c->u_jump = (float)p[P_D];
  c->t_ref = (float)p[P_TREF];
  c->has_ref = p[P_TREF] > 0.0;
  c->v_clip = (float)(p[P_VPEAK] + 100.0);
  snn__m2d_setup(c, dt, p[P_HMAX], p[P_TOL]);
}

SNN__M2D_DEFINE(izh, izh_make, izh_vf, izh_jac, P_VR)

const snn__kind snn__kind_izhikevich = {
    "izhikevich", izh_params, sizeof izh_params / sizeof izh_params[0], izh_state_names, 2, 4,
    izh_presets, sizeof izh_presets / sizeof izh_presets[0], izh_init, izh_step, izh_grad};

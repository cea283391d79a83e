/* Private to src/neuron: the shared integrator of the two-variable models
 * (izhikevich, adex). See docs/neuron-models.md, "Integration scheme".
 *
 * y = (v, u), y' = f(y, I). Each step of dt is split into
 * n_sub = ceil(dt / h_max) equal sub-steps h; each sub-step is Heun's method
 * (explicit trapezoid, RK2):
 *   k1 = f(y), y_p = y + h k1, k2 = f(y_p), y' = y + h/2 (k1 + k2)
 * with v_p clipped to v_clip (v_peak + 100 mV) so that the stage slope stays
 * finite. While refractory (r > h/2) v is held (f_v = 0) and u evolves.
 * After a sub-step, v >= v_peak is a spike: v = v_reset, u += u_jump,
 * r = t_ref, and the time that elapsed after the estimated crossing is
 * carried into the next sub-step (q). The step reports a spike when any
 * sub-step spiked. State (SoA): v, u, r (refractory time left), q (carry).
 *
 * The same inline sub-step is used by the vectorised forward kernels and by
 * the scalar recomputation in the backward pass, so both see the same
 * spikes. */
#ifndef SNN_HEUN2D_H
#define SNN_HEUN2D_H

#include "neuron_impl.h"

#include <math.h>
#include <string.h>

typedef struct snn__m2d {
  float p[8];   /* model constants used by f and jac */
  float invC;   /* d f_v / d I */
  float v_peak, v_reset, u_jump, t_ref, v_clip;
  float h;     /* nominal sub-step */
  int has_ref;  /* t_ref > 0 */
  size_t n_sub;
} snn__m2d;

typedef void (*snn__m2d_f)(const snn__m2d *c, float v, float u, float I, float *fv, float *fu);
/* Jacobian of f w.r.t. (v, u) at (v, u). */
typedef void (*snn__m2d_jac)(const snn__m2d *c, float v, float u, float *jvv, float *jvu,
                             float *juv, float *juu);

static inline void snn__m2d_setup(snn__m2d *c, double dt, double h_max) {
  double ns = ceil(dt / h_max - 1e-9);
  if (ns < 1.0) ns = 1.0;
  if (ns > 1e6) ns = 1e6;
  c->n_sub = (size_t)ns;
  c->h = (float)(dt / ns);
}

/* One sub-step of length h_i = h + q, where q (the carry) is the part of the
 * previous sub-step that elapsed after a spike: the spike's crossing time is
 * estimated by linear interpolation between v and the pre-reset v, and the
 * neuron restarts from the reset at that time instead of at the sub-step's
 * end. This removes the O(h) reset-timing error that otherwise dominates.
 * Returns 1 on a spike; *vpre receives v before the reset. */
static inline __attribute__((always_inline)) int
snn__m2d_substep(const snn__m2d *c, snn__m2d_f f, float *v_io, float *u_io, float *r_io,
                 float *q_io, float I, float *vpre) {
  float v = *v_io, u = *u_io, r = *r_io;
  const float h = c->h + *q_io, hh = 0.5f * h;
  /* Selects only between values computed anyway (or constants), and masks by
   * multiplication: otherwise GCC sinks trapping FP ops into branches and
   * cannot if-convert (and vectorise) the loop. */
  /* act = 0 while refractory; without a refractory period (t_ref = 0, all
   * presets) r stays 0 and the masking is skipped (x * 1 is exact, so the
   * result is the same) */
  const int has_ref = c->has_ref;
  float act = has_ref ? (r > hh ? 0.0f : 1.0f) : 1.0f;
  float fv1, fu1, fv2, fu2;
  f(c, v, u, I, &fv1, &fu1);
  if (has_ref) fv1 = fv1 * act;
  float vp = v + h * fv1;
  vp = vp < c->v_clip ? vp : c->v_clip;
  float up = u + h * fu1;
  f(c, vp, up, I, &fv2, &fu2);
  if (has_ref) fv2 = fv2 * act;
  float vn = v + hh * (fv1 + fv2);
  float un = u + hh * (fu1 + fu2);
  float rn = 0.0f;
  if (has_ref) {
    rn = r - h;
    rn = rn > 0.0f ? rn : 0.0f;
  }
  float sf = vn >= c->v_peak ? act : 0.0f;
  int s = sf != 0.0f;
  /* fraction of the sub-step after the crossing, in [0, 1] */
  float den = vn - v;
  den = den > 1e-20f ? den : 1e-20f;
  float frac = (vn - c->v_peak) / den;
  frac = frac < 1.0f ? frac : 1.0f;
  frac = frac > 0.0f ? frac : 0.0f;
  *vpre = vn;
  *v_io = s ? c->v_reset : vn;
  *u_io = un + sf * c->u_jump;
  *r_io = s ? c->t_ref : rn;
  *q_io = sf * (frac * h);
  return s;
}

/* ---- explicit 8-lane version (GNU vector extensions) -------------------------
 * The same sub-step on 8 neurons at once, operation for operation, so the
 * results are bit-identical to the scalar sub-step (no FMA contraction: ISO C
 * mode). All sub-steps of a group run in registers, and two groups are
 * interleaved to hide the latency of the long dependency chain. On the
 * x86-64-v3 clone a vector is one ymm register; elsewhere GCC splits it. */
/* The 32-byte vector helpers are static always_inline: there is no ABI to
 * change, so GCC's note about AVX vector arguments without AVX is moot. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float snn__v8f __attribute__((vector_size(32)));
typedef int32_t snn__v8i __attribute__((vector_size(32)));
typedef uint8_t snn__v8b __attribute__((vector_size(8)));
#define SNN__BC(x) ((snn__v8f){(x), (x), (x), (x), (x), (x), (x), (x)})

static inline __attribute__((always_inline)) snn__v8f snn__vsel(snn__v8i m, snn__v8f a,
                                                                snn__v8f b) {
  return (snn__v8f)(((snn__v8i)a & m) | ((snn__v8i)b & ~m));
}

/* vector twin of snn__expf */
static inline __attribute__((always_inline)) snn__v8f snn__vexpf(snn__v8f x) {
  x = snn__vsel(x < SNN__BC(88.0f), x, SNN__BC(88.0f));
  x = snn__vsel(x > SNN__BC(-87.0f), x, SNN__BC(-87.0f));
  snn__v8f t = x * SNN__BC(1.44269504088896341f);
  snn__v8f nf = (t + SNN__BC(12582912.0f)) - SNN__BC(12582912.0f);
  snn__v8f f = t - nf;
  snn__v8f p = SNN__BC(1.5403530393381606e-4f);
  p = p * f + SNN__BC(1.3333558146428443e-3f);
  p = p * f + SNN__BC(9.6181291076284772e-3f);
  p = p * f + SNN__BC(5.5504108664821580e-2f);
  p = p * f + SNN__BC(2.4022650695910072e-1f);
  p = p * f + SNN__BC(6.9314718055994531e-1f);
  p = p * f + SNN__BC(1.0f);
  snn__v8i ni = __builtin_convertvector(nf, snn__v8i);
  snn__v8i bits = (ni + 127) << 23;
  return p * (snn__v8f)bits;
}

typedef void (*snn__m2d_vf)(const snn__m2d *c, snn__v8f v, snn__v8f u, snn__v8f I,
                            snn__v8f *fv, snn__v8f *fu);

/* Mirror of snn__m2d_substep; returns 1.0 in lanes that spiked. */
static inline __attribute__((always_inline)) snn__v8f
snn__m2d_vsubstep(const snn__m2d *c, snn__m2d_vf f, snn__v8f *v_io, snn__v8f *u_io,
                  snn__v8f *r_io, snn__v8f *q_io, snn__v8f I) {
  const snn__v8f zero = SNN__BC(0.0f), one = SNN__BC(1.0f);
  snn__v8f v = *v_io, u = *u_io, r = *r_io;
  snn__v8f h = SNN__BC(c->h) + *q_io, hh = SNN__BC(0.5f) * h;
  const int has_ref = c->has_ref;
  snn__v8f act = has_ref ? snn__vsel(r > hh, zero, one) : one;
  snn__v8f fv1, fu1, fv2, fu2;
  f(c, v, u, I, &fv1, &fu1);
  if (has_ref) fv1 = fv1 * act;
  snn__v8f vp = v + h * fv1;
  vp = snn__vsel(vp < SNN__BC(c->v_clip), vp, SNN__BC(c->v_clip));
  snn__v8f up = u + h * fu1;
  f(c, vp, up, I, &fv2, &fu2);
  if (has_ref) fv2 = fv2 * act;
  snn__v8f vn = v + hh * (fv1 + fv2);
  snn__v8f un = u + hh * (fu1 + fu2);
  snn__v8f rn = zero;
  if (has_ref) {
    rn = r - h;
    rn = snn__vsel(rn > zero, rn, zero);
  }
  snn__v8f sf = snn__vsel(vn >= SNN__BC(c->v_peak), act, zero);
  snn__v8i s = sf != zero;
  snn__v8f den = vn - v;
  den = snn__vsel(den > SNN__BC(1e-20f), den, SNN__BC(1e-20f));
  snn__v8f frac = (vn - SNN__BC(c->v_peak)) / den;
  frac = snn__vsel(frac < one, frac, one);
  frac = snn__vsel(frac > zero, frac, zero);
  *v_io = snn__vsel(s, SNN__BC(c->v_reset), vn);
  *u_io = un + sf * SNN__BC(c->u_jump);
  *r_io = snn__vsel(s, SNN__BC(c->t_ref), rn);
  *q_io = sf * (frac * h);
  return sf;
}

static inline __attribute__((always_inline)) snn__v8f snn__vload(const float *p) {
  snn__v8f x;
  memcpy(&x, p, sizeof x);
  return x;
}
static inline __attribute__((always_inline)) void snn__vstore(float *p, snn__v8f x) {
  memcpy(p, &x, sizeof x);
}

/* Independent 8-lane groups advanced together (latency hiding; measured:
 * 2 groups are ~1.4x faster than 1; 3 or 4 gain nothing more). */
#ifndef SNN__M2D_GROUPS
#  define SNN__M2D_GROUPS 2
#endif

/* Forward over n neurons (state SoA: v, u, r, q): 16 neurons at a time in
 * registers, the remainder with the scalar sub-step. f and vf must be
 * constant (inlined) functions computing the same thing. */
static inline __attribute__((always_inline)) void
snn__m2d_step(const snn__m2d *cp, snn__m2d_f f, snn__m2d_vf vf, float *state,
              const float *i_in, uint8_t *spikes, size_t n) {
  const snn__m2d c = *cp;
  float *V = state, *U = state + n, *R = state + 2 * n, *Q = state + 3 * n;
  const size_t ns = c.n_sub;
  size_t i = 0;
  enum { G = SNN__M2D_GROUPS };
  for (; i + 8 * G <= n; i += 8 * G) {
    snn__v8f v[G], u[G], r[G], q[G], I[G], sp[G];
    for (int g = 0; g < G; g++) {
      size_t o = i + 8 * (size_t)g;
      v[g] = snn__vload(V + o);
      u[g] = snn__vload(U + o);
      r[g] = snn__vload(R + o);
      q[g] = snn__vload(Q + o);
      I[g] = i_in ? snn__vload(i_in + o) : SNN__BC(0.0f);
      sp[g] = SNN__BC(0.0f);
    }
    for (size_t s = 0; s < ns; s++)
      for (int g = 0; g < G; g++)
        sp[g] = sp[g] + snn__m2d_vsubstep(&c, vf, &v[g], &u[g], &r[g], &q[g], I[g]);
    for (int g = 0; g < G; g++) {
      size_t o = i + 8 * (size_t)g;
      snn__vstore(V + o, v[g]);
      snn__vstore(U + o, u[g]);
      snn__vstore(R + o, r[g]);
      snn__vstore(Q + o, q[g]);
      snn__v8b bits = __builtin_convertvector((sp[g] != SNN__BC(0.0f)) & 1, snn__v8b);
      memcpy(spikes + o, &bits, 8);
    }
  }
  for (; i < n; i++) {
    float v = V[i], u = U[i], r = R[i], q = Q[i], vpre, I = i_in ? i_in[i] : 0.0f;
    int sp = 0;
    for (size_t s = 0; s < ns; s++) sp |= snn__m2d_substep(&c, f, &v, &u, &r, &q, I, &vpre);
    V[i] = v;
    U[i] = u;
    R[i] = r;
    Q[i] = q;
    spikes[i] = (uint8_t)sp;
  }
}

/* Backward of snn__m2d_step (scalar; recomputes the sub-steps). Reset is
 * detached (v after a spike is the constant v_reset; u += u_jump passes the
 * gradient unchanged). The spike's surrogate gradient is applied at the
 * sub-step with the largest pre-reset v among the non-refractory ones. */
int snn__m2d_grad(const snn__m2d *c, snn__m2d_f f, snn__m2d_jac jac, const float *state_before,
                  const float *i_in, const float *grad_state, const float *grad_spike,
                  float *grad_state_before, float *grad_in, size_t n,
                  float (*surrogate)(float x, const void *sg_user), const void *sg_user);

#endif

/* Private to src/neuron: the shared integrator of the two-variable models
 * (izhikevich, adex). See docs/neuron-models.md, "Integration scheme".
 *
 * y = (v, u), y' = f(y, I). Per neuron and step (adaptive, two passes):
 *  1. Whole step: one Heun step (explicit trapezoid, RK2) of length dt + q:
 *       k1 = f(y), y_p = y + h k1, k2 = f(y_p), y' = y + h/2 (k1 + k2)
 *     It is accepted when it does not reach v_peak, its predictor is not
 *     clipped, the neuron is not leaving its refractory period inside it, and
 *     the embedded error estimate (Heun minus Euler: h/2 (k2 - k1); u's part
 *     converted to mV through its effect h/C on v) is within tol mV.
 *  2. Every other neuron redoes the step from the same start as
 *     n_sub = ceil(dt / h_max) Heun sub-steps with reset timing (below).
 *     Those neurons are gathered into a dense buffer first, so the rare
 *     sub-stepped ones cost no SIMD lanes of the others.
 * tol = 0 sub-steps every neuron (the non-adaptive scheme).
 *
 * In a sub-step v_p is clipped to v_clip (v_peak + 100 mV) so that the stage
 * slope stays finite. While refractory (r > h/2) v is held (f_v = 0) and u
 * evolves. After a sub-step, v >= v_peak is a spike: v = v_reset, u += u_jump,
 * r = t_ref, and the time that elapsed after the estimated crossing is
 * carried into the next (sub-)step (q). The step reports a spike when any
 * sub-step spiked. State (SoA): v, u, r (refractory time left), q (carry).
 *
 * One 8-lane implementation serves everything: the forward kernel, the
 * partial tail group (padded) and the backward pass's recomputation (one
 * neuron broadcast to 8 lanes), so all of them see the same spikes. No FMA
 * contraction (ISO C mode), so the AVX2 clone and the baseline agree bit for
 * bit. */
#ifndef SNN_HEUN2D_H
#define SNN_HEUN2D_H

#include "neuron_impl.h"

#include <math.h>
#include <string.h>

/* The 32-byte vector helpers are static always_inline: there is no ABI to
 * change, so GCC's note about AVX vector arguments without AVX is moot. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float snn__v8f __attribute__((vector_size(32)));
typedef int32_t snn__v8i __attribute__((vector_size(32)));
typedef uint8_t snn__v8b __attribute__((vector_size(8)));
#define SNN__BC(x) ((snn__v8f){(x), (x), (x), (x), (x), (x), (x), (x)})
#define SNN__AI static inline __attribute__((always_inline))

typedef struct snn__m2d {
  float p[8]; /* model constants used by f and jac */
  float invC; /* d f_v / d I */
  float v_peak, v_reset, u_jump, t_ref, v_clip;
  float dt;  /* whole step */
  float h;   /* sub-step, dt / n_sub */
  float tol; /* acceptance tolerance of the whole step, mV; 0: always sub-step */
  float tolC; /* tol / invC */
  int has_ref; /* t_ref > 0 */
  size_t n_sub;
} snn__m2d;

/* Defaults of the "h_max" (ms) and "tol" (mV) parameters; chosen by the
 * measurements in docs/neuron-models.md. */
#define SNN__M2D_HMAX 0.0125
#define SNN__M2D_TOL 0.1

/* Right-hand side on 8 lanes. */
typedef void (*snn__m2d_vf)(const snn__m2d *c, snn__v8f v, snn__v8f u, snn__v8f I,
                            snn__v8f *fv, snn__v8f *fu);
/* Jacobian of f w.r.t. (v, u) at (v, u) (scalar; backward pass only). */
typedef void (*snn__m2d_jac)(const snn__m2d *c, float v, float u, float *jvv, float *jvu,
                             float *juv, float *juu);

/* After c->invC is set. */
static inline void snn__m2d_setup(snn__m2d *c, double dt, double h_max, double tol) {
  double ns = ceil(dt / h_max - 1e-9);
  if (ns < 1.0) ns = 1.0;
  if (ns > 1e6) ns = 1e6;
  c->n_sub = (size_t)ns;
  c->h = (float)(dt / ns);
  c->dt = (float)dt;
  c->tol = (float)tol;
  c->tolC = (float)(tol / c->invC);
}

SNN__AI snn__v8f snn__vsel(snn__v8i m, snn__v8f a, snn__v8f b) {
  return (snn__v8f)(((snn__v8i)a & m) | ((snn__v8i)b & ~m));
}
SNN__AI snn__v8f snn__vmin(snn__v8f a, snn__v8f b) { return snn__vsel(a < b, a, b); }
SNN__AI snn__v8f snn__vmax(snn__v8f a, snn__v8f b) { return snn__vsel(a > b, a, b); }

/* 2^t on 8 lanes for t <= 127 (callers bound t above; t < -126 is raised
 * to -126 here, so the result is never Inf and never a denormal): t = n + f,
 * n = round(t), |f| <= 1/2; 2^f by a degree-5 polynomial fitted for
 * relative error (measured max |rel err| 2.4e-7 in float arithmetic over
 * [-1/2, 1/2]), 2^n by building the exponent bits. 18 vector operations. */
SNN__AI snn__v8f snn__vexp2f(snn__v8f t) {
  t = snn__vmax(t, SNN__BC(-126.0f));
  /* y = 1.5 * 2^23 + n exactly (|t| < 2^22): n sits in y's low mantissa bits */
  snn__v8f y = t + SNN__BC(12582912.0f);
  snn__v8f f = t - (y - SNN__BC(12582912.0f));
  /* Estrin's scheme: a shorter dependency chain than Horner's */
  snn__v8f f2 = f * f;
  snn__v8f a = SNN__BC(1.000000072f) + SNN__BC(6.931469670e-1f) * f;
  snn__v8f b = SNN__BC(2.402211972e-1f) + SNN__BC(5.550713311e-2f) * f;
  snn__v8f d = SNN__BC(9.675541721e-3f) + SNN__BC(1.327646109e-3f) * f;
  snn__v8f p = a + f2 * (b + f2 * d);
  /* (bits of y) << 23 == n << 23 (mod 2^32): the other bits shift out */
  snn__v8i e = ((snn__v8i)y << 23) + (127 << 23);
  return p * (snn__v8f)e;
}

/* One Heun step of length h (per lane) without spike handling: the new v, u,
 * r, the activity mask (0 while refractory), the embedded error estimates
 * of v and u, and whether the predictor was clipped. */
typedef struct snn__m2d_heun {
  snn__v8f vn, un, rn, act, ev, eu;
  snn__v8i clipped;
} snn__m2d_heun;

SNN__AI snn__m2d_heun snn__m2d_vheun(const snn__m2d *c, snn__m2d_vf f, int has_ref, snn__v8f v,
                                     snn__v8f u, snn__v8f r, snn__v8f h, snn__v8f I) {
  const snn__v8f zero = SNN__BC(0.0f), one = SNN__BC(1.0f);
  snn__m2d_heun o;
  const snn__v8f hh = SNN__BC(0.5f) * h;
  /* act = 0 while refractory; without a refractory period (t_ref = 0, all
   * presets) r stays 0 and the masking is skipped (x * 1 is exact, so the
   * result is the same; has_ref is a constant in the kernels, so both
   * variants are compiled). Selects and masks only choose between values
   * computed anyway, so the loop stays branch-free. */
  o.act = has_ref ? snn__vsel(r > hh, zero, one) : one;
  snn__v8f fv1, fu1, fv2, fu2;
  f(c, v, u, I, &fv1, &fu1);
  if (has_ref) fv1 = fv1 * o.act;
  snn__v8f vp = v + h * fv1;
  o.clipped = ~(vp < SNN__BC(c->v_clip));
  vp = snn__vsel(o.clipped, SNN__BC(c->v_clip), vp);
  snn__v8f up = u + h * fu1;
  f(c, vp, up, I, &fv2, &fu2);
  if (has_ref) fv2 = fv2 * o.act;
  o.vn = v + hh * (fv1 + fv2);
  o.un = u + hh * (fu1 + fu2);
  o.rn = zero;
  if (has_ref) o.rn = snn__vmax(r - h, zero);
  o.ev = hh * (fv2 - fv1);
  o.eu = hh * (fu2 - fu1);
  return o;
}

/* One sub-step of length h + q (q: the carry, the part of the previous
 * sub-step that elapsed after a spike: the crossing time is estimated by
 * linear interpolation between v and the pre-reset v, and the neuron
 * restarts from the reset at that time instead of at the sub-step's end;
 * this removes the O(h) reset-timing error that otherwise dominates).
 * Returns 1.0 in lanes that spiked; *vpre (if not NULL) gets the pre-reset v. */
SNN__AI snn__v8f snn__m2d_vsubstep(const snn__m2d *c, snn__m2d_vf f, int has_ref, snn__v8f *v_io,
                                   snn__v8f *u_io, snn__v8f *r_io, snn__v8f *q_io, snn__v8f I,
                                   snn__v8f *vpre) {
  const snn__v8f zero = SNN__BC(0.0f), one = SNN__BC(1.0f);
  const snn__v8f v = *v_io, h = SNN__BC(c->h) + *q_io;
  snn__m2d_heun o = snn__m2d_vheun(c, f, has_ref, v, *u_io, *r_io, h, I);
  snn__v8f sf = snn__vsel(o.vn >= SNN__BC(c->v_peak), o.act, zero);
  snn__v8i s = sf != zero;
  /* fraction of the sub-step after the crossing, in [0, 1] */
  snn__v8f den = snn__vmax(o.vn - v, SNN__BC(1e-20f));
  snn__v8f frac = (o.vn - SNN__BC(c->v_peak)) / den;
  frac = snn__vmax(snn__vmin(frac, one), zero);
  if (vpre) *vpre = o.vn;
  *v_io = snn__vsel(s, SNN__BC(c->v_reset), o.vn);
  *u_io = o.un + sf * SNN__BC(c->u_jump);
  *r_io = snn__vsel(s, SNN__BC(c->t_ref), o.rn);
  *q_io = sf * (frac * h);
  return sf;
}

/* The whole-step attempt: lanes where it is accepted get ok = -1 and their
 * new v, u, r in *vn, *un, *rn (q becomes 0, no spike). */
SNN__AI snn__v8i snn__m2d_vtrial(const snn__m2d *c, snn__m2d_vf f, int has_ref, snn__v8f v,
                                 snn__v8f u, snn__v8f r, snn__v8f q, snn__v8f I, snn__v8f *vn,
                                 snn__v8f *un, snn__v8f *rn) {
  const snn__v8f h = SNN__BC(c->dt) + q;
  snn__m2d_heun o = snn__m2d_vheun(c, f, has_ref, v, u, r, h, I);
  const snn__v8i nosign = SNN__BC(0.0f) == SNN__BC(0.0f); /* all ones */
  const snn__v8i absm = (snn__v8i)((snn__v8i)nosign & ~(snn__v8i)SNN__BC(-0.0f));
  snn__v8f aev = (snn__v8f)((snn__v8i)o.ev & absm), aeu = (snn__v8f)((snn__v8i)o.eu & absm);
  /* u's error counts by its effect on v over the step, h |e_u| / C <= tol */
  snn__v8i ok = (o.vn < SNN__BC(c->v_peak)) & ~o.clipped & (aev <= SNN__BC(c->tol)) &
                (aeu * h <= SNN__BC(c->tolC));
  /* refractory for none or all of the step */
  if (has_ref) ok &= (r == SNN__BC(0.0f)) | (r >= h);
  *vn = o.vn;
  *un = o.un;
  *rn = o.rn;
  return ok;
}

SNN__AI snn__v8f snn__vload(const float *p) {
  snn__v8f x;
  memcpy(&x, p, sizeof x);
  return x;
}
SNN__AI void snn__vstore(float *p, snn__v8f x) { memcpy(p, &x, sizeof x); }

#ifdef SNN__M2D_STATS /* experiments only: counts of neuron-steps and sub-stepped ones */
extern size_t snn__m2d_stat_n, snn__m2d_stat_sub;
#  define SNN__M2D_STAT(x) x
#else
#  define SNN__M2D_STAT(x)
#endif

/* Independent 8-lane groups per whole-step attempt (latency hiding; 2 measured
 * no worse than 1 or 4, though the figures were noisy on a loaded machine). */
#ifndef SNN__M2D_G
#  define SNN__M2D_G 2
#endif

/* Neurons gathered for sub-stepping per flush (a multiple of 8). */
#define SNN__M2D_CAP 256

/* Sub-steps the neurons idx[0..np) (np <= SNN__M2D_CAP) from their stored
 * state, 8 at a time from a dense buffer; all groups advance one sub-step
 * before the next, so the independent groups overlap in the pipeline. */
SNN__AI void snn__m2d_flush(const snn__m2d *c, snn__m2d_vf f, int has_ref, float *V, float *U,
                            float *R, float *Q, const float *i_in, uint8_t *spikes,
                            const size_t *idx, size_t np) {
  float bv[SNN__M2D_CAP], bu[SNN__M2D_CAP], br[SNN__M2D_CAP], bq[SNN__M2D_CAP];
  float bi[SNN__M2D_CAP], bs[SNN__M2D_CAP];
  const size_t ng = (np + 7) / 8;
  SNN__M2D_STAT(snn__m2d_stat_sub += np);
  for (size_t k = 0; k < 8 * ng; k++) {
    size_t j = idx[k < np ? k : 0]; /* padding lanes repeat the first neuron */
    bv[k] = V[j];
    bu[k] = U[j];
    br[k] = R[j];
    bq[k] = Q[j];
    bi[k] = i_in ? i_in[j] : 0.0f;
    bs[k] = 0.0f;
  }
  for (size_t s = 0; s < c->n_sub; s++)
    for (size_t g = 0; g < 8 * ng; g += 8) {
      snn__v8f v = snn__vload(bv + g), u = snn__vload(bu + g), r = snn__vload(br + g);
      snn__v8f q = snn__vload(bq + g);
      snn__v8f sp = snn__m2d_vsubstep(c, f, has_ref, &v, &u, &r, &q, snn__vload(bi + g), NULL);
      snn__vstore(bv + g, v);
      snn__vstore(bu + g, u);
      snn__vstore(br + g, r);
      snn__vstore(bq + g, q);
      snn__vstore(bs + g, snn__vload(bs + g) + sp);
    }
  for (size_t k = 0; k < np; k++) {
    size_t j = idx[k];
    V[j] = bv[k];
    U[j] = bu[k];
    R[j] = br[k];
    Q[j] = bq[k];
    spikes[j] = bs[k] != 0.0f;
  }
}

/* The whole-step attempt on the 8 * G neurons at V..Q[0..8G), I[0..8G)
 * (I NULL: no input); only the first m are real. Accepted neurons get their
 * new state and no spike; rejected ones keep their start state and their
 * index base + j is appended to idx (np entries so far; returns the new
 * count). G independent groups side by side keep the pipeline busy. */
SNN__AI size_t snn__m2d_group(const snn__m2d *c, snn__m2d_vf f, int has_ref, int G, float *V,
                              float *U, float *R, float *Q, const float *I, uint8_t *S, size_t m,
                              size_t base, size_t *idx, size_t np) {
  snn__v8f v[SNN__M2D_G], u[SNN__M2D_G], r[SNN__M2D_G], q[SNN__M2D_G];
  snn__v8f vn[SNN__M2D_G], un[SNN__M2D_G], rn[SNN__M2D_G];
  snn__v8i ok[SNN__M2D_G];
  for (int g = 0; g < G; g++) {
    v[g] = snn__vload(V + 8 * g);
    u[g] = snn__vload(U + 8 * g);
    r[g] = snn__vload(R + 8 * g);
    q[g] = snn__vload(Q + 8 * g);
    ok[g] = snn__m2d_vtrial(c, f, has_ref, v[g], u[g], r[g], q[g],
                            I ? snn__vload(I + 8 * g) : SNN__BC(0.0f), &vn[g], &un[g], &rn[g]);
  }
  for (int g = 0; g < G; g++) {
    snn__vstore(V + 8 * g, snn__vsel(ok[g], vn[g], v[g]));
    snn__vstore(U + 8 * g, snn__vsel(ok[g], un[g], u[g]));
    snn__vstore(R + 8 * g, snn__vsel(ok[g], rn[g], r[g]));
    snn__vstore(Q + 8 * g, snn__vsel(ok[g], SNN__BC(0.0f), q[g]));
  }
  memset(S, 0, m);
  for (int g = 0; g < G; g++) {
    snn__v8b rej = __builtin_convertvector(ok[g] + 1, snn__v8b); /* 1 where rejected */
    uint64_t bits;
    memcpy(&bits, &rej, 8);
    if (bits == 0) continue; /* the common case */
    for (size_t j = 0; j < 8 && 8 * (size_t)g + j < m; j++, bits >>= 8) {
      idx[np] = base + 8 * (size_t)g + j; /* branch-free compaction */
      np += bits & 1u;
    }
  }
  return np;
}

SNN__AI void snn__m2d_run(const snn__m2d *c, snn__m2d_vf f, int has_ref, float *state,
                          const float *i_in, uint8_t *spikes, size_t n) {
  float *V = state, *U = state + n, *R = state + 2 * n, *Q = state + 3 * n;
  size_t idx[SNN__M2D_CAP];
  size_t np = 0, i = 0;
  enum { B = 8 * SNN__M2D_G };
  SNN__M2D_STAT(snn__m2d_stat_n += n);
  if (!(c->tol > 0.0f)) { /* sub-step everything */
    for (; i < n; i++) {
      idx[np++] = i;
      if (np == SNN__M2D_CAP) {
        snn__m2d_flush(c, f, has_ref, V, U, R, Q, i_in, spikes, idx, np);
        np = 0;
      }
    }
  } else {
    for (; i + B <= n; i += B) {
      np = snn__m2d_group(c, f, has_ref, SNN__M2D_G, V + i, U + i, R + i, Q + i,
                          i_in ? i_in + i : NULL, spikes + i, B, i, idx, np);
      if (np > SNN__M2D_CAP - B) {
        snn__m2d_flush(c, f, has_ref, V, U, R, Q, i_in, spikes, idx, np);
        np = 0;
      }
    }
    for (; i < n; i += 8) { /* the rest, 8 at a time, padded with copies of the first */
      const size_t m = n - i < 8 ? n - i : 8;
      float t[5][8];
      for (size_t j = 0; j < 8; j++) {
        size_t k = i + (j < m ? j : 0);
        t[0][j] = V[k];
        t[1][j] = U[k];
        t[2][j] = R[k];
        t[3][j] = Q[k];
        t[4][j] = i_in ? i_in[k] : 0.0f;
      }
      np = snn__m2d_group(c, f, has_ref, 1, t[0], t[1], t[2], t[3], t[4], spikes + i, m, i, idx,
                          np);
      memcpy(V + i, t[0], m * sizeof(float));
      memcpy(U + i, t[1], m * sizeof(float));
      memcpy(R + i, t[2], m * sizeof(float));
      memcpy(Q + i, t[3], m * sizeof(float));
    }
  }
  if (np) snn__m2d_flush(c, f, has_ref, V, U, R, Q, i_in, spikes, idx, np);
}

/* Forward over n neurons (state SoA: v, u, r, q). f must be a constant
 * (inlined) function. */
SNN__AI void snn__m2d_step(const snn__m2d *cp, snn__m2d_vf f, float *state, const float *i_in,
                           uint8_t *spikes, size_t n) {
  const snn__m2d c = *cp;
  if (c.has_ref)
    snn__m2d_run(&c, f, 1, state, i_in, spikes, n);
  else
    snn__m2d_run(&c, f, 0, state, i_in, spikes, n);
}

/* Backward of snn__m2d_step (per neuron; recomputes the step). Reset is
 * detached (v after a spike is the constant v_reset; u += u_jump passes the
 * gradient unchanged). The spike's surrogate gradient is applied at the
 * sub-step with the largest pre-reset v among the non-refractory ones. */
int snn__m2d_grad(const snn__m2d *c, snn__m2d_vf f, snn__m2d_jac jac, const float *state_before,
                  const float *i_in, const float *grad_state, const float *grad_spike,
                  float *grad_state_before, float *grad_in, size_t n,
                  float (*surrogate)(float x, const void *sg_user), const void *sg_user);

/* State initialisation shared by the two kinds: v = v0, u = r = q = 0. */
void snn__m2d_init(float v0, float *state, size_t n);

/* Defines the forward kernel (with its AVX2 clone), step, grad and init of a
 * two-variable kind from make(c, p, dt), the 8-lane right-hand side vf and
 * the scalar Jacobian jac; v0_index is the parameter that is the initial v. */
#define SNN__M2D_DEFINE(prefix, make, vf, jac, v0_index)                                        \
  SNN__HOT static void prefix##_kernel(const snn__m2d *c, float *state, const float *i_in,     \
                                       uint8_t *spikes, size_t n) {                           \
    snn__m2d_step(c, vf, state, i_in, spikes, n);                                              \
  }                                                                                            \
  static void prefix##_step(const double *p, float *state, const float *i_in, uint8_t *spikes, \
                            size_t n, double dt) {                                             \
    snn__m2d c;                                                                                \
    make(&c, p, dt);                                                                           \
    prefix##_kernel(&c, state, i_in, spikes, n);                                               \
  }                                                                                            \
  static int prefix##_grad(const double *p, const float *state_before, const float *i_in,      \
                           const float *grad_state, const float *grad_spike,                   \
                           float *grad_state_before, float *grad_in, size_t n, double dt,      \
                           float (*surrogate)(float x, const void *sg_user),                   \
                           const void *sg_user) {                                              \
    snn__m2d c;                                                                                \
    make(&c, p, dt);                                                                           \
    return snn__m2d_grad(&c, vf, jac, state_before, i_in, grad_state, grad_spike,              \
                         grad_state_before, grad_in, n, surrogate, sg_user);                   \
  }                                                                                            \
  static void prefix##_init(const double *p, float *state, size_t n) {                         \
    snn__m2d_init((float)p[v0_index], state, n);                                               \
  }

#endif

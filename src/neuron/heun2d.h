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
 * slope stays finite. While refractory (r > hu/2) v is held (f_v = 0) and u
 * evolves. After a sub-step, v >= v_peak is a spike: v = v_reset, u += u_jump,
 * r = t_ref (in sub-steps, below), and the time that elapsed after the estimated crossing is
 * carried into the next (sub-)step (q). The step reports a spike when any
 * sub-step spiked. State (SoA): v, u, r (refractory time left), q (carry).
 * r counts in sub-steps h, not ms: a step's length in those units, hu, is
 * n_sub (whole step) or 1 (sub-step), plus q/h right after a spike, so r
 * decreases by exact whole numbers except once after each spike. (Time left
 * in float32 ms decreased by h drifted by rounding over many sub-steps and
 * stopped decreasing once h was below half an ulp of r.)
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
#define SNN__BC(x) ((snn__v8f){(x), (x), (x), (x), (x), (x), (x), (x)})
#define SNN__AI static inline __attribute__((always_inline))

typedef struct snn__m2d {
  float p[8]; /* model constants used by f and jac */
  float invC; /* d f_v / d I */
  float v_peak, v_reset, u_jump, t_ref, v_clip; /* t_ref in ms (set by make) */
  float dt;  /* whole step */
  float h;   /* sub-step, dt / n_sub */
  float t_ref_u; /* t_ref in sub-steps (at most 2^22), what r is set to */
  float nsub_f;  /* n_sub */
  float inv_h;   /* 1 / h: the carry q in sub-steps */
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
  c->nsub_f = (float)ns;
  c->inv_h = (float)(ns / dt);
  c->t_ref_u = (float)fmin((double)c->t_ref * ns / dt, 4194304.0);
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

/* Independent 8-lane groups per whole-step attempt and per sub-stepped chunk
 * (latency hiding). The groups advance stage by stage (the first f of every
 * group, then the predictors, ...), so the instructions of the independent
 * groups sit next to each other in the out-of-order window; a group after a
 * group would need a window of two whole Heun steps. 4 measured up to 20 %
 * faster than 2 for adex, about the same for izhikevich (loaded machine,
 * docs/neuron-models.md). */
#ifndef SNN__M2D_G
#  define SNN__M2D_G 4
#endif

/* Heun steps on G independent groups (G a constant after inlining; G = 1 for
 * one group), stage-interleaved; the arithmetic of each lane is the same for
 * every G. */
SNN__AI void snn__m2d_vheun_n(const snn__m2d *c, snn__m2d_vf f, int has_ref, int G,
                              const snn__v8f *v, const snn__v8f *u, const snn__v8f *r,
                              const snn__v8f *h, const snn__v8f *hu, const snn__v8f *I,
                              snn__m2d_heun *o) {
  const snn__v8f zero = SNN__BC(0.0f), one = SNN__BC(1.0f);
  snn__v8f hh[SNN__M2D_G], fv1[SNN__M2D_G], fu1[SNN__M2D_G], fv2[SNN__M2D_G], fu2[SNN__M2D_G];
  snn__v8f vp[SNN__M2D_G], up[SNN__M2D_G];
  /* act = 0 while refractory; without a refractory period (t_ref = 0, all
   * presets) r stays 0 and the masking is skipped (x * 1 is exact, so the
   * result is the same; has_ref is a constant in the kernels, so both
   * variants are compiled). Selects and masks only choose between values
   * computed anyway, so the loop stays branch-free. */
  for (int g = 0; g < G; g++) {
    hh[g] = SNN__BC(0.5f) * h[g];
    o[g].act = has_ref ? snn__vsel(r[g] > SNN__BC(0.5f) * hu[g], zero, one) : one;
  }
  for (int g = 0; g < G; g++) f(c, v[g], u[g], I[g], &fv1[g], &fu1[g]);
  for (int g = 0; g < G; g++) {
    if (has_ref) fv1[g] = fv1[g] * o[g].act;
    vp[g] = v[g] + h[g] * fv1[g];
    o[g].clipped = ~(vp[g] < SNN__BC(c->v_clip));
    vp[g] = snn__vsel(o[g].clipped, SNN__BC(c->v_clip), vp[g]);
    up[g] = u[g] + h[g] * fu1[g];
  }
  for (int g = 0; g < G; g++) f(c, vp[g], up[g], I[g], &fv2[g], &fu2[g]);
  for (int g = 0; g < G; g++) {
    if (has_ref) fv2[g] = fv2[g] * o[g].act;
    o[g].vn = v[g] + hh[g] * (fv1[g] + fv2[g]);
    o[g].un = u[g] + hh[g] * (fu1[g] + fu2[g]);
    o[g].rn = zero;
    if (has_ref) o[g].rn = snn__vmax(r[g] - hu[g], zero);
    o[g].ev = hh[g] * (fv2[g] - fv1[g]);
    o[g].eu = hh[g] * (fu2[g] - fu1[g]);
  }
}

SNN__AI snn__m2d_heun snn__m2d_vheun(const snn__m2d *c, snn__m2d_vf f, int has_ref, snn__v8f v,
                                     snn__v8f u, snn__v8f r, snn__v8f h, snn__v8f hu,
                                     snn__v8f I) {
  snn__m2d_heun o;
  snn__m2d_vheun_n(c, f, has_ref, 1, &v, &u, &r, &h, &hu, &I, &o);
  return o;
}

/* One sub-step of length h + q on G groups (q: the carry, the part of the
 * previous sub-step that elapsed after a spike: the crossing time is
 * estimated by linear interpolation between v and the pre-reset v, and the
 * neuron restarts from the reset at that time instead of at the sub-step's
 * end; this removes the O(h) reset-timing error that otherwise dominates).
 * sf[g] gets 1.0 in lanes that spiked; vpre[g] (if vpre is not NULL) the
 * pre-reset v. */
SNN__AI void snn__m2d_vsubstep_n(const snn__m2d *c, snn__m2d_vf f, int has_ref, int G,
                                 snn__v8f *v, snn__v8f *u, snn__v8f *r, snn__v8f *q,
                                 const snn__v8f *I, snn__v8f *sf, snn__v8f *vpre) {
  const snn__v8f zero = SNN__BC(0.0f), one = SNN__BC(1.0f);
  snn__v8f h[SNN__M2D_G], hu[SNN__M2D_G];
  snn__m2d_heun o[SNN__M2D_G];
  for (int g = 0; g < G; g++) {
    h[g] = SNN__BC(c->h) + q[g];
    hu[g] = one + q[g] * SNN__BC(c->inv_h);
  }
  snn__m2d_vheun_n(c, f, has_ref, G, v, u, r, h, hu, I, o);
  for (int g = 0; g < G; g++) {
    sf[g] = snn__vsel(o[g].vn >= SNN__BC(c->v_peak), o[g].act, zero);
    snn__v8i s = sf[g] != zero;
    /* fraction of the sub-step after the crossing, in [0, 1] */
    snn__v8f den = snn__vmax(o[g].vn - v[g], SNN__BC(1e-20f));
    snn__v8f frac = (o[g].vn - SNN__BC(c->v_peak)) / den;
    frac = snn__vmax(snn__vmin(frac, one), zero);
    if (vpre) vpre[g] = o[g].vn;
    v[g] = snn__vsel(s, SNN__BC(c->v_reset), o[g].vn);
    u[g] = o[g].un + sf[g] * SNN__BC(c->u_jump);
    r[g] = snn__vsel(s, SNN__BC(c->t_ref_u), o[g].rn);
    q[g] = sf[g] * (frac * h[g]);
  }
}

/* One group (see snn__m2d_vsubstep_n). */
SNN__AI snn__v8f snn__m2d_vsubstep(const snn__m2d *c, snn__m2d_vf f, int has_ref, snn__v8f *v_io,
                                   snn__v8f *u_io, snn__v8f *r_io, snn__v8f *q_io, snn__v8f I,
                                   snn__v8f *vpre) {
  snn__v8f sf;
  snn__m2d_vsubstep_n(c, f, has_ref, 1, v_io, u_io, r_io, q_io, &I, &sf, vpre);
  return sf;
}

/* The whole-step attempt on G groups: lanes where it is accepted get
 * ok[g] = -1 and their new v, u, r in vn, un, rn (q becomes 0, no spike). */
SNN__AI void snn__m2d_vtrial_n(const snn__m2d *c, snn__m2d_vf f, int has_ref, int G,
                               const snn__v8f *v, const snn__v8f *u, const snn__v8f *r,
                               const snn__v8f *q, const snn__v8f *I, snn__v8f *vn,
                               snn__v8f *un, snn__v8f *rn, snn__v8i *ok) {
  snn__v8f h[SNN__M2D_G], hu[SNN__M2D_G];
  snn__m2d_heun o[SNN__M2D_G];
  for (int g = 0; g < G; g++) {
    h[g] = SNN__BC(c->dt) + q[g];
    hu[g] = SNN__BC(c->nsub_f) + q[g] * SNN__BC(c->inv_h);
  }
  snn__m2d_vheun_n(c, f, has_ref, G, v, u, r, h, hu, I, o);
  const snn__v8i nosign = SNN__BC(0.0f) == SNN__BC(0.0f); /* all ones */
  const snn__v8i absm = (snn__v8i)((snn__v8i)nosign & ~(snn__v8i)SNN__BC(-0.0f));
  for (int g = 0; g < G; g++) {
    snn__v8f aev = (snn__v8f)((snn__v8i)o[g].ev & absm);
    snn__v8f aeu = (snn__v8f)((snn__v8i)o[g].eu & absm);
    /* u's error counts by its effect on v over the step, h |e_u| / C <= tol */
    ok[g] = (o[g].vn < SNN__BC(c->v_peak)) & ~o[g].clipped & (aev <= SNN__BC(c->tol)) &
            (aeu * h[g] <= SNN__BC(c->tolC));
    /* refractory for none or all of the step */
    if (has_ref) ok[g] &= (r[g] == SNN__BC(0.0f)) | (r[g] >= hu[g]);
    vn[g] = o[g].vn;
    un[g] = o[g].un;
    rn[g] = o[g].rn;
  }
}

/* The whole-step attempt on one group (see snn__m2d_vtrial_n). */
SNN__AI snn__v8i snn__m2d_vtrial(const snn__m2d *c, snn__m2d_vf f, int has_ref, snn__v8f v,
                                 snn__v8f u, snn__v8f r, snn__v8f q, snn__v8f I, snn__v8f *vn,
                                 snn__v8f *un, snn__v8f *rn) {
  snn__v8i ok;
  snn__m2d_vtrial_n(c, f, has_ref, 1, &v, &u, &r, &q, &I, vn, un, rn, &ok);
  return ok;
}

/* 1 when some lane of x has a bit set. */
SNN__AI int snn__any_nonzero_bits(snn__v8i x) {
  uint64_t w[4];
  memcpy(w, &x, sizeof w);
  return (w[0] | w[1] | w[2] | w[3]) != 0;
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

/* Lanes whose v (bit 0) or u (bit 1) is NaN or Inf (x - x is NaN exactly
 * then); the check of snn_population_step, done while the state is in
 * registers instead of in a second pass over memory. */
SNN__AI snn__v8i snn__m2d_nonfinite(snn__v8f v, snn__v8f u) {
  const snn__v8f zero = SNN__BC(0.0f);
  return (~((v - v) == zero) & 1) | (~((u - u) == zero) & 2);
}

/* Neurons gathered for sub-stepping per flush (a multiple of 8 SNN__M2D_G). */
#define SNN__M2D_CAP 256
_Static_assert(SNN__M2D_CAP % (8 * SNN__M2D_G) == 0, "SNN__M2D_CAP: a multiple of 8 G");

/* Sub-steps the neurons idx[0..np) (np <= SNN__M2D_CAP) from their stored
 * state, 8 G at a time from a dense buffer. */
SNN__AI snn__v8i snn__m2d_flush(const snn__m2d *c, snn__m2d_vf f, int has_ref, float *V,
                                float *U, float *R, float *Q, const float *i_in,
                                uint8_t *spikes, const size_t *idx, size_t np) {
  float bv[SNN__M2D_CAP], bu[SNN__M2D_CAP], br[SNN__M2D_CAP], bq[SNN__M2D_CAP];
  float bi[SNN__M2D_CAP], bs[SNN__M2D_CAP];
  enum { G = SNN__M2D_G };
  /* whole chunks of G groups (SNN__M2D_CAP is a multiple of 8 G) */
  const size_t ng = (np + 8 * G - 1) / (8 * G) * G;
  SNN__M2D_STAT(snn__m2d_stat_sub += np);
  for (size_t k = 0; k < 8 * ng; k++) {
    size_t j = idx[k < np ? k : 0]; /* padding lanes repeat the first neuron */
    bv[k] = V[j];
    bu[k] = U[j];
    br[k] = R[j];
    bq[k] = Q[j];
    bi[k] = i_in ? i_in[j] : 0.0f;
  }
  /* each chunk stays in registers through its sub-steps; its G groups are
   * independent, so they overlap in the pipeline */
  for (size_t g0 = 0; g0 < 8 * ng; g0 += 8 * G) {
    snn__v8f v[G], u[G], r[G], q[G], in[G], sf[G], sp[G];
    for (int g = 0; g < G; g++) {
      v[g] = snn__vload(bv + g0 + 8 * g);
      u[g] = snn__vload(bu + g0 + 8 * g);
      r[g] = snn__vload(br + g0 + 8 * g);
      q[g] = snn__vload(bq + g0 + 8 * g);
      in[g] = snn__vload(bi + g0 + 8 * g);
      sp[g] = SNN__BC(0.0f);
    }
    for (size_t s = 0; s < c->n_sub; s++) {
      snn__m2d_vsubstep_n(c, f, has_ref, G, v, u, r, q, in, sf, NULL);
      for (int g = 0; g < G; g++) sp[g] = sp[g] + sf[g];
    }
    for (int g = 0; g < G; g++) {
      snn__vstore(bv + g0 + 8 * g, v[g]);
      snn__vstore(bu + g0 + 8 * g, u[g]);
      snn__vstore(br + g0 + 8 * g, r[g]);
      snn__vstore(bq + g0 + 8 * g, q[g]);
      snn__vstore(bs + g0 + 8 * g, sp[g]);
    }
  }
  /* finiteness of the results (padding lanes repeat a real neuron) */
  snn__v8i bad = SNN__BC(0.0f) != SNN__BC(0.0f);
  for (size_t g = 0; g < 8 * ng; g += 8)
    bad |= snn__m2d_nonfinite(snn__vload(bv + g), snn__vload(bu + g));
  for (size_t k = 0; k < np; k++) {
    size_t j = idx[k];
    V[j] = bv[k];
    U[j] = bu[k];
    R[j] = br[k];
    Q[j] = bq[k];
    spikes[j] = bs[k] != 0.0f;
  }
  return bad;
}

/* The whole-step attempt on the 8 * G neurons at V..Q[0..8G), I[0..8G)
 * (I NULL: no input); only the first m are real. Accepted neurons get their
 * new state and no spike; rejected ones keep their start state and their
 * index base + j is appended to idx (np entries so far; returns the new
 * count). G independent groups side by side keep the pipeline busy. */
SNN__AI size_t snn__m2d_group(const snn__m2d *c, snn__m2d_vf f, int has_ref, int G, float *V,
                              float *U, float *R, float *Q, const float *I, uint8_t *S, size_t m,
                              size_t base, size_t *idx, size_t np, snn__v8i *bad) {
  snn__v8f v[SNN__M2D_G], u[SNN__M2D_G], r[SNN__M2D_G], q[SNN__M2D_G], in[SNN__M2D_G];
  snn__v8f vn[SNN__M2D_G], un[SNN__M2D_G], rn[SNN__M2D_G];
  snn__v8i ok[SNN__M2D_G];
  for (int g = 0; g < G; g++) {
    v[g] = snn__vload(V + 8 * g);
    u[g] = snn__vload(U + 8 * g);
    r[g] = snn__vload(R + 8 * g);
    q[g] = snn__vload(Q + 8 * g);
    in[g] = I ? snn__vload(I + 8 * g) : SNN__BC(0.0f);
  }
  snn__m2d_vtrial_n(c, f, has_ref, G, v, u, r, q, in, vn, un, rn, ok);
  for (int g = 0; g < G; g++) {
    snn__vstore(V + 8 * g, snn__vsel(ok[g], vn[g], v[g]));
    snn__vstore(U + 8 * g, snn__vsel(ok[g], un[g], u[g]));
    /* r and q change only where they are not +0 (the carry is +0 except
     * after a spike; without a refractory period r stays +0): the stores are
     * skipped when they would write back the same bits, which saves memory
     * traffic (a store costs a read and a write of the line) */
    snn__v8f rs = snn__vsel(ok[g], rn[g], r[g]);
    snn__v8f qs = snn__vsel(ok[g], SNN__BC(0.0f), q[g]);
    if (has_ref)
      snn__vstore(R + 8 * g, rs);
    else if (snn__any_nonzero_bits((snn__v8i)r[g] | (snn__v8i)rs))
      snn__vstore(R + 8 * g, rs);
    if (snn__any_nonzero_bits((snn__v8i)q[g] | (snn__v8i)qs)) snn__vstore(Q + 8 * g, qs);
    /* rejected lanes are checked after their sub-steps (in the flush) */
    *bad |= ok[g] & snn__m2d_nonfinite(vn[g], un[g]);
  }
  memset(S, 0, m);
  for (int g = 0; g < G; g++) {
    int32_t okl[8];
    memcpy(okl, &ok[g], sizeof okl);
    uint64_t w[4];
    memcpy(w, okl, sizeof w);
    if ((w[0] & w[1] & w[2] & w[3]) == UINT64_MAX) continue; /* all accepted: common */
    for (size_t j = 0; j < 8 && 8 * (size_t)g + j < m; j++) {
      idx[np] = base + 8 * (size_t)g + j; /* branch-free compaction */
      np += (size_t)(okl[j] + 1);         /* 1 where rejected */
    }
  }
  return np;
}

SNN__AI unsigned snn__m2d_run(const snn__m2d *c, snn__m2d_vf f, int has_ref, float *state,
                              const float *i_in, uint8_t *spikes, size_t n) {
  float *V = state, *U = state + n, *R = state + 2 * n, *Q = state + 3 * n;
  size_t idx[SNN__M2D_CAP];
  snn__v8i bad = SNN__BC(0.0f) != SNN__BC(0.0f);
  size_t np = 0, i = 0;
  enum { B = 8 * SNN__M2D_G };
  SNN__M2D_STAT(snn__m2d_stat_n += n);
  if (!(c->tol > 0.0f)) { /* sub-step everything */
    for (; i < n; i++) {
      idx[np++] = i;
      if (np == SNN__M2D_CAP) {
        bad |= snn__m2d_flush(c, f, has_ref, V, U, R, Q, i_in, spikes, idx, np);
        np = 0;
      }
    }
  } else {
    for (; i + B <= n; i += B) {
      np = snn__m2d_group(c, f, has_ref, SNN__M2D_G, V + i, U + i, R + i, Q + i,
                          i_in ? i_in + i : NULL, spikes + i, B, i, idx, np, &bad);
      if (np > SNN__M2D_CAP - B) {
        bad |= snn__m2d_flush(c, f, has_ref, V, U, R, Q, i_in, spikes, idx, np);
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
                          np, &bad);
      memcpy(V + i, t[0], m * sizeof(float));
      memcpy(U + i, t[1], m * sizeof(float));
      memcpy(R + i, t[2], m * sizeof(float));
      memcpy(Q + i, t[3], m * sizeof(float));
    }
  }
  if (np) bad |= snn__m2d_flush(c, f, has_ref, V, U, R, Q, i_in, spikes, idx, np);
  unsigned mask = 0;
  for (int j = 0; j < 8; j++) mask |= (unsigned)bad[j];
  return mask;
}

/* Forward over n neurons (state SoA: v, u, r, q). f must be a constant
 * (inlined) function. Returns the public variables that became NaN or Inf
 * somewhere (bit 0: v, bit 1: u). */
SNN__AI unsigned snn__m2d_step(const snn__m2d *cp, snn__m2d_vf f, float *state,
                               const float *i_in, uint8_t *spikes, size_t n) {
  const snn__m2d c = *cp;
  if (c.has_ref) return snn__m2d_run(&c, f, 1, state, i_in, spikes, n);
  return snn__m2d_run(&c, f, 0, state, i_in, spikes, n);
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
  SNN__HOT static unsigned prefix##_kernel(const snn__m2d *c, float *state, const float *i_in, \
                                           uint8_t *spikes, size_t n) {                       \
    return snn__m2d_step(c, vf, state, i_in, spikes, n);                                       \
  }                                                                                            \
  static unsigned prefix##_step(const double *p, float *state, const float *i_in,              \
                                uint8_t *spikes, size_t n, double dt) {                        \
    snn__m2d c;                                                                                \
    make(&c, p, dt);                                                                           \
    return prefix##_kernel(&c, state, i_in, spikes, n);                                        \
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

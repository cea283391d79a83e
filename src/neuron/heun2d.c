/* Backward pass and initialisation of the two-variable integrator (see
 * heun2d.h). */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC optimize("no-trapping-math")
#endif
#include "heun2d.h"

#include <string.h>

#ifdef SNN__M2D_STATS
size_t snn__m2d_stat_n, snn__m2d_stat_sub;
#endif

void snn__m2d_init(float v0, float *state, size_t n) {
  for (size_t i = 0; i < n; i++) state[i] = v0;
  memset(state + n, 0, 3 * n * sizeof(float));
}

/* f at one point (lane 0 of a broadcast evaluation, so it is the forward
 * kernel's arithmetic). */
static void f1(const snn__m2d *c, snn__m2d_vf f, float v, float u, float I, float *fv,
               float *fu) {
  snn__v8f a, b;
  f(c, SNN__BC(v), SNN__BC(u), SNN__BC(I), &a, &b);
  *fv = a[0];
  *fu = b[0];
}

int snn__m2d_grad(const snn__m2d *c, snn__m2d_vf f, snn__m2d_jac jac, const float *state_before,
                  const float *i_in, const float *grad_state, const float *grad_spike,
                  float *grad_state_before, float *grad_in, size_t n,
                  float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  const size_t ns = c->n_sub;
  /* per (sub-)step: start v, u, r, its length h (ms) and hu (sub-steps),
   * pre-reset v, spike flag */
  float *buf = snn__malloc(ns * 6 * sizeof(float));
  uint8_t *spk = snn__malloc(ns);
  if (buf == NULL || spk == NULL) {
    snn__free(buf);
    snn__free(spk);
    return snn__error(SNN_E_NOMEM, "snn__neuron_step_grad: out of memory (%zu sub-steps)", ns);
  }
  float *sv = buf, *su = buf + ns, *sr = buf + 2 * ns, *sh = buf + 3 * ns, *vpre = buf + 4 * ns;
  float *shu = buf + 5 * ns;
  for (size_t i = 0; i < n; i++) {
    const float I = i_in ? i_in[i] : 0.0f;
    snn__v8f v = SNN__BC(state_before[i]), u = SNN__BC(state_before[n + i]);
    snn__v8f r = SNN__BC(state_before[2 * n + i]), q = SNN__BC(state_before[3 * n + i]);
    snn__v8f vI = SNN__BC(I);
    size_t nrec = 0;
    size_t jstar = SIZE_MAX; /* (sub-)step that gets the spike's surrogate gradient */
    snn__v8f vn, un, rn;
    int whole = c->tol > 0.0f && snn__m2d_vtrial(c, f, c->has_ref, v, u, r, q, vI, &vn, &un, &rn)[0] != 0;
    if (whole) {
      sv[0] = v[0];
      su[0] = u[0];
      sr[0] = r[0];
      sh[0] = c->dt + q[0];
      shu[0] = c->nsub_f + q[0] * c->inv_h;
      vpre[0] = vn[0];
      spk[0] = 0;
      nrec = 1;
      if (!(c->has_ref && r[0] > 0.5f * shu[0])) jstar = 0;
    } else {
      for (size_t j = 0; j < ns; j++) {
        sv[j] = v[0];
        su[j] = u[0];
        sr[j] = r[0];
        sh[j] = c->h + q[0];
        shu[j] = 1.0f + q[0] * c->inv_h;
        int refr = c->has_ref && r[0] > 0.5f * shu[j];
        snn__v8f vp;
        spk[j] = snn__m2d_vsubstep(c, f, c->has_ref, &v, &u, &r, &q, vI, &vp)[0] != 0.0f;
        vpre[j] = vp[0];
        if (!refr && (jstar == SIZE_MAX || vpre[j] > vpre[jstar])) jstar = j;
      }
      nrec = ns;
    }
    float gv = grad_state ? grad_state[i] : 0.0f;
    float gu = grad_state ? grad_state[n + i] : 0.0f;
    float gS = grad_spike ? grad_spike[i] : 0.0f;
    float gI = 0.0f;
    for (size_t jj = nrec; jj-- > 0;) {
      /* reset (detached) */
      if (spk[jj]) gv = 0.0f;
      if (jj == jstar && gS != 0.0f) gv += gS * surrogate(vpre[jj] - c->v_peak, sg_user);
      /* Heun stage backward */
      float v0 = sv[jj], u0 = su[jj];
      const float h = sh[jj], hh = 0.5f * h; /* the carry is treated as a constant */
      int refr = c->has_ref && sr[jj] > 0.5f * shu[jj];
      float fv1, fu1;
      f1(c, f, v0, u0, I, &fv1, &fu1);
      fv1 = refr ? 0.0f : fv1;
      float vp = v0 + h * fv1;
      int clipped = !(vp < c->v_clip);
      vp = clipped ? c->v_clip : vp;
      float up = u0 + h * fu1;
      float a11, a12, a21, a22; /* J at y_p */
      jac(c, vp, up, &a11, &a12, &a21, &a22);
      if (refr) a11 = a12 = 0.0f;
      float gk2v = hh * gv, gk2u = hh * gu;
      float gvp = gk2v * a11 + gk2u * a21;
      float gup = gk2v * a12 + gk2u * a22;
      if (clipped) gvp = 0.0f; /* a clipped v_p is a constant */
      float gk1v = hh * gv + h * gvp, gk1u = hh * gu + h * gup;
      float b11, b12, b21, b22; /* J at y */
      jac(c, v0, u0, &b11, &b12, &b21, &b22);
      if (refr) b11 = b12 = 0.0f;
      float ngv = gv + gvp + gk1v * b11 + gk1u * b21;
      float ngu = gu + gup + gk1v * b12 + gk1u * b22;
      if (!refr) gI += (gk1v + gk2v) * c->invC;
      gv = ngv;
      gu = ngu;
    }
    grad_state_before[i] = gv;
    grad_state_before[n + i] = gu;
    grad_state_before[2 * n + i] = 0.0f;
    grad_state_before[3 * n + i] = 0.0f;
    if (grad_in) grad_in[i] = gI;
  }
  snn__free(buf);
  snn__free(spk);
  return SNN_OK;
}

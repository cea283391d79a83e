/* Backward pass of the two-variable Heun integrator (see heun2d.h). */
#include "heun2d.h"

#include <string.h>

int snn__m2d_grad(const snn__m2d *c, snn__m2d_f f, snn__m2d_jac jac, const float *state_before,
                  const float *i_in, const float *grad_state, const float *grad_spike,
                  float *grad_state_before, float *grad_in, size_t n,
                  float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  const size_t ns = c->n_sub;
  /* per sub-step: start v, u, r, q and pre-reset v, spike flag */
  float *buf = snn__malloc(ns * 5 * sizeof(float));
  uint8_t *spk = snn__malloc(ns);
  if (buf == NULL || spk == NULL) {
    snn__free(buf);
    snn__free(spk);
    return snn__error(SNN_E_NOMEM, "snn__neuron_step_grad: out of memory (%zu sub-steps)", ns);
  }
  float *sv = buf, *su = buf + ns, *sr = buf + 2 * ns, *sq = buf + 3 * ns, *vpre = buf + 4 * ns;
  for (size_t i = 0; i < n; i++) {
    float v = state_before[i], u = state_before[n + i], r = state_before[2 * n + i];
    float q = state_before[3 * n + i];
    float I = i_in ? i_in[i] : 0.0f;
    size_t jstar = ns; /* sub-step that gets the spike's surrogate gradient */
    for (size_t j = 0; j < ns; j++) {
      sv[j] = v;
      su[j] = u;
      sr[j] = r;
      sq[j] = q;
      int refr = r > 0.5f * (c->h + q);
      spk[j] = (uint8_t)snn__m2d_substep(c, f, &v, &u, &r, &q, I, &vpre[j]);
      if (!refr && (jstar == ns || vpre[j] > vpre[jstar])) jstar = j;
    }
    float gv = grad_state ? grad_state[i] : 0.0f;
    float gu = grad_state ? grad_state[n + i] : 0.0f;
    float gS = grad_spike ? grad_spike[i] : 0.0f;
    float gI = 0.0f;
    for (size_t jj = ns; jj-- > 0;) {
      /* reset (detached) */
      if (spk[jj]) gv = 0.0f;
      if (jj == jstar && gS != 0.0f) gv += gS * surrogate(vpre[jj] - c->v_peak, sg_user);
      /* Heun stage backward */
      float v0 = sv[jj], u0 = su[jj];
      const float h = c->h + sq[jj], hh = 0.5f * h; /* carry treated as a constant */
      int refr = sr[jj] > hh;
      float fv1, fu1;
      f(c, v0, u0, I, &fv1, &fu1);
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

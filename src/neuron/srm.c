/* "srm": the spike response model of SpikeProp (Bohte, Kok & La Poutre 2002).
 *
 *   u(t) = sum_i w_i eps(t - t_i),   eps(t) = (t/tau) exp(1 - t/tau)  (t > 0)
 *
 * Each input is a weighted impulse arriving at the start of a step (the
 * step's i_in is the summed weight of the spikes that arrive in it); the
 * kernel is the impulse response of the two-variable linear system
 *   dx/dt = -x/tau,   du/dt = -u/tau + (e/tau) x,   x += w on an input,
 * which is integrated exactly (no discretisation error at any dt).
 * The neuron fires once: at the first time u reaches "threshold". Within the
 * step the membrane has the closed form exp(-s/tau)(u0 + (e/tau) x0 s), whose
 * threshold crossing is found to ~1e-12 ms by a safeguarded Newton iteration
 * on that exact expression (not by interpolating between step ends), so the
 * spike time does not depend on dt beyond the rounding of input arrival to
 * step starts. "age" holds the time elapsed since that crossing (-1 before
 * the spike); the precise spike time is (end of the current step) - age.
 * After its spike the neuron keeps integrating but never fires again, until
 * its state is re-initialised. State (SoA, all public): V, x, age. */
#include "neuron_impl.h"
#include "srm.h"

#include <math.h>

#define SRM_E 2.718281828459045235360287

enum { P_TAU, P_THETA, P_N };

static const snn__pdef srm_params[P_N] = {
    {"tau", 7.0, 0.01, 1e4, "ms", "time constant of the kernel eps(t) = (t/tau) exp(1 - t/tau)",
     NULL, 0},
    {"threshold", 1.0, 1e-6, 1e6, "mV", "firing threshold of u (first crossing only)", NULL, 0},
};

static const char *const srm_state_names[] = {"V", "x", "age"};

double snn__srm_eps(double t, double tau) {
  if (!(t > 0.0)) return 0.0;
  double r = t / tau;
  return r * exp(1.0 - r);
}

double snn__srm_deps(double t, double tau) {
  if (!(t > 0.0)) return 0.0;
  double r = t / tau;
  return exp(1.0 - r) * (1.0 - r) / tau;
}

static inline double u_at(double a, double b, double tau, double s) {
  return exp(-s / tau) * (b + a * s);
}

double snn__srm_peak(double a, double b, double tau, double len, double *s_at) {
  double best = b, at = 0.0;
  double ue = u_at(a, b, tau, len);
  if (ue > best) best = ue, at = len;
  if (a > 0.0) {
    double sm = tau - b / a; /* du/ds = 0 */
    if (sm > 0.0 && sm < len) {
      double um = u_at(a, b, tau, sm);
      if (um > best) best = um, at = sm;
    }
  }
  if (s_at) *s_at = at;
  return best;
}

int snn__srm_cross(double a, double b, double tau, double theta, double len, double *s) {
  /* u' = exp(-s/tau)(a - (b + a s)/tau): u rises only while a > 0 and s < tau - b/a. */
  if (!(a > 0.0) || !(len > 0.0)) return 0;
  double hi = tau - b / a;
  if (hi > len) hi = len;
  if (!(hi > 0.0)) return 0;
  if (u_at(a, b, tau, hi) < theta) return 0;
  double lo = 0.0, x = hi;
  for (int it = 0; it < 200; it++) {
    double ex = exp(-x / tau), g = b + a * x;
    double f = ex * g - theta;
    if (f >= 0.0)
      hi = x;
    else
      lo = x;
    if (hi - lo <= 1e-13 * (1.0 + hi)) break;
    double d = ex * (a - g / tau);
    double xn = d > 0.0 ? x - f / d : -1.0;
    x = (xn > lo && xn < hi) ? xn : 0.5 * (lo + hi);
    if (fabs(f) <= 1e-15 * theta && f >= 0.0) break;
  }
  *s = hi; /* u(hi) >= theta: the crossing is in (lo, hi] */
  return 1;
}

static void srm_init(const double *p, float *state, size_t n) {
  (void)p;
  for (size_t i = 0; i < n; i++) {
    state[i] = 0.0f;
    state[n + i] = 0.0f;
    state[2 * n + i] = -1.0f;
  }
}

static unsigned srm_step(const double *p, float *state, const float *i_in, uint8_t *spikes,
                         size_t n, double dt) {
  const double tau = p[P_TAU], theta = p[P_THETA], decay = exp(-dt / tau), ke = SRM_E / tau;
  float *V = state, *X = state + n, *A = state + 2 * n;
  unsigned bad = 0;
  for (size_t i = 0; i < n; i++) {
    double x0 = (double)X[i] + (i_in ? (double)i_in[i] : 0.0);
    double b = V[i], a = ke * x0;
    uint8_t sp = 0;
    if (A[i] >= 0.0f) {
      A[i] = (float)((double)A[i] + dt);
    } else {
      double s;
      if (b >= theta) {
        sp = 1;
        A[i] = (float)dt;
      } else if (snn__srm_cross(a, b, tau, theta, dt, &s)) {
        sp = 1;
        A[i] = (float)(dt - s);
      }
    }
    spikes[i] = sp;
    V[i] = (float)(decay * (b + a * dt));
    X[i] = (float)(x0 * decay);
    bad |= (unsigned)!isfinite(V[i]) | (unsigned)!isfinite(X[i]) << 1 |
           (unsigned)!isfinite(A[i]) << 2;
  }
  return bad;
}

const snn__kind snn__kind_srm = {"srm", srm_params, P_N, srm_state_names, 3, 3, NULL, 0,
                                 srm_init, srm_step, NULL};

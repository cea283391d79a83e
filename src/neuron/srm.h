/* Spike-response-model helpers shared by the "srm" neuron kind
 * (src/neuron/srm.c) and the SpikeProp learner (src/learn/spikeprop.c).
 * Never installed.
 *
 * Kernel: eps(t) = (t/tau) exp(1 - t/tau) for t > 0, else 0 (peak 1 at t = tau).
 * A sum of such kernels between two input events has the closed form
 *   u(s) = exp(-s/tau) (b + a s),  s = time since the reference point,
 * where b = u at the reference point and a = (e/tau) * sum_i w_i exp(-(r - t_i)/tau)
 * (the "x" variable of the kind, scaled). An input of weight w arriving at
 * the reference point adds (e/tau) w to a and nothing to b, so u is
 * continuous and only its slope jumps. */
#ifndef SNN_SRM_H
#define SNN_SRM_H

#include <stddef.h>

/* eps(t) and d eps / dt (0 for t <= 0). */
double snn__srm_eps(double t, double tau);
double snn__srm_deps(double t, double tau);

/* First s in (0, len] with exp(-s/tau)(b + a s) = theta, given b < theta.
 * Returns 1 and sets *s (to ~1e-12 ms, safeguarded Newton on the exact
 * expression) or 0 when u stays below theta on [0, len]. */
int snn__srm_cross(double a, double b, double tau, double theta, double len, double *s);

/* Largest value of exp(-s/tau)(b + a s) on [0, len] and where it is. */
double snn__srm_peak(double a, double b, double tau, double len, double *s_at);

#endif

/* Internal interface of the neuron module (src/neuron), for the layer,
 * network and learning modules. Never installed.
 *
 * State layout is structure-of-arrays: variable k of neuron i is
 * state[k*n + i]. Variable 0 is always V (membrane potential). The public
 * state variables (snn_neuron_model_state_count()) come first; hidden ones
 * (e.g. the refractory counter) follow them, so snn__neuron_n_state()
 * >= snn_neuron_model_state_count(). Built-in layouts:
 *   if, lif:      V, r, c     r = refractory steps left, c = float32
 *                             compensation of V (V + c is the exact value)
 *   izhikevich:   V, u, r, q  r = refractory time left in sub-steps h, q =
 *                             sub-step carry (ms) after a spike
 *   adex:         V, w, r, q
 *   custom:       ops->n_state variables (no hidden ones)
 * After overwriting V directly, zero the hidden variables after r (c, q);
 * snn__neuron_init_state() sets all of them.
 *
 * None of these functions sets snn_last_error() for argument errors beyond
 * basic NULL checks; callers pass validated arguments. A custom model's
 * callback status is passed on unchanged.
 */
#ifndef SNN_NEURON_H
#define SNN_NEURON_H

#include "internal.h"

/* Total state floats per neuron, including hidden ones (refractory counter). */
size_t snn__neuron_n_state(const snn_neuron_model *m);

/* Writes the initial state of n neurons (SoA: var k of neuron i at state[k*n+i]).
 * Returns SNN_OK or a custom model's init status. */
int snn__neuron_init_state(const snn_neuron_model *m, float *state, size_t n);

/* Advances n neurons by dt ms. i_in may be NULL (= zero input). spikes[i] is
 * set to 0/1 (spikes must not be NULL). Returns SNN_OK or a custom status. */
int snn__neuron_step(const snn_neuron_model *m, float *state, const float *i_in,
                     uint8_t *spikes, size_t n, double dt);

/* snn__neuron_step(), and *bad_var = the first public state variable that
 * holds a NaN or Inf after the step, or -1 when all are finite. Built-in
 * kinds check inside their kernels; custom models by a pass over the state.
 * On an error status *bad_var is -1. */
int snn__neuron_step_checked(const snn_neuron_model *m, float *state, const float *i_in,
                             uint8_t *spikes, size_t n, double dt, int *bad_var);

/* 1 when snn__neuron_step_grad() is available for this model, else 0. */
int snn__neuron_has_grad(const snn_neuron_model *m);

/* Backward pass of one snn__neuron_step() (for BPTT).
 * state_before: the n_state*n state passed to step (before it was advanced).
 * i_in: the input of that step (NULL = zero; then grad_in may be NULL too).
 * grad_state:  dL/d(state after the step), n_state*n floats (NULL = zero).
 * grad_spike:  dL/d(spike emitted in the step), n floats (NULL = zero).
 * grad_state_before (out): dL/d(state_before), n_state*n floats.
 * grad_in (out): dL/d(i_in), n floats (may be NULL when not wanted).
 * surrogate(x, sg_user): surrogate derivative d spike / d x where x is the
 * distance to threshold (V - V_th for if/lif, v - v_peak for izhikevich,
 * V - V_peak for adex) in mV. The reset is treated as detached (no gradient
 * flows through the reset's dependence on the spike), the common choice in
 * surrogate-gradient training; gradients through hidden refractory counters
 * are zero. Returns SNN_OK, SNN_E_UNSUPPORTED (no gradient for this model),
 * or a custom model's status. */
int snn__neuron_step_grad(const snn_neuron_model *m, const float *state_before,
                          const float *i_in, const float *grad_state,
                          const float *grad_spike, float *grad_state_before, float *grad_in,
                          size_t n, double dt,
                          float (*surrogate)(float x, const void *sg_user),
                          const void *sg_user);

/* Current parameter values in param-table order (snn_neuron_model_param_info
 * order). Borrowed; valid while m lives and is not modified. */
const double *snn__neuron_params(const snn_neuron_model *m);

/* Index of parameter `name` in the table, or -1 if unknown. */
int snn__neuron_param_index(const snn_neuron_model *m, const char *name);

/* The `user` pointer of a custom model whose step callback is `step`, else
 * NULL: lets a module recognise models of its own kinds (src/nir). */
typedef int (*snn__custom_step_fn)(void *user, const double *params, float *state,
                                   const float *i_in, uint8_t *spikes, size_t n, double dt);
void *snn__neuron_custom_user(const snn_neuron_model *m, snn__custom_step_fn step);

#endif

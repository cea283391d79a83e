/* Batched forward/backward engine shared by snn_network_predict and the BPTT
 * learner. Internal; never installed.
 *
 * Layout: activations are time-major with the batch inside,
 * a[(t*b + s)*n + j] for step t, sample s (b = rows of the current batch),
 * neuron j. A layer whose input is constant over time (direct encoding, or a
 * neuron-less pool on such an input) stores one block (t = 0) and its
 * current is computed once per sample.
 *
 * Memory when training (floats): for every layer T*B*n_out for the outputs,
 * T*B*n_out surrogate derivatives, T*B*n_out (or B*n_out) currents and as many
 * current gradients, plus T*B*n_in int32 spike indices for dense layers with
 * spiking input; the last layer also keeps its membrane, T*B*n_out.
 * Generic (non-fused) neuron models keep (T+1)*n_state*B*n_out state floats.
 */
#ifndef SNN_ENGINE_H
#define SNN_ENGINE_H

#include "internal.h"
#include "network.h"

/* Surrogate derivative selection (src/learn/surrogate.c). */
typedef struct snn__sg {
  int kind;    /* snn_surrogate */
  float slope;
} snn__sg;
float snn__sg_eval(float x, const void *sg); /* sg: const snn__sg * */
/* x[i] <- surrogate'(x[i]) for n values */
void snn__sg_apply(const snn__sg *sg, float *x, size_t n);

typedef struct snn__engine snn__engine;

/* Creates a workspace for batches of up to `batch` samples. train = 1 keeps
 * what the backward pass needs. sg may be NULL when train is 0.
 * Returns SNN_OK, SNN_E_NOMEM, SNN_E_UNSUPPORTED (train and a model without gradient). */
int snn__engine_create(snn__engine **out, snn_network *net, size_t batch, int train,
                       const snn__sg *sg);
void snn__engine_free(snn__engine *e);

/* Encodes b <= batch samples x[b*n_in] with encoder stream `stream` and runs
 * all layers over T steps. activity (may be NULL): per layer, adds the total
 * output spikes and synaptic operations of this batch.
 * Returns SNN_OK, SNN_E_NUMERIC, or a status of the encoder / a custom model. */
int snn__engine_forward(snn__engine *e, const float *x, size_t b, uint64_t stream,
                        double *act_spikes, double *act_synops);

/* Last layer outputs of the last forward: spikes (or values) and membrane,
 * both [T][b][n_out]. */
const float *snn__engine_out_spikes(const snn__engine *e);
const float *snn__engine_out_mem(const snn__engine *e);
size_t snn__engine_n_out(const snn__engine *e);

/* Readout scores [b][n_out] of the last forward for readout kind SNN__READOUT_*. */
void snn__engine_scores(const snn__engine *e, int readout, float *scores);

/* Backward pass of the last forward (train = 1). dS, dV: dL/d(output spikes)
 * and dL/d(output membrane), [T][b][n_out] each (either may be NULL; both
 * are consumed/modified). grad: the learner's gradient vector in internal
 * layout (snn__param_layout); overwritten.
 * Returns SNN_OK or a custom model's status. */
int snn__engine_backward(snn__engine *e, float *dS, float *dV, float *grad);

/* Offsets of each layer's arrays in the flat internal parameter vector:
 * for layer l, weights at off[3l], bias at off[3l+1], recurrent at off[3l+2]
 * (SIZE_MAX when absent). Returns the total count. off may be NULL. */
size_t snn__param_layout(const snn_network *net, size_t *off);

/* Fills v with the current weights (internal layout), or writes them back. */
void snn__params_gather(const snn_network *net, float *v);
void snn__params_scatter(snn_network *net, const float *v);

/* Monotonic wall clock in seconds. */
double snn__now(void);

/* Test hooks: the change-list kernels of the panel layers (build_delta in
 * engine.c) are used only while snn__engine_delta_enabled is non-zero (the
 * default), and each forward that used them increments
 * snn__engine_delta_uses. */
extern _Atomic int snn__engine_delta_enabled;
extern _Atomic unsigned long snn__engine_delta_uses;

#endif

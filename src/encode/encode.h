/* Internal encoder interface for other libsnn modules (src/net, src/learn).
 * Never installed; not part of the ABI. */
#ifndef SNN_ENCODE_H
#define SNN_ENCODE_H

#include "internal.h"

#include <stddef.h>
#include <stdint.h>

/* 1 when the encoder produces the same output at every step (kind "direct"),
 * so a caller may encode one step and reuse it; 0 otherwise (also for NULL). */
int snn__encoder_is_constant(const snn_encoder *e);

/* For the network's own calls (predict, evaluate, training): SNN_OK unless
 * the encoder is "direct" with |gain| > 1 and gain * x[i] does not fit a
 * float for some of x[0..n) (finite x assumed); then SNN_E_INVALID naming fn
 * and the caller's index (sample and feature when nf > 0). Checked before
 * any work, so a failure leaves nothing half done. */
int snn__encoder_check_gain(const snn_encoder *e, const float *x, size_t n, size_t nf,
                            const char *fn);

/* Value of parameter `name` (e.g. "dt", "gain"); NaN for NULL or an unknown name. */
double snn__encoder_param(const snn_encoder *e, const char *name);

/* Symbolic name of the current value of parameter i when it is an
 * enumerated parameter ("map" -> "linear"/"log", "off_spikes" -> "off"/"on"),
 * NULL for numeric parameters, NULL e or i out of range. Used by the model
 * file writer (src/net/serialize.c) to store enumerations by name. */
const char *snn__encoder_param_symbol(const snn_encoder *e, size_t i);

/* Encodes a batch: x holds batch rows of n_in values (x[b*n_in + i]); for
 * kind "delta" each sample is a time series, x[(b*n_steps + t)*n_in + i]).
 * Writes out[(t*batch + b)*n_chan + j] (time-major, batch inside), with
 * n_chan = snn_encoder_output_size(e, n_in); out must hold
 * n_steps*batch*n_chan floats.
 *
 * Deterministic: the random numbers of sample b depend only on the encoder's
 * generator state, `stream` and b (the generator is NOT advanced), so the
 * result does not depend on threads or on how a batch is split; callers pass
 * a different stream per call (e.g. epoch * n_batches + batch index).
 * "delta" starts from reference 0 for every sample and does not touch the
 * encoder's streaming state.
 * Returns SNN_OK, SNN_E_INVALID (NULL, zero sizes, overflow, NaN/Inf input),
 * SNN_E_RANGE (inconsistent parameters, e.g. population I_max <= I_min).
 * Never allocates. */
int snn__encoder_encode_batch(snn_encoder *e, float *out, const float *x, size_t batch,
                              size_t n_in, size_t n_steps, uint64_t stream);

/* 1 when snn__encoder_rate_lists() can encode for this encoder (kind "rate",
 * whose output is always 0/1), else 0 (also for NULL). */
int snn__encoder_can_list(const snn_encoder *e);

/* Per-sample generator state of snn__encoder_rate_lists(): the caller
 * provides `batch` of them (snn__encoder_lanes_size() bytes each, 16-byte
 * aligned). */
size_t snn__encoder_lanes_size(void);

/* The "rate" encoding of a batch as index lists instead of a 0/1 matrix:
 * row r = t*batch + b (the row of out[] in snn__encoder_encode_batch) gets
 * the inputs that fire, ascending, in idx[rp[r] .. rp[r] + cnt[r]); the
 * spikes are exactly those of snn__encoder_encode_batch with the same
 * arguments. Lists are packed per block of consecutive rows that one thread
 * writes, each block starting at idx + (first row) * n_in, so idx must hold
 * n_steps*batch*n_in entries. Runs on the OpenMP threads for large batches;
 * the result does not depend on their number. *nnz gets the number of spikes.
 * Returns SNN_OK, SNN_E_INVALID (NULL, zero sizes, overflow, NaN/Inf input),
 * SNN_E_UNSUPPORTED when !snn__encoder_can_list(e). Never allocates. */
int snn__encoder_rate_lists(snn_encoder *e, const float *x, size_t batch, size_t n_in,
                            size_t n_steps, uint64_t stream, void *lanes, int32_t *cnt,
                            size_t *rp, int32_t *idx, size_t *nnz);

#endif

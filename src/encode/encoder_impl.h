/* Private to src/encode: the encoder object and the per-kind kernels. */
#ifndef SNN_ENCODER_IMPL_H
#define SNN_ENCODER_IMPL_H

#include "internal.h"

#include <stddef.h>
#include <stdint.h>

enum { SNN__ENC_RATE, SNN__ENC_LATENCY, SNN__ENC_DIRECT, SNN__ENC_POPULATION, SNN__ENC_DELTA };

#define SNN__ENC_MAX_PARAMS 8

/* parameter indices, per kind ("dt" is present in every kind) */
enum { SNN__RATE_MAX_RATE, SNN__RATE_DT, SNN__RATE_N };
enum { SNN__LAT_MAP, SNN__LAT_T_MAX, SNN__LAT_TAU, SNN__LAT_THRESHOLD, SNN__LAT_DT, SNN__LAT_N };
enum { SNN__DIR_GAIN, SNN__DIR_DT, SNN__DIR_N };
enum {
  SNN__POP_M, SNN__POP_I_MIN, SNN__POP_I_MAX, SNN__POP_BETA, SNN__POP_T_MAX,
  SNN__POP_THRESHOLD, SNN__POP_DT, SNN__POP_N
};
enum { SNN__DELTA_THRESHOLD, SNN__DELTA_OFF, SNN__DELTA_DT, SNN__DELTA_N };

struct snn_encoder {
  int kind;
  double p[SNN__ENC_MAX_PARAMS];
  snn__rng rng;
  /* "delta" streaming state: reference value per channel (allocated on first use) */
  float *delta_ref;
  size_t delta_n;
  int delta_valid;
};

/* 8 parallel xoshiro128+ generators (state word w of lane k is s[w][k]). */
#define SNN__LANES 8
typedef struct snn__lanes {
  uint32_t s[4][SNN__LANES];
} snn__lanes;
void snn__lanes_seed(snn__lanes *L, snn__rng *r);

/* Kernels. out rows are `stride` floats apart (row t at out + t*stride);
 * each writes n_chan floats per row for n_steps rows. Inputs are validated. */
void snn__enc_rate(const snn_encoder *e, float *out, size_t stride, const float *x, size_t n_in,
                   size_t n_steps, snn__lanes *L);
/* one step of "rate" as the ascending list of the inputs that fire (the same
 * numbers as snn__enc_rate's row); ix has room for n_in entries; returns its length */
size_t snn__enc_rate_list(const snn_encoder *e, int32_t *ix, const float *x, size_t n_in,
                          snn__lanes *L);
void snn__enc_direct(const snn_encoder *e, float *out, size_t stride, const float *x,
                     size_t n_in, size_t n_steps);
/* single-spike kinds: spike times (ms, -1 = none), and the spike trains */
void snn__enc_latency_times(const snn_encoder *e, float *times, const float *x, size_t n_in);
void snn__enc_latency(const snn_encoder *e, float *out, size_t stride, const float *x,
                      size_t n_in, size_t n_steps);
void snn__enc_population_times(const snn_encoder *e, float *times, const float *x, size_t n_in);
void snn__enc_population(const snn_encoder *e, float *out, size_t stride, const float *x,
                         size_t n_in, size_t n_steps);
/* zeroes n_steps rows of n_chan floats */
void snn__enc_zero(float *out, size_t stride, size_t n_chan, size_t n_steps);
/* step index of a spike at time t (ms), or SIZE_MAX when t < 0 or not before n_steps*dt */
size_t snn__enc_step_of(double t, double dt, size_t n_steps);
/* delta: ref holds n_in reference values, updated; x is n_steps rows of n_in */
void snn__enc_delta(const snn_encoder *e, float *out, size_t stride, const float *x,
                    size_t n_in, size_t n_steps, float *ref);

#endif

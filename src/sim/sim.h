/* Internal interface of the event-driven simulator (src/sim). Never installed.
 *
 * Layout: populations own structure-of-arrays neuron state; every projection
 * is stored by source in CSR form (row_ptr[n_src+1] offsets into tgt[] of
 * local target indices, optional per-synapse weights w[]). Spikes are
 * delivered into a ring of per-neuron input accumulators (one float per
 * neuron, receptor and delay slot, global neuron index), which each
 * population adds to its synaptic variables at the start of the step the
 * input is due. See docs/simulation.md. */
#ifndef SNN_SIM_H
#define SNN_SIM_H

#include "internal.h"

#define SNN__SIM_MAX_DELAY 1000u /* steps */

typedef struct snn__sp_pop {
  snn_neuron_model *model;
  size_t n, offset; /* neurons and first global index */
  int fast;         /* 1: "lif" with the built-in exact/exponential kernels */
  int cond;         /* 0 current-based, 1 conductance-based */
  int euler;        /* lif conductance kernel: 1 = forward Euler instead of exponential Euler */
  int record;
  double tau_e, tau_i, E_e, E_i, I_e;
  float *V;           /* fast path: n (generic: points into state) */
  int32_t *ref;       /* fast path: refractory steps left */
  float *ge, *gi;     /* synaptic variables (pA or nS); delay-0 projections add to them directly */
  int ring;           /* 1: a projection with a delay >= 1 step targets it (read the ring) */
  float *state;       /* generic path: n_state * n (SoA) */
  size_t n_state;
  float *iin;         /* generic path: input current of the step */
} snn__sp_pop;

typedef struct snn__sp_proj {
  size_t src, dst;
  int inh;            /* 0 exc, 1 inh */
  uint32_t delay;     /* steps */
  size_t n_src;
  uint64_t *row;      /* n_src + 1 */
  uint32_t *tgt;      /* nnz local target indices, ascending per row */
  float *w;           /* nnz per-synapse weights, or NULL */
  float w0;           /* shared weight when w == NULL */
  size_t nnz;
} snn__sp_proj;

struct snn_spnet {
  double dt;
  uint64_t seed;
  size_t record_limit;
  uint32_t n_threads;
  snn__rng rng;
  uint64_t n_streams; /* random streams handed out (connect, uniform) */

  snn__sp_pop *pops;
  size_t n_pops, cap_pops;
  snn__sp_proj *projs;
  size_t n_projs, cap_projs;
  size_t n_total;

  /* run-time buffers, allocated by the first run */
  int prepared;
  int broken; /* a run failed in the middle of a step: state inconsistent until reset */
  uint32_t n_slots;   /* max delay + 1 */
  float *buf_e, *buf_i; /* n_slots * n_total each */
  uint8_t *spk8;      /* generic populations: the model kernel's spike bytes */
  uint32_t *fired;    /* n_total: global indices fired in the step (ascending) */

  uint64_t step;
  uint64_t n_spikes, n_dropped, n_events;
  double build_seconds, sim_seconds;

  struct snn__sp_rec { uint32_t step, neuron; } *rec;
  size_t n_rec, cap_rec;
};

/* spnet.c: allocates the delay ring and step buffers (first run; spnet_io.c
 * calls it when loading a network that had run). */
int snn__sp_prepare(snn_spnet *net, const char *fn);

/* connect.c: draws projection `pr` (src/dst/n_src filled in) with rng. */
int snn__sp_draw(snn__sp_proj *pr, size_t n_src, size_t n_dst, int same, int rule, double p,
                 uint32_t k, int autapses, double w, double w_sd, snn__rng *rng, const char *fn);

/* kernels.c: per-step neuron updates over [a, b) of a population.
 * in_e/in_i point at the population's slice of the current ring slot (read,
 * then zeroed). The indices (base + j) of the neurons that fired are written
 * to out[] in ascending order (room for b-a entries); returns their count. */
typedef struct snn__sp_consts {
  float EL, Vth, Vreset, dth, C, gL;
  int subtract;
  int32_t ref_steps;
  float Pm, Pe, Pi, Pb;  /* current-based exact propagators */
  float De, Di, Ae, Ai;  /* decays and step-mean factors of the synaptic variables */
  float Ee, Ei, Ie, h;
} snn__sp_consts;

size_t snn__sp_lif_cuba(const snn__sp_consts *k, float *V, int32_t *ref, float *ge, float *gi,
                        float *in_e, float *in_i, uint32_t base, uint32_t *out, size_t m);
size_t snn__sp_lif_coba(const snn__sp_consts *k, float *V, int32_t *ref, float *ge, float *gi,
                        float *in_e, float *in_i, uint32_t base, uint32_t *out, size_t m);
size_t snn__sp_lif_coba_euler(const snn__sp_consts *k, float *V, int32_t *ref, float *ge,
                              float *gi, float *in_e, float *in_i, uint32_t base, uint32_t *out,
                              size_t m);
/* generic path: adds inputs, writes the step-mean input current, decays */
void snn__sp_syn_current(const snn__sp_consts *k, const float *V, float *ge, float *gi,
                         float *in_e, float *in_i, float *iin, int cond, size_t m);
/* appends indices base+i of the nonzero bytes of spk[0..m) to out; returns the count */
size_t snn__sp_collect8(const uint8_t *spk, size_t m, uint32_t base, uint32_t *out);

#endif

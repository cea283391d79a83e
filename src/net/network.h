/* Internal definitions of layers and networks (src/layer, src/net, src/learn,
 * and the model-file serializer). Never installed; not part of the ABI.
 *
 * Weight storage (internal layout; the public snn_layer_param_get/set use the
 * layout documented in snn.h and convert):
 * - dense:  w is INPUT-MAJOR, w[i*n_out + o] = public W[o][i]  (n_in x n_out),
 *           so a spike of input i adds one contiguous row; bias b[o];
 *           recurrent r[j*n_out + o] = public R[o][j] (also input-major).
 * - conv2d: w[o][c][ky][kx] exactly as public (out_c x in_c*kh*kw); bias b[o].
 * - pool2d: no weights.
 * The serializer should go through snn__layer_param_copy_out/in (below),
 * which convert between the internal and the public layout.
 */
#ifndef SNN_NETWORK_INTERNAL_H
#define SNN_NETWORK_INTERNAL_H

#include "internal.h"

typedef enum snn__layer_kind {
  SNN__LAYER_DENSE = 1,
  SNN__LAYER_CONV2D = 2,
  SNN__LAYER_POOL2D = 3
} snn__layer_kind;

struct snn_layer {
  int kind;                    /* snn__layer_kind */
  size_t in_c, in_h, in_w;     /* input shape (dense: 1 x 1 x n_in) */
  size_t out_c, out_h, out_w;  /* output shape (dense: 1 x 1 x n_out) */
  size_t n_in, n_out;          /* flattened sizes */
  size_t kh, kw, stride, pad;  /* conv2d; pool2d uses kh = kw = size, stride */
  int pool;                    /* snn_pool_kind (pool2d) */
  snn_neuron_model *model;     /* owned; NULL only for a neuron-less pool2d */
  int has_bias;                /* dense/conv2d: bias enabled */
  int has_rec;                 /* dense: recurrent enabled */
  float *w;                    /* weights (aligned), NULL for pool2d */
  float *b;                    /* bias (aligned), always allocated for dense/conv2d */
  float *r;                    /* recurrent (aligned), allocated while has_rec */
  size_t n_w;                  /* floats in w */
  int in_network;              /* 1 once owned by a network */
  int32_t *delay;              /* per-input delay in steps [n_in] (NIR Delay), NULL = none:
                                  the layer reads X[t - delay[k]][k] (0 before step 0) */
  int32_t max_delay;           /* max of delay[] (0 when delay is NULL) */
};

/* readout kinds (setting "readout") */
enum { SNN__READOUT_COUNT = 0, SNN__READOUT_MEM = 1, SNN__READOUT_MEM_MAX = 2 };

struct snn__engine; /* forward/backward workspace, src/net/engine.c */

struct snn_network {
  size_t in_c, in_h, in_w, n_in;
  snn_layer **layers;
  size_t n_layers, cap_layers;
  snn_encoder *enc;      /* owned copy; default "direct" */
  uint32_t steps;        /* T */
  double dt;             /* ms */
  uint64_t seed;
  int readout;           /* SNN__READOUT_* */
  /* activity of the last predict/evaluate, per layer */
  int have_activity;
  double *act_spikes;    /* n_layers (allocated with the layer array) */
  double *act_synops;
  struct snn__engine *pred; /* cached inference workspace (may be NULL) */
  uint64_t version;      /* bumped by every change of layers, encoder or settings */
};

/* ---- layer helpers (src/layer/layer.c) ---------------------------------- */
/* Fill weights/bias (and recurrent) uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)]. */
void snn__layer_init_weights(snn_layer *l, snn__rng *rng);
/* fan-in used by the initialiser */
size_t snn__layer_fan_in(const snn_layer *l);
/* Copies parameter array `which` (SNN_PARAM_*) out in the PUBLIC layout, or in. n must
 * equal snn_layer_param_size(). Return SNN_OK or SNN_E_NOTFOUND (no such array). */
int snn__layer_param_copy_out(float *dst, const snn_layer *l, int which);
/* 1 when parameter array `which` of l holds a NaN or infinity; *idx: the first
 * such element's index in the snn_layer_param_get() layout. 0 otherwise. */
int snn__layer_param_nonfinite(const snn_layer *l, int which, size_t *idx);
int snn__layer_param_copy_in(snn_layer *l, int which, const float *src);
/* Deep copy of a layer (not in a network). */
int snn__layer_clone(snn_layer **out, const snn_layer *l);
void snn__layer_destroy(snn_layer *l); /* frees regardless of in_network */
/* Per-input delays (steps, n = l->n_in values in [0, SNN__MAX_DELAY_STEPS]); d NULL or
 * all zero removes them. Validates, copies; SNN_E_INVALID/SNN_E_NOMEM naming fn. */
#define SNN__MAX_DELAY_STEPS 1000000
int snn__layer_set_delay(snn_layer *l, const int32_t *d, size_t n, const char *fn);
/* Zero padding of a sum/avg pool2d layer not yet in a network (NIR padded pools):
 * pad <= size / 2; the output shape is recomputed. AVG keeps the divisor size^2
 * (padded cells count, PyTorch's count_include_pad). SNN_E_INVALID naming fn. */
int snn__layer_set_pool_pad(snn_layer *l, size_t pad, const char *fn);
/* One channel plane of a zero-padded sum/avg pool: x [in_h][in_w] -> o [out_h][out_w];
 * cells outside the input add 0, avg divides by size^2. Used by both simulators. */
void snn__pool_plane_padded(const snn_layer *l, const float *x, float *o);
/* Its adjoint (BPTT): dx [in_h][in_w] = the gradient of the plane's input given dy
 * [out_h][out_w]; each output's gradient goes to its window's cells inside the input. */
void snn__pool_plane_padded_grad(const snn_layer *l, const float *dy, float *dx);

/* ---- network helpers (src/net/network.c) -------------------------------- */
/* Drops the cached inference workspace (after any structural change). */
void snn__network_invalidate(snn_network *net);

#endif

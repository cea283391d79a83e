/* The "bptt" learner: surrogate-gradient backpropagation through time over
 * the batched engine (src/net/engine.c), with Adam or SGD+momentum, weight
 * decay, learning-rate schedules, global-norm clipping and seeded shuffling. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "../encode/encode.h"
#include "../net/engine.h"
#include "learn.h"
#include "spikeprop_impl.h"
#include "stdp_impl.h"

struct snn_learner {
  const char *kind;     /* first member of every learner struct (snn_learner_kind) */
  uint32_t tag;         /* 0 here; SNN__STDP_TAG in STDP-family learners (stdp_impl.h) */
  snn_network *net;
  snn_bptt_options o;   /* resolved options */
  size_t n_params;
  float *grad;          /* internal layout */
  snn__optim opt;
  snn__seg *segs;
  size_t n_segs;
  size_t *layout;       /* the network's layer layout at creation (layout_of) */
  size_t n_layout;
  snn__engine *eng;
  size_t cap;           /* engine batch capacity */
  uint64_t eng_version; /* network version the engine was built for */
  float *dS, *dV;       /* T * cap * C */
  float *xb;            /* cap * n_in */
  int32_t *yb;
  double lr;
  uint32_t epoch;
  uint64_t n_steps;     /* batches processed (encoder stream) */
  snn__sg sg;
};

int snn_bptt_options_init(snn_bptt_options *o, size_t struct_size) {
  static const char fn[] = "snn_bptt_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < offsetof(snn_bptt_options, learning_rate) + sizeof(double))
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is too small (this library: %zu)", fn,
                      struct_size, sizeof(snn_bptt_options));
  size_t n = struct_size < sizeof *o ? struct_size : sizeof *o;
  memset(o, 0, n);
  if (struct_size > sizeof *o) memset((char *)o + sizeof *o, 0, struct_size - sizeof *o);
  o->struct_size = struct_size;
  return SNN_OK;
}

static int resolve(snn_bptt_options *r, const snn_bptt_options *in, const char *fn) {
  memset(r, 0, sizeof *r);
  if (in) {
    int rc = snn__check_struct_size(in, in->struct_size,
                                    offsetof(snn_bptt_options, learning_rate) + sizeof(double),
                                    sizeof *in, fn, "snn_bptt_options");
    if (rc != SNN_OK) return rc;
    memcpy(r, in, in->struct_size < sizeof *r ? in->struct_size : sizeof *r);
  }
  r->struct_size = sizeof *r;
  const double dbl[] = {r->learning_rate, r->surrogate_slope, r->momentum, r->beta1, r->beta2,
                        r->epsilon, r->weight_decay, r->gamma, r->grad_clip, r->target_rate};
  for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
    if (!isfinite(dbl[i]))
      return snn__error(SNN_E_INVALID, "%s: an option is NaN or infinite", fn);
#define RANGE_IF(cond, ...) \
  if (cond) return snn__error(SNN_E_RANGE, __VA_ARGS__)
  if (r->learning_rate == 0) r->learning_rate = 1e-3;
  RANGE_IF(r->learning_rate < 0 || r->learning_rate > 1e3, "%s: learning_rate must be in (0, 1e3] (got %g)", fn, r->learning_rate);
  if (r->batch_size == 0) r->batch_size = 128;
  RANGE_IF(r->batch_size > 65536, "%s: batch_size must be in [1, 65536] (got %u)", fn, (unsigned)r->batch_size);
  if (r->optimizer == 0) r->optimizer = SNN_OPTIMIZER_ADAM;
  RANGE_IF(r->optimizer != SNN_OPTIMIZER_ADAM && r->optimizer != SNN_OPTIMIZER_SGD, "%s: unknown optimizer %d", fn, (int)r->optimizer);
  if (r->loss == 0) r->loss = SNN_LOSS_CE_COUNT;
  RANGE_IF(r->loss < SNN_LOSS_CE_COUNT || r->loss > SNN_LOSS_CE_MEM_STEPS, "%s: unknown loss %d", fn, (int)r->loss);
  if (r->surrogate == 0) r->surrogate = SNN_SURROGATE_FAST_SIGMOID;
  RANGE_IF(r->surrogate < SNN_SURROGATE_FAST_SIGMOID || r->surrogate > SNN_SURROGATE_TRIANGLE, "%s: unknown surrogate %d", fn, (int)r->surrogate);
  if (r->surrogate_slope == 0) r->surrogate_slope = 25.0;
  RANGE_IF(r->surrogate_slope < 0 || r->surrogate_slope > 1e6, "%s: surrogate_slope must be in (0, 1e6] (got %g)", fn, r->surrogate_slope);
  if (r->momentum == 0) r->momentum = 0.9;
  RANGE_IF(r->momentum < 0 || r->momentum >= 1, "%s: momentum must be in [0, 1) (got %g)", fn, r->momentum);
  if (r->beta1 == 0) r->beta1 = 0.9;
  RANGE_IF(r->beta1 < 0 || r->beta1 >= 1, "%s: beta1 must be in [0, 1) (got %g)", fn, r->beta1);
  if (r->beta2 == 0) r->beta2 = 0.999;
  RANGE_IF(r->beta2 < 0 || r->beta2 >= 1, "%s: beta2 must be in [0, 1) (got %g)", fn, r->beta2);
  if (r->epsilon == 0) r->epsilon = 1e-8;
  RANGE_IF(r->epsilon < 0 || r->epsilon > 1, "%s: epsilon must be in (0, 1] (got %g)", fn, r->epsilon);
  RANGE_IF(r->weight_decay < 0 || r->weight_decay > 1, "%s: weight_decay must be in [0, 1] (got %g)", fn, r->weight_decay);
  if (r->schedule == 0) r->schedule = SNN_SCHEDULE_CONSTANT;
  RANGE_IF(r->schedule < SNN_SCHEDULE_CONSTANT || r->schedule > SNN_SCHEDULE_EXP, "%s: unknown schedule %d", fn, (int)r->schedule);
  if (r->gamma == 0) r->gamma = r->schedule == SNN_SCHEDULE_EXP ? 0.9 : 0.1;
  RANGE_IF(r->gamma < 0 || r->gamma > 1, "%s: gamma must be in (0, 1] (got %g)", fn, r->gamma);
  if (r->step_epochs == 0) r->step_epochs = 10;
  if (r->total_epochs == 0) r->total_epochs = 10;
  RANGE_IF(r->grad_clip < 0, "%s: grad_clip must be >= 0 (got %g)", fn, r->grad_clip);
  if (r->target_rate == 0) r->target_rate = 0.8;
  RANGE_IF(r->target_rate < 0 || r->target_rate > 1, "%s: target_rate must be in (0, 1] (got %g)", fn, r->target_rate);
#undef RANGE_IF
  return SNN_OK;
}

void snn_learner_free(snn_learner *l) {
  if (!l) return;
  if (snn__learner_is_stdp(l)) {
    snn__stdp_destroy(l);
    return;
  }
  if (snn__learner_is_spikeprop(l)) {
    snn__spikeprop_destroy(l);
    return;
  }
  snn__aligned_free(l->grad);
  snn__optim_free(&l->opt);
  snn__free(l->segs);
  snn__free(l->layout);
  snn__engine_free(l->eng);
  snn__aligned_free(l->dS);
  snn__aligned_free(l->dV);
  snn__aligned_free(l->xb);
  snn__free(l->yb);
  snn__free(l);
}

const char *snn_learner_kind(const snn_learner *l) { return l ? l->kind : NULL; }
_Static_assert(offsetof(struct snn_learner, tag) == sizeof(char *),
               "the learner tag must sit where stdp_impl.h expects it");

size_t snn_learner_n_params(const snn_learner *l) {
  if (snn__learner_is_spikeprop(l)) return snn__spikeprop_n_params(l);
  return l && !snn__learner_is_stdp(l) ? l->n_params : 0;
}

/* The gradient-based entry points apply to bptt learners only. */
static int require_bptt(const snn_learner *l, const char *fn) {
  if (snn__learner_is_stdp(l) || snn__learner_is_spikeprop(l))
    return snn__error(SNN_E_UNSUPPORTED, "%s: not available for a '%s' learner (bptt only)", fn,
                      l->kind);
  return SNN_OK;
}

/* What the learner's gradient and optimiser layout depend on, per layer:
 * kind, bias, recurrence, weight count, outputs. out NULL: the count. Layers
 * can change in place while they are in the network (snn_layer_set_bias,
 * _set_recurrent, and more layers added) without changing the total
 * parameter count, so that count alone is not enough to notice. */
#define SNN__LAYOUT_PER_LAYER 5
static void layer_sig(const snn_layer *ly, size_t *o) {
  o[0] = (size_t)ly->kind;
  o[1] = (size_t)ly->has_bias;
  o[2] = (size_t)ly->has_rec;
  o[3] = ly->n_w;
  o[4] = ly->n_out;
}

static size_t layout_of(const snn_network *net, size_t *out) {
  if (out)
    for (size_t i = 0; i < net->n_layers; i++)
      layer_sig(net->layers[i], out + SNN__LAYOUT_PER_LAYER * i);
  return SNN__LAYOUT_PER_LAYER * net->n_layers;
}

static int layout_changed(const snn_learner *l) {
  const snn_network *net = l->net;
  if (layout_of(net, NULL) != l->n_layout) return 1;
  for (size_t i = 0; i < net->n_layers; i++) {
    size_t now[SNN__LAYOUT_PER_LAYER];
    layer_sig(net->layers[i], now);
    if (memcmp(now, l->layout + SNN__LAYOUT_PER_LAYER * i, sizeof now) != 0) return 1;
  }
  return 0;
}

/* (re)builds the engine and batch buffers for `cap` samples and the current settings */
static int ensure_engine(snn_learner *l, size_t cap) {
  snn_network *net = l->net;
  if (layout_changed(l))
    return snn__error(SNN_E_STATE, "the network's layers changed after the learner was created "
                                   "(%zu layers now, %zu then; layers added, or bias or "
                                   "recurrence switched); create a new learner",
                      net->n_layers, l->n_layout / SNN__LAYOUT_PER_LAYER);
  if (snn__param_layout(net, NULL) != l->n_params)
    return snn__error(SNN_E_STATE, "the network's parameters changed after the learner was "
                                   "created (%zu floats, learner has %zu); create a new learner",
                      snn__param_layout(net, NULL), l->n_params);
  if (l->eng && cap <= l->cap && l->eng_version == net->version) return SNN_OK;
  if (cap < l->cap) cap = l->cap;
  snn__engine_free(l->eng);
  l->eng = NULL;
  snn__aligned_free(l->dS);
  snn__aligned_free(l->dV);
  snn__aligned_free(l->xb);
  snn__free(l->yb);
  l->dS = l->dV = l->xb = NULL;
  l->yb = NULL;
  l->cap = 0;
  int rc = snn__engine_create(&l->eng, net, cap, 1, &l->sg);
  if (rc != SNN_OK) return rc;
  size_t C = snn_network_n_outputs(net), T = net->steps;
  l->dS = snn__aligned_alloc(T * cap * C, sizeof(float));
  l->dV = snn__aligned_alloc(T * cap * C, sizeof(float));
  l->xb = snn__aligned_alloc(cap * net->n_in, sizeof(float));
  l->yb = snn__malloc(cap * sizeof(int32_t));
  if (!l->dS || !l->dV || !l->xb || !l->yb) {
    snn__engine_free(l->eng);
    l->eng = NULL;
    return snn__error(SNN_E_NOMEM, "out of memory for the training workspace (batch %zu)", cap);
  }
  l->cap = cap;
  l->eng_version = net->version;
  return SNN_OK;
}

int snn_learner_create_bptt(snn_learner **out, snn_network *net, const snn_bptt_options *opts) {
  static const char fn[] = "snn_learner_create_bptt";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(net, fn);
  snn_bptt_options r;
  int rc = resolve(&r, opts, fn);
  if (rc != SNN_OK) return rc;
  if (net->n_layers == 0) return snn__error(SNN_E_STATE, "%s: the network has no layers", fn);
  snn_learner *l = snn__calloc(1, sizeof *l);
  if (!l) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  l->kind = "bptt";
  l->net = net;
  l->o = r;
  l->lr = r.learning_rate;
  l->sg.kind = r.surrogate;
  l->sg.slope = (float)r.surrogate_slope;
  l->n_params = snn__param_layout(net, NULL);
  l->segs = snn__calloc(3 * net->n_layers, sizeof *l->segs);
  l->n_layout = layout_of(net, NULL);
  l->layout = snn__calloc(l->n_layout, sizeof *l->layout);
  if (l->layout) layout_of(net, l->layout);
  l->grad = snn__aligned_alloc(l->n_params ? l->n_params : 1, sizeof(float));
  if (!l->segs || !l->layout || !l->grad ||
      snn__optim_init(&l->opt, r.optimizer, l->n_params) != SNN_OK) {
    size_t np = l->n_params;
    snn_learner_free(l);
    return snn__error(SNN_E_NOMEM, "%s: out of memory for %zu parameters", fn, np);
  }
  l->opt.b1 = r.beta1;
  l->opt.b2 = r.beta2;
  l->opt.eps = r.epsilon;
  l->opt.momentum = r.momentum;
  l->opt.wd = r.weight_decay;
  rc = ensure_engine(l, r.batch_size);
  if (rc != SNN_OK) {
    snn_learner_free(l);
    return rc;
  }
  *out = l;
  return SNN_OK;
}

/* optimiser segments = the layers' parameter arrays, in gradient order
 * (rebuilt before every step: arrays may have been reallocated) */
static void build_segs(snn_learner *l) {
  snn_network *net = l->net;
  l->n_segs = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    snn_layer *ly = net->layers[i];
    if (ly->kind == SNN__LAYER_POOL2D) continue;
    l->segs[l->n_segs++] = (snn__seg){ly->w, ly->n_w};
    if (ly->has_bias)
      l->segs[l->n_segs++] = (snn__seg){ly->b, ly->kind == SNN__LAYER_DENSE ? ly->n_out : ly->out_c};
    if (ly->has_rec) l->segs[l->n_segs++] = (snn__seg){ly->r, ly->n_out * ly->n_out};
  }
}

static double schedule_lr(const snn_learner *l) {
  double e = (double)l->epoch, lr = l->lr;
  switch (l->o.schedule) {
  case SNN_SCHEDULE_STEP: return lr * pow(l->o.gamma, floor(e / (double)l->o.step_epochs));
  case SNN_SCHEDULE_EXP: return lr * pow(l->o.gamma, e);
  case SNN_SCHEDULE_COSINE: {
    double tt = e < (double)l->o.total_epochs ? e : (double)l->o.total_epochs;
    return lr * 0.5 * (1.0 + cos(3.14159265358979323846 * tt / (double)l->o.total_epochs));
  }
  default: return lr;
  }
}

static uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* forward + loss + backward on b samples in l->xb / l->yb; grad in l->grad */
static int compute(snn_learner *l, size_t b, double *loss, size_t *correct) {
  uint64_t stream = mix64(l->o.seed ^ mix64(l->n_steps)) | (1ull << 63);
  l->n_steps++;
  int rc = snn__engine_forward(l->eng, l->xb, b, stream, NULL, NULL);
  if (rc != SNN_OK) return rc;
  size_t C = snn__engine_n_out(l->eng);
  rc = snn__loss(l->o.loss, l->o.target_rate, l->net->steps, b, C, snn__engine_out_spikes(l->eng),
                 snn__engine_out_mem(l->eng), l->yb, l->dS, l->dV, loss, correct);
  if (rc != SNN_OK) return rc;
  if (!isfinite(*loss)) return snn__error(SNN_E_NUMERIC, "the loss became %g", *loss);
  int need_s = l->o.loss == SNN_LOSS_CE_COUNT || l->o.loss == SNN_LOSS_MSE_COUNT;
  return snn__engine_backward(l->eng, need_s ? l->dS : NULL, need_s ? NULL : l->dV, l->grad);
}

static int check_batch(const snn_learner *l, const float *x, const int32_t *labels, size_t n,
                       size_t n_inputs, const char *fn) {
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: n must be >= 1", fn);
  if (n_inputs != l->net->n_in)
    return snn__error(SNN_E_INVALID, "%s: n_inputs must be %zu (got %zu)", fn, l->net->n_in, n_inputs);
  if (n > 65536) return snn__error(SNN_E_INVALID, "%s: n must be <= 65536 (got %zu)", fn, n);
  size_t C = snn_network_n_outputs(l->net);
  for (size_t i = 0; i < n; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= C)
      return snn__error(SNN_E_INVALID, "%s: labels[%zu] = %d is outside [0, %zu)", fn, i,
                        (int)labels[i], C);
  for (size_t i = 0; i < n * n_inputs; i++)
    if (!isfinite(x[i])) return snn__error(SNN_E_INVALID, "%s: x[%zu] is not finite", fn, i);
  return snn__encoder_check_gain(l->net->enc, x, n * n_inputs, 0, fn);
}

/* gradient step on the batch already in xb/yb */
static int train_step(snn_learner *l, size_t b, double *loss, size_t *correct) {
  int rc = compute(l, b, loss, correct);
  if (rc != SNN_OK) return rc;
  double norm = snn__norm2(l->grad, l->n_params);
  if (!isfinite(norm))
    return snn__error(SNN_E_NUMERIC, "the gradient became NaN/Inf; weights of the last good step kept");
  if (l->o.grad_clip > 0 && norm > l->o.grad_clip) {
    float s = (float)(l->o.grad_clip / norm);
    float *g = l->grad;
#pragma omp parallel for simd schedule(static)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)l->n_params; i++) g[i] *= s;
  }
  build_segs(l);
  if (snn__optim_step(&l->opt, l->segs, l->n_segs, l->grad, schedule_lr(l)))
    return snn__error(SNN_E_NUMERIC,
                      "the update made a weight NaN/Inf (learning rate %g or weight decay too large "
                      "for the data); the weights are no longer usable: re-initialise or reload "
                      "them (snn_network_save refuses them)",
                      schedule_lr(l));
  return SNN_OK;
}

int snn_learner_train_batch(snn_learner *l, double *loss, const float *x, const int32_t *labels,
                            size_t n, size_t n_inputs) {
  static const char fn[] = "snn_learner_train_batch";
  SNN__CHECK_NULL(l, fn);
  if (require_bptt(l, fn) != SNN_OK) return SNN_E_UNSUPPORTED;
  SNN__CHECK_NULL(x, fn);
  SNN__CHECK_NULL(labels, fn);
  int rc = check_batch(l, x, labels, n, n_inputs, fn);
  if (rc != SNN_OK) return rc;
  rc = ensure_engine(l, n);
  if (rc != SNN_OK) return rc;
  memcpy(l->xb, x, n * n_inputs * sizeof(float));
  memcpy(l->yb, labels, n * sizeof(int32_t));
  double ls = 0;
  size_t ok = 0;
  rc = train_step(l, n, &ls, &ok);
  if (rc == SNN_OK && loss) *loss = ls;
  return rc;
}

int snn_learner_gradient(snn_learner *l, float *grad, size_t n_grad, double *loss, const float *x,
                         const int32_t *labels, size_t n, size_t n_inputs) {
  static const char fn[] = "snn_learner_gradient";
  SNN__CHECK_NULL(l, fn);
  if (require_bptt(l, fn) != SNN_OK) return SNN_E_UNSUPPORTED;
  SNN__CHECK_NULL(grad, fn);
  SNN__CHECK_NULL(x, fn);
  SNN__CHECK_NULL(labels, fn);
  if (n_grad != l->n_params)
    return snn__error(SNN_E_INVALID, "%s: n_grad must be %zu (got %zu)", fn, l->n_params, n_grad);
  int rc = check_batch(l, x, labels, n, n_inputs, fn);
  if (rc != SNN_OK) return rc;
  rc = ensure_engine(l, n);
  if (rc != SNN_OK) return rc;
  memcpy(l->xb, x, n * n_inputs * sizeof(float));
  memcpy(l->yb, labels, n * sizeof(int32_t));
  double ls = 0;
  size_t ok = 0;
  uint64_t saved = l->n_steps;
  l->n_steps = 0; /* the same encoder noise for every gradient call */
  rc = compute(l, n, &ls, &ok);
  l->n_steps = saved;
  if (rc != SNN_OK) return rc;
  /* internal -> public layout (dense weights and recurrent are stored transposed) */
  snn_network *net = l->net;
  size_t pos = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    snn_layer *ly = net->layers[i];
    if (ly->kind == SNN__LAYER_POOL2D) continue;
    if (ly->kind == SNN__LAYER_DENSE) {
      for (size_t o = 0; o < ly->n_out; o++)
        for (size_t k = 0; k < ly->n_in; k++) grad[pos + o * ly->n_in + k] = l->grad[pos + k * ly->n_out + o];
    } else {
      memcpy(grad + pos, l->grad + pos, ly->n_w * sizeof(float));
    }
    pos += ly->n_w;
    if (ly->has_bias) {
      size_t nb = ly->kind == SNN__LAYER_DENSE ? ly->n_out : ly->out_c;
      memcpy(grad + pos, l->grad + pos, nb * sizeof(float));
      pos += nb;
    }
    if (ly->has_rec) {
      size_t N = ly->n_out;
      for (size_t o = 0; o < N; o++)
        for (size_t j = 0; j < N; j++) grad[pos + o * N + j] = l->grad[pos + j * N + o];
      pos += N * N;
    }
  }
  if (loss) *loss = ls;
  return SNN_OK;
}

int snn_learner_train_epoch(snn_learner *l, double *mean_loss, const snn_dataset *data,
                            snn_progress_fn cb, void *user) {
  static const char fn[] = "snn_learner_train_epoch";
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(data, fn);
  if (snn__learner_is_stdp(l)) return snn__stdp_train_epoch(l, mean_loss, data, cb, user);
  if (snn__learner_is_spikeprop(l))
    return snn__spikeprop_train_epoch(l, mean_loss, data, cb, user);
  snn_network *net = l->net;
  size_t n = snn_dataset_size(data);
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: the dataset is empty", fn);
  if (snn_dataset_n_features(data) != net->n_in)
    return snn__error(SNN_E_INVALID, "%s: the dataset has %zu features, the network takes %zu", fn,
                      snn_dataset_n_features(data), net->n_in);
  size_t C = snn_network_n_outputs(net), nc = snn_dataset_n_classes(data);
  if (nc == 0) return snn__error(SNN_E_INVALID, "%s: the dataset is unlabelled", fn);
  if (nc > C)
    return snn__error(SNN_E_INVALID, "%s: the dataset has %zu classes, the network only %zu outputs",
                      fn, nc, C);
  size_t B = l->o.batch_size;
  /* the workspace is made (and kept current) at each batch below */
  int rc = snn__encoder_check_gain(net->enc, snn__dataset_x(data), n * net->n_in, net->n_in, fn);
  if (rc != SNN_OK) return rc;
  uint32_t *perm = snn__malloc(n * sizeof(uint32_t));
  if (!perm) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
  snn__rng base, rng;
  snn__rng_seed(&base, l->o.seed);
  snn__rng_fork(&rng, &base, l->epoch);
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)snn__rng_below(&rng, i);
    uint32_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
  size_t nb = (n + B - 1) / B;
  double t0 = snn__now(), sum = 0.0;
  snn_progress p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.epoch = l->epoch;
  p.n_epochs = 1; /* one epoch per snn_learner_train_epoch call */
  p.n_batches = nb;
  for (size_t bi = 0; bi < nb; bi++) {
    size_t s0 = bi * B, b = n - s0 < B ? n - s0 : B;
    /* the progress callback may have changed settings (steps, encoder,
     * delays) since the last batch: the workspace follows them */
    if ((rc = ensure_engine(l, B)) != SNN_OK) goto done;
    for (size_t s = 0; s < b; s++) {
      rc = snn_dataset_get(l->xb + s * net->n_in, l->yb + s, data, perm[s0 + s], 1);
      if (rc != SNN_OK) goto done;
    }
    double ls = 0;
    size_t ok = 0;
    rc = train_step(l, b, &ls, &ok);
    if (rc != SNN_OK) goto done;
    sum += ls;
    if (cb) {
      p.batch = bi;
      p.loss = ls;
      p.accuracy = (double)ok / (double)b;
      p.seconds = snn__now() - t0;
      if (cb(&p, user) != 0) {
        rc = snn__error(SNN_E_CANCELED, "%s: canceled by the progress callback after batch %zu", fn, bi);
        goto done;
      }
    }
  }
  l->epoch++;
  if (mean_loss) *mean_loss = sum / (double)nb;
done:
  snn__free(perm);
  return rc;
}

int snn_learner_set_learning_rate(snn_learner *l, double lr) {
  static const char fn[] = "snn_learner_set_learning_rate";
  SNN__CHECK_NULL(l, fn);
  if (snn__learner_is_spikeprop(l)) return snn__spikeprop_set_learning_rate(l, lr);
  if (require_bptt(l, fn) != SNN_OK) return SNN_E_UNSUPPORTED;
  if (!isfinite(lr)) return snn__error(SNN_E_INVALID, "%s: lr must be finite (got %g)", fn, lr);
  if (!(lr > 0) || lr > 1e3) return snn__error(SNN_E_RANGE, "%s: lr must be in (0, 1e3] (got %g)", fn, lr);
  l->lr = lr;
  return SNN_OK;
}

int snn_learner_set_epoch(snn_learner *l, uint32_t epoch) {
  SNN__CHECK_NULL(l, "snn_learner_set_epoch");
  if (require_bptt(l, "snn_learner_set_epoch") != SNN_OK) return SNN_E_UNSUPPORTED;
  l->epoch = epoch;
  return SNN_OK;
}

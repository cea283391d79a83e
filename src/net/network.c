/* Networks: a feed-forward stack of layers, an encoder and run settings;
 * batched predict/evaluate and activity statistics. */
#include <math.h>
#include <string.h>

#include "../encode/encode.h"
#include "engine.h"
#include "network.h"
#include "../learn/learn.h"

#define SNN__PREDICT_CHUNK 256

void snn__network_invalidate(snn_network *net) {
  net->version++;
  net->have_activity = 0;
  snn__engine_free(net->pred);
  net->pred = NULL;
}

int snn_network_create(snn_network **out, size_t in_c, size_t in_h, size_t in_w) {
  static const char fn[] = "snn_network_create";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  size_t n;
  if (in_c == 0 || in_h == 0 || in_w == 0)
    return snn__error(SNN_E_INVALID, "%s: input shape must be >= 1 in every dimension (got %zux%zux%zu)",
                      fn, in_c, in_h, in_w);
  if (snn__mul_size(&n, in_c, in_h) || snn__mul_size(&n, n, in_w) || n > INT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: input %zux%zux%zu is too large", fn, in_c, in_h, in_w);
  snn_network *net = snn__calloc(1, sizeof *net);
  if (!net) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  net->in_c = in_c;
  net->in_h = in_h;
  net->in_w = in_w;
  net->n_in = n;
  net->steps = 25;
  net->dt = 1.0;
  net->readout = SNN__READOUT_COUNT;
  int rc = snn_encoder_create(&net->enc, "direct");
  if (rc != SNN_OK) {
    snn__free(net);
    return rc;
  }
  *out = net;
  return SNN_OK;
}

void snn_network_free(snn_network *net) {
  if (!net) return;
  snn__engine_free(net->pred);
  for (size_t i = 0; i < net->n_layers; i++) snn__layer_destroy(net->layers[i]);
  snn__free(net->layers);
  snn__free(net->act_spikes);
  snn_encoder_free(net->enc);
  snn__free(net);
}

static int grow(snn_network *net, size_t cap) {
  snn_layer **nl = snn__calloc(cap, sizeof *nl);
  double *a = snn__calloc(2 * cap, sizeof(double));
  if (!nl || !a) {
    snn__free(nl);
    snn__free(a);
    return SNN_E_NOMEM;
  }
  if (net->n_layers) memcpy(nl, net->layers, net->n_layers * sizeof *nl);
  snn__free(net->layers);
  snn__free(net->act_spikes);
  net->layers = nl;
  net->act_spikes = a;
  net->act_synops = a + cap;
  net->cap_layers = cap;
  net->have_activity = 0;
  return SNN_OK;
}

int snn_network_clone(snn_network **out, const snn_network *net) {
  static const char fn[] = "snn_network_clone";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(net, fn);
  snn_network *c = snn__calloc(1, sizeof *c);
  if (!c) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  c->in_c = net->in_c;
  c->in_h = net->in_h;
  c->in_w = net->in_w;
  c->n_in = net->n_in;
  c->steps = net->steps;
  c->dt = net->dt;
  c->seed = net->seed;
  c->readout = net->readout;
  int rc = snn_encoder_clone(&c->enc, net->enc);
  if (rc == SNN_OK && net->n_layers) {
    rc = grow(c, net->n_layers);
    if (rc != SNN_OK) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  for (size_t i = 0; rc == SNN_OK && i < net->n_layers; i++) {
    rc = snn__layer_clone(&c->layers[i], net->layers[i]);
    if (rc == SNN_OK) {
      c->layers[i]->in_network = 1;
      c->n_layers++;
    }
  }
  if (rc != SNN_OK) {
    snn_network_free(c);
    return rc;
  }
  *out = c;
  return SNN_OK;
}

int snn_network_add_layer(snn_network *net, snn_layer *layer) {
  static const char fn[] = "snn_network_add_layer";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(layer, fn);
  if (layer->in_network)
    return snn__error(SNN_E_STATE, "%s: the layer already belongs to a network", fn);
  size_t pc, ph, pw;
  if (net->n_layers == 0) {
    pc = net->in_c;
    ph = net->in_h;
    pw = net->in_w;
  } else {
    const snn_layer *p = net->layers[net->n_layers - 1];
    pc = p->out_c;
    ph = p->out_h;
    pw = p->out_w;
  }
  size_t prev_n = pc * ph * pw;
  if (layer->kind == SNN__LAYER_DENSE) {
    if (layer->n_in != prev_n)
      return snn__error(SNN_E_INVALID,
                        "%s: dense layer expects %zu inputs but the %s provides %zux%zux%zu = %zu",
                        fn, layer->n_in, net->n_layers ? "previous layer" : "network input", pc,
                        ph, pw, prev_n);
  } else if (layer->in_c != pc || layer->in_h != ph || layer->in_w != pw) {
    return snn__error(SNN_E_INVALID,
                      "%s: %s layer expects input %zux%zux%zu but the %s provides %zux%zux%zu", fn,
                      snn_layer_kind(layer), layer->in_c, layer->in_h, layer->in_w,
                      net->n_layers ? "previous layer" : "network input", pc, ph, pw);
  }
  if (net->n_layers == net->cap_layers) {
    size_t cap = net->cap_layers ? 2 * net->cap_layers : 4;
    if (grow(net, cap) != SNN_OK) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  net->layers[net->n_layers++] = layer;
  layer->in_network = 1;
  snn__network_invalidate(net);
  return SNN_OK;
}

size_t snn_network_n_layers(const snn_network *net) { return net ? net->n_layers : 0; }

snn_layer *snn_network_layer(snn_network *net, size_t i) {
  if (!net || i >= net->n_layers) return NULL;
  return net->layers[i];
}

size_t snn_network_n_inputs(const snn_network *net) { return net ? net->n_in : 0; }

int snn_network_input_shape(size_t *c, size_t *h, size_t *w, const snn_network *net) {
  SNN__CHECK_NULL(net, "snn_network_input_shape");
  snn__shape_out(c, h, w, net->in_c, net->in_h, net->in_w);
  return SNN_OK;
}

const snn_encoder *snn_network_encoder(const snn_network *net) { return net ? net->enc : NULL; }

int snn_network_set_input_delays(snn_network *net, size_t layer, const int32_t *steps, size_t n) {
  static const char fn[] = "snn_network_set_input_delays";
  SNN__CHECK_NULL(net, fn);
  if (layer >= net->n_layers)
    return snn__error(SNN_E_RANGE, "%s: layer %zu of a network with %zu layers", fn, layer,
                      net->n_layers);
  snn_layer *l = net->layers[layer];
  if (steps == NULL && n == 0) n = l->n_in; /* remove: all zero */
  else SNN__CHECK_NULL(steps, fn);
  int rc = snn__layer_set_delay(l, steps, n, fn);
  if (rc != SNN_OK) return rc;
  snn__network_invalidate(net); /* engines sized for the old delays are rebuilt */
  return SNN_OK;
}

size_t snn_network_n_outputs(const snn_network *net) {
  if (!net || net->n_layers == 0) return 0;
  return net->layers[net->n_layers - 1]->n_out;
}

int snn_network_set_encoder(snn_network *net, const snn_encoder *enc) {
  static const char fn[] = "snn_network_set_encoder";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(enc, fn);
  size_t nc = 0;
  int rc = snn_encoder_output_size(&nc, enc, net->n_in);
  if (rc != SNN_OK) return rc;
  if (strcmp(snn_encoder_kind(enc), "delta") == 0)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: the 'delta' encoder encodes time series; a network takes static inputs",
                      fn);
  /* Its n_in * m channels would need a first layer wider than the network
   * input, which snn_network_add_layer() refuses. */
  if (strcmp(snn_encoder_kind(enc), "population") == 0)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: the 'population' encoder gives %zu channels for %zu inputs; a network's "
                      "first layer takes the network input as it is (use it with SpikeProp, or "
                      "encode with snn_encoder_encode())",
                      fn, nc, net->n_in);
  if (net->n_layers && nc != net->layers[0]->n_in)
    return snn__error(SNN_E_INVALID,
                      "%s: the %s encoder gives %zu channels for %zu inputs but the first layer "
                      "takes %zu",
                      fn, snn_encoder_kind(enc), nc, net->n_in, net->layers[0]->n_in);
  snn_encoder *c;
  rc = snn_encoder_clone(&c, enc);
  if (rc != SNN_OK) return rc;
  snn_encoder_free(net->enc);
  net->enc = c;
  snn__network_invalidate(net);
  return SNN_OK;
}

int snn_network_set(snn_network *net, const char *name, double value) {
  static const char fn[] = "snn_network_set";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(name, fn);
  if (!isfinite(value))
    return snn__error(SNN_E_INVALID, "%s: %s must be finite (got %g)", fn, name, value);
  if (strcmp(name, "steps") == 0) {
    if (value < 1 || value > 100000 || value != floor(value))
      return snn__error(SNN_E_RANGE, "%s: steps must be an integer in [1, 100000] (got %g)", fn, value);
    net->steps = (uint32_t)value;
  } else if (strcmp(name, "dt") == 0) {
    if (!(value > 0) || value > 1e6)
      return snn__error(SNN_E_RANGE, "%s: dt must be in (0, 1e6] ms (got %g)", fn, value);
    net->dt = value;
  } else if (strcmp(name, "seed") == 0) {
    if (value < 0 || value != floor(value) || value > 9007199254740992.0)
      return snn__error(SNN_E_RANGE, "%s: seed must be an integer in [0, 2^53] (got %g)", fn, value);
    net->seed = (uint64_t)value;
    int rc = snn_encoder_seed(net->enc, net->seed);
    if (rc != SNN_OK) return rc;
  } else {
    return snn__error(SNN_E_NOTFOUND, "%s: unknown setting '%s' (valid: steps, dt, seed)", fn, name);
  }
  snn__network_invalidate(net);
  return SNN_OK;
}

int snn_network_set_str(snn_network *net, const char *name, const char *value) {
  static const char fn[] = "snn_network_set_str";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(name, fn);
  SNN__CHECK_NULL(value, fn);
  if (strcmp(name, "readout") != 0)
    return snn__error(SNN_E_NOTFOUND, "%s: unknown setting '%s' (valid: readout)", fn, name);
  if (strcmp(value, "count") == 0) net->readout = SNN__READOUT_COUNT;
  else if (strcmp(value, "membrane") == 0) net->readout = SNN__READOUT_MEM;
  else if (strcmp(value, "membrane_max") == 0) net->readout = SNN__READOUT_MEM_MAX;
  else
    return snn__error(SNN_E_NOTFOUND,
                      "%s: unknown readout '%s' (valid: count, membrane, membrane_max)", fn, value);
  return SNN_OK;
}

int snn_network_get(double *out, const snn_network *net, const char *name) {
  static const char fn[] = "snn_network_get";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(name, fn);
  if (strcmp(name, "steps") == 0) *out = net->steps;
  else if (strcmp(name, "dt") == 0) *out = net->dt;
  else if (strcmp(name, "seed") == 0) *out = (double)net->seed;
  else if (strcmp(name, "readout") == 0) *out = net->readout;
  else
    return snn__error(SNN_E_NOTFOUND, "%s: unknown setting '%s' (valid: steps, dt, seed, readout)",
                      fn, name);
  return SNN_OK;
}

int snn_network_init_weights(snn_network *net, uint64_t seed) {
  SNN__CHECK_NULL(net, "snn_network_init_weights");
  snn__rng rng;
  snn__rng_seed(&rng, seed);
  for (size_t i = 0; i < net->n_layers; i++) {
    snn__rng lr;
    snn__rng_fork(&lr, &rng, i);
    snn__layer_init_weights(net->layers[i], &lr);
  }
  return SNN_OK;
}

static int check_ready(const snn_network *net, const char *fn) {
  if (net->n_layers == 0) return snn__error(SNN_E_STATE, "%s: the network has no layers", fn);
  size_t nc = 0;
  int rc = snn_encoder_output_size(&nc, net->enc, net->n_in);
  if (rc != SNN_OK) return rc;
  if (nc != net->layers[0]->n_in)
    return snn__error(SNN_E_INVALID,
                      "%s: the %s encoder gives %zu channels but the first layer takes %zu", fn,
                      snn_encoder_kind(net->enc), nc, net->layers[0]->n_in);
  return SNN_OK;
}

/* runs n samples in chunks; labels/scores may be NULL */
static int run_predict(snn_network *net, int32_t *labels, float *scores, const float *x, size_t n,
                       const snn_dataset *data, size_t *correct, const char *fn) {
  int rc = check_ready(net, fn);
  if (rc != SNN_OK) return rc;
  size_t chunk = n < SNN__PREDICT_CHUNK ? n : SNN__PREDICT_CHUNK;
  if (chunk == 0) chunk = 1;
  snn__engine *e = NULL;
  rc = snn__engine_create(&e, net, chunk, 0, NULL);
  if (rc != SNN_OK) return rc;
  size_t C = snn_network_n_outputs(net);
  float *sc = snn__malloc(chunk * C * sizeof(float));
  float *xb = data ? snn__malloc(chunk * net->n_in * sizeof(float)) : NULL;
  int32_t *lb = data ? snn__malloc(chunk * sizeof(int32_t)) : NULL;
  if (!sc || (data && (!xb || !lb))) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    goto done;
  }
  net->have_activity = 0;
  for (size_t i = 0; i < net->n_layers; i++) net->act_spikes[i] = net->act_synops[i] = 0.0;
  size_t ok = 0;
  for (size_t s0 = 0, k = 0; s0 < n; s0 += chunk, k++) {
    size_t b = n - s0 < chunk ? n - s0 : chunk;
    const float *xs;
    if (data) {
      rc = snn_dataset_get(xb, lb, data, s0, b);
      if (rc != SNN_OK) goto done;
      xs = xb;
    } else {
      xs = x + s0 * net->n_in;
    }
    rc = snn__engine_forward(e, xs, b, k, net->act_spikes, net->act_synops);
    if (rc != SNN_OK) goto done;
    snn__engine_scores(e, net->readout, sc);
    for (size_t s = 0; s < b; s++) {
      size_t am = snn__argmax(sc + s * C, C);
      if (labels) labels[s0 + s] = (int32_t)am;
      if (data) ok += (int32_t)am == lb[s];
    }
    if (scores) memcpy(scores + s0 * C, sc, b * C * sizeof(float));
  }
  for (size_t i = 0; i < net->n_layers; i++) {
    net->act_spikes[i] /= (double)n;
    net->act_synops[i] /= (double)n;
  }
  net->have_activity = 1;
  if (correct) *correct = ok;
done:
  snn__free(sc);
  snn__free(xb);
  snn__free(lb);
  snn__engine_free(e);
  return rc;
}

int snn_network_predict(snn_network *net, int32_t *labels, float *scores, const float *x, size_t n,
                        size_t n_inputs) {
  static const char fn[] = "snn_network_predict";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(x, fn);
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: n must be >= 1", fn);
  if (n_inputs != net->n_in)
    return snn__error(SNN_E_INVALID, "%s: n_inputs must be %zu (got %zu)", fn, net->n_in, n_inputs);
  size_t tot;
  if (snn__mul_size(&tot, n, n_inputs))
    return snn__error(SNN_E_INVALID, "%s: n * n_inputs overflows", fn);
  for (size_t i = 0; i < tot; i++)
    if (!isfinite(x[i]))
      return snn__error(SNN_E_INVALID, "%s: x[%zu] is not finite", fn, i);
  int rc = snn__encoder_check_gain(net->enc, x, tot, 0, fn);
  if (rc != SNN_OK) return rc;
  return run_predict(net, labels, scores, x, n, NULL, NULL, fn);
}

int snn_network_evaluate(double *accuracy, snn_network *net, const snn_dataset *data) {
  static const char fn[] = "snn_network_evaluate";
  SNN__CHECK_NULL(accuracy, fn);
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(data, fn);
  if (snn_dataset_n_features(data) != net->n_in)
    return snn__error(SNN_E_INVALID, "%s: the dataset has %zu features, the network takes %zu", fn,
                      snn_dataset_n_features(data), net->n_in);
  size_t n = snn_dataset_size(data);
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: the dataset is empty", fn);
  if (snn_dataset_n_classes(data) == 0)
    return snn__error(SNN_E_INVALID, "%s: the dataset is unlabelled", fn);
  /* as training refuses it: labels no output can predict */
  if (snn_dataset_n_classes(data) > snn_network_n_outputs(net))
    return snn__error(SNN_E_INVALID, "%s: the dataset has %zu classes, the network only %zu outputs",
                      fn, snn_dataset_n_classes(data), snn_network_n_outputs(net));
  size_t ok = 0;
  int rc = snn__encoder_check_gain(net->enc, snn__dataset_x(data), n * net->n_in, net->n_in, fn);
  if (rc != SNN_OK) return rc;
  rc = run_predict(net, NULL, NULL, NULL, n, data, &ok, fn);
  if (rc != SNN_OK) return rc;
  *accuracy = (double)ok / (double)n;
  return SNN_OK;
}

int snn_network_activity(double *spikes_per_sample, double *synops_per_sample,
                         const snn_network *net, size_t i) {
  static const char fn[] = "snn_network_activity";
  SNN__CHECK_NULL(net, fn);
  if (!spikes_per_sample && !synops_per_sample)
    return snn__error(SNN_E_INVALID, "%s: both outputs are NULL", fn);
  if (i >= net->n_layers)
    return snn__error(SNN_E_RANGE, "%s: layer %zu out of range (network has %zu)", fn, i,
                      net->n_layers);
  if (!net->have_activity)
    return snn__error(SNN_E_STATE, "%s: no predict or evaluate has run since the last change", fn);
  if (spikes_per_sample) *spikes_per_sample = net->act_spikes[i];
  if (synops_per_sample) *synops_per_sample = net->act_synops[i];
  return SNN_OK;
}

/* Writes the seed corpora of the fuzzers (small valid inputs) into
 *   DIR/model/  model files (every layer kind, neuron kind and encoder kind),
 *               learner files (an STDP learner per rule, SpikeProp learners)
 *               and snn_spnet files
 *   DIR/idx/    IDX image (+ label) files in the fuzz_idx input layout
 *   DIR/csv/    CSV files in the fuzz_csv input layout
 * Usage: make_seeds DIR   (the three subdirectories must exist).
 * Built against the library by fuzz/fuzz.mk; deterministic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn.h"
#include "../src/net/network.h" /* layer input delays (NIR Delay), no public setter */

static const char *dir;
static int failures;

static void put(const char *sub, const char *name, const void *p, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
    fprintf(stderr, "make_seeds: cannot write %s\n", path);
    exit(1);
  }
}

static void save_model(snn_network *net, const char *name) {
  if (net == NULL) return;
  size_t n = 0;
  snn_network_init_weights(net, 7);
  if (snn_network_save_mem(&n, net, NULL, 0) != SNN_E_RANGE) {
    fprintf(stderr, "make_seeds: %s: %s\n", name, snn_last_error());
    failures++;
    return;
  }
  unsigned char *b = malloc(n);
  if (b && snn_network_save_mem(&n, net, b, n) == SNN_OK) put("model", name, b, n);
  free(b);
  snn_network_free(net);
}

/* builds a network or returns NULL (kind not available); a chain of (kind, args) */
static snn_layer *dense(size_t i, size_t o, const char *nk) {
  snn_neuron_model *m = NULL;
  snn_layer *l = NULL;
  if (snn_neuron_model_create(&m, nk) == SNN_OK) snn_layer_create_dense(&l, i, o, m);
  snn_neuron_model_free(m);
  return l;
}

static snn_network *chain(size_t c, size_t h, size_t w, snn_layer **ls, size_t n,
                          const char *enc) {
  snn_network *net = NULL;
  if (snn_network_create(&net, c, h, w) != SNN_OK) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (ls[i] == NULL || snn_network_add_layer(net, ls[i]) != SNN_OK) {
      for (size_t j = i; j < n; j++) snn_layer_free(ls[j]);
      snn_network_free(net);
      failures++;
      return NULL;
    }
  }
  if (enc) {
    snn_encoder *e = NULL;
    if (snn_encoder_create(&e, enc) == SNN_OK) snn_network_set_encoder(net, e);
    snn_encoder_free(e);
  }
  snn_network_set(net, "steps", 4);
  return net;
}

/* learner files (network + STDP section): a trained, labelled STDP learner
 * for each rule, with short presentations so the fuzzer stays fast */
static void learners(void) {
  for (int rule = SNN_STDP_TRIPLET; rule <= SNN_STDP_PRE_TRACE; rule++) {
    snn_layer *ls[1] = {dense(6, 3, "lif")};
    snn_network *net = chain(1, 1, 6, ls, 1, NULL);
    if (net == NULL) continue;
    snn_stdp_options o;
    snn_stdp_options_init(&o, sizeof o);
    o.rule = rule;
    o.t_present = 10;
    o.t_rest = 5;
    o.dt = 1;
    o.max_rate = 300;
    o.max_repeats = 2;
    o.seed = (uint64_t)rule;
    if (rule == SNN_STDP_PAIR_MULTIPLICATIVE) o.inhibition = SNN_STDP_INHIB_DIRECT;
    snn_learner *l = NULL;
    float x[12] = {1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    int32_t y[2] = {0, 1};
    snn_dataset *d = NULL;
    size_t n = 0;
    unsigned char *b = NULL;
    char name[64];
    snprintf(name, sizeof name, "learner-rule%d.snn", rule);
    if (snn_learner_create_stdp(&l, net, &o) != SNN_OK || snn_dataset_create(&d, x, y, 2, 6) != SNN_OK ||
        snn_learner_stdp_train(l, d, 0, NULL, NULL) != SNN_OK ||
        snn_learner_stdp_label(l, d, 0, NULL, NULL) != SNN_OK ||
        snn_learner_save_mem(&n, l, NULL, 0) != SNN_E_RANGE || (b = malloc(n)) == NULL ||
        snn_learner_save_mem(&n, l, b, n) != SNN_OK) {
      fprintf(stderr, "make_seeds: %s: %s\n", name, snn_last_error());
      failures++;
    } else {
      put("model", name, b, n);
    }
    free(b);
    snn_dataset_free(d);
    snn_learner_free(l);
    snn_network_free(net);
  }
}

/* snn_spnet files: a small recurrent network before and after a short run
 * (the latter with a delay ring and recorded spikes) */
static void spnets(void) {
  for (int ran = 0; ran < 2; ran++) {
    snn_spnet *net = NULL;
    snn_neuron_model *m = NULL, *z = NULL;
    snn_spnet_connect_options c = SNN_SPNET_CONNECT_OPTIONS_INIT;
    c.p = 0.5;
    c.weight = 40;
    c.weight_sd = ran ? 5 : 0;
    c.delay = 0.5;
    size_t n = 0;
    unsigned char *b = NULL;
    const char *name = ran ? "spnet-run.snn" : "spnet-new.snn";
    if (snn_spnet_create(&net, NULL) != SNN_OK || snn_neuron_model_create(&m, "lif") != SNN_OK ||
        snn_neuron_model_create(&z, "izhikevich") != SNN_OK ||
        snn_spnet_add_population(NULL, net, m, 4) != SNN_OK ||
        snn_spnet_add_population(NULL, net, z, 2) != SNN_OK ||
        snn_spnet_population_set(net, 0, "I_e", 500) != SNN_OK ||
        snn_spnet_population_set(net, 1, "synapse", 1) != SNN_OK ||
        snn_spnet_connect(NULL, net, 0, 0, &c) != SNN_OK ||
        snn_spnet_connect(NULL, net, 0, 1, &c) != SNN_OK ||
        snn_spnet_state_uniform(net, 0, "V", -56, -55) != SNN_OK ||
        (ran && snn_spnet_run(net, 2) != SNN_OK) ||
        snn_spnet_save_mem(&n, net, NULL, 0) != SNN_E_RANGE || (b = malloc(n)) == NULL ||
        snn_spnet_save_mem(&n, net, b, n) != SNN_OK) {
      fprintf(stderr, "make_seeds: %s: %s\n", name, snn_last_error());
      failures++;
    } else {
      put("model", name, b, n);
    }
    free(b);
    snn_neuron_model_free(m);
    snn_neuron_model_free(z);
    snn_spnet_free(net);
  }
}

/* SpikeProp learner files (SPKP section, no network): population (with
 * late_push), latency (RProp) and no encoder; small (3 terminals) and trained
 * briefly */
static void spikeprops(void) {
  static const char *const encs[] = {"population", "latency", NULL};
  for (int k = 0; k < 3; k++) {
    snn_encoder *enc = NULL;
    snn_learner *l = NULL;
    snn_dataset *d = NULL;
    snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
    o.terminals = 3;
    o.inhibitory_fraction = k == 0 ? 0.34 : 0;
    o.bias = k != 2;
    o.seed = (uint64_t)k;
    o.late_push = k == 0 ? 1.0 : 0.0;
    if (k == 1) { /* the RProp state (steps, last gradients) follows the weights */
      o.update = SNN_SPIKEPROP_RPROP;
      o.batch_size = 2;
    }
    size_t nf = 2, n_in = k == 0 ? 2 * 4 + 1 : k == 1 ? 3 : 2, n = 0;
    float x[4] = {0.1f, 0.9f, 0.8f, 0.2f};
    int32_t y[2] = {0, 1};
    unsigned char *b = NULL;
    char name[64];
    snprintf(name, sizeof name, "spikeprop-%s.snn", encs[k] ? encs[k] : "raw");
    int rc = encs[k] ? snn_encoder_create(&enc, encs[k]) : SNN_OK;
    if (rc == SNN_OK && k == 0) rc = snn_encoder_set(enc, "m", 4);
    if (rc == SNN_OK) rc = snn_learner_create_spikeprop(&l, n_in, 3, 2, NULL, enc, &o);
    if (rc == SNN_OK && enc) rc = snn_dataset_create(&d, x, y, 2, nf);
    if (rc == SNN_OK && d) rc = snn_learner_train_epoch(l, NULL, d, NULL, NULL);
    if (rc != SNN_OK || snn_learner_save_mem(&n, l, NULL, 0) != SNN_E_RANGE ||
        (b = malloc(n)) == NULL || snn_learner_save_mem(&n, l, b, n) != SNN_OK) {
      fprintf(stderr, "make_seeds: %s: %s\n", name, snn_last_error());
      failures++;
    } else {
      put("model", name, b, n);
    }
    free(b);
    snn_dataset_free(d);
    snn_learner_free(l);
    snn_encoder_free(enc);
  }
}

static void models(void) {
  for (size_t k = 0; k < snn_neuron_kind_count(); k++) {
    const char *nk = snn_neuron_kind_name(k);
    char name[64];
    snn_layer *ls[2] = {dense(6, 4, nk), dense(4, 3, "lif")};
    if (ls[0]) snn_layer_set_recurrent(ls[0], 1);
    snprintf(name, sizeof name, "dense-%s.snn", nk);
    save_model(chain(1, 1, 6, ls, 2, k % 2 ? "rate" : "direct"), name);
  }
  snn_neuron_model *m = NULL;
  if (snn_neuron_model_create(&m, "lif") == SNN_OK) {
    snn_layer *ls[3] = {NULL, NULL, NULL};
    snn_layer_create_conv2d(&ls[0], 1, 5, 5, 2, 3, 3, 1, 1, m);
    snn_layer_create_pool2d(&ls[1], 2, 5, 5, SNN_POOL_MAX, 2, 2, NULL);
    ls[2] = dense(8, 3, "if");
    save_model(chain(1, 5, 5, ls, 3, "latency"), "conv-pool.snn");
    snn_layer *ls2[2] = {NULL, NULL};
    snn_layer_create_pool2d(&ls2[0], 1, 4, 4, SNN_POOL_SUM, 2, 2, m);
    ls2[1] = dense(4, 2, "lif");
    save_model(chain(1, 4, 4, ls2, 2, NULL), "pool-neurons.snn");
  }
  snn_neuron_model_free(m);
  {
    /* per-input delays (DLAY sections), as NIR Delay nodes import */
    snn_layer *ls[2] = {dense(6, 4, "lif"), dense(4, 3, "lif")};
    static const int32_t d0[6] = {0, 2, 5, 1, 0, 3}, d1[4] = {1, 0, 4, 2};
    if (ls[0] && ls[1] && snn__layer_set_delay(ls[0], d0, 6, "make_seeds") == SNN_OK &&
        snn__layer_set_delay(ls[1], d1, 4, "make_seeds") == SNN_OK) {
      save_model(chain(1, 1, 6, ls, 2, "direct"), "dense-delay.snn");
    } else {
      snn_layer_free(ls[0]);
      snn_layer_free(ls[1]);
      failures++;
    }
  }
  snn_network *empty = NULL;
  if (snn_network_create(&empty, 1, 1, 2) == SNN_OK) save_model(empty, "empty.snn");
  learners();
  spnets();
  spikeprops();
}

static void idx(void) {
  /* 3 images of 2 x 3, labels 0 1 2; fuzz layout: flags, u16 image length, images, labels */
  unsigned char b[64];
  size_t n = 0;
  b[n++] = 1;
  size_t img_len = 4 + 12 + 18;
  b[n++] = (unsigned char)img_len;
  b[n++] = 0;
  static const unsigned char img_hdr[16] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3};
  memcpy(b + n, img_hdr, 16);
  n += 16;
  for (int i = 0; i < 18; i++) b[n++] = (unsigned char)(i * 15);
  static const unsigned char lab[11] = {0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2};
  memcpy(b + n, lab, 11);
  n += 11;
  put("idx", "images-labels", b, n);
  b[0] = 0; /* without labels */
  put("idx", "images-only", b, n - 11);
}

static void csv(void) {
  static const struct {
    const char *name;
    signed char col;
    unsigned char header;
    const char *text;
  } seeds[] = {
      {"header-last", -1, 1, "a,b,c,label\n0.1,0.2,0.3,0\n1,2,3,1\n-1.5e3,4,.5,2\n"},
      {"first", 0, 0, "1,0.5,0.25\n0,1,2\n3,4e-2,5\n"},
      {"crlf", 2, 0, "0.1,0.2,1\r\n0.3,0.4,0\r\n"},
      {"one-column", 0, 0, "1\n2\n3\n"},
  };
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    size_t len = strlen(seeds[i].text);
    unsigned char *b = malloc(len + 2);
    b[0] = (unsigned char)seeds[i].col;
    b[1] = seeds[i].header;
    memcpy(b + 2, seeds[i].text, len);
    put("csv", seeds[i].name, b, len + 2);
    free(b);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  dir = argv[1];
  models();
  idx();
  csv();
  if (failures) fprintf(stderr, "make_seeds: %d model seeds skipped (kinds not available)\n",
                        failures);
  return 0;
}

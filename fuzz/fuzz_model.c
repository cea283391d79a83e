/* libFuzzer target: snn_network_load_mem and snn_learner_load_mem on arbitrary bytes.
 *
 * Built with -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which makes the
 * loader skip CRC verification so that mutated payloads reach the parsers.
 * A network that loads is re-saved and re-loaded (which must succeed and give
 * the same bytes) and, when small, run once through snn_network_predict.
 * A learner file (network + STDP section) that loads is re-saved and
 * re-loaded the same way, as is an snn_spnet file (then run for 10 steps
 * when small). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* learner files: load, and when that works re-save twice with equal bytes */
static void fuzz_learner(const uint8_t *data, size_t size) {
  snn_learner *l = NULL;
  snn_network *ln = NULL;
  int rc = snn_learner_load_mem(&l, &ln, data, size, NULL);
  if (rc != SNN_OK) {
    if (l != NULL || ln != NULL || snn_last_error()[0] == '\0') abort();
    return;
  }
  size_t n = 0, n2 = 0;
  if (snn_learner_save_mem(&n, l, NULL, 0) != SNN_E_RANGE) abort();
  unsigned char *a = malloc(n), *b = malloc(n);
  if (a == NULL || b == NULL) abort();
  if (snn_learner_save_mem(&n2, l, a, n) != SNN_OK || n2 != n) abort();
  snn_learner *l2 = NULL;
  snn_network *ln2 = NULL;
  if (snn_learner_load_mem(&l2, &ln2, a, n, NULL) != SNN_OK) abort();
  if (snn_learner_save_mem(&n2, l2, b, n) != SNN_OK || n2 != n || memcmp(a, b, n) != 0) abort();
  snn_learner_free(l2);
  snn_network_free(ln2);
  snn_learner_free(l);
  snn_network_free(ln);
  free(a);
  free(b);
}

/* snn_spnet files: load; when that works, re-save and re-load with equal
 * bytes, and run 10 steps of a small network */
static void fuzz_spnet(const uint8_t *data, size_t size) {
  snn_spnet *net = NULL;
  int rc = snn_spnet_load_mem(&net, data, size);
  if (rc != SNN_OK) {
    if (net != NULL || snn_last_error()[0] == '\0') abort();
    return;
  }
  size_t n = 0, n2 = 0;
  if (snn_spnet_save_mem(&n, net, NULL, 0) != SNN_E_RANGE) abort();
  unsigned char *a = malloc(n), *b = malloc(n);
  if (a == NULL || b == NULL) abort();
  if (snn_spnet_save_mem(&n2, net, a, n) != SNN_OK || n2 != n) abort();
  snn_spnet *again = NULL;
  if (snn_spnet_load_mem(&again, a, n) != SNN_OK) abort();
  if (snn_spnet_save_mem(&n2, again, b, n) != SNN_OK || n2 != n || memcmp(a, b, n) != 0) abort();
  snn_spnet_free(again);
  free(a);
  free(b);
  snn_spnet_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  if (snn_spnet_stats_get(&st, net) != SNN_OK) abort();
  if (st.n_neurons <= 256 && st.n_synapses <= 4096) {
    /* dt is the first field of the first section (SPNT), which loading checked */
    uint64_t u = 0;
    double dt;
    for (int i = 7; i >= 0; i--) u = (u << 8) | data[32 + i];
    memcpy(&dt, &u, sizeof dt);
    rc = snn_spnet_run(net, 10.0 * dt);
    /* a network without populations loads (and saves) but cannot run */
    int empty_refused = rc == SNN_E_STATE && st.n_neurons == 0;
    if (rc != SNN_OK && rc != SNN_E_NUMERIC && rc != SNN_E_NOMEM && rc != SNN_E_RANGE &&
        !empty_refused)
      abort();
    if (rc == SNN_OK) { /* still saveable (or refused as non-finite) */
      rc = snn_spnet_save_mem(&n, net, NULL, 0);
      if (rc != SNN_E_RANGE && rc != SNN_E_NUMERIC) abort();
    }
  }
  snn_spnet_free(net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_learner(data, size);
  fuzz_spnet(data, size);
  snn_network *net = NULL;
  int rc = snn_network_load_mem(&net, data, size);
  if (rc != SNN_OK) {
    if (net != NULL || snn_last_error()[0] == '\0') abort(); /* contract broken */
    return 0;
  }
  /* re-save: must work and be stable */
  size_t n = 0, n2 = 0;
  if (snn_network_save_mem(&n, net, NULL, 0) != SNN_E_RANGE) abort();
  unsigned char *a = malloc(n), *b = malloc(n);
  if (a == NULL || b == NULL) abort();
  if (snn_network_save_mem(&n2, net, a, n) != SNN_OK || n2 != n) abort();
  snn_network *again = NULL;
  if (snn_network_load_mem(&again, a, n) != SNN_OK) abort();
  if (snn_network_save_mem(&n2, again, b, n) != SNN_OK || n2 != n || memcmp(a, b, n) != 0)
    abort();
  snn_network_free(again);
  free(a);
  free(b);

  /* run small networks once (shapes must be consistent after loading) */
  size_t n_in = snn_network_n_inputs(net), n_out = snn_network_n_outputs(net);
  double steps = 0;
  int small = snn_network_n_layers(net) > 0 && n_in <= 1024 && n_out <= 1024 &&
              snn_network_get(&steps, net, "steps") == SNN_OK && steps <= 16;
  for (size_t i = 0; small && i < snn_network_n_layers(net); i++)
    small = snn_layer_n_outputs(snn_network_layer(net, i)) <= 4096;
  if (small) {
    float x[1024], scores[1024];
    int32_t label;
    for (size_t i = 0; i < n_in; i++) x[i] = (float)((i * 37) % 11) / 10.0f;
    rc = snn_network_predict(net, &label, scores, x, 1, n_in);
    if (rc != SNN_OK && rc != SNN_E_NUMERIC && rc != SNN_E_NOMEM && rc != SNN_E_UNSUPPORTED)
      abort();
  }
  snn_network_free(net);
  return 0;
}

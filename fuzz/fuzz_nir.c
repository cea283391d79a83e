/* libFuzzer target: libsnn's NIR graph -> network mapping (src/nir/nir_map.c)
 * on graphs built from arbitrary bytes, without libhdf5 in the loop (libhdf5's
 * own parser is fuzzed by the opt-in fuzz_nir_h5, see there).
 *
 * The bytes choose node types (every NIR type libsnn knows plus unsupported
 * ones), field names, ranks, sizes and values, sub-graphs and edges (also to
 * names that do not exist). A graph that maps must give a network that runs
 * a few steps, saves to a model file that loads again, exports back to a
 * graph, and maps again to a network of the same shape. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/nir/nir_graph.h"
#include "snn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rd {
  const uint8_t *p;
  size_t n, i;
} rd;

static unsigned byte(rd *r) { return r->i < r->n ? r->p[r->i++] : 0u; }

static double value(rd *r) {
  static const double v[] = {0, 1, -1, 2, 3, 4, 0.5, 1e-3, 1e-4, 0.01, -0.5, 1e30, -1e30, 34, 16, 0.25};
  unsigned b = byte(r);
  if (b < 240) return v[b % 16];
  return b == 240 ? NAN : b == 241 ? INFINITY : (double)(int8_t)byte(r);
}

static const char *const types[] = {"Input", "Output", "Affine", "Linear", "Conv2d", "SumPool2d",
                                    "AvgPool2d", "Flatten", "LIF", "IF", "LI", "CubaLIF",
                                    "CubaLI", "NIRGraph", "Delay", "Threshold", "Scale",
                                    "Conv1d", "I"};
static const char *const fields[] = {"shape", "weight", "bias", "tau", "r", "v_leak",
                                     "v_threshold", "v_reset", "tau_mem", "tau_syn", "w_in",
                                     "stride", "padding", "dilation", "groups", "kernel_size",
                                     "input_shape", "start_dim", "end_dim", "scale", "theta",
                                     "delay"};

static void build(rd *r, snn__nir_graph *g, int depth) {
  unsigned nn = byte(r) % 9 + 1;
  char name[32];
  for (unsigned k = 0; k < nn; k++) {
    unsigned t = byte(r) % (unsigned)(sizeof types / sizeof types[0]);
    if (t == 13 && depth >= 2) t = 14;
    snprintf(name, sizeof name, "n%u", k);
    snn__nir_node *nd = snn__nir_add_node(g, name, types[t]);
    if (!nd) return;
    if (t == 13) {
      nd->sub = calloc(1, sizeof *nd->sub);
      if (!nd->sub) abort();
      build(r, nd->sub, depth + 1);
      nd = &g->nodes[g->n_nodes - 1];
      continue;
    }
    unsigned nf = byte(r) % 8;
    for (unsigned j = 0; j < nf; j++) {
      const char *fname = fields[byte(r) % (sizeof fields / sizeof fields[0])];
      unsigned b = byte(r);
      if (b % 17 == 0) {
        snn__nir_add_string(nd, fname, b & 1 ? "same" : "valid");
        continue;
      }
      int rank = (int)(b % 5);
      size_t dims[4], n = 1;
      for (int d = 0; d < rank; d++) {
        dims[d] = byte(r) % 40;
        n *= dims[d];
      }
      if (n > 4096) continue;
      double *v = malloc((n ? n : 1) * sizeof *v);
      if (!v) abort();
      double fill = value(r);
      int varied = byte(r) & 1;
      for (size_t i = 0; i < n; i++) v[i] = varied ? value(r) : fill;
      snn__nir_add_array(nd, fname, (b >> 5) % 3, rank, dims, v, NULL);
      free(v);
    }
  }
  unsigned ne = byte(r) % 16;
  char a[32], b[32];
  for (unsigned e = 0; e < ne; e++) {
    unsigned x = byte(r), y = byte(r);
    snprintf(a, sizeof a, x == 255 ? "nowhere" : x % 7 == 6 ? "n%u.n0" : "n%u", x % (nn + 1));
    snprintf(b, sizeof b, y == 255 ? "nowhere" : y % 7 == 6 ? "n%u.n1" : "n%u", y % (nn + 1));
    snn__nir_add_edge(g, a, b);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rd r = {data, size, 0};
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  unsigned opt = byte(&r);
  build(&r, &g, 0);
  double dt = (opt & 3) == 0 ? 1e-4 : (opt & 3) == 1 ? 1e-3 : (opt & 3) == 2 ? 1.0 : 0.02;
  int euler = (opt >> 2) & 1, reset = (opt >> 3) & 1;
  snn_network *net = NULL;
  int rc = snn__nir_to_network(&net, &g, dt, euler, reset, "fuzz");
  snn__nir_graph_free(&g);
  if (rc != SNN_OK) {
    if (net != NULL || snn_last_error()[0] == '\0') abort();
    if (rc != SNN_E_FORMAT && rc != SNN_E_UNSUPPORTED && rc != SNN_E_NOMEM) abort();
    return 0;
  }
  size_t n_in = snn_network_n_inputs(net), n_out = snn_network_n_outputs(net);
  if (n_in <= 4096 && n_out <= 4096) {
    size_t T = 3;
    float *x = calloc(T * n_in, sizeof *x), *out = malloc(T * n_out * sizeof *out);
    if (!x || !out) abort();
    for (size_t i = 0; i < T * n_in; i++) x[i] = (float)((i * 7) % 3);
    rc = snn_network_run_sequence(out, NULL, net, x, T, n_in);
    if (rc != SNN_OK && rc != SNN_E_NUMERIC && rc != SNN_E_NOMEM) abort();
    free(x);
    free(out);
  }
  { /* a model file of it loads again (nir_hetero's per-neuron arrays among others) */
    size_t sz = 0;
    if (snn_network_save_mem(&sz, net, NULL, 0) == SNN_E_RANGE) {
      void *buf = malloc(sz);
      if (!buf) abort();
      if (snn_network_save_mem(&sz, net, buf, sz) != SNN_OK) abort();
      snn_network *ld = NULL;
      rc = snn_network_load_mem(&ld, buf, sz);
      if (rc != SNN_OK && rc != SNN_E_NOMEM) abort();
      if (ld && snn_network_n_outputs(ld) != n_out) abort();
      snn_network_free(ld);
      free(buf);
    }
  }
  snn__nir_graph h;
  memset(&h, 0, sizeof h);
  rc = snn__nir_from_network(&h, net, euler, reset, "fuzz");
  if (rc == SNN_OK) {
    snn_network *again = NULL;
    rc = snn__nir_to_network(&again, &h, dt, euler, reset, "fuzz");
    if (rc != SNN_OK && rc != SNN_E_UNSUPPORTED) abort(); /* e.g. forward Euler refit */
    if (again && (snn_network_n_layers(again) != snn_network_n_layers(net) ||
                  snn_network_n_outputs(again) != n_out))
      abort();
    snn_network_free(again);
  } else if (rc != SNN_E_UNSUPPORTED && rc != SNN_E_NOMEM) {
    abort();
  }
  snn__nir_graph_free(&h);
  snn_network_free(net);
  return 0;
}

/* nir-run: load a NIR graph (Norse, snnTorch, Sinabs, Rockpool, libsnn ...)
 * and run it on an input sequence with libsnn.
 *
 *   nir-run --model FILE.nir --dt S (--input FILE.csv | --steps N [--seed S])
 *           [--record FILE.csv] [--euler] [--reset to_v_reset|subtract] [--json]
 *   nir-run --model FILE.nir --info [--dt S]
 *
 * --input: CSV, one row per step, one column per input value (a first line
 * that is not numeric is a header; lines starting with '#' are skipped).
 * --steps N: N steps of seeded random input: each input is 1 with
 * probability 0.2, else 0 (spike-like), from a splitmix64 stream of --seed.
 * --record: CSV with one row per step: step, then the output of every output
 * neuron (spike 0/1), then its membrane value V.
 * --info: the NIR graph (nodes with type and field shapes, edges), and with
 * --dt also the libsnn layers it becomes.
 * Exit status: 0 ok, 1 error (message on stderr), 2 usage. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/output.h"
#include "snn.h"

static void usage_to(FILE *f) {
  fprintf(f,
          "usage: nir-run --model FILE.nir --dt S (--input FILE.csv | --steps N [--seed S])\n"
          "               [--record FILE.csv] [--euler] [--reset to_v_reset|subtract] [--json]\n"
          "       nir-run --model FILE.nir --info [--dt S]\n");
}

static void usage(void) { usage_to(stderr); }

static int die(const char *what, int rc) {
  fprintf(stderr, "nir-run: %s: %s (%s)\n", what, snn_last_error(), snn_strerror(rc));
  return 1;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Reads a CSV of rows with exactly n values; returns the row count (0 on error). */
static size_t read_csv(float **out, const char *path, size_t n) {
  FILE *fp = fopen(path, "r");
  if (!fp) {
    fprintf(stderr, "nir-run: cannot open %s: %s\n", path, strerror(errno));
    return 0;
  }
  size_t rows = 0, cap = 0;
  float *x = NULL;
  char line[1 << 16];
  int first = 1;
  size_t lineno = 0;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n' || line[0] == '\r') continue;
    char *p = line, *end;
    size_t k = 0;
    if (rows == cap) {
      cap = cap ? 2 * cap : 256;
      float *nx = realloc(x, cap * n * sizeof *x);
      if (!nx) {
        free(x);
        fclose(fp);
        fprintf(stderr, "nir-run: out of memory\n");
        return 0;
      }
      x = nx;
    }
    int bad = 0;
    while (k < n) {
      double v = strtod(p, &end);
      if (end == p || !isfinite(v)) {
        bad = 1;
        break;
      }
      x[rows * n + k++] = (float)v;
      p = end;
      while (*p == ' ' || *p == '\t') p++;
      if (*p == ',') p++;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (!bad && *p != '\0') bad = 2;
    if (bad) {
      if (first && bad == 1) { /* header */
        first = 0;
        continue;
      }
      fprintf(stderr, "nir-run: %s:%zu: expected %zu numbers per row\n", path, lineno, n);
      free(x);
      fclose(fp);
      return 0;
    }
    first = 0;
    rows++;
  }
  fclose(fp);
  if (rows == 0) {
    fprintf(stderr, "nir-run: %s has no data rows\n", path);
    free(x);
    return 0;
  }
  *out = x;
  return rows;
}

static void print_layers(snn_network *net, int json) {
  size_t L = snn_network_n_layers(net);
  for (size_t i = 0; i < L; i++) {
    snn_layer *l = snn_network_layer(net, i);
    size_t c, h, w;
    snn_layer_output_shape(&c, &h, &w, l);
    const snn_neuron_model *m = snn_layer_model(l);
    /* the longest input delay (NIR Delay), in steps */
    int32_t *d = malloc(snn_layer_n_inputs(l) * sizeof *d);
    int max_delay = d ? snn_layer_input_delays(d, snn_layer_n_inputs(l), l) : 0;
    free(d);
    if (max_delay < 0) max_delay = 0;
    if (json)
      printf("%s{\"kind\":\"%s\",\"shape\":[%zu,%zu,%zu],\"neuron\":\"%s\",\"recurrent\":%s,"
             "\"max_delay_steps\":%d}",
             i ? "," : "", snn_layer_kind(l), c, h, w, m ? snn_neuron_model_kind(m) : "none",
             snn_layer_param_size(l, SNN_PARAM_RECURRENT) ? "true" : "false", max_delay);
    else {
      printf("layer %zu %s %zux%zux%zu neuron=%s%s", i, snn_layer_kind(l), c, h, w,
             m ? snn_neuron_model_kind(m) : "none",
             snn_layer_param_size(l, SNN_PARAM_RECURRENT) ? " recurrent" : "");
      if (max_delay > 0) printf(" input delays up to %d steps", max_delay);
      printf("\n");
    }
  }
}

int main(int argc, char **argv) {
  const char *model = NULL, *input = NULL, *record = NULL;
  double dt = 0;
  long long steps = 0;
  unsigned long long seed = 1;
  int json = 0, info = 0, euler = 0, reset = SNN_NIR_RESET_TO_V_RESET;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage_to(stdout);
      return finish_stdout("nir-run");
    } else if (strcmp(a, "--json") == 0) json = 1;
    else if (strcmp(a, "--info") == 0) info = 1;
    else if (strcmp(a, "--euler") == 0) euler = 1;
    else if (!v) {
      usage();
      return 2;
    } else if (strcmp(a, "--model") == 0) model = argv[++i];
    else if (strcmp(a, "--input") == 0) input = argv[++i];
    else if (strcmp(a, "--record") == 0) record = argv[++i];
    else if (strcmp(a, "--dt") == 0) {
      dt = strtod(v, &end);
      if (*end || !(dt > 0)) {
        fprintf(stderr, "nir-run: --dt must be a positive number of seconds (got %s)\n", v);
        return 2;
      }
      i++;
    } else if (strcmp(a, "--steps") == 0) {
      steps = strtoll(v, &end, 10);
      if (*end || steps < 1 || steps > 10000000) {
        fprintf(stderr, "nir-run: --steps must be in [1, 1e7] (got %s)\n", v);
        return 2;
      }
      i++;
    } else if (strcmp(a, "--seed") == 0) {
      seed = strtoull(v, &end, 10);
      if (*end) {
        fprintf(stderr, "nir-run: --seed must be an integer (got %s)\n", v);
        return 2;
      }
      i++;
    } else if (strcmp(a, "--reset") == 0) {
      if (strcmp(v, "to_v_reset") == 0 || strcmp(v, "zero") == 0) reset = SNN_NIR_RESET_TO_V_RESET;
      else if (strcmp(v, "subtract") == 0) reset = SNN_NIR_RESET_SUBTRACT;
      else {
        fprintf(stderr, "nir-run: --reset must be to_v_reset or subtract (got %s)\n", v);
        return 2;
      }
      i++;
    } else {
      usage();
      return 2;
    }
  }
  if (!model || (!info && (!(dt > 0) || (!input) == (steps == 0)))) {
    usage();
    return 2;
  }
  if (!(snn_features() & SNN_FEATURE_NIR)) {
    fprintf(stderr, "nir-run: this libsnn was built without HDF5 (install libhdf5-dev, rebuild)\n");
    return 1;
  }
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  o.dt = dt;
  o.discretization = euler ? SNN_NIR_EULER : SNN_NIR_EXACT;
  o.reset = reset;
  if (info) {
    size_t len = 0;
    int rc = snn_nir_describe(&len, NULL, 0, model);
    if (rc != SNN_OK && rc != SNN_E_RANGE) return die(model, rc);
    char *text = malloc(len + 1);
    if (!text) return 1;
    rc = snn_nir_describe(&len, text, len + 1, model);
    if (rc != SNN_OK) {
      free(text);
      return die(model, rc);
    }
    fputs(text, stdout);
    free(text);
    if (dt > 0) {
      snn_network *net = NULL;
      rc = snn_network_import_nir(&net, model, &o);
      if (rc != SNN_OK) return die(model, rc);
      print_layers(net, 0);
      snn_network_free(net);
    }
    return finish_stdout("nir-run");
  }
  snn_network *net = NULL;
  int rc = snn_network_import_nir(&net, model, &o);
  if (rc != SNN_OK) return die(model, rc);
  size_t n_in = snn_network_n_inputs(net), n_out = snn_network_n_outputs(net), T;
  float *x = NULL;
  if (input) {
    T = read_csv(&x, input, n_in);
    if (T == 0) {
      snn_network_free(net);
      return 1;
    }
  } else {
    T = (size_t)steps;
    x = malloc(T * n_in * sizeof *x);
    if (!x) {
      snn_network_free(net);
      return 1;
    }
    uint64_t s = seed;
    for (size_t i = 0; i < T * n_in; i++) x[i] = (splitmix(&s) >> 11) * 0x1.0p-53 < 0.2 ? 1.0f : 0.0f;
  }
  float *out = malloc(T * n_out * sizeof *out), *mem = malloc(T * n_out * sizeof *mem);
  if (!out || !mem) {
    free(x);
    free(out);
    free(mem);
    snn_network_free(net);
    return 1;
  }
  rc = snn_network_run_sequence(out, mem, net, x, T, n_in);
  if (rc != SNN_OK) {
    free(x);
    free(out);
    free(mem);
    snn_network_free(net);
    return die("run", rc);
  }
  if (record) {
    FILE *fp = fopen(record, "w");
    if (!fp) {
      fprintf(stderr, "nir-run: cannot write %s: %s\n", record, strerror(errno));
      rc = 1;
    } else {
      fprintf(fp, "step");
      for (size_t j = 0; j < n_out; j++) fprintf(fp, ",out%zu", j);
      for (size_t j = 0; j < n_out; j++) fprintf(fp, ",v%zu", j);
      fprintf(fp, "\n");
      for (size_t t = 0; t < T; t++) {
        fprintf(fp, "%zu", t);
        for (size_t j = 0; j < n_out; j++) fprintf(fp, ",%.9g", out[t * n_out + j]);
        for (size_t j = 0; j < n_out; j++) fprintf(fp, ",%.9g", mem[t * n_out + j]);
        fprintf(fp, "\n");
      }
      int failed = ferror(fp) != 0;
      failed |= fclose(fp) != 0;
      if (failed) {
        fprintf(stderr, "nir-run: error writing %s: %s\n", record, strerror(errno));
        rc = 1;
      }
    }
  }
  double total = 0;
  if (json) {
    printf("{\"model\":");
    json_string(stdout, model);
    printf(",\"dt\":%.9g,\"steps\":%zu,\"n_inputs\":%zu,\"n_outputs\":%zu,\"layers\":[", dt, T,
           n_in, n_out);
    print_layers(net, 1);
    printf("],\"spike_counts\":[");
    for (size_t j = 0; j < n_out; j++) {
      double c = 0;
      for (size_t t = 0; t < T; t++) c += out[t * n_out + j];
      total += c;
      printf("%s%.9g", j ? "," : "", c);
    }
    printf("],\"first_spike_step\":[");
    for (size_t j = 0; j < n_out; j++) {
      long first = -1;
      for (size_t t = 0; t < T && first < 0; t++)
        if (out[t * n_out + j] != 0.0f) first = (long)t;
      printf("%s%ld", j ? "," : "", first);
    }
    printf("],\"final_membrane\":[");
    for (size_t j = 0; j < n_out; j++) printf("%s%.9g", j ? "," : "", mem[(T - 1) * n_out + j]);
    printf("],\"total_spikes\":%.9g}\n", total);
  } else {
    printf("%s: %zu steps of dt %g s, %zu inputs, %zu outputs\n", model, T, dt, n_in, n_out);
    for (size_t j = 0; j < n_out; j++) {
      double c = 0;
      for (size_t t = 0; t < T; t++) c += out[t * n_out + j];
      printf("output %zu: %g spikes, final V %.6g\n", j, c, mem[(T - 1) * n_out + j]);
    }
  }
  free(x);
  free(out);
  free(mem);
  snn_network_free(net);
  if (finish_stdout("nir-run")) rc = 1;
  return rc == SNN_OK ? 0 : 1;
}

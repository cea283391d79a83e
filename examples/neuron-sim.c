/* neuron-sim: simulate one neuron of a libsnn model under step currents.
 *
 *   neuron-sim --model NAME [--preset P] [--set name=value]... [--init var=value]...
 *              --dt MS --duration MS [--step T0:T1:AMP]... [--trace FILE.csv]
 *   neuron-sim --list
 *
 * Prints each spike time in ms (4 decimals, one per line) and nothing else on
 * stdout. Step k covers [k*dt, (k+1)*dt); its input current is the sum of the
 * --step amplitudes (pA) with T0 <= k*dt < T1, and a spike in step k is
 * reported at the end of the step, (k+1)*dt. --trace writes CSV "t,V[,u|w]":
 * the initial state at t = 0 and the state after every step (after a reset).
 * Unknown model, preset, parameter or variable: exit 2 with the valid names.
 * Other usage errors (also more than 1e9 steps) exit 2, simulation and
 * output errors 1; --help prints the usage on stdout. Uses the public API only. */
#include <snn.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/output.h"

#define MAX_ITEMS 64
/* longest simulation in steps (--duration / --dt): far beyond any useful run of
 * one neuron, and the count fits a long long (1e19 steps overflowed and ran nothing) */
#define MAX_STEPS 1e9

typedef struct {
  double t0, t1, amp;
} step_t;

static void usage_to(FILE *f) {
  fprintf(f,
          "usage: neuron-sim --model NAME [--preset P] [--set name=value]... "
          "[--init var=value]...\n"
          "                  --dt MS --duration MS [--step T0:T1:AMP]... [--trace FILE.csv]\n"
          "       neuron-sim --list\n");
}

static int usage(const char *msg) {
  if (msg) fprintf(stderr, "neuron-sim: %s\n", msg);
  usage_to(stderr);
  return 2;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

static void list_models(void) {
  for (size_t k = 0; k < snn_neuron_kind_count(); k++) {
    const char *kind = snn_neuron_kind_name(k);
    snn_neuron_model *m = NULL;
    if (snn_neuron_model_create(&m, kind) != SNN_OK) continue;
    printf("model %s\n", kind);
    printf("  state:");
    for (size_t i = 0; i < snn_neuron_model_state_count(m); i++)
      printf(" %s", snn_neuron_model_state_name(m, i));
    printf("\n  parameters (name, default, unit, range, description):\n");
    for (size_t i = 0; i < snn_neuron_model_param_count(m); i++) {
      snn_param_info info = SNN_PARAM_INFO_INIT;
      if (snn_neuron_model_param_info(&info, m, i) != SNN_OK) continue;
      printf("    %-8s %10g %-6s [%g, %g]  %s\n", info.name, info.default_value,
             info.unit[0] ? info.unit : "-", info.min_value, info.max_value, info.doc);
    }
    size_t np = snn_neuron_preset_count(kind);
    printf("  presets:%s\n", np ? "" : " none");
    for (size_t i = 0; i < np; i++)
      printf("    %-26s %s\n", snn_neuron_preset_name(kind, i), snn_neuron_preset_doc(kind, i));
    snn_neuron_model_free(m);
  }
}

/* Exit code for a failed library call: 2 for unknown names, else 1. */
static int fail(const char *what, int rc) {
  fprintf(stderr, "neuron-sim: %s: %s\n", what, snn_last_error()[0] ? snn_last_error()
                                                                       : snn_strerror(rc));
  return rc == SNN_E_NOTFOUND || rc == SNN_E_RANGE || rc == SNN_E_INVALID ? 2 : 1;
}

int main(int argc, char **argv) {
  const char *model_name = NULL, *preset = NULL, *trace_path = NULL;
  const char *sets[MAX_ITEMS], *inits[MAX_ITEMS];
  size_t n_sets = 0, n_inits = 0, n_steps_in = 0;
  step_t steps[MAX_ITEMS];
  double dt = -1.0, duration = -1.0;

  for (int a = 1; a < argc; a++) {
    const char *opt = argv[a];
    if (strcmp(opt, "--list") == 0) {
      list_models();
      return finish_stdout("neuron-sim");
    }
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      usage_to(stdout);
      return finish_stdout("neuron-sim");
    }
    if (a + 1 >= argc) {
      char msg[128];
      snprintf(msg, sizeof msg, "option '%s' needs a value (or is unknown)", opt);
      return usage(msg);
    }
    const char *val = argv[++a];
    if (strcmp(opt, "--model") == 0) {
      model_name = val;
    } else if (strcmp(opt, "--preset") == 0) {
      preset = val;
    } else if (strcmp(opt, "--set") == 0) {
      if (n_sets == MAX_ITEMS) return usage("too many --set");
      sets[n_sets++] = val;
    } else if (strcmp(opt, "--init") == 0) {
      if (n_inits == MAX_ITEMS) return usage("too many --init");
      inits[n_inits++] = val;
    } else if (strcmp(opt, "--dt") == 0) {
      if (parse_double(val, &dt) != 0 || dt <= 0) return usage("--dt needs a number > 0");
    } else if (strcmp(opt, "--duration") == 0) {
      if (parse_double(val, &duration) != 0 || duration < 0)
        return usage("--duration needs a number >= 0");
    } else if (strcmp(opt, "--step") == 0) {
      if (n_steps_in == MAX_ITEMS) return usage("too many --step");
      step_t *s = &steps[n_steps_in++];
      char extra;
      if (sscanf(val, "%lf:%lf:%lf%c", &s->t0, &s->t1, &s->amp, &extra) != 3 ||
          !isfinite(s->t0) || !isfinite(s->t1) || !isfinite(s->amp))
        return usage("--step needs T0:T1:AMP (ms:ms:pA)");
    } else if (strcmp(opt, "--trace") == 0) {
      trace_path = val;
    } else {
      char msg[128];
      snprintf(msg, sizeof msg, "unknown option '%s'", opt);
      return usage(msg);
    }
  }
  if (model_name == NULL) return usage("--model is required");
  if (dt <= 0) return usage("--dt is required");
  if (duration < 0) return usage("--duration is required");
  double nsd = floor(duration / dt + 0.5);
  if (!(nsd <= MAX_STEPS)) {
    char msg[160];
    snprintf(msg, sizeof msg, "--duration %g at --dt %g is %.3g steps, more than the %.0e allowed",
             duration, dt, nsd, MAX_STEPS);
    return usage(msg);
  }

  snn_neuron_model *m = NULL;
  int rc = preset ? snn_neuron_model_create_preset(&m, model_name, preset)
                  : snn_neuron_model_create(&m, model_name);
  if (rc != SNN_OK) return fail(preset ? "--preset/--model" : "--model", rc);

  for (size_t i = 0; i < n_sets; i++) {
    char name[128];
    const char *eq = strchr(sets[i], '=');
    if (eq == NULL || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof name) {
      snn_neuron_model_free(m);
      return usage("--set needs name=value");
    }
    memcpy(name, sets[i], (size_t)(eq - sets[i]));
    name[eq - sets[i]] = '\0';
    double v;
    rc = parse_double(eq + 1, &v) == 0 ? snn_neuron_model_set(m, name, v)
                                       : snn_neuron_model_set_str(m, name, eq + 1);
    if (rc != SNN_OK) {
      snn_neuron_model_free(m);
      return fail("--set", rc);
    }
  }

  snn_population *pop = NULL;
  rc = snn_population_create(&pop, m, 1);
  if (rc != SNN_OK) {
    snn_neuron_model_free(m);
    return fail("snn_population_create", rc);
  }
  for (size_t i = 0; i < n_inits; i++) {
    char name[128];
    const char *eq = strchr(inits[i], '=');
    double v;
    if (eq == NULL || eq == inits[i] || (size_t)(eq - inits[i]) >= sizeof name ||
        parse_double(eq + 1, &v) != 0) {
      snn_population_free(pop);
      snn_neuron_model_free(m);
      return usage("--init needs var=number");
    }
    memcpy(name, inits[i], (size_t)(eq - inits[i]));
    name[eq - inits[i]] = '\0';
    float fv = (float)v;
    rc = snn_population_state_set(pop, name, &fv, 1);
    if (rc != SNN_OK) {
      snn_population_free(pop);
      snn_neuron_model_free(m);
      return fail("--init", rc);
    }
  }

  FILE *trace = NULL;
  size_t n_vars = snn_neuron_model_state_count(m);
  if (n_vars > 8) n_vars = 8;
  if (trace_path) {
    trace = fopen(trace_path, "w");
    if (trace == NULL) {
      fprintf(stderr, "neuron-sim: cannot open '%s': %s\n", trace_path, strerror(errno));
      snn_population_free(pop);
      snn_neuron_model_free(m);
      return 1;
    }
    fprintf(trace, "t");
    for (size_t k = 0; k < n_vars; k++) fprintf(trace, ",%s", snn_neuron_model_state_name(m, k));
    fprintf(trace, "\n");
  }

  long long n_steps = (long long)nsd;
  int status = 0;
  for (long long k = 0; k <= n_steps; k++) {
    if (trace) {
      fprintf(trace, "%.4f", (double)k * dt);
      for (size_t v = 0; v < n_vars; v++) {
        float x;
        snn_population_state_get(&x, pop, snn_neuron_model_state_name(m, v), 1);
        fprintf(trace, ",%.6g", (double)x);
      }
      fprintf(trace, "\n");
    }
    if (k == n_steps) break;
    double t = (double)k * dt, I = 0.0;
    for (size_t s = 0; s < n_steps_in; s++)
      if (steps[s].t0 <= t && t < steps[s].t1) I += steps[s].amp;
    float fi = (float)I;
    uint8_t spk = 0;
    rc = snn_population_step(pop, &spk, &fi, 1, dt);
    if (rc != SNN_OK) {
      fail("snn_population_step", rc);
      status = 1;
      break;
    }
    if (spk) printf("%.4f\n", (double)(k + 1) * dt);
  }
  if (trace && (ferror(trace) | (fclose(trace) != 0))) {
    fprintf(stderr, "neuron-sim: error writing '%s'\n", trace_path);
    status = 1;
  }
  snn_population_free(pop);
  snn_neuron_model_free(m);
  if (finish_stdout("neuron-sim")) status = 1;
  return status;
}

/* custom_neuron: a user-defined neuron model through snn_neuron_ops.
 *
 * Quadratic integrate-and-fire (QIF, Latham et al. 2000; Izhikevich 2007 sec. 3.3.6):
 *   C dV/dt = k (V - V_r)(V - V_c) + I,   V >= V_peak -> V = V_reset
 * integrated with forward Euler on 10 sub-steps per step. Three neurons with
 * different currents are run in a population for 200 ms at dt = 0.1 ms, and
 * every spike is printed as "neuron time_ms". Uses the public API only.
 *
 *   usage: custom_neuron [I0 I1 I2]   (pA; default 150 250 400)
 */
#include <snn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/output.h"

enum { P_C, P_K, P_VR, P_VC, P_VPEAK, P_VRESET, N_PARAMS };

static const snn_param_def qif_params[N_PARAMS] = {
    {"C", 100.0, 1e-3, 1e6, "pF", "membrane capacitance"},
    {"k", 0.5, 0.0, 100.0, "nS/mV", "gain of the quadratic term"},
    {"V_r", -60.0, -200.0, 100.0, "mV", "resting potential; initial V"},
    {"V_c", -45.0, -200.0, 100.0, "mV", "critical (threshold) potential"},
    {"V_peak", 20.0, -100.0, 200.0, "mV", "spike cut-off"},
    {"V_reset", -65.0, -200.0, 100.0, "mV", "reset potential"},
};

typedef struct {
  int n_models_alive; /* counts destroy() calls in this demo */
} qif_user;

static int qif_init(void *user, const double *p, float *state, size_t n) {
  (void)user;
  for (size_t i = 0; i < n; i++) state[i] = (float)p[P_VR];
  return SNN_OK;
}

static int qif_step(void *user, const double *p, float *state, const float *i_in,
                    uint8_t *spikes, size_t n, double dt) {
  (void)user;
  const int sub = 10;
  const double h = dt / sub;
  for (size_t i = 0; i < n; i++) {
    double v = state[i], I = i_in ? i_in[i] : 0.0;
    uint8_t s = 0;
    for (int j = 0; j < sub; j++) {
      v += h * (p[P_K] * (v - p[P_VR]) * (v - p[P_VC]) + I) / p[P_C];
      if (v >= p[P_VPEAK]) {
        v = p[P_VRESET];
        s = 1;
      }
    }
    state[i] = (float)v;
    spikes[i] = s;
  }
  return SNN_OK;
}

static void qif_destroy(void *user) { ((qif_user *)user)->n_models_alive = 0; }

int main(int argc, char **argv) {
  float I[3] = {150.0f, 250.0f, 400.0f};
  if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("usage: custom_neuron [I0 I1 I2]\n");
    return finish_stdout("custom_neuron");
  } else if (argc == 4)
    for (int i = 0; i < 3; i++) I[i] = strtof(argv[i + 1], NULL);
  else if (argc != 1) {
    fprintf(stderr, "usage: custom_neuron [I0 I1 I2]\n");
    return 2;
  }

  qif_user user = {1};
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = "qif";
  ops.n_state = 1; /* V */
  ops.n_params = N_PARAMS;
  ops.params = qif_params;
  ops.init = qif_init;
  ops.step = qif_step;
  ops.destroy = qif_destroy;

  snn_neuron_model *m = NULL;
  int rc = snn_neuron_model_create_custom(&m, &ops, &user);
  if (rc != SNN_OK) {
    fprintf(stderr, "custom_neuron: %s\n", snn_last_error());
    return 1;
  }
  /* parameters are named and range-checked like the built-in ones */
  rc = snn_neuron_model_set(m, "k", 0.7);
  snn_population *pop = NULL;
  if (rc == SNN_OK) rc = snn_population_create(&pop, m, 3);
  snn_neuron_model_free(m); /* the population holds its own copy */
  if (rc != SNN_OK) {
    fprintf(stderr, "custom_neuron: %s\n", snn_last_error());
    return 1;
  }

  const double dt = 0.1;
  for (int k = 0; k < 2000; k++) {
    uint8_t s[3];
    rc = snn_population_step(pop, s, I, 3, dt);
    if (rc != SNN_OK) {
      fprintf(stderr, "custom_neuron: %s\n", snn_last_error());
      snn_population_free(pop);
      return 1;
    }
    for (int i = 0; i < 3; i++)
      if (s[i]) printf("%d %.4f\n", i, (double)(k + 1) * dt);
  }
  snn_population_free(pop); /* last copy: qif_destroy runs now */
  if (user.n_models_alive != 0) {
    fprintf(stderr, "custom_neuron: destroy was not called\n");
    return 1;
  }
  return finish_stdout("custom_neuron");
}

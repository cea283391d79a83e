/* bin/rstdp - reward-modulated STDP through the snn_learner_ops plug-in API.
 *
 * Task: two input patterns (A = inputs 0..19, B = inputs 20..39) drive two
 * action neurons with winner-take-all inhibition; the action is the neuron
 * that fires most. Action 0 is rewarded for A and action 1 for B. At the
 * start both patterns favour neuron 0, so only half of the trials are right.
 *
 * Rule (Izhikevich 2007; Florian 2007): every pre/post pairing adds to an
 * eligibility trace e_ij (pair STDP: +A+ x_pre on a post spike, -A- y_post on
 * a pre spike) that decays with tau_e; at the end of a trial the reward
 * R = +1 (right) or -1 (wrong) turns the trace into a weight change
 * dw_ij = eta * R * e_ij. Nothing here touches libsnn internals: the rule
 * sees plain arrays through the callbacks.
 *
 * Prints the learning curve (accuracy per block of trials) and exits 0 only
 * if the last two blocks are at least 90% right.
 *   usage: rstdp [--trials N] [--seed S] [--quiet] */
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/output.h"
#include "snn.h"

#define N_IN 40
#define N_OUT 2
#define BLOCK 20

typedef struct rstdp {
  float e[N_IN * N_OUT]; /* eligibility, input-major like the weights */
  double a_plus, a_minus, tau_e, eta;
  int last_action, last_right;
} rstdp;

static int on_pre(void *user, size_t i, float *w_row, size_t n_out, const float *post1,
                  const float *post2, double t) {
  rstdp *r = user;
  (void)w_row, (void)post2, (void)t;
  for (size_t j = 0; j < n_out; j++) r->e[i * n_out + j] -= (float)(r->a_minus * post1[j]);
  return SNN_OK;
}

static int on_post(void *user, size_t j, float *w, size_t n_in, size_t n_out, const float *pre,
                   float post1_j, float post2_j, double t) {
  rstdp *r = user;
  (void)w, (void)post1_j, (void)post2_j, (void)t;
  for (size_t i = 0; i < n_in; i++) r->e[i * n_out + j] += (float)(r->a_plus * pre[i]);
  return SNN_OK;
}

static int on_step(void *user, float *w, size_t n_in, size_t n_out, const uint8_t *spk,
                   const float *pre, const float *post1, const float *post2, double t, double dt) {
  rstdp *r = user;
  (void)w, (void)spk, (void)pre, (void)post1, (void)post2, (void)t;
  const float d = (float)exp(-dt / r->tau_e);
  for (size_t k = 0; k < n_in * n_out; k++) r->e[k] *= d;
  return SNN_OK;
}

static int begin_example(void *user, float *w, size_t n_in, size_t n_out, int32_t label) {
  rstdp *r = user;
  (void)w, (void)label;
  memset(r->e, 0, n_in * n_out * sizeof r->e[0]);
  return SNN_OK;
}

/* reward at the end of the trial */
static int end_example(void *user, float *w, size_t n_in, size_t n_out, const uint32_t *counts,
                       int32_t label) {
  rstdp *r = user;
  int action = counts[0] > counts[1] ? 0 : counts[1] > counts[0] ? 1 : -1;
  double reward = action == label ? 1.0 : -1.0;
  r->last_action = action;
  r->last_right = action == label;
  for (size_t k = 0; k < n_in * n_out; k++) {
    float v = w[k] + (float)(r->eta * reward) * r->e[k];
    w[k] = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
  }
  return SNN_OK;
}

static int check(int rc, const char *what) {
  if (rc) fprintf(stderr, "rstdp: %s: %s (%s)\n", what, snn_strerror(rc), snn_last_error());
  return rc;
}

int main(int argc, char **argv) {
  int trials = 300, quiet = 0;
  unsigned long seed = 3;
  for (int i = 1; i < argc; i++) {
    char *end = NULL;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: rstdp [--trials N] [--seed S] [--quiet]\n");
      return finish_stdout("rstdp");
    } else if (!strcmp(argv[i], "--trials") && i + 1 < argc) {
      errno = 0;
      long v = strtol(argv[++i], &end, 10);
      if (end == argv[i] || *end || errno || v < 1 || v > 10000000) {
        fprintf(stderr, "rstdp: --trials must be an integer in [1, 10000000] (got '%s')\n",
                argv[i]);
        return 2;
      }
      trials = (int)v;
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      errno = 0;
      seed = strtoul(argv[++i], &end, 10);
      if (end == argv[i] || *end || errno || argv[i][0] == '-') {
        fprintf(stderr, "rstdp: --seed must be a non-negative integer (got '%s')\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(argv[i], "--quiet")) quiet = 1;
    else {
      fprintf(stderr, "usage: rstdp [--trials N] [--seed S] [--quiet]\n");
      return 2;
    }
  }
  if (trials < 2 * BLOCK) trials = 2 * BLOCK;

  snn_network *net = NULL;
  snn_neuron_model *lif = NULL;
  snn_layer *layer = NULL;
  snn_learner *l = NULL;
  int code = 1;
  if (check(snn_network_create(&net, 1, 1, N_IN), "network") ||
      check(snn_neuron_model_create(&lif, "lif"), "model") ||
      check(snn_layer_create_dense(&layer, N_IN, N_OUT, lif), "layer"))
    goto out;
  if (check(snn_network_add_layer(net, layer), "add layer")) {
    snn_layer_free(layer);
    goto out;
  }
  /* initial weights (public layout W[o][i]): neuron 0 wins for both patterns */
  float w[N_OUT * N_IN];
  for (int i = 0; i < N_IN; i++) {
    w[0 * N_IN + i] = 0.55f;
    w[1 * N_IN + i] = 0.45f;
  }
  if (check(snn_layer_param_set(layer, SNN_PARAM_WEIGHTS, w, N_OUT * N_IN), "weights")) goto out;

  rstdp r;
  memset(&r, 0, sizeof r);
  r.a_plus = 1.0;
  r.a_minus = 0.5; /* LTP-dominated eligibility: the winner's active inputs */
  r.tau_e = 200.0;
  r.eta = 0.002;
  snn_learner_ops ops = SNN_LEARNER_OPS_INIT;
  ops.name = "rstdp";
  ops.trace_add = 1;
  ops.begin_example = begin_example;
  ops.on_pre = on_pre;
  ops.on_post = on_post;
  ops.on_step = on_step;
  ops.end_example = end_example;
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.flags = SNN_STDP_KEEP_WEIGHTS | SNN_STDP_NO_NORMALIZE | SNN_STDP_NO_THETA;
  o.inhibition = SNN_STDP_INHIB_DIRECT;
  o.t_present = 200;
  o.max_rate = 20; /* near threshold: weight differences decide the winner */
  o.min_spikes = 1;
  o.seed = seed;
  if (check(snn_learner_create_custom(&l, net, &o, &ops, &r), "snn_learner_create_custom"))
    goto out;

  float x[N_IN];
  uint64_t lcg = seed * 6364136223846793005ull + 1442695040888963407ull;
  int right = 0, n_blocks = 0;
  double acc_last[2] = {0, 0};
  if (!quiet) printf("block  trials  accuracy  w(A->0) w(A->1) w(B->0) w(B->1)\n");
  for (int t = 0; t < trials; t++) {
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    int label = (int)(lcg >> 63); /* pattern A (0) or B (1) */
    for (int i = 0; i < N_IN; i++) x[i] = ((i < N_IN / 2) == (label == 0)) ? 1.0f : 0.0f;
    if (check(snn_learner_stdp_present(NULL, l, 0, x, N_IN, label, 1), "present")) goto out;
    right += r.last_right;
    if ((t + 1) % BLOCK == 0) {
      double acc = (double)right / BLOCK;
      acc_last[0] = acc_last[1];
      acc_last[1] = acc;
      n_blocks++;
      if (!quiet) {
        if (check(snn_layer_param_get(w, layer, SNN_PARAM_WEIGHTS, N_OUT * N_IN), "weights"))
          goto out;
        double m[4] = {0, 0, 0, 0};
        for (int i = 0; i < N_IN; i++) {
          int b = i >= N_IN / 2;
          m[b * 2 + 0] += w[0 * N_IN + i] / (N_IN / 2);
          m[b * 2 + 1] += w[1 * N_IN + i] / (N_IN / 2);
        }
        printf("%5d  %6d  %7.0f%%  %7.3f %7.3f %7.3f %7.3f\n", n_blocks, t + 1, 100 * acc, m[0],
               m[1], m[2], m[3]);
      }
      right = 0;
    }
  }
  int learned = acc_last[0] >= 0.9 && acc_last[1] >= 0.9;
  printf("%s: last two blocks %.0f%% and %.0f%% right\n", learned ? "learned" : "NOT learned",
         100 * acc_last[0], 100 * acc_last[1]);
  code = learned ? 0 : 1;
  if (finish_stdout("rstdp")) code = 1;
out:
  snn_learner_free(l);
  snn_network_free(net);
  snn_neuron_model_free(lif);
  return code;
}

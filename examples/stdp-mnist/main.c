/* bin/stdp-mnist - unsupervised MNIST learning with STDP (Diehl & Cook 2015).
 *
 *   stdp-mnist [--neurons N] [--epochs E] [--train-limit K] [--label-limit K]
 *              [--test-limit K] [--data DIR] [--seed S] [--rule R]
 *              [--inhibition population|direct] [--synapse conductance|current]
 *              [--integrator auto|euler|implicit] [--lockout on|off] [--theta-plus MV]
 *              [--tau-theta MS] [--w-inh-exc NS] [--t-infer MS] [--validate FROM]
 *              [--save FILE] [--load FILE] [--weights-png FILE] [--json] [--quiet]
 *
 * --save FILE writes the learner with its network (snn_learner_save: weights,
 * options, thresholds, labels and training state in one model file); --load
 * FILE continues from such a file with its saved options (--rule, --seed and
 * the other learner options are then ignored, but --t-infer, the presentation
 * time of labelling and testing, applies); with --epochs 0 it only labels and
 * tests it.
 * Trains N excitatory neurons on the first K training images for E epochs,
 * labels the neurons on the labelling images (plasticity off), then reports
 * the accuracy on the test images. With --validate FROM the accuracy is
 * measured on the training images FROM .. FROM + K - 1 instead (K =
 * --test-limit, default 10000), for choosing settings without the test set:
 * their labels are never used by the unsupervised training. Progress goes to stderr only when stderr
 * is a terminal; --json prints one JSON object as the last line of stdout.
 * Built against the public header and the shared library only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/output.h"
#include "snn.h"
#include "stdp_mnist.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: stdp-mnist [--neurons N] [--epochs E] [--train-limit K] [--label-limit K]\n"
          "                  [--test-limit K] [--data DIR] [--seed S]\n"
          "                  [--rule triplet|additive|multiplicative|pretrace]\n"
          "                  [--inhibition population|direct] [--synapse conductance|current]\n"
          "                  [--integrator auto|euler|implicit] [--lockout on|off]\n"
          "                  [--theta-plus MV] [--tau-theta MS] [--w-inh-exc NS] [--t-infer MS]\n"
          "                  [--validate FROM]\n"
          "                  [--save FILE] [--load FILE] [--weights-png FILE] [--json] [--quiet]\n"
          "defaults: --neurons 100 --epochs 1 --train-limit 0 (all 60000) --label-limit 0 (all;\n"
          "          with --validate FROM: the FROM images before the validation images)\n"
          "          --test-limit 0 (all 10000) --data data/mnist --seed 1\n"
          "          --theta-plus 0 (library default: 0.05 mV, 0.05*sqrt(N/400) below 400 neurons)\n"
          "          --tau-theta 0 (library default: 1e7 ms) --w-inh-exc 0 (library default: 17 nS)\n"
          "          --t-infer 0 (presentation time for labelling and testing; library default:\n"
          "          the training presentation, 350 ms; also applies with --load)\n"
          "--lockout off: no 50 ms lock-out after an excitatory spike, only the 5 ms refractory\n"
          "          period, as in Diehl & Cook's released code (library default: on)\n"
          "--validate FROM: measure the accuracy on training images FROM.. (--test-limit of them,\n"
          "          default 10000) instead of the test set; JSON key validation_accuracy\n");
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct prog {
  int tty;
  const char *what;
  int epoch, n_epochs;
  double last;
} prog;

static int on_progress(const snn_progress *p, void *user) {
  prog *g = user;
  if (!g->tty) return 0;
  double t = now_s();
  if (p->batch != p->n_batches && t - g->last < 0.25) return 0;
  g->last = t;
  double rate = p->seconds > 0 ? (double)p->batch / p->seconds : 0.0;
  double eta = rate > 0 ? (double)(p->n_batches - p->batch) / rate : 0.0;
  int width = 30, fill = p->n_batches ? (int)(width * p->batch / p->n_batches) : 0;
  char bar[64];
  for (int k = 0; k < width; k++) bar[k] = k < fill ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "\r%s", g->what);
  if (g->n_epochs > 1) fprintf(stderr, " %d/%d", g->epoch + 1, g->n_epochs);
  fprintf(stderr, " [%s] %llu/%llu  %.1f ex/s  ETA %4.0fs ", bar, (unsigned long long)p->batch,
          (unsigned long long)p->n_batches, rate, eta);
  if (p->batch == p->n_batches) fputc('\n', stderr);
  fflush(stderr);
  return 0;
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || s[0] == '-' || end == s) return -1;
  *out = (size_t)v;
  return 0;
}

static int parse_double(const char *s, double *out, double max) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || end == s || !(v >= 0.0) || v > max) return -1;
  *out = v;
  return 0;
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "stdp-mnist: %s: %s (%s)\n", what, snn_strerror(rc), snn_last_error());
  return 1;
}

int main(int argc, char **argv) {
  /* label_limit 0: all training images (the paper's labelling), or with --validate FROM
   * the FROM images before the validation images */
  size_t neurons = 100, epochs = 1, train_limit = 0, label_limit = 0, test_limit = 0,
         seed = 1, validate = 0;
  int validating = 0, label_limit_set = 0;
  const char *data = "data/mnist", *save = NULL, *png = NULL, *load = NULL;
  int json = 0, quiet = 0;
  double t_infer = 0.0; /* 0: the library default (also for a --load'ed model: its own) */
  snn_stdp_options o;
  snn_stdp_options_init(&o, sizeof o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    size_t *dst = NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return finish_stdout("stdp-mnist");
    } else if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    } else if (!strcmp(a, "--quiet")) {
      quiet = 1;
      continue;
    }
    if (!v) {
      fprintf(stderr, "stdp-mnist: %s needs a value\n", a);
      usage(stderr);
      return 2;
    }
    i++;
    if (!strcmp(a, "--neurons")) dst = &neurons;
    else if (!strcmp(a, "--epochs")) dst = &epochs;
    else if (!strcmp(a, "--train-limit")) dst = &train_limit;
    else if (!strcmp(a, "--label-limit")) {
      dst = &label_limit;
      label_limit_set = 1;
    }
    else if (!strcmp(a, "--test-limit")) dst = &test_limit;
    else if (!strcmp(a, "--seed")) dst = &seed;
    else if (!strcmp(a, "--validate")) {
      dst = &validate;
      validating = 1;
    }
    else if (!strcmp(a, "--data")) data = v;
    else if (!strcmp(a, "--save")) save = v;
    else if (!strcmp(a, "--load")) load = v;
    else if (!strcmp(a, "--weights-png")) png = v;
    else if (!strcmp(a, "--theta-plus") || !strcmp(a, "--tau-theta") ||
             !strcmp(a, "--w-inh-exc") || !strcmp(a, "--t-infer")) {
      double *out = !strcmp(a, "--theta-plus") ? &o.theta_plus
                    : !strcmp(a, "--tau-theta") ? &o.tau_theta
                    : !strcmp(a, "--t-infer")   ? &t_infer
                                                : &o.w_inh_exc;
      double max = out == &o.tau_theta ? 1e12 : out == &t_infer ? 1e5 : 1e6;
      if (parse_double(v, out, max)) {
        fprintf(stderr, "stdp-mnist: %s needs a number in [0, %g] (got '%s')\n", a, max, v);
        return 2;
      }
    } else if (!strcmp(a, "--rule")) {
      if (!strcmp(v, "triplet")) o.rule = SNN_STDP_TRIPLET;
      else if (!strcmp(v, "additive")) o.rule = SNN_STDP_PAIR_ADDITIVE;
      else if (!strcmp(v, "multiplicative")) o.rule = SNN_STDP_PAIR_MULTIPLICATIVE;
      else if (!strcmp(v, "pretrace")) o.rule = SNN_STDP_PRE_TRACE;
      else {
        fprintf(stderr, "stdp-mnist: unknown rule '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--inhibition")) {
      if (!strcmp(v, "population")) o.inhibition = SNN_STDP_INHIB_POPULATION;
      else if (!strcmp(v, "direct")) o.inhibition = SNN_STDP_INHIB_DIRECT;
      else {
        fprintf(stderr, "stdp-mnist: unknown inhibition '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--integrator")) {
      if (!strcmp(v, "euler")) o.integrator = SNN_STDP_EULER;
      else if (!strcmp(v, "implicit")) o.integrator = SNN_STDP_IMPLICIT;
      else if (!strcmp(v, "auto")) o.integrator = SNN_STDP_AUTO;
      else {
        fprintf(stderr, "stdp-mnist: unknown integrator '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--lockout")) {
      if (!strcmp(v, "on")) o.flags &= ~(uint32_t)SNN_STDP_NO_LOCKOUT;
      else if (!strcmp(v, "off")) o.flags |= SNN_STDP_NO_LOCKOUT;
      else {
        fprintf(stderr, "stdp-mnist: --lockout takes on or off (got '%s')\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--synapse")) {
      if (!strcmp(v, "conductance")) o.synapse = SNN_STDP_CONDUCTANCE;
      else if (!strcmp(v, "current")) o.synapse = SNN_STDP_CURRENT;
      else {
        fprintf(stderr, "stdp-mnist: unknown synapse '%s'\n", v);
        return 2;
      }
    } else {
      fprintf(stderr, "stdp-mnist: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
    if (dst && parse_size(v, dst)) {
      fprintf(stderr, "stdp-mnist: %s needs a non-negative integer (got '%s')\n", a, v);
      return 2;
    }
  }
  if (neurons == 0 || (epochs == 0 && !load)) {
    fprintf(stderr, "stdp-mnist: --neurons and --epochs must be >= 1 (--epochs 0 only with --load)\n");
    return 2;
  }
  o.seed = seed;

  char p_img[4096], p_lab[4096], t_img[4096], t_lab[4096];
  snprintf(p_img, sizeof p_img, "%s/train-images-idx3-ubyte", data);
  snprintf(p_lab, sizeof p_lab, "%s/train-labels-idx1-ubyte", data);
  snprintf(t_img, sizeof t_img, "%s/t10k-images-idx3-ubyte", data);
  snprintf(t_lab, sizeof t_lab, "%s/t10k-labels-idx1-ubyte", data);
  snn_dataset *train = NULL, *test = NULL;
  int rc = snn_dataset_load_idx(&train, p_img, p_lab);
  if (rc) return fail("loading the training set (fetch it with scripts/fetch-mnist.sh)", rc);
  size_t n_train = snn_dataset_size(train);
  if (validating) {
    /* validation images: training images [validate, validate + K) */
    size_t nf = snn_dataset_n_features(train);
    size_t k = test_limit ? test_limit : 10000;
    if (validate >= n_train) {
      fprintf(stderr, "stdp-mnist: --validate %zu is past the %zu training images\n", validate,
              n_train);
      snn_dataset_free(train);
      return 2;
    }
    if (k > n_train - validate) k = n_train - validate;
    float *x = malloc(k * nf * sizeof *x);
    int32_t *y = malloc(k * sizeof *y);
    rc = x && y ? snn_dataset_get(x, y, train, validate, k) : SNN_E_NOMEM;
    if (!rc) rc = snn_dataset_create(&test, x, y, k, nf);
    free(x);
    free(y);
  } else {
    rc = snn_dataset_load_idx(&test, t_img, t_lab);
  }
  if (rc) {
    snn_dataset_free(train);
    return fail(validating ? "making the validation set" : "loading the test set", rc);
  }
  if (train_limit == 0 || train_limit > n_train) train_limit = n_train;
  /* 0 (the default, also when given): all, or with --validate the images before it */
  const int label_all = label_limit == 0;
  if (label_limit == 0 || label_limit > n_train) label_limit = n_train;
  /* labelling must not see the validation images' labels */
  if (validating && label_limit > validate) {
    if (label_limit_set && !label_all) {
      fprintf(stderr,
              "stdp-mnist: --label-limit %zu would label on the validation images %zu..; "
              "use at most %zu with --validate %zu\n",
              label_limit, validate, validate, validate);
      snn_dataset_free(train);
      snn_dataset_free(test);
      return 2;
    }
    label_limit = validate;
  }
  if (label_limit == 0) {
    fprintf(stderr, "stdp-mnist: no training images to label the neurons on (--validate 0)\n");
    snn_dataset_free(train);
    snn_dataset_free(test);
    return 2;
  }
  size_t n_test = snn_dataset_size(test);
  if (test_limit == 0 || test_limit > n_test) test_limit = n_test;

  snn_network *net = NULL;
  snn_neuron_model *lif = NULL;
  snn_layer *layer = NULL;
  snn_learner *l = NULL;
  int exit_code = 1;
  if (load) {
    if ((rc = snn_learner_load(&l, &net, load, NULL))) {
      fail("snn_learner_load", rc);
      goto out;
    }
    layer = snn_network_layer(net, 0);
    if (!layer || snn_layer_n_inputs(layer) != 784) {
      fprintf(stderr, "stdp-mnist: %s is not a 784-input STDP model\n", load);
      goto out;
    }
    neurons = snn_layer_n_outputs(layer);
  } else {
    if ((rc = snn_network_create(&net, 1, 28, 28))) {
      fail("snn_network_create", rc);
      goto out;
    }
    if ((rc = snn_neuron_model_create(&lif, "lif")) ||
        (rc = snn_layer_create_dense(&layer, 784, neurons, lif))) {
      fail("creating the layer", rc);
      goto out;
    }
    if ((rc = snn_network_add_layer(net, layer))) {
      snn_layer_free(layer);
      fail("snn_network_add_layer", rc);
      goto out;
    }
  }
  if (!load && (rc = snn_learner_create_stdp(&l, net, &o))) {
    fail("snn_learner_create_stdp", rc);
    goto out;
  }
  if (t_infer > 0.0 && (rc = snn_learner_stdp_set_t_infer(l, t_infer))) {
    fail("snn_learner_stdp_set_t_infer", rc);
    goto out;
  }
  prog g = {isatty(STDERR_FILENO) && !quiet, "train", 0, (int)epochs, 0.0};
  double t0 = now_s();
  for (size_t e = 0; e < epochs; e++) {
    g.epoch = (int)e;
    if ((rc = snn_learner_stdp_train(l, train, train_limit, on_progress, &g))) {
      fail("snn_learner_stdp_train", rc);
      goto out;
    }
  }
  double train_s = now_s() - t0;
  snn_stdp_stats st = {sizeof st, 0, 0, 0, 0, 0, 0, 0};
  snn_learner_stdp_stats(&st, l);
  g.what = "label";
  g.n_epochs = 1;
  double t1 = now_s();
  if ((rc = snn_learner_stdp_label(l, train, label_limit, on_progress, &g))) {
    fail("snn_learner_stdp_label", rc);
    goto out;
  }
  g.what = "test ";
  double acc = 0.0;
  if ((rc = snn_learner_stdp_evaluate(&acc, l, test, test_limit, on_progress, &g))) {
    fail("snn_learner_stdp_evaluate", rc);
    goto out;
  }
  double infer_s = now_s() - t1;
  double t_used = 0.0; /* the presentation time labelling and testing used */
  if ((rc = snn_learner_stdp_t_infer(&t_used, l))) {
    fail("snn_learner_stdp_t_infer", rc);
    goto out;
  }
  size_t trained = train_limit * epochs;
  double ex_s = train_s > 0 ? (double)trained / train_s : 0.0;
  double ev_s = train_s > 0 ? (double)st.syn_events / train_s : 0.0;
  if (!json || !quiet) {
    FILE *f = json ? stderr : stdout;
    fprintf(f, "neurons %zu, epochs %zu, %zu training examples: %.1f s (%.1f examples/s, %.3g "
               "synaptic events/s, %.2f presentations/example, per presentation %.1f input and %.2f "
               "excitatory spikes)\n",
            neurons, epochs, trained, train_s, ex_s, ev_s,
            st.examples ? (double)st.presentations / (double)st.examples : 0.0,
            st.presentations ? (double)st.input_spikes / (double)st.presentations : 0.0,
            st.presentations ? (double)st.exc_spikes / (double)st.presentations : 0.0);
    if (validating)
      fprintf(f, "labelled on %zu, validated on training images %zu..%zu, %g ms presentations "
                 "(%.1f s): validation accuracy %.2f%%\n",
              label_limit, validate, validate + test_limit - 1, t_used, infer_s, 100.0 * acc);
    else
      fprintf(f, "labelled on %zu, tested on %zu, %g ms presentations (%.1f s): test accuracy "
                 "%.2f%%\n",
              label_limit, test_limit, t_used, infer_s, 100.0 * acc);
  }
  if (save && (rc = snn_learner_save(l, save))) {
    fail("snn_learner_save", rc);
    goto out;
  }
  if (png && stdp_mnist_weights_png(png, l, net, neurons)) goto out;
  if (json) {
    /* with --load the file's own options (its seed included) apply, not --seed */
    char seed_s[32];
    if (load) snprintf(seed_s, sizeof seed_s, "null");
    else snprintf(seed_s, sizeof seed_s, "%zu", seed);
    char acc_s[96];
    if (validating)
      snprintf(acc_s, sizeof acc_s, "\"test_accuracy\": null, \"validation_accuracy\": %.4f, "
               "\"validate_from\": %zu", acc, validate);
    else
      snprintf(acc_s, sizeof acc_s, "\"test_accuracy\": %.4f", acc);
    printf("{%s, \"train_seconds\": %.2f, \"neurons\": %zu, \"epochs\": %zu, "
           "\"examples\": %zu, \"label_examples\": %zu, \"test_examples\": %zu, "
           "\"examples_per_second\": %.2f, \"synaptic_events_per_second\": %.4g, "
           "\"inference_seconds\": %.2f, \"t_infer_ms\": %g, \"seed\": %s}\n",
           acc_s, train_s, neurons, epochs, trained, label_limit, test_limit, ex_s, ev_s, infer_s,
           t_used, seed_s);
  }
  exit_code = finish_stdout("stdp-mnist");
out:
  snn_learner_free(l);
  snn_network_free(net);
  snn_neuron_model_free(lif);
  snn_dataset_free(train);
  snn_dataset_free(test);
  return exit_code;
}

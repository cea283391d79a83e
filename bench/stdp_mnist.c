/* bench/stdp_mnist - speed of the STDP learner (Diehl & Cook 2015 network) on MNIST.
 *
 * Trains N excitatory neurons (default 400) on the first K training images
 * (default 2000) and runs K/4 frozen presentations, then prints examples/s,
 * synaptic events/s and the one-epoch (60,000 examples) time extrapolated
 * from the measured rate. Uses the library defaults, so below 400 neurons
 * the smaller adaptive-threshold step (theta_plus = 0.05 * sqrt(N/400) mV)
 * applies, as in bin/stdp-mnist. Settings by environment:
 *   SNN_MNIST_DIR (default data/mnist), SNN_BENCH_STDP_NEURONS, SNN_BENCH_STDP_EXAMPLES.
 * Prints "skipped" and exits 0 when the MNIST files are missing
 * (fetch them with scripts/fetch-mnist.sh); files that are there but do not
 * load are an error (exit 1), as in bench/mnist. Accuracy figures come from
 * bin/stdp-mnist (docs/stdp.md); this program measures speed only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "snn.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static size_t env_size(const char *name, size_t dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  long long x = atoll(v);
  return x > 0 ? (size_t)x : dflt;
}

int main(void) {
  const char *dir = getenv("SNN_MNIST_DIR") ? getenv("SNN_MNIST_DIR") : "data/mnist";
  size_t neurons = env_size("SNN_BENCH_STDP_NEURONS", 400);
  size_t k = env_size("SNN_BENCH_STDP_EXAMPLES", 2000);
  char img[4096], lab[4096];
  snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", dir);
  snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte", dir);
  snn_dataset *train = NULL;
  /* `make bench` runs every benchmark: without the data this one is skipped, not failed */
  if ((access(img, F_OK) != 0 && errno == ENOENT) || (access(lab, F_OK) != 0 && errno == ENOENT)) {
    printf("stdp_mnist: skipped (no MNIST in %s: fetch it with scripts/fetch-mnist.sh)\n", dir);
    return 0;
  }
  int rc = snn_dataset_load_idx(&train, img, lab);
  if (rc != SNN_OK) {
    fprintf(stderr, "stdp_mnist: cannot load the MNIST training set in %s: %s (%s)\n", dir,
            snn_strerror(rc), snn_last_error());
    return 1;
  }
  if (k > snn_dataset_size(train)) k = snn_dataset_size(train);
  snn_network *net = NULL;
  snn_neuron_model *lif = NULL;
  snn_layer *layer = NULL;
  snn_learner *l = NULL;
  rc = snn_network_create(&net, 1, 28, 28);
  if (!rc) rc = snn_neuron_model_create(&lif, "lif");
  if (!rc) rc = snn_layer_create_dense(&layer, 784, neurons, lif);
  if (!rc && (rc = snn_network_add_layer(net, layer)) != SNN_OK) snn_layer_free(layer);
  if (!rc) rc = snn_learner_create_stdp(&l, net, NULL);
  double t0 = now_s();
  if (!rc) rc = snn_learner_stdp_train(l, train, k, NULL, NULL);
  double t_train = now_s() - t0;
  snn_stdp_stats st = {sizeof st, 0, 0, 0, 0, 0, 0, 0};
  if (!rc) rc = snn_learner_stdp_stats(&st, l);
  size_t kl = k / 4 ? k / 4 : 1;
  double t1 = now_s();
  if (!rc) rc = snn_learner_stdp_label(l, train, kl, NULL, NULL);
  double t_inf = now_s() - t1;
  if (rc) {
    fprintf(stderr, "stdp_mnist: %s (%s)\n", snn_strerror(rc), snn_last_error());
  } else {
    double eps = (double)k / t_train;
    printf("stdp_mnist: %zu neurons, %zu training examples in %.2f s: %.1f examples/s, "
           "%.3g synaptic events/s (%.0f input spikes, %.1f excitatory spikes, %.2f "
           "presentations per example)\n",
           neurons, k, t_train, eps, (double)st.syn_events / t_train,
           (double)st.input_spikes / (double)k, (double)st.exc_spikes / (double)k,
           (double)st.presentations / (double)k);
    printf("stdp_mnist: one epoch of 60000 examples: %.1f min (extrapolated from %zu; target "
           "<= 10 min for 400 neurons)\n",
           60000.0 / eps / 60.0, k);
    printf("stdp_mnist: inference (labelling, plasticity off): %.1f examples/s\n",
           (double)kl / t_inf);
  }
  snn_learner_free(l);
  snn_network_free(net);
  snn_neuron_model_free(lif);
  snn_dataset_free(train);
  return rc ? 1 : 0;
}

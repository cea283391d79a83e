/* bin/stdp-mnist - saving the learner state and drawing the weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stdp_mnist.h"

int stdp_mnist_save_state(const char *path, const snn_learner *l, size_t neurons) {
  char p[4096];
  snprintf(p, sizeof p, "%s.stdp", path);
  float *theta = malloc(neurons * sizeof *theta);
  int32_t *cls = malloc(neurons * sizeof *cls);
  FILE *f = NULL;
  int rc = -1;
  if (!theta || !cls) {
    fprintf(stderr, "stdp-mnist: out of memory\n");
    goto out;
  }
  if (snn_learner_stdp_theta_get(theta, l, neurons) ||
      snn_learner_stdp_assignments_get(cls, l, neurons)) {
    fprintf(stderr, "stdp-mnist: %s\n", snn_last_error());
    goto out;
  }
  if (!(f = fopen(p, "w"))) {
    perror(p);
    goto out;
  }
  fprintf(f, "# neuron class theta_mV\n");
  for (size_t j = 0; j < neurons; j++) fprintf(f, "%zu %d %.9g\n", j, (int)cls[j], (double)theta[j]);
  if (fclose(f)) {
    f = NULL;
    perror(p);
    goto out;
  }
  f = NULL;
  rc = 0;
out:
  if (f) fclose(f);
  free(theta);
  free(cls);
  return rc;
}

int stdp_mnist_load_state(const char *path, snn_learner *l, size_t neurons) {
  char p[4096], line[256];
  snprintf(p, sizeof p, "%s.stdp", path);
  FILE *f = fopen(p, "r");
  if (!f) {
    perror(p);
    return -1;
  }
  float *theta = malloc(neurons * sizeof *theta);
  size_t got = 0;
  int rc = -1;
  if (!theta) {
    fprintf(stderr, "stdp-mnist: out of memory\n");
    goto out;
  }
  while (fgets(line, sizeof line, f)) {
    size_t j;
    int cls;
    double th;
    if (line[0] == '#') continue;
    if (sscanf(line, "%zu %d %lf", &j, &cls, &th) != 3 || j != got || j >= neurons) {
      fprintf(stderr, "stdp-mnist: %s: bad line %zu\n", p, got + 1);
      goto out;
    }
    theta[got++] = (float)th;
  }
  if (got != neurons) {
    fprintf(stderr, "stdp-mnist: %s: %zu neurons, the model has %zu\n", p, got, neurons);
    goto out;
  }
  if (snn_learner_stdp_theta_set(l, theta, neurons)) {
    fprintf(stderr, "stdp-mnist: %s\n", snn_last_error());
    goto out;
  }
  rc = 0;
out:
  fclose(f);
  free(theta);
  return rc;
}

int stdp_mnist_weights_png(const char *png, const snn_learner *l, snn_network *net,
                           size_t neurons) {
  (void)l;
  snn_layer *layer = snn_network_layer(net, 0);
  size_t nw = snn_layer_param_size(layer, SNN_PARAM_WEIGHTS);
  float *w = malloc(nw * sizeof *w);
  if (!w) {
    fprintf(stderr, "stdp-mnist: out of memory\n");
    return -1;
  }
  if (snn_layer_param_get(w, layer, SNN_PARAM_WEIGHTS, nw)) { /* public layout W[o][i] */
    fprintf(stderr, "stdp-mnist: %s\n", snn_last_error());
    free(w);
    return -1;
  }
  size_t cols = (size_t)ceil(sqrt((double)neurons)), rows = (neurons + cols - 1) / cols;
  char dat[] = "/tmp/stdp-mnist-XXXXXX";
  int fd = mkstemp(dat);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    perror("stdp-mnist: temporary file");
    if (fd >= 0) close(fd);
    free(w);
    return -1;
  }
  /* matrix of rows*28 lines by cols*28 values; image row 0 at the top */
  for (size_t R = rows * 28; R-- > 0;) {
    size_t tr = R / 28, y = R % 28;
    for (size_t C = 0; C < cols * 28; C++) {
      size_t tc = C / 28, x = C % 28, j = tr * cols + tc;
      double v = j < neurons ? w[j * 784 + y * 28 + x] : 0.0;
      fprintf(f, C ? " %.4g" : "%.4g", v);
    }
    fputc('\n', f);
  }
  fclose(f);
  free(w);
  char script[8192];
  int px = (int)(cols * 28 * 3 > 2400 ? 2400 : cols * 28 * 3);
  int py = (int)((double)px * rows / cols);
  snprintf(script, sizeof script,
           "set terminal pngcairo size %d,%d\n"
           "set output '%s'\n"
           "unset key; unset tics; unset border; unset colorbox\n"
           "set margins 0,0,0,0\n"
           "set palette grey negative\n"
           "set xrange [-0.5:%zu.5]; set yrange [-0.5:%zu.5]\n"
           "plot '%s' matrix with image\n",
           px, py + 1, png, cols * 28 - 1, rows * 28 - 1, dat);
  FILE *g = popen("gnuplot", "w");
  int rc = -1;
  if (!g) {
    perror("stdp-mnist: gnuplot (apt-get install -y gnuplot-nox)");
  } else {
    fputs(script, g);
    int st = pclose(g);
    if (st != 0)
      fprintf(stderr, "stdp-mnist: gnuplot failed (status %d); install it with apt-get install "
                      "-y gnuplot-nox\n", st);
    else
      rc = 0;
  }
  unlink(dat);
  return rc;
}

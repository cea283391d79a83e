/* bin/stdp-mnist - drawing the learned weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/gnuplot.h"
#include "stdp_mnist.h"

typedef struct weights_plot {
  int px, py;        /* image size */
  size_t cols, rows; /* tiles */
  const char *dat;   /* the matrix file (a mkstemp name: letters, digits, '/', '-') */
} weights_plot;

static void weights_script(FILE *g, void *user) {
  const weights_plot *p = user;
  fprintf(g,
          "set terminal pngcairo size %d,%d\n"
          "unset key; unset tics; unset border; unset colorbox\n"
          "set margins 0,0,0,0\n"
          "set palette grey negative\n"
          "set xrange [-0.5:%zu.5]; set yrange [-0.5:%zu.5]\n"
          "plot '%s' matrix with image\n",
          p->px, p->py + 1, p->cols * 28 - 1, p->rows * 28 - 1, p->dat);
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
    if (fd >= 0) {
      close(fd);
      unlink(dat);
    }
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
  int werr = ferror(f) != 0;
  werr |= fclose(f) != 0;
  free(w);
  if (werr) {
    fprintf(stderr, "stdp-mnist: --weights-png: cannot write the temporary file %s\n", dat);
    unlink(dat);
    return -1;
  }
  int px = (int)(cols * 28 * 3 > 2400 ? 2400 : cols * 28 * 3);
  weights_plot wp = {px, (int)((double)px * rows / cols), cols, rows, dat};
  int rc = gnuplot_png("stdp-mnist", "--weights-png", png, weights_script, &wp);
  unlink(dat);
  return rc;
}

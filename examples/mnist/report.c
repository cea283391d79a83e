/* bin/mnist - timing, memory, progress bar, JSON strings and the gnuplot figure. */
#include "mnist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../common/gnuplot.h"

double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cpu_seconds(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

double peak_rss_mb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1.0;
  return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

int stderr_is_tty(void) { return isatty(STDERR_FILENO); }

static void fmt_duration(char *buf, size_t n, double s) {
  if (s < 0 || s != s) s = 0;
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
  else
    snprintf(buf, n, "%lds", t);
}

void progress_clear(const progress_ctx *c) {
  if (c->tty && !c->quiet) fprintf(stderr, "\r\033[K");
}

int progress_cb(const snn_progress *p, void *user) {
  progress_ctx *c = (progress_ctx *)user;
  c->acc_sum += p->accuracy;
  c->acc_n++;
  if (c->log_every && (p->batch + 1) % c->log_every == 0) {
    progress_clear(c);
    fprintf(c->log, "epoch %d batch %llu/%llu loss %.5f acc %.2f%% t %.1fs\n", c->epoch + 1,
            (unsigned long long)(p->batch + 1), (unsigned long long)p->n_batches, p->loss,
            100.0 * p->accuracy, c->train_before + p->seconds);
    fflush(c->log);
    c->last_draw = 0; /* redraw the bar below the line */
  }
  if (c->tty && !c->quiet) {
    double t = now_seconds();
    int last = p->batch + 1 == p->n_batches;
    if (t - c->last_draw >= 0.1 || last) {
      c->last_draw = t;
      double frac_ep = p->n_batches ? (double)(p->batch + 1) / (double)p->n_batches : 1.0;
      double done = ((double)c->epoch + frac_ep) / (double)(c->n_epochs ? c->n_epochs : 1);
      double elapsed = c->train_before + p->seconds;
      double first = (double)c->epoch / (double)(c->n_epochs ? c->n_epochs : 1);
      /* ETA from this run's speed (training time only; evaluation adds a little) */
      double eta = done > first ? elapsed * (1.0 - done) / done : 0.0;
      char eta_s[32], el_s[32];
      fmt_duration(eta_s, sizeof eta_s, eta);
      fmt_duration(el_s, sizeof el_s, elapsed);
      enum { W = 24 };
      char bar[W + 1];
      int fill = (int)(frac_ep * W + 0.5);
      for (int i = 0; i < W; i++) bar[i] = i < fill ? '#' : '.';
      bar[W] = '\0';
      fprintf(stderr, "\r\033[Kepoch %d/%d [%s] %3d%% %llu/%llu loss %.4f acc %5.1f%% %s ETA %s",
              c->epoch + 1, c->n_epochs, bar, (int)(100.0 * frac_ep + 0.5),
              (unsigned long long)(p->batch + 1), (unsigned long long)p->n_batches, p->loss,
              100.0 * p->accuracy, el_s, eta_s);
      fflush(stderr);
    }
  }
  if (c->learner && p->n_batches) {
    /* per-batch cosine decay over the whole run; the rate applies from the next batch on */
    uint64_t total = (uint64_t)c->n_epochs * p->n_batches;
    uint64_t done = (uint64_t)c->epoch * p->n_batches + p->batch + 1;
    snn_learner_set_learning_rate(c->learner, cosine_lr(c->lr0, done, total));
  }
  return (c->stop && *c->stop) ? 1 : 0;
}

double cosine_lr(double lr0, uint64_t done, uint64_t total) {
  const double pi = 3.14159265358979323846;
  double f = total ? (double)(done < total ? done : total) / (double)total : 1.0;
  double lr = lr0 * 0.5 * (1.0 + cos(pi * f));
  return lr > lr0 * 1e-9 ? lr : lr0 * 1e-9; /* the library takes lr > 0 only */
}

/* ---- augmentation ------------------------------------------------------- */

static uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void augment_free(augment *a) {
  free(a->pix);
  free(a->labels);
  free(a->buf);
  memset(a, 0, sizeof *a);
}

int augment_init(augment *a, const snn_dataset *d, int shift, uint64_t seed) {
  memset(a, 0, sizeof *a);
  size_t n = snn_dataset_size(d), nf = snn_dataset_n_features(d);
  size_t side = (size_t)(sqrt((double)nf) + 0.5);
  if (n == 0 || side * side != nf) return -1;
  a->n = n;
  a->side = side;
  a->shift = shift;
  a->seed = seed;
  a->pix = malloc(n * nf);
  a->labels = malloc(n * sizeof *a->labels);
  a->buf = malloc(n * nf * sizeof *a->buf);
  if (!a->pix || !a->labels || !a->buf) {
    augment_free(a);
    return -1;
  }
  if (snn_dataset_get(a->buf, a->labels, d, 0, n) != SNN_OK) {
    augment_free(a);
    return -1;
  }
  for (size_t i = 0; i < n * nf; i++) {
    float v = a->buf[i] * 255.0f + 0.5f;
    a->pix[i] = (uint8_t)(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
  }
  return 0;
}

int augment_epoch(snn_dataset **out, augment *a, uint32_t epoch) {
  const size_t S = a->side, nf = S * S;
  const long w = 2 * (long)a->shift + 1;
  const float inv = 1.0f / 255.0f;
  for (size_t i = 0; i < a->n; i++) {
    uint64_t h = mix64(a->seed ^ mix64(((uint64_t)epoch << 40) ^ (uint64_t)i));
    long dx = (long)(h % (uint64_t)w) - a->shift, dy = (long)((h >> 32) % (uint64_t)w) - a->shift;
    const uint8_t *src = a->pix + i * nf;
    float *dst = a->buf + i * nf;
    for (long y = 0; y < (long)S; y++) {
      long sy = y - dy;
      for (long x = 0; x < (long)S; x++) {
        long sx = x - dx;
        dst[y * (long)S + x] = (sy >= 0 && sy < (long)S && sx >= 0 && sx < (long)S)
                                   ? (float)src[sy * (long)S + sx] * inv
                                   : 0.0f;
      }
    }
  }
  return snn_dataset_create(out, a->buf, a->labels, a->n, nf);
}

/* ---- figure ------------------------------------------------------------- */

typedef struct curve_plot {
  const char *title;
  const epoch_rec *ep;
  int n;
} curve_plot;

static void curve_script(FILE *g, void *user) {
  const curve_plot *c = user;
  int have_acc = 0;
  for (int i = 0; i < c->n; i++) have_acc |= c->ep[i].test_acc >= 0;
  fprintf(g, "set terminal pngcairo size 900,540 noenhanced\n");
  fprintf(g, "set title ");
  gnuplot_string(g, c->title);
  fprintf(g, "\nset xlabel 'epoch'\nset ylabel 'training loss'\nset grid\n");
  fprintf(g, "set key center right\nset xtics 1\n");
  if (have_acc) fprintf(g, "set y2label 'accuracy (%%)'\nset y2tics\nset ytics nomirror\n");
  fprintf(g, "set datafile missing '?'\n$d << EOD\n");
  for (int i = 0; i < c->n; i++) {
    fprintf(g, "%d %.6g %.4f ", c->ep[i].epoch, c->ep[i].loss, c->ep[i].train_acc);
    if (c->ep[i].test_acc >= 0)
      fprintf(g, "%.4f\n", c->ep[i].test_acc);
    else
      fprintf(g, "?\n");
  }
  fprintf(g, "EOD\n");
  fprintf(g, "plot $d using 1:2 with linespoints lw 2 title 'training loss'");
  if (have_acc)
    fprintf(g, ", $d using 1:3 axes x1y2 with linespoints lw 2 title 'training accuracy'"
               ", $d using 1:4 axes x1y2 with linespoints lw 2 title 'test accuracy'");
  fprintf(g, "\n");
}

int plot_curve(const char *prog, const char *png_path, const char *title, const epoch_rec *ep,
               int n) {
  if (n <= 0) {
    fprintf(stderr, "%s: --loss-png: no finished epoch to draw; %s not written\n", prog, png_path);
    return -1;
  }
  curve_plot c = {title, ep, n};
  /* through a file next to png_path, renamed when gnuplot succeeded: a failure leaves an
   * existing file as it was (examples/common/gnuplot.h) */
  return gnuplot_png(prog, "--loss-png", png_path, curve_script, &c);
}

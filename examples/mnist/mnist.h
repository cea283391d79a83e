/* bin/mnist - shared declarations of the MNIST example (examples/mnist/).
 * Built against the public header and the shared library only. */
#ifndef MNIST_EXAMPLE_H
#define MNIST_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "snn.h"

/* Exit codes of bin/mnist. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* One finished epoch, kept for the summary, the JSON line and the plot. */
typedef struct epoch_rec {
  int epoch;           /* 1-based */
  double loss;         /* mean training loss */
  double train_acc;    /* mean batch training accuracy, percent */
  double test_acc;     /* test accuracy after the epoch, percent (-1 if not evaluated) */
  double train_s;      /* training wall time of this epoch */
  double eval_s;       /* evaluation wall time */
} epoch_rec;

/* report.c */
double now_seconds(void);
/* CPU seconds (user + system, all threads) used by the process so far. */
double cpu_seconds(void);
double peak_rss_mb(void);
int stderr_is_tty(void);
/* Draws the per-epoch curve to png_path with gnuplot. Returns 0 on success,
 * -1 after printing a message "PROG: --loss-png: ..." on stderr (png_path is then unchanged). */
int plot_curve(const char *prog, const char *png_path, const char *title, const epoch_rec *ep,
               int n);

/* Progress reporting (progress callback of the learner). */
typedef struct progress_ctx {
  int tty;             /* draw a progress bar on stderr */
  int quiet;           /* no per-batch output at all */
  uint64_t log_every;  /* print batch loss/accuracy every N batches (0 = off) */
  FILE *log;           /* where --log-batches lines go */
  int epoch;           /* 0-based epoch of this run */
  int n_epochs;        /* epochs of this run */
  double run_start;    /* now_seconds() at the start of training */
  double train_before; /* training seconds of the finished epochs */
  double last_draw;    /* last progress-bar refresh */
  double acc_sum;      /* sum of batch accuracies in this epoch */
  uint64_t acc_n;      /* batches seen in this epoch */
  volatile sig_atomic_t *stop; /* set by SIGINT: cancel training */
  snn_learner *learner; /* for the per-batch cosine schedule (NULL: none) */
  double lr0;           /* cosine: initial learning rate */
} progress_ctx;

/* Learning rate of a cosine decay from lr0 to 0 after `done` of `total` steps. */
double cosine_lr(double lr0, uint64_t done, uint64_t total);

/* Training-set augmentation (--shift): the images as bytes, shifted copies per epoch. */
typedef struct augment {
  uint8_t *pix;     /* n * side * side original pixels (value * 255) */
  int32_t *labels;  /* n labels */
  float *buf;       /* n * side * side: the shifted epoch, handed to snn_dataset_create */
  size_t n, side;
  int shift;
  uint64_t seed;
} augment;

/* Takes the images of d (square, pixels in [0, 1]); returns -1 when d does not fit. */
int augment_init(augment *a, const snn_dataset *d, int shift, uint64_t seed);
/* A new dataset of the training images, each shifted by its own random offset for this epoch. */
int augment_epoch(snn_dataset **out, augment *a, uint32_t epoch);
void augment_free(augment *a);

int progress_cb(const snn_progress *p, void *user);
void progress_clear(const progress_ctx *c);

#endif

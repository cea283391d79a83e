/* Shared by examples/spikeprop (bin/spikeprop) and bench/spikeprop.c. */
#ifndef SPIKEPROP_EXAMPLE_H
#define SPIKEPROP_EXAMPLE_H

#include <stdint.h>

typedef struct sp_config {
  unsigned epochs;      /* 0 = dataset default */
  unsigned long seed;
  unsigned folds;       /* 0 = dataset default */
  const char *data_dir;
  int quiet;            /* 1: no progress on stderr */
  const char *save_path; /* non-NULL: save the trained learner (UCI: the last fold's) */
  const char *load_path; /* non-NULL: load a saved learner instead of training (UCI: it is
                            evaluated on the last fold's split) */
} sp_config;

typedef struct sp_result {
  double train_acc, test_acc;   /* means over folds */
  double train_sd, test_sd;     /* standard deviations over folds */
  unsigned epochs;              /* epochs run (per fold) */
  unsigned converged_epoch;     /* XOR: first epoch after which all patterns were within 1 ms; 0 = never */
  unsigned folds;
  double seconds;
} sp_result;

int sp_run_xor(sp_result *r, const sp_config *c);
int sp_run_uci(sp_result *r, const sp_config *c, const char *name);

#endif

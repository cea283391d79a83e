/* spikeprop: train SpikeProp (Bohte, Kok & La Poutre 2002) on XOR, Iris or
 * Wisconsin breast cancer and print a final JSON line.
 *
 *   spikeprop --dataset xor|iris|wbc|wbc-original [--epochs N] [--seed S] [--folds K]
 *             [--data DIR] [--save FILE | --load FILE] [--json]
 *
 * --save FILE writes the trained learner (Iris / WBC: the last fold's) with
 * snn_learner_save(); --load FILE evaluates a saved learner instead of
 * training (Iris / WBC: on the last fold's split for the given --seed and
 * --folds, so it reproduces the accuracy of that fold in the --save run).
 *
 * XOR: inputs spike at 0 ms (1) or 6 ms (0) plus a bias spike at 0 ms; the
 * output's target is 10 ms (true) or 16 ms (false); training stops when all
 * four patterns are within 1 ms of their targets ("converged_epoch").
 * Iris / WBC: features min-max scaled on the training fold, population-coded
 * (Gaussian receptive fields), K-fold cross-validation (seeded shuffle);
 * accuracies are means over the folds. Data: DIR/iris.csv and
 * DIR/breast_cancer.csv (scikit-learn's copies; wbc = the diagnostic set,
 * WDBC) and DIR/breast_cancer_original.csv (wbc-original: the original
 * Wisconsin set of Bohte et al.'s table, from R's mlbench); `make data` puts
 * them in data/uci. Protocol and figures: docs/spikeprop.md. */
#include <snn.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/output.h"
#include "spikeprop.h"

static void usage_to(FILE *f) {
  fprintf(f,
          "usage: spikeprop --dataset xor|iris|wbc|wbc-original [--epochs N] [--seed S] [--folds K] "
          "[--data DIR] [--save FILE | --load FILE] [--json]\n");
}

static _Noreturn void usage(const char *msg) {
  if (msg) fprintf(stderr, "spikeprop: %s\n", msg);
  usage_to(stderr);
  exit(2);
}

static unsigned long parse_ul(const char *s, const char *what, unsigned long max) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end != '\0' || s[0] == '-' || errno == ERANGE || v > max) {
    char buf[128];
    snprintf(buf, sizeof buf, "bad value for %s: '%s'", what, s);
    usage(buf);
  }
  return v;
}

int main(int argc, char **argv) {
  sp_config c;
  memset(&c, 0, sizeof c);
  c.data_dir = "data/uci";
  int json = 0;
  const char *ds = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage_to(stdout);
      return finish_stdout("spikeprop");
    } else if (i + 1 < argc && strcmp(a, "--dataset") == 0) {
      ds = argv[++i];
    } else if (i + 1 < argc && strcmp(a, "--epochs") == 0) {
      c.epochs = (unsigned)parse_ul(argv[++i], "--epochs", 10000000);
      if (c.epochs == 0) usage("--epochs must be >= 1");
    } else if (i + 1 < argc && strcmp(a, "--seed") == 0) {
      c.seed = parse_ul(argv[++i], "--seed", ULONG_MAX);
    } else if (i + 1 < argc && strcmp(a, "--folds") == 0) {
      c.folds = (unsigned)parse_ul(argv[++i], "--folds", 1000000);
      if (c.folds < 2) usage("--folds must be >= 2");
    } else if (i + 1 < argc && strcmp(a, "--data") == 0) {
      c.data_dir = argv[++i];
    } else if (i + 1 < argc && strcmp(a, "--save") == 0) {
      c.save_path = argv[++i];
    } else if (i + 1 < argc && strcmp(a, "--load") == 0) {
      c.load_path = argv[++i];
    } else {
      char buf[160];
      snprintf(buf, sizeof buf, "unknown or incomplete argument '%s'", a);
      usage(buf);
    }
  }
  if (ds == NULL) usage("--dataset is required");
  if (c.save_path && c.load_path) usage("--save and --load exclude each other");
  sp_result r;
  int rc;
  if (strcmp(ds, "xor") == 0)
    rc = sp_run_xor(&r, &c);
  else if (strcmp(ds, "iris") == 0 || strcmp(ds, "wbc") == 0 || strcmp(ds, "wbc-original") == 0)
    rc = sp_run_uci(&r, &c, ds);
  else
    usage("--dataset must be xor, iris, wbc or wbc-original");
  if (rc != 0) return 1;
  if (!json) {
    printf("dataset %s: train accuracy %.2f%%, test accuracy %.2f%%, %u epochs, %.2f s\n", ds,
           100 * r.train_acc, 100 * r.test_acc, r.epochs, r.seconds);
    if (strcmp(ds, "xor") == 0) {
      if (c.load_path)
        printf("loaded network: %s\n", r.converged_epoch ? "all four patterns within 1 ms"
                                                           : "not within 1 ms of the targets");
      else if (r.converged_epoch > 0)
        printf("converged after %u epochs\n", r.converged_epoch);
      else
        printf("did not converge\n");
    }
  }
  printf("{\"dataset\":\"%s\",\"train_accuracy\":%.6f,\"test_accuracy\":%.6f,\"epochs\":%u,"
         "\"seconds\":%.3f",
         ds, r.train_acc, r.test_acc, r.epochs, r.seconds);
  if (strcmp(ds, "xor") == 0) printf(",\"converged_epoch\":%u", r.converged_epoch);
  else printf(",\"folds\":%u,\"train_accuracy_sd\":%.6f,\"test_accuracy_sd\":%.6f", r.folds,
              r.train_sd, r.test_sd);
  printf("}\n");
  return finish_stdout("spikeprop");
}

/* bench/spikeprop: reproduces the SpikeProp benchmarks of Bohte, Kok & La
 * Poutre (2002) with the protocols of bin/spikeprop (examples/spikeprop):
 *   XOR   10 seeds, up to 1000 epochs each: converged count (all four
 *         patterns within 1 ms of target) and median epochs to convergence.
 *   Iris  5-fold cross-validation (seeded shuffle), repeated for 3 seeds:
 *         mean train / test accuracy over the 15 trained networks.
 *   WBC   the same on Wisconsin diagnostic breast cancer (569 x 30).
 * Targets (issue #6): XOR >= 9/10, Iris >= 96 % test, WBC >= 97 % test.
 * Data from `make data` (data/uci) or SNN_UCI_DIR; missing data is reported
 * and skipped. Prints a table next to the paper's figures; exit status 0. */
#include "../examples/spikeprop/run.c"

static int cmp_u(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return (x > y) - (x < y);
}

static void uci(const char *name, const char *dir, double paper_tr, double paper_te,
                double target) {
  const unsigned seeds = 3;
  double tr = 0, te = 0, secs = 0, te_min = 1, te_max = 0;
  unsigned folds = 0, epochs = 0;
  for (unsigned s = 0; s < seeds; s++) {
    sp_config c;
    memset(&c, 0, sizeof c);
    c.seed = s;
    c.data_dir = dir;
    c.quiet = 1;
    sp_result r;
    if (sp_run_uci(&r, &c, name) != 0) {
      printf("%-5s skipped (no data in %s: run 'make data' or set SNN_UCI_DIR)\n", name, dir);
      return;
    }
    tr += r.train_acc / seeds;
    te += r.test_acc / seeds;
    te_min = r.test_acc < te_min ? r.test_acc : te_min;
    te_max = r.test_acc > te_max ? r.test_acc : te_max;
    secs += r.seconds;
    folds = r.folds;
    epochs = r.epochs;
  }
  printf("%-5s %u-fold CV x %u seeds, %u epochs: train %.1f%%  test %.1f%% (seed means %.1f..%.1f)"
         "   paper %.1f / %.1f   target test >= %.0f%%: %s   %.1f s\n",
         name, folds, seeds, epochs, 100 * tr, 100 * te, 100 * te_min, 100 * te_max, paper_tr,
         paper_te, target, 100 * te >= target ? "met" : "MISSED", secs);
}

int main(void) {
  const char *dir = getenv("SNN_UCI_DIR");
  if (!dir || !*dir) dir = "data/uci";
  printf("SpikeProp (Bohte, Kok & La Poutre 2002); timings on one core\n");
  unsigned ep[10], n_conv = 0;
  double secs = 0;
  for (unsigned s = 0; s < 10; s++) {
    sp_config c;
    memset(&c, 0, sizeof c);
    c.seed = s;
    c.quiet = 1;
    sp_result r;
    if (sp_run_xor(&r, &c) != 0) return 1;
    secs += r.seconds;
    if (r.converged_epoch) ep[n_conv++] = r.converged_epoch;
    printf("xor   seed %u: %s after %u epochs\n", s, r.converged_epoch ? "converged" : "NOT converged",
           r.epochs);
  }
  qsort(ep, n_conv, sizeof ep[0], cmp_u);
  double med = n_conv == 0 ? 0 : n_conv % 2 ? ep[n_conv / 2] : 0.5 * (ep[n_conv / 2 - 1] + ep[n_conv / 2]);
  printf("xor   converged %u/10 seeds, median %.1f epochs (of the converged), %.2f s total   "
         "target >= 9/10: %s\n",
         n_conv, med, secs, n_conv >= 9 ? "met" : "MISSED");
  uci("iris", dir, 97.4, 96.1, 96.0);
  uci("wbc", dir, 97.6, 97.0, 97.0);
  return 0;
}

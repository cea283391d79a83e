/* bench/mnist -> bin/bench/mnist: the MNIST figures of issue #4, in one run.
 *
 *   (d) the OpenBLAS core this process runs on (openblas_get_corename)
 *   (a) the default recipe of bin/mnist (examples/mnist/defaults.h): test
 *       accuracy and training seconds
 *   (b) the side-by-side recipe (784-1000-10, T=25, rate input, beta 0.95,
 *       Adam 5e-4, batch 128, snnTorch's per-step membrane cross-entropy, one
 *       epoch) with libsnn and, when PyTorch is installed, with
 *       /work/shared/bench/torch_snn_mnist.py in the same run: epoch times,
 *       their ratio and both accuracies
 *   (c) inference (test-set images per second) of the model of (a) at 1 and
 *       2 threads, and whether the predictions are identical
 *   (e) peak RSS
 *
 * usage: bin/bench/mnist [--data DIR] [--quick] [--threads N] [--no-torch]
 *                        [--torch-dir DIR] [--skip-default] [--skip-rate]
 * --quick (or SNN_BENCH_QUICK=1, e.g. `make bench SNN_BENCH_QUICK=1`) trains on
 * 10,000 images in (a) and 6,400 in (b), one epoch each; figures are then marked
 * "quick". Every timing line shows the load average: other work on the machine
 * distorts wall times (CPU seconds are printed too). OMP_WAIT_POLICY defaults
 * to passive (also for bin/mnist and PyTorch, which inherit it): spinning OpenMP
 * threads slowed training several-fold on the shared build machine. Exit 0 on success (also when
 * data/mnist is missing and --data was not given: skipped), 1 on a runtime
 * error, 2 on bad usage.
 */
#include "snn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../examples/mnist/defaults.h"

extern char *openblas_get_corename(void);
extern void openblas_set_num_threads(int n);

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

/* CPU seconds (user + system) of this process so far. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* The 1-minute load average: other work on the machine distorts every timing. */
static double loadavg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

/* s as one single-quoted POSIX shell word (each ' written as '\''), so that any path
 * (spaces, quotes, $, backquotes) reaches the program as it is. Returns 0, or -1 when it
 * does not fit in n bytes. */
static int shell_quote(char *out, size_t n, const char *s) {
  size_t k = 0;
  if (n < 3) return -1;
  out[k++] = '\'';
  for (; *s; s++) {
    if (k + 6 > n) return -1; /* room for '\'', the closing quote and the NUL */
    if (*s == '\'') {
      memcpy(out + k, "'\\''", 4);
      k += 4;
    } else {
      out[k++] = *s;
    }
  }
  out[k++] = '\'';
  out[k] = '\0';
  return 0;
}

static void check(int rc, const char *what) {
  if (rc != SNN_OK) {
    fprintf(stderr, "bench/mnist: %s: %s (%s)\n", what, snn_strerror(rc), snn_last_error());
    exit(1);
  }
}

static void set_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  openblas_set_num_threads(n);
}

typedef struct recipe {
  const char *arch;     /* dense sizes A-B-...-C */
  const char *encoding; /* rate | direct */
  int steps;
  double beta;
  int32_t loss;
  const char *readout; /* readout for the test accuracy */
  int out_spikes;      /* output layer spikes and resets */
  int epochs, batch;
  double lr, lr_decay, slope;
  uint64_t seed;
} recipe;

static snn_neuron_model *lif(double beta, int spiking) {
  snn_neuron_model *m = NULL;
  check(snn_neuron_model_create(&m, "lif"), "lif");
  const double g = 1.0 - beta;
  check(snn_neuron_model_set(m, "E_L", 0.0), "E_L");
  check(snn_neuron_model_set(m, "V_reset", 0.0), "V_reset");
  check(snn_neuron_model_set(m, "g_L", g), "g_L");
  check(snn_neuron_model_set(m, "C_m", g / -log(beta)), "C_m");
  check(snn_neuron_model_set(m, "t_ref", 0.0), "t_ref");
  check(snn_neuron_model_set(m, "V_th", spiking ? 1.0 : 1e4), "V_th");
  check(snn_neuron_model_set_str(m, "reset", "subtract"), "reset");
  return m;
}

static snn_network *build(const recipe *r) {
  snn_network *net = NULL;
  check(snn_network_create(&net, 1, 28, 28), "snn_network_create");
  size_t sizes[16], n = 0;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", r->arch);
  for (char *save = NULL, *t = strtok_r(buf, "-", &save); t && n < 16; t = strtok_r(NULL, "-", &save))
    sizes[n++] = (size_t)strtoul(t, NULL, 10);
  snn_neuron_model *hid = lif(r->beta, 1), *out = lif(r->beta, r->out_spikes);
  for (size_t i = 1; i < n; i++) {
    snn_layer *l = NULL;
    check(snn_layer_create_dense(&l, sizes[i - 1], sizes[i], i + 1 == n ? out : hid), "dense");
    check(snn_network_add_layer(net, l), "add_layer");
  }
  snn_neuron_model_free(hid);
  snn_neuron_model_free(out);
  snn_encoder *e = NULL;
  check(snn_encoder_create(&e, r->encoding), "encoder");
  if (!strcmp(r->encoding, "rate")) {
    check(snn_encoder_set(e, "dt", 1.0), "encoder dt");
    check(snn_encoder_set(e, "max_rate", 1000.0), "encoder max_rate");
  }
  check(snn_encoder_seed(e, r->seed), "encoder seed");
  check(snn_network_set_encoder(net, e), "set_encoder");
  snn_encoder_free(e);
  check(snn_network_set(net, "steps", r->steps), "steps");
  check(snn_network_set(net, "dt", 1.0), "dt");
  check(snn_network_set(net, "seed", (double)r->seed), "seed");
  check(snn_network_set_str(net, "readout", r->readout), "readout");
  check(snn_network_init_weights(net, r->seed), "init_weights");
  return net;
}

/* Trains r on train; returns training seconds (sum over epochs), writes test accuracy (%). */
static double train(snn_network *net, const recipe *r, const snn_dataset *tr,
                    const snn_dataset *te, double *acc_out, double *cpu_out, const char *label) {
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.learning_rate = r->lr;
  o.batch_size = (uint32_t)r->batch;
  o.loss = r->loss;
  o.surrogate = SNN_SURROGATE_FAST_SIGMOID;
  o.surrogate_slope = r->slope;
  o.seed = r->seed;
  if (r->lr_decay != 1.0) {
    o.schedule = SNN_SCHEDULE_EXP;
    o.gamma = r->lr_decay;
  }
  snn_learner *l = NULL;
  check(snn_learner_create_bptt(&l, net, &o), "snn_learner_create_bptt");
  double total = 0.0, acc = 0.0, cpu = 0.0;
  for (int ep = 0; ep < r->epochs; ep++) {
    double loss = 0, t0 = now_s(), c0 = cpu_s();
    check(snn_learner_train_epoch(l, &loss, tr, NULL, NULL), "train_epoch");
    double dt = now_s() - t0;
    cpu += cpu_s() - c0;
    total += dt;
    check(snn_network_evaluate(&acc, net, te), "evaluate");
    printf("  %s epoch %d: loss %.5f  test %.2f%%  %.2f s (total %.2f s, CPU %.1f s, load %.1f)\n",
           label, ep + 1, loss, 100.0 * acc, dt, total, cpu, loadavg());
    fflush(stdout);
  }
  snn_learner_free(l);
  *acc_out = 100.0 * acc;
  *cpu_out = cpu;
  return total;
}

/* The first k samples of d as a new dataset (caller frees). */
static snn_dataset *take(const snn_dataset *d, size_t k) {
  size_t nf = snn_dataset_n_features(d);
  float *x = malloc(k * nf * sizeof *x);
  int32_t *y = malloc(k * sizeof *y);
  if (!x || !y) {
    fprintf(stderr, "bench/mnist: out of memory\n");
    exit(1);
  }
  check(snn_dataset_get(x, y, d, 0, k), "dataset_get");
  snn_dataset *s = NULL;
  check(snn_dataset_create(&s, x, y, k, nf), "dataset_create");
  free(x);
  free(y);
  return s;
}

/* Value of the first "key": NUMBER in s (a tiny JSON peek), NaN if absent. */
static double json_num(const char *s, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(s, pat);
  if (!p) return NAN;
  p += strlen(pat);
  while (*p == ' ') p++;
  char *end;
  double v = strtod(p, &end);
  return end == p ? NAN : v;
}

static int cpu_has_avx512f(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return 0;
  char line[8192];
  int has = 0;
  while (!has && fgets(line, sizeof line, f))
    if (!strncmp(line, "flags", 5) && strstr(line, " avx512f")) has = 1;
  fclose(f);
  return has;
}

/* Runs the PyTorch anchor; returns 0 and fills epoch seconds and accuracies on success. */
static int run_torch(const char *dir, const char *data, int threads, size_t train_limit,
                     double *train_s, double *train_cpu, double *acc, double *acc_mem) {
  char script[4096], envsh[4096], cmd[65536];
  char q_script[16400], q_envsh[16400], q_data[16400];
  snprintf(script, sizeof script, "%s/torch_snn_mnist.py", dir);
  snprintf(envsh, sizeof envsh, "%s/torch_env.sh", dir);
  if (access(script, R_OK) != 0 || access(envsh, R_OK) != 0) {
    printf("  PyTorch: %s not found (pass --torch-dir DIR); skipped\n", script);
    return -1;
  }
  if (system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
    printf("  PyTorch: not installed (apt-get install -y python3-torch libopenblas0-openmp); "
           "skipped\n");
    return -1;
  }
  /* torch_env.sh selects OpenBLAS's OpenMP build and forces OPENBLAS_CORETYPE=SkylakeX for
   * the Intel CPU it was written on. Without AVX-512 that kernel dies with SIGILL, so on
   * such CPUs let OpenBLAS detect the core itself (as this process does). */
  const char *coretype = cpu_has_avx512f() ? "env PYTHONUNBUFFERED=1 "
                                            : "env -u OPENBLAS_CORETYPE PYTHONUNBUFFERED=1 ";
  char limit[64] = "";
  if (train_limit) snprintf(limit, sizeof limit, " --train-limit %zu", train_limit);
  if (shell_quote(q_envsh, sizeof q_envsh, envsh) || shell_quote(q_script, sizeof q_script, script) ||
      shell_quote(q_data, sizeof q_data, data)) {
    printf("  PyTorch: path too long; skipped\n");
    return -1;
  }
  snprintf(cmd, sizeof cmd,
           "sh %s %s/usr/bin/python3 %s --data %s --arch 784-1000-10 --steps 25 "
           "--encoding rate --beta 0.95 --batch 128 --lr 5e-4 --loss ce_mem --epochs 1 "
           "--threads %d%s 2>&1",
           q_envsh, coretype, q_script, q_data, threads, limit);
  printf("  PyTorch: %s\n", cmd);
  fflush(stdout);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  static char line[1 << 16];
  int found = 0;
  while (fgets(line, sizeof line, p)) {
    if (!strncmp(line, "RESULT_JSON ", 12)) {
      /* "epochs": [{... "train_s": X ... "test_acc": A, "test_acc_memsum": M ...}] */
      const char *ep = strstr(line, "\"epochs\":");
      if (ep) {
        *train_s = json_num(ep, "train_s");
        *train_cpu = json_num(ep, "train_cpu_s");
        *acc = 100.0 * json_num(ep, "test_acc");
        *acc_mem = 100.0 * json_num(ep, "test_acc_memsum");
        found = 1;
      }
    } else {
      printf("  | %s", line);
    }
  }
  int rc = pclose(p);
  if (rc != 0 || !found) {
    printf("  PyTorch: failed (status %d)\n", rc);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *data = DEF_DATA, *torch_dir = NULL;
  int quick = 0, no_torch = 0, skip_default = 0, skip_rate = 0, data_given = 0;
  const char *qenv = getenv("SNN_BENCH_QUICK");
  if (qenv && *qenv && strcmp(qenv, "0") != 0) quick = 1;
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (!strcmp(argv[i], "--no-torch")) no_torch = 1;
    else if (!strcmp(argv[i], "--skip-default")) skip_default = 1;
    else if (!strcmp(argv[i], "--skip-rate")) skip_rate = 1;
    else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
      data = argv[++i];
      data_given = 1;
    }
    else if (!strcmp(argv[i], "--torch-dir") && i + 1 < argc) torch_dir = argv[++i];
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else {
      fprintf(stderr,
              "usage: %s [--data DIR] [--quick] [--threads N] [--no-torch] [--torch-dir DIR] "
              "[--skip-default] [--skip-rate]\n",
              argv[0]);
      return 2;
    }
  }
  if (threads < 1) threads = 1;
  /* Like bin/mnist: passive OpenMP waits unless the user chose a policy (read when
   * libgomp loads, so restart once); PyTorch inherits the same setting. */
  if (!getenv("OMP_WAIT_POLICY") && !getenv("SNN_BENCH_REEXEC")) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    setenv("SNN_BENCH_REEXEC", "1", 1);
    fflush(NULL);
    execv("/proc/self/exe", argv);
  }
  if (!torch_dir) torch_dir = getenv("SNN_TORCH_BENCH_DIR");
  if (!torch_dir) torch_dir = "/work/shared/bench";

  char img[4096], lab[4096];
  snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", data);
  if (access(img, R_OK) != 0) {
    /* `make bench` runs every benchmark: without the data this one is skipped, not failed. */
    fprintf(stderr, "bench/mnist: MNIST not found in %s: run `make data` (or pass --data DIR)%s\n",
            data, data_given ? "" : "; skipped");
    return data_given ? 1 : 0;
  }

  printf("== bench/mnist (libsnn %s)%s\n", snn_version_string(), quick ? "  [quick]" : "");
  printf("(d) OpenBLAS core: %s   OPENBLAS_CORETYPE=%s   threads %d   OMP_WAIT_POLICY=%s   "
         "features 0x%x   load %.1f\n",
         openblas_get_corename(), getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "(unset)",
         threads, getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "(unset)", snn_features(),
         loadavg());
  fflush(stdout);
  set_threads(threads);

  snn_dataset *tr_full = NULL, *te = NULL;
  snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte", data);
  check(snn_dataset_load_idx(&tr_full, img, lab), "load train");
  snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte", data);
  snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte", data);
  check(snn_dataset_load_idx(&te, img, lab), "load test");
  const size_t n_train = snn_dataset_size(tr_full);

  /* (a) default recipe, then (c) inference on its model */
  if (!skip_default) {
    /* Run bin/mnist itself (its defaults: examples/mnist/defaults.h), so the figure is
     * exactly what `make demo` gets; it saves the model for (c). */
    char exe[4096], mnist[4200], model[64], cmd[65536];
    char q_mnist[16820], q_data[16400], q_model[260];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
      fprintf(stderr, "bench/mnist: cannot find my own path\n");
      return 1;
    }
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(mnist, sizeof mnist, "%s/../mnist", exe);
    if (access(mnist, X_OK) != 0) {
      fprintf(stderr, "bench/mnist: %s not built (make examples)\n", mnist);
      return 1;
    }
    snprintf(model, sizeof model, "/tmp/snn-bench-mnist-%ld.snn", (long)getpid());
    char extra[128] = "";
    if (quick) snprintf(extra, sizeof extra, " --train-limit 10000 --epochs 1");
    if (shell_quote(q_mnist, sizeof q_mnist, mnist) || shell_quote(q_data, sizeof q_data, data) ||
        shell_quote(q_model, sizeof q_model, model)) {
      fprintf(stderr, "bench/mnist: path too long: %s\n", data);
      return 1;
    }
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=%d OPENBLAS_NUM_THREADS=%d %s --data %s --json "
             "--quiet --save %s%s",
             threads, threads, q_mnist, q_data, q_model, extra);
    printf("(a) default recipe of bin/mnist (%s %s T=%d beta %g, %d epochs, lr %g %s, shift %d)%s:\n"
           "    %s\n",
           DEF_ARCH, DEF_ENCODING, DEF_STEPS, DEF_BETA, DEF_EPOCHS, DEF_LR, DEF_SCHEDULE, DEF_SHIFT,
           quick ? " [quick: 10,000 images, 1 epoch]" : "", cmd);
    fflush(stdout);
    double la0 = loadavg();
    FILE *p = popen(cmd, "r");
    static char line[1 << 16];
    int got = 0;
    double acc = NAN, ts = NAN, rss = NAN;
    while (p && fgets(line, sizeof line, p))
      if (line[0] == '{') {
        acc = json_num(line, "test_accuracy");
        ts = json_num(line, "train_seconds");
        rss = json_num(line, "peak_rss_mb");
        got = 1;
      }
    if (!p || pclose(p) != 0 || !got) {
      fprintf(stderr, "bench/mnist: %s failed\n", mnist);
      remove(model);
      return 1;
    }
    printf("(a) RESULT default: test accuracy %.2f%%, training %.2f s, peak RSS of bin/mnist %.1f MB "
           "(load %.1f -> %.1f)%s\n",
           acc, ts, rss, la0, loadavg(), quick ? " [quick: partial training]" : "");
    fflush(stdout);
    snn_network *net = NULL;
    check(snn_network_load(&net, model), "snn_network_load (the model saved by bin/mnist)");
    remove(model);

    /* (c) inference throughput on the test set */
    size_t nte = snn_dataset_size(te), nf = snn_dataset_n_features(te);
    float *x = malloc(nte * nf * sizeof *x);
    int32_t *lab1 = malloc(nte * sizeof *lab1), *lab2 = malloc(nte * sizeof *lab2);
    if (!x || !lab1 || !lab2) return 1;
    check(snn_dataset_get(x, NULL, te, 0, nte), "dataset_get");
    int32_t *labs[2] = {lab1, lab2};
    double ips[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
      int th = k + 1;
      set_threads(th);
      check(snn_network_predict(net, labs[k], NULL, x, nte, nf), "predict (warm-up)");
      double best = 1e30;
      for (int rep = 0; rep < (quick ? 2 : 3); rep++) {
        double t0 = now_s();
        check(snn_network_predict(net, labs[k], NULL, x, nte, nf), "predict");
        double dt = now_s() - t0;
        if (dt < best) best = dt;
      }
      ips[k] = (double)nte / best;
    }
    set_threads(threads);
    printf("(c) RESULT inference (default model, %zu test images, best of runs, load %.1f): 1 "
           "thread %.0f images/s, 2 threads %.0f images/s (x%.2f); predictions %s\n",
           nte, loadavg(), ips[0], ips[1], ips[1] / ips[0],
           memcmp(lab1, lab2, nte * sizeof *lab1) ? "DIFFER between thread counts"
                                                   : "identical at 1 and 2 threads");
    double spk = 0, syn = 0, s1, s2;
    for (size_t i = 0; i < snn_network_n_layers(net); i++)
      if (snn_network_activity(&s1, &s2, net, i) == SNN_OK) {
        spk += s1;
        syn += s2;
      }
    printf("    activity per sample: %.1f spikes, %.4g synaptic operations\n", spk, syn);
    fflush(stdout);
    free(x);
    free(lab1);
    free(lab2);
    snn_network_free(net);
  }

  /* (b) side by side with PyTorch */
  if (!skip_rate) {
    recipe r = {"784-1000-10", "rate", 25, 0.95, SNN_LOSS_CE_MEM_STEPS, "count", 1, 1, 128, 5e-4,
                1.0, 25.0, 0};
    size_t limit = quick ? 6400 : 0;
    snn_dataset *tmp = limit && limit < n_train ? take(tr_full, limit) : NULL;
    const snn_dataset *trd = tmp ? tmp : tr_full;
    printf("(b) side-by-side recipe: 784-1000-10 LIF, T=25, rate input, beta 0.95, Adam 5e-4, "
           "batch 128, per-step membrane CE, 1 epoch on %zu images\n",
           snn_dataset_size(trd));
    fflush(stdout);
    snn_network *net = build(&r);
    double acc = 0, acc_mem = 0, cpu = 0;
    double ts = train(net, &r, trd, te, &acc, &cpu, "libsnn rate");
    check(snn_network_set_str(net, "readout", "membrane"), "readout");
    double a = 0;
    check(snn_network_evaluate(&a, net, te), "evaluate");
    acc_mem = 100.0 * a;
    printf("(b) libsnn: epoch %.2f s (CPU %.1f s), test accuracy %.2f%% (spike count), %.2f%% "
           "(membrane sum)\n",
           ts, cpu, acc, acc_mem);
    fflush(stdout);
    snn_network_free(net);
    snn_dataset_free(tmp);
    double t_ts = 0, t_cpu = 0, t_acc = 0, t_mem = 0;
    if (no_torch) {
      printf("(b) PyTorch: skipped (--no-torch)\n");
    } else if (run_torch(torch_dir, data, threads, limit, &t_ts, &t_cpu, &t_acc, &t_mem) == 0) {
      printf("(b) PyTorch: epoch %.2f s (CPU %.1f s, load %.1f), test accuracy %.2f%% (spike "
             "count), %.2f%% (membrane sum)\n",
             t_ts, t_cpu, loadavg(), t_acc, t_mem);
      printf("(b) RESULT side by side: libsnn %.2f s vs PyTorch %.2f s per epoch = %.2fx faster "
             "(CPU time: %.2fx); accuracy %.2f%% vs %.2f%% (%+.2f points)%s\n",
             ts, t_ts, t_ts / ts, t_cpu / cpu, acc, t_acc, acc - t_acc, quick ? " [quick]" : "");
    }
    fflush(stdout);
  }
  printf("(e) peak RSS %.1f MB\n", peak_rss_mb());
  snn_dataset_free(tr_full);
  snn_dataset_free(te);
  return 0;
}

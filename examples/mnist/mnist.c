/* bin/mnist - train and evaluate a spiking network on MNIST (or any IDX dataset
 * of square images, e.g. Fashion-MNIST) with surrogate-gradient BPTT.
 *
 *   bin/mnist --data data/mnist                 # the default recipe
 *   bin/mnist --arch conv --epochs 10 --json    # convolutional network
 *   bin/mnist --help                            # every option
 *
 * Exit codes: 0 success, 1 runtime error (missing data, I/O, numeric failure),
 * 2 usage error. Human-readable output goes to stdout (per-epoch lines) and
 * stderr (progress bar on a terminal, warnings); with --json stdout carries
 * only the final JSON line.
 */
#include "mnist.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/json.h"
#include "../common/output.h"
#include "defaults.h"

/* "--arch conv": snnTorch's convolutional tutorial network
 * (12C5-MP2-64C5-MP2-10, LIF after every convolution). */
#define CONV_ARCH "784-12c5-mp2-64c5-mp2-10"

#define MAX_LAYERS 32
#define MAX_EPOCHS 100000

typedef struct options {
  const char *data;
  char arch[256];
  const char *encoding;
  long steps;
  double beta;
  const char *loss;
  long epochs;
  long batch;
  double lr, lr_decay, weight_decay, grad_clip, slope, momentum;
  const char *surrogate, *optimizer, *schedule;
  long step_epochs;
  uint64_t seed;
  long threads;
  long train_limit, test_limit;
  const char *save, *load, *loss_png;
  int eval_only, json, quiet, out_reset;
  long log_batches;
  double threshold;
  /* which options were given explicitly (for --load) */
  long shift;
  int set_arch, set_encoding, set_steps, set_beta, set_loss, set_lr_decay;
} options;

static const char *prog = "mnist";

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s [options]\n"
          "Trains a spiking network on an IDX image dataset (MNIST, Fashion-MNIST) with\n"
          "surrogate-gradient BPTT, then reports the test accuracy.\n"
          "\n"
          "data and model\n"
          "  --data DIR          directory with train-images-idx3-ubyte, train-labels-idx1-ubyte,\n"
          "                      t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (default " DEF_DATA ")\n"
          "  --arch SPEC         dense layer sizes A-B-... (e.g. 784-800-10), or conv\n"
          "                      (= " CONV_ARCH "); tokens: N dense, NcK[pP][sS] conv with\n"
          "                      N channels, KxK kernel, padding P, stride S; mpK/apK/spK\n"
          "                      max/avg/sum pooling K x K (default " DEF_ARCH ")\n"
          "  --hidden N          shorthand for --arch 784-N-10\n"
          "  --encoding E        rate|direct|latency (default " DEF_ENCODING ")\n"
          "  --steps T           time steps per sample (default %d)\n"
          "  --beta B            LIF membrane decay per step, 0 < B < 1 (default %g)\n"
          "  --threshold V       firing threshold (default 1)\n"
          "  --out-reset yes|no  output layer spikes and resets; default: yes for count and\n"
          "                      mse losses, no (leaky integrator readout) for membrane losses\n"
          "\n"
          "training\n"
          "  --loss L            count|membrane|mem-steps|mem-max|mse (default " DEF_LOSS ")\n"
          "                      count: cross-entropy on output spike counts; membrane: on the\n"
          "                      output membrane summed over steps; mem-steps: snnTorch's sum over\n"
          "                      steps of per-step cross-entropy; mem-max: on the max over steps\n"
          "  --epochs E          (default %d)\n"
          "  --batch B           minibatch size (default %d)\n"
          "  --lr LR             learning rate (default %g)\n"
          "  --schedule S        cosine|exp|step|constant (default " DEF_SCHEDULE "; exp when only\n"
          "                      --lr-decay is given); cosine: from LR to 0 over the whole run,\n"
          "                      updated after every batch\n"
          "  --lr-decay G        exp: LR x G after every epoch; step: x G every --step-epochs\n"
          "                      (default %g)\n"
          "  --step-epochs N     period of the step schedule (default 10)\n"
          "  --shift N           shift every training image by a random -N..N pixels in x and y,\n"
          "                      drawn anew each epoch (augmentation; 0 = off; default %d)\n"
          "  --optimizer O       adam|sgd (default adam)  --momentum M (sgd, default 0.9)\n"
          "  --weight-decay W    (default 0)    --grad-clip C  global norm (default off)\n"
          "  --surrogate S       fast-sigmoid|atan|triangle (default fast-sigmoid)\n"
          "  --slope K           surrogate slope (default %g)\n"
          "  --seed S            weights, shuffling and encoder noise (default %d)\n"
          "  --threads N         worker threads (sets OMP_NUM_THREADS/OPENBLAS_NUM_THREADS and\n"
          "                      restarts the program once); default: the environment's.\n"
          "                      OMP_WAIT_POLICY defaults to passive (set it to override)\n"
          "  --train-limit K     use only the first K training images\n"
          "  --test-limit K      use only the first K test images\n"
          "\n"
          "files and output\n"
          "  --save FILE         save the trained network      --load FILE  start from a saved one\n"
          "  --eval              evaluate only (no training; normally with --load)\n"
          "  --loss-png FILE     draw loss and accuracy per epoch (needs gnuplot)\n"
          "  --json              print one final JSON line on stdout (human output to stderr)\n"
          "  --log-batches N     print batch loss and accuracy every N batches\n"
          "  --quiet             no progress bar and no per-epoch lines\n"
          "  --help              this text\n"
          "\n"
          "exit status: 0 success, 1 runtime error, 2 usage error\n",
          prog, DEF_STEPS, DEF_BETA, DEF_EPOCHS, DEF_BATCH, DEF_LR, DEF_LR_DECAY, DEF_SHIFT,
          DEF_SLOPE, DEF_SEED);
}

/* --help, -h: the usage on stdout, exit 0 (1 if stdout cannot be written) */
static void help_exit(void) {
  usage(stdout);
  exit(finish_stdout(prog) ? EXIT_RUNTIME : EXIT_OK);
}

static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(run `%s --help` for the options)\n", prog);
  va_end(ap);
  exit(EXIT_USAGE);
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: error: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(EXIT_RUNTIME);
}

/* A failed library call: name it, with the library's own detail. */
static void check(int rc, const char *what) {
  if (rc != SNN_OK)
    die("%s: %s (%s)", what, snn_strerror(rc), snn_last_error()[0] ? snn_last_error() : "no detail");
}

/* ---- argument parsing ----------------------------------------------------- */

static long parse_long(const char *opt, const char *v, long lo, long hi) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi)
    usage_error("%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, v);
  return x;
}

static double parse_double(const char *opt, const char *v, double lo, double hi, int open_lo,
                           int open_hi) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !isfinite(x) || x < lo || x > hi || (open_lo && x == lo) ||
      (open_hi && x == hi))
    usage_error("%s: expected a number in %c%g, %g%c, got '%s'", opt, open_lo ? '(' : '[', lo, hi,
                open_hi ? ')' : ']', v);
  return x;
}

static const char *parse_choice(const char *opt, const char *v, const char *const *choices) {
  for (size_t i = 0; choices[i]; i++)
    if (!strcmp(v, choices[i])) return choices[i];
  char list[256] = "";
  for (size_t i = 0; choices[i]; i++) {
    if (i) strncat(list, "|", sizeof list - strlen(list) - 1);
    strncat(list, choices[i], sizeof list - strlen(list) - 1);
  }
  usage_error("%s: expected %s, got '%s'", opt, list, v);
  return NULL;
}

static const char *const ENCODINGS[] = {"rate", "direct", "latency", NULL};
static const char *const LOSSES[] = {"count", "membrane", "mem-steps", "mem-max", "mse", NULL};
static const char *const SURROGATES[] = {"fast-sigmoid", "atan", "triangle", NULL};
static const char *const OPTIMIZERS[] = {"adam", "sgd", NULL};
static const char *const SCHEDULES[] = {"exp", "step", "cosine", "constant", NULL};
static const char *const YESNO[] = {"yes", "no", NULL};

static void parse_args(options *o, int argc, char **argv) {
  memset(o, 0, sizeof *o);
  o->data = DEF_DATA;
  snprintf(o->arch, sizeof o->arch, "%s", DEF_ARCH);
  o->encoding = DEF_ENCODING;
  o->steps = DEF_STEPS;
  o->beta = DEF_BETA;
  o->loss = DEF_LOSS;
  o->epochs = DEF_EPOCHS;
  o->batch = DEF_BATCH;
  o->lr = DEF_LR;
  o->lr_decay = DEF_LR_DECAY;
  o->slope = DEF_SLOPE;
  o->shift = DEF_SHIFT;
  o->momentum = 0.9;
  o->surrogate = "fast-sigmoid";
  o->optimizer = "adam";
  o->seed = DEF_SEED;
  o->out_reset = -1;
  o->threshold = 1.0;
  for (int i = 1; i < argc; i++) {
    char name[64];
    const char *a = argv[i], *v = NULL;
    if (!strcmp(a, "-h")) help_exit();
    if (strncmp(a, "--", 2) != 0) usage_error("unexpected argument '%s'", a);
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    if (len >= sizeof name) usage_error("unknown option '%s'", a);
    memcpy(name, a, len);
    name[len] = '\0';
    /* flags */
    if (!strcmp(name, "--help")) help_exit();
    if (!strcmp(name, "--eval") || !strcmp(name, "--json") || !strcmp(name, "--quiet")) {
      if (eq) usage_error("%s takes no value", name);
      if (!strcmp(name, "--eval")) o->eval_only = 1;
      else if (!strcmp(name, "--json")) o->json = 1;
      else o->quiet = 1;
      continue;
    }
    static const char *const valued[] = {
        "--data", "--arch", "--hidden", "--encoding", "--steps", "--beta", "--threshold",
        "--out-reset", "--loss", "--epochs", "--batch", "--lr", "--lr-decay", "--schedule",
        "--step-epochs", "--optimizer", "--momentum", "--weight-decay", "--grad-clip",
        "--surrogate", "--slope", "--seed", "--threads", "--train-limit", "--test-limit",
        "--save", "--load", "--loss-png", "--log-batches", "--shift", NULL};
    int known = 0;
    for (size_t k = 0; valued[k] && !known; k++) known = !strcmp(name, valued[k]);
    if (!known) usage_error("unknown option '%s'", name);
    if (eq)
      v = eq + 1;
    else if (i + 1 < argc)
      v = argv[++i];
    else
      usage_error("%s needs a value", name);
    if (!strcmp(name, "--data")) o->data = v;
    else if (!strcmp(name, "--arch")) {
      if (strlen(v) >= sizeof o->arch) usage_error("--arch: too long");
      snprintf(o->arch, sizeof o->arch, "%s", strcmp(v, "conv") ? v : CONV_ARCH);
      o->set_arch = 1;
    } else if (!strcmp(name, "--hidden")) {
      long h = parse_long(name, v, 1, 1000000);
      snprintf(o->arch, sizeof o->arch, "784-%ld-10", h);
      o->set_arch = 1;
    } else if (!strcmp(name, "--encoding")) {
      o->encoding = parse_choice(name, v, ENCODINGS);
      o->set_encoding = 1;
    } else if (!strcmp(name, "--steps")) {
      o->steps = parse_long(name, v, 1, 100000);
      o->set_steps = 1;
    } else if (!strcmp(name, "--beta")) {
      o->beta = parse_double(name, v, 0.0, 1.0, 1, 1);
      o->set_beta = 1;
    } else if (!strcmp(name, "--threshold")) o->threshold = parse_double(name, v, 0, 1e6, 1, 0);
    else if (!strcmp(name, "--out-reset")) o->out_reset = !strcmp(parse_choice(name, v, YESNO), "yes");
    else if (!strcmp(name, "--loss")) {
      o->loss = parse_choice(name, v, LOSSES);
      o->set_loss = 1;
    }
    else if (!strcmp(name, "--epochs")) o->epochs = parse_long(name, v, 0, MAX_EPOCHS);
    else if (!strcmp(name, "--batch")) o->batch = parse_long(name, v, 1, 1 << 20);
    else if (!strcmp(name, "--lr")) o->lr = parse_double(name, v, 0, 10, 1, 0);
    else if (!strcmp(name, "--lr-decay")) {
      o->lr_decay = parse_double(name, v, 0, 1, 1, 0);
      o->set_lr_decay = 1;
    } else if (!strcmp(name, "--shift")) o->shift = parse_long(name, v, 0, 8);
    else if (!strcmp(name, "--schedule")) o->schedule = parse_choice(name, v, SCHEDULES);
    else if (!strcmp(name, "--step-epochs")) o->step_epochs = parse_long(name, v, 1, MAX_EPOCHS);
    else if (!strcmp(name, "--optimizer")) o->optimizer = parse_choice(name, v, OPTIMIZERS);
    else if (!strcmp(name, "--momentum")) o->momentum = parse_double(name, v, 0, 1, 0, 1);
    else if (!strcmp(name, "--weight-decay")) o->weight_decay = parse_double(name, v, 0, 1, 0, 0);
    else if (!strcmp(name, "--grad-clip")) o->grad_clip = parse_double(name, v, 0, 1e30, 1, 0);
    else if (!strcmp(name, "--surrogate")) o->surrogate = parse_choice(name, v, SURROGATES);
    else if (!strcmp(name, "--slope")) o->slope = parse_double(name, v, 0, 1e6, 1, 0);
    else if (!strcmp(name, "--seed")) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(v, &end, 10);
      if (errno || end == v || *end || v[0] == '-')
        usage_error("--seed: expected a non-negative integer, got '%s'", v);
      o->seed = (uint64_t)s;
    } else if (!strcmp(name, "--threads")) o->threads = parse_long(name, v, 1, 1024);
    else if (!strcmp(name, "--train-limit")) o->train_limit = parse_long(name, v, 1, 1L << 40);
    else if (!strcmp(name, "--test-limit")) o->test_limit = parse_long(name, v, 1, 1L << 40);
    else if (!strcmp(name, "--save")) o->save = v;
    else if (!strcmp(name, "--load")) o->load = v;
    else if (!strcmp(name, "--loss-png")) o->loss_png = v;
    else if (!strcmp(name, "--log-batches")) o->log_batches = parse_long(name, v, 0, 1L << 40);
    else usage_error("unknown option '%s'", name);
  }
  if (!o->schedule) o->schedule = o->set_lr_decay ? "exp" : DEF_SCHEDULE;
  if (o->eval_only && !o->load)
    fprintf(stderr, "%s: warning: --eval without --load evaluates an untrained network\n", prog);
  if (o->eval_only && o->save) usage_error("--eval does not train: --save would save an untrained copy");
  if (o->out_reset < 0)
    o->out_reset = !strcmp(o->loss, "count") || !strcmp(o->loss, "mse");
  if (!strcmp(o->loss, "count") || !strcmp(o->loss, "mse")) {
    if (!o->out_reset) usage_error("--loss %s needs output spikes: drop --out-reset no", o->loss);
  }
}

/* Thread settings are read by OpenMP and OpenBLAS when they are loaded, before
 * main runs, so they are set in the environment and the program restarts once
 * through /proc/self/exe:
 * - --threads N: OMP_NUM_THREADS and OPENBLAS_NUM_THREADS = N;
 * - OMP_WAIT_POLICY=passive unless the user set a policy: with spinning waits,
 *   2-thread training ran 4-7x slower than this on the shared 2-core build
 *   machine (docs/training.md, "Busy machines"). */
static void prepare_env(long threads, char **argv) {
  int changed = 0;
  if (threads > 0) {
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", threads);
    const char *omp = getenv("OMP_NUM_THREADS"), *ob = getenv("OPENBLAS_NUM_THREADS");
    if (!omp || !ob || strcmp(omp, buf) != 0 || strcmp(ob, buf) != 0) {
      setenv("OMP_NUM_THREADS", buf, 1);
      setenv("OPENBLAS_NUM_THREADS", buf, 1);
      changed = 1;
    }
  }
  if (!getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    changed = 1;
  }
  if (!changed) return;
  if (getenv("SNN_MNIST_REEXEC")) {
    fprintf(stderr, "%s: warning: could not apply the thread settings\n", prog);
    return;
  }
  setenv("SNN_MNIST_REEXEC", "1", 1);
  fflush(NULL);
  execv("/proc/self/exe", argv);
  fprintf(stderr,
          "%s: warning: cannot restart to apply the thread settings (%s); set OMP_NUM_THREADS, "
          "OPENBLAS_NUM_THREADS and OMP_WAIT_POLICY=passive in the environment instead\n",
          prog, strerror(errno));
}

/* ---- data ------------------------------------------------------------------- */

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds DIR/<stem>-idx3-ubyte or DIR/<stem>.idx3-ubyte (both spellings exist). */
static int find_idx(char *out, size_t n, const char *dir, const char *stem, const char *kind) {
  snprintf(out, n, "%s/%s-%s", dir, stem, kind);
  if (file_exists(out)) return 1;
  snprintf(out, n, "%s/%s.%s", dir, stem, kind);
  if (file_exists(out)) return 1;
  snprintf(out, n, "%s/%s-%s", dir, stem, kind);
  return 0;
}

static snn_dataset *load_split(const char *dir, const char *stem_img, const char *stem_lab,
                               long limit) {
  char img[4096], lab[4096];
  int ok_img = find_idx(img, sizeof img, dir, stem_img, "idx3-ubyte");
  int ok_lab = find_idx(lab, sizeof lab, dir, stem_lab, "idx1-ubyte");
  if (!ok_img || !ok_lab)
    die("missing %s in '%s' (uncompressed IDX files are expected; for MNIST run `make data`)",
        !ok_img ? img : lab, dir);
  snn_dataset *d = NULL;
  int rc = snn_dataset_load_idx(&d, img, lab);
  if (rc != SNN_OK)
    die("cannot load %s: %s (%s)", img, snn_strerror(rc), snn_last_error());
  if (limit > 0 && (size_t)limit < snn_dataset_size(d)) {
    size_t nf = snn_dataset_n_features(d), k = (size_t)limit;
    float *x = malloc(k * nf * sizeof *x);
    int32_t *y = malloc(k * sizeof *y);
    if (!x || !y) die("out of memory");
    check(snn_dataset_get(x, y, d, 0, k), "snn_dataset_get");
    snn_dataset *s = NULL;
    check(snn_dataset_create(&s, x, y, k, nf), "snn_dataset_create");
    free(x);
    free(y);
    snn_dataset_free(d);
    d = s;
  }
  return d;
}

/* ---- model -------------------------------------------------------------------- */

/* The normalised LIF neuron of snnTorch's Leaky: V <- beta V + I, spike when
 * V >= threshold, reset by subtraction (E_L = V_reset = 0, g_L = 1 - beta,
 * C_m chosen so that the decay over dt = 1 ms is exactly beta). */
static snn_neuron_model *make_lif(double beta, double threshold, int spiking) {
  snn_neuron_model *m = NULL;
  check(snn_neuron_model_create(&m, "lif"), "snn_neuron_model_create(lif)");
  const double g_l = 1.0 - beta;
  const double c_m = g_l * 1.0 / -log(beta);
  /* Without output spikes (membrane readout as a leaky integrator), put the
   * threshold out of reach. */
  const double v_th = spiking ? threshold : 1e4;
  struct {
    const char *name;
    double v;
  } p[] = {{"E_L", 0.0}, {"V_reset", 0.0}, {"g_L", g_l}, {"C_m", c_m}, {"t_ref", 0.0},
           {"V_th", v_th}};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
    int rc = snn_neuron_model_set(m, p[i].name, p[i].v);
    if (rc != SNN_OK) {
      if (!spiking && !strcmp(p[i].name, "V_th")) {
        /* Largest threshold the model accepts. */
        size_t n = snn_neuron_model_param_count(m);
        for (size_t k = 0; k < n; k++) {
          snn_param_info info = SNN_PARAM_INFO_INIT;
          if (snn_neuron_model_param_info(&info, m, k) == SNN_OK && !strcmp(info.name, "V_th")) {
            rc = snn_neuron_model_set(m, "V_th", info.max_value);
            break;
          }
        }
      }
      if (rc != SNN_OK) {
        char what[96];
        snprintf(what, sizeof what, "snn_neuron_model_set(lif, %s = %g)", p[i].name, p[i].v);
        check(rc, what);
      }
    }
  }
  check(snn_neuron_model_set_str(m, "reset", "subtract"), "snn_neuron_model_set_str(reset)");
  return m;
}

typedef struct shape {
  size_t c, h, w;
} shape;

static size_t shape_n(shape s) { return s.c * s.h * s.w; }

/* Parses the text after the input size into layers; returns the network. */
static snn_network *build_network(const options *o, size_t n_features, size_t n_classes) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", o->arch);
  char *save = NULL;
  char *tok = strtok_r(buf, "-", &save);
  if (!tok) usage_error("--arch: empty");
  char *end;
  errno = 0;
  unsigned long n_in = strtoul(tok, &end, 10);
  if (errno || end == tok || *end)
    usage_error("--arch '%s': the first entry must be the input size (e.g. 784)", o->arch);
  if (n_in != n_features)
    die("--arch '%s': input size %lu but the images have %zu pixels", o->arch, n_in, n_features);
  shape s = {1, 1, n_features};
  size_t side = (size_t)(sqrt((double)n_features) + 0.5);
  if (side * side == n_features) s = (shape){1, side, side};

  snn_network *net = NULL;
  check(snn_network_create(&net, s.c, s.h, s.w), "snn_network_create");
  const int mem_loss = !strcmp(o->loss, "membrane") || !strcmp(o->loss, "mem-steps") ||
                       !strcmp(o->loss, "mem-max");
  snn_neuron_model *hid = make_lif(o->beta, o->threshold, 1);
  snn_neuron_model *out = make_lif(o->beta, o->threshold, o->out_reset || !mem_loss);

  char *toks[MAX_LAYERS];
  int nt = 0;
  while ((tok = strtok_r(NULL, "-", &save)) != NULL) {
    if (nt == MAX_LAYERS) usage_error("--arch: more than %d layers", MAX_LAYERS);
    toks[nt++] = tok;
  }
  if (nt == 0) usage_error("--arch '%s': no layers after the input size", o->arch);
  for (int i = 0; i < nt; i++) {
    const char *t = toks[i];
    const int last = i == nt - 1;
    snn_layer *l = NULL;
    int rc;
    char what[128];
    snprintf(what, sizeof what, "--arch layer '%s'", t);
    if (isdigit((unsigned char)t[0])) {
      unsigned long k = 0, kern = 0, pad = 0, stride = 1;
      char *e;
      k = strtoul(t, &e, 10);
      if (k == 0 || k > 1000000) usage_error("--arch: bad layer '%s'", t);
      if (*e == '\0') { /* dense */
        rc = snn_layer_create_dense(&l, shape_n(s), k, last ? out : hid);
        check(rc, what);
        s = (shape){1, 1, k};
      } else if (*e == 'c') { /* conv NcK[pP][sS] */
        kern = strtoul(e + 1, &e, 10);
        while (*e) {
          char which = *e;
          unsigned long v = strtoul(e + 1, &e, 10);
          if (which == 'p') pad = v;
          else if (which == 's' && v > 0) stride = v;
          else usage_error("--arch: bad convolution '%s' (expected NcK[pP][sS], e.g. 32c3p1)", t);
        }
        if (kern == 0 || s.h + 2 * pad < kern || s.w + 2 * pad < kern)
          usage_error("--arch: convolution '%s' does not fit its %zux%zux%zu input", t, s.c, s.h,
                      s.w);
        if (last) usage_error("--arch: the last layer must be dense (the class outputs)");
        rc = snn_layer_create_conv2d(&l, s.c, s.h, s.w, k, kern, kern, stride, pad, hid);
        check(rc, what);
        s = (shape){k, (s.h + 2 * pad - kern) / stride + 1, (s.w + 2 * pad - kern) / stride + 1};
      } else {
        usage_error("--arch: bad layer '%s'", t);
      }
    } else if ((t[0] == 'm' || t[0] == 'a' || t[0] == 's' || t[0] == 'p') &&
               (t[0] == 'p' || t[1] == 'p')) { /* pooling: mpK apK spK pK */
      int kind = t[0] == 'a' ? SNN_POOL_AVG : t[0] == 's' ? SNN_POOL_SUM : SNN_POOL_MAX;
      const char *num = t[0] == 'p' ? t + 1 : t + 2;
      char *e;
      unsigned long k = strtoul(num, &e, 10);
      if (k == 0 || *e || k > s.h || k > s.w)
        usage_error("--arch: bad pooling '%s' on a %zux%zux%zu input", t, s.c, s.h, s.w);
      if (last) usage_error("--arch: the last layer must be dense (the class outputs)");
      rc = snn_layer_create_pool2d(&l, s.c, s.h, s.w, kind, k, k, NULL);
      check(rc, what);
      s = (shape){s.c, (s.h - k) / k + 1, (s.w - k) / k + 1};
    } else {
      usage_error("--arch: bad layer '%s' (expected N, NcK[pP][sS], mpK, apK or spK)", t);
    }
    rc = snn_network_add_layer(net, l);
    if (rc != SNN_OK) {
      snn_layer_free(l);
      check(rc, what);
    }
  }
  if (s.c * s.h * s.w < n_classes)
    die("--arch '%s': %zu outputs for %zu classes", o->arch, shape_n(s), n_classes);
  snn_neuron_model_free(hid);
  snn_neuron_model_free(out);
  return net;
}

static int set_param(snn_encoder *e, const char *name, double v) {
  int rc = snn_encoder_set(e, name, v);
  if (rc != SNN_OK) {
    char what[96];
    snprintf(what, sizeof what, "snn_encoder_set(%s, %s = %g)", snn_encoder_kind(e), name, v);
    check(rc, what);
  }
  return rc;
}

static void set_encoder(snn_network *net, const options *o) {
  snn_encoder *e = NULL;
  check(snn_encoder_create(&e, o->encoding), "snn_encoder_create");
  if (!strcmp(o->encoding, "rate")) {
    /* snnTorch's rate coding: spike probability per step = pixel intensity. */
    set_param(e, "dt", 1.0);
    set_param(e, "max_rate", 1000.0);
  } else if (!strcmp(o->encoding, "latency")) {
    /* one spike per pixel within the T steps (brighter = earlier; linear map) */
    set_param(e, "dt", 1.0);
    set_param(e, "t_max", (double)o->steps);
  } else {
    set_param(e, "gain", 1.0);
  }
  check(snn_encoder_seed(e, o->seed), "snn_encoder_seed");
  check(snn_network_set_encoder(net, e), "snn_network_set_encoder");
  snn_encoder_free(e);
}

static const char *readout_for(const char *loss) {
  if (!strcmp(loss, "membrane") || !strcmp(loss, "mem-steps")) return "membrane";
  if (!strcmp(loss, "mem-max")) return "membrane_max";
  return "count";
}

static int32_t loss_code(const char *loss) {
  if (!strcmp(loss, "membrane")) return SNN_LOSS_CE_MEM_SUM;
  if (!strcmp(loss, "mem-steps")) return SNN_LOSS_CE_MEM_STEPS;
  if (!strcmp(loss, "mem-max")) return SNN_LOSS_CE_MEM_MAX;
  if (!strcmp(loss, "mse")) return SNN_LOSS_MSE_COUNT;
  return SNN_LOSS_CE_COUNT;
}

/* "784-800-10"-like description of a network (for loaded models). */
static void describe(char *buf, size_t n, snn_network *net) {
  size_t len = (size_t)snprintf(buf, n, "%zu", snn_network_n_inputs(net));
  for (size_t i = 0; i < snn_network_n_layers(net) && len < n; i++) {
    snn_layer *l = snn_network_layer(net, i);
    const char *k = snn_layer_kind(l);
    size_t c = 0, h = 0, w = 0;
    snn_layer_output_shape(&c, &h, &w, l);
    if (k && !strcmp(k, "dense"))
      len += (size_t)snprintf(buf + len, n - len, "-%zu", snn_layer_n_outputs(l));
    else
      len += (size_t)snprintf(buf + len, n - len, "-%s:%zux%zux%zu", k ? k : "?", c, h, w);
  }
}

/* ---- main ------------------------------------------------------------------ */

static volatile sig_atomic_t g_stop = 0;
static void on_sigint(int sig) {
  (void)sig;
  g_stop = 1;
}

int main(int argc, char **argv) {
  if (argc > 0 && argv[0]) {
    const char *b = strrchr(argv[0], '/');
    prog = b ? b + 1 : argv[0];
  }
  options o;
  parse_args(&o, argc, argv);
  prepare_env(o.threads, argv);

  FILE *human = o.json ? stderr : stdout; /* per-epoch lines */
  const double t_start = now_seconds();

  /* data */
  struct stat st;
  if (stat(o.data, &st) != 0 || !S_ISDIR(st.st_mode))
    die("data directory '%s' not found: run `make data` to fetch MNIST, or pass --data DIR "
        "(a directory of uncompressed IDX files)",
        o.data);
  snn_dataset *train = o.eval_only ? NULL
                                   : load_split(o.data, "train-images", "train-labels", o.train_limit);
  snn_dataset *test = load_split(o.data, "t10k-images", "t10k-labels", o.test_limit);
  const size_t n_features = snn_dataset_n_features(test);
  if (train && snn_dataset_n_features(train) != n_features)
    die("training images have %zu pixels, test images %zu", snn_dataset_n_features(train),
        n_features);
  size_t n_classes = snn_dataset_n_classes(test);
  if (train && snn_dataset_n_classes(train) > n_classes) n_classes = snn_dataset_n_classes(train);
  const size_t n_train = train ? snn_dataset_size(train) : 0;
  const double t_loaded = now_seconds();

  /* network */
  snn_network *net = NULL;
  char arch_desc[512];
  if (o.load) {
    int rc = snn_network_load(&net, o.load);
    if (rc != SNN_OK) die("cannot load %s: %s (%s)", o.load, snn_strerror(rc), snn_last_error());
    if (o.set_arch || o.set_beta)
      fprintf(stderr, "%s: warning: --arch/--beta ignored: the network comes from %s\n", prog,
              o.load);
    if (snn_network_n_inputs(net) != n_features)
      die("%s expects %zu inputs but the images have %zu pixels", o.load,
          snn_network_n_inputs(net), n_features);
    if (snn_network_n_outputs(net) < n_classes)
      die("%s has %zu outputs for %zu classes", o.load, snn_network_n_outputs(net), n_classes);
    if (o.set_encoding) set_encoder(net, &o);
    if (o.set_steps) check(snn_network_set(net, "steps", (double)o.steps), "snn_network_set(steps)");
    describe(arch_desc, sizeof arch_desc, net);
  } else {
    net = build_network(&o, n_features, n_classes);
    set_encoder(net, &o);
    check(snn_network_set(net, "steps", (double)o.steps), "snn_network_set(steps)");
    check(snn_network_set(net, "dt", 1.0), "snn_network_set(dt)");
    check(snn_network_set(net, "seed", (double)(o.seed & ((1ull << 53) - 1))),
          "snn_network_set(seed)");
    check(snn_network_init_weights(net, o.seed), "snn_network_init_weights");
    snprintf(arch_desc, sizeof arch_desc, "%s", o.arch);
  }
  if (!o.load || o.set_loss)
    check(snn_network_set_str(net, "readout", readout_for(o.loss)), "snn_network_set_str(readout)");
  if (o.threads > 0 && snn_network_set(net, "threads", (double)o.threads) != SNN_OK)
    snn_clear_error(); /* no such setting: the environment (see prepare_env) decides */
  double steps_d = (double)o.steps;
  snn_network_get(&steps_d, net, "steps");

  /* learner */
  snn_learner *learner = NULL;
  if (!o.eval_only && o.epochs > 0) {
    snn_bptt_options bo = SNN_BPTT_OPTIONS_INIT;
    bo.learning_rate = o.lr;
    bo.batch_size = (uint32_t)o.batch;
    bo.optimizer = !strcmp(o.optimizer, "sgd") ? SNN_OPTIMIZER_SGD : SNN_OPTIMIZER_ADAM;
    bo.momentum = o.momentum;
    bo.loss = loss_code(o.loss);
    bo.surrogate = !strcmp(o.surrogate, "atan")       ? SNN_SURROGATE_ATAN
                   : !strcmp(o.surrogate, "triangle") ? SNN_SURROGATE_TRIANGLE
                                                      : SNN_SURROGATE_FAST_SIGMOID;
    bo.surrogate_slope = o.slope;
    bo.weight_decay = o.weight_decay;
    bo.grad_clip = o.grad_clip;
    bo.seed = o.seed;
    const char *sched = o.schedule;
    if (!strcmp(sched, "exp")) {
      bo.schedule = SNN_SCHEDULE_EXP;
      bo.gamma = o.lr_decay;
    } else if (!strcmp(sched, "step")) {
      bo.schedule = SNN_SCHEDULE_STEP;
      bo.gamma = o.lr_decay;
      bo.step_epochs = (uint32_t)o.step_epochs;
    } else {
      /* constant, or cosine: applied per batch by the progress callback (the library's
       * SNN_SCHEDULE_COSINE changes the rate once per epoch) */
      bo.schedule = SNN_SCHEDULE_CONSTANT;
    }
    check(snn_learner_create_bptt(&learner, net, &bo), "snn_learner_create_bptt");
  }

  if (!o.quiet) {
    fprintf(human, "# libsnn %s  data %s (%zu train, %zu test, %zu classes)  loaded in %.2f s\n",
            snn_version_string(), o.data, n_train,
            snn_dataset_size(test), n_classes, t_loaded - t_start);
    fprintf(human, "# arch %s  encoding %s  steps %g  beta %g  loss %s  batch %ld  lr %g  "
                   "schedule %s  shift %ld  epochs %ld  seed %llu  threads %s\n",
            arch_desc, o.encoding, steps_d, o.beta, o.loss, o.batch, o.lr, o.schedule, o.shift,
            o.eval_only ? 0L : o.epochs, (unsigned long long)o.seed,
            getenv("OMP_NUM_THREADS") ? getenv("OMP_NUM_THREADS") : "default");
    fflush(human);
  }

  /* training */
  epoch_rec *hist = calloc((size_t)(o.epochs > 0 ? o.epochs : 1), sizeof *hist);
  if (!hist) die("out of memory");
  int n_hist = 0;
  double train_s = 0.0, train_cpu = 0.0, last_acc = -1.0;
  int canceled = 0;
  if (learner) {
    signal(SIGINT, on_sigint);
    progress_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.tty = stderr_is_tty() && !o.quiet;
    pc.quiet = o.quiet;
    pc.log_every = (uint64_t)o.log_batches;
    pc.log = human;
    pc.n_epochs = (int)o.epochs;
    pc.stop = &g_stop;
    if (!strcmp(o.schedule, "cosine")) {
      pc.learner = learner;
      pc.lr0 = o.lr;
    }
    /* --shift: the library trains on a dataset, so each epoch gets a shifted copy
     * (its preparation counts as training time) */
    augment aug;
    int use_aug = 0;
    if (o.shift > 0) {
      if (augment_init(&aug, train, (int)o.shift, o.seed) == 0) {
        use_aug = 1;
        snn_dataset_free(train); /* the augmenter keeps the pixels */
        train = NULL;
      } else {
        fprintf(stderr, "%s: warning: --shift needs square images and memory; training without it\n",
                prog);
      }
    }
    for (long ep = 0; ep < o.epochs; ep++) {
      pc.epoch = (int)ep;
      pc.acc_sum = 0;
      pc.acc_n = 0;
      pc.train_before = train_s;
      double loss = 0.0;
      double t0 = now_seconds(), c0 = cpu_seconds();
      snn_dataset *ep_data = NULL;
      if (use_aug) check(augment_epoch(&ep_data, &aug, (uint32_t)ep), "snn_dataset_create (--shift)");
      int rc = snn_learner_train_epoch(learner, &loss, use_aug ? ep_data : train, progress_cb, &pc);
      snn_dataset_free(ep_data);
      double t1 = now_seconds();
      train_s += t1 - t0;
      train_cpu += cpu_seconds() - c0;
      progress_clear(&pc);
      if (rc == SNN_E_CANCELED) {
        fprintf(stderr, "%s: interrupted during epoch %ld; evaluating the current weights\n", prog,
                ep + 1);
        canceled = 1;
        break;
      }
      if (rc != SNN_OK)
        die("training failed in epoch %ld: %s (%s)", ep + 1, snn_strerror(rc), snn_last_error());
      double acc = 0.0;
      check(snn_network_evaluate(&acc, net, test), "snn_network_evaluate");
      double t2 = now_seconds();
      last_acc = 100.0 * acc;
      epoch_rec *r = &hist[n_hist++];
      r->epoch = (int)ep + 1;
      r->loss = loss;
      r->train_acc = pc.acc_n ? 100.0 * pc.acc_sum / (double)pc.acc_n : 0.0;
      r->test_acc = last_acc;
      r->train_s = t1 - t0;
      r->eval_s = t2 - t1;
      if (!o.quiet) {
        fprintf(human,
                "epoch %ld/%ld  loss %.5f  train_acc %.2f%%  test_acc %.2f%%  train %.2f s  "
                "eval %.2f s  total_train %.2f s\n",
                ep + 1, o.epochs, loss, r->train_acc, last_acc, r->train_s, r->eval_s, train_s);
        fflush(human);
      }
    }
    signal(SIGINT, SIG_DFL);
    if (use_aug) augment_free(&aug);
  }

  /* final evaluation (also collects the activity of the test run) */
  double t_eval0 = now_seconds();
  double acc = 0.0;
  check(snn_network_evaluate(&acc, net, test), "snn_network_evaluate");
  double final_eval_s = now_seconds() - t_eval0;
  const double test_acc = 100.0 * acc;
  if (last_acc >= 0 && fabs(last_acc - test_acc) > 1e-9)
    fprintf(stderr, "%s: warning: repeated evaluation differs (%.4f%% vs %.4f%%)\n", prog,
            last_acc, test_acc);
  const size_t n_layers = snn_network_n_layers(net);
  double *spk = calloc(n_layers ? n_layers : 1, sizeof *spk);
  double *syn = calloc(n_layers ? n_layers : 1, sizeof *syn);
  if (!spk || !syn) die("out of memory");
  double spk_total = 0.0, syn_total = 0.0;
  int have_activity = 1;
  for (size_t i = 0; i < n_layers; i++) {
    if (snn_network_activity(&spk[i], &syn[i], net, i) != SNN_OK) {
      have_activity = 0;
      snn_clear_error();
      break;
    }
    spk_total += spk[i];
    syn_total += syn[i];
  }

  int rc_exit = canceled ? EXIT_RUNTIME : EXIT_OK;
  if (o.save && canceled) {
    /* a partly trained network must not replace what FILE held */
    fprintf(stderr, "%s: interrupted: %s not saved\n", prog, o.save);
  } else if (o.save) {
    int rc = snn_network_save(net, o.save);
    if (rc != SNN_OK) {
      fprintf(stderr, "%s: error: cannot save %s: %s (%s)\n", prog, o.save, snn_strerror(rc),
              snn_last_error());
      rc_exit = EXIT_RUNTIME;
    } else if (!o.quiet) {
      fprintf(human, "saved %s\n", o.save);
    }
  }

  const double rss = peak_rss_mb();
  const double images_per_s = final_eval_s > 0 ? (double)snn_dataset_size(test) / final_eval_s : 0;
  if (!o.quiet || !o.json) {
    fprintf(human, "test accuracy %.2f%%  training time %.2f s (%d epoch%s, CPU %.2f s)  evaluation "
                   "%.2f s (%.0f images/s)  peak RSS %.1f MB\n",
            test_acc, train_s, n_hist, n_hist == 1 ? "" : "s", train_cpu, final_eval_s, images_per_s,
            rss);
    if (have_activity)
      fprintf(human, "activity per test sample: %.1f spikes, %.4g synaptic operations\n",
              spk_total, syn_total);
    fflush(human);
  }

  if (o.loss_png) {
    char title[600];
    snprintf(title, sizeof title, "libsnn %s: %s, %s, T=%g, test %.2f%%", snn_version_string(),
             arch_desc, o.encoding, steps_d, test_acc);
    if (plot_curve(prog, o.loss_png, title, hist, n_hist) != 0) {
      if (rc_exit == EXIT_OK) rc_exit = EXIT_RUNTIME;
    } else if (!o.quiet) {
      fprintf(human, "wrote %s\n", o.loss_png);
    }
  }

  if (o.json) {
    FILE *f = stdout;
    fprintf(f, "{\"test_accuracy\":%.4f,\"train_seconds\":%.3f,\"epochs\":%d,\"peak_rss_mb\":%.1f",
            test_acc, train_s, n_hist, rss);
    fprintf(f, ",\"train_cpu_seconds\":%.3f", train_cpu);
    if (have_activity)
      fprintf(f, ",\"spikes_per_sample\":%.4f,\"synops_per_sample\":%.6g", spk_total, syn_total);
    else
      fprintf(f, ",\"spikes_per_sample\":null,\"synops_per_sample\":null");
    fprintf(f, ",\"seed\":%llu,\"arch\":", (unsigned long long)o.seed);
    json_string(f, arch_desc);
    fprintf(f, ",\"encoding\":");
    json_string(f, o.load && !o.set_encoding ? "from-file" : o.encoding);
    fprintf(f, ",\"steps\":%g,\"beta\":%g,\"loss\":", steps_d, o.beta);
    json_string(f, o.loss);
    fprintf(f, ",\"batch\":%ld,\"lr\":%g,\"schedule\":", o.batch, o.lr);
    json_string(f, o.schedule);
    fprintf(f, ",\"lr_decay\":%g,\"shift\":%ld,\"threads\":", o.lr_decay, o.shift);
    if (getenv("OMP_NUM_THREADS"))
      json_string(f, getenv("OMP_NUM_THREADS"));
    else
      fprintf(f, "null");
    fprintf(f, ",\"omp_wait_policy\":");
    if (getenv("OMP_WAIT_POLICY"))
      json_string(f, getenv("OMP_WAIT_POLICY"));
    else
      fprintf(f, "null");
    fprintf(f, ",\"train_samples\":%zu,\"test_samples\":%zu,\"eval_seconds\":%.3f",
            n_train, snn_dataset_size(test), final_eval_s);
    fprintf(f, ",\"test_images_per_second\":%.1f,\"canceled\":%s", images_per_s,
            canceled ? "true" : "false");
    fprintf(f, ",\"layers\":[");
    for (size_t i = 0; i < n_layers; i++) {
      snn_layer *l = snn_network_layer(net, i);
      fprintf(f, "%s{\"kind\":", i ? "," : "");
      json_string(f, snn_layer_kind(l));
      fprintf(f, ",\"outputs\":%zu", snn_layer_n_outputs(l));
      if (have_activity)
        fprintf(f, ",\"spikes_per_sample\":%.4f,\"synops_per_sample\":%.6g", spk[i], syn[i]);
      fprintf(f, "}");
    }
    fprintf(f, "],\"history\":[");
    for (int i = 0; i < n_hist; i++)
      fprintf(f,
              "%s{\"epoch\":%d,\"loss\":%.6g,\"train_accuracy\":%.4f,\"test_accuracy\":%.4f,"
              "\"train_seconds\":%.3f}",
              i ? "," : "", hist[i].epoch, hist[i].loss, hist[i].train_acc, hist[i].test_acc,
              hist[i].train_s);
    fprintf(f, "],\"libsnn\":");
    json_string(f, snn_version_string());
    fprintf(f, ",\"total_seconds\":%.3f}\n", now_seconds() - t_start);
    fflush(f);
  }

  free(spk);
  free(syn);
  free(hist);
  snn_learner_free(learner);
  snn_network_free(net);
  snn_dataset_free(train);
  snn_dataset_free(test);
  if (finish_stdout(prog)) rc_exit = EXIT_RUNTIME;
  return rc_exit;
}

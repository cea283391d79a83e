/* bench/cuba: the CUBA and COBA benchmark networks (Brette et al. 2007) on
 * libsnn's event-driven simulator (snn_spnet), with Brian2 side by side.
 *
 *   bin/bench/cuba [--quick] [--no-brian] [--brian-max N] [--threads-max T]
 *
 * Matrix: 4000 neurons for 1 s and 10 s, 16k, 64k and 256k neurons for 1 s;
 * CUBA and COBA; 1 and 2 threads (--threads-max); COBA at 4000 neurons also
 * with forward Euler (population parameter "euler", as Auryn integrates it).
 * --quick: 4000 x 1 s and 16k x 1 s only. Network as examples/cuba (p = 80/N, dt 0.1 ms, no delays).
 *
 * For each run: build time, simulation wall time and process CPU time
 * (CLOCK_PROCESS_CPUTIME_ID: on a machine shared with other jobs, the CPU
 * time is the fairer figure; it sums all threads), CPU seconds per simulated
 * second, mean rate, synapses and bytes per synapse.
 *
 * Brian2: when `/usr/bin/python3 -c 'import brian2'` works and
 * ../shared/bench/brian_cuba.py exists (relative to the project root, the
 * working directory of `make bench`; override with SNN_BRIAN_SCRIPT), the
 * CUBA configurations with N <= --brian-max (default 256000) are also run
 * with Brian2's cpp_standalone target (single-threaded), one after the other
 * in this process, and the ratio Brian2 / libsnn of the simulation-loop CPU
 * time (and wall time) is printed. Otherwise this part is skipped with a
 * message. Auryn cannot be run here; its published COBA figure quoted in
 * issue #8 (0.12-0.14 s CPU per simulated second, one thread) is printed for
 * reference only. */
#include <snn.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define CHECK(expr)                                                                       \
  do {                                                                                    \
    int rc_ = (expr);                                                                     \
    if (rc_) {                                                                            \
      fprintf(stderr, "bench/cuba: %s: %s (%s)\n", #expr, snn_strerror(rc_), snn_last_error()); \
      exit(1);                                                                            \
    }                                                                                     \
  } while (0)

/* splitmix64 + Box-Muller for the initial conductances */
static uint64_t sm_state;
static double urand(void) {
  uint64_t z = (sm_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double nrand(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }

typedef struct result {
  double build_s, wall_s, cpu_s, rate_hz, bytes_per_syn;
  unsigned long long synapses, spikes;
} result;

static void run_ours(result *r, size_t n, double dur_ms, int coba, unsigned threads, int euler) {
  snn_spnet_options o = SNN_SPNET_OPTIONS_INIT;
  o.dt = 0.1;
  o.seed = 1;
  sm_state = 1 * 0x2545F4914F6CDD1Dull + 7; /* as examples/cuba --seed 1 */
  o.n_threads = threads;
  o.record_limit = 1024; /* the benchmark counts spikes; it does not keep them */
  snn_spnet *net = NULL;
  snn_neuron_model *m = NULL;
  CHECK(snn_spnet_create(&net, &o));
  CHECK(snn_neuron_model_create(&m, "lif"));
  CHECK(snn_neuron_model_set(m, "C_m", 200));
  CHECK(snn_neuron_model_set(m, "g_L", 10));
  CHECK(snn_neuron_model_set(m, "E_L", coba ? -60 : -49));
  CHECK(snn_neuron_model_set(m, "V_th", -50));
  CHECK(snn_neuron_model_set(m, "V_reset", -60));
  CHECK(snn_neuron_model_set(m, "t_ref", 5));
  size_t ne = (size_t)llround(0.8 * (double)n), pop[2];
  double t0 = wall();
  CHECK(snn_spnet_add_population(&pop[0], net, m, ne));
  CHECK(snn_spnet_add_population(&pop[1], net, m, n - ne));
  for (int q = 0; q < 2; q++) {
    CHECK(snn_spnet_population_set(net, pop[q], "synapse", coba));
    CHECK(snn_spnet_population_set(net, pop[q], "euler", euler));
    CHECK(snn_spnet_state_uniform(net, pop[q], "V", -60, -50));
    if (coba) { /* as examples/cuba: N(4, 1.5) and N(20, 12) in units of g_L, clipped at 0 */
      size_t mq = q ? n - ne : ne;
      float *g = malloc(mq * sizeof *g);
      if (!g) exit(1);
      for (size_t j = 0; j < mq; j++) g[j] = (float)fmax(0, 10 * (nrand() * 1.5 + 4));
      CHECK(snn_spnet_state_set(net, pop[q], "g_exc", g, mq));
      for (size_t j = 0; j < mq; j++) g[j] = (float)fmax(0, 10 * (nrand() * 12 + 20));
      CHECK(snn_spnet_state_set(net, pop[q], "g_inh", g, mq));
      free(g);
    }
  }
  for (int s = 0; s < 2; s++)
    for (int d = 0; d < 2; d++) {
      snn_spnet_connect_options c = SNN_SPNET_CONNECT_OPTIONS_INIT;
      c.p = 80.0 / (double)n;
      c.receptor = s ? SNN_SPNET_INH : SNN_SPNET_EXC;
      c.weight = coba ? (s ? 67.0 : 6.0) : (s ? -90.0 : 16.2);
      CHECK(snn_spnet_connect(NULL, net, pop[s], pop[d], &c));
    }
  r->build_s = wall() - t0;
  double w0 = wall(), c0 = cpu();
  CHECK(snn_spnet_run(net, dur_ms));
  r->wall_s = wall() - w0;
  r->cpu_s = cpu() - c0;
  snn_spnet_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  CHECK(snn_spnet_stats_get(&st, net));
  r->spikes = st.spikes;
  r->synapses = st.n_synapses;
  r->rate_hz = (double)st.spikes / ((double)n * dur_ms * 1e-3);
  r->bytes_per_syn = st.n_synapses ? (double)st.synapse_bytes / (double)st.n_synapses : 0;
  snn_neuron_model_free(m);
  snn_spnet_free(net);
}

static double json_num(const char *s, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(s, pat);
  return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* Runs the Brian2 script; returns 0 and fills run/cpu seconds and rate. */
static int run_brian(const char *script, size_t n, double dur_s, double *run_s, double *cpu_s,
                     double *rate) {
  char cmd[1024], line[4096];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 %s --duration %g --target cpp_standalone --n %zu 2>/dev/null", script,
           dur_s, n);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  int got = 0;
  while (fgets(line, sizeof line, p))
    if (strstr(line, "\"run_s\"")) {
      *run_s = json_num(line, "run_s");
      *cpu_s = json_num(line, "run_cpu_s");
      *rate = json_num(line, "rate_hz");
      got = 1;
    }
  int st = pclose(p);
  return got && st == 0 && isfinite(*run_s) ? 0 : -1;
}

int main(int argc, char **argv) {
  int quick = 0, brian = 1;
  double brian_max = 256000;
  unsigned tmax = 2;
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--quick")) quick = 1;
    else if (!strcmp(argv[a], "--no-brian")) brian = 0;
    else if (!strcmp(argv[a], "--brian-max") && a + 1 < argc) brian_max = atof(argv[++a]);
    else if (!strcmp(argv[a], "--threads-max") && a + 1 < argc) tmax = (unsigned)atoi(argv[++a]);
    else {
      fprintf(stderr, "usage: cuba [--quick] [--no-brian] [--brian-max N] [--threads-max T]\n");
      return 2;
    }
  }
  if (tmax < 1) tmax = 1;
  const char *script = getenv("SNN_BRIAN_SCRIPT");
  if (!script || !*script) script = "../shared/bench/brian_cuba.py";
  if (brian) {
    if (access(script, R_OK) != 0) {
      printf("brian2: %s not found, Brian2 comparison skipped\n", script);
      brian = 0;
    } else if (system("/usr/bin/python3 -c 'import brian2' >/dev/null 2>&1") != 0) {
      printf("brian2: /usr/bin/python3 cannot import brian2 (Debian: python3-brian), comparison skipped\n");
      brian = 0;
    }
  }
  static const struct {
    size_t n;
    double ms;
  } cfg[] = {{4000, 1000}, {4000, 10000}, {16000, 1000}, {64000, 1000}, {256000, 1000}};
  size_t ncfg = quick ? 1 : sizeof cfg / sizeof cfg[0];
  printf("libsnn %s event-driven CUBA/COBA benchmark (dt 0.1 ms, p = 80/N, seed 1 as bin/cuba)\n",
         snn_version_string());
  printf("times in s; cpu = process CPU time of the simulation loop (all threads)\n");
  printf("%-4s %7s %6s %3s %8s %8s %8s %9s %7s %11s %6s\n", "net", "N", "T_s", "thr", "build",
         "wall", "cpu", "cpu/bio_s", "rate", "synapses", "B/syn");
  for (int coba = 0; coba < 2; coba++)
    for (size_t k = 0; k < ncfg + (quick ? 1 : 0); k++) {
      size_t n = quick && k == 1 ? 16000 : cfg[k].n;
      double ms = quick && k == 1 ? 1000 : cfg[k].ms;
      for (unsigned t = 1; t <= tmax; t++) {
        result r;
        run_ours(&r, n, ms, coba, t, 0);
        printf("%-4s %7zu %6.1f %3u %8.3f %8.3f %8.3f %9.4f %7.2f %11llu %6.2f\n",
               coba ? "COBA" : "CUBA", n, ms / 1000, t, r.build_s, r.wall_s, r.cpu_s,
               r.cpu_s / (ms / 1000), r.rate_hz, r.synapses, r.bytes_per_syn);
        fflush(stdout);
        if (t == 1 && !coba && brian && (double)n <= brian_max) {
          double bs, bc, br;
          if (run_brian(script, n, ms / 1000, &bs, &bc, &br) == 0)
            printf("     brian2 cpp_standalone: loop wall %.3f s, cpu %.3f s, rate %.2f Hz -> "
                   "brian2/libsnn: cpu %.2fx, wall %.2fx\n",
                   bs, bc, br, bc / r.cpu_s, bs / r.wall_s);
          else
            printf("     brian2 cpp_standalone: run failed (skipped)\n");
          fflush(stdout);
        }
      }
      if (coba && n == 4000) { /* forward Euler, as Auryn integrates COBA */
        result r;
        run_ours(&r, n, ms, coba, 1, 1);
        printf("%-4s %7zu %6.1f %3u %8.3f %8.3f %8.3f %9.4f %7.2f %11llu %6.2f  (forward Euler)\n",
               "COBA", n, ms / 1000, 1u, r.build_s, r.wall_s, r.cpu_s, r.cpu_s / (ms / 1000),
               r.rate_hz, r.synapses, r.bytes_per_syn);
        if (ms == 1000)
          printf("     (Auryn COBA, figure quoted in issue #8, not measured here: 0.12-0.14 s cpu/bio_s)\n");
        fflush(stdout);
      }
    }
  return 0;
}

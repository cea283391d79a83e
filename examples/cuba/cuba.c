/* cuba: the CUBA and COBA benchmark networks of Brette et al. (2007)
 * (Vogels & Abbott 2005) on libsnn's event-driven simulator.
 *
 *   cuba --neurons N --duration MS [--seed S] [--raster FILE.png] [--coba [--euler]]
 *        [--threads N] [--json]
 *
 * N LIF neurons, 80 % excitatory and 20 % inhibitory, each pair connected
 * with probability p = 80/N (0.02 at N = 4000; no self-connections), dt 0.1 ms,
 * V(0) uniform in [V_r, V_t]. Neuron: C 200 pF, g_L 10 nS (tau_m 20 ms),
 * V_t -50 mV, V_r -60 mV, refractory 5 ms.
 *  CUBA: E_L -49 mV; exponential currents, tau 5 / 10 ms; jumps
 *        we = 60*0.27/10 mV and wi = -20*4.5/10 mV of g_L-scaled current,
 *        i.e. 16.2 pA and -90 pA.
 *  COBA: E_L -60 mV; exponential conductances, tau 5 / 10 ms, reversal 0 /
 *        -80 mV; jumps 0.6 and 6.7 in units of g_L (6 nS and 67 nS); initial
 *        conductances g_exc ~ N(4, 1.5) g_L and g_inh ~ N(20, 12) g_L clipped
 *        at 0 (as Brian's COBA example), which start the self-sustained activity.
 *        --euler integrates V by forward Euler (as Auryn) instead of the
 *        default exponential Euler.
 *
 * Prints a summary, or with --json one JSON object with spikes, rate_hz,
 * build_seconds, sim_seconds, cv_isi, synapses, bytes_per_synapse and more.
 * --raster draws a spike raster of the first 1000 ms x 1000 neurons with
 * gnuplot (pngcairo or png terminal). Exit 0 on success, 1 on a library
 * error, 2 on a usage error. Uses the public API only. */
#include <snn.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/gnuplot.h"
#include "../common/output.h"

static void usage_to(FILE *f) {
  fprintf(f, "usage: cuba --neurons N --duration MS [--seed S] [--raster FILE.png] [--coba [--euler]]\n"
             "            [--threads N] [--json]\n");
}

static int usage(const char *msg) {
  if (msg) fprintf(stderr, "cuba: %s\n", msg);
  usage_to(stderr);
  return 2;
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "cuba: %s: %s (%s)\n", what, snn_strerror(rc), snn_last_error());
  return 1;
}

static int parse_num(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

/* splitmix64 + Box-Muller for the example's own initial conductances */
static uint64_t sm_state;
static double urand(void) {
  uint64_t z = (sm_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double nrand(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }

/* mean CV of the inter-spike intervals over neurons with >= 3 spikes */
static double cv_isi(const uint32_t *nrn, const double *t, size_t ns, size_t n, size_t *n_used) {
  double *last = malloc(n * sizeof *last), *s1 = calloc(n, sizeof *s1), *s2 = calloc(n, sizeof *s2);
  uint32_t *cnt = calloc(n, sizeof *cnt);
  double sum = 0;
  size_t used = 0;
  if (!last || !s1 || !s2 || !cnt) goto out;
  for (size_t k = 0; k < ns; k++) {
    uint32_t i = nrn[k];
    if (cnt[i]) {
      double d = t[k] - last[i];
      s1[i] += d;
      s2[i] += d * d;
    }
    last[i] = t[k];
    cnt[i]++;
  }
  for (size_t i = 0; i < n; i++) {
    if (cnt[i] < 3) continue;
    double m = cnt[i] - 1, mu = s1[i] / m, var = s2[i] / m - mu * mu;
    if (var < 0) var = 0;
    sum += sqrt(var) / mu;
    used++;
  }
out:
  free(last);
  free(s1);
  free(s2);
  free(cnt);
  *n_used = used;
  return used ? sum / (double)used : 0.0;
}

typedef struct raster_plot {
  const uint32_t *nrn;
  const double *t;
  size_t ns, nmax;
  double tmax;
  int coba;
} raster_plot;

static void raster_script(FILE *gp, void *user) {
  const raster_plot *r = user;
  fprintf(gp,
          "set terminal pngcairo size 1200,700 font ',11'\n"
          "set title '%s network, %zu neurons shown, %.0f ms'\n"
          "set xlabel 'time (ms)'\nset ylabel 'neuron'\nset key off\n"
          "set xrange [0:%g]\nset yrange [0:%zu]\n"
          "plot '-' using 1:2 with points pt 7 ps 0.15 lc rgb '#000080'\n",
          r->coba ? "COBA" : "CUBA", r->nmax, r->tmax, r->tmax, r->nmax);
  for (size_t k = 0; k < r->ns; k++)
    if (r->t[k] <= r->tmax && r->nrn[k] < r->nmax) fprintf(gp, "%.1f %u\n", r->t[k], r->nrn[k]);
  fprintf(gp, "e\n");
}

int main(int argc, char **argv) {
  double neurons = 0, duration = -1, seed = 1, threads = 1;
  const char *png = NULL;
  int coba = 0, json = 0, euler = 0;
  for (int a = 1; a < argc; a++) {
    const char *o = argv[a];
    int has = a + 1 < argc;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      usage_to(stdout);
      return finish_stdout("cuba");
    } else if (!strcmp(o, "--neurons") && has) {
      if (parse_num(argv[++a], &neurons) || neurons < 10 || neurons > 2e9 || neurons != floor(neurons))
        return usage("--neurons must be an integer >= 10");
    } else if (!strcmp(o, "--duration") && has) {
      if (parse_num(argv[++a], &duration) || duration < 0) return usage("--duration must be >= 0 ms");
    } else if (!strcmp(o, "--seed") && has) {
      /* a double holds integers exactly up to 2^53 */
      if (parse_num(argv[++a], &seed) || seed < 0 || seed != floor(seed) || seed > 9007199254740992.0)
        return usage("--seed must be an integer in [0, 2^53]");
    } else if (!strcmp(o, "--threads") && has) {
      if (parse_num(argv[++a], &threads) || threads < 1 || threads > 256 || threads != floor(threads))
        return usage("--threads must be in [1, 256]");
    } else if (!strcmp(o, "--raster") && has) {
      png = argv[++a];
    } else if (!strcmp(o, "--coba")) {
      coba = 1;
    } else if (!strcmp(o, "--euler")) {
      euler = 1;
    } else if (!strcmp(o, "--json")) {
      json = 1;
    } else {
      return usage(NULL);
    }
  }
  if (neurons == 0 || duration < 0) return usage("--neurons and --duration are required");
  if (euler && !coba) return usage("--euler applies to --coba only");
  size_t n = (size_t)neurons, n_exc = (size_t)llround(0.8 * (double)n), n_inh = n - n_exc;
  double p = 80.0 / (double)n;
  if (p > 1) p = 1;

  snn_spnet_options opt = SNN_SPNET_OPTIONS_INIT;
  opt.dt = 0.1;
  opt.seed = (uint64_t)seed;
  opt.n_threads = (uint32_t)threads;
  /* room for every spike up to ~100 Hz */
  double lim = (double)n * duration * 0.1 + 1024;
  opt.record_limit = lim > 4e8 ? (size_t)4e8 : (size_t)lim;
  snn_spnet *net = NULL;
  snn_neuron_model *lif = NULL;
  int rc, ret = 1;
  uint32_t *nrn = NULL;
  double *times = NULL;
  if ((rc = snn_spnet_create(&net, &opt))) return fail("create", rc);
  if ((rc = snn_neuron_model_create(&lif, "lif"))) { ret = fail("model", rc); goto done; }
  {
    const char *nm[] = {"C_m", "g_L", "E_L", "V_th", "V_reset", "t_ref"};
    double v[] = {200, 10, coba ? -60 : -49, -50, -60, 5};
    for (int i = 0; i < 6; i++)
      if ((rc = snn_neuron_model_set(lif, nm[i], v[i]))) { ret = fail(nm[i], rc); goto done; }
  }
  size_t pe, pi;
  if ((rc = snn_spnet_add_population(&pe, net, lif, n_exc)) ||
      (rc = snn_spnet_add_population(&pi, net, lif, n_inh))) {
    ret = fail("add_population", rc);
    goto done;
  }
  for (size_t q = 0; q < 2; q++) {
    size_t pop = q ? pi : pe;
    if ((rc = snn_spnet_population_set(net, pop, "synapse", coba)) ||
        (rc = snn_spnet_population_set(net, pop, "euler", euler)) ||
        (rc = snn_spnet_population_set(net, pop, "tau_exc", 5)) ||
        (rc = snn_spnet_population_set(net, pop, "tau_inh", 10)) ||
        (rc = snn_spnet_population_set(net, pop, "E_exc", 0)) ||
        (rc = snn_spnet_population_set(net, pop, "E_inh", -80)) ||
        (rc = snn_spnet_state_uniform(net, pop, "V", -60, -50))) {
      ret = fail("population setup", rc);
      goto done;
    }
  }
  /* g_L-scaled jumps: CUBA in pA (g_L * mV), COBA in nS (g_L * units of g_L) */
  double we = coba ? 0.6 * 10 : 10 * 60 * 0.27 / 10, wi = coba ? 6.7 * 10 : 10 * -20 * 4.5 / 10;
  size_t syn = 0;
  for (size_t s = 0; s < 2; s++)
    for (size_t d = 0; d < 2; d++) {
      snn_spnet_connect_options c = SNN_SPNET_CONNECT_OPTIONS_INIT;
      c.rule = SNN_SPNET_FIXED_PROB;
      c.p = p;
      c.receptor = s ? SNN_SPNET_INH : SNN_SPNET_EXC;
      c.weight = s ? wi : we;
      size_t k = 0;
      if ((rc = snn_spnet_connect(&k, net, s ? pi : pe, d ? pi : pe, &c))) {
        ret = fail("connect", rc);
        goto done;
      }
      syn += k;
    }
  if (coba) { /* initial conductances (in nS) */
    sm_state = (uint64_t)seed * 0x2545F4914F6CDD1Dull + 7;
    for (size_t q = 0; q < 2; q++) {
      size_t pop = q ? pi : pe, m = q ? n_inh : n_exc;
      float *g = malloc(m * sizeof *g);
      if (!g) { fprintf(stderr, "cuba: out of memory\n"); goto done; }
      for (size_t j = 0; j < m; j++) g[j] = (float)fmax(0, 10 * (nrand() * 1.5 + 4));
      rc = snn_spnet_state_set(net, pop, "g_exc", g, m);
      for (size_t j = 0; j < m && !rc; j++) g[j] = (float)fmax(0, 10 * (nrand() * 12 + 20));
      if (!rc) rc = snn_spnet_state_set(net, pop, "g_inh", g, m);
      free(g);
      if (rc) { ret = fail("initial conductances", rc); goto done; }
    }
  }
  if ((rc = snn_spnet_run(net, duration))) { ret = fail("run", rc); goto done; }

  snn_spnet_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  if ((rc = snn_spnet_stats_get(&st, net))) { ret = fail("stats", rc); goto done; }
  size_t ns = snn_spnet_spike_count(net), used = 0;
  nrn = malloc((ns ? ns : 1) * sizeof *nrn);
  times = malloc((ns ? ns : 1) * sizeof *times);
  if (!nrn || !times) { fprintf(stderr, "cuba: out of memory\n"); goto done; }
  if ((rc = snn_spnet_spikes_get(nrn, times, net, 0, ns))) { ret = fail("spikes", rc); goto done; }
  double cv = cv_isi(nrn, times, ns, n, &used);
  double rate = duration > 0 ? (double)st.spikes / ((double)n * duration * 1e-3) : 0.0;
  double bps = st.n_synapses ? (double)st.synapse_bytes / (double)st.n_synapses : 0.0;
  if (json) {
    printf("{\"model\": \"%s%s\", \"neurons\": %zu, \"duration_ms\": %g, \"seed\": %.0f, "
           "\"threads\": %.0f, \"p\": %.6g, \"spikes\": %llu, \"rate_hz\": %.4f, "
           "\"cv_isi\": %.4f, \"cv_neurons\": %zu, \"build_seconds\": %.6f, \"sim_seconds\": %.6f, "
           "\"synapses\": %llu, \"bytes_per_synapse\": %.3f, \"syn_events\": %llu, "
           "\"dropped\": %llu}\n",
           coba ? "coba" : "cuba", euler ? "-euler" : "", n, duration, seed, threads, p,
           (unsigned long long)st.spikes, rate, cv, used, st.build_seconds, st.sim_seconds, (unsigned long long)st.n_synapses,
           bps, (unsigned long long)st.syn_events, (unsigned long long)st.dropped);
  } else {
    printf("%s: %zu neurons (%zu exc, %zu inh), p = %.4g, %zu synapses (%.2f bytes each)\n",
           coba ? "COBA" : "CUBA", n, n_exc, n_inh, p, syn, bps);
    printf("%.0f ms simulated in %.3f s (build %.3f s): %llu spikes, %.2f Hz, CV(ISI) %.3f\n",
           duration, st.sim_seconds, st.build_seconds, (unsigned long long)st.spikes, rate, cv);
  }
  if (png) {
    raster_plot r = {nrn, times, ns, n < 1000 ? n : 1000, duration < 1000 ? duration : 1000, coba};
    if (gnuplot_png("cuba", "--raster", png, raster_script, &r)) goto done;
  }
  ret = finish_stdout("cuba");
done:
  free(nrn);
  free(times);
  snn_neuron_model_free(lif);
  snn_spnet_free(net);
  return ret;
}

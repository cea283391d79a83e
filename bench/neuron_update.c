/* bench/neuron_update: neuron updates per second per model for 1M neurons,
 * one thread, dt = 0.1 ms, through the public snn_population_step(); beside
 * them a STREAM-like copy bandwidth measured in the same program and the bytes
 * each update moves, so every figure reads as a fraction of the memory limit.
 *
 * Bytes per update = state read + written (public variables plus the hidden
 * ones -- refractory counter, and the float32 compensation of if/lif or the
 * sub-step carry of izhikevich/adex: 4 bytes each), the input current (4)
 * and the spike byte (1). (The finiteness check of snn_population_step runs
 * inside the kernels' loops and re-reads nothing; izhikevich/adex skip the
 * stores of r and q where they stay 0, so their figure is an upper bound.)
 * 1M neurons (13-25 MB)
 * fit in this machine's 32 MB L3, so the figures can exceed the DRAM copy
 * bandwidth; the copy is also measured at 16 MB for that comparison.
 * Every figure is the median of REPS repetitions of STEPS steps.
 *
 * The population is a mix, as in a network: each neuron gets its own constant
 * current, uniform in [i_lo, i_hi] (a range around the model's rheobase, so
 * some neurons are silent and the others fire at rates from low to high), and
 * starts from its own V, uniform in [v_lo, v_hi] (no synchronous first
 * spikes), followed by WARMUP steps. The mean firing rate and the share of
 * neurons that fired are printed with each figure. izhikevich and adex take
 * sub-steps only near spikes (docs/neuron-models.md), so their figures depend
 * on the rate: the "/busy" rows drive every neuron well above rheobase. */
#include <snn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_NEURONS (1u << 20)
#define STEPS 10
#define REPS 7
#define DT 0.1
#define WARMUP 300

/* CPU time of this thread: time the OS gives to other processes on a busy
 * machine does not count (wall-clock figures are printed as well). */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* STREAM "copy" (c[i] = a[i] as a plain loop; GCC must not turn it into a
 * memcpy call, whose non-temporal stores measure something else): bytes read
 * + written per second, median of REPS. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
static void copy_loop(float *restrict b, const float *restrict a, size_t n) {
  for (size_t i = 0; i < n; i++) b[i] = a[i];
}

static double copy_bandwidth(size_t n) {
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  if (a == NULL || b == NULL) {
    free(a);
    free(b);
    return 0.0;
  }
  for (size_t i = 0; i < n; i++) {
    a[i] = (float)i;
    b[i] = 0.0f;
  }
  double t[REPS];
  for (int r = 0; r < REPS; r++) {
    double t0 = now();
    copy_loop(b, a, n);
    t[r] = now() - t0;
    a[r] = b[n - 1 - (size_t)r]; /* keep the copy observable */
  }
  double bw = 2.0 * (double)(n * sizeof *a) / median(t, REPS);
  free(a);
  free(b);
  return bw;
}

typedef struct {
  const char *kind, *preset, *label;
  double i_lo, i_hi; /* input current range, pA */
  double v_lo, v_hi; /* initial V range, mV */
  int hidden;        /* hidden state floats per neuron (docs/neuron-models.md) */
} bench_model;

int main(void) {
  static const bench_model models[] = {
      /* ranges around the rheobase (lif: g_L (V_th - E_L) = 375 pA) */
      {"lif", NULL, NULL, 200.0, 600.0, -70.0, -56.0, 2},
      {"if", NULL, NULL, 0.0, 500.0, -70.0, -56.0, 2},
      {"izhikevich", "rs_2007", NULL, 0.0, 150.0, -65.0, -45.0, 2},
      {"izhikevich", "rs_2003", NULL, 0.0, 15.0, -70.0, -60.0, 2},
      {"izhikevich", "rs_2003", "busy", 10.0, 15.0, -70.0, -60.0, 2},
      {"adex", "bg2005", NULL, 0.0, 1200.0, -70.6, -55.0, 2},
      {"adex", "tonic", NULL, 0.0, 500.0, -70.0, -55.0, 2},
      {"adex", "tonic", "busy", 400.0, 800.0, -70.0, -55.0, 2},
  };
  const size_t n = N_NEURONS;
  float *i_in = malloc(n * sizeof *i_in), *v0 = malloc(n * sizeof *v0);
  uint8_t *spk = malloc(n), *fired = malloc(n);
  if (i_in == NULL || v0 == NULL || spk == NULL || fired == NULL) return 1;

  double bw_dram = copy_bandwidth((size_t)16 << 20); /* 64 MiB per array: DRAM */
  double bw = copy_bandwidth((size_t)4 << 20);       /* 16 MiB: the benchmark's working set */
  printf("neuron_update: %zu neurons, dt = %g ms, 1 thread, median of %d runs x %d steps,\n"
         "  per-thread CPU time (wall-clock rate in its own column)\n",
         n, DT, REPS, STEPS);
  printf("copy bandwidth (STREAM-like copy loop, bytes read + written): %.1f GB/s at 64 MiB "
         "(DRAM), %.1f GB/s at 16 MiB (the working set of 1M neurons; '%% of bw' uses this)\n",
         bw_dram / 1e9, bw / 1e9);
  printf("population: constant input current per neuron, uniform in the range shown; initial V\n"
         "  uniform in a model-specific sub-threshold range; %d warm-up steps; 'rate' = mean firing\n"
         "  rate (sampled at the end of each timed run), 'fired' = neurons that spiked at least once\n",
         WARMUP);
  printf("%-26s %13s %12s %10s %12s %9s %9s %13s %9s %7s\n", "model", "I (pA)", "updates/s",
         "ns/update", "bytes/update", "GB/s", "% of bw", "wall upd/s", "rate (Hz)", "fired");

  for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
    const bench_model *bm = &models[k];
    snn_neuron_model *m = NULL;
    int rc = bm->preset ? snn_neuron_model_create_preset(&m, bm->kind, bm->preset)
                        : snn_neuron_model_create(&m, bm->kind);
    snn_population *p = NULL;
    if (rc == SNN_OK) rc = snn_population_create(&p, m, n);
    if (rc != SNN_OK) {
      fprintf(stderr, "neuron_update: %s: %s\n", bm->kind, snn_last_error());
      return 1;
    }
    /* deterministic spread of currents (LCG), so the neurons fire at different rates */
    uint32_t s = 12345u;
    for (size_t i = 0; i < n; i++) {
      s = s * 1664525u + 1013904223u;
      i_in[i] = (float)(bm->i_lo + (bm->i_hi - bm->i_lo) * (double)(s >> 8) / 16777216.0);
      s = s * 1664525u + 1013904223u;
      v0[i] = (float)(bm->v_lo + (bm->v_hi - bm->v_lo) * (double)(s >> 8) / 16777216.0);
    }
    memset(fired, 0, n);
    rc = snn_population_state_set(p, "V", v0, n);
    for (int w = 0; w < WARMUP && rc == SNN_OK; w++) {
      rc = snn_population_step(p, spk, i_in, n, DT);
      for (size_t i = 0; i < n; i++) fired[i] |= spk[i];
    }
    if (rc != SNN_OK) {
      fprintf(stderr, "neuron_update: %s\n", snn_last_error());
      return 1;
    }
    double t[REPS], tw[REPS];
    size_t spikes = 0;
    for (int r = 0; r < REPS; r++) {
      double t0 = now(), w0 = wall();
      for (int st = 0; st < STEPS; st++) {
        rc = snn_population_step(p, spk, i_in, n, DT);
        if (rc != SNN_OK) {
          fprintf(stderr, "neuron_update: %s\n", snn_last_error());
          return 1;
        }
      }
      t[r] = (now() - t0) / STEPS;
      tw[r] = (wall() - w0) / STEPS;
      for (size_t i = 0; i < n; i++) {
        spikes += spk[i];
        fired[i] |= spk[i];
      }
    }
    size_t n_fired = 0;
    for (size_t i = 0; i < n; i++) n_fired += fired[i];
    double per_step = median(t, REPS);
    size_t pub = snn_neuron_model_state_count(m);
    double bytes = (double)(pub + (size_t)bm->hidden) * 4.0 * 2.0 + 4.0 + 1.0;
    double ups = (double)n / per_step;
    char name[64], range[32];
    snprintf(name, sizeof name, "%s%s%s%s%s", bm->kind, bm->preset ? "/" : "",
             bm->preset ? bm->preset : "", bm->label ? "/" : "", bm->label ? bm->label : "");
    snprintf(range, sizeof range, "%g-%g", bm->i_lo, bm->i_hi);
    /* spikes are counted in the last step of each repetition */
    double rate = (double)spikes / ((double)REPS * DT * 1e-3) / (double)n;
    printf("%-26s %13s %12.3e %10.3f %12.0f %9.1f %8.0f%% %13.3e %9.1f %6.0f%%\n", name, range,
           ups, 1e9 / ups, bytes, ups * bytes / 1e9, bw > 0 ? 100.0 * ups * bytes / bw : 0.0,
           (double)n / median(tw, REPS), rate, 100.0 * (double)n_fired / (double)n);
    snn_population_free(p);
    snn_neuron_model_free(m);
  }
  free(i_in);
  free(v0);
  free(spk);
  free(fired);
  return 0;
}

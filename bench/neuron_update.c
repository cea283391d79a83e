/* bench/neuron_update: neuron updates per second per model for 1M neurons,
 * one thread, dt = 0.1 ms, through the public snn_population_step(); beside
 * them a STREAM-like copy bandwidth measured in the same program and the bytes
 * each update moves, so every figure reads as a fraction of the memory limit.
 *
 * Bytes per update = state read + written (public variables plus the hidden
 * ones -- refractory counter, and the float32 compensation of if/lif or the
 * sub-step carry of izhikevich/adex: 4 bytes each), the input current (4)
 * and the spike byte (1), plus the
 * finiteness check that re-reads the public state. 1M neurons (13-25 MB)
 * fit in this machine's 32 MB L3, so the figures can exceed the DRAM copy
 * bandwidth; the copy is also measured at 16 MB for that comparison.
 * Every figure is the median of REPS repetitions of STEPS steps. */
#include <snn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_NEURONS (1u << 20)
#define STEPS 10
#define REPS 7
#define DT 0.1

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
  const char *kind, *preset;
  double i_lo, i_hi; /* input current range, pA */
  int hidden;        /* hidden state floats per neuron (docs/neuron-models.md) */
} bench_model;

int main(void) {
  static const bench_model models[] = {
      {"lif", NULL, 300.0, 500.0, 2},
      {"if", NULL, 300.0, 500.0, 2},
      {"izhikevich", "rs_2007", 40.0, 120.0, 2},
      {"izhikevich", "rs_2003", 0.0, 15.0, 2},
      {"adex", "bg2005", 400.0, 1200.0, 2},
      {"adex", "tonic", 300.0, 700.0, 2},
  };
  const size_t n = N_NEURONS;
  float *i_in = malloc(n * sizeof *i_in);
  uint8_t *spk = malloc(n);
  if (i_in == NULL || spk == NULL) return 1;

  double bw_dram = copy_bandwidth((size_t)16 << 20); /* 64 MiB per array: DRAM */
  double bw = copy_bandwidth((size_t)4 << 20);       /* 16 MiB: the benchmark's working set */
  printf("neuron_update: %zu neurons, dt = %g ms, 1 thread, median of %d runs x %d steps,\n"
         "  per-thread CPU time (wall-clock rate in its own column)\n",
         n, DT, REPS, STEPS);
  printf("copy bandwidth (STREAM-like copy loop, bytes read + written): %.1f GB/s at 64 MiB "
         "(DRAM), %.1f GB/s at 16 MiB (the working set of 1M neurons; '%% of bw' uses this)\n",
         bw_dram / 1e9, bw / 1e9);
  printf("%-22s %12s %10s %12s %9s %9s %13s %11s\n", "model", "updates/s", "ns/update",
         "bytes/update", "GB/s", "% of bw", "wall upd/s", "spikes/step");

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
    }
    for (int w = 0; w < 200; w++) snn_population_step(p, spk, i_in, n, DT); /* warm up */
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
      for (size_t i = 0; i < n; i++) spikes += spk[i];
    }
    double per_step = median(t, REPS);
    size_t pub = snn_neuron_model_state_count(m);
    double bytes = (double)(pub + (size_t)bm->hidden) * 4.0 * 2.0 + 4.0 + 1.0 + (double)pub * 4.0;
    double ups = (double)n / per_step;
    char name[64];
    snprintf(name, sizeof name, "%s%s%s", bm->kind, bm->preset ? "/" : "",
             bm->preset ? bm->preset : "");
    printf("%-22s %12.3e %10.3f %12.0f %9.1f %8.0f%% %13.3e %11.1f\n", name, ups, 1e9 / ups,
           bytes, ups * bytes / 1e9, bw > 0 ? 100.0 * ups * bytes / bw : 0.0,
           (double)n / median(tw, REPS), (double)spikes / REPS / STEPS);
    snn_population_free(p);
    snn_neuron_model_free(m);
  }
  free(i_in);
  free(spk);
  return 0;
}

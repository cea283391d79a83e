/* Encoders: statistics, exact spike times, determinism, arguments, OOM. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/encode/encode.h"
#include "testutil.h"

static snn_encoder *make(const char *kind) {
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, kind));
  ck_assert_ptr_nonnull(e);
  return e;
}

static float *falloc(size_t n) {
  float *p = calloc(n ? n : 1, sizeof(float));
  ck_assert_ptr_nonnull(p);
  return p;
}

static double sum(const float *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  return s;
}

/* ---- lifecycle and parameters ---------------------------------------------- */

START_TEST(test_create_kinds) {
  const char *k[] = {"rate", "latency", "direct", "population", "delta"};
  for (size_t i = 0; i < 5; i++) {
    snn_encoder *e = make(k[i]);
    ck_assert_str_eq(snn_encoder_kind(e), k[i]);
    ck_assert_uint_gt(snn_encoder_param_count(e), 0);
    double dt;
    ck_assert_snn_ok(snn_encoder_get(&dt, e, "dt"));
    ck_assert(dt == 1.0);
    snn_encoder_free(e);
  }
  snn_encoder_free(NULL);
  ck_assert_ptr_null(snn_encoder_kind(NULL));
  ck_assert_uint_eq(snn_encoder_param_count(NULL), 0);
  snn_encoder *e = (snn_encoder *)1;
  ck_assert_snn_err(snn_encoder_create(&e, "poisson"), SNN_E_NOTFOUND);
  ck_assert_ptr_null(e);
  ck_assert(strstr(snn_last_error(), "population") != NULL);
  e = (snn_encoder *)1;
  ck_assert_snn_err(snn_encoder_create(&e, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(e);
  ck_assert_snn_err(snn_encoder_create(NULL, "rate"), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_clone(NULL, NULL), SNN_E_INVALID);
  e = (snn_encoder *)1;
  ck_assert_snn_err(snn_encoder_clone(&e, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(e);
  ck_assert_snn_err(snn_encoder_seed(NULL, 1), SNN_E_INVALID);
  /* internal helpers tolerate NULL */
  ck_assert_int_eq(snn__encoder_is_constant(NULL), 0);
  ck_assert(isnan(snn__encoder_param(NULL, "dt")));
}
END_TEST

START_TEST(test_params) {
  snn_encoder *e = make("rate");
  double v;
  ck_assert_snn_ok(snn_encoder_get(&v, e, "max_rate"));
  ck_assert(v == 1000.0);
  ck_assert_snn_ok(snn_encoder_set(e, "max_rate", 250.0));
  ck_assert_snn_ok(snn_encoder_get(&v, e, "max_rate"));
  ck_assert(v == 250.0);
  ck_assert(snn__encoder_param(e, "max_rate") == 250.0);
  ck_assert(isnan(snn__encoder_param(e, "gain")));
  ck_assert_snn_err(snn_encoder_set(e, "max_rate", NAN), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_set(e, "max_rate", -1.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_set(e, "max_rate", INFINITY), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_set(e, "dt", 0.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_set(e, "gain", 1.0), SNN_E_NOTFOUND);
  ck_assert(strstr(snn_last_error(), "max_rate") != NULL); /* lists valid names */
  ck_assert_snn_err(snn_encoder_set(NULL, "dt", 1.0), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_set(e, NULL, 1.0), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_get(NULL, e, "dt"), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_get(&v, NULL, "dt"), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_get(&v, e, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_get(&v, e, "nope"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_encoder_set_str(e, "max_rate", "linear"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_encoder_set_str(e, "nope", "linear"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_encoder_set_str(NULL, "map", "log"), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_set_str(e, NULL, "log"), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_set_str(e, "map", NULL), SNN_E_INVALID);

  /* param_info: every parameter, defaults inside bounds */
  size_t n = snn_encoder_param_count(e);
  for (size_t i = 0; i < n; i++) {
    snn_param_info info = SNN_PARAM_INFO_INIT;
    ck_assert_snn_ok(snn_encoder_param_info(&info, e, i));
    ck_assert_ptr_nonnull(info.name);
    ck_assert_ptr_nonnull(info.unit);
    ck_assert_ptr_nonnull(info.doc);
    ck_assert(info.min_value <= info.default_value && info.default_value <= info.max_value);
  }
  snn_param_info info = SNN_PARAM_INFO_INIT;
  ck_assert_snn_err(snn_encoder_param_info(&info, e, n), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_param_info(NULL, e, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_param_info(&info, NULL, 0), SNN_E_INVALID);
  info.struct_size = 4;
  ck_assert_snn_err(snn_encoder_param_info(&info, e, 0), SNN_E_VERSION);
  /* a short struct gets only the fields it covers */
  struct {
    snn_param_info head;
    double guard;
  } small;
  memset(&small, 0x5a, sizeof small);
  small.head.struct_size = offsetof(snn_param_info, default_value) + sizeof(double);
  ck_assert_snn_ok(snn_encoder_param_info(&small.head, e, 0));
  ck_assert_str_eq(small.head.name, "max_rate");
  ck_assert(small.head.default_value == 1000.0);
  unsigned char pat[sizeof(double)];
  memset(pat, 0x5a, sizeof pat);
  ck_assert(memcmp(&small.head.min_value, pat, sizeof pat) == 0);
  snn_encoder_free(e);

  /* enumerated and integer parameters */
  e = make("latency");
  ck_assert_snn_ok(snn_encoder_set_str(e, "map", "log"));
  ck_assert_snn_ok(snn_encoder_get(&v, e, "map"));
  ck_assert(v == 1.0);
  ck_assert_snn_ok(snn_encoder_set_str(e, "map", "linear"));
  ck_assert(snn__encoder_param(e, "map") == 0.0);
  ck_assert_snn_err(snn_encoder_set_str(e, "map", "exp"), SNN_E_NOTFOUND);
  ck_assert(strstr(snn_last_error(), "linear") != NULL);
  ck_assert_snn_err(snn_encoder_set(e, "map", 0.5), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_set(e, "threshold", 1.5), SNN_E_RANGE);
  snn_encoder_free(e);
  e = make("population");
  ck_assert_snn_ok(snn_encoder_get(&v, e, "beta"));
  ck_assert(v == 1.5);
  ck_assert_snn_err(snn_encoder_set(e, "m", 2.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_set(e, "m", 4.5), SNN_E_RANGE);
  ck_assert_snn_ok(snn_encoder_set(e, "m", 4.0));
  size_t nc;
  ck_assert_snn_ok(snn_encoder_output_size(&nc, e, 7));
  ck_assert_uint_eq(nc, 28);
  ck_assert_snn_err(snn_encoder_output_size(NULL, e, 7), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_output_size(&nc, NULL, 7), SNN_E_INVALID);
  ck_assert_snn_ok(snn_encoder_set(e, "m", 1000.0));
  ck_assert_snn_err(snn_encoder_output_size(&nc, e, SIZE_MAX / 10), SNN_E_INVALID);
  snn_encoder_free(e);
  e = make("delta");
  ck_assert_snn_ok(snn_encoder_set_str(e, "off_spikes", "on"));
  ck_assert(snn__encoder_param(e, "off_spikes") == 1.0);
  snn_encoder_free(e);
}
END_TEST

/* ---- rate -------------------------------------------------------------------- */

START_TEST(test_rate_statistics) {
  const size_t n_in = 1000, T = 25;
  float *x = falloc(n_in), *out = falloc(n_in * T);
  snn_encoder *e = make("rate");
  ck_assert_snn_ok(snn_encoder_seed(e, 42));
  /* default max_rate 1000 Hz, dt 1 ms: p = x (snnTorch rate coding) */
  const float xs[] = {0.05f, 0.25f, 0.5f, 0.8f, 0.97f};
  for (size_t k = 0; k < 5; k++) {
    for (size_t i = 0; i < n_in; i++) x[i] = xs[k];
    for (int rep = 0; rep < 4; rep++) {
      ck_assert_snn_ok(snn_encoder_encode(e, out, n_in * T, x, n_in, T));
      double s = sum(out, n_in * T), nt = (double)(n_in * T), p = xs[k];
      double mean = nt * p, sd = sqrt(nt * p * (1 - p));
      ck_assert_msg(fabs(s - mean) < 3 * sd, "x=%g: %g spikes, expected %g +- %g", p, s, mean,
                    3 * sd);
      for (size_t i = 0; i < n_in * T; i++) ck_assert(out[i] == 0.0f || out[i] == 1.0f);
      /* pairs of consecutive steps and neighbouring channels: p^2 */
      double pt = 0, pc = 0, n_pairs = (double)(n_in * (T - 1)), n_cpairs = (double)((n_in - 1) * T);
      for (size_t t = 0; t + 1 < T; t++)
        for (size_t i = 0; i < n_in; i++) pt += out[t * n_in + i] * out[(t + 1) * n_in + i];
      for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i + 1 < n_in; i++) pc += out[t * n_in + i] * out[t * n_in + i + 1];
      double q = p * p, sdt = sqrt(n_pairs * q * (1 - q)), sdc = sqrt(n_cpairs * q * (1 - q));
      ck_assert_msg(fabs(pt - n_pairs * q) < 4 * sdt, "time pairs %g vs %g", pt, n_pairs * q);
      ck_assert_msg(fabs(pc - n_cpairs * q) < 4 * sdc, "channel pairs %g vs %g", pc,
                    n_cpairs * q);
    }
  }
  /* x*max_rate*T with other units: 200 Hz, dt 0.5 ms -> p = 0.1 x */
  ck_assert_snn_ok(snn_encoder_set(e, "max_rate", 200.0));
  ck_assert_snn_ok(snn_encoder_set(e, "dt", 0.5));
  const size_t T2 = 400, n2 = 250;
  float *out2 = falloc(n2 * T2);
  for (size_t i = 0; i < n2; i++) x[i] = 0.6f;
  ck_assert_snn_ok(snn_encoder_encode(e, out2, n2 * T2, x, n2, T2));
  /* expected count per input: x * max_rate * (T*dt/1000 s) = 0.6 * 200 * 0.2 = 24 */
  double p = 0.6 * 200 * 0.5 / 1000, s = sum(out2, n2 * T2) / (double)n2;
  double sd = sqrt(T2 * p * (1 - p) / (double)n2);
  ck_assert_msg(fabs(s - 24.0) < 3 * sd, "mean count %g, expected 24 +- %g", s, 3 * sd);
  /* every single input within 5 sigma */
  for (size_t i = 0; i < n2; i++) {
    double c = 0;
    for (size_t t = 0; t < T2; t++) c += out2[t * n2 + i];
    ck_assert(fabs(c - 24.0) < 5 * sqrt(T2 * p * (1 - p)));
  }
  free(out2);
  /* clamping: x <= 0 never fires, x >= 1 fires at p = min(1, max_rate*dt/1000) */
  ck_assert_snn_ok(snn_encoder_set(e, "max_rate", 5000.0));
  ck_assert_snn_ok(snn_encoder_set(e, "dt", 1.0));
  for (size_t i = 0; i < n_in; i++) x[i] = (i % 4 == 0) ? -0.5f : (i % 4 == 1) ? 0.0f : (i % 4 == 2) ? 1.0f : 7.0f;
  ck_assert_snn_ok(snn_encoder_encode(e, out, n_in * T, x, n_in, T));
  for (size_t t = 0; t < T; t++)
    for (size_t i = 0; i < n_in; i++)
      ck_assert(out[t * n_in + i] == (i % 4 >= 2 ? 1.0f : 0.0f));
  /* odd sizes (not a multiple of the 8 generator lanes) */
  ck_assert_snn_ok(snn_encoder_set(e, "max_rate", 1000.0));
  for (size_t n = 1; n < 20; n++) {
    for (size_t i = 0; i < n; i++) x[i] = 1.0f;
    ck_assert_snn_ok(snn_encoder_encode(e, out, n * 3, x, n, 3));
    ck_assert(sum(out, n * 3) == (double)(n * 3));
  }
  snn_encoder_free(e);
  free(x);
  free(out);
}
END_TEST

START_TEST(test_determinism) {
  const size_t n_in = 37, T = 11, n = n_in * T;
  float x[37], *a = falloc(n), *b = falloc(n), *c = falloc(n);
  for (size_t i = 0; i < n_in; i++) x[i] = (float)i / n_in;
  snn_encoder *e1 = make("rate"), *e2 = make("rate"), *cl = NULL;
  ck_assert_snn_ok(snn_encoder_seed(e1, 7));
  ck_assert_snn_ok(snn_encoder_seed(e2, 7));
  ck_assert_snn_ok(snn_encoder_encode(e1, a, n, x, n_in, T));
  ck_assert_snn_ok(snn_encoder_encode(e2, b, n, x, n_in, T));
  ck_assert(memcmp(a, b, n * sizeof(float)) == 0);
  /* the generator advances: a second call differs */
  ck_assert_snn_ok(snn_encoder_encode(e1, b, n, x, n_in, T));
  ck_assert(memcmp(a, b, n * sizeof(float)) != 0);
  /* clone copies the generator state */
  ck_assert_snn_ok(snn_encoder_clone(&cl, e1));
  ck_assert_str_eq(snn_encoder_kind(cl), "rate");
  ck_assert_snn_ok(snn_encoder_encode(e1, b, n, x, n_in, T));
  ck_assert_snn_ok(snn_encoder_encode(cl, c, n, x, n_in, T));
  ck_assert(memcmp(b, c, n * sizeof(float)) == 0);
  /* re-seeding restarts the sequence; another seed gives another one */
  ck_assert_snn_ok(snn_encoder_seed(e1, 7));
  ck_assert_snn_ok(snn_encoder_encode(e1, b, n, x, n_in, T));
  ck_assert(memcmp(a, b, n * sizeof(float)) == 0);
  ck_assert_snn_ok(snn_encoder_seed(e1, 8));
  ck_assert_snn_ok(snn_encoder_encode(e1, b, n, x, n_in, T));
  ck_assert(memcmp(a, b, n * sizeof(float)) != 0);
  /* default seed is 0 */
  snn_encoder *e0 = make("rate");
  ck_assert_snn_ok(snn_encoder_seed(e2, 0));
  ck_assert_snn_ok(snn_encoder_encode(e0, a, n, x, n_in, T));
  ck_assert_snn_ok(snn_encoder_encode(e2, b, n, x, n_in, T));
  ck_assert(memcmp(a, b, n * sizeof(float)) == 0);
  snn_encoder_free(e0);
  snn_encoder_free(e1);
  snn_encoder_free(e2);
  snn_encoder_free(cl);
  free(a);
  free(b);
  free(c);
}
END_TEST

/* ---- latency ------------------------------------------------------------------ */

START_TEST(test_latency) {
  snn_encoder *e = make("latency");
  ck_assert_snn_ok(snn_encoder_set(e, "t_max", 20.0));
  ck_assert_snn_ok(snn_encoder_set(e, "threshold", 0.1));
  const float x[] = {1.0f, 0.75f, 0.5f, 0.25f, 0.1f, 0.05f, 0.0f, 2.0f, -1.0f, 0.3f};
  const size_t n = 10, T = 25;
  float times[10], out[250];
  ck_assert_snn_ok(snn_encoder_spike_times(e, times, n, x, n));
  const double want[] = {0.0, 5.0, 10.0, 15.0, 18.0, -1, -1, 0.0, -1, 14.0};
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(fabs(times[i] - want[i]) < 1e-5, "x=%g: t=%g, want %g", x[i], times[i],
                  want[i]);
  ck_assert_snn_ok(snn_encoder_encode(e, out, n * T, x, n, T));
  for (size_t i = 0; i < n; i++) {
    double c = 0;
    for (size_t t = 0; t < T; t++) c += out[t * n + i];
    ck_assert(c == (want[i] < 0 ? 0.0 : 1.0));
    if (want[i] >= 0) ck_assert(out[(size_t)floor(want[i] / 1.0) * n + i] == 1.0f);
  }
  /* dt = 2 ms: t = 5 -> step 2, t = 15 -> step 7; a short window drops late spikes */
  ck_assert_snn_ok(snn_encoder_set(e, "dt", 2.0));
  ck_assert_snn_ok(snn_encoder_encode(e, out, n * 5, x, n, 5));
  ck_assert(out[2 * n + 1] == 1.0f);
  ck_assert(sum(out, n * 5) == 3.0); /* x = 1, 0.75, 2 (t = 0, 5, 0) only */
  ck_assert_snn_ok(snn_encoder_set(e, "dt", 1.0));
  /* monotonic: larger values never fire later */
  float xs[101], ts[101];
  for (int i = 0; i <= 100; i++) xs[i] = i / 100.0f;
  ck_assert_snn_ok(snn_encoder_spike_times(e, ts, 101, xs, 101));
  for (int i = 11; i <= 100; i++) ck_assert(ts[i] >= 0 && ts[i] <= ts[i - 1]);
  /* log map: t = tau ln(x / (x - thr)), none at or below threshold */
  ck_assert_snn_ok(snn_encoder_set_str(e, "map", "log"));
  ck_assert_snn_ok(snn_encoder_set(e, "tau", 4.0));
  ck_assert_snn_ok(snn_encoder_spike_times(e, ts, 101, xs, 101));
  for (int i = 0; i <= 100; i++) {
    double xv = i / 100.0f;
    if (xv <= 0.1) {
      ck_assert(ts[i] == -1.0f);
    } else {
      double w = 4.0 * log(xv / (xv - 0.1));
      ck_assert_msg(fabs(ts[i] - w) < 1e-4 * (1 + w), "log x=%g: %g vs %g", xv, ts[i], w);
      if (i > 11) ck_assert(ts[i] < ts[i - 1]);
    }
  }
  ck_assert_snn_err(snn_encoder_spike_times(e, ts, 100, xs, 101), SNN_E_INVALID);
  snn_encoder_free(e);
}
END_TEST

/* ---- population (Bohte et al. 2002) ----------------------------------------------- */

START_TEST(test_population) {
  snn_encoder *e = make("population");
  const double m = 8, lo = -2.0, hi = 6.0, beta = 1.5, tmax = 10.0;
  ck_assert_snn_ok(snn_encoder_set(e, "m", m));
  ck_assert_snn_ok(snn_encoder_set(e, "I_min", lo));
  ck_assert_snn_ok(snn_encoder_set(e, "I_max", hi));
  const double w = (hi - lo) / (m - 2), sigma = w / beta;
  float ts[8 * 64];
  float xs[64];
  for (int k = 0; k < 64; k++) xs[k] = (float)(lo - 1 + k * (hi - lo + 2) / 63.0);
  ck_assert_snn_ok(snn_encoder_spike_times(e, ts, 8 * 64, xs, 64));
  for (int k = 0; k < 64; k++)
    for (int i = 1; i <= 8; i++) {
      double c = lo + (2.0 * i - 3) / 2 * w;
      double r = exp(-(xs[k] - c) * (xs[k] - c) / (2 * sigma * sigma));
      double want = r < 0.1 ? -1.0 : tmax * (1 - r);
      double got = ts[k * 8 + (i - 1)];
      if (want < 0)
        ck_assert_msg(got == -1.0f || fabs(r - 0.1) < 1e-5, "k %d i %d: %g", k, i, got);
      else
        ck_assert_msg(fabs(got - want) < 1e-4, "k %d i %d: %g vs %g", k, i, got, want);
    }
  /* an input at a field centre fires that field at t = 0; one sigma away at
   * t_max (1 - e^-1/2) */
  for (int i = 1; i <= 8; i++) {
    float c = (float)(lo + (2.0 * i - 3) / 2 * w), t8[8];
    ck_assert_snn_ok(snn_encoder_spike_times(e, t8, 8, &c, 1));
    ck_assert(fabs(t8[i - 1]) < 1e-5);
    float c2 = (float)(c + sigma);
    ck_assert_snn_ok(snn_encoder_spike_times(e, t8, 8, &c2, 1));
    ck_assert(fabs(t8[i - 1] - tmax * (1 - exp(-0.5))) < 1e-4);
    /* fields two or more centres away are below threshold: exp(-(1.5*2)^2/2) < 0.1 */
    for (int j = 1; j <= 8; j++)
      if (abs(j - i) >= 2) {
        ck_assert_snn_ok(snn_encoder_spike_times(e, t8, 8, &c, 1));
        ck_assert(t8[j - 1] == -1.0f);
      }
  }
  /* the Bohte defaults: m = 10, [0, 1], beta 1.5, t_max 10, threshold 0.1 */
  snn_encoder *d = make("population");
  double v;
  ck_assert_snn_ok(snn_encoder_get(&v, d, "m"));
  ck_assert(v == 10);
  ck_assert_snn_ok(snn_encoder_get(&v, d, "threshold"));
  ck_assert(v == 0.1);
  /* encode: channel j*m + k fires at step floor(t / dt) */
  float x2[2] = {0.3f, 0.9f}, t2[20], out[20 * 12];
  ck_assert_snn_ok(snn_encoder_spike_times(d, t2, 20, x2, 2));
  ck_assert_snn_ok(snn_encoder_encode(d, out, 20 * 12, x2, 2, 12));
  for (size_t ch = 0; ch < 20; ch++) {
    double c = 0;
    for (size_t t = 0; t < 12; t++) c += out[t * 20 + ch];
    ck_assert(c == (t2[ch] < 0 ? 0.0 : 1.0));
    if (t2[ch] >= 0) ck_assert(out[(size_t)floor(t2[ch]) * 20 + ch] == 1.0f);
  }
  /* inconsistent range */
  ck_assert_snn_ok(snn_encoder_set(d, "I_max", -1.0));
  ck_assert_snn_err(snn_encoder_spike_times(d, t2, 20, x2, 2), SNN_E_RANGE);
  ck_assert_snn_err(snn_encoder_encode(d, out, 20 * 12, x2, 2, 12), SNN_E_RANGE);
  ck_assert_snn_err(snn__encoder_encode_batch(d, out, x2, 1, 2, 12, 0), SNN_E_RANGE);
  snn_encoder_free(d);
  snn_encoder_free(e);
}
END_TEST

/* ---- direct and delta --------------------------------------------------------------- */

START_TEST(test_direct) {
  snn_encoder *e = make("direct");
  ck_assert_int_eq(snn__encoder_is_constant(e), 1);
  ck_assert_snn_ok(snn_encoder_set(e, "gain", -2.5));
  const float x[3] = {0.0f, 1.0f, 4.0f};
  float out[12];
  ck_assert_snn_ok(snn_encoder_encode(e, out, 12, x, 3, 4));
  for (size_t t = 0; t < 4; t++)
    for (size_t i = 0; i < 3; i++) ck_assert(out[t * 3 + i] == -2.5f * x[i]);
  ck_assert_snn_err(snn_encoder_spike_times(e, out, 3, x, 3), SNN_E_UNSUPPORTED);
  /* finite gain and input whose product is not a float: refused, not inf */
  ck_assert_snn_ok(snn_encoder_set(e, "gain", 1e9));
  const float big[3] = {1.0f, 1e30f, 2.0f};
  for (size_t i = 0; i < 12; i++) out[i] = 7.0f;
  ck_assert_snn_err(snn_encoder_encode(e, out, 12, big, 3, 4), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "x[1]"));
  ck_assert(out[0] == 7.0f); /* nothing written */
  const float ok[3] = {1.0f, 3e29f, -3e29f}; /* 3e38: still a float */
  ck_assert_snn_ok(snn_encoder_encode(e, out, 12, ok, 3, 4));
  for (size_t i = 0; i < 12; i++) ck_assert(isfinite(out[i]));
  snn_encoder_free(e);
  e = make("rate");
  ck_assert_int_eq(snn__encoder_is_constant(e), 0);
  snn_encoder_free(e);
  /* population: a field width that underflows gave NaN spike times */
  e = make("population");
  ck_assert_snn_ok(snn_encoder_set(e, "m", 3));
  ck_assert_snn_ok(snn_encoder_set(e, "I_min", 0));
  ck_assert_snn_ok(snn_encoder_set(e, "I_max", 5e-324));
  ck_assert_snn_ok(snn_encoder_set(e, "beta", 1000));
  float t[3] = {0, 0, 0};
  const float z = 0.0f;
  ck_assert_snn_err(snn_encoder_spike_times(e, t, 3, &z, 1), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "too small"));
  ck_assert_snn_ok(snn_encoder_set(e, "I_max", 1e-300)); /* tiny but normal: fine */
  ck_assert_snn_ok(snn_encoder_spike_times(e, t, 3, &z, 1));
  for (int i = 0; i < 3; i++) ck_assert(t[i] == -1.0f || (t[i] >= 0.0f && isfinite(t[i])));
  snn_encoder_free(e);
}
END_TEST

START_TEST(test_delta) {
  snn_encoder *e = make("delta");
  /* threshold 0.1; reference starts at 0 and moves to the value at each spike */
  const float x[8] = {0.0f, 0.05f, 0.2f, 0.25f, 0.05f, 0.4f, 0.45f, 0.25f};
  const float want[8] = {0, 0, 1, 0, 1, 1, 0, 1};
  float out[8], out2[8];
  ck_assert_snn_ok(snn_encoder_encode(e, out, 8, x, 1, 8));
  for (int t = 0; t < 8; t++) ck_assert_msg(out[t] == want[t], "t=%d: %g", t, out[t]);
  /* state carries over between calls until re-seeded */
  ck_assert_snn_ok(snn_encoder_seed(e, 0));
  ck_assert_snn_ok(snn_encoder_encode(e, out2, 3, x, 1, 3));
  ck_assert_snn_ok(snn_encoder_encode(e, out2 + 3, 5, x + 3, 1, 5));
  ck_assert(memcmp(out, out2, sizeof out) == 0);
  ck_assert_snn_ok(snn_encoder_encode(e, out2, 1, x + 1, 1, 1)); /* 0.05 vs ref 0.25 */
  ck_assert(out2[0] == 1.0f);
  ck_assert_snn_ok(snn_encoder_seed(e, 0));
  ck_assert_snn_ok(snn_encoder_encode(e, out2, 1, x + 1, 1, 1)); /* 0.05 vs ref 0 */
  ck_assert(out2[0] == 0.0f);
  /* off spikes: decreases give -1 */
  ck_assert_snn_ok(snn_encoder_set(e, "off_spikes", 1.0));
  ck_assert_snn_ok(snn_encoder_encode(e, out, 8, x, 1, 8));
  const float want_off[8] = {0, 0, 1, 0, -1, 1, 0, -1};
  for (int t = 0; t < 8; t++) ck_assert(out[t] == want_off[t]);
  /* two channels, n_in changes reset the state; clone copies it */
  const float x2[6] = {0.5f, 0.0f, 0.5f, 0.3f, 0.5f, 0.0f};
  float o2[6];
  snn_encoder *c = NULL;
  ck_assert_snn_ok(snn_encoder_set(e, "off_spikes", 0.0));
  ck_assert_snn_ok(snn_encoder_encode(e, o2, 6, x2, 2, 3));
  const float w2[6] = {1, 0, 0, 1, 0, 1};
  for (int i = 0; i < 6; i++) ck_assert(o2[i] == w2[i]);
  ck_assert_snn_ok(snn_encoder_clone(&c, e));
  float a[2], b[2];
  const float x3[2] = {0.55f, 0.35f};
  ck_assert_snn_ok(snn_encoder_encode(e, a, 2, x3, 2, 1));
  ck_assert_snn_ok(snn_encoder_encode(c, b, 2, x3, 2, 1));
  ck_assert(a[0] == 0.0f && a[1] == 1.0f && b[0] == 0.0f && b[1] == 1.0f);
  ck_assert_snn_err(snn_encoder_spike_times(e, a, 2, x3, 2), SNN_E_UNSUPPORTED);
  /* a NaN anywhere in the series is rejected */
  float xn[6] = {0, 0, 0, 0, 0, NAN};
  ck_assert_snn_err(snn_encoder_encode(e, o2, 6, xn, 2, 3), SNN_E_INVALID);
  snn_encoder_free(c);
  snn_encoder_free(e);
}
END_TEST

/* ---- batch (internal interface) ------------------------------------------------------ */

START_TEST(test_batch) {
  const size_t B = 3, n_in = 21, T = 6, n = B * n_in * T;
  float x[3 * 21], *a = falloc(n), *b = falloc(n), *one = falloc(n_in * T);
  for (size_t i = 0; i < B * n_in; i++) x[i] = (float)((i * 7) % 11) / 10.0f;
  snn_encoder *e = make("rate");
  ck_assert_snn_ok(snn_encoder_seed(e, 3));
  ck_assert_snn_ok(snn__encoder_encode_batch(e, a, x, B, n_in, T, 5));
  ck_assert_snn_ok(snn__encoder_encode_batch(e, b, x, B, n_in, T, 5));
  ck_assert(memcmp(a, b, n * sizeof(float)) == 0); /* same stream, same output */
  ck_assert_snn_ok(snn__encoder_encode_batch(e, b, x, B, n_in, T, 6));
  ck_assert(memcmp(a, b, n * sizeof(float)) != 0);
  /* the handle's generator is not advanced by batch calls */
  snn_encoder *f = make("rate");
  ck_assert_snn_ok(snn_encoder_seed(f, 3));
  float *c1 = falloc(n_in * T), *c2 = falloc(n_in * T);
  ck_assert_snn_ok(snn_encoder_encode(e, c1, n_in * T, x, n_in, T));
  ck_assert_snn_ok(snn_encoder_encode(f, c2, n_in * T, x, n_in, T));
  ck_assert(memcmp(c1, c2, n_in * T * sizeof(float)) == 0);
  /* batch rate statistics: x = 1 always fires, x = 0 never */
  for (size_t t = 0; t < T; t++)
    for (size_t s = 0; s < B; s++)
      for (size_t j = 0; j < n_in; j++) {
        float xv = x[s * n_in + j], o = a[(t * B + s) * n_in + j];
        if (xv >= 1.0f) ck_assert(o == 1.0f);
        if (xv <= 0.0f) ck_assert(o == 0.0f);
      }
  snn_encoder_free(e);
  snn_encoder_free(f);
  /* deterministic kinds: the batch layout equals per-sample encodes */
  const char *kinds[] = {"latency", "direct", "population"};
  for (int k = 0; k < 3; k++) {
    e = make(kinds[k]);
    size_t nc;
    ck_assert_snn_ok(snn_encoder_output_size(&nc, e, n_in));
    float *big = falloc(B * nc * T), *single = falloc(nc * T);
    ck_assert_snn_ok(snn__encoder_encode_batch(e, big, x, B, n_in, T, 0));
    for (size_t s = 0; s < B; s++) {
      ck_assert_snn_ok(snn_encoder_encode(e, single, nc * T, x + s * n_in, n_in, T));
      for (size_t t = 0; t < T; t++)
        ck_assert(memcmp(big + (t * B + s) * nc, single + t * nc, nc * sizeof(float)) == 0);
    }
    free(big);
    free(single);
    snn_encoder_free(e);
  }
  /* delta: x is batch x n_steps x n_in; each sample from reference 0 */
  e = make("delta");
  float *xs = falloc(B * T * 300), *ob = falloc(B * T * 300), *os = falloc(T * 300);
  for (size_t i = 0; i < B * T * 300; i++) xs[i] = (float)((i * 37) % 17) / 16.0f;
  ck_assert_snn_ok(snn__encoder_encode_batch(e, ob, xs, B, 300, T, 0));
  for (size_t s = 0; s < B; s++) {
    ck_assert_snn_ok(snn_encoder_seed(e, 0));
    ck_assert_snn_ok(snn_encoder_encode(e, os, T * 300, xs + s * T * 300, 300, T));
    for (size_t t = 0; t < T; t++)
      ck_assert(memcmp(ob + (t * B + s) * 300, os + t * 300, 300 * sizeof(float)) == 0);
  }
  /* arguments */
  ck_assert_snn_err(snn__encoder_encode_batch(NULL, ob, xs, B, 300, T, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn__encoder_encode_batch(e, NULL, xs, B, 300, T, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn__encoder_encode_batch(e, ob, NULL, B, 300, T, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn__encoder_encode_batch(e, ob, xs, 0, 300, T, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn__encoder_encode_batch(e, ob, xs, B, 0, T, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn__encoder_encode_batch(e, ob, xs, B, 300, 0, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn__encoder_encode_batch(e, ob, xs, SIZE_MAX / 2, 300, T, 0),
                    SNN_E_INVALID);
  xs[B * T * 300 - 1] = INFINITY;
  ck_assert_snn_err(snn__encoder_encode_batch(e, ob, xs, B, 300, T, 0), SNN_E_INVALID);
  snn_encoder_free(e);
  free(xs);
  free(ob);
  free(os);
  free(a);
  free(b);
  free(one);
  free(c1);
  free(c2);
}
END_TEST

/* ---- bad arguments of encode / spike_times ---------------------------------------------- */

START_TEST(test_encode_args) {
  snn_encoder *e = make("rate");
  float x[4] = {0.1f, 0.2f, 0.3f, 0.4f}, out[40], t4[4];
  ck_assert_snn_err(snn_encoder_encode(NULL, out, 40, x, 4, 10), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, NULL, 40, x, 4, 10), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, out, 40, NULL, 4, 10), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, out, 0, x, 0, 10), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, out, 0, x, 4, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, out, 39, x, 4, 10), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, out, 41, x, 4, 10), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_encode(e, out, 40, x, SIZE_MAX / 2, 10), SNN_E_INVALID);
  x[2] = NAN;
  ck_assert_snn_err(snn_encoder_encode(e, out, 40, x, 4, 10), SNN_E_INVALID);
  ck_assert(strstr(snn_last_error(), "x[2]") != NULL);
  x[2] = -INFINITY;
  ck_assert_snn_err(snn_encoder_encode(e, out, 40, x, 4, 10), SNN_E_INVALID);
  x[2] = 0.3f;
  ck_assert_snn_err(snn_encoder_spike_times(e, t4, 4, x, 4), SNN_E_UNSUPPORTED);
  snn_encoder_free(e);
  e = make("latency");
  ck_assert_snn_err(snn_encoder_spike_times(NULL, t4, 4, x, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_spike_times(e, NULL, 4, x, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_spike_times(e, t4, 4, NULL, 4), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_spike_times(e, t4, 0, x, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_encoder_spike_times(e, t4, 3, x, 4), SNN_E_INVALID);
  x[0] = INFINITY;
  ck_assert_snn_err(snn_encoder_spike_times(e, t4, 4, x, 4), SNN_E_INVALID);
  snn_encoder_free(e);
}
END_TEST

/* ---- out of memory ---------------------------------------------------------------------- */

static int oom_body(void) {
  snn_encoder *e = NULL, *c = NULL;
  float x[12] = {0.1f, 0.5f, 0.9f, 0.2f, 0.3f, 0.4f, 0.9f, 0.1f, 0.5f, 0.5f, 0.5f, 0.5f}, out[12];
  int rc = snn_encoder_create(&e, "delta");
  if (rc != SNN_OK) {
    ck_assert_ptr_null(e);
    return rc;
  }
  rc = snn_encoder_encode(e, out, 12, x, 3, 4); /* allocates the delta state */
  if (rc == SNN_OK) {
    rc = snn_encoder_clone(&c, e);
    if (rc != SNN_OK) ck_assert_ptr_null(c);
  }
  snn_encoder_free(c);
  snn_encoder_free(e);
  return rc;
}

START_TEST(test_oom) {
  int done = 0;
  for (long k = 1; k < 100 && !done; k++) {
    snn_test_oom_install(k);
    snn_clear_error();
    int rc = oom_body();
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    ck_assert_int_eq(live, 0);
    if (rc == SNN_OK) {
      done = 1;
      ck_assert_int_gt(k, 3); /* create, delta state, clone, clone state */
    } else {
      ck_assert_msg(rc == SNN_E_NOMEM, "fail_at %ld: %d", k, rc);
      ck_assert(snn_last_error()[0] != '\0');
    }
  }
  ck_assert(done);
}
END_TEST

Suite *suite_encode(void) {
  Suite *s = suite_create("encode");
  TCase *tc = tcase_create("encode");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_create_kinds);
  tcase_add_test(tc, test_params);
  tcase_add_test(tc, test_rate_statistics);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_latency);
  tcase_add_test(tc, test_population);
  tcase_add_test(tc, test_direct);
  tcase_add_test(tc, test_delta);
  tcase_add_test(tc, test_batch);
  tcase_add_test(tc, test_encode_args);
  tcase_add_test(tc, test_oom);
  suite_add_tcase(s, tc);
  return s;
}

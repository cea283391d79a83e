/* SpikeProp: the "srm" neuron kind, its kernel and threshold search, the
 * analytic gradient against finite differences, XOR convergence, datasets
 * and argument checking. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/neuron/srm.h"
#include "internal.h" /* snn__crc32 */
#include "testutil.h"

#define E_ 2.718281828459045

/* ---- kernel ------------------------------------------------------------- */

START_TEST(test_kernel) {
  const double tau = 7.0;
  ck_assert(snn__srm_eps(0.0, tau) == 0.0);
  ck_assert(snn__srm_eps(-3.0, tau) == 0.0);
  ck_assert(snn__srm_deps(-1.0, tau) == 0.0);
  ck_assert(fabs(snn__srm_eps(tau, tau) - 1.0) < 1e-15);          /* peak 1 at t = tau */
  ck_assert(fabs(snn__srm_eps(2 * tau, tau) - 2.0 / E_) < 1e-15); /* 2 e^-1 */
  ck_assert(fabs(snn__srm_deps(tau, tau)) < 1e-15);
  ck_assert(fabs(snn__srm_deps(1e-12, tau) - E_ / tau) < 1e-9); /* slope e/tau at 0+ */
  for (double t = 0.05; t < 40; t += 0.37) {
    double h = 1e-6;
    double fd = (snn__srm_eps(t + h, tau) - snn__srm_eps(t - h, tau)) / (2 * h);
    ck_assert_msg(fabs(fd - snn__srm_deps(t, tau)) < 1e-8, "t=%g fd=%g an=%g", t, fd,
                  snn__srm_deps(t, tau));
    ck_assert(snn__srm_eps(t, tau) <= 1.0 + 1e-15 && snn__srm_eps(t, tau) > 0);
  }
}
END_TEST

/* u(s) = exp(-s/tau)(b + a s): crossings against a fine scan + bisection */
START_TEST(test_cross) {
  const double tau = 5.0;
  unsigned seed = 12345;
  int crossed = 0, missed = 0;
  int iters = snn_test_quick() ? 80 : 400;
  for (int it = 0; it < iters; it++) {
    seed = seed * 1103515245u + 12345u;
    double a = ((seed >> 8) % 2000) / 1000.0 - 0.5;
    seed = seed * 1103515245u + 12345u;
    double b = ((seed >> 8) % 1900) / 1000.0 - 1.0; /* < 0.9 < theta */
    double theta = 0.9, len = 12.0, s = -1;
    int got = snn__srm_cross(a, b, tau, theta, len, &s);
    /* reference: first grid point at or above theta, then bisection */
    double prev = 0, found = -1;
    for (int k = 1; k <= 120000; k++) {
      double x = len * k / 120000.0;
      if (exp(-x / tau) * (b + a * x) >= theta) {
        double lo = prev, hi = x;
        for (int j = 0; j < 100; j++) {
          double m = 0.5 * (lo + hi);
          if (exp(-m / tau) * (b + a * m) >= theta) hi = m; else lo = m;
        }
        found = hi;
        break;
      }
      prev = x;
    }
    if (found < 0) {
      ck_assert_msg(!got, "a=%g b=%g: spurious crossing at %g", a, b, s);
      missed++;
    } else {
      ck_assert_msg(got, "a=%g b=%g: missed crossing at %g", a, b, found);
      ck_assert_msg(fabs(s - found) < 1e-9, "a=%g b=%g: %g vs %g", a, b, s, found);
      ck_assert(exp(-s / tau) * (b + a * s) >= theta - 1e-12);
      crossed++;
    }
  }
  ck_assert_int_gt(crossed, iters / 20);
  ck_assert_int_gt(missed, iters / 20);
  double at, pk = snn__srm_peak(1.0, 0.0, tau, 100.0, &at); /* peak of s e^{-s/tau} at tau */
  ck_assert(fabs(at - tau) < 1e-12 && fabs(pk - tau / E_) < 1e-12);
}
END_TEST

/* The "srm" kind in a population: V follows w eps(t) exactly, the spike
 * time is found to sub-step precision (independent of dt), one spike only. */
START_TEST(test_srm_kind) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "srm"));
  ck_assert_str_eq(snn_neuron_model_kind(m), "srm");
  double v;
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "tau"));
  ck_assert(v == 7.0);
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "threshold"));
  ck_assert(v == 1.0);
  ck_assert_snn_err(snn_neuron_model_set(m, "tau", 0.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set(m, "threshold", -1.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set(m, "tau_m", 5.0), SNN_E_NOTFOUND);
  ck_assert_snn_ok(snn_neuron_model_set(m, "tau", 4.0));
  ck_assert_str_eq(snn_neuron_model_state_name(m, 2), "age");
  const double w[2] = {0.5, 2.0}; /* neuron 0 stays below threshold, neuron 1 fires */
  /* exact crossing of 2 eps(t) = 1 on the rising flank (t < tau) by bisection */
  double lo = 0, hi = 4.0;
  for (int j = 0; j < 200; j++) {
    double mid = 0.5 * (lo + hi);
    if (2.0 * snn__srm_eps(mid, 4.0) >= 1.0) hi = mid; else lo = mid;
  }
  const double dts[3] = {1.0, 0.3, 0.05};
  for (int d = 0; d < 3; d++) {
    double dt = dts[d];
    snn_population *p = NULL;
    ck_assert_snn_ok(snn_population_create(&p, m, 2));
    float in[2] = {(float)w[0], (float)w[1]};
    int steps = (int)llround(30.0 / dt), n_spikes = 0;
    double t_spike = -1;
    for (int k = 0; k < steps; k++) {
      uint8_t s[2];
      ck_assert_snn_ok(snn_population_step(p, s, k == 0 ? in : NULL, 2, dt));
      ck_assert(s[0] == 0);
      float V[2], age[2];
      ck_assert_snn_ok(snn_population_state_get(V, p, "V", 2));
      ck_assert_snn_ok(snn_population_state_get(age, p, "age", 2));
      double t = (k + 1) * dt;
      ck_assert_msg(fabs(V[0] - w[0] * snn__srm_eps(t, 4.0)) < 2e-6, "dt %g t %g", dt, t);
      if (s[1]) {
        n_spikes++;
        t_spike = t - age[1];
      }
    }
    ck_assert_int_eq(n_spikes, 1);
    ck_assert_msg(fabs(t_spike - hi) < 1e-5, "dt %g: spike at %.7f, exact %.7f", dt, t_spike, hi);
    snn_population_free(p);
  }
  snn_neuron_model_free(m);
}
END_TEST

/* ---- tiny network: analytic gradient vs finite differences -------------- */

static snn_learner *tiny(double inh) {
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.terminals = 3;
  o.delay_min = 1.0;
  o.delay_step = 1.5;
  o.inhibitory_fraction = inh;
  o.t_max = 40.0;
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 3, 2, NULL, NULL, &o));
  ck_assert_uint_eq(snn_learner_n_params(l), 2 * 3 * 3 + 3 * 2 * 3);
  return l;
}

static double error_of(snn_learner *l, const float *tin, const float *tgt) {
  float to[2];
  ck_assert_snn_ok(snn_learner_spikeprop_run(to, 2, NULL, 0, l, tin, 2));
  double e = 0;
  for (int j = 0; j < 2; j++) {
    ck_assert(to[j] >= 0);
    e += 0.5 * (to[j] - tgt[j]) * (to[j] - tgt[j]);
  }
  return e;
}

START_TEST(test_gradient_fd) {
  snn_learner *l = tiny(1.0 / 3.0); /* hidden neuron 2 is inhibitory */
  size_t n = snn_learner_n_params(l);
  double w[36], g[36], w0[36];
  /* strong drive so every neuron fires on a steep flank (no clamp, no tangency) */
  unsigned seed = 7;
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    double r = ((seed >> 8) % 1000) / 1000.0;
    w[i] = 0.35 + 0.3 * r;
  }
  for (size_t i = 18 + 2 * 3; i < 18 + 3 * 3; i++) w[i] = 0.1 * w[i]; /* output 0 from inh. */
  for (size_t i = 18 + 5 * 3; i < 18 + 6 * 3; i++) w[i] = 0.1 * w[i]; /* output 1 from inh. */
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, n));
  const float tin[2] = {0.0f, 2.5f}, tgt[2] = {9.0f, 14.0f};
  float th[3], to[2];
  ck_assert_snn_ok(snn_learner_spikeprop_run(to, 2, th, 3, l, tin, 2));
  for (int i = 0; i < 3; i++) ck_assert_msg(th[i] > 0, "hidden %d silent", i);
  for (int j = 0; j < 2; j++) ck_assert_msg(to[j] > 0, "output %d silent", j);
  double E;
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, n, &E, l, tin, 2, tgt, 2));
  ck_assert(fabs(E - error_of(l, tin, tgt)) < 1e-4);
  memcpy(w0, w, sizeof w);
  double h = 1e-5, max_hidden = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(w, w0, sizeof w);
    w[i] = w0[i] + h;
    ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, n));
    double ep;
    double gtmp[36];
    ck_assert_snn_ok(snn_learner_spikeprop_gradient(gtmp, n, &ep, l, tin, 2, tgt, 2));
    w[i] = w0[i] - h;
    ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, n));
    double em;
    ck_assert_snn_ok(snn_learner_spikeprop_gradient(gtmp, n, &em, l, tin, 2, tgt, 2));
    double fd = (ep - em) / (2 * h);
    ck_assert_msg(fabs(fd - g[i]) <= 1e-5 + 1e-4 * fabs(fd), "w[%zu]: analytic %.9g fd %.9g", i,
                  g[i], fd);
    if (i < 18 && fabs(g[i]) > max_hidden) max_hidden = fabs(g[i]);
  }
  ck_assert(max_hidden > 1e-3); /* the hidden-layer rule was exercised */
  /* one training step moves E down */
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w0, n));
  ck_assert_snn_ok(snn_learner_set_learning_rate(l, 1e-3));
  double e0, e1;
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(&e0, l, tin, 2, tgt, 2));
  ck_assert(fabs(e0 - E) < 1e-9);
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, n, &e1, l, tin, 2, tgt, 2));
  ck_assert_msg(e1 < e0, "E %g -> %g", e0, e1);
  snn_learner_free(l);
}
END_TEST

/* A silent output gets its incoming weights raised (never lowered), the
 * clamp bounds the update, and training makes it fire. */
START_TEST(test_silent_output) {
  snn_learner *l = tiny(0);
  size_t n = snn_learner_n_params(l);
  double w[36], g[36];
  for (size_t i = 0; i < n; i++) w[i] = i < 18 ? 0.5 : 0.01; /* outputs far below threshold */
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, n));
  const float tin[2] = {0.0f, 1.0f}, tgt[2] = {10.0f, 12.0f};
  float to[2];
  ck_assert_snn_ok(snn_learner_spikeprop_run(to, 2, NULL, 0, l, tin, 2));
  ck_assert(to[0] < 0 && to[1] < 0);
  double E;
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, n, &E, l, tin, 2, tgt, 2));
  ck_assert(fabs(E - 0.5 * (30.0 * 30.0 + 28.0 * 28.0)) < 1e-9); /* silent counts as t_max */
  for (size_t i = 18; i < n; i++) ck_assert(g[i] <= 0);
  ck_assert(g[18] < 0);
  int fired = 0;
  for (int it = 0; it < 200 && !fired; it++) {
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin, 2, tgt, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_run(to, 2, NULL, 0, l, tin, 2));
    fired = to[0] >= 0 && to[1] >= 0;
  }
  ck_assert(fired);
  snn_learner_free(l);
}
END_TEST

/* An output whose membrane never gets positive (all incoming weights
 * negative) has no maximum to raise: the rule then raises u at the target
 * time, so the neuron recovers instead of staying silent forever. */
START_TEST(test_dead_output_recovers) {
  snn_learner *l = tiny(0);
  size_t n = snn_learner_n_params(l);
  double w[36], g[36];
  for (size_t i = 0; i < n; i++) w[i] = i < 18 ? 0.5 : -0.2;
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, n));
  const float tin[2] = {0.0f, 1.0f}, tgt[2] = {10.0f, 12.0f};
  double E;
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, n, &E, l, tin, 2, tgt, 2));
  size_t nonzero = 0;
  for (size_t i = 18; i < n; i++) {
    ck_assert(g[i] <= 0);
    nonzero += g[i] < 0;
  }
  ck_assert_uint_gt(nonzero, 6);
  float to[2];
  int fired = 0;
  for (int it = 0; it < 400 && !fired; it++) {
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin, 2, tgt, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_run(to, 2, NULL, 0, l, tin, 2));
    fired = to[0] >= 0 && to[1] >= 0;
  }
  ck_assert(fired);
  snn_learner_free(l);
}
END_TEST


/* ---- late hidden neurons: option late_push ------------------------------ */

/* 2 inputs -> 2 hidden -> 1 output, one terminal (delay 1 ms): hidden 0 and
 * the output fire early, hidden 1 fires after the output, so its spike
 * reaches nothing */
static snn_learner *late_net(double late_push, double lr) {
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.terminals = 1;
  o.delay_min = 1.0;
  o.t_max = 40.0;
  o.late_push = late_push;
  o.learning_rate = lr;
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o));
  const double w[6] = {3.0, 0.0, 0.6, 0.6, /* output: */ 3.0, 0.4};
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, 6));
  return l;
}

static unsigned char *save_bytes_l(const snn_learner *l, size_t *size);

static double eps7(double t) { return t > 0 ? t / 7.0 * exp(1.0 - t / 7.0) : 0.0; }

START_TEST(test_late_push) {
  const float tin[2] = {0.0f, 0.0f};
  snn_learner *off = late_net(0, 0.01), *on = late_net(2.5, 0.01);
  float to, th[2];
  ck_assert_snn_ok(snn_learner_spikeprop_run(&to, 1, th, 2, off, tin, 2));
  ck_assert(th[0] > 0 && th[0] + 1.0f < to);  /* hidden 0 drives the output */
  ck_assert(th[1] > 0 && th[1] + 1.0f >= to); /* hidden 1 is late */
  const float tgt = 9.0f;
  double g0[6], g1[6], e0, e1;
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g0, 6, &e0, off, tin, 2, &tgt, 1));
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g1, 6, &e1, on, tin, 2, &tgt, 1));
  ck_assert(e0 == e1);
  /* Bohte's rule: no gradient for the late neuron's weights */
  ck_assert(g0[2] == 0.0 && g0[3] == 0.0);
  /* late_push: -lambda y(t_out - d_0) with the inputs at 0 and d_0 = 1 */
  double want = -2.5 * eps7((double)to - 1.0 - 1.0);
  ck_assert(want < 0);
  ck_assert_double_eq_tol(g1[2], want, 1e-5 * fabs(want)); /* to is a float */
  ck_assert_double_eq_tol(g1[3], want, 1e-5 * fabs(want));
  /* every other weight gets the same gradient either way */
  ck_assert(g0[0] == g1[0] && g0[1] == g1[1] && g0[4] == g1[4] && g0[5] == g1[5]);
  /* a neuron that reaches the output is not late: nothing changes */
  {
    snn_learner *a = late_net(0, 0.01), *b = late_net(2.5, 0.01);
    const double w[6] = {3.0, 0.0, 2.0, 2.0, 3.0, 0.4};
    ck_assert_snn_ok(snn_learner_spikeprop_weights_set(a, w, 6));
    ck_assert_snn_ok(snn_learner_spikeprop_weights_set(b, w, 6));
    double ga[6], gb[6];
    ck_assert_snn_ok(snn_learner_spikeprop_run(&to, 1, th, 2, a, tin, 2));
    ck_assert(th[1] + 1.0f < to);
    ck_assert_snn_ok(snn_learner_spikeprop_gradient(ga, 6, NULL, a, tin, 2, &tgt, 1));
    ck_assert_snn_ok(snn_learner_spikeprop_gradient(gb, 6, NULL, b, tin, 2, &tgt, 1));
    ck_assert(memcmp(ga, gb, sizeof ga) == 0);
    ck_assert(ga[2] != 0.0);
    snn_learner_free(a);
    snn_learner_free(b);
  }
  /* training at (almost) zero error: without the rule the late neuron's
   * weights never move; with it the neuron is pulled earlier until its spike
   * reaches the output */
  ck_assert_snn_ok(snn_learner_spikeprop_run(&to, 1, NULL, 0, off, tin, 2));
  const float at = to;
  double w0[6], w1[6];
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w0, 6, off));
  for (int it = 0; it < 50; it++)
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, off, tin, 2, &at, 1));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w1, 6, off));
  ck_assert(w0[2] == w1[2] && w0[3] == w1[3]); /* the late neuron never learns */
  ck_assert_snn_ok(snn_learner_spikeprop_run(&to, 1, th, 2, off, tin, 2));
  ck_assert(th[1] + 1.0f >= to);
  int reached = 0;
  for (int it = 0; it < 200 && !reached; it++) {
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, on, tin, 2, &at, 1));
    ck_assert_snn_ok(snn_learner_spikeprop_run(&to, 1, th, 2, on, tin, 2));
    reached = th[1] >= 0 && th[1] + 1.0f < to;
  }
  ck_assert(reached);
  snn_learner_free(off);
  snn_learner_free(on);
  /* the option is range-checked */
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  snn_learner *l = (snn_learner *)&l;
  o.late_push = -1;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), SNN_E_RANGE);
  ck_assert_ptr_null(l);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "late_push"));
  o.late_push = NAN;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), SNN_E_INVALID);
  /* saved and restored with the learner */
  snn_learner *s = late_net(2.5, 0.01), *r = NULL;
  size_t size;
  unsigned char *f = save_bytes_l(s, &size);
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&r, &net, f, size, NULL));
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g0, 6, NULL, s, tin, 2, &tgt, 1));
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g1, 6, NULL, r, tin, 2, &tgt, 1));
  ck_assert(memcmp(g0, g1, sizeof g0) == 0);
  ck_assert(g1[2] < 0);
  /* a loaded learner tells its sizes (any output may be NULL) */
  size_t ni = 0, nh = 0, no = 0;
  ck_assert_snn_ok(snn_learner_spikeprop_sizes(&ni, &nh, &no, r));
  ck_assert(ni == 2 && nh == 2 && no == 1);
  no = 0;
  ck_assert_snn_ok(snn_learner_spikeprop_sizes(NULL, NULL, &no, r));
  ck_assert_uint_eq(no, 1);
  free(f);
  snn_learner_free(s);
  snn_learner_free(r);
}
END_TEST


/* ---- update-rule options: weight_decay, momentum ------------------------ */

static snn_learner *tiny_opts(double wd, double mu) {
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.terminals = 3;
  o.delay_step = 1.5;
  o.t_max = 40.0;
  o.weight_decay = wd;
  o.momentum = mu;
  o.learning_rate = 1e-3;
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 3, 2, NULL, NULL, &o));
  return l;
}

static void strong_weights(snn_learner *l, double *w) {
  unsigned seed = 11;
  for (size_t i = 0; i < 36; i++) {
    seed = seed * 1103515245u + 12345u;
    w[i] = 0.35 + 0.3 * (double)((seed >> 8) % 1000) / 1000.0;
  }
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, 36));
}

/* weight_decay adds exactly weight_decay * w to the gradient, not to E */
START_TEST(test_weight_decay) {
  snn_learner *a = tiny_opts(0, 0), *b = tiny_opts(0.25, 0);
  double w[36], ga[36], gb[36], ea, eb;
  strong_weights(a, w);
  strong_weights(b, w);
  const float tin[2] = {0.0f, 2.5f}, tgt[2] = {9.0f, 14.0f};
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(ga, 36, &ea, a, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(gb, 36, &eb, b, tin, 2, tgt, 2));
  ck_assert(ea == eb && ea > 0);
  for (size_t i = 0; i < 36; i++)
    ck_assert_msg(fabs(gb[i] - (ga[i] + 0.25 * w[i])) <= 1e-12 * (1 + fabs(gb[i])),
                  "w[%zu]: %g vs %g + 0.25 * %g", i, gb[i], ga[i], w[i]);
  /* and the step uses it: w1 = w0 - lr * (g + wd w0) */
  double w1[36];
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, b, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w1, 36, b));
  for (size_t i = 0; i < 36; i++) ck_assert(fabs(w1[i] - (w[i] - 1e-3 * gb[i])) < 1e-15);
  snn_learner_free(a);
  snn_learner_free(b);
}
END_TEST

/* momentum: the second step is mu * (first step) - lr * g2; weights_set
 * restarts it */
START_TEST(test_momentum) {
  const double mu = 0.8, lr = 1e-3;
  snn_learner *l = tiny_opts(0, mu);
  double w0[36], w1[36], w2[36], g1[36], g2[36];
  strong_weights(l, w0);
  const float tin[2] = {0.0f, 2.5f}, tgt[2] = {9.0f, 14.0f};
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g1, 36, NULL, l, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w1, 36, l));
  for (size_t i = 0; i < 36; i++) ck_assert(fabs(w1[i] - (w0[i] - lr * g1[i])) < 1e-15);
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g2, 36, NULL, l, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w2, 36, l));
  double moved = 0;
  for (size_t i = 0; i < 36; i++) {
    double want = w1[i] + mu * (w1[i] - w0[i]) - lr * g2[i];
    ck_assert_msg(fabs(w2[i] - want) < 1e-14, "w[%zu]: %.17g vs %.17g", i, w2[i], want);
    moved += fabs(mu * (w1[i] - w0[i]));
  }
  ck_assert(moved > 1e-6); /* the momentum term mattered */
  /* after weights_set the next step is plain gradient descent again */
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w0, 36));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w2, 36, l));
  for (size_t i = 0; i < 36; i++) ck_assert(fabs(w2[i] - w1[i]) < 1e-15);
  snn_learner_free(l);
}
END_TEST

/* ---- update rule RProp, batches ----------------------------------------- */

static snn_learner *tiny_rprop(double lr, double wd) {
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.terminals = 3;
  o.delay_step = 1.5;
  o.t_max = 40.0;
  o.learning_rate = lr;
  o.weight_decay = wd;
  o.update = SNN_SPIKEPROP_RPROP;
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 3, 2, NULL, NULL, &o));
  return l;
}

/* iRprop-, computed by hand next to the learner: the first step moves every
 * weight by exactly lr against the sign of its gradient; then a step grows
 * x1.2 while the sign holds, halves on a flip (and the weight rests for that
 * update), stays within [1e-6, 50] lr. Two alternating examples with a large
 * step make both happen. */
START_TEST(test_rprop) {
  const double lr = 0.02;
  snn_learner *l = tiny_rprop(lr, 0);
  double w[36], g[36], step[36], gprev[36], got[36];
  strong_weights(l, w);
  const float tin[2][2] = {{0.0f, 2.5f}, {2.5f, 0.0f}}, tgt[2][2] = {{9.0f, 14.0f}, {14.0f, 9.0f}};
  for (size_t i = 0; i < 36; i++) step[i] = lr, gprev[i] = 0;
  unsigned grew = 0, shrank = 0, rested = 0;
  for (int it = 0; it < 12; it++) {
    const float *x = tin[it % 2], *t = tgt[it % 2];
    ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, 36, NULL, l, x, 2, t, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, x, 2, t, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_weights_get(got, 36, l));
    for (size_t i = 0; i < 36; i++) {
      double gi = g[i], d = step[i];
      if (gi * gprev[i] > 0) {
        d = fmin(1.2 * d, 50 * lr);
        grew++;
      } else if (gi * gprev[i] < 0) {
        d = fmax(0.5 * d, 1e-6 * lr);
        gi = 0;
        shrank++;
        ck_assert_msg(got[i] == w[i], "step %d w[%zu] moved after a sign flip", it, i);
      }
      if (gi == 0) rested++;
      if (it == 0 && gi != 0) ck_assert(fabs(fabs(got[i] - w[i]) - lr) < 1e-15);
      w[i] -= gi > 0 ? d : gi < 0 ? -d : 0;
      step[i] = d;
      gprev[i] = gi;
      ck_assert_msg(got[i] == w[i], "step %d w[%zu]: %.17g vs %.17g", it, i, got[i], w[i]);
    }
  }
  ck_assert_uint_gt(grew, 0);
  ck_assert_uint_gt(shrank, 0);
  ck_assert_uint_gt(rested, 0);
  /* weights_set restarts the steps at lr */
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, 36));
  ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, 36, NULL, l, tin[0], 2, tgt[0], 2));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin[0], 2, tgt[0], 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(got, 36, l));
  for (size_t i = 0; i < 36; i++)
    ck_assert(got[i] == w[i] - (g[i] > 0 ? lr : g[i] < 0 ? -lr : 0.0));
  snn_learner_free(l);
}
END_TEST

/* the step bound: a constant-sign gradient (weight decay on strong weights,
 * with every output far from its target) grows steps to 50 lr and no further */
START_TEST(test_rprop_max_step) {
  const double lr = 1e-4;
  snn_learner *l = tiny_rprop(lr, 1000.0); /* the decay term dominates: sign(g) = sign(w) */
  double w[36], prev[36], got[36];
  strong_weights(l, w);
  memcpy(prev, w, sizeof w);
  const float tin[2] = {0.0f, 2.5f}, tgt[2] = {9.0f, 14.0f};
  for (int it = 0; it < 40; it++) {
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin, 2, tgt, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_weights_get(got, 36, l));
    double want = lr * fmin(pow(1.2, it), 50.0);
    for (size_t i = 0; i < 36; i++)
      ck_assert_msg(fabs((prev[i] - got[i]) - want) < 1e-12, "step %d w[%zu]: %g vs %g", it, i,
                    prev[i] - got[i], want);
    memcpy(prev, got, sizeof got);
  }
  snn_learner_free(l);
}
END_TEST

/* batch_size: one epoch with batch_size >= n is one update with the mean
 * gradient at the starting weights (SGD: w - lr mean g; RProp: w - lr sign);
 * any batch_size >= n gives the same bits */
START_TEST(test_batch) {
  const float x[4 * 2] = {0.0f, 2.5f, 2.5f, 0.0f, 1.0f, 0.0f, 0.0f, 3.0f};
  const int32_t y[4] = {0, 1, 1, 0};
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, 4, 2));
  for (int rule = 0; rule < 2; rule++) {
    double w0[36], wa[36], wb[36], g[36], mean[36] = {0};
    snn_learner *a = rule ? tiny_rprop(1e-3, 0) : tiny_opts(0, 0), *b = NULL;
    strong_weights(a, w0);
    for (int s = 0; s < 4; s++) {
      float t[2] = {y[s] == 0 ? 12.0f : 16.0f, y[s] == 1 ? 12.0f : 16.0f};
      ck_assert_snn_ok(snn_learner_spikeprop_gradient(g, 36, NULL, a, x + 2 * s, 2, t, 2));
      for (size_t i = 0; i < 36; i++) mean[i] += g[i] / 4;
    }
    snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
    o.terminals = 3;
    o.delay_step = 1.5;
    o.t_max = 40.0;
    o.learning_rate = 1e-3;
    o.update = rule ? SNN_SPIKEPROP_RPROP : SNN_SPIKEPROP_SGD;
    for (int k = 0; k < 3; k++) {
      o.batch_size = k == 0 ? 4 : k == 1 ? 5 : 1000;
      snn_learner_free(b);
      ck_assert_snn_ok(snn_learner_create_spikeprop(&b, 2, 3, 2, NULL, NULL, &o));
      ck_assert_snn_ok(snn_learner_spikeprop_weights_set(b, w0, 36));
      double loss;
      ck_assert_snn_ok(snn_learner_train_epoch(b, &loss, d, NULL, NULL));
      ck_assert(loss > 0);
      ck_assert_snn_ok(snn_learner_spikeprop_weights_get(k == 0 ? wa : wb, 36, b));
      if (k > 0) ck_assert(memcmp(wa, wb, sizeof wa) == 0);
    }
    size_t moved = 0;
    for (size_t i = 0; i < 36; i++) {
      double want = rule ? w0[i] - (mean[i] > 0 ? 1e-3 : mean[i] < 0 ? -1e-3 : 0.0)
                         : w0[i] - 1e-3 * mean[i];
      ck_assert_msg(fabs(wa[i] - want) < 1e-14, "rule %d w[%zu]: %.17g vs %.17g", rule, i, wa[i],
                    want);
      moved += wa[i] != w0[i];
    }
    ck_assert_uint_gt(moved, 10);
    /* batch 1 (online) is a different trajectory */
    o.batch_size = 1;
    snn_learner_free(b);
    ck_assert_snn_ok(snn_learner_create_spikeprop(&b, 2, 3, 2, NULL, NULL, &o));
    ck_assert_snn_ok(snn_learner_spikeprop_weights_set(b, w0, 36));
    ck_assert_snn_ok(snn_learner_train_epoch(b, NULL, d, NULL, NULL));
    ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
    ck_assert(memcmp(wa, wb, sizeof wa) != 0);
    snn_learner_free(a);
    snn_learner_free(b);
  }
  snn_dataset_free(d);
}
END_TEST

/* ---- XOR ---------------------------------------------------------------- */

START_TEST(test_xor) {
  static const float in[4][3] = {{6, 6, 0}, {6, 0, 0}, {0, 6, 0}, {0, 0, 0}};
  static const float tgt[4] = {16, 10, 10, 16};
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.inhibitory_fraction = 0.2;
  o.learning_rate = 0.005;
  o.seed = 2;
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 3, 5, 1, NULL, NULL, &o));
  ck_assert_str_eq(snn_learner_kind(l), "spikeprop");
  int converged = 0;
  double first = 0, last = 0;
  for (int e = 0; e < 1000 && !converged; e++) {
    double sum = 0;
    for (int p = 0; p < 4; p++) {
      double err;
      ck_assert_snn_ok(snn_learner_spikeprop_train_example(&err, l, in[p], 3, &tgt[p], 1));
      sum += err;
    }
    if (e == 0) first = sum;
    last = sum;
    int close = 0;
    for (int p = 0; p < 4; p++) {
      float t;
      ck_assert_snn_ok(snn_learner_spikeprop_run(&t, 1, NULL, 0, l, in[p], 3));
      close += t >= 0 && fabsf(t - tgt[p]) < 1.0f;
    }
    converged = close == 4;
  }
  ck_assert_msg(converged, "XOR did not converge (E %g -> %g)", first, last);
  snn_learner_free(l);
}
END_TEST

/* ---- datasets through the population encoder ----------------------------- */

static snn_dataset *blobs(size_t n, unsigned seed) {
  float *x = malloc(n * 2 * sizeof(float));
  int32_t *y = malloc(n * sizeof(int32_t));
  for (size_t i = 0; i < n; i++) {
    y[i] = (int32_t)(i % 2);
    for (int d = 0; d < 2; d++) {
      seed = seed * 1103515245u + 12345u;
      float r = (float)((seed >> 8) % 1000) / 1000.0f;
      x[i * 2 + d] = (y[i] ? 0.7f : 0.3f) + 0.25f * (r - 0.5f);
    }
  }
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, n, 2));
  free(x);
  free(y);
  return d;
}

static snn_learner *blob_learner(uint64_t seed) {
  snn_encoder *enc = NULL;
  ck_assert_snn_ok(snn_encoder_create(&enc, "population"));
  ck_assert_snn_ok(snn_encoder_set(enc, "m", 6));
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.bias = 1;
  o.seed = seed;
  o.terminals = 8;
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2 * 6 + 1, 4, 2, NULL, enc, &o));
  snn_encoder_free(enc);
  return l;
}

START_TEST(test_dataset) {
  snn_dataset *d = blobs(snn_test_quick() ? 24 : 40, 99);
  snn_learner *a = blob_learner(5), *b = blob_learner(5);
  double la = 0, lb = 0, acc = 0;
  int epochs = snn_test_quick() ? 8 : 15;
  for (int e = 0; e < epochs; e++) {
    ck_assert_snn_ok(snn_learner_train_epoch(a, &la, d, NULL, NULL));
    ck_assert_snn_ok(snn_learner_train_epoch(b, &lb, d, NULL, NULL));
    ck_assert(la == lb); /* deterministic for a seed */
  }
  ck_assert_snn_ok(snn_learner_spikeprop_evaluate(&acc, a, d));
  ck_assert_msg(acc >= 0.9, "accuracy %g", acc);
  /* classify agrees with evaluate and decodes the earliest output */
  size_t n = snn_dataset_size(d);
  float *x = malloc(n * 2 * sizeof(float)), *t = malloc(n * 2 * sizeof(float));
  int32_t *y = malloc(n * sizeof(int32_t)), *p = malloc(n * sizeof(int32_t));
  ck_assert_snn_ok(snn_dataset_get(x, y, d, 0, n));
  ck_assert_snn_ok(snn_learner_spikeprop_classify(p, t, a, x, n, 2));
  size_t ok = 0;
  for (size_t i = 0; i < n; i++) {
    ok += p[i] == y[i];
    if (p[i] >= 0) {
      float tp = t[i * 2 + p[i]], to = t[i * 2 + 1 - p[i]];
      ck_assert(to < 0 || tp <= to);
    }
  }
  ck_assert(fabs((double)ok / (double)n - acc) < 1e-12);
  free(x);
  free(t);
  free(y);
  free(p);
  snn_learner_free(a);
  snn_learner_free(b);
  snn_dataset_free(d);
}
END_TEST

/* ---- model files (snn_learner_save / _load) ---------------------------------- */

/* A trained learner with an encoder and an inhibitory hidden neuron. */
static snn_learner *saved_learner(snn_dataset **dp) {
  snn_encoder *enc = NULL;
  ck_assert_snn_ok(snn_encoder_create(&enc, "population"));
  ck_assert_snn_ok(snn_encoder_set(enc, "m", 5));
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.bias = 1;
  o.seed = 77;
  o.terminals = 6;
  o.inhibitory_fraction = 0.25;
  o.learning_rate = 0.02;
  o.t_early = 11;
  o.t_late = 17;
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "srm"));
  ck_assert_snn_ok(snn_neuron_model_set(m, "tau", 6.5));
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2 * 5 + 1, 4, 2, m, enc, &o));
  snn_neuron_model_free(m);
  snn_encoder_free(enc);
  snn_dataset *d = blobs(24, 5);
  for (int e = 0; e < 2; e++) ck_assert_snn_ok(snn_learner_train_epoch(l, NULL, d, NULL, NULL));
  ck_assert_snn_ok(snn_learner_set_learning_rate(l, 0.015)); /* a changed rate is state too */
  *dp = d;
  return l;
}

static unsigned char *save_bytes_l(const snn_learner *l, size_t *size) {
  ck_assert_int_eq(snn_learner_save_mem(size, l, NULL, 0), SNN_E_RANGE);
  unsigned char *b = malloc(*size);
  size_t n2 = 0;
  ck_assert_snn_ok(snn_learner_save_mem(&n2, l, b, *size));
  ck_assert_uint_eq(n2, *size);
  return b;
}

/* a and b give bitwise-identical outputs and train identically */
static void expect_same(snn_learner *a, snn_learner *b, snn_dataset *d) {
  size_t np = snn_learner_n_params(a);
  ck_assert_uint_eq(np, snn_learner_n_params(b));
  double *wa = malloc(np * sizeof(double)), *wb = malloc(np * sizeof(double));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wa, np, a));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, np, b));
  ck_assert(memcmp(wa, wb, np * sizeof(double)) == 0);
  /* many inputs: a grid over the feature square (including outside [0, 1]) */
  enum { G = 21 };
  float *x = malloc(G * G * 2 * sizeof(float)), *ta = malloc(G * G * 2 * sizeof(float)),
        *tb = malloc(G * G * 2 * sizeof(float));
  int32_t *la = malloc(G * G * sizeof(int32_t)), *lb = malloc(G * G * sizeof(int32_t));
  for (int i = 0; i < G; i++)
    for (int j = 0; j < G; j++) {
      x[(i * G + j) * 2] = -0.1f + 1.2f * (float)i / (G - 1);
      x[(i * G + j) * 2 + 1] = -0.1f + 1.2f * (float)j / (G - 1);
    }
  ck_assert_snn_ok(snn_learner_spikeprop_classify(la, ta, a, x, G * G, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_classify(lb, tb, b, x, G * G, 2));
  ck_assert(memcmp(la, lb, G * G * sizeof(int32_t)) == 0);
  ck_assert(memcmp(ta, tb, G * G * 2 * sizeof(float)) == 0);
  /* and the raw spike-time interface, hidden layer included */
  float tin[11], oa[2], ob[2], ha[4], hb[4];
  unsigned seed = 3;
  for (int r = 0; r < 50; r++) {
    for (int i = 0; i < 11; i++) {
      seed = seed * 1103515245u + 12345u;
      tin[i] = (float)((seed >> 8) % 1300) / 100.0f - 1.0f; /* some negative: silent */
    }
    ck_assert_snn_ok(snn_learner_spikeprop_run(oa, 2, ha, 4, a, tin, 11));
    ck_assert_snn_ok(snn_learner_spikeprop_run(ob, 2, hb, 4, b, tin, 11));
    ck_assert(memcmp(oa, ob, sizeof oa) == 0 && memcmp(ha, hb, sizeof ha) == 0);
  }
  /* continued training: same epoch shuffle, learning rate and updates */
  for (int e = 0; e < 2; e++) {
    double ea = 0, eb = 0;
    ck_assert_snn_ok(snn_learner_train_epoch(a, &ea, d, NULL, NULL));
    ck_assert_snn_ok(snn_learner_train_epoch(b, &eb, d, NULL, NULL));
    ck_assert(memcmp(&ea, &eb, sizeof ea) == 0);
  }
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wa, np, a));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, np, b));
  ck_assert(memcmp(wa, wb, np * sizeof(double)) == 0);
  free(wa);
  free(wb);
  free(x);
  free(ta);
  free(tb);
  free(la);
  free(lb);
}

START_TEST(test_save_load) {
  snn_dataset *d = NULL;
  snn_learner *a = saved_learner(&d);
  size_t size;
  unsigned char *b = save_bytes_l(a, &size);
  /* memory */
  snn_learner *m = NULL;
  snn_network *net = (snn_network *)&net;
  ck_assert_snn_ok(snn_learner_load_mem(&m, &net, b, size, NULL));
  ck_assert_ptr_null(net); /* a SpikeProp file holds no snn_network */
  ck_assert_str_eq(snn_learner_kind(m), "spikeprop");
  size_t size2;
  unsigned char *b2 = save_bytes_l(m, &size2); /* saves to the same bytes */
  ck_assert_uint_eq(size2, size);
  ck_assert(memcmp(b, b2, size) == 0);
  free(b2);
  /* file (load options are accepted and unused) */
  char path[512];
  snprintf(path, sizeof path, "%s/spikeprop-%d.snn", snn_test_tmpdir(), (int)getpid());
  ck_assert_snn_ok(snn_learner_save(a, path));
  snn_learner *f = NULL;
  snn_load_options lo = SNN_LOAD_OPTIONS_INIT;
  net = (snn_network *)&net;
  ck_assert_snn_ok(snn_learner_load(&f, &net, path, &lo));
  ck_assert_ptr_null(net);
  FILE *fp = fopen(path, "rb");
  ck_assert_ptr_nonnull(fp);
  unsigned char *fb = malloc(size + 1);
  ck_assert_uint_eq(fread(fb, 1, size + 1, fp), size); /* same bytes as save_mem */
  fclose(fp);
  ck_assert(memcmp(fb, b, size) == 0);
  free(fb);
  /* snn_network_load refuses it cleanly, naming the section */
  snn_network *nn = (snn_network *)&nn;
  ck_assert_snn_err(snn_network_load(&nn, path), SNN_E_FORMAT);
  ck_assert_ptr_null(nn);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "SPKP"));
  ck_assert_snn_err(snn_network_load_mem(&nn, b, size), SNN_E_FORMAT);
  ck_assert_ptr_null(nn);
  unlink(path);
  /* a learner without an encoder, through the raw interface */
  snn_learner *t = tiny(1.0 / 3.0), *t2 = NULL;
  float tin[2] = {0.0f, 2.0f}, tgt[2] = {12.0f, 15.0f};
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, t, tin, 2, tgt, 2));
  size_t ts;
  unsigned char *tb = save_bytes_l(t, &ts);
  ck_assert_snn_ok(snn_learner_load_mem(&t2, &net, tb, ts, NULL));
  float o1[2], o2[2];
  for (int r = 0; r < 20; r++) {
    float in[2] = {(float)(r % 5), (float)(r / 5) * 1.5f};
    ck_assert_snn_ok(snn_learner_spikeprop_run(o1, 2, NULL, 0, t, in, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_run(o2, 2, NULL, 0, t2, in, 2));
    ck_assert(memcmp(o1, o2, sizeof o1) == 0);
    double e1, e2;
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(&e1, t, in, 2, tgt, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(&e2, t2, in, 2, tgt, 2));
    ck_assert(memcmp(&e1, &e2, sizeof e1) == 0);
  }
  snn_learner_free(t);
  snn_learner_free(t2);
  free(tb);
  expect_same(a, m, d); /* trains both further */
  snn_dataset *d2 = NULL;
  snn_learner *a2 = saved_learner(&d2); /* a as it was saved (deterministic) */
  expect_same(a2, f, d2);
  snn_learner_free(a2);
  snn_dataset_free(d2);
  snn_learner_free(a);
  snn_learner_free(m);
  snn_learner_free(f);
  snn_dataset_free(d);
  free(b);
}
END_TEST

static void expect_sp_load_fails(const unsigned char *b, size_t n, const char *what, size_t at) {
  snn_learner *l = (snn_learner *)&l;
  snn_network *net = (snn_network *)&net;
  snn_clear_error();
  int rc = snn_learner_load_mem(&l, &net, n ? b : (const void *)"", n, NULL);
  ck_assert_msg(rc != SNN_OK, "%s %zu: load succeeded", what, at);
  ck_assert_msg(rc == SNN_E_FORMAT || rc == SNN_E_VERSION || rc == SNN_E_NOTFOUND,
                "%s %zu: unexpected code %d (%s)", what, at, rc, snn_last_error());
  ck_assert_msg(snn_last_error()[0] != '\0', "%s %zu: empty message", what, at);
  ck_assert_ptr_null(l);
  ck_assert_ptr_null(net);
}

/* a small model: every byte flipped, every truncation */
static void corrupt_sweep(snn_learner *l) {
  size_t size;
  unsigned char *b = save_bytes_l(l, &size);
  unsigned char *c = malloc(size + 1);
  static const unsigned char masks[] = {0xFF, 0x01, 0x80};
  size_t step = snn_test_quick() ? 5 : 1;
  for (size_t i = 0; i < size; i += step)
    for (size_t k = 0; k < sizeof masks; k++) {
      memcpy(c, b, size);
      c[i] ^= masks[k];
      expect_sp_load_fails(c, size, "flip at", i);
    }
  for (size_t n = 0; n < size; n += step) {
    unsigned char *t = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    memcpy(t, b, n);
    expect_sp_load_fails(t, n, "truncated to", n);
    free(t);
  }
  memcpy(c, b, size);
  c[size] = 0;
  expect_sp_load_fails(c, size + 1, "extra byte", size);
  free(c);
  free(b);
}

static snn_learner *trained_rprop(void) {
  snn_learner *l = tiny_rprop(0.02, 0);
  double w[36];
  strong_weights(l, w);
  const float tin[2][2] = {{0.0f, 2.5f}, {2.5f, 0.0f}}, tgt[2][2] = {{9.0f, 14.0f}, {14.0f, 9.0f}};
  for (int i = 0; i < 4; i++)
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, l, tin[i % 2], 2, tgt[i % 2], 2));
  return l;
}

START_TEST(test_corrupt_file) {
  snn_learner *l = tiny(1.0 / 3.0);
  corrupt_sweep(l);
  snn_learner_free(l);
  l = trained_rprop(); /* update, batch_size and the RProp state */
  corrupt_sweep(l);
  snn_learner_free(l);
}
END_TEST

/* Input ranges: a learner given the training set's ranges and fed raw
 * features behaves bitwise like one fed features scaled by
 * snn_dataset_normalize_ranges(); the ranges travel with the model file. */
static snn_dataset *raw_blobs(size_t n, unsigned seed, float *lo, float *hi) {
  snn_dataset *d = blobs(n, seed);
  float *x = malloc(n * 2 * sizeof(float));
  int32_t *y = malloc(n * sizeof(int32_t));
  ck_assert_snn_ok(snn_dataset_get(x, y, d, 0, n));
  for (size_t i = 0; i < n; i++) { /* two features on very different scales */
    x[i * 2] = 250.0f + 400.0f * x[i * 2];
    x[i * 2 + 1] = -3.0f + 0.02f * x[i * 2 + 1];
  }
  snn_dataset_free(d);
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, n, 2));
  ck_assert_snn_ok(snn_dataset_feature_ranges(lo, hi, 2, d));
  free(x);
  free(y);
  return d;
}

START_TEST(test_input_ranges) {
  float lo[2], hi[2];
  snn_dataset *raw = raw_blobs(32, 11, lo, hi);
  snn_dataset *scaled = NULL;
  size_t n = snn_dataset_size(raw);
  float *x = malloc(n * 2 * sizeof(float));
  int32_t *y = malloc(n * sizeof(int32_t));
  ck_assert_snn_ok(snn_dataset_get(x, y, raw, 0, n));
  ck_assert_snn_ok(snn_dataset_create(&scaled, x, y, n, 2));
  ck_assert_snn_ok(snn_dataset_normalize_ranges(scaled, lo, hi, 2));

  snn_learner *a = blob_learner(9), *b = blob_learner(9);
  size_t nr = 7;
  ck_assert_snn_ok(snn_learner_spikeprop_input_ranges(&nr, NULL, NULL, 0, b));
  ck_assert_uint_eq(nr, 0); /* none at creation */
  ck_assert_snn_ok(snn_learner_spikeprop_set_input_ranges(b, lo, hi, 2));
  float glo[2] = {0, 0}, ghi[2] = {0, 0};
  ck_assert_snn_ok(snn_learner_spikeprop_input_ranges(&nr, glo, ghi, 2, b));
  ck_assert_uint_eq(nr, 2);
  ck_assert(memcmp(glo, lo, sizeof lo) == 0 && memcmp(ghi, hi, sizeof hi) == 0);
  for (int e = 0; e < 3; e++) {
    double ea = 0, eb = 0;
    ck_assert_snn_ok(snn_learner_train_epoch(a, &ea, scaled, NULL, NULL));
    ck_assert_snn_ok(snn_learner_train_epoch(b, &eb, raw, NULL, NULL));
    ck_assert(memcmp(&ea, &eb, sizeof ea) == 0);
  }
  double acc_a = 0, acc_b = 0;
  ck_assert_snn_ok(snn_learner_spikeprop_evaluate(&acc_a, a, scaled));
  ck_assert_snn_ok(snn_learner_spikeprop_evaluate(&acc_b, b, raw));
  ck_assert(acc_a == acc_b && acc_a >= 0.8);
  /* raw values beyond the training range are clamped like normalize_ranges does */
  float xr[8] = {lo[0] - 100.0f, hi[1] + 5.0f, hi[0] + 1e4f, lo[1] - 1.0f, lo[0], hi[1],
                 (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2};
  snn_dataset *probe = NULL;
  int32_t yr[4] = {0, 1, 0, 1};
  ck_assert_snn_ok(snn_dataset_create(&probe, xr, yr, 4, 2));
  ck_assert_snn_ok(snn_dataset_normalize_ranges(probe, lo, hi, 2));
  float xs[8], ta[8], tb[8];
  int32_t pa[4], pb[4];
  ck_assert_snn_ok(snn_dataset_get(xs, NULL, probe, 0, 4));
  ck_assert_snn_ok(snn_learner_spikeprop_classify(pa, ta, a, xs, 4, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_classify(pb, tb, b, xr, 4, 2));
  ck_assert(memcmp(pa, pb, sizeof pa) == 0 && memcmp(ta, tb, sizeof ta) == 0);

  /* the file carries them: a reload classifies raw data the same way */
  size_t sb = 0, sa = 0;
  unsigned char *fb = save_bytes_l(b, &sb), *fa = save_bytes_l(a, &sa);
  ck_assert_uint_eq(sb, sa + 16 + 8 + 2 * 2 * 4 + 4); /* one SPRG section */
  snn_learner *c = NULL;
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&c, &net, fb, sb, NULL));
  ck_assert_snn_ok(snn_learner_spikeprop_input_ranges(&nr, glo, ghi, 2, c));
  ck_assert(nr == 2 && memcmp(glo, lo, sizeof lo) == 0 && memcmp(ghi, hi, sizeof hi) == 0);
  ck_assert_snn_ok(snn_learner_spikeprop_classify(pb, tb, c, xr, 4, 2));
  ck_assert(memcmp(pa, pb, sizeof pa) == 0 && memcmp(ta, tb, sizeof ta) == 0);
  size_t sc = 0;
  unsigned char *fc = save_bytes_l(c, &sc);
  ck_assert(sc == sb && memcmp(fc, fb, sb) == 0); /* re-saves to the same bytes */
  corrupt_sweep(c); /* truncated or flipped files with SPRG fail cleanly */

  /* bad arguments change nothing */
  float nan_lo[2] = {lo[0], NAN}, bad_hi[2] = {hi[0], lo[1] - 1.0f};
  ck_assert_snn_err(snn_learner_spikeprop_set_input_ranges(b, lo, hi, 3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_set_input_ranges(b, nan_lo, hi, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_set_input_ranges(b, lo, bad_hi, 2), SNN_E_RANGE);
  ck_assert_snn_err(snn_learner_spikeprop_set_input_ranges(b, NULL, hi, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_input_ranges(&nr, glo, ghi, 1, b), SNN_E_INVALID);
  ck_assert_uint_eq(nr, 0);
  ck_assert_snn_ok(snn_learner_spikeprop_input_ranges(&nr, glo, NULL, 2, b));
  ck_assert(nr == 2 && memcmp(glo, lo, sizeof lo) == 0);
  /* a learner without an encoder takes spike times, not features */
  snn_learner *t = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&t, 3, 2, 1, NULL, NULL, NULL));
  float one[3] = {0, 0, 0}, two[3] = {1, 1, 1};
  ck_assert_snn_err(snn_learner_spikeprop_set_input_ranges(t, one, two, 2), SNN_E_INVALID);
  snn_learner_free(t);
  /* out of memory while replacing them: NOMEM, no leak, the old ranges kept */
  float lo2[2] = {lo[0] - 1.0f, lo[1]};
  for (long fail_at = 1;; fail_at++) {
    snn_test_oom_install(fail_at);
    int rc = snn_learner_spikeprop_set_input_ranges(b, lo2, hi, 2);
    long live = snn_test_oom_live(); /* success: 3 blocks in, the 3 old ones out */
    snn_test_oom_uninstall();
    ck_assert_int_eq(live, 0);
    ck_assert_snn_ok(snn_learner_spikeprop_input_ranges(&nr, glo, NULL, 2, b));
    if (rc == SNN_OK) {
      ck_assert(glo[0] == lo2[0]);
      break;
    }
    ck_assert_int_eq(rc, SNN_E_NOMEM);
    ck_assert(glo[0] == lo[0]); /* unchanged */
    ck_assert_msg(fail_at < 10, "never succeeded");
  }
  ck_assert_snn_ok(snn_learner_spikeprop_set_input_ranges(b, lo, hi, 2));

  /* removed, the learner saves exactly as the one that never had them */
  ck_assert_snn_ok(snn_learner_spikeprop_set_input_ranges(b, NULL, NULL, 0));
  ck_assert_snn_ok(snn_learner_spikeprop_input_ranges(&nr, NULL, NULL, 0, b));
  ck_assert_uint_eq(nr, 0);
  size_t sb2 = 0;
  unsigned char *fb2 = save_bytes_l(b, &sb2);
  ck_assert(sb2 == sa && memcmp(fb2, fa, sa) == 0);

  free(fa);
  free(fb);
  free(fb2);
  free(fc);
  free(x);
  free(y);
  snn_learner_free(a);
  snn_learner_free(b);
  snn_learner_free(c);
  snn_dataset_free(probe);
  snn_dataset_free(raw);
  snn_dataset_free(scaled);
}
END_TEST

/* offset of SPKP's payload is 32 (header 16 + section head 16) */
static void fix_spkp_crc(unsigned char *b) {
  uint64_t len = 0;
  for (int i = 7; i >= 0; i--) len = (len << 8) | b[24 + i];
  uint32_t crc = snn__crc32(0, b + 16, 16 + (size_t)len);
  for (int i = 0; i < 4; i++) b[32 + len + (size_t)i] = (unsigned char)(crc >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Flips every payload byte of the SPKP section of file b (with each of the
 * masks) behind a repaired CRC: each variant either loads and re-saves to
 * the same bytes, or fails cleanly (FORMAT/NOTFOUND/VERSION, NULL handles, a
 * message). Counts both outcomes. */
static void flip_behind_crc(const unsigned char *b, size_t size, const unsigned char *masks,
                            size_t n_masks, size_t *loaded, size_t *failed) {
  unsigned char *c = malloc(size);
  ck_assert_ptr_nonnull(c);
  uint64_t len = 0;
  for (int i = 7; i >= 0; i--) len = (len << 8) | b[24 + i];
  size_t step = snn_test_quick() ? 5 : 1;
  *loaded = *failed = 0;
  for (size_t i = 32; i < 32 + len; i += step)
    for (size_t k = 0; k < n_masks; k++) {
      memcpy(c, b, size);
      c[i] ^= masks[k];
      fix_spkp_crc(c);
      snn_learner *o = (snn_learner *)&o;
      snn_network *net = (snn_network *)&net;
      snn_clear_error();
      int rc = snn_learner_load_mem(&o, &net, c, size, NULL);
      ck_assert_ptr_null(net);
      if (rc == SNN_OK) {
        (*loaded)++;
        /* whatever loaded saves back to the same bytes */
        size_t s2;
        unsigned char *b2 = save_bytes_l(o, &s2);
        ck_assert_uint_eq(s2, size);
        ck_assert_msg(memcmp(b2, c, size) == 0, "flip at %zu mask %zu: re-save differs", i, k);
        free(b2);
        snn_learner_free(o);
        continue;
      }
      (*failed)++;
      ck_assert_msg(rc == SNN_E_FORMAT || rc == SNN_E_NOTFOUND || rc == SNN_E_VERSION,
                    "flip at %zu: code %d (%s)", i, rc, snn_last_error());
      ck_assert_ptr_null(o);
      ck_assert(snn_last_error()[0] != '\0');
    }
  free(c);
}

/* Payload bytes changed with the CRC repaired reach the parser: loading may
 * succeed (a changed weight is a valid file) but fails cleanly otherwise. */
START_TEST(test_corrupt_behind_crc) {
  snn_learner *l = tiny(1.0 / 3.0);
  size_t size;
  unsigned char *b = save_bytes_l(l, &size);
  unsigned char *c = malloc(size);
  uint64_t len = 0;
  for (int i = 7; i >= 0; i--) len = (len << 8) | b[24 + i];
  static const unsigned char masks[] = {0xFF, 0x01, 0x80, 0x40};
  size_t loaded, failed;
  flip_behind_crc(b, size, masks, sizeof masks, &loaded, &failed);
  ck_assert(loaded > 0); /* weight flips load */
  /* targeted: a NaN weight (the last one) is named with section and offset */
  size_t np = snn_learner_n_params(l), last = 32 + len - 8;
  ck_assert_uint_eq(np, 36);
  memcpy(c, b, size);
  put_u64(c + last, 0x7ff8000000000000ull);
  fix_spkp_crc(c);
  snn_learner *o = (snn_learner *)&o;
  snn_network *net = (snn_network *)&net;
  ck_assert_snn_err(snn_learner_load_mem(&o, &net, c, size, NULL), SNN_E_FORMAT);
  ck_assert_ptr_null(o);
  char want[64];
  snprintf(want, sizeof want, "byte offset %zu", last);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "SPKP"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), want));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "weight 35"));
  /* huge sizes are refused before any allocation: n_in = 2^20, n_out = 2^20
   * (the kind string "spikeprop" takes 2 + 9 bytes) */
  memcpy(c, b, size);
  put_u64(c + 32 + 11, (uint64_t)1 << 20);
  put_u64(c + 32 + 11 + 16, (uint64_t)1 << 20);
  fix_spkp_crc(c);
  ck_assert_snn_err(snn_learner_load_mem(&o, &net, c, size, NULL), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "truncated"));
  memcpy(c, b, size);
  put_u64(c + 32 + 11, UINT64_MAX);
  fix_spkp_crc(c);
  ck_assert_snn_err(snn_learner_load_mem(&o, &net, c, size, NULL), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "n_in"));
  free(c);
  free(b);
  snn_learner_free(l);
}
END_TEST

/* the same with the CRC repaired, on a file with RProp state: flips either
 * load (and re-save to the same bytes) or fail cleanly; a negative step is
 * refused with its name and offset */
START_TEST(test_corrupt_rprop_behind_crc) {
  snn_learner *l = trained_rprop();
  size_t size;
  unsigned char *b = save_bytes_l(l, &size);
  unsigned char *c = malloc(size);
  uint64_t len = 0;
  for (int i = 7; i >= 0; i--) len = (len << 8) | b[24 + i];
  static const unsigned char masks[] = {0xFF, 0x01, 0x80};
  size_t loaded, failed;
  flip_behind_crc(b, size, masks, sizeof masks, &loaded, &failed);
  ck_assert(loaded > 0 && failed > 0);
  /* the RProp steps are the 36 doubles before the last 36: make the first negative */
  size_t at = 32 + len - 8 * 72;
  memcpy(c, b, size);
  double neg = -0.5;
  uint64_t u;
  memcpy(&u, &neg, 8);
  put_u64(c + at, u);
  fix_spkp_crc(c);
  snn_learner *o = (snn_learner *)&o;
  snn_network *net = NULL;
  ck_assert_snn_err(snn_learner_load_mem(&o, &net, c, size, NULL), SNN_E_FORMAT);
  ck_assert_ptr_null(o);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "RProp step 0 is negative"));
  char want[64];
  snprintf(want, sizeof want, "byte offset %zu", at);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), want));
  free(c);
  free(b);
  snn_learner_free(l);
}
END_TEST

/* removes the option entry (str name, u8 type, f64) called name from a saved
 * SPKP file of size *n; fixes the option count, section length and CRC */
static void drop_option(unsigned char *b, size_t *n, const char *name) {
  size_t nl = strlen(name), at = 0;
  for (size_t i = 32; i + nl + 2 <= *n && !at; i++)
    if (b[i] == nl && b[i + 1] == 0 && memcmp(b + i + 2, name, nl) == 0) at = i;
  ck_assert_msg(at > 0, "option %s not found", name);
  size_t el = 2 + nl + 1 + 8;
  memmove(b + at, b + at + el, *n - at - el);
  *n -= el;
  size_t cnt_at = 32 + 11 + 3 * 8 + 2 * 8 + 8; /* kind, sizes, tau, threshold, seed */
  ck_assert(b[cnt_at] > 0);
  b[cnt_at]--;
  uint64_t len = 0;
  for (int i = 7; i >= 0; i--) len = (len << 8) | b[24 + i];
  put_u64(b + 24, len - el);
  fix_spkp_crc(b);
}

/* f (size bytes) without the options named in drop (NULL-terminated) must
 * load and re-save to exactly f; returns the reduced file's size */
static size_t older_file_loads(const unsigned char *f, size_t size, const char *const *drop) {
  unsigned char *old = malloc(size);
  memcpy(old, f, size);
  size_t n = size, size2 = 0;
  for (; *drop; drop++) drop_option(old, &n, *drop);
  snn_learner *b = NULL;
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&b, &net, old, n, NULL));
  ck_assert_ptr_null(net);
  unsigned char *f2 = save_bytes_l(b, &size2);
  ck_assert_uint_eq(size2, size);
  ck_assert(memcmp(f, f2, size) == 0);
  free(f2);
  free(old);
  snn_learner_free(b);
  return n;
}

/* ... must be refused with SNN_E_FORMAT, *out left NULL, the message
 * containing want */
static void older_file_refused(const unsigned char *f, size_t size, const char *const *drop,
                               const char *want) {
  unsigned char *old = malloc(size);
  memcpy(old, f, size);
  size_t n = size;
  for (; *drop; drop++) drop_option(old, &n, *drop);
  snn_learner *b = (snn_learner *)&b;
  snn_network *net = NULL;
  ck_assert_snn_err(snn_learner_load_mem(&b, &net, old, n, NULL), SNN_E_FORMAT);
  ck_assert_ptr_null(b);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), want));
  free(old);
}

/* weight_decay and momentum (with its state) are saved; a learner with
 * momentum continues training bitwise-identically after a reload; a file
 * without these two options (written before them) loads with 0 */
START_TEST(test_save_load_update_options) {
  snn_learner *a = tiny_opts(0.01, 0.7), *b = NULL;
  double w[36];
  strong_weights(a, w);
  const float tin[2] = {0.0f, 2.5f}, tgt[2] = {9.0f, 14.0f};
  for (int i = 0; i < 3; i++)
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, a, tin, 2, tgt, 2));
  size_t size, size2;
  unsigned char *f = save_bytes_l(a, &size);
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&b, &net, f, size, NULL));
  unsigned char *f2 = save_bytes_l(b, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(f, f2, size) == 0);
  free(f2);
  double wa[36], wb[36];
  for (int i = 0; i < 3; i++) {
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, a, tin, 2, tgt, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, b, tin, 2, tgt, 2));
  }
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wa, 36, a));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
  ck_assert(memcmp(wa, wb, sizeof wa) == 0);
  /* the momentum state is in the file: without it (weights_set zeroes it)
   * the continuation differs */
  snn_learner_free(b);
  ck_assert_snn_ok(snn_learner_load_mem(&b, &net, f, size, NULL));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(b, wb, 36));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, b, tin, 2, tgt, 2));
  snn_learner *c = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&c, &net, f, size, NULL));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, c, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wa, 36, c));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
  ck_assert(memcmp(wa, wb, sizeof wa) != 0);
  snn_learner_free(b);
  snn_learner_free(c);
  /* truncating the momentum state fails cleanly */
  expect_sp_load_fails(f, size - 8 * 36, "without momentum state", 0);
  free(f);
  snn_learner_free(a);
  /* older layouts: a file without the later options loads with their
   * defaults and re-saves to the current bytes */
  snn_learner *t = tiny(1.0 / 3.0);
  f = save_bytes_l(t, &size);
  size_t n_old = older_file_loads(f, size, (const char *const[]){"weight_decay", "momentum",
                                                                  "update", "batch_size",
                                                                  "late_push", NULL});
  ck_assert_uint_eq(n_old, size - 23 - 19 - 17 - 21 - 20); /* 13 options */
  older_file_loads(f, size, (const char *const[]){"update", "batch_size", "late_push", NULL});
  n_old = older_file_loads(f, size, (const char *const[]){"late_push", NULL}); /* 17 */
  ck_assert_uint_eq(n_old, size - 20);
  /* the right count, but not the options of that layout */
  older_file_refused(f, size, (const char *const[]){"weight_decay", "batch_size", "late_push",
                                                     NULL}, "weight_decay");
  older_file_refused(f, size, (const char *const[]){"weight_decay", "t_late", "late_push", NULL},
                     "t_late");
  older_file_refused(f, size, (const char *const[]){"momentum", NULL}, "momentum");
  /* 16 options is no layout */
  older_file_refused(f, size, (const char *const[]){"momentum", "late_push", NULL},
                     "16 options");
  unsigned char *old = malloc(size);
  /* batch_size 0 is not a resolved value (the learner stores 1) */
  memcpy(old, f, size);
  {
    size_t at = 0;
    for (size_t i = 32; i + 12 <= size && !at; i++)
      if (old[i] == 10 && old[i + 1] == 0 && memcmp(old + i + 2, "batch_size", 10) == 0) at = i;
    ck_assert(at > 0);
    put_u64(old + at + 13, 0); /* the f64 1.0 -> 0.0 */
    fix_spkp_crc(old);
    ck_assert_snn_err(snn_learner_load_mem(&b, &net, old, size, NULL), SNN_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(snn_last_error(), "batch_size"));
  }
  free(old);
  free(f);
  snn_learner_free(t);
}
END_TEST

/* update RPROP and batch_size are saved with the RProp state; a reloaded
 * learner continues bitwise-identically, and the state matters */
START_TEST(test_save_load_rprop) {
  snn_learner *a = trained_rprop(), *b = NULL, *c = NULL;
  size_t size, size2;
  unsigned char *f = save_bytes_l(a, &size);
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&b, &net, f, size, NULL));
  unsigned char *f2 = save_bytes_l(b, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(f, f2, size) == 0);
  free(f2);
  const float tin[2] = {2.5f, 0.0f}, tgt[2] = {14.0f, 9.0f};
  double wa[36], wb[36];
  for (int i = 0; i < 3; i++) {
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, a, tin, 2, tgt, 2));
    ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, b, tin, 2, tgt, 2));
  }
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wa, 36, a));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
  ck_assert(memcmp(wa, wb, sizeof wa) == 0);
  /* without the state (weights_set resets it) the next step differs */
  snn_learner_free(b);
  ck_assert_snn_ok(snn_learner_load_mem(&b, &net, f, size, NULL));
  ck_assert_snn_ok(snn_learner_load_mem(&c, &net, f, size, NULL));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(b, wb, 36));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, b, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_train_example(NULL, c, tin, 2, tgt, 2));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wa, 36, c));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(wb, 36, b));
  ck_assert(memcmp(wa, wb, sizeof wa) != 0);
  /* the file holds 2 x 36 state values: cut them (or half) and it fails */
  expect_sp_load_fails(f, size - 8 * 72, "without RProp state", 0);
  expect_sp_load_fails(f, size - 8 * 36, "without RProp gradient", 0);
  snn_learner_free(b);
  snn_learner_free(c);
  snn_learner_free(a);
  free(f);
}
END_TEST

/* A loaded learner tells everything snn_learner_create_spikeprop() needs: a learner
 * rebuilt from sizes, models and options alone, given the weights, classifies
 * bitwise like the original. */
START_TEST(test_getters_rebuild) {
  snn_dataset *d = NULL;
  snn_learner *s = saved_learner(&d), *r = NULL;
  size_t size;
  unsigned char *f = save_bytes_l(s, &size);
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&r, &net, f, size, NULL));
  free(f);

  snn_spikeprop_options a = SNN_SPIKEPROP_OPTIONS_INIT, b = SNN_SPIKEPROP_OPTIONS_INIT;
  memset(&a, 0xAB, sizeof a); /* every field must be written */
  a.struct_size = sizeof a;
  ck_assert_snn_ok(snn_learner_spikeprop_options_get(&a, s));
  ck_assert_snn_ok(snn_learner_spikeprop_options_get(&b, r));
  ck_assert(memcmp(&a, &b, sizeof a) == 0);
  ck_assert_uint_eq(b.struct_size, sizeof b);
  ck_assert_uint_eq(b.terminals, 6);
  ck_assert_uint_eq(b.bias, 1);
  ck_assert_uint_eq(b.seed, 77);
  ck_assert_double_eq(b.learning_rate, 0.015); /* the current rate, not the initial 0.02 */
  ck_assert_double_eq(b.t_early, 11);
  ck_assert_double_eq(b.t_late, 17);
  ck_assert_double_eq(b.inhibitory_fraction, 0.25);
  ck_assert_double_eq(b.t_max, 50);      /* defaults come back resolved */
  ck_assert_double_eq(b.denom_floor, 0.1);
  ck_assert_uint_eq(b.batch_size, 1);

  /* an older caller's smaller struct: its fields written, the bytes after it untouched */
  snn_spikeprop_options old;
  memset(&old, 0x5A, sizeof old);
  old.struct_size = offsetof(snn_spikeprop_options, late_push);
  ck_assert_snn_ok(snn_learner_spikeprop_options_get(&old, r));
  ck_assert_uint_eq(old.struct_size, offsetof(snn_spikeprop_options, late_push));
  ck_assert_uint_eq(old.batch_size, 1);
  unsigned char tail[sizeof old.late_push];
  memset(tail, 0x5A, sizeof tail);
  ck_assert(memcmp(&old.late_push, tail, sizeof tail) == 0);

  snn_neuron_model *m = NULL;
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_learner_spikeprop_models(&m, &e, r));
  ck_assert_str_eq(snn_neuron_model_kind(m), "srm");
  double v = 0;
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "tau"));
  ck_assert_double_eq(v, 6.5);
  ck_assert_str_eq(snn_encoder_kind(e), "population");
  ck_assert_snn_ok(snn_encoder_get(&v, e, "m"));
  ck_assert_double_eq(v, 5);
  size_t nf = 0, ni = 0, nh = 0, no = 0;
  ck_assert_snn_ok(snn_learner_spikeprop_n_features(&nf, r));
  ck_assert_uint_eq(nf, 2); /* 2 * 5 fields + bias = 11 inputs */
  ck_assert_uint_eq(nf, snn_dataset_n_features(d));
  ck_assert_snn_ok(snn_learner_spikeprop_sizes(&ni, &nh, &no, r));

  snn_learner *c = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&c, ni, nh, no, m, e, &b));
  size_t np = snn_learner_n_params(r);
  ck_assert_uint_eq(np, snn_learner_n_params(c));
  double *w = malloc(np * sizeof *w);
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w, np, r));
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(c, w, np));
  size_t n = snn_dataset_size(d);
  float *x = malloc(n * nf * sizeof *x), *t1 = malloc(n * no * sizeof *t1),
        *t2 = malloc(n * no * sizeof *t2);
  int32_t *y1 = malloc(n * sizeof *y1), *y2 = malloc(n * sizeof *y2);
  ck_assert_snn_ok(snn_dataset_get(x, NULL, d, 0, n));
  ck_assert_snn_ok(snn_learner_spikeprop_classify(y1, t1, s, x, n, nf));
  ck_assert_snn_ok(snn_learner_spikeprop_classify(y2, t2, c, x, n, nf));
  ck_assert(memcmp(t1, t2, n * no * sizeof *t1) == 0);
  ck_assert(memcmp(y1, y2, n * sizeof *y1) == 0);
  /* one feature too many is refused, not misread */
  ck_assert_snn_err(snn_learner_spikeprop_classify(y2, t2, c, x, n, nf + 1), SNN_E_INVALID);

  /* NULL outputs are skipped; no encoder: n_in - bias features, enc NULL */
  snn_neuron_model_free(m);
  snn_encoder_free(e);
  m = NULL;
  e = (snn_encoder *)&e;
  snn_learner *t = tiny(0);
  ck_assert_snn_ok(snn_learner_spikeprop_models(NULL, &e, t));
  ck_assert_ptr_null(e);
  ck_assert_snn_ok(snn_learner_spikeprop_n_features(&nf, t));
  ck_assert_uint_eq(nf, 2);
  ck_assert_snn_ok(snn_learner_spikeprop_models(&m, NULL, t));
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "tau"));
  ck_assert_double_eq(v, 7); /* the srm default the learner was created with */
  snn_neuron_model_free(m);
  m = NULL;
  snn_neuron_model *m2 = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m2, "srm"));
  ck_assert_snn_ok(snn_neuron_model_set(m2, "threshold", 1.25));
  snn_learner *th = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&th, 3, 2, 1, m2, NULL, NULL));
  snn_neuron_model_free(m2);
  ck_assert_snn_ok(snn_learner_spikeprop_models(&m, NULL, th));
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "threshold"));
  ck_assert_double_eq(v, 1.25);
  snn_learner_free(th);

  snn_neuron_model_free(m);
  snn_learner_free(t);
  snn_learner_free(c);
  snn_learner_free(s);
  snn_learner_free(r);
  snn_dataset_free(d);
  free(w), free(x), free(t1), free(t2), free(y1), free(y2);
}
END_TEST

START_TEST(test_save_bad_arguments) {
  snn_learner *l = tiny(0);
  size_t n;
  unsigned char buf[8];
  ck_assert_snn_err(snn_learner_save(NULL, "x.snn"), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_save(l, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_save(l, ""), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_save_mem(NULL, l, NULL, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_save_mem(&n, NULL, NULL, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_save_mem(&n, l, buf, sizeof buf), SNN_E_RANGE);
  ck_assert_uint_gt(n, sizeof buf);
  char path[512];
  snprintf(path, sizeof path, "%s/no-such-dir/sp.snn", snn_test_tmpdir());
  ck_assert_snn_err(snn_learner_save(l, path), SNN_E_IO);
  snn_learner *o = (snn_learner *)&o;
  snn_network *net = (snn_network *)&net;
  ck_assert_snn_err(snn_learner_load(&o, &net, path, NULL), SNN_E_IO);
  ck_assert_ptr_null(o);
  ck_assert_ptr_null(net);
  snn_learner_free(l);
}
END_TEST

/* ---- argument checking ----------------------------------------------------- */

static int cancel_cb(const snn_progress *p, void *user) {
  (void)p;
  ++*(int *)user;
  return 1;
}

/* Found by review: an encoder whose inputs per feature do not divide n_in
 * (minus the bias) made a learner nothing could use; default targets above a
 * short t_max get a message saying what to set. */
START_TEST(test_create_consistency) {
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "population"));
  ck_assert_snn_ok(snn_encoder_set(e, "m", 4));
  snn_learner *l = NULL;
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 10, 3, 2, NULL, e, &o), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "4 inputs per feature"));
  ck_assert_ptr_null(l);
  o.bias = 1;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 9, 3, 2, NULL, e, &o)); /* 2 features + bias */
  size_t nf = 0;
  ck_assert_snn_ok(snn_learner_spikeprop_n_features(&nf, l));
  ck_assert_uint_eq(nf, 2);
  snn_learner_free(l);
  l = NULL;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 1, 3, 2, NULL, e, &o), SNN_E_INVALID);
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 1, 3, 2, NULL, NULL, &o)); /* no encoder */
  snn_learner_free(l);
  l = NULL;
  snn_encoder_free(e);
  o = (snn_spikeprop_options)SNN_SPIKEPROP_OPTIONS_INIT;
  o.t_max = 10;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 3, 3, 2, NULL, NULL, &o), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "set t_early and t_late"));
  o.t_early = 4;
  o.t_late = 8;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 3, 3, 2, NULL, NULL, &o));
  snn_learner_free(l);
}
END_TEST

START_TEST(test_bad_arguments) {
  snn_learner *l = NULL;
  snn_spikeprop_options o;
  ck_assert_snn_err(snn_spikeprop_options_init(NULL, sizeof o), SNN_E_INVALID);
  ck_assert_snn_err(snn_spikeprop_options_init(&o, 4), SNN_E_VERSION);
  ck_assert_snn_ok(snn_spikeprop_options_init(&o, sizeof o));
  ck_assert_snn_err(snn_learner_create_spikeprop(NULL, 2, 2, 1, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 0, 2, 1, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 0, 1, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 0, NULL, NULL, NULL), SNN_E_INVALID);
  struct {
    double *field;
    double value;
    int code;
  } cases[] = {{&o.learning_rate, NAN, SNN_E_INVALID}, {&o.learning_rate, -1, SNN_E_RANGE},
               {&o.delay_min, -1, SNN_E_RANGE},        {&o.inhibitory_fraction, 1.5, SNN_E_RANGE},
               {&o.t_max, INFINITY, SNN_E_INVALID},    {&o.t_max, 1e9, SNN_E_RANGE},
               {&o.denom_floor, -0.1, SNN_E_RANGE},    {&o.t_early, 60, SNN_E_RANGE},
               {&o.t_late, -1, SNN_E_RANGE},           {&o.w_init_max, -5, SNN_E_RANGE},
               {&o.weight_decay, -1e-3, SNN_E_RANGE},  {&o.weight_decay, NAN, SNN_E_INVALID},
               {&o.momentum, 1.0, SNN_E_RANGE},        {&o.momentum, -0.1, SNN_E_RANGE},
               {&o.momentum, INFINITY, SNN_E_INVALID}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ck_assert_snn_ok(snn_spikeprop_options_init(&o, sizeof o));
    *cases[i].field = cases[i].value;
    ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), cases[i].code);
    ck_assert_ptr_null(l);
  }
  ck_assert_snn_ok(snn_spikeprop_options_init(&o, sizeof o));
  o.terminals = 1000;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), SNN_E_RANGE);
  o.terminals = 0;
  o.bias = 2;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), SNN_E_RANGE);
  o.bias = 0;
  o.update = 2;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "update"));
  o.update = SNN_SPIKEPROP_RPROP;
  o.momentum = 0.5; /* momentum has no meaning for RProp */
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "momentum"));
  ck_assert_ptr_null(l);
  o.momentum = 0;
  o.batch_size = UINT32_MAX; /* any size: more than the data means one update per epoch */
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, &o));
  snn_learner_free(l);
  l = NULL;
  /* larger struct with a non-zero unknown tail */
  unsigned char big[sizeof(snn_spikeprop_options) + 8];
  memset(big, 0, sizeof big);
  snn_spikeprop_options *ob = (snn_spikeprop_options *)(void *)big;
  ob->struct_size = sizeof big;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, ob));
  snn_learner_free(l);
  big[sizeof big - 1] = 1;
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, ob), SNN_E_VERSION);
  /* wrong neuron kind / encoder kind; tau/t_max ratio */
  snn_neuron_model *lif = NULL, *srm = NULL;
  snn_encoder *rate = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&lif, "lif"));
  ck_assert_snn_ok(snn_neuron_model_create(&srm, "srm"));
  ck_assert_snn_ok(snn_encoder_create(&rate, "rate"));
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, lif, NULL, NULL), SNN_E_UNSUPPORTED);
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, rate, NULL), SNN_E_UNSUPPORTED);
  ck_assert_snn_ok(snn_neuron_model_set(srm, "tau", 0.01));
  ck_assert_snn_err(snn_learner_create_spikeprop(&l, 2, 2, 1, srm, NULL, NULL), SNN_E_RANGE);
  snn_neuron_model_free(lif);
  snn_neuron_model_free(srm);
  snn_encoder_free(rate);

  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 2, 1, NULL, NULL, NULL));
  float tin[2] = {0, 1}, tgt[1] = {10}, to[1], th[2];
  double g[128], w[128], err;
  size_t n = snn_learner_n_params(l);
  ck_assert_uint_eq(n, 2 * 2 * 16 + 2 * 1 * 16);
  ck_assert_snn_err(snn_learner_spikeprop_run(NULL, 1, NULL, 0, l, tin, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 1, NULL, 0, NULL, tin, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 1, NULL, 0, l, NULL, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 2, NULL, 0, l, tin, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 1, th, 3, l, tin, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 1, NULL, 0, l, tin, 3), SNN_E_INVALID);
  tin[1] = NAN;
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 1, NULL, 0, l, tin, 2), SNN_E_INVALID);
  tin[1] = 1;
  ck_assert_snn_ok(snn_learner_spikeprop_run(to, 1, th, 2, l, tin, 2));
  ck_assert_snn_err(snn_learner_spikeprop_train_example(&err, NULL, tin, 2, tgt, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_train_example(&err, l, NULL, 2, tgt, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_train_example(&err, l, tin, 2, NULL, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_train_example(&err, l, tin, 2, tgt, 2), SNN_E_INVALID);
  tgt[0] = 51;
  ck_assert_snn_err(snn_learner_spikeprop_train_example(&err, l, tin, 2, tgt, 1), SNN_E_RANGE);
  tgt[0] = NAN;
  ck_assert_snn_err(snn_learner_spikeprop_train_example(&err, l, tin, 2, tgt, 1), SNN_E_INVALID);
  tgt[0] = 10;
  ck_assert_snn_err(snn_learner_spikeprop_gradient(NULL, n, &err, l, tin, 2, tgt, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_gradient(g, n - 1, &err, l, tin, 2, tgt, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_gradient(g, n, &err, NULL, tin, 2, tgt, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_gradient(g, n, &err, l, NULL, 2, tgt, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_gradient(g, n, &err, l, tin, 2, NULL, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_weights_get(NULL, n, l), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_weights_get(w, n + 1, l), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_weights_get(w, n, NULL), SNN_E_INVALID);
  ck_assert_snn_ok(snn_learner_spikeprop_weights_get(w, n, l));
  ck_assert_snn_err(snn_learner_spikeprop_weights_set(NULL, w, n), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_weights_set(l, NULL, n), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_weights_set(l, w, 3), SNN_E_INVALID);
  double keep = w[5];
  w[5] = INFINITY;
  ck_assert_snn_err(snn_learner_spikeprop_weights_set(l, w, n), SNN_E_INVALID);
  w[5] = keep;
  ck_assert_snn_ok(snn_learner_spikeprop_weights_set(l, w, n));
  /* generic entry points */
  ck_assert_snn_err(snn_learner_set_learning_rate(l, -1), SNN_E_RANGE);
  ck_assert_snn_err(snn_learner_set_learning_rate(l, NAN), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_set_epoch(l, 3), SNN_E_UNSUPPORTED);
  float gf[1];
  int32_t lab[1] = {0};
  ck_assert_snn_err(snn_learner_gradient(l, gf, 1, NULL, tin, lab, 1, 2), SNN_E_UNSUPPORTED);
  ck_assert_snn_err(snn_learner_train_batch(l, NULL, tin, lab, 1, 2), SNN_E_UNSUPPORTED);
  ck_assert_snn_err(snn_learner_stdp_train(l, NULL, 0, NULL, NULL), SNN_E_INVALID);
  /* datasets: features must encode to n_in (no encoder: 2 features = 2 times) */
  float x3[3] = {0, 1, 2}, x2[4] = {0, 1, 3, 0};
  int32_t y2[2] = {0, 1}, p2[2];
  snn_dataset *d3 = NULL, *d2 = NULL, *dnl = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d3, x3, y2, 1, 3));
  ck_assert_snn_ok(snn_dataset_create(&d2, x2, y2, 2, 2));
  ck_assert_snn_ok(snn_dataset_create(&dnl, x2, NULL, 2, 2));
  ck_assert_snn_err(snn_learner_train_epoch(l, NULL, d3, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_epoch(l, NULL, dnl, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_train_epoch(l, NULL, d2, NULL, NULL), SNN_E_INVALID); /* 2 classes, 1 output */
  double acc;
  ck_assert_snn_err(snn_learner_spikeprop_evaluate(NULL, l, d3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_evaluate(&acc, NULL, d3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_evaluate(&acc, l, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_evaluate(&acc, l, d3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_classify(p2, NULL, NULL, x2, 2, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_classify(p2, NULL, l, NULL, 2, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_classify(p2, NULL, l, x2, 0, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_classify(p2, NULL, l, x3, 1, 3), SNN_E_INVALID);
  ck_assert_snn_ok(snn_learner_spikeprop_classify(p2, NULL, l, x2, 2, 2));
  snn_learner_free(l);
  /* cancel through the progress callback */
  snn_spikeprop_options o2 = SNN_SPIKEPROP_OPTIONS_INIT;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 2, 2, 2, NULL, NULL, &o2));
  int calls = 0;
  ck_assert_snn_err(snn_learner_train_epoch(l, NULL, d2, cancel_cb, &calls), SNN_E_CANCELED);
  ck_assert_int_eq(calls, 1);
  snn_learner_free(l);
  snn_dataset_free(d3);
  snn_dataset_free(d2);
  snn_dataset_free(dnl);
  /* a bptt learner is not a SpikeProp learner */
  snn_network *net = NULL;
  snn_layer *ly = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 2));
  snn_neuron_model *lm = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&lm, "lif"));
  ck_assert_snn_ok(snn_layer_create_dense(&ly, 2, 1, lm));
  snn_neuron_model_free(lm);
  ck_assert_snn_ok(snn_network_add_layer(net, ly));
  ck_assert_snn_ok(snn_learner_create_bptt(&l, net, NULL));
  ck_assert_snn_err(snn_learner_spikeprop_run(to, 1, NULL, 0, l, tin, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_spikeprop_weights_get(w, n, l), SNN_E_INVALID);
  snn_learner_free(l);
  snn_network_free(net);
}
END_TEST

static int oom_create(void) {
  snn_encoder *enc = NULL;
  snn_learner *l = NULL;
  int rc = snn_encoder_create(&enc, "population");
  if (rc == SNN_OK) {
    snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
    rc = snn_learner_create_spikeprop(&l, 20, 3, 2, NULL, enc, &o);
    if (rc != SNN_OK) ck_assert_ptr_null(l);
  }
  if (rc == SNN_OK) {
    float x[2] = {0.2f, 0.8f};
    int32_t y[2] = {0, 1};
    snn_dataset *d = NULL;
    rc = snn_dataset_create(&d, x, y, 1, 2);
    if (rc == SNN_OK) rc = snn_learner_train_epoch(l, NULL, d, NULL, NULL);
    double acc;
    if (rc == SNN_OK) rc = snn_learner_spikeprop_evaluate(&acc, l, d);
    snn_dataset_free(d);
  }
  if (rc == SNN_OK) { /* copies of the neuron model and the encoder */
    snn_neuron_model *m = NULL;
    snn_encoder *e = NULL;
    rc = snn_learner_spikeprop_models(&m, &e, l);
    if (rc != SNN_OK) ck_assert(m == NULL && e == NULL);
    snn_neuron_model_free(m);
    snn_encoder_free(e);
  }
  snn_learner_free(l);
  snn_encoder_free(enc);
  return rc;
}

START_TEST(test_oom) {
  for (long fail_at = 1; fail_at < 1000; fail_at++) {
    snn_test_oom_install(fail_at);
    int rc = oom_create();
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    ck_assert_msg(live == 0, "fail_at %ld leaked %ld blocks", fail_at, live);
    if (rc == SNN_OK) return;
    ck_assert_msg(rc == SNN_E_NOMEM, "fail_at %ld returned %d (%s)", fail_at, rc,
                  snn_last_error());
  }
  ck_abort_msg("never succeeded");
}
END_TEST

Suite *suite_spikeprop(void) {
  Suite *s = suite_create("spikeprop");
  TCase *tc = tcase_create("srm");
  tcase_add_test(tc, test_kernel);
  tcase_add_test(tc, test_cross);
  tcase_add_test(tc, test_srm_kind);
  suite_add_tcase(s, tc);
  tc = tcase_create("learning");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_gradient_fd);
  tcase_add_test(tc, test_silent_output);
  tcase_add_test(tc, test_dead_output_recovers);
  tcase_add_test(tc, test_late_push);
  tcase_add_test(tc, test_weight_decay);
  tcase_add_test(tc, test_momentum);
  tcase_add_test(tc, test_rprop);
  tcase_add_test(tc, test_rprop_max_step);
  tcase_add_test(tc, test_batch);
  tcase_add_test(tc, test_xor);
  tcase_add_test(tc, test_dataset);
  suite_add_tcase(s, tc);
  tc = tcase_create("files");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_save_load);
  tcase_add_test(tc, test_corrupt_file);
  tcase_add_test(tc, test_corrupt_behind_crc);
  tcase_add_test(tc, test_save_bad_arguments);
  tcase_add_test(tc, test_getters_rebuild);
  tcase_add_test(tc, test_save_load_update_options);
  tcase_add_test(tc, test_save_load_rprop);
  tcase_add_test(tc, test_corrupt_rprop_behind_crc);
  tcase_add_test(tc, test_input_ranges);
  suite_add_tcase(s, tc);
  tc = tcase_create("api");
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_create_consistency);
  tcase_add_test(tc, test_oom);
  suite_add_tcase(s, tc);
  return s;
}

/* STDP learner (src/learn/stdp.c): closed-form weight changes of every rule,
 * normalisation, adaptive threshold, a tiny learning task, custom rules,
 * argument checking, OOM sweep. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/learn/stdp_impl.h"
#include "internal.h"
#include "testutil.h"

/* snn_learner_free() dispatches to snn__stdp_destroy() (stdp_impl.h). */
#define LFREE(l) snn_learner_free(l)

/* network with one dense layer n_in -> n_out */
static snn_network *make_net(size_t n_in, size_t n_out) {
  snn_network *net = NULL;
  snn_neuron_model *m = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, n_in));
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  ck_assert_snn_ok(snn_layer_create_dense(&l, n_in, n_out, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  return net;
}

/* public layout W[o][i] */
static float get_w(snn_network *net, size_t o, size_t i) {
  snn_layer *l = snn_network_layer(net, 0);
  size_t n = snn_layer_param_size(l, SNN_PARAM_WEIGHTS);
  float *w = malloc(n * sizeof *w);
  ck_assert_ptr_nonnull(w);
  ck_assert_snn_ok(snn_layer_param_get(w, l, SNN_PARAM_WEIGHTS, n));
  float v = w[o * snn_layer_n_inputs(l) + i];
  free(w);
  return v;
}

static void set_all_w(snn_network *net, float v) {
  snn_layer *l = snn_network_layer(net, 0);
  size_t n = snn_layer_param_size(l, SNN_PARAM_WEIGHTS);
  float *w = malloc(n * sizeof *w);
  ck_assert_ptr_nonnull(w);
  for (size_t k = 0; k < n; k++) w[k] = v;
  ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, w, n));
  free(w);
}

/* Runs spike rasters on a 1 -> 1 network: pre spikes at the given steps, post
 * spikes at the given steps (-1 terminated); returns the weight change. */
static double run_pairs(int rule, const int *pre_steps, const int *post_steps, size_t n_steps,
                        float w0, snn_stdp_options *o_in) {
  snn_network *net = make_net(1, 1);
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  if (o_in) o = *o_in;
  o.rule = rule;
  o.flags |= SNN_STDP_KEEP_WEIGHTS;
  set_all_w(net, w0);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
  uint8_t *pre = calloc(n_steps, 1), *post = calloc(n_steps, 1);
  for (const int *p = pre_steps; *p >= 0; p++) pre[*p] = 1;
  for (const int *p = post_steps; *p >= 0; p++) post[*p] = 1;
  ck_assert_snn_ok(snn_learner_stdp_apply(l, pre, n_steps, post, n_steps, n_steps));
  double dw = (double)get_w(net, 0, 0) - w0;
  free(pre);
  free(post);
  LFREE(l);
  snn_network_free(net);
  return dw;
}

#define DT 0.5
#define K 20 /* +/- 10 ms */

START_TEST(test_pair_additive) {
  const int a[] = {0, -1}, b[] = {K, -1};
  double ltp = run_pairs(SNN_STDP_PAIR_ADDITIVE, a, b, K + 1, 0.5f, NULL);
  double ltd = run_pairs(SNN_STDP_PAIR_ADDITIVE, b, a, K + 1, 0.5f, NULL);
  ck_assert_double_eq_tol(ltp, 1e-2 * exp(-K * DT / 20.0), 1e-6);
  ck_assert_double_eq_tol(ltd, -1e-4 * exp(-K * DT / 20.0), 1e-7);
  /* hard bounds */
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.a_plus = 0.5;
  double clipped = run_pairs(SNN_STDP_PAIR_ADDITIVE, a, b, K + 1, 0.9f, &o);
  ck_assert_double_eq_tol(clipped, 0.1, 1e-6);
  /* custom amplitudes and time constants */
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.a_plus = 0.03;
  o.a_minus = 0.02;
  o.tau_plus = 5;
  o.tau_minus = 40;
  ck_assert_double_eq_tol(run_pairs(SNN_STDP_PAIR_ADDITIVE, a, b, K + 1, 0.5f, &o),
                          0.03 * exp(-K * DT / 5.0), 1e-6);
  ck_assert_double_eq_tol(run_pairs(SNN_STDP_PAIR_ADDITIVE, b, a, K + 1, 0.5f, &o),
                          -0.02 * exp(-K * DT / 40.0), 1e-6);
}
END_TEST

START_TEST(test_pair_multiplicative) {
  const int a[] = {0, -1}, b[] = {K, -1};
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.a_plus = 0.1;
  o.a_minus = 0.2;
  o.w_min = -0.5;
  o.w_max = 2.0;
  const float w0 = 0.5f;
  double ltp = run_pairs(SNN_STDP_PAIR_MULTIPLICATIVE, a, b, K + 1, w0, &o);
  double ltd = run_pairs(SNN_STDP_PAIR_MULTIPLICATIVE, b, a, K + 1, w0, &o);
  ck_assert_double_eq_tol(ltp, 0.1 * exp(-K * DT / 20.0) * (2.0 - w0), 1e-6);
  ck_assert_double_eq_tol(ltd, -0.2 * exp(-K * DT / 20.0) * (w0 + 0.5), 1e-6);
}
END_TEST

START_TEST(test_pre_trace) {
  const int a[] = {0, -1}, b[] = {K, -1};
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.x_tar = 0.2;
  double ltp = run_pairs(SNN_STDP_PRE_TRACE, a, b, K + 1, 0.5f, &o);
  ck_assert_double_eq_tol(ltp, 1e-2 * (exp(-K * DT / 20.0) - 0.2), 1e-6);
  /* post before pre: the rule acts only on post spikes, with x_pre = 0 */
  double none = run_pairs(SNN_STDP_PRE_TRACE, b, a, K + 1, 0.5f, &o);
  ck_assert_double_eq_tol(none, -1e-2 * 0.2, 1e-6);
  /* weight dependence (w_max - w)^mu */
  o.mu = 2.0;
  double wd = run_pairs(SNN_STDP_PRE_TRACE, a, b, K + 1, 0.5f, &o);
  ck_assert_double_eq_tol(wd, 1e-2 * (exp(-K * DT / 20.0) - 0.2) * 0.25, 1e-6);
}
END_TEST

START_TEST(test_triplet) {
  /* single pairs: pre->post gives no potentiation (post2 before = 0),
   * post->pre depresses by nu_pre * post1 */
  const int a[] = {0, -1}, b[] = {K, -1};
  ck_assert_double_eq_tol(run_pairs(SNN_STDP_TRIPLET, a, b, K + 1, 0.5f, NULL), 0.0, 1e-9);
  ck_assert_double_eq_tol(run_pairs(SNN_STDP_TRIPLET, b, a, K + 1, 0.5f, NULL),
                          -1e-4 * exp(-K * DT / 20.0), 1e-7);
  /* post (0) - pre (t1) - post (t2) */
  const int t1 = 10, t2 = 30;
  const int pre[] = {t1, -1}, post[] = {0, t2, -1};
  double dw = run_pairs(SNN_STDP_TRIPLET, pre, post, t2 + 1, 0.5f, NULL);
  double want = -1e-4 * exp(-t1 * DT / 20.0) +
                1e-2 * exp(-(t2 - t1) * DT / 20.0) * exp(-t2 * DT / 40.0);
  ck_assert_double_eq_tol(dw, want, 1e-6);
  /* "set to 1" traces: a second pre spike does not double the trace */
  const int pre2[] = {t1 - 2, t1, -1};
  double dw2 = run_pairs(SNN_STDP_TRIPLET, pre2, post, t2 + 1, 0.5f, NULL);
  double want2 = -1e-4 * exp(-(t1 - 2) * DT / 20.0) - 1e-4 * exp(-t1 * DT / 20.0) +
                 1e-2 * exp(-(t2 - t1) * DT / 20.0) * exp(-t2 * DT / 40.0);
  ck_assert_double_eq_tol(dw2, want2, 1e-6);
  /* clipped to [0, 1] */
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.a_plus = 10;
  ck_assert_double_eq_tol(run_pairs(SNN_STDP_TRIPLET, pre, post, t2 + 1, 0.9f, &o), 0.1, 1e-6);
}
END_TEST

/* ---- custom rule used to observe the learner --------------------------- */
typedef struct obs {
  int n_begin, n_end, n_pre, n_post, n_step;
  double max_norm_err;
  double norm_total;
  int fail_pre; /* return this from on_pre when non-zero */
  int destroyed;
} obs;

static int obs_begin(void *user, float *w, size_t n_in, size_t n_out, int32_t label) {
  obs *o = user;
  (void)label;
  o->n_begin++;
  for (size_t j = 0; j < n_out; j++) {
    double s = 0;
    for (size_t i = 0; i < n_in; i++) s += w[i * n_out + j];
    double e = fabs(s - o->norm_total);
    if (e > o->max_norm_err) o->max_norm_err = e;
  }
  /* perturb the weights so that the next normalisation has work to do */
  for (size_t k = 0; k < n_in * n_out; k++) w[k] *= (k % 3) ? 1.5f : 0.5f;
  return SNN_OK;
}

static int obs_pre(void *user, size_t i, float *w_row, size_t n_out, const float *post1,
                   const float *post2, double t) {
  obs *o = user;
  (void)i, (void)w_row, (void)n_out, (void)post1, (void)post2, (void)t;
  o->n_pre++;
  if (o->fail_pre) {
    snn_set_error("obs_pre: failing on purpose");
    return o->fail_pre;
  }
  return SNN_OK;
}

static int obs_post(void *user, size_t j, float *w, size_t n_in, size_t n_out, const float *pre,
                    float p1, float p2, double t) {
  obs *o = user;
  (void)j, (void)w, (void)n_in, (void)n_out, (void)pre, (void)p1, (void)p2, (void)t;
  o->n_post++;
  return SNN_OK;
}

static int obs_step(void *user, float *w, size_t n_in, size_t n_out, const uint8_t *spk,
                    const float *pre, const float *p1, const float *p2, double t, double dt) {
  obs *o = user;
  (void)w, (void)n_in, (void)n_out, (void)spk, (void)pre, (void)p1, (void)p2, (void)t, (void)dt;
  o->n_step++;
  return SNN_OK;
}

static int obs_end(void *user, float *w, size_t n_in, size_t n_out, const uint32_t *counts,
                   int32_t label) {
  obs *o = user;
  (void)w, (void)n_in, (void)n_out, (void)counts, (void)label;
  o->n_end++;
  return SNN_OK;
}

static void obs_destroy(void *user) { ((obs *)user)->destroyed++; }

static snn_learner_ops obs_ops(void) {
  snn_learner_ops ops = SNN_LEARNER_OPS_INIT;
  ops.name = "observer";
  ops.begin_example = obs_begin;
  ops.on_pre = obs_pre;
  ops.on_post = obs_post;
  ops.on_step = obs_step;
  ops.end_example = obs_end;
  ops.destroy = obs_destroy;
  return ops;
}

static void pattern(float *x, size_t n_in, int which) {
  for (size_t i = 0; i < n_in; i++) x[i] = ((i < n_in / 2) == (which == 0)) ? 1.0f : 0.0f;
}

START_TEST(test_normalisation) {
  snn_network *net = make_net(40, 4);
  obs ob;
  memset(&ob, 0, sizeof ob);
  ob.norm_total = 78.0 * 40 / 784;
  snn_learner_ops ops = obs_ops();
  snn_learner *l = NULL;
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.t_present = 50;
  o.max_repeats = 1;
  ck_assert_snn_ok(snn_learner_create_custom(&l, net, &o, &ops, &ob));
  ck_assert_str_eq(snn_learner_kind(l), "observer");
  float x[40];
  const int n_ex = snn_test_quick() ? 3 : 8;
  for (int e = 0; e < n_ex; e++) {
    pattern(x, 40, e & 1);
    uint32_t counts[4];
    ck_assert_snn_ok(snn_learner_stdp_present(counts, l, 4, x, 40, e & 1, 1));
  }
  ck_assert_int_eq(ob.n_begin, n_ex);
  ck_assert_int_eq(ob.n_end, n_ex);
  ck_assert_int_eq(ob.n_step, n_ex * 100);
  ck_assert_int_gt(ob.n_pre, 0);
  ck_assert_double_le(ob.max_norm_err, 1e-4);
  /* frozen presentations call no rule callback */
  int before = ob.n_pre + ob.n_begin + ob.n_step;
  ck_assert_snn_ok(snn_learner_stdp_present(NULL, l, 0, x, 40, -1, 0));
  ck_assert_int_eq(ob.n_pre + ob.n_begin + ob.n_step, before);
  /* a failing callback aborts with its status */
  ob.fail_pre = SNN_E_RANGE;
  ck_assert_snn_err(snn_learner_stdp_present(NULL, l, 0, x, 40, 0, 1), SNN_E_RANGE);
  ck_assert_str_eq(snn_last_error(), "obs_pre: failing on purpose");
  ck_assert_int_eq(ob.destroyed, 0);
  LFREE(l);
  ck_assert_int_eq(ob.destroyed, 1);
  snn_network_free(net);
}
END_TEST

START_TEST(test_theta) {
  snn_network *net = make_net(20, 2);
  snn_learner *l = NULL;
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.tau_theta = 1000;
  o.max_repeats = 1;
  o.norm_total = 20;
  o.theta_plus = 0.25;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
  float th0[2], th1[2], x[20];
  ck_assert_snn_ok(snn_learner_stdp_theta_get(th0, l, 2));
  ck_assert_double_eq_tol(th0[0], 20.0, 1e-6);
  /* strong input: spikes; theta += theta_plus per spike, then decays over 500 ms */
  for (int i = 0; i < 20; i++) x[i] = 1.0f;
  uint32_t c[2];
  ck_assert_snn_ok(snn_learner_stdp_present(c, l, 2, x, 20, -1, 1));
  ck_assert_uint_gt(c[0] + c[1], 0);
  ck_assert_snn_ok(snn_learner_stdp_theta_get(th1, l, 2));
  for (int j = 0; j < 2; j++)
    ck_assert_double_eq_tol(th1[j], (th0[j] + 0.25 * c[j]) * exp(-500.0 / 1000.0), 1e-3);
  /* no input, no spike: pure decay */
  memset(x, 0, sizeof x);
  ck_assert_snn_ok(snn_learner_stdp_present(c, l, 2, x, 20, -1, 1));
  ck_assert_uint_eq(c[0] + c[1], 0);
  float th2[2];
  ck_assert_snn_ok(snn_learner_stdp_theta_get(th2, l, 2));
  for (int j = 0; j < 2; j++) ck_assert_double_eq_tol(th2[j], th1[j] * exp(-0.5), 1e-4);
  /* frozen: unchanged */
  for (int i = 0; i < 20; i++) x[i] = 1.0f;
  ck_assert_snn_ok(snn_learner_stdp_present(c, l, 2, x, 20, -1, 0));
  float th3[2];
  ck_assert_snn_ok(snn_learner_stdp_theta_get(th3, l, 2));
  ck_assert_float_eq(th3[0], th2[0]);
  ck_assert_float_eq(th3[1], th2[1]);
  /* set/get round trip; higher theta silences */
  float big[2] = {500, 500};
  ck_assert_snn_ok(snn_learner_stdp_theta_set(l, big, 2));
  ck_assert_snn_ok(snn_learner_stdp_present(c, l, 2, x, 20, -1, 0));
  ck_assert_uint_eq(c[0] + c[1], 0);
  LFREE(l);
  snn_network_free(net);
}
END_TEST

/* Labelling and classification present each example for t_infer (default:
 * t_present, the paper's protocol; set by snn_learner_stdp_set_t_infer),
 * training for t_present; the value travels through a model file. Counted
 * through the simulated steps of the activity statistics. */
START_TEST(test_t_infer) {
  const size_t sizes[] = {4, 400};
  const double t_infer[] = {0, 30}; /* 0: the default */
  for (size_t si = 0; si < 2; si++) {
    for (int e = 0; e < 2; e++) {
      const size_t n = sizes[si], n_in = 6, k = 3;
      snn_network *net = make_net(n_in, n);
      snn_learner *l = NULL;
      snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
      o.t_present = 60;
      o.t_rest = 40;
      o.max_repeats = 1; /* one presentation per example whatever the activity */
      o.seed = 3;
      ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
      const double dflt = 60.0, want = e ? 30.0 : dflt;
      double got = -1;
      ck_assert_snn_ok(snn_learner_stdp_t_infer(&got, l));
      ck_assert_double_eq(got, dflt);
      /* bad values leave the setting alone */
      const double bad[] = {NAN, INFINITY, -1.0, 0.25 /* < dt */, 1e9 /* > 1e7 steps */};
      for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        ck_assert_snn_err(snn_learner_stdp_set_t_infer(l, bad[b]),
                          isfinite(bad[b]) ? SNN_E_RANGE : SNN_E_INVALID);
        ck_assert_snn_ok(snn_learner_stdp_t_infer(&got, l));
        ck_assert_double_eq(got, dflt);
      }
      ck_assert_snn_ok(snn_learner_stdp_set_t_infer(l, 77.0));
      ck_assert_snn_ok(snn_learner_stdp_set_t_infer(l, t_infer[e])); /* 0: back to the default */
      float x[3 * 6];
      int32_t y[3] = {0, 1, 0};
      for (size_t i = 0; i < k * n_in; i++) x[i] = (float)((i * 7) % 5) / 4.0f;
      snn_dataset *d = NULL;
      ck_assert_snn_ok(snn_dataset_create(&d, x, y, k, n_in));
      snn_stdp_stats a = {sizeof a, 0, 0, 0, 0, 0, 0, 0}, b = a, c = a;
      ck_assert_snn_ok(snn_learner_stdp_stats(&a, l));
      ck_assert_snn_ok(snn_learner_stdp_train(l, d, 0, NULL, NULL));
      ck_assert_snn_ok(snn_learner_stdp_stats(&b, l));
      ck_assert_snn_ok(snn_learner_stdp_label(l, d, 0, NULL, NULL));
      ck_assert_snn_ok(snn_learner_stdp_stats(&c, l));
      ck_assert_uint_eq(b.steps - a.steps, k * 120);                     /* 60 ms / 0.5 ms */
      ck_assert_uint_eq(c.steps - b.steps, k * (uint64_t)llround(want / 0.5));
      ck_assert_snn_ok(snn_learner_stdp_t_infer(&got, l));
      ck_assert_double_eq(got, want);
      /* through a model file: the loaded learner labels with the same t_infer */
      size_t sz = 0;
      ck_assert_snn_err(snn_learner_save_mem(&sz, l, NULL, 0), SNN_E_RANGE);
      void *buf = malloc(sz);
      ck_assert_ptr_nonnull(buf);
      ck_assert_snn_ok(snn_learner_save_mem(&sz, l, buf, sz));
      snn_learner *l2 = NULL;
      snn_network *net2 = NULL;
      ck_assert_snn_ok(snn_learner_load_mem(&l2, &net2, buf, sz, NULL));
      ck_assert_snn_ok(snn_learner_stdp_t_infer(&got, l2));
      ck_assert_double_eq(got, want);
      snn_stdp_options oa = SNN_STDP_OPTIONS_INIT, ob = SNN_STDP_OPTIONS_INIT;
      memset(&ob, 0x3C, sizeof ob); /* every field must be written */
      ob.struct_size = sizeof ob;
      ck_assert_snn_ok(snn_learner_stdp_options_get(&oa, l));
      ck_assert_snn_ok(snn_learner_stdp_options_get(&ob, l2)); /* the loaded learner's */
      ck_assert(memcmp(&oa, &ob, sizeof oa) == 0);
      ck_assert_double_eq(ob.t_present, 60);
      ck_assert_snn_ok(snn_learner_stdp_stats(&a, l2));
      double acc;
      ck_assert_snn_ok(snn_learner_stdp_evaluate(&acc, l2, d, 0, NULL, NULL));
      ck_assert_snn_ok(snn_learner_stdp_stats(&b, l2));
      ck_assert_uint_eq(b.steps - a.steps, k * (uint64_t)llround(want / 0.5));
      free(buf);
      LFREE(l2);
      snn_network_free(net2);
      snn_dataset_free(d);
      LFREE(l);
      snn_network_free(net);
    }
  }
}
END_TEST

/* Default theta_plus depends on the layer size: 0.05 mV at >= 400 neurons,
 * 0.05 * sqrt(n / 400) below; an explicit value overrides it. */
START_TEST(test_theta_plus_default) {
  const size_t sizes[] = {4, 100, 400, 500};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (int explicit_tp = 0; explicit_tp < 2; explicit_tp++) {
      const size_t n = sizes[s], n_in = 10;
      snn_network *net = make_net(n_in, n);
      snn_learner *l = NULL;
      snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
      o.tau_theta = 2000;
      o.max_repeats = 1;
      o.t_present = 60;
      o.t_rest = 40;
      o.norm_total = 40; /* strong drive: v settles far above threshold */
      o.inhibition = SNN_STDP_INHIB_DIRECT;
      o.w_inh_exc = 1e-6; /* negligible inhibition: every neuron gets input and fires */
      if (explicit_tp) o.theta_plus = 0.05;
      ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
      float *th0 = malloc(n * sizeof *th0), *th1 = malloc(n * sizeof *th1), x[10];
      uint32_t *c = malloc(n * sizeof *c);
      ck_assert(th0 && th1 && c);
      for (size_t i = 0; i < n_in; i++) x[i] = 1.0f;
      ck_assert_snn_ok(snn_learner_stdp_theta_get(th0, l, n));
      ck_assert_snn_ok(snn_learner_stdp_present(c, l, n, x, n_in, -1, 1));
      ck_assert_snn_ok(snn_learner_stdp_theta_get(th1, l, n));
      const double want = explicit_tp || n >= 400 ? 0.05 : 0.05 * sqrt((double)n / 400.0);
      /* the options in use report the resolved default, and the values given */
      snn_stdp_options got = SNN_STDP_OPTIONS_INIT;
      ck_assert_snn_ok(snn_learner_stdp_options_get(&got, l));
      ck_assert_double_eq_tol(got.theta_plus, want, 1e-12);
      ck_assert_double_eq(got.tau_theta, 2000);
      ck_assert_double_eq(got.norm_total, 40);
      ck_assert_int_eq(got.inhibition, SNN_STDP_INHIB_DIRECT);
      ck_assert_uint_eq(got.max_repeats, 1);
      ck_assert_double_eq(got.w_max, 1);   /* untouched defaults come back resolved */
      ck_assert_double_eq(got.dt, 0.5);
      ck_assert_int_eq(got.rule, SNN_STDP_TRIPLET);
      const double decay = exp(-100.0 / 2000.0);
      size_t fired = 0;
      for (size_t j = 0; j < n; j++) {
        ck_assert_double_eq_tol(th1[j], (th0[j] + want * c[j]) * decay, 1e-4);
        fired += c[j] > 0;
      }
      ck_assert_uint_gt(fired, n / 2);
      free(th0);
      free(th1);
      free(c);
      LFREE(l);
      snn_network_free(net);
    }
  }
}
END_TEST

/* tiny unsupervised task: two disjoint patterns, two neurons */
START_TEST(test_learns_two_patterns) {
  const size_t n_in = 40, n_out = 4;
  snn_network *net = make_net(n_in, n_out);
  snn_learner *l = NULL;
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.norm_total = 8;
  o.t_present = 100;
  o.t_rest = 50;
  o.seed = 7;
  o.theta_plus = 0.05; /* the paper's step, not the small-layer default */
  o.integrator = _i ? SNN_STDP_IMPLICIT : SNN_STDP_EULER;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
  const size_t n = 40;
  float *x = malloc(n * n_in * sizeof *x);
  int32_t y[40];
  for (size_t k = 0; k < n; k++) {
    y[k] = (int32_t)(k & 1);
    pattern(x + k * n_in, n_in, y[k]);
  }
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, n, n_in));
  ck_assert_snn_ok(snn_learner_stdp_train(l, d, 0, NULL, NULL));
  ck_assert_snn_ok(snn_learner_stdp_label(l, d, 10, NULL, NULL));
  int32_t a[4];
  ck_assert_snn_ok(snn_learner_stdp_assignments_get(a, l, n_out));
  int has0 = 0, has1 = 0;
  for (size_t j = 0; j < n_out; j++) {
    has0 |= a[j] == 0;
    has1 |= a[j] == 1;
  }
  ck_assert_msg(has0 && has1, "assignments %d %d %d %d", a[0], a[1], a[2], a[3]);
  /* receptive fields: a neuron labelled c has most weight on pattern c's inputs */
  for (size_t j = 0; j < n_out; j++) {
    if (a[j] < 0) continue;
    double on = 0, off = 0;
    for (size_t i = 0; i < n_in; i++) {
      int in_a = i < n_in / 2;
      double w = get_w(net, j, i);
      if (in_a == (a[j] == 0)) on += w;
      else off += w;
    }
    ck_assert_msg(on > 2 * off, "neuron %zu (class %d): on %g off %g", j, a[j], on, off);
  }
  double acc = 0;
  ck_assert_snn_ok(snn_learner_stdp_evaluate(&acc, l, d, 0, NULL, NULL));
  ck_assert_double_eq(acc, 1.0);
  int32_t pred[40];
  ck_assert_snn_ok(snn_learner_stdp_classify(pred, l, x, n, n_in));
  for (size_t k = 0; k < n; k++) ck_assert_int_eq(pred[k], y[k]);
  snn_stdp_stats st = {sizeof st, 0, 0, 0, 0, 0, 0, 0};
  ck_assert_snn_ok(snn_learner_stdp_stats(&st, l));
  ck_assert_uint_ge(st.examples, 40 + 10 + 40 + 40);
  ck_assert_uint_gt(st.input_spikes, 0);
  ck_assert_uint_ge(st.syn_events, st.input_spikes * n_out);
  snn_dataset_free(d);
  free(x);
  LFREE(l);
  snn_network_free(net);
}
END_TEST

START_TEST(test_deterministic) {
  float w[2][40 * 3];
  float x[40];
  for (int r = 0; r < 2; r++) {
    snn_network *net = make_net(40, 3);
    snn_learner *l = NULL;
    snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
    o.seed = 42;
    o.t_present = 60;
    o.inhibition = SNN_STDP_INHIB_DIRECT;
    o.synapse = SNN_STDP_CURRENT;
    ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
    for (int e = 0; e < 4; e++) {
      pattern(x, 40, e & 1);
      ck_assert_snn_ok(snn_learner_stdp_present(NULL, l, 0, x, 40, -1, 1));
    }
    ck_assert_snn_ok(snn_layer_param_get(w[r], snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, 120));
    LFREE(l);
    snn_network_free(net);
  }
  ck_assert_int_eq(memcmp(w[0], w[1], sizeof w[0]), 0);
}
END_TEST

/* The default integrator (SNN_STDP_AUTO) takes the forward-Euler step
 * wherever it does not overshoot (dt/tau_m * (1 + ge + gi) <= 1): in a small
 * layer that never reaches the bound it must reproduce SNN_STDP_EULER bit for
 * bit (weights, thresholds, spike counts). */
START_TEST(test_integrator_auto_matches_euler) {
  const size_t n_in = 40, n_out = 4;
  float w[2][40 * 4], th[2][4], x[40];
  uint32_t c[2][4 * 12];
  for (int r = 0; r < 2; r++) {
    snn_network *net = make_net(n_in, n_out);
    snn_learner *l = NULL;
    snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
    o.seed = 11;
    o.t_present = 100;
    o.norm_total = 8;
    o.theta_plus = 0.05;
    o.integrator = r == 0 ? SNN_STDP_EULER : 0; /* 0: the default */
    ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
    for (int e = 0; e < 12; e++) {
      pattern(x, n_in, e & 1);
      ck_assert_snn_ok(snn_learner_stdp_present(c[r] + 4 * e, l, n_out, x, n_in, -1, 1));
    }
    ck_assert_snn_ok(snn_layer_param_get(w[r], snn_network_layer(net, 0), SNN_PARAM_WEIGHTS,
                                         n_in * n_out));
    ck_assert_snn_ok(snn_learner_stdp_theta_get(th[r], l, n_out));
    LFREE(l);
    snn_network_free(net);
  }
  uint32_t total = 0;
  for (size_t k = 0; k < 4 * 12; k++) total += c[0][k];
  ck_assert_uint_gt(total, 12); /* the layer was active */
  ck_assert_int_eq(memcmp(c[0], c[1], sizeof c[0]), 0);
  ck_assert_int_eq(memcmp(w[0], w[1], sizeof w[0]), 0);
  ck_assert_int_eq(memcmp(th[0], th[1], sizeof th[0]), 0);
}
END_TEST

/* Strong lateral inhibition (one inhibitory spike: dt/tau_m * (1 + gi) = 3,
 * beyond forward Euler's stability bound of 2) makes the forward-Euler
 * membrane overshoot the inhibitory reversal potential and swing back above
 * threshold, so inhibition *causes* spikes and activity runs away - what
 * happened at 1600 neurons with the paper's 17 nS. The default (AUTO) and
 * backward Euler keep the winner-take-all: few spikes per presentation. */
START_TEST(test_integrator_auto_stable) {
  const size_t n_in = 40, n_out = 16;
  uint32_t total[3] = {0, 0, 0};
  const int32_t integ[3] = {0, SNN_STDP_IMPLICIT, SNN_STDP_EULER};
  float x[40];
  for (int r = 0; r < 3; r++) {
    snn_network *net = make_net(n_in, n_out);
    snn_learner *l = NULL;
    snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
    o.seed = 5;
    o.norm_total = 8;
    o.w_inh_exc = 600; /* dt/tau_m * (1 + 600) = 3.0 */
    o.max_repeats = 1;
    o.integrator = integ[r];
    ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
    for (int e = 0; e < 4; e++) {
      uint32_t c[16];
      pattern(x, n_in, e & 1);
      ck_assert_snn_ok(snn_learner_stdp_present(c, l, n_out, x, n_in, -1, 0));
      for (size_t j = 0; j < n_out; j++) total[r] += c[j];
    }
    LFREE(l);
    snn_network_free(net);
  }
  /* the case does show the instability: forward Euler fires many times more */
  ck_assert_msg(total[2] > 4 * total[1], "euler %u implicit %u", total[2], total[1]);
  ck_assert_uint_gt(total[1], 0);
  ck_assert_msg(total[0] <= total[1] + total[1] / 2 + 2, "auto %u implicit %u euler %u",
                total[0], total[1], total[2]);
}
END_TEST

/* One neuron under strong drive fires as soon as it may: with the default
 * 50 ms lock-out at most 1 + 349.5/50 = 7 times in 350 ms; with
 * SNN_STDP_NO_LOCKOUT only the 5 ms refractory clamp limits it. The flag
 * survives a model file, and a file of the default configuration has no
 * "lockout" entry (files written before the flag read as before). */
START_TEST(test_no_lockout) {
  const size_t n_in = 40;
  float x[40];
  for (size_t i = 0; i < n_in; i++) x[i] = 1.0f;
  uint32_t count[2] = {0, 0};
  size_t fsize[2] = {0, 0};
  for (int r = 0; r < 2; r++) {
    snn_network *net = make_net(n_in, 1);
    snn_learner *l = NULL;
    snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
    o.seed = 3;
    o.norm_total = 40; /* every weight 1: about 2.5 of input conductance */
    o.max_repeats = 1;
    o.flags = SNN_STDP_NO_THETA | (r ? SNN_STDP_NO_LOCKOUT : 0u);
    ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
    ck_assert_snn_ok(snn_learner_stdp_present(&count[r], l, 1, x, n_in, -1, 1));
    snn_stdp_options got = SNN_STDP_OPTIONS_INIT;
    ck_assert_snn_ok(snn_learner_stdp_options_get(&got, l));
    ck_assert_uint_eq(got.flags & SNN_STDP_NO_LOCKOUT, r ? SNN_STDP_NO_LOCKOUT : 0u);
    ck_assert_snn_err(snn_learner_save_mem(&fsize[r], l, NULL, 0), SNN_E_RANGE);
    void *buf = malloc(fsize[r]);
    ck_assert_ptr_nonnull(buf);
    ck_assert_snn_ok(snn_learner_save_mem(&fsize[r], l, buf, fsize[r]));
    snn_learner *l2 = NULL;
    snn_network *net2 = NULL;
    ck_assert_snn_ok(snn_learner_load_mem(&l2, &net2, buf, fsize[r], NULL));
    ck_assert_snn_ok(snn_learner_stdp_options_get(&got, l2));
    ck_assert_uint_eq(got.flags & SNN_STDP_NO_LOCKOUT, r ? SNN_STDP_NO_LOCKOUT : 0u);
    /* the loaded learner behaves the same way */
    uint32_t c2 = 0;
    ck_assert_snn_ok(snn_learner_stdp_present(&c2, l2, 1, x, n_in, -1, 0));
    if (r)
      ck_assert_uint_gt(c2, 14);
    else
      ck_assert_uint_le(c2, 7);
    free(buf);
    LFREE(l2);
    snn_network_free(net2);
    LFREE(l);
    snn_network_free(net);
  }
  ck_assert_uint_ge(count[0], 5);
  ck_assert_uint_le(count[0], 7);
  ck_assert_msg(count[1] >= 2 * count[0], "lock-out %u, none %u", count[0], count[1]);
  ck_assert_uint_le(count[1], 64); /* 350 ms / 5.5 ms: the refractory clamp still holds */
  /* "lockout" "off" is one more option entry; the default writes none */
  ck_assert_uint_gt(fsize[1], fsize[0]);
}
END_TEST

START_TEST(test_custom_struct_size) {
  snn_network *net = make_net(8, 2);
  snn_learner *l = NULL;
  obs ob;
  memset(&ob, 0, sizeof ob);
  ob.norm_total = 78.0 * 8 / 784;
  /* smaller than the smallest supported */
  snn_learner_ops ops = obs_ops();
  ops.struct_size = sizeof(size_t);
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &ops, &ob), SNN_E_VERSION);
  ck_assert_ptr_null(l);
  /* an older, shorter struct: callbacks past struct_size are not read */
  ops = obs_ops();
  ops.struct_size = offsetof(snn_learner_ops, on_post);
  ck_assert_snn_ok(snn_learner_create_custom(&l, net, NULL, &ops, &ob));
  float x[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  ck_assert_snn_ok(snn_learner_stdp_present(NULL, l, 0, x, 8, -1, 1));
  ck_assert_int_eq(ob.n_begin, 1);
  ck_assert_int_gt(ob.n_pre, 0);
  ck_assert_int_eq(ob.n_post + ob.n_step + ob.n_end, 0);
  ck_assert_str_eq(snn_learner_kind(l), "observer");
  LFREE(l);
  ck_assert_int_eq(ob.destroyed, 0); /* destroy was past struct_size */
  /* a newer, larger struct: zero tail accepted, non-zero tail refused */
  struct {
    snn_learner_ops ops;
    void *future[2];
  } big;
  memset(&big, 0, sizeof big);
  big.ops = obs_ops();
  big.ops.struct_size = sizeof big;
  ck_assert_snn_ok(snn_learner_create_custom(&l, net, NULL, &big.ops, &ob));
  LFREE(l);
  ck_assert_int_eq(ob.destroyed, 1);
  big.future[1] = &big;
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &big.ops, &ob), SNN_E_VERSION);
  ck_assert_ptr_null(l);
  /* bad fields */
  ops = obs_ops();
  ops.tau_pre = -1;
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &ops, &ob), SNN_E_RANGE);
  ops = obs_ops();
  ops.trace_add = 2;
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &ops, &ob), SNN_E_RANGE);
  ops = obs_ops();
  ops.tau_post2 = NAN;
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &ops, &ob), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, NULL, &ob), SNN_E_INVALID);
  /* the rule name is saved with the learner: printable ASCII only */
  ops = obs_ops();
  ops.name = "r\xc3\xa8gle";
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &ops, &ob), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "printable ASCII"));
  ops.name = "";
  ck_assert_snn_err(snn_learner_create_custom(&l, net, NULL, &ops, &ob), SNN_E_INVALID);
  /* a validation failure never calls destroy, whichever argument is bad
   * (only SNN_E_NOMEM does; test_oom.c): ops, options or the network */
  ops = obs_ops();
  snn_stdp_options bad = SNN_STDP_OPTIONS_INIT;
  bad.a_plus = NAN;
  ck_assert_snn_err(snn_learner_create_custom(&l, net, &bad, &ops, &ob), SNN_E_INVALID);
  bad = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  bad.struct_size = 3;
  ck_assert_snn_err(snn_learner_create_custom(&l, net, &bad, &ops, &ob), SNN_E_VERSION);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 8));
  ck_assert_snn_err(snn_learner_create_custom(&l, empty, NULL, &ops, &ob), SNN_E_STATE);
  snn_network_free(empty);
  ck_assert_ptr_null(l);
  ck_assert_int_eq(ob.destroyed, 1); /* still only the one learner freed above */
  /* options struct_size */
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.struct_size = 2;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_VERSION);
  struct {
    snn_stdp_options o;
    double future;
  } bo;
  memset(&bo, 0, sizeof bo);
  bo.o.struct_size = sizeof bo;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &bo.o));
  LFREE(l);
  bo.future = 1.0;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &bo.o), SNN_E_VERSION);
  /* older options struct: only the fields it covers are read */
  snn_stdp_options small = SNN_STDP_OPTIONS_INIT;
  small.struct_size = offsetof(snn_stdp_options, a_plus);
  small.a_plus = NAN; /* beyond struct_size: ignored */
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &small));
  LFREE(l);
  ck_assert_snn_err(snn_stdp_options_init(&o, 1), SNN_E_VERSION);
  ck_assert_snn_err(snn_stdp_options_init(NULL, sizeof o), SNN_E_INVALID);
  ck_assert_snn_ok(snn_stdp_options_init(&o, sizeof o));
  ck_assert_uint_eq(o.struct_size, sizeof o);
  snn_network_free(net);
}
END_TEST

static int cancel_cb(const snn_progress *p, void *user) {
  (void)user;
  return p->batch >= 2;
}

/* Calls that must fail without changing anything the learner keeps, and
 * states that the model file could not hold (found by review). */
START_TEST(test_refusals_change_nothing) {
  snn_network *net = make_net(8, 3);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  /* a bad example anywhere in the range: nothing trains */
  float x[6 * 8];
  int32_t y[6] = {0, 1, 0, 1, 0, 1};
  for (int k = 0; k < 6; k++) pattern(x + 8 * k, 8, k & 1);
  x[5 * 8 + 3] = -0.5f;
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, 6, 8));
  float w0[24], w1[24], th0[3], th1[3];
  ck_assert_snn_ok(snn_layer_param_get(w0, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, 24));
  ck_assert_snn_ok(snn_learner_stdp_theta_get(th0, l, 3));
  ck_assert_snn_err(snn_learner_stdp_train(l, d, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "example 5, input 3"));
  ck_assert_snn_ok(snn_layer_param_get(w1, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, 24));
  ck_assert_snn_ok(snn_learner_stdp_theta_get(th1, l, 3));
  ck_assert(memcmp(w0, w1, sizeof w0) == 0);
  ck_assert(memcmp(th0, th1, sizeof th0) == 0);
  ck_assert_snn_ok(snn_learner_stdp_train(l, d, 5, NULL, NULL)); /* the good ones do train */
  snn_dataset_free(d);
  /* labels beyond what assignments and model files hold (65535) */
  int32_t big[2] = {70000, 1};
  ck_assert_snn_ok(snn_dataset_create(&d, x, big, 2, 8));
  int32_t a0[3], a1[3];
  ck_assert_snn_ok(snn_learner_stdp_assignments_get(a0, l, 3));
  ck_assert_snn_err(snn_learner_stdp_label(l, d, 0, NULL, NULL), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "labels up to 70000"));
  ck_assert_snn_ok(snn_learner_stdp_assignments_get(a1, l, 3));
  ck_assert(memcmp(a0, a1, sizeof a0) == 0);
  snn_dataset_free(d);
  big[0] = 65535;
  ck_assert_snn_ok(snn_dataset_create(&d, x, big, 2, 8));
  ck_assert_snn_ok(snn_learner_stdp_label(l, d, 0, NULL, NULL));
  ck_assert_snn_ok(snn_learner_stdp_assignments_get(a1, l, 3));
  snn_dataset_free(d);
  size_t sz;
  ck_assert_snn_err(snn_learner_save_mem(&sz, l, NULL, 0), SNN_E_RANGE); /* size query */
  void *buf = malloc(sz);
  ck_assert_snn_ok(snn_learner_save_mem(&sz, l, buf, sz));
  snn_learner *l2 = NULL;
  snn_network *n2 = NULL;
  ck_assert_snn_ok(snn_learner_load_mem(&l2, &n2, buf, sz, NULL)); /* 65535 loads back */
  ck_assert_snn_ok(snn_learner_stdp_assignments_get(a0, l2, 3));
  ck_assert(memcmp(a0, a1, sizeof a0) == 0);
  LFREE(l2);
  snn_network_free(n2);
  free(buf);
  /* input delays set after creation: the file could not be loaded, so no save */
  int32_t dl[8] = {0, 1, 0, 0, 2, 0, 0, 0};
  ck_assert_snn_ok(snn_network_set_input_delays(net, 0, dl, 8));
  ck_assert_snn_err(snn_learner_save_mem(&sz, l, NULL, 0), SNN_E_STATE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "input delays"));
  ck_assert_snn_ok(snn_network_set_input_delays(net, 0, NULL, 0));
  ck_assert_snn_err(snn_learner_save_mem(&sz, l, NULL, 0), SNN_E_RANGE); /* saves again */
  LFREE(l);
  /* options beyond the float range would become inf inside the simulation */
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  o.norm_total = 1e39;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "norm_total must fit a float"));
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.w_min = -1e39;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.theta_plus = 3.0e38; /* in range: accepted */
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
  LFREE(l);
  snn_network_free(net);
}
END_TEST

/* A rule callback that fails without a message gets one naming the callback,
 * not an older, unrelated message of the thread; a success keeps the
 * thread's message as it was. */
static int fail_quietly(void *user, size_t i, float *w_row, size_t n_out, const float *post1,
                        const float *post2, double t) {
  (void)user, (void)i, (void)w_row, (void)n_out, (void)post1, (void)post2, (void)t;
  return SNN_E_RANGE;
}

START_TEST(test_callback_message) {
  snn_network *net = make_net(8, 2);
  snn_learner *l = NULL;
  obs ob;
  memset(&ob, 0, sizeof ob);
  snn_learner_ops ops = obs_ops();
  ck_assert_snn_ok(snn_learner_create_custom(&l, net, NULL, &ops, &ob));
  float x[8];
  pattern(x, 8, 0);
  ck_assert_snn_err(snn_learner_stdp_theta_set(l, NULL, 2), SNN_E_INVALID); /* an old message */
  ck_assert_int_eq(snn_learner_stdp_present(NULL, l, 0, x, 8, -1, 1), SNN_OK);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "'src' must not be NULL")); /* kept */
  LFREE(l);
  ops.on_pre = fail_quietly;
  ck_assert_snn_ok(snn_learner_create_custom(&l, net, NULL, &ops, &ob));
  /* (not through ck_assert_snn_err, which clears the message first) */
  ck_assert_snn_err(snn_learner_stdp_theta_set(l, NULL, 2), SNN_E_INVALID);
  ck_assert_int_eq(snn_learner_stdp_present(NULL, l, 0, x, 8, -1, 1), SNN_E_RANGE);
  ck_assert_msg(strstr(snn_last_error(), "learning-rule callback returned -3") != NULL, "%s",
                snn_last_error());
  uint8_t pre[8] = {1, 0, 0, 0, 0, 0, 0, 0}, post[2] = {0, 0};
  ck_assert_snn_err(snn_learner_stdp_theta_set(l, NULL, 2), SNN_E_INVALID);
  ck_assert_int_eq(snn_learner_stdp_apply(l, pre, 8, post, 2, 1), SNN_E_RANGE);
  ck_assert_msg(strstr(snn_last_error(), "learning-rule callback returned -3") != NULL, "%s",
                snn_last_error());
  LFREE(l);
  snn_network_free(net);
}
END_TEST

START_TEST(test_bad_arguments) {
  snn_network *net = make_net(8, 2);
  snn_learner *l = (snn_learner *)(void *)&net; /* must be reset to NULL on failure */
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  ck_assert_snn_err(snn_learner_create_stdp(NULL, net, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_create_stdp(&l, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 8));
  ck_assert_snn_err(snn_learner_create_stdp(&l, empty, NULL), SNN_E_STATE);
  snn_network_free(empty);
  /* first layer not dense */
  snn_network *cnet = NULL;
  snn_layer *conv = NULL;
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_network_create(&cnet, 1, 4, 4));
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  ck_assert_snn_ok(snn_layer_create_conv2d(&conv, 1, 4, 4, 2, 3, 3, 1, 0, m));
  ck_assert_snn_ok(snn_network_add_layer(cnet, conv));
  ck_assert_snn_err(snn_learner_create_stdp(&l, cnet, NULL), SNN_E_UNSUPPORTED);
  snn_network_free(cnet);
  snn_neuron_model_free(m);
  /* options */
  struct {
    double *field;
    double value;
    int code;
  } bad[] = {{&o.a_plus, NAN, SNN_E_INVALID},     {&o.a_minus, -1, SNN_E_RANGE},
             {&o.tau_plus, INFINITY, SNN_E_INVALID}, {&o.tau_minus, -2, SNN_E_RANGE},
             {&o.w_min, NAN, SNN_E_INVALID},      {&o.w_max, -1, SNN_E_RANGE},
             {&o.dt, 50, SNN_E_RANGE},            {&o.t_present, -5, SNN_E_RANGE},
             {&o.norm_total, NAN, SNN_E_INVALID}, {&o.max_rate, -1, SNN_E_RANGE}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
    *(double *)((char *)&o + ((char *)bad[k].field - (char *)&o)) = bad[k].value;
    ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), bad[k].code);
    ck_assert_ptr_null(l);
  }
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.rule = 9;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.w_min = 2; /* above the default w_max 1 */
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.flags = 0x100;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.inhibition = 3;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.synapse = -1;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.integrator = 4;
  ck_assert_snn_err(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);

  /* calls on a learner */
  o = (snn_stdp_options)SNN_STDP_OPTIONS_INIT;
  o.t_present = 20;
  o.max_repeats = 1;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, &o));
  ck_assert_str_eq(snn_learner_kind(l), "stdp");
  float x[8] = {1, 1, 1, 1, 0, 0, 0, 0}, xbad[8] = {1, NAN, 0, 0, 0, 0, 0, 0};
  int32_t y[4] = {0, 1, 0, 1};
  snn_dataset *d = NULL, *d3 = NULL, *du = NULL;
  float x2[16] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
  ck_assert_snn_ok(snn_dataset_create(&d, x2, y, 2, 8));
  ck_assert_snn_ok(snn_dataset_create(&d3, x2, y, 4, 4));
  ck_assert_snn_ok(snn_dataset_create(&du, x2, NULL, 2, 8));
  uint32_t c[2];
  ck_assert_snn_err(snn_learner_stdp_present(c, NULL, 2, x, 8, -1, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_present(c, l, 2, NULL, 8, -1, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_present(c, l, 2, x, 7, -1, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_present(c, l, 3, x, 8, -1, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_present(c, l, 2, x, 8, -2, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_present(c, l, 2, x, 8, -1, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_present(c, l, 2, xbad, 8, -1, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_train(NULL, d, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_train(l, NULL, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_train(l, d3, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_train(l, d, 0, cancel_cb, NULL), SNN_E_CANCELED);
  /* labels needed before classification */
  double acc;
  int32_t pred[2];
  ck_assert_snn_err(snn_learner_stdp_evaluate(&acc, l, d, 0, NULL, NULL), SNN_E_STATE);
  ck_assert_snn_err(snn_learner_stdp_classify(pred, l, x2, 2, 8), SNN_E_STATE);
  ck_assert_snn_err(snn_learner_stdp_label(l, du, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_label(l, d3, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_evaluate(NULL, l, d, 0, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_classify(NULL, l, x2, 2, 8), SNN_E_INVALID);
  int32_t asg[2] = {1, -1}, asg_bad[2] = {-2, 0};
  ck_assert_snn_err(snn_learner_stdp_assignments_set(l, asg_bad, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_assignments_set(l, asg, 3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_assignments_set(l, NULL, 2), SNN_E_INVALID);
  ck_assert_snn_ok(snn_learner_stdp_assignments_set(l, asg, 2));
  int32_t got[2];
  ck_assert_snn_ok(snn_learner_stdp_assignments_get(got, l, 2));
  ck_assert_int_eq(got[0], 1);
  ck_assert_int_eq(got[1], -1);
  ck_assert_snn_err(snn_learner_stdp_assignments_get(got, l, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_assignments_get(NULL, l, 2), SNN_E_INVALID);
  ck_assert_snn_ok(snn_learner_stdp_classify(pred, l, x2, 2, 8));
  ck_assert_snn_err(snn_learner_stdp_classify(pred, l, x2, 2, 9), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_classify(pred, l, NULL, 2, 8), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_evaluate(&acc, l, d, 0, cancel_cb, NULL), SNN_E_CANCELED);
  float th[2] = {1, NAN};
  ck_assert_snn_err(snn_learner_stdp_theta_set(l, th, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_theta_set(l, th, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_theta_get(th, l, 3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_theta_get(NULL, l, 2), SNN_E_INVALID);
  uint8_t pre[8 * 3] = {0}, post[2 * 3] = {0};
  ck_assert_snn_err(snn_learner_stdp_apply(l, pre, 8 * 3, post, 2 * 2, 3), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_apply(l, NULL, 8 * 3, post, 2 * 3, 3), SNN_E_INVALID);
  ck_assert_snn_ok(snn_learner_stdp_apply(l, pre, 8 * 3, post, 2 * 3, 3));
  snn_stdp_stats st = {4, 0, 0, 0, 0, 0, 0, 0};
  ck_assert_snn_err(snn_learner_stdp_stats(&st, l), SNN_E_VERSION);
  ck_assert_snn_err(snn_learner_stdp_stats(NULL, l), SNN_E_INVALID);
  ck_assert_snn_err(snn_learner_stdp_stats(&st, NULL), SNN_E_INVALID);
  /* an older stats struct gets only its fields */
  struct {
    snn_stdp_stats s;
    uint64_t guard;
  } sst;
  memset(&sst, 0xAB, sizeof sst);
  sst.s.struct_size = offsetof(snn_stdp_stats, steps);
  ck_assert_snn_ok(snn_learner_stdp_stats(&sst.s, l));
  ck_assert_uint_eq(sst.s.steps, 0xABABABABABABABABull);
  /* the learner is not a BPTT learner and vice versa */
  snn_learner *b = NULL;
  if (snn_learner_create_bptt(&b, net, NULL) == SNN_OK) {
    ck_assert(!snn__learner_is_stdp(b));
    ck_assert_snn_err(snn_learner_stdp_train(b, d, 0, NULL, NULL), SNN_E_INVALID);
    ck_assert_snn_err(snn_learner_stdp_theta_get(th, b, 2), SNN_E_INVALID);
    snn_learner_free(b);
  }
  ck_assert(snn__learner_is_stdp(l));
  ck_assert(!snn__learner_is_stdp(NULL));
  /* the generic entry point trains an STDP learner for one pass */
  double loss = -1;
  ck_assert_snn_ok(snn_learner_train_epoch(l, &loss, d, NULL, NULL));
  ck_assert_double_eq(loss, 0.0);
  ck_assert_uint_eq(snn_learner_n_params(l), 0);
  snn__stdp_destroy(NULL);
  snn_dataset_free(d);
  snn_dataset_free(d3);
  snn_dataset_free(du);
  LFREE(l);
  snn_network_free(net);
}
END_TEST

START_TEST(test_oom_create) {
  snn_network *net = make_net(16, 3);
  snn_learner_ops ops = SNN_LEARNER_OPS_INIT;
  int done = 0;
  for (long k = 1; k < 200 && !done; k++) {
    for (int custom = 0; custom < 2; custom++) {
      snn_learner *l = (snn_learner *)(void *)&net;
      snn_test_oom_install(k);
      int rc = custom ? snn_learner_create_custom(&l, net, NULL, &ops, NULL)
                      : snn_learner_create_stdp(&l, net, NULL);
      long live = snn_test_oom_live();
      if (rc == SNN_OK) {
        LFREE(l);
        ck_assert_int_eq(snn_test_oom_live(), 0);
        snn_test_oom_uninstall();
        if (custom) done = 1;
        continue;
      }
      snn_test_oom_uninstall();
      ck_assert_int_eq(rc, SNN_E_NOMEM);
      ck_assert_ptr_null(l);
      ck_assert_int_eq(live, 0);
      ck_assert(snn_last_error()[0] != '\0');
    }
  }
  ck_assert(done);
  snn_network_free(net);
}
END_TEST

Suite *suite_stdp(void) {
  Suite *s = suite_create("stdp");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, test_pair_additive);
  tcase_add_test(tc, test_pair_multiplicative);
  tcase_add_test(tc, test_pre_trace);
  tcase_add_test(tc, test_triplet);
  suite_add_tcase(s, tc);
  tc = tcase_create("simulation");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_normalisation);
  tcase_add_test(tc, test_theta);
  tcase_add_test(tc, test_theta_plus_default);
  tcase_add_test(tc, test_t_infer);
  tcase_add_loop_test(tc, test_learns_two_patterns, 0, 2);
  tcase_add_test(tc, test_deterministic);
  tcase_add_test(tc, test_integrator_auto_matches_euler);
  tcase_add_test(tc, test_integrator_auto_stable);
  tcase_add_test(tc, test_no_lockout);
  suite_add_tcase(s, tc);
  tc = tcase_create("api");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_custom_struct_size);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_refusals_change_nothing);
  tcase_add_test(tc, test_callback_message);
  tcase_add_test(tc, test_oom_create);
  suite_add_tcase(s, tc);
  return s;
}

/* Networks: construction and ownership, settings, weight init, predict,
 * evaluate, activity, clone, argument errors, OOM sweep. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static snn_neuron_model *mk_norm_lif(void) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized"));
  return m;
}

static snn_network *mlp(size_t nin, size_t nh, size_t nout) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, nin));
  snn_neuron_model *m = mk_norm_lif();
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&l, nin, nh, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_dense(&l, nh, nout, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  return net;
}

START_TEST(test_build_and_shapes) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 8, 8));
  ck_assert_uint_eq(snn_network_n_inputs(net), 64);
  ck_assert_uint_eq(snn_network_n_outputs(net), 0);
  ck_assert_uint_eq(snn_network_n_layers(net), 0);
  snn_neuron_model *m = mk_norm_lif();
  snn_layer *c = NULL, *p = NULL, *d = NULL, *bad = NULL;
  ck_assert_snn_ok(snn_layer_create_conv2d(&c, 1, 8, 8, 4, 3, 3, 1, 1, m));
  ck_assert_snn_ok(snn_network_add_layer(net, c));
  /* shape mismatch: the caller keeps ownership */
  ck_assert_snn_ok(snn_layer_create_pool2d(&bad, 3, 8, 8, SNN_POOL_MAX, 2, 2, NULL));
  ck_assert_snn_err(snn_network_add_layer(net, bad), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "4x8x8"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "3x8x8"));
  snn_layer_free(bad);
  ck_assert_snn_ok(snn_layer_create_pool2d(&p, 4, 8, 8, SNN_POOL_MAX, 2, 2, NULL));
  ck_assert_snn_ok(snn_network_add_layer(net, p));
  ck_assert_snn_ok(snn_layer_create_dense(&bad, 63, 10, m));
  ck_assert_snn_err(snn_network_add_layer(net, bad), SNN_E_INVALID);
  snn_layer_free(bad);
  ck_assert_snn_ok(snn_layer_create_dense(&d, 64, 10, m));
  ck_assert_snn_ok(snn_network_add_layer(net, d));
  ck_assert_snn_err(snn_network_add_layer(net, d), SNN_E_STATE); /* already owned */
  snn_layer_free(d); /* owned by the network: no effect */
  ck_assert_uint_eq(snn_network_n_layers(net), 3);
  ck_assert_uint_eq(snn_network_n_outputs(net), 10);
  ck_assert_ptr_eq(snn_network_layer(net, 0), c);
  ck_assert_ptr_eq(snn_network_layer(net, 2), d);
  ck_assert_ptr_null(snn_network_layer(net, 3));
  /* a second network cannot take a layer the first owns */
  snn_network *n2 = NULL;
  ck_assert_snn_ok(snn_network_create(&n2, 1, 1, 64));
  ck_assert_snn_err(snn_network_add_layer(n2, d), SNN_E_STATE);
  snn_network_free(n2);
  float x[2 * 64];
  for (int i = 0; i < 128; i++) x[i] = (float)(i % 7) / 7.0f;
  int32_t lab[2];
  float sc[20];
  ck_assert_snn_ok(snn_network_predict(net, lab, sc, x, 2, 64));
  for (int s = 0; s < 2; s++) ck_assert(lab[s] >= 0 && lab[s] < 10);
  snn_neuron_model_free(m);
  snn_network_free(net);
}
END_TEST

START_TEST(test_settings) {
  snn_network *net = mlp(4, 5, 2);
  double v;
  ck_assert_snn_ok(snn_network_get(&v, net, "steps"));
  ck_assert(v == 25);
  ck_assert_snn_ok(snn_network_get(&v, net, "dt"));
  ck_assert(v == 1.0);
  ck_assert_snn_ok(snn_network_set(net, "steps", 7));
  ck_assert_snn_ok(snn_network_get(&v, net, "steps"));
  ck_assert(v == 7);
  ck_assert_snn_ok(snn_network_set(net, "dt", 0.5));
  ck_assert_snn_ok(snn_network_set(net, "seed", 42));
  ck_assert_snn_ok(snn_network_get(&v, net, "seed"));
  ck_assert(v == 42);
  ck_assert_snn_err(snn_network_set(net, "steps", 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_network_set(net, "steps", 2.5), SNN_E_RANGE);
  ck_assert_snn_err(snn_network_set(net, "dt", 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_network_set(net, "dt", NAN), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set(net, "seed", -1), SNN_E_RANGE);
  ck_assert_snn_err(snn_network_set(net, "bogus", 1), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_network_set(NULL, "steps", 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set(net, NULL, 1), SNN_E_INVALID);
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane_max"));
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "count"));
  ck_assert_snn_err(snn_network_set_str(net, "readout", "nope"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_network_set_str(net, "other", "count"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_network_set_str(net, "readout", NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set_str(NULL, "readout", "count"), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_get(NULL, net, "steps"), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_get(&v, NULL, "steps"), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_get(&v, net, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_get(&v, net, "bogus"), SNN_E_NOTFOUND);
  /* encoders: copied; channel count checked */
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "rate"));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e); /* the network holds its own copy */
  float x[4] = {0.5f, 0.5f, 0.5f, 0.5f};
  int32_t lab;
  ck_assert_snn_ok(snn_network_predict(net, &lab, NULL, x, 1, 4));
  /* population: n_in * m channels can never feed a first layer, which takes
   * the network input as it is; refused with or without layers */
  ck_assert_snn_ok(snn_encoder_create(&e, "population"));
  ck_assert_snn_err(snn_network_set_encoder(net, e), SNN_E_UNSUPPORTED);
  ck_assert_str_eq(snn_encoder_kind(snn_network_encoder(net)), "rate"); /* unchanged */
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 4));
  ck_assert_snn_err(snn_network_set_encoder(empty, e), SNN_E_UNSUPPORTED);
  snn_network_free(empty);
  snn_encoder_free(e);
  ck_assert_snn_ok(snn_encoder_create(&e, "latency")); /* 4 channels: accepted */
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  ck_assert_str_eq(snn_encoder_kind(snn_network_encoder(net)), "latency");
  snn_encoder_free(e);
  ck_assert_snn_err(snn_network_set_encoder(net, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set_encoder(NULL, NULL), SNN_E_INVALID);
  snn_network_free(net);
}
END_TEST

START_TEST(test_init_weights) {
  snn_network *a = mlp(20, 30, 3), *b = mlp(20, 30, 3);
  ck_assert_snn_ok(snn_network_init_weights(a, 5));
  ck_assert_snn_ok(snn_network_init_weights(b, 5));
  float wa[600], wb[600], ba[30];
  ck_assert_snn_ok(snn_layer_param_get(wa, snn_network_layer(a, 0), SNN_PARAM_WEIGHTS, 600));
  ck_assert_snn_ok(snn_layer_param_get(wb, snn_network_layer(b, 0), SNN_PARAM_WEIGHTS, 600));
  ck_assert(memcmp(wa, wb, sizeof wa) == 0);
  double bound = 1.0 / sqrt(20.0), mn = 1, mx = -1;
  for (int i = 0; i < 600; i++) {
    ck_assert(fabs(wa[i]) <= bound);
    mn = fmin(mn, wa[i]);
    mx = fmax(mx, wa[i]);
  }
  ck_assert(mn < -0.8 * bound && mx > 0.8 * bound);
  ck_assert_snn_ok(snn_layer_param_get(ba, snn_network_layer(a, 0), SNN_PARAM_BIAS, 30));
  for (int i = 0; i < 30; i++) ck_assert(fabs(ba[i]) <= bound);
  ck_assert_snn_ok(snn_network_init_weights(b, 6));
  ck_assert_snn_ok(snn_layer_param_get(wb, snn_network_layer(b, 0), SNN_PARAM_WEIGHTS, 600));
  ck_assert(memcmp(wa, wb, sizeof wa) != 0);
  ck_assert_snn_err(snn_network_init_weights(NULL, 1), SNN_E_INVALID);
  snn_network_free(a);
  snn_network_free(b);
}
END_TEST

START_TEST(test_predict_evaluate_activity) {
  snn_network *net = mlp(6, 40, 3);
  ck_assert_snn_ok(snn_network_init_weights(net, 2));
  ck_assert_snn_ok(snn_network_set(net, "steps", 10));
  size_t n = 300;
  float *x = malloc(n * 6 * sizeof(float)), *sc = malloc(n * 3 * sizeof(float));
  int32_t *lab = malloc(n * sizeof(int32_t)), *y = malloc(n * sizeof(int32_t));
  for (size_t i = 0; i < n * 6; i++) x[i] = (float)((i * 37 % 101) / 50.0);
  for (size_t i = 0; i < n; i++) y[i] = (int32_t)(i % 3);
  double sp, sy;
  ck_assert_snn_err(snn_network_activity(&sp, &sy, net, 0), SNN_E_STATE);
  ck_assert_snn_ok(snn_network_predict(net, lab, sc, x, n, 6));
  /* labels are the argmax of the scores (count readout) */
  for (size_t s = 0; s < n; s++) {
    int best = 0;
    for (int c = 1; c < 3; c++)
      if (sc[s * 3 + c] > sc[s * 3 + best]) best = c;
    ck_assert_int_eq(lab[s], best);
  }
  /* one sample at a time gives the same scores */
  float one[3];
  for (size_t s = 0; s < n; s += 37) {
    ck_assert_snn_ok(snn_network_predict(net, NULL, one, x + s * 6, 1, 6));
    for (int c = 0; c < 3; c++) ck_assert(fabsf(one[c] - sc[s * 3 + c]) <= 1e-4f * fmaxf(1, fabsf(one[c])));
  }
  ck_assert_snn_ok(snn_network_predict(net, lab, sc, x, n, 6));
  ck_assert_snn_ok(snn_network_activity(&sp, &sy, net, 0));
  ck_assert(sp >= 0 && sy > 0);
  ck_assert(fabs(sy - 6.0 * 40 * 10) < 1e-6); /* direct input: MACs per step x steps */
  ck_assert_snn_ok(snn_network_activity(&sp, NULL, net, 1));
  ck_assert_snn_err(snn_network_activity(&sp, &sy, net, 2), SNN_E_RANGE);
  ck_assert_snn_err(snn_network_activity(NULL, NULL, net, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_activity(&sp, &sy, NULL, 0), SNN_E_INVALID);
  /* evaluate agrees with predict */
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, n, 6));
  double acc;
  ck_assert_snn_ok(snn_network_evaluate(&acc, net, d));
  size_t ok = 0;
  for (size_t s = 0; s < n; s++) ok += lab[s] == y[s];
  ck_assert(fabs(acc - (double)ok / (double)n) < 1e-12);
  /* clone predicts the same */
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_clone(&c, net));
  float *sc2 = malloc(n * 3 * sizeof(float));
  ck_assert_snn_ok(snn_network_predict(c, NULL, sc2, x, n, 6));
  ck_assert(memcmp(sc, sc2, n * 3 * sizeof(float)) == 0);
  snn_network_free(c);
  /* membrane readouts */
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
  ck_assert_snn_ok(snn_network_predict(net, lab, sc, x, n, 6));
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane_max"));
  ck_assert_snn_ok(snn_network_predict(net, lab, sc2, x, n, 6));
  /* bad arguments */
  ck_assert_snn_err(snn_network_predict(NULL, lab, sc, x, n, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_predict(net, lab, sc, NULL, n, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_predict(net, lab, sc, x, 0, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_predict(net, lab, sc, x, n, 5), SNN_E_INVALID);
  x[7] = NAN;
  ck_assert_snn_err(snn_network_predict(net, lab, sc, x, n, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_evaluate(NULL, net, d), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_evaluate(&acc, NULL, d), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_evaluate(&acc, net, NULL), SNN_E_INVALID);
  snn_dataset *d2 = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d2, x + 8, NULL, 2, 5));
  ck_assert_snn_err(snn_network_evaluate(&acc, net, d2), SNN_E_INVALID);
  snn_dataset_free(d2);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 6));
  ck_assert_snn_err(snn_network_predict(empty, lab, sc, x + 8, 1, 6), SNN_E_STATE);
  snn_network_free(empty);
  snn_dataset_free(d);
  free(x);
  free(sc);
  free(sc2);
  free(lab);
  free(y);
  snn_network_free(net);
}
END_TEST

START_TEST(test_rate_activity) {
  /* rate-coded binary input: synops = input spikes x fan-out */
  snn_network *net = mlp(50, 20, 2);
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "rate"));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e);
  ck_assert_snn_ok(snn_network_set(net, "steps", 10));
  float x[50];
  for (int i = 0; i < 50; i++) x[i] = i < 10 ? 1.0f : 0.0f; /* p = 1: exactly 10 spikes/step */
  ck_assert_snn_ok(snn_network_predict(net, NULL, NULL, x, 1, 50));
  double sp, sy;
  ck_assert_snn_ok(snn_network_activity(&sp, &sy, net, 0));
  ck_assert(fabs(sy - 10 * 10 * 20) < 1e-9);
  snn_network_free(net);
}
END_TEST

START_TEST(test_network_bad_args) {
  snn_network *net = (snn_network *)1;
  ck_assert_snn_err(snn_network_create(NULL, 1, 1, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_create(&net, 0, 1, 1), SNN_E_INVALID);
  ck_assert_ptr_null(net);
  ck_assert_snn_err(snn_network_create(&net, 1, 1, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_create(&net, (size_t)1 << 40, (size_t)1 << 40, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_clone(NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_clone(&net, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_add_layer(NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 3));
  ck_assert_snn_err(snn_network_add_layer(net, NULL), SNN_E_INVALID);
  ck_assert_uint_eq(snn_network_n_layers(NULL), 0);
  ck_assert_uint_eq(snn_network_n_inputs(NULL), 0);
  ck_assert_uint_eq(snn_network_n_outputs(NULL), 0);
  ck_assert_ptr_null(snn_network_layer(NULL, 0));
  snn_network_free(net);
  snn_network_free(NULL);
}
END_TEST

START_TEST(test_network_oom) {
  snn_neuron_model *m = mk_norm_lif();
  float x[8] = {0.1f, 0.2f, 0.3f, 0.4f, 1, 1, 0, 0};
  long n;
  for (n = 1; n < 400; n++) {
    snn_test_oom_install(n);
    snn_network *net = NULL, *c = NULL;
    snn_layer *l = NULL;
    int rc = snn_network_create(&net, 1, 1, 4);
    if (rc == SNN_OK) rc = snn_layer_create_dense(&l, 4, 6, m);
    if (rc == SNN_OK) {
      rc = snn_network_add_layer(net, l);
      if (rc != SNN_OK) snn_layer_free(l);
    }
    if (rc == SNN_OK) rc = snn_layer_create_conv2d(&l, 1, 1, 6, 2, 1, 2, 1, 0, m);
    if (rc == SNN_OK) {
      rc = snn_network_add_layer(net, l);
      if (rc != SNN_OK) snn_layer_free(l);
    }
    if (rc == SNN_OK) rc = snn_network_predict(net, NULL, NULL, x, 2, 4);
    if (rc == SNN_OK) rc = snn_network_clone(&c, net);
    if (rc != SNN_OK) ck_assert_int_eq(rc, SNN_E_NOMEM);
    snn_network_free(c);
    snn_network_free(net);
    ck_assert_int_eq(snn_test_oom_live(), 0);
    snn_test_oom_uninstall();
    if (rc == SNN_OK) break;
  }
  ck_assert_int_lt(n, 400);
  snn_neuron_model_free(m);
}
END_TEST

/* The membrane readout of a spiking output layer (docs/training.md, section
 * 1): lif on the fast path (t_ref 0) is read before the step's reset,
 * lif with a refractory period (the general path) after it, as
 * snn_network_run_sequence reports it. Pinned so that a change is deliberate. */
START_TEST(test_membrane_readout_reset) {
  for (int v = 0; v < 2; v++) {
    snn_network *net = NULL;
    ck_assert_snn_ok(snn_network_create(&net, 1, 1, 3));
    snn_neuron_model *m = NULL;
    ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized")); /* subtract 1 */
    if (v) ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 0.9)); /* one step */
    snn_layer *l = NULL;
    ck_assert_snn_ok(snn_layer_create_dense(&l, 3, 2, m));
    snn_neuron_model_free(m);
    const float w[6] = {3, 1, 0.5f, 2, 2, 2}, b[2] = {0, 0};
    ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, w, 6));
    ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_BIAS, b, 2));
    ck_assert_snn_ok(snn_network_add_layer(net, l));
    ck_assert_snn_ok(snn_network_set(net, "steps", 6));
    ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
    const float x[3] = {1, 1, 1};
    float sc[2], seq[18], out[12], mem[12];
    ck_assert_snn_ok(snn_network_predict(net, NULL, sc, x, 1, 3));
    for (int i = 0; i < 18; i++) seq[i] = 1.0f;
    ck_assert_snn_ok(snn_network_run_sequence(out, mem, net, seq, 6, 3));
    for (int j = 0; j < 2; j++) {
      double after = 0, before = 0, spikes = 0;
      for (int t = 0; t < 6; t++) {
        after += mem[t * 2 + j];
        before += mem[t * 2 + j] + out[t * 2 + j]; /* the reset subtracts V_th - V_reset = 1 */
        spikes += out[t * 2 + j];
      }
      ck_assert_msg(spikes >= 1, "neuron %d never spiked (test is vacuous)", j);
      double want = v ? after : before;
      ck_assert_msg(fabs(sc[j] - want) <= 1e-5 * (1 + fabs(want)),
                    "t_ref %s, neuron %d: readout %g, want %g (before reset %g, after %g)",
                    v ? "0.9" : "0", j, (double)sc[j], want, before, after);
    }
    snn_network_free(net);
  }
}
END_TEST

/* run_sequence checked only the last layer for NaN/Inf: a hidden V of +Inf
 * (3e38 - -3e38 overflows) still emits finite spikes, so the run "succeeded"
 * where predict returns SNN_E_NUMERIC. */
START_TEST(test_run_sequence_hidden_nonfinite) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized"));
  snn_network *net = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 2));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 2, 1, m));
  ck_assert_snn_ok(snn_layer_set_bias(l, 0));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  float w0[2] = {1.0f, -1.0f};
  ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, w0, 2));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 1, 1, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  ck_assert_snn_ok(snn_network_set(net, "steps", 5));
  float xs[10], out[5], sc[1];
  for (int t = 0; t < 5; t++) {
    xs[2 * t] = 3e38f;
    xs[2 * t + 1] = -3e38f;
  }
  ck_assert_snn_err(snn_network_predict(net, NULL, sc, xs, 1, 2), SNN_E_NUMERIC);
  ck_assert_snn_err(snn_network_run_sequence(out, NULL, net, xs, 5, 2), SNN_E_NUMERIC);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "layer 0"));
  /* the same network on ordinary input runs */
  for (int t = 0; t < 10; t++) xs[t] = 0.5f;
  ck_assert_snn_ok(snn_network_run_sequence(out, NULL, net, xs, 5, 2));
  snn_network_free(net);
}
END_TEST

/* A direct encoder's gain times a finite input can overflow. predict
 * reported SNN_E_RANGE (not among its codes) naming an internal function and
 * an index counted from the 256-sample chunk (x[49] for x[561]); now every
 * network call checks first and names its own function and the caller's index. */
START_TEST(test_direct_gain_overflow) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized"));
  snn_network *net = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 2));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 2, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "direct"));
  ck_assert_snn_ok(snn_encoder_set(e, "gain", 10));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e);
  static float x[600];
  static int32_t y[300];
  for (int i = 0; i < 600; i++) x[i] = 0.5f;
  x[561] = 1e38f;
  ck_assert_snn_err(snn_network_predict(net, NULL, NULL, x, 300, 2), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "snn_network_predict: x[561]"));
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, 300, 2));
  double acc;
  ck_assert_snn_err(snn_network_evaluate(&acc, net, d), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "sample 280, feature 1"));
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, net, NULL));
  double loss;
  ck_assert_snn_err(snn_learner_train_epoch(L, &loss, d, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "snn_learner_train_epoch"));
  ck_assert_snn_err(snn_learner_train_batch(L, &loss, x, y, 300, 2), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "x[561]"));
  /* a value that fits with the gain is fine */
  x[561] = 3e37f;
  ck_assert_snn_ok(snn_network_predict(net, NULL, NULL, x, 300, 2));
  snn_learner_free(L);
  snn_dataset_free(d);
  snn_network_free(net);
}
END_TEST

Suite *suite_network(void) {
  Suite *s = suite_create("network");
  TCase *tc = tcase_create("network");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_build_and_shapes);
  tcase_add_test(tc, test_settings);
  tcase_add_test(tc, test_init_weights);
  tcase_add_test(tc, test_predict_evaluate_activity);
  tcase_add_test(tc, test_rate_activity);
  tcase_add_test(tc, test_network_bad_args);
  tcase_add_test(tc, test_network_oom);
  tcase_add_test(tc, test_membrane_readout_reset);
  tcase_add_test(tc, test_run_sequence_hidden_nonfinite);
  tcase_add_test(tc, test_direct_gain_overflow);
  suite_add_tcase(s, tc);
  return s;
}

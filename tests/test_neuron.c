/* Neuron models and populations: parameters, presets, analytic dynamics,
 * published qualitative behaviour, convergence, gradients, custom models,
 * bad arguments, struct_size and OOM. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../neuron/neuron.h"
#include "internal.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------- */

/* For hot loops: Check's ck_assert_* write to a pipe on every call. */
#define OK_FAST(expr)                                                                   \
  do {                                                                                  \
    int rc_ = (expr);                                                                   \
    if (rc_ != SNN_OK) ck_abort_msg("%s returned %d: %s", #expr, rc_, snn_last_error()); \
  } while (0)

static snn_neuron_model *mk(const char *kind, const char *preset) {
  snn_neuron_model *m = NULL;
  if (preset)
    ck_assert_snn_ok(snn_neuron_model_create_preset(&m, kind, preset));
  else
    ck_assert_snn_ok(snn_neuron_model_create(&m, kind));
  return m;
}

/* Simulates one neuron under constant current I from t = 0 for T ms; writes
 * up to cap spike times (end of the spiking step) and returns the count. */
static size_t run1(const snn_neuron_model *m, double I, double dt, double T, double *times,
                   size_t cap) {
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  long n_steps = lround(T / dt);
  float fi = (float)I;
  size_t count = 0;
  for (long k = 0; k < n_steps; k++) {
    uint8_t s = 0;
    OK_FAST(snn_population_step(p, &s, &fi, 1, dt));
    if (s) {
      if (count < cap) times[count] = (double)(k + 1) * dt;
      count++;
    }
  }
  snn_population_free(p);
  return count;
}

/* ---- kinds, presets, parameters --------------------------------------------- */

START_TEST(test_kinds) {
  ck_assert_uint_eq(snn_neuron_kind_count(), 5);
  const char *want[] = {"if", "lif", "izhikevich", "adex", "srm"};
  for (size_t i = 0; i < 5; i++) {
    ck_assert_str_eq(snn_neuron_kind_name(i), want[i]);
    snn_neuron_model *m = mk(want[i], NULL);
    ck_assert_str_eq(snn_neuron_model_kind(m), want[i]);
    ck_assert_str_eq(snn_neuron_model_state_name(m, 0), "V");
    snn_neuron_model_free(m);
  }
  ck_assert_ptr_null(snn_neuron_kind_name(5));
  ck_assert_ptr_null(snn_neuron_kind_name((size_t)-1));
  snn_neuron_model_free(NULL);
  snn_population_free(NULL);
}
END_TEST

START_TEST(test_param_names_contract) {
  /* the exact names of the issue are the contract of the CLI and docs */
  static const char *const names[4][13] = {
      {"C_m", "V_th", "V_reset", "E_L", "t_ref", NULL},
      {"C_m", "g_L", "E_L", "V_th", "V_reset", "t_ref", NULL},
      {"C", "k", "v_r", "v_t", "v_peak", "a", "b", "c", "d", NULL},
      {"C", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_r", "V_peak", "t_ref", NULL}};
  const char *kinds[] = {"if", "lif", "izhikevich", "adex"};
  for (int k = 0; k < 4; k++) {
    snn_neuron_model *m = mk(kinds[k], NULL);
    for (int j = 0; names[k][j]; j++) {
      double v;
      ck_assert_snn_ok(snn_neuron_model_get(&v, m, names[k][j]));
      ck_assert_int_ge(snn__neuron_param_index(m, names[k][j]), 0);
    }
    ck_assert_int_eq(snn__neuron_param_index(m, "nope"), -1);
    /* every parameter described, default within range, defaults are current values */
    const double *pv = snn__neuron_params(m);
    for (size_t i = 0; i < snn_neuron_model_param_count(m); i++) {
      snn_param_info info = SNN_PARAM_INFO_INIT;
      ck_assert_snn_ok(snn_neuron_model_param_info(&info, m, i));
      ck_assert_ptr_nonnull(info.name);
      ck_assert_ptr_nonnull(info.unit);
      ck_assert_ptr_nonnull(info.doc);
      ck_assert(strlen(info.doc) > 0);
      ck_assert(info.min_value <= info.default_value && info.default_value <= info.max_value);
      ck_assert(pv[i] == info.default_value);
      ck_assert_int_eq(snn__neuron_param_index(m, info.name), (int)i);
    }
    snn_neuron_model_free(m);
  }
  /* t_ref defaults to 0 for izhikevich and adex, as published */
  double v;
  snn_neuron_model *m = mk("adex", NULL);
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "t_ref"));
  ck_assert(v == 0.0);
  snn_neuron_model_free(m);
  m = mk("izhikevich", NULL);
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "t_ref"));
  ck_assert(v == 0.0);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_state_names) {
  snn_neuron_model *m = mk("lif", NULL);
  ck_assert_uint_eq(snn_neuron_model_state_count(m), 1);
  ck_assert_ptr_null(snn_neuron_model_state_name(m, 1));
  ck_assert_uint_eq(snn__neuron_n_state(m), 3);
  snn_neuron_model_free(m);
  m = mk("izhikevich", NULL);
  ck_assert_uint_eq(snn_neuron_model_state_count(m), 2);
  ck_assert_str_eq(snn_neuron_model_state_name(m, 1), "u");
  ck_assert_uint_eq(snn__neuron_n_state(m), 4);
  snn_neuron_model_free(m);
  m = mk("adex", NULL);
  ck_assert_str_eq(snn_neuron_model_state_name(m, 1), "w");
  ck_assert_ptr_null(snn_neuron_model_state_name(m, 2));
  snn_neuron_model_free(m);
  ck_assert_uint_eq(snn_neuron_model_state_count(NULL), 0);
  ck_assert_ptr_null(snn_neuron_model_state_name(NULL, 0));
  ck_assert_uint_eq(snn_neuron_model_param_count(NULL), 0);
  ck_assert_ptr_null(snn_neuron_model_kind(NULL));
  ck_assert_uint_eq(snn__neuron_n_state(NULL), 0);
  ck_assert_ptr_null(snn__neuron_params(NULL));
  ck_assert_int_eq(snn__neuron_has_grad(NULL), 0);
}
END_TEST

START_TEST(test_presets) {
  ck_assert_uint_eq(snn_neuron_preset_count("izhikevich"), 6);
  ck_assert_uint_eq(snn_neuron_preset_count("adex"), 9);
  ck_assert_uint_eq(snn_neuron_preset_count("lif"), 2);
  ck_assert_uint_eq(snn_neuron_preset_count("if"), 2);
  ck_assert_uint_eq(snn_neuron_preset_count("nope"), 0);
  ck_assert_uint_eq(snn_neuron_preset_count(NULL), 0);
  ck_assert_ptr_null(snn_neuron_preset_name("adex", 9));
  ck_assert_ptr_null(snn_neuron_preset_doc("adex", 9));
  ck_assert_ptr_null(snn_neuron_preset_name(NULL, 0));
  ck_assert_ptr_null(snn_neuron_preset_doc("nope", 0));
  const char *naud[] = {"tonic", "adapting", "initial_burst", "regular_bursting",
                        "delayed_accelerating", "delayed_regular_bursting", "transient",
                        "irregular", "bg2005"};
  for (size_t i = 0; i < 9; i++) {
    snn_neuron_model *m = mk("adex", naud[i]);
    snn_neuron_model_free(m);
  }
  for (size_t k = 0; k < snn_neuron_kind_count(); k++) {
    const char *kind = snn_neuron_kind_name(k);
    for (size_t i = 0; i < snn_neuron_preset_count(kind); i++) {
      ck_assert_ptr_nonnull(snn_neuron_preset_name(kind, i));
      ck_assert(strlen(snn_neuron_preset_doc(kind, i)) > 0);
      snn_neuron_model *m = mk(kind, snn_neuron_preset_name(kind, i));
      /* preset values respect the parameter ranges */
      for (size_t j = 0; j < snn_neuron_model_param_count(m); j++) {
        snn_param_info info = SNN_PARAM_INFO_INIT;
        ck_assert_snn_ok(snn_neuron_model_param_info(&info, m, j));
        double v = snn__neuron_params(m)[j];
        ck_assert(v >= info.min_value && v <= info.max_value);
      }
      snn_neuron_model_free(m);
    }
  }
  /* 2003 -> 2007 mapping: C = 1, k = 0.04, v_r a root of 0.04 v^2 + (5 - b) v + 140,
   * v_r + v_t = -125 (so 0.04 (v - v_r)(v - v_t) = 0.04 v^2 + 5 v + 140 - b v_r) */
  const char *iz[] = {"rs_2003", "ib_2003", "ch_2003", "fs_2003", "lts_2003"};
  for (size_t i = 0; i < 5; i++) {
    snn_neuron_model *m = mk("izhikevich", iz[i]);
    double C, k, vr, vt, b, vpk;
    snn_neuron_model_get(&C, m, "C");
    snn_neuron_model_get(&k, m, "k");
    snn_neuron_model_get(&vr, m, "v_r");
    snn_neuron_model_get(&vt, m, "v_t");
    snn_neuron_model_get(&b, m, "b");
    snn_neuron_model_get(&vpk, m, "v_peak");
    ck_assert(C == 1.0 && k == 0.04 && vpk == 30.0);
    ck_assert_double_eq_tol(0.04 * vr * vr + (5.0 - b) * vr + 140.0, 0.0, 1e-9);
    ck_assert_double_eq_tol(vr + vt, -125.0, 1e-9);
    ck_assert_double_eq_tol(0.04 * vr * vt, 140.0 - b * vr, 1e-9);
    ck_assert(vr < vt);
    snn_neuron_model_free(m);
  }
  snn_neuron_model *m = mk("izhikevich", "rs_2003");
  double vr;
  snn_neuron_model_get(&vr, m, "v_r");
  ck_assert(vr == -70.0);
  snn_neuron_model_free(m);
  /* the 2007 book RS cell is the default */
  m = mk("izhikevich", "rs_2007");
  snn_neuron_model *d = mk("izhikevich", NULL);
  ck_assert_int_eq(memcmp(snn__neuron_params(m), snn__neuron_params(d),
                          snn_neuron_model_param_count(m) * sizeof(double)),
                   0);
  snn_neuron_model_free(m);
  snn_neuron_model_free(d);
}
END_TEST

START_TEST(test_set_get) {
  snn_neuron_model *m = mk("lif", NULL);
  double v;
  ck_assert_snn_ok(snn_neuron_model_set(m, "g_L", 10.0));
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "g_L"));
  ck_assert(v == 10.0);
  ck_assert_snn_err(snn_neuron_model_set(m, "g_L", -1.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set(m, "g_L", 0.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set(m, "C_m", INFINITY), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_set(m, "C_m", NAN), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_set(m, "tau_m", 1.0), SNN_E_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "g_L"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "tau_m"));
  ck_assert_snn_err(snn_neuron_model_set(NULL, "g_L", 1.0), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_set(m, NULL, 1.0), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_get(NULL, m, "g_L"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_get(&v, NULL, "g_L"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_get(&v, m, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_get(&v, m, "x"), SNN_E_NOTFOUND);
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "g_L"));
  ck_assert(v == 10.0); /* failed sets left it alone */
  /* enumerated reset */
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "reset"));
  ck_assert(v == 0.0);
  ck_assert_snn_ok(snn_neuron_model_set_str(m, "reset", "subtract"));
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "reset"));
  ck_assert(v == 1.0);
  ck_assert_snn_ok(snn_neuron_model_set_str(m, "reset", "zero"));
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "reset"));
  ck_assert(v == 0.0);
  ck_assert_snn_ok(snn_neuron_model_set(m, "reset", 1.0));
  ck_assert_snn_err(snn_neuron_model_set(m, "reset", 0.5), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set(m, "reset", 2.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set_str(m, "reset", "half"), SNN_E_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "subtract"));
  ck_assert_snn_err(snn_neuron_model_set_str(m, "g_L", "zero"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_neuron_model_set_str(m, "nope", "zero"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_neuron_model_set_str(NULL, "reset", "zero"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_set_str(m, NULL, "zero"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_set_str(m, "reset", NULL), SNN_E_INVALID);
  snn_neuron_model_free(m);
  m = mk("if", NULL);
  ck_assert_snn_ok(snn_neuron_model_set_str(m, "reset", "subtract"));
  snn_neuron_model_free(m);
  m = mk("adex", NULL);
  ck_assert_snn_err(snn_neuron_model_set(m, "Delta_T", 0.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set_str(m, "reset", "zero"), SNN_E_NOTFOUND);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_param_info) {
  snn_neuron_model *m = mk("lif", NULL);
  snn_param_info info = SNN_PARAM_INFO_INIT;
  ck_assert_snn_ok(snn_neuron_model_param_info(&info, m, 1));
  ck_assert_str_eq(info.name, "g_L");
  ck_assert_str_eq(info.unit, "nS");
  ck_assert_snn_err(snn_neuron_model_param_info(&info, m, 7), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_param_info(NULL, m, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_param_info(&info, NULL, 0), SNN_E_INVALID);
  /* struct_size: too small for the name -> VERSION */
  info.struct_size = sizeof(size_t);
  ck_assert_snn_err(snn_neuron_model_param_info(&info, m, 0), SNN_E_VERSION);
  info.struct_size = 0;
  ck_assert_snn_err(snn_neuron_model_param_info(&info, m, 0), SNN_E_VERSION);
  /* an older, smaller struct: only the covered fields are written */
  struct {
    snn_param_info info;
    char guard[16];
  } big;
  memset(&big, 0xAB, sizeof big);
  big.info.struct_size = offsetof(snn_param_info, default_value) + sizeof(double);
  ck_assert_snn_ok(snn_neuron_model_param_info(&big.info, m, 0));
  ck_assert_str_eq(big.info.name, "C_m");
  ck_assert(big.info.default_value == 250.0);
  unsigned char *tail = (unsigned char *)&big.info.min_value;
  for (size_t i = 0; i < sizeof big - offsetof(snn_param_info, min_value); i++)
    ck_assert_uint_eq(tail[i], 0xAB);
  /* a newer, larger struct: the known fields are written, the rest untouched */
  memset(&big, 0xAB, sizeof big);
  big.info.struct_size = sizeof big;
  ck_assert_snn_ok(snn_neuron_model_param_info(&big.info, m, 0));
  ck_assert_str_eq(big.info.unit, "pF");
  ck_assert_uint_eq((unsigned char)big.guard[0], 0xAB);
  ck_assert_uint_eq(big.info.struct_size, sizeof big);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_create_bad_args) {
  snn_neuron_model *m = (snn_neuron_model *)1;
  ck_assert_snn_err(snn_neuron_model_create(NULL, "lif"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_create(&m, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(m);
  m = (snn_neuron_model *)1;
  ck_assert_snn_err(snn_neuron_model_create(&m, "hodgkin"), SNN_E_NOTFOUND);
  ck_assert_ptr_null(m);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "izhikevich"));
  ck_assert_snn_err(snn_neuron_model_create_preset(NULL, "adex", "tonic"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_create_preset(&m, NULL, "tonic"), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_create_preset(&m, "adex", NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_create_preset(&m, "nope", "tonic"), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_neuron_model_create_preset(&m, "adex", "rs_2003"), SNN_E_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "delayed_regular_bursting"));
  ck_assert_ptr_null(m);
  snn_neuron_model *c = (snn_neuron_model *)1;
  ck_assert_snn_err(snn_neuron_model_clone(NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_clone(&c, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(c);
}
END_TEST

START_TEST(test_clone) {
  snn_neuron_model *m = mk("adex", "tonic"), *c = NULL;
  ck_assert_snn_ok(snn_neuron_model_clone(&c, m));
  ck_assert_str_eq(snn_neuron_model_kind(c), "adex");
  double a, b;
  snn_neuron_model_get(&a, c, "tau_w");
  ck_assert(a == 30.0);
  ck_assert_snn_ok(snn_neuron_model_set(c, "tau_w", 50.0));
  snn_neuron_model_get(&a, c, "tau_w");
  snn_neuron_model_get(&b, m, "tau_w");
  ck_assert(a == 50.0 && b == 30.0);
  snn_neuron_model_free(m);
  snn_neuron_model_free(c);
}
END_TEST

/* ---- analytic dynamics ----------------------------------------------------- */

/* LIF firing rate under constant current vs 1/(t_ref + tau ln(RI/(RI - (V_th - E_L)))) */
START_TEST(test_lif_rate) {
  /* spikes are detected at step ends, so a period is rounded up to whole steps:
   * dt must be small against the period (dt 0.1 only for periods >= 15 ms) */
  const double dts[] = {0.01, 0.1};
  const double currents[] = {400.0, 500.0, 1000.0};
  for (size_t di = 0; di < 2; di++) {
    for (size_t ci = 0; ci < (di ? 2u : 3u); ci++) {
      snn_neuron_model *m = mk("lif", NULL); /* C 250, g_L 25 (tau 10), E_L = V_reset */
      double I = currents[ci], R = 1.0 / 25.0, tau = 10.0, tref = 2.0, dv = 15.0;
      double T_pred = tref + tau * log(R * I / (R * I - dv));
      double times[512];
      size_t n = run1(m, I, dts[di], 1000.0, times, 512);
      ck_assert_uint_ge(n, 10);
      /* mean period from first to last spike */
      double T_sim = (times[n - 1] - times[0]) / (double)(n - 1);
      ck_assert_msg(fabs(1.0 / T_sim - 1.0 / T_pred) <= 0.01 / T_pred,
                    "dt %g I %g: rate %g Hz vs formula %g Hz", dts[di], I, 1000.0 / T_sim,
                    1000.0 / T_pred);
      snn_neuron_model_free(m);
    }
  }
  /* below rheobase (R I <= V_th - E_L): no spikes */
  snn_neuron_model *m = mk("lif", NULL);
  double t[4];
  ck_assert_uint_eq(run1(m, 374.0, 0.1, 500.0, t, 4), 0);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_if_rate) {
  /* period = t_ref + C (V_th - V_reset) / I */
  const double currents[] = {375.0, 500.0, 937.5};
  for (size_t ci = 0; ci < 3; ci++) {
    snn_neuron_model *m = mk("if", NULL);
    double I = currents[ci];
    double T_pred = 2.0 + 250.0 * 15.0 / I;
    double times[512];
    size_t n = run1(m, I, 0.01, 1000.0, times, 512);
    ck_assert_uint_ge(n, 10);
    double T_sim = (times[n - 1] - times[0]) / (double)(n - 1);
    ck_assert_msg(fabs(T_sim - T_pred) <= 0.01 * T_pred, "I %g: period %g vs %g", I, T_sim,
                  T_pred);
    /* first spike: integrate from E_L = V_reset without refractoriness */
    ck_assert_double_eq_tol(times[0], 250.0 * 15.0 / I, 0.011);
    snn_neuron_model_free(m);
  }
}
END_TEST

/* Sub-threshold LIF equals the exact exponential to 1e-4 mV, also with
 * piecewise-constant input and per-neuron currents. */
START_TEST(test_lif_subthreshold_exact) {
  snn_neuron_model *m = mk("lif", NULL);
  const size_t n = 3;
  const double Is[3] = {100.0, 300.0, -200.0};
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, n));
  double dt = 0.1, tau = 10.0, EL = -70.0;
  double vexact[3] = {EL, EL, EL}, maxerr = 0.0;
  for (int k = 0; k < 2000; k++) {
    double scale = k < 1000 ? 1.0 : 0.25; /* input changes at t = 100 ms */
    float fi[3];
    for (size_t i = 0; i < n; i++) fi[i] = (float)(Is[i] * scale);
    uint8_t s[3];
    OK_FAST(snn_population_step(p, s, fi, n, dt));
    float V[3];
    OK_FAST(snn_population_state_get(V, p, "V", n));
    for (size_t i = 0; i < n; i++) {
      double vinf = EL + (double)fi[i] / 25.0;
      vexact[i] = vinf + (vexact[i] - vinf) * exp(-dt / tau);
      double err = fabs(V[i] - vexact[i]);
      maxerr = err > maxerr ? err : maxerr;
      if (s[i] != 0 || !(err <= 1e-4))
        ck_abort_msg("step %d neuron %zu: %.7f vs %.7f", k, i, (double)V[i], vexact[i]);
    }
  }
  ck_assert_msg(maxerr < 2e-5, "max error %g mV", maxerr);
  snn_population_free(p);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_lif_reset_modes_and_refractory) {
  /* normalized form with subtraction: V_th 1, beta = exp(-dt/10) */
  snn_neuron_model *m = mk("lif", "normalized");
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  float v0 = 0.95f, fi = 1.0f; /* V_inf = 1.0; from 0.95 */
  ck_assert_snn_ok(snn_population_state_set(p, "V", &v0, 1));
  float big = 20.0f; /* V_inf = 20: crosses in one step */
  uint8_t s;
  ck_assert_snn_ok(snn_population_step(p, &s, &big, 1, 1.0));
  float V;
  snn_population_state_get(&V, p, "V", 1);
  double beta = exp(-0.1);
  double vpre = 20.0 + (0.95 - 20.0) * beta;
  ck_assert_uint_eq(s, 1);
  ck_assert_double_eq_tol(V, vpre - 1.0, 1e-5); /* subtract V_th - V_reset = 1 */
  (void)fi;
  snn_population_free(p);
  /* zero reset + refractory: t_ref 2 ms at dt 0.1 = 20 held steps */
  snn_neuron_model_free(m);
  m = mk("lif", NULL);
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  float I = 2000.0f;
  int k = 0, first = -1, second = -1;
  for (k = 0; k < 200 && second < 0; k++) {
    ck_assert_snn_ok(snn_population_step(p, &s, &I, 1, 0.1));
    snn_population_state_get(&V, p, "V", 1);
    if (s) {
      ck_assert(V == -70.0f);
      if (first < 0)
        first = k;
      else
        second = k;
    } else if (first >= 0 && k - first <= 20) {
      ck_assert(V == -70.0f); /* held during the refractory period */
    }
  }
  ck_assert_int_ge(first, 0);
  ck_assert_int_gt(second, first + 20);
  /* after 20 held steps it integrates again: the 21st step after the spike moves V */
  snn_population_free(p);
  snn_neuron_model_free(m);
}
END_TEST

/* The refractory period is exactly round(t_ref/dt) steps even when that is
 * many steps: a time left in float32 ms decremented by dt drifted (19,997
 * held steps instead of 20,000 at t_ref 2 ms, dt 1e-4 ms; 199,765 instead of
 * 200,000 at dt 1e-5 ms). The input crosses threshold in one step,
 * so spikes are n_ref + 1 steps apart. */
static long refractory_interval(const char *kind, double t_ref, double dt, float I) {
  snn_neuron_model *m = mk(kind, NULL);
  ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", t_ref));
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  long first = -1, gap = -1, limit = (long)(3.0 * t_ref / dt) + 10;
  uint8_t s;
  for (long k = 0; k < limit && gap < 0; k++) {
    ck_assert_snn_ok(snn_population_step(p, &s, &I, 1, dt));
    if (!s) continue;
    if (first < 0)
      first = k;
    else
      gap = k - first;
  }
  snn_population_free(p);
  snn_neuron_model_free(m);
  return gap;
}

/* The sub-stepped kinds hold v at its reset value while refractory: count
 * the held steps after the first spike (one step less than round(t_ref/dt)
 * is possible: the first sub-step after a spike is longer by the carry). */
static long held_2d(const char *kind, double t_ref, double dt, float I) {
  snn_neuron_model *m = mk(kind, NULL);
  ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", t_ref));
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  long held = -1, limit = (long)((20.0 + 2.0 * t_ref) / dt);
  float V, vres = 0.0f;
  uint8_t s;
  for (long k = 0; k < limit; k++) {
    ck_assert_snn_ok(snn_population_step(p, &s, &I, 1, dt));
    ck_assert_snn_ok(snn_population_state_get(&V, p, "V", 1));
    if (held < 0) {
      if (s) {
        held = 0;
        vres = V;
      }
    } else if (V == vres) {
      held++;
    } else {
      break;
    }
  }
  snn_population_free(p);
  snn_neuron_model_free(m);
  return held;
}

START_TEST(test_refractory_long_exact) {
  /* izhikevich / adex: 19,998 / 19,997 held steps before r counted sub-steps */
  long h = held_2d("izhikevich", 2.0, 1e-4, 400.0f);
  ck_assert_msg(h == 20000 || h == 19999, "izhikevich: %ld held steps", h);
  h = held_2d("adex", 2.0, 1e-4, 2000.0f);
  ck_assert_msg(h == 20000 || h == 19999, "adex: %ld held steps", h);
  ck_assert_int_eq(refractory_interval("lif", 2.0, 1e-4, 1e12f), 20001);
  ck_assert_int_eq(refractory_interval("if", 2.0, 1e-4, 1e12f), 20001);
  ck_assert_int_eq(refractory_interval("if", 0.25, 0.1, 1e12f), 3); /* 2.5 steps: 2 */
  ck_assert_int_eq(refractory_interval("lif", 0.05, 0.1, 1e12f), 1); /* half a step: none */
}
END_TEST

/* ---- published qualitative behaviour -------------------------------------- */

static size_t isis(const double *t, size_t n, double *isi) {
  for (size_t i = 1; i < n; i++) isi[i - 1] = t[i] - t[i - 1];
  return n ? n - 1 : 0;
}

START_TEST(test_izhikevich_2003_classes) {
  double t[256], isi[256];
  size_t n, ni;
  snn_neuron_model *m;
  /* RS: tonic with adaptation */
  m = mk("izhikevich", "rs_2003");
  n = run1(m, 10.0, 0.1, 300.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert_uint_ge(n, 5);
  ck_assert_uint_le(n, 12);
  ck_assert(isi[0] < 0.5 * isi[ni - 1]);
  snn_neuron_model_free(m);
  /* IB: a burst of >= 2 spikes, then tonic at long intervals */
  m = mk("izhikevich", "ib_2003");
  n = run1(m, 10.0, 0.1, 300.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(isi[0] < 5.0 && isi[1] < 5.0);
  ck_assert(isi[ni - 1] > 20.0 && isi[ni - 2] > 20.0);
  snn_neuron_model_free(m);
  /* CH: repeated bursts: several short and several long intervals */
  m = mk("izhikevich", "ch_2003");
  n = run1(m, 10.0, 0.1, 300.0, t, 256);
  ni = isis(t, n, isi);
  size_t n_short = 0, n_long = 0;
  for (size_t i = 0; i < ni; i++) {
    n_short += isi[i] < 6.0;
    n_long += isi[i] > 30.0;
  }
  ck_assert_uint_ge(n_long, 3);
  ck_assert_uint_ge(n_short, 3 * n_long);
  snn_neuron_model_free(m);
  /* FS: > 100 Hz, no long pauses */
  m = mk("izhikevich", "fs_2003");
  n = run1(m, 10.0, 0.1, 300.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert_uint_ge(n, 30);
  for (size_t i = 0; i < ni; i++) ck_assert(isi[i] < 10.0);
  snn_neuron_model_free(m);
  /* LTS: high initial frequency, adapting */
  m = mk("izhikevich", "lts_2003");
  n = run1(m, 10.0, 0.1, 300.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(isi[0] < 4.0);
  ck_assert(isi[ni - 1] > 3.0 * isi[0]);
  snn_neuron_model_free(m);
  /* no input: every class rests (v_r is the resting state with u = 0) */
  const char *all[] = {"rs_2003", "ib_2003", "ch_2003", "fs_2003", "lts_2003", "rs_2007"};
  for (size_t i = 0; i < 6; i++) {
    m = mk("izhikevich", all[i]);
    ck_assert_uint_eq(run1(m, 0.0, 0.1, 100.0, t, 256), 0);
    snn_neuron_model_free(m);
  }
  /* 2007 RS cell: regular spiking at 70 pA, silent at 30 pA (rheobase ~ 51 pA) */
  m = mk("izhikevich", "rs_2007");
  n = run1(m, 70.0, 0.1, 500.0, t, 256);
  ck_assert_uint_ge(n, 2);
  ck_assert_uint_le(n, 6);
  ck_assert_uint_eq(run1(m, 30.0, 0.1, 500.0, t, 256), 0);
  n = run1(m, 300.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(isi[0] < isi[ni - 1]); /* spike-frequency adaptation at high current */
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_adex_naud_patterns) {
  double t[256], isi[256];
  size_t n, ni;
  snn_neuron_model *m;
  /* tonic: regular, no adaptation */
  m = mk("adex", "tonic");
  n = run1(m, 500.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert_uint_ge(n, 30);
  ck_assert(isi[ni - 1] / isi[0] > 0.9 && isi[ni - 1] / isi[0] < 1.25);
  snn_neuron_model_free(m);
  /* adapting: adaptation ratio (last/first ISI) > 3 */
  m = mk("adex", "adapting");
  n = run1(m, 500.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(isi[ni - 1] / isi[0] > 3.0);
  for (size_t i = 1; i < ni; i++) ck_assert(isi[i] >= isi[i - 1] - 0.2); /* monotone */
  snn_neuron_model_free(m);
  /* initial burst: the first two ISIs short, then regular long ISIs */
  m = mk("adex", "initial_burst");
  n = run1(m, 400.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(isi[0] < 10.0 && isi[1] < 10.0);
  ck_assert(isi[ni - 1] > 5.0 * isi[0]);
  ck_assert(fabs(isi[ni - 1] - isi[ni - 2]) < 1.0);
  snn_neuron_model_free(m);
  /* regular bursting: bursts of >= 2 spikes separated by long pauses, repeatedly */
  m = mk("adex", "regular_bursting");
  n = run1(m, 210.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  size_t n_long = 0, n_short = 0;
  for (size_t i = 0; i < ni; i++) {
    n_long += isi[i] > 50.0;
    n_short += isi[i] < 10.0;
  }
  ck_assert_uint_ge(n_long, 2);
  ck_assert_uint_ge(n_short, n_long);
  snn_neuron_model_free(m);
  /* delayed accelerating: late first spike, decreasing ISIs */
  m = mk("adex", "delayed_accelerating");
  n = run1(m, 300.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(t[0] > 20.0);
  ck_assert(isi[ni - 1] < 0.7 * isi[0]);
  snn_neuron_model_free(m);
  /* delayed regular bursting: late first spike, then bursts */
  m = mk("adex", "delayed_regular_bursting");
  n = run1(m, 110.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(t[0] > 30.0);
  n_long = n_short = 0;
  for (size_t i = 0; i < ni; i++) {
    n_long += isi[i] > 30.0;
    n_short += isi[i] < 10.0;
  }
  ck_assert_uint_ge(n_long, 3);
  ck_assert_uint_ge(n_short, 2 * n_long);
  snn_neuron_model_free(m);
  /* transient: one or a few spikes at onset, then silence */
  m = mk("adex", "transient");
  n = run1(m, 180.0, 0.1, 500.0, t, 256);
  ck_assert_uint_ge(n, 1);
  ck_assert_uint_le(n, 3);
  ck_assert(t[n - 1] < 100.0);
  snn_neuron_model_free(m);
  /* irregular: coefficient of variation of the ISIs (after onset) > 0.3 */
  m = mk("adex", "irregular");
  n = run1(m, 160.0, 0.1, 1000.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert_uint_ge(ni, 10);
  double mean = 0, var = 0;
  for (size_t i = 3; i < ni; i++) mean += isi[i];
  mean /= (double)(ni - 3);
  for (size_t i = 3; i < ni; i++) var += (isi[i] - mean) * (isi[i] - mean);
  var /= (double)(ni - 4);
  ck_assert(sqrt(var) / mean > 0.3);
  snn_neuron_model_free(m);
  /* Brette & Gerstner 2005: adaptation ratio > 2 at 1 nA, silent without input */
  m = mk("adex", "bg2005");
  n = run1(m, 1000.0, 0.1, 500.0, t, 256);
  ni = isis(t, n, isi);
  ck_assert(isi[ni - 1] / isi[0] > 2.0);
  ck_assert_uint_eq(run1(m, 0.0, 0.1, 200.0, t, 256), 0);
  snn_neuron_model_free(m);
}
END_TEST

/* Documented tolerance (docs/neuron-models.md): with the default h_max and
 * tol, spike times at dt = 0.1 ms match a dt = 0.001 ms run of the same code
 * in count, and each within 0.15 ms + 0.2 % of the spike time, over 200 ms of
 * the preset's stimulus. The chaotic "irregular" preset is excluded. */
START_TEST(test_convergence) {
  static const struct {
    const char *kind, *preset;
    double I;
  } cases[] = {
      {"izhikevich", "rs_2003", 10.0},      {"izhikevich", "ib_2003", 10.0},
      {"izhikevich", "ch_2003", 10.0},      {"izhikevich", "fs_2003", 10.0},
      {"izhikevich", "lts_2003", 10.0},     {"izhikevich", "rs_2007", 300.0},
      {"adex", "bg2005", 1000.0},           {"adex", "tonic", 500.0},
      {"adex", "adapting", 500.0},          {"adex", "initial_burst", 400.0},
      {"adex", "regular_bursting", 210.0},  {"adex", "delayed_accelerating", 300.0},
      {"adex", "delayed_regular_bursting", 110.0}, {"adex", "transient", 180.0},
  };
  size_t nc = sizeof cases / sizeof cases[0];
  double T = snn_test_quick() ? 50.0 : 200.0;
  for (size_t c = 0; c < nc; c++) {
    if (snn_test_quick() && c % 4 != 0) continue;
    snn_neuron_model *m = mk(cases[c].kind, cases[c].preset);
    double a[256], b[256];
    /* the run at dt 0.1 is longer, so a reference spike just before T is matched */
    size_t na = run1(m, cases[c].I, 0.1, T + 5.0, a, 256);
    size_t nb = run1(m, cases[c].I, 0.001, T, b, 256);
    size_t na_T = 0;
    while (na_T < na && a[na_T] <= T - 2.0) na_T++;
    ck_assert_msg(na >= nb && na_T <= nb, "%s/%s: %zu spikes at dt 0.1, %zu at dt 0.001",
                  cases[c].kind, cases[c].preset, na, nb);
    for (size_t i = 0; i < nb; i++)
      ck_assert_msg(fabs(a[i] - b[i]) <= 0.15 + 0.002 * b[i], "%s/%s spike %zu: %.4f vs %.4f",
                    cases[c].kind, cases[c].preset, i, a[i], b[i]);
    snn_neuron_model_free(m);
  }
}
END_TEST

/* Large inputs and extreme states never overflow: AdEx's exponential is bounded. */
START_TEST(test_no_overflow) {
  const char *kinds[] = {"adex", "izhikevich"};
  for (int k = 0; k < 2; k++) {
    snn_neuron_model *m = mk(kinds[k], NULL);
    snn_population *p = NULL;
    ck_assert_snn_ok(snn_population_create(&p, m, 4));
    float V[4] = {-80.0f, 0.0f, 500.0f, 9000.0f};
    ck_assert_snn_ok(snn_population_state_set(p, "V", V, 4));
    float I[4] = {1e6f, -1e5f, 1e7f, 0.0f};
    uint8_t s[4];
    for (int i = 0; i < 200; i++) OK_FAST(snn_population_step(p, s, I, 4, 1.0));
    snn_population_free(p);
    /* very coarse steps */
    ck_assert_snn_ok(snn_neuron_model_set(m, "h_max", 1.0));
    ck_assert_snn_ok(snn_population_create(&p, m, 4));
    for (int i = 0; i < 50; i++) OK_FAST(snn_population_step(p, s, I, 4, 1.0));
    snn_population_free(p);
    snn_neuron_model_free(m);
  }
  snn_neuron_model *m = mk("adex", NULL);
  ck_assert_snn_ok(snn_neuron_model_set(m, "Delta_T", 0.01)); /* (V_peak - V_T)/Delta_T huge */
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  float I = 2000.0f;
  uint8_t s;
  for (int i = 0; i < 2000; i++) OK_FAST(snn_population_step(p, &s, &I, 1, 0.1));
  snn_population_free(p);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_refractory_2d) {
  snn_neuron_model *m = mk("adex", "tonic");
  ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 5.0));
  double t[64];
  size_t n = run1(m, 2000.0, 0.1, 100.0, t, 64);
  ck_assert_uint_ge(n, 3);
  for (size_t i = 1; i < n; i++) ck_assert(t[i] - t[i - 1] >= 5.0 - 1e-9);
  snn_neuron_model_free(m);
}
END_TEST

/* ---- gradients ------------------------------------------------------------- */

static float sg_fast_sigmoid(float x, const void *user) {
  float slope = *(const float *)user;
  float d = 1.0f + slope * fabsf(x);
  return 1.0f / (d * d);
}

/* Finite-difference check of step_grad on sub-threshold trajectories
 * (L = sum_k g_k * state_after_k, no spikes). */
static void check_grad_fd(const char *kind, const char *preset, float v0, float I0, double dt) {
  snn_neuron_model *m = mk(kind, preset);
  ck_assert(snn__neuron_has_grad(m));
  size_t ns = snn__neuron_n_state(m), npub = snn_neuron_model_state_count(m);
  float st[8], st2[8], gs[8] = {0}, gsb[8], gin;
  uint8_t spk;
  ck_assert_snn_ok(snn__neuron_init_state(m, st, 1));
  st[0] = v0;
  float wts[2] = {1.0f, 0.3f};
  for (size_t k = 0; k < npub; k++) gs[k] = wts[k];
  float slope = 1.0f, gspk = 0.0f;
  ck_assert_snn_ok(snn__neuron_step_grad(m, st, &I0, gs, &gspk, gsb, &gin, 1, dt,
                                         sg_fast_sigmoid, &slope));
  /* d L / d V0 and d L / d I */
  const double eps_v = 1e-2, eps_i = kind[0] == 'i' && kind[1] == 'z' && preset ? 1e-2 : 1.0;
  double Lp, Lm;
  for (int which = 0; which < 2; which++) {
    double eps = which == 0 ? eps_v : eps_i;
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      memcpy(st2, st, sizeof st);
      float Ic = I0;
      if (which == 0)
        st2[0] = (float)(v0 + sgn * eps);
      else
        Ic = (float)(I0 + sgn * eps);
      ck_assert_snn_ok(snn__neuron_step(m, st2, &Ic, &spk, 1, dt));
      ck_assert_uint_eq(spk, 0);
      double L = 0;
      for (size_t k = 0; k < npub; k++) L += wts[k] * st2[k];
      if (sgn < 0)
        Lm = L;
      else
        Lp = L;
    }
    double fd = (Lp - Lm) / (2 * eps);
    double an = which == 0 ? gsb[0] : gin;
    ck_assert_msg(fabs(fd - an) <= 0.02 * fabs(fd) + 1e-4, "%s %s d/d%s: fd %g analytic %g",
                  kind, preset ? preset : "", which == 0 ? "V" : "I", fd, an);
  }
  (void)ns;
  snn_neuron_model_free(m);
}

START_TEST(test_step_grad) {
  check_grad_fd("lif", NULL, -65.0f, 300.0f, 1.0);
  check_grad_fd("if", NULL, -65.0f, 300.0f, 1.0);
  check_grad_fd("izhikevich", NULL, -58.0f, 50.0f, 1.0);
  check_grad_fd("izhikevich", "rs_2003", -66.0f, 3.0f, 1.0);
  check_grad_fd("adex", NULL, -60.0f, 300.0f, 1.0);
  check_grad_fd("adex", "tonic", -55.0f, 100.0f, 1.0);
  /* spike path: the surrogate of (V - V_th) enters dL/dV */
  snn_neuron_model *m = mk("lif", NULL);
  float st[3] = {-55.5f, 0.0f, 0.0f}, gsb[3], gin, I = 0.0f, gspk = 1.0f, slope = 1.0f;
  ck_assert_snn_ok(
      snn__neuron_step_grad(m, st, &I, NULL, &gspk, gsb, &gin, 1, 0.1, sg_fast_sigmoid, &slope));
  double beta = exp(-0.1 / 10.0);
  double vn = -70.0 + (-55.5 + 70.0) * beta;
  double d = 1.0 + fabs(vn + 55.0);
  ck_assert_double_eq_tol(gsb[0], beta / (d * d), 1e-5);
  ck_assert(gsb[1] == 0.0f);
  snn_neuron_model_free(m);
  /* refractory neurons pass dV through and ignore input */
  m = mk("lif", NULL);
  float st2[3] = {-70.0f, 1.0f, 0.0f}, gs[3] = {2.0f, 0.0f, 0.0f};
  ck_assert_snn_ok(
      snn__neuron_step_grad(m, st2, &I, gs, &gspk, gsb, &gin, 1, 0.1, sg_fast_sigmoid, &slope));
  ck_assert(gsb[0] == 2.0f && gin == 0.0f);
  snn_neuron_model_free(m);
  /* spike in a 2-D model: gradient finite, reset detaches V */
  m = mk("adex", "tonic");
  float s4[4] = {-40.0f, 0.0f, 0.0f, 0.0f}, g4[4] = {1.0f, 1.0f, 0, 0}, gb4[4];
  I = 500.0f;
  ck_assert_snn_ok(
      snn__neuron_step_grad(m, s4, &I, g4, &gspk, gb4, &gin, 1, 0.1, sg_fast_sigmoid, &slope));
  for (int i = 0; i < 4; i++) ck_assert(isfinite(gb4[i]));
  ck_assert(isfinite(gin));
  snn_neuron_model_free(m);
  ck_assert_snn_err(snn__neuron_step_grad(NULL, s4, &I, g4, &gspk, gb4, &gin, 1, 0.1,
                                          sg_fast_sigmoid, &slope),
                    SNN_E_INVALID);
}
END_TEST

/* ---- custom models --------------------------------------------------------- */

/* Quadratic integrate-and-fire: C dV/dt = k (V - V_r)(V - V_c) + I. */
static int destroy_calls;
static void qif_destroy(void *user) {
  (void)user;
  destroy_calls++;
}
static int qif_init(void *user, const double *p, float *state, size_t n) {
  (void)user;
  for (size_t i = 0; i < n; i++) state[i] = (float)p[2];
  return SNN_OK;
}
static int qif_step(void *user, const double *p, float *state, const float *i_in, uint8_t *spk,
                    size_t n, double dt) {
  (void)user;
  double C = p[0], k = p[1], vr = p[2], vc = p[3], vpk = p[4], vreset = p[5];
  for (size_t i = 0; i < n; i++) {
    double v = state[i], I = i_in ? i_in[i] : 0.0;
    v += dt * (k * (v - vr) * (v - vc) + I) / C;
    spk[i] = v >= vpk;
    state[i] = (float)(spk[i] ? vreset : v);
  }
  return SNN_OK;
}
static int nan_step(void *user, const double *p, float *state, const float *i_in, uint8_t *spk,
                    size_t n, double dt) {
  (void)user, (void)p, (void)i_in, (void)dt;
  for (size_t i = 0; i < n; i++) {
    state[i] = NAN;
    spk[i] = 0;
  }
  return SNN_OK;
}
static int fail_step(void *user, const double *p, float *state, const float *i_in, uint8_t *spk,
                     size_t n, double dt) {
  (void)user, (void)p, (void)state, (void)i_in, (void)spk, (void)n, (void)dt;
  snn_set_error("qif: refusing to step");
  return SNN_E_UNSUPPORTED;
}
static int fail_init(void *user, const double *p, float *state, size_t n) {
  (void)user, (void)p, (void)state, (void)n;
  return SNN_E_CANCELED; /* no message: the library supplies one */
}

static const snn_param_def qif_params[] = {
    {"C", 100.0, 1e-3, 1e6, "pF", "capacitance"},
    {"k", 0.5, 0.0, 100.0, "nS/mV", "gain"},
    {"V_r", -60.0, -200.0, 100.0, "mV", "rest"},
    {"V_c", -45.0, -200.0, 100.0, "mV", "critical"},
    {"V_peak", 20.0, -100.0, 100.0, "mV", "cut-off"},
    {"V_reset", -65.0, -200.0, 100.0, NULL, NULL},
};

static snn_neuron_ops qif_ops(void) {
  snn_neuron_ops o = SNN_NEURON_OPS_INIT;
  o.name = "qif";
  o.n_state = 1;
  o.n_params = 6;
  o.params = qif_params;
  o.init = qif_init;
  o.step = qif_step;
  o.destroy = qif_destroy;
  return o;
}

START_TEST(test_custom_qif) {
  destroy_calls = 0;
  snn_neuron_ops o = qif_ops();
  char name[8];
  strcpy(name, "qif");
  o.name = name; /* copied: changing the caller's buffer later does not matter */
  snn_neuron_model *m = NULL;
  int token = 42;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, &token));
  strcpy(name, "xxx");
  o.step = NULL;
  ck_assert_str_eq(snn_neuron_model_kind(m), "qif");
  ck_assert_uint_eq(snn_neuron_model_param_count(m), 6);
  ck_assert_uint_eq(snn_neuron_model_state_count(m), 1);
  ck_assert_str_eq(snn_neuron_model_state_name(m, 0), "V");
  ck_assert_ptr_null(snn_neuron_model_state_name(m, 1));
  ck_assert_int_eq(snn__neuron_has_grad(m), 0);
  snn_param_info info = SNN_PARAM_INFO_INIT;
  ck_assert_snn_ok(snn_neuron_model_param_info(&info, m, 5));
  ck_assert_str_eq(info.name, "V_reset");
  ck_assert_str_eq(info.unit, "");
  ck_assert_snn_err(snn_neuron_model_param_info(&info, m, 6), SNN_E_RANGE);
  ck_assert_snn_ok(snn_neuron_model_set(m, "k", 1.0));
  ck_assert_snn_err(snn_neuron_model_set(m, "k", 1000.0), SNN_E_RANGE);
  ck_assert_snn_err(snn_neuron_model_set(m, "tau", 1.0), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_neuron_model_set_str(m, "k", "zero"), SNN_E_NOTFOUND);
  /* run in a population: spikes under a constant current, none without */
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 2));
  float I[2] = {200.0f, 0.0f};
  uint8_t s[2];
  int count[2] = {0, 0};
  for (int k = 0; k < 2000; k++) {
    OK_FAST(snn_population_step(p, s, I, 2, 0.1));
    count[0] += s[0];
    count[1] += s[1];
  }
  ck_assert_int_gt(count[0], 5);
  ck_assert_int_eq(count[1], 0);
  /* a successful custom step leaves the previous error detail alone */
  snn_set_error("earlier failure");
  ck_assert_snn_ok(snn_population_step(p, s, I, 2, 0.1));
  ck_assert_str_eq(snn_last_error(), "earlier failure");
  ck_assert_snn_err(snn__neuron_step_grad(m, (float[1]){0}, NULL, NULL, NULL, (float[1]){0}, NULL,
                                          1, 0.1, sg_fast_sigmoid, NULL),
                    SNN_E_UNSUPPORTED);
  /* clones share the user data; destroy runs once, after the last copy */
  snn_neuron_model *c = NULL;
  ck_assert_snn_ok(snn_neuron_model_clone(&c, m));
  snn_neuron_model_free(m);
  ck_assert_int_eq(destroy_calls, 0);
  snn_population_free(p); /* holds a copy too */
  ck_assert_int_eq(destroy_calls, 0);
  double v;
  ck_assert_snn_ok(snn_neuron_model_get(&v, c, "k"));
  ck_assert(v == 1.0);
  snn_neuron_model_free(c);
  ck_assert_int_eq(destroy_calls, 1);
}
END_TEST

START_TEST(test_custom_validation) {
  destroy_calls = 0;
  snn_neuron_model *m = (snn_neuron_model *)1;
  snn_neuron_ops o = qif_ops();
  ck_assert_snn_err(snn_neuron_model_create_custom(NULL, &o, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(m);
  /* struct_size smaller than the required part */
  o.struct_size = offsetof(snn_neuron_ops, step);
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_VERSION);
  o.struct_size = 0;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_VERSION);
  /* an older plug-in without step_grad/destroy: accepted, callbacks not read */
  o = qif_ops();
  o.struct_size = offsetof(snn_neuron_ops, step_grad);
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  snn_neuron_model_free(m);
  ck_assert_int_eq(destroy_calls, 0); /* destroy lay beyond struct_size */
  /* a newer plug-in: larger struct with a zero tail is fine, non-zero is not */
  struct {
    snn_neuron_ops ops;
    void (*future)(void);
  } big;
  memset(&big, 0, sizeof big);
  big.ops = qif_ops();
  big.ops.struct_size = sizeof big;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &big.ops, NULL));
  snn_neuron_model_free(m);
  ck_assert_int_eq(destroy_calls, 1);
  big.future = (void (*)(void))qif_ops;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &big.ops, NULL), SNN_E_VERSION);
  ck_assert_ptr_null(m);
  /* bad tables: INVALID, and destroy is not called for rejected ops */
  destroy_calls = 0;
  o = qif_ops();
  o.init = NULL;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o = qif_ops();
  o.step = NULL;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o = qif_ops();
  o.name = NULL;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o.name = "";
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o.name = "lif";
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  /* names are stored in model files as printable ASCII: others are refused
   * here, not at the first save (whose file could never be loaded) */
  o.name = "neurone_\xc3\xa9";
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "printable ASCII"));
  o.name = "tab\tname";
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o.name = "spaces and ~ are fine";
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  snn_neuron_model_free(m);
  m = NULL;
  destroy_calls = 0;
  o = qif_ops();
  const char *st8[2] = {"V", "\xc3\xa9tat"};
  o.n_state = 2;
  o.state_names = st8;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o = qif_ops();
  o.n_state = 0;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  o = qif_ops();
  o.params = NULL;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  snn_param_def bad[2] = {{"a", 5.0, 0.0, 1.0, "", ""}, {"b", 0.0, 0.0, 1.0, "", ""}};
  o.params = bad;
  o.n_params = 2;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  bad[0].default_value = NAN;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  bad[0].default_value = 0.5;
  bad[1].name = "a";
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  bad[1].name = NULL;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  bad[1].name = "\xce\xb2";
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  bad[1].name = "b";
  bad[1].min_value = 2.0;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  bad[1].min_value = -INFINITY; /* infinite bounds are allowed */
  bad[1].max_value = INFINITY;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  snn_neuron_model_free(m);
  ck_assert_int_eq(destroy_calls, 1);
  const char *dup[2] = {"V", "V"};
  o = qif_ops();
  o.n_state = 2;
  o.state_names = dup;
  ck_assert_snn_err(snn_neuron_model_create_custom(&m, &o, NULL), SNN_E_INVALID);
  ck_assert_int_eq(destroy_calls, 1);
  /* default state names for n_state > 1 */
  o.state_names = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  ck_assert_str_eq(snn_neuron_model_state_name(m, 1), "s1");
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_custom_errors) {
  snn_neuron_ops o = qif_ops();
  o.destroy = NULL;
  o.step = fail_step;
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 3));
  ck_assert_snn_err(snn_population_step(p, NULL, NULL, 3, 0.1), SNN_E_UNSUPPORTED);
  ck_assert_str_eq(snn_last_error(), "qif: refusing to step");
  snn_population_free(p);
  snn_neuron_model_free(m);
  o.step = nan_step;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  ck_assert_snn_ok(snn_population_create(&p, m, 3));
  ck_assert_snn_err(snn_population_step(p, NULL, NULL, 3, 0.1), SNN_E_NUMERIC);
  snn_population_free(p);
  snn_neuron_model_free(m);
  o.init = fail_init;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  p = (snn_population *)1;
  ck_assert_snn_err(snn_population_create(&p, m, 3), SNN_E_CANCELED);
  ck_assert_ptr_null(p);
  snn_neuron_model_free(m);
}
END_TEST

/* ---- populations ------------------------------------------------------------ */

START_TEST(test_population_api) {
  snn_neuron_model *m = mk("izhikevich", "rs_2003");
  snn_population *p = (snn_population *)1;
  ck_assert_snn_err(snn_population_create(NULL, m, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_create(&p, NULL, 1), SNN_E_INVALID);
  ck_assert_ptr_null(p);
  ck_assert_snn_err(snn_population_create(&p, m, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_create(&p, m, SIZE_MAX / 2), SNN_E_INVALID);
  ck_assert_snn_ok(snn_population_create(&p, m, 5));
  snn_neuron_model_free(m); /* the population keeps its own copy */
  ck_assert_uint_eq(snn_population_size(p), 5);
  ck_assert_uint_eq(snn_population_size(NULL), 0);
  float I[5] = {10, 10, 10, 10, 10}, V[5], U[5];
  uint8_t s[5];
  ck_assert_snn_err(snn_population_step(NULL, s, I, 5, 0.1), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_step(p, s, I, 4, 0.1), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_step(p, s, I, 5, 0.0), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_step(p, s, I, 5, -0.1), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_step(p, s, I, 5, NAN), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_step(p, s, I, 5, INFINITY), SNN_E_INVALID);
  ck_assert_snn_ok(snn_population_step(p, NULL, NULL, 5, 0.1));
  ck_assert_snn_ok(snn_population_state_get(V, p, "V", 5));
  for (int i = 0; i < 5; i++) ck_assert_float_eq_tol(V[i], -70.0f, 1e-3f); /* rests */
  for (int k = 0; k < 500; k++) OK_FAST(snn_population_step(p, s, I, 5, 0.1));
  ck_assert_snn_ok(snn_population_state_get(U, p, "u", 5));
  ck_assert(U[0] != 0.0f);
  ck_assert_snn_ok(snn_population_reset(p));
  ck_assert_snn_ok(snn_population_state_get(U, p, "u", 5));
  ck_assert_snn_ok(snn_population_state_get(V, p, "V", 5));
  for (int i = 0; i < 5; i++) ck_assert(U[i] == 0.0f && V[i] == -70.0f);
  ck_assert_snn_err(snn_population_reset(NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_get(NULL, p, "V", 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_get(V, NULL, "V", 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_get(V, p, NULL, 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_get(V, p, "V", 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_get(V, p, "w", 5), SNN_E_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "u"));
  ck_assert_snn_err(snn_population_state_get(V, p, "r", 5), SNN_E_NOTFOUND); /* hidden */
  V[2] = 1.0f;
  ck_assert_snn_err(snn_population_state_set(NULL, "V", V, 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_set(p, NULL, V, 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_set(p, "V", NULL, 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_set(p, "V", V, 3), SNN_E_INVALID);
  ck_assert_snn_err(snn_population_state_set(p, "x", V, 5), SNN_E_NOTFOUND);
  V[3] = NAN;
  ck_assert_snn_err(snn_population_state_set(p, "V", V, 5), SNN_E_INVALID);
  V[3] = INFINITY;
  ck_assert_snn_err(snn_population_state_set(p, "V", V, 5), SNN_E_INVALID);
  V[3] = -60.0f;
  ck_assert_snn_ok(snn_population_state_set(p, "V", V, 5));
  ck_assert_snn_ok(snn_population_state_get(U, p, "V", 5));
  ck_assert(U[2] == 1.0f && U[3] == -60.0f);
  snn_population_free(p);
}
END_TEST

/* A population of many neurons with per-neuron currents equals single runs
 * (SoA blocking and vector code do not mix neurons up). */
/* A neuron's trajectory does not depend on the population around it: the
 * adaptive 2-D kernel (whole steps, gathered sub-stepped neurons, padded
 * tail) gives every neuron the same state as a population of one. */
START_TEST(test_population_matches_single) {
  const char *kinds[] = {"lif", "izhikevich", "adex", "adex"};
  const double scale[] = {600.0, 150.0, 1200.0, 3000.0};
  const size_t n = 1100; /* several gathers of sub-stepped neurons, odd tail */
  const size_t probes[] = {0, 977, 1090, 1099};
  for (int k = 0; k < 4; k++) {
    snn_neuron_model *m = mk(kinds[k], NULL);
    if (k == 3) ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 1.0)); /* refractory variant */
    size_t ns = snn_neuron_model_state_count(m);
    snn_population *p = NULL, *q[4] = {NULL};
    ck_assert_snn_ok(snn_population_create(&p, m, n));
    for (int j = 0; j < 4; j++) ck_assert_snn_ok(snn_population_create(&q[j], m, 1));
    float *I = malloc(n * sizeof *I);
    uint8_t *s = malloc(n);
    for (size_t i = 0; i < n; i++) I[i] = (float)(scale[k] * (double)((i * 7919) % n) / (double)n);
    size_t spikes = 0;
    for (int t = 0; t < 300; t++) {
      OK_FAST(snn_population_step(p, s, I, n, 0.1));
      for (int j = 0; j < 4; j++) {
        uint8_t s1;
        OK_FAST(snn_population_step(q[j], &s1, &I[probes[j]], 1, 0.1));
        if (s[probes[j]] != s1) ck_abort_msg("%s: neuron %zu step %d differs", kinds[k], probes[j], t);
      }
      for (size_t i = 0; i < n; i++) spikes += s[i];
    }
    ck_assert_uint_gt(spikes, 10);
    float *V = malloc(n * sizeof *V), v1;
    for (size_t v = 0; v < ns; v++) {
      const char *var = snn_neuron_model_state_name(m, v);
      ck_assert_snn_ok(snn_population_state_get(V, p, var, n));
      for (int j = 0; j < 4; j++) {
        ck_assert_snn_ok(snn_population_state_get(&v1, q[j], var, 1));
        ck_assert_msg(V[probes[j]] == v1, "%s %s[%zu]: %g vs %g", kinds[k], var, probes[j],
                      (double)V[probes[j]], (double)v1);
      }
    }
    free(V);
    free(I);
    free(s);
    snn_population_free(p);
    for (int j = 0; j < 4; j++) snn_population_free(q[j]);
    snn_neuron_model_free(m);
  }
}
END_TEST

/* The adaptive scheme of izhikevich/adex (docs/neuron-models.md): far from
 * threshold a step is one Heun step of dt; tol = 0 sub-steps every step; both
 * agree on the spikes within the documented tolerance. */
START_TEST(test_adaptive_heun) {
  double v;
  snn_neuron_model *m = mk("izhikevich", "rs_2007");
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "tol"));
  ck_assert_double_eq(v, 0.1);
  ck_assert_snn_ok(snn_neuron_model_get(&v, m, "h_max"));
  ck_assert_double_eq(v, 0.0125);
  /* one whole Heun step from (v, u) = (-65, 0) with I = 20 pA, in double */
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, 1));
  float v0 = -65.0f, I = 20.0f, got, gotu;
  uint8_t s;
  ck_assert_snn_ok(snn_population_state_set(p, "V", &v0, 1));
  ck_assert_snn_ok(snn_population_step(p, &s, &I, 1, 0.1));
  ck_assert_snn_ok(snn_population_state_get(&got, p, "V", 1));
  ck_assert_snn_ok(snn_population_state_get(&gotu, p, "u", 1));
  const double h = 0.1, C = 100, k = 0.7, vr = -60, vt = -40, a = 0.03, b = -2;
  double y0 = -65, u0 = 0;
  double f1 = (k * (y0 - vr) * (y0 - vt) - u0 + I) / C, g1 = a * (b * (y0 - vr) - u0);
  double yp = y0 + h * f1, up = u0 + h * g1;
  double f2 = (k * (yp - vr) * (yp - vt) - up + I) / C, g2 = a * (b * (yp - vr) - up);
  ck_assert_double_eq_tol(got, y0 + h / 2 * (f1 + f2), 1e-4);
  ck_assert_double_eq_tol(gotu, u0 + h / 2 * (g1 + g2), 1e-5);
  ck_assert_uint_eq(s, 0);
  snn_population_free(p);
  snn_neuron_model_free(m);
  /* tol = 0 (every step sub-stepped) and the default agree */
  static const struct {
    const char *kind, *preset;
    double I;
  } cases[] = {{"izhikevich", "fs_2003", 10.0}, {"adex", "tonic", 500.0}};
  double T = snn_test_quick() ? 50.0 : 150.0;
  for (int c = 0; c < 2; c++) {
    snn_neuron_model *m1 = mk(cases[c].kind, cases[c].preset);
    snn_neuron_model *m0 = mk(cases[c].kind, cases[c].preset);
    ck_assert_snn_ok(snn_neuron_model_set(m0, "tol", 0.0));
    double t1[256], t0[256];
    size_t n1 = run1(m1, cases[c].I, 0.1, T, t1, 256), n0 = run1(m0, cases[c].I, 0.1, T, t0, 256);
    ck_assert_uint_ge(n1, 3);
    ck_assert_uint_eq(n1, n0);
    for (size_t i = 0; i < n1; i++) ck_assert(fabs(t1[i] - t0[i]) <= 0.15 + 0.002 * t0[i]);
    snn_neuron_model_free(m1);
    snn_neuron_model_free(m0);
  }
}
END_TEST

/* ---- out of memory ---------------------------------------------------------- */

typedef int (*oom_fn)(void *ctx);

static void oom_sweep(oom_fn fn, void *ctx, const char *what) {
  for (long fail_at = 1; fail_at < 1000; fail_at++) {
    snn_test_oom_install(fail_at);
    int rc = fn(ctx);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (rc == SNN_OK) {
      ck_assert_msg(live == 0, "%s: %ld blocks leaked after success", what, live);
      return;
    }
    ck_assert_msg(rc == SNN_E_NOMEM, "%s: fail_at %ld returned %d", what, fail_at, rc);
    ck_assert_msg(live == 0, "%s: fail_at %ld leaked %ld blocks", what, fail_at, live);
  }
  ck_abort_msg("%s: never succeeded", what);
}

static int oom_create(void *ctx) {
  snn_neuron_model *m = NULL;
  int rc = snn_neuron_model_create(&m, ctx);
  if (rc != SNN_OK) ck_assert_ptr_null(m);
  snn_neuron_model_free(m);
  return rc;
}
static int oom_preset(void *ctx) {
  snn_neuron_model *m = NULL;
  int rc = snn_neuron_model_create_preset(&m, "adex", ctx);
  if (rc != SNN_OK) ck_assert_ptr_null(m);
  snn_neuron_model_free(m);
  return rc;
}
static int oom_clone(void *ctx) {
  snn_neuron_model *c = NULL;
  int rc = snn_neuron_model_clone(&c, ctx);
  if (rc != SNN_OK) ck_assert_ptr_null(c);
  snn_neuron_model_free(c);
  return rc;
}
static int oom_custom(void *ctx) {
  (void)ctx;
  snn_neuron_ops o = qif_ops();
  const char *names[] = {"V", "aux"};
  o.n_state = 2;
  o.state_names = names;
  snn_neuron_model *m = NULL, *c = NULL;
  int before = destroy_calls;
  int rc = snn_neuron_model_create_custom(&m, &o, NULL);
  if (rc != SNN_OK) {
    ck_assert_ptr_null(m);
    ck_assert_int_eq(destroy_calls, before + 1); /* failed after validation: destroyed */
    return rc;
  }
  rc = snn_neuron_model_clone(&c, m);
  snn_neuron_model_free(m);
  snn_neuron_model_free(c);
  ck_assert_int_eq(destroy_calls, before + 1);
  return rc;
}
static int oom_population(void *ctx) {
  snn_population *p = NULL;
  int rc = snn_population_create(&p, ctx, 100);
  if (rc != SNN_OK) ck_assert_ptr_null(p);
  snn_population_free(p);
  return rc;
}

/* The kernels check their results for NaN/Inf in their own loop (no second
 * pass): a bad input anywhere (first neuron, a middle one that the 2-D
 * kinds sub-step, the padded tail group) must be caught and named. */
START_TEST(test_population_nonfinite) {
  static const struct {
    const char *kind, *preset, *param;
    double value;
  } cases[] = {
      {"lif", NULL, NULL, 0.0},           {"if", NULL, NULL, 0.0},
      {"izhikevich", "rs_2003", NULL, 0}, {"izhikevich", "rs_2007", "t_ref", 0.5},
      {"adex", "bg2005", NULL, 0.0},      {"adex", "tonic", "t_ref", 0.5},
      {"adex", "tonic", "tol", 0.0},      {"srm", NULL, NULL, 0.0},
  };
  const size_t n = 1100, where[] = {0, 517, 1099};
  float *I = malloc(n * sizeof *I), *V = malloc(n * sizeof *V);
  uint8_t *s = malloc(n);
  ck_assert_ptr_nonnull(I);
  ck_assert_ptr_nonnull(V);
  ck_assert_ptr_nonnull(s);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    snn_neuron_model *m = mk(cases[c].kind, cases[c].preset);
    if (cases[c].param) ck_assert_snn_ok(snn_neuron_model_set(m, cases[c].param, cases[c].value));
    for (size_t w = 0; w < 3; w++) {
      for (int bad = 0; bad < 3; bad++) {
        snn_population *p = NULL;
        ck_assert_snn_ok(snn_population_create(&p, m, n));
        for (size_t i = 0; i < n; i++) I[i] = (float)(i % 7) * 0.25f;
        OK_FAST(snn_population_step(p, s, I, n, 0.1));
        I[where[w]] = bad == 0 ? NAN : bad == 1 ? INFINITY : -INFINITY;
        int rc = snn_population_step(p, s, I, n, 0.1);
        /* the reference: a scan of the public state (an infinite input may
         * also end in a finite state, e.g. by a spike and a zero reset) */
        int first = -1;
        for (size_t k = 0; k < snn_neuron_model_state_count(m) && first < 0; k++) {
          const char *name = snn_neuron_model_state_name(m, k);
          ck_assert_snn_ok(snn_population_state_get(V, p, name, n));
          for (size_t i = 0; i < n; i++)
            if (!isfinite(V[i])) first = (int)k;
        }
        if (bad == 0) ck_assert_int_ge(first, 0); /* NaN input: always */
        if (first < 0) {
          ck_assert_msg(rc == SNN_OK, "%s case %zu at %zu (bad %d): rc %d", cases[c].kind, c,
                        where[w], bad, rc);
        } else {
          ck_assert_msg(rc == SNN_E_NUMERIC, "%s case %zu at %zu (bad %d): rc %d", cases[c].kind,
                        c, where[w], bad, rc);
          char want[64];
          snprintf(want, sizeof want, "'%s'", snn_neuron_model_state_name(m, (size_t)first));
          ck_assert_ptr_nonnull(strstr(snn_last_error(), want));
        }
        snn_population_free(p);
      }
    }
    snn_neuron_model_free(m);
  }
  /* finite from a finite state: the leak-free limit overflows V (subtract reset keeps it) */
  snn_neuron_model *m = mk("lif", NULL);
  ck_assert_snn_ok(snn_neuron_model_set(m, "g_L", 1e-9));
  ck_assert_snn_ok(snn_neuron_model_set_str(m, "reset", "subtract"));
  snn_population *p = NULL;
  ck_assert_snn_ok(snn_population_create(&p, m, n));
  for (size_t i = 0; i < n; i++) I[i] = 100.0f;
  OK_FAST(snn_population_step(p, s, I, n, 0.1));
  I[517] = 3e38f;
  ck_assert_snn_err(snn_population_step(p, s, I, n, 0.1), SNN_E_NUMERIC);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "'V'"));
  snn_population_free(p);
  snn_neuron_model_free(m);
  free(I);
  free(V);
  free(s);
}
END_TEST

START_TEST(test_oom) {
  for (size_t k = 0; k < snn_neuron_kind_count(); k++)
    oom_sweep(oom_create, (void *)snn_neuron_kind_name(k), "create");
  oom_sweep(oom_preset, "tonic", "create_preset");
  snn_neuron_model *src = mk("adex", "tonic");
  oom_sweep(oom_clone, src, "clone");
  snn_neuron_model_free(src);
  destroy_calls = 0;
  oom_sweep(oom_custom, NULL, "create_custom");
  const char *kinds[] = {"lif", "adex"};
  for (int k = 0; k < 2; k++) {
    snn_neuron_model *m = mk(kinds[k], NULL);
    oom_sweep(oom_population, m, "population_create");
    snn_neuron_model_free(m);
  }
  snn_neuron_ops o = qif_ops();
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &o, NULL));
  oom_sweep(oom_population, m, "population_create custom");
  snn_neuron_model_free(m);
}
END_TEST

Suite *suite_neuron(void) {
  Suite *s = suite_create("neuron");
  TCase *tc = tcase_create("model");
  tcase_add_test(tc, test_kinds);
  tcase_add_test(tc, test_param_names_contract);
  tcase_add_test(tc, test_state_names);
  tcase_add_test(tc, test_presets);
  tcase_add_test(tc, test_set_get);
  tcase_add_test(tc, test_param_info);
  tcase_add_test(tc, test_create_bad_args);
  tcase_add_test(tc, test_clone);
  suite_add_tcase(s, tc);
  tc = tcase_create("dynamics");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_lif_rate);
  tcase_add_test(tc, test_if_rate);
  tcase_add_test(tc, test_lif_subthreshold_exact);
  tcase_add_test(tc, test_lif_reset_modes_and_refractory);
  tcase_add_test(tc, test_refractory_long_exact);
  tcase_add_test(tc, test_izhikevich_2003_classes);
  tcase_add_test(tc, test_adex_naud_patterns);
  tcase_add_test(tc, test_convergence);
  tcase_add_test(tc, test_no_overflow);
  tcase_add_test(tc, test_refractory_2d);
  tcase_add_test(tc, test_step_grad);
  suite_add_tcase(s, tc);
  tc = tcase_create("custom");
  tcase_add_test(tc, test_custom_qif);
  tcase_add_test(tc, test_custom_validation);
  tcase_add_test(tc, test_custom_errors);
  suite_add_tcase(s, tc);
  tc = tcase_create("population");
  tcase_add_test(tc, test_population_api);
  tcase_add_test(tc, test_population_matches_single);
  tcase_add_test(tc, test_adaptive_heun);
  tcase_add_test(tc, test_population_nonfinite);
  tcase_add_test(tc, test_oom);
  suite_add_tcase(s, tc);
  return s;
}

/* Table-driven argument validation over the whole public API (issue #7).
 *
 * Every exported function has an entry that calls it with bad arguments (NULL
 * handles and pointers, zero or mismatched sizes, NaN/Inf, out-of-range
 * values, wrong call order) and asserts the exact status code and a non-empty
 * snn_last_error(). Functions that cannot fail (getters, free) are called with
 * NULL and must return their documented neutral value without crashing.
 * test_api_complete reads src/libsnn.map and fails when an exported symbol has
 * no entry here, so the table grows with the API. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define BAD(expr, code) ck_assert_snn_err(expr, code)

typedef struct fixture {
  snn_neuron_model *lif;
  snn_population *pop;
  snn_encoder *enc;
  snn_dataset *ds;
  snn_layer *dense;    /* not in a network */
  snn_network *net;    /* 1x1x4 -> dense 3 (lif) */
  snn_learner *bptt;
} fixture;

static void fx_make(fixture *f) {
  memset(f, 0, sizeof *f);
  ck_assert_snn_ok(snn_neuron_model_create(&f->lif, "lif"));
  ck_assert_snn_ok(snn_population_create(&f->pop, f->lif, 4));
  ck_assert_snn_ok(snn_encoder_create(&f->enc, "rate"));
  float x[8] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
  int32_t y[2] = {0, 1};
  ck_assert_snn_ok(snn_dataset_create(&f->ds, x, y, 2, 4));
  ck_assert_snn_ok(snn_layer_create_dense(&f->dense, 4, 3, f->lif));
  ck_assert_snn_ok(snn_network_create(&f->net, 1, 1, 4));
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&l, 4, 3, f->lif));
  ck_assert_snn_ok(snn_network_add_layer(f->net, l));
  ck_assert_snn_ok(snn_learner_create_bptt(&f->bptt, f->net, NULL));
}

static void fx_free(fixture *f) {
  snn_learner_free(f->bptt);
  snn_network_free(f->net);
  snn_layer_free(f->dense);
  snn_dataset_free(f->ds);
  snn_encoder_free(f->enc);
  snn_population_free(f->pop);
  snn_neuron_model_free(f->lif);
}

typedef void (*api_case)(fixture *f);
typedef struct api_entry {
  const char *name;
  api_case run;
} api_entry;

/* ---- core ----------------------------------------------------------------- */
static void c_version_number(fixture *f) { (void)f; ck_assert_int_eq(snn_version_number(), SNN_VERSION_NUMBER); }
static void c_version_string(fixture *f) { (void)f; ck_assert_ptr_nonnull(snn_version_string()); }
static void c_features(fixture *f) { (void)f; ck_assert((snn_features() & ~0x7u) == 0); }
static void c_strerror(fixture *f) { (void)f; ck_assert_str_eq(snn_strerror(-1000), "unknown status"); }
static void c_last_error(fixture *f) { (void)f; ck_assert_ptr_nonnull(snn_last_error()); }
static void c_clear_error(fixture *f) { (void)f; snn_set_error("x"); snn_clear_error(); ck_assert_str_eq(snn_last_error(), ""); }
static void c_set_error(fixture *f) { (void)f; snn_set_error(NULL); ck_assert_str_eq(snn_last_error(), ""); }
static void c_set_allocator(fixture *f) {
  (void)f;
  snn_allocator a;
  memset(&a, 0, sizeof a);
  a.struct_size = sizeof a;
  BAD(snn_set_allocator(&a), SNN_E_INVALID);
  a.struct_size = 1;
  BAD(snn_set_allocator(&a), SNN_E_VERSION);
}

/* ---- neuron ----------------------------------------------------------------- */
static void c_kind_count(fixture *f) { (void)f; ck_assert_uint_ge(snn_neuron_kind_count(), 4); }
static void c_kind_name(fixture *f) { (void)f; ck_assert_ptr_null(snn_neuron_kind_name((size_t)-1)); }
static void c_model_create(fixture *f) {
  (void)f;
  snn_neuron_model *m = (snn_neuron_model *)1;
  BAD(snn_neuron_model_create(NULL, "lif"), SNN_E_INVALID);
  BAD(snn_neuron_model_create(&m, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(m);
  BAD(snn_neuron_model_create(&m, "nope"), SNN_E_NOTFOUND);
  ck_assert(strstr(snn_last_error(), "lif") != NULL); /* lists valid names */
}
static void c_model_create_preset(fixture *f) {
  (void)f;
  snn_neuron_model *m = NULL;
  BAD(snn_neuron_model_create_preset(NULL, "adex", "tonic"), SNN_E_INVALID);
  BAD(snn_neuron_model_create_preset(&m, NULL, "tonic"), SNN_E_INVALID);
  BAD(snn_neuron_model_create_preset(&m, "adex", NULL), SNN_E_INVALID);
  BAD(snn_neuron_model_create_preset(&m, "nope", "tonic"), SNN_E_NOTFOUND);
  BAD(snn_neuron_model_create_preset(&m, "adex", "nope"), SNN_E_NOTFOUND);
  ck_assert_ptr_null(m);
}
static void c_preset_count(fixture *f) { (void)f; ck_assert_uint_eq(snn_neuron_preset_count(NULL), 0); ck_assert_uint_eq(snn_neuron_preset_count("nope"), 0); }
static void c_preset_name(fixture *f) { (void)f; ck_assert_ptr_null(snn_neuron_preset_name(NULL, 0)); ck_assert_ptr_null(snn_neuron_preset_name("adex", 100000)); }
static void c_preset_doc(fixture *f) { (void)f; ck_assert_ptr_null(snn_neuron_preset_doc(NULL, 0)); ck_assert_ptr_null(snn_neuron_preset_doc("adex", 100000)); }
static void c_model_clone(fixture *f) {
  snn_neuron_model *m = NULL;
  BAD(snn_neuron_model_clone(NULL, f->lif), SNN_E_INVALID);
  BAD(snn_neuron_model_clone(&m, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(m);
}
static void c_model_free(fixture *f) { (void)f; snn_neuron_model_free(NULL); }
static void c_model_kind(fixture *f) { (void)f; ck_assert_ptr_null(snn_neuron_model_kind(NULL)); }
static void c_model_set(fixture *f) {
  BAD(snn_neuron_model_set(NULL, "V_th", 1.0), SNN_E_INVALID);
  BAD(snn_neuron_model_set(f->lif, NULL, 1.0), SNN_E_INVALID);
  BAD(snn_neuron_model_set(f->lif, "V_th", NAN), SNN_E_INVALID);
  BAD(snn_neuron_model_set(f->lif, "V_th", INFINITY), SNN_E_INVALID);
  BAD(snn_neuron_model_set(f->lif, "no_such", 1.0), SNN_E_NOTFOUND);
  ck_assert(strstr(snn_last_error(), "tau") != NULL || strstr(snn_last_error(), "C_m") != NULL);
  BAD(snn_neuron_model_set(f->lif, "C_m", -1.0), SNN_E_RANGE);
}
static void c_model_set_str(fixture *f) {
  BAD(snn_neuron_model_set_str(NULL, "reset", "zero"), SNN_E_INVALID);
  BAD(snn_neuron_model_set_str(f->lif, NULL, "zero"), SNN_E_INVALID);
  BAD(snn_neuron_model_set_str(f->lif, "reset", NULL), SNN_E_INVALID);
  BAD(snn_neuron_model_set_str(f->lif, "reset", "sideways"), SNN_E_NOTFOUND);
  BAD(snn_neuron_model_set_str(f->lif, "no_such", "zero"), SNN_E_NOTFOUND);
}
static void c_model_get(fixture *f) {
  double v;
  BAD(snn_neuron_model_get(NULL, f->lif, "V_th"), SNN_E_INVALID);
  BAD(snn_neuron_model_get(&v, NULL, "V_th"), SNN_E_INVALID);
  BAD(snn_neuron_model_get(&v, f->lif, NULL), SNN_E_INVALID);
  BAD(snn_neuron_model_get(&v, f->lif, "no_such"), SNN_E_NOTFOUND);
}
static void c_model_param_count(fixture *f) { (void)f; ck_assert_uint_eq(snn_neuron_model_param_count(NULL), 0); }
static void c_model_param_info(fixture *f) {
  snn_param_info info = SNN_PARAM_INFO_INIT;
  BAD(snn_neuron_model_param_info(NULL, f->lif, 0), SNN_E_INVALID);
  BAD(snn_neuron_model_param_info(&info, NULL, 0), SNN_E_INVALID);
  BAD(snn_neuron_model_param_info(&info, f->lif, 1000), SNN_E_RANGE);
  info.struct_size = 1;
  BAD(snn_neuron_model_param_info(&info, f->lif, 0), SNN_E_VERSION);
}
static void c_model_state_count(fixture *f) { (void)f; ck_assert_uint_eq(snn_neuron_model_state_count(NULL), 0); }
static void c_model_state_name(fixture *f) { ck_assert_ptr_null(snn_neuron_model_state_name(NULL, 0)); ck_assert_ptr_null(snn_neuron_model_state_name(f->lif, 1000)); }
static int dummy_init(void *u, const double *p, float *s, size_t n) { (void)u; (void)p; (void)s; (void)n; return 0; }
static void c_model_create_custom(fixture *f) {
  (void)f;
  snn_neuron_model *m = NULL;
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  BAD(snn_neuron_model_create_custom(NULL, &ops, NULL), SNN_E_INVALID);
  BAD(snn_neuron_model_create_custom(&m, NULL, NULL), SNN_E_INVALID);
  ops.name = "x";
  ops.n_state = 1;
  ops.init = dummy_init; /* step missing */
  BAD(snn_neuron_model_create_custom(&m, &ops, NULL), SNN_E_INVALID);
  ops.struct_size = 4;
  BAD(snn_neuron_model_create_custom(&m, &ops, NULL), SNN_E_VERSION);
  ck_assert_ptr_null(m);
}

/* ---- population ------------------------------------------------------------- */
static void c_pop_create(fixture *f) {
  snn_population *p = NULL;
  BAD(snn_population_create(NULL, f->lif, 1), SNN_E_INVALID);
  BAD(snn_population_create(&p, NULL, 1), SNN_E_INVALID);
  BAD(snn_population_create(&p, f->lif, 0), SNN_E_INVALID);
  ck_assert_ptr_null(p);
}
static void c_pop_free(fixture *f) { (void)f; snn_population_free(NULL); }
static void c_pop_size(fixture *f) { (void)f; ck_assert_uint_eq(snn_population_size(NULL), 0); }
static void c_pop_reset(fixture *f) { (void)f; BAD(snn_population_reset(NULL), SNN_E_INVALID); }
static void c_pop_step(fixture *f) {
  float i[4] = {0};
  uint8_t s[4];
  BAD(snn_population_step(NULL, s, i, 4, 0.1), SNN_E_INVALID);
  BAD(snn_population_step(f->pop, s, i, 3, 0.1), SNN_E_INVALID);
  BAD(snn_population_step(f->pop, s, i, 4, 0.0), SNN_E_INVALID);
  BAD(snn_population_step(f->pop, s, i, 4, NAN), SNN_E_INVALID);
  BAD(snn_population_step(f->pop, s, i, 4, -1.0), SNN_E_INVALID);
}
static void c_pop_state_get(fixture *f) {
  float v[4];
  BAD(snn_population_state_get(NULL, f->pop, "V", 4), SNN_E_INVALID);
  BAD(snn_population_state_get(v, NULL, "V", 4), SNN_E_INVALID);
  BAD(snn_population_state_get(v, f->pop, NULL, 4), SNN_E_INVALID);
  BAD(snn_population_state_get(v, f->pop, "V", 3), SNN_E_INVALID);
  BAD(snn_population_state_get(v, f->pop, "zz", 4), SNN_E_NOTFOUND);
}
static void c_pop_state_set(fixture *f) {
  float v[4] = {0, 0, 0, NAN};
  BAD(snn_population_state_set(NULL, "V", v, 4), SNN_E_INVALID);
  BAD(snn_population_state_set(f->pop, NULL, v, 4), SNN_E_INVALID);
  BAD(snn_population_state_set(f->pop, "V", NULL, 4), SNN_E_INVALID);
  BAD(snn_population_state_set(f->pop, "V", v, 3), SNN_E_INVALID);
  BAD(snn_population_state_set(f->pop, "V", v, 4), SNN_E_INVALID); /* NaN */
  v[3] = 0;
  BAD(snn_population_state_set(f->pop, "zz", v, 4), SNN_E_NOTFOUND);
}

/* ---- encoder ---------------------------------------------------------------- */
static void c_enc_create(fixture *f) {
  (void)f;
  snn_encoder *e = NULL;
  BAD(snn_encoder_create(NULL, "rate"), SNN_E_INVALID);
  BAD(snn_encoder_create(&e, NULL), SNN_E_INVALID);
  BAD(snn_encoder_create(&e, "nope"), SNN_E_NOTFOUND);
  ck_assert(strstr(snn_last_error(), "rate") != NULL);
  ck_assert_ptr_null(e);
}
static void c_enc_clone(fixture *f) {
  snn_encoder *e = NULL;
  BAD(snn_encoder_clone(NULL, f->enc), SNN_E_INVALID);
  BAD(snn_encoder_clone(&e, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(e);
}
static void c_enc_free(fixture *f) { (void)f; snn_encoder_free(NULL); }
static void c_enc_kind(fixture *f) { (void)f; ck_assert_ptr_null(snn_encoder_kind(NULL)); }
static void c_enc_set(fixture *f) {
  BAD(snn_encoder_set(NULL, "max_rate", 1.0), SNN_E_INVALID);
  BAD(snn_encoder_set(f->enc, NULL, 1.0), SNN_E_INVALID);
  BAD(snn_encoder_set(f->enc, "max_rate", NAN), SNN_E_INVALID);
  BAD(snn_encoder_set(f->enc, "no_such", 1.0), SNN_E_NOTFOUND);
  BAD(snn_encoder_set(f->enc, "max_rate", -5.0), SNN_E_RANGE);
}
static void c_enc_set_str(fixture *f) {
  BAD(snn_encoder_set_str(NULL, "map", "linear"), SNN_E_INVALID);
  BAD(snn_encoder_set_str(f->enc, NULL, "linear"), SNN_E_INVALID);
  BAD(snn_encoder_set_str(f->enc, "map", NULL), SNN_E_INVALID);
  BAD(snn_encoder_set_str(f->enc, "no_such", "x"), SNN_E_NOTFOUND);
}
static void c_enc_get(fixture *f) {
  double v;
  BAD(snn_encoder_get(NULL, f->enc, "max_rate"), SNN_E_INVALID);
  BAD(snn_encoder_get(&v, NULL, "max_rate"), SNN_E_INVALID);
  BAD(snn_encoder_get(&v, f->enc, NULL), SNN_E_INVALID);
  BAD(snn_encoder_get(&v, f->enc, "no_such"), SNN_E_NOTFOUND);
}
static void c_enc_param_count(fixture *f) { (void)f; ck_assert_uint_eq(snn_encoder_param_count(NULL), 0); }
static void c_enc_param_info(fixture *f) {
  snn_param_info info = SNN_PARAM_INFO_INIT;
  BAD(snn_encoder_param_info(NULL, f->enc, 0), SNN_E_INVALID);
  BAD(snn_encoder_param_info(&info, NULL, 0), SNN_E_INVALID);
  BAD(snn_encoder_param_info(&info, f->enc, 1000), SNN_E_RANGE);
  info.struct_size = 1;
  BAD(snn_encoder_param_info(&info, f->enc, 0), SNN_E_VERSION);
}
static void c_enc_seed(fixture *f) { (void)f; BAD(snn_encoder_seed(NULL, 1), SNN_E_INVALID); }
static void c_enc_output_size(fixture *f) {
  size_t n;
  BAD(snn_encoder_output_size(NULL, f->enc, 4), SNN_E_INVALID);
  BAD(snn_encoder_output_size(&n, NULL, 4), SNN_E_INVALID);
}
static void c_enc_encode(fixture *f) {
  float x[4] = {0.1f, 0.2f, 0.3f, 0.4f}, out[8];
  BAD(snn_encoder_encode(NULL, out, 8, x, 4, 2), SNN_E_INVALID);
  BAD(snn_encoder_encode(f->enc, NULL, 8, x, 4, 2), SNN_E_INVALID);
  BAD(snn_encoder_encode(f->enc, out, 8, NULL, 4, 2), SNN_E_INVALID);
  BAD(snn_encoder_encode(f->enc, out, 7, x, 4, 2), SNN_E_INVALID);
  x[2] = NAN;
  BAD(snn_encoder_encode(f->enc, out, 8, x, 4, 2), SNN_E_INVALID);
}
static void c_enc_spike_times(fixture *f) {
  float x[4] = {0.1f, 0.2f, 0.3f, 0.4f}, t[4];
  BAD(snn_encoder_spike_times(NULL, t, 4, x, 4), SNN_E_INVALID);
  BAD(snn_encoder_spike_times(f->enc, t, 4, x, 4), SNN_E_UNSUPPORTED); /* rate */
  snn_encoder *lat = NULL;
  ck_assert_snn_ok(snn_encoder_create(&lat, "latency"));
  BAD(snn_encoder_spike_times(lat, NULL, 4, x, 4), SNN_E_INVALID);
  BAD(snn_encoder_spike_times(lat, t, 3, x, 4), SNN_E_INVALID);
  BAD(snn_encoder_spike_times(lat, t, 4, NULL, 4), SNN_E_INVALID);
  snn_encoder_free(lat);
}

/* ---- dataset ---------------------------------------------------------------- */
static void c_ds_create(fixture *f) {
  (void)f;
  snn_dataset *d = NULL;
  float x[4] = {0, 1, 2, NAN};
  int32_t y[2] = {0, -3};
  BAD(snn_dataset_create(NULL, x, NULL, 2, 2), SNN_E_INVALID);
  BAD(snn_dataset_create(&d, NULL, NULL, 2, 2), SNN_E_INVALID);
  BAD(snn_dataset_create(&d, x, NULL, 0, 2), SNN_E_INVALID);
  BAD(snn_dataset_create(&d, x, NULL, 2, 0), SNN_E_INVALID);
  BAD(snn_dataset_create(&d, x, NULL, 2, 2), SNN_E_INVALID); /* NaN */
  x[3] = 0;
  BAD(snn_dataset_create(&d, x, y, 2, 2), SNN_E_INVALID);    /* negative label */
  ck_assert_ptr_null(d);
}
static void c_ds_load_idx(fixture *f) {
  (void)f;
  snn_dataset *d = NULL;
  BAD(snn_dataset_load_idx(NULL, "x", NULL), SNN_E_INVALID);
  BAD(snn_dataset_load_idx(&d, NULL, NULL), SNN_E_INVALID);
  BAD(snn_dataset_load_idx(&d, "/nonexistent/dir/images", NULL), SNN_E_IO);
  ck_assert_ptr_null(d);
}
static void c_ds_load_csv(fixture *f) {
  (void)f;
  snn_dataset *d = NULL;
  BAD(snn_dataset_load_csv(NULL, "x", -1, 0), SNN_E_INVALID);
  BAD(snn_dataset_load_csv(&d, NULL, -1, 0), SNN_E_INVALID);
  BAD(snn_dataset_load_csv(&d, "/nonexistent/dir/x.csv", -1, 0), SNN_E_IO);
  ck_assert_ptr_null(d);
}
static void c_ds_free(fixture *f) { (void)f; snn_dataset_free(NULL); }
static void c_ds_size(fixture *f) { (void)f; ck_assert_uint_eq(snn_dataset_size(NULL), 0); }
static void c_ds_n_features(fixture *f) { (void)f; ck_assert_uint_eq(snn_dataset_n_features(NULL), 0); }
static void c_ds_n_classes(fixture *f) { (void)f; ck_assert_uint_eq(snn_dataset_n_classes(NULL), 0); }
static void c_ds_get(fixture *f) {
  float x[8];
  int32_t y[2];
  BAD(snn_dataset_get(x, y, NULL, 0, 1), SNN_E_INVALID);
  BAD(snn_dataset_get(x, y, f->ds, 1, 2), SNN_E_RANGE);
  BAD(snn_dataset_get(x, y, f->ds, 3, 1), SNN_E_RANGE);
}
static void c_ds_normalize(fixture *f) {
  snn_dataset *other = NULL;
  float x[3] = {1, 2, 3};
  ck_assert_snn_ok(snn_dataset_create(&other, x, NULL, 1, 3));
  BAD(snn_dataset_normalize(NULL, f->ds), SNN_E_INVALID);
  BAD(snn_dataset_normalize(f->ds, NULL), SNN_E_INVALID);
  BAD(snn_dataset_normalize(f->ds, other), SNN_E_INVALID);
  snn_dataset_free(other);
}
static void c_ds_feature_ranges(fixture *f) {
  float lo[4], hi[4];
  BAD(snn_dataset_feature_ranges(lo, hi, 4, NULL), SNN_E_INVALID);
  BAD(snn_dataset_feature_ranges(NULL, NULL, 4, f->ds), SNN_E_INVALID);
  BAD(snn_dataset_feature_ranges(lo, hi, 3, f->ds), SNN_E_INVALID);
  BAD(snn_dataset_feature_ranges(lo, NULL, 5, f->ds), SNN_E_INVALID);
}
static void c_ds_normalize_ranges(fixture *f) {
  float lo[4] = {0, 0, 0, 0}, hi[4] = {1, 1, 1, 1};
  BAD(snn_dataset_normalize_ranges(NULL, lo, hi, 4), SNN_E_INVALID);
  BAD(snn_dataset_normalize_ranges(f->ds, NULL, hi, 4), SNN_E_INVALID);
  BAD(snn_dataset_normalize_ranges(f->ds, lo, NULL, 4), SNN_E_INVALID);
  BAD(snn_dataset_normalize_ranges(f->ds, lo, hi, 3), SNN_E_INVALID);
  lo[2] = NAN;
  BAD(snn_dataset_normalize_ranges(f->ds, lo, hi, 4), SNN_E_INVALID);
  lo[2] = 0;
  hi[1] = INFINITY;
  BAD(snn_dataset_normalize_ranges(f->ds, lo, hi, 4), SNN_E_INVALID);
  hi[1] = -1;
  BAD(snn_dataset_normalize_ranges(f->ds, lo, hi, 4), SNN_E_RANGE);
}
static void c_ds_split(fixture *f) {
  snn_dataset *a = NULL, *b = NULL;
  BAD(snn_dataset_split(NULL, &b, f->ds, 0.5, 1), SNN_E_INVALID);
  BAD(snn_dataset_split(&a, NULL, f->ds, 0.5, 1), SNN_E_INVALID);
  BAD(snn_dataset_split(&a, &b, NULL, 0.5, 1), SNN_E_INVALID);
  BAD(snn_dataset_split(&a, &b, f->ds, 0.0, 1), SNN_E_RANGE);
  BAD(snn_dataset_split(&a, &b, f->ds, 1.0, 1), SNN_E_RANGE);
  BAD(snn_dataset_split(&a, &b, f->ds, NAN, 1), SNN_E_INVALID);
  ck_assert_ptr_null(a);
  ck_assert_ptr_null(b);
}

/* ---- layer ------------------------------------------------------------------ */
static void c_layer_dense(fixture *f) {
  snn_layer *l = NULL;
  BAD(snn_layer_create_dense(NULL, 4, 3, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_dense(&l, 0, 3, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_dense(&l, 4, 0, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_dense(&l, 4, 3, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
}
static void c_layer_conv(fixture *f) {
  snn_layer *l = NULL;
  BAD(snn_layer_create_conv2d(NULL, 1, 8, 8, 2, 3, 3, 1, 0, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_conv2d(&l, 0, 8, 8, 2, 3, 3, 1, 0, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_conv2d(&l, 1, 8, 8, 2, 3, 3, 0, 0, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_conv2d(&l, 1, 2, 2, 2, 3, 3, 1, 0, f->lif), SNN_E_INVALID);
  BAD(snn_layer_create_conv2d(&l, 1, 8, 8, 2, 3, 3, 1, 0, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
}
static void c_layer_pool(fixture *f) {
  snn_layer *l = NULL;
  (void)f;
  BAD(snn_layer_create_pool2d(NULL, 1, 8, 8, SNN_POOL_MAX, 2, 2, NULL), SNN_E_INVALID);
  BAD(snn_layer_create_pool2d(&l, 1, 8, 8, 42, 2, 2, NULL), SNN_E_INVALID);
  BAD(snn_layer_create_pool2d(&l, 1, 8, 8, SNN_POOL_MAX, 0, 2, NULL), SNN_E_INVALID);
  BAD(snn_layer_create_pool2d(&l, 1, 8, 8, SNN_POOL_MAX, 9, 2, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
}
static void c_layer_free(fixture *f) { (void)f; snn_layer_free(NULL); }
static void c_layer_kind(fixture *f) { (void)f; ck_assert_ptr_null(snn_layer_kind(NULL)); }
static void c_layer_n_inputs(fixture *f) { (void)f; ck_assert_uint_eq(snn_layer_n_inputs(NULL), 0); }
static void c_layer_n_outputs(fixture *f) { (void)f; ck_assert_uint_eq(snn_layer_n_outputs(NULL), 0); }
static void c_layer_output_shape(fixture *f) { (void)f; size_t c; BAD(snn_layer_output_shape(&c, NULL, NULL, NULL), SNN_E_INVALID); }
static void c_layer_set_bias(fixture *f) {
  BAD(snn_layer_set_bias(NULL, 1), SNN_E_INVALID);
  snn_layer *p = NULL;
  ck_assert_snn_ok(snn_layer_create_pool2d(&p, 1, 4, 4, SNN_POOL_SUM, 2, 2, NULL));
  BAD(snn_layer_set_bias(p, 1), SNN_E_UNSUPPORTED);
  snn_layer_free(p);
  (void)f;
}
static void c_layer_set_recurrent(fixture *f) {
  BAD(snn_layer_set_recurrent(NULL, 1), SNN_E_INVALID);
  snn_layer *p = NULL;
  ck_assert_snn_ok(snn_layer_create_pool2d(&p, 1, 4, 4, SNN_POOL_SUM, 2, 2, NULL));
  BAD(snn_layer_set_recurrent(p, 1), SNN_E_UNSUPPORTED);
  snn_layer_free(p);
  (void)f;
}
static void c_layer_model(fixture *f) { (void)f; ck_assert_ptr_null(snn_layer_model(NULL)); }
static void c_layer_input_shape(fixture *f) {
  (void)f;
  size_t c;
  BAD(snn_layer_input_shape(&c, NULL, NULL, NULL), SNN_E_INVALID);
}
static void c_layer_window(fixture *f) {
  size_t k = 7;
  BAD(snn_layer_window(&k, NULL, NULL, NULL, NULL), SNN_E_INVALID);
  BAD(snn_layer_window(&k, NULL, NULL, NULL, f->dense), SNN_E_UNSUPPORTED);
  ck_assert_uint_eq(k, 7); /* untouched on error */
}
static void c_layer_pool_kind(fixture *f) {
  BAD(snn_layer_pool_kind(NULL), SNN_E_INVALID);
  BAD(snn_layer_pool_kind(f->dense), SNN_E_UNSUPPORTED);
}
static void c_layer_has_bias(fixture *f) {
  BAD(snn_layer_has_bias(NULL), SNN_E_INVALID);
  ck_assert_int_eq(snn_layer_has_bias(f->dense), 1);
}
static void c_layer_is_recurrent(fixture *f) {
  BAD(snn_layer_is_recurrent(NULL), SNN_E_INVALID);
  ck_assert_int_eq(snn_layer_is_recurrent(f->dense), 0);
}
static void c_layer_param_size(fixture *f) {
  ck_assert_uint_eq(snn_layer_param_size(NULL, SNN_PARAM_WEIGHTS), 0);
  ck_assert_uint_eq(snn_layer_param_size(f->dense, 99), 0);
  ck_assert_uint_eq(snn_layer_param_size(f->dense, SNN_PARAM_WEIGHTS), 12);
}
static void c_layer_param_get(fixture *f) {
  float w[12];
  BAD(snn_layer_param_get(NULL, f->dense, SNN_PARAM_WEIGHTS, 12), SNN_E_INVALID);
  BAD(snn_layer_param_get(w, NULL, SNN_PARAM_WEIGHTS, 12), SNN_E_INVALID);
  BAD(snn_layer_param_get(w, f->dense, SNN_PARAM_WEIGHTS, 11), SNN_E_INVALID);
  BAD(snn_layer_param_get(w, f->dense, 99, 12), SNN_E_NOTFOUND);
}
static void c_layer_param_set(fixture *f) {
  float w[12] = {0};
  BAD(snn_layer_param_set(NULL, SNN_PARAM_WEIGHTS, w, 12), SNN_E_INVALID);
  BAD(snn_layer_param_set(f->dense, SNN_PARAM_WEIGHTS, NULL, 12), SNN_E_INVALID);
  BAD(snn_layer_param_set(f->dense, SNN_PARAM_WEIGHTS, w, 13), SNN_E_INVALID);
  BAD(snn_layer_param_set(f->dense, 99, w, 12), SNN_E_NOTFOUND);
  w[5] = INFINITY;
  BAD(snn_layer_param_set(f->dense, SNN_PARAM_WEIGHTS, w, 12), SNN_E_INVALID);
}
static void c_layer_set_input_delays(fixture *f) {
  int32_t d[4] = {0, 1, 2, 3};
  BAD(snn_layer_set_input_delays(NULL, d, 4), SNN_E_INVALID);
  BAD(snn_layer_set_input_delays(f->dense, NULL, 4), SNN_E_INVALID);
  BAD(snn_layer_set_input_delays(f->dense, d, 3), SNN_E_INVALID);
  d[2] = -1;
  BAD(snn_layer_set_input_delays(f->dense, d, 4), SNN_E_INVALID);
  d[2] = 1000001;
  BAD(snn_layer_set_input_delays(f->dense, d, 4), SNN_E_INVALID);
}
static void c_layer_input_delays(fixture *f) {
  int32_t d[4];
  BAD(snn_layer_input_delays(NULL, 4, f->dense), SNN_E_INVALID);
  BAD(snn_layer_input_delays(d, 4, NULL), SNN_E_INVALID);
  BAD(snn_layer_input_delays(d, 5, f->dense), SNN_E_INVALID);
}

/* ---- network ---------------------------------------------------------------- */
static void c_net_create(fixture *f) {
  (void)f;
  snn_network *n = NULL;
  BAD(snn_network_create(NULL, 1, 1, 4), SNN_E_INVALID);
  BAD(snn_network_create(&n, 0, 1, 4), SNN_E_INVALID);
  BAD(snn_network_create(&n, 1, 1, 0), SNN_E_INVALID);
  ck_assert_ptr_null(n);
}
static void c_net_free(fixture *f) { (void)f; snn_network_free(NULL); }
static void c_net_clone(fixture *f) {
  snn_network *n = NULL;
  BAD(snn_network_clone(NULL, f->net), SNN_E_INVALID);
  BAD(snn_network_clone(&n, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(n);
}
static void c_net_add_layer(fixture *f) {
  snn_layer *l = NULL;
  BAD(snn_network_add_layer(NULL, f->dense), SNN_E_INVALID);
  BAD(snn_network_add_layer(f->net, NULL), SNN_E_INVALID);
  ck_assert_snn_ok(snn_layer_create_dense(&l, 7, 2, f->lif));
  BAD(snn_network_add_layer(f->net, l), SNN_E_INVALID); /* 3 outputs vs 7 inputs */
  snn_layer_free(l);                                     /* still ours on failure */
  BAD(snn_network_add_layer(f->net, snn_network_layer(f->net, 0)), SNN_E_STATE);
}
static void c_net_n_layers(fixture *f) { (void)f; ck_assert_uint_eq(snn_network_n_layers(NULL), 0); }
static void c_net_layer(fixture *f) { ck_assert_ptr_null(snn_network_layer(NULL, 0)); ck_assert_ptr_null(snn_network_layer(f->net, 5)); }
static void c_net_n_inputs(fixture *f) { (void)f; ck_assert_uint_eq(snn_network_n_inputs(NULL), 0); }
static void c_net_n_outputs(fixture *f) { (void)f; ck_assert_uint_eq(snn_network_n_outputs(NULL), 0); }
static void c_net_input_shape(fixture *f) {
  (void)f;
  size_t c;
  BAD(snn_network_input_shape(&c, NULL, NULL, NULL), SNN_E_INVALID);
}
static void c_net_set_input_delays(fixture *f) {
  int32_t d[4] = {0, 1, 2, 3};
  BAD(snn_network_set_input_delays(NULL, 0, d, 4), SNN_E_INVALID);
  BAD(snn_network_set_input_delays(f->net, 1, d, 4), SNN_E_RANGE);
  BAD(snn_network_set_input_delays(f->net, 0, d, 3), SNN_E_INVALID);
  BAD(snn_network_set_input_delays(f->net, 0, NULL, 4), SNN_E_INVALID);
  d[1] = 1000001;
  BAD(snn_network_set_input_delays(f->net, 0, d, 4), SNN_E_INVALID);
}
static void c_net_encoder(fixture *f) {
  ck_assert_ptr_null(snn_network_encoder(NULL));
  ck_assert_ptr_nonnull(snn_network_encoder(f->net));
}
static void c_net_set_encoder(fixture *f) {
  BAD(snn_network_set_encoder(NULL, f->enc), SNN_E_INVALID);
  BAD(snn_network_set_encoder(f->net, NULL), SNN_E_INVALID);
}
static void c_net_set(fixture *f) {
  BAD(snn_network_set(NULL, "steps", 5), SNN_E_INVALID);
  BAD(snn_network_set(f->net, NULL, 5), SNN_E_INVALID);
  BAD(snn_network_set(f->net, "steps", NAN), SNN_E_INVALID);
  BAD(snn_network_set(f->net, "no_such", 5), SNN_E_NOTFOUND);
  BAD(snn_network_set(f->net, "steps", 0), SNN_E_RANGE);
  BAD(snn_network_set(f->net, "dt", -1), SNN_E_RANGE);
}
static void c_net_set_str(fixture *f) {
  BAD(snn_network_set_str(NULL, "readout", "count"), SNN_E_INVALID);
  BAD(snn_network_set_str(f->net, NULL, "count"), SNN_E_INVALID);
  BAD(snn_network_set_str(f->net, "readout", NULL), SNN_E_INVALID);
  BAD(snn_network_set_str(f->net, "readout", "vibes"), SNN_E_NOTFOUND);
  BAD(snn_network_set_str(f->net, "no_such", "count"), SNN_E_NOTFOUND);
}
static void c_net_get(fixture *f) {
  double v;
  BAD(snn_network_get(NULL, f->net, "steps"), SNN_E_INVALID);
  BAD(snn_network_get(&v, NULL, "steps"), SNN_E_INVALID);
  BAD(snn_network_get(&v, f->net, NULL), SNN_E_INVALID);
  BAD(snn_network_get(&v, f->net, "no_such"), SNN_E_NOTFOUND);
}
static void c_net_init_weights(fixture *f) { (void)f; BAD(snn_network_init_weights(NULL, 1), SNN_E_INVALID); }
static void c_net_predict(fixture *f) {
  float x[8] = {0};
  int32_t y[2];
  snn_network *empty = NULL;
  BAD(snn_network_predict(NULL, y, NULL, x, 2, 4), SNN_E_INVALID);
  BAD(snn_network_predict(f->net, y, NULL, NULL, 2, 4), SNN_E_INVALID);
  BAD(snn_network_predict(f->net, y, NULL, x, 2, 5), SNN_E_INVALID);
  BAD(snn_network_predict(f->net, y, NULL, x, 0, 4), SNN_E_INVALID);
  x[1] = NAN;
  BAD(snn_network_predict(f->net, y, NULL, x, 2, 4), SNN_E_INVALID);
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 4));
  x[1] = 0;
  BAD(snn_network_predict(empty, y, NULL, x, 2, 4), SNN_E_STATE);
  snn_network_free(empty);
}
static void c_net_evaluate(fixture *f) {
  double acc;
  BAD(snn_network_evaluate(NULL, f->net, f->ds), SNN_E_INVALID);
  BAD(snn_network_evaluate(&acc, NULL, f->ds), SNN_E_INVALID);
  BAD(snn_network_evaluate(&acc, f->net, NULL), SNN_E_INVALID);
}
static void c_net_activity(fixture *f) {
  double s, o;
  BAD(snn_network_activity(&s, &o, NULL, 0), SNN_E_INVALID);
  BAD(snn_network_activity(&s, &o, f->net, 0), SNN_E_STATE); /* nothing run yet */
}

/* ---- model files -------------------------------------------------------------- */
static void c_net_save(fixture *f) {
  BAD(snn_network_save(NULL, "x"), SNN_E_INVALID);
  BAD(snn_network_save(f->net, NULL), SNN_E_INVALID);
  BAD(snn_network_save(f->net, "/nonexistent/dir/model.snn"), SNN_E_IO);
}
static void c_net_load(fixture *f) {
  (void)f;
  snn_network *n = NULL;
  BAD(snn_network_load(NULL, "x"), SNN_E_INVALID);
  BAD(snn_network_load(&n, NULL), SNN_E_INVALID);
  BAD(snn_network_load(&n, "/nonexistent/dir/model.snn"), SNN_E_IO);
  ck_assert_ptr_null(n);
}
static void c_net_save_mem(fixture *f) {
  size_t need = 0;
  char small[4];
  BAD(snn_network_save_mem(NULL, f->net, NULL, 0), SNN_E_INVALID);
  BAD(snn_network_save_mem(&need, NULL, NULL, 0), SNN_E_INVALID);
  BAD(snn_network_save_mem(&need, f->net, small, sizeof small), SNN_E_RANGE);
  ck_assert_uint_gt(need, sizeof small);
}
static void c_net_load_mem(fixture *f) {
  (void)f;
  snn_network *n = NULL;
  const char junk[16] = "not a model file";
  BAD(snn_network_load_mem(NULL, junk, sizeof junk), SNN_E_INVALID);
  BAD(snn_network_load_mem(&n, NULL, 16), SNN_E_INVALID);
  BAD(snn_network_load_mem(&n, junk, sizeof junk), SNN_E_FORMAT);
  BAD(snn_network_load_mem(&n, junk, 3), SNN_E_FORMAT);
  ck_assert_ptr_null(n);
}

/* ---- learner ------------------------------------------------------------------ */
static void c_bptt_options_init(fixture *f) {
  (void)f;
  snn_bptt_options o;
  BAD(snn_bptt_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_bptt_options_init(&o, 1), SNN_E_VERSION);
}
static void c_bptt_create(fixture *f) {
  snn_learner *l = NULL;
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  snn_network *empty = NULL;
  BAD(snn_learner_create_bptt(NULL, f->net, NULL), SNN_E_INVALID);
  BAD(snn_learner_create_bptt(&l, NULL, NULL), SNN_E_INVALID);
  o.learning_rate = -1;
  BAD(snn_learner_create_bptt(&l, f->net, &o), SNN_E_RANGE);
  o.learning_rate = NAN;
  BAD(snn_learner_create_bptt(&l, f->net, &o), SNN_E_INVALID);
  o.learning_rate = 0;
  o.loss = 77;
  BAD(snn_learner_create_bptt(&l, f->net, &o), SNN_E_RANGE);
  o.loss = 0;
  o.struct_size = 2;
  BAD(snn_learner_create_bptt(&l, f->net, &o), SNN_E_VERSION);
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 4));
  BAD(snn_learner_create_bptt(&l, empty, NULL), SNN_E_STATE);
  snn_network_free(empty);
  ck_assert_ptr_null(l);
}
static void c_learner_free(fixture *f) { (void)f; snn_learner_free(NULL); }
static void c_learner_kind(fixture *f) { ck_assert_ptr_null(snn_learner_kind(NULL)); ck_assert_str_eq(snn_learner_kind(f->bptt), "bptt"); }
static void c_train_epoch(fixture *f) {
  snn_dataset *wrong = NULL;
  float x[3] = {0, 0, 0};
  int32_t y = 0;
  BAD(snn_learner_train_epoch(NULL, NULL, f->ds, NULL, NULL), SNN_E_INVALID);
  BAD(snn_learner_train_epoch(f->bptt, NULL, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_ok(snn_dataset_create(&wrong, x, &y, 1, 3));
  BAD(snn_learner_train_epoch(f->bptt, NULL, wrong, NULL, NULL), SNN_E_INVALID);
  snn_dataset_free(wrong);
}
static void c_train_batch(fixture *f) {
  float x[8] = {0};
  int32_t y[2] = {0, 1};
  BAD(snn_learner_train_batch(NULL, NULL, x, y, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_train_batch(f->bptt, NULL, NULL, y, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_train_batch(f->bptt, NULL, x, NULL, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_train_batch(f->bptt, NULL, x, y, 2, 5), SNN_E_INVALID);
  BAD(snn_learner_train_batch(f->bptt, NULL, x, y, 0, 4), SNN_E_INVALID);
  y[1] = 3; /* only 3 outputs: classes 0..2 */
  BAD(snn_learner_train_batch(f->bptt, NULL, x, y, 2, 4), SNN_E_INVALID);
}
static void c_gradient(fixture *f) {
  float x[8] = {0}, g[64];
  int32_t y[2] = {0, 1};
  size_t np = snn_learner_n_params(f->bptt);
  ck_assert_uint_le(np, 64);
  BAD(snn_learner_gradient(NULL, g, np, NULL, x, y, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_gradient(f->bptt, NULL, np, NULL, x, y, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_gradient(f->bptt, g, np + 1, NULL, x, y, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_gradient(f->bptt, g, np, NULL, x, y, 2, 3), SNN_E_INVALID);
}
static void c_n_params(fixture *f) { ck_assert_uint_eq(snn_learner_n_params(NULL), 0); ck_assert_uint_eq(snn_learner_n_params(f->bptt), 4 * 3 + 3); }
static void c_set_lr(fixture *f) {
  BAD(snn_learner_set_learning_rate(NULL, 0.1), SNN_E_INVALID);
  BAD(snn_learner_set_learning_rate(f->bptt, NAN), SNN_E_INVALID);
  BAD(snn_learner_set_learning_rate(f->bptt, -0.1), SNN_E_RANGE);
}
static void c_set_epoch(fixture *f) { (void)f; BAD(snn_learner_set_epoch(NULL, 1), SNN_E_INVALID); }


/* ---- stdp ------------------------------------------------------------------- */
static snn_network *stdp_net(const snn_neuron_model *m) {
  snn_network *net = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 4));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 4, 3, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  return net;
}
static void c_stdp_options_init(fixture *f) {
  (void)f;
  snn_stdp_options o;
  BAD(snn_stdp_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_stdp_options_init(&o, 1), SNN_E_VERSION);
}
static void c_stdp_create(fixture *f) {
  snn_learner *l = NULL;
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  snn_network *net = stdp_net(f->lif), *empty = NULL, *conv = NULL;
  snn_layer *cl = NULL;
  BAD(snn_learner_create_stdp(NULL, net, NULL), SNN_E_INVALID);
  BAD(snn_learner_create_stdp(&l, NULL, NULL), SNN_E_INVALID);
  o.a_plus = NAN;
  BAD(snn_learner_create_stdp(&l, net, &o), SNN_E_INVALID);
  o.a_plus = 0;
  o.rule = 77;
  BAD(snn_learner_create_stdp(&l, net, &o), SNN_E_RANGE);
  o.rule = 0;
  o.struct_size = 2;
  BAD(snn_learner_create_stdp(&l, net, &o), SNN_E_VERSION);
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 4));
  BAD(snn_learner_create_stdp(&l, empty, NULL), SNN_E_STATE);
  ck_assert_snn_ok(snn_network_create(&conv, 1, 4, 4));
  ck_assert_snn_ok(snn_layer_create_conv2d(&cl, 1, 4, 4, 2, 3, 3, 1, 0, f->lif));
  ck_assert_snn_ok(snn_network_add_layer(conv, cl));
  BAD(snn_learner_create_stdp(&l, conv, NULL), SNN_E_UNSUPPORTED);
  ck_assert_ptr_null(l);
  snn_network_free(conv);
  snn_network_free(empty);
  snn_network_free(net);
}
static void c_learner_create_custom(fixture *f) {
  snn_learner *l = NULL;
  snn_learner_ops ops;
  snn_network *net = stdp_net(f->lif);
  memset(&ops, 0, sizeof ops);
  ops.struct_size = sizeof ops;
  BAD(snn_learner_create_custom(NULL, net, NULL, &ops, NULL), SNN_E_INVALID);
  BAD(snn_learner_create_custom(&l, NULL, NULL, &ops, NULL), SNN_E_INVALID);
  BAD(snn_learner_create_custom(&l, net, NULL, NULL, NULL), SNN_E_INVALID);
  ops.struct_size = 1;
  BAD(snn_learner_create_custom(&l, net, NULL, &ops, NULL), SNN_E_VERSION);
  ck_assert_ptr_null(l);
  snn_network_free(net);
}
/* Each STDP entry point refuses NULL and a learner of another kind (bptt). */
static void c_stdp_train(fixture *f) {
  BAD(snn_learner_stdp_train(NULL, f->ds, 0, NULL, NULL), SNN_E_INVALID);
  BAD(snn_learner_stdp_train(f->bptt, f->ds, 0, NULL, NULL), SNN_E_INVALID);
}
static void c_stdp_present(fixture *f) {
  uint32_t c[3];
  float x[4] = {0};
  BAD(snn_learner_stdp_present(c, NULL, 3, x, 4, 0, 1), SNN_E_INVALID);
  BAD(snn_learner_stdp_present(c, f->bptt, 3, x, 4, 0, 1), SNN_E_INVALID);
}
static void c_stdp_apply(fixture *f) {
  uint8_t pre[4] = {0}, post[3] = {0};
  BAD(snn_learner_stdp_apply(NULL, pre, 4, post, 3, 1), SNN_E_INVALID);
  BAD(snn_learner_stdp_apply(f->bptt, pre, 4, post, 3, 1), SNN_E_INVALID);
}
static void c_stdp_label(fixture *f) {
  BAD(snn_learner_stdp_label(NULL, f->ds, 0, NULL, NULL), SNN_E_INVALID);
  BAD(snn_learner_stdp_label(f->bptt, f->ds, 0, NULL, NULL), SNN_E_INVALID);
}
static void c_stdp_classify(fixture *f) {
  int32_t y[2];
  float x[8] = {0};
  BAD(snn_learner_stdp_classify(y, NULL, x, 2, 4), SNN_E_INVALID);
  BAD(snn_learner_stdp_classify(y, f->bptt, x, 2, 4), SNN_E_INVALID);
}
static void c_stdp_evaluate(fixture *f) {
  double a;
  BAD(snn_learner_stdp_evaluate(&a, NULL, f->ds, 0, NULL, NULL), SNN_E_INVALID);
  BAD(snn_learner_stdp_evaluate(&a, f->bptt, f->ds, 0, NULL, NULL), SNN_E_INVALID);
}
static void c_stdp_assign_get(fixture *f) {
  int32_t a[3];
  BAD(snn_learner_stdp_assignments_get(a, NULL, 3), SNN_E_INVALID);
  BAD(snn_learner_stdp_assignments_get(a, f->bptt, 3), SNN_E_INVALID);
}
static void c_stdp_assign_set(fixture *f) {
  int32_t a[3] = {0, 1, 2};
  BAD(snn_learner_stdp_assignments_set(NULL, a, 3), SNN_E_INVALID);
  BAD(snn_learner_stdp_assignments_set(f->bptt, a, 3), SNN_E_INVALID);
}
static void c_stdp_theta_get(fixture *f) {
  float t[3];
  BAD(snn_learner_stdp_theta_get(t, NULL, 3), SNN_E_INVALID);
  BAD(snn_learner_stdp_theta_get(t, f->bptt, 3), SNN_E_INVALID);
}
static void c_stdp_theta_set(fixture *f) {
  float t[3] = {0};
  BAD(snn_learner_stdp_theta_set(NULL, t, 3), SNN_E_INVALID);
  BAD(snn_learner_stdp_theta_set(f->bptt, t, 3), SNN_E_INVALID);
}
/* Size and value checks on a real STDP learner. */
static void c_stdp_stats(fixture *f) {
  snn_stdp_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  BAD(snn_learner_stdp_stats(NULL, f->bptt), SNN_E_INVALID);
  BAD(snn_learner_stdp_stats(&st, NULL), SNN_E_INVALID);
  snn_network *net = stdp_net(f->lif);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  st.struct_size = 1;
  BAD(snn_learner_stdp_stats(&st, l), SNN_E_VERSION);
  int32_t a[3] = {0, 1, 2};
  float th[3] = {0, NAN, 0}, x[4] = {0.5f, 0.5f, NAN, 0.5f};
  uint32_t c[3];
  BAD(snn_learner_stdp_assignments_set(l, a, 2), SNN_E_INVALID);
  BAD(snn_learner_stdp_theta_set(l, th, 3), SNN_E_INVALID);
  BAD(snn_learner_stdp_theta_get(th, l, 2), SNN_E_INVALID);
  BAD(snn_learner_stdp_present(c, l, 2, x, 4, 0, 1), SNN_E_INVALID);
  BAD(snn_learner_stdp_present(c, l, 3, x, 4, 0, 1), SNN_E_INVALID); /* NaN input */
  /* the gradient-based calls refuse an STDP learner */
  float xx[4] = {0}, g[1];
  int32_t yy = 0;
  ck_assert_uint_eq(snn_learner_n_params(l), 0);
  ck_assert_str_eq(snn_learner_kind(l), "stdp");
  BAD(snn_learner_train_batch(l, NULL, xx, &yy, 1, 4), SNN_E_UNSUPPORTED);
  BAD(snn_learner_gradient(l, g, 1, NULL, xx, &yy, 1, 4), SNN_E_UNSUPPORTED);
  BAD(snn_learner_set_learning_rate(l, 0.1), SNN_E_UNSUPPORTED);
  BAD(snn_learner_set_epoch(l, 1), SNN_E_UNSUPPORTED);
  snn_learner_free(l);
  snn_network_free(net);
}

/* STDP inference presentation time: NULLs, a non-STDP learner, bad values. */
static void c_stdp_set_t_infer(fixture *f) {
  BAD(snn_learner_stdp_set_t_infer(NULL, 100), SNN_E_INVALID);
  BAD(snn_learner_stdp_set_t_infer(f->bptt, 100), SNN_E_INVALID);
  snn_network *net = stdp_net(f->lif);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  BAD(snn_learner_stdp_set_t_infer(l, NAN), SNN_E_INVALID);
  BAD(snn_learner_stdp_set_t_infer(l, -INFINITY), SNN_E_INVALID);
  BAD(snn_learner_stdp_set_t_infer(l, -1), SNN_E_RANGE);
  BAD(snn_learner_stdp_set_t_infer(l, 0.1), SNN_E_RANGE); /* below dt 0.5 ms */
  BAD(snn_learner_stdp_set_t_infer(l, 1e12), SNN_E_RANGE);
  snn_learner_free(l);
  snn_network_free(net);
}
static void c_stdp_t_infer(fixture *f) {
  double t;
  BAD(snn_learner_stdp_t_infer(NULL, f->bptt), SNN_E_INVALID);
  BAD(snn_learner_stdp_t_infer(&t, NULL), SNN_E_INVALID);
  BAD(snn_learner_stdp_t_infer(&t, f->bptt), SNN_E_INVALID);
  snn_network *net = stdp_net(f->lif);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  BAD(snn_learner_stdp_t_infer(NULL, l), SNN_E_INVALID);
  snn_learner_free(l);
  snn_network_free(net);
}

static void c_stdp_options_get(fixture *f) {
  snn_stdp_options o = SNN_STDP_OPTIONS_INIT;
  BAD(snn_learner_stdp_options_get(NULL, f->bptt), SNN_E_INVALID);
  BAD(snn_learner_stdp_options_get(&o, NULL), SNN_E_INVALID);
  BAD(snn_learner_stdp_options_get(&o, f->bptt), SNN_E_INVALID);
  snn_network *net = stdp_net(f->lif);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  o.struct_size = sizeof(size_t);
  BAD(snn_learner_stdp_options_get(&o, l), SNN_E_VERSION);
  snn_learner_free(l);
  snn_network_free(net);
}

/* ---- spikeprop ------------------------------------------------------------- */
static snn_learner *sp_make(void) {
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&l, 3, 2, 2, NULL, NULL, NULL));
  return l;
}
static void c_sp_options_init(fixture *f) {
  (void)f;
  snn_spikeprop_options o;
  BAD(snn_spikeprop_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_spikeprop_options_init(&o, 1), SNN_E_VERSION);
}
static void c_sp_create(fixture *f) {
  snn_learner *l = NULL;
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  BAD(snn_learner_create_spikeprop(NULL, 3, 2, 2, NULL, NULL, NULL), SNN_E_INVALID);
  BAD(snn_learner_create_spikeprop(&l, 0, 2, 2, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
  BAD(snn_learner_create_spikeprop(&l, 3, 2, 2, f->lif, NULL, NULL), SNN_E_UNSUPPORTED);
  BAD(snn_learner_create_spikeprop(&l, 3, 2, 2, NULL, f->enc, NULL), SNN_E_UNSUPPORTED);
  o.learning_rate = NAN;
  BAD(snn_learner_create_spikeprop(&l, 3, 2, 2, NULL, NULL, &o), SNN_E_INVALID);
  o.learning_rate = 0;
  o.inhibitory_fraction = 2;
  BAD(snn_learner_create_spikeprop(&l, 3, 2, 2, NULL, NULL, &o), SNN_E_RANGE);
  o.struct_size = 1;
  BAD(snn_learner_create_spikeprop(&l, 3, 2, 2, NULL, NULL, &o), SNN_E_VERSION);
  ck_assert_ptr_null(l);
}
static void c_sp_run(fixture *f) {
  snn_learner *l = sp_make();
  float t[3] = {0, 1, 2}, to[2];
  BAD(snn_learner_spikeprop_run(NULL, 2, NULL, 0, l, t, 3), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_run(to, 2, NULL, 0, NULL, t, 3), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_run(to, 2, NULL, 0, f->bptt, t, 3), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_run(to, 1, NULL, 0, l, t, 3), SNN_E_INVALID);
  t[0] = NAN;
  BAD(snn_learner_spikeprop_run(to, 2, NULL, 0, l, t, 3), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_train_example(fixture *f) {
  snn_learner *l = sp_make();
  float t[3] = {0, 1, 2}, tg[2] = {10, 80};
  BAD(snn_learner_spikeprop_train_example(NULL, NULL, t, 3, tg, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_train_example(NULL, f->bptt, t, 3, tg, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_train_example(NULL, l, t, 3, tg, 2), SNN_E_RANGE);
  BAD(snn_learner_spikeprop_train_example(NULL, l, t, 2, tg, 2), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_gradient(fixture *f) {
  snn_learner *l = sp_make();
  float t[3] = {0, 1, 2}, tg[2] = {10, 12};
  double g[4];
  BAD(snn_learner_spikeprop_gradient(NULL, 4, NULL, l, t, 3, tg, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_gradient(g, 4, NULL, l, t, 3, tg, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_gradient(g, 4, NULL, f->bptt, t, 3, tg, 2), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_sizes(fixture *f) {
  size_t a = 7, b = 7, c = 7;
  BAD(snn_learner_spikeprop_sizes(&a, &b, &c, NULL), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_sizes(&a, &b, &c, f->bptt), SNN_E_INVALID);
  ck_assert(a == 7 && b == 7 && c == 7); /* nothing written on failure */
}
static void c_sp_options_get(fixture *f) {
  snn_learner *l = sp_make();
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  BAD(snn_learner_spikeprop_options_get(NULL, l), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_options_get(&o, NULL), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_options_get(&o, f->bptt), SNN_E_INVALID);
  o.struct_size = sizeof(size_t);
  BAD(snn_learner_spikeprop_options_get(&o, l), SNN_E_VERSION);
  snn_learner_free(l);
}
static void c_sp_models(fixture *f) {
  snn_neuron_model *m = (snn_neuron_model *)f;
  snn_encoder *e = (snn_encoder *)f;
  BAD(snn_learner_spikeprop_models(&m, &e, NULL), SNN_E_INVALID);
  ck_assert(m == NULL && e == NULL); /* outputs cleared on failure */
  BAD(snn_learner_spikeprop_models(&m, &e, f->bptt), SNN_E_INVALID);
}
static void c_sp_n_features(fixture *f) {
  size_t n = 7;
  BAD(snn_learner_spikeprop_n_features(NULL, f->bptt), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_n_features(&n, NULL), SNN_E_INVALID);
  ck_assert_uint_eq(n, 0);
  BAD(snn_learner_spikeprop_n_features(&n, f->bptt), SNN_E_INVALID);
}
static void c_sp_set_ranges(fixture *f) {
  snn_learner *l = sp_make(); /* no encoder: inputs are spike times */
  float lo[2] = {0, 0}, hi[2] = {1, 1};
  BAD(snn_learner_spikeprop_set_input_ranges(NULL, lo, hi, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_set_input_ranges(f->bptt, lo, hi, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_set_input_ranges(l, lo, NULL, 2), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_set_input_ranges(l, lo, hi, 2), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_ranges(fixture *f) {
  snn_learner *l = sp_make();
  size_t n = 7;
  float lo[2];
  BAD(snn_learner_spikeprop_input_ranges(NULL, lo, NULL, 2, l), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_input_ranges(&n, lo, NULL, 2, NULL), SNN_E_INVALID);
  ck_assert_uint_eq(n, 0);
  BAD(snn_learner_spikeprop_input_ranges(&n, lo, NULL, 2, f->bptt), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_weights_get(fixture *f) {
  snn_learner *l = sp_make();
  double w[4];
  BAD(snn_learner_spikeprop_weights_get(NULL, 4, l), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_weights_get(w, 4, l), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_weights_get(w, 4, f->bptt), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_weights_set(fixture *f) {
  snn_learner *l = sp_make();
  double w[4] = {0};
  BAD(snn_learner_spikeprop_weights_set(l, NULL, 4), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_weights_set(l, w, 4), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_weights_set(f->bptt, w, 4), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_classify(fixture *f) {
  snn_learner *l = sp_make();
  float x[4] = {0, 1, 2, 3};
  int32_t y[2];
  BAD(snn_learner_spikeprop_classify(y, NULL, NULL, x, 1, 3), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_classify(y, NULL, l, NULL, 1, 3), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_classify(y, NULL, l, x, 1, 4), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_classify(y, NULL, f->bptt, x, 1, 3), SNN_E_INVALID);
  snn_learner_free(l);
}
static void c_sp_evaluate(fixture *f) {
  snn_learner *l = sp_make();
  double a;
  BAD(snn_learner_spikeprop_evaluate(NULL, l, f->ds), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_evaluate(&a, l, NULL), SNN_E_INVALID);
  BAD(snn_learner_spikeprop_evaluate(&a, l, f->ds), SNN_E_INVALID); /* 4 features, 3 inputs */
  BAD(snn_learner_spikeprop_evaluate(&a, f->bptt, f->ds), SNN_E_INVALID);
  snn_learner_free(l);
}

/* ---- event-driven sparse networks (src/sim) ------------------------------------- */
static snn_spnet *spnet_one(const snn_neuron_model *m) {
  snn_spnet *net = NULL;
  ck_assert_snn_ok(snn_spnet_create(&net, NULL));
  ck_assert_snn_ok(snn_spnet_add_population(NULL, net, m, 4));
  return net;
}
static void c_spnet_options_init(fixture *f) {
  (void)f;
  snn_spnet_options o;
  BAD(snn_spnet_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_spnet_options_init(&o, 1), SNN_E_VERSION);
}
static void c_spnet_create(fixture *f) {
  (void)f;
  snn_spnet *net = (snn_spnet *)&net;
  snn_spnet_options o = SNN_SPNET_OPTIONS_INIT;
  BAD(snn_spnet_create(NULL, NULL), SNN_E_INVALID);
  o.dt = INFINITY;
  BAD(snn_spnet_create(&net, &o), SNN_E_INVALID);
  ck_assert_ptr_null(net);
  o.dt = 11;
  BAD(snn_spnet_create(&net, &o), SNN_E_RANGE);
  o.dt = 0;
  o.n_threads = 1000;
  BAD(snn_spnet_create(&net, &o), SNN_E_RANGE);
  o.n_threads = 0;
  o.struct_size = 2;
  BAD(snn_spnet_create(&net, &o), SNN_E_VERSION);
}
static void c_spnet_free(fixture *f) { (void)f; snn_spnet_free(NULL); }
static void c_spnet_add_population(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  BAD(snn_spnet_add_population(NULL, NULL, f->lif, 4), SNN_E_INVALID);
  BAD(snn_spnet_add_population(NULL, net, NULL, 4), SNN_E_INVALID);
  BAD(snn_spnet_add_population(NULL, net, f->lif, 0), SNN_E_INVALID);
  BAD(snn_spnet_add_population(NULL, net, f->lif, (size_t)1 << 31), SNN_E_RANGE);
  snn_spnet_free(net);
}
static void c_spnet_n_neurons(fixture *f) {
  ck_assert_uint_eq(snn_spnet_n_neurons(NULL), 0);
  snn_spnet *net = spnet_one(f->lif);
  ck_assert_uint_eq(snn_spnet_n_neurons(net), 4);
  snn_spnet_free(net);
}
static void c_spnet_n_populations(fixture *f) {
  ck_assert_uint_eq(snn_spnet_n_populations(NULL), 0);
  snn_spnet *net = spnet_one(f->lif);
  ck_assert_uint_eq(snn_spnet_n_populations(net), 1);
  size_t id = 0;
  ck_assert_snn_ok(snn_spnet_add_population(&id, net, f->lif, 3));
  ck_assert_uint_eq(id, 1);
  ck_assert_uint_eq(snn_spnet_n_populations(net), 2);
  snn_spnet_free(net);
}
static void c_spnet_population_range(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  size_t a, n;
  BAD(snn_spnet_population_range(&a, &n, NULL, 0), SNN_E_INVALID);
  BAD(snn_spnet_population_range(&a, &n, net, 1), SNN_E_RANGE);
  snn_spnet_free(net);
}
static void c_spnet_population_set(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  BAD(snn_spnet_population_set(NULL, 0, "I_e", 1), SNN_E_INVALID);
  BAD(snn_spnet_population_set(net, 0, NULL, 1), SNN_E_INVALID);
  BAD(snn_spnet_population_set(net, 1, "I_e", 1), SNN_E_RANGE);
  BAD(snn_spnet_population_set(net, 0, "nope", 1), SNN_E_NOTFOUND);
  BAD(snn_spnet_population_set(net, 0, "I_e", NAN), SNN_E_INVALID);
  BAD(snn_spnet_population_set(net, 0, "synapse", 2), SNN_E_RANGE);
  snn_spnet_free(net);
}
static void c_spnet_population_get(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  double v;
  BAD(snn_spnet_population_get(NULL, net, 0, "I_e"), SNN_E_INVALID);
  BAD(snn_spnet_population_get(&v, NULL, 0, "I_e"), SNN_E_INVALID);
  BAD(snn_spnet_population_get(&v, net, 0, NULL), SNN_E_INVALID);
  BAD(snn_spnet_population_get(&v, net, 3, "I_e"), SNN_E_RANGE);
  BAD(snn_spnet_population_get(&v, net, 0, "nope"), SNN_E_NOTFOUND);
  snn_spnet_free(net);
}
static void c_spnet_connect_options_init(fixture *f) {
  (void)f;
  snn_spnet_connect_options o;
  BAD(snn_spnet_connect_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_spnet_connect_options_init(&o, 1), SNN_E_VERSION);
}
static void c_spnet_connect(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  snn_spnet_connect_options c = SNN_SPNET_CONNECT_OPTIONS_INIT;
  c.p = 0.5;
  BAD(snn_spnet_connect(NULL, NULL, 0, 0, &c), SNN_E_INVALID);
  BAD(snn_spnet_connect(NULL, net, 0, 0, NULL), SNN_E_INVALID);
  BAD(snn_spnet_connect(NULL, net, 0, 2, &c), SNN_E_RANGE);
  c.p = NAN;
  BAD(snn_spnet_connect(NULL, net, 0, 0, &c), SNN_E_INVALID);
  c.p = 0;
  BAD(snn_spnet_connect(NULL, net, 0, 0, &c), SNN_E_RANGE);
  c.p = 0.5;
  c.rule = SNN_SPNET_FIXED_INDEGREE;
  c.in_degree = 4; /* only 3 eligible sources without autapses */
  BAD(snn_spnet_connect(NULL, net, 0, 0, &c), SNN_E_RANGE);
  c.struct_size = 3;
  BAD(snn_spnet_connect(NULL, net, 0, 0, &c), SNN_E_VERSION);
  snn_spnet_free(net);
}
static void c_spnet_state_get(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  float v[4];
  BAD(snn_spnet_state_get(NULL, net, 0, "V", 4), SNN_E_INVALID);
  BAD(snn_spnet_state_get(v, NULL, 0, "V", 4), SNN_E_INVALID);
  BAD(snn_spnet_state_get(v, net, 0, NULL, 4), SNN_E_INVALID);
  BAD(snn_spnet_state_get(v, net, 0, "V", 3), SNN_E_INVALID);
  BAD(snn_spnet_state_get(v, net, 1, "V", 4), SNN_E_RANGE);
  BAD(snn_spnet_state_get(v, net, 0, "Q", 4), SNN_E_NOTFOUND);
  snn_spnet_free(net);
}
static void c_spnet_state_set(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  float v[4] = {0, 0, INFINITY, 0};
  BAD(snn_spnet_state_set(NULL, 0, "V", v, 4), SNN_E_INVALID);
  BAD(snn_spnet_state_set(net, 0, "V", NULL, 4), SNN_E_INVALID);
  BAD(snn_spnet_state_set(net, 0, "V", v, 4), SNN_E_INVALID);
  BAD(snn_spnet_state_set(net, 0, "V", v, 5), SNN_E_INVALID);
  BAD(snn_spnet_state_set(net, 2, "V", v, 4), SNN_E_RANGE);
  BAD(snn_spnet_state_set(net, 0, "W", v, 4), SNN_E_NOTFOUND);
  ck_assert_snn_ok(snn_spnet_population_set(net, 0, "synapse", 1));
  v[2] = -1; /* negative conductance */
  BAD(snn_spnet_state_set(net, 0, "g_exc", v, 4), SNN_E_INVALID);
  snn_spnet_free(net);
}
static void c_spnet_state_uniform(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  BAD(snn_spnet_state_uniform(NULL, 0, "V", 0, 1), SNN_E_INVALID);
  BAD(snn_spnet_state_uniform(net, 0, NULL, 0, 1), SNN_E_INVALID);
  BAD(snn_spnet_state_uniform(net, 0, "V", NAN, 1), SNN_E_INVALID);
  BAD(snn_spnet_state_uniform(net, 0, "V", 2, 1), SNN_E_INVALID);
  BAD(snn_spnet_state_uniform(net, 1, "V", 0, 1), SNN_E_RANGE);
  BAD(snn_spnet_state_uniform(net, 0, "X", 0, 1), SNN_E_NOTFOUND);
  /* finite doubles outside the float range would store +-inf: refused, and
   * the state is left as it was */
  size_t n = snn_spnet_n_neurons(net);
  float before[8], after[8];
  ck_assert_uint_le(n, 8);
  ck_assert_snn_ok(snn_spnet_state_uniform(net, 0, "V", -60, -50));
  ck_assert_snn_ok(snn_spnet_state_get(before, net, 0, "V", n));
  BAD(snn_spnet_state_uniform(net, 0, "V", 1e39, 1e39), SNN_E_INVALID);
  BAD(snn_spnet_state_uniform(net, 0, "V", -1e300, 1e300), SNN_E_INVALID);
  BAD(snn_spnet_state_uniform(net, 0, "V", 0, 3.5e38), SNN_E_INVALID);
  ck_assert_snn_ok(snn_spnet_state_get(after, net, 0, "V", n));
  ck_assert_mem_eq(before, after, n * sizeof(float));
  ck_assert_snn_ok(snn_spnet_state_uniform(net, 0, "V", -3.0e38, 3.0e38)); /* in range */
  ck_assert_snn_ok(snn_spnet_state_get(after, net, 0, "V", n));
  for (size_t i = 0; i < n; i++) ck_assert(isfinite(after[i]));
  snn_spnet_free(net);
}
static void c_spnet_run(fixture *f) {
  snn_spnet *net = NULL;
  ck_assert_snn_ok(snn_spnet_create(&net, NULL));
  BAD(snn_spnet_run(NULL, 1), SNN_E_INVALID);
  BAD(snn_spnet_run(net, 1), SNN_E_STATE);
  ck_assert_snn_ok(snn_spnet_add_population(NULL, net, f->lif, 4));
  BAD(snn_spnet_run(net, NAN), SNN_E_INVALID);
  BAD(snn_spnet_run(net, -0.5), SNN_E_INVALID);
  BAD(snn_spnet_run(net, 1e15), SNN_E_RANGE);
  snn_spnet_free(net);
}
static void c_spnet_time(fixture *f) {
  (void)f;
  ck_assert_double_eq(snn_spnet_time(NULL), 0.0);
}
static void c_spnet_reset(fixture *f) { (void)f; BAD(snn_spnet_reset(NULL), SNN_E_INVALID); }
static void c_spnet_stats_get(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  snn_spnet_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  BAD(snn_spnet_stats_get(NULL, net), SNN_E_INVALID);
  BAD(snn_spnet_stats_get(&st, NULL), SNN_E_INVALID);
  st.struct_size = 1;
  BAD(snn_spnet_stats_get(&st, net), SNN_E_VERSION);
  snn_spnet_free(net);
}
static void c_spnet_spike_count(fixture *f) { (void)f; ck_assert_uint_eq(snn_spnet_spike_count(NULL), 0); }
static void c_spnet_spikes_get(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  uint32_t nr[2];
  double t[2];
  BAD(snn_spnet_spikes_get(nr, t, NULL, 0, 0), SNN_E_INVALID);
  BAD(snn_spnet_spikes_get(NULL, NULL, net, 0, 0), SNN_E_INVALID);
  BAD(snn_spnet_spikes_get(nr, t, net, 0, 1), SNN_E_RANGE);
  BAD(snn_spnet_spikes_get(nr, t, net, 1, 0), SNN_E_RANGE);
  snn_spnet_free(net);
}
static void c_spnet_spikes_clear(fixture *f) { (void)f; BAD(snn_spnet_spikes_clear(NULL), SNN_E_INVALID); }
/* snn_spnet model files (src/sim/spnet_io.c) */
static void c_spnet_save(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  BAD(snn_spnet_save(NULL, "x"), SNN_E_INVALID);
  BAD(snn_spnet_save(net, NULL), SNN_E_INVALID);
  BAD(snn_spnet_save(net, ""), SNN_E_INVALID);
  BAD(snn_spnet_save(net, "/nonexistent/dir/net.spnet"), SNN_E_IO);
  snn_spnet_free(net);
}
static void c_spnet_save_mem(fixture *f) {
  snn_spnet *net = spnet_one(f->lif);
  size_t need = 0;
  unsigned char small[8];
  BAD(snn_spnet_save_mem(NULL, net, NULL, 0), SNN_E_INVALID);
  BAD(snn_spnet_save_mem(&need, NULL, NULL, 0), SNN_E_INVALID);
  BAD(snn_spnet_save_mem(&need, net, NULL, 0), SNN_E_RANGE);
  ck_assert_uint_gt(need, sizeof small);
  BAD(snn_spnet_save_mem(&need, net, small, sizeof small), SNN_E_RANGE);
  snn_spnet_free(net);
}
static void c_spnet_load(fixture *f) {
  (void)f;
  snn_spnet *n = NULL;
  BAD(snn_spnet_load(NULL, "x"), SNN_E_INVALID);
  BAD(snn_spnet_load(&n, NULL), SNN_E_INVALID);
  BAD(snn_spnet_load(&n, ""), SNN_E_INVALID);
  BAD(snn_spnet_load(&n, "/nonexistent/dir/net.spnet"), SNN_E_IO);
  ck_assert_ptr_null(n);
}
static void c_spnet_load_mem(fixture *f) {
  (void)f;
  snn_spnet *n = NULL;
  static const unsigned char junk[32] = "not a model file at all";
  BAD(snn_spnet_load_mem(NULL, junk, sizeof junk), SNN_E_INVALID);
  BAD(snn_spnet_load_mem(&n, NULL, 16), SNN_E_INVALID);
  BAD(snn_spnet_load_mem(&n, junk, sizeof junk), SNN_E_FORMAT);
  BAD(snn_spnet_load_mem(&n, junk, 3), SNN_E_FORMAT);
  ck_assert_ptr_null(n);
}

/* ---- NIR (src/nir): argument checks that hold with or without HDF5 ------------- */
static void c_nir_options_init(fixture *f) {
  (void)f;
  snn_nir_options o;
  BAD(snn_nir_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_nir_options_init(&o, 1), SNN_E_VERSION);
  ck_assert_snn_ok(snn_nir_options_init(&o, sizeof o));
}
static void c_import_nir(fixture *f) {
  (void)f;
  snn_network *n = (snn_network *)&n;
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  BAD(snn_network_import_nir(NULL, "x.nir", &o), SNN_E_INVALID);
  BAD(snn_network_import_nir(&n, NULL, &o), SNN_E_INVALID);
  ck_assert_ptr_null(n);
  BAD(snn_network_import_nir(&n, "x.nir", NULL), SNN_E_INVALID);  /* dt required */
  BAD(snn_network_import_nir(&n, "x.nir", &o), SNN_E_INVALID);    /* dt 0 */
  o.dt = 1e-3;
  o.struct_size = 2;
  BAD(snn_network_import_nir(&n, "x.nir", &o), SNN_E_VERSION);
}
static void c_import_nir_mem(fixture *f) {
  (void)f;
  snn_network *n = NULL;
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  o.dt = 1e-3;
  const char junk[8] = "notnir!";
  BAD(snn_network_import_nir_mem(NULL, junk, 8, &o), SNN_E_INVALID);
  BAD(snn_network_import_nir_mem(&n, NULL, 8, &o), SNN_E_INVALID);
  BAD(snn_network_import_nir_mem(&n, junk, 0, &o), SNN_E_INVALID);
  o.discretization = 9;
  BAD(snn_network_import_nir_mem(&n, junk, 8, &o), SNN_E_INVALID);
  o.discretization = SNN_NIR_EXACT;
  int rc = snn_network_import_nir_mem(&n, junk, 8, &o);
  ck_assert(rc == SNN_E_FORMAT || rc == SNN_E_UNSUPPORTED); /* UNSUPPORTED without HDF5 */
  ck_assert_ptr_null(n);
}
static void c_export_nir(fixture *f) {
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  BAD(snn_network_export_nir(NULL, "x.nir", NULL), SNN_E_INVALID);
  BAD(snn_network_export_nir(f->net, NULL, NULL), SNN_E_INVALID);
  o.reset = 5;
  BAD(snn_network_export_nir(f->net, "x.nir", &o), SNN_E_INVALID);
  o.reset = SNN_NIR_RESET_TO_V_RESET;
  o.dt = -1;
  BAD(snn_network_export_nir(f->net, "x.nir", &o), SNN_E_INVALID);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 2));
  BAD(snn_network_export_nir(empty, "x.nir", NULL), SNN_E_STATE);
  snn_network_free(empty);
}
static void c_export_nir_mem(fixture *f) {
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  size_t sz = 1;
  char b[8];
  BAD(snn_network_export_nir_mem(NULL, f->net, b, sizeof b, NULL), SNN_E_INVALID);
  BAD(snn_network_export_nir_mem(&sz, NULL, b, sizeof b, NULL), SNN_E_INVALID);
  ck_assert_uint_eq(sz, 0);
  o.discretization = 7;
  BAD(snn_network_export_nir_mem(&sz, f->net, b, sizeof b, &o), SNN_E_INVALID);
  o.discretization = SNN_NIR_EXACT;
  o.dt = NAN;
  BAD(snn_network_export_nir_mem(&sz, f->net, b, sizeof b, &o), SNN_E_INVALID);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 2));
  BAD(snn_network_export_nir_mem(&sz, empty, NULL, 0, NULL), SNN_E_STATE);
  snn_network_free(empty);
  /* too small a buffer: SNN_E_RANGE with the size (UNSUPPORTED without HDF5 or
   * when the fixture's layers have no NIR form) */
  int rc = snn_network_export_nir_mem(&sz, f->net, b, sizeof b, NULL);
  ck_assert(rc == SNN_E_RANGE || rc == SNN_E_UNSUPPORTED);
  if (rc == SNN_E_RANGE) ck_assert(sz > sizeof b);
}
static void c_nir_describe(fixture *f) {
  (void)f;
  size_t len;
  char b[8];
  BAD(snn_nir_describe(NULL, b, sizeof b, "x.nir"), SNN_E_INVALID);
  BAD(snn_nir_describe(&len, b, sizeof b, NULL), SNN_E_INVALID);
  BAD(snn_nir_describe(&len, NULL, 8, "x.nir"), SNN_E_INVALID);
}
static void c_run_sequence(fixture *f) {
  float x[8] = {0}, out[6];
  BAD(snn_network_run_sequence(out, NULL, NULL, x, 2, 4), SNN_E_INVALID);
  BAD(snn_network_run_sequence(out, NULL, f->net, NULL, 2, 4), SNN_E_INVALID);
  BAD(snn_network_run_sequence(out, NULL, f->net, x, 2, 3), SNN_E_INVALID);
  BAD(snn_network_run_sequence(out, NULL, f->net, x, 0, 4), SNN_E_INVALID);
  x[3] = INFINITY;
  BAD(snn_network_run_sequence(out, NULL, f->net, x, 2, 4), SNN_E_INVALID);
  snn_network *empty = NULL;
  ck_assert_snn_ok(snn_network_create(&empty, 1, 1, 4));
  BAD(snn_network_run_sequence(out, NULL, empty, x, 1, 4), SNN_E_STATE);
  snn_network_free(empty);
}

/* ---- model files: load options, learner files ---------------------------------- */
static void c_load_options_init(fixture *f) {
  (void)f;
  snn_load_options o;
  BAD(snn_load_options_init(NULL, sizeof o), SNN_E_INVALID);
  BAD(snn_load_options_init(&o, 1), SNN_E_VERSION);
}
static void c_net_load_ex(fixture *f) {
  (void)f;
  snn_network *n = (snn_network *)&n;
  snn_load_options o = SNN_LOAD_OPTIONS_INIT;
  BAD(snn_network_load_ex(NULL, "x", &o), SNN_E_INVALID);
  BAD(snn_network_load_ex(&n, NULL, &o), SNN_E_INVALID);
  ck_assert_ptr_null(n);
  BAD(snn_network_load_ex(&n, "", &o), SNN_E_INVALID);
  o.n_neuron_models = 1; /* with a NULL table */
  BAD(snn_network_load_ex(&n, "/nonexistent/dir/model.snn", &o), SNN_E_INVALID);
  o.n_neuron_models = 0;
  o.struct_size = 2;
  BAD(snn_network_load_ex(&n, "/nonexistent/dir/model.snn", &o), SNN_E_VERSION);
  BAD(snn_network_load_ex(&n, "/nonexistent/dir/model.snn", NULL), SNN_E_IO);
}
static void c_net_load_mem_ex(fixture *f) {
  (void)f;
  snn_network *n = NULL;
  const char junk[16] = "not a model file";
  const snn_neuron_model *none[1] = {NULL};
  snn_load_options o = SNN_LOAD_OPTIONS_INIT;
  BAD(snn_network_load_mem_ex(NULL, junk, sizeof junk, NULL), SNN_E_INVALID);
  BAD(snn_network_load_mem_ex(&n, NULL, 16, NULL), SNN_E_INVALID);
  BAD(snn_network_load_mem_ex(&n, junk, sizeof junk, NULL), SNN_E_FORMAT);
  o.neuron_models = none;
  o.n_neuron_models = 1;
  BAD(snn_network_load_mem_ex(&n, junk, sizeof junk, &o), SNN_E_INVALID);
  ck_assert_ptr_null(n);
}
static void c_learner_save(fixture *f) {
  BAD(snn_learner_save(NULL, "x"), SNN_E_INVALID);
  BAD(snn_learner_save(f->bptt, NULL), SNN_E_INVALID);
  BAD(snn_learner_save(f->bptt, ""), SNN_E_INVALID);
  BAD(snn_learner_save(f->bptt, "/nonexistent/dir/l.snn"), SNN_E_UNSUPPORTED);
  snn_network *net = stdp_net(f->lif);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  BAD(snn_learner_save(l, "/nonexistent/dir/l.snn"), SNN_E_IO);
  snn_learner_free(l);
  snn_network_free(net);
}
static void c_learner_save_mem(fixture *f) {
  size_t n = 0;
  unsigned char small[8];
  BAD(snn_learner_save_mem(NULL, f->bptt, NULL, 0), SNN_E_INVALID);
  BAD(snn_learner_save_mem(&n, NULL, NULL, 0), SNN_E_INVALID);
  BAD(snn_learner_save_mem(&n, f->bptt, NULL, 0), SNN_E_UNSUPPORTED);
  snn_network *net = stdp_net(f->lif);
  snn_learner *l = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&l, net, NULL));
  BAD(snn_learner_save_mem(&n, l, small, sizeof small), SNN_E_RANGE);
  ck_assert_uint_gt(n, sizeof small);
  snn_learner_free(l);
  snn_network_free(net);
}
static void c_learner_load(fixture *f) {
  (void)f;
  snn_learner *l = (snn_learner *)&l;
  snn_network *n = (snn_network *)&n;
  BAD(snn_learner_load(NULL, &n, "x", NULL), SNN_E_INVALID);
  ck_assert_ptr_null(n);
  BAD(snn_learner_load(&l, NULL, "x", NULL), SNN_E_INVALID);
  ck_assert_ptr_null(l);
  BAD(snn_learner_load(&l, &n, NULL, NULL), SNN_E_INVALID);
  BAD(snn_learner_load(&l, &n, "", NULL), SNN_E_INVALID);
  BAD(snn_learner_load(&l, &n, "/nonexistent/dir/l.snn", NULL), SNN_E_IO);
  snn_load_options o = SNN_LOAD_OPTIONS_INIT;
  o.struct_size = 1;
  BAD(snn_learner_load(&l, &n, "/nonexistent/dir/l.snn", &o), SNN_E_VERSION);
}
static void c_learner_load_mem(fixture *f) {
  snn_learner *l = NULL;
  snn_network *n = NULL;
  const char junk[16] = "not a model file";
  BAD(snn_learner_load_mem(NULL, &n, junk, sizeof junk, NULL), SNN_E_INVALID);
  BAD(snn_learner_load_mem(&l, NULL, junk, sizeof junk, NULL), SNN_E_INVALID);
  BAD(snn_learner_load_mem(&l, &n, NULL, 16, NULL), SNN_E_INVALID);
  BAD(snn_learner_load_mem(&l, &n, junk, sizeof junk, NULL), SNN_E_FORMAT);
  /* a network file without learner */
  size_t size = 0;
  ck_assert_int_eq(snn_network_save_mem(&size, f->net, NULL, 0), SNN_E_RANGE);
  unsigned char *b = malloc(size);
  ck_assert_snn_ok(snn_network_save_mem(&size, f->net, b, size));
  BAD(snn_learner_load_mem(&l, &n, b, size, NULL), SNN_E_NOTFOUND);
  ck_assert_ptr_null(l);
  ck_assert_ptr_null(n);
  free(b);
}

#define E(name, fn) {#name, fn}
static const api_entry api_table[] = {
  E(snn_version_number, c_version_number), E(snn_version_string, c_version_string),
  E(snn_features, c_features), E(snn_strerror, c_strerror), E(snn_last_error, c_last_error),
  E(snn_clear_error, c_clear_error), E(snn_set_error, c_set_error),
  E(snn_set_allocator, c_set_allocator),
  E(snn_neuron_kind_count, c_kind_count), E(snn_neuron_kind_name, c_kind_name),
  E(snn_neuron_model_create, c_model_create), E(snn_neuron_model_create_preset, c_model_create_preset),
  E(snn_neuron_preset_count, c_preset_count), E(snn_neuron_preset_name, c_preset_name),
  E(snn_neuron_preset_doc, c_preset_doc), E(snn_neuron_model_clone, c_model_clone),
  E(snn_neuron_model_free, c_model_free), E(snn_neuron_model_kind, c_model_kind),
  E(snn_neuron_model_set, c_model_set), E(snn_neuron_model_set_str, c_model_set_str),
  E(snn_neuron_model_get, c_model_get), E(snn_neuron_model_param_count, c_model_param_count),
  E(snn_neuron_model_param_info, c_model_param_info), E(snn_neuron_model_state_count, c_model_state_count),
  E(snn_neuron_model_state_name, c_model_state_name), E(snn_neuron_model_create_custom, c_model_create_custom),
  E(snn_population_create, c_pop_create), E(snn_population_free, c_pop_free),
  E(snn_population_size, c_pop_size), E(snn_population_reset, c_pop_reset),
  E(snn_population_step, c_pop_step), E(snn_population_state_get, c_pop_state_get),
  E(snn_population_state_set, c_pop_state_set),
  E(snn_encoder_create, c_enc_create), E(snn_encoder_clone, c_enc_clone), E(snn_encoder_free, c_enc_free),
  E(snn_encoder_kind, c_enc_kind), E(snn_encoder_set, c_enc_set), E(snn_encoder_set_str, c_enc_set_str),
  E(snn_encoder_get, c_enc_get), E(snn_encoder_param_count, c_enc_param_count),
  E(snn_encoder_param_info, c_enc_param_info), E(snn_encoder_seed, c_enc_seed),
  E(snn_encoder_output_size, c_enc_output_size), E(snn_encoder_encode, c_enc_encode),
  E(snn_encoder_spike_times, c_enc_spike_times),
  E(snn_dataset_create, c_ds_create), E(snn_dataset_load_idx, c_ds_load_idx),
  E(snn_dataset_load_csv, c_ds_load_csv), E(snn_dataset_free, c_ds_free), E(snn_dataset_size, c_ds_size),
  E(snn_dataset_n_features, c_ds_n_features), E(snn_dataset_n_classes, c_ds_n_classes),
  E(snn_dataset_get, c_ds_get), E(snn_dataset_normalize, c_ds_normalize), 
  E(snn_dataset_feature_ranges, c_ds_feature_ranges),
  E(snn_dataset_normalize_ranges, c_ds_normalize_ranges), E(snn_dataset_split, c_ds_split),
  E(snn_layer_create_dense, c_layer_dense), E(snn_layer_create_conv2d, c_layer_conv),
  E(snn_layer_create_pool2d, c_layer_pool), E(snn_layer_free, c_layer_free), E(snn_layer_kind, c_layer_kind),
  E(snn_layer_n_inputs, c_layer_n_inputs), E(snn_layer_n_outputs, c_layer_n_outputs),
  E(snn_layer_output_shape, c_layer_output_shape), E(snn_layer_set_bias, c_layer_set_bias),
  E(snn_layer_set_recurrent, c_layer_set_recurrent), E(snn_layer_model, c_layer_model),
  E(snn_layer_param_size, c_layer_param_size), E(snn_layer_param_get, c_layer_param_get),
  E(snn_layer_param_set, c_layer_param_set),
  E(snn_layer_input_shape, c_layer_input_shape), E(snn_layer_window, c_layer_window),
  E(snn_layer_pool_kind, c_layer_pool_kind), E(snn_layer_has_bias, c_layer_has_bias),
  E(snn_layer_is_recurrent, c_layer_is_recurrent),
  E(snn_network_input_shape, c_net_input_shape), E(snn_network_encoder, c_net_encoder),
  E(snn_network_set_input_delays, c_net_set_input_delays),
  E(snn_layer_set_input_delays, c_layer_set_input_delays),
  E(snn_layer_input_delays, c_layer_input_delays),
  E(snn_network_create, c_net_create), E(snn_network_free, c_net_free), E(snn_network_clone, c_net_clone),
  E(snn_network_add_layer, c_net_add_layer), E(snn_network_n_layers, c_net_n_layers),
  E(snn_network_layer, c_net_layer), E(snn_network_n_inputs, c_net_n_inputs),
  E(snn_network_n_outputs, c_net_n_outputs), E(snn_network_set_encoder, c_net_set_encoder),
  E(snn_network_set, c_net_set), E(snn_network_set_str, c_net_set_str), E(snn_network_get, c_net_get),
  E(snn_network_init_weights, c_net_init_weights), E(snn_network_predict, c_net_predict),
  E(snn_network_evaluate, c_net_evaluate), E(snn_network_activity, c_net_activity),
  E(snn_network_save, c_net_save), E(snn_network_load, c_net_load),
  E(snn_network_save_mem, c_net_save_mem), E(snn_network_load_mem, c_net_load_mem),
  E(snn_bptt_options_init, c_bptt_options_init), E(snn_learner_create_bptt, c_bptt_create),
  E(snn_learner_free, c_learner_free), E(snn_learner_kind, c_learner_kind),
  E(snn_learner_train_epoch, c_train_epoch), E(snn_learner_train_batch, c_train_batch),
  E(snn_learner_gradient, c_gradient), E(snn_learner_n_params, c_n_params),
  E(snn_learner_set_learning_rate, c_set_lr), E(snn_learner_set_epoch, c_set_epoch),
  E(snn_stdp_options_init, c_stdp_options_init), E(snn_learner_create_stdp, c_stdp_create),
  E(snn_learner_create_custom, c_learner_create_custom), E(snn_learner_stdp_train, c_stdp_train),
  E(snn_learner_stdp_present, c_stdp_present), E(snn_learner_stdp_apply, c_stdp_apply),
  E(snn_learner_stdp_label, c_stdp_label), E(snn_learner_stdp_classify, c_stdp_classify),
  E(snn_learner_stdp_evaluate, c_stdp_evaluate), E(snn_learner_stdp_assignments_get, c_stdp_assign_get),
  E(snn_learner_stdp_assignments_set, c_stdp_assign_set), E(snn_learner_stdp_theta_get, c_stdp_theta_get),
  E(snn_learner_stdp_theta_set, c_stdp_theta_set), E(snn_learner_stdp_stats, c_stdp_stats),
  E(snn_spikeprop_options_init, c_sp_options_init), E(snn_learner_create_spikeprop, c_sp_create),
  E(snn_learner_spikeprop_run, c_sp_run), E(snn_learner_spikeprop_train_example, c_sp_train_example),
  E(snn_learner_spikeprop_gradient, c_sp_gradient), E(snn_learner_spikeprop_weights_get, c_sp_weights_get),
  E(snn_learner_spikeprop_weights_set, c_sp_weights_set), E(snn_learner_spikeprop_classify, c_sp_classify),
  E(snn_learner_spikeprop_evaluate, c_sp_evaluate), E(snn_learner_spikeprop_sizes, c_sp_sizes),
  E(snn_learner_spikeprop_options_get, c_sp_options_get), E(snn_learner_spikeprop_models, c_sp_models),
  E(snn_learner_spikeprop_n_features, c_sp_n_features),
  E(snn_learner_spikeprop_set_input_ranges, c_sp_set_ranges),
  E(snn_learner_spikeprop_input_ranges, c_sp_ranges),
  E(snn_spnet_options_init, c_spnet_options_init), E(snn_spnet_create, c_spnet_create),
  E(snn_spnet_free, c_spnet_free), E(snn_spnet_add_population, c_spnet_add_population),
  E(snn_spnet_n_neurons, c_spnet_n_neurons), E(snn_spnet_n_populations, c_spnet_n_populations), E(snn_spnet_population_range, c_spnet_population_range),
  E(snn_spnet_population_set, c_spnet_population_set), E(snn_spnet_population_get, c_spnet_population_get),
  E(snn_spnet_connect_options_init, c_spnet_connect_options_init), E(snn_spnet_connect, c_spnet_connect),
  E(snn_spnet_state_get, c_spnet_state_get), E(snn_spnet_state_set, c_spnet_state_set),
  E(snn_spnet_state_uniform, c_spnet_state_uniform), E(snn_spnet_run, c_spnet_run),
  E(snn_spnet_time, c_spnet_time), E(snn_spnet_reset, c_spnet_reset),
  E(snn_spnet_stats_get, c_spnet_stats_get), E(snn_spnet_spike_count, c_spnet_spike_count),
  E(snn_spnet_spikes_get, c_spnet_spikes_get), E(snn_spnet_spikes_clear, c_spnet_spikes_clear),
  E(snn_spnet_save, c_spnet_save), E(snn_spnet_save_mem, c_spnet_save_mem),
  E(snn_spnet_load, c_spnet_load), E(snn_spnet_load_mem, c_spnet_load_mem),
  E(snn_nir_options_init, c_nir_options_init), E(snn_network_import_nir, c_import_nir),
  E(snn_network_import_nir_mem, c_import_nir_mem), E(snn_network_export_nir, c_export_nir),
  E(snn_network_export_nir_mem, c_export_nir_mem),
  E(snn_nir_describe, c_nir_describe), E(snn_network_run_sequence, c_run_sequence),
  E(snn_load_options_init, c_load_options_init), E(snn_network_load_ex, c_net_load_ex),
  E(snn_network_load_mem_ex, c_net_load_mem_ex), E(snn_learner_save, c_learner_save),
  E(snn_learner_save_mem, c_learner_save_mem), E(snn_learner_load, c_learner_load),
  E(snn_learner_load_mem, c_learner_load_mem),
  E(snn_learner_stdp_set_t_infer, c_stdp_set_t_infer), E(snn_learner_stdp_t_infer, c_stdp_t_infer),
  E(snn_learner_stdp_options_get, c_stdp_options_get),
};
#define N_API (sizeof api_table / sizeof api_table[0])

START_TEST(test_api_entry) {
  fixture f;
  fx_make(&f);
  api_table[_i].run(&f);
  fx_free(&f);
}
END_TEST

/* Every symbol exported through src/libsnn.map has an entry above. */
START_TEST(test_api_complete) {
  const char *src = getenv("SNN_SOURCE_DIR");
  char path[512];
  snprintf(path, sizeof path, "%s/src/libsnn.map", src && *src ? src : ".");
  FILE *fp = fopen(path, "r");
  ck_assert_msg(fp != NULL, "cannot open %s (run from the source tree or set SNN_SOURCE_DIR)", path);
  char line[256];
  int in_global = 0, missing = 0, listed = 0;
  while (fgets(line, sizeof line, fp)) {
    if (strstr(line, "global:")) { in_global = 1; continue; }
    if (strstr(line, "local:")) { in_global = 0; continue; }
    if (!in_global) continue;
    char name[128];
    if (sscanf(line, " %127[a-z0-9_];", name) != 1 || strncmp(name, "snn_", 4) != 0) continue;
    listed++;
    int found = 0;
    for (size_t i = 0; i < N_API && !found; i++) found = strcmp(api_table[i].name, name) == 0;
    if (!found) {
      fprintf(stderr, "test_api_complete: %s has no argument-validation entry\n", name);
      missing++;
    }
  }
  fclose(fp);
  ck_assert_int_gt(listed, 50);
  ck_assert_msg(missing == 0, "%d exported functions lack an entry in tests/test_api.c", missing);
}
END_TEST

Suite *suite_api(void) {
  Suite *s = suite_create("api");
  TCase *tc = tcase_create("bad-arguments");
  tcase_add_loop_test(tc, test_api_entry, 0, (int)N_API);
  tcase_add_test(tc, test_api_complete);
  suite_add_tcase(s, tc);
  return s;
}

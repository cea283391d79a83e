/* NIR import/export (src/nir, docs/nir.md): every fixture imports with the
 * right layers; the NIR paper's single-LIF experiment against the exact
 * solution and against Norse's and snnTorch's traces; round trips
 * import -> export -> import; bad and truncated files; export of a trained
 * network; options; OOM. Without HDF5 the suite checks that the calls refuse
 * cleanly. Fixtures: tests/fixtures/nir/ (see SOURCE.md there). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

#ifdef SNN_HAVE_HDF5
#include <hdf5.h>

#include "../src/net/network.h"
#include "../src/nir/nir_graph.h"

static const char *fixture(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  /* tests/data may not exist in a checkout (git keeps no empty directories),
   * so the fixtures are found from SNN_TEST_FIXTURES or the source root. */
  const char *d = getenv("SNN_TEST_FIXTURES");
  snprintf(buf[k], sizeof buf[k], "%s/nir/%s", d && *d ? d : "tests/fixtures", name);
  return buf[k];
}

static char *tmp_path(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", snn_test_tmpdir(), name);
  return buf[k];
}

static snn_nir_options opts_dt(double dt, int euler) {
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  o.dt = dt;
  o.discretization = euler ? SNN_NIR_EULER : SNN_NIR_EXACT;
  return o;
}

static snn_network *import(const char *path, double dt, int euler) {
  snn_nir_options o = opts_dt(dt, euler);
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_import_nir(&net, path, &o));
  ck_assert_ptr_nonnull(net);
  return net;
}

static const char *const fixtures[] = {"lif_norse.nir", "two_lif_neurons.nir", "cnn_sinabs.nir",
                                       "braille_noDelay_bias_zero.nir",
                                       "braille_noDelay_bias_zero_subgraph.nir"};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

/* ---- fixtures import with the right layers ------------------------------------ */
typedef struct lay {
  const char *kind;
  size_t c, h, w;
  const char *neuron; /* NULL: none */
  int rec;
} lay;

static void check_layers(snn_network *net, const lay *want, size_t n) {
  ck_assert_uint_eq(snn_network_n_layers(net), n);
  for (size_t i = 0; i < n; i++) {
    snn_layer *l = snn_network_layer(net, i);
    size_t c, h, w;
    ck_assert_snn_ok(snn_layer_output_shape(&c, &h, &w, l));
    ck_assert_str_eq(snn_layer_kind(l), want[i].kind);
    ck_assert_msg(c == want[i].c && h == want[i].h && w == want[i].w,
                  "layer %zu: shape %zux%zux%zu, want %zux%zux%zu", i, c, h, w, want[i].c,
                  want[i].h, want[i].w);
    const snn_neuron_model *m = snn_layer_model(l);
    if (want[i].neuron) ck_assert_str_eq(snn_neuron_model_kind(m), want[i].neuron);
    else ck_assert_ptr_null(m);
    ck_assert_int_eq(snn_layer_param_size(l, SNN_PARAM_RECURRENT) != 0, want[i].rec);
  }
}

static double mp(const snn_network *net, size_t i, const char *name) {
  double v = NAN;
  ck_assert_snn_ok(
      snn_neuron_model_get(&v, snn_layer_model(snn_network_layer((snn_network *)net, i)), name));
  return v;
}

START_TEST(test_fixture_layers) {
  snn_network *net = import(fixture("lif_norse.nir"), 1e-4, 0);
  const lay lif[] = {{"dense", 1, 1, 1, "lif", 0}};
  check_layers(net, lif, 1);
  ck_assert_uint_eq(snn_network_n_inputs(net), 1);
  /* tau 2.5 ms, r 1: g_L 1, C_m 2.5; v_th 0.1, reset to v_reset 0 */
  ck_assert(fabs(mp(net, 0, "C_m") - 2.5) < 1e-6 && mp(net, 0, "g_L") == 1.0);
  ck_assert(fabs(mp(net, 0, "V_th") - 0.1) < 1e-7 && mp(net, 0, "V_reset") == 0.0);
  ck_assert(mp(net, 0, "t_ref") == 0.0 && mp(net, 0, "reset") == 0.0);
  double dt;
  ck_assert_snn_ok(snn_network_get(&dt, net, "dt"));
  ck_assert(fabs(dt - 0.1) < 1e-12);
  snn_network_free(net);

  net = import(fixture("two_lif_neurons.nir"), 1e-4, 0);
  const lay two[] = {{"dense", 1, 1, 1, "lif", 0}, {"dense", 1, 1, 1, "lif", 0}};
  check_layers(net, two, 2);
  ck_assert_uint_eq(snn_layer_param_size(snn_network_layer(net, 0), SNN_PARAM_BIAS), 0); /* Linear */
  ck_assert(fabs(mp(net, 0, "E_L") - 1.2) < 1e-6 && fabs(mp(net, 1, "V_th") - 20) < 1e-9);
  snn_network_free(net);

  net = import(fixture("cnn_sinabs.nir"), 1e-3, 0);
  const lay cnn[] = {{"conv2d", 16, 16, 16, "if", 0}, {"conv2d", 16, 16, 16, "if", 0},
                     {"pool2d", 16, 8, 8, NULL, 0},   {"conv2d", 8, 8, 8, "if", 0},
                     {"pool2d", 8, 4, 4, NULL, 0},    {"dense", 1, 1, 256, "if", 0},
                     {"dense", 1, 1, 10, "if", 0}};
  check_layers(net, cnn, 7);
  ck_assert_uint_eq(snn_network_n_inputs(net), 2 * 34 * 34);
  /* IF r 1 -> C_m 1000 (file units are s, libsnn ms): V += r I dt */
  ck_assert(mp(net, 0, "C_m") == 1000.0 && mp(net, 0, "V_th") == 1.0);
  snn_network_free(net);

  const lay br[] = {{"dense", 1, 1, 38, "nir_cuba", 1}, {"dense", 1, 1, 7, "nir_cuba", 0}};
  for (int sub = 0; sub < 2; sub++) {
    net = import(fixture(sub ? "braille_noDelay_bias_zero_subgraph.nir"
                             : "braille_noDelay_bias_zero.nir"), 1e-4, 0);
    check_layers(net, br, 2);
    ck_assert_uint_eq(snn_network_n_inputs(net), 12);
    ck_assert(fabs(mp(net, 0, "tau_mem") - 1.0) < 1e-6);          /* 1e-3 s */
    ck_assert(fabs(mp(net, 0, "tau_syn") - 0.2222222) < 1e-6);
    ck_assert(fabs(mp(net, 0, "w_in") - 2.2222222) < 1e-6);
    ck_assert(mp(net, 0, "spiking") == 1.0 && mp(net, 0, "euler") == 0.0);
    snn_network_free(net);
  }
}
END_TEST

/* The flat and the nested braille files are the same network. */
START_TEST(test_subgraph_equals_flat) {
  snn_network *a = import(fixture("braille_noDelay_bias_zero.nir"), 1e-4, 1);
  snn_network *b = import(fixture("braille_noDelay_bias_zero_subgraph.nir"), 1e-4, 1);
  for (size_t i = 0; i < 2; i++)
    for (int32_t which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++) {
      snn_layer *la = snn_network_layer(a, i), *lb = snn_network_layer(b, i);
      size_t n = snn_layer_param_size(la, which);
      ck_assert_uint_eq(n, snn_layer_param_size(lb, which));
      if (!n) continue;
      float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);
      ck_assert_snn_ok(snn_layer_param_get(pa, la, which, n));
      ck_assert_snn_ok(snn_layer_param_get(pb, lb, which, n));
      ck_assert(memcmp(pa, pb, n * sizeof *pa) == 0);
      free(pa);
      free(pb);
    }
  snn_network_free(a);
  snn_network_free(b);
}
END_TEST

/* ---- the NIR paper's single-LIF experiment -------------------------------------- */
typedef struct trace3 {
  float *in, *v, *s;
  size_t n;
} trace3;

static trace3 read_trace(const char *path) {
  trace3 t = {0};
  FILE *fp = fopen(path, "r");
  ck_assert_msg(fp != NULL, "cannot open %s", path);
  size_t cap = 1024;
  t.in = malloc(cap * sizeof(float));
  t.v = malloc(cap * sizeof(float));
  t.s = malloc(cap * sizeof(float));
  double a, b, c;
  while (fscanf(fp, "%lf,%lf,%lf", &a, &b, &c) == 3) {
    ck_assert(t.n < cap);
    t.in[t.n] = (float)a;
    t.v[t.n] = (float)b;
    t.s[t.n] = (float)c;
    t.n++;
  }
  fclose(fp);
  return t;
}

static void free_trace(trace3 *t) {
  free(t->in);
  free(t->v);
  free(t->s);
}

START_TEST(test_lif_experiment) {
  trace3 norse = read_trace(fixture("lif_norse.csv"));
  trace3 torch = read_trace(fixture("lif_snntorch.csv"));
  ck_assert_uint_eq(norse.n, 1000);
  ck_assert_uint_eq(torch.n, 1000);
  ck_assert(memcmp(norse.in, torch.in, 1000 * sizeof(float)) == 0); /* same input */
  size_t T = norse.n;
  float *out = malloc(T * sizeof *out), *mem = malloc(T * sizeof *mem);

  /* exact: V_{k+1} = V_k e^{-dt/tau} + (1 - e^{-dt/tau}) r I_k, spike when >= 0.1, reset 0 */
  snn_network *net = import(fixture("lif_norse.nir"), 1e-4, 0);
  ck_assert_snn_ok(snn_network_run_sequence(out, mem, net, norse.in, T, 1));
  double tau = (double)0.0025f, vth = (double)0.1f, a = exp(-1e-4 / tau), v = 0, maxerr = 0;
  int nspk = 0;
  for (size_t k = 0; k < T; k++) {
    v = v * a + (1 - a) * norse.in[k];
    int s = v >= vth;
    if (s) v = 0;
    nspk += s;
    ck_assert_msg((out[k] != 0) == s, "exact: spike mismatch at step %zu", k);
    double e = fabs(mem[k] - v);
    if (e > maxerr) maxerr = e;
  }
  ck_assert_msg(maxerr < 1e-6, "exact solution: max |dV| %g", maxerr);
  ck_assert_int_eq(nspk, 4);
  /* against Norse (forward Euler): the same spike steps; V differs by the Euler error
   * of the jump, (1 - e^{-0.04}) vs 0.04 per input step: at most ~2 % of the threshold */
  double maxd = 0;
  for (size_t k = 0; k < T; k++) {
    ck_assert_msg((out[k] != 0) == (norse.s[k] != 0), "exact vs Norse: spike at step %zu", k);
    double d = fabs(mem[k] - norse.v[k]);
    if (d > maxd) maxd = d;
  }
  ck_assert_msg(maxd < 0.002, "exact vs Norse: max |dV| %g", maxd);
  snn_network_free(net);

  /* forward Euler reproduces Norse to float rounding, and snnTorch up to its scale:
   * snnTorch's Leaky adds the input unscaled, so its V is Norse's times tau/(r dt) = 25 */
  net = import(fixture("lif_norse.nir"), 1e-4, 1);
  ck_assert_snn_ok(snn_network_run_sequence(out, mem, net, norse.in, T, 1));
  maxd = 0;
  double maxt = 0;
  for (size_t k = 0; k < T; k++) {
    ck_assert_msg((out[k] != 0) == (norse.s[k] != 0), "Euler vs Norse: spike at step %zu", k);
    ck_assert_msg((out[k] != 0) == (torch.s[k] != 0), "Euler vs snnTorch: spike at step %zu", k);
    double d = fabs(mem[k] - norse.v[k]), dt2 = fabs(25.0 * mem[k] - torch.v[k]);
    if (d > maxd) maxd = d;
    if (dt2 > maxt) maxt = dt2;
  }
  ck_assert_msg(maxd < 1e-6, "Euler vs Norse: max |dV| %g", maxd);
  ck_assert_msg(maxt < 2e-5, "Euler vs snnTorch/25: max |dV| %g", maxt);
  snn_network_free(net);
  free(out);
  free(mem);
  free_trace(&norse);
  free_trace(&torch);
}
END_TEST

/* ---- round trips ------------------------------------------------------------------ */
static float *rand_spikes(size_t n, uint64_t seed) {
  float *x = malloc(n * sizeof *x);
  uint64_t s = seed;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (s >> 40) % 5 == 0 ? 1.0f : 0.0f;
  }
  return x;
}

static void assert_same_net(snn_network *a, snn_network *b, double rel) {
  ck_assert_uint_eq(snn_network_n_layers(a), snn_network_n_layers(b));
  ck_assert_uint_eq(snn_network_n_inputs(a), snn_network_n_inputs(b));
  for (size_t i = 0; i < snn_network_n_layers(a); i++) {
    snn_layer *la = snn_network_layer(a, i), *lb = snn_network_layer(b, i);
    ck_assert_str_eq(snn_layer_kind(la), snn_layer_kind(lb));
    size_t ca, ha, wa, cb, hb, wb;
    snn_layer_output_shape(&ca, &ha, &wa, la);
    snn_layer_output_shape(&cb, &hb, &wb, lb);
    ck_assert(ca == cb && ha == hb && wa == wb);
    /* input delays (NIR Delay) */
    ck_assert((la->delay == NULL) == (lb->delay == NULL));
    if (la->delay) ck_assert(memcmp(la->delay, lb->delay, la->n_in * sizeof *la->delay) == 0);
    for (int32_t which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++) {
      size_t n = snn_layer_param_size(la, which);
      ck_assert_uint_eq(n, snn_layer_param_size(lb, which));
      if (!n) continue;
      float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);
      ck_assert_snn_ok(snn_layer_param_get(pa, la, which, n));
      ck_assert_snn_ok(snn_layer_param_get(pb, lb, which, n));
      ck_assert_msg(memcmp(pa, pb, n * sizeof *pa) == 0, "layer %zu array %d differs", i, which);
      free(pa);
      free(pb);
    }
    const snn_neuron_model *ma = snn_layer_model(la), *mb = snn_layer_model(lb);
    ck_assert((ma == NULL) == (mb == NULL));
    if (!ma) continue;
    ck_assert_str_eq(snn_neuron_model_kind(ma), snn_neuron_model_kind(mb));
    for (size_t k = 0; k < snn_neuron_model_param_count(ma); k++) {
      snn_param_info pi = SNN_PARAM_INFO_INIT;
      ck_assert_snn_ok(snn_neuron_model_param_info(&pi, ma, k));
      double va, vb;
      ck_assert_snn_ok(snn_neuron_model_get(&va, ma, pi.name));
      ck_assert_snn_ok(snn_neuron_model_get(&vb, mb, pi.name));
      ck_assert_msg(fabs(va - vb) <= rel * fabs(va), "layer %zu %s: %.17g vs %.17g", i, pi.name,
                    va, vb);
    }
    /* per-neuron values (nir_hetero): bitwise */
    ck_assert_int_eq(snn__nir_hetero_is(ma), snn__nir_hetero_is(mb));
    for (int k = 0; snn__nir_hetero_is(ma) && k < SNN__HET_NARR; k++) {
      size_t na = 0, nb = 0;
      const double *xa = snn__nir_hetero_array(ma, k, &na), *xb = snn__nir_hetero_array(mb, k, &nb);
      ck_assert(xa && xb && na == nb && na == snn_layer_n_outputs(la));
      ck_assert_msg(memcmp(xa, xb, na * sizeof *xa) == 0, "layer %zu per-neuron %s differs", i,
                    snn__nir_hetero_array_name(k));
    }
  }
}

static void assert_same_outputs(snn_network *a, snn_network *b, size_t T, uint64_t seed) {
  size_t n_in = snn_network_n_inputs(a), n_out = snn_network_n_outputs(a);
  float *x = rand_spikes(T * n_in, seed);
  float *oa = malloc(T * n_out * sizeof *oa), *ob = malloc(T * n_out * sizeof *ob);
  float *va = malloc(T * n_out * sizeof *va), *vb = malloc(T * n_out * sizeof *vb);
  ck_assert_snn_ok(snn_network_run_sequence(oa, va, a, x, T, n_in));
  ck_assert_snn_ok(snn_network_run_sequence(ob, vb, b, x, T, n_in));
  ck_assert(memcmp(oa, ob, T * n_out * sizeof *oa) == 0);
  ck_assert(memcmp(va, vb, T * n_out * sizeof *va) == 0);
  free(x);
  free(oa);
  free(ob);
  free(va);
  free(vb);
}

START_TEST(test_round_trip_fixtures) {
  const char *f = fixtures[_i % N_FIXTURES];
  int euler = (int)(_i / N_FIXTURES);
  double dt = strcmp(f, "cnn_sinabs.nir") == 0 ? 1e-3 : 1e-4;
  snn_network *a = import(fixture(f), dt, euler);
  snn_nir_options o = opts_dt(0, euler);
  const char *p = tmp_path("rt.nir");
  ck_assert_snn_ok(snn_network_export_nir(a, p, &o));
  snn_network *b = import(p, dt, euler);
  assert_same_net(a, b, 1e-12);
  assert_same_outputs(a, b, snn_test_quick() ? 10 : 100, 7 + (uint64_t)_i);
  /* and once more: export of the re-import is stable */
  ck_assert_snn_ok(snn_network_export_nir(b, p, &o));
  snn_network *c = import(p, dt, euler);
  assert_same_net(b, c, 1e-12);
  /* a libsnn model file of the imported network loads without load options
   * (nir_cuba is known to the loader) and predicts bitwise the same */
  const char *mp_ = tmp_path("rt.snn");
  ck_assert_snn_ok(snn_network_save(a, mp_));
  snn_network *d = NULL;
  ck_assert_snn_ok(snn_network_load(&d, mp_));
  assert_same_net(a, d, 0.0);
  assert_same_outputs(a, d, snn_test_quick() ? 10 : 100, 17 + (uint64_t)_i);
  snn_network_free(a);
  snn_network_free(b);
  snn_network_free(c);
  snn_network_free(d);
  unlink(p);
  unlink(mp_);
}
END_TEST

/* The file written by export has NIR's layout (what the reference reader reads). */
START_TEST(test_export_layout) {
  snn_network *a = import(fixture("braille_noDelay_bias_zero.nir"), 1e-4, 0);
  const char *p = tmp_path("layout.nir");
  ck_assert_snn_ok(snn_network_export_nir(a, p, NULL));
  size_t len = 0;
  ck_assert_snn_ok(snn_nir_describe(&len, NULL, 0, p) == SNN_E_RANGE ? SNN_OK : -1);
  char *txt = malloc(len + 1);
  ck_assert_snn_ok(snn_nir_describe(&len, txt, len + 1, p));
  ck_assert_ptr_nonnull(strstr(txt, "node input Input shape=[12]"));
  ck_assert_ptr_nonnull(strstr(txt, "node layer0 Affine bias{38} weight{38x12}"));
  ck_assert_ptr_nonnull(strstr(txt, "node layer0_neurons CubaLIF"));
  ck_assert_ptr_nonnull(strstr(txt, "node layer0_rec Linear weight{38x38}"));
  ck_assert_ptr_nonnull(strstr(txt, "edge layer0_neurons -> layer0_rec"));
  ck_assert_ptr_nonnull(strstr(txt, "edge layer0_rec -> layer0_neurons"));
  ck_assert_ptr_nonnull(strstr(txt, "edge layer1_neurons -> output"));
  free(txt);
  /* raw HDF5: /version string, /node/type NIRGraph, /node/edges (n, 2), gzip on big arrays */
  hid_t fh = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert(fh >= 0);
  ck_assert(H5Lexists(fh, "version", H5P_DEFAULT) > 0);
  ck_assert(H5Lexists(fh, "node/type", H5P_DEFAULT) > 0);
  hid_t ds = H5Dopen2(fh, "node/edges", H5P_DEFAULT);
  hid_t sp = H5Dget_space(ds);
  hsize_t d[2];
  ck_assert_int_eq(H5Sget_simple_extent_dims(sp, d, NULL), 2);
  ck_assert(d[0] == 7 && d[1] == 2);
  H5Sclose(sp);
  H5Dclose(ds);
  ds = H5Dopen2(fh, "node/nodes/layer0_rec/weight", H5P_DEFAULT);
  hid_t pl = H5Dget_create_plist(ds);
  ck_assert_int_ge(H5Pget_nfilters(pl), 1);
  H5Pclose(pl);
  H5Dclose(ds);
  H5Fclose(fh);
  snn_network_free(a);
  unlink(p);
}
END_TEST

/* An imported snnTorch model (braille: CubaLIF hidden layer, CubaLIF output,
 * both the nir_cuba kind) can be fine-tuned with BPTT: on a small synthetic
 * task (7 classes, one input pattern each) the loss falls tenfold and the training
 * accuracy rises to at least 6 of 7, and the weights move while the neuron parameters stay; the
 * tuned network exports to NIR and re-imports with the same weights and
 * outputs. */
START_TEST(test_finetune_braille) {
  snn_network *net = import(fixture("braille_noDelay_bias_zero.nir"), 1e-4, 0);
  ck_assert_snn_ok(snn_network_set(net, "steps", 40));
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
  const size_t N = 28, NI = 12;
  float x[28 * 12];
  int32_t y[28];
  for (size_t i = 0; i < N; i++) {
    y[i] = (int32_t)(i % 7);
    for (size_t j = 0; j < NI; j++)
      x[i * NI + j] = (j % 7 == (size_t)y[i] || (j + 3) % 7 == (size_t)y[i]) ? 1.0f : 0.0f;
  }
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.loss = SNN_LOSS_CE_MEM_SUM;
  o.learning_rate = 3e-2;
  snn_learner *lr = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&lr, net, &o));
  double acc0, acc1, loss0 = 0, loss = 0;
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, N, NI));
  ck_assert_snn_ok(snn_network_evaluate(&acc0, net, d));
  float w0[38 * 12], w1[38 * 12];
  ck_assert_snn_ok(snn_layer_param_get(w0, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, 38 * 12));
  for (int e = 0; e < 100; e++) { /* 60 suffice with AVX-512 kernels, 80 with AVX2 ones */
    ck_assert_snn_ok(snn_learner_train_batch(lr, &loss, x, y, N, NI));
    if (e == 0) loss0 = loss;
  }
  ck_assert_snn_ok(snn_network_evaluate(&acc1, net, d));
  ck_assert_msg(loss < 0.1 * loss0, "loss %g -> %g", loss0, loss);
  ck_assert_msg(acc1 >= 0.85 && acc1 > acc0, "accuracy %g -> %g", acc0, acc1);
  ck_assert_snn_ok(snn_layer_param_get(w1, snn_network_layer(net, 0), SNN_PARAM_WEIGHTS, 38 * 12));
  ck_assert(memcmp(w0, w1, sizeof w0) != 0);
  ck_assert(fabs(mp(net, 0, "tau_syn") - 0.2222222) < 1e-6); /* a parameter of the model */
  const char *p = tmp_path("tuned.nir");
  snn_nir_options eo = opts_dt(0, 0);
  ck_assert_snn_ok(snn_network_export_nir(net, p, &eo));
  snn_network *b = import(p, 1e-4, 0);
  unlink(p);
  ck_assert_snn_ok(snn_network_set(b, "steps", 40));
  ck_assert_snn_ok(snn_network_set_str(b, "readout", "membrane"));
  assert_same_net(net, b, 1e-12);
  float sa[28 * 7], sb[28 * 7];
  ck_assert_snn_ok(snn_network_predict(net, NULL, sa, x, N, NI));
  ck_assert_snn_ok(snn_network_predict(b, NULL, sb, x, N, NI));
  ck_assert(memcmp(sa, sb, sizeof sa) == 0);
  snn_network_free(b);
  snn_dataset_free(d);
  snn_learner_free(lr);
  snn_network_free(net);
}
END_TEST

/* ---- a trained libsnn network exports and re-imports identically ---------------- */
START_TEST(test_export_trained) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "lif", "normalized"));
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 8));
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&l, 8, 16, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 16, 3, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_network_set(net, "steps", 10));
  ck_assert_snn_ok(snn_network_init_weights(net, 3));
  size_t N = 60;
  float *x = malloc(N * 8 * sizeof *x);
  int32_t *y = malloc(N * sizeof *y);
  for (size_t i = 0; i < N; i++) {
    y[i] = (int32_t)(i % 3);
    for (size_t j = 0; j < 8; j++) x[i * 8 + j] = (j % 3 == (size_t)y[i]) ? 0.9f : 0.1f * (float)((i + j) % 2);
  }
  snn_learner *lr = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&lr, net, NULL));
  for (int e = 0; e < 5; e++) ck_assert_snn_ok(snn_learner_train_batch(lr, NULL, x, y, N, 8));
  snn_learner_free(lr);
  const char *p = tmp_path("trained.nir");
  snn_nir_options o = opts_dt(1e-3, 0); /* the network's dt is 1 ms */
  o.reset = SNN_NIR_RESET_SUBTRACT;     /* the normalized preset resets by subtraction */
  snn_network *b = NULL;
  ck_assert_snn_err(snn_network_export_nir(net, p, NULL), SNN_E_UNSUPPORTED);
  ck_assert_snn_ok(snn_network_export_nir(net, p, &o));
  ck_assert_snn_ok(snn_network_import_nir(&b, p, &o));
  ck_assert_snn_ok(snn_network_set(b, "steps", 10));
  assert_same_net(net, b, 1e-12);
  float *sa = malloc(N * 3 * sizeof *sa), *sb = malloc(N * 3 * sizeof *sb);
  int32_t *la = malloc(N * sizeof *la), *lb = malloc(N * sizeof *lb);
  ck_assert_snn_ok(snn_network_predict(net, la, sa, x, N, 8));
  ck_assert_snn_ok(snn_network_predict(b, lb, sb, x, N, 8));
  ck_assert(memcmp(la, lb, N * sizeof *la) == 0);
  ck_assert(memcmp(sa, sb, N * 3 * sizeof *sa) == 0);
  free(sa);
  free(sb);
  free(la);
  free(lb);
  free(x);
  free(y);
  snn_network_free(b);
  snn_network_free(net);
  snn_neuron_model_free(m);
  unlink(p);
}
END_TEST

/* conv + pool + dense built in libsnn, exported and re-imported */
START_TEST(test_export_conv) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_preset(&m, "if", "normalized"));
  ck_assert_snn_ok(snn_neuron_model_set_str(m, "reset", "zero"));
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 2, 8, 8));
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_layer_create_conv2d(&l, 2, 8, 8, 4, 3, 3, 1, 1, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_pool2d(&l, 4, 8, 8, SNN_POOL_AVG, 2, 2, NULL));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 64, 5, m));
  ck_assert_snn_ok(snn_layer_set_recurrent(l, 1));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_network_init_weights(net, 11));
  const char *p = tmp_path("conv.nir");
  ck_assert_snn_ok(snn_network_export_nir(net, p, NULL));
  snn_network *b = import(p, 1e-3, 0);
  assert_same_net(net, b, 1e-12);
  assert_same_outputs(net, b, 20, 5);
  snn_network_free(b);
  /* max pooling and refractoriness have no NIR form */
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_create(&c, 1, 4, 4));
  ck_assert_snn_ok(snn_layer_create_pool2d(&l, 1, 4, 4, SNN_POOL_MAX, 2, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(c, l));
  ck_assert_snn_err(snn_network_export_nir(c, p, NULL), SNN_E_UNSUPPORTED);
  snn_network_free(c);
  snn_neuron_model *lif = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&lif, "lif")); /* t_ref 2 ms */
  ck_assert_snn_ok(snn_network_create(&c, 1, 1, 3));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 3, 2, lif));
  ck_assert_snn_ok(snn_network_add_layer(c, l));
  ck_assert_snn_err(snn_network_export_nir(c, p, NULL), SNN_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "t_ref"));
  snn_network_free(c);
  snn_neuron_model_free(lif);
  snn_network_free(net);
  snn_neuron_model_free(m);
  unlink(p);
}
END_TEST

/* ---- bad files ----------------------------------------------------------------------- */
static void write_bytes(const char *path, const void *b, size_t n) {
  FILE *fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  ck_assert_uint_eq(fwrite(b, 1, n, fp), n);
  fclose(fp);
}

static unsigned char *read_all(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  ck_assert_ptr_nonnull(fp);
  fseek(fp, 0, SEEK_END);
  long sz = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)sz);
  ck_assert_uint_eq(fread(b, 1, (size_t)sz, fp), (size_t)sz);
  fclose(fp);
  *n = (size_t)sz;
  return b;
}

/* A valid small graph: input(3) -> fc (Affine 2x3) -> lif -> output(2). */
static snn__nir_graph good_graph(void) {
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  size_t d1 = 1, d2[2] = {2, 3}, d3 = 2;
  double sh = 3, sh2 = 2, w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0.5, -0.5}, one = 1, th = 1, tau = 0.01;
  snn__nir_node *n = snn__nir_add_node(&g, "input", "Input");
  ck_assert_snn_ok(snn__nir_add_array(n, "shape", SNN__NIR_I64, 1, &d1, &sh, NULL));
  n = snn__nir_add_node(&g, "fc", "Affine");
  ck_assert_snn_ok(snn__nir_add_array(n, "weight", SNN__NIR_F32, 2, d2, w, NULL));
  ck_assert_snn_ok(snn__nir_add_array(n, "bias", SNN__NIR_F32, 1, &d3, b, NULL));
  n = snn__nir_add_node(&g, "lif", "LIF");
  ck_assert_snn_ok(snn__nir_add_array(n, "tau", SNN__NIR_F32, 1, &d1, &tau, NULL));
  ck_assert_snn_ok(snn__nir_add_array(n, "r", SNN__NIR_F32, 1, &d1, &one, NULL));
  ck_assert_snn_ok(snn__nir_add_scalar(n, "v_leak", SNN__NIR_F32, 0));
  ck_assert_snn_ok(snn__nir_add_array(n, "v_threshold", SNN__NIR_F32, 1, &d1, &th, NULL));
  n = snn__nir_add_node(&g, "output", "Output");
  ck_assert_snn_ok(snn__nir_add_array(n, "shape", SNN__NIR_I64, 1, &d1, &sh2, NULL));
  ck_assert_snn_ok(snn__nir_add_edge(&g, "input", "fc"));
  ck_assert_snn_ok(snn__nir_add_edge(&g, "fc", "lif"));
  ck_assert_snn_ok(snn__nir_add_edge(&g, "lif", "output"));
  return g;
}

static snn__nir_node *node_named(snn__nir_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].name, name) == 0) return &g->nodes[i];
  ck_abort_msg("no node %s", name);
  return NULL;
}

static snn__nir_field *field_named(snn__nir_node *n, const char *name) {
  for (size_t i = 0; i < n->n_f; i++)
    if (strcmp(n->f[i].name, name) == 0) return &n->f[i];
  ck_abort_msg("no field %s", name);
  return NULL;
}

/* writes g, imports it, expects `code` and `needle` in the message */
static void expect_bad(snn__nir_graph *g, int code, const char *needle) {
  const char *p = tmp_path("bad.nir");
  ck_assert_snn_ok(snn__nir_write_file(g, p, "test"));
  snn_nir_options o = opts_dt(1e-3, 0);
  snn_network *net = (snn_network *)1;
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), code);
  ck_assert_ptr_null(net);
  ck_assert_msg(strstr(snn_last_error(), needle) != NULL, "message '%s' lacks '%s'",
                snn_last_error(), needle);
  snn__nir_graph_free(g);
  unlink(p);
}

START_TEST(test_bad_graphs) {
  /* the good graph imports */
  snn__nir_graph g = good_graph();
  const char *p = tmp_path("good.nir");
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  snn__nir_graph_free(&g);
  snn_network *net = import(p, 1e-3, 0);
  ck_assert_uint_eq(snn_network_n_outputs(net), 2);
  snn_network_free(net);
  unlink(p);

  g = good_graph(); /* unknown / inexpressible node type */
  free(node_named(&g, "lif")->type);
  node_named(&g, "lif")->type = strdup("Delay");
  expect_bad(&g, SNN_E_UNSUPPORTED, "'lif' (Delay)");

  g = good_graph(); /* a required field is missing */
  snn__nir_field *f = field_named(node_named(&g, "lif"), "tau");
  free(f->name);
  f->name = strdup("tau_typo");
  expect_bad(&g, SNN_E_FORMAT, "lacks the field 'tau'");

  g = good_graph(); /* weight shape does not fit the input */
  f = field_named(node_named(&g, "fc"), "weight");
  f->dims[0] = 3;
  f->dims[1] = 2;
  expect_bad(&g, SNN_E_FORMAT, "input has 3 values");

  g = good_graph(); /* bias length */
  f = field_named(node_named(&g, "fc"), "bias");
  f->dims[0] = 1;
  f->n = 1;
  expect_bad(&g, SNN_E_FORMAT, "'bias' has shape [1], expected [2]");

  g = good_graph(); /* Output declares another size */
  field_named(node_named(&g, "output"), "shape")->v[0] = 5;
  expect_bad(&g, SNN_E_FORMAT, "declares 5 values but receives 2");

  g = good_graph(); /* dangling edge */
  ck_assert_snn_ok(snn__nir_add_edge(&g, "lif", "nowhere"));
  expect_bad(&g, SNN_E_FORMAT, "names no node ('nowhere')");

  /* per-neuron values (they import: test_hetero) of the wrong length, of two
   * lengths, NaN, a time constant <= 0 */
  for (int k = 0; k < 4; k++) {
    g = good_graph();
    snn__nir_node *n = node_named(&g, "lif");
    size_t d = k == 0 ? 3 : 2;
    double th[3] = {1, 2, 3}, tau2[2] = {0.01, k == 3 ? 0.0 : 0.02};
    if (k == 2) th[1] = NAN;
    f = field_named(n, "v_threshold");
    free(f->name);
    f->name = strdup("unused");
    ck_assert_snn_ok(snn__nir_add_array(n, "v_threshold", SNN__NIR_F32, 1, &d, th, NULL));
    if (k == 1 || k == 3) {
      size_t d3 = k == 1 ? 3 : 2;
      double tau3[3] = {0.01, 0.02, 0.03};
      f = field_named(n, "tau");
      free(f->name);
      f->name = strdup("unused2");
      ck_assert_snn_ok(snn__nir_add_array(n, "tau", SNN__NIR_F64, 1, &d3, k == 1 ? tau3 : tau2, NULL));
    }
    expect_bad(&g, SNN_E_FORMAT,
               k == 0   ? "'v_threshold' has 3 values for 2 neurons"
               : k == 1 ? "values but 'tau' has 3"
               : k == 2 ? "v_threshold[1] is not finite"
                        : "tau[1] must be > 0");
  }

  g = good_graph(); /* fan-out: a second path from the input */
  ck_assert_snn_ok(snn__nir_add_edge(&g, "input", "lif"));
  expect_bad(&g, SNN_E_UNSUPPORTED, "successors");

  g = good_graph(); /* a node off the chain */
  snn__nir_add_node(&g, "stray", "Linear");
  expect_bad(&g, SNN_E_UNSUPPORTED, "'stray'");

  g = good_graph(); /* Affine feeding Affine: no neurons in between */
  free(node_named(&g, "lif")->type);
  node_named(&g, "lif")->type = strdup("Linear");
  expect_bad(&g, SNN_E_UNSUPPORTED, "followed by a neuron node");

  g = good_graph(); /* NaN weight */
  field_named(node_named(&g, "fc"), "weight")->v[2] = NAN;
  expect_bad(&g, SNN_E_FORMAT, "weight[2] is not a finite float");

  g = good_graph(); /* no Input */
  free(node_named(&g, "input")->type);
  node_named(&g, "input")->type = strdup("Output");
  expect_bad(&g, SNN_E_FORMAT, "no Input node");

  g = good_graph(); /* forward Euler with dt >= tau */
  field_named(node_named(&g, "lif"), "tau")->v[0] = 1e-4;
  {
    const char *pp = tmp_path("euler.nir");
    ck_assert_snn_ok(snn__nir_write_file(&g, pp, "test"));
    snn__nir_graph_free(&g);
    snn_nir_options o = opts_dt(1e-3, 1);
    ck_assert_snn_err(snn_network_import_nir(&net, pp, &o), SNN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(snn_last_error(), "forward Euler needs dt < tau"));
    unlink(pp);
  }
}
END_TEST

/* HDF5-level damage: missing "type", truncation, non-HDF5 bytes, missing file. */
START_TEST(test_bad_files) {
  snn_nir_options o = opts_dt(1e-4, 0);
  snn_network *net = NULL;
  const char *p = tmp_path("damaged.nir");
  /* a node without its "type" dataset */
  snn__nir_graph g = good_graph();
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  snn__nir_graph_free(&g);
  hid_t fh = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  ck_assert(fh >= 0);
  ck_assert(H5Ldelete(fh, "node/nodes/lif/type", H5P_DEFAULT) >= 0);
  H5Fclose(fh);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "/node/nodes/lif/type' is missing"));
  /* truncations of a real file at many lengths: always a clean failure */
  size_t n;
  unsigned char *b = read_all(fixture("braille_noDelay_bias_zero.nir"), &n);
  size_t cuts[] = {0, 1, 7, 8, 100, 512, 800, 2048, 4096, n / 3, n / 2, n - 1000, n - 100, n - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    write_bytes(p, b, cuts[i]);
    int rc = snn_network_import_nir(&net, p, &o);
    ck_assert_msg(rc == SNN_E_FORMAT, "cut at %zu: %d (%s)", cuts[i], rc, snn_last_error());
    ck_assert_ptr_null(net);
    if (cuts[i]) {
      rc = snn_network_import_nir_mem(&net, b, cuts[i], &o);
      ck_assert_msg(rc == SNN_E_FORMAT, "mem cut at %zu: %d (%s)", cuts[i], rc, snn_last_error());
    }
  }
  /* flipped bytes: must not crash; any of the clean codes */
  for (size_t i = 0; i < (snn_test_quick() ? 8u : 64u); i++) {
    unsigned char *c = malloc(n);
    memcpy(c, b, n);
    size_t at = (i * 2654435761u) % n;
    c[at] ^= (unsigned char)(0x5a + i);
    int rc = snn_network_import_nir_mem(&net, c, n, &o);
    ck_assert_msg(rc == SNN_OK || rc == SNN_E_FORMAT || rc == SNN_E_UNSUPPORTED,
                  "flip at %zu: %d (%s)", at, rc, snn_last_error());
    snn_network_free(net);
    net = NULL;
    free(c);
  }
  /* memory import of the whole file equals the file import */
  snn_network *a = import(fixture("braille_noDelay_bias_zero.nir"), 1e-4, 0);
  ck_assert_snn_ok(snn_network_import_nir_mem(&net, b, n, &o));
  assert_same_net(a, net, 0);
  snn_network_free(a);
  snn_network_free(net);
  free(b);
  /* text, not HDF5 */
  write_bytes(p, "input,0\n", 8);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_FORMAT);
  /* an HDF5 file that is not NIR */
  fh = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(fh);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "not a NIR file"));
  unlink(p);
  ck_assert_snn_err(snn_network_import_nir(&net, tmp_path("missing.nir"), &o), SNN_E_IO);
  size_t len;
  ck_assert_snn_err(snn_nir_describe(&len, NULL, 0, tmp_path("missing.nir")), SNN_E_IO);
}
END_TEST

static void h5_str(hid_t loc, const char *name, const char *v) {
  hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
  ck_assert(H5Tset_size(t, H5T_VARIABLE) >= 0);
  hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ck_assert(d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0);
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
}

/* a NIRGraph group `name` in loc with an empty nodes/ group; returns nodes/ */
static hid_t h5_graph(hid_t loc, const char *name) {
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ck_assert(g >= 0);
  h5_str(g, "type", "NIRGraph");
  hid_t n = H5Gcreate2(g, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ck_assert(n >= 0);
  H5Gclose(g);
  return n;
}

/* Files that try to make the reader open other files or spend unbounded
 * time or memory: each is refused, quickly, with a message. */
START_TEST(test_hostile_files) {
  snn_nir_options o = opts_dt(1e-3, 0);
  snn_network *net = NULL;
  const char *p = tmp_path("hostile.nir"), *secret = tmp_path("secret.bin");
  float sv[6] = {1, 2, 3, 4, 5, 6};
  write_bytes(secret, sv, sizeof sv);
  hsize_t wd[2] = {2, 3};
  /* 1. fc/weight stored in another file (HDF5 external storage) */
  snn__nir_graph g = good_graph();
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  hid_t fh = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  ck_assert(fh >= 0);
  ck_assert(H5Ldelete(fh, "node/nodes/fc/weight", H5P_DEFAULT) >= 0);
  hid_t sp = H5Screate_simple(2, wd, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  ck_assert(H5Pset_external(dcpl, secret, 0, sizeof sv) >= 0);
  hid_t ds = H5Dcreate2(fh, "node/nodes/fc/weight", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl,
                        H5P_DEFAULT);
  ck_assert(ds >= 0);
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(sp);
  H5Fclose(fh);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "keeps its data in another file"));
  ck_assert_ptr_null(net);
  /* 2. a 32 MiB field that the file never stored (unallocated chunks read as
   * fill values): refused before allocating it, though nothing uses it */
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  fh = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  hsize_t big = (hsize_t)1 << 22, chunk = 65536;
  sp = H5Screate_simple(1, &big, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  ck_assert(H5Pset_chunk(dcpl, 1, &chunk) >= 0);
  ds = H5Dcreate2(fh, "node/nodes/fc/junk", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ck_assert(ds >= 0);
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(sp);
  H5Fclose(fh);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "the file stores only 0"));
  snn__nir_graph_free(&g);
  /* 3. one sub-graph hard-linked 12 times per level over 4 levels: 12^4
   * graphs from a few KiB; the reader counts nodes over the whole file */
  g = good_graph();
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  snn__nir_graph_free(&g);
  fh = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t pool = H5Gcreate2(fh, "pool", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t leaf = h5_graph(pool, "l0");
  H5Gclose(leaf);
  for (int lv = 1; lv <= 4; lv++) {
    char name[16], below[32];
    snprintf(name, sizeof name, "l%d", lv);
    snprintf(below, sizeof below, "/pool/l%d", lv - 1);
    hid_t nodes = h5_graph(pool, name);
    for (int k = 0; k < 12; k++) {
      char ln[16];
      snprintf(ln, sizeof ln, "n%d", k);
      ck_assert(H5Lcreate_hard(fh, below, nodes, ln, H5P_DEFAULT, H5P_DEFAULT) >= 0);
    }
    H5Gclose(nodes);
  }
  ck_assert(H5Lcreate_hard(fh, "/pool/l4", fh, "node/nodes/fan", H5P_DEFAULT, H5P_DEFAULT) >= 0);
  H5Gclose(pool);
  H5Fclose(fh);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "more than 10000 nodes in all"));
  size_t len;
  ck_assert_snn_err(snn_nir_describe(&len, NULL, 0, p), SNN_E_FORMAT);
  unlink(p);
  unlink(secret);
}
END_TEST

/* A neuron node right after the Input (no connection) gets an n x n identity
 * layer, a leading Scale an n x n diagonal one: memory n^2 from n values in
 * the file. Found by fuzz_nir (a 39-byte graph asked for 6 GB); refused from
 * 4097 values, accepted below. */
START_TEST(test_synthesized_layer_limit) {
  for (int scale = 0; scale < 2; scale++) {
    /* 4096 builds a 64 MiB layer: not in the quick (valgrind) runs */
    for (size_t n = snn_test_quick() ? 4097 : 4096; n <= 4097; n++) {
      snn__nir_graph g;
      memset(&g, 0, sizeof g);
      size_t d1 = 1;
      double sh = (double)n, one = 1, tau = 0.01;
      snn__nir_node *nd = snn__nir_add_node(&g, "input", "Input");
      ck_assert_snn_ok(snn__nir_add_array(nd, "shape", SNN__NIR_I64, 1, &d1, &sh, NULL));
      if (scale) {
        nd = snn__nir_add_node(&g, "sc", "Scale");
        ck_assert_snn_ok(snn__nir_add_array(nd, "scale", SNN__NIR_F32, 1, &d1, &one, NULL));
      }
      nd = snn__nir_add_node(&g, "lif", "LIF");
      ck_assert_snn_ok(snn__nir_add_scalar(nd, "tau", SNN__NIR_F32, tau));
      ck_assert_snn_ok(snn__nir_add_scalar(nd, "r", SNN__NIR_F32, 1));
      ck_assert_snn_ok(snn__nir_add_scalar(nd, "v_leak", SNN__NIR_F32, 0));
      ck_assert_snn_ok(snn__nir_add_scalar(nd, "v_threshold", SNN__NIR_F32, 1));
      nd = snn__nir_add_node(&g, "output", "Output");
      ck_assert_snn_ok(snn__nir_add_array(nd, "shape", SNN__NIR_I64, 1, &d1, &sh, NULL));
      ck_assert_snn_ok(snn__nir_add_edge(&g, "input", scale ? "sc" : "lif"));
      if (scale) ck_assert_snn_ok(snn__nir_add_edge(&g, "sc", "lif"));
      ck_assert_snn_ok(snn__nir_add_edge(&g, "lif", "output"));
      snn_network *net = NULL;
      int rc = snn__nir_to_network(&net, &g, 1e-3, 0, 0, "test");
      if (n == 4097) {
        ck_assert_int_eq(rc, SNN_E_UNSUPPORTED);
        ck_assert_ptr_nonnull(strstr(snn_last_error(), scale ? "(Scale) over 4097 values"
                                                           : "4097 x 4097 identity"));
        ck_assert_ptr_null(net);
      } else {
        ck_assert_snn_ok(rc);
        ck_assert_uint_eq(snn_network_n_outputs(net), 4096);
        snn_network_free(net);
      }
      snn__nir_graph_free(&g);
    }
  }
}
END_TEST

/* Long names are described in full: a 600-byte node name keeps its type and
 * fields, and a sub-graph under a 600-byte prefix is listed (both were cut
 * at 511 bytes, which dropped the type or the whole sub-graph). */
START_TEST(test_describe_long_names) {
  char big[601], inner[700];
  memset(big, 'a', 600);
  big[600] = '\0';
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  snn__nir_node *n = snn__nir_add_node(&g, big, "LIF");
  ck_assert_snn_ok(snn__nir_add_scalar(n, "tau", SNN__NIR_F64, 0.01));
  snn__nir_node *sg = snn__nir_add_node(&g, big + 1, "NIRGraph"); /* 599 bytes */
  sg->sub = calloc(1, sizeof *sg->sub);
  ck_assert_ptr_nonnull(sg->sub);
  n = snn__nir_add_node(sg->sub, "deep", "LI");
  ck_assert_snn_ok(snn__nir_add_scalar(n, "tau", SNN__NIR_F64, 0.02));
  const char *p = tmp_path("long.nir");
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  snn__nir_graph_free(&g);
  size_t len = 0;
  ck_assert_snn_err(snn_nir_describe(&len, NULL, 0, p), SNN_E_RANGE);
  char *txt = malloc(len + 1);
  ck_assert_snn_ok(snn_nir_describe(&len, txt, len + 1, p));
  ck_assert_uint_eq(strlen(txt), len);
  char want[700];
  snprintf(want, sizeof want, "node %s LIF tau=0.01\n", big);
  ck_assert_msg(strstr(txt, want) != NULL, "%s", txt);
  snprintf(inner, sizeof inner, "node %s.deep LI tau=0.02\n", big + 1);
  ck_assert_msg(strstr(txt, inner) != NULL, "%s", txt);
  free(txt);
  unlink(p);
}
END_TEST

/* Duplicate edges collapse (in their first order); a graph with far more
 * distinct edges than nodes is refused before the mapping's per-node scans. */
START_TEST(test_many_edges) {
  snn__nir_graph g = good_graph();
  const char *const e[] = {"input", "fc", "fc", "lif", "lif", "output"};
  for (int r = 0; r < 200; r++)
    for (int k = 0; k < 3; k++) ck_assert_snn_ok(snn__nir_add_edge(&g, e[2 * k], e[2 * k + 1]));
  const char *p = tmp_path("edges.nir");
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  snn__nir_graph_free(&g);
  snn_network *a = import(p, 1e-3, 0);
  g = good_graph();
  ck_assert_snn_ok(snn__nir_write_file(&g, p, "test"));
  snn__nir_graph_free(&g);
  snn_network *b = import(p, 1e-3, 0);
  unlink(p);
  assert_same_net(a, b, 0);
  snn_network_free(a);
  snn_network_free(b);
  g = good_graph();
  size_t d2[2] = {2, 2};
  double w[4] = {1, 0, 0, 1};
  char names[12][16];
  for (int i = 0; i < 12; i++) {
    snprintf(names[i], sizeof names[i], "x%d", i);
    snn__nir_node *n = snn__nir_add_node(&g, names[i], "Linear");
    ck_assert_snn_ok(snn__nir_add_array(n, "weight", SNN__NIR_F32, 2, d2, w, NULL));
  }
  for (int i = 0; i < 12; i++)
    for (int j = 0; j < 12; j++)
      if (i != j) ck_assert_snn_ok(snn__nir_add_edge(&g, names[i], names[j]));
  expect_bad(&g, SNN_E_UNSUPPORTED, "135 distinct edges between 16 nodes"); /* 132 + the chain's 3 */
}
END_TEST

START_TEST(test_options) {
  snn_network *net = (snn_network *)1;
  const char *p = fixture("lif_norse.nir");
  ck_assert_snn_err(snn_network_import_nir(&net, p, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(net);
  snn_nir_options o = opts_dt(0, 0);
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_INVALID);
  o.dt = NAN;
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_INVALID);
  o.dt = 1e-4;
  o.discretization = 7;
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_INVALID);
  o.discretization = SNN_NIR_EXACT;
  o.reset = -1;
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_INVALID);
  o.reset = SNN_NIR_RESET_SUBTRACT;
  o.struct_size = 4;
  ck_assert_snn_err(snn_network_import_nir(&net, p, &o), SNN_E_VERSION);
  snn_nir_options big[2];
  memset(big, 0, sizeof big);
  ck_assert_snn_ok(snn_nir_options_init(big, sizeof big));
  ck_assert(big[0].struct_size == sizeof big && big[0].discretization == SNN_NIR_EXACT);
  big[0].dt = 1e-4;
  ck_assert_snn_ok(snn_network_import_nir(&net, p, big)); /* larger struct, zero tail */
  ck_assert(mp(net, 0, "reset") == 0.0);
  snn_network_free(net);
  o = opts_dt(1e-4, 0);
  o.reset = SNN_NIR_RESET_SUBTRACT;
  ck_assert_snn_ok(snn_network_import_nir(&net, p, &o));
  ck_assert(mp(net, 0, "reset") == 1.0);
  /* export: dt must agree with the network's, reset must match the model's */
  o.dt = 2e-4;
  ck_assert_snn_err(snn_network_export_nir(net, tmp_path("x.nir"), &o), SNN_E_INVALID);
  o.dt = 1e-4;
  ck_assert_snn_ok(snn_network_export_nir(net, tmp_path("x.nir"), &o));
  o.reset = SNN_NIR_RESET_TO_V_RESET;
  ck_assert_snn_err(snn_network_export_nir(net, tmp_path("x.nir"), &o), SNN_E_UNSUPPORTED);
  snn_network_free(net);
  unlink(tmp_path("x.nir"));
  ck_assert_snn_err(snn_nir_options_init(&o, 3), SNN_E_VERSION);
}
END_TEST

START_TEST(test_describe) {
  const char *p = fixture("braille_noDelay_bias_zero_subgraph.nir");
  size_t len = 0;
  char small[16];
  ck_assert_snn_err(snn_nir_describe(&len, small, sizeof small, p), SNN_E_RANGE);
  ck_assert_uint_gt(len, 100);
  ck_assert_uint_eq(strlen(small), sizeof small - 1); /* truncated, terminated */
  char *t = malloc(len + 1);
  ck_assert_snn_ok(snn_nir_describe(&len, t, len + 1, p));
  ck_assert_uint_eq(strlen(t), len);
  ck_assert_ptr_nonnull(strstr(t, "node lif1 NIRGraph\n"));
  ck_assert_ptr_nonnull(strstr(t, "node lif1.lif1 CubaLIF"));
  ck_assert_ptr_nonnull(strstr(t, "edge lif1.lin -> lif1.lif\n"));
  ck_assert_ptr_nonnull(strstr(t, "node input Input shape=[12]\n"));
  free(t);
}
END_TEST

/* run_sequence on a constant input gives predict's spike counts */
START_TEST(test_run_sequence_vs_predict) {
  snn_network *net = import(fixture(_i ? "cnn_sinabs.nir" : "braille_noDelay_bias_zero.nir"),
                            _i ? 1.0 : 1e-4, 0); /* Sinabs: one time unit a step */
  size_t n_in = snn_network_n_inputs(net), T = _i ? 40 : 30, n_out = snn_network_n_outputs(net);
  ck_assert_snn_ok(snn_network_set(net, "steps", (double)T));
  float *x1 = rand_spikes(n_in, 99), *x = malloc(T * n_in * sizeof *x);
  for (size_t t = 0; t < T; t++) memcpy(x + t * n_in, x1, n_in * sizeof *x);
  for (size_t i = 0; i < n_in; i++) x1[i] *= 3.0f;
  for (size_t t = 0; t < T * n_in; t++) x[t] *= 3.0f;
  float *out = malloc(T * n_out * sizeof *out), *sc = malloc(n_out * sizeof *sc);
  ck_assert_snn_ok(snn_network_run_sequence(out, NULL, net, x, T, n_in));
  ck_assert_snn_ok(snn_network_predict(net, NULL, sc, x1, 1, n_in));
  double tot = 0;
  for (size_t j = 0; j < n_out; j++) {
    float c = 0;
    for (size_t t = 0; t < T; t++) c += out[t * n_out + j];
    ck_assert_msg(c == sc[j], "output %zu: run_sequence %g spikes, predict %g", j, c, sc[j]);
    tot += c;
  }
  if (_i == 0) ck_assert(tot > 0); /* the comparison is not vacuous */
  ck_assert_snn_err(snn_network_run_sequence(out, NULL, net, x, T, n_in - 1), SNN_E_INVALID);
  x[5] = NAN;
  ck_assert_snn_err(snn_network_run_sequence(out, NULL, net, x, T, n_in), SNN_E_INVALID);
  free(x1);
  free(x);
  free(out);
  free(sc);
  snn_network_free(net);
}
END_TEST

START_TEST(test_oom_import_export) {
  const char *p = fixture("braille_noDelay_bias_zero_subgraph.nir");
  snn_nir_options o = opts_dt(1e-4, 0);
  int done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_network *net = NULL;
    snn_test_oom_install(n);
    int rc = snn_network_import_nir(&net, p, &o);
    if (rc == SNN_OK) snn_network_free(net);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (rc == SNN_OK) done = 1;
    else {
      ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
      ck_assert_ptr_null(net);
    }
    ck_assert_msg(live == 0, "fail at %ld: %ld blocks leaked", n, live);
    if (snn_test_quick() && n > 60) n += 7;
  }
  ck_assert(done);
  snn_network *net = import(p, 1e-4, 0);
  const char *q = tmp_path("oom.nir");
  done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_test_oom_install(n);
    int rc = snn_network_export_nir(net, q, NULL);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (rc == SNN_OK) done = 1;
    else ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
    ck_assert_msg(live == 0, "fail at %ld: %ld blocks leaked", n, live);
  }
  ck_assert(done);
  snn_network_free(net);
  unlink(q);
}
END_TEST

/* ---- Scale, Conv1d, dilation/groups, I, Threshold, composed connections --------- */
static snn__nir_node *addn(snn__nir_graph *g, const char *name, const char *type) {
  snn__nir_node *n = snn__nir_add_node(g, name, type);
  ck_assert_ptr_nonnull(n);
  return n;
}
static void arr(snn__nir_node *n, const char *name, int kind, int rank, const size_t *d,
                const double *v) {
  ck_assert_snn_ok(snn__nir_add_array(n, name, kind, rank, d, v, NULL));
}
static void shape_node(snn__nir_graph *g, const char *name, const char *type, size_t rank,
                       const double *dims) {
  arr(addn(g, name, type), "shape", SNN__NIR_I64, 1, &rank, dims);
}
/* edges along names[0] -> names[1] -> ... */
static void chain(snn__nir_graph *g, const char *const *names, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) ck_assert_snn_ok(snn__nir_add_edge(g, names[i], names[i + 1]));
}
/* I node with r = 1 over n neurons: with dt = 1 its V after one step is the input current */
static void integ_node(snn__nir_graph *g, const char *name, double r) {
  size_t d = 1;
  arr(addn(g, name, "I"), "r", SNN__NIR_F64, 1, &d, &r);
}
/* import under an allocator failing at every point in turn: SNN_E_NOMEM, no leak */
static void oom_import(const char *p, double dt) {
  snn_nir_options o = opts_dt(dt, 0);
  int done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_network *net = NULL;
    snn_test_oom_install(n);
    int rc = snn_network_import_nir(&net, p, &o);
    if (rc == SNN_OK) snn_network_free(net);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (rc == SNN_OK) done = 1;
    else ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
    ck_assert_msg(live == 0, "fail at %ld: %ld blocks leaked", n, live);
    if (snn_test_quick()) n += 6; /* valgrind: every 7th failure point */
  }
  ck_assert(done);
}
static snn_network *import_graph(snn__nir_graph *g, double dt) {
  const char *p = tmp_path("new.nir");
  ck_assert_snn_ok(snn__nir_write_file(g, p, "test"));
  snn__nir_graph_free(g);
  snn_network *net = import(p, dt, 0);
  oom_import(p, dt);
  unlink(p);
  return net;
}
/* export -> import (file and memory) gives the same network and outputs */
static void check_round_trip_eu(snn_network *a, double dt, int euler) {
  const char *p = tmp_path("rt2.nir");
  snn_nir_options eo = opts_dt(0, euler);
  ck_assert_snn_ok(snn_network_export_nir(a, p, &eo));
  snn_network *b = import(p, dt, euler);
  assert_same_net(a, b, 1e-12);
  assert_same_outputs(a, b, 20, 11);
  size_t sz = 0;
  ck_assert_snn_err(snn_network_export_nir_mem(&sz, a, NULL, 0, &eo), SNN_E_RANGE);
  ck_assert(sz > 0);
  void *buf = malloc(sz);
  ck_assert_snn_ok(snn_network_export_nir_mem(&sz, a, buf, sz, &eo));
  snn_nir_options o = opts_dt(dt, euler);
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_import_nir_mem(&c, buf, sz, &o));
  assert_same_net(a, c, 1e-12);
  assert_same_outputs(a, c, 20, 12);
  free(buf);
  /* and through a libsnn model file, without load options: the NIR kinds
   * (nir_cuba, nir_integrator, nir_threshold) are known to the loader */
  ck_assert_snn_err(snn_network_save_mem(&sz, a, NULL, 0), SNN_E_RANGE);
  buf = malloc(sz);
  ck_assert_snn_ok(snn_network_save_mem(&sz, a, buf, sz));
  snn_network *d = NULL;
  ck_assert_snn_ok(snn_network_load_mem(&d, buf, sz));
  assert_same_net(a, d, 0.0);
  assert_same_outputs(a, d, 20, 13);
  free(buf);
  snn_network_free(b);
  snn_network_free(c);
  snn_network_free(d);
  unlink(p);
}
static void check_round_trip(snn_network *a, double dt) { check_round_trip_eu(a, dt, 0); }
/* one step's membrane of the last layer for input x */
static void step_mem(float *mem, snn_network *net, const float *x) {
  ck_assert_snn_ok(snn_network_run_sequence(NULL, mem, net, x, 1, snn_network_n_inputs(net)));
}
static float *weights_of(snn_network *net, size_t li, int which) {
  snn_layer *l = snn_network_layer(net, li);
  size_t n = snn_layer_param_size(l, which);
  float *w = malloc((n ? n : 1) * sizeof *w);
  if (n) ck_assert_snn_ok(snn_layer_param_get(w, l, which, n));
  return w;
}

START_TEST(test_scale) {
  static const double W[6] = {1.5, -2, 0.25, 3, 0.1, -0.7}, B[2] = {0.5, -0.25};
  static const double S3[3] = {2, -0.5, 0.3}, S2[2] = {-3, 0.7};
  size_t d2[2] = {2, 3}, d3 = 3, dd2 = 2;
  double in3 = 3, out2 = 2;
  for (int where = 0; where < 3; where++) { /* Scale before, after, alone */
    snn__nir_graph g;
    memset(&g, 0, sizeof g);
    shape_node(&g, "input", "Input", 1, &in3);
    const char *names[5] = {"input", NULL, NULL, "integ", "output"};
    if (where < 2) {
      snn__nir_node *a = addn(&g, "fc", "Affine");
      arr(a, "weight", SNN__NIR_F32, 2, d2, W);
      arr(a, "bias", SNN__NIR_F32, 1, &dd2, B);
    }
    arr(addn(&g, "sc", "Scale"), "scale", SNN__NIR_F32, 1, where == 1 ? &dd2 : &d3,
        where == 1 ? S2 : S3);
    names[1] = where == 1 ? "fc" : "sc";
    names[2] = where == 0 ? "fc" : where == 1 ? "sc" : NULL;
    integ_node(&g, "integ", 1.0);
    shape_node(&g, "output", "Output", 1, where == 2 ? &in3 : &out2);
    if (where == 2) {
      const char *n2[4] = {"input", "sc", "integ", "output"};
      chain(&g, n2, 4);
    } else {
      chain(&g, names, 5);
    }
    snn_network *net = import_graph(&g, 1.0);
    ck_assert_uint_eq(snn_network_n_layers(net), 1);
    float *w = weights_of(net, 0, SNN_PARAM_WEIGHTS), *b = weights_of(net, 0, SNN_PARAM_BIAS);
    size_t no = where == 2 ? 3 : 2;
    for (size_t o = 0; o < no; o++)
      for (size_t i = 0; i < 3; i++) {
        double want = where == 0   ? (double)(float)W[o * 3 + i] * (double)(float)S3[i]
                      : where == 1 ? (double)(float)W[o * 3 + i] * (double)(float)S2[o]
                                   : (o == i ? (double)(float)S3[i] : 0.0);
        ck_assert_msg(w[o * 3 + i] == (float)want, "case %d w[%zu][%zu] %g want %g", where, o, i,
                      w[o * 3 + i], want);
      }
    if (where < 2)
      for (size_t o = 0; o < 2; o++)
        ck_assert(b[o] == (float)((double)(float)B[o] * (where == 1 ? (double)(float)S2[o] : 1.0)));
    else ck_assert_uint_eq(snn_layer_param_size(snn_network_layer(net, 0), SNN_PARAM_BIAS), 0);
    /* the currents: I after one step of dt = 1 s with r = 1 holds them */
    float x[3] = {1, 0.5f, -2}, mem[3];
    step_mem(mem, net, x);
    for (size_t o = 0; o < no; o++) {
      double u = 0;
      for (size_t i = 0; i < 3; i++) {
        double xi = x[i] * (where == 0 || where == 2 ? (float)S3[i] : 1.0f);
        u += where == 2 ? (o == i ? xi : 0) : (float)W[o * 3 + i] * xi;
      }
      if (where < 2) u += (float)B[o];
      if (where == 1) u *= (float)S2[o];
      ck_assert_msg(fabs(mem[o] - u) <= 1e-5 * (1 + fabs(u)), "case %d out %zu: %g want %g",
                    where, o, mem[o], u);
    }
    check_round_trip(net, 1.0);
    free(w);
    free(b);
    snn_network_free(net);
  }
  /* bad: wrong length, NaN */
  for (int bad = 0; bad < 2; bad++) {
    snn__nir_graph g;
    memset(&g, 0, sizeof g);
    shape_node(&g, "input", "Input", 1, &in3);
    double s[3] = {1, bad ? NAN : 2, 3};
    size_t dn = bad ? 3 : 2;
    arr(addn(&g, "sc", "Scale"), "scale", SNN__NIR_F64, 1, &dn, s);
    integ_node(&g, "integ", 1.0);
    shape_node(&g, "output", "Output", 1, &in3);
    const char *n2[4] = {"input", "sc", "integ", "output"};
    chain(&g, n2, 4);
    expect_bad(&g, SNN_E_FORMAT, bad ? "scale[1] is not a finite float" : "must hold 1 or 3");
  }
}
END_TEST

/* Affine -> Linear -> Scale -> neurons: one dense layer y = M x + c computed in double */
START_TEST(test_composed_connections) {
  static const double W1[12] = {1, 2, -1, 0.5, 0, 3, -2, 1, 0.25, 1, 1, -1};
  static const double B1[4] = {0.1, -0.2, 0.3, 0};
  static const double W2[8] = {0.5, -1, 2, 0.125, 1, 1, -0.3, 0.7};
  static const double S[2] = {2, -1.5};
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  double in3 = 3, out2 = 2;
  size_t d1[2] = {4, 3}, db = 4, d2[2] = {2, 4}, ds = 2;
  shape_node(&g, "input", "Input", 1, &in3);
  snn__nir_node *a = addn(&g, "fc1", "Affine");
  arr(a, "weight", SNN__NIR_F32, 2, d1, W1);
  arr(a, "bias", SNN__NIR_F32, 1, &db, B1);
  arr(addn(&g, "fc2", "Linear"), "weight", SNN__NIR_F32, 2, d2, W2);
  arr(addn(&g, "sc", "Scale"), "scale", SNN__NIR_F32, 1, &ds, S);
  integ_node(&g, "integ", 1.0);
  shape_node(&g, "output", "Output", 1, &out2);
  const char *names[] = {"input", "fc1", "fc2", "sc", "integ", "output"};
  chain(&g, names, 6);
  snn_network *net = import_graph(&g, 1.0);
  ck_assert_uint_eq(snn_network_n_layers(net), 1);
  float *w = weights_of(net, 0, SNN_PARAM_WEIGHTS), *b = weights_of(net, 0, SNN_PARAM_BIAS);
  for (size_t o = 0; o < 2; o++) {
    double c = 0;
    for (size_t k = 0; k < 4; k++) c += (double)(float)W2[o * 4 + k] * (double)(float)B1[k];
    ck_assert(b[o] == (float)(c * (double)(float)S[o]));
    for (size_t i = 0; i < 3; i++) {
      double m = 0;
      for (size_t k = 0; k < 4; k++) m += (double)(float)W2[o * 4 + k] * (double)(float)W1[k * 3 + i];
      ck_assert(w[o * 3 + i] == (float)(m * (double)(float)S[o]));
    }
  }
  /* against the two-stage computation in double */
  float x[3] = {1, -0.5f, 2}, mem[2];
  step_mem(mem, net, x);
  for (size_t o = 0; o < 2; o++) {
    double y = 0;
    for (size_t k = 0; k < 4; k++) {
      double h = (float)B1[k];
      for (size_t i = 0; i < 3; i++) h += (double)(float)W1[k * 3 + i] * x[i];
      y += (double)(float)W2[o * 4 + k] * h;
    }
    y *= (float)S[o];
    ck_assert_msg(fabs(mem[o] - y) <= 1e-5 * (1 + fabs(y)), "out %zu: %g want %g", o, mem[o], y);
  }
  check_round_trip(net, 1.0);
  free(w);
  free(b);
  snn_network_free(net);

  /* a convolution followed by a dense connection is refused */
  memset(&g, 0, sizeof g);
  double ish[3] = {1, 3, 3}, cw[4] = {1, 1, 1, 1}, cb = 0, lw[4] = {1, 1, 1, 1};
  size_t dcw[4] = {1, 1, 2, 2}, one = 1, dl[2] = {1, 4};
  shape_node(&g, "input", "Input", 3, ish);
  snn__nir_node *cv = addn(&g, "conv", "Conv2d");
  arr(cv, "weight", SNN__NIR_F32, 4, dcw, cw);
  arr(cv, "bias", SNN__NIR_F32, 1, &one, &cb);
  arr(addn(&g, "fc", "Linear"), "weight", SNN__NIR_F32, 2, dl, lw);
  integ_node(&g, "integ", 1.0);
  shape_node(&g, "output", "Output", 1, &in3);
  const char *n2[] = {"input", "conv", "fc", "integ", "output"};
  chain(&g, n2, 5);
  expect_bad(&g, SNN_E_UNSUPPORTED, "followed by connection 'fc'");
}
END_TEST

/* Conv1d / Conv2d with stride, padding, dilation and groups against a direct
 * convolution in double: the I layer's V after one step is the conv output. */
typedef struct convcase {
  int one_d;
  size_t c, h, w, oc, kh, kw, s, ph, pw, dh, dw, groups;
  const char *padstr;
} convcase;

static void conv_check(const convcase *cc) {
  size_t icg = cc->c / cc->groups, kh = cc->one_d ? 1 : cc->kh;
  size_t nw = cc->oc * icg * kh * cc->kw, ph = cc->ph, pw = cc->pw;
  double *wv = malloc(nw * sizeof *wv), bv[8];
  for (size_t i = 0; i < nw; i++) wv[i] = (double)((int)(i * 7 % 11) - 5) / 4.0;
  for (size_t o = 0; o < cc->oc; o++) bv[o] = 0.25 * (double)o - 0.5;
  size_t ekh = (kh - 1) * cc->dh + 1, ekw = (cc->kw - 1) * cc->dw + 1;
  if (cc->padstr && strcmp(cc->padstr, "same") == 0) {
    ph = cc->one_d ? 0 : (ekh - 1) / 2;
    pw = (ekw - 1) / 2;
  }
  size_t H = cc->one_d ? 1 : cc->h;
  size_t oh = (H + 2 * ph - ekh) / cc->s + 1, ow = (cc->w + 2 * pw - ekw) / cc->s + 1;
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  double ish[3] = {(double)cc->c, (double)cc->h, (double)cc->w};
  if (cc->one_d) shape_node(&g, "input", "Input", 2, (double[]){(double)cc->c, (double)cc->w});
  else shape_node(&g, "input", "Input", 3, ish);
  snn__nir_node *cv = addn(&g, "conv", cc->one_d ? "Conv1d" : "Conv2d");
  size_t dw4[4] = {cc->oc, icg, kh, cc->kw}, dw3[3] = {cc->oc, icg, cc->kw}, doc = cc->oc;
  arr(cv, "weight", SNN__NIR_F32, cc->one_d ? 3 : 4, cc->one_d ? dw3 : dw4, wv);
  arr(cv, "bias", SNN__NIR_F32, 1, &doc, bv);
  size_t npair = cc->one_d ? 1 : 2;
  double st[2] = {(double)cc->s, (double)cc->s}, pd[2] = {(double)cc->ph, (double)cc->pw};
  double dl[2] = {(double)cc->dh, (double)cc->dw};
  if (cc->one_d) {
    pd[0] = (double)cc->pw;
    dl[0] = (double)cc->dw;
  }
  arr(cv, "stride", SNN__NIR_I64, 1, &npair, st);
  if (cc->padstr) ck_assert_snn_ok(snn__nir_add_string(cv, "padding", cc->padstr));
  else arr(cv, "padding", SNN__NIR_I64, 1, &npair, pd);
  arr(cv, "dilation", SNN__NIR_I64, 1, &npair, dl);
  ck_assert_snn_ok(snn__nir_add_scalar(cv, "groups", SNN__NIR_I64, (double)cc->groups));
  integ_node(&g, "integ", 1.0);
  double osh[3] = {(double)cc->oc, (double)oh, (double)ow};
  if (cc->one_d) shape_node(&g, "output", "Output", 2, (double[]){(double)cc->oc, (double)ow});
  else shape_node(&g, "output", "Output", 3, osh);
  const char *names[] = {"input", "conv", "integ", "output"};
  chain(&g, names, 4);
  snn_network *net = import_graph(&g, 1.0);
  size_t n_in = cc->c * H * cc->w, n_out = cc->oc * oh * ow;
  ck_assert_uint_eq(snn_network_n_inputs(net), n_in);
  ck_assert_uint_eq(snn_network_n_outputs(net), n_out);
  float *x = malloc(n_in * sizeof *x), *mem = malloc(n_out * sizeof *mem);
  for (size_t i = 0; i < n_in; i++) x[i] = (float)((int)(i * 5 % 9) - 4) / 2.0f;
  step_mem(mem, net, x);
  size_t ocg = cc->oc / cc->groups;
  for (size_t o = 0; o < cc->oc; o++)
    for (size_t y = 0; y < oh; y++)
      for (size_t xo = 0; xo < ow; xo++) {
        double acc = (float)bv[o];
        for (size_t c = 0; c < icg; c++)
          for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < cc->kw; j++) {
              long iy = (long)(y * cc->s + i * cc->dh) - (long)ph;
              long ix = (long)(xo * cc->s + j * cc->dw) - (long)pw;
              if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)cc->w) continue;
              size_t ci = (o / ocg) * icg + c;
              acc += (double)(float)wv[((o * icg + c) * kh + i) * cc->kw + j] *
                     x[(ci * H + (size_t)iy) * cc->w + (size_t)ix];
            }
        float got = mem[(o * oh + y) * ow + xo];
        ck_assert_msg(fabs(got - acc) <= 1e-5 * (1 + fabs(acc)), "%s out (%zu,%zu,%zu): %g want %g",
                      cc->one_d ? "Conv1d" : "Conv2d", o, y, xo, got, acc);
      }
  check_round_trip(net, 1.0);
  free(x);
  free(mem);
  free(wv);
  snn_network_free(net);
}

START_TEST(test_conv_general) {
  static const convcase cases[] = {
      /* 1d, h, w, oc, kh, kw, s, ph, pw, dh, dw, groups, pad */
      {1, 2, 1, 9, 3, 1, 3, 1, 0, 0, 1, 1, 1, NULL},   /* Conv1d plain */
      {1, 2, 1, 10, 4, 1, 3, 2, 0, 2, 1, 2, 2, NULL},  /* stride 2, pad 2, dilation 2, groups 2 */
      {1, 1, 1, 7, 2, 1, 3, 1, 0, 0, 1, 1, 1, "same"}, /* "same" */
      {1, 3, 1, 8, 3, 1, 2, 1, 0, 1, 1, 3, 3, NULL},   /* depthwise-like groups 3 */
      {0, 2, 5, 6, 2, 3, 2, 1, 1, 0, 1, 1, 1, NULL},   /* Conv2d unequal padding (1, 0) */
      {0, 4, 6, 6, 4, 2, 2, 1, 1, 2, 2, 2, 2, NULL},   /* dilation 2, groups 2 */
      {0, 2, 5, 5, 2, 3, 1, 1, 0, 0, 2, 1, 1, "same"}, /* "same", non-square kernel, dilation */
  };
  conv_check(&cases[_i]);
}
END_TEST

START_TEST(test_conv_bad) {
  static const double w3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (int k = 0; k < 3; k++) {
    snn__nir_graph g;
    memset(&g, 0, sizeof g);
    double ish[2] = {2, 6};
    shape_node(&g, "input", "Input", 2, ish);
    snn__nir_node *cv = addn(&g, "conv", "Conv1d");
    size_t d3[3] = {1, 2, 3}, one = 1, two = 2;
    double b = 0, st2[2] = {1, 2};
    if (k == 0) d3[1] = 3; /* in-channels do not fit */
    arr(cv, "weight", SNN__NIR_F32, 3, d3, w3);
    arr(cv, "bias", SNN__NIR_F32, 1, &one, &b);
    if (k == 1) ck_assert_snn_ok(snn__nir_add_scalar(cv, "groups", SNN__NIR_I64, 0));
    if (k == 2) ck_assert_snn_ok(snn__nir_add_string(cv, "padding", "same"));
    if (k == 2) arr(cv, "stride", SNN__NIR_I64, 1, &two, st2);
    integ_node(&g, "integ", 1.0);
    double osh = 4;
    shape_node(&g, "output", "Output", 1, &osh);
    const char *names[] = {"input", "conv", "integ", "output"};
    chain(&g, names, 4);
    if (k == 0) {
      expect_bad(&g, SNN_E_FORMAT, "does not fit the input");
    } else if (k == 1) {
      expect_bad(&g, SNN_E_FORMAT, "'groups' must be one integer >= 1");
    } else {
      expect_bad(&g, SNN_E_UNSUPPORTED, "padding \"same\"");
    }
  }
  /* Conv2d strides that differ between height and width */
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  double ish[3] = {1, 4, 4}, w4[4] = {1, 1, 1, 1}, b = 0, st[2] = {1, 2};
  size_t d4[4] = {1, 1, 2, 2}, one = 1, two = 2;
  shape_node(&g, "input", "Input", 3, ish);
  snn__nir_node *cv = addn(&g, "conv", "Conv2d");
  arr(cv, "weight", SNN__NIR_F32, 4, d4, w4);
  arr(cv, "bias", SNN__NIR_F32, 1, &one, &b);
  arr(cv, "stride", SNN__NIR_I64, 1, &two, st);
  integ_node(&g, "integ", 1.0);
  double osh = 6;
  shape_node(&g, "output", "Output", 1, &osh);
  const char *names[] = {"input", "conv", "integ", "output"};
  chain(&g, names, 4);
  expect_bad(&g, SNN_E_UNSUPPORTED, "differs between height and width");
}
END_TEST

/* Scale next to a convolution folds per channel; varying within a channel is refused */
START_TEST(test_conv_scale) {
  for (int bad = 0; bad < 2; bad++) {
    snn__nir_graph g;
    memset(&g, 0, sizeof g);
    double ish[3] = {2, 3, 3}, w[8] = {1, -1, 0.5, 2, 0.25, 1, -2, 1}, b = 0.5;
    size_t d4[4] = {1, 2, 2, 2}, one = 1, ds = 2 * 9, dso = 4;
    double sin_[18], sout[4] = {3, 3, 3, bad ? 4 : 3};
    for (size_t i = 0; i < 18; i++) sin_[i] = i < 9 ? 2.0 : -0.5;
    shape_node(&g, "input", "Input", 3, ish);
    arr(addn(&g, "pre", "Scale"), "scale", SNN__NIR_F32, 1, &ds, sin_);
    snn__nir_node *cv = addn(&g, "conv", "Conv2d");
    arr(cv, "weight", SNN__NIR_F32, 4, d4, w);
    arr(cv, "bias", SNN__NIR_F32, 1, &one, &b);
    arr(addn(&g, "post", "Scale"), "scale", SNN__NIR_F32, 1, &dso, sout);
    integ_node(&g, "integ", 1.0);
    double osh[3] = {1, 2, 2};
    shape_node(&g, "output", "Output", 3, osh);
    const char *names[] = {"input", "pre", "conv", "post", "integ", "output"};
    chain(&g, names, 6);
    if (bad) {
      expect_bad(&g, SNN_E_UNSUPPORTED, "varies within channel 0");
      continue;
    }
    snn_network *net = import_graph(&g, 1.0);
    ck_assert_uint_eq(snn_network_n_layers(net), 1);
    float *cw = weights_of(net, 0, SNN_PARAM_WEIGHTS), *cb = weights_of(net, 0, SNN_PARAM_BIAS);
    for (size_t i = 0; i < 8; i++) ck_assert(cw[i] == (float)(w[i] * (i < 4 ? 2.0 : -0.5) * 3.0));
    ck_assert(cb[0] == 1.5f);
    check_round_trip(net, 1.0);
    free(cw);
    free(cb);
    snn_network_free(net);
  }
}
END_TEST

/* I integrates (V += r u dt, no spikes); Threshold spikes when u > theta */
START_TEST(test_integrator_threshold) {
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  double in2 = 2, w[4] = {1, 0, 0, 1}, th[2] = {0.5, 0.5}, w2[2] = {1, 2};
  size_t d22[2] = {2, 2}, d2 = 2, d12[2] = {1, 2};
  shape_node(&g, "input", "Input", 1, &in2);
  arr(addn(&g, "fc", "Linear"), "weight", SNN__NIR_F32, 2, d22, w);
  arr(addn(&g, "thr", "Threshold"), "theta", SNN__NIR_F64, 1, &d2, th);
  arr(addn(&g, "fc2", "Linear"), "weight", SNN__NIR_F32, 2, d12, w2);
  integ_node(&g, "integ", 4.0);
  double o1 = 1;
  shape_node(&g, "output", "Output", 1, &o1);
  const char *names[] = {"input", "fc", "thr", "fc2", "integ", "output"};
  chain(&g, names, 6);
  snn_network *net = import_graph(&g, 1e-3);
  ck_assert_uint_eq(snn_network_n_layers(net), 2);
  ck_assert_str_eq(snn_neuron_model_kind(snn_layer_model(snn_network_layer(net, 0))), "nir_threshold");
  ck_assert_str_eq(snn_neuron_model_kind(snn_layer_model(snn_network_layer(net, 1))), "nir_integrator");
  /* inputs: (1, 0) -> spike 0 only; (0.5, 0.6) -> 0.5 is not > 0.5: spike 1 only; (0, 0) */
  float x[8] = {1, 0, 0.5f, 0.6f, 0, 0, 1, 1}, mem[4];
  ck_assert_snn_ok(snn_network_run_sequence(NULL, mem, net, x, 4, 2));
  /* V += r u dt = 4 * u * 1e-3 with u = spikes . (1, 2) */
  const double want[4] = {4e-3, 4e-3 + 8e-3, 12e-3, 12e-3 + 12e-3};
  for (size_t t = 0; t < 4; t++)
    ck_assert_msg(fabs(mem[t] - want[t]) < 1e-7, "step %zu: %g want %g", t, mem[t], want[t]);
  ck_assert_int_eq(net->readout, SNN__READOUT_MEM);
  check_round_trip(net, 1e-3);
  /* the exported file names the node types */
  const char *p = tmp_path("it.nir");
  ck_assert_snn_ok(snn_network_export_nir(net, p, NULL));
  snn__nir_graph rg;
  memset(&rg, 0, sizeof rg);
  ck_assert_snn_ok(snn__nir_read_file(&rg, p, "test"));
  ck_assert_str_eq(node_named(&rg, "layer0_neurons")->type, "Threshold");
  ck_assert_str_eq(node_named(&rg, "layer1_neurons")->type, "I");
  ck_assert(fabs(field_named(node_named(&rg, "layer1_neurons"), "r")->v[0] - 4.0) < 1e-12);
  snn__nir_graph_free(&rg);
  unlink(p);
  snn_network_free(net);

  /* I feeding another layer; NaN theta (theta differing between neurons
   * imports: test_hetero) */
  for (int k = 0; k < 2; k++) {
    memset(&g, 0, sizeof g);
    shape_node(&g, "input", "Input", 1, &in2);
    arr(addn(&g, "fc", "Linear"), "weight", SNN__NIR_F32, 2, d22, w);
    double tb[2] = {k == 1 ? NAN : 0.5, k == 2 ? 0.7 : 0.5};
    if (k == 0) integ_node(&g, "thr", 1.0);
    else arr(addn(&g, "thr", "Threshold"), "theta", SNN__NIR_F64, 1, &d2, tb);
    arr(addn(&g, "fc2", "Linear"), "weight", SNN__NIR_F32, 2, d12, w2);
    integ_node(&g, "integ", 4.0);
    shape_node(&g, "output", "Output", 1, &o1);
    chain(&g, names, 6);
    expect_bad(&g, k ? SNN_E_FORMAT : SNN_E_UNSUPPORTED,
               k == 0 ? "non-spiking" : "theta[0] is not finite");
  }
}
END_TEST

/* ---- heterogeneous (per-neuron) parameters: model nir_hetero ------------------ */
static const char *const het_types[7] = {"LIF", "IF", "LI", "CubaLI", "CubaLIF", "I", "Threshold"};
enum { HN = 4, HI = 3 }; /* neurons, inputs */
/* weights and biases multiples of 1/8: currents of 0/1 inputs are exact in
 * float whatever the summation order (BLAS or not) */
static const double het_W[HN * HI] = {0.5, 0.25, -0.125, 1.0, 0.375, 0.5,
                                      -0.25, 0.75, 1.25, 0.625, 0.125, 0.875};
static const double het_B[HN] = {0.25, 0.125, 0.5, -0.125};

typedef struct hetp {
  double tau[HN], tsyn[HN], r[HN], w_in[HN], vl[HN], vth[HN], vr; /* v_reset: one value */
} hetp;

static hetp het_params(int node) {
  hetp p = {{5e-3, 1e-2, 2e-2, 4e-3},  {2e-3, 5e-3, 1e-2, 4e-3}, /* tsyn[3] = tau[3]: limit */
            {1.0, 2.0, 0.5, 1.5},      {1.0, 0.5, 2.0, 1.25},     {0.0, 0.1, -0.1, 0.05},
            {0.3, 0.5, 0.2, 0.4},      -0.05};
  if (node == 1 || node == 5) /* IF, I: dV = r u dt */
    for (int j = 0; j < HN; j++) p.r[j] *= 100.0;
  return p;
}

static void het_field(snn__nir_node *n, const char *name, const double *v, size_t k) {
  arr(n, name, SNN__NIR_F64, 1, &k, v);
}

/* input(3) -> Affine 4x3 -> <node> with per-neuron fields -> output(4) */
static snn__nir_graph het_graph(int node, const hetp *p) {
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  double in = HI, on = HN;
  size_t dw[2] = {HN, HI}, db = HN;
  shape_node(&g, "input", "Input", 1, &in);
  snn__nir_node *fc = addn(&g, "fc", "Affine");
  arr(fc, "weight", SNN__NIR_F32, 2, dw, het_W);
  arr(fc, "bias", SNN__NIR_F32, 1, &db, het_B);
  snn__nir_node *n = addn(&g, "nrn", het_types[node]);
  int lif = node == 0, iff = node == 1, li = node == 2, cuba = node == 3 || node == 4;
  int spk = node == 0 || node == 1 || node == 4;
  if (node == 6) het_field(n, "theta", p->vth, HN);
  if (lif || li) het_field(n, "tau", p->tau, HN);
  if (cuba) {
    het_field(n, "tau_mem", p->tau, HN);
    het_field(n, "tau_syn", p->tsyn, HN);
  }
  if (node != 6) het_field(n, "r", p->r, HN);
  if (node != 6 && node != 5 && !iff) het_field(n, "v_leak", p->vl, HN);
  if (spk) {
    het_field(n, "v_threshold", p->vth, HN);
    het_field(n, "v_reset", &p->vr, 1);
  }
  if (cuba) het_field(n, "w_in", p->w_in, HN);
  shape_node(&g, "output", "Output", 1, &on);
  const char *names[] = {"input", "fc", "nrn", "output"};
  chain(&g, names, 4);
  return g;
}

/* CubaLI(F) over one step, V and I, by RK4 with 2000 sub-steps (the exact
 * solution's reference) */
static void cuba_rk4(double *v, double *c, double x, double tm, double ts, double r, double vl,
                     double dt) {
  const int K = 2000;
  double h = dt / K, V = *v, I = *c;
  for (int k = 0; k < K; k++) {
#define DV(V_, I_) ((vl - (V_) + r * (I_)) / tm)
#define DI(I_) ((x - (I_)) / ts)
    double k1v = DV(V, I), k1i = DI(I);
    double k2v = DV(V + h / 2 * k1v, I + h / 2 * k1i), k2i = DI(I + h / 2 * k1i);
    double k3v = DV(V + h / 2 * k2v, I + h / 2 * k2i), k3i = DI(I + h / 2 * k2i);
    double k4v = DV(V + h * k3v, I + h * k3i), k4i = DI(I + h * k3i);
#undef DV
#undef DI
    V += h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
    I += h / 6 * (k1i + 2 * k2i + 2 * k3i + k4i);
  }
  *v = V;
  *c = I;
}

/* Each node type with per-neuron parameters against a reference written from
 * NIR's equations (docs/nir.md), exact (_i < 7) and Euler; then export ->
 * import (file, memory) and model file save -> load, bitwise. */
START_TEST(test_hetero) {
  const int node = _i % 7, euler = _i / 7;
  const double dt = 1e-3;
  const int spk = node == 0 || node == 1 || node == 4 || node == 6;
  hetp p = het_params(node);
  const char *path = tmp_path("het.nir");
  snn__nir_graph g = het_graph(node, &p);
  ck_assert_snn_ok(snn__nir_write_file(&g, path, "test"));
  snn__nir_graph_free(&g);
  snn_network *net = import(path, dt, euler);
  ck_assert_uint_eq(snn_network_n_layers(net), 1);
  const snn_neuron_model *m = snn_layer_model(snn_network_layer(net, 0));
  ck_assert_str_eq(snn_neuron_model_kind(m), "nir_hetero");
  size_t nn = 0;
  ck_assert_ptr_nonnull(snn__nir_hetero_array(m, SNN__HET_V_TH, &nn));
  ck_assert_uint_eq(nn, HN);

  const size_t T = 60;
  float *x = rand_spikes(T * HI, 7 + (uint64_t)node);
  float out[60 * HN], mem[60 * HN];
  ck_assert_snn_ok(snn_network_run_sequence(out, mem, net, x, T, HI));
  size_t n_spk = 0, checked = 0;
  double vlast[HN];
  for (int j = 0; j < HN; j++) {
    double V = (node == 1) ? p.vr : (node == 5 || node == 6) ? 0.0 : p.vl[j], I = 0.0;
    const double tm = p.tau[j], ts = p.tsyn[j], r = p.r[j], vl = p.vl[j], vth = p.vth[j];
    for (size_t t = 0; t < T; t++) {
      double u = het_B[j];
      for (int i = 0; i < HI; i++) u += het_W[j * HI + i] * x[t * HI + i];
      double v1 = V, c1 = 0.0;
      switch (node) {
        case 0:
        case 2: /* LIF, LI: tau dv/dt = v_leak - v + r u */
          v1 = euler ? V + dt / tm * (vl - V + r * u) : vl + r * u + (V - vl - r * u) * exp(-dt / tm);
          break;
        case 1:
        case 5: /* IF, I: dv/dt = r u */
          v1 = V + r * u * dt;
          break;
        case 3:
        case 4: { /* CubaLI(F): tau_syn dI/dt = -I + w_in u; tau_mem dv/dt = v_leak - v + r I */
          double xx = p.w_in[j] * u;
          c1 = I;
          if (euler) {
            c1 = I + dt / ts * (xx - I);
            v1 = V + dt / tm * (vl - V + r * c1);
          } else {
            cuba_rk4(&v1, &c1, xx, tm, ts, r, vl, dt);
          }
          break;
        }
        default: /* Threshold */
          v1 = u;
      }
      int s = spk && v1 > vth;
      float got_s = out[t * HN + j], got_v = mem[t * HN + j];
      if (spk && fabs(v1 - vth) < 1e-5) { /* too close to call: follow libsnn */
        s = got_s != 0.0f;
      } else {
        ck_assert_msg((float)s == got_s, "%s%s neuron %d step %zu: spike %g, reference %d (V %g)",
                      het_types[node], euler ? " euler" : "", j, t, got_s, s, v1);
        checked++;
      }
      if (s && node != 6) v1 = p.vr; /* reset to v_reset */
      n_spk += (size_t)s;
      ck_assert_msg(fabs(got_v - v1) <= 2e-6 * (1 + fabs(v1)),
                    "%s%s neuron %d step %zu: V %.9g, reference %.9g", het_types[node],
                    euler ? " euler" : "", j, t, got_v, v1);
      V = (float)v1; /* libsnn keeps the state in float32 */
      I = (float)c1;
    }
    vlast[j] = V;
  }
  ck_assert_uint_gt(checked, T * HN / 2);
  if (spk) ck_assert_uint_gt(n_spk, 3); /* not vacuous */
  else ck_assert(vlast[0] != vlast[1] && vlast[1] != vlast[2]);

  /* predict (the batched engine: neuron i of a call is neuron i % 4) agrees
   * with run_sequence for 3 samples at once */
  {
    const size_t TS = 12;
    float xs[3 * HI], seq[12 * HI], o1[12 * HN], m1[12 * HN], sc[3 * HN];
    for (size_t k = 0; k < 3 * HI; k++) xs[k] = (float)((k * 7 + 3) % 3 != 0);
    ck_assert_snn_ok(snn_network_set(net, "steps", (double)TS));
    ck_assert_snn_ok(snn_network_predict(net, NULL, sc, xs, 3, HI));
    for (size_t smp = 0; smp < 3; smp++) {
      for (size_t t = 0; t < TS; t++) memcpy(seq + t * HI, xs + smp * HI, HI * sizeof *seq);
      ck_assert_snn_ok(snn_network_run_sequence(o1, m1, net, seq, TS, HI));
      for (int j = 0; j < HN; j++) {
        float acc = 0;
        for (size_t t = 0; t < TS; t++) acc += spk ? o1[t * HN + j] : m1[t * HN + j];
        ck_assert_msg(acc == sc[smp * HN + j], "sample %zu neuron %d: %g vs predict %g", smp, j,
                      acc, sc[smp * HN + j]);
      }
    }
  }
  /* export writes the node type with the per-neuron values as they were */
  const char *p2 = tmp_path("het2.nir");
  snn_nir_options eo = opts_dt(0, euler);
  ck_assert_snn_ok(snn_network_export_nir(net, p2, &eo));
  snn__nir_graph rg;
  memset(&rg, 0, sizeof rg);
  ck_assert_snn_ok(snn__nir_read_file(&rg, p2, "test"));
  snn__nir_node *en = node_named(&rg, "layer0_neurons");
  ck_assert_str_eq(en->type, het_types[node]);
  snn__nir_field *ef = field_named(en, node == 6 ? "theta" : "r");
  ck_assert_uint_eq(ef->n, HN);
  for (int j = 0; j < HN; j++) ck_assert(ef->v[j] == (node == 6 ? p.vth[j] : p.r[j]));
  snn__nir_graph_free(&rg);
  unlink(p2);
  /* the other discretisation is refused (the file cannot say which it was) */
  if (node != 5 && node != 6) {
    snn_nir_options bad = opts_dt(0, !euler);
    ck_assert_snn_err(snn_network_export_nir(net, p2, &bad), SNN_E_UNSUPPORTED);
  }
  check_round_trip_eu(net, dt, euler);
  if (!euler && (node == 0 || node == 4)) oom_import(path, dt);
  snn_network_free(net);
  free(x);
  unlink(path);
}
END_TEST

/* A model file of a network with per-neuron parameters: truncated or
 * corrupted (behind a repaired CRC) it fails cleanly, never crashes */
START_TEST(test_hetero_model_file) {
  hetp p = het_params(4);
  snn__nir_graph g = het_graph(4, &p);
  snn_network *net = import_graph(&g, 1e-3);
  size_t sz = 0;
  ck_assert_snn_err(snn_network_save_mem(&sz, net, NULL, 0), SNN_E_RANGE);
  unsigned char *b = malloc(sz), *c = malloc(sz);
  ck_assert_snn_ok(snn_network_save_mem(&sz, net, b, sz));
  /* the file round trip itself: check_round_trip (test_hetero) */
  size_t tm = snn_test_find_bytes(b, sz, "tau_mem"), nd = snn_test_find_bytes(b, sz, "node");
  size_t wg = snn_test_find_bytes(b, sz, "WGHT");
  ck_assert(tm != (size_t)-1 && nd != (size_t)-1 && wg != (size_t)-1);
  size_t arr0 = tm - 6; /* u32 count, u16 length, name */
  ck_assert_uint_eq(b[arr0], 7);
  /* truncated anywhere: SNN_E_FORMAT */
  for (size_t n = 0; n < sz; n += snn_test_quick() ? 7 : 1) {
    snn_network *out = NULL;
    ck_assert_snn_err(snn_network_load_mem(&out, b, n), SNN_E_FORMAT);
  }
  /* every byte of the per-neuron block flipped behind a repaired CRC */
  size_t end = wg - 4; /* the LAYR CRC precedes it */
  int fails = 0;
  for (size_t i = arr0; i < end; i += snn_test_quick() ? 3 : 1)
    for (int k = 0; k < 2; k++) {
      memcpy(c, b, sz);
      c[i] ^= k ? 0x01 : 0xFF;
      snn_test_fix_crc_at(c, sz, i);
      fails += snn_test_load_bad_net(c, sz) != SNN_OK;
    }
  ck_assert_int_gt(fails, 0);
  /* targeted: 6 arrays; a length that is not the layer's; NaN; tau_mem 0;
   * an unknown name; node 2.5 */
  struct {
    size_t at;
    unsigned char v[8];
    size_t nv;
    const char *needle;
  } cases[6];
  double nan_v = NAN, zero = 0.0, half = 2.5;
  cases[0].at = arr0; cases[0].v[0] = 6; cases[0].nv = 1; cases[0].needle = "has 6 per-neuron arrays";
  cases[1].at = tm + 7; cases[1].v[0] = 3; cases[1].nv = 1; cases[1].needle = "has 3 values for 4 neurons";
  cases[2].at = tm + 15; memcpy(cases[2].v, &nan_v, 8); cases[2].nv = 8; cases[2].needle = "tau_mem[0]";
  cases[3].at = tm + 15 + 8; memcpy(cases[3].v, &zero, 8); cases[3].nv = 8; cases[3].needle = "tau_mem[1]";
  cases[4].at = tm; memcpy(cases[4].v, "tau_max", 7); cases[4].nv = 7; cases[4].needle = "unknown per-neuron array";
  cases[5].at = nd + 5; memcpy(cases[5].v, &half, 8); cases[5].nv = 8; cases[5].needle = "node = 2.5";
  for (int k = 0; k < 6; k++) {
    memcpy(c, b, sz);
    memcpy(c + cases[k].at, cases[k].v, cases[k].nv);
    snn_test_fix_crc_at(c, sz, cases[k].at);
    snn_network *out = NULL;
    ck_assert_snn_err(snn_network_load_mem(&out, c, sz), SNN_E_FORMAT);
    ck_assert_msg(strstr(snn_last_error(), cases[k].needle), "case %d: '%s' lacks '%s'", k,
                  snn_last_error(), cases[k].needle);
  }
  /* OOM while loading: SNN_E_NOMEM, nothing leaked */
  int done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_network *out = NULL;
    snn_test_oom_install(n);
    int rc = snn_network_load_mem(&out, b, sz);
    if (rc == SNN_OK) snn_network_free(out);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (rc == SNN_OK) done = 1;
    else ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
    ck_assert_int_eq(live, 0);
  }
  ck_assert(done);
  free(b);
  free(c);
  snn_network_free(net);
}
END_TEST

/* export to memory: size query, too-small buffer, image reads back; OOM */
START_TEST(test_export_mem) {
  snn_network *a = import(fixture("cnn_sinabs.nir"), 1e-3, 0);
  size_t sz = 0, sz2 = 0;
  ck_assert_snn_err(snn_network_export_nir_mem(&sz, a, NULL, 0, NULL), SNN_E_RANGE);
  ck_assert(sz > 1000);
  unsigned char *buf = malloc(sz);
  ck_assert_snn_err(snn_network_export_nir_mem(&sz2, a, buf, sz - 1, NULL), SNN_E_RANGE);
  ck_assert_uint_eq(sz2, sz);
  ck_assert_snn_ok(snn_network_export_nir_mem(&sz2, a, buf, sz, NULL));
  ck_assert_uint_eq(sz2, sz);
  ck_assert(buf[0] == 0x89 && buf[1] == 'H' && buf[2] == 'D' && buf[3] == 'F'); /* HDF5 signature */
  snn_nir_options o = opts_dt(1e-3, 0);
  snn_network *b = NULL;
  ck_assert_snn_ok(snn_network_import_nir_mem(&b, buf, sz, &o));
  assert_same_net(a, b, 1e-12);
  assert_same_outputs(a, b, 10, 3);
  /* no file was created under the in-memory file's name */
  DIR *dir = opendir(".");
  ck_assert_ptr_nonnull(dir);
  for (struct dirent *de; (de = readdir(dir)) != NULL;)
    ck_assert_msg(strncmp(de->d_name, "snn-nir-export", 14) != 0, "file %s created", de->d_name);
  closedir(dir);
  snn_network_free(b);
  int done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_test_oom_install(n);
    int rc = snn_network_export_nir_mem(&sz2, a, buf, sz, NULL);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (rc == SNN_OK) done = 1;
    else ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
    ck_assert_msg(live == 0, "fail at %ld: %ld blocks leaked", n, live);
    if (snn_test_quick() && n > 40) n += 5;
  }
  ck_assert(done);
  free(buf);
  snn_network_free(a);
}
END_TEST

START_TEST(test_feature_bit) { ck_assert(snn_features() & SNN_FEATURE_NIR); }
END_TEST

Suite *suite_nir(void) {
  Suite *s = suite_create("nir");
  TCase *tc = tcase_create("import");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_feature_bit);
  tcase_add_test(tc, test_fixture_layers);
  tcase_add_test(tc, test_subgraph_equals_flat);
  tcase_add_test(tc, test_finetune_braille);
  tcase_add_test(tc, test_lif_experiment);
  tcase_add_test(tc, test_options);
  tcase_add_test(tc, test_describe);
  tcase_add_loop_test(tc, test_run_sequence_vs_predict, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("export");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_round_trip_fixtures, 0, (int)(2 * N_FIXTURES));
  tcase_add_test(tc, test_export_layout);
  tcase_add_test(tc, test_export_trained);
  tcase_add_test(tc, test_export_conv);
  tcase_add_test(tc, test_export_mem);
  suite_add_tcase(s, tc);
  tc = tcase_create("nodes");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_scale);
  tcase_add_test(tc, test_composed_connections);
  tcase_add_loop_test(tc, test_conv_general, 0, 7);
  tcase_add_test(tc, test_conv_bad);
  tcase_add_test(tc, test_conv_scale);
  tcase_add_test(tc, test_integrator_threshold);
  tcase_add_loop_test(tc, test_hetero, 0, 14);
  tcase_add_test(tc, test_hetero_model_file);
  suite_add_tcase(s, tc);
  tc = tcase_create("robustness");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_bad_graphs);
  tcase_add_test(tc, test_bad_files);
  tcase_add_test(tc, test_hostile_files);
  tcase_add_test(tc, test_many_edges);
  tcase_add_test(tc, test_describe_long_names);
  tcase_add_test(tc, test_synthesized_layer_limit);
  tcase_add_test(tc, test_oom_import_export);
  suite_add_tcase(s, tc);
  return s;
}

#else /* built without HDF5: the calls refuse and say how to enable them */

START_TEST(test_no_hdf5) {
  ck_assert(!(snn_features() & SNN_FEATURE_NIR));
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  o.dt = 1e-3;
  snn_network *net = NULL;
  ck_assert_snn_err(snn_network_import_nir(&net, "x.nir", &o), SNN_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "libhdf5-dev"));
  char b[4] = {0};
  ck_assert_snn_err(snn_network_import_nir_mem(&net, b, 4, &o), SNN_E_UNSUPPORTED);
  size_t len;
  ck_assert_snn_err(snn_nir_describe(&len, NULL, 0, "x.nir"), SNN_E_UNSUPPORTED);
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 2));
  snn_neuron_model *m = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "if"));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 2, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_err(snn_network_export_nir(net, "x.nir", NULL), SNN_E_UNSUPPORTED);
  size_t sz = 1;
  ck_assert_snn_err(snn_network_export_nir_mem(&sz, net, NULL, 0, NULL), SNN_E_UNSUPPORTED);
  ck_assert_uint_eq(sz, 0);
  float x[2] = {1, 1}, out[2];
  ck_assert_snn_ok(snn_network_run_sequence(out, NULL, net, x, 1, 2)); /* no HDF5 needed */
  snn_network_free(net);
  snn_neuron_model_free(m);
}
END_TEST

Suite *suite_nir(void) {
  Suite *s = suite_create("nir");
  TCase *tc = tcase_create("no_hdf5");
  tcase_add_test(tc, test_no_hdf5);
  suite_add_tcase(s, tc);
  return s;
}
#endif

/* NIR Delay nodes (docs/nir.md, "Delay"): a Delay in front of a connection
 * becomes the layer's per-input delay in whole steps. Checked against the
 * undelayed network fed a shifted input (computed here), through
 * snn_network_run_sequence and snn_network_predict (engine), after
 * export -> import and through model files (DLAY section, hardened like the
 * rest: truncation, corruption behind a repaired CRC, OOM). Bad delays
 * (non-integer at the import dt, negative, NaN, huge, misplaced) are refused.
 * Also padded SumPool2d/AvgPool2d (zero padding, avg divisor kernel^2)
 * against a direct pooling computed here.
 * Graphs are built in memory (src/nir/nir_graph.h); the parts that go
 * through HDF5 files run only when the library has HDF5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

#include "../src/net/network.h"
#include "../src/nir/nir_graph.h"

#define DT 1e-3 /* seconds per step */

/* ---- graph building ---------------------------------------------------------- */
static snn__nir_node *addn(snn__nir_graph *g, const char *name, const char *type) {
  snn__nir_node *n = snn__nir_add_node(g, name, type);
  ck_assert_ptr_nonnull(n);
  return n;
}
static void arr(snn__nir_node *n, const char *name, int rank, const size_t *d, const double *v) {
  ck_assert_snn_ok(snn__nir_add_array(n, name, SNN__NIR_F64, rank, d, v, NULL));
}
static void io_node(snn__nir_graph *g, const char *name, const char *type, size_t rank,
                    const size_t *dims) {
  double v[3];
  for (size_t i = 0; i < rank; i++) v[i] = (double)dims[i];
  ck_assert_snn_ok(snn__nir_add_array(addn(g, name, type), "shape", SNN__NIR_I64, 1, &rank, v, NULL));
}
static double wval(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return 0.5 + 3.0 * (double)(*s >> 40) / (double)(1ull << 24); /* [0.5, 3.5) */
}
static void affine(snn__nir_graph *g, const char *name, size_t no, size_t ni, uint64_t seed) {
  double *w = malloc(no * ni * sizeof *w), *b = malloc(no * sizeof *b);
  for (size_t i = 0; i < no * ni; i++) w[i] = wval(&seed) - (i % 3 == 0 ? 2.0 : 0.0);
  for (size_t i = 0; i < no; i++) b[i] = 0.125 * (double)i - 0.25;
  snn__nir_node *n = addn(g, name, "Affine");
  size_t d[2] = {no, ni};
  arr(n, "weight", 2, d, w);
  arr(n, "bias", 1, d, b);
  free(w);
  free(b);
}
static void lif(snn__nir_graph *g, const char *name) {
  size_t d = 1;
  double tau = 2e-3, one = 1.0, zero = 0.0;
  snn__nir_node *n = addn(g, name, "LIF");
  arr(n, "tau", 1, &d, &tau);
  arr(n, "r", 1, &d, &one);
  arr(n, "v_leak", 1, &d, &zero);
  arr(n, "v_threshold", 1, &d, &one);
}
static void delay(snn__nir_graph *g, const char *name, size_t n, const double *sec) {
  arr(addn(g, name, "Delay"), "delay", 1, &n, sec);
}
static void chain(snn__nir_graph *g, const char *const *names, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) ck_assert_snn_ok(snn__nir_add_edge(g, names[i], names[i + 1]));
}
static snn_network *to_net(const snn__nir_graph *g, double dt) {
  snn_network *net = NULL;
  ck_assert_snn_ok(snn__nir_to_network(&net, g, dt, 0, 0, "test"));
  return net;
}
static int to_net_err(const snn__nir_graph *g, double dt, const char *needle) {
  snn_network *net = (snn_network *)&net;
  int rc = snn__nir_to_network(&net, g, dt, 0, 0, "test");
  ck_assert_int_ne(rc, SNN_OK);
  ck_assert_ptr_null(net);
  ck_assert_msg(strstr(snn_last_error(), needle) != NULL, "message '%s' lacks '%s'",
                snn_last_error(), needle);
  return rc;
}

#define NI 6
#define NH 5
#define NO 3
static const int32_t D0[NI] = {0, 2, 5, 1, 0, 3}; /* steps, input layer */
static const int32_t D1[NH] = {1, 0, 4, 2, 7};    /* steps, hidden layer */

static void secs(double *out, const int32_t *d, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (double)d[i] * DT;
}

/* Input(NI) [-> d0] -> fc0 -> lif0 [-> d1 -> fc1 -> lif1] -> Output */
static snn__nir_graph dense_graph(const int32_t *d0, const int32_t *d1, int two) {
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  size_t ni = NI, no = two ? NO : NH;
  io_node(&g, "input", "Input", 1, &ni);
  const char *names[8];
  size_t k = 0;
  names[k++] = "input";
  double s[NI];
  if (d0) {
    secs(s, d0, NI);
    delay(&g, "d0", NI, s);
    names[k++] = "d0";
  }
  affine(&g, "fc0", NH, NI, 7);
  lif(&g, "lif0");
  names[k++] = "fc0";
  names[k++] = "lif0";
  if (two) {
    if (d1) {
      secs(s, d1, NH);
      delay(&g, "d1", NH, s);
      names[k++] = "d1";
    }
    affine(&g, "fc1", NO, NH, 99);
    lif(&g, "lif1");
    names[k++] = "fc1";
    names[k++] = "lif1";
  }
  io_node(&g, "output", "Output", 1, &no);
  names[k++] = "output";
  chain(&g, names, k);
  return g;
}
static snn_network *dense_net(const int32_t *d0, const int32_t *d1, int two) {
  snn__nir_graph g = dense_graph(d0, d1, two);
  snn_network *net = to_net(&g, DT);
  snn__nir_graph_free(&g);
  return net;
}

/* ---- references ----------------------------------------------------------------- */
static float *rand_spikes(size_t n, uint64_t seed) {
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (seed >> 40) % 4 == 0 ? 1.0f : 0.0f;
  }
  return x;
}
/* y[t][k] = x[t - d_k][k], 0 before step d_k */
static float *shifted(const float *x, size_t T, size_t n, const int32_t *d) {
  float *y = calloc(T * n, sizeof *y);
  for (size_t t = 0; t < T; t++)
    for (size_t k = 0; k < n; k++)
      if (t >= (size_t)d[k]) y[t * n + k] = x[(t - (size_t)d[k]) * n + k];
  return y;
}
static void run(float *out, float *mem, snn_network *net, const float *x, size_t T) {
  ck_assert_snn_ok(snn_network_run_sequence(out, mem, net, x, T, snn_network_n_inputs(net)));
}
static double total(const float *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  return s;
}

/* the layer's delays are exactly d */
static void check_delays(snn_network *net, size_t li, const int32_t *d, size_t n) {
  snn_layer *l = snn_network_layer(net, li);
  ck_assert_uint_eq(l->n_in, n);
  if (!d) {
    ck_assert_ptr_null(l->delay);
    return;
  }
  ck_assert_ptr_nonnull(l->delay);
  ck_assert_msg(memcmp(l->delay, d, n * sizeof *d) == 0, "delays of layer %zu differ", li);
}

/* two networks: same delays, bitwise the same weights and outputs */
static void same_net(snn_network *a, snn_network *b) {
  ck_assert_uint_eq(snn_network_n_layers(a), snn_network_n_layers(b));
  for (size_t i = 0; i < snn_network_n_layers(a); i++) {
    snn_layer *la = snn_network_layer(a, i), *lb = snn_network_layer(b, i);
    ck_assert_uint_eq(la->n_in, lb->n_in);
    ck_assert_int_eq(la->max_delay, lb->max_delay);
    ck_assert((la->delay == NULL) == (lb->delay == NULL));
    if (la->delay) ck_assert(memcmp(la->delay, lb->delay, la->n_in * sizeof(int32_t)) == 0);
    ck_assert_uint_eq(la->n_w, lb->n_w);
    if (la->w) ck_assert(memcmp(la->w, lb->w, la->n_w * sizeof(float)) == 0);
  }
  size_t T = 40, ni = snn_network_n_inputs(a), no = snn_network_n_outputs(a);
  float *x = rand_spikes(T * ni, 5);
  float *oa = malloc(T * no * sizeof *oa), *ob = malloc(T * no * sizeof *ob);
  float *va = malloc(T * no * sizeof *va), *vb = malloc(T * no * sizeof *vb);
  run(oa, va, a, x, T);
  run(ob, vb, b, x, T);
  ck_assert(memcmp(oa, ob, T * no * sizeof *oa) == 0);
  ck_assert(memcmp(va, vb, T * no * sizeof *va) == 0);
  free(x);
  free(oa);
  free(ob);
  free(va);
  free(vb);
}

/* ---- tests ---------------------------------------------------------------------- */

/* A Delay before the first connection: the output equals the undelayed
 * network's on the input shifted by d_k steps per input, bit for bit. */
START_TEST(test_shift_input) {
  snn_network *a = dense_net(D0, NULL, 0), *b = dense_net(NULL, NULL, 0);
  check_delays(a, 0, D0, NI);
  check_delays(b, 0, NULL, NI);
  ck_assert_int_eq(snn_network_layer(a, 0)->max_delay, 5);
  size_t T = 50;
  float *x = rand_spikes(T * NI, 1), *y = shifted(x, T, NI, D0);
  float *oa = malloc(T * NH * sizeof *oa), *ob = malloc(T * NH * sizeof *ob);
  float *va = malloc(T * NH * sizeof *va), *vb = malloc(T * NH * sizeof *vb);
  run(oa, va, a, x, T);
  run(ob, vb, b, y, T);
  ck_assert(memcmp(oa, ob, T * NH * sizeof *oa) == 0);
  ck_assert(memcmp(va, vb, T * NH * sizeof *va) == 0);
  ck_assert(total(oa, T * NH) > 10); /* not vacuous */
  /* and the delays matter: the unshifted input gives another trace */
  run(ob, vb, b, x, T);
  ck_assert(memcmp(va, vb, T * NH * sizeof *va) != 0);
  /* a sequence shorter than the longest delay: input 2 (delay 5) never arrives */
  run(oa, va, a, x, 3);
  float *y3 = shifted(x, 3, NI, D0);
  run(ob, vb, b, y3, 3);
  ck_assert(memcmp(va, vb, 3 * NH * sizeof *va) == 0);
  free(y3);
  free(x);
  free(y);
  free(oa);
  free(ob);
  free(va);
  free(vb);
  snn_network_free(a);
  snn_network_free(b);
}
END_TEST

/* A Delay between two layers: the second layer sees the first layer's
 * spikes shifted, computed here from two separate one-layer networks. */
START_TEST(test_shift_hidden) {
  snn_network *a = dense_net(NULL, D1, 1);
  check_delays(a, 0, NULL, NI);
  check_delays(a, 1, D1, NH);
  /* reference: layer 0 alone, then layer 1 alone on the shifted spikes */
  snn_network *l0 = dense_net(NULL, NULL, 0);
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  size_t nh = NH, no = NO;
  io_node(&g, "input", "Input", 1, &nh);
  affine(&g, "fc1", NO, NH, 99);
  lif(&g, "lif1");
  io_node(&g, "output", "Output", 1, &no);
  const char *nm[] = {"input", "fc1", "lif1", "output"};
  chain(&g, nm, 4);
  snn_network *l1 = to_net(&g, DT);
  snn__nir_graph_free(&g);
  size_t T = 60;
  float *x = rand_spikes(T * NI, 2), *h = malloc(T * NH * sizeof *h);
  run(h, NULL, l0, x, T);
  ck_assert(total(h, T * NH) > 10);
  float *hs = shifted(h, T, NH, D1);
  float *oa = malloc(T * NO * sizeof *oa), *ob = malloc(T * NO * sizeof *ob);
  float *va = malloc(T * NO * sizeof *va), *vb = malloc(T * NO * sizeof *vb);
  run(oa, va, a, x, T);
  run(ob, vb, l1, hs, T);
  ck_assert(memcmp(oa, ob, T * NO * sizeof *oa) == 0);
  ck_assert(memcmp(va, vb, T * NO * sizeof *va) == 0);
  ck_assert(total(oa, T * NO) > 0);
  free(x);
  free(h);
  free(hs);
  free(oa);
  free(ob);
  free(va);
  free(vb);
  snn_network_free(a);
  snn_network_free(l0);
  snn_network_free(l1);
}
END_TEST

/* snn_network_set_input_delays(): delays set on layers already in a network
 * (after the network ran, so its cached workspace must be rebuilt) give the
 * outputs of the network built with them; a BPTT learner created before the
 * change follows it (its gradient equals a new learner's on the built
 * network); an STDP learner refuses to run while its first layer has delays;
 * removing them restores the undelayed outputs; bad calls change nothing. */
START_TEST(test_set_in_network) {
  snn_network *a = dense_net(NULL, NULL, 1), *ref = dense_net(D0, D1, 1);
  const size_t T = 30, B = 3;
  ck_assert_snn_ok(snn_network_set(a, "steps", (double)T));
  ck_assert_snn_ok(snn_network_set(ref, "steps", (double)T));
  float *x = rand_spikes(B * NI, 11), sa[B * NO], sr[B * NO], s0[B * NO];
  for (size_t i = 0; i < B * NI; i++) x[i] = i % 4 ? 1.0f : 0.0f;
  ck_assert_snn_ok(snn_network_predict(a, NULL, s0, x, B, NI)); /* caches the workspace */
  int32_t lab[3] = {0, 2, 1};
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, a, NULL));
  size_t np = snn_learner_n_params(L);
  float *g0 = malloc(np * sizeof *g0), *g1 = malloc(np * sizeof *g1), *gr = malloc(np * sizeof *gr);
  double l0, l1, lr;
  ck_assert_snn_ok(snn_learner_gradient(L, g0, np, &l0, x, lab, B, NI));
  /* bad calls: nothing changes */
  int32_t bad[NI] = {0, 1, -1, 0, 0, 0};
  ck_assert_snn_err(snn_network_set_input_delays(NULL, 0, D0, NI), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set_input_delays(a, 2, D0, NI), SNN_E_RANGE);
  ck_assert_snn_err(snn_network_set_input_delays(a, 0, D0, NI - 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set_input_delays(a, 0, NULL, NI), SNN_E_INVALID);
  ck_assert_snn_err(snn_network_set_input_delays(a, 0, bad, NI), SNN_E_INVALID);
  ck_assert_ptr_null(snn_network_layer(a, 0)->delay);
  ck_assert_snn_ok(snn_network_predict(a, NULL, sa, x, B, NI));
  ck_assert(memcmp(sa, s0, sizeof sa) == 0);
  /* set both layers' delays: the outputs and the gradient of the built network */
  ck_assert_snn_ok(snn_network_set_input_delays(a, 0, D0, NI));
  ck_assert_snn_ok(snn_network_set_input_delays(a, 1, D1, NH));
  check_delays(a, 0, D0, NI);
  check_delays(a, 1, D1, NH);
  ck_assert_snn_ok(snn_network_predict(a, NULL, sa, x, B, NI));
  ck_assert_snn_ok(snn_network_predict(ref, NULL, sr, x, B, NI));
  ck_assert(memcmp(sa, sr, sizeof sa) == 0);
  ck_assert(memcmp(sa, s0, sizeof sa) != 0); /* the delays show */
  float out_a[30 * NO], out_r[30 * NO], *seq = rand_spikes(T * NI, 5);
  run(out_a, NULL, a, seq, T);
  run(out_r, NULL, ref, seq, T);
  ck_assert(memcmp(out_a, out_r, sizeof out_a) == 0);
  ck_assert_snn_ok(snn_learner_gradient(L, g1, np, &l1, x, lab, B, NI));
  snn_learner *R = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&R, ref, NULL));
  ck_assert_snn_ok(snn_learner_gradient(R, gr, np, &lr, x, lab, B, NI));
  snn_learner_free(R);
  ck_assert(l1 == lr && memcmp(g1, gr, np * sizeof *g1) == 0);
  ck_assert(memcmp(g1, g0, np * sizeof *g1) != 0);
  /* STDP refuses to run on a first layer that has delays */
  snn_network *st = dense_net(NULL, NULL, 0);
  snn_learner *S = NULL;
  ck_assert_snn_ok(snn_learner_create_stdp(&S, st, NULL));
  float img[NI] = {0.5f, 0, 1, 0.2f, 0, 0.7f};
  ck_assert_snn_ok(snn_learner_stdp_present(NULL, S, 0, img, NI, -1, 1));
  ck_assert_snn_ok(snn_network_set_input_delays(st, 0, D0, NI));
  ck_assert_snn_err(snn_learner_stdp_present(NULL, S, 0, img, NI, -1, 1), SNN_E_STATE);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "input delays"));
  ck_assert_snn_ok(snn_network_set_input_delays(st, 0, NULL, 0));
  ck_assert_snn_ok(snn_learner_stdp_present(NULL, S, 0, img, NI, -1, 1));
  snn_learner_free(S);
  snn_network_free(st);
  /* removed: the undelayed outputs again */
  ck_assert_snn_ok(snn_network_set_input_delays(a, 0, NULL, 0));
  ck_assert_snn_ok(snn_network_set_input_delays(a, 1, NULL, 0));
  ck_assert_ptr_null(snn_network_layer(a, 0)->delay);
  ck_assert_snn_ok(snn_network_predict(a, NULL, sa, x, B, NI));
  ck_assert(memcmp(sa, s0, sizeof sa) == 0);
  snn_learner_free(L);
  free(g0);
  free(g1);
  free(gr);
  free(x);
  free(seq);
  snn_network_free(a);
  snn_network_free(ref);
}
END_TEST

/* snn_network_predict (the batched engine) honours the delays: per sample
 * spike counts equal run_sequence's on the repeated input, for delays on the
 * first layer (constant source) and on a hidden layer (time-varying source). */
START_TEST(test_predict) {
  snn_network *a = _i == 0 ? dense_net(D0, NULL, 1) : dense_net(D0, D1, 1);
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_clone(&c, a)); /* a copy keeps the delays */
  check_delays(c, 0, D0, NI);
  size_t T = 30, B = 3;
  ck_assert_snn_ok(snn_network_set(a, "steps", (double)T));
  float *x1 = rand_spikes(B * NI, 3 + (uint64_t)_i), *sc = malloc(B * NO * sizeof *sc);
  for (size_t i = 0; i < B * NI; i++) x1[i] = 1.0f; /* every input on: the delays show */
  x1[1] = x1[NI + 4] = x1[2 * NI + 2] = 0.0f;
  ck_assert_snn_ok(snn_network_predict(a, NULL, sc, x1, B, NI));
  float *x = malloc(T * NI * sizeof *x), *out = malloc(T * NO * sizeof *out);
  double tot = 0;
  for (size_t s = 0; s < B; s++) {
    for (size_t t = 0; t < T; t++) memcpy(x + t * NI, x1 + s * NI, NI * sizeof *x);
    run(out, NULL, a, x, T);
    for (size_t j = 0; j < NO; j++) {
      float cnt = 0;
      for (size_t t = 0; t < T; t++) cnt += out[t * NO + j];
      ck_assert_msg(cnt == sc[s * NO + j], "sample %zu output %zu: run_sequence %g, predict %g",
                    s, j, cnt, sc[s * NO + j]);
      tot += cnt;
    }
  }
  ck_assert(tot > 0);
  /* the undelayed network counts differently (the check can fail) */
  snn_network *b = dense_net(NULL, NULL, 1);
  ck_assert_snn_ok(snn_network_set(b, "steps", (double)T));
  float *sb = malloc(B * NO * sizeof *sb);
  ck_assert_snn_ok(snn_network_predict(b, NULL, sb, x1, B, NI));
  ck_assert(memcmp(sb, sc, B * NO * sizeof *sb) != 0);
  /* BPTT trains through the delays (gradients checked in test_bptt.c); the
   * learner leaves the delays in place */
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, a, NULL));
  size_t np = snn_learner_n_params(L);
  float *g = malloc(np * sizeof *g);
  int32_t lab[3] = {0, 1, 2};
  double loss = -1;
  ck_assert_snn_ok(snn_learner_gradient(L, g, np, &loss, x1, lab, B, NI));
  ck_assert(loss > 0 && isfinite(loss));
  double gs = 0;
  for (size_t i = 0; i < np; i++) gs += fabs(g[i]);
  ck_assert(gs > 0 && isfinite(gs));
  free(g);
  snn_learner_free(L);
  same_net(a, c);
  free(x1);
  free(sc);
  free(sb);
  free(x);
  free(out);
  snn_network_free(a);
  snn_network_free(b);
  snn_network_free(c);
}
END_TEST

/* all-zero delays are no delays; one value is broadcast; chained Delays add;
 * float32-stored delays within the tolerance import */
START_TEST(test_zero_broadcast_chain) {
  static const int32_t Z[NI] = {0, 0, 0, 0, 0, 0};
  snn_network *a = dense_net(Z, NULL, 0), *b = dense_net(NULL, NULL, 0);
  check_delays(a, 0, NULL, NI);
  same_net(a, b);
  snn_network_free(a);
  /* broadcast */
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  size_t ni = NI, nh = NH;
  io_node(&g, "input", "Input", 1, &ni);
  double three = 3 * DT;
  delay(&g, "d", 1, &three);
  affine(&g, "fc0", NH, NI, 7);
  lif(&g, "lif0");
  io_node(&g, "output", "Output", 1, &nh);
  const char *nm[] = {"input", "d", "fc0", "lif0", "output"};
  chain(&g, nm, 5);
  a = to_net(&g, DT);
  snn__nir_graph_free(&g);
  static const int32_t D3[NI] = {3, 3, 3, 3, 3, 3};
  check_delays(a, 0, D3, NI);
  snn_network_free(a);
  /* chain: D0 then D1-like second delay, float32-rounded seconds */
  memset(&g, 0, sizeof g);
  io_node(&g, "input", "Input", 1, &ni);
  double s0[NI], s1[NI];
  static const int32_t E[NI] = {4, 0, 1, 2, 9, 3};
  secs(s0, D0, NI);
  for (size_t i = 0; i < NI; i++) s1[i] = (double)(float)((double)E[i] * DT);
  delay(&g, "da", NI, s0);
  ck_assert_snn_ok(snn__nir_add_array(addn(&g, "db", "Delay"), "delay", SNN__NIR_F32, 1, &ni,
                                      s1, NULL));
  affine(&g, "fc0", NH, NI, 7);
  lif(&g, "lif0");
  io_node(&g, "output", "Output", 1, &nh);
  const char *nm2[] = {"input", "da", "db", "fc0", "lif0", "output"};
  chain(&g, nm2, 6);
  a = to_net(&g, DT);
  snn__nir_graph_free(&g);
  int32_t sum[NI];
  for (size_t i = 0; i < NI; i++) sum[i] = D0[i] + E[i];
  check_delays(a, 0, sum, NI);
  snn_network_free(a);
  /* a Delay before a neuron node (identity layer) */
  memset(&g, 0, sizeof g);
  io_node(&g, "input", "Input", 1, &ni);
  delay(&g, "d", 1, &three);
  lif(&g, "lif0");
  io_node(&g, "output", "Output", 1, &ni);
  const char *nm3[] = {"input", "d", "lif0", "output"};
  chain(&g, nm3, 4);
  a = to_net(&g, DT);
  snn__nir_graph_free(&g);
  check_delays(a, 0, D3, NI);
  snn_network_free(a);
  snn_network_free(b);
}
END_TEST

/* a Delay on a conv layer's c x h x w input: run_sequence against the shifted
 * reference and predict against run_sequence */
START_TEST(test_conv) {
  snn__nir_graph g[2];
  size_t C = 2, H = 4, W = 4, n = C * H * W;
  int32_t *d = malloc(n * sizeof *d);
  double *s = malloc(n * sizeof *s);
  for (size_t i = 0; i < n; i++) d[i] = (int32_t)((i * 7) % 5);
  secs(s, d, n);
  for (int k = 0; k < 2; k++) {
    memset(&g[k], 0, sizeof g[k]);
    size_t sh[3] = {C, H, W}, osh[3] = {3, 3, 3};
    io_node(&g[k], "input", "Input", 3, sh);
    if (k == 0) arr(addn(&g[k], "d", "Delay"), "delay", 3, sh, s);
    snn__nir_node *cv = addn(&g[k], "conv", "Conv2d");
    size_t wd[4] = {3, C, 2, 2}, bd = 3;
    double w[3 * 2 * 2 * 2], b[3] = {0.1, -0.2, 0.3};
    uint64_t seed = 11;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) w[i] = wval(&seed) - 1.0;
    arr(cv, "weight", 4, wd, w);
    arr(cv, "bias", 1, &bd, b);
    lif(&g[k], "lif");
    io_node(&g[k], "output", "Output", 3, osh);
    const char *nm[] = {"input", "d", "conv", "lif", "output"};
    if (k == 0) {
      chain(&g[k], nm, 5);
    } else {
      const char *nm2[] = {"input", "conv", "lif", "output"};
      chain(&g[k], nm2, 4);
    }
  }
  snn_network *a = to_net(&g[0], DT), *b = to_net(&g[1], DT);
  check_delays(a, 0, d, n);
  size_t T = 25, no = snn_network_n_outputs(a);
  float *x = rand_spikes(T * n, 8), *y = shifted(x, T, n, d);
  float *oa = malloc(T * no * sizeof *oa), *ob = malloc(T * no * sizeof *ob);
  run(oa, NULL, a, x, T);
  run(ob, NULL, b, y, T);
  ck_assert(memcmp(oa, ob, T * no * sizeof *oa) == 0);
  ck_assert(total(oa, T * no) > 0);
  /* engine */
  ck_assert_snn_ok(snn_network_set(a, "steps", (double)T));
  float *sc = malloc(no * sizeof *sc);
  for (size_t t = 1; t < T; t++) memcpy(x + t * n, x, n * sizeof *x);
  ck_assert_snn_ok(snn_network_predict(a, NULL, sc, x, 1, n));
  run(oa, NULL, a, x, T);
  for (size_t j = 0; j < no; j++) {
    float c = 0;
    for (size_t t = 0; t < T; t++) c += oa[t * no + j];
    ck_assert_msg(c == sc[j], "output %zu: run_sequence %g, predict %g", j, c, sc[j]);
  }
#ifdef SNN_HAVE_HDF5
  /* round trip through a NIR file: Delay written with the input's shape */
  const char *p = "conv_delay.nir";
  char path[512];
  snprintf(path, sizeof path, "%s/%s", snn_test_tmpdir(), p);
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  ck_assert_snn_ok(snn_network_export_nir(a, path, &o));
  o.dt = DT;
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_import_nir(&c, path, &o));
  same_net(a, c);
  snn_network_free(c);
  unlink(path);
#endif
  snn__nir_graph_free(&g[0]);
  snn__nir_graph_free(&g[1]);
  free(d);
  free(s);
  free(x);
  free(y);
  free(oa);
  free(ob);
  free(sc);
  snn_network_free(a);
  snn_network_free(b);
}
END_TEST

/* bad delays and misplaced Delay nodes are refused, naming the node */
START_TEST(test_bad) {
  double s[NI];
  secs(s, D0, NI);
  /* not a whole number of steps at dt; the message says which dt would do */
  snn__nir_graph g = dense_graph(D0, NULL, 0);
  ck_assert_int_eq(to_net_err(&g, 2 * DT, "'d0' (Delay)"), SNN_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "dt = 0.001 "));
  snn_network *ok = to_net(&g, DT / 4); /* a dt that divides every delay */
  int32_t d4[NI];
  for (size_t i = 0; i < NI; i++) d4[i] = 4 * D0[i];
  check_delays(ok, 0, d4, NI);
  snn_network_free(ok);
  /* negative, NaN, Inf, huge, wrong length */
  snn__nir_field *f = NULL;
  for (size_t i = 0; i < g.n_nodes; i++)
    if (strcmp(g.nodes[i].name, "d0") == 0) f = &g.nodes[i].f[0];
  ck_assert_ptr_nonnull(f);
  f->v[2] = -DT;
  ck_assert_int_eq(to_net_err(&g, DT, "delay[2]"), SNN_E_FORMAT);
  f->v[2] = NAN;
  ck_assert_int_eq(to_net_err(&g, DT, "delay[2]"), SNN_E_FORMAT);
  f->v[2] = INFINITY;
  ck_assert_int_eq(to_net_err(&g, DT, "delay[2]"), SNN_E_FORMAT);
  f->v[2] = 1e4; /* 1e7 steps */
  ck_assert_int_eq(to_net_err(&g, DT, "at most 1000000"), SNN_E_UNSUPPORTED);
  f->v[2] = 1e300;
  ck_assert_int_eq(to_net_err(&g, DT, "at most 1000000"), SNN_E_UNSUPPORTED);
  f->v[2] = 2.5 * DT;
  ck_assert_int_eq(to_net_err(&g, DT, "not a whole number"), SNN_E_UNSUPPORTED);
  f->v[2] = 5 * DT * (1 + 1e-4); /* outside the 1e-6 tolerance */
  ck_assert_int_eq(to_net_err(&g, DT, "not a whole number"), SNN_E_UNSUPPORTED);
  f->v[2] = 5 * DT;
  f->n = 4;
  f->dims[0] = 4;
  ck_assert_int_eq(to_net_err(&g, DT, "must hold 1 or 6"), SNN_E_FORMAT);
  snn__nir_graph_free(&g);

  /* Delay after the last neurons (feeding the Output) */
  memset(&g, 0, sizeof g);
  size_t ni = NI, nh = NH;
  io_node(&g, "input", "Input", 1, &ni);
  affine(&g, "fc0", NH, NI, 7);
  lif(&g, "lif0");
  delay(&g, "dl", NH, s);
  io_node(&g, "output", "Output", 1, &nh);
  const char *n1[] = {"input", "fc0", "lif0", "dl", "output"};
  chain(&g, n1, 5);
  ck_assert_int_eq(to_net_err(&g, DT, "'dl' (Delay) feeds 'output' (Output)"), SNN_E_UNSUPPORTED);
  snn__nir_graph_free(&g);
  /* Delay between a connection and its neurons */
  memset(&g, 0, sizeof g);
  io_node(&g, "input", "Input", 1, &ni);
  affine(&g, "fc0", NH, NI, 7);
  delay(&g, "dc", NH, s);
  lif(&g, "lif0");
  io_node(&g, "output", "Output", 1, &nh);
  const char *n2[] = {"input", "fc0", "dc", "lif0", "output"};
  chain(&g, n2, 5);
  ck_assert_int_eq(to_net_err(&g, DT, "'dc' (Delay)"), SNN_E_UNSUPPORTED);
  snn__nir_graph_free(&g);
  /* Delay in a recurrent loop */
  memset(&g, 0, sizeof g);
  io_node(&g, "input", "Input", 1, &ni);
  affine(&g, "fc0", NH, NI, 7);
  lif(&g, "lif0");
  delay(&g, "dr", NH, s);
  affine(&g, "rec", NH, NH, 3);
  io_node(&g, "output", "Output", 1, &nh);
  const char *n3[] = {"input", "fc0", "lif0", "output"};
  chain(&g, n3, 4);
  ck_assert_snn_ok(snn__nir_add_edge(&g, "lif0", "dr"));
  ck_assert_snn_ok(snn__nir_add_edge(&g, "dr", "rec"));
  ck_assert_snn_ok(snn__nir_add_edge(&g, "rec", "lif0"));
  ck_assert_int_eq(to_net_err(&g, DT, "'dr' (Delay) is in the recurrent loop"), SNN_E_UNSUPPORTED);
  snn__nir_graph_free(&g);
  /* a Delay without its field */
  memset(&g, 0, sizeof g);
  io_node(&g, "input", "Input", 1, &ni);
  addn(&g, "dn", "Delay");
  affine(&g, "fc0", NH, NI, 7);
  lif(&g, "lif0");
  io_node(&g, "output", "Output", 1, &nh);
  const char *n4[] = {"input", "dn", "fc0", "lif0", "output"};
  chain(&g, n4, 5);
  ck_assert_int_eq(to_net_err(&g, DT, "'dn' (Delay)"), SNN_E_FORMAT);
  snn__nir_graph_free(&g);
}
END_TEST

/* import under an allocator failing at each allocation in turn */
START_TEST(test_oom_import) {
  snn__nir_graph g = dense_graph(D0, D1, 1);
  int done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_network *net = NULL;
    snn_test_oom_install(n);
    int rc = snn__nir_to_network(&net, &g, DT, 0, 0, "test");
    if (rc == SNN_OK) {
      /* and running it */
      float x[2 * NI] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1};
      float o[2 * NO];
      rc = snn_network_run_sequence(o, NULL, net, x, 2, NI);
      if (rc == SNN_OK) done = 1;
      snn_network_free(net);
    }
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (!done) ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
    ck_assert_msg(live == 0, "fail at %ld: %ld blocks leaked", n, live);
  }
  ck_assert(done);
  snn__nir_graph_free(&g);
}
END_TEST

/* ---- model files ----------------------------------------------------------------- */
static unsigned char *save(snn_network *net, size_t *n) {
  ck_assert_snn_err(snn_network_save_mem(n, net, NULL, 0), SNN_E_RANGE);
  unsigned char *b = malloc(*n);
  ck_assert_snn_ok(snn_network_save_mem(n, net, b, *n));
  return b;
}
static void put_u32(unsigned char *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

START_TEST(test_model_file) {
  snn_network *a = dense_net(D0, D1, 1), *b = dense_net(NULL, NULL, 1);
  size_t na, nb;
  unsigned char *fa = save(a, &na), *fb = save(b, &nb);
  /* no delays: no DLAY section (files as before) */
  ck_assert_uint_eq(snn_test_find_bytes(fb, nb, "DLAY"), (size_t)-1);
  size_t at = snn_test_find_bytes(fa, na, "DLAY");
  ck_assert(at != (size_t)-1);
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_load_mem(&c, fa, na));
  same_net(a, c);
  check_delays(c, 0, D0, NI);
  check_delays(c, 1, D1, NH);
  /* saved again: the same bytes */
  size_t nc;
  unsigned char *fc = save(c, &nc);
  ck_assert(nc == na && memcmp(fa, fc, na) == 0);
  free(fc);
  snn_network_free(c);
  /* the section is marked required: a reader that does not know it refuses
   * the file instead of running the network without its delays */
  unsigned char *m = malloc(na);
  memcpy(m, fa, na);
  m[at + 3] = 'X';
  snn_test_fix_crc_at(m, na, at);
  ck_assert_int_eq(snn_test_load_bad_net(m, na), SNN_E_VERSION);
  /* targeted corruptions of the first DLAY (layer 0): payload = u32 index,
   * u64 count, count x u32 */
  size_t pl = at + 16;
  struct {
    size_t off;
    uint32_t v;
    const char *needle;
  } bad[] = {{pl, 1, "out of order"},
             {pl + 4, 5, "5 delays"},
             {pl + 12 + 4, 0xFFFFFFFFu, "delay[1]"},
             {pl + 12 + 8, 1000001u, "outside"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    memcpy(m, fa, na);
    put_u32(m + bad[k].off, bad[k].v);
    snn_test_fix_crc_at(m, na, at);
    ck_assert_int_eq(snn_test_load_bad_net(m, na), SNN_E_FORMAT);
    ck_assert_msg(strstr(snn_last_error(), bad[k].needle) != NULL, "'%s' lacks '%s'",
                  snn_last_error(), bad[k].needle);
  }
  /* every payload byte of both DLAY sections flipped (CRC repaired): loads or
   * fails cleanly */
  size_t n_dlay = 0;
  for (size_t pos = 16; pos + 16 <= na;) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = (len << 8) | fa[pos + 8 + (size_t)i];
    if (memcmp(fa + pos, "DLAY", 4) == 0) {
      n_dlay++;
      for (size_t i = pos + 16; i < pos + 16 + len; i++)
        for (int k = 0; k < 2; k++) {
          memcpy(m, fa, na);
          m[i] ^= k ? 0x01 : 0xFF;
          snn_test_fix_crc_at(m, na, i);
          snn_test_load_bad_net(m, na);
        }
    }
    pos += 16 + (size_t)len + 4;
  }
  ck_assert_uint_eq(n_dlay, 2);
  /* truncation at every length */
  size_t step = snn_test_quick() ? 5 : 1;
  for (size_t n = 0; n < na; n += step) {
    unsigned char *t = malloc(n ? n : 1);
    memcpy(t, fa, n);
    ck_assert_int_eq(snn_test_load_bad_net(t, n), SNN_E_FORMAT);
    free(t);
  }
  /* OOM sweep: load and save */
  int done = 0;
  for (long n = 1; n < 100000 && !done; n++) {
    snn_network *d = NULL;
    snn_test_oom_install(n);
    int rc = snn_network_load_mem(&d, fa, na);
    if (rc == SNN_OK) {
      size_t nd = 0;
      rc = snn_network_save_mem(&nd, d, m, na);
      if (rc == SNN_OK) {
        snn_network *e = NULL;
        rc = snn_network_clone(&e, d);
        snn_network_free(e);
      }
      snn_network_free(d);
      done = rc == SNN_OK;
    }
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    if (!done) ck_assert_msg(rc == SNN_E_NOMEM, "fail at %ld: %d (%s)", n, rc, snn_last_error());
    ck_assert_msg(live == 0, "fail at %ld: %ld blocks leaked", n, live);
  }
  ck_assert(done);
  free(m);
  free(fa);
  free(fb);
  snn_network_free(a);
  snn_network_free(b);
}
END_TEST

/* ---- padded pools (NIR SumPool2d/AvgPool2d with padding) -------------------------- */
/* Input c x h x w -> pool(kind, k, s, p) -> I (r = 1, dt = 1: V = the pooled value) */
static snn__nir_graph pool_graph(const char *type, size_t C, size_t H, size_t W, size_t k,
                                 size_t s, size_t p) {
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  size_t sh[3] = {C, H, W}, two = 2, one = 1;
  io_node(&g, "input", "Input", 3, sh);
  snn__nir_node *n = addn(&g, "pool", type);
  double kk[2] = {(double)k, (double)k}, ss[2] = {(double)s, (double)s}, pp[2] = {(double)p, (double)p};
  ck_assert_snn_ok(snn__nir_add_array(n, "kernel_size", SNN__NIR_I64, 1, &two, kk, NULL));
  ck_assert_snn_ok(snn__nir_add_array(n, "stride", SNN__NIR_I64, 1, &two, ss, NULL));
  ck_assert_snn_ok(snn__nir_add_array(n, "padding", SNN__NIR_I64, 1, &two, pp, NULL));
  double r = 1.0;
  arr(addn(&g, "integ", "I"), "r", 1, &one, &r);
  size_t oh = (H + 2 * p - k) / s + 1, ow = (W + 2 * p - k) / s + 1, osh[3] = {C, oh, ow};
  io_node(&g, "output", "Output", 3, osh);
  const char *nm[] = {"input", "pool", "integ", "output"};
  chain(&g, nm, 4);
  return g;
}

START_TEST(test_padded_pool) {
  static const struct {
    const char *type;
    size_t C, H, W, k, s, p;
  } cs[] = {{"SumPool2d", 2, 5, 5, 3, 2, 1}, {"AvgPool2d", 2, 5, 5, 3, 2, 1},
            {"AvgPool2d", 1, 4, 6, 2, 1, 1}, {"SumPool2d", 3, 4, 4, 3, 1, 1},
            {"AvgPool2d", 1, 7, 5, 5, 3, 2}};
  const size_t c = (size_t)_i;
  size_t C = cs[c].C, H = cs[c].H, W = cs[c].W, k = cs[c].k, s = cs[c].s, p = cs[c].p;
  int avg = strcmp(cs[c].type, "AvgPool2d") == 0;
  snn__nir_graph g = pool_graph(cs[c].type, C, H, W, k, s, p);
  snn_network *a = to_net(&g, 1.0);
  snn_layer *l = snn_network_layer(a, 0);
  size_t oh = (H + 2 * p - k) / s + 1, ow = (W + 2 * p - k) / s + 1, n = C * H * W;
  size_t no = C * oh * ow;
  ck_assert_uint_eq(l->pad, p);
  ck_assert_uint_eq(snn_network_n_outputs(a), no);
  /* reference: zero padding, avg divided by k*k (padded cells count) */
  float *x = malloc(n * sizeof *x), *v = malloc(no * sizeof *v);
  uint64_t seed = 17 + c;
  for (size_t i = 0; i < n; i++) x[i] = (float)(wval(&seed) - 2.0);
  run(NULL, v, a, x, 1);
  for (size_t ch = 0; ch < C; ch++)
    for (size_t oy = 0; oy < oh; oy++)
      for (size_t ox = 0; ox < ow; ox++) {
        double acc = 0;
        for (size_t ky = 0; ky < k; ky++)
          for (size_t kx = 0; kx < k; kx++) {
            long yy = (long)(oy * s + ky) - (long)p, xx = (long)(ox * s + kx) - (long)p;
            if (yy < 0 || xx < 0 || yy >= (long)H || xx >= (long)W) continue;
            acc += x[(ch * H + (size_t)yy) * W + (size_t)xx];
          }
        if (avg) acc /= (double)(k * k);
        double got = v[(ch * oh + oy) * ow + ox];
        ck_assert_msg(fabs(got - acc) <= 1e-5 * (1 + fabs(acc)), "case %zu (%zu,%zu,%zu): %g vs %g",
                      c, ch, oy, ox, got, acc);
      }
  /* the engine: predict with the membrane readout over one step */
  ck_assert_snn_ok(snn_network_set(a, "steps", 1.0));
  float *sc = malloc(no * sizeof *sc);
  ck_assert_snn_ok(snn_network_predict(a, NULL, sc, x, 1, n));
  for (size_t j = 0; j < no; j++)
    ck_assert_msg(fabs(sc[j] - v[j]) <= 1e-5 * (1 + fabs(v[j])), "predict %zu: %g vs %g", j, sc[j],
                  v[j]);
  /* model file and NIR round trips */
  size_t nb;
  unsigned char *b = save(a, &nb);
  snn_network *d = NULL;
  ck_assert_snn_ok(snn_network_load_mem(&d, b, nb));
  same_net(a, d);
  ck_assert_uint_eq(snn_network_layer(d, 0)->pad, p);
  snn_network_free(d);
  /* corrupted padding (more than half the window): refused */
  size_t at = snn_test_find_bytes(b, nb, "LAYR");
  ck_assert(at != (size_t)-1);
  /* LAYR payload: u32 index, str kind ("pool2d": 2 + 6), 6 x u64 shape, kh, kw, stride, pad */
  size_t po = at + 16 + 4 + 8 + 6 * 8 + 3 * 8;
  ck_assert_uint_eq(b[po], p);
  b[po] = (unsigned char)(k / 2 + 1);
  snn_test_fix_crc_at(b, nb, po);
  ck_assert_int_eq(snn_test_load_bad_net(b, nb), SNN_E_FORMAT);
  free(b);
#ifdef SNN_HAVE_HDF5
  char path[512];
  snprintf(path, sizeof path, "%s/pool_pad.nir", snn_test_tmpdir());
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  ck_assert_snn_ok(snn_network_export_nir(a, path, &o));
  o.dt = 1.0;
  snn_network *e = NULL;
  ck_assert_snn_ok(snn_network_import_nir(&e, path, &o));
  same_net(a, e);
  snn_network_free(e);
  unlink(path);
#endif
  /* padding above half the window is refused at import */
  snn__nir_graph_free(&g);
  g = pool_graph(cs[c].type, C, H, W, k, s, k / 2 + 1);
  ck_assert_int_eq(to_net_err(&g, 1.0, "padding"), SNN_E_UNSUPPORTED);
  snn__nir_graph_free(&g);
  free(x);
  free(v);
  free(sc);
  snn_network_free(a);
}
END_TEST

/* BPTT trains through a padded pool (its gradient is checked against finite
 * differences in test_bptt.c): a learner is created and a gradient computed */
START_TEST(test_padded_pool_bptt) {
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  size_t sh[3] = {1, 4, 4}, two = 2, osh = 3;
  io_node(&g, "input", "Input", 3, sh);
  snn__nir_node *n = addn(&g, "pool", "SumPool2d");
  double kk[2] = {2, 2}, pp[2] = {1, 1};
  ck_assert_snn_ok(snn__nir_add_array(n, "kernel_size", SNN__NIR_I64, 1, &two, kk, NULL));
  ck_assert_snn_ok(snn__nir_add_array(n, "stride", SNN__NIR_I64, 1, &two, kk, NULL));
  ck_assert_snn_ok(snn__nir_add_array(n, "padding", SNN__NIR_I64, 1, &two, pp, NULL));
  affine(&g, "fc", 3, 9, 5);
  lif(&g, "lif");
  io_node(&g, "output", "Output", 1, &osh);
  const char *nm[] = {"input", "pool", "fc", "lif", "output"};
  chain(&g, nm, 5);
  snn_network *a = to_net(&g, DT);
  snn__nir_graph_free(&g);
  ck_assert_uint_eq(snn_network_layer(a, 0)->pad, 1);
  snn_learner *L = NULL;
  ck_assert_snn_ok(snn_learner_create_bptt(&L, a, NULL));
  size_t np = snn_learner_n_params(L);
  ck_assert_uint_eq(np, 3 * 9 + 3);
  float x[2 * 16], gr[30];
  for (size_t i = 0; i < 32; i++) x[i] = (float)(i % 5) * 0.25f;
  int32_t y[2] = {0, 2};
  double loss = -1;
  ck_assert_snn_ok(snn_learner_gradient(L, gr, np, &loss, x, y, 2, 16));
  ck_assert(isfinite(loss));
  snn_learner_free(L);
  snn_network_free(a);
}
END_TEST

#ifdef SNN_HAVE_HDF5
/* export writes a Delay node (seconds) and import gives the same network */
START_TEST(test_export_round_trip) {
  snn_network *a = dense_net(D0, D1, 1);
  char path[512];
  snprintf(path, sizeof path, "%s/delay_rt.nir", snn_test_tmpdir());
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  ck_assert_snn_ok(snn_network_export_nir(a, path, &o));
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  ck_assert_snn_ok(snn__nir_read_file(&g, path, "test"));
  const snn__nir_node *d0 = NULL, *d1 = NULL;
  for (size_t i = 0; i < g.n_nodes; i++) {
    if (strcmp(g.nodes[i].name, "layer0_delay") == 0) d0 = &g.nodes[i];
    if (strcmp(g.nodes[i].name, "layer1_delay") == 0) d1 = &g.nodes[i];
  }
  ck_assert(d0 && d1);
  ck_assert_str_eq(d0->type, "Delay");
  const snn__nir_field *f0 = snn__nir_field_get(d0, "delay"), *f1 = snn__nir_field_get(d1, "delay");
  ck_assert(f0 && f0->n == NI && f1 && f1->n == NH);
  for (size_t i = 0; i < NI; i++) ck_assert(f0->v[i] == (double)D0[i] * DT);
  for (size_t i = 0; i < NH; i++) ck_assert(f1->v[i] == (double)D1[i] * DT);
  snn__nir_graph_free(&g);
  o.dt = DT;
  snn_network *b = NULL;
  ck_assert_snn_ok(snn_network_import_nir(&b, path, &o));
  same_net(a, b);
  /* memory variant, and export of the re-import is stable */
  size_t sz = 0;
  ck_assert_snn_err(snn_network_export_nir_mem(&sz, b, NULL, 0, &o), SNN_E_RANGE);
  void *buf = malloc(sz);
  ck_assert_snn_ok(snn_network_export_nir_mem(&sz, b, buf, sz, &o));
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_import_nir_mem(&c, buf, sz, &o));
  same_net(a, c);
  free(buf);
  snn_network_free(a);
  snn_network_free(b);
  snn_network_free(c);
  unlink(path);
}
END_TEST

/* A neuron-less pool before a delayed layer: the export writes
 * pool -> Flatten -> Delay -> Affine, and the import took the Delay for one
 * between the pool and its neurons and refused the file. Also with a conv
 * layer after the pool. Both re-import to the same network, bit for bit. */
START_TEST(test_pool_then_delay_round_trip) {
  for (int conv = 0; conv < 2; conv++) {
    snn_neuron_model *m = NULL;
    ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
    ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 0));
    snn_network *a = NULL;
    snn_layer *l = NULL;
    ck_assert_snn_ok(snn_network_create(&a, 2, 4, 4));
    ck_assert_snn_ok(snn_layer_create_pool2d(&l, 2, 4, 4, SNN_POOL_SUM, 2, 2, NULL));
    ck_assert_snn_ok(snn_network_add_layer(a, l));
    int32_t d[8] = {1, 0, 2, 0, 3, 1, 0, 2};
    if (conv)
      ck_assert_snn_ok(snn_layer_create_conv2d(&l, 2, 2, 2, 3, 2, 2, 1, 1, m));
    else
      ck_assert_snn_ok(snn_layer_create_dense(&l, 8, 3, m));
    ck_assert_snn_ok(snn_layer_set_input_delays(l, d, 8));
    ck_assert_snn_ok(snn_network_add_layer(a, l));
    ck_assert_snn_ok(snn_network_init_weights(a, 11));
    snn_neuron_model_free(m);
    size_t sz = 0;
    snn_nir_options o = SNN_NIR_OPTIONS_INIT;
    ck_assert_snn_err(snn_network_export_nir_mem(&sz, a, NULL, 0, &o), SNN_E_RANGE);
    void *buf = malloc(sz);
    ck_assert_snn_ok(snn_network_export_nir_mem(&sz, a, buf, sz, &o));
    double dt;
    ck_assert_snn_ok(snn_network_get(&dt, a, "dt"));
    o.dt = dt / 1000.0;
    snn_network *b = NULL;
    ck_assert_snn_ok(snn_network_import_nir_mem(&b, buf, sz, &o));
    ck_assert_uint_eq(snn_network_n_layers(b), 2);
    check_delays(b, 1, d, 8);
    same_net(a, b);
    free(buf);
    snn_network_free(a);
    snn_network_free(b);
  }
}
END_TEST
#endif

/* The public setter/getter (snn_layer_set_input_delays/_input_delays) on a
 * network built in C: same shift as an imported Delay, refused once the layer
 * is in a network, kept by clone, removed by NULL/0. */
START_TEST(test_public_api) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  snn_network *a = NULL, *b = NULL;
  ck_assert_snn_ok(snn_network_create(&a, 1, 1, NI));
  ck_assert_snn_ok(snn_network_create(&b, 1, 1, NI));
  snn_layer *la = NULL, *lb = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&la, NI, NH, m));
  ck_assert_snn_ok(snn_layer_create_dense(&lb, NI, NH, m));
  int32_t got[NI];
  ck_assert_int_eq(snn_layer_input_delays(got, NI, la), 0);
  for (size_t k = 0; k < NI; k++) ck_assert_int_eq(got[k], 0);
  ck_assert_snn_ok(snn_layer_set_input_delays(la, D0, NI));
  ck_assert_int_eq(snn_layer_input_delays(got, NI, la), 5);
  ck_assert(memcmp(got, D0, sizeof got) == 0);
  ck_assert_snn_ok(snn_network_add_layer(a, la));
  ck_assert_snn_ok(snn_network_add_layer(b, lb));
  ck_assert_int_eq(snn_layer_set_input_delays(la, D0, NI), SNN_E_INVALID);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "already in a network"));
  ck_assert_snn_ok(snn_network_init_weights(a, 3));
  ck_assert_snn_ok(snn_network_init_weights(b, 3));
  size_t T = 30;
  float *x = rand_spikes(T * NI, 2), *y = shifted(x, T, NI, D0);
  float *oa = malloc(T * NH * sizeof *oa), *ob = malloc(T * NH * sizeof *ob);
  float *va = malloc(T * NH * sizeof *va), *vb = malloc(T * NH * sizeof *vb);
  run(oa, va, a, x, T);
  run(ob, vb, b, y, T);
  ck_assert(memcmp(va, vb, T * NH * sizeof *va) == 0);
  run(ob, vb, b, x, T);
  ck_assert(memcmp(va, vb, T * NH * sizeof *va) != 0);
  /* learners that cannot honour the delays refuse the network */
  snn_learner *lr = NULL;
  ck_assert_int_eq(snn_learner_create_stdp(&lr, a, NULL), SNN_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "input delays"));
  ck_assert_ptr_null(lr);
  ck_assert_snn_ok(snn_learner_create_stdp(&lr, b, NULL));
  snn_learner_free(lr);
  snn_network *c = NULL;
  ck_assert_snn_ok(snn_network_clone(&c, a));
  ck_assert_int_eq(snn_layer_input_delays(got, NI, snn_network_layer(c, 0)), 5);
  ck_assert(memcmp(got, D0, sizeof got) == 0);
  /* removal on a layer not in a network */
  snn_layer *lc = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&lc, NI, NH, m));
  ck_assert_snn_ok(snn_layer_set_input_delays(lc, D0, NI));
  ck_assert_snn_ok(snn_layer_set_input_delays(lc, NULL, 0));
  ck_assert_int_eq(snn_layer_input_delays(got, NI, lc), 0);
  ck_assert_ptr_null(lc->delay);
  snn_layer_free(lc);
  free(x);
  free(y);
  free(oa);
  free(ob);
  free(va);
  free(vb);
  snn_network_free(a);
  snn_network_free(b);
  snn_network_free(c);
  snn_neuron_model_free(m);
}
END_TEST

Suite *suite_nir_delay(void);
Suite *suite_nir_delay(void) {
  Suite *s = suite_create("nir_delay");
  TCase *tc = tcase_create("delay");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_shift_input);
  tcase_add_test(tc, test_shift_hidden);
  tcase_add_loop_test(tc, test_predict, 0, 2);
  tcase_add_test(tc, test_set_in_network);
  tcase_add_test(tc, test_zero_broadcast_chain);
  tcase_add_test(tc, test_conv);
  tcase_add_test(tc, test_bad);
  tcase_add_test(tc, test_oom_import);
  tcase_add_test(tc, test_model_file);
  tcase_add_loop_test(tc, test_padded_pool, 0, 5);
  tcase_add_test(tc, test_padded_pool_bptt);
#ifdef SNN_HAVE_HDF5
  tcase_add_test(tc, test_export_round_trip);
  tcase_add_test(tc, test_pool_then_delay_round_trip);
  tcase_add_test(tc, test_public_api);
#endif
  suite_add_tcase(s, tc);
  return s;
}

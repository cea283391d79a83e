/* Layers: shapes, parameter access (public layout), conv2d and pool2d forward
 * against naive implementations, argument errors, OOM sweep. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* "if" neuron that never spikes, integrating I*dt/C_m with C_m = 1, from 0:
 * with one step and the membrane readout, the score equals the input current. */
static snn_neuron_model *mk_probe(void) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, "if"));
  ck_assert_snn_ok(snn_neuron_model_set(m, "C_m", 1.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "E_L", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_reset", 0.0));
  ck_assert_snn_ok(snn_neuron_model_set(m, "V_th", 1e4));
  ck_assert_snn_ok(snn_neuron_model_set(m, "t_ref", 0.0));
  return m;
}

static unsigned long long lrs = 12345;
static float frand(void) {
  lrs = lrs * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((lrs >> 40) * (1.0 / 16777216.0));
}

/* runs a single-layer (or layer list) network for one step with membrane readout */
static void run1(snn_network *net, const float *x, size_t n, float *scores) {
  ck_assert_snn_ok(snn_network_set(net, "steps", 1));
  ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
  ck_assert_snn_ok(snn_network_predict(net, NULL, scores, x, n, snn_network_n_inputs(net)));
}

START_TEST(test_dense_layout) {
  snn_neuron_model *m = mk_probe();
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_layer_create_dense(&l, 5, 3, m));
  ck_assert_str_eq(snn_layer_kind(l), "dense");
  ck_assert_uint_eq(snn_layer_n_inputs(l), 5);
  ck_assert_uint_eq(snn_layer_n_outputs(l), 3);
  size_t c, h, w;
  ck_assert_snn_ok(snn_layer_output_shape(&c, &h, &w, l));
  ck_assert(c == 1 && h == 1 && w == 3);
  ck_assert_uint_eq(snn_layer_param_size(l, SNN_PARAM_WEIGHTS), 15);
  ck_assert_uint_eq(snn_layer_param_size(l, SNN_PARAM_BIAS), 3);
  ck_assert_uint_eq(snn_layer_param_size(l, SNN_PARAM_RECURRENT), 0);
  float W[15], b[3], W2[15];
  for (int i = 0; i < 15; i++) W[i] = frand() - 0.5f;
  for (int i = 0; i < 3; i++) b[i] = frand() - 0.5f;
  ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, W, 15));
  ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_BIAS, b, 3));
  ck_assert_snn_ok(snn_layer_param_get(W2, l, SNN_PARAM_WEIGHTS, 15));
  ck_assert(memcmp(W, W2, sizeof W) == 0);
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 5));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  float x[10], sc[6];
  for (int i = 0; i < 10; i++) x[i] = frand();
  run1(net, x, 2, sc);
  for (int s = 0; s < 2; s++)
    for (int o = 0; o < 3; o++) {
      double ref = b[o];
      for (int i = 0; i < 5; i++) ref += W[o * 5 + i] * x[s * 5 + i];
      ck_assert_msg(fabs(sc[s * 3 + o] - ref) < 1e-5, "dense out %g vs %g", (double)sc[s * 3 + o], ref);
    }
  /* bias off */
  ck_assert_snn_ok(snn_layer_set_bias(l, 0));
  ck_assert_uint_eq(snn_layer_param_size(l, SNN_PARAM_BIAS), 0);
  ck_assert_snn_err(snn_layer_param_get(b, l, SNN_PARAM_BIAS, 3), SNN_E_NOTFOUND);
  run1(net, x, 1, sc);
  for (int o = 0; o < 3; o++) {
    double ref = 0;
    for (int i = 0; i < 5; i++) ref += W[o * 5 + i] * x[i];
    ck_assert(fabs(sc[o] - ref) < 1e-5);
  }
  /* recurrent weights round-trip in the public layout */
  ck_assert_snn_ok(snn_layer_set_recurrent(l, 1));
  ck_assert_uint_eq(snn_layer_param_size(l, SNN_PARAM_RECURRENT), 9);
  float R[9], R2[9];
  for (int i = 0; i < 9; i++) R[i] = (float)i;
  ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_RECURRENT, R, 9));
  ck_assert_snn_ok(snn_layer_param_get(R2, l, SNN_PARAM_RECURRENT, 9));
  ck_assert(memcmp(R, R2, sizeof R) == 0);
  ck_assert_snn_ok(snn_layer_set_recurrent(l, 0));
  ck_assert_ptr_nonnull(snn_layer_model(l));
  snn_network_free(net);
  snn_neuron_model_free(m);
}
END_TEST

static void naive_conv(const float *x, int C, int H, int W, const float *w, const float *b, int OC,
                       int KH, int KW, int S, int P, float *out, int OH, int OW) {
  for (int o = 0; o < OC; o++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        double acc = b ? b[o] : 0;
        for (int c = 0; c < C; c++)
          for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++) {
              int iy = oy * S + ky - P, ix = ox * S + kx - P;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += (double)w[((o * C + c) * KH + ky) * KW + kx] * x[(c * H + iy) * W + ix];
            }
        out[(o * OH + oy) * OW + ox] = (float)acc;
      }
}

START_TEST(test_conv_forward) {
  const int cfg[][8] = {/* C H W OC KH KW S P */
                        {1, 6, 6, 2, 3, 3, 1, 0},
                        {3, 7, 5, 4, 3, 2, 2, 1},
                        {2, 5, 5, 3, 5, 5, 1, 2},
                        {2, 9, 8, 2, 1, 1, 3, 0}};
  snn_neuron_model *m = mk_probe();
  for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
    const int *q = cfg[k];
    snn_layer *l = NULL;
    ck_assert_snn_ok(snn_layer_create_conv2d(&l, (size_t)q[0], (size_t)q[1], (size_t)q[2],
                                             (size_t)q[3], (size_t)q[4], (size_t)q[5],
                                             (size_t)q[6], (size_t)q[7], m));
    ck_assert_str_eq(snn_layer_kind(l), "conv2d");
    size_t oc, oh, ow;
    ck_assert_snn_ok(snn_layer_output_shape(&oc, &oh, &ow, l));
    ck_assert_uint_eq(oc, (size_t)q[3]);
    ck_assert_uint_eq(oh, (size_t)((q[1] + 2 * q[7] - q[4]) / q[6] + 1));
    ck_assert_uint_eq(ow, (size_t)((q[2] + 2 * q[7] - q[5]) / q[6] + 1));
    size_t nw = snn_layer_param_size(l, SNN_PARAM_WEIGHTS);
    ck_assert_uint_eq(nw, (size_t)(q[3] * q[0] * q[4] * q[5]));
    float *w = malloc(nw * sizeof(float)), b[8];
    for (size_t i = 0; i < nw; i++) w[i] = frand() - 0.5f;
    for (int i = 0; i < q[3]; i++) b[i] = frand() - 0.5f;
    ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, w, nw));
    ck_assert_snn_ok(snn_layer_param_set(l, SNN_PARAM_BIAS, b, (size_t)q[3]));
    snn_network *net = NULL;
    ck_assert_snn_ok(snn_network_create(&net, (size_t)q[0], (size_t)q[1], (size_t)q[2]));
    ck_assert_snn_ok(snn_network_add_layer(net, l));
    size_t nin = (size_t)(q[0] * q[1] * q[2]), nout = oc * oh * ow;
    float *x = malloc(3 * nin * sizeof(float)), *sc = malloc(3 * nout * sizeof(float));
    float *ref = malloc(nout * sizeof(float));
    for (size_t i = 0; i < 3 * nin; i++) x[i] = frand();
    run1(net, x, 3, sc);
    for (int s = 0; s < 3; s++) {
      naive_conv(x + s * nin, q[0], q[1], q[2], w, b, q[3], q[4], q[5], q[6], q[7], ref, (int)oh,
                 (int)ow);
      for (size_t i = 0; i < nout; i++)
        ck_assert_msg(fabs(sc[s * nout + i] - ref[i]) < 1e-4, "cfg %zu out %zu: %g vs %g", k, i,
                      (double)sc[s * nout + i], (double)ref[i]);
    }
    free(w);
    free(x);
    free(sc);
    free(ref);
    snn_network_free(net);
  }
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_pool_forward) {
  const int kinds[] = {SNN_POOL_MAX, SNN_POOL_AVG, SNN_POOL_SUM};
  const int cfg[][5] = {{2, 6, 6, 2, 2}, {3, 7, 5, 3, 2}, {1, 4, 4, 4, 1}};
  for (int k = 0; k < 3; k++)
    for (size_t c = 0; c < 3; c++) {
      const int *q = cfg[c];
      snn_layer *l = NULL;
      ck_assert_snn_ok(snn_layer_create_pool2d(&l, (size_t)q[0], (size_t)q[1], (size_t)q[2],
                                               kinds[k], (size_t)q[3], (size_t)q[4], NULL));
      ck_assert_str_eq(snn_layer_kind(l), "pool2d");
      ck_assert_ptr_null(snn_layer_model(l));
      ck_assert_uint_eq(snn_layer_param_size(l, SNN_PARAM_WEIGHTS), 0);
      size_t oc, oh, ow;
      ck_assert_snn_ok(snn_layer_output_shape(&oc, &oh, &ow, l));
      int OH = (q[1] - q[3]) / q[4] + 1, OW = (q[2] - q[3]) / q[4] + 1;
      ck_assert(oc == (size_t)q[0] && oh == (size_t)OH && ow == (size_t)OW);
      snn_network *net = NULL;
      ck_assert_snn_ok(snn_network_create(&net, (size_t)q[0], (size_t)q[1], (size_t)q[2]));
      ck_assert_snn_ok(snn_network_add_layer(net, l));
      size_t nin = (size_t)(q[0] * q[1] * q[2]), nout = oc * oh * ow;
      float *x = malloc(2 * nin * sizeof(float)), *sc = malloc(2 * nout * sizeof(float));
      for (size_t i = 0; i < 2 * nin; i++) x[i] = frand();
      ck_assert_snn_ok(snn_network_set(net, "steps", 3));
      ck_assert_snn_ok(snn_network_set_str(net, "readout", "membrane"));
      ck_assert_snn_ok(snn_network_predict(net, NULL, sc, x, 2, nin));
      for (int s = 0; s < 2; s++)
        for (int ch = 0; ch < q[0]; ch++)
          for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
              double acc = kinds[k] == SNN_POOL_MAX ? -1e30 : 0;
              for (int ky = 0; ky < q[3]; ky++)
                for (int kx = 0; kx < q[3]; kx++) {
                  double v = x[s * nin + (size_t)((ch * q[1] + oy * q[4] + ky) * q[2] + ox * q[4] + kx)];
                  acc = kinds[k] == SNN_POOL_MAX ? fmax(acc, v) : acc + v;
                }
              if (kinds[k] == SNN_POOL_AVG) acc /= q[3] * q[3];
              float got = sc[s * nout + (size_t)((ch * OH + oy) * OW + ox)];
              ck_assert_msg(fabs(got - 3 * acc) < 1e-4, "pool %d: %g vs %g", kinds[k], (double)got, 3 * acc);
            }
      free(x);
      free(sc);
      snn_network_free(net);
    }
}
END_TEST

START_TEST(test_layer_bad_args) {
  snn_neuron_model *m = mk_probe();
  snn_layer *l = (snn_layer *)1;
  ck_assert_snn_err(snn_layer_create_dense(NULL, 2, 2, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_dense(&l, 0, 2, m), SNN_E_INVALID);
  ck_assert_ptr_null(l);
  ck_assert_snn_err(snn_layer_create_dense(&l, 2, 0, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_dense(&l, 2, 2, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_dense(&l, (size_t)1 << 40, (size_t)1 << 40, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_conv2d(NULL, 1, 5, 5, 1, 3, 3, 1, 0, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_conv2d(&l, 0, 5, 5, 1, 3, 3, 1, 0, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_conv2d(&l, 1, 5, 5, 1, 3, 3, 0, 0, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_conv2d(&l, 1, 5, 5, 1, 6, 3, 1, 0, m), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_conv2d(&l, 1, 5, 5, 1, 3, 3, 1, 0, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_pool2d(NULL, 1, 4, 4, SNN_POOL_MAX, 2, 2, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_pool2d(&l, 1, 4, 4, 0, 2, 2, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_pool2d(&l, 1, 4, 4, SNN_POOL_MAX, 5, 2, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_pool2d(&l, 1, 4, 4, SNN_POOL_MAX, 2, 0, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_create_pool2d(&l, 0, 4, 4, SNN_POOL_AVG, 2, 2, NULL), SNN_E_INVALID);
  ck_assert_snn_ok(snn_layer_create_pool2d(&l, 1, 4, 4, SNN_POOL_AVG, 2, 2, m));
  ck_assert_ptr_nonnull(snn_layer_model(l));
  ck_assert_snn_err(snn_layer_set_bias(l, 1), SNN_E_UNSUPPORTED);
  ck_assert_snn_err(snn_layer_set_recurrent(l, 1), SNN_E_UNSUPPORTED);
  float buf[16];
  ck_assert_snn_err(snn_layer_param_get(buf, l, SNN_PARAM_WEIGHTS, 0), SNN_E_NOTFOUND);
  snn_layer_free(l);
  ck_assert_snn_ok(snn_layer_create_dense(&l, 2, 3, m));
  ck_assert_snn_err(snn_layer_set_bias(NULL, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_set_bias(l, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_set_recurrent(NULL, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_set_recurrent(l, -1), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_output_shape(NULL, NULL, NULL, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_param_get(NULL, l, SNN_PARAM_WEIGHTS, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_param_get(buf, NULL, SNN_PARAM_WEIGHTS, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_param_get(buf, l, SNN_PARAM_WEIGHTS, 5), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_param_get(buf, l, 42, 6), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_layer_param_get(buf, l, SNN_PARAM_RECURRENT, 9), SNN_E_NOTFOUND);
  ck_assert_snn_err(snn_layer_param_set(NULL, SNN_PARAM_WEIGHTS, buf, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, NULL, 6), SNN_E_INVALID);
  ck_assert_snn_err(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, buf, 7), SNN_E_INVALID);
  for (int i = 0; i < 6; i++) buf[i] = 0;
  buf[2] = INFINITY;
  ck_assert_snn_err(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, buf, 6), SNN_E_INVALID);
  buf[2] = NAN;
  ck_assert_snn_err(snn_layer_param_set(l, SNN_PARAM_WEIGHTS, buf, 6), SNN_E_INVALID);
  ck_assert_uint_eq(snn_layer_param_size(NULL, SNN_PARAM_WEIGHTS), 0);
  ck_assert_uint_eq(snn_layer_param_size(l, 99), 0);
  ck_assert_ptr_null(snn_layer_kind(NULL));
  ck_assert_ptr_null(snn_layer_model(NULL));
  ck_assert_uint_eq(snn_layer_n_inputs(NULL), 0);
  ck_assert_uint_eq(snn_layer_n_outputs(NULL), 0);
  snn_layer_free(l);
  snn_layer_free(NULL);
  snn_neuron_model_free(m);
}
END_TEST

START_TEST(test_layer_oom) {
  snn_neuron_model *m = mk_probe();
  for (int kind = 0; kind < 3; kind++) {
    long n;
    for (n = 1; n < 100; n++) {
      snn_test_oom_install(n);
      snn_layer *l = NULL;
      int rc = kind == 0   ? snn_layer_create_dense(&l, 4, 3, m)
               : kind == 1 ? snn_layer_create_conv2d(&l, 1, 5, 5, 2, 3, 3, 1, 1, m)
                           : snn_layer_create_pool2d(&l, 2, 4, 4, SNN_POOL_MAX, 2, 2, m);
      if (rc == SNN_OK && kind == 0) {
        rc = snn_layer_set_recurrent(l, 1);
        if (rc != SNN_OK) {
          snn_layer_free(l);
          l = NULL;
        }
      }
      if (rc == SNN_OK) {
        snn_layer_free(l);
        ck_assert_int_eq(snn_test_oom_live(), 0);
        snn_test_oom_uninstall();
        break;
      }
      ck_assert_int_eq(rc, SNN_E_NOMEM);
      ck_assert_ptr_null(l);
      ck_assert_int_eq(snn_test_oom_live(), 0);
      snn_test_oom_uninstall();
    }
    ck_assert_int_lt(n, 100);
  }
  snn_neuron_model_free(m);
}
END_TEST

/* Every readable property has a getter: the architecture of a network read
 * back from its getters (as a program that loaded a model file sees it),
 * before and after a save/load round trip and a clone. */
static void check_arch(snn_network *net) {
  size_t c, h, w, kh, kw, st, pad;
  ck_assert_snn_ok(snn_network_input_shape(&c, &h, &w, net));
  ck_assert(c == 2 && h == 7 && w == 6);
  ck_assert_snn_ok(snn_network_input_shape(NULL, &h, NULL, net)); /* parts only */
  ck_assert_uint_eq(h, 7);
  const snn_encoder *e = snn_network_encoder(net);
  ck_assert_str_eq(snn_encoder_kind(e), "rate");
  double v = 0;
  ck_assert_snn_ok(snn_encoder_get(&v, e, "max_rate"));
  ck_assert(v == 250.0);
  ck_assert_uint_eq(snn_network_n_layers(net), 3);
  snn_layer *cv = snn_network_layer(net, 0), *pl = snn_network_layer(net, 1),
            *fc = snn_network_layer(net, 2);
  /* conv2d 2x7x6 -> 3 channels, kernel 3x2, stride 2, padding 1, bias */
  ck_assert_snn_ok(snn_layer_input_shape(&c, &h, &w, cv));
  ck_assert(c == 2 && h == 7 && w == 6);
  ck_assert_snn_ok(snn_layer_window(&kh, &kw, &st, &pad, cv));
  ck_assert(kh == 3 && kw == 2 && st == 2 && pad == 1);
  ck_assert_int_eq(snn_layer_has_bias(cv), 1);
  ck_assert_int_eq(snn_layer_is_recurrent(cv), 0);
  ck_assert_snn_err(snn_layer_pool_kind(cv), SNN_E_UNSUPPORTED);
  /* avg pool 2, stride 1, on the conv's 3x4x4 output, no neurons */
  ck_assert_snn_ok(snn_layer_input_shape(&c, &h, &w, pl));
  ck_assert(c == 3 && h == 4 && w == 4);
  ck_assert_snn_ok(snn_layer_window(&kh, &kw, &st, &pad, pl));
  ck_assert(kh == 2 && kw == 2 && st == 1 && pad == 0);
  ck_assert_int_eq(snn_layer_pool_kind(pl), SNN_POOL_AVG);
  ck_assert_int_eq(snn_layer_has_bias(pl), 0);
  ck_assert_ptr_null(snn_layer_model(pl));
  /* dense 27 -> 4, recurrent, no bias */
  ck_assert_snn_ok(snn_layer_input_shape(&c, &h, &w, fc));
  ck_assert(c == 1 && h == 1 && w == 27);
  ck_assert_snn_err(snn_layer_window(&kh, NULL, NULL, NULL, fc), SNN_E_UNSUPPORTED);
  ck_assert_int_eq(snn_layer_has_bias(fc), 0);
  ck_assert_int_eq(snn_layer_is_recurrent(fc), 1);
}

START_TEST(test_introspection) {
  snn_neuron_model *m = mk_probe();
  snn_network *net = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 2, 7, 6));
  ck_assert_str_eq(snn_encoder_kind(snn_network_encoder(net)), "direct"); /* the default */
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_layer_create_conv2d(&l, 2, 7, 6, 3, 3, 2, 2, 1, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_pool2d(&l, 3, 4, 4, SNN_POOL_AVG, 2, 1, NULL));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 27, 4, m));
  ck_assert_snn_ok(snn_layer_set_bias(l, 0));
  ck_assert_snn_ok(snn_layer_set_recurrent(l, 1));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_encoder *e = NULL;
  ck_assert_snn_ok(snn_encoder_create(&e, "rate"));
  ck_assert_snn_ok(snn_encoder_set(e, "max_rate", 250.0));
  ck_assert_snn_ok(snn_network_set_encoder(net, e));
  snn_encoder_free(e); /* the network keeps its own copy */
  check_arch(net);
  size_t n = 0;
  ck_assert_snn_err(snn_network_save_mem(&n, net, NULL, 0), SNN_E_RANGE);
  void *buf = malloc(n);
  ck_assert_snn_ok(snn_network_save_mem(&n, net, buf, n));
  snn_network *back = NULL, *cl = NULL;
  ck_assert_snn_ok(snn_network_load_mem(&back, buf, n));
  check_arch(back);
  ck_assert_snn_ok(snn_network_clone(&cl, back));
  check_arch(cl);
  free(buf);
  snn_network_free(cl);
  snn_network_free(back);
  snn_network_free(net);
  snn_neuron_model_free(m);
}
END_TEST

Suite *suite_layer(void) {
  Suite *s = suite_create("layer");
  TCase *tc = tcase_create("layer");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_dense_layout);
  tcase_add_test(tc, test_conv_forward);
  tcase_add_test(tc, test_pool_forward);
  tcase_add_test(tc, test_layer_bad_args);
  tcase_add_test(tc, test_layer_oom);
  tcase_add_test(tc, test_introspection);
  suite_add_tcase(s, tc);
  return s;
}

/* snn_network_run_sequence: one sample, an input that changes every step,
 * every step's output kept. A plain reference stepper (no BLAS, no threads,
 * fixed summation order) over the network's layers, so NIR graphs can be run
 * on recorded input sequences. Built with or without HDF5. */
#include <math.h>
#include <string.h>

#include "../net/network.h"
#include "../neuron/neuron.h"

typedef struct lstate {
  float *st;     /* neuron state (n_state * n_out), NULL without neurons */
  float *cur;    /* input current of the step (n_out) */
  float *out;    /* output of the step: spikes 0/1 or pooled values (n_out) */
  float *prev;   /* previous step's output (recurrent layers) */
  uint8_t *s8;   /* spikes */
  float *hist;   /* delayed layers: ring of the last R input rows [R][n_in] */
  float *din;    /* delayed layers: the step's delayed input [n_in] */
  size_t R;
} lstate;

/* The layer's input of step t under its per-input delays (docs/nir.md, Delay):
 * X'[t][k] = X[t - d_k][k], 0 for t < d_k. */
static const float *delayed_input(const snn_layer *l, lstate *q, const float *in, size_t t) {
  size_t n = l->n_in, R = q->R;
  memcpy(q->hist + (t % R) * n, in, n * sizeof(float));
  for (size_t k = 0; k < n; k++) {
    size_t d = (size_t)l->delay[k];
    q->din[k] = t >= d ? q->hist[((t - d) % R) * n + k] : 0.0f;
  }
  return q->din;
}

static void dense_cur(const snn_layer *l, const float *in, const float *prev, float *cur) {
  size_t no = l->n_out;
  for (size_t o = 0; o < no; o++) cur[o] = l->has_bias ? l->b[o] : 0.0f;
  for (size_t i = 0; i < l->n_in; i++) {
    float xi = in[i];
    if (xi == 0.0f) continue;
    const float *w = l->w + i * no; /* input-major */
    for (size_t o = 0; o < no; o++) cur[o] += w[o] * xi;
  }
  if (l->has_rec && prev) {
    for (size_t j = 0; j < no; j++) {
      float sj = prev[j];
      if (sj == 0.0f) continue;
      const float *r = l->r + j * no;
      for (size_t o = 0; o < no; o++) cur[o] += r[o] * sj;
    }
  }
}

static void conv_cur(const snn_layer *l, const float *in, float *cur) {
  size_t C = l->in_c, H = l->in_h, W = l->in_w, K = l->kh, KW = l->kw, s = l->stride, p = l->pad;
  for (size_t oc = 0; oc < l->out_c; oc++)
    for (size_t oy = 0; oy < l->out_h; oy++)
      for (size_t ox = 0; ox < l->out_w; ox++) {
        float acc = l->has_bias ? l->b[oc] : 0.0f;
        for (size_t c = 0; c < C; c++)
          for (size_t ky = 0; ky < K; ky++) {
            size_t yy = oy * s + ky;
            if (yy < p || yy - p >= H) continue;
            for (size_t kx = 0; kx < KW; kx++) {
              size_t xx = ox * s + kx;
              if (xx < p || xx - p >= W) continue;
              acc += l->w[((oc * C + c) * K + ky) * KW + kx] * in[(c * H + yy - p) * W + xx - p];
            }
          }
        cur[(oc * l->out_h + oy) * l->out_w + ox] = acc;
      }
}

static void pool_cur(const snn_layer *l, const float *in, float *cur) {
  size_t H = l->in_h, W = l->in_w, k = l->kh, s = l->stride;
  if (l->pad) { /* zero-padded sum/avg pool */
    for (size_t c = 0; c < l->in_c; c++)
      snn__pool_plane_padded(l, in + c * H * W, cur + c * l->out_h * l->out_w);
    return;
  }
  float inv = 1.0f / (float)(k * k);
  for (size_t c = 0; c < l->in_c; c++)
    for (size_t oy = 0; oy < l->out_h; oy++)
      for (size_t ox = 0; ox < l->out_w; ox++) {
        const float *w0 = in + c * H * W + oy * s * W + ox * s;
        float acc = l->pool == SNN_POOL_MAX ? w0[0] : 0.0f;
        for (size_t ky = 0; ky < k; ky++)
          for (size_t kx = 0; kx < k; kx++) {
            float v = w0[ky * W + kx];
            if (l->pool == SNN_POOL_MAX) acc = v > acc ? v : acc;
            else acc += v;
          }
        cur[(c * l->out_h + oy) * l->out_w + ox] = l->pool == SNN_POOL_AVG ? acc * inv : acc;
      }
}

int snn_network_run_sequence(float *out, float *membrane, snn_network *net, const float *x,
                             size_t n_steps, size_t n_inputs) {
  static const char fn[] = "snn_network_run_sequence";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(x, fn);
  if (net->n_layers == 0) return snn__error(SNN_E_STATE, "%s: the network has no layers", fn);
  if (n_inputs != net->n_in)
    return snn__error(SNN_E_INVALID, "%s: n_inputs must be %zu (got %zu)", fn, net->n_in, n_inputs);
  if (n_steps == 0 || n_steps > 100000000)
    return snn__error(SNN_E_INVALID, "%s: n_steps must be in [1, 1e8] (got %zu)", fn, n_steps);
  size_t tot;
  if (snn__mul_size(&tot, n_steps, n_inputs))
    return snn__error(SNN_E_INVALID, "%s: n_steps x n_inputs overflows", fn);
  for (size_t i = 0; i < tot; i++)
    if (!isfinite(x[i]))
      return snn__error(SNN_E_INVALID, "%s: x[%zu] is not finite (%g)", fn, i, (double)x[i]);
  size_t L = net->n_layers;
  lstate *ls = snn__calloc(L, sizeof *ls);
  if (!ls) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  int rc = SNN_OK;
  for (size_t i = 0; i < L && rc == SNN_OK; i++) {
    const snn_layer *l = net->layers[i];
    size_t n = l->n_out;
    ls[i].cur = snn__calloc(n, sizeof(float));
    ls[i].out = snn__calloc(n, sizeof(float));
    ls[i].prev = l->has_rec ? snn__calloc(n, sizeof(float)) : NULL;
    ls[i].s8 = snn__calloc(n, 1);
    if (!ls[i].cur || !ls[i].out || !ls[i].s8 || (l->has_rec && !ls[i].prev)) {
      rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      break;
    }
    if (l->delay) {
      /* rows kept: max delay + 1, no more than the sequence needs */
      size_t R = (size_t)l->max_delay < n_steps - 1 ? (size_t)l->max_delay + 1 : n_steps, nh;
      if (snn__mul_size(&nh, R, l->n_in)) {
        rc = snn__error(SNN_E_NOMEM, "%s: delay history too large", fn);
        break;
      }
      ls[i].R = R;
      ls[i].hist = snn__calloc(nh, sizeof(float));
      ls[i].din = snn__calloc(l->n_in, sizeof(float));
      if (!ls[i].hist || !ls[i].din) {
        rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
        break;
      }
    }
    if (l->model) {
      size_t ns = snn__neuron_n_state(l->model), nst;
      if (snn__mul_size(&nst, ns, n)) {
        rc = snn__error(SNN_E_NOMEM, "%s: state too large", fn);
        break;
      }
      ls[i].st = snn__calloc(nst, sizeof(float));
      if (!ls[i].st) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      else rc = snn__neuron_init_state(l->model, ls[i].st, n);
    }
  }
  size_t n_out = L ? net->layers[L - 1]->n_out : 0;
  for (size_t t = 0; t < n_steps && rc == SNN_OK; t++) {
    const float *in = x + t * n_inputs;
    for (size_t i = 0; i < L && rc == SNN_OK; i++) {
      const snn_layer *l = net->layers[i];
      lstate *q = &ls[i];
      if (l->delay) in = delayed_input(l, q, in, t);
      if (l->kind == SNN__LAYER_DENSE) dense_cur(l, in, q->prev, q->cur);
      else if (l->kind == SNN__LAYER_CONV2D) conv_cur(l, in, q->cur);
      else pool_cur(l, in, q->cur);
      if (l->model) {
        /* checked in every layer: a hidden layer's V can become Inf while its
         * spikes, all the next layer sees, stay finite */
        int bad = -1;
        rc = snn__neuron_step_checked(l->model, q->st, q->cur, q->s8, l->n_out, net->dt, &bad);
        if (rc == SNN_OK && bad >= 0)
          rc = snn__error(SNN_E_NUMERIC, "%s: state '%s' of layer %zu ('%s') became NaN/Inf at step %zu",
                          fn, snn_neuron_model_state_name(l->model, (size_t)bad), i,
                          snn_neuron_model_kind(l->model), t);
        for (size_t j = 0; j < l->n_out; j++) q->out[j] = (float)q->s8[j];
      } else {
        memcpy(q->out, q->cur, l->n_out * sizeof(float));
      }
      if (q->prev) memcpy(q->prev, q->out, l->n_out * sizeof(float));
      in = q->out;
    }
    if (rc != SNN_OK) break;
    const lstate *lq = &ls[L - 1];
    const snn_layer *ll = net->layers[L - 1];
    if (out) memcpy(out + t * n_out, lq->out, n_out * sizeof(float));
    if (membrane) {
      if (ll->model) memcpy(membrane + t * n_out, lq->st, n_out * sizeof(float));
      else memcpy(membrane + t * n_out, lq->cur, n_out * sizeof(float));
    }
    if (!ll->model) /* layers with neurons were checked by their step */
      for (size_t j = 0; j < n_out; j++)
        if (!isfinite(lq->out[j])) {
          rc = snn__error(SNN_E_NUMERIC, "%s: non-finite output of the last layer at step %zu", fn, t);
          break;
        }
  }
  for (size_t i = 0; i < L; i++) {
    snn__free(ls[i].st);
    snn__free(ls[i].cur);
    snn__free(ls[i].out);
    snn__free(ls[i].prev);
    snn__free(ls[i].s8);
    snn__free(ls[i].hist);
    snn__free(ls[i].din);
  }
  snn__free(ls);
  return rc;
}

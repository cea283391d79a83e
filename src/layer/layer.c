/* Layers: dense, conv2d, pool2d (public API and weight storage). */
#include <math.h>
#include <string.h>

#include "../net/network.h"

static size_t nbias(const snn_layer *l) {
  return l->kind == SNN__LAYER_DENSE ? l->n_out : l->kind == SNN__LAYER_CONV2D ? l->out_c : 0;
}

void snn__layer_destroy(snn_layer *l) {
  if (!l) return;
  snn_neuron_model_free(l->model);
  snn__aligned_free(l->w);
  snn__aligned_free(l->b);
  snn__aligned_free(l->r);
  snn__free(l->delay);
  snn__free(l);
}

int snn__layer_set_delay(snn_layer *l, const int32_t *d, size_t n, const char *fn) {
  if (n != l->n_in)
    return snn__error(SNN_E_INVALID, "%s: %zu delays for a layer with %zu inputs", fn, n, l->n_in);
  int32_t mx = 0;
  for (size_t i = 0; d && i < n; i++) {
    if (d[i] < 0 || d[i] > SNN__MAX_DELAY_STEPS)
      return snn__error(SNN_E_INVALID, "%s: delay[%zu] = %ld steps is outside [0, %d]", fn, i,
                        (long)d[i], SNN__MAX_DELAY_STEPS);
    if (d[i] > mx) mx = d[i];
  }
  int32_t *c = NULL;
  if (mx > 0) {
    c = snn__malloc(n * sizeof *c);
    if (!c) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    memcpy(c, d, n * sizeof *c);
  }
  snn__free(l->delay);
  l->delay = c;
  l->max_delay = mx;
  return SNN_OK;
}

void snn_layer_free(snn_layer *l) {
  if (!l || l->in_network) return; /* owned by a network: freed with it */
  snn__layer_destroy(l);
}

size_t snn__layer_fan_in(const snn_layer *l) {
  if (l->kind == SNN__LAYER_DENSE) return l->n_in;
  if (l->kind == SNN__LAYER_CONV2D) return l->in_c * l->kh * l->kw;
  return 0;
}

void snn__layer_init_weights(snn_layer *l, snn__rng *rng) {
  if (l->kind == SNN__LAYER_POOL2D) return;
  float a = (float)(1.0 / sqrt((double)snn__layer_fan_in(l)));
  /* drawn in the public order so the values do not depend on the storage layout */
  if (l->kind == SNN__LAYER_DENSE) {
    for (size_t o = 0; o < l->n_out; o++)
      for (size_t i = 0; i < l->n_in; i++)
        l->w[i * l->n_out + o] = a * (2.0f * snn__rng_uniform_f(rng) - 1.0f);
  } else {
    for (size_t i = 0; i < l->n_w; i++) l->w[i] = a * (2.0f * snn__rng_uniform_f(rng) - 1.0f);
  }
  for (size_t i = 0; i < nbias(l); i++) l->b[i] = a * (2.0f * snn__rng_uniform_f(rng) - 1.0f);
  if (l->r) {
    float ar = (float)(1.0 / sqrt((double)l->n_out));
    for (size_t o = 0; o < l->n_out; o++)
      for (size_t j = 0; j < l->n_out; j++)
        l->r[j * l->n_out + o] = ar * (2.0f * snn__rng_uniform_f(rng) - 1.0f);
  }
}

static int layer_alloc(snn_layer **out, int kind, const snn_neuron_model *model, const char *fn) {
  snn_layer *l = snn__calloc(1, sizeof *l);
  if (!l) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  l->kind = kind;
  if (model) {
    int rc = snn_neuron_model_clone(&l->model, model);
    if (rc != SNN_OK) {
      snn__free(l);
      return rc;
    }
  }
  *out = l;
  return SNN_OK;
}

static int layer_alloc_weights(snn_layer *l, const char *fn) {
  l->w = snn__aligned_alloc(l->n_w, sizeof(float));
  l->b = snn__aligned_alloc(nbias(l), sizeof(float));
  if (!l->w || !l->b) return snn__error(SNN_E_NOMEM, "%s: out of memory for %zu weights", fn, l->n_w);
  snn__rng rng;
  snn__rng_seed(&rng, 0);
  snn__layer_init_weights(l, &rng);
  l->has_bias = 1;
  return SNN_OK;
}

int snn_layer_create_dense(snn_layer **out, size_t n_in, size_t n_out,
                           const snn_neuron_model *model) {
  static const char fn[] = "snn_layer_create_dense";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(model, fn);
  if (n_in == 0 || n_out == 0)
    return snn__error(SNN_E_INVALID, "%s: sizes must be >= 1 (got n_in %zu, n_out %zu)", fn,
                      n_in, n_out);
  size_t nw;
  if (snn__mul_size(&nw, n_in, n_out) != 0 || nw > ((size_t)1 << 40) / sizeof(float) ||
      n_in > INT32_MAX || n_out > INT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: %zu x %zu weights is too large", fn, n_in, n_out);
  snn_layer *l = NULL;
  int rc = layer_alloc(&l, SNN__LAYER_DENSE, model, fn);
  if (rc != SNN_OK) return rc;
  l->in_c = l->in_h = 1;
  l->in_w = n_in;
  l->out_c = l->out_h = 1;
  l->out_w = n_out;
  l->n_in = n_in;
  l->n_out = n_out;
  l->n_w = nw;
  rc = layer_alloc_weights(l, fn);
  if (rc != SNN_OK) {
    snn__layer_destroy(l);
    return rc;
  }
  *out = l;
  return SNN_OK;
}

int snn_layer_create_conv2d(snn_layer **out, size_t in_c, size_t in_h, size_t in_w, size_t out_c,
                            size_t kernel_h, size_t kernel_w, size_t stride, size_t padding,
                            const snn_neuron_model *model) {
  static const char fn[] = "snn_layer_create_conv2d";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(model, fn);
  if (in_c == 0 || in_h == 0 || in_w == 0 || out_c == 0 || kernel_h == 0 || kernel_w == 0 ||
      stride == 0)
    return snn__error(SNN_E_INVALID,
                      "%s: sizes and stride must be >= 1 (got in %zux%zux%zu, out_c %zu, "
                      "kernel %zux%zu, stride %zu)",
                      fn, in_c, in_h, in_w, out_c, kernel_h, kernel_w, stride);
  const size_t lim = (size_t)1 << 20;
  if (in_c > lim || in_h > lim || in_w > lim || out_c > lim || kernel_h > lim || kernel_w > lim ||
      stride > lim || padding > lim)
    return snn__error(SNN_E_INVALID, "%s: a size exceeds %zu", fn, lim);
  if (kernel_h > in_h + 2 * padding || kernel_w > in_w + 2 * padding)
    return snn__error(SNN_E_INVALID, "%s: kernel %zux%zu larger than the padded input %zux%zu", fn,
                      kernel_h, kernel_w, in_h + 2 * padding, in_w + 2 * padding);
  size_t oh = (in_h + 2 * padding - kernel_h) / stride + 1;
  size_t ow = (in_w + 2 * padding - kernel_w) / stride + 1;
  size_t n_in, n_out, nw;
  if (snn__mul_size(&n_in, in_c, in_h * in_w) || snn__mul_size(&n_out, out_c, oh * ow) ||
      snn__mul_size(&nw, out_c, in_c * kernel_h * kernel_w) || n_in > INT32_MAX ||
      n_out > INT32_MAX || nw > INT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: layer too large", fn);
  snn_layer *l = NULL;
  int rc = layer_alloc(&l, SNN__LAYER_CONV2D, model, fn);
  if (rc != SNN_OK) return rc;
  l->in_c = in_c;
  l->in_h = in_h;
  l->in_w = in_w;
  l->out_c = out_c;
  l->out_h = oh;
  l->out_w = ow;
  l->n_in = n_in;
  l->n_out = n_out;
  l->kh = kernel_h;
  l->kw = kernel_w;
  l->stride = stride;
  l->pad = padding;
  l->n_w = nw;
  rc = layer_alloc_weights(l, fn);
  if (rc != SNN_OK) {
    snn__layer_destroy(l);
    return rc;
  }
  *out = l;
  return SNN_OK;
}

int snn_layer_create_pool2d(snn_layer **out, size_t c, size_t h, size_t w, int32_t kind,
                            size_t size, size_t stride, const snn_neuron_model *model) {
  static const char fn[] = "snn_layer_create_pool2d";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  if (kind != SNN_POOL_MAX && kind != SNN_POOL_AVG && kind != SNN_POOL_SUM)
    return snn__error(SNN_E_INVALID, "%s: kind must be SNN_POOL_MAX, _AVG or _SUM (got %d)", fn,
                      (int)kind);
  if (c == 0 || h == 0 || w == 0 || size == 0 || stride == 0)
    return snn__error(SNN_E_INVALID,
                      "%s: sizes must be >= 1 (got %zux%zux%zu, size %zu, stride %zu)", fn, c, h,
                      w, size, stride);
  const size_t lim = (size_t)1 << 20;
  if (c > lim || h > lim || w > lim || size > lim || stride > lim)
    return snn__error(SNN_E_INVALID, "%s: a size exceeds %zu", fn, lim);
  if (size > h || size > w)
    return snn__error(SNN_E_INVALID, "%s: window %zu larger than the input %zux%zu", fn, size, h, w);
  size_t n_in;
  if (snn__mul_size(&n_in, c, h * w) || n_in > INT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: layer too large", fn);
  snn_layer *l = NULL;
  int rc = layer_alloc(&l, SNN__LAYER_POOL2D, model, fn);
  if (rc != SNN_OK) return rc;
  l->in_c = l->out_c = c;
  l->in_h = h;
  l->in_w = w;
  l->out_h = (h - size) / stride + 1;
  l->out_w = (w - size) / stride + 1;
  l->n_in = n_in;
  l->n_out = c * l->out_h * l->out_w;
  l->kh = l->kw = size;
  l->stride = stride;
  l->pool = kind;
  *out = l;
  return SNN_OK;
}

int snn__layer_clone(snn_layer **out, const snn_layer *src) {
  *out = NULL;
  snn_layer *l = snn__calloc(1, sizeof *l);
  if (!l) return snn__error(SNN_E_NOMEM, "out of memory copying a layer");
  *l = *src;
  l->model = NULL;
  l->w = l->b = l->r = NULL;
  l->delay = NULL;
  l->in_network = 0;
  int rc = SNN_OK;
  if (src->delay) {
    l->delay = snn__malloc(l->n_in * sizeof *l->delay);
    if (!l->delay) rc = SNN_E_NOMEM;
    else memcpy(l->delay, src->delay, l->n_in * sizeof *l->delay);
  }
  if (rc == SNN_OK && src->model) rc = snn_neuron_model_clone(&l->model, src->model);
  if (rc == SNN_OK && src->w) {
    l->w = snn__aligned_alloc(l->n_w, sizeof(float));
    l->b = snn__aligned_alloc(nbias(l), sizeof(float));
    if (!l->w || !l->b) rc = SNN_E_NOMEM;
    else {
      memcpy(l->w, src->w, l->n_w * sizeof(float));
      memcpy(l->b, src->b, nbias(l) * sizeof(float));
    }
  }
  if (rc == SNN_OK && src->r) {
    l->r = snn__aligned_alloc(l->n_out * l->n_out, sizeof(float));
    if (!l->r) rc = SNN_E_NOMEM;
    else memcpy(l->r, src->r, l->n_out * l->n_out * sizeof(float));
  }
  if (rc != SNN_OK) {
    snn__layer_destroy(l);
    return rc == SNN_E_NOMEM ? snn__error(SNN_E_NOMEM, "out of memory copying a layer") : rc;
  }
  *out = l;
  return SNN_OK;
}

const char *snn_layer_kind(const snn_layer *l) {
  if (!l) return NULL;
  switch (l->kind) {
  case SNN__LAYER_DENSE: return "dense";
  case SNN__LAYER_CONV2D: return "conv2d";
  default: return "pool2d";
  }
}

size_t snn_layer_n_inputs(const snn_layer *l) { return l ? l->n_in : 0; }
size_t snn_layer_n_outputs(const snn_layer *l) { return l ? l->n_out : 0; }

int snn_layer_output_shape(size_t *c, size_t *h, size_t *w, const snn_layer *l) {
  SNN__CHECK_NULL(l, "snn_layer_output_shape");
  snn__shape_out(c, h, w, l->out_c, l->out_h, l->out_w);
  return SNN_OK;
}

int snn_layer_input_shape(size_t *c, size_t *h, size_t *w, const snn_layer *l) {
  SNN__CHECK_NULL(l, "snn_layer_input_shape");
  snn__shape_out(c, h, w, l->in_c, l->in_h, l->in_w);
  return SNN_OK;
}

int snn_layer_window(size_t *kernel_h, size_t *kernel_w, size_t *stride, size_t *padding,
                     const snn_layer *l) {
  static const char fn[] = "snn_layer_window";
  SNN__CHECK_NULL(l, fn);
  if (l->kind == SNN__LAYER_DENSE)
    return snn__error(SNN_E_UNSUPPORTED, "%s: a dense layer has no window", fn);
  if (kernel_h) *kernel_h = l->kh;
  if (kernel_w) *kernel_w = l->kw;
  if (stride) *stride = l->stride;
  if (padding) *padding = l->pad;
  return SNN_OK;
}

int snn_layer_pool_kind(const snn_layer *l) {
  static const char fn[] = "snn_layer_pool_kind";
  SNN__CHECK_NULL(l, fn);
  if (l->kind != SNN__LAYER_POOL2D)
    return snn__error(SNN_E_UNSUPPORTED, "%s: a %s layer has no pooling", fn, snn_layer_kind(l));
  return l->pool;
}

int snn_layer_has_bias(const snn_layer *l) {
  SNN__CHECK_NULL(l, "snn_layer_has_bias");
  return l->kind != SNN__LAYER_POOL2D && l->has_bias ? 1 : 0;
}

int snn_layer_is_recurrent(const snn_layer *l) {
  SNN__CHECK_NULL(l, "snn_layer_is_recurrent");
  return l->has_rec ? 1 : 0;
}

int snn_layer_set_bias(snn_layer *l, int32_t enabled) {
  static const char fn[] = "snn_layer_set_bias";
  SNN__CHECK_NULL(l, fn);
  if (enabled != 0 && enabled != 1)
    return snn__error(SNN_E_INVALID, "%s: enabled must be 0 or 1 (got %d)", fn, (int)enabled);
  if (l->kind == SNN__LAYER_POOL2D)
    return snn__error(SNN_E_UNSUPPORTED, "%s: a pool2d layer has no bias", fn);
  if (enabled && !l->has_bias) memset(l->b, 0, nbias(l) * sizeof(float));
  l->has_bias = enabled;
  return SNN_OK;
}

int snn_layer_set_recurrent(snn_layer *l, int32_t enabled) {
  static const char fn[] = "snn_layer_set_recurrent";
  SNN__CHECK_NULL(l, fn);
  if (enabled != 0 && enabled != 1)
    return snn__error(SNN_E_INVALID, "%s: enabled must be 0 or 1 (got %d)", fn, (int)enabled);
  if (l->kind != SNN__LAYER_DENSE)
    return snn__error(SNN_E_UNSUPPORTED, "%s: only dense layers can be recurrent (this is %s)", fn,
                      snn_layer_kind(l));
  if (enabled && !l->r) {
    size_t nr;
    if (snn__mul_size(&nr, l->n_out, l->n_out))
      return snn__error(SNN_E_INVALID, "%s: %zu x %zu recurrent weights is too large", fn,
                        l->n_out, l->n_out);
    l->r = snn__aligned_alloc(nr, sizeof(float));
    if (!l->r) return snn__error(SNN_E_NOMEM, "%s: out of memory for %zu weights", fn, nr);
    snn__rng rng;
    snn__rng_seed(&rng, 1);
    float ar = (float)(1.0 / sqrt((double)l->n_out));
    for (size_t i = 0; i < nr; i++) l->r[i] = ar * (2.0f * snn__rng_uniform_f(&rng) - 1.0f);
  } else if (!enabled && l->r) {
    snn__aligned_free(l->r);
    l->r = NULL;
  }
  l->has_rec = enabled;
  return SNN_OK;
}

const snn_neuron_model *snn_layer_model(const snn_layer *l) { return l ? l->model : NULL; }

size_t snn_layer_param_size(const snn_layer *l, int32_t which) {
  if (!l) return 0;
  switch (which) {
  case SNN_PARAM_WEIGHTS: return l->kind == SNN__LAYER_POOL2D ? 0 : l->n_w;
  case SNN_PARAM_BIAS: return l->has_bias ? nbias(l) : 0;
  case SNN_PARAM_RECURRENT: return l->has_rec ? l->n_out * l->n_out : 0;
  default: return 0;
  }
}

static int param_which(const snn_layer *l, int32_t which, const char *fn) {
  if (which != SNN_PARAM_WEIGHTS && which != SNN_PARAM_BIAS && which != SNN_PARAM_RECURRENT)
    return snn__error(SNN_E_NOTFOUND,
                      "%s: which must be SNN_PARAM_WEIGHTS, _BIAS or _RECURRENT (got %d)", fn,
                      (int)which);
  if (snn_layer_param_size(l, which) == 0)
    return snn__error(SNN_E_NOTFOUND, "%s: this %s layer has no %s array", fn, snn_layer_kind(l),
                      which == SNN_PARAM_WEIGHTS ? "weights"
                      : which == SNN_PARAM_BIAS  ? "bias"
                                                 : "recurrent");
  return SNN_OK;
}

/* transpose helpers between public [rows][cols] and internal [cols][rows] */
static void transpose(float *dst, const float *src, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

int snn__layer_param_copy_out(float *dst, const snn_layer *l, int which) {
  int rc = param_which(l, which, "snn_layer_param_get");
  if (rc != SNN_OK) return rc;
  if (which == SNN_PARAM_WEIGHTS) {
    if (l->kind == SNN__LAYER_DENSE) transpose(dst, l->w, l->n_in, l->n_out);
    else memcpy(dst, l->w, l->n_w * sizeof(float));
  } else if (which == SNN_PARAM_BIAS) {
    memcpy(dst, l->b, nbias(l) * sizeof(float));
  } else {
    transpose(dst, l->r, l->n_out, l->n_out);
  }
  return SNN_OK;
}

int snn__layer_param_nonfinite(const snn_layer *l, int which, size_t *idx) {
  size_t n = snn_layer_param_size(l, which);
  const float *a = which == SNN_PARAM_WEIGHTS ? l->w : which == SNN_PARAM_BIAS ? l->b : l->r;
  if (n == 0 || a == NULL) return 0;
  for (size_t k = 0; k < n; k++) {
    if (isfinite(a[k])) continue;
    /* dense weights are stored [n_in][n_out], recurrent [n_out][n_out]
     * (source-major); the public layout is target-major */
    size_t rows = which == SNN_PARAM_WEIGHTS && l->kind == SNN__LAYER_DENSE ? l->n_in
                  : which == SNN_PARAM_RECURRENT                           ? l->n_out
                                                                           : 0;
    *idx = rows ? (k % l->n_out) * rows + k / l->n_out : k;
    return 1;
  }
  return 0;
}

int snn__layer_param_copy_in(snn_layer *l, int which, const float *src) {
  int rc = param_which(l, which, "snn_layer_param_set");
  if (rc != SNN_OK) return rc;
  if (which == SNN_PARAM_WEIGHTS) {
    if (l->kind == SNN__LAYER_DENSE) transpose(l->w, src, l->n_out, l->n_in);
    else memcpy(l->w, src, l->n_w * sizeof(float));
  } else if (which == SNN_PARAM_BIAS) {
    memcpy(l->b, src, nbias(l) * sizeof(float));
  } else {
    transpose(l->r, src, l->n_out, l->n_out);
  }
  return SNN_OK;
}

int snn_layer_param_get(float *dst, const snn_layer *l, int32_t which, size_t n) {
  static const char fn[] = "snn_layer_param_get";
  SNN__CHECK_NULL(dst, fn);
  SNN__CHECK_NULL(l, fn);
  int rc = param_which(l, which, fn);
  if (rc != SNN_OK) return rc;
  size_t want = snn_layer_param_size(l, which);
  if (n != want) return snn__error(SNN_E_INVALID, "%s: n must be %zu (got %zu)", fn, want, n);
  return snn__layer_param_copy_out(dst, l, which);
}

int snn_layer_param_set(snn_layer *l, int32_t which, const float *src, size_t n) {
  static const char fn[] = "snn_layer_param_set";
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(src, fn);
  int rc = param_which(l, which, fn);
  if (rc != SNN_OK) return rc;
  size_t want = snn_layer_param_size(l, which);
  if (n != want) return snn__error(SNN_E_INVALID, "%s: n must be %zu (got %zu)", fn, want, n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(src[i]))
      return snn__error(SNN_E_INVALID, "%s: src[%zu] is not finite (%g)", fn, i, (double)src[i]);
  return snn__layer_param_copy_in(l, which, src);
}

int snn__layer_set_pool_pad(snn_layer *l, size_t pad, const char *fn) {
  if (l->kind != SNN__LAYER_POOL2D || l->in_network)
    return snn__error(SNN_E_INVALID, "%s: padding applies to a pool2d layer not yet in a network",
                      fn);
  if (pad > 0 && l->pool == SNN_POOL_MAX)
    return snn__error(SNN_E_INVALID, "%s: a max pool cannot be padded", fn);
  if (pad > l->kh / 2)
    return snn__error(SNN_E_INVALID, "%s: padding %zu exceeds half the window %zu", fn, pad, l->kh);
  l->pad = pad;
  l->out_h = (l->in_h + 2 * pad - l->kh) / l->stride + 1;
  l->out_w = (l->in_w + 2 * pad - l->kw) / l->stride + 1;
  l->n_out = l->out_c * l->out_h * l->out_w;
  return SNN_OK;
}

/* input cells [*lo, *hi) of a dimension of n cells that window o covers (window k,
 * stride s, zero padding p; the padded cells are left out) */
static void pad_window(size_t o, size_t s, size_t k, size_t p, size_t n, size_t *lo, size_t *hi) {
  size_t a = o * s, b = a + k; /* in padded coordinates */
  *lo = a > p ? a - p : 0;
  *hi = b > p ? b - p : 0;
  if (*hi > n) *hi = n;
  if (*hi < *lo) *hi = *lo;
}

void snn__pool_plane_padded(const snn_layer *l, const float *x, float *o) {
  size_t W = l->in_w, k = l->kh;
  float inv = 1.0f / (float)(k * k);
  for (size_t oy = 0; oy < l->out_h; oy++)
    for (size_t ox = 0; ox < l->out_w; ox++) {
      size_t y0, y1, x0, x1;
      pad_window(oy, l->stride, k, l->pad, l->in_h, &y0, &y1);
      pad_window(ox, l->stride, k, l->pad, W, &x0, &x1);
      float acc = 0.0f;
      for (size_t iy = y0; iy < y1; iy++)
        for (size_t ix = x0; ix < x1; ix++) acc += x[iy * W + ix];
      o[oy * l->out_w + ox] = l->pool == SNN_POOL_AVG ? acc * inv : acc;
    }
}

void snn__pool_plane_padded_grad(const snn_layer *l, const float *dy, float *dx) {
  size_t W = l->in_w, k = l->kh;
  float inv = 1.0f / (float)(k * k);
  memset(dx, 0, l->in_h * W * sizeof *dx);
  for (size_t oy = 0; oy < l->out_h; oy++)
    for (size_t ox = 0; ox < l->out_w; ox++) {
      size_t y0, y1, x0, x1;
      pad_window(oy, l->stride, k, l->pad, l->in_h, &y0, &y1);
      pad_window(ox, l->stride, k, l->pad, W, &x0, &x1);
      float g = dy[oy * l->out_w + ox];
      if (l->pool == SNN_POOL_AVG) g *= inv;
      for (size_t iy = y0; iy < y1; iy++)
        for (size_t ix = x0; ix < x1; ix++) dx[iy * W + ix] += g;
    }
}

int snn_layer_set_input_delays(snn_layer *l, const int32_t *steps, size_t n) {
  static const char fn[] = "snn_layer_set_input_delays";
  SNN__CHECK_NULL(l, fn);
  if (l->in_network)
    return snn__error(SNN_E_INVALID,
                      "%s: the layer is already in a network; set its delays before "
                      "snn_network_add_layer()", fn);
  if (!steps && n == 0) return snn__layer_set_delay(l, NULL, l->n_in, fn);
  SNN__CHECK_NULL(steps, fn);
  return snn__layer_set_delay(l, steps, n, fn);
}

int snn_layer_input_delays(int32_t *dst, size_t n, const snn_layer *l) {
  static const char fn[] = "snn_layer_input_delays";
  SNN__CHECK_NULL(dst, fn);
  SNN__CHECK_NULL(l, fn);
  if (n != l->n_in)
    return snn__error(SNN_E_INVALID, "%s: n = %zu, the layer has %zu inputs", fn, n, l->n_in);
  for (size_t k = 0; k < n; k++) dst[k] = l->delay ? l->delay[k] : 0;
  return l->max_delay;
}

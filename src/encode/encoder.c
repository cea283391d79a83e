/* Encoder object: kinds, named parameters, random generator, dispatch.
 * The per-kind kernels are in rate.c, latency.c, population.c, direct.c, delta.c;
 * formulas in docs/encoders.md. */
#include "encode.h"
#include "encoder_impl.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- kind and parameter tables ------------------------------------------ */

typedef struct enc_param {
  snn_param_def def;
  int integer;            /* value must be a whole number */
  const char *const *sym; /* symbolic values for set_str (index = value), NULL-terminated */
} enc_param;

static const char *const map_names[] = {"linear", "log", NULL};
static const char *const off_names[] = {"off", "on", NULL};

#define DT_PARAM \
  {{"dt", 1.0, 1e-6, 1e6, "ms", "time step: step t covers [t*dt, (t+1)*dt)"}, 0, NULL}

static const enc_param rate_params[SNN__RATE_N] = {
    {{"max_rate", 1000.0, 0.0, 1e6, "Hz",
      "rate for x = 1; spike probability per step x*max_rate*dt/1000 (capped at 1)"},
     0, NULL},
    DT_PARAM,
};

static const enc_param latency_params[SNN__LAT_N] = {
    {{"map", 0.0, 0.0, 1.0, "",
      "0 = linear: t = t_max*(1-x); 1 = log: t = tau*ln(x/(x-threshold)) "
      "(set_str \"linear\" | \"log\")"},
     1, map_names},
    {{"t_max", 10.0, 1e-6, 1e9, "ms", "linear map: spike time of x = 0 (x = 1 fires at 0)"}, 0,
     NULL},
    {{"tau", 5.0, 1e-6, 1e9, "ms", "log map: RC time constant"}, 0, NULL},
    {{"threshold", 0.01, 0.0, 1.0, "",
      "inputs below it do not fire (log map: at or below it)"},
     0, NULL},
    DT_PARAM,
};

static const enc_param direct_params[SNN__DIR_N] = {
    {{"gain", 1.0, -1e9, 1e9, "pA", "output current = gain * x, every step"}, 0, NULL},
    DT_PARAM,
};

static const enc_param population_params[SNN__POP_N] = {
    {{"m", 10.0, 3.0, 1000.0, "", "receptive fields (output channels) per input"}, 1, NULL},
    {{"I_min", 0.0, -1e30, 1e30, "", "lower end of the input range"}, 0, NULL},
    {{"I_max", 1.0, -1e30, 1e30, "", "upper end of the input range (> I_min)"}, 0, NULL},
    {{"beta", 1.5, 1e-3, 1e3, "",
      "width factor: sigma = (I_max-I_min)/(beta*(m-2)) (Bohte et al. 2002: 1.5)"},
     0, NULL},
    {{"t_max", 10.0, 1e-6, 1e9, "ms", "spike time of response 0 (response 1 fires at 0)"}, 0,
     NULL},
    {{"threshold", 0.1, 0.0, 1.0, "", "responses below it do not fire"}, 0, NULL},
    DT_PARAM,
};

static const enc_param delta_params[SNN__DELTA_N] = {
    {{"threshold", 0.1, 0.0, 1e30, "",
      "spike when |x - reference| > threshold; the reference is the value at the last spike"},
     0, NULL},
    {{"off_spikes", 0.0, 0.0, 1.0, "",
      "1: a decrease gives -1 (an increase +1); 0: any change gives +1 (set_str \"off\" | \"on\")"},
     1, off_names},
    DT_PARAM,
};

typedef struct enc_kind {
  const char *name;
  const enc_param *params;
  size_t n_params;
  int dt_index;
} enc_kind;

static const enc_kind kinds[] = {
    [SNN__ENC_RATE] = {"rate", rate_params, SNN__RATE_N, SNN__RATE_DT},
    [SNN__ENC_LATENCY] = {"latency", latency_params, SNN__LAT_N, SNN__LAT_DT},
    [SNN__ENC_DIRECT] = {"direct", direct_params, SNN__DIR_N, SNN__DIR_DT},
    [SNN__ENC_POPULATION] = {"population", population_params, SNN__POP_N, SNN__POP_DT},
    [SNN__ENC_DELTA] = {"delta", delta_params, SNN__DELTA_N, SNN__DELTA_DT},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

static int find_param(const snn_encoder *e, const char *name) {
  const enc_kind *k = &kinds[e->kind];
  for (size_t i = 0; i < k->n_params; i++)
    if (strcmp(k->params[i].def.name, name) == 0) return (int)i;
  return -1;
}

static int param_not_found(const snn_encoder *e, const char *fn, const char *name) {
  const enc_kind *k = &kinds[e->kind];
  char list[256];
  size_t len = 0;
  list[0] = '\0';
  for (size_t i = 0; i < k->n_params && len < sizeof list; i++) {
    int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", k->params[i].def.name);
    if (w < 0) break;
    len += (size_t)w;
  }
  return snn__error(SNN_E_NOTFOUND, "%s: encoder kind '%s' has no parameter '%s' (valid: %s)",
                    fn, k->name, name, list);
}

/* ---- lifecycle ------------------------------------------------------------ */

int snn_encoder_create(snn_encoder **out, const char *kind) {
  static const char fn[] = "snn_encoder_create";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(kind, fn);
  int id = -1;
  for (size_t i = 0; i < N_KINDS; i++)
    if (strcmp(kinds[i].name, kind) == 0) id = (int)i;
  if (id < 0)
    return snn__error(SNN_E_NOTFOUND,
                      "%s: unknown encoder kind '%s' (valid: rate, latency, direct, population, "
                      "delta)",
                      fn, kind);
  snn_encoder *e = snn__calloc(1, sizeof *e);
  if (e == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  e->kind = id;
  for (size_t i = 0; i < kinds[id].n_params; i++) e->p[i] = kinds[id].params[i].def.default_value;
  snn__rng_seed(&e->rng, 0);
  *out = e;
  return SNN_OK;
}

int snn_encoder_clone(snn_encoder **out, const snn_encoder *e) {
  static const char fn[] = "snn_encoder_clone";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(e, fn);
  snn_encoder *c = snn__calloc(1, sizeof *c);
  if (c == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  *c = *e;
  c->delta_ref = NULL;
  if (e->delta_ref) {
    c->delta_ref = snn__malloc(e->delta_n * sizeof(float));
    if (c->delta_ref == NULL) {
      snn__free(c);
      return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    }
    memcpy(c->delta_ref, e->delta_ref, e->delta_n * sizeof(float));
  }
  *out = c;
  return SNN_OK;
}

void snn_encoder_free(snn_encoder *e) {
  if (e == NULL) return;
  snn__free(e->delta_ref);
  snn__free(e);
}

const char *snn_encoder_kind(const snn_encoder *e) { return e ? kinds[e->kind].name : NULL; }

/* ---- parameters ------------------------------------------------------------- */

int snn_encoder_set(snn_encoder *e, const char *name, double value) {
  static const char fn[] = "snn_encoder_set";
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(name, fn);
  int i = find_param(e, name);
  if (i < 0) return param_not_found(e, fn, name);
  const enc_param *p = &kinds[e->kind].params[i];
  if (isnan(value)) return snn__error(SNN_E_INVALID, "%s: '%s' must not be NaN", fn, name);
  if (!(value >= p->def.min_value && value <= p->def.max_value))
    return snn__error(SNN_E_RANGE, "%s: '%s' = %g is outside [%g, %g]", fn, name, value,
                      p->def.min_value, p->def.max_value);
  if (p->integer && value != floor(value))
    return snn__error(SNN_E_RANGE, "%s: '%s' must be a whole number (got %g)", fn, name, value);
  e->p[i] = value;
  if (e->kind == SNN__ENC_DELTA) e->delta_valid = 0;
  return SNN_OK;
}

int snn_encoder_set_str(snn_encoder *e, const char *name, const char *value) {
  static const char fn[] = "snn_encoder_set_str";
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(name, fn);
  SNN__CHECK_NULL(value, fn);
  int i = find_param(e, name);
  if (i < 0) return param_not_found(e, fn, name);
  const enc_param *p = &kinds[e->kind].params[i];
  if (p->sym == NULL)
    return snn__error(SNN_E_NOTFOUND,
                      "%s: parameter '%s' of encoder kind '%s' is numeric; use snn_encoder_set",
                      fn, name, kinds[e->kind].name);
  for (size_t k = 0; p->sym[k]; k++)
    if (strcmp(p->sym[k], value) == 0) return snn_encoder_set(e, name, (double)k);
  return snn__error(SNN_E_NOTFOUND, "%s: '%s' is not a value of '%s' (valid: %s, %s)", fn, value,
                    name, p->sym[0], p->sym[1]);
}

int snn_encoder_get(double *out, const snn_encoder *e, const char *name) {
  static const char fn[] = "snn_encoder_get";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(name, fn);
  int i = find_param(e, name);
  if (i < 0) return param_not_found(e, fn, name);
  *out = e->p[i];
  return SNN_OK;
}

const char *snn__encoder_param_symbol(const snn_encoder *e, size_t i) {
  if (e == NULL || i >= kinds[e->kind].n_params) return NULL;
  const enc_param *p = &kinds[e->kind].params[i];
  if (p->sym == NULL) return NULL;
  double v = e->p[i];
  for (size_t k = 0; p->sym[k]; k++)
    if (v == (double)k) return p->sym[k];
  return NULL;
}

size_t snn_encoder_param_count(const snn_encoder *e) { return e ? kinds[e->kind].n_params : 0; }

int snn_encoder_param_info(snn_param_info *out, const snn_encoder *e, size_t i) {
  static const char fn[] = "snn_encoder_param_info";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(e, fn);
  size_t min_size = offsetof(snn_param_info, name) + sizeof(const char *);
  if (out->struct_size < min_size)
    return snn__error(SNN_E_VERSION,
                      "%s: out->struct_size is %zu, smaller than the smallest supported (%zu); "
                      "set it to sizeof(snn_param_info)",
                      fn, out->struct_size, min_size);
  const enc_kind *k = &kinds[e->kind];
  if (i >= k->n_params)
    return snn__error(SNN_E_RANGE, "%s: index %zu out of range (encoder '%s' has %zu parameters)",
                      fn, i, k->name, k->n_params);
  const snn_param_def *d = &k->params[i].def;
  snn_param_info full = {sizeof full, d->name, d->default_value, d->min_value, d->max_value,
                         d->unit, d->doc};
  size_t n = out->struct_size < sizeof full ? out->struct_size : sizeof full;
  memcpy((char *)out + sizeof(size_t), (const char *)&full + sizeof(size_t), n - sizeof(size_t));
  return SNN_OK;
}

int snn_encoder_seed(snn_encoder *e, uint64_t seed) {
  SNN__CHECK_NULL(e, "snn_encoder_seed");
  snn__rng_seed(&e->rng, seed);
  e->delta_valid = 0;
  return SNN_OK;
}

int snn_encoder_output_size(size_t *out, const snn_encoder *e, size_t n_in) {
  static const char fn[] = "snn_encoder_output_size";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(e, fn);
  size_t m = e->kind == SNN__ENC_POPULATION ? (size_t)e->p[SNN__POP_M] : 1;
  if (snn__mul_size(out, n_in, m) != 0)
    return snn__error(SNN_E_INVALID, "%s: n_in * m overflows (n_in %zu, m %zu)", fn, n_in, m);
  return SNN_OK;
}

/* ---- internal interface (encode.h) ------------------------------------------- */

int snn__encoder_is_constant(const snn_encoder *e) {
  return e != NULL && e->kind == SNN__ENC_DIRECT;
}

double snn__encoder_param(const snn_encoder *e, const char *name) {
  if (e == NULL || name == NULL) return NAN;
  int i = find_param(e, name);
  return i < 0 ? NAN : e->p[i];
}

/* ---- encoding ------------------------------------------------------------------ */

/* Index of the first x[i] that times a "direct" encoder's gain does not fit a
 * float (the check on x alone lets 1e9 * 1e30 = inf through), or n when all
 * fit (always for other kinds, and for |gain| <= 1 with finite x). */
static size_t gain_overflow_at(const snn_encoder *e, const float *x, size_t n) {
  if (e == NULL || e->kind != SNN__ENC_DIRECT) return n;
  const double g = fabs(e->p[SNN__DIR_GAIN]);
  if (!(g > 1.0)) return n;
  const float lim = nextafterf((float)((double)FLT_MAX / g), 0.0f); /* rounded down */
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= fabsf(x[i]) > lim; /* vectorises */
  if (bad)
    for (size_t i = 0; i < n; i++)
      if (g * fabs((double)x[i]) > FLT_MAX) return i;
  return n;
}

int snn__encoder_check_gain(const snn_encoder *e, const float *x, size_t n, size_t nf,
                            const char *fn) {
  size_t i = gain_overflow_at(e, x, n);
  if (i == n) return SNN_OK;
  if (nf)
    return snn__error(SNN_E_INVALID,
                      "%s: sample %zu, feature %zu is %g: times the direct encoder's gain %g "
                      "it does not fit a float",
                      fn, i / nf, i % nf, (double)x[i], e->p[SNN__DIR_GAIN]);
  return snn__error(SNN_E_INVALID,
                    "%s: x[%zu] = %g: times the direct encoder's gain %g it does not fit a float",
                    fn, i, (double)x[i], e->p[SNN__DIR_GAIN]);
}

/* x must be finite, and gain * x must fit a float (gain_overflow_at) */
static int check_input(const snn_encoder *e, const float *x, size_t n, const char *fn) {
  /* branch-free scan (vectorises); locate the culprit only on failure */
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= !(x[i] - x[i] == 0.0f);
  if (bad)
    for (size_t i = 0; i < n; i++)
      if (!isfinite(x[i]))
        return snn__error(SNN_E_INVALID, "%s: x[%zu] is not finite (%g)", fn, i, (double)x[i]);
  size_t i = gain_overflow_at(e, x, n);
  if (i < n)
    return snn__error(SNN_E_RANGE, "%s: gain * x[%zu] = %g * %g does not fit a float", fn, i,
                      e->p[SNN__DIR_GAIN], (double)x[i]);
  return SNN_OK;
}

static int check_consistent(const snn_encoder *e, const char *fn) {
  if (e->kind == SNN__ENC_POPULATION && !(e->p[SNN__POP_I_MAX] > e->p[SNN__POP_I_MIN]))
    return snn__error(SNN_E_RANGE, "%s: population encoder needs I_max > I_min (got %g, %g)", fn,
                      e->p[SNN__POP_I_MAX], e->p[SNN__POP_I_MIN]);
  if (e->kind == SNN__ENC_POPULATION) {
    /* a field width that underflows would make (x - centre) / sigma 0/0 = NaN */
    double sigma = (e->p[SNN__POP_I_MAX] - e->p[SNN__POP_I_MIN]) /
                   (e->p[SNN__POP_BETA] * (e->p[SNN__POP_M] - 2.0));
    if (!(sigma >= DBL_MIN) || !isfinite(sigma))
      return snn__error(SNN_E_RANGE,
                        "%s: population encoder: I_max - I_min (%g) is too small for m = %g and "
                        "beta = %g (field width %g)",
                        fn, e->p[SNN__POP_I_MAX] - e->p[SNN__POP_I_MIN], e->p[SNN__POP_M],
                        e->p[SNN__POP_BETA], sigma);
  }
  return SNN_OK;
}

/* shared checks: sizes and the number of output channels */
static int check_sizes(size_t *n_chan, const snn_encoder *e, size_t n_in, size_t n_steps,
                       const char *fn) {
  if (n_in == 0) return snn__error(SNN_E_INVALID, "%s: n_in must be >= 1 (got 0)", fn);
  if (n_steps == 0) return snn__error(SNN_E_INVALID, "%s: n_steps must be >= 1 (got 0)", fn);
  int rc = snn_encoder_output_size(n_chan, e, n_in);
  if (rc != SNN_OK) return rc;
  return check_consistent(e, fn);
}

static void encode_static(snn_encoder *e, float *out, size_t stride, const float *x, size_t n_in,
                          size_t n_steps, snn__lanes *L) {
  switch (e->kind) {
    case SNN__ENC_RATE: snn__enc_rate(e, out, stride, x, n_in, n_steps, L); break;
    case SNN__ENC_LATENCY: snn__enc_latency(e, out, stride, x, n_in, n_steps); break;
    case SNN__ENC_DIRECT: snn__enc_direct(e, out, stride, x, n_in, n_steps); break;
    case SNN__ENC_POPULATION: snn__enc_population(e, out, stride, x, n_in, n_steps); break;
    default: break;
  }
}

int snn_encoder_encode(snn_encoder *e, float *out, size_t n_out, const float *x, size_t n_in,
                       size_t n_steps) {
  static const char fn[] = "snn_encoder_encode";
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(x, fn);
  size_t n_chan, need, n_x = n_in;
  int rc = check_sizes(&n_chan, e, n_in, n_steps, fn);
  if (rc != SNN_OK) return rc;
  if (snn__mul_size(&need, n_steps, n_chan) != 0)
    return snn__error(SNN_E_INVALID, "%s: n_steps * n_chan overflows (%zu * %zu)", fn, n_steps,
                      n_chan);
  if (n_out != need)
    return snn__error(SNN_E_INVALID,
                      "%s: n_out must be n_steps * n_chan = %zu * %zu = %zu (got %zu)", fn,
                      n_steps, n_chan, need, n_out);
  if (e->kind == SNN__ENC_DELTA) n_x = need; /* a time series: n_steps rows of n_in */
  rc = check_input(e, x, n_x, fn);
  if (rc != SNN_OK) return rc;

  if (e->kind == SNN__ENC_DELTA) {
    if (e->delta_ref == NULL || e->delta_n != n_in) {
      float *ref = snn__malloc(n_in * sizeof(float));
      if (ref == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory (%zu inputs)", fn, n_in);
      snn__free(e->delta_ref);
      e->delta_ref = ref;
      e->delta_n = n_in;
      e->delta_valid = 0;
    }
    if (!e->delta_valid) {
      memset(e->delta_ref, 0, n_in * sizeof(float));
      e->delta_valid = 1;
    }
    snn__enc_delta(e, out, n_chan, x, n_in, n_steps, e->delta_ref);
    return SNN_OK;
  }
  snn__lanes L;
  if (e->kind == SNN__ENC_RATE) snn__lanes_seed(&L, &e->rng);
  encode_static(e, out, n_chan, x, n_in, n_steps, &L);
  return SNN_OK;
}

int snn__encoder_encode_batch(snn_encoder *e, float *out, const float *x, size_t batch,
                              size_t n_in, size_t n_steps, uint64_t stream) {
  static const char fn[] = "snn__encoder_encode_batch";
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(x, fn);
  if (batch == 0) return snn__error(SNN_E_INVALID, "%s: batch must be >= 1 (got 0)", fn);
  size_t n_chan, stride, total, n_x;
  int rc = check_sizes(&n_chan, e, n_in, n_steps, fn);
  if (rc != SNN_OK) return rc;
  if (snn__mul_size(&stride, batch, n_chan) != 0 || snn__mul_size(&total, stride, n_steps) != 0 ||
      snn__mul_size(&n_x, batch, n_in) != 0 ||
      (e->kind == SNN__ENC_DELTA && snn__mul_size(&n_x, n_x, n_steps) != 0))
    return snn__error(SNN_E_INVALID, "%s: sizes overflow (batch %zu, n_in %zu, n_steps %zu)", fn,
                      batch, n_in, n_steps);
  rc = check_input(e, x, n_x, fn);
  if (rc != SNN_OK) return rc;

  snn__rng base;
  snn__rng_fork(&base, &e->rng, stream);
  for (size_t b = 0; b < batch; b++) {
    float *ob = out + b * n_chan;
    if (e->kind == SNN__ENC_DELTA) {
      /* each sample starts from reference 0; its time series is x[b] */
      float ref_stack[256];
      size_t done = 0;
      const float *xb = x + b * n_steps * n_in;
      /* process in chunks of at most 256 channels so no allocation is needed */
      while (done < n_in) {
        size_t c = n_in - done < 256 ? n_in - done : 256;
        memset(ref_stack, 0, sizeof ref_stack);
        for (size_t t = 0; t < n_steps; t++)
          snn__enc_delta(e, ob + t * stride + done, 0, xb + t * n_in + done, c, 1, ref_stack);
        done += c;
      }
      continue;
    }
    snn__lanes L;
    if (e->kind == SNN__ENC_RATE) {
      snn__rng r;
      snn__rng_fork(&r, &base, (uint64_t)b);
      snn__lanes_seed(&L, &r);
    }
    encode_static(e, ob, stride, x + b * n_in, n_in, n_steps, &L);
  }
  return SNN_OK;
}

int snn__encoder_can_list(const snn_encoder *e) { return e != NULL && e->kind == SNN__ENC_RATE; }

size_t snn__encoder_lanes_size(void) { return sizeof(snn__lanes); }

int snn__encoder_rate_lists(snn_encoder *e, const float *x, size_t batch, size_t n_in,
                            size_t n_steps, uint64_t stream, void *lanes, int32_t *cnt,
                            size_t *rp, int32_t *idx, size_t *nnz) {
  static const char fn[] = "snn__encoder_rate_lists";
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(x, fn);
  SNN__CHECK_NULL(lanes, fn);
  SNN__CHECK_NULL(cnt, fn);
  SNN__CHECK_NULL(rp, fn);
  SNN__CHECK_NULL(idx, fn);
  SNN__CHECK_NULL(nnz, fn);
  if (!snn__encoder_can_list(e))
    return snn__error(SNN_E_UNSUPPORTED, "%s: only the 'rate' encoder emits index lists", fn);
  if (batch == 0) return snn__error(SNN_E_INVALID, "%s: batch must be >= 1 (got 0)", fn);
  size_t n_chan, n_x, total;
  int rc = check_sizes(&n_chan, e, n_in, n_steps, fn);
  if (rc != SNN_OK) return rc;
  if (snn__mul_size(&n_x, batch, n_in) != 0 || snn__mul_size(&total, n_x, n_steps) != 0 ||
      total > (size_t)INT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: sizes overflow (batch %zu, n_in %zu, n_steps %zu)", fn,
                      batch, n_in, n_steps);
  rc = check_input(e, x, n_x, fn);
  if (rc != SNN_OK) return rc;

  snn__lanes *L = lanes;
  snn__rng base;
  snn__rng_fork(&base, &e->rng, stream);
  for (size_t b = 0; b < batch; b++) { /* the same seeds as snn__encoder_encode_batch */
    snn__rng r;
    snn__rng_fork(&r, &base, (uint64_t)b);
    snn__lanes_seed(&L[b], &r);
  }
  size_t total_nnz = 0;
#pragma omp parallel reduction(+ : total_nnz) if (total >= 65536)
  {
    size_t tid = 0, nth = 1;
#ifdef _OPENMP
    tid = (size_t)omp_get_thread_num();
    nth = (size_t)omp_get_num_threads();
#endif
    size_t b0 = batch * tid / nth, b1 = batch * (tid + 1) / nth;
    /* rows t*batch + [b0, b1) are this thread's block for step t; a sample's
     * lanes advance through the steps in order, as in encode_batch */
    for (size_t t = 0; t < n_steps; t++) {
      size_t pos = (t * batch + b0) * n_in;
      for (size_t b = b0; b < b1; b++) {
        size_t r = t * batch + b;
        size_t c = snn__enc_rate_list(e, idx + pos, x + b * n_in, n_in, &L[b]);
        cnt[r] = (int32_t)c;
        rp[r] = pos;
        pos += c;
        total_nnz += c;
      }
    }
  }
  *nnz = total_nnz;
  return SNN_OK;
}

int snn_encoder_spike_times(const snn_encoder *e, float *times, size_t n_out, const float *x,
                            size_t n_in) {
  static const char fn[] = "snn_encoder_spike_times";
  SNN__CHECK_NULL(e, fn);
  SNN__CHECK_NULL(times, fn);
  SNN__CHECK_NULL(x, fn);
  if (e->kind != SNN__ENC_LATENCY && e->kind != SNN__ENC_POPULATION)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: only 'latency' and 'population' encoders emit single spikes (this "
                      "is '%s')",
                      fn, kinds[e->kind].name);
  size_t n_chan;
  int rc = check_sizes(&n_chan, e, n_in, 1, fn);
  if (rc != SNN_OK) return rc;
  if (n_out != n_chan)
    return snn__error(SNN_E_INVALID, "%s: n_out must equal the output size %zu (got %zu)", fn,
                      n_chan, n_out);
  rc = check_input(e, x, n_in, fn);
  if (rc != SNN_OK) return rc;
  if (e->kind == SNN__ENC_LATENCY)
    snn__enc_latency_times(e, times, x, n_in);
  else
    snn__enc_population_times(e, times, x, n_in);
  return SNN_OK;
}

/* ---- helpers shared by the kernels ------------------------------------------------- */

void snn__enc_zero(float *out, size_t stride, size_t n_chan, size_t n_steps) {
  for (size_t t = 0; t < n_steps; t++) memset(out + t * stride, 0, n_chan * sizeof(float));
}

size_t snn__enc_step_of(double t, double dt, size_t n_steps) {
  /* round the time to float first, so the step always agrees with the time
   * snn_encoder_spike_times() reports (20 * (1 - 0.1f) is 17.99999997 in
   * double but 18 in float) */
  t = (double)(float)t;
  if (!(t >= 0.0)) return SIZE_MAX;
  double s = floor(t / dt);
  if (!(s < (double)n_steps)) return SIZE_MAX;
  return (size_t)s;
}

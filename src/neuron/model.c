/* Neuron models: kind registry, named parameters, presets, and the internal
 * dispatch used by populations and networks (src/neuron/neuron.h). */
#include "neuron_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const snn__kind *const snn__kinds[] = {&snn__kind_if, &snn__kind_lif,
                                              &snn__kind_izhikevich, &snn__kind_adex,
                                              &snn__kind_srm};
#define SNN__N_KINDS (sizeof snn__kinds / sizeof snn__kinds[0])

static const snn__kind *find_kind(const char *name) {
  for (size_t i = 0; i < SNN__N_KINDS; i++)
    if (strcmp(snn__kinds[i]->name, name) == 0) return snn__kinds[i];
  return NULL;
}

int snn__neuron_kind_exists(const char *name) { return find_kind(name) != NULL; }

/* Appends "a, b, c" to buf (truncating safely). */
static void list_append(char *buf, size_t cap, const char *s) {
  size_t len = strlen(buf);
  if (len + 1 >= cap) return;
  snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", s);
}

static void kind_list(char *buf, size_t cap) {
  buf[0] = '\0';
  for (size_t i = 0; i < SNN__N_KINDS; i++) list_append(buf, cap, snn__kinds[i]->name);
}

size_t snn_neuron_kind_count(void) { return SNN__N_KINDS; }

const char *snn_neuron_kind_name(size_t i) { return i < SNN__N_KINDS ? snn__kinds[i]->name : NULL; }

static int model_alloc(snn_neuron_model **out, const snn__kind *k, const double *values) {
  snn_neuron_model *m = snn__calloc(1, sizeof *m);
  if (m == NULL) return snn__error(SNN_E_NOMEM, "snn_neuron_model_create: out of memory");
  m->params = snn__calloc(k->n_params ? k->n_params : 1, sizeof(double));
  if (m->params == NULL) {
    snn__free(m);
    return snn__error(SNN_E_NOMEM, "snn_neuron_model_create: out of memory");
  }
  m->kind = k;
  m->n_params = k->n_params;
  for (size_t i = 0; i < k->n_params; i++) m->params[i] = values ? values[i] : k->params[i].def;
  *out = m;
  return SNN_OK;
}

int snn_neuron_model_create(snn_neuron_model **out, const char *kind) {
  SNN__CHECK_NULL(out, "snn_neuron_model_create");
  *out = NULL;
  SNN__CHECK_NULL(kind, "snn_neuron_model_create");
  const snn__kind *k = find_kind(kind);
  if (k == NULL) {
    char list[256];
    kind_list(list, sizeof list);
    return snn__error(SNN_E_NOTFOUND,
                      "snn_neuron_model_create: unknown neuron kind '%s' (valid: %s)", kind, list);
  }
  return model_alloc(out, k, NULL);
}

size_t snn_neuron_preset_count(const char *kind) {
  const snn__kind *k = kind ? find_kind(kind) : NULL;
  return k ? k->n_presets : 0;
}

const char *snn_neuron_preset_name(const char *kind, size_t i) {
  const snn__kind *k = kind ? find_kind(kind) : NULL;
  return (k && i < k->n_presets) ? k->presets[i].name : NULL;
}

const char *snn_neuron_preset_doc(const char *kind, size_t i) {
  const snn__kind *k = kind ? find_kind(kind) : NULL;
  return (k && i < k->n_presets) ? k->presets[i].doc : NULL;
}

int snn_neuron_model_create_preset(snn_neuron_model **out, const char *kind, const char *preset) {
  SNN__CHECK_NULL(out, "snn_neuron_model_create_preset");
  *out = NULL;
  SNN__CHECK_NULL(kind, "snn_neuron_model_create_preset");
  SNN__CHECK_NULL(preset, "snn_neuron_model_create_preset");
  const snn__kind *k = find_kind(kind);
  char list[512];
  if (k == NULL) {
    kind_list(list, sizeof list);
    return snn__error(SNN_E_NOTFOUND,
                      "snn_neuron_model_create_preset: unknown neuron kind '%s' (valid: %s)", kind,
                      list);
  }
  for (size_t i = 0; i < k->n_presets; i++)
    if (strcmp(k->presets[i].name, preset) == 0) return model_alloc(out, k, k->presets[i].values);
  list[0] = '\0';
  for (size_t i = 0; i < k->n_presets; i++) list_append(list, sizeof list, k->presets[i].name);
  return snn__error(SNN_E_NOTFOUND,
                    "snn_neuron_model_create_preset: unknown preset '%s' for kind '%s' (valid: %s)",
                    preset, kind, k->n_presets ? list : "none");
}

int snn_neuron_model_clone(snn_neuron_model **out, const snn_neuron_model *m) {
  SNN__CHECK_NULL(out, "snn_neuron_model_clone");
  *out = NULL;
  SNN__CHECK_NULL(m, "snn_neuron_model_clone");
  snn_neuron_model *c = snn__calloc(1, sizeof *c);
  if (c == NULL) return snn__error(SNN_E_NOMEM, "snn_neuron_model_clone: out of memory");
  c->params = snn__calloc(m->n_params ? m->n_params : 1, sizeof(double));
  if (c->params == NULL) {
    snn__free(c);
    return snn__error(SNN_E_NOMEM, "snn_neuron_model_clone: out of memory");
  }
  c->kind = m->kind;
  c->n_params = m->n_params;
  if (m->n_params) memcpy(c->params, m->params, m->n_params * sizeof(double));
  c->custom = m->custom;
  if (c->custom) snn__custom_retain(c->custom);
  *out = c;
  return SNN_OK;
}

void snn_neuron_model_free(snn_neuron_model *m) {
  if (m == NULL) return;
  if (m->custom) snn__custom_release(m->custom);
  snn__free(m->params);
  snn__free(m);
}

const char *snn_neuron_model_kind(const snn_neuron_model *m) {
  if (m == NULL) return NULL;
  return m->kind ? m->kind->name : snn__custom_name(m->custom);
}

static const char *param_name(const snn_neuron_model *m, size_t i) {
  return m->kind ? m->kind->params[i].name : snn__custom_param_name(m->custom, i);
}

int snn__neuron_param_index(const snn_neuron_model *m, const char *name) {
  if (m == NULL || name == NULL) return -1;
  for (size_t i = 0; i < m->n_params; i++)
    if (strcmp(param_name(m, i), name) == 0) return (int)i;
  return -1;
}

const double *snn__neuron_params(const snn_neuron_model *m) { return m ? m->params : NULL; }

static int unknown_param(const snn_neuron_model *m, const char *fn, const char *name) {
  char list[512];
  list[0] = '\0';
  for (size_t i = 0; i < m->n_params; i++) list_append(list, sizeof list, param_name(m, i));
  return snn__error(SNN_E_NOTFOUND, "%s: unknown parameter '%s' for neuron kind '%s' (valid: %s)",
                    fn, name, snn_neuron_model_kind(m), m->n_params ? list : "none");
}

int snn_neuron_model_set(snn_neuron_model *m, const char *name, double value) {
  static const char fn[] = "snn_neuron_model_set";
  SNN__CHECK_NULL(m, fn);
  SNN__CHECK_NULL(name, fn);
  if (!isfinite(value))
    return snn__error(SNN_E_INVALID, "%s: value of '%s' is not finite (%g)", fn, name, value);
  int i = snn__neuron_param_index(m, name);
  if (i < 0) return unknown_param(m, fn, name);
  double lo, hi;
  if (m->kind) {
    lo = m->kind->params[i].min;
    hi = m->kind->params[i].max;
  } else {
    snn__custom_param_bounds(m->custom, (size_t)i, &lo, &hi);
  }
  if (!(value >= lo && value <= hi))
    return snn__error(SNN_E_RANGE, "%s: '%s' = %g is outside [%g, %g]", fn, name, value, lo, hi);
  if (m->kind && m->kind->params[i].n_enum && value != floor(value)) {
    return snn__error(SNN_E_RANGE, "%s: '%s' is enumerated; %g is not one of its integer codes",
                      fn, name, value);
  }
  m->params[i] = value;
  return SNN_OK;
}

int snn_neuron_model_set_str(snn_neuron_model *m, const char *name, const char *value) {
  static const char fn[] = "snn_neuron_model_set_str";
  SNN__CHECK_NULL(m, fn);
  SNN__CHECK_NULL(name, fn);
  SNN__CHECK_NULL(value, fn);
  int i = snn__neuron_param_index(m, name);
  if (i < 0) return unknown_param(m, fn, name);
  const snn__pdef *d = m->kind ? &m->kind->params[i] : NULL;
  if (d == NULL || d->n_enum == 0)
    return snn__error(SNN_E_NOTFOUND,
                      "%s: parameter '%s' of kind '%s' is numeric, not enumerated (use "
                      "snn_neuron_model_set)",
                      fn, name, snn_neuron_model_kind(m));
  char list[256];
  list[0] = '\0';
  for (size_t k = 0; k < d->n_enum; k++) {
    if (strcmp(d->enum_names[k], value) == 0) {
      m->params[i] = (double)k;
      return SNN_OK;
    }
    list_append(list, sizeof list, d->enum_names[k]);
  }
  return snn__error(SNN_E_NOTFOUND, "%s: unknown value '%s' for '%s' (valid: %s)", fn, value, name,
                    list);
}

int snn_neuron_model_get(double *out, const snn_neuron_model *m, const char *name) {
  static const char fn[] = "snn_neuron_model_get";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(m, fn);
  SNN__CHECK_NULL(name, fn);
  int i = snn__neuron_param_index(m, name);
  if (i < 0) return unknown_param(m, fn, name);
  *out = m->params[i];
  return SNN_OK;
}

size_t snn_neuron_model_param_count(const snn_neuron_model *m) { return m ? m->n_params : 0; }

/* Writes the fields of info covered by out->struct_size. */
int snn__param_info_fill(snn_param_info *out, const char *name, double def, double lo, double hi,
                         const char *unit, const char *doc) {
  snn_param_info tmp;
  tmp.struct_size = out->struct_size;
  tmp.name = name;
  tmp.default_value = def;
  tmp.min_value = lo;
  tmp.max_value = hi;
  tmp.unit = unit ? unit : "";
  tmp.doc = doc ? doc : "";
  size_t n = out->struct_size < sizeof tmp ? out->struct_size : sizeof tmp;
  memcpy(out, &tmp, n);
  return SNN_OK;
}

int snn_neuron_model_param_info(snn_param_info *out, const snn_neuron_model *m, size_t i) {
  static const char fn[] = "snn_neuron_model_param_info";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(m, fn);
  size_t min_size = offsetof(snn_param_info, name) + sizeof(out->name);
  if (out->struct_size < min_size)
    return snn__error(SNN_E_VERSION,
                      "%s: out->struct_size is %zu, smaller than the smallest supported (%zu); set "
                      "it to sizeof(snn_param_info)",
                      fn, out->struct_size, min_size);
  if (i >= m->n_params)
    return snn__error(SNN_E_RANGE, "%s: index %zu out of range (kind '%s' has %zu parameters)", fn,
                      i, snn_neuron_model_kind(m), m->n_params);
  if (m->kind) {
    const snn__pdef *d = &m->kind->params[i];
    return snn__param_info_fill(out, d->name, d->def, d->min, d->max, d->unit, d->doc);
  }
  return snn__custom_param_info(out, m->custom, i);
}

size_t snn_neuron_model_state_count(const snn_neuron_model *m) {
  if (m == NULL) return 0;
  return m->kind ? m->kind->n_pub_state : snn__custom_n_state(m->custom);
}

const char *snn_neuron_model_state_name(const snn_neuron_model *m, size_t i) {
  if (m == NULL) return NULL;
  if (m->kind) return i < m->kind->n_pub_state ? m->kind->state_names[i] : NULL;
  return snn__custom_state_name(m->custom, i);
}

/* ---- internal interface (neuron.h) ---------------------------------------- */

size_t snn__neuron_n_state(const snn_neuron_model *m) {
  if (m == NULL) return 0;
  return m->kind ? m->kind->n_state : snn__custom_n_state(m->custom);
}

int snn__neuron_init_state(const snn_neuron_model *m, float *state, size_t n) {
  SNN__CHECK_NULL(m, "snn__neuron_init_state");
  SNN__CHECK_NULL(state, "snn__neuron_init_state");
  if (m->kind) {
    m->kind->init(m->params, state, n);
    return SNN_OK;
  }
  return snn__custom_init(m->custom, m->params, state, n);
}

int snn__neuron_step(const snn_neuron_model *m, float *state, const float *i_in, uint8_t *spikes,
                     size_t n, double dt) {
  SNN__CHECK_NULL(m, "snn__neuron_step");
  SNN__CHECK_NULL(state, "snn__neuron_step");
  SNN__CHECK_NULL(spikes, "snn__neuron_step");
  if (m->kind) {
    (void)m->kind->step(m->params, state, i_in, spikes, n, dt);
    return SNN_OK;
  }
  return snn__custom_step(m->custom, m->params, state, i_in, spikes, n, dt);
}

/* 1 when all of x[0..n) are finite (vectorisable: x - x is NaN for Inf/NaN). */
static int all_finite(const float *x, size_t n) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= !(x[i] - x[i] == 0.0f);
  return !bad;
}

int snn__neuron_step_checked(const snn_neuron_model *m, float *state, const float *i_in,
                             uint8_t *spikes, size_t n, double dt, int *bad_var) {
  SNN__CHECK_NULL(m, "snn__neuron_step_checked");
  SNN__CHECK_NULL(state, "snn__neuron_step_checked");
  SNN__CHECK_NULL(spikes, "snn__neuron_step_checked");
  SNN__CHECK_NULL(bad_var, "snn__neuron_step_checked");
  *bad_var = -1;
  if (m->kind) { /* the kernels check their results while they hold them */
    unsigned bad = m->kind->step(m->params, state, i_in, spikes, n, dt);
    for (int k = 0; bad != 0; k++, bad >>= 1)
      if (bad & 1u) {
        *bad_var = k;
        break;
      }
    return SNN_OK;
  }
  int rc = snn__custom_step(m->custom, m->params, state, i_in, spikes, n, dt);
  if (rc != SNN_OK) return rc;
  size_t pub = snn_neuron_model_state_count(m);
  for (size_t k = 0; k < pub; k++)
    if (!all_finite(state + k * n, n)) {
      *bad_var = (int)k;
      break;
    }
  return SNN_OK;
}

int snn__neuron_has_grad(const snn_neuron_model *m) {
  if (m == NULL) return 0;
  if (m->kind) return m->kind->step_grad != NULL;
  return snn__custom_has_grad(m->custom);
}

int snn__neuron_step_grad(const snn_neuron_model *m, const float *state_before, const float *i_in,
                          const float *grad_state, const float *grad_spike,
                          float *grad_state_before, float *grad_in, size_t n, double dt,
                          float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  static const char fn[] = "snn__neuron_step_grad";
  SNN__CHECK_NULL(m, fn);
  SNN__CHECK_NULL(state_before, fn);
  SNN__CHECK_NULL(grad_state_before, fn);
  SNN__CHECK_NULL(surrogate, fn);
  if (!snn__neuron_has_grad(m))
    return snn__error(SNN_E_UNSUPPORTED, "%s: neuron kind '%s' has no step_grad", fn,
                      snn_neuron_model_kind(m));
  if (m->kind)
    return m->kind->step_grad(m->params, state_before, i_in, grad_state, grad_spike,
                              grad_state_before, grad_in, n, dt, surrogate, sg_user);
  return snn__custom_step_grad(m->custom, m->params, state_before, i_in, grad_state, grad_spike,
                               grad_state_before, grad_in, n, dt, surrogate, sg_user);
}

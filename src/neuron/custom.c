/* User-defined neuron models (snn_neuron_ops): validation, copying, and a
 * reference count shared by all clones so ops->destroy runs exactly once. */
#include "neuron_impl.h"

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SNN__CUSTOM_MAX_STATE 64u
#define SNN__CUSTOM_MAX_PARAMS 1024u
#define SNN__CUSTOM_MAX_NAME 256u

struct snn__custom {
  atomic_size_t refs;
  snn_neuron_ops ops; /* copied; name/state_names/params point into this struct's copies */
  void *user;
  char *name;
  char **state_names; /* n_state entries */
  snn_param_def *params;
  char **param_strings; /* 3 per parameter: name, unit, doc */
};

static const char fn_create[] = "snn_neuron_model_create_custom";

static void custom_free_tables(snn__custom *c) {
  if (c->state_names) {
    for (size_t i = 0; i < c->ops.n_state; i++) snn__free(c->state_names[i]);
    snn__free(c->state_names);
  }
  if (c->param_strings) {
    for (size_t i = 0; i < 3u * c->ops.n_params; i++) snn__free(c->param_strings[i]);
    snn__free(c->param_strings);
  }
  snn__free(c->params);
  snn__free(c->name);
}

/* model files store names as printable ASCII: a name that could not be
 * loaded back is refused here rather than at the first save */
static int name_ok(const char *s) {
  if (s == NULL || s[0] == '\0') return 0;
  return strlen(s) < SNN__CUSTOM_MAX_NAME && snn__name_printable(s);
}

static int validate(const snn_neuron_ops *o) {
  if (!name_ok(o->name))
    return snn__error(SNN_E_INVALID, "%s: ops->name must be a non-empty printable ASCII string shorter than %u",
                      fn_create, SNN__CUSTOM_MAX_NAME);
  if (snn__neuron_kind_exists(o->name))
    return snn__error(SNN_E_INVALID, "%s: ops->name '%s' is the name of a built-in kind",
                      fn_create, o->name);
  if (o->n_state < 1 || o->n_state > SNN__CUSTOM_MAX_STATE)
    return snn__error(SNN_E_INVALID, "%s: ops->n_state must be in [1, %u] (got %u)", fn_create,
                      SNN__CUSTOM_MAX_STATE, (unsigned)o->n_state);
  if (o->init == NULL) return snn__error(SNN_E_INVALID, "%s: ops->init must not be NULL", fn_create);
  if (o->step == NULL) return snn__error(SNN_E_INVALID, "%s: ops->step must not be NULL", fn_create);
  if (o->state_names) {
    for (uint32_t i = 0; i < o->n_state; i++) {
      if (!name_ok(o->state_names[i]))
        return snn__error(SNN_E_INVALID, "%s: ops->state_names[%u] is NULL, empty, too long or not printable ASCII",
                          fn_create, (unsigned)i);
      for (uint32_t j = 0; j < i; j++)
        if (strcmp(o->state_names[i], o->state_names[j]) == 0)
          return snn__error(SNN_E_INVALID, "%s: state name '%s' appears twice", fn_create,
                            o->state_names[i]);
    }
  }
  if (o->n_params > SNN__CUSTOM_MAX_PARAMS)
    return snn__error(SNN_E_INVALID, "%s: ops->n_params must be <= %u (got %u)", fn_create,
                      SNN__CUSTOM_MAX_PARAMS, (unsigned)o->n_params);
  if (o->n_params > 0 && o->params == NULL)
    return snn__error(SNN_E_INVALID, "%s: ops->params is NULL but n_params is %u", fn_create,
                      (unsigned)o->n_params);
  for (uint32_t i = 0; i < o->n_params; i++) {
    const snn_param_def *d = &o->params[i];
    if (!name_ok(d->name))
      return snn__error(SNN_E_INVALID, "%s: ops->params[%u].name is NULL, empty, too long or not printable ASCII",
                        fn_create, (unsigned)i);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(d->name, o->params[j].name) == 0)
        return snn__error(SNN_E_INVALID, "%s: parameter name '%s' appears twice", fn_create,
                          d->name);
    if (isnan(d->min_value) || isnan(d->max_value) || !isfinite(d->default_value) ||
        d->min_value > d->max_value || d->default_value < d->min_value ||
        d->default_value > d->max_value)
      return snn__error(SNN_E_INVALID,
                        "%s: parameter '%s' needs min <= default <= max with a finite default "
                        "(got %g <= %g <= %g)",
                        fn_create, d->name, d->min_value, d->default_value, d->max_value);
  }
  return SNN_OK;
}

static char *dup_or_empty(const char *s) { return snn__strdup(s ? s : ""); }

/* Copies the tables into c (c->ops already holds the copied struct). */
static int copy_tables(snn__custom *c) {
  const snn_neuron_ops *o = &c->ops;
  c->name = snn__strdup(o->name);
  if (c->name == NULL) return SNN_E_NOMEM;
  c->state_names = snn__calloc(o->n_state, sizeof(char *));
  if (c->state_names == NULL) return SNN_E_NOMEM;
  for (uint32_t i = 0; i < o->n_state; i++) {
    char tmp[32];
    const char *s;
    if (o->state_names) {
      s = o->state_names[i];
    } else if (i == 0) {
      s = "V";
    } else {
      snprintf(tmp, sizeof tmp, "s%u", (unsigned)i);
      s = tmp;
    }
    c->state_names[i] = snn__strdup(s);
    if (c->state_names[i] == NULL) return SNN_E_NOMEM;
  }
  if (o->n_params) {
    c->params = snn__calloc(o->n_params, sizeof(snn_param_def));
    c->param_strings = snn__calloc(3u * o->n_params, sizeof(char *));
    if (c->params == NULL || c->param_strings == NULL) return SNN_E_NOMEM;
    for (uint32_t i = 0; i < o->n_params; i++) {
      const snn_param_def *d = &o->params[i];
      char **ps = &c->param_strings[3u * i];
      ps[0] = snn__strdup(d->name);
      if (ps[0] == NULL) return SNN_E_NOMEM;
      ps[1] = dup_or_empty(d->unit);
      if (ps[1] == NULL) return SNN_E_NOMEM;
      ps[2] = dup_or_empty(d->doc);
      if (ps[2] == NULL) return SNN_E_NOMEM;
      c->params[i] = *d;
      c->params[i].name = ps[0];
      c->params[i].unit = ps[1];
      c->params[i].doc = ps[2];
    }
  }
  /* the copied ops must not point at caller memory */
  c->ops.name = c->name;
  c->ops.state_names = (const char *const *)c->state_names;
  c->ops.params = c->params;
  return SNN_OK;
}

int snn_neuron_model_create_custom(snn_neuron_model **out, const snn_neuron_ops *ops, void *user) {
  SNN__CHECK_NULL(out, fn_create);
  *out = NULL;
  SNN__CHECK_NULL(ops, fn_create);
  size_t min_size = offsetof(snn_neuron_ops, step) + sizeof(ops->step);
  int rc = snn__check_struct_size(ops, ops->struct_size, min_size, sizeof(snn_neuron_ops),
                                  fn_create, "snn_neuron_ops");
  if (rc != SNN_OK) return rc;
  snn_neuron_ops o;
  memset(&o, 0, sizeof o);
  memcpy(&o, ops, ops->struct_size < sizeof o ? ops->struct_size : sizeof o);
  o.struct_size = sizeof o;
  rc = validate(&o);
  if (rc != SNN_OK) return rc;

  /* From here on, a failure calls o.destroy(user) (documented). */
  snn__custom *c = snn__calloc(1, sizeof *c);
  snn_neuron_model *m = NULL;
  if (c == NULL) goto nomem;
  atomic_init(&c->refs, 1);
  c->ops = o;
  c->user = user;
  if (copy_tables(c) != SNN_OK) goto nomem;
  m = snn__calloc(1, sizeof *m);
  if (m == NULL) goto nomem;
  m->params = snn__calloc(o.n_params ? o.n_params : 1, sizeof(double));
  if (m->params == NULL) goto nomem;
  m->n_params = o.n_params;
  for (uint32_t i = 0; i < o.n_params; i++) m->params[i] = c->params[i].default_value;
  m->custom = c;
  *out = m;
  return SNN_OK;

nomem:
  if (m) {
    snn__free(m->params);
    snn__free(m);
  }
  if (c) {
    custom_free_tables(c);
    snn__free(c);
  }
  if (o.destroy) o.destroy(user);
  return snn__error(SNN_E_NOMEM, "%s: out of memory", fn_create);
}

void snn__custom_retain(snn__custom *c) { atomic_fetch_add(&c->refs, 1); }

void snn__custom_release(snn__custom *c) {
  if (atomic_fetch_sub(&c->refs, 1) != 1) return;
  void (*destroy)(void *) = c->ops.destroy;
  void *user = c->user;
  custom_free_tables(c);
  snn__free(c);
  if (destroy) destroy(user);
}

const char *snn__custom_name(const snn__custom *c) { return c->name; }

void *snn__neuron_custom_user(const snn_neuron_model *m, snn__custom_step_fn step) {
  if (m == NULL || m->custom == NULL || m->custom->ops.step != step) return NULL;
  return m->custom->user;
}
size_t snn__custom_n_state(const snn__custom *c) { return c->ops.n_state; }
const char *snn__custom_state_name(const snn__custom *c, size_t i) {
  return i < c->ops.n_state ? c->state_names[i] : NULL;
}
const char *snn__custom_param_name(const snn__custom *c, size_t i) { return c->params[i].name; }
void snn__custom_param_bounds(const snn__custom *c, size_t i, double *min, double *max) {
  *min = c->params[i].min_value;
  *max = c->params[i].max_value;
}

int snn__custom_param_info(snn_param_info *out, const snn__custom *c, size_t i) {
  const snn_param_def *d = &c->params[i];
  return snn__param_info_fill(out, d->name, d->default_value, d->min_value, d->max_value, d->unit,
                              d->doc);
}

/* Callbacks run inside an error guard (internal.h): on failure the plug-in's
 * message is kept, or one is supplied. */
static int guard_leave(const snn__err_guard *g, int rc, const snn__custom *c, const char *what) {
  if (snn__err_guard_leave(g, rc) != SNN_OK && snn_last_error()[0] == '\0')
    snn__error(rc, "custom neuron kind '%s': %s callback returned %d (%s)", c->name, what, rc,
               snn_strerror(rc));
  return rc;
}

int snn__custom_init(const snn__custom *c, const double *p, float *state, size_t n) {
  snn__err_guard g;
  snn__err_guard_enter(&g);
  return guard_leave(&g, c->ops.init(c->user, p, state, n), c, "init");
}

int snn__custom_step(const snn__custom *c, const double *p, float *state, const float *i_in,
                     uint8_t *spikes, size_t n, double dt) {
  snn__err_guard g;
  snn__err_guard_enter(&g);
  return guard_leave(&g, c->ops.step(c->user, p, state, i_in, spikes, n, dt), c, "step");
}

int snn__custom_has_grad(const snn__custom *c) { return c->ops.step_grad != NULL; }

int snn__custom_step_grad(const snn__custom *c, const double *p, const float *state_before,
                          const float *i_in, const float *grad_state, const float *grad_spike,
                          float *grad_state_before, float *grad_in, size_t n, double dt,
                          float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  snn__err_guard g;
  snn__err_guard_enter(&g);
  return guard_leave(&g,
                     c->ops.step_grad(c->user, p, state_before, i_in, grad_state, grad_spike,
                                      grad_state_before, grad_in, n, dt, surrogate, sg_user),
                     c, "step_grad");
}

/* Populations: n neurons of one model with SoA state, stepped without learning. */
#include "neuron_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct snn_population {
  snn_neuron_model *model; /* own copy */
  size_t n;
  size_t n_state; /* floats per neuron incl. hidden */
  float *state;   /* n_state * n, 64-byte aligned */
  uint8_t *scratch; /* spikes when the caller passes NULL */
};

int snn_population_create(snn_population **out, const snn_neuron_model *model, size_t n) {
  static const char fn[] = "snn_population_create";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(model, fn);
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: n must be >= 1 (got 0)", fn);
  size_t ns = snn__neuron_n_state(model), total;
  if (snn__mul_size(&total, ns, n) != 0 || total > SIZE_MAX / sizeof(float))
    return snn__error(SNN_E_INVALID, "%s: n = %zu is too large", fn, n);
  snn_population *p = snn__calloc(1, sizeof *p);
  if (p == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  int rc = snn_neuron_model_clone(&p->model, model);
  if (rc != SNN_OK) {
    snn__free(p);
    return snn__error(rc, "%s: out of memory", fn);
  }
  p->n = n;
  p->n_state = ns;
  p->state = snn__aligned_alloc(total, sizeof(float));
  p->scratch = snn__malloc(n);
  if (p->state == NULL || p->scratch == NULL) {
    snn_population_free(p);
    return snn__error(SNN_E_NOMEM, "%s: out of memory (%zu neurons)", fn, n);
  }
  rc = snn__neuron_init_state(p->model, p->state, n);
  if (rc != SNN_OK) {
    snn_population_free(p);
    return rc;
  }
  *out = p;
  return SNN_OK;
}

void snn_population_free(snn_population *p) {
  if (p == NULL) return;
  snn_neuron_model_free(p->model);
  snn__aligned_free(p->state);
  snn__free(p->scratch);
  snn__free(p);
}

size_t snn_population_size(const snn_population *p) { return p ? p->n : 0; }

int snn_population_reset(snn_population *p) {
  SNN__CHECK_NULL(p, "snn_population_reset");
  return snn__neuron_init_state(p->model, p->state, p->n);
}

int snn_population_step(snn_population *p, uint8_t *spikes, const float *i_in, size_t n,
                        double dt) {
  static const char fn[] = "snn_population_step";
  SNN__CHECK_NULL(p, fn);
  if (n != p->n)
    return snn__error(SNN_E_INVALID, "%s: n = %zu does not match the population size %zu", fn, n,
                      p->n);
  if (!(dt > 0.0) || !isfinite(dt))
    return snn__error(SNN_E_INVALID, "%s: dt must be finite and > 0 (got %g)", fn, dt);
  int bad = -1;
  int rc = snn__neuron_step_checked(p->model, p->state, i_in, spikes ? spikes : p->scratch, n, dt,
                                    &bad);
  if (rc != SNN_OK) return rc;
  if (bad >= 0)
    return snn__error(SNN_E_NUMERIC, "%s: state variable '%s' became NaN or Inf", fn,
                      snn_neuron_model_state_name(p->model, (size_t)bad));
  return SNN_OK;
}

static int var_index(const snn_population *p, const char *fn, const char *var) {
  size_t pub = snn_neuron_model_state_count(p->model);
  for (size_t k = 0; k < pub; k++)
    if (strcmp(snn_neuron_model_state_name(p->model, k), var) == 0) return (int)k;
  char list[256];
  list[0] = '\0';
  for (size_t k = 0; k < pub; k++) {
    size_t len = strlen(list);
    snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
             snn_neuron_model_state_name(p->model, k));
  }
  return snn__error(SNN_E_NOTFOUND, "%s: unknown state variable '%s' (valid: %s)", fn, var, list);
}

int snn_population_state_get(float *dst, const snn_population *p, const char *var, size_t n) {
  static const char fn[] = "snn_population_state_get";
  SNN__CHECK_NULL(dst, fn);
  SNN__CHECK_NULL(p, fn);
  SNN__CHECK_NULL(var, fn);
  if (n != p->n)
    return snn__error(SNN_E_INVALID, "%s: n = %zu does not match the population size %zu", fn, n,
                      p->n);
  int k = var_index(p, fn, var);
  if (k < 0) return k;
  memcpy(dst, p->state + (size_t)k * n, n * sizeof(float));
  return SNN_OK;
}

int snn_population_state_set(snn_population *p, const char *var, const float *src, size_t n) {
  static const char fn[] = "snn_population_state_set";
  SNN__CHECK_NULL(p, fn);
  SNN__CHECK_NULL(var, fn);
  SNN__CHECK_NULL(src, fn);
  if (n != p->n)
    return snn__error(SNN_E_INVALID, "%s: n = %zu does not match the population size %zu", fn, n,
                      p->n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(src[i]))
      return snn__error(SNN_E_INVALID, "%s: src[%zu] is not finite (%g)", fn, i, (double)src[i]);
  int k = var_index(p, fn, var);
  if (k < 0) return k;
  memcpy(p->state + (size_t)k * n, src, n * sizeof(float));
  if (k == 0) {
    /* hidden numerical carries of V (after the refractory counter) restart */
    size_t pub = snn_neuron_model_state_count(p->model);
    for (size_t j = pub + 1; j < p->n_state; j++) memset(p->state + j * n, 0, n * sizeof(float));
  }
  return SNN_OK;
}

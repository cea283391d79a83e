/* Neuron model "nir_hetero": NIR neuron nodes (LIF, IF, LI, CubaLI, CubaLIF,
 * I, Threshold) whose parameters differ between neurons. The homogeneous
 * nodes keep their own models (lif, if, nir_cuba, nir_integrator,
 * nir_threshold); this kind is used only when a field holds per-neuron
 * values that are not all equal. See docs/nir.md ("Heterogeneous
 * parameters").
 *
 * Layer-wide parameters (the model's parameter table): `node` (which NIR
 * node, SNN__HET_*), `reset` (0 to v_reset, 1 subtract), `euler`.
 * Per-neuron values live in the model's `user` block (shared by every copy
 * of the model and read-only once sealed), one double array per field, in
 * the NIR file's units (times in the file's unit, seconds: the step converts
 * dt from ms), so export writes back exactly the values that were imported.
 *
 * State V, I (I only for CubaLI/CubaLIF). The engine steps a batch of
 * samples at once: n = b * N neurons, neuron i of the call is neuron i % N of
 * the layer (sample-major), so a call whose n is not a multiple of N fails. */
#include <math.h>
#include <string.h>

#include "../net/serialize.h"
#include "../neuron/neuron.h"
#include "nir_graph.h"

#define MS_PER_UNIT 1000.0

typedef struct het {
  size_t n;   /* neurons (0 until the first array is set) */
  int sealed; /* complete and shared: read-only */
  double *a[SNN__HET_NARR];
} het;

static const char *const het_names[SNN__HET_NARR] = {"tau_mem", "tau_syn", "r",      "w_in",
                                                     "v_leak",  "v_th",    "v_reset"};
/* value range of each array (inclusive; tau_mem additionally > 0) */
static const double het_lo[SNN__HET_NARR] = {0.0, 0.0, -1e12, -1e12, -1e12, -1e12, -1e12};
static const double het_hi[SNN__HET_NARR] = {1e12, 1e12, 1e12, 1e12, 1e12, 1e12, 1e12};

static const char *const het_state_names[] = {"V", "I"};

static const snn_param_def het_params[SNN__HET_NPARAMS] = {
    {"node", 0.0, 0.0, 6.0, "",
     "NIR node: 0 LIF, 1 IF, 2 LI, 3 CubaLI, 4 CubaLIF, 5 I, 6 Threshold (integer)"},
    {"reset", 0.0, 0.0, 1.0, "", "0: V = v_reset after a spike; 1: V -= v_th - v_reset"},
    {"euler", 0.0, 0.0, 1.0, "", "0: exact integration; 1: forward Euler (snnTorch order)"},
};

static const char *const node_names[SNN__HET_NNODES] = {"LIF", "IF",      "LI",       "CubaLI",
                                                        "CubaLIF", "I", "Threshold"};

const char *snn__nir_hetero_node_name(int node) {
  return node >= 0 && node < SNN__HET_NNODES ? node_names[node] : NULL;
}

const char *snn__nir_hetero_array_name(int which) {
  return which >= 0 && which < SNN__HET_NARR ? het_names[which] : NULL;
}

static void het_destroy(void *user) {
  het *h = user;
  if (!h) return;
  for (int k = 0; k < SNN__HET_NARR; k++) snn__free(h->a[k]);
  snn__free(h);
}

static int node_of(const double *p, int *node) {
  double v = p[SNN__HET_NODE];
  if (!(v >= 0.0 && v < SNN__HET_NNODES) || v != floor(v))
    return snn__error(SNN_E_STATE, SNN__NIR_HETERO_KIND ": parameter node = %g is not one of 0..%d",
                      v, SNN__HET_NNODES - 1);
  *node = (int)v;
  return SNN_OK;
}

static int het_init(void *user, const double *p, float *state, size_t n) {
  const het *h = user;
  int node = 0, rc = node_of(p, &node);
  if (rc != SNN_OK) return rc;
  if (!h || !h->sealed)
    return snn__error(SNN_E_STATE, SNN__NIR_HETERO_KIND ": the per-neuron parameters are not set");
  for (size_t i = 0; i < n; i++) {
    size_t j = i % h->n;
    double v0 = 0.0;
    if (node == SNN__HET_IF) v0 = h->a[SNN__HET_V_RESET][j];
    else if (node != SNN__HET_I && node != SNN__HET_THRESHOLD) v0 = h->a[SNN__HET_V_LEAK][j];
    state[i] = (float)v0;
    state[n + i] = 0.0f;
  }
  return SNN_OK;
}

/* what step and step_grad read from the parameters and the call */
typedef struct het_call {
  int node, subtract, euler;
  size_t N, B; /* neurons of the layer, samples in the call */
  double dts;  /* the step in the file's unit */
} het_call;

static int het_check(het_call *c, const het *h, const double *p, size_t n, double dt) {
  int rc = node_of(p, &c->node);
  if (rc != SNN_OK) return rc;
  if (!h || !h->sealed)
    return snn__error(SNN_E_STATE, SNN__NIR_HETERO_KIND ": the per-neuron parameters are not set");
  c->N = h->n;
  if (n % c->N != 0)
    return snn__error(SNN_E_STATE,
                      SNN__NIR_HETERO_KIND ": stepped for %zu neurons, not a multiple of the %zu "
                      "the model holds values for",
                      n, c->N);
  c->B = n / c->N;
  c->subtract = p[SNN__HET_RESET] != 0.0;
  c->euler = p[SNN__HET_EULER] != 0.0;
  c->dts = dt / MS_PER_UNIT;
  return SNN_OK;
}

/* neuron j of the layer: its node's update (LIF and LI are the current-based
 * update without synaptic current and w_in 1; their I stays 0) and, in c, the
 * partial derivatives of (V', I') before the reset w.r.t. (V, I, u) */
typedef struct het_k {
  int node, spiking, resets; /* resets: a spike resets V (not Threshold) */
  snn__cuba_k c;             /* LIF, LI, CubaLI, CubaLIF; the partials for every node */
  double r, dts;             /* IF, I: V' = V + r u dts */
  double vth, vr;
} het_k;

static void het_make(het_k *k, const het *h, size_t j, const het_call *call) {
  const int node = call->node;
  k->node = node;
  k->spiking = node == SNN__HET_LIF || node == SNN__HET_IF || node == SNN__HET_CUBALIF ||
               node == SNN__HET_THRESHOLD;
  k->resets = k->spiking && node != SNN__HET_THRESHOLD;
  k->vth = h->a[SNN__HET_V_TH][j];
  k->vr = h->a[SNN__HET_V_RESET][j];
  k->r = h->a[SNN__HET_R][j];
  k->dts = call->dts;
  if (node == SNN__HET_IF || node == SNN__HET_I) {
    memset(&k->c, 0, sizeof k->c);
    k->c.dvv = 1.0;
    k->c.dvu = k->r * k->dts;
  } else if (node == SNN__HET_THRESHOLD) {
    memset(&k->c, 0, sizeof k->c);
    k->c.dvu = 1.0; /* V' = u */
  } else {
    const int cuba = node == SNN__HET_CUBALI || node == SNN__HET_CUBALIF;
    snn__cuba_make(&k->c, h->a[SNN__HET_TAU_MEM][j], cuba ? h->a[SNN__HET_TAU_SYN][j] : 0.0, k->r,
                   cuba ? h->a[SNN__HET_W_IN][j] : 1.0, h->a[SNN__HET_V_LEAK][j], call->euler,
                   k->dts);
    if (!cuba) k->c.dcc = k->c.dcu = 0.0; /* I stays 0 (nothing reads it: no effect on V) */
  }
}

/* V' and I' before the spike test and reset */
static void het_update(const het_k *k, double v0, double c0, double u, double *v1, double *c1) {
  switch (k->node) {
    case SNN__HET_LIF:
    case SNN__HET_LI:
      snn__cuba_update(&k->c, v0, c0, u, v1, c1);
      *c1 = 0.0;
      break;
    case SNN__HET_CUBALI:
    case SNN__HET_CUBALIF:
      snn__cuba_update(&k->c, v0, c0, u, v1, c1);
      break;
    case SNN__HET_IF:
    case SNN__HET_I:
      *v1 = v0 + k->r * u * k->dts;
      *c1 = 0.0;
      break;
    default: /* Threshold: stateless, V shows the input */
      *v1 = (double)(float)u;
      *c1 = 0.0;
      break;
  }
}

static int het_step(void *user, const double *p, float *state, const float *i_in,
                    uint8_t *spikes, size_t n, double dt) {
  const het *h = user;
  het_call c = {0};
  int rc = het_check(&c, h, p, n, dt);
  if (rc != SNN_OK) return rc;
  float *V = state, *I = state + n;
  for (size_t j = 0; j < c.N; j++) {
    het_k k;
    het_make(&k, h, j, &c);
    for (size_t b = 0; b < c.B; b++) {
      const size_t i = b * c.N + j;
      double v1, c1;
      het_update(&k, V[i], I[i], i_in ? (double)i_in[i] : 0.0, &v1, &c1);
      int s = k.spiking && v1 > k.vth;
      if (s && k.resets) v1 = c.subtract ? v1 - (k.vth - k.vr) : k.vr;
      V[i] = (float)v1;
      I[i] = (float)c1;
      spikes[i] = (uint8_t)s;
    }
  }
  return SNN_OK;
}

/* BPTT, as nir_cuba / nir_integrator / nir_threshold per neuron: the update's
 * partial derivatives, the reset detached, spikes through the surrogate. */
static int het_step_grad(void *user, const double *p, const float *state_before,
                         const float *i_in, const float *grad_state, const float *grad_spike,
                         float *grad_state_before, float *grad_in, size_t n, double dt,
                         float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  const het *h = user;
  het_call c = {0};
  int rc = het_check(&c, h, p, n, dt);
  if (rc != SNN_OK) return rc;
  const float *V = state_before, *I = state_before + n;
  for (size_t j = 0; j < c.N; j++) {
    het_k k;
    het_make(&k, h, j, &c);
    const snn__cuba_k *d = &k.c;
    for (size_t b = 0; b < c.B; b++) {
      const size_t i = b * c.N + j;
      double gV = grad_state ? grad_state[i] : 0.0, gI = grad_state ? grad_state[n + i] : 0.0;
      double gS = grad_spike ? grad_spike[i] : 0.0, g = gV;
      if (k.spiking) {
        double v1, c1;
        het_update(&k, V[i], I[i], i_in ? (double)i_in[i] : 0.0, &v1, &c1);
        if (v1 > k.vth && k.resets && !c.subtract) g = 0.0;
        if (gS != 0.0) g += gS * (double)surrogate((float)(v1 - k.vth), sg_user);
      }
      grad_state_before[i] = (float)(g * d->dvv);
      grad_state_before[n + i] = (float)(g * d->dvc + gI * d->dcc);
      if (grad_in) grad_in[i] = (float)(g * d->dvu + gI * d->dcu);
    }
  }
  return SNN_OK;
}

int snn__nir_hetero_create(snn_neuron_model **out) {
  *out = NULL;
  het *h = snn__calloc(1, sizeof *h);
  if (!h) return snn__error(SNN_E_NOMEM, "out of memory for a " SNN__NIR_HETERO_KIND " model");
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = SNN__NIR_HETERO_KIND;
  ops.n_state = 2;
  ops.state_names = het_state_names;
  ops.n_params = SNN__HET_NPARAMS;
  ops.params = het_params;
  ops.init = het_init;
  ops.step = het_step;
  ops.step_grad = het_step_grad;
  ops.destroy = het_destroy; /* also runs when the creation fails */
  return snn_neuron_model_create_custom(out, &ops, h);
}

static het *het_of(const snn_neuron_model *m) {
  return m ? (het *)snn__neuron_custom_user(m, het_step) : NULL;
}

int snn__nir_hetero_is(const snn_neuron_model *m) { return het_of(m) != NULL; }

int snn__nir_hetero_set(snn_neuron_model *m, int which, const double *v, size_t n,
                        const char *fn) {
  het *h = het_of(m);
  if (!h || which < 0 || which >= SNN__HET_NARR)
    return snn__error(SNN_E_INTERNAL, "%s: not a " SNN__NIR_HETERO_KIND " array", fn);
  if (h->sealed)
    return snn__error(SNN_E_STATE,
                      "%s: the per-neuron parameters of a " SNN__NIR_HETERO_KIND
                      " model are fixed once it is complete",
                      fn);
  if (n == 0 || n > SNN__NIR_MAX_ELEMS || (h->n && n != h->n))
    return snn__error(SNN_E_FORMAT, "%s: per-neuron array '%s' has %zu values (need %zu)", fn,
                      het_names[which], n, h->n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]) || v[i] < het_lo[which] || v[i] > het_hi[which] ||
        (which == SNN__HET_TAU_MEM && !(v[i] > 0.0)))
      return snn__error(SNN_E_FORMAT,
                        "%s: per-neuron %s[%zu] = %g is outside [%g, %g]%s", fn, het_names[which],
                        i, v[i], het_lo[which], het_hi[which],
                        which == SNN__HET_TAU_MEM ? " or not > 0" : "");
  double *a = snn__malloc(n * sizeof *a);
  if (!a) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  memcpy(a, v, n * sizeof *a);
  snn__free(h->a[which]);
  h->a[which] = a;
  h->n = n;
  return SNN_OK;
}

int snn__nir_hetero_seal(snn_neuron_model *m, size_t n, const char *fn) {
  het *h = het_of(m);
  if (!h) return snn__error(SNN_E_INTERNAL, "%s: not a " SNN__NIR_HETERO_KIND " model", fn);
  if (h->sealed) return h->n == n ? SNN_OK : snn__error(SNN_E_FORMAT, "%s: " SNN__NIR_HETERO_KIND
                                                         " model holds %zu neurons, the layer %zu",
                                                         fn, h->n, n);
  if (h->n != n)
    return snn__error(SNN_E_FORMAT,
                      "%s: " SNN__NIR_HETERO_KIND " model holds values for %zu neurons, the layer "
                      "has %zu",
                      fn, h->n, n);
  for (int k = 0; k < SNN__HET_NARR; k++)
    if (!h->a[k])
      return snn__error(SNN_E_FORMAT, "%s: " SNN__NIR_HETERO_KIND " per-neuron array '%s' is missing",
                        fn, het_names[k]);
  h->sealed = 1;
  return SNN_OK;
}

const double *snn__nir_hetero_array(const snn_neuron_model *m, int which, size_t *n) {
  const het *h = het_of(m);
  if (!h || !h->sealed || which < 0 || which >= SNN__HET_NARR) return NULL;
  if (n) *n = h->n;
  return h->a[which];
}

/* ---- model files (src/net/serialize.c; docs/file-format.md) --------------- */

void snn__nir_hetero_write(snn__wr *w, const snn_neuron_model *m) {
  const het *h = het_of(m);
  if (!h || !h->sealed) {
    snn__wr_u32(w, 0); /* reader refuses: every array is required */
    return;
  }
  snn__wr_u32(w, SNN__HET_NARR);
  for (int k = 0; k < SNN__HET_NARR; k++) {
    snn__wr_str(w, het_names[k]);
    snn__wr_u64(w, h->n);
    for (size_t i = 0; i < h->n; i++) snn__wr_f64(w, h->a[k][i]);
  }
}

int snn__nir_hetero_read(snn__rd *r, snn_neuron_model *m, size_t n_out) {
  size_t off = r->pos;
  uint32_t na;
  int rc = snn__rd_u32(r, &na, "per-neuron array count");
  if (rc) return rc;
  if (na != SNN__HET_NARR)
    return snn__rd_err(r, SNN_E_FORMAT, off,
                       SNN__NIR_HETERO_KIND " layer has %u per-neuron arrays (need %d)", na,
                       SNN__HET_NARR);
  int seen[SNN__HET_NARR] = {0};
  for (uint32_t a = 0; a < na; a++) {
    char name[SNN__MODEL_MAX_NAME + 1];
    size_t aoff = r->pos;
    if ((rc = snn__rd_str(r, name, "per-neuron array name"))) return rc;
    int k = 0;
    while (k < SNN__HET_NARR && strcmp(name, het_names[k]) != 0) k++;
    if (k == SNN__HET_NARR)
      return snn__rd_err(r, SNN_E_FORMAT, aoff, "unknown per-neuron array '%s'", name);
    if (seen[k]) return snn__rd_err(r, SNN_E_FORMAT, aoff, "per-neuron array '%s' appears twice", name);
    seen[k] = 1;
    size_t coff = r->pos;
    uint64_t cnt;
    if ((rc = snn__rd_u64(r, &cnt, "per-neuron array length"))) return rc;
    if (cnt != (uint64_t)n_out)
      return snn__rd_err(r, SNN_E_FORMAT, coff, "per-neuron array '%s' has %llu values for %zu neurons",
                         name, (unsigned long long)cnt, n_out);
    /* size checked before allocating; the values are validated by _set */
    if ((rc = snn__rd_need(r, 8 * n_out, "per-neuron array data"))) return rc; /* no overflow: n_out <= 2^24 */
    double *tmp = snn__malloc(n_out * sizeof *tmp);
    if (!tmp) return snn__rd_err(r, SNN_E_NOMEM, coff, "out of memory for %zu values", n_out);
    rc = snn__rd_f64s(r, tmp, n_out, 0, "per-neuron value");
    if (rc == SNN_OK) rc = snn__nir_hetero_set(m, k, tmp, n_out, r->fn);
    snn__free(tmp);
    if (rc != SNN_OK) return snn__rd_apply_err(r, rc, coff, "per-neuron array");
  }
  rc = snn__nir_hetero_seal(m, n_out, r->fn);
  if (rc != SNN_OK) return snn__rd_apply_err(r, rc, off, "per-neuron arrays");
  int node = 0;
  if (node_of(snn__neuron_params(m), &node) != SNN_OK)
    return snn__rd_apply_err(r, SNN_E_FORMAT, off, "neuron parameter");
  return SNN_OK;
}

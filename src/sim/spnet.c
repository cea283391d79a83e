/* Event-driven sparse networks: public API of src/sim (see sim.h and
 * docs/simulation.md).
 *
 * One step k of snn_spnet_run():
 *  1. every population adds the ring slot k mod S (inputs due now) to its
 *     synaptic variables (only populations that delayed projections target),
 *     advances its neurons by dt, decays the synapses and lists its spikes
 *     (in parallel over blocks when n_threads > 1; each neuron is
 *     independent, so the result does not depend on the split);
 *  2. the blocks' spike lists are joined in ascending global index order;
 *  3. each projection adds its weight to every target in the spiking
 *     sources' rows: to slot (k + 1 + delay) mod S of the ring, or, for delay
 *     0, straight to the target's (already decayed) ge/gi (serial, fixed
 *     order: the sums, and so the results, are the same for any thread count);
 *  4. spikes of recorded populations are appended to the recorder.
 * Cost per step: O(N) vectorised updates + O(spikes x fan-out) delivery. */
#include "sim.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../neuron/neuron.h"

#define DEFAULT_DT 0.1
#define DEFAULT_RECORD_LIMIT ((size_t)1 << 22)
#define MAX_NEURONS ((size_t)1 << 31)
#define PAR_BLOCK 8192
#define PAR_MIN_BLOCKS 4 /* parallel only from 32k neurons: a parallel region per step must pay off */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- options --------------------------------------------------------------- */
#define OPT_MIN (offsetof(snn_spnet_options, dt))
#define COPT_MIN (offsetof(snn_spnet_connect_options, rule))

int snn_spnet_options_init(snn_spnet_options *o, size_t struct_size) {
  static const char fn[] = "snn_spnet_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < OPT_MIN)
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is smaller than the smallest supported (%zu)",
                      fn, struct_size, (size_t)OPT_MIN);
  memset(o, 0, struct_size < sizeof *o ? struct_size : sizeof *o);
  o->struct_size = struct_size;
  return SNN_OK;
}

int snn_spnet_connect_options_init(snn_spnet_connect_options *o, size_t struct_size) {
  static const char fn[] = "snn_spnet_connect_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < COPT_MIN)
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is smaller than the smallest supported (%zu)",
                      fn, struct_size, (size_t)COPT_MIN);
  memset(o, 0, struct_size < sizeof *o ? struct_size : sizeof *o);
  o->struct_size = struct_size;
  return SNN_OK;
}

/* ---- create / free ------------------------------------------------------------ */
int snn_spnet_create(snn_spnet **out, const snn_spnet_options *opts) {
  static const char fn[] = "snn_spnet_create";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  snn_spnet_options o;
  memset(&o, 0, sizeof o);
  if (opts) {
    int rc = snn__check_struct_size(opts, opts->struct_size, OPT_MIN, sizeof o, fn,
                                    "snn_spnet_options");
    if (rc) return rc;
    memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
  }
  if (!snn__isfinite(o.dt))
    return snn__error(SNN_E_INVALID, "%s: dt must be finite (got %g)", fn, o.dt);
  if (o.dt < 0.0 || o.dt > 10.0)
    return snn__error(SNN_E_RANGE, "%s: dt must be in (0, 10] ms, or 0 for 0.1 (got %g)", fn, o.dt);
  if (o.n_threads > 256)
    return snn__error(SNN_E_RANGE, "%s: n_threads must be <= 256 (got %u)", fn, (unsigned)o.n_threads);
  snn_spnet *net = snn__calloc(1, sizeof *net);
  if (!net) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  net->dt = o.dt > 0.0 ? o.dt : DEFAULT_DT;
  net->seed = o.seed;
  net->record_limit = o.record_limit ? o.record_limit : DEFAULT_RECORD_LIMIT;
  /* the recorder can never hold more (8-byte entries); a larger limit ("keep
   * everything") is this one, which model files can also hold */
  if (net->record_limit > SIZE_MAX / sizeof *net->rec) net->record_limit = SIZE_MAX / sizeof *net->rec;
  net->n_threads = o.n_threads ? o.n_threads : 1;
  snn__rng_seed(&net->rng, o.seed);
  *out = net;
  return SNN_OK;
}

static void pop_free_bufs(snn__sp_pop *p) {
  snn_neuron_model_free(p->model);
  snn__aligned_free(p->fast ? (void *)p->V : NULL);
  snn__aligned_free(p->ref);
  snn__aligned_free(p->ge);
  snn__aligned_free(p->gi);
  snn__aligned_free(p->state);
  snn__aligned_free(p->iin);
}

static void run_bufs_free(snn_spnet *net) {
  snn__aligned_free(net->buf_e);
  snn__aligned_free(net->buf_i);
  snn__free(net->spk8);
  snn__free(net->fired);
  net->buf_e = net->buf_i = NULL;
  net->spk8 = NULL;
  net->fired = NULL;
  net->prepared = 0;
}

void snn_spnet_free(snn_spnet *net) {
  if (!net) return;
  for (size_t i = 0; i < net->n_pops; i++) pop_free_bufs(&net->pops[i]);
  for (size_t i = 0; i < net->n_projs; i++) {
    snn__free(net->projs[i].row);
    snn__free(net->projs[i].tgt);
    snn__free(net->projs[i].w);
  }
  snn__free(net->pops);
  snn__free(net->projs);
  run_bufs_free(net);
  snn__free(net->rec);
  snn__free(net);
}

/* ---- populations ---------------------------------------------------------- */
static int pop_init_state(snn__sp_pop *p) {
  size_t n = p->n;
  memset(p->ge, 0, n * sizeof *p->ge);
  memset(p->gi, 0, n * sizeof *p->gi);
  if (p->fast) { /* V holds V - E_L */
    memset(p->V, 0, n * sizeof *p->V);
    memset(p->ref, 0, n * sizeof *p->ref);
    return SNN_OK;
  }
  return snn__neuron_init_state(p->model, p->state, n);
}

int snn_spnet_add_population(size_t *id, snn_spnet *net, const snn_neuron_model *model, size_t n) {
  static const char fn[] = "snn_spnet_add_population";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(model, fn);
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: n must be >= 1 (got 0)", fn);
  if (net->prepared)
    return snn__error(SNN_E_STATE, "%s: populations must be added before the first snn_spnet_run()", fn);
  if (n > MAX_NEURONS - net->n_total)
    return snn__error(SNN_E_RANGE, "%s: at most 2^31 neurons per network (have %zu, adding %zu)", fn,
                      net->n_total, n);
  if (net->n_pops == net->cap_pops) {
    size_t nc = net->cap_pops ? 2 * net->cap_pops : 4;
    snn__sp_pop *np = snn__realloc(net->pops, net->cap_pops * sizeof *np, nc * sizeof *np);
    if (!np) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    net->pops = np;
    net->cap_pops = nc;
  }
  snn__sp_pop p;
  memset(&p, 0, sizeof p);
  p.n = n;
  p.offset = net->n_total;
  p.tau_e = 5.0;
  p.tau_i = 10.0;
  p.E_e = 0.0;
  p.E_i = -80.0;
  p.record = 1;
  int rc = snn_neuron_model_clone(&p.model, model);
  if (rc) return rc;
  const char *kind = snn_neuron_model_kind(model);
  p.fast = kind && strcmp(kind, "lif") == 0;
  p.ge = snn__aligned_alloc(n, sizeof(float));
  p.gi = snn__aligned_alloc(n, sizeof(float));
  int ok = p.ge && p.gi;
  if (p.fast) {
    p.V = snn__aligned_alloc(n, sizeof(float));
    p.ref = snn__aligned_alloc(n, sizeof(int32_t));
    ok = ok && p.V && p.ref;
  } else {
    p.n_state = snn__neuron_n_state(model);
    size_t ns;
    if (snn__mul_size(&ns, p.n_state, n)) ns = SIZE_MAX / 8;
    p.state = snn__aligned_alloc(ns, sizeof(float));
    p.iin = snn__aligned_alloc(n, sizeof(float));
    ok = ok && p.state && p.iin;
    p.V = p.state;
  }
  if (!ok) {
    pop_free_bufs(&p);
    return snn__error(SNN_E_NOMEM, "%s: out of memory (%zu neurons)", fn, n);
  }
  rc = pop_init_state(&p);
  if (rc) {
    pop_free_bufs(&p);
    return rc;
  }
  net->pops[net->n_pops] = p;
  if (id) *id = net->n_pops;
  net->n_pops++;
  net->n_total += n;
  return SNN_OK;
}

size_t snn_spnet_n_neurons(const snn_spnet *net) { return net ? net->n_total : 0; }

size_t snn_spnet_n_populations(const snn_spnet *net) { return net ? net->n_pops : 0; }

static int check_pop(const snn_spnet *net, size_t pop, const char *fn) {
  if (pop >= net->n_pops)
    return snn__error(SNN_E_RANGE, "%s: population %zu does not exist (have %zu)", fn, pop,
                      net->n_pops);
  return SNN_OK;
}

int snn_spnet_population_range(size_t *first, size_t *n, const snn_spnet *net, size_t pop) {
  static const char fn[] = "snn_spnet_population_range";
  SNN__CHECK_NULL(net, fn);
  int rc = check_pop(net, pop, fn);
  if (rc) return rc;
  if (first) *first = net->pops[pop].offset;
  if (n) *n = net->pops[pop].n;
  return SNN_OK;
}

enum { PP_SYNAPSE, PP_TAU_E, PP_TAU_I, PP_E_E, PP_E_I, PP_I_E, PP_RECORD, PP_EULER, PP_COUNT };
static const struct {
  const char *name;
  double lo, hi;
  int integer;
} pop_params[PP_COUNT] = {
    {"synapse", 0, 1, 1},      {"tau_exc", 0.01, 1e6, 0}, {"tau_inh", 0.01, 1e6, 0},
    {"E_exc", -1e4, 1e4, 0},   {"E_inh", -1e4, 1e4, 0},   {"I_e", -1e9, 1e9, 0},
    {"record", 0, 1, 1},       {"euler", 0, 1, 1},
};
#define POP_PARAM_NAMES "synapse, tau_exc, tau_inh, E_exc, E_inh, I_e, record, euler"

static int pop_param_index(const char *name) {
  for (int i = 0; i < PP_COUNT; i++)
    if (strcmp(pop_params[i].name, name) == 0) return i;
  return -1;
}

int snn_spnet_population_set(snn_spnet *net, size_t pop, const char *name, double value) {
  static const char fn[] = "snn_spnet_population_set";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(name, fn);
  int rc = check_pop(net, pop, fn);
  if (rc) return rc;
  int k = pop_param_index(name);
  if (k < 0)
    return snn__error(SNN_E_NOTFOUND, "%s: unknown parameter '%s' (valid: %s)", fn, name,
                      POP_PARAM_NAMES);
  if (!snn__isfinite(value))
    return snn__error(SNN_E_INVALID, "%s: %s must be finite (got %g)", fn, name, value);
  if (value < pop_params[k].lo || value > pop_params[k].hi ||
      (pop_params[k].integer && value != floor(value)))
    return snn__error(SNN_E_RANGE, "%s: %s must be %s in [%g, %g] (got %g)", fn, name,
                      pop_params[k].integer ? "an integer" : "a value", pop_params[k].lo,
                      pop_params[k].hi, value);
  snn__sp_pop *p = &net->pops[pop];
  switch (k) {
  case PP_SYNAPSE:
    if (net->prepared && (int)value != p->cond)
      return snn__error(SNN_E_STATE, "%s: 'synapse' cannot change after the first snn_spnet_run()", fn);
    if ((int)value != p->cond) { /* pA <-> nS: the old values mean nothing in the new unit */
      if (p->ge) memset(p->ge, 0, p->n * sizeof *p->ge);
      if (p->gi) memset(p->gi, 0, p->n * sizeof *p->gi);
    }
    p->cond = (int)value;
    break;
  case PP_TAU_E: p->tau_e = value; break;
  case PP_TAU_I: p->tau_i = value; break;
  case PP_E_E: p->E_e = value; break;
  case PP_E_I: p->E_i = value; break;
  case PP_I_E: p->I_e = value; break;
  case PP_RECORD: p->record = (int)value; break;
  default: p->euler = (int)value; break;
  }
  return SNN_OK;
}

int snn_spnet_population_get(double *out, const snn_spnet *net, size_t pop, const char *name) {
  static const char fn[] = "snn_spnet_population_get";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(name, fn);
  int rc = check_pop(net, pop, fn);
  if (rc) return rc;
  const snn__sp_pop *p = &net->pops[pop];
  switch (pop_param_index(name)) {
  case PP_SYNAPSE: *out = p->cond; break;
  case PP_TAU_E: *out = p->tau_e; break;
  case PP_TAU_I: *out = p->tau_i; break;
  case PP_E_E: *out = p->E_e; break;
  case PP_E_I: *out = p->E_i; break;
  case PP_I_E: *out = p->I_e; break;
  case PP_RECORD: *out = p->record; break;
  case PP_EULER: *out = p->euler; break;
  default:
    return snn__error(SNN_E_NOTFOUND, "%s: unknown parameter '%s' (valid: %s)", fn, name,
                      POP_PARAM_NAMES);
  }
  return SNN_OK;
}

/* ---- projections ----------------------------------------------------------- */
int snn_spnet_connect(size_t *n_synapses, snn_spnet *net, size_t src, size_t dst,
                      const snn_spnet_connect_options *opts) {
  static const char fn[] = "snn_spnet_connect";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(opts, fn);
  int rc = snn__check_struct_size(opts, opts->struct_size, COPT_MIN, sizeof *opts, fn,
                                  "snn_spnet_connect_options");
  if (rc) return rc;
  snn_spnet_connect_options o;
  memset(&o, 0, sizeof o);
  memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
  if (net->prepared)
    return snn__error(SNN_E_STATE, "%s: projections must be added before the first snn_spnet_run()", fn);
  if ((rc = check_pop(net, src, fn)) || (rc = check_pop(net, dst, fn))) return rc;
  int rule = o.rule ? o.rule : SNN_SPNET_FIXED_PROB;
  int rec = o.receptor ? o.receptor : SNN_SPNET_EXC;
  if (rule != SNN_SPNET_FIXED_PROB && rule != SNN_SPNET_FIXED_INDEGREE)
    return snn__error(SNN_E_RANGE, "%s: rule must be SNN_SPNET_FIXED_PROB (1) or "
                      "SNN_SPNET_FIXED_INDEGREE (2) (got %d)", fn, (int)o.rule);
  if (rec != SNN_SPNET_EXC && rec != SNN_SPNET_INH)
    return snn__error(SNN_E_RANGE, "%s: receptor must be SNN_SPNET_EXC (1) or SNN_SPNET_INH (2) (got %d)",
                      fn, (int)o.receptor);
  if (!snn__isfinite(o.p) || !snn__isfinite(o.weight) || !snn__isfinite(o.weight_sd) ||
      !snn__isfinite(o.delay))
    return snn__error(SNN_E_INVALID, "%s: p, weight, weight_sd and delay must be finite "
                      "(got %g, %g, %g, %g)", fn, o.p, o.weight, o.weight_sd, o.delay);
  if (o.autapses != 0 && o.autapses != 1)
    return snn__error(SNN_E_RANGE, "%s: autapses must be 0 or 1 (got %d)", fn, (int)o.autapses);
  const snn__sp_pop *ps = &net->pops[src], *pd = &net->pops[dst];
  int same = src == dst;
  if (rule == SNN_SPNET_FIXED_PROB) {
    if (!(o.p > 0.0 && o.p <= 1.0))
      return snn__error(SNN_E_RANGE, "%s: p must be in (0, 1] (got %g)", fn, o.p);
  } else {
    size_t m = ps->n - ((same && !o.autapses) ? 1 : 0);
    if (o.in_degree == 0 || o.in_degree > m)
      return snn__error(SNN_E_RANGE, "%s: in_degree must be in [1, %zu] (eligible sources) (got %u)",
                        fn, m, (unsigned)o.in_degree);
  }
  if (o.weight_sd < 0.0)
    return snn__error(SNN_E_RANGE, "%s: weight_sd must be >= 0 (got %g)", fn, o.weight_sd);
  /* weights are stored as float; sums of many must stay finite */
  if (fabs(o.weight) > 1e30 || o.weight_sd > 1e30)
    return snn__error(SNN_E_RANGE, "%s: |weight| and weight_sd must be <= 1e30 (got %g, %g)", fn,
                      o.weight, o.weight_sd);
  if (pd->cond && o.weight < 0.0)
    return snn__error(SNN_E_RANGE, "%s: population %zu is conductance-based: weight must be >= 0 "
                      "nS (got %g)", fn, dst, o.weight);
  double dsteps = floor(o.delay / net->dt + 0.5);
  if (o.delay < 0.0 || dsteps > SNN__SIM_MAX_DELAY)
    return snn__error(SNN_E_RANGE, "%s: delay must be in [0, %g] ms (%u steps) (got %g)", fn,
                      SNN__SIM_MAX_DELAY * net->dt, SNN__SIM_MAX_DELAY, o.delay);
  if (net->n_projs == net->cap_projs) {
    size_t nc = net->cap_projs ? 2 * net->cap_projs : 4;
    snn__sp_proj *np = snn__realloc(net->projs, net->cap_projs * sizeof *np, nc * sizeof *np);
    if (!np) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    net->projs = np;
    net->cap_projs = nc;
  }
  double t0 = now_s();
  snn__sp_proj pr;
  memset(&pr, 0, sizeof pr);
  pr.src = src;
  pr.dst = dst;
  pr.inh = rec == SNN_SPNET_INH;
  pr.delay = (uint32_t)dsteps;
  pr.n_src = ps->n;
  snn__rng r;
  snn__rng_fork(&r, &net->rng, ++net->n_streams);
  rc = snn__sp_draw(&pr, ps->n, pd->n, same, rule, o.p, o.in_degree, o.autapses, o.weight,
                    o.weight_sd, &r, fn);
  if (rc) {
    net->n_streams--;
    return rc;
  }
  net->projs[net->n_projs++] = pr;
  net->build_seconds += now_s() - t0;
  if (n_synapses) *n_synapses = pr.nnz;
  return SNN_OK;
}

/* ---- state access ------------------------------------------------------------ */
/* Resolves a variable name to its array; *is_syn = 1 for ge/gi, *kidx = model state index. */
static float *pop_var(const snn__sp_pop *p, const char *var, int *is_syn) {
  *is_syn = 0;
  if (strcmp(var, "V") == 0) return p->V;
  if (strcmp(var, p->cond ? "g_exc" : "I_exc") == 0) return *is_syn = 1, p->ge;
  if (strcmp(var, p->cond ? "g_inh" : "I_inh") == 0) return *is_syn = 1, p->gi;
  if (!p->fast) {
    size_t np = snn_neuron_model_state_count(p->model);
    for (size_t k = 1; k < np; k++) {
      const char *nm = snn_neuron_model_state_name(p->model, k);
      if (nm && strcmp(nm, var) == 0) return p->state + k * p->n;
    }
  }
  return NULL;
}

static double fast_EL(const snn__sp_pop *p) {
  double el = 0.0;
  snn_neuron_model_get(&el, p->model, "E_L");
  return el;
}

static int var_notfound(const snn__sp_pop *p, const char *var, const char *fn) {
  char extra[128] = "";
  size_t used = 0;
  if (!p->fast) {
    size_t np = snn_neuron_model_state_count(p->model);
    for (size_t k = 1; k < np && used < sizeof extra - 24; k++) {
      const char *nm = snn_neuron_model_state_name(p->model, k);
      int w = snprintf(extra + used, sizeof extra - used, ", %s", nm ? nm : "?");
      if (w > 0) used += (size_t)w;
    }
  }
  return snn__error(SNN_E_NOTFOUND, "%s: unknown state variable '%s' (valid: V, %s, %s%s)", fn,
                    var, p->cond ? "g_exc" : "I_exc", p->cond ? "g_inh" : "I_inh", extra);
}

static int state_args(const snn_spnet *net, size_t pop, const char *var, const char *fn) {
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(var, fn);
  return check_pop(net, pop, fn);
}

int snn_spnet_state_get(float *dst, const snn_spnet *net, size_t pop, const char *var, size_t n) {
  static const char fn[] = "snn_spnet_state_get";
  SNN__CHECK_NULL(dst, fn);
  int rc = state_args(net, pop, var, fn);
  if (rc) return rc;
  const snn__sp_pop *p = &net->pops[pop];
  int syn;
  const float *a = pop_var(p, var, &syn);
  if (!a) return var_notfound(p, var, fn);
  if (n != p->n)
    return snn__error(SNN_E_INVALID, "%s: n must equal the population size %zu (got %zu)", fn, p->n, n);
  if (a == p->V && p->fast) {
    float el = (float)fast_EL(p);
    for (size_t j = 0; j < n; j++) dst[j] = a[j] + el;
  } else {
    memcpy(dst, a, n * sizeof *dst);
  }
  return SNN_OK;
}

int snn_spnet_state_set(snn_spnet *net, size_t pop, const char *var, const float *src, size_t n) {
  static const char fn[] = "snn_spnet_state_set";
  SNN__CHECK_NULL(src, fn);
  int rc = state_args(net, pop, var, fn);
  if (rc) return rc;
  snn__sp_pop *p = &net->pops[pop];
  int syn;
  float *a = pop_var(p, var, &syn);
  if (!a) return var_notfound(p, var, fn);
  if (n != p->n)
    return snn__error(SNN_E_INVALID, "%s: n must equal the population size %zu (got %zu)", fn, p->n, n);
  for (size_t j = 0; j < n; j++) {
    if (!snn__isfinite(src[j]))
      return snn__error(SNN_E_INVALID, "%s: %s[%zu] is not finite (got %g)", fn, var, j, (double)src[j]);
    if (syn && p->cond && src[j] < 0.0f)
      return snn__error(SNN_E_INVALID, "%s: conductance %s[%zu] must be >= 0 (got %g)", fn, var, j,
                        (double)src[j]);
  }
  if (a == p->V && p->fast) {
    double el = fast_EL(p);
    for (size_t j = 0; j < n; j++) a[j] = (float)((double)src[j] - el);
  } else {
    memcpy(a, src, n * sizeof *a);
  }
  if (a == p->V && !p->fast) { /* clear hidden numerical carries (after r) */
    size_t np = snn_neuron_model_state_count(p->model);
    for (size_t k = np + 1; k < p->n_state; k++) memset(p->state + k * n, 0, n * sizeof(float));
  }
  return SNN_OK;
}

int snn_spnet_state_uniform(snn_spnet *net, size_t pop, const char *var, double lo, double hi) {
  static const char fn[] = "snn_spnet_state_uniform";
  int rc = state_args(net, pop, var, fn);
  if (rc) return rc;
  snn__sp_pop *p = &net->pops[pop];
  int syn;
  float *a = pop_var(p, var, &syn);
  if (!a) return var_notfound(p, var, fn);
  /* the state is float: a bound past FLT_MAX would store +-inf */
  if (!snn__isfinite(lo) || !snn__isfinite(hi) || lo > hi || fabs(lo) > FLT_MAX ||
      fabs(hi) > FLT_MAX)
    return snn__error(SNN_E_INVALID, "%s: need finite float bounds lo <= hi (got %g, %g)", fn,
                      lo, hi);
  if (syn && p->cond && lo < 0.0)
    return snn__error(SNN_E_INVALID, "%s: conductances must be >= 0 (got lo %g)", fn, lo);
  snn__rng r;
  snn__rng_fork(&r, &net->rng, ++net->n_streams);
  double shift = (a == p->V && p->fast) ? fast_EL(p) : 0.0;
  for (size_t j = 0; j < p->n; j++) {
    double x = lo + (hi - lo) * snn__rng_uniform(&r);
    float v = (float)(x - shift);
    a[j] = (float)x < (float)hi || lo == hi ? v : (float)(lo - shift); /* keep [lo, hi) */
  }
  if (a == p->V && !p->fast) {
    size_t np = snn_neuron_model_state_count(p->model);
    for (size_t k = np + 1; k < p->n_state; k++) memset(p->state + k * p->n, 0, p->n * sizeof(float));
  }
  return SNN_OK;
}

/* ---- simulation ---------------------------------------------------------------- */
static int prepare(snn_spnet *net, const char *fn) {
  if (net->prepared) return SNN_OK;
  if (net->n_pops == 0) return snn__error(SNN_E_STATE, "%s: the network has no population", fn);
  uint32_t maxd = 0;
  for (size_t i = 0; i < net->n_pops; i++) net->pops[i].ring = 0;
  for (size_t i = 0; i < net->n_projs; i++) {
    const snn__sp_proj *pr = &net->projs[i];
    if (pr->delay > maxd) maxd = pr->delay;
    if (pr->delay > 0) net->pops[pr->dst].ring = 1;
    if (net->pops[pr->dst].cond) {
      int neg = pr->w ? 0 : pr->w0 < 0.0f;
      for (size_t s = 0; pr->w && s < pr->nnz && !neg; s++) neg = pr->w[s] < 0.0f;
      if (neg)
        return snn__error(SNN_E_RANGE, "%s: projection %zu has negative weights but population %zu "
                          "is conductance-based", fn, i, pr->dst);
    }
  }
  size_t n = net->n_total, slots = (size_t)maxd + 1, ring;
  if (snn__mul_size(&ring, slots, n)) return snn__error(SNN_E_NOMEM, "%s: delay buffer too large", fn);
  net->buf_e = snn__aligned_alloc(ring, sizeof(float));
  net->buf_i = snn__aligned_alloc(ring, sizeof(float));
  net->spk8 = snn__calloc(n, 1);
  net->fired = snn__malloc(n * sizeof *net->fired);
  if (!net->buf_e || !net->buf_i || !net->spk8 || !net->fired) {
    run_bufs_free(net);
    return snn__error(SNN_E_NOMEM, "%s: out of memory (delay ring of %zu x %zu)", fn, slots, n);
  }
  net->n_slots = (uint32_t)slots;
  net->prepared = 1;
  return SNN_OK;
}

int snn__sp_prepare(snn_spnet *net, const char *fn) { return prepare(net, fn); }

static void make_consts(snn__sp_consts *k, const snn__sp_pop *p, double h) {
  memset(k, 0, sizeof *k);
  k->h = (float)h;
  k->De = (float)exp(-h / p->tau_e);
  k->Di = (float)exp(-h / p->tau_i);
  k->Ae = (float)(-expm1(-h / p->tau_e) * p->tau_e / h);
  k->Ai = (float)(-expm1(-h / p->tau_i) * p->tau_i / h);
  k->Ee = (float)p->E_e;
  k->Ei = (float)p->E_i;
  k->Ie = (float)p->I_e;
  if (!p->fast) return;
  double C = 0, gL = 0, EL = 0, Vth = 0, Vr = 0, tref = 0, reset = 0;
  snn_neuron_model_get(&C, p->model, "C_m");
  snn_neuron_model_get(&gL, p->model, "g_L");
  snn_neuron_model_get(&EL, p->model, "E_L");
  snn_neuron_model_get(&Vth, p->model, "V_th");
  snn_neuron_model_get(&Vr, p->model, "V_reset");
  snn_neuron_model_get(&tref, p->model, "t_ref");
  snn_neuron_model_get(&reset, p->model, "reset");
  double tm = C / gL, pm = exp(-h / tm);
  k->C = (float)C;
  k->gL = (float)gL;
  k->EL = (float)EL; /* the kernels work with V - E_L */
  k->Vth = (float)(Vth - EL);
  k->Vreset = (float)(Vr - EL);
  k->dth = (float)(Vth - Vr);
  k->subtract = reset != 0.0;
  double rs = floor(tref / h + 0.5);
  k->ref_steps = rs > 2e9 ? 2000000000 : (int32_t)rs;
  k->Pm = (float)pm;
  k->Pb = (float)(-expm1(-h / tm) / gL);
  double taus[2] = {p->tau_e, p->tau_i};
  float *P[2] = {&k->Pe, &k->Pi};
  for (int q = 0; q < 2; q++) {
    double x = h * (1.0 / tm - 1.0 / taus[q]);
    double f = fabs(x) < 1e-12 ? 1.0 : expm1(x) / x, v = pm * f;
    /* h >> tau_m: pm underflows to 0 and expm1(x) overflows; pm (e^x - 1) is
     * e^(-h/tau_s) - e^(-h/tau_m), finite */
    if (!isfinite(v)) v = (exp(-h / taus[q]) - pm) / x;
    *P[q] = (float)(h / C * v);
  }
}

/* Updates neurons [a, b) of population p for the current slot; the global
 * indices of the neurons that fired go to net->fired[g ..) (g = their first
 * global index, so blocks never overlap); returns their count. */
static size_t update_block(snn_spnet *net, const snn__sp_pop *p, const snn__sp_consts *k,
                           size_t slot, size_t a, size_t b) {
  size_t g = p->offset + a, m = b - a;
  float *ie = NULL, *ii = NULL;
  if (p->ring) {
    ie = net->buf_e + slot * net->n_total + g;
    ii = net->buf_i + slot * net->n_total + g;
  }
  uint32_t *out = net->fired + g;
  if (p->cond && p->euler)
    return snn__sp_lif_coba_euler(k, p->V + a, p->ref + a, p->ge + a, p->gi + a, ie, ii,
                                  (uint32_t)g, out, m);
  if (p->cond)
    return snn__sp_lif_coba(k, p->V + a, p->ref + a, p->ge + a, p->gi + a, ie, ii, (uint32_t)g,
                            out, m);
  return snn__sp_lif_cuba(k, p->V + a, p->ref + a, p->ge + a, p->gi + a, ie, ii, (uint32_t)g, out,
                          m);
}

static void deliver(snn_spnet *net, const uint32_t *fired, size_t nf) {
  /* for each projection, each spike of its source population (fired[] is
   * ascending, so a population's spikes are one contiguous run) */
  for (size_t q = 0; q < net->n_projs; q++) {
    const snn__sp_proj *pr = &net->projs[q];
    const snn__sp_pop *ps = &net->pops[pr->src], *pd = &net->pops[pr->dst];
    /* delay 0: due at the next step, which starts from the decayed ge/gi of
     * this one, so add to them directly; else to ring slot (k + 1 + delay) */
    size_t slot = (size_t)((net->step + 1 + pr->delay) % net->n_slots);
    float *base = pr->delay == 0 ? (pr->inh ? pd->gi : pd->ge)
                                 : (pr->inh ? net->buf_i : net->buf_e) + slot * net->n_total + pd->offset;
    uint32_t lo = (uint32_t)ps->offset, hi = (uint32_t)(ps->offset + ps->n);
    /* binary search for the first spike >= lo */
    size_t a = 0, b = nf;
    while (a < b) {
      size_t mid = (a + b) / 2;
      if (fired[mid] < lo) a = mid + 1; else b = mid;
    }
    size_t e = a;
    while (e < nf && fired[e] < hi) e++;
    /* prefetch the spiking rows' targets first, so that their cache misses
     * overlap instead of stalling one row after the other */
    for (size_t s = a; s < e; s++) {
      size_t i = fired[s] - lo;
      const uint32_t *t = pr->tgt + pr->row[i], *t1 = pr->tgt + pr->row[i + 1];
      for (; t < t1; t += 16) __builtin_prefetch(t);
      if (pr->w)
        for (const float *w = pr->w + pr->row[i], *w1 = pr->w + pr->row[i + 1]; w < w1; w += 16)
          __builtin_prefetch(w);
    }
    uint64_t ev = 0;
    for (size_t s = a; s < e; s++) {
      size_t i = fired[s] - lo;
      uint64_t r0 = pr->row[i], r1 = pr->row[i + 1];
      const uint32_t *t = pr->tgt + r0;
      size_t len = (size_t)(r1 - r0);
      if (pr->w) {
        const float *w = pr->w + r0;
        for (size_t x = 0; x < len; x++) base[t[x]] += w[x];
      } else {
        const float w0 = pr->w0;
        for (size_t x = 0; x < len; x++) base[t[x]] += w0;
      }
      ev += len;
    }
    net->n_events += ev;
  }
}

static int record(snn_spnet *net, const uint32_t *fired, size_t nf) {
  size_t pi = 0; /* fired[] is ascending: walk the populations along */
  for (size_t s = 0; s < nf; s++) {
    uint32_t g = fired[s];
    while (pi + 1 < net->n_pops && g >= net->pops[pi + 1].offset) pi++;
    if (!net->pops[pi].record) continue;
    if (net->n_rec >= net->record_limit) {
      net->n_dropped++;
      continue;
    }
    if (net->n_rec == net->cap_rec) {
      size_t nc = net->cap_rec ? 2 * net->cap_rec : 4096;
      if (nc > net->record_limit) nc = net->record_limit;
      void *nr = snn__realloc(net->rec, net->cap_rec * sizeof *net->rec, nc * sizeof *net->rec);
      if (!nr) { /* this spike and the later ones of recorded populations */
        for (; s < nf; s++) {
          while (pi + 1 < net->n_pops && fired[s] >= net->pops[pi + 1].offset) pi++;
          net->n_dropped += net->pops[pi].record != 0;
        }
        return SNN_E_NOMEM;
      }
      net->rec = nr;
      net->cap_rec = nc;
    }
    net->rec[net->n_rec].step = (uint32_t)net->step;
    net->rec[net->n_rec].neuron = g;
    net->n_rec++;
  }
  return SNN_OK;
}

int snn_spnet_run(snn_spnet *net, double duration) {
  static const char fn[] = "snn_spnet_run";
  SNN__CHECK_NULL(net, fn);
  if (!snn__isfinite(duration) || duration < 0.0)
    return snn__error(SNN_E_INVALID, "%s: duration must be finite and >= 0 ms (got %g)", fn, duration);
  if (net->broken)
    return snn__error(SNN_E_STATE, "%s: an earlier run failed in the middle of step %llu, so the "
                      "populations are not at one time; call snn_spnet_reset()", fn,
                      (unsigned long long)net->step);
  double ds = floor(duration / net->dt + 0.5);
  if (ds + (double)net->step > (double)UINT32_MAX)
    return snn__error(SNN_E_RANGE, "%s: at most 2^32-1 steps in total (at step %llu, asked %.0f more)",
                      fn, (unsigned long long)net->step, ds);
  int rc = prepare(net, fn);
  if (rc) return rc;
  uint64_t steps = (uint64_t)ds;
  double t0 = now_s(), h = net->dt;
  size_t np = net->n_pops;
  snn__sp_consts *kc = snn__malloc(np * sizeof *kc);
  if (!kc) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (size_t i = 0; i < np; i++) make_consts(&kc[i], &net->pops[i], h);

  /* blocks of the fast populations for the parallel update */
  size_t nblk = 0;
  for (size_t i = 0; i < np; i++)
    if (net->pops[i].fast) nblk += (net->pops[i].n + PAR_BLOCK - 1) / PAR_BLOCK;
  int nt = (int)net->n_threads;
  if (nblk < PAR_MIN_BLOCKS) nt = 1;
  /* spike count of each update block (parallel: the blocks above; serial: one
   * per population), in population order */
  size_t *cnt = snn__malloc((nblk + np) * sizeof *cnt);
  if (!cnt) {
    snn__free(kc);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }

  for (uint64_t it = 0; it < steps && rc == SNN_OK; it++) {
    size_t slot = (size_t)(net->step % net->n_slots);
    /* 1. neuron updates; each block writes its spikes to fired[] at its own offset */
    if (nt > 1) {
#pragma omp parallel for num_threads(nt) schedule(static)
      for (size_t bi = 0; bi < nblk; bi++) {
        size_t c = bi;
        for (size_t i = 0; i < np; i++) {
          const snn__sp_pop *p = &net->pops[i];
          if (!p->fast) continue;
          size_t nb = (p->n + PAR_BLOCK - 1) / PAR_BLOCK;
          if (c < nb) {
            size_t a = c * PAR_BLOCK, b = a + PAR_BLOCK < p->n ? a + PAR_BLOCK : p->n;
            cnt[bi] = update_block(net, p, &kc[i], slot, a, b);
            break;
          }
          c -= nb;
        }
      }
    } else {
      for (size_t i = 0, bi = 0; i < np; i++)
        if (net->pops[i].fast) cnt[bi++] = update_block(net, &net->pops[i], &kc[i], slot, 0, net->pops[i].n);
    }
    for (size_t i = 0; i < np && rc == SNN_OK; i++) {
      snn__sp_pop *p = &net->pops[i];
      if (p->fast) continue;
      size_t g = p->offset;
      snn__sp_syn_current(&kc[i], p->V, p->ge, p->gi,
                          p->ring ? net->buf_e + slot * net->n_total + g : NULL,
                          p->ring ? net->buf_i + slot * net->n_total + g : NULL, p->iin, p->cond,
                          p->n);
      rc = snn__neuron_step(p->model, p->state, p->iin, net->spk8 + g, p->n, h);
      cnt[nblk + i] = snn__sp_collect8(net->spk8 + g, p->n, (uint32_t)g, net->fired + g);
    }
    if (rc) { /* other populations already took this step */
      net->broken = 1;
      break;
    }
    /* 2. gather the blocks' spikes into one ascending list at the front of fired[]
     * (a block's list starts at its first neuron's index >= the spikes before it) */
    size_t nf = 0;
    for (size_t i = 0, bi = 0; i < np; i++) {
      const snn__sp_pop *p = &net->pops[i];
      size_t nb = !p->fast ? 0 : nt > 1 ? (p->n + PAR_BLOCK - 1) / PAR_BLOCK : 1;
      if (!p->fast) {
        memmove(net->fired + nf, net->fired + p->offset, cnt[nblk + i] * sizeof *net->fired);
        nf += cnt[nblk + i];
      }
      for (size_t c = 0; c < nb; c++, bi++) {
        size_t start = p->offset + (nt > 1 ? c * PAR_BLOCK : 0);
        if (cnt[bi] && start != nf)
          memmove(net->fired + nf, net->fired + start, cnt[bi] * sizeof *net->fired);
        nf += cnt[bi];
      }
    }
    net->n_spikes += nf;
    /* 3. deliver, 4. record */
    if (nf) {
      deliver(net, net->fired, nf);
      rc = record(net, net->fired, nf);
      if (rc) rc = snn__error(SNN_E_NOMEM, "%s: out of memory growing the spike recorder "
                              "(%zu spikes held); stopped after step %llu", fn, net->n_rec,
                              (unsigned long long)net->step);
    }
    net->step++; /* also after a recorder failure: the step itself is complete */
  }
  net->sim_seconds += now_s() - t0;
  snn__free(cnt);
  snn__free(kc);
  if (rc) return rc;
  for (size_t i = 0; i < np; i++) {
    const snn__sp_pop *p = &net->pops[i];
    for (size_t j = 0; j < p->n; j++)
      if (!snn__isfinite(p->V[j]))
        return snn__error(SNN_E_NUMERIC, "%s: V of neuron %zu of population %zu is %g at %g ms", fn,
                          j, i, (double)p->V[j], (double)net->step * h);
  }
  return SNN_OK;
}

double snn_spnet_time(const snn_spnet *net) { return net ? (double)net->step * net->dt : 0.0; }

int snn_spnet_reset(snn_spnet *net) {
  static const char fn[] = "snn_spnet_reset";
  SNN__CHECK_NULL(net, fn);
  for (size_t i = 0; i < net->n_pops; i++) {
    int rc = pop_init_state(&net->pops[i]);
    if (rc) return rc;
  }
  if (net->prepared) {
    size_t ring = (size_t)net->n_slots * net->n_total;
    memset(net->buf_e, 0, ring * sizeof(float));
    memset(net->buf_i, 0, ring * sizeof(float));
  }
  net->step = 0;
  net->n_spikes = net->n_dropped = net->n_events = 0;
  net->n_rec = 0;
  net->sim_seconds = 0.0;
  net->broken = 0;
  return SNN_OK;
}

/* ---- statistics and recorder ------------------------------------------------------ */
int snn_spnet_stats_get(snn_spnet_stats *out, const snn_spnet *net) {
  static const char fn[] = "snn_spnet_stats_get";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(net, fn);
  size_t min = offsetof(snn_spnet_stats, steps) + sizeof(uint64_t);
  if (out->struct_size < min)
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is smaller than the smallest supported (%zu)",
                      fn, out->struct_size, min);
  snn_spnet_stats s;
  memset(&s, 0, sizeof s);
  s.steps = net->step;
  s.spikes = net->n_spikes;
  s.recorded = net->n_rec;
  s.dropped = net->n_dropped;
  s.syn_events = net->n_events;
  s.n_neurons = net->n_total;
  for (size_t i = 0; i < net->n_projs; i++) {
    const snn__sp_proj *pr = &net->projs[i];
    s.n_synapses += pr->nnz;
    s.synapse_bytes += pr->nnz * sizeof(uint32_t) + (pr->w ? pr->nnz * sizeof(float) : 0) +
                       (pr->n_src + 1) * sizeof(uint64_t);
  }
  s.build_seconds = net->build_seconds;
  s.sim_seconds = net->sim_seconds;
  snn__sized_out(out, &s, sizeof s);
  return SNN_OK;
}

size_t snn_spnet_spike_count(const snn_spnet *net) { return net ? net->n_rec : 0; }

int snn_spnet_spikes_get(uint32_t *neurons, double *times, const snn_spnet *net, size_t first,
                         size_t n) {
  static const char fn[] = "snn_spnet_spikes_get";
  SNN__CHECK_NULL(net, fn);
  if (!neurons && !times)
    return snn__error(SNN_E_INVALID, "%s: neurons and times are both NULL", fn);
  if (first > net->n_rec || n > net->n_rec - first)
    return snn__error(SNN_E_RANGE, "%s: spikes [%zu, %zu + %zu) exceed the %zu recorded", fn, first,
                      first, n, net->n_rec);
  for (size_t s = 0; s < n; s++) {
    if (neurons) neurons[s] = net->rec[first + s].neuron;
    if (times) times[s] = ((double)net->rec[first + s].step + 1.0) * net->dt;
  }
  return SNN_OK;
}

int snn_spnet_spikes_clear(snn_spnet *net) {
  static const char fn[] = "snn_spnet_spikes_clear";
  SNN__CHECK_NULL(net, fn);
  net->n_rec = 0;
  net->n_dropped = 0;
  return SNN_OK;
}

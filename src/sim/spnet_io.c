/* Model files of event-driven sparse networks: snn_spnet_save/load and their
 * in-memory variants (issue #7).
 *
 * The file is the libsnn model container (magic "SNNMODEL", format version,
 * tagged sections each with its length and CRC-32, END last; see
 * src/net/serialize.h) holding its own sections instead of the network ones:
 *   SPNT  options, random stream, counters, time, "has run" flag
 *   SPOP  one per population: neuron kind and parameters, size, settings,
 *         every state variable
 *   SPRJ  one per projection: CSR rows, targets, weights, delay, receptor
 *   SPRB  the delay ring (inputs not yet delivered), when the network has run
 *   SREC  the recorded spikes
 * Byte layout: docs/file-format.md ("snn_spnet files"). Writing goes through
 * the shared container writer (two passes, atomic file replacement); reading
 * uses the shared bounds-checked readers. Nothing read is trusted: every
 * count is checked against the bytes left in its section before anything
 * proportional to it is allocated, indices against their ranges, floats for
 * NaN/Inf, and parameters go through the public setters. */
#include "sim.h"

#include <string.h>

#include "../net/serialize.h"
#include "../neuron/neuron.h"
#include "../neuron/neuron_impl.h"

#define T_NET "SPNT"
#define T_POP "SPOP"
#define T_PRJ "SPRJ"
#define T_RNG "SPRB"
#define T_REC "SREC"
#define T_END "END "

#define MAX_NEURONS ((uint64_t)1 << 31)
#define MAX_SETTINGS 64u

/* population settings saved by name (snn_spnet_population_set) */
static const char *const set_names[] = {"synapse", "tau_exc", "tau_inh", "E_exc",
                                        "E_inh",   "I_e",     "record",  "euler"};
#define N_SET (sizeof set_names / sizeof set_names[0])

_Static_assert(sizeof(struct snn__sp_rec) == 8, "recorder entry is two uint32");

/* ======================================================================== */
/* Writer                                                                   */
/* ======================================================================== */

typedef struct wctx {
  const snn_spnet *net;
  size_t i;
} wctx;

static void w_net(snn__wr *w, const void *vc) {
  const snn_spnet *net = ((const wctx *)vc)->net;
  snn__wr_f64(w, net->dt);
  snn__wr_u64(w, net->seed);
  snn__wr_u64(w, (uint64_t)net->record_limit);
  snn__wr_u32(w, net->n_threads);
  for (int k = 0; k < 4; k++) snn__wr_u64(w, net->rng.s[k]);
  snn__wr_u64(w, net->n_streams);
  snn__wr_u32(w, (uint32_t)net->n_pops);
  snn__wr_u32(w, (uint32_t)net->n_projs);
  snn__wr_u64(w, (uint64_t)net->n_total);
  snn__wr_u64(w, net->step);
  snn__wr_u64(w, net->n_spikes);
  snn__wr_u64(w, net->n_dropped);
  snn__wr_u64(w, net->n_events);
  snn__wr_f64(w, net->build_seconds);
  snn__wr_f64(w, net->sim_seconds);
  snn__wr_u8(w, net->prepared ? 1u : 0u);
}

static double set_value(const snn__sp_pop *p, size_t k) {
  switch (k) {
  case 0: return p->cond;
  case 1: return p->tau_e;
  case 2: return p->tau_i;
  case 3: return p->E_e;
  case 4: return p->E_i;
  case 5: return p->I_e;
  case 6: return p->record;
  default: return p->euler;
  }
}

static void w_pop(snn__wr *w, const void *vc) {
  const wctx *c = vc;
  const snn__sp_pop *p = &c->net->pops[c->i];
  const snn_neuron_model *m = p->model;
  snn__wr_u32(w, (uint32_t)c->i);
  size_t np = snn_neuron_model_param_count(m);
  const double *pv = snn__neuron_params(m);
  snn__wr_str(w, snn_neuron_model_kind(m));
  snn__wr_u32(w, (uint32_t)np);
  for (size_t i = 0; i < np; i++) {
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    snn_neuron_model_param_info(&pi, m, i); /* checked by check_savable */
    /* enumerated parameters by symbolic value, as in network files */
    const snn__pdef *d = m->kind && i < m->kind->n_params ? &m->kind->params[i] : NULL;
    if (d && d->n_enum > 0 && d->enum_names && pv[i] >= 0.0 && pv[i] < (double)d->n_enum)
      snn__wr_param_str(w, pi.name, d->enum_names[(size_t)pv[i]]);
    else
      snn__wr_param_num(w, pi.name, pv[i]);
  }
  snn__wr_u64(w, (uint64_t)p->n);
  snn__wr_u64(w, p->fast ? 0u : (uint64_t)p->n_state);
  snn__wr_u32(w, (uint32_t)N_SET);
  for (size_t k = 0; k < N_SET; k++) snn__wr_param_num(w, set_names[k], set_value(p, k));
  if (p->fast) {
    snn__wr_f32s(w, p->V, p->n); /* V - E_L, as the kernels keep it */
    snn__wr_i32s(w, p->ref, p->n);
  } else {
    snn__wr_f32s(w, p->state, p->n_state * p->n);
  }
  snn__wr_f32s(w, p->ge, p->n);
  snn__wr_f32s(w, p->gi, p->n);
}

static void w_prj(snn__wr *w, const void *vc) {
  const wctx *c = vc;
  const snn__sp_proj *pr = &c->net->projs[c->i];
  snn__wr_u32(w, (uint32_t)c->i);
  snn__wr_u32(w, (uint32_t)pr->src);
  snn__wr_u32(w, (uint32_t)pr->dst);
  snn__wr_u8(w, pr->inh ? 1u : 0u);
  snn__wr_u32(w, pr->delay);
  snn__wr_u64(w, (uint64_t)pr->n_src);
  snn__wr_u64(w, (uint64_t)pr->nnz);
  snn__wr_u8(w, pr->w ? 1u : 0u);
  snn__wr_f32s(w, &pr->w0, 1);
  for (size_t i = 0; i <= pr->n_src; i++) snn__wr_u64(w, pr->row[i]);
  snn__wr_i32s(w, (const int32_t *)(const void *)pr->tgt, pr->nnz);
  if (pr->w) snn__wr_f32s(w, pr->w, pr->nnz);
}

static void w_ring(snn__wr *w, const void *vc) {
  const snn_spnet *net = ((const wctx *)vc)->net;
  size_t ring = (size_t)net->n_slots * net->n_total; /* allocated, so no overflow */
  snn__wr_u32(w, net->n_slots);
  snn__wr_u64(w, (uint64_t)net->n_total);
  snn__wr_f32s(w, net->buf_e, ring);
  snn__wr_f32s(w, net->buf_i, ring);
}

static void w_rec(snn__wr *w, const void *vc) {
  const snn_spnet *net = ((const wctx *)vc)->net;
  snn__wr_u64(w, (uint64_t)net->n_rec);
  if (net->n_rec) snn__wr_i32s(w, (const int32_t *)(const void *)net->rec, 2 * net->n_rec);
}

static int first_nonfinite(const float *x, size_t n, size_t *at) {
  for (size_t i = 0; i < n; i++)
    if (!snn__isfinite(x[i])) {
      *at = i;
      return 1;
    }
  return 0;
}

/* Everything the file must represent, checked before a byte is written. */
static int check_savable(const snn_spnet *net, const char *fn) {
  if (net->broken)
    return snn__error(SNN_E_STATE, "%s: an earlier run failed in the middle of a step; the state "
                      "is not consistent (call snn_spnet_reset())", fn);
  if (net->n_pops > UINT32_MAX || net->n_projs > UINT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: too many populations or projections", fn);
  for (size_t i = 0; i < net->n_pops; i++) {
    const snn__sp_pop *p = &net->pops[i];
    const char *k = snn_neuron_model_kind(p->model);
    if (p->model->kind == NULL)
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: population %zu uses the custom neuron kind '%s': custom models are "
                        "not saved (their callbacks and user data cannot be restored from a file)",
                        fn, i, k ? k : "?");
    if (k == NULL || strlen(k) > SNN__MODEL_MAX_NAME)
      return snn__error(SNN_E_INVALID, "%s: neuron kind name of population %zu is too long", fn, i);
    size_t np = snn_neuron_model_param_count(p->model);
    for (size_t j = 0; j < np; j++) {
      snn_param_info pi = SNN_PARAM_INFO_INIT;
      if (snn_neuron_model_param_info(&pi, p->model, j) != SNN_OK || pi.name == NULL ||
          strlen(pi.name) > SNN__MODEL_MAX_NAME)
        return snn__error(SNN_E_INTERNAL, "%s: parameter %zu of population %zu has no name", fn, j,
                          i);
    }
    size_t at;
    const char *var = NULL;
    if (p->fast ? first_nonfinite(p->V, p->n, &at) : first_nonfinite(p->state, p->n_state * p->n, &at))
      var = "the neuron state";
    else if (first_nonfinite(p->ge, p->n, &at))
      var = "the excitatory synaptic variable";
    else if (first_nonfinite(p->gi, p->n, &at))
      var = "the inhibitory synaptic variable";
    if (var)
      return snn__error(SNN_E_NUMERIC, "%s: element %zu of %s of population %zu is not finite", fn,
                        at, var, i);
  }
  for (size_t i = 0; i < net->n_projs; i++) {
    const snn__sp_proj *pr = &net->projs[i];
    size_t at = 0;
    if (!snn__isfinite(pr->w0) || (pr->w && first_nonfinite(pr->w, pr->nnz, &at)))
      return snn__error(SNN_E_NUMERIC, "%s: a weight of projection %zu is not finite (%zu)", fn, i,
                        at);
  }
  if (net->prepared) {
    size_t ring = (size_t)net->n_slots * net->n_total, at;
    if (first_nonfinite(net->buf_e, ring, &at) || first_nonfinite(net->buf_i, ring, &at))
      return snn__error(SNN_E_NUMERIC, "%s: a pending input in the delay ring is not finite", fn);
  }
  return SNN_OK;
}

/* The section list of net: *secs and *ctx are new arrays (snn__free both). */
static int sections(snn__section **secs, wctx **ctx, size_t *n, const snn_spnet *net,
                    const char *fn) {
  size_t cnt = 2 + net->n_pops + net->n_projs + (net->prepared ? 1 : 0);
  *secs = snn__malloc(cnt * sizeof **secs);
  *ctx = snn__malloc(cnt * sizeof **ctx);
  if (*secs == NULL || *ctx == NULL) {
    snn__free(*secs);
    snn__free(*ctx);
    *secs = NULL;
    *ctx = NULL;
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  size_t k = 0;
#define ADD(TAG, FN, I)                                            \
  do {                                                             \
    memcpy((*secs)[k].tag, TAG, 4);                                \
    (*secs)[k].flags = SNN__SECTION_REQUIRED;                      \
    (*secs)[k].fn = FN;                                            \
    (*ctx)[k].net = net;                                           \
    (*ctx)[k].i = (I);                                             \
    (*secs)[k].ctx = &(*ctx)[k];                                   \
    k++;                                                           \
  } while (0)
  ADD(T_NET, w_net, 0);
  for (size_t i = 0; i < net->n_pops; i++) ADD(T_POP, w_pop, i);
  for (size_t i = 0; i < net->n_projs; i++) ADD(T_PRJ, w_prj, i);
  if (net->prepared) ADD(T_RNG, w_ring, 0);
  ADD(T_REC, w_rec, 0);
#undef ADD
  *n = k;
  return SNN_OK;
}

int snn_spnet_save_mem(size_t *size, const snn_spnet *net, void *buf, size_t cap) {
  static const char fn[] = "snn_spnet_save_mem";
  SNN__CHECK_NULL(size, fn);
  SNN__CHECK_NULL(net, fn);
  int rc = check_savable(net, fn);
  if (rc) return rc;
  snn__section *secs;
  wctx *ctx;
  size_t n;
  if ((rc = sections(&secs, &ctx, &n, net, fn))) return rc;
  rc = snn__model_save_mem(size, NULL, secs, n, buf, cap, fn);
  snn__free(secs);
  snn__free(ctx);
  return rc;
}

int snn_spnet_save(const snn_spnet *net, const char *path) {
  static const char fn[] = "snn_spnet_save";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(path, fn);
  if (path[0] == '\0') return snn__error(SNN_E_INVALID, "%s: path is empty", fn);
  int rc = check_savable(net, fn);
  if (rc) return rc;
  snn__section *secs;
  wctx *ctx;
  size_t n;
  if ((rc = sections(&secs, &ctx, &n, net, fn))) return rc;
  rc = snn__model_save(NULL, secs, n, path, fn);
  snn__free(secs);
  snn__free(ctx);
  return rc;
}

/* ======================================================================== */
/* Reader                                                                   */
/* ======================================================================== */

typedef struct lds {
  snn_spnet *net;
  uint32_t n_pops, n_projs; /* declared in SPNT */
  uint64_t n_total;
  int prepared;
  size_t pops_done, projs_done;
  int have_ring, have_rec;
} lds;

static const char *expected(const lds *s) {
  if (s->net == NULL) return T_NET;
  if (s->pops_done < s->n_pops) return T_POP;
  if (s->projs_done < s->n_projs) return T_PRJ;
  if (s->prepared && !s->have_ring) return T_RNG;
  if (!s->have_rec) return T_REC;
  return T_END;
}

static int rd_f64(snn__rd *r, double *out, const char *what) {
  uint64_t u;
  int rc = snn__rd_u64(r, &u, what);
  if (rc) return rc;
  memcpy(out, &u, sizeof *out);
  if (!snn__isfinite(*out)) return snn__rd_err(r, SNN_E_FORMAT, r->pos - 8, "%s is not finite", what);
  return SNN_OK;
}

/* remaining payload bytes must hold `count` items of `unit` bytes */
static int need_items(snn__rd *r, uint64_t count, size_t unit, const char *what) {
  size_t left = r->end - r->pos;
  if (count > (uint64_t)(left / unit))
    return snn__rd_err(r, SNN_E_FORMAT, r->pos,
                       "%s: %llu items of %zu bytes do not fit in the %zu bytes left in the section",
                       what, (unsigned long long)count, unit, left);
  return SNN_OK;
}

static int sec_net(snn__rd *r, lds *s) {
  int rc;
  size_t off = r->pos;
  double dt, bs, ss;
  uint64_t seed, rl, n_streams, n_total, step, spikes, dropped, events, rng[4];
  uint32_t nt, np, nj;
  unsigned prep;
  if ((rc = rd_f64(r, &dt, "dt"))) return rc;
  if (!(dt > 0.0 && dt <= 10.0))
    return snn__rd_err(r, SNN_E_FORMAT, off, "dt = %g is outside (0, 10] ms", dt);
  if ((rc = snn__rd_u64(r, &seed, "seed"))) return rc;
  off = r->pos;
  if ((rc = snn__rd_u64(r, &rl, "record_limit"))) return rc;
  if (rl == 0 || rl > (uint64_t)(SIZE_MAX / sizeof(struct snn__sp_rec)))
    return snn__rd_err(r, SNN_E_FORMAT, off, "record_limit = %llu is out of range",
                       (unsigned long long)rl);
  off = r->pos;
  if ((rc = snn__rd_u32(r, &nt, "n_threads"))) return rc;
  if (nt == 0 || nt > 256)
    return snn__rd_err(r, SNN_E_FORMAT, off, "n_threads = %u is outside [1, 256]", nt);
  for (int k = 0; k < 4; k++)
    if ((rc = snn__rd_u64(r, &rng[k], "generator state"))) return rc;
  if ((rc = snn__rd_u64(r, &n_streams, "stream count"))) return rc;
  off = r->pos;
  if ((rc = snn__rd_u32(r, &np, "population count")) ||
      (rc = snn__rd_u32(r, &nj, "projection count")) ||
      (rc = snn__rd_u64(r, &n_total, "neuron count")))
    return rc;
  if (n_total > MAX_NEURONS || n_total < np || (np == 0 && nj != 0))
    return snn__rd_err(r, SNN_E_FORMAT, off,
                       "%u populations, %u projections and %llu neurons are inconsistent or too "
                       "many (at most 2^31 neurons)", np, nj, (unsigned long long)n_total);
  off = r->pos;
  if ((rc = snn__rd_u64(r, &step, "step"))) return rc;
  if (step > UINT32_MAX)
    return snn__rd_err(r, SNN_E_FORMAT, off, "step %llu exceeds 2^32-1", (unsigned long long)step);
  if ((rc = snn__rd_u64(r, &spikes, "spike count")) ||
      (rc = snn__rd_u64(r, &dropped, "dropped count")) ||
      (rc = snn__rd_u64(r, &events, "event count")))
    return rc;
  off = r->pos;
  if ((rc = rd_f64(r, &bs, "build_seconds")) || (rc = rd_f64(r, &ss, "sim_seconds"))) return rc;
  if (bs < 0.0 || ss < 0.0)
    return snn__rd_err(r, SNN_E_FORMAT, off, "negative wall time (%g, %g)", bs, ss);
  off = r->pos;
  if ((rc = snn__rd_u8(r, &prep, "run flag"))) return rc;
  if (prep > 1 || (prep && np == 0) || (!prep && step != 0))
    return snn__rd_err(r, SNN_E_FORMAT, off,
                       "run flag %u is invalid (0 or 1; 1 needs a population, 0 needs step 0)",
                       prep);
  snn_spnet_options o = SNN_SPNET_OPTIONS_INIT;
  o.dt = dt;
  o.seed = seed;
  o.record_limit = (size_t)rl;
  o.n_threads = nt;
  rc = snn_spnet_create(&s->net, &o);
  if (rc) return snn__rd_apply_err(r, rc, SNN__MODEL_HEADER_SIZE + SNN__SECTION_HEAD_SIZE, "options");
  snn_spnet *net = s->net;
  for (int k = 0; k < 4; k++) net->rng.s[k] = rng[k];
  net->n_streams = n_streams;
  net->step = step;
  net->n_spikes = spikes;
  net->n_dropped = dropped;
  net->n_events = events;
  net->build_seconds = bs;
  net->sim_seconds = ss;
  s->n_pops = np;
  s->n_projs = nj;
  s->n_total = n_total;
  s->prepared = (int)prep;
  return SNN_OK;
}

static int sec_pop(snn__rd *r, lds *s) {
  int rc;
  snn_spnet *net = s->net;
  size_t off = r->pos;
  uint32_t idx;
  if ((rc = snn__rd_u32(r, &idx, "population index"))) return rc;
  if (idx != s->pops_done)
    return snn__rd_err(r, SNN_E_FORMAT, off, "population index %u, expected %zu", idx,
                       s->pops_done);
  char kind[SNN__MODEL_MAX_NAME + 1];
  size_t koff = r->pos;
  if ((rc = snn__rd_str(r, kind, "neuron kind"))) return rc;
  uint32_t np;
  if ((rc = snn__rd_u32(r, &np, "parameter count"))) return rc;
  snn_neuron_model *m = NULL;
  rc = snn_neuron_model_create(&m, kind);
  if (rc) return snn__rd_apply_err(r, rc, koff, "neuron kind");
  for (uint32_t i = 0; i < np; i++) {
    snn__pval v;
    if ((rc = snn__rd_pval(r, &v))) goto fail;
    rc = v.type == 0 ? snn_neuron_model_set(m, v.name, v.num)
                     : snn_neuron_model_set_str(m, v.name, v.str);
    if (rc) {
      rc = snn__rd_apply_err(r, rc, v.off, "neuron parameter");
      goto fail;
    }
  }
  uint64_t n, ns;
  off = r->pos;
  if ((rc = snn__rd_u64(r, &n, "population size")) || (rc = snn__rd_u64(r, &ns, "state count")))
    goto fail;
  if (n == 0 || n > MAX_NEURONS - net->n_total || n > s->n_total - net->n_total) {
    rc = snn__rd_err(r, SNN_E_FORMAT, off, "population size %llu is 0 or exceeds the %llu neurons "
                     "declared", (unsigned long long)n, (unsigned long long)s->n_total);
    goto fail;
  }
  int fast = strcmp(kind, "lif") == 0; /* as snn_spnet_add_population decides */
  uint64_t want = fast ? 0 : (uint64_t)snn__neuron_n_state(m);
  if (ns != want) {
    rc = snn__rd_err(r, SNN_E_FORMAT, off + 8, "state count %llu, expected %llu for kind '%s'",
                     (unsigned long long)ns, (unsigned long long)want, kind);
    goto fail;
  }
  /* the arrays must be in the section before the population is allocated */
  uint64_t words = fast ? 4 * n : (ns + 2) * n; /* n < 2^32, ns < 2^8: no overflow */
  if ((rc = need_items(r, words, 4, "population state"))) goto fail;
  size_t id;
  rc = snn_spnet_add_population(&id, net, m, (size_t)n);
  snn_neuron_model_free(m);
  m = NULL;
  if (rc) return snn__rd_apply_err(r, rc, off, "population");
  snn__sp_pop *p = &net->pops[id];
  if (p->fast != fast || (!fast && p->n_state != ns))
    return snn__rd_err(r, SNN_E_INTERNAL, off, "population layout differs from the file");
  s->pops_done++;
  uint32_t nset;
  off = r->pos;
  if ((rc = snn__rd_u32(r, &nset, "setting count"))) return rc;
  if (nset > MAX_SETTINGS)
    return snn__rd_err(r, SNN_E_FORMAT, off, "%u settings (at most %u)", nset, MAX_SETTINGS);
  for (uint32_t i = 0; i < nset; i++) {
    snn__pval v;
    if ((rc = snn__rd_pval(r, &v))) return rc;
    if (v.type != 0)
      return snn__rd_err(r, SNN_E_FORMAT, v.off, "setting '%s' must be a number", v.name);
    rc = snn_spnet_population_set(net, id, v.name, v.num);
    if (rc) return snn__rd_apply_err(r, rc, v.off, "population setting");
  }
  size_t nn = (size_t)n;
  if ((rc = need_items(r, words, 4, "population state"))) return rc;
  if (fast) {
    if ((rc = snn__rd_f32s(r, p->V, nn, "V"))) return rc;
    off = r->pos;
    if ((rc = snn__rd_i32s(r, p->ref, nn, "refractory steps"))) return rc;
    for (size_t j = 0; j < nn; j++)
      if (p->ref[j] < 0)
        return snn__rd_err(r, SNN_E_FORMAT, off + 4 * j, "refractory steps of neuron %zu are "
                           "negative (%d)", j, (int)p->ref[j]);
  } else if ((rc = snn__rd_f32s(r, p->state, (size_t)ns * nn, "neuron state"))) {
    return rc;
  }
  float *g[2] = {p->ge, p->gi};
  for (int q = 0; q < 2; q++) {
    off = r->pos;
    if ((rc = snn__rd_f32s(r, g[q], nn, q ? "inhibitory synaptic variable" :
                           "excitatory synaptic variable")))
      return rc;
    for (size_t j = 0; p->cond && j < nn; j++)
      if (g[q][j] < 0.0f)
        return snn__rd_err(r, SNN_E_FORMAT, off + 4 * j, "negative conductance %g of neuron %zu",
                           (double)g[q][j], j);
  }
  return SNN_OK;
fail:
  snn_neuron_model_free(m);
  return rc;
}

static void proj_free(snn__sp_proj *pr) {
  snn__free(pr->row);
  snn__free(pr->tgt);
  snn__free(pr->w);
}

static int sec_prj(snn__rd *r, lds *s) {
  int rc;
  snn_spnet *net = s->net;
  size_t off = r->pos;
  uint32_t idx, src, dst, delay;
  unsigned inh, has_w;
  uint64_t n_src, nnz;
  if ((rc = snn__rd_u32(r, &idx, "projection index"))) return rc;
  if (idx != s->projs_done)
    return snn__rd_err(r, SNN_E_FORMAT, off, "projection index %u, expected %zu", idx,
                       s->projs_done);
  off = r->pos;
  if ((rc = snn__rd_u32(r, &src, "source population")) ||
      (rc = snn__rd_u32(r, &dst, "target population")))
    return rc;
  if (src >= net->n_pops || dst >= net->n_pops)
    return snn__rd_err(r, SNN_E_FORMAT, off, "populations %u -> %u (have %zu)", src, dst,
                       net->n_pops);
  off = r->pos;
  if ((rc = snn__rd_u8(r, &inh, "receptor"))) return rc;
  if (inh > 1) return snn__rd_err(r, SNN_E_FORMAT, off, "receptor %u (0 exc, 1 inh)", inh);
  off = r->pos;
  if ((rc = snn__rd_u32(r, &delay, "delay"))) return rc;
  if (delay > SNN__SIM_MAX_DELAY)
    return snn__rd_err(r, SNN_E_FORMAT, off, "delay %u steps exceeds %u", delay,
                       SNN__SIM_MAX_DELAY);
  off = r->pos;
  if ((rc = snn__rd_u64(r, &n_src, "source count")) || (rc = snn__rd_u64(r, &nnz, "synapse count")))
    return rc;
  const snn__sp_pop *ps = &net->pops[src], *pd = &net->pops[dst];
  if (n_src != ps->n || nnz > UINT32_MAX)
    return snn__rd_err(r, SNN_E_FORMAT, off, "%llu sources (population %u has %zu) or %llu "
                       "synapses (at most 2^32-1)", (unsigned long long)n_src, src, ps->n,
                       (unsigned long long)nnz);
  off = r->pos;
  if ((rc = snn__rd_u8(r, &has_w, "weight flag"))) return rc;
  if (has_w > 1) return snn__rd_err(r, SNN_E_FORMAT, off, "weight flag %u (0 or 1)", has_w);
  snn__sp_proj pr;
  memset(&pr, 0, sizeof pr);
  off = r->pos;
  if ((rc = snn__rd_f32s(r, &pr.w0, 1, "shared weight"))) return rc;
  if (pd->cond && !has_w && pr.w0 < 0.0f)
    return snn__rd_err(r, SNN_E_FORMAT, off, "negative weight %g into conductance-based "
                       "population %u", (double)pr.w0, dst);
  /* everything proportional must be in the section before it is allocated */
  size_t nsrc = (size_t)n_src, nz = (size_t)nnz;
  if ((rc = need_items(r, n_src + 1, 8, "row offsets"))) return rc;
  if ((rc = need_items(r, nnz * (has_w ? 2 : 1), 4, "synapses"))) return rc;
  if (r->end - r->pos != (nsrc + 1) * 8 + nz * (has_w ? 8 : 4))
    return snn__rd_err(r, SNN_E_FORMAT, r->pos, "the section holds %zu bytes for %zu rows and %zu "
                       "synapses", r->end - r->pos, nsrc, nz);
  pr.src = src;
  pr.dst = dst;
  pr.inh = (int)inh;
  pr.delay = delay;
  pr.n_src = nsrc;
  pr.nnz = nz;
  pr.row = snn__malloc((nsrc + 1) * sizeof *pr.row);
  pr.tgt = snn__malloc((nz ? nz : 1) * sizeof *pr.tgt);
  pr.w = has_w ? snn__malloc((nz ? nz : 1) * sizeof *pr.w) : NULL;
  if (pr.row == NULL || pr.tgt == NULL || (has_w && pr.w == NULL)) {
    proj_free(&pr);
    return snn__rd_err(r, SNN_E_NOMEM, off, "out of memory (%zu synapses)", nz);
  }
  size_t roff = r->pos;
  for (size_t i = 0; i <= nsrc && !rc; i++) rc = snn__rd_u64(r, &pr.row[i], "row offset");
  if (!rc && (pr.row[0] != 0 || pr.row[nsrc] != nnz))
    rc = snn__rd_err(r, SNN_E_FORMAT, roff, "row offsets must run from 0 to %zu", nz);
  for (size_t i = 0; i < nsrc && !rc; i++)
    if (pr.row[i + 1] < pr.row[i])
      rc = snn__rd_err(r, SNN_E_FORMAT, roff + 8 * (i + 1), "row offsets decrease at row %zu", i);
  size_t toff = r->pos;
  if (!rc) rc = snn__rd_i32s(r, (int32_t *)(void *)pr.tgt, nz, "targets");
  for (size_t i = 0; i < nsrc && !rc; i++)
    for (uint64_t x = pr.row[i]; x < pr.row[i + 1] && !rc; x++)
      if (pr.tgt[x] >= pd->n || (x > pr.row[i] && pr.tgt[x] <= pr.tgt[x - 1]))
        rc = snn__rd_err(r, SNN_E_FORMAT, toff + 4 * (size_t)x,
                         "target %u of row %zu is out of range (%zu neurons) or not ascending",
                         pr.tgt[x], i, pd->n);
  size_t woff = r->pos;
  if (!rc && has_w) rc = snn__rd_f32s(r, pr.w, nz, "weights");
  for (size_t x = 0; !rc && has_w && pd->cond && x < nz; x++)
    if (pr.w[x] < 0.0f)
      rc = snn__rd_err(r, SNN_E_FORMAT, woff + 4 * x, "negative weight %g into conductance-based "
                       "population %u", (double)pr.w[x], dst);
  if (!rc && net->n_projs == net->cap_projs) {
    size_t nc = net->cap_projs ? 2 * net->cap_projs : 4;
    snn__sp_proj *np = snn__realloc(net->projs, net->cap_projs * sizeof *np, nc * sizeof *np);
    if (np == NULL) {
      rc = snn__rd_err(r, SNN_E_NOMEM, off, "out of memory");
    } else {
      net->projs = np;
      net->cap_projs = nc;
    }
  }
  if (rc) {
    proj_free(&pr);
    return rc;
  }
  net->projs[net->n_projs++] = pr;
  s->projs_done++;
  return SNN_OK;
}

static int sec_ring(snn__rd *r, lds *s) {
  snn_spnet *net = s->net;
  int rc;
  size_t off = r->pos;
  uint32_t slots;
  uint64_t nt;
  if ((rc = snn__rd_u32(r, &slots, "slot count")) || (rc = snn__rd_u64(r, &nt, "neuron count")))
    return rc;
  uint32_t maxd = 0;
  for (size_t i = 0; i < net->n_projs; i++)
    if (net->projs[i].delay > maxd) maxd = net->projs[i].delay;
  if (slots != maxd + 1 || nt != net->n_total)
    return snn__rd_err(r, SNN_E_FORMAT, off, "ring of %u slots x %llu neurons, expected %u x %zu",
                       slots, (unsigned long long)nt, maxd + 1, net->n_total);
  uint64_t ring = (uint64_t)slots * nt; /* <= 1001 * 2^31 */
  if ((rc = need_items(r, ring, 8, "delay ring"))) return rc;
  rc = snn__sp_prepare(net, r->fn);
  if (rc) return snn__rd_apply_err(r, rc, off, "delay ring");
  if ((rc = snn__rd_f32s(r, net->buf_e, (size_t)ring, "excitatory delay ring")) ||
      (rc = snn__rd_f32s(r, net->buf_i, (size_t)ring, "inhibitory delay ring")))
    return rc;
  s->have_ring = 1;
  return SNN_OK;
}

static int sec_rec(snn__rd *r, lds *s) {
  snn_spnet *net = s->net;
  int rc;
  size_t off = r->pos;
  uint64_t n;
  if ((rc = snn__rd_u64(r, &n, "recorded spike count"))) return rc;
  if (n > net->record_limit || n > net->n_spikes)
    return snn__rd_err(r, SNN_E_FORMAT, off, "%llu recorded spikes exceed the record limit %zu or "
                       "the %llu spikes emitted", (unsigned long long)n, net->record_limit,
                       (unsigned long long)net->n_spikes);
  if ((rc = need_items(r, n, 8, "recorded spikes"))) return rc;
  if (n) {
    size_t nn = (size_t)n;
    net->rec = snn__malloc(nn * sizeof *net->rec);
    if (net->rec == NULL) return snn__rd_err(r, SNN_E_NOMEM, off, "out of memory (%zu spikes)", nn);
    net->cap_rec = nn;
    off = r->pos;
    if ((rc = snn__rd_i32s(r, (int32_t *)(void *)net->rec, 2 * nn, "recorded spikes"))) return rc;
    for (size_t i = 0; i < nn; i++) {
      const struct snn__sp_rec *e = &net->rec[i];
      if ((uint64_t)e->step >= net->step || e->neuron >= net->n_total ||
          (i > 0 && (e->step < e[-1].step || (e->step == e[-1].step && e->neuron <= e[-1].neuron))))
        return snn__rd_err(r, SNN_E_FORMAT, off + 8 * i,
                           "recorded spike %zu (step %u, neuron %u) is out of range or out of "
                           "order", i, e->step, e->neuron);
    }
    net->n_rec = nn;
  }
  s->have_rec = 1;
  return SNN_OK;
}

/* visitor of snn__model_walk(): the sections in the order expected() names */
static int visit_spnet(void *ctx, snn__rd *r, const unsigned char *h, size_t pos, int *is_end) {
  lds *s = ctx;
  const char *want = expected(s);
  int mine = memcmp(h, T_NET, 4) == 0 || memcmp(h, T_POP, 4) == 0 ||
             memcmp(h, T_PRJ, 4) == 0 || memcmp(h, T_RNG, 4) == 0 ||
             memcmp(h, T_REC, 4) == 0 || memcmp(h, T_END, 4) == 0;
  if (pos == SNN__MODEL_HEADER_SIZE && memcmp(h, T_NET, 4) != 0)
    return memcmp(h, "NETW", 4) == 0
               ? snn__rd_err(r, SNN_E_FORMAT, pos, "this is an snn_network model file (first "
                             "section NETW), not an snn_spnet file: load it with "
                             "snn_network_load()")
               : snn__rd_err(r, SNN_E_FORMAT, pos, "not an snn_spnet file: the first section is "
                             "'%s', not " T_NET, r->tag);
  if (mine && memcmp(h, want, 4) != 0)
    return snn__rd_err(r, SNN_E_FORMAT, pos, "section '%s' where '%s' was expected", r->tag, want);
  if (memcmp(h, T_NET, 4) == 0) return sec_net(r, s);
  if (memcmp(h, T_POP, 4) == 0) return sec_pop(r, s);
  if (memcmp(h, T_PRJ, 4) == 0) return sec_prj(r, s);
  if (memcmp(h, T_RNG, 4) == 0) return sec_ring(r, s);
  if (memcmp(h, T_REC, 4) == 0) return sec_rec(r, s);
  if (memcmp(h, T_END, 4) == 0) {
    *is_end = 1;
    if (s->net->n_total != s->n_total)
      return snn__rd_err(r, SNN_E_FORMAT, r->sec_off, "the populations hold %zu neurons, SPNT "
                         "declares %llu", s->net->n_total, (unsigned long long)s->n_total);
    return SNN_OK;
  }
  return SNN__SECTION_UNKNOWN;
}

static int parse(snn_spnet **out, const unsigned char *buf, size_t size, const char *fn) {
  snn__rd r;
  memset(&r, 0, sizeof r);
  r.fn = fn;
  lds s;
  memset(&s, 0, sizeof s);
  int rc = snn__model_walk(&r, buf, size, visit_spnet, &s);
  if (rc != SNN_OK) {
    snn_spnet_free(s.net);
    return rc;
  }
  *out = s.net;
  return SNN_OK;
}

int snn_spnet_load_mem(snn_spnet **out, const void *buf, size_t size) {
  static const char fn[] = "snn_spnet_load_mem";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(buf, fn);
  return parse(out, buf, size, fn);
}

int snn_spnet_load(snn_spnet **out, const char *path) {
  static const char fn[] = "snn_spnet_load";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(path, fn);
  if (path[0] == '\0') return snn__error(SNN_E_INVALID, "%s: path is empty", fn);
  unsigned char *buf = NULL;
  size_t size = 0;
  int rc = snn__model_read_file(&buf, &size, path, fn);
  if (rc) return rc;
  rc = parse(out, buf, size, fn);
  snn__free(buf);
  return rc;
}

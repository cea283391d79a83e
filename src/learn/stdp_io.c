/* Learner files: snn_learner_save/_save_mem/_load/_load_mem.
 *
 * A learner file is the model file of the learner's network (every section
 * snn_network_save writes) plus one optional `STDP` section before `END `
 * with the STDP learner's state: simulation options, adaptive thresholds,
 * neuron labels and the training simulation's state. Older readers and
 * snn_network_load skip the section (it is not marked required), so the
 * network of a learner file always loads on its own. Layout of the payload:
 * docs/file-format.md ("STDP").
 *
 * SpikeProp learners own their network and are saved without one: their
 * files (section `SPKP`, src/learn/spikeprop_io.c) are dispatched from here.
 *
 * Why a learner call and not part of snn_network_save: the STDP learner
 * borrows its network and the network knows nothing of it, and the state is
 * the learner's (theta and labels only mean something with the simulation
 * options that produced them). Saving the learner saves its network with it;
 * loading returns both, the network owned by the caller as for
 * snn_learner_create_stdp. */
#include "internal.h"
#include "../net/network.h"
#include "../net/serialize.h"
#include "spikeprop_impl.h"
#include "stdp_impl.h"

#include <math.h>
#include <string.h>

static const char tag_stdp[4] = {'S', 'T', 'D', 'P'};

/* symbolic values of the enumerated options (index = enum value) */
static const char *const rule_names[] = {"", "triplet", "additive", "multiplicative", "pretrace"};
static const char *const inhib_names[] = {"", "population", "direct"};
static const char *const syn_names[] = {"", "conductance", "current"};
static const char *const integ_names[] = {"", "euler", "implicit", "auto"};

static const char *sym_of(const char *const *names, int n, int32_t v) {
  return v >= 1 && v < n ? names[v] : "?";
}

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

#define N_OPTIONS 28 /* entries written in the option list */

static void pl_stdp(snn__wr *w, const void *ctx) {
  const snn__stdp_view *v = ctx;
  const snn_stdp_options *o = &v->opts;
  snn__wr_str(w, v->kind);
  snn__wr_u8(w, (unsigned)v->custom);
  snn__wr_u64(w, v->n_in);
  snn__wr_u64(w, v->n);
  snn__wr_u64(w, o->seed);
  /* "lockout" is written only when it is off, so files of the default
   * configuration stay as they were before the flag existed (and a file
   * without the entry keeps the lock-out when read) */
  const int no_lockout = (o->flags & SNN_STDP_NO_LOCKOUT) != 0;
  snn__wr_u32(w, N_OPTIONS + (no_lockout ? 1u : 0u));
  snn__wr_param_str(w, "rule", sym_of(rule_names, 5, o->rule));
  snn__wr_param_num(w, "a_plus", o->a_plus);
  snn__wr_param_num(w, "a_minus", o->a_minus);
  snn__wr_param_num(w, "tau_plus", o->tau_plus);
  snn__wr_param_num(w, "tau_minus", o->tau_minus);
  snn__wr_param_num(w, "tau_triplet", o->tau_triplet);
  snn__wr_param_num(w, "w_min", o->w_min);
  snn__wr_param_num(w, "w_max", o->w_max);
  snn__wr_param_num(w, "x_tar", o->x_tar);
  snn__wr_param_num(w, "mu", o->mu);
  snn__wr_param_num(w, "norm_total", o->norm_total);
  snn__wr_param_num(w, "theta_plus", o->theta_plus);
  snn__wr_param_num(w, "tau_theta", o->tau_theta);
  snn__wr_param_num(w, "max_rate", o->max_rate);
  snn__wr_param_num(w, "rate_increment", o->rate_increment);
  snn__wr_param_num(w, "min_spikes", (double)o->min_spikes);
  snn__wr_param_num(w, "max_repeats", (double)o->max_repeats);
  snn__wr_param_num(w, "t_present", o->t_present);
  snn__wr_param_num(w, "t_rest", o->t_rest);
  snn__wr_param_num(w, "dt", o->dt);
  snn__wr_param_str(w, "inhibition", sym_of(inhib_names, 3, o->inhibition));
  snn__wr_param_str(w, "synapse", sym_of(syn_names, 3, o->synapse));
  snn__wr_param_num(w, "w_exc_inh", o->w_exc_inh);
  snn__wr_param_num(w, "w_inh_exc", o->w_inh_exc);
  snn__wr_param_str(w, "normalize", (o->flags & SNN_STDP_NO_NORMALIZE) ? "off" : "on");
  snn__wr_param_str(w, "adaptive_theta", (o->flags & SNN_STDP_NO_THETA) ? "off" : "on");
  snn__wr_param_str(w, "integrator", sym_of(integ_names, 4, o->integrator));
  if (no_lockout) snn__wr_param_str(w, "lockout", "off");
  snn__wr_param_num(w, "t_infer", v->t_infer);
  snn__wr_f32s(w, v->theta, v->n);
  snn__wr_u8(w, (unsigned)(v->have_assign != 0));
  snn__wr_i32s(w, v->assign, v->n);
  snn__wr_u64(w, *v->n_train);
  for (int k = 0; k < 4; k++) snn__wr_u64(w, v->rng[k]);
  snn__wr_u32(w, SNN__STDP_N_STATE);
  for (int k = 0; k < SNN__STDP_N_STATE; k++) {
    snn__wr_str(w, v->state_name[k]);
    snn__wr_u64(w, v->state_len[k]);
    snn__wr_f32s(w, v->state[k], v->state_len[k]);
  }
}

/* Validates l and fills the view; fn names the public function. */
static int save_view(snn__stdp_view *v, const snn_learner *l, const char *fn) {
  SNN__CHECK_NULL(l, fn);
  if (!snn__learner_is_stdp(l))
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: learners of kind '%s' have no saved state; save the network with "
                      "snn_network_save",
                      fn, snn_learner_kind(l) ? snn_learner_kind(l) : "?");
  int rc = snn__stdp_view_get(v, l, fn);
  if (rc) return rc;
  const snn_network *net = v->net;
  if (net->n_layers == 0 || net->layers[0]->kind != SNN__LAYER_DENSE ||
      net->layers[0]->n_in != v->n_in || net->layers[0]->n_out != v->n)
    return snn__error(SNN_E_STATE,
                      "%s: the network's first layer changed since the learner was created", fn);
  if (net->layers[0]->delay) /* the loader refuses them, as creation does */
    return snn__error(SNN_E_STATE,
                      "%s: the network's first layer has input delays, which STDP learners do not "
                      "support; remove them (snn_network_set_input_delays) to save", fn);
  if (strlen(v->kind) > SNN__MODEL_MAX_NAME)
    return snn__error(SNN_E_INVALID, "%s: the rule name is longer than %u bytes", fn,
                      SNN__MODEL_MAX_NAME);
  for (size_t j = 0; j < v->n; j++)
    if (!isfinite(v->theta[j]))
      return snn__error(SNN_E_NUMERIC, "%s: theta[%zu] is not finite", fn, j);
  for (int k = 0; k < SNN__STDP_N_STATE; k++)
    for (size_t j = 0; j < v->state_len[k]; j++)
      if (!isfinite(v->state[k][j]))
        return snn__error(SNN_E_NUMERIC, "%s: training state '%s'[%zu] is not finite", fn,
                          v->state_name[k], j);
  return SNN_OK;
}

int snn_learner_save(const snn_learner *l, const char *path) {
  static const char fn[] = "snn_learner_save";
  SNN__CHECK_NULL(path, fn);
  if (path[0] == '\0') return snn__error(SNN_E_INVALID, "%s: path is empty", fn);
  SNN__CHECK_NULL(l, fn);
  if (snn__learner_is_spikeprop(l)) return snn__spikeprop_save(l, path, fn); /* spikeprop_io.c */
  snn__stdp_view v;
  int rc = save_view(&v, l, fn);
  if (rc) return rc;
  snn__section sec = {{'S', 'T', 'D', 'P'}, 0, pl_stdp, &v};
  return snn__model_save(v.net, &sec, 1, path, fn);
}

int snn_learner_save_mem(size_t *size, const snn_learner *l, void *buf, size_t cap) {
  static const char fn[] = "snn_learner_save_mem";
  SNN__CHECK_NULL(size, fn);
  SNN__CHECK_NULL(l, fn);
  if (snn__learner_is_spikeprop(l)) return snn__spikeprop_save_mem(size, l, buf, cap, fn);
  snn__stdp_view v;
  int rc = save_view(&v, l, fn);
  if (rc) return rc;
  snn__section sec = {{'S', 'T', 'D', 'P'}, 0, pl_stdp, &v};
  return snn__model_save_mem(size, v.net, &sec, 1, buf, cap, fn);
}

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

static int find_sym(const char *const *names, int n, const char *s) {
  for (int i = 1; i < n; i++)
    if (strcmp(names[i], s) == 0) return i;
  return 0;
}

/* Applies one option entry to o. */
static int apply_option(snn__rd *r, snn_stdp_options *o, const snn__pval *p) {
  static const struct {
    const char *name;
    size_t off;
  } num[] = {
#define D(f) {#f, offsetof(snn_stdp_options, f)}
      D(a_plus),     D(a_minus),   D(tau_plus),       D(tau_minus), D(tau_triplet),
      D(w_min),      D(w_max),     D(x_tar),          D(mu),        D(norm_total),
      D(theta_plus), D(tau_theta), D(max_rate),       D(rate_increment),
      D(t_present),  D(t_rest),    D(dt),             D(w_exc_inh), D(w_inh_exc),
#undef D
  };
  static const struct {
    const char *name;
    const char *const *names;
    int n;
    size_t off;
  } sym[] = {
      {"rule", rule_names, 5, offsetof(snn_stdp_options, rule)},
      {"inhibition", inhib_names, 3, offsetof(snn_stdp_options, inhibition)},
      {"synapse", syn_names, 3, offsetof(snn_stdp_options, synapse)},
      {"integrator", integ_names, 4, offsetof(snn_stdp_options, integrator)},
  };
  for (size_t k = 0; k < sizeof num / sizeof num[0]; k++) {
    if (strcmp(p->name, num[k].name) != 0) continue;
    if (p->type != 0)
      return snn__rd_err(r, SNN_E_FORMAT, p->off, "option '%s' must be a number", p->name);
    memcpy((char *)o + num[k].off, &p->num, sizeof(double));
    return SNN_OK;
  }
  if (strcmp(p->name, "min_spikes") == 0 || strcmp(p->name, "max_repeats") == 0) {
    if (p->type != 0 || p->num < 1.0 || p->num > 4294967295.0 || p->num != floor(p->num))
      return snn__rd_err(r, SNN_E_FORMAT, p->off,
                         "option '%s' must be a whole number in [1, 2^32-1]", p->name);
    uint32_t v = (uint32_t)p->num;
    if (p->name[1] == 'i')
      o->min_spikes = v;
    else
      o->max_repeats = v;
    return SNN_OK;
  }
  for (size_t k = 0; k < sizeof sym / sizeof sym[0]; k++) {
    if (strcmp(p->name, sym[k].name) != 0) continue;
    int v = p->type == 1 ? find_sym(sym[k].names, sym[k].n, p->str) : 0;
    if (v == 0)
      return snn__rd_err(r, SNN_E_FORMAT, p->off, "option '%s' has an unknown value '%s'",
                         p->name, p->type == 1 ? p->str : "(a number)");
    int32_t v32 = v;
    memcpy((char *)o + sym[k].off, &v32, sizeof v32);
    return SNN_OK;
  }
  static const struct {
    const char *name;
    uint32_t flag;
  } flags[] = {{"normalize", SNN_STDP_NO_NORMALIZE},
               {"adaptive_theta", SNN_STDP_NO_THETA},
               {"lockout", SNN_STDP_NO_LOCKOUT}};
  for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
    if (strcmp(p->name, flags[k].name) != 0) continue;
    int on = p->type == 1 && strcmp(p->str, "on") == 0;
    int off = p->type == 1 && strcmp(p->str, "off") == 0;
    if (!on && !off)
      return snn__rd_err(r, SNN_E_FORMAT, p->off, "option '%s' must be \"on\" or \"off\"",
                         p->name);
    if (off)
      o->flags |= flags[k].flag;
    else
      o->flags &= ~flags[k].flag;
    return SNN_OK;
  }
  return snn__rd_err(r, SNN_E_NOTFOUND, p->off, "unknown option '%s'", p->name);
}

/* Everything of the section that precedes the learner's creation. */
typedef struct head {
  char kind[SNN__MODEL_MAX_NAME + 1];
  unsigned custom;
  snn_stdp_options opts;
  size_t opts_off;
  double t_infer;     /* 0 when the file has none (written before t_infer existed) */
  size_t t_infer_off; /* offset of its entry */
} head;

static int read_head(snn__rd *r, head *h, const snn_network *net) {
  int rc;
  size_t koff = r->pos;
  if ((rc = snn__rd_str(r, h->kind, "rule name"))) return rc;
  size_t coff = r->pos;
  if ((rc = snn__rd_u8(r, &h->custom, "custom flag"))) return rc;
  if (h->custom > 1)
    return snn__rd_err(r, SNN_E_FORMAT, coff, "custom flag must be 0 or 1 (got %u)", h->custom);
  if (!h->custom && strcmp(h->kind, "stdp") != 0)
    return snn__rd_err(r, SNN_E_FORMAT, koff, "built-in learner named '%s' (expected 'stdp')",
                       h->kind);
  uint64_t n_in, n;
  size_t soff = r->pos;
  if ((rc = snn__rd_u64(r, &n_in, "n_in")) || (rc = snn__rd_u64(r, &n, "n"))) return rc;
  const snn_layer *L = net->n_layers ? net->layers[0] : NULL;
  if (L == NULL || L->kind != SNN__LAYER_DENSE || (uint64_t)L->n_in != n_in ||
      (uint64_t)L->n_out != n)
    return snn__rd_err(r, SNN_E_FORMAT, soff,
                       "learner of %llu inputs and %llu neurons, but the network's first layer "
                       "is %s %zu -> %zu",
                       (unsigned long long)n_in, (unsigned long long)n,
                       L ? snn_layer_kind(L) : "missing:", L ? L->n_in : 0, L ? L->n_out : 0);
  memset(&h->opts, 0, sizeof h->opts);
  h->opts.struct_size = sizeof h->opts;
  if ((rc = snn__rd_u64(r, &h->opts.seed, "seed"))) return rc;
  uint32_t np;
  h->opts_off = r->pos;
  if ((rc = snn__rd_u32(r, &np, "option count"))) return rc;
  h->t_infer = 0.0;
  h->t_infer_off = h->opts_off;
  for (uint32_t i = 0; i < np; i++) {
    snn__pval p;
    if ((rc = snn__rd_pval(r, &p))) return rc;
    if (strcmp(p.name, "t_infer") == 0) { /* a learner setting, not an option */
      if (p.type != 0 || !(p.num > 0.0) || !isfinite(p.num))
        return snn__rd_err(r, SNN_E_FORMAT, p.off, "option 't_infer' must be a number > 0");
      h->t_infer = p.num;
      h->t_infer_off = p.off;
      continue;
    }
    if ((rc = apply_option(r, &h->opts, &p))) return rc;
  }
  h->opts.flags |= SNN_STDP_KEEP_WEIGHTS; /* the weights come from the file */
  return SNN_OK;
}

/* The rest of the section, into the new learner. */
static int read_state(snn__rd *r, snn_learner *l, const char *fn) {
  snn__stdp_view v;
  int rc = snn__stdp_view_get(&v, l, fn);
  if (rc) return rc;
  const size_t n = v.n;
  /* every array must be in the section before anything proportional is allocated */
  if ((rc = snn__rd_need(r, n > (SIZE_MAX - 1) / 8 ? SIZE_MAX : 8 * n + 1, "theta and labels")))
    return rc;
  float *theta = snn__malloc(n * sizeof *theta);
  int32_t *assign = snn__malloc(n * sizeof *assign);
  if (!theta || !assign) {
    rc = snn__rd_err(r, SNN_E_NOMEM, r->pos, "out of memory for %zu neurons", n);
    goto done;
  }
  size_t toff = r->pos;
  if ((rc = snn__rd_f32s(r, theta, n, "theta"))) goto done;
  if ((rc = snn_learner_stdp_theta_set(l, theta, n)) != SNN_OK) {
    rc = snn__rd_apply_err(r, rc, toff, "theta");
    goto done;
  }
  unsigned have;
  size_t hoff = r->pos;
  if ((rc = snn__rd_u8(r, &have, "labelled flag"))) goto done;
  if (have > 1) {
    rc = snn__rd_err(r, SNN_E_FORMAT, hoff, "labelled flag must be 0 or 1 (got %u)", have);
    goto done;
  }
  size_t aoff = r->pos;
  if ((rc = snn__rd_i32s(r, assign, n, "labels"))) goto done;
  for (size_t j = 0; j < n; j++)
    if (assign[j] < -1 || assign[j] > 65535 || (!have && assign[j] != -1)) {
      rc = snn__rd_err(r, SNN_E_FORMAT, aoff + 4 * j, "label of neuron %zu is %d", j,
                       (int)assign[j]);
      goto done;
    }
  if (have && (rc = snn_learner_stdp_assignments_set(l, assign, n)) != SNN_OK) {
    rc = snn__rd_apply_err(r, rc, aoff, "labels");
    goto done;
  }
  if ((rc = snn__rd_u64(r, v.n_train, "examples trained"))) goto done;
  for (int k = 0; k < 4; k++)
    if ((rc = snn__rd_u64(r, &v.rng[k], "generator state"))) goto done;
  if (!(v.rng[0] | v.rng[1] | v.rng[2] | v.rng[3])) {
    rc = snn__rd_err(r, SNN_E_FORMAT, r->pos - 32, "generator state is all zero");
    goto done;
  }
  uint32_t na;
  size_t naoff = r->pos;
  if ((rc = snn__rd_u32(r, &na, "state array count"))) goto done;
  if (na != SNN__STDP_N_STATE) {
    rc = snn__rd_err(r, SNN_E_FORMAT, naoff, "%u training-state arrays (expected %d)", na,
                     SNN__STDP_N_STATE);
    goto done;
  }
  for (int k = 0; k < SNN__STDP_N_STATE; k++) {
    char name[SNN__MODEL_MAX_NAME + 1];
    size_t off = r->pos;
    if ((rc = snn__rd_str(r, name, "state array name"))) goto done;
    if (strcmp(name, v.state_name[k]) != 0) {
      rc = snn__rd_err(r, SNN_E_FORMAT, off, "state array %d is '%s' (expected '%s')", k, name,
                       v.state_name[k]);
      goto done;
    }
    uint64_t cnt;
    size_t coff = r->pos;
    if ((rc = snn__rd_u64(r, &cnt, "state array length"))) goto done;
    if (cnt != (uint64_t)v.state_len[k]) {
      rc = snn__rd_err(r, SNN_E_FORMAT, coff, "state array '%s' has %llu values (expected %zu)",
                       name, (unsigned long long)cnt, v.state_len[k]);
      goto done;
    }
    if ((rc = snn__rd_f32s(r, v.state[k], v.state_len[k], name))) goto done;
  }
done:
  snn__free(theta);
  snn__free(assign);
  return rc;
}

/* Validates the caller's rule as snn_learner_create_custom would, and copies
 * it (into our layout) without its destroy callback, returned apart. */
static int check_ops(const snn_learner_ops *u, snn_learner_ops *ops, void (**destroy)(void *),
                     const char *fn) {
  int rc = snn__check_struct_size(u, u->struct_size, offsetof(snn_learner_ops, tau_pre),
                                  sizeof *ops, fn, "opts->learner_ops");
  if (rc) return rc;
  memset(ops, 0, sizeof *ops);
  memcpy(ops, u, u->struct_size < sizeof *ops ? u->struct_size : sizeof *ops);
  ops->struct_size = sizeof *ops;
  const char *tn[] = {"tau_pre", "tau_post1", "tau_post2"};
  double tv[] = {ops->tau_pre, ops->tau_post1, ops->tau_post2};
  for (int k = 0; k < 3; k++)
    if (!snn__isfinite(tv[k]) || tv[k] < 0.0)
      return snn__error(SNN_E_RANGE, "%s: opts->learner_ops->%s must be finite and >= 0 (got %g)",
                        fn, tn[k], tv[k]);
  if (ops->trace_add != 0 && ops->trace_add != 1)
    return snn__error(SNN_E_RANGE, "%s: opts->learner_ops->trace_add must be 0 or 1 (got %d)", fn,
                      (int)ops->trace_add);
  *destroy = ops->destroy;
  ops->destroy = NULL;
  return SNN_OK;
}

static int load_learner(snn_learner **out, snn_network **net_out, const unsigned char *buf,
                        size_t size, const snn__load_opts *lo, const char *fn) {
  if (snn__spikeprop_is_file(buf, size)) /* no network: *net_out stays NULL */
    return snn__spikeprop_load(out, buf, size, fn);
  snn__span span;
  memset(&span, 0, sizeof span);
  memcpy(span.tag, tag_stdp, 4);
  snn_network *net = NULL;
  snn_learner *l = NULL;
  int rc = snn__model_load(&net, buf, size, lo, &span, fn);
  if (rc != SNN_OK) return rc;
  if (!span.found) {
    snn_network_free(net);
    return snn__error(SNN_E_NOTFOUND,
                      "%s: the file holds a network but no learner (no STDP section); load it "
                      "with snn_network_load",
                      fn);
  }
  snn__rd r;
  memset(&r, 0, sizeof r);
  r.buf = buf;
  r.size = size;
  r.pos = span.body;
  r.end = span.end;
  r.sec_off = span.sec_off;
  r.fn = fn;
  memcpy(r.tag, tag_stdp, 4);
  head h;
  if ((rc = read_head(&r, &h, net)) != SNN_OK) goto fail;
  snn_learner_ops ops; /* the caller's rule, without destroy until success */
  void (*destroy)(void *) = NULL;
  if (h.custom) {
    const snn_learner_ops *uops = lo ? lo->learner_ops : NULL;
    if (uops && (rc = check_ops(uops, &ops, &destroy, fn)) != SNN_OK) goto fail;
    const char *uname = uops && ops.name ? ops.name : "custom";
    if (uops == NULL || strcmp(uname, h.kind) != 0) {
      rc = snn__rd_err(&r, SNN_E_NOTFOUND, r.sec_off,
                       "the learner uses the custom rule '%s'; pass its snn_learner_ops in "
                       "snn_load_options.learner_ops%s%s%s",
                       h.kind, uops ? " (got rule '" : "", uops ? uname : "", uops ? "')" : "");
      goto fail;
    }
    rc = snn_learner_create_custom(&l, net, &h.opts, &ops, lo->learner_user);
  } else {
    rc = snn_learner_create_stdp(&l, net, &h.opts);
  }
  if (rc != SNN_OK) { /* the options from the file were refused (or no memory) */
    rc = snn__rd_apply_err(&r, rc, h.opts_off, "learner options");
    goto fail;
  }
  /* files written before t_infer existed classified with t_present */
  const double t_infer = h.t_infer > 0.0 ? h.t_infer : h.opts.t_present; /* 0: default */
  if ((rc = snn_learner_stdp_set_t_infer(l, t_infer)) != SNN_OK) {
    rc = snn__rd_apply_err(&r, rc, h.t_infer_off, "t_infer");
    goto fail;
  }
  if ((rc = read_state(&r, l, fn)) != SNN_OK) goto fail;
  if (r.pos != r.end) {
    rc = snn__rd_err(&r, SNN_E_FORMAT, r.pos, "%zu unexpected bytes at the end of the section",
                     r.end - r.pos);
    goto fail;
  }
  if (destroy) { /* from now on the learner owns learner_user */
    snn__stdp_view v;
    if ((rc = snn__stdp_view_get(&v, l, fn)) != SNN_OK) goto fail;
    v.ops->destroy = destroy;
  }
  *out = l;
  *net_out = net;
  return SNN_OK;
fail:
  snn_learner_free(l);
  snn_network_free(net);
  return rc;
}

/* Shared entry: argument checks, the destroy rule of learner_user. */
static int load_common(snn_learner **out, snn_network **net_out, const unsigned char *buf,
                       size_t size, const char *path, const snn_load_options *opts,
                       const char *fn) {
  snn__load_opts lo;
  int rc = snn__load_opts_resolve(&lo, opts, fn);
  if (rc != SNN_OK) return rc;
  unsigned char *fbuf = NULL;
  if (path) {
    if ((rc = snn__model_read_file(&fbuf, &size, path, fn)) != SNN_OK) return rc;
    buf = fbuf;
  }
  rc = load_learner(out, net_out, buf, size, &lo, fn);
  snn__free(fbuf);
  return rc;
}

/* Calls the caller's destroy unless the returned learner took learner_user over. */
static void release_user(const snn_load_options *opts, const snn_learner *l) {
  if (opts == NULL || opts->struct_size < offsetof(snn_load_options, learner_user) + sizeof(void *))
    return;
  const snn_learner_ops *ops = opts->learner_ops;
  if (ops == NULL || ops->struct_size < offsetof(snn_learner_ops, destroy) + sizeof ops->destroy ||
      ops->destroy == NULL)
    return;
  if (l != NULL && snn__learner_is_stdp(l)) {
    snn__stdp_view v;
    if (snn__stdp_view_get(&v, l, "snn_learner_load") == SNN_OK && v.custom &&
        v.ops->destroy == ops->destroy)
      return; /* the learner calls it when freed */
  }
  ops->destroy(opts->learner_user);
}

int snn_learner_load(snn_learner **out, snn_network **net_out, const char *path,
                     const snn_load_options *opts) {
  static const char fn[] = "snn_learner_load";
  if (out) *out = NULL;
  if (net_out) *net_out = NULL;
  int rc;
  if (out == NULL || net_out == NULL || path == NULL || path[0] == '\0')
    rc = snn__error(SNN_E_INVALID, "%s: %s", fn,
                    out == NULL ? "'out' must not be NULL"
                    : net_out == NULL ? "'net_out' must not be NULL"
                    : path == NULL    ? "'path' must not be NULL"
                                      : "path is empty");
  else
    rc = load_common(out, net_out, NULL, 0, path, opts, fn);
  release_user(opts, rc == SNN_OK ? *out : NULL);
  return rc;
}

int snn_learner_load_mem(snn_learner **out, snn_network **net_out, const void *buf, size_t size,
                         const snn_load_options *opts) {
  static const char fn[] = "snn_learner_load_mem";
  if (out) *out = NULL;
  if (net_out) *net_out = NULL;
  int rc;
  if (out == NULL || net_out == NULL || buf == NULL)
    rc = snn__error(SNN_E_INVALID, "%s: '%s' must not be NULL", fn,
                    out == NULL ? "out" : net_out == NULL ? "net_out" : "buf");
  else
    rc = load_common(out, net_out, buf, size, NULL, opts, fn);
  release_user(opts, rc == SNN_OK ? *out : NULL);
  return rc;
}

/* The "spikeprop" learner: SpikeProp (Bohte, Kok & La Poutre 2002,
 * "Error-backpropagation in temporally encoded networks of spiking neurons",
 * Neurocomputing 48:17-37) on a self-contained, event-driven network
 * n_in -> n_hidden -> n_out of "srm" neurons with multi-terminal delayed
 * connections. Equations and design: docs/spikeprop.md.
 *
 * Forward pass (exact, no time grid): the input events of a layer (arrival
 * times t_i + d_k of every presynaptic spike through every terminal) are
 * sorted once per layer and example; each postsynaptic neuron then walks
 * them in order, keeping its membrane in the closed form
 *   u(r + s) = exp(-s/tau) (b + a s)
 * between events (src/neuron/srm.h); an event of weight w adds (e/tau) w to
 * a. The first threshold crossing in an interval is located by
 * snn__srm_cross (safeguarded Newton on the exact expression, ~1e-12 ms).
 * Cost per neuron: one pass over n_pre * terminals events.
 *
 * Backward pass (per example, online):
 *   output j fired:  dE/dt_j = t_j - t^_j,  D_j = max(du_j/dt(t_j), floor)
 *                    dE/dw_jik = -(t_j - t^_j) s_i y_i^k(t_j) / D_j
 *                    dE/dt_i  += (t_j - t^_j) s_i w_jik eps'(t_j - t_i - d_k) / D_j
 *   hidden i fired:  dE/dw_ihk = -dE/dt_i y_h^k(t_i) / D_i
 *   silent neuron:   dE/dw := -kappa s y(t_peak) (raises the membrane maximum)
 *   late hidden neuron (option late_push = lambda > 0): a hidden spike that
 *                    reaches no output that fired (t_i + d_0 >= every t_j)
 *                    gets dE/dw_ihk := -lambda y_h^k(t_L - d_0), t_L = latest
 *                    output spike (raises u_i where its spike would count)
 * with y_i^k(t) = eps(t - t_i - d_k), s_i = +1 or -1 (inhibitory hidden
 * neuron), and dw = -eta dE/dw; options: weight_decay adds lambda w to
 * dE/dw, momentum adds mu times the previous dw (its state: p->vel);
 * update = RPROP replaces the step by iRprop- (per-weight steps p->rstep,
 * previous gradient p->gprev); batch_size > 1 averages the gradient over that
 * many examples of an epoch (p->acc) before each update. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../net/engine.h" /* snn__now */
#include "../neuron/neuron.h"
#include "../neuron/srm.h"
#include "spikeprop_impl.h"

#define SP_E 2.718281828459045235360287

typedef struct sp_ev {
  double s;     /* arrival time (ms) */
  uint32_t pre; /* presynaptic neuron */
  uint32_t k;   /* terminal */
} sp_ev;

typedef struct snn__spikeprop {
  const char *kind; /* "spikeprop" (first member of every learner) */
  uint32_t tag;     /* SNN__SPIKEPROP_TAG */
  size_t n_in, n_hid, n_out, K;
  double tau, theta;
  snn_spikeprop_options o; /* resolved */
  double lr;
  uint32_t epoch;
  double *delay; /* K */
  double *sign;  /* n_hid: +1 excitatory, -1 inhibitory */
  double *w;     /* w1 (n_hid*n_in*K) then w2 (n_out*n_hid*K) */
  size_t n_w1, n_w;
  snn_encoder *enc; /* owned copy or NULL */
  /* workspace */
  sp_ev *ev;       /* max(n_in, n_hid) * K */
  double *tin;     /* n_in */
  double *th, *ph; /* hidden spike times / peak times */
  double *to, *po; /* output spike times / peak times */
  double *dEdth;   /* n_hid */
  double *grad;    /* n_w */
  double *wsave;   /* n_w (restore on NaN) */
  double *vel;     /* n_w: previous update (momentum), zero at creation */
  double *acc;     /* n_w: gradient summed over the current batch (train_epoch) */
  double *rstep;   /* n_w: RProp step per weight (0: not started, use lr) */
  double *gprev;   /* n_w: RProp: gradient of the previous update (0 after a sign flip) */
  float *fbuf;     /* n_in floats (encoded times) */
  double *dec;     /* per event: exp(-(gap to the previous event)/tau) */
  double *ek;      /* K: exp(d_k / tau) (when fact_ok) */
  int fact_ok;     /* d_k / tau small enough for the factorised kernel */
  double *ky, *kdy; /* K: kernel values of one connection */
  uint32_t *order;  /* max(n_in, n_hid): firing presynaptic neurons by time */
  size_t *head;     /* K: merge position per terminal */
  /* input ranges (snn_learner_spikeprop_set_input_ranges): n_rng floats each, or NULL */
  float *rmin, *rmax, *xbuf; /* xbuf: one scaled sample */
  size_t n_rng;
} snn__spikeprop;

static snn__spikeprop *as_sp(snn_learner *l) { return (snn__spikeprop *)(void *)l; }
static const snn__spikeprop *as_csp(const snn_learner *l) {
  return (const snn__spikeprop *)(const void *)l;
}

_Static_assert(offsetof(snn__spikeprop, tag) == sizeof(char *),
               "the learner tag must sit where spikeprop_impl.h expects it");

int snn__learner_is_spikeprop(const snn_learner *l) {
  if (!l) return 0;
  uint32_t tag;
  memcpy(&tag, (const char *)l + offsetof(snn__spikeprop, tag), sizeof tag);
  return tag == SNN__SPIKEPROP_TAG;
}

static int require_sp(const snn_learner *l, const char *fn) {
  if (!snn__learner_is_spikeprop(l))
    return snn__error(SNN_E_INVALID, "%s: learner of kind '%s' is not a SpikeProp learner", fn,
                      snn_learner_kind(l) ? snn_learner_kind(l) : "?");
  return SNN_OK;
}

/* ---- options ------------------------------------------------------------ */

int snn_spikeprop_options_init(snn_spikeprop_options *o, size_t struct_size) {
  static const char fn[] = "snn_spikeprop_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < offsetof(snn_spikeprop_options, learning_rate) + sizeof(double))
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is too small (this library: %zu)", fn,
                      struct_size, sizeof(snn_spikeprop_options));
  size_t n = struct_size < sizeof *o ? struct_size : sizeof *o;
  memset(o, 0, n);
  if (struct_size > sizeof *o) memset((char *)o + sizeof *o, 0, struct_size - sizeof *o);
  o->struct_size = struct_size;
  return SNN_OK;
}

static int resolve(snn_spikeprop_options *r, const snn_spikeprop_options *in, double tau,
                   const char *fn) {
  memset(r, 0, sizeof *r);
  if (in) {
    int rc = snn__check_struct_size(in, in->struct_size,
                                    offsetof(snn_spikeprop_options, learning_rate) + sizeof(double),
                                    sizeof *in, fn, "snn_spikeprop_options");
    if (rc != SNN_OK) return rc;
    memcpy(r, in, in->struct_size < sizeof *r ? in->struct_size : sizeof *r);
  }
  r->struct_size = sizeof *r;
  const double dbl[] = {r->learning_rate, r->delay_min, r->delay_step, r->inhibitory_fraction,
                        r->t_max, r->denom_floor, r->silent_push, r->w_init_min, r->w_init_max,
                        r->t_early, r->t_late, r->weight_decay, r->momentum, r->late_push};
  for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
    if (!isfinite(dbl[i])) return snn__error(SNN_E_INVALID, "%s: an option is NaN or infinite", fn);
#define RANGE_IF(cond, ...) \
  if (cond) return snn__error(SNN_E_RANGE, __VA_ARGS__)
  if (r->learning_rate == 0) r->learning_rate = 0.01;
  RANGE_IF(r->learning_rate < 0 || r->learning_rate > 1e3,
           "%s: learning_rate must be in (0, 1e3] (got %g)", fn, r->learning_rate);
  if (r->terminals == 0) r->terminals = 16;
  RANGE_IF(r->terminals > 256, "%s: terminals must be in [1, 256] (got %u)", fn,
           (unsigned)r->terminals);
  if (r->delay_min == 0) r->delay_min = 1.0;
  RANGE_IF(r->delay_min < 0 || r->delay_min > 1e4, "%s: delay_min must be in (0, 1e4] (got %g)",
           fn, r->delay_min);
  if (r->delay_step == 0) r->delay_step = 1.0;
  RANGE_IF(r->delay_step < 0 || r->delay_step > 1e4, "%s: delay_step must be in (0, 1e4] (got %g)",
           fn, r->delay_step);
  RANGE_IF(r->inhibitory_fraction < 0 || r->inhibitory_fraction > 1,
           "%s: inhibitory_fraction must be in [0, 1] (got %g)", fn, r->inhibitory_fraction);
  if (r->t_max == 0) r->t_max = 50.0;
  RANGE_IF(r->t_max < 0 || r->t_max > 1e5, "%s: t_max must be in (0, 1e5] (got %g)", fn, r->t_max);
  RANGE_IF(r->t_max / tau > 1000.0, "%s: t_max / tau must be <= 1000 (got %g / %g)", fn, r->t_max,
           tau);
  if (r->denom_floor == 0) r->denom_floor = 0.1;
  RANGE_IF(r->denom_floor < 0 || r->denom_floor > 1e6,
           "%s: denom_floor must be in (0, 1e6] (got %g)", fn, r->denom_floor);
  if (r->silent_push == 0) r->silent_push = 1.0;
  RANGE_IF(r->silent_push < 0 || r->silent_push > 1e6,
           "%s: silent_push must be in (0, 1e6] (got %g)", fn, r->silent_push);
  RANGE_IF(fabs(r->w_init_min) > 1e6 || fabs(r->w_init_max) > 1e6,
           "%s: w_init_min/max must be within [-1e6, 1e6] (got %g, %g)", fn, r->w_init_min,
           r->w_init_max);
  RANGE_IF(r->w_init_max != 0 && r->w_init_max < r->w_init_min,
           "%s: w_init_max (%g) must be >= w_init_min (%g)", fn, r->w_init_max, r->w_init_min);
  const int dflt_e = r->t_early == 0, dflt_l = r->t_late == 0;
  if (dflt_e) r->t_early = 12.0;
  if (dflt_l) r->t_late = 16.0;
  RANGE_IF(r->t_early < 0 || r->t_early > r->t_max,
           "%s: t_early must be in [0, t_max = %g] (got %g%s)", fn, r->t_max, r->t_early,
           dflt_e ? ", the default: set t_early and t_late for a t_max below 16 ms" : "");
  RANGE_IF(r->t_late < 0 || r->t_late > r->t_max,
           "%s: t_late must be in [0, t_max = %g] (got %g%s)", fn, r->t_max, r->t_late,
           dflt_l ? ", the default: set t_early and t_late for a t_max below 16 ms" : "");
  RANGE_IF(r->bias > 1, "%s: bias must be 0 or 1 (got %u)", fn, (unsigned)r->bias);
  RANGE_IF(r->weight_decay < 0 || r->weight_decay > 1e3,
           "%s: weight_decay must be in [0, 1e3] (got %g)", fn, r->weight_decay);
  RANGE_IF(r->momentum < 0 || r->momentum >= 1, "%s: momentum must be in [0, 1) (got %g)", fn,
           r->momentum);
  RANGE_IF(r->update > SNN_SPIKEPROP_RPROP,
           "%s: update must be SNN_SPIKEPROP_SGD (0) or SNN_SPIKEPROP_RPROP (1) (got %u)", fn,
           (unsigned)r->update);
  RANGE_IF(r->update == SNN_SPIKEPROP_RPROP && r->momentum > 0,
           "%s: momentum (%g) must be 0 with update SNN_SPIKEPROP_RPROP", fn, r->momentum);
  if (r->batch_size == 0) r->batch_size = 1;
  RANGE_IF(r->late_push < 0 || r->late_push > 1e6, "%s: late_push must be in [0, 1e6] (got %g)",
           fn, r->late_push);
#undef RANGE_IF
  return SNN_OK;
}

/* ---- lifecycle ---------------------------------------------------------- */

/* frees the input ranges (snn_learner_spikeprop_set_input_ranges) */
static void drop_ranges(snn__spikeprop *p) {
  snn__free(p->rmin);
  snn__free(p->rmax);
  snn__free(p->xbuf);
  p->rmin = p->rmax = p->xbuf = NULL;
  p->n_rng = 0;
}

void snn__spikeprop_destroy(snn_learner *l) {
  if (!snn__learner_is_spikeprop(l)) return;
  snn__spikeprop *p = as_sp(l);
  snn__free(p->delay);
  snn__free(p->sign);
  snn__free(p->w);
  snn_encoder_free(p->enc);
  snn__free(p->ev);
  snn__free(p->tin);
  snn__free(p->th);
  snn__free(p->ph);
  snn__free(p->to);
  snn__free(p->po);
  snn__free(p->dEdth);
  snn__free(p->grad);
  snn__free(p->wsave);
  snn__free(p->vel);
  snn__free(p->acc);
  snn__free(p->rstep);
  snn__free(p->gprev);
  snn__free(p->fbuf);
  snn__free(p->dec);
  snn__free(p->ek);
  snn__free(p->ky);
  snn__free(p->kdy);
  snn__free(p->order);
  snn__free(p->head);
  drop_ranges(p);
  p->tag = 0;
  snn__free(p);
}

void snn__spikeprop_view_get(snn__spikeprop_view *v, const snn_learner *l) {
  snn__spikeprop *p = (snn__spikeprop *)(void *)(uintptr_t)as_csp(l); /* caller decides */
  memset(v, 0, sizeof *v);
  v->n_in = p->n_in;
  v->n_hid = p->n_hid;
  v->n_out = p->n_out;
  v->K = p->K;
  v->tau = p->tau;
  v->theta = p->theta;
  v->o = &p->o;
  v->lr = &p->lr;
  v->epoch = &p->epoch;
  v->w = p->w;
  v->vel = p->vel;
  v->rstep = p->rstep;
  v->gprev = p->gprev;
  v->n_w = p->n_w;
  v->sign = p->sign;
  v->enc = p->enc;
  v->rmin = p->rmin;
  v->rmax = p->rmax;
  v->n_rng = p->n_rng;
}

size_t snn__spikeprop_n_params(const snn_learner *l) {
  return snn__learner_is_spikeprop(l) ? as_csp(l)->n_w : 0;
}

int snn__spikeprop_set_learning_rate(snn_learner *l, double lr) {
  static const char fn[] = "snn_learner_set_learning_rate";
  if (!isfinite(lr)) return snn__error(SNN_E_INVALID, "%s: lr must be finite (got %g)", fn, lr);
  if (!(lr > 0) || lr > 1e3)
    return snn__error(SNN_E_RANGE, "%s: lr must be in (0, 1e3] (got %g)", fn, lr);
  as_sp(l)->lr = lr;
  return SNN_OK;
}

/* max over t of sum_k eps(t - d_k): the summed response of one spike through all terminals */
static double terminal_peak(const snn__spikeprop *p) {
  double best = 0;
  double end = p->delay[p->K - 1] + 3.0 * p->tau;
  /* tau / 50 resolves the peak; at most ~1e5 points for extreme delay / tau
   * ratios (options from a file must not make creation take minutes) */
  double step = fmax(p->tau / 50.0, end / 1e5);
  for (double t = 0; t <= end; t += step) {
    double s = 0;
    for (size_t k = 0; k < p->K; k++) s += snn__srm_eps(t - p->delay[k], p->tau);
    if (s > best) best = s;
  }
  return best > 0 ? best : 1.0;
}

static void init_weights(snn__spikeprop *p) {
  snn__rng rng;
  snn__rng_seed(&rng, p->o.seed);
  double S = terminal_peak(p);
  for (int layer = 0; layer < 2; layer++) {
    size_t n_pre = layer == 0 ? p->n_in : p->n_hid;
    double *w = layer == 0 ? p->w : p->w + p->n_w1;
    size_t n = layer == 0 ? p->n_w1 : p->n_w - p->n_w1;
    double lo = p->o.w_init_min, hi = p->o.w_init_max;
    if (hi == 0) {
      /* automatic: a mean weight that lifts u to ~2 theta if every presynaptic
       * neuron fired at once, i.e. hi = 4 theta / (n_pre S). */
      hi = 4.0 * p->theta / ((double)n_pre * S);
      if (hi <= lo) hi = lo + hi;
    }
    for (size_t i = 0; i < n; i++) w[i] = lo + (hi - lo) * snn__rng_uniform(&rng);
  }
}

int snn_learner_create_spikeprop(snn_learner **out, size_t n_in, size_t n_hidden, size_t n_out,
                                 const snn_neuron_model *neuron, const snn_encoder *enc,
                                 const snn_spikeprop_options *opts) {
  static const char fn[] = "snn_learner_create_spikeprop";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  if (n_in == 0 || n_hidden == 0 || n_out == 0)
    return snn__error(SNN_E_INVALID,
                      "%s: n_in, n_hidden and n_out must be >= 1 (got %zu, %zu, %zu)", fn, n_in,
                      n_hidden, n_out);
  if (n_in > 1u << 20 || n_hidden > 1u << 20 || n_out > 1u << 20)
    return snn__error(SNN_E_RANGE, "%s: layer sizes must be <= 2^20 (got %zu, %zu, %zu)", fn,
                      n_in, n_hidden, n_out);
  double tau = 7.0, theta = 1.0;
  if (neuron) {
    const char *kind = snn_neuron_model_kind(neuron);
    if (kind == NULL || strcmp(kind, "srm") != 0)
      return snn__error(SNN_E_UNSUPPORTED, "%s: the neuron model must be of kind 'srm' (got '%s')",
                        fn, kind ? kind : "?");
    int rc = snn_neuron_model_get(&tau, neuron, "tau");
    if (rc == SNN_OK) rc = snn_neuron_model_get(&theta, neuron, "threshold");
    if (rc != SNN_OK) return rc;
  }
  if (enc) {
    const char *ek = snn_encoder_kind(enc);
    if (ek == NULL || (strcmp(ek, "population") != 0 && strcmp(ek, "latency") != 0))
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: the encoder must be 'population' or 'latency' (got '%s')", fn,
                        ek ? ek : "?");
  }
  snn_spikeprop_options o;
  int rc = resolve(&o, opts, tau, fn);
  if (rc != SNN_OK) return rc;
  if (enc) { /* the encoded inputs (n_in minus the bias) are whole features */
    size_t per = 0, nenc = n_in - (o.bias && n_in ? 1 : 0);
    if ((rc = snn_encoder_output_size(&per, enc, 1)) != SNN_OK) return rc;
    if (per == 0 || nenc == 0 || nenc % per != 0)
      return snn__error(SNN_E_INVALID,
                        "%s: the '%s' encoder gives %zu inputs per feature, but n_in%s is %zu, "
                        "not a positive multiple of it",
                        fn, snn_encoder_kind(enc), per, o.bias ? " minus the bias input" : "",
                        nenc);
  }
  size_t K = o.terminals, n1, n2, nt;
  if (snn__mul_size(&n1, n_hidden * n_in, K) != 0 || snn__mul_size(&n2, n_out * n_hidden, K) != 0 ||
      n1 + n2 < n1 || n1 + n2 > ((size_t)1 << 31))
    return snn__error(SNN_E_RANGE, "%s: too many weights (%zu x %zu x %zu x %zu)", fn, n_in,
                      n_hidden, n_out, K);
  nt = n1 + n2;
  snn__spikeprop *p = snn__calloc(1, sizeof *p);
  if (!p) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  p->kind = "spikeprop";
  p->tag = SNN__SPIKEPROP_TAG;
  p->n_in = n_in;
  p->n_hid = n_hidden;
  p->n_out = n_out;
  p->K = K;
  p->tau = tau;
  p->theta = theta;
  p->o = o;
  p->lr = o.learning_rate;
  p->n_w1 = n1;
  p->n_w = nt;
  size_t n_pre_max = n_in > n_hidden ? n_in : n_hidden;
  p->delay = snn__calloc(K, sizeof(double));
  p->sign = snn__calloc(n_hidden, sizeof(double));
  p->w = snn__calloc(nt, sizeof(double));
  p->ev = snn__calloc(n_pre_max * K, sizeof(sp_ev));
  p->tin = snn__calloc(n_in, sizeof(double));
  p->th = snn__calloc(n_hidden, sizeof(double));
  p->ph = snn__calloc(n_hidden, sizeof(double));
  p->to = snn__calloc(n_out, sizeof(double));
  p->po = snn__calloc(n_out, sizeof(double));
  p->dEdth = snn__calloc(n_hidden, sizeof(double));
  p->grad = snn__calloc(nt, sizeof(double));
  p->wsave = snn__calloc(nt, sizeof(double));
  p->vel = snn__calloc(nt, sizeof(double));
  p->acc = snn__calloc(nt, sizeof(double));
  p->rstep = snn__calloc(nt, sizeof(double));
  p->gprev = snn__calloc(nt, sizeof(double));
  p->fbuf = snn__calloc(n_in, sizeof(float));
  p->dec = snn__calloc(n_pre_max * K + 1, sizeof(double));
  p->ek = snn__calloc(K, sizeof(double));
  p->ky = snn__calloc(K, sizeof(double));
  p->kdy = snn__calloc(K, sizeof(double));
  p->order = snn__calloc(n_pre_max, sizeof(uint32_t));
  p->head = snn__calloc(K, sizeof(size_t));
  if (!p->delay || !p->sign || !p->w || !p->ev || !p->tin || !p->th || !p->ph || !p->to ||
      !p->po || !p->dEdth || !p->grad || !p->wsave || !p->vel || !p->fbuf || !p->dec || !p->ek ||
      !p->ky || !p->kdy || !p->order || !p->head || !p->acc || !p->rstep || !p->gprev) {
    snn__spikeprop_destroy((snn_learner *)(void *)p);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  if (enc) {
    rc = snn_encoder_clone(&p->enc, enc);
    if (rc != SNN_OK) {
      snn__spikeprop_destroy((snn_learner *)(void *)p);
      return rc;
    }
  }
  for (size_t k = 0; k < K; k++) p->delay[k] = o.delay_min + (double)k * o.delay_step;
  p->fact_ok = p->delay[K - 1] / tau < 600.0 && o.t_max / tau < 600.0;
  for (size_t k = 0; k < K && p->fact_ok; k++) p->ek[k] = exp(p->delay[k] / tau);
  size_t n_inh = (size_t)llround(o.inhibitory_fraction * (double)n_hidden);
  for (size_t h = 0; h < n_hidden; h++) p->sign[h] = h >= n_hidden - n_inh ? -1.0 : 1.0;
  init_weights(p);
  *out = (snn_learner *)(void *)p;
  return SNN_OK;
}

/* ---- forward ------------------------------------------------------------ */

static int ev_cmp(const void *a, const void *b) {
  const sp_ev *x = a, *y = b;
  if (x->s < y->s) return -1;
  if (x->s > y->s) return 1;
  if (x->pre != y->pre) return x->pre < y->pre ? -1 : 1;
  return x->k < y->k ? -1 : (x->k > y->k);
}

/* Spike times of one layer. tpre[n_pre] (< 0: silent), sgn NULL = all +1,
 * w[n_post][n_pre][K]. Writes tpost (-1 silent) and tpeak (time of the
 * membrane maximum in [0, t_max] for a silent neuron, used by the
 * silent-neuron rule; the spike time otherwise). */
static void layer_forward(snn__spikeprop *p, const double *tpre, size_t n_pre, const double *sgn,
                          const double *w, size_t n_post, double *tpost, double *tpeak) {
  const size_t K = p->K;
  const double tau = p->tau, theta = p->theta, tmax = p->o.t_max, ke = SP_E / tau;
  /* events in time order: sort the firing presynaptic neurons by spike time,
   * then merge the K runs (one per terminal, each shifted by d_k) */
  size_t nf = 0, ne = 0;
  for (size_t i = 0; i < n_pre; i++)
    if (tpre[i] >= 0) {
      p->ev[nf].s = tpre[i];
      p->ev[nf].pre = (uint32_t)i;
      p->ev[nf].k = 0;
      nf++;
    }
  qsort(p->ev, nf, sizeof *p->ev, ev_cmp);
  for (size_t i = 0; i < nf; i++) p->order[i] = p->ev[i].pre;
  for (size_t k = 0; k < K; k++) p->head[k] = 0;
  for (;;) {
    size_t kb = K;
    double sb = tmax;
    for (size_t k = 0; k < K; k++) {
      if (p->head[k] >= nf) continue;
      double s = tpre[p->order[p->head[k]]] + p->delay[k];
      if (s < sb) sb = s, kb = k; /* ties: lowest k first (deterministic) */
    }
    if (kb == K) break; /* all runs done or past t_max */
    p->ev[ne].s = sb;
    p->ev[ne].pre = p->order[p->head[kb]];
    p->ev[ne].k = (uint32_t)kb;
    ne++;
    p->head[kb]++;
  }
  /* decay over the gap before each event (shared by all postsynaptic neurons) */
  double prev = 0;
  for (size_t e = 0; e < ne; e++) {
    p->dec[e] = exp(-(p->ev[e].s - prev) / tau);
    prev = p->ev[e].s;
  }
  p->dec[ne] = exp(-(tmax - prev) / tau);
  for (size_t j = 0; j < n_post; j++) {
    const double *wj = w + j * n_pre * K;
    double a = 0, b = 0, r = 0, x;
    int fired = 0;
    for (size_t e = 0; e <= ne && !fired; e++) {
      double s = e < ne ? p->ev[e].s : tmax, L = s - r;
      if (L > 0) {
        double ue = p->dec[e] * (b + a * L);
        /* u can rise only while a > 0: across the whole gap when its maximum
         * (at tau - b/a) lies beyond it, then a crossing means ue >= theta */
        if (a > 0 && (ue >= theta || tau - b / a < L) &&
            snn__srm_cross(a, b, tau, theta, L, &x)) {
          tpost[j] = r + x;
          fired = 1;
          break;
        }
        b = ue;
        a *= p->dec[e];
        r = s;
      }
      if (e < ne) {
        size_t i = p->ev[e].pre;
        a += ke * (sgn ? sgn[i] : 1.0) * wj[i * K + p->ev[e].k];
      }
    }
    if (fired) {
      tpeak[j] = tpost[j];
      continue;
    }
    /* silent: second pass for the time of the membrane maximum */
    tpost[j] = -1.0;
    double peak = 0, tpk = 0, at;
    a = b = r = 0;
    for (size_t e = 0; e <= ne; e++) {
      double s = e < ne ? p->ev[e].s : tmax, L = s - r;
      if (L > 0) {
        double pk = snn__srm_peak(a, b, tau, L, &at);
        if (pk > peak) peak = pk, tpk = r + at;
        b = p->dec[e] * (b + a * L);
        a *= p->dec[e];
        r = s;
      }
      if (e < ne) {
        size_t i = p->ev[e].pre;
        a += ke * (sgn ? sgn[i] : 1.0) * wj[i * K + p->ev[e].k];
      }
    }
    tpeak[j] = peak > 0 ? tpk : -1.0; /* -1: u never positive (see backward) */
  }
}

static void forward(snn__spikeprop *p) {
  layer_forward(p, p->tin, p->n_in, NULL, p->w, p->n_hid, p->th, p->ph);
  layer_forward(p, p->th, p->n_hid, p->sign, p->w + p->n_w1, p->n_out, p->to, p->po);
}

/* ---- backward ----------------------------------------------------------- */

/* y_k = eps(D - d_k) and dy_k = eps'(D - d_k) for every terminal k (D = t_post - t_pre). */
static void kern(snn__spikeprop *p, double D) {
  const double tau = p->tau;
  size_t k = 0;
  if (p->fact_ok) {
    double g0 = SP_E * exp(-D / tau);
    for (; k < p->K; k++) {
      double s = D - p->delay[k];
      if (!(s > 0)) break; /* delays increase with k */
      double g = g0 * p->ek[k], r = s / tau;
      p->ky[k] = r * g;
      p->kdy[k] = g * (1.0 - r) / tau;
    }
  } else {
    for (; k < p->K; k++) {
      double s = D - p->delay[k];
      if (!(s > 0)) break;
      p->ky[k] = snn__srm_eps(s, tau);
      p->kdy[k] = snn__srm_deps(s, tau);
    }
  }
  for (; k < p->K; k++) p->ky[k] = p->kdy[k] = 0.0;
}

/* du/dt at t of a neuron with presynaptic times tpre through weights wj. */
static double dudt(snn__spikeprop *p, const double *tpre, size_t n_pre, const double *sgn,
                   const double *wj, double t) {
  double d = 0;
  for (size_t i = 0; i < n_pre; i++) {
    if (!(tpre[i] >= 0)) continue;
    kern(p, t - tpre[i]);
    double acc = 0;
    for (size_t k = 0; k < p->K; k++) acc += wj[i * p->K + k] * p->kdy[k];
    d += (sgn ? sgn[i] : 1.0) * acc;
  }
  return d;
}

/* Reference time of the silent-neuron rule when the membrane never got
 * positive (all drive inhibitory or negative, so it has no maximum to raise):
 * a time at which most terminals of the latest presynaptic spike are active. */
static double fallback_time(const snn__spikeprop *p, const double *tpre, size_t n_pre) {
  double last = 0;
  for (size_t i = 0; i < n_pre; i++)
    if (tpre[i] > last) last = tpre[i];
  double t = last + p->delay[p->K / 2] + p->tau;
  return t < p->o.t_max ? t : p->o.t_max;
}

/* Error of the last forward pass against tgt and its gradient into p->grad
 * (plus weight_decay * w). */
static double backward(snn__spikeprop *p, const double *tgt) {
  const size_t K = p->K, nh = p->n_hid, ni = p->n_in;
  const double floor_ = p->o.denom_floor, kappa = p->o.silent_push;
  double E = 0;
  memset(p->dEdth, 0, nh * sizeof(double));
  double *g2 = p->grad + p->n_w1;
  const double *w2 = p->w + p->n_w1;
  for (size_t j = 0; j < p->n_out; j++) {
    double *gj = g2 + j * nh * K;
    const double *wj = w2 + j * nh * K;
    double tj = p->to[j];
    if (tj >= 0) {
      double err = tj - tgt[j];
      E += 0.5 * err * err;
      double D = dudt(p, p->th, nh, p->sign, wj, tj);
      if (D < floor_) D = floor_;
      for (size_t i = 0; i < nh; i++) {
        double ti = p->th[i];
        if (!(ti >= 0)) {
          memset(gj + i * K, 0, K * sizeof(double));
          continue;
        }
        kern(p, tj - ti);
        double sg = p->sign[i], back = 0, f = -err * sg / D;
        for (size_t k = 0; k < K; k++) {
          gj[i * K + k] = f * p->ky[k];
          back += wj[i * K + k] * p->kdy[k];
        }
        p->dEdth[i] += err * sg * back / D;
      }
    } else {
      double err = p->o.t_max - tgt[j];
      E += 0.5 * err * err;
      for (size_t i = 0; i < nh; i++) {
        double ti = p->th[i];
        if (!(ti >= 0)) {
          memset(gj + i * K, 0, K * sizeof(double));
          continue;
        }
        kern(p, (p->po[j] >= 0 ? p->po[j] : tgt[j]) - ti);
        double f = -kappa * p->sign[i];
        for (size_t k = 0; k < K; k++) gj[i * K + k] = f * p->ky[k];
      }
    }
  }
  double t_last = -1; /* latest output spike (-1: none fired), for late_push */
  for (size_t j = 0; j < p->n_out; j++)
    if (p->to[j] > t_last) t_last = p->to[j];
  for (size_t h = 0; h < nh; h++) {
    double *gh = p->grad + h * ni * K;
    const double *wh = p->w + h * ni * K;
    double th = p->th[h], f, tref;
    if (th >= 0) {
      double D = dudt(p, p->tin, ni, NULL, wh, th);
      if (D < floor_) D = floor_;
      f = -p->dEdth[h] / D;
      tref = th;
      /* late: the spike reaches no output that fired (all its terminals
       * arrive at or after the latest output spike t_L); raise u where a
       * spike would still count, t_L - d_0 */
      if (p->o.late_push > 0 && p->dEdth[h] == 0.0 && t_last >= 0 &&
          th + p->delay[0] >= t_last && t_last - p->delay[0] > 0) {
        f = -p->o.late_push;
        tref = t_last - p->delay[0];
      }
    } else {
      f = -kappa;
      tref = p->ph[h] >= 0 ? p->ph[h] : fallback_time(p, p->tin, ni);
    }
    for (size_t i = 0; i < ni; i++) {
      double ti = p->tin[i];
      if (!(ti >= 0) || f == 0.0) {
        memset(gh + i * K, 0, K * sizeof(double));
        continue;
      }
      kern(p, tref - ti);
      for (size_t k = 0; k < K; k++) gh[i * K + k] = f * p->ky[k];
    }
  }
  if (p->o.weight_decay > 0)
    for (size_t i = 0; i < p->n_w; i++) p->grad[i] += p->o.weight_decay * p->w[i];
  return E;
}

/* ---- argument checks ---------------------------------------------------- */

static int load_times(snn__spikeprop *p, const float *t_in, size_t n_in, const char *fn) {
  if (n_in != p->n_in)
    return snn__error(SNN_E_INVALID, "%s: n_in must be %zu (got %zu)", fn, p->n_in, n_in);
  for (size_t i = 0; i < n_in; i++) {
    double t = t_in[i];
    if (!isfinite(t))
      return snn__error(SNN_E_INVALID, "%s: input time %zu is not finite (%g)", fn, i, t);
    p->tin[i] = t < 0 ? -1.0 : t;
  }
  return SNN_OK;
}

static int check_targets(const snn__spikeprop *p, const float *tgt, size_t n_out, double *dst,
                         const char *fn) {
  if (n_out != p->n_out)
    return snn__error(SNN_E_INVALID, "%s: n_out must be %zu (got %zu)", fn, p->n_out, n_out);
  for (size_t j = 0; j < n_out; j++) {
    if (!isfinite(tgt[j]))
      return snn__error(SNN_E_INVALID, "%s: target %zu is not finite (%g)", fn, j, (double)tgt[j]);
    if (tgt[j] < 0 || tgt[j] > p->o.t_max)
      return snn__error(SNN_E_RANGE, "%s: target %zu = %g is outside [0, t_max = %g]", fn, j,
                        (double)tgt[j], p->o.t_max);
    dst[j] = tgt[j];
  }
  return SNN_OK;
}

/* ---- public entry points ------------------------------------------------ */

int snn_learner_spikeprop_run(float *t_out, size_t n_out, float *t_hidden, size_t n_hidden,
                              snn_learner *l, const float *t_in, size_t n_in) {
  static const char fn[] = "snn_learner_spikeprop_run";
  SNN__CHECK_NULL(t_out, fn);
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(t_in, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  if (n_out != p->n_out)
    return snn__error(SNN_E_INVALID, "%s: n_out must be %zu (got %zu)", fn, p->n_out, n_out);
  if (t_hidden && n_hidden != p->n_hid)
    return snn__error(SNN_E_INVALID, "%s: n_hidden must be %zu (got %zu)", fn, p->n_hid, n_hidden);
  rc = load_times(p, t_in, n_in, fn);
  if (rc != SNN_OK) return rc;
  forward(p);
  for (size_t j = 0; j < n_out; j++) t_out[j] = (float)p->to[j];
  if (t_hidden)
    for (size_t h = 0; h < n_hidden; h++) t_hidden[h] = (float)p->th[h];
  return SNN_OK;
}

int snn_learner_spikeprop_gradient(double *grad, size_t n_grad, double *error, snn_learner *l,
                                   const float *t_in, size_t n_in, const float *t_target,
                                   size_t n_out) {
  static const char fn[] = "snn_learner_spikeprop_gradient";
  SNN__CHECK_NULL(grad, fn);
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(t_in, fn);
  SNN__CHECK_NULL(t_target, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  if (n_grad != p->n_w)
    return snn__error(SNN_E_INVALID, "%s: n_grad must be %zu (got %zu)", fn, p->n_w, n_grad);
  rc = load_times(p, t_in, n_in, fn);
  if (rc != SNN_OK) return rc;
  double tgt[64], *tg = tgt;
  if (p->n_out > 64 && !(tg = snn__malloc(p->n_out * sizeof(double))))
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  rc = check_targets(p, t_target, n_out, tg, fn);
  if (rc == SNN_OK) {
    forward(p);
    double E = backward(p, tg);
    memcpy(grad, p->grad, p->n_w * sizeof(double));
    if (error) *error = E;
  }
  if (tg != tgt) snn__free(tg);
  return rc;
}

/* iRprop- constants (Igel & Huesken 2000; documented in snn.h) */
#define RP_GROW 1.2
#define RP_SHRINK 0.5
#define RP_MIN 1e-6 /* x lr */
#define RP_MAX 50.0 /* x lr */

/* One update of the weights from the gradient g (n_w; not modified) with the
 * learner's rule. E is the error that went with it (checked for NaN). Nothing
 * changes on an error. */
static int apply_update(snn__spikeprop *p, const double *g, double E, const char *fn) {
  if (p->o.update == SNN_SPIKEPROP_RPROP) {
    /* steps are bounded, so only a non-finite gradient can break the weights */
    int bad = !isfinite(E);
    for (size_t i = 0; i < p->n_w && !bad; i++) bad = !isfinite(g[i]);
    if (bad)
      return snn__error(SNN_E_NUMERIC, "%s: the gradient or the error became NaN/Inf; weights kept",
                        fn);
    const double lo = RP_MIN * p->lr, hi = RP_MAX * p->lr;
    for (size_t i = 0; i < p->n_w; i++) {
      double gi = g[i], d = p->rstep[i] > 0 ? p->rstep[i] : p->lr, s = gi * p->gprev[i];
      if (s > 0) {
        d *= RP_GROW;
      } else if (s < 0) {
        d *= RP_SHRINK;
        gi = 0; /* rest for one update (iRprop-) */
      }
      d = d < lo ? lo : d > hi ? hi : d;
      p->w[i] -= gi > 0 ? d : gi < 0 ? -d : 0.0;
      p->rstep[i] = d;
      p->gprev[i] = gi;
    }
    return SNN_OK;
  }
  memcpy(p->wsave, p->w, p->n_w * sizeof(double));
  const double mu = p->o.momentum;
  int bad = 0;
  if (mu > 0) {
    for (size_t i = 0; i < p->n_w; i++) {
      p->w[i] += mu * p->vel[i] - p->lr * g[i];
      bad |= !isfinite(p->w[i]);
    }
  } else {
    for (size_t i = 0; i < p->n_w; i++) {
      p->w[i] -= p->lr * g[i];
      bad |= !isfinite(p->w[i]);
    }
  }
  if (bad || !isfinite(E)) {
    memcpy(p->w, p->wsave, p->n_w * sizeof(double));
    return snn__error(SNN_E_NUMERIC, "%s: a weight or the error became NaN/Inf; weights restored",
                      fn);
  }
  if (mu > 0) /* the step just taken (velocity) */
    for (size_t i = 0; i < p->n_w; i++) p->vel[i] = p->w[i] - p->wsave[i];
  return SNN_OK;
}

/* forward + backward + update on p->tin with targets tg */
static int step_example(snn__spikeprop *p, const double *tg, double *E, const char *fn) {
  forward(p);
  *E = backward(p, tg);
  return apply_update(p, p->grad, *E, fn);
}

int snn_learner_spikeprop_train_example(double *error, snn_learner *l, const float *t_in,
                                        size_t n_in, const float *t_target, size_t n_out) {
  static const char fn[] = "snn_learner_spikeprop_train_example";
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(t_in, fn);
  SNN__CHECK_NULL(t_target, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  rc = load_times(p, t_in, n_in, fn);
  if (rc != SNN_OK) return rc;
  double tgt[64], *tg = tgt;
  if (p->n_out > 64 && !(tg = snn__malloc(p->n_out * sizeof(double))))
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  rc = check_targets(p, t_target, n_out, tg, fn);
  double E = 0;
  if (rc == SNN_OK) rc = step_example(p, tg, &E, fn);
  if (rc == SNN_OK && error) *error = E;
  if (tg != tgt) snn__free(tg);
  return rc;
}

int snn_learner_spikeprop_sizes(size_t *n_in, size_t *n_hidden, size_t *n_out,
                                const snn_learner *l) {
  static const char fn[] = "snn_learner_spikeprop_sizes";
  SNN__CHECK_NULL(l, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  const snn__spikeprop *p = as_csp(l);
  if (n_in) *n_in = p->n_in;
  if (n_hidden) *n_hidden = p->n_hid;
  if (n_out) *n_out = p->n_out;
  return SNN_OK;
}

int snn_learner_spikeprop_options_get(snn_spikeprop_options *out, const snn_learner *l) {
  static const char fn[] = "snn_learner_spikeprop_options_get";
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(l, fn);
  if (out->struct_size < offsetof(snn_spikeprop_options, learning_rate) + sizeof(double))
    return snn__error(SNN_E_VERSION, "%s: out->struct_size is %zu, too small (this library: %zu)",
                      fn, out->struct_size, sizeof *out);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  const snn__spikeprop *p = as_csp(l);
  snn_spikeprop_options o = p->o;
  o.learning_rate = p->lr; /* the current rate, as saved files hold it */
  snn__sized_out(out, &o, sizeof o);
  return SNN_OK;
}

int snn_learner_spikeprop_models(snn_neuron_model **neuron, snn_encoder **enc,
                                 const snn_learner *l) {
  static const char fn[] = "snn_learner_spikeprop_models";
  if (neuron) *neuron = NULL;
  if (enc) *enc = NULL;
  SNN__CHECK_NULL(l, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  const snn__spikeprop *p = as_csp(l);
  snn_neuron_model *m = NULL;
  snn_encoder *e = NULL;
  if (neuron) {
    rc = snn_neuron_model_create(&m, "srm");
    if (rc == SNN_OK) rc = snn_neuron_model_set(m, "tau", p->tau);
    if (rc == SNN_OK) rc = snn_neuron_model_set(m, "threshold", p->theta);
  }
  if (rc == SNN_OK && enc && p->enc) rc = snn_encoder_clone(&e, p->enc);
  if (rc != SNN_OK) {
    snn_neuron_model_free(m);
    snn_encoder_free(e);
    return rc;
  }
  if (neuron) *neuron = m;
  if (enc) *enc = e;
  return SNN_OK;
}

int snn_learner_spikeprop_n_features(size_t *n_features, const snn_learner *l) {
  static const char fn[] = "snn_learner_spikeprop_n_features";
  SNN__CHECK_NULL(n_features, fn);
  *n_features = 0;
  SNN__CHECK_NULL(l, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  const snn__spikeprop *p = as_csp(l);
  size_t nenc = p->n_in - p->o.bias, per = 1;
  if (p->enc) {
    rc = snn_encoder_output_size(&per, p->enc, 1);
    if (rc != SNN_OK) return rc;
    if (per == 0 || nenc % per != 0) /* cannot happen for the single-spike kinds */
      return snn__error(SNN_E_STATE, "%s: %zu encoded inputs are not a multiple of %zu per feature",
                        fn, nenc, per);
  }
  *n_features = nenc / per;
  return SNN_OK;
}

int snn_learner_spikeprop_set_input_ranges(snn_learner *l, const float *min, const float *max,
                                           size_t n_features) {
  static const char fn[] = "snn_learner_spikeprop_set_input_ranges";
  SNN__CHECK_NULL(l, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  if (min == NULL && max == NULL && n_features == 0) { /* remove them */
    drop_ranges(p);
    return SNN_OK;
  }
  SNN__CHECK_NULL(min, fn);
  SNN__CHECK_NULL(max, fn);
  if (!p->enc)
    return snn__error(SNN_E_INVALID,
                      "%s: the learner has no encoder, so its inputs are spike times, not features",
                      fn);
  size_t nf = 0;
  if ((rc = snn_learner_spikeprop_n_features(&nf, l)) != SNN_OK) return rc;
  if (n_features != nf)
    return snn__error(SNN_E_INVALID,
                      "%s: n_features (%zu) must equal the learner's feature count (%zu)", fn,
                      n_features, nf);
  if ((rc = snn__check_ranges(min, max, nf, fn)) != SNN_OK) return rc;
  float *a = snn__calloc(nf, sizeof *a), *b = snn__calloc(nf, sizeof *b);
  float *x = snn__calloc(nf, sizeof *x);
  if (!a || !b || !x) {
    snn__free(a);
    snn__free(b);
    snn__free(x);
    return snn__error(SNN_E_NOMEM, "%s: out of memory for %zu ranges", fn, nf);
  }
  memcpy(a, min, nf * sizeof *a);
  memcpy(b, max, nf * sizeof *b);
  drop_ranges(p);
  p->rmin = a;
  p->rmax = b;
  p->xbuf = x;
  p->n_rng = nf;
  return SNN_OK;
}

int snn_learner_spikeprop_input_ranges(size_t *n_ranges, float *min, float *max,
                                       size_t n_features, const snn_learner *l) {
  static const char fn[] = "snn_learner_spikeprop_input_ranges";
  SNN__CHECK_NULL(n_ranges, fn);
  *n_ranges = 0;
  SNN__CHECK_NULL(l, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  const snn__spikeprop *p = as_csp(l);
  if (p->n_rng && (min || max)) {
    if (n_features != p->n_rng)
      return snn__error(SNN_E_INVALID, "%s: n_features (%zu) must equal the number of ranges (%zu)",
                        fn, n_features, p->n_rng);
    if (min) memcpy(min, p->rmin, p->n_rng * sizeof *min);
    if (max) memcpy(max, p->rmax, p->n_rng * sizeof *max);
  }
  *n_ranges = p->n_rng;
  return SNN_OK;
}

int snn_learner_spikeprop_weights_get(double *dst, size_t n, const snn_learner *l) {
  static const char fn[] = "snn_learner_spikeprop_weights_get";
  SNN__CHECK_NULL(dst, fn);
  SNN__CHECK_NULL(l, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  const snn__spikeprop *p = as_csp(l);
  if (n != p->n_w) return snn__error(SNN_E_INVALID, "%s: n must be %zu (got %zu)", fn, p->n_w, n);
  memcpy(dst, p->w, n * sizeof(double));
  return SNN_OK;
}

int snn_learner_spikeprop_weights_set(snn_learner *l, const double *src, size_t n) {
  static const char fn[] = "snn_learner_spikeprop_weights_set";
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(src, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  if (n != p->n_w) return snn__error(SNN_E_INVALID, "%s: n must be %zu (got %zu)", fn, p->n_w, n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(src[i]))
      return snn__error(SNN_E_INVALID, "%s: weight %zu is not finite (%g)", fn, i, src[i]);
  memcpy(p->w, src, n * sizeof(double));
  memset(p->vel, 0, n * sizeof(double)); /* momentum restarts from the new weights */
  memset(p->rstep, 0, n * sizeof(double)); /* and RProp from steps of lr */
  memset(p->gprev, 0, n * sizeof(double));
  return SNN_OK;
}

/* ---- datasets ------------------------------------------------------------ */

/* Encoded size of n_features features (+ bias), or an error. */
static int encoded_size(size_t *out, const snn__spikeprop *p, size_t n_features, const char *fn) {
  size_t n = n_features;
  if (p->enc) {
    int rc = snn_encoder_output_size(&n, p->enc, n_features);
    if (rc != SNN_OK) return rc;
  }
  n += p->o.bias;
  if (n != p->n_in)
    return snn__error(SNN_E_INVALID,
                      "%s: %zu features encode to %zu input spikes%s, the network takes %zu", fn,
                      n_features, n, p->o.bias ? " (with the bias)" : "", p->n_in);
  *out = n;
  return SNN_OK;
}

/* encodes one sample into p->tin, scaled by the input ranges first when set
 * (every caller checked nf with encoded_size(), so nf == p->n_rng then) */
static int encode(snn__spikeprop *p, const float *x, size_t nf, const char *fn) {
  size_t nenc = p->n_in - p->o.bias;
  if (p->rmin) {
    for (size_t f = 0; f < nf; f++) p->xbuf[f] = snn__minmax_scale(x[f], p->rmin[f], p->rmax[f]);
    x = p->xbuf;
  }
  if (p->enc) {
    int rc = snn_encoder_spike_times(p->enc, p->fbuf, nenc, x, nf);
    if (rc != SNN_OK) return rc;
  } else {
    memcpy(p->fbuf, x, nf * sizeof(float));
  }
  if (p->o.bias) p->fbuf[nenc] = 0.0f;
  return load_times(p, p->fbuf, p->n_in, fn);
}

static int32_t earliest(const double *t, size_t n) {
  int32_t best = -1;
  for (size_t j = 0; j < n; j++)
    if (t[j] >= 0 && (best < 0 || t[j] < t[best])) best = (int32_t)j;
  return best;
}

int snn_learner_spikeprop_classify(int32_t *labels, float *t_out, snn_learner *l, const float *x,
                                   size_t n, size_t n_features) {
  static const char fn[] = "snn_learner_spikeprop_classify";
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(x, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  if (n == 0 || n_features == 0)
    return snn__error(SNN_E_INVALID, "%s: n and n_features must be >= 1 (got %zu, %zu)", fn, n,
                      n_features);
  size_t ne;
  rc = encoded_size(&ne, p, n_features, fn);
  if (rc != SNN_OK) return rc;
  for (size_t s = 0; s < n; s++) {
    rc = encode(p, x + s * n_features, n_features, fn);
    if (rc != SNN_OK) return rc;
    forward(p);
    if (labels) labels[s] = earliest(p->to, p->n_out);
    if (t_out)
      for (size_t j = 0; j < p->n_out; j++) t_out[s * p->n_out + j] = (float)p->to[j];
  }
  return SNN_OK;
}

static int check_data(const snn__spikeprop *p, const snn_dataset *data, const char *fn) {
  size_t n = snn_dataset_size(data), nf = snn_dataset_n_features(data), nc, ne;
  if (n == 0) return snn__error(SNN_E_INVALID, "%s: the dataset is empty", fn);
  nc = snn_dataset_n_classes(data);
  if (nc == 0) return snn__error(SNN_E_INVALID, "%s: the dataset is unlabelled", fn);
  if (nc > p->n_out)
    return snn__error(SNN_E_INVALID, "%s: the dataset has %zu classes, the network only %zu outputs",
                      fn, nc, p->n_out);
  return encoded_size(&ne, p, nf, fn);
}

int snn_learner_spikeprop_evaluate(double *accuracy, snn_learner *l, const snn_dataset *data) {
  static const char fn[] = "snn_learner_spikeprop_evaluate";
  SNN__CHECK_NULL(accuracy, fn);
  SNN__CHECK_NULL(l, fn);
  SNN__CHECK_NULL(data, fn);
  int rc = require_sp(l, fn);
  if (rc != SNN_OK) return rc;
  snn__spikeprop *p = as_sp(l);
  rc = check_data(p, data, fn);
  if (rc != SNN_OK) return rc;
  size_t n = snn_dataset_size(data), nf = snn_dataset_n_features(data), ok = 0;
  float *x = snn__malloc(nf * sizeof(float));
  if (!x) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (size_t s = 0; s < n; s++) {
    int32_t y;
    rc = snn_dataset_get(x, &y, data, s, 1);
    if (rc == SNN_OK) rc = encode(p, x, nf, fn);
    if (rc != SNN_OK) break;
    forward(p);
    ok += earliest(p->to, p->n_out) == y;
  }
  snn__free(x);
  if (rc == SNN_OK) *accuracy = (double)ok / (double)n;
  return rc;
}

int snn__spikeprop_train_epoch(snn_learner *l, double *mean_loss, const snn_dataset *data,
                               snn_progress_fn cb, void *user) {
  static const char fn[] = "snn_learner_train_epoch";
  snn__spikeprop *p = as_sp(l);
  int rc = check_data(p, data, fn);
  if (rc != SNN_OK) return rc;
  size_t n = snn_dataset_size(data), nf = snn_dataset_n_features(data);
  if (n > UINT32_MAX) return snn__error(SNN_E_RANGE, "%s: too many samples (%zu)", fn, n);
  uint32_t *perm = snn__malloc(n * sizeof(uint32_t));
  float *x = snn__malloc(nf * sizeof(float));
  double *tg = snn__malloc(p->n_out * sizeof(double));
  if (!perm || !x || !tg) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    goto done;
  }
  for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
  snn__rng base, rng;
  snn__rng_seed(&base, p->o.seed ^ 0x5350494b4550524full);
  snn__rng_fork(&rng, &base, p->epoch);
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)snn__rng_below(&rng, i);
    uint32_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
  snn_progress pr;
  memset(&pr, 0, sizeof pr);
  pr.struct_size = sizeof pr;
  pr.epoch = p->epoch;
  pr.n_batches = n;
  double t0 = snn__now(), sum = 0, bsum = 0;
  const size_t B = p->o.batch_size;
  size_t in_batch = 0;
  for (size_t s = 0; s < n; s++) {
    int32_t y;
    rc = snn_dataset_get(x, &y, data, perm[s], 1);
    if (rc == SNN_OK) rc = encode(p, x, nf, fn);
    if (rc != SNN_OK) goto done;
    for (size_t j = 0; j < p->n_out; j++) tg[j] = (int32_t)j == y ? p->o.t_early : p->o.t_late;
    double E;
    if (B <= 1) {
      rc = step_example(p, tg, &E, fn);
    } else { /* accumulate; update with the mean at the end of each batch */
      forward(p);
      E = backward(p, tg);
      if (in_batch == 0) memset(p->acc, 0, p->n_w * sizeof(double));
      for (size_t i = 0; i < p->n_w; i++) p->acc[i] += p->grad[i];
      bsum += E;
      if (++in_batch == B || s + 1 == n) {
        const double inv = 1.0 / (double)in_batch;
        for (size_t i = 0; i < p->n_w; i++) p->acc[i] *= inv;
        rc = apply_update(p, p->acc, bsum, fn);
        in_batch = 0;
        bsum = 0;
      }
    }
    if (rc != SNN_OK) goto done;
    sum += E;
    if (cb) {
      pr.batch = s;
      pr.loss = E;
      pr.accuracy = earliest(p->to, p->n_out) == y ? 1.0 : 0.0;
      pr.seconds = snn__now() - t0;
      if (cb(&pr, user) != 0) {
        rc = snn__error(SNN_E_CANCELED, "%s: canceled by the progress callback after example %zu",
                        fn, s);
        goto done;
      }
    }
  }
  p->epoch++;
  if (mean_loss) *mean_loss = sum / (double)n;
done:
  snn__free(perm);
  snn__free(x);
  snn__free(tg);
  return rc;
}

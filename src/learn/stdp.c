/* Unsupervised STDP learner: event-driven simulation of the Diehl & Cook
 * (2015) network on top of a dense first layer, pluggable local rules
 * (snn_learner_ops), labelling and classification. Equations and parameters:
 * docs/stdp.md.
 *
 * Layout: the plastic weights are the first dense layer's w, input-major
 * (w[i*N + j] from input i to excitatory neuron j), so an input spike touches
 * one contiguous row. Neuron state is structure-of-arrays; the per-step
 * updates are branch-free loops the compiler vectorises (with AVX2 clones
 * where the compiler supports target_clones). */
#include "internal.h"
#include "../net/engine.h"
#include "../net/network.h"
#include "stdp_impl.h"
#include "../net/serialize.h"

#include <float.h>
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#  include <omp.h>
#endif

/* AVX-512 (x86-64-v4) and AVX2 clones of the hot kernels, chosen at load time (no -march
 * needed); all clones give the same bits (no FMA contraction in C11 mode). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__)
#  define SNN__HOT __attribute__((target_clones("arch=x86-64-v4", "avx2,fma", "default")))
#else
#  define SNN__HOT
#endif
/* The branch-free selects in the neuron updates vectorise only without
 * trapping-math (no FP exceptions are ever enabled or inspected here). */
#if defined(__GNUC__) && !defined(__clang__)
#  define SNN__NOTRAP __attribute__((optimize("no-trapping-math")))
#else
#  define SNN__NOTRAP
#endif

/* ---- fixed neuron parameters of Diehl & Cook's released code ----------- */
#define E_V_REST (-65.0f)
#define E_V_RESET (-65.0f)
#define E_V_THRESH (-52.0f)
#define E_THETA_OFFSET 20.0f /* threshold = v_thresh + theta - offset */
#define E_THETA_INIT 20.0f
#define E_TAU 100.0f
#define E_REFRAC 5.0f  /* v clamped at reset */
#define E_LOCKOUT 50.0f /* no spike for 50 ms (Brian 2 ports' timer); SNN_STDP_NO_LOCKOUT: none */
#define E_EXC 0.0f     /* excitatory reversal potential */
#define E_INH_E (-100.0f)
#define I_V_REST (-60.0f)
#define I_V_RESET (-45.0f)
#define I_V_THRESH (-40.0f)
#define I_TAU 10.0f
#define I_REFRAC 2.0f
#define TAU_GE 1.0f
#define TAU_GI 2.0f
#define V_INIT_OFFSET (-40.0f) /* initial v = v_rest - 40 mV */

typedef struct sim {
  size_t n_in, n;
  float *v_e, *ge_e, *gi_e, *refr_e, *lock_e;
  float *v_i, *ge_i, *refr_i;
  float *spk_e, *spk_i; /* 0.0f / 1.0f */
  uint8_t *spk8;        /* n, 0/1 for on_step */
  uint32_t *list_e, *list_i, *counts;
  /* Poisson inputs as a calendar queue: input i spikes next at step s when it
   * is in the list q_head[s] (linked through q_next); gaps between spikes are
   * drawn from the geometric distribution of a Bernoulli(p) per step process,
   * so only spikes cost random numbers. */
  size_t n_steps;    /* steps per presentation */
  uint32_t *q_head;  /* n_steps + 1 list heads, UINT32_MAX = empty */
  uint32_t *q_next;  /* n_in links */
  double *q_lg;      /* n_in: 1 / log(1 - p_i), 0 when p_i >= 1 (spike every step) */
  float *xbuf;
  snn__rng rng;
  uint64_t presentations, steps, input_spikes, exc_spikes, syn_events;
} sim;

typedef struct snn__stdp {
  char *kind;   /* first member, as in every struct snn_learner (snn_learner_kind reads it) */
  uint32_t tag; /* SNN__STDP_TAG (see stdp_impl.h) */
  snn_network *net;
  size_t n_in, n;
  /* options (resolved) */
  int rule;
  double a_plus, a_minus, tau_plus, tau_minus, tau_trip, w_min, w_max, x_tar, mu;
  double norm_total;
  double theta_plus, tau_theta;
  double max_rate, rate_inc;
  uint32_t min_spikes, max_repeats;
  double t_present, t_rest, dt;
  double t_infer; /* presentation time of labelling and classification */
  int inhibition, synapse, integrator; /* integrator: SNN_STDP_EULER/_IMPLICIT/_AUTO */
  double w_ei, w_ie;
  uint32_t flags;
  uint64_t seed;
  /* rule */
  snn_learner_ops ops;
  void *user;
  int custom;
  double tau_pre, tau_post1, tau_post2;
  int trace_add;
  float *pre, *post1, *post2;
  float *colsum; /* n, normalisation scratch */
  /* learned state */
  float *theta;
  int32_t *assign; /* n, -1 = unassigned */
  int have_assign;
  size_t n_classes; /* 1 + largest assigned class */
  sim tr; /* training simulation (state carried across examples) */
  uint64_t n_train;
  double seconds;
  /* inference stats merged from worker sims */
  uint64_t i_pres, i_steps, i_in, i_exc, i_syn, i_examples;
} snn__stdp;

static snn__stdp *as_stdp(snn_learner *l) { return (snn__stdp *)(void *)l; }
static const snn__stdp *as_cstdp(const snn_learner *l) {
  return (const snn__stdp *)(const void *)l;
}

static size_t steps_of(const snn__stdp *s) { return (size_t)llround(s->t_present / s->dt); }
static size_t infer_steps_of(const snn__stdp *s) { return (size_t)llround(s->t_infer / s->dt); }

_Static_assert(offsetof(snn__stdp, tag) == sizeof(char *),
               "the learner tag must sit where stdp_impl.h expects it");

int snn__learner_is_stdp(const snn_learner *l) {
  if (!l) return 0;
  uint32_t tag;
  memcpy(&tag, (const char *)l + offsetof(snn__stdp, tag), sizeof tag);
  return tag == SNN__STDP_TAG;
}

/* ======================================================================== */
/* Built-in rules (through the same ops mechanism as custom rules)          */
/* ======================================================================== */

static float clampf(float w, float lo, float hi) { return w < lo ? lo : (w > hi ? hi : w); }

SNN__HOT static int rule_sub_trace(void *user, size_t i, float *w, size_t n, const float *post1,
                                   const float *post2, double t) {
  /* triplet (nu_pre) and pair additive: w -= a_minus * post1 */
  const snn__stdp *s = user;
  (void)i, (void)post2, (void)t;
  const float a = (float)s->a_minus, lo = (float)s->w_min, hi = (float)s->w_max;
  for (size_t j = 0; j < n; j++) {
    float v = w[j] - a * post1[j];
    v = v < lo ? lo : v;
    w[j] = v > hi ? hi : v;
  }
  return SNN_OK;
}

SNN__HOT static int rule_mult_pre(void *user, size_t i, float *w, size_t n, const float *post1,
                                  const float *post2, double t) {
  const snn__stdp *s = user;
  (void)i, (void)post2, (void)t;
  const float a = (float)s->a_minus, lo = (float)s->w_min, hi = (float)s->w_max;
  for (size_t j = 0; j < n; j++) {
    float v = w[j] - a * post1[j] * (w[j] - lo);
    v = v < lo ? lo : v;
    w[j] = v > hi ? hi : v;
  }
  return SNN_OK;
}

static int rule_triplet_post(void *user, size_t j, float *w, size_t n_in, size_t n,
                             const float *pre, float post1_j, float post2_j, double t) {
  const snn__stdp *s = user;
  (void)post1_j, (void)t;
  const float a = (float)s->a_plus * post2_j, lo = (float)s->w_min, hi = (float)s->w_max;
  if (a == 0.0f) return SNN_OK;
  for (size_t i = 0; i < n_in; i++) {
    if (pre[i] == 0.0f) continue;
    float *p = &w[i * n + j];
    *p = clampf(*p + a * pre[i], lo, hi);
  }
  return SNN_OK;
}

static int rule_add_post(void *user, size_t j, float *w, size_t n_in, size_t n, const float *pre,
                         float post1_j, float post2_j, double t) {
  const snn__stdp *s = user;
  (void)post1_j, (void)post2_j, (void)t;
  const float a = (float)s->a_plus, lo = (float)s->w_min, hi = (float)s->w_max;
  for (size_t i = 0; i < n_in; i++) {
    if (pre[i] == 0.0f) continue;
    float *p = &w[i * n + j];
    *p = clampf(*p + a * pre[i], lo, hi);
  }
  return SNN_OK;
}

static int rule_mult_post(void *user, size_t j, float *w, size_t n_in, size_t n, const float *pre,
                          float post1_j, float post2_j, double t) {
  const snn__stdp *s = user;
  (void)post1_j, (void)post2_j, (void)t;
  const float a = (float)s->a_plus, lo = (float)s->w_min, hi = (float)s->w_max;
  for (size_t i = 0; i < n_in; i++) {
    if (pre[i] == 0.0f) continue;
    float *p = &w[i * n + j];
    *p = clampf(*p + a * pre[i] * (hi - *p), lo, hi);
  }
  return SNN_OK;
}

static int rule_pretrace_post(void *user, size_t j, float *w, size_t n_in, size_t n,
                              const float *pre, float post1_j, float post2_j, double t) {
  const snn__stdp *s = user;
  (void)post1_j, (void)post2_j, (void)t;
  const float a = (float)s->a_plus, lo = (float)s->w_min, hi = (float)s->w_max;
  const float xt = (float)s->x_tar, mu = (float)s->mu;
  for (size_t i = 0; i < n_in; i++) {
    float *p = &w[i * n + j];
    float dep = mu == 0.0f ? 1.0f : powf(fmaxf(hi - *p, 0.0f), mu);
    *p = clampf(*p + a * (pre[i] - xt) * dep, lo, hi);
  }
  return SNN_OK;
}

/* ======================================================================== */
/* Simulation                                                               */
/* ======================================================================== */

static void sim_free(sim *m) {
  snn__aligned_free(m->v_e);
  snn__aligned_free(m->ge_e);
  snn__aligned_free(m->gi_e);
  snn__aligned_free(m->refr_e);
  snn__aligned_free(m->lock_e);
  snn__aligned_free(m->v_i);
  snn__aligned_free(m->ge_i);
  snn__aligned_free(m->refr_i);
  snn__aligned_free(m->spk_e);
  snn__aligned_free(m->spk_i);
  snn__aligned_free(m->spk8);
  snn__aligned_free(m->list_e);
  snn__aligned_free(m->list_i);
  snn__aligned_free(m->counts);
  snn__aligned_free(m->q_head);
  snn__aligned_free(m->q_next);
  snn__aligned_free(m->q_lg);
  snn__aligned_free(m->xbuf);
  memset(m, 0, sizeof *m);
}

static void sim_reset(sim *m, float v_off) {
  for (size_t j = 0; j < m->n; j++) {
    m->v_e[j] = E_V_REST + v_off;
    m->v_i[j] = I_V_REST + v_off;
    m->ge_e[j] = m->gi_e[j] = m->ge_i[j] = 0.0f;
    m->refr_e[j] = m->refr_i[j] = 0.0f;
    m->lock_e[j] = -1.0f;
  }
}

static int sim_init(sim *m, size_t n_in, size_t n, size_t n_steps) {
  memset(m, 0, sizeof *m);
  m->n_in = n_in;
  m->n = n;
  m->n_steps = n_steps;
  float **f[] = {&m->v_e, &m->ge_e, &m->gi_e, &m->refr_e, &m->lock_e, &m->v_i, &m->ge_i, &m->refr_i};
  for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
    if (!(*f[k] = snn__aligned_alloc(n, sizeof(float)))) goto oom;
  if (!(m->spk_e = snn__aligned_alloc(n, sizeof(float))) ||
      !(m->spk_i = snn__aligned_alloc(n, sizeof(float))) || !(m->spk8 = snn__aligned_alloc(n, 1)) ||
      !(m->list_e = snn__aligned_alloc(n, sizeof(uint32_t))) ||
      !(m->list_i = snn__aligned_alloc(n, sizeof(uint32_t))) ||
      !(m->counts = snn__aligned_alloc(n, sizeof(uint32_t))) ||
      !(m->q_head = snn__aligned_alloc(n_steps + 1, sizeof(uint32_t))) ||
      !(m->q_next = snn__aligned_alloc(n_in, sizeof(uint32_t))) ||
      !(m->q_lg = snn__aligned_alloc(n_in, sizeof(double))) ||
      !(m->xbuf = snn__aligned_alloc(n_in, sizeof(float))))
    goto oom;
  sim_reset(m, V_INIT_OFFSET);
  return SNN_OK;
oom:
  sim_free(m);
  return SNN_E_NOMEM;
}

/* Excitatory update of one step; writes spk[j] = 1.0f where neuron j fired.
 * Branch-free so that it vectorises; cond selects conductance-based drive
 * (driving force E - v) or current-based (driving force frozen at E - v_rest).
 * integ: SNN_STDP_EULER (forward Euler), SNN_STDP_IMPLICIT (backward Euler) or
 * SNN_STDP_AUTO: forward Euler where its step does not overshoot, i.e. where
 * k (1 + ge + gi) <= 1 (the step moves v towards its moving equilibrium by
 * that fraction of the distance; above 1 it passes it, above 2 it diverges),
 * backward Euler for the neurons and steps above. Current-based drive has
 * rate constant k alone, so it always takes the forward step. */
SNN__HOT SNN__NOTRAP static float exc_step(float *restrict v_e, float *restrict ge_e, float *restrict gi_e,
                              float *restrict refr, float *restrict lock,
                              const float *restrict theta, float *restrict spk, size_t n,
                              float k, float dge, float dgi, float dt, float thr, int cond,
                              int integ, float lockout) {
  /* drive = ge * (ee - c*v) + gi * (ei - c*v) with c = 1 (conductance) or 0 */
  const float c = cond ? 1.0f : 0.0f;
  const float ee = cond ? E_EXC : E_EXC - E_V_REST, ei = cond ? E_INH_E : E_INH_E - E_V_REST;
  const int imp = integ == SNN_STDP_IMPLICIT && cond, aut = integ == SNN_STDP_AUTO && cond;
  float nsp = 0.0f;
#pragma omp simd reduction(+ : nsp)
  for (size_t j = 0; j < n; j++) {
    float v = v_e[j], ge = ge_e[j], gi = gi_e[j];
    float cv = c * v;
    float vx = v + k * ((E_V_REST - v) + ge * (ee - cv) + gi * (ei - cv));
    /* backward Euler of the same equation (conductance-based only) */
    float kl = k * (1.0f + ge + gi);
    float vi = (v + k * (E_V_REST + ge * ee + gi * ei)) / (1.0f + kl);
    float vn = (imp || (aut && kl > 1.0f)) ? vi : vx;
    float r = refr[j];
    vn = r > 0.0f ? v : vn;
    r = r - dt;
    r = r > 0.0f ? r : 0.0f;
    float lk = lock[j] - dt;
    lk = lk < -1.0f ? -1.0f : lk;
    ge_e[j] = ge * dge;
    gi_e[j] = gi * dgi;
    float f = (vn > thr + theta[j]) ? 1.0f : 0.0f;
    f = (lk < 0.0f) ? f : 0.0f;
    spk[j] = f;
    v_e[j] = f > 0.0f ? E_V_RESET : vn;
    refr[j] = f > 0.0f ? E_REFRAC : r;
    lock[j] = f > 0.0f ? lockout : lk;
    nsp += f;
  }
  return nsp;
}

SNN__HOT SNN__NOTRAP static float inh_step(float *restrict v_i, float *restrict ge_i, float *restrict refr,
                              float *restrict spk, size_t n, float k, float dge, float dt,
                              int cond, int integ) {
  const float c = cond ? 1.0f : 0.0f;
  const float ee = cond ? E_EXC : E_EXC - I_V_REST;
  const int imp = integ == SNN_STDP_IMPLICIT && cond, aut = integ == SNN_STDP_AUTO && cond;
  float nsp = 0.0f;
#pragma omp simd reduction(+ : nsp)
  for (size_t j = 0; j < n; j++) {
    float v = v_i[j], ge = ge_i[j];
    float vx = v + k * ((I_V_REST - v) + ge * (ee - c * v));
    float kl = k * (1.0f + ge);
    float vi = (v + k * (I_V_REST + ge * ee)) / (1.0f + kl);
    float vn = (imp || (aut && kl > 1.0f)) ? vi : vx;
    float r = refr[j];
    vn = r > 0.0f ? v : vn;
    r = r - dt;
    r = r > 0.0f ? r : 0.0f;
    ge_i[j] = ge * dge;
    float f = vn > I_V_THRESH ? 1.0f : 0.0f;
    spk[j] = f;
    v_i[j] = f > 0.0f ? I_V_RESET : vn;
    refr[j] = f > 0.0f ? I_REFRAC : r;
    nsp += f;
  }
  return nsp;
}

SNN__HOT static void row_add(float *restrict g, const float *restrict w, size_t n) {
  for (size_t j = 0; j < n; j++) g[j] += w[j];
}

SNN__HOT static void vec_scale(float *restrict x, float a, size_t n) {
  for (size_t j = 0; j < n; j++) x[j] *= a;
}

SNN__HOT static void vec_add_scalar(float *restrict x, float a, size_t n) {
  for (size_t j = 0; j < n; j++) x[j] += a;
}

/* Collects the indices where spk[j] != 0 (spk holds 0.0f / 1.0f). */
static size_t collect(uint32_t *list, const float *spk, size_t n) {
  size_t c = 0, j = 0;
  for (; j + 8 <= n; j += 8) {
    float any = spk[j] + spk[j + 1] + spk[j + 2] + spk[j + 3] + spk[j + 4] + spk[j + 5] +
                spk[j + 6] + spk[j + 7];
    if (any == 0.0f) continue;
    for (size_t q = 0; q < 8; q++)
      if (spk[j + q] != 0.0f) list[c++] = (uint32_t)(j + q);
  }
  for (; j < n; j++)
    if (spk[j] != 0.0f) list[c++] = (uint32_t)j;
  return c;
}

/* Per-neuron normalisation of incoming weights to norm_total. */
SNN__HOT static void normalize_cols(float *restrict w, float *restrict colsum, size_t n_in,
                                    size_t n, float total) {
  for (size_t j = 0; j < n; j++) colsum[j] = 0.0f;
  for (size_t i = 0; i < n_in; i++) {
    const float *row = w + i * n;
    for (size_t j = 0; j < n; j++) colsum[j] += row[j];
  }
  for (size_t j = 0; j < n; j++) colsum[j] = colsum[j] > 0.0f ? total / colsum[j] : 1.0f;
  for (size_t i = 0; i < n_in; i++) {
    float *row = w + i * n;
    for (size_t j = 0; j < n; j++) row[j] *= colsum[j];
  }
}

static void decay_traces(snn__stdp *s, float dpre, float dp1, float dp2) {
  vec_scale(s->pre, dpre, s->n_in);
  vec_scale(s->post1, dp1, s->n);
  vec_scale(s->post2, dp2, s->n);
}

static void bump(float *x, int add) { *x = add ? *x + 1.0f : 1.0f; }

/* Pre event of input i (plasticity part; conductances are added by the caller). */
static int pre_event(snn__stdp *s, size_t i, float *w, double t) {
  int rc = SNN_OK;
  if (s->ops.on_pre) rc = s->ops.on_pre(s->user, i, w + i * s->n, s->n, s->post1, s->post2, t);
  bump(&s->pre[i], s->trace_add);
  return rc;
}

static int post_event(snn__stdp *s, size_t j, float *w, double t) {
  int rc = SNN_OK;
  if (s->ops.on_post)
    rc = s->ops.on_post(s->user, j, w, s->n_in, s->n, s->pre, s->post1[j], s->post2[j], t);
  bump(&s->post1[j], s->trace_add);
  bump(&s->post2[j], s->trace_add);
  return rc;
}

static int cb_status(int rc) {
  if (rc == SNN_OK) return rc;
  if (snn_last_error()[0] == '\0')
    snn__error(rc, "stdp: learning-rule callback returned %d (%s)", rc, snn_strerror(rc));
  return rc;
}

/* Around code that runs a custom rule's callbacks: an error guard
 * (internal.h), so that cb_status() sees only messages the callbacks set.
 * Built-in rules cannot fail: no guard for them. */
static void cb_enter(snn__err_guard *g, const snn__stdp *s) {
  if (s->custom) snn__err_guard_enter(g);
}

static int cb_leave(const snn__err_guard *g, const snn__stdp *s, int rc) {
  return s->custom ? snn__err_guard_leave(g, rc) : rc;
}

/* Steps after `step` until input with 1/log(1-p) = lg spikes again (>= 1). */
static size_t next_gap(snn__rng *r, double lg) {
  if (lg == 0.0) return 1;
  double u = 1.0 - snn__rng_uniform(r); /* (0, 1] */
  double g = floor(log(u) * lg);        /* failures before the next success */
  return g >= 1e9 ? (size_t)1e9 : (size_t)g + 1;
}

static void q_push(sim *m, size_t step, uint32_t i) {
  m->q_next[i] = m->q_head[step];
  m->q_head[step] = i;
}

/* Schedules the first spike of every active input for rate `rate` (Hz at x = 1). */
static void set_rates(sim *m, const float *x, double rate, double dt) {
  for (size_t t = 0; t <= m->n_steps; t++) m->q_head[t] = UINT32_MAX;
  for (size_t i = 0; i < m->n_in; i++) {
    float xi = x[i];
    if (!(xi > 0.0f)) continue;
    double p = (double)xi * rate * dt * 1e-3;
    m->q_lg[i] = p >= 1.0 ? 0.0 : 1.0 / log1p(-p);
    size_t t0 = next_gap(&m->rng, m->q_lg[i]) - 1; /* first step: 0-based */
    if (t0 < m->n_steps) q_push(m, t0, (uint32_t)i);
  }
}

/* Analytic rest: conductances vanish (tau 1-2 ms << t_rest), the membrane
 * relaxes exponentially to rest, refractory and lock-out timers expire. */
static void sim_rest(sim *m, double t_rest) {
  const float fe = (float)exp(-t_rest / E_TAU), fi = (float)exp(-t_rest / I_TAU);
  const float tr = (float)t_rest;
  for (size_t j = 0; j < m->n; j++) {
    m->v_e[j] = E_V_REST + (m->v_e[j] - E_V_REST) * fe;
    m->v_i[j] = I_V_REST + (m->v_i[j] - I_V_REST) * fi;
    m->ge_e[j] = m->gi_e[j] = m->ge_i[j] = 0.0f;
    m->refr_e[j] = m->refr_e[j] > tr ? m->refr_e[j] - tr : 0.0f;
    m->refr_i[j] = m->refr_i[j] > tr ? m->refr_i[j] - tr : 0.0f;
    m->lock_e[j] = m->lock_e[j] - tr < -1.0f ? -1.0f : m->lock_e[j] - tr;
  }
}

/* One presentation of t_present ms. learn: plasticity + theta. */
static int run_presentation(snn__stdp *s, sim *m, float *w, float *theta, int learn) {
  const size_t n = s->n;
  const float dt = (float)s->dt;
  const size_t n_steps = m->n_steps;
  const float ke = dt / E_TAU, ki = dt / I_TAU;
  const float dge = expf(-dt / TAU_GE), dgi = expf(-dt / TAU_GI);
  const float thr = E_V_THRESH - E_THETA_OFFSET;
  const int cond = s->synapse == SNN_STDP_CONDUCTANCE;
  const int pop = s->inhibition == SNN_STDP_INHIB_POPULATION;
  const float wei = (float)s->w_ei, wie = (float)s->w_ie;
  const float tp = (float)s->theta_plus;
  const int adapt = learn && !(s->flags & SNN_STDP_NO_THETA);
  const float lockout = (s->flags & SNN_STDP_NO_LOCKOUT) ? 0.0f : E_LOCKOUT;
  float dpre = 1.0f, dp1 = 1.0f, dp2 = 1.0f;
  if (learn) {
    dpre = (float)exp(-s->dt / s->tau_pre);
    dp1 = (float)exp(-s->dt / s->tau_post1);
    dp2 = (float)exp(-s->dt / s->tau_post2);
  }
  memset(m->counts, 0, n * sizeof(uint32_t));
  uint64_t in_sp = 0, ex_sp = 0, lat = 0;
  int rc = SNN_OK;
  for (size_t step = 0; step < n_steps; step++) {
    const double t = (double)(step + 1) * s->dt;
    /* 1. neurons */
    float fe = exc_step(m->v_e, m->ge_e, m->gi_e, m->refr_e, m->lock_e, theta, m->spk_e, n, ke,
                        dge, dgi, dt, thr, cond, s->integrator, lockout);
    size_t ne = fe > 0.0f ? collect(m->list_e, m->spk_e, n) : 0;
    size_t ni = 0;
    if (pop) {
      float fi = inh_step(m->v_i, m->ge_i, m->refr_i, m->spk_i, n, ki, dge, dt, cond, s->integrator);
      ni = fi > 0.0f ? collect(m->list_i, m->spk_i, n) : 0;
    }
    if (learn) decay_traces(s, dpre, dp1, dp2);
    /* 2. input spikes: add the weight row, then plasticity */
    for (uint32_t i = m->q_head[step]; i != UINT32_MAX;) {
      uint32_t nx = m->q_next[i];
      size_t when = step + next_gap(&m->rng, m->q_lg[i]);
      if (when < n_steps) q_push(m, when, i);
      row_add(m->ge_e, w + (size_t)i * n, n);
      in_sp++;
      if (learn && (rc = pre_event(s, i, w, t)) != SNN_OK) goto out;
      i = nx;
    }
    /* 3. excitatory spikes: plasticity, theta, inhibition */
    for (size_t q = 0; q < ne; q++) {
      size_t j = m->list_e[q];
      m->counts[j]++;
      if (adapt) theta[j] += tp;
      if (learn && (rc = post_event(s, j, w, t)) != SNN_OK) goto out;
      if (pop) {
        m->ge_i[j] += wei;
        lat++;
      } else {
        vec_add_scalar(m->gi_e, wie, n);
        m->gi_e[j] -= wie;
        lat += n - 1;
      }
    }
    ex_sp += ne;
    /* 4. inhibitory spikes: all other excitatory neurons */
    if (ni) {
      vec_add_scalar(m->gi_e, wie * (float)ni, n);
      for (size_t q = 0; q < ni; q++) m->gi_e[m->list_i[q]] -= wie;
      lat += ni * (n - 1);
    }
    if (learn && s->ops.on_step) {
      for (size_t j = 0; j < n; j++) m->spk8[j] = m->spk_e[j] != 0.0f;
      rc = s->ops.on_step(s->user, w, s->n_in, n, m->spk8, s->pre, s->post1, s->post2, t, dt);
      if (rc != SNN_OK) goto out;
    }
  }
out:
  m->presentations++;
  m->steps += n_steps;
  m->input_spikes += in_sp;
  m->exc_spikes += ex_sp;
  m->syn_events += in_sp * n + lat;
  return rc == SNN_OK ? rc : cb_status(rc);
}

/* Presents one example: repeats with higher rates below min_spikes; rests
 * after each presentation. The counts of the final presentation end in
 * m->counts. theta: thresholds to use (s->theta when learning). */
static int present_body(snn__stdp *s, sim *m, const float *x, int32_t label, int learn,
                        float *theta);

static int present(snn__stdp *s, sim *m, const float *x, int32_t label, int learn,
                   float *theta) {
  snn__err_guard g;
  cb_enter(&g, s);
  return cb_leave(&g, s, present_body(s, m, x, label, learn, theta));
}

static int present_body(snn__stdp *s, sim *m, const float *x, int32_t label, int learn,
                        float *theta) {
  float *w = s->net->layers[0]->w;
  int rc;
  const int norm = learn && !(s->flags & SNN_STDP_NO_NORMALIZE);
  uint32_t rep = 0;
  for (;;) {
    if (norm) normalize_cols(w, s->colsum, s->n_in, s->n, (float)s->norm_total);
    if (rep == 0 && learn && s->ops.begin_example) {
      rc = s->ops.begin_example(s->user, w, s->n_in, s->n, label);
      if (rc != SNN_OK) return cb_status(rc);
    }
    set_rates(m, x, s->max_rate + rep * s->rate_inc, s->dt);
    rc = run_presentation(s, m, w, theta, learn);
    if (rc != SNN_OK) return rc;
    uint64_t total = 0;
    for (size_t j = 0; j < s->n; j++) total += m->counts[j];
    sim_rest(m, s->t_rest);
    if (learn) {
      vec_scale(s->pre, (float)exp(-s->t_rest / s->tau_pre), s->n_in);
      vec_scale(s->post1, (float)exp(-s->t_rest / s->tau_post1), s->n);
      vec_scale(s->post2, (float)exp(-s->t_rest / s->tau_post2), s->n);
      if (!(s->flags & SNN_STDP_NO_THETA))
        vec_scale(s->theta, (float)exp(-(s->t_present + s->t_rest) / s->tau_theta), s->n);
    }
    rep++;
    if (total >= s->min_spikes || rep >= s->max_repeats) break;
  }
  if (learn) {
    for (size_t j = 0; j < s->n; j++)
      if (!isfinite(m->v_e[j]) || !isfinite(s->theta[j]))
        return snn__error(SNN_E_NUMERIC, "stdp: state of neuron %zu became %g", j,
                          (double)m->v_e[j]);
    if (s->ops.end_example) {
      rc = s->ops.end_example(s->user, w, s->n_in, s->n, m->counts, label);
      if (rc != SNN_OK) return cb_status(rc);
    }
  }
  return SNN_OK;
}

/* ======================================================================== */
/* Creation                                                                 */
/* ======================================================================== */

#define OPT_MIN_SIZE (offsetof(snn_stdp_options, rule))

static double dflt(double v, double d) { return v == 0.0 ? d : v; }

/* Default adaptive-threshold step for a layer of n excitatory neurons:
 * 0.05 mV (Diehl & Cook) at n >= 400, 0.05 * sqrt(n / 400) below. */
static double default_theta_plus(size_t n) {
  return n >= 400 ? 0.05 : 0.05 * sqrt((double)n / 400.0);
}

/* Default presentation time of labelling and classification: t_present, the
 * published protocol (Diehl & Cook present test examples as training ones).
 * Longer presentations make small layers' class votes less noisy
 * (docs/stdp.md), but they change the protocol, so they are opt-in. */
static double default_t_infer(double t_present) { return t_present; }

static int check_nonneg(const char *fn, const char *name, double v) {
  if (!snn__isfinite(v)) return snn__error(SNN_E_INVALID, "%s: %s must be finite (got %g)", fn, name, v);
  if (v < 0.0) return snn__error(SNN_E_RANGE, "%s: %s must be >= 0 (got %g)", fn, name, v);
  return SNN_OK;
}

int snn_stdp_options_init(snn_stdp_options *o, size_t struct_size) {
  static const char fn[] = "snn_stdp_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < OPT_MIN_SIZE)
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is smaller than the smallest supported (%zu)",
                      fn, struct_size, (size_t)OPT_MIN_SIZE);
  size_t k = struct_size < sizeof *o ? struct_size : sizeof *o;
  memset(o, 0, k);
  o->struct_size = struct_size;
  return SNN_OK;
}

/* Resolves and validates options into s. */
static int resolve_options(snn__stdp *s, const snn_stdp_options *in, const char *fn) {
  snn_stdp_options o;
  memset(&o, 0, sizeof o);
  if (in) {
    int rc = snn__check_struct_size(in, in->struct_size, OPT_MIN_SIZE, sizeof o, fn,
                                    "snn_stdp_options");
    if (rc) return rc;
    memcpy(&o, in, in->struct_size < sizeof o ? in->struct_size : sizeof o);
  }
  s->rule = o.rule ? o.rule : SNN_STDP_TRIPLET;
  if (s->rule < SNN_STDP_TRIPLET || s->rule > SNN_STDP_PRE_TRACE)
    return snn__error(SNN_E_RANGE, "%s: rule must be 1..4 (SNN_STDP_*) (got %d)", fn, (int)o.rule);
  struct {
    const char *name;
    double v;
    int pos; /* 1: > 0 ; 0: >= 0 ; 2: any finite */
  } chk[] = {{"a_plus", o.a_plus, 0},         {"a_minus", o.a_minus, 0},
             {"tau_plus", o.tau_plus, 0},     {"tau_minus", o.tau_minus, 0},
             {"tau_triplet", o.tau_triplet, 0}, {"w_min", o.w_min, 2},
             {"w_max", o.w_max, 0},           {"x_tar", o.x_tar, 0},
             {"mu", o.mu, 0},                 {"norm_total", o.norm_total, 0},
             {"theta_plus", o.theta_plus, 0}, {"tau_theta", o.tau_theta, 0},
             {"max_rate", o.max_rate, 0},     {"rate_increment", o.rate_increment, 0},
             {"t_present", o.t_present, 0},   {"t_rest", o.t_rest, 0},
             {"dt", o.dt, 0},                 {"w_exc_inh", o.w_exc_inh, 0},
             {"w_inh_exc", o.w_inh_exc, 0}};
  for (size_t k = 0; k < sizeof chk / sizeof chk[0]; k++) {
    int rc = chk[k].pos == 2 ? (snn__isfinite(chk[k].v)
                                    ? SNN_OK
                                    : snn__error(SNN_E_INVALID, "%s: %s must be finite (got %g)",
                                                 fn, chk[k].name, chk[k].v))
                             : check_nonneg(fn, chk[k].name, chk[k].v);
    /* the simulation holds them as float: 1e39 would become inf */
    if (rc == SNN_OK && fabs(chk[k].v) > FLT_MAX)
      rc = snn__error(SNN_E_RANGE, "%s: %s must fit a float (|x| <= %g; got %g)", fn,
                      chk[k].name, (double)FLT_MAX, chk[k].v);
    if (rc) return rc;
  }
  s->a_plus = dflt(o.a_plus, 1e-2);
  s->a_minus = dflt(o.a_minus, 1e-4);
  s->tau_plus = dflt(o.tau_plus, 20.0);
  s->tau_minus = dflt(o.tau_minus, 20.0);
  s->tau_trip = dflt(o.tau_triplet, 40.0);
  s->w_min = o.w_min;
  s->w_max = dflt(o.w_max, 1.0);
  if (s->w_max <= s->w_min)
    return snn__error(SNN_E_RANGE, "%s: w_max (%g) must be > w_min (%g)", fn, s->w_max, s->w_min);
  s->x_tar = dflt(o.x_tar, 0.4);
  s->mu = o.mu;
  s->norm_total = dflt(o.norm_total, 78.0 * (double)s->n_in / 784.0);
  /* The paper's 0.05 mV per spike was used for 400+ neurons. In a smaller
   * winner-take-all layer each neuron wins a larger share of the spikes, so
   * its threshold climbs faster per example and homeostasis overrides the
   * learned selectivity; below 400 neurons the default shrinks as
   * sqrt(n / 400) (0.025 at 100 neurons; measured in docs/stdp.md). */
  s->theta_plus = dflt(o.theta_plus, default_theta_plus(s->n));
  s->tau_theta = dflt(o.tau_theta, 1e7);
  s->max_rate = dflt(o.max_rate, 63.75);
  s->rate_inc = dflt(o.rate_increment, 31.875);
  s->min_spikes = o.min_spikes ? o.min_spikes : 5;
  s->max_repeats = o.max_repeats ? o.max_repeats : 20;
  s->t_present = dflt(o.t_present, 350.0);
  s->t_rest = dflt(o.t_rest, 150.0);
  s->dt = dflt(o.dt, 0.5);
  if (s->dt > 10.0 || s->dt > s->t_present)
    return snn__error(SNN_E_RANGE, "%s: dt must be <= 10 ms and <= t_present (got %g)", fn, s->dt);
  if (s->t_present / s->dt > 1e7)
    return snn__error(SNN_E_RANGE, "%s: t_present / dt must be <= 1e7 steps (got %g)", fn,
                      s->t_present / s->dt);
  s->t_infer = default_t_infer(s->t_present);
  s->inhibition = o.inhibition ? o.inhibition : SNN_STDP_INHIB_POPULATION;
  if (s->inhibition != SNN_STDP_INHIB_POPULATION && s->inhibition != SNN_STDP_INHIB_DIRECT)
    return snn__error(SNN_E_RANGE, "%s: inhibition must be SNN_STDP_INHIB_POPULATION or _DIRECT (got %d)",
                      fn, (int)o.inhibition);
  s->synapse = o.synapse ? o.synapse : SNN_STDP_CONDUCTANCE;
  if (s->synapse != SNN_STDP_CONDUCTANCE && s->synapse != SNN_STDP_CURRENT)
    return snn__error(SNN_E_RANGE, "%s: synapse must be SNN_STDP_CONDUCTANCE or _CURRENT (got %d)",
                      fn, (int)o.synapse);
  /* default: forward Euler (as Brian ran the paper's model) wherever it does
   * not overshoot, backward Euler where strong conductances would make it
   * oscillate or diverge (large layers: many coincident inhibitory spikes) */
  int integ = o.integrator ? o.integrator : SNN_STDP_AUTO;
  if (integ != SNN_STDP_EULER && integ != SNN_STDP_IMPLICIT && integ != SNN_STDP_AUTO)
    return snn__error(SNN_E_RANGE,
                      "%s: integrator must be SNN_STDP_EULER, _IMPLICIT or _AUTO (got %d)", fn,
                      (int)o.integrator);
  s->integrator = integ;
  s->w_ei = dflt(o.w_exc_inh, 10.4);
  s->w_ie = dflt(o.w_inh_exc, 17.0);
  if (o.flags &
      ~(SNN_STDP_NO_NORMALIZE | SNN_STDP_NO_THETA | SNN_STDP_KEEP_WEIGHTS | SNN_STDP_NO_LOCKOUT))
    return snn__error(SNN_E_RANGE, "%s: unknown bits in flags (got 0x%x)", fn, (unsigned)o.flags);
  s->flags = o.flags;
  s->seed = o.seed;
  return SNN_OK;
}

static void stdp_free(snn__stdp *s) {
  if (!s) return;
  if (s->ops.destroy) s->ops.destroy(s->user);
  snn__free(s->kind);
  snn__aligned_free(s->pre);
  snn__aligned_free(s->post1);
  snn__aligned_free(s->post2);
  snn__aligned_free(s->colsum);
  snn__aligned_free(s->theta);
  snn__aligned_free(s->assign);
  sim_free(&s->tr);
  s->tag = 0;
  snn__free(s);
}

void snn__stdp_destroy(snn_learner *l) {
  if (snn__learner_is_stdp(l)) stdp_free(as_stdp(l));
}

const char *snn__stdp_kind(const snn_learner *l) {
  return snn__learner_is_stdp(l) ? as_cstdp(l)->kind : NULL;
}

static int create_common(snn_learner **out, snn_network *net, const snn_stdp_options *opts,
                         const snn_learner_ops *ops, void *user, const char *fn) {
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(net, fn);
  snn_learner_ops cops;
  memset(&cops, 0, sizeof cops);
  if (ops) {
    int rc = snn__check_struct_size(ops, ops->struct_size, offsetof(snn_learner_ops, tau_pre),
                                    sizeof cops, fn, "snn_learner_ops");
    if (rc) return rc;
    memcpy(&cops, ops, ops->struct_size < sizeof cops ? ops->struct_size : sizeof cops);
    const char *tn[] = {"tau_pre", "tau_post1", "tau_post2"};
    double tv[] = {cops.tau_pre, cops.tau_post1, cops.tau_post2};
    for (int k = 0; k < 3; k++)
      if ((rc = check_nonneg(fn, tn[k], tv[k])) != SNN_OK) return rc;
    if (cops.trace_add != 0 && cops.trace_add != 1)
      return snn__error(SNN_E_RANGE, "%s: ops->trace_add must be 0 or 1 (got %d)", fn,
                        (int)cops.trace_add);
    /* saved in the learner's file, which stores names as printable ASCII */
    if (cops.name != NULL && (cops.name[0] == '\0' || strlen(cops.name) > SNN__MODEL_MAX_NAME ||
                              !snn__name_printable(cops.name)))
      return snn__error(SNN_E_INVALID,
                        "%s: ops->name must be NULL or a non-empty printable ASCII string of at "
                        "most %u bytes",
                        fn, SNN__MODEL_MAX_NAME);
  }
  if (net->n_layers == 0 || !net->layers)
    return snn__error(SNN_E_STATE, "%s: the network has no layers", fn);
  snn_layer *L = net->layers[0];
  if (L->kind != SNN__LAYER_DENSE || !L->w)
    return snn__error(SNN_E_UNSUPPORTED, "%s: the first layer must be dense (got %s)", fn,
                      snn_layer_kind(L) ? snn_layer_kind(L) : "?");
  if (L->n_in > ((size_t)1 << 24) || L->n_out > ((size_t)1 << 24))
    return snn__error(SNN_E_RANGE, "%s: layer too large (%zu x %zu)", fn, L->n_in, L->n_out);
  if (L->delay) /* the learner drives the layer's inputs itself, undelayed */
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: the first layer has input delays (NIR Delay); STDP does not "
                      "support delayed inputs", fn);
  snn__stdp *s = snn__calloc(1, sizeof *s);
  if (!s) goto oom_early;
  s->tag = SNN__STDP_TAG;
  s->net = net;
  s->n_in = L->n_in;
  s->n = L->n_out;
  int rc = resolve_options(s, opts, fn);
  if (rc) { /* a validation failure: user stays the caller's (not destroyed) */
    s->tag = 0;
    snn__free(s);
    return rc;
  }
  if (ops) {
    s->ops = cops;
    s->user = user;
    s->custom = 1;
    s->tau_pre = dflt(cops.tau_pre, 20.0);
    s->tau_post1 = dflt(cops.tau_post1, 20.0);
    s->tau_post2 = dflt(cops.tau_post2, 40.0);
    s->trace_add = cops.trace_add;
    s->kind = snn__strdup(cops.name ? cops.name : "custom");
  } else {
    s->ops.struct_size = sizeof s->ops;
    s->user = s;
    s->tau_pre = s->tau_plus;
    s->tau_post1 = s->tau_minus;
    s->tau_post2 = s->tau_trip;
    switch (s->rule) {
    case SNN_STDP_TRIPLET:
      s->ops.on_pre = rule_sub_trace;
      s->ops.on_post = rule_triplet_post;
      s->trace_add = 0;
      break;
    case SNN_STDP_PAIR_ADDITIVE:
      s->ops.on_pre = rule_sub_trace;
      s->ops.on_post = rule_add_post;
      s->trace_add = 1;
      break;
    case SNN_STDP_PAIR_MULTIPLICATIVE:
      s->ops.on_pre = rule_mult_pre;
      s->ops.on_post = rule_mult_post;
      s->trace_add = 1;
      break;
    default: /* SNN_STDP_PRE_TRACE */
      s->ops.on_post = rule_pretrace_post;
      s->trace_add = 1;
      break;
    }
    s->kind = snn__strdup("stdp");
  }
  if (!s->kind || !(s->pre = snn__aligned_alloc(s->n_in, sizeof(float))) ||
      !(s->post1 = snn__aligned_alloc(s->n, sizeof(float))) ||
      !(s->post2 = snn__aligned_alloc(s->n, sizeof(float))) ||
      !(s->colsum = snn__aligned_alloc(s->n, sizeof(float))) ||
      !(s->theta = snn__aligned_alloc(s->n, sizeof(float))) ||
      !(s->assign = snn__aligned_alloc(s->n, sizeof(int32_t))) ||
      sim_init(&s->tr, s->n_in, s->n, steps_of(s)) != SNN_OK) {
    stdp_free(s);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  for (size_t j = 0; j < s->n; j++) {
    s->theta[j] = E_THETA_INIT;
    s->assign[j] = -1;
  }
  snn__rng r;
  snn__rng_seed(&r, s->seed);
  snn__rng_fork(&s->tr.rng, &r, 1);
  if (!(s->flags & SNN_STDP_KEEP_WEIGHTS)) {
    snn__rng wr;
    snn__rng_fork(&wr, &r, 0);
    for (size_t k = 0; k < s->n_in * s->n; k++)
      L->w[k] = (snn__rng_uniform_f(&wr) + 0.01f) * 0.3f;
  }
  *out = (snn_learner *)(void *)s;
  return SNN_OK;
oom_early:
  if (cops.destroy) cops.destroy(user);
  return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
}

int snn_learner_create_stdp(snn_learner **out, snn_network *net, const snn_stdp_options *opts) {
  return create_common(out, net, opts, NULL, NULL, "snn_learner_create_stdp");
}

int snn_learner_create_custom(snn_learner **out, snn_network *net, const snn_stdp_options *opts,
                              const snn_learner_ops *ops, void *user) {
  static const char fn[] = "snn_learner_create_custom";
  if (out) *out = NULL;
  SNN__CHECK_NULL(ops, fn);
  return create_common(out, net, opts, ops, user, fn);
}

/* ======================================================================== */
/* Training, labelling, classification                                      */
/* ======================================================================== */

static int get_stdp(snn__stdp **s, snn_learner *l, const char *fn) {
  SNN__CHECK_NULL(l, fn);
  if (!snn__learner_is_stdp(l))
    return snn__error(SNN_E_INVALID, "%s: learner is not an STDP learner (kind %s)", fn,
                      snn_learner_kind(l) ? snn_learner_kind(l) : "?");
  *s = as_stdp(l);
  /* the network's first layer may have been re-created: re-check */
  snn_network *net = (*s)->net;
  if (net->n_layers == 0 || net->layers[0]->kind != SNN__LAYER_DENSE ||
      net->layers[0]->n_in != (*s)->n_in || net->layers[0]->n_out != (*s)->n)
    return snn__error(SNN_E_STATE, "%s: the network's first layer changed since the learner was created", fn);
  if (net->layers[0]->delay) /* set later with snn_network_set_input_delays() */
    return snn__error(SNN_E_STATE, "%s: the network's first layer has input delays, which STDP "
                                   "does not support", fn);
  return SNN_OK;
}

/* n_rows examples of row_len inputs, the first of them example first_row of
 * the caller's data (for the message) */
static int check_x(const float *x, size_t n_rows, size_t row_len, size_t first_row,
                   const char *fn) {
  for (size_t i = 0; i < n_rows * row_len; i++)
    if (!isfinite(x[i]) || x[i] < 0.0f)
      return snn__error(SNN_E_INVALID, "%s: example %zu, input %zu must be finite and >= 0 (got %g)",
                        fn, first_row + i / row_len, i % row_len, (double)x[i]);
  return SNN_OK;
}

static int check_data(const snn__stdp *s, const snn_dataset *data, size_t *limit, int labelled,
                      const char *fn) {
  SNN__CHECK_NULL(data, fn);
  if (snn_dataset_n_features(data) != s->n_in)
    return snn__error(SNN_E_INVALID, "%s: dataset has %zu features, the learner %zu inputs", fn,
                      snn_dataset_n_features(data), s->n_in);
  if (labelled && snn_dataset_n_classes(data) == 0)
    return snn__error(SNN_E_INVALID, "%s: dataset is unlabelled", fn);
  size_t n = snn_dataset_size(data);
  if (*limit == 0 || *limit > n) *limit = n;
  return SNN_OK;
}

static int progress(snn_progress_fn cb, void *user, uint64_t done, uint64_t total, double t0,
                    double acc) {
  if (!cb) return SNN_OK;
  snn_progress p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.n_epochs = 1;
  p.batch = done;
  p.n_batches = total;
  p.accuracy = acc;
  p.seconds = snn__now() - t0;
  if (cb(&p, user)) return snn__error(SNN_E_CANCELED, "stdp: canceled by the progress callback after %llu examples",
                                      (unsigned long long)done);
  return SNN_OK;
}

static void add_stats(snn__stdp *s, const sim *m, int train) {
  (void)train;
  s->i_pres += m->presentations;
  s->i_steps += m->steps;
  s->i_in += m->input_spikes;
  s->i_exc += m->exc_spikes;
  s->i_syn += m->syn_events;
}

static void clear_counters(sim *m) {
  m->presentations = m->steps = m->input_spikes = m->exc_spikes = m->syn_events = 0;
}

static int train_range(snn__stdp *s, const snn_dataset *data, size_t limit, snn_progress_fn cb,
                       void *user, const char *fn) {
  int rc = check_data(s, data, &limit, 0, fn);
  if (rc) return rc;
  const double t0 = snn__now();
  float *x = s->tr.xbuf;
  /* every example is checked before the first one trains: a bad one must not
   * fail the call after part of the data has changed the weights */
  if ((rc = check_x(snn__dataset_x(data), limit, s->n_in, 0, fn)) != SNN_OK) return rc;
  clear_counters(&s->tr);
  for (size_t k = 0; k < limit && rc == SNN_OK; k++) {
    int32_t label;
    rc = snn_dataset_get(x, &label, data, k, 1);
    if (rc) break;
    rc = present(s, &s->tr, x, label, 1, s->theta);
    if (rc) break;
    s->n_train++;
    s->i_examples++;
    rc = progress(cb, user, k + 1, limit, t0, 0.0);
  }
  add_stats(s, &s->tr, 1);
  clear_counters(&s->tr);
  s->seconds += snn__now() - t0;
  return rc;
}

int snn_learner_stdp_train(snn_learner *l, const snn_dataset *data, size_t limit,
                           snn_progress_fn cb, void *user) {
  static const char fn[] = "snn_learner_stdp_train";
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  return train_range(s, data, limit, cb, user, fn);
}

int snn__stdp_train_epoch(snn_learner *l, double *mean_loss, const snn_dataset *data,
                          snn_progress_fn cb, void *user) {
  static const char fn[] = "snn_learner_train_epoch";
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  if (mean_loss) *mean_loss = 0.0;
  return train_range(s, data, 0, cb, user, fn);
}

int snn_learner_stdp_present(uint32_t *counts, snn_learner *l, size_t n_out, const float *x,
                             size_t n_in, int32_t label, int32_t learn) {
  static const char fn[] = "snn_learner_stdp_present";
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  SNN__CHECK_NULL(x, fn);
  if (n_in != s->n_in)
    return snn__error(SNN_E_INVALID, "%s: n_in must be %zu (got %zu)", fn, s->n_in, n_in);
  if (counts && n_out != s->n)
    return snn__error(SNN_E_INVALID, "%s: n_out must be %zu (got %zu)", fn, s->n, n_out);
  if (learn != 0 && learn != 1)
    return snn__error(SNN_E_INVALID, "%s: learn must be 0 or 1 (got %d)", fn, (int)learn);
  if (label < -1) return snn__error(SNN_E_INVALID, "%s: label must be >= -1 (got %d)", fn, (int)label);
  if ((rc = check_x(x, 1, n_in, 0, fn)) != SNN_OK) return rc;
  const double t0 = snn__now();
  clear_counters(&s->tr);
  rc = present(s, &s->tr, x, label, learn, s->theta);
  add_stats(s, &s->tr, learn);
  clear_counters(&s->tr);
  s->i_examples++;
  if (learn) s->n_train++;
  s->seconds += snn__now() - t0;
  if (rc == SNN_OK && counts) memcpy(counts, s->tr.counts, s->n * sizeof *counts);
  return rc;
}

int snn_learner_stdp_apply(snn_learner *l, const uint8_t *pre, size_t n_pre, const uint8_t *post,
                           size_t n_post, size_t n_steps) {
  static const char fn[] = "snn_learner_stdp_apply";
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  SNN__CHECK_NULL(pre, fn);
  SNN__CHECK_NULL(post, fn);
  size_t a, b;
  if (snn__mul_size(&a, n_steps, s->n_in) || snn__mul_size(&b, n_steps, s->n) || n_pre != a ||
      n_post != b)
    return snn__error(SNN_E_INVALID, "%s: n_pre must be n_steps*n_in = %zu*%zu and n_post "
                      "n_steps*n_out = %zu*%zu (got %zu and %zu)",
                      fn, n_steps, s->n_in, n_steps, s->n, n_pre, n_post);
  float *w = s->net->layers[0]->w;
  memset(s->pre, 0, s->n_in * sizeof(float));
  memset(s->post1, 0, s->n * sizeof(float));
  memset(s->post2, 0, s->n * sizeof(float));
  const float dpre = (float)exp(-s->dt / s->tau_pre), dp1 = (float)exp(-s->dt / s->tau_post1),
              dp2 = (float)exp(-s->dt / s->tau_post2);
  snn__err_guard g;
  cb_enter(&g, s);
  for (size_t t = 0; t < n_steps && rc == SNN_OK; t++) {
    const double tm = (double)(t + 1) * s->dt;
    decay_traces(s, dpre, dp1, dp2);
    for (size_t i = 0; i < s->n_in && rc == SNN_OK; i++)
      if (pre[t * s->n_in + i]) rc = pre_event(s, i, w, tm);
    for (size_t j = 0; j < s->n && rc == SNN_OK; j++)
      if (post[t * s->n + j]) rc = post_event(s, j, w, tm);
    if (rc == SNN_OK && s->ops.on_step)
      rc = s->ops.on_step(s->user, w, s->n_in, s->n, post + t * s->n, s->pre, s->post1, s->post2,
                          tm, s->dt);
  }
  return cb_leave(&g, s, cb_status(rc));
}

/* ---- inference (plasticity off; samples independent, in parallel) ------ */

typedef struct infer_ctx {
  sim *sims;
  int n_sims;
} infer_ctx;

static void infer_free(infer_ctx *c) {
  if (c->sims)
    for (int k = 0; k < c->n_sims; k++) sim_free(&c->sims[k]);
  snn__free(c->sims);
  c->sims = NULL;
}

static int infer_init(infer_ctx *c, const snn__stdp *s, const char *fn) {
  int nt = 1;
#ifdef _OPENMP
  nt = omp_get_max_threads();
  if (nt < 1) nt = 1;
  if (nt > 64) nt = 64;
#endif
  c->n_sims = nt;
  c->sims = snn__calloc((size_t)nt, sizeof(sim));
  if (!c->sims) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (int k = 0; k < nt; k++)
    if (sim_init(&c->sims[k], s->n_in, s->n, infer_steps_of(s)) != SNN_OK) {
      infer_free(c);
      return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    }
  return SNN_OK;
}

/* Runs b samples x[b*n_in] (indices base..base+b-1 pick the random streams)
 * and writes counts[b*n]. */
static void infer_batch(snn__stdp *s, infer_ctx *c, const float *x, size_t b, uint64_t base,
                        uint32_t *counts) {
  snn__rng root;
  snn__rng_seed(&root, s->seed);
  snn__rng evr;
  snn__rng_fork(&evr, &root, 2);
  const long nb = (long)b;
#pragma omp parallel for schedule(dynamic, 4) num_threads(c->n_sims) if (b > 1 && c->n_sims > 1)
  for (long k = 0; k < nb; k++) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    sim *m = &c->sims[tid];
    sim_reset(m, 0.0f);
    snn__rng_fork(&m->rng, &evr, base + (uint64_t)k);
    /* cannot fail with learn = 0 (no callbacks) */
    (void)present(s, m, x + (size_t)k * s->n_in, -1, 0, s->theta);
    memcpy(counts + (size_t)k * s->n, m->counts, s->n * sizeof(uint32_t));
  }
}

static void infer_stats(snn__stdp *s, infer_ctx *c, size_t b) {
  for (int k = 0; k < c->n_sims; k++) {
    add_stats(s, &c->sims[k], 0);
    clear_counters(&c->sims[k]);
  }
  s->i_examples += b;
}

static int32_t classify_counts(const snn__stdp *s, const uint32_t *counts) {
  double best = -1.0;
  int32_t cls = -1;
  for (size_t c = 0; c < s->n_classes; c++) {
    double sum = 0.0;
    size_t na = 0;
    for (size_t j = 0; j < s->n; j++)
      if (s->assign[j] == (int32_t)c) {
        sum += counts[j];
        na++;
      }
    if (!na) continue;
    double r = sum / (double)na;
    if (r > best) {
      best = r;
      cls = (int32_t)c;
    }
  }
  return cls;
}

#define INFER_BATCH 256

/* Shared driver of label/evaluate over a dataset. mode 0: label; 1: evaluate. */
static int run_dataset(snn__stdp *s, const snn_dataset *data, size_t limit, int mode,
                       double *accuracy, snn_progress_fn cb, void *user, const char *fn) {
  int rc = check_data(s, data, &limit, 1, fn);
  if (rc) return rc;
  if (mode == 1 && !s->have_assign)
    return snn__error(SNN_E_STATE, "%s: no neuron labels yet (call snn_learner_stdp_label or "
                      "snn_learner_stdp_assignments_set first)", fn);
  const size_t nc = snn_dataset_n_classes(data);
  if (mode == 0 && nc > 65536) /* assignments_set and model files hold classes <= 65535 */
    return snn__error(SNN_E_RANGE, "%s: the dataset has labels up to %zu; neuron classes must be "
                      "in [0, 65535]", fn, nc - 1);
  const double t0 = snn__now();
  infer_ctx c = {NULL, 0};
  float *x = NULL;
  uint32_t *counts = NULL;
  int32_t *labels = NULL;
  double *sum = NULL;
  uint64_t *per_class = NULL;
  size_t correct = 0;
  if ((rc = infer_init(&c, s, fn)) != SNN_OK) return rc;
  x = snn__aligned_alloc((size_t)INFER_BATCH * s->n_in, sizeof(float));
  counts = snn__aligned_alloc((size_t)INFER_BATCH * s->n, sizeof(uint32_t));
  labels = snn__malloc(INFER_BATCH * sizeof(int32_t));
  if (mode == 0) {
    sum = snn__calloc(nc * s->n, sizeof(double));
    per_class = snn__calloc(nc, sizeof(uint64_t));
  }
  if (!x || !counts || !labels || (mode == 0 && (!sum || !per_class))) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    goto done;
  }
  for (size_t first = 0; first < limit; first += INFER_BATCH) {
    size_t b = limit - first < INFER_BATCH ? limit - first : INFER_BATCH;
    if ((rc = snn_dataset_get(x, labels, data, first, b)) != SNN_OK) goto done;
    if ((rc = check_x(x, b, s->n_in, first, fn)) != SNN_OK) goto done;
    infer_batch(s, &c, x, b, first, counts);
    for (size_t k = 0; k < b; k++) {
      const uint32_t *ck = counts + k * s->n;
      int32_t y = labels[k];
      if (y < 0) continue;
      if (mode == 0) {
        per_class[y]++;
        double *row = sum + (size_t)y * s->n;
        for (size_t j = 0; j < s->n; j++) row[j] += ck[j];
      } else if (classify_counts(s, ck) == y) {
        correct++;
      }
    }
    infer_stats(s, &c, b);
    if ((rc = progress(cb, user, first + b, limit, t0,
                       mode == 1 ? (double)correct / (double)(first + b) : 0.0)) != SNN_OK)
      goto done;
  }
  if (mode == 0) {
    size_t maxc = 0;
    for (size_t j = 0; j < s->n; j++) {
      double best = 0.0;
      int32_t a = -1;
      for (size_t y = 0; y < nc; y++) {
        if (!per_class[y]) continue;
        double r = sum[y * s->n + j] / (double)per_class[y];
        if (r > best) {
          best = r;
          a = (int32_t)y;
        }
      }
      s->assign[j] = a;
      if (a >= 0 && (size_t)a + 1 > maxc) maxc = (size_t)a + 1;
    }
    s->n_classes = maxc;
    s->have_assign = 1;
  } else if (accuracy) {
    *accuracy = limit ? (double)correct / (double)limit : 0.0;
  }
done:
  s->seconds += snn__now() - t0;
  infer_free(&c);
  snn__aligned_free(x);
  snn__aligned_free(counts);
  snn__free(labels);
  snn__free(sum);
  snn__free(per_class);
  return rc;
}

int snn_learner_stdp_label(snn_learner *l, const snn_dataset *data, size_t limit,
                           snn_progress_fn cb, void *user) {
  static const char fn[] = "snn_learner_stdp_label";
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  return run_dataset(s, data, limit, 0, NULL, cb, user, fn);
}

int snn_learner_stdp_evaluate(double *accuracy, snn_learner *l, const snn_dataset *data,
                              size_t limit, snn_progress_fn cb, void *user) {
  static const char fn[] = "snn_learner_stdp_evaluate";
  SNN__CHECK_NULL(accuracy, fn);
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  return run_dataset(s, data, limit, 1, accuracy, cb, user, fn);
}

int snn_learner_stdp_classify(int32_t *labels, snn_learner *l, const float *x, size_t n,
                              size_t n_inputs) {
  static const char fn[] = "snn_learner_stdp_classify";
  SNN__CHECK_NULL(labels, fn);
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  SNN__CHECK_NULL(x, fn);
  if (n_inputs != s->n_in)
    return snn__error(SNN_E_INVALID, "%s: n_inputs must be %zu (got %zu)", fn, s->n_in, n_inputs);
  size_t tot;
  if (snn__mul_size(&tot, n, n_inputs))
    return snn__error(SNN_E_INVALID, "%s: n * n_inputs overflows (n = %zu)", fn, n);
  if ((rc = check_x(x, n, n_inputs, 0, fn)) != SNN_OK) return rc;
  if (!s->have_assign)
    return snn__error(SNN_E_STATE, "%s: no neuron labels yet (call snn_learner_stdp_label or "
                      "snn_learner_stdp_assignments_set first)", fn);
  const double t0 = snn__now();
  infer_ctx c = {NULL, 0};
  if ((rc = infer_init(&c, s, fn)) != SNN_OK) return rc;
  uint32_t *counts = snn__aligned_alloc((size_t)INFER_BATCH * s->n, sizeof(uint32_t));
  if (!counts) {
    infer_free(&c);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  for (size_t first = 0; first < n; first += INFER_BATCH) {
    size_t b = n - first < INFER_BATCH ? n - first : INFER_BATCH;
    infer_batch(s, &c, x + first * s->n_in, b, first, counts);
    for (size_t k = 0; k < b; k++) labels[first + k] = classify_counts(s, counts + k * s->n);
    infer_stats(s, &c, b);
  }
  infer_free(&c);
  snn__aligned_free(counts);
  s->seconds += snn__now() - t0;
  return SNN_OK;
}

/* ---- accessors ----------------------------------------------------------- */

static int get_cstdp(const snn__stdp **s, const snn_learner *l, const char *fn) {
  SNN__CHECK_NULL(l, fn);
  if (!snn__learner_is_stdp(l))
    return snn__error(SNN_E_INVALID, "%s: learner is not an STDP learner (kind %s)", fn,
                      snn_learner_kind(l) ? snn_learner_kind(l) : "?");
  *s = as_cstdp(l);
  return SNN_OK;
}

static int check_n(size_t n, size_t want, const char *fn) {
  if (n != want) return snn__error(SNN_E_INVALID, "%s: n must be %zu (got %zu)", fn, want, n);
  return SNN_OK;
}

int snn_learner_stdp_assignments_get(int32_t *dst, const snn_learner *l, size_t n) {
  static const char fn[] = "snn_learner_stdp_assignments_get";
  SNN__CHECK_NULL(dst, fn);
  const snn__stdp *s = NULL;
  int rc = get_cstdp(&s, l, fn);
  if (rc || (rc = check_n(n, s->n, fn))) return rc;
  memcpy(dst, s->assign, n * sizeof *dst);
  return SNN_OK;
}

int snn_learner_stdp_assignments_set(snn_learner *l, const int32_t *src, size_t n) {
  static const char fn[] = "snn_learner_stdp_assignments_set";
  const snn__stdp *cs = NULL;
  int rc = get_cstdp(&cs, l, fn);
  if (rc) return rc;
  SNN__CHECK_NULL(src, fn);
  if ((rc = check_n(n, cs->n, fn))) return rc;
  size_t maxc = 0;
  for (size_t j = 0; j < n; j++) {
    if (src[j] < -1 || src[j] > 65535)
      return snn__error(SNN_E_INVALID, "%s: class of neuron %zu must be in [-1, 65535] (got %d)",
                        fn, j, (int)src[j]);
    if (src[j] >= 0 && (size_t)src[j] + 1 > maxc) maxc = (size_t)src[j] + 1;
  }
  snn__stdp *s = as_stdp(l);
  memcpy(s->assign, src, n * sizeof *src);
  s->n_classes = maxc;
  s->have_assign = 1;
  return SNN_OK;
}

int snn_learner_stdp_theta_get(float *dst, const snn_learner *l, size_t n) {
  static const char fn[] = "snn_learner_stdp_theta_get";
  SNN__CHECK_NULL(dst, fn);
  const snn__stdp *s = NULL;
  int rc = get_cstdp(&s, l, fn);
  if (rc || (rc = check_n(n, s->n, fn))) return rc;
  memcpy(dst, s->theta, n * sizeof *dst);
  return SNN_OK;
}

int snn_learner_stdp_theta_set(snn_learner *l, const float *src, size_t n) {
  static const char fn[] = "snn_learner_stdp_theta_set";
  const snn__stdp *cs = NULL;
  int rc = get_cstdp(&cs, l, fn);
  if (rc) return rc;
  SNN__CHECK_NULL(src, fn);
  if ((rc = check_n(n, cs->n, fn))) return rc;
  for (size_t j = 0; j < n; j++)
    if (!isfinite(src[j]))
      return snn__error(SNN_E_INVALID, "%s: theta[%zu] must be finite (got %g)", fn, j,
                        (double)src[j]);
  memcpy(as_stdp(l)->theta, src, n * sizeof *src);
  return SNN_OK;
}

int snn_learner_stdp_stats(snn_stdp_stats *out, const snn_learner *l) {
  static const char fn[] = "snn_learner_stdp_stats";
  SNN__CHECK_NULL(out, fn);
  const snn__stdp *s = NULL;
  int rc = get_cstdp(&s, l, fn);
  if (rc) return rc;
  if (out->struct_size < offsetof(snn_stdp_stats, examples) + sizeof(uint64_t))
    return snn__error(SNN_E_VERSION, "%s: out->struct_size is %zu, too small", fn, out->struct_size);
  snn_stdp_stats st;
  memset(&st, 0, sizeof st);
  st.examples = s->i_examples;
  st.presentations = s->i_pres;
  st.steps = s->i_steps;
  st.input_spikes = s->i_in;
  st.exc_spikes = s->i_exc;
  st.syn_events = s->i_syn;
  st.seconds = s->seconds;
  snn__sized_out(out, &st, sizeof st);
  return SNN_OK;
}

/* ---- model-file access (stdp_impl.h; used by src/learn/stdp_io.c) -------- */

int snn__stdp_view_get(snn__stdp_view *v, const snn_learner *l, const char *fn) {
  const snn__stdp *cs = NULL;
  int rc = get_cstdp(&cs, l, fn);
  if (rc) return rc;
  snn__stdp *s = (snn__stdp *)(void *)(uintptr_t)cs; /* the caller decides what it writes */
  memset(v, 0, sizeof *v);
  v->net = s->net;
  v->n_in = s->n_in;
  v->n = s->n;
  v->kind = s->kind;
  v->custom = s->custom;
  snn_stdp_options *o = &v->opts;
  o->struct_size = sizeof *o;
  o->rule = s->rule;
  o->a_plus = s->a_plus;
  o->a_minus = s->a_minus;
  o->tau_plus = s->tau_plus;
  o->tau_minus = s->tau_minus;
  o->tau_triplet = s->tau_trip;
  o->w_min = s->w_min;
  o->w_max = s->w_max;
  o->x_tar = s->x_tar;
  o->mu = s->mu;
  o->norm_total = s->norm_total;
  o->theta_plus = s->theta_plus;
  o->tau_theta = s->tau_theta;
  o->max_rate = s->max_rate;
  o->rate_increment = s->rate_inc;
  o->min_spikes = s->min_spikes;
  o->max_repeats = s->max_repeats;
  o->t_present = s->t_present;
  v->t_infer = s->t_infer;
  o->t_rest = s->t_rest;
  o->dt = s->dt;
  o->inhibition = s->inhibition;
  o->synapse = s->synapse;
  o->w_exc_inh = s->w_ei;
  o->w_inh_exc = s->w_ie;
  o->flags = s->flags & ~(uint32_t)SNN_STDP_KEEP_WEIGHTS;
  o->seed = s->seed;
  o->integrator = s->integrator;
  v->ops = &s->ops;
  v->theta = s->theta;
  v->assign = s->assign;
  v->have_assign = s->have_assign;
  static const char *const names[SNN__STDP_N_STATE] = {
      "v_e", "ge_e", "gi_e", "refr_e", "lock_e", "v_i", "ge_i", "refr_i", "pre", "post1", "post2"};
  float *arr[SNN__STDP_N_STATE] = {s->tr.v_e,  s->tr.ge_e, s->tr.gi_e,   s->tr.refr_e,
                                   s->tr.lock_e, s->tr.v_i, s->tr.ge_i, s->tr.refr_i,
                                   s->pre,      s->post1,  s->post2};
  for (int k = 0; k < SNN__STDP_N_STATE; k++) {
    v->state_name[k] = names[k];
    v->state[k] = arr[k];
    v->state_len[k] = k == 8 ? s->n_in : s->n;
  }
  v->rng = s->tr.rng.s;
  v->n_train = &s->n_train;
  return SNN_OK;
}

int snn_learner_stdp_set_t_infer(snn_learner *l, double t_infer) {
  static const char fn[] = "snn_learner_stdp_set_t_infer";
  snn__stdp *s = NULL;
  int rc = get_stdp(&s, l, fn);
  if (rc) return rc;
  if (!snn__isfinite(t_infer))
    return snn__error(SNN_E_INVALID, "%s: t_infer must be finite (got %g)", fn, t_infer);
  if (t_infer == 0.0) {
    s->t_infer = default_t_infer(s->t_present);
    return SNN_OK;
  }
  if (t_infer < s->dt)
    return snn__error(SNN_E_RANGE, "%s: t_infer must be 0 (default) or >= dt = %g ms (got %g)", fn,
                      s->dt, t_infer);
  if (t_infer / s->dt > 1e7)
    return snn__error(SNN_E_RANGE, "%s: t_infer / dt must be <= 1e7 steps (got %g)", fn,
                      t_infer / s->dt);
  s->t_infer = t_infer;
  return SNN_OK;
}

int snn_learner_stdp_options_get(snn_stdp_options *out, const snn_learner *l) {
  static const char fn[] = "snn_learner_stdp_options_get";
  SNN__CHECK_NULL(out, fn);
  if (out->struct_size < offsetof(snn_stdp_options, rule) + sizeof(int32_t))
    return snn__error(SNN_E_VERSION, "%s: out->struct_size is %zu, too small (this library: %zu)",
                      fn, out->struct_size, sizeof *out);
  snn__stdp_view v; /* the resolved options, exactly as model files store them */
  int rc = snn__stdp_view_get(&v, l, fn);
  if (rc) return rc;
  snn__sized_out(out, &v.opts, sizeof v.opts);
  return SNN_OK;
}

int snn_learner_stdp_t_infer(double *t_infer, const snn_learner *l) {
  static const char fn[] = "snn_learner_stdp_t_infer";
  SNN__CHECK_NULL(t_infer, fn);
  const snn__stdp *s = NULL;
  int rc = get_cstdp(&s, l, fn);
  if (rc) return rc;
  *t_infer = s->t_infer;
  return SNN_OK;
}

/* Learner files of the "spikeprop" learner: snn_learner_save/_save_mem/
 * _load/_load_mem dispatch here (src/learn/stdp_io.c) for SpikeProp learners.
 *
 * The SpikeProp learner owns its event-driven network (there is no
 * snn_network), so its file is the model-file container (header, tagged
 * sections with length and CRC-32; src/net/serialize.c) holding one required
 * `SPKP` section and `END `: no NETW, so snn_network_load refuses it cleanly
 * ("the first section is 'SPKP', not NETW"). The section holds everything
 * that determines predictions and further training: layer sizes, the srm
 * model's tau and threshold, every resolved option (seed included), the
 * current learning rate, the epoch counter (the example shuffle of epoch e is
 * derived from seed and e, so no generator state is needed), the encoder
 * (kind, parameters, generator), the excitatory/inhibitory signs and every
 * weight as a float64 (bit-exact), then the update state: the last weight
 * change (momentum > 0) or the RProp steps and previous gradient (update
 * RPROP). Layout: docs/file-format.md ("SPKP").
 *
 * Loading trusts nothing: sizes are checked against the limits of
 * snn_learner_create_spikeprop and against the bytes left in the section
 * before anything proportional is allocated; options must be exactly the
 * resolved values the learner would store (so a loaded learner saves to the
 * same bytes); weights must be finite. */
#include "internal.h"
#include "../encode/encode.h"
#include "../encode/encoder_impl.h"
#include "../net/serialize.h"
#include "spikeprop_impl.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char tag_spkp[4] = {'S', 'P', 'K', 'P'};
static const char tag_sprg[4] = {'S', 'P', 'R', 'G'};
static const char tag_end[4] = {'E', 'N', 'D', ' '};

/* The option list, in file order. "terminals", "bias", "update" and
 * "batch_size" are whole numbers. Each option records the file layout that
 * introduced it ("since"); a file of an older layout lacks the later options
 * and loads with their defaults, which reproduce how it was trained:
 *   layout 0: 13 options;
 *   layout 1: + weight_decay, momentum (0 = off);
 *   layout 2: + update, batch_size (SGD, batches of 1);
 *   layout 3: + late_push (0 = off).
 * A new option gets the next layout number; the counts follow from the table. */
#define OPT(f, since) {#f, offsetof(snn_spikeprop_options, f), since}
static const struct {
  const char *name;
  size_t off;
  unsigned since;
} dopts[] = {
    OPT(learning_rate, 0), OPT(delay_min, 0),   OPT(delay_step, 0),   OPT(inhibitory_fraction, 0),
    OPT(t_max, 0),         OPT(denom_floor, 0), OPT(silent_push, 0),  OPT(w_init_min, 0),
    OPT(w_init_max, 0),    OPT(t_early, 0),     OPT(t_late, 0),       OPT(weight_decay, 1),
    OPT(momentum, 1),      OPT(late_push, 3),
};
#undef OPT
#define N_DOPTS (sizeof dopts / sizeof dopts[0])
#define N_WOPTS 4
#define N_OPTS (N_DOPTS + N_WOPTS) /* + terminals, bias, update, batch_size */
#define N_LAYOUTS 4
/* whole-number options: index N_DOPTS + w in seen[] */
static const struct {
  const char *name;
  unsigned since;
} wopts[N_WOPTS] = {{"terminals", 0}, {"bias", 0}, {"update", 2}, {"batch_size", 2}};

static const char *opt_name(size_t k) {
  return k < N_DOPTS ? dopts[k].name : wopts[k - N_DOPTS].name;
}
static unsigned opt_since(size_t k) {
  return k < N_DOPTS ? dopts[k].since : wopts[k - N_DOPTS].since;
}

/* number of options in a file of layout L */
static uint32_t layout_count(unsigned L) {
  uint32_t n = 0;
  for (size_t k = 0; k < N_OPTS; k++) n += opt_since(k) <= L;
  return n;
}

static double dopt(const snn_spikeprop_options *o, size_t k) {
  double v;
  memcpy(&v, (const char *)o + dopts[k].off, sizeof v);
  return v;
}

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

static void pl_spkp(snn__wr *w, const void *ctx) {
  const snn__spikeprop_view *v = ctx;
  const snn_spikeprop_options *o = v->o;
  snn__wr_str(w, "spikeprop");
  snn__wr_u64(w, v->n_in);
  snn__wr_u64(w, v->n_hid);
  snn__wr_u64(w, v->n_out);
  snn__wr_f64(w, v->tau);
  snn__wr_f64(w, v->theta);
  snn__wr_u64(w, o->seed);
  snn__wr_u32(w, (uint32_t)N_OPTS);
  for (size_t k = 0; k < N_DOPTS; k++) snn__wr_param_num(w, dopts[k].name, dopt(o, k));
  snn__wr_param_num(w, "terminals", (double)o->terminals);
  snn__wr_param_num(w, "bias", (double)o->bias);
  snn__wr_param_num(w, "update", (double)o->update);
  snn__wr_param_num(w, "batch_size", (double)o->batch_size);
  snn__wr_f64(w, *v->lr);
  snn__wr_u64(w, *v->epoch);
  const snn_encoder *e = v->enc;
  snn__wr_u8(w, e != NULL);
  if (e) {
    size_t np = snn_encoder_param_count(e);
    snn__wr_str(w, snn_encoder_kind(e));
    snn__wr_u32(w, (uint32_t)np);
    for (size_t i = 0; i < np; i++) {
      snn_param_info pi = SNN_PARAM_INFO_INIT;
      double x = 0.0;
      const char *sym = snn__encoder_param_symbol(e, i);
      if (snn_encoder_param_info(&pi, e, i) != SNN_OK || snn_encoder_get(&x, e, pi.name) != SNN_OK)
        pi.name = "?"; /* cannot happen for a valid encoder; the loader then refuses the file */
      if (sym)
        snn__wr_param_str(w, pi.name, sym);
      else
        snn__wr_param_num(w, pi.name, x);
    }
    for (int k = 0; k < 4; k++) snn__wr_u64(w, e->rng.s[k]);
  }
  for (size_t h = 0; h < v->n_hid; h++) snn__wr_u8(w, v->sign[h] < 0);
  snn__wr_u64(w, v->n_w);
  for (size_t i = 0; i < v->n_w; i++) snn__wr_f64(w, v->w[i]);
  if (o->momentum > 0) /* momentum state: the last weight change */
    for (size_t i = 0; i < v->n_w; i++) snn__wr_f64(w, v->vel[i]);
  if (o->update == SNN_SPIKEPROP_RPROP) { /* RProp state: steps, previous gradient */
    for (size_t i = 0; i < v->n_w; i++) snn__wr_f64(w, v->rstep[i]);
    for (size_t i = 0; i < v->n_w; i++) snn__wr_f64(w, v->gprev[i]);
  }
}

/* SPRG: the input ranges (snn_learner_spikeprop_set_input_ranges), written
 * only when set; marked required, since a reader that skipped it would feed
 * raw features to a network trained on scaled ones. */
static void pl_sprg(snn__wr *w, const void *ctx) {
  const snn__spikeprop_view *v = ctx;
  snn__wr_u64(w, v->n_rng);
  snn__wr_f32s(w, v->rmin, v->n_rng);
  snn__wr_f32s(w, v->rmax, v->n_rng);
}

/* the sections of a learner file before END; returns their count */
static size_t sections(snn__section sec[2], const snn__spikeprop_view *v) {
  snn__section a = {{'S', 'P', 'K', 'P'}, SNN__SECTION_REQUIRED, pl_spkp, v};
  snn__section b = {{'S', 'P', 'R', 'G'}, SNN__SECTION_REQUIRED, pl_sprg, v};
  sec[0] = a;
  sec[1] = b;
  return v->rmin ? 2 : 1;
}

static int save_view(snn__spikeprop_view *v, const snn_learner *l, const char *fn) {
  snn__spikeprop_view_get(v, l);
  for (size_t i = 0; i < v->n_w; i++)
    if (!isfinite(v->w[i]) || !isfinite(v->vel[i]) || !isfinite(v->rstep[i]) ||
        !isfinite(v->gprev[i]))
      return snn__error(SNN_E_NUMERIC, "%s: weight %zu (or its update state) is not finite (%g)",
                        fn, i, v->w[i]);
  return SNN_OK;
}

int snn__spikeprop_save(const snn_learner *l, const char *path, const char *fn) {
  snn__spikeprop_view v;
  int rc = save_view(&v, l, fn);
  if (rc != SNN_OK) return rc;
  snn__section sec[2];
  size_t n = sections(sec, &v);
  return snn__model_save(NULL, sec, n, path, fn);
}

int snn__spikeprop_save_mem(size_t *size, const snn_learner *l, void *buf, size_t cap,
                            const char *fn) {
  snn__spikeprop_view v;
  int rc = save_view(&v, l, fn);
  if (rc != SNN_OK) return rc;
  snn__section sec[2];
  size_t n = sections(sec, &v);
  return snn__model_save_mem(size, NULL, sec, n, buf, cap, fn);
}

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

int snn__spikeprop_is_file(const unsigned char *buf, size_t size) {
  return size >= SNN__MODEL_HEADER_SIZE + 4 && memcmp(buf, SNN__MODEL_MAGIC, 8) == 0 &&
         memcmp(buf + SNN__MODEL_HEADER_SIZE, tag_spkp, 4) == 0;
}

static int rd_f64(snn__rd *r, double *out, const char *what) {
  uint64_t u;
  int rc = snn__rd_u64(r, &u, what);
  if (rc) return rc;
  memcpy(out, &u, sizeof *out);
  return SNN_OK;
}

/* u64 in [lo, hi] */
static int rd_count(snn__rd *r, size_t *out, uint64_t lo, uint64_t hi, const char *what) {
  size_t off = r->pos;
  uint64_t v;
  int rc = snn__rd_u64(r, &v, what);
  if (rc) return rc;
  if (v < lo || v > hi)
    return snn__rd_err(r, SNN_E_FORMAT, off, "%s = %llu is outside [%llu, %llu]", what,
                       (unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
  *out = (size_t)v;
  return SNN_OK;
}

/* Reads the option list into o (every option exactly once, in any order). */
static int read_options(snn__rd *r, snn_spikeprop_options *o) {
  uint32_t np;
  size_t noff = r->pos;
  int rc = snn__rd_u32(r, &np, "option count");
  if (rc) return rc;
  unsigned layout = N_LAYOUTS;
  for (unsigned L = 0; L < N_LAYOUTS; L++)
    if (layout_count(L) == np) layout = L;
  if (layout == N_LAYOUTS) {
    char older[64] = "";
    for (unsigned L = N_LAYOUTS - 1; L-- > 0;) {
      size_t used = strlen(older);
      snprintf(older + used, sizeof older - used, "%s%u", used ? " / " : "",
               (unsigned)layout_count(L));
    }
    return snn__rd_err(r, SNN_E_FORMAT, noff, "%u options (expected %u, or %s in older files)",
                       np, (unsigned)N_OPTS, older);
  }
  unsigned seen[N_OPTS] = {0};
  for (uint32_t i = 0; i < np; i++) {
    snn__pval p;
    if ((rc = snn__rd_pval(r, &p))) return rc;
    if (p.type != 0)
      return snn__rd_err(r, SNN_E_FORMAT, p.off, "option '%s' must be a number", p.name);
    size_t k = 0;
    while (k < N_DOPTS && strcmp(p.name, dopts[k].name) != 0) k++;
    if (k == N_DOPTS) {
      size_t q = 0;
      while (q < N_WOPTS && strcmp(p.name, wopts[q].name) != 0) q++;
      if (q == N_WOPTS) return snn__rd_err(r, SNN_E_FORMAT, p.off, "unknown option '%s'", p.name);
      k = N_DOPTS + q;
    }
    if (seen[k]++)
      return snn__rd_err(r, SNN_E_FORMAT, p.off, "option '%s' given twice", p.name);
    if (k < N_DOPTS) {
      memcpy((char *)o + dopts[k].off, &p.num, sizeof p.num);
    } else { /* whole numbers; the learner checks the ranges */
      if (!(p.num >= 0 && p.num <= 4294967295.0) || signbit(p.num) || p.num != floor(p.num))
        return snn__rd_err(r, SNN_E_FORMAT, p.off, "option '%s' must be a whole number (got %g)",
                           p.name, p.num);
      uint32_t *dst[N_WOPTS] = {&o->terminals, &o->bias, &o->update, &o->batch_size};
      *dst[k - N_DOPTS] = (uint32_t)p.num;
    }
  }
  for (size_t k = 0; k < N_OPTS; k++) /* every option of the file's layout, once */
    if (!seen[k] && opt_since(k) <= layout)
      return snn__rd_err(r, SNN_E_FORMAT, noff, "option '%s' is missing", opt_name(k));
  return SNN_OK;
}

/* Reads the encoder entry (after its presence flag) into a new encoder. */
static int read_encoder(snn__rd *r, snn_encoder **enc) {
  char kind[SNN__MODEL_MAX_NAME + 1];
  size_t koff = r->pos;
  int rc = snn__rd_str(r, kind, "encoder kind");
  if (rc) return rc;
  uint32_t np;
  size_t noff = r->pos;
  if ((rc = snn__rd_u32(r, &np, "encoder parameter count"))) return rc;
  if (strcmp(kind, "population") != 0 && strcmp(kind, "latency") != 0)
    return snn__rd_err(r, SNN_E_FORMAT, koff,
                       "encoder kind '%s' (a SpikeProp learner uses 'population' or 'latency')",
                       kind);
  if ((rc = snn_encoder_create(enc, kind)) != SNN_OK)
    return snn__rd_apply_err(r, rc, koff, "encoder kind");
  if (np != snn_encoder_param_count(*enc))
    return snn__rd_err(r, SNN_E_FORMAT, noff, "%u encoder parameters (kind '%s' has %zu)", np,
                       kind, snn_encoder_param_count(*enc));
  for (uint32_t i = 0; i < np; i++) {
    snn__pval p;
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    if ((rc = snn__rd_pval(r, &p))) return rc;
    if ((rc = snn_encoder_param_info(&pi, *enc, i)) != SNN_OK)
      return snn__rd_apply_err(r, rc, p.off, "encoder parameter");
    if (strcmp(p.name, pi.name) != 0) /* all of them, in the writer's order */
      return snn__rd_err(r, SNN_E_FORMAT, p.off, "encoder parameter %u is '%s' (expected '%s')",
                         i, p.name, pi.name);
    rc = p.type == 0 ? snn_encoder_set(*enc, p.name, p.num)
                     : snn_encoder_set_str(*enc, p.name, p.str);
    if (rc != SNN_OK) return snn__rd_apply_err(r, rc, p.off, "encoder parameter");
  }
  for (int k = 0; k < 4; k++)
    if ((rc = snn__rd_u64(r, &(*enc)->rng.s[k], "encoder generator state"))) return rc;
  return SNN_OK;
}

/* Compares the file's options with what the learner resolved them to: a file
 * holds resolved values only (a 0 "default" would save differently). */
static int check_resolved(snn__rd *r, const snn_spikeprop_options *f,
                          const snn_spikeprop_options *o, size_t off) {
  for (size_t k = 0; k < N_DOPTS; k++) {
    double a = dopt(f, k), b = dopt(o, k);
    if (memcmp(&a, &b, sizeof a) != 0)
      return snn__rd_err(r, SNN_E_FORMAT, off,
                         "option '%s' = %g is not a resolved value (the learner uses %g)",
                         dopts[k].name, a, b);
  }
  const uint32_t fw[N_WOPTS] = {f->terminals, f->bias, f->update, f->batch_size};
  const uint32_t ow[N_WOPTS] = {o->terminals, o->bias, o->update, o->batch_size};
  for (size_t q = 0; q < N_WOPTS; q++)
    if (fw[q] != ow[q])
      return snn__rd_err(r, SNN_E_FORMAT, off, "option '%s' = %u is not a resolved value (the "
                         "learner uses %u)", wopts[q].name, (unsigned)fw[q], (unsigned)ow[q]);
  return SNN_OK;
}

/* The SPKP payload (r positioned on it) into a new learner. */
static int read_spkp(snn__rd *r, snn_learner **out) {
  int rc;
  char kind[SNN__MODEL_MAX_NAME + 1];
  size_t koff = r->pos;
  if ((rc = snn__rd_str(r, kind, "learner kind"))) return rc;
  if (strcmp(kind, "spikeprop") != 0)
    return snn__rd_err(r, SNN_E_FORMAT, koff, "learner kind '%s' (expected 'spikeprop')", kind);
  size_t n_in = 0, n_hid = 0, n_out = 0;
  const uint64_t max_units = (uint64_t)1 << 20; /* as snn_learner_create_spikeprop */
  if ((rc = rd_count(r, &n_in, 1, max_units, "n_in")) ||
      (rc = rd_count(r, &n_hid, 1, max_units, "n_hidden")) ||
      (rc = rd_count(r, &n_out, 1, max_units, "n_out")))
    return rc;
  double tau, theta;
  size_t toff = r->pos;
  if ((rc = rd_f64(r, &tau, "tau")) || (rc = rd_f64(r, &theta, "threshold"))) return rc;
  if (!isfinite(tau) || !isfinite(theta))
    return snn__rd_err(r, SNN_E_FORMAT, toff, "tau (%g) or threshold (%g) is not finite", tau,
                       theta);
  snn_spikeprop_options fo;
  memset(&fo, 0, sizeof fo);
  fo.struct_size = sizeof fo;
  fo.batch_size = 1; /* resolved default, for V0/V1 files without the option */
  if ((rc = snn__rd_u64(r, &fo.seed, "seed"))) return rc;
  size_t ooff = r->pos;
  if ((rc = read_options(r, &fo))) return rc;
  if (fo.terminals < 1 || fo.terminals > 256)
    return snn__rd_err(r, SNN_E_FORMAT, ooff, "terminals = %u is outside [1, 256]",
                       (unsigned)fo.terminals);
  /* the weights must be in the section before anything proportional to them
   * is allocated: n_w = K (n_in + n_out) n_hid <= 2^20 * 2^21 * 256, no overflow */
  const uint64_t n_w64 = (uint64_t)fo.terminals * ((uint64_t)n_in + n_out) * n_hid;
  if (n_w64 > ((uint64_t)1 << 31))
    return snn__rd_err(r, SNN_E_FORMAT, ooff, "too many weights (%llu; limit 2^31)",
                       (unsigned long long)n_w64);
  const size_t n_w = (size_t)n_w64;
  if (n_w > (SIZE_MAX - n_hid - 32) / 24) /* weights and update state (<= 2 n_w) below */
    return snn__rd_err(r, SNN_E_FORMAT, ooff, "too many weights (%zu)", n_w);
  /* lr (8) + epoch (8) + encoder flag (1) + signs + count (8) + weights
   * (+ as many momentum values, or twice as many RProp values); the options
   * are checked by the learner below (it refuses momentum with RProp) */
  const size_t n_vel = fo.momentum > 0 ? n_w : 0;
  const size_t n_rp = fo.update == SNN_SPIKEPROP_RPROP ? n_w : 0;
  if ((rc = snn__rd_need(r, 25 + n_hid + 8 * (n_w + n_vel + 2 * n_rp),
                         "learning rate, epoch, signs and weights")))
    return rc;
  double lr;
  size_t loff = r->pos;
  if ((rc = rd_f64(r, &lr, "learning rate"))) return rc;
  if (!isfinite(lr) || !(lr > 0) || lr > 1e3)
    return snn__rd_err(r, SNN_E_FORMAT, loff, "learning rate %g is outside (0, 1e3]", lr);
  uint64_t epoch;
  size_t eoff = r->pos;
  if ((rc = snn__rd_u64(r, &epoch, "epoch"))) return rc;
  if (epoch > UINT32_MAX)
    return snn__rd_err(r, SNN_E_FORMAT, eoff, "epoch %llu exceeds 2^32-1",
                       (unsigned long long)epoch);
  unsigned has_enc;
  size_t hoff = r->pos;
  if ((rc = snn__rd_u8(r, &has_enc, "encoder flag"))) return rc;
  if (has_enc > 1)
    return snn__rd_err(r, SNN_E_FORMAT, hoff, "encoder flag must be 0 or 1 (got %u)", has_enc);
  snn_encoder *enc = NULL;
  snn_neuron_model *m = NULL;
  snn_learner *l = NULL;
  if (has_enc && (rc = read_encoder(r, &enc))) goto done;
  if ((rc = snn_neuron_model_create(&m, "srm")) != SNN_OK ||
      (rc = snn_neuron_model_set(m, "tau", tau)) != SNN_OK ||
      (rc = snn_neuron_model_set(m, "threshold", theta)) != SNN_OK) {
    rc = snn__rd_apply_err(r, rc, toff, "srm parameters");
    goto done;
  }
  if ((rc = snn_learner_create_spikeprop(&l, n_in, n_hid, n_out, m, enc, &fo)) != SNN_OK) {
    rc = snn__rd_apply_err(r, rc, ooff, "learner options");
    goto done;
  }
  snn__spikeprop_view v;
  snn__spikeprop_view_get(&v, l);
  if (v.tau != tau || v.theta != theta) {
    rc = snn__rd_err(r, SNN_E_FORMAT, toff, "tau %g / threshold %g are not exact srm values",
                     tau, theta);
    goto done;
  }
  if ((rc = check_resolved(r, &fo, v.o, ooff))) goto done;
  if (v.n_w != n_w) {
    rc = snn__rd_err(r, SNN_E_INTERNAL, ooff, "weight count %zu, expected %zu", v.n_w, n_w);
    goto done;
  }
  if (enc) memcpy(v.enc->rng.s, enc->rng.s, sizeof enc->rng.s); /* clone may reseed */
  *v.lr = lr;
  *v.epoch = (uint32_t)epoch;
  size_t soff = r->pos;
  if ((rc = snn__rd_need(r, n_hid, "signs"))) goto done;
  for (size_t h = 0; h < n_hid; h++) {
    unsigned inh = r->buf[r->pos + h];
    if (inh > 1 || (inh == 1) != (v.sign[h] < 0)) {
      rc = snn__rd_err(r, SNN_E_FORMAT, soff + h,
                       "hidden neuron %zu is marked %s (byte %u), but inhibitory_fraction %g "
                       "makes it %s",
                       h, inh == 1 ? "inhibitory" : inh == 0 ? "excitatory" : "invalid", inh,
                       v.o->inhibitory_fraction, v.sign[h] < 0 ? "inhibitory" : "excitatory");
      goto done;
    }
  }
  r->pos += n_hid;
  uint64_t cnt;
  size_t coff = r->pos;
  if ((rc = snn__rd_u64(r, &cnt, "weight count"))) goto done;
  if (cnt != (uint64_t)n_w) {
    rc = snn__rd_err(r, SNN_E_FORMAT, coff, "%llu weights (the shape needs %zu)",
                     (unsigned long long)cnt, n_w);
    goto done;
  }
  if ((rc = snn__rd_f64s(r, v.w, n_w, 1, "weight"))) goto done;
  if ((rc = snn__rd_f64s(r, v.vel, n_vel, 1, "momentum value"))) goto done;
  size_t roff = r->pos;
  if ((rc = snn__rd_f64s(r, v.rstep, n_rp, 1, "RProp step"))) goto done;
  for (size_t i = 0; i < n_rp; i++)
    if (v.rstep[i] < 0) { /* 0: not started (uses the learning rate) */
      rc = snn__rd_err(r, SNN_E_FORMAT, roff + 8 * i, "RProp step %zu is negative (%g)", i,
                       v.rstep[i]);
      goto done;
    }
  if ((rc = snn__rd_f64s(r, v.gprev, n_rp, 1, "RProp gradient"))) goto done;
  if (r->pos != r->end) {
    rc = snn__rd_err(r, SNN_E_FORMAT, r->pos, "%zu unexpected bytes at the end of the section",
                     r->end - r->pos);
    goto done;
  }
  *out = l;
  l = NULL;
done:
  snn_learner_free(l);
  snn_neuron_model_free(m);
  snn_encoder_free(enc);
  return rc;
}

/* The SPRG payload: the input ranges, checked by the public setter. */
static int read_sprg(snn__rd *r, snn_learner *l) {
  size_t nf = 0, n = 0, off = r->pos;
  int rc = snn_learner_spikeprop_n_features(&nf, l);
  if (rc != SNN_OK) return snn__rd_apply_err(r, rc, off, "feature count");
  if (nf == 0)
    return snn__rd_err(r, SNN_E_FORMAT, off, "input ranges for a learner without features");
  if ((rc = rd_count(r, &n, nf, nf, "number of input ranges"))) return rc;
  float *lo = snn__calloc(n, sizeof *lo), *hi = snn__calloc(n, sizeof *hi);
  if (!lo || !hi) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory for %zu input ranges", r->fn, n);
  } else if ((rc = snn__rd_f32s(r, lo, n, "input range minimum")) == SNN_OK &&
             (rc = snn__rd_f32s(r, hi, n, "input range maximum")) == SNN_OK) {
    if (r->pos != r->end)
      rc = snn__rd_err(r, SNN_E_FORMAT, r->pos, "%zu unexpected bytes at the end of the section",
                       r->end - r->pos);
    else if ((rc = snn_learner_spikeprop_set_input_ranges(l, lo, hi, n)) != SNN_OK)
      rc = snn__rd_apply_err(r, rc, off, "input ranges");
  }
  snn__free(lo);
  snn__free(hi);
  return rc;
}

/* visitor of snn__model_walk(): SPKP first, then SPRG (optional), then END
 * (unknown optional sections skipped) */
static int visit_spkp(void *ctx, snn__rd *r, const unsigned char *h, size_t pos, int *is_end) {
  snn_learner **l = ctx;
  if (memcmp(h, tag_spkp, 4) == 0) {
    if (pos != SNN__MODEL_HEADER_SIZE)
      return snn__rd_err(r, SNN_E_FORMAT, pos, "SPKP must be the first section, once");
    return read_spkp(r, l);
  }
  if (memcmp(h, tag_sprg, 4) == 0) {
    size_t n = 0;
    if (*l == NULL) /* a file whose first section is SPRG */
      return snn__rd_err(r, SNN_E_FORMAT, pos, "SPRG before SPKP");
    if (snn_learner_spikeprop_input_ranges(&n, NULL, NULL, 0, *l) == SNN_OK && n > 0)
      return snn__rd_err(r, SNN_E_FORMAT, pos, "SPRG appears twice");
    return read_sprg(r, *l);
  }
  if (memcmp(h, tag_end, 4) == 0) {
    *is_end = 1;
    if (r->pos != r->end) return snn__rd_err(r, SNN_E_FORMAT, r->pos, "END section must be empty");
    return SNN_OK;
  }
  if (memcmp(h, "NETW", 4) == 0 || memcmp(h, "ENCO", 4) == 0 || memcmp(h, "LAYR", 4) == 0 ||
      memcmp(h, "WGHT", 4) == 0)
    return snn__rd_err(r, SNN_E_FORMAT, pos, "a SpikeProp learner file holds no network section");
  return SNN__SECTION_UNKNOWN;
}

int snn__spikeprop_load(snn_learner **out, const unsigned char *buf, size_t size, const char *fn) {
  snn__rd r;
  memset(&r, 0, sizeof r);
  r.fn = fn;
  snn_learner *l = NULL;
  int rc = snn__model_walk(&r, buf, size, visit_spkp, &l);
  if (rc == SNN_OK && l == NULL) /* cannot happen: dispatch saw SPKP first */
    rc = snn__rd_err(&r, SNN_E_NOTFOUND, SNN__MODEL_HEADER_SIZE, "no SPKP section");
  if (rc != SNN_OK) {
    snn_learner_free(l);
    return rc;
  }
  *out = l;
  return SNN_OK;
}

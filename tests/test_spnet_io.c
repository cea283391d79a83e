/* Model files of event-driven sparse networks (src/sim/spnet_io.c): save,
 * load and continue bitwise-identically (memory and file), corruption and
 * truncation, unknown sections and versions, network files vs spnet files,
 * atomic save under injected write errors, custom models and NaN state
 * refused on save, OOM along the save and load paths. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/sim.h"
#include "../net/serialize.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------ */

static char *tmp_path(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", snn_test_tmpdir(), name);
  return buf[k];
}

static unsigned char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
  ck_assert_ptr_nonnull(b);
  ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *size = (size_t)n;
  return b;
}

static unsigned char *save_bytes(const snn_spnet *net, size_t *size) {
  ck_assert_snn_err(snn_spnet_save_mem(size, net, NULL, 0), SNN_E_RANGE);
  ck_assert_uint_gt(*size, 16);
  unsigned char *b = malloc(*size);
  ck_assert_ptr_nonnull(b);
  size_t n2 = 0;
  ck_assert_snn_ok(snn_spnet_save_mem(&n2, net, b, *size));
  ck_assert_uint_eq(n2, *size);
  return b;
}

static void add_pop(snn_spnet *net, const char *kind, size_t n) {
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create(&m, kind));
  ck_assert_snn_ok(snn_spnet_add_population(NULL, net, m, n));
  snn_neuron_model_free(m);
}

static void conn(snn_spnet *net, size_t a, size_t b, int rec, int rule, double p, uint32_t k,
                 double w, double wsd, double delay) {
  snn_spnet_connect_options c = SNN_SPNET_CONNECT_OPTIONS_INIT;
  c.rule = rule;
  c.receptor = rec;
  c.p = p;
  c.in_degree = k;
  c.weight = w;
  c.weight_sd = wsd;
  c.delay = delay;
  ck_assert_snn_ok(snn_spnet_connect(NULL, net, a, b, &c));
}

/* CUBA-like: excitatory and inhibitory lif populations (current-based,
 * recurrent, delays), a conductance-based lif population (exponential and
 * Euler kernels), and an izhikevich population (generic kernel). */
static snn_spnet *cuba_net(uint64_t seed, size_t scale) {
  snn_spnet *net = NULL;
  snn_spnet_options o = SNN_SPNET_OPTIONS_INIT;
  o.seed = seed;
  ck_assert_snn_ok(snn_spnet_create(&net, &o));
  add_pop(net, "lif", 80 * scale);  /* 0: E */
  add_pop(net, "lif", 20 * scale);  /* 1: I */
  add_pop(net, "lif", 10 * scale);  /* 2: COBA */
  add_pop(net, "izhikevich", 10 * scale); /* 3: generic */
  ck_assert_snn_ok(snn_spnet_population_set(net, 2, "synapse", 1));
  ck_assert_snn_ok(snn_spnet_population_set(net, 2, "euler", 1));
  ck_assert_snn_ok(snn_spnet_population_set(net, 0, "I_e", 380));
  ck_assert_snn_ok(snn_spnet_population_set(net, 1, "I_e", 390));
  ck_assert_snn_ok(snn_spnet_population_set(net, 1, "tau_exc", 3));
  ck_assert_snn_ok(snn_spnet_population_set(net, 2, "I_e", 420));
  ck_assert_snn_ok(snn_spnet_population_set(net, 3, "I_e", 9));
  ck_assert_snn_ok(snn_spnet_population_set(net, 3, "record", 0));
  conn(net, 0, 0, SNN_SPNET_EXC, SNN_SPNET_FIXED_PROB, 0.1, 0, 60, 0, 0.8);
  conn(net, 0, 1, SNN_SPNET_EXC, SNN_SPNET_FIXED_PROB, 0.1, 0, 60, 20, 1.0);
  conn(net, 1, 0, SNN_SPNET_INH, SNN_SPNET_FIXED_INDEGREE, 0, 4, -200, 0, 1.5);
  conn(net, 1, 1, SNN_SPNET_INH, SNN_SPNET_FIXED_PROB, 0.2, 0, -150, 30, 0.3);
  conn(net, 0, 2, SNN_SPNET_EXC, SNN_SPNET_FIXED_PROB, 0.2, 0, 2, 1, 2.0);
  conn(net, 1, 2, SNN_SPNET_INH, SNN_SPNET_FIXED_PROB, 0.2, 0, 3, 0, 0.0);
  conn(net, 0, 3, SNN_SPNET_EXC, SNN_SPNET_FIXED_INDEGREE, 0, 3, 2, 0.5, 1.2);
  ck_assert_snn_ok(snn_spnet_state_uniform(net, 0, "V", -70, -55));
  ck_assert_snn_ok(snn_spnet_state_uniform(net, 1, "V", -70, -55));
  ck_assert_snn_ok(snn_spnet_state_uniform(net, 2, "V", -70, -56));
  return net;
}

/* Bitwise comparison of everything a simulation depends on. */
static void assert_same(const snn_spnet *a, const snn_spnet *b) {
  ck_assert_uint_eq(a->n_pops, b->n_pops);
  ck_assert_uint_eq(a->n_projs, b->n_projs);
  ck_assert_uint_eq(a->n_total, b->n_total);
  ck_assert_uint_eq(a->step, b->step);
  ck_assert_uint_eq(a->n_spikes, b->n_spikes);
  ck_assert_uint_eq(a->n_dropped, b->n_dropped);
  ck_assert_uint_eq(a->n_events, b->n_events);
  ck_assert_uint_eq(a->n_streams, b->n_streams);
  ck_assert(memcmp(&a->rng, &b->rng, sizeof a->rng) == 0);
  ck_assert(a->dt == b->dt);
  ck_assert_int_eq(a->prepared, b->prepared);
  for (size_t i = 0; i < a->n_pops; i++) {
    const snn__sp_pop *p = &a->pops[i], *q = &b->pops[i];
    ck_assert_uint_eq(p->n, q->n);
    ck_assert_int_eq(p->fast, q->fast);
    ck_assert_int_eq(p->cond, q->cond);
    ck_assert_int_eq(p->euler, q->euler);
    ck_assert_int_eq(p->record, q->record);
    ck_assert(p->tau_e == q->tau_e && p->tau_i == q->tau_i && p->E_e == q->E_e &&
              p->E_i == q->E_i && p->I_e == q->I_e);
    if (p->fast) {
      ck_assert_msg(memcmp(p->V, q->V, p->n * 4) == 0, "V of population %zu differs", i);
      ck_assert(memcmp(p->ref, q->ref, p->n * 4) == 0);
    } else {
      ck_assert_uint_eq(p->n_state, q->n_state);
      ck_assert_msg(memcmp(p->state, q->state, p->n * p->n_state * 4) == 0,
                    "state of population %zu differs", i);
    }
    ck_assert(memcmp(p->ge, q->ge, p->n * 4) == 0);
    ck_assert(memcmp(p->gi, q->gi, p->n * 4) == 0);
  }
  for (size_t i = 0; i < a->n_projs; i++) {
    const snn__sp_proj *p = &a->projs[i], *q = &b->projs[i];
    ck_assert(p->src == q->src && p->dst == q->dst && p->inh == q->inh && p->delay == q->delay);
    ck_assert_uint_eq(p->nnz, q->nnz);
    ck_assert(memcmp(p->row, q->row, (p->n_src + 1) * 8) == 0);
    ck_assert(memcmp(p->tgt, q->tgt, p->nnz * 4) == 0);
    ck_assert((p->w == NULL) == (q->w == NULL));
    if (p->w) ck_assert(memcmp(p->w, q->w, p->nnz * 4) == 0);
    ck_assert(memcmp(&p->w0, &q->w0, 4) == 0);
  }
  if (a->prepared) {
    ck_assert_uint_eq(a->n_slots, b->n_slots);
    size_t ring = (size_t)a->n_slots * a->n_total * 4;
    ck_assert(memcmp(a->buf_e, b->buf_e, ring) == 0);
    ck_assert(memcmp(a->buf_i, b->buf_i, ring) == 0);
  }
  /* recorded spikes: neurons and times, bitwise */
  size_t n = snn_spnet_spike_count(a);
  ck_assert_uint_eq(n, snn_spnet_spike_count(b));
  if (n) {
    uint32_t *na = malloc(n * 4), *nb = malloc(n * 4);
    double *ta = malloc(n * 8), *tb = malloc(n * 8);
    ck_assert_snn_ok(snn_spnet_spikes_get(na, ta, a, 0, n));
    ck_assert_snn_ok(snn_spnet_spikes_get(nb, tb, b, 0, n));
    ck_assert(memcmp(na, nb, n * 4) == 0);
    ck_assert(memcmp(ta, tb, n * 8) == 0);
    free(na);
    free(nb);
    free(ta);
    free(tb);
  }
}

/* ---- round trips ------------------------------------------------------------------- */

START_TEST(test_continue_identical_mem) {
  snn_spnet *a = cuba_net(11, 2);
  ck_assert_snn_ok(snn_spnet_run(a, 50));
  ck_assert_uint_gt(snn_spnet_spike_count(a), 100); /* the network is active */
  size_t size;
  unsigned char *buf = save_bytes(a, &size);
  snn_spnet *b = (snn_spnet *)&b;
  ck_assert_snn_ok(snn_spnet_load_mem(&b, buf, size));
  assert_same(a, b);
  /* the loaded network saves to the same bytes */
  size_t size2;
  unsigned char *buf2 = save_bytes(b, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(buf, buf2, size) == 0);
  size_t before = snn_spnet_spike_count(a);
  ck_assert_snn_ok(snn_spnet_run(a, 50));
  ck_assert_snn_ok(snn_spnet_run(b, 50));
  ck_assert_uint_gt(snn_spnet_spike_count(a), before + 100);
  assert_same(a, b);
  ck_assert(snn_spnet_time(a) == snn_spnet_time(b));
  /* randomness continues identically too */
  ck_assert_snn_ok(snn_spnet_state_uniform(a, 1, "V", -60, -50));
  ck_assert_snn_ok(snn_spnet_state_uniform(b, 1, "V", -60, -50));
  ck_assert_snn_ok(snn_spnet_run(a, 5));
  ck_assert_snn_ok(snn_spnet_run(b, 5));
  assert_same(a, b);
  free(buf);
  free(buf2);
  snn_spnet_free(a);
  snn_spnet_free(b);
}
END_TEST

START_TEST(test_continue_identical_file) {
  snn_spnet *a = cuba_net(5, 1);
  ck_assert_snn_ok(snn_spnet_run(a, 50));
  const char *path = tmp_path("cuba.spnet");
  ck_assert_snn_ok(snn_spnet_save(a, path));
  snn_spnet *b = NULL;
  ck_assert_snn_ok(snn_spnet_load(&b, path));
  assert_same(a, b);
  /* file and memory bytes are the same */
  size_t fs, ms;
  unsigned char *f = read_all(path, &fs), *m = save_bytes(a, &ms);
  ck_assert_uint_eq(fs, ms);
  ck_assert(memcmp(f, m, fs) == 0);
  ck_assert_snn_ok(snn_spnet_run(a, 50));
  ck_assert_snn_ok(snn_spnet_run(b, 50));
  assert_same(a, b);
  free(f);
  free(m);
  unlink(path);
  snn_spnet_free(a);
  snn_spnet_free(b);
}
END_TEST

/* before any run (no delay ring yet), after a reset, with a cleared recorder */
START_TEST(test_roundtrip_states) {
  for (int mode = 0; mode < 3; mode++) {
    snn_spnet *a = cuba_net(3, 1);
    if (mode >= 1) ck_assert_snn_ok(snn_spnet_run(a, 10));
    if (mode == 1) ck_assert_snn_ok(snn_spnet_reset(a));
    if (mode == 2) ck_assert_snn_ok(snn_spnet_spikes_clear(a));
    size_t size;
    unsigned char *buf = save_bytes(a, &size);
    snn_spnet *b = NULL;
    ck_assert_snn_ok(snn_spnet_load_mem(&b, buf, size));
    assert_same(a, b);
    if (mode == 0) { /* not run yet: still open to new populations and projections */
      add_pop(a, "lif", 5);
      add_pop(b, "lif", 5);
      conn(a, 4, 0, SNN_SPNET_EXC, SNN_SPNET_FIXED_PROB, 0.5, 0, 10, 0, 0.5);
      conn(b, 4, 0, SNN_SPNET_EXC, SNN_SPNET_FIXED_PROB, 0.5, 0, 10, 0, 0.5);
    }
    ck_assert_snn_ok(snn_spnet_run(a, 20));
    ck_assert_snn_ok(snn_spnet_run(b, 20));
    assert_same(a, b);
    free(buf);
    snn_spnet_free(a);
    snn_spnet_free(b);
  }
}
END_TEST

/* a network without populations is a valid (if useless) file */
START_TEST(test_roundtrip_empty) {
  snn_spnet *a = NULL, *b = NULL;
  snn_spnet_options o = SNN_SPNET_OPTIONS_INIT;
  o.dt = 0.25;
  o.seed = 77;
  o.record_limit = 10;
  o.n_threads = 2;
  ck_assert_snn_ok(snn_spnet_create(&a, &o));
  size_t size;
  unsigned char *buf = save_bytes(a, &size);
  ck_assert_snn_ok(snn_spnet_load_mem(&b, buf, size));
  assert_same(a, b);
  ck_assert_uint_eq(b->record_limit, 10);
  ck_assert_uint_eq(b->n_threads, 2);
  ck_assert_uint_eq(b->seed, 77);
  ck_assert_snn_err(snn_spnet_run(b, 1), SNN_E_STATE);
  add_pop(b, "lif", 2); /* still open */
  ck_assert_snn_ok(snn_spnet_run(b, 1));
  ck_assert(snn_spnet_time(b) == 1.0);
  free(buf);
  snn_spnet_free(a);
  snn_spnet_free(b);
}
END_TEST

START_TEST(test_save_mem_sizes) {
  snn_spnet *a = cuba_net(1, 1);
  size_t need = 0, got = 0;
  ck_assert_snn_err(snn_spnet_save_mem(&need, a, NULL, 0), SNN_E_RANGE);
  ck_assert_uint_gt(need, 16);
  unsigned char *b = malloc(need + 8);
  memset(b, 0xA5, need + 8);
  ck_assert_snn_err(snn_spnet_save_mem(&got, a, b, need - 1), SNN_E_RANGE);
  ck_assert_uint_eq(got, need);
  ck_assert_uint_eq(b[0], 0xA5); /* nothing written */
  ck_assert_snn_ok(snn_spnet_save_mem(&got, a, b, need + 8));
  ck_assert_uint_eq(got, need);
  ck_assert(memcmp(b, "SNNMODEL", 8) == 0);
  ck_assert_uint_eq(b[need], 0xA5);
  free(b);
  snn_spnet_free(a);
}
END_TEST

/* ---- small network for the corruption sweeps ------------------------------------- */

static snn_spnet *tiny_net(void) {
  snn_spnet *net = NULL;
  ck_assert_snn_ok(snn_spnet_create(&net, NULL));
  add_pop(net, "lif", 3);
  add_pop(net, "adex", 2);
  ck_assert_snn_ok(snn_spnet_population_set(net, 0, "I_e", 500));
  ck_assert_snn_ok(snn_spnet_population_set(net, 1, "synapse", 1));
  conn(net, 0, 0, SNN_SPNET_EXC, SNN_SPNET_FIXED_PROB, 1.0, 0, 5, 1, 0.2);
  conn(net, 0, 1, SNN_SPNET_INH, SNN_SPNET_FIXED_PROB, 1.0, 0, 1, 0, 0.3);
  ck_assert_snn_ok(snn_spnet_state_uniform(net, 0, "V", -56, -55));
  ck_assert_snn_ok(snn_spnet_run(net, 3));
  ck_assert_uint_gt(snn_spnet_spike_count(net), 0);
  return net;
}

static void expect_load_fails(const unsigned char *b, size_t n, const char *what, size_t at) {
  snn_spnet *out = (snn_spnet *)&out;
  snn_clear_error();
  int rc = snn_spnet_load_mem(&out, n ? b : (const void *)"", n);
  ck_assert_msg(rc != SNN_OK, "%s %zu: load succeeded", what, at);
  ck_assert_msg(rc == SNN_E_FORMAT || rc == SNN_E_VERSION || rc == SNN_E_NOTFOUND,
                "%s %zu: unexpected code %d (%s)", what, at, rc, snn_last_error());
  ck_assert_msg(snn_last_error()[0] != '\0', "%s %zu: empty message", what, at);
  ck_assert_ptr_null(out);
}

START_TEST(test_flip_every_byte) {
  snn_spnet *net = tiny_net();
  size_t size;
  unsigned char *b = save_bytes(net, &size);
  unsigned char *c = malloc(size);
  size_t step = snn_test_quick() ? 7 : 1;
  static const unsigned char masks[] = {0xFF, 0x01, 0x80};
  for (size_t i = 0; i < size; i += step)
    for (size_t k = 0; k < sizeof masks; k++) {
      memcpy(c, b, size);
      c[i] ^= masks[k];
      expect_load_fails(c, size, "flip at", i);
    }
  free(c);
  free(b);
  snn_spnet_free(net);
}
END_TEST

START_TEST(test_truncate_every_length) {
  snn_spnet *net = tiny_net();
  size_t size;
  unsigned char *b = save_bytes(net, &size);
  size_t step = snn_test_quick() ? 7 : 1;
  for (size_t n = 0; n < size; n += step) {
    unsigned char *c = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    memcpy(c, b, n);
    expect_load_fails(c, n, "truncated to", n);
    free(c);
  }
  unsigned char *c = malloc(size + 1);
  memcpy(c, b, size);
  c[size] = 0;
  expect_load_fails(c, size + 1, "extra byte", size);
  free(c);
  free(b);
  snn_spnet_free(net);
}
END_TEST

typedef struct sect {
  size_t off, len;
  char tag[5];
} sect;

static size_t walk(const unsigned char *b, size_t size, sect *out, size_t cap) {
  size_t pos = 16, n = 0;
  while (pos + 16 <= size && n < cap) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = (len << 8) | b[pos + 8 + i];
    out[n].off = pos;
    out[n].len = (size_t)len;
    memcpy(out[n].tag, b + pos, 4);
    out[n].tag[4] = 0;
    n++;
    pos += 16 + (size_t)len + 4;
  }
  return n;
}

static void fix_crc(unsigned char *b, const sect *s) {
  uint32_t crc = snn__crc32(0, b + s->off, 16 + s->len);
  for (int i = 0; i < 4; i++) b[s->off + 16 + s->len + i] = (unsigned char)(crc >> (8 * i));
}

/* Payload flips with the CRC repaired reach the parsers: loading may succeed
 * (a changed weight is still a valid network) but must be clean either way,
 * and a network that loads must run and save. */
START_TEST(test_flip_behind_crc) {
  snn_spnet *net = tiny_net();
  size_t size;
  unsigned char *b = save_bytes(net, &size);
  unsigned char *c = malloc(size);
  sect s[32];
  size_t ns = walk(b, size, s, 32);
  ck_assert_uint_eq(ns, 1 + 2 + 2 + 1 + 1 + 1); /* SPNT, 2 SPOP, 2 SPRJ, SPRB, SREC, END */
  ck_assert_str_eq(s[0].tag, "SPNT");
  ck_assert_str_eq(s[ns - 1].tag, "END ");
  size_t step = snn_test_quick() ? 5 : 1;
  int failures = 0, loads = 0;
  for (size_t k = 0; k < ns; k++)
    for (size_t i = s[k].off + 4; i < s[k].off + 16 + s[k].len; i += step) {
      static const unsigned char masks[] = {0xFF, 0x01, 0x40};
      for (size_t j = 0; j < sizeof masks; j++) {
        memcpy(c, b, size);
        c[i] ^= masks[j];
        if (i >= s[k].off + 8 && i < s[k].off + 16) continue; /* length: framing, tested above */
        fix_crc(c, &s[k]);
        snn_spnet *out = (snn_spnet *)&out;
        snn_clear_error();
        int rc = snn_spnet_load_mem(&out, c, size);
        if (rc == SNN_OK) {
          loads++;
          int r2 = snn_spnet_run(out, 1);
          ck_assert_msg(r2 == SNN_OK || r2 == SNN_E_NUMERIC, "run after flip at %zu: %d", i, r2);
          size_t n2;
          snn_spnet_save_mem(&n2, out, NULL, 0);
          snn_spnet_free(out);
        } else {
          failures++;
          ck_assert_msg(rc == SNN_E_FORMAT || rc == SNN_E_VERSION || rc == SNN_E_NOTFOUND,
                        "flip at %zu: code %d (%s)", i, rc, snn_last_error());
          ck_assert_ptr_null(out);
          ck_assert(snn_last_error()[0] != '\0');
        }
      }
    }
  ck_assert_int_gt(failures, 0);
  ck_assert_int_gt(loads, 0);
  free(c);
  free(b);
  snn_spnet_free(net);
}
END_TEST

static unsigned char *insert_section(const unsigned char *b, size_t size, size_t at,
                                     const char tag[4], uint32_t flags, const void *payload,
                                     size_t len, size_t *new_size) {
  *new_size = size + 16 + len + 4;
  unsigned char *c = malloc(*new_size);
  memcpy(c, b, at);
  unsigned char *h = c + at;
  memcpy(h, tag, 4);
  for (int i = 0; i < 4; i++) h[4 + i] = (unsigned char)(flags >> (8 * i));
  for (int i = 0; i < 8; i++) h[8 + i] = (unsigned char)((uint64_t)len >> (8 * i));
  memcpy(h + 16, payload, len);
  uint32_t crc = snn__crc32(0, h, 16 + len);
  for (int i = 0; i < 4; i++) h[16 + len + i] = (unsigned char)(crc >> (8 * i));
  memcpy(c + at + 16 + len + 4, b + at, size - at);
  return c;
}

START_TEST(test_sections_and_versions) {
  snn_spnet *net = tiny_net();
  size_t size, n2;
  unsigned char *b = save_bytes(net, &size);
  sect s[32];
  size_t ns = walk(b, size, s, 32);
  static const char payload[] = "future data";
  /* optional unknown sections are skipped anywhere after SPNT */
  for (size_t k = 1; k < ns; k++) {
    unsigned char *c = insert_section(b, size, s[k].off, "XTRA", 0, payload, sizeof payload, &n2);
    snn_spnet *out = NULL;
    ck_assert_snn_ok(snn_spnet_load_mem(&out, c, n2));
    assert_same(net, out);
    snn_spnet_free(out);
    free(c);
  }
  /* required ones are refused */
  unsigned char *c = insert_section(b, size, s[2].off, "XTRA", SNN__SECTION_REQUIRED, payload,
                                    sizeof payload, &n2);
  snn_spnet *out = (snn_spnet *)&out;
  ck_assert_snn_err(snn_spnet_load_mem(&out, c, n2), SNN_E_VERSION);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "XTRA"));
  ck_assert_ptr_null(out);
  free(c);
  /* before SPNT */
  c = insert_section(b, size, 16, "XTRA", 0, payload, sizeof payload, &n2);
  ck_assert_snn_err(snn_spnet_load_mem(&out, c, n2), SNN_E_FORMAT);
  free(c);
  /* a section of ours out of order (second SPRJ moved before the first SPOP... by
   * duplicating the recorder section before END) */
  c = insert_section(b, size, s[ns - 1].off, "SREC", SNN__SECTION_REQUIRED, b + s[ns - 2].off + 16,
                     s[ns - 2].len, &n2);
  ck_assert_snn_err(snn_spnet_load_mem(&out, c, n2), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "SREC"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "END"));
  free(c);
  /* a section missing: SPRB dropped */
  c = malloc(size);
  size_t cut = s[ns - 3].off, cl = 16 + s[ns - 3].len + 4;
  ck_assert_str_eq(s[ns - 3].tag, "SPRB");
  memcpy(c, b, cut);
  memcpy(c + cut, b + cut + cl, size - cut - cl);
  ck_assert_snn_err(snn_spnet_load_mem(&out, c, size - cl), SNN_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "SPRB"));
  free(c);
  /* newer format version, unknown flags */
  c = malloc(size);
  memcpy(c, b, size);
  c[8] = 2;
  ck_assert_snn_err(snn_spnet_load_mem(&out, c, size), SNN_E_VERSION);
  c[8] = 1;
  c[12] = 1;
  ck_assert_snn_err(snn_spnet_load_mem(&out, c, size), SNN_E_VERSION);
  free(c);
  free(b);
  snn_spnet_free(net);
}
END_TEST

/* network files and spnet files are told apart cleanly */
START_TEST(test_cross_kinds) {
  snn_spnet *sp = tiny_net();
  size_t ss;
  unsigned char *sb = save_bytes(sp, &ss);
  snn_network *n = (snn_network *)&n;
  ck_assert_snn_err(snn_network_load_mem(&n, sb, ss), SNN_E_FORMAT);
  ck_assert_ptr_null(n);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "snn_spnet_load"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "SPNT"));
  const char *path = tmp_path("x.spnet");
  ck_assert_snn_ok(snn_spnet_save(sp, path));
  n = (snn_network *)&n;
  ck_assert_snn_err(snn_network_load(&n, path), SNN_E_FORMAT);
  ck_assert_ptr_null(n);
  snn_learner *lrn = NULL;
  snn_network *ln = NULL;
  ck_assert_snn_err(snn_learner_load_mem(&lrn, &ln, sb, ss, NULL), SNN_E_FORMAT);
  ck_assert_ptr_null(lrn);
  ck_assert_ptr_null(ln);

  snn_network *net = NULL;
  snn_neuron_model *m = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 4));
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 4, 3, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  size_t ns;
  ck_assert_snn_err(snn_network_save_mem(&ns, net, NULL, 0), SNN_E_RANGE);
  unsigned char *nb = malloc(ns);
  ck_assert_snn_ok(snn_network_save_mem(&ns, net, nb, ns));
  snn_spnet *o = (snn_spnet *)&o;
  ck_assert_snn_err(snn_spnet_load_mem(&o, nb, ns), SNN_E_FORMAT);
  ck_assert_ptr_null(o);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "snn_network_load"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "NETW"));
  ck_assert_snn_ok(snn_network_save(net, path));
  o = (snn_spnet *)&o;
  ck_assert_snn_err(snn_spnet_load(&o, path), SNN_E_FORMAT);
  ck_assert_ptr_null(o);
  unlink(path);
  free(nb);
  free(sb);
  snn_network_free(net);
  snn_neuron_model_free(m);
  snn_spnet_free(sp);
}
END_TEST

/* ---- save failures ----------------------------------------------------------------- */

static int count_temp_files(void) {
  DIR *d = opendir(snn_test_tmpdir());
  ck_assert_ptr_nonnull(d);
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strstr(de->d_name, ".tmp-")) n++;
  closedir(d);
  return n;
}

START_TEST(test_failed_save_keeps_old_file) {
  snn_spnet *a = tiny_net(), *b = cuba_net(2, 1);
  ck_assert_snn_ok(snn_spnet_run(b, 5));
  const char *path = tmp_path("atomic.spnet");
  ck_assert_snn_ok(snn_spnet_save(a, path));
  size_t old_size, new_size;
  unsigned char *old = read_all(path, &old_size);
  unsigned char *newb = save_bytes(b, &new_size);
  long points[] = {0, 1, 15, 16, 100, (long)new_size / 2, (long)new_size - 4, (long)new_size - 1};
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
    snn__io_fail_after(points[i]);
    ck_assert_snn_err(snn_spnet_save(b, path), SNN_E_IO);
    snn__io_fail_after(-1);
    ck_assert_ptr_nonnull(strstr(snn_last_error(), "atomic.spnet"));
    size_t now_size;
    unsigned char *now = read_all(path, &now_size);
    ck_assert_ptr_nonnull(now);
    ck_assert_uint_eq(now_size, old_size);
    ck_assert_msg(memcmp(now, old, old_size) == 0, "old file changed (fail after %ld)", points[i]);
    free(now);
    ck_assert_int_eq(count_temp_files(), 0);
  }
  snn__io_fail_after((long)new_size);
  ck_assert_snn_ok(snn_spnet_save(b, path));
  snn__io_fail_after(-1);
  size_t now_size;
  unsigned char *now = read_all(path, &now_size);
  ck_assert_uint_eq(now_size, new_size);
  ck_assert(memcmp(now, newb, new_size) == 0);
  free(now);
  free(old);
  free(newb);
  unlink(path);
  snn_spnet_free(a);
  snn_spnet_free(b);
}
END_TEST

static int cm_init(void *user, const double *params, float *state, size_t n) {
  (void)user;
  (void)params;
  for (size_t i = 0; i < n; i++) state[i] = 0.0f;
  return SNN_OK;
}

static int cm_step(void *user, const double *params, float *state, const float *i_in,
                   uint8_t *spikes, size_t n, double dt) {
  (void)user;
  (void)dt;
  for (size_t i = 0; i < n; i++) {
    state[i] += i_in ? i_in[i] : 0.0f;
    spikes[i] = state[i] > (float)params[0];
    if (spikes[i]) state[i] = 0.0f;
  }
  return SNN_OK;
}

START_TEST(test_unsavable) {
  /* custom neuron models: refused, naming the population and kind */
  static const snn_param_def defs[] = {{"theta", 1.0, 0.0, 10.0, "", "threshold"}};
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = "my_counter";
  ops.n_state = 1;
  ops.n_params = 1;
  ops.params = defs;
  ops.init = cm_init;
  ops.step = cm_step;
  snn_neuron_model *m = NULL;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&m, &ops, NULL));
  snn_spnet *net = NULL;
  ck_assert_snn_ok(snn_spnet_create(&net, NULL));
  add_pop(net, "lif", 2);
  ck_assert_snn_ok(snn_spnet_add_population(NULL, net, m, 3));
  size_t n;
  ck_assert_snn_err(snn_spnet_save_mem(&n, net, NULL, 0), SNN_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "population 1"));
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "my_counter"));
  const char *path = tmp_path("custom.spnet");
  ck_assert_snn_err(snn_spnet_save(net, path), SNN_E_UNSUPPORTED);
  ck_assert_int_eq(access(path, F_OK), -1);
  snn_spnet_free(net);
  snn_neuron_model_free(m);
  /* non-finite state (as left by a diverged run): refused */
  net = tiny_net();
  net->pops[1].gi[1] = NAN;
  ck_assert_snn_err(snn_spnet_save_mem(&n, net, NULL, 0), SNN_E_NUMERIC);
  ck_assert_ptr_nonnull(strstr(snn_last_error(), "population 1"));
  net->pops[1].gi[1] = 0.0f;
  net->buf_e[2] = INFINITY;
  ck_assert_snn_err(snn_spnet_save_mem(&n, net, NULL, 0), SNN_E_NUMERIC);
  snn_spnet_free(net);
}
END_TEST

START_TEST(test_bad_args) {
  snn_spnet *net = tiny_net();
  size_t n;
  unsigned char small[8];
  snn_spnet *o = (snn_spnet *)&o;
  ck_assert_snn_err(snn_spnet_save(NULL, "x"), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_save(net, NULL), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_save(net, ""), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_save(net, "/nonexistent/dir/x.spnet"), SNN_E_IO);
  ck_assert_snn_err(snn_spnet_save_mem(NULL, net, NULL, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_save_mem(&n, NULL, NULL, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_save_mem(&n, net, small, sizeof small), SNN_E_RANGE);
  ck_assert_snn_err(snn_spnet_load(NULL, "x"), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_load(&o, NULL), SNN_E_INVALID);
  ck_assert_ptr_null(o);
  o = (snn_spnet *)&o;
  ck_assert_snn_err(snn_spnet_load(&o, ""), SNN_E_INVALID);
  ck_assert_ptr_null(o);
  o = (snn_spnet *)&o;
  ck_assert_snn_err(snn_spnet_load(&o, "/nonexistent/dir/x.spnet"), SNN_E_IO);
  ck_assert_ptr_null(o);
  ck_assert_snn_err(snn_spnet_load(&o, snn_test_tmpdir()), SNN_E_IO); /* a directory */
  ck_assert_snn_err(snn_spnet_load_mem(NULL, small, sizeof small), SNN_E_INVALID);
  ck_assert_snn_err(snn_spnet_load_mem(&o, NULL, 16), SNN_E_INVALID);
  memset(small, 'x', sizeof small);
  ck_assert_snn_err(snn_spnet_load_mem(&o, small, sizeof small), SNN_E_FORMAT);
  ck_assert_snn_err(snn_spnet_load_mem(&o, small, 0), SNN_E_FORMAT);
  snn_spnet_free(net);
}
END_TEST

/* ---- OOM along the save and load paths --------------------------------------------- */

static int oom_step(int what, const snn_spnet *net, const unsigned char *buf, size_t size,
                    const char *path) {
  size_t n = 0;
  snn_spnet *o = NULL;
  int rc;
  switch (what) {
  case 0: { /* save_mem: size, then bytes */
    rc = snn_spnet_save_mem(&n, net, NULL, 0);
    if (rc != SNN_E_RANGE) return rc;
    unsigned char *b = malloc(n);
    rc = snn_spnet_save_mem(&n, net, b, n);
    if (rc == SNN_OK) ck_assert(n == size && memcmp(b, buf, n) == 0);
    free(b);
    return rc;
  }
  case 1: rc = snn_spnet_save(net, path); return rc;
  case 2: rc = snn_spnet_load_mem(&o, buf, size); break;
  default: rc = snn_spnet_load(&o, path); break;
  }
  if (rc == SNN_OK) {
    ck_assert_ptr_nonnull(o);
    assert_same(net, o);
  } else {
    ck_assert_ptr_null(o);
  }
  snn_spnet_free(o);
  return rc;
}

START_TEST(test_oom) {
  snn_spnet *net = tiny_net();
  size_t size;
  unsigned char *buf = save_bytes(net, &size);
  const char *path = tmp_path("oom.spnet");
  ck_assert_snn_ok(snn_spnet_save(net, path));
  for (int what = 0; what < 4; what++) {
    long n;
    for (n = 1; n < 500; n++) {
      snn_test_oom_install(n);
      long live0 = snn_test_oom_live();
      int rc = oom_step(what, net, buf, size, path);
      long live1 = snn_test_oom_live();
      snn_test_oom_uninstall();
      ck_assert_msg(live1 == live0, "path %d, failing allocation %ld: %ld blocks leaked", what, n,
                    live1 - live0);
      if (rc == SNN_OK) break;
      ck_assert_msg(rc == SNN_E_NOMEM, "path %d, failing allocation %ld: code %d (%s)", what, n,
                    rc, snn_last_error());
      ck_assert(snn_last_error()[0] != '\0');
    }
    ck_assert_int_gt(n, 1); /* the path allocates */
    ck_assert_int_lt(n, 500);
  }
  /* the file is intact after all failed saves */
  size_t fs;
  unsigned char *f = read_all(path, &fs);
  ck_assert_uint_eq(fs, size);
  ck_assert(memcmp(f, buf, size) == 0);
  ck_assert_int_eq(count_temp_files(), 0);
  free(f);
  unlink(path);
  free(buf);
  snn_spnet_free(net);
}
END_TEST

Suite *suite_spnet_io(void) {
  Suite *s = suite_create("spnet_io");
  TCase *tc = tcase_create("roundtrip");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_continue_identical_mem);
  tcase_add_test(tc, test_continue_identical_file);
  tcase_add_test(tc, test_roundtrip_states);
  tcase_add_test(tc, test_roundtrip_empty);
  tcase_add_test(tc, test_save_mem_sizes);
  suite_add_tcase(s, tc);
  tc = tcase_create("corrupt");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_flip_every_byte);
  tcase_add_test(tc, test_truncate_every_length);
  tcase_add_test(tc, test_flip_behind_crc);
  tcase_add_test(tc, test_sections_and_versions);
  tcase_add_test(tc, test_cross_kinds);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_failed_save_keeps_old_file);
  tcase_add_test(tc, test_unsavable);
  tcase_add_test(tc, test_bad_args);
  tcase_add_test(tc, test_oom);
  suite_add_tcase(s, tc);
  return s;
}

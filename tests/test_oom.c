/* Out-of-memory sweeps through the create, load and TRAIN paths (issue #7).
 *
 * For every N, the Nth allocation made by one call fails (mode "once": only
 * that one; mode "sticky": that one and every later one). The call must then
 * return SNN_E_NOMEM with a message, or succeed when the failed allocation was
 * optional; afterwards the objects it was given must still work (the same call
 * succeeds once memory is back) and everything must free without a leak: the
 * allocator counts live blocks, and ASan/valgrind runs of this suite see the
 * rest. The sweep ends at the first N the call gets through without reaching.
 *
 * Every object is created under the counting allocator (with failures
 * disarmed), so blocks allocated lazily inside a call and freed later are
 * counted on both sides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* ---- counting allocator -------------------------------------------------------- */

static long a_count, a_fail_at, a_live, a_failed;
static int a_sticky;

static void *a_malloc(void *user, size_t size) {
  (void)user;
  a_count++;
  if (a_fail_at > 0 && (a_count == a_fail_at || (a_sticky && a_count > a_fail_at))) {
    a_failed++;
    return NULL;
  }
  void *p = malloc(size);
  if (p) a_live++;
  return p;
}

static void a_free(void *user, void *p) {
  (void)user;
  if (p) {
    a_live--;
    free(p);
  }
}

static void oom_begin(void) {
  snn_allocator a = {sizeof a, a_malloc, a_free, NULL};
  a_count = a_fail_at = a_live = a_failed = 0;
  ck_assert_int_eq(snn_set_allocator(&a), SNN_OK);
}

static void oom_arm(long n, int sticky) {
  a_fail_at = a_count + n;
  a_sticky = sticky;
  a_failed = 0;
}

static void oom_disarm(void) { a_fail_at = 0; }

static void oom_end(void) { snn_set_allocator(NULL); }

/* ---- the sweep ------------------------------------------------------------------- */

typedef struct ctx {
  snn_network *net;
  snn_learner *l;
  snn_dataset *d;
  float x[64];
  int32_t y[8];
  unsigned char *buf;
  size_t size;
  char path[512];
  snn_neuron_model *tmpl;
  snn_network *out_net;
  snn_learner *out_l;
} ctx;

typedef struct oom_case {
  const char *name;
  void (*setup)(ctx *c); /* creates the objects (no failures) */
  int (*op)(ctx *c);     /* the call under test */
  void (*undo)(ctx *c);  /* frees what a successful op returned (may be NULL) */
  int allocates;         /* 0: the call must make no allocation at all */
} oom_case;

static void teardown(ctx *c) {
  snn_learner_free(c->out_l);
  snn_network_free(c->out_net);
  snn_learner_free(c->l);
  snn_network_free(c->net);
  snn_dataset_free(c->d);
  snn_neuron_model_free(c->tmpl);
  free(c->buf);
  if (c->path[0]) unlink(c->path);
  memset(c, 0, sizeof *c);
}

/* Runs the sweep of one case in one mode; returns the number of N tried. */
static long sweep(const oom_case *k, int sticky) {
  long n;
  for (n = 1; n < 100000; n++) {
    ctx c;
    memset(&c, 0, sizeof c);
    oom_begin();
    k->setup(&c);
    oom_arm(n, sticky);
    snn_clear_error();
    int rc = k->op(&c);
    long failed = a_failed;
    oom_disarm();
    if (rc != SNN_OK) {
      ck_assert_msg(rc == SNN_E_NOMEM, "%s (%s, N=%ld): code %d (%s)", k->name,
                    sticky ? "sticky" : "once", n, rc, snn_last_error());
      ck_assert_msg(failed > 0, "%s: NOMEM without a failed allocation", k->name);
      ck_assert_msg(snn_last_error()[0] != '\0', "%s (N=%ld): empty message", k->name, n);
      /* the objects still work */
      rc = k->op(&c);
      ck_assert_msg(rc == SNN_OK, "%s (%s, N=%ld): call after NOMEM failed: %d (%s)", k->name,
                    sticky ? "sticky" : "once", n, rc, snn_last_error());
    }
    if (k->undo) k->undo(&c);
    teardown(&c);
    long live = a_live;
    oom_end();
    ck_assert_msg(live == 0, "%s (%s, N=%ld): %ld blocks leaked", k->name,
                  sticky ? "sticky" : "once", n, live);
    if (failed == 0) break; /* the call made fewer than N allocations: all covered */
  }
  ck_assert_msg(n < 100000, "%s: sweep did not end", k->name);
  return n;
}

/* ---- networks --------------------------------------------------------------------- */

static snn_network *bptt_net(void) {
  snn_network *net = NULL;
  snn_neuron_model *m = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 4));
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 4, 6, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 6, 2, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  ck_assert_snn_ok(snn_network_set(net, "steps", 4));
  ck_assert_snn_ok(snn_network_init_weights(net, 3));
  return net;
}

static void fill_xy(ctx *c, size_t n_in) {
  for (size_t i = 0; i < 4 * n_in; i++) c->x[i] = (float)((i * 7) % 10) / 10.0f;
  for (size_t k = 0; k < 4; k++) c->y[k] = (int32_t)(k % 2);
  ck_assert_snn_ok(snn_dataset_create(&c->d, c->x, c->y, 4, n_in));
}

static void setup_bptt(ctx *c) {
  c->net = bptt_net();
  snn_bptt_options o = SNN_BPTT_OPTIONS_INIT;
  o.batch_size = 2;
  ck_assert_snn_ok(snn_learner_create_bptt(&c->l, c->net, &o));
  fill_xy(c, 4);
}

static void setup_bptt_net_only(ctx *c) {
  c->net = bptt_net();
  fill_xy(c, 4);
}

static snn_network *stdp_net(void) {
  snn_network *net = NULL;
  snn_neuron_model *m = NULL;
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&net, 1, 1, 8));
  ck_assert_snn_ok(snn_neuron_model_create(&m, "lif"));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 8, 3, m));
  ck_assert_snn_ok(snn_network_add_layer(net, l));
  snn_neuron_model_free(m);
  return net;
}

static void setup_stdp(ctx *c) {
  c->net = stdp_net();
  snn_stdp_options o;
  ck_assert_snn_ok(snn_stdp_options_init(&o, sizeof o));
  o.t_present = 20;
  o.t_rest = 10;
  o.dt = 1;
  o.max_rate = 200;
  o.max_repeats = 2;
  ck_assert_snn_ok(snn_learner_create_stdp(&c->l, c->net, &o));
  fill_xy(c, 8);
}

static void setup_stdp_labelled(ctx *c) {
  setup_stdp(c);
  ck_assert_snn_ok(snn_learner_stdp_train(c->l, c->d, 0, NULL, NULL));
  ck_assert_snn_ok(snn_learner_stdp_label(c->l, c->d, 0, NULL, NULL));
}

static void setup_stdp_saved(ctx *c) {
  setup_stdp_labelled(c);
  ck_assert_int_eq(snn_learner_save_mem(&c->size, c->l, NULL, 0), SNN_E_RANGE);
  c->buf = malloc(c->size);
  ck_assert_snn_ok(snn_learner_save_mem(&c->size, c->l, c->buf, c->size));
  snprintf(c->path, sizeof c->path, "%s/oom-learner-%d.snn", snn_test_tmpdir(), (int)getpid());
  ck_assert_snn_ok(snn_learner_save(c->l, c->path));
}

/* SpikeProp learner files (no network; src/learn/spikeprop_io.c) */
static void setup_spikeprop_saved(ctx *c) {
  snn_encoder *enc = NULL;
  ck_assert_snn_ok(snn_encoder_create(&enc, "population"));
  ck_assert_snn_ok(snn_encoder_set(enc, "m", 4));
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.bias = 1;
  o.terminals = 4;
  o.inhibitory_fraction = 0.34;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&c->l, 2 * 4 + 1, 3, 2, NULL, enc, &o));
  snn_encoder_free(enc);
  ck_assert_int_eq(snn_learner_save_mem(&c->size, c->l, NULL, 0), SNN_E_RANGE);
  c->buf = malloc(c->size);
  ck_assert_snn_ok(snn_learner_save_mem(&c->size, c->l, c->buf, c->size));
  snprintf(c->path, sizeof c->path, "%s/oom-spikeprop-%d.snn", snn_test_tmpdir(), (int)getpid());
  ck_assert_snn_ok(snn_learner_save(c->l, c->path));
}

/* the same with RProp (its per-weight steps and previous gradients follow
 * the weights in the file), trained one epoch so that state is not trivial,
 * and the late-neuron rule on */
static void setup_spikeprop_rprop_saved(ctx *c) {
  snn_spikeprop_options o = SNN_SPIKEPROP_OPTIONS_INIT;
  o.terminals = 3;
  o.update = SNN_SPIKEPROP_RPROP;
  o.batch_size = 2;
  o.late_push = 1.0;
  ck_assert_snn_ok(snn_learner_create_spikeprop(&c->l, 2, 3, 2, NULL, NULL, &o));
  const float x[4] = {0.0f, 6.0f, 6.0f, 0.0f};
  const int32_t y[2] = {0, 1};
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, 2, 2));
  ck_assert_snn_ok(snn_learner_train_epoch(c->l, NULL, d, NULL, NULL));
  snn_dataset_free(d);
  ck_assert_int_eq(snn_learner_save_mem(&c->size, c->l, NULL, 0), SNN_E_RANGE);
  c->buf = malloc(c->size);
  ck_assert_snn_ok(snn_learner_save_mem(&c->size, c->l, c->buf, c->size));
  snprintf(c->path, sizeof c->path, "%s/oom-spikeprop-rprop-%d.snn", snn_test_tmpdir(),
           (int)getpid());
  ck_assert_snn_ok(snn_learner_save(c->l, c->path));
}

/* ---- operations --------------------------------------------------------------------- */

static int op_bptt_create(ctx *c) {
  snn_learner_free(c->out_l);
  c->out_l = NULL;
  return snn_learner_create_bptt(&c->out_l, c->net, NULL);
}
static int op_bptt_batch(ctx *c) {
  double loss;
  return snn_learner_train_batch(c->l, &loss, c->x, c->y, 4, 4);
}
static int op_bptt_epoch(ctx *c) {
  double loss;
  return snn_learner_train_epoch(c->l, &loss, c->d, NULL, NULL);
}
static int op_bptt_gradient(ctx *c) {
  float g[64];
  size_t n = snn_learner_n_params(c->l);
  ck_assert_uint_le(n, 64);
  return snn_learner_gradient(c->l, g, n, NULL, c->x, c->y, 4, 4);
}
static int op_predict(ctx *c) {
  int32_t lab[4];
  float sc[8];
  return snn_network_predict(c->net, lab, sc, c->x, 4, 4);
}
static int op_evaluate(ctx *c) {
  double acc;
  return snn_network_evaluate(&acc, c->net, c->d);
}
static int op_stdp_create(ctx *c) {
  snn_learner_free(c->out_l);
  c->out_l = NULL;
  return snn_learner_create_stdp(&c->out_l, c->net, NULL);
}
static int op_stdp_train(ctx *c) { return snn_learner_stdp_train(c->l, c->d, 0, NULL, NULL); }
static int op_stdp_epoch(ctx *c) { return snn_learner_train_epoch(c->l, NULL, c->d, NULL, NULL); }
static int op_stdp_present(ctx *c) {
  uint32_t counts[3];
  return snn_learner_stdp_present(counts, c->l, 3, c->x, 8, 1, 1);
}
static int op_stdp_label(ctx *c) { return snn_learner_stdp_label(c->l, c->d, 0, NULL, NULL); }
static int op_stdp_evaluate(ctx *c) {
  double acc;
  return snn_learner_stdp_evaluate(&acc, c->l, c->d, 0, NULL, NULL);
}
static int op_stdp_classify(ctx *c) {
  int32_t lab[4];
  return snn_learner_stdp_classify(lab, c->l, c->x, 4, 8);
}
static int op_learner_save_mem(ctx *c) {
  size_t n = 0;
  return snn_learner_save_mem(&n, c->l, c->buf, c->size);
}
static int op_learner_save(ctx *c) { return snn_learner_save(c->l, c->path); }
static void undo_loaded(ctx *c) {
  snn_learner_free(c->out_l);
  snn_network_free(c->out_net);
  c->out_l = NULL;
  c->out_net = NULL;
}
static int op_learner_load_mem(ctx *c) {
  undo_loaded(c);
  return snn_learner_load_mem(&c->out_l, &c->out_net, c->buf, c->size, NULL);
}
static int op_learner_load(ctx *c) {
  undo_loaded(c);
  return snn_learner_load(&c->out_l, &c->out_net, c->path, NULL);
}

/* custom neuron kind through the load options */
static int cm_init(void *user, const double *params, float *state, size_t n) {
  (void)user, (void)params;
  for (size_t i = 0; i < n; i++) state[i] = 0.0f;
  return SNN_OK;
}
static int cm_step(void *user, const double *params, float *state, const float *i_in,
                   uint8_t *spikes, size_t n, double dt) {
  (void)user, (void)dt;
  for (size_t i = 0; i < n; i++) {
    state[i] += i_in ? i_in[i] : 0.0f;
    spikes[i] = state[i] > (float)params[0];
    if (spikes[i]) state[i] = 0.0f;
  }
  return SNN_OK;
}
static void setup_custom_file(ctx *c) {
  static const snn_param_def defs[] = {{"theta", 1.0, 0.0, 10.0, "", "threshold"}};
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  ops.name = "oom_counter";
  ops.n_state = 1;
  ops.n_params = 1;
  ops.params = defs;
  ops.init = cm_init;
  ops.step = cm_step;
  ck_assert_snn_ok(snn_neuron_model_create_custom(&c->tmpl, &ops, NULL));
  snn_layer *l = NULL;
  ck_assert_snn_ok(snn_network_create(&c->net, 1, 1, 4));
  ck_assert_snn_ok(snn_layer_create_dense(&l, 4, 3, c->tmpl));
  ck_assert_snn_ok(snn_network_add_layer(c->net, l));
  ck_assert_int_eq(snn_network_save_mem(&c->size, c->net, NULL, 0), SNN_E_RANGE);
  c->buf = malloc(c->size);
  ck_assert_snn_ok(snn_network_save_mem(&c->size, c->net, c->buf, c->size));
}
static int op_load_custom(ctx *c) {
  snn_network_free(c->out_net);
  c->out_net = NULL;
  const snn_neuron_model *models[1] = {c->tmpl};
  snn_load_options lo = SNN_LOAD_OPTIONS_INIT;
  lo.neuron_models = models;
  lo.n_neuron_models = 1;
  return snn_network_load_mem_ex(&c->out_net, c->buf, c->size, &lo);
}

static const oom_case cases[] = {
    {"bptt create", setup_bptt_net_only, op_bptt_create, NULL, 1},
    {"bptt train_batch", setup_bptt, op_bptt_batch, NULL, 1},
    {"bptt train_epoch", setup_bptt, op_bptt_epoch, NULL, 1},
    {"bptt gradient", setup_bptt, op_bptt_gradient, NULL, 1},
    {"network predict", setup_bptt_net_only, op_predict, NULL, 1},
    {"network evaluate", setup_bptt_net_only, op_evaluate, NULL, 1},
    {"stdp create", setup_bptt_net_only, op_stdp_create, NULL, 1},
    {"stdp train", setup_stdp, op_stdp_train, NULL, 0},
    {"stdp train_epoch", setup_stdp, op_stdp_epoch, NULL, 0},
    {"stdp present", setup_stdp, op_stdp_present, NULL, 0},
    {"stdp label", setup_stdp, op_stdp_label, NULL, 1},
    {"stdp evaluate", setup_stdp_labelled, op_stdp_evaluate, NULL, 1},
    {"stdp classify", setup_stdp_labelled, op_stdp_classify, NULL, 1},
    {"learner save_mem", setup_stdp_saved, op_learner_save_mem, NULL, 1},
    {"learner save", setup_stdp_saved, op_learner_save, NULL, 1},
    {"learner load_mem", setup_stdp_saved, op_learner_load_mem, undo_loaded, 1},
    {"learner load", setup_stdp_saved, op_learner_load, undo_loaded, 1},
    {"network load_ex (custom kind)", setup_custom_file, op_load_custom, NULL, 1},
    {"spikeprop save_mem", setup_spikeprop_saved, op_learner_save_mem, NULL, 1},
    {"spikeprop save", setup_spikeprop_saved, op_learner_save, NULL, 1},
    {"spikeprop load_mem", setup_spikeprop_saved, op_learner_load_mem, undo_loaded, 1},
    {"spikeprop load", setup_spikeprop_saved, op_learner_load, undo_loaded, 1},
    {"spikeprop rprop load_mem", setup_spikeprop_rprop_saved, op_learner_load_mem, undo_loaded, 1},
    {"spikeprop rprop load", setup_spikeprop_rprop_saved, op_learner_load, undo_loaded, 1},
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

START_TEST(test_oom_sweep) {
  const oom_case *k = &cases[_i / 2];
  long n = sweep(k, _i % 2);
  if (getenv("SNN_TEST_VERBOSE"))
    fprintf(stderr, "oom: %-30s %-6s %ld allocations failed in turn\n", k->name,
            _i % 2 ? "sticky" : "once", n - 1);
  /* the sweep reached the call's allocations; the STDP training calls run on
   * buffers allocated when the learner was created and allocate nothing */
  if (k->allocates)
    ck_assert_msg(n > 1, "%s: the call made no allocation", k->name);
  else
    ck_assert_msg(n == 1, "%s: the call allocated (%ld)", k->name, n);
}
END_TEST

Suite *suite_oom(void) {
  Suite *s = suite_create("oom");
  TCase *tc = tcase_create("sweep");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_oom_sweep, 0, 2 * N_CASES);
  suite_add_tcase(s, tc);
  return s;
}

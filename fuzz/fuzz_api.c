/* libFuzzer harness: sequences of public API calls.
 *
 * The input is a little program: each step reads an opcode byte and then the
 * opcode's arguments from the following bytes (missing bytes read as 0). Objects
 * live in small slot tables; every object left at the end is freed, so
 * LeakSanitizer checks the error paths too. Freed pointers are never reused
 * (slot entries are cleared when their object is freed, network-owned layers
 * are re-fetched with snn_network_layer() every time, learners are freed
 * before the network they borrow).
 *
 * Besides the sanitizers, a few oracles abort on contract violations:
 *   - a network / spnet / learner that saved with SNN_OK must load back
 *     (save_mem -> load_mem), and the copy must behave identically
 *     (predict / run results, bitwise);
 *   - a clone must predict identically;
 *   - a snn_*_create that fails must set *out to NULL.
 * Allocation failures can be injected through snn_set_allocator() (opcode
 * OP_FAIL_ALLOC arms them for the next opcode only).
 *
 * Build: make fuzz-api (fuzz/fuzz_api.mk); run: build/fuzz/fuzz_api CORPUS
 */
#include <float.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn.h"

/* ------------------------------------------------------------------ input */
static const uint8_t *g_p;
static size_t g_n;

static uint8_t u8(void) {
  if (g_n == 0) return 0;
  g_n--;
  return *g_p++;
}
static uint16_t u16(void) { uint16_t a = u8(); return (uint16_t)(a | (uint16_t)u8() << 8); }
static uint32_t u32(void) { uint32_t a = u16(); return a | (uint32_t)u16() << 16; }
static uint64_t u64(void) { uint64_t a = u32(); return a | (uint64_t)u32() << 32; }

static const double DTAB[] = {
    0.0,   1.0,    -1.0,  0.5,   2.0,     3.0,      5.0,     10.0,     20.0,      25.0,
    100.0, 350.0,  1e3,   1e6,   1e9,     1e30,     -1e30,   NAN,      INFINITY,  -INFINITY,
    DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324, -0.0, 0.1,   0.01,    1e-4,     1e-6,      -70.0,
    -55.0, 0.9,    0.999, 1e-8,  65536.0, 4294967296.0, 9007199254740993.0, 1e7, 1e4, 1000.5,
    0.25,  7.0,    16.0,  12.0,  50.0,    -1e4,     1e-3,    FLT_MAX,  -FLT_MAX,  3.5e38,
    1e-9,  -0.5,   0.3,   4.0,   1e5,     1.5,      -80.0,   63.75,    2.5,       0.75};
#define NDTAB (sizeof DTAB / sizeof DTAB[0])

static double dbl(void) {
  uint8_t b = u8();
  if (b < 200) return DTAB[b % NDTAB];
  if (b < 225) {
    uint64_t bits = u64();
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
  }
  return (double)(int8_t)u8() * 0.25;
}

/* a "nice" positive double for time-like arguments that should stay cheap */
static double small_pos(void) {
  static const double t[] = {1.0, 0.5, 2.0, 0.1, 5.0, 0.25, 1.0, 10.0};
  uint8_t b = u8();
  if (b >= 240) return dbl();
  return t[b % 8];
}

static size_t sz(size_t max) { return u8() % (max + 1); }

static const size_t BIG[] = {(size_t)1 << 63,       ((size_t)1 << 63) + 1, ((size_t)1 << 62) + 1,
                             (size_t)1 << 32,       ((size_t)1 << 32) + 1, SIZE_MAX,
                             SIZE_MAX / 2,          ((size_t)1 << 61) + 1, ((size_t)1 << 31)};

/* usually good, sometimes a wrong count */
static size_t mangle(size_t good) {
  uint8_t b = u8();
  if (b < 208) return good;
  switch (b % 6) {
  case 0: return good + 1;
  case 1: return good ? good - 1 : 0;
  case 2: return 0;
  case 3: return good * 2;
  case 4: return good + 7;
  default: return good;
  }
}

static uint64_t g_rng = 88172645463325252ull;
static uint32_t xr(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 11);
}

static void fill_f(float *a, size_t n) {
  uint8_t mode = u8();
  g_rng = 88172645463325252ull ^ ((uint64_t)u8() << 8) ^ u8();
  double c;
  switch (mode % 10) {
  case 0:
  case 1:
  case 2:
    for (size_t i = 0; i < n; i++) a[i] = (float)(xr() % 1000) / 999.0f;
    break;
  case 3:
    for (size_t i = 0; i < n; i++) a[i] = (float)u8() / 255.0f;
    break;
  case 4:
    for (size_t i = 0; i < n; i++) {
      uint32_t bits = u32();
      memcpy(&a[i], &bits, sizeof bits);
    }
    break;
  case 5:
    c = dbl();
    for (size_t i = 0; i < n; i++) a[i] = (float)c;
    break;
  case 6:
    for (size_t i = 0; i < n; i++) a[i] = (float)(xr() % 1000) / 999.0f;
    if (n) a[u8() % n] = (float)dbl();
    break;
  case 7:
    for (size_t i = 0; i < n; i++) a[i] = (float)DTAB[xr() % NDTAB];
    break;
  case 8:
    for (size_t i = 0; i < n; i++) a[i] = ((float)(xr() % 2001) - 1000.0f) / 100.0f;
    break;
  default:
    for (size_t i = 0; i < n; i++) a[i] = (float)(xr() % 40);
    break;
  }
}

static void fill_d(double *a, size_t n) {
  uint8_t mode = u8();
  g_rng = 88172645463325252ull ^ ((uint64_t)u8() << 8);
  switch (mode % 4) {
  case 0:
    for (size_t i = 0; i < n; i++) a[i] = (double)(xr() % 1000) / 250.0 - 1.0;
    break;
  case 1:
    for (size_t i = 0; i < n; i++) a[i] = DTAB[xr() % NDTAB];
    break;
  case 2: {
    double c = dbl();
    for (size_t i = 0; i < n; i++) a[i] = c;
    break;
  }
  default:
    for (size_t i = 0; i < n; i++) a[i] = (double)(xr() % 1000) / 100.0;
    if (n) a[u8() % n] = dbl();
    break;
  }
}

/* heap buffers sized exactly as claimed, so ASan sees any overrun */
static float *fbuf(size_t n) { return (float *)malloc(n ? n * sizeof(float) : 1); }

/* Sized structs live in zeroed 512-byte blocks, so a struct_size claim larger than
   this header's struct is a legitimate "newer caller" (never a lie about the buffer). */
static _Alignas(16) unsigned char g_sb[8][512];
static int g_sbi;
static void *sb(void) {
  void *p = g_sb[g_sbi++ % 8];
  memset(p, 0, sizeof g_sb[0]);
  return p;
}
/* the real size, a smaller one, or a larger one with a zero or nonzero tail */
static size_t claim(void *blk, size_t real) {
  uint8_t b = u8();
  if (b < 128) return real;
  size_t s = (b & 1) ? real + 1 + (size_t)(b >> 1) % 64 : (size_t)(b >> 1) % (real + 1);
  if (s > real && (b & 2)) ((unsigned char *)blk)[s - 1] = 0x5a;
  return s;
}

/* ------------------------------------------------------------- callbacks */
static int g_cb_fail;    /* 1: custom init fails, 2: custom step fails, 3: learner ops fail */
static int g_cancel_at = -1;

static int progress_cb(const snn_progress *p, void *user) {
  (void)p;
  (void)user;
  if (g_cancel_at < 0) return 0;
  if (g_cancel_at == 0) return 1;
  g_cancel_at--;
  return 0;
}

typedef struct cust_user {
  int id;
  int refs_seen;
} cust_user;

static int cA_init(void *user, const double *params, float *state, size_t n) {
  (void)user;
  if (g_cb_fail == 1) {
    snn_set_error("custom init failure");
    return -1000;
  }
  for (size_t i = 0; i < n; i++) {
    state[i] = (float)params[0];
    state[n + i] = 0.0f;
  }
  return SNN_OK;
}
static int cA_step(void *user, const double *params, float *state, const float *i_in,
                   uint8_t *spikes, size_t n, double dt) {
  (void)user;
  if (g_cb_fail == 2) {
    snn_set_error("custom step failure");
    return -1001;
  }
  float decay = (float)exp(-dt / 10.0);
  for (size_t i = 0; i < n; i++) {
    float v = state[i] * decay + (i_in ? i_in[i] : 0.0f);
    uint8_t s = v >= (float)params[1];
    if (s) {
      v = (float)params[0];
      state[n + i] += 1.0f;
    }
    state[i] = v;
    if (spikes) spikes[i] = s;
  }
  return SNN_OK;
}
static int cA_step_grad(void *user, const double *params, const float *state_before,
                        const float *i_in, const float *grad_state, const float *grad_spike,
                        float *grad_state_before, float *grad_in, size_t n, double dt,
                        float (*surrogate)(float x, const void *sg_user), const void *sg_user) {
  (void)user;
  (void)i_in;
  float decay = (float)exp(-dt / 10.0);
  for (size_t i = 0; i < n; i++) {
    float v = state_before[i] * decay + (i_in ? i_in[i] : 0.0f);
    float sg = surrogate(v - (float)params[1], sg_user);
    float gv = grad_state[i] + grad_spike[i] * sg;
    grad_state_before[i] = gv * decay;
    grad_state_before[n + i] = grad_state[n + i];
    grad_in[i] = gv;
  }
  return SNN_OK;
}
static void cust_destroy(void *user) { free(user); }

static int cB_init(void *user, const double *params, float *state, size_t n) {
  (void)user;
  (void)params;
  if (g_cb_fail == 1) return -1002;
  for (size_t i = 0; i < n; i++) state[i] = 0.0f;
  return SNN_OK;
}
static int cB_step(void *user, const double *params, float *state, const float *i_in,
                   uint8_t *spikes, size_t n, double dt) {
  (void)user;
  (void)params;
  if (g_cb_fail == 2) return -1003;
  for (size_t i = 0; i < n; i++) {
    state[i] += (float)dt * (i_in ? i_in[i] : 0.0f);
    uint8_t s = state[i] > 1.0f;
    if (s) state[i] = 0.0f;
    if (spikes) spikes[i] = s;
  }
  return SNN_OK;
}

static const snn_param_def cA_params[] = {
    {"v0", 0.0, -10.0, 10.0, "mV", "reset/initial"},
    {"th", 1.0, -INFINITY, INFINITY, "mV", "threshold"},
};
static const char *const cA_states[] = {"V", "count"};

/* variant v: 0 = kind "cust_a" (trainable), 1 = "cust_b", 2.. = invalid ops */
static int make_custom(snn_neuron_model **out, int v) {
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  snn_param_def bad[2];
  const char *dup_states[2] = {"V", "V"};
  cust_user *u = (cust_user *)calloc(1, sizeof *u);
  if (!u) return SNN_E_NOMEM;
  u->id = v;
  ops.destroy = cust_destroy;
  switch (v) {
  case 0:
  default:
    ops.name = "cust_a";
    ops.n_state = 2;
    ops.state_names = cA_states;
    ops.n_params = 2;
    ops.params = cA_params;
    ops.init = cA_init;
    ops.step = cA_step;
    ops.step_grad = cA_step_grad;
    break;
  case 1:
    ops.name = "cust_b";
    ops.n_state = 1;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  case 2: /* built-in name */
    ops.name = "lif";
    ops.n_state = 1;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  case 3: /* duplicate state names */
    ops.name = "cust_c";
    ops.n_state = 2;
    ops.state_names = dup_states;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  case 4: /* default outside range */
    memcpy(bad, cA_params, sizeof bad);
    bad[0].default_value = 20.0;
    ops.name = "cust_d";
    ops.n_state = 1;
    ops.n_params = 2;
    ops.params = bad;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  case 5: /* struct_size too small */
    ops.struct_size = 8;
    ops.name = "cust_e";
    ops.n_state = 1;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  case 6: /* non-printable name */
    ops.name = "cu\x01st";
    ops.n_state = 1;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  case 7: /* 64 states, NULL names */
    ops.name = "cust_f";
    ops.n_state = 64;
    ops.init = cB_init;
    ops.step = cB_step;
    break;
  }
  int rc = snn_neuron_model_create_custom(out, &ops, u);
  /* destroy is called on SNN_E_NOMEM only; on other failures user stays ours */
  if (rc != SNN_OK && rc != SNN_E_NOMEM) free(u);
  return rc;
}

/* custom learning rule */
typedef struct rule_user {
  int n_calls;
} rule_user;
static int r_begin(void *user, float *w, size_t n_in, size_t n_out, int32_t label) {
  (void)w; (void)n_in; (void)n_out; (void)label;
  ((rule_user *)user)->n_calls++;
  return g_cb_fail == 3 ? -2000 : SNN_OK;
}
static int r_pre(void *user, size_t i, float *w_row, size_t n_out, const float *post1,
                 const float *post2, double t) {
  (void)user; (void)i; (void)t; (void)post2;
  for (size_t j = 0; j < n_out; j++) w_row[j] -= 1e-3f * post1[j];
  return g_cb_fail == 4 ? -2001 : SNN_OK;
}
static int r_post(void *user, size_t j, float *w, size_t n_in, size_t n_out, const float *pre,
                  float post1_j, float post2_j, double t) {
  (void)user; (void)post1_j; (void)post2_j; (void)t;
  for (size_t i = 0; i < n_in; i++) w[i * n_out + j] += 1e-2f * pre[i];
  return SNN_OK;
}
static int r_end(void *user, float *w, size_t n_in, size_t n_out, const uint32_t *counts,
                 int32_t label) {
  (void)user; (void)w; (void)n_in; (void)n_out; (void)counts; (void)label;
  return g_cb_fail == 5 ? -2002 : SNN_OK;
}
static void r_destroy(void *user) { free(user); }
static const snn_learner_ops RULE_OPS = {sizeof(snn_learner_ops), "myrule", 0, 0, 0, 0,
                                         r_begin, r_pre, r_post, NULL, r_end, r_destroy};

/* ------------------------------------------------------- fault injection */
static long g_fail_at = -1; /* allocations to let through before failing */
static int g_fail_sticky;
static int g_failing;
static int g_injected; /* an injected failure happened */
static int g_refused;  /* a huge allocation was refused */
static void *fz_malloc(void *user, size_t size) {
  (void)user;
  if (g_failing) {
    g_injected = 1;
    return NULL;
  }
  if (size > ((size_t)512 << 20)) { /* an allocation the machine would refuse */
    g_refused = 1;
    return NULL;
  }
  if (g_fail_at >= 0) {
    if (g_fail_at == 0) {
      g_fail_at = -1;
      if (g_fail_sticky) g_failing = 1;
      g_injected = 1;
      return NULL;
    }
    g_fail_at--;
  }
  return malloc(size);
}
static void fz_free(void *user, void *p) {
  (void)user;
  free(p);
}
static void disarm(void) {
  g_fail_at = -1;
  g_failing = 0;
}

/* ------------------------------------------------------------------ slots */
#define NM 4
#define NP 3
#define NE 3
#define NL 4
#define NN 3
#define ND 3
#define NR 3
#define NS 2
#define NB 3

static snn_neuron_model *M[NM];
static snn_population *P[NP];
static snn_encoder *E[NE];
static snn_layer *L[NL];
static snn_network *N[NN];
static snn_dataset *D[ND];
static snn_learner *R[NR];
static int Rnet[NR]; /* network slot the learner borrows, -1 if none */
static void *Ruser[NR]; /* rule user data the learner will not destroy (ops too old for destroy) */
static snn_learner_ops Rops[NR]; /* the rule a custom learner was created with (for reloading) */
static snn_spnet *S[NS];
typedef struct blob {
  int kind; /* 1 network, 2 spnet, 3 learner */
  unsigned char *data;
  size_t size;
} blob;
static blob B[NB];

static void die(const char *what) {
  fprintf(stderr, "ORACLE FAILURE: %s (last error: %s)\n", what, snn_last_error());
  abort();
}

static void free_learner(int i) {
  snn_learner_free(R[i]);
  free(Ruser[i]);
  Ruser[i] = NULL;
  R[i] = NULL;
  Rnet[i] = -1;
}
static void free_net(int i) {
  for (int r = 0; r < NR; r++)
    if (R[r] && Rnet[r] == i) free_learner(r);
  snn_network_free(N[i]);
  N[i] = NULL;
}
static void set_blob(int i, int kind, const void *p, size_t n) {
  unsigned char *c = (unsigned char *)malloc(n ? n : 1);
  if (!c) return;
  memcpy(c, p, n);
  free(B[i].data);
  B[i].data = c;
  B[i].size = n;
  B[i].kind = kind;
}

static int slot(int cnt) { return u8() % cnt; }
static snn_neuron_model *pm(void) { uint8_t b = u8(); return b % 8 >= NM ? NULL : M[b % 8]; }
static snn_encoder *pe(void) { uint8_t b = u8(); return b % 4 >= NE ? NULL : E[b % 4]; }
static snn_network *pn(int *idx) {
  uint8_t b = u8();
  if (b % 8 >= NN) {
    if (idx) *idx = -1;
    return NULL;
  }
  if (idx) *idx = b % 8;
  return N[b % 8];
}
static snn_dataset *pd(void) { uint8_t b = u8(); return b % 4 >= ND ? NULL : D[b % 4]; }
static snn_learner *pr(void) { uint8_t b = u8(); return b % 4 >= NR ? NULL : R[b % 4]; }

/* any layer: a free one or one owned by a network (borrowed, re-fetched) */
static snn_layer *pl_any(int *owned) {
  uint8_t b = u8();
  if (b & 1) {
    *owned = 0;
    return L[(b >> 1) % NL];
  }
  *owned = 1;
  snn_network *n = N[(b >> 1) % NN];
  size_t k = snn_network_n_layers(n);
  size_t i = u8();
  if (k == 0) return NULL;
  return snn_network_layer(n, i % (k + 1)); /* k => NULL */
}

static const char *const KINDS[] = {"lif", "if", "izhikevich", "adex", "srm", "nir_cuba",
                                    "LIF", "", "cust_a", "lif "};
static const char *const BOGUS[] = {"", "nope", "V ", "steps\n",
                                    "a_very_long_name_that_does_not_exist_anywhere_in_the_library"};

static const char *bogus(void) {
  uint8_t b = u8();
  if (b % 6 == 5) return NULL;
  return BOGUS[b % 5];
}

/* a parameter name of the model (or something invalid) */
static const char *model_param_name(const snn_neuron_model *m) {
  uint8_t b = u8();
  size_t n = snn_neuron_model_param_count(m);
  if (b < 224 && n) {
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    if (snn_neuron_model_param_info(&pi, m, b % n) == SNN_OK) return pi.name;
  }
  return bogus();
}
static const char *enc_param_name(const snn_encoder *e) {
  uint8_t b = u8();
  size_t n = snn_encoder_param_count(e);
  if (b < 224 && n) {
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    if (snn_encoder_param_info(&pi, e, b % n) == SNN_OK) return pi.name;
  }
  return bogus();
}
static const char *state_var(const snn_neuron_model *m) {
  static const char *const extra[] = {"I_exc", "I_inh", "g_exc", "g_inh", "V", "u", "w"};
  uint8_t b = u8();
  size_t n = snn_neuron_model_state_count(m);
  if (b < 160 && n) {
    const char *s = snn_neuron_model_state_name(m, b % n);
    if (s) return s;
  }
  if (b < 240) return extra[b % 7];
  return bogus();
}

static void chk_out_null(int rc, const void *p, const char *fn) {
  if (rc != SNN_OK && p != NULL) {
    fprintf(stderr, "%s returned %d but *out != NULL\n", fn, rc);
    die("create failed but left *out set");
  }
  if (rc == SNN_OK && p == NULL) die("create returned SNN_OK with *out == NULL");
}

/* --------------------------------------------------------------- oracles */
#define NLOAD 3
static snn_neuron_model *g_load_models[NLOAD]; /* cust_a, cust_b, cust_f for load options */

static void load_opts(snn_load_options *o) {
  snn_load_options_init(o, sizeof *o);
  size_t k = 0;
  static const snn_neuron_model *arr[NLOAD];
  for (int i = 0; i < NLOAD; i++)
    if (g_load_models[i]) arr[k++] = g_load_models[i];
  o->neuron_models = arr;
  o->n_neuron_models = k;
}

static int bits_eq_f(const float *a, const float *b, size_t n) {
  return memcmp(a, b, n * sizeof(float)) == 0;
}

/* predict on both networks with the same inputs; die on a difference */
static void compare_predict(snn_network *a, snn_network *b, const char *what) {
  size_t ni = snn_network_n_inputs(a), no = snn_network_n_outputs(a);
  if (ni != snn_network_n_inputs(b) || no != snn_network_n_outputs(b)) die(what);
  if (ni == 0 || no == 0 || ni > 4096) return;
  size_t n = 2;
  float *x = fbuf(n * ni), *sa = fbuf(n * no), *sb = fbuf(n * no);
  int32_t la[2], lb[2];
  g_rng = 12345;
  for (size_t i = 0; i < n * ni; i++) x[i] = (float)(xr() % 1000) / 999.0f;
  int ra = snn_network_predict(a, la, sa, x, n, ni);
  int rb = snn_network_predict(b, lb, sb, x, n, ni);
  if (ra != rb) {
    fprintf(stderr, "%s: predict rc %d vs %d\n", what, ra, rb);
    die(what);
  }
  if (ra == SNN_OK && (memcmp(la, lb, sizeof la) != 0 || !bits_eq_f(sa, sb, n * no))) {
    fprintf(stderr, "%s: predict results differ\n", what);
    for (size_t i = 0; i < n * no && i < 16; i++) fprintf(stderr, "  %g %g\n", sa[i], sb[i]);
    die(what);
  }
  /* run_sequence too */
  size_t T = 3;
  float *xs = fbuf(T * ni), *oa = fbuf(T * no), *ob = fbuf(T * no), *ma = fbuf(T * no),
        *mb = fbuf(T * no);
  for (size_t i = 0; i < T * ni; i++) xs[i] = (float)(xr() % 1000) / 99.0f;
  ra = snn_network_run_sequence(oa, ma, a, xs, T, ni);
  rb = snn_network_run_sequence(ob, mb, b, xs, T, ni);
  if (ra != rb) {
    fprintf(stderr, "%s: run_sequence rc %d vs %d\n", what, ra, rb);
    die(what);
  }
  if (ra == SNN_OK && (!bits_eq_f(oa, ob, T * no) || !bits_eq_f(ma, mb, T * no))) {
    fprintf(stderr, "%s: run_sequence results differ\n", what);
    die(what);
  }
  free(xs); free(oa); free(ob); free(ma); free(mb);
  free(x); free(sa); free(sb);
}

static void oracle_net_roundtrip(snn_network *net, int bslot) {
  size_t need = 0;
  int rc = snn_network_save_mem(&need, net, NULL, 0);
  if (rc != SNN_E_RANGE) return;
  unsigned char *buf = (unsigned char *)malloc(need ? need : 1);
  size_t got = 0;
  rc = snn_network_save_mem(&got, net, buf, need);
  if (rc != SNN_OK) {
    fprintf(stderr, "save_mem size query said RANGE(%zu) but save gave %d\n", need, rc);
    free(buf);
    if (rc == SNN_E_NUMERIC || rc == SNN_E_NOMEM) return;
    die("network save_mem inconsistent");
  }
  if (got != need) die("network save_mem size changed");
  set_blob(bslot, 1, buf, got);
  snn_load_options o;
  load_opts(&o);
  snn_network *n2 = NULL;
  rc = snn_network_load_mem_ex(&n2, buf, got, &o);
  if (rc != SNN_OK) {
    fprintf(stderr, "load_mem of a saved network failed: %d %s\n", rc, snn_last_error());
    die("saved network does not load");
  }
  /* saving the loaded copy gives the same bytes */
  size_t need2 = 0;
  snn_network_save_mem(&need2, n2, NULL, 0);
  unsigned char *buf2 = (unsigned char *)malloc(need2 ? need2 : 1);
  rc = snn_network_save_mem(&need2, n2, buf2, need2);
  if (rc != SNN_OK || need2 != got || memcmp(buf, buf2, got) != 0) {
    fprintf(stderr, "re-save differs: rc %d size %zu vs %zu\n", rc, need2, got);
    if (rc == SNN_OK && need2 == got)
      for (size_t i = 0; i < got; i++)
        if (buf[i] != buf2[i]) {
          fprintf(stderr, "  first difference at byte %zu\n", i);
          break;
        }
    die("network save/load/save not stable");
  }
  compare_predict(net, n2, "network loaded from save_mem behaves differently");
  free(buf2);
  free(buf);
  snn_network_free(n2);
}

static void compare_spnets(snn_spnet *a, snn_spnet *b, const char *what) {
  if (snn_spnet_n_neurons(a) != snn_spnet_n_neurons(b)) die(what);
  if (snn_spnet_time(a) != snn_spnet_time(b)) {
    fprintf(stderr, "time %g vs %g\n", snn_spnet_time(a), snn_spnet_time(b));
    die(what);
  }
  size_t ca0 = snn_spnet_spike_count(a), cb0 = snn_spnet_spike_count(b);
  if (ca0 != cb0) die(what);
  int ra = snn_spnet_run(a, 5.0), rb = snn_spnet_run(b, 5.0);
  if (ra != rb) {
    fprintf(stderr, "%s: run rc %d vs %d\n", what, ra, rb);
    die(what);
  }
  size_t ca = snn_spnet_spike_count(a), cb = snn_spnet_spike_count(b);
  if (ca != cb) {
    fprintf(stderr, "%s: spike count %zu vs %zu\n", what, ca, cb);
    die(what);
  }
  if (ca > 0 && ca < 100000) {
    uint32_t *na = (uint32_t *)malloc(ca * 4), *nb = (uint32_t *)malloc(ca * 4);
    double *ta = (double *)malloc(ca * 8), *tb = (double *)malloc(ca * 8);
    int x1 = snn_spnet_spikes_get(na, ta, a, 0, ca), x2 = snn_spnet_spikes_get(nb, tb, b, 0, ca);
    if (x1 != x2 || (x1 == SNN_OK && (memcmp(na, nb, ca * 4) || memcmp(ta, tb, ca * 8)))) {
      fprintf(stderr, "%s: spikes differ\n", what);
      die(what);
    }
    free(na); free(nb); free(ta); free(tb);
  }
  size_t np = snn_spnet_n_populations(a);
  for (size_t p = 0; p < np; p++) {
    size_t first, n;
    if (snn_spnet_population_range(&first, &n, a, p) != SNN_OK) continue;
    float *va = fbuf(n), *vb = fbuf(n);
    int x1 = snn_spnet_state_get(va, a, p, "V", n), x2 = snn_spnet_state_get(vb, b, p, "V", n);
    if (x1 != x2 || (x1 == SNN_OK && !bits_eq_f(va, vb, n))) {
      fprintf(stderr, "%s: V of population %zu differs\n", what, p);
      die(what);
    }
    free(va); free(vb);
  }
}

static void oracle_spnet_roundtrip(snn_spnet *s, int bslot) {
  size_t need = 0;
  int rc = snn_spnet_save_mem(&need, s, NULL, 0);
  if (rc != SNN_E_RANGE) return;
  unsigned char *buf = (unsigned char *)malloc(need ? need : 1);
  size_t got = 0;
  rc = snn_spnet_save_mem(&got, s, buf, need);
  if (rc != SNN_OK) {
    fprintf(stderr, "spnet save_mem size query said RANGE(%zu) but save gave %d\n", need, rc);
    free(buf);
    die("spnet save_mem inconsistent");
  }
  set_blob(bslot, 2, buf, got);
  snn_spnet *s2 = NULL;
  rc = snn_spnet_load_mem(&s2, buf, got);
  if (rc != SNN_OK) {
    fprintf(stderr, "spnet load_mem of a saved spnet failed: %d %s\n", rc, snn_last_error());
    die("saved spnet does not load");
  }
  size_t need2 = 0;
  snn_spnet_save_mem(&need2, s2, NULL, 0);
  unsigned char *buf2 = (unsigned char *)malloc(need2 ? need2 : 1);
  rc = snn_spnet_save_mem(&need2, s2, buf2, need2);
  if (rc != SNN_OK || need2 != got || memcmp(buf, buf2, got) != 0) {
    fprintf(stderr, "spnet re-save differs: rc %d size %zu vs %zu\n", rc, need2, got);
    if (rc == SNN_OK && need2 == got)
      for (size_t i = 0; i < got; i++)
        if (buf[i] != buf2[i]) {
          fprintf(stderr, "  first difference at byte %zu\n", i);
          break;
        }
    die("spnet save/load/save not stable");
  }
  compare_spnets(s, s2, "spnet loaded from save_mem behaves differently");
  free(buf2);
  free(buf);
  snn_spnet_free(s2);
}

static void oracle_learner_roundtrip(snn_learner *l, snn_network *lnet, const snn_learner_ops *ops_used,
                                     int bslot) {
  size_t need = 0;
  int rc = snn_learner_save_mem(&need, l, NULL, 0);
  if (rc != SNN_E_RANGE) return;
  unsigned char *buf = (unsigned char *)malloc(need ? need : 1);
  size_t got = 0;
  rc = snn_learner_save_mem(&got, l, buf, need);
  if (rc != SNN_OK) {
    fprintf(stderr, "learner save_mem size query said RANGE(%zu) but save gave %d\n", need, rc);
    free(buf);
    if (rc == SNN_E_NUMERIC || rc == SNN_E_NOMEM) return;
    die("learner save_mem inconsistent");
  }
  set_blob(bslot, 3, buf, got);
  snn_load_options o;
  load_opts(&o);
  rule_user *ru = (rule_user *)calloc(1, sizeof *ru);
  /* a custom rule is re-attached as it was given (same struct_size, same callbacks) */
  snn_learner_ops *ropsp = (snn_learner_ops *)sb();
  *ropsp = ops_used->struct_size ? *ops_used : RULE_OPS;
  snn_learner_ops rops = *ropsp;
  const char *kind = snn_learner_kind(l);
  if (kind && rops.struct_size > offsetof(snn_learner_ops, name)) ropsp->name = kind;
  int no_destroy = rops.struct_size < offsetof(snn_learner_ops, destroy) + sizeof(void (*)(void));
  (void)rops;
  o.learner_ops = ropsp;
  o.learner_user = ru; /* destroy frees it exactly once */
  snn_learner *l2 = NULL;
  snn_network *n2 = NULL;
  rc = snn_learner_load_mem(&l2, &n2, buf, got, &o);
  if (rc != SNN_OK) {
    fprintf(stderr, "learner load_mem of a saved learner failed: %d %s\n", rc, snn_last_error());
    die("saved learner does not load");
  }
  size_t need2 = 0;
  snn_learner_save_mem(&need2, l2, NULL, 0);
  unsigned char *buf2 = (unsigned char *)malloc(need2 ? need2 : 1);
  rc = snn_learner_save_mem(&need2, l2, buf2, need2);
  if (rc != SNN_OK || need2 != got || memcmp(buf, buf2, got) != 0) {
    fprintf(stderr, "learner re-save differs: rc %d size %zu vs %zu\n", rc, need2, got);
    if (rc == SNN_OK && need2 == got)
      for (size_t i = 0; i < got; i++)
        if (buf[i] != buf2[i]) {
          fprintf(stderr, "  first difference at byte %zu\n", i);
          break;
        }
    die("learner save/load/save not stable");
  }
  /* behaviour: spikeprop run, or stdp classify */
  const char *k = snn_learner_kind(l);
  if (k && strcmp(k, "spikeprop") == 0) {
    size_t ni = 0, nh = 0, no = 0;
    if (snn_learner_spikeprop_sizes(&ni, &nh, &no, l) == SNN_OK && ni < 10000 && no < 10000) {
      float *tin = fbuf(ni), *ta = fbuf(no), *tb = fbuf(no);
      for (size_t i = 0; i < ni; i++) tin[i] = (float)(i % 7);
      int ra = snn_learner_spikeprop_run(ta, no, NULL, 0, l, tin, ni);
      int rb = snn_learner_spikeprop_run(tb, no, NULL, 0, l2, tin, ni);
      if (ra != rb || (ra == SNN_OK && !bits_eq_f(ta, tb, no))) die("loaded spikeprop learner differs");
      /* training continues identically */
      float *tgt = fbuf(no);
      for (size_t j = 0; j < no; j++) tgt[j] = (float)(12 + (j % 2) * 4);
      double ea = -1, eb = -1;
      ra = snn_learner_spikeprop_train_example(&ea, l, tin, ni, tgt, no);
      rb = snn_learner_spikeprop_train_example(&eb, l2, tin, ni, tgt, no);
      if (ra != rb || (ra == SNN_OK && memcmp(&ea, &eb, sizeof ea) != 0)) {
        fprintf(stderr, "spikeprop train rc %d vs %d, error %g vs %g\n", ra, rb, ea, eb);
        die("loaded spikeprop learner trains differently");
      }
      size_t np = snn_learner_n_params(l);
      if (np != snn_learner_n_params(l2)) die("loaded spikeprop learner has another size");
      if (np < 1000000) {
        double *wa = (double *)malloc((np ? np : 1) * 8), *wb = (double *)malloc((np ? np : 1) * 8);
        int x1 = snn_learner_spikeprop_weights_get(wa, np, l), x2 = snn_learner_spikeprop_weights_get(wb, np, l2);
        if (x1 != x2 || (x1 == SNN_OK && memcmp(wa, wb, np * 8) != 0))
          die("loaded spikeprop learner: weights differ after one training step");
        free(wa); free(wb);
      }
      free(tgt);
      free(tin); free(ta); free(tb);
    }
  } else if (n2) {
    size_t ni = snn_network_n_inputs(n2);
    if (ni > 0 && ni < 4096) {
      float *x = fbuf(2 * ni);
      for (size_t i = 0; i < 2 * ni; i++) x[i] = (float)(i % 5) / 4.0f;
      int32_t la[2], lb[2];
      int ra = snn_learner_stdp_classify(la, l, x, 2, ni);
      int rb = snn_learner_stdp_classify(lb, l2, x, 2, ni);
      if (ra != rb || (ra == SNN_OK && memcmp(la, lb, sizeof la) != 0)) {
        fprintf(stderr, "stdp classify rc %d vs %d\n", ra, rb);
        die("loaded stdp learner differs");
      }
      /* training continues identically: one plastic presentation */
      snn_layer *la0 = snn_network_layer(lnet, 0), *lb0 = snn_network_layer(n2, 0);
      size_t no = snn_layer_n_outputs(la0);
      if (lnet && no == snn_layer_n_outputs(lb0) && no < 100000) {
        uint32_t *ca = (uint32_t *)malloc((no ? no : 1) * 4), *cb = (uint32_t *)malloc((no ? no : 1) * 4);
        ra = snn_learner_stdp_present(ca, l, no, x, ni, 0, 1);
        rb = snn_learner_stdp_present(cb, l2, no, x, ni, 0, 1);
        if (ra != rb || (ra == SNN_OK && memcmp(ca, cb, no * 4) != 0)) {
          fprintf(stderr, "stdp present rc %d vs %d\n", ra, rb);
          die("loaded stdp learner trains differently (spike counts)");
        }
        size_t nw = snn_layer_param_size(la0, SNN_PARAM_WEIGHTS);
        if (ra == SNN_OK && nw == snn_layer_param_size(lb0, SNN_PARAM_WEIGHTS)) {
          float *wa = fbuf(nw), *wb = fbuf(nw);
          snn_layer_param_get(wa, la0, SNN_PARAM_WEIGHTS, nw);
          snn_layer_param_get(wb, lb0, SNN_PARAM_WEIGHTS, nw);
          if (!bits_eq_f(wa, wb, nw)) die("loaded stdp learner trains differently (weights)");
          float *ta = fbuf(no), *tb = fbuf(no);
          snn_learner_stdp_theta_get(ta, l, no);
          snn_learner_stdp_theta_get(tb, l2, no);
          if (!bits_eq_f(ta, tb, no)) die("loaded stdp learner trains differently (theta)");
          free(ta); free(tb);
          free(wa); free(wb);
        }
        free(ca); free(cb);
      }
      free(x);
    }
  }
  free(buf2);
  free(buf);
  snn_learner_free(l2);
  snn_network_free(n2);
  if (no_destroy) free(ru);
}

/* --------------------------------------------------------------- opcodes */
enum {
  OP_MODEL_CREATE,
  OP_MODEL_PRESET,
  OP_MODEL_CLONE,
  OP_MODEL_SET,
  OP_MODEL_SET_STR,
  OP_MODEL_QUERY,
  OP_MODEL_CUSTOM,
  OP_MODEL_FREE,
  OP_POP_CREATE,
  OP_POP_STEP,
  OP_POP_STATE_GET,
  OP_POP_STATE_SET,
  OP_POP_RESET,
  OP_POP_FREE,
  OP_ENC_CREATE,
  OP_ENC_CLONE,
  OP_ENC_SET,
  OP_ENC_SET_STR,
  OP_ENC_SEED,
  OP_ENC_ENCODE,
  OP_ENC_SPIKE_TIMES,
  OP_ENC_FREE,
  OP_LAYER_DENSE,
  OP_LAYER_CONV,
  OP_LAYER_POOL,
  OP_LAYER_AUTO,
  OP_LAYER_SET_BIAS,
  OP_LAYER_SET_REC,
  OP_LAYER_DELAYS,
  OP_LAYER_PARAM_SET,
  OP_LAYER_PARAM_GET,
  OP_LAYER_QUERY,
  OP_LAYER_FREE,
  OP_NET_CREATE,
  OP_NET_ADD_LAYER,
  OP_NET_ADD_OWNED,
  OP_NET_SET,
  OP_NET_SET_STR,
  OP_NET_SET_ENCODER,
  OP_NET_GET_ENCODER,
  OP_NET_INIT_WEIGHTS,
  OP_NET_PREDICT,
  OP_NET_EVALUATE,
  OP_NET_RUN_SEQ,
  OP_NET_ACTIVITY,
  OP_NET_SET_DELAYS,
  OP_NET_SAVE_LOAD,
  OP_NET_LOAD_BLOB,
  OP_NET_CLONE,
  OP_NET_QUERY,
  OP_NET_NIR,
  OP_NET_FREE,
  OP_DS_CREATE,
  OP_DS_SPLIT,
  OP_DS_NORMALIZE,
  OP_DS_RANGES,
  OP_DS_GET,
  OP_DS_FREE,
  OP_BPTT_CREATE,
  OP_BPTT_TRAIN_BATCH,
  OP_BPTT_GRADIENT,
  OP_LEARNER_SET,
  OP_LEARNER_TRAIN_EPOCH,
  OP_STDP_CREATE,
  OP_STDP_PRESENT,
  OP_STDP_TRAIN,
  OP_STDP_LABEL_CLASSIFY,
  OP_STDP_APPLY,
  OP_STDP_GETSET,
  OP_SP_CREATE,
  OP_SP_RUN,
  OP_SP_TRAIN,
  OP_SP_GRADIENT,
  OP_SP_QUERY,
  OP_SP_RANGES,
  OP_SP_WEIGHTS,
  OP_SP_CLASSIFY,
  OP_LEARNER_SAVE_LOAD,
  OP_LEARNER_LOAD_BLOB,
  OP_LEARNER_FREE,
  OP_SPNET_CREATE,
  OP_SPNET_ADD_POP,
  OP_SPNET_POP_SET,
  OP_SPNET_CONNECT,
  OP_SPNET_STATE,
  OP_SPNET_RUN,
  OP_SPNET_QUERY,
  OP_SPNET_RESET,
  OP_SPNET_SAVE_LOAD,
  OP_SPNET_LOAD_BLOB,
  OP_SPNET_FREE,
  OP_FAIL_ALLOC,
  OP_CB_FAIL,
  OP_CANCEL,
  OP_QUICK_NET,
  OP_MISC,
  OP_QUICK_DS,
  OP_COUNT
};

static const char *const OP_NAMES[] = {"MODEL_CREATE", "MODEL_PRESET", "MODEL_CLONE", "MODEL_SET", "MODEL_SET_STR", "MODEL_QUERY", "MODEL_CUSTOM", "MODEL_FREE", "POP_CREATE", "POP_STEP", "POP_STATE_GET", "POP_STATE_SET", "POP_RESET", "POP_FREE", "ENC_CREATE", "ENC_CLONE", "ENC_SET", "ENC_SET_STR", "ENC_SEED", "ENC_ENCODE", "ENC_SPIKE_TIMES", "ENC_FREE", "LAYER_DENSE", "LAYER_CONV", "LAYER_POOL", "LAYER_AUTO", "LAYER_SET_BIAS", "LAYER_SET_REC", "LAYER_DELAYS", "LAYER_PARAM_SET", "LAYER_PARAM_GET", "LAYER_QUERY", "LAYER_FREE", "NET_CREATE", "NET_ADD_LAYER", "NET_ADD_OWNED", "NET_SET", "NET_SET_STR", "NET_SET_ENCODER", "NET_GET_ENCODER", "NET_INIT_WEIGHTS", "NET_PREDICT", "NET_EVALUATE", "NET_RUN_SEQ", "NET_ACTIVITY", "NET_SET_DELAYS", "NET_SAVE_LOAD", "NET_LOAD_BLOB", "NET_CLONE", "NET_QUERY", "NET_NIR", "NET_FREE", "DS_CREATE", "DS_SPLIT", "DS_NORMALIZE", "DS_RANGES", "DS_GET", "DS_FREE", "BPTT_CREATE", "BPTT_TRAIN_BATCH", "BPTT_GRADIENT", "LEARNER_SET", "LEARNER_TRAIN_EPOCH", "STDP_CREATE", "STDP_PRESENT", "STDP_TRAIN", "STDP_LABEL_CLASSIFY", "STDP_APPLY", "STDP_GETSET", "SP_CREATE", "SP_RUN", "SP_TRAIN", "SP_GRADIENT", "SP_QUERY", "SP_RANGES", "SP_WEIGHTS", "SP_CLASSIFY", "LEARNER_SAVE_LOAD", "LEARNER_LOAD_BLOB", "LEARNER_FREE", "SPNET_CREATE", "SPNET_ADD_POP", "SPNET_POP_SET", "SPNET_CONNECT", "SPNET_STATE", "SPNET_RUN", "SPNET_QUERY", "SPNET_RESET", "SPNET_SAVE_LOAD", "SPNET_LOAD_BLOB", "SPNET_FREE", "FAIL_ALLOC", "CB_FAIL", "CANCEL", "QUICK_NET", "MISC", "QUICK_DS"};
static int g_trace;

static void op_model(int op) {
  int i = slot(NM);
  switch (op) {
  case OP_MODEL_CREATE: {
    snn_neuron_model *m = (snn_neuron_model *)1;
    uint8_t k = u8();
    const char *kind = k % 11 == 10 ? NULL : KINDS[k % 10];
    if (k >= 250) kind = snn_neuron_kind_name(u8() % 8);
    int rc = snn_neuron_model_create(&m, kind);
    chk_out_null(rc, m, "snn_neuron_model_create");
    if (rc == SNN_OK) {
      snn_neuron_model_free(M[i]);
      M[i] = m;
    }
    break;
  }
  case OP_MODEL_PRESET: {
    snn_neuron_model *m = (snn_neuron_model *)1;
    const char *kind = KINDS[u8() % 6];
    uint8_t b = u8();
    const char *preset = b < 230 ? snn_neuron_preset_name(kind, b % 12) : bogus();
    snn_neuron_preset_doc(kind, b % 12);
    int rc = snn_neuron_model_create_preset(&m, kind, preset);
    chk_out_null(rc, m, "snn_neuron_model_create_preset");
    if (rc == SNN_OK) {
      snn_neuron_model_free(M[i]);
      M[i] = m;
    }
    break;
  }
  case OP_MODEL_CLONE: {
    snn_neuron_model *m = (snn_neuron_model *)1;
    int rc = snn_neuron_model_clone(&m, pm());
    chk_out_null(rc, m, "snn_neuron_model_clone");
    if (rc == SNN_OK) {
      snn_neuron_model_free(M[i]);
      M[i] = m;
    }
    break;
  }
  case OP_MODEL_SET: {
    snn_neuron_model *m = M[i];
    const char *name = model_param_name(m);
    double v = dbl();
    int rc = snn_neuron_model_set(m, name, v);
    if (rc == SNN_OK && !isfinite(v) && name && strcmp(name, "th") != 0) {
      fprintf(stderr, "snn_neuron_model_set(%s, %g) returned SNN_OK\n", name, v);
      die("non-finite parameter accepted");
    }
    double back;
    snn_neuron_model_get(&back, m, name);
    break;
  }
  case OP_MODEL_SET_STR: {
    static const char *const vals[] = {"zero", "subtract", "", "ZERO", NULL, "linear"};
    snn_neuron_model *m = M[i];
    uint8_t b = u8();
    const char *name = b & 1 ? "reset" : model_param_name(m);
    snn_neuron_model_set_str(m, name, vals[u8() % 6]);
    break;
  }
  case OP_MODEL_QUERY: {
    snn_neuron_model *m = pm();
    snn_neuron_model_kind(m);
    size_t n = snn_neuron_model_param_count(m);
    snn_param_info *pi = (snn_param_info *)sb();
    pi->struct_size = claim(pi, sizeof *pi);
    snn_neuron_model_param_info(pi, m, u8() % (n + 2));
    snn_neuron_model_state_count(m);
    snn_neuron_model_state_name(m, u8() % 5);
    snn_neuron_kind_count();
    snn_neuron_kind_name(u8() % 8);
    snn_neuron_preset_count(KINDS[u8() % 10]);
    double out;
    snn_neuron_model_get(&out, m, model_param_name(m));
    break;
  }
  case OP_MODEL_CUSTOM: {
    snn_neuron_model *m = (snn_neuron_model *)1;
    int v = u8() % 8;
    int rc = make_custom(&m, v);
    chk_out_null(rc, m, "snn_neuron_model_create_custom");
    if (rc == SNN_OK) {
      snn_neuron_model_free(M[i]);
      M[i] = m;
    }
    break;
  }
  case OP_MODEL_FREE:
    snn_neuron_model_free(M[i]);
    M[i] = NULL;
    break;
  }
}

static void op_pop(int op) {
  int i = slot(NP);
  snn_population *p = P[i];
  size_t n = snn_population_size(p);
  switch (op) {
  case OP_POP_CREATE: {
    snn_population *q = (snn_population *)1;
    uint8_t b = u8();
    size_t cnt = b < 250 ? (size_t)(b % 17) : BIG[b % 9];
    int rc = snn_population_create(&q, pm(), cnt);
    chk_out_null(rc, q, "snn_population_create");
    if (rc == SNN_OK) {
      snn_population_free(P[i]);
      P[i] = q;
    }
    break;
  }
  case OP_POP_STEP: {
    size_t k = mangle(n);
    uint8_t flags = u8();
    uint8_t *spk = (flags & 1) ? (uint8_t *)malloc(k ? k : 1) : NULL;
    float *in = (flags & 2) ? fbuf(k) : NULL;
    if (in) fill_f(in, k);
    double dt = (flags & 4) ? dbl() : small_pos();
    int reps = 1 + (flags >> 5);
    for (int r = 0; r < reps; r++)
      if (snn_population_step(p, spk, in, k, dt) != SNN_OK) break;
    free(spk);
    free(in);
    break;
  }
  case OP_POP_STATE_GET: {
    const snn_neuron_model *m = pm();
    const char *var = state_var(m);
    size_t k = mangle(n);
    float *buf = fbuf(k);
    snn_population_state_get(buf, p, var, k);
    free(buf);
    break;
  }
  case OP_POP_STATE_SET: {
    const snn_neuron_model *m = pm();
    const char *var = state_var(m);
    size_t k = mangle(n);
    float *buf = fbuf(k);
    fill_f(buf, k);
    int rc = snn_population_state_set(p, var, u8() == 7 ? NULL : buf, k);
    if (rc == SNN_OK) {
      float *back = fbuf(k);
      if (snn_population_state_get(back, p, var, k) != SNN_OK || !bits_eq_f(back, buf, k))
        die("population state_set then state_get does not round-trip");
      free(back);
    }
    free(buf);
    break;
  }
  case OP_POP_RESET:
    snn_population_reset(p);
    break;
  case OP_POP_FREE:
    snn_population_free(p);
    P[i] = NULL;
    break;
  }
}

static const char *const ENC_KINDS[] = {"rate", "latency", "direct", "population", "delta", "Rate", ""};

static void op_enc(int op) {
  int i = slot(NE);
  snn_encoder *e = E[i];
  switch (op) {
  case OP_ENC_CREATE: {
    snn_encoder *q = (snn_encoder *)1;
    uint8_t b = u8();
    int rc = snn_encoder_create(&q, b % 8 == 7 ? NULL : ENC_KINDS[b % 8 % 7]);
    chk_out_null(rc, q, "snn_encoder_create");
    if (rc == SNN_OK) {
      snn_encoder_free(E[i]);
      E[i] = q;
    }
    break;
  }
  case OP_ENC_CLONE: {
    snn_encoder *q = (snn_encoder *)1;
    snn_encoder *src = pe();
    int rc = snn_encoder_clone(&q, src);
    chk_out_null(rc, q, "snn_encoder_clone");
    if (rc == SNN_OK && (u8() & 1)) { /* the clone encodes exactly as the original */
      size_t ch = 0;
      if (snn_encoder_output_size(&ch, src, 3) == SNN_OK && ch < 10000) {
        size_t T = 4, nx = strcmp(snn_encoder_kind(src), "delta") == 0 ? 3 * T : 3;
        float x[12], *oa = fbuf(T * ch), *ob = fbuf(T * ch);
        for (int j = 0; j < 12; j++) x[j] = (float)j / 11.0f;
        (void)nx;
        int ra = snn_encoder_encode(src, oa, T * ch, x, 3, T);
        int rb = snn_encoder_encode(q, ob, T * ch, x, 3, T);
        if (ra != rb || (ra == SNN_OK && !bits_eq_f(oa, ob, T * ch))) die("encoder clone encodes differently");
        free(oa);
        free(ob);
      }
    }
    if (rc == SNN_OK) {
      snn_encoder_free(E[i]);
      E[i] = q;
    }
    break;
  }
  case OP_ENC_SET: {
    const char *name = enc_param_name(e);
    double v = dbl();
    int rc = snn_encoder_set(e, name, v);
    if (rc == SNN_OK && !isfinite(v)) die("encoder: non-finite parameter accepted");
    double back;
    snn_encoder_get(&back, e, name);
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    snn_encoder_param_info(&pi, e, u8() % 8);
    break;
  }
  case OP_ENC_SET_STR: {
    static const char *const names[] = {"map", "off_spikes", "gain", NULL};
    static const char *const vals[] = {"linear", "log", "off", "on", "", NULL, "LOG"};
    const char *nm = names[u8() % 4];
    snn_encoder_set_str(e, nm, vals[u8() % 7]);
    break;
  }
  case OP_ENC_SEED:
    snn_encoder_seed(e, u64());
    snn_encoder_kind(e);
    break;
  case OP_ENC_ENCODE: {
    uint8_t b = u8();
    size_t n_in = b < 250 ? (size_t)(b % 7) : BIG[b % 9];
    uint8_t c = u8();
    size_t n_steps = c < 250 ? (size_t)(c % 7) : BIG[c % 9];
    size_t chan = 0;
    if (snn_encoder_output_size(&chan, e, n_in) != SNN_OK) chan = n_in;
    size_t good = n_steps * chan;
    size_t n_out = mangle(good);
    size_t in_count = n_in;
    if (strcmp(snn_encoder_kind(e) ? snn_encoder_kind(e) : "", "delta") == 0) in_count = n_in * n_steps;
    if (n_out > 100000 || in_count > 100000) {
      /* huge claimed sizes: hand small real buffers only if the library must refuse */
      float tiny[8] = {0};
      float out8[8];
      int rc = snn_encoder_encode(e, out8, n_out > 8 ? 8 : n_out, tiny, n_in, n_steps);
      if (rc == SNN_OK) die("encode accepted a size that does not fit the buffers");
      break;
    }
    float *x = fbuf(in_count), *out = fbuf(n_out);
    fill_f(x, in_count);
    snn_encoder_encode(e, out, n_out, x, n_in, n_steps);
    free(x);
    free(out);
    break;
  }
  case OP_ENC_SPIKE_TIMES: {
    size_t n_in = sz(6);
    size_t chan = 0;
    if (snn_encoder_output_size(&chan, e, n_in) != SNN_OK) chan = n_in;
    size_t n_out = mangle(chan);
    float *x = fbuf(n_in), *t = fbuf(n_out);
    fill_f(x, n_in);
    snn_encoder_spike_times(e, t, n_out, x, n_in);
    free(x);
    free(t);
    break;
  }
  case OP_ENC_FREE:
    snn_encoder_free(e);
    E[i] = NULL;
    break;
  }
}

static void put_layer(int i, snn_layer *l) {
  snn_layer_free(L[i]);
  L[i] = l;
}

static void op_layer(int op) {
  int i = slot(NL);
  switch (op) {
  case OP_LAYER_DENSE: {
    snn_layer *l = (snn_layer *)1;
    uint8_t b = u8();
    size_t ni = b < 250 ? (size_t)(b % 33) : BIG[b % 9];
    uint8_t c = u8();
    size_t no = c < 250 ? (size_t)(c % 17) : BIG[c % 9];
    if (c >= 230 && c < 250) no = 64 + c % 17;
    int rc = snn_layer_create_dense(&l, ni, no, pm());
    chk_out_null(rc, l, "snn_layer_create_dense");
    if (rc == SNN_OK) put_layer(i, l);
    break;
  }
  case OP_LAYER_CONV: {
    snn_layer *l = (snn_layer *)1;
    size_t ic = sz(3), ih = sz(6), iw = sz(6), oc = sz(3), kh = sz(4), kw = sz(4);
    uint8_t b = u8();
    size_t stride = b < 250 ? (size_t)(b % 4) : BIG[b % 9];
    uint8_t c = u8();
    size_t pad = c < 250 ? (size_t)(c % 3) : BIG[c % 9];
    int rc = snn_layer_create_conv2d(&l, ic, ih, iw, oc, kh, kw, stride, pad, pm());
    chk_out_null(rc, l, "snn_layer_create_conv2d");
    if (rc == SNN_OK) put_layer(i, l);
    break;
  }
  case OP_LAYER_POOL: {
    snn_layer *l = (snn_layer *)1;
    size_t c = sz(3), h = sz(6), w = sz(6);
    int32_t kind = (int32_t)(u8() % 5);
    size_t size = sz(4);
    uint8_t b = u8();
    size_t stride = b < 250 ? (size_t)(b % 4) : BIG[b % 9];
    int rc = snn_layer_create_pool2d(&l, c, h, w, kind, size, stride, pm());
    chk_out_null(rc, l, "snn_layer_create_pool2d");
    if (rc == SNN_OK) put_layer(i, l);
    break;
  }
  case OP_LAYER_AUTO: { /* a layer that fits network n's output, added at once */
    int ni;
    snn_network *net = pn(&ni);
    if (!net) break;
    size_t c = 1, h = 1, w = 1;
    size_t k = snn_network_n_layers(net);
    if (k == 0) snn_network_input_shape(&c, &h, &w, net);
    else snn_layer_output_shape(&c, &h, &w, snn_network_layer(net, k - 1));
    snn_layer *l = NULL;
    uint8_t kind = u8() % 4;
    const snn_neuron_model *m = pm();
    int rc;
    if (kind <= 1 || h * w == 1) {
      uint8_t wb = u8();
      rc = snn_layer_create_dense(&l, c * h * w, wb >= 240 ? 64 + wb % 16 : 1 + wb % 8, m);
    } else if (kind == 2) {
      size_t kk = 1 + sz(2);
      size_t oc = 1 + sz(2), st = 1 + sz(1), pad = sz(1);
      rc = snn_layer_create_conv2d(&l, c, h, w, oc, kk, kk, st, pad, m);
    } else {
      size_t s = 1 + sz(1);
      int32_t pk = 1 + u8() % 3;
      const snn_neuron_model *pmod = (u8() & 1) ? m : NULL;
      rc = snn_layer_create_pool2d(&l, c, h, w, pk, s, s, pmod);
    }
    if (rc != SNN_OK) break;
    uint8_t f = u8();
    if (f & 1) snn_layer_set_bias(l, (f >> 1) & 1);
    if (f & 4) snn_layer_set_recurrent(l, 1);
    if (f & 8) {
      size_t n = snn_layer_n_inputs(l);
      int32_t *d = (int32_t *)malloc((n ? n : 1) * sizeof *d);
      for (size_t j = 0; j < n; j++) d[j] = (int32_t)(u8() % 4);
      snn_layer_set_input_delays(l, d, n);
      free(d);
    }
    rc = snn_network_add_layer(net, l);
    if (rc != SNN_OK) snn_layer_free(l);
    break;
  }
  case OP_LAYER_SET_BIAS: {
    int owned;
    snn_layer *l = pl_any(&owned);
    uint8_t b = u8();
    snn_layer_set_bias(l, b < 240 ? (int32_t)(b & 1) : (int32_t)(int8_t)b);
    break;
  }
  case OP_LAYER_SET_REC: {
    int owned;
    snn_layer *l = pl_any(&owned);
    uint8_t b = u8();
    snn_layer_set_recurrent(l, b < 240 ? (int32_t)(b & 1) : (int32_t)(int8_t)b);
    break;
  }
  case OP_LAYER_DELAYS: {
    int owned;
    snn_layer *l = pl_any(&owned);
    size_t n = mangle(snn_layer_n_inputs(l));
    int32_t *d = (int32_t *)malloc((n ? n : 1) * sizeof *d);
    uint8_t mode = u8();
    for (size_t j = 0; j < n; j++) {
      uint8_t b = u8();
      d[j] = mode & 1 ? (int32_t)(b % 5) : (b < 240 ? (int32_t)(b % 3) : (int32_t)u32());
    }
    int rc = snn_layer_set_input_delays(l, (mode & 6) == 6 ? NULL : d, (mode & 6) == 6 ? 0 : n);
    if (rc == SNN_OK && owned) die("set_input_delays succeeded on a network-owned layer");
    int32_t *o = (int32_t *)malloc((n ? n : 1) * sizeof *o);
    snn_layer_input_delays(o, n, l);
    free(o);
    free(d);
    break;
  }
  case OP_LAYER_PARAM_SET: {
    int owned;
    snn_layer *l = pl_any(&owned);
    int32_t which = (int32_t)(u8() % 5);
    size_t n = mangle(snn_layer_param_size(l, which));
    float *buf = fbuf(n);
    fill_f(buf, n);
    int rc = snn_layer_param_set(l, which, buf, n);
    if (rc == SNN_OK) {
      for (size_t j = 0; j < n; j++)
        if (!isfinite(buf[j])) die("layer_param_set accepted a non-finite value");
      float *back = fbuf(n);
      if (snn_layer_param_get(back, l, which, n) != SNN_OK || !bits_eq_f(back, buf, n))
        die("layer param_set then param_get does not round-trip");
      free(back);
    }
    free(buf);
    break;
  }
  case OP_LAYER_PARAM_GET: {
    int owned;
    snn_layer *l = pl_any(&owned);
    int32_t which = (int32_t)(u8() % 5);
    size_t n = mangle(snn_layer_param_size(l, which));
    float *buf = fbuf(n);
    snn_layer_param_get(buf, l, which, n);
    free(buf);
    break;
  }
  case OP_LAYER_QUERY: {
    int owned;
    snn_layer *l = pl_any(&owned);
    size_t a, b, c, d;
    snn_layer_kind(l);
    snn_layer_n_inputs(l);
    snn_layer_n_outputs(l);
    snn_layer_output_shape(&a, &b, &c, l);
    snn_layer_input_shape(&a, NULL, &c, l);
    snn_layer_window(&a, &b, &c, &d, l);
    snn_layer_pool_kind(l);
    snn_layer_has_bias(l);
    snn_layer_is_recurrent(l);
    const snn_neuron_model *m = snn_layer_model(l);
    if (m && (u8() & 1)) {
      snn_neuron_model *cl = NULL;
      if (snn_neuron_model_clone(&cl, m) == SNN_OK) {
        int s = slot(NM);
        snn_neuron_model_free(M[s]);
        M[s] = cl;
      }
    }
    break;
  }
  case OP_LAYER_FREE: {
    int owned;
    snn_layer *l = pl_any(&owned);
    if (owned) {
      snn_layer_free(l); /* must be a no-op */
    } else {
      for (int j = 0; j < NL; j++)
        if (L[j] == l) L[j] = NULL;
      snn_layer_free(l);
    }
    break;
  }
  }
}

static const float *net_input(size_t n, size_t ni, float **keep) {
  float *x = fbuf(n * ni);
  fill_f(x, n * ni);
  *keep = x;
  return x;
}

static void op_net(int op) {
  int ni_;
  switch (op) {
  case OP_NET_CREATE: {
    int i = slot(NN);
    snn_network *n = (snn_network *)1;
    uint8_t b = u8();
    size_t c = b < 250 ? (size_t)(b % 4) : BIG[b % 9];
    size_t h = sz(6), w = sz(8);
    int rc = snn_network_create(&n, c, h, w);
    chk_out_null(rc, n, "snn_network_create");
    if (rc == SNN_OK) {
      free_net(i);
      N[i] = n;
    }
    break;
  }
  case OP_NET_ADD_LAYER: {
    snn_network *net = pn(&ni_);
    int li = slot(NL);
    int rc = snn_network_add_layer(net, L[li]);
    if (rc == SNN_OK) L[li] = NULL; /* the network owns it now */
    break;
  }
  case OP_NET_ADD_OWNED: { /* a layer already in a network: must fail */
    snn_network *net = pn(&ni_);
    int owned;
    snn_layer *l = pl_any(&owned);
    if (!owned || !l) break;
    int rc = snn_network_add_layer(net, l);
    if (rc == SNN_OK) die("add_layer accepted a layer that already belongs to a network");
    break;
  }
  case OP_NET_SET: {
    static const char *const names[] = {"steps", "dt", "seed", "readout", NULL, "Steps"};
    static const double steps_vals[] = {1, 2, 3, 4, 5, 8, 0, -1, 2.5, NAN, 100001, 1e6, INFINITY, 12, 20, 6};
    snn_network *net = pn(&ni_);
    uint8_t b = u8();
    const char *name = names[b % 6];
    double v = (b % 6 == 0) ? steps_vals[u8() % 16] : dbl();
    if (b % 6 == 1 && v > 100) v = 1.0; /* keep dt modest most of the time */
    if (b >= 250) v = dbl();
    if (b % 6 == 0 && b >= 250 && v > 30) v = 30;
    int rc = snn_network_set(net, name, v);
    if (g_trace) fprintf(stderr, "  net_set %s %.17g rc %d\n", name ? name : "(null)", v, rc);
    if (rc == SNN_OK && !isfinite(v)) die("network_set accepted a non-finite value");
    double back;
    snn_network_get(&back, net, name);
    break;
  }
  case OP_NET_SET_STR: {
    static const char *const vals[] = {"count", "membrane", "membrane_max", "", NULL, "Count"};
    snn_network *net = pn(&ni_);
    uint8_t b = u8();
    snn_network_set_str(net, b & 8 ? "readout" : bogus(), vals[b % 6]);
    break;
  }
  case OP_NET_SET_ENCODER: {
    snn_network *net = pn(&ni_);
    snn_network_set_encoder(net, pe());
    break;
  }
  case OP_NET_GET_ENCODER: {
    snn_network *net = pn(&ni_);
    const snn_encoder *e = snn_network_encoder(net);
    if (e) {
      snn_encoder *c = NULL;
      if (snn_encoder_clone(&c, e) == SNN_OK) {
        int s = slot(NE);
        snn_encoder_free(E[s]);
        E[s] = c;
      }
    }
    break;
  }
  case OP_NET_INIT_WEIGHTS: {
    snn_network *net = pn(&ni_);
    snn_network_init_weights(net, u64());
    break;
  }
  case OP_NET_PREDICT: {
    snn_network *net = pn(&ni_);
    size_t n = sz(3);
    size_t ni = mangle(snn_network_n_inputs(net));
    size_t no = snn_network_n_outputs(net);
    uint8_t f = u8();
    if (n * ni > 100000) break;
    float *x;
    net_input(n, ni, &x);
    int32_t *lab = (f & 1) ? (int32_t *)malloc((n ? n : 1) * sizeof(int32_t)) : NULL;
    float *sc = (f & 2) ? fbuf(n * no) : NULL;
    snn_network_predict(net, lab, sc, (f & 4) && n == 0 ? NULL : x, n, ni);
    free(x);
    free(lab);
    free(sc);
    break;
  }
  case OP_NET_EVALUATE: {
    snn_network *net = pn(&ni_);
    double acc = -1;
    int rc = snn_network_evaluate(&acc, net, pd());
    if (rc == SNN_OK && !(acc >= 0.0 && acc <= 1.0)) die("evaluate: accuracy outside [0,1]");
    break;
  }
  case OP_NET_RUN_SEQ: {
    snn_network *net = pn(&ni_);
    size_t T = sz(6);
    size_t ni = mangle(snn_network_n_inputs(net));
    size_t no = snn_network_n_outputs(net);
    uint8_t f = u8();
    if (T * ni > 100000) break;
    float *x = fbuf(T * ni);
    fill_f(x, T * ni);
    float *out = (f & 1) ? fbuf(T * no) : NULL;
    float *mem = (f & 2) ? fbuf(T * no) : NULL;
    snn_network_run_sequence(out, mem, net, x, T, ni);
    free(x);
    free(out);
    free(mem);
    break;
  }
  case OP_NET_ACTIVITY: {
    snn_network *net = pn(&ni_);
    double s, y;
    uint8_t f = u8();
    snn_network_activity(f & 1 ? &s : NULL, f & 2 ? &y : NULL, net, u8() % 4);
    break;
  }
  case OP_NET_SET_DELAYS: {
    snn_network *net = pn(&ni_);
    size_t li = sz(3);
    snn_layer *l = snn_network_layer(net, li);
    size_t n = mangle(snn_layer_n_inputs(l));
    int32_t *d = (int32_t *)malloc((n ? n : 1) * sizeof *d);
    uint8_t mode = u8();
    for (size_t j = 0; j < n; j++) {
      uint8_t b = u8();
      d[j] = b < 240 ? (int32_t)(b % 4) : (int32_t)u32();
    }
    if ((mode & 3) == 3) snn_network_set_input_delays(net, li, NULL, 0);
    else snn_network_set_input_delays(net, li, d, n);
    free(d);
    break;
  }
  case OP_NET_SAVE_LOAD: {
    snn_network *net = pn(&ni_);
    if (!net) break;
    oracle_net_roundtrip(net, slot(NB));
    break;
  }
  case OP_NET_LOAD_BLOB: {
    int b = slot(NB);
    int i = slot(NN);
    uint8_t f = u8();
    size_t size = B[b].size;
    if (f & 1) size = size ? (size_t)u16() % size : 0; /* truncated */
    snn_network *n = (snn_network *)1;
    snn_load_options o;
    load_opts(&o);
    int rc = (f & 2) ? snn_network_load_mem(&n, B[b].data, size)
                     : snn_network_load_mem_ex(&n, B[b].data, size, &o);
    chk_out_null(rc, n, "snn_network_load_mem");
    if (rc == SNN_OK) {
      free_net(i);
      N[i] = n;
    }
    break;
  }
  case OP_NET_CLONE: {
    snn_network *net = pn(&ni_);
    int i = slot(NN);
    snn_network *c = (snn_network *)1;
    int rc = snn_network_clone(&c, net);
    chk_out_null(rc, c, "snn_network_clone");
    if (rc != SNN_OK) break;
    if (u8() & 1) compare_predict(net, c, "clone behaves differently");
    if (ni_ == i) {
      snn_network_free(c);
      break;
    }
    free_net(i);
    N[i] = c;
    break;
  }
  case OP_NET_QUERY: {
    snn_network *net = pn(&ni_);
    size_t a, b, c;
    snn_network_n_layers(net);
    snn_network_layer(net, u8());
    snn_network_n_inputs(net);
    snn_network_n_outputs(net);
    snn_network_input_shape(&a, &b, &c, net);
    double v;
    snn_network_get(&v, net, bogus());
    break;
  }
  case OP_NET_NIR: {
    snn_network *net = pn(&ni_);
    if (!net) break;
    snn_nir_options o;
    snn_nir_options_init(&o, sizeof o);
    uint8_t f = u8();
    o.discretization = f & 1;
    o.reset = (f >> 1) & 1;
    if (f & 4) o.dt = dbl();
    size_t need = 0;
    int rc = snn_network_export_nir_mem(&need, net, NULL, 0, &o);
    if (rc != SNN_E_RANGE || need > (1u << 24)) break;
    unsigned char *buf = (unsigned char *)malloc(need);
    rc = snn_network_export_nir_mem(&need, net, buf, need, &o);
    if (rc == SNN_OK && (f & 8)) {
      double dt;
      snn_network_get(&dt, net, "dt");
      snn_nir_options io;
      snn_nir_options_init(&io, sizeof io);
      io.discretization = o.discretization;
      io.reset = o.reset;
      io.dt = dt / 1000.0;
      snn_network *n2 = (snn_network *)1;
      rc = snn_network_import_nir_mem(&n2, buf, need, &io);
      chk_out_null(rc, n2, "snn_network_import_nir_mem");
      if (rc == SNN_OK) {
        int i = slot(NN);
        if (i == ni_) {
          snn_network_free(n2);
        } else {
          free_net(i);
          N[i] = n2;
        }
      }
    }
    free(buf);
    break;
  }
  case OP_NET_FREE: {
    int i = slot(NN);
    free_net(i);
    break;
  }
  }
}

static void op_ds(int op) {
  int i = slot(ND);
  switch (op) {
  case OP_DS_CREATE: {
    size_t ns = sz(6), nf = sz(8);
    uint8_t f = u8();
    if (f >= 252) ns = BIG[f % 9];
    if (ns * nf > 1000) break;
    float *x = fbuf(ns * nf);
    fill_f(x, ns * nf);
    int32_t *lab = NULL;
    if ((f & 1) && ns <= 1000) {
      lab = (int32_t *)malloc((ns ? ns : 1) * sizeof *lab);
      uint8_t m = u8();
      for (size_t j = 0; j < ns; j++) {
        uint8_t b = u8();
        lab[j] = m < 240 ? (int32_t)(b % 4) : (b < 200 ? (int32_t)(b % 3) : (int32_t)u32());
      }
    }
    snn_dataset *d = (snn_dataset *)1;
    int rc = snn_dataset_create(&d, (f & 2) && ns * nf == 0 ? NULL : x, lab, ns, nf);
    chk_out_null(rc, d, "snn_dataset_create");
    if (rc == SNN_OK) {
      snn_dataset_free(D[i]);
      D[i] = d;
    }
    free(x);
    free(lab);
    break;
  }
  case OP_DS_SPLIT: {
    snn_dataset *tr = (snn_dataset *)1, *te = (snn_dataset *)1;
    const snn_dataset *src = pd();
    double frac = dbl();
    int rc = snn_dataset_split(&tr, &te, src, frac, u64());
    if (rc != SNN_OK && (tr || te)) die("dataset_split failed but left outputs set");
    if (rc == SNN_OK) {
      int j = slot(ND);
      /* src may be D[i] or D[j]: it stays valid until both new ones are stored */
      snn_dataset *old_i = D[i], *old_j = D[j];
      D[i] = tr;
      if (j == i) {
        snn_dataset_free(te);
        snn_dataset_free(old_i);
      } else {
        D[j] = te;
        snn_dataset_free(old_i);
        snn_dataset_free(old_j);
      }
    }
    break;
  }
  case OP_DS_NORMALIZE: {
    const snn_dataset *ref = pd();
    snn_dataset *d = D[i];
    if ((u8() & 1) && d && ref && d != ref) {
      /* documented: normalize(d, ref) == normalize_ranges(d, feature_ranges(ref)), bitwise */
      size_t n = snn_dataset_size(d), nf = snn_dataset_n_features(d);
      if (nf == snn_dataset_n_features(ref) && n * nf < 100000) {
        float *x = fbuf(n * nf), *mn = fbuf(nf), *mx = fbuf(nf);
        int32_t *lab = (int32_t *)malloc(n * 4);
        snn_dataset *d2 = NULL;
        if (snn_dataset_get(x, lab, d, 0, n) == SNN_OK &&
            snn_dataset_create(&d2, x, snn_dataset_n_classes(d) ? lab : NULL, n, nf) == SNN_OK) {
          int ra = snn_dataset_normalize(d, ref);
          int rr = snn_dataset_feature_ranges(mn, mx, nf, ref);
          int rb = rr == SNN_OK ? snn_dataset_normalize_ranges(d2, mn, mx, nf) : rr;
          if (ra != rb) die("normalize and normalize_ranges disagree on the status");
          float *y = fbuf(n * nf);
          snn_dataset_get(x, NULL, d, 0, n);
          snn_dataset_get(y, NULL, d2, 0, n);
          if (ra == SNN_OK && !bits_eq_f(x, y, n * nf)) die("normalize != normalize_ranges(feature_ranges)");
          free(y);
        }
        snn_dataset_free(d2);
        free(x); free(mn); free(mx); free(lab);
        break;
      }
    }
    snn_dataset_normalize(d, ref);
    break;
  }
  case OP_DS_RANGES: {
    size_t nf = mangle(snn_dataset_n_features(D[i]));
    float *mn = fbuf(nf), *mx = fbuf(nf);
    uint8_t f = u8();
    int rc = snn_dataset_feature_ranges(f & 1 ? NULL : mn, f & 2 ? NULL : mx, nf, D[i]);
    if (rc != SNN_OK || (f & 3)) {
      fill_f(mn, nf);
      fill_f(mx, nf);
    } else if (f & 4) {
      if (nf) mn[u8() % nf] = (float)dbl();
    }
    snn_dataset_normalize_ranges(pd(), mn, mx, nf);
    free(mn);
    free(mx);
    break;
  }
  case OP_DS_GET: {
    snn_dataset *d = D[i];
    size_t n = snn_dataset_size(d), nf = snn_dataset_n_features(d);
    snn_dataset_n_classes(d);
    size_t first = sz(6), cnt = sz(6);
    float *x = fbuf(cnt * nf);
    int32_t *lab = (int32_t *)malloc((cnt ? cnt : 1) * 4);
    uint8_t f = u8();
    if (f >= 250) first = BIG[f % 9];
    snn_dataset_get(f & 1 ? NULL : x, f & 2 ? NULL : lab, d, first, cnt);
    (void)n;
    free(x);
    free(lab);
    break;
  }
  case OP_DS_FREE:
    snn_dataset_free(D[i]);
    D[i] = NULL;
    break;
  }
}

static void put_learner(int i, snn_learner *l, int netslot) {
  if (R[i]) free_learner(i);
  R[i] = l;
  Rnet[i] = netslot;
  memset(&Rops[i], 0, sizeof Rops[i]); /* RULE_OPS unless the caller sets it */
}

static void op_learner(int op) {
  switch (op) {
  case OP_BPTT_CREATE: {
    int ni;
    snn_network *net = pn(&ni);
    int i = slot(NR);
    snn_bptt_options *op_ = (snn_bptt_options *)sb();
    snn_bptt_options_init(op_, sizeof *op_);
#define o (*op_)
    uint8_t f = u8();
    if (f & 1) o.learning_rate = dbl();
    if (f & 2) o.batch_size = u8() % 5;
    if (f & 4) o.optimizer = (int32_t)(u8() % 4);
    if (f & 8) o.loss = (int32_t)(u8() % 7);
    if (f & 16) o.surrogate = (int32_t)(u8() % 5);
    if (f & 32) {
      o.surrogate_slope = dbl();
      o.momentum = dbl();
      o.weight_decay = dbl();
      o.grad_clip = dbl();
    }
    if (f & 64) {
      o.schedule = (int32_t)(u8() % 6);
      o.gamma = dbl();
      o.step_epochs = u8() % 3;
      o.total_epochs = u8() % 3;
      o.beta1 = dbl();
      o.beta2 = dbl();
      o.epsilon = dbl();
      o.target_rate = dbl();
    }
    if (f & 128) o.struct_size = claim(op_, sizeof o);
    o.seed = u8();
    snn_learner *l = (snn_learner *)1;
    int rc = snn_learner_create_bptt(&l, net, &o);
#undef o
    chk_out_null(rc, l, "snn_learner_create_bptt");
    if (rc == SNN_OK) put_learner(i, l, ni);
    break;
  }
  case OP_BPTT_TRAIN_BATCH:
  case OP_BPTT_GRADIENT: {
    int i = slot(NR);
    snn_learner *l = R[i];
    snn_network *net = (l && Rnet[i] >= 0) ? N[Rnet[i]] : NULL;
    size_t n = sz(4);
    size_t ni = mangle(snn_network_n_inputs(net));
    if (n * ni > 100000) break;
    float *x = fbuf(n * ni);
    fill_f(x, n * ni);
    int32_t *lab = (int32_t *)malloc((n ? n : 1) * 4);
    uint8_t m = u8();
    for (size_t j = 0; j < n; j++) lab[j] = m < 240 ? (int32_t)(u8() % 4) : (int32_t)(int8_t)u8();
    double loss;
    if (op == OP_BPTT_TRAIN_BATCH) {
      snn_learner_train_batch(l, u8() & 1 ? &loss : NULL, x, lab, n, ni);
    } else {
      size_t ng = mangle(snn_learner_n_params(l));
      if (ng < 1000000) {
        float *g = fbuf(ng);
        snn_learner_gradient(l, g, ng, &loss, x, lab, n, ni);
        free(g);
      }
    }
    free(x);
    free(lab);
    break;
  }
  case OP_LEARNER_SET: {
    snn_learner *l = pr();
    snn_learner_set_learning_rate(l, dbl());
    snn_learner_set_epoch(l, u8() < 250 ? u8() % 4 : u32());
    snn_learner_kind(l);
    snn_learner_n_params(l);
    break;
  }
  case OP_LEARNER_TRAIN_EPOCH: {
    snn_learner *l = pr();
    const snn_dataset *d = pd();
    double loss;
    /* keep the cost bounded: an STDP epoch on the default options is slow */
    snn_learner_train_epoch(l, &loss, d, (u8() & 1) ? progress_cb : NULL, NULL);
    break;
  }
  case OP_STDP_CREATE: {
    int ni;
    snn_network *net = pn(&ni);
    int i = slot(NR);
    snn_stdp_options *op_ = (snn_stdp_options *)sb();
    snn_stdp_options_init(op_, sizeof *op_);
#define o (*op_)
    static const double tp[] = {1, 2, 5, 10, 20, 3, 0.5, -1, NAN, 0, 1.5, 7};
    static const double dts[] = {0.5, 1, 0.25, 2, 10, 0, -1, NAN, 11, 5};
    o.t_present = tp[u8() % 12];
    if (o.t_present == 0 && (u8() & 3)) o.t_present = 4; /* default (350 ms) is rare */
    o.dt = dts[u8() % 10];
    o.max_repeats = 1 + u8() % 3;
    o.t_rest = (u8() & 1) ? dbl() : 0;
    uint8_t f = u8();
    if (f & 1) o.rule = (int32_t)(u8() % 6);
    if (f & 2) {
      o.a_plus = dbl();
      o.a_minus = dbl();
      o.w_min = dbl();
      o.w_max = dbl();
    }
    if (f & 4) {
      o.tau_plus = dbl();
      o.tau_minus = dbl();
      o.tau_triplet = dbl();
      o.x_tar = dbl();
      o.mu = dbl();
    }
    if (f & 8) {
      o.norm_total = dbl();
      o.theta_plus = dbl();
      o.tau_theta = dbl();
      o.max_rate = dbl();
      o.rate_increment = dbl();
      o.min_spikes = u8() % 8;
    }
    if (f & 16) {
      o.inhibition = (int32_t)(u8() % 4);
      o.synapse = (int32_t)(u8() % 4);
      o.integrator = (int32_t)(u8() % 5);
      o.w_exc_inh = dbl();
      o.w_inh_exc = dbl();
    }
    if (f & 32) o.flags = u8() % 32;
    if (f & 64) o.struct_size = claim(op_, sizeof o);
    o.seed = u8();
    if (g_trace)
      fprintf(stderr, "  stdp opts: rule %d a+ %g a- %g tp %g tm %g tt %g wmin %g wmax %g xtar %g mu %g norm %g thp %g tth %g rate %g rinc %g minsp %u maxrep %u tpres %g trest %g dt %g inh %d syn %d wei %g wie %g flags %u seed %llu integ %d size %zu custom %d rc %d\n",
              o.rule, o.a_plus, o.a_minus, o.tau_plus, o.tau_minus, o.tau_triplet, o.w_min, o.w_max, o.x_tar, o.mu, o.norm_total, o.theta_plus, o.tau_theta, o.max_rate, o.rate_increment, o.min_spikes, o.max_repeats, o.t_present, o.t_rest, o.dt, o.inhibition, o.synapse, o.w_exc_inh, o.w_inh_exc, o.flags, (unsigned long long)o.seed, o.integrator, o.struct_size, (f & 128) != 0, 0);
    snn_learner *l = (snn_learner *)1;
    snn_learner_ops custom_ops;
    memset(&custom_ops, 0, sizeof custom_ops);
    int rc;
    if (f & 128) {
      rule_user *ru = (rule_user *)calloc(1, sizeof *ru);
      snn_learner_ops *opsp = (snn_learner_ops *)sb();
      *opsp = RULE_OPS;
#define ops (*opsp)
      uint8_t g = u8();
      if (g >= 240) ops.struct_size = claim(opsp, sizeof ops);
      if (g & 1) ops.trace_add = 1;
      if ((g & 6) == 6) ops.trace_add = 5;
      if (g & 8) ops.tau_pre = dbl();
      if (g & 16) ops.name = NULL;
      rc = snn_learner_create_custom(&l, net, &o, &ops, ru);
      if (g_trace)
        fprintf(stderr, "  custom ops: size %zu name %s tau_pre %g trace_add %d\n", ops.struct_size,
                ops.struct_size > offsetof(snn_learner_ops, name) ? (ops.name ? ops.name : "(null)") : "-", ops.tau_pre, ops.trace_add);
      /* a struct_size that does not cover destroy: the library never calls it */
      int no_destroy = ops.struct_size < offsetof(snn_learner_ops, destroy) + sizeof(void (*)(void));
#undef ops
      if (rc != SNN_OK && (rc != SNN_E_NOMEM || no_destroy)) free(ru);
      if (rc == SNN_OK) custom_ops = *opsp;
      if (rc == SNN_OK && no_destroy) {
        put_learner(i, l, ni);
        Rops[i] = *opsp;
        Ruser[i] = ru;
        l = NULL;
        break;
      }
    } else {
      rc = snn_learner_create_stdp(&l, net, (u8() == 0) ? NULL : &o);
    }
#undef o
    chk_out_null(rc, l, "snn_learner_create_stdp");
    if (rc == SNN_OK) {
      put_learner(i, l, ni);
      Rops[i] = custom_ops;
    }
    break;
  }
  case OP_STDP_PRESENT: {
    int i = slot(NR);
    snn_learner *l = R[i];
    snn_network *net = (l && Rnet[i] >= 0) ? N[Rnet[i]] : NULL;
    snn_layer *first = snn_network_layer(net, 0);
    size_t ni = mangle(snn_layer_n_inputs(first));
    size_t no = mangle(snn_layer_n_outputs(first));
    float *x = fbuf(ni);
    fill_f(x, ni);
    uint32_t *cnt = (uint32_t *)malloc((no ? no : 1) * 4);
    uint8_t f = u8();
    snn_learner_stdp_present(f & 1 ? NULL : cnt, l, no, x, ni, (int32_t)(u8() % 4) - 1, (f >> 1) & 1);
    free(x);
    free(cnt);
    break;
  }
  case OP_STDP_TRAIN: {
    snn_learner *l = pr();
    const snn_dataset *d = pd();
    size_t lim = u8() % 4;
    snn_progress_fn cb = (u8() & 1) ? progress_cb : NULL;
    snn_learner_stdp_train(l, d, lim, cb, NULL);
    break;
  }
  case OP_STDP_LABEL_CLASSIFY: {
    int i = slot(NR);
    snn_learner *l = R[i];
    snn_network *net = (l && Rnet[i] >= 0) ? N[Rnet[i]] : NULL;
    uint8_t f = u8();
    if (f & 1) {
      const snn_dataset *d = pd();
      size_t lim = u8() % 4;
      snn_learner_stdp_label(l, d, lim, (f & 2) ? progress_cb : NULL, NULL);
    } else if (f & 4) {
      double acc;
      const snn_dataset *d = pd();
      size_t lim = u8() % 4;
      snn_learner_stdp_evaluate(&acc, l, d, lim, (f & 2) ? progress_cb : NULL, NULL);
    } else {
      size_t n = sz(3);
      size_t ni = mangle(snn_network_n_inputs(net));
      if (n * ni > 100000) break;
      float *x = fbuf(n * ni);
      fill_f(x, n * ni);
      int32_t *lab = (int32_t *)malloc((n ? n : 1) * 4);
      snn_learner_stdp_classify(lab, l, x, n, ni);
      free(x);
      free(lab);
    }
    break;
  }
  case OP_STDP_APPLY: {
    int i = slot(NR);
    snn_learner *l = R[i];
    snn_network *net = (l && Rnet[i] >= 0) ? N[Rnet[i]] : NULL;
    snn_layer *first = snn_network_layer(net, 0);
    size_t T = sz(5);
    size_t ni = mangle(snn_layer_n_inputs(first)), no = mangle(snn_layer_n_outputs(first));
    size_t npre = mangle(T * ni), npost = mangle(T * no);
    uint8_t *pre = (uint8_t *)malloc(npre ? npre : 1), *post = (uint8_t *)malloc(npost ? npost : 1);
    for (size_t j = 0; j < npre; j++) pre[j] = u8() & 1;
    for (size_t j = 0; j < npost; j++) post[j] = u8() & 1;
    snn_learner_stdp_apply(l, pre, npre, post, npost, T);
    free(pre);
    free(post);
    break;
  }
  case OP_STDP_GETSET: {
    int i = slot(NR);
    snn_learner *l = R[i];
    snn_network *net = (l && Rnet[i] >= 0) ? N[Rnet[i]] : NULL;
    size_t no = mangle(snn_layer_n_outputs(snn_network_layer(net, 0)));
    uint8_t f = u8();
    switch (f % 6) {
    case 0: {
      int32_t *a = (int32_t *)malloc((no ? no : 1) * 4);
      snn_learner_stdp_assignments_get(a, l, no);
      for (size_t j = 0; j < no; j++) a[j] = (int32_t)(u8() % 5) - 2;
      snn_learner_stdp_assignments_set(l, a, no);
      free(a);
      break;
    }
    case 1: {
      float *t = fbuf(no);
      snn_learner_stdp_theta_get(t, l, no);
      if (f & 8) fill_f(t, no);
      snn_learner_stdp_theta_set(l, t, no);
      free(t);
      break;
    }
    case 2: {
      snn_stdp_stats *st = (snn_stdp_stats *)sb();
      st->struct_size = (f & 8) ? sizeof *st : claim(st, sizeof *st);
      snn_learner_stdp_stats(st, l);
      break;
    }
    case 3: {
      static const double ti[] = {0, 1, 5, 10, 2, -1, NAN, 1e9, 0.1, INFINITY};
      snn_learner_stdp_set_t_infer(l, ti[u8() % 10]);
      double t;
      snn_learner_stdp_t_infer(&t, l);
      break;
    }
    case 4: {
      snn_stdp_options *o = (snn_stdp_options *)sb();
      snn_stdp_options_init(o, sizeof *o);
      if (f & 8) o->struct_size = claim(o, sizeof *o);
      snn_learner_stdp_options_get(o, l);
      break;
    }
    default:
      snn_learner_stdp_train(l, NULL, 0, NULL, NULL);
      break;
    }
    break;
  }
  case OP_SP_CREATE: {
    int i = slot(NR);
    size_t ni = sz(6), nh = sz(6), no = sz(3);
    snn_spikeprop_options *op_ = (snn_spikeprop_options *)sb();
    snn_spikeprop_options_init(op_, sizeof *op_);
#define o (*op_)
    uint8_t f = u8();
    o.terminals = (f & 1) ? (uint32_t)(u8() % 5) : 3;
    if (f & 2) {
      o.learning_rate = dbl();
      o.delay_min = dbl();
      o.delay_step = dbl();
      o.inhibitory_fraction = dbl();
    }
    if (f & 4) {
      o.t_max = dbl();
      o.t_early = dbl();
      o.t_late = dbl();
      o.denom_floor = dbl();
    }
    if (f & 8) {
      o.silent_push = dbl();
      o.w_init_min = dbl();
      o.w_init_max = dbl();
      o.weight_decay = dbl();
      o.momentum = dbl();
      o.late_push = dbl();
    }
    if (f & 16) {
      o.bias = u8() % 3;
      o.update = u8() % 3;
      o.batch_size = u8() % 4;
    }
    if (f & 32) o.struct_size = claim(op_, sizeof o);
    if (f & 64) o.terminals = 256;
    o.seed = u8();
    snn_learner *l = (snn_learner *)1;
    const snn_neuron_model *m = pm();
    const snn_encoder *e = pe();
    int rc = snn_learner_create_spikeprop(&l, ni, nh, no, m, e, (f & 128) ? NULL : &o);
#undef o
    chk_out_null(rc, l, "snn_learner_create_spikeprop");
    if (rc == SNN_OK) put_learner(i, l, -1);
    break;
  }
  case OP_SP_RUN:
  case OP_SP_TRAIN:
  case OP_SP_GRADIENT: {
    snn_learner *l = pr();
    size_t ni = 0, nh = 0, no = 0;
    snn_learner_spikeprop_sizes(&ni, &nh, &no, l);
    ni = mangle(ni);
    no = mangle(no);
    float *tin = fbuf(ni), *tout = fbuf(no), *th = NULL;
    fill_f(tin, ni);
    uint8_t f = u8();
    if (f & 1) {
      for (size_t j = 0; j < ni; j++) tin[j] *= 20.0f;
    }
    if (op == OP_SP_RUN) {
      size_t nh2 = mangle(nh);
      th = fbuf(nh2);
      snn_learner_spikeprop_run(tout, no, (f & 2) ? th : NULL, nh2, l, tin, ni);
    } else {
      float *tgt = fbuf(no);
      fill_f(tgt, no);
      for (size_t j = 0; j < no; j++) tgt[j] *= 16.0f;
      double err;
      if (op == OP_SP_TRAIN) {
        int reps = 1 + (f >> 5);
        for (int r = 0; r < reps; r++)
          snn_learner_spikeprop_train_example((f & 2) ? &err : NULL, l, tin, ni, tgt, no);
      } else {
        size_t ng = mangle(snn_learner_n_params(l));
        if (ng < 1000000) {
          double *g = (double *)malloc((ng ? ng : 1) * sizeof(double));
          snn_learner_spikeprop_gradient(g, ng, &err, l, tin, ni, tgt, no);
          free(g);
        }
      }
      free(tgt);
    }
    free(tin);
    free(tout);
    free(th);
    break;
  }
  case OP_SP_QUERY: {
    snn_learner *l = pr();
    snn_spikeprop_options *o = (snn_spikeprop_options *)sb();
    snn_spikeprop_options_init(o, sizeof *o);
    uint8_t f = u8();
    if (f & 1) o->struct_size = claim(o, sizeof *o);
    snn_learner_spikeprop_options_get(o, l);
    snn_neuron_model *m = (snn_neuron_model *)1;
    snn_encoder *e = (snn_encoder *)1;
    int rc = snn_learner_spikeprop_models((f & 2) ? NULL : &m, (f & 4) ? NULL : &e, l);
    if (!(f & 2)) {
      if (rc != SNN_OK && m != NULL) die("spikeprop_models failed but left *neuron set");
      if (rc == SNN_OK && m) {
        int s = slot(NM);
        snn_neuron_model_free(M[s]);
        M[s] = m;
      }
    }
    if (!(f & 4)) {
      if (rc != SNN_OK && e != NULL) die("spikeprop_models failed but left *enc set");
      if (rc == SNN_OK && e) {
        int s = slot(NE);
        snn_encoder_free(E[s]);
        E[s] = e;
      }
    }
    size_t nf;
    snn_learner_spikeprop_n_features(&nf, l);
    break;
  }
  case OP_SP_RANGES: {
    snn_learner *l = pr();
    size_t nf = 0;
    snn_learner_spikeprop_n_features(&nf, l);
    nf = mangle(nf);
    float *mn = fbuf(nf), *mx = fbuf(nf);
    fill_f(mn, nf);
    for (size_t j = 0; j < nf; j++) mx[j] = mn[j] + (float)(u8() % 3);
    uint8_t f = u8();
    int src;
    const float *mxu = (f & 2) ? mn : mx;
    if (f & 1) src = snn_learner_spikeprop_set_input_ranges(l, NULL, NULL, 0);
    else src = snn_learner_spikeprop_set_input_ranges(l, mn, mxu, nf);
    size_t ni = 0, nh = 0, no = 0;
    snn_learner_spikeprop_sizes(&ni, &nh, &no, l);
    if (!(f & 1) && src == SNN_OK && nf > 0 && (f & 4) && nf * 2 < 100000 && no < 10000) {
      /* documented: classifying raw x with ranges == classifying normalize_ranges(x) without */
      size_t n = 2;
      float *x = fbuf(n * nf), *y = fbuf(n * nf), *ta = fbuf(n * no), *tb = fbuf(n * no);
      fill_f(x, n * nf);
      int32_t la[2], lb[2];
      int ra = snn_learner_spikeprop_classify(la, ta, l, x, n, nf);
      snn_dataset *d = NULL;
      if (snn_dataset_create(&d, x, NULL, n, nf) == SNN_OK &&
          snn_dataset_normalize_ranges(d, mn, mxu, nf) == SNN_OK &&
          snn_dataset_get(y, NULL, d, 0, n) == SNN_OK &&
          snn_learner_spikeprop_set_input_ranges(l, NULL, NULL, 0) == SNN_OK) {
        int rb = snn_learner_spikeprop_classify(lb, tb, l, y, n, nf);
        if (ra != rb || (ra == SNN_OK && (memcmp(la, lb, sizeof la) || !bits_eq_f(ta, tb, n * no)))) {
          fprintf(stderr, "rc %d vs %d\n", ra, rb);
          die("spikeprop input ranges differ from normalize_ranges + classify");
        }
        if (snn_learner_spikeprop_set_input_ranges(l, mn, mxu, nf) != SNN_OK)
          die("spikeprop: re-setting accepted ranges failed");
      }
      snn_dataset_free(d);
      free(x); free(y); free(ta); free(tb);
    }
    size_t nr;
    snn_learner_spikeprop_input_ranges(&nr, mn, mx, nf, l);
    free(mn);
    free(mx);
    break;
  }
  case OP_SP_WEIGHTS: {
    snn_learner *l = pr();
    size_t n = mangle(snn_learner_n_params(l));
    if (n > 1000000) break;
    double *w = (double *)malloc((n ? n : 1) * sizeof(double));
    snn_learner_spikeprop_weights_get(w, n, l);
    if (u8() & 1) fill_d(w, n);
    snn_learner_spikeprop_weights_set(l, w, n);
    free(w);
    break;
  }
  case OP_SP_CLASSIFY: {
    snn_learner *l = pr();
    uint8_t f = u8();
    if (f & 1) {
      double acc;
      int rc = snn_learner_spikeprop_evaluate(&acc, l, pd());
      if (rc == SNN_OK && !(acc >= 0 && acc <= 1)) die("spikeprop accuracy outside [0,1]");
    } else {
      size_t nf = 0, ni = 0, nh = 0, no = 0;
      snn_learner_spikeprop_n_features(&nf, l);
      snn_learner_spikeprop_sizes(&ni, &nh, &no, l);
      size_t n = sz(3);
      nf = mangle(nf);
      if (n * nf > 100000) break;
      float *x = fbuf(n * nf), *t = fbuf(n * no);
      fill_f(x, n * nf);
      int32_t *lab = (int32_t *)malloc((n ? n : 1) * 4);
      snn_learner_spikeprop_classify((f & 2) ? NULL : lab, (f & 4) ? NULL : t, l, x, n, nf);
      free(x);
      free(t);
      free(lab);
    }
    break;
  }
  case OP_LEARNER_SAVE_LOAD: {
    int i = slot(NR);
    snn_learner *l = R[i];
    if (!l) break;
    oracle_learner_roundtrip(l, Rnet[i] >= 0 ? N[Rnet[i]] : NULL, &Rops[i], slot(NB));
    break;
  }
  case OP_LEARNER_LOAD_BLOB: {
    int b = slot(NB);
    int i = slot(NR);
    int ni = slot(NN);
    uint8_t f = u8();
    size_t size = B[b].size;
    if (f & 1) size = size ? (size_t)u16() % size : 0;
    snn_load_options o;
    load_opts(&o);
    rule_user *ru = (rule_user *)calloc(1, sizeof *ru);
    snn_learner_ops rops = RULE_OPS;
    if (f & 4) rops.name = "custom";
    o.learner_ops = &rops;
    o.learner_user = ru;
    snn_learner *l = (snn_learner *)1;
    snn_network *n = (snn_network *)1;
    int rc = snn_learner_load_mem(&l, &n, B[b].data, size, (f & 2) ? &o : NULL);
    if (!(f & 2)) free(ru);
    if (rc != SNN_OK && (l || n)) die("learner_load_mem failed but left outputs set");
    if (rc == SNN_OK) {
      if (n) {
        free_net(ni);
        N[ni] = n;
        put_learner(i, l, ni);
      } else {
        put_learner(i, l, -1);
      }
      if (f & 2) Rops[i] = rops;
    }
    break;
  }
  case OP_LEARNER_FREE: {
    int i = slot(NR);
    free_learner(i);
    break;
  }
  }
}

static void op_spnet(int op) {
  int i = slot(NS);
  snn_spnet *s = S[i];
  switch (op) {
  case OP_SPNET_CREATE: {
    snn_spnet_options *op_ = (snn_spnet_options *)sb();
    snn_spnet_options_init(op_, sizeof *op_);
#define o (*op_)
    uint8_t f = u8();
    static const double dts[] = {0.1, 1, 0.5, 0, 10, 11, -1, NAN, 0.25, 2};
    o.dt = dts[u8() % 10];
    if (f & 1) o.seed = u64();
    if (f & 2) o.record_limit = (u8() & 1) ? (size_t)(u8() % 16) : BIG[u8() % 9];
    if (f & 4) o.n_threads = u8() % 4;
    if (f & 8) o.struct_size = claim(op_, sizeof o);
    snn_spnet *q = (snn_spnet *)1;
    int rc = snn_spnet_create(&q, (f & 16) ? NULL : &o);
#undef o
    chk_out_null(rc, q, "snn_spnet_create");
    if (rc == SNN_OK) {
      snn_spnet_free(S[i]);
      S[i] = q;
    }
    break;
  }
  case OP_SPNET_ADD_POP: {
    size_t id;
    uint8_t b = u8();
    size_t n = b < 250 ? (size_t)(1 + b % 16) : BIG[b % 9];
    if (b % 50 == 0) n = 0;
    size_t *idp = (u8() & 1) ? &id : NULL;
    const snn_neuron_model *m = pm();
    snn_spnet_add_population(idp, s, m, n);
    break;
  }
  case OP_SPNET_POP_SET: {
    static const char *const names[] = {"synapse", "tau_exc", "tau_inh", "E_exc", "E_inh",
                                        "I_e",     "record",  "euler",   "V",     NULL};
    size_t pop = sz(3);
    const char *name = names[u8() % 10];
    double v = dbl();
    int rc = snn_spnet_population_set(s, pop, name, v);
    if (rc == SNN_OK && !isfinite(v)) die("spnet_population_set accepted a non-finite value");
    double back;
    snn_spnet_population_get(&back, s, pop, name);
    break;
  }
  case OP_SPNET_CONNECT: {
    snn_spnet_connect_options *op_ = (snn_spnet_connect_options *)sb();
    snn_spnet_connect_options_init(op_, sizeof *op_);
#define o (*op_)
    uint8_t f = u8();
    o.rule = (f & 1) ? SNN_SPNET_FIXED_INDEGREE : SNN_SPNET_FIXED_PROB;
    if (f & 2) o.rule = (int32_t)(u8() % 4);
    o.receptor = (int32_t)(u8() % 3);
    static const double ps_[] = {0.5, 1, 0.1, 0.02, 0, -0.5, 1.5, NAN};
    o.p = ps_[u8() % 8];
    o.in_degree = u8() % 6;
    o.autapses = (f & 4) ? 1 : 0;
    o.weight = (f & 8) ? dbl() : (double)((int)(u8() % 41) - 20);
    o.weight_sd = (f & 16) ? dbl() : 0.0;
    o.delay = (f & 32) ? dbl() : (double)(u8() % 4);
    if (f & 64) o.struct_size = claim(op_, sizeof o);
    size_t nsyn;
    size_t src = sz(2), dst = sz(2);
    snn_spnet_connect((f & 128) ? NULL : &nsyn, s, src, dst, &o);
#undef o
    break;
  }
  case OP_SPNET_STATE: {
    static const char *const vars[] = {"V", "I_exc", "I_inh", "g_exc", "g_inh", "u", "w", "x", "count", NULL};
    size_t pop = sz(2);
    size_t first = 0, n = 0;
    snn_spnet_population_range(&first, &n, s, pop);
    const char *var = vars[u8() % 10];
    uint8_t f = u8();
    size_t k = mangle(n);
    float *buf = fbuf(k);
    if (f % 3 == 0) {
      snn_spnet_state_get(buf, s, pop, var, k);
    } else if (f % 3 == 1) {
      fill_f(buf, k);
      snn_spnet_state_set(s, pop, var, buf, k);
    } else {
      double lo = dbl(), hi = dbl();
      snn_spnet_state_uniform(s, pop, var, lo, hi);
    }
    free(buf);
    break;
  }
  case OP_SPNET_RUN: {
    uint8_t f = u8();
    double dur;
    if (f < 240) {
      snn_spnet_options o; /* durations in whole steps of small counts */
      (void)o;
      dur = (double)(f % 40) * 0.1 * (1 + (u8() % 10));
    } else {
      dur = dbl();
      if (isfinite(dur) && dur > 50.0) dur = 50.0;
    }
    snn_spnet_run(s, dur);
    snn_spnet_time(s);
    break;
  }
  case OP_SPNET_QUERY: {
    snn_spnet_stats *st = (snn_spnet_stats *)sb();
    uint8_t f = u8();
    st->struct_size = (f & 1) ? claim(st, sizeof *st) : sizeof *st;
    snn_spnet_stats_get(st, s);
    snn_spnet_n_neurons(s);
    snn_spnet_n_populations(s);
    size_t cnt = snn_spnet_spike_count(s);
    size_t first = sz(8), n = sz(8);
    if (f & 2) n = mangle(cnt);
    if (f >= 250) first = BIG[f % 9];
    uint32_t *ne = (uint32_t *)malloc((n ? n : 1) * 4);
    double *t = (double *)malloc((n ? n : 1) * 8);
    snn_spnet_spikes_get((f & 4) ? NULL : ne, (f & 8) ? NULL : t, s, first, n);
    free(ne);
    free(t);
    if (f & 16) snn_spnet_spikes_clear(s);
    size_t a, b;
    snn_spnet_population_range(&a, &b, s, u8() % 4);
    break;
  }
  case OP_SPNET_RESET:
    snn_spnet_reset(s);
    break;
  case OP_SPNET_SAVE_LOAD:
    if (s) oracle_spnet_roundtrip(s, slot(NB));
    break;
  case OP_SPNET_LOAD_BLOB: {
    int b = slot(NB);
    uint8_t f = u8();
    size_t size = B[b].size;
    if (f & 1) size = size ? (size_t)u16() % size : 0;
    snn_spnet *q = (snn_spnet *)1;
    int rc = snn_spnet_load_mem(&q, B[b].data, size);
    chk_out_null(rc, q, "snn_spnet_load_mem");
    if (rc == SNN_OK) {
      snn_spnet_free(S[i]);
      S[i] = q;
    }
    break;
  }
  case OP_SPNET_FREE:
    snn_spnet_free(s);
    S[i] = NULL;
    break;
  }
}

/* a ready network: 1 x 1 x n_in -> dense(n_h) [-> dense(n_out)] */
static void op_quick_net(void) {
  int i = slot(NN);
  size_t ni = 1 + sz(7), nh = 1 + sz(5);
  uint8_t f = u8();
  snn_network *n = NULL;
  if (snn_network_create(&n, 1, 1, ni) != SNN_OK) return;
  const snn_neuron_model *m = pm();
  snn_neuron_model *lif = NULL;
  if (!m) {
    if (snn_neuron_model_create_preset(&lif, (f & 1) ? "if" : "lif", "normalized") != SNN_OK) {
      snn_network_free(n);
      return;
    }
    m = lif;
  }
  uint8_t g = u8();
  if (g & 4) nh = 64 + sz(20); /* wide enough for the engine's panel kernels */
  snn_layer *l = NULL;
  if (snn_layer_create_dense(&l, ni, nh, m) == SNN_OK) {
    if (g & 8) snn_layer_set_recurrent(l, 1);
    if (g & 64) snn_layer_set_bias(l, 0);
    if (snn_network_add_layer(n, l) != SNN_OK) snn_layer_free(l);
  }
  if (f & 2) {
    l = NULL;
    if (snn_layer_create_dense(&l, nh, 1 + sz(3), m) == SNN_OK &&
        snn_network_add_layer(n, l) != SNN_OK)
      snn_layer_free(l);
  }
  if (g_trace) fprintf(stderr, "  quick net: ni %zu nh %zu f 0x%x g 0x%x model %s\n", ni, nh, f, g, snn_neuron_model_kind(m));
  snn_network_set(n, "steps", 1 + (f >> 4) % 6);
  static const char *const ek[] = {NULL, "rate", "latency", "direct"};
  if (ek[g % 4]) {
    snn_encoder *e = NULL;
    if (snn_encoder_create(&e, ek[g % 4]) == SNN_OK) {
      if (g & 32) snn_encoder_set(e, strcmp(ek[g % 4], "direct") == 0 ? "gain" : "dt", 2.0);
      snn_network_set_encoder(n, e);
      snn_encoder_free(e);
    }
  }
  if (g & 16) snn_network_set_str(n, "readout", (g & 128) ? "membrane_max" : "membrane");
  snn_network_init_weights(n, f);
  snn_neuron_model_free(lif);
  free_net(i);
  N[i] = n;
}

/* a labelled dataset that fits network slot n (features = inputs, classes <= outputs) */
static void op_quick_ds(void) {
  int i = slot(ND);
  snn_network *net = pn(NULL);
  size_t nf = snn_network_n_inputs(net), no = snn_network_n_outputs(net);
  if (nf == 0 || nf > 4096 || no == 0) return;
  size_t ns = 1 + sz(7);
  float *x = fbuf(ns * nf);
  fill_f(x, ns * nf);
  int32_t lab[8];
  for (size_t j = 0; j < ns; j++) lab[j] = (int32_t)(u8() % no);
  snn_dataset *d = NULL;
  if (snn_dataset_create(&d, x, lab, ns, nf) == SNN_OK) {
    snn_dataset_free(D[i]);
    D[i] = d;
  }
  free(x);
}

static void op_misc(void) {
  uint8_t f = u8();
  switch (f % 8) {
  case 0:
    snn_strerror((int)(int8_t)u8());
    snn_last_error();
    break;
  case 1:
    snn_clear_error();
    break;
  case 2:
    snn_set_error((u8() & 1) ? NULL : "x");
    break;
  case 3: {
    void *b;
    b = sb(); snn_bptt_options_init(b, claim(b, sizeof(snn_bptt_options)));
    b = sb(); snn_stdp_options_init(b, claim(b, sizeof(snn_stdp_options)));
    b = sb(); snn_spikeprop_options_init(b, claim(b, sizeof(snn_spikeprop_options)));
    b = sb(); snn_load_options_init(b, claim(b, sizeof(snn_load_options)));
    b = sb(); snn_nir_options_init(b, claim(b, sizeof(snn_nir_options)));
    b = sb(); snn_spnet_options_init(b, claim(b, sizeof(snn_spnet_options)));
    b = sb(); snn_spnet_connect_options_init(b, claim(b, sizeof(snn_spnet_connect_options)));
    break;
  }
  case 4: {
    snn_allocator a = {sizeof a, fz_malloc, fz_free, NULL};
    /* objects exist: only call with an invalid struct (no change) */
    a.struct_size = u8() % 8;
    snn_set_allocator(&a);
    break;
  }
  default:
    snn_version_number();
    snn_version_string();
    snn_features();
    break;
  }
}

static void run_op(int op) {
  if (op <= OP_MODEL_FREE) op_model(op);
  else if (op <= OP_POP_FREE) op_pop(op);
  else if (op <= OP_ENC_FREE) op_enc(op);
  else if (op <= OP_LAYER_FREE) op_layer(op);
  else if (op <= OP_NET_FREE) op_net(op);
  else if (op <= OP_DS_FREE) op_ds(op);
  else if (op <= OP_LEARNER_FREE) op_learner(op);
  else if (op <= OP_SPNET_FREE) op_spnet(op);
  else if (op == OP_FAIL_ALLOC) {
    g_fail_at = u8() % 64;
    g_fail_sticky = u8() & 1;
  } else if (op == OP_CB_FAIL) {
    g_cb_fail = u8() % 6;
  } else if (op == OP_CANCEL) {
    int8_t v = (int8_t)u8();
    g_cancel_at = v < 0 ? -1 : v % 4;
  } else if (op == OP_QUICK_NET) {
    op_quick_net();
  } else if (op == OP_QUICK_DS) {
    op_quick_ds();
  } else {
    op_misc();
  }
}

static void cleanup(void) {
  disarm();
  g_cb_fail = 0;
  for (int i = 0; i < NR; i++) free_learner(i);
  for (int i = 0; i < NN; i++) free_net(i);
  for (int i = 0; i < NL; i++) { snn_layer_free(L[i]); L[i] = NULL; }
  for (int i = 0; i < NP; i++) { snn_population_free(P[i]); P[i] = NULL; }
  for (int i = 0; i < NE; i++) { snn_encoder_free(E[i]); E[i] = NULL; }
  for (int i = 0; i < ND; i++) { snn_dataset_free(D[i]); D[i] = NULL; }
  for (int i = 0; i < NS; i++) { snn_spnet_free(S[i]); S[i] = NULL; }
  for (int i = 0; i < NM; i++) { snn_neuron_model_free(M[i]); M[i] = NULL; }
  for (int i = 0; i < NB; i++) { free(B[i].data); B[i].data = NULL; B[i].size = 0; B[i].kind = 0; }
  for (int i = 0; i < NLOAD; i++) { snn_neuron_model_free(g_load_models[i]); g_load_models[i] = NULL; }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snn_allocator a = {sizeof a, fz_malloc, fz_free, NULL};
  if (snn_set_allocator(&a) != SNN_OK) abort();
  g_trace = getenv("FUZZ_API_TRACE") != NULL;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g_p = data;
  g_n = size;
  g_cancel_at = -1;
  g_cb_fail = 0;
  for (int i = 0; i < NR; i++) Rnet[i] = -1;
  /* models of the custom kinds, for the load options */
  make_custom(&g_load_models[0], 0);
  make_custom(&g_load_models[1], 1);
  make_custom(&g_load_models[2], 7);
  int ops = 0;
  while (g_n > 0 && ops < 64) {
    int op = u8() % OP_COUNT;
    int armed = op == OP_FAIL_ALLOC;
    int oracle = op == OP_NET_SAVE_LOAD || op == OP_SPNET_SAVE_LOAD || op == OP_LEARNER_SAVE_LOAD ||
                 op == OP_NET_CLONE;
    if (oracle) {
      disarm();
      g_cb_fail = 0;
    }
    if (g_trace) {
      snn_clear_error();
      fprintf(stderr, "[%d] %s\n", ops, OP_NAMES[op]);
    }
    const uint8_t *save_p = g_p;
    size_t save_n = g_n;
    int was_armed = g_fail_at >= 0;
    g_injected = g_refused = 0;
    run_op(op);
    if (was_armed && g_injected && !armed && op != OP_MODEL_CUSTOM && op != OP_SP_QUERY &&
        op != OP_NET_NIR && op != OP_LAYER_QUERY && op != OP_NET_GET_ENCODER) {
      /* "interrupted by SNN_E_NOMEM ... the same call succeeds once memory is available":
         replay the opcode with memory available; it must not run out of memory again */
      disarm();
      g_p = save_p;
      g_n = save_n;
      g_refused = 0;
      snn_clear_error();
      run_op(op);
      if (!g_refused && strstr(snn_last_error(), "out of memory")) {
        fprintf(stderr, "replayed %s after an injected allocation failure\n", OP_NAMES[op]);
        die("still out of memory after the allocation failure was lifted");
      }
    }
    if (g_trace && snn_last_error()[0]) fprintf(stderr, "      last_error: %s\n", snn_last_error());
    if (!armed) disarm(); /* an armed failure applies to the next opcode only */
    ops++;
  }
  cleanup();
  return 0;
}

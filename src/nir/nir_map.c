/* Mapping between a NIR graph and an snn_network (see docs/nir.md).
 *
 * Import flattens nested NIRGraph nodes (names become "outer.inner"), removes
 * pass-through nodes (Input/Output of sub-graphs, Flatten), and then walks the
 * chain from the graph's Input to its Output. libsnn layers are "connection +
 * neuron population", so the chain must read
 *   Input -> [conn -> neuron | pool]* -> Output,
 * where conn is a run of Affine/Linear/Scale (composed into one dense map),
 * Scale* Conv1d/Conv2d Scale* (scales folded per channel) or one
 * SumPool2d/AvgPool2d, and neuron is LIF/IF/LI/CubaLIF/CubaLI/I/Threshold. A neuron node may have one recurrent Affine/Linear
 * loop onto itself (a cycle through one node). Anything else fails with
 * SNN_E_UNSUPPORTED naming the node. Time: the file's unit is taken as seconds
 * (all known exporters), libsnn works in ms, so times are multiplied by 1000. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/network.h"
#include "nir_graph.h"

#define MS_PER_UNIT 1000.0

/* ---- flat view ---------------------------------------------------------------- */
typedef struct fnode {
  const snn__nir_node *nd;
  char *name;
  int ident;   /* pass-through: inner Input/Output, Flatten */
  int io;      /* 1 top-level Input, 2 top-level Output */
  int visited;
} fnode;

typedef struct flat {
  fnode *n;
  size_t nn, cap;
  size_t *e; /* 2 per edge: src, dst index */
  size_t ne, cape;
} flat;

static void flat_free(flat *F) {
  for (size_t i = 0; i < F->nn; i++) snn__free(F->n[i].name);
  snn__free(F->n);
  snn__free(F->e);
}

static char *join(const char *prefix, const char *name) {
  size_t a = strlen(prefix), b = strlen(name);
  char *s = snn__malloc(a + b + 1);
  if (!s) return NULL;
  memcpy(s, prefix, a);
  memcpy(s + a, name, b + 1);
  return s;
}

static int is_type(const snn__nir_node *nd, const char *t) { return strcmp(nd->type, t) == 0; }

static int flat_nodes(flat *F, const snn__nir_graph *g, const char *prefix, int depth,
                      const char *fn) {
  for (size_t i = 0; i < g->n_nodes; i++) {
    const snn__nir_node *nd = &g->nodes[i];
    if (is_type(nd, "NIRGraph")) {
      if (!nd->sub)
        return snn__error(SNN_E_FORMAT, "%s: NIRGraph node '%s%s' has no nodes", fn, prefix,
                          nd->name);
      if (depth + 1 >= SNN__NIR_MAX_DEPTH)
        return snn__error(SNN_E_UNSUPPORTED, "%s: sub-graphs nested deeper than %d", fn,
                          SNN__NIR_MAX_DEPTH);
      char p2[512];
      int k = snprintf(p2, sizeof p2, "%s%s.", prefix, nd->name);
      if (k < 0 || (size_t)k >= sizeof p2)
        return snn__error(SNN_E_UNSUPPORTED, "%s: node name too long", fn);
      int rc = flat_nodes(F, nd->sub, p2, depth + 1, fn);
      if (rc != SNN_OK) return rc;
      continue;
    }
    if (F->nn == F->cap) {
      size_t cap = F->cap ? 2 * F->cap : 16;
      fnode *nn = snn__realloc(F->n, F->cap * sizeof *nn, cap * sizeof *nn);
      if (!nn) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      F->n = nn;
      F->cap = cap;
    }
    fnode *f = &F->n[F->nn];
    memset(f, 0, sizeof *f);
    f->nd = nd;
    f->name = join(prefix, nd->name);
    if (!f->name) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    F->nn++;
    int io = is_type(nd, "Input") ? 1 : is_type(nd, "Output") ? 2 : 0;
    if (depth == 0) f->io = io;
    else if (io) f->ident = 1;
    if (is_type(nd, "Flatten")) f->ident = 1;
  }
  return SNN_OK;
}

static long flat_find(const flat *F, const char *name) {
  for (size_t i = 0; i < F->nn; i++)
    if (strcmp(F->n[i].name, name) == 0) return (long)i;
  return -1;
}

/* Resolves an edge end `name` given in graph g (with prefix) to a flat index:
 * a sub-graph node stands for its Input (dst) or Output (src) node; "a.b"
 * addresses node b inside sub-graph a. */
static long resolve(const flat *F, const snn__nir_graph *g, const char *prefix, const char *name,
                    int is_src, int depth) {
  if (depth > SNN__NIR_MAX_DEPTH) return -1;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const snn__nir_node *nd = &g->nodes[i];
    if (strcmp(nd->name, name) != 0) continue;
    char full[512];
    int k = snprintf(full, sizeof full, "%s%s", prefix, name);
    if (k < 0 || (size_t)k >= sizeof full) return -1;
    if (!is_type(nd, "NIRGraph")) return flat_find(F, full);
    if (!nd->sub) return -1;
    const char *want = is_src ? "Output" : "Input";
    long found = -1;
    for (size_t j = 0; j < nd->sub->n_nodes; j++)
      if (is_type(&nd->sub->nodes[j], want)) {
        if (found >= 0) return -1; /* ambiguous */
        found = (long)j;
      }
    if (found < 0) return -1;
    char p2[512];
    k = snprintf(p2, sizeof p2, "%s%s.", prefix, name);
    if (k < 0 || (size_t)k >= sizeof p2) return -1;
    return resolve(F, nd->sub, p2, nd->sub->nodes[found].name, is_src, depth + 1);
  }
  /* dotted: the longest prefix that names a sub-graph */
  const char *dot = strchr(name, '.');
  while (dot) {
    size_t len = (size_t)(dot - name);
    for (size_t i = 0; i < g->n_nodes; i++) {
      const snn__nir_node *nd = &g->nodes[i];
      if (nd->sub && strlen(nd->name) == len && strncmp(nd->name, name, len) == 0) {
        char p2[512];
        int k = snprintf(p2, sizeof p2, "%s%s.", prefix, nd->name);
        if (k < 0 || (size_t)k >= sizeof p2) return -1;
        return resolve(F, nd->sub, p2, dot + 1, is_src, depth + 1);
      }
    }
    dot = strchr(dot + 1, '.');
  }
  return -1;
}

static int flat_add_edge(flat *F, size_t a, size_t b, const char *fn) {
  if (F->ne == F->cape) {
    size_t cap = F->cape ? 2 * F->cape : 16;
    size_t *ne = snn__realloc(F->e, 2 * F->cape * sizeof *ne, 2 * cap * sizeof *ne);
    if (!ne) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    F->e = ne;
    F->cape = cap;
  }
  F->e[2 * F->ne] = a; /* duplicates are removed at the end (flat_dedup) */
  F->e[2 * F->ne + 1] = b;
  F->ne++;
  return SNN_OK;
}

/* (src, dst, position) of an edge, for sorting */
typedef struct edge_key {
  size_t a, b, pos;
} edge_key;

static int edge_cmp(const void *x, const void *y) {
  const edge_key *p = x, *q = y;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  if (p->b != q->b) return p->b < q->b ? -1 : 1;
  return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* Collapses duplicate edges, keeping each one's first occurrence in order:
 * O(E log E) (a scan per added edge was quadratic; 200,000 edges took 47 s).
 * Then refuses graphs with far more edges than nodes: every libsnn layer
 * takes one input (two with its recurrent loop), so such a graph could not
 * map anyway, and the mapping's per-node scans would take O(N E). */
static int flat_dedup(flat *F, const char *fn) {
  if (F->ne < 2) return SNN_OK;
  edge_key *k = snn__malloc(F->ne * sizeof *k);
  uint8_t *drop = snn__calloc(F->ne, 1);
  if (!k || !drop) {
    snn__free(k);
    snn__free(drop);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  for (size_t i = 0; i < F->ne; i++) k[i] = (edge_key){F->e[2 * i], F->e[2 * i + 1], i};
  qsort(k, F->ne, sizeof *k, edge_cmp);
  for (size_t i = 1; i < F->ne; i++)
    if (k[i].a == k[i - 1].a && k[i].b == k[i - 1].b) drop[k[i].pos] = 1;
  size_t w = 0;
  for (size_t i = 0; i < F->ne; i++) {
    if (drop[i]) continue;
    F->e[2 * w] = F->e[2 * i];
    F->e[2 * w + 1] = F->e[2 * i + 1];
    w++;
  }
  F->ne = w;
  snn__free(k);
  snn__free(drop);
  if (F->ne > 4 * F->nn + 16)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: the graph has %zu distinct edges between %zu nodes; libsnn imports "
                      "chains of layers (one input each, plus a recurrent loop)",
                      fn, F->ne, F->nn);
  return SNN_OK;
}

static int named_by_edge(const snn__nir_graph *g, const char *name) {
  for (size_t e = 0; e < 2 * g->n_edges; e++)
    if (strcmp(g->edges[e], name) == 0) return 1;
  return 0;
}

static int names_node(const snn__nir_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].name, name) == 0) return 1;
  return 0;
}

/* Tolerance for sub-graphs whose edges call one node by another name (as in
 * snnTorch's braille_noDelay_bias_zero_subgraph.nir: node "lif1", edges "lif"):
 * when exactly one edge name inside a sub-graph names no node and exactly one
 * node of it is named by no edge, the name stands for that node. */
static void find_alias(const snn__nir_graph *g, const char **from, const char **to) {
  *from = *to = NULL;
  size_t nu = 0, nn = 0;
  for (size_t e = 0; e < 2 * g->n_edges; e++) {
    const char *s = g->edges[e];
    if (names_node(g, s) || strchr(s, '.')) continue;
    if (*from && strcmp(*from, s) == 0) continue;
    *from = s;
    nu++;
  }
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!named_by_edge(g, g->nodes[i].name)) {
      *to = g->nodes[i].name;
      nn++;
    }
  if (nu != 1 || nn != 1) *from = *to = NULL;
}

static int flat_edges(flat *F, const snn__nir_graph *g, const char *prefix, int depth,
                      const char *fn) {
  const char *al_from = NULL, *al_to = NULL;
  if (depth > 0) find_alias(g, &al_from, &al_to);
  for (size_t e = 0; e < g->n_edges; e++) {
    const char *a = g->edges[2 * e], *b = g->edges[2 * e + 1];
    if (al_from && strcmp(a, al_from) == 0) a = al_to;
    if (al_from && strcmp(b, al_from) == 0) b = al_to;
    long ia = resolve(F, g, prefix, a, 1, 0), ib = resolve(F, g, prefix, b, 0, 0);
    if (ia < 0 || ib < 0)
      return snn__error(SNN_E_FORMAT, "%s: edge %s%s -> %s%s names no node ('%s%s')", fn, prefix,
                        a, prefix, b, prefix, ia < 0 ? a : b);
    int rc = flat_add_edge(F, (size_t)ia, (size_t)ib, fn);
    if (rc != SNN_OK) return rc;
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    const snn__nir_node *nd = &g->nodes[i];
    if (!nd->sub) continue;
    char p2[512];
    int k = snprintf(p2, sizeof p2, "%s%s.", prefix, nd->name);
    if (k < 0 || (size_t)k >= sizeof p2) return snn__error(SNN_E_UNSUPPORTED, "%s: name too long", fn);
    int rc = flat_edges(F, nd->sub, p2, depth + 1, fn);
    if (rc != SNN_OK) return rc;
  }
  return SNN_OK;
}

static size_t n_pred(const flat *F, size_t k) {
  size_t c = 0;
  for (size_t i = 0; i < F->ne; i++) c += F->e[2 * i + 1] == k;
  return c;
}
static size_t n_succ(const flat *F, size_t k) {
  size_t c = 0;
  for (size_t i = 0; i < F->ne; i++) c += F->e[2 * i] == k;
  return c;
}
static long succ_at(const flat *F, size_t k, size_t j) {
  for (size_t i = 0; i < F->ne; i++)
    if (F->e[2 * i] == k && j-- == 0) return (long)F->e[2 * i + 1];
  return -1;
}
static long pred_at(const flat *F, size_t k, size_t j) {
  for (size_t i = 0; i < F->ne; i++)
    if (F->e[2 * i + 1] == k && j-- == 0) return (long)F->e[2 * i];
  return -1;
}

/* Removes pass-through nodes: p -> k -> s becomes p -> s. */
static int contract(flat *F, const char *fn) {
  for (size_t k = 0; k < F->nn; k++) {
    if (!F->n[k].ident) continue;
    size_t np = n_pred(F, k);
    if (np > 1)
      return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) has %zu inputs; libsnn layers take one",
                        fn, F->n[k].name, F->n[k].nd->type, np);
    long p = np ? pred_at(F, k, 0) : -1;
    if (p == (long)k)
      return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) feeds itself", fn, F->n[k].name,
                        F->n[k].nd->type);
    size_t w = 0;
    for (size_t i = 0; i < F->ne; i++) {
      size_t a = F->e[2 * i], b = F->e[2 * i + 1];
      if (b == k) continue;          /* p -> k dropped */
      if (a == k) {
        if (p < 0) continue;         /* nothing feeds k: its outputs are dropped */
        a = (size_t)p;
      }
      int dup = 0;
      for (size_t j = 0; j < w; j++) dup |= F->e[2 * j] == a && F->e[2 * j + 1] == b;
      if (dup) continue;
      F->e[2 * w] = a;
      F->e[2 * w + 1] = b;
      w++;
    }
    F->ne = w;
    F->n[k].visited = 1; /* not part of the chain check */
  }
  return SNN_OK;
}

/* ---- field access ------------------------------------------------------------- */
/* A field that is required (or defaults to def when absent and has_def), holding
 * 1 or n values that must all be equal and finite. */
static int get_uniform(double *out, const fnode *f, const char *name, size_t n, int has_def,
                       double def, const char *fn) {
  const snn__nir_field *fl = snn__nir_field_get(f->nd, name);
  if (!fl) {
    if (has_def) {
      *out = def;
      return SNN_OK;
    }
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) lacks the field '%s'", fn, f->name,
                      f->nd->type, name);
  }
  if (fl->kind == SNN__NIR_STR || fl->n == 0 || (n && fl->n != 1 && fl->n != n))
    return snn__error(SNN_E_FORMAT,
                      "%s: node '%s' (%s): field '%s' must hold 1 or %zu numbers (got %zu)", fn,
                      f->name, f->nd->type, name, n, fl->kind == SNN__NIR_STR ? 0 : fl->n);
  for (size_t i = 0; i < fl->n; i++) {
    if (!isfinite(fl->v[i]))
      return snn__error(SNN_E_FORMAT, "%s: node '%s': %s[%zu] is not finite", fn, f->name, name, i);
    if (fl->v[i] != fl->v[0])
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: node '%s' (%s): '%s' differs between neurons (%g at 0, %g at %zu); "
                        "libsnn neuron models take one value per layer",
                        fn, f->name, f->nd->type, name, fl->v[0], fl->v[i], i);
  }
  *out = fl->v[0];
  return SNN_OK;
}

/* Integer pair (stride, padding, kernel_size, dilation): 1 or 2 equal values. */
static int get_pair(size_t *out, const fnode *f, const char *name, int has_def, size_t def,
                    const char *fn) {
  const snn__nir_field *fl = snn__nir_field_get(f->nd, name);
  if (!fl) {
    if (has_def) {
      *out = def;
      return SNN_OK;
    }
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) lacks the field '%s'", fn, f->name,
                      f->nd->type, name);
  }
  if (fl->kind == SNN__NIR_STR || (fl->n != 1 && fl->n != 2))
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): '%s' must be 1 or 2 integers", fn,
                      f->name, f->nd->type, name);
  for (size_t i = 0; i < fl->n; i++)
    if (!(fl->v[i] >= 0 && fl->v[i] <= 1048576.0) || fl->v[i] != floor(fl->v[i]))
      return snn__error(SNN_E_FORMAT, "%s: node '%s': %s[%zu] = %g is not a size", fn, f->name,
                        name, i, fl->v[i]);
  if (fl->n == 2 && fl->v[0] != fl->v[1])
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: node '%s' (%s): %s (%g, %g) differs between height and width; libsnn "
                      "uses one value for both",
                      fn, f->name, f->nd->type, name, fl->v[0], fl->v[1]);
  *out = (size_t)fl->v[0];
  return SNN_OK;
}

/* Copies a float field of exactly `n` values with the given leading shape. */
static int get_weights(float *dst, const fnode *f, const char *name, int rank,
                       const size_t *dims, const char *fn) {
  const snn__nir_field *fl = snn__nir_field_get(f->nd, name);
  if (!fl) return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) lacks '%s'", fn, f->name, f->nd->type, name);
  int ok = fl->kind != SNN__NIR_STR && fl->rank == rank;
  for (int i = 0; ok && i < rank; i++) ok = fl->dims[i] == dims[i];
  if (!ok) {
    char want[96] = "", got[96] = "";
    for (int i = 0; i < rank; i++)
      snprintf(want + strlen(want), sizeof want - strlen(want), "%s%zu", i ? "x" : "", dims[i]);
    for (int i = 0; fl->kind != SNN__NIR_STR && i < fl->rank; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", i ? "x" : "", fl->dims[i]);
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): '%s' has shape [%s], expected [%s]", fn,
                      f->name, f->nd->type, name, got, want);
  }
  for (size_t i = 0; i < fl->n; i++) {
    if (!isfinite(fl->v[i]) || fabs(fl->v[i]) > 3.4e38)
      return snn__error(SNN_E_FORMAT, "%s: node '%s': %s[%zu] is not a finite float", fn, f->name,
                        name, i);
    dst[i] = (float)fl->v[i];
  }
  return SNN_OK;
}

static int is_neuron(const snn__nir_node *nd) {
  return is_type(nd, "LIF") || is_type(nd, "IF") || is_type(nd, "LI") || is_type(nd, "CubaLIF") ||
         is_type(nd, "CubaLI") || is_type(nd, "I") || is_type(nd, "Threshold");
}
static int is_pool(const snn__nir_node *nd) {
  return is_type(nd, "SumPool2d") || is_type(nd, "AvgPool2d");
}
static int is_convnd(const snn__nir_node *nd) {
  return is_type(nd, "Conv2d") || is_type(nd, "Conv1d");
}
/* dense linear maps: composed with each other (docs/nir.md) */
static int is_lin(const snn__nir_node *nd) {
  return is_type(nd, "Affine") || is_type(nd, "Linear") || is_type(nd, "Scale");
}
static int is_conn(const snn__nir_node *nd) { return is_lin(nd) || is_convnd(nd) || is_pool(nd); }
static int is_spiking(const snn__nir_node *nd) {
  return !is_type(nd, "LI") && !is_type(nd, "CubaLI") && !is_type(nd, "I");
}

static int set_p(snn_neuron_model *m, const char *p, double v, const fnode *f, const char *fn) {
  int rc = snn_neuron_model_set(m, p, v);
  if (rc == SNN_OK) return rc;
  char msg[256];
  snprintf(msg, sizeof msg, "%s", snn_last_error());
  return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) cannot be expressed: %s", fn, f->name,
                    f->nd->type, msg);
}

/* ---- heterogeneous (per-neuron) parameters: model nir_hetero ----------------- */
typedef struct hfield {
  const char *name; /* NIR field */
  int arr;          /* SNN__HET_* array */
  int has_def;
  double def;
} hfield;

/* The fields of neuron node nd and its SNN__HET_* node code; returns the count. */
static size_t neuron_fields(const snn__nir_node *nd, int *node, hfield *hf) {
  size_t k = 0;
#define HF(nm, a, hd, d) (hf[k].name = (nm), hf[k].arr = (a), hf[k].has_def = (hd), hf[k].def = (d), k++)
  int cuba = is_type(nd, "CubaLI") || is_type(nd, "CubaLIF");
  if (is_type(nd, "LIF")) *node = SNN__HET_LIF;
  else if (is_type(nd, "IF")) *node = SNN__HET_IF;
  else if (is_type(nd, "LI")) *node = SNN__HET_LI;
  else if (is_type(nd, "CubaLI")) *node = SNN__HET_CUBALI;
  else if (is_type(nd, "CubaLIF")) *node = SNN__HET_CUBALIF;
  else if (is_type(nd, "I")) *node = SNN__HET_I;
  else *node = SNN__HET_THRESHOLD;
  if (*node == SNN__HET_THRESHOLD) {
    HF("theta", SNN__HET_V_TH, 0, 0.0);
    return k;
  }
  if (*node == SNN__HET_LIF || *node == SNN__HET_LI) HF("tau", SNN__HET_TAU_MEM, 0, 0.0);
  if (cuba) {
    HF("tau_mem", SNN__HET_TAU_MEM, 0, 0.0);
    HF("tau_syn", SNN__HET_TAU_SYN, 0, 0.0);
  }
  HF("r", SNN__HET_R, 0, 0.0);
  if (*node == SNN__HET_I) return k;
  if (*node != SNN__HET_IF) HF("v_leak", SNN__HET_V_LEAK, 0, 0.0);
  if (is_spiking(nd)) {
    HF("v_threshold", SNN__HET_V_TH, 0, 0.0);
    HF("v_reset", SNN__HET_V_RESET, 1, 0.0);
  }
  if (cuba) HF("w_in", SNN__HET_W_IN, 1, 1.0);
#undef HF
  return k;
}

/* 1 when a numeric field of the node holds values that are not all equal
 * (NaN counts as different: the heterogeneous path then reports it). */
static int is_hetero(const fnode *f, const hfield *hf, size_t nf) {
  for (size_t k = 0; k < nf; k++) {
    const snn__nir_field *fl = snn__nir_field_get(f->nd, hf[k].name);
    if (!fl || fl->kind == SNN__NIR_STR) continue;
    for (size_t i = 1; i < fl->n; i++)
      if (!(fl->v[i] == fl->v[0])) return 1;
  }
  return 0;
}

/* Model nir_hetero for neuron node f: the fields' values as they are in the
 * file (one per neuron, or one for all), checked like the homogeneous path's. */
static int make_hetero(snn_neuron_model **out, const fnode *f, size_t n, int node,
                       const hfield *hf, size_t nf, int euler, int reset, const char *fn) {
  static const double base[SNN__HET_NARR] = {1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0};
  const snn__nir_node *nd = f->nd;
  size_t N = 0;
  const char *first = NULL;
  for (size_t k = 0; k < nf; k++) {
    const snn__nir_field *fl = snn__nir_field_get(nd, hf[k].name);
    if (!fl) {
      if (hf[k].has_def) continue;
      return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) lacks the field '%s'", fn, f->name,
                        nd->type, hf[k].name);
    }
    if (fl->kind == SNN__NIR_STR || fl->n == 0)
      return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): field '%s' must hold numbers", fn,
                        f->name, nd->type, hf[k].name);
    if (fl->n == 1) continue;
    if (N == 0) {
      N = fl->n;
      first = hf[k].name;
    } else if (fl->n != N) {
      return snn__error(SNN_E_FORMAT,
                        "%s: node '%s' (%s): field '%s' has %zu values but '%s' has %zu (one per "
                        "neuron, or one)",
                        fn, f->name, nd->type, hf[k].name, fl->n, first, N);
    }
  }
  if (N == 0) return snn__error(SNN_E_INTERNAL, "%s: node '%s': no per-neuron field", fn, f->name);
  if (n && N != n)
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): '%s' has %zu values for %zu neurons", fn,
                      f->name, nd->type, first, N, n);
  double *buf = snn__malloc(N * sizeof *buf);
  if (!buf) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  snn_neuron_model *m = NULL;
  int rc = snn__nir_hetero_create(&m);
  if (rc == SNN_OK) rc = snn_neuron_model_set(m, "node", (double)node);
  if (rc == SNN_OK) rc = snn_neuron_model_set(m, "reset", reset ? 1.0 : 0.0);
  if (rc == SNN_OK) rc = snn_neuron_model_set(m, "euler", euler ? 1.0 : 0.0);
  for (int a = 0; rc == SNN_OK && a < SNN__HET_NARR; a++) {
    for (size_t i = 0; i < N; i++) buf[i] = base[a];
    for (size_t k = 0; rc == SNN_OK && k < nf; k++) {
      if (hf[k].arr != a) continue;
      const snn__nir_field *fl = snn__nir_field_get(nd, hf[k].name);
      for (size_t i = 0; i < N; i++) {
        double v = fl ? fl->v[fl->n == 1 ? 0 : i] : hf[k].def;
        if (!isfinite(v)) {
          rc = snn__error(SNN_E_FORMAT, "%s: node '%s': %s[%zu] is not finite", fn, f->name,
                          hf[k].name, fl && fl->n == 1 ? (size_t)0 : i);
          break;
        }
        if (a == SNN__HET_TAU_MEM && !(v > 0)) {
          rc = snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): time constant %s[%zu] must be > 0 "
                          "(got %g)", fn, f->name, nd->type, hf[k].name, i, v);
          break;
        }
        if (a == SNN__HET_TAU_SYN && !(v > 0)) {
          rc = snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): tau_syn[%zu] must be > 0 (got %g)",
                          fn, f->name, nd->type, i, v);
          break;
        }
        if (fabs(v) > 1e12) {
          rc = snn__error(SNN_E_UNSUPPORTED,
                          "%s: node '%s' (%s) cannot be expressed: %s[%zu] = %g is outside "
                          "[-1e12, 1e12]",
                          fn, f->name, nd->type, hf[k].name, i, v);
          break;
        }
        buf[i] = v;
      }
    }
    if (rc == SNN_OK) rc = snn__nir_hetero_set(m, a, buf, N, fn);
  }
  if (rc == SNN_OK) rc = snn__nir_hetero_seal(m, N, fn);
  snn__free(buf);
  if (rc != SNN_OK) {
    snn_neuron_model_free(m);
    return rc;
  }
  *out = m;
  return SNN_OK;
}

/* Neuron model for neuron node f over n neurons. */
static int make_model(snn_neuron_model **out, const fnode *f, size_t n, double dt, int euler,
                      int reset, const char *fn) {
  *out = NULL;
  const snn__nir_node *nd = f->nd;
  {
    hfield hf[8];
    int node = 0;
    size_t nf = neuron_fields(nd, &node, hf);
    if (is_hetero(f, hf, nf)) return make_hetero(out, f, n, node, hf, nf, euler, reset, fn);
  }
  double tau = 0, tau_syn = 0, r = 0, vl = 0, vth = 0, vr = 0, w_in = 1;
  int rc = SNN_OK;
  snn_neuron_model *m = NULL;
  int lif = is_type(nd, "LIF"), iff = is_type(nd, "IF");
  int cuba = is_type(nd, "CubaLIF") || is_type(nd, "CubaLI");
  if (is_type(nd, "I") || is_type(nd, "Threshold")) {
    int integ = is_type(nd, "I");
    double v = 0;
    rc = get_uniform(&v, f, integ ? "r" : "theta", n, 0, 0, fn);
    if (rc != SNN_OK) return rc;
    rc = integ ? snn__nir_integ_create(&m) : snn__nir_thresh_create(&m);
    if (rc != SNN_OK) return rc;
    rc = integ ? set_p(m, "r_ms", v / MS_PER_UNIT, f, fn) : set_p(m, "theta", v, f, fn);
    if (rc != SNN_OK) {
      snn_neuron_model_free(m);
      return rc;
    }
    *out = m;
    return SNN_OK;
  }
  if (lif || is_type(nd, "LI")) rc = get_uniform(&tau, f, "tau", n, 0, 0, fn);
  if (rc == SNN_OK && cuba) rc = get_uniform(&tau, f, "tau_mem", n, 0, 0, fn);
  if (rc == SNN_OK && cuba) rc = get_uniform(&tau_syn, f, "tau_syn", n, 0, 0, fn);
  if (rc == SNN_OK) rc = get_uniform(&r, f, "r", n, 0, 0, fn);
  if (rc == SNN_OK && !iff) rc = get_uniform(&vl, f, "v_leak", n, 0, 0, fn);
  if (rc == SNN_OK && is_spiking(nd)) rc = get_uniform(&vth, f, "v_threshold", n, 0, 0, fn);
  if (rc == SNN_OK && is_spiking(nd)) rc = get_uniform(&vr, f, "v_reset", n, 1, 0.0, fn);
  if (rc == SNN_OK && cuba) rc = get_uniform(&w_in, f, "w_in", n, 1, 1.0, fn);
  if (rc != SNN_OK) return rc;
  if (!iff && !(tau > 0))
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): time constant must be > 0 (got %g)", fn,
                      f->name, nd->type, tau);
  if (cuba && !(tau_syn > 0))
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): tau_syn must be > 0 (got %g)", fn,
                      f->name, nd->type, tau_syn);
  double dt_ms = dt * MS_PER_UNIT;
  if (lif || iff) {
    if (!(r > 0))
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: node '%s' (%s): r must be > 0 for libsnn's %s model (got %g)", fn,
                        f->name, nd->type, lif ? "lif" : "if", r);
    rc = snn_neuron_model_create(&m, lif ? "lif" : "if");
    if (rc != SNN_OK) return rc;
    if (lif) {
      double tau_ms = tau * MS_PER_UNIT;
      if (euler) {
        if (!(dt < tau)) {
          snn_neuron_model_free(m);
          return snn__error(SNN_E_UNSUPPORTED,
                            "%s: node '%s' (LIF): forward Euler needs dt < tau (dt %g, tau %g)",
                            fn, f->name, dt, tau);
        }
        tau_ms = -dt_ms / log1p(-dt / tau); /* exp(-dt/tau') = 1 - dt/tau */
      }
      rc = set_p(m, "g_L", 1.0 / r, f, fn);
      if (rc == SNN_OK) rc = set_p(m, "C_m", tau_ms / r, f, fn);
      if (rc == SNN_OK) rc = set_p(m, "E_L", vl, f, fn);
    } else {
      rc = set_p(m, "C_m", MS_PER_UNIT / r, f, fn);
      if (rc == SNN_OK) rc = set_p(m, "E_L", vr, f, fn);
    }
    if (rc == SNN_OK) rc = set_p(m, "V_th", vth, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "V_reset", vr, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "t_ref", 0.0, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "reset", reset ? 1.0 : 0.0, f, fn);
  } else {
    rc = snn__nir_cuba_create(&m);
    if (rc != SNN_OK) return rc;
    rc = set_p(m, "tau_mem", tau * MS_PER_UNIT, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "tau_syn", tau_syn * MS_PER_UNIT, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "r", r, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "w_in", w_in, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "v_leak", vl, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "v_th", vth, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "v_reset", vr, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "reset", reset ? 1.0 : 0.0, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "spiking", is_spiking(nd) ? 1.0 : 0.0, f, fn);
    if (rc == SNN_OK) rc = set_p(m, "euler", euler ? 1.0 : 0.0, f, fn);
  }
  if (rc != SNN_OK) {
    snn_neuron_model_free(m);
    return rc;
  }
  *out = m;
  return SNN_OK;
}

/* Shape helpers: (c, h, w) of the current chain position. */
typedef struct shp {
  size_t c, h, w;
} shp;

static size_t shp_n(shp s) { return s.c * s.h * s.w; }

/* Integer field with 1 value (both dimensions) or 2 values (height, width). */
static int get_hw(size_t out[2], const fnode *f, const char *name, size_t def, const char *fn) {
  const snn__nir_field *fl = snn__nir_field_get(f->nd, name);
  if (!fl) {
    out[0] = out[1] = def;
    return SNN_OK;
  }
  if (fl->kind == SNN__NIR_STR || (fl->n != 1 && fl->n != 2))
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): '%s' must be 1 or 2 integers", fn,
                      f->name, f->nd->type, name);
  for (size_t i = 0; i < fl->n; i++)
    if (!(fl->v[i] >= 0 && fl->v[i] <= 65536.0) || fl->v[i] != floor(fl->v[i]))
      return snn__error(SNN_E_FORMAT, "%s: node '%s': %s[%zu] = %g is not a size", fn, f->name,
                        name, i, fl->v[i]);
  out[0] = (size_t)fl->v[0];
  out[1] = (size_t)fl->v[fl->n - 1];
  return SNN_OK;
}

/* Conv2d and Conv1d. libsnn's conv2d layer has one stride and one padding for
 * both dimensions and no dilation or groups; every NIR convolution with equal
 * strides (any stride for Conv1d) is mapped onto it exactly by expanding the
 * kernel with zeros (docs/nir.md):
 *   dilation d: taps i*d, zeros between;
 *   groups g: zero weights between an output channel and the input channels
 *   outside its group;
 *   padding (ph, pw) with ph != pw: padding P = max(ph, pw) and P - ph (P - pw)
 *   zero rows (columns) on both sides of the kernel;
 *   Conv1d (input C x L, kernel [out, in, k]): a conv2d on C x 1 x L with a
 *   kernel of height 2 pw + 1 whose middle row holds the taps.
 * Zero taps add exact zeros, so the sums are those of the original kernel. */
static int conv_layer(snn_layer **out, const fnode *f, shp in, const snn_neuron_model *m,
                      const char *fn) {
  *out = NULL;
  const snn__nir_node *nd = f->nd;
  int one_d = is_type(nd, "Conv1d");
  const snn__nir_field *w = snn__nir_field_get(nd, "weight");
  int rank = one_d ? 3 : 4;
  if (!w || w->kind == SNN__NIR_STR || w->rank != rank)
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) needs a %d-D 'weight'", fn, f->name,
                      nd->type, rank);
  size_t oc = w->dims[0], icg = w->dims[1], kh = one_d ? 1 : w->dims[2], kw = w->dims[rank - 1];
  if (oc == 0 || icg == 0 || kh == 0 || kw == 0)
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): weight has an empty dimension", fn,
                      f->name, nd->type);
  size_t st[2], dil[2], pad[2] = {0, 0}, groups = 1;
  int rc = get_hw(st, f, "stride", 1, fn);
  if (rc == SNN_OK) rc = get_hw(dil, f, "dilation", 1, fn);
  if (rc != SNN_OK) return rc;
  const snn__nir_field *gf = snn__nir_field_get(nd, "groups");
  if (gf) {
    if (gf->kind == SNN__NIR_STR || gf->n != 1 || !(gf->v[0] >= 1 && gf->v[0] <= 65536.0) ||
        gf->v[0] != floor(gf->v[0]))
      return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): 'groups' must be one integer >= 1",
                        fn, f->name, nd->type);
    groups = (size_t)gf->v[0];
  }
  if (one_d) {
    st[0] = st[1];
    dil[0] = 1;
  }
  if (st[0] == 0 || st[1] == 0 || dil[0] == 0 || dil[1] == 0)
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): stride and dilation must be >= 1", fn,
                      f->name, nd->type);
  if (st[0] != st[1])
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: node '%s' (%s): stride (%zu, %zu) differs between height and width; "
                      "libsnn uses one stride for both",
                      fn, f->name, nd->type, st[0], st[1]);
  /* effective (dilated) kernel */
  size_t ekh = (kh - 1) * dil[0] + 1, ekw = (kw - 1) * dil[1] + 1;
  const snn__nir_field *pf = snn__nir_field_get(nd, "padding");
  if (pf && pf->kind == SNN__NIR_STR) {
    if (strcmp(pf->s, "valid") == 0) {
      pad[0] = pad[1] = 0;
    } else if (strcmp(pf->s, "same") == 0 && st[1] == 1 && (one_d || ekh % 2 == 1) &&
               ekw % 2 == 1) {
      pad[0] = one_d ? 0 : (ekh - 1) / 2;
      pad[1] = (ekw - 1) / 2;
    } else {
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: node '%s' (%s): padding \"%s\" with kernel %zux%zu (dilated), "
                        "stride %zu (supported: \"valid\", \"same\" with an odd kernel and stride 1)",
                        fn, f->name, nd->type, pf->s, ekh, ekw, st[1]);
    }
  } else {
    rc = get_hw(pad, f, "padding", 0, fn);
    if (rc != SNN_OK) return rc;
    if (one_d) pad[0] = 0;
  }
  if (in.c != icg * groups || oc % groups != 0)
    return snn__error(SNN_E_FORMAT,
                      "%s: node '%s' (%s): weight [%zu, %zu, ...] with groups %zu does not fit the "
                      "input %zux%zux%zu (%zu channels)",
                      fn, f->name, nd->type, oc, icg, groups, in.c, in.h, in.w, in.c);
  if (one_d && in.h != 1)
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (Conv1d): its input is %zux%zux%zu, not channels "
                      "x length", fn, f->name, in.c, in.h, in.w);
  const snn__nir_field *is = snn__nir_field_get(nd, "input_shape");
  if (is && is->kind != SNN__NIR_STR) {
    int bad = one_d ? !(is->n == 1 && is->v[0] == (double)in.w)
                    : (is->n == 2 && (is->v[0] != (double)in.h || is->v[1] != (double)in.w));
    if (bad)
      return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): input_shape does not match the input "
                        "%zux%zu", fn, f->name, nd->type, in.h, in.w);
  }
  size_t P = pad[0] > pad[1] ? pad[0] : pad[1];
  size_t offh = P - pad[0], offw = P - pad[1];
  size_t KH = ekh + 2 * offh, KW = ekw + 2 * offw;
  if (one_d) {
    P = pad[1];
    KH = 2 * P + 1;
    offh = P;
    offw = 0;
    KW = ekw;
  }
  if (KH > 4096 || KW > 4096)
    return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s): expanded kernel %zux%zu is too large",
                      fn, f->name, nd->type, KH, KW);
  size_t n_src = w->n;
  float *src = snn__malloc(n_src * sizeof(float));
  if (!src) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  size_t dims[4] = {w->dims[0], w->dims[1], w->dims[2], rank == 4 ? w->dims[3] : 0};
  rc = get_weights(src, f, "weight", rank, dims, fn);
  if (rc != SNN_OK) {
    snn__free(src);
    return rc;
  }
  rc = snn_layer_create_conv2d(out, in.c, in.h, in.w, oc, KH, KW, st[1], P, m);
  if (rc != SNN_OK) {
    snn__free(src);
    char msg[256];
    snprintf(msg, sizeof msg, "%s", snn_last_error());
    return snn__error(rc == SNN_E_NOMEM ? rc : SNN_E_FORMAT, "%s: node '%s' (%s): %s", fn,
                      f->name, nd->type, msg);
  }
  snn_layer *l = *out;
  size_t nw = l->n_w;
  float *tmp = snn__calloc(nw > oc ? nw : oc, sizeof(float));
  if (!tmp) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  if (rc == SNN_OK) {
    size_t ocg = oc / groups;
    for (size_t o = 0; o < oc; o++) {
      size_t c0 = (o / ocg) * icg;
      for (size_t c = 0; c < icg; c++)
        for (size_t i = 0; i < kh; i++)
          for (size_t j = 0; j < kw; j++)
            tmp[((o * in.c + c0 + c) * KH + offh + i * dil[0]) * KW + offw + j * dil[1]] =
                src[((o * icg + c) * kh + i) * kw + j];
    }
    rc = snn__layer_param_copy_in(l, SNN_PARAM_WEIGHTS, tmp);
  }
  if (rc == SNN_OK && snn__nir_field_get(nd, "bias")) {
    rc = get_weights(tmp, f, "bias", 1, dims, fn);
    if (rc == SNN_OK) rc = snn__layer_param_copy_in(l, SNN_PARAM_BIAS, tmp);
  } else if (rc == SNN_OK) {
    rc = snn_layer_set_bias(l, 0);
  }
  snn__free(tmp);
  snn__free(src);
  if (rc != SNN_OK) {
    snn_layer_free(l);
    *out = NULL;
  }
  return rc;
}

static int conn_layer(snn_layer **out, const fnode *f, shp in, const snn_neuron_model *m,
                      const char *fn) {
  *out = NULL;
  const snn__nir_node *nd = f->nd;
  size_t n_in = shp_n(in);
  int rc;
  if (is_type(nd, "Affine") || is_type(nd, "Linear")) {
    const snn__nir_field *w = snn__nir_field_get(nd, "weight");
    if (!w || w->kind == SNN__NIR_STR || w->rank != 2)
      return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) needs a 2-D 'weight'", fn, f->name, nd->type);
    if (w->dims[1] != n_in)
      return snn__error(SNN_E_FORMAT,
                        "%s: node '%s' (%s): weight is %zux%zu but its input has %zu values "
                        "(%zux%zux%zu)",
                        fn, f->name, nd->type, w->dims[0], w->dims[1], n_in, in.c, in.h, in.w);
    size_t n_out = w->dims[0];
    if (n_out == 0) return snn__error(SNN_E_FORMAT, "%s: node '%s': weight has no rows", fn, f->name);
    rc = snn_layer_create_dense(out, n_in, n_out, m);
    if (rc != SNN_OK) return rc;
    snn_layer *l = *out;
    size_t dims[2] = {n_out, n_in};
    float *tmp = snn__malloc(n_out * n_in * sizeof(float));
    if (!tmp) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    if (rc == SNN_OK) rc = get_weights(tmp, f, "weight", 2, dims, fn);
    if (rc == SNN_OK) rc = snn__layer_param_copy_in(l, SNN_PARAM_WEIGHTS, tmp);
    if (rc == SNN_OK && is_type(nd, "Affine") && snn__nir_field_get(nd, "bias")) {
      rc = get_weights(tmp, f, "bias", 1, dims, fn);
      if (rc == SNN_OK) rc = snn__layer_param_copy_in(l, SNN_PARAM_BIAS, tmp);
    } else if (rc == SNN_OK) {
      rc = snn_layer_set_bias(l, 0);
    }
    snn__free(tmp);
    if (rc != SNN_OK) {
      snn_layer_free(l);
      *out = NULL;
    }
    return rc;
  }
  if (is_type(nd, "Conv2d") || is_type(nd, "Conv1d")) return conv_layer(out, f, in, m, fn);
  /* pools */
  size_t k, stride, pad;
  rc = get_pair(&k, f, "kernel_size", 0, 0, fn);
  if (rc == SNN_OK) rc = get_pair(&stride, f, "stride", 1, k, fn);
  if (rc == SNN_OK) rc = get_pair(&pad, f, "padding", 1, 0, fn);
  if (rc != SNN_OK) return rc;
  if (pad > k / 2)
    return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s): padding %zu exceeds half the "
                      "kernel %zu", fn, f->name, nd->type, pad, k);
  rc = snn_layer_create_pool2d(out, in.c, in.h, in.w,
                               is_type(nd, "AvgPool2d") ? SNN_POOL_AVG : SNN_POOL_SUM, k, stride, m);
  if (rc == SNN_OK && pad) {
    rc = snn__layer_set_pool_pad(*out, pad, fn);
    if (rc != SNN_OK) {
      snn_layer_free(*out);
      *out = NULL;
    }
  }
  if (rc != SNN_OK && rc != SNN_E_NOMEM) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", snn_last_error());
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): %s", fn, f->name, nd->type, msg);
  }
  return rc;
}

#define MAX_RUN 32

/* Per-channel factors of a Scale node at shape `at` (multiplied into fac[c]);
 * the values must be equal within each channel (folding into a convolution). */
static int scale_per_channel(double *fac, const fnode *f, shp at, const char *fn) {
  const snn__nir_field *sf = snn__nir_field_get(f->nd, "scale");
  size_t n = shp_n(at), hw = at.h * at.w;
  if (!sf || sf->kind == SNN__NIR_STR || (sf->n != 1 && sf->n != n))
    return snn__error(SNN_E_FORMAT, "%s: node '%s' (Scale): 'scale' must hold 1 or %zu numbers "
                      "(got %zu)", fn, f->name, n, sf && sf->kind != SNN__NIR_STR ? sf->n : 0);
  for (size_t i = 0; i < sf->n; i++)
    if (!isfinite(sf->v[i]) || fabs(sf->v[i]) > 3.4e38)
      return snn__error(SNN_E_FORMAT, "%s: node '%s': scale[%zu] is not a finite float", fn,
                        f->name, i);
  for (size_t c = 0; c < at.c; c++) {
    double v = sf->v[sf->n == 1 ? 0 : c * hw];
    for (size_t i = 1; sf->n != 1 && i < hw; i++)
      if (sf->v[c * hw + i] != v)
        return snn__error(SNN_E_UNSUPPORTED,
                          "%s: node '%s' (Scale) next to a convolution varies within channel %zu "
                          "(%g at 0, %g at %zu); only per-channel scales fold into a convolution",
                          fn, f->name, c, v, sf->v[c * hw + i], i);
    fac[c] *= (double)(float)v;
  }
  return SNN_OK;
}

/* Scale* conv Scale*: the convolution with the scales folded into its weights
 * (W[o][c] *= s_in[c] s_out[o], b[o] *= s_out[o]; one rounding to float). */
static int conv_run_layer(snn_layer **out, const fnode *const *run, size_t nr, size_t ci, shp in,
                          const snn_neuron_model *m, const char *fn) {
  double *fin = snn__malloc(in.c * sizeof(double));
  if (!fin) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (size_t c = 0; c < in.c; c++) fin[c] = 1.0;
  int rc = SNN_OK;
  for (size_t i = 0; i < ci && rc == SNN_OK; i++) rc = scale_per_channel(fin, run[i], in, fn);
  if (rc == SNN_OK) rc = conv_layer(out, run[ci], in, m, fn);
  if (rc != SNN_OK) {
    snn__free(fin);
    return rc;
  }
  snn_layer *l = *out;
  shp os = {l->out_c, l->out_h, l->out_w};
  double *fo = snn__malloc(os.c * sizeof(double));
  float *w = snn__malloc(l->n_w * sizeof(float)), *b = snn__malloc(os.c * sizeof(float));
  if (!fo || !w || !b) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (size_t c = 0; rc == SNN_OK && c < os.c; c++) fo[c] = 1.0;
  for (size_t i = ci + 1; i < nr && rc == SNN_OK; i++) rc = scale_per_channel(fo, run[i], os, fn);
  if (rc == SNN_OK) rc = snn__layer_param_copy_out(w, l, SNN_PARAM_WEIGHTS);
  if (rc == SNN_OK) {
    size_t per = l->n_w / os.c, k2 = per / in.c;
    for (size_t o = 0; o < os.c; o++)
      for (size_t c = 0; c < in.c; c++)
        for (size_t k = 0; k < k2; k++) {
          size_t idx = o * per + c * k2 + k;
          double v = (double)w[idx] * (fin[c] * fo[o]);
          if (!(fabs(v) <= 3.4e38)) rc = snn__error(SNN_E_FORMAT, "%s: node '%s': a scaled "
                                                    "weight overflows float", fn, run[ci]->name);
          w[idx] = (float)v;
        }
  }
  if (rc == SNN_OK) rc = snn__layer_param_copy_in(l, SNN_PARAM_WEIGHTS, w);
  if (rc == SNN_OK && l->has_bias) {
    rc = snn__layer_param_copy_out(b, l, SNN_PARAM_BIAS);
    for (size_t o = 0; rc == SNN_OK && o < os.c; o++) b[o] = (float)((double)b[o] * fo[o]);
    if (rc == SNN_OK) rc = snn__layer_param_copy_in(l, SNN_PARAM_BIAS, b);
  }
  snn__free(fin);
  snn__free(fo);
  snn__free(w);
  snn__free(b);
  if (rc != SNN_OK) {
    snn_layer_free(l);
    *out = NULL;
  }
  return rc;
}

/* A chain of Affine/Linear/Scale nodes composed into one dense map
 * y = M x + b (computed in double, rounded to float once). */
static int dense_run_layer(snn_layer **out, const fnode *const *run, size_t nr, shp in,
                           const snn_neuron_model *m, const char *fn) {
  *out = NULL;
  size_t n_in = shp_n(in), ncur = n_in;
  double *M = NULL, *b = NULL;
  float *wf = NULL;
  int has_b = 0, rc = SNN_OK;
  for (size_t r = 0; r < nr && rc == SNN_OK; r++) {
    const fnode *f = run[r];
    if (is_type(f->nd, "Scale")) {
      const snn__nir_field *sf = snn__nir_field_get(f->nd, "scale");
      if (!sf || sf->kind == SNN__NIR_STR || (sf->n != 1 && sf->n != ncur)) {
        rc = snn__error(SNN_E_FORMAT, "%s: node '%s' (Scale): 'scale' must hold 1 or %zu numbers "
                        "(got %zu)", fn, f->name, ncur, sf && sf->kind != SNN__NIR_STR ? sf->n : 0);
        break;
      }
      for (size_t i = 0; i < sf->n && rc == SNN_OK; i++)
        if (!isfinite(sf->v[i]) || fabs(sf->v[i]) > 3.4e38)
          rc = snn__error(SNN_E_FORMAT, "%s: node '%s': scale[%zu] is not a finite float", fn,
                          f->name, i);
      if (rc != SNN_OK) break;
      if (!M) {
        if (ncur > SNN__NIR_MAX_SYNTH) {
          rc = snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (Scale) over %zu values would become "
                          "a %zu x %zu dense layer; libsnn builds these for at most %d values",
                          fn, f->name, ncur, ncur, ncur, SNN__NIR_MAX_SYNTH);
          break;
        }
        M = snn__calloc(ncur * n_in, sizeof(double));
        b = snn__calloc(ncur, sizeof(double));
        if (!M || !b) {
          rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
          break;
        }
        for (size_t i = 0; i < ncur; i++) M[i * n_in + i] = 1.0;
      }
      for (size_t i = 0; i < ncur; i++) {
        double sc = (double)(float)sf->v[sf->n == 1 ? 0 : i];
        for (size_t j = 0; j < n_in; j++) M[i * n_in + j] *= sc;
        b[i] *= sc;
      }
      continue;
    }
    const snn__nir_field *w = snn__nir_field_get(f->nd, "weight");
    if (!w || w->kind == SNN__NIR_STR || w->rank != 2 || w->dims[0] == 0) {
      rc = snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) needs a 2-D 'weight'", fn, f->name,
                      f->nd->type);
      break;
    }
    if (w->dims[1] != ncur) {
      rc = snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): weight is %zux%zu but its input has %zu "
                      "values", fn, f->name, f->nd->type, w->dims[0], w->dims[1], ncur);
      break;
    }
    size_t no = w->dims[0], dims[2] = {no, ncur};
    if ((double)no * (double)n_in > (double)SNN__NIR_MAX_ELEMS ||
        (double)no * (double)ncur * (double)n_in > 4e10) {
      rc = snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s): composing %zux%zu with the "
                      "preceding %zux%zu map is too large", fn, f->name, f->nd->type, no, ncur,
                      ncur, n_in);
      break;
    }
    wf = snn__malloc((no * ncur > no ? no * ncur : no) * sizeof(float));
    double *M2 = snn__calloc(no * n_in, sizeof(double)), *b2 = snn__calloc(no, sizeof(double));
    if (!wf || !M2 || !b2) {
      snn__free(M2);
      snn__free(b2);
      rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      break;
    }
    rc = get_weights(wf, f, "weight", 2, dims, fn);
    if (rc == SNN_OK) {
      if (!M) {
        for (size_t i = 0; i < no * n_in; i++) M2[i] = (double)wf[i];
      } else {
        for (size_t o = 0; o < no; o++) {
          double *row = M2 + o * n_in, acc = 0.0;
          for (size_t k = 0; k < ncur; k++) {
            double wk = (double)wf[o * ncur + k];
            if (wk == 0.0) continue;
            const double *mk = M + k * n_in;
            for (size_t j = 0; j < n_in; j++) row[j] += wk * mk[j];
            acc += wk * b[k];
          }
          b2[o] = acc;
        }
      }
    }
    if (rc == SNN_OK && is_type(f->nd, "Affine") && snn__nir_field_get(f->nd, "bias")) {
      rc = get_weights(wf, f, "bias", 1, dims, fn);
      for (size_t o = 0; rc == SNN_OK && o < no; o++) b2[o] += (double)wf[o];
      has_b = 1;
    }
    snn__free(wf);
    wf = NULL;
    snn__free(M);
    snn__free(b);
    M = M2;
    b = b2;
    ncur = no;
  }
  if (rc == SNN_OK) rc = snn_layer_create_dense(out, n_in, ncur, m);
  if (rc == SNN_OK) {
    wf = snn__malloc(ncur * n_in * sizeof(float));
    if (!wf) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    for (size_t i = 0; rc == SNN_OK && i < ncur * n_in; i++) {
      if (!(fabs(M[i]) <= 3.4e38))
        rc = snn__error(SNN_E_FORMAT, "%s: the composed weights of '%s'..'%s' overflow float", fn,
                        run[0]->name, run[nr - 1]->name);
      wf[i] = (float)M[i];
    }
    if (rc == SNN_OK) rc = snn__layer_param_copy_in(*out, SNN_PARAM_WEIGHTS, wf);
    if (rc == SNN_OK && has_b) {
      for (size_t i = 0; rc == SNN_OK && i < ncur; i++) {
        if (!(fabs(b[i]) <= 3.4e38))
          rc = snn__error(SNN_E_FORMAT, "%s: the composed bias of '%s'..'%s' overflows float",
                          fn, run[0]->name, run[nr - 1]->name);
        wf[i] = (float)b[i];
      }
      if (rc == SNN_OK) rc = snn__layer_param_copy_in(*out, SNN_PARAM_BIAS, wf);
    } else if (rc == SNN_OK) {
      rc = snn_layer_set_bias(*out, 0);
    }
    if (rc != SNN_OK) {
      snn_layer_free(*out);
      *out = NULL;
    }
  }
  snn__free(wf);
  snn__free(M);
  snn__free(b);
  return rc;
}

/* The layer of a run of connection nodes (collected by walk). */
static int run_layer(snn_layer **out, const fnode *const *run, size_t nr, shp in,
                     const snn_neuron_model *m, const char *fn) {
  *out = NULL;
  if (nr == 1 && !is_type(run[0]->nd, "Scale")) return conn_layer(out, run[0], in, m, fn);
  size_t nconv = 0, ndense = 0, ci = 0;
  for (size_t i = 0; i < nr; i++) {
    if (is_convnd(run[i]->nd)) {
      nconv++;
      ci = i;
    } else if (!is_type(run[i]->nd, "Scale")) {
      ndense++;
    }
  }
  if (nconv > 1 || (nconv && ndense))
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: connection '%s' (%s) is followed by connection '%s' (%s) without neurons "
                      "between them; libsnn composes only chains of Affine, Linear and Scale (and "
                      "Scale next to one convolution)",
                      fn, run[0]->name, run[0]->nd->type, run[nr - 1]->name, run[nr - 1]->nd->type);
  if (nconv) return conv_run_layer(out, run, nr, ci, in, m, fn);
  return dense_run_layer(out, run, nr, in, m, fn);
}

/* 1 when following single successors from k comes back to node ni (a loop) */
static int leads_back(const flat *F, long k, size_t ni) {
  for (size_t guard = 0; guard <= F->nn && k >= 0; guard++) {
    if ((size_t)k == ni) return 1;
    if (n_succ(F, (size_t)k) != 1) return 0;
    k = succ_at(F, (size_t)k, 0);
  }
  return 0;
}

/* Whether delay v (>= 0, finite) is a whole number of steps dt: within 1e-6
 * relative (at most 0.01 steps), which accepts delays stored as float32. */
static int whole_steps(double *steps, double v, double dt) {
  double st = v / dt, r = nearbyint(st), tol = 1e-6 * (r > 1 ? r : 1);
  if (tol > 0.01) tol = 0.01;
  if (steps) *steps = r;
  return fabs(st - r) <= tol;
}

/* A run of Delay nodes starting at *cur (docs/nir.md, Delay): the delays are
 * converted to whole steps of dt and summed into pend[n] (allocated here);
 * *cur moves to the first node after the run. */
static int delay_run(int32_t **pend, long *cur, flat *F, size_t n, double dt, const char *fn) {
  int32_t *d = snn__calloc(n, sizeof *d);
  if (!d) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  *pend = d;
  long k = *cur;
  for (size_t guard = 0; guard <= F->nn; guard++) {
    fnode *g = &F->n[k];
    if (!is_type(g->nd, "Delay")) break;
    if (g->visited)
      return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (Delay) is reached twice (a cycle that "
                        "libsnn cannot express)", fn, g->name);
    g->visited = 1;
    size_t np = n_pred(F, (size_t)k), nsu = n_succ(F, (size_t)k);
    if (np != 1 || nsu != 1)
      return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (Delay) has %zu inputs and %zu "
                        "successors (need 1 and 1)", fn, g->name, np, nsu);
    const snn__nir_field *fl = snn__nir_field_get(g->nd, "delay");
    if (!fl || fl->kind == SNN__NIR_STR || (fl->n != 1 && fl->n != n))
      return snn__error(SNN_E_FORMAT, "%s: node '%s' (Delay): 'delay' must hold 1 or %zu numbers "
                        "(got %zu)", fn, g->name, n, fl && fl->kind != SNN__NIR_STR ? fl->n : 0);
    for (size_t i = 0; i < fl->n; i++) {
      double v = fl->v[i];
      if (!isfinite(v) || v < 0)
        return snn__error(SNN_E_FORMAT, "%s: node '%s' (Delay): delay[%zu] = %g must be finite "
                          "and >= 0", fn, g->name, i, v);
      double st = v / dt;
      if (!(st <= (double)SNN__MAX_DELAY_STEPS))
        return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (Delay): delay[%zu] = %g is %g steps "
                          "of dt %g (at most %d)", fn, g->name, i, v, st, dt, SNN__MAX_DELAY_STEPS);
      double r = 0;
      if (!whole_steps(&r, v, dt)) {
        /* the largest dt / m (m <= 1000) that divides every value of the node */
        size_t m = 2;
        for (; fl->n <= 65536 && m <= 1000; m++) {
          size_t j = 0;
          while (j < fl->n && whole_steps(NULL, fl->v[j], dt / (double)m)) j++;
          if (j == fl->n) break;
        }
        char hint[128];
        if (fl->n <= 65536 && m <= 1000)
          snprintf(hint, sizeof hint, "import with dt = %.9g (dt / %zu), which divides every "
                   "value of this node", dt / (double)m, m);
        else
          snprintf(hint, sizeof hint, "import with a dt that divides every delay");
        return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (Delay): delay[%zu] = %g is %.9g "
                          "steps of dt %g, not a whole number; libsnn delays by whole steps: %s",
                          fn, g->name, i, v, st, dt, hint);
      }
      for (size_t j = fl->n == 1 ? 0 : i; j < (fl->n == 1 ? n : i + 1); j++) {
        if ((double)d[j] + r > (double)SNN__MAX_DELAY_STEPS)
          return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (Delay): chained delays exceed %d "
                            "steps", fn, g->name, SNN__MAX_DELAY_STEPS);
        d[j] += (int32_t)r;
      }
    }
    k = succ_at(F, (size_t)k, 0);
  }
  *cur = k;
  return SNN_OK;
}

static int walk(snn_network *net, flat *F, size_t in_idx, shp s, double dt, int euler, int reset,
                int32_t **pend, const char *fn) {
  long cur = -1;
  size_t ns = n_succ(F, in_idx);
  if (ns != 1)
    return snn__error(SNN_E_UNSUPPORTED, "%s: the Input node '%s' has %zu successors (need 1)", fn,
                      F->n[in_idx].name, ns);
  cur = succ_at(F, in_idx, 0);
  F->n[in_idx].visited = 1;
  int last_spiking = 1;
  for (size_t guard = 0; guard <= F->nn; guard++) {
    fnode *f = &F->n[cur];
    if (f->visited)
      return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) is reached twice (a cycle that "
                        "libsnn cannot express)", fn, f->name, f->nd->type);
    if (f->io == 1)
      return snn__error(SNN_E_UNSUPPORTED, "%s: a second Input node '%s'", fn, f->name);
    size_t np = n_pred(F, (size_t)cur);
    if (f->io == 2) {
      f->visited = 1;
      if (np != 1)
        return snn__error(SNN_E_UNSUPPORTED, "%s: Output '%s' has %zu inputs (need 1)", fn, f->name, np);
      if (net->n_layers == 0)
        return snn__error(SNN_E_UNSUPPORTED, "%s: the graph has no layer between Input and Output", fn);
      const snn__nir_field *sh = snn__nir_field_get(f->nd, "shape");
      if (sh && sh->kind != SNN__NIR_STR) {
        double prod = 1;
        for (size_t i = 0; i < sh->n; i++) prod *= sh->v[i];
        if (prod != (double)shp_n(s))
          return snn__error(SNN_E_FORMAT, "%s: Output '%s' declares %g values but receives %zu", fn,
                            f->name, prod, shp_n(s));
      }
      if (!last_spiking) {
        int rc = snn_network_set_str(net, "readout", "membrane");
        if (rc != SNN_OK) return rc;
      }
      return SNN_OK;
    }
    if (!last_spiking)
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: a non-spiking neuron node feeds '%s'; libsnn passes spikes between "
                        "layers, so LI/CubaLI/I nodes must feed the Output",
                        fn, f->name);
    if (is_type(f->nd, "Delay")) {
      /* Delay (runs of them add up): the next layer's per-input delay */
      if (*pend)
        return snn__error(SNN_E_INTERNAL, "%s: node '%s': pending delay", fn, f->name);
      long nx = cur;
      int rc = delay_run(pend, &nx, F, shp_n(s), dt, fn);
      if (rc != SNN_OK) return rc;
      const fnode *g = &F->n[nx];
      if (g->io == 2 || !(is_conn(g->nd) || is_neuron(g->nd)))
        return snn__error(SNN_E_UNSUPPORTED,
                          "%s: node '%s' (Delay) feeds '%s' (%s); libsnn delays the input of a "
                          "layer, so a Delay must feed a connection (Affine, Linear, Scale, "
                          "Conv1d, Conv2d, SumPool2d, AvgPool2d) or a neuron node",
                          fn, f->name, g->name, g->io == 2 ? "Output" : g->nd->type);
      cur = nx;
      continue;
    }
    const fnode *conn = NULL, *neur = NULL, *rec = NULL;
    const fnode *run[MAX_RUN];
    size_t nr = 0;
    long next;
    if (is_conn(f->nd)) {
      /* a run of connection nodes: Affine/Linear/Scale/Conv chains, or one pool */
      long k = cur;
      for (;;) {
        fnode *g = &F->n[k];
        if (g->visited)
          return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) is reached twice (a cycle that "
                            "libsnn cannot express)", fn, g->name, g->nd->type);
        size_t npk = n_pred(F, (size_t)k), nsu = n_succ(F, (size_t)k);
        if (npk != 1)
          return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) has %zu inputs; libsnn layers "
                            "take one", fn, g->name, g->nd->type, npk);
        if (nsu != 1)
          return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) has %zu successors (need 1)",
                            fn, g->name, g->nd->type, nsu);
        g->visited = 1;
        run[nr++] = g;
        next = succ_at(F, (size_t)k, 0);
        if (is_pool(g->nd)) break;
        const snn__nir_node *nx = F->n[next].nd;
        if (!is_lin(nx) && !is_convnd(nx)) break;
        if (nr == MAX_RUN)
          return snn__error(SNN_E_UNSUPPORTED, "%s: more than %d connection nodes in a row at '%s'",
                            fn, MAX_RUN, F->n[next].name);
        k = next;
      }
      conn = run[0];
      /* pool -> Delay -> connection: the pool has no neurons and the Delay is
       * the next layer's input delay (handled when the walk reaches it), as
       * libsnn's own export writes a neuron-less pool before a delayed layer */
      long past = next;
      for (size_t hops = 0; is_type(F->n[past].nd, "Delay") && n_succ(F, (size_t)past) == 1 &&
                            hops < F->nn;
           hops++)
        past = succ_at(F, (size_t)past, 0);
      int delay_feeds_conn = is_pool(run[nr - 1]->nd) && past >= 0 && F->n[past].io != 2 &&
                             is_conn(F->n[past].nd);
      if (is_type(F->n[next].nd, "Delay") && !delay_feeds_conn)
        return snn__error(SNN_E_UNSUPPORTED,
                          "%s: node '%s' (Delay) sits between connection '%s' (%s) and its "
                          "neurons; libsnn delays a layer's input (spikes), not its current: "
                          "put the Delay before the connection",
                          fn, F->n[next].name, run[nr - 1]->name, run[nr - 1]->nd->type);
      if (is_neuron(F->n[next].nd)) neur = &F->n[next];
      else if (!is_pool(run[nr - 1]->nd))
        return snn__error(SNN_E_UNSUPPORTED,
                          "%s: node '%s' (%s) feeds '%s' (%s); libsnn layers are a connection "
                          "followed by a neuron node (LIF, IF, LI, CubaLIF, CubaLI, I, Threshold)",
                          fn, run[nr - 1]->name, run[nr - 1]->nd->type, F->n[next].name,
                          F->n[next].nd->type);
    } else if (is_neuron(f->nd)) {
      neur = f; /* neuron without a connection before it: identity dense layer */
    } else {
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: node '%s' of type '%s' cannot be expressed in libsnn (supported: "
                        "Input, Output, Affine, Linear, Scale, Flatten, Delay, Conv1d, Conv2d, "
                        "SumPool2d, AvgPool2d, LIF, IF, LI, CubaLIF, CubaLI, I, Threshold, "
                        "NIRGraph)",
                        fn, f->name, f->nd->type);
    }
    /* the neuron node: one forward successor, optionally a recurrent loop */
    long fwd = -1;
    if (neur) {
      size_t ni = (size_t)(neur - F->n);
      if (F->n[ni].visited)
        return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' is reached twice", fn, neur->name);
      F->n[ni].visited = 1;
      size_t nsu = n_succ(F, ni), npn = n_pred(F, ni);
      for (size_t j = 0; j < nsu; j++) {
        long sj = succ_at(F, ni, j);
        const fnode *cand = &F->n[sj];
        if (is_type(cand->nd, "Delay") && leads_back(F, sj, ni))
          return snn__error(SNN_E_UNSUPPORTED,
                            "%s: node '%s' (Delay) is in the recurrent loop of '%s'; libsnn's "
                            "recurrent weights act after exactly one step",
                            fn, cand->name, neur->name);
        if ((is_type(cand->nd, "Affine") || is_type(cand->nd, "Linear")) && n_succ(F, (size_t)sj) == 1 &&
            succ_at(F, (size_t)sj, 0) == (long)ni && n_pred(F, (size_t)sj) == 1 && !rec) {
          rec = cand;
        } else if (fwd < 0) {
          fwd = sj;
        } else {
          return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) fans out to several nodes", fn,
                            neur->name, neur->nd->type);
        }
      }
      if (fwd < 0)
        return snn__error(SNN_E_FORMAT, "%s: node '%s' (%s) leads nowhere (no path to the Output)",
                          fn, neur->name, neur->nd->type);
      if (npn != (size_t)(conn ? 1 : 1) + (rec ? 1 : 0))
        return snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) has %zu inputs", fn, neur->name,
                          neur->nd->type, npn);
      if (rec) F->n[rec - F->n].visited = 1;
    } else {
      fwd = succ_at(F, (size_t)cur, 0);
    }
    /* build the layer */
    snn_neuron_model *m = NULL;
    snn_layer *l = NULL;
    int rc = SNN_OK;
    if (neur) {
      size_t n_out;
      if (conn) {
        /* neuron count = connection output size */
        if (nr == 1 && (is_type(conn->nd, "Affine") || is_type(conn->nd, "Linear"))) {
          const snn__nir_field *w = snn__nir_field_get(conn->nd, "weight");
          n_out = (w && w->kind != SNN__NIR_STR && w->rank == 2) ? w->dims[0] : 0;
        } else {
          n_out = 0; /* checked after the layer exists */
        }
      } else {
        n_out = shp_n(s);
      }
      rc = make_model(&m, neur, n_out, dt, euler, reset, fn); /* n_out 0: checked below */
      if (rc != SNN_OK) return rc;
      last_spiking = is_spiking(neur->nd);
    }
    if (conn) {
      rc = run_layer(&l, run, nr, s, m, fn);
    } else if (shp_n(s) > SNN__NIR_MAX_SYNTH) {
      rc = snn__error(SNN_E_UNSUPPORTED,
                      "%s: neuron node '%s' has no connection before it: it would get a %zu x %zu "
                      "identity dense layer; libsnn builds these for at most %d values",
                      fn, neur->name, shp_n(s), shp_n(s), SNN__NIR_MAX_SYNTH);
    } else {
      rc = snn_layer_create_dense(&l, shp_n(s), shp_n(s), m);
      if (rc == SNN_OK) {
        size_t n = shp_n(s);
        float *eye = snn__calloc(n * n, sizeof(float));
        if (!eye) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
        else {
          for (size_t i = 0; i < n; i++) eye[i * n + i] = 1.0f;
          rc = snn__layer_param_copy_in(l, SNN_PARAM_WEIGHTS, eye);
          snn__free(eye);
        }
        if (rc == SNN_OK) rc = snn_layer_set_bias(l, 0);
      }
    }
    snn_neuron_model_free(m);
    if (rc != SNN_OK) {
      snn_layer_free(l);
      return rc;
    }
    if (neur) {
      /* per-neuron arrays must match the layer size (uniform values checked above) */
      static const char *const keys[] = {"tau", "tau_mem", "tau_syn", "r", "v_leak", "v_threshold",
                                         "v_reset", "w_in", "theta"};
      for (size_t k = 0; k < sizeof keys / sizeof keys[0] && rc == SNN_OK; k++) {
        const snn__nir_field *fl = snn__nir_field_get(neur->nd, keys[k]);
        if (fl && fl->n != 1 && fl->n != l->n_out)
          rc = snn__error(SNN_E_FORMAT, "%s: node '%s' (%s): '%s' has %zu values for %zu neurons",
                          fn, neur->name, neur->nd->type, keys[k], fl->n, l->n_out);
      }
    }
    if (rc == SNN_OK && rec) {
      size_t n = l->n_out, dims[2] = {n, n};
      if (l->kind != SNN__LAYER_DENSE)
        rc = snn__error(SNN_E_UNSUPPORTED, "%s: recurrent node '%s' on a %s layer (libsnn: dense only)",
                        fn, rec->name, snn_layer_kind(l));
      float *tmp = rc == SNN_OK ? snn__malloc(n * n * sizeof(float)) : NULL;
      if (rc == SNN_OK && !tmp) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      if (rc == SNN_OK) rc = snn_layer_set_recurrent(l, 1);
      if (rc == SNN_OK) rc = get_weights(tmp, rec, "weight", 2, dims, fn);
      if (rc == SNN_OK) rc = snn__layer_param_copy_in(l, SNN_PARAM_RECURRENT, tmp);
      if (rc == SNN_OK && is_type(rec->nd, "Affine") && snn__nir_field_get(rec->nd, "bias")) {
        rc = get_weights(tmp, rec, "bias", 1, dims, fn);
        if (rc == SNN_OK) {
          if (!l->has_bias) {
            rc = snn_layer_set_bias(l, 1); /* zeroes the bias */
          }
          for (size_t i = 0; rc == SNN_OK && i < n; i++) l->b[i] += tmp[i];
        }
      }
      snn__free(tmp);
    }
    if (rc == SNN_OK && *pend) {
      rc = snn__layer_set_delay(l, *pend, l->n_in, fn);
      snn__free(*pend);
      *pend = NULL;
    }
    if (rc == SNN_OK) rc = snn_network_add_layer(net, l);
    if (rc != SNN_OK) {
      snn_layer_free(l);
      return rc;
    }
    s.c = l->out_c;
    s.h = l->out_h;
    s.w = l->out_w;
    cur = fwd;
  }
  return snn__error(SNN_E_UNSUPPORTED, "%s: the graph does not lead from Input to Output", fn);
}

/* Whether the Input feeds a Conv1d (through Scale nodes only): a 2-D Input
 * shape is then (channels, length) = c x 1 x w rather than h x w. */
static int feeds_conv1d(const flat *F, size_t in_idx) {
  long k = in_idx;
  for (size_t guard = 0; guard < 64; guard++) {
    if (n_succ(F, (size_t)k) != 1) return 0;
    k = succ_at(F, (size_t)k, 0);
    if (is_type(F->n[k].nd, "Conv1d")) return 1;
    if (!is_type(F->n[k].nd, "Scale") && !is_type(F->n[k].nd, "Delay")) return 0;
  }
  return 0;
}

int snn__nir_to_network(snn_network **out, const snn__nir_graph *g, double dt, int euler,
                        int reset, const char *fn) {
  *out = NULL;
  flat F;
  memset(&F, 0, sizeof F);
  snn_network *net = NULL;
  int rc = flat_nodes(&F, g, "", 0, fn);
  if (rc == SNN_OK) rc = flat_edges(&F, g, "", 0, fn);
  if (rc == SNN_OK) rc = flat_dedup(&F, fn);
  if (rc == SNN_OK) rc = contract(&F, fn);
  long in_idx = -1;
  for (size_t i = 0; rc == SNN_OK && i < F.nn; i++) {
    if (F.n[i].io != 1) continue;
    if (in_idx >= 0)
      rc = snn__error(SNN_E_UNSUPPORTED, "%s: several Input nodes ('%s', '%s'); libsnn networks have one",
                      fn, F.n[in_idx].name, F.n[i].name);
    in_idx = (long)i;
  }
  if (rc == SNN_OK && in_idx < 0) rc = snn__error(SNN_E_FORMAT, "%s: the graph has no Input node", fn);
  shp s = {1, 1, 1};
  if (rc == SNN_OK) {
    const snn__nir_field *sh = snn__nir_field_get(F.n[in_idx].nd, "shape");
    if (!sh || sh->kind == SNN__NIR_STR || sh->n < 1 || sh->n > 3) {
      rc = snn__error(SNN_E_FORMAT, "%s: Input '%s' needs a 'shape' of 1 to 3 sizes", fn, F.n[in_idx].name);
    } else {
      size_t d[3];
      for (size_t i = 0; i < sh->n && rc == SNN_OK; i++) {
        if (!(sh->v[i] >= 1 && sh->v[i] <= 1048576.0) || sh->v[i] != floor(sh->v[i]))
          rc = snn__error(SNN_E_FORMAT, "%s: Input '%s': shape[%zu] = %g is not a size", fn,
                          F.n[in_idx].name, i, sh->v[i]);
        else d[i] = (size_t)sh->v[i];
      }
      if (rc == SNN_OK) {
        if (sh->n == 1) s.w = d[0];
        else if (sh->n == 2 && feeds_conv1d(&F, (size_t)in_idx)) { s.c = d[0]; s.w = d[1]; }
        else if (sh->n == 2) { s.h = d[0]; s.w = d[1]; }
        else { s.c = d[0]; s.h = d[1]; s.w = d[2]; }
      }
    }
  }
  if (rc == SNN_OK) rc = snn_network_create(&net, s.c, s.h, s.w);
  if (rc == SNN_OK) rc = snn_network_set(net, "dt", dt * MS_PER_UNIT);
  int32_t *pend = NULL; /* delays read but not yet given to a layer */
  if (rc == SNN_OK) rc = walk(net, &F, (size_t)in_idx, s, dt, euler, reset, &pend, fn);
  snn__free(pend);
  for (size_t i = 0; rc == SNN_OK && i < F.nn; i++)
    if (!F.n[i].visited)
      rc = snn__error(SNN_E_UNSUPPORTED, "%s: node '%s' (%s) is not on the path from Input to Output",
                      fn, F.n[i].name, F.n[i].nd->type);
  flat_free(&F);
  if (rc != SNN_OK) {
    snn_network_free(net);
    return rc;
  }
  *out = net;
  return SNN_OK;
}

/* ---- export ------------------------------------------------------------------- */
static double mget(const snn_neuron_model *m, const char *name) {
  double v = 0;
  snn_neuron_model_get(&v, m, name);
  return v;
}

/* per-neuron float64 array of value v in the layer's output shape */
static int add_fill(snn__nir_node *nd, const char *name, const snn_layer *l, double v) {
  size_t dims[3];
  int rank;
  if (l->kind == SNN__LAYER_DENSE) {
    rank = 1;
    dims[0] = l->n_out;
  } else {
    rank = 3;
    dims[0] = l->out_c;
    dims[1] = l->out_h;
    dims[2] = l->out_w;
  }
  double *buf = snn__malloc(l->n_out * sizeof(double));
  if (!buf) return snn__error(SNN_E_NOMEM, "out of memory exporting NIR");
  for (size_t i = 0; i < l->n_out; i++) buf[i] = v;
  int rc = snn__nir_add_array(nd, name, SNN__NIR_F64, rank, dims, buf, NULL);
  snn__free(buf);
  return rc;
}

static int add_pair(snn__nir_node *nd, const char *name, size_t v) {
  size_t d = 2;
  double vv[2] = {(double)v, (double)v};
  return snn__nir_add_array(nd, name, SNN__NIR_I64, 1, &d, vv, NULL);
}

/* per-neuron float64 array (n = the layer's neurons) in the layer's output shape */
static int add_vals(snn__nir_node *nd, const char *name, const snn_layer *l, const double *v) {
  size_t dims[3] = {l->n_out, 0, 0};
  int rank = 1;
  if (l->kind != SNN__LAYER_DENSE) {
    rank = 3;
    dims[0] = l->out_c;
    dims[1] = l->out_h;
    dims[2] = l->out_w;
  }
  return snn__nir_add_array(nd, name, SNN__NIR_F64, rank, dims, v, NULL);
}

/* nir_hetero: the node it was imported from, with its per-neuron values as stored */
static int export_hetero(snn__nir_node **out, snn__nir_graph *g, const char *name,
                         const snn_layer *l, size_t li, int euler, int reset, const char *fn) {
  const snn_neuron_model *m = l->model;
  int node = (int)mget(m, "node");
  const char *type = snn__nir_hetero_node_name(node);
  size_t n = 0;
  const double *a0 = snn__nir_hetero_array(m, 0, &n);
  if (!type || mget(m, "node") != (double)node || !a0 || n != l->n_out)
    return snn__error(SNN_E_UNSUPPORTED, "%s: layer %zu: " SNN__NIR_HETERO_KIND
                      " model is incomplete or does not fit the layer (node %g, %zu values for %zu "
                      "neurons)", fn, li, mget(m, "node"), n, l->n_out);
  if (node != SNN__HET_I && node != SNN__HET_THRESHOLD) {
    if ((mget(m, "euler") != 0.0) != (euler != 0))
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: layer %zu was built for %s integration but the options ask for %s", fn,
                        li, mget(m, "euler") != 0.0 ? "forward-Euler" : "exact",
                        euler ? "forward Euler" : "exact");
    if (node != SNN__HET_LI && node != SNN__HET_CUBALI && (mget(m, "reset") != 0.0) != (reset != 0))
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: layer %zu resets %s but the options ask for reset %s (NIR files do "
                        "not record the reset mode)",
                        fn, li, mget(m, "reset") != 0.0 ? "by subtraction" : "to V_reset",
                        reset ? "by subtraction" : "to v_reset");
  }
  hfield hf[8];
  snn__nir_node *probe = snn__nir_add_node(g, name, type);
  if (!probe) return SNN_E_NOMEM;
  int nd_code = 0;
  size_t nf = neuron_fields(probe, &nd_code, hf);
  int rc = SNN_OK;
  for (size_t k = 0; rc == SNN_OK && k < nf; k++)
    rc = add_vals(probe, hf[k].name, l, snn__nir_hetero_array(m, hf[k].arr, NULL));
  *out = probe;
  return rc;
}

static int export_neuron(snn__nir_node **out, snn__nir_graph *g, const char *name,
                         const snn_layer *l, size_t li, double dt_ms, int euler, int reset,
                         const char *fn) {
  const snn_neuron_model *m = l->model;
  const char *kind = snn_neuron_model_kind(m);
  int rc = SNN_OK;
  snn__nir_node *nd = NULL;
  if (snn__nir_hetero_is(m)) return export_hetero(out, g, name, l, li, euler, reset, fn);
  int lif = strcmp(kind, "lif") == 0, iff = strcmp(kind, "if") == 0;
  int cuba = strcmp(kind, SNN__NIR_CUBA_KIND) == 0;
  int integ = strcmp(kind, SNN__NIR_INTEG_KIND) == 0, thr = strcmp(kind, SNN__NIR_THRESH_KIND) == 0;
  if (integ || thr) {
    /* I: r = 1000 r_ms; Threshold: theta. Neither has a reset or a discretisation. */
    nd = snn__nir_add_node(g, name, integ ? "I" : "Threshold");
    if (!nd) return SNN_E_NOMEM;
    rc = integ ? add_fill(nd, "r", l, mget(m, "r_ms") * MS_PER_UNIT)
               : add_fill(nd, "theta", l, mget(m, "theta"));
    *out = nd;
    return rc;
  }
  if (!lif && !iff && !cuba)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: layer %zu uses neuron model '%s', which NIR cannot express (supported: "
                      "lif, if, " SNN__NIR_CUBA_KIND ", " SNN__NIR_INTEG_KIND ", "
                      SNN__NIR_THRESH_KIND ", " SNN__NIR_HETERO_KIND ")", fn, li, kind);
  if ((lif || iff) && mget(m, "t_ref") != 0.0)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: layer %zu: refractory period t_ref = %g ms (NIR neurons have none)", fn,
                      li, mget(m, "t_ref"));
  int mreset = mget(m, "reset") != 0.0;
  if (mreset != reset)
    return snn__error(SNN_E_UNSUPPORTED,
                      "%s: layer %zu resets %s but the options ask for reset %s (NIR files do not "
                      "record the reset mode)",
                      fn, li, mreset ? "by subtraction" : "to V_reset", reset ? "by subtraction" : "to v_reset");
  if (lif) {
    double C = mget(m, "C_m"), gL = mget(m, "g_L"), tau_ms = C / gL;
    double tau = tau_ms / MS_PER_UNIT;
    if (euler) tau = (dt_ms / MS_PER_UNIT) / -expm1(-dt_ms / tau_ms);
    nd = snn__nir_add_node(g, name, "LIF");
    if (!nd) return SNN_E_NOMEM;
    rc = add_fill(nd, "tau", l, tau);
    if (rc == SNN_OK) rc = add_fill(nd, "r", l, 1.0 / gL);
    if (rc == SNN_OK) rc = add_fill(nd, "v_leak", l, mget(m, "E_L"));
    if (rc == SNN_OK) rc = add_fill(nd, "v_threshold", l, mget(m, "V_th"));
    if (rc == SNN_OK) rc = add_fill(nd, "v_reset", l, mget(m, "V_reset"));
  } else if (iff) {
    nd = snn__nir_add_node(g, name, "IF");
    if (!nd) return SNN_E_NOMEM;
    rc = add_fill(nd, "r", l, MS_PER_UNIT / mget(m, "C_m"));
    if (rc == SNN_OK) rc = add_fill(nd, "v_threshold", l, mget(m, "V_th"));
    if (rc == SNN_OK) rc = add_fill(nd, "v_reset", l, mget(m, "V_reset"));
  } else {
    int spiking = mget(m, "spiking") != 0.0, syn = mget(m, "tau_syn") > 0.0;
    if ((mget(m, "euler") != 0.0) != (euler != 0))
      return snn__error(SNN_E_UNSUPPORTED,
                        "%s: layer %zu was built for %s integration but the options ask for %s", fn,
                        li, mget(m, "euler") != 0.0 ? "forward-Euler" : "exact",
                        euler ? "forward Euler" : "exact");
    if (!syn && spiking)
      return snn__error(SNN_E_UNSUPPORTED, "%s: layer %zu: " SNN__NIR_CUBA_KIND
                        " with tau_syn 0 and spikes has no NIR node", fn, li);
    if (!syn && mget(m, "w_in") != 1.0)
      return snn__error(SNN_E_UNSUPPORTED, "%s: layer %zu: LI with w_in != 1", fn, li);
    nd = snn__nir_add_node(g, name, !syn ? "LI" : spiking ? "CubaLIF" : "CubaLI");
    if (!nd) return SNN_E_NOMEM;
    double tm = mget(m, "tau_mem") / MS_PER_UNIT;
    rc = add_fill(nd, syn ? "tau_mem" : "tau", l, tm);
    if (rc == SNN_OK && syn) rc = add_fill(nd, "tau_syn", l, mget(m, "tau_syn") / MS_PER_UNIT);
    if (rc == SNN_OK) rc = add_fill(nd, "r", l, mget(m, "r"));
    if (rc == SNN_OK) rc = add_fill(nd, "v_leak", l, mget(m, "v_leak"));
    if (rc == SNN_OK && syn) rc = add_fill(nd, "w_in", l, mget(m, "w_in"));
    if (rc == SNN_OK && spiking) rc = add_fill(nd, "v_threshold", l, mget(m, "v_th"));
    if (rc == SNN_OK && spiking) rc = add_fill(nd, "v_reset", l, mget(m, "v_reset"));
  }
  *out = nd;
  return rc;
}

int snn__nir_from_network(snn__nir_graph *g, const snn_network *net, int euler, int reset,
                          const char *fn) {
  if (net->n_layers == 0) return snn__error(SNN_E_STATE, "%s: the network has no layers", fn);
  for (size_t i = 0; i < net->n_layers; i++) /* what one NIR array may hold (nir_graph.h) */
    for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++)
      if (snn_layer_param_size(net->layers[i], which) > SNN__NIR_MAX_ELEMS)
        return snn__error(SNN_E_UNSUPPORTED,
                          "%s: layer %zu has %zu %s values; a NIR array holds at most %u here",
                          fn, i, snn_layer_param_size(net->layers[i], which),
                          which == SNN_PARAM_BIAS ? "bias" : "weight", SNN__NIR_MAX_ELEMS);
  int rc = SNN_OK;
  char prev[64] = "input", name[64];
  snn__nir_node *nd = snn__nir_add_node(g, "input", "Input");
  if (!nd) return SNN_E_NOMEM;
  size_t c = net->in_c, h = net->in_h, w = net->in_w;
  {
    double v[3] = {(double)c, (double)h, (double)w};
    size_t d = (c == 1 && h == 1) ? 1 : 3;
    rc = snn__nir_add_array(nd, "shape", SNN__NIR_I64, 1, &d, d == 1 ? v + 2 : v, NULL);
  }
  for (size_t i = 0; rc == SNN_OK && i < net->n_layers; i++) {
    const snn_layer *l = net->layers[i];
    if (l->kind == SNN__LAYER_DENSE && !(c == 1 && h == 1)) {
      snprintf(name, sizeof name, "layer%zu_flatten", i);
      nd = snn__nir_add_node(g, name, "Flatten");
      if (!nd) return SNN_E_NOMEM;
      double v[3] = {(double)c, (double)h, (double)w};
      size_t d = 3;
      rc = snn__nir_add_scalar(nd, "start_dim", SNN__NIR_I64, 0);
      if (rc == SNN_OK) rc = snn__nir_add_scalar(nd, "end_dim", SNN__NIR_I64, -1);
      if (rc == SNN_OK) rc = snn__nir_add_array(nd, "input_type", SNN__NIR_I64, 1, &d, v, NULL);
      if (rc == SNN_OK) rc = snn__nir_add_edge(g, prev, name);
      snprintf(prev, sizeof prev, "%s", name);
      if (rc != SNN_OK) return rc;
    }
    if (l->delay) {
      /* input delays: a Delay node (seconds) in front of the connection */
      snprintf(name, sizeof name, "layer%zu_delay", i);
      nd = snn__nir_add_node(g, name, "Delay");
      double *dv = snn__malloc(l->n_in * sizeof *dv);
      if (!nd || !dv) {
        snn__free(dv);
        return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      }
      double dt_s = net->dt / MS_PER_UNIT;
      for (size_t k = 0; k < l->n_in; k++) dv[k] = (double)l->delay[k] * dt_s;
      size_t dd[3] = {l->n_in, 0, 0};
      int rk = 1;
      if (l->kind != SNN__LAYER_DENSE) {
        rk = 3;
        dd[0] = l->in_c;
        dd[1] = l->in_h;
        dd[2] = l->in_w;
      }
      rc = snn__nir_add_array(nd, "delay", SNN__NIR_F64, rk, dd, dv, NULL);
      snn__free(dv);
      if (rc == SNN_OK) rc = snn__nir_add_edge(g, prev, name);
      if (rc != SNN_OK) return rc;
      snprintf(prev, sizeof prev, "%s", name);
    }
    snprintf(name, sizeof name, "layer%zu", i);
    size_t nb = l->kind == SNN__LAYER_DENSE ? l->n_out : l->out_c;
    float *tmp = snn__malloc((l->n_w > nb ? l->n_w : nb) * sizeof(float) + 1);
    if (!tmp) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    if (l->kind == SNN__LAYER_DENSE) {
      nd = snn__nir_add_node(g, name, l->has_bias ? "Affine" : "Linear");
      size_t d[2] = {l->n_out, l->n_in};
      if (!nd) rc = SNN_E_NOMEM;
      if (rc == SNN_OK) rc = snn__layer_param_copy_out(tmp, l, SNN_PARAM_WEIGHTS);
      if (rc == SNN_OK) rc = snn__nir_add_array(nd, "weight", SNN__NIR_F32, 2, d, NULL, tmp);
      if (rc == SNN_OK && l->has_bias) {
        rc = snn__layer_param_copy_out(tmp, l, SNN_PARAM_BIAS);
        if (rc == SNN_OK) rc = snn__nir_add_array(nd, "bias", SNN__NIR_F32, 1, d, NULL, tmp);
      }
    } else if (l->kind == SNN__LAYER_CONV2D) {
      nd = snn__nir_add_node(g, name, "Conv2d");
      size_t d[4] = {l->out_c, l->in_c, l->kh, l->kw};
      if (!nd) rc = SNN_E_NOMEM;
      if (rc == SNN_OK) rc = snn__layer_param_copy_out(tmp, l, SNN_PARAM_WEIGHTS);
      if (rc == SNN_OK) rc = snn__nir_add_array(nd, "weight", SNN__NIR_F32, 4, d, NULL, tmp);
      if (rc == SNN_OK) {
        if (l->has_bias) rc = snn__layer_param_copy_out(tmp, l, SNN_PARAM_BIAS);
        else memset(tmp, 0, l->out_c * sizeof(float));
      }
      if (rc == SNN_OK) rc = snn__nir_add_array(nd, "bias", SNN__NIR_F32, 1, d, NULL, tmp);
      if (rc == SNN_OK) rc = add_pair(nd, "stride", l->stride);
      if (rc == SNN_OK) rc = add_pair(nd, "padding", l->pad);
      if (rc == SNN_OK) rc = add_pair(nd, "dilation", 1);
      if (rc == SNN_OK) rc = snn__nir_add_scalar(nd, "groups", SNN__NIR_I64, 1);
      size_t d2 = 2;
      double is[2] = {(double)l->in_h, (double)l->in_w};
      if (rc == SNN_OK) rc = snn__nir_add_array(nd, "input_shape", SNN__NIR_I64, 1, &d2, is, NULL);
    } else {
      if (l->pool == SNN_POOL_MAX)
        rc = snn__error(SNN_E_UNSUPPORTED, "%s: layer %zu is a max pool (NIR has SumPool2d and "
                        "AvgPool2d only)", fn, i);
      nd = rc == SNN_OK ? snn__nir_add_node(g, name, l->pool == SNN_POOL_AVG ? "AvgPool2d" : "SumPool2d") : NULL;
      if (rc == SNN_OK && !nd) rc = SNN_E_NOMEM;
      if (rc == SNN_OK) rc = add_pair(nd, "kernel_size", l->kh);
      if (rc == SNN_OK) rc = add_pair(nd, "stride", l->stride);
      if (rc == SNN_OK) rc = add_pair(nd, "padding", l->pad);
    }
    snn__free(tmp);
      if (rc == SNN_OK) rc = snn__nir_add_edge(g, prev, name);
    if (rc != SNN_OK) return rc;
    snprintf(prev, sizeof prev, "%s", name);
    if (l->model) {
      snprintf(name, sizeof name, "layer%zu_neurons", i);
      rc = export_neuron(&nd, g, name, l, i, net->dt, euler, reset, fn);
      if (rc == SNN_OK) rc = snn__nir_add_edge(g, prev, name);
      if (rc == SNN_OK && l->has_rec) {
        char rn[64];
        snprintf(rn, sizeof rn, "layer%zu_rec", i);
        snn__nir_node *r = snn__nir_add_node(g, rn, "Linear");
        float *rt = snn__malloc(l->n_out * l->n_out * sizeof(float));
        size_t d[2] = {l->n_out, l->n_out};
        if (!r || !rt) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
        if (rc == SNN_OK) rc = snn__layer_param_copy_out(rt, l, SNN_PARAM_RECURRENT);
        if (rc == SNN_OK) rc = snn__nir_add_array(r, "weight", SNN__NIR_F32, 2, d, NULL, rt);
        if (rc == SNN_OK) rc = snn__nir_add_edge(g, name, rn);
        if (rc == SNN_OK) rc = snn__nir_add_edge(g, rn, name);
        snn__free(rt);
      }
      if (rc != SNN_OK) return rc;
      snprintf(prev, sizeof prev, "%s", name);
    }
    c = l->out_c;
    h = l->out_h;
    w = l->out_w;
  }
  if (rc != SNN_OK) return rc;
  nd = snn__nir_add_node(g, "output", "Output");
  if (!nd) return SNN_E_NOMEM;
  {
    double v[3] = {(double)c, (double)h, (double)w};
    size_t d = (c == 1 && h == 1) ? 1 : 3;
    rc = snn__nir_add_array(nd, "shape", SNN__NIR_I64, 1, &d, d == 1 ? v + 2 : v, NULL);
  }
  if (rc == SNN_OK) rc = snn__nir_add_edge(g, prev, "output");
  return rc;
}

/* In-memory NIR graph: building, lookup, text description (see nir_graph.h). */
#include <stdio.h>
#include <string.h>

#include "nir_graph.h"

static void node_clear(snn__nir_node *nd) {
  for (size_t i = 0; i < nd->n_f; i++) {
    snn__free(nd->f[i].name);
    snn__free(nd->f[i].v);
    snn__free(nd->f[i].s);
  }
  snn__free(nd->f);
  snn__free(nd->name);
  snn__free(nd->type);
  if (nd->sub) {
    snn__nir_graph_free(nd->sub);
    snn__free(nd->sub);
  }
}

void snn__nir_graph_free(snn__nir_graph *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n_nodes; i++) node_clear(&g->nodes[i]);
  snn__free(g->nodes);
  for (size_t i = 0; i < 2 * g->n_edges; i++) snn__free(g->edges[i]);
  snn__free(g->edges);
  memset(g, 0, sizeof *g);
}

snn__nir_node *snn__nir_add_node(snn__nir_graph *g, const char *name, const char *type) {
  if (g->n_nodes >= SNN__NIR_MAX_NODES) {
    snn__error(SNN_E_FORMAT, "NIR graph has more than %d nodes", SNN__NIR_MAX_NODES);
    return NULL;
  }
  if (g->n_nodes == g->cap_nodes) {
    size_t cap = g->cap_nodes ? 2 * g->cap_nodes : 8;
    snn__nir_node *nn = snn__realloc(g->nodes, g->cap_nodes * sizeof *nn, cap * sizeof *nn);
    if (!nn) {
      snn__error(SNN_E_NOMEM, "out of memory reading a NIR graph");
      return NULL;
    }
    g->nodes = nn;
    g->cap_nodes = cap;
  }
  snn__nir_node *nd = &g->nodes[g->n_nodes];
  memset(nd, 0, sizeof *nd);
  nd->name = snn__strdup(name);
  nd->type = snn__strdup(type ? type : "");
  if (!nd->name || !nd->type) {
    snn__free(nd->name);
    snn__free(nd->type);
    snn__error(SNN_E_NOMEM, "out of memory reading a NIR graph");
    return NULL;
  }
  g->n_nodes++;
  return nd;
}

int snn__nir_add_edge(snn__nir_graph *g, const char *src, const char *dst) {
  if (g->n_edges == g->cap_edges) {
    size_t cap = g->cap_edges ? 2 * g->cap_edges : 8;
    char **ne = snn__realloc(g->edges, 2 * g->cap_edges * sizeof *ne, 2 * cap * sizeof *ne);
    if (!ne) return snn__error(SNN_E_NOMEM, "out of memory reading NIR edges");
    g->edges = ne;
    g->cap_edges = cap;
  }
  char *a = snn__strdup(src), *b = snn__strdup(dst);
  if (!a || !b) {
    snn__free(a);
    snn__free(b);
    return snn__error(SNN_E_NOMEM, "out of memory reading NIR edges");
  }
  g->edges[2 * g->n_edges] = a;
  g->edges[2 * g->n_edges + 1] = b;
  g->n_edges++;
  return SNN_OK;
}

static snn__nir_field *field_new(snn__nir_node *nd, const char *name) {
  if (nd->n_f == nd->cap_f) {
    size_t cap = nd->cap_f ? 2 * nd->cap_f : 8;
    snn__nir_field *nf = snn__realloc(nd->f, nd->cap_f * sizeof *nf, cap * sizeof *nf);
    if (!nf) return NULL;
    nd->f = nf;
    nd->cap_f = cap;
  }
  snn__nir_field *f = &nd->f[nd->n_f];
  memset(f, 0, sizeof *f);
  f->name = snn__strdup(name);
  if (!f->name) return NULL;
  nd->n_f++;
  return f;
}

int snn__nir_add_array(snn__nir_node *nd, const char *name, int kind, int rank,
                       const size_t *dims, const double *v, const float *vf) {
  size_t n = 1;
  if (rank < 0 || rank > SNN__NIR_MAX_RANK)
    return snn__error(SNN_E_FORMAT, "NIR node '%s': field '%s' has rank %d (at most %d)", nd->name,
                      name, rank, SNN__NIR_MAX_RANK);
  for (int i = 0; i < rank; i++)
    if (snn__mul_size(&n, n, dims[i]) || n > SNN__NIR_MAX_ELEMS)
      return snn__error(SNN_E_FORMAT, "NIR node '%s': field '%s' is too large", nd->name, name);
  double *buf = snn__calloc(n ? n : 1, sizeof(double));
  if (!buf) return snn__error(SNN_E_NOMEM, "out of memory for NIR field '%s'", name);
  if (v) memcpy(buf, v, n * sizeof(double));
  else if (vf)
    for (size_t i = 0; i < n; i++) buf[i] = vf[i];
  snn__nir_field *f = field_new(nd, name);
  if (!f) {
    snn__free(buf);
    return snn__error(SNN_E_NOMEM, "out of memory for NIR field '%s'", name);
  }
  f->kind = kind;
  f->rank = rank;
  for (int i = 0; i < rank; i++) f->dims[i] = dims[i];
  f->n = n;
  f->v = buf;
  return SNN_OK;
}

int snn__nir_add_scalar(snn__nir_node *nd, const char *name, int kind, double v) {
  return snn__nir_add_array(nd, name, kind, 0, NULL, &v, NULL);
}

int snn__nir_add_string(snn__nir_node *nd, const char *name, const char *s) {
  char *c = snn__strdup(s);
  if (!c) return snn__error(SNN_E_NOMEM, "out of memory for NIR field '%s'", name);
  snn__nir_field *f = field_new(nd, name);
  if (!f) {
    snn__free(c);
    return snn__error(SNN_E_NOMEM, "out of memory for NIR field '%s'", name);
  }
  f->kind = SNN__NIR_STR;
  f->s = c;
  return SNN_OK;
}

const snn__nir_field *snn__nir_field_get(const snn__nir_node *nd, const char *name) {
  for (size_t i = 0; i < nd->n_f; i++)
    if (strcmp(nd->f[i].name, name) == 0) return &nd->f[i];
  return NULL;
}

/* ---- description ------------------------------------------------------------ */
/* Text is counted in full and copied as far as the caller's buffer goes; no
 * piece is cut (names may be up to 4096 bytes, prefixes longer). */
typedef struct sbuf {
  char *p;
  size_t cap, len;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t m) {
  if (b->p && b->len + 1 < b->cap) {
    size_t room = b->cap - b->len - 1, c = m < room ? m : room;
    memcpy(b->p + b->len, s, c);
    b->p[b->len + c] = '\0';
  }
  b->len += m;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* short formatted pieces only (numbers); strings go through sb_str */
static void sb_printf(sbuf *b, const char *fmt, ...) SNN__PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[64];
  int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (k > 0) sb_put(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* prefix: the names of the enclosing graphs, each followed by '.', as a list
 * of frames (no length limit) */
typedef struct pfx {
  const struct pfx *up;
  const char *name;
} pfx;

static void sb_prefix(sbuf *b, const pfx *p) {
  if (!p) return;
  sb_prefix(b, p->up);
  sb_str(b, p->name);
  sb_str(b, ".");
}

static void describe_graph(sbuf *b, const snn__nir_graph *g, const pfx *prefix, int depth) {
  for (size_t i = 0; i < g->n_nodes; i++) {
    const snn__nir_node *nd = &g->nodes[i];
    sb_str(b, "node ");
    sb_prefix(b, prefix);
    sb_str(b, nd->name);
    sb_str(b, " ");
    sb_str(b, nd->type);
    for (size_t k = 0; k < nd->n_f; k++) {
      const snn__nir_field *f = &nd->f[k];
      if (strcmp(f->name, "type") == 0) continue;
      sb_str(b, " ");
      sb_str(b, f->name);
      if (f->kind == SNN__NIR_STR) {
        sb_str(b, "=\"");
        sb_str(b, f->s);
        sb_str(b, "\"");
      } else if (f->rank == 0 || (f->n <= 4 && (strcmp(f->name, "shape") == 0 ||
                                                 f->kind == SNN__NIR_I64 || f->n == 1))) {
        sb_str(b, "=");
        if (f->rank > 0) sb_str(b, "[");
        for (size_t j = 0; j < f->n; j++) sb_printf(b, "%s%.9g", j ? "," : "", f->v[j]);
        if (f->rank > 0) sb_str(b, "]");
      } else {
        sb_str(b, "{");
        for (int j = 0; j < f->rank; j++) sb_printf(b, "%s%zu", j ? "x" : "", f->dims[j]);
        sb_str(b, "}");
      }
    }
    sb_str(b, "\n");
    if (nd->sub && depth < SNN__NIR_MAX_DEPTH) {
      pfx here = {prefix, nd->name};
      describe_graph(b, nd->sub, &here, depth + 1);
    }
  }
  for (size_t e = 0; e < g->n_edges; e++) {
    sb_str(b, "edge ");
    sb_prefix(b, prefix);
    sb_str(b, g->edges[2 * e]);
    sb_str(b, " -> ");
    sb_prefix(b, prefix);
    sb_str(b, g->edges[2 * e + 1]);
    sb_str(b, "\n");
  }
}

void snn__nir_describe(const snn__nir_graph *g, char *buf, size_t cap, size_t *len) {
  sbuf b = {buf, cap, 0};
  if (buf && cap) buf[0] = '\0';
  describe_graph(&b, g, NULL, 0);
  *len = b.len;
}

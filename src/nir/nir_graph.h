/* In-memory NIR graph (src/nir): what the HDF5 reader produces and the writer
 * consumes, and the mapping between it and snn_network. Internal; never
 * installed. NIR: github.com/neuromorphs/NIR (Pedersen et al. 2024).
 *
 * A node is a name, a type string ("Affine", "LIF", "NIRGraph", ...) and a
 * list of named fields. A field is a numeric array (kept as double, with the
 * file's element kind remembered so the writer can use float32/float64/int64)
 * or a string. A "NIRGraph" node has a sub-graph instead of fields. */
#ifndef SNN_NIR_GRAPH_H
#define SNN_NIR_GRAPH_H

#include "internal.h"

#define SNN__NIR_MAX_RANK 8
#define SNN__NIR_MAX_DEPTH 8           /* nesting of NIRGraph nodes */
#define SNN__NIR_MAX_NODES 10000       /* per file (nir_h5.c counts every node read) */
#define SNN__NIR_MAX_ELEMS (1u << 27)  /* per array (1 GiB as double) */
/* Largest n of an n x n dense layer the import makes up itself (identity before a
 * neuron node without a connection, diagonal of a leading Scale): its memory
 * grows with n^2 while the file holds at most n values (64 MiB of weights). */
#define SNN__NIR_MAX_SYNTH 4096

enum { SNN__NIR_F32 = 0, SNN__NIR_F64 = 1, SNN__NIR_I64 = 2, SNN__NIR_STR = 3 };

typedef struct snn__nir_field {
  char *name;
  int kind;                          /* SNN__NIR_* */
  int rank;                          /* 0 = scalar */
  size_t dims[SNN__NIR_MAX_RANK];
  size_t n;                          /* elements */
  double *v;                         /* numeric values (n), NULL for strings */
  char *s;                           /* string value (SNN__NIR_STR) */
} snn__nir_field;

typedef struct snn__nir_graph snn__nir_graph;

typedef struct snn__nir_node {
  char *name;
  char *type;
  snn__nir_field *f;
  size_t n_f, cap_f;
  snn__nir_graph *sub;               /* NIRGraph nodes */
} snn__nir_node;

struct snn__nir_graph {
  snn__nir_node *nodes;
  size_t n_nodes, cap_nodes;
  char **edges;                      /* 2 * n_edges strings: src, dst */
  size_t n_edges, cap_edges;
};

/* ---- graph building (nir_graph.c) ---------------------------------------- */
void snn__nir_graph_free(snn__nir_graph *g);
/* New empty node appended to g (name copied); NULL on OOM (error set). */
snn__nir_node *snn__nir_add_node(snn__nir_graph *g, const char *name, const char *type);
int snn__nir_add_edge(snn__nir_graph *g, const char *src, const char *dst);
/* Appends a numeric field with `n` values (copied from v, or zeros when v is NULL;
 * vf: float source instead of double when non-NULL). */
int snn__nir_add_array(snn__nir_node *nd, const char *name, int kind, int rank,
                       const size_t *dims, const double *v, const float *vf);
int snn__nir_add_scalar(snn__nir_node *nd, const char *name, int kind, double v);
int snn__nir_add_string(snn__nir_node *nd, const char *name, const char *s);
const snn__nir_field *snn__nir_field_get(const snn__nir_node *nd, const char *name);

/* ---- mapping (nir_map.c) --------------------------------------------------- */
/* Builds a network from a graph. dt_file: step in the file's time unit;
 * euler: 1 = forward-Euler discretisation; reset: 0 = to v_reset, 1 = subtract. */
int snn__nir_to_network(snn_network **out, const snn__nir_graph *g, double dt_file, int euler,
                        int reset, const char *fn);
/* Builds a graph describing net. */
int snn__nir_from_network(snn__nir_graph *g, const snn_network *net, int euler, int reset,
                          const char *fn);
/* Text description of a graph (nodes, types, field shapes, edges) into buf. */
void snn__nir_describe(const snn__nir_graph *g, char *buf, size_t cap, size_t *len);

/* ---- neuron model used for LI, CubaLI and CubaLIF (nir_cuba.c) ----------- */
#define SNN__NIR_CUBA_KIND "nir_cuba"
enum {
  SNN__CUBA_TAU_MEM, SNN__CUBA_TAU_SYN, SNN__CUBA_R, SNN__CUBA_W_IN, SNN__CUBA_V_LEAK,
  SNN__CUBA_V_TH, SNN__CUBA_V_RESET, SNN__CUBA_RESET, SNN__CUBA_SPIKING, SNN__CUBA_EULER,
  SNN__CUBA_NPARAMS
};
int snn__nir_cuba_create(snn_neuron_model **out);
/* The current-based update over one step, shared by nir_cuba and nir_hetero:
 * constants of one parameter set (times and dt in one unit) and the partial
 * derivatives of (V', I') (V' before spike and reset) w.r.t. (V, I, u). */
typedef struct snn__cuba_k {
  double tm, ts, r, w, vl, dt, am, omm, as, kc;
  int euler;
  double dvv, dvc, dvu, dcc, dcu;
} snn__cuba_k;
void snn__cuba_make(snn__cuba_k *k, double tau_mem, double tau_syn, double r, double w_in,
                    double v_leak, int euler, double dt);
/* one neuron: input u (x = w_in u drives I; tau_syn = 0: I' = x) */
void snn__cuba_update(const snn__cuba_k *k, double v0, double c0, double u, double *v1,
                      double *c1);

/* ---- models used for I and Threshold (nir_kinds.c) ----------------------- */
#define SNN__NIR_INTEG_KIND "nir_integrator"
#define SNN__NIR_THRESH_KIND "nir_threshold"
enum { SNN__INTEG_R_MS, SNN__INTEG_NPARAMS };
enum { SNN__THRESH_THETA, SNN__THRESH_NPARAMS };
int snn__nir_integ_create(snn_neuron_model **out);
int snn__nir_thresh_create(snn_neuron_model **out);
/* ---- per-neuron (heterogeneous) parameters (nir_hetero.c) ---------------- */
#define SNN__NIR_HETERO_KIND "nir_hetero"
enum { SNN__HET_NODE, SNN__HET_RESET, SNN__HET_EULER, SNN__HET_NPARAMS };
enum {
  SNN__HET_LIF, SNN__HET_IF, SNN__HET_LI, SNN__HET_CUBALI, SNN__HET_CUBALIF, SNN__HET_I,
  SNN__HET_THRESHOLD, SNN__HET_NNODES
};
/* per-neuron arrays, in the NIR file's units (theta of Threshold is v_th) */
enum {
  SNN__HET_TAU_MEM, SNN__HET_TAU_SYN, SNN__HET_R, SNN__HET_W_IN, SNN__HET_V_LEAK, SNN__HET_V_TH,
  SNN__HET_V_RESET, SNN__HET_NARR
};
/* A model without per-neuron values; set every array, then seal it (before it
 * is copied into a layer: copies share the values). */
int snn__nir_hetero_create(snn_neuron_model **out);
int snn__nir_hetero_is(const snn_neuron_model *m);
/* Copies n values (finite, in range; all arrays of one model have one n):
 * SNN_E_FORMAT naming the array, SNN_E_STATE once sealed, SNN_E_NOMEM. */
int snn__nir_hetero_set(snn_neuron_model *m, int which, const double *v, size_t n,
                        const char *fn);
/* Checks that every array is set for n neurons and makes them read-only. */
int snn__nir_hetero_seal(snn_neuron_model *m, size_t n, const char *fn);
/* Borrowed array of a sealed model (NULL otherwise), *n = neurons. */
const double *snn__nir_hetero_array(const snn_neuron_model *m, int which, size_t *n);
const char *snn__nir_hetero_node_name(int node);
const char *snn__nir_hetero_array_name(int which);
/* Model files: the per-neuron arrays follow the LAYR parameter list. */
struct snn__wr;
struct snn__rd;
void snn__nir_hetero_write(struct snn__wr *w, const snn_neuron_model *m);
int snn__nir_hetero_read(struct snn__rd *r, snn_neuron_model *m, size_t n_out);

/* A fresh model of NIR kind nk (one of the four above, default parameters;
 * nir_hetero without per-neuron values);
 * SNN_E_NOTFOUND without a message for any other name (model loaders). */
int snn__nir_kind_create(snn_neuron_model **out, const char *nk);

/* ---- HDF5 (nir_h5.c, only with SNN_HAVE_HDF5) ---------------------------- */
int snn__nir_read_file(snn__nir_graph *g, const char *path, const char *fn);
int snn__nir_read_mem(snn__nir_graph *g, const void *buf, size_t size, const char *fn);
int snn__nir_write_file(const snn__nir_graph *g, const char *path, const char *fn);
/* In-memory image: *size = its bytes; copied to buf only when cap >= *size. */
int snn__nir_write_mem(const snn__nir_graph *g, void *buf, size_t cap, size_t *size,
                       const char *fn);

#endif

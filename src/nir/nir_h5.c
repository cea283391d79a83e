/* NIR files through libhdf5: reading into and writing from snn__nir_graph.
 * Compiled to nothing without SNN_HAVE_HDF5.
 *
 * Layout (NIR's reference reader/writer, nir/serialization.py):
 *   /version            string
 *   /node               group of the top graph: type = "NIRGraph",
 *     nodes/<name>/     one group per node: "type" string + one dataset per field
 *     edges             strings, shape (n, 2): source, destination
 * Sub-graphs are nodes of type "NIRGraph" with their own nodes/ and edges.
 *
 * HDF5 is never trusted: every call's result is checked, only hard links are
 * followed (no external or soft links), nesting depth, element counts and
 * string sizes are bounded, and HDF5's error-stack printing is switched off for
 * the duration of each call (restored afterwards) so the library never prints. */
#ifdef SNN_HAVE_HDF5
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "nir_graph.h"

#define SNN__NIR_MAX_STR 65536
#define SNN__NIR_MAX_EDGES 1000000

typedef struct quiet {
  H5E_auto2_t fn;
  void *data;
} quiet;

static void quiet_begin(quiet *q) {
  q->fn = NULL;
  q->data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->fn, q->data); }

static int is_hard_link(hid_t loc, const char *name) {
  H5L_info_t li;
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 0;
  if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0) return 0;
  return li.type == H5L_TYPE_HARD;
}

/* Budget of one file. A group may be hard-linked under many names, so a small
 * file can expand into b^L nodes over L levels, each re-reading the same large
 * dataset: the limits below count what was read from the whole file. */
#define SNN__NIR_MAX_FILE_VALUES ((size_t)1 << 28) /* numeric values (2 GiB as double) */
typedef struct rdctx {
  const char *fn;
  size_t nodes;  /* nodes read (SNN__NIR_MAX_NODES) */
  size_t values; /* numeric field values read (SNN__NIR_MAX_FILE_VALUES) */
  size_t edges;  /* edges read (SNN__NIR_MAX_EDGES) */
} rdctx;

/* A dataset may keep its data in other files (external storage, virtual
 * datasets): refused, a file must not make libsnn open another one. A large
 * field whose stored bytes are a tiny fraction of its size (unallocated
 * chunks read as fill values, or extreme compression) is refused before
 * allocating it. logical: bytes the field holds when read (0: not checked). */
static int ds_check(hid_t ds, size_t logical, const char *fn, const char *what) {
  hid_t dcpl = H5Dget_create_plist(ds);
  if (dcpl < 0) return snn__error(SNN_E_FORMAT, "%s: %s: unreadable storage properties", fn, what);
  int n_ext = H5Pget_external_count(dcpl);
  H5D_layout_t lay = H5Pget_layout(dcpl);
  H5Pclose(dcpl);
  if (n_ext != 0 || lay == H5D_VIRTUAL)
    return snn__error(SNN_E_FORMAT,
                      "%s: %s keeps its data in another file (HDF5 %s storage); not read", fn,
                      what, n_ext != 0 ? "external" : "virtual");
  if (lay < 0) return snn__error(SNN_E_FORMAT, "%s: %s: unreadable storage layout", fn, what);
  if (logical > ((size_t)16 << 20)) {
    hsize_t stored = H5Dget_storage_size(ds);
    if (stored < logical / 1024)
      return snn__error(SNN_E_FORMAT,
                        "%s: %s holds %zu bytes but the file stores only %llu for it "
                        "(unwritten or implausibly compressed data)",
                        fn, what, logical, (unsigned long long)stored);
  }
  return SNN_OK;
}

/* Reads a string dataset of rank <= 2 into n newly allocated strings. */
static int read_strings(char ***out, size_t *n_out, int *rank_out, hsize_t *dims, hid_t ds,
                        const char *fn, const char *what) {
  *out = NULL;
  *n_out = 0;
  int rc = SNN_OK;
  hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds), mt = -1;
  char **res = NULL;
  size_t n = 1;
  int rank = -1;
  if (t < 0 || sp < 0 || H5Tget_class(t) != H5T_STRING) {
    rc = snn__error(SNN_E_FORMAT, "%s: %s is not a string dataset", fn, what);
    goto done;
  }
  if ((rc = ds_check(ds, 0, fn, what)) != SNN_OK) goto done;
  rank = H5Sget_simple_extent_ndims(sp);
  if (rank < 0 || rank > 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: %s has an unreadable or unsupported shape", fn, what);
    goto done;
  }
  for (int i = 0; i < rank; i++) {
    if (dims[i] > SNN__NIR_MAX_EDGES || snn__mul_size(&n, n, (size_t)dims[i]) || n > 2 * SNN__NIR_MAX_EDGES) {
      rc = snn__error(SNN_E_FORMAT, "%s: %s is too large", fn, what);
      goto done;
    }
  }
  res = snn__calloc(n ? n : 1, sizeof *res);
  if (!res) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory reading %s", fn, what);
    goto done;
  }
  if (n == 0) goto done;
  htri_t var = H5Tis_variable_str(t);
  if (var < 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: %s has a bad string type", fn, what);
    goto done;
  }
  mt = H5Tcopy(H5T_C_S1);
  H5T_cset_t cset = H5Tget_cset(t);
  if (mt < 0 || cset < 0 || H5Tset_cset(mt, cset) < 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: HDF5 could not create a string type", fn);
    goto done;
  }
  if (var > 0) {
    /* One element per read: when libhdf5 fails to convert element k of a
     * multi-element read, the strings it already converted are lost inside it
     * (leaked); element-wise reads leave nothing behind. */
    hid_t msp = rank > 0 ? H5Screate(H5S_SCALAR) : H5S_ALL;
    hid_t fsp = rank > 0 ? H5Scopy(sp) : H5S_ALL;
    if (H5Tset_size(mt, H5T_VARIABLE) < 0 || msp < 0 || fsp < 0) {
      rc = snn__error(SNN_E_FORMAT, "%s: HDF5 could not set up reading %s", fn, what);
    }
    for (size_t i = 0; i < n && rc == SNN_OK; i++) {
      if (rank > 0) {
        hsize_t coord[2];
        if (rank == 1) coord[0] = i;
        else {
          coord[0] = i / dims[1];
          coord[1] = i % dims[1];
        }
        if (H5Sselect_elements(fsp, H5S_SELECT_SET, 1, coord) < 0) {
          rc = snn__error(SNN_E_FORMAT, "%s: cannot select element %zu of %s", fn, i, what);
          break;
        }
      }
      char *one = NULL;
      if (H5Dread(ds, mt, msp, fsp, H5P_DEFAULT, &one) < 0) {
        rc = snn__error(SNN_E_FORMAT, "%s: cannot read %s (corrupt or truncated file)", fn, what);
        break;
      }
      const char *s1 = one ? one : "";
      if (strlen(s1) > SNN__NIR_MAX_STR) rc = snn__error(SNN_E_FORMAT, "%s: %s: string too long", fn, what);
      else if (!(res[i] = snn__strdup(s1))) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      hid_t rsp = rank > 0 ? msp : sp;
      H5Dvlen_reclaim(mt, rsp, H5P_DEFAULT, &one);
    }
    if (rank > 0) {
      if (msp >= 0) H5Sclose(msp);
      if (fsp >= 0) H5Sclose(fsp);
    }
  } else {
    size_t sz = H5Tget_size(t);
    size_t tot;
    if (sz == 0 || sz > SNN__NIR_MAX_STR || snn__mul_size(&tot, n, sz + 1) || tot > ((size_t)1 << 28)) {
      rc = snn__error(SNN_E_FORMAT, "%s: %s: bad string size %zu", fn, what, sz);
      goto done;
    }
    char *raw = snn__calloc(tot, 1);
    if (!raw) {
      rc = snn__error(SNN_E_NOMEM, "%s: out of memory reading %s", fn, what);
      goto done;
    }
    if (H5Tset_size(mt, sz + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
        H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
      snn__free(raw);
      rc = snn__error(SNN_E_FORMAT, "%s: cannot read %s (corrupt or truncated file)", fn, what);
      goto done;
    }
    for (size_t i = 0; i < n && rc == SNN_OK; i++) {
      char *s = raw + i * (sz + 1);
      s[sz] = '\0';
      if (!(res[i] = snn__strdup(s))) rc = snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    }
    snn__free(raw);
  }
done:
  if (mt >= 0) H5Tclose(mt);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  if (rc != SNN_OK && res) {
    for (size_t i = 0; i < n; i++) snn__free(res[i]);
    snn__free(res);
    res = NULL;
  }
  if (rc == SNN_OK) {
    *out = res;
    *n_out = n;
    *rank_out = rank;
  }
  return rc;
}

static void free_strings(char **s, size_t n) {
  if (!s) return;
  for (size_t i = 0; i < n; i++) snn__free(s[i]);
  snn__free(s);
}

/* One scalar string dataset `name` in group loc. */
static int read_string1(char **out, hid_t loc, const char *name, const char *fn, const char *where) {
  *out = NULL;
  char what[600];
  snprintf(what, sizeof what, "'%s/%s'", where, name);
  if (!is_hard_link(loc, name))
    return snn__error(SNN_E_FORMAT, "%s: %s is missing", fn, what);
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  if (ds < 0) return snn__error(SNN_E_FORMAT, "%s: %s is not a dataset", fn, what);
  char **s = NULL;
  size_t n = 0;
  int rank = 0;
  hsize_t dims[2];
  int rc = read_strings(&s, &n, &rank, dims, ds, fn, what);
  H5Dclose(ds);
  if (rc != SNN_OK) return rc;
  if (n != 1) {
    free_strings(s, n);
    return snn__error(SNN_E_FORMAT, "%s: %s must hold one string (got %zu)", fn, what, n);
  }
  *out = s[0];
  snn__free(s);
  return SNN_OK;
}

static int read_numeric(snn__nir_node *nd, hid_t ds, const char *name, rdctx *cx) {
  const char *fn = cx->fn;
  int rc = SNN_OK;
  hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
  double *buf = NULL;
  if (t < 0 || sp < 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: node '%s': field '%s' is unreadable", fn, nd->name, name);
    goto done;
  }
  H5T_class_t cls = H5Tget_class(t);
  int kind;
  if (cls == H5T_FLOAT) kind = H5Tget_size(t) == 4 ? SNN__NIR_F32 : SNN__NIR_F64;
  else if (cls == H5T_INTEGER) kind = SNN__NIR_I64;
  else if (cls == H5T_STRING) {
    char **s = NULL;
    size_t n = 0;
    int rank = 0;
    hsize_t dims[2];
    char what[600];
    snprintf(what, sizeof what, "node '%s' field '%s'", nd->name, name);
    H5Tclose(t);
    H5Sclose(sp);
    rc = read_strings(&s, &n, &rank, dims, ds, fn, what);
    if (rc != SNN_OK) return rc;
    if (n == 1) rc = snn__nir_add_string(nd, name, s[0]);
    free_strings(s, n); /* string arrays (unused by supported nodes) are dropped */
    return rc;
  } else {
    goto done; /* compound, enum, ...: not a NIR field; ignored */
  }
  int rank = H5Sget_simple_extent_ndims(sp);
  hsize_t hd[H5S_MAX_RANK];
  if (rank < 0 || rank > SNN__NIR_MAX_RANK || H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: node '%s': field '%s' has an unsupported shape", fn,
                    nd->name, name);
    goto done;
  }
  size_t dims[SNN__NIR_MAX_RANK], n = 1;
  for (int i = 0; i < rank; i++) {
    dims[i] = (size_t)hd[i];
    if (hd[i] > SNN__NIR_MAX_ELEMS || snn__mul_size(&n, n, dims[i]) || n > SNN__NIR_MAX_ELEMS) {
      rc = snn__error(SNN_E_FORMAT, "%s: node '%s': field '%s' is too large", fn, nd->name, name);
      goto done;
    }
  }
  if (n > SNN__NIR_MAX_FILE_VALUES - cx->values) {
    rc = snn__error(SNN_E_FORMAT, "%s: the file's numeric fields hold more than %zu values in all",
                    fn, SNN__NIR_MAX_FILE_VALUES);
    goto done;
  }
  cx->values += n;
  {
    char what[600];
    snprintf(what, sizeof what, "node '%s' field '%s'", nd->name, name);
    size_t esz = H5Tget_size(t);
    if ((rc = ds_check(ds, esz && n <= SIZE_MAX / esz ? n * esz : SIZE_MAX, fn, what)) != SNN_OK)
      goto done;
  }
  buf = snn__calloc(n ? n : 1, sizeof(double));
  if (!buf) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory for field '%s' (%zu values)", fn, name, n);
    goto done;
  }
  if (n && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    rc = snn__error(SNN_E_FORMAT,
                    "%s: node '%s': cannot read field '%s' (corrupt or truncated file, or a "
                    "compression filter that is not available)",
                    fn, nd->name, name);
    goto done;
  }
  rc = snn__nir_add_array(nd, name, kind, rank, dims, buf, NULL);
done:
  snn__free(buf);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

/* name of link i of group g (allocated): SNN_OK, SNN_E_FORMAT or SNN_E_NOMEM */
static int link_name(char **out, hid_t g, hsize_t i, const char *fn, const char *where) {
  *out = NULL;
  ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
  if (len < 0 || len > 4096)
    return snn__error(SNN_E_FORMAT, "%s: '%s': unreadable member %llu", fn, where,
                      (unsigned long long)i);
  char *s = snn__malloc((size_t)len + 1);
  if (!s) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, s, (size_t)len + 1, H5P_DEFAULT) < 0) {
    snn__free(s);
    return snn__error(SNN_E_FORMAT, "%s: '%s': unreadable member %llu", fn, where,
                      (unsigned long long)i);
  }
  s[len] = '\0';
  *out = s;
  return SNN_OK;
}

static int read_graph(snn__nir_graph *g, hid_t grp, const char *where, int depth, rdctx *cx);

static int read_node(snn__nir_graph *g, hid_t grp, const char *name, const char *where, int depth,
                     rdctx *cx) {
  const char *fn = cx->fn;
  if (++cx->nodes > SNN__NIR_MAX_NODES)
    return snn__error(SNN_E_FORMAT, "%s: the file has more than %d nodes in all (at '%s')", fn,
                      SNN__NIR_MAX_NODES, where);
  char *type = NULL;
  int rc = read_string1(&type, grp, "type", fn, where);
  if (rc != SNN_OK) return rc;
  snn__nir_node *nd = snn__nir_add_node(g, name, type);
  snn__free(type);
  if (!nd) return g->n_nodes >= SNN__NIR_MAX_NODES ? SNN_E_FORMAT : SNN_E_NOMEM;
  if (strcmp(nd->type, "NIRGraph") == 0) {
    if (depth + 1 >= SNN__NIR_MAX_DEPTH)
      return snn__error(SNN_E_UNSUPPORTED, "%s: sub-graphs nested deeper than %d at '%s'", fn,
                        SNN__NIR_MAX_DEPTH, where);
    nd->sub = snn__calloc(1, sizeof *nd->sub);
    if (!nd->sub) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    return read_graph(nd->sub, grp, where, depth + 1, cx);
  }
  H5G_info_t info;
  if (H5Gget_info(grp, &info) < 0 || info.nlinks > 4096)
    return snn__error(SNN_E_FORMAT, "%s: node '%s' is unreadable", fn, where);
  for (hsize_t i = 0; i < info.nlinks && rc == SNN_OK; i++) {
    char *ln = NULL;
    rc = link_name(&ln, grp, i, fn, where);
    if (rc != SNN_OK) return rc;
    if (strcmp(ln, "type") != 0 && is_hard_link(grp, ln)) {
      hid_t obj = H5Oopen(grp, ln, H5P_DEFAULT);
      if (obj < 0) rc = snn__error(SNN_E_FORMAT, "%s: node '%s': cannot open '%s'", fn, where, ln);
      else {
        if (H5Iget_type(obj) == H5I_DATASET) rc = read_numeric(&g->nodes[g->n_nodes - 1], obj, ln, cx);
        H5Oclose(obj); /* sub-groups (metadata, input_type dicts) are ignored */
      }
    }
    snn__free(ln);
  }
  return rc;
}

static int read_graph(snn__nir_graph *g, hid_t grp, const char *where, int depth, rdctx *cx) {
  const char *fn = cx->fn;
  int rc = SNN_OK;
  if (!is_hard_link(grp, "nodes"))
    return snn__error(SNN_E_FORMAT, "%s: graph '%s' has no 'nodes' group", fn, where);
  hid_t ng = H5Gopen2(grp, "nodes", H5P_DEFAULT);
  if (ng < 0) return snn__error(SNN_E_FORMAT, "%s: '%s/nodes' is not a group", fn, where);
  H5G_info_t info;
  if (H5Gget_info(ng, &info) < 0 || info.nlinks > SNN__NIR_MAX_NODES) {
    H5Gclose(ng);
    return snn__error(SNN_E_FORMAT, "%s: '%s/nodes' is unreadable or too large", fn, where);
  }
  for (hsize_t i = 0; i < info.nlinks && rc == SNN_OK; i++) {
    char *ln = NULL;
    rc = link_name(&ln, ng, i, fn, where);
    if (rc != SNN_OK) break;
    char w2[600];
    snprintf(w2, sizeof w2, "%s/nodes/%s", where, ln);
    if (!is_hard_link(ng, ln)) {
      rc = snn__error(SNN_E_FORMAT, "%s: '%s' is not a plain group (links are not followed)", fn, w2);
    } else {
      hid_t c = H5Gopen2(ng, ln, H5P_DEFAULT);
      if (c < 0) rc = snn__error(SNN_E_FORMAT, "%s: '%s' is not a group", fn, w2);
      else {
        rc = read_node(g, c, ln, w2, depth, cx);
        H5Gclose(c);
      }
    }
    snn__free(ln);
  }
  H5Gclose(ng);
  if (rc != SNN_OK) return rc;
  if (!is_hard_link(grp, "edges")) return SNN_OK; /* a graph without edges */
  hid_t ds = H5Dopen2(grp, "edges", H5P_DEFAULT);
  if (ds < 0) return snn__error(SNN_E_FORMAT, "%s: '%s/edges' is not a dataset", fn, where);
  char **s = NULL;
  size_t n = 0;
  int rank = 0;
  hsize_t dims[2] = {0, 0};
  char what[600];
  snprintf(what, sizeof what, "'%s/edges'", where);
  rc = read_strings(&s, &n, &rank, dims, ds, fn, what);
  H5Dclose(ds);
  if (rc != SNN_OK) return rc;
  if (n != 0 && (rank != 2 || dims[1] != 2))
    rc = snn__error(SNN_E_FORMAT, "%s: %s must have shape (n, 2)", fn, what);
  else if (n && (size_t)dims[0] > SNN__NIR_MAX_EDGES - cx->edges)
    rc = snn__error(SNN_E_FORMAT, "%s: the file has more than %d edges in all (at %s)", fn,
                    SNN__NIR_MAX_EDGES, what);
  else
    cx->edges += n ? (size_t)dims[0] : 0;
  for (size_t e = 0; rc == SNN_OK && n && e < (size_t)dims[0]; e++)
    rc = snn__nir_add_edge(g, s[2 * e], s[2 * e + 1]);
  free_strings(s, n);
  return rc;
}

static int read_root(snn__nir_graph *g, hid_t f, const char *fn) {
  char *type = NULL;
  if (!is_hard_link(f, "node"))
    return snn__error(SNN_E_FORMAT, "%s: no '/node' group (not a NIR file)", fn);
  hid_t ng = H5Gopen2(f, "node", H5P_DEFAULT);
  if (ng < 0) return snn__error(SNN_E_FORMAT, "%s: '/node' is not a group", fn);
  int rc = read_string1(&type, ng, "type", fn, "/node");
  if (rc == SNN_OK && strcmp(type, "NIRGraph") != 0)
    rc = snn__error(SNN_E_UNSUPPORTED, "%s: the top node is a '%s', not a NIRGraph", fn, type);
  snn__free(type);
  rdctx cx = {fn, 0, 0, 0};
  if (rc == SNN_OK) rc = read_graph(g, ng, "/node", 0, &cx);
  H5Gclose(ng);
  return rc;
}

int snn__nir_read_file(snn__nir_graph *g, const char *path, const char *fn) {
  FILE *fp;
  uint64_t fsize;
  int orc = snn__open_regular(&fp, &fsize, path, fn); /* a FIFO would block HDF5 */
  if (orc != SNN_OK) return orc;
  fclose(fp);
  quiet q;
  quiet_begin(&q);
  int rc;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: '%s' is not a readable HDF5 file (corrupt or truncated)", fn, path);
  } else {
    rc = read_root(g, f, fn);
    H5Fclose(f);
  }
  quiet_end(&q);
  return rc;
}

int snn__nir_read_mem(snn__nir_graph *g, const void *buf, size_t size, const char *fn) {
  quiet q;
  quiet_begin(&q);
  int rc;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_fapl_core(fapl, 65536, 0) < 0 ||
      H5Pset_file_image(fapl, (void *)(uintptr_t)buf, size) < 0) {
    rc = snn__error(SNN_E_NOMEM, "%s: HDF5 could not take the %zu-byte image", fn, size);
  } else {
    char name[64];
    snprintf(name, sizeof name, "snn-nir-image-%p", buf);
    hid_t f = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    if (f < 0) {
      rc = snn__error(SNN_E_FORMAT, "%s: the %zu bytes are not a readable HDF5 image (corrupt or "
                      "truncated)", fn, size);
    } else {
      rc = read_root(g, f, fn);
      H5Fclose(f);
    }
  }
  if (fapl >= 0) H5Pclose(fapl);
  quiet_end(&q);
  return rc;
}

/* ---- writing ------------------------------------------------------------------ */
static int write_string(hid_t loc, const char *name, const char *s) {
  hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), ds = -1;
  int ok = t >= 0 && sp >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
           H5Tset_cset(t, H5T_CSET_UTF8) >= 0;
  if (ok) ds = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ok = ok && ds >= 0 && H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0;
  if (ds >= 0) H5Dclose(ds);
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  return ok ? 0 : -1;
}

static int write_field(hid_t loc, const snn__nir_field *f) {
  if (f->kind == SNN__NIR_STR) return write_string(loc, f->name, f->s);
  hsize_t hd[SNN__NIR_MAX_RANK];
  for (int i = 0; i < f->rank; i++) hd[i] = f->dims[i];
  hid_t sp = f->rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(f->rank, hd, NULL);
  hid_t ft = f->kind == SNN__NIR_F32 ? H5T_IEEE_F32LE : f->kind == SNN__NIR_F64 ? H5T_IEEE_F64LE
                                                                                : H5T_STD_I64LE;
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), ds = -1;
  int ok = sp >= 0 && dcpl >= 0;
  if (ok && f->rank > 0 && f->n >= 256) { /* as the reference writer: gzip for arrays */
    ok = H5Pset_chunk(dcpl, f->rank, hd) >= 0 && H5Pset_deflate(dcpl, 4) >= 0;
  }
  if (ok) ds = H5Dcreate2(loc, f->name, ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ok = ok && ds >= 0 && (f->n == 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, f->v) >= 0);
  if (ds >= 0) H5Dclose(ds);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  return ok ? 0 : -1;
}

static int write_graph(hid_t grp, const snn__nir_graph *g);

static int write_node(hid_t parent, const snn__nir_node *nd) {
  hid_t grp = H5Gcreate2(parent, nd->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (grp < 0) return -1;
  int ok = write_string(grp, "type", nd->type) == 0;
  if (ok && nd->sub) ok = write_graph(grp, nd->sub) == 0;
  for (size_t i = 0; ok && i < nd->n_f; i++) ok = write_field(grp, &nd->f[i]) == 0;
  H5Gclose(grp);
  return ok ? 0 : -1;
}

static int write_graph(hid_t grp, const snn__nir_graph *g) {
  hid_t ng = H5Gcreate2(grp, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ng < 0) return -1;
  int ok = 1;
  for (size_t i = 0; ok && i < g->n_nodes; i++) ok = write_node(ng, &g->nodes[i]) == 0;
  H5Gclose(ng);
  if (!ok) return -1;
  hsize_t d[2] = {g->n_edges, 2};
  hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate_simple(2, d, NULL), ds = -1;
  ok = t >= 0 && sp >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0;
  if (ok) ds = H5Dcreate2(grp, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ok = ok && ds >= 0 &&
       (g->n_edges == 0 || H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, g->edges) >= 0);
  if (ds >= 0) H5Dclose(ds);
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  return ok ? 0 : -1;
}

int snn__nir_write_file(const snn__nir_graph *g, const char *path, const char *fn) {
  size_t len = strlen(path);
  char *tmp = snn__malloc(len + 16);
  if (!tmp) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  snprintf(tmp, len + 16, "%s.tmp-nir", path);
  quiet q;
  quiet_begin(&q);
  int rc = SNN_OK;
  hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    rc = snn__error(SNN_E_IO, "%s: cannot create '%s'", fn, tmp);
  } else {
    int ok = write_string(f, "version", "1.0.0") == 0;
    hid_t ng = ok ? H5Gcreate2(f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    ok = ok && ng >= 0 && write_string(ng, "type", "NIRGraph") == 0 && write_graph(ng, g) == 0;
    if (ng >= 0) H5Gclose(ng);
    if (H5Fclose(f) < 0) ok = 0;
    if (!ok) rc = snn__error(SNN_E_IO, "%s: writing '%s' failed", fn, tmp);
  }
  quiet_end(&q);
  if (rc == SNN_OK && rename(tmp, path) != 0)
    rc = snn__error(SNN_E_IO, "%s: cannot rename '%s' to '%s'", fn, tmp, path);
  if (rc != SNN_OK) remove(tmp);
  snn__free(tmp);
  return rc;
}

/* Writes g into an in-memory HDF5 file (libhdf5's core driver, no backing
 * store) and copies its image to buf when cap is large enough; *size is the
 * image's size either way. */
int snn__nir_write_mem(const snn__nir_graph *g, void *buf, size_t cap, size_t *size,
                       const char *fn) {
  *size = 0;
  quiet q;
  quiet_begin(&q);
  int rc = SNN_OK;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
  if (fapl < 0 || H5Pset_fapl_core(fapl, 65536, 0) < 0) {
    rc = snn__error(SNN_E_NOMEM, "%s: HDF5 could not set up an in-memory file", fn);
  } else {
    char name[64];
    snprintf(name, sizeof name, "snn-nir-export-%p", (const void *)g);
    f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (f < 0) rc = snn__error(SNN_E_NOMEM, "%s: HDF5 could not create an in-memory file", fn);
  }
  if (rc == SNN_OK) {
    int ok = write_string(f, "version", "1.0.0") == 0;
    hid_t ng = ok ? H5Gcreate2(f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    ok = ok && ng >= 0 && write_string(ng, "type", "NIRGraph") == 0 && write_graph(ng, g) == 0;
    if (ng >= 0) H5Gclose(ng);
    ok = ok && H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0;
    ssize_t n = ok ? H5Fget_file_image(f, NULL, 0) : -1;
    if (n <= 0) {
      rc = snn__error(SNN_E_NOMEM, "%s: writing the in-memory HDF5 file failed", fn);
    } else {
      *size = (size_t)n;
      if (buf && cap >= (size_t)n && H5Fget_file_image(f, buf, (size_t)n) != n)
        rc = snn__error(SNN_E_NOMEM, "%s: copying the in-memory HDF5 image failed", fn);
    }
  }
  if (f >= 0) H5Fclose(f);
  if (fapl >= 0) H5Pclose(fapl);
  quiet_end(&q);
  return rc;
}

#else
typedef int snn__nir_h5_empty; /* ISO C: a translation unit must not be empty */
#endif

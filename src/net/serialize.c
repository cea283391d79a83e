/* Model files: snn_network_save/load and the in-memory variants.
 *
 * Byte layout: docs/file-format.md. The writer emits every section twice, first
 * into a counting sink (to learn the payload length that precedes the payload),
 * then into the real sink (a FILE or a caller buffer), updating the section's
 * CRC-32 on the way; it therefore needs no buffer for the whole model.
 *
 * The reader trusts nothing: every read is bounds-checked against the end of
 * its section, every size is overflow-checked and compared with the bytes that
 * remain before anything is allocated, CRCs are verified before a payload is
 * parsed, and the network is rebuilt through the public constructors (which
 * validate shapes and parameter ranges). Errors name the section and the byte
 * offset of the offending field.
 */
#include "serialize.h"
#include "../nir/nir_graph.h"

#include "network.h"
#include "../encode/encode.h"
#include "../encode/encoder_impl.h"
#include "../neuron/neuron_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ======================================================================== */
/* Constants                                                                */
/* ======================================================================== */

static const unsigned char tag_netw[4] = {'N', 'E', 'T', 'W'};
static const unsigned char tag_enco[4] = {'E', 'N', 'C', 'O'};
static const unsigned char tag_layr[4] = {'L', 'A', 'Y', 'R'};
static const unsigned char tag_wght[4] = {'W', 'G', 'H', 'T'};
static const unsigned char tag_end[4] = {'E', 'N', 'D', ' '};
static const unsigned char tag_dlay[4] = {'D', 'L', 'A', 'Y'}; /* layer input delays (NIR Delay) */

enum { VAL_F64 = 0, VAL_STR = 1 }; /* value types in a parameter list */

static const char *const readout_names[] = {"count", "membrane", "membrane_max"};
static const char *const pool_names[] = {"", "max", "avg", "sum"}; /* index = snn_pool_kind */
static const char *const layer_kind_names[] = {"", "dense", "conv2d", "pool2d"};
static const char *const array_names[] = {"", "weights", "bias", "recurrent"}; /* SNN_PARAM_* */

/* Test hook: fail the file writer after this many bytes (< 0: never). */
static long io_fail_after = -1;

void snn__io_fail_after(long nbytes) { io_fail_after = nbytes; }

/* ======================================================================== */
/* Writer                                                                   */
/* ======================================================================== */

struct snn__wr {
  unsigned char *mem; /* memory target (NULL: count only, unless fp is set) */
  FILE *fp;           /* file target */
  size_t pos;         /* bytes emitted so far */
  uint32_t crc;       /* running CRC-32 of the current section */
  int err;            /* first failure (SNN_OK while fine) */
  int os_errno;       /* errno of a failed file write */
  float *tmp;         /* scratch for one parameter array (public layout) */
  size_t tmp_n;
};
typedef struct snn__wr wr;

static void wr_bytes(wr *w, const void *p, size_t n) {
  if (w->err) return;
  if (n > SIZE_MAX - w->pos) {
    w->err = SNN_E_INVALID; /* cannot happen for a network held in memory */
    return;
  }
  if (w->fp) {
    size_t ok = n;
    if (io_fail_after >= 0 && w->pos + n > (size_t)io_fail_after)
      ok = (size_t)io_fail_after > w->pos ? (size_t)io_fail_after - w->pos : 0;
    if (ok && fwrite(p, 1, ok, w->fp) != ok) {
      w->err = SNN_E_IO;
      w->os_errno = errno ? errno : EIO;
      return;
    }
    if (ok < n) {
      w->err = SNN_E_IO;
      w->os_errno = ENOSPC; /* injected */
      return;
    }
  } else if (w->mem) {
    memcpy(w->mem + w->pos, p, n);
  }
  w->crc = snn__crc32(w->crc, p, n);
  w->pos += n;
}

static void wr_u8(wr *w, unsigned v) {
  unsigned char b = (unsigned char)v;
  wr_bytes(w, &b, 1);
}

static void wr_u16(wr *w, unsigned v) {
  unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
  wr_bytes(w, b, 2);
}

static void put_u32(unsigned char *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static void wr_u32(wr *w, uint32_t v) {
  unsigned char b[4];
  put_u32(b, v);
  wr_bytes(w, b, 4);
}

static void wr_u64(wr *w, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
  wr_bytes(w, b, 8);
}

static void wr_f64(wr *w, double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  wr_u64(w, u);
}

static void wr_str(wr *w, const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n > SNN__MODEL_MAX_NAME) {
    if (!w->err) w->err = SNN_E_INVALID;
    return;
  }
  wr_u16(w, (unsigned)n);
  wr_bytes(w, s, n);
}

/* float32 array, little-endian, converted in chunks */
static void wr_f32s(wr *w, const float *x, size_t n) {
  unsigned char buf[4 * 256];
  if (w->mem == NULL && w->fp == NULL) { /* counting: the data is not needed */
    if (w->err) return;
    if (n > (SIZE_MAX - w->pos) / 4) {
      w->err = SNN_E_INVALID;
      return;
    }
    w->pos += 4 * n;
    return;
  }
  while (n > 0 && !w->err) {
    size_t k = n < 256 ? n : 256;
    if (w->mem || w->fp) {
      for (size_t i = 0; i < k; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        put_u32(buf + 4 * i, u);
      }
    }
    wr_bytes(w, buf, 4 * k);
    x += k;
    n -= k;
  }
}

/* ---- extension interface (serialize.h) ------------------------------------ */

void snn__wr_u8(snn__wr *w, unsigned v) { wr_u8(w, v); }
void snn__wr_u32(snn__wr *w, uint32_t v) { wr_u32(w, v); }
void snn__wr_u64(snn__wr *w, uint64_t v) { wr_u64(w, v); }
void snn__wr_f64(snn__wr *w, double v) { wr_f64(w, v); }
void snn__wr_str(snn__wr *w, const char *s) { wr_str(w, s); }
void snn__wr_f32s(snn__wr *w, const float *x, size_t n) { wr_f32s(w, x, n); }
void snn__wr_i32s(snn__wr *w, const int32_t *x, size_t n) {
  /* same bit patterns as floats: reuse the chunked little-endian writer */
  _Static_assert(sizeof(int32_t) == sizeof(float), "int32 and float differ in size");
  wr_f32s(w, (const float *)(const void *)x, n);
}
void snn__wr_param_num(snn__wr *w, const char *name, double v) {
  wr_str(w, name);
  wr_u8(w, VAL_F64);
  wr_f64(w, v);
}
void snn__wr_param_str(snn__wr *w, const char *name, const char *v) {
  wr_str(w, name);
  wr_u8(w, VAL_STR);
  wr_str(w, v);
}

/* ---- section payloads ---------------------------------------------------- */

typedef void (*payload_fn)(wr *w, const snn_network *net, size_t layer);

static void pl_netw(wr *w, const snn_network *net, size_t layer) {
  (void)layer;
  wr_u64(w, net->in_c);
  wr_u64(w, net->in_h);
  wr_u64(w, net->in_w);
  wr_u32(w, (uint32_t)net->n_layers);
  wr_u32(w, 4); /* settings */
  wr_str(w, "steps");
  wr_u8(w, VAL_F64);
  wr_f64(w, (double)net->steps);
  wr_str(w, "dt");
  wr_u8(w, VAL_F64);
  wr_f64(w, net->dt);
  wr_str(w, "seed");
  wr_u8(w, VAL_F64);
  wr_f64(w, (double)net->seed);
  wr_str(w, "readout");
  wr_u8(w, VAL_STR);
  int ro = net->readout;
  wr_str(w, ro >= 0 && ro < 3 ? readout_names[ro] : "?");
}

static void pl_enco(wr *w, const snn_network *net, size_t layer) {
  (void)layer;
  const snn_encoder *e = net->enc;
  size_t np = snn_encoder_param_count(e);
  wr_str(w, snn_encoder_kind(e));
  wr_u32(w, (uint32_t)np);
  for (size_t i = 0; i < np; i++) {
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    double v = 0.0;
    if (snn_encoder_param_info(&pi, e, i) != SNN_OK || snn_encoder_get(&v, e, pi.name) != SNN_OK) {
      if (!w->err) w->err = SNN_E_INTERNAL;
      return;
    }
    /* enumerated parameters by symbolic value, like those of neuron models */
    const char *sym = snn__encoder_param_symbol(e, i);
    if (sym)
      snn__wr_param_str(w, pi.name, sym);
    else
      snn__wr_param_num(w, pi.name, v);
  }
  for (int k = 0; k < 4; k++) wr_u64(w, e->rng.s[k]);
}

static void pl_layr(wr *w, const snn_network *net, size_t li) {
  const snn_layer *l = net->layers[li];
  wr_u32(w, (uint32_t)li);
  wr_str(w, l->kind >= 1 && l->kind <= 3 ? layer_kind_names[l->kind] : "?");
  wr_u64(w, l->in_c);
  wr_u64(w, l->in_h);
  wr_u64(w, l->in_w);
  wr_u64(w, l->out_c);
  wr_u64(w, l->out_h);
  wr_u64(w, l->out_w);
  int pool = l->kind == SNN__LAYER_POOL2D;
  int conv = l->kind == SNN__LAYER_CONV2D;
  wr_u64(w, pool || conv ? l->kh : 0);
  wr_u64(w, pool || conv ? l->kw : 0);
  wr_u64(w, pool || conv ? l->stride : 0);
  wr_u64(w, conv || pool ? l->pad : 0);
  wr_str(w, pool && l->pool >= 1 && l->pool <= 3 ? pool_names[l->pool] : "");
  wr_u8(w, snn_layer_param_size(l, SNN_PARAM_BIAS) > 0);
  wr_u8(w, snn_layer_param_size(l, SNN_PARAM_RECURRENT) > 0);
  const snn_neuron_model *m = l->model;
  if (m == NULL) {
    wr_str(w, "");
    wr_u32(w, 0);
    return;
  }
  size_t np = snn_neuron_model_param_count(m);
  const double *pv = snn__neuron_params(m);
  wr_str(w, snn_neuron_model_kind(m));
  wr_u32(w, (uint32_t)np);
  for (size_t i = 0; i < np; i++) {
    snn_param_info pi = SNN_PARAM_INFO_INIT;
    if (snn_neuron_model_param_info(&pi, m, i) != SNN_OK) {
      if (!w->err) w->err = SNN_E_INTERNAL;
      return;
    }
    wr_str(w, pi.name);
    /* enumerated parameters of built-in kinds are stored by symbolic value */
    const snn__pdef *d = m->kind && i < m->kind->n_params ? &m->kind->params[i] : NULL;
    if (d && d->n_enum > 0 && d->enum_names && pv[i] >= 0.0 && pv[i] < (double)d->n_enum) {
      wr_u8(w, VAL_STR);
      wr_str(w, d->enum_names[(size_t)pv[i]]);
    } else {
      wr_u8(w, VAL_F64);
      wr_f64(w, pv[i]);
    }
  }
  /* per-neuron parameters of NIR imports (docs/file-format.md, LAYR) */
  if (snn__nir_hetero_is(m)) snn__nir_hetero_write(w, m);
}

static void pl_wght(wr *w, const snn_network *net, size_t li) {
  const snn_layer *l = net->layers[li];
  size_t n_arr = 0;
  for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++)
    if (snn_layer_param_size(l, which) > 0) n_arr++;
  wr_u32(w, (uint32_t)li);
  wr_u32(w, (uint32_t)n_arr);
  for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++) {
    size_t n = snn_layer_param_size(l, which);
    if (n == 0) continue;
    wr_str(w, array_names[which]);
    wr_u64(w, n);
    if (w->mem == NULL && w->fp == NULL) { /* counting: no data needed */
      if (n > (SIZE_MAX - w->pos) / 4) {
        if (!w->err) w->err = SNN_E_INVALID;
        return;
      }
      w->pos += 4 * n;
      continue;
    }
    if (w->tmp_n < n) {
      if (!w->err) w->err = SNN_E_INTERNAL; /* sized before writing */
      return;
    }
    if (snn__layer_param_copy_out(w->tmp, l, which) != SNN_OK) {
      if (!w->err) w->err = SNN_E_INTERNAL;
      return;
    }
    wr_f32s(w, w->tmp, n);
  }
}

/* DLAY: per-input delays of layer li in steps (docs/file-format.md) */
static void pl_dlay(wr *w, const snn_network *net, size_t li) {
  const snn_layer *l = net->layers[li];
  wr_u32(w, (uint32_t)li);
  wr_u64(w, l->n_in);
  for (size_t k = 0; k < l->n_in; k++) wr_u32(w, (uint32_t)l->delay[k]);
}

static void pl_end(wr *w, const snn_network *net, size_t layer) {
  (void)w;
  (void)net;
  (void)layer;
}

static void wr_section(wr *w, const unsigned char tag[4], payload_fn fn, const snn_network *net,
                       size_t layer) {
  if (w->err) return;
  wr cnt;
  memset(&cnt, 0, sizeof cnt);
  fn(&cnt, net, layer);
  if (cnt.err) {
    w->err = cnt.err;
    return;
  }
  w->crc = 0;
  wr_bytes(w, tag, 4);
  wr_u32(w, SNN__SECTION_REQUIRED);
  wr_u64(w, cnt.pos);
  size_t start = w->pos;
  fn(w, net, layer);
  if (!w->err && w->pos - start != cnt.pos) w->err = SNN_E_INTERNAL;
  wr_u32(w, w->crc);
}

/* An extra section from another module (serialize.h), framed like the others. */
static void wr_extra(wr *w, const snn__section *x) {
  if (w->err) return;
  wr cnt;
  memset(&cnt, 0, sizeof cnt);
  x->fn(&cnt, x->ctx);
  if (cnt.err) {
    w->err = cnt.err;
    return;
  }
  w->crc = 0;
  wr_bytes(w, x->tag, 4);
  wr_u32(w, x->flags);
  wr_u64(w, cnt.pos);
  size_t start = w->pos;
  x->fn(w, x->ctx);
  if (!w->err && w->pos - start != cnt.pos) w->err = SNN_E_INTERNAL;
  wr_u32(w, w->crc);
}

/* Emits the whole model into w (counting, memory or file). */
static void wr_model(wr *w, const snn_network *net, const snn__section *extra, size_t n_extra) {
  w->crc = 0;
  wr_bytes(w, SNN__MODEL_MAGIC, 8);
  wr_u32(w, SNN__MODEL_VERSION);
  wr_u32(w, 0);
  if (net) { /* NULL: a container of the extra sections only (snn_spnet files) */
    wr_section(w, tag_netw, pl_netw, net, 0);
    wr_section(w, tag_enco, pl_enco, net, 0);
    for (size_t i = 0; i < net->n_layers; i++) {
      wr_section(w, tag_layr, pl_layr, net, i);
      wr_section(w, tag_wght, pl_wght, net, i);
      if (net->layers[i]->delay) wr_section(w, tag_dlay, pl_dlay, net, i);
    }
  }
  for (size_t i = 0; i < n_extra; i++) wr_extra(w, &extra[i]);
  wr_section(w, tag_end, pl_end, net, 0);
}

/* Checks that net can be written; names the problem (fn: caller's name). */
static int check_writable(const snn_network *net, const char *fn) {
  if (net == NULL) return SNN_OK; /* extra sections only */
  if (net->n_layers > UINT32_MAX)
    return snn__error(SNN_E_INVALID, "%s: too many layers (%zu)", fn, net->n_layers);
  if (net->enc == NULL) return snn__error(SNN_E_INVALID, "%s: network has no encoder", fn);
  if (strlen(snn_encoder_kind(net->enc)) > SNN__MODEL_MAX_NAME)
    return snn__error(SNN_E_INVALID, "%s: encoder kind name too long", fn);
  for (size_t i = 0; i < net->n_layers; i++) {
    const snn_layer *l = net->layers[i];
    if (l->kind < SNN__LAYER_DENSE || l->kind > SNN__LAYER_POOL2D)
      return snn__error(SNN_E_INTERNAL, "%s: layer %zu has an unknown kind (%d)", fn, i, l->kind);
    if (l->model) {
      const char *k = snn_neuron_model_kind(l->model);
      if (strlen(k) > SNN__MODEL_MAX_NAME)
        return snn__error(SNN_E_INVALID,
                          "%s: neuron kind name of layer %zu is longer than %u bytes", fn, i,
                          SNN__MODEL_MAX_NAME);
      size_t np = snn_neuron_model_param_count(l->model);
      for (size_t j = 0; j < np; j++) {
        snn_param_info pi = SNN_PARAM_INFO_INIT;
        if (snn_neuron_model_param_info(&pi, l->model, j) != SNN_OK || pi.name == NULL ||
            strlen(pi.name) > SNN__MODEL_MAX_NAME)
          return snn__error(SNN_E_INVALID,
                            "%s: parameter %zu of neuron kind '%s' (layer %zu) has no name or "
                            "a name longer than %u bytes",
                            fn, j, k, i, SNN__MODEL_MAX_NAME);
      }
    }
    /* the reader refuses non-finite values: such a file could never be
     * loaded, so it must not replace a good one */
    for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++) {
      size_t at;
      if (snn__layer_param_nonfinite(l, which, &at))
        return snn__error(SNN_E_NUMERIC,
                          "%s: layer %zu's %s hold a non-finite value at index %zu; nothing "
                          "was written",
                          fn, i, array_names[which], at);
    }
  }
  return SNN_OK;
}

/* Largest parameter array of any layer (floats), for the scratch buffer. */
static size_t max_array(const snn_network *net) {
  size_t m = 0;
  if (net == NULL) return 0;
  for (size_t i = 0; i < net->n_layers; i++)
    for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++) {
      size_t n = snn_layer_param_size(net->layers[i], which);
      if (n > m) m = n;
    }
  return m;
}

static int wr_fail(const wr *w, const char *fn) {
  switch (w->err) {
  case SNN_E_NOMEM:
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  case SNN_E_INVALID:
    return snn__error(SNN_E_INVALID, "%s: the network cannot be represented in a model file", fn);
  default:
    return snn__error(SNN_E_INTERNAL, "%s: internal error while serialising (code %d)", fn,
                      w->err);
  }
}

int snn__model_save_mem(size_t *size, const snn_network *net, const snn__section *extra,
                        size_t n_extra, void *buf, size_t cap, const char *fn) {
  int rc = check_writable(net, fn);
  if (rc != SNN_OK) return rc;
  wr w;
  memset(&w, 0, sizeof w);
  wr_model(&w, net, extra, n_extra);
  if (w.err) return wr_fail(&w, fn);
  *size = w.pos;
  if (buf == NULL || cap < w.pos)
    return snn__error(SNN_E_RANGE,
                      "%s: the model needs %zu bytes (buf %s, cap %zu); *size holds the size", fn,
                      w.pos, buf ? "too small" : "is NULL", cap);
  size_t need = w.pos;
  memset(&w, 0, sizeof w);
  w.mem = buf;
  w.tmp_n = max_array(net);
  w.tmp = snn__malloc(w.tmp_n * sizeof(float));
  if (w.tmp == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  wr_model(&w, net, extra, n_extra);
  snn__free(w.tmp);
  if (w.err) return wr_fail(&w, fn);
  if (w.pos != need) return snn__error(SNN_E_INTERNAL, "%s: size changed while writing", fn);
  return SNN_OK;
}

int snn_network_save_mem(size_t *size, const snn_network *net, void *buf, size_t cap) {
  static const char fn[] = "snn_network_save_mem";
  SNN__CHECK_NULL(size, fn);
  SNN__CHECK_NULL(net, fn);
  return snn__model_save_mem(size, net, NULL, 0, buf, cap, fn);
}

/* ---- atomic file save ---------------------------------------------------- */

static int fsync_dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  char dirbuf[4096];
  const char *dir = ".";
  if (slash) {
    size_t n = (size_t)(slash - path);
    if (n == 0) n = 1; /* "/file" */
    if (n >= sizeof dirbuf) return 0; /* cannot name it; skip (best effort) */
    memcpy(dirbuf, path, n);
    dirbuf[n] = '\0';
    dir = dirbuf;
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno;
  int e = 0;
  if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS) e = errno;
  close(fd);
  return e;
}

/* longest file name (one path component); 255 on Linux, BSD and macOS */
#if defined(NAME_MAX)
#define SNN__NAME_MAX NAME_MAX
#else
#define SNN__NAME_MAX 255
#endif

#define MAX_LINK_DEPTH 40 /* as the kernel's limit for path resolution */

/* Follows symbolic links from `path` to the file they finally name (which need
 * not exist yet), so that a save replaces the link's target and keeps the
 * link. *out: new string (snn__free) or NULL on failure. */
static int resolve_links(char **out, const char *path, const char *fn) {
  *out = NULL;
  char *cur = snn__strdup(path);
  if (cur == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  for (int depth = 0;; depth++) {
    struct stat st;
    /* not a link, or not there (a new file): save to cur; other lstat
     * failures are reported by the steps that follow */
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
      *out = cur;
      return SNN_OK;
    }
    if (depth >= MAX_LINK_DEPTH) {
      int rc = snn__error(SNN_E_IO, "%s: '%s': more than %d levels of symbolic links", fn, path,
                          MAX_LINK_DEPTH);
      snn__free(cur);
      return rc;
    }
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size < 65536 ? (size_t)st.st_size + 1 : 4096;
    char *lnk = snn__malloc(cap);
    if (lnk == NULL) {
      snn__free(cur);
      return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
    }
    ssize_t n = readlink(cur, lnk, cap);
    if (n < 0 || (size_t)n >= cap || n == 0) {
      int e = n < 0 ? errno : EIO;
      int rc = snn__error(SNN_E_IO, "%s: cannot read the symbolic link '%s'%s: %s", fn, cur,
                          n >= 0 ? " (changed while read)" : "", strerror(e));
      snn__free(lnk);
      snn__free(cur);
      return rc;
    }
    lnk[n] = '\0';
    const char *slash = strrchr(cur, '/');
    char *next = lnk;
    if (lnk[0] != '/' && slash != NULL) { /* relative to the link's directory */
      size_t dl = (size_t)(slash - cur) + 1;
      next = snn__malloc(dl + (size_t)n + 1);
      if (next == NULL) {
        snn__free(lnk);
        snn__free(cur);
        return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
      }
      memcpy(next, cur, dl);
      memcpy(next + dl, lnk, (size_t)n + 1);
      snn__free(lnk);
    }
    snn__free(cur);
    cur = next;
  }
}

int snn__model_save(const snn_network *net, const snn__section *extra, size_t n_extra,
                    const char *path, const char *fn) {
  int rc = check_writable(net, fn);
  if (rc != SNN_OK) return rc;

  /* a symbolic link is kept: the file it names is replaced */
  char *target = NULL;
  if ((rc = resolve_links(&target, path, fn)) != SNN_OK) return rc;
  /* the rename below would replace a FIFO, device or socket with a file */
  struct stat st;
  const int exists = stat(target, &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    rc = snn__error(SNN_E_IO, "%s: '%s' exists and is not a regular file; not replaced", fn,
                    target);
    snn__free(target);
    return rc;
  }
  /* the temporary file: "<target>.tmp-XXXXXX" next to it, or
   * "<dir>/.snn.tmp-XXXXXX" when that name would be longer than a file name
   * may be */
  size_t plen = strlen(target);
  static const char suffix[] = ".tmp-XXXXXX", shortname[] = ".snn.tmp-XXXXXX";
  const char *slash = strrchr(target, '/');
  size_t dlen = slash ? (size_t)(slash - target) + 1 : 0;
  int short_tmp = plen - dlen + sizeof suffix - 1 > SNN__NAME_MAX;
  size_t keep = short_tmp ? dlen : plen;
  const char *add = short_tmp ? shortname : suffix;
  size_t alen = short_tmp ? sizeof shortname : sizeof suffix;
  if (keep > SIZE_MAX - alen) {
    snn__free(target);
    return snn__error(SNN_E_INVALID, "%s: path too long", fn);
  }
  char *tmp = snn__malloc(keep + alen);
  if (tmp == NULL) {
    snn__free(target);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }
  memcpy(tmp, target, keep);
  memcpy(tmp + keep, add, alen);

  wr w;
  memset(&w, 0, sizeof w);
  w.tmp_n = max_array(net);
  w.tmp = snn__malloc(w.tmp_n * sizeof(float));
  if (w.tmp == NULL) {
    snn__free(tmp);
    snn__free(target);
    return snn__error(SNN_E_NOMEM, "%s: out of memory", fn);
  }

  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    rc = snn__error(SNN_E_IO, "%s: cannot create temporary file '%s': %s", fn, tmp, strerror(e));
    snn__free(w.tmp);
    snn__free(tmp);
    snn__free(target);
    return rc;
  }
  /* mkstemp creates mode 0600; give the file the mode of the one it replaces,
   * or 0644 for a new file */
  mode_t mode = exists ? st.st_mode & 07777 : 0644; /* a regular file (checked above) */
  (void)fchmod(fd, mode);

  FILE *fp = fdopen(fd, "wb");
  const char *stage = "write";
  int err = 0;
  if (fp == NULL) {
    err = errno;
    close(fd);
  } else {
    w.fp = fp;
    errno = 0;
    wr_model(&w, net, extra, n_extra);
    if (w.err == SNN_E_IO) err = w.os_errno;
    if (!w.err && fflush(fp) != 0) {
      err = errno;
      w.err = SNN_E_IO;
    }
    if (!w.err && fsync(fileno(fp)) != 0) {
      err = errno;
      stage = "fsync";
      w.err = SNN_E_IO;
    }
    if (fclose(fp) != 0 && !w.err) {
      err = errno;
      stage = "close";
      w.err = SNN_E_IO;
    }
    if (!w.err && rename(tmp, target) != 0) {
      err = errno;
      stage = "rename";
      w.err = SNN_E_IO;
    }
  }
  snn__free(w.tmp);
  if (fp == NULL || w.err) {
    (void)unlink(tmp);
    if (fp == NULL)
      rc = snn__error(SNN_E_IO, "%s: cannot open '%s': %s", fn, tmp, strerror(err));
    else if (w.err == SNN_E_IO)
      rc = snn__error(SNN_E_IO, "%s: %s of '%s' failed (target '%s' left unchanged): %s", fn,
                      stage, tmp, target, strerror(err ? err : EIO));
    else
      rc = wr_fail(&w, fn);
    snn__free(tmp);
    snn__free(target);
    return rc;
  }
  snn__free(tmp);
  int e = fsync_dir_of(target);
  rc = SNN_OK;
  if (e != 0)
    rc = snn__error(SNN_E_IO, "%s: '%s' was written but syncing its directory failed: %s", fn,
                    target, strerror(e));
  snn__free(target);
  return rc;
}

int snn_network_save(const snn_network *net, const char *path) {
  static const char fn[] = "snn_network_save";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(path, fn);
  if (path[0] == '\0') return snn__error(SNN_E_INVALID, "%s: path is empty", fn);
  return snn__model_save(net, NULL, 0, path, fn);
}

/* ======================================================================== */
/* Reader                                                                   */
/* ======================================================================== */

typedef snn__rd rd; /* struct in serialize.h (shared with other section readers) */
#define rd_err snn__rd_err

/* Records an error naming the section and offset; returns code. */
int snn__rd_err(const rd *r, int code, size_t off, const char *fmt, ...) {
  char msg[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r->tag[0])
    return snn__error(code, "%s: section '%s' (at byte %zu): byte offset %zu: %s", r->fn, r->tag,
                      r->sec_off, off, msg);
  return snn__error(code, "%s: file header: byte offset %zu: %s", r->fn, off, msg);
}

static int rd_need(rd *r, size_t n, const char *what) {
  if (n > r->end - r->pos)
    return rd_err(r, SNN_E_FORMAT, r->pos, "truncated: %s needs %zu bytes, %zu left in the section",
                  what, n, r->end - r->pos);
  return SNN_OK;
}

static uint64_t get_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

int snn__model_walk(rd *r, const unsigned char *buf, size_t size, snn__section_visit visit,
                    void *ctx) {
  r->buf = buf;
  r->size = size;
  r->pos = 0;
  r->end = size;
  r->tag[0] = '\0';
  r->sec_off = 0;
  if (size < SNN__MODEL_HEADER_SIZE || memcmp(buf, SNN__MODEL_MAGIC, 8) != 0) {
    if (size >= 8 && memcmp(buf, SNN__MODEL_MAGIC, 8) != 0)
      return rd_err(r, SNN_E_FORMAT, 0, "not a libsnn model file (bad magic)");
    return rd_err(r, SNN_E_FORMAT, 0, "truncated header (%zu bytes)", size);
  }
  uint32_t version = (uint32_t)get_le(buf + 8, 4), flags = (uint32_t)get_le(buf + 12, 4);
  if (version == 0) return rd_err(r, SNN_E_FORMAT, 8, "format version 0 is invalid");
  if (version > SNN__MODEL_VERSION)
    return rd_err(r, SNN_E_VERSION, 8,
                  "format version %u is newer than this library supports (%u); upgrade libsnn",
                  version, SNN__MODEL_VERSION);
  if (flags != 0)
    return rd_err(r, SNN_E_VERSION, 12, "unknown file flags 0x%08x (from a newer libsnn?)", flags);
  size_t pos = SNN__MODEL_HEADER_SIZE;
  for (;;) {
    r->tag[0] = '\0';
    r->sec_off = pos;
    size_t left = size - pos;
    if (left < SNN__SECTION_HEAD_SIZE)
      return left == 0 ? rd_err(r, SNN_E_FORMAT, pos, "truncated: the END section is missing")
                       : rd_err(r, SNN_E_FORMAT, pos, "truncated section header (%zu bytes)", left);
    const unsigned char *h = buf + pos;
    for (int i = 0; i < 4; i++) r->tag[i] = (h[i] >= 0x20 && h[i] <= 0x7e) ? (char)h[i] : '?';
    r->tag[4] = '\0';
    uint32_t sflags = (uint32_t)get_le(h + 4, 4);
    uint64_t len = get_le(h + 8, 8);
    if (len > (uint64_t)(left - SNN__SECTION_HEAD_SIZE) ||
        left - SNN__SECTION_HEAD_SIZE - (size_t)len < SNN__SECTION_CRC_SIZE)
      return rd_err(r, SNN_E_FORMAT, pos + 8,
                    "truncated: payload length %llu but only %zu bytes follow",
                    (unsigned long long)len, left - SNN__SECTION_HEAD_SIZE);
    size_t body = pos + SNN__SECTION_HEAD_SIZE, crc_at = body + (size_t)len;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    uint32_t stored = (uint32_t)get_le(buf + crc_at, 4);
    uint32_t calc = snn__crc32(0, h, SNN__SECTION_HEAD_SIZE + (size_t)len);
    if (stored != calc)
      return rd_err(r, SNN_E_FORMAT, crc_at, "CRC mismatch (stored 0x%08x, computed 0x%08x)",
                    stored, calc);
#endif
    r->pos = body;
    r->end = crc_at;
    int is_end = 0;
    int rc = visit(ctx, r, h, pos, &is_end);
    if (rc == SNN__SECTION_UNKNOWN) {
      if (sflags & SNN__SECTION_REQUIRED)
        return rd_err(r, SNN_E_VERSION, pos,
                      "unknown section marked required (written by a newer libsnn?)");
      r->pos = r->end; /* unknown, optional: skip */
      rc = SNN_OK;
    }
    if (rc != SNN_OK) return rc;
    if (r->pos != r->end)
      return rd_err(r, SNN_E_FORMAT, r->pos, "%zu unexpected bytes at the end of the section",
                    r->end - r->pos);
    pos = crc_at + SNN__SECTION_CRC_SIZE;
    if (is_end) {
      if (pos != size)
        return rd_err(r, SNN_E_FORMAT, pos, "%zu bytes after the END section", size - pos);
      return SNN_OK;
    }
  }
}

static int rd_u8(rd *r, unsigned *out, const char *what) {
  int rc = rd_need(r, 1, what);
  if (rc) return rc;
  *out = r->buf[r->pos++];
  return SNN_OK;
}

static int rd_u32(rd *r, uint32_t *out, const char *what) {
  int rc = rd_need(r, 4, what);
  if (rc) return rc;
  *out = (uint32_t)get_le(r->buf + r->pos, 4);
  r->pos += 4;
  return SNN_OK;
}

static int rd_u64(rd *r, uint64_t *out, const char *what) {
  int rc = rd_need(r, 8, what);
  if (rc) return rc;
  *out = get_le(r->buf + r->pos, 8);
  r->pos += 8;
  return SNN_OK;
}

/* u64 that must fit size_t and be <= max */
static int rd_size(rd *r, size_t *out, size_t max, const char *what) {
  size_t off = r->pos;
  uint64_t v;
  int rc = rd_u64(r, &v, what);
  if (rc) return rc;
  if (v > (uint64_t)max)
    return rd_err(r, SNN_E_FORMAT, off, "%s = %llu exceeds the limit %zu", what,
                  (unsigned long long)v, max);
  *out = (size_t)v;
  return SNN_OK;
}

static int rd_f64(rd *r, double *out, const char *what) {
  uint64_t u;
  int rc = rd_u64(r, &u, what);
  if (rc) return rc;
  memcpy(out, &u, sizeof *out);
  return SNN_OK;
}

/* Name or symbolic value: u16 length (<= 255), printable ASCII, into buf[256]. */
static int rd_str(rd *r, char *buf, const char *what) {
  size_t off = r->pos;
  uint32_t n;
  int rc = rd_need(r, 2, what);
  if (rc) return rc;
  n = (uint32_t)get_le(r->buf + r->pos, 2);
  r->pos += 2;
  if (n > SNN__MODEL_MAX_NAME)
    return rd_err(r, SNN_E_FORMAT, off, "%s: length %u exceeds %u", what, n, SNN__MODEL_MAX_NAME);
  rc = rd_need(r, n, what);
  if (rc) return rc;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = r->buf[r->pos + i];
    if (c < 0x20 || c > 0x7e)
      return rd_err(r, SNN_E_FORMAT, r->pos + i, "%s: byte 0x%02x is not printable ASCII", what,
                    c);
    buf[i] = (char)c;
  }
  buf[n] = '\0';
  r->pos += n;
  return SNN_OK;
}

/* One entry of a parameter list. */
typedef snn__pval pval;

static int rd_pval(rd *r, pval *v) {
  v->off = r->pos;
  int rc = rd_str(r, v->name, "parameter name");
  if (rc) return rc;
  size_t toff = r->pos;
  unsigned t;
  rc = rd_u8(r, &t, "value type");
  if (rc) return rc;
  v->type = (int)t;
  if (t == VAL_F64) {
    rc = rd_f64(r, &v->num, "value");
    if (rc) return rc;
    if (!snn__isfinite(v->num))
      return rd_err(r, SNN_E_FORMAT, toff + 1, "value of '%s' is not finite", v->name);
    return SNN_OK;
  }
  if (t == VAL_STR) return rd_str(r, v->str, "symbolic value");
  return rd_err(r, SNN_E_FORMAT, toff, "value type of '%s' is %u (expected 0 or 1)", v->name, t);
}

/* Maps the status of a public setter applied to file content. The setter's
 * own message (in snn_last_error()) is kept as detail. */
static int rd_apply_err(const rd *r, int rc, size_t off, const char *what) {
  char detail[256];
  snprintf(detail, sizeof detail, "%s", snn_last_error());
  int code = rc == SNN_E_NOMEM ? SNN_E_NOMEM : rc == SNN_E_NOTFOUND ? SNN_E_NOTFOUND : SNN_E_FORMAT;
  return rd_err(r, code, off, "%s rejected: %s", what, detail);
}

/* ---- extension interface (serialize.h) ------------------------------------ */

int snn__rd_need(rd *r, size_t n, const char *what) { return rd_need(r, n, what); }
int snn__rd_u8(rd *r, unsigned *out, const char *what) { return rd_u8(r, out, what); }
int snn__rd_u32(rd *r, uint32_t *out, const char *what) { return rd_u32(r, out, what); }
int snn__rd_u64(rd *r, uint64_t *out, const char *what) { return rd_u64(r, out, what); }
int snn__rd_str(rd *r, char *buf, const char *what) { return rd_str(r, buf, what); }
int snn__rd_pval(rd *r, pval *v) { return rd_pval(r, v); }
int snn__rd_apply_err(const rd *r, int rc, size_t off, const char *what) {
  return rd_apply_err(r, rc, off, what);
}

static int rd_words(rd *r, void *dst, size_t n, int is_float, const char *what) {
  size_t bytes;
  if (snn__mul_size(&bytes, n, 4)) return rd_err(r, SNN_E_FORMAT, r->pos, "%s: too long", what);
  int rc = rd_need(r, bytes, what);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    uint32_t u = (uint32_t)get_le(r->buf + r->pos + 4 * i, 4);
    if (is_float) {
      float f;
      memcpy(&f, &u, 4);
      if (!isfinite(f))
        return rd_err(r, SNN_E_FORMAT, r->pos + 4 * i, "%s: element %zu is not finite", what, i);
      ((float *)dst)[i] = f;
    } else {
      int32_t v;
      memcpy(&v, &u, 4);
      ((int32_t *)dst)[i] = v;
    }
  }
  r->pos += bytes;
  return SNN_OK;
}

int snn__rd_f32s(rd *r, float *dst, size_t n, const char *what) {
  return rd_words(r, dst, n, 1, what);
}

int snn__rd_i32s(rd *r, int32_t *dst, size_t n, const char *what) {
  return rd_words(r, dst, n, 0, what);
}

int snn__rd_f64s(rd *r, double *dst, size_t n, int finite, const char *what) {
  size_t bytes;
  if (snn__mul_size(&bytes, n, 8)) return rd_err(r, SNN_E_FORMAT, r->pos, "%s: too long", what);
  int rc = rd_need(r, bytes, what);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    uint64_t u = get_le(r->buf + r->pos, 8);
    double x;
    memcpy(&x, &u, sizeof x);
    if (finite && !isfinite(x))
      return rd_err(r, SNN_E_FORMAT, r->pos, "%s %zu is not finite (%g)", what, i, x);
    dst[i] = x;
    r->pos += 8;
  }
  return SNN_OK;
}

/* ---- load options ------------------------------------------------------------ */

int snn_load_options_init(snn_load_options *o, size_t struct_size) {
  static const char fn[] = "snn_load_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < sizeof(size_t))
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is smaller than the smallest supported "
                      "(%zu)", fn, struct_size, sizeof(size_t));
  memset(o, 0, struct_size < sizeof *o ? struct_size : sizeof *o);
  o->struct_size = struct_size;
  return SNN_OK;
}

int snn__load_opts_resolve(snn__load_opts *lo, const snn_load_options *o, const char *fn) {
  memset(lo, 0, sizeof *lo);
  if (o == NULL) return SNN_OK;
  snn_load_options c;
  memset(&c, 0, sizeof c);
  int rc = snn__check_struct_size(o, o->struct_size, sizeof(size_t), sizeof c, fn,
                                  "snn_load_options");
  if (rc) return rc;
  memcpy(&c, o, o->struct_size < sizeof c ? o->struct_size : sizeof c);
  if (c.n_neuron_models > 0 && c.neuron_models == NULL)
    return snn__error(SNN_E_INVALID, "%s: opts->neuron_models is NULL but n_neuron_models is %zu",
                      fn, c.n_neuron_models);
  for (size_t i = 0; i < c.n_neuron_models; i++) {
    const snn_neuron_model *m = c.neuron_models[i];
    if (m == NULL)
      return snn__error(SNN_E_INVALID, "%s: opts->neuron_models[%zu] is NULL", fn, i);
    for (size_t j = 0; j < i; j++)
      if (strcmp(snn_neuron_model_kind(c.neuron_models[j]), snn_neuron_model_kind(m)) == 0)
        return snn__error(SNN_E_INVALID,
                          "%s: opts->neuron_models[%zu] and [%zu] are both of kind '%s'", fn, j,
                          i, snn_neuron_model_kind(m));
  }
  lo->models = c.neuron_models;
  lo->n_models = c.n_neuron_models;
  lo->learner_ops = c.learner_ops;
  lo->learner_user = c.learner_user;
  return SNN_OK;
}

/* A neuron model of kind nk: a built-in kind, or a copy of the caller's model
 * of that kind from the load options (with its parameters reset to their
 * defaults, so that the result depends only on the file), or one of the
 * kinds NIR import creates (nir_cuba, nir_integrator, nir_threshold,
 * nir_hetero: users cannot make those themselves, so files of imported
 * networks load as they are; nir_hetero is never taken from the options). */
static int make_model(snn_neuron_model **m, const char *nk, const snn__load_opts *lo) {
  *m = NULL;
  if (snn__neuron_kind_exists(nk)) return snn_neuron_model_create(m, nk);
  /* per-neuron arrays follow in the file: always a fresh, unshared model */
  if (strcmp(nk, SNN__NIR_HETERO_KIND) == 0) return snn__nir_kind_create(m, nk);
  if (lo == NULL) {
    int rc = snn__nir_kind_create(m, nk);
    return rc == SNN_E_NOTFOUND ? snn_neuron_model_create(m, nk) : rc;
  }
  for (size_t i = 0; i < lo->n_models; i++) {
    const snn_neuron_model *t = lo->models[i];
    if (strcmp(snn_neuron_model_kind(t), nk) != 0) continue;
    int rc = snn_neuron_model_clone(m, t);
    if (rc != SNN_OK) return rc;
    for (size_t k = 0; k < snn_neuron_model_param_count(*m); k++) {
      snn_param_info pi = SNN_PARAM_INFO_INIT;
      if ((rc = snn_neuron_model_param_info(&pi, *m, k)) != SNN_OK ||
          (rc = snn_neuron_model_set(*m, pi.name, pi.default_value)) != SNN_OK) {
        snn_neuron_model_free(*m);
        *m = NULL;
        return rc;
      }
    }
    return SNN_OK;
  }
  int rc = snn__nir_kind_create(m, nk);
  if (rc != SNN_E_NOTFOUND) return rc;
  return snn__error(SNN_E_NOTFOUND,
                    "neuron kind '%s' is neither built in nor among the %zu custom models given "
                    "in snn_load_options.neuron_models",
                    nk, lo->n_models);
}

/* ---- load state ------------------------------------------------------------ */

typedef struct ld {
  const snn__load_opts *lo; /* custom neuron kinds (may be NULL) */
  snn_network *net;
  snn_encoder *enc;   /* from ENCO, applied at END */
  uint64_t rng[4];
  int have_enc;
  int have_netw;
  uint32_t n_layers;  /* declared in NETW */
  uint32_t n_added;   /* layers added so far */
  int need_wght;      /* the last layer still lacks its WGHT section */
  /* settings from NETW, applied at END (after the encoder) */
  pval settings[8];
  size_t n_settings;
} ld;

static int sec_netw(rd *r, ld *s) {
  size_t c, h, w;
  int rc;
  if ((rc = rd_size(r, &c, SNN__MODEL_MAX_UNITS, "in_c")) ||
      (rc = rd_size(r, &h, SNN__MODEL_MAX_UNITS, "in_h")) ||
      (rc = rd_size(r, &w, SNN__MODEL_MAX_UNITS, "in_w")))
    return rc;
  size_t off = r->pos - 24;
  size_t n;
  if (c == 0 || h == 0 || w == 0 || snn__mul_size(&n, c, h) || snn__mul_size(&n, n, w) ||
      n > SNN__MODEL_MAX_UNITS)
    return rd_err(r, SNN_E_FORMAT, off, "input shape %zu x %zu x %zu is empty or too large", c, h,
                  w);
  if ((rc = rd_u32(r, &s->n_layers, "layer count"))) return rc;
  uint32_t ns;
  size_t noff = r->pos;
  if ((rc = rd_u32(r, &ns, "setting count"))) return rc;
  if (ns > sizeof s->settings / sizeof s->settings[0])
    return rd_err(r, SNN_E_FORMAT, noff, "%u settings (at most %zu are known)", ns,
                  sizeof s->settings / sizeof s->settings[0]);
  for (uint32_t i = 0; i < ns; i++)
    if ((rc = rd_pval(r, &s->settings[i]))) return rc;
  s->n_settings = ns;
  rc = snn_network_create(&s->net, c, h, w);
  if (rc != SNN_OK) return rd_apply_err(r, rc, off, "input shape");
  return SNN_OK;
}

static int sec_enco(rd *r, ld *s) {
  char kind[SNN__MODEL_MAX_NAME + 1];
  size_t koff = r->pos;
  int rc = rd_str(r, kind, "encoder kind");
  if (rc) return rc;
  uint32_t np;
  if ((rc = rd_u32(r, &np, "parameter count"))) return rc;
  rc = snn_encoder_create(&s->enc, kind);
  if (rc != SNN_OK) return rd_apply_err(r, rc, koff, "encoder kind");
  for (uint32_t i = 0; i < np; i++) {
    pval v;
    if ((rc = rd_pval(r, &v))) return rc;
    rc = v.type == VAL_F64 ? snn_encoder_set(s->enc, v.name, v.num)
                           : snn_encoder_set_str(s->enc, v.name, v.str);
    if (rc != SNN_OK) return rd_apply_err(r, rc, v.off, "encoder parameter");
  }
  for (int k = 0; k < 4; k++)
    if ((rc = rd_u64(r, &s->rng[k], "generator state"))) return rc;
  s->have_enc = 1;
  return SNN_OK;
}

static int find_name(const char *const *names, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], s) == 0) return i;
  return -1;
}

static size_t conv_out(size_t in, size_t pad, size_t k, size_t stride) {
  /* caller guarantees in + 2*pad >= k, stride >= 1 */
  return (in + 2 * pad - k) / stride + 1;
}

static int sec_layr(rd *r, ld *s) {
  int rc;
  size_t ioff = r->pos;
  uint32_t idx;
  if ((rc = rd_u32(r, &idx, "layer index"))) return rc;
  if (idx != s->n_added || idx >= s->n_layers)
    return rd_err(r, SNN_E_FORMAT, ioff, "layer index %u, expected %u (of %u)", idx, s->n_added,
                  s->n_layers);
  char kind[SNN__MODEL_MAX_NAME + 1];
  size_t koff = r->pos;
  if ((rc = rd_str(r, kind, "layer kind"))) return rc;
  int lk = find_name(layer_kind_names + 1, 3, kind) + 1;
  if (lk == 0) return rd_err(r, SNN_E_FORMAT, koff, "unknown layer kind '%s'", kind);
  size_t sh[6], geo[4];
  static const char *const shn[6] = {"in_c", "in_h", "in_w", "out_c", "out_h", "out_w"};
  static const char *const geon[4] = {"kernel_h", "kernel_w", "stride", "padding"};
  size_t shoff = r->pos;
  for (int i = 0; i < 6; i++)
    if ((rc = rd_size(r, &sh[i], SNN__MODEL_MAX_UNITS, shn[i]))) return rc;
  size_t goff = r->pos;
  for (int i = 0; i < 4; i++)
    if ((rc = rd_size(r, &geo[i], SNN__MODEL_MAX_UNITS, geon[i]))) return rc;
  char pool[SNN__MODEL_MAX_NAME + 1];
  size_t poff = r->pos;
  if ((rc = rd_str(r, pool, "pool kind"))) return rc;
  unsigned has_bias, has_rec;
  size_t boff = r->pos;
  if ((rc = rd_u8(r, &has_bias, "has_bias")) || (rc = rd_u8(r, &has_rec, "has_recurrent")))
    return rc;
  if (has_bias > 1 || has_rec > 1)
    return rd_err(r, SNN_E_FORMAT, boff, "has_bias/has_recurrent must be 0 or 1 (got %u, %u)",
                  has_bias, has_rec);

  /* shapes: sizes must be sane before anything proportional is allocated */
  size_t n_in, n_out;
  if (snn__mul_size(&n_in, sh[0], sh[1]) || snn__mul_size(&n_in, n_in, sh[2]) ||
      n_in > SNN__MODEL_MAX_UNITS || n_in == 0 || snn__mul_size(&n_out, sh[3], sh[4]) ||
      snn__mul_size(&n_out, n_out, sh[5]) || n_out > SNN__MODEL_MAX_UNITS || n_out == 0)
    return rd_err(r, SNN_E_FORMAT, shoff,
                  "layer shapes %zu x %zu x %zu -> %zu x %zu x %zu are empty or too large", sh[0],
                  sh[1], sh[2], sh[3], sh[4], sh[5]);
  size_t floats = 0; /* parameters the WGHT section must carry */
  int pk = 0;
  if (lk == SNN__LAYER_DENSE) {
    size_t rec = 0;
    if (sh[0] != 1 || sh[1] != 1 || sh[3] != 1 || sh[4] != 1 || geo[0] || geo[1] || geo[2] ||
        geo[3] || pool[0])
      return rd_err(r, SNN_E_FORMAT, shoff, "dense layer with a non-flat shape or conv/pool fields");
    if (snn__mul_size(&floats, n_in, n_out) ||
        (has_rec && snn__mul_size(&rec, n_out, n_out)) || floats > SIZE_MAX - rec - n_out)
      return rd_err(r, SNN_E_FORMAT, shoff, "dense layer %zu -> %zu is too large", n_in, n_out);
    floats += rec + (has_bias ? n_out : 0);
  } else if (lk == SNN__LAYER_CONV2D) {
    if (pool[0] || geo[0] == 0 || geo[1] == 0 || geo[2] == 0 || geo[3] > SNN__MODEL_MAX_UNITS / 4 ||
        sh[1] + 2 * geo[3] < geo[0] || sh[2] + 2 * geo[3] < geo[1])
      return rd_err(r, SNN_E_FORMAT, goff,
                    "conv2d geometry (kernel %zu x %zu, stride %zu, padding %zu) does not fit "
                    "the input %zu x %zu",
                    geo[0], geo[1], geo[2], geo[3], sh[1], sh[2]);
    if (sh[4] != conv_out(sh[1], geo[3], geo[0], geo[2]) ||
        sh[5] != conv_out(sh[2], geo[3], geo[1], geo[2]))
      return rd_err(r, SNN_E_FORMAT, shoff, "conv2d output %zu x %zu does not follow from the "
                    "input and geometry", sh[4], sh[5]);
    if (snn__mul_size(&floats, sh[3], sh[0]) || snn__mul_size(&floats, floats, geo[0]) ||
        snn__mul_size(&floats, floats, geo[1]) || floats > SIZE_MAX - sh[3])
      return rd_err(r, SNN_E_FORMAT, goff, "conv2d kernel is too large");
    floats += has_bias ? sh[3] : 0;
    if (has_rec)
      return rd_err(r, SNN_E_FORMAT, boff, "conv2d layer cannot have recurrent weights");
  } else {
    pk = find_name(pool_names + 1, 3, pool) + 1;
    if (pk == 0) return rd_err(r, SNN_E_FORMAT, poff, "unknown pool kind '%s'", pool);
    /* padding: zero-padded sum/avg pools of NIR imports (pad <= size / 2) */
    if (geo[0] == 0 || geo[0] != geo[1] || geo[2] == 0 || geo[3] > geo[0] / 2 ||
        (geo[3] && pk == SNN_POOL_MAX) || has_bias || has_rec || geo[0] > sh[1] ||
        geo[0] > sh[2])
      return rd_err(r, SNN_E_FORMAT, goff, "bad pool2d geometry (size %zu x %zu, stride %zu, "
                    "padding %zu, bias %u, recurrent %u)", geo[0], geo[1], geo[2], geo[3],
                    has_bias, has_rec);
  }
  /* the weights follow in this file: they cannot be more than the bytes left */
  size_t left = r->size - r->end;
  if (floats > left / 4)
    return rd_err(r, SNN_E_FORMAT, shoff,
                  "layer needs %zu parameters but only %zu bytes follow in the file", floats,
                  left);

  /* neuron model */
  char nk[SNN__MODEL_MAX_NAME + 1];
  size_t nkoff = r->pos;
  if ((rc = rd_str(r, nk, "neuron kind"))) return rc;
  uint32_t np;
  size_t npoff = r->pos;
  if ((rc = rd_u32(r, &np, "parameter count"))) return rc;
  snn_neuron_model *m = NULL;
  if (nk[0]) {
    rc = make_model(&m, nk, s->lo);
    if (rc != SNN_OK) return rd_apply_err(r, rc, nkoff, "neuron kind");
  } else if (np != 0) {
    return rd_err(r, SNN_E_FORMAT, npoff, "%u parameters for a layer without neurons", np);
  } else if (lk != SNN__LAYER_POOL2D) {
    return rd_err(r, SNN_E_FORMAT, nkoff, "a %s layer needs a neuron model", kind);
  }
  for (uint32_t i = 0; i < np; i++) {
    pval v;
    if ((rc = rd_pval(r, &v))) goto fail_model;
    rc = v.type == VAL_F64 ? snn_neuron_model_set(m, v.name, v.num)
                           : snn_neuron_model_set_str(m, v.name, v.str);
    if (rc != SNN_OK) {
      rc = rd_apply_err(r, rc, v.off, "neuron parameter");
      goto fail_model;
    }
  }
  if (m && snn__nir_hetero_is(m) && (rc = snn__nir_hetero_read(r, m, n_out)) != SNN_OK)
    goto fail_model;

  snn_layer *l = NULL;
  if (lk == SNN__LAYER_DENSE)
    rc = snn_layer_create_dense(&l, n_in, n_out, m);
  else if (lk == SNN__LAYER_CONV2D)
    rc = snn_layer_create_conv2d(&l, sh[0], sh[1], sh[2], sh[3], geo[0], geo[1], geo[2], geo[3], m);
  else
    rc = snn_layer_create_pool2d(&l, sh[0], sh[1], sh[2], pk, geo[0], geo[2], m);
  if (rc == SNN_OK && lk == SNN__LAYER_POOL2D && geo[3]) {
    rc = snn__layer_set_pool_pad(l, geo[3], r->fn);
    if (rc != SNN_OK) {
      snn_layer_free(l);
      l = NULL;
    }
  }
  snn_neuron_model_free(m);
  m = NULL;
  if (rc != SNN_OK) return rd_apply_err(r, rc, shoff, "layer");
  if (lk != SNN__LAYER_POOL2D) {
    rc = snn_layer_set_bias(l, (int32_t)has_bias);
    if (rc == SNN_OK && lk == SNN__LAYER_DENSE) rc = snn_layer_set_recurrent(l, (int32_t)has_rec);
    if (rc != SNN_OK) {
      snn_layer_free(l);
      return rd_apply_err(r, rc, boff, "layer option");
    }
  }
  size_t oc = 0, oh = 0, ow = 0;
  snn_layer_output_shape(&oc, &oh, &ow, l);
  if (oc != sh[3] || oh != sh[4] || ow != sh[5] || snn_layer_n_inputs(l) != n_in) {
    snn_layer_free(l);
    return rd_err(r, SNN_E_FORMAT, shoff,
                  "stored shape %zu x %zu x %zu -> %zu x %zu x %zu disagrees with the layer "
                  "built from it (-> %zu x %zu x %zu)",
                  sh[0], sh[1], sh[2], sh[3], sh[4], sh[5], oc, oh, ow);
  }
  rc = snn_network_add_layer(s->net, l);
  if (rc != SNN_OK) {
    snn_layer_free(l);
    return rd_apply_err(r, rc, shoff, "layer");
  }
  s->n_added++;
  s->need_wght = 1;
  return SNN_OK;

fail_model:
  snn_neuron_model_free(m);
  return rc;
}

static int sec_wght(rd *r, ld *s) {
  int rc;
  size_t ioff = r->pos;
  uint32_t idx, na;
  if ((rc = rd_u32(r, &idx, "layer index"))) return rc;
  if (!s->need_wght || idx + 1 != s->n_added)
    return rd_err(r, SNN_E_FORMAT, ioff, "weights for layer %u out of order", idx);
  snn_layer *l = snn_network_layer(s->net, idx);
  size_t naoff = r->pos;
  if ((rc = rd_u32(r, &na, "array count"))) return rc;
  int seen[4] = {0, 0, 0, 0};
  for (uint32_t a = 0; a < na; a++) {
    char name[SNN__MODEL_MAX_NAME + 1];
    size_t aoff = r->pos;
    if ((rc = rd_str(r, name, "array name"))) return rc;
    int which = find_name(array_names + 1, 3, name) + 1;
    if (which == 0) return rd_err(r, SNN_E_FORMAT, aoff, "unknown parameter array '%s'", name);
    if (seen[which]) return rd_err(r, SNN_E_FORMAT, aoff, "array '%s' appears twice", name);
    seen[which] = 1;
    size_t coff = r->pos;
    uint64_t cnt;
    if ((rc = rd_u64(r, &cnt, "array length"))) return rc;
    size_t want = snn_layer_param_size(l, which);
    if (want == 0 || cnt != (uint64_t)want)
      return rd_err(r, SNN_E_FORMAT, coff, "array '%s' has %llu floats, the layer needs %zu", name,
                    (unsigned long long)cnt, want);
    if ((rc = rd_need(r, 4 * want, "array data"))) return rc; /* want*4 <= file size: no overflow */
    float *tmp = snn__malloc(want * sizeof(float));
    if (tmp == NULL)
      return rd_err(r, SNN_E_NOMEM, coff, "out of memory for %zu floats", want);
    for (size_t i = 0; i < want; i++) {
      uint32_t u = (uint32_t)get_le(r->buf + r->pos + 4 * i, 4);
      memcpy(&tmp[i], &u, 4);
      if (!isfinite(tmp[i])) {
        snn__free(tmp);
        return rd_err(r, SNN_E_FORMAT, r->pos + 4 * i, "array '%s' element %zu is not finite",
                      name, i);
      }
    }
    rc = snn_layer_param_set(l, which, tmp, want);
    snn__free(tmp);
    if (rc != SNN_OK) return rd_apply_err(r, rc, coff, "parameter array");
    r->pos += 4 * want;
  }
  for (int which = SNN_PARAM_WEIGHTS; which <= SNN_PARAM_RECURRENT; which++)
    if (!seen[which] && snn_layer_param_size(l, which) > 0)
      return rd_err(r, SNN_E_FORMAT, naoff, "array '%s' of layer %u is missing",
                    array_names[which], idx);
  s->need_wght = 0;
  return SNN_OK;
}

/* DLAY: after the WGHT of the layer it belongs to, at most once per layer */
static int sec_dlay(rd *r, ld *s) {
  int rc;
  size_t ioff = r->pos;
  uint32_t idx;
  if ((rc = rd_u32(r, &idx, "layer index"))) return rc;
  if (s->n_added == 0 || s->need_wght || idx + 1 != s->n_added)
    return rd_err(r, SNN_E_FORMAT, ioff, "delays for layer %u out of order (DLAY follows the "
                  "layer's WGHT)", idx);
  snn_layer *l = snn_network_layer(s->net, idx);
  if (l->delay) return rd_err(r, SNN_E_FORMAT, ioff, "second DLAY section for layer %u", idx);
  size_t coff = r->pos;
  uint64_t cnt;
  if ((rc = rd_u64(r, &cnt, "delay count"))) return rc;
  if (cnt != (uint64_t)l->n_in)
    return rd_err(r, SNN_E_FORMAT, coff, "%llu delays for layer %u with %zu inputs",
                  (unsigned long long)cnt, idx, l->n_in);
  size_t doff = r->pos;
  if ((rc = rd_need(r, 4 * l->n_in, "delays"))) return rc; /* n_in <= 2^24: no overflow */
  int32_t *d = snn__malloc(l->n_in * sizeof *d);
  if (!d) return rd_err(r, SNN_E_NOMEM, coff, "out of memory for %zu delays", l->n_in);
  rc = snn__rd_i32s(r, d, l->n_in, "delays");
  for (size_t k = 0; rc == SNN_OK && k < l->n_in; k++)
    if (d[k] < 0 || d[k] > SNN__MAX_DELAY_STEPS)
      rc = rd_err(r, SNN_E_FORMAT, doff + 4 * k, "delay[%zu] of layer %u = %ld steps is outside "
                  "[0, %d]", k, idx, (long)d[k], SNN__MAX_DELAY_STEPS);
  if (rc != SNN_OK) {
    snn__free(d);
    return rc;
  }
  rc = snn__layer_set_delay(l, d, l->n_in, r->fn);
  snn__free(d);
  if (rc != SNN_OK) return rd_apply_err(r, rc, coff, "delays");
  snn__network_invalidate(s->net);
  return SNN_OK;
}

static int sec_end(rd *r, ld *s) {
  if (r->end != r->pos) return rd_err(r, SNN_E_FORMAT, r->pos, "END section must be empty");
  if (s->n_added != s->n_layers || s->need_wght)
    return rd_err(r, SNN_E_FORMAT, r->sec_off, "file ends after %u of %u layers%s", s->n_added,
                  s->n_layers, s->need_wght ? " (weights of the last one missing)" : "");
  if (!s->have_enc) return rd_err(r, SNN_E_FORMAT, r->sec_off, "no ENCO section before END");
  int rc;
  for (size_t i = 0; i < s->n_settings; i++) {
    const pval *v = &s->settings[i];
    rc = v->type == VAL_F64 ? snn_network_set(s->net, v->name, v->num)
                            : snn_network_set_str(s->net, v->name, v->str);
    if (rc != SNN_OK) return rd_apply_err(r, rc, v->off, "network setting");
  }
  rc = snn_network_set_encoder(s->net, s->enc);
  if (rc != SNN_OK) return rd_apply_err(r, rc, r->sec_off, "encoder");
  /* restore the generator exactly (encodings with noise depend on it) */
  memcpy(s->net->enc->rng.s, s->rng, sizeof s->rng);
  return SNN_OK;
}

/* visitor of snn__model_walk() for network and learner files */
typedef struct model_visit {
  ld *s;
  snn__span *span;
} model_visit;

static int visit_model(void *ctx, rd *r, const unsigned char *h, size_t pos, int *is_end) {
  model_visit *v = ctx;
  ld *s = v->s;
  snn__span *span = v->span;
  int rc = SNN_OK;
  if (pos == SNN__MODEL_HEADER_SIZE && memcmp(h, tag_netw, 4) != 0) {
    /* e.g. an snn_spnet file (first section SPNT) */
    rc = rd_err(r, SNN_E_FORMAT, pos, "not a network model file: the first section is '%s', "
                "not NETW%s", r->tag, memcmp(h, "SPNT", 4) == 0 ?
                " (an snn_spnet file: load it with snn_spnet_load())"
                : memcmp(h, "SPKP", 4) == 0
                    ? " (a SpikeProp learner file: load it with snn_learner_load())"
                    : "");
  } else if (memcmp(h, tag_netw, 4) == 0) {
    if (s->have_netw || pos != SNN__MODEL_HEADER_SIZE)
      rc = rd_err(r, SNN_E_FORMAT, pos, "NETW must be the first section, once");
    else if ((rc = sec_netw(r, s)) == SNN_OK)
      s->have_netw = 1;
  } else if (!s->have_netw && memcmp(h, tag_end, 4) != 0 &&
             (memcmp(h, tag_enco, 4) == 0 || memcmp(h, tag_layr, 4) == 0 ||
              memcmp(h, tag_wght, 4) == 0 || memcmp(h, tag_dlay, 4) == 0)) {
    rc = rd_err(r, SNN_E_FORMAT, pos, "section before NETW");
  } else if (memcmp(h, tag_enco, 4) == 0) {
    rc = s->have_enc ? rd_err(r, SNN_E_FORMAT, pos, "second ENCO section") : sec_enco(r, s);
  } else if (memcmp(h, tag_layr, 4) == 0) {
    if (s->need_wght)
      rc = rd_err(r, SNN_E_FORMAT, pos, "LAYR follows a layer without its WGHT section");
    else
      rc = sec_layr(r, s);
  } else if (memcmp(h, tag_wght, 4) == 0) {
    rc = sec_wght(r, s);
  } else if (memcmp(h, tag_dlay, 4) == 0) {
    rc = sec_dlay(r, s);
  } else if (memcmp(h, tag_end, 4) == 0) {
    if (!s->have_netw)
      rc = rd_err(r, SNN_E_FORMAT, pos, "END before NETW");
    else
      rc = sec_end(r, s);
    *is_end = 1;
  } else if (span && memcmp(h, span->tag, 4) == 0) {
    if (span->found) {
      rc = rd_err(r, SNN_E_FORMAT, pos, "second '%.4s' section (the first is at byte %zu)",
                  span->tag, span->sec_off);
    } else { /* parsed by the caller after the network is complete */
      span->found = 1;
      span->sec_off = pos;
      span->body = r->pos;
      span->end = r->end;
      r->pos = r->end;
    }
  } else {
    rc = SNN__SECTION_UNKNOWN;
  }
  return rc;
}

int snn__model_load(snn_network **out, const unsigned char *buf, size_t size,
                    const snn__load_opts *lo, snn__span *span, const char *fn) {
  rd r;
  memset(&r, 0, sizeof r);
  r.fn = fn;
  ld s;
  memset(&s, 0, sizeof s);
  s.lo = lo;
  if (span) span->found = 0;
  model_visit v = {&s, span};
  int rc = snn__model_walk(&r, buf, size, visit_model, &v);
  snn_encoder_free(s.enc);
  if (rc != SNN_OK) {
    snn_network_free(s.net);
    return rc;
  }
  *out = s.net;
  return SNN_OK;
}

int snn_network_load_mem(snn_network **out, const void *buf, size_t size) {
  static const char fn[] = "snn_network_load_mem";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(buf, fn);
  return snn__model_load(out, buf, size, NULL, NULL, fn);
}

int snn_network_load_mem_ex(snn_network **out, const void *buf, size_t size,
                            const snn_load_options *opts) {
  static const char fn[] = "snn_network_load_mem_ex";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(buf, fn);
  snn__load_opts lo;
  int rc = snn__load_opts_resolve(&lo, opts, fn);
  if (rc != SNN_OK) return rc;
  return snn__model_load(out, buf, size, &lo, NULL, fn);
}

int snn__model_read_file(unsigned char **bufp, size_t *sizep, const char *path, const char *fn) {
  *bufp = NULL;
  *sizep = 0;
  FILE *fp;
  uint64_t fsize;
  int rc = snn__open_regular(&fp, &fsize, path, fn);
  if (rc != SNN_OK) return rc;
  if (fsize > (uint64_t)(SIZE_MAX / 2)) {
    fclose(fp);
    return snn__error(SNN_E_FORMAT, "%s: '%s' is too large (%llu bytes)", fn, path,
                      (unsigned long long)fsize);
  }
  size_t size = (size_t)fsize;
  unsigned char *buf = snn__malloc(size);
  if (buf == NULL) {
    fclose(fp);
    return snn__error(SNN_E_NOMEM, "%s: out of memory reading '%s' (%zu bytes)", fn, path, size);
  }
  size_t got = fread(buf, 1, size, fp);
  int rerr = ferror(fp) ? errno : 0;
  fclose(fp);
  if (rerr) {
    snn__free(buf);
    return snn__error(SNN_E_IO, "%s: reading '%s' failed: %s", fn, path, strerror(rerr));
  }
  /* a file that shrank while read is treated as truncated by the parser */
  *bufp = buf;
  *sizep = got;
  return SNN_OK;
}

static int load_file(snn_network **out, const char *path, const snn_load_options *opts,
                     const char *fn) {
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(path, fn);
  if (path[0] == '\0') return snn__error(SNN_E_INVALID, "%s: path is empty", fn);
  snn__load_opts lo;
  int rc = snn__load_opts_resolve(&lo, opts, fn);
  if (rc != SNN_OK) return rc;
  unsigned char *buf = NULL;
  size_t size = 0;
  if ((rc = snn__model_read_file(&buf, &size, path, fn)) != SNN_OK) return rc;
  rc = snn__model_load(out, buf, size, &lo, NULL, fn);
  snn__free(buf);
  return rc;
}

int snn_network_load(snn_network **out, const char *path) {
  return load_file(out, path, NULL, "snn_network_load");
}

int snn_network_load_ex(snn_network **out, const char *path, const snn_load_options *opts) {
  return load_file(out, path, opts, "snn_network_load_ex");
}

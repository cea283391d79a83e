/* Internal interface of the model-file module (src/net/serialize.c).
 * Never installed; not part of the ABI. Format: docs/file-format.md. */
#ifndef SNN_SERIALIZE_H
#define SNN_SERIALIZE_H

#include "internal.h"

/* File header */
#define SNN__MODEL_MAGIC "SNNMODEL" /* 8 bytes, no terminator in the file */
#define SNN__MODEL_VERSION 1u       /* current (and only) format version */
#define SNN__MODEL_HEADER_SIZE 16u  /* magic + u32 version + u32 flags */

/* Section framing: u32 tag, u32 flags, u64 length, payload, u32 CRC-32 */
#define SNN__SECTION_HEAD_SIZE 16u
#define SNN__SECTION_CRC_SIZE 4u
#define SNN__SECTION_REQUIRED 0x1u /* a reader that does not know the tag must refuse */

/* Reader limits (documented in docs/file-format.md). */
#define SNN__MODEL_MAX_NAME 255u           /* bytes in a name or symbolic value */
#define SNN__MODEL_MAX_UNITS ((size_t)1 << 24) /* inputs or outputs of one layer */

/* ---- extension interface (for sections written by other modules, e.g. the
 * STDP learner's `STDP` section in src/learn/stdp_io.c) ---------------------- */

/* Writer. Emits every section twice: a counting pass (no data), then a real
 * one; section writers must emit the same bytes in both passes. The first
 * failure sticks (later calls do nothing). */
typedef struct snn__wr snn__wr;
void snn__wr_u8(snn__wr *w, unsigned v);
void snn__wr_u32(snn__wr *w, uint32_t v);
void snn__wr_u64(snn__wr *w, uint64_t v);
void snn__wr_f64(snn__wr *w, double v);
void snn__wr_str(snn__wr *w, const char *s); /* <= SNN__MODEL_MAX_NAME bytes */
void snn__wr_f32s(snn__wr *w, const float *x, size_t n);
void snn__wr_i32s(snn__wr *w, const int32_t *x, size_t n);
/* one entry of a parameter list: number (type 0) or symbolic value (type 1) */
void snn__wr_param_num(snn__wr *w, const char *name, double v);
void snn__wr_param_str(snn__wr *w, const char *name, const char *v);

/* An extra section written after the layers, before `END `. */
typedef void (*snn__section_fn)(snn__wr *w, const void *ctx);
typedef struct snn__section {
  char tag[4];
  uint32_t flags; /* SNN__SECTION_REQUIRED or 0 */
  snn__section_fn fn;
  const void *ctx;
} snn__section;

/* snn_network_save / _save_mem with extra sections; fn names the public
 * function in messages. net may be NULL: the file then holds only the extra
 * sections and END (snn_spnet files, src/sim/spnet_io.c). */
int snn__model_save(const snn_network *net, const snn__section *extra, size_t n_extra,
                    const char *path, const char *fn);
int snn__model_save_mem(size_t *size, const snn_network *net, const snn__section *extra,
                        size_t n_extra, void *buf, size_t cap, const char *fn);

/* Reader over a buffer; errors name the section and byte offset. */
typedef struct snn__rd {
  const unsigned char *buf;
  size_t size;    /* whole buffer */
  size_t pos;     /* absolute offset of the next byte */
  size_t end;     /* end of the current section's payload */
  char tag[5];    /* current section ("" for the file header) */
  size_t sec_off; /* offset of the current section */
  const char *fn; /* public function for messages */
} snn__rd;

int snn__rd_err(const snn__rd *r, int code, size_t off, const char *fmt, ...) SNN__PRINTF(4, 5);
int snn__rd_need(snn__rd *r, size_t n, const char *what);
int snn__rd_u8(snn__rd *r, unsigned *out, const char *what);
int snn__rd_u32(snn__rd *r, uint32_t *out, const char *what);
int snn__rd_u64(snn__rd *r, uint64_t *out, const char *what);
int snn__rd_str(snn__rd *r, char *buf, const char *what); /* buf[SNN__MODEL_MAX_NAME + 1] */
/* n little-endian floats (all finite) / int32 values, after a bounds check */
int snn__rd_f32s(snn__rd *r, float *dst, size_t n, const char *what);
int snn__rd_i32s(snn__rd *r, int32_t *dst, size_t n, const char *what);
/* n little-endian doubles after a bounds check; with `finite`, a NaN/Inf is
 * SNN_E_FORMAT ("<what> <i> is not finite (<value>)") */
int snn__rd_f64s(snn__rd *r, double *dst, size_t n, int finite, const char *what);

/* The section walk every model-container loader shares. snn__model_walk()
 * checks the file header (magic, version, flags), then for each section its
 * header, length and CRC; it sets r->tag, r->sec_off and the payload bounds
 * r->pos .. r->end and calls visit(ctx, r, tag, pos, &is_end). The visitor
 * parses the payload (leaving r->pos at r->end) and returns a status, or
 * SNN__SECTION_UNKNOWN for a tag it does not know: the walker then skips an
 * optional section and refuses one marked required (SNN_E_VERSION). Setting
 * *is_end ends the walk; nothing may follow. Returns the first error, or
 * SNN_OK after END. r->fn must be set; the rest of *r is set here. */
#define SNN__SECTION_UNKNOWN 1
typedef int (*snn__section_visit)(void *ctx, snn__rd *r, const unsigned char *tag, size_t pos,
                                  int *is_end);
int snn__model_walk(snn__rd *r, const unsigned char *buf, size_t size, snn__section_visit visit,
                    void *ctx);

/* One entry of a parameter list. */
typedef struct snn__pval {
  char name[SNN__MODEL_MAX_NAME + 1];
  int type; /* 0 number, 1 symbolic */
  double num;
  char str[SNN__MODEL_MAX_NAME + 1];
  size_t off; /* offset of the entry */
} snn__pval;
int snn__rd_pval(snn__rd *r, snn__pval *v);
/* Maps the status of a public setter applied to file content (the setter's
 * message is kept as detail): NOMEM and NOTFOUND pass, the rest is FORMAT. */
int snn__rd_apply_err(const snn__rd *r, int rc, size_t off, const char *what);

/* Where an extra section was found by snn__model_load (tag set by the caller). */
typedef struct snn__span {
  char tag[4];
  int found;
  size_t sec_off, body, end; /* section header, payload start and end */
} snn__span;

/* Resolved snn_load_options (NULL fields: none). */
typedef struct snn__load_opts {
  const snn_neuron_model *const *models;
  size_t n_models;
  const snn_learner_ops *learner_ops;
  void *learner_user;
} snn__load_opts;

/* Validates a caller's snn_load_options (NULL: defaults) into *lo. */
int snn__load_opts_resolve(snn__load_opts *lo, const snn_load_options *o, const char *fn);

/* Parses a whole model buffer into a new network. When span is not NULL, a
 * section with span->tag is recorded there (at most one; a second is
 * SNN_E_FORMAT) and otherwise skipped like an unknown optional section. */
int snn__model_load(snn_network **out, const unsigned char *buf, size_t size,
                    const snn__load_opts *lo, snn__span *span, const char *fn);

/* Reads a whole regular file into a new buffer (snn__free it). */
int snn__model_read_file(unsigned char **buf, size_t *size, const char *path, const char *fn);

/* Test hook (not thread-safe; tests only): make the file writer of
 * snn_network_save() fail with an I/O error (as if the disk were full) once
 * `nbytes` bytes have been written to the temporary file. Negative disables
 * (the default). Does not affect snn_network_save_mem(). */
void snn__io_fail_after(long nbytes);

#endif

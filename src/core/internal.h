/* Internal helpers shared across libsnn source files. Never installed. */
#ifndef SNN_INTERNAL_H
#define SNN_INTERNAL_H

#include "snn.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#  define SNN__PRINTF(a, b) __attribute__((format(printf, a, b)))
#  define SNN__LIKELY(x) __builtin_expect(!!(x), 1)
#  define SNN__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define SNN__PRINTF(a, b)
#  define SNN__LIKELY(x) (x)
#  define SNN__UNLIKELY(x) (x)
#endif

/* ---- errors -------------------------------------------------------------
 * snn__error(code, fmt, ...) records a message for the calling thread and
 * returns code, so a failing path reads: return snn__error(SNN_E_INVALID,
 * "snn_x: n must be > 0 (got %zu)", n); */
int snn__error(int code, const char *fmt, ...) SNN__PRINTF(2, 3);
int snn__verror(int code, const char *fmt, va_list ap);

/* Common argument checks; each returns SNN_OK or sets the error. */
#define SNN__CHECK_NULL(ptr, fn)                                                \
  do {                                                                          \
    if (SNN__UNLIKELY((ptr) == NULL))                                           \
      return snn__error(SNN_E_INVALID, "%s: '%s' must not be NULL", fn, #ptr); \
  } while (0)

/* ---- allocation (through the user allocator hook) ----------------------- */
void *snn__malloc(size_t size);               /* NULL on failure; size 0 -> 1 byte */
void *snn__calloc(size_t n, size_t size);     /* zeroed, overflow-checked */
void *snn__realloc(void *ptr, size_t old_size, size_t new_size); /* copy-based */
void snn__free(void *ptr);
/* 64-byte aligned, zeroed; free with snn__aligned_free. */
void *snn__aligned_alloc(size_t n, size_t size);
void snn__aligned_free(void *ptr);
char *snn__strdup(const char *s);
/* a*b without overflow: returns 0 and sets *out, or -1 on overflow */
int snn__mul_size(size_t *out, size_t a, size_t b);

/* ---- random numbers (xoshiro256**, seeded by splitmix64) ---------------- */
typedef struct snn__rng {
  uint64_t s[4];
} snn__rng;
void snn__rng_seed(snn__rng *r, uint64_t seed);
uint64_t snn__rng_next(snn__rng *r);
/* uniform in [0, 1) with 24 (float) or 53 (double) random bits */
float snn__rng_uniform_f(snn__rng *r);
double snn__rng_uniform(snn__rng *r);
double snn__rng_normal(snn__rng *r);
/* uniform integer in [0, n) without modulo bias; n >= 1 */
uint64_t snn__rng_below(snn__rng *r, uint64_t n);
/* independent stream number k derived from r (for per-sample/thread streams) */
void snn__rng_fork(snn__rng *child, const snn__rng *parent, uint64_t k);

/* ---- misc ---------------------------------------------------------------- */
int snn__isfinite(double x);
/* Opens path for reading ("rb") if it is a regular file; anything else (a
 * directory, FIFO, device or socket) is SNN_E_IO without blocking. *size: the
 * file's size. */
int snn__open_regular(FILE **out, uint64_t *size, const char *path, const char *fn);
/* Around code that runs user callbacks (plug-in models, custom rules): enter
 * saves the thread's error detail and clears it, so that a message the
 * callback sets can be told from an older one; leave restores the saved
 * detail when rc is SNN_OK (a success never changes it) and otherwise keeps
 * whatever the callback set (empty: the caller supplies a message). */
typedef struct snn__err_guard {
  char saved[512];
} snn__err_guard;
void snn__err_guard_enter(snn__err_guard *g);
int snn__err_guard_leave(const snn__err_guard *g, int rc); /* returns rc */
/* 1 when every byte of s is printable ASCII (0x20..0x7e), the characters a
 * model file stores names in (docs/file-format.md, str) */
int snn__name_printable(const char *s);
/* 0 when all bytes in [from, to) of the struct at p are zero */
int snn__tail_nonzero(const void *p, size_t from, size_t to);
/* Validates a sized struct supplied by the caller (options or ops):
 * SNN_E_VERSION when struct_size < min_size, or larger than known_size with a
 * non-zero unknown tail. fn and what name the struct in the message. */
int snn__check_struct_size(const void *p, size_t struct_size, size_t min_size,
                           size_t known_size, const char *fn, const char *what);

/* Fills a caller's sized output struct (stats, options getters) from this
 * library's complete struct src of src_size bytes: copies what both know, the
 * caller's struct_size (the first member of each) kept, bytes beyond src_size
 * left alone. The caller checked out's struct_size against its minimum. */
void snn__sized_out(void *out, const void *src, size_t src_size);
/* Writes a c x h x w shape to whichever of the three pointers is not NULL
 * (the *_shape getters). */
static inline void snn__shape_out(size_t *c, size_t *h, size_t *w, size_t vc, size_t vh,
                                  size_t vw) {
  if (c) *c = vc;
  if (h) *h = vh;
  if (w) *w = vw;
}

/* Min-max scaling of one value, the transform of snn_dataset_normalize_ranges():
 * (x - lo) / (hi - lo) in double, clamped to [0, 1]; 0 when hi == lo; NaN stays NaN.
 * Shared so that every user of input ranges gives bitwise the same floats. */
float snn__minmax_scale(float x, float lo, float hi);
/* Checks n (min, max) ranges as snn_dataset_normalize_ranges() does: finite
 * (SNN_E_INVALID) and max >= min (SNN_E_RANGE), the message naming fn and j. */
int snn__check_ranges(const float *min, const float *max, size_t n, const char *fn);

/* The features of a dataset (size * n_features floats, row-major), read only. */
const float *snn__dataset_x(const snn_dataset *d);

/* CRC-32 (IEEE 802.3, as zlib), chainable: crc = snn__crc32(crc, buf, n), start at 0 */
uint32_t snn__crc32(uint32_t crc, const void *buf, size_t n);

#endif

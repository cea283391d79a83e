/* IDX loader (MNIST / Fashion-MNIST layout, LeCun et al.): big-endian header
 *   bytes 0-1: 0, byte 2: type (0x08 = unsigned byte), byte 3: ndim,
 *   then ndim 32-bit big-endian dimensions, then the data.
 * Images: ndim >= 2 (magic 0x00000803 for n x rows x cols), features = the
 * product of dims 1..ndim-1, pixels scaled to [0, 1] by 1/255.
 * Labels: magic 0x00000801 (ndim 1), one byte per sample.
 * Nothing in the file is trusted: every dimension is checked for zero and
 * overflow, and the file size must equal header + data exactly. */
#include "dataset_impl.h"

#include <errno.h>
#include <string.h>

#define IDX_MAX_DIMS 8
#define IDX_BLOCK 4096

typedef struct idx_header {
  unsigned ndim;
  uint32_t dims[IDX_MAX_DIMS];
  size_t header_size; /* 4 + 4*ndim */
  size_t count;       /* product of all dims */
} idx_header;

static uint32_t be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads and checks the header of an open IDX file of `size` bytes. */
static int read_header(idx_header *h, FILE *f, size_t size, const char *path, int want_labels,
                       const char *fn) {
  unsigned char b[4 + 4 * IDX_MAX_DIMS];
  if (size < 4)
    return snn__error(SNN_E_FORMAT, "%s: '%s': truncated at offset %zu: file has %zu bytes, the "
                      "IDX magic needs 4", fn, path, size, size);
  if (fread(b, 1, 4, f) != 4)
    return snn__error(SNN_E_IO, "%s: '%s': read error at offset 0: %s", fn, path,
                      strerror(errno));
  uint32_t magic = be32(b);
  if (b[0] != 0 || b[1] != 0 || b[2] != 0x08)
    return snn__error(SNN_E_FORMAT,
                      "%s: '%s': bad IDX magic 0x%08x at offset 0 (expected 0x0000080%c: bytes "
                      "0-1 zero, type byte 0x08 = unsigned byte)",
                      fn, path, (unsigned)magic, want_labels ? '1' : '3');
  h->ndim = b[3];
  if (want_labels ? h->ndim != 1 : (h->ndim < 2 || h->ndim > IDX_MAX_DIMS))
    return snn__error(SNN_E_FORMAT,
                      "%s: '%s': IDX magic 0x%08x at offset 0 has %u dimensions (expected %s)",
                      fn, path, (unsigned)magic, h->ndim,
                      want_labels ? "1 for a label file, magic 0x00000801"
                                  : "2..8 for an image file, e.g. magic 0x00000803");
  h->header_size = 4 + 4 * (size_t)h->ndim;
  if (size < h->header_size)
    return snn__error(SNN_E_FORMAT,
                      "%s: '%s': truncated at offset %zu: the header needs %zu bytes for %u "
                      "dimensions",
                      fn, path, size, h->header_size, h->ndim);
  if (fread(b + 4, 1, 4 * h->ndim, f) != 4 * (size_t)h->ndim)
    return snn__error(SNN_E_IO, "%s: '%s': read error at offset 4: %s", fn, path,
                      strerror(errno));
  h->count = 1;
  for (unsigned i = 0; i < h->ndim; i++) {
    h->dims[i] = be32(b + 4 + 4 * i);
    if (h->dims[i] == 0)
      return snn__error(SNN_E_FORMAT, "%s: '%s': dimension %u (offset %u) is 0", fn, path, i,
                        4 + 4 * i);
    if (snn__mul_size(&h->count, h->count, h->dims[i]) != 0 ||
        h->count > SIZE_MAX / sizeof(float) - 64)
      return snn__error(SNN_E_FORMAT,
                        "%s: '%s': the product of the dimensions overflows at dimension %u "
                        "(offset %u, value %u)",
                        fn, path, i, 4 + 4 * i, (unsigned)h->dims[i]);
  }
  if (size - h->header_size != h->count) {
    if (size - h->header_size < h->count)
      return snn__error(SNN_E_FORMAT,
                        "%s: '%s': truncated at offset %zu: the header promises %zu data bytes "
                        "after offset %zu, the file has %zu",
                        fn, path, size, h->count, h->header_size, size - h->header_size);
    return snn__error(SNN_E_FORMAT,
                      "%s: '%s': %zu unexpected trailing bytes at offset %zu (the header "
                      "promises %zu data bytes)",
                      fn, path, size - h->header_size - h->count, h->header_size + h->count,
                      h->count);
  }
  return SNN_OK;
}

static int read_exact(void *dst, size_t n, FILE *f, const char *path, size_t offset,
                      const char *fn) {
  size_t got = fread(dst, 1, n, f);
  if (got == n) return SNN_OK;
  if (ferror(f))
    return snn__error(SNN_E_IO, "%s: '%s': read error at offset %zu: %s", fn, path,
                      offset + got, strerror(errno));
  return snn__error(SNN_E_FORMAT, "%s: '%s': truncated at offset %zu (file shrank while read)",
                    fn, path, offset + got);
}

/* Converts n bytes held at byte offset 3*n of the 4*n-byte buffer x into
 * floats in place, front to back. Block by block through a stack copy: block
 * [i0, i0 + c) writes bytes [4*i0, 4*(i0 + c)), which never reach the unread
 * bytes at 3*n + i0 + c or later because i0 + c <= n. */
static void u8_to_unit_float_inplace(float *x, size_t n) {
  const unsigned char *src = (const unsigned char *)x + 3 * n;
  unsigned char blk[IDX_BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += IDX_BLOCK) {
    size_t c = n - i0 < IDX_BLOCK ? n - i0 : IDX_BLOCK;
    memcpy(blk, src + i0, c);
    float *o = x + i0;
    for (size_t i = 0; i < c; i++) o[i] = (float)blk[i] * (1.0f / 255.0f);
  }
}

int snn_dataset_load_idx(snn_dataset **out, const char *images_path, const char *labels_path) {
  static const char fn[] = "snn_dataset_load_idx";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(images_path, fn);
  FILE *fi = NULL, *fl = NULL;
  snn_dataset *d = NULL;
  size_t size_i, size_l = 0;
  idx_header hi, hl;
  int rc = snn__file_open(&fi, &size_i, images_path, fn);
  if (rc != SNN_OK) return rc;
  rc = read_header(&hi, fi, size_i, images_path, 0, fn);
  if (rc != SNN_OK) goto done;
  if (labels_path) {
    rc = snn__file_open(&fl, &size_l, labels_path, fn);
    if (rc != SNN_OK) goto done;
    rc = read_header(&hl, fl, size_l, labels_path, 1, fn);
    if (rc != SNN_OK) goto done;
    if (hl.dims[0] != hi.dims[0]) {
      rc = snn__error(SNN_E_FORMAT, "%s: '%s' has %u labels but '%s' has %u images", fn,
                      labels_path, (unsigned)hl.dims[0], images_path, (unsigned)hi.dims[0]);
      goto done;
    }
  }
  d = snn__dataset_alloc(hi.dims[0], hi.count / hi.dims[0]);
  if (d == NULL) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory for %zu bytes of images from '%s'", fn,
                    hi.count * sizeof(float), images_path);
    goto done;
  }
  /* one read of all pixels into the last quarter of the float buffer */
  rc = read_exact((unsigned char *)d->x + 3 * hi.count, hi.count, fi, images_path,
                  hi.header_size, fn);
  if (rc != SNN_OK) goto done;
  u8_to_unit_float_inplace(d->x, hi.count);
  if (fl) {
    /* labels: read into the tail of the int32 array, widen front to back
     * (label i at byte 3n + i is read before int32 i, bytes 4i..4i+3, is written) */
    size_t n = d->n;
    unsigned char *lb = (unsigned char *)d->labels + 3 * n;
    rc = read_exact(lb, n, fl, labels_path, hl.header_size, fn);
    if (rc != SNN_OK) goto done;
    for (size_t i = 0; i < n; i++) {
      int32_t v = lb[i];
      d->labels[i] = v;
    }
    snn__dataset_count_classes(d);
  } else {
    for (size_t i = 0; i < d->n; i++) d->labels[i] = -1;
    d->n_classes = 0;
  }
done:
  if (fi) fclose(fi);
  if (fl) fclose(fl);
  if (rc != SNN_OK) {
    snn_dataset_free(d);
    return rc;
  }
  *out = d;
  return SNN_OK;
}

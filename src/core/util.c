/* Small shared utilities: finiteness, sized-struct validation and output, CRC-32. */
#include "internal.h"

#include <math.h>
#include <string.h>

int snn__isfinite(double x) { return isfinite(x) ? 1 : 0; }

int snn__tail_nonzero(const void *p, size_t from, size_t to) {
  const unsigned char *b = p;
  for (size_t i = from; i < to; i++)
    if (b[i] != 0) return 1;
  return 0;
}

int snn__check_struct_size(const void *p, size_t struct_size, size_t min_size,
                           size_t known_size, const char *fn, const char *what) {
  if (struct_size < min_size)
    return snn__error(SNN_E_VERSION,
                      "%s: %s.struct_size is %zu, smaller than the smallest supported (%zu); "
                      "set it to sizeof(%s)",
                      fn, what, struct_size, min_size, what);
  if (struct_size > known_size && snn__tail_nonzero(p, known_size, struct_size))
    return snn__error(SNN_E_VERSION,
                      "%s: %s.struct_size is %zu and the %zu bytes this library (%s) does not "
                      "know are not all zero",
                      fn, what, struct_size, struct_size - known_size, SNN_VERSION_STRING);
  return SNN_OK;
}

void snn__sized_out(void *out, const void *src, size_t src_size) {
  size_t size;
  memcpy(&size, out, sizeof size);
  size_t n = size < src_size ? size : src_size;
  if (n > sizeof size)
    memcpy((char *)out + sizeof size, (const char *)src + sizeof size, n - sizeof size);
}

static uint32_t snn__crc_table[256];
static int snn__crc_ready;

static void snn__crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    snn__crc_table[i] = c;
  }
  snn__crc_ready = 1;
}

uint32_t snn__crc32(uint32_t crc, const void *buf, size_t n) {
  /* table filled once; racing initialisers write identical values */
  if (!snn__crc_ready) snn__crc_init();
  const unsigned char *p = buf;
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = snn__crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

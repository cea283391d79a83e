/* Small shared utilities: finiteness, sized-struct validation and output, CRC-32. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int snn__isfinite(double x) { return isfinite(x) ? 1 : 0; }

int snn__name_printable(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

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
static pthread_once_t snn__crc_once = PTHREAD_ONCE_INIT;

static void snn__crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    snn__crc_table[i] = c;
  }
}

uint32_t snn__crc32(uint32_t crc, const void *buf, size_t n) {
  /* the table is filled once, before any thread reads it (a plain "ready"
   * flag was a data race between threads saving or loading different handles) */
  pthread_once(&snn__crc_once, snn__crc_init);
  const unsigned char *p = buf;
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = snn__crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

/* fopen() blocks on a FIFO until a writer appears, and a device file would be
 * read without end: open without blocking, check the type, then hand back a
 * blocking stream. */
int snn__open_regular(FILE **out, uint64_t *size, const char *path, const char *fn) {
  *out = NULL;
  *size = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return snn__error(SNN_E_IO, "%s: cannot open '%s': %s", fn, path, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return snn__error(SNN_E_IO, "%s: cannot stat '%s': %s", fn, path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return snn__error(SNN_E_IO, "%s: '%s' is not a regular file (%s)", fn, path,
                      S_ISDIR(st.st_mode)    ? "a directory"
                      : S_ISFIFO(st.st_mode) ? "a FIFO"
                      : S_ISSOCK(st.st_mode) ? "a socket"
                      : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                    : "not a plain file");
  }
  int fl = fcntl(fd, F_GETFL);
  FILE *fp = NULL;
  if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 || (fp = fdopen(fd, "rb")) == NULL) {
    int e = errno;
    close(fd);
    return snn__error(e == ENOMEM ? SNN_E_NOMEM : SNN_E_IO, "%s: cannot open '%s': %s", fn, path,
                      strerror(e));
  }
  *out = fp;
  *size = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
  return SNN_OK;
}

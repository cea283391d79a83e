/* Helper for the loader fuzzers: writes fuzz input to a per-process temp file. */
#ifndef SNN_FUZZ_FILE_H
#define SNN_FUZZ_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Returns a path (slot 0 or 1) holding exactly the n bytes at p; aborts on error. */
static const char *fuzz_file(int slot, const void *p, size_t n) {
  static char paths[2][64];
  if (paths[slot][0] == '\0') {
    const char *dir = getenv("TMPDIR");
    snprintf(paths[slot], sizeof paths[slot], "%s/snn-fuzz-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(paths[slot]);
    if (fd < 0) abort();
    close(fd);
  }
  FILE *f = fopen(paths[slot], "wb");
  if (f == NULL) abort();
  if (n && fwrite(p, 1, n, f) != n) abort();
  if (fclose(f) != 0) abort();
  return paths[slot];
}

#endif

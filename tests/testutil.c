#include "testutil.h"

#include "internal.h" /* snn__crc32 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *snn_test_data_dir(void) {
  const char *d = getenv("SNN_TEST_DATA");
  return d && *d ? d : "tests/data";
}

int snn_test_quick(void) {
  const char *q = getenv("SNN_TEST_QUICK");
  return q && *q && strcmp(q, "0") != 0;
}

const char *snn_test_tmpdir(void) {
  static char dir[256];
  if (dir[0] == '\0') {
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/snn-test-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
      perror("mkdtemp");
      exit(2);
    }
  }
  return dir;
}

static long oom_fail_at, oom_count, oom_live;

static void *oom_malloc(void *user, size_t size) {
  (void)user;
  oom_count++;
  if (oom_fail_at > 0 && oom_count >= oom_fail_at) return NULL;
  void *p = malloc(size);
  if (p) oom_live++;
  return p;
}

static void oom_free(void *user, void *p) {
  (void)user;
  if (p) {
    oom_live--;
    free(p);
  }
}

void snn_test_oom_install(long fail_at) {
  snn_allocator a = {sizeof a, oom_malloc, oom_free, NULL};
  oom_fail_at = fail_at;
  oom_count = 0;
  oom_live = 0;
  snn_set_allocator(&a);
}

void snn_test_oom_uninstall(void) { snn_set_allocator(NULL); }
long snn_test_oom_count(void) { return oom_count; }
long snn_test_oom_live(void) { return oom_live; }

size_t snn_test_find_bytes(const unsigned char *b, size_t n, const char *s) {
  size_t k = strlen(s);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(b + i, s, k) == 0) return i;
  return (size_t)-1;
}

void snn_test_fix_crc_at(unsigned char *b, size_t size, size_t at) {
  size_t pos = 16;
  while (pos + 16 <= size) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = (len << 8) | b[pos + 8 + (size_t)i];
    if (at >= pos && at < pos + 16 + len) {
      uint32_t crc = snn__crc32(0, b + pos, 16 + (size_t)len);
      for (int i = 0; i < 4; i++) b[pos + 16 + len + (size_t)i] = (unsigned char)(crc >> (8 * i));
      return;
    }
    pos += 16 + (size_t)len + 4;
  }
  ck_abort_msg("byte %zu is in no section", at);
}

int snn_test_load_bad_net(const unsigned char *b, size_t n) {
  snn_network *out = (snn_network *)&out;
  snn_clear_error();
  int rc = snn_network_load_mem(&out, b, n);
  if (rc == SNN_OK) {
    snn_network_free(out);
  } else {
    ck_assert_ptr_null(out);
    ck_assert(snn_last_error()[0] != '\0');
    ck_assert_msg(rc != SNN_E_INVALID && rc != SNN_E_INTERNAL, "code %d (%s)", rc, snn_last_error());
  }
  return rc;
}

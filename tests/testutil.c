#include "testutil.h"

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

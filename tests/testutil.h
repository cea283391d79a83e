/* Shared helpers for the Check suites. */
#ifndef SNN_TESTUTIL_H
#define SNN_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "snn.h"

/* Assert that expr returns status `code` and left a non-empty error message. */
#define ck_assert_snn_err(expr, code)                                         \
  do {                                                                        \
    snn_clear_error();                                                        \
    int rc_ = (expr);                                                         \
    ck_assert_msg(rc_ == (code), "%s returned %d (%s), expected %d (%s)", #expr, \
                  rc_, snn_strerror(rc_), (int)(code), snn_strerror(code));    \
    ck_assert_msg(snn_last_error()[0] != '\0', "%s: empty snn_last_error()", #expr); \
  } while (0)

#define ck_assert_snn_ok(expr)                                                \
  do {                                                                        \
    int rc_ = (expr);                                                         \
    ck_assert_msg(rc_ == SNN_OK, "%s returned %d (%s): %s", #expr, rc_,        \
                  snn_strerror(rc_), snn_last_error());                       \
  } while (0)

/* Directory with small test data files (env SNN_TEST_DATA, default tests/data). */
const char *snn_test_data_dir(void);
/* Path to a fresh temporary directory (created once per process). */
const char *snn_test_tmpdir(void);
/* 1 when SNN_TEST_QUICK is set (valgrind runs: fewer iterations). */
int snn_test_quick(void);

/* Failing allocator for OOM sweeps: allocation number `fail_at` (1-based)
 * and every later one fail; 0 disables. Counts live allocations. */
void snn_test_oom_install(long fail_at);
void snn_test_oom_uninstall(void);
long snn_test_oom_count(void);       /* allocations attempted since install */
long snn_test_oom_live(void);        /* blocks allocated and not yet freed */

/* Model-file corruption tests (docs/file-format.md framing): */
/* offset of the first occurrence of s in b[0..n), (size_t)-1 when absent */
size_t snn_test_find_bytes(const unsigned char *b, size_t n, const char *s);
/* repairs the CRC of the section that holds byte `at` (aborts the test if none does) */
void snn_test_fix_crc_at(unsigned char *b, size_t size, size_t at);
/* loads a possibly corrupt network model file: SNN_OK, or a clean failure
 * (NULL handle, a message, neither SNN_E_INVALID nor SNN_E_INTERNAL); returns the code */
int snn_test_load_bad_net(const unsigned char *b, size_t n);

#endif

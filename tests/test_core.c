/* Core: version, status strings, thread-local errors, allocator hook, RNG, CRC. */
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

START_TEST(test_version) {
  ck_assert_int_eq(snn_version_number(), SNN_VERSION_NUMBER);
  ck_assert_str_eq(snn_version_string(), SNN_VERSION_STRING);
  char buf[32];
  snprintf(buf, sizeof buf, "%d.%d.%d", SNN_VERSION_MAJOR, SNN_VERSION_MINOR, SNN_VERSION_PATCH);
  ck_assert_str_eq(snn_version_string(), buf);
  ck_assert(SNN_VERSION_AT_LEAST(0, 0, 1));
  ck_assert(!SNN_VERSION_AT_LEAST(SNN_VERSION_MAJOR + 1, 0, 0));
  ck_assert(snn_features() & SNN_FEATURE_BLAS);
}
END_TEST

START_TEST(test_strerror) {
  const int codes[] = {SNN_OK,         SNN_E_INVALID,     SNN_E_NOMEM,  SNN_E_RANGE,
                       SNN_E_NOTFOUND, SNN_E_UNSUPPORTED, SNN_E_STATE,  SNN_E_IO,
                       SNN_E_FORMAT,   SNN_E_VERSION,     SNN_E_CANCELED, SNN_E_NUMERIC,
                       SNN_E_INTERNAL};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *s = snn_strerror(codes[i]);
    ck_assert_ptr_nonnull(s);
    ck_assert(strlen(s) > 0);
    ck_assert_str_ne(s, "unknown status");
    ck_assert_ptr_eq(s, snn_strerror(codes[i])); /* static */
    for (size_t j = 0; j < i; j++) ck_assert_str_ne(s, snn_strerror(codes[j]));
  }
  const int unknown[] = {1, -12, -98, -100, 12345, -2147483647 - 1, 2147483647};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
    ck_assert_str_eq(snn_strerror(unknown[i]), "unknown status");
}
END_TEST

START_TEST(test_last_error) {
  snn_clear_error();
  ck_assert_ptr_nonnull(snn_last_error());
  ck_assert_str_eq(snn_last_error(), "");
  snn_set_error("plug-in failed");
  ck_assert_str_eq(snn_last_error(), "plug-in failed");
  snn_set_error(NULL);
  ck_assert_str_eq(snn_last_error(), "");
  /* long messages are truncated, not overflowed */
  char big[2000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  snn_set_error(big);
  ck_assert_uint_eq(strlen(snn_last_error()), 511);
  /* formatting with the previous message as argument is safe */
  snn_set_error("abc");
  snn__error(SNN_E_INVALID, "wrapped: %s", snn_last_error());
  ck_assert_str_eq(snn_last_error(), "wrapped: abc");
  ck_assert_int_eq(snn__error(SNN_E_RANGE, "x"), SNN_E_RANGE);
}
END_TEST

struct thread_arg {
  const char *msg;
  char seen[64];
  pthread_barrier_t *barrier;
};

static void *thread_fn(void *p) {
  struct thread_arg *a = p;
  snn_set_error(a->msg);
  pthread_barrier_wait(a->barrier); /* both threads have set their message */
  snprintf(a->seen, sizeof a->seen, "%s", snn_last_error());
  return NULL;
}

START_TEST(test_last_error_per_thread) {
  pthread_barrier_t b;
  pthread_barrier_init(&b, NULL, 2);
  struct thread_arg a1 = {"thread one", "", &b}, a2 = {"thread two", "", &b};
  pthread_t t1, t2;
  snn_set_error("main thread");
  ck_assert_int_eq(pthread_create(&t1, NULL, thread_fn, &a1), 0);
  ck_assert_int_eq(pthread_create(&t2, NULL, thread_fn, &a2), 0);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  pthread_barrier_destroy(&b);
  ck_assert_str_eq(a1.seen, "thread one");
  ck_assert_str_eq(a2.seen, "thread two");
  ck_assert_str_eq(snn_last_error(), "main thread");
}
END_TEST

static void *dummy_malloc(void *u, size_t n) { (void)u; return malloc(n); }
static void dummy_free(void *u, void *p) { (void)u; free(p); }

START_TEST(test_allocator) {
  snn_allocator a = {sizeof a, NULL, dummy_free, NULL};
  ck_assert_snn_err(snn_set_allocator(&a), SNN_E_INVALID);
  a.malloc_fn = dummy_malloc;
  a.struct_size = sizeof(size_t);
  ck_assert_snn_err(snn_set_allocator(&a), SNN_E_VERSION);
  /* larger struct with a zero tail is accepted, non-zero tail refused */
  struct {
    snn_allocator a;
    uint64_t extra;
  } big;
  memset(&big, 0, sizeof big);
  big.a = (snn_allocator){sizeof big, dummy_malloc, dummy_free, NULL};
  ck_assert_snn_ok(snn_set_allocator(&big.a));
  big.extra = 1;
  ck_assert_snn_err(snn_set_allocator(&big.a), SNN_E_VERSION);
  ck_assert_snn_ok(snn_set_allocator(NULL));

  snn_test_oom_install(3);
  void *p1 = snn__malloc(10), *p2 = snn__malloc(10), *p3 = snn__malloc(10);
  ck_assert_ptr_nonnull(p1);
  ck_assert_ptr_nonnull(p2);
  ck_assert_ptr_null(p3);
  ck_assert_int_eq(snn_test_oom_live(), 2);
  snn__free(p1);
  snn__free(p2);
  ck_assert_int_eq(snn_test_oom_live(), 0);
  snn_test_oom_uninstall();

  float *al = snn__aligned_alloc(100, sizeof(float));
  ck_assert_ptr_nonnull(al);
  ck_assert_uint_eq((uintptr_t)al % 64, 0);
  for (int i = 0; i < 100; i++) ck_assert(al[i] == 0.0f);
  snn__aligned_free(al);
  ck_assert_ptr_null(snn__calloc(SIZE_MAX / 2, 4)); /* overflow refused */
  ck_assert_ptr_null(snn__aligned_alloc(SIZE_MAX / 2, 4));
  size_t prod;
  ck_assert_int_eq(snn__mul_size(&prod, SIZE_MAX, 2), -1);
  ck_assert_int_eq(snn__mul_size(&prod, 6, 7), 0);
  ck_assert_uint_eq(prod, 42);
}
END_TEST

START_TEST(test_rng) {
  snn__rng a, b;
  snn__rng_seed(&a, 42);
  snn__rng_seed(&b, 42);
  for (int i = 0; i < 100; i++) ck_assert_uint_eq(snn__rng_next(&a), snn__rng_next(&b));
  snn__rng_seed(&b, 43);
  ck_assert_uint_ne(snn__rng_next(&a), snn__rng_next(&b));
  /* uniform mean and variance within 5 sigma; normal mean/variance */
  snn__rng_seed(&a, 7);
  const int n = 200000;
  double s = 0, s2 = 0, ns = 0, ns2 = 0;
  for (int i = 0; i < n; i++) {
    double u = snn__rng_uniform(&a);
    ck_assert(u >= 0.0 && u < 1.0);
    float uf = snn__rng_uniform_f(&a);
    ck_assert(uf >= 0.0f && uf < 1.0f);
    s += u;
    s2 += u * u;
    double z = snn__rng_normal(&a);
    ns += z;
    ns2 += z * z;
  }
  double mean = s / n, var = s2 / n - mean * mean;
  ck_assert_double_eq_tol(mean, 0.5, 5 * sqrt(1.0 / 12 / n));
  ck_assert_double_eq_tol(var, 1.0 / 12, 0.002);
  ck_assert_double_eq_tol(ns / n, 0.0, 5 / sqrt(n));
  ck_assert_double_eq_tol(ns2 / n, 1.0, 0.02);
  int hist[7] = {0};
  for (int i = 0; i < 70000; i++) hist[snn__rng_below(&a, 7)]++;
  for (int k = 0; k < 7; k++) ck_assert_int_gt(hist[k], 9400);
  snn__rng c1, c2;
  snn__rng_fork(&c1, &a, 1);
  snn__rng_fork(&c2, &a, 2);
  ck_assert_uint_ne(snn__rng_next(&c1), snn__rng_next(&c2));
}
END_TEST

START_TEST(test_crc32) {
  /* standard check value of CRC-32/ISO-HDLC */
  ck_assert_uint_eq(snn__crc32(0, "123456789", 9), 0xCBF43926u);
  uint32_t c = snn__crc32(0, "1234", 4);
  ck_assert_uint_eq(snn__crc32(c, "56789", 5), 0xCBF43926u);
  ck_assert_uint_eq(snn__crc32(0, "", 0), 0u);
}
END_TEST

START_TEST(test_struct_size) {
  unsigned char buf[64] = {0};
  ck_assert_int_eq(snn__check_struct_size(buf, 4, 8, 16, "f", "s"), SNN_E_VERSION);
  ck_assert_int_eq(snn__check_struct_size(buf, 16, 8, 16, "f", "s"), SNN_OK);
  ck_assert_int_eq(snn__check_struct_size(buf, 64, 8, 16, "f", "s"), SNN_OK);
  buf[40] = 1;
  ck_assert_int_eq(snn__check_struct_size(buf, 64, 8, 16, "f", "s"), SNN_E_VERSION);
  ck_assert(strstr(snn_last_error(), "not all zero") != NULL);
}
END_TEST

Suite *suite_core(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_version);
  tcase_add_test(tc, test_strerror);
  tcase_add_test(tc, test_last_error);
  tcase_add_test(tc, test_last_error_per_thread);
  tcase_add_test(tc, test_allocator);
  tcase_add_test(tc, test_rng);
  tcase_add_test(tc, test_crc32);
  tcase_add_test(tc, test_struct_size);
  suite_add_tcase(s, tc);
  return s;
}

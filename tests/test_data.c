/* Datasets: memory datasets, IDX and CSV loaders (with corrupt files), OOM. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static const char *tmp_path(const char *name) {
  static char buf[64][512];
  static int k;
  k = (k + 1) % 64;
  snprintf(buf[k], sizeof buf[k], "%s/%s", snn_test_tmpdir(), name);
  return buf[k];
}

static const char *write_file(const char *name, const void *data, size_t n) {
  const char *p = tmp_path(name);
  FILE *f = fopen(p, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
  return p;
}

static const char *write_text(const char *name, const char *text) {
  return write_file(name, text, strlen(text));
}

static void put_be32(unsigned char *b, uint32_t v) {
  b[0] = (unsigned char)(v >> 24);
  b[1] = (unsigned char)(v >> 16);
  b[2] = (unsigned char)(v >> 8);
  b[3] = (unsigned char)v;
}

/* IDX file: magic, dims, then `n_data` bytes of pattern data */
static const char *write_idx(const char *name, uint32_t magic, const uint32_t *dims,
                             unsigned ndim, size_t n_data) {
  size_t n = 4 + 4 * (size_t)ndim + n_data;
  unsigned char *b = malloc(n);
  ck_assert_ptr_nonnull(b);
  put_be32(b, magic);
  for (unsigned i = 0; i < ndim; i++) put_be32(b + 4 + 4 * i, dims[i]);
  for (size_t i = 0; i < n_data; i++) b[4 + 4 * ndim + i] = (unsigned char)((i * 37 + 11) % 256);
  const char *p = write_file(name, b, n);
  free(b);
  return p;
}

/* ---- memory datasets ------------------------------------------------------------- */

START_TEST(test_create_get) {
  const float x[6] = {1, 2, 3, 4, 5, 6};
  const int32_t y[3] = {0, 4, 2};
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, 3, 2));
  ck_assert_uint_eq(snn_dataset_size(d), 3);
  ck_assert_uint_eq(snn_dataset_n_features(d), 2);
  ck_assert_uint_eq(snn_dataset_n_classes(d), 5);
  float gx[4];
  int32_t gy[2];
  ck_assert_snn_ok(snn_dataset_get(gx, gy, d, 1, 2));
  ck_assert(gx[0] == 3 && gx[3] == 6 && gy[0] == 4 && gy[1] == 2);
  ck_assert_snn_ok(snn_dataset_get(NULL, gy, d, 2, 1));
  ck_assert_snn_ok(snn_dataset_get(gx, NULL, d, 0, 0));
  ck_assert_snn_ok(snn_dataset_get(NULL, NULL, d, 3, 0));
  ck_assert_snn_err(snn_dataset_get(gx, gy, d, 2, 2), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_get(gx, gy, d, 4, 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_get(gx, gy, d, 1, SIZE_MAX), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_get(gx, gy, NULL, 0, 1), SNN_E_INVALID);
  snn_dataset_free(d);
  /* unlabelled */
  ck_assert_snn_ok(snn_dataset_create(&d, x, NULL, 2, 3));
  ck_assert_uint_eq(snn_dataset_n_classes(d), 0);
  ck_assert_snn_ok(snn_dataset_get(NULL, gy, d, 0, 2));
  ck_assert(gy[0] == -1 && gy[1] == -1);
  snn_dataset_free(d);
  snn_dataset_free(NULL);
  ck_assert_uint_eq(snn_dataset_size(NULL), 0);
  ck_assert_uint_eq(snn_dataset_n_features(NULL), 0);
  ck_assert_uint_eq(snn_dataset_n_classes(NULL), 0);
  /* bad arguments */
  d = (snn_dataset *)1;
  ck_assert_snn_err(snn_dataset_create(&d, NULL, y, 3, 2), SNN_E_INVALID);
  ck_assert_ptr_null(d);
  ck_assert_snn_err(snn_dataset_create(NULL, x, y, 3, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_create(&d, x, y, 0, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_create(&d, x, y, 3, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_create(&d, x, y, SIZE_MAX / 2, 3), SNN_E_INVALID);
  const float xn[6] = {1, 2, NAN, 4, 5, 6};
  ck_assert_snn_err(snn_dataset_create(&d, xn, y, 3, 2), SNN_E_INVALID);
  ck_assert(strstr(snn_last_error(), "sample 1") != NULL);
  const float xi[2] = {INFINITY, 0};
  ck_assert_snn_err(snn_dataset_create(&d, xi, NULL, 1, 2), SNN_E_INVALID);
  const int32_t yn[3] = {0, -1, 2};
  ck_assert_snn_err(snn_dataset_create(&d, x, yn, 3, 2), SNN_E_INVALID);
  ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_normalize) {
  const float x[8] = {0, 5, -1, 5, 1, 5, 3, 5}; /* feature 0: [-1, 3]; feature 1 constant */
  snn_dataset *d = NULL, *t = NULL, *o = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, NULL, 4, 2));
  const float xt[4] = {-3, 1, 1, 9};
  ck_assert_snn_ok(snn_dataset_create(&t, xt, NULL, 2, 2));
  ck_assert_snn_ok(snn_dataset_normalize(t, d)); /* with the training ranges, clamped */
  ck_assert_snn_ok(snn_dataset_normalize(d, d));
  float g[8];
  ck_assert_snn_ok(snn_dataset_get(g, NULL, d, 0, 4));
  const float want[8] = {0.25f, 0, 0, 0, 0.5f, 0, 1, 0};
  for (int i = 0; i < 8; i++) ck_assert_msg(fabsf(g[i] - want[i]) < 1e-6f, "%d: %g", i, g[i]);
  ck_assert_snn_ok(snn_dataset_get(g, NULL, t, 0, 2));
  ck_assert(g[0] == 0.0f && g[1] == 0.0f && g[2] == 0.5f && g[3] == 0.0f);
  ck_assert_snn_ok(snn_dataset_create(&o, x, NULL, 2, 4));
  ck_assert_snn_err(snn_dataset_normalize(o, d), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_normalize(NULL, d), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_normalize(d, NULL), SNN_E_INVALID);
  snn_dataset_free(d);
  snn_dataset_free(t);
  snn_dataset_free(o);
}
END_TEST

/* the values of d as one array (n * nf floats, malloc'd) */
static float *ds_values(const snn_dataset *d) {
  size_t n = snn_dataset_size(d) * snn_dataset_n_features(d);
  float *v = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(v);
  ck_assert_snn_ok(snn_dataset_get(v, NULL, d, 0, snn_dataset_size(d)));
  return v;
}

START_TEST(test_feature_ranges) {
  /* 4 samples x 3 features; extremes not in the first sample */
  const float x[12] = {0, 5, 2, -1, 5, -7.5f, 1, 5, 4, 3, 5, 0.25f};
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, NULL, 4, 3));
  float *before = ds_values(d);
  float lo[3] = {99, 99, 99}, hi[3] = {99, 99, 99};
  ck_assert_snn_ok(snn_dataset_feature_ranges(lo, hi, 3, d));
  ck_assert(lo[0] == -1 && lo[1] == 5 && lo[2] == -7.5f);
  ck_assert(hi[0] == 3 && hi[1] == 5 && hi[2] == 4);
  float *after = ds_values(d); /* d is not changed */
  ck_assert(memcmp(before, after, sizeof x) == 0);
  free(after);
  /* only one of the two */
  float lo2[3] = {99, 99, 99}, hi2[3] = {99, 99, 99};
  ck_assert_snn_ok(snn_dataset_feature_ranges(lo2, NULL, 3, d));
  ck_assert(memcmp(lo2, lo, sizeof lo) == 0);
  ck_assert_snn_ok(snn_dataset_feature_ranges(NULL, hi2, 3, d));
  ck_assert(memcmp(hi2, hi, sizeof hi) == 0);
  /* refusals write nothing */
  float lo3[3] = {99, 99, 99}, hi3[3] = {99, 99, 99};
  ck_assert_snn_err(snn_dataset_feature_ranges(NULL, NULL, 3, d), SNN_E_INVALID);
  ck_assert(strstr(snn_last_error(), "snn_dataset_feature_ranges") != NULL);
  ck_assert_snn_err(snn_dataset_feature_ranges(lo3, hi3, 2, d), SNN_E_INVALID);
  ck_assert_msg(strstr(snn_last_error(), "(2)") && strstr(snn_last_error(), "(3)"), "%s",
                snn_last_error());
  ck_assert_snn_err(snn_dataset_feature_ranges(lo3, hi3, 4, d), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_feature_ranges(lo3, hi3, 3, NULL), SNN_E_INVALID);
  for (int j = 0; j < 3; j++) ck_assert(lo3[j] == 99 && hi3[j] == 99);
  /* a single sample: min == max */
  snn_dataset *one = NULL;
  ck_assert_snn_ok(snn_dataset_create(&one, x + 3, NULL, 1, 3));
  ck_assert_snn_ok(snn_dataset_feature_ranges(lo, hi, 3, one));
  for (int j = 0; j < 3; j++) ck_assert(lo[j] == x[3 + j] && hi[j] == x[3 + j]);
  snn_dataset_free(one);
  free(before);
  snn_dataset_free(d);
}
END_TEST

START_TEST(test_normalize_ranges) {
  /* ref: 37 samples x 4 features of awkward values; feature 3 constant */
  enum { NR = 37, ND = 23, NF = 4 };
  float xr[NR * NF], xd[ND * NF];
  uint32_t st = 12345u;
  for (int i = 0; i < NR * NF; i++) {
    st = st * 1664525u + 1013904223u;
    xr[i] = (float)((double)(st >> 8) / 16777216.0 * 7.3 - 2.9) * (float)(1 + i % NF);
    if (i % NF == 3) xr[i] = 0.3f;
  }
  /* d: values inside and outside the ranges of ref (clamped), constant feature too */
  for (int i = 0; i < ND * NF; i++) {
    st = st * 1664525u + 1013904223u;
    xd[i] = (float)((double)(st >> 8) / 16777216.0 * 14.0 - 7.0) * (float)(1 + i % NF);
  }
  xd[3] = 0.3f;
  snn_dataset *ref = NULL, *a = NULL, *b = NULL;
  ck_assert_snn_ok(snn_dataset_create(&ref, xr, NULL, NR, NF));
  ck_assert_snn_ok(snn_dataset_create(&a, xd, NULL, ND, NF));
  ck_assert_snn_ok(snn_dataset_create(&b, xd, NULL, ND, NF));
  float lo[NF], hi[NF];
  ck_assert_snn_ok(snn_dataset_feature_ranges(lo, hi, NF, ref));
  ck_assert(lo[3] == 0.3f && hi[3] == 0.3f);
  ck_assert_snn_ok(snn_dataset_normalize(a, ref));
  ck_assert_snn_ok(snn_dataset_normalize_ranges(b, lo, hi, NF));
  float *va = ds_values(a), *vb = ds_values(b);
  ck_assert(memcmp(va, vb, sizeof xd) == 0);
  /* and both equal the formula, computed here independently */
  int clamped_lo = 0, clamped_hi = 0;
  for (int i = 0; i < ND * NF; i++) {
    int j = i % NF;
    double r = (double)hi[j] - (double)lo[j];
    double s = r > 0 ? ((double)xd[i] - (double)lo[j]) / r : 0.0;
    clamped_lo += s < 0;
    clamped_hi += s > 1;
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    ck_assert_msg(vb[i] == (float)s, "%d: %.9g vs %.9g", i, (double)vb[i], s);
    if (j == 3) ck_assert(vb[i] == 0.0f);
  }
  ck_assert(clamped_lo > 0 && clamped_hi > 0); /* the test data does exercise clamping */
  free(va);
  free(vb);
  /* ref == d: normalize(d, d) equals normalize_ranges with d's own ranges */
  snn_dataset *c = NULL, *e = NULL;
  ck_assert_snn_ok(snn_dataset_create(&c, xr, NULL, NR, NF));
  ck_assert_snn_ok(snn_dataset_create(&e, xr, NULL, NR, NF));
  ck_assert_snn_ok(snn_dataset_normalize(c, c));
  ck_assert_snn_ok(snn_dataset_normalize_ranges(e, lo, hi, NF));
  va = ds_values(c);
  vb = ds_values(e);
  ck_assert(memcmp(va, vb, sizeof xr) == 0);
  free(va);
  free(vb);
  snn_dataset_free(c);
  snn_dataset_free(e);
  snn_dataset_free(ref);
  snn_dataset_free(a);
  snn_dataset_free(b);
}
END_TEST

START_TEST(test_normalize_ranges_bad) {
  const float x[8] = {0, 5, -1, 5, 1, 5, 3, 9};
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, NULL, 4, 2));
  float *before = ds_values(d);
  float lo[2] = {-1, 5}, hi[2] = {3, 9};
  /* each refusal leaves d unchanged; bad entries sit at the last index so a
   * function writing feature 0 before checking feature 1 would be caught */
  ck_assert_snn_err(snn_dataset_normalize_ranges(NULL, lo, hi, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_normalize_ranges(d, NULL, hi, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_normalize_ranges(d, lo, NULL, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_normalize_ranges(d, lo, hi, 1), SNN_E_INVALID);
  ck_assert_msg(strstr(snn_last_error(), "(1)") && strstr(snn_last_error(), "(2)"), "%s",
                snn_last_error());
  ck_assert_snn_err(snn_dataset_normalize_ranges(d, lo, hi, 3), SNN_E_INVALID);
  const float bad[3] = {NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 3; k++) {
    float l[2] = {-1, bad[k]}, h[2] = {3, 9};
    ck_assert_snn_err(snn_dataset_normalize_ranges(d, l, h, 2), SNN_E_INVALID);
    ck_assert_msg(strstr(snn_last_error(), "min[1]") != NULL, "%s", snn_last_error());
    float l2[2] = {-1, 5}, h2[2] = {3, bad[k]};
    ck_assert_snn_err(snn_dataset_normalize_ranges(d, l2, h2, 2), SNN_E_INVALID);
    ck_assert_msg(strstr(snn_last_error(), "max[1]") != NULL, "%s", snn_last_error());
  }
  float l3[2] = {-1, 5}, h3[2] = {3, 4.999f};
  ck_assert_snn_err(snn_dataset_normalize_ranges(d, l3, h3, 2), SNN_E_RANGE);
  ck_assert_msg(strstr(snn_last_error(), "max[1]") && strstr(snn_last_error(), "min[1]"), "%s",
                snn_last_error());
  float *after = ds_values(d);
  ck_assert(memcmp(before, after, sizeof x) == 0);
  free(after);
  /* min == max is a constant feature, not an error */
  float l4[2] = {-1, 2}, h4[2] = {3, 2};
  ck_assert_snn_ok(snn_dataset_normalize_ranges(d, l4, h4, 2));
  after = ds_values(d);
  for (int i = 0; i < 4; i++) ck_assert(after[2 * i + 1] == 0.0f);
  ck_assert(after[0] == 0.25f && after[6] == 1.0f);
  free(after);
  free(before);
  snn_dataset_free(d);
}
END_TEST

START_TEST(test_split) {
  enum { N = 50 };
  float x[N * 2];
  int32_t y[N];
  for (int i = 0; i < N; i++) {
    x[2 * i] = (float)i;
    x[2 * i + 1] = (float)(-i);
    y[i] = i % 3;
  }
  y[N - 1] = 7; /* highest class only in one sample */
  snn_dataset *d = NULL, *a = NULL, *b = NULL, *a2 = NULL, *b2 = NULL;
  ck_assert_snn_ok(snn_dataset_create(&d, x, y, N, 2));
  ck_assert_snn_ok(snn_dataset_split(&a, &b, d, 0.2, 9));
  ck_assert_uint_eq(snn_dataset_size(a), 40);
  ck_assert_uint_eq(snn_dataset_size(b), 10);
  ck_assert_uint_eq(snn_dataset_n_classes(a), 8); /* inherits the class count */
  ck_assert_uint_eq(snn_dataset_n_classes(b), 8);
  ck_assert_uint_eq(snn_dataset_n_features(b), 2);
  /* a permutation: every sample exactly once, rows intact, shuffled */
  int seen[N] = {0}, moved = 0;
  float r[2];
  int32_t lab;
  for (size_t i = 0; i < N; i++) {
    snn_dataset *p = i < 40 ? a : b;
    ck_assert_snn_ok(snn_dataset_get(r, &lab, p, i < 40 ? i : i - 40, 1));
    int k = (int)r[0];
    ck_assert(r[1] == -r[0] && lab == y[k]);
    seen[k]++;
    moved += (size_t)k != i;
  }
  for (int i = 0; i < N; i++) ck_assert_int_eq(seen[i], 1);
  ck_assert_int_gt(moved, N / 2);
  /* seeded: same seed, same split; another seed, another split */
  ck_assert_snn_ok(snn_dataset_split(&a2, &b2, d, 0.2, 9));
  float g1[20], g2[20];
  ck_assert_snn_ok(snn_dataset_get(g1, NULL, b, 0, 10));
  ck_assert_snn_ok(snn_dataset_get(g2, NULL, b2, 0, 10));
  ck_assert(memcmp(g1, g2, sizeof g1) == 0);
  snn_dataset_free(a2);
  snn_dataset_free(b2);
  ck_assert_snn_ok(snn_dataset_split(&a2, &b2, d, 0.2, 10));
  ck_assert_snn_ok(snn_dataset_get(g2, NULL, b2, 0, 10));
  ck_assert(memcmp(g1, g2, sizeof g1) != 0);
  snn_dataset_free(a2);
  snn_dataset_free(b2);
  /* tiny fractions still give one test sample */
  ck_assert_snn_ok(snn_dataset_split(&a2, &b2, d, 1e-9, 1));
  ck_assert_uint_eq(snn_dataset_size(b2), 1);
  snn_dataset_free(a2);
  snn_dataset_free(b2);
  /* bad arguments */
  a2 = b2 = (snn_dataset *)1;
  ck_assert_snn_err(snn_dataset_split(&a2, &b2, d, 0.0, 1), SNN_E_RANGE);
  ck_assert(a2 == NULL && b2 == NULL);
  ck_assert_snn_err(snn_dataset_split(&a2, &b2, d, 1.0, 1), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_split(&a2, &b2, d, -0.5, 1), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_split(&a2, &b2, d, NAN, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_split(NULL, &b2, d, 0.5, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_split(&a2, NULL, d, 0.5, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_split(&a2, &b2, NULL, 0.5, 1), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_split(&a2, &a2, d, 0.5, 1), SNN_E_INVALID);
  snn_dataset *one = NULL;
  ck_assert_snn_ok(snn_dataset_create(&one, x, y, 1, 2));
  ck_assert_snn_err(snn_dataset_split(&a2, &b2, one, 0.5, 1), SNN_E_RANGE);
  snn_dataset_free(one);
  snn_dataset_free(a);
  snn_dataset_free(b);
  snn_dataset_free(d);
}
END_TEST

/* ---- IDX ------------------------------------------------------------------------------ */

START_TEST(test_idx_valid) {
  const uint32_t di[3] = {5, 3, 2}, dl[1] = {5};
  const char *img = write_idx("ok-images", 0x00000803, di, 3, 30);
  const char *lab = write_idx("ok-labels", 0x00000801, dl, 1, 5);
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_load_idx(&d, img, lab));
  ck_assert_uint_eq(snn_dataset_size(d), 5);
  ck_assert_uint_eq(snn_dataset_n_features(d), 6);
  float x[30];
  int32_t y[5];
  ck_assert_snn_ok(snn_dataset_get(x, y, d, 0, 5));
  int32_t mx = 0;
  for (int i = 0; i < 30; i++)
    ck_assert(x[i] == (float)((i * 37 + 11) % 256) * (1.0f / 255.0f));
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(y[i], (i * 37 + 11) % 256);
    mx = y[i] > mx ? y[i] : mx;
  }
  ck_assert_uint_eq(snn_dataset_n_classes(d), (size_t)mx + 1);
  snn_dataset_free(d);
  /* no labels; 2-d images (n x features) are accepted too */
  const uint32_t d2[2] = {4, 7};
  img = write_idx("ok-2d", 0x00000802, d2, 2, 28);
  ck_assert_snn_ok(snn_dataset_load_idx(&d, img, NULL));
  ck_assert_uint_eq(snn_dataset_n_features(d), 7);
  ck_assert_uint_eq(snn_dataset_n_classes(d), 0);
  ck_assert_snn_ok(snn_dataset_get(NULL, y, d, 0, 4));
  ck_assert_int_eq(y[3], -1);
  snn_dataset_free(d);
  /* bigger than one conversion block, odd size */
  const uint32_t d3[3] = {3, 77, 41};
  img = write_idx("ok-big", 0x00000803, d3, 3, 3 * 77 * 41);
  ck_assert_snn_ok(snn_dataset_load_idx(&d, img, NULL));
  float *xb = malloc(sizeof(float) * 3 * 77 * 41);
  ck_assert_snn_ok(snn_dataset_get(xb, NULL, d, 0, 3));
  for (size_t i = 0; i < 3 * 77 * 41; i++)
    ck_assert(xb[i] == (float)((i * 37 + 11) % 256) * (1.0f / 255.0f));
  free(xb);
  snn_dataset_free(d);
}
END_TEST

START_TEST(test_idx_corrupt) {
  snn_dataset *d = (snn_dataset *)1;
  const uint32_t di[3] = {5, 3, 2}, dl[1] = {5};
  const char *img = write_idx("c-images", 0x00000803, di, 3, 30);
  const char *lab = write_idx("c-labels", 0x00000801, dl, 1, 5);
  ck_assert_snn_err(snn_dataset_load_idx(NULL, img, lab), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_load_idx(&d, NULL, lab), SNN_E_INVALID);
  ck_assert_ptr_null(d);
  /* missing files, a directory */
  ck_assert_snn_err(snn_dataset_load_idx(&d, tmp_path("no-such-file"), lab), SNN_E_IO);
  ck_assert(strstr(snn_last_error(), "no-such-file") != NULL);
  ck_assert_snn_err(snn_dataset_load_idx(&d, img, tmp_path("no-such-labels")), SNN_E_IO);
  ck_assert_snn_err(snn_dataset_load_idx(&d, snn_test_tmpdir(), NULL), SNN_E_IO);
  /* truncated header */
  const unsigned char two[2] = {0, 0};
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_file("c-2bytes", two, 2), NULL), SNN_E_FORMAT);
  ck_assert(strstr(snn_last_error(), "c-2bytes") != NULL);
  ck_assert(strstr(snn_last_error(), "offset") != NULL);
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-empty", 0x00000803, di, 0, 0), NULL),
                    SNN_E_FORMAT);
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-hdr", 0x00000803, di, 2, 0), NULL),
                    SNN_E_FORMAT); /* 3 dims promised, 2 present */
  ck_assert(strstr(snn_last_error(), "truncated") != NULL);
  /* wrong magic: type byte, non-zero leading bytes, labels/images swapped */
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-m1", 0x00000903, di, 3, 30), NULL),
                    SNN_E_FORMAT); /* 0x09 = signed byte */
  ck_assert(strstr(snn_last_error(), "magic") != NULL);
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-m2", 0x01000803, di, 3, 30), NULL),
                    SNN_E_FORMAT);
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-m3", 0x00000d03, di, 3, 30 * 4), NULL),
                    SNN_E_FORMAT); /* float data */
  ck_assert_snn_err(snn_dataset_load_idx(&d, lab, NULL), SNN_E_FORMAT);
  ck_assert_snn_err(snn_dataset_load_idx(&d, img, img), SNN_E_FORMAT);
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-m4", 0x00000809, di, 3, 30), NULL),
                    SNN_E_FORMAT); /* 9 dimensions */
  /* a zero dimension, overflowing dimensions */
  const uint32_t dz[3] = {5, 0, 2};
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-zero", 0x00000803, dz, 3, 0), NULL),
                    SNN_E_FORMAT);
  const uint32_t dov[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-ovf", 0x00000804, dov, 4, 16), NULL),
                    SNN_E_FORMAT);
  ck_assert(strstr(snn_last_error(), "overflow") != NULL);
  const uint32_t dbig[3] = {60000, 28, 28};
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-big", 0x00000803, dbig, 3, 100), NULL),
                    SNN_E_FORMAT); /* promises 47 MB, holds 100 bytes: no huge allocation */
  /* size mismatch: truncated data, trailing bytes */
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-short", 0x00000803, di, 3, 29), NULL),
                    SNN_E_FORMAT);
  ck_assert(strstr(snn_last_error(), "offset") != NULL);
  ck_assert_snn_err(snn_dataset_load_idx(&d, write_idx("c-long", 0x00000803, di, 3, 31), NULL),
                    SNN_E_FORMAT);
  ck_assert(strstr(snn_last_error(), "trailing") != NULL);
  ck_assert_snn_err(
      snn_dataset_load_idx(&d, img, write_idx("c-lshort", 0x00000801, dl, 1, 4)), SNN_E_FORMAT);
  /* label count differs from image count */
  const uint32_t dl6[1] = {6};
  ck_assert_snn_err(snn_dataset_load_idx(&d, img, write_idx("c-l6", 0x00000801, dl6, 1, 6)),
                    SNN_E_FORMAT);
  ck_assert_msg(strstr(snn_last_error(), "6 labels") != NULL, "%s", snn_last_error());
  ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_idx_mnist) {
  /* the real files when `make data` has fetched them (skipped otherwise) */
  const char *ti = "data/mnist/t10k-images-idx3-ubyte", *tl = "data/mnist/t10k-labels-idx1-ubyte";
  FILE *f = fopen(ti, "rb");
  if (f == NULL || snn_test_quick()) {
    if (f) fclose(f);
    return;
  }
  fclose(f);
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_load_idx(&d, ti, tl));
  ck_assert_uint_eq(snn_dataset_size(d), 10000);
  ck_assert_uint_eq(snn_dataset_n_features(d), 784);
  ck_assert_uint_eq(snn_dataset_n_classes(d), 10);
  int32_t y[3];
  ck_assert_snn_ok(snn_dataset_get(NULL, y, d, 0, 3));
  ck_assert(y[0] == 7 && y[1] == 2 && y[2] == 1); /* the well-known first test digits */
  snn_dataset_free(d);
}
END_TEST

/* ---- CSV -------------------------------------------------------------------------------- */

START_TEST(test_csv_valid) {
  snn_dataset *d = NULL;
  float x[12];
  int32_t y[4];
  /* scikit-learn layout: first line "n_samples,n_features,class names", label last */
  const char *iris = write_text("iris.csv",
                                "4,2,setosa,versicolor,virginica\n"
                                "5.1,3.5,0\n"
                                "4.9,3.0,0\n"
                                "6.3,3.3,2\n"
                                "5.8,2.7,1\n");
  ck_assert_snn_ok(snn_dataset_load_csv(&d, iris, -1, 1));
  ck_assert_uint_eq(snn_dataset_size(d), 4);
  ck_assert_uint_eq(snn_dataset_n_features(d), 2);
  ck_assert_uint_eq(snn_dataset_n_classes(d), 3);
  ck_assert_snn_ok(snn_dataset_get(x, y, d, 0, 4));
  ck_assert(x[0] == 5.1f && x[1] == 3.5f && x[4] == 6.3f && x[7] == 2.7f);
  ck_assert(y[0] == 0 && y[2] == 2 && y[3] == 1);
  snn_dataset_free(d);
  /* the same without the header line is an error naming line and column */
  ck_assert_snn_err(snn_dataset_load_csv(&d, iris, -1, 0), SNN_E_FORMAT);
  ck_assert(strstr(snn_last_error(), "line 1, column 3") != NULL);
  ck_assert(strstr(snn_last_error(), "has_header") != NULL);
  /* CRLF, blank lines, blanks and quotes around cells, BOM, label first, no final newline */
  const char *messy = write_text("messy.csv",
                                 "\xEF\xBB\xBF"
                                 "label,a,b\r\n"
                                 "\r\n"
                                 " 1 , 0.5 ,\"-2e1\"\r\n"
                                 "   \r\n"
                                 "0,1e-3,+7\r\n"
                                 "\n"
                                 "3.0,.25,8");
  ck_assert_snn_ok(snn_dataset_load_csv(&d, messy, 0, 1));
  ck_assert_uint_eq(snn_dataset_size(d), 3);
  ck_assert_uint_eq(snn_dataset_n_features(d), 2);
  ck_assert_snn_ok(snn_dataset_get(x, y, d, 0, 3));
  ck_assert(x[0] == 0.5f && x[1] == -20.0f && x[2] == 1e-3f && x[3] == 7.0f && x[4] == 0.25f);
  ck_assert(y[0] == 1 && y[1] == 0 && y[2] == 3);
  ck_assert_uint_eq(snn_dataset_n_classes(d), 4);
  snn_dataset_free(d);
  /* label column counted from the end, in the middle */
  const char *mid = write_text("mid.csv", "1,2,3\n4,5,6\n");
  ck_assert_snn_ok(snn_dataset_load_csv(&d, mid, -2, 0));
  ck_assert_snn_ok(snn_dataset_get(x, y, d, 0, 2));
  ck_assert(x[0] == 1 && x[1] == 3 && x[2] == 4 && x[3] == 6 && y[0] == 2 && y[1] == 5);
  snn_dataset_free(d);
  ck_assert_snn_ok(snn_dataset_load_csv(&d, mid, -3, 0));
  snn_dataset_free(d);
  ck_assert_snn_ok(snn_dataset_load_csv(&d, mid, 2, 0));
  snn_dataset_free(d);
  /* a very long line: 20000 features */
  size_t nf = 20000, cap = nf * 8 + 64, len = 0;
  char *big = malloc(cap);
  for (size_t j = 0; j < nf; j++) len += (size_t)snprintf(big + len, cap - len, "%zu.5,", j % 100);
  len += (size_t)snprintf(big + len, cap - len, "9\n");
  ck_assert_snn_ok(snn_dataset_load_csv(&d, write_file("long.csv", big, len), -1, 0));
  ck_assert_uint_eq(snn_dataset_n_features(d), nf);
  float *row = malloc(nf * sizeof(float));
  ck_assert_snn_ok(snn_dataset_get(row, y, d, 0, 1));
  ck_assert(row[12345] == 45.5f && y[0] == 9);
  free(row);
  free(big);
  snn_dataset_free(d);
}
END_TEST

START_TEST(test_csv_bad) {
  snn_dataset *d = (snn_dataset *)1;
  const char *ok = write_text("ok.csv", "1,2,0\n3,4,1\n");
  ck_assert_snn_err(snn_dataset_load_csv(NULL, ok, -1, 0), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_load_csv(&d, NULL, -1, 0), SNN_E_INVALID);
  ck_assert_ptr_null(d);
  ck_assert_snn_err(snn_dataset_load_csv(&d, ok, -1, 2), SNN_E_INVALID);
  ck_assert_snn_err(snn_dataset_load_csv(&d, ok, 3, 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_load_csv(&d, ok, -4, 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_load_csv(&d, ok, INT32_MIN, 0), SNN_E_RANGE);
  ck_assert_snn_err(snn_dataset_load_csv(&d, tmp_path("missing.csv"), -1, 0), SNN_E_IO);
  ck_assert(strstr(snn_last_error(), "missing.csv") != NULL);
  ck_assert_snn_err(snn_dataset_load_csv(&d, snn_test_tmpdir(), -1, 0), SNN_E_IO);
  struct {
    const char *name, *text, *where;
  } cases[] = {
      {"empty.csv", "", "no data"},
      {"blank.csv", "\n \r\n\n", "no data"},
      {"onlyhdr.csv", "a,b,c\n", NULL}, /* loaded with has_header = 1 below */
      {"word.csv", "1,2,0\n3,x,1\n", "line 2, column 2"},
      {"trail.csv", "1,2,0\n3,4abc,1\n", "line 2, column 2"},
      {"emptycell.csv", "1,,0\n", "line 1, column 2"},
      {"nan.csv", "1,2,0\nnan,4,1\n", "line 2, column 1"},
      {"inf.csv", "1,2,0\n3,-inf,1\n", "line 2, column 2"},
      {"huge.csv", "1,1e39,0\n", "line 1, column 2"}, /* does not fit a float */
      {"ragged.csv", "1,2,0\n\n3,4\n", "line 3"},
      {"ragged2.csv", "1,2,0\n3,4,1,5\n", "line 2"},
      {"lab-frac.csv", "1,2,0.5\n", "line 1, column 3"},
      {"lab-neg.csv", "1,2,0\n1,2,-1\n", "line 2, column 3"},
      {"lab-big.csv", "1,2,3e9\n", "line 1, column 3"},
      {"lab-word.csv", "1,2,cat\n", "line 1, column 3"},
      {"onecol.csv", "1\n2\n", "line 1"},
      {"semicolon.csv", "1;2;0\n", "line 1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *p = write_text(cases[i].name, cases[i].text);
    int hdr = cases[i].where == NULL;
    ck_assert_snn_err(snn_dataset_load_csv(&d, p, -1, hdr), SNN_E_FORMAT);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(snn_last_error(), cases[i].name) != NULL, "%s", snn_last_error());
    if (cases[i].where)
      ck_assert_msg(strstr(snn_last_error(), cases[i].where) != NULL, "%s: %s", cases[i].name,
                    snn_last_error());
  }
}
END_TEST

/* ---- out of memory ----------------------------------------------------------------------- */

static int oom_body(const char *img, const char *lab, const char *csv) {
  const float x[6] = {1, 2, 3, 4, 5, 6};
  const int32_t y[3] = {0, 1, 0};
  snn_dataset *d = NULL, *a = NULL, *b = NULL, *c = NULL, *m = NULL;
  int rc = snn_dataset_create(&d, x, y, 3, 2);
  if (rc != SNN_OK) ck_assert_ptr_null(d);
  if (rc == SNN_OK && (rc = snn_dataset_split(&a, &b, d, 0.5, 3)) != SNN_OK)
    ck_assert(a == NULL && b == NULL);
  if (rc == SNN_OK && (rc = snn_dataset_load_idx(&m, img, lab)) != SNN_OK) ck_assert_ptr_null(m);
  if (rc == SNN_OK && (rc = snn_dataset_load_csv(&c, csv, -1, 1)) != SNN_OK) ck_assert_ptr_null(c);
  snn_dataset_free(d);
  snn_dataset_free(a);
  snn_dataset_free(b);
  snn_dataset_free(c);
  snn_dataset_free(m);
  return rc;
}

/* A comma-decimal locale ("0,5"): installed, or built here with localedef
 * (glibc's newlocale() reads LOCPATH on every call). (locale_t)0 when neither
 * works, e.g. without Debian's "locales" package (.ci/run installs it). */
static locale_t comma_locale(void) {
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    locale_t l = newlocale(LC_NUMERIC_MASK, names[i], (locale_t)0);
    if (l) return l;
  }
  char dir[512], cmd[1200];
  snprintf(dir, sizeof dir, "%s/locales", snn_test_tmpdir());
  snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1", dir);
  mkdir(dir, 0755);
  if (system(cmd) != 0) return (locale_t)0;
  setenv("LOCPATH", dir, 1);
  locale_t l = newlocale(LC_NUMERIC_MASK, "de_DE.UTF-8", (locale_t)0);
  unsetenv("LOCPATH");
  return l;
}

/* Numbers are parsed in the C locale whatever the program's locale is, and
 * the thread's locale is the same after the call. */
START_TEST(test_csv_locale) {
  locale_t de = comma_locale();
  if (de == (locale_t)0) {
    fprintf(stderr, "test_csv_locale: no comma-decimal locale and no localedef; not run\n");
    return;
  }
  locale_t prev = uselocale(de);
  char *end;
  double half = strtod("0,5", &end); /* the locale is what the test needs */
  ck_assert(half == 0.5 && *end == '\0');
  const char *p = write_text("locale.csv", "0.5,1.25,2\n-3.75,1e-2,0\n");
  snn_dataset *d = NULL;
  ck_assert_snn_ok(snn_dataset_load_csv(&d, p, -1, 0));
  ck_assert_ptr_eq(uselocale((locale_t)0), de); /* restored */
  float x[2];
  int32_t y;
  ck_assert_snn_ok(snn_dataset_get(x, &y, d, 0, 1));
  ck_assert(x[0] == 0.5f && x[1] == 1.25f && y == 2);
  ck_assert_snn_ok(snn_dataset_get(x, &y, d, 1, 1));
  ck_assert(x[0] == -3.75f && x[1] == 0.01f && y == 0);
  snn_dataset_free(d);
  /* "0,5" is two cells in CSV, so a comma-decimal number is never valid */
  ck_assert_snn_err(snn_dataset_load_csv(&d, write_text("locale2.csv", "0,5,1\n0,5\n"), -1, 0),
                    SNN_E_FORMAT);
  ck_assert_ptr_eq(uselocale((locale_t)0), de); /* restored on errors too */
  uselocale(prev);
  freelocale(de);
}
END_TEST

START_TEST(test_oom) {
  const uint32_t di[3] = {5, 3, 2}, dl[1] = {5};
  const char *img = write_idx("oom-images", 0x00000803, di, 3, 30);
  const char *lab = write_idx("oom-labels", 0x00000801, dl, 1, 5);
  const char *csv = write_text("oom.csv", "a,b,c\n1,2,0\n3,4,1\n");
  int done = 0;
  for (long k = 1; k < 200 && !done; k++) {
    snn_test_oom_install(k);
    snn_clear_error();
    int rc = oom_body(img, lab, csv);
    long live = snn_test_oom_live();
    snn_test_oom_uninstall();
    ck_assert_int_eq(live, 0);
    if (rc == SNN_OK) {
      done = 1;
      ck_assert_int_gt(k, 10);
    } else {
      ck_assert_msg(rc == SNN_E_NOMEM, "fail_at %ld: %d (%s)", k, rc, snn_last_error());
      ck_assert(snn_last_error()[0] != '\0');
    }
  }
  ck_assert(done);
}
END_TEST

Suite *suite_data(void) {
  Suite *s = suite_create("data");
  TCase *tc = tcase_create("data");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_create_get);
  tcase_add_test(tc, test_normalize);
  tcase_add_test(tc, test_feature_ranges);
  tcase_add_test(tc, test_normalize_ranges);
  tcase_add_test(tc, test_normalize_ranges_bad);
  tcase_add_test(tc, test_split);
  tcase_add_test(tc, test_idx_valid);
  tcase_add_test(tc, test_idx_corrupt);
  tcase_add_test(tc, test_idx_mnist);
  tcase_add_test(tc, test_csv_valid);
  tcase_add_test(tc, test_csv_bad);
  tcase_add_test(tc, test_csv_locale);
  tcase_add_test(tc, test_oom);
  suite_add_tcase(s, tc);
  return s;
}

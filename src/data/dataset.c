/* Dataset object: creation from memory, queries, normalisation, split. */
#include "dataset_impl.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

snn_dataset *snn__dataset_alloc(size_t n, size_t nf) {
  size_t nx;
  if (snn__mul_size(&nx, n, nf) != 0) return NULL;
  snn_dataset *d = snn__calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->n = n;
  d->nf = nf;
  d->x = snn__aligned_alloc(nx, sizeof(float));
  d->labels = snn__malloc(n * sizeof(int32_t)); /* n * 4 cannot overflow: n*nf*4 did not */
  if (d->x == NULL || d->labels == NULL) {
    snn_dataset_free(d);
    return NULL;
  }
  return d;
}

void snn__dataset_count_classes(snn_dataset *d) {
  int32_t mx = -1;
  for (size_t i = 0; i < d->n; i++)
    if (d->labels[i] > mx) mx = d->labels[i];
  d->n_classes = (size_t)((int64_t)mx + 1);
}

int snn__file_open(FILE **f, size_t *size, const char *path, const char *fn) {
  uint64_t sz;
  int rc = snn__open_regular(f, &sz, path, fn);
  if (rc != SNN_OK) return rc;
  if (sz > (uint64_t)SIZE_MAX - 64) {
    fclose(*f);
    *f = NULL;
    return snn__error(SNN_E_IO, "%s: '%s' is too large for this platform", fn, path);
  }
  *size = (size_t)sz;
  return SNN_OK;
}

int snn_dataset_create(snn_dataset **out, const float *x, const int32_t *labels,
                       size_t n_samples, size_t n_features) {
  static const char fn[] = "snn_dataset_create";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(x, fn);
  if (n_samples == 0) return snn__error(SNN_E_INVALID, "%s: n_samples must be >= 1 (got 0)", fn);
  if (n_features == 0)
    return snn__error(SNN_E_INVALID, "%s: n_features must be >= 1 (got 0)", fn);
  size_t nx;
  if (snn__mul_size(&nx, n_samples, n_features) != 0 || nx > SIZE_MAX / sizeof(float))
    return snn__error(SNN_E_INVALID, "%s: n_samples * n_features overflows (%zu * %zu)", fn,
                      n_samples, n_features);
  for (size_t i = 0; i < nx; i++)
    if (!isfinite(x[i]))
      return snn__error(SNN_E_INVALID, "%s: x[%zu] (sample %zu, feature %zu) is not finite (%g)",
                        fn, i, i / n_features, i % n_features, (double)x[i]);
  if (labels)
    for (size_t i = 0; i < n_samples; i++)
      if (labels[i] < 0)
        return snn__error(SNN_E_INVALID, "%s: labels[%zu] must be >= 0 (got %d)", fn, i,
                          (int)labels[i]);
  snn_dataset *d = snn__dataset_alloc(n_samples, n_features);
  if (d == NULL) return snn__error(SNN_E_NOMEM, "%s: out of memory (%zu x %zu)", fn, n_samples,
                                   n_features);
  memcpy(d->x, x, nx * sizeof(float));
  if (labels) {
    memcpy(d->labels, labels, n_samples * sizeof(int32_t));
    snn__dataset_count_classes(d);
  } else {
    for (size_t i = 0; i < n_samples; i++) d->labels[i] = -1;
    d->n_classes = 0;
  }
  *out = d;
  return SNN_OK;
}

void snn_dataset_free(snn_dataset *d) {
  if (d == NULL) return;
  snn__aligned_free(d->x);
  snn__free(d->labels);
  snn__free(d);
}

size_t snn_dataset_size(const snn_dataset *d) { return d ? d->n : 0; }
size_t snn_dataset_n_features(const snn_dataset *d) { return d ? d->nf : 0; }
size_t snn_dataset_n_classes(const snn_dataset *d) { return d ? d->n_classes : 0; }

const float *snn__dataset_x(const snn_dataset *d) { return d ? d->x : NULL; }

int snn_dataset_get(float *x, int32_t *labels, const snn_dataset *d, size_t first,
                    size_t count) {
  static const char fn[] = "snn_dataset_get";
  SNN__CHECK_NULL(d, fn);
  if (first > d->n || count > d->n - first)
    return snn__error(SNN_E_RANGE,
                      "%s: samples [%zu, %zu + %zu) are past the end (the dataset has %zu)", fn,
                      first, first, count, d->n);
  if (x) memcpy(x, d->x + first * d->nf, count * d->nf * sizeof(float));
  if (labels) memcpy(labels, d->labels + first, count * sizeof(int32_t));
  return SNN_OK;
}

/* Min and max of feature j over all samples of d (d->n >= 1). */
static void snn__dataset_feature_range(float *lo_out, float *hi_out, const snn_dataset *d,
                                       size_t j) {
  size_t nf = d->nf;
  float lo = d->x[j], hi = d->x[j];
  for (size_t i = 1; i < d->n; i++) {
    float v = d->x[i * nf + j];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  *lo_out = lo;
  *hi_out = hi;
}

/* The one min-max transform behind snn_dataset_normalize,
 * snn_dataset_normalize_ranges and SpikeProp's input ranges:
 * x' = (x - lo) / (hi - lo) in double, clamped to [0, 1]; a constant feature
 * (hi == lo) becomes 0. lo, hi finite, lo <= hi. */
float snn__minmax_scale(float x, float lo, float hi) {
  double range = (double)hi - (double)lo;
  double s = range > 0.0 ? ((double)x - (double)lo) / range : 0.0;
  return (float)(s < 0.0 ? 0.0 : s > 1.0 ? 1.0 : s);
}

int snn__check_ranges(const float *min, const float *max, size_t n, const char *fn) {
  for (size_t j = 0; j < n; j++) {
    if (!isfinite(min[j]))
      return snn__error(SNN_E_INVALID, "%s: min[%zu] is not finite (%g)", fn, j,
                        (double)min[j]);
    if (!isfinite(max[j]))
      return snn__error(SNN_E_INVALID, "%s: max[%zu] is not finite (%g)", fn, j,
                        (double)max[j]);
    if (max[j] < min[j])
      return snn__error(SNN_E_RANGE, "%s: max[%zu] (%g) is below min[%zu] (%g)", fn, j,
                        (double)max[j], j, (double)min[j]);
  }
  return SNN_OK;
}

static void snn__dataset_scale_feature(snn_dataset *d, size_t j, float lo, float hi) {
  size_t nf = d->nf;
  for (size_t i = 0; i < d->n; i++) {
    float *v = &d->x[i * nf + j];
    *v = snn__minmax_scale(*v, lo, hi);
  }
}

int snn_dataset_feature_ranges(float *min, float *max, size_t n_features,
                               const snn_dataset *d) {
  static const char fn[] = "snn_dataset_feature_ranges";
  SNN__CHECK_NULL(d, fn);
  if (min == NULL && max == NULL)
    return snn__error(SNN_E_INVALID, "%s: 'min' and 'max' must not both be NULL", fn);
  if (n_features != d->nf)
    return snn__error(SNN_E_INVALID,
                      "%s: n_features (%zu) must equal the dataset's feature count (%zu)", fn,
                      n_features, d->nf);
  for (size_t j = 0; j < d->nf; j++) {
    float lo, hi;
    snn__dataset_feature_range(&lo, &hi, d, j);
    if (min) min[j] = lo;
    if (max) max[j] = hi;
  }
  return SNN_OK;
}

int snn_dataset_normalize_ranges(snn_dataset *d, const float *min, const float *max,
                                 size_t n_features) {
  static const char fn[] = "snn_dataset_normalize_ranges";
  SNN__CHECK_NULL(d, fn);
  SNN__CHECK_NULL(min, fn);
  SNN__CHECK_NULL(max, fn);
  if (n_features != d->nf)
    return snn__error(SNN_E_INVALID,
                      "%s: n_features (%zu) must equal the dataset's feature count (%zu)", fn,
                      n_features, d->nf);
  /* validate every range before writing anything, so d is unchanged on error */
  int rc = snn__check_ranges(min, max, n_features, fn);
  if (rc != SNN_OK) return rc;
  for (size_t j = 0; j < n_features; j++) snn__dataset_scale_feature(d, j, min[j], max[j]);
  return SNN_OK;
}

int snn_dataset_normalize(snn_dataset *d, const snn_dataset *ref) {
  static const char fn[] = "snn_dataset_normalize";
  SNN__CHECK_NULL(d, fn);
  SNN__CHECK_NULL(ref, fn);
  if (d->nf != ref->nf)
    return snn__error(SNN_E_INVALID, "%s: feature counts differ (d has %zu, ref has %zu)", fn,
                      d->nf, ref->nf);
  /* feature by feature, so no allocation is needed; when ref == d the range of
   * feature j is taken before feature j is scaled */
  for (size_t j = 0; j < d->nf; j++) {
    float lo, hi;
    snn__dataset_feature_range(&lo, &hi, ref, j);
    snn__dataset_scale_feature(d, j, lo, hi);
  }
  return SNN_OK;
}

int snn_dataset_split(snn_dataset **train, snn_dataset **test, const snn_dataset *d,
                      double test_fraction, uint64_t seed) {
  static const char fn[] = "snn_dataset_split";
  if (train) *train = NULL;
  if (test) *test = NULL;
  SNN__CHECK_NULL(train, fn);
  SNN__CHECK_NULL(test, fn);
  SNN__CHECK_NULL(d, fn);
  if (train == test) return snn__error(SNN_E_INVALID, "%s: train and test must differ", fn);
  if (isnan(test_fraction))
    return snn__error(SNN_E_INVALID, "%s: test_fraction must not be NaN", fn);
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    return snn__error(SNN_E_RANGE, "%s: test_fraction must be in (0, 1) (got %g)", fn,
                      test_fraction);
  if (d->n < 2)
    return snn__error(SNN_E_RANGE, "%s: need at least 2 samples to split (got %zu)", fn, d->n);
  size_t n_test = (size_t)floor(test_fraction * (double)d->n + 0.5);
  if (n_test < 1) n_test = 1;
  if (n_test > d->n - 1) n_test = d->n - 1;
  size_t n_train = d->n - n_test;

  size_t *perm = snn__malloc(d->n * sizeof(size_t));
  snn_dataset *a = NULL, *b = NULL;
  if (perm) a = snn__dataset_alloc(n_train, d->nf);
  if (a) b = snn__dataset_alloc(n_test, d->nf);
  if (b == NULL) {
    snn__free(perm);
    snn_dataset_free(a);
    return snn__error(SNN_E_NOMEM, "%s: out of memory (%zu samples)", fn, d->n);
  }
  /* Fisher-Yates shuffle; the first n_test shuffled samples form the test
   * set, the rest the training set (both in shuffled order) */
  for (size_t i = 0; i < d->n; i++) perm[i] = i;
  snn__rng r;
  snn__rng_seed(&r, seed);
  for (size_t i = d->n - 1; i > 0; i--) {
    size_t k = (size_t)snn__rng_below(&r, (uint64_t)i + 1);
    size_t t = perm[i];
    perm[i] = perm[k];
    perm[k] = t;
  }
  for (size_t i = 0; i < d->n; i++) {
    snn_dataset *dst = i < n_test ? b : a;
    size_t row = i < n_test ? i : i - n_test;
    memcpy(dst->x + row * d->nf, d->x + perm[i] * d->nf, d->nf * sizeof(float));
    dst->labels[row] = d->labels[perm[i]];
  }
  /* both parts keep the class count of d, even when a class is missing from one */
  a->n_classes = b->n_classes = d->n_classes;
  snn__free(perm);
  *train = a;
  *test = b;
  return SNN_OK;
}

/* Run-time version and feature queries. */
#include "internal.h"

int snn_version_number(void) { return SNN_VERSION_NUMBER; }

const char *snn_version_string(void) { return SNN_VERSION_STRING; }

uint32_t snn_features(void) {
  uint32_t f = SNN_FEATURE_BLAS;
#ifdef _OPENMP
  f |= SNN_FEATURE_OPENMP;
#endif
#ifdef SNN_HAVE_HDF5
  f |= SNN_FEATURE_NIR;
#endif
  return f;
}

/* Surrogate derivatives of the spike function, x = V - threshold. */
#include <math.h>

#include "../net/engine.h"

#define SNN__HALF_PI 1.57079632679489661923f

float snn__sg_eval(float x, const void *p) {
  const snn__sg *sg = p;
  float k = sg->slope;
  switch (sg->kind) {
  case SNN_SURROGATE_ATAN: {
    float a = SNN__HALF_PI * k * x;
    return 1.0f / (1.0f + a * a);
  }
  case SNN_SURROGATE_TRIANGLE: {
    float v = 1.0f - k * fabsf(x);
    return v > 0.0f ? v : 0.0f;
  }
  default: {
    float d = 1.0f + k * fabsf(x);
    return 1.0f / (d * d);
  }
  }
}

void snn__sg_apply(const snn__sg *sg, float *x, size_t n) {
  const float k = sg->slope;
  if (sg->kind == SNN_SURROGATE_ATAN) {
    const float c = SNN__HALF_PI * k;
#pragma omp parallel for simd schedule(static)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) {
      float a = c * x[i];
      x[i] = 1.0f / (1.0f + a * a);
    }
  } else if (sg->kind == SNN_SURROGATE_TRIANGLE) {
#pragma omp parallel for simd schedule(static)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) {
      float v = 1.0f - k * fabsf(x[i]);
      x[i] = v > 0.0f ? v : 0.0f;
    }
  } else {
#pragma omp parallel for simd schedule(static)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) {
      float d = 1.0f + k * fabsf(x[i]);
      x[i] = 1.0f / (d * d);
    }
  }
}

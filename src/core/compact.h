/* Private: compaction of 0/1 masks into index lists, shared by the rate
 * encoder (src/encode/rate.c) and the network engine (src/net/engine.c). */
#ifndef SNN_COMPACT_H
#define SNN_COMPACT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define SNN__HAVE_COMPACT_SSE2 1

/* the set bits of a 4-bit mask, in order (padded with zeros) */
static const int32_t snn__lut4[16][4] = {
    {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {2, 0, 0, 0}, {0, 2, 0, 0},
    {1, 2, 0, 0}, {0, 1, 2, 0}, {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0},
    {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3}};

/* appends k + (the set bits of the 4-bit mask m) to ix[c...]; always stores 4
 * entries, so ix + c must have room for 4 (true while c <= k, i.e. when ix
 * has room for one entry per input); returns the new length */
static inline size_t snn__emit4(int32_t *ix, size_t c, size_t k, int m) {
  __m128i v = _mm_add_epi32(_mm_loadu_si128((const __m128i *)snn__lut4[m]),
                            _mm_set1_epi32((int32_t)k));
  _mm_storeu_si128((__m128i *)(ix + c), v);
  return c + (size_t)((0x4332322132212110ull >> (4 * m)) & 15u); /* popcount of m */
}

/* ix[0..) = the j < n where s[j] != 0 (ascending); ix has room for n entries;
 * returns the count */
static inline size_t snn__nonzero_list(const float *s, size_t n, int32_t *ix) {
  size_t c = 0, j = 0;
  const __m128 z = _mm_setzero_ps();
  for (; j + 8 <= n; j += 8) {
    int ma = _mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(s + j), z));
    int mb = _mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(s + j + 4), z));
    if ((ma | mb) == 0) continue;
    c = snn__emit4(ix, c, j, ma);
    c = snn__emit4(ix, c, j + 4, mb);
  }
  for (; j < n; j++)
    if (s[j] != 0.0f) ix[c++] = (int32_t)j;
  return c;
}
#else
static inline size_t snn__nonzero_list(const float *s, size_t n, int32_t *ix) {
  size_t c = 0;
  for (size_t j = 0; j < n; j++) {
    ix[c] = (int32_t)j;
    c += s[j] != 0.0f;
  }
  return c;
}
#endif

#endif

/* "rate" encoder: an independent Bernoulli spike per step and input with
 * probability p = min(1, clamp(x, 0, 1) * max_rate * dt / 1000).
 *
 * Speed: the uniform numbers come from 8 parallel xoshiro128+ generators
 * (Blackman & Vigna; the top 24 bits of each output are used), advanced
 * together with GNU vector extensions (SIMD on any target; a plain-C path
 * gives the same numbers elsewhere). Input j of a row uses lane j % 8. The
 * lanes are seeded from the encoder's xoshiro256** generator. */
#include "encoder_impl.h"
#include "compact.h"

#include <string.h>

void snn__lanes_seed(snn__lanes *L, snn__rng *r) {
  for (int k = 0; k < SNN__LANES; k++) {
    uint64_t a = snn__rng_next(r), b = snn__rng_next(r);
    L->s[0][k] = (uint32_t)a;
    L->s[1][k] = (uint32_t)(a >> 32);
    L->s[2][k] = (uint32_t)b;
    L->s[3][k] = (uint32_t)(b >> 32);
    if ((L->s[0][k] | L->s[1][k] | L->s[2][k] | L->s[3][k]) == 0) L->s[0][k] = 1; /* never 0 */
  }
}

/* One xoshiro128+ step of lane k; returns 24 random bits as a float in [0, 1). */
static inline float lane_next(snn__lanes *L, int k) {
  uint32_t s0 = L->s[0][k], s1 = L->s[1][k], s2 = L->s[2][k], s3 = L->s[3][k];
  uint32_t out = s0 + s3, sh = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= sh;
  s3 = (s3 << 11) | (s3 >> 21);
  L->s[0][k] = s0;
  L->s[1][k] = s1;
  L->s[2][k] = s2;
  L->s[3][k] = s3;
  return (float)(int32_t)(out >> 8) * 0x1.0p-24f;
}

/* o[j] = (u_j < min(x[j], 1) * scale) for j < n; u_j comes from lane j % 8,
 * and every block of 8 inputs (also a partial last one) advances all 8
 * lanes once. x <= 0 never fires because u >= 0; the min is written as a
 * second comparison so that it vectorises. */
#if defined(__GNUC__) && !defined(SNN_NO_VECTOR_EXT) && \
    (defined(__clang__) || __GNUC__ >= 9) /* __builtin_convertvector */
/* GNU vector extensions with 16-byte vectors, native on SSE2 and NEON; two
 * groups of 4 lanes give the CPU independent work. */
typedef uint32_t v4u __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));

#define LANES_STEP(s0, s1, s2, s3, u)                                 \
  do {                                                                \
    v4u r_ = s0 + s3, sh_ = s1 << 9;                                  \
    s2 ^= s0;                                                         \
    s3 ^= s1;                                                         \
    s1 ^= s2;                                                         \
    s0 ^= s3;                                                         \
    s2 ^= sh_;                                                        \
    s3 = (s3 << 11) | (s3 >> 21);                                     \
    u = __builtin_convertvector((v4i)(r_ >> 8), v4f) * 0x1.0p-24f;    \
  } while (0)

/* Writes the list of the inputs that fire (ascending) into ix; the
 * compaction stores 4 entries per 4 inputs at the current end of the list,
 * which never reaches past ix + n. */
#if defined(SNN__HAVE_COMPACT_SSE2)
#define RATE_EMIT4(ix, c, k, m) ((c) = snn__emit4((ix), (c), (k), _mm_movemask_ps((__m128)(m))))
#else
#define RATE_EMIT4(ix, c, k, m)                                                          \
  do {                                                                                   \
    for (int q_ = 0; q_ < 4; q_++) {                                                     \
      (ix)[c] = (int32_t)((k) + (size_t)q_);                                             \
      (c) += (size_t)((m)[q_] != 0);                                                     \
    }                                                                                    \
  } while (0)
#endif

/* One step for n inputs: with o, the 0/1 row o[0..n); otherwise the list of
 * the inputs that fire in ix (room for n entries), whose length is returned.
 * Both give the same numbers; inlined into two specialised callers. */
static inline __attribute__((always_inline)) size_t
rate_step(float *o, int32_t *ix, const float *x, size_t n, float scale, snn__lanes *L) {
  v4u a[4], b[4];
  for (int w = 0; w < 4; w++) {
    memcpy(&a[w], &L->s[w][0], 16);
    memcpy(&b[w], &L->s[w][4], 16);
  }
  size_t c = 0;
  for (size_t j = 0; j < n; j += 8) {
    v4f ua, ub;
    LANES_STEP(a[0], a[1], a[2], a[3], ua);
    LANES_STEP(b[0], b[1], b[2], b[3], ub);
    if (n - j >= 8) {
      v4f xa, xb;
      memcpy(&xa, x + j, 16);
      memcpy(&xb, x + j + 4, 16);
      v4i ma = (ua < xa * scale) & (ua < scale); /* -1 where it fires */
      v4i mb = (ub < xb * scale) & (ub < scale);
      if (o) {
        v4f oa = __builtin_convertvector(-ma, v4f), ob = __builtin_convertvector(-mb, v4f);
        memcpy(o + j, &oa, 16);
        memcpy(o + j + 4, &ob, 16);
      } else {
        RATE_EMIT4(ix, c, j, ma);
        RATE_EMIT4(ix, c, j + 4, mb);
      }
    } else {
      float u[8];
      memcpy(u, &ua, 16);
      memcpy(u + 4, &ub, 16);
      for (size_t k = 0; k < n - j; k++) {
        int f = (u[k] < x[j + k] * scale) & (u[k] < scale);
        if (o) o[j + k] = (float)f;
        else if (f) ix[c++] = (int32_t)(j + k);
      }
    }
  }
  for (int w = 0; w < 4; w++) {
    memcpy(&L->s[w][0], &a[w], 16);
    memcpy(&L->s[w][4], &b[w], 16);
  }
  return c;
}
#else
/* the same numbers in plain C */
static size_t rate_step(float *o, int32_t *ix, const float *x, size_t n, float scale,
                        snn__lanes *L) {
  size_t c = 0;
  for (size_t j = 0; j < n; j += 8) {
    float u[8];
    for (int k = 0; k < 8; k++) u[k] = lane_next(L, k);
    size_t m = n - j < 8 ? n - j : 8;
    for (size_t k = 0; k < m; k++) {
      int f = (u[k] < x[j + k] * scale) & (u[k] < scale);
      if (o) o[j + k] = (float)f;
      else if (f) ix[c++] = (int32_t)(j + k);
    }
  }
  return c;
}
#endif

static float rate_scale(const snn_encoder *e) {
  double pd = e->p[SNN__RATE_MAX_RATE] * e->p[SNN__RATE_DT] / 1000.0;
  return (float)(pd > 1.0 ? 1.0 : pd);
}

void snn__enc_rate(const snn_encoder *e, float *out, size_t stride, const float *x, size_t n_in,
                   size_t n_steps, snn__lanes *L) {
  const float scale = rate_scale(e);
  for (size_t t = 0; t < n_steps; t++) rate_step(out + t * stride, NULL, x, n_in, scale, L);
}

size_t snn__enc_rate_list(const snn_encoder *e, int32_t *ix, const float *x, size_t n_in,
                          snn__lanes *L) {
  return rate_step(NULL, ix, x, n_in, rate_scale(e), L);
}

/* Seeded pseudo-random numbers: xoshiro256** (Blackman & Vigna), seeded through
 * splitmix64. Every generator belongs to a handle; there is no global state. */
#include "internal.h"

#include <math.h>

static uint64_t snn__splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void snn__rng_seed(snn__rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = snn__splitmix64(&x);
}

static inline uint64_t snn__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t snn__rng_next(snn__rng *r) {
  uint64_t *s = r->s;
  uint64_t result = snn__rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = snn__rotl(s[3], 45);
  return result;
}

float snn__rng_uniform_f(snn__rng *r) {
  return (float)(snn__rng_next(r) >> 40) * 0x1.0p-24f;
}

double snn__rng_uniform(snn__rng *r) { return (double)(snn__rng_next(r) >> 11) * 0x1.0p-53; }

double snn__rng_normal(snn__rng *r) {
  /* Box-Muller; u1 in (0, 1] so log is finite */
  double u1 = 1.0 - snn__rng_uniform(r);
  double u2 = snn__rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t snn__rng_below(snn__rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = snn__rng_next(r);
  while (x >= limit);
  return x % n;
}

void snn__rng_fork(snn__rng *child, const snn__rng *parent, uint64_t k) {
  uint64_t x = parent->s[0] ^ snn__rotl(parent->s[1], 13) ^ snn__rotl(parent->s[2], 29) ^
               snn__rotl(parent->s[3], 47) ^ (k * 0xD1B54A32D192ED03ull);
  for (int i = 0; i < 4; i++) child->s[i] = snn__splitmix64(&x);
}

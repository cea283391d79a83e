/* Per-step neuron kernels of the event-driven simulator (src/sim).
 *
 * Structure-of-arrays loops without branches so that the compiler vectorises
 * them; each kernel has an AVX2+FMA clone selected at load time.
 *
 * lif, current-based (CUBA): exact integration. Between steps the synaptic
 * currents decay exponentially, I(t) = I0 exp(-t/tau_s), and
 *   C dV/dt = -g_L (V - E_L) + I_exc + I_inh + I_e
 * is linear, so V(t+h) = E_L + (V - E_L) Pm + I_exc Pe + I_inh Pi + I_e Pb with
 * Pm = exp(-h/tau_m), Pb = (1 - Pm)/g_L and
 *   Ps = (h/C) exp(-h/tau_m) expm1(x)/x,  x = h (1/tau_m - 1/tau_s)
 * (the closed form of the PSP, stable when tau_s -> tau_m).
 *
 * lif, conductance-based (COBA): exponential Euler with the exact step-mean
 * of each conductance, gbar = g tau/h (1 - exp(-h/tau)):
 *   g_tot = g_L + gbar_e + gbar_i,  V_inf = (g_L E_L + gbar_e E_e + gbar_i E_i + I_e)/g_tot
 *   V(t+h) = V_inf + (V - V_inf) exp(-h g_tot / C).
 *
 * Refractoriness (both): after a spike the neuron is held for ref_steps whole
 * steps (V at its reset value, inputs still accumulate in the synapses).
 *
 * The lif kernels keep u = V - E_L (not V) in float32: near rest u is small
 * and its rounding error is far below that of V (ulp(70 mV) = 7.6e-6 mV), so
 * the PSP follows the closed form to ~1e-7 mV. Vth and Vreset in the
 * constants are relative to E_L too. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC optimize("no-trapping-math", "no-tree-loop-distribute-patterns", "fp-contract=fast")
#endif
#include "sim.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(SNN_NO_TARGET_CLONES)
#  define SNN__SIM_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#  define SNN__SIM_HOT
#endif

/* exp(x) for x <= 0 (clamped at -87), vectorisable: x = n ln2 + r with
 * |r| <= ln2/2, exp(r) by its degree-7 Taylor polynomial (relative error
 * < 2e-8 before rounding), 2^n through the exponent bits. */
static inline float sim_exp_neg(float x) {
  x = x > -87.0f ? x : -87.0f;
  x = x < 0.0f ? x : 0.0f;
  float nf = x * 1.4426950408889634f;
  nf = (nf - 12582912.0f) + 12582912.0f; /* round to nearest (|nf| < 2^22) */
  float r = x - nf * 0.693145751953125f;  /* ln2 split hi/lo for accuracy */
  r = r - nf * 1.428606765330187e-06f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  union {
    int32_t i;
    float f;
  } sc;
  sc.i = ((int32_t)nf + 127) * (1 << 23);
  return p * sc.f;
}

/* The lif kernels update SP_BLK neurons at a time into a local flag array
 * (cache-resident; the vectorised loop keeps one 32-bit width) and then append
 * the indices of the few that fired to out[] (ascending), so neither a global
 * flag array nor a second pass over all neurons is needed to find the spikes. */
#define SP_BLK 256

static size_t sp_append(const uint32_t *spk, size_t m, uint32_t base, uint32_t *out, size_t c) {
  for (size_t j = 0; j < m; j += 8) {
    size_t e = m - j < 8 ? m - j : 8;
    uint32_t any = 0;
    for (size_t q = 0; q < e; q++) any |= spk[j + q];
    if (!any) continue;
    for (size_t q = 0; q < e; q++) {
      out[c] = base + (uint32_t)(j + q);
      c += spk[j + q];
    }
  }
  return c;
}

/* Synaptic variables below 1e-30 (pA or nS) are set to 0: a neuron that
 * receives no input for ~100 time constants would otherwise decay into
 * subnormal floats, which are many times slower on x86. */
static inline float flush_tiny(float x) { return (x < 1e-30f && x > -1e-30f) ? 0.0f : x; }

/* The loop every lif kernel shares. STEP(v, e, i) computes vn (the new V
 * before threshold and reset) from v and the synaptic variables e, i after
 * this step's input. With a ring (in_e != NULL) the inputs due now are read
 * from it and the slot is cleared; without one (no delayed projection into
 * the population: spikes are added straight to ge/gi) the loop moves 16
 * bytes per neuron less. Blocks of SP_BLK neurons; the few that fired are
 * appended to out[]. */
#define SP_LIF_LOOP(STEP)                                                            \
  size_t c = 0;                                                                      \
  for (size_t j0 = 0; j0 < m; j0 += SP_BLK) {                                        \
    size_t j1 = m - j0 < SP_BLK ? m : j0 + SP_BLK;                                   \
    uint32_t spk[SP_BLK];                                                            \
    if (in_e) {                                                                      \
      for (size_t j = j0; j < j1; j++) {                                             \
        float e = ge[j] + in_e[j], i = gi[j] + in_i[j];                              \
        in_e[j] = 0.0f;                                                              \
        in_i[j] = 0.0f;                                                              \
        SP_LIF_TAIL(STEP)                                                            \
      }                                                                              \
    } else {                                                                         \
      for (size_t j = j0; j < j1; j++) {                                             \
        float e = ge[j], i = gi[j];                                                  \
        SP_LIF_TAIL(STEP)                                                            \
      }                                                                              \
    }                                                                                \
    c = sp_append(spk, j1 - j0, base + (uint32_t)j0, out, c);                        \
  }                                                                                  \
  return c;

/* refractory hold, threshold, reset (zero or by subtraction), synaptic decay;
 * branch-free so that the loop vectorises */
#define SP_LIF_TAIL(STEP)                                                            \
  float v = V[j];                                                                    \
  int32_t r = ref[j];                                                                \
  float vn = STEP(v, e, i);                                                          \
  int held = r > 0;                                                                  \
  vn = held ? v : vn;                                                                \
  r = held ? r - 1 : r;                                                              \
  int s = (!held) & (vn >= k.Vth);                                                   \
  float vres = vn * fs + c0; /* vn - dth (subtract) or V_reset (zero) */             \
  V[j] = s ? vres : vn;                                                              \
  ref[j] = s ? k.ref_steps : r;                                                      \
  ge[j] = flush_tiny(e * k.De);                                                      \
  gi[j] = flush_tiny(i * k.Di);                                                      \
  spk[j - j0] = (uint32_t)s;

SNN__SIM_HOT
size_t snn__sp_lif_cuba(const snn__sp_consts *kp, float *restrict V, int32_t *restrict ref,
                        float *restrict ge, float *restrict gi, float *restrict in_e,
                        float *restrict in_i, uint32_t base, uint32_t *restrict out, size_t m) {
  const snn__sp_consts k = *kp;
  const float bias = k.Ie * k.Pb;
  const float fs = k.subtract ? 1.0f : 0.0f, c0 = k.subtract ? -k.dth : k.Vreset;
#define CUBA_STEP(v, e, i) ((v) * k.Pm + (e) * k.Pe + (i) * k.Pi + bias)
  SP_LIF_LOOP(CUBA_STEP)
#undef CUBA_STEP
}

static inline float coba_step(const snn__sp_consts *k, float hC, float dEe, float dEi, float v,
                              float e, float i) {
  float em = e * k->Ae, im = i * k->Ai;
  float gt = k->gL + em + im;
  float vinf = (em * dEe + im * dEi + k->Ie) / gt;
  return vinf + (v - vinf) * sim_exp_neg(gt * hC);
}

SNN__SIM_HOT
size_t snn__sp_lif_coba(const snn__sp_consts *kp, float *restrict V, int32_t *restrict ref,
                        float *restrict ge, float *restrict gi, float *restrict in_e,
                        float *restrict in_i, uint32_t base, uint32_t *restrict out, size_t m) {
  const snn__sp_consts k = *kp;
  const float hC = -k.h / k.C, dEe = k.Ee - k.EL, dEi = k.Ei - k.EL;
  const float fs = k.subtract ? 1.0f : 0.0f, c0 = k.subtract ? -k.dth : k.Vreset;
#define COBA_STEP(v, e, i) coba_step(&k, hC, dEe, dEi, v, e, i)
  SP_LIF_LOOP(COBA_STEP)
#undef COBA_STEP
}

/* Forward Euler for the conductance-based lif (as Auryn's and Brian's COBA
 * benchmarks integrate it): V += h/C (g_L (E_L - V) + g_e (E_e - V) +
 * g_i (E_i - V) + I_e) with the conductances at the start of the step. First
 * order in h; no exp and no division, about half the cost per neuron. */
SNN__SIM_HOT
size_t snn__sp_lif_coba_euler(const snn__sp_consts *kp, float *restrict V,
                              int32_t *restrict ref, float *restrict ge, float *restrict gi,
                              float *restrict in_e, float *restrict in_i, uint32_t base,
                              uint32_t *restrict out, size_t m) {
  const snn__sp_consts k = *kp;
  const float hC = k.h / k.C, dEe = k.Ee - k.EL, dEi = k.Ei - k.EL;
  const float fs = k.subtract ? 1.0f : 0.0f, c0 = k.subtract ? -k.dth : k.Vreset;
#define EULER_STEP(v, e, i) ((v) + hC * ((e) * (dEe - (v)) + (i) * (dEi - (v)) + k.Ie - k.gL * (v)))
  SP_LIF_LOOP(EULER_STEP)
#undef EULER_STEP
}

SNN__SIM_HOT
void snn__sp_syn_current(const snn__sp_consts *kp, const float *restrict V, float *restrict ge,
                         float *restrict gi, float *restrict in_e, float *restrict in_i,
                         float *restrict iin, int cond, size_t m) {
  const snn__sp_consts k = *kp;
  for (size_t j = 0; j < m; j++) {
    float e = ge[j], i = gi[j];
    if (in_e) { /* NULL: no ring (see SP_LIF_LOOP) */
      e += in_e[j];
      i += in_i[j];
      in_e[j] = 0.0f;
      in_i[j] = 0.0f;
    }
    float em = e * k.Ae, im = i * k.Ai;
    iin[j] = cond ? em * (k.Ee - V[j]) + im * (k.Ei - V[j]) + k.Ie : em + im + k.Ie;
    ge[j] = flush_tiny(e * k.De);
    gi[j] = flush_tiny(i * k.Di);
  }
}

size_t snn__sp_collect8(const uint8_t *spk, size_t m, uint32_t base, uint32_t *out) {
  size_t c = 0, j = 0;
  for (; j + 8 <= m; j += 8) {
    uint64_t any;
    memcpy(&any, spk + j, 8);
    if (!any) continue;
    for (size_t q = 0; q < 8; q++) {
      out[c] = base + (uint32_t)(j + q);
      c += spk[j + q] != 0;
    }
  }
  for (; j < m; j++) {
    out[c] = base + (uint32_t)j;
    c += spk[j] != 0;
  }
  return c;
}

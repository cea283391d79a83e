/* Private to src/neuron: kind descriptors, presets and the model struct.
 * Other modules use src/neuron/neuron.h only. */
#ifndef SNN_NEURON_IMPL_H
#define SNN_NEURON_IMPL_H

#include "neuron.h"

#define SNN__NEURON_MAX_PARAMS 16

/* Hot kernels get AVX-512 (x86-64-v4) and AVX2+FMA (x86-64-v3) clones next to the
 * baseline one, selected at load time; no -march=native needed. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(SNN_NO_TARGET_CLONES)
#  define SNN__HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#  define SNN__HOT
#endif

/* One parameter of a built-in kind. Enumerated parameters (n_enum > 0) take
 * the integer values 0..n_enum-1, settable by name with _set_str. */
typedef struct snn__pdef {
  const char *name;
  double def, min, max;
  const char *unit;
  const char *doc;
  const char *const *enum_names; /* NULL for numeric parameters */
  size_t n_enum;
} snn__pdef;

/* A preset: parameter values in table order (all of them). */
typedef struct snn__preset {
  const char *name;
  const char *doc;
  double values[SNN__NEURON_MAX_PARAMS];
} snn__preset;

typedef struct snn__kind {
  const char *name;
  const snn__pdef *params;
  size_t n_params;
  const char *const *state_names; /* public state variables */
  size_t n_pub_state;
  size_t n_state; /* including hidden ones */
  const snn__preset *presets;
  size_t n_presets;
  void (*init)(const double *p, float *state, size_t n);
  /* Returns a mask of the public state variables that hold a NaN or Inf after
   * the step (bit k: variable k), checked inside the kernel's own loop. */
  unsigned (*step)(const double *p, float *state, const float *i_in, uint8_t *spikes, size_t n,
                   double dt);
  int (*step_grad)(const double *p, const float *state_before, const float *i_in,
                   const float *grad_state, const float *grad_spike, float *grad_state_before,
                   float *grad_in, size_t n, double dt,
                   float (*surrogate)(float x, const void *sg_user), const void *sg_user);
} snn__kind;

/* Shared, reference-counted part of a custom model (copied ops and tables). */
typedef struct snn__custom snn__custom;

struct snn_neuron_model {
  const snn__kind *kind; /* NULL for custom models */
  snn__custom *custom;   /* NULL for built-in kinds */
  size_t n_params;
  double *params;
};

extern const snn__kind snn__kind_if;
extern const snn__kind snn__kind_lif;
extern const snn__kind snn__kind_izhikevich;
extern const snn__kind snn__kind_adex;
extern const snn__kind snn__kind_srm; /* srm.c (SpikeProp) */

/* model.c */
int snn__neuron_kind_exists(const char *name);
int snn__param_info_fill(snn_param_info *out, const char *name, double def, double lo, double hi,
                         const char *unit, const char *doc);

/* custom.c */
int snn__custom_param_info(snn_param_info *out, const snn__custom *c, size_t i);
const char *snn__custom_name(const snn__custom *c);
size_t snn__custom_n_state(const snn__custom *c);
const char *snn__custom_state_name(const snn__custom *c, size_t i);
const char *snn__custom_param_name(const snn__custom *c, size_t i);
void snn__custom_param_bounds(const snn__custom *c, size_t i, double *min, double *max);
void snn__custom_retain(snn__custom *c);
void snn__custom_release(snn__custom *c);
int snn__custom_init(const snn__custom *c, const double *p, float *state, size_t n);
int snn__custom_step(const snn__custom *c, const double *p, float *state, const float *i_in,
                     uint8_t *spikes, size_t n, double dt);
int snn__custom_has_grad(const snn__custom *c);
int snn__custom_step_grad(const snn__custom *c, const double *p, const float *state_before,
                          const float *i_in, const float *grad_state, const float *grad_spike,
                          float *grad_state_before, float *grad_in, size_t n, double dt,
                          float (*surrogate)(float x, const void *sg_user), const void *sg_user);

/* Vectorisable exp for float arguments (|rel err| < 2e-7 over [-87, 88];
 * arguments are clamped to that range). */
static inline float snn__expf(float x) {
  x = x < 88.0f ? x : 88.0f;
  x = x > -87.0f ? x : -87.0f;
  float t = x * 1.44269504088896341f;
  /* round to nearest integer with the 1.5*2^23 trick (|t| < 2^22) */
  float nf = (t + 12582912.0f) - 12582912.0f;
  float f = t - nf; /* [-0.5, 0.5] */
  /* 2^f = e^(f ln2): degree-6 Taylor/minimax-like polynomial */
  float p = 1.5403530393381606e-4f;
  p = p * f + 1.3333558146428443e-3f;
  p = p * f + 9.6181291076284772e-3f;
  p = p * f + 5.5504108664821580e-2f;
  p = p * f + 2.4022650695910072e-1f;
  p = p * f + 6.9314718055994531e-1f;
  p = p * f + 1.0f;
  int32_t ni = (int32_t)nf;
  union {
    int32_t i;
    float f;
  } sc;
  sc.i = (ni + 127) * (1 << 23);
  return p * sc.f;
}

#endif

/**
 * @file snn.h
 * @brief libsnn — an embeddable C library for spiking neural networks.
 *
 * This header is the whole public API and its contract. Every function is
 * documented here: what it does, who owns what, which status codes it returns
 * and the version it appeared in (`@since`).
 *
 * Conventions (see docs/errors.md and docs/abi.md):
 * - Functions that can fail return an `int` carrying an ::snn_status. `SNN_OK`
 *   (0) is success; errors are negative. After a failure, snn_last_error()
 *   returns a message for the calling thread naming the function and the bad value.
 * - Output parameters come first. On failure, a `*_create` function sets `*out`
 *   to NULL (when `out` is not NULL) and leaves nothing allocated.
 * - Every handle has a matching `*_free`; `*_free(NULL)` does nothing.
 * - Input arrays are copied; the library never keeps a caller's pointer unless a
 *   function says so.
 * - Thread safety: a handle may be used by one thread at a time; distinct handles
 *   may be used concurrently. snn_strerror(), snn_version_*() and the
 *   parameter-info queries are thread-safe. Results never depend on the number of
 *   threads.
 * - The library never prints, never exits and never aborts on bad input.
 *
 * Units: time in ms, voltage in mV, current in pA, capacitance in pF,
 * conductance in nS (so pF/nS = ms and pA/nS = mV), rates in Hz.
 */
#ifndef SNN_H
#define SNN_H

#include <stddef.h>
#include <stdint.h>

/** @def SNN_API
 *  Marks a declaration as part of the exported API (default visibility). */
#if defined(_WIN32) && defined(SNN_BUILDING_DLL)
#  define SNN_API __declspec(dllexport)
#elif defined(_WIN32) && defined(SNN_USING_DLL)
#  define SNN_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define SNN_API __attribute__((visibility("default")))
#else
#  define SNN_API
#endif

/** @def SNN_DEPRECATED_ATTR
 *  Compiler attribute behind SNN_DEPRECATED(). */
#if defined(__GNUC__) || defined(__clang__)
#  define SNN_DEPRECATED_ATTR(msg) __attribute__((deprecated(msg)))
#else
#  define SNN_DEPRECATED_ATTR(msg)
#endif
/** Marks a declaration deprecated; define SNN_NO_DEPRECATED to hide such declarations. */
#define SNN_DEPRECATED(msg) SNN_DEPRECATED_ATTR(msg)

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/** @defgroup version Version                                               */
/* ======================================================================== */

/** Major version: changes only with an incompatible ABI (new soname). */
#define SNN_VERSION_MAJOR 0
/** Minor version: new API, backwards compatible (new symbol-version node). */
#define SNN_VERSION_MINOR 1
/** Patch version: fixes only. */
#define SNN_VERSION_PATCH 0
/** MAJOR*10000 + MINOR*100 + PATCH of this header. */
#define SNN_VERSION_NUMBER \
  (SNN_VERSION_MAJOR * 10000 + SNN_VERSION_MINOR * 100 + SNN_VERSION_PATCH)
/** "MAJOR.MINOR.PATCH" of this header. */
#define SNN_VERSION_STRING "0.1.0"
/** True when the header is at least version maj.min.pat. */
#define SNN_VERSION_AT_LEAST(maj, min, pat) \
  (SNN_VERSION_NUMBER >= (maj) * 10000 + (min) * 100 + (pat))

/**
 * Version of the library actually linked (not of the header).
 * Check for a header newer than the library with
 * `if (snn_version_number() < SNN_VERSION_NUMBER) ...`.
 * @return MAJOR*10000 + MINOR*100 + PATCH. Thread-safe.
 * @since 0.1
 */
SNN_API int snn_version_number(void);

/**
 * @return Static string "MAJOR.MINOR.PATCH" of the linked library; never NULL,
 *         do not free. Thread-safe.
 * @since 0.1
 */
SNN_API const char *snn_version_string(void);

/** Feature bits returned by snn_features(). */
#define SNN_FEATURE_OPENMP 0x1u /**< built with OpenMP (elementwise work on several threads) */
#define SNN_FEATURE_BLAS   0x2u /**< dense products use CBLAS (OpenBLAS) */
#define SNN_FEATURE_NIR    0x4u /**< NIR import/export available (HDF5 found at build time) */

/**
 * @return Bit set of SNN_FEATURE_* the linked library was built with. Thread-safe.
 * @since 0.1
 */
SNN_API uint32_t snn_features(void);

/* ======================================================================== */
/** @defgroup errors Status codes and error detail                          */
/* ======================================================================== */

/** Status codes. Values are fixed forever; new codes take the next free value. */
typedef enum snn_status {
  SNN_OK = 0,             /**< success */
  SNN_E_INVALID = -1,     /**< bad argument: NULL, size mismatch, NaN/Inf */
  SNN_E_NOMEM = -2,       /**< allocation failed */
  SNN_E_RANGE = -3,       /**< value outside its documented bounds */
  SNN_E_NOTFOUND = -4,    /**< unknown name (parameter, model, preset, rule) */
  SNN_E_UNSUPPORTED = -5, /**< operation not supported for this object/build */
  SNN_E_STATE = -6,       /**< call out of order */
  SNN_E_IO = -7,          /**< operating-system I/O error */
  SNN_E_FORMAT = -8,      /**< corrupt or truncated file or buffer */
  SNN_E_VERSION = -9,     /**< struct_size or file version not supported */
  SNN_E_CANCELED = -10,   /**< a user callback asked to stop */
  SNN_E_NUMERIC = -11,    /**< NaN/Inf produced during simulation or training */
  SNN_E_INTERNAL = -99    /**< internal error (a bug: please report it) */
} snn_status;

/**
 * @param status any integer.
 * @return Static description of @p status, or "unknown status" for values that
 *         are not an ::snn_status; never NULL, never allocates. Thread-safe.
 * @since 0.1
 */
SNN_API const char *snn_strerror(int status);

/**
 * Detail of the most recent failure on the calling thread.
 * A success does not clear it: check the return code first.
 * @return Borrowed thread-local string, valid until the next failing call on
 *         this thread; never NULL ("" when there was no failure).
 * @since 0.1
 */
SNN_API const char *snn_last_error(void);

/**
 * Clears the calling thread's error detail (snn_last_error() then returns "").
 * @since 0.1
 */
SNN_API void snn_clear_error(void);

/**
 * Sets the calling thread's error detail. For plug-ins (custom neuron models)
 * that return an error status from a callback.
 * @param msg copied (truncated to 511 bytes); NULL clears.
 * @since 0.1
 */
SNN_API void snn_set_error(const char *msg);

/* ======================================================================== */
/** @defgroup alloc Allocator hook                                          */
/* ======================================================================== */

/** User allocator. Sized struct: set struct_size = sizeof(snn_allocator). */
typedef struct snn_allocator {
  size_t struct_size;                            /**< sizeof(snn_allocator) */
  void *(*malloc_fn)(void *user, size_t size);   /**< must return NULL on failure */
  void (*free_fn)(void *user, void *ptr);        /**< must accept NULL */
  void *user;                                    /**< passed through; never dereferenced */
} snn_allocator;

/**
 * Replaces the allocator used for every allocation libsnn makes (the BLAS
 * library allocates on its own). Not thread-safe; call it only while no libsnn
 * object exists. Memory is always released through the allocator that
 * provided it, so objects must not outlive a later change of allocator.
 * @param a copied; NULL restores malloc/free.
 * @return SNN_OK, SNN_E_INVALID (a NULL callback), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_set_allocator(const snn_allocator *a);

/* ======================================================================== */
/** @defgroup params Named parameters                                       */
/* ======================================================================== */

/**
 * Description of one named parameter (output struct, sized: set struct_size
 * before the call; the library writes only the fields struct_size covers).
 * Strings are static and owned by the library (or by the custom model).
 */
typedef struct snn_param_info {
  size_t struct_size;   /**< sizeof(snn_param_info), set by the caller */
  const char *name;     /**< parameter name */
  double default_value; /**< default */
  double min_value;     /**< smallest accepted value (inclusive) */
  double max_value;     /**< largest accepted value (inclusive) */
  const char *unit;     /**< unit ("mV", "ms", "" for dimensionless) */
  const char *doc;      /**< one-line description */
} snn_param_info;

/** Initialiser for ::snn_param_info. */
#define SNN_PARAM_INFO_INIT { sizeof(snn_param_info), NULL, 0, 0, 0, NULL, NULL }

/**
 * Parameter definition supplied by a custom neuron model (array element;
 * layout frozen within a major version).
 */
typedef struct snn_param_def {
  const char *name;     /**< unique within the model */
  double default_value; /**< must lie in [min_value, max_value] */
  double min_value;     /**< inclusive lower bound */
  double max_value;     /**< inclusive upper bound */
  const char *unit;     /**< may be NULL */
  const char *doc;      /**< may be NULL */
} snn_param_def;

/* ======================================================================== */
/** @defgroup neuron Neuron models                                          */
/* ======================================================================== */

/**
 * A neuron model: a kind ("if", "lif", "izhikevich", "adex", "srm", or a
 * custom kind) plus values for its named parameters. Equations, parameters and
 * presets are listed in docs/neuron-models.md ("srm": docs/spikeprop.md).
 */
typedef struct snn_neuron_model snn_neuron_model;

/**
 * @return Number of built-in neuron kinds ("if", "lif", "izhikevich", "adex",
 *         "srm").
 *         Custom kinds (snn_neuron_model_create_custom()) are not registered
 *         globally and are not counted. Thread-safe.
 * @since 0.1
 */
SNN_API size_t snn_neuron_kind_count(void);

/**
 * @return Static name of kind @p i (0 <= i < snn_neuron_kind_count()), or NULL
 *         when out of range.
 * @since 0.1
 */
SNN_API const char *snn_neuron_kind_name(size_t i);

/**
 * Creates a model of the named kind with default parameters.
 * @param[out] out New model; caller owns it and frees it with snn_neuron_model_free().
 * @param kind e.g. "lif".
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_NOTFOUND (unknown kind; the
 *         message lists the valid names), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_neuron_model_create(snn_neuron_model **out, const char *kind);

/**
 * Creates a model of @p kind with the parameters of a named preset
 * (e.g. ("izhikevich", "rs_2003"), ("adex", "tonic")).
 * @param[out] out New model; caller owns it.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND (unknown kind or preset; the
 *         message lists the valid presets), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_neuron_model_create_preset(snn_neuron_model **out, const char *kind,
                                           const char *preset);

/** @return Number of presets of @p kind (0 for unknown kinds). @since 0.1 */
SNN_API size_t snn_neuron_preset_count(const char *kind);

/** @return Static name of preset @p i of @p kind, or NULL. @since 0.1 */
SNN_API const char *snn_neuron_preset_name(const char *kind, size_t i);

/** @return Static one-line description of preset @p i of @p kind, or NULL. @since 0.1 */
SNN_API const char *snn_neuron_preset_doc(const char *kind, size_t i);

/**
 * Deep copy.
 * @param[out] out New model; caller owns it.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_neuron_model_clone(snn_neuron_model **out, const snn_neuron_model *m);

/** Frees @p m; NULL does nothing. @since 0.1 */
SNN_API void snn_neuron_model_free(snn_neuron_model *m);

/** @return Borrowed kind name of @p m (valid while @p m lives), or NULL for NULL. @since 0.1 */
SNN_API const char *snn_neuron_model_kind(const snn_neuron_model *m);

/**
 * Sets a numeric parameter.
 * @return SNN_OK, SNN_E_INVALID (NULL or NaN), SNN_E_NOTFOUND (unknown name;
 *         message lists the valid names), SNN_E_RANGE (outside [min, max]).
 * @since 0.1
 */
SNN_API int snn_neuron_model_set(snn_neuron_model *m, const char *name, double value);

/**
 * Sets an enumerated parameter by its symbolic value, e.g.
 * ("reset", "zero" | "subtract") for "if" and "lif".
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND (unknown name or value).
 * @since 0.1
 */
SNN_API int snn_neuron_model_set_str(snn_neuron_model *m, const char *name, const char *value);

/**
 * Reads a parameter.
 * @param[out] out value.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND.
 * @since 0.1
 */
SNN_API int snn_neuron_model_get(double *out, const snn_neuron_model *m, const char *name);

/** @return Number of parameters of @p m (0 for NULL). @since 0.1 */
SNN_API size_t snn_neuron_model_param_count(const snn_neuron_model *m);

/**
 * Describes parameter @p i.
 * @param[out] out caller-provided, with struct_size set.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE (i out of range), SNN_E_VERSION.
 * @since 0.1
 */
SNN_API int snn_neuron_model_param_info(snn_param_info *out, const snn_neuron_model *m, size_t i);

/** @return Number of state variables per neuron (0 for NULL). @since 0.1 */
SNN_API size_t snn_neuron_model_state_count(const snn_neuron_model *m);

/**
 * @return Static name of state variable @p i ("V" is always index 0, then
 *         e.g. "u" for izhikevich, "w" for adex), or NULL.
 * @since 0.1
 */
SNN_API const char *snn_neuron_model_state_name(const snn_neuron_model *m, size_t i);

/**
 * Callbacks of a user-defined neuron model. Sized, append-only: set
 * struct_size = sizeof(snn_neuron_ops) (SNN_NEURON_OPS_INIT does it). The
 * library copies the struct (and the name, state names and parameter table)
 * when the model is created, so none of them need to outlive the call.
 *
 * State is structure-of-arrays: variable k of neuron i is state[k*n + i].
 * Callbacks return SNN_OK or an error status (optionally after
 * snn_set_error()); a non-zero return aborts the operation and is passed on.
 */
typedef struct snn_neuron_ops {
  size_t struct_size;             /**< sizeof(snn_neuron_ops) at compile time of the plug-in */
  const char *name;               /**< kind name, unique among kinds */
  uint32_t n_state;               /**< state variables per neuron (>= 1; variable 0 is V) */
  const char *const *state_names; /**< n_state names; NULL => "V", "s1", "s2", ... */
  uint32_t n_params;              /**< entries in params */
  const snn_param_def *params;    /**< parameter table (may be NULL when n_params is 0) */
  /** Sets initial state for n neurons (required). */
  int (*init)(void *user, const double *params, float *state, size_t n);
  /** Advances n neurons by dt ms with input current i_in; writes spikes[i] = 0/1 (required). */
  int (*step)(void *user, const double *params, float *state, const float *i_in,
              uint8_t *spikes, size_t n, double dt);
  /**
   * Optional (NULL => the model cannot be trained by BPTT). Backward of one
   * step: given state_before (as passed to step), the input i_in, the upstream
   * gradients grad_state (w.r.t. the state after the step) and grad_spike
   * (w.r.t. the spikes emitted), write grad_state_before and grad_in.
   * surrogate(x, sg_user) is the surrogate derivative of a spike with respect
   * to x = (V - threshold) in the model's own threshold units.
   */
  int (*step_grad)(void *user, const double *params, const float *state_before,
                   const float *i_in, const float *grad_state, const float *grad_spike,
                   float *grad_state_before, float *grad_in, size_t n, double dt,
                   float (*surrogate)(float x, const void *sg_user), const void *sg_user);
  /** Optional: called once when the last model using @p user is freed. */
  void (*destroy)(void *user);
  /* Future versions append optional callbacks here; never reorder or retype. */
} snn_neuron_ops;

/** Initialiser for ::snn_neuron_ops. */
#define SNN_NEURON_OPS_INIT { sizeof(snn_neuron_ops), NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL }

/**
 * Creates a model of a user-defined kind from @p ops.
 * @param[out] out New model; caller owns it.
 * @param ops copied (see ::snn_neuron_ops).
 * @param user passed to every callback; never dereferenced by libsnn. If
 *        ops->destroy is set it is called with @p user when the last copy of
 *        the model is freed, and when this call fails with SNN_E_NOMEM (the
 *        only failure after validation); on any other failure it is not called.
 * @return SNN_OK, SNN_E_INVALID (NULL, missing init/step, bad parameter table),
 *         SNN_E_VERSION (struct_size too small, or larger with a non-zero
 *         unknown tail), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_neuron_model_create_custom(snn_neuron_model **out, const snn_neuron_ops *ops,
                                           void *user);

/* ======================================================================== */
/** @defgroup population Neuron populations (simulation without learning)   */
/* ======================================================================== */

/** n neurons of one model, with their state; advanced step by step. */
typedef struct snn_population snn_population;

/**
 * @param[out] out New population; caller owns it (snn_population_free()).
 * @param model copied; the caller keeps ownership.
 * @param n number of neurons (>= 1).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOMEM, or a custom model's init status.
 * @since 0.1
 */
SNN_API int snn_population_create(snn_population **out, const snn_neuron_model *model, size_t n);

/** Frees @p p; NULL does nothing. @since 0.1 */
SNN_API void snn_population_free(snn_population *p);

/** @return number of neurons (0 for NULL). @since 0.1 */
SNN_API size_t snn_population_size(const snn_population *p);

/**
 * Returns every neuron to its initial state (as after create).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_population_reset(snn_population *p);

/**
 * Advances every neuron by @p dt ms with input current i_in[i] (pA, constant
 * over the step). Integration schemes, refractoriness and accuracy per kind
 * are in docs/neuron-models.md (izhikevich/adex sub-step by "h_max").
 * @param[out] spikes n bytes, set to 1 where a neuron spiked in this step, else 0; may be NULL.
 * @param i_in n currents; NULL means zero input.
 * @param n must equal snn_population_size().
 * @return SNN_OK, SNN_E_INVALID (NULL p, n mismatch, dt <= 0 or not finite),
 *         SNN_E_NUMERIC (state became NaN/Inf), or a custom model's status.
 * @since 0.1
 */
SNN_API int snn_population_step(snn_population *p, uint8_t *spikes, const float *i_in, size_t n,
                                double dt);

/**
 * Copies state variable @p var ("V", "u", "w", ...) out.
 * @param[out] dst n floats.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND (unknown variable).
 * @since 0.1
 */
SNN_API int snn_population_state_get(float *dst, const snn_population *p, const char *var, size_t n);

/**
 * Overwrites state variable @p var with @p src (n floats, copied). Writing
 * "V" also clears the model's hidden numerical carries (not the refractory
 * time left); see docs/neuron-models.md.
 * @return SNN_OK, SNN_E_INVALID (also for NaN/Inf values), SNN_E_NOTFOUND
 *         (unknown variable; the message lists the valid ones).
 * @since 0.1
 */
SNN_API int snn_population_state_set(snn_population *p, const char *var, const float *src, size_t n);

/* ======================================================================== */
/** @defgroup encoder Encoders: real values to spikes or currents           */
/* ======================================================================== */

/**
 * An encoder turns a vector of real inputs (normally in [0, 1]) into a
 * T-step input for a network. Kinds (parameters in docs/encoders.md):
 * - "rate": Bernoulli spike per step with probability x * max_rate * dt / 1000
 *   (x clamped to [0, 1], probability capped at 1; the defaults max_rate =
 *   1000 Hz and dt = 1 ms give p = x, snnTorch's rate coding).
 * - "latency": one spike per input, earlier for larger values ("map" = linear
 *   or log), none below "threshold".
 * - "direct": the value times "gain" as input current every step.
 * - "population": Gaussian receptive fields (Bohte et al. 2002), "m" neurons
 *   per input, output spike times.
 * - "delta": spike when the input changed by more than "threshold" since the
 *   last spike of that channel (the input is a time series; the reference
 *   starts at 0 and carries over between snn_encoder_encode() calls).
 * The encoder owns a seeded random generator (seed 0 by default).
 */
typedef struct snn_encoder snn_encoder;

/**
 * @param[out] out New encoder with default parameters; caller owns it.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND (unknown kind; message lists
 *         the valid kinds), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_encoder_create(snn_encoder **out, const char *kind);

/** Deep copy, including the random generator's state. @since 0.1 */
SNN_API int snn_encoder_clone(snn_encoder **out, const snn_encoder *e);

/** Frees @p e; NULL does nothing. @since 0.1 */
SNN_API void snn_encoder_free(snn_encoder *e);

/** @return Borrowed kind name, or NULL for NULL. @since 0.1 */
SNN_API const char *snn_encoder_kind(const snn_encoder *e);

/** Sets a numeric parameter. Codes as snn_neuron_model_set(). @since 0.1 */
SNN_API int snn_encoder_set(snn_encoder *e, const char *name, double value);

/**
 * Sets an enumerated parameter: "map" = "linear" | "log" (latency),
 * "off_spikes" = "off" | "on" (delta). Codes as snn_neuron_model_set_str().
 * @since 0.1
 */
SNN_API int snn_encoder_set_str(snn_encoder *e, const char *name, const char *value);

/** Reads a parameter. @since 0.1 */
SNN_API int snn_encoder_get(double *out, const snn_encoder *e, const char *name);

/** @return Number of parameters (0 for NULL). @since 0.1 */
SNN_API size_t snn_encoder_param_count(const snn_encoder *e);

/** Describes parameter @p i (see snn_neuron_model_param_info()). @since 0.1 */
SNN_API int snn_encoder_param_info(snn_param_info *out, const snn_encoder *e, size_t i);

/**
 * Re-seeds the encoder's random generator (and resets "delta" state).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_encoder_seed(snn_encoder *e, uint64_t seed);

/**
 * Number of output channels for @p n_in inputs (n_in, or n_in * m for "population").
 * @param[out] out the count.
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_encoder_output_size(size_t *out, const snn_encoder *e, size_t n_in);

/**
 * Encodes @p x into @p n_steps steps of output: out[t * n_chan + j] is 0/1 for
 * spiking kinds or a current for "direct"; n_chan = snn_encoder_output_size().
 * For "delta", @p x is a time series of n_steps rows of n_in values.
 * Step t covers [t*dt, (t+1)*dt) with the encoder's "dt" parameter; a
 * single-spike kind puts its spike in step floor(t_spike / dt) of the time
 * snn_encoder_spike_times() reports, and drops spikes after the window.
 * "rate" advances the encoder's generator.
 * @param[out] out n_out floats, n_out must equal n_steps * n_chan.
 * @return SNN_OK, SNN_E_INVALID (NULL, n_in or n_steps 0, size mismatch,
 *         NaN/Inf input), SNN_E_RANGE (inconsistent parameters: "population"
 *         with I_max <= I_min), SNN_E_NOMEM ("delta" allocates its per-channel
 *         reference on the first call and when n_in changes).
 * @since 0.1
 */
SNN_API int snn_encoder_encode(snn_encoder *e, float *out, size_t n_out, const float *x,
                               size_t n_in, size_t n_steps);

/**
 * For the single-spike kinds ("latency", "population"): the spike time in ms
 * of each output channel, or -1 where the channel does not fire.
 * @param[out] times n_out floats; n_out must equal snn_encoder_output_size().
 * @return SNN_OK, SNN_E_INVALID, SNN_E_UNSUPPORTED (other kinds), SNN_E_RANGE
 *         (inconsistent parameters, as snn_encoder_encode()).
 * @since 0.1
 */
SNN_API int snn_encoder_spike_times(const snn_encoder *e, float *times, size_t n_out,
                                    const float *x, size_t n_in);

/* ======================================================================== */
/** @defgroup dataset Datasets                                               */
/* ======================================================================== */

/** n samples of n_features floats each, with an integer label per sample. */
typedef struct snn_dataset snn_dataset;

/**
 * Creates a dataset from memory.
 * @param[out] out New dataset; caller owns it (snn_dataset_free()).
 * @param x n_samples * n_features floats (row-major), copied; must be finite.
 * @param labels n_samples labels (>= 0), copied; NULL for unlabelled data (-1).
 * @param n_samples,n_features both >= 1.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_dataset_create(snn_dataset **out, const float *x, const int32_t *labels,
                               size_t n_samples, size_t n_features);

/**
 * Loads an IDX image file and its IDX label file (MNIST, Fashion-MNIST
 * layout: unsigned bytes), scaling pixels to [0, 1]. Accepts gzip-less files
 * only. Every header field is checked against the file size. Images: type
 * byte 0x08 with 2 to 8 dimensions (MNIST: magic 0x00000803), features = the
 * product of all dimensions but the first; labels: magic 0x00000801 with as
 * many entries as images.
 * @param[out] out New dataset; caller owns it.
 * @param labels_path may be NULL (labels -1).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_IO (cannot open/read), SNN_E_FORMAT
 *         (wrong magic, truncated, sizes disagree, overflow), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_dataset_load_idx(snn_dataset **out, const char *images_path,
                                 const char *labels_path);

/**
 * Loads a numeric CSV file: every row has the same number of cells; the label
 * is the column @p label_column (negative counts from the end: -1 = last).
 * A first row that is not numeric is treated as a header when @p has_header
 * is 1; with 0 it is an error. Labels must be integers >= 0.
 * With has_header = 1 the first non-empty line is skipped whatever it holds
 * (a column-name row, or scikit-learn's "150,4,setosa,versicolor,virginica").
 * LF or CRLF line ends; empty lines are ignored; cells may be surrounded by
 * blanks or double quotes; numbers are parsed in the C locale and must be
 * finite. Format details in docs/datasets.md.
 * @param[out] out New dataset; caller owns it.
 * @param has_header 0 or 1.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_IO, SNN_E_FORMAT (non-numeric cell,
 *         ragged row, no data rows; the message names line and column),
 *         SNN_E_RANGE (label_column outside the file's columns), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_dataset_load_csv(snn_dataset **out, const char *path, int32_t label_column,
                                 int32_t has_header);

/** Frees @p d; NULL does nothing. @since 0.1 */
SNN_API void snn_dataset_free(snn_dataset *d);

/** @return number of samples (0 for NULL). @since 0.1 */
SNN_API size_t snn_dataset_size(const snn_dataset *d);

/** @return features per sample (0 for NULL). @since 0.1 */
SNN_API size_t snn_dataset_n_features(const snn_dataset *d);

/** @return number of classes = largest label + 1 (0 when unlabelled or NULL). @since 0.1 */
SNN_API size_t snn_dataset_n_classes(const snn_dataset *d);

/**
 * Copies samples [first, first + count) out.
 * @param[out] x count * n_features floats, or NULL.
 * @param[out] labels count labels, or NULL.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE (past the end).
 * @since 0.1
 */
SNN_API int snn_dataset_get(float *x, int32_t *labels, const snn_dataset *d, size_t first,
                            size_t count);

/**
 * Min-max scales every feature to [0, 1] using the ranges of @p ref (which may
 * be @p d itself; use the training set for the test set). Constant features
 * become 0; values outside the range of @p ref are clamped to [0, 1].
 * @return SNN_OK, SNN_E_INVALID (NULL or feature counts differ).
 * @since 0.1
 */
SNN_API int snn_dataset_normalize(snn_dataset *d, const snn_dataset *ref);

/**
 * Reads out the per-feature ranges that snn_dataset_normalize() would use
 * with @p d as the reference: the minimum and maximum of every feature over
 * all samples of @p d. Save the training set's ranges with your model and
 * apply them to new data later with snn_dataset_normalize_ranges(), without
 * keeping the training set around. @p d is not changed.
 * @param[out] min n_features floats owned by the caller, or NULL when not wanted.
 * @param[out] max n_features floats owned by the caller, or NULL when not wanted
 *             (at most one of @p min and @p max may be NULL).
 * @param n_features length of @p min and @p max; must equal
 *        snn_dataset_n_features(@p d).
 * @param d the dataset to measure (typically the training set).
 * @return SNN_OK, SNN_E_INVALID (@p d NULL, both @p min and @p max NULL, or
 *         @p n_features differs from the dataset's feature count).
 * @since 0.1
 */
SNN_API int snn_dataset_feature_ranges(float *min, float *max, size_t n_features,
                                       const snn_dataset *d);

/**
 * Min-max scales every feature of @p d with given ranges: exactly the
 * transform of snn_dataset_normalize(), x' = (x - min[j]) / (max[j] - min[j])
 * computed in double and clamped to [0, 1], a constant feature
 * (max[j] == min[j]) becoming 0. With the ranges from
 * snn_dataset_feature_ranges(ref) the result is bitwise identical to
 * snn_dataset_normalize(d, ref). Everything is validated before anything is
 * written: on error @p d is unchanged.
 * @param d the dataset to scale in place.
 * @param min,max n_features floats each, read only (the caller keeps ownership);
 *        finite, with max[j] >= min[j].
 * @param n_features must equal snn_dataset_n_features(@p d).
 * @return SNN_OK, SNN_E_INVALID (NULL argument, @p n_features differs from the
 *         dataset's feature count, NaN or infinite min[j] or max[j]),
 *         SNN_E_RANGE (max[j] < min[j]).
 * @since 0.1
 */
SNN_API int snn_dataset_normalize_ranges(snn_dataset *d, const float *min, const float *max,
                                         size_t n_features);

/**
 * Splits @p d into a shuffled (seeded) training and test part: the test part
 * gets round(test_fraction * n) samples, at least 1 and at most n - 1; both
 * keep the class count of @p d.
 * @param[out] train,test New datasets; the caller owns both.
 * @param test_fraction in (0, 1); SNN_E_RANGE also when @p d has fewer than 2 samples.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_dataset_split(snn_dataset **train, snn_dataset **test, const snn_dataset *d,
                              double test_fraction, uint64_t seed);

/* ======================================================================== */
/** @defgroup layer Layers                                                   */
/* ======================================================================== */

/**
 * A layer: a connection from the previous layer's output (dense, conv2d,
 * pool2d) plus a population of one neuron model driven by it. Shapes are
 * (channels, height, width); a dense layer sees its input flattened.
 * Weights are float32, row-major:
 * - dense: n_out x n_in (W[o][i]); optional bias n_out; optional recurrent
 *   n_out x n_out (R[o][j]: from neuron j's spike at t-1 to neuron o at t).
 * - conv2d: out_c x in_c x kernel_h x kernel_w; optional bias out_c.
 * - pool2d: no weights.
 */
typedef struct snn_layer snn_layer;

/** Pooling kinds for snn_layer_create_pool2d(). */
typedef enum snn_pool_kind {
  SNN_POOL_MAX = 1, /**< maximum over the window */
  SNN_POOL_AVG = 2, /**< mean over the window */
  SNN_POOL_SUM = 3  /**< sum over the window */
} snn_pool_kind;

/**
 * Dense (fully connected) layer.
 * @param[out] out New layer; caller owns it until snn_network_add_layer() succeeds.
 * @param model neuron model of the layer's neurons, copied.
 * @return SNN_OK, SNN_E_INVALID (NULL, zero sizes), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_layer_create_dense(snn_layer **out, size_t n_in, size_t n_out,
                                   const snn_neuron_model *model);

/**
 * 2-D convolution layer (cross-correlation, as in PyTorch) on an input of
 * shape in_c x in_h x in_w; output out_c x out_h x out_w with
 * out_h = (in_h + 2*padding - kernel_h) / stride + 1 (likewise out_w).
 * @param model copied.
 * @return SNN_OK, SNN_E_INVALID (NULL, zero sizes, kernel larger than padded input), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_layer_create_conv2d(snn_layer **out, size_t in_c, size_t in_h, size_t in_w,
                                    size_t out_c, size_t kernel_h, size_t kernel_w, size_t stride,
                                    size_t padding, const snn_neuron_model *model);

/**
 * 2-D pooling layer on c x h x w with a size x size window and the given stride.
 * @param kind one of ::snn_pool_kind.
 * @param model copied; NULL makes the layer pass the pooled values on unchanged
 *        (no neurons), which is the usual choice after a spiking conv layer.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_layer_create_pool2d(snn_layer **out, size_t c, size_t h, size_t w, int32_t kind,
                                    size_t size, size_t stride, const snn_neuron_model *model);

/**
 * Frees a layer that is not owned by a network; NULL does nothing, and so does a
 * layer owned by a network (it is freed with the network).
 * @since 0.1
 */
SNN_API void snn_layer_free(snn_layer *l);

/** @return Static kind name ("dense", "conv2d", "pool2d"), or NULL for NULL. @since 0.1 */
SNN_API const char *snn_layer_kind(const snn_layer *l);

/** @return Number of inputs (flattened), 0 for NULL. @since 0.1 */
SNN_API size_t snn_layer_n_inputs(const snn_layer *l);

/** @return Number of outputs (neurons), 0 for NULL. @since 0.1 */
SNN_API size_t snn_layer_n_outputs(const snn_layer *l);

/**
 * Output shape.
 * @param[out] c,h,w shape (any may be NULL).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_layer_output_shape(size_t *c, size_t *h, size_t *w, const snn_layer *l);

/**
 * Input shape (dense: 1 x 1 x n_in).
 * @param[out] c,h,w shape (any may be NULL).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_layer_input_shape(size_t *c, size_t *h, size_t *w, const snn_layer *l);

/**
 * Window of a conv2d or pool2d layer (pool2d: kernel_h = kernel_w = its size).
 * @param[out] kernel_h,kernel_w,stride,padding (any may be NULL; padding is zero padding
 *             on every side, 0 for pools except NIR-imported padded ones).
 * @return SNN_OK, SNN_E_INVALID (NULL layer), SNN_E_UNSUPPORTED (a dense layer has no
 *         window).
 * @since 0.1
 */
SNN_API int snn_layer_window(size_t *kernel_h, size_t *kernel_w, size_t *stride,
                             size_t *padding, const snn_layer *l);

/**
 * @return The pooling of a pool2d layer (::snn_pool_kind: SNN_POOL_MAX, _AVG, _SUM);
 *         SNN_E_INVALID (NULL), SNN_E_UNSUPPORTED (not a pool2d layer).
 * @since 0.1
 */
SNN_API int snn_layer_pool_kind(const snn_layer *l);

/**
 * @return 1 when the layer adds a bias (snn_layer_set_bias()), 0 when not (always 0 for
 *         pool2d); SNN_E_INVALID for NULL.
 * @since 0.1
 */
SNN_API int snn_layer_has_bias(const snn_layer *l);

/**
 * @return 1 when the layer has recurrent weights (snn_layer_set_recurrent()), 0 when not;
 *         SNN_E_INVALID for NULL.
 * @since 0.1
 */
SNN_API int snn_layer_is_recurrent(const snn_layer *l);

/**
 * Enables (1) or disables (0) a bias term (default: enabled for dense and conv2d).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_UNSUPPORTED (pool2d).
 * @since 0.1
 */
SNN_API int snn_layer_set_bias(snn_layer *l, int32_t enabled);

/**
 * Enables (1) or disables (0) recurrent weights (dense only; default off).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_UNSUPPORTED.
 * @since 0.1
 */
SNN_API int snn_layer_set_recurrent(snn_layer *l, int32_t enabled);

/** @return Borrowed neuron model of the layer (NULL for a neuron-less pool). @since 0.1 */
SNN_API const snn_neuron_model *snn_layer_model(const snn_layer *l);

/** Parameter arrays of a layer, for snn_layer_param_size/get/set. */
typedef enum snn_layer_param {
  SNN_PARAM_WEIGHTS = 1,  /**< feed-forward weights */
  SNN_PARAM_BIAS = 2,     /**< bias (n_out for dense, out_c for conv2d) */
  SNN_PARAM_RECURRENT = 3 /**< recurrent weights (dense) */
} snn_layer_param;

/**
 * @return Number of floats in parameter array @p which (0 when the layer has none).
 * @since 0.1
 */
SNN_API size_t snn_layer_param_size(const snn_layer *l, int32_t which);

/**
 * Copies a parameter array out.
 * @param[out] dst n floats; n must equal snn_layer_param_size().
 * @return SNN_OK, SNN_E_INVALID (NULL, size mismatch), SNN_E_NOTFOUND (no such array).
 * @since 0.1
 */
SNN_API int snn_layer_param_get(float *dst, const snn_layer *l, int32_t which, size_t n);

/**
 * Overwrites a parameter array (copied). Values must be finite.
 * @return SNN_OK, SNN_E_INVALID (NULL, size mismatch, NaN/Inf), SNN_E_NOTFOUND.
 * @since 0.1
 */
SNN_API int snn_layer_param_set(snn_layer *l, int32_t which, const float *src, size_t n);

/**
 * Sets per-input delays, in simulation steps: at step t the layer reads input k as it
 * was at step t - steps[k] (0 before the first step). NIR `Delay` nodes import as
 * such delays (docs/nir.md). snn_network_run_sequence(), snn_network_predict() and
 * snn_network_evaluate() honour them; snn_network_save() keeps them; the BPTT learner
 * trains through them (the input gradient is shifted back by the same steps); the STDP
 * learner refuses a network with delays (SNN_E_UNSUPPORTED).
 * Only before the layer is added to a network; for a layer in a network use
 * snn_network_set_input_delays().
 * @param steps n values in [0, 1000000]; all zero, or @p steps NULL with @p n 0, removes
 *              the delays.
 * @param n     the layer's number of inputs (snn_layer_n_inputs()).
 * @return SNN_OK, SNN_E_INVALID (NULL, n mismatch, value out of range, layer already in a
 *         network), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_layer_set_input_delays(snn_layer *l, const int32_t *steps, size_t n);

/**
 * Copies the per-input delays out (all zero for a layer without delays).
 * @param[out] dst n int32 values; n must equal snn_layer_n_inputs().
 * @return the largest delay (>= 0) on success; SNN_E_INVALID (NULL, n mismatch).
 * @since 0.1
 */
SNN_API int snn_layer_input_delays(int32_t *dst, size_t n, const snn_layer *l);

/* ======================================================================== */
/** @defgroup network Networks                                               */
/* ======================================================================== */

/** A feed-forward stack of layers, an input encoder and run settings. */
typedef struct snn_network snn_network;

/**
 * @param[out] out New empty network for inputs of shape in_c x in_h x in_w
 *        (use 1 x 1 x n for plain vectors); caller owns it (snn_network_free()).
 *        Defaults: encoder "direct", steps 25, dt 1 ms, readout "count".
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_create(snn_network **out, size_t in_c, size_t in_h, size_t in_w);

/** Frees @p net and the layers it owns; NULL does nothing. @since 0.1 */
SNN_API void snn_network_free(snn_network *net);

/** Deep copy (layers, weights, encoder, settings). @since 0.1 */
SNN_API int snn_network_clone(snn_network **out, const snn_network *net);

/**
 * Appends @p layer. Its input size must equal the previous layer's output
 * size (the network input for the first layer).
 * Ownership: on success the network owns @p layer (the caller's pointer is
 * then borrowed and must not be freed); on failure the caller still owns it.
 * @return SNN_OK, SNN_E_INVALID (NULL, shape mismatch; the message gives both shapes),
 *         SNN_E_STATE (layer already in a network), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_add_layer(snn_network *net, snn_layer *layer);

/** @return Number of layers (0 for NULL). @since 0.1 */
SNN_API size_t snn_network_n_layers(const snn_network *net);

/** @return Borrowed layer @p i (valid while @p net lives), or NULL. @since 0.1 */
SNN_API snn_layer *snn_network_layer(snn_network *net, size_t i);

/** @return Number of network inputs (in_c * in_h * in_w), 0 for NULL. @since 0.1 */
SNN_API size_t snn_network_n_inputs(const snn_network *net);

/**
 * Input shape, as given to snn_network_create().
 * @param[out] c,h,w shape (any may be NULL).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_network_input_shape(size_t *c, size_t *h, size_t *w, const snn_network *net);

/**
 * Sets (or, with @p steps NULL and @p n 0, removes) the input delays of layer @p layer of
 * the network, as snn_layer_set_input_delays() does before a layer joins one. The
 * network's cached workspaces are rebuilt on their next use and a BPTT learner on it
 * follows the new delays; an STDP learner on it refuses to run (SNN_E_STATE) while its
 * first layer has delays. On error nothing changes.
 * @return SNN_OK, SNN_E_INVALID (NULL, n mismatch, value outside [0, 1000000]),
 *         SNN_E_RANGE (no such layer), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_set_input_delays(snn_network *net, size_t layer, const int32_t *steps,
                                         size_t n);

/** @return Number of outputs of the last layer, 0 when empty or NULL. @since 0.1 */
SNN_API size_t snn_network_n_outputs(const snn_network *net);

/**
 * Sets the input encoder (copied; the caller keeps ownership). Its output size
 * for the network's inputs must equal the first layer's input size.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_UNSUPPORTED (an encoder kind the network
 *         cannot drive: "delta", which encodes time series, and "population",
 *         whose n_in * m channels no first layer can take), SNN_E_NOMEM. On
 *         failure the network keeps its encoder.
 * @since 0.1
 */
SNN_API int snn_network_set_encoder(snn_network *net, const snn_encoder *enc);

/**
 * @return Borrowed input encoder of the network ("direct" unless one was set or loaded),
 *         valid until the next snn_network_set_encoder() or snn_network_free(); read it
 *         with snn_encoder_kind() / snn_encoder_get(), or snn_encoder_clone() it to change
 *         it. NULL for NULL.
 * @since 0.1
 */
SNN_API const snn_encoder *snn_network_encoder(const snn_network *net);

/**
 * Sets a run setting: "steps" (T, >= 1), "dt" (ms, > 0), "seed" (>= 0,
 * integer; seeds encoders and initialisation).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND, SNN_E_RANGE.
 * @since 0.1
 */
SNN_API int snn_network_set(snn_network *net, const char *name, double value);

/**
 * Sets an enumerated setting: "readout" = "count" (output spike counts) |
 * "membrane" (output membrane summed over steps) | "membrane_max".
 * The membrane of a spiking output layer is read before the step's reset for
 * "lif" and "if" without a refractory period (snnTorch's convention), after it
 * for every other model (their step includes the reset), as
 * snn_network_run_sequence() reports it for all; docs/training.md, section 1.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOTFOUND.
 * @since 0.1
 */
SNN_API int snn_network_set_str(snn_network *net, const char *name, const char *value);

/** Reads a setting (as snn_network_set()). @since 0.1 */
SNN_API int snn_network_get(double *out, const snn_network *net, const char *name);

/**
 * Initialises every layer's weights from the seeded generator: uniform in
 * [-1/sqrt(fan_in), 1/sqrt(fan_in)] for weights and biases (PyTorch's default).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_network_init_weights(snn_network *net, uint64_t seed);

/**
 * Runs @p n samples through the network for "steps" steps each and writes
 * the readout (scores) and the predicted class (argmax, lowest index on ties).
 * Buffers are allocated once per call and reused across samples (chunks of
 * 256). Encoder noise depends only on the network seed and the sample's
 * position in @p x, so equal inputs give equal results on every call.
 * @param[out] labels n predicted classes, or NULL.
 * @param[out] scores n * n_outputs readout values, or NULL.
 * @param x n * n_inputs values, copied.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_STATE (no layers), SNN_E_NOMEM, SNN_E_NUMERIC.
 * @since 0.1
 */
SNN_API int snn_network_predict(snn_network *net, int32_t *labels, float *scores, const float *x,
                                size_t n, size_t n_inputs);

/**
 * Classification accuracy (fraction in [0, 1]) of the network on @p data.
 * @return SNN_OK, SNN_E_INVALID (feature count mismatch, unlabelled data, more
 *         classes than the network has outputs), ...
 * @since 0.1
 */
SNN_API int snn_network_evaluate(double *accuracy, snn_network *net, const snn_dataset *data);

/**
 * Activity of layer @p i measured by the last snn_network_predict() or
 * snn_network_evaluate() call: mean spikes per sample emitted by the layer and
 * mean synaptic operations per sample into it (for spiking inputs: spikes x
 * fan-out; for currents: one per multiply-accumulate).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE, SNN_E_STATE (nothing run yet).
 * @since 0.1
 */
SNN_API int snn_network_activity(double *spikes_per_sample, double *synops_per_sample,
                                 const snn_network *net, size_t i);

/* ======================================================================== */
/** @defgroup files Model files                                              */
/* ======================================================================== */

/**
 * Saves everything needed to reproduce the network's predictions (layers,
 * shapes, neuron models by kind name with all parameters, weights, encoder,
 * settings) to @p path, atomically: the data goes to a temporary file in the
 * same directory, which is flushed to disk and renamed over @p path; the
 * directory is then synced. A failed save leaves any previous file at @p path
 * untouched. When @p path is a symbolic link, the file it names is replaced
 * (the temporary file goes in that file's directory) and the link is kept.
 * A path that names a directory, FIFO, device or socket is refused, not
 * replaced. Format: docs/file-format.md.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NUMERIC (a weight, bias or recurrent
 *         weight is NaN or infinite: such a file could not be loaded, so
 *         nothing is written; the message names layer, array and index),
 *         SNN_E_IO (message names the path and the OS error), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_save(const snn_network *net, const char *path);

/**
 * Loads a network saved by snn_network_save(). Nothing in the file is trusted:
 * sizes are bounds- and overflow-checked before allocation, every section's
 * CRC-32 is verified, weights must be finite.
 * A file naming a neuron kind this library does not know (e.g. a custom kind)
 * fails with SNN_E_NOTFOUND naming the kind; snn_network_load_ex() loads it
 * when given a model of that kind. A learner file (snn_learner_save()) loads
 * as its network, the learner's section being skipped.
 * @param[out] out New network; caller owns it.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_IO, SNN_E_FORMAT (bad magic, CRC,
 *         truncation, inconsistent shapes, NaN; the message names the section
 *         and byte offset), SNN_E_VERSION (file from a newer format version),
 *         SNN_E_NOTFOUND, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_load(snn_network **out, const char *path);

/**
 * Serialises @p net into a caller buffer (same bytes as snn_network_save()).
 * Call with buf = NULL (or cap too small) to learn the size.
 * @param[out] size bytes needed (always set on SNN_OK and SNN_E_RANGE).
 * @param buf destination or NULL; @p cap its capacity.
 * @return SNN_OK (written), SNN_E_RANGE (buf NULL or cap < *size; nothing
 *         written), SNN_E_INVALID, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_save_mem(size_t *size, const snn_network *net, void *buf, size_t cap);

/**
 * Loads a network from @p size bytes at @p buf (copied as needed; the buffer
 * is not kept). Checks as snn_network_load().
 * @since 0.1
 */
SNN_API int snn_network_load_mem(snn_network **out, const void *buf, size_t size);

/* ======================================================================== */
/** @defgroup learner Learning rules                                         */
/* ======================================================================== */

/** A learning rule bound to a network. */
typedef struct snn_learner snn_learner;

/** Progress report passed to ::snn_progress_fn (sized; read only covered fields). */
typedef struct snn_progress {
  size_t struct_size; /**< sizeof(snn_progress) of the library */
  uint32_t epoch;     /**< 0-based epoch */
  uint32_t n_epochs;  /**< epochs requested in this call (0 if unknown) */
  uint64_t batch;     /**< 0-based batch within the epoch */
  uint64_t n_batches; /**< batches per epoch */
  double loss;        /**< mean loss of this batch */
  double accuracy;    /**< training accuracy of this batch, in [0, 1] */
  double seconds;     /**< wall time since the start of the call */
} snn_progress;

/**
 * Progress callback: return 0 to continue, non-zero to stop (the training call
 * then returns SNN_E_CANCELED after leaving the network in a consistent state).
 * @param user passed through; never dereferenced by libsnn.
 */
typedef int (*snn_progress_fn)(const snn_progress *p, void *user);

/** Optimisers. */
typedef enum snn_optimizer {
  SNN_OPTIMIZER_ADAM = 1, /**< Adam (default) */
  SNN_OPTIMIZER_SGD = 2   /**< SGD with momentum */
} snn_optimizer;

/** Losses. */
typedef enum snn_loss {
  SNN_LOSS_CE_COUNT = 1,     /**< cross-entropy on output spike counts (default) */
  SNN_LOSS_CE_MEM_SUM = 2,   /**< cross-entropy on output membrane summed over steps */
  SNN_LOSS_CE_MEM_MAX = 3,   /**< cross-entropy on output membrane max over steps */
  SNN_LOSS_MSE_COUNT = 4,    /**< mean squared error of counts vs target counts */
  SNN_LOSS_CE_MEM_STEPS = 5  /**< sum over steps of cross-entropy on the membrane (snnTorch) */
} snn_loss;

/** Surrogate derivatives of the spike function, x = V - threshold. */
typedef enum snn_surrogate {
  SNN_SURROGATE_FAST_SIGMOID = 1, /**< 1/(1+slope|x|)^2 (default, slope 25) */
  SNN_SURROGATE_ATAN = 2,         /**< 1/(1+(pi/2 slope x)^2) */
  SNN_SURROGATE_TRIANGLE = 3      /**< max(0, 1 - slope|x|) */
} snn_surrogate;

/** Learning-rate schedules. */
typedef enum snn_schedule {
  SNN_SCHEDULE_CONSTANT = 1, /**< default */
  SNN_SCHEDULE_STEP = 2,     /**< lr *= gamma every step_epochs */
  SNN_SCHEDULE_COSINE = 3,   /**< cosine from lr to 0 over total_epochs */
  SNN_SCHEDULE_EXP = 4       /**< lr *= gamma every epoch */
} snn_schedule;

/**
 * Options of the "bptt" learner. Sized struct: zero in any field means the
 * library default; fill with SNN_BPTT_OPTIONS_INIT or snn_bptt_options_init().
 */
typedef struct snn_bptt_options {
  size_t struct_size;     /**< sizeof(snn_bptt_options) */
  double learning_rate;   /**< default 1e-3 */
  uint32_t batch_size;    /**< default 128 */
  int32_t optimizer;      /**< ::snn_optimizer, default Adam */
  int32_t loss;           /**< ::snn_loss, default SNN_LOSS_CE_COUNT */
  int32_t surrogate;      /**< ::snn_surrogate, default fast sigmoid */
  double surrogate_slope; /**< default 25 */
  double momentum;        /**< SGD momentum, default 0.9 */
  double beta1;           /**< Adam beta1, default 0.9 */
  double beta2;           /**< Adam beta2, default 0.999 */
  double epsilon;         /**< Adam epsilon, default 1e-8 */
  double weight_decay;    /**< L2 decay (decoupled for Adam), default 0 */
  int32_t schedule;       /**< ::snn_schedule, default constant */
  double gamma;           /**< decay factor for step/exp schedules, default 0.1 (step) / 0.9 (exp) */
  uint32_t step_epochs;   /**< period of the step schedule, default 10 */
  uint32_t total_epochs;  /**< horizon of the cosine schedule, default 10 */
  double grad_clip;       /**< clip the global gradient norm to this value; default: no clipping */
  uint64_t seed;          /**< shuffling and encoder noise; default 0 is a valid seed */
  double target_rate;     /**< MSE loss: target count of the correct class per step, default 0.8 (others 0.0) */
} snn_bptt_options;

/** Initialiser for ::snn_bptt_options (all defaults). */
#define SNN_BPTT_OPTIONS_INIT { sizeof(snn_bptt_options), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Fills @p o with defaults (zeros) and sets o->struct_size.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_bptt_options_init(snn_bptt_options *o, size_t struct_size);

/**
 * Creates a surrogate-gradient BPTT learner for @p net.
 * Memory: the training workspace holds, for batch B and T steps, about
 * 5*T*B*(sum of layer outputs) floats (outputs, surrogate derivatives, their
 * gradients, currents and their gradients; a layer with constant input keeps
 * its currents once, not T times), T*B*n_in floats of encoded input and
 * T*B*n_in int32 spike indices per dense layer with spiking input; e.g.
 * 784-1000-10, T=25, B=128: ~85 MB. Dense layers of 64 or more outputs
 * with spiking input (T > 1) add the sparse kernels' buffers: a packed copy
 * of the weights, the per-step change lists ((T+1)*B*n_in int32) and, for
 * training, row indices (T*B*n_in int32 per layer, plus one set as large as
 * the largest layer's, shared).
 * It is allocated once and reused. Models other
 * than lif/if without refractoriness (or with t_ref <= dt/2) use the generic
 * per-model path and also keep (T+1)*n_state*B*n_out state floats.
 * lif/if layers use fused kernels; the reset is detached from the graph
 * (as in snnTorch); a spike is emitted when V >= V_th.
 * @param net borrowed: must outlive the learner; its layers must not change
 *        while the learner exists (layers added, bias or recurrence switched:
 *        the training and gradient calls detect it and return SNN_E_STATE).
 * @param opts copied; NULL means all defaults.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_VERSION, SNN_E_RANGE (bad option value),
 *         SNN_E_UNSUPPORTED (a neuron model without gradient support; the
 *         message names the layer and model), SNN_E_STATE (empty network), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_create_bptt(snn_learner **out, snn_network *net,
                                    const snn_bptt_options *opts);

/** Frees @p l (not the network); NULL does nothing. @since 0.1 */
SNN_API void snn_learner_free(snn_learner *l);

/** @return Static rule name ("bptt", ...), or NULL for NULL. @since 0.1 */
SNN_API const char *snn_learner_kind(const snn_learner *l);

/**
 * Trains for one epoch over @p data (shuffled with the learner's seed and the
 * epoch number), calling @p cb after every batch (may be NULL).
 * @param[out] mean_loss mean batch loss over the epoch, or NULL.
 * The progress callback may change the network's settings (steps, dt,
 * encoder, input delays) between batches; the next batch uses them.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_CANCELED, SNN_E_NUMERIC (loss or
 *         gradient became NaN/Inf: the weights of the last good step are kept;
 *         or the update itself overflowed, with a learning rate or weight
 *         decay too large for the data: the step was applied and the weights
 *         it made NaN/Inf are unusable, so re-initialise or reload them),
 *         SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_train_epoch(snn_learner *l, double *mean_loss, const snn_dataset *data,
                                    snn_progress_fn cb, void *user);

/**
 * One optimisation step on a batch of @p n samples given in memory.
 * @param[out] loss mean loss of the batch, or NULL.
 * @return as snn_learner_train_epoch().
 * @since 0.1
 */
SNN_API int snn_learner_train_batch(snn_learner *l, double *loss, const float *x,
                                    const int32_t *labels, size_t n, size_t n_inputs);

/**
 * Gradients of the mean loss over a batch with respect to every parameter,
 * without updating anything (for testing and custom optimisers). Layout: for
 * each layer in order, weights then bias then recurrent (each as in
 * snn_layer_param_get()).
 * @param[out] grad n_grad floats; n_grad must equal snn_learner_n_params().
 * @return as snn_learner_train_batch().
 * @since 0.1
 */
SNN_API int snn_learner_gradient(snn_learner *l, float *grad, size_t n_grad, double *loss,
                                 const float *x, const int32_t *labels, size_t n, size_t n_inputs);

/** @return Total number of trainable floats (0 for NULL). @since 0.1 */
SNN_API size_t snn_learner_n_params(const snn_learner *l);

/**
 * Sets the learning rate used from the next step on (schedules scale it).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE.
 * @since 0.1
 */
SNN_API int snn_learner_set_learning_rate(snn_learner *l, double lr);

/**
 * Epoch counter used by the schedule (advanced by snn_learner_train_epoch()).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_learner_set_epoch(snn_learner *l, uint32_t epoch);


/* SECTION stdp (owned by src/learn/stdp.c) */
/* ======================================================================== */
/** @defgroup stdp Unsupervised STDP learning (Diehl & Cook 2015)           */
/* ======================================================================== */

/**
 * The "stdp" learner simulates, event-driven, the network of Diehl & Cook
 * (2015) on top of a network whose first layer is dense (n_in inputs ->
 * N excitatory neurons): Poisson inputs, excitatory conductance-based LIF
 * neurons with an adaptive threshold theta, and lateral inhibition. The
 * plastic input weights are the first layer's weights (so snn_layer_param_get()
 * and snn_network_save() see them); the layer's bias, neuron model and any
 * further layers are not used by this learner. Equations, parameters and
 * measured results: docs/stdp.md.
 */

/** Built-in plasticity rules (::snn_stdp_options.rule). */
typedef enum snn_stdp_rule {
  SNN_STDP_TRIPLET = 1,            /**< triplet rule of Diehl & Cook's released code (default) */
  SNN_STDP_PAIR_ADDITIVE = 2,      /**< pair-based additive STDP, hard bounds [w_min, w_max] */
  SNN_STDP_PAIR_MULTIPLICATIVE = 3,/**< pair-based soft-bound (weight-dependent) STDP */
  SNN_STDP_PRE_TRACE = 4           /**< Diehl & Cook's presynaptic-trace rule with offset x_tar */
} snn_stdp_rule;

/** Lateral inhibition (::snn_stdp_options.inhibition). */
typedef enum snn_stdp_inhibition {
  SNN_STDP_INHIB_POPULATION = 1, /**< one-to-one inhibitory neurons (paper; default) */
  SNN_STDP_INHIB_DIRECT = 2      /**< each excitatory spike inhibits the others directly */
} snn_stdp_inhibition;

/** Synapse model (::snn_stdp_options.synapse). */
typedef enum snn_stdp_synapse {
  SNN_STDP_CONDUCTANCE = 1, /**< conductance-based, as in the paper (default) */
  SNN_STDP_CURRENT = 2      /**< current-based: driving force frozen at v_rest */
} snn_stdp_synapse;

/** Membrane integration (::snn_stdp_options.integrator). */
typedef enum snn_stdp_integrator {
  SNN_STDP_EULER = 1,    /**< forward Euler, as Brian ran the paper's model; unstable when
                              dt/tau_m * (1 + ge + gi) > 2 (many coincident inhibitory spikes) */
  SNN_STDP_IMPLICIT = 2, /**< backward Euler: stable for any conductance */
  SNN_STDP_AUTO = 3      /**< (default) forward Euler per neuron and step while
                              dt/tau_m * (1 + ge + gi) <= 1 (no overshoot), backward Euler above */
} snn_stdp_integrator;

/** Flags of ::snn_stdp_options.flags. */
#define SNN_STDP_NO_NORMALIZE 0x1u /**< do not normalise incoming weights before each example */
#define SNN_STDP_NO_THETA 0x2u     /**< disable the adaptive threshold (theta stays constant) */
#define SNN_STDP_KEEP_WEIGHTS 0x4u /**< keep the layer's weights (default: uniform [0.003, 0.303)) */
/** No 50 ms lock-out after an excitatory spike, only the 5 ms refractory period: the
 *  behaviour of Diehl & Cook's released (Brian 1) code, whose `timer` condition holds one
 *  step after a spike; the default lock-out follows Brian 2 ports of it (docs/stdp.md). */
#define SNN_STDP_NO_LOCKOUT 0x8u

/**
 * Options of the "stdp" learner (and the simulation settings of a custom
 * learner). Sized struct: zero in any field means the default given in
 * brackets; fill with SNN_STDP_OPTIONS_INIT or snn_stdp_options_init().
 * Times in ms, rates in Hz, voltages in mV.
 */
typedef struct snn_stdp_options {
  size_t struct_size;     /**< sizeof(snn_stdp_options) */
  int32_t rule;           /**< ::snn_stdp_rule [SNN_STDP_TRIPLET] */
  double a_plus;          /**< potentiation rate (triplet: nu_post) [1e-2] */
  double a_minus;         /**< depression rate (triplet: nu_pre) [1e-4] */
  double tau_plus;        /**< presynaptic trace time constant [20] */
  double tau_minus;       /**< postsynaptic trace time constant [20] */
  double tau_triplet;     /**< slow postsynaptic trace of the triplet rule [40] */
  double w_min;           /**< lower weight bound [0] */
  double w_max;           /**< upper weight bound [1] */
  double x_tar;           /**< target trace of SNN_STDP_PRE_TRACE [0.4] */
  double mu;              /**< weight-dependence exponent of SNN_STDP_PRE_TRACE [0] */
  double norm_total;      /**< sum of each neuron's incoming weights [78 * n_in / 784] */
  double theta_plus;      /**< threshold increase per spike [0.05; 0.05*sqrt(n/400) below 400 neurons] */
  double tau_theta;       /**< threshold decay time constant [1e7] */
  double max_rate;        /**< input rate for a value of 1.0 [63.75] */
  double rate_increment;  /**< added to max_rate for each repeat [31.875] */
  uint32_t min_spikes;    /**< repeat an example below this many spikes [5] */
  uint32_t max_repeats;   /**< presentations per example at most [20] */
  double t_present;       /**< presentation time [350] */
  double t_rest;          /**< rest after each presentation, skipped analytically [150] */
  double dt;              /**< time step [0.5] */
  int32_t inhibition;     /**< ::snn_stdp_inhibition [SNN_STDP_INHIB_POPULATION] */
  int32_t synapse;        /**< ::snn_stdp_synapse [SNN_STDP_CONDUCTANCE] */
  double w_exc_inh;       /**< excitatory -> inhibitory weight [10.4] */
  double w_inh_exc;       /**< inhibitory -> excitatory weight [17.0] */
  uint32_t flags;         /**< SNN_STDP_* flags [0] */
  uint64_t seed;          /**< weight initialisation and Poisson inputs [0] */
  int32_t integrator;     /**< ::snn_stdp_integrator [SNN_STDP_AUTO] */
} snn_stdp_options;

/** Initialiser for ::snn_stdp_options (all defaults). */
#define SNN_STDP_OPTIONS_INIT { sizeof(snn_stdp_options), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
                                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Fills @p o with defaults (zeros) and sets o->struct_size.
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_stdp_options_init(snn_stdp_options *o, size_t struct_size);

/**
 * Creates an STDP learner for @p net (first layer dense).
 * Unless SNN_STDP_KEEP_WEIGHTS is set, the first layer's weights are
 * overwritten with uniform values in [0.003, 0.303) drawn from opts->seed.
 * @param[out] out New learner; caller owns it (snn_learner_free()).
 * @param net borrowed: must outlive the learner; its first layer must not be
 *        replaced while the learner exists.
 * @param opts copied; NULL means all defaults.
 * @return SNN_OK, SNN_E_INVALID (NULL, NaN option), SNN_E_VERSION,
 *         SNN_E_RANGE (option out of range; the message names it),
 *         SNN_E_STATE (empty network), SNN_E_UNSUPPORTED (first layer not dense, or
 *         with input delays; the learner's calls return SNN_E_STATE if delays are set
 *         on it later with snn_network_set_input_delays()), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_create_stdp(snn_learner **out, snn_network *net,
                                    const snn_stdp_options *opts);

/**
 * Callbacks of a user-defined local learning rule, run inside the STDP
 * learner's simulation (the built-in rules use the same mechanism). Sized,
 * append-only: set struct_size = sizeof(snn_learner_ops) (SNN_LEARNER_OPS_INIT
 * does it); the struct and the name are copied at creation.
 *
 * Weights are the plastic input weights in input-major layout: the weight
 * from input i to excitatory neuron j is w[i * n_out + j], so w_row in
 * on_pre is the contiguous row of n_out weights of input i and a column j is
 * strided by n_out. The library maintains three traces with exact
 * exponential decay: pre[n_in] (tau_pre), post1[n_out] (tau_post1) and
 * post2[n_out] (tau_post2); on a spike a trace is set to 1 (trace_add 0) or
 * increased by 1 (trace_add 1) AFTER the callback for that spike ran, so
 * callbacks see the values just before the spike. Within one step input
 * (pre) spikes are handled before excitatory (post) spikes; a pre spike first
 * adds its row to the conductances, then on_pre may change the row.
 * Callbacks run only while learning; they return SNN_OK or an error status,
 * which aborts the call and is passed on. Every callback is optional.
 */
typedef struct snn_learner_ops {
  size_t struct_size; /**< sizeof(snn_learner_ops) at compile time of the plug-in */
  const char *name;   /**< rule name returned by snn_learner_kind(); copied; NULL => "custom" */
  double tau_pre;     /**< ms, 0 => 20 */
  double tau_post1;   /**< ms, 0 => 20 */
  double tau_post2;   /**< ms, 0 => 40 */
  int32_t trace_add;  /**< 0: traces are set to 1 on a spike; 1: increased by 1 */
  /** Start of an example (after weight normalisation); label is -1 when unknown. */
  int (*begin_example)(void *user, float *w, size_t n_in, size_t n_out, int32_t label);
  /** Input i spiked at time t (ms since the start of the presentation). */
  int (*on_pre)(void *user, size_t i, float *w_row, size_t n_out, const float *post1,
                const float *post2, double t);
  /** Excitatory neuron j spiked; post1_j, post2_j are its traces before the spike. */
  int (*on_post)(void *user, size_t j, float *w, size_t n_in, size_t n_out, const float *pre,
                 float post1_j, float post2_j, double t);
  /** After every step: post_spikes[n_out] 0/1 of this step. */
  int (*on_step)(void *user, float *w, size_t n_in, size_t n_out, const uint8_t *post_spikes,
                 const float *pre, const float *post1, const float *post2, double t, double dt);
  /** End of an example: counts[n_out] spikes of the final presentation. */
  int (*end_example)(void *user, float *w, size_t n_in, size_t n_out, const uint32_t *counts,
                     int32_t label);
  /** Optional: called with @p user when the learner is freed (also when create fails with SNN_E_NOMEM). */
  void (*destroy)(void *user);
  /* Future versions append optional callbacks here; never reorder or retype. */
} snn_learner_ops;

/** Initialiser for ::snn_learner_ops. */
#define SNN_LEARNER_OPS_INIT { sizeof(snn_learner_ops), NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * Creates a learner that runs the STDP learner's simulation with a
 * user-defined rule instead of a built-in one.
 * @param[out] out New learner; caller owns it (snn_learner_free()).
 * @param net borrowed, as for snn_learner_create_stdp().
 * @param opts simulation settings (the rule fields are ignored); NULL = defaults.
 * @param ops copied (see ::snn_learner_ops).
 * @param user passed to every callback; never dereferenced by libsnn. If
 *        ops->destroy is set it is called with @p user when the learner is
 *        freed, and when this call fails with SNN_E_NOMEM (the only failure
 *        after validation); on any other failure it is not called and @p user
 *        stays the caller's.
 * @return as snn_learner_create_stdp(), SNN_E_VERSION also for ops->struct_size.
 * @since 0.1
 */
SNN_API int snn_learner_create_custom(snn_learner **out, snn_network *net,
                                      const snn_stdp_options *opts, const snn_learner_ops *ops,
                                      void *user);

/**
 * Trains on the first @p limit samples of @p data (0 = all) in order, one
 * example at a time with plasticity on, calling @p cb after every example
 * (p->batch = examples done, p->n_batches = examples in this call).
 * Every example is checked (finite, >= 0) before the first one trains, so a
 * bad example fails the call with nothing changed.
 * @return SNN_OK, SNN_E_INVALID (NULL, not an STDP learner, feature count
 *         differs from n_in, a negative or non-finite feature), SNN_E_CANCELED,
 *         SNN_E_NUMERIC, SNN_E_NOMEM, or a custom rule's status.
 * @since 0.1
 */
SNN_API int snn_learner_stdp_train(snn_learner *l, const snn_dataset *data, size_t limit,
                                   snn_progress_fn cb, void *user);

/**
 * Presents one example (with repeats below min_spikes) and returns the
 * excitatory spike counts of its final presentation. Each presentation lasts
 * t_present, also with @p learn 0 (labelling and classification use t_infer).
 * @param[out] counts n_out spike counts, or NULL.
 * @param x n_in values (normally in [0, 1]; finite, >= 0).
 * @param label class of the example or -1 (passed to custom rules).
 * @param learn 1: plasticity and theta on; 0: frozen (as for classification).
 * @return as snn_learner_stdp_train().
 * @since 0.1
 */
SNN_API int snn_learner_stdp_present(uint32_t *counts, snn_learner *l, size_t n_out,
                                     const float *x, size_t n_in, int32_t label, int32_t learn);

/**
 * Runs only the plasticity rule on given spike rasters (no neuron dynamics,
 * no normalisation): for each of @p n_steps steps, traces decay by one step,
 * then input spikes pre[t * n_in + i] and excitatory spikes post[t * n_out + j]
 * (0/1) are applied as in the simulation. Traces start at zero. For testing
 * rules against their closed form.
 * @return SNN_OK, SNN_E_INVALID (NULL, size mismatch), or a custom rule's status.
 * @since 0.1
 */
SNN_API int snn_learner_stdp_apply(snn_learner *l, const uint8_t *pre, size_t n_pre,
                                   const uint8_t *post, size_t n_post, size_t n_steps);

/**
 * Labels the excitatory neurons: presents the first @p limit samples of @p data
 * (0 = all) with plasticity off, each for t_infer (snn_learner_stdp_set_t_infer()), and
 * assigns each neuron the class with the highest mean spike count per example
 * of that class; neurons that never fired get -1.
 * @return SNN_OK, SNN_E_INVALID (also unlabelled data), SNN_E_RANGE (labels
 *         above 65535, the largest class a neuron can hold; nothing changed),
 *         SNN_E_CANCELED, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_stdp_label(snn_learner *l, const snn_dataset *data, size_t limit,
                                   snn_progress_fn cb, void *user);

/**
 * Classifies @p n samples with plasticity off: the class whose assigned
 * neurons fired most on average (lowest class on ties; -1 when no neuron is
 * assigned). Samples are independent (state reset before each), so results
 * do not depend on the order or the number of threads.
 * @param[out] labels n classes.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_STATE (no labels yet), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_stdp_classify(int32_t *labels, snn_learner *l, const float *x, size_t n,
                                      size_t n_inputs);

/**
 * Accuracy (in [0, 1]) of snn_learner_stdp_classify() on the first @p limit
 * samples of @p data (0 = all).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_STATE (no labels yet), SNN_E_CANCELED, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_stdp_evaluate(double *accuracy, snn_learner *l, const snn_dataset *data,
                                      size_t limit, snn_progress_fn cb, void *user);

/**
 * Copies the class of each excitatory neuron (-1 = unassigned) out or in.
 * @return SNN_OK, SNN_E_INVALID (NULL, n != n_out, class < -1).
 * @since 0.1
 */
SNN_API int snn_learner_stdp_assignments_get(int32_t *dst, const snn_learner *l, size_t n);
/** @copydoc snn_learner_stdp_assignments_get @since 0.1 */
SNN_API int snn_learner_stdp_assignments_set(snn_learner *l, const int32_t *src, size_t n);

/**
 * Copies the adaptive thresholds theta (mV, n_out values; threshold is
 * v_thresh + theta - 20 mV, theta starts at 20 mV as in the released code)
 * out or in. Save them with the network to reproduce a trained model.
 * @return SNN_OK, SNN_E_INVALID (NULL, n != n_out, NaN).
 * @since 0.1
 */
SNN_API int snn_learner_stdp_theta_get(float *dst, const snn_learner *l, size_t n);
/** @copydoc snn_learner_stdp_theta_get @since 0.1 */
SNN_API int snn_learner_stdp_theta_set(snn_learner *l, const float *src, size_t n);

/** Activity counters of an STDP learner (output struct, sized). */
typedef struct snn_stdp_stats {
  size_t struct_size;      /**< sizeof(snn_stdp_stats), set by the caller */
  uint64_t examples;       /**< examples presented (training and inference) */
  uint64_t presentations;  /**< presentations including repeats */
  uint64_t steps;          /**< simulated steps */
  uint64_t input_spikes;   /**< input (Poisson) spikes */
  uint64_t exc_spikes;     /**< excitatory spikes */
  uint64_t syn_events;     /**< synaptic events: input spikes x n_out + lateral events */
  double seconds;          /**< wall time spent in training and inference */
} snn_stdp_stats;

/**
 * Reads the activity counters.
 * @param[out] out caller-provided with struct_size set.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_VERSION.
 * @since 0.1
 */
SNN_API int snn_learner_stdp_stats(snn_stdp_stats *out, const snn_learner *l);


/* ======================================================================== */
/** @defgroup spnet Event-driven sparse networks (recurrent simulation)     */
/* ======================================================================== */
/*
 * A separate handle from ::snn_network: snn_network is a layered feed-forward
 * network with dense or convolutional weights, stepped in batches for
 * inference and BPTT. ::snn_spnet simulates populations of neurons connected
 * by sparse random projections (also recurrent ones) with synaptic delays,
 * driven by events: each spike costs O(fan-out) and there is no dense matrix
 * anywhere. The engine, its cost model, the recorder format and measured
 * benchmarks are described in docs/simulation.md.
 *
 * Units: ms, mV, pA, nS, pF. Time advances in steps of dt. A spike emitted in
 * step k (reported at time (k+1) dt, the end of the step) through a
 * projection with delay d = round(delay/dt) steps is added to its target's
 * synaptic variable at the start of step k+1+d, i.e. at spike time + delay.
 */

/** A network of neuron populations with sparse projections, simulated event-driven. */
typedef struct snn_spnet snn_spnet;

/**
 * Create-time options of an ::snn_spnet (sized; zero in a field means the
 * default in brackets). Fill with SNN_SPNET_OPTIONS_INIT or snn_spnet_options_init().
 */
typedef struct snn_spnet_options {
  size_t struct_size;  /**< sizeof(snn_spnet_options) */
  double dt;           /**< time step in ms, (0, 10] [0.1] */
  uint64_t seed;       /**< seed of all randomness of the network (connectivity, snn_spnet_state_uniform()) [0] */
  size_t record_limit; /**< most spikes the recorder keeps (8 bytes each; larger values mean SIZE_MAX / 8); later ones are counted as dropped [4194304] */
  uint32_t n_threads;  /**< OpenMP threads for the neuron updates (results do not depend on it) [1] */
} snn_spnet_options;

/** Initialiser for ::snn_spnet_options (all defaults). */
#define SNN_SPNET_OPTIONS_INIT { sizeof(snn_spnet_options), 0.0, 0, 0, 0 }

/**
 * Zeroes @p o (all defaults) and sets its struct_size.
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_spnet_options_init(snn_spnet_options *o, size_t struct_size);

/**
 * Creates an empty network.
 * @param[out] out New network; caller owns it and frees it with snn_spnet_free().
 * @param opts copied; NULL means all defaults.
 * @return SNN_OK, SNN_E_INVALID (NULL out, NaN dt), SNN_E_RANGE (dt or
 *         n_threads out of range), SNN_E_VERSION (struct_size), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_spnet_create(snn_spnet **out, const snn_spnet_options *opts);

/** Frees @p net with its populations, projections and recorded spikes; NULL does nothing. @since 0.1 */
SNN_API void snn_spnet_free(snn_spnet *net);

/**
 * Adds a population of @p n neurons of @p model. Its neurons get the global
 * indices [first, first + n), first = the number of neurons added before
 * (see snn_spnet_population_range()). "lif" populations use an exact
 * integrator for current-based synapses; other kinds (and custom models) are
 * stepped by the model's own kernel with the mean synaptic current of each step.
 * Must be called before the first snn_spnet_run().
 * @param[out] id index of the new population (0, 1, ...); may be NULL.
 * @param model copied; the caller keeps ownership.
 * @param n neurons, 1 <= n <= 2^31 in total over the network.
 * @return SNN_OK, SNN_E_INVALID (NULL net or model, n = 0), SNN_E_RANGE (too
 *         many neurons), SNN_E_STATE (after the first run), SNN_E_NOMEM, or a
 *         custom model's init status.
 * @since 0.1
 */
SNN_API int snn_spnet_add_population(size_t *id, snn_spnet *net, const snn_neuron_model *model,
                                     size_t n);

/** @return Total number of neurons over all populations (0 for NULL). @since 0.1 */
SNN_API size_t snn_spnet_n_neurons(const snn_spnet *net);

/** @return Number of populations, ids 0 .. count-1 (0 for NULL). @since 0.1 */
SNN_API size_t snn_spnet_n_populations(const snn_spnet *net);

/**
 * Global index range of population @p pop: neurons [*first, *first + *n).
 * @param[out] first may be NULL.
 * @param[out] n may be NULL.
 * @return SNN_OK, SNN_E_INVALID (NULL net), SNN_E_RANGE (no such population).
 * @since 0.1
 */
SNN_API int snn_spnet_population_range(size_t *first, size_t *n, const snn_spnet *net, size_t pop);

/**
 * Sets a synapse or recording parameter of population @p pop:
 * - "synapse": 0 = current-based (default; I_exc, I_inh in pA), 1 =
 *   conductance-based (g_exc, g_inh in nS with reversal potentials); only
 *   before the first run; a change sets the synaptic variables to 0 (their
 *   unit changes);
 * - "tau_exc", "tau_inh": decay time constants of the exponential synaptic
 *   kernels in ms, [0.01, 1e6] (defaults 5 and 10);
 * - "E_exc", "E_inh": reversal potentials of conductance synapses in mV
 *   (defaults 0 and -80);
 * - "I_e": constant bias current in pA (default 0);
 * - "record": 1 = record this population's spikes (default), 0 = do not;
 * - "euler": conductance-based "lif" only: 1 = forward Euler (first order,
 *   about half the cost per neuron, as Auryn's and Brian's COBA benchmarks),
 *   0 = exponential Euler with step-mean conductances (default).
 * Changes take effect at the next snn_spnet_run().
 * @return SNN_OK, SNN_E_INVALID (NULL, NaN/Inf), SNN_E_RANGE (no such
 *         population, value out of range), SNN_E_NOTFOUND (unknown name; the
 *         message lists the valid ones), SNN_E_STATE ("synapse" after the first run).
 * @since 0.1
 */
SNN_API int snn_spnet_population_set(snn_spnet *net, size_t pop, const char *name, double value);

/**
 * Reads a parameter set by snn_spnet_population_set().
 * @param[out] out value.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE (no such population), SNN_E_NOTFOUND.
 * @since 0.1
 */
SNN_API int snn_spnet_population_get(double *out, const snn_spnet *net, size_t pop,
                                     const char *name);

/** Connectivity rules (::snn_spnet_connect_options.rule). */
typedef enum snn_spnet_rule {
  SNN_SPNET_FIXED_PROB = 1,    /**< each (source, target) pair independently with probability p (default) */
  SNN_SPNET_FIXED_INDEGREE = 2 /**< each target gets exactly in_degree distinct sources, uniformly */
} snn_spnet_rule;

/** Synaptic receptor a projection drives (::snn_spnet_connect_options.receptor). */
typedef enum snn_spnet_receptor {
  SNN_SPNET_EXC = 1, /**< excitatory variable (tau_exc, E_exc) (default) */
  SNN_SPNET_INH = 2  /**< inhibitory variable (tau_inh, E_inh) */
} snn_spnet_receptor;

/**
 * How snn_spnet_connect() draws a projection (sized; zero means the default in
 * brackets). Fill with SNN_SPNET_CONNECT_OPTIONS_INIT or
 * snn_spnet_connect_options_init(), then set p or in_degree.
 */
typedef struct snn_spnet_connect_options {
  size_t struct_size; /**< sizeof(snn_spnet_connect_options) */
  int32_t rule;       /**< ::snn_spnet_rule [SNN_SPNET_FIXED_PROB] */
  int32_t receptor;   /**< ::snn_spnet_receptor [SNN_SPNET_EXC] */
  double p;           /**< FIXED_PROB: connection probability, (0, 1] (required) */
  uint32_t in_degree; /**< FIXED_INDEGREE: sources per target, >= 1 (required) */
  int32_t autapses;   /**< source = target population: 1 allows i -> i synapses [0: none] */
  double weight;      /**< jump of the target's synaptic variable per spike: pA (current) or nS (conductance, >= 0); |weight| <= 1e30 [0] */
  double weight_sd;   /**< > 0: per-synapse weights ~ N(weight, weight_sd) clipped at 0 to keep weight's sign; 0: one shared weight; <= 1e30 [0] */
  double delay;       /**< ms, >= 0, rounded to whole steps, at most 1000 steps [0] */
} snn_spnet_connect_options;

/** Initialiser for ::snn_spnet_connect_options (defaults; p and in_degree still 0). */
#define SNN_SPNET_CONNECT_OPTIONS_INIT { sizeof(snn_spnet_connect_options), 0, 0, 0.0, 0, 0, 0.0, 0.0, 0.0 }

/**
 * Zeroes @p o (all defaults) and sets its struct_size.
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_spnet_connect_options_init(snn_spnet_connect_options *o, size_t struct_size);

/**
 * Draws a random projection from population @p src to population @p dst
 * (src = dst for a recurrent one) with the network's random stream, and
 * stores it by source (CSR: each source's targets are one contiguous,
 * ascending row). A shared weight costs 4 bytes per synapse (the target
 * index), per-synapse weights 8. The same seed and the same sequence of calls
 * give the same synapses. Must be called before the first snn_spnet_run().
 * @param[out] n_synapses synapses created; may be NULL.
 * @param opts copied; required.
 * @return SNN_OK, SNN_E_INVALID (NULL, NaN/Inf), SNN_E_RANGE (no such
 *         population, bad rule/receptor, p outside (0, 1], in_degree 0 or
 *         larger than the eligible sources, negative conductance weight,
 *         delay out of range, more than 2^32-1 synapses), SNN_E_VERSION
 *         (struct_size), SNN_E_STATE (after the first run), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_spnet_connect(size_t *n_synapses, snn_spnet *net, size_t src, size_t dst,
                              const snn_spnet_connect_options *opts);

/**
 * Copies a state variable of population @p pop: "V" (mV), the synaptic
 * variables "I_exc", "I_inh" (pA; current-based) or "g_exc", "g_inh" (nS;
 * conductance-based), or another public state variable of the model ("u", "w").
 * @param[out] dst n floats.
 * @param n must equal the population size.
 * @return SNN_OK, SNN_E_INVALID (NULL, n mismatch), SNN_E_RANGE (no such
 *         population), SNN_E_NOTFOUND (unknown variable; the message lists the valid ones).
 * @since 0.1
 */
SNN_API int snn_spnet_state_get(float *dst, const snn_spnet *net, size_t pop, const char *var,
                                size_t n);

/**
 * Overwrites a state variable of population @p pop (see snn_spnet_state_get()).
 * @param src n finite floats, copied; conductances must be >= 0.
 * @return SNN_OK, SNN_E_INVALID (NULL, n mismatch, NaN/Inf or negative
 *         conductance), SNN_E_RANGE, SNN_E_NOTFOUND.
 * @since 0.1
 */
SNN_API int snn_spnet_state_set(snn_spnet *net, size_t pop, const char *var, const float *src,
                                size_t n);

/**
 * Sets a state variable of every neuron of @p pop to an independent uniform
 * draw from [lo, hi) taken from the network's random stream (e.g. the random
 * initial V of the CUBA benchmark).
 * @return SNN_OK, SNN_E_INVALID (NULL, NaN/Inf, a bound outside the float
 *         range (|x| > FLT_MAX), lo > hi, negative conductance), SNN_E_RANGE
 *         (no such population), SNN_E_NOTFOUND. On failure nothing is changed.
 * @since 0.1
 */
SNN_API int snn_spnet_state_uniform(snn_spnet *net, size_t pop, const char *var, double lo,
                                    double hi);

/**
 * Simulates round(@p duration / dt) steps, recording spikes.
 * @param duration ms, finite, >= 0.
 * @return SNN_OK, SNN_E_INVALID (NULL net, NaN/Inf or negative duration),
 *         SNN_E_STATE (no population), SNN_E_RANGE (more than 2^32-1 steps in
 *         total), SNN_E_NUMERIC (a membrane potential is NaN/Inf at the end
 *         of the run; checked once per call), SNN_E_NOMEM (buffers, or the recorder could
 *         not grow: the run stops after that step, whose spikes count as
 *         dropped), or a custom model's status. A custom model's failure
 *         stops the run in the middle of a step, after other populations took
 *         it: later runs and saves are SNN_E_STATE until snn_spnet_reset().
 * @since 0.1
 */
SNN_API int snn_spnet_run(snn_spnet *net, double duration);

/** @return Simulated time in ms (steps done x dt; 0 for NULL). @since 0.1 */
SNN_API double snn_spnet_time(const snn_spnet *net);

/**
 * Returns to time 0: initial neuron state, zero synaptic variables, empty
 * delay buffers and recorder, zero counters. Populations, projections,
 * parameters and the random stream position are kept.
 * @return SNN_OK, SNN_E_INVALID, or a custom model's init status.
 * @since 0.1
 */
SNN_API int snn_spnet_reset(snn_spnet *net);

/** Counters of an ::snn_spnet (output struct, sized: set struct_size first). */
typedef struct snn_spnet_stats {
  size_t struct_size;     /**< sizeof(snn_spnet_stats), set by the caller */
  uint64_t steps;         /**< steps simulated since create/reset */
  uint64_t spikes;        /**< spikes emitted (all populations, recorded or not) */
  uint64_t recorded;      /**< spikes held by the recorder */
  uint64_t dropped;       /**< spikes of recorded populations not kept (record_limit reached) */
  uint64_t syn_events;    /**< synaptic events delivered (sum over spikes of their fan-out) */
  uint64_t n_neurons;     /**< neurons */
  uint64_t n_synapses;    /**< synapses over all projections */
  uint64_t synapse_bytes; /**< bytes of projection storage: targets, weights, row offsets */
  double build_seconds;   /**< wall time spent in snn_spnet_connect() */
  double sim_seconds;     /**< wall time spent in snn_spnet_run() since create/reset */
} snn_spnet_stats;

/**
 * Reads the counters.
 * @param[out] out caller-provided with struct_size set; only covered fields are written.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_VERSION.
 * @since 0.1
 */
SNN_API int snn_spnet_stats_get(snn_spnet_stats *out, const snn_spnet *net);

/** @return Number of spikes held by the recorder (0 for NULL). @since 0.1 */
SNN_API size_t snn_spnet_spike_count(const snn_spnet *net);

/**
 * Copies recorded spikes [first, first + n) in the order they occurred (by
 * step, then by ascending global neuron index). The recorder keeps one
 * (uint32 step, uint32 neuron) pair per spike; a spike of step k has time (k+1) dt.
 * @param[out] neurons n global neuron indices; may be NULL.
 * @param[out] times n spike times in ms; may be NULL.
 * @return SNN_OK, SNN_E_INVALID (NULL net, both outputs NULL), SNN_E_RANGE
 *         (first + n > snn_spnet_spike_count()).
 * @since 0.1
 */
SNN_API int snn_spnet_spikes_get(uint32_t *neurons, double *times, const snn_spnet *net,
                                 size_t first, size_t n);

/**
 * Empties the recorder (keeps its memory) and zeroes the dropped counter.
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_spnet_spikes_clear(snn_spnet *net);


/* SECTION spikeprop (owned by src/learn/spikeprop.c) */
/* ======================================================================== */
/** @defgroup spikeprop Supervised spike-time learning: SpikeProp (Bohte et al. 2002) */
/* ======================================================================== */

/**
 * SpikeProp (Bohte, Kok & La Poutre 2002): a feed-forward network
 * n_in -> n_hidden -> n_out of "srm" neurons (one spike per neuron per
 * example) with multi-terminal delayed connections, trained by gradient
 * descent on E = 1/2 sum_j (t_j - t_j^target)^2 of the output spike times.
 * The network is event-driven (spike times are computed exactly, not on a
 * time grid), so it is not an ::snn_network: the learner owns it. Terminal k
 * of a connection has delay delay_min + k * delay_step; the last
 * round(inhibitory_fraction * n_hidden) hidden neurons are inhibitory (their
 * PSPs have negative sign). Equations, the treatment of silent neurons and
 * measured results: docs/spikeprop.md.
 *
 * Weight layout (snn_learner_spikeprop_weights_get(), ..._gradient()): the
 * hidden layer first, w1[h][i][k] (n_hidden x n_in x terminals), then the
 * output layer, w2[o][h][k] (n_out x n_hidden x terminals), row-major;
 * snn_learner_n_params() gives the total. Spike times are in ms; a negative
 * time means "no spike".
 */

/** Options of the "spikeprop" learner. Sized struct: zero in any field means
 *  the default in brackets; fill with SNN_SPIKEPROP_OPTIONS_INIT or
 *  snn_spikeprop_options_init(). Times in ms. */
typedef struct snn_spikeprop_options {
  size_t struct_size;         /**< sizeof(snn_spikeprop_options) */
  double learning_rate;       /**< eta of dw = -eta * y * delta [0.01] */
  uint32_t terminals;         /**< synaptic terminals per connection, 1..256 [16] */
  double delay_min;           /**< delay of terminal 0 [1] */
  double delay_step;          /**< delay increment between terminals [1] */
  double inhibitory_fraction; /**< fraction of inhibitory hidden neurons, [0, 1] [0] */
  double t_max;               /**< simulation window; a neuron silent until then has no spike [50] */
  double denom_floor;         /**< floor of du/dt at the spike in the delta rules [0.1] */
  double silent_push;         /**< weight increase factor for silent neurons (docs) [1] */
  double w_init_min;          /**< initial weights uniform in [w_init_min, w_init_max] [0] */
  double w_init_max;          /**< [0 = automatic: docs/spikeprop.md] */
  double t_early;             /**< target time of the correct class's output [12] */
  double t_late;              /**< target time of the other outputs [16] */
  uint32_t bias;              /**< 1: datasets get an extra input spike at 0 ms [0] */
  uint64_t seed;              /**< weight initialisation and example shuffling [0] */
  double weight_decay;        /**< L2 penalty: each step adds weight_decay * w to dE/dw, [0, 1e3] [0] */
  double momentum;            /**< dw = momentum * (previous dw) - eta * dE/dw, [0, 1) [0] */
  uint32_t update;            /**< weight update rule: ::SNN_SPIKEPROP_SGD or ::SNN_SPIKEPROP_RPROP [SGD] */
  uint32_t batch_size;        /**< examples per update in snn_learner_train_epoch(); the gradient
                                   is averaged over them, the last batch of an epoch may be
                                   shorter; >= the dataset size: one update per epoch [1] */
  double late_push;           /**< weight increase factor for a hidden neuron that fires too late
                                   to reach any output that fired (docs/spikeprop.md); 0 = off,
                                   Bohte's rule: such a neuron gets no gradient, [0, 1e6] [0] */
} snn_spikeprop_options;

/** snn_spikeprop_options.update: gradient descent, dw = -eta dE/dw (+ momentum). */
#define SNN_SPIKEPROP_SGD 0u
/** snn_spikeprop_options.update: RProp (iRprop-, Igel & Huesken 2000; for SpikeProp:
 *  McKennoch, Liu & Bushnell 2006): every weight moves by its own step against the sign of
 *  dE/dw; a step grows x1.2 while the sign holds and halves (that weight then rests for one
 *  update) when it flips; steps start at the learning rate and stay in
 *  [1e-6, 50] x the current learning rate. Incompatible with momentum. */
#define SNN_SPIKEPROP_RPROP 1u

/** Initialiser for ::snn_spikeprop_options (all defaults). */
#define SNN_SPIKEPROP_OPTIONS_INIT \
  { sizeof(snn_spikeprop_options), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Fills @p o with defaults (zeros) and sets o->struct_size.
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_spikeprop_options_init(snn_spikeprop_options *o, size_t struct_size);

/**
 * Creates a SpikeProp learner that owns an n_in -> n_hidden -> n_out network
 * with weights drawn from opts->seed.
 * @param[out] out New learner; caller owns it (snn_learner_free()).
 * @param neuron model of every hidden and output neuron: kind "srm" (its
 *        "tau" and "threshold" are used); copied; NULL = srm defaults.
 * @param enc encoder of dataset features for snn_learner_train_epoch(),
 *        snn_learner_spikeprop_classify() and _evaluate(): "population" or
 *        "latency" (single-spike kinds); copied; NULL = those calls take
 *        features that already are spike times in ms.
 * @param opts copied; NULL = defaults. The default targets (t_early 12,
 *        t_late 16 ms) must lie within t_max: with t_max below 16 ms set
 *        both (0 means "default", so a target of exactly 0 is not possible).
 * @return SNN_OK, SNN_E_INVALID (NULL out, zero size, NaN option, or with
 *         @p enc: n_in minus the bias input not a positive multiple of the
 *         encoder's inputs per feature), SNN_E_VERSION, SNN_E_RANGE (option
 *         out of range, momentum with SNN_SPIKEPROP_RPROP, or t_max / tau >
 *         1000; the message names it), SNN_E_UNSUPPORTED (@p neuron not "srm",
 *         @p enc not single-spike), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_create_spikeprop(snn_learner **out, size_t n_in, size_t n_hidden,
                                         size_t n_out, const snn_neuron_model *neuron,
                                         const snn_encoder *enc, const snn_spikeprop_options *opts);

/**
 * Runs the network on input spike times.
 * @param[out] t_out n_out output spike times (-1: silent).
 * @param[out] t_hidden n_hidden hidden spike times, or NULL (then n_hidden is ignored).
 * @param t_in n_in input spike times in ms (negative: no spike; must be finite;
 *        arrivals at or after t_max have no effect).
 * @return SNN_OK, SNN_E_INVALID (NULL, size mismatch, NaN; not a SpikeProp learner).
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_run(float *t_out, size_t n_out, float *t_hidden,
                                      size_t n_hidden, snn_learner *l, const float *t_in,
                                      size_t n_in);

/**
 * One SpikeProp step (online: batch of one, whatever batch_size says) on one
 * example, with the learner's update rule.
 * @param[out] error E of the example before the update (silent outputs count
 *        as firing at t_max), or NULL.
 * @param t_target n_out target times in [0, t_max].
 * @return as snn_learner_spikeprop_run(), SNN_E_NUMERIC (a weight became NaN/Inf;
 *         the previous weights are kept).
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_train_example(double *error, snn_learner *l, const float *t_in,
                                                size_t n_in, const float *t_target, size_t n_out);

/**
 * The update direction of snn_learner_spikeprop_train_example() without
 * applying it: dE/dw (weight layout above; where the clamp of du/dt or the
 * silent-neuron rule applies, the value those rules use).
 * @param[out] grad n_grad doubles; n_grad must equal snn_learner_n_params().
 * @param[out] error E of the example, or NULL.
 * @return as snn_learner_spikeprop_run().
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_gradient(double *grad, size_t n_grad, double *error,
                                           snn_learner *l, const float *t_in, size_t n_in,
                                           const float *t_target, size_t n_out);

/**
 * The layer sizes of a SpikeProp learner (e.g. one from snn_learner_load()):
 * inputs (including the bias input when the learner has one), hidden and
 * output neurons.
 * @param[out] n_in,n_hidden,n_out each may be NULL when not wanted.
 * @return SNN_OK, SNN_E_INVALID (NULL learner; not a SpikeProp learner).
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_sizes(size_t *n_in, size_t *n_hidden, size_t *n_out,
                                        const snn_learner *l);

/**
 * The options a SpikeProp learner runs with (e.g. one from snn_learner_load()),
 * with every default resolved (terminals 16, not 0, ...); learning_rate is the
 * current rate (snn_learner_set_learning_rate() changes it). Together with
 * snn_learner_spikeprop_sizes() and snn_learner_spikeprop_models() this is
 * what snn_learner_create_spikeprop() needs to build a learner of the same shape.
 * @param[out] out set out->struct_size first (snn_spikeprop_options_init());
 *        the fields it covers are overwritten, bytes beyond this library's
 *        struct are left alone.
 * @return SNN_OK, SNN_E_INVALID (NULL; not a SpikeProp learner),
 *         SNN_E_VERSION (out->struct_size too small).
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_options_get(snn_spikeprop_options *out, const snn_learner *l);

/**
 * Copies of the learner's neuron model (kind "srm" with its "tau" and
 * "threshold") and encoder (NULL when the learner has none: its datasets hold
 * spike times), e.g. to encode features for snn_learner_spikeprop_run() after
 * snn_learner_load().
 * @param[out] neuron new model, caller frees (snn_neuron_model_free()); NULL when not wanted.
 * @param[out] enc new encoder or NULL, caller frees (snn_encoder_free()); NULL when not wanted.
 * @return SNN_OK, SNN_E_INVALID (NULL learner; not a SpikeProp learner),
 *         SNN_E_NOMEM. On failure both outputs are NULL.
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_models(snn_neuron_model **neuron, snn_encoder **enc,
                                         const snn_learner *l);

/**
 * The number of features per sample that snn_learner_spikeprop_classify(),
 * _evaluate() and snn_learner_train_epoch() take: inputs without the bias
 * input, divided by the encoder's inputs per feature (e.g. its field count m
 * for "population"); without an encoder the inputs without the bias.
 * @param[out] n_features set to 0 on failure.
 * @return SNN_OK, SNN_E_INVALID (NULL; not a SpikeProp learner), SNN_E_STATE
 *         (the inputs are not a whole number of features; not reachable with
 *         the built-in encoders, which the learner accepts).
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_n_features(size_t *n_features, const snn_learner *l);

/**
 * Gives the learner per-feature input ranges, so that it takes raw features
 * and keeps their scaling with it: from then on every sample that
 * snn_learner_spikeprop_classify(), _evaluate() and snn_learner_train_epoch()
 * take is first scaled exactly as snn_dataset_normalize_ranges() scales it
 * (x' = (x - min[j]) / (max[j] - min[j]) in double, clamped to [0, 1]; 0 for a
 * constant feature), bitwise the same floats, and then encoded. The ranges
 * are saved with the learner (snn_learner_save(); section `SPRG` of
 * docs/file-format.md). Typical use: min/max from snn_dataset_feature_ranges()
 * of the training set, then train and classify unscaled data.
 * Passing @p min and @p max NULL with @p n_features 0 removes the ranges.
 * Everything is validated before the learner changes.
 * @param min,max n_features floats each, read only (the caller keeps
 *        ownership); finite, with max[j] >= min[j].
 * @param n_features must equal snn_learner_spikeprop_n_features().
 * @return SNN_OK, SNN_E_INVALID (NULL; not a SpikeProp learner; a learner
 *         without an encoder, whose inputs are spike times; @p n_features
 *         differs; NaN or infinite bound), SNN_E_RANGE (max[j] < min[j]),
 *         SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_set_input_ranges(snn_learner *l, const float *min,
                                                   const float *max, size_t n_features);

/**
 * Reads out the input ranges (snn_learner_spikeprop_set_input_ranges()).
 * @param[out] n_ranges their number: the feature count, or 0 when the learner
 *             has none (then nothing is written to @p min and @p max).
 * @param[out] min,max n_features floats each, or NULL when not wanted.
 * @param n_features must equal *@p n_ranges when ranges are set and @p min or
 *        @p max is given.
 * @return SNN_OK, SNN_E_INVALID (NULL @p n_ranges or @p l; not a SpikeProp
 *         learner; @p n_features differs).
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_input_ranges(size_t *n_ranges, float *min, float *max,
                                               size_t n_features, const snn_learner *l);

/**
 * Copies all weights out (layout above).
 * @param n must equal snn_learner_n_params().
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_weights_get(double *dst, size_t n, const snn_learner *l);

/**
 * Copies all weights in (layout above); values must be finite. Resets the
 * momentum state (the last weight change) to zero and the RProp state (steps
 * restart at the learning rate).
 * @return SNN_OK, SNN_E_INVALID.
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_weights_set(snn_learner *l, const double *src, size_t n);

/**
 * Classifies @p n samples: features are encoded with the learner's encoder
 * (plus the bias spike), and the class is the earliest-firing output (lowest
 * index on ties; -1 when no output fires).
 * @param[out] labels n classes, or NULL.
 * @param[out] t_out n * n_out output spike times, or NULL.
 * @param x n * n_features values.
 * @return SNN_OK, SNN_E_INVALID (NULL, encoded size + bias differs from n_in,
 *         NaN), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_classify(int32_t *labels, float *t_out, snn_learner *l,
                                           const float *x, size_t n, size_t n_features);

/**
 * Accuracy (fraction in [0, 1]) of snn_learner_spikeprop_classify() on @p data.
 * @return as snn_learner_spikeprop_classify(), SNN_E_INVALID also for
 *         unlabelled data or more classes than outputs.
 * @since 0.1
 */
SNN_API int snn_learner_spikeprop_evaluate(double *accuracy, snn_learner *l,
                                           const snn_dataset *data);


/* SECTION model-files-ex (owned by src/net/serialize.c and src/learn/stdp_io.c) */
/* ======================================================================== */
/** @defgroup files_ex Model files: load options and learner state          */
/* ======================================================================== */

/**
 * Options of snn_network_load_ex(), snn_learner_load() and their memory
 * variants. Sized struct: zero/NULL in any field means "none"; fill with
 * SNN_LOAD_OPTIONS_INIT or snn_load_options_init(). Nothing is kept after
 * the call returns except as stated for @c learner_user.
 */
typedef struct snn_load_options {
  size_t struct_size; /**< sizeof(snn_load_options) */
  /**
   * Models of custom neuron kinds (from snn_neuron_model_create_custom()) that
   * the file may name: a layer whose kind is not built in gets a copy of the
   * model of that kind (its parameters then set from the file, missing ones
   * to their defaults). Borrowed for the call; kinds must be distinct.
   */
  const snn_neuron_model *const *neuron_models;
  size_t n_neuron_models; /**< entries in neuron_models */
  /**
   * Learning rule to re-attach when snn_learner_load() finds a learner saved
   * with a custom rule (snn_learner_create_custom()); its name must equal the
   * saved rule name. Copied. Ignored for other files and functions.
   */
  const snn_learner_ops *learner_ops;
  /**
   * Passed to the learner_ops callbacks. If learner_ops->destroy is set it is
   * called with this pointer exactly once: when the loaded learner is freed,
   * or before snn_learner_load() returns when no learner using it is returned
   * (failure, or a file whose learner uses a built-in rule).
   */
  void *learner_user;
} snn_load_options;

/** Initialiser for ::snn_load_options (no custom kinds, no rule). */
#define SNN_LOAD_OPTIONS_INIT { sizeof(snn_load_options), NULL, 0, NULL, NULL }

/**
 * Fills @p o with zeros/NULLs and sets o->struct_size.
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_load_options_init(snn_load_options *o, size_t struct_size);

/**
 * snn_network_load() with options: networks whose layers use custom neuron
 * kinds load when @p opts supplies a model of each such kind.
 * @param[out] out New network; caller owns it.
 * @param opts borrowed for the call; NULL means no options (as snn_network_load()).
 * @return as snn_network_load(); SNN_E_INVALID also for a NULL entry or two
 *         models of one kind in opts->neuron_models; SNN_E_VERSION for a bad
 *         opts->struct_size; SNN_E_NOTFOUND names a kind that is neither built
 *         in nor given.
 * @since 0.1
 */
SNN_API int snn_network_load_ex(snn_network **out, const char *path,
                                const snn_load_options *opts);

/**
 * snn_network_load_mem() with options (see snn_network_load_ex()).
 * @since 0.1
 */
SNN_API int snn_network_load_mem_ex(snn_network **out, const void *buf, size_t size,
                                    const snn_load_options *opts);

/**
 * Saves a learner together with its network: the file is the network's model
 * file (snn_network_load() reads it and ignores the learner) plus a section
 * with the learner's state. For the STDP learners (snn_learner_create_stdp(),
 * snn_learner_create_custom()) that is every simulation option, the adaptive
 * thresholds theta, the neuron labels and the training simulation's state, so
 * snn_learner_load() gives bitwise-identical classifications and continues
 * training exactly where it stopped. A SpikeProp learner
 * (snn_learner_create_spikeprop()) owns its network, so its file holds no
 * snn_network: only a section with its sizes, srm parameters, every option,
 * the current learning rate and epoch, the encoder, the inhibitory set and
 * every weight (as doubles), again reproducing outputs and further training
 * bitwise; snn_network_load() refuses such a file (SNN_E_FORMAT). Written
 * atomically as snn_network_save() (through symbolic links to their target).
 * Format: docs/file-format.md.
 * @return SNN_OK, SNN_E_INVALID (NULL, empty path), SNN_E_UNSUPPORTED (a
 *         learner kind without saved state, e.g. "bptt": save its network with
 *         snn_network_save()), SNN_E_STATE (the network's first layer changed
 *         since the learner was created), SNN_E_IO, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_learner_save(const snn_learner *l, const char *path);

/**
 * snn_learner_save() into a caller buffer (same bytes); buf = NULL or a
 * too-small @p cap gives SNN_E_RANGE with the size needed in *size.
 * @return as snn_learner_save() and snn_network_save_mem().
 * @since 0.1
 */
SNN_API int snn_learner_save_mem(size_t *size, const snn_learner *l, void *buf, size_t cap);

/**
 * Loads a file written by snn_learner_save(): a new network and a new learner
 * bound to it, in the saved state; for a SpikeProp learner file only the
 * learner (it owns its network), and *net_out is set to NULL.
 * @param[out] out New learner; caller owns it (snn_learner_free(), before the network).
 * @param[out] net_out New network the learner borrows; caller owns it and
 *        must free it after the learner. NULL after loading a SpikeProp
 *        learner (snn_network_free(NULL) is a no-op, so callers may free it
 *        unconditionally).
 * @param opts custom neuron kinds and the custom rule (see ::snn_load_options); may be NULL.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_IO, SNN_E_FORMAT (corrupt or truncated
 *         file or learner section; the message names section and offset),
 *         SNN_E_VERSION, SNN_E_NOTFOUND (no learner section in the file; a
 *         custom rule not given in opts or with another name; an unknown
 *         neuron kind), SNN_E_NOMEM. On failure *out and *net_out are NULL.
 * @since 0.1
 */
SNN_API int snn_learner_load(snn_learner **out, snn_network **net_out, const char *path,
                             const snn_load_options *opts);

/**
 * snn_learner_load() from @p size bytes at @p buf (not kept). As there,
 * *net_out is set to NULL for a SpikeProp learner file (no snn_network).
 * @since 0.1
 */
SNN_API int snn_learner_load_mem(snn_learner **out, snn_network **net_out, const void *buf,
                                 size_t size, const snn_load_options *opts);

/* ======================================================================== */
/** @defgroup nir NIR import and export                                      */
/* ======================================================================== */

/** Discretisation of NIR's continuous-time neuron equations (::snn_nir_options). */
typedef enum snn_nir_discretization {
  SNN_NIR_EXACT = 0, /**< exact integration over a step with the input held constant (default) */
  SNN_NIR_EULER = 1  /**< forward Euler, the convention of snnTorch and Norse */
} snn_nir_discretization;

/** What a spike does to the membrane (::snn_nir_options). */
typedef enum snn_nir_reset {
  SNN_NIR_RESET_TO_V_RESET = 0, /**< V = v_reset, NIR's definition (default) */
  SNN_NIR_RESET_SUBTRACT = 1    /**< V -= v_threshold - v_reset (snnTorch/Sinabs "subtract") */
} snn_nir_reset;

/**
 * Options of the NIR calls (sized: set struct_size, or start from
 * SNN_NIR_OPTIONS_INIT / snn_nir_options_init()). Details: docs/nir.md.
 */
typedef struct snn_nir_options {
  size_t struct_size;     /**< sizeof(snn_nir_options) */
  double dt;              /**< step in the file's time unit (seconds for every known exporter);
                               required (> 0) for import; for export 0 = the network's dt */
  int32_t discretization; /**< ::snn_nir_discretization */
  int32_t reset;          /**< ::snn_nir_reset */
} snn_nir_options;

/** Initialiser for ::snn_nir_options (dt must still be set for import). */
#define SNN_NIR_OPTIONS_INIT { sizeof(snn_nir_options), 0.0, SNN_NIR_EXACT, SNN_NIR_RESET_TO_V_RESET }

/**
 * Fills @p o with the defaults for a struct of @p struct_size bytes.
 * @return SNN_OK, SNN_E_INVALID (NULL), SNN_E_VERSION (struct_size too small).
 * @since 0.1
 */
SNN_API int snn_nir_options_init(snn_nir_options *o, size_t struct_size);

/**
 * Reads a NIR graph (Neuromorphic Intermediate Representation, HDF5 file as
 * written by NIR's reference library, Norse, snnTorch, Sinabs, ...) and builds
 * a network from it. The graph must be a chain Input -> (connection+ -> neuron
 * node | pool)* -> Output; Affine, Linear, Scale, Conv1d, Conv2d (stride,
 * padding, dilation, groups), SumPool2d, AvgPool2d (zero padding), Flatten,
 * Delay (before a connection: the layer's per-input delay in whole steps of
 * dt; BPTT trains through it, the delays stay fixed), LIF, IF, LI,
 * CubaLIF, CubaLI, I, Threshold, nested NIRGraph nodes and a recurrent
 * Affine/Linear loop on a neuron node are supported; a chain of
 * Affine/Linear/Scale nodes becomes one dense layer with the composed map.
 * LIF and IF become "lif" and "if" models; LI, CubaLI and CubaLIF a model of
 * kind "nir_cuba", I "nir_integrator", Threshold "nir_threshold"; a neuron
 * node whose parameters differ between neurons becomes "nir_hetero", which
 * keeps one value per neuron (all created with
 * snn_neuron_model_create_custom(); the model-file loaders know these four
 * kinds, so snn_network_save() files of imported networks load without
 * load options). The network's dt is
 * opts->dt in ms (x1000); its readout is "membrane" when the last neuron node
 * does not spike. The mapping of each node: docs/nir.md.
 * @param[out] out New network; caller owns it.
 * @param opts required (dt).
 * @return SNN_OK, SNN_E_INVALID (NULL, bad options), SNN_E_IO (cannot open),
 *         SNN_E_FORMAT (not HDF5, truncated, missing fields, wrong shapes,
 *         dangling edges), SNN_E_UNSUPPORTED (a node or graph shape libsnn cannot
 *         express; the message names the node; or built without HDF5),
 *         SNN_E_VERSION, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_import_nir(snn_network **out, const char *path,
                                   const snn_nir_options *opts);

/**
 * snn_network_import_nir() from an HDF5 file image of @p size bytes at @p buf
 * (copied; not kept).
 * @return as snn_network_import_nir().
 * @since 0.1
 */
SNN_API int snn_network_import_nir_mem(snn_network **out, const void *buf, size_t size,
                                       const snn_nir_options *opts);

/**
 * Writes @p net as a NIR graph (HDF5; weights float32, gzip for arrays of 256
 * or more values; neuron parameters float64) that snn_network_import_nir() and
 * NIR's reference reader accept. Written to a temporary file renamed over
 * @p path. Neuron models: "lif" (t_ref 0), "if" (t_ref 0), "nir_cuba",
 * "nir_integrator", "nir_threshold".
 * @param opts may be NULL (exact, reset to v_reset); the reset mode and
 *        discretisation must match the models'.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_STATE (no layers), SNN_E_UNSUPPORTED
 *         (a layer NIR cannot express, named, or with more than 2^27 values
 *         in one array, the reader's limit; or built without HDF5),
 *         SNN_E_IO, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_export_nir(const snn_network *net, const char *path,
                                   const snn_nir_options *opts);

/**
 * Text description of the NIR graph in @p path: one line per node
 * ("node NAME TYPE field=value field{dims} ..."; nested nodes as OUTER.INNER),
 * then one line per edge ("edge A -> B").
 * @param[out] len length of the description (without the terminator), set on
 *        SNN_OK and SNN_E_RANGE.
 * @param buf destination of cap bytes (may be NULL with cap 0 to learn the size).
 * @return SNN_OK, SNN_E_RANGE (cap <= *len; buf holds a truncated text),
 *         SNN_E_INVALID, SNN_E_IO, SNN_E_FORMAT, SNN_E_UNSUPPORTED (no HDF5), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_nir_describe(size_t *len, char *buf, size_t cap, const char *path);

/**
 * Runs one sample whose input changes every step and keeps every step's
 * output: x[t * n_inputs + i] is fed to the first layer at step t as it is
 * (the network's encoder is not used, so a "direct" encoder's gain does not
 * apply: scale x yourself). The network starts from its
 * initial state. A plain sequential reference stepper (no BLAS): slower than
 * snn_network_predict(), and neuron models use their generic step (results
 * may differ from predict's fused kernels in the last float bits).
 * @param[out] out n_steps x n_outputs: the last layer's spikes (0/1) per step, or NULL.
 * @param[out] membrane n_steps x n_outputs: the last layer's V after each step, or NULL.
 * @return SNN_OK, SNN_E_INVALID (NULL, size mismatch, NaN/Inf input),
 *         SNN_E_STATE (no layers), SNN_E_NUMERIC, SNN_E_NOMEM, or a custom model's status.
 * @since 0.1
 */
SNN_API int snn_network_run_sequence(float *out, float *membrane, snn_network *net,
                                     const float *x, size_t n_steps, size_t n_inputs);

/* SECTION spnet-files (owned by src/sim/spnet_io.c) */
/* ======================================================================== */
/** @defgroup spnet_files Model files of event-driven sparse networks       */
/* ======================================================================== */

/**
 * Saves everything needed to continue the simulation of @p net
 * bitwise-identically: options, the random stream, every population (neuron
 * kind by name with all parameters, size, snn_spnet_population_set()
 * settings, every state variable), every projection (CSR rows, targets,
 * weights, delay, receptor), the current time and counters, the inputs still
 * in the delay ring, and the recorded spikes. snn_spnet_load() then gives a
 * network whose snn_spnet_run() produces the same spikes and state as the
 * original would. Written atomically as snn_network_save() (temporary file in
 * the same directory, flushed, renamed over @p path, directory synced; a
 * failed save leaves any previous file untouched; symbolic links are kept).
 * Same container as network files, own sections: docs/file-format.md.
 * @return SNN_OK, SNN_E_INVALID (NULL, empty path), SNN_E_UNSUPPORTED (a
 *         population uses a custom neuron model; the message names it),
 *         SNN_E_NUMERIC (a state variable, weight or pending input is NaN/Inf),
 *         SNN_E_IO (message names the path and the OS error), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_spnet_save(const snn_spnet *net, const char *path);

/**
 * snn_spnet_save() into a caller buffer (same bytes). Call with buf = NULL
 * (or cap too small) to learn the size.
 * @param[out] size bytes needed (always set on SNN_OK and SNN_E_RANGE).
 * @param buf destination or NULL; @p cap its capacity.
 * @return SNN_OK (written), SNN_E_RANGE (buf NULL or cap < *size; nothing
 *         written), SNN_E_INVALID, SNN_E_UNSUPPORTED, SNN_E_NUMERIC, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_spnet_save_mem(size_t *size, const snn_spnet *net, void *buf, size_t cap);

/**
 * Loads a network saved by snn_spnet_save(). Nothing in the file is trusted:
 * every section's CRC-32 is verified, sizes are bounds- and overflow-checked
 * before allocation, indices must be in range, floats finite, parameters are
 * applied through the public setters. A network model file
 * (snn_network_save()) is refused with SNN_E_FORMAT, as snn_network_load()
 * refuses an snn_spnet file.
 * @param[out] out New network; caller owns it (snn_spnet_free()); NULL on failure.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_IO, SNN_E_FORMAT (bad magic, CRC,
 *         truncation, inconsistent sizes, NaN; the message names the section
 *         and byte offset), SNN_E_VERSION (newer format version, or an unknown
 *         section marked required), SNN_E_NOTFOUND (a neuron kind or setting
 *         this library does not know), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_spnet_load(snn_spnet **out, const char *path);

/**
 * Loads a network from @p size bytes at @p buf (not kept). Checks as snn_spnet_load().
 * @param[out] out New network; caller owns it; NULL on failure.
 * @return as snn_spnet_load() (without SNN_E_IO).
 * @since 0.1
 */
SNN_API int snn_spnet_load_mem(snn_spnet **out, const void *buf, size_t size);

/* ---- NIR export to memory (src/nir/nir.c) ------------------------------- */
/**
 * snn_network_export_nir() into a caller buffer: the bytes of the HDF5 file
 * it would write (built in memory with libhdf5's core driver; no file is
 * touched). Call with buf = NULL (or cap too small) to learn the size;
 * snn_network_import_nir_mem() reads the image back.
 * @param[out] size bytes needed (always set on SNN_OK and SNN_E_RANGE; 0 on
 *        other errors).
 * @param net the network (not changed).
 * @param buf destination or NULL; @p cap its capacity.
 * @param opts as for snn_network_export_nir() (NULL: defaults).
 * @return SNN_OK (written), SNN_E_RANGE (buf NULL or cap < *size; nothing
 *         written), SNN_E_INVALID (NULL size/net, bad options, dt differing
 *         from the network's), SNN_E_STATE (no layers), SNN_E_UNSUPPORTED (a
 *         layer NIR cannot express, or a build without HDF5), SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_network_export_nir_mem(size_t *size, const snn_network *net, void *buf,
                                       size_t cap, const snn_nir_options *opts);

/* ---- STDP inference presentation time (src/learn/stdp.c) --------------- */
/**
 * Sets how long labelling and classification (snn_learner_stdp_label(),
 * _classify(), _evaluate()) present each example; training and
 * snn_learner_stdp_present() keep t_present. Saved in model files.
 * @param l an STDP learner (kind "stdp" or a custom rule).
 * @param t_infer ms; >= dt and at most 1e7 steps of dt; 0 restores the
 *        default, t_present (the published protocol). Longer presentations
 *        make a small layer's class vote less noisy (100 neurons fire about 10
 *        spikes per 350 ms; docs/stdp.md) at the cost of inference time.
 * @return SNN_OK, SNN_E_INVALID (NULL, not an STDP learner, NaN or infinite
 *         t_infer), SNN_E_RANGE (negative, below dt, or more than 1e7 steps).
 * @since 0.1
 */
SNN_API int snn_learner_stdp_set_t_infer(snn_learner *l, double t_infer);

/**
 * Reads the presentation time of labelling and classification (ms).
 * @param[out] t_infer the value in use (the default resolved).
 * @param l an STDP learner.
 * @return SNN_OK, SNN_E_INVALID (NULL, not an STDP learner).
 * @since 0.1
 */
SNN_API int snn_learner_stdp_t_infer(double *t_infer, const snn_learner *l);

/**
 * The options an STDP learner (snn_learner_create_stdp(), _create_custom(),
 * snn_learner_load()) runs with, every default resolved (e.g. the
 * size-dependent theta_plus and norm_total); SNN_STDP_KEEP_WEIGHTS is clear
 * (it acts only at creation). snn_learner_stdp_t_infer() gives the
 * inference presentation time.
 * @param[out] out set out->struct_size first (snn_stdp_options_init()); the
 *        fields it covers are overwritten, bytes beyond this library's struct
 *        are left alone.
 * @param l an STDP learner.
 * @return SNN_OK, SNN_E_INVALID (NULL, not an STDP learner), SNN_E_VERSION
 *         (out->struct_size too small).
 * @since 0.1
 */
SNN_API int snn_learner_stdp_options_get(snn_stdp_options *out, const snn_learner *l);

#ifdef __cplusplus
}
#endif
#endif /* SNN_H */

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

#if defined(_WIN32) && defined(SNN_BUILDING_DLL)
#  define SNN_API __declspec(dllexport)
#elif defined(_WIN32) && defined(SNN_USING_DLL)
#  define SNN_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define SNN_API __attribute__((visibility("default")))
#else
#  define SNN_API
#endif

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

#define SNN_VERSION_MAJOR 0
#define SNN_VERSION_MINOR 1
#define SNN_VERSION_PATCH 0
#define SNN_VERSION_NUMBER \
  (SNN_VERSION_MAJOR * 10000 + SNN_VERSION_MINOR * 100 + SNN_VERSION_PATCH)
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
 * A neuron model: a kind ("if", "lif", "izhikevich", "adex", or a custom kind)
 * plus values for its named parameters. Equations, parameters and presets are
 * listed in docs/neuron-models.md.
 */
typedef struct snn_neuron_model snn_neuron_model;

/** @return Number of neuron kinds known (built-in and registered custom). @since 0.1 */
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
 *        the model is freed (also when this call fails after validation).
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
 * over the step).
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
 * Overwrites state variable @p var with @p src (n floats, copied).
 * @return SNN_OK, SNN_E_INVALID (also for NaN/Inf values), SNN_E_NOTFOUND.
 * @since 0.1
 */
SNN_API int snn_population_state_set(snn_population *p, const char *var, const float *src, size_t n);

/* ======================================================================== */
/** @defgroup encoder Encoders: real values to spikes or currents           */
/* ======================================================================== */

/**
 * An encoder turns a vector of real inputs (normally in [0, 1]) into a
 * T-step input for a network. Kinds (parameters in docs/encoders.md):
 * - "rate": Bernoulli spike per step with probability x * max_rate * dt / 1000.
 * - "latency": one spike per input, earlier for larger values ("map" = linear
 *   or log), none below "threshold".
 * - "direct": the value times "gain" as input current every step.
 * - "population": Gaussian receptive fields (Bohte et al. 2002), "m" neurons
 *   per input, output spike times.
 * - "delta": spike when the input changed by more than "threshold" since the
 *   last spike of that channel (the input is a time series).
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

/** Sets an enumerated parameter (e.g. "map" = "linear" | "log"). @since 0.1 */
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
 * Step t covers [t*dt, (t+1)*dt) with the encoder's "dt" parameter.
 * @param[out] out n_out floats, n_out must equal n_steps * n_chan.
 * @return SNN_OK, SNN_E_INVALID (NULL, size mismatch, NaN/Inf input).
 * @since 0.1
 */
SNN_API int snn_encoder_encode(snn_encoder *e, float *out, size_t n_out, const float *x,
                               size_t n_in, size_t n_steps);

/**
 * For the single-spike kinds ("latency", "population"): the spike time in ms
 * of each output channel, or -1 where the channel does not fire.
 * @param[out] times n_out floats; n_out must equal snn_encoder_output_size().
 * @return SNN_OK, SNN_E_INVALID, SNN_E_UNSUPPORTED (other kinds).
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
 * @return SNN_OK, SNN_E_INVALID, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_dataset_create(snn_dataset **out, const float *x, const int32_t *labels,
                               size_t n_samples, size_t n_features);

/**
 * Loads an IDX image file and its IDX label file (MNIST, Fashion-MNIST
 * layout: unsigned bytes), scaling pixels to [0, 1]. Accepts gzip-less files
 * only. Every header field is checked against the file size.
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
 * @param[out] out New dataset; caller owns it.
 * @return SNN_OK, SNN_E_INVALID, SNN_E_IO, SNN_E_FORMAT (non-numeric cell,
 *         ragged row; the message names line and column), SNN_E_NOMEM.
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
 * be @p d itself; use the training set for the test set). Constant features become 0.
 * @return SNN_OK, SNN_E_INVALID (NULL or feature counts differ).
 * @since 0.1
 */
SNN_API int snn_dataset_normalize(snn_dataset *d, const snn_dataset *ref);

/**
 * Splits @p d into a shuffled (seeded) training and test part.
 * @param[out] train,test New datasets; the caller owns both.
 * @param test_fraction in (0, 1).
 * @return SNN_OK, SNN_E_INVALID, SNN_E_RANGE, SNN_E_NOMEM.
 * @since 0.1
 */
SNN_API int snn_dataset_split(snn_dataset **train, snn_dataset **test, const snn_dataset *d,
                              double test_fraction, uint64_t seed);

/* SECTION layer and network (owned by src/layer, src/net) ------------------ */
/* SECTION learner (owned by src/learn) ------------------------------------- */

#ifdef __cplusplus
}
#endif
#endif /* SNN_H */

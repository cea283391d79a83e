"""Low-level ctypes declarations of libsnn (include/snn.h).

Every exported function the package uses gets argtypes and restype here; the
sized structs mirror the C declarations field by field (same order, same
types), so ctypes.sizeof() of each equals the C sizeof() on the same platform.
Handles are opaque and passed as c_void_p.
"""
import ctypes
from ctypes import (POINTER, c_char_p, c_double, c_int, c_int32, c_size_t, c_uint32, c_uint64,
                    c_void_p)

# ---- status codes (snn_status) ------------------------------------------------
SNN_OK = 0
SNN_E_INVALID = -1
SNN_E_NOMEM = -2
SNN_E_RANGE = -3
SNN_E_NOTFOUND = -4
SNN_E_UNSUPPORTED = -5
SNN_E_STATE = -6
SNN_E_IO = -7
SNN_E_FORMAT = -8
SNN_E_VERSION = -9
SNN_E_CANCELED = -10
SNN_E_NUMERIC = -11
SNN_E_INTERNAL = -99

# ---- enums ----------------------------------------------------------------------
SNN_FEATURE_OPENMP = 0x1
SNN_FEATURE_BLAS = 0x2
SNN_FEATURE_NIR = 0x4

SNN_POOL_MAX, SNN_POOL_AVG, SNN_POOL_SUM = 1, 2, 3
SNN_PARAM_WEIGHTS, SNN_PARAM_BIAS, SNN_PARAM_RECURRENT = 1, 2, 3

SNN_OPTIMIZER_ADAM, SNN_OPTIMIZER_SGD = 1, 2
SNN_LOSS_CE_COUNT, SNN_LOSS_CE_MEM_SUM, SNN_LOSS_CE_MEM_MAX = 1, 2, 3
SNN_LOSS_MSE_COUNT, SNN_LOSS_CE_MEM_STEPS = 4, 5
SNN_SURROGATE_FAST_SIGMOID, SNN_SURROGATE_ATAN, SNN_SURROGATE_TRIANGLE = 1, 2, 3
SNN_SCHEDULE_CONSTANT, SNN_SCHEDULE_STEP, SNN_SCHEDULE_COSINE, SNN_SCHEDULE_EXP = 1, 2, 3, 4

SNN_STDP_TRIPLET, SNN_STDP_PAIR_ADDITIVE = 1, 2
SNN_STDP_PAIR_MULTIPLICATIVE, SNN_STDP_PRE_TRACE = 3, 4
SNN_STDP_INHIB_POPULATION, SNN_STDP_INHIB_DIRECT = 1, 2
SNN_STDP_CONDUCTANCE, SNN_STDP_CURRENT = 1, 2
SNN_STDP_EULER, SNN_STDP_IMPLICIT, SNN_STDP_AUTO = 1, 2, 3
SNN_STDP_NO_NORMALIZE, SNN_STDP_NO_THETA, SNN_STDP_KEEP_WEIGHTS = 0x1, 0x2, 0x4
SNN_STDP_NO_LOCKOUT = 0x8
SNN_SPIKEPROP_SGD, SNN_SPIKEPROP_RPROP = 0, 1
SNN_NIR_EXACT, SNN_NIR_EULER = 0, 1
SNN_NIR_RESET_TO_V_RESET, SNN_NIR_RESET_SUBTRACT = 0, 1


# ---- sized structs ---------------------------------------------------------------
class ParamInfoStruct(ctypes.Structure):
    """snn_param_info (output struct; struct_size set by the caller)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("name", c_char_p),
        ("default_value", c_double),
        ("min_value", c_double),
        ("max_value", c_double),
        ("unit", c_char_p),
        ("doc", c_char_p),
    ]


class ProgressStruct(ctypes.Structure):
    """snn_progress (passed to the progress callback; read only covered fields)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("epoch", c_uint32),
        ("n_epochs", c_uint32),
        ("batch", c_uint64),
        ("n_batches", c_uint64),
        ("loss", c_double),
        ("accuracy", c_double),
        ("seconds", c_double),
    ]


class _SizedOptions(ctypes.Structure):
    """Base of the sized option structs: struct_size is filled in, fields from keywords."""

    def __init__(self, **kwargs):
        super().__init__()
        self.struct_size = ctypes.sizeof(type(self))
        for k, v in kwargs.items():
            setattr(self, k, v)


class BpttOptions(_SizedOptions):
    """snn_bptt_options, field by field. Zero in a field means the library default."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("learning_rate", c_double),
        ("batch_size", c_uint32),
        ("optimizer", c_int32),
        ("loss", c_int32),
        ("surrogate", c_int32),
        ("surrogate_slope", c_double),
        ("momentum", c_double),
        ("beta1", c_double),
        ("beta2", c_double),
        ("epsilon", c_double),
        ("weight_decay", c_double),
        ("schedule", c_int32),
        ("gamma", c_double),
        ("step_epochs", c_uint32),
        ("total_epochs", c_uint32),
        ("grad_clip", c_double),
        ("seed", c_uint64),
        ("target_rate", c_double),
    ]



class StdpOptions(_SizedOptions):
    """snn_stdp_options, field by field. Zero in a field means the library default."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("rule", c_int32),
        ("a_plus", c_double),
        ("a_minus", c_double),
        ("tau_plus", c_double),
        ("tau_minus", c_double),
        ("tau_triplet", c_double),
        ("w_min", c_double),
        ("w_max", c_double),
        ("x_tar", c_double),
        ("mu", c_double),
        ("norm_total", c_double),
        ("theta_plus", c_double),
        ("tau_theta", c_double),
        ("max_rate", c_double),
        ("rate_increment", c_double),
        ("min_spikes", c_uint32),
        ("max_repeats", c_uint32),
        ("t_present", c_double),
        ("t_rest", c_double),
        ("dt", c_double),
        ("inhibition", c_int32),
        ("synapse", c_int32),
        ("w_exc_inh", c_double),
        ("w_inh_exc", c_double),
        ("flags", c_uint32),
        ("seed", c_uint64),
        ("integrator", c_int32),
    ]



class SpikepropOptions(_SizedOptions):
    """snn_spikeprop_options, field by field. Zero in a field means the library default."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("learning_rate", c_double),
        ("terminals", c_uint32),
        ("delay_min", c_double),
        ("delay_step", c_double),
        ("inhibitory_fraction", c_double),
        ("t_max", c_double),
        ("denom_floor", c_double),
        ("silent_push", c_double),
        ("w_init_min", c_double),
        ("w_init_max", c_double),
        ("t_early", c_double),
        ("t_late", c_double),
        ("bias", c_uint32),
        ("seed", c_uint64),
        ("weight_decay", c_double),
        ("momentum", c_double),
        ("update", c_uint32),
        ("batch_size", c_uint32),
        ("late_push", c_double),
    ]


class NirOptions(_SizedOptions):
    """snn_nir_options, field by field (zeros: exact discretisation, reset to v_reset;
    dt is required for import)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("dt", c_double),
        ("discretization", c_int32),
        ("reset", c_int32),
    ]


class StdpStatsStruct(ctypes.Structure):
    """snn_stdp_stats (output struct)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("examples", c_uint64),
        ("presentations", c_uint64),
        ("steps", c_uint64),
        ("input_spikes", c_uint64),
        ("exc_spikes", c_uint64),
        ("syn_events", c_uint64),
        ("seconds", c_double),
    ]


class SpnetOptions(_SizedOptions):
    """snn_spnet_options, field by field. Zero in a field means the library default."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("dt", c_double),
        ("seed", c_uint64),
        ("record_limit", c_size_t),
        ("n_threads", c_uint32),
    ]


class SpnetConnectOptions(_SizedOptions):
    """snn_spnet_connect_options, field by field (zeros: defaults; p or in_degree required)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("rule", c_int32),
        ("receptor", c_int32),
        ("p", c_double),
        ("in_degree", c_uint32),
        ("autapses", c_int32),
        ("weight", c_double),
        ("weight_sd", c_double),
        ("delay", c_double),
    ]


class SpnetStatsStruct(ctypes.Structure):
    """snn_spnet_stats (output struct)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("steps", c_uint64),
        ("spikes", c_uint64),
        ("recorded", c_uint64),
        ("dropped", c_uint64),
        ("syn_events", c_uint64),
        ("n_neurons", c_uint64),
        ("n_synapses", c_uint64),
        ("synapse_bytes", c_uint64),
        ("build_seconds", c_double),
        ("sim_seconds", c_double),
    ]


class LoadOptions(_SizedOptions):
    """snn_load_options, field by field (zeros/NULLs: no custom kinds, no rule).

    neuron_models points at an array of n_neuron_models model handles (borrowed
    for the call). learner_ops/learner_user stay NULL from Python: custom
    learning rules cannot be written in Python."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("neuron_models", POINTER(c_void_p)),
        ("n_neuron_models", c_size_t),
        ("learner_ops", c_void_p),
        ("learner_user", c_void_p),
    ]


#: void *(*malloc_fn)(void *user, size_t size)
MALLOC_FN = ctypes.CFUNCTYPE(c_void_p, c_void_p, c_size_t)
#: void (*free_fn)(void *user, void *ptr)
FREE_FN = ctypes.CFUNCTYPE(None, c_void_p, c_void_p)


class AllocatorStruct(ctypes.Structure):
    """snn_allocator."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("malloc_fn", MALLOC_FN),
        ("free_fn", FREE_FN),
        ("user", c_void_p),
    ]


class ParamDefStruct(ctypes.Structure):
    """snn_param_def (parameter table of a custom neuron model)."""
    _fields_ = [
        ("name", c_char_p),
        ("default_value", c_double),
        ("min_value", c_double),
        ("max_value", c_double),
        ("unit", c_char_p),
        ("doc", c_char_p),
    ]


#: int (*init)(void *user, const double *params, float *state, size_t n)
NEURON_INIT_FN = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(c_double), POINTER(ctypes.c_float),
                                  c_size_t)
#: int (*step)(void *user, const double *params, float *state, const float *i_in,
#:             uint8_t *spikes, size_t n, double dt)
NEURON_STEP_FN = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(c_double), POINTER(ctypes.c_float),
                                  POINTER(ctypes.c_float), POINTER(ctypes.c_uint8), c_size_t,
                                  c_double)
#: void (*destroy)(void *user)
DESTROY_FN = ctypes.CFUNCTYPE(None, c_void_p)


class NeuronOpsStruct(ctypes.Structure):
    """snn_neuron_ops (step_grad is left NULL: Python models are not trainable by BPTT)."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("name", c_char_p),
        ("n_state", c_uint32),
        ("state_names", POINTER(c_char_p)),
        ("n_params", c_uint32),
        ("params", POINTER(ParamDefStruct)),
        ("init", NEURON_INIT_FN),
        ("step", NEURON_STEP_FN),
        ("step_grad", c_void_p),
        ("destroy", DESTROY_FN),
    ]


#: int (*snn_progress_fn)(const snn_progress *p, void *user)
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, POINTER(ProgressStruct), c_void_p)

_P = c_void_p          # opaque handle
_PP = POINTER(c_void_p)  # handle out-parameter
_S = c_char_p
_Z = c_size_t
_I = c_int             # status return
_V = c_void_p          # array pointer (NumPy .ctypes.data) or None

# name: (restype, [argtypes])
PROTOTYPES = {
    # version, errors
    "snn_version_number": (c_int, []),
    "snn_version_string": (c_char_p, []),
    "snn_features": (c_uint32, []),
    "snn_strerror": (c_char_p, [c_int]),
    "snn_last_error": (c_char_p, []),
    "snn_clear_error": (None, []),
    "snn_set_error": (None, [c_char_p]),
    "snn_set_allocator": (c_int, [POINTER(AllocatorStruct)]),
    # neuron models
    "snn_neuron_kind_count": (_Z, []),
    "snn_neuron_kind_name": (_S, [_Z]),
    "snn_neuron_model_create": (_I, [_PP, _S]),
    "snn_neuron_model_create_preset": (_I, [_PP, _S, _S]),
    "snn_neuron_preset_count": (_Z, [_S]),
    "snn_neuron_preset_name": (_S, [_S, _Z]),
    "snn_neuron_preset_doc": (_S, [_S, _Z]),
    "snn_neuron_model_clone": (_I, [_PP, _P]),
    "snn_neuron_model_free": (None, [_P]),
    "snn_neuron_model_kind": (_S, [_P]),
    "snn_neuron_model_set": (_I, [_P, _S, c_double]),
    "snn_neuron_model_set_str": (_I, [_P, _S, _S]),
    "snn_neuron_model_get": (_I, [POINTER(c_double), _P, _S]),
    "snn_neuron_model_param_count": (_Z, [_P]),
    "snn_neuron_model_param_info": (_I, [POINTER(ParamInfoStruct), _P, _Z]),
    "snn_neuron_model_state_count": (_Z, [_P]),
    "snn_neuron_model_state_name": (_S, [_P, _Z]),
    "snn_neuron_model_create_custom": (_I, [_PP, POINTER(NeuronOpsStruct), c_void_p]),
    # populations
    "snn_population_create": (_I, [_PP, _P, _Z]),
    "snn_population_free": (None, [_P]),
    "snn_population_size": (_Z, [_P]),
    "snn_population_reset": (_I, [_P]),
    "snn_population_step": (_I, [_P, _V, _V, _Z, c_double]),
    "snn_population_state_get": (_I, [_V, _P, _S, _Z]),
    "snn_population_state_set": (_I, [_P, _S, _V, _Z]),
    # encoders
    "snn_encoder_create": (_I, [_PP, _S]),
    "snn_encoder_clone": (_I, [_PP, _P]),
    "snn_encoder_free": (None, [_P]),
    "snn_encoder_kind": (_S, [_P]),
    "snn_encoder_set": (_I, [_P, _S, c_double]),
    "snn_encoder_set_str": (_I, [_P, _S, _S]),
    "snn_encoder_get": (_I, [POINTER(c_double), _P, _S]),
    "snn_encoder_param_count": (_Z, [_P]),
    "snn_encoder_param_info": (_I, [POINTER(ParamInfoStruct), _P, _Z]),
    "snn_encoder_seed": (_I, [_P, c_uint64]),
    "snn_encoder_output_size": (_I, [POINTER(c_size_t), _P, _Z]),
    "snn_encoder_encode": (_I, [_P, _V, _Z, _V, _Z, _Z]),
    "snn_encoder_spike_times": (_I, [_P, _V, _Z, _V, _Z]),
    # datasets
    "snn_dataset_create": (_I, [_PP, _V, _V, _Z, _Z]),
    "snn_dataset_load_idx": (_I, [_PP, _S, _S]),
    "snn_dataset_load_csv": (_I, [_PP, _S, c_int32, c_int32]),
    "snn_dataset_free": (None, [_P]),
    "snn_dataset_size": (_Z, [_P]),
    "snn_dataset_n_features": (_Z, [_P]),
    "snn_dataset_n_classes": (_Z, [_P]),
    "snn_dataset_get": (_I, [_V, _V, _P, _Z, _Z]),
    "snn_dataset_normalize": (_I, [_P, _P]),
    "snn_dataset_feature_ranges": (_I, [_V, _V, _Z, _P]),
    "snn_dataset_normalize_ranges": (_I, [_P, _V, _V, _Z]),
    "snn_dataset_split": (_I, [_PP, _PP, _P, c_double, c_uint64]),
    # layers
    "snn_layer_create_dense": (_I, [_PP, _Z, _Z, _P]),
    "snn_layer_create_conv2d": (_I, [_PP, _Z, _Z, _Z, _Z, _Z, _Z, _Z, _Z, _P]),
    "snn_layer_create_pool2d": (_I, [_PP, _Z, _Z, _Z, c_int32, _Z, _Z, _P]),
    "snn_layer_free": (None, [_P]),
    "snn_layer_kind": (_S, [_P]),
    "snn_layer_n_inputs": (_Z, [_P]),
    "snn_layer_n_outputs": (_Z, [_P]),
    "snn_layer_output_shape": (_I, [POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t),
                                    _P]),
    "snn_layer_set_bias": (_I, [_P, c_int32]),
    "snn_layer_set_recurrent": (_I, [_P, c_int32]),
    "snn_layer_model": (_P, [_P]),
    "snn_layer_param_size": (_Z, [_P, c_int32]),
    "snn_layer_param_get": (_I, [_V, _P, c_int32, _Z]),
    "snn_layer_param_set": (_I, [_P, c_int32, _V, _Z]),
    "snn_layer_set_input_delays": (_I, [_P, _V, _Z]),
    "snn_layer_input_delays": (_I, [_V, _Z, _P]),
    "snn_layer_input_shape": (_I, [POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t),
                                   _P]),
    "snn_layer_window": (_I, [POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t),
                              POINTER(c_size_t), _P]),
    "snn_layer_pool_kind": (_I, [_P]),
    "snn_layer_has_bias": (_I, [_P]),
    "snn_layer_is_recurrent": (_I, [_P]),
    # networks
    "snn_network_create": (_I, [_PP, _Z, _Z, _Z]),
    "snn_network_free": (None, [_P]),
    "snn_network_clone": (_I, [_PP, _P]),
    "snn_network_add_layer": (_I, [_P, _P]),
    "snn_network_n_layers": (_Z, [_P]),
    "snn_network_layer": (_P, [_P, _Z]),
    "snn_network_n_inputs": (_Z, [_P]),
    "snn_network_input_shape": (_I, [POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t),
                                     _P]),
    "snn_network_encoder": (_P, [_P]),
    "snn_network_set_input_delays": (_I, [_P, _Z, _V, _Z]),
    "snn_network_n_outputs": (_Z, [_P]),
    "snn_network_set_encoder": (_I, [_P, _P]),
    "snn_network_set": (_I, [_P, _S, c_double]),
    "snn_network_set_str": (_I, [_P, _S, _S]),
    "snn_network_get": (_I, [POINTER(c_double), _P, _S]),
    "snn_network_init_weights": (_I, [_P, c_uint64]),
    "snn_network_predict": (_I, [_P, _V, _V, _V, _Z, _Z]),
    "snn_network_evaluate": (_I, [POINTER(c_double), _P, _P]),
    "snn_network_activity": (_I, [POINTER(c_double), POINTER(c_double), _P, _Z]),
    # model files
    "snn_network_save": (_I, [_P, _S]),
    "snn_network_load": (_I, [_PP, _S]),
    "snn_network_save_mem": (_I, [POINTER(c_size_t), _P, _V, _Z]),
    "snn_network_load_mem": (_I, [_PP, _V, _Z]),
    # learners
    "snn_bptt_options_init": (_I, [POINTER(BpttOptions), _Z]),
    "snn_learner_create_bptt": (_I, [_PP, _P, POINTER(BpttOptions)]),
    "snn_learner_free": (None, [_P]),
    "snn_learner_kind": (_S, [_P]),
    "snn_learner_train_epoch": (_I, [_P, POINTER(c_double), _P, PROGRESS_FN, _V]),
    "snn_learner_train_batch": (_I, [_P, POINTER(c_double), _V, _V, _Z, _Z]),
    "snn_learner_gradient": (_I, [_P, _V, _Z, POINTER(c_double), _V, _V, _Z, _Z]),
    "snn_learner_n_params": (_Z, [_P]),
    "snn_learner_set_learning_rate": (_I, [_P, c_double]),
    "snn_learner_set_epoch": (_I, [_P, c_uint32]),
    # STDP learner
    "snn_stdp_options_init": (_I, [POINTER(StdpOptions), _Z]),
    "snn_learner_create_stdp": (_I, [_PP, _P, POINTER(StdpOptions)]),
    "snn_learner_stdp_train": (_I, [_P, _P, _Z, PROGRESS_FN, _V]),
    "snn_learner_stdp_present": (_I, [_V, _P, _Z, _V, _Z, c_int32, c_int32]),
    "snn_learner_stdp_apply": (_I, [_P, _V, _Z, _V, _Z, _Z]),
    "snn_learner_stdp_label": (_I, [_P, _P, _Z, PROGRESS_FN, _V]),
    "snn_learner_stdp_classify": (_I, [_V, _P, _V, _Z, _Z]),
    "snn_learner_stdp_evaluate": (_I, [POINTER(c_double), _P, _P, _Z, PROGRESS_FN, _V]),
    "snn_learner_stdp_assignments_get": (_I, [_V, _P, _Z]),
    "snn_learner_stdp_assignments_set": (_I, [_P, _V, _Z]),
    "snn_learner_stdp_theta_get": (_I, [_V, _P, _Z]),
    "snn_learner_stdp_theta_set": (_I, [_P, _V, _Z]),
    "snn_learner_stdp_stats": (_I, [POINTER(StdpStatsStruct), _P]),
    "snn_learner_stdp_set_t_infer": (_I, [_P, c_double]),
    "snn_learner_stdp_t_infer": (_I, [POINTER(c_double), _P]),
    "snn_learner_stdp_options_get": (_I, [POINTER(StdpOptions), _P]),
    # Raw prototypes without a Pythonic wrapper yet (event-driven networks); struct
    # and array arguments are void pointers. SpikeProp, load options, learner files
    # and NIR (further down) are wrapped by snn.Learner / snn.Network.
    "snn_spnet_options_init": (_I, [POINTER(SpnetOptions), _Z]),
    "snn_spnet_create": (_I, [_PP, POINTER(SpnetOptions)]),
    "snn_spnet_free": (None, [_P]),
    "snn_spnet_add_population": (_I, [POINTER(c_size_t), _P, _P, _Z]),
    "snn_spnet_n_neurons": (_Z, [_P]),
    "snn_spnet_n_populations": (_Z, [_P]),
    "snn_spnet_population_range": (_I, [POINTER(c_size_t), POINTER(c_size_t), _P, _Z]),
    "snn_spnet_population_set": (_I, [_P, _Z, _S, c_double]),
    "snn_spnet_population_get": (_I, [POINTER(c_double), _P, _Z, _S]),
    "snn_spnet_connect_options_init": (_I, [POINTER(SpnetConnectOptions), _Z]),
    "snn_spnet_connect": (_I, [POINTER(c_size_t), _P, _Z, _Z, POINTER(SpnetConnectOptions)]),
    "snn_spnet_state_get": (_I, [_V, _P, _Z, _S, _Z]),
    "snn_spnet_state_set": (_I, [_P, _Z, _S, _V, _Z]),
    "snn_spnet_state_uniform": (_I, [_P, _Z, _S, c_double, c_double]),
    "snn_spnet_run": (_I, [_P, c_double]),
    "snn_spnet_time": (c_double, [_P]),
    "snn_spnet_reset": (_I, [_P]),
    "snn_spnet_stats_get": (_I, [POINTER(SpnetStatsStruct), _P]),
    "snn_spnet_spike_count": (_Z, [_P]),
    "snn_spnet_spikes_get": (_I, [_V, _V, _P, _Z, _Z]),
    "snn_spnet_spikes_clear": (_I, [_P]),
    "snn_spnet_save": (_I, [_P, _S]),
    "snn_spnet_save_mem": (_I, [POINTER(c_size_t), _P, _V, _Z]),
    "snn_spnet_load": (_I, [_PP, _S]),
    "snn_spnet_load_mem": (_I, [_PP, _V, _Z]),
    # SpikeProp learner (snn.Learner.spikeprop)
    "snn_spikeprop_options_init": (_I, [POINTER(SpikepropOptions), _Z]),
    "snn_learner_create_spikeprop": (_I, [_PP, _Z, _Z, _Z, _P, _P, POINTER(SpikepropOptions)]),
    "snn_learner_spikeprop_run": (_I, [_V, _Z, _V, _Z, _P, _V, _Z]),
    "snn_learner_spikeprop_train_example": (_I, [POINTER(c_double), _P, _V, _Z, _V, _Z]),
    "snn_learner_spikeprop_gradient": (_I, [_V, _Z, POINTER(c_double), _P, _V, _Z, _V, _Z]),
    "snn_learner_spikeprop_weights_get": (_I, [_V, _Z, _P]),
    "snn_learner_spikeprop_weights_set": (_I, [_P, _V, _Z]),
    "snn_learner_spikeprop_classify": (_I, [_V, _V, _P, _V, _Z, _Z]),
    "snn_learner_spikeprop_evaluate": (_I, [POINTER(c_double), _P, _P]),
    "snn_learner_spikeprop_sizes": (_I, [POINTER(c_size_t), POINTER(c_size_t),
                                        POINTER(c_size_t), _P]),
    "snn_learner_spikeprop_options_get": (_I, [POINTER(SpikepropOptions), _P]),
    "snn_learner_spikeprop_models": (_I, [_PP, _PP, _P]),
    "snn_learner_spikeprop_n_features": (_I, [POINTER(c_size_t), _P]),
    "snn_learner_spikeprop_set_input_ranges": (_I, [_P, _V, _V, _Z]),
    "snn_learner_spikeprop_input_ranges": (_I, [POINTER(c_size_t), _V, _V, _Z, _P]),
    # load options (models= of snn.Network.load/load_mem and snn.Learner.load/load_mem;
    # learner_ops stays NULL: custom learning rules cannot be written in Python)
    "snn_load_options_init": (_I, [POINTER(LoadOptions), _Z]),
    "snn_network_load_ex": (_I, [_PP, _S, POINTER(LoadOptions)]),
    "snn_network_load_mem_ex": (_I, [_PP, _V, _Z, POINTER(LoadOptions)]),
    # learner files (snn.Learner.save/load)
    "snn_learner_save": (_I, [_P, _S]),
    "snn_learner_save_mem": (_I, [POINTER(c_size_t), _P, _V, _Z]),
    "snn_learner_load": (_I, [_PP, _PP, _S, POINTER(LoadOptions)]),
    "snn_learner_load_mem": (_I, [_PP, _PP, _V, _Z, POINTER(LoadOptions)]),
    # NIR (snn.Network.import_nir/export_nir, snn.nir_describe)
    "snn_nir_options_init": (_I, [POINTER(NirOptions), _Z]),
    "snn_network_import_nir": (_I, [_PP, _S, POINTER(NirOptions)]),
    "snn_network_import_nir_mem": (_I, [_PP, _V, _Z, POINTER(NirOptions)]),
    "snn_network_export_nir": (_I, [_P, _S, POINTER(NirOptions)]),
    "snn_network_export_nir_mem": (_I, [POINTER(c_size_t), _P, _V, _Z,
                                           POINTER(NirOptions)]),
    "snn_nir_describe": (_I, [POINTER(c_size_t), _V, _Z, _S]),
    "snn_network_run_sequence": (_I, [_V, _V, _P, _V, _Z, _Z]),
}


def declare(lib):
    """Sets argtypes/restype of every function in PROTOTYPES that @p lib exports.

    Returns the names the library does not export (an older or partial build);
    calling one of them raises UnsupportedError from the class layer.
    """
    missing = []
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing


__all__ = ["PROTOTYPES", "declare", "PROGRESS_FN", "MALLOC_FN", "FREE_FN", "ParamInfoStruct",
           "ProgressStruct", "BpttOptions", "StdpOptions", "SpikepropOptions", "NirOptions",
           "StdpStatsStruct", "AllocatorStruct", "SpnetOptions", "SpnetConnectOptions",
           "SpnetStatsStruct", "LoadOptions",
           "ParamDefStruct", "NeuronOpsStruct", "NEURON_INIT_FN", "NEURON_STEP_FN", "DESTROY_FN"]

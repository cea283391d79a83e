"""The ctypes declarations match include/snn.h: structs field by field, every function."""
import ctypes
import re
import unittest

import snn
from snn import _native

from .support import HEADER

# C type in snn.h -> ctypes type used for it in a struct
C_TYPES = {
    "size_t": ctypes.c_size_t, "double": ctypes.c_double, "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32, "uint64_t": ctypes.c_uint64, "const char *": ctypes.c_char_p,
    "void *": ctypes.c_void_p,
    "const char *const *": ctypes.POINTER(ctypes.c_char_p),
    "const snn_param_def *": ctypes.POINTER(_native.ParamDefStruct),
    # model handles are c_void_p; custom learning rules are not bound (always NULL)
    "const snn_neuron_model *const *": ctypes.POINTER(ctypes.c_void_p),
    "const snn_learner_ops *": ctypes.c_void_p,
}


def header_text():
    with open(HEADER) as f:
        return f.read()


def struct_fields(text, name):
    m = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), text, re.S)
    assert m, name
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    fields = []
    for decl in body.split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        if "(*" in decl:  # function pointer
            fields.append((re.search(r"\(\*(\w+)\)", decl).group(1), "fnptr"))
            continue
        m2 = re.match(r"(.*?)(\w+)$", decl)
        fields.append((m2.group(2), m2.group(1).strip()))
    return fields


class HeaderConformance(unittest.TestCase):
    def check_struct(self, cname, cls):
        fields = struct_fields(header_text(), cname)
        self.assertEqual([f[0] for f in fields], [f[0] for f in cls._fields_],
                         f"{cls.__name__} field order differs from {cname}")
        for (name, ctype), (pname, ptype) in zip(fields, cls._fields_):
            if ctype == "fnptr":
                continue
            self.assertIs(C_TYPES[ctype], ptype, f"{cname}.{name}: {ctype} vs {ptype}")

    def test_structs_mirror_header(self):
        for cname, cls in (("snn_bptt_options", _native.BpttOptions),
                           ("snn_stdp_options", _native.StdpOptions),
                           ("snn_stdp_stats", _native.StdpStatsStruct),
                           ("snn_progress", _native.ProgressStruct),
                           ("snn_param_info", _native.ParamInfoStruct),
                           ("snn_allocator", _native.AllocatorStruct),
                           ("snn_param_def", _native.ParamDefStruct),
                           ("snn_neuron_ops", _native.NeuronOpsStruct),
                           ("snn_load_options", _native.LoadOptions)):
            with self.subTest(struct=cname):
                self.check_struct(cname, cls)

    def test_struct_sizes_accepted(self):
        o = _native.BpttOptions()
        self.assertEqual(o.struct_size, ctypes.sizeof(_native.BpttOptions))
        self.assertEqual(snn.library.snn_bptt_options_init(ctypes.byref(o), o.struct_size), 0)
        s = _native.StdpOptions()
        self.assertEqual(snn.library.snn_stdp_options_init(ctypes.byref(s), s.struct_size), 0)
        # too small a struct_size is refused with SNN_E_VERSION
        self.assertEqual(snn.library.snn_bptt_options_init(ctypes.byref(o), 4),
                         _native.SNN_E_VERSION)
        lo = _native.LoadOptions(n_neuron_models=3)
        self.assertEqual(snn.library.snn_load_options_init(ctypes.byref(lo), lo.struct_size), 0)
        self.assertEqual(lo.struct_size, ctypes.sizeof(_native.LoadOptions))
        self.assertEqual(lo.n_neuron_models, 0)   # zeroed by the library
        self.assertFalse(lo.neuron_models)

    def test_every_function_declared(self):
        declared = set(re.findall(r"SNN_API[^;(]*?\b(snn_\w+)\s*\(", header_text()))
        self.assertGreater(len(declared), 100)
        # The custom learning-rule plug-in is not bound (see docs/python.md).
        unbound = {"snn_learner_create_custom"}
        self.assertEqual(declared - set(_native.PROTOTYPES) - unbound, set())
        self.assertEqual(set(_native.PROTOTYPES) - declared, set(),
                         "prototypes for functions the header does not declare")
        self.assertEqual(snn.MISSING_SYMBOLS, (), "header functions not exported by the library")
        for name in _native.PROTOTYPES:
            fn = getattr(snn.library, name)
            self.assertIsNotNone(fn.argtypes, name)

    def test_status_values_match_header(self):
        text = header_text()
        for name, value in re.findall(r"\b(SNN_(?:OK|E_\w+)) = (-?\d+)", text):
            self.assertEqual(getattr(_native, name), int(value), name)
            if int(value):
                self.assertEqual(snn.STATUS_ERRORS[int(value)].status_code, int(value))
        self.assertEqual(len(snn.STATUS_ERRORS), 12)

    def test_enum_values_match_header(self):
        text = header_text()
        for name, value in re.findall(r"\b(SNN_(?:POOL|PARAM|OPTIMIZER|LOSS|SURROGATE|SCHEDULE|"
                                      r"STDP)_\w+) = (\d+)", text):
            self.assertEqual(getattr(_native, name), int(value), name)


if __name__ == "__main__":
    unittest.main()

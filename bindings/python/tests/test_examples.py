"""examples/python/mnist.py: same defaults as bin/mnist, same result for the same seed."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import unittest

from .support import ROOT, needs_numpy

EXAMPLE = os.path.join(ROOT, "examples", "python", "mnist.py")
DEFAULTS_H = os.path.join(ROOT, "examples", "mnist", "defaults.h")
DATA = os.path.join(ROOT, "data", "mnist")


def load_example():
    spec = importlib.util.spec_from_file_location("mnist_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def have_mnist():
    return all(os.path.isfile(os.path.join(DATA, f)) for f in (
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte"))


@needs_numpy
class MnistExampleTest(unittest.TestCase):
    def test_defaults_match_bin_mnist(self):
        with open(DEFAULTS_H) as f:
            text = f.read()
        c_defaults = {}
        for name, value in re.findall(r"#define DEF_(\w+) (\S+)", text):
            value = value.strip('"')
            try:
                value = float(value) if any(ch in value for ch in ".e") else int(value)
            except ValueError:
                pass
            c_defaults[name.lower()] = value
        py = load_example().DEFAULTS
        self.assertEqual(set(c_defaults), set(py),
                         "examples/python/mnist.py DEFAULTS and examples/mnist/defaults.h "
                         "name different settings")
        for k, v in c_defaults.items():
            self.assertEqual(py[k], v, f"default {k}")

    def test_shift_generator_matches_c(self):
        import numpy as np
        mod = load_example()
        # mix64 reference values computed with examples/mnist/report.c's mix64()
        z = mod.mix64(np.array([0, 1, 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
        self.assertEqual([int(v) for v in z], [0xE220A8397B1DCDAF, 0x910A2DEC89025CC1,
                                               0xE4D971771B652C20])

    @unittest.skipUnless(have_mnist(), "MNIST IDX files not in data/mnist (run `make data`)")
    def test_same_result_as_bin_mnist(self):
        args = ["--arch", "784-64-10", "--epochs", "1", "--train-limit", "600",
                "--test-limit", "300", "--seed", "3", "--json", "--quiet", "--data", DATA]
        env = dict(os.environ)
        py = subprocess.run([sys.executable, EXAMPLE] + args, capture_output=True, text=True,
                            env=env, timeout=120)
        self.assertEqual(py.returncode, 0, py.stderr)
        res_py = json.loads(py.stdout.strip().splitlines()[-1])
        self.assertEqual(res_py["train_samples"], 600)
        self.assertGreater(res_py["test_accuracy"], 20.0)  # chance is 10%
        binary = os.environ.get("SNN_MNIST_BIN", os.path.join(ROOT, "bin", "mnist"))
        if not os.access(binary, os.X_OK):
            self.skipTest(f"{binary} not built (make examples) - compared nothing")
        c = subprocess.run([binary] + args, capture_output=True, text=True, timeout=120)
        if c.returncode == 2:
            self.skipTest(f"{binary} does not accept these options (outdated build): "
                          f"{c.stderr.strip()[:200]}")
        self.assertEqual(c.returncode, 0, c.stderr)
        res_c = json.loads(c.stdout.strip().splitlines()[-1])
        self.assertEqual(res_py["test_accuracy"], res_c["test_accuracy"])
        self.assertAlmostEqual(res_py["history"][0]["loss"], res_c["history"][0]["loss"],
                               places=5)


if __name__ == "__main__":
    unittest.main()

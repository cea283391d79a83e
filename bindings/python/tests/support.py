"""Shared helpers of the Python binding tests."""
import importlib.util
import os
import unittest

import snn

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HEADER = os.path.join(ROOT, "include", "snn.h")

HAVE_NUMPY = importlib.util.find_spec("numpy") is not None

#: Decorator for test classes that need NumPy (the classes of the binding do).
needs_numpy = unittest.skipUnless(HAVE_NUMPY and getattr(snn, "HAVE_NUMPY", False),
                                  "NumPy is not installed (python3-numpy)")


def py_lif(kind="py_lif", tau=None):
    """A leaky integrate-and-fire neuron written in Python as NeuronModel.custom (NumPy over
    all neurons; parameters tau, V_th); @p tau overrides the default 10 ms."""
    def init(p, s):
        s[0] = 0.0

    def step(p, s, i_in, spikes, dt):
        tau_, v_th = p
        s[0] += dt / tau_ * (i_in - s[0])
        fired = s[0] >= v_th
        spikes[fired] = 1
        s[0][fired] = 0.0

    m = snn.NeuronModel.custom(kind, init, step,
                               params=[("tau", 10.0, 0.1, 1e3, "ms", "time constant"),
                                       ("V_th", 1.0, -1e3, 1e3, "mV")])
    if tau is not None:
        m.tau = tau
    return m


def toy_data(n=128, n_features=12, seed=0):
    """A linearly separable 2-class problem: class = first half sum > second half sum."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.random((n, n_features), dtype=np.float32)
    half = n_features // 2
    y = (x[:, :half].sum(1) > x[:, half:].sum(1)).astype(np.int32)
    return x, y


def toy_network(n_in=12, hidden=16, n_out=2, readout="membrane", seed=1):
    """A small dense network of snnTorch-style leaky neurons, weights initialised."""
    hid = snn.NeuronModel.leaky(0.9)
    out = snn.NeuronModel.leaky(0.9, spiking=readout == "count")
    net = snn.Network(n_in)
    net.add(snn.Layer.dense(n_in, hidden, hid))
    net.add(snn.Layer.dense(hidden, n_out, out))
    net.configure(steps=8, readout=readout)
    net.init_weights(seed)
    hid.close()
    out.close()
    return net


def rss_bytes():
    """Resident set size from /proc/self/statm (None when unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None

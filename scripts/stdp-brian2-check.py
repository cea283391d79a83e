#!/usr/bin/env python3
"""Cross-simulator check of the STDP learner's network (docs/stdp.md), inference only.

Loads a model written by `bin/stdp-mnist --save FILE` (weights, thresholds theta,
neuron labels), classifies the first LIMIT MNIST test images with libsnn
(snn_learner_stdp_evaluate) and with an independent Brian2 network written from the
equations of docs/stdp.md, and prints for both the accuracy, the excitatory spikes per
presentation and the presentations per example. The two simulators draw different
Poisson inputs, so they agree statistically, not spike for spike.

    python3 scripts/stdp-brian2-check.py MODEL.snn [--limit 1000] [--data data/mnist]

Needs NumPy, Brian2 (Debian: python3-brian) and the built library (SNN_LIBRARY, or
the build tree this script sits in). Not part of `make check`: a 1000-image run
takes about 10 minutes of Brian2 on one core.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
import snn  # noqa: E402

try:
    from brian2 import (NeuronGroup, PoissonGroup, Synapses, SpikeMonitor, Network,
                        defaultclock, ms, Hz, prefs)
except ImportError:
    sys.exit("stdp-brian2-check: Brian2 is not installed (Debian: apt-get install python3-brian)")

DT = 0.5  # ms, the learner's default time step


def idx(path, labels):
    raw = open(path, "rb").read()
    if labels:
        return np.frombuffer(raw[8:], dtype=np.uint8).astype(np.int32)
    n, r, c = (int(v) for v in np.frombuffer(raw[4:16], dtype=">u4"))
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, r * c).astype(np.float32) / 255


# Per-step updates of docs/stdp.md ("Simulation of one example"), default options:
# SNN_STDP_AUTO integrator (forward Euler where k(1 + ge + gi) <= 1, backward Euler
# above), v clamped while refractory, conductances decaying exactly.
EXC_STEP = """
k = dt_ms / 100.0
vx = v + k * ((-65.0 - v) + ge * (0.0 - v) + gi * (-100.0 - v))
kl = k * (1.0 + ge + gi)
vi = (v + k * (-65.0 + gi * (-100.0))) / (1.0 + kl)
vn = vi * int(kl > 1.0) + vx * int(kl <= 1.0)
v = v * int(r > 0.0) + vn * int(r <= 0.0)
r = clip(r - dt_ms, 0.0, 1e9)
lk = clip(lk - dt_ms, -1.0, 1e9)
ge = ge * exp(-dt_ms / 1.0)
gi = gi * exp(-dt_ms / 2.0)
"""
INH_STEP = """
k = dt_ms / 10.0
vx = v + k * ((-60.0 - v) + ge * (0.0 - v))
kl = k * (1.0 + ge)
vi = (v + k * (-60.0)) / (1.0 + kl)
vn = vi * int(kl > 1.0) + vx * int(kl <= 1.0)
v = v * int(r > 0.0) + vn * int(r <= 0.0)
r = clip(r - dt_ms, 0.0, 1e9)
ge = ge * exp(-dt_ms / 1.0)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data", "mnist"))
    a = ap.parse_args()

    learner, net = snn.Learner.load(a.model)
    o = learner.stdp_options()
    nat = snn._native
    if ((o.rule, o.inhibition, o.synapse, o.integrator) !=
            (nat.SNN_STDP_TRIPLET, nat.SNN_STDP_INHIB_POPULATION, nat.SNN_STDP_CONDUCTANCE,
             nat.SNN_STDP_AUTO) or o.dt != DT):
        sys.exit("stdp-brian2-check: the Brian2 side models the default options only "
                 "(triplet, inhibitory population, conductances, auto integrator, dt 0.5)")
    wmat = net.layer(0).get_param(1)  # (n_out, n_in)
    n_out, n_in = wmat.shape
    theta = np.asarray(learner.theta, dtype=np.float64)
    assign = np.asarray(learner.assignments)
    x = idx(os.path.join(a.data, "t10k-images-idx3-ubyte"), False)[:a.limit]
    y = idx(os.path.join(a.data, "t10k-labels-idx1-ubyte"), True)[:a.limit]
    k = len(y)

    t0 = time.time()
    s0 = learner.stdp_stats()
    acc = learner.stdp_evaluate(snn.Dataset(x, y))
    s1 = learner.stdp_stats()
    pres = s1["presentations"] - s0["presentations"]
    print(f"libsnn {snn.version()}: accuracy {100 * acc:.2f}% on {k} test images; "
          f"{(s1['exc_spikes'] - s0['exc_spikes']) / pres:.2f} excitatory spikes per "
          f"presentation, {pres / k:.3f} presentations per example ({time.time() - t0:.1f} s)")

    prefs.codegen.target = "cython"
    defaultclock.dt = DT * ms
    lock = 0.0 if o.flags & nat.SNN_STDP_NO_LOCKOUT else 50.0
    exc = NeuronGroup(n_out, "v : 1\nge : 1\ngi : 1\nth : 1\nr : 1\nlk : 1\n"
                             "dt_ms : 1 (shared)",
                      threshold="v > -72.0 + th and lk < 0.0",
                      reset="v = -65.0\nr = 5.0\nlk = lock_ms", method="euler",
                      namespace={"lock_ms": lock})
    exc.run_regularly(EXC_STEP, when="groups")
    inh = NeuronGroup(n_out, "v : 1\nge : 1\nr : 1\ndt_ms : 1 (shared)",
                      threshold="v > -40.0", reset="v = -45.0\nr = 2.0", method="euler")
    inh.run_regularly(INH_STEP, when="groups")
    exc.dt_ms = DT
    inh.dt_ms = DT
    exc.th = theta
    inp = PoissonGroup(n_in, rates=np.zeros(n_in) * Hz)
    s_in = Synapses(inp, exc, "w : 1", on_pre="ge_post += w")
    s_in.connect()
    s_in.w = wmat.T.reshape(-1)  # all-to-all synapses are source-major
    s_ei = Synapses(exc, inh, on_pre="ge_post += w_ei", namespace={"w_ei": o.w_exc_inh})
    s_ei.connect(j="i")
    s_ie = Synapses(inh, exc, on_pre="gi_post += w_ie", namespace={"w_ie": o.w_inh_exc})
    s_ie.connect(condition="i != j")
    mon = SpikeMonitor(exc, record=False)
    bn = Network(exc, inh, inp, s_in, s_ei, s_ie, mon)

    def settle(rest):
        # rest None: the per-example reset of labelling/classification; otherwise the
        # analytic rest after a presentation (docs/stdp.md, "Rest")
        if rest is None:
            exc.v, inh.v, exc.r, inh.r, exc.lk = -65.0, -60.0, 0.0, 0.0, -1.0
        else:
            exc.v = -65.0 + (exc.v[:] + 65.0) * np.exp(-rest / 100.0)
            inh.v = -60.0 + (inh.v[:] + 60.0) * np.exp(-rest / 10.0)
            exc.r = np.maximum(exc.r[:] - rest, 0.0)
            inh.r = np.maximum(inh.r[:] - rest, 0.0)
            exc.lk = np.maximum(exc.lk[:] - rest, -1.0)
        exc.ge, exc.gi, inh.ge = 0.0, 0.0, 0.0

    t0 = time.time()
    correct = n_pres = n_spikes = 0
    for n in range(k):
        settle(None)
        for rep in range(o.max_repeats):
            inp.rates = x[n] * (o.max_rate + o.rate_increment * rep) * Hz
            c0 = np.array(mon.count[:])
            bn.run(o.t_present * ms, namespace={})
            counts = np.array(mon.count[:]) - c0
            n_pres += 1
            n_spikes += int(counts.sum())
            settle(o.t_rest)
            if counts.sum() >= o.min_spikes:
                break
        means = [counts[assign == c].mean() if (assign == c).any() else -1.0
                 for c in range(10)]
        correct += int(np.argmax(means) == y[n])  # lowest class on ties, as libsnn
    print(f"Brian2: accuracy {100 * correct / k:.2f}% on {k} test images; "
          f"{n_spikes / n_pres:.2f} excitatory spikes per presentation, "
          f"{n_pres / k:.3f} presentations per example ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train and evaluate the MNIST spiking classifier through the Python binding.

Same default recipe and seed as bin/mnist (examples/mnist/defaults.h), so both
reach the same accuracy: 784-1000-10 snnTorch-style leaky neurons, direct input
for T = 5 steps, a non-spiking leaky readout, cross-entropy on the summed readout
membrane, Adam 2e-3 with a per-batch cosine decay, batch 128, random +-1 pixel
shifts of the training images (same generator as bin/mnist), 5 epochs, seed 1.

    python3 examples/python/mnist.py --data data/mnist
    python3 examples/python/mnist.py --epochs 1 --train-limit 6000 --json

The work happens in libsnn: Python only builds the network, draws the shifted
copies of the training set (NumPy) and reports progress. Ctrl-C cancels training
cleanly (the KeyboardInterrupt raised in the progress callback stops the C
training loop) and the current weights are evaluated.
"""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))

import numpy as np  # noqa: E402

import snn  # noqa: E402

# The defaults of bin/mnist (examples/mnist/defaults.h); tests/test_examples.py checks
# that they stay equal.
DEFAULTS = {
    "data": "data/mnist",
    "arch": "784-1000-10",
    "encoding": "direct",
    "steps": 5,
    "beta": 0.9,
    "loss": "membrane",
    "epochs": 5,
    "batch": 128,
    "lr": 2e-3,
    "schedule": "cosine",
    "lr_decay": 0.7,
    "slope": 5.0,
    "shift": 1,
    "seed": 1,
}

LOSSES = {"count": "ce_count", "membrane": "ce_mem_sum", "mem-steps": "ce_mem_steps",
          "mem-max": "ce_mem_max", "mse": "mse_count"}
READOUT = {"count": "count", "mse": "count", "membrane": "membrane", "mem-steps": "membrane",
           "mem-max": "membrane_max"}

M64 = (1 << 64) - 1


def parse_args(argv):
    d = DEFAULTS
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=d["data"], help="directory of the IDX files")
    p.add_argument("--arch", default=d["arch"],
                   help="dense layers, input size first (default %(default)s)")
    p.add_argument("--hidden", type=int, help="shorthand for --arch 784-N-10")
    p.add_argument("--encoding", default=d["encoding"], choices=["rate", "direct", "latency"])
    p.add_argument("--steps", type=int, default=d["steps"])
    p.add_argument("--beta", type=float, default=d["beta"])
    p.add_argument("--loss", default=d["loss"], choices=sorted(LOSSES))
    p.add_argument("--epochs", type=int, default=d["epochs"])
    p.add_argument("--batch", type=int, default=d["batch"])
    p.add_argument("--lr", type=float, default=d["lr"])
    p.add_argument("--schedule", choices=["cosine", "exp", "step", "constant"])
    p.add_argument("--lr-decay", type=float, help="gamma of exp/step (default %g)"
                   % d["lr_decay"])
    p.add_argument("--step-epochs", type=int, default=10)
    p.add_argument("--slope", type=float, default=d["slope"], help="surrogate slope")
    p.add_argument("--shift", type=int, default=d["shift"],
                   help="random +-N pixel shifts of the training images (0 = off)")
    p.add_argument("--seed", type=int, default=d["seed"])
    p.add_argument("--train-limit", type=int, help="use only the first K training images")
    p.add_argument("--test-limit", type=int, help="use only the first K test images")
    p.add_argument("--save", help="save the trained network to this file")
    p.add_argument("--json", action="store_true", help="one JSON line on stdout")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)

    # bin/mnist's ranges (examples/mnist/mnist.c, parse_args): a value outside is a usage
    # error (exit 2 with a message), not a run with a meaningless setting
    def need_int(opt, v, lo, hi):
        if v is not None and not lo <= v <= hi:
            p.error(f"{opt}: expected an integer in [{lo}, {hi}], got '{v}'")

    def need_num(opt, v, lo, hi, open_lo=False, open_hi=False):
        if v is None:
            return
        if not (math.isfinite(v) and lo <= v <= hi) or (open_lo and v == lo) or \
                (open_hi and v == hi):
            p.error(f"{opt}: expected a number in {'(' if open_lo else '['}{lo:g}, {hi:g}"
                    f"{')' if open_hi else ']'}, got '{v:g}'")

    need_int("--hidden", a.hidden, 1, 1000000)
    need_int("--steps", a.steps, 1, 100000)
    need_num("--beta", a.beta, 0.0, 1.0, open_lo=True, open_hi=True)
    need_int("--epochs", a.epochs, 0, 100000)
    need_int("--batch", a.batch, 1, 1 << 20)
    need_num("--lr", a.lr, 0.0, 10.0, open_lo=True)
    need_num("--lr-decay", a.lr_decay, 0.0, 1.0, open_lo=True)
    need_int("--step-epochs", a.step_epochs, 1, 100000)
    need_num("--slope", a.slope, 0.0, 1e6, open_lo=True)
    need_int("--shift", a.shift, 0, 8)
    need_int("--seed", a.seed, 0, M64)
    need_int("--train-limit", a.train_limit, 1, 1 << 40)
    need_int("--test-limit", a.test_limit, 1, 1 << 40)
    if a.hidden is not None:
        a.arch = f"784-{a.hidden}-10"
    if a.schedule is None:
        a.schedule = "exp" if a.lr_decay is not None else d["schedule"]
    if a.lr_decay is None:
        a.lr_decay = d["lr_decay"]
    return a


def find_idx(directory, stem, kind):
    for sep in ("-", "."):
        path = os.path.join(directory, f"{stem}{sep}{kind}")
        if os.path.isfile(path):
            return path
    sys.exit(f"mnist.py: missing {stem}-{kind} in '{directory}' (run `make data`)")


def load_split(directory, images, labels, limit):
    d = snn.Dataset.load_idx(find_idx(directory, images, "idx3-ubyte"),
                             find_idx(directory, labels, "idx1-ubyte"))
    if 0 < limit < len(d):
        d = d.subset(0, limit)
    return d


def build_network(args, n_features):
    sizes = [int(t) for t in args.arch.split("-")]
    if sizes[0] != n_features:
        sys.exit(f"mnist.py: --arch starts with {sizes[0]} but the images have {n_features}")
    side = int(math.sqrt(n_features) + 0.5)
    net = snn.Network((1, side, side) if side * side == n_features else n_features)
    mem_loss = args.loss in ("membrane", "mem-steps", "mem-max")
    hidden = snn.NeuronModel.leaky(args.beta)
    output = snn.NeuronModel.leaky(args.beta, spiking=not mem_loss)
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        net.add(snn.Layer.dense(n_in, n_out, output if i == len(sizes) - 2 else hidden))
    enc = snn.Encoder(args.encoding)
    if args.encoding == "rate":
        enc.set(dt=1.0, max_rate=1000.0)
    elif args.encoding == "latency":
        enc.set(dt=1.0, t_max=float(args.steps))
    else:
        enc.set(gain=1.0)
    enc.seed(args.seed)
    net.set_encoder(enc)
    net.configure(steps=args.steps, dt=1.0, seed=args.seed & ((1 << 53) - 1))
    net.init_weights(args.seed)
    net.set("readout", READOUT[args.loss])
    return net


def mix64(z):
    """splitmix64 finaliser on uint64 arrays (the generator of bin/mnist's --shift)."""
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class Shifter:
    """Random +-shift pixel translations drawn anew each epoch, exactly as bin/mnist."""

    def __init__(self, data, shift, seed):
        x, self.labels = data.get()
        self.side = int(math.sqrt(x.shape[1]) + 0.5)
        v = x * np.float32(255.0) + np.float32(0.5)
        del x
        self.pix = np.clip(v, 0, 255).astype(np.uint8).reshape(-1, self.side, self.side)
        self.shift, self.seed = shift, seed

    def epoch(self, ep):
        n, s, k = len(self.labels), self.side, self.shift
        i = np.arange(n, dtype=np.uint64)
        h = mix64(np.uint64(self.seed) ^ mix64((np.uint64(ep) << np.uint64(40)) ^ i))
        w = np.uint64(2 * k + 1)
        dx = (h % w).astype(np.int64) - k
        dy = ((h >> np.uint64(32)) % w).astype(np.int64) - k
        inv = np.float32(1.0) / np.float32(255.0)
        out = np.zeros((n, s, s), dtype=np.float32)
        for ddy in range(-k, k + 1):
            for ddx in range(-k, k + 1):
                sel = np.nonzero((dx == ddx) & (dy == ddy))[0]
                if sel.size == 0:
                    continue
                # dst[y, x] = src[y - dy, x - dx] inside the image, else 0
                ys, yd = (slice(0, s - ddy), slice(ddy, s)) if ddy >= 0 else \
                    (slice(-ddy, s), slice(0, s + ddy))
                xs, xd = (slice(0, s - ddx), slice(ddx, s)) if ddx >= 0 else \
                    (slice(-ddx, s), slice(0, s + ddx))
                out[sel, yd, xd] = self.pix[sel, ys, xs].astype(np.float32) * inv
        data = snn.Dataset(out.reshape(n, s * s), self.labels)
        del out
        return data


def cosine_lr(lr0, done, total):
    f = min(done, total) / total if total else 1.0
    lr = lr0 * 0.5 * (1.0 + math.cos(math.pi * f))
    return lr if lr > lr0 * 1e-9 else lr0 * 1e-9


def main(argv=None):
    args = parse_args(argv)
    human = sys.stderr if args.json else sys.stdout
    t_start = time.perf_counter()
    if not os.path.isdir(args.data):
        sys.exit(f"mnist.py: data directory '{args.data}' not found: run `make data`")
    train = load_split(args.data, "train-images", "train-labels", args.train_limit or 0)
    test = load_split(args.data, "t10k-images", "t10k-labels", args.test_limit or 0)
    n_classes = max(train.n_classes, test.n_classes)
    net = build_network(args, test.n_features)

    sched = {"exp": "exp", "step": "step"}.get(args.schedule, "constant")
    opts = dict(learning_rate=args.lr, batch_size=args.batch, optimizer="adam", momentum=0.9,
                loss=LOSSES[args.loss], surrogate="fast_sigmoid", surrogate_slope=args.slope,
                seed=args.seed, schedule=sched)
    if sched in ("exp", "step"):
        opts["gamma"] = args.lr_decay
    if sched == "step":
        opts["step_epochs"] = args.step_epochs
    learner = snn.Learner.bptt(net, **opts) if args.epochs > 0 else None

    if not args.quiet:
        print(f"# libsnn {snn.version()} (Python binding)  data {args.data} ({len(train)} train, "
              f"{len(test)} test, {n_classes} classes)", file=human)
        print(f"# arch {args.arch}  encoding {args.encoding}  steps {args.steps}  beta "
              f"{args.beta:g}  loss {args.loss}  batch {args.batch}  lr {args.lr:g}  schedule "
              f"{args.schedule}  shift {args.shift}  epochs {args.epochs}  seed {args.seed}",
              file=human)
        human.flush()

    n_train = len(train)
    shifter = None
    if args.shift > 0 and learner:
        shifter = Shifter(train, args.shift, args.seed)
        train.close()  # the shifter keeps the pixels (as bin/mnist does)
    history, train_s, canceled = [], 0.0, False
    for ep in range(args.epochs if learner else 0):
        accs = []

        def progress(p, ep=ep, accs=accs):
            accs.append(p.accuracy)
            if args.schedule == "cosine" and p.n_batches:
                total = args.epochs * p.n_batches
                learner.set_learning_rate(cosine_lr(args.lr, ep * p.n_batches + p.batch + 1,
                                                    total))
            if not args.quiet and sys.stderr.isatty():
                print(f"\repoch {ep + 1}/{args.epochs} batch {p.batch + 1}/{p.n_batches} "
                      f"loss {p.loss:.4f} acc {100 * p.accuracy:5.1f}%", end="", file=sys.stderr,
                      flush=True)

        t0 = time.perf_counter()
        data = shifter.epoch(ep) if shifter else train
        try:
            loss = learner.train_epoch(data, progress)
        except KeyboardInterrupt:
            train_s += time.perf_counter() - t0
            print(f"\nmnist.py: interrupted during epoch {ep + 1}; evaluating the current "
                  "weights", file=sys.stderr)
            canceled = True
            break
        finally:
            if shifter:
                data.close()
            if not args.quiet and sys.stderr.isatty():
                print("\r\033[K", end="", file=sys.stderr)
        t1 = time.perf_counter()
        train_s += t1 - t0
        acc = net.evaluate(test)
        t2 = time.perf_counter()
        rec = {"epoch": ep + 1, "loss": loss, "train_accuracy": 100 * sum(accs) / len(accs),
               "test_accuracy": 100 * acc, "train_seconds": t1 - t0}
        history.append(rec)
        if not args.quiet:
            print(f"epoch {ep + 1}/{args.epochs}  loss {loss:.5f}  train_acc "
                  f"{rec['train_accuracy']:.2f}%  test_acc {100 * acc:.2f}%  train {t1 - t0:.2f} s"
                  f"  eval {t2 - t1:.2f} s  total_train {train_s:.2f} s", file=human, flush=True)

    # final evaluation through predict(): NumPy in, NumPy out
    x_test, y_test = test.get()
    t0 = time.perf_counter()
    labels, _ = net.predict(x_test, scores=False)
    eval_s = time.perf_counter() - t0
    test_acc = 100.0 * float((labels == y_test).mean())
    activity = net.activity()
    spikes = sum(s for s, _ in activity)
    synops = sum(o for _, o in activity)
    if args.save:
        net.save(args.save)
        if not args.quiet:
            print(f"saved {args.save}", file=human)
    if not args.quiet or not args.json:
        print(f"test accuracy {test_acc:.2f}%  training time {train_s:.2f} s ({len(history)} "
              f"epochs)  evaluation {eval_s:.2f} s ({len(test) / eval_s:.0f} images/s)",
              file=human)
        print(f"activity per test sample: {spikes:.1f} spikes, {synops:.4g} synaptic operations",
              file=human, flush=True)
    if args.json:
        print(json.dumps({
            "test_accuracy": round(test_acc, 4), "train_seconds": round(train_s, 3),
            "epochs": len(history), "seed": args.seed, "arch": args.arch,
            "encoding": args.encoding, "steps": args.steps, "beta": args.beta,
            "loss": args.loss, "batch": args.batch, "lr": args.lr, "schedule": args.schedule,
            "shift": args.shift, "train_samples": n_train, "test_samples": len(test),
            "eval_seconds": round(eval_s, 3), "spikes_per_sample": round(spikes, 4),
            "synops_per_sample": synops, "canceled": canceled, "history": history,
            "libsnn": snn.version(), "total_seconds": round(time.perf_counter() - t_start, 3),
        }))
    if learner:
        learner.close()
    net.close()
    return 1 if canceled else 0


if __name__ == "__main__":
    sys.exit(main())

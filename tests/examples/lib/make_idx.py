"""Writes a tiny synthetic MNIST-layout IDX dataset for the example-program tests.

usage: make_idx.py OUT_DIR SEED OFFSET_MIN OFFSET_MAX NOISE_PIXELS N_TRAIN N_TEST

Three separable 28x28 classes: 0 horizontal bar, 1 vertical bar, 2 square ring, each
at a random offset in [OFFSET_MIN, OFFSET_MAX], plus NOISE_PIXELS random pixels;
labels balanced and shuffled; big-endian IDX headers as in MNIST.
"""
import os
import random
import struct
import sys

out = sys.argv[1]
seed, lo, hi, noise, n_train, n_test = (int(a) for a in sys.argv[2:8])
os.makedirs(out)
rnd = random.Random(seed)


def image(c):
    img = [0] * 784
    ox, oy = rnd.randint(lo, hi), rnd.randint(lo, hi)
    for a in range(12):
        if c == 2:
            pts = [(ox + a, oy), (ox + a, oy + 11), (ox, oy + a), (ox + 11, oy + a)]
        else:
            pts = [(ox + a, oy + 5 + b) if c == 0 else (ox + 5 + b, oy + a) for b in range(3)]
        for x, y in pts:
            img[y * 28 + x] = 255
    for _ in range(noise):
        img[rnd.randrange(784)] = rnd.randrange(256)
    return img


def write(stem_img, stem_lab, n):
    labels = [i % 3 for i in range(n)]
    rnd.shuffle(labels)
    with open(os.path.join(out, stem_img), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28))
        for c in labels:
            f.write(bytes(image(c)))
    with open(os.path.join(out, stem_lab), "wb") as f:
        f.write(struct.pack(">II", 0x801, n))
        f.write(bytes(labels))


write("train-images-idx3-ubyte", "train-labels-idx1-ubyte", n_train)
write("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n_test)

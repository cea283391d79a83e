/* The default recipe of bin/mnist (what `make demo` trains), from the recipe
 * research in the MNIST prototype (its run "dA"): 784-1000-10, direct input,
 * T = 5, LIF beta 0.9 with a non-spiking leaky readout, cross-entropy on the
 * summed readout membrane, Adam 2e-3 with a per-batch cosine decay to 0,
 * batch 128, random +-1 pixel shifts of the training images, 5 epochs. */
#ifndef MNIST_DEFAULTS_H
#define MNIST_DEFAULTS_H

#define DEF_DATA "data/mnist"
#define DEF_ARCH "784-1000-10"
#define DEF_ENCODING "direct"
#define DEF_STEPS 5
#define DEF_BETA 0.9
#define DEF_LOSS "membrane"
#define DEF_EPOCHS 5
#define DEF_BATCH 128
#define DEF_LR 2e-3
#define DEF_SCHEDULE "cosine"
#define DEF_LR_DECAY 0.7 /* gamma of --schedule exp|step */
#define DEF_SLOPE 5.0
#define DEF_SHIFT 1
#define DEF_SEED 1

#endif

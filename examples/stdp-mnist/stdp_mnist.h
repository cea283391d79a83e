/* bin/stdp-mnist - shared declarations (examples/stdp-mnist/). */
#ifndef STDP_MNIST_H
#define STDP_MNIST_H

#include <stddef.h>

#include "snn.h"

/* Draws the learned receptive fields (one 28x28 tile per neuron) to a PNG
 * with gnuplot. Returns 0, or -1 after a message on stderr. */
int stdp_mnist_weights_png(const char *png, const snn_learner *l, snn_network *net,
                           size_t neurons);

#endif

/* bin/stdp-mnist - shared declarations (examples/stdp-mnist/). */
#ifndef STDP_MNIST_H
#define STDP_MNIST_H

#include <stddef.h>

#include "snn.h"

/* Writes PATH.stdp: one line per neuron "j class theta" (what the model file
 * does not hold). Returns 0, or -1 after a message on stderr. */
int stdp_mnist_save_state(const char *path, const snn_learner *l, size_t neurons);

/* Reads PATH.stdp back (theta; classes are recomputed by labelling).
 * Returns 0, or -1 after a message on stderr. */
int stdp_mnist_load_state(const char *path, snn_learner *l, size_t neurons);

/* Draws the learned receptive fields (one 28x28 tile per neuron) to a PNG
 * with gnuplot. Returns 0, or -1 after a message on stderr. */
int stdp_mnist_weights_png(const char *png, const snn_learner *l, snn_network *net,
                           size_t neurons);

#endif

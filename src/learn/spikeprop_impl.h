/* Internal interface of the SpikeProp learner (src/learn/spikeprop.c). Never
 * installed.
 *
 * Learner handle unification (as stdp_impl.h): a SpikeProp learner is a
 * struct whose first member is `const char *kind` ("spikeprop") and whose
 * second member is the uint32_t SNN__SPIKEPROP_TAG (odd, so it never equals
 * the low half of an aligned pointer). The generic entry points in
 * src/learn/bptt.c dispatch on snn__learner_is_spikeprop(): free,
 * train_epoch, n_params and set_learning_rate; the bptt-only ones refuse it. */
#ifndef SNN_SPIKEPROP_IMPL_H
#define SNN_SPIKEPROP_IMPL_H

#include "internal.h"

#define SNN__SPIKEPROP_TAG 0x504B5053u /* "SPKP" little-endian; odd */

int snn__learner_is_spikeprop(const snn_learner *l);
void snn__spikeprop_destroy(snn_learner *l);
size_t snn__spikeprop_n_params(const snn_learner *l);
int snn__spikeprop_set_learning_rate(snn_learner *l, double lr);
/* One online pass over data (shuffled with seed and epoch); *mean_loss = mean E per example. */
int snn__spikeprop_train_epoch(snn_learner *l, double *mean_loss, const snn_dataset *data,
                               snn_progress_fn cb, void *user);

#endif

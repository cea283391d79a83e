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

/* Everything src/learn/spikeprop_io.c saves and restores (pointers into the
 * learner; l must be a SpikeProp learner). */
typedef struct snn__spikeprop_view {
  size_t n_in, n_hid, n_out, K;
  double tau, theta;            /* of the srm model */
  snn_spikeprop_options *o;     /* resolved options (seed included) */
  double *lr;                   /* current learning rate */
  uint32_t *epoch;              /* epochs trained by snn_learner_train_epoch */
  double *w;                    /* n_w weights (layout of snn_learner_spikeprop_weights_get) */
  double *vel;                  /* n_w: the last weight change (momentum state) */
  double *rstep, *gprev;        /* n_w each: RProp steps and previous gradient (update RPROP) */
  size_t n_w;
  const double *sign;           /* n_hid: +1 excitatory, -1 inhibitory */
  snn_encoder *enc;             /* owned by the learner, or NULL */
  const float *rmin, *rmax;     /* n_rng input ranges each, or NULL (none set) */
  size_t n_rng;
} snn__spikeprop_view;
void snn__spikeprop_view_get(snn__spikeprop_view *v, const snn_learner *l);

/* Learner files (src/learn/spikeprop_io.c; dispatched from stdp_io.c): the
 * file holds only the SPKP section and END, no network. */
int snn__spikeprop_save(const snn_learner *l, const char *path, const char *fn);
int snn__spikeprop_save_mem(size_t *size, const snn_learner *l, void *buf, size_t cap,
                            const char *fn);
/* 1 if buf/size starts like a SpikeProp learner file (first section SPKP). */
int snn__spikeprop_is_file(const unsigned char *buf, size_t size);
int snn__spikeprop_load(snn_learner **out, const unsigned char *buf, size_t size, const char *fn);

#endif

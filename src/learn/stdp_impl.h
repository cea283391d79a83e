/* Internal interface of the STDP learner (src/learn/stdp.c). Never installed.
 *
 * Learner handle unification (for the owner of snn_learner_free and
 * snn_learner_train_epoch in src/learn/bptt.c): an STDP-family learner (kind
 * "stdp" or a custom rule's name) is a struct whose first member is
 * `const char *kind` (so snn_learner_kind() works unchanged) and whose second
 * member is the uint32_t SNN__STDP_TAG. The tag is odd, so it can never equal
 * the low half of an aligned pointer stored in another learner's second
 * member: snn__learner_is_stdp() is safe on any learner. The dispatcher adds
 *   if (snn__learner_is_stdp(l)) { snn__stdp_destroy(l); return; }
 * at the top of snn_learner_free() and
 *   if (snn__learner_is_stdp(l)) return snn__stdp_train_epoch(l, mean_loss, data, cb, user);
 * at the top of snn_learner_train_epoch(). */
#ifndef SNN_STDP_IMPL_H
#define SNN_STDP_IMPL_H

#include "internal.h"

#define SNN__STDP_TAG 0x50445453u /* "STDP" little-endian; odd */

/* 1 when l was created by snn_learner_create_stdp/custom (l may be NULL). */
int snn__learner_is_stdp(const snn_learner *l);
/* Frees an STDP-family learner (calls ops->destroy); ignores other learners. */
void snn__stdp_destroy(snn_learner *l);
/* Kind name: "stdp" or the custom rule's name (NULL for other learners). */
const char *snn__stdp_kind(const snn_learner *l);
/* snn_learner_train_epoch() for STDP learners: one pass over all of data;
 * *mean_loss (if not NULL) is set to 0 (no loss in unsupervised learning). */
int snn__stdp_train_epoch(snn_learner *l, double *mean_loss, const snn_dataset *data,
                          snn_progress_fn cb, void *user);

/* Model-file access (src/learn/stdp_io.c): a view of an STDP-family learner.
 * The pointers refer into the learner; write through them only for a learner
 * the caller may modify. */
#define SNN__STDP_N_STATE 11 /* arrays of the training simulation's state */
typedef struct snn__stdp_view {
  snn_network *net;
  size_t n_in, n;
  const char *kind;      /* "stdp" or the custom rule's name */
  int custom;            /* 1: created by snn_learner_create_custom */
  snn_stdp_options opts; /* resolved values (struct_size set; SNN_STDP_KEEP_WEIGHTS clear) */
  double t_infer;        /* presentation time of labelling and classification (ms) */
  snn_learner_ops *ops;  /* the learner's copy of the rule's callbacks */
  const float *theta;    /* n */
  const int32_t *assign; /* n */
  int have_assign;
  /* training state: traces and neuron state carried across examples */
  const char *state_name[SNN__STDP_N_STATE];
  float *state[SNN__STDP_N_STATE];
  size_t state_len[SNN__STDP_N_STATE];
  uint64_t *rng;         /* 4 words of the training simulation's generator */
  uint64_t *n_train;     /* examples trained so far */
} snn__stdp_view;

/* Fills *v for an STDP-family learner; SNN_E_INVALID (message set) otherwise. */
int snn__stdp_view_get(snn__stdp_view *v, const snn_learner *l, const char *fn);

#endif

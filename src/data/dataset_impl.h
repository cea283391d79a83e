/* Private to src/data: the dataset object and shared loader helpers. */
#ifndef SNN_DATASET_IMPL_H
#define SNN_DATASET_IMPL_H

#include "internal.h"

#include <stdio.h>

struct snn_dataset {
  size_t n;         /* samples */
  size_t nf;        /* features per sample */
  float *x;         /* n * nf, row-major (64-byte aligned) */
  int32_t *labels;  /* n labels (-1 when unlabelled) */
  size_t n_classes; /* largest label + 1, 0 when unlabelled */
};

/* Allocates a dataset with uninitialised x and labels; NULL on OOM or overflow. */
snn_dataset *snn__dataset_alloc(size_t n, size_t nf);
/* Recomputes n_classes from the labels. */
void snn__dataset_count_classes(snn_dataset *d);

/* Opens path for reading and returns its size (regular files only).
 * On failure sets the error (SNN_E_IO) naming fn and path. */
int snn__file_open(FILE **f, size_t *size, const char *path, const char *fn);

#endif

/* libFuzzer target: snn_dataset_load_idx.
 * Input layout: byte 0 bit 0 = with a label file; bytes 1-2 = little-endian
 * length of the image file; then the image file, then the label file. */
#include <stdint.h>
#include <stdlib.h>

#include "snn.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  int with_labels = data[0] & 1;
  size_t n_img = (size_t)data[1] | ((size_t)data[2] << 8);
  data += 3;
  size -= 3;
  if (n_img > size) n_img = size;
  const char *img = fuzz_file(0, data, n_img);
  const char *lab = with_labels ? fuzz_file(1, data + n_img, size - n_img) : NULL;
  snn_dataset *d = (snn_dataset *)&d;
  int rc = snn_dataset_load_idx(&d, img, lab);
  if (rc != SNN_OK) {
    if (d != NULL || snn_last_error()[0] == '\0') abort();
    return 0;
  }
  size_t n = snn_dataset_size(d), f = snn_dataset_n_features(d);
  if (n > 0 && f > 0 && f <= 1u << 16) {
    float *x = malloc(f * sizeof *x);
    int32_t label;
    if (x == NULL || snn_dataset_get(x, &label, d, n - 1, 1) != SNN_OK) abort();
    for (size_t i = 0; i < f; i++)
      if (!(x[i] >= 0.0f && x[i] <= 1.0f)) abort();
    free(x);
  }
  (void)snn_dataset_n_classes(d);
  snn_dataset_free(d);
  return 0;
}

/* libFuzzer target: snn_dataset_load_csv.
 * Input layout: byte 0 = label column (int8, negative counts from the end),
 * byte 1 bit 0 = has_header; the rest is the CSV file. */
#include <stdint.h>
#include <stdlib.h>

#include "snn.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  int32_t col = (int8_t)data[0];
  int32_t header = data[1] & 1;
  const char *path = fuzz_file(0, data + 2, size - 2);
  snn_dataset *d = (snn_dataset *)&d;
  int rc = snn_dataset_load_csv(&d, path, col, header);
  if (rc != SNN_OK) {
    if (d != NULL || snn_last_error()[0] == '\0') abort();
    return 0;
  }
  size_t n = snn_dataset_size(d), f = snn_dataset_n_features(d);
  if (n > 0 && f > 0 && f <= 1u << 16) {
    float *x = malloc(f * sizeof *x);
    int32_t label;
    if (x == NULL || snn_dataset_get(x, &label, d, 0, 1) != SNN_OK) abort();
    for (size_t i = 0; i < f; i++)
      if (!(x[i] == x[i] && x[i] - x[i] == 0.0f)) abort(); /* NaN or Inf */
    if (label < 0) abort();
    free(x);
  }
  snn_dataset_free(d);
  return 0;
}

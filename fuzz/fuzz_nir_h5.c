/* libFuzzer target fuzz_nir_h5 (opt-in: make fuzz FUZZ_NIR_HDF5=1):
 * snn_network_import_nir_mem on arbitrary bytes (NIR graphs in HDF5 file
 * images). A graph that imports is exported to a temporary file and imported
 * again (which must succeed with the same shape) and, when small, run for a few
 * steps through snn_network_run_sequence.
 *
 * libhdf5 (Debian's 1.10, not instrumented) parses the bytes first and is not
 * hardened against hostile files: on 2026-11-28 this target found, after 472
 * executions, an endless loop inside libhdf5 (H5HG_read <- H5T__conv_vlen,
 * reading a variable-length string from a corrupted global heap). That is why
 * it is not part of the default `make fuzz` (see docs/nir.md, "Untrusted
 * files"); fuzz_nir covers libsnn's own NIR code without libhdf5. The seeds
 * are the small NIR fixtures (fuzz.mk copies them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "snn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  snn_nir_options o = SNN_NIR_OPTIONS_INIT;
  o.dt = 1e-4;
  o.discretization = size % 2 ? SNN_NIR_EULER : SNN_NIR_EXACT;
  snn_network *net = NULL;
  if (size == 0) return 0;
  int rc = snn_network_import_nir_mem(&net, data, size, &o);
  if (rc != SNN_OK) {
    if (net != NULL || snn_last_error()[0] == '\0') abort(); /* contract broken */
    if (rc != SNN_E_FORMAT && rc != SNN_E_UNSUPPORTED && rc != SNN_E_NOMEM) abort();
    return 0;
  }
  /* export and import again: must work and keep the shape */
  const char *p = fuzz_file(0, "", 0);
  rc = snn_network_export_nir(net, p, &o);
  if (rc == SNN_OK) {
    snn_network *again = NULL;
    if (snn_network_import_nir(&again, p, &o) != SNN_OK) abort();
    if (snn_network_n_layers(again) != snn_network_n_layers(net) ||
        snn_network_n_inputs(again) != snn_network_n_inputs(net) ||
        snn_network_n_outputs(again) != snn_network_n_outputs(net))
      abort();
    snn_network_free(again);
  } else if (rc != SNN_E_UNSUPPORTED && rc != SNN_E_NOMEM) {
    abort(); /* e.g. an LIF exported after import must be expressible */
  }
  size_t n_in = snn_network_n_inputs(net), n_out = snn_network_n_outputs(net);
  if (n_in <= 4096 && n_out <= 4096) {
    size_t T = 4;
    float *x = calloc(T * n_in, sizeof *x), *out = malloc(T * n_out * sizeof *out);
    if (!x || !out) abort();
    for (size_t i = 0; i < T * n_in; i++) x[i] = (float)((i * 7) % 3);
    rc = snn_network_run_sequence(out, NULL, net, x, T, n_in);
    if (rc != SNN_OK && rc != SNN_E_NUMERIC && rc != SNN_E_NOMEM) abort();
    free(x);
    free(out);
  }
  snn_network_free(net);
  return 0;
}

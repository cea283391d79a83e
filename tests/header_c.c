/* Header test: snn.h must compile alone as strict C99/C11 (-pedantic -Werror). */
#include "snn.h"
#include "snn.h" /* include guard */

int snn_header_test_c(void);
int snn_header_test_c(void) {
  snn_param_info info = SNN_PARAM_INFO_INIT;
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  (void)info;
  (void)ops;
  return SNN_VERSION_NUMBER + (int)SNN_OK + (SNN_VERSION_AT_LEAST(0, 0, 0) ? 0 : 1);
}

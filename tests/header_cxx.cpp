// Header test: snn.h must compile as strict C++ (-pedantic -Werror), with C linkage.
#include "snn.h"

#include <type_traits>

static_assert(std::is_same<decltype(&snn_version_number), int (*)()>::value,
              "snn_version_number has C signature int(void)");

int snn_header_test_cxx();
int snn_header_test_cxx() {
  snn_param_info info = SNN_PARAM_INFO_INIT;
  snn_neuron_ops ops = SNN_NEURON_OPS_INIT;
  (void)info;
  (void)ops;
  return SNN_VERSION_NUMBER + static_cast<int>(SNN_E_INVALID);
}

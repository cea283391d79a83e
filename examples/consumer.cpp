// Minimal out-of-tree C++17 consumer: built by the install test with
//   c++ -std=c++17 consumer.cpp $(pkg-config --cflags --libs snn)
#include <snn.h>

#include <cstdio>
#include <memory>
#include <string>

int main() {
  if (snn_version_number() != SNN_VERSION_NUMBER) return 1;
  if (std::string(snn_strerror(SNN_E_INVALID)) != "invalid argument") return 1;
  // RAII over an opaque handle with its matching free function.
  snn_neuron_model *raw = nullptr;
  int rc = snn_neuron_model_create(&raw, "no-such-kind");
  std::unique_ptr<snn_neuron_model, decltype(&snn_neuron_model_free)> m(raw, &snn_neuron_model_free);
  if (rc != SNN_E_NOTFOUND || m != nullptr || std::string(snn_last_error()).empty()) return 1;
  std::printf("libsnn %s (C++ consumer) OK\n", snn_version_string());
  return 0;
}

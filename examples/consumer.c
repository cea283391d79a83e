/* Minimal out-of-tree consumer: built by the install test with
 *   cc consumer.c $(pkg-config --cflags --libs snn)
 * It checks that the header and the linked library agree and that errors work. */
#include <snn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (snn_version_number() != SNN_VERSION_NUMBER) {
    fprintf(stderr, "header %s but library %s\n", SNN_VERSION_STRING, snn_version_string());
    return 1;
  }
  if (strcmp(snn_strerror(SNN_E_NOMEM), "out of memory") != 0) return 1;
  if (strcmp(snn_strerror(12345), "unknown status") != 0) return 1;
  snn_set_error("consumer");
  if (strcmp(snn_last_error(), "consumer") != 0) return 1;
  printf("libsnn %s (C consumer) OK\n", snn_version_string());
  return 0;
}

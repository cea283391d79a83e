/* examples/common/json.h - JSON output of the example programs.
 *
 * Header only (static inline): the example programs are built one source
 * file or directory each, and several of them include this.
 * Built against the public header and the shared library only. */
#ifndef SNN_EXAMPLES_JSON_H
#define SNN_EXAMPLES_JSON_H

#include <stdio.h>

/* Writes s (NULL: "") as a JSON string literal with its quotes: " and \ are
 * escaped, control characters written as \u00XX. */
static inline void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

#endif

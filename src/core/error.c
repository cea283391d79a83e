/* Status strings and the thread-local error detail. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define SNN__ERRBUF 512

static _Thread_local char snn__errbuf[SNN__ERRBUF];
_Static_assert(sizeof(((snn__err_guard *)0)->saved) == SNN__ERRBUF, "guard holds the whole detail");

const char *snn_strerror(int status) {
  switch (status) {
  case SNN_OK: return "success";
  case SNN_E_INVALID: return "invalid argument";
  case SNN_E_NOMEM: return "out of memory";
  case SNN_E_RANGE: return "value out of range";
  case SNN_E_NOTFOUND: return "name not found";
  case SNN_E_UNSUPPORTED: return "operation not supported";
  case SNN_E_STATE: return "call out of order";
  case SNN_E_IO: return "input/output error";
  case SNN_E_FORMAT: return "corrupt or truncated data";
  case SNN_E_VERSION: return "unsupported version or struct size";
  case SNN_E_CANCELED: return "canceled by callback";
  case SNN_E_NUMERIC: return "numerical error (NaN or infinity)";
  case SNN_E_INTERNAL: return "internal error";
  default: return "unknown status";
  }
}

const char *snn_last_error(void) { return snn__errbuf; }

void snn_clear_error(void) { snn__errbuf[0] = '\0'; }

void snn_set_error(const char *msg) {
  if (msg == NULL) {
    snn__errbuf[0] = '\0';
    return;
  }
  size_t n = strlen(msg);
  if (n >= SNN__ERRBUF) n = SNN__ERRBUF - 1;
  memcpy(snn__errbuf, msg, n);
  snn__errbuf[n] = '\0';
}

void snn__err_guard_enter(snn__err_guard *g) {
  memcpy(g->saved, snn__errbuf, sizeof g->saved);
  snn__errbuf[0] = '\0';
}

int snn__err_guard_leave(const snn__err_guard *g, int rc) {
  if (rc == SNN_OK) memcpy(snn__errbuf, g->saved, sizeof g->saved);
  return rc;
}

int snn__verror(int code, const char *fmt, va_list ap) {
  /* format into a scratch buffer first: fmt's arguments may point into errbuf */
  char tmp[SNN__ERRBUF];
  int r = vsnprintf(tmp, sizeof tmp, fmt, ap);
  if (r < 0) tmp[0] = '\0';
  memcpy(snn__errbuf, tmp, sizeof tmp);
  return code;
}

int snn__error(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  snn__verror(code, fmt, ap);
  va_end(ap);
  return code;
}

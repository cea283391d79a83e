/* examples/common/output.h - the end of an example program's standard output.
 *
 * Header only (static inline): the example programs are built one source
 * file or directory each, and several of them include this.
 * Built against the public header and the shared library only. */
#ifndef SNN_EXAMPLES_OUTPUT_H
#define SNN_EXAMPLES_OUTPUT_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Flushes stdout before a successful exit. A full disk or a closed pipe must
 * not pass for success (`prog > /dev/full` used to exit 0): on a write error
 * prints "PROG: cannot write standard output: REASON" on stderr and returns
 * 1, else 0. */
static inline int finish_stdout(const char *prog) {
  errno = 0;
  int flush_failed = fflush(stdout) != 0;
  int err = errno;
  if (!flush_failed && !ferror(stdout)) return 0;
  fprintf(stderr, "%s: cannot write standard output: %s\n", prog,
          err ? strerror(err) : "write error");
  return 1;
}

#endif

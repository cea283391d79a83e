/* examples/common/gnuplot.h - drawing a PNG with gnuplot, shared by bin/mnist
 * (--loss-png), bin/stdp-mnist (--weights-png) and bin/cuba (--raster).
 *
 * Header only (static inline): the example programs are built one source
 * file or directory each, and several of them include this.
 *
 * The output file name never enters the gnuplot script. gnuplot writes the
 * PNG to its standard output, which is a new file next to the target (same
 * directory, so the final rename cannot cross file systems); only when
 * gnuplot exits 0 with a non-empty image is that file renamed over the
 * target. So
 *  - no file name can run commands or break the script (gnuplot expands
 *    `backquotes` even inside double-quoted strings);
 *  - the program's own stdout (a --json line) never receives PNG bytes, as it
 *    did when gnuplot could not open the file and fell back to stdout;
 *  - a failure leaves an existing file as it was.
 * A target that exists and is not a regular file (/dev/stdout, a FIFO) is
 * written directly. Built against the public header and the shared library
 * only. */
#ifndef SNN_EXAMPLES_GNUPLOT_H
#define SNN_EXAMPLES_GNUPLOT_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes s as a gnuplot single-quoted string: no backslash escapes and no
 * `command` substitution happen inside one, a quote is doubled, and control
 * characters (which a one-line string cannot hold) become '?'. For titles. */
static inline void gnuplot_string(FILE *g, const char *s) {
  fputc('\'', g);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '\'')
      fputs("''", g);
    else
      fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, g);
  }
  fputc('\'', g);
}

/* 1 when PATH holds an executable gnuplot. */
static inline int gnuplot_in_path(void) {
  const char *path = getenv("PATH");
  if (!path) return 0;
  char *copy = strdup(path);
  if (!copy) return 0;
  int found = 0;
  for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
       dir = strtok_r(NULL, ":", &save)) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/gnuplot", *dir ? dir : ".");
    found = access(buf, X_OK) == 0;
  }
  free(copy);
  return found;
}

/* path with the symbolic links at its end followed (the file a link names, so that
 * replacing it keeps the link), malloc'd; NULL with errno set on failure. */
static inline char *gnuplot_follow_links(const char *path) {
  char *cur = strdup(path);
  for (int hops = 0; cur && hops < 40; hops++) {
    struct stat ls;
    if (lstat(cur, &ls) != 0 || !S_ISLNK(ls.st_mode)) return cur;
    char dest[4096];
    ssize_t n = readlink(cur, dest, sizeof dest - 1);
    char *next = NULL;
    if (n >= 0) {
      dest[n] = '\0';
      /* a relative link is relative to the directory of the link */
      const char *slash = strrchr(cur, '/');
      size_t dir = dest[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
      if ((next = malloc(dir + (size_t)n + 1)) != NULL) {
        memcpy(next, cur, dir);
        memcpy(next + dir, dest, (size_t)n + 1);
      }
    }
    free(cur);
    cur = next;
  }
  if (cur) {
    free(cur);
    errno = ELOOP;
  }
  return NULL;
}

/* Writes the gnuplot commands to g: a "set terminal png..." line and the plot,
 * but no "set output" (the output is gnuplot's stdout). */
typedef void (*gnuplot_script_fn)(FILE *g, void *user);

/* Runs gnuplot on the script of write_script(g, user) and stores the PNG in
 * png (see the top of this file). Returns 0, or -1 after a message
 * "PROG: OPT: ..." on stderr naming png; png is then unchanged. */
static inline int gnuplot_png(const char *prog, const char *opt, const char *png,
                              gnuplot_script_fn write_script, void *user) {
  if (!gnuplot_in_path()) {
    fprintf(stderr,
            "%s: %s: gnuplot not found in PATH; install it (Debian: apt-get install "
            "gnuplot-nox) to draw %s\n",
            prog, opt, png);
    return -1;
  }
  /* the child gets copies of the stdio buffers: flush them (it never flushes its copies) */
  fflush(NULL);
  struct stat st;
  int exists = stat(png, &st) == 0;
  int direct = exists && !S_ISREG(st.st_mode);
  char *target = gnuplot_follow_links(png); /* the file that is replaced */
  char *tmp = NULL;
  int out = -1, err = 0;
  if (!target) {
    err = errno;
  } else if (direct) {
    if ((out = open(png, O_WRONLY | O_CLOEXEC)) < 0) err = errno;
  } else if (exists && access(target, W_OK) != 0) {
    err = errno; /* a file we may not write is not replaced either */
  } else if ((tmp = malloc(strlen(target) + sizeof ".tmp-XXXXXX")) == NULL) {
    err = ENOMEM;
  } else {
    snprintf(tmp, strlen(target) + sizeof ".tmp-XXXXXX", "%s.tmp-XXXXXX", target);
    if ((out = mkstemp(tmp)) < 0) {
      err = errno;
    } else { /* mkstemp makes it 0600: keep the old file's mode, else the umask's */
      mode_t mask = umask(0);
      umask(mask);
      if (fchmod(out, exists ? st.st_mode & 07777 : 0666 & ~mask) != 0) {
        err = errno;
        close(out);
        unlink(tmp);
        out = -1;
      }
    }
  }
  if (out < 0) {
    fprintf(stderr, "%s: %s: cannot write %s: %s\n", prog, opt, png, strerror(err));
    free(tmp);
    free(target);
    return -1;
  }
  int rc = -1, pfd[2] = {-1, -1};
  pid_t pid = -1;
  if (pipe(pfd) == 0) pid = fork();
  if (pid == 0) { /* child: script on stdin, image to the file, messages to our stderr */
    if (dup2(pfd[0], STDIN_FILENO) >= 0 && dup2(out, STDOUT_FILENO) >= 0) {
      close(pfd[0]);
      close(pfd[1]);
      if (out != STDOUT_FILENO) close(out);
      execlp("gnuplot", "gnuplot", (char *)NULL);
    }
    _exit(127);
  }
  if (pid < 0) {
    fprintf(stderr, "%s: %s: cannot start gnuplot: %s\n", prog, opt, strerror(errno));
    if (pfd[0] >= 0) close(pfd[0]);
    if (pfd[1] >= 0) close(pfd[1]);
  } else {
    close(pfd[0]);
    /* gnuplot may exit before reading everything: a write error, not SIGPIPE */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    FILE *g = fdopen(pfd[1], "w");
    int write_failed = 1;
    if (g) {
      write_script(g, user);
      write_failed = ferror(g) != 0;
      write_failed |= fclose(g) != 0;
    } else {
      close(pfd[1]);
    }
    int status = 0;
    pid_t w;
    do
      w = waitpid(pid, &status, 0);
    while (w < 0 && errno == EINTR);
    sigaction(SIGPIPE, &old, NULL);
    struct stat img;
    if (w < 0) {
      fprintf(stderr, "%s: %s: waiting for gnuplot: %s\n", prog, opt, strerror(errno));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      fprintf(stderr, "%s: %s: cannot run gnuplot; %s not written\n", prog, opt, png);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (WIFEXITED(status))
        fprintf(stderr, "%s: %s: gnuplot failed (exit status %d); %s not written\n", prog, opt,
                WEXITSTATUS(status), png);
      else
        fprintf(stderr, "%s: %s: gnuplot was killed by signal %d; %s not written\n", prog, opt,
                WTERMSIG(status), png);
    } else if (write_failed) {
      fprintf(stderr, "%s: %s: could not send the plot to gnuplot; %s not written\n", prog, opt,
              png);
    } else if (!direct && (fstat(out, &img) != 0 || img.st_size == 0)) {
      fprintf(stderr, "%s: %s: gnuplot wrote no image; %s not written\n", prog, opt, png);
    } else {
      rc = 0;
    }
  }
  if (close(out) != 0 && rc == 0) {
    fprintf(stderr, "%s: %s: cannot write %s: %s\n", prog, opt, png, strerror(errno));
    rc = -1;
  }
  if (tmp) {
    if (rc == 0 && rename(tmp, target) != 0) {
      fprintf(stderr, "%s: %s: cannot write %s: %s\n", prog, opt, png, strerror(errno));
      rc = -1;
    }
    if (rc != 0) unlink(tmp);
    free(tmp);
  }
  free(target);
  return rc;
}

#endif

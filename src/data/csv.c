/* Numeric CSV loader.
 * - The file is read with one fread and parsed in two passes (count, then fill).
 * - Lines end in LF or CRLF; a UTF-8 byte-order mark is skipped; empty or
 *   all-blank lines are ignored anywhere.
 * - has_header = 1 skips the first non-empty line whatever it holds (e.g. a
 *   column-name row, or scikit-learn's "150,4,setosa,versicolor,virginica").
 * - Cells are separated by ','; blanks around a cell and one pair of double
 *   quotes around it are removed; the rest must be a whole finite number for
 *   strtod in the C locale, whatever the program's LC_NUMERIC (uselocale()
 *   for this thread while parsing). No quoted commas, no missing values.
 * - Every row has the number of cells of the first data row; the label cell
 *   holds an integer in [0, 2^31 - 1]. Messages name the 1-based line and column. */
#include "dataset_impl.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct line_iter {
  const char *p, *end; /* remaining text */
  size_t lineno;       /* number of the line last returned (1-based) */
} line_iter;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Next non-empty line [*s, *e) without its line terminator; 0 at the end. */
static int next_line(line_iter *it, const char **s, const char **e) {
  while (it->p < it->end) {
    const char *a = it->p;
    const char *nl = memchr(a, '\n', (size_t)(it->end - a));
    const char *b = nl ? nl : it->end;
    it->p = nl ? nl + 1 : it->end;
    it->lineno++;
    if (b > a && b[-1] == '\r') b--;
    const char *q = a;
    while (q < b && is_blank(*q)) q++;
    if (q == b) continue; /* empty line */
    *s = a;
    *e = b;
    return 1;
  }
  return 0;
}

static size_t count_cells(const char *s, const char *e) {
  size_t n = 1;
  for (const char *q = s; q < e; q++) n += *q == ',';
  return n;
}

/* Parses the cell [s, e) as a finite double. 0 on success. */
static int parse_cell(double *v, const char *s, const char *e) {
  while (s < e && is_blank(*s)) s++;
  while (e > s && is_blank(e[-1])) e--;
  if (e - s >= 2 && *s == '"' && e[-1] == '"') {
    s++;
    e--;
    while (s < e && is_blank(*s)) s++;
    while (e > s && is_blank(e[-1])) e--;
  }
  if (s == e) return -1;
  /* the buffer is NUL-terminated and s is not blank, so strtod cannot run
   * past the end; anything it leaves inside the cell is an error */
  char *end;
  double x = strtod(s, &end);
  if (end != e || !isfinite(x)) return -1;
  if (!(fabs(x) <= 3.4028234663852886e38)) return -1; /* must fit a float */
  *v = x;
  return 0;
}

static int cell_error(const char *fn, const char *path, size_t line, size_t col, const char *s,
                      const char *e, const char *what, int hint) {
  while (s < e && is_blank(*s)) s++;
  int len = (int)(e - s > 40 ? 40 : e - s);
  return snn__error(SNN_E_FORMAT, "%s: '%s': line %zu, column %zu: %s (cell \"%.*s\"%s)%s", fn,
                    path, line, col, what, len, s, e - s > 40 ? "..." : "",
                    hint ? "; pass has_header = 1 to skip a header row" : "");
}

int snn_dataset_load_csv(snn_dataset **out, const char *path, int32_t label_column,
                         int32_t has_header) {
  static const char fn[] = "snn_dataset_load_csv";
  if (out) *out = NULL;
  SNN__CHECK_NULL(out, fn);
  SNN__CHECK_NULL(path, fn);
  if (has_header != 0 && has_header != 1)
    return snn__error(SNN_E_INVALID, "%s: has_header must be 0 or 1 (got %d)", fn,
                      (int)has_header);
  FILE *f;
  size_t size;
  locale_t cloc = (locale_t)0, prev = (locale_t)0;
  int rc = snn__file_open(&f, &size, path, fn);
  if (rc != SNN_OK) return rc;
  char *buf = snn__malloc(size + 1);
  if (buf == NULL) {
    fclose(f);
    return snn__error(SNN_E_NOMEM, "%s: out of memory reading '%s' (%zu bytes)", fn, path, size);
  }
  size_t got = fread(buf, 1, size, f);
  int rerr = ferror(f);
  fclose(f);
  if (got != size) {
    snn__free(buf);
    if (rerr) return snn__error(SNN_E_IO, "%s: '%s': read error at offset %zu", fn, path, got);
    return snn__error(SNN_E_IO, "%s: '%s': file shrank while read (offset %zu)", fn, path, got);
  }
  buf[size] = '\0';
  const char *start = buf;
  if (size >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) start += 3; /* UTF-8 BOM */

  /* pass 1: the header, the number of cells, the number of data rows */
  line_iter it = {start, buf + size, 0};
  const char *s, *e;
  size_t header_line = 0, first_line = 0, n_cols = 0, n_rows = 0;
  if (has_header) {
    if (next_line(&it, &s, &e)) header_line = it.lineno;
  }
  while (next_line(&it, &s, &e)) {
    if (n_rows == 0) {
      first_line = it.lineno;
      n_cols = count_cells(s, e);
    }
    n_rows++;
  }
  snn_dataset *d = NULL;
  if (n_rows == 0) {
    rc = snn__error(SNN_E_FORMAT, "%s: '%s': no data rows%s", fn, path,
                    header_line ? " after the header line" : " (the file is empty)");
    goto done;
  }
  if (n_cols < 2) {
    rc = snn__error(SNN_E_FORMAT,
                    "%s: '%s': line %zu has 1 cell; need a label and at least one feature", fn,
                    path, first_line);
    goto done;
  }
  if (n_cols > (size_t)INT32_MAX ||
      (label_column >= 0 ? (size_t)label_column >= n_cols
                         : (size_t)(-(int64_t)label_column) > n_cols)) {
    rc = snn__error(SNN_E_RANGE, "%s: label_column %d is outside the %zu columns of '%s'", fn,
                    (int)label_column, n_cols, path);
    goto done;
  }
  size_t lc = label_column >= 0 ? (size_t)label_column : n_cols - (size_t)(-(int64_t)label_column);
  d = snn__dataset_alloc(n_rows, n_cols - 1);
  if (d == NULL) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory for %zu rows x %zu features of '%s'", fn,
                    n_rows, n_cols - 1, path);
    goto done;
  }

  /* pass 2: parse and check every cell, with strtod in the C locale ("0.5",
   * not a program locale's "0,5"); only this thread's locale changes */
  cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (cloc == (locale_t)0) {
    rc = snn__error(SNN_E_NOMEM, "%s: out of memory (C locale)", fn);
    goto done;
  }
  prev = uselocale(cloc);
  it.p = start;
  it.lineno = 0;
  if (has_header) next_line(&it, &s, &e);
  for (size_t r = 0; next_line(&it, &s, &e); r++) {
    size_t nc = count_cells(s, e);
    if (nc != n_cols) {
      rc = snn__error(SNN_E_FORMAT,
                      "%s: '%s': line %zu, column %zu: ragged row with %zu cells (line %zu has "
                      "%zu)",
                      fn, path, it.lineno, nc < n_cols ? nc : n_cols + 1, nc, first_line,
                      n_cols);
      goto done;
    }
    float *xr = d->x + r * (n_cols - 1);
    const char *c = s;
    for (size_t col = 0; col < n_cols; col++) {
      const char *ce = memchr(c, ',', (size_t)(e - c));
      if (ce == NULL) ce = e;
      double v;
      if (parse_cell(&v, c, ce) != 0) {
        rc = cell_error(fn, path, it.lineno, col + 1, c, ce,
                        col == lc ? "label is not a number" : "not a finite number",
                        r == 0 && !has_header);
        goto done;
      }
      if (col == lc) {
        if (v < 0.0 || v != floor(v) || v > (double)INT32_MAX) {
          rc = cell_error(fn, path, it.lineno, col + 1, c, ce,
                          "label must be an integer in [0, 2147483647]", 0);
          goto done;
        }
        d->labels[r] = (int32_t)v;
      } else {
        *xr++ = (float)v;
      }
      c = ce + 1;
    }
  }
  snn__dataset_count_classes(d);
  rc = SNN_OK;
done:
  if (cloc != (locale_t)0) {
    uselocale(prev);
    freelocale(cloc);
  }
  snn__free(buf);
  if (rc != SNN_OK) {
    snn_dataset_free(d);
    return rc;
  }
  *out = d;
  return SNN_OK;
}

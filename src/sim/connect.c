/* Random sparse connectivity of the event-driven simulator (src/sim).
 *
 * Fixed probability: each row (source) is drawn directly in CSR order by
 * geometric skipping: the gap to the next target is floor(log(u)/log(1-p))
 * with u uniform in (0, 1], so the build costs O(synapses), not O(n_src x
 * n_dst), and each row comes out ascending.
 * Fixed in-degree: for each target, k distinct sources by Floyd's sampling
 * algorithm (O(k) per target with a marker array), then a counting sort by
 * source turns the per-target lists into CSR rows (ascending targets).
 * Without autapses (same population) the candidate i = j is excluded, so
 * fixed-probability pairs i != j are each present with probability p. */
#include "sim.h"

#include <math.h>
#include <string.h>

static int grow_u32(uint32_t **a, size_t *cap, size_t need) {
  if (need <= *cap) return SNN_OK;
  size_t nc = *cap ? *cap : 1024;
  while (nc < need) {
    if (nc > SIZE_MAX / 2 / sizeof(uint32_t)) return SNN_E_NOMEM;
    nc *= 2;
  }
  uint32_t *na = snn__realloc(*a, *cap * sizeof **a, nc * sizeof **a);
  if (!na) return SNN_E_NOMEM;
  *a = na;
  *cap = nc;
  return SNN_OK;
}

static int draw_prob(snn__sp_proj *pr, size_t n_src, size_t n_dst, int same, double p,
                     int autapses, snn__rng *rng) {
  size_t cap = 0, nnz = 0;
  uint32_t *tgt = NULL;
  double est = (double)n_src * (double)n_dst * p;
  est = est + 6.0 * sqrt(est) + 64.0;
  if (est < 1e12 && grow_u32(&tgt, &cap, (size_t)est)) goto oom;
  const double lq = p < 1.0 ? log1p(-p) : 0.0;
  for (size_t i = 0; i < n_src; i++) {
    pr->row[i] = nnz;
    double j = -1.0;
    for (;;) {
      if (p >= 1.0) {
        j += 1.0;
      } else {
        double u = 1.0 - snn__rng_uniform(rng); /* (0, 1] */
        j += 1.0 + floor(log(u) / lq);
      }
      if (!(j < (double)n_dst)) break;
      size_t jj = (size_t)j;
      if (same && !autapses && jj == i) continue;
      if (nnz == UINT32_MAX) { /* synapse indices are 32-bit (and so is the file's count) */
        snn__free(tgt);
        return SNN_E_RANGE;
      }
      if (grow_u32(&tgt, &cap, nnz + 1)) goto oom;
      tgt[nnz++] = (uint32_t)jj;
    }
  }
  pr->row[n_src] = nnz;
  if (nnz < cap) { /* shrink to fit */
    uint32_t *t2 = snn__realloc(tgt, cap * sizeof *tgt, (nnz ? nnz : 1) * sizeof *tgt);
    if (t2) tgt = t2;
  }
  pr->tgt = tgt;
  pr->nnz = nnz;
  return SNN_OK;
oom:
  snn__free(tgt);
  return SNN_E_NOMEM;
}

static int draw_indegree(snn__sp_proj *pr, size_t n_src, size_t n_dst, int same, uint32_t k,
                         int autapses, snn__rng *rng) {
  size_t m = n_src - ((same && !autapses) ? 1 : 0); /* eligible sources per target */
  size_t nnz;
  if (snn__mul_size(&nnz, (size_t)k, n_dst) || nnz > UINT32_MAX) return SNN_E_RANGE;
  uint32_t *src = snn__malloc(nnz * sizeof *src);
  uint32_t *tgt = snn__malloc(nnz * sizeof *tgt);
  uint8_t *mark = snn__calloc(m ? m : 1, 1);
  if (!src || !tgt || !mark) {
    snn__free(src);
    snn__free(tgt);
    snn__free(mark);
    return SNN_E_NOMEM;
  }
  for (size_t j = 0; j < n_dst; j++) {
    uint32_t *sel = src + j * k;
    size_t c = 0;
    for (size_t r = m - k; r < m; r++) { /* Floyd: k distinct values of [0, m) */
      size_t t = (size_t)snn__rng_below(rng, (uint64_t)r + 1);
      if (mark[t]) t = r;
      mark[t] = 1;
      sel[c++] = (uint32_t)t;
    }
    for (size_t q = 0; q < k; q++) {
      mark[sel[q]] = 0;
      if (same && !autapses && sel[q] >= j) sel[q]++; /* skip the neuron itself */
    }
  }
  snn__free(mark);
  /* counting sort by source; targets come out ascending within each row */
  memset(pr->row, 0, (n_src + 1) * sizeof *pr->row);
  for (size_t s = 0; s < nnz; s++) pr->row[src[s] + 1]++;
  for (size_t i = 0; i < n_src; i++) pr->row[i + 1] += pr->row[i];
  for (size_t j = 0; j < n_dst; j++)
    for (size_t q = 0; q < k; q++) {
      uint32_t s = src[j * k + q];
      tgt[pr->row[s]++] = (uint32_t)j;
    }
  for (size_t i = n_src; i > 0; i--) pr->row[i] = pr->row[i - 1];
  pr->row[0] = 0;
  snn__free(src);
  pr->tgt = tgt;
  pr->nnz = nnz;
  return SNN_OK;
}

int snn__sp_draw(snn__sp_proj *pr, size_t n_src, size_t n_dst, int same, int rule, double p,
                 uint32_t k, int autapses, double w, double w_sd, snn__rng *rng, const char *fn) {
  pr->row = snn__malloc((n_src + 1) * sizeof *pr->row);
  if (!pr->row) return snn__error(SNN_E_NOMEM, "%s: out of memory (row offsets)", fn);
  int rc = rule == SNN_SPNET_FIXED_INDEGREE
               ? draw_indegree(pr, n_src, n_dst, same, k, autapses, rng)
               : draw_prob(pr, n_src, n_dst, same, p, autapses, rng);
  if (rc) {
    snn__free(pr->row);
    pr->row = NULL;
    if (rc == SNN_E_RANGE)
      return snn__error(SNN_E_RANGE, "%s: the projection would have more than 2^32-1 synapses",
                        fn);
    return snn__error(SNN_E_NOMEM, "%s: out of memory (synapses)", fn);
  }
  pr->w0 = (float)w;
  pr->w = NULL;
  if (w_sd > 0.0) {
    pr->w = snn__malloc((pr->nnz ? pr->nnz : 1) * sizeof *pr->w);
    if (!pr->w) {
      snn__free(pr->row);
      snn__free(pr->tgt);
      pr->row = NULL;
      pr->tgt = NULL;
      return snn__error(SNN_E_NOMEM, "%s: out of memory (weights)", fn);
    }
    for (size_t s = 0; s < pr->nnz; s++) {
      double v = w + w_sd * snn__rng_normal(rng);
      if (w >= 0.0 ? v < 0.0 : v > 0.0) v = 0.0;
      pr->w[s] = (float)v;
    }
  }
  return SNN_OK;
}

/* Allocation through a replaceable allocator, and small memory utilities. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void *snn__default_malloc(void *user, size_t size) {
  (void)user;
  return malloc(size);
}
static void snn__default_free(void *user, void *ptr) {
  (void)user;
  free(ptr);
}

static snn_allocator snn__alloc = {sizeof(snn_allocator), snn__default_malloc,
                                   snn__default_free, NULL};

int snn_set_allocator(const snn_allocator *a) {
  if (a == NULL) {
    snn__alloc.malloc_fn = snn__default_malloc;
    snn__alloc.free_fn = snn__default_free;
    snn__alloc.user = NULL;
    return SNN_OK;
  }
  int rc = snn__check_struct_size(a, a->struct_size, sizeof(snn_allocator),
                                  sizeof(snn_allocator), "snn_set_allocator", "snn_allocator");
  if (rc != SNN_OK) return rc;
  if (a->malloc_fn == NULL || a->free_fn == NULL)
    return snn__error(SNN_E_INVALID, "snn_set_allocator: malloc_fn and free_fn must not be NULL");
  snn__alloc.malloc_fn = a->malloc_fn;
  snn__alloc.free_fn = a->free_fn;
  snn__alloc.user = a->user;
  return SNN_OK;
}

void *snn__malloc(size_t size) {
  return snn__alloc.malloc_fn(snn__alloc.user, size ? size : 1);
}

void snn__free(void *ptr) {
  if (ptr) snn__alloc.free_fn(snn__alloc.user, ptr);
}

int snn__mul_size(size_t *out, size_t a, size_t b) {
  if (a != 0 && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

void *snn__calloc(size_t n, size_t size) {
  size_t total;
  if (snn__mul_size(&total, n, size) != 0) return NULL;
  void *p = snn__malloc(total);
  if (p) memset(p, 0, total ? total : 1);
  return p;
}

void *snn__realloc(void *ptr, size_t old_size, size_t new_size) {
  void *p = snn__malloc(new_size);
  if (p == NULL) return NULL;
  if (ptr) {
    memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    snn__free(ptr);
  }
  return p;
}

/* Aligned blocks keep the raw pointer just before the aligned address. */
#define SNN__ALIGN 64
void *snn__aligned_alloc(size_t n, size_t size) {
  size_t total;
  if (snn__mul_size(&total, n, size) != 0 || total > SIZE_MAX - SNN__ALIGN - sizeof(void *))
    return NULL;
  unsigned char *raw = snn__malloc(total + SNN__ALIGN + sizeof(void *));
  if (raw == NULL) return NULL;
  uintptr_t a = ((uintptr_t)(raw + sizeof(void *)) + SNN__ALIGN - 1) & ~(uintptr_t)(SNN__ALIGN - 1);
  unsigned char *p = (unsigned char *)a;
  memcpy(p - sizeof(void *), &raw, sizeof(void *));
  memset(p, 0, total);
  return p;
}

void snn__aligned_free(void *ptr) {
  if (ptr == NULL) return;
  void *raw;
  memcpy(&raw, (unsigned char *)ptr - sizeof(void *), sizeof(void *));
  snn__free(raw);
}

char *snn__strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = snn__malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

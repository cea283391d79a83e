/* Public NIR API: options, import (file, memory), export, description.
 * Without HDF5 at build time every call that needs a file returns
 * SNN_E_UNSUPPORTED and says how to enable NIR support. See docs/nir.md. */
#include <math.h>
#include <string.h>

#include "nir_graph.h"

#ifndef SNN_HAVE_HDF5
#define NO_HDF5(fn)                                                                          \
  snn__error(SNN_E_UNSUPPORTED,                                                              \
             "%s: this libsnn was built without HDF5, so NIR files cannot be read or written; " \
             "install libhdf5-dev (make deps) and rebuild (snn_features() & SNN_FEATURE_NIR " \
             "tells whether a build has it)",                                                \
             fn)
#endif

int snn_nir_options_init(snn_nir_options *o, size_t struct_size) {
  static const char fn[] = "snn_nir_options_init";
  SNN__CHECK_NULL(o, fn);
  if (struct_size < offsetof(snn_nir_options, reset) + sizeof o->reset)
    return snn__error(SNN_E_VERSION, "%s: struct_size %zu is smaller than the first version (%zu)",
                      fn, struct_size, offsetof(snn_nir_options, reset) + sizeof o->reset);
  snn_nir_options d = SNN_NIR_OPTIONS_INIT;
  size_t n = struct_size < sizeof d ? struct_size : sizeof d;
  memset(o, 0, struct_size);
  memcpy(o, &d, n);
  o->struct_size = struct_size;
  return SNN_OK;
}

/* Validates options; dt_needed: import (dt must be > 0). */
static int check_opts(snn_nir_options *o, const snn_nir_options *in, int dt_needed, const char *fn) {
  snn_nir_options d = SNN_NIR_OPTIONS_INIT;
  if (!in) {
    if (dt_needed)
      return snn__error(SNN_E_INVALID, "%s: 'opts' must not be NULL: the time step dt is required "
                        "(NIR is continuous-time)", fn);
    *o = d;
    return SNN_OK;
  }
  int rc = snn__check_struct_size(in, in->struct_size,
                                  offsetof(snn_nir_options, reset) + sizeof in->reset, sizeof *in,
                                  fn, "snn_nir_options");
  if (rc != SNN_OK) return rc;
  *o = d;
  memcpy(o, in, in->struct_size < sizeof *o ? in->struct_size : sizeof *o);
  if (dt_needed && !(o->dt > 0 && o->dt <= 1e3))
    return snn__error(SNN_E_INVALID, "%s: opts->dt must be in (0, 1000] file time units (seconds) "
                      "(got %g)", fn, o->dt);
  if (!dt_needed && !(o->dt == 0 || (o->dt > 0 && isfinite(o->dt))))
    return snn__error(SNN_E_INVALID, "%s: opts->dt must be 0 or > 0 (got %g)", fn, o->dt);
  if (o->discretization != SNN_NIR_EXACT && o->discretization != SNN_NIR_EULER)
    return snn__error(SNN_E_INVALID, "%s: opts->discretization must be SNN_NIR_EXACT or "
                      "SNN_NIR_EULER (got %d)", fn, (int)o->discretization);
  if (o->reset != SNN_NIR_RESET_TO_V_RESET && o->reset != SNN_NIR_RESET_SUBTRACT)
    return snn__error(SNN_E_INVALID, "%s: opts->reset must be SNN_NIR_RESET_TO_V_RESET or "
                      "SNN_NIR_RESET_SUBTRACT (got %d)", fn, (int)o->reset);
  return SNN_OK;
}

int snn_network_import_nir(snn_network **out, const char *path, const snn_nir_options *opts) {
  static const char fn[] = "snn_network_import_nir";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(path, fn);
  snn_nir_options o;
  int rc = check_opts(&o, opts, 1, fn);
  if (rc != SNN_OK) return rc;
#ifdef SNN_HAVE_HDF5
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  rc = snn__nir_read_file(&g, path, fn);
  if (rc == SNN_OK)
    rc = snn__nir_to_network(out, &g, o.dt, o.discretization == SNN_NIR_EULER, o.reset, fn);
  snn__nir_graph_free(&g);
  return rc;
#else
  return NO_HDF5(fn);
#endif
}

int snn_network_import_nir_mem(snn_network **out, const void *buf, size_t size,
                               const snn_nir_options *opts) {
  static const char fn[] = "snn_network_import_nir_mem";
  SNN__CHECK_NULL(out, fn);
  *out = NULL;
  SNN__CHECK_NULL(buf, fn);
  if (size == 0) return snn__error(SNN_E_INVALID, "%s: size must be > 0", fn);
  snn_nir_options o;
  int rc = check_opts(&o, opts, 1, fn);
  if (rc != SNN_OK) return rc;
#ifdef SNN_HAVE_HDF5
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  rc = snn__nir_read_mem(&g, buf, size, fn);
  if (rc == SNN_OK)
    rc = snn__nir_to_network(out, &g, o.dt, o.discretization == SNN_NIR_EULER, o.reset, fn);
  snn__nir_graph_free(&g);
  return rc;
#else
  return NO_HDF5(fn);
#endif
}

/* What both exports share: checks opts against the network and builds its
 * NIR graph into *g (freed by the caller, also on failure). */
static int export_graph(snn__nir_graph *g, const snn_network *net, const snn_nir_options *opts,
                        const char *fn) {
  snn_nir_options o;
  int rc = check_opts(&o, opts, 0, fn);
  if (rc != SNN_OK) return rc;
  double dt_net = 0;
  snn_network_get(&dt_net, net, "dt");
  if (o.dt > 0 && fabs(o.dt * 1000.0 - dt_net) > 1e-9 * dt_net)
    return snn__error(SNN_E_INVALID,
                      "%s: opts->dt %g s differs from the network's dt %g ms (leave opts->dt 0 to "
                      "use the network's)", fn, o.dt, dt_net);
  if (snn_network_n_layers(net) == 0)
    return snn__error(SNN_E_STATE, "%s: the network has no layers", fn);
#ifdef SNN_HAVE_HDF5
  return snn__nir_from_network(g, net, o.discretization == SNN_NIR_EULER, o.reset, fn);
#else
  (void)g;
  return NO_HDF5(fn);
#endif
}

int snn_network_export_nir(const snn_network *net, const char *path, const snn_nir_options *opts) {
  static const char fn[] = "snn_network_export_nir";
  SNN__CHECK_NULL(net, fn);
  SNN__CHECK_NULL(path, fn);
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  int rc = export_graph(&g, net, opts, fn);
#ifdef SNN_HAVE_HDF5
  if (rc == SNN_OK) rc = snn__nir_write_file(&g, path, fn);
  snn__nir_graph_free(&g);
#endif
  return rc;
}

int snn_network_export_nir_mem(size_t *size, const snn_network *net, void *buf, size_t cap,
                               const snn_nir_options *opts) {
  static const char fn[] = "snn_network_export_nir_mem";
  SNN__CHECK_NULL(size, fn);
  *size = 0;
  SNN__CHECK_NULL(net, fn);
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  int rc = export_graph(&g, net, opts, fn);
#ifdef SNN_HAVE_HDF5
  if (rc == SNN_OK) rc = snn__nir_write_mem(&g, buf, cap, size, fn);
  snn__nir_graph_free(&g);
  if (rc == SNN_OK && (!buf || cap < *size))
    rc = snn__error(SNN_E_RANGE, "%s: the NIR image needs %zu bytes (cap %zu%s)", fn, *size, cap,
                    buf ? "" : ", buf NULL");
#else
  (void)buf;
  (void)cap;
#endif
  return rc;
}

int snn_nir_describe(size_t *len, char *buf, size_t cap, const char *path) {
  static const char fn[] = "snn_nir_describe";
  SNN__CHECK_NULL(len, fn);
  SNN__CHECK_NULL(path, fn);
  if (!buf && cap) return snn__error(SNN_E_INVALID, "%s: buf is NULL but cap is %zu", fn, cap);
#ifdef SNN_HAVE_HDF5
  snn__nir_graph g;
  memset(&g, 0, sizeof g);
  int rc = snn__nir_read_file(&g, path, fn);
  if (rc == SNN_OK) {
    snn__nir_describe(&g, buf, cap, len);
    if (*len >= cap)
      rc = snn__error(SNN_E_RANGE, "%s: the description needs %zu bytes plus the terminator "
                      "(cap %zu)", fn, *len, cap);
  }
  snn__nir_graph_free(&g);
  return rc;
#else
  (void)buf;
  return NO_HDF5(fn);
#endif
}

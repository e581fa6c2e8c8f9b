/* missing_dependency.c: a plugin linked against libncl_fixture_dependency.so (dependency.c), which the
 * test then deletes; dlopen must fail, naming the missing library. */
#include "ncl_plugin.h"

double ncl_fixture_dependency(double x);

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *params, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host; (void)params; (void)out; (void)err; (void)err_cap;
  return ncl_fixture_dependency(1) > 0 ? NCL_ERROR_UNSUPPORTED : NCL_ERROR_INTERNAL;
}

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT, .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.missing-dependency", .name = "MissingDependency", .version = "0.0.1", .description = "missing dependency",
  .create = create,
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

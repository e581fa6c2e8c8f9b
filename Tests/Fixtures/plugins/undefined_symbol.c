/* undefined_symbol.c: a plugin that calls a function no library defines; dlopen (RTLD_NOW) must fail, naming it. */
#include "ncl_plugin.h"

double ncl_fixture_nowhere_defined(double x);

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *params, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host; (void)params; (void)out; (void)err; (void)err_cap;
  return ncl_fixture_nowhere_defined(1) > 0 ? NCL_ERROR_UNSUPPORTED : NCL_ERROR_INTERNAL;
}

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT, .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.undefined-symbol", .name = "UndefinedSymbol", .version = "0.0.1", .description = "undefined symbol",
  .create = create,
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

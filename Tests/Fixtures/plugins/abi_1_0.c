/* abi_1_0.c: a plugin built for ABI 1.0 (before sample_reparameterized); every 1.x host must load it. */
#include "ncl_plugin.h"

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *params, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host; (void)params; (void)out; (void)err; (void)err_cap;
  return NCL_ERROR_UNSUPPORTED;
}

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = {1, 0, 0},
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.abi-1-0", .name = "ABI10", .version = "1.0.0", .description = "built for ABI 1.0",
  .create = create,
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

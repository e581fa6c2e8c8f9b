/* bad_default.c: a parameter whose default lies outside its own bounds; the host must refuse it at load. */
#include "ncl_plugin.h"

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *params, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host; (void)params; (void)out; (void)err; (void)err_cap;
  return NCL_ERROR_UNSUPPORTED;
}

static const ncl_param_info_t params[] = {
  {sizeof(ncl_param_info_t), "rate", NCL_PARAM_FLOAT, "20", 0, 10, NULL, "a rate whose default is out of range"},
};

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT, .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.bad-default", .name = "BadDefault", .version = "0.0.1", .description = "default outside its bounds",
  .params = params, .param_count = 1, .create = create,
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

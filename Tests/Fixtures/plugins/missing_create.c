/* missing_create.c: a descriptor without its mandatory create(); the host must name the field. */
#include "ncl_plugin.h"

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT, .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.missing-create", .name = "MissingCreate", .version = "0.0.1", .description = "no create",
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

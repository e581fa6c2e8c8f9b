/* wrong_abi.c: a plugin built for a future major version; the host must refuse it. */
#include "ncl_plugin.h"

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = {NCL_ABI_VERSION_MAJOR + 1, 0, 0},
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.wrong-abi", .name = "WrongABI", .version = "9.0.0", .description = "built for ABI 2",
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

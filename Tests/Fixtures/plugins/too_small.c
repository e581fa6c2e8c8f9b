/* too_small.c: a descriptor whose struct_size is smaller than ABI 1.0's; the host must refuse it. */
#include "ncl_plugin.h"

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT, .struct_size = 16,
  .id = "org.ncl.tests.too-small", .name = "TooSmall", .version = "0.0.1", .description = "truncated descriptor",
};

__attribute__((visibility("default"))) const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }

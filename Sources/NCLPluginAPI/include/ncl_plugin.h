/* ncl_plugin.h: the NCL plugin ABI (placeholder until the plugin issue lands; see docs). */
#ifndef NCL_PLUGIN_H
#define NCL_PLUGIN_H

#include <stdint.h>

#define NCL_VERSION_MAJOR 0
#define NCL_VERSION_MINOR 1
#define NCL_VERSION_REVISION 0

typedef struct ncl_version {
  uint32_t major;
  uint32_t minor;
  uint32_t revision;
} ncl_version_t;

#define NCL_VERSION_INIT {NCL_VERSION_MAJOR, NCL_VERSION_MINOR, NCL_VERSION_REVISION}

/* Plugins built against the same major version interoperate. */
static inline int ncl_version_is_compatible(ncl_version_t v) { return v.major == NCL_VERSION_MAJOR; }

#endif /* NCL_PLUGIN_H */

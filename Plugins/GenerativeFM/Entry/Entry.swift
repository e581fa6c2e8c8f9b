// The entry point of libGenerativeFM.so; the objective lives in GenerativeFMCore, which the tests
// link directly (a test bundle cannot hold two plugins' ncl_plugin_entry).
import NCLPluginAPI
import NCLPluginKit
import GenerativeFMCore

private let descriptor = PluginExport.descriptor(GenerativeFM.plugin) { GenerativeFM.create($0, $1, $2, $3, $4) }

/// The one exported symbol. [load]
@_cdecl("ncl_plugin_entry")
public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { descriptor }

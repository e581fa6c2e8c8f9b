// The entry point of libDynamicalOT.so; the objective lives in DynamicalOTCore, which the tests link
// directly (a test bundle cannot hold two plugins' ncl_plugin_entry).
import NCLPluginAPI
import NCLPluginKit
import DynamicalOTCore

private let descriptor = PluginExport.descriptor(DynamicalOT.plugin) { DynamicalOT.create($0, $1, $2, $3, $4) }

/// The one exported symbol, built once and kept for the life of the process. [load]
@_cdecl("ncl_plugin_entry")
public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { descriptor }

// The entry point of libSOC.so; the objective lives in SOCCore, which the tests link directly
// (a test bundle cannot hold two plugins' ncl_plugin_entry).
import NCLPluginAPI
import NCLPluginKit
import SOCCore

private let descriptor = PluginExport.descriptor(SOC.plugin) { SOC.create($0, $1, $2, $3, $4) }

/// The one exported symbol. [load]
@_cdecl("ncl_plugin_entry")
public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { descriptor }

// The entry point of libMeanField.so; the objective lives in MeanFieldCore, which the tests link
// directly (a test bundle cannot hold two plugins' ncl_plugin_entry).
import MeanFieldCore
import NCLPluginAPI
import NCLPluginKit

private let descriptor = PluginExport.descriptor(MeanField.plugin) { MeanField.create($0, $1, $2, $3, $4) }

/// The one exported symbol. [load]
@_cdecl("ncl_plugin_entry")
public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { descriptor }

// What trained a run (a plugin or the demo) and with which parameters, as kept in its checkpoint.

/// The objective a run was trained with and its parameter values, stored in the checkpoint's and
/// config.json's metadata: `"plugin"` (the plugin's name), `"plugin.version"`, `"plugin.path"`,
/// or `"demo"` (`"SOURCE->TARGET"`) for `nclhost demo`, and `"param.NAME"` for each parameter.
///
/// A resumed run must continue with what the checkpoint was trained with: `resumedParameters`
/// checks the objective and the settings given again, and returns the saved parameters.
public struct RunMetadata: Equatable, Sendable {
  /// What trained a run.
  public enum Objective: Equatable, Sendable, CustomStringConvertible {
    case plugin(String)
    case demo

    public var description: String {
      switch self {
      case .plugin(let name): return "plugin '\(name)'"
      case .demo: return "the demo"
      }
    }
  }

  /// A setting given on the command line of a resumed run, and how the user wrote it.
  public struct Setting: Equatable, Sendable {
    public let key: String
    public let value: String
    /// The option as written, for messages, eg: "--set scale=2" or "--batch 128".
    public let spelled: String

    public init(key: String, value: String, spelled: String) {
      self.key = key
      self.value = value
      self.spelled = spelled
    }
  }

  /// nil when the metadata names neither a plugin nor the demo.
  public let objective: Objective?
  /// Parameter name -> value as text.
  public let parameters: [String: String]

  public init(_ metadata: [String: String]) {
    objective = metadata["plugin"].map(Objective.plugin) ?? (metadata["demo"] != nil ? .demo : nil)
    parameters = Dictionary(uniqueKeysWithValues: metadata.compactMap { key, value in
      key.hasPrefix("param.") ? (String(key.dropFirst(6)), value) : nil
    })
  }

  /// The plugin's name, nil for the demo or unknown metadata.
  public var plugin: String? {
    if case .plugin(let name) = objective { return name }
    return nil
  }

  /// The metadata of a run of `plugin` with parameter `values`.
  public static func make(plugin: PluginLibrary, values: [PluginParameterValue]) -> [String: String] {
    var metadata = ["plugin": plugin.descriptor.name, "plugin.version": plugin.descriptor.version, "plugin.path": plugin.path]
    for value in values { metadata["param." + value.parameter.name] = value.text }
    return metadata
  }

  /// The metadata of a demo run between two laws (`"SOURCE->TARGET"`) with its options.
  public static func make(demo laws: String, parameters: [String: String]) -> [String: String] {
    var metadata = ["demo": laws]
    for (key, value) in parameters { metadata["param." + key] = value }
    return metadata
  }

  /// The parameters a run of `objective`, given `settings` on its command line, continues with
  /// when it resumes from the checkpoint at `path` that holds this metadata: the checkpoint's.
  /// Throws when the checkpoint was trained with another objective, or when a setting differs
  /// from the checkpoint's (the run would silently change its problem halfway).
  public func resumedParameters(for objective: Objective, settings: [Setting], checkpoint path: String) throws -> [String: String] {
    guard self.objective == objective else {
      throw NCLError.invalidArgument("\(path) was trained with \(self.objective?.description ?? "an unknown objective"), not \(objective)")
    }
    for setting in settings where parameters[setting.key] != setting.value {
      throw NCLError.invalidArgument(
        "\(setting.spelled) differs from the checkpoint's \(setting.key)=\(parameters[setting.key] ?? "(default)"); resume with the same parameters")
    }
    return parameters
  }
}

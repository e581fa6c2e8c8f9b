// The model fields a plugin can ask for (NCL_FIELD_*).
import NCLPluginAPI

/// A field of the NCL model at times t ([B, 1], [B] or a scalar) and points x ([B, D]); times,
/// rates and velocities are in the units of the problem's horizon.
public enum ModelField: UInt32, Sendable, CaseIterable {
  /// log rho_t(x), [B].
  case logDensity = 0
  /// log f_t(x_i | x_<i), [B, D].
  case logConditionals = 1
  /// F_t(x_i | x_<i), [B, D].
  case cdf = 2
  /// d_t log rho_t(x), [B].
  case timeDerivative = 3
  /// grad_x log rho_t(x), [B, D].
  case score = 4
  /// j / rho, the probability-flow velocity (g = 0), [B, D].
  case velocity = 5
  /// j / rho + (g^2 / 2) score for the problem's g, [B, D].
  case drift = 6
  /// j = rho * velocity, [B, D].
  case flux = 7
  /// b / rho of the learned divergence-free term, [B, D].
  case divergenceFree = 8

  var code: ncl_field_t { ncl_field_t(rawValue) }
}

/// Severity of a message sent with `PluginHost.log`.
public enum LogLevel: UInt32, Sendable {
  case debug = 0, info = 1, warning = 2
}

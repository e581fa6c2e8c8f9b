// Perceptual colormaps: a few anchor colors interpolated linearly.

/// A map from [0, 1] to colors, given by evenly spaced anchor colors.
///
/// Heatmaps use `viridis`: its lightness grows monotonically from dark violet to yellow, so
/// brighter always means denser, also in grayscale print and for common color blindness.
/// Trajectories use `plasma` (dark blue to yellow) for time.
public struct Colormap: Sendable {
  public let stops: [RGBColor]

  public init(stops: [RGBColor]) {
    precondition(stops.count >= 2, "a colormap needs at least two colors")
    self.stops = stops
  }

  /// The color at `value`, clamped to [0, 1]; NaN maps to the first color.
  public func callAsFunction(_ value: Double) -> RGBColor {
    guard value > 0 else { return stops[0] }
    guard value < 1 else { return stops[stops.count - 1] }
    let position = value * Double(stops.count - 1)
    let index = Int(position)
    let fraction = position - Double(index)
    return stops[index].mixed(with: stops[index + 1], fraction: fraction)
  }

  /// matplotlib's viridis sampled at 10 evenly spaced points (R's `viridis(10)`).
  public static let viridis = Colormap(stops: [
    RGBColor(0x44, 0x01, 0x54), RGBColor(0x48, 0x28, 0x78), RGBColor(0x3E, 0x4A, 0x89), RGBColor(0x31, 0x68, 0x8E),
    RGBColor(0x26, 0x82, 0x8E), RGBColor(0x1F, 0x9E, 0x89), RGBColor(0x35, 0xB7, 0x79), RGBColor(0x6D, 0xCD, 0x59),
    RGBColor(0xB4, 0xDE, 0x2C), RGBColor(0xFD, 0xE7, 0x25),
  ])

  /// matplotlib's plasma sampled at 10 evenly spaced points (R's `plasma(10)`).
  public static let plasma = Colormap(stops: [
    RGBColor(0x0D, 0x08, 0x87), RGBColor(0x47, 0x03, 0x9F), RGBColor(0x73, 0x01, 0xA8), RGBColor(0x9C, 0x17, 0x9E),
    RGBColor(0xBD, 0x37, 0x86), RGBColor(0xD8, 0x57, 0x6B), RGBColor(0xED, 0x79, 0x53), RGBColor(0xFA, 0x9E, 0x3B),
    RGBColor(0xFD, 0xC9, 0x26), RGBColor(0xF0, 0xF9, 0x21),
  ])
}

// 8-bit sRGB colors and their mixing.

/// An 8-bit sRGB color.
public struct RGBColor: Hashable, Sendable {
  public var red: UInt8
  public var green: UInt8
  public var blue: UInt8

  public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// (1 - fraction) self + fraction other, per channel, rounded.
  public func mixed(with other: RGBColor, fraction: Double) -> RGBColor {
    let f = min(max(fraction, 0), 1)
    func channel(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * f).rounded()) }
    return RGBColor(channel(red, other.red), channel(green, other.green), channel(blue, other.blue))
  }

  public static let white = RGBColor(255, 255, 255)
  public static let black = RGBColor(0, 0, 0)
  /// Dark gray for axes and text: softer than black, still high contrast on white.
  public static let ink = RGBColor(40, 40, 40)
}

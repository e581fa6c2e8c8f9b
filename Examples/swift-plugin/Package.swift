// swift-tools-version:6.0
// A third-party NCL plugin written in Swift. It depends on nothing but the C ABI (the header-only
// NCLPluginAPI product); copy this folder, point the path (or a URL) at NCL, rename, and edit.
import PackageDescription

let package = Package(
  name: "SwiftExamplePlugin",
  products: [
    // The shared library nclhost loads: .build/release/libSwiftExamplePlugin.so.
    .library(name: "SwiftExamplePlugin", type: .dynamic, targets: ["SwiftRing"]),
  ],
  dependencies: [
    .package(name: "NCL", path: "../.."),
  ],
  targets: [
    .target(
      name: "SwiftRing",
      dependencies: [.product(name: "NCLPluginAPI", package: "NCL")],
      path: "Sources/SwiftRing"),
  ],
  swiftLanguageModes: [.v5]
)

// swift-tools-version:6.0
// NCL: simulation-free diffusion dynamics through neural conservation laws.
import PackageDescription

let package = Package(
  name: "NCL",
  products: [
    .library(name: "NCLHost", targets: ["NCLHost"]),
    .library(name: "NCLPluginAPI", targets: ["NCLPluginAPI"]),
    .library(name: "NCLPluginKit", type: .static, targets: ["NCLPluginKit"]),
    .library(name: "NCLSupport", targets: ["NCLSupport"]),
    .executable(name: "nclhost", targets: ["nclhost"]),
    .executable(name: "ncl-bench", targets: ["ncl-bench"]),
    .library(name: "DynamicalOT", type: .dynamic, targets: ["DynamicalOT"]),
    .library(name: "PointProcess", type: .dynamic, targets: ["PointProcess"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
  ],
  targets: [
    // MARK: - Public API
    .target(name: "NCLPluginAPI", path: "Sources/NCLPluginAPI"),
    // The support layer of the host and every plugin: seeded generator. Depends on nothing.
    .target(name: "NCLSupport", dependencies: ["CZlib"], path: "Sources/NCLSupport"),
    .target(name: "NCLPluginKit", dependencies: ["NCLPluginAPI", "NCLSupport"], path: "Sources/NCLPluginKit"),
    .target(
      name: "NCLHost",
      dependencies: ["NCLSupport", "COpenBLAS", "CFFI", "NCLKernels", "NCLPluginAPI",
                     .product(name: "Numerics", package: "swift-numerics")],
      path: "Sources/NCLHost",
      exclude: ["README.md"]),
    .executableTarget(
      name: "nclhost",
      dependencies: ["NCLHost", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Sources/nclhost"),

    // MARK: - Implementation details
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CFFI", path: "Sources/CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "NCLKernels", path: "Sources/NCLKernels"),
    .target(name: "_NCLTestSupport", dependencies: ["NCLHost"], path: "Sources/_NCLTestSupport"),

    // MARK: - Plugins
    .target(name: "DynamicalOT", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/DynamicalOT",
            exclude: ["README.md", "docs"]),
    .target(name: "PointProcess", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/PointProcess",
            exclude: ["README.md", "data", "scripts", "docs"]),

    // MARK: - Benchmarks
    .executableTarget(name: "ncl-bench", dependencies: ["NCLHost"], path: "bench/ncl-bench"),

    // MARK: - Tests
    .testTarget(name: "NCLHostTests", dependencies: ["NCLHost", "_NCLTestSupport", "CZlib"],
                path: "Tests/NCLHostTests"),
    .testTarget(name: "NCLSupportTests", dependencies: ["NCLSupport"], path: "Tests/NCLSupportTests"),
    .testTarget(name: "NCLPluginKitTests", dependencies: ["NCLPluginKit", "NCLSupport"], path: "Tests/NCLPluginKitTests"),
    // Loads the built libDynamicalOT.so through the real loader (no link dependency on the plugin).
    .testTarget(name: "DynamicalOTTests", dependencies: ["NCLHost", "_NCLTestSupport"], path: "Tests/DynamicalOTTests"),
    .testTarget(name: "PointProcessTests", dependencies: ["PointProcess", "NCLHost", "_NCLTestSupport"],
                path: "Tests/PointProcessTests"),
  ],
  swiftLanguageModes: [.v5]
)

// swift-tools-version:6.0
// NCL: simulation-free diffusion dynamics through neural conservation laws.
import PackageDescription

let package = Package(
  name: "NCL",
  products: [
    .library(name: "NCLHost", targets: ["NCLHost"]),
    .library(name: "NCLPluginAPI", targets: ["NCLPluginAPI"]),
    .library(name: "NCLPluginKit", type: .static, targets: ["NCLPluginKit"]),
    .executable(name: "nclhost", targets: ["nclhost"]),
    .executable(name: "ncl-bench", targets: ["ncl-bench"]),
    .library(name: "DynamicalOT", type: .dynamic, targets: ["DynamicalOT"]),
    .library(name: "PointProcess", type: .dynamic, targets: ["PointProcess"]),
    .library(name: "SOC", type: .dynamic, targets: ["SOC"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
  ],
  targets: [
    // MARK: - Public API
    .target(name: "NCLPluginAPI", path: "Sources/NCLPluginAPI"),
    .target(name: "NCLPluginKit", dependencies: ["NCLPluginAPI"], path: "Sources/NCLPluginKit"),
    .target(
      name: "NCLHost",
      dependencies: ["COpenBLAS", "CFFI", "NCLKernels", "NCLPluginAPI", .product(name: "Numerics", package: "swift-numerics")],
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
    .target(name: "NCLKernels", path: "Sources/NCLKernels"),
    .target(name: "_NCLTestSupport", dependencies: ["NCLHost"], path: "Sources/_NCLTestSupport"),

    // MARK: - Plugins
    .target(name: "DynamicalOT", dependencies: ["NCLPluginKit", "NCLPluginAPI"], path: "Plugins/DynamicalOT",
            exclude: ["README.md", "docs"]),
    .target(name: "PointProcess", dependencies: ["NCLPluginKit", "NCLPluginAPI"], path: "Plugins/PointProcess",
            exclude: ["README.md", "data", "scripts", "docs"]),
    // SOC: the objective and exact solutions in SOCCore (linked by the tests), the entry point in SOC.
    .target(name: "SOCCore", dependencies: ["NCLPluginKit", "NCLPluginAPI"], path: "Plugins/SOC/Core"),
    .target(name: "SOC", dependencies: ["SOCCore", "NCLPluginKit", "NCLPluginAPI"], path: "Plugins/SOC/Entry"),

    // MARK: - Benchmarks
    .executableTarget(name: "ncl-bench", dependencies: ["NCLHost"], path: "bench/ncl-bench"),

    // MARK: - Tests
    .testTarget(name: "NCLHostTests", dependencies: ["NCLHost", "_NCLTestSupport"],
                path: "Tests/NCLHostTests"),
    .testTarget(name: "NCLPluginKitTests", dependencies: ["NCLPluginKit"], path: "Tests/NCLPluginKitTests"),
    // Loads the built libDynamicalOT.so through the real loader (no link dependency on the plugin).
    .testTarget(name: "DynamicalOTTests", dependencies: ["NCLHost", "_NCLTestSupport"], path: "Tests/DynamicalOTTests"),
    .testTarget(name: "PointProcessTests", dependencies: ["PointProcess", "NCLHost", "_NCLTestSupport"],
                path: "Tests/PointProcessTests"),
    // Unit tests of the exact solutions (@testable) and the built libSOC.so through the real loader.
    .testTarget(name: "SOCTests", dependencies: ["SOCCore", "NCLHost", "_NCLTestSupport"], path: "Tests/SOCTests"),
  ],
  swiftLanguageModes: [.v5]
)

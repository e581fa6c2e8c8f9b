// swift-tools-version:6.0
// NCL: simulation-free diffusion dynamics through neural conservation laws.
import PackageDescription

/// Release builds let callers specialize the engine's and the model's generic code (Tensor<Float>,
/// NCLModel<Float>) across module boundaries, as they could when the host was one module: without
/// it a training step runs 21 % more instructions, with it 24 % fewer (callgrind, docs/benchmarks.md).
let crossModuleOptimization: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
  name: "NCL",
  products: [
    .library(name: "NCLHost", targets: ["NCLHost"]),
    .library(name: "NCLEngine", targets: ["NCLEngine"]),
    .library(name: "NCLModel", targets: ["NCLModel"]),
    .library(name: "NCLPictures", targets: ["NCLPictures"]),
    .library(name: "NCLPluginAPI", targets: ["NCLPluginAPI"]),
    .library(name: "NCLPluginKit", type: .static, targets: ["NCLPluginKit"]),
    .library(name: "NCLSupport", targets: ["NCLSupport"]),
    .executable(name: "nclhost", targets: ["nclhost"]),
    .executable(name: "ncl-bench", targets: ["ncl-bench"]),
    .library(name: "DynamicalOT", type: .dynamic, targets: ["DynamicalOT"]),
    .library(name: "PointProcess", type: .dynamic, targets: ["PointProcess"]),
    .library(name: "SOC", type: .dynamic, targets: ["SOC"]),
    .library(name: "MeanField", type: .dynamic, targets: ["MeanField"]),
    .library(name: "GenerativeFM", type: .dynamic, targets: ["GenerativeFM"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
  ],
  targets: [
    // Dependencies point one way: NCLSupport <- NCLEngine <- NCLModel <- NCLPictures, NCLHost <-
    // nclhost; plugins see only the C header, NCLPluginKit and NCLSupport, never the host's targets.

    // MARK: - Public API
    // The plugin ABI: include/ncl_plugin.h, plain C, no dependencies.
    .target(name: "NCLPluginAPI", path: "Sources/NCLPluginAPI"),
    // The support layer of the host and every plugin: the seeded generator, numeric CSV reading,
    // atomic files, canvas and PNG pictures, toy distributions, the transport loss over a tensor
    // protocol. Uses only the system's zlib (CZlib), no other target and no Foundation.
    .target(name: "NCLSupport", dependencies: ["CZlib"], path: "Sources/NCLSupport", exclude: ["README.md"]),
    // The Swift layer of plugins over the C ABI (host tensors, descriptors, the objective
    // protocol). Uses only the header and NCLSupport.
    .target(name: "NCLPluginKit", dependencies: ["NCLPluginAPI", "NCLSupport"], path: "Sources/NCLPluginKit"),
    // The engine: tensors on BLAS, C kernels and the fork-join pool, autodiff of any order (the
    // tape, every op with its derivative rules). Uses NCLSupport (re-exported), OpenBLAS,
    // NCLKernels and swift-numerics; knows nothing of models.
    .target(
      name: "NCLEngine",
      dependencies: ["NCLSupport", "COpenBLAS", "NCLKernels", .product(name: "Numerics", package: "swift-numerics")],
      path: "Sources/NCLEngine", swiftSettings: crossModuleOptimization),
    // The NCL model and its sampler: networks, the density and flux constructions, fields, exact
    // and reparameterized sampling, SDE/ODE integration, a problem's units. Uses NCLEngine
    // (re-exported) only.
    .target(name: "NCLModel", dependencies: ["NCLEngine"], path: "Sources/NCLModel", swiftSettings: crossModuleOptimization),
    // Pictures of a model: density rows, vector fields, paths (on NCLSupport's canvas). Uses
    // NCLModel (re-exported) only.
    .target(name: "NCLPictures", dependencies: ["NCLModel"], path: "Sources/NCLPictures", swiftSettings: crossModuleOptimization),
    // Training and the plugin host: trainer, checkpoints, run folders, the loader, the C ABI's
    // routine table, libffi calls. Uses NCLModel and NCLPictures (both re-exported), libffi and
    // the header; never a plugin.
    .target(
      name: "NCLHost",
      dependencies: ["NCLModel", "NCLPictures", "CFFI", "NCLPluginAPI"],
      path: "Sources/NCLHost",
      exclude: ["README.md"]),
    // The `nclhost` command: argument parsing and printing over NCLHost.
    .executableTarget(
      name: "nclhost",
      dependencies: ["NCLHost", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Sources/nclhost"),

    // MARK: - Implementation details
    // System libraries (Debian packages that scripts/setup installs): BLAS for NCLEngine's products,
    // libffi for `nclhost call`, zlib for NCLSupport's PNG files.
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CFFI", path: "Sources/CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // NCLEngine's C kernels (Float32 transcendentals per instruction set, the fork-join pool); no dependencies.
    .target(name: "NCLKernels", path: "Sources/NCLKernels"),
    // Gradient checks and plugin fixtures for the tests (not API); uses NCLHost.
    .target(name: "_NCLTestSupport", dependencies: ["NCLHost"], path: "Sources/_NCLTestSupport"),

    // MARK: - Plugins
    // Shared libraries nclhost loads; each uses the header, NCLPluginKit and NCLSupport only.
    // DynamicalOT: the objective, data and metrics in DynamicalOTCore (linked by the tests), the entry point in DynamicalOT.
    .target(name: "DynamicalOTCore", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/DynamicalOT/Core"),
    .target(name: "DynamicalOT", dependencies: ["DynamicalOTCore", "NCLPluginKit", "NCLPluginAPI"], path: "Plugins/DynamicalOT/Entry"),
    .target(name: "PointProcess", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/PointProcess",
            exclude: ["README.md", "data", "scripts", "docs"]),
    // SOC: the objective and exact solutions in SOCCore (linked by the tests), the entry point in SOC.
    .target(name: "SOCCore", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/SOC/Core"),
    .target(name: "SOC", dependencies: ["SOCCore", "NCLPluginKit", "NCLPluginAPI"], path: "Plugins/SOC/Entry"),
    // MeanField: the objective, tasks and metrics in MeanFieldCore (linked by the tests), the entry point in MeanField.
    .target(name: "MeanFieldCore", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/MeanField/Core"),
    .target(name: "MeanField", dependencies: ["MeanFieldCore", "NCLPluginKit", "NCLPluginAPI"], path: "Plugins/MeanField/Entry"),
    // GenerativeFM: the objective, data and metrics in GenerativeFMCore (linked by the tests), the entry point in GenerativeFM.
    .target(name: "GenerativeFMCore", dependencies: ["NCLPluginKit", "NCLPluginAPI", "NCLSupport"], path: "Plugins/GenerativeFM/Core"),
    .target(name: "GenerativeFM", dependencies: ["GenerativeFMCore", "NCLPluginKit", "NCLPluginAPI"], path: "Plugins/GenerativeFM/Entry"),

    // MARK: - Benchmarks
    // `ncl-bench`: speed of the engine and of the reference OT step; uses NCLHost.
    .executableTarget(name: "ncl-bench", dependencies: ["NCLHost"], path: "bench/ncl-bench"),

    // MARK: - Tests
    .testTarget(name: "NCLHostTests", dependencies: ["NCLHost", "_NCLTestSupport", "CZlib"],
                path: "Tests/NCLHostTests"),
    .testTarget(name: "NCLSupportTests", dependencies: ["NCLSupport"], path: "Tests/NCLSupportTests"),
    .testTarget(name: "NCLPluginKitTests", dependencies: ["NCLPluginKit", "NCLSupport"], path: "Tests/NCLPluginKitTests"),
    // Unit tests of the data and references (@testable) and the built libDynamicalOT.so through the real loader.
    .testTarget(name: "DynamicalOTTests", dependencies: ["DynamicalOTCore", "NCLHost", "_NCLTestSupport"], path: "Tests/DynamicalOTTests"),
    .testTarget(name: "PointProcessTests", dependencies: ["PointProcess", "NCLHost", "_NCLTestSupport"],
                path: "Tests/PointProcessTests"),
    // Unit tests of the exact solutions (@testable) and the built libSOC.so through the real loader.
    .testTarget(name: "SOCTests", dependencies: ["SOCCore", "NCLHost", "_NCLTestSupport"], path: "Tests/SOCTests"),
    // Unit tests of the obstacles and mean-field terms (@testable) and the built libMeanField.so through the real loader.
    .testTarget(name: "MeanFieldTests", dependencies: ["MeanFieldCore", "NCLHost", "_NCLTestSupport"], path: "Tests/MeanFieldTests"),
    // The data sets and the flow-matching loss (@testable), the built libGenerativeFM.so through the real loader.
    .testTarget(name: "GenerativeFMTests", dependencies: ["GenerativeFMCore", "NCLHost", "_NCLTestSupport"],
                path: "Tests/GenerativeFMTests"),
  ],
  swiftLanguageModes: [.v5]
)

// Where the shipped data sets are: next to the plugin library, or in the source tree above it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum DataLocation {
  /// The folder, relative to the package root, that holds `pinwheel/` and `earthquakes_jp/`.
  static let packageRelative = "Plugins/PointProcess/data"
  /// A folder next to an installed library that may hold the data sets instead.
  static let installed = "pointprocess-data"

  /// The whole file as UTF-8 text (read with stdio).
  static func readFile(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else {
      throw DataError(message: "\(path): cannot open (\(String(cString: strerror(errno))))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
      if n < buffer.count { break }
    }
    if ferror(file) != 0 { throw DataError(message: "\(path): read error") }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func isDirectory(_ path: String) -> Bool {
    var s = stat()
    return stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
  }

  static func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  static func parent(_ path: String) -> String? {
    guard let slash = path.lastIndex(of: "/") else { return nil }
    let p = String(path[..<slash])
    return p.isEmpty ? (path == "/" ? nil : "/") : p
  }

  static var currentDirectory: String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return nil }
    return String(cString: buffer)
  }

  /// Candidate folders, in order: next to the library (`pointprocess-data/`), then every folder
  /// above the library and above the working directory that contains `Plugins/PointProcess/data`
  /// (the build products live in `<package>/.build/<config>/`). `libraryPath` is the plugin's
  /// own file, as the host tells it (ABI 1.2 `plugin_path`).
  static func candidates(libraryPath: String?) -> [String] {
    var out: [String] = []
    var starts: [String] = []
    if let library = libraryPath, let folder = parent(realPath(library)) {
      out.append(folder + "/" + installed)
      starts.append(folder)
    }
    if let cwd = currentDirectory { starts.append(cwd) }
    for start in starts {
      var folder: String? = start
      var depth = 0
      while let f = folder, depth < 12 {
        out.append((f == "/" ? "" : f) + "/" + packageRelative)
        folder = parent(f)
        depth += 1
      }
    }
    var seen = Set<String>()
    return out.filter { seen.insert($0).inserted }
  }

  /// The data folder holding `dataset/`: `override` when given, else the first candidate that has it.
  static func find(dataset: String, override: String, libraryPath: String?) throws -> String {
    if !override.isEmpty {
      guard isDirectory(override + "/" + dataset) else {
        throw DataError(message: "data_dir=\(override) has no folder '\(dataset)' (expected \(override)/\(dataset)/train.csv, val.csv, test.csv)")
      }
      return override
    }
    let tried = candidates(libraryPath: libraryPath)
    if let found = tried.first(where: { isDirectory($0 + "/" + dataset) }) { return found }
    throw DataError(message: "the shipped data set '\(dataset)' was not found; looked in: \(tried.joined(separator: ", ")). " +
                    "Set data_dir to the folder that holds \(dataset)/ (in the source tree: \(packageRelative)).")
  }
}

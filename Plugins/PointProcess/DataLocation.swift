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

  /// The path of the shared library (or executable) this code was loaded from: the file mapped
  /// at the address of one of its own functions (dladdr on Darwin, /proc/self/maps on Linux,
  /// where Glibc's module map does not export dladdr).
  static var libraryPath: String? {
    let f: @convention(c) () -> Int32 = pointProcessAnchor
    let address = UInt(bitPattern: unsafeBitCast(f, to: UnsafeRawPointer.self))
    #if canImport(Darwin)
    var info = Dl_info()
    guard dladdr(UnsafeRawPointer(bitPattern: address), &info) != 0, let name = info.dli_fname else { return nil }
    return String(cString: name)
    #else
    guard let maps = readText("/proc/self/maps") else { return nil }
    for line in maps.split(separator: "\n") {
      // start-end perms offset dev inode path
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count == 6 else { continue }
      let path = fields[5].trimmingSpaces()
      guard path.hasPrefix("/") else { continue }
      let bounds = fields[0].split(separator: "-")
      guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else { continue }
      if address >= start && address < end { return path }
    }
    return nil
    #endif
  }

  static func readText(_ path: String) -> String? { try? readFile(path) }

  /// The whole file as UTF-8 text (read with stdio: it also reads /proc files, whose size is 0).
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
  /// (the build products live in `<package>/.build/<config>/`).
  static func candidates() -> [String] {
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
  static func find(dataset: String, override: String) throws -> String {
    if !override.isEmpty {
      guard isDirectory(override + "/" + dataset) else {
        throw DataError(message: "data_dir=\(override) has no folder '\(dataset)' (expected \(override)/\(dataset)/train.csv, val.csv, test.csv)")
      }
      return override
    }
    let tried = candidates()
    if let found = tried.first(where: { isDirectory($0 + "/" + dataset) }) { return found }
    throw DataError(message: "the shipped data set '\(dataset)' was not found; looked in: \(tried.joined(separator: ", ")). " +
                    "Set data_dir to the folder that holds \(dataset)/ (in the source tree: \(packageRelative)).")
  }
}

/// A function of this library whose address locates it (dladdr).
private func pointProcessAnchor() -> Int32 { 0 }

// Whole-file replacement that readers never see half done.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file replacement: write a temporary file beside the target, fsync it, rename it over
/// the target, fsync the directory. rename(2) is atomic within a file system, so readers (a
/// resumed run, an image viewer refreshing, a CI upload) never see a partial file, and a crash
/// or a failed write leaves the previous version in place.
public enum AtomicFile {
  /// Writes `bytes` to `path` atomically; with `createDirectories`, missing parent folders are
  /// made first. Errors name the path and the step that failed.
  public static func write(_ bytes: UnsafeRawBufferPointer, to path: String, createDirectories: Bool = false) throws {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let temporary = (directory == "/" ? "" : directory) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    func failure(_ what: String, _ file: String) -> NCLError {
      NCLError.invalidArgument("cannot write \(path): \(what) \(file) failed: \(String(cString: strerror(errno)))")
    }
    if createDirectories { try makeDirectories(directory, for: path) }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("creating", temporary) }
    var closed = false
    defer {
      if !closed { close(fd) }
    }
    var renamed = false
    defer {
      if !renamed { unlink(temporary) }
    }
    var written = 0
    while written < bytes.count {
      let n = systemWrite(fd, bytes.baseAddress! + written, bytes.count - written)
      if n < 0 {
        if errno == EINTR { continue }
        throw failure("writing", temporary)
      }
      written += n
    }
    guard fsync(fd) == 0 else { throw failure("fsync of", temporary) }
    closed = true
    guard close(fd) == 0 else { throw failure("closing", temporary) }
    guard rename(temporary, path) == 0 else { throw failure("renaming", temporary) }
    renamed = true
    // Make the rename itself durable; a directory that cannot be opened only loses durability.
    let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
      _ = fsync(directoryDescriptor)
      close(directoryDescriptor)
    }
  }

  /// Writes `bytes` to `path` atomically (see `write(_:to:createDirectories:)`).
  public static func write(_ bytes: [UInt8], to path: String, createDirectories: Bool = false) throws {
    try bytes.withUnsafeBytes { try write($0, to: path, createDirectories: createDirectories) }
  }

  /// `mkdir -p directory`: each missing folder on the way, from the root down.
  static func makeDirectories(_ directory: String, for path: String) throws {
    var prefix = directory.hasPrefix("/") ? "/" : ""
    for component in directory.split(separator: "/") {
      prefix += component
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw NCLError.invalidArgument("cannot write \(path): creating the folder \(prefix) failed: \(String(cString: strerror(errno)))")
      }
      prefix += "/"
    }
  }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

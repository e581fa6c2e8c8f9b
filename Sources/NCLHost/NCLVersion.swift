// The library's version, shown by `nclhost --version`.

public enum NCLVersion {
  public static let string = "0.1.0"
}

/// The version of dvcg: what `dvcgd --version`, `dvcgctl --version`, `dvcg --version` and
/// `GET /v1/status` report.
///
/// It is the package's version, the first line of `debian/changelog`; a test holds the two equal.
public enum DVCGVersion {
    /// The version, e.g. `0.1.0`.
    public static let string = "0.1.0"
}

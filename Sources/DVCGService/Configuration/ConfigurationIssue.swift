/// One problem in a configuration file, with where it is.
///
/// Its description is `file:line:column: path: message`, e.g.
/// `etc/dvcgd.yaml:14:9: vsps[2].utility.xi: expected 3 values, found 2`; lines and columns are 1-based.
public struct ConfigurationIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file as named by the user.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// The key path, e.g. `vsps[2].utility.xi`; empty for the document itself.
    public var path: String
    /// What is wrong.
    public var message: String

    /// An issue at a position.
    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `file:line:column: path: message`; `file: message` for an issue of the whole file (line 0).
    public var description: String {
        let position = line > 0 ? "\(file):\(line):\(column)" : file
        return path.isEmpty ? "\(position): \(message)" : "\(position): \(path): \(message)"
    }
}

/// Every problem found in a configuration file; the daemon refuses it as a whole.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in the order of the file.
    public var issues: [ConfigurationIssue]

    /// A refusal with its issues.
    public init(issues: [ConfigurationIssue]) { self.issues = issues }

    /// One issue per line.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

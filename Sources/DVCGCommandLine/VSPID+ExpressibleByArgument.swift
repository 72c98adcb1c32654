import ArgumentParser
import DVCGCore

/// A VSP id as a command-line argument: 1 to 64 characters from `[A-Za-z0-9._-]`.
extension VSPID: ExpressibleByArgument {
    /// The id, or `nil` (a usage error, exit status 2) for text outside the id rule.
    public init?(argument: String) {
        guard let id = try? VSPID(argument) else { return nil }
        self = id
    }
}

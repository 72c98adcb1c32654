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

extension VSPID {
    /// An id argument, or the usage error that states the id rule (`transform: VSPID.argument`), so that
    /// `'bad id!'` is told why: `must be 1 to 64 characters from [A-Za-z0-9._-]`.
    public static func argument(_ text: String) throws -> VSPID {
        guard let id = try? VSPID(text) else { throw ValidationError("an id must be \(VSPID.rule)") }
        return id
    }
}

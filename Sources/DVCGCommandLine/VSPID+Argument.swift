import ArgumentParser
import DVCGCore

extension VSPID {
    /// A VSP id as a command-line argument (`transform: VSPID.argument`): 1 to 64 characters from
    /// `[A-Za-z0-9._-]`, else the usage error (exit status 2) that states the rule, so that `'bad id!'` is told
    /// why in the one wording: `<id>: expected 1 to 64 characters from [A-Za-z0-9._-], found 'bad id!'`.
    public static func argument(_ text: String) throws -> VSPID {
        guard let id = try? VSPID(text) else {
            throw ValidationError("expected \(VSPID.rule), found '\(text.escapingControlCharacters)'")
        }
        return id
    }
}

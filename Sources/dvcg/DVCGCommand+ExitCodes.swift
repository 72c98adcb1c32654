import ArgumentParser
import Foundation

extension DVCGCommand {
    /// Runs the command line with our documented exit codes: swift-argument-parser exits 64
    /// (EX_USAGE) on a usage error, the tool promises 2 (0 ok, 1 invalid file, 2 usage).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

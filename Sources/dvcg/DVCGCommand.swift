import ArgumentParser
import Foundation

#if canImport(Glibc)
    /// glibc's `mallopt(3)` (declared in malloc.h, which the Glibc module does not export).
    @_silgen_name("mallopt")
    func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// `dvcg`, the offline tool: welfare optimum, instances, checkpoints, training, evaluation, benchmarks.
@main
struct DVCGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dvcg",
        abstract: "Offline tool for the dual-currency VCG auction with value of information (DVCG).",
        discussion: """
            Computes the exact social-welfare optimum and VCG payments of an instance, draws instances \
            from the paper's distributions, inspects policy checkpoints and runs benchmarks. \
            Exit status: 0 on success, 1 when a file is invalid, 2 on a usage or input error.
            """,
        subcommands: [
            OptimumCommand.self, InstanceCommand.self, InspectCommand.self, InitPolicyCommand.self, TrainCommand.self,
            EvaluateCommand.self, ExperimentCommand.self, BenchCommand.self,
        ]
    )

    /// Runs a verb, mapping usage errors to exit status 2 and ``CommandFailure`` to its own status.
    static func main() async {
        #if canImport(Glibc)
            // Training allocates and frees the same few-hundred-KB matrices every step; keep them on the
            // heap instead of mmap/munmap (page faults cost more than the products).
            _ = mallopt(-3, 256 << 20)  // M_MMAP_THRESHOLD
            _ = mallopt(-1, 512 << 20)  // M_TRIM_THRESHOLD
        #endif
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("dvcg: \(failure.message)\n".utf8))
            Foundation.exit(failure.status)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// A failure a verb reports as one line on standard error, with its exit status.
struct CommandFailure: Error {
    /// The message, without the `dvcg: ` prefix.
    let message: String
    /// The exit status: 1 for an invalid file, 2 for bad input.
    let status: Int32

    /// Bad input (a malformed instance file, an out-of-range option): exit status 2.
    static func input(_ message: String) -> CommandFailure { CommandFailure(message: message, status: 2) }
    /// An invalid file (e.g. a checkpoint that fails validation): exit status 1.
    static func invalid(_ message: String) -> CommandFailure { CommandFailure(message: message, status: 1) }
}

/// Writes `value` as JSON with sorted keys to standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(value))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Pads the columns of `rows` (the first row is the header) to aligned text; numbers right-aligned.
func alignedTable(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
    }
    return rows.map { row in
        row.enumerated().map { index, cell in
            let padding = String(repeating: " ", count: widths[index] - cell.count)
            return index == 0 ? cell + padding : padding + cell
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A failure a verb reports as one line on standard error, `<tool>: <message>`, with its exit status.
public struct CommandFailure: Error, Sendable {
    /// The message, without the tool's prefix.
    public let message: String
    /// The exit status.
    public let status: Int32

    /// Creates a failure.
    public init(message: String, status: Int32) {
        self.message = message
        self.status = status
    }

    /// Bad input (a malformed file, an out-of-range option): exit status 2.
    public static func input(_ message: String) -> CommandFailure { CommandFailure(message: message, status: 2) }
    /// An invalid file or a refusal: exit status 1.
    public static func invalid(_ message: String) -> CommandFailure { CommandFailure(message: message, status: 1) }
}

extension ParsableCommand {
    /// Parses the command line and runs the chosen verb with our exit codes: a ``CommandFailure``
    /// prints `<name>: <message>` and exits with its status, a usage error exits 2 (not
    /// swift-argument-parser's 64), everything else as swift-argument-parser decides.
    ///
    /// - Parameters:
    ///   - arguments: The arguments without the program name; the process's own when nil.
    ///   - failure: Maps other errors a verb throws to a ``CommandFailure``, or nil.
    public static func runWithExitCodes(
        arguments: [String]? = nil, mapping failure: @Sendable (any Error) -> CommandFailure? = { _ in nil }
    ) async -> Never {
        let name = configuration.commandName ?? "command"
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            if let commandFailure = (error as? CommandFailure) ?? failure(error) {
                FileHandle.standardError.write(Data("\(name): \(commandFailure.message)\n".utf8))
                Foundation.exit(commandFailure.status)
            }
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes `value` as pretty JSON with sorted keys, and a newline, to standard output.
public func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    writeStandardOutput(try encoder.encode(value) + Data("\n".utf8))
}

/// Writes `data` to standard output, all of it.
///
/// `FileHandle.write(_:)` traps on any error, so `dvcgctl --json status | head -1` crashed with a
/// backtrace once `head` closed the pipe (SIGPIPE is ignored by SwiftNIO, so the write fails with
/// EPIPE instead of ending the process). Here a closed pipe ends the program quietly with status
/// 0, as `yes | head` does for the reader; any other error is reported and exits 1.
public func writeStandardOutput(_ data: Data) {
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < buffer.count {
            let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            if written >= 0 {
                offset += written
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EPIPE { Foundation.exit(0) }
            FileHandle.standardError.write(Data("cannot write to standard output: \(String(cString: strerror(code)))\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// Pads the columns of `rows` to aligned text, one line per row: the first column left-aligned,
/// the others (numbers) right-aligned, no trailing blanks.
public func alignedTable(_ rows: [[String]]) -> String {
    var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
        let line = row.enumerated().map { index, cell in
            let padding = String(repeating: " ", count: widths[index] - cell.count)
            return index == 0 ? cell + padding : padding + cell
        }.joined(separator: "  ")
        return String(line.reversed().drop(while: { $0 == " " }).reversed())
    }.joined(separator: "\n")
}

/// A `key  value` listing with the keys padded to one width.
public func keyValueLines(_ pairs: [(String, String)]) -> String {
    let width = pairs.map(\.0.count).max() ?? 0
    return pairs.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
        separator: "\n")
}

/// A number with a fixed count of decimals, for tables.
public func format(_ value: Double, digits: Int = 4) -> String {
    String(format: "%.\(digits)f", value)
}

/// Moves global options written before the verb (`tool --socket X --json verb ...`) behind it, where
/// swift-argument-parser looks for a verb's option group, so both orders work.
///
/// - Parameters:
///   - arguments: The arguments without the program name.
///   - valued: Global options that take a value (`--socket`).
///   - flags: Global flags (`--json`).
/// - Returns: The arguments with the leading global options after the first non-option argument.
public func movingLeadingGlobalOptions(_ arguments: [String], valued: Set<String>, flags: Set<String>) -> [String] {
    var leading: [String] = []
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
        if flags.contains(argument) || (valued.contains(name) && argument.contains("=")) {
            leading.append(argument)
            index += 1
        } else if valued.contains(argument), index + 1 < arguments.count {
            leading += [argument, arguments[index + 1]]
            index += 2
        } else {
            break
        }
    }
    guard !leading.isEmpty, index < arguments.count else { return arguments }
    return [arguments[index]] + leading + arguments[(index + 1)...]
}

import ArgumentParser
import DVCGCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The version every program prints for `--version`: ``DVCGVersion/string``, the package's version.
public let programVersion = DVCGVersion.string

/// A failure a verb reports as one line on standard error, `<program>: <verb>: <message>`, with its exit status.
public struct CommandFailure: Error, Sendable {
    /// The message, without the program's and the verb's prefix.
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
    /// Parses the command line and runs the chosen verb with our exit codes and one error format,
    /// `<program>: <verb>: <message>` (`<program>: <message>` without a verb): a ``CommandFailure`` exits
    /// with its status (a message of several lines, such as a reload's refusal, gets the prefix on each), a usage
    /// error exits 2 (not swift-argument-parser's 64), one line pointing to `--help`, an
    /// unknown verb gets the nearest verb suggested, everything else as swift-argument-parser decides
    /// (`--help`, `--version`: 0).
    ///
    /// - Parameters:
    ///   - arguments: The arguments without the program name; the process's own when nil.
    ///   - failure: Maps other errors a verb throws to a ``CommandFailure``, or nil.
    public static func runWithExitCodes(
        arguments: [String]? = nil, mapping failure: @Sendable (any Error) -> CommandFailure? = { _ in nil }
    ) async -> Never {
        let name = configuration.commandName ?? "command"
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        let verb = verbPath(in: given)
        let prefix = ([name] + verb.path).joined(separator: ": ")
        // `help VERB`: swift-argument-parser shows the program's own help for a verb it does not have, exit 0.
        if given.first == "help" {
            let helped = verbPath(in: Array(given.dropFirst()))
            if let unknown = helped.unknown {
                exitWithUnknownVerb(unknown, in: helped.choices, prefix: "\(name): help", command: name)
            }
        }
        // `optimun --help`: swift-argument-parser shows the program's help, exit 0, and hides the typo.
        if let unknown = verb.unknown, given.contains(where: { ["-h", "--help"].contains($0) }) {
            exitWithUnknownVerb(
                unknown, in: verb.choices, prefix: prefix, command: ([name] + verb.path).joined(separator: " "))
        }
        let read = readingNegativeValues(given, verb: verb)
        do {
            var command = try parseAsRoot(read)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            if let commandFailure = (error as? CommandFailure) ?? failure(error) {
                let lines = commandFailure.message.split(separator: "\n").map { "\(prefix): \($0)\n" }
                FileHandle.standardError.write(Data(lines.joined().utf8))
                Foundation.exit(commandFailure.status)
            }
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(
                    Data((usageMessage(for: error, arguments: read, prefix: prefix, verb: verb) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    /// The verbs named at the front of `arguments` (`["bench", "optimum"]`), and the first word after them
    /// that names no verb where one was expected.
    static func verbPath(in arguments: [String]) -> (
        path: [String], unknown: String?, choices: [String], command: any ParsableCommand.Type
    ) {
        var path: [String] = []
        var level: any ParsableCommand.Type = self
        // Read from the help only when an option needs it (`dvcgctl status` renders no help).
        var takesValue: [String: String]? = nil
        var skipsNext = false
        for argument in arguments {
            // An option's value (`--socket /run/x.sock`) is no verb.
            if skipsNext {
                skipsNext = false
                continue
            }
            if argument.hasPrefix("-") {
                guard !argument.contains("=") else { continue }
                if takesValue == nil { takesValue = listedOptions(of: level).takingValues }
                skipsNext = takesValue![argument] != nil || argument == "--generate-completion-script"
                continue
            }
            let subcommands = level.configuration.subcommands
            guard !subcommands.isEmpty else { break }
            let names = subcommands.map { $0.configuration.commandName ?? "" }
            guard let index = names.firstIndex(of: argument) else {
                return (path, argument == "help" ? nil : argument, names, level)
            }
            path.append(argument)
            level = subcommands[index]
            takesValue = nil
        }
        return (path, nil, [], level)
    }

    /// The arguments with each negative number where a value goes read as one, so that the verb's own check
    /// says what is wrong with it (`--vsps: expected an integer in [1, 100000], found -3`): joined to the
    /// option before it that takes a value (`--vsps=-3`), or, as the last arguments' first positional value
    /// with no option after it, behind a `--` (`bid fleet-8 -- -5`). swift-argument-parser would read it as
    /// an option.
    static func readingNegativeValues(
        _ arguments: [String],
        verb: (path: [String], unknown: String?, choices: [String], command: any ParsableCommand.Type)
    ) -> [String] {
        guard verb.unknown == nil, let firstNegative = arguments.firstIndex(where: isNegativeNumber),
            !arguments[..<firstNegative].contains("--")
        else { return arguments }
        let takingValues = listedOptions(of: verb.command).takingValues
        var read: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                read += arguments[index...]
                break
            }
            if takingValues[argument] != nil, index + 1 < arguments.count, isNegativeNumber(arguments[index + 1]) {
                read.append(argument + "=" + arguments[index + 1])
                index += 2
                continue
            }
            if isNegativeNumber(argument), index > 0, takingValues[arguments[index - 1]] == nil,
                !arguments[(index + 1)...].contains(where: { $0.hasPrefix("-") && !isNegativeNumber($0) }),
                positionalName(at: index, in: arguments, verbCount: verb.path.count, of: verb.command) != nil
            {
                read += ["--"] + arguments[index...]
                break
            }
            read.append(argument)
            index += 1
        }
        return read
    }

    /// The `--name` options `command`'s help lists, and those of them it lists with a value, with the value's
    /// name (`--socket <socket>`: `socket`).
    private static func listedOptions(
        of command: any ParsableCommand.Type
    ) -> (all: Set<String>, takingValues: [String: String]) {
        let help = helpMessage(for: command, includeHidden: true, columns: 10_000)
        var all: Set<String> = []
        var takingValues: [String: String] = [:]
        var rest = Substring(help)
        while let start = rest.range(of: "--") {
            let name = rest[start.lowerBound...].prefix { $0 == "-" || $0.isLetter || $0.isNumber }
            rest = rest[start.upperBound...]
            guard name.count > 2 else { continue }
            all.insert(String(name))
            let after = rest.dropFirst(name.count - 2)
            if after.hasPrefix(" <") { takingValues[String(name)] = String(after.dropFirst(2).prefix { $0 != ">" }) }
        }
        return (all, takingValues)
    }

    /// swift-argument-parser's own options, which no help lists.
    static var builtinOptions: Set<String> {
        [
            "--help", "--version", "--generate-completion-script", "--experimental-dump-help",
        ]
    }

    /// The first `--name` in `arguments` (before a `--`) that `command`'s help does not list, with the
    /// nearest listed one: swift-argument-parser runs a verb's `validate()` before it looks for unknown options,
    /// so `add-vsp x --externel` would otherwise be told to give `--external`.
    static func unknownOption(
        in arguments: [String], of command: any ParsableCommand.Type
    ) -> (option: String, nearest: String?)? {
        let known = listedOptions(of: command).all.union(builtinOptions)
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("--"), argument.count > 2 else { continue }
            let name = String(argument.prefix { $0 != "=" })
            if !known.contains(name) { return (name, nearestWord(to: name, in: known.sorted())) }
        }
        return nil
    }

    /// The name `command`'s usage gives the positional argument at `index` of `arguments` (`amount` for the
    /// `-5` of `bid vsp-1 -5`): the positional arguments before it are counted, the verbs and the values of
    /// options skipped.
    static func positionalName(
        at index: Int, in arguments: [String], verbCount: Int, of command: any ParsableCommand.Type
    ) -> String? {
        let takingValues = listedOptions(of: command).takingValues
        var position = -verbCount
        var skipsNext = false
        var afterTerminator = false
        for argument in arguments[..<index] {
            if skipsNext {
                skipsNext = false
            } else if argument == "--", !afterTerminator {
                afterTerminator = true
            } else if !afterTerminator, argument.hasPrefix("-"), !isNegativeNumber(argument) {
                skipsNext = !argument.contains("=") && takingValues[argument] != nil
            } else {
                position += 1
            }
        }
        // `USAGE: dvcgctl bid [--socket <socket>] [--json] <id> <amount> [--round <round>]`: the `<name>`s that
        // follow no option.
        var names: [String] = []
        var afterOption = false
        for token in command.usageString().split(separator: " ") {
            let bare = token.trimmingCharacters(in: CharacterSet(charactersIn: "[]."))
            if bare.hasPrefix("<"), bare.hasSuffix(">"), !afterOption {
                names.append(String(bare.dropFirst().dropLast()))
            }
            afterOption = bare.hasPrefix("-")
        }
        guard position >= 0 else { return nil }
        return position < names.count ? names[position] : names.last
    }

    /// swift-argument-parser's sentence for a value it cannot read, in the wording of our own checks,
    /// `OPTION: expected ..., found ...`: `The value 'CSV' is invalid for '--format <format>'. Please provide one
    /// of 'table', 'jsonl' or 'csv'.` (a choice) reads `--format: expected table, jsonl or csv, found 'CSV' (did
    /// you mean 'csv'?)`; `... for '--bidding <bidding>': expected ...` (a transform's own message) reads
    /// `--bidding: expected ...`; a bare `... for '--rounds <rounds>'.` (a number type) says what the
    /// value is not. nil for any other sentence.
    static func invalidValueMessage(_ sentence: String) -> String? {
        let start = "The value '"
        guard sentence.hasPrefix(start), let middle = sentence.range(of: "' is invalid for '") else { return nil }
        let value = String(sentence[sentence.index(sentence.startIndex, offsetBy: start.count)..<middle.lowerBound])
        let afterName = sentence[middle.upperBound...]
        guard let nameEnd = afterName.firstIndex(of: "'") else { return nil }
        // `--format <format>` is the option `--format`; a positional `<amount>` keeps its brackets.
        let named = afterName[..<nameEnd]
        let option = named.hasPrefix("-") ? String(named.prefix { $0 != " " }) : String(named)
        let rest = afterName[afterName.index(after: nameEnd)...]
        if rest.hasPrefix(": ") {
            // A transform's own error already names the option (`--factors: expected ...`).
            let reason = rest.dropFirst(2)
            return reason.hasPrefix(option + ":") ? String(reason) : "\(option): \(reason)"
        }
        if let list = rest.range(of: "Please provide one of ") {
            let choices = rest[list.upperBound...].split(separator: "'").enumerated().filter { $0.offset % 2 == 0 }
                .map { String($0.element) }
            return "\(option): \(choiceMessage(choices, found: value))"
        }
        let what =
            Double(value) == nil
            ? "a number"
            : Int64(value) == nil && Double(value)!.rounded() != Double(value)!
                ? "an integer"
                // An option that takes a count or a round number (`--from -1`): not "a smaller number".
                : Double(value)! < 0 ? "an integer >= 0" : "a smaller number"
        return "\(option): expected \(what), found '\(value)'"
    }

    /// The verb `word` stands for: the one verb it starts (`add` and `dump` start one each), else the nearest
    /// by spelling.
    static func nearestVerb(to word: String, in verbs: [String]) -> String? {
        let starting = verbs.filter { $0.hasPrefix(word) }
        return starting.count == 1 ? starting[0] : nearestWord(to: word, in: verbs)
    }

    /// `unknown verb 'stauts' (did you mean 'status'?)`: a word where one of `verbs` was expected.
    static func unknownVerb(_ word: String, in verbs: [String]) -> String {
        "unknown verb '\(word)'" + (nearestVerb(to: word, in: verbs).map { " (did you mean '\($0)'?)" } ?? "")
    }

    /// Prints `<prefix>: unknown verb ...; see '<command> --help'` on standard error and exits 2.
    static func exitWithUnknownVerb(_ word: String, in verbs: [String], prefix: String, command: String) -> Never {
        FileHandle.standardError.write(
            Data("\(prefix): \(unknownVerb(word, in: verbs)); see '\(command) --help'\n".utf8))
        Foundation.exit(2)
    }

    /// A usage error as one line, `<prefix>: <message>; see '<program> <verb> --help'`; an unknown verb as
    /// `<prefix>: unknown verb 'stauts' (did you mean 'status'?)`; a negative number, which swift-argument-parser
    /// reads as an option, as such. swift-argument-parser's usage and help lines are left to `--help`.
    static func usageMessage(
        for error: any Error, arguments: [String], prefix: String,
        verb: (path: [String], unknown: String?, choices: [String], command: any ParsableCommand.Type)
    ) -> String {
        let full = fullMessage(for: error)
        var first = full.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
        if let unknown = verb.unknown {
            first = unknownVerb(unknown, in: verb.choices)
        } else if verb.path.isEmpty, let option = arguments.first, !verb.command.configuration.subcommands.isEmpty,
            !arguments.contains(where: { $0 == "-h" || builtinOptions.contains(String($0.prefix { $0 != "=" })) })
        {
            // Options without a verb (`dvcgctl --socket /run/x.sock`): the global options belong to the verbs.
            let program = configuration.commandName ?? "command"
            let listed = listedOptions(of: verb.command)
            let name = String(option.prefix { $0 != "=" })
            // As swift-argument-parser says it after a verb: `missing value for '--socket <socket>'`.
            first =
                !listed.all.contains(name)
                ? "unknown option '\(name)'"
                    + (nearestWord(to: name, in: listed.all.sorted()).map { " (did you mean '\($0)'?)" } ?? "")
                : arguments.count == 1
                    ? listed.takingValues[option].map { "missing value for '\(option) <\($0)>'" }
                        ?? "no verb given; options go with one ('\(program) VERB \(option) ...')"
                    : "no verb given; options go with one ('\(program) VERB \(option) ...')"
        } else if let (option, nearest) = unknownOption(in: arguments, of: verb.command) {
            first = "unknown option '\(option)'" + (nearest.map { " (did you mean '\($0)'?)" } ?? "")
        } else if let index = arguments.prefix(while: { $0 != "--" }).firstIndex(where: isNegativeNumber) {
            // Named by its option when it has one (`--alpha -1`); values that may be negative (a report's) parse.
            let option =
                index > 0 && arguments[index - 1].hasPrefix("--") && arguments[index - 1] != "--"
                ? arguments[index - 1]
                : positionalName(at: index, in: arguments, verbCount: verb.path.count, of: verb.command).map {
                    "<\($0)>"
                }
            first = (option.map { $0 + ": " } ?? "") + "expected no negative number, found \(arguments[index])"
        } else if first.hasPrefix("Can't generate completion scripts for '") {
            let shell = first.dropFirst("Can't generate completion scripts for '".count).prefix { $0 != "'" }
            first = "--generate-completion-script: \(choiceMessage(["zsh", "bash", "fish"], found: String(shell)))"
        } else if let rewritten = invalidValueMessage(first) {
            first = rewritten
        } else if let head = first.first {
            first = head.lowercased() + first.dropFirst()
            // swift-argument-parser's sentences as one clause: "unknown option '--jsno'. Did you mean '--json'?"
            // reads "unknown option '--jsno' (did you mean '--json'?)", and a final full stop goes.
            if let range = first.range(of: ". Did you mean ") {
                first = first[..<range.lowerBound] + " (did you mean " + first[range.upperBound...] + ")"
            }
            while first.hasSuffix(".") { first.removeLast() }
        }
        let command = prefix.replacingOccurrences(of: ": ", with: " ")
        return "\(prefix): \(first); see '\(command) --help'"
    }
}

/// Whether `argument` is a negative number (`-5`, `-0.5`) or begins a list with one (`-1,2,3`), which
/// swift-argument-parser takes for an option.
func isNegativeNumber(_ argument: String) -> Bool {
    guard argument.count > 1, argument.hasPrefix("-") else { return false }
    let first = argument.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)[0]
    return Double(first) != nil
}

/// Why a file could not be read or written, as dvcgd says it (`No such file or directory`): the system's own
/// text of the errno under a Foundation error, else Foundation's description.
public func fileProblem(_ error: any Error) -> String {
    if let cocoa = error as? CocoaError {
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
        case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
        case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
        case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
        case .fileReadUnknown: return "not a readable file (a folder, or a device)"
        default: break
        }
    }
    let error = error as NSError
    for candidate in [error, error.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap({ $0 })
    where candidate.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(candidate.code)))
    }
    return error.localizedDescription
}

/// Refuses a file that cannot be opened for reading as an input error (exit 2), with the system's reason, so
/// that a missing file is told from one that is there but invalid (exit 1).
public func requireReadable(_ path: String) throws(CommandFailure) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw .input("\(path): cannot read the file: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    // open(2) opens a folder too: say so here, a usage error as a missing file, not an invalid file's exit 1.
    var info = stat()
    if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
        throw .input(
            "\(path): cannot read the file: \((info.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file")")
    }
}

/// Refuses, before any work, an output file that could not be written (exit 2): a folder, or a path whose folder
/// is missing or not writable, named with the system's reason (`cannot write the file: No such file or
/// directory`), so that minutes of training are not lost to a typo in `--out`.
public func requireWritable(_ path: String) throws(CommandFailure) {
    var info = stat()
    if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
        throw .input("\(path): cannot write the file: a folder")
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    // A file where the folder should be (`out.svg/x`): access(2) would say "Permission denied".
    if stat(folder, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR {
        throw .input("\(path): cannot write the file: \(folder) is not a folder")
    }
    guard access(folder, W_OK | X_OK) == 0 else {
        throw .input("\(path): cannot write the file: \(String(cString: strerror(errno)))")
    }
}

/// The whole of the file at `path`, or of standard input for `-`, read with plain read(2) so that pipes and
/// `/dev/stdin` work as files do. A file that cannot be opened or read is a usage error naming the path and
/// the system's reason (`cannot read the file: No such file or directory`).
public func readWholeFile(_ path: String) throws(CommandFailure) -> Data {
    let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    let name = path == "-" ? "standard input" : path
    guard descriptor >= 0 else {
        throw .input("\(name): cannot read the file: \(String(cString: strerror(errno)))")
    }
    defer { if descriptor != STDIN_FILENO { close(descriptor) } }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count == 0 { return data }
        if count < 0 {
            if errno == EINTR { continue }
            let reason = errno == EISDIR ? "a folder, not a file" : String(cString: strerror(errno))
            throw .input("\(name): cannot read the file: \(reason)")
        }
        data.append(contentsOf: buffer[0..<count])
    }
}

/// Writes `value` as pretty JSON with sorted keys, and a newline, to standard output.
public func printJSON(_ value: some Encodable, snakeCaseKeys: Bool = false) throws {
    let encoder = JSONEncoder()
    // The benchmarks' results are plain Swift values: their keys as every other JSON key of ours (`median_ms`).
    if snakeCaseKeys { encoder.keyEncodingStrategy = .convertToSnakeCase }
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    var text = String(decoding: try encoder.encode(value), as: UTF8.self)
    if text == "[\n\n]" { text = "[]" }  // Foundation's pretty empty array
    writeStandardOutput(Data((text + "\n").utf8))
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
            FileHandle.standardError.write(
                Data("cannot write to standard output: \(String(cString: strerror(code)))\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// Pads the columns of `rows` to aligned text, one line per row: the first column and columns of words
/// left-aligned, columns of numbers right-aligned, no trailing blanks.
public func alignedTable(_ rows: [[String]]) -> String {
    var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    // A column of numbers (below the header; "-" counts as one) is right-aligned, a column of words left-aligned.
    let numeric = widths.indices.map { index in
        rows.dropFirst().allSatisfy { row in
            index >= row.count || row[index] == "-" || row[index].isEmpty || Double(row[index]) != nil
        }
    }
    return rows.map { row in
        let line = row.enumerated().map { index, cell in
            let padding = String(repeating: " ", count: widths[index] - cell.count)
            return numeric[index] && index > 0 ? padding + cell : cell + padding
        }.joined(separator: "  ")
        return String(line.reversed().drop(while: { $0 == " " }).reversed())
    }.joined(separator: "\n")
}

/// Whether `a` comes before `b` for people: digit runs compare as numbers (`fleet-7` before `fleet-11`),
/// then the plain order of the text breaks ties. The wire and the ledger keep the plain order of ids.
public func naturalOrder(_ a: String, _ b: String) -> Bool {
    switch a.compare(b, options: .numeric) {
    case .orderedAscending: return true
    case .orderedDescending: return false
    case .orderedSame: return a < b
    }
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

/// Joins each option of `options` to a negative number after it (`--utility -1` as `--utility=-1`), which
/// swift-argument-parser would otherwise read as an option: for the few values that may be below 0.
public func joiningNegativeValues(_ arguments: [String], of options: Set<String>) -> [String] {
    var joined: [String] = []
    var index = 0
    while index < arguments.count {
        if options.contains(arguments[index]), index + 1 < arguments.count, isNegativeNumber(arguments[index + 1]) {
            joined.append(arguments[index] + "=" + arguments[index + 1])
            index += 2
        } else {
            joined.append(arguments[index])
            index += 1
        }
    }
    return joined
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

/// A usage error about an option's value, in the one wording of every program:
/// `--vsps: expected an integer in [1, 100000], found 0`.
public func valueError(_ option: String, expected: String, found: String) -> ValidationError {
    ValidationError("\(option): expected \(expected), found \(found)")
}

/// A usage error about a word outside an option's choices, with the nearest one:
/// `--mechanism: expected dvcg or nvi, found 'dvgc' (did you mean 'dvcg'?)`.
public func choiceError(_ option: String, _ choices: [String], found: String) -> ValidationError {
    ValidationError("\(option): \(choiceMessage(choices, found: found))")
}

/// Warns on standard error, in the programs' one format (`dvcg: bench: warning: ...`), that a benchmark runs in a
/// debug build, whose figures mean little; with `--json` too, so that a script sees it.
public func warnIfDebugBuild(_ prefix: String) {
    #if DEBUG
        FileHandle.standardError.write(
            Data("\(prefix): warning: debug build; build with 'swift build -c release' for meaningful figures\n".utf8))
    #endif
}

/// Refuses a count below `minimum` in the one wording: `--rounds: expected an integer >= 1, found -1`.
public func requireAtLeast(_ minimum: Int, _ counts: [(option: String, value: Int)]) throws {
    if let low = counts.first(where: { $0.value < minimum }) {
        throw valueError(low.option, expected: "an integer >= \(minimum)", found: "\(low.value)")
    }
}

import DVCGCore
import Foundation
import Yams

/// Walks a composed YAML node tree, converting values and collecting every problem with its position.
///
/// Yams' `Decodable` path stops at the first error and loses positions; walking the nodes keeps the
/// mark of every key and value, so each issue gets its `file:line:column`, and all of them are reported.
struct YAMLReader {
    /// The file name used in issues.
    let file: String
    /// Problems found so far.
    private(set) var issues: [ConfigurationIssue] = []

    init(file: String) { self.file = file }

    /// Records a problem at `node` (or at line 1, column 1 when it has no mark).
    mutating func report(_ message: String, at node: Node?, path: String) {
        let mark = node?.mark
        issues.append(
            ConfigurationIssue(
                file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message))
    }

    /// Records a problem that Yams raised while parsing `text`.
    mutating func report(_ error: any Error, text: String) {
        if let error = error as? YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                // Where the construct began, when libyaml says so: an unclosed `{` is the line to fix, not the one
                // two lines on where the parser gave up (second tour of 2026-12-04).
                if let context, !context.text.isEmpty, context.mark.line >= 1,
                    context.mark.line < mark.line
                        || (context.mark.line == mark.line && context.mark.column < mark.column)
                {
                    var construct = context.text
                    for lead in ["while parsing ", "while scanning "] where construct.hasPrefix(lead) {
                        construct.removeFirst(lead.count)
                    }
                    issues.append(
                        ConfigurationIssue(
                            file: file, line: context.mark.line, column: context.mark.column, path: "",
                            message: "\(construct) begun here: \(problem) at \(mark.line):\(mark.column)"))
                    return
                }
                let message = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
                issues.append(
                    ConfigurationIssue(file: file, line: mark.line, column: mark.column, path: "", message: message))
                return
            case .duplicatedKeysInMapping(let duplicates, let context):
                for name in duplicates {
                    let (line, column) =
                        Self.secondOccurrence(of: name, in: text, after: context.mark.line) ?? (
                            context.mark.line, context.mark.column
                        )
                    issues.append(
                        ConfigurationIssue(
                            file: file, line: line, column: column, path: name, message: "duplicate key '\(name)'"))
                }
                return
            default: break
            }
        }
        issues.append(ConfigurationIssue(file: file, line: 1, column: 1, path: "", message: "\(error)"))
    }

    /// The entries of a mapping, checking that every key is known and appears once.
    ///
    /// - Returns: The values by key, or `nil` (with an issue) when `node` is not a mapping.
    mutating func mapping(_ node: Node, at path: String, keys known: [String]) -> [String: Node]? {
        guard let mapping = node.mapping else {
            report("expected a mapping, found \(kind(of: node))", at: node, path: path)
            return nil
        }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report("keys must be plain strings", at: key, path: path)
                continue
            }
            // A duplicate, already reported when the text was composed.
            if name.contains(Self.setAsideMarker) { continue }
            let keyPath = Self.join(path, name)
            guard known.contains(name) else {
                let nearest = nearestWord(to: name, in: known).map { "did you mean '\($0)'? " } ?? ""
                let hint = known.isEmpty ? "" : " (\(nearest)expected one of: \(known.joined(separator: ", ")))"
                report("unknown key '\(name)'\(hint)", at: key, path: keyPath)
                continue
            }
            guard values[name] == nil else {
                report("duplicate key '\(name)'", at: key, path: keyPath)
                continue
            }
            values[name] = value
        }
        return values
    }

    /// Reports a missing required key at its parent mapping.
    mutating func missing(_ key: String, in parent: Node, at path: String) {
        report("missing required key '\(key)'", at: parent, path: Self.join(path, key))
    }

    /// The elements of a sequence, or `nil` (with an issue) when `node` is not one.
    mutating func sequence(_ node: Node, at path: String) -> [Node]? {
        guard let sequence = node.sequence else {
            report("expected a list, found \(kind(of: node))", at: node, path: path)
            return nil
        }
        return Array(sequence)
    }

    /// A scalar's text, or `nil` (with an issue) for a mapping or a list.
    mutating func string(_ node: Node, at path: String) -> String? {
        guard let scalar = node.scalar else {
            report("expected a string, found \(kind(of: node))", at: node, path: path)
            return nil
        }
        return scalar.string
    }

    /// A finite number within `range`.
    mutating func number(
        _ node: Node, at path: String,
        in range: ClosedRange<Double> = -.greatestFiniteMagnitude
            ... .greatestFiniteMagnitude
    ) -> Double? {
        guard let text = node.scalar?.string, let value = Double(text.trimmingCharacters(in: .whitespaces)),
            value.isFinite
        else {
            report("expected a number, found \(describe(node))", at: node, path: path)
            return nil
        }
        guard range.contains(value) else {
            report("expected a number \(Self.describe(range)), found \(text)", at: node, path: path)
            return nil
        }
        return value
    }

    /// An integer within `range`.
    mutating func integer(_ node: Node, at path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = node.scalar?.string, let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            report("expected an integer, found \(describe(node))", at: node, path: path)
            return nil
        }
        guard range.contains(value) else {
            let bounds =
                range.upperBound == Int.max ? ">= \(range.lowerBound)" : "in [\(range.lowerBound), \(range.upperBound)]"
            report("expected an integer \(bounds), found \(value)", at: node, path: path)
            return nil
        }
        return value
    }

    /// `true`/`false` (also yes/no, on/off).
    mutating func bool(_ node: Node, at path: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report("expected true or false, found \(describe(node))", at: node, path: path)
            return nil
        }
    }

    /// One of `choices`.
    mutating func choice<T>(_ node: Node, at path: String, _ choices: [(String, T)]) -> T? {
        if let text = node.scalar?.string, let match = choices.first(where: { $0.0 == text }) { return match.1 }
        report(
            choiceMessage(choices.map(\.0), found: node.scalar?.string ?? "", shown: describe(node)), at: node,
            path: path)
        return nil
    }

    /// A positive duration: a number with a unit `ms`, `s`, `m` or `h` (`250ms`, `1s`, `1.5s`, `2m`).
    mutating func duration(_ node: Node, at path: String) -> Duration? {
        guard let text = node.scalar?.string, let duration = Self.parseDuration(text) else {
            if let text = node.scalar?.string, Self.seconds(of: text) != nil {
                report("expected a duration of at most 31 years, found \(describe(node))", at: node, path: path)
            } else {
                report(
                    "expected a duration such as 250ms, 1s, 1.5s or 2m, found \(describe(node))", at: node, path: path)
            }
            return nil
        }
        guard duration > .zero else {
            report("expected a positive duration such as 250ms or 1s, found \(describe(node))", at: node, path: path)
            return nil
        }
        return duration
    }

    /// Parses `250ms`, `1s`, `1.5s`, `2m`, `1h`; `nil` when malformed.
    static func parseDuration(_ text: String) -> Duration? {
        guard let seconds = seconds(of: text) else { return nil }
        let nanoseconds = (seconds * 1e9).rounded()
        guard nanoseconds < 1e18 else { return nil }
        return .nanoseconds(Int64(nanoseconds))
    }

    /// The seconds `250ms`, `1s`, `1.5s`, `2m` or `1h` stand for, however many; `nil` when malformed.
    static func seconds(of text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
                value.isFinite, (value * seconds).isFinite
            else { return nil }
            return value * seconds
        }
        return nil
    }

    /// Where key `name` appears the second time at or after line `start` (Yams marks only the mapping).
    static func secondOccurrence(of name: String, in text: String, after start: Int) -> (Int, Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return secondKey(name, in: lines, after: start, skipping: [" ", "-", "{"]).map { ($0.index + 1, $0.column) }
    }

    /// The 0-based index and 1-based column of the second line from line `start` on whose first characters
    /// not in `skipping` are `name:`, counting only keys at `column` when given.
    private static func secondKey(
        _ name: String, in lines: [Substring], after start: Int, skipping: Set<Character>, column: Int? = nil
    ) -> (index: Int, column: Int)? {
        var seen = 0
        for (index, line) in lines.enumerated() where index + 1 >= start {
            var body = line
            var at = 1
            while let first = body.first, skipping.contains(first) {
                body = body.dropFirst()
                at += 1
            }
            guard column == nil || at == column, body.hasPrefix(name + ":") else { continue }
            seen += 1
            if seen == 2 { return (index, at) }
        }
        return nil
    }

    /// What ``setAside(_:in:after:column:index:)`` appends to a duplicate key.
    static let setAsideMarker = "~duplicate"

    /// `text` with the second `name:` key at `column` from line `start` on renamed with
    /// ``setAsideMarker`` and `index` (so that a third occurrence does not collide with it), or `nil` when
    /// there is none (a flow mapping, say).
    static func setAside(_ name: String, in text: String, after start: Int, column: Int, index: Int) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let key = secondKey(name, in: lines, after: start, skipping: [" ", "-"], column: column) else {
            return nil
        }
        let line = lines[key.index]
        let keyStart = line.index(line.startIndex, offsetBy: key.column - 1)
        let renamed = name + setAsideMarker + String(index)
        lines[key.index] = Substring(line[..<keyStart] + renamed + line[keyStart...].dropFirst(name.count))
        return lines.joined(separator: "\n")
    }

    /// `path.key`, or `key` at the root.
    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .alias: return "an alias"
        }
    }

    private func describe(_ node: Node) -> String { kind(of: node) }

    private static func describe(_ range: ClosedRange<Double>) -> String {
        if range.lowerBound == .leastNonzeroMagnitude {
            return range.upperBound == .greatestFiniteMagnitude ? "> 0" : "in (0, \(text(range.upperBound))]"
        }
        switch (range.lowerBound == -.greatestFiniteMagnitude, range.upperBound == .greatestFiniteMagnitude) {
        case (true, true): return ""
        case (false, true): return ">= \(text(range.lowerBound))"
        case (true, false): return "<= \(text(range.upperBound))"
        case (false, false): return "in [\(text(range.lowerBound)), \(text(range.upperBound))]"
        }
    }

    /// Shortest text for messages: `0` rather than `0.0`.
    private static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

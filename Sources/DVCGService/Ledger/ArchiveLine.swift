import Foundation
import GRDB

/// One row of an archived table as one JSON object on one line: `{"table":"rounds","number":1,...}`.
///
/// Columns in the table's order under their SQL names; integers as JSON integers, reals in Swift's shortest
/// form that reads back to the same double (so a restored row equals the archived one bit for bit), text as
/// JSON strings, NULL as null. The ledger's archived tables have no BLOB columns.
enum ArchiveLine {
    /// A row that cannot be written, or a line that cannot be read back.
    struct Failure: Error, CustomStringConvertible {
        /// What and where.
        var description: String
    }

    /// Appends `row` of `table` and a newline to `bytes`.
    /// - Throws: ``Failure`` for a BLOB value.
    static func append(_ row: Row, table: String, to bytes: inout [UInt8]) throws(Failure) {
        bytes.append(contentsOf: #"{"table":"#.utf8)
        appendString(table, to: &bytes)
        for (column, value) in row {
            bytes.append(UInt8(ascii: ","))
            appendString(column, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            switch value.storage {
            case .null: bytes.append(contentsOf: "null".utf8)
            case .int64(let integer): bytes.append(contentsOf: String(integer).utf8)
            case .double(let real):
                // SQLite stores no NaN; infinities as strings, which a REAL column reads back.
                if real.isFinite {
                    bytes.append(contentsOf: "\(real)".utf8)
                } else {
                    appendString(real > 0 ? "Infinity" : "-Infinity", to: &bytes)
                }
            case .string(let text): appendString(text, to: &bytes)
            case .blob: throw Failure(description: "\(table).\(column): a BLOB cannot be archived")
            }
        }
        bytes.append(contentsOf: "}\n".utf8)
    }

    private static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for unit in text.utf8 {
            switch unit {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = String(unit, radix: 16)
                bytes.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: bytes.append(unit)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Reads a line back: its table and its columns with values for an INSERT.
    ///
    /// A small parser of the flat objects ``append(_:table:to:)`` writes (string keys; strings, numbers or
    /// null as values), reading numbers with Swift's correctly rounded conversion, so every double comes back
    /// bit for bit (Foundation's JSON reader can be an ulp off).
    ///
    /// - Parameters:
    ///   - columns: For each table that may be restored, its columns and their declared types.
    ///   - line: The line's number in the archive, for messages.
    /// - Throws: ``Failure`` naming the line: not such an object, an unknown table or column, a missing column.
    static func parse(_ line: [UInt8], columns: [String: [String: String]], line number: Int) throws(Failure)
        -> (table: String, values: [(String, DatabaseValue)])
    {
        var scanner = Scanner(bytes: line, line: number)
        var object: [String: Token] = [:]
        try scanner.expect(UInt8(ascii: "{"))
        repeat {
            let key = try scanner.string()
            try scanner.expect(UInt8(ascii: ":"))
            object[key] = try scanner.value()
        } while try scanner.next(UInt8(ascii: ","), or: UInt8(ascii: "}"))
        guard case .string(let table) = object["table"], let known = columns[table] else {
            throw Failure(description: "line \(number): 'table' names no archived table")
        }
        var values: [(String, DatabaseValue)] = []
        for (column, type) in known.sorted(by: { $0.key < $1.key }) {
            guard let token = object[column] else {
                throw Failure(description: "line \(number): \(table).\(column) is missing")
            }
            values.append((column, try databaseValue(token, type: type, at: "line \(number): \(table).\(column)")))
        }
        if let unknown = object.keys.first(where: { $0 != "table" && known[$0] == nil }) {
            throw Failure(description: "line \(number): \(table) has no column '\(unknown)'")
        }
        return (table, values)
    }

    /// A value of an archive line.
    private enum Token {
        case string(String)
        case number(String)
        case null
    }

    private static func databaseValue(_ token: Token, type: String, at place: String) throws(Failure)
        -> DatabaseValue
    {
        switch (token, type.uppercased()) {
        case (.null, _): return .null
        case (.string("Infinity"), "REAL"): return Double.infinity.databaseValue
        case (.string("-Infinity"), "REAL"): return (-Double.infinity).databaseValue
        case (.string(let text), _): return text.databaseValue
        case (.number(let text), "INTEGER"):
            guard let integer = Int64(text) else {
                throw Failure(description: "\(place): expected an integer, found \(text)")
            }
            return integer.databaseValue
        case (.number(let text), _):
            guard let real = Double(text) else {
                throw Failure(description: "\(place): expected a number, found \(text)")
            }
            return real.databaseValue
        }
    }

    /// Reads the tokens of one line.
    private struct Scanner {
        let bytes: [UInt8]
        let line: Int
        var index = 0

        init(bytes: [UInt8], line: Int) {
            self.bytes = bytes
            self.line = line
        }

        private func failure(_ what: String) -> Failure {
            Failure(description: "line \(line), byte \(index + 1): \(what)")
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else {
                throw failure("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            index += 1
        }

        /// Consumes `more` (true) or `end` (false).
        mutating func next(_ more: UInt8, or end: UInt8) throws(Failure) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == more || bytes[index] == end else {
                throw failure("expected '\(Character(Unicode.Scalar(more)))' or '\(Character(Unicode.Scalar(end)))'")
            }
            index += 1
            return bytes[index - 1] == more
        }

        mutating func value() throws(Failure) -> Token {
            skipSpace()
            guard index < bytes.count else { throw failure("expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "n"):
                guard bytes[index...].starts(with: "null".utf8) else { throw failure("expected a value") }
                index += 4
                return .null
            default:
                let start = index
                while index < bytes.count, "+-.0123456789eE".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw failure("expected a value") }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        mutating func string() throws(Failure) -> String {
            try expect(UInt8(ascii: "\""))
            var text: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw failure("unfinished escape") }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "r"): text.append(0x0D)
                    case UInt8(ascii: "t"): text.append(0x09)
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count,
                            let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                            let scalar = Unicode.Scalar(code)
                        else { throw failure("bad \\u escape") }
                        index += 4
                        text += Array(String(Character(scalar)).utf8)
                    default: text.append(escaped)
                    }
                default: text.append(byte)
                }
            }
            throw failure("unfinished string")
        }
    }
}

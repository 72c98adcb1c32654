import DVCGCore

/// Finds a key that appears twice in one JSON object, which `JSONDecoder` would accept silently (keeping one of
/// the two values): the API refuses such a body with 400 naming the field (`amount: duplicate field`).
///
/// A single pass over the bytes that follows strings (with their escapes, so `"a"` and `"\u0061"` are the same
/// key), objects and arrays, and skips other values; a body that is not well-formed JSON yields `nil` and is left
/// to the decoder to describe.
public enum DuplicateKeyScan {
    /// Objects and arrays nested deeper than this are left to the decoder (it refuses them).
    static let maximumDepth = 512

    /// The path of the first repeated key (`utility.beta`, `[2].id`), `nil` when every object's keys differ.
    public static func firstDuplicate(in bytes: [UInt8]) -> String? {
        var scanner = Scanner(bytes: bytes)
        guard case .duplicate(let path) = scanner.value(path: "", depth: 0) else { return nil }
        return path
    }

    private enum Outcome {
        case ok
        case duplicate(String)
        case malformed
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(path: String, depth: Int) -> Outcome {
            skipWhitespace()
            guard index < bytes.count, depth < DuplicateKeyScan.maximumDepth else { return .malformed }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(path: path, depth: depth + 1)
            case UInt8(ascii: "["): return array(path: path, depth: depth + 1)
            case UInt8(ascii: "\""): return string() == nil ? .malformed : .ok
            default:
                // A number, true, false or null: up to the next delimiter.
                let start = index
                while index < bytes.count, !",]} \t\r\n".utf8.contains(bytes[index]) { index += 1 }
                return index > start ? .ok : .malformed
            }
        }

        mutating func object(path: String, depth: Int) -> Outcome {
            index += 1
            var keys: Set<String> = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .ok
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else {
                    return .malformed
                }
                let name = QuotedInput(key).unquoted
                let field = path.isEmpty ? name : path + "." + name
                guard keys.insert(key).inserted else { return .duplicate(field) }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return .malformed }
                index += 1
                let inner = value(path: field, depth: depth)
                guard case .ok = inner else { return inner }
                skipWhitespace()
                guard index < bytes.count else { return .malformed }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .ok
                }
                guard bytes[index] == UInt8(ascii: ",") else { return .malformed }
                index += 1
            }
        }

        mutating func array(path: String, depth: Int) -> Outcome {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .ok
            }
            var element = 0
            while true {
                let inner = value(path: "\(path)[\(element)]", depth: depth)
                guard case .ok = inner else { return inner }
                element += 1
                skipWhitespace()
                guard index < bytes.count else { return .malformed }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .ok
                }
                guard bytes[index] == UInt8(ascii: ",") else { return .malformed }
                index += 1
            }
        }

        /// A string at `index` (on its opening quote), decoded; `nil` when it is not well formed.
        mutating func string() -> String? {
            index += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() -> Bool {
                guard !raw.isEmpty else { return true }
                guard let text = String(validating: raw, as: UTF8.self) else { return false }
                scalars.append(contentsOf: text.unicodeScalars)
                raw.removeAll(keepingCapacity: true)
                return true
            }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return flush() ? String(scalars) : nil
                case UInt8(ascii: "\\"):
                    guard flush(), index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        var value = UInt32(unit)
                        // A high surrogate followed by an escaped low one is one scalar.
                        if (0xD800..<0xDC00).contains(unit), index + 1 < bytes.count,
                            bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        {
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        }
                        scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                        scalars.append(Unicode.Scalar(escape))
                    default: return nil
                    }
                default:
                    raw.append(byte)
                }
            }
            return nil
        }

        /// Four hex digits at `index`, as a UTF-16 code unit.
        mutating func hex4() -> UInt16? {
            guard index + 4 <= bytes.count,
                let unit = UInt16(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { return nil }
            index += 4
            return unit
        }
    }
}

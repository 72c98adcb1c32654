extension StringProtocol {
    /// The text with every control character written as an escape, so that it stays on one line and cannot
    /// move a terminal's cursor: `\n`, `\r`, `\t`, `\\` for a backslash, and `\u{XX}` for any other C0 or C1
    /// control character, DEL and the Unicode line and paragraph separators (U+0085, U+2028, U+2029).
    ///
    /// A backslash is escaped too, so that an escape in the result always stands for one character of the
    /// input: a client cannot write `\n` to pass for an escaped newline.
    public var escapingControlCharacters: String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}":
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// A number as a message shows it to people: an integral value without a trailing `.0` (`0`, `1100000000000`),
/// any other as Swift's shortest text that reads back to the same value (`0.15`, `1e-300`, `inf`, `nan`), so a
/// refusal quotes what was sent without the `1100000000000.0` of `Double.description`.
public func messageNumber(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 9e18 { return String(Int64(value)) }
    return value.description
}

/// `1 value`, `3 values`: a count and its noun for messages (nouns that take an `s`).
package func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

/// A decoding path as people write it: `vsps[2].utility.xi` (keys joined by dots, indices in
/// brackets), for error messages that name the field at fault.
///
/// - Parameter keys: The coding path, e.g. a `DecodingError` context's `codingPath`.
/// - Returns: The path; empty for the top level.
public func codingPathDescription(_ keys: [any CodingKey]) -> String {
    var text = ""
    for key in keys {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += (text.isEmpty ? "" : ".") + key.stringValue
        }
    }
    return text
}

import Foundation
import Testing

@testable import DVCGControl

/// docs/openapi.yaml is the contract: every endpoint value is in it with its method and path, and it has no
/// operation that ``ControlAPI`` lacks.
@Suite struct OpenAPIContractTests {
    /// The (method, path) pairs under `paths:` of docs/openapi.yaml: a path at two spaces, its methods at four.
    static func operations() throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.isEmpty, !line.hasPrefix(" ") { break }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if EndpointMethod(rawValue: method) != nil { operations.insert("\(method) \(path)") }
            }
        }
        return operations
    }

    @Test func everyEndpointIsInTheContractAndViceVersa() throws {
        let documented = try Self.operations()
        let defined = Set(ControlAPI.endpoints.map { "\($0.method.rawValue) \($0.path)" })
        #expect(documented.count == 17, "\(documented.sorted())")
        #expect(defined.subtracting(documented).isEmpty, "defined but not documented")
        #expect(documented.subtracting(defined).isEmpty, "documented but not defined")
        #expect(defined.count == ControlAPI.endpoints.count, "no endpoint is defined twice")
    }
}

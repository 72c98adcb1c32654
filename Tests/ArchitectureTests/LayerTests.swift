import Foundation
import Testing

/// The README's architecture map, enforced: each target imports, and Package.swift lets it depend on, only the
/// targets of ours listed for it here (the README's table says the same).
@Suite struct LayerTests {
    /// What each target may import of ours.
    static let allowed: [String: Set<String>] = [
        "DVCGCore": [],
        "DVCGNeural": ["DVCGCore", "COpenBLAS"],
        "DVCGCheckpoint": ["DVCGCore", "DVCGNeural"],
        "DVCGMechanism": ["DVCGCore", "DVCGNeural", "DVCGCheckpoint"],
        "DVCGSimulation": ["DVCGCore", "DVCGNeural", "DVCGCheckpoint", "DVCGMechanism"],
        "DVCGCommandLine": ["DVCGCore"],
        "DVCGControl": ["DVCGCore"],
        "DVCGService": ["DVCGCore", "DVCGCheckpoint", "DVCGMechanism", "DVCGControl", "CSystemd", "CZlib"],
        "dvcgd": ["DVCGService", "DVCGCommandLine"],
        "dvcgctl": ["DVCGControl", "DVCGCore", "DVCGCommandLine"],
        "dvcg": ["DVCGCore", "DVCGNeural", "DVCGCheckpoint", "DVCGMechanism", "DVCGSimulation", "DVCGCommandLine"],
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Our modules `target` imports in its sources.
    static func imports(of target: String) throws -> Set<String> {
        let folder = root.appendingPathComponent("Sources/\(target)")
        let ours = Set(allowed.keys).union(["COpenBLAS", "CSystemd", "CZlib"])
        var found = Set<String>()
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                // `import X`, `@testable import X`, `public import X`
                if let index = words.firstIndex(of: "import"), index + 1 < words.count, ours.contains(words[index + 1])
                {
                    found.insert(words[index + 1])
                }
            }
        }
        return found
    }

    /// Our targets a target of Package.swift depends on: the quoted names in its `dependencies: [...]`.
    static func declaredDependencies() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var result: [String: Set<String>] = [:]
        let ours = Set(allowed.keys).union(["COpenBLAS", "CSystemd", "CZlib"])
        var rest = Substring(manifest)
        while let range = rest.range(of: "name: \"") {
            let after = rest[range.upperBound...]
            guard let close = after.firstIndex(of: "\"") else { break }
            let name = String(after[..<close])
            rest = after[close...]
            // The target's own declaration ends at the next `.target(`, `.executableTarget(` or `.testTarget(`.
            let end =
                [
                    "\n        .target(", "\n        .executableTarget(", "\n        .testTarget(",
                    "\n        .systemLibrary(",
                ]
                .compactMap { rest.range(of: $0)?.lowerBound }.min() ?? rest.endIndex
            let body = rest[..<end]
            guard allowed[name] != nil, let dependencies = body.range(of: "dependencies: [") else { continue }
            var depth = 1
            var index = dependencies.upperBound
            while index < body.endIndex, depth > 0 {
                if body[index] == "[" { depth += 1 } else if body[index] == "]" { depth -= 1 }
                index = body.index(after: index)
            }
            let list = body[dependencies.upperBound..<index]
            let names = list.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map {
                String($0.element)
            }
            result[name, default: []].formUnion(names.filter { ours.contains($0) })
        }
        return result
    }

    @Test(arguments: allowed.keys.sorted()) func aTargetImportsOnlyTheLayersBelowIt(_ target: String) throws {
        let imported = try Self.imports(of: target)
        #expect(
            imported.isSubset(of: Self.allowed[target] ?? []),
            "\(target) imports \(imported.subtracting(Self.allowed[target] ?? []).sorted())")
    }

    @Test func packageSwiftDeclaresOnlyTheLayersBelow() throws {
        let declared = try Self.declaredDependencies()
        #expect(
            Set(Self.allowed.keys).subtracting(["DVCGCore"]).isSubset(of: declared.keys), "\(declared.keys.sorted())")
        for (target, dependencies) in declared {
            #expect(
                dependencies.isSubset(of: Self.allowed[target] ?? []), "\(target) depends on \(dependencies.sorted())")
        }
        #expect(
            declared["DVCGService"]?.contains("DVCGSimulation") == false, "the daemon does not import the simulation")
    }
}

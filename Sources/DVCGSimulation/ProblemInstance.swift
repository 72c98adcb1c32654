import DVCGCore
import Foundation

/// A welfare problem: capacities and the VSPs' true utilities of eq. (39), the format of
/// `dvcg optimum --instance` and `dvcg instance`.
///
/// JSON: `{"capacities": [K numbers], "beta": [N numbers], "xi": [[K numbers] x N]}`; other keys
/// are ignored. Optional `"alpha"` ([N] numbers, default 1) gives each VSP's profit per unit of
/// utility for simulations.
public struct ProblemInstance: Hashable, Sendable {
    /// c_k, K capacities, each finite and >= 0.
    public let capacities: [Double]
    /// The VSPs' true utilities, N of them, each with K sensitivities.
    public let utilities: [ExponentialUtility]
    /// Each VSP's alpha (profit per unit of utility), N values.
    public let alphas: [Double]

    /// The largest capacity, beta or xi accepted, as dvcgd accepts in a VSP definition (1e12): beyond it the
    /// exponentials of eq. (39) and the optimiser's certificate lose their meaning.
    public static let maximumValue = 1e12

    /// Creates an instance, checking every value: capacities, beta and xi finite numbers in [0, 1e12].
    ///
    /// - Throws: ``InstanceError`` naming the offending field.
    public init(capacities: [Double], beta: [Double], xi: [[Double]], alphas: [Double]? = nil) throws(InstanceError) {
        guard !capacities.isEmpty else { throw .invalid("capacities: expected at least one resource") }
        let range = 0...Self.maximumValue
        let expected = "expected a finite number in [0, 1e12]"
        for (k, c) in capacities.enumerated() where !range.contains(c) {
            throw .invalid("capacities[\(k)]: \(expected), found \(messageNumber(c))")
        }
        guard beta.count == xi.count else {
            throw .invalid("xi: expected \(counted(beta.count, "row")) (one per beta), found \(xi.count)")
        }
        if let alphas, alphas.count != beta.count {
            throw .invalid("alpha: expected \(counted(beta.count, "value")) (one per beta), found \(alphas.count)")
        }
        var utilities: [ExponentialUtility] = []
        for (i, (b, row)) in zip(beta, xi).enumerated() {
            guard range.contains(b) else {
                throw .invalid("beta[\(i)]: \(expected), found \(messageNumber(b))")
            }
            guard row.count == capacities.count else {
                throw .invalid(
                    "xi[\(i)]: expected \(counted(capacities.count, "value")) (one per capacity), found \(row.count)")
            }
            for (k, x) in row.enumerated() where !range.contains(x) {
                throw .invalid("xi[\(i)][\(k)]: \(expected), found \(messageNumber(x))")
            }
            do {
                utilities.append(try ExponentialUtility(beta: b, xi: row))
            } catch {
                throw .invalid("vsp \(i): \(error)")
            }
        }
        for (i, a) in (alphas ?? []).enumerated() where !a.isFinite {
            throw .invalid("alpha[\(i)]: expected a finite number, found \(messageNumber(a))")
        }
        self.capacities = capacities
        self.utilities = utilities
        self.alphas = alphas ?? [Double](repeating: 1, count: beta.count)
    }

    /// Draws an instance from the paper's Section VI distributions: K = 3 resources of capacity
    /// 1, beta ~ U(100, 200), xi_k ~ U(0, 10), and alpha ~ U(0.8, 1.2) (the paper leaves alpha
    /// open; a spread around 1 keeps profits comparable to utilities).
    ///
    /// Draw order, per VSP: beta, xi_0, xi_1, xi_2, then all alphas; the same seed gives the same
    /// instance on every machine.
    ///
    /// - Parameters:
    ///   - vspCount: N >= 1.
    ///   - seed: The seed of the ``SeededGenerator``.
    public static func paper(vspCount: Int, seed: UInt64) -> ProblemInstance {
        var generator = SeededGenerator(seed: seed)
        var beta: [Double] = []
        var xi: [[Double]] = []
        for _ in 0..<vspCount {
            beta.append(generator.uniform(100, 200))
            xi.append((0..<3).map { _ in generator.uniform(0, 10) })
        }
        let alphas = (0..<vspCount).map { _ in generator.uniform(0.8, 1.2) }
        // The draws are within the documented ranges, so validation cannot fail.
        return try! ProblemInstance(capacities: [1, 1, 1], beta: beta, xi: xi, alphas: alphas)
    }

    /// The number of VSPs N.
    public var vspCount: Int { utilities.count }
    /// The number of resource types K.
    public var resourceCount: Int { capacities.count }

    /// The true social welfare sum_i u_i(share_i * c) of an allocation given in shares, eq. (4).
    ///
    /// - Throws: ``MechanismError`` when the allocation's shape does not match.
    public func welfare(of allocation: Allocation) throws(MechanismError) -> Double {
        guard allocation.vspCount == vspCount else {
            throw .vspCountMismatch(expected: vspCount, found: allocation.vspCount)
        }
        guard allocation.resourceCount == resourceCount else {
            throw .resourceCountMismatch(expected: resourceCount, found: allocation.resourceCount)
        }
        var total = 0.0
        for i in 0..<vspCount { total += try utilities[i].value(at: allocation.slice(of: i, capacities: capacities)) }
        return total
    }

    /// The welfare of the equal split, the naive reference allocation.
    public func equalSplitWelfare() -> Double {
        guard vspCount > 0, let split = try? Allocation.equalSplit(vspCount: vspCount, resourceCount: resourceCount)
        else { return 0 }
        return (try? welfare(of: split)) ?? 0
    }
}

/// Why an instance file or value was refused.
public enum InstanceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not JSON or not an object.
    case notJSON(String)
    /// A required key is missing.
    case missingKey(String)
    /// A value has the wrong type, e.g. a string where a number belongs.
    case wrongType(path: String, expected: String)
    /// A value is out of range or a length does not match.
    case invalid(String)

    /// A one-line message naming the problem.
    public var description: String {
        switch self {
        case .notJSON(let detail): return "not a JSON object: \(detail)"
        case .missingKey(let key): return "missing key '\(key)'"
        case .wrongType(let path, let expected): return "\(path): expected \(expected)"
        case .invalid(let message): return message
        }
    }
}

extension ProblemInstance {
    private struct Wire: Codable {
        var capacities: [Double]
        var beta: [Double]
        var xi: [[Double]]
        var alpha: [Double]?
    }

    /// Parses and validates an instance from JSON.
    ///
    /// - Throws: ``InstanceError`` naming the first problem found.
    public init(json: Data) throws(InstanceError) {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: json)
        } catch let error as DecodingError {
            // JSONDecoder reports only "not valid JSON"; JSONSerialization says where and why.
            do {
                _ = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
            } catch {
                let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                throw .notJSON(detail ?? "\(error)")
            }
            throw Self.describe(error)
        } catch {
            throw .notJSON(String(describing: error))
        }
        try self.init(capacities: wire.capacities, beta: wire.beta, xi: wire.xi, alphas: wire.alpha)
    }

    /// The instance as JSON (`capacities`, `beta`, `xi`, `alpha`), keys sorted, readable by ``init(json:)``.
    public func jsonData() -> Data {
        let wire = Wire(capacities: capacities, beta: utilities.map(\.beta), xi: utilities.map(\.xi), alpha: alphas)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // Finite doubles always encode.
        return try! encoder.encode(wire)
    }

    private static func describe(_ error: DecodingError) -> InstanceError {
        switch error {
        case .keyNotFound(let key, let context):
            let parent = codingPathDescription(context.codingPath)
            return .missingKey(parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty {
                return .notJSON("expected an object with keys 'capacities', 'beta' and 'xi'")
            }
            let expected = type == Double.self ? "a number" : (type is [Any].Type ? "an array" : "\(type)")
            return .wrongType(path: codingPathDescription(context.codingPath), expected: expected)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .notJSON(context.debugDescription)
            }
            return .wrongType(path: codingPathDescription(context.codingPath), expected: "a finite number")
        @unknown default:
            return .notJSON(String(describing: error))
        }
    }
}

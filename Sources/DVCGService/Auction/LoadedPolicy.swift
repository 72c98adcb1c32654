import DVCGCheckpoint
import DVCGCore
import Foundation

/// A validated policy checkpoint and where it came from.
public struct LoadedPolicy: Sendable {
    /// The checkpoint.
    public var checkpoint: PolicyCheckpoint
    /// The file it was read from.
    public var path: String
    /// FNV-1a 64 of the file's bytes, as 16 hex digits (identifies the file in the ledger and status).
    public var checksum: String

    /// Reads and validates a checkpoint for K resources.
    ///
    /// - Throws: ``PolicyLoadError`` naming the file and the rule broken; nothing is returned half-read.
    public static func load(path: String, resourceCount: Int) throws(PolicyLoadError) -> LoadedPolicy {
        let checkpoint: PolicyCheckpoint
        do {
            checkpoint = try PolicyCheckpoint.load(from: path)
        } catch {
            throw PolicyLoadError(path: path, reason: error.description)
        }
        guard checkpoint.architecture.resourceCount == resourceCount else {
            throw PolicyLoadError(
                path: path,
                reason:
                    "the policy is for K = \(checkpoint.architecture.resourceCount) resources, the configuration has \(resourceCount)"
            )
        }
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        return LoadedPolicy(checkpoint: checkpoint, path: path, checksum: checksum(of: bytes))
    }

    /// FNV-1a 64 of `bytes` as 16 hex digits.
    public static func checksum(of bytes: Data) -> String { FNV1a.hexDigest(bytes) }
}

/// A policy that cannot be served: the file and why.
public struct PolicyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The checkpoint file.
    public var path: String
    /// What is wrong.
    public var reason: String

    /// An error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`.
    public var description: String { "\(path): invalid policy: \(reason)" }
}

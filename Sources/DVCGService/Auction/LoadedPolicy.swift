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

    /// Whether its training metadata says `"untrained": true` (`dvcg init-policy`): its VoI nets' estimates,
    /// the welfare estimate among them, then mean nothing.
    public var isUntrained: Bool { checkpoint.isUntrained }

    /// Reads and validates a checkpoint for K resources.
    ///
    /// The file is read once, as a regular file only (``ReadOnlyFile``: `O_NONBLOCK`, then `fstat`, so a FIFO or
    /// a device is refused instead of blocking), at most `maximumBytes` long; the checksum is of the same bytes.
    ///
    /// - Throws: ``PolicyLoadError`` naming the file and the rule broken; nothing is returned half-read.
    public static func load(
        path: String, resourceCount: Int, maximumBytes: Int = ReloadConfiguration().maximumPolicyBytes
    )
        throws(PolicyLoadError) -> LoadedPolicy
    {
        let bytes: [UInt8]
        do {
            let file = try ReadOnlyFile(path: path)
            guard file.size <= maximumBytes else {
                throw PolicyLoadError(
                    path: path,
                    reason:
                        "the file is \(file.size) bytes, over the limit of \(maximumBytes) (reload.max_policy_bytes)")
            }
            bytes = try file.read(count: file.size, at: 0)
        } catch let error as FileIOError {
            throw PolicyLoadError(path: path, reason: PolicyCheckpointError.file(.io(error)).description)
        } catch let error as PolicyLoadError {
            throw error
        } catch {
            throw PolicyLoadError(path: path, reason: "\(error)")
        }
        let checkpoint: PolicyCheckpoint
        do {
            checkpoint = try PolicyCheckpoint(archive: SafetensorsArchive.parse(bytes))
        } catch let error as SafetensorsError {
            throw PolicyLoadError(path: path, reason: PolicyCheckpointError.file(error).description)
        } catch let error as PolicyCheckpointError {
            throw PolicyLoadError(path: path, reason: error.description)
        } catch {
            throw PolicyLoadError(path: path, reason: "\(error)")
        }
        guard checkpoint.architecture.resourceCount == resourceCount else {
            throw PolicyLoadError(
                path: path,
                reason:
                    "the policy is for K = \(checkpoint.architecture.resourceCount) resources, the configuration has \(resourceCount)"
            )
        }
        return LoadedPolicy(checkpoint: checkpoint, path: path, checksum: FNV1a.hexDigest(bytes))
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

    /// `path: invalid policy: reason`, naming the path once when the reason (a file error) already starts with it.
    public var description: String {
        "\(path): invalid policy: \(FileIOError.message(reason, withoutPath: path))"
    }
}

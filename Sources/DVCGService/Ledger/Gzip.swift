import CZlib

/// A gzip stream (RFC 1952) over zlib's deflate: bytes in, compressed bytes out, in pieces.
///
/// The output is fully determined by the input (no file name, modification time 0), so the same rows
/// always compress to the same archive. A class because zlib keeps a pointer back to its `z_stream`,
/// which must therefore stay at one address; use it from one task at a time.
final class GzipCompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    /// A compressor at `level` (zlib's 0...9; 6 is its default balance of speed and size).
    init(level: Int32 = 6) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = dvcg_deflate_init_gzip(stream, level)
        precondition(status == Z_OK, "deflateInit2 failed (\(status)): out of memory")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `bytes`; returns what zlib emitted so far (often nothing for small inputs).
    func compress(_ bytes: [UInt8]) -> [UInt8] { run(bytes, flush: Z_NO_FLUSH) }

    /// Ends the stream: the remaining compressed bytes and the gzip trailer (CRC-32 and length).
    func finish() -> [UInt8] {
        precondition(!finished, "the gzip stream is already finished")
        finished = true
        return run([], flush: Z_FINISH)
    }

    private func run(_ input: [UInt8], flush: Int32) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        input.withUnsafeBufferPointer { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = UInt32(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = UInt32(target.count)
                    let status = deflate(stream, flush)
                    precondition(status != Z_STREAM_ERROR, "deflate: inconsistent stream state")
                    output.append(contentsOf: target[0..<(target.count - Int(stream.pointee.avail_out))])
                }
            } while stream.pointee.avail_out == 0 || (flush == Z_FINISH && stream.pointee.avail_in > 0)
            stream.pointee.next_in = nil
        }
        return output
    }
}

/// Reads a gzip stream (one member) back: compressed bytes in, the original bytes out.
final class GzipDecompressor {
    /// What went wrong, as zlib says it.
    struct Failure: Error, CustomStringConvertible {
        /// zlib's message.
        var description: String
    }

    private let stream: UnsafeMutablePointer<z_stream>
    /// Whether the gzip trailer has been read and checked (CRC-32 and length).
    private(set) var isFinished = false

    /// A decompressor for one gzip member.
    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = dvcg_inflate_init_gzip(stream)
        precondition(status == Z_OK, "inflateInit2 failed (\(status)): out of memory")
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decompresses `bytes`.
    /// - Throws: ``Failure`` for data that is not gzip, a bad checksum, or bytes after the end of the stream.
    func decompress(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        if isFinished { throw Failure(description: "data after the end of the gzip stream") }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var failure: Failure?
        bytes.withUnsafeBufferPointer { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = UInt32(source.count)
            var more = true
            while more {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = UInt32(target.count)
                    let status = inflate(stream, Z_NO_FLUSH)
                    output.append(contentsOf: target[0..<(target.count - Int(stream.pointee.avail_out))])
                    // Output space left over means zlib has used all the input it can for now.
                    more = stream.pointee.avail_out == 0
                    switch status {
                    case Z_OK, Z_BUF_ERROR: break
                    case Z_STREAM_END:
                        isFinished = true
                        more = false
                        if stream.pointee.avail_in > 0 {
                            failure = Failure(description: "data after the end of the gzip stream")
                        }
                    default:
                        let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        failure = Failure(description: message)
                        more = false
                    }
                }
            }
            stream.pointee.next_in = nil
        }
        if let failure { throw failure }
        return output
    }
}

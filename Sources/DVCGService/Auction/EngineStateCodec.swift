import DVCGCore
import DVCGMechanism
import Foundation

/// A compact binary encoding of the engine's `EngineState` for the ledger's `engine_state` row.
///
/// At N = 10,000 the state is about 1.4 million numbers, which `JSONEncoder` (or any `Codable` coder) takes 0.4 s to write. This codec writes the
/// fields directly: little-endian, `DVES` + version 3, then last round, F_Pmax and, per VSP in id order,
/// id, share, alpha-hat's running moments, F^-i_Pmax, age, VoI calibration flag, recent shares and (from
/// version 2) the VoI fit record: report count, recent relative errors, largest |U| and the newest
/// report, and the probe count. Version 3 writes counts, rounds and integers as LEB128 varints (integers
/// zigzag) instead of 8 bytes, about a quarter less; versions 1 (no fit record) and 2 are still read.
/// Between two full snapshots the ledger keeps each round's change (`EngineStateCodec+Delta`).
enum EngineStateCodec {
    /// Why a stored snapshot cannot be read.
    struct DecodingFailure: Error, CustomStringConvertible {
        /// What is wrong, with the byte offset.
        var description: String
    }

    private static let magic: [UInt8] = Array("DVES".utf8)
    private static let version: UInt8 = 3

    /// The snapshot's bytes.
    static func encode(_ state: EngineState) -> Data {
        var writer = Writer()
        writer.buffer.reserveCapacity(1_100 * state.vsps.count + 64)
        writer.bytes(magic)
        writer.byte(version)
        writer.byte(state.lastRound == nil ? 0 : 1)
        writer.varint(state.lastRound?.value ?? 0)
        writer.double(state.maximumPool)
        writer.varint(UInt64(state.vsps.count))
        for id in state.vsps.keys.sorted() {
            let vsp = state.vsps[id]!
            writer.string(id.rawValue)
            writer.doubles(vsp.share)
            writer.alphaEstimator(vsp.alphaEstimator)
            writer.double(vsp.maximumPoolWithout)
            writer.zigzag(vsp.age)
            writer.byte(vsp.voiCalibrated ? 1 : 0)
            writer.varint(UInt64(vsp.recentShares.count))
            for recorded in vsp.recentShares {
                writer.varint(recorded.round.value)
                writer.doubles(recorded.share)
            }
            let fit = vsp.voiFit
            writer.zigzag(fit.reports)
            writer.doubles(fit.recentErrors)
            writer.double(fit.largestUtility)
            writer.byte(fit.lastReport == nil ? 0 : 1)
            writer.varint(fit.lastReport?.round.value ?? 0)
            writer.doubles(fit.lastReport?.share ?? [])
            writer.double(fit.lastReport?.utility ?? 0)
            writer.zigzag(vsp.probes)
        }
        return Data(writer.buffer)
    }

    /// Reads a snapshot written by ``encode(_:)``.
    /// - Throws: ``DecodingFailure`` for a truncated or foreign snapshot.
    static func decode(_ data: Data) throws -> EngineState {
        var reader = Reader(bytes: [UInt8](data))
        guard try reader.bytes(4) == magic else { throw DecodingFailure(description: "not an engine snapshot (magic)") }
        let format = try reader.byte()
        guard (1...version).contains(format) else {
            throw DecodingFailure(description: "engine snapshot version \(format), expected 1 to \(version)")
        }
        // Versions 1 and 2 wrote counts, rounds and integers as 8 bytes.
        reader.compact = format >= 3
        let hasRound = try reader.byte() == 1
        let round = try reader.round()
        let maximumPool = try reader.double()
        let count = try reader.count()
        var vsps: [VSPID: VSPState] = [:]
        vsps.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.string()
            guard let id = try? VSPID(name) else { throw DecodingFailure(description: "invalid VSP id '\(name)'") }
            let share = try reader.doubles()
            let alpha = try reader.alphaEstimator()
            let maximumPoolWithout = try reader.double()
            let age = try reader.integer()
            let calibrated = try reader.byte() == 1
            let recentCount = try reader.count()
            var recent: [RecordedShare] = []
            recent.reserveCapacity(recentCount)
            for _ in 0..<recentCount {
                recent.append(RecordedShare(round: RoundNumber(try reader.round()), share: try reader.doubles()))
            }
            var fit = VoIFitState()
            if format >= 2 {
                fit.reports = try reader.integer()
                fit.recentErrors = try reader.doubles()
                fit.largestUtility = try reader.double()
                let hasReport = try reader.byte() == 1
                let round = RoundNumber(try reader.round())
                let share = try reader.doubles()
                let utility = try reader.double()
                if hasReport { fit.lastReport = ReportedUtility(round: round, share: share, utility: utility) }
            }
            let probes = format >= 2 ? try reader.integer() : 0
            vsps[id] = VSPState(
                share: share, alphaEstimator: alpha, maximumPoolWithout: maximumPoolWithout, age: age,
                voiCalibrated: calibrated, recentShares: recent, voiFit: fit, probes: probes)
        }
        guard reader.isAtEnd else { throw DecodingFailure(description: "trailing bytes at offset \(reader.offset)") }
        return EngineState(lastRound: hasRound ? RoundNumber(round) : nil, maximumPool: maximumPool, vsps: vsps)
    }

    /// Appends little-endian values to a byte buffer (shared with the delta format, `EngineStateCodec+Delta`).
    struct Writer {
        var buffer: [UInt8] = []

        mutating func byte(_ value: UInt8) { buffer.append(value) }
        mutating func bytes(_ values: [UInt8]) { buffer += values }
        mutating func unsigned(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
        mutating func signed(_ value: Int) { unsigned(UInt64(bitPattern: Int64(value))) }
        mutating func double(_ value: Double) { unsigned(value.bitPattern) }
        mutating func doubles(_ values: [Double]) {
            varint(UInt64(values.count))
            for value in values { double(value) }
        }
        /// LEB128: 7 bits a byte, low bits first (1 byte below 128).
        mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                buffer.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            buffer.append(UInt8(rest))
        }
        /// A signed integer as a zigzag varint (small magnitudes in few bytes).
        mutating func zigzag(_ value: Int) {
            let wide = Int64(value)
            varint(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))
        }
        /// alpha-hat's running sums: count, mean U, mean G, U's squared deviations, co-deviations, ratio count,
        /// sum of ratios.
        mutating func alphaEstimator(_ alpha: AlphaEstimator) {
            zigzag(alpha.count)
            double(alpha.meanUtility)
            double(alpha.meanGrossProfit)
            double(alpha.utilityDeviationSquares)
            double(alpha.coDeviations)
            zigzag(alpha.ratioCount)
            double(alpha.sumRatio)
        }
        mutating func string(_ text: String) {
            let utf8 = Array(text.utf8)
            varint(UInt64(utf8.count))
            bytes(utf8)
        }
    }

    /// Reads what ``Writer`` wrote, refusing to read past the end.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        /// Counts, rounds and integers as varints (version 3 and deltas), else as 8 bytes (versions 1, 2).
        var compact = true

        var isAtEnd: Bool { offset == bytes.count }

        private func need(_ count: Int) throws {
            guard count >= 0, count <= bytes.count - offset else {
                throw DecodingFailure(description: "engine snapshot truncated at offset \(offset)")
            }
        }
        mutating func bytes(_ count: Int) throws -> [UInt8] {
            try need(count)
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        mutating func byte() throws -> UInt8 {
            try need(1)
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func unsigned() throws -> UInt64 {
            try need(8)
            defer { offset += 8 }
            return bytes.withUnsafeBytes {
                UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            }
        }
        mutating func signed() throws -> Int { Int(Int64(bitPattern: try unsigned())) }
        mutating func double() throws -> Double { Double(bitPattern: try unsigned()) }
        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64 else { throw DecodingFailure(description: "varint too long at offset \(offset)") }
                value |= UInt64(next & 0x7F) << shift
                if next < 0x80 { return value }
                shift += 7
            }
        }
        mutating func zigzag() throws -> Int {
            let raw = try varint()
            return Int(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        }
        /// A round number.
        mutating func round() throws -> UInt64 { compact ? try varint() : try unsigned() }
        /// A signed integer.
        mutating func integer() throws -> Int { compact ? try zigzag() : try signed() }
        /// A count that the remaining bytes could hold (a corrupt one fails here, not in an allocation).
        mutating func count() throws -> Int {
            let value = compact ? try varint() : try unsigned()
            guard value <= UInt64(bytes.count - offset) else {
                throw DecodingFailure(description: "implausible count \(value) at offset \(offset)")
            }
            return Int(value)
        }
        mutating func doubles() throws -> [Double] {
            let count = try count()
            try need(8 * count)
            var values: [Double] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try double()) }
            return values
        }
        /// What ``Writer/alphaEstimator(_:)`` wrote.
        mutating func alphaEstimator() throws -> AlphaEstimator {
            AlphaEstimator(
                count: try integer(), meanUtility: try double(), meanGrossProfit: try double(),
                utilityDeviationSquares: try double(), coDeviations: try double(), ratioCount: try integer(),
                sumRatio: try double())
        }
        mutating func string() throws -> String { String(decoding: try bytes(try count()), as: UTF8.self) }
    }
}

import DVCGCore
import DVCGMechanism
import Foundation

/// A compact binary encoding of the engine's `EngineState` for the ledger's `engine_state` row.
///
/// Every round stores the whole state in its transaction; at N = 10,000 that is about 1.4 million
/// numbers, which `JSONEncoder` (or any `Codable` coder) takes 0.4 s to write. This codec writes the
/// fields directly: little-endian, `DVES` + version 2, then last round, F_Pmax and, per VSP in id order,
/// id, share, alpha-hat's running moments, F^-i_Pmax, age, VoI calibration flag, recent shares and (from
/// version 2) the VoI fit record: report count, recent relative errors, largest |U| and the newest
/// report, and the probe count. Version 1 snapshots (no fit record) are still read.
enum EngineStateCodec {
    /// Why a stored snapshot cannot be read.
    struct DecodingFailure: Error, CustomStringConvertible {
        /// What is wrong, with the byte offset.
        var description: String
    }

    private static let magic: [UInt8] = Array("DVES".utf8)
    private static let version: UInt8 = 2

    /// The snapshot's bytes.
    static func encode(_ state: EngineState) -> Data {
        var writer = Writer()
        writer.bytes(magic)
        writer.byte(version)
        writer.byte(state.lastRound == nil ? 0 : 1)
        writer.unsigned(state.lastRound?.value ?? 0)
        writer.double(state.maximumPool)
        writer.unsigned(UInt64(state.vsps.count))
        for id in state.vsps.keys.sorted() {
            let vsp = state.vsps[id]!
            writer.string(id.rawValue)
            writer.doubles(vsp.share)
            let alpha = vsp.alphaEstimator
            writer.signed(alpha.count)
            writer.double(alpha.meanUtility)
            writer.double(alpha.meanGrossProfit)
            writer.double(alpha.utilityDeviationSquares)
            writer.double(alpha.coDeviations)
            writer.signed(alpha.ratioCount)
            writer.double(alpha.sumRatio)
            writer.double(vsp.maximumPoolWithout)
            writer.signed(vsp.age)
            writer.byte(vsp.voiCalibrated ? 1 : 0)
            writer.unsigned(UInt64(vsp.recentShares.count))
            for recorded in vsp.recentShares {
                writer.unsigned(recorded.round.value)
                writer.doubles(recorded.share)
            }
            let fit = vsp.voiFit
            writer.signed(fit.reports)
            writer.doubles(fit.recentErrors)
            writer.double(fit.largestUtility)
            writer.byte(fit.lastReport == nil ? 0 : 1)
            writer.unsigned(fit.lastReport?.round.value ?? 0)
            writer.doubles(fit.lastReport?.share ?? [])
            writer.double(fit.lastReport?.utility ?? 0)
            writer.signed(vsp.probes)
        }
        return Data(writer.buffer)
    }

    /// Reads a snapshot written by ``encode(_:)``.
    /// - Throws: ``DecodingFailure`` for a truncated or foreign snapshot.
    static func decode(_ data: Data) throws -> EngineState {
        var reader = Reader(bytes: [UInt8](data))
        guard try reader.bytes(4) == magic else { throw DecodingFailure(description: "not an engine snapshot (magic)") }
        let format = try reader.byte()
        guard format == 1 || format == version else {
            throw DecodingFailure(description: "engine snapshot version \(format), expected 1 or 2")
        }
        let hasRound = try reader.byte() == 1
        let round = try reader.unsigned()
        let maximumPool = try reader.double()
        let count = try reader.count()
        var vsps: [VSPID: VSPState] = [:]
        vsps.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.string()
            guard let id = try? VSPID(name) else { throw DecodingFailure(description: "invalid VSP id '\(name)'") }
            let share = try reader.doubles()
            let alpha = try alphaEstimator(
                count: try reader.signed(), meanUtility: try reader.double(), meanGrossProfit: try reader.double(),
                utilityDeviationSquares: try reader.double(), coDeviations: try reader.double(),
                ratioCount: try reader.signed(), sumRatio: try reader.double())
            let maximumPoolWithout = try reader.double()
            let age = try reader.signed()
            let calibrated = try reader.byte() == 1
            let recentCount = try reader.count()
            var recent: [RecordedShare] = []
            recent.reserveCapacity(recentCount)
            for _ in 0..<recentCount {
                recent.append(RecordedShare(round: RoundNumber(try reader.unsigned()), share: try reader.doubles()))
            }
            var fit = VoIFitState()
            if format >= 2 {
                fit.reports = try reader.signed()
                fit.recentErrors = try reader.doubles()
                fit.largestUtility = try reader.double()
                let hasReport = try reader.byte() == 1
                let round = RoundNumber(try reader.unsigned())
                let share = try reader.doubles()
                let utility = try reader.double()
                if hasReport { fit.lastReport = ReportedUtility(round: round, share: share, utility: utility) }
            }
            let probes = format >= 2 ? try reader.signed() : 0
            vsps[id] = VSPState(
                share: share, alphaEstimator: alpha, maximumPoolWithout: maximumPoolWithout, age: age,
                voiCalibrated: calibrated, recentShares: recent, voiFit: fit, probes: probes)
        }
        guard reader.isAtEnd else { throw DecodingFailure(description: "trailing bytes at offset \(reader.offset)") }
        return EngineState(lastRound: hasRound ? RoundNumber(round) : nil, maximumPool: maximumPool, vsps: vsps)
    }

    /// Rebuilds an estimator from its running moments through its `Codable` form (it has no memberwise init).
    private static func alphaEstimator(
        count: Int, meanUtility: Double, meanGrossProfit: Double, utilityDeviationSquares: Double, coDeviations: Double,
        ratioCount: Int, sumRatio: Double
    ) throws -> AlphaEstimator {
        let fields: [String: Double] = [
            "count": Double(count), "meanUtility": meanUtility, "meanGrossProfit": meanGrossProfit,
            "utilityDeviationSquares": utilityDeviationSquares, "coDeviations": coDeviations,
            "ratioCount": Double(ratioCount), "sumRatio": sumRatio,
        ]
        let estimator = try JSONDecoder().decode(AlphaEstimator.self, from: try JSONEncoder().encode(fields))
        return estimator
    }

    private struct Writer {
        var buffer: [UInt8] = []

        mutating func byte(_ value: UInt8) { buffer.append(value) }
        mutating func bytes(_ values: [UInt8]) { buffer += values }
        mutating func unsigned(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
        mutating func signed(_ value: Int) { unsigned(UInt64(bitPattern: Int64(value))) }
        mutating func double(_ value: Double) { unsigned(value.bitPattern) }
        mutating func doubles(_ values: [Double]) {
            unsigned(UInt64(values.count))
            for value in values { double(value) }
        }
        mutating func string(_ text: String) {
            let utf8 = Array(text.utf8)
            unsigned(UInt64(utf8.count))
            bytes(utf8)
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= bytes.count else {
                throw DecodingFailure(description: "engine snapshot truncated at offset \(offset)")
            }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        mutating func byte() throws -> UInt8 { try bytes(1)[0] }
        mutating func unsigned() throws -> UInt64 {
            let raw = try bytes(8)
            return raw.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        }
        mutating func signed() throws -> Int { Int(Int64(bitPattern: try unsigned())) }
        mutating func double() throws -> Double { Double(bitPattern: try unsigned()) }
        mutating func count() throws -> Int {
            let value = try unsigned()
            guard value <= UInt64(bytes.count) else {
                throw DecodingFailure(description: "implausible count \(value) at offset \(offset)")
            }
            return Int(value)
        }
        mutating func doubles() throws -> [Double] {
            let count = try count()
            var values: [Double] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try double()) }
            return values
        }
        mutating func string() throws -> String { String(decoding: try bytes(try count()), as: UTF8.self) }
    }
}

import DVCGCore
import DVCGMechanism
import Foundation

/// The change of the engine's `EngineState` over one round, for the ledger's `engine_state_deltas` rows.
///
/// A full snapshot (``EngineStateCodec/encode(_:)``) is about 1.4 kB per VSP, 14 MB at N = 10,000, and 90 %
/// of it is each VSP's 32 recent shares, of which a round changes one. A delta holds, for each VSP whose state
/// changed, only the fields that changed (a bit mask); of the two sliding windows (recent shares, recent VoI
/// errors) it holds how many of the old values stay and the new ones; VSPs that left the roster are named.
/// Applying the deltas of rounds b+1 ... r in order to the snapshot of round b gives round r's state bit for
/// bit: the delta is a plain difference of two values and knows nothing of how the engine computes them.
///
/// Format: `DVSD` + version 1; then the last round (flag, varint), F_Pmax (8 bytes), the removed VSPs (varint
/// count, ids), and the changed VSPs (varint count; each: id, a 16-bit mask of ``ChangedFields``, then those
/// fields). Counts, rounds and integers are LEB128 varints (integers zigzag), reals 8 bytes little-endian.
extension EngineStateCodec {
    private static let deltaMagic: [UInt8] = Array("DVSD".utf8)
    private static let deltaVersion: UInt8 = 1

    /// Which fields of a ``VSPState`` a delta carries.
    struct ChangedFields: OptionSet {
        let rawValue: UInt16

        static let share = ChangedFields(rawValue: 1 << 0)
        static let alphaEstimator = ChangedFields(rawValue: 1 << 1)
        static let maximumPoolWithout = ChangedFields(rawValue: 1 << 2)
        static let age = ChangedFields(rawValue: 1 << 3)
        static let voiCalibrated = ChangedFields(rawValue: 1 << 4)
        static let recentShares = ChangedFields(rawValue: 1 << 5)
        static let fitReports = ChangedFields(rawValue: 1 << 6)
        static let recentErrors = ChangedFields(rawValue: 1 << 7)
        static let largestUtility = ChangedFields(rawValue: 1 << 8)
        static let lastReport = ChangedFields(rawValue: 1 << 9)
        static let probes = ChangedFields(rawValue: 1 << 10)
        static let all = ChangedFields(rawValue: (1 << 11) - 1)
    }

    /// The state a VSP new to the roster is diffed against (and rebuilt from).
    private static var blank: VSPState { VSPState(share: []) }

    /// The bytes that turn `previous` into `current` (``applyDelta(_:to:)``).
    static func encodeDelta(from previous: EngineState, to current: EngineState) -> Data {
        var body = Writer()
        body.buffer.reserveCapacity(256 * current.vsps.count)
        var changed = 0
        for (id, vsp) in current.vsps {
            let before = previous.vsps[id]
            if let before, before == vsp { continue }
            changed += 1
            write(vsp, since: before ?? blank, id: id, to: &body)
        }
        let removed = previous.vsps.keys.filter { current.vsps[$0] == nil }
        var writer = Writer()
        writer.buffer.reserveCapacity(body.buffer.count + 64 + 16 * removed.count)
        writer.bytes(deltaMagic)
        writer.byte(deltaVersion)
        writer.byte(current.lastRound == nil ? 0 : 1)
        writer.varint(current.lastRound?.value ?? 0)
        writer.double(current.maximumPool)
        writer.varint(UInt64(removed.count))
        for id in removed { writer.string(id.rawValue) }
        writer.varint(UInt64(changed))
        writer.bytes(body.buffer)
        return Data(writer.buffer)
    }

    /// Applies a delta written by ``encodeDelta(from:to:)`` to the state it was taken from.
    /// - Throws: ``DecodingFailure`` for a truncated or foreign delta, or one that removes a VSP the state lacks
    ///   or keeps more of a window than the state holds; `state` is then partly changed.
    static func applyDelta(_ data: Data, to state: inout EngineState) throws {
        var reader = Reader(bytes: [UInt8](data))
        guard try reader.bytes(4) == deltaMagic else {
            throw DecodingFailure(description: "not an engine state delta (magic)")
        }
        let format = try reader.byte()
        guard format == deltaVersion else {
            throw DecodingFailure(description: "engine state delta version \(format), expected \(deltaVersion)")
        }
        let hasRound = try reader.byte() == 1
        let round = try reader.varint()
        let maximumPool = try reader.double()
        let removedCount = try reader.count()
        for _ in 0..<removedCount {
            let name = try reader.string()
            guard let id = try? VSPID(name), state.vsps.removeValue(forKey: id) != nil else {
                throw DecodingFailure(description: "removes VSP '\(name)', which the state does not hold")
            }
        }
        let changedCount = try reader.count()
        for _ in 0..<changedCount {
            let name = try reader.string()
            guard let id = try? VSPID(name) else { throw DecodingFailure(description: "invalid VSP id '\(name)'") }
            // Taken out of the dictionary so that its arrays are uniquely referenced and change in place.
            var vsp = state.vsps.removeValue(forKey: id) ?? blank
            try read(into: &vsp, from: &reader)
            state.vsps[id] = vsp
        }
        guard reader.isAtEnd else { throw DecodingFailure(description: "trailing bytes at offset \(reader.offset)") }
        state.lastRound = hasRound ? RoundNumber(round) : nil
        state.maximumPool = maximumPool
    }

    private static func write(_ vsp: VSPState, since before: VSPState, id: VSPID, to writer: inout Writer) {
        var fields: ChangedFields = []
        if vsp.share != before.share { fields.insert(.share) }
        if vsp.alphaEstimator != before.alphaEstimator { fields.insert(.alphaEstimator) }
        if vsp.maximumPoolWithout.bitPattern != before.maximumPoolWithout.bitPattern {
            fields.insert(.maximumPoolWithout)
        }
        if vsp.age != before.age { fields.insert(.age) }
        if vsp.voiCalibrated != before.voiCalibrated { fields.insert(.voiCalibrated) }
        if vsp.recentShares != before.recentShares { fields.insert(.recentShares) }
        if vsp.voiFit.reports != before.voiFit.reports { fields.insert(.fitReports) }
        if vsp.voiFit.recentErrors != before.voiFit.recentErrors { fields.insert(.recentErrors) }
        if vsp.voiFit.largestUtility.bitPattern != before.voiFit.largestUtility.bitPattern {
            fields.insert(.largestUtility)
        }
        if vsp.voiFit.lastReport != before.voiFit.lastReport { fields.insert(.lastReport) }
        if vsp.probes != before.probes { fields.insert(.probes) }
        writer.string(id.rawValue)
        writer.byte(UInt8(fields.rawValue & 0xFF))
        writer.byte(UInt8(fields.rawValue >> 8))
        if fields.contains(.share) { writer.doubles(vsp.share) }
        if fields.contains(.alphaEstimator) { writer.alphaEstimator(vsp.alphaEstimator) }
        if fields.contains(.maximumPoolWithout) { writer.double(vsp.maximumPoolWithout) }
        if fields.contains(.age) { writer.zigzag(vsp.age) }
        if fields.contains(.voiCalibrated) { writer.byte(vsp.voiCalibrated ? 1 : 0) }
        if fields.contains(.recentShares) {
            let kept = keptShares(of: vsp.recentShares, after: before.recentShares)
            writer.varint(UInt64(kept))
            writer.varint(UInt64(vsp.recentShares.count - kept))
            for recorded in vsp.recentShares[kept...] {
                writer.varint(recorded.round.value)
                writer.doubles(recorded.share)
            }
        }
        if fields.contains(.fitReports) { writer.zigzag(vsp.voiFit.reports) }
        if fields.contains(.recentErrors) {
            let errors = vsp.voiFit.recentErrors
            let kept = keptPrefix(of: errors, after: before.voiFit.recentErrors)
            writer.varint(UInt64(kept))
            writer.doubles(Array(errors[kept...]))
        }
        if fields.contains(.largestUtility) { writer.double(vsp.voiFit.largestUtility) }
        if fields.contains(.lastReport) {
            let report = vsp.voiFit.lastReport
            writer.byte(report == nil ? 0 : 1)
            if let report {
                writer.varint(report.round.value)
                writer.doubles(report.share)
                writer.double(report.utility)
            }
        }
        if fields.contains(.probes) { writer.zigzag(vsp.probes) }
    }

    private static func read(into vsp: inout VSPState, from reader: inout Reader) throws {
        let low = UInt16(try reader.byte())
        let high = UInt16(try reader.byte())
        let fields = ChangedFields(rawValue: low | high << 8)
        guard ChangedFields.all.isSuperset(of: fields) else {
            throw DecodingFailure(description: "unknown field mask \(fields.rawValue) at offset \(reader.offset)")
        }
        if fields.contains(.share) { vsp.share = try reader.doubles() }
        if fields.contains(.alphaEstimator) { vsp.alphaEstimator = try reader.alphaEstimator() }
        if fields.contains(.maximumPoolWithout) { vsp.maximumPoolWithout = try reader.double() }
        if fields.contains(.age) { vsp.age = try reader.zigzag() }
        if fields.contains(.voiCalibrated) { vsp.voiCalibrated = try reader.byte() == 1 }
        if fields.contains(.recentShares) {
            let kept = try reader.count()
            guard kept <= vsp.recentShares.count else {
                throw DecodingFailure(description: "keeps \(kept) recent shares of \(vsp.recentShares.count)")
            }
            vsp.recentShares.removeFirst(vsp.recentShares.count - kept)
            let appended = try reader.count()
            for _ in 0..<appended {
                vsp.recentShares.append(
                    RecordedShare(round: RoundNumber(try reader.varint()), share: try reader.doubles()))
            }
        }
        if fields.contains(.fitReports) { vsp.voiFit.reports = try reader.zigzag() }
        if fields.contains(.recentErrors) {
            let kept = try reader.count()
            guard kept <= vsp.voiFit.recentErrors.count else {
                throw DecodingFailure(description: "keeps \(kept) VoI errors of \(vsp.voiFit.recentErrors.count)")
            }
            vsp.voiFit.recentErrors.removeFirst(vsp.voiFit.recentErrors.count - kept)
            vsp.voiFit.recentErrors += try reader.doubles()
        }
        if fields.contains(.largestUtility) { vsp.voiFit.largestUtility = try reader.double() }
        if fields.contains(.lastReport) {
            if try reader.byte() == 1 {
                vsp.voiFit.lastReport = ReportedUtility(
                    round: RoundNumber(try reader.varint()), share: try reader.doubles(), utility: try reader.double())
            } else {
                vsp.voiFit.lastReport = nil
            }
        }
        if fields.contains(.probes) { vsp.probes = try reader.zigzag() }
    }

    /// ``keptPrefix(of:after:)`` for a window of recorded shares, found from their rounds.
    private static func keptShares(of window: [RecordedShare], after previous: [RecordedShare]) -> Int {
        // The rounds of a window increase: the values kept are those up to the previous window's last round,
        // checked once (not at every candidate length, as for a window without rounds).
        guard let last = previous.last?.round else { return 0 }
        let kept = window.prefix { $0.round <= last }.count
        if kept <= previous.count {
            let offset = previous.count - kept
            var equal = true
            for index in 0..<kept where window[index] != previous[offset + index] {
                equal = false
                break
            }
            if equal { return kept }
        }
        return keptPrefix(of: window, after: previous)
    }

    /// How many values at the start of `window` are the last values of `previous`: a sliding window keeps
    /// those and appends the rest.
    private static func keptPrefix<Element: Equatable>(of window: [Element], after previous: [Element]) -> Int {
        var kept = min(window.count, previous.count)
        while kept > 0 {
            if window[..<kept].elementsEqual(previous[(previous.count - kept)...]) { return kept }
            kept -= 1
        }
        return 0
    }
}

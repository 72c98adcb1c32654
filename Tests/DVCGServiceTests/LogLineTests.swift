import DVCGControl
import DVCGCore
import Logging
import Testing

@testable import DVCGService

/// One event is one line on every log target, whatever a client put in the values (issue 14, case 2).
@Suite struct LogLineTests {
    /// The id a non-admin VSP principal sent to forge a second line (NUL and ESC pass too).
    static let forged = "x\ndvcgd: critical round committed round=1 FORGED\u{0}\u{1B}[2J"

    @Test func aForgedIdStaysOnOneStderrLineAndIsQuoted() {
        let reason = "vsp: \(QuotedInput(Self.forged)) is not a VSP id"
        #expect(reason == #"vsp: 'x\ndvcgd: critical round committed round=1 FORGED\u{0}\u{1B}[2J' is not a VSP id"#)
        let line = StderrLogHandler.line(
            .notice, "control request refused", metadata: ["reason": "\(reason)", "uid": "1001"])
        #expect(line.split(separator: "\n").count == 1 && line.hasSuffix("\n"))
        // The message the client got, as logfmt writes it: its backslashes escaped once more, so that a logfmt
        // reader gets the message back exactly.
        #expect(
            line
                == #"dvcgd: notice control request refused reason="vsp: 'x\\ndvcgd: critical round committed round=1 FORGED\\u{0}\\u{1B}[2J' is not a VSP id" uid=1001"#
                + "\n")
        #expect(!line.contains("\u{1B}") && !line.contains("\u{0}"))
    }

    @Test(arguments: [
        ("plain", "plain"), ("", #""""#), ("two words", #""two words""#), ("a=b", #""a=b""#),
        (#"say "hi""#, #""say \"hi\"""#), ("tab\there", #""tab\there""#), (#"back\slash"#, #""back\\slash""#),
        ("line\u{2028}separator", #""line\u{2028}separator""#), ("café", "café"),
    ])
    func valuesAreQuotedAsLogfmtQuotesThem(_ value: String, _ written: String) {
        #expect(StderrLogHandler.logfmt(value) == written)
    }

    @Test func numbersAreRoundedForPeopleOnStderr() {
        let line = StderrLogHandler.line(
            .info, "round committed",
            metadata: [
                "pool": "1340.441047668457", "noise_scale": "5.262535214514578e-05", "round": "94",
                "duration_ms": "1.250", "welfare_estimate": "1339.695700161159",
            ])
        #expect(
            line
                == "dvcgd: info round committed duration_ms=1.25 noise_scale=5.263e-05 pool=1340.44 round=94 welfare_estimate=1339.70\n"
        )
    }

    @Test func theMessageItselfIsEscaped() {
        let line = StderrLogHandler.line(.info, "two\nlines", metadata: [:])
        #expect(line == "dvcgd: info two\\nlines\n")
    }

    @Test func journaldFieldsAreEscapedToo() {
        let handler = JournaldLogHandler(label: "test")
        let event = LogEvent(
            level: .warning, message: "refused\u{1B}[31m", metadata: ["vsp": "\(Self.forged)"], source: nil,
            file: "f.swift", function: "f()", line: 1)
        let fields = handler.fields(of: event)
        #expect(fields.first == #"MESSAGE=refused\u{1B}[31m"#)
        #expect(fields.last == #"DVCG_VSP=x\ndvcgd: critical round committed round=1 FORGED\u{0}\u{1B}[2J"#)
        #expect(fields.allSatisfy { !$0.contains("\n") })
    }

    @Test func anEchoedValueIsCutAfter64Characters() {
        let long = String(repeating: "a", count: 100)
        #expect(QuotedInput(long).description == "'" + String(repeating: "a", count: 64) + "…'")
        #expect(QuotedInput("short").description == "'short'")
        #expect(QuotedInput(long, limit: 128).unquoted == long)
    }
}

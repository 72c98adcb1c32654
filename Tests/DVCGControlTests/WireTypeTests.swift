import DVCGCore
import Foundation
import Testing

@testable import DVCGControl

@Suite struct WireTypeTests {
    @Test func errorBodyHasTheDocumentedShape() throws {
        let data = try JSONEncoder().encode(ErrorBody(code: "invalid_bid", message: "amount: must be >= 0"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: String]])
        #expect(object == ["error": ["code": "invalid_bid", "message": "amount: must be >= 0"]])
    }

    @Test func ledgerRowsUseSnakeCaseAndCSVMatchesTheHeader() throws {
        let row = LedgerRow(
            round: 7, vsp: try VSPID("vsp-1"), bid: 120.5, loan: 118, realisedShares: [0.25, 0.5, 0], tax: 3.25,
            utilityEstimate: 119,
            externality: 2, interest: 1, alphaHat: 1.25)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "round", "vsp", "bid", "loan", "realised_shares", "tax", "utility_estimate", "externality", "interest",
                "alpha_hat",
            ])
        #expect(
            LedgerRow.csvHeader(resources: ["bandwidth", "computing", "cache"])
                == "round,vsp,bid,financed_bid,loan,bandwidth_share,computing_share,cache_share,utility_estimate,"
                + "externality,interest,alpha_hat,tax,voi_fitted")
        #expect(row.csvLine == "7,vsp-1,120.5,,118.0,0.25,0.5,0.0,119.0,2.0,1.0,1.25,3.25,", "older rows: no x^")
        var fitted = row
        fitted.voiFitted = true
        #expect(fitted.csvLine.hasSuffix(",3.25,true"), "a boolean as JSON writes it")
        fitted.financedBid = 100.25
        #expect(fitted.csvLine.hasPrefix("7,vsp-1,120.5,100.25,118.0,"))
        let financed = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(fitted)) as? [String: Any])
        #expect(financed["financed_bid"] as? Double == 100.25)
        #expect(try JSONDecoder().decode(LedgerRow.self, from: JSONEncoder().encode(fitted)) == fitted)
    }

    /// A CSV number is the shortest form that reads back to the value at its precision: a Float32 network's
    /// output (U*) in Float32's shortest form, any other Double in Double's (fourth tour: "64.35893249511719").
    @Test func csvNumbersAreShortestAtTheirPrecision() {
        let network = Double(Float(64.35893))
        #expect(LedgerRow.csvNumber(network) == "64.35893")
        #expect(Float(LedgerRow.csvNumber(network)) == Float(network))
        #expect(abs(Double(LedgerRow.csvNumber(network))! - network) <= 6e-8 * network)
        for value in [0.1, 1.0 / 3, 118.49999999999999, -2.5e-300] {
            #expect(Double(LedgerRow.csvNumber(value)) == value, "\(value)")
        }
        #expect(LedgerRow.csvNumber(0.1) == "0.1")
        #expect(LedgerRow.csvNumber(.infinity) == "inf")
    }

    @Test func reportRequestUsesGrossProfitKey() throws {
        let data = try JSONEncoder().encode(ReportRequest(vsp: try VSPID("a"), round: 3, utility: 1, grossProfit: 2))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"gross_profit\":2"))
    }

    @Test func enumsTravelAsTheWiresStrings() throws {
        let info = VSPInfo(
            id: try VSPID("a"), kind: .simulated, status: .joining, share: [0.5], lastBid: nil, lastTax: nil,
            alphaHat: 1)
        let text = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(text.contains(#""kind":"simulated""#) && text.contains(#""status":"joining""#))
        #expect(DaemonState.allCases.map(\.rawValue) == ["starting", "running", "paused", "degraded", "stopping"])
        #expect(VSPBidding("scaled:0.8") == .scaled(0.8) && VSPBidding("truthful") == .truthful)
        #expect(VSPBidding("fixed:3") == nil && VSPBidding("scaled:-1") == nil)
    }

    /// A body and the refusal its decoding must throw.
    static let strictCases: [(String, WireFieldError)] = [
        (#"{"vsp": "a", "amount": 1, "tip": 2}"#, .unknownField(path: "tip", expected: ["amount", "round", "vsp"])),
        (#"{"vsp": "a", "amount": 1, "round": null}"#, .null(path: "round")),
        (#"{"vsp": "a b", "amount": 1}"#, .invalidVSPID(path: "vsp", text: "a b")),
    ]

    @Test func requestBodiesAreStrict() throws {
        for (body, refusal) in Self.strictCases {
            #expect(throws: refusal) { try JSONDecoder().decode(BidRequest.self, from: Data(body.utf8)) }
        }
        let nested = #"{"id": "s", "kind": "simulated", "utility": {"beta": 1, "xi": [1], "gamma": 2}}"#
        #expect(throws: WireFieldError.unknownField(path: "utility.gamma", expected: ["beta", "xi"])) {
            try JSONDecoder().decode(AddVSPRequest.self, from: Data(nested.utf8))
        }
        #expect(
            throws: WireFieldError.invalidValue(
                path: "kind", message: "expected 'external' or 'simulated', found 'robot'")
        ) {
            try JSONDecoder().decode(AddVSPRequest.self, from: Data(#"{"id": "s", "kind": "robot"}"#.utf8))
        }
    }

    @Test func endpointPathsMatchTheirParameters() throws {
        #expect(ControlAPI.RemoveVSP.matches("/v1/vsps/acme"))
        #expect(!ControlAPI.RemoveVSP.matches("/v1/vsps/") && !ControlAPI.RemoveVSP.matches("/v1/vsps/a/b"))
        #expect(ControlAPI.methods(at: "/v1/vsps") == [.get, .post])
        #expect(ControlAPI.methods(at: "/v1/vsps/acme") == [.delete])
        #expect(ControlAPI.methods(at: "/v1/nothing").isEmpty)
        #expect(try VSPID("acme").uri(template: ControlAPI.RemoveVSP.path) == "/v1/vsps/acme")
        #expect(
            LedgerQuery(from: 1, vsp: try VSPID("a"), format: .csv).uri(template: ControlAPI.ReadLedger.path)
                == "/v1/ledger?format=csv&from=1&vsp=a")
        #expect(
            throws: WireFieldError.malformed(
                path: "from", message: "expected a round number (integer in [0, 2^63 - 1]), found 'x'")
        ) {
            try LedgerQuery(parameters: ["from": "x"])
        }
    }
}

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
            round: 7, vsp: "vsp-1", bid: 120.5, loan: 118, slice: [0.25, 0.5, 0], tax: 3.25, utilityEstimate: 119,
            externality: 2, interest: 1, alphaHat: 1.25)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "round", "vsp", "bid", "loan", "slice", "tax", "utility_estimate", "externality", "interest",
                "alpha_hat",
            ])
        #expect(
            LedgerRow.csvHeader(resourceCount: 3)
                == "round,vsp,bid,loan,slice_0,slice_1,slice_2,tax,utility_estimate,externality,interest,alpha_hat")
        #expect(row.csvLine == "7,vsp-1,120.5,118.0,0.25,0.5,0.0,3.25,119.0,2.0,1.0,1.25")
    }

    @Test func reportRequestUsesGrossProfitKey() throws {
        let data = try JSONEncoder().encode(ReportRequest(vsp: "a", round: 3, utility: 1, grossProfit: 2))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"gross_profit\":2"))
    }
}

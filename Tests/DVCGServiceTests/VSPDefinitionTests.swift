import DVCGControl
import DVCGCore
import DVCGMechanism
import Testing

@testable import DVCGService

/// One validator for roster entries, whether they come from dvcgd.yaml or `POST /v1/vsps`.
@Suite struct VSPDefinitionTests {
    static func simulated(_ edit: (inout VSPDraft) -> Void = { _ in }) throws -> VSPDraft {
        var draft = VSPDraft(id: try VSPID("s"), kind: .simulated)
        draft.beta = 100
        draft.xi = [1, 2, 3]
        edit(&draft)
        return draft
    }

    @Test func defaultsFillASimulatedVSP() throws {
        let definition = try VSPDefinition.validated(try Self.simulated(), resourceCount: 3, naming: .api)
        #expect(
            definition.kind
                == .simulated(
                    SimulatedVSPConfiguration(
                        beta: 100, xi: [1, 2, 3], alpha: 1, noiseMean: 0, noiseStandardDeviation: 0,
                        bidding: .truthful)))
    }

    @Test func bothSourcesGetTheSameRuleInTheirOwnNames() throws {
        let draft = try Self.simulated { $0.alpha = -1 }
        let message = "expected a finite number in (0, 1e12], found -1"
        #expect(throws: VSPDefinitionError(issues: [VSPIssue(path: "alpha", message: message)])) {
            try VSPDefinition.validated(draft, resourceCount: 3, naming: .api)
        }
        #expect(throws: VSPDefinitionError(issues: [VSPIssue(path: "profit.alpha", message: message)])) {
            try VSPDefinition.validated(draft, resourceCount: 3, naming: .configuration)
        }
    }

    @Test func everyIssueIsReported() throws {
        let draft = try Self.simulated {
            $0.beta = 2e12
            $0.xi = [1, -1, 3]
            $0.noiseStandardDeviation = -1
            $0.bidding = .scaled(-2)
        }
        var issues: [VSPIssue] = []
        do throws(VSPDefinitionError) {
            _ = try VSPDefinition.validated(draft, resourceCount: 3, naming: .configuration)
        } catch {
            issues = error.issues
        }
        #expect(issues.map(\.path) == ["utility.beta", "utility.xi[1]", "profit.noise_sd", "bidding"])
        #expect(throws: VSPDefinitionError.self) {
            try VSPDefinition.validated(try Self.simulated { $0.xi = [1] }, resourceCount: 3, naming: .api)
        }
    }

    @Test func anExternalVSPHasNoSimulatedFields() throws {
        var draft = VSPDraft(id: try VSPID("e"), kind: .external)
        #expect(try VSPDefinition.validated(draft, resourceCount: 3, naming: .api).kind == .external)
        draft.noiseMean = 0
        draft.bidding = .truthful
        #expect(
            throws: VSPDefinitionError(issues: [
                VSPIssue(path: "profit", message: "an external VSP has no 'profit' (it bids through the API)"),
                VSPIssue(path: "bidding", message: "an external VSP has no 'bidding' (it bids through the API)"),
            ])
        ) { try VSPDefinition.validated(draft, resourceCount: 3, naming: .configuration) }
    }

    @Test func strategiesAreStoredAsTheirText() throws {
        for text in ["truthful", "scaled:0.8", "fixed:50.0"] {
            #expect(BiddingStrategy(text: text)?.text == text)
        }
        #expect(BiddingStrategy(text: "fixed:50") == .fixed(50), "as a v1 ledger stores it")
        #expect(BiddingStrategy(text: "greedy") == nil && BiddingStrategy(text: "scaled:-1") == nil)
        #expect(BiddingStrategy(VSPBidding.scaled(0.5)) == .scaled(0.5))
    }
}

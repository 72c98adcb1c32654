/// A sealed bid x_{i,t} of eq. (13): the amount of VC a VSP offers for round t.
public struct Bid: Hashable, Sendable, Codable {
    /// The bidding VSP.
    public let vsp: VSPID
    /// The round the bid is for.
    public let round: RoundNumber
    /// The amount in VC, finite and >= 0.
    public let amount: Double

    /// Creates a bid.
    ///
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a negative or non-finite amount.
    public init(vsp: VSPID, round: RoundNumber, amount: Double) throws(MechanismError) {
        guard amount.isFinite, amount >= 0 else {
            throw .invalidValue(name: "bid of VSP '\(vsp)' for round \(round) (must be >= 0)", value: amount)
        }
        self.vsp = vsp
        self.round = round
        self.amount = amount
    }
}

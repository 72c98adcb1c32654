import Foundation

/// How a round's commit records the engine's state.
public enum EngineStateWrite: Sendable {
    /// A full snapshot (`EngineStateCodec.encode`): it replaces `engine_state`, and the deltas before it go.
    case snapshot(Data)
    /// The change since the state the ledger holds (`EngineStateCodec.encodeDelta`): one `engine_state_deltas` row.
    case delta(Data)

    /// The bytes written.
    public var byteCount: Int {
        switch self {
        case .snapshot(let data), .delta(let data): data.count
        }
    }
}

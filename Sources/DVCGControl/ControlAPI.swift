import DVCGCore

/// Every endpoint of dvcgd's control API, each defined once (docs/openapi.yaml is the contract).
public enum ControlAPI {
    /// `GET /v1/health`: liveness and readiness.
    public enum Health: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = HealthResponse
        public static let method = EndpointMethod.get
        public static let path = "/v1/health"
        public static let access = EndpointAccess.anyRole
        public static let activity = "read health"
    }

    /// `GET /v1/status`: state, round, policy, last round, ledger.
    public enum Status: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = StatusResponse
        public static let method = EndpointMethod.get
        public static let path = "/v1/status"
        public static let access = EndpointAccess.reader
        public static let activity = "read the status"
    }

    /// `GET /v1/vsps`: the roster.
    public enum ListVSPs: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = VSPListResponse
        public static let method = EndpointMethod.get
        public static let path = "/v1/vsps"
        public static let access = EndpointAccess.reader
        public static let activity = "list VSPs"
    }

    /// `POST /v1/vsps`: register a VSP at the next round boundary (202).
    public enum AddVSP: Endpoint {
        public typealias Request = AddVSPRequest
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/vsps"
        public static let access = EndpointAccess.admin
        public static let activity = "add VSPs"
        public static let successStatus = 202
        public static let invalidCode = "invalid_vsp"
    }

    /// `DELETE /v1/vsps/{id}`: remove a VSP at the next round boundary (202).
    public enum RemoveVSP: Endpoint {
        public typealias Request = VSPID
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.delete
        public static let path = "/v1/vsps/{id}"
        public static let access = EndpointAccess.admin
        public static let activity = "remove VSPs"
        public static let successStatus = 202
    }

    /// `POST /v1/bids`: a sealed bid for a round that has not started.
    public enum SubmitBid: Endpoint {
        public typealias Request = BidRequest
        public typealias Response = BidResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/bids"
        public static let access = EndpointAccess.vspPrincipal
        public static let activity = "bid"
        public static let invalidCode = "invalid_bid"
    }

    /// `POST /v1/reports`: a financial report for a round the VSP took part in.
    public enum FileReport: Endpoint {
        public typealias Request = ReportRequest
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/reports"
        public static let access = EndpointAccess.vspPrincipal
        public static let activity = "file reports"
        public static let invalidCode = "invalid_report"
    }

    /// `GET /v1/ledger`: the ledger, streamed, one ``LedgerRow`` per line (JSON Lines) or CSV.
    public enum ReadLedger: Endpoint {
        public typealias Request = LedgerQuery
        public typealias Response = LedgerRow
        public static let method = EndpointMethod.get
        public static let path = "/v1/ledger"
        public static let access = EndpointAccess.vspPrincipal
        public static let activity = "read the ledger"
    }

    /// `POST /v1/reload`: re-read the configuration and the policy, swap them between rounds.
    public enum Reload: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/reload"
        public static let access = EndpointAccess.admin
        public static let activity = "reload the policy"
    }

    /// `POST /v1/pause`: stop the clock after the round in flight.
    public enum Pause: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/pause"
        public static let access = EndpointAccess.admin
        public static let activity = "pause the auction"
    }

    /// `POST /v1/resume`: rounds every period again.
    public enum Resume: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/resume"
        public static let access = EndpointAccess.admin
        public static let activity = "resume the auction"
    }

    /// `POST /v1/rounds`: run one round now, also while paused.
    public enum RunRound: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = ActionResponse
        public static let method = EndpointMethod.post
        public static let path = "/v1/rounds"
        public static let access = EndpointAccess.admin
        public static let activity = "run rounds"
    }

    /// `GET /metrics`: Prometheus text exposition.
    public enum Metrics: Endpoint {
        public typealias Request = NoRequest
        public typealias Response = String
        public static let method = EndpointMethod.get
        public static let path = "/metrics"
        public static let access = EndpointAccess.reader
        public static let activity = "read metrics"
    }

    /// Every endpoint, in the order of docs/openapi.yaml.
    public static let endpoints: [any Endpoint.Type] = [
        Health.self, Status.self, ListVSPs.self, AddVSP.self, RemoveVSP.self, SubmitBid.self, FileReport.self,
        ReadLedger.self, Reload.self, Pause.self, Resume.self, RunRound.self, Metrics.self,
    ]

    /// The methods the API takes on a request path, in the order of ``endpoints``; empty for a path it does
    /// not have (the server's `Allow` header for 405).
    public static func methods(at requestPath: String) -> [EndpointMethod] {
        endpoints.filter { $0.matches(requestPath) }.map { $0.method }
    }
}

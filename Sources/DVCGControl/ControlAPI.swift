import DVCGCore
import Foundation

/// Every endpoint of dvcgd's control API, each defined once (docs/openapi.yaml is the contract).
public enum ControlAPI {
    /// `GET /v1/health`: liveness and readiness.
    public enum Health: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``HealthResponse``.
        public typealias Response = HealthResponse
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/health"
        /// Who may call it.
        public static let access = EndpointAccess.anyRole
        /// What a caller without access may not do.
        public static let activity = "read health"
    }

    /// `GET /v1/status`: state, round, policy, last round, ledger.
    public enum Status: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``StatusResponse``.
        public typealias Response = StatusResponse
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/status"
        /// Who may call it.
        public static let access = EndpointAccess.reader
        /// What a caller without access may not do.
        public static let activity = "read the status"
    }

    /// `GET /v1/vsps`: the roster.
    public enum ListVSPs: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``VSPListResponse``.
        public typealias Response = VSPListResponse
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/vsps"
        /// Who may call it.
        public static let access = EndpointAccess.reader
        /// What a caller without access may not do.
        public static let activity = "list VSPs"
    }

    /// `POST /v1/vsps`: register a VSP at the next round boundary (202).
    public enum AddVSP: Endpoint {
        /// What the client sends: ``AddVSPRequest``.
        public typealias Request = AddVSPRequest
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/vsps"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "add VSPs"
        /// The status of a success.
        public static let successStatus = 202
        /// The code of a request whose values are outside their domain.
        public static let invalidCode = "invalid_vsp"
    }

    /// `DELETE /v1/vsps/{id}`: remove a VSP at the next round boundary (202).
    public enum RemoveVSP: Endpoint {
        /// What the client sends: ``VSPID``.
        public typealias Request = VSPID
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.delete
        /// The path.
        public static let path = "/v1/vsps/{id}"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "remove VSPs"
        /// The status of a success.
        public static let successStatus = 202
    }

    /// `POST /v1/bids`: a sealed bid for a round that has not started.
    public enum SubmitBid: Endpoint {
        /// What the client sends: ``BidRequest``.
        public typealias Request = BidRequest
        /// What the server answers: ``BidResponse``.
        public typealias Response = BidResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/bids"
        /// Who may call it.
        public static let access = EndpointAccess.vspPrincipal
        /// What a caller without access may not do.
        public static let activity = "bid"
        /// The code of a request whose values are outside their domain.
        public static let invalidCode = "invalid_bid"
    }

    /// `POST /v1/reports`: a financial report for a round the VSP took part in.
    public enum FileReport: Endpoint {
        /// What the client sends: ``ReportRequest``.
        public typealias Request = ReportRequest
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/reports"
        /// Who may call it.
        public static let access = EndpointAccess.vspPrincipal
        /// What a caller without access may not do.
        public static let activity = "file reports"
        /// The code of a request whose values are outside their domain.
        public static let invalidCode = "invalid_report"
    }

    /// `GET /v1/ledger`: the ledger, streamed, one ``LedgerRow`` per line (JSON Lines) or CSV.
    public enum ReadLedger: Endpoint {
        /// What the client sends: ``LedgerQuery``.
        public typealias Request = LedgerQuery
        /// What the server answers: ``LedgerRow``.
        public typealias Response = LedgerRow
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/ledger"
        /// Who may call it.
        public static let access = EndpointAccess.vspPrincipal
        /// What a caller without access may not do.
        public static let activity = "read the ledger"
    }

    /// `POST /v1/reload`: re-read the configuration and the policy, swap them between rounds.
    public enum Reload: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/reload"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "reload the policy"
    }

    /// `POST /v1/pause`: stop the clock after the round in flight.
    public enum Pause: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/pause"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "pause the auction"
    }

    /// `POST /v1/resume`: rounds every period again.
    public enum Resume: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/resume"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "resume the auction"
    }

    /// `POST /v1/rounds`: run one round now, also while paused.
    public enum RunRound: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``ActionResponse``.
        public typealias Response = ActionResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/rounds"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "run rounds"
    }

    /// `GET /v1/archive/plan?before=R`: which rounds an archive before R would hold now.
    public enum PlanArchive: Endpoint {
        /// What the client sends: ``ArchivePlanQuery``.
        public typealias Request = ArchivePlanQuery
        /// What the server answers: ``ArchivePlan``.
        public typealias Response = ArchivePlan
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/archive/plan"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "archive rounds"
    }

    /// `GET /v1/archive?from=A&to=B`: rounds A...B with their entries and reports, gzip JSON Lines, streamed.
    public enum ReadArchive: Endpoint {
        /// What the client sends: ``ArchiveRange``.
        public typealias Request = ArchiveRange
        /// What the server answers: the gzip bytes.
        public typealias Response = Data
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/archive"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "archive rounds"
    }

    /// `POST /v1/archive/delete`: remove rounds the caller's archive file is shown to hold.
    public enum DeleteArchived: Endpoint {
        /// What the client sends: ``ArchiveDeletionRequest``.
        public typealias Request = ArchiveDeletionRequest
        /// What the server answers: ``ArchiveRecordResponse``.
        public typealias Response = ArchiveRecordResponse
        /// The method.
        public static let method = EndpointMethod.post
        /// The path.
        public static let path = "/v1/archive/delete"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "archive rounds"
    }

    /// `GET /v1/archives`: the archives the ledger records.
    public enum ListArchives: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: one ``ArchiveRecordResponse`` per archive.
        public typealias Response = [ArchiveRecordResponse]
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/v1/archives"
        /// Who may call it.
        public static let access = EndpointAccess.admin
        /// What a caller without access may not do.
        public static let activity = "archive rounds"
    }

    /// `GET /metrics`: Prometheus text exposition.
    public enum Metrics: Endpoint {
        /// What the client sends: nothing.
        public typealias Request = NoRequest
        /// What the server answers: ``String``.
        public typealias Response = String
        /// The method.
        public static let method = EndpointMethod.get
        /// The path.
        public static let path = "/metrics"
        /// Who may call it.
        public static let access = EndpointAccess.reader
        /// What a caller without access may not do.
        public static let activity = "read metrics"
    }

    /// Every endpoint, in the order of docs/openapi.yaml.
    public static let endpoints: [any Endpoint.Type] = [
        Health.self, Status.self, ListVSPs.self, AddVSP.self, RemoveVSP.self, SubmitBid.self, FileReport.self,
        ReadLedger.self, Reload.self, Pause.self, Resume.self, RunRound.self, PlanArchive.self, ReadArchive.self,
        DeleteArchived.self, ListArchives.self, Metrics.self,
    ]

    /// The methods the API takes on a request path, in the order of ``endpoints``; empty for a path it does
    /// not have (the server's `Allow` header for 405).
    public static func methods(at requestPath: String) -> [EndpointMethod] {
        endpoints.filter { $0.matches(requestPath) }.map { $0.method }
    }
}

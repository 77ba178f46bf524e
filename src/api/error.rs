//! Error codes and messages the service sends. Messages are written for the
//! person at the terminal; internal error text never leaves the service.

use serde::{Deserialize, Serialize};

use super::search::SearchRefusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or a parameter is malformed, has an unknown field or a wrong type.
    BadRequest,
    /// The search text could not be understood (its message says why, its
    /// `search_refusal` too, as a code).
    InvalidQuery,
    /// User ID, PIN or code wrong; deliberately the same for an unknown user.
    LoginFailed,
    /// The code was accepted a moment ago at this same terminal (a form sent
    /// twice): the next code is needed. Not counted as a failure.
    CodeJustUsed,
    /// Too many failures: the account is locked for a while.
    AccountLocked,
    /// No session, or it ended (idle, lifetime, logout).
    Unauthenticated,
    /// The session's role may not do this.
    Forbidden,
    /// The session has no business purpose yet: choose one first.
    PurposeRequired,
    /// That purpose is not one of the caller's department's.
    PurposeNotAllowed,
    /// The purpose of a session is chosen once.
    PurposeAlreadyChosen,
    /// The PIN was handed over (a new account, a reset): change it first.
    PinChangeRequired,
    /// A new PIN refused by the PIN policy or equal to the current one;
    /// the message names the rule.
    PinRejected,
    /// New credentials refused: the caller's own account, or no such
    /// account.
    CredentialsRefused,
    /// An entry step this entry's state does not allow, or an entry that
    /// changed since it was read.
    EntryConflict,
    /// An entry step refused for who asks: not the clerk keying it, the
    /// first keyer keying again, a supervisor who keyed it.
    EntryNotYours,
    /// A submit or decision refused by its checks (the body lists them).
    EntryInvalid,
    /// A transfer step its state does not allow, one refused for who asks
    /// (the preparer approving, an approver witnessing), or a transfer
    /// that changed since it was read; the message says which.
    TransferRefused,
    /// An erasure plan's hash that is not the current plan's: the plan
    /// changed since it was read (something came due, a rule changed).
    RetentionPlanChanged,
    /// A grant step refused by the rules of grants (who may request or
    /// apply, the two-person rule, the state, a grant changed since it was
    /// read); the message says which.
    GrantRefused,
    /// A roster that cannot be read (422; the body lists the bad lines).
    RosterInvalid,
    /// A revocation from a reconciliation that is not the newest, was acted
    /// on already, or whose count of grants differs from the one confirmed.
    RosterStale,
    /// Too many logins are waiting to be checked: try again shortly.
    Busy,
    /// No route at that path.
    NotFound,
    /// The route exists but does not take that method (the `Allow` header
    /// lists those it takes).
    MethodNotAllowed,
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    PayloadTooLarge,
    RateLimited,
    /// The service cannot record the access durably, so it returns nothing.
    AuditUnavailable,
    /// The store cannot be reached.
    StoreUnavailable,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Why a search was refused (`invalid_query`, and `forbidden` for a My
    /// Number search outside the caller's work), for a terminal to say in
    /// its own language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_refusal: Option<SearchRefusal>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ApiError,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

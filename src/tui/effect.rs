//! Work for the runtime: whatever needs the network or the terminal comes
//! out of `update` as an [`Effect`], and its result comes back as an action.

use crate::api::{LoginRequest, UnlockRequest};
use crate::secret::SessionToken;

pub use super::audit_call::AuditCall;
pub use super::entry_call::EntryCall;
pub use super::grants_call::GrantsCall;
pub use super::records_call::RecordsCall;
pub use super::review_call::ReviewCall;
pub use super::transfers_call::TransfersCall;

#[derive(Debug)]
pub enum Effect {
    Login(Box<LoginRequest>),
    /// Choose the business purpose of the session that has none yet.
    ChoosePurpose(String),
    /// The holder's own PIN change, with the session's token.
    ChangePin(Box<crate::api::staff::PinChange>),
    /// Unlock with the locked session's token; the answer's token replaces it.
    Unlock(Box<UnlockRequest>),
    /// Use this token for the requests that follow (replacing any other).
    StartSession(SessionToken),
    /// A token nobody will use (an unlock answered after the user left the
    /// lock screen): end its session at the service.
    DiscardSession(SessionToken),
    Search {
        seq: u64,
        query: String,
    },
    OpenRecord(String),
    Reveal(String),
    /// An entry call: work lists, keying, drafts, decisions.
    Entry(EntryCall),
    /// A review call: overdue items, quality figures, batches.
    Review(ReviewCall),
    /// A record call: version history, corrections, re-verification.
    Records(RecordsCall),
    /// A transfer call: the list, one transfer, preparing, approving.
    Transfers(TransfersCall),
    /// A grant call: the list, a request, apply, refuse, revoke, extend.
    Grants(GrantsCall),
    /// An audit review call: a page of rows, an analysis, a report.
    Audit(AuditCall),
    /// Tell the service the session ends, then forget the token.
    Logout,
    /// Forget the token (the service already ended the session).
    EndSession,
    /// Ask the service's health (no token): is it reachable again?
    Probe,
    /// Clear the terminal, so nothing of the last screen survives.
    ClearTerminal,
    /// Log out if needed, restore the terminal and leave.
    Quit,
}

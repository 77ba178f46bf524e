//! Every route of the service and the access it needs. Deny by default: a
//! route is served only if it is in `ROUTES`, and the router refuses to build
//! when a handler is registered without an entry.

mod audit_log;
mod audit_review;
mod batches;
mod entries;
mod grants;
mod quality;
mod records;
pub(crate) mod residents;
pub(crate) mod retention;
mod reverify;
mod roster;
mod session;
mod staff;
mod transfers;

use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Extension, Router};
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use super::auth::{SessionCtx, authenticate, read_caller, resolve_terminal};
use super::error::{AppError, refusals_as_json};
use super::transport::PeerCertificate;
use crate::api::error::ErrorCode;
use crate::domain::roles::Permission;

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, login itself).
    Public,
    /// Any valid session.
    Session,
    /// A valid session whose role has this permission.
    Permission(Permission),
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// Path under `/api/v1`, in axum's syntax.
    pub path: &'static str,
    pub access: Access,
    /// The action name recorded in the access log when refused.
    pub action: Action,
}

pub const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        method: "GET",
        path: "/health",
        access: Access::Public,
        action: Action::Health,
    },
    RouteSpec {
        method: "POST",
        path: "/login",
        access: Access::Public,
        action: Action::Login,
    },
    RouteSpec {
        method: "POST",
        path: "/logout",
        access: Access::Session,
        action: Action::Logout,
    },
    RouteSpec {
        method: "POST",
        path: "/unlock",
        access: Access::Session,
        action: Action::Unlock,
    },
    RouteSpec {
        method: "GET",
        path: "/session",
        access: Access::Session,
        action: Action::Session,
    },
    RouteSpec {
        method: "POST",
        path: "/session/purpose",
        access: Access::Session,
        action: Action::PurposeChoose,
    },
    RouteSpec {
        method: "POST",
        path: "/session/pin",
        access: Access::Session,
        action: Action::PinChange,
    },
    RouteSpec {
        method: "POST",
        path: "/residents/search",
        access: Access::Permission(Permission::SearchResidents),
        action: Action::Search,
    },
    RouteSpec {
        method: "GET",
        path: "/residents/{person}",
        access: Access::Permission(Permission::ViewResident),
        action: Action::View,
    },
    RouteSpec {
        method: "POST",
        path: "/residents/{person}/reveal",
        access: Access::Permission(Permission::RevealMyNumber),
        action: Action::Reveal,
    },
    RouteSpec {
        method: "GET",
        path: "/audit",
        access: Access::Permission(Permission::ReadAuditLog),
        action: Action::AuditRead,
    },
    RouteSpec {
        method: "GET",
        path: "/audit/rows",
        access: Access::Permission(Permission::ReadAuditLog),
        action: Action::AuditQuery,
    },
    RouteSpec {
        method: "GET",
        path: "/audit/analyses/{kind}",
        access: Access::Permission(Permission::ReadAuditLog),
        action: Action::AuditAnalysis,
    },
    RouteSpec {
        method: "GET",
        path: "/audit/reports/{kind}",
        access: Access::Permission(Permission::ReadAuditLog),
        action: Action::AuditReport,
    },
    RouteSpec {
        method: "POST",
        path: "/entries",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryStart,
    },
    RouteSpec {
        method: "GET",
        path: "/entries/work",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryQueue,
    },
    RouteSpec {
        method: "GET",
        path: "/entries/{id}",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryView,
    },
    RouteSpec {
        method: "PUT",
        path: "/entries/{id}/draft",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryDraft,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/submit",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntrySubmit,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/second",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntrySecondStart,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/second/submit",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntrySecondSubmit,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/second/release",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntrySecondRelease,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/rekey",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryRekey,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/discard",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryDiscard,
    },
    RouteSpec {
        method: "GET",
        path: "/entries/decisions",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::EntryQueue,
    },
    RouteSpec {
        method: "GET",
        path: "/entries/{id}/decision",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::EntryView,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/decide",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::EntryDecide,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/decision/discard",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::EntryDiscard,
    },
    RouteSpec {
        method: "GET",
        path: "/records/{person}/{form}",
        access: Access::Permission(Permission::ViewTaxRecords),
        action: Action::RecordView,
    },
    RouteSpec {
        method: "POST",
        path: "/records/{person}/{form}/corrections",
        access: Access::Permission(Permission::ProposeCorrections),
        action: Action::CorrectionPropose,
    },
    RouteSpec {
        method: "GET",
        path: "/corrections",
        access: Access::Permission(Permission::ReviewCorrections),
        action: Action::CorrectionList,
    },
    RouteSpec {
        method: "GET",
        path: "/corrections/{id}",
        access: Access::Permission(Permission::ReviewCorrections),
        action: Action::CorrectionView,
    },
    RouteSpec {
        method: "POST",
        path: "/corrections/{id}/approve",
        access: Access::Permission(Permission::ReviewCorrections),
        action: Action::CorrectionApprove,
    },
    RouteSpec {
        method: "POST",
        path: "/corrections/{id}/reject",
        access: Access::Permission(Permission::ReviewCorrections),
        action: Action::CorrectionReject,
    },
    RouteSpec {
        method: "GET",
        path: "/reverify",
        access: Access::Permission(Permission::Reverify),
        action: Action::ReverifyList,
    },
    RouteSpec {
        method: "POST",
        path: "/reverify/{entry}/verified",
        access: Access::Permission(Permission::Reverify),
        action: Action::ReverifyResolve,
    },
    RouteSpec {
        method: "POST",
        path: "/reverify/{entry}/correction",
        access: Access::Permission(Permission::Reverify),
        action: Action::ReverifyResolve,
    },
    RouteSpec {
        method: "GET",
        path: "/reverify/overdue",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::ReverifyOverdue,
    },
    RouteSpec {
        method: "POST",
        path: "/batches",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::BatchOpen,
    },
    RouteSpec {
        method: "GET",
        path: "/batches",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::BatchList,
    },
    RouteSpec {
        method: "GET",
        path: "/batches/{id}",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::BatchView,
    },
    RouteSpec {
        method: "POST",
        path: "/batches/{id}/close",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::BatchClose,
    },
    RouteSpec {
        method: "GET",
        path: "/entries/quality",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::EntryQuality,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/identity",
        access: Access::Permission(Permission::KeyEntries),
        action: Action::EntryIdentity,
    },
    RouteSpec {
        method: "POST",
        path: "/entries/{id}/identity/settle",
        access: Access::Permission(Permission::DecideEntries),
        action: Action::EntryIdentitySettle,
    },
    RouteSpec {
        method: "GET",
        path: "/admin/retention/plan",
        access: Access::Permission(Permission::ApproveRetention),
        action: Action::RetentionPlanView,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/retention/approvals",
        access: Access::Permission(Permission::ApproveRetention),
        action: Action::RetentionApprove,
    },
    RouteSpec {
        method: "GET",
        path: "/admin/staff",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::StaffList,
    },
    RouteSpec {
        method: "GET",
        path: "/admin/grants",
        access: Access::Permission(Permission::RequestGrants),
        action: Action::GrantList,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/grants",
        access: Access::Permission(Permission::RequestGrants),
        action: Action::GrantRequest,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/grants/{id}/apply",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::GrantApply,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/grants/{id}/refuse",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::GrantRefuse,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/grants/{id}/revoke",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::GrantRevoke,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/grants/extend",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::GrantExtend,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/staff/{id}/disable",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::StaffDisable,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/staff/{id}/credentials",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::CredentialsReset,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/roster/reconciliations",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::RosterReconcile,
    },
    RouteSpec {
        method: "GET",
        path: "/admin/roster/reconciliations/latest",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::RosterView,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/roster/reconciliations/{id}/revoke",
        access: Access::Permission(Permission::ManageStaff),
        action: Action::RosterRevoke,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/transfer-destinations",
        access: Access::Permission(Permission::ManageTransferRegistry),
        action: Action::DestinationRegister,
    },
    RouteSpec {
        method: "GET",
        path: "/admin/transfer-destinations",
        access: Access::Permission(Permission::ManageTransferRegistry),
        action: Action::DestinationList,
    },
    RouteSpec {
        method: "PUT",
        path: "/admin/transfer-destinations/{id}",
        access: Access::Permission(Permission::ManageTransferRegistry),
        action: Action::DestinationChange,
    },
    RouteSpec {
        method: "POST",
        path: "/admin/transfer-formats",
        access: Access::Permission(Permission::ManageTransferRegistry),
        action: Action::FormatRegister,
    },
    RouteSpec {
        method: "GET",
        path: "/admin/transfer-formats",
        access: Access::Permission(Permission::ManageTransferRegistry),
        action: Action::FormatList,
    },
    RouteSpec {
        method: "GET",
        path: "/transfer-destinations",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::DestinationList,
    },
    RouteSpec {
        method: "GET",
        path: "/transfer-formats",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::FormatList,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::TransferPrepare,
    },
    RouteSpec {
        method: "GET",
        path: "/transfers",
        access: Access::Permission(Permission::ViewTransfers),
        action: Action::TransferList,
    },
    RouteSpec {
        method: "GET",
        path: "/transfers/{id}",
        access: Access::Permission(Permission::ViewTransfers),
        action: Action::TransferView,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers/{id}/approve",
        access: Access::Permission(Permission::ApproveTransfers),
        action: Action::TransferApprove,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers/{id}/reject",
        access: Access::Permission(Permission::ApproveTransfers),
        action: Action::TransferReject,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers/{id}/preview",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::TransferPreview,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers/{id}/reconfirm",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::TransferReconfirm,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers/{id}/sign-off",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::TransferSignOff,
    },
    RouteSpec {
        method: "POST",
        path: "/transfers/{id}/send",
        access: Access::Permission(Permission::PrepareTransfers),
        action: Action::TransferSend,
    },
];

/// All a session whose PIN was handed over may do until it is changed.
pub const PIN_CHANGE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/session"),
    ("POST", "/session/pin"),
    ("POST", "/logout"),
];

#[derive(Debug, thiserror::Error)]
pub enum RouteTableError {
    #[error("route {method} {path} has no entry in the access table")]
    Unmapped { method: String, path: String },
    #[error("access table entry {method} {path} has no handler")]
    Unregistered { method: String, path: String },
}

/// Registers handlers, each with the access its table entry names.
struct Registrar {
    router: Router<AppState>,
    state: AppState,
    registered: Vec<(&'static str, &'static str)>,
    missing: Option<RouteTableError>,
}

impl Registrar {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let Some(spec) = ROUTES
            .iter()
            .find(|r| r.method == method && r.path == path)
            .copied()
        else {
            self.missing.get_or_insert(RouteTableError::Unmapped {
                method: method.into(),
                path: path.into(),
            });
            return self;
        };
        let guarded = handler.route_layer(middleware::from_fn_with_state(
            self.state.clone(),
            move |state: State<AppState>, request: Request, next: Next| {
                guard(state, spec, request, next)
            },
        ));
        self.registered.push((method, path));
        self.router = self.router.route(path, guarded);
        self
    }

    fn finish(self) -> Result<Router<AppState>, RouteTableError> {
        if let Some(error) = self.missing {
            return Err(error);
        }
        if let Some(spec) = ROUTES
            .iter()
            .find(|r| !self.registered.contains(&(r.method, r.path)))
        {
            return Err(RouteTableError::Unregistered {
                method: spec.method.into(),
                path: spec.path.into(),
            });
        }
        Ok(self.router)
    }
}

fn method(m: &'static str) -> MethodFilter {
    MethodFilter::try_from(Method::from_bytes(m.as_bytes()).unwrap_or(Method::GET))
        .unwrap_or(MethodFilter::GET)
}

macro_rules! handler {
    ($method:literal, $h:expr) => {
        on(method($method), $h)
    };
}

/// The service's router under `/api/v1`.
pub fn router(state: AppState) -> Result<Router, RouteTableError> {
    let api = Registrar {
        router: Router::new(),
        state: state.clone(),
        registered: Vec::new(),
        missing: None,
    }
    .add("GET", "/health", handler!("GET", session::health))
    .add("POST", "/login", handler!("POST", session::login))
    .add("POST", "/logout", handler!("POST", session::logout))
    .add("POST", "/unlock", handler!("POST", session::unlock))
    .add("GET", "/session", handler!("GET", session::current))
    .add(
        "POST",
        "/session/purpose",
        handler!("POST", session::choose_purpose),
    )
    .add(
        "POST",
        "/session/pin",
        handler!("POST", session::change_pin),
    )
    .add(
        "POST",
        "/residents/search",
        handler!("POST", residents::search),
    )
    .add(
        "GET",
        "/residents/{person}",
        handler!("GET", residents::view),
    )
    .add(
        "POST",
        "/residents/{person}/reveal",
        handler!("POST", residents::reveal),
    )
    .add("GET", "/audit", handler!("GET", audit_log::list))
    .add("GET", "/audit/rows", handler!("GET", audit_review::rows))
    .add(
        "GET",
        "/audit/analyses/{kind}",
        handler!("GET", audit_review::analyses),
    )
    .add(
        "GET",
        "/audit/reports/{kind}",
        handler!("GET", audit_review::reports),
    )
    .add("POST", "/entries", handler!("POST", entries::start))
    .add("GET", "/entries/work", handler!("GET", entries::work))
    .add("GET", "/entries/{id}", handler!("GET", entries::view))
    .add(
        "PUT",
        "/entries/{id}/draft",
        handler!("PUT", entries::save_draft),
    )
    .add(
        "POST",
        "/entries/{id}/submit",
        handler!("POST", entries::submit),
    )
    .add(
        "POST",
        "/entries/{id}/second",
        handler!("POST", entries::start_second),
    )
    .add(
        "POST",
        "/entries/{id}/second/submit",
        handler!("POST", entries::submit_second),
    )
    .add(
        "POST",
        "/entries/{id}/second/release",
        handler!("POST", entries::release_second),
    )
    .add(
        "POST",
        "/entries/{id}/rekey",
        handler!("POST", entries::rekey),
    )
    .add(
        "POST",
        "/entries/{id}/discard",
        handler!("POST", entries::discard),
    )
    .add(
        "GET",
        "/entries/decisions",
        handler!("GET", entries::decisions),
    )
    .add(
        "GET",
        "/entries/{id}/decision",
        handler!("GET", entries::decision),
    )
    .add(
        "POST",
        "/entries/{id}/decide",
        handler!("POST", entries::decide),
    )
    .add(
        "POST",
        "/entries/{id}/decision/discard",
        handler!("POST", entries::discard_decision),
    )
    .add(
        "GET",
        "/records/{person}/{form}",
        handler!("GET", records::history),
    )
    .add(
        "POST",
        "/records/{person}/{form}/corrections",
        handler!("POST", records::propose),
    )
    .add("GET", "/corrections", handler!("GET", records::list))
    .add("GET", "/corrections/{id}", handler!("GET", records::view))
    .add(
        "POST",
        "/corrections/{id}/approve",
        handler!("POST", records::approve),
    )
    .add(
        "POST",
        "/corrections/{id}/reject",
        handler!("POST", records::reject),
    )
    .add("GET", "/reverify", handler!("GET", reverify::mine))
    .add(
        "POST",
        "/reverify/{entry}/verified",
        handler!("POST", reverify::verified),
    )
    .add(
        "POST",
        "/reverify/{entry}/correction",
        handler!("POST", reverify::correction),
    )
    .add(
        "GET",
        "/reverify/overdue",
        handler!("GET", reverify::overdue),
    )
    .add("POST", "/batches", handler!("POST", batches::open))
    .add("GET", "/batches", handler!("GET", batches::list))
    .add("GET", "/batches/{id}", handler!("GET", batches::show))
    .add(
        "POST",
        "/batches/{id}/close",
        handler!("POST", batches::close),
    )
    .add("GET", "/entries/quality", handler!("GET", quality::report))
    .add(
        "POST",
        "/entries/{id}/identity",
        handler!("POST", entries::record_identity),
    )
    .add(
        "POST",
        "/entries/{id}/identity/settle",
        handler!("POST", entries::settle_identity),
    )
    .add("GET", "/admin/staff", handler!("GET", staff::list))
    .add(
        "POST",
        "/admin/staff/{id}/disable",
        handler!("POST", grants::disable),
    )
    .add(
        "POST",
        "/admin/staff/{id}/credentials",
        handler!("POST", staff::reset_credentials),
    )
    .add("GET", "/admin/grants", handler!("GET", grants::list))
    .add("POST", "/admin/grants", handler!("POST", grants::request))
    .add(
        "POST",
        "/admin/grants/{id}/apply",
        handler!("POST", grants::apply),
    )
    .add(
        "POST",
        "/admin/grants/{id}/refuse",
        handler!("POST", grants::refuse),
    )
    .add(
        "POST",
        "/admin/grants/{id}/revoke",
        handler!("POST", grants::revoke),
    )
    .add(
        "POST",
        "/admin/grants/extend",
        handler!("POST", grants::extend),
    )
    .add(
        "POST",
        "/admin/roster/reconciliations",
        handler!("POST", roster::reconcile).layer(axum::extract::DefaultBodyLimit::max(
            crate::server::roster::ROSTER_BODY_LIMIT,
        )),
    )
    .add(
        "GET",
        "/admin/roster/reconciliations/latest",
        handler!("GET", roster::latest),
    )
    .add(
        "POST",
        "/admin/roster/reconciliations/{id}/revoke",
        handler!("POST", roster::revoke),
    )
    .add(
        "GET",
        "/admin/retention/plan",
        handler!("GET", retention::plan),
    )
    .add(
        "POST",
        "/admin/retention/approvals",
        handler!("POST", retention::approve),
    )
    .add(
        "POST",
        "/admin/transfer-destinations",
        handler!("POST", transfers::register_destination),
    )
    .add(
        "GET",
        "/admin/transfer-destinations",
        handler!("GET", transfers::list_destinations),
    )
    .add(
        "PUT",
        "/admin/transfer-destinations/{id}",
        handler!("PUT", transfers::change_destination),
    )
    .add(
        "POST",
        "/admin/transfer-formats",
        handler!("POST", transfers::register_format),
    )
    .add(
        "GET",
        "/admin/transfer-formats",
        handler!("GET", transfers::list_formats),
    )
    .add(
        "GET",
        "/transfer-destinations",
        handler!("GET", transfers::list_destinations),
    )
    .add(
        "GET",
        "/transfer-formats",
        handler!("GET", transfers::list_formats),
    )
    .add(
        "POST",
        "/transfers",
        handler!("POST", transfers::prepare).layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit.max(transfers::PREPARE_BODY_LIMIT),
        )),
    )
    .add("GET", "/transfers", handler!("GET", transfers::list))
    .add("GET", "/transfers/{id}", handler!("GET", transfers::view))
    .add(
        "POST",
        "/transfers/{id}/approve",
        handler!("POST", transfers::approve),
    )
    .add(
        "POST",
        "/transfers/{id}/reject",
        handler!("POST", transfers::reject),
    )
    .add(
        "POST",
        "/transfers/{id}/preview",
        handler!("POST", transfers::preview),
    )
    .add(
        "POST",
        "/transfers/{id}/reconfirm",
        handler!("POST", transfers::reconfirm),
    )
    .add(
        "POST",
        "/transfers/{id}/sign-off",
        handler!("POST", transfers::sign_off),
    )
    .add(
        "POST",
        "/transfers/{id}/send",
        handler!("POST", transfers::send),
    )
    .finish()?
    .method_not_allowed_fallback(method_not_allowed);

    Ok(Router::new()
        .nest(crate::api::PREFIX, api)
        .fallback(|| async { AppError::no_route() })
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit,
        ))
        // 405, 415, path rejections and the like carry the error body too.
        .layer(middleware::map_response(refusals_as_json))
        // Responses may carry personal data: never cache them anywhere.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        ))
        .with_state(state))
}

/// A route asked for with a method it does not take: 405 with the methods
/// it does take, from the access table, in `Allow` and in the message.
async fn method_not_allowed(path: Option<MatchedPath>) -> Response {
    let matched = path.as_ref().map(MatchedPath::as_str).unwrap_or("");
    let mut methods: Vec<&str> = ROUTES
        .iter()
        .filter(|r| matched.strip_prefix(crate::api::PREFIX) == Some(r.path))
        .map(|r| r.method)
        .collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    let allow = methods.join(", ");
    let error = AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("this path does not take that method; it takes {allow}"),
    );
    let mut response = error.into_response();
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Identifies the terminal, authenticates and authorises one request, and
/// applies the per-user read limit, before its handler runs. Refusals for
/// lack of permission are logged like any access; refused terminals and
/// over-limit bursts through `refusals`, one row per source, reason and
/// interval with a count, so a flood cannot fill the disk.
async fn guard(
    State(state): State<AppState>,
    spec: RouteSpec,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let peer = request.extensions().get::<PeerCertificate>();
    let headers = (spec.access != Access::Public).then(|| request.headers());
    let mut caller = read_caller(&state, peer, headers).await?;
    let terminal = match resolve_terminal(&state, peer, &mut caller, spec.action).await {
        Ok(terminal) => terminal,
        Err(refused) => {
            // Nothing more will be served on this connection.
            let mut response = refused.into_response();
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            return Ok(response);
        }
    };
    request.extensions_mut().insert(terminal.clone());
    if spec.access == Access::Public {
        return Ok(next.run(request).await);
    }
    let ctx = authenticate(&state, caller, &terminal).await?;
    // A handed-over PIN is changed before anything else, the purpose
    // included; repeats are counted by the refusal log.
    if ctx.pin_change_required && !PIN_CHANGE_ROUTES.contains(&(spec.method, spec.path)) {
        let entry = ctx.entry(
            state.clock.now(),
            Event::denied(spec.action, Reason::PinChangeRequired),
        );
        state.refusal(entry).await?;
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::PinChangeRequired,
            "the PIN you were given must be changed first",
        ));
    }
    if let Access::Permission(permission) = spec.access {
        // A session may do nothing until its business purpose is chosen.
        // The read limit does not apply yet, so repeats are counted by the
        // refusal log rather than written one by one.
        if ctx.purpose().is_none() {
            let entry = ctx.entry(
                state.clock.now(),
                Event::denied(spec.action, Reason::NoPurpose),
            );
            state.refusal(entry).await?;
            return Err(AppError::purpose_required());
        }
        if !ctx.can(permission) {
            let entry = ctx.entry(
                state.clock.now(),
                Event::denied(spec.action, Reason::Forbidden),
            );
            state.audit(entry).await?;
            return Err(AppError::forbidden());
        }
        if !state.limiter.allow(&ctx.user_id) {
            let event = Event::new(
                spec.action,
                Outcome::RateLimited,
                Detail::Reason(Reason::Burst),
            );
            state.refusal(ctx.entry(state.clock.now(), event)).await?;
            return Err(AppError::rate_limited());
        }
    }
    request.extensions_mut().insert(ctx);
    Ok(next.run(request).await)
}

/// The caller's session, put there by `guard`.
pub type Caller = Extension<SessionCtx>;

//! Typed HTTP client of the records service, used by the terminal and the tests.

mod audit;
mod entry;
mod grants;
mod records;
mod retention;
mod review;
mod roster;
pub mod tls;
mod transfers;

pub use roster::RosterAnswer;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::error::ErrorBody;
use crate::api::*;
use crate::secret::SessionToken;

/// What went wrong talking to the service, in words fit for the terminal.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error.
    #[error("{error}")]
    Api { status: u16, error: ApiError },
    /// An entry step refused by its checks, with the problems to put right.
    #[error("{}", .refusal.error)]
    Entry {
        status: u16,
        refusal: crate::api::entry::EntryRefusal,
    },
    /// The service could not be reached or the connection broke.
    #[error("cannot reach the records service: {0}")]
    Transport(String),
    /// The TLS connection was refused, for a reason the terminal can name.
    #[error("{}", .0.message())]
    Tls(tls::TlsProblem),
    /// The service answered something this client does not understand.
    #[error("unexpected answer from the records service: {0}")]
    Decode(String),
}

impl ClientError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { error, .. } => Some(error.code),
            ClientError::Entry { refusal, .. } => Some(refusal.error.code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } | ClientError::Entry { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
    token: Option<SessionToken>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

impl ApiClient {
    /// A client of the service at `base` (e.g. `http://127.0.0.1:8443`).
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| transport_error(&e))?;
        Ok(Self::with_http(base, http))
    }

    /// A client for a registered terminal: presents the bundle's certificate
    /// and trusts only the service's CA.
    pub fn for_terminal(
        base: &str,
        bundle: &crate::api::terminal_bundle::TerminalBundle,
    ) -> Result<Self, ClientError> {
        Ok(Self::with_http(base, tls::http_client(bundle)?))
    }

    pub fn with_http(base: &str, http: reqwest::Client) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            http,
            token: None,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same client, sending `token` with every request.
    pub fn with_token(&self, token: SessionToken) -> Self {
        Self {
            token: Some(token),
            ..self.clone()
        }
    }

    pub fn token(&self) -> Option<&SessionToken> {
        self.token.as_ref()
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.call(Method::GET, "/health", None::<&()>).await
    }

    /// Chooses the business purpose of a session opened without one.
    pub async fn choose_purpose(&self, purpose: &str) -> Result<SessionInfo, ClientError> {
        self.call(
            Method::POST,
            "/session/purpose",
            Some(&ChoosePurposeRequest {
                purpose: purpose.to_string(),
            }),
        )
        .await
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ClientError> {
        self.call(Method::POST, "/login", Some(request)).await
    }

    /// Unlocks a locked terminal (PIN + code of the session's user). The
    /// answer carries a new token; the old one no longer works.
    pub async fn unlock(&self, request: &UnlockRequest) -> Result<LoginResponse, ClientError> {
        self.call(Method::POST, "/unlock", Some(request)).await
    }

    pub async fn logout(&self) -> Result<(), ClientError> {
        self.call_empty(Method::POST, "/logout").await
    }

    pub async fn session(&self) -> Result<SessionInfo, ClientError> {
        self.call(Method::GET, "/session", None::<&()>).await
    }

    pub async fn search(&self, query: &str) -> Result<SearchResponse, ClientError> {
        let request = SearchRequest {
            query: query.to_string(),
        };
        self.call(Method::POST, "/residents/search", Some(&request))
            .await
    }

    pub async fn resident(&self, person_number: &str) -> Result<ResidentRecord, ClientError> {
        let path = format!("/residents/{}", path_segment(person_number));
        self.call(Method::GET, &path, None::<&()>).await
    }

    pub async fn reveal(
        &self,
        person_number: &str,
        reason: &str,
    ) -> Result<RevealResponse, ClientError> {
        let path = format!("/residents/{}/reveal", path_segment(person_number));
        let request = RevealRequest {
            reason: reason.to_string(),
        };
        self.call(Method::POST, &path, Some(&request)).await
    }

    pub async fn audit(&self, limit: usize) -> Result<AuditList, ClientError> {
        self.call(Method::GET, &format!("/audit?limit={limit}"), None::<&()>)
            .await
    }

    pub async fn staff(&self) -> Result<StaffList, ClientError> {
        self.call(Method::GET, "/admin/staff", None::<&()>).await
    }

    /// New credentials for `user_id`, answered once.
    pub async fn reset_credentials(
        &self,
        user_id: &str,
        reason: crate::api::staff::ResetReason,
    ) -> Result<crate::api::staff::IssuedCredentials, ClientError> {
        let path = format!("/admin/staff/{}/credentials", path_segment(user_id));
        let body = crate::api::staff::ResetCredentials { reason };
        self.call(Method::POST, &path, Some(&body)).await
    }

    pub async fn disable_staff(&self, user_id: &str) -> Result<(), ClientError> {
        let path = format!("/admin/staff/{}/disable", path_segment(user_id));
        self.call_empty(Method::POST, &path).await
    }

    /// The caller's own PIN change; answers the session as it is now.
    pub async fn change_pin(
        &self,
        change: &crate::api::staff::PinChange,
    ) -> Result<SessionInfo, ClientError> {
        self.call(Method::POST, "/session/pin", Some(change)).await
    }

    /// A request with any method, path and raw body: for tests of what the
    /// service does with malformed input. Returns the status and body text.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<(u16, String, reqwest::header::HeaderMap), ClientError> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(|e| transport_error(&e))?;
        Ok((status, text, headers))
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{}{}", self.base, PREFIX, path);
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        request
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        if status.is_success() {
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
        } else {
            Err(api_error(status, &bytes))
        }
    }

    async fn call_empty(&self, method: Method, path: &str) -> Result<(), ClientError> {
        let response = self
            .request(method, path)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        Err(api_error(status, &bytes))
    }
}

fn api_error(status: StatusCode, bytes: &[u8]) -> ClientError {
    if let Ok(refusal) = serde_json::from_slice::<crate::api::entry::EntryRefusal>(bytes) {
        return ClientError::Entry {
            status: status.as_u16(),
            refusal,
        };
    }
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ClientError::Api {
            status: status.as_u16(),
            error: body.error,
        },
        Err(_) => ClientError::Decode(format!("status {status} without an error body")),
    }
}

fn transport_error(error: &reqwest::Error) -> ClientError {
    match tls::TlsProblem::of(error) {
        Some(problem) => ClientError::Tls(problem),
        None => ClientError::Transport(transport_text(error)),
    }
}

/// The error chain of a transport failure in one line (no URL query: the
/// service takes nothing sensitive in URLs, but keep the text short).
fn transport_text(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// Person numbers are digits; anything else is percent-encoded so a path
/// cannot be smuggled into the URL.
fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

//! The event loop and the effects: keys, pastes and resizes from crossterm,
//! results from HTTP tasks over a channel, a one-second tick, and a tick per
//! spinner frame while the screen waits for the service. Draws only when
//! something changed. Requests run in tasks, so keys keep working while an
//! answer is awaited.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use ratatui::layout::Size;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::client::ApiClient;

use super::TuiConfig;
use super::action::{Action, Failure, FailureText, Wheel};
use super::app::{App, Status};
use super::keymap::Keymap;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::ui::render;
use super::update::{Effect, update};

/// How long quitting waits for the service to end the session.
const LOGOUT_WAIT: Duration = Duration::from_secs(3);

/// Carries out effects. Holds the clients: the base one (no token) and the
/// session's, which is dropped at logout.
pub struct Runtime {
    base: ApiClient,
    session: Option<ApiClient>,
    tx: UnboundedSender<Action>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

impl Runtime {
    pub fn new(base: ApiClient, tx: UnboundedSender<Action>) -> Runtime {
        Runtime {
            base,
            session: None,
            tx,
        }
    }

    fn spawn<F>(&self, work: F)
    where
        F: std::future::Future<Output = Action> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let action = work.await;
            let _ = tx.send(action);
        });
    }

    pub async fn apply(&mut self, effect: Effect, guard: Option<&mut TerminalGuard>) -> Flow {
        match effect {
            Effect::Login(request) => {
                let client = self.base.clone();
                self.spawn(async move {
                    Action::LoggedIn(
                        client
                            .login(&request)
                            .await
                            .map(Box::new)
                            .map_err(Failure::from),
                    )
                });
            }
            Effect::ChoosePurpose(code) => match self.session.clone() {
                Some(client) => self.spawn(async move {
                    Action::PurposeChosen(client.choose_purpose(&code).await.map_err(Failure::from))
                }),
                None => {
                    let _ = self.tx.send(Action::PurposeChosen(Err(Failure {
                        code: Some(crate::api::ErrorCode::Unauthenticated),
                        status: None,
                        message: FailureText::Local("login.session_ended"),
                    })));
                }
            },
            Effect::ChangePin(change) => match self.session.clone() {
                Some(client) => self.spawn(async move {
                    Action::PinChanged(client.change_pin(&change).await.map_err(Failure::from))
                }),
                None => {
                    let _ = self.tx.send(Action::PinChanged(Err(Failure {
                        code: Some(crate::api::ErrorCode::Unauthenticated),
                        status: None,
                        message: FailureText::Local("login.session_ended"),
                    })));
                }
            },
            Effect::Unlock(request) => match self.session.clone() {
                Some(client) => self.spawn(async move {
                    Action::Unlocked(
                        client
                            .unlock(&request)
                            .await
                            .map(Box::new)
                            .map_err(Failure::from),
                    )
                }),
                None => {
                    // No token to unlock with: the session is gone.
                    let _ = self.tx.send(Action::Unlocked(Err(Failure {
                        code: Some(crate::api::ErrorCode::Unauthenticated),
                        status: None,
                        message: FailureText::Local("login.session_ended"),
                    })));
                }
            },
            // The old client (and its token, wiped on drop) is replaced: after
            // an unlock the service has already ended the old token.
            Effect::StartSession(token) => self.session = Some(self.base.with_token(token)),
            Effect::DiscardSession(token) => {
                let client = self.base.with_token(token);
                tokio::spawn(async move {
                    let _ = client.logout().await;
                });
            }
            Effect::Search { seq, query } => {
                if let Some(client) = self.session.clone() {
                    self.spawn(async move {
                        let result = client.search(&query).await.map_err(Failure::from);
                        Action::Searched { seq, result }
                    });
                }
            }
            Effect::OpenRecord(person) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(async move {
                        let result = client
                            .resident(&person)
                            .await
                            .map(Box::new)
                            .map_err(Failure::from);
                        Action::RecordLoaded { person, result }
                    });
                }
            }
            Effect::Reveal(person) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(async move {
                        let result = client
                            .reveal(&person, "counter")
                            .await
                            .map(|r| r.my_number)
                            .map_err(Failure::from);
                        Action::Revealed { person, result }
                    });
                }
            }
            Effect::Entry(call) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(call.run(client));
                }
            }
            Effect::Review(call) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(call.run(client));
                }
            }
            Effect::Records(call) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(call.run(client));
                }
            }
            Effect::Transfers(call) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(call.run(client));
                }
            }
            Effect::Grants(call) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(call.run(client));
                }
            }
            Effect::Audit(call) => {
                if let Some(client) = self.session.clone() {
                    self.spawn(call.run(client));
                }
            }
            Effect::Logout => {
                if let Some(client) = self.session.take() {
                    tokio::spawn(async move {
                        let _ = client.logout().await;
                    });
                }
            }
            Effect::Probe => {
                let client = self.base.clone();
                self.spawn(async move {
                    Action::Probed(client.health().await.map(|_| ()).map_err(Failure::from))
                });
            }
            Effect::EndSession => self.session = None,
            Effect::ClearTerminal => {
                if let Some(guard) = guard {
                    let _ = guard.clear();
                }
            }
            Effect::Quit => {
                if let Some(client) = self.session.take() {
                    let _ = tokio::time::timeout(LOGOUT_WAIT, client.logout()).await;
                }
                return Flow::Quit;
            }
        }
        Flow::Continue
    }
}

/// Runs the workstation until the user quits.
pub async fn run(config: TuiConfig) -> anyhow::Result<()> {
    let (keymap, keymap_error) = Keymap::load(config.keymap_file.as_deref());
    let (theme, theme_error) = Theme::load(&config.theme);
    let mut app = App::new(config.lang, keymap, theme, config.demo);
    app.idle_lock = config.idle_lock;
    app.last_input = Instant::now();
    if let Some(error) = &theme_error {
        app.status = Some(Status::config("error.theme", error));
    }
    if let Some(error) = &keymap_error {
        app.status = Some(Status::config("error.keymap", error));
    }
    let (tx, mut rx) = unbounded_channel();
    let mut runtime = Runtime::new(config.client, tx);
    let mut guard = TerminalGuard::enter()?;
    app.size = guard.terminal.size()?;

    let mut events = EventStream::new();
    // A closed terminal (hangup) or a polite kill ends the session and
    // restores the terminal like Ctrl-Q, so nothing is left behind.
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    'main: loop {
        if app.needs_render {
            guard.terminal.draw(|frame| render(&app, frame))?;
            app.needs_render = false;
        }
        // While the screen waits, wake for the spinner's next frame.
        let frame = app.wait.next_wake(Instant::now());
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                    Action::Key(key, Instant::now())
                }
                Some(Ok(Event::Paste(text))) => Action::Paste(text, Instant::now()),
                Some(Ok(Event::Resize(width, height))) => Action::Resize(Size::new(width, height)),
                Some(Ok(Event::Mouse(mouse))) => match mouse.kind {
                    MouseEventKind::ScrollDown => Action::Wheel(Wheel::Down, Instant::now()),
                    MouseEventKind::ScrollUp => Action::Wheel(Wheel::Up, Instant::now()),
                    _ => continue,
                },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(action) = rx.recv() => action,
            _ = tick.tick() => Action::Tick(Instant::now()),
            _ = tokio::time::sleep_until(frame.unwrap_or_else(Instant::now).into()),
                if frame.is_some() => Action::Tick(Instant::now()),
            _ = hangup.recv() => break 'main,
            _ = terminate.recv() => break 'main,
        };
        for effect in update(&mut app, action) {
            if runtime.apply(effect, Some(&mut guard)).await == Flow::Quit {
                break 'main;
            }
        }
    }
    if runtime.session.is_some() {
        runtime.apply(Effect::Quit, Some(&mut guard)).await;
    }
    drop(guard);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use tokio::sync::mpsc::unbounded_channel;

    use super::*;
    use crate::api::{
        Department, LoginResponse, Purpose, Role, SessionInfo, StaffInfo, UnlockRequest,
    };
    use crate::secret::{Pin, SessionToken, TotpCode};

    fn session_info() -> SessionInfo {
        SessionInfo {
            staff: StaffInfo {
                user_id: "kazei01".into(),
                display_name: "山田 花子".into(),
                role: Role::Clerk,
                department: Department::Assessment,
            },
            purpose: Some(Purpose {
                code: "assessment".into(),
                name_ja: "住民税賦課".into(),
                name_en: "Resident tax assessment".into(),
            }),
            purposes: vec![],
            terminal: "term-01".into(),
            idle_timeout_secs: 900,
            expires_at: "2030-01-01T09:00:00Z".into(),
            permissions: vec![],
            pin_change_required: false,
        }
    }

    /// A one-request HTTP server: answers `body` with 200 and hands back the
    /// request it got.
    fn serve_once(body: String) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = stream.read(&mut chunk).unwrap();
                request.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8(request).unwrap()
        });
        (base, handle)
    }

    #[tokio::test]
    async fn unlock_uses_the_old_token_and_the_new_one_replaces_it() {
        let answer = serde_json::to_string(&LoginResponse {
            token: SessionToken::new("tok-new"),
            session: session_info(),
        })
        .unwrap();
        let (base, server) = serve_once(answer);
        let (tx, mut rx) = unbounded_channel();
        let mut runtime = Runtime::new(ApiClient::new(&base).unwrap(), tx);
        runtime
            .apply(Effect::StartSession(SessionToken::new("tok-old")), None)
            .await;
        let request = UnlockRequest {
            pin: Pin::new("correct-pin-1"),
            totp: TotpCode::new("654321"),
        };
        runtime.apply(Effect::Unlock(Box::new(request)), None).await;
        let Some(Action::Unlocked(Ok(response))) = rx.recv().await else {
            panic!("no unlock answer");
        };
        let sent = server.join().unwrap();
        assert!(sent.starts_with("POST /api/v1/unlock "), "{sent}");
        assert!(
            sent.to_ascii_lowercase()
                .contains("authorization: bearer tok-old"),
            "{sent}"
        );
        assert!(sent.contains("\"pin\":\"correct-pin-1\""), "{sent}");
        assert!(sent.contains("\"totp\":\"654321\""), "{sent}");

        runtime
            .apply(Effect::StartSession(response.token.clone()), None)
            .await;
        let token = runtime.session.as_ref().and_then(|c| c.token());
        assert_eq!(token.map(|t| t.expose()), Some("tok-new"));
        assert!(format!("{:?}", runtime.session).contains("redacted"));
    }

    #[tokio::test]
    async fn a_rejection_posts_the_reason_to_the_transfer_and_its_answer_comes_back() {
        use crate::api::transfer::TransferView;
        use crate::tui::action::TransfersAnswer;
        use crate::tui::effect::TransfersCall;
        let view = TransferView {
            id: "t-1".into(),
            state: "rejected".into(),
            prepared_by: "kazei01".into(),
            prepared_at: "2026-11-30T09:00:00Z".into(),
            request: crate::domain::transfer::machine::Request {
                destination: "print".into(),
                format: "tax_certificate@1".into(),
                purpose: "p".into(),
                legal_basis: "b".into(),
                persons: vec!["1000000001".into()],
                note: String::new(),
            },
            approved_by: None,
            approved_at: None,
            signed_off_by: None,
            signed_off_at: None,
            hash: None,
            fingerprint: None,
            receipt: None,
            delivered_at: None,
            failure: None,
            rejected_by: Some("kazei09".into()),
            rejected_reason: Some("目的が不明確".into()),
            rejected_at_step: Some("prepared".into()),
        };
        let (base, server) = serve_once(serde_json::to_string(&view).unwrap());
        let (tx, mut rx) = unbounded_channel();
        let mut runtime = Runtime::new(ApiClient::new(&base).unwrap(), tx);
        runtime
            .apply(Effect::StartSession(SessionToken::new("tok")), None)
            .await;
        let call = TransfersCall::Reject {
            id: "t-1".into(),
            reason: "目的が不明確".into(),
        };
        runtime.apply(Effect::Transfers(call), None).await;
        let Some(Action::Transfers(answer)) = rx.recv().await else {
            panic!("no answer");
        };
        let TransfersAnswer::Decided { id, result } = *answer else {
            panic!("not a decision");
        };
        assert_eq!(id, "t-1");
        assert_eq!(result.unwrap(), view);
        let sent = server.join().unwrap();
        assert!(
            sent.starts_with("POST /api/v1/transfers/t-1/reject "),
            "{sent}"
        );
        assert!(sent.contains("{\"reason\":\"目的が不明確\"}"), "{sent}");
    }

    #[tokio::test]
    async fn unlock_without_a_session_reports_the_session_ended() {
        let (tx, mut rx) = unbounded_channel();
        let mut runtime = Runtime::new(ApiClient::new("http://127.0.0.1:9").unwrap(), tx);
        let request = UnlockRequest {
            pin: Pin::new("p"),
            totp: TotpCode::new("1"),
        };
        runtime.apply(Effect::Unlock(Box::new(request)), None).await;
        let Some(Action::Unlocked(Err(failure))) = rx.recv().await else {
            panic!("no answer");
        };
        assert!(failure.is_unauthenticated());
    }
}

//! The event loop and the effects: keys, pastes and resizes from crossterm,
//! results from HTTP tasks over a channel, a one-second tick. Draws only
//! when something changed.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::client::ApiClient;

use super::TuiConfig;
use super::action::{Action, Failure, FailureText};
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
            Effect::LoadPurposes => {
                let client = self.base.clone();
                self.spawn(async move {
                    Action::PurposesLoaded(
                        client
                            .purposes()
                            .await
                            .map(|list| list.purposes)
                            .map_err(Failure::from),
                    )
                });
            }
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
            Effect::Logout => {
                if let Some(client) = self.session.take() {
                    tokio::spawn(async move {
                        let _ = client.logout().await;
                    });
                }
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
    runtime.apply(Effect::LoadPurposes, Some(&mut guard)).await;

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    'main: loop {
        if app.needs_render {
            guard.terminal.draw(|frame| render(&app, frame))?;
            app.needs_render = false;
        }
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                    Action::Key(key, Instant::now())
                }
                Some(Ok(Event::Paste(text))) => Action::Paste(text, Instant::now()),
                Some(Ok(Event::Resize(_, _))) => Action::Resize,
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(action) = rx.recv() => action,
            _ = tick.tick() => Action::Tick(Instant::now()),
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

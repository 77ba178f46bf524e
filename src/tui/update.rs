//! `update(&mut App, Action) -> Vec<Effect>`: every change of state happens
//! here, synchronously; whatever needs the network or the terminal comes out
//! as an [`Effect`] for the runtime to carry out.

use std::time::Instant;

use crossterm::event::KeyCode;

use crate::api::{LoginRequest, UnlockRequest};
use crate::secret::{Pin, SessionToken, TotpCode};

use super::action::{Action, Command, Failure};
use super::app::{
    App, Level, LockField, LoginField, Popup, PurposeChoice, RecordState, Screen, SearchFocus,
    Status, purpose_choices,
};
use super::keymap::{Key, Layer};
use super::widgets::input::TextInput;

/// Rows moved by page up / page down.
const PAGE: usize = 10;

/// Work for the runtime.
#[derive(Debug)]
pub enum Effect {
    Login(Box<LoginRequest>),
    /// Choose the business purpose of the session that has none yet.
    ChoosePurpose(String),
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
    /// Tell the service the session ends, then forget the token.
    Logout,
    /// Forget the token (the service already ended the session).
    EndSession,
    /// Clear the terminal, so nothing of the last screen survives.
    ClearTerminal,
    /// Log out if needed, restore the terminal and leave.
    Quit,
}

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick(now) => {
            observe(app, now);
            if app.idle_expired(now) {
                return lock(app);
            }
            if let Some(demo) = &app.demo {
                app.demo_accounts = (demo.accounts)();
                app.needs_render = app.screen == Screen::Login;
            }
            vec![]
        }
        Action::Resize => {
            app.needs_render = true;
            vec![]
        }
        Action::Key(event, at) => {
            app.needs_render = true;
            if let Some(effects) = input(app, at) {
                return effects;
            }
            route_key(app, Key::from_event(&event))
        }
        Action::Paste(text, at) => {
            app.needs_render = true;
            if let Some(effects) = input(app, at) {
                return effects;
            }
            paste(app, &text);
            vec![]
        }
        Action::Unlocked(result) => unlocked(app, result),
        Action::Run(command) => {
            app.needs_render = true;
            run(app, command)
        }
        Action::PurposeChosen(result) => {
            if !app.purpose.busy || app.screen != Screen::Purpose {
                return vec![];
            }
            app.needs_render = true;
            app.purpose.busy = false;
            match result {
                Ok(session) => {
                    app.session = Some(session);
                    app.purpose = PurposeChoice::default();
                    app.screen = app.start_screen();
                    app.search = Default::default();
                    app.status = None;
                    vec![]
                }
                Err(failure) => failed(app, &failure),
            }
        }
        Action::LoggedIn(result) => {
            if !app.login.busy || app.screen != Screen::Login {
                return vec![];
            }
            app.needs_render = true;
            app.login.busy = false;
            match result {
                Ok(response) => {
                    let response = *response;
                    app.login = Default::default();
                    app.screen = Screen::home(&response.session);
                    app.session = Some(response.session);
                    app.purpose = PurposeChoice::default();
                    app.search = Default::default();
                    app.status = None;
                    vec![Effect::StartSession(response.token)]
                }
                Err(failure) => {
                    app.login.pin.clear();
                    app.login.code.clear();
                    app.login.focus = LoginField::Pin;
                    app.status = Some(Status::failure(&failure));
                    vec![]
                }
            }
        }
        Action::Searched { seq, result } => {
            if app.search.pending != Some(seq) || app.session.is_none() {
                return vec![]; // an older search, or from before a logout
            }
            app.needs_render = true;
            app.search.pending = None;
            match result {
                Ok(response) => {
                    let search = &mut app.search;
                    search.results = response.results;
                    search.truncated = response.truncated;
                    search.limit = response.limit;
                    search.selected = 0;
                    search.searched = true;
                    if !search.results.is_empty() {
                        search.focus = SearchFocus::Results;
                    }
                    // A truncated result says so beside the count.
                    app.status = if search.results.is_empty() {
                        Some(Status::local(Level::Info, "search.no_results"))
                    } else {
                        None
                    };
                    vec![]
                }
                Err(failure) => failed(app, &failure),
            }
        }
        Action::RecordLoaded { person, result } => {
            if app.opening.as_deref() != Some(person.as_str()) || app.session.is_none() {
                return vec![];
            }
            app.needs_render = true;
            app.opening = None;
            match result {
                Ok(record) => {
                    app.record = Some(RecordState {
                        record: *record,
                        revealed: None,
                        revealing: false,
                    });
                    app.screen = Screen::Record;
                    app.status = None;
                    vec![]
                }
                Err(failure) => failed(app, &failure),
            }
        }
        Action::Revealed { person, result } => {
            let Some(state) = app.record.as_mut() else {
                return vec![];
            };
            if state.record.person_number != person || !state.revealing {
                return vec![];
            }
            app.needs_render = true;
            state.revealing = false;
            match result {
                Ok(number) => {
                    state.revealed = Some(number);
                    app.status = Some(Status::local(Level::Info, "record.revealed_note"));
                    vec![]
                }
                Err(failure) => failed(app, &failure),
            }
        }
    }
}

/// Moves the app's clock forward (never back).
fn observe(app: &mut App, now: Instant) {
    if now > app.now {
        app.now = now;
    }
}

/// A key or paste at `at`. If the session had already been idle for the
/// lock time, the terminal locks and the input is swallowed (it was meant
/// for a screen that is no longer there): returns the lock's effects.
fn input(app: &mut App, at: Instant) -> Option<Vec<Effect>> {
    observe(app, at);
    let expired = app.idle_expired(at);
    app.last_input = at;
    expired.then(|| lock(app))
}

/// Idle lock: records dropped, the terminal cleared.
fn lock(app: &mut App) -> Vec<Effect> {
    if !app.lock_session() {
        return vec![];
    }
    vec![Effect::ClearTerminal]
}

/// The service's answer to an unlock.
fn unlocked(app: &mut App, result: Result<Box<crate::api::LoginResponse>, Failure>) -> Vec<Effect> {
    let waiting = app.screen == Screen::Locked && app.lock.as_ref().is_some_and(|l| l.busy);
    if !waiting {
        // The user left the lock screen meanwhile: a new token would keep
        // a session alive that nobody sees.
        return match result {
            Ok(response) => vec![Effect::DiscardSession(response.token)],
            Err(_) => vec![],
        };
    }
    app.needs_render = true;
    match result {
        Ok(response) => {
            let response = *response;
            app.lock = None;
            app.screen = Screen::home(&response.session);
            app.session = Some(response.session);
            app.search = Default::default();
            app.last_input = app.now;
            app.status = None;
            vec![Effect::StartSession(response.token)]
        }
        Err(failure) if failure.is_unauthenticated() => failed(app, &failure),
        Err(failure) => {
            if let Some(lock) = app.lock.as_mut() {
                lock.busy = false;
                lock.pin.clear();
                lock.code.clear();
                lock.focus = LockField::Pin;
            }
            app.status = Some(Status::failure(&failure));
            vec![]
        }
    }
}

/// A request failed: a 401 ends the session; anything else is shown.
fn failed(app: &mut App, failure: &Failure) -> Vec<Effect> {
    if failure.is_unauthenticated() {
        app.reset_session();
        app.status = Some(Status::local(Level::Warning, "login.session_ended"));
        return vec![Effect::EndSession, Effect::ClearTerminal];
    }
    app.status = Some(Status::failure(failure));
    vec![]
}

/// The text field that has focus, if any.
fn focused_input(app: &mut App) -> Option<&mut TextInput> {
    if app.popup.is_some() || app.help {
        return None;
    }
    match app.screen {
        Screen::Login if !app.login.busy => Some(app.login.focused_input()),
        Screen::Search if app.search.focus == SearchFocus::Input => Some(&mut app.search.input),
        Screen::Locked => match app.lock.as_mut() {
            Some(lock) if !lock.busy => Some(lock.focused_input()),
            _ => None,
        },
        _ => None,
    }
}

/// Focused text field first, then the screen's layer, then global keys.
fn route_key(app: &mut App, key: Key) -> Vec<Effect> {
    if app.popup.is_some() {
        return match app.keymap.lookup(Layer::Confirm, key) {
            Some(command) => run(app, command),
            None => match app.keymap.lookup(Layer::Global, key) {
                Some(Command::Quit) => run(app, Command::Quit),
                _ => vec![],
            },
        };
    }
    if app.help {
        return match app.keymap.lookup(Layer::Help, key) {
            Some(command) => run(app, command),
            None => match app.keymap.lookup(Layer::Global, key) {
                Some(command @ (Command::Quit | Command::Help)) => run(app, command),
                _ => vec![],
            },
        };
    }
    if let Some(input) = focused_input(app)
        && edit(input, key)
    {
        return vec![];
    }
    let layer = screen_layer(app.screen);
    if let Some(command) = app.keymap.lookup(layer, key) {
        return run(app, command);
    }
    if let Some(command) = app.keymap.lookup(Layer::Global, key) {
        if app.screen == Screen::Locked && !locked_global(command) {
            return vec![];
        }
        return run(app, command);
    }
    // Typing in the results list goes back to the search box.
    if app.screen == Screen::Search && key.is_bare_char() {
        app.search.focus = SearchFocus::Input;
        edit(&mut app.search.input, key);
    }
    vec![]
}

/// The keymap layer of a screen.
pub fn screen_layer(screen: Screen) -> Layer {
    match screen {
        Screen::Login | Screen::Purpose => Layer::Login,
        Screen::Search => Layer::Search,
        Screen::Record => Layer::Record,
        Screen::Locked => Layer::Lock,
        Screen::NoSearch => Layer::Global,
    }
}

/// The global commands that work on the lock screen (the others act on a
/// session, which a locked terminal does not have).
pub fn locked_global(command: Command) -> bool {
    matches!(command, Command::Quit | Command::Help | Command::Noop)
}

/// Text editing keys of a focused field. Returns whether the key was used.
fn edit(input: &mut TextInput, key: Key) -> bool {
    if key.is_bare_char() {
        if let KeyCode::Char(c) = key.code {
            input.insert(c);
        }
        return true;
    }
    if !key.mods.is_empty() {
        return false;
    }
    match key.code {
        KeyCode::Backspace => input.backspace(),
        KeyCode::Delete => input.delete(),
        KeyCode::Left => input.left(),
        KeyCode::Right => input.right(),
        KeyCode::Home => input.home(),
        KeyCode::End => input.end(),
        _ => return false,
    }
    true
}

/// Pasted text goes into the focused field as data; with a popup or the
/// help open it goes nowhere (a paste can never confirm anything).
fn paste(app: &mut App, text: &str) {
    if app.popup.is_some() || app.help {
        return;
    }
    if app.screen == Screen::Search {
        app.search.focus = SearchFocus::Input;
    }
    if let Some(input) = focused_input(app) {
        input.insert_str(text);
    }
}

fn run(app: &mut App, command: Command) -> Vec<Effect> {
    match command {
        Command::Noop => vec![],
        Command::Quit => {
            app.should_quit = true;
            app.reset_session();
            vec![Effect::Quit]
        }
        Command::Help => {
            if app.popup.is_none() {
                app.help = !app.help;
            }
            vec![]
        }
        Command::Logout => {
            if app.session.is_some() && app.popup.is_none() {
                app.help = false;
                app.popup = Some(Popup::ConfirmLogout);
            }
            vec![]
        }
        Command::Cancel => {
            app.popup = None;
            vec![]
        }
        Command::SwitchUser => {
            // Another user at a locked terminal: the locked session ends at
            // the service, and everything of it is dropped.
            if app.screen != Screen::Locked {
                return vec![];
            }
            app.reset_session();
            app.status = Some(Status::local(Level::Info, "lock.switched"));
            vec![Effect::Logout, Effect::ClearTerminal]
        }
        Command::Confirm => match app.popup.take() {
            Some(Popup::ConfirmLogout) => {
                app.reset_session();
                app.status = Some(Status::local(Level::Info, "login.logged_out"));
                vec![Effect::Logout, Effect::ClearTerminal]
            }
            Some(Popup::ConfirmReveal) => match app.record.as_mut() {
                Some(state) if state.record.can_reveal && state.revealed.is_none() => {
                    state.revealing = true;
                    app.status = Some(Status::local(Level::Info, "record.revealing"));
                    vec![Effect::Reveal(state.record.person_number.clone())]
                }
                _ => vec![],
            },
            None => vec![],
        },
        Command::Back => {
            if app.help {
                app.help = false;
                return vec![];
            }
            if app.popup.is_some() {
                app.popup = None;
                return vec![];
            }
            match app.screen {
                Screen::Record => leave_record(app, SearchFocus::Results),
                Screen::Search => app.search.focus = SearchFocus::Input,
                Screen::Login | Screen::Purpose | Screen::Locked | Screen::NoSearch => {}
            }
            vec![]
        }
        Command::FocusSearch => {
            match app.screen {
                Screen::Record => leave_record(app, SearchFocus::Input),
                Screen::Search => app.search.focus = SearchFocus::Input,
                Screen::Login | Screen::Purpose | Screen::Locked | Screen::NoSearch => {}
            }
            vec![]
        }
        Command::NextField | Command::PrevField => {
            match app.screen {
                Screen::Login => move_login_focus(app, command == Command::NextField),
                Screen::Purpose => {}
                Screen::Search => {
                    app.search.focus = match app.search.focus {
                        SearchFocus::Input if !app.search.results.is_empty() => {
                            SearchFocus::Results
                        }
                        _ => SearchFocus::Input,
                    }
                }
                Screen::Locked => {
                    if let Some(lock) = app.lock.as_mut() {
                        lock.focus = match lock.focus {
                            LockField::Pin => LockField::Code,
                            LockField::Code => LockField::Pin,
                        };
                    }
                }
                Screen::Record | Screen::NoSearch => {}
            }
            vec![]
        }
        Command::Submit => submit(app),
        Command::SelectNext
        | Command::SelectPrev
        | Command::PageDown
        | Command::PageUp
        | Command::First
        | Command::Last => {
            select(app, command);
            vec![]
        }
        Command::Reveal => {
            if app.screen != Screen::Record {
                return vec![];
            }
            match &app.record {
                Some(state)
                    if state.record.can_reveal && state.revealed.is_none() && !state.revealing =>
                {
                    app.popup = Some(Popup::ConfirmReveal);
                }
                Some(state) if state.record.can_reveal => {}
                Some(_) => {
                    app.status = Some(Status::local(Level::Warning, "record.reveal_not_permitted"))
                }
                None => {}
            }
            vec![]
        }
    }
}

/// Leaves the record screen; the record and any revealed number are dropped.
fn leave_record(app: &mut App, focus: SearchFocus) {
    app.record = None;
    app.screen = Screen::Search;
    app.search.focus = if app.search.results.is_empty() {
        SearchFocus::Input
    } else {
        focus
    };
    app.status = None;
}

fn move_login_focus(app: &mut App, forward: bool) {
    let order = LoginField::ORDER;
    let at = order
        .iter()
        .position(|f| *f == app.login.focus)
        .unwrap_or(0);
    let next = if forward {
        (at + 1) % order.len()
    } else {
        (at + order.len() - 1) % order.len()
    };
    app.login.focus = order[next];
}

fn submit(app: &mut App) -> Vec<Effect> {
    match app.screen {
        Screen::Login => {
            if app.login.busy {
                return vec![];
            }
            if app.login.focus != LoginField::Code {
                move_login_focus(app, true);
                return vec![];
            }
            login(app)
        }
        Screen::Purpose => choose_purpose(app),
        Screen::Search => match app.search.focus {
            SearchFocus::Input => {
                let query = app.search.input.text().trim().to_string();
                if query.is_empty() {
                    return vec![];
                }
                let seq = app.next_seq;
                app.next_seq += 1;
                app.search.pending = Some(seq);
                app.status = Some(Status::local(Level::Info, "search.in_progress"));
                vec![Effect::Search { seq, query }]
            }
            SearchFocus::Results => {
                let Some(row) = app.search.results.get(app.search.selected) else {
                    return vec![];
                };
                let person = row.person_number.clone();
                app.opening = Some(person.clone());
                app.status = Some(Status::local(Level::Info, "search.opening"));
                vec![Effect::OpenRecord(person)]
            }
        },
        Screen::Record | Screen::NoSearch => vec![],
        Screen::Locked => unlock(app),
    }
}

/// Enter on the lock screen: from the PIN to the code; from the code, the
/// unlock request (PIN and code wiped from the fields once sent).
fn unlock(app: &mut App) -> Vec<Effect> {
    let Some(lock) = app.lock.as_mut() else {
        return vec![];
    };
    if lock.busy {
        return vec![];
    }
    if lock.focus == LockField::Pin {
        lock.focus = LockField::Code;
        return vec![];
    }
    if lock.pin.is_empty() || lock.code.is_empty() {
        app.status = Some(Status::local(Level::Warning, "lock.missing_fields"));
        return vec![];
    }
    let request = UnlockRequest {
        pin: Pin::new(lock.pin.text()),
        totp: TotpCode::new(lock.code.text()),
    };
    lock.pin.clear();
    lock.code.clear();
    lock.focus = LockField::Pin;
    lock.busy = true;
    app.status = Some(Status::local(Level::Info, "lock.in_progress"));
    vec![Effect::Unlock(Box::new(request))]
}

/// Enter on the purpose screen: sends the chosen purpose; with none chosen
/// yet, says so.
fn choose_purpose(app: &mut App) -> Vec<Effect> {
    if app.purpose.busy {
        return vec![];
    }
    let chosen = app
        .purpose
        .selected
        .and_then(|i| purpose_choices(app).get(i))
        .map(|p| p.code.clone());
    let Some(code) = chosen else {
        app.status = Some(Status::local(Level::Warning, "purpose.none_chosen"));
        return vec![];
    };
    app.purpose.busy = true;
    app.status = Some(Status::local(Level::Info, "purpose.in_progress"));
    vec![Effect::ChoosePurpose(code)]
}

fn login(app: &mut App) -> Vec<Effect> {
    let login = &mut app.login;
    let user_id = login.user_id.text().trim().to_string();
    let (false, false, false) = (
        user_id.is_empty(),
        login.pin.is_empty(),
        login.code.is_empty(),
    ) else {
        app.status = Some(Status::local(Level::Warning, "login.missing_fields"));
        return vec![];
    };
    let request = LoginRequest {
        user_id,
        pin: Pin::new(login.pin.text()),
        totp: TotpCode::new(login.code.text()),
        purpose: None,
    };
    login.busy = true;
    app.status = Some(Status::local(Level::Info, "login.in_progress"));
    vec![Effect::Login(Box::new(request))]
}

fn select(app: &mut App, command: Command) {
    let (len, index) = match app.screen {
        Screen::Purpose if !app.purpose.busy => {
            let len = purpose_choices(app).len();
            if len == 0 {
                return;
            }
            // The first move picks the first (or last) purpose.
            let next = match (app.purpose.selected, command) {
                (None, Command::SelectPrev | Command::PageUp | Command::Last) => len - 1,
                (None, _) => 0,
                (Some(i), Command::SelectNext) => (i + 1).min(len - 1),
                (Some(i), Command::SelectPrev) => i.saturating_sub(1),
                (Some(i), Command::PageDown) => (i + PAGE).min(len - 1),
                (Some(i), Command::PageUp) => i.saturating_sub(PAGE),
                (Some(_), Command::First) => 0,
                (Some(_), Command::Last) => len - 1,
                (Some(i), _) => i,
            };
            app.purpose.selected = Some(next);
            app.status = None;
            return;
        }
        Screen::Search => {
            if app.search.focus == SearchFocus::Input && !app.search.results.is_empty() {
                // The first move only leaves the search box.
                app.search.focus = SearchFocus::Results;
                return;
            }
            (app.search.results.len(), &mut app.search.selected)
        }
        _ => return,
    };
    if len == 0 {
        return;
    }
    let last = len - 1;
    *index = match command {
        Command::SelectNext => (*index + 1).min(last),
        Command::SelectPrev => index.saturating_sub(1),
        Command::PageDown => (*index + PAGE).min(last),
        Command::PageUp => index.saturating_sub(PAGE),
        Command::First => 0,
        Command::Last => last,
        _ => *index,
    };
}

//! `update(&mut App, Action) -> Vec<Effect>`: routing only. A key goes to
//! what has the keys (the confirm popup, else the help, else the active
//! screen): first as a key (a focused text field), then as the command the
//! keymap gives it there; what that component does not take falls to the
//! global commands. A result goes to the screen that waits for it. What
//! components ask beyond their own state comes back as [`Request`]s, carried
//! out here; whatever needs the network or the terminal leaves as an
//! [`Effect`] for the runtime. Every result also tells whether the service
//! was reached ([`Service`](super::service::Service)), and after every
//! action the screen's wait is followed for the status line's spinner.

use std::time::Instant;

use super::action::{Action, Command, Failure, Reach};
use super::app::{App, Level, Screen, Status};
use super::component::{Outcome, Request, command_for};
use super::keymap::Key;
use super::popups::confirm::{ConfirmPopup, ConfirmedAction, PendingAction};
use super::screens::audit::{self, AuditScreen};
use super::screens::entry::{self, EntryScreen};
use super::screens::grants::GrantsScreen;
use super::screens::lock::unwanted_unlock;
use super::screens::pin_change::PinChangeScreen;
use super::screens::record::RecordScreen;
use super::screens::records::{self, RecordsScreen, list::ListKind};
use super::screens::review::{self, ReviewScreen};
use super::screens::search::SearchScreen;
use super::screens::tabs::{self, Tab};
use super::screens::transfers::{self, TransfersScreen};

pub use super::effect::Effect;

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action.reach() {
        Some(Reach::Answered) => service_answered(app),
        Some(Reach::Unreachable) => {
            app.service.lost(app.now);
            app.needs_render = true;
        }
        None => {}
    }
    let effects = dispatch(app, action);
    let waiting = app.screen_component().waiting();
    if app.wait.follow(waiting, app.now) {
        app.needs_render = true;
    }
    // A message the status line shows now joins the log.
    app.messages.observe(app.status.as_ref());
    effects
}

/// The service answered: if it had been unreachable, the clerk is told it
/// is back (and that nothing was sent again for them).
fn service_answered(app: &mut App) {
    if app.service.answered() {
        app.status = Some(Status::local(Level::Info, "service.back"));
        app.needs_render = true;
    }
}

fn dispatch(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick(now) => {
            observe(app, now);
            if app.idle_expired(now) {
                return lock(app);
            }
            if let Some(demo) = &app.demo {
                app.demo_accounts = (demo.accounts)();
                app.needs_render |= matches!(app.screen(), Screen::Login | Screen::Locked);
            }
            // The spinner turns and the time to the next try counts down.
            app.needs_render |= app.wait.is_waiting() || app.service.is_down();
            if app.service.probe_due(now) {
                return vec![Effect::Probe];
            }
            vec![]
        }
        Action::Probed(result) => {
            match result {
                Ok(()) => service_answered(app),
                Err(_) => app.service.probe_failed(app.now),
            }
            app.needs_render = true;
            vec![]
        }
        Action::Resize(size) => {
            app.size = size;
            app.needs_render = true;
            vec![]
        }
        Action::Wheel(wheel, at) => {
            app.needs_render = true;
            if let Some(effects) = input(app, at) {
                return effects;
            }
            route_command(app, wheel.command())
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
            // Data for the focused field; a popup or the help takes none (a
            // paste can never confirm anything).
            app.top_mut(|top, _| top.paste(&text));
            vec![]
        }
        Action::Run(command) => {
            app.needs_render = true;
            route_command(app, command)
        }
        Action::LoggedIn(result) => {
            let requests = app.login_mut().map(|s| s.logged_in(result));
            apply(app, requests.unwrap_or_default())
        }
        Action::PurposeChosen(result) => {
            let requests = app.purpose_mut().map(|s| s.chosen(result));
            apply(app, requests.unwrap_or_default())
        }
        Action::PinChanged(result) => {
            let requests = app.pin_change_mut().map(|s| s.changed(result));
            apply(app, requests.unwrap_or_default())
        }
        Action::Unlocked(result) => {
            let requests = match app.lock_mut() {
                Some(lock) => lock.unlocked(result),
                None => unwanted_unlock(result),
            };
            apply(app, requests)
        }
        // Answers for a session go nowhere once it is gone.
        Action::Searched { seq, result } if app.session.is_some() => {
            let requests = app.search.searched(seq, result);
            apply(app, requests)
        }
        Action::RecordLoaded { person, result } if app.session.is_some() => {
            let requests = app.search.record_loaded(&person, result);
            apply(app, requests)
        }
        Action::Searched { .. } | Action::RecordLoaded { .. } => vec![],
        Action::Revealed { person, result } => {
            let requests = app.record_mut().map(|s| s.revealed(&person, result));
            apply(app, requests.unwrap_or_default())
        }
        Action::Entry(answer) if app.session.is_some() => {
            let requests = match app.entry_mut() {
                Some(screen) => screen.answered(answer),
                None => entry::stray(answer),
            };
            apply(app, requests)
        }
        Action::Entry(_) => vec![],
        Action::Review(answer) if app.session.is_some() => {
            let requests = match app.review_mut() {
                Some(screen) => screen.answered(answer),
                None => review::stray(answer),
            };
            apply(app, requests)
        }
        Action::Review(_) => vec![],
        Action::Records(answer) if app.session.is_some() => {
            let requests = match app.records_mut() {
                Some(screen) => screen.answered(answer),
                None => records::stray(answer),
            };
            apply(app, requests)
        }
        Action::Records(_) => vec![],
        Action::Transfers(answer) if app.session.is_some() => {
            let requests = match app.transfers_mut() {
                Some(screen) => screen.answered(*answer),
                None => transfers::stray(*answer),
            };
            apply(app, requests)
        }
        Action::Transfers(_) => vec![],
        Action::Grants(answer) if app.session.is_some() => {
            let requests = match app.grants_mut() {
                Some(screen) => screen.answered(answer),
                None => answer
                    .into_failure()
                    .map(Request::Failed)
                    .into_iter()
                    .collect(),
            };
            apply(app, requests)
        }
        Action::Grants(_) => vec![],
        Action::Audit(answer) if app.session.is_some() => {
            let requests = match app.audit_mut() {
                Some(screen) => screen.answered(answer),
                None => audit::stray(answer),
            };
            apply(app, requests)
        }
        Action::Audit(_) => vec![],
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

/// Idle lock: a first keying's draft typed so far goes to the service
/// first (the field being typed included), then records are dropped and
/// the terminal cleared.
fn lock(app: &mut App) -> Vec<Effect> {
    let draft = match app.session {
        Some(_) => app.entry_mut().and_then(EntryScreen::draft_on_lock),
        None => None,
    };
    if !app.lock_session() {
        return vec![];
    }
    let mut effects: Vec<Effect> = draft.map(Effect::Entry).into_iter().collect();
    effects.push(Effect::ClearTerminal);
    effects
}

/// A key: as a key to what has the keys, then as the command it means there.
fn route_key(app: &mut App, key: Key) -> Vec<Effect> {
    if let Outcome::Consumed(requests) = app.top_mut(|top, ctx| top.handle_key(key, ctx)) {
        return apply(app, requests);
    }
    match app.top(|top| command_for(top, &app.keymap, key)) {
        Some(command) => route_command(app, command),
        None => vec![],
    }
}

/// A command: to what has the keys, else to the global commands.
fn route_command(app: &mut App, command: Command) -> Vec<Effect> {
    match app.top_mut(|top, ctx| top.run(command, ctx)) {
        Outcome::Consumed(requests) => apply(app, requests),
        Outcome::NotConsumed => global(app, command),
    }
}

/// The commands that act on every screen.
fn global(app: &mut App, command: Command) -> Vec<Effect> {
    match command {
        Command::Quit => {
            app.should_quit = true;
            app.reset_session();
            vec![Effect::Quit]
        }
        Command::Help => {
            if app.popup.is_none() {
                app.help = !app.help;
                app.help_scroll = 0;
            }
            vec![]
        }
        Command::MessageLog => {
            if app.popup.is_none() {
                app.log = match app.log {
                    Some(_) => None,
                    None => Some(Default::default()),
                };
            }
            vec![]
        }
        Command::Logout if app.session.is_some() => {
            apply(app, vec![Request::Confirm(PendingAction::Logout)])
        }
        Command::WorkList | Command::NewEntry
            if matches!(
                app.screen(),
                Screen::Search | Screen::Record | Screen::NoSearch
            ) =>
        {
            entry_command(app, command)
        }
        Command::History if app.screen() == Screen::Record => history_command(app),
        Command::ChangePin
            if matches!(
                app.screen(),
                Screen::Search | Screen::Record | Screen::NoSearch
            ) =>
        {
            app.show_pin_change(PinChangeScreen::new(false));
            app.status = None;
            vec![]
        }
        Command::TransferPick if app.screen() == Screen::Record => transfer_pick(app),
        // A screen's command where nothing takes it.
        _ => vec![],
    }
}

/// Carries out what components asked for, in order.
fn apply(app: &mut App, requests: Vec<Request>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for request in requests {
        if !matches!(request, Request::Effect(_)) {
            app.needs_render = true;
        }
        match request {
            Request::Effect(effect) => effects.push(effect),
            Request::Status(status) => app.status = status,
            Request::Confirm(pending) => {
                if app.popup.is_none() {
                    app.help = false;
                    app.popup = Some(ConfirmPopup::new(pending));
                }
            }
            Request::Confirmed(confirmed) => effects.extend(confirmed_action(app, confirmed)),
            Request::ClosePopup => app.popup = None,
            Request::CloseHelp => app.help = false,
            Request::CloseLog => app.log = None,
            Request::ScrollHelp(row) => app.help_scroll = row,
            Request::OpenSession(response) => {
                let response = *response;
                app.session = Some(response.session);
                start_home(app);
                effects.push(Effect::StartSession(response.token));
            }
            Request::SessionChanged(session) => {
                app.session = Some(session);
                start_home(app);
            }
            Request::RestartIdleClock => app.last_input = app.now,
            Request::ShowRecord(record) => {
                let mut screen = RecordScreen::new(*record);
                screen.can_history = may_see_history(app);
                screen.can_transfer = may_prepare_transfers(app);
                screen.picked = app.transfer_picks.contains(&screen.record.person_number);
                screen.picks = app.transfer_picks.len();
                app.show_record(screen);
            }
            Request::BackToSearch { results } => {
                app.show_search(results);
                app.status = None;
            }
            Request::SwitchUser => {
                // Another user at a locked terminal: the locked session ends
                // at the service, and everything of it is dropped.
                app.reset_session();
                app.status = Some(Status::local(Level::Info, "lock.switched"));
                effects.extend([Effect::Logout, Effect::ClearTerminal]);
            }
            Request::Failed(failure) => effects.extend(failed(app, &failure)),
            Request::OpenTab(tab) => effects.extend(open_tab(app, tab)),
            Request::CurrentBatch(batch) => app.current_batch = batch,
            Request::TransferPicks(picks) => app.transfer_picks = picks,
            Request::OpenAuditRows(filter) => {
                let (screen, requests) = AuditScreen::rows(filter, app.next_seq());
                app.show_audit(screen);
                effects.extend(apply(app, requests));
            }
        }
    }
    effects
}

/// A session (new, unlocked, or with its purpose chosen) starts on its home
/// screen with an empty search.
fn start_home(app: &mut App) {
    app.search = SearchScreen::new();
    app.show_home();
    app.status = None;
}

/// What the user said yes to in the confirm popup.
fn confirmed_action(app: &mut App, confirmed: ConfirmedAction) -> Vec<Effect> {
    match confirmed.into_action() {
        PendingAction::Logout => {
            app.reset_session();
            app.status = Some(Status::local(Level::Info, "login.logged_out"));
            vec![Effect::Logout, Effect::ClearTerminal]
        }
        PendingAction::Reveal { person } => {
            let requests = app.record_mut().map(|s| s.reveal_confirmed(&person));
            apply(app, requests.unwrap_or_default())
        }
        PendingAction::StartEntry { person, paper } => {
            let (screen, requests) = EntryScreen::start(person, paper, app.current_batch.clone());
            app.show_entry(screen);
            apply(app, requests)
        }
        action @ (PendingAction::Decide { .. }
        | PendingAction::LeaveEntry { .. }
        | PendingAction::ReleaseSecond { .. }
        | PendingAction::DiscardEntry { .. }
        | PendingAction::SettleIdentity { .. }) => {
            let requests = app.entry_mut().map(|s| s.confirmed(&action));
            apply(app, requests.unwrap_or_default())
        }
        action @ (PendingAction::OpenBatch { .. }
        | PendingAction::CloseBatch { .. }
        | PendingAction::ApproveRetention { .. }
        | PendingAction::ResetCredentials { .. }
        | PendingAction::DisableAccount { .. }
        | PendingAction::RevokeFindings { .. }) => {
            let requests = app.review_mut().map(|s| s.confirmed(&action));
            apply(app, requests.unwrap_or_default())
        }
        action @ (PendingAction::ProposeCorrection { .. }
        | PendingAction::LeaveCorrection { .. }
        | PendingAction::ApproveCorrection { .. }
        | PendingAction::RejectCorrection { .. }
        | PendingAction::MarkVerified { .. }
        | PendingAction::MarkNeedsCorrection { .. }) => {
            let requests = app.records_mut().map(|s| s.confirmed(&action));
            apply(app, requests.unwrap_or_default())
        }
        action @ (PendingAction::RequestGrant { .. }
        | PendingAction::ApplyGrant { .. }
        | PendingAction::RefuseGrant { .. }
        | PendingAction::RevokeGrant { .. }
        | PendingAction::ExtendGrants { .. }) => {
            let requests = app.grants_mut().map(|s| s.confirmed(&action));
            apply(app, requests.unwrap_or_default())
        }
        action @ PendingAction::SaveReport { .. } => {
            let requests = app.audit_mut().map(|s| s.confirmed(&action));
            apply(app, requests.unwrap_or_default())
        }
        action @ (PendingAction::PrepareTransfer { .. }
        | PendingAction::ApproveTransfer { .. }
        | PendingAction::RejectTransfer { .. }) => {
            let requests = app.transfers_mut().map(|s| s.confirmed(&action));
            apply(app, requests.unwrap_or_default())
        }
    }
}

/// From the search or a record: the work screen on the session's first
/// tab, or a new keying for the record's person (asks for the paper
/// first). The service decides again whether the session may.
fn entry_command(app: &mut App, command: Command) -> Vec<Effect> {
    let work = app
        .session
        .as_ref()
        .and_then(|s| entry::entry_work_of(&s.permissions));
    let requests = match (command, work) {
        (Command::WorkList, _) => match tabs::first_of(app.session.as_ref()) {
            Some(tab) => vec![Request::OpenTab(tab)],
            None => vec![entry::list::ListScreen::not_permitted()],
        },
        (Command::NewEntry, Some(false)) => match app.record() {
            Some(record) => vec![Request::Confirm(PendingAction::StartEntry {
                person: record.record.person_number.clone(),
                paper: String::new(),
            })],
            None => vec![],
        },
        _ => vec![entry::list::ListScreen::not_permitted()],
    };
    apply(app, requests)
}

/// Shows a tab of the work screen, its list on the way.
fn open_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    if let Some((screen, requests)) = ReviewScreen::open(tab, app.current_batch.clone()) {
        app.show_review(screen);
        return apply(app, requests);
    }
    match tab {
        Tab::Grants => {
            let (screen, requests) = GrantsScreen::open(app.session.as_ref());
            app.show_grants(screen);
            return apply(app, requests);
        }
        Tab::Audit | Tab::Analyses => {
            let seq = app.next_seq();
            let (screen, requests) = match tab {
                Tab::Audit => AuditScreen::rows(Default::default(), seq),
                _ => AuditScreen::analyses(seq, app.reports_dir.clone()),
            };
            app.show_audit(screen);
            return apply(app, requests);
        }
        _ => {}
    }
    if tab == Tab::Transfers {
        let (screen, requests) =
            TransfersScreen::open(app.session.as_ref(), app.transfer_picks.clone());
        app.show_transfers(screen);
        return apply(app, requests);
    }
    let (screen, requests) = match tab {
        Tab::Reverify | Tab::Corrections => return open_records_tab(app, tab),
        tab => EntryScreen::work_list(tab == Tab::Decisions),
    };
    app.show_entry(screen);
    apply(app, requests)
}

/// The re-verification or corrections tab, its list on the way.
fn open_records_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    let kind = match tab {
        Tab::Corrections => ListKind::Corrections,
        _ => ListKind::Reverify,
    };
    let (screen, requests) = RecordsScreen::list(kind);
    app.show_records(screen);
    apply(app, requests)
}

/// Whether the session may see declaration records (the service checks
/// again).
fn may_see_history(app: &App) -> bool {
    app.session.as_ref().is_some_and(|s| {
        s.permissions
            .contains(&crate::api::Permission::ViewTaxRecords)
    })
}

/// Whether the session may prepare transfers (the service checks again).
fn may_prepare_transfers(app: &App) -> bool {
    app.session.as_ref().is_some_and(|s| {
        s.permissions
            .contains(&crate::api::Permission::PrepareTransfers)
    })
}

/// From a record: the person joins the transfer being prepared, or leaves
/// it when already chosen.
fn transfer_pick(app: &mut App) -> Vec<Effect> {
    if !may_prepare_transfers(app) {
        return apply(
            app,
            vec![Request::note(Level::Warning, "transfers.not_permitted")],
        );
    }
    let Some(person) = app.record().map(|r| r.record.person_number.clone()) else {
        return vec![];
    };
    let key = match app.transfer_picks.iter().position(|p| *p == person) {
        Some(at) => {
            app.transfer_picks.remove(at);
            "transfers.pick_removed"
        }
        None => {
            app.transfer_picks.push(person.clone());
            "transfers.pick_added"
        }
    };
    let picked = app.transfer_picks.contains(&person);
    let n = app.transfer_picks.len();
    if let Some(screen) = app.record_mut() {
        screen.picked = picked;
        screen.picks = n;
    }
    app.status = Some(Status {
        level: Level::Info,
        note: super::status::Note::Local {
            key,
            args: vec![("n", n.to_string())],
        },
    });
    app.needs_render = true;
    vec![]
}

/// From a record: the person's declaration history, if the session may
/// see tax records (the service decides again).
fn history_command(app: &mut App) -> Vec<Effect> {
    if !may_see_history(app) {
        return apply(
            app,
            vec![Request::note(Level::Warning, "history.not_permitted")],
        );
    }
    let Some(record) = app.record().map(|r| r.record.clone()) else {
        return vec![];
    };
    let (screen, requests) = RecordsScreen::history_of(record);
    app.show_records(screen);
    apply(app, requests)
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

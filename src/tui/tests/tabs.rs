//! The work screen's tabs: F6 opens the session's first, Tab and
//! Shift-Tab go round the tabs its role has (and only those), each loading
//! its own list.

use crossterm::event::KeyCode;

use super::*;
use crate::api::Permission;
use crate::api::entry::EntryQueue;
use crate::domain::roles::Role;
use crate::tui::action::EntryAnswer;
use crate::tui::effect::{EntryCall, ReviewCall};
use crate::tui::screens::tabs::{self, Tab};

/// A session whose role has these permissions (a clerk's otherwise).
fn session_with(permissions: Vec<Permission>) -> SessionInfo {
    SessionInfo {
        permissions,
        pin_change_required: false,
        ..session(Department::Assessment)
    }
}

fn the_review_call(effects: Vec<Effect>) -> ReviewCall {
    match effects.into_iter().next() {
        Some(Effect::Review(call)) => call,
        other => panic!("{other:?}"),
    }
}

fn the_call(effects: Vec<Effect>) -> EntryCall {
    match effects.into_iter().next() {
        Some(Effect::Entry(call)) => call,
        other => panic!("{other:?}"),
    }
}

fn loaded(app: &mut App, decisions: bool) {
    update(
        app,
        Action::Entry(EntryAnswer::Queue {
            decisions,
            result: Ok(EntryQueue { entries: vec![] }),
        }),
    );
}

#[test]
fn a_session_has_the_tabs_of_its_permissions_in_the_bar_order() {
    let both = session_with(vec![Permission::DecideEntries, Permission::KeyEntries]);
    assert_eq!(
        tabs::tabs_of(Some(&both)),
        vec![
            Tab::Keying,
            Tab::Batches,
            Tab::Decisions,
            Tab::Overdue,
            Tab::Quality
        ]
    );
    let clerk = session(Department::Assessment);
    assert_eq!(
        tabs::tabs_of(Some(&clerk)),
        vec![Tab::Keying, Tab::Reverify, Tab::Batches, Tab::Transfers]
    );
    let collections = session(Department::Collections);
    assert!(tabs::tabs_of(Some(&collections)).is_empty());
    assert!(tabs::tabs_of(None).is_empty());
    let supervisor = SessionInfo {
        permissions: crate::domain::roles::permissions(Role::Supervisor, Department::Assessment)
            .to_vec(),
        ..clerk
    };
    assert_eq!(tabs::first_of(Some(&supervisor)), Some(Tab::Decisions));
    assert_eq!(
        tabs::tabs_of(Some(&supervisor)),
        vec![
            Tab::Decisions,
            Tab::Corrections,
            Tab::Overdue,
            Tab::Quality,
            Tab::Transfers,
            Tab::Retention,
            Tab::Grants,
            Tab::Audit,
            Tab::Analyses
        ]
    );
}

#[test]
fn tab_and_shift_tab_go_round_the_tabs_each_loading_its_list() {
    let mut app = new_app(Lang::Ja, false);
    log_in_as(
        &mut app,
        session_with(vec![
            Permission::SearchResidents,
            Permission::KeyEntries,
            Permission::DecideEntries,
        ]),
    );
    assert!(matches!(
        the_call(press(&mut app, KeyCode::F(6))),
        EntryCall::Work
    ));
    loaded(&mut app, false);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains(" 入力   束   判定   期限超過   品質 "),
        "{text}"
    );
    assert_eq!(
        app.entry().and_then(|e| e.list()).map(|l| l.tab()),
        Some(Tab::Keying)
    );

    assert!(matches!(
        the_review_call(press(&mut app, KeyCode::Tab)),
        ReviewCall::Batches
    ));
    assert_eq!(app.review().map(|r| r.tab()), Some(Tab::Batches));
    assert!(matches!(
        the_call(press(&mut app, KeyCode::Tab)),
        EntryCall::Decisions
    ));
    loaded(&mut app, true);
    assert_eq!(
        app.entry().and_then(|e| e.list()).map(|l| l.tab()),
        Some(Tab::Decisions)
    );
    // Round again, the other way.
    assert!(matches!(
        the_review_call(press(&mut app, KeyCode::BackTab)),
        ReviewCall::Batches
    ));
    assert!(matches!(
        the_call(press(&mut app, KeyCode::BackTab)),
        EntryCall::Work
    ));
    loaded(&mut app, false);
    insta::assert_snapshot!("tabs_keying_ja", draw(&app, 80, 24).backend());
}

#[test]
fn a_clerk_has_the_keying_and_batches_tabs_and_none_of_a_supervisor() {
    let mut app = new_app(Lang::En, false);
    log_in_as(
        &mut app,
        session_with(vec![Permission::SearchResidents, Permission::KeyEntries]),
    );
    press(&mut app, KeyCode::F(6));
    loaded(&mut app, false);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains(" Keying   Batches "), "{text}");
    assert!(
        !text.contains("Decisions") && !text.contains("Overdue"),
        "{text}"
    );
    assert!(matches!(
        the_review_call(press(&mut app, KeyCode::Tab)),
        ReviewCall::Batches
    ));
    assert!(matches!(
        the_call(press(&mut app, KeyCode::Tab)),
        EntryCall::Work
    ));
}

#[test]
fn tabs_that_do_not_fit_give_way_to_the_one_showing() {
    let mut app = new_app(Lang::En, false);
    let clerk = session(Department::Assessment);
    log_in_as(
        &mut app,
        SessionInfo {
            permissions: crate::domain::roles::permissions(
                Role::Supervisor,
                Department::Assessment,
            )
            .to_vec(),
            ..clerk
        },
    );
    update(&mut app, Action::Run(Command::WorkList));
    // Back from the first tab round to the last: the analyses.
    update(&mut app, Action::Run(Command::PrevTab));
    let text = screen_text(&draw(&app, 80, 24));
    let bar = text.lines().nth(1).unwrap_or_default();
    assert!(bar.starts_with("< "), "{bar}");
    assert!(bar.contains("Analyses"), "{bar}");
    assert!(!bar.contains("Decisions"), "{bar}");
}

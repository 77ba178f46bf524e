//! The audit review tabs, one component to `update`: the access log
//! filtered and paged (監査) and the ready-made analyses (分析), whose
//! findings each open the access log filtered to their rows. Auditors and
//! IT officers see every row; a supervisor only their department's (the
//! service decides, and logs every look).

pub mod analyses;
mod filter;
pub mod rows;

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::api::ErrorCode;
use crate::tui::action::{Command, Failure, FailureText};
use crate::tui::audit_call::{AuditAnswer, AuditFilter};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::screens::tabs::Tab;
use crate::tui::status::{Level, Note, Status};
use crate::tui::view::View;

use analyses::AnalysesScreen;
use rows::RowsScreen;

/// A refused look: a 400's words name the parameter, so they are shown;
/// anything else as any failure shows.
fn refused(failure: Failure) -> Request {
    match (&failure.code, &failure.message) {
        (Some(ErrorCode::BadRequest), FailureText::Service(text)) => {
            Request::Status(Some(Status {
                level: Level::Error,
                note: Note::Local {
                    key: "audit.refused",
                    args: vec![("msg", text.clone())],
                },
            }))
        }
        _ => Request::Failed(failure),
    }
}

#[derive(Debug)]
pub enum AuditScreen {
    Rows(RowsScreen),
    Analyses(AnalysesScreen),
}

impl AuditScreen {
    /// The access log tab under `filter`, its newest page on the way.
    pub fn rows(filter: AuditFilter, seq: u64) -> (AuditScreen, Vec<Request>) {
        let (screen, requests) = RowsScreen::open(filter, seq);
        (AuditScreen::Rows(screen), requests)
    }

    /// The analyses tab, its first analysis on the way.
    pub fn analyses(seq: u64, reports: PathBuf) -> (AuditScreen, Vec<Request>) {
        let (screen, requests) = AnalysesScreen::open(seq, reports);
        (AuditScreen::Analyses(screen), requests)
    }

    pub fn tab(&self) -> Tab {
        match self {
            AuditScreen::Rows(_) => Tab::Audit,
            AuditScreen::Analyses(_) => Tab::Analyses,
        }
    }

    pub fn rows_screen(&self) -> Option<&RowsScreen> {
        match self {
            AuditScreen::Rows(s) => Some(s),
            _ => None,
        }
    }

    pub fn analyses_screen(&self) -> Option<&AnalysesScreen> {
        match self {
            AuditScreen::Analyses(s) => Some(s),
            _ => None,
        }
    }

    /// The service's answer to a call of these tabs; one for a tab no
    /// longer showing is dropped (a failure still shows).
    pub fn answered(&mut self, answer: AuditAnswer) -> Vec<Request> {
        match (self, answer) {
            (AuditScreen::Rows(s), AuditAnswer::Rows { seq, result }) => s.loaded(seq, result),
            (AuditScreen::Analyses(s), AuditAnswer::Analysis { seq, result }) => {
                s.loaded(seq, result)
            }
            (AuditScreen::Analyses(s), AuditAnswer::Saved(result)) => s.saved(result),
            (_, answer) => stray(answer),
        }
    }

    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        match self {
            AuditScreen::Analyses(s) => s.confirmed(action),
            AuditScreen::Rows(_) => Vec::new(),
        }
    }

    fn component(&self) -> &dyn Component {
        match self {
            AuditScreen::Rows(s) => s,
            AuditScreen::Analyses(s) => s,
        }
    }

    fn component_mut(&mut self) -> &mut dyn Component {
        match self {
            AuditScreen::Rows(s) => s,
            AuditScreen::Analyses(s) => s,
        }
    }
}

/// An audit answer with no screen waiting for it: only a failure shows.
pub fn stray(answer: AuditAnswer) -> Vec<Request> {
    answer
        .into_failure()
        .map(Request::Failed)
        .into_iter()
        .collect()
}

impl Component for AuditScreen {
    fn layer(&self) -> Option<Layer> {
        self.component().layer()
    }

    fn handle_key(&mut self, key: Key, ctx: &mut Ctx<'_>) -> Outcome {
        self.component_mut().handle_key(key, ctx)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        self.component_mut().run(command, ctx)
    }

    fn paste(&mut self, text: &str) {
        self.component_mut().paste(text);
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        self.component().draw(view, frame, area);
    }

    fn hints(&self) -> Vec<Hint> {
        self.component().hints()
    }

    fn offers(&self, command: Command) -> bool {
        self.component().offers(command)
    }

    fn takes_global(&self, command: Command) -> bool {
        self.component().takes_global(command)
    }

    fn typing(&self) -> bool {
        self.component().typing()
    }

    fn waiting(&self) -> Option<&'static str> {
        self.component().waiting()
    }
}

//! The frame around every screen: the header (who, in which role, for
//! which purpose), the status line and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::tui::action::Command;
use crate::tui::i18n::Lang;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{clean, clean_fit};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;

use super::input;
use super::line::fit_line;

/// The global commands the hint bar names, in this order.
const GLOBAL_HINTS: [(Command, &str); 3] = [
    (Command::Help, "hint.help"),
    (Command::Logout, "hint.logout"),
    (Command::Quit, "hint.quit"),
];

pub fn header(view: &View<'_>, frame: &mut Frame, area: Rect) {
    let t = view.i18n;
    let mut spans = vec![Span::styled(
        format!(" {} ", t.t("app.title")),
        view.style(Role::Header),
    )];
    if view.demo.is_some() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {} ", t.t("app.demo")),
            view.style(Role::Demo),
        ));
    }
    if view.offline {
        spans.push(Span::raw(" "));
        spans.push(offline_marker(view));
    }
    if let Some(session) = view.session {
        let staff = &session.staff;
        let role = format!(
            "{} {}",
            t.t(&format!("department.{}", staff.department.as_str())),
            t.t(&format!("role.{}", staff.role.as_str()))
        );
        let purpose = match (&session.purpose, t.lang()) {
            (Some(p), Lang::Ja) => p.name_ja.as_str(),
            (Some(p), Lang::En) => p.name_en.as_str(),
            (None, _) => t.t("header.no_purpose"),
        };
        spans.push(Span::raw(format!(
            " {} {} ({})  {} {}  {} {}",
            t.t("header.user"),
            clean(&staff.user_id),
            clean(&staff.display_name),
            t.t("header.role"),
            role,
            t.t("header.purpose"),
            clean(purpose),
        )));
    }
    let line = fit_line(spans, usize::from(area.width));
    frame.render_widget(Paragraph::new(line).style(view.style(Role::Text)), area);
}

/// The header's mark of an unreachable service, next to the title so it
/// stays when the header is cut.
fn offline_marker(view: &View<'_>) -> Span<'static> {
    Span::styled(
        format!(" {} ", view.t("service.offline")),
        view.style(Role::Error),
    )
}

/// The text of a status note, sanitized.
pub fn note_text(view: &View<'_>, note: &Note) -> String {
    match note {
        Note::Local { key, args } => {
            let cleaned: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, clean(v))).collect();
            let refs: Vec<(&str, &str)> = cleaned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            view.i18n.tf(key, &refs)
        }
        Note::Service(text) => clean(text),
    }
}

pub fn status_line(view: &View<'_>, status: Option<&Status>, frame: &mut Frame, area: Rect) {
    let Some(status) = status else { return };
    let role = match status.level {
        Level::Info => Role::Info,
        Level::Warning => Role::Warning,
        Level::Error => Role::Error,
    };
    let text = clean_fit(&note_text(view, &status.note), usize::from(area.width));
    frame.render_widget(Paragraph::new(Span::styled(text, view.style(role))), area);
}

/// One entry of the hint bar: a command and the locale key of its short
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub command: Command,
    pub text: &'static str,
}

impl Hint {
    pub const fn new(command: Command, text: &'static str) -> Hint {
        Hint { command, text }
    }
}

/// The key the hint bar names for `command` in `layer`: the active
/// keymap's first (a preset's own keys come first), skipping keys a focused
/// text field would take while `typing`.
fn hint_key(view: &View<'_>, layer: Layer, command: Command, typing: bool) -> Option<Key> {
    view.keymap
        .bindings(layer)
        .iter()
        .find(|b| b.command == command && !(typing && input::takes(b.key)))
        .map(|b| b.key)
}

/// The short key hints of what has the keys: its own `hints` (commands of
/// `layer`), then the global keys that act there (`takes_global`); log out
/// only with a session. `typing`: a text field has the focus.
pub fn hint_bar(
    view: &View<'_>,
    frame: &mut Frame,
    area: Rect,
    layer: Option<Layer>,
    hints: &[Hint],
    takes_global: &dyn Fn(Command) -> bool,
    typing: bool,
) {
    let mut pairs: Vec<(String, &str)> = Vec::new();
    if let Some(layer) = layer {
        for hint in hints {
            if let Some(key) = hint_key(view, layer, hint.command, typing) {
                pairs.push((key.label(), hint.text));
            }
        }
    }
    for (command, text) in GLOBAL_HINTS {
        if command == Command::Logout && view.session.is_none() || !takes_global(command) {
            continue;
        }
        if let Some(key) = hint_key(view, Layer::Global, command, typing) {
            pairs.push((key.label(), text));
        }
    }
    let mut spans = Vec::new();
    for (key, text) in pairs {
        spans.push(Span::styled(key, view.style(Role::Key)));
        spans.push(Span::styled(
            format!(" {}  ", view.t(text)),
            view.style(Role::Muted),
        ));
    }
    frame.render_widget(
        Paragraph::new(fit_line(spans, usize::from(area.width))),
        area,
    );
}

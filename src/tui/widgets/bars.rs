//! The frame around every screen: the header (who, in which role, for
//! which purpose) and the key hints (the message area between them is
//! `widgets::message`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::tui::action::Command;
use crate::tui::i18n::Lang;
use crate::tui::keymap::Layer;
use crate::tui::sanitize::clean;
use crate::tui::theme::Role;
use crate::tui::view::View;

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

/// The short key hints of what has the keys: its own `hints` (commands of
/// `layer`), then the global keys that act there (`takes_global`); log out
/// only with a session.
pub fn hint_bar(
    view: &View<'_>,
    frame: &mut Frame,
    area: Rect,
    layer: Option<Layer>,
    hints: &[Hint],
    takes_global: &dyn Fn(Command) -> bool,
) {
    let mut pairs: Vec<(String, &str)> = Vec::new();
    if let Some(layer) = layer {
        for hint in hints {
            if let Some(key) = view.keymap.key_for(layer, hint.command) {
                pairs.push((key.label(), hint.text));
            }
        }
    }
    for (command, text) in GLOBAL_HINTS {
        if command == Command::Logout && view.session.is_none() || !takes_global(command) {
            continue;
        }
        if let Some(key) = view.keymap.key_for(Layer::Global, command) {
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

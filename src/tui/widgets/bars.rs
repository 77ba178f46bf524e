//! The frame around every screen: the header (who, in which role, for
//! which purpose) and the key hints (the message area between them is
//! `widgets::message`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::tui::action::Command;
use crate::tui::i18n::Lang;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{clean, display_width};
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

/// How readily a piece of the header is left out when the line is short:
/// the lowest level goes first. User ID, purpose and the DEMO mark stay
/// (the purpose is cut at the end if even they do not fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Keep {
    /// The user's display name (the user ID says who it is).
    Name,
    /// "利用者", "役割", "業務": the values read without them.
    Label,
    /// The department and role.
    Role,
    /// The application's name.
    Title,
    Always,
}

/// One piece of the header. Pieces of one `group` are one space apart,
/// groups two (one after the padded title and DEMO blocks).
struct Part {
    span: Span<'static>,
    keep: Keep,
    group: u8,
    block: bool,
}

/// The kept parts joined with their gaps.
fn join(parts: &[&Part]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut previous: Option<&Part> = None;
    for part in parts {
        if let Some(prev) = previous {
            let gap = match (prev.group == part.group, prev.block) {
                (true, _) | (false, true) => " ",
                (false, false) => "  ",
            };
            spans.push(Span::raw(gap));
        }
        spans.push(part.span.clone());
        previous = Some(part);
    }
    spans
}

/// Who is logged in, in which role, for which purpose; at a width too
/// narrow for all of it, the least needed pieces go first.
pub fn header(view: &View<'_>, frame: &mut Frame, area: Rect) {
    let t = view.i18n;
    let block = |text: &str, role: Role, keep: Keep, group: u8| Part {
        span: Span::styled(format!(" {text} "), view.style(role)),
        keep,
        group,
        block: true,
    };
    let mut parts = vec![block(t.t("app.title"), Role::Header, Keep::Title, 0)];
    if view.demo.is_some() {
        parts.push(block(t.t("app.demo"), Role::Demo, Keep::Always, 1));
    }
    if view.offline {
        parts.push(Part {
            span: offline_marker(view),
            keep: Keep::Always,
            group: 1,
            block: true,
        });
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
        let piece = |text: String, role: Role, keep: Keep, group: u8| Part {
            span: Span::styled(text, view.style(role)),
            keep,
            group,
            block: false,
        };
        let label =
            |key: &str, group: u8| piece(t.t(key).to_string(), Role::Muted, Keep::Label, group);
        parts.extend([
            label("header.user", 2),
            piece(clean(&staff.user_id), Role::Text, Keep::Always, 2),
            piece(
                format!("({})", clean(&staff.display_name)),
                Role::Text,
                Keep::Name,
                2,
            ),
            label("header.role", 3),
            piece(role, Role::Text, Keep::Role, 3),
            label("header.purpose", 4),
            piece(clean(purpose), Role::Text, Keep::Always, 4),
        ]);
    }
    let width = usize::from(area.width);
    let mut spans = Vec::new();
    for least in [
        Keep::Name,
        Keep::Label,
        Keep::Role,
        Keep::Title,
        Keep::Always,
    ] {
        let kept: Vec<&Part> = parts.iter().filter(|p| p.keep >= least).collect();
        spans = join(&kept);
        if spans
            .iter()
            .map(|s| display_width(&s.content))
            .sum::<usize>()
            <= width
        {
            break;
        }
    }
    let line = fit_line(spans, width);
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

//! `render(&App, &mut Frame)`: draws the state, changes nothing. Every
//! string that came from the service goes through `sanitize::clean`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::action::Command;
use super::app::{App, Level, Note, Screen};
use super::keymap::Layer;
use super::sanitize::{clean, clean_fit, display_width, fit_prefix};
use super::screens;
use super::theme::Role;

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let [header, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, frame, header);
    match app.screen {
        Screen::Login => screens::login::draw(app, frame, body),
        Screen::Purpose => screens::purpose::draw(app, frame, body),
        Screen::Search => screens::search::draw(app, frame, body),
        Screen::Record => screens::record::draw(app, frame, body),
        Screen::Locked => screens::lock::draw(app, frame, body),
        Screen::NoSearch => screens::no_search::draw(app, frame, body),
    }
    draw_status(app, frame, status);
    draw_hints(app, frame, hints);
    if app.help {
        screens::help::draw(app, frame, body);
    }
    if let Some(popup) = app.popup {
        screens::help::draw_confirm(app, popup, frame, body);
    }
}

/// Text of a style role.
/// A box of `width` x `height` in the middle of `area` (smaller if `area`
/// is): where the login, purpose, lock and notice panels go.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let [_, row, _] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Fill(1),
        ratatui::layout::Constraint::Length(height),
        ratatui::layout::Constraint::Fill(1),
    ])
    .areas(area);
    let width = width.min(row.width);
    Rect {
        x: row.x + (row.width - width) / 2,
        width,
        ..row
    }
}

/// A bordered panel titled from the locale key `title`, drawn over `area`
/// with the border in `border`; returns the area inside the border.
pub fn panel(app: &App, frame: &mut Frame, area: Rect, title: &str, border: Role) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(style(app, border))
        .title(Span::styled(
            format!(" {} ", app.i18n.t(title)),
            style(app, Role::Text),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

pub fn style(app: &App, role: Role) -> Style {
    app.theme.style(role)
}

fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let header = style(app, Role::Header);
    let mut spans = vec![Span::styled(format!(" {} ", t.t("app.title")), header)];
    if app.demo.is_some() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {} ", t.t("app.demo")),
            style(app, Role::Demo),
        ));
    }
    if let Some(session) = &app.session {
        let staff = &session.staff;
        let role = format!(
            "{} {}",
            t.t(&format!("department.{}", staff.department.as_str())),
            t.t(&format!("role.{}", staff.role.as_str()))
        );
        let purpose = match (&session.purpose, t.lang()) {
            (Some(p), super::i18n::Lang::Ja) => p.name_ja.as_str(),
            (Some(p), super::i18n::Lang::En) => p.name_en.as_str(),
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
    frame.render_widget(Paragraph::new(line).style(style(app, Role::Text)), area);
}

/// Cuts a line of spans to `width` columns without splitting a character.
pub fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut left = width;
    let mut out = Vec::new();
    for span in spans {
        if left == 0 {
            break;
        }
        let w = display_width(&span.content);
        if w <= left {
            left -= w;
            out.push(span);
        } else {
            let cut = fit_prefix(&span.content, left);
            left = 0;
            out.push(Span::styled(cut, span.style));
        }
    }
    Line::from(out)
}

/// The text of a status note, sanitized.
pub fn note_text(app: &App, note: &Note) -> String {
    match note {
        Note::Local { key, args } => {
            let cleaned: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, clean(v))).collect();
            let refs: Vec<(&str, &str)> = cleaned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.i18n.tf(key, &refs)
        }
        Note::Service(text) => clean(text),
    }
}

fn draw_status(app: &App, frame: &mut Frame, area: Rect) {
    let Some(status) = &app.status else { return };
    let role = match status.level {
        Level::Info => Role::Info,
        Level::Warning => Role::Warning,
        Level::Error => Role::Error,
    };
    let text = clean_fit(&note_text(app, &status.note), usize::from(area.width));
    frame.render_widget(Paragraph::new(Span::styled(text, style(app, role))), area);
}

/// Short key hints of the current context, from the keymap.
fn draw_hints(app: &App, frame: &mut Frame, area: Rect) {
    let (layer, commands): (Layer, &[Command]) = if app.popup.is_some() {
        (Layer::Confirm, &[Command::Confirm, Command::Cancel])
    } else if app.help {
        (Layer::Help, &[Command::Back])
    } else {
        match app.screen {
            Screen::Login => (Layer::Login, &[Command::NextField, Command::Submit]),
            Screen::Purpose => (Layer::Login, &[Command::SelectNext, Command::Submit]),
            Screen::Search => (Layer::Search, &[Command::Submit, Command::SelectNext]),
            Screen::Record => (Layer::Record, &[Command::Back, Command::Reveal]),
            Screen::Locked => (
                Layer::Lock,
                &[Command::NextField, Command::Submit, Command::SwitchUser],
            ),
            Screen::NoSearch => (Layer::Global, &[]),
        }
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for command in commands {
        if *command == Command::Reveal && !app.record.as_ref().is_some_and(|r| r.record.can_reveal)
        {
            continue;
        }
        if let Some(key) = app.keymap.key_for(layer, *command) {
            pairs.push((key.label(), hint(app, *command)));
        }
    }
    for command in [Command::Help, Command::Logout, Command::Quit] {
        if command == Command::Logout && app.session.is_none() {
            continue;
        }
        if app.popup.is_some() && command != Command::Quit {
            continue;
        }
        if let Some(key) = app.keymap.key_for(Layer::Global, command) {
            pairs.push((key.label(), hint(app, command)));
        }
    }
    let mut spans = Vec::new();
    for (key, text) in pairs {
        spans.push(Span::styled(key, style(app, Role::Key)));
        spans.push(Span::styled(format!(" {text}  "), style(app, Role::Muted)));
    }
    frame.render_widget(
        Paragraph::new(fit_line(spans, usize::from(area.width))),
        area,
    );
}

fn hint(app: &App, command: Command) -> String {
    let key = match (command, app.screen) {
        (Command::Submit, Screen::Login) => "hint.submit_login".to_string(),
        (Command::Submit, Screen::Purpose) => "hint.submit_purpose".to_string(),
        (Command::SelectNext, Screen::Purpose) => "hint.select_purpose".to_string(),
        (Command::Submit, Screen::Search) => "hint.submit_search".to_string(),
        (Command::Submit, Screen::Locked) => "hint.submit_unlock".to_string(),
        _ => format!("hint.{}", command.name()),
    };
    app.i18n.t(&key).to_string()
}

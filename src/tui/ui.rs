//! `render(&App, &mut Frame)`: draws the state, changes nothing. The frame
//! (header, hints) comes from `widgets::bars` and the message area between
//! them from `widgets::message`, the body from the active screen, then the
//! help, the message log and the confirm popup over it. Every string that
//! came from the service goes through `sanitize::clean`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::app::App;
use super::component::Component;
use super::popups::help::HelpOverlay;
use super::widgets::bars::{header, hint_bar};
use super::widgets::message;

pub fn render(app: &App, frame: &mut Frame) {
    let view = app.view();
    let area = frame.area();
    let message_rows = message::rows(&view, app.status.as_ref(), area.width, area.height);
    let [header_area, body, status_area, hints_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(message_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    header(&view, frame, header_area);
    let screen = app.screen_component();
    screen.draw(&view, frame, body);
    message::draw(&view, app.status.as_ref(), frame, status_area);
    app.top(|top| {
        hint_bar(
            &view,
            frame,
            hints_area,
            top.layer(),
            &top.hints(),
            &|command| top.takes_global(command),
        )
    });
    if app.help {
        HelpOverlay { screen }.draw(&view, frame, body);
    }
    if let Some(log) = &app.log {
        log.draw(&view, frame, body);
    }
    if let Some(popup) = &app.popup {
        popup.draw(&view, frame, body);
    }
}

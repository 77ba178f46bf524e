//! `render(&App, &mut Frame)`: draws the state, changes nothing. First the
//! theme's ground over the whole frame, then the frame (header, hints) from
//! `widgets::bars` and the message area between them from
//! `widgets::message`, the body from the active screen, then the help, the
//! message log and the confirm popup over it. Every string that came from
//! the service goes through `sanitize::clean`.

use ratatui::Frame;

use super::app::App;
use super::component::Component;
use super::popups::help::HelpOverlay;
use super::widgets::bars::{header, hint_bar};
use super::widgets::layout::{frame_areas, paint_ground};
use super::widgets::message;

pub fn render(app: &App, frame: &mut Frame) {
    let view = app.view();
    let area = frame.area();
    paint_ground(&view, frame, area);
    let status = app.shown_status();
    let message_rows = message::rows(&view, status.as_ref(), area.width, area.height);
    let [header_area, body, status_area, hints_area] = frame_areas(area, message_rows);
    header(&view, frame, header_area);
    let screen = app.screen_component();
    screen.draw(&view, frame, body);
    message::draw(&view, status.as_ref(), frame, status_area);
    app.top(|top| {
        hint_bar(
            &view,
            frame,
            hints_area,
            top.layer(),
            &top.hints(),
            &|command| top.takes_global(command),
            top.typing(),
        )
    });
    if app.help {
        HelpOverlay {
            screen,
            keymap: &app.keymap,
            scroll: app.help_scroll,
            body,
        }
        .draw(&view, frame, body);
    }
    if let Some(log) = &app.log {
        log.draw(&view, frame, body);
    }
    if let Some(popup) = &app.popup {
        popup.draw(&view, frame, body);
    }
}

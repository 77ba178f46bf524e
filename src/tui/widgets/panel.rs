//! A bordered, titled panel.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use crate::tui::theme::Role;
use crate::tui::view::View;

/// A bordered panel titled from the locale key `title`, drawn over `area`
/// with the border in `border`; returns the area inside the border.
pub fn panel(view: &View<'_>, frame: &mut Frame, area: Rect, title: &str, border: Role) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(view.style(border))
        .title(Span::styled(
            format!(" {} ", view.t(title)),
            view.style(Role::Text),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

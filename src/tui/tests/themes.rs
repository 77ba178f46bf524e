//! Themes that read on any terminal: every theme but `terminal` paints its
//! own background, every colour pair of every theme reads at a WCAG 2.1
//! contrast of at least 4.5:1 (3:1 for the bold badges), on every screen as
//! drawn; the `terminal` theme uses the terminal's own colours and
//! attributes only; the selected result looks different with and without
//! the keys.

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier, Style};

use super::*;
use crate::tui::theme::{BUILTIN, Role};

// ---- WCAG 2.1 contrast ------------------------------------------------------

/// The xterm defaults of the 16 ANSI colours (terminals may set their own:
/// the shipped themes do not use them).
const ANSI: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The sRGB value of a colour: xterm's 256-colour palette for indices (a
/// 6x6x6 cube from 16, a grey ramp from 232), the xterm defaults for names.
/// None for `Reset`, which is whatever the terminal's own colour is.
fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    let ansi = |i: usize| Some(ANSI[i]);
    match color {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i @ 0..=15) => ansi(usize::from(i)),
        Color::Indexed(i @ 16..=231) => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = i - 16;
            Some((level(i / 36), level(i / 6 % 6), level(i % 6)))
        }
        Color::Indexed(i) => {
            let v = 8 + 10 * (i - 232);
            Some((v, v, v))
        }
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
    }
}

/// WCAG 2.1 relative luminance of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// WCAG 2.1 contrast ratio, 1 to 21.
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn contrast_is_the_wcag_ratio() {
    let white = (255, 255, 255);
    assert!((contrast((0, 0, 0), white) - 21.0).abs() < 1e-9);
    assert!((contrast(white, white) - 1.0).abs() < 1e-9);
    // WCAG's own examples: #767676 on white just passes 4.5:1, #777777 not.
    assert!(contrast((0x76, 0x76, 0x76), white) >= 4.5);
    assert!(contrast((0x77, 0x77, 0x77), white) < 4.5);
    assert_eq!(rgb(Color::Indexed(16)), Some((0, 0, 0)));
    assert_eq!(rgb(Color::Indexed(117)), Some((0x87, 0xd7, 0xff)));
    assert_eq!(rgb(Color::Indexed(231)), Some((255, 255, 255)));
    assert_eq!(rgb(Color::Indexed(244)), Some((0x80, 0x80, 0x80)));
    assert_eq!(rgb(Color::Reset), None);
}

// ---- the themes as files ----------------------------------------------------

/// The shipped themes that paint their own background.
fn painted() -> impl Iterator<Item = (&'static str, Theme)> {
    BUILTIN
        .iter()
        .filter(|(name, _)| *name != "terminal")
        .map(|(name, _)| (*name, Theme::builtin(name).unwrap()))
}

fn is_badge(role: Role) -> bool {
    matches!(
        role,
        Role::BadgeDeceased | Role::BadgeMovedOut | Role::BadgeSupport | Role::Demo
    )
}

/// The least contrast a pair needs: 3:1 for a bold badge on its own
/// background (large-text rule), 4.5:1 for everything else.
fn needed(style: Style, base_bg: Option<Color>) -> f64 {
    let bold_block = style.add_modifier.contains(Modifier::BOLD) && style.bg != base_bg;
    if bold_block { 3.0 } else { 4.5 }
}

#[test]
fn every_pair_of_every_theme_reads_at_wcag_aa() {
    for (name, theme) in painted() {
        let base = theme.style(Role::Text);
        let (Some(base_fg), Some(base_bg)) = (base.fg, base.bg) else {
            panic!("{name}: text must give fg and bg (the screen's ground)");
        };
        for role in Role::ALL {
            let style = theme.style(*role);
            for colour in [style.fg, style.bg].into_iter().flatten() {
                // Fixed values only: the 16 ANSI colours and reset are
                // whatever the terminal makes of them.
                assert!(
                    matches!(colour, Color::Rgb(..) | Color::Indexed(16..)),
                    "{name}.{}: {colour:?} has no fixed value",
                    role.name()
                );
            }
            let fg = rgb(style.fg.unwrap_or(base_fg)).unwrap();
            let bg = rgb(style.bg.unwrap_or(base_bg)).unwrap();
            let ratio = contrast(fg, bg);
            let least = if is_badge(*role) {
                needed(style, Some(base_bg))
            } else {
                4.5
            };
            assert!(
                ratio >= least,
                "{name}.{}: {ratio:.2}:1 is below {least}:1",
                role.name()
            );
            assert!(
                !style.add_modifier.contains(Modifier::DIM),
                "{name}.{}: dim text is unreadable on some terminals",
                role.name()
            );
        }
    }
}

#[test]
fn the_terminal_theme_is_attributes_on_the_terminals_own_colours() {
    let theme = Theme::builtin("terminal").unwrap();
    assert_eq!(
        theme.base(),
        Style::default().fg(Color::Reset).bg(Color::Reset)
    );
    for role in Role::ALL {
        let style = theme.style(*role);
        assert!(
            matches!(style.fg, None | Some(Color::Reset)),
            "{}",
            role.name()
        );
        assert!(
            matches!(style.bg, None | Some(Color::Reset)),
            "{}",
            role.name()
        );
        // Reverse swaps the terminal's own pair, so it reads as well as the
        // terminal's text does; dim and hidden would not.
        assert!(
            !style
                .add_modifier
                .intersects(Modifier::DIM | Modifier::HIDDEN),
            "{}",
            role.name()
        );
    }
}

// ---- the themes as drawn ----------------------------------------------------

/// Screens that between them use every role: login with the demo panel,
/// the purpose choice, results (list and box focused, a warning), an error,
/// the record with a revealed number, the help, the confirm popup, the
/// lock, the notice for a role that may not search.
fn screens(theme: &Theme) -> Vec<(&'static str, Terminal<TestBackend>)> {
    let with = |mut app: App| {
        app.theme = theme.clone();
        app
    };
    let mut out = Vec::new();
    let app = with(new_app(Lang::Ja, true));
    out.push(("login_demo", draw(&app, 80, 24)));

    let mut app = with(new_app(Lang::Ja, false));
    pending_purpose_login(&mut app);
    out.push(("purpose", draw(&app, 80, 24)));

    let mut app = with(new_app(Lang::Ja, true));
    log_in(&mut app, Department::Assessment);
    search(&mut app, "たかはし", found(results(), true));
    out.push(("results_box", draw(&app, 80, 24)));
    press(&mut app, KeyCode::Down);
    out.push(("results_list", draw(&app, 80, 24)));
    press(&mut app, KeyCode::F(1));
    out.push(("help", draw(&app, 80, 24)));
    press(&mut app, KeyCode::Esc);
    let message = "個人番号の検査用数字が正しくありません";
    search(
        &mut app,
        "123456789012",
        Err(Failure::service(ErrorCode::InvalidQuery, 400, message)),
    );
    out.push(("error", draw(&app, 80, 24)));

    let (mut app, _) = revealed_app(Lang::Ja);
    app.theme = theme.clone();
    out.push(("record_revealed", draw(&app, 80, 24)));
    press(&mut app, KeyCode::F(10));
    out.push(("confirm", draw(&app, 80, 24)));

    let mut app = with(locked_app(Lang::Ja));
    type_text(&mut app, "12");
    out.push(("lock", draw(&app, 80, 24)));

    let mut app = with(new_app(Lang::En, false));
    log_in_as(&mut app, it_officer_session());
    out.push(("no_search", draw(&app, 80, 24)));
    out
}

/// The cells a terminal shows: not those hidden behind a double-width
/// character (ratatui resets them and never sends them).
fn shown_cells(buffer: &Buffer) -> Vec<(u16, u16, &Cell)> {
    let mut out = Vec::new();
    for y in 0..buffer.area.height {
        let mut hidden = 0;
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            if hidden > 0 {
                hidden -= 1;
                continue;
            }
            hidden = crate::tui::sanitize::display_width(cell.symbol()).saturating_sub(1);
            out.push((x, y, cell));
        }
    }
    out
}

fn visible(cell: &Cell) -> bool {
    !cell.symbol().trim().is_empty()
}

#[test]
fn every_theme_paints_every_cell_and_every_character_reads() {
    for (name, theme) in painted() {
        let base = theme.base();
        for (screen, terminal) in screens(&theme) {
            let buffer = terminal.backend().buffer();
            let text = screen_text(&terminal);
            for (x, y, cell) in shown_cells(buffer) {
                let at = format!("{name} {screen} ({x},{y}) {:?}", cell.symbol());
                // Painted: nothing left to the terminal's own colours.
                assert!(
                    cell.fg != Color::Reset && cell.bg != Color::Reset,
                    "{at}:\n{text}"
                );
                if !visible(cell) {
                    continue;
                }
                let style = Style::default().bg(cell.bg).add_modifier(cell.modifier);
                let ratio = contrast(rgb(cell.fg).unwrap(), rgb(cell.bg).unwrap());
                let least = needed(style, base.bg);
                assert!(ratio >= least, "{at}: {ratio:.2}:1 < {least}:1\n{text}");
            }
        }
    }
}

#[test]
fn the_terminal_theme_leaves_every_colour_to_the_terminal() {
    let theme = Theme::builtin("terminal").unwrap();
    for (screen, terminal) in screens(&theme) {
        let buffer = terminal.backend().buffer();
        assert!(
            buffer
                .content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
            "{screen}"
        );
    }
}

/// The style of the row of person `number`, at its first digit.
fn row_style(terminal: &Terminal<TestBackend>, number: &str) -> Style {
    let buffer = terminal.backend().buffer();
    let text = screen_text(terminal);
    let y = text
        .lines()
        .position(|l| l.contains(number))
        .unwrap_or_else(|| panic!("{number}:\n{text}"));
    let y = u16::try_from(y).unwrap();
    buffer[(2, y)].style()
}

#[test]
fn the_selected_result_looks_different_with_and_without_the_keys() {
    for (name, _) in BUILTIN {
        let mut app = searched_app(Lang::Ja);
        app.theme = Theme::builtin(name).unwrap();
        // The box has the keys: its border is in the focus colour.
        let in_box = draw(&app, 80, 24);
        let unfocused = row_style(&in_box, "1000000001");
        let plain = row_style(&in_box, "1000000002");
        press(&mut app, KeyCode::Down);
        let focused = row_style(&draw(&app, 80, 24), "1000000001");
        assert_ne!(unfocused, focused, "{name}");
        assert_ne!(unfocused, plain, "{name}");
        // Not the focus role: only one thing on the screen looks focused.
        if let Some(focus) = app.theme.style(Role::Focus).fg {
            assert_ne!(
                unfocused.fg,
                Some(focus),
                "{name}: the row is in the focus colour"
            );
        }
        if name != "terminal" {
            // A bar of its own across the row, not only a text colour.
            assert_ne!(unfocused.bg, plain.bg, "{name}");
        }
        // Under a popup the list does not have the keys either.
        press(&mut app, KeyCode::F(1));
        let covered = row_style(&draw(&app, 80, 24), "1000000001");
        assert_eq!(covered, unfocused, "{name}");
    }
}

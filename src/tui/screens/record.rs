//! A resident's record as this session may see it. The My Number line exists
//! only when the service sent a masked number; a revealed number is held in
//! a `Secret` and dropped with the screen when the record is left.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::ResidentRecord;
use crate::domain::resident::ResidentStatus;
use crate::secret::Secret;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::Layer;
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::panel::panel;
use crate::tui::widgets::resident::{badges, sex_label};

#[derive(Debug)]
pub struct RecordScreen {
    pub record: ResidentRecord,
    /// The full My Number after a confirmed reveal; wiped when the screen
    /// is dropped.
    pub revealed: Option<Secret>,
    /// A reveal is on its way.
    pub revealing: bool,
    /// Whether the session may open the person's declaration history.
    pub can_history: bool,
    /// Whether the session may prepare transfers (the key adds or removes
    /// the person from the transfer being prepared).
    pub can_transfer: bool,
    /// Whether this person is chosen for the transfer being prepared, and
    /// how many persons are.
    pub picked: bool,
    pub picks: usize,
}

impl RecordScreen {
    pub fn new(record: ResidentRecord) -> RecordScreen {
        RecordScreen {
            record,
            revealed: None,
            revealing: false,
            can_history: false,
            can_transfer: false,
            picked: false,
            picks: 0,
        }
    }

    /// The user said yes to revealing `person`'s number: the request goes
    /// out, if this is still that person's record and nothing is revealed.
    pub fn reveal_confirmed(&mut self, person: &str) -> Vec<Request> {
        let record = &self.record;
        if record.person_number != person || !record.can_reveal || self.revealed.is_some() {
            return vec![];
        }
        self.revealing = true;
        // The status line says so once the wait is noticeable.
        vec![
            Request::Status(None),
            Request::Effect(Effect::Reveal(person.to_string())),
        ]
    }

    /// The service's answer to a reveal; dropped unless one is awaited for
    /// this record.
    pub fn revealed(&mut self, person: &str, result: Result<Secret, Failure>) -> Vec<Request> {
        if self.record.person_number != person || !self.revealing {
            return vec![];
        }
        self.revealing = false;
        match result {
            Ok(number) => {
                self.revealed = Some(number);
                vec![Request::note(Level::Info, "record.revealed_note")]
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    /// F5: asks first (the confirm popup carries whose number), or says
    /// the role may not.
    fn reveal(&self) -> Vec<Request> {
        if !self.record.can_reveal {
            return vec![Request::note(Level::Warning, "record.reveal_not_permitted")];
        }
        if self.revealed.is_some() || self.revealing {
            return vec![];
        }
        vec![Request::Confirm(PendingAction::Reveal {
            person: self.record.person_number.clone(),
        })]
    }
}

impl Component for RecordScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Record)
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Back => Outcome::Consumed(vec![Request::BackToSearch { results: true }]),
            Command::FocusSearch => {
                Outcome::Consumed(vec![Request::BackToSearch { results: false }])
            }
            Command::Reveal => Outcome::Consumed(self.reveal()),
            _ => Outcome::NotConsumed,
        }
    }

    fn waiting(&self) -> Option<&'static str> {
        self.revealing.then_some("record.revealing")
    }

    fn hints(&self) -> Vec<Hint> {
        let mut hints = vec![Hint::new(Command::Back, "hint.back")];
        if self.record.can_reveal {
            hints.push(Hint::new(Command::Reveal, "hint.reveal"));
        }
        if self.can_history {
            hints.push(Hint::new(Command::History, "hint.history"));
        }
        if self.can_transfer {
            hints.push(Hint::new(Command::TransferPick, "hint.transfer_pick"));
        }
        hints
    }

    fn offers(&self, command: Command) -> bool {
        match command {
            Command::Reveal => self.record.can_reveal,
            Command::History => self.can_history,
            Command::TransferPick => self.can_transfer,
            _ => true,
        }
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let r = &self.record;
        let border = if r.support_measure {
            Role::SensitiveRecord
        } else {
            Role::Border
        };
        let inner = panel(view, frame, area, "record.title", border);

        let keys = [
            "field.person_number",
            "field.name",
            "field.kana",
            "field.birth_date",
            "field.sex",
            "field.postal_code",
            "field.address",
            "field.status",
            "field.my_number",
        ];
        let label_w = keys
            .iter()
            .map(|k| display_width(t.t(k)))
            .max()
            .unwrap_or(8)
            + 2;
        let text = view.style(Role::Text);
        let width = usize::from(inner.width);
        let line = |key: &str, value: Vec<Span<'static>>| -> Line<'static> {
            let mut spans = vec![Span::styled(
                pad_to_width(t.t(key), label_w),
                view.style(Role::Muted),
            )];
            spans.extend(value);
            fit_line(spans, width)
        };

        let mut lines = vec![
            line(
                "field.person_number",
                vec![Span::styled(clean(&r.person_number), text)],
            ),
            line("field.name", vec![Span::styled(clean(&r.name), text)]),
            line("field.kana", vec![Span::styled(clean(&r.kana), text)]),
            line(
                "field.birth_date",
                vec![Span::styled(birth_date_with_era(&r.birth_date), text)],
            ),
            line(
                "field.sex",
                vec![Span::styled(sex_label(view, r.sex), text)],
            ),
        ];
        if let Some(postal) = &r.postal_code {
            lines.push(line(
                "field.postal_code",
                vec![Span::styled(clean(postal), text)],
            ));
        }
        if r.address_hidden {
            lines.push(line(
                "field.address",
                vec![Span::styled(
                    t.t("field.address_hidden").to_string(),
                    view.style(Role::Masked),
                )],
            ));
        } else if let Some(address) = &r.address {
            lines.push(line(
                "field.address",
                vec![Span::styled(clean(address), text)],
            ));
        }
        // Moved out and deceased are shown by their badge alone (the word
        // beside it would say the same twice); a resident's status is the
        // word, with the support badge after it.
        let mut status = Vec::new();
        if r.status == ResidentStatus::Resident {
            status.push(Span::styled(
                t.t(&format!("status.{}", r.status.as_str())).to_string(),
                text,
            ));
        }
        let marks = badges(view, r.status, r.support_measure);
        if !status.is_empty() && !marks.is_empty() {
            status.push(Span::raw("  "));
        }
        status.extend(marks);
        lines.push(line("field.status", status));

        if let Some(masked) = &r.my_number_masked {
            let value = match &self.revealed {
                Some(full) => vec![
                    Span::styled(clean(full.expose()), view.style(Role::SensitiveRecord)),
                    Span::raw("  "),
                    Span::styled(
                        t.t("record.revealed_note").to_string(),
                        view.style(Role::Warning),
                    ),
                ],
                None => vec![Span::styled(clean(masked), view.style(Role::Masked))],
            };
            lines.push(line("field.my_number", value));
        }

        if r.can_reveal
            && self.revealed.is_none()
            && let Some(key) = view.keymap.key_for(Layer::Record, Command::Reveal)
        {
            lines.push(Line::default());
            lines.push(fit_line(
                vec![
                    Span::styled(key.label(), view.style(Role::Key)),
                    Span::styled(
                        format!(" {}", t.t("action.reveal")),
                        view.style(Role::Muted),
                    ),
                ],
                width,
            ));
        }
        if self.can_transfer {
            let n = self.picks.to_string();
            let key = if self.picked {
                "transfers.record_picked"
            } else {
                "transfers.record_not_picked"
            };
            lines.push(Line::default());
            lines.push(fit_line(
                vec![Span::styled(
                    t.tf(key, &[("n", &n)]),
                    view.style(if self.picked {
                        Role::Focus
                    } else {
                        Role::Muted
                    }),
                )],
                width,
            ));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// The date as sent, with its 和暦 form beside it, as clerks read dates on
/// paper forms: `1993-01-01 (平成5年1月1日)`.
fn birth_date_with_era(iso: &str) -> String {
    let shown = clean(iso);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&shown, &format) {
        Ok(date) if crate::domain::wareki::to_wareki(date).is_some() => {
            format!("{shown} ({})", crate::domain::wareki::format_wareki(date))
        }
        _ => shown,
    }
}

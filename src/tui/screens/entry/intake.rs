//! 本人確認 at intake, before a first keying: how the form came (at the
//! counter or by post), the identity documents presented (a list ticked
//! with Space: one with a photo, or two of which one has a photo; two
//! without a photo are refused here by the same domain check the service
//! runs), the document that confirms the number, and the 基本4情報 as the
//! documents show them. The service compares them with the registered
//! ones and answers which fields differ, never the registered values; a
//! difference is shown field by field, and the keying form follows (the
//! service refuses the submit until a supervisor settles it).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::api::entry::{DiscardRequest, EntryView, IdentityRequest, PresentedBasic4, Problem};
use crate::domain::entry::field::FieldError;
use crate::domain::entry::identity::{IdDocument, Intake, NumberDocument};
use crate::domain::resident::Sex;
use crate::domain::wareki;
use crate::secret::KeyedValue;
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, EntryCall};
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, clean_fit, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::{ShownProblem, field_error_text, problem_text};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

use super::{EntryHeader, Next, form_title, note};

/// The identity documents in the order the list shows them: those with a
/// photo first.
pub const DOCUMENTS: [IdDocument; 9] = [
    IdDocument::MyNumberCard,
    IdDocument::DriversLicence,
    IdDocument::Passport,
    IdDocument::ResidenceCard,
    IdDocument::DisabilityCertificate,
    IdDocument::HealthInsuranceCard,
    IdDocument::PensionBook,
    IdDocument::PensionCertificate,
    IdDocument::OtherOfficialDocument,
];

pub const NUMBER_DOCUMENTS: [NumberDocument; 3] = [
    NumberDocument::MyNumberCard,
    NumberDocument::NotificationCard,
    NumberDocument::ResidentRecordWithNumber,
];

const SEXES: [Sex; 2] = [Sex::Male, Sex::Female];

/// The most characters of a presented name and address.
const NAME_CHARS: usize = 60;
const BIRTH_CHARS: usize = 24;
const ADDRESS_CHARS: usize = 120;

pub fn document_key(document: IdDocument) -> &'static str {
    match document {
        IdDocument::MyNumberCard => "id_document.my_number_card",
        IdDocument::DriversLicence => "id_document.drivers_licence",
        IdDocument::Passport => "id_document.passport",
        IdDocument::ResidenceCard => "id_document.residence_card",
        IdDocument::DisabilityCertificate => "id_document.disability_certificate",
        IdDocument::HealthInsuranceCard => "id_document.health_insurance_card",
        IdDocument::PensionBook => "id_document.pension_book",
        IdDocument::PensionCertificate => "id_document.pension_certificate",
        IdDocument::OtherOfficialDocument => "id_document.other_official_document",
    }
}

pub fn number_document_key(document: NumberDocument) -> &'static str {
    match document {
        NumberDocument::MyNumberCard => "number_document.my_number_card",
        NumberDocument::NotificationCard => "number_document.notification_card",
        NumberDocument::ResidentRecordWithNumber => "number_document.resident_record_with_number",
    }
}

/// The locale key of one of the 基本4情報 by the service's name for it.
pub fn basic4_key(field: &str) -> Option<&'static str> {
    match field {
        "name" => Some("intake.name"),
        "birth" => Some("intake.birth"),
        "sex" => Some("intake.sex"),
        "address" => Some("intake.address"),
        _ => None,
    }
}

/// One line of the intake the focus can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeRow {
    Channel,
    Document(usize),
    NumberDocument,
    Name,
    Birth,
    Sex,
    Address,
}

impl IntakeRow {
    /// Every row, top to bottom.
    pub fn all() -> Vec<IntakeRow> {
        let mut rows = vec![IntakeRow::Channel];
        rows.extend((0..DOCUMENTS.len()).map(IntakeRow::Document));
        rows.extend([
            IntakeRow::NumberDocument,
            IntakeRow::Name,
            IntakeRow::Birth,
            IntakeRow::Sex,
            IntakeRow::Address,
        ]);
        rows
    }

    fn label(self) -> &'static str {
        match self {
            IntakeRow::Channel => "intake.channel",
            IntakeRow::Document(_) => "intake.documents",
            IntakeRow::NumberDocument => "intake.number_document",
            IntakeRow::Name => "intake.name",
            IntakeRow::Birth => "intake.birth",
            IntakeRow::Sex => "intake.sex",
            IntakeRow::Address => "intake.address",
        }
    }

    fn is_text(self) -> bool {
        matches!(
            self,
            IntakeRow::Name | IntakeRow::Birth | IntakeRow::Address
        )
    }

    /// The service's name for the field of the 基本4情報 on this row.
    fn basic4(self) -> Option<&'static str> {
        match self {
            IntakeRow::Name => Some("name"),
            IntakeRow::Birth => Some("birth"),
            IntakeRow::Sex => Some("sex"),
            IntakeRow::Address => Some("address"),
            _ => None,
        }
    }
}

/// Why the intake cannot go yet: the row to fix and the locale key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub row: IntakeRow,
    pub key: String,
}

#[derive(Debug)]
pub struct IntakeScreen {
    pub header: EntryHeader,
    /// Mailed in (郵送) rather than brought to the counter (窓口); None
    /// until chosen.
    pub by_post: Option<bool>,
    /// Ticked, by index into [`DOCUMENTS`].
    pub ticked: [bool; DOCUMENTS.len()],
    pub number_document: Option<NumberDocument>,
    pub name: TextInput,
    pub birth: TextInput,
    pub sex: Option<Sex>,
    pub address: TextInput,
    rows: Vec<IntakeRow>,
    pub focus: usize,
    /// What stops the intake from going, shown on the note line.
    pub stop: Option<Stop>,
    /// The problems of a refused intake.
    pub problems: Vec<Problem>,
    /// The service's answer once the check is recorded with differences:
    /// the screen shows them and the keying form follows.
    pub recorded: Option<EntryView>,
    pub sending: bool,
    /// The call on its way discards the draft (F9).
    discarding: bool,
    next: Option<Next>,
}

impl IntakeScreen {
    pub fn new(view: &EntryView) -> IntakeScreen {
        IntakeScreen {
            header: EntryHeader::of(view),
            by_post: None,
            ticked: [false; DOCUMENTS.len()],
            number_document: None,
            name: TextInput::new(NAME_CHARS),
            birth: TextInput::new(BIRTH_CHARS),
            sex: None,
            address: TextInput::new(ADDRESS_CHARS),
            rows: IntakeRow::all(),
            focus: 0,
            stop: None,
            problems: Vec::new(),
            recorded: None,
            sending: false,
            discarding: false,
            next: None,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    pub fn focused(&self) -> IntakeRow {
        self.rows[self.focus]
    }

    /// The documents ticked, in the list's order.
    pub fn documents(&self) -> Vec<IdDocument> {
        DOCUMENTS
            .iter()
            .zip(self.ticked)
            .filter(|(_, t)| *t)
            .map(|(d, _)| *d)
            .collect()
    }

    fn input_mut(&mut self, row: IntakeRow) -> Option<&mut TextInput> {
        match row {
            IntakeRow::Name => Some(&mut self.name),
            IntakeRow::Birth => Some(&mut self.birth),
            IntakeRow::Address => Some(&mut self.address),
            _ => None,
        }
    }

    fn input(&self, row: IntakeRow) -> Option<&TextInput> {
        match row {
            IntakeRow::Name => Some(&self.name),
            IntakeRow::Birth => Some(&self.birth),
            IntakeRow::Address => Some(&self.address),
            _ => None,
        }
    }

    /// The birth date as the domain reads it, if it reads.
    fn birth_checked(&self) -> Option<Result<time::Date, FieldError>> {
        let text = self.birth.text().trim();
        (!text.is_empty()).then(|| wareki::parse_date(text).map_err(FieldError::Date))
    }

    /// Moves the focus; a birth date left that reads shows in the form's
    /// own way (平成5年1月1日), which is what the service reads too.
    fn move_to(&mut self, at: usize) {
        if self.focused() == IntakeRow::Birth
            && let Some(Ok(date)) = self.birth_checked()
        {
            let shown = wareki::format_wareki(date);
            if shown != self.birth.text() {
                self.birth.clear();
                self.birth.insert_str(&shown);
            }
        }
        self.focus = at.min(self.rows.len() - 1);
    }

    /// Space, or Left/Right, on a row that chooses: the next choice, or a
    /// document ticked or unticked.
    fn choose(&mut self, forward: bool) {
        fn step<T: Copy + PartialEq>(all: &[T], now: Option<T>, forward: bool) -> Option<T> {
            let n = all.len();
            let at = now.and_then(|v| all.iter().position(|x| *x == v));
            let next = match (at, forward) {
                (None, true) => 0,
                (None, false) => n - 1,
                (Some(i), true) => (i + 1) % n,
                (Some(i), false) => (i + n - 1) % n,
            };
            Some(all[next])
        }
        match self.focused() {
            IntakeRow::Channel => self.by_post = step(&[false, true], self.by_post, forward),
            IntakeRow::Document(i) => self.ticked[i] = !self.ticked[i],
            IntakeRow::NumberDocument => {
                self.number_document = step(&NUMBER_DOCUMENTS, self.number_document, forward)
            }
            IntakeRow::Sex => self.sex = step(&SEXES, self.sex, forward),
            _ => return,
        }
        self.changed();
    }

    fn changed(&mut self) {
        self.stop = None;
        self.problems.clear();
    }

    /// The intake as the service takes it, or what stops it, checked
    /// with the domain's own rule for the documents.
    pub fn request(&self) -> Result<IdentityRequest, Stop> {
        let stop = |row, key: &str| Stop {
            row,
            key: key.to_string(),
        };
        let Some(by_post) = self.by_post else {
            return Err(stop(IntakeRow::Channel, "intake.channel_required"));
        };
        let Some(number_document) = self.number_document else {
            return Err(stop(
                IntakeRow::NumberDocument,
                "intake.number_document_required",
            ));
        };
        let documents = self.documents();
        let intake = if by_post {
            Intake::ByPost {
                documents,
                number_document,
            }
        } else {
            Intake::Counter {
                documents,
                number_document,
            }
        };
        if let Err(e) = intake.check() {
            let first = DOCUMENTS
                .iter()
                .zip(self.ticked)
                .position(|(_, t)| t)
                .unwrap_or(0);
            return Err(stop(
                IntakeRow::Document(first),
                &format!("problem.{}", e.code()),
            ));
        }
        if self.name.text().trim().is_empty() {
            return Err(stop(IntakeRow::Name, "intake.required"));
        }
        match self.birth_checked() {
            None => return Err(stop(IntakeRow::Birth, "intake.required")),
            Some(Err(e)) => {
                return Err(stop(IntakeRow::Birth, &format!("field_error.{}", e.code())));
            }
            Some(Ok(_)) => {}
        }
        let Some(sex) = self.sex else {
            return Err(stop(IntakeRow::Sex, "intake.required"));
        };
        if self.address.text().trim().is_empty() {
            return Err(stop(IntakeRow::Address, "intake.required"));
        }
        Ok(IdentityRequest {
            intake,
            presented: PresentedBasic4 {
                name: KeyedValue::new(self.name.text().trim()),
                birth: KeyedValue::new(self.birth.text().trim()),
                sex,
                address: KeyedValue::new(self.address.text().trim()),
            },
        })
    }

    /// F8: the intake goes, or the focus goes to what stops it; once
    /// recorded, F8 goes on to the keying form.
    fn send(&mut self) -> Vec<Request> {
        if self.sending {
            return Vec::new();
        }
        if let Some(view) = self.recorded.take() {
            self.next = Some(Next::Show(Box::new(view)));
            return vec![Request::note(Level::Warning, "intake.keying_blocked")];
        }
        self.move_to(self.focus);
        match self.request() {
            Ok(request) => {
                self.sending = true;
                self.changed();
                vec![
                    Request::Status(None),
                    Request::Effect(Effect::Entry(EntryCall::Identity {
                        id: self.header.id.clone(),
                        request,
                    })),
                ]
            }
            Err(stop) => {
                if let Some(at) = self.rows.iter().position(|r| *r == stop.row) {
                    self.focus = at;
                }
                self.stop = Some(stop);
                vec![Request::note(Level::Warning, "intake.fix")]
            }
        }
    }

    /// Yes, with a reason, to F9: the first keying is discarded.
    pub fn discard_confirmed(&mut self, reason: &str) -> Vec<Request> {
        if self.sending || reason.trim().is_empty() {
            return Vec::new();
        }
        self.sending = true;
        self.discarding = true;
        vec![
            Request::Status(None),
            Request::Effect(Effect::Entry(EntryCall::Discard {
                id: self.header.id.clone(),
                request: DiscardRequest {
                    reason: reason.trim().to_string(),
                },
            })),
        ]
    }

    /// The service's answer: nothing differs and the keying form follows,
    /// or the differences show here first.
    pub fn sent(&mut self, result: Result<EntryView, Refusal>) -> Vec<Request> {
        self.sending = false;
        if std::mem::take(&mut self.discarding) && result.is_ok() {
            self.next = Some(Next::List { decisions: false });
            return vec![Request::note(Level::Info, "entry.discarded")];
        }
        match result {
            Ok(view) => {
                let differs = view
                    .identity
                    .as_ref()
                    .is_some_and(|i| !i.differences.is_empty() && i.settled_by.is_none());
                if differs {
                    let n = view.identity.as_ref().map_or(0, |i| i.differences.len());
                    self.recorded = Some(view);
                    return vec![note(
                        Level::Warning,
                        "intake.differences",
                        vec![("n", n.to_string())],
                    )];
                }
                self.next = Some(Next::Show(Box::new(view)));
                vec![Request::note(Level::Info, "intake.recorded")]
            }
            Err(refusal) if refusal.problems.is_empty() => vec![Request::Failed(refusal.failure)],
            Err(refusal) => {
                self.problems = refusal.problems;
                vec![note(
                    Level::Error,
                    "entry.refused",
                    vec![("n", self.problems.len().to_string())],
                )]
            }
        }
    }

    /// The fields the recorded check found different.
    fn differences(&self) -> Vec<String> {
        self.recorded
            .as_ref()
            .and_then(|v| v.identity.as_ref())
            .map(|i| i.differences.clone())
            .unwrap_or_default()
    }
}

impl Component for IntakeScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Intake)
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.recorded.is_some() || self.sending {
            return Outcome::NotConsumed;
        }
        let row = self.focused();
        let Some(input) = self.input_mut(row) else {
            return Outcome::NotConsumed;
        };
        let before = input.text().to_string();
        if !input.edit(key) {
            return Outcome::NotConsumed;
        }
        if input.text() != before {
            self.changed();
        }
        Outcome::consumed()
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        let last = self.rows.len() - 1;
        match command {
            Command::Send => return Outcome::Consumed(self.send()),
            Command::Discard if !self.sending => {
                return Outcome::Consumed(vec![Request::Confirm(PendingAction::DiscardEntry {
                    entry: self.header.id.clone(),
                    reason: String::new(),
                })]);
            }
            Command::Back if self.sending => {
                return Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")]);
            }
            // The draft stays; the intake comes again when it is opened.
            Command::Back => self.next = Some(Next::List { decisions: false }),
            _ if self.recorded.is_some() => return Outcome::NotConsumed,
            Command::NextField | Command::SelectNext => self.move_to((self.focus + 1).min(last)),
            Command::PrevField | Command::SelectPrev => self.move_to(self.focus.saturating_sub(1)),
            Command::NextChoice => self.choose(true),
            Command::PrevChoice => self.choose(false),
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn paste(&mut self, text: &str) {
        if self.recorded.is_some() {
            return;
        }
        let row = self.focused();
        if let Some(input) = self.input_mut(row) {
            input.insert_str(text);
            self.changed();
        }
    }

    fn hints(&self) -> Vec<Hint> {
        if self.recorded.is_some() {
            return vec![
                Hint::new(Command::Send, "hint.to_keying"),
                Hint::new(Command::Back, "hint.back"),
            ];
        }
        vec![
            Hint::new(Command::NextField, "hint.next_field"),
            Hint::new(Command::NextChoice, "hint.tick"),
            Hint::new(Command::Send, "hint.send_intake"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        self.recorded.is_none()
            || matches!(command, Command::Send | Command::Back | Command::Discard)
    }

    fn typing(&self) -> bool {
        self.recorded.is_none() && self.focused().is_text()
    }

    fn waiting(&self) -> Option<&'static str> {
        self.sending.then_some("intake.sending")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let width = usize::from(area.width);
        let [title_area, note_area, body_area, result_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(2),
        ])
        .areas(area);
        let h = &self.header;
        let title = vec![
            Span::styled(
                format!(" {} ", form_title(t, &h.form)),
                view.style(Role::Header),
            ),
            Span::raw(" "),
            Span::styled(t.t("intake.title").to_string(), view.style(Role::Focus)),
            Span::styled(
                format!(
                    "  {} {}  {} {}",
                    t.t("entry.paper"),
                    clean(&h.paper),
                    t.t("field.person_number"),
                    clean(&h.person),
                ),
                view.style(Role::Muted),
            ),
        ];
        frame.render_widget(fit_line(title, width), title_area);

        let note_line = if let Some(stop) = &self.stop {
            Span::styled(t.t(&stop.key).to_string(), view.style(Role::Error))
        } else if !self.problems.is_empty() {
            let texts: Vec<String> = self
                .problems
                .iter()
                .map(|p| problem_text(t, &ShownProblem::of(p)))
                .collect();
            Span::styled(texts.join(" / "), view.style(Role::Error))
        } else if self.recorded.is_some() {
            Span::styled(
                t.t("intake.note_recorded").to_string(),
                view.style(Role::Warning),
            )
        } else {
            Span::styled(t.t("intake.note").to_string(), view.style(Role::Muted))
        };
        frame.render_widget(fit_line(vec![note_line], width), note_area);

        self.draw_rows(view, frame, body_area);

        let differences = self.differences();
        if !differences.is_empty() {
            let names: Vec<&str> = differences
                .iter()
                .filter_map(|d| basic4_key(d))
                .map(|k| t.t(k))
                .collect();
            let first = t.tf(
                "intake.differ_line",
                &[("fields", &names.join(t.t("intake.separator")))],
            );
            let lines = [first, t.t("intake.blocked_line").to_string()];
            for (i, text) in lines.into_iter().enumerate() {
                let row = Rect {
                    y: result_area.y + i as u16,
                    height: 1,
                    ..result_area
                };
                if row.y < result_area.bottom() {
                    frame.render_widget(
                        fit_line(vec![Span::styled(text, view.style(Role::Warning))], width),
                        row,
                    );
                }
            }
        }
    }
}

impl IntakeScreen {
    fn draw_rows(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let label_w = [
            "intake.channel",
            "intake.number_document",
            "intake.name",
            "intake.birth",
            "intake.sex",
            "intake.address",
        ]
        .iter()
        .map(|k| display_width(t.t(k)))
        .max()
        .unwrap_or(8)
            + 4;
        let doc_w = DOCUMENTS
            .iter()
            .map(|d| display_width(t.t(document_key(*d))))
            .max()
            .unwrap_or(10);
        let differences = self.differences();
        let width = usize::from(area.width);
        // A heading above the documents and above the 基本4情報.
        let mut lines: Vec<Result<IntakeRow, &'static str>> = Vec::new();
        for row in &self.rows {
            match row {
                IntakeRow::Document(0) => lines.push(Err("intake.documents")),
                IntakeRow::Name => lines.push(Err("intake.presented")),
                _ => {}
            }
            lines.push(Ok(*row));
        }
        let height = usize::from(area.height);
        let focus_line = lines
            .iter()
            .position(|l| *l == Ok(self.focused()))
            .unwrap_or(0);
        let skip = (focus_line + 1).saturating_sub(height);
        for (y, line) in (area.y..area.bottom()).zip(lines.iter().skip(skip)) {
            let rect = Rect::new(area.x, y, area.width, 1);
            let row = match line {
                Ok(row) => row,
                Err(key) => {
                    frame.render_widget(
                        Span::styled(
                            clean_fit(&t.tf("form.section", &[("label", t.t(key))]), width),
                            view.style(Role::Header),
                        ),
                        rect,
                    );
                    continue;
                }
            };
            let focused = *row == self.focused() && self.recorded.is_none() && !view.covered;
            let marker = if focused { "> " } else { "  " };
            let label_style = if focused {
                view.style(Role::Focus)
            } else {
                view.style(Role::Text)
            };
            if let IntakeRow::Document(i) = row {
                let document = DOCUMENTS[*i];
                let tick = if self.ticked[*i] { "[x]" } else { "[ ]" };
                let photo = if document.has_photo() {
                    "intake.with_photo"
                } else {
                    "intake.without_photo"
                };
                let style = if focused {
                    view.style(Role::Selection)
                } else {
                    label_style
                };
                let spans = vec![
                    Span::styled(
                        [
                            marker,
                            tick,
                            " ",
                            &pad_to_width(t.t(document_key(document)), doc_w),
                        ]
                        .concat(),
                        style,
                    ),
                    Span::styled(format!("  {}", t.t(photo)), view.style(Role::Muted)),
                ];
                frame.render_widget(fit_line(spans, width), rect);
                continue;
            }
            let label = pad_to_width(&format!("{marker}{}", t.t(row.label())), label_w);
            let label_cols = u16::try_from(label_w).unwrap_or(0).min(rect.width);
            frame.render_widget(
                Span::styled(label, label_style),
                Rect {
                    width: label_cols,
                    ..rect
                },
            );
            let value = Rect {
                x: rect.x + label_cols,
                width: rect.width.saturating_sub(label_cols),
                ..rect
            };
            let beside = self.beside(view, *row, &differences);
            let beside_w = beside.as_ref().map_or(0, |s| display_width(&s.content) + 1);
            let value_w = usize::from(value.width).saturating_sub(beside_w).min(44);
            let field = Rect {
                width: u16::try_from(value_w).unwrap_or(0),
                ..value
            };
            match self.input(*row) {
                Some(input) => {
                    let style = if focused {
                        view.style(Role::Text).add_modifier(Modifier::UNDERLINED)
                    } else {
                        view.style(Role::Text)
                    };
                    if focused {
                        frame.render_widget(Span::styled(" ".repeat(value_w), style), field);
                        input.draw(frame, field, style, true);
                    } else {
                        frame.render_widget(
                            Span::styled(clean_fit(input.text(), value_w), style),
                            field,
                        );
                    }
                }
                None => {
                    let chosen = match row {
                        IntakeRow::Channel => self.by_post.map(|p| {
                            if p {
                                "intake.by_post"
                            } else {
                                "intake.counter"
                            }
                        }),
                        IntakeRow::NumberDocument => self.number_document.map(number_document_key),
                        IntakeRow::Sex => self.sex.map(|s| match s {
                            Sex::Male => "choice.male",
                            Sex::Female => "choice.female",
                        }),
                        _ => None,
                    };
                    let (text, role) = match chosen {
                        Some(key) => (format!("< {} >", t.t(key)), Role::Text),
                        None => (format!("< {} >", t.t("intake.not_chosen")), Role::Muted),
                    };
                    let style = if focused {
                        view.style(Role::Selection)
                    } else {
                        view.style(role)
                    };
                    frame.render_widget(Span::styled(clean_fit(&text, value_w), style), field);
                }
            }
            if let Some(span) = beside {
                let x = field.x + field.width + 1;
                if x < value.x + value.width {
                    frame.render_widget(
                        span,
                        Rect {
                            x,
                            width: value.x + value.width - x,
                            ..value
                        },
                    );
                }
            }
        }
    }

    /// What shows beside a row: the difference the service found, else
    /// the date check once the field was left.
    fn beside(
        &self,
        view: &View<'_>,
        row: IntakeRow,
        differences: &[String],
    ) -> Option<Span<'static>> {
        let t = view.i18n;
        if let Some(field) = row.basic4()
            && self.recorded.is_some()
        {
            let differs = differences.iter().any(|d| d == field);
            return Some(if differs {
                Span::styled(t.t("intake.differs").to_string(), view.style(Role::Error))
            } else {
                Span::styled(t.t("intake.matches").to_string(), view.style(Role::Muted))
            });
        }
        if row == IntakeRow::Birth
            && self.focused() != IntakeRow::Birth
            && let Some(Err(error)) = self.birth_checked()
        {
            return Some(Span::styled(
                field_error_text(t, &error),
                view.style(Role::Error),
            ));
        }
        None
    }
}

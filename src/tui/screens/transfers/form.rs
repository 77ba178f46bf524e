//! A clerk's transfer request: the destination chosen from the registered
//! ones (Left/Right), the format from those it receives, the purpose, the
//! legal basis (the destination's to start with), a note, and the persons
//! chosen on their records. F8 shows the summary; F8 there asks first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::api::transfer::{DestinationList, FormatList, FormatView, PrepareTransferRequest};
use crate::domain::transfer::destination::Destination;
use crate::tui::i18n::Lang;
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

const PURPOSE_CHARS: usize = 200;
const BASIS_CHARS: usize = 200;
const NOTE_CHARS: usize = 500;

/// The form's rows, in the order Tab visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Destination,
    Format,
    Purpose,
    LegalBasis,
    Note,
}

impl FormField {
    pub const ALL: [FormField; 5] = [
        FormField::Destination,
        FormField::Format,
        FormField::Purpose,
        FormField::LegalBasis,
        FormField::Note,
    ];

    fn label(self) -> &'static str {
        match self {
            FormField::Destination => "transfers.destination",
            FormField::Format => "transfers.format",
            FormField::Purpose => "transfers.purpose",
            FormField::LegalBasis => "transfers.legal_basis",
            FormField::Note => "transfers.note",
        }
    }
}

#[derive(Debug)]
pub struct PrepareForm {
    /// The registries are on their way.
    pub loading: bool,
    /// The active destinations.
    pub destinations: Vec<Destination>,
    pub formats: Vec<FormatView>,
    pub destination: usize,
    /// Index into the formats the chosen destination receives.
    pub format: usize,
    pub purpose: TextInput,
    pub legal_basis: TextInput,
    pub note: TextInput,
    pub persons: Vec<String>,
    pub focus: FormField,
    /// The summary shows, before the question.
    pub summary: bool,
}

impl PrepareForm {
    pub fn new(persons: Vec<String>) -> PrepareForm {
        PrepareForm {
            loading: true,
            destinations: Vec::new(),
            formats: Vec::new(),
            destination: 0,
            format: 0,
            purpose: TextInput::new(PURPOSE_CHARS),
            legal_basis: TextInput::new(BASIS_CHARS),
            note: TextInput::new(NOTE_CHARS),
            persons,
            focus: FormField::Destination,
            summary: false,
        }
    }

    /// The registries arrived: the first destination is chosen, its legal
    /// basis filled in.
    pub fn registries(&mut self, destinations: DestinationList, formats: FormatList) {
        self.loading = false;
        self.destinations = destinations
            .destinations
            .into_iter()
            .map(|d| d.destination)
            .filter(|d| d.active)
            .collect();
        self.formats = formats.formats;
        self.choose_destination(0);
    }

    fn choose_destination(&mut self, at: usize) {
        self.destination = at;
        self.format = 0;
        self.legal_basis.clear();
        if let Some(d) = self.destinations.get(at) {
            self.legal_basis.insert_str(&d.legal_basis);
        }
    }

    pub fn chosen(&self) -> Option<&Destination> {
        self.destinations.get(self.destination)
    }

    /// The formats (every registered version) the destination receives.
    pub fn receivable(&self) -> Vec<&FormatView> {
        let Some(d) = self.chosen() else {
            return Vec::new();
        };
        self.formats
            .iter()
            .filter(|f| d.receives(&f.format.id))
            .collect()
    }

    fn format_view(&self) -> Option<&FormatView> {
        self.receivable().get(self.format).copied()
    }

    pub fn input_mut(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            FormField::Purpose => Some(&mut self.purpose),
            FormField::LegalBasis => Some(&mut self.legal_basis),
            FormField::Note => Some(&mut self.note),
            FormField::Destination | FormField::Format => None,
        }
    }

    pub fn typing(&self) -> bool {
        !self.summary
            && matches!(
                self.focus,
                FormField::Purpose | FormField::LegalBasis | FormField::Note
            )
    }

    pub fn step_focus(&mut self, forward: bool) {
        let at = FormField::ALL
            .iter()
            .position(|f| *f == self.focus)
            .unwrap_or(0);
        let n = FormField::ALL.len();
        let to = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.focus = FormField::ALL[to];
    }

    /// Left or Right on a choice row: the next or previous destination or
    /// format. False on a text row.
    pub fn step_choice(&mut self, forward: bool) -> bool {
        let n = match self.focus {
            FormField::Destination => self.destinations.len(),
            FormField::Format => self.receivable().len(),
            _ => return false,
        };
        if n == 0 {
            return true;
        }
        let at = match self.focus {
            FormField::Destination => self.destination,
            _ => self.format,
        };
        let to = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        match self.focus {
            FormField::Destination => self.choose_destination(to),
            _ => self.format = to,
        }
        true
    }

    /// The request, or the locale key of what is missing with its row.
    pub fn request(&self) -> Result<PrepareTransferRequest, (&'static str, FormField)> {
        let destination = self
            .chosen()
            .ok_or(("transfers.need_destination", FormField::Destination))?;
        let format = self
            .format_view()
            .ok_or(("transfers.need_format", FormField::Format))?;
        let purpose = self.purpose.text().trim().to_string();
        if purpose.is_empty() {
            return Err(("transfers.need_purpose", FormField::Purpose));
        }
        let legal_basis = self.legal_basis.text().trim().to_string();
        if legal_basis.is_empty() {
            return Err(("transfers.need_legal_basis", FormField::LegalBasis));
        }
        if self.persons.is_empty() {
            return Err(("transfers.need_persons", self.focus));
        }
        Ok(PrepareTransferRequest {
            destination: destination.id.clone(),
            format: format.format.label(),
            purpose,
            legal_basis,
            persons: self.persons.clone(),
            note: self.note.text().trim().to_string(),
        })
    }

    fn format_text(&self, view: &View<'_>) -> String {
        match self.format_view() {
            Some(f) => {
                let title = match view.i18n.lang() {
                    Lang::Ja => &f.format.title_ja,
                    Lang::En => &f.format.title_en,
                };
                format!("{} ({})", clean(title), clean(&f.format.label()))
            }
            None => view.t("transfers.no_format").to_string(),
        }
    }

    fn destination_text(&self, view: &View<'_>) -> String {
        match self.chosen() {
            Some(d) => format!("{} ({})", clean(&d.name), clean(&d.id)),
            None => view.t("transfers.no_destinations").to_string(),
        }
    }

    fn persons_lines(&self, view: &View<'_>, width: usize) -> Vec<Line<'static>> {
        let n = self.persons.len().to_string();
        let head = if self.persons.is_empty() {
            view.t("transfers.no_persons").to_string()
        } else {
            view.i18n.tf("transfers.persons_count", &[("n", &n)])
        };
        vec![
            fit_line(vec![Span::styled(head, view.style(Role::Muted))], width),
            Line::from(Span::styled(
                self.persons
                    .iter()
                    .map(|p| clean(p))
                    .collect::<Vec<_>>()
                    .join("  "),
                view.style(Role::Text),
            )),
        ]
    }

    pub fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        if self.loading {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    t.t("review.loading").to_string(),
                    view.style(Role::Muted),
                )),
                area,
            );
            return;
        }
        let label_w = FormField::ALL
            .iter()
            .map(|f| display_width(t.t(f.label())))
            .max()
            .unwrap_or(8)
            + 2;
        let width = usize::from(area.width);
        let covered = view.covered;
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut inputs = Vec::new();
        for (row, field) in FormField::ALL.iter().enumerate() {
            let focused = !self.summary && self.focus == *field;
            let label = Span::styled(
                pad_to_width(t.t(field.label()), label_w),
                view.style(if focused { Role::Focus } else { Role::Text }),
            );
            let value = match field {
                FormField::Destination => Some(self.destination_text(view)),
                FormField::Format => Some(self.format_text(view)),
                _ => None,
            };
            match (value, self.summary) {
                (Some(text), false) => lines.push(fit_line(
                    vec![
                        label,
                        Span::styled("< ", view.style(Role::Muted)),
                        Span::styled(
                            text,
                            view.style(if focused { Role::Selection } else { Role::Text }),
                        ),
                        Span::styled(" >", view.style(Role::Muted)),
                    ],
                    width,
                )),
                (Some(text), true) => lines.push(fit_line(
                    vec![label, Span::styled(text, view.style(Role::Text))],
                    width,
                )),
                (None, summary) => {
                    let input = match field {
                        FormField::Purpose => &self.purpose,
                        FormField::LegalBasis => &self.legal_basis,
                        _ => &self.note,
                    };
                    if summary {
                        lines.push(fit_line(
                            vec![
                                label,
                                Span::styled(clean(input.text()), view.style(Role::Text)),
                            ],
                            width,
                        ));
                    } else {
                        lines.push(fit_line(vec![label], width));
                        inputs.push((row, input, focused));
                    }
                }
            }
        }
        lines.push(Line::default());
        lines.extend(self.persons_lines(view, width));
        if self.summary {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                t.t("transfers.summary_note").to_string(),
                view.style(Role::Warning),
            )));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
        let style = view
            .style(Role::Text)
            .add_modifier(ratatui::style::Modifier::UNDERLINED);
        let label_cols = u16::try_from(label_w).unwrap_or(area.width).min(area.width);
        for (row, input, focused) in inputs {
            let y = area.y + u16::try_from(row).unwrap_or(0);
            if y >= area.bottom() {
                continue;
            }
            let field = Rect {
                x: area.x + label_cols,
                y,
                width: area.width.saturating_sub(label_cols),
                height: 1,
            };
            frame.render_widget(
                Span::styled(" ".repeat(usize::from(field.width)), style),
                field,
            );
            input.draw(frame, field, style, focused && !covered);
        }
    }
}

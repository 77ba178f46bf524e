//! Executing a transfer at the preparer's terminal: the preview (what
//! leaves, its hash and fingerprint to read aloud, the 支援措置 records to
//! reconfirm), the IT officer's sign-off typed at the same terminal under
//! the preparer's session, then the sending and its answer.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::api::transfer::{PreviewView, SignOffRequest, TransferView};
use crate::domain::roles::Role as StaffRole;
use crate::secret::{Pin, TotpCode};
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::demo;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::{fit_line, hash_groups};

use super::state_text;

/// States whose preview the preparer opens (a paused one resumes).
pub const PREVIEWABLE: &[&str] = &["approved", "awaiting_sign_off", "paused"];
/// States the preparer sends from (a failure is tried again).
pub const SENDABLE: &[&str] = &["signed_off", "failed"];

/// The IT officer's credentials as typed: PIN and code in zeroizing
/// buffers, the PIN drawn as `*`.
#[derive(Debug)]
pub struct SignOffForm {
    pub user_id: TextInput,
    pub pin: TextInput,
    pub code: TextInput,
    pub focus: usize,
}

impl Default for SignOffForm {
    fn default() -> Self {
        SignOffForm::new()
    }
}

impl SignOffForm {
    pub fn new() -> SignOffForm {
        SignOffForm {
            user_id: TextInput::new(64),
            pin: TextInput::secret(128),
            code: TextInput::new(8),
            focus: 0,
        }
    }

    pub fn input_mut(&mut self) -> &mut TextInput {
        match self.focus {
            0 => &mut self.user_id,
            1 => &mut self.pin,
            _ => &mut self.code,
        }
    }

    pub fn step_focus(&mut self, forward: bool) {
        self.focus = if forward {
            (self.focus + 1) % 3
        } else {
            (self.focus + 2) % 3
        };
    }

    /// The sign-off of `hash`, or the locale key of what is missing.
    pub fn request(&self, hash: &str) -> Result<SignOffRequest, &'static str> {
        let user_id = self.user_id.text().trim().to_string();
        if user_id.is_empty() || self.pin.is_empty() || self.code.is_empty() {
            return Err("transfers.need_sign_off");
        }
        Ok(SignOffRequest {
            user_id,
            pin: Pin::new(self.pin.text()),
            totp: TotpCode::new(self.code.text()),
            hash: hash.to_string(),
        })
    }

    /// Wipes what was typed.
    pub fn clear(&mut self) {
        self.user_id.clear();
        self.pin.clear();
        self.code.clear();
        self.focus = 0;
    }
}

/// One transfer being executed.
#[derive(Debug)]
pub struct Execution {
    /// The transfer as the service last answered.
    pub view: TransferView,
    /// The preview while its sign-off is awaited.
    pub preview: Option<PreviewView>,
    /// The 支援措置 records of the preview, and those reconfirmed.
    pub sensitive: Vec<String>,
    pub reconfirmed: Vec<String>,
    pub selected: usize,
    pub form: Option<SignOffForm>,
}

impl Execution {
    pub fn new(view: TransferView) -> Execution {
        Execution {
            view,
            preview: None,
            sensitive: Vec::new(),
            reconfirmed: Vec::new(),
            selected: 0,
            form: None,
        }
    }

    pub fn id(&self) -> &str {
        &self.view.id
    }

    pub fn previewed(&mut self, preview: PreviewView) {
        self.view = preview.transfer.clone();
        self.sensitive = preview.to_reconfirm.clone();
        self.reconfirmed.clear();
        self.selected = 0;
        self.preview = Some(preview);
    }

    /// The 支援措置 records still to reconfirm.
    pub fn remaining(&self) -> usize {
        self.sensitive
            .iter()
            .filter(|p| !self.reconfirmed.contains(p))
            .count()
    }

    /// The selected record, if it still needs reconfirming.
    pub fn to_reconfirm(&self) -> Option<&String> {
        self.sensitive
            .get(self.selected)
            .filter(|p| !self.reconfirmed.contains(p))
    }

    /// A new state from the service: a preview that no longer awaits its
    /// sign-off goes (the records changed, or it paused).
    pub fn now(&mut self, view: TransferView) {
        if view.state != "awaiting_sign_off" {
            self.preview = None;
        }
        self.view = view;
    }

    pub fn sendable(&self) -> bool {
        SENDABLE.contains(&self.view.state.as_str())
    }

    pub fn draw(&self, view: &View<'_>, frame: &mut Frame, inner: Rect) {
        let width = usize::from(inner.width);
        let mut lines = match &self.preview {
            Some(p) => self.preview_lines(view, p, width),
            None => self.state_lines(view, width),
        };
        let mut text_area = inner;
        if let (Some(form), Some(p)) = (&self.form, &self.preview) {
            lines = self.form_lines(view, form, p, width);
            // In `bansho demo` the IT officers' rows (PIN and live code)
            // sit under the form, so a newcomer can sign off.
            let officers: Vec<_> = view
                .demo
                .unwrap_or_default()
                .iter()
                .filter(|a| a.role == StaffRole::ItOfficer)
                .cloned()
                .collect();
            if !officers.is_empty() {
                let [top, bottom] = Layout::vertical([
                    Constraint::Min(0),
                    Constraint::Length(demo::height(officers.len())),
                ])
                .areas(inner);
                text_area = top;
                demo::draw(view, &officers, frame, bottom);
            }
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    }

    fn preview_lines(&self, view: &View<'_>, p: &PreviewView, width: usize) -> Vec<Line<'static>> {
        let t = view.i18n;
        let row = labelled(view, width, EXEC_LABELS);
        let mut lines = vec![
            row("transfers.destination", p.destination_name.clone()),
            row("transfers.format", p.format.clone()),
            row("transfers.column_records", p.records.to_string()),
            row("transfers.fields", p.fields.join(", ")),
            Line::default(),
        ];
        lines.extend(hash_lines(view, &p.hash, &p.fingerprint, width));
        lines.push(Line::default());
        if self.sensitive.is_empty() {
            lines.push(muted(view, t.t("transfers.none_to_reconfirm"), width));
        } else {
            let n = self.remaining().to_string();
            lines.push(muted(
                view,
                &t.tf("transfers.to_reconfirm", &[("n", &n)]),
                width,
            ));
            for (i, person) in self.sensitive.iter().enumerate() {
                let done = self.reconfirmed.contains(person);
                let mark = if done {
                    t.t("transfers.reconfirmed_mark")
                } else {
                    t.t("transfers.remains_mark")
                };
                let role = match (i == self.selected, done) {
                    (true, _) => Role::Selection,
                    (false, true) => Role::Text,
                    (false, false) => Role::SensitiveRecord,
                };
                lines.push(fit_line(
                    vec![Span::styled(
                        format!("  {}  {mark}", clean(person)),
                        view.style(role),
                    )],
                    width,
                ));
            }
        }
        lines.push(Line::default());
        lines.push(muted(view, t.t("transfers.read_aloud"), width));
        lines
    }

    fn form_lines(
        &self,
        view: &View<'_>,
        form: &SignOffForm,
        p: &PreviewView,
        width: usize,
    ) -> Vec<Line<'static>> {
        let t = view.i18n;
        let row = labelled(view, width, EXEC_LABELS);
        let mut lines = vec![
            row("transfers.destination", p.destination_name.clone()),
            row("transfers.column_records", p.records.to_string()),
        ];
        lines.extend(hash_lines(view, &p.hash, &p.fingerprint, width));
        lines.push(Line::default());
        let fields = [
            ("transfers.officer_id", &form.user_id),
            ("transfers.officer_pin", &form.pin),
            ("transfers.officer_code", &form.code),
        ];
        let label_w = fields
            .iter()
            .map(|(k, _)| display_width(t.t(k)))
            .max()
            .unwrap_or(8)
            + 4;
        for (i, (key, input)) in fields.iter().enumerate() {
            let focused = form.focus == i && !view.covered;
            let marker = if focused { "> " } else { "  " };
            let style = if focused {
                view.style(Role::Focus)
            } else {
                view.style(Role::Text)
            };
            lines.push(fit_line(
                vec![
                    Span::styled(
                        pad_to_width(&format!("{marker}{}", t.t(key)), label_w),
                        style,
                    ),
                    Span::styled(
                        input.shown(),
                        view.style(Role::Text).add_modifier(Modifier::UNDERLINED),
                    ),
                ],
                width,
            ));
        }
        lines.push(Line::default());
        lines.push(muted(view, t.t("transfers.sign_off_note"), width));
        lines
    }

    fn state_lines(&self, view: &View<'_>, width: usize) -> Vec<Line<'static>> {
        let t = view.i18n;
        let v = &self.view;
        let row = labelled(view, width, EXEC_LABELS);
        let mut lines = vec![
            row(
                "transfers.column_state",
                format!("{}  ({})", state_text(view, &v.state), v.id),
            ),
            row("transfers.destination", v.request.destination.clone()),
            row(
                "transfers.column_records",
                v.request.persons.len().to_string(),
            ),
        ];
        if let Some(by) = &v.signed_off_by {
            lines.push(row("transfers.column_signed_off", by.clone()));
        }
        if let (Some(hash), Some(fp)) = (&v.hash, &v.fingerprint) {
            lines.extend(hash_lines(view, hash, fp, width));
        }
        if let Some(receipt) = &v.receipt {
            lines.push(row("transfers.receipt", receipt.clone()));
        }
        if let Some(failure) = &v.failure {
            lines.push(row("transfers.failure", failure.clone()));
        }
        lines.push(Line::default());
        let next = match v.state.as_str() {
            "signed_off" => Some("transfers.send_ready"),
            "failed" => Some("transfers.retry_ready"),
            "delivered" => Some("transfers.delivered_note"),
            s if PREVIEWABLE.contains(&s) => Some("transfers.preview_again"),
            _ => None,
        };
        if let Some(key) = next {
            lines.push(muted(view, t.t(key), width));
        }
        lines
    }
}

/// The labels of the execution screens, for one label width.
const EXEC_LABELS: &[&str] = &[
    "transfers.column_state",
    "transfers.destination",
    "transfers.format",
    "transfers.column_records",
    "transfers.fields",
    "transfers.column_signed_off",
    "transfers.receipt",
    "transfers.failure",
    "transfers.hash",
    "transfers.fingerprint",
];

/// A row maker: a muted label padded to the widest of `keys`, then text.
pub fn labelled<'a>(
    view: &'a View<'a>,
    width: usize,
    keys: &[&str],
) -> impl Fn(&str, String) -> Line<'static> + 'a {
    let t = view.i18n;
    let label_w = keys
        .iter()
        .map(|k| display_width(t.t(k)))
        .max()
        .unwrap_or(8)
        + 2;
    move |key: &str, value: String| {
        fit_line(
            vec![
                Span::styled(pad_to_width(t.t(key), label_w), view.style(Role::Muted)),
                Span::styled(clean(&value), view.style(Role::Text)),
            ],
            width,
        )
    }
}

/// A note, wrapped by the paragraph rather than cut.
fn muted(view: &View<'_>, text: &str, _width: usize) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), view.style(Role::Muted)))
}

/// The full SHA-256 in groups of eight, and the fingerprint spaced out in
/// bold, to be read aloud digit by digit.
fn hash_lines(view: &View<'_>, hash: &str, fingerprint: &str, width: usize) -> Vec<Line<'static>> {
    let t = view.i18n;
    let groups = hash_groups(&clean(hash));
    let spaced: String = clean(fingerprint)
        .chars()
        .map(|c| {
            if c == ' ' {
                "   ".to_string()
            } else {
                format!("{c} ")
            }
        })
        .collect();
    let label = |key: &str| Span::styled(format!("{}  ", t.t(key)), view.style(Role::Muted));
    let mut lines = vec![fit_line(
        vec![
            label("transfers.fingerprint"),
            Span::styled(
                spaced.trim_end().to_string(),
                view.style(Role::Focus).add_modifier(Modifier::BOLD),
            ),
        ],
        width,
    )];
    lines.push(fit_line(
        vec![
            label("transfers.hash"),
            Span::styled(
                groups[..groups.len().min(4)].join(" "),
                view.style(Role::Text),
            ),
        ],
        width,
    ));
    if groups.len() > 4 {
        let pad = display_width(t.t("transfers.hash")) + 2;
        lines.push(fit_line(
            vec![
                Span::raw(" ".repeat(pad)),
                Span::styled(groups[4..].join(" "), view.style(Role::Text)),
            ],
            width,
        ));
    }
    lines
}

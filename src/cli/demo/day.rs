//! A day of entry work in a fresh demo store, made through the real
//! service: the same HTTP API over mutual TLS from the demo terminal, the
//! demo clerks and supervisor logged in with their PINs and codes, every
//! step checked and recorded by the service as any other. Only the clock
//! is the demo's: set to the previous business day for yesterday's part
//! (so that today's next-day re-verification list has something to list)
//! and to a few minutes ago for today's.
//!
//! Yesterday: a batch (束) of declarations keyed by `kazei01` and `kazei02`,
//! each keyed twice, blind, and committed (two with an overridden warning,
//! one with a large amount, one decided by `shunin01` after the keyings
//! still differed), the batch closed. Today: an open batch with first
//! keyings waiting for a second clerk, one entry back with its second
//! keyer to key again, two waiting for the supervisor's decision; a
//! declaration brought to the counter whose identity check found a
//! difference; today's re-verification list made, for `kazei03`, and two
//! corrections of yesterday's records proposed and waiting for review.
//!
//! The declarations are the entry benchmarks' papers: realistic and
//! consistent (they pass every check of the form), for synthetic residents
//! of the store.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Date, Duration, OffsetDateTime};

use crate::api::entry::{
    BatchView, DecideRequest, Decision, EntryView, FieldsRequest, IdentityRequest, Keyer,
    OpenBatchRequest, PresentedBasic4, ProposeCorrectionRequest, ReverifyList, StartEntryRequest,
    SubmitRequest,
};
use crate::bench::entry::accuracy::expand;
use crate::bench::entry::paper::{self, FORM, Paper};
use crate::client::{ApiClient, ClientError};
use crate::domain::entry::forms;
use crate::domain::entry::identity::{IdDocument, Intake, NumberDocument};
use crate::domain::entry::reverify::Calendar;
use crate::domain::entry::schema::{FieldKind, FieldPath, FormSchema};
use crate::domain::synth::{self, SyntheticResident};
use crate::domain::transfer::destination::Destination;
use crate::secret::KeyedValue;
use crate::server::clock::{Clock, ManualClock};
use crate::server::data_dir::{self, NewStaff};
use crate::server::settings::OfficeTimeZone;
use crate::server::{AppState, ServerConfig};
use crate::store::ResidentStore;
use crate::testkit::{Account, RunningService};
use crate::tui::Lang;
use crate::tui::i18n::I18n;

/// Who does what.
pub const KEYER: &str = "kazei01";
pub const VERIFIER: &str = "kazei02";
pub const REVERIFIER: &str = "kazei03";
pub const SUPERVISOR: &str = "shunin01";
const PURPOSE: &str = "assessment";

/// Yesterday's batch: this many declarations, committed.
const YESTERDAY: usize = 10;
/// Today's batch: first keyings waiting for a second clerk, one back with
/// its second keyer, two for the supervisor.
const AWAITING: usize = 3;
const REKEYING: usize = 1;
const ADJUDICATION: usize = 2;
/// Papers a day takes: both batches and the counter visit.
const PAPERS: usize = YESTERDAY + AWAITING + REKEYING + ADJUDICATION + 1;

/// Today's part takes at most this long on the demo's clock.
const TODAY_SECONDS: i64 = 40 * 60;

/// What people write where the service asks for a reason, in the demo's
/// language (`locales/`).
struct Reasons {
    jan1: String,
    decision: String,
    correction: String,
    phone: String,
    transfer_purpose: String,
    transfer_note: String,
}

impl Reasons {
    fn in_lang(lang: Lang) -> Reasons {
        let i18n = I18n::new(lang);
        Reasons {
            jan1: i18n.t("demo_work.jan1_reason").to_owned(),
            decision: i18n.t("demo_work.decision_reason").to_owned(),
            correction: i18n.t("demo_work.correction_reason").to_owned(),
            phone: i18n.t("demo_work.phone_reason").to_owned(),
            transfer_purpose: i18n.t("demo_work.transfer_purpose").to_owned(),
            transfer_note: i18n.t("demo_work.transfer_note").to_owned(),
        }
    }
}

/// What was seeded, as the service answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub yesterday: Date,
    pub today: Date,
    /// Yesterday's batch, closed, and the declarations committed in it.
    pub closed_batch: String,
    pub committed: usize,
    pub warnings_overridden: usize,
    pub decided: usize,
    /// Today's batch, open, and its entries by state.
    pub open_batch: String,
    pub awaiting_second: usize,
    pub rekeying: usize,
    pub adjudication: usize,
    /// The counter visit whose identity check found a difference.
    pub identity_entry: String,
    /// Whether today is a business day: only then is there a list.
    pub business_day: bool,
    /// Today's re-verification list as made, and what is still open on it.
    pub listed: usize,
    pub listed_open: usize,
    pub corrections: usize,
    /// The transfer prepared and approved, waiting for its execution.
    pub transfer: Option<String>,
    pub millis: u128,
}

impl std::fmt::Display for Seeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a day of entry work in {:.1} s: {} ({}) {} declarations keyed twice and \
             committed in closed batch {} ({} with a warning overridden, {} decided by {}); ",
            self.millis as f64 / 1000.0,
            self.yesterday,
            self.yesterday.weekday(),
            self.committed,
            self.closed_batch,
            self.warnings_overridden,
            self.decided,
            SUPERVISOR,
        )?;
        if self.business_day {
            let items = if self.listed_open == 1 {
                "item"
            } else {
                "items"
            };
            write!(
                f,
                "today {} {items} on the re-verification list of {REVERIFIER}, ",
                self.listed_open
            )?;
        } else {
            write!(f, "no re-verification list today (not a business day), ")?;
        }
        write!(
            f,
            "batch {} open with {} awaiting second keying, {} re-keying, {} for the \
             supervisor, 1 identity difference, {} corrections waiting",
            self.open_batch,
            self.awaiting_second,
            self.rekeying,
            self.adjudication,
            self.corrections,
        )?;
        if self.transfer.is_some() {
            write!(
                f,
                ", 1 transfer approved by {SUPERVISOR} waiting for its sign-off by {}",
                transfer::IT_OFFICER
            )?;
        }
        Ok(())
    }
}

/// The business day before `today`, by the office's calendar.
pub fn previous_business_day(calendar: &Calendar, today: Date) -> Date {
    let mut day = today.previous_day().unwrap_or(today);
    // At most a year back: a calendar of nothing but holidays ends.
    for _ in 0..366 {
        if calendar.is_business_day(day) {
            break;
        }
        day = day.previous_day().unwrap_or(day);
    }
    day
}

/// The service settings the demo runs with (and seeds under).
pub fn config() -> ServerConfig {
    ServerConfig::default()
}

/// Seeds a day of entry work into the fresh demo store in `dir`, as of
/// `now`, through a service of its own on 127.0.0.1 that is stopped again
/// when done; the reasons people give are in `lang`. `None` if the store
/// has too few residents who can declare. With `destination`, a transfer
/// to it is prepared and approved as well ([`transfer`]).
pub async fn seed(
    dir: &Path,
    staff: &[NewStaff],
    now: OffsetDateTime,
    lang: Lang,
    destination: Option<&Destination>,
) -> anyhow::Result<Option<Seeded>> {
    let started = Instant::now();
    let config = config();
    let zone = config.time_zone.clone();
    let calendar = config.calendar.clone();
    let large = config.reverify_rules.amount_at_least;
    let today = zone.local_date(now).context("today in the office's zone")?;
    let yesterday = previous_business_day(&calendar, today);

    let owned = dir.to_path_buf();
    let (store, keys, bundle, origin, residents) = tokio::task::spawn_blocking(move || {
        let (store, keys) = data_dir::open(&owned)?;
        let bundle = super::kept::terminal(store.as_ref(), &keys, &owned)?;
        let origin = data_dir::synthetic_origin(store.as_ref(), synth::Origin::varied(1))?;
        let residents = store.resident_count()?;
        anyhow::Ok((store, keys, bundle, origin, residents))
    })
    .await??;

    let schema = forms::form(FORM).context("the declaration form is not built in")?;
    let Some(mut pile) = Pile::draw(schema, origin, residents, large) else {
        return Ok(None);
    };

    let clock = Arc::new(ManualClock::new(at(&zone, yesterday, 9, 30)?));
    // A day of several people's work done in a second: the limits on how
    // fast one person may read and log in are raised for this instance
    // only (as the benchmarks do); every rule of the work stays.
    let config = ServerConfig {
        reads_per_second: 1_000_000,
        read_burst: 1_000_000,
        terminal_logins_per_minute: 1_000_000,
        ..config
    };
    let state = AppState::new(store, Arc::new(keys), clock.clone(), config);
    let service = RunningService::start(state, dir).await?;
    let mut office = Office {
        client: service.client(&bundle)?,
        reasons: Reasons::in_lang(lang),
        clock,
        pace: 1.0,
        staff: staff
            .iter()
            .map(|s| (s.user_id.clone(), Account::of(s)))
            .collect(),
    };
    drop(bundle);

    let mut seeded = Seeded {
        yesterday,
        today,
        closed_batch: batch_id(yesterday),
        committed: 0,
        warnings_overridden: 0,
        decided: 0,
        open_batch: batch_id(today),
        awaiting_second: 0,
        rekeying: 0,
        adjudication: 0,
        identity_entry: String::new(),
        business_day: calendar.is_business_day(today),
        listed: 0,
        listed_open: 0,
        corrections: 0,
        transfer: None,
        millis: 0,
    };
    let committed = office.yesterday(&mut pile, &mut seeded).await?;
    if let Some(destination) = destination {
        seeded.transfer = Some(office.transfer(destination, &committed).await?);
    }

    // Today's part ends a minute before `now` and starts no earlier than
    // the day (just after midnight it goes faster), so every login's code
    // is older than the ones the demo panel shows now.
    let day_start = zone.day_start(today).context("the start of today")?;
    let start = (now - Duration::seconds(TODAY_SECONDS + 60)).max(day_start);
    let room = (now - Duration::minutes(1) - start).whole_seconds().max(0);
    office.pace = (room as f64 / TODAY_SECONDS as f64).min(1.0);
    office.clock.set(start);
    office.today(&mut pile, &committed, &mut seeded).await?;
    drop(service);
    seeded.millis = started.elapsed().as_millis();
    Ok(Some(seeded))
}

/// `hour:minute` of `day` in the office's zone.
fn at(zone: &OfficeTimeZone, day: Date, hour: i64, minute: i64) -> anyhow::Result<OffsetDateTime> {
    let start = zone.day_start(day).context("the start of a day")?;
    Ok(start + Duration::hours(hour) + Duration::minutes(minute))
}

/// A batch's number as written on its header: the day and a sequence.
fn batch_id(day: Date) -> String {
    format!(
        "{:04}{:02}{:02}-001",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// The papers of the day, drawn for residents of the store who can declare.
struct Pile {
    /// Declarations whose amounts are all below the large-amount rule.
    plain: Vec<Paper>,
    /// One with an amount the rule lists, if the store has one.
    large: Option<Paper>,
    /// Addresses of other residents: where a taxpayer lived on 1 January,
    /// or says they live now.
    elsewhere: Vec<String>,
    /// The counter visitor.
    visitor: Option<(Paper, SyntheticResident)>,
}

impl Pile {
    fn draw(
        schema: &FormSchema,
        origin: synth::Origin,
        residents: u64,
        large: Option<i64>,
    ) -> Option<Pile> {
        let year = forms::tax_year(schema.income_year)?;
        let mut rng = StdRng::seed_from_u64(origin.seed ^ 0x0DE3_0DA7);
        let mut pile = Pile {
            plain: Vec::new(),
            large: None,
            elsewhere: Vec::new(),
            visitor: None,
        };
        for index in 0..residents {
            let resident = origin.resident(index);
            if !paper::can_declare(&resident, year.income_year) {
                // Never the address of someone under a support measure.
                if pile.elsewhere.len() < 4 && !resident.support_measure {
                    pile.elsewhere.push(resident.address.clone());
                }
                continue;
            }
            let Ok(paper) = paper::declaration(schema, year, &resident, &mut rng) else {
                continue;
            };
            let largest = largest_amount(schema, &paper);
            if large.is_some_and(|limit| largest >= limit) {
                pile.large.get_or_insert(paper);
            } else if pile.visitor.is_none() {
                pile.visitor = Some((paper, resident));
            } else if pile.plain.len() < PAPERS - 1 {
                pile.plain.push(paper);
            }
            let large_done = pile.large.is_some() || large.is_none() || index > 2_000;
            if large_done && pile.plain.len() >= PAPERS - 1 && pile.elsewhere.len() >= 4 {
                break;
            }
        }
        (pile.plain.len() >= PAPERS - 1 && pile.visitor.is_some() && pile.elsewhere.len() >= 4)
            .then_some(pile)
    }

    fn next(&mut self) -> anyhow::Result<Paper> {
        self.plain.pop().context("the pile of declarations ran out")
    }
}

/// The largest amount written on a paper.
fn largest_amount(schema: &FormSchema, paper: &Paper) -> i64 {
    paper
        .fields
        .iter()
        .filter(|(p, _)| schema.field(p).is_some_and(|f| f.kind == FieldKind::Amount))
        .filter_map(|(_, v)| v.parse::<i64>().ok())
        .max()
        .unwrap_or(0)
}

/// The double-keyed amount a keyer slips on: the social insurance
/// premiums, or the total income when the paper has none.
fn slip_field(paper: &Paper) -> FieldPath {
    let social = FieldPath::new("deductions", "social_insurance");
    if paper.fields.contains_key(&social) {
        social
    } else {
        FieldPath::new("income", "total")
    }
}

/// A typical keying slip: the second and third digits swapped (or, when
/// they are the same, the last digit one off).
fn slipped(value: &str, how: usize) -> String {
    let mut digits: Vec<u8> = value.bytes().collect();
    let at = 1 + how % 2;
    if digits.len() > at + 1 && digits[at] != digits[at + 1] {
        digits.swap(at, at + 1);
    } else if let Some(last) = digits.last_mut() {
        let digit = last.wrapping_sub(b'0') % 10;
        *last = b'0' + (digit + 1 + (how % 8) as u8) % 10;
        if value.len() == 1 && *last == b'0' {
            *last = if digit == 1 { b'2' } else { b'1' };
        }
    }
    String::from_utf8(digits).unwrap_or_else(|_| value.to_owned())
}

fn secret(fields: &BTreeMap<FieldPath, String>) -> BTreeMap<String, KeyedValue> {
    fields
        .iter()
        .map(|(p, v)| (p.to_string(), KeyedValue::new(v.clone())))
        .collect()
}

/// One committed declaration of yesterday.
struct Committed {
    person: String,
    reference: String,
    paper: Paper,
    /// Keyed with a warning overridden.
    warned: bool,
    first_by: &'static str,
    second_by: &'static str,
}

/// The seeding service and the people who work in it.
struct Office {
    client: ApiClient,
    reasons: Reasons,
    clock: Arc<ManualClock>,
    /// How much of each pause passes on the clock.
    pace: f64,
    staff: BTreeMap<String, Account>,
}

impl Office {
    /// A while passes.
    fn pass(&self, seconds: i64) {
        let millis = (seconds as f64 * 1000.0 * self.pace) as i64;
        self.clock.advance(Duration::milliseconds(millis));
    }

    /// `user` logs in at the terminal with their PIN and the code their
    /// authenticator shows now.
    async fn login(&self, user: &str) -> anyhow::Result<ApiClient> {
        self.login_for(user, PURPOSE).await
    }

    /// `user` logs in for the business purpose `purpose`.
    async fn login_for(&self, user: &str, purpose: &str) -> anyhow::Result<ApiClient> {
        let account = self
            .staff
            .get(user)
            .with_context(|| format!("no demo account {user}"))?;
        let request = account.login_request(purpose, self.clock.now());
        let response = self
            .client
            .login(&request)
            .await
            .with_context(|| format!("{user} logs in"))?;
        self.pass(20);
        Ok(self.client.with_token(response.token))
    }

    async fn open_batch(
        &self,
        clerk: &ApiClient,
        id: &str,
        papers: &[&Paper],
    ) -> anyhow::Result<BatchView> {
        let total_of = |p: &&Paper| {
            p.fields
                .get(&FieldPath::new("income", "total"))
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        };
        let request = OpenBatchRequest {
            id: id.to_owned(),
            form: FORM.to_owned(),
            forms: papers.len() as i64,
            control_field: "income.total".to_owned(),
            control_total: papers.iter().map(total_of).sum(),
        };
        call(clerk, Method::POST, "/batches", Some(&request)).await
    }

    /// A first keying of `paper`, submitted; a warning is given `reason`.
    async fn key_first(
        &self,
        clerk: &ApiClient,
        paper: &Paper,
        reference: &str,
        batch: Option<&str>,
        reason: &str,
    ) -> anyhow::Result<EntryView> {
        let started = clerk
            .start_entry(&StartEntryRequest {
                form: FORM.to_owned(),
                person: paper.person.clone(),
                paper: reference.to_owned(),
                batch: batch.map(str::to_owned),
            })
            .await
            .context("a first keying starts")?;
        self.pass(150);
        let mut reasons = BTreeMap::new();
        for _ in 0..3 {
            let request = SubmitRequest {
                fields: secret(&paper.fields),
                reasons: reasons.clone(),
            };
            match clerk.submit_entry(&started.id, &request).await {
                Ok(view) => {
                    self.pass(30);
                    return Ok(view);
                }
                Err(ClientError::Entry { refusal, .. })
                    if !refusal.problems.is_empty()
                        && refusal.problems.iter().all(|p| p.severity == "warning") =>
                {
                    for key in refusal.problems.iter().filter_map(|p| p.key.clone()) {
                        reasons.insert(key, reason.to_owned());
                    }
                    self.pass(20);
                }
                Err(e) => return Err(e).context("a first keying is submitted"),
            }
        }
        anyhow::bail!("a first keying is still refused")
    }

    /// The second keying of `paper`, blind: the fields the service asks
    /// for, with `slip` on one of them.
    async fn key_second(
        &self,
        clerk: &ApiClient,
        id: &str,
        paper: &Paper,
        slip: Option<usize>,
    ) -> anyhow::Result<EntryView> {
        let started = clerk
            .start_second(id)
            .await
            .context("a second keying starts")?;
        self.pass(120);
        let mut fields: BTreeMap<FieldPath, String> = expand(&started.to_key, paper)
            .into_iter()
            .filter_map(|p| paper.fields.get(&p).map(|v| (p, v.clone())))
            .collect();
        if let Some(how) = slip {
            let field = slip_field(paper);
            if let Some(value) = fields.get_mut(&field) {
                *value = slipped(value, how);
            }
        }
        let view = clerk
            .submit_second(
                id,
                &FieldsRequest {
                    fields: secret(&fields),
                },
            )
            .await
            .context("a second keying is submitted")?;
        self.pass(30);
        Ok(view)
    }

    /// The second keyer keys the differing field again, with the same
    /// slip: it still differs.
    async fn rekey_slipped(
        &self,
        clerk: &ApiClient,
        id: &str,
        paper: &Paper,
        how: usize,
    ) -> anyhow::Result<EntryView> {
        let field = slip_field(paper);
        let value = paper.fields.get(&field).context("the slipped field")?;
        let fields = [(field.clone(), slipped(value, how))].into();
        let view = clerk
            .rekey(
                id,
                &FieldsRequest {
                    fields: secret(&fields),
                },
            )
            .await
            .context("a field is keyed again")?;
        self.pass(40);
        Ok(view)
    }

    async fn yesterday(
        &self,
        pile: &mut Pile,
        seeded: &mut Seeded,
    ) -> anyhow::Result<Vec<Committed>> {
        let kazei01 = self.login(KEYER).await?;
        let kazei02 = self.login(VERIFIER).await?;
        let mut papers = Vec::new();
        for i in 0..YESTERDAY {
            let mut paper = match (i, pile.large.take()) {
                (6, Some(large)) => large,
                (_, large) => {
                    pile.large = large;
                    pile.next()?
                }
            };
            // Two moved within the city this year: the 1 January address
            // differs, a warning the first keyer overrides with a reason.
            if i == 1 || i == 4 {
                let jan1 = pile.elsewhere[i / 3].clone();
                paper
                    .fields
                    .insert(FieldPath::new("taxpayer", "jan1_address"), jan1);
            }
            papers.push(paper);
        }
        let batch = seeded.closed_batch.clone();
        let refs: Vec<&Paper> = papers.iter().collect();
        self.open_batch(&kazei01, &batch, &refs).await?;
        let mut committed = Vec::new();
        for (i, paper) in papers.into_iter().enumerate() {
            // The two clerks take turns at keying first.
            let (first, second, first_by, second_by) = if i % 3 == 2 {
                (&kazei02, &kazei01, VERIFIER, KEYER)
            } else {
                (&kazei01, &kazei02, KEYER, VERIFIER)
            };
            let reference = format!("{batch}/{:03}", i + 1);
            let keyed = self
                .key_first(first, &paper, &reference, Some(&batch), &self.reasons.jan1)
                .await?;
            if i == 1 || i == 4 {
                seeded.warnings_overridden += 1;
            }
            let id = keyed.id;
            let view = match i {
                // A slip, found by the comparison and keyed again right.
                3 => {
                    let view = self.key_second(second, &id, &paper, Some(0)).await?;
                    anyhow::ensure!(view.state == "rekeying", "a slip comes back");
                    let field = slip_field(&paper);
                    let value = paper.fields.get(&field).context("the slipped field")?;
                    let fields = [(field, value.clone())].into();
                    second
                        .rekey(
                            &id,
                            &FieldsRequest {
                                fields: secret(&fields),
                            },
                        )
                        .await
                        .context("a slip is keyed again")?
                }
                // Keyed again with the same slip: the supervisor decides.
                8 => {
                    self.key_second(second, &id, &paper, Some(1)).await?;
                    let view = self.rekey_slipped(second, &id, &paper, 1).await?;
                    anyhow::ensure!(view.state == "adjudication", "a slip kept goes up");
                    self.decide(&id).await?;
                    seeded.decided += 1;
                    second.entry(&id).await.context("the decided entry")?
                }
                _ => self.key_second(second, &id, &paper, None).await?,
            };
            anyhow::ensure!(
                view.state == "committed",
                "declaration {} of yesterday ended {}",
                i + 1,
                view.state
            );
            seeded.committed += 1;
            committed.push(Committed {
                person: paper.person.clone(),
                reference,
                warned: i == 1 || i == 4,
                paper,
                first_by,
                second_by,
            });
            self.pass(90);
        }
        let close = format!("/batches/{batch}/close");
        let closed: BatchView = call(&kazei01, Method::POST, &close, None::<&()>).await?;
        anyhow::ensure!(closed.closed_by.is_some(), "yesterday's batch closes");
        for clerk in [kazei01, kazei02] {
            let _ = clerk.logout().await;
        }
        Ok(committed)
    }

    /// `shunin01` keeps the first keyer's value of every field in question.
    async fn decide(&self, id: &str) -> anyhow::Result<()> {
        let supervisor = self.login(SUPERVISOR).await?;
        let view = supervisor
            .entry_decision(id)
            .await
            .context("the supervisor opens the decision")?;
        self.pass(60);
        let decisions = view
            .to_decide
            .iter()
            .map(|f| (f.field.clone(), Decision::Keep(Keyer::First)))
            .collect();
        supervisor
            .decide(
                id,
                &DecideRequest {
                    decisions,
                    reason: self.reasons.decision.clone(),
                },
            )
            .await
            .context("the supervisor decides")?;
        let _ = supervisor.logout().await;
        Ok(())
    }

    async fn today(
        &self,
        pile: &mut Pile,
        committed: &[Committed],
        seeded: &mut Seeded,
    ) -> anyhow::Result<()> {
        let kazei01 = self.login(KEYER).await?;
        let kazei02 = self.login(VERIFIER).await?;

        let mut papers = Vec::new();
        for _ in 0..AWAITING + REKEYING + ADJUDICATION {
            papers.push(pile.next()?);
        }
        let batch = seeded.open_batch.clone();
        let refs: Vec<&Paper> = papers.iter().collect();
        self.open_batch(&kazei01, &batch, &refs).await?;
        for (i, paper) in papers.iter().enumerate() {
            let reference = format!("{batch}/{:03}", i + 1);
            let keyed = self
                .key_first(
                    &kazei01,
                    paper,
                    &reference,
                    Some(&batch),
                    &self.reasons.jan1,
                )
                .await?;
            anyhow::ensure!(keyed.state == "awaiting_second", "a first keying waits");
            let rekey = AWAITING;
            match i {
                _ if i < rekey => seeded.awaiting_second += 1,
                _ if i < rekey + REKEYING => {
                    let view = self.key_second(&kazei02, &keyed.id, paper, Some(i)).await?;
                    anyhow::ensure!(view.state == "rekeying", "a slip comes back");
                    seeded.rekeying += 1;
                }
                _ => {
                    self.key_second(&kazei02, &keyed.id, paper, Some(i)).await?;
                    let view = self.rekey_slipped(&kazei02, &keyed.id, paper, i).await?;
                    anyhow::ensure!(view.state == "adjudication", "a slip kept goes up");
                    seeded.adjudication += 1;
                }
            }
        }

        // At the counter: the 基本4情報 presented say another address than
        // the registered one (a move not yet notified).
        let (paper, visitor) = pile.visitor.take().context("the counter visitor")?;
        let started = kazei01
            .start_entry(&StartEntryRequest {
                form: FORM.to_owned(),
                person: paper.person.clone(),
                paper: format!("{}-counter/001", &batch[..8]),
                batch: None,
            })
            .await
            .context("the counter visit starts")?;
        let birth = FieldPath::new("taxpayer", "birth");
        let identity = IdentityRequest {
            intake: Intake::Counter {
                documents: vec![IdDocument::MyNumberCard],
                number_document: NumberDocument::MyNumberCard,
            },
            presented: PresentedBasic4 {
                name: KeyedValue::new(format!(
                    "{}\u{3000}{}",
                    visitor.family_name, visitor.given_name
                )),
                birth: KeyedValue::new(paper.fields.get(&birth).cloned().unwrap_or_default()),
                sex: visitor.sex,
                address: KeyedValue::new(pile.elsewhere[3].clone()),
            },
        };
        let path = format!("/entries/{}/identity", started.id);
        let checked: EntryView = call(&kazei01, Method::POST, &path, Some(&identity)).await?;
        anyhow::ensure!(
            checked
                .identity
                .as_ref()
                .is_some_and(|i| !i.differences.is_empty()),
            "the identity check finds the difference"
        );
        self.pass(60);
        // What was keyed so far is kept as a draft while it waits.
        let mut draft = paper.fields.clone();
        draft.retain(|p, _| p.group == "taxpayer");
        kazei01
            .save_draft(
                &started.id,
                &FieldsRequest {
                    fields: secret(&draft),
                },
            )
            .await
            .context("the counter visit's draft")?;
        seeded.identity_entry = started.id;
        self.pass(60);

        // Today's re-verification list, made as kazei03 first asks for it;
        // one of the overridden warnings is checked against the paper, and
        // the paper's 社会保険料 turns out to be other than keyed.
        let kazei03 = self.login(REVERIFIER).await?;
        let list: ReverifyList = call(&kazei03, Method::GET, "/reverify", None::<&()>).await?;
        seeded.listed = list.items.len();
        seeded.listed_open = list.items.len();
        self.pass(120);
        let warned = list
            .items
            .iter()
            .find(|i| i.why.iter().any(|w| w == "warning_overridden"));
        if let Some(item) = warned {
            let path = format!("/reverify/{}/correction", item.entry);
            call_empty(&kazei03, Method::POST, &path).await?;
            seeded.listed_open -= 1;
        }
        let social = FieldPath::new("deductions", "social_insurance");
        let premium = |c: &Committed| {
            c.paper
                .fields
                .get(&social)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 1_000)
        };
        // That item's record; with no list today (not a business day), a
        // warned one all the same.
        let record = warned
            .and_then(|i| committed.iter().find(|c| c.person == i.person))
            .filter(|c| premium(c).is_some())
            .or_else(|| committed.iter().find(|c| c.warned && premium(c).is_some()))
            .or_else(|| committed.iter().find(|c| premium(c).is_some()));
        if let Some((record, paid)) = record.and_then(|r| Some((r, premium(r)?))) {
            let corrected = (paid - 1_000).to_string();
            self.propose(
                &kazei03,
                record,
                &social,
                &corrected,
                &self.reasons.correction,
            )
            .await?;
            seeded.corrections += 1;
        }
        // And a taxpayer rang to say the phone number on their form was
        // wrong.
        let listed: Vec<&str> = list.items.iter().map(|i| i.person.as_str()).collect();
        if let Some(record) = committed.iter().find(|c| {
            c.first_by == KEYER && c.second_by == VERIFIER && !listed.contains(&c.person.as_str())
        }) {
            let phone = FieldPath::new("taxpayer", "phone");
            self.propose(
                &kazei01,
                record,
                &phone,
                "011-555-0123",
                &self.reasons.phone,
            )
            .await?;
            seeded.corrections += 1;
        }
        for clerk in [kazei01, kazei02, kazei03] {
            let _ = clerk.logout().await;
        }
        Ok(())
    }

    /// A correction of a committed record's first version, proposed.
    async fn propose(
        &self,
        clerk: &ApiClient,
        record: &Committed,
        field: &FieldPath,
        value: &str,
        reason: &str,
    ) -> anyhow::Result<()> {
        let request = ProposeCorrectionRequest {
            base_version: 1,
            fields: [(field.to_string(), KeyedValue::new(value))].into(),
            reason: reason.to_owned(),
            paper: record.reference.clone(),
        };
        let path = format!("/records/{}/{FORM}/corrections", record.person);
        let _: crate::api::entry::CorrectionView =
            call(clerk, Method::POST, &path, Some(&request)).await?;
        self.pass(90);
        Ok(())
    }
}

/// A call the typed client has no method for; the answer's JSON.
async fn call<T: DeserializeOwned>(
    client: &ApiClient,
    method: Method,
    path: &str,
    body: Option<&impl Serialize>,
) -> anyhow::Result<T> {
    let body = body.map(serde_json::to_string).transpose()?;
    let (status, text, _) = client.raw(method.clone(), path, body).await?;
    anyhow::ensure!(
        (200..300).contains(&status),
        "{method} {} answered {status}: {}",
        path_shape(path),
        error_code(&text)
    );
    serde_json::from_str(&text).with_context(|| format!("{method} {}", path_shape(path)))
}

/// A call answered with no body.
async fn call_empty(client: &ApiClient, method: Method, path: &str) -> anyhow::Result<()> {
    let (status, text, _) = client.raw(method.clone(), path, None).await?;
    anyhow::ensure!(
        (200..300).contains(&status),
        "{method} {} answered {status}: {}",
        path_shape(path),
        error_code(&text)
    );
    Ok(())
}

/// A path with the person numbers and entry IDs in it left out, for an
/// error message.
fn path_shape(path: &str) -> String {
    path.split('/')
        .map(|part| {
            if part.len() >= 8 && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                "…"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The error code of an error answer (never its whole text).
fn error_code(text: &str) -> String {
    let value = serde_json::from_str::<serde_json::Value>(text).unwrap_or_default();
    [&value["code"], &value["error"]["code"]]
        .into_iter()
        .find_map(|c| c.as_str())
        .unwrap_or("no error code")
        .to_owned()
}

#[cfg(test)]
mod tests;
mod transfer;
pub use transfer::IT_OFFICER;

//! The rotation state machine of one rotating client certificate.
//!
//! A rotation series keeps up to three certificates, one per [`Slot`]:
//! *pending* (generated, trusted by backends, not yet used by stages),
//! *current* (what stages use) and *previous* (no longer used, still trusted
//! until its overlap ends). [`decide`] looks at the slots, the policy and the
//! time and returns the ordered [`Step`]s that bring the series forward, each
//! with the sentence a person reads in the plan.
//!
//! The checks run in the order retire → promote → rotate. The steps run in
//! the order [`decide`] returns, the only place that orders an apply: a
//! retirement that frees a slot this apply refills first (its certificate
//! has not been current since the last switch), then generate or promote,
//! then any other retirement, so nothing in use is deleted before its
//! successor exists. At most one of "promote" and "generate" happens per
//! apply: a certificate that has just become current is never replaced in the
//! same run, which keeps every plan a single, readable step of the sequence.
//! [`crate::Run`] performs them one by one and records what each did.
//!
//! `decide` is a pure function of its inputs. The provider calls it with the
//! time of the resource's last refresh (not the time of the call), so the plan
//! Terraform saves and the final plan it recomputes while applying are the
//! same even when a boundary passes in between; see the provider resource.

use crate::due::{days_until, format_days, is_due, is_expired, rotation_due_date};
use crate::duration::{format_duration, parse_duration};
use crate::series::{Action, Certificate, Outcome, Series};
use crate::timestamp::{format_date, format_rfc3339};

/// A certificate as the state machine needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cert {
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds (the certificate's notAfter).
    pub expires: i64,
}

impl Cert {
    pub fn new(id: impl Into<String>, created: i64, expires: i64) -> Self {
        Cert {
            id: id.into(),
            created,
            expires,
        }
    }

    /// The certificate's own lifetime (`expires - created`).
    pub fn validity(&self) -> u64 {
        u64::try_from(self.expires.saturating_sub(self.created)).unwrap_or(0)
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Pending,
    Current,
    Previous,
}

impl Slot {
    pub fn name(self) -> &'static str {
        match self {
            Slot::Pending => "pending",
            Slot::Current => "current",
            Slot::Previous => "previous",
        }
    }
}

/// What is known about a rotation series at decision time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub pending: Option<Cert>,
    pub current: Option<Cert>,
    pub previous: Option<Cert>,
    /// When the previous certificate may be deleted (unix seconds). `None`
    /// with a previous certificate means "unknown", treated as already due.
    pub previous_retire_after: Option<i64>,
    /// `rotation_triggers` differ from the values recorded at the last apply.
    pub triggers_changed: bool,
    /// Certificates the series tracked that were found deleted outside
    /// Terraform at the last refresh (slot, id): only used to explain.
    pub vanished: Vec<(Slot, String)>,
    /// The stages that still present the previous certificate, by name
    /// ("stage \"prod\" of REST API \"payments\" (a1b2c3)"), as found when
    /// its retirement came due. While one does, it is not deleted.
    pub previous_presented_by: Vec<String>,
    /// Certificates generated for this series by an apply that was
    /// interrupted before any state recorded them (killed, or its answer
    /// never reached Terraform), and that no live process is still
    /// generating. Nobody ever received their PEM, so no trust store holds
    /// them: they are deleted, first in the apply, and the interrupted step
    /// is decided afresh.
    pub strays: Vec<String>,
}

/// The user's rotation settings, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub rotate_before: u64,
    pub promote_after: u64,
    pub overlap: u64,
}

/// Default of `rotate_before`: the rotation window opens this long before
/// the current certificate expires.
pub const DEFAULT_ROTATE_BEFORE: &str = "60d";
/// Default of `promote_after`: a new certificate becomes current at once.
pub const DEFAULT_PROMOTE_AFTER: &str = "0s";
/// Default of `overlap`: the previous certificate stays trusted this long.
pub const DEFAULT_OVERLAP: &str = "7d";

impl Default for Policy {
    /// [`DEFAULT_ROTATE_BEFORE`], [`DEFAULT_PROMOTE_AFTER`], [`DEFAULT_OVERLAP`].
    fn default() -> Self {
        // The constants are valid durations (tested below).
        let secs = |text| parse_duration(text).unwrap_or_default();
        Policy {
            rotate_before: secs(DEFAULT_ROTATE_BEFORE),
            promote_after: secs(DEFAULT_PROMOTE_AFTER),
            overlap: secs(DEFAULT_OVERLAP),
        }
    }
}

/// A rejected rotation setting, naming the attribute at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{attribute}: {message}")]
pub struct PolicyError {
    pub attribute: &'static str,
    /// Short title, e.g. "Rotation Window Too Short".
    pub summary: &'static str,
    pub message: String,
}

impl Policy {
    /// Plan-time checks of DESIGN §4. `validity` is the certificate lifetime
    /// observed on the series' own certificates, when there is one.
    pub fn validate(&self, validity: Option<u64>) -> Vec<PolicyError> {
        let mut errors = Vec::new();
        let f = format_duration;
        if self.rotate_before == 0 {
            errors.push(PolicyError {
                attribute: "rotate_before",
                summary: "Invalid Rotation Window",
                message: "rotate_before is \"0s\": the certificate would only be rotated once it \
                          has expired. Use a window such as \"60d\"."
                    .to_string(),
            });
        } else if self.promote_after.saturating_add(self.overlap) >= self.rotate_before {
            errors.push(PolicyError {
                attribute: "overlap",
                summary: "Rotation Window Too Short",
                message: format!(
                    "promote_after ({}) + overlap ({}) = {} must be shorter than rotate_before ({}): \
                     otherwise the old certificate can expire while it is still in use or trusted. \
                     Lengthen rotate_before or shorten promote_after or overlap.",
                    f(self.promote_after),
                    f(self.overlap),
                    f(self.promote_after.saturating_add(self.overlap)),
                    f(self.rotate_before)
                ),
            });
        }
        if let Some(validity) = validity
            && self.rotate_before >= validity
        {
            errors.push(PolicyError {
                attribute: "rotate_before",
                summary: "Rotation Window Longer Than Validity",
                message: format!(
                    "rotate_before ({}) must be shorter than the certificates' validity ({}): \
                     every new certificate would already be due and would be rotated on every plan. \
                     Use a window shorter than {}.",
                    f(self.rotate_before),
                    f(validity),
                    f(validity)
                ),
            });
        }
        errors
    }
}

/// Why a certificate is generated.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotateReason {
    /// The series has no certificate at all yet (resource creation).
    Create,
    /// The current certificate is inside its rotation window.
    Due,
    /// The current certificate has expired: an outage is in progress.
    Expired,
    /// The current certificate no longer exists.
    Missing,
    /// `rotation_triggers` changed.
    Triggered,
}

/// Why a certificate is deleted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetireReason {
    /// The previous certificate's overlap has ended.
    OverlapEnded,
    /// A promotion or rotation needs the previous slot; the occupant has not
    /// been used by any stage since the last switch. For a pending
    /// certificate: it expired before it could be promoted and is replaced.
    SlotNeeded,
    /// The resource is destroyed.
    Destroyed,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Generate a certificate into `into` (pending or current). When `into`
    /// is current, the old current (if any) moves to previous.
    Generate { into: Slot, reason: RotateReason },
    /// Pending becomes current; the old current (if any) moves to previous.
    Promote { id: String },
    /// Delete a certificate an interrupted apply generated and no state
    /// records ([`Facts::strays`]). It holds no slot.
    Discard { id: String },
    /// Delete the certificate in `slot`.
    Retire {
        slot: Slot,
        id: String,
        reason: RetireReason,
        /// A later step of the same apply refills this slot, so this
        /// retirement runs before it: done after, a failed delete would leave
        /// two certificates for one slot and one of them unrecorded. It is
        /// safe early because the certificate has not been current since the
        /// last switch (a pending one never was).
        #[serde(default)]
        frees_slot: bool,
    },
}

/// One step with its human explanation (the plan's warning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    pub step: Step,
    /// Short title of the warning.
    pub summary: String,
    /// What happens, to which certificate, why, and when the next step is due.
    pub detail: String,
}

/// Where a slot's certificate comes from after the steps have run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planned {
    Empty,
    /// An existing certificate (possibly moved from another slot).
    Existing(Cert),
    /// The certificate this apply generates (its values are known after apply).
    New,
}

impl Planned {
    pub fn is_empty(&self) -> bool {
        matches!(self, Planned::Empty)
    }
}

/// The slots after every step has run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub pending: Planned,
    pub current: Planned,
    pub previous: Planned,
    /// The previous slot gets a new occupant in this apply, so its retirement
    /// time becomes "apply time + overlap" (known after apply).
    pub previous_refilled: bool,
    /// The current slot gets a new occupant in this apply.
    pub current_changed: bool,
}

impl Layout {
    /// "pending" when a pending certificate exists, else "overlap" when a
    /// previous one exists, else "stable".
    pub fn phase(&self) -> &'static str {
        crate::series::phase(!self.pending.is_empty(), !self.previous.is_empty())
    }
}

/// The result of [`decide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The time the decision was made for.
    pub at: i64,
    /// Steps in execution order: a retirement that frees a slot for this
    /// apply's new occupant, then generate or promote, then any other
    /// retirement.
    pub steps: Vec<Explained>,
    pub layout: Layout,
    /// Steps that were due but wait, each with its explanation (a
    /// retirement waiting for a stage to move off the certificate).
    pub held: Vec<Note>,
}

/// Something due that this apply does not do, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub detail: String,
}

impl Decision {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Decides what one apply must do for a series at time `now` (unix seconds).
///
/// 1. Retire: a previous certificate whose overlap ended is deleted.
/// 2. Promote: a pending certificate whose `promote_after` elapsed becomes
///    current (at once if there is no usable current certificate).
/// 3. Rotate: with no pending certificate and no promotion in this apply, a
///    certificate is generated when the current one is due, expired or
///    missing, or `rotation_triggers` changed. It goes to pending, or straight
///    to current when `promote_after` is 0 or there is no usable current.
///
/// A promotion or a generation into current that finds the previous slot
/// occupied retires its occupant in the same apply.
pub fn decide(now: i64, facts: &Facts, policy: &Policy) -> Decision {
    let usable_current = facts
        .current
        .as_ref()
        .filter(|c| !is_expired(now, c.expires));

    let retire_due = facts
        .previous
        .as_ref()
        .is_some_and(|_| facts.previous_retire_after.is_none_or(|after| now >= after));

    let promote = facts.pending.as_ref().filter(|p| {
        !is_expired(now, p.expires) && (usable_current.is_none() || now >= promote_time(p, policy))
    });

    let rotate_reason = if promote.is_some() || facts.pending.is_some() {
        None
    } else {
        match &facts.current {
            None if facts.previous.is_none() && facts.vanished.is_empty() => {
                Some(RotateReason::Create)
            }
            None => Some(RotateReason::Missing),
            Some(c) if is_expired(now, c.expires) => Some(RotateReason::Expired),
            Some(c) if is_due(now, c.expires, policy.rotate_before) => Some(RotateReason::Due),
            Some(_) if facts.triggers_changed => Some(RotateReason::Triggered),
            Some(_) => None,
        }
    };

    // An expired pending certificate can never be promoted; it is discarded
    // and replaced.
    let pending_expired = facts
        .pending
        .as_ref()
        .filter(|p| is_expired(now, p.expires));
    let rotate_reason = match (rotate_reason, pending_expired, promote) {
        (None, Some(_), None) => Some(match &facts.current {
            None => RotateReason::Missing,
            Some(c) if is_expired(now, c.expires) => RotateReason::Expired,
            Some(_) => RotateReason::Due,
        }),
        (r, _, _) => r,
    };

    // The steps, and which slot each retirement frees for a later step.
    let mut main: Option<Step> = None;
    let mut refills_previous = false;
    if let Some(p) = promote {
        main = Some(Step::Promote { id: p.id.clone() });
        refills_previous = facts.current.is_some();
    } else if let Some(reason) = rotate_reason {
        let into = if policy.promote_after == 0 || usable_current.is_none() {
            Slot::Current
        } else {
            Slot::Pending
        };
        refills_previous = into == Slot::Current && facts.current.is_some();
        main = Some(Step::Generate { into, reason });
    }

    // A previous certificate a stage still presents is never deleted: its
    // retirement waits, and so does a step that needs its slot, so that the
    // apply succeeds and the stage attachments that depend on this series
    // can move the stage. The next plan retires it. An expired certificate
    // is not protected: backends reject it already.
    let mut held = Vec::new();
    if let Some(prev) = &facts.previous
        && !facts.previous_presented_by.is_empty()
        && !is_expired(now, prev.expires)
        && (retire_due || refills_previous)
    {
        held.push(hold_note(now, facts, prev, main.as_ref()));
        if refills_previous {
            main = None;
            refills_previous = false;
        }
    }
    let retire_due = retire_due && held.is_empty();

    let mut first: Vec<Step> = Vec::new();
    let mut last: Vec<Step> = Vec::new();
    if let (Some(p), Some(_)) = (pending_expired, &main) {
        // Replaced by this apply's new certificate.
        first.push(Step::Retire {
            slot: Slot::Pending,
            id: p.id.clone(),
            reason: RetireReason::SlotNeeded,
            frees_slot: true,
        });
    }
    if let Some(prev) = &facts.previous {
        let reason = if retire_due {
            Some(RetireReason::OverlapEnded)
        } else if refills_previous {
            Some(RetireReason::SlotNeeded)
        } else {
            None
        };
        if let Some(reason) = reason {
            let step = Step::Retire {
                slot: Slot::Previous,
                id: prev.id.clone(),
                reason,
                frees_slot: refills_previous,
            };
            if refills_previous {
                first.push(step);
            } else {
                last.push(step);
            }
        }
    }
    // Execution order (DECISIONS.md, "Apply order"): a retirement that frees
    // a slot this apply refills runs first, so a failed delete can never
    // leave two certificates for one slot; then generate or promote; then any
    // other retirement, so nothing is deleted before its successor exists.
    // Strays go before anything else: they may hold the quota the
    // generation needs, and deleting them changes no slot.
    let strays = facts
        .strays
        .iter()
        .map(|id| Step::Discard { id: id.clone() });
    let steps: Vec<Step> = strays.chain(first).chain(main).chain(last).collect();

    let layout = Layout::of(facts, &steps, now, policy);
    let explained = steps
        .into_iter()
        .map(|step| explain(now, facts, policy, &layout, step))
        .collect();
    Decision {
        at: now,
        steps: explained,
        layout,
        held,
    }
}

/// Why the previous certificate's retirement (and `waiting`, the step that
/// needed its slot) waits for the stages that still present it.
fn hold_note(now: i64, facts: &Facts, prev: &Cert, waiting: Option<&Step>) -> Note {
    let stages = facts.previous_presented_by.join(", ");
    let also = match waiting {
        Some(Step::Promote { id }) => format!(
            " Promoting pending certificate {id} waits too, as it would move the current \
             certificate into the previous slot."
        ),
        Some(Step::Generate { .. }) => " The rotation that is due waits too, as it would move \
             the current certificate into the previous slot."
            .to_string(),
        _ => String::new(),
    };
    let current = facts.current.as_ref().map_or_else(
        || "the current certificate".to_string(),
        |c| format!("current certificate {}", c.id),
    );
    Note {
        summary: format!(
            "Retirement of client certificate {} waits for its stages",
            prev.id
        ),
        detail: format!(
            "Previous certificate {} ({}) is due for retirement, but {stages} still presents \
             it, so deleting it now would break that stage's backends. It is kept, and this \
             apply goes on so that the stage attachments can switch those stages to \
             {current}.{also} The first plan after no stage presents it retires it.",
            prev.id,
            expiry_phrase(now, prev),
        ),
    }
}

impl Layout {
    /// The slots after `steps` ran, by the same transitions an apply records
    /// ([`Series::record`]); a generated certificate is [`Planned::New`].
    fn of(facts: &Facts, steps: &[Step], now: i64, policy: &Policy) -> Layout {
        let existing = |c: &Option<Cert>| c.clone().map(Planned::Existing);
        let mut series = Series {
            pending: existing(&facts.pending),
            current: existing(&facts.current),
            previous: existing(&facts.previous),
            previous_retire_after: facts.previous_retire_after,
        };
        for step in steps {
            let outcome = match step {
                Step::Generate { .. } => Outcome::Generated(Planned::New),
                _ => Outcome::Done,
            };
            series.record(&Action::Step(step.clone()), outcome, now, policy.overlap);
        }
        let id = |p: &Option<Planned>| match p {
            Some(Planned::Existing(c)) => Some(c.id.clone()),
            _ => None,
        };
        let changed = |after: &Option<Planned>, before: &Option<Cert>| match after {
            Some(Planned::New) => true,
            Some(_) => id(after) != before.as_ref().map(|c| c.id.clone()),
            None => false,
        };
        Layout {
            previous_refilled: changed(&series.previous, &facts.previous),
            current_changed: changed(&series.current, &facts.current),
            pending: series.pending.unwrap_or(Planned::Empty),
            current: series.current.unwrap_or(Planned::Empty),
            previous: series.previous.unwrap_or(Planned::Empty),
        }
    }
}

/// A planned slot's certificate is known by ID only when it exists already.
impl Certificate for Planned {
    fn id(&self) -> &str {
        match self {
            Planned::Existing(c) => &c.id,
            _ => "",
        }
    }
    fn created(&self) -> i64 {
        match self {
            Planned::Existing(c) => c.created,
            _ => 0,
        }
    }
    fn expires(&self) -> i64 {
        match self {
            Planned::Existing(c) => c.expires,
            _ => 0,
        }
    }
}

fn promote_time(p: &Cert, policy: &Policy) -> i64 {
    p.created
        .saturating_add(i64::try_from(policy.promote_after).unwrap_or(i64::MAX))
}

fn plus(now: i64, d: u64) -> i64 {
    now.saturating_add(i64::try_from(d).unwrap_or(i64::MAX))
}

/// "expires 2027-01-20 (59 days left)" / "expired on 2026-11-01 (21 days ago)".
fn expiry_phrase(now: i64, c: &Cert) -> String {
    if is_expired(now, c.expires) {
        let ago = days_until(c.expires, now);
        format!(
            "expired on {} ({} ago)",
            format_date(c.expires),
            format_days(ago)
        )
    } else {
        format!(
            "expires on {} ({} left)",
            format_date(c.expires),
            format_days(days_until(now, c.expires))
        )
    }
}

fn window_phrase(c: &Cert, policy: &Policy) -> String {
    format!(
        "its rotation window (rotate_before = \"{}\") opens on {}",
        format_duration(policy.rotate_before),
        format_rfc3339(rotation_due_date(c.expires, policy.rotate_before))
    )
}

/// What happens after this apply, for the "when is the next step due" part.
fn next_phrase(now: i64, facts: &Facts, policy: &Policy, layout: &Layout) -> String {
    let overlap = format_duration(policy.overlap);
    match (&layout.pending, &layout.previous) {
        (Planned::New, _) => format!(
            "Next: the new certificate becomes current at the first apply at least promote_after \
             (\"{}\") after it is created, i.e. on or after {}; until then backends must add it \
             to their trust store (trusted_pem_bundle).",
            format_duration(policy.promote_after),
            format_rfc3339(plus(now, policy.promote_after))
        ),
        (Planned::Existing(p), _) => format!(
            "Next: pending certificate {} becomes current on or after {}.",
            p.id,
            format_rfc3339(promote_time(p, policy))
        ),
        (Planned::Empty, Planned::Existing(prev)) if layout.previous_refilled => format!(
            "Next: certificate {} stays trusted as previous for overlap (\"{}\") after this \
             apply, until about {}; a plan after that retires (deletes) it.",
            prev.id,
            overlap,
            format_rfc3339(plus(now, policy.overlap))
        ),
        (Planned::Empty, Planned::Existing(prev)) => format!(
            "Next: previous certificate {} is retired by a plan on or after {}.",
            prev.id,
            facts
                .previous_retire_after
                .map_or_else(|| "now".to_string(), format_rfc3339)
        ),
        (Planned::Empty, _) => match &layout.current {
            Planned::Existing(c) => format!(
                "Next: the series is stable; the next rotation is due on {}.",
                format_rfc3339(rotation_due_date(c.expires, policy.rotate_before))
            ),
            _ => format!(
                "Next: the new certificate's rotation is due rotate_before (\"{}\") before it \
                 expires.",
                format_duration(policy.rotate_before)
            ),
        },
    }
}

fn explain(now: i64, facts: &Facts, policy: &Policy, layout: &Layout, step: Step) -> Explained {
    let next = next_phrase(now, facts, policy, layout);
    let (summary, detail) = match &step {
        Step::Generate { into, reason } => {
            let dest = match into {
                Slot::Pending => "It becomes the pending certificate: trusted, not yet used; the current certificate stays in use.".to_string(),
                _ => match &facts.current {
                    Some(old) => format!(
                        "It becomes current at once; certificate {} becomes previous and stays trusted.",
                        old.id
                    ),
                    None => "It becomes current at once.".to_string(),
                },
            };
            match reason {
                RotateReason::Create => (
                    "Generating the first client certificate of the series".to_string(),
                    format!(
                        "The rotation series has no certificate yet: this apply generates one. {dest} {next}"
                    ),
                ),
                RotateReason::Due => {
                    let c = facts.current.as_ref().map_or_else(String::new, |c| {
                        format!(
                            "Current certificate {} {}; {}, so it is due for rotation. ",
                            c.id,
                            expiry_phrase(now, c),
                            window_phrase(c, policy).replacen("opens on", "opened on", 1)
                        )
                    });
                    let gone: String = facts
                        .vanished
                        .iter()
                        .filter(|(s, _)| *s == Slot::Pending)
                        .map(|(_, id)| {
                            format!("Pending certificate {id} was deleted outside Terraform. ")
                        })
                        .collect();
                    (
                        facts.current.as_ref().map_or_else(
                            || "Client certificate rotation due".to_string(),
                            |c| format!("Client certificate {} due for rotation", c.id),
                        ),
                        format!("{gone}{c}This apply generates a new certificate. {dest} {next}"),
                    )
                }
                RotateReason::Expired => {
                    let c = facts.current.as_ref().map_or_else(String::new, |c| {
                        format!("Current certificate {} {}. ", c.id, expiry_phrase(now, c))
                    });
                    (
                        facts.current.as_ref().map_or_else(
                            || "Outage in progress: current client certificate expired".to_string(),
                            |c| format!("Outage in progress: client certificate {} expired", c.id),
                        ),
                        format!(
                            "{c}An outage is in progress: every backend that verifies the \
                             gateway's client certificate rejects it. This apply generates a \
                             replacement at once. {dest} {next}"
                        ),
                    )
                }
                RotateReason::Missing => {
                    let gone: Vec<String> = facts
                        .vanished
                        .iter()
                        .filter(|(s, _)| *s == Slot::Current)
                        .map(|(_, id)| id.clone())
                        .collect();
                    let what = if gone.is_empty() {
                        "The series has no current certificate (it was deleted outside Terraform)."
                            .to_string()
                    } else {
                        format!(
                            "Current certificate {} no longer exists: it was deleted outside Terraform, so stages using it are failing.",
                            gone.join(", ")
                        )
                    };
                    (
                        if gone.is_empty() {
                            "Current client certificate missing".to_string()
                        } else {
                            format!("Current client certificate {} missing", gone.join(", "))
                        },
                        format!("{what} This apply generates a replacement at once. {dest} {next}"),
                    )
                }
                RotateReason::Triggered => {
                    let c = facts.current.as_ref().map_or_else(String::new, |c| {
                        format!(" Current certificate {} {}.", c.id, expiry_phrase(now, c))
                    });
                    (
                        facts.current.as_ref().map_or_else(
                            || "Client certificate rotation triggered".to_string(),
                            |c| format!("Rotation of client certificate {} triggered", c.id),
                        ),
                        format!(
                            "rotation_triggers changed, which forces a rotation.{c} This apply \
                             generates a new certificate. {dest} {next}"
                        ),
                    )
                }
            }
        }
        Step::Promote { id } => {
            let why = match &facts.current {
                Some(c) if is_expired(now, c.expires) => format!(
                    "Current certificate {} {}: an outage is in progress, so the pending \
                     certificate is promoted at once, without waiting for promote_after.",
                    c.id,
                    expiry_phrase(now, c)
                ),
                None => "The series has no current certificate (it was deleted outside \
                         Terraform), so the pending certificate is promoted at once."
                    .to_string(),
                Some(_) => {
                    let when = facts
                        .pending
                        .as_ref()
                        .map_or(now, |p| promote_time(p, policy));
                    format!(
                        "Its promote_after (\"{}\") elapsed on {}.",
                        format_duration(policy.promote_after),
                        format_rfc3339(when)
                    )
                }
            };
            let old = facts.current.as_ref().map_or_else(String::new, |c| {
                format!(
                    " Certificate {} ({}) becomes previous and stays trusted.",
                    c.id,
                    expiry_phrase(now, c)
                )
            });
            (
                format!("Promoting pending client certificate {id}"),
                format!("Pending certificate {id} becomes current. {why}{old} {next}"),
            )
        }
        Step::Discard { id } => (
            format!("Deleting client certificate {id} left by an interrupted apply"),
            format!(
                "Client certificate {id} was generated for this series by an apply that was \
                 interrupted (killed, or its answer lost) before Terraform recorded it. No \
                 state holds it and no backend was given it, so this apply deletes it before \
                 anything else; the step it was generated for is decided again below. {next}"
            ),
        ),
        Step::Retire {
            slot, id, reason, ..
        } => {
            let cert = [&facts.pending, &facts.current, &facts.previous]
                .into_iter()
                .flatten()
                .find(|c| &c.id == id);
            let exp = cert.map_or_else(String::new, |c| format!(" ({})", expiry_phrase(now, c)));
            let why = match (reason, slot) {
                (RetireReason::OverlapEnded, _) => format!(
                    "Its overlap (\"{}\") ended on {}.",
                    format_duration(policy.overlap),
                    facts
                        .previous_retire_after
                        .map_or_else(|| "an unknown date".to_string(), format_rfc3339)
                ),
                (RetireReason::Destroyed, _) => "The resource is destroyed.".to_string(),
                (RetireReason::SlotNeeded, Slot::Pending) => {
                    "It expired before it could be promoted and is replaced.".to_string()
                }
                (RetireReason::SlotNeeded, _) => "Its overlap has not ended, but this apply \
                    moves another certificate into the previous slot; it has not been current \
                    since the last switch, so no stage should still use it."
                    .to_string(),
            };
            (
                format!("Retiring {} client certificate {id}", slot.name()),
                format!(
                    "{} certificate {id}{exp} is deleted by this apply. {why} Backends may stop \
                     trusting it afterwards. {next}",
                    capitalise(slot.name())
                ),
            )
        }
    };
    Explained {
        step,
        summary,
        detail,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const T0: i64 = 1_800_000_000;
    const YEAR: i64 = 365 * DAY;

    fn cert(id: &str, created: i64) -> Cert {
        Cert::new(id, created, created + YEAR)
    }

    fn kinds(d: &Decision) -> Vec<String> {
        d.steps
            .iter()
            .map(|e| match &e.step {
                Step::Generate { into, reason } => format!("generate:{}:{reason:?}", into.name()),
                Step::Promote { id } => format!("promote:{id}"),
                Step::Discard { id } => format!("discard:{id}"),
                Step::Retire {
                    slot,
                    id,
                    reason,
                    frees_slot,
                } => {
                    let first = if *frees_slot { ":frees" } else { "" };
                    format!("retire:{}:{id}:{reason:?}{first}", slot.name())
                }
            })
            .collect()
    }

    fn stable() -> Facts {
        Facts {
            current: Some(cert("a", T0)),
            ..Facts::default()
        }
    }

    #[test]
    fn create_generates_straight_to_current() {
        for promote_after in [0, 3_600] {
            let policy = Policy {
                promote_after,
                ..Policy::default()
            };
            let d = decide(T0, &Facts::default(), &policy);
            assert_eq!(kinds(&d), ["generate:current:Create"]);
            assert_eq!(d.layout.current, Planned::New);
            assert_eq!(d.layout.phase(), "stable");
            assert!(!d.layout.previous_refilled);
        }
    }

    #[test]
    fn rotation_boundary_table() {
        let policy = Policy::default();
        let due = T0 + YEAR - 60 * DAY;
        let cases: &[(i64, &[&str])] = &[
            (T0, &[]),
            (due - DAY, &[]),
            (due - 1, &[]),
            (due, &["generate:current:Due"]),
            (due + 1, &["generate:current:Due"]),
            (T0 + YEAR - 1, &["generate:current:Due"]),
            (T0 + YEAR, &["generate:current:Expired"]),
            (T0 + YEAR + 1, &["generate:current:Expired"]),
        ];
        for (now, want) in cases {
            let d = decide(*now, &stable(), &policy);
            assert_eq!(kinds(&d), *want, "now = due {:+}", now - due);
            if want.is_empty() {
                assert_eq!(d.layout.phase(), "stable");
                assert!(!d.layout.current_changed);
            } else {
                assert_eq!(d.layout.phase(), "overlap");
                assert_eq!(d.layout.previous, Planned::Existing(cert("a", T0)));
                assert!(d.layout.previous_refilled);
            }
        }
    }

    #[test]
    fn rotation_with_promote_after_goes_to_pending_unless_expired() {
        let policy = Policy {
            promote_after: 2 * DAY as u64,
            ..Policy::default()
        };
        let due = T0 + YEAR - 60 * DAY;
        let d = decide(due, &stable(), &policy);
        assert_eq!(kinds(&d), ["generate:pending:Due"]);
        assert_eq!(d.layout.pending, Planned::New);
        assert_eq!(d.layout.current, Planned::Existing(cert("a", T0)));
        assert_eq!(d.layout.phase(), "pending");

        let d = decide(T0 + YEAR, &stable(), &policy);
        assert_eq!(kinds(&d), ["generate:current:Expired"]);
        assert!(d.steps[0].summary.contains("Outage in progress"));
        assert!(d.steps[0].detail.contains("outage is in progress"));
    }

    #[test]
    fn promote_boundary_table() {
        let policy = Policy {
            promote_after: 3 * DAY as u64,
            ..Policy::default()
        };
        let created = T0 + 300 * DAY;
        let facts = Facts {
            pending: Some(cert("n", created)),
            current: Some(cert("a", T0)),
            ..Facts::default()
        };
        let at = created + 3 * DAY;
        let cases: &[(i64, &[&str])] = &[
            (created, &[]),
            (at - 1, &[]),
            (at, &["promote:n"]),
            (at + 1, &["promote:n"]),
        ];
        for (now, want) in cases {
            let d = decide(*now, &facts, &policy);
            assert_eq!(kinds(&d), *want, "now = promote {:+}", now - at);
            if want.is_empty() {
                // Due, but a rotation is already in progress: no second certificate.
                assert_eq!(d.layout.phase(), "pending");
            } else {
                assert_eq!(d.layout.current, Planned::Existing(cert("n", created)));
                assert_eq!(d.layout.previous, Planned::Existing(cert("a", T0)));
                assert_eq!(d.layout.pending, Planned::Empty);
                assert_eq!(d.layout.phase(), "overlap");
            }
        }
    }

    #[test]
    fn retire_boundary_table() {
        let policy = Policy::default();
        let after = T0 + 10 * DAY;
        let facts = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - 300 * DAY)),
            previous_retire_after: Some(after),
            ..Facts::default()
        };
        let cases: &[(i64, &[&str])] = &[
            (after - DAY, &[]),
            (after - 1, &[]),
            (after, &["retire:previous:a:OverlapEnded"]),
            (after + 1, &["retire:previous:a:OverlapEnded"]),
        ];
        for (now, want) in cases {
            let d = decide(*now, &facts, &policy);
            assert_eq!(kinds(&d), *want, "now = retire {:+}", now - after);
            let phase = if want.is_empty() { "overlap" } else { "stable" };
            assert_eq!(d.layout.phase(), phase);
        }
    }

    #[test]
    fn strays_of_an_interrupted_apply_are_deleted_first_and_the_step_decided_again() {
        let stray = |f: Facts| Facts {
            strays: vec!["s1".into()],
            ..f
        };
        let due = T0 + 310 * DAY;
        let with_promote = Policy {
            promote_after: 2 * DAY as u64,
            ..Policy::default()
        };
        let cases: &[(&str, Facts, i64, &Policy, &[&str])] = &[
            (
                "interrupted create",
                stray(Facts::default()),
                T0,
                &Policy::default(),
                &["discard:s1", "generate:current:Create"],
            ),
            (
                "interrupted rotation into current",
                stray(stable()),
                due,
                &Policy::default(),
                &["discard:s1", "generate:current:Due"],
            ),
            (
                "interrupted rotation into pending",
                stray(stable()),
                due,
                &with_promote,
                &["discard:s1", "generate:pending:Due"],
            ),
            (
                "nothing else due",
                stray(stable()),
                T0 + DAY,
                &Policy::default(),
                &["discard:s1"],
            ),
            (
                "before a retirement that frees the previous slot",
                stray(Facts {
                    previous: Some(cert("a", T0 - 300 * DAY)),
                    previous_retire_after: Some(due + DAY),
                    ..stable()
                }),
                due,
                &Policy::default(),
                &[
                    "discard:s1",
                    "retire:previous:a:SlotNeeded:frees",
                    "generate:current:Due",
                ],
            ),
        ];
        for (name, facts, now, policy, want) in cases {
            let d = decide(*now, facts, policy);
            assert_eq!(kinds(&d), *want, "{name}");
            let e = &d.steps[0];
            assert!(
                e.summary.contains("s1") && e.detail.contains("interrupted"),
                "{name}: {e:?}"
            );
            // A stray holds no slot: the layout is the one without it.
            let without = decide(
                *now,
                &Facts {
                    strays: Vec::new(),
                    ..facts.clone()
                },
                policy,
            );
            assert_eq!(d.layout, without.layout, "{name}");
        }
    }

    #[test]
    fn a_previous_certificate_a_stage_presents_is_kept_and_said_so() {
        let after = T0 + 10 * DAY;
        let used = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - 300 * DAY)),
            previous_retire_after: Some(after),
            previous_presented_by: vec!["stage \"prod\" of REST API \"payments\" (r1)".into()],
            ..Facts::default()
        };
        let d = decide(after + 1, &used, &Policy::default());
        assert_eq!(kinds(&d), Vec::<String>::new());
        assert_eq!(d.layout.phase(), "overlap");
        assert_eq!(d.held.len(), 1);
        assert!(d.held[0].summary.contains(" a "), "{:?}", d.held[0]);
        assert!(d.held[0].detail.contains("\"prod\""), "{:?}", d.held[0]);
        assert!(
            d.held[0].detail.contains("current certificate b"),
            "{:?}",
            d.held[0]
        );
        assert!(!d.held[0].detail.contains("retire_guard = false"));
        // Once no stage presents it, it is retired.
        let free = Facts {
            previous_presented_by: Vec::new(),
            ..used.clone()
        };
        let d = decide(after + 1, &free, &Policy::default());
        assert_eq!(kinds(&d), ["retire:previous:a:OverlapEnded"]);
        assert!(d.held.is_empty());
        // Before its overlap ends nothing is held, so nothing is said.
        let d = decide(after - 1, &used, &Policy::default());
        assert!(d.is_empty() && d.held.is_empty());
    }

    #[test]
    fn a_step_that_needs_a_presented_previous_slot_waits_with_it() {
        let used = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - 10 * DAY)),
            previous_retire_after: Some(T0 + 400 * DAY),
            previous_presented_by: vec!["stage \"prod\" of REST API \"payments\" (r1)".into()],
            ..Facts::default()
        };
        // A due rotation into current would push b into a's slot.
        let d = decide(T0 + 310 * DAY, &used, &Policy::default());
        assert_eq!(kinds(&d), Vec::<String>::new());
        assert!(
            d.held[0].detail.contains("rotation that is due waits"),
            "{:?}",
            d.held
        );
        // A promotion too.
        let pending = Facts {
            pending: Some(cert("c", T0 + 300 * DAY)),
            ..used.clone()
        };
        let d = decide(T0 + 302 * DAY, &pending, &Policy::default());
        assert_eq!(kinds(&d), Vec::<String>::new());
        assert!(
            d.held[0].detail.contains("Promoting pending certificate c"),
            "{:?}",
            d.held
        );
        // A rotation into pending does not need the slot and goes ahead.
        let policy = Policy {
            promote_after: DAY as u64,
            ..Policy::default()
        };
        let d = decide(T0 + 310 * DAY, &used, &policy);
        assert_eq!(kinds(&d), ["generate:pending:Due"]);
        assert!(d.held.is_empty());
        // An expired previous certificate is not protected: backends
        // reject it already.
        let d = decide(T0 + 420 * DAY, &used, &Policy::default());
        assert_eq!(
            kinds(&d),
            [
                "retire:previous:a:OverlapEnded:frees",
                "generate:current:Expired"
            ]
        );
    }

    #[test]
    fn unknown_retire_time_counts_as_due() {
        let facts = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - DAY)),
            previous_retire_after: None,
            ..Facts::default()
        };
        let d = decide(T0, &facts, &Policy::default());
        assert_eq!(kinds(&d), ["retire:previous:a:OverlapEnded"]);
    }

    #[test]
    fn a_retirement_freeing_the_previous_slot_runs_first() {
        // Rotation due while a previous certificate's overlap also ended: the
        // rotation moves b into the previous slot, so a leaves it first.
        let facts = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - YEAR)),
            previous_retire_after: Some(T0 + DAY),
            ..Facts::default()
        };
        let d = decide(T0 + 310 * DAY, &facts, &Policy::default());
        assert_eq!(
            kinds(&d),
            [
                "retire:previous:a:OverlapEnded:frees",
                "generate:current:Due"
            ]
        );
        assert_eq!(d.layout.previous, Planned::Existing(cert("b", T0)));

        let facts = Facts {
            pending: Some(cert("c", T0 + 300 * DAY)),
            ..facts
        };
        let policy = Policy {
            promote_after: DAY as u64,
            ..Policy::default()
        };
        let d = decide(T0 + 310 * DAY, &facts, &policy);
        assert_eq!(
            kinds(&d),
            ["retire:previous:a:OverlapEnded:frees", "promote:c"]
        );
    }

    #[test]
    fn a_retirement_nothing_refills_runs_last() {
        // The current certificate is gone: its replacement does not move
        // anything into the previous slot, so the replacement comes first.
        let facts = Facts {
            previous: Some(cert("a", T0 - YEAR)),
            previous_retire_after: Some(T0 - DAY),
            vanished: vec![(Slot::Current, "b".into())],
            ..Facts::default()
        };
        let d = decide(T0, &facts, &Policy::default());
        assert_eq!(
            kinds(&d),
            ["generate:current:Missing", "retire:previous:a:OverlapEnded"]
        );
        // A rotation into pending leaves the previous slot alone as well.
        let facts = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - YEAR)),
            previous_retire_after: Some(T0 + DAY),
            ..Facts::default()
        };
        let policy = Policy {
            promote_after: DAY as u64,
            ..Policy::default()
        };
        let d = decide(T0 + 310 * DAY, &facts, &policy);
        assert_eq!(
            kinds(&d),
            ["generate:pending:Due", "retire:previous:a:OverlapEnded"]
        );
    }

    #[test]
    fn occupied_previous_slot_is_retired_early_and_said_so() {
        let facts = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - 100 * DAY)),
            previous_retire_after: Some(T0 + 400 * DAY),
            ..Facts::default()
        };
        let d = decide(T0 + 310 * DAY, &facts, &Policy::default());
        assert_eq!(
            kinds(&d),
            ["retire:previous:a:SlotNeeded:frees", "generate:current:Due"]
        );
        assert!(
            d.steps[0]
                .detail
                .contains("moves another certificate into the previous slot")
        );

        let facts = Facts {
            pending: Some(cert("c", T0 + 300 * DAY)),
            ..facts
        };
        let d = decide(T0 + 310 * DAY, &facts, &Policy::default());
        assert_eq!(
            kinds(&d),
            ["retire:previous:a:SlotNeeded:frees", "promote:c"]
        );
    }

    #[test]
    fn missing_current_is_replaced_at_once() {
        let policy = Policy {
            promote_after: DAY as u64,
            ..Policy::default()
        };
        let facts = Facts {
            previous: Some(cert("a", T0 - 300 * DAY)),
            previous_retire_after: Some(T0 + 5 * DAY),
            vanished: vec![(Slot::Current, "b".into())],
            ..Facts::default()
        };
        let d = decide(T0, &facts, &policy);
        assert_eq!(kinds(&d), ["generate:current:Missing"]);
        assert!(
            d.steps[0]
                .detail
                .contains("Current certificate b no longer exists")
        );
        // The previous certificate keeps its own retirement time.
        assert!(!d.layout.previous_refilled);
        assert_eq!(d.layout.phase(), "overlap");

        // With a pending certificate, that one is promoted at once instead.
        let facts = Facts {
            pending: Some(cert("n", T0 - 10)),
            ..facts
        };
        let d = decide(T0, &facts, &policy);
        assert_eq!(kinds(&d), ["promote:n"]);
        assert_eq!(
            d.layout.previous,
            Planned::Existing(cert("a", T0 - 300 * DAY))
        );
    }

    #[test]
    fn expired_current_promotes_pending_at_once() {
        let policy = Policy {
            promote_after: 30 * DAY as u64,
            ..Policy::default()
        };
        let facts = Facts {
            pending: Some(cert("n", T0 + YEAR - DAY)),
            current: Some(cert("a", T0)),
            ..Facts::default()
        };
        let d = decide(T0 + YEAR, &facts, &policy);
        assert_eq!(kinds(&d), ["promote:n"]);
        assert!(d.steps[0].detail.contains("outage is in progress"));
    }

    #[test]
    fn expired_pending_is_discarded_and_replaced() {
        let policy = Policy {
            promote_after: 400 * DAY as u64,
            rotate_before: 500 * DAY as u64,
            overlap: 0,
        };
        let facts = Facts {
            pending: Some(cert("n", T0)),
            current: Some(Cert::new("a", T0, T0 + 2 * YEAR)),
            ..Facts::default()
        };
        let d = decide(T0 + YEAR, &facts, &policy);
        assert_eq!(
            kinds(&d),
            ["retire:pending:n:SlotNeeded:frees", "generate:pending:Due"]
        );
    }

    #[test]
    fn triggers_force_a_rotation_unless_one_is_in_progress() {
        let facts = Facts {
            triggers_changed: true,
            ..stable()
        };
        let d = decide(T0 + DAY, &facts, &Policy::default());
        assert_eq!(kinds(&d), ["generate:current:Triggered"]);
        assert!(d.steps[0].detail.contains("rotation_triggers changed"));

        let facts = Facts {
            pending: Some(cert("n", T0 + DAY)),
            ..facts
        };
        let policy = Policy {
            promote_after: DAY as u64,
            ..Policy::default()
        };
        assert!(decide(T0 + DAY + 1, &facts, &policy).is_empty());
    }

    #[test]
    fn nothing_due_means_no_steps() {
        let facts = Facts {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - YEAR)),
            previous_retire_after: Some(T0 + 7 * DAY),
            ..Facts::default()
        };
        let d = decide(T0 + DAY, &facts, &Policy::default());
        assert!(d.is_empty());
        assert_eq!(d.layout.current, Planned::Existing(cert("b", T0)));
        assert_eq!(d.layout.phase(), "overlap");
        assert!(!d.layout.current_changed && !d.layout.previous_refilled);
    }

    #[test]
    fn explanation_names_certificate_dates_window_and_next_step() {
        let now = T0 + 310 * DAY;
        let d = decide(now, &stable(), &Policy::default());
        let detail = &d.steps[0].detail;
        let expires = crate::format_date(T0 + YEAR);
        for needle in [
            "Current certificate a",
            &format!("expires on {expires}"),
            "55 days left",
            "rotate_before = \"60d\"",
            &crate::format_rfc3339(T0 + YEAR - 60 * DAY),
            "certificate a becomes previous",
            "overlap (\"7d\")",
            &crate::format_rfc3339(now + 7 * DAY),
        ] {
            assert!(detail.contains(needle), "{needle:?} missing from {detail}");
        }
    }

    #[test]
    fn decisions_are_monotone_per_condition() {
        // Any step due at t stays due at t+1 (used by the saved-plan rule:
        // a later decision time never drops a step).
        let policy = Policy {
            promote_after: 5,
            overlap: 5,
            rotate_before: 30 * DAY as u64,
        };
        let facts = Facts {
            pending: None,
            current: Some(Cert::new("b", T0, T0 + 40 * DAY)),
            previous: Some(cert("a", T0 - DAY)),
            previous_retire_after: Some(T0 + 20 * DAY),
            ..Facts::default()
        };
        let mut seen = 0;
        for t in (T0..T0 + 45 * DAY).step_by(3_600) {
            let n = decide(t, &facts, &policy).steps.len();
            assert!(n >= seen, "steps dropped at {t}");
            seen = n;
        }
        assert_eq!(seen, 2);
    }

    #[test]
    fn defaults_are_valid_durations() {
        for text in [
            DEFAULT_ROTATE_BEFORE,
            DEFAULT_PROMOTE_AFTER,
            DEFAULT_OVERLAP,
        ] {
            assert!(parse_duration(text).is_ok(), "{text}");
        }
        let p = Policy::default();
        assert_eq!(
            (p.rotate_before, p.promote_after, p.overlap),
            (60 * DAY as u64, 0, 7 * DAY as u64)
        );
        assert!(p.validate(Some(YEAR as u64)).is_empty());
    }

    #[test]
    fn validation_table() {
        let d = |s: &str| crate::parse_duration(s).unwrap_or(0);
        type Case<'a> = (&'a str, &'a str, &'a str, Option<u64>, &'a [&'a str]);
        let cases: &[Case] = &[
            ("60d", "0s", "7d", Some(d("365d")), &[]),
            ("0s", "0s", "0s", None, &["rotate_before"]),
            ("60d", "30d", "30d", None, &["overlap"]),
            ("60d", "30d", "29d23h59m59s", None, &[]),
            ("60d", "0s", "60d", None, &["overlap"]),
            ("365d", "0s", "7d", Some(d("365d")), &["rotate_before"]),
            ("364d23h59m59s", "0s", "7d", Some(d("365d")), &[]),
            ("400d", "0s", "7d", Some(d("365d")), &["rotate_before"]),
        ];
        for (rb, pa, ov, validity, want) in cases {
            let policy = Policy {
                rotate_before: d(rb),
                promote_after: d(pa),
                overlap: d(ov),
            };
            let errs = policy.validate(*validity);
            let attrs: Vec<&str> = errs.iter().map(|e| e.attribute).collect();
            assert_eq!(attrs, *want, "{rb} {pa} {ov}");
            for e in &errs {
                assert!(e.message.contains(rb), "{e}");
            }
        }
    }
}

//! What an apply does to a rotation series, one action at a time.
//!
//! [`decide`](crate::decide) says which steps are due and in which order;
//! this module turns them into the [`Action`]s an apply performs (checks and
//! in-place updates first) and records each action's outcome in the slots
//! ([`Series::record`]). The caller only performs I/O: it runs
//! [`Run::next`], calls the API, and hands the outcome to
//! [`Run::complete`]. When an action fails, [`Run::series`] is exactly what
//! exists, so the caller persists it with the error.

use std::collections::BTreeMap;

use crate::due::{is_due, is_expired};
use crate::machine::{Cert, RetireReason, RotateReason, Slot, Step};

/// What the rotation logic reads from a certificate the caller records.
pub trait Certificate: Clone {
    fn id(&self) -> &str;
    /// Unix seconds.
    fn created(&self) -> i64;
    /// Unix seconds (notAfter).
    fn expires(&self) -> i64;

    fn cert(&self) -> Cert {
        Cert::new(self.id(), self.created(), self.expires())
    }
}

impl Certificate for Cert {
    fn id(&self) -> &str {
        &self.id
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn expires(&self) -> i64 {
        self.expires
    }
}

/// "pending" while a pending certificate exists, else "overlap" while a
/// previous one exists, else "stable".
pub fn phase(has_pending: bool, has_previous: bool) -> &'static str {
    if has_pending {
        "pending"
    } else if has_previous {
        "overlap"
    } else {
        "stable"
    }
}

/// `rotation_triggers` as recorded in state and written in configuration.
pub type Triggers = BTreeMap<String, String>;

/// Whether the configured `rotation_triggers` force a rotation: only a
/// change of values does, from non-empty recorded values to different
/// non-empty ones (null and empty are the same). Adding triggers to a series
/// that had none records them, so that adding them across a fleet does not
/// rotate every certificate at once; removing them records that too. A
/// series adopted by import and not applied since takes its first triggers as
/// starting values (`adopting`), so they force nothing.
pub fn triggers_changed(
    recorded: Option<&Triggers>,
    configured: Option<&Triggers>,
    adopting: bool,
) -> bool {
    let non_empty = |t: Option<&Triggers>| t.filter(|m| !m.is_empty()).cloned();
    match (non_empty(recorded), non_empty(configured)) {
        (Some(old), Some(new)) => !adopting && old != new,
        _ => false,
    }
}

/// The slots of one series, with the dates an apply sets. `C` is whatever
/// the caller records per certificate (at least an ID and two dates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series<C> {
    pub pending: Option<C>,
    pub current: Option<C>,
    pub previous: Option<C>,
    /// When a plan may retire the previous certificate (unix seconds).
    pub previous_retire_after: Option<i64>,
}

impl<C> Default for Series<C> {
    fn default() -> Self {
        Series {
            pending: None,
            current: None,
            previous: None,
            previous_retire_after: None,
        }
    }
}

/// What an action produced, fed back into [`Series::record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<C> {
    /// A `Generate` step created this certificate.
    Generated(C),
    /// Any other action succeeded.
    Done,
}

/// One thing an apply does, in the order [`apply_actions`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `retire_guard`: refuse, before anything changes, if a stage still
    /// presents the certificate this apply is about to delete.
    CheckUnused { id: String },
    /// Apply the changed description and tags to a live certificate.
    UpdateInPlace { id: String },
    /// A step of the rotation, as decided.
    Step(Step),
}

impl<C: Certificate> Series<C> {
    pub fn slot(&self, slot: Slot) -> Option<&C> {
        match slot {
            Slot::Pending => self.pending.as_ref(),
            Slot::Current => self.current.as_ref(),
            Slot::Previous => self.previous.as_ref(),
        }
    }

    pub fn slot_mut(&mut self, slot: Slot) -> &mut Option<C> {
        match slot {
            Slot::Pending => &mut self.pending,
            Slot::Current => &mut self.current,
            Slot::Previous => &mut self.previous,
        }
    }

    /// Empties a slot (its certificate was deleted or vanished). A previous
    /// slot takes its retirement time with it.
    pub fn clear(&mut self, slot: Slot) {
        *self.slot_mut(slot) = None;
        if slot == Slot::Previous {
            self.previous_retire_after = None;
        }
    }

    pub fn phase(&self) -> &'static str {
        phase(self.pending.is_some(), self.previous.is_some())
    }

    /// Live certificates, oldest first (the order of the trusted bundle).
    pub fn live(&self) -> Vec<&C> {
        let mut v: Vec<&C> = [&self.pending, &self.current, &self.previous]
            .into_iter()
            .flatten()
            .collect();
        v.sort_by(|a, b| (a.created(), a.id()).cmp(&(b.created(), b.id())));
        v
    }

    /// The lifetime of the series' certificates, from their own dates.
    pub fn validity(&self) -> Option<u64> {
        [&self.current, &self.pending, &self.previous]
            .into_iter()
            .flatten()
            .next()
            .map(|c| c.cert().validity())
    }

    /// True when the current certificate is inside its rotation window at
    /// `at`, or missing. Without a usable window only expiry counts.
    pub fn rotation_due(&self, at: i64, rotate_before: Option<u64>) -> bool {
        match (&self.current, rotate_before) {
            (None, _) => true,
            (Some(c), Some(rb)) => is_due(at, c.expires(), rb),
            (Some(c), None) => is_expired(at, c.expires()),
        }
    }

    /// `overlap` changed from `old` to `new`: the previous certificate's
    /// retirement moves by the difference, as if the new value had applied
    /// when it stopped being current.
    pub fn change_overlap(&mut self, old: u64, new: u64) {
        if let Some(after) = self.previous_retire_after {
            let shift = secs(new).saturating_sub(secs(old));
            self.previous_retire_after = Some(after.saturating_add(shift));
        }
    }

    /// The facts [`decide`](crate::decide) needs.
    pub fn facts(&self, triggers_changed: bool, vanished: Vec<(Slot, String)>) -> crate::Facts {
        crate::Facts {
            pending: self.pending.as_ref().map(Certificate::cert),
            current: self.current.as_ref().map(Certificate::cert),
            previous: self.previous.as_ref().map(Certificate::cert),
            previous_retire_after: self.previous_retire_after,
            triggers_changed,
            vanished,
            previous_presented_by: Vec::new(),
            strays: Vec::new(),
        }
    }

    /// Records the outcome of one successful action performed at `now`:
    /// a certificate becoming current moves the old current one to previous,
    /// whose retirement is then `now + overlap`; a retired certificate leaves
    /// its slot. Checks and in-place updates change no slot.
    pub fn record(&mut self, action: &Action, outcome: Outcome<C>, now: i64, overlap: u64) {
        let Action::Step(step) = action else {
            return;
        };
        match (step, outcome) {
            (Step::Generate { into, .. }, Outcome::Generated(c)) => {
                if *into == Slot::Current {
                    self.make_current(c, now, overlap);
                } else {
                    *self.slot_mut(*into) = Some(c);
                }
            }
            (Step::Generate { .. }, Outcome::Done) => {}
            (Step::Promote { id }, _) => {
                if self.pending.as_ref().is_some_and(|p| p.id() == id)
                    && let Some(p) = self.pending.take()
                {
                    self.make_current(p, now, overlap);
                }
            }
            (Step::Retire { slot, id, .. }, _) => {
                if self.slot(*slot).is_some_and(|c| c.id() == id) {
                    self.clear(*slot);
                }
            }
            (Step::Discard { .. }, _) => {}
        }
    }

    fn make_current(&mut self, c: C, now: i64, overlap: u64) {
        if let Some(old) = self.current.take() {
            // `decide` empties the previous slot before any step refills it.
            debug_assert!(
                self.previous.is_none(),
                "previous slot refilled while occupied"
            );
            self.previous = Some(old);
            self.previous_retire_after = Some(now.saturating_add(secs(overlap)));
        }
        self.current = Some(c);
    }
}

fn secs(d: u64) -> i64 {
    i64::try_from(d).unwrap_or(i64::MAX)
}

/// The actions of an apply that performs `steps` (in [`decide`](crate::decide)'s
/// order) on `series`: with `retire_guard`, a stage check of every
/// certificate it deletes, before anything changes; then, when description
/// or tags changed (`update_in_place`), their update on every live
/// certificate; then the steps.
pub fn apply_actions<C: Certificate>(
    series: &Series<C>,
    steps: &[Step],
    retire_guard: bool,
    update_in_place: bool,
) -> Vec<Action> {
    let mut actions = Vec::new();
    if retire_guard {
        actions.extend(steps.iter().filter_map(|s| match s {
            Step::Retire { id, .. } | Step::Discard { id } => {
                Some(Action::CheckUnused { id: id.clone() })
            }
            _ => None,
        }));
    }
    if update_in_place {
        actions.extend(series.live().into_iter().map(|c| Action::UpdateInPlace {
            id: c.id().to_string(),
        }));
    }
    actions.extend(steps.iter().cloned().map(Action::Step));
    actions
}

/// The actions that destroy a series: with `retire_guard`, a stage check of
/// every live certificate first, then deletes of pending, previous and
/// current, the current one last so that it outlives the others if one fails.
pub fn destroy_actions<C: Certificate>(series: &Series<C>, retire_guard: bool) -> Vec<Action> {
    let live: Vec<(Slot, String)> = [Slot::Pending, Slot::Previous, Slot::Current]
        .into_iter()
        .filter_map(|s| series.slot(s).map(|c| (s, c.id().to_string())))
        .collect();
    let mut actions = Vec::new();
    if retire_guard {
        actions.extend(
            live.iter()
                .map(|(_, id)| Action::CheckUnused { id: id.clone() }),
        );
    }
    actions.extend(live.into_iter().map(|(slot, id)| {
        Action::Step(Step::Retire {
            slot,
            id,
            reason: RetireReason::Destroyed,
            frees_slot: false,
        })
    }));
    actions
}

/// An apply in progress: the actions left and the series as it exists.
#[derive(Clone, Debug)]
pub struct Run<C> {
    /// What exists after every action completed so far.
    pub series: Series<C>,
    actions: Vec<Action>,
    done: usize,
    overlap: u64,
}

impl<C: Certificate> Run<C> {
    /// `overlap` (seconds) dates the retirement of a certificate that stops
    /// being current during this apply.
    pub fn new(series: Series<C>, actions: Vec<Action>, overlap: u64) -> Self {
        Run {
            series,
            actions,
            done: 0,
            overlap,
        }
    }

    /// The next action to perform, or `None` when the apply is complete.
    pub fn next(&self) -> Option<&Action> {
        self.actions.get(self.done)
    }

    /// Records the outcome of [`next`](Self::next), performed at `now`.
    pub fn complete(&mut self, outcome: Outcome<C>, now: i64) {
        if let Some(action) = self.actions.get(self.done) {
            let action = action.clone();
            self.series.record(&action, outcome, now, self.overlap);
            self.done += 1;
        }
    }

    pub fn is_complete(&self) -> bool {
        self.done == self.actions.len()
    }

    /// Whether this apply used up a `rotation_triggers` change: false only
    /// when it was to rotate because of the triggers and the new certificate
    /// was not generated, so the old triggers stay recorded and the next plan
    /// rotates again.
    pub fn triggers_consumed(&self) -> bool {
        self.actions.iter().enumerate().all(|(i, a)| {
            !matches!(
                a,
                Action::Step(Step::Generate {
                    reason: RotateReason::Triggered,
                    ..
                })
            ) || i < self.done
        })
    }
}

/// Every apply, failing at every action: what is recorded is what exists.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::{Facts, Policy, decide};

    const DAY: i64 = 86_400;
    const YEAR: i64 = 365 * DAY;
    const T0: i64 = 1_800_000_000;

    fn cert(id: &str, created: i64) -> Cert {
        Cert::new(id, created, created + YEAR)
    }

    /// API Gateway as far as an apply can see it: the live certificate IDs.
    struct World {
        live: BTreeSet<String>,
        generated: usize,
    }

    /// Runs `actions`, failing the one at `fail_at` (no change in the world,
    /// nothing recorded, nothing after it runs, as the provider does).
    /// Returns the run and the world; checks the safety rules on the way.
    fn run(
        series: &Series<Cert>,
        actions: Vec<Action>,
        fail_at: Option<usize>,
        now: i64,
    ) -> (Run<Cert>, World) {
        let mut world = World {
            live: series.live().iter().map(|c| c.id.clone()).collect(),
            generated: 0,
        };
        let mut run = Run::new(series.clone(), actions, 7 * DAY as u64);
        let mut k = 0;
        while let Some(action) = run.next().cloned() {
            if Some(k) == fail_at {
                break;
            }
            let outcome = match &action {
                Action::Step(Step::Generate { .. }) => {
                    world.generated += 1;
                    let c = cert(&format!("n{}", world.generated), now);
                    world.live.insert(c.id.clone());
                    Outcome::Generated(c)
                }
                Action::Step(Step::Retire { id, reason, .. }) => {
                    // Never delete what stages present, unless destroying.
                    if *reason != RetireReason::Destroyed {
                        assert_ne!(
                            run.series.current.as_ref().map(|c| c.id.as_str()),
                            Some(id.as_str()),
                            "current certificate deleted"
                        );
                    }
                    assert!(world.live.remove(id), "{id} deleted twice");
                    Outcome::Done
                }
                _ => Outcome::Done,
            };
            run.complete(outcome, now);
            k += 1;
        }
        (run, world)
    }

    fn ids(s: &Series<Cert>) -> [Option<&str>; 3] {
        [&s.pending, &s.current, &s.previous].map(|c| c.as_ref().map(|c| c.id.as_str()))
    }

    /// (pending, current, previous) as recorded.
    type Slots = [Option<&'static str>; 3];
    const fn slots(
        p: Option<&'static str>,
        c: Option<&'static str>,
        v: Option<&'static str>,
    ) -> Slots {
        [p, c, v]
    }

    struct Scenario {
        name: &'static str,
        series: Series<Cert>,
        facts: fn(&Series<Cert>) -> Facts,
        policy: Policy,
        now: i64,
        update_in_place: bool,
        destroy: bool,
        /// Action kinds, in order.
        actions: &'static [&'static str],
        /// The recorded slots when the action at index k fails; the last
        /// row is the complete apply.
        after: Vec<Slots>,
    }

    fn plain(s: &Series<Cert>) -> Facts {
        s.facts(false, Vec::new())
    }

    /// An interrupted apply left certificate "s" for this series.
    fn with_stray(s: &Series<Cert>) -> Facts {
        crate::Facts {
            strays: vec!["s".into()],
            ..plain(s)
        }
    }

    fn kind(a: &Action) -> String {
        match a {
            Action::CheckUnused { id } => format!("check {id}"),
            Action::UpdateInPlace { id } => format!("update {id}"),
            Action::Step(Step::Generate { into, .. }) => format!("generate {}", into.name()),
            Action::Step(Step::Promote { id }) => format!("promote {id}"),
            Action::Step(Step::Discard { id }) => format!("discard {id}"),
            Action::Step(Step::Retire { slot, id, .. }) => format!("retire {} {id}", slot.name()),
        }
    }

    fn scenarios() -> Vec<Scenario> {
        let b = || cert("b", T0);
        let a = || cert("a", T0 - 300 * DAY);
        let due = T0 + 310 * DAY;
        let with_promote = Policy {
            promote_after: 2 * DAY as u64,
            ..Policy::default()
        };
        vec![
            Scenario {
                name: "create after an interrupted create",
                series: Series::default(),
                facts: with_stray,
                policy: Policy::default(),
                now: T0,
                update_in_place: false,
                destroy: false,
                actions: &["check s", "discard s", "generate current"],
                after: vec![
                    slots(None, None, None),
                    slots(None, None, None),
                    slots(None, None, None),
                    slots(None, Some("n1"), None),
                ],
            },
            Scenario {
                name: "rotate after an interrupted rotation",
                series: Series {
                    current: Some(b()),
                    ..Series::default()
                },
                facts: with_stray,
                policy: with_promote,
                now: due,
                update_in_place: false,
                destroy: false,
                actions: &["check s", "discard s", "generate pending"],
                after: vec![
                    slots(None, Some("b"), None),
                    slots(None, Some("b"), None),
                    slots(None, Some("b"), None),
                    slots(Some("n1"), Some("b"), None),
                ],
            },
            Scenario {
                name: "create",
                series: Series::default(),
                facts: plain,
                policy: Policy::default(),
                now: T0,
                update_in_place: false,
                destroy: false,
                actions: &["generate current"],
                after: vec![slots(None, None, None), slots(None, Some("n1"), None)],
            },
            Scenario {
                name: "rotate with an in-place update",
                series: Series {
                    current: Some(b()),
                    ..Series::default()
                },
                facts: plain,
                policy: Policy::default(),
                now: due,
                update_in_place: true,
                destroy: false,
                actions: &["update b", "generate current"],
                after: vec![
                    slots(None, Some("b"), None),
                    slots(None, Some("b"), None),
                    slots(None, Some("n1"), Some("b")),
                ],
            },
            Scenario {
                name: "rotate into an occupied previous slot",
                series: Series {
                    current: Some(b()),
                    previous: Some(a()),
                    previous_retire_after: Some(due + DAY),
                    ..Series::default()
                },
                facts: plain,
                policy: Policy::default(),
                now: due,
                update_in_place: false,
                destroy: false,
                actions: &["check a", "retire previous a", "generate current"],
                after: vec![
                    slots(None, Some("b"), Some("a")),
                    slots(None, Some("b"), Some("a")),
                    slots(None, Some("b"), None),
                    slots(None, Some("n1"), Some("b")),
                ],
            },
            Scenario {
                name: "rotate to pending while the overlap ended",
                series: Series {
                    current: Some(b()),
                    previous: Some(a()),
                    previous_retire_after: Some(due - DAY),
                    ..Series::default()
                },
                facts: plain,
                policy: with_promote,
                now: due,
                update_in_place: false,
                destroy: false,
                actions: &["check a", "generate pending", "retire previous a"],
                after: vec![
                    slots(None, Some("b"), Some("a")),
                    slots(None, Some("b"), Some("a")),
                    slots(Some("n1"), Some("b"), Some("a")),
                    slots(Some("n1"), Some("b"), None),
                ],
            },
            Scenario {
                name: "promote while the overlap ended",
                series: Series {
                    pending: Some(cert("c", due - 3 * DAY)),
                    current: Some(b()),
                    previous: Some(a()),
                    previous_retire_after: Some(due - DAY),
                },
                facts: plain,
                policy: with_promote,
                now: due,
                update_in_place: false,
                destroy: false,
                actions: &["check a", "retire previous a", "promote c"],
                after: vec![
                    slots(Some("c"), Some("b"), Some("a")),
                    slots(Some("c"), Some("b"), Some("a")),
                    slots(Some("c"), Some("b"), None),
                    slots(None, Some("c"), Some("b")),
                ],
            },
            Scenario {
                name: "retire",
                series: Series {
                    current: Some(b()),
                    previous: Some(a()),
                    previous_retire_after: Some(T0 + DAY),
                    ..Series::default()
                },
                facts: plain,
                policy: Policy::default(),
                now: T0 + 2 * DAY,
                update_in_place: false,
                destroy: false,
                actions: &["check a", "retire previous a"],
                after: vec![
                    slots(None, Some("b"), Some("a")),
                    slots(None, Some("b"), Some("a")),
                    slots(None, Some("b"), None),
                ],
            },
            Scenario {
                name: "replace an expired pending certificate",
                series: Series {
                    pending: Some(cert("p", T0 - YEAR)),
                    current: Some(Cert::new("b", T0 - YEAR, T0 + YEAR)),
                    ..Series::default()
                },
                facts: plain,
                policy: Policy {
                    promote_after: 400 * DAY as u64,
                    rotate_before: 500 * DAY as u64,
                    overlap: 0,
                },
                now: T0,
                update_in_place: false,
                destroy: false,
                actions: &["check p", "retire pending p", "generate pending"],
                after: vec![
                    slots(Some("p"), Some("b"), None),
                    slots(Some("p"), Some("b"), None),
                    slots(None, Some("b"), None),
                    slots(Some("n1"), Some("b"), None),
                ],
            },
            Scenario {
                name: "replace a vanished current certificate",
                series: Series {
                    previous: Some(a()),
                    previous_retire_after: Some(T0 - DAY),
                    ..Series::default()
                },
                facts: |s| s.facts(false, vec![(Slot::Current, "b".into())]),
                policy: Policy::default(),
                now: T0,
                update_in_place: false,
                destroy: false,
                actions: &["check a", "generate current", "retire previous a"],
                after: vec![
                    slots(None, None, Some("a")),
                    slots(None, None, Some("a")),
                    slots(None, Some("n1"), Some("a")),
                    slots(None, Some("n1"), None),
                ],
            },
            Scenario {
                name: "rotate because the triggers changed",
                series: Series {
                    current: Some(b()),
                    ..Series::default()
                },
                facts: |s| s.facts(true, Vec::new()),
                policy: Policy::default(),
                now: T0 + DAY,
                update_in_place: false,
                destroy: false,
                actions: &["generate current"],
                after: vec![
                    slots(None, Some("b"), None),
                    slots(None, Some("n1"), Some("b")),
                ],
            },
            Scenario {
                name: "destroy",
                series: Series {
                    pending: Some(cert("c", due)),
                    current: Some(b()),
                    previous: Some(a()),
                    previous_retire_after: Some(due + DAY),
                },
                facts: plain,
                policy: Policy::default(),
                now: due,
                update_in_place: false,
                destroy: true,
                actions: &[
                    "check c",
                    "check a",
                    "check b",
                    "retire pending c",
                    "retire previous a",
                    "retire current b",
                ],
                after: vec![
                    slots(Some("c"), Some("b"), Some("a")),
                    slots(Some("c"), Some("b"), Some("a")),
                    slots(Some("c"), Some("b"), Some("a")),
                    slots(Some("c"), Some("b"), Some("a")),
                    slots(None, Some("b"), Some("a")),
                    slots(None, Some("b"), None),
                    slots(None, None, None),
                ],
            },
        ]
    }

    fn actions_of(s: &Scenario) -> Vec<Action> {
        if s.destroy {
            return destroy_actions(&s.series, true);
        }
        let steps: Vec<Step> = decide(s.now, &(s.facts)(&s.series), &s.policy)
            .steps
            .into_iter()
            .map(|e| e.step)
            .collect();
        apply_actions(&s.series, &steps, true, s.update_in_place)
    }

    #[test]
    fn failure_after_every_step_records_what_exists() {
        for s in scenarios() {
            let actions = actions_of(&s);
            let kinds: Vec<String> = actions.iter().map(kind).collect();
            assert_eq!(kinds, s.actions, "{}: actions", s.name);
            assert_eq!(
                s.after.len(),
                actions.len() + 1,
                "{}: one row per k",
                s.name
            );
            for (k, want) in s.after.iter().enumerate() {
                let fail_at = (k < actions.len()).then_some(k);
                let (run, world) = run(&s.series, actions.clone(), fail_at, s.now);
                let case = format!("{}: failing action {k} ({:?})", s.name, kinds.get(k));
                assert_eq!(ids(&run.series), *want, "{case}");
                // No orphan, no ghost: the slots hold exactly what exists.
                let recorded: BTreeSet<String> =
                    run.series.live().iter().map(|c| c.id.clone()).collect();
                assert_eq!(recorded, world.live, "{case}");
                // A previous certificate always has its retirement time.
                assert_eq!(
                    run.series.previous.is_some(),
                    run.series.previous_retire_after.is_some(),
                    "{case}"
                );
                assert_eq!(run.is_complete(), fail_at.is_none(), "{case}");
            }
        }
    }

    #[test]
    fn the_next_apply_after_any_failure_converges() {
        for s in scenarios().into_iter().filter(|s| !s.destroy) {
            let actions = actions_of(&s);
            for k in 0..actions.len() {
                let (failed, _) = run(&s.series, actions.clone(), Some(k), s.now);
                let case = format!("{}: failing action {k}", s.name);
                // The next plan decides from what was recorded, still due.
                let triggers = (s.facts)(&s.series).triggers_changed && !failed.triggers_consumed();
                let facts = failed.series.facts(triggers, Vec::new());
                let steps: Vec<Step> = decide(s.now, &facts, &s.policy)
                    .steps
                    .into_iter()
                    .map(|e| e.step)
                    .collect();
                let retry = apply_actions(&failed.series, &steps, true, false);
                let (done, world) = run(&failed.series, retry, None, s.now);
                let recorded: BTreeSet<String> =
                    done.series.live().iter().map(|c| c.id.clone()).collect();
                assert_eq!(recorded, world.live, "{case}");
                // Nothing further is due at the same instant: converged.
                let again = decide(s.now, &done.series.facts(false, Vec::new()), &s.policy);
                assert!(again.is_empty(), "{case}: still due {:?}", again.steps);
            }
        }
    }

    #[test]
    fn triggers_are_used_up_only_by_the_rotation_they_forced() {
        let all = scenarios();
        let named = |n: &str| {
            all.iter()
                .find(|s| s.name == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        let s = named("rotate because the triggers changed");
        let actions = actions_of(s);
        let (failed, _) = run(&s.series, actions.clone(), Some(0), s.now);
        assert!(!failed.triggers_consumed());
        let (done, _) = run(&s.series, actions, None, s.now);
        assert!(done.triggers_consumed());
        // A failure in an apply without a triggered rotation changes nothing.
        let s = named("rotate with an in-place update");
        let (failed, _) = run(&s.series, actions_of(s), Some(0), s.now);
        assert!(failed.triggers_consumed());
    }

    #[test]
    fn triggers_change_unless_adopted() {
        let t = |pairs: &[(&str, &str)]| -> Triggers {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let one = t(&[("k", "1")]);
        let two = t(&[("k", "2")]);
        let empty = t(&[]);
        let cases: &[(Option<&Triggers>, Option<&Triggers>, bool, bool)] = &[
            (None, None, false, false),
            (None, Some(&empty), false, false),
            (Some(&empty), None, false, false),
            (Some(&one), Some(&one), false, false),
            (Some(&one), Some(&two), false, true),
            (None, Some(&one), false, false),
            (Some(&empty), Some(&one), false, false),
            (Some(&one), None, false, false),
            (Some(&one), Some(&two), true, false),
            (None, Some(&one), true, false),
        ];
        for (recorded, configured, adopting, want) in cases {
            assert_eq!(
                triggers_changed(*recorded, *configured, *adopting),
                *want,
                "{recorded:?} -> {configured:?} adopting={adopting}"
            );
        }
    }

    #[test]
    fn overlap_change_moves_the_retirement_by_the_difference() {
        let mut s = Series {
            current: Some(cert("b", T0)),
            previous: Some(cert("a", T0 - YEAR)),
            previous_retire_after: Some(T0 + 7 * DAY),
            ..Series::default()
        };
        s.change_overlap(7 * DAY as u64, 2 * DAY as u64);
        assert_eq!(s.previous_retire_after, Some(T0 + 2 * DAY));
        s.change_overlap(2 * DAY as u64, 30 * DAY as u64);
        assert_eq!(s.previous_retire_after, Some(T0 + 30 * DAY));
        let mut stable: Series<Cert> = Series {
            current: Some(cert("b", T0)),
            ..Series::default()
        };
        stable.change_overlap(0, DAY as u64);
        assert_eq!(stable.previous_retire_after, None);
    }

    #[test]
    fn a_new_current_certificate_dates_its_promotion_and_the_old_ones_retirement() {
        let mut s = Series {
            pending: Some(cert("c", T0)),
            current: Some(cert("b", T0 - YEAR)),
            ..Series::default()
        };
        let promote = Action::Step(Step::Promote { id: "c".into() });
        s.record(&promote, Outcome::Done, T0 + 5, 3_600);
        assert_eq!(ids(&s), [None, Some("c"), Some("b")]);
        assert_eq!(s.previous_retire_after, Some(T0 + 5 + 3_600));
        assert_eq!(s.phase(), "overlap");
        // A promote of a certificate that is not pending records nothing.
        let before = s.clone();
        s.record(&promote, Outcome::Done, T0 + 9, 3_600);
        assert_eq!(s, before);
    }
}

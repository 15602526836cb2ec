//! `apigw_rotating_client_certificate`: a series of API Gateway client
//! certificates rotated through pending → current → previous, one visible
//! step per apply.
//!
//! This file is a thin shell: it decodes Terraform values, asks
//! [`rotation::decide`] what is due, and drives [`apigw::Client`]. Order:
//! schema, validation, plan, import, read/apply/destroy, model, helpers.
//!
//! # Saved plans and the decision time
//! Terraform plans twice for every apply: the plan the user reviews (or saves
//! with `plan -out`) and a "final plan" computed while applying, with the same
//! prior state and configuration but a later clock. It rejects the apply if a
//! value known in the first plan differs in the second. If decisions used the
//! clock at plan time, a boundary passing in between (a promote_after or
//! overlap ending, the rotation window opening) would add a step and break
//! the apply. So every decision is made *as of the resource's last refresh*:
//! ReadResource records the refresh time in the private state, and both plans
//! decide with that recorded time. The two plans are then identical, apply
//! executes exactly the steps recorded in the planned private state, and a step
//! that became due after the refresh appears in the next plan. The clock is
//! read only as a fallback when no refresh time is recorded.

use std::collections::BTreeMap;
use std::sync::Arc;

use rotation::{Cert, Decision, Facts, Planned, Policy, Slot, Step};
use serde::{Deserialize, Serialize};

use crate::apigw::{self, Certificate};
use crate::provider::Shared;
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, Block, Diagnostic, Diagnostics, ImportedObject,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, Schema, StopToken, Type, Value,
    diag::{has_errors, null_map_elements},
};

/// How long API Gateway's client certificates are valid: 365 days.
const API_GATEWAY_VALIDITY_SECS: u64 = 365 * 86_400;

/// Map attributes whose elements must be strings.
const MAP_ATTRIBUTES: &[&str] = &["tags", "rotation_triggers"];

pub const TYPE_NAME: &str = "apigw_rotating_client_certificate";
/// Version 1 added `promoted_date` and `trusted_certificate_ids`; version 2
/// keeps each PEM once, in `trusted_pem_bundle`, and drops every attribute
/// that only repeated another (see [`upgrade`]).
pub const SCHEMA_VERSION: i64 = 2;

pub const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";
pub const DEFAULT_ROTATE_BEFORE: &str = "60d";
pub const DEFAULT_PROMOTE_AFTER: &str = "0s";
pub const DEFAULT_OVERLAP: &str = "7d";

pub struct RotatingClientCertificate {
    shared: Shared,
}

impl RotatingClientCertificate {
    pub fn new(shared: Shared) -> Arc<Self> {
        Arc::new(RotatingClientCertificate { shared })
    }
}

// ---------------------------------------------------------------- schema

const SLOT_DOC: [(&str, &str); 3] = [
    (
        "pending",
        "the *pending* certificate: generated and meant to be trusted by backends, not yet used by stages. Null when no rotation is in progress or when `promote_after` is \"0s\"",
    ),
    (
        "current",
        "the *current* certificate: the one stages should present (connect it with `apigw_stage_client_certificate`). Null only while a certificate deleted outside Terraform awaits replacement",
    ),
    (
        "previous",
        "the *previous* certificate: no longer current, still alive and trusted until `previous_retire_after`. Null outside the overlap",
    ),
];

fn schema() -> Schema {
    let s = Type::String;
    let map = || Type::Map(Box::new(Type::String));
    let mut attributes = vec![
        Attribute::computed(
            "id",
            s.clone(),
            "Stable identifier of the rotation series: the ID of its first certificate, or of the certificate adopted by import. It does not name a live certificate once the series has rotated; use `current_certificate_id` for that.",
        ),
        Attribute::optional_computed(
            "description",
            s.clone(),
            "Description set on every certificate the series generates. Changing it updates the live certificates in place. Defaults to \"Managed by Terraform\".",
        ),
        Attribute::optional_computed(
            "rotate_before",
            s.clone(),
            "Rotation window: a rotation starts at the first plan on or after the current certificate's expiration minus this duration. A duration such as \"60d\", \"36h\" or \"1d12h\" (units s, m, h, d). Must be more than zero, longer than `promote_after` plus `overlap`, and shorter than the certificates' validity (365 days on API Gateway). Defaults to \"60d\".",
        ),
        Attribute::optional_computed(
            "promote_after",
            s.clone(),
            "How long a newly generated certificate stays *pending* (trusted by backends through `trusted_pem_bundle`, not yet current) before a plan promotes it to current. Use it when backends outside this configuration, such as a partner's trust store, need time to install the new certificate. With \"0s\" a new certificate becomes current in the apply that generates it. Defaults to \"0s\".",
        ),
        Attribute::optional_computed(
            "overlap",
            s.clone(),
            "How long the previous certificate stays alive and trusted after it stopped being current, before a plan retires (deletes) it. Changing it moves `previous_retire_after` by the difference. Defaults to \"7d\".",
        ),
        Attribute::optional_computed(
            "tags",
            map(),
            "Tags set on every certificate the series generates. Changes are applied in place to the live certificates. Defaults to no tags.",
        ),
        Attribute::optional(
            "rotation_triggers",
            map(),
            "Arbitrary values; any change forces a rotation at the next apply, for instance after a suspected compromise, or paired with a resource that changes on a schedule. If a pending certificate already exists, the rotation in progress satisfies the change. If the new certificate cannot be generated, the old values stay in state, so the next plan still rotates. The first values set after an import are recorded without rotating. Values must be strings: a null element is an error.",
        ),
        Attribute::optional_computed(
            "retire_guard",
            Type::Bool,
            "Before deleting a certificate (retirement or destroy), scan every stage of every REST API in the region and refuse, naming the API and stage, if one still uses it. Defaults to true.",
        ),
    ];
    for (slot, what) in SLOT_DOC {
        attributes.push(Attribute::computed(
            &format!("{slot}_certificate_id"),
            s.clone(),
            &format!("ID of {what}. Its PEM is in `trusted_pem_bundle`."),
        ));
    }
    attributes.extend([
        Attribute::computed(
            "current_expiration_date",
            s.clone(),
            "Expiration time (RFC 3339, UTC) of the current certificate, read from the certificate itself (notAfter). The rotation window opens `rotate_before` earlier. The other certificates' dates are in their PEMs (`provider::apigw::pem_expiration`).",
        ),
        Attribute::computed(
            "previous_retire_after",
            s.clone(),
            "Time (RFC 3339, UTC) from which a plan retires the previous certificate: when it stopped being current plus `overlap`. Null when there is no previous certificate.",
        ),
        Attribute::computed(
            "trusted_pem_bundle",
            s.clone(),
            "PEMs of every live certificate of the series, in the order previous, current, pending (those that exist): exactly what backends must trust. Install it before stages switch certificates. It is the only attribute holding PEMs, so the state stores each certificate once.",
        ),
        Attribute::computed(
            "phase",
            s.clone(),
            "\"pending\" while a pending certificate exists, else \"overlap\" while a previous certificate exists, else \"stable\".",
        ),
        Attribute::computed(
            "rotation_due",
            Type::Bool,
            "Whether the current certificate was inside its rotation window (or missing) at the last refresh. Made for postconditions and `check` blocks; it only changes when a refresh finds a certificate newly due, never merely because time passed between refreshes.",
        ),
    ]);
    Schema {
        version: SCHEMA_VERSION,
        block: Block {
            description: DESCRIPTION.to_string(),
            attributes,
            blocks: Vec::new(),
            deprecated: false,
        },
    }
}

const DESCRIPTION: &str = "Rotates an API Gateway client certificate safely, one visible step per apply. \
The resource keeps up to three certificates: *pending* (generated, to be trusted by backends), *current* (used by stages) and *previous* (no longer used, still trusted during `overlap`). \
At every plan it decides from the current certificate's own expiration date what is due, in this order: \
retire the previous certificate once `previous_retire_after` has passed; \
promote the pending certificate once `promote_after` has elapsed (at once if the current certificate is expired or missing); \
otherwise, with no rotation in progress, generate a new certificate when the current one enters its window (`rotate_before`), has expired, was deleted outside Terraform, or `rotation_triggers` changed. \
A new certificate becomes pending, or current at once when `promote_after` is \"0s\" or there is no usable current certificate; the old current one becomes previous.\n\n\
Every step appears in the plan as attribute changes and as a warning naming the certificate, its expiry date, the days left, the window, what happens and when the next step is due; an expired current certificate is reported as an outage in progress. A plan with nothing due is empty and silent.\n\n\
**Decision time and saved plans.** Decisions are made as of the resource's last refresh (normally the refresh at the start of the same plan), never as of the moment Terraform re-plans while applying. A saved plan (`terraform plan -out`) therefore applies exactly the steps it showed, even if another boundary passes before it is applied; that step appears in the next plan. With `-refresh=false`, the plan decides as of the previous refresh or apply.\n\n\
**Apply order and failures.** A retirement that frees the previous slot for this apply's new occupant runs first (that certificate has not been current since the last switch); then the new certificate is generated, the pending one promoted, and the remaining retirement runs last. The current certificate is never deleted before its successor is current. With `retire_guard`, every certificate to delete is checked against all stages before anything changes. If a step fails, the state records exactly what exists: a generated certificate is never lost.\n\n\
**Destroy** deletes every live certificate of the series, after `retire_guard` passes for each.\n\n\
**Import** with `<certificate-id>` adopts a certificate as current, or `<current-id>,<previous-id>` adopts both (the previous one is retired `overlap` after the import).";

// ------------------------------------------------------------ validation

/// The configuration arguments, decoded; `None` for values unknown at plan.
#[derive(Clone, Debug)]
struct Args {
    description: Option<String>,
    rotate_before: Option<String>,
    promote_after: Option<String>,
    overlap: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    /// `Some(None)`: null in configuration.
    rotation_triggers: Option<Option<BTreeMap<String, String>>>,
    retire_guard: Option<bool>,
}

impl Args {
    fn from_config(config: &Value) -> Args {
        fn text(v: &Value, default: &str) -> Option<String> {
            match v {
                Value::Null => Some(default.to_string()),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
        }
        let tags = match config.get("tags") {
            Value::Null => Some(BTreeMap::new()),
            v if v.is_wholly_known() => v.as_string_map(),
            _ => None,
        };
        let rotation_triggers = match config.get("rotation_triggers") {
            Value::Null => Some(None),
            v if v.is_wholly_known() => v.as_string_map().map(Some),
            _ => None,
        };
        Args {
            description: text(config.get("description"), DEFAULT_DESCRIPTION),
            rotate_before: text(config.get("rotate_before"), DEFAULT_ROTATE_BEFORE),
            promote_after: text(config.get("promote_after"), DEFAULT_PROMOTE_AFTER),
            overlap: text(config.get("overlap"), DEFAULT_OVERLAP),
            tags,
            rotation_triggers,
            retire_guard: match config.get("retire_guard") {
                Value::Null => Some(true),
                v => v.as_bool(),
            },
        }
    }

    /// The policy, when every duration is known and valid; otherwise the
    /// diagnostics for the invalid ones (none for unknown ones).
    fn policy(&self, validity: Option<u64>) -> (Option<Policy>, Diagnostics) {
        let mut diags = Vec::new();
        let mut parse = |name: &str, v: &Option<String>| -> Option<u64> {
            let s = v.as_ref()?;
            match rotation::parse_duration(s) {
                Ok(n) => Some(n),
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid Duration",
                            format!(
                                "{name} = {s:?} cannot be used: {e}. Write a duration such as \"90d\", \"36h\" or \"1d12h\"."
                            ),
                        )
                        .at(name),
                    );
                    None
                }
            }
        };
        let rb = parse("rotate_before", &self.rotate_before);
        let pa = parse("promote_after", &self.promote_after);
        let ov = parse("overlap", &self.overlap);
        let (Some(rotate_before), Some(promote_after), Some(overlap)) = (rb, pa, ov) else {
            return (None, diags);
        };
        let policy = Policy {
            rotate_before,
            promote_after,
            overlap,
        };
        for e in policy.validate(validity) {
            diags.push(Diagnostic::error(e.summary, e.message).at(e.attribute));
        }
        if has_errors(&diags) {
            (None, diags)
        } else {
            (Some(policy), diags)
        }
    }
}

// ------------------------------------------------------------------ plan

/// What the plan hands to apply (the planned private state).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PlannedSteps {
    /// The decision time (the last refresh).
    at: i64,
    steps: Vec<Step>,
    /// The configuration held unknown durations at plan time: apply decides
    /// once they are known.
    #[serde(default)]
    deferred: bool,
}

/// Private state of the resource instance.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Private {
    /// When the last refresh (or apply) looked at the certificates: the
    /// decision time of the next plan. Stored in every instance's state, so
    /// under a one-letter key; earlier releases wrote `observed_at`.
    #[serde(
        default,
        rename = "t",
        alias = "observed_at",
        skip_serializing_if = "Option::is_none"
    )]
    observed_at: Option<i64>,
    /// Certificates found deleted outside Terraform at the last refresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    vanished: Vec<(Slot, String)>,
    /// Set by import: the first `rotation_triggers` are recorded, not acted on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    adopt_triggers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plan: Option<PlannedSteps>,
}

impl Private {
    fn decode(bytes: &[u8]) -> Private {
        if bytes.is_empty() {
            return Private::default();
        }
        serde_json::from_slice(bytes).unwrap_or_default()
    }
    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl RotatingClientCertificate {
    fn do_plan(&self, req: &PlanRequest) -> PlanResponse {
        let mut resp = PlanResponse {
            planned_state: req.proposed_new_state.clone(),
            requires_replace: Vec::new(),
            planned_private: Vec::new(),
            diagnostics: Vec::new(),
        };
        if req.proposed_new_state.is_null() {
            resp.planned_state = Value::Null;
            resp.planned_private = req.prior_private.clone();
            return resp;
        }
        let args = Args::from_config(&req.config);
        let prior = if req.prior_state.is_null() {
            None
        } else {
            match State::from_value(&req.prior_state) {
                Ok(s) => Some(s),
                Err(d) => {
                    resp.diagnostics.push(d);
                    return resp;
                }
            }
        };
        let private = Private::decode(&req.prior_private);
        // Before the first certificate exists, API Gateway's fixed validity.
        let validity = prior
            .as_ref()
            .and_then(State::validity)
            .or(Some(API_GATEWAY_VALIDITY_SECS));
        let (policy, diags) = args.policy(validity);
        resp.diagnostics
            .extend(null_map_elements(&req.config, MAP_ATTRIBUTES));
        resp.diagnostics.extend(diags);
        if has_errors(&resp.diagnostics) {
            return resp;
        }
        let at = private.observed_at.unwrap_or_else(|| self.shared.now());
        let base = project(prior.as_ref(), &args);
        let Some(policy) = policy else {
            // Unknown durations: nothing can be decided before apply.
            resp.planned_state = deferred_plan(&base, &args);
            // Apply decides with the facts this plan would have used.
            resp.planned_private = Private {
                plan: Some(PlannedSteps {
                    at,
                    steps: Vec::new(),
                    deferred: true,
                }),
                vanished: private.vanished.clone(),
                adopt_triggers: private.adopt_triggers,
                ..Private::default()
            }
            .encode();
            return resp;
        };
        let facts = facts(prior.as_ref(), &base, &args, &private);
        let decision = rotation::decide(at, &facts, &policy);
        let generates = decision
            .steps
            .iter()
            .any(|e| matches!(e.step, Step::Generate { .. }));
        for (slot, id) in &private.vanished {
            if *slot == Slot::Previous {
                resp.diagnostics.push(Diagnostic::warning(
                    "Previous client certificate deleted outside Terraform",
                    format!(
                        "Previous certificate {id} no longer exists; it was still inside its overlap. Backends that trust it no longer need to, and nothing else has to be done: the series continues with its current certificate."
                    ),
                ));
            }
            // When a new rotation is due, its warning says this already.
            if *slot == Slot::Pending && !generates {
                resp.diagnostics.push(Diagnostic::warning(
                    "Pending client certificate deleted outside Terraform",
                    format!(
                        "Pending certificate {id} no longer exists, so the rotation it started is abandoned and the current certificate stays in place. Remove {id} from backend trust stores if it was installed. A new rotation starts when the current certificate enters its rotation window; to start one now, change rotation_triggers."
                    ),
                ));
            }
        }
        if private.adopt_triggers
            && let (Some(p), Some(Some(new))) = (prior.as_ref(), &args.rotation_triggers)
            && p.rotation_triggers.as_ref().is_none_or(BTreeMap::is_empty)
            && !new.is_empty()
        {
            resp.diagnostics.push(Diagnostic::warning(
                "rotation_triggers recorded without rotating",
                "This certificate series was imported and has not been applied since, so these rotation_triggers are taken as its starting values and do not force a rotation. To rotate now (for example after a suspected compromise), apply once, then change rotation_triggers again.",
            ));
        }
        for e in &decision.steps {
            resp.diagnostics
                .push(Diagnostic::warning(e.summary.clone(), e.detail.clone()));
        }
        resp.planned_state = planned_value(&base, &args, &policy, &decision, prior.is_none());
        resp.planned_private = Private {
            plan: Some(PlannedSteps {
                at,
                steps: decision.steps.iter().map(|e| e.step.clone()).collect(),
                deferred: false,
            }),
            ..Private::default()
        }
        .encode();
        resp
    }
}

/// The prior state with the configuration applied (no step taken yet).
fn project(prior: Option<&State>, args: &Args) -> State {
    let mut s = prior.cloned().unwrap_or_default();
    if let Some(d) = &args.description {
        s.description = Some(d.clone());
    }
    if let (Some(old), Some(new)) = (
        s.overlap
            .as_deref()
            .and_then(|o| rotation::parse_duration(o).ok()),
        args.overlap
            .as_deref()
            .and_then(|o| rotation::parse_duration(o).ok()),
    ) && let Some(after) = s.previous_retire_after
    {
        let shift = i64::try_from(new).unwrap_or(i64::MAX) - i64::try_from(old).unwrap_or(i64::MAX);
        s.previous_retire_after = Some(after.saturating_add(shift));
    }
    s.rotate_before = args.rotate_before.clone();
    s.promote_after = args.promote_after.clone();
    s.overlap = args.overlap.clone();
    if let Some(t) = &args.tags {
        s.tags = t.clone();
    }
    if let Some(t) = &args.rotation_triggers {
        s.rotation_triggers = t.clone();
    }
    if let Some(g) = args.retire_guard {
        s.retire_guard = g;
    }
    s
}

fn facts(prior: Option<&State>, base: &State, args: &Args, private: &Private) -> Facts {
    let triggers_changed = match (prior, &args.rotation_triggers) {
        (Some(p), Some(new)) if !private.adopt_triggers => {
            let empty = BTreeMap::new();
            p.rotation_triggers.as_ref().unwrap_or(&empty) != new.as_ref().unwrap_or(&empty)
        }
        _ => false,
    };
    Facts {
        pending: base.pending.as_ref().map(Live::cert),
        current: base.current.as_ref().map(Live::cert),
        previous: base.previous.as_ref().map(Live::cert),
        previous_retire_after: base.previous_retire_after,
        triggers_changed,
        vanished: private.vanished.clone(),
    }
}

/// The planned state: known where the steps determine the value, unknown
/// where only apply can tell (generated certificates, apply-time dates).
fn planned_value(
    base: &State,
    args: &Args,
    policy: &Policy,
    decision: &Decision,
    creating: bool,
) -> Value {
    let layout = &decision.layout;
    let find = |c: &Cert| base.live().into_iter().find(|l| l.id == c.id).cloned();
    let mut next = base.clone();
    let mut new_slots = Vec::new();
    for (slot, planned) in [
        (Slot::Pending, &layout.pending),
        (Slot::Current, &layout.current),
        (Slot::Previous, &layout.previous),
    ] {
        let value = match planned {
            Planned::Empty => None,
            Planned::Existing(c) => find(c),
            Planned::New => {
                new_slots.push(slot);
                None
            }
        };
        *next.slot_mut(slot) = value;
    }
    if layout.previous.is_empty() {
        next.previous_retire_after = None;
    }
    next.rotation_due = next
        .current
        .as_ref()
        .is_none_or(|c| rotation::is_due(decision.at, c.expires, policy.rotate_before));
    let mut v = next.to_value();
    for slot in &new_slots {
        v.set(&format!("{}_certificate_id", slot.name()), Value::Unknown);
    }
    v.set("phase", Value::string(layout.phase()));
    if !new_slots.is_empty() {
        v.set("trusted_pem_bundle", Value::Unknown);
    }
    if layout.previous_refilled {
        v.set("previous_retire_after", Value::Unknown);
    }
    if layout.current == Planned::New {
        v.set("current_expiration_date", Value::Unknown);
        v.set("rotation_due", Value::Unknown);
    }
    if creating {
        v.set("id", Value::Unknown);
    }
    mark_unknown_args(&mut v, args);
    v
}

fn mark_unknown_args(v: &mut Value, args: &Args) {
    if args.description.is_none() {
        v.set("description", Value::Unknown);
    }
    if args.tags.is_none() {
        v.set("tags", Value::Unknown);
    }
    if args.rotation_triggers.is_none() {
        v.set("rotation_triggers", Value::Unknown);
    }
    if args.retire_guard.is_none() {
        v.set("retire_guard", Value::Unknown);
    }
}

/// With unknown durations every computed value may change.
fn deferred_plan(base: &State, args: &Args) -> Value {
    let mut v = base.to_value();
    for name in COMPUTED.into_iter().chain(["rotation_due"]) {
        if name != "id" || base.id.is_empty() {
            v.set(name, Value::Unknown);
        }
    }
    for name in ["rotate_before", "promote_after", "overlap"] {
        if v.get(name).is_null() {
            v.set(name, Value::Unknown);
        }
    }
    mark_unknown_args(&mut v, args);
    v
}

/// Every computed-only attribute.
const COMPUTED: [&str; 8] = [
    "id",
    "pending_certificate_id",
    "current_certificate_id",
    "previous_certificate_id",
    "current_expiration_date",
    "previous_retire_after",
    "trusted_pem_bundle",
    "phase",
];

// ---------------------------------------------------------------- import

impl RotatingClientCertificate {
    async fn do_import(&self, id: &str) -> Result<Vec<ImportedObject>, Diagnostics> {
        let ids: Vec<&str> = id.split(',').map(str::trim).collect();
        let bad_id = || {
            vec![Diagnostic::error(
                "Invalid Import ID",
                format!(
                    "Import ID {id:?} is not valid: expected \"<certificate-id>\" to adopt one certificate as current, or \"<current-id>,<previous-id>\" to adopt two."
                ),
            )]
        };
        if ids.is_empty() || ids.len() > 2 || ids.iter().any(|s| s.is_empty()) {
            return Err(bad_id());
        }
        if ids.len() == 2 && ids[0] == ids[1] {
            return Err(bad_id());
        }
        let client = self.shared.client().map_err(|d| vec![d])?;
        let mut found = Vec::new();
        for cid in &ids {
            match client.find_certificate(cid).await {
                Ok(Some(c)) => found.push(c),
                Ok(None) => {
                    return Err(vec![Diagnostic::error(
                        "Cannot Import Missing Certificate",
                        format!(
                            "Client certificate {cid:?} does not exist in this region, so it cannot be imported. Check the ID with the apigw_client_certificates data source."
                        ),
                    )]);
                }
                Err(e) => return Err(vec![e.to_diagnostic("Cannot read client certificate")]),
            }
        }
        let now = self.shared.now();
        let current = found.first().cloned();
        let previous = found.get(1).cloned();
        let mut state = State {
            id: ids[0].to_string(),
            description: current.as_ref().and_then(|c| c.description.clone()),
            rotate_before: Some(DEFAULT_ROTATE_BEFORE.to_string()),
            promote_after: Some(DEFAULT_PROMOTE_AFTER.to_string()),
            overlap: Some(DEFAULT_OVERLAP.to_string()),
            tags: current.as_ref().map(|c| c.tags.clone()).unwrap_or_default(),
            rotation_triggers: None,
            retire_guard: true,
            pending: None,
            current: current.as_ref().map(Live::from_api),
            previous: previous.as_ref().map(Live::from_api),
            previous_retire_after: None,
            rotation_due: false,
        };
        if state.previous.is_some() {
            let overlap = rotation::parse_duration(DEFAULT_OVERLAP).unwrap_or(0);
            state.previous_retire_after =
                Some(now.saturating_add(i64::try_from(overlap).unwrap_or(i64::MAX)));
        }
        state.rotation_due = state.computed_rotation_due(now);
        Ok(vec![ImportedObject {
            state: state.to_value(),
            private: Private {
                observed_at: Some(now),
                adopt_triggers: true,
                ..Private::default()
            }
            .encode(),
        }])
    }
}

// ------------------------------------------------------------------ read

impl RotatingClientCertificate {
    async fn do_read(&self, req: ReadRequest) -> ReadResponse {
        let mut resp = ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            diagnostics: Vec::new(),
        };
        let mut state = match State::from_value(&req.current_state) {
            Ok(s) => s,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let client = match self.shared.client() {
            Ok(c) => c,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let mut private = Private::decode(&req.private);
        private.vanished.clear();
        private.plan = None;
        let mut newest: Option<Certificate> = None;
        for slot in [Slot::Pending, Slot::Current, Slot::Previous] {
            let Some(live) = state.slot_mut(slot).clone() else {
                continue;
            };
            match client.find_certificate(&live.id).await {
                Ok(Some(c)) => {
                    *state.slot_mut(slot) = Some(Live::from_api(&c));
                    if slot == Slot::Current {
                        newest = Some(c);
                    }
                }
                Ok(None) => {
                    *state.slot_mut(slot) = None;
                    if slot == Slot::Previous {
                        state.previous_retire_after = None;
                    }
                    private.vanished.push((slot, live.id.clone()));
                }
                Err(e) => {
                    resp.diagnostics.push(e.to_diagnostic(&format!(
                        "Cannot read {} client certificate {}",
                        slot.name(),
                        live.id
                    )));
                    return resp;
                }
            }
        }
        if let Some(c) = newest {
            state.description = c.description;
            state.tags = c.tags;
        }
        let now = self.shared.now();
        state.rotation_due = state.computed_rotation_due(now);
        private.observed_at = Some(now);
        resp.new_state = state.to_value();
        resp.private = private.encode();
        resp
    }
}

// ----------------------------------------------------------------- apply

/// Collects the outcome of an apply: the state of what really exists, plus
/// the first error.
struct Outcome {
    state: State,
    diagnostics: Diagnostics,
    /// Whether this apply's new certificate was generated.
    generated: bool,
}

impl RotatingClientCertificate {
    async fn do_apply(&self, req: ApplyRequest) -> ApplyResponse {
        let prior = if req.prior_state.is_null() {
            None
        } else {
            match State::from_value(&req.prior_state) {
                Ok(s) => Some(s),
                Err(d) => return failed(req.prior_state.clone(), vec![d]),
            }
        };
        let client = match self.shared.client() {
            Ok(c) => c,
            Err(d) => return failed(req.prior_state.clone(), vec![d]),
        };
        if req.planned_state.is_null() {
            return match prior {
                Some(p) => self.destroy(&client, p, &req.stop).await,
                None => failed(Value::Null, Vec::new()),
            };
        }
        let args = Args::from_config(&req.config);
        let planned_private = Private::decode(&req.planned_private);
        let mut planned = planned_private.plan.clone().unwrap_or_default();
        let base = project(prior.as_ref(), &args);
        let (policy, diags) = args.policy(None);
        let Some(policy) = policy else {
            let state = req.prior_state.clone();
            return failed(state, diags);
        };
        if planned.deferred {
            // The plan could not decide (unknown durations); decide now,
            // with the same rules, as of the plan's refresh.
            let facts = facts(prior.as_ref(), &base, &args, &planned_private);
            planned.steps = rotation::decide(planned.at, &facts, &policy)
                .steps
                .into_iter()
                .map(|e| e.step)
                .collect();
        } else if prior.is_none() && planned.steps.is_empty() {
            planned.steps = vec![Step::Generate {
                into: Slot::Current,
                reason: rotation::RotateReason::Create,
            }];
        }
        let mut out = self
            .execute(&client, prior.as_ref(), base, &policy, &planned, &req.stop)
            .await;
        let triggered = planned.steps.iter().any(|s| {
            matches!(
                s,
                Step::Generate {
                    reason: rotation::RotateReason::Triggered,
                    ..
                }
            )
        });
        if triggered && !out.generated {
            // The rotation the new triggers asked for did not happen: keep
            // the old ones, so the next plan still sees the change.
            out.state.rotation_triggers = prior.as_ref().and_then(|p| p.rotation_triggers.clone());
        }
        let mut resp = ApplyResponse {
            new_state: if prior.is_none() && out.state.current.is_none() {
                Value::Null
            } else {
                out.state.to_value()
            },
            private: Private {
                observed_at: Some(planned.at),
                ..Private::default()
            }
            .encode(),
            diagnostics: out.diagnostics,
        };
        if resp.new_state.is_null() {
            resp.private = Vec::new();
        }
        resp
    }

    /// Runs the planned steps. See the module docs for the order.
    async fn execute(
        &self,
        client: &apigw::Client,
        prior: Option<&State>,
        base: State,
        policy: &Policy,
        planned: &PlannedSteps,
        stop: &StopToken,
    ) -> Outcome {
        // The state of what exists, updated after every successful call.
        // Arguments take effect at once; a failed in-place update restores them.
        let mut out = Outcome {
            state: base.clone(),
            diagnostics: Vec::new(),
            generated: false,
        };
        let now = self.shared.now();
        let generate = planned.steps.iter().find_map(|s| match s {
            Step::Generate { into, .. } => Some(*into),
            _ => None,
        });
        let promote = planned
            .steps
            .iter()
            .any(|s| matches!(s, Step::Promote { .. }));
        // A retirement runs first when this apply refills the slot it frees:
        // a pending certificate is replaced, or the current one moves into
        // the previous slot. Deleting after the move could fail and leave a
        // live certificate that no slot records.
        let refills_previous = promote || generate == Some(Slot::Current);
        let retires: Vec<(Slot, String, bool)> = planned
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Retire { slot, id, .. } => Some((
                    *slot,
                    id.clone(),
                    *slot == Slot::Pending || (*slot == Slot::Previous && refills_previous),
                )),
                _ => None,
            })
            .collect();

        // 1. retire_guard for every certificate this apply deletes, before
        //    anything changes.
        if base.retire_guard {
            for (_, id, _) in &retires {
                if let Err(d) = guard(client, id).await {
                    out.diagnostics.push(d);
                    return out;
                }
            }
        }

        // 2. In-place description and tag updates on the live certificates.
        if let Some(p) = prior {
            for live in p.live() {
                if stop.is_stopped() {
                    out.diagnostics.push(stopped());
                    return out;
                }
                if p.description != base.description
                    && let Some(d) = &base.description
                    && let Err(e) = client.update_description(&live.id, d).await
                {
                    out.diagnostics.push(e.to_diagnostic(&format!(
                        "Cannot update the description of client certificate {}",
                        live.id
                    )));
                    out.state.description = p.description.clone();
                    out.state.tags = p.tags.clone();
                    return out;
                }
                if p.tags != base.tags
                    && let Err(e) = client.update_tags(&live.id, &p.tags, &base.tags).await
                {
                    out.diagnostics.push(e.to_diagnostic(&format!(
                        "Cannot update the tags of client certificate {}",
                        live.id
                    )));
                    out.state.tags = p.tags.clone();
                    return out;
                }
            }
        }

        // 3. Retirements that free a slot this apply fills: their successor
        //    is already current.
        for (slot, id, first) in &retires {
            if *first && let Err(d) = retire(client, &mut out.state, *slot, id).await {
                out.diagnostics.push(d);
                return out;
            }
        }

        // 4. Generate.
        if let Some(into) = generate {
            if stop.is_stopped() {
                out.diagnostics.push(stopped());
                return out;
            }
            let description = base.description.clone().unwrap_or_default();
            let cert = match client.generate_certificate(&description, &base.tags).await {
                Ok(c) => c,
                Err(e) => {
                    out.diagnostics
                        .push(e.to_diagnostic("Cannot generate a client certificate"));
                    return out;
                }
            };
            let live = Live::from_api(&cert);
            out.generated = true;
            if out.state.id.is_empty() {
                out.state.id = live.id.clone();
            }
            if into == Slot::Current {
                if let Some(old) = out.state.current.take() {
                    out.state.previous = Some(old);
                    out.state.previous_retire_after = Some(plus(now, policy.overlap));
                }
                out.state.current = Some(live);
                out.state.pending = None;
            } else {
                out.state.pending = Some(live);
            }
        }

        // 5. Promote.
        if promote && let Some(p) = out.state.pending.take() {
            if let Some(old) = out.state.current.take() {
                out.state.previous = Some(old);
                out.state.previous_retire_after = Some(plus(now, policy.overlap));
            }
            out.state.current = Some(p);
        }

        // 6. The remaining retirements.
        for (slot, id, first) in &retires {
            if !*first {
                if stop.is_stopped() {
                    out.diagnostics.push(stopped());
                    break;
                }
                if let Err(d) = retire(client, &mut out.state, *slot, id).await {
                    out.diagnostics.push(d);
                    break;
                }
            }
        }
        out.state.rotation_due = out
            .state
            .current
            .as_ref()
            .is_none_or(|c| rotation::is_due(planned.at, c.expires, policy.rotate_before));
        out
    }

    async fn destroy(
        &self,
        client: &apigw::Client,
        prior: State,
        stop: &StopToken,
    ) -> ApplyResponse {
        let mut state = prior;
        let live: Vec<(Slot, String)> = [Slot::Pending, Slot::Previous, Slot::Current]
            .into_iter()
            .filter_map(|s| state.slot(s).map(|l| (s, l.id.clone())))
            .collect();
        if state.retire_guard {
            for (_, id) in &live {
                if let Err(d) = guard(client, id).await {
                    return failed(state.to_value(), vec![d]);
                }
            }
        }
        for (slot, id) in &live {
            if stop.is_stopped() {
                return failed(state.to_value(), vec![stopped()]);
            }
            if let Err(d) = retire(client, &mut state, *slot, id).await {
                return failed(state.to_value(), vec![d]);
            }
        }
        ApplyResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// Refuses when a stage still presents the certificate.
async fn guard(client: &apigw::Client, id: &str) -> Result<(), Diagnostic> {
    let stages = client.stages_using(id).await.map_err(|e| {
        e.to_diagnostic(&format!(
            "Cannot check which stages use client certificate {id}"
        ))
    })?;
    if stages.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = stages
        .iter()
        .map(|s| {
            format!(
                "stage {:?} of REST API {:?} ({})",
                s.stage_name, s.rest_api_name, s.rest_api_id
            )
        })
        .collect();
    Err(Diagnostic::error(
        "Client Certificate Still In Use",
        format!(
            "retire_guard refused to delete client certificate {id}: it is still used by {}. Nothing was deleted. Switch those stages to the current certificate (for example with apigw_stage_client_certificate) and apply again, or set retire_guard = false to delete it anyway.",
            names.join(", ")
        ),
    )
    .at("retire_guard"))
}

/// Deletes the certificate in `slot` and empties the slot.
async fn retire(
    client: &apigw::Client,
    state: &mut State,
    slot: Slot,
    id: &str,
) -> Result<(), Diagnostic> {
    client.delete_certificate(id).await.map_err(|e| {
        e.to_diagnostic(&format!(
            "Cannot delete the {} client certificate {id}",
            slot.name()
        ))
    })?;
    if state.slot(slot).is_some_and(|l| l.id == id) {
        *state.slot_mut(slot) = None;
        if slot == Slot::Previous {
            state.previous_retire_after = None;
        }
    }
    Ok(())
}

fn stopped() -> Diagnostic {
    Diagnostic::error(
        "Apply Interrupted",
        "Terraform asked the provider to stop; the remaining rotation steps were not run. The state records what exists; the next plan shows what is still due.",
    )
}

fn failed(state: Value, diagnostics: Diagnostics) -> ApplyResponse {
    ApplyResponse {
        new_state: state,
        private: Vec::new(),
        diagnostics,
    }
}

fn plus(t: i64, d: u64) -> i64 {
    t.saturating_add(i64::try_from(d).unwrap_or(i64::MAX))
}

// --------------------------------------------------------------- trait

#[async_trait::async_trait]
impl Resource for RotatingClientCertificate {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = null_map_elements(config, MAP_ATTRIBUTES);
        diags.extend(Args::from_config(config).policy(None).1);
        diags
    }

    fn upgrade_json(
        &self,
        from_version: i64,
        json: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostic> {
        upgrade(from_version, json)
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        self.do_read(req).await
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        self.do_plan(&req)
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        self.do_apply(req).await
    }

    async fn import(&self, id: &str, _stop: StopToken) -> Result<Vec<ImportedObject>, Diagnostics> {
        self.do_import(id).await
    }
}

/// Attributes of versions 0 and 1 that only repeated others: each slot's PEM
/// (also in `trusted_pem_bundle`), dates the certificates carry themselves,
/// `rotation_due_date` (expiration minus `rotate_before`), the trusted IDs
/// (the slots' IDs) and `promoted_date` (nothing reads it; during an overlap
/// it is `previous_retire_after` minus `overlap`).
const DROPPED_IN_V2: [&str; 11] = [
    "pending_pem",
    "current_pem",
    "previous_pem",
    "pending_created_date",
    "current_created_date",
    "previous_created_date",
    "pending_expiration_date",
    "previous_expiration_date",
    "promoted_date",
    "trusted_certificate_ids",
    "rotation_due_date",
];

/// Versions 0 and 1 become version 2: the bundle is rebuilt from the slots'
/// own PEMs in slot order (previous, current, pending), which is what lets
/// version 2 find each slot's PEM without storing it twice, and the current
/// expiration date is read from the certificate, as version 2 always does.
/// Version 0 differed from 1 only in attributes version 2 drops.
fn upgrade(
    from_version: i64,
    mut json: serde_json::Value,
) -> Result<serde_json::Value, Diagnostic> {
    match from_version {
        SCHEMA_VERSION => Ok(json),
        0 | 1 => {
            let cannot = |why: String| {
                Diagnostic::error(
                    "Cannot Upgrade Resource State",
                    format!(
                        "The stored {TYPE_NAME} state (schema version {from_version}) {why}. Remove the resource from state (terraform state rm) and import the live certificates again (terraform import with \"<current-id>\" or \"<current-id>,<previous-id>\")."
                    ),
                )
            };
            let obj = json
                .as_object_mut()
                .ok_or_else(|| cannot("is not a JSON object".to_string()))?;
            let text = |obj: &serde_json::Map<String, serde_json::Value>, name: &str| {
                obj.get(name)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            };
            let mut bundle = String::new();
            for slot in ["previous", "current", "pending"] {
                let Some(id) = text(obj, &format!("{slot}_certificate_id")) else {
                    continue;
                };
                let pem = text(obj, &format!("{slot}_pem"))
                    .filter(|p| p.contains("-----END CERTIFICATE-----"))
                    .ok_or_else(|| {
                        cannot(format!(
                            "names {slot} certificate {id:?} but {slot}_pem holds no PEM certificate"
                        ))
                    })?;
                bundle.push_str(pem.trim());
                bundle.push('\n');
                if slot == "current"
                    && let Ok((_, not_after)) = crate::functions::pem_validity(&pem)
                {
                    obj.insert(
                        "current_expiration_date".into(),
                        rotation::format_rfc3339(not_after).into(),
                    );
                }
            }
            for name in DROPPED_IN_V2 {
                obj.remove(name);
            }
            obj.insert(
                "trusted_pem_bundle".into(),
                if bundle.is_empty() {
                    serde_json::Value::Null
                } else {
                    bundle.into()
                },
            );
            Ok(json)
        }
        v => Err(Diagnostic::error(
            "Unsupported Resource State Version",
            format!(
                "The stored {TYPE_NAME} state has schema version {v}, but this provider understands versions 0 to {SCHEMA_VERSION}. It was written by a newer provider release: use that release or newer."
            ),
        )),
    }
}

// ----------------------------------------------------------------- model

/// One live certificate. The state records its ID in its slot and its PEM
/// in the bundle; its dates are the certificate's own (notBefore, notAfter).
#[derive(Clone, Debug, PartialEq)]
struct Live {
    id: String,
    pem: String,
    created: i64,
    expires: i64,
}

impl Live {
    /// Dates from the PEM, as [`State::from_value`] reads them back, so that a
    /// certificate's dates never change between the state and the plan; the
    /// API's dates only if its PEM cannot be read.
    fn from_api(c: &Certificate) -> Live {
        let (created, expires) =
            crate::functions::pem_validity(&c.pem).unwrap_or((c.created, c.expires));
        Live {
            id: c.id.clone(),
            pem: c.pem.clone(),
            created,
            expires,
        }
    }
    fn cert(&self) -> Cert {
        Cert::new(self.id.clone(), self.created, self.expires)
    }
}

/// The resource's state, fully known.
#[derive(Clone, Debug, Default, PartialEq)]
struct State {
    id: String,
    description: Option<String>,
    rotate_before: Option<String>,
    promote_after: Option<String>,
    overlap: Option<String>,
    tags: BTreeMap<String, String>,
    rotation_triggers: Option<BTreeMap<String, String>>,
    retire_guard: bool,
    pending: Option<Live>,
    current: Option<Live>,
    previous: Option<Live>,
    previous_retire_after: Option<i64>,
    rotation_due: bool,
}

impl State {
    fn slot(&self, slot: Slot) -> Option<&Live> {
        match slot {
            Slot::Pending => self.pending.as_ref(),
            Slot::Current => self.current.as_ref(),
            Slot::Previous => self.previous.as_ref(),
        }
    }

    fn slot_mut(&mut self, slot: Slot) -> &mut Option<Live> {
        match slot {
            Slot::Pending => &mut self.pending,
            Slot::Current => &mut self.current,
            Slot::Previous => &mut self.previous,
        }
    }

    /// Live certificates, oldest first.
    fn live(&self) -> Vec<&Live> {
        let mut v: Vec<&Live> = [&self.pending, &self.current, &self.previous]
            .into_iter()
            .flatten()
            .collect();
        v.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        v
    }

    /// The lifetime of the series' certificates, from their own dates.
    fn validity(&self) -> Option<u64> {
        [&self.current, &self.pending, &self.previous]
            .into_iter()
            .flatten()
            .next()
            .map(|l| l.cert().validity())
    }

    fn rotate_before_secs(&self) -> Option<u64> {
        self.rotate_before
            .as_deref()
            .and_then(|s| rotation::parse_duration(s).ok())
    }

    /// True when the current certificate is in its window or missing.
    fn computed_rotation_due(&self, now: i64) -> bool {
        match (&self.current, self.rotate_before_secs()) {
            (None, _) => true,
            (Some(c), Some(rb)) => rotation::is_due(now, c.expires, rb),
            (Some(c), None) => rotation::is_expired(now, c.expires),
        }
    }

    fn from_value(v: &Value) -> Result<State, Diagnostic> {
        let text = |name: &str| v.get(name).as_str().map(str::to_string);
        let corrupt = |name: &str, why: String| {
            Diagnostic::error(
                "Corrupt Resource State",
                format!("The stored value of {name} {why}. Remove the resource from state (terraform state rm) and import it again."),
            )
            .at(name)
        };
        let time = |name: &str| -> Result<Option<i64>, Diagnostic> {
            match v.get(name).as_str() {
                None => Ok(None),
                Some(s) => rotation::parse_rfc3339(s)
                    .map(Some)
                    .map_err(|e| corrupt(name, format!("is not a timestamp: {e}"))),
            }
        };
        // The bundle holds the slots' PEMs in slot order.
        let ids: Vec<(Slot, String)> = [Slot::Previous, Slot::Current, Slot::Pending]
            .into_iter()
            .filter_map(|slot| Some((slot, text(&format!("{}_certificate_id", slot.name()))?)))
            .collect();
        let pems = split_bundle(v.get("trusted_pem_bundle").as_str().unwrap_or_default());
        if pems.len() != ids.len() {
            return Err(corrupt(
                "trusted_pem_bundle",
                format!(
                    "holds {} certificate(s), but the state names {} ({})",
                    pems.len(),
                    ids.len(),
                    ids.iter()
                        .map(|(s, id)| format!("{} {id}", s.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let mut state = State {
            id: text("id").unwrap_or_default(),
            description: text("description"),
            rotate_before: text("rotate_before"),
            promote_after: text("promote_after"),
            overlap: text("overlap"),
            tags: v.get("tags").as_string_map().unwrap_or_default(),
            rotation_triggers: v.get("rotation_triggers").as_string_map(),
            retire_guard: v.get("retire_guard").as_bool().unwrap_or(true),
            previous_retire_after: time("previous_retire_after")?,
            rotation_due: v.get("rotation_due").as_bool().unwrap_or(false),
            ..State::default()
        };
        for ((slot, id), pem) in ids.into_iter().zip(pems) {
            let (created, expires) = crate::functions::pem_validity(&pem).map_err(|e| {
                corrupt(
                    "trusted_pem_bundle",
                    format!(
                        "has a PEM for the {} certificate {id} that cannot be read: {e}",
                        slot.name()
                    ),
                )
            })?;
            *state.slot_mut(slot) = Some(Live {
                id,
                pem,
                created,
                expires,
            });
        }
        Ok(state)
    }

    fn to_value(&self) -> Value {
        let ts = |t: Option<i64>| Value::opt_string(t.map(rotation::format_rfc3339));
        let mut pairs: Vec<(String, Value)> = vec![
            (
                "id".into(),
                if self.id.is_empty() {
                    Value::Null
                } else {
                    Value::string(&self.id)
                },
            ),
            (
                "description".into(),
                Value::opt_string(self.description.clone()),
            ),
            (
                "rotate_before".into(),
                Value::opt_string(self.rotate_before.clone()),
            ),
            (
                "promote_after".into(),
                Value::opt_string(self.promote_after.clone()),
            ),
            ("overlap".into(), Value::opt_string(self.overlap.clone())),
            ("tags".into(), Value::string_map(&self.tags)),
            (
                "rotation_triggers".into(),
                self.rotation_triggers
                    .as_ref()
                    .map_or(Value::Null, Value::string_map),
            ),
            ("retire_guard".into(), Value::Bool(self.retire_guard)),
        ];
        for (name, live) in [
            ("pending", &self.pending),
            ("current", &self.current),
            ("previous", &self.previous),
        ] {
            pairs.push((
                format!("{name}_certificate_id"),
                Value::opt_string(live.as_ref().map(|l| l.id.clone())),
            ));
        }
        let bundle: String = [&self.previous, &self.current, &self.pending]
            .into_iter()
            .flatten()
            .map(|l| format!("{}\n", l.pem.trim()))
            .collect();
        let phase = if self.pending.is_some() {
            "pending"
        } else if self.previous.is_some() {
            "overlap"
        } else {
            "stable"
        };
        pairs.extend([
            (
                "current_expiration_date".into(),
                ts(self.current.as_ref().map(|c| c.expires)),
            ),
            (
                "previous_retire_after".into(),
                ts(self.previous.as_ref().and(self.previous_retire_after)),
            ),
            (
                "trusted_pem_bundle".into(),
                if bundle.is_empty() {
                    Value::Null
                } else {
                    Value::String(bundle)
                },
            ),
            ("phase".into(), Value::string(phase)),
            ("rotation_due".into(), Value::Bool(self.rotation_due)),
        ]);
        Value::object(pairs)
    }
}

/// The certificates of a PEM bundle, each as one PEM ending in a newline.
fn split_bundle(bundle: &str) -> Vec<String> {
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = bundle;
    while let Some(i) = rest.find(END) {
        let (block, tail) = rest.split_at(i + END.len());
        out.push(format!("{}\n", block.trim()));
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests;

//! PlanResourceChange: what is due as of the last refresh, shown as
//! attribute changes and warnings, and handed to apply in the private state.

use super::*;

/// What the plan hands to apply (the planned private state).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct PlannedSteps {
    /// The decision time (the last refresh).
    pub(super) at: i64,
    pub(super) steps: Vec<Step>,
    /// The configuration held unknown durations at plan time: apply decides
    /// once they are known.
    #[serde(default)]
    pub(super) deferred: bool,
}

/// Private state of the resource instance.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Private {
    /// When the last refresh (or apply) looked at the certificates: the
    /// decision time of the next plan.
    /// Stored in every instance's state, so under a one-letter key; earlier
    /// releases wrote `observed_at`.
    #[serde(
        default,
        rename = "t",
        alias = "observed_at",
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) observed_at: Option<i64>,
    /// Certificates found deleted outside Terraform at the last refresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) vanished: Vec<(Slot, String)>,
    /// Set by import: the first `rotation_triggers` are recorded, not acted on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) adopt_triggers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) plan: Option<PlannedSteps>,
    /// The stages presenting the previous certificate, found by the last
    /// refresh when a step that deletes it or needs its slot could come due.
    /// Recorded here so that the plan and Terraform's final plan during apply
    /// decide on the same facts.
    #[serde(default, rename = "s", skip_serializing_if = "Option::is_none")]
    pub(super) previous_stages: Option<PresentedBy>,
    /// Certificates of this series that an interrupted apply generated and
    /// no state records, found by the last refresh ([`rotation::Facts::strays`]).
    #[serde(default, rename = "o", skip_serializing_if = "Vec::is_empty")]
    pub(super) strays: Vec<String>,
    /// Certificates of this series whose DeleteClientCertificate an apply
    /// sent without learning the outcome (the answer was lost, or every
    /// retry failed). If the next refresh finds one gone, the apply deleted
    /// it, and it is not reported as deleted outside Terraform. Carried
    /// through plan and apply until a refresh settles it.
    #[serde(default, rename = "d", skip_serializing_if = "Vec::is_empty")]
    pub(super) deleting: Vec<String>,
}

/// Which stages present one certificate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct PresentedBy {
    pub(super) id: String,
    pub(super) stages: Vec<String>,
}

impl Private {
    pub(super) fn decode(bytes: &[u8]) -> Private {
        if bytes.is_empty() {
            return Private::default();
        }
        serde_json::from_slice(bytes).unwrap_or_default()
    }
    pub(super) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl RotatingClientCertificate {
    pub(super) async fn do_plan(&self, req: &PlanRequest) -> PlanResponse {
        let mut resp = PlanResponse {
            planned_state: req.proposed_new_state.clone(),
            requires_replace: Vec::new(),
            planned_private: Vec::new(),
            diagnostics: Vec::new(),
        };
        if req.proposed_new_state.is_null() {
            resp.planned_state = Value::Null;
            resp.planned_private = req.prior_private.clone();
            if let Ok(prior) = State::from_value(&req.prior_state) {
                resp.diagnostics.extend(self.destroy_warnings(&prior).await);
            }
            return resp;
        }
        let args = self.args(&req.config);
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
        let mut private = Private::decode(&req.prior_private);
        if prior.is_none() {
            // A create has no series yet: what a killed create left is known
            // only to this working directory's attempt journal.
            // Without a usable client the create fails at apply, saying why.
            if let Ok(client) = self.context.client() {
                match client.strays(None, &[]).await {
                    Ok(ids) => private.strays = ids,
                    Err(e) => resp.diagnostics.push(Diagnostic::warning(
                        "Cannot look for certificates an interrupted apply left",
                        format!(
                            "The attempt journal lists a client certificate generation that a provider process that is gone never finished, but the certificates could not be listed to find it: {e}. The next plan looks again; until then the data source apigw_client_certificates reports it in orphaned_certificate_ids."
                        ),
                    )),
                }
            }
        }
        // Before the first certificate exists, API Gateway's fixed validity.
        let validity = prior
            .as_ref()
            .and_then(|p| p.series.validity())
            .or(Some(API_GATEWAY_VALIDITY_SECS));
        let (policy, diags) = args.policy(validity);
        resp.diagnostics
            .extend(null_map_elements(&req.config, MAP_ATTRIBUTES));
        resp.diagnostics.extend(diags);
        if has_errors(&resp.diagnostics) {
            return resp;
        }
        let at = private.observed_at.unwrap_or_else(|| self.context.now());
        let base = project(prior.as_ref(), &args);
        // rotation_triggers with unknown values on a series that records
        // some: whether they change is known only at apply.
        let triggers_unknown = args.rotation_triggers.is_none()
            && !private.adopt_triggers
            && prior
                .as_ref()
                .and_then(|p| p.rotation_triggers.as_ref())
                .is_some_and(|t| !t.is_empty());
        // Unknown durations (no policy) or unknown triggers: nothing can be
        // decided before apply.
        let decidable = if triggers_unknown { None } else { policy };
        let Some(policy) = decidable else {
            resp.planned_state = deferred_plan(&base, &args, &req.config);
            // Apply decides with the facts this plan would have used.
            resp.planned_private = Private {
                plan: Some(PlannedSteps {
                    at,
                    steps: Vec::new(),
                    deferred: true,
                }),
                vanished: private.vanished.clone(),
                adopt_triggers: private.adopt_triggers,
                strays: private.strays.clone(),
                previous_stages: private.previous_stages.clone(),
                deleting: private.deleting.clone(),
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
                    format!("Previous client certificate {id} deleted outside Terraform"),
                    format!(
                        "Previous certificate {id} no longer exists; it was still inside its overlap. Backends that trust it no longer need to, and nothing else has to be done: the series continues with its current certificate."
                    ),
                ));
            }
            // When a new rotation is due, its warning says this already.
            if *slot == Slot::Pending && !generates {
                resp.diagnostics.push(Diagnostic::warning(
                    format!("Pending client certificate {id} deleted outside Terraform"),
                    format!(
                        "Pending certificate {id} no longer exists, so the rotation it started is abandoned and the current certificate stays in place. Remove {id} from backend trust stores if it was installed. A new rotation starts when the current certificate enters its rotation window; to start one now, change rotation_triggers."
                    ),
                ));
            }
        }
        if let (Some(p), Some(Some(new))) = (prior.as_ref(), &args.rotation_triggers)
            && p.rotation_triggers.as_ref().is_none_or(BTreeMap::is_empty)
            && !new.is_empty()
        {
            let series = p
                .series
                .current
                .as_ref()
                .map_or_else(|| p.id.clone(), |c| c.id.clone());
            let why = if private.adopt_triggers {
                "This certificate series was imported and has not been applied since, so these rotation_triggers are taken as its starting values and do not force a rotation."
            } else {
                "The series had no rotation_triggers, so these are recorded as its starting values and do not force a rotation: adding triggers across a fleet does not rotate every certificate at once. Only a later change of their values rotates."
            };
            resp.diagnostics.push(Diagnostic::warning(
                format!("rotation_triggers recorded without rotating client certificate {series}"),
                format!("{why} To rotate now (for example after a suspected compromise), apply once, then change rotation_triggers again."),
            ));
        }
        for e in &decision.steps {
            // A plain create says nothing: the plan shows it.
            if matches!(
                e.step,
                Step::Generate {
                    reason: rotation::RotateReason::Create,
                    ..
                }
            ) {
                continue;
            }
            resp.diagnostics
                .push(Diagnostic::warning(e.summary.clone(), e.detail.clone()));
        }
        for n in &decision.held {
            resp.diagnostics
                .push(Diagnostic::warning(n.summary.clone(), n.detail.clone()));
        }
        resp.planned_state = planned_value(
            &base,
            &args,
            &req.config,
            &policy,
            &decision,
            prior.is_none(),
        );
        if prior.is_some()
            && resp.planned_state == req.prior_state
            && decision
                .steps
                .iter()
                .any(|e| matches!(e.step, Step::Discard { .. }))
        {
            // Only strays to delete: Terraform runs no apply for a plan
            // without changes, so the phase is left for the apply to report.
            resp.planned_state.set("phase", Value::Unknown);
        }
        resp.planned_private = Private {
            plan: Some(PlannedSteps {
                at,
                steps: decision.steps.iter().map(|e| e.step.clone()).collect(),
                deferred: false,
            }),
            deleting: private.deleting.clone(),
            ..Private::default()
        }
        .encode();
        resp
    }
}

/// The prior state with the configuration applied (no step taken yet).
pub(super) fn project(prior: Option<&State>, args: &Args) -> State {
    let mut s = prior.cloned().unwrap_or_default();
    if let Some(d) = &args.description {
        s.description = Some(d.clone());
    }
    let secs = |o: &Option<String>| o.as_deref().and_then(|o| rotation::parse_duration(o).ok());
    if let (Some(old), Some(new)) = (secs(&s.overlap), secs(&args.overlap)) {
        s.series.change_overlap(old, new);
    }
    s.rotate_before = args.rotate_before.clone();
    s.promote_after = args.promote_after.clone();
    s.overlap = args.overlap.clone();
    if let Some(t) = &args.tags {
        s.tags = t.clone();
        s.tags_all = merged_tags(&args.default_tags, t);
    }
    if let Some(t) = &args.rotation_triggers {
        s.rotation_triggers = t.clone();
    }
    if let Some(g) = args.retire_guard {
        s.retire_guard = g;
    }
    s
}

pub(super) fn facts(prior: Option<&State>, base: &State, args: &Args, private: &Private) -> Facts {
    // Unknown triggers, or none recorded yet (create), change nothing.
    let triggers_changed = match (prior, &args.rotation_triggers) {
        (Some(p), Some(new)) => rotation::triggers_changed(
            p.rotation_triggers.as_ref(),
            new.as_ref(),
            private.adopt_triggers,
        ),
        _ => false,
    };
    let mut facts = base
        .series
        .facts(triggers_changed, private.vanished.clone());
    facts.strays = private.strays.clone();
    if base.retire_guard
        && let (Some(prev), Some(seen)) = (&facts.previous, &private.previous_stages)
        && prev.id == seen.id
    {
        facts.previous_presented_by = seen.stages.clone();
    }
    facts
}

/// The planned state: known where the steps determine the value, unknown
/// where only apply can tell (generated certificates, apply-time dates).
pub(super) fn planned_value(
    base: &State,
    args: &Args,
    config: &Value,
    policy: &Policy,
    decision: &Decision,
    creating: bool,
) -> Value {
    let layout = &decision.layout;
    let find = |c: &rotation::Cert| {
        base.series
            .live()
            .into_iter()
            .find(|l| l.id == c.id)
            .cloned()
    };
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
        *next.series.slot_mut(slot) = value;
    }
    if layout.previous.is_empty() {
        next.series.previous_retire_after = None;
    }
    next.rotation_due = next
        .series
        .rotation_due(decision.at, Some(policy.rotate_before));
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
    mark_unknown_args(&mut v, args, config);
    v
}

/// Arguments not known yet are planned as the configuration has them: a
/// map with unknown elements stays that map (Terraform rejects a plan that
/// makes it wholly unknown).
pub(super) fn mark_unknown_args(v: &mut Value, args: &Args, config: &Value) {
    if args.description.is_none() {
        v.set("description", Value::Unknown);
    }
    if args.tags.is_none() {
        v.set("tags", config.get("tags").clone());
        v.set("tags_all", Value::Unknown);
    }
    if args.rotation_triggers.is_none() {
        v.set("rotation_triggers", config.get("rotation_triggers").clone());
    }
    if args.retire_guard.is_none() {
        v.set("retire_guard", Value::Unknown);
    }
}

/// With unknown durations every computed value may change.
pub(super) fn deferred_plan(base: &State, args: &Args, config: &Value) -> Value {
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
    mark_unknown_args(&mut v, args, config);
    v
}

/// Every computed-only attribute.
pub(super) const COMPUTED: [&str; 8] = [
    "id",
    "pending_certificate_id",
    "current_certificate_id",
    "previous_certificate_id",
    "current_expiration_date",
    "previous_retire_after",
    "trusted_pem_bundle",
    "phase",
];

impl RotatingClientCertificate {
    /// A destroy, or a replacement (`-replace`, or a change Terraform can
    /// only make by replacing), deletes every certificate of the series in
    /// one apply: said before the apply, with the stages that would make the
    /// deletion refuse.
    pub(super) async fn destroy_warnings(&self, prior: &State) -> Diagnostics {
        let live = prior.series.live();
        let Some(first) = live.last() else {
            return Vec::new();
        };
        let ids: Vec<&str> = live.iter().map(|c| c.id.as_str()).collect();
        let name = prior
            .series
            .current
            .as_ref()
            .map_or(first.id.as_str(), |c| c.id.as_str());
        let mut out = vec![Diagnostic::warning(
            format!(
                "Destroying client certificate series {name} deletes {} at once",
                ids.join(", ")
            ),
            format!(
                "This apply deletes every certificate of the series ({}) immediately, with no overlap: this is what destroy and -replace do. A backend that verifies a stage's certificate rejects the gateway from the moment that stage presents a certificate it does not trust. To force a new certificate with the staged rotation instead (generate, trust both, switch stages, retire after overlap), change rotation_triggers and keep the resource.",
                ids.join(", ")
            ),
        )];
        if !prior.retire_guard {
            return out;
        }
        let Ok(client) = self.context.client() else {
            return out;
        };
        // One pass over the process's stage inventory for every certificate.
        let stages = match client.stage_usage().await {
            Ok(stages) => stages,
            Err(e) => {
                out.push(
                    e.to_diagnostic("Cannot check which stages present the series' certificates"),
                );
                return out;
            }
        };
        for c in live {
            let names: Vec<String> = stages
                .iter()
                .filter(|s| s.client_certificate_id.as_deref() == Some(c.id.as_str()))
                .map(stage_label)
                .collect();
            if names.is_empty() {
                continue;
            }
            out.push(Diagnostic::warning(
                format!("Client certificate {} is still presented by a stage", c.id),
                format!(
                    "{} still presents client certificate {}, so retire_guard will refuse to delete it and the destroy stops there, deleting nothing in use. Switch those stages to another certificate, or remove them, first.",
                    names.join(", "),
                    c.id
                ),
            ));
        }
        out
    }
}

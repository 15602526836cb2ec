//! ApplyResourceChange: the actions the rotation crate ordered, performed one
//! by one; the state returned is what exists, also after a failure.

use super::*;

impl RotatingClientCertificate {
    pub(super) async fn do_apply(&self, req: ApplyRequest) -> ApplyResponse {
        let prior = if req.prior_state.is_null() {
            None
        } else {
            match State::from_value(&req.prior_state) {
                Ok(s) => Some(s),
                Err(d) => return failed(req.prior_state.clone(), vec![d]),
            }
        };
        let client = match self.context.client() {
            Ok(c) => c,
            Err(d) => return failed(req.prior_state.clone(), vec![d]),
        };
        if req.planned_state.is_null() {
            return match prior {
                Some(p) => {
                    self.destroy(&client, p, &req.planned_private, &req.stop)
                        .await
                }
                None => failed(Value::Null, Vec::new()),
            };
        }
        let args = self.args(&req.config);
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
        let changed_in_place = prior
            .as_ref()
            .is_some_and(|p| p.description != base.description || p.tags_all != base.tags_all);
        let actions = rotation::apply_actions(
            &base.series,
            &planned.steps,
            base.retire_guard,
            changed_in_place,
        );
        let mut state = base;
        let mut run = Run::new(state.series.clone(), actions, policy.overlap);
        let mut deleting = planned_private.deleting.clone();
        let diagnostics = perform(
            &client,
            &mut run,
            &mut state,
            prior.as_ref(),
            self.context.now(),
            &req.stop,
            &mut deleting,
        )
        .await;
        state.series = run.series.clone();
        if !run.triggers_consumed() {
            // The rotation the new triggers asked for did not happen: keep
            // the old ones, so the next plan still sees the change.
            state.rotation_triggers = prior.as_ref().and_then(|p| p.rotation_triggers.clone());
        }
        state.rotation_due = state
            .series
            .rotation_due(planned.at, Some(policy.rotate_before));
        if prior.is_none() && state.series.current.is_none() {
            return failed(Value::Null, diagnostics);
        }
        ApplyResponse {
            new_state: state.to_value(),
            private: Private {
                observed_at: Some(planned.at),
                deleting,
                ..Private::default()
            }
            .encode(),
            diagnostics,
        }
    }

    pub(super) async fn destroy(
        &self,
        client: &apigw::Client,
        prior: State,
        planned_private: &[u8],
        stop: &StopToken,
    ) -> ApplyResponse {
        let actions = rotation::destroy_actions(&prior.series, prior.retire_guard);
        let mut state = prior;
        let mut run = Run::new(state.series.clone(), actions, 0);
        let mut private = Private::decode(planned_private);
        let diagnostics = perform(
            client,
            &mut run,
            &mut state,
            None,
            self.context.now(),
            stop,
            &mut private.deleting,
        )
        .await;
        if diagnostics.is_empty() {
            return failed(Value::Null, diagnostics);
        }
        state.series = run.series;
        ApplyResponse {
            new_state: state.to_value(),
            private: private.encode(),
            diagnostics,
        }
    }
}

/// Performs the actions of `run` in order, feeding each outcome back into
/// it, and stops at the first failure or when Terraform asks to stop. The
/// run's series is then exactly what exists, but for a deletion whose outcome
/// is unknown: that certificate stays recorded and is added to `deleting`,
/// for the next refresh to settle. `state` carries the arguments the calls
/// need; a failed in-place update restores `prior`'s values there.
pub(super) async fn perform(
    client: &apigw::Client,
    run: &mut Run<Live>,
    state: &mut State,
    prior: Option<&State>,
    now: i64,
    stop: &StopToken,
    deleting: &mut Vec<String>,
) -> Diagnostics {
    while let Some(action) = run.next().cloned() {
        if stop.is_stopped() && !matches!(action, Action::CheckUnused { .. }) {
            return vec![stopped()];
        }
        let outcome = match &action {
            Action::CheckUnused { id } => guard(client, id).await.map(|()| Outcome::Done),
            Action::UpdateInPlace { id } => update_in_place(client, id, state, prior)
                .await
                .map(|()| Outcome::Done),
            Action::Step(Step::Generate { .. }) => {
                let description = state.description.clone().unwrap_or_default();
                // The series mark lets the next refresh find what this
                // generation left if the apply is killed before it returns.
                let series = (!state.id.is_empty()).then_some(state.id.as_str());
                client
                    .generate(&description, &state.tags_all, series)
                    .await
                    .map(|g| Outcome::Generated(Live::from_api(&g.certificate)))
                    .map_err(|e| e.to_diagnostic("Cannot generate a client certificate"))
            }
            Action::Step(Step::Discard { id }) => delete(client, id, deleting)
                .await
                .map(|()| Outcome::Done)
                .map_err(|e| {
                    e.to_diagnostic(&format!(
                        "Cannot delete client certificate {id}, left by an interrupted apply"
                    ))
                }),
            Action::Step(Step::Promote { .. }) => Ok(Outcome::Done),
            Action::Step(Step::Retire { slot, id, .. }) => delete(client, id, deleting)
                .await
                .map(|()| Outcome::Done)
                .map_err(|e| {
                    e.to_diagnostic(&format!(
                        "Cannot delete the {} client certificate {id}",
                        slot.name()
                    ))
                }),
        };
        match outcome {
            Ok(outcome) => {
                if let Outcome::Generated(c) = &outcome
                    && state.id.is_empty()
                {
                    state.id = c.id.clone();
                }
                run.complete(outcome, now);
            }
            Err(d) => return vec![d],
        }
    }
    Vec::new()
}

/// DeleteClientCertificate, noting in `deleting` a certificate whose deletion
/// may have taken effect although no answer said so (see [`perform`]).
async fn delete(
    client: &apigw::Client,
    id: &str,
    deleting: &mut Vec<String>,
) -> Result<(), apigw::ApiError> {
    match client.delete_certificate(id).await {
        Ok(()) => {
            deleting.retain(|d| d != id);
            Ok(())
        }
        Err(e) => {
            if e.is_ambiguous() && !deleting.iter().any(|d| d == id) {
                deleting.push(id.to_string());
            }
            Err(e)
        }
    }
}

/// Sets the changed description and tags on one live certificate. The new
/// values are recorded at once; a failure puts the prior ones back.
pub(super) async fn update_in_place(
    client: &apigw::Client,
    id: &str,
    state: &mut State,
    prior: Option<&State>,
) -> Result<(), Diagnostic> {
    let Some(p) = prior else {
        return Ok(());
    };
    if p.description != state.description
        && let Some(d) = &state.description
        && let Err(e) = client.update_description(id, d).await
    {
        state.description = p.description.clone();
        state.tags = p.tags.clone();
        state.tags_all = p.tags_all.clone();
        return Err(e.to_diagnostic(&format!(
            "Cannot update the description of client certificate {id}"
        )));
    }
    if p.tags_all != state.tags_all
        && let Err(e) = client.update_tags(id, &p.tags_all, &state.tags_all).await
    {
        state.tags = p.tags.clone();
        state.tags_all = p.tags_all.clone();
        return Err(e.to_diagnostic(&format!(
            "Cannot update the tags of client certificate {id}"
        )));
    }
    Ok(())
}

/// `stage "prod" of REST API "payments" (a1b2c3)`.
pub(super) fn stage_label(s: &apigw::StageRef) -> String {
    format!(
        "stage {:?} of REST API {:?} ({})",
        s.stage_name, s.rest_api_name, s.rest_api_id
    )
}

/// Refuses when a stage still presents the certificate: the last line
/// against a stage that moved onto it after the plan looked.
pub(super) async fn guard(client: &apigw::Client, id: &str) -> Result<(), Diagnostic> {
    let stages = client.stages_using(id).await.map_err(|e| {
        e.to_diagnostic(&format!(
            "Cannot check which stages use client certificate {id}"
        ))
    })?;
    if stages.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = stages.iter().map(stage_label).collect();
    Err(Diagnostic::error(
        format!("Client certificate {id} still in use"),
        format!(
            "retire_guard refused to delete client certificate {id}: {} still presents it, and deleting it would break the backends behind {}. Nothing was deleted. Switch {} to the series' current certificate (for example with apigw_stage_client_certificate) and apply again: the first plan after no stage presents it retires it.",
            names.join(", "),
            if names.len() == 1 { "that stage" } else { "those stages" },
            if names.len() == 1 { "it" } else { "them" },
        ),
    )
    .at("retire_guard"))
}

pub(super) fn stopped() -> Diagnostic {
    Diagnostic::error(
        "Apply Interrupted",
        "Terraform asked the provider to stop; the remaining rotation steps were not run. The state records what exists; the next plan shows what is still due.",
    )
}

pub(super) fn failed(state: Value, diagnostics: Diagnostics) -> ApplyResponse {
    ApplyResponse {
        new_state: state,
        private: Vec::new(),
        diagnostics,
    }
}

pub(super) fn plus(t: i64, d: u64) -> i64 {
    t.saturating_add(i64::try_from(d).unwrap_or(i64::MAX))
}

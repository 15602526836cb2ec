//! ReadResource (refresh) and ImportResourceState.

use super::*;

impl RotatingClientCertificate {
    pub(super) async fn do_import(&self, id: &str) -> Result<Vec<ImportedObject>, Diagnostics> {
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
        let client = self.context.client().map_err(|d| vec![d])?;
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
        let now = self.context.now();
        let defaults = self.default_tags();
        let current = found.first().cloned();
        let previous = found.get(1).cloned();
        let mut state = State {
            id: ids[0].to_string(),
            description: current.as_ref().and_then(|c| c.description.clone()),
            rotate_before: Some(DEFAULT_ROTATE_BEFORE.to_string()),
            promote_after: Some(DEFAULT_PROMOTE_AFTER.to_string()),
            overlap: Some(DEFAULT_OVERLAP.to_string()),
            tags: current
                .as_ref()
                .map(|c| own_tags(&c.tags, &defaults, &BTreeMap::new()))
                .unwrap_or_default(),
            tags_all: current.as_ref().map(|c| c.tags.clone()).unwrap_or_default(),
            rotation_triggers: None,
            retire_guard: true,
            series: Series {
                pending: None,
                current: current.as_ref().map(Live::from_api),
                previous: previous.as_ref().map(Live::from_api),
                // An imported pair starts its overlap now.
                previous_retire_after: previous
                    .as_ref()
                    .map(|_| plus(now, Policy::default().overlap)),
            },
            rotation_due: false,
        };
        state.rotation_due = state.series.rotation_due(now, state.rotate_before_secs());
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

impl RotatingClientCertificate {
    pub(super) async fn do_read(&self, req: ReadRequest) -> ReadResponse {
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
        let client = match self.context.client() {
            Ok(c) => c,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let mut private = Private::decode(&req.private);
        private.vanished.clear();
        private.plan = None;
        private.strays.clear();
        let deleting = std::mem::take(&mut private.deleting);
        let mut newest: Option<Certificate> = None;
        for slot in [Slot::Pending, Slot::Current, Slot::Previous] {
            let Some(live) = state.series.slot(slot).cloned() else {
                continue;
            };
            match client.find_certificate(&live.id).await {
                Ok(Some(c)) => {
                    // A mark left by an apply that could not remove it
                    // would report a held certificate as unrecorded.
                    let c = if c.mark.attempt.is_some() {
                        client.confirm(c).await
                    } else {
                        c
                    };
                    *state.series.slot_mut(slot) = Some(Live::from_api(&c));
                    if slot == Slot::Current {
                        newest = Some(c);
                    }
                }
                Ok(None) => {
                    state.series.clear(slot);
                    if deleting.contains(&live.id) || apigw::Client::deletion_interrupted(&live.id)
                    {
                        tracing::info!(certificate_id = %live.id, "the deletion an earlier apply sent without an answer took effect");
                    } else {
                        private.vanished.push((slot, live.id.clone()));
                    }
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
            state.tags = own_tags(&c.tags, &self.default_tags(), &state.tags);
            state.tags_all = c.tags;
        }
        if !state.id.is_empty() {
            let held: Vec<&str> = state.series.live().iter().map(|c| c.id.as_str()).collect();
            match client.strays(Some(&state.id), &held).await {
                Ok(ids) => private.strays = ids,
                // A side check: the refresh itself succeeded, and the next
                // one looks again.
                Err(e) => {
                    let d = e.to_diagnostic(&format!(
                        "Cannot look for certificates of series {} that an interrupted apply left",
                        state.id
                    ));
                    resp.diagnostics.push(Diagnostic::warning(
                        d.summary,
                        format!("{} The next refresh looks again.", d.detail),
                    ));
                }
            }
        }
        let now = self.context.now();
        state.rotation_due = state.series.rotation_due(now, state.rotate_before_secs());
        private.observed_at = Some(now);
        private.previous_stages = None;
        if state.retire_guard
            && let Some(prev) = &state.series.previous
        {
            // Only when a step that deletes the previous certificate or needs
            // its slot may come due: the stage inventory is costly on a busy
            // account, and an overlap usually lasts days.
            let retire_due = state
                .series
                .previous_retire_after
                .is_none_or(|after| now >= after);
            if retire_due || state.rotation_due || state.series.pending.is_some() {
                match client.stages_using(&prev.id).await {
                    Ok(stages) => {
                        private.previous_stages = Some(PresentedBy {
                            id: prev.id.clone(),
                            stages: stages.iter().map(stage_label).collect(),
                        });
                    }
                    Err(e) => {
                        resp.diagnostics.push(e.to_diagnostic(&format!(
                            "Cannot check which stages present previous client certificate {}",
                            prev.id
                        )));
                        return resp;
                    }
                }
            }
        }
        resp.new_state = state.to_value();
        resp.private = private.encode();
        resp
    }
}

//! The resource's state as Rust values, and its conversion to and from
//! Terraform values.

use super::*;

/// One live certificate. The state records its ID in its slot and its PEM
/// in the bundle; its dates are the certificate's own (notBefore, notAfter).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Live {
    pub(super) id: String,
    pub(super) pem: String,
    pub(super) created: i64,
    pub(super) expires: i64,
}

impl Live {
    /// Dates from the PEM, as [`State::from_value`] reads them back, so that a
    /// certificate's dates never change between the state and the plan; the
    /// API's dates only if its PEM cannot be read.
    pub(super) fn from_api(c: &Certificate) -> Live {
        let (created, expires) =
            crate::functions::pem_validity(&c.pem).unwrap_or((c.created, c.expires));
        Live {
            id: c.id.clone(),
            pem: c.pem.clone(),
            created,
            expires,
        }
    }
}

impl rotation::Certificate for Live {
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

/// The resource's state, fully known.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct State {
    pub(super) id: String,
    pub(super) description: Option<String>,
    pub(super) rotate_before: Option<String>,
    pub(super) promote_after: Option<String>,
    pub(super) overlap: Option<String>,
    pub(super) tags: BTreeMap<String, String>,
    /// `tags` merged over the provider's `default_tags`: what the
    /// certificates carry.
    pub(super) tags_all: BTreeMap<String, String>,
    pub(super) rotation_triggers: Option<BTreeMap<String, String>>,
    pub(super) retire_guard: bool,
    /// The slots and their dates.
    pub(super) series: Series<Live>,
    pub(super) rotation_due: bool,
}

impl State {
    pub(super) fn rotate_before_secs(&self) -> Option<u64> {
        self.rotate_before
            .as_deref()
            .and_then(|s| rotation::parse_duration(s).ok())
    }

    pub(super) fn from_value(v: &Value) -> Result<State, Diagnostic> {
        let a = Attrs::decode(v)?;
        let corrupt = |name: &str, why: String| {
            Diagnostic::error(
                "Corrupt Resource State",
                format!("The stored value of {name} {why}. Remove the resource from state (terraform state rm) and import it again."),
            )
            .at(name)
        };
        let time = |name: &str, value: &Option<String>| -> Result<Option<i64>, Diagnostic> {
            match value {
                None => Ok(None),
                Some(s) => rotation::parse_rfc3339(s)
                    .map(Some)
                    .map_err(|e| corrupt(name, format!("is not a timestamp: {e}"))),
            }
        };
        // The bundle holds the slots' PEMs in slot order.
        let ids: Vec<(Slot, String)> = [
            (Slot::Previous, &a.previous_certificate_id),
            (Slot::Current, &a.current_certificate_id),
            (Slot::Pending, &a.pending_certificate_id),
        ]
        .into_iter()
        .filter_map(|(slot, id)| Some((slot, id.clone()?)))
        .collect();
        let pems = split_bundle(a.trusted_pem_bundle.as_deref().unwrap_or_default());
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
        let mut series = Series {
            previous_retire_after: time("previous_retire_after", &a.previous_retire_after)?,
            ..Series::default()
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
            *series.slot_mut(slot) = Some(Live {
                id,
                pem,
                created,
                expires,
            });
        }
        Ok(State {
            id: a.id.unwrap_or_default(),
            description: a.description,
            rotate_before: a.rotate_before,
            promote_after: a.promote_after,
            overlap: a.overlap,
            // States written before `tags_all` existed: the tags alone.
            tags_all: a.tags_all.or_else(|| a.tags.clone()).unwrap_or_default(),
            tags: a.tags.unwrap_or_default(),
            rotation_triggers: a.rotation_triggers,
            retire_guard: a.retire_guard.unwrap_or(true),
            series,
            rotation_due: a.rotation_due.unwrap_or(false),
        })
    }

    pub(super) fn to_value(&self) -> Value {
        let ts = |t: Option<i64>| t.map(rotation::format_rfc3339);
        let series = &self.series;
        let id = |c: &Option<Live>| c.as_ref().map(|l| l.id.clone());
        let bundle: String = [&series.previous, &series.current, &series.pending]
            .into_iter()
            .flatten()
            .map(|l| format!("{}\n", l.pem.trim()))
            .collect();
        Attrs {
            id: Some(self.id.clone()).filter(|i| !i.is_empty()),
            description: self.description.clone(),
            rotate_before: self.rotate_before.clone(),
            promote_after: self.promote_after.clone(),
            overlap: self.overlap.clone(),
            tags: Some(self.tags.clone()),
            tags_all: Some(self.tags_all.clone()),
            rotation_triggers: self.rotation_triggers.clone(),
            retire_guard: Some(self.retire_guard),
            pending_certificate_id: id(&series.pending),
            current_certificate_id: id(&series.current),
            previous_certificate_id: id(&series.previous),
            current_expiration_date: ts(series.current.as_ref().map(|c| c.expires)),
            previous_retire_after: ts(series.previous.as_ref().and(series.previous_retire_after)),
            trusted_pem_bundle: Some(bundle).filter(|b| !b.is_empty()),
            phase: Some(series.phase().to_string()),
            rotation_due: Some(self.rotation_due),
        }
        .encode()
    }
}

/// The certificates of a PEM bundle, each as one PEM ending in a newline.
pub(super) fn split_bundle(bundle: &str) -> Vec<String> {
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

/// `tags` over `defaults`: a resource tag wins on a shared key.
pub(super) fn merged_tags(
    defaults: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut all = defaults.clone();
    all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

/// The resource's own tags among those a certificate carries: a tag equal
/// to a default tag comes from the provider, unless the configuration set
/// it too (`configured`).
pub(super) fn own_tags(
    carried: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
    configured: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    carried
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v) || configured.get(*k) == Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

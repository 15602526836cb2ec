//! The resource's state as Rust values, and its conversion to and from
//! Terraform values.

use super::*;

/// One live certificate as recorded in state.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Live {
    pub(super) id: String,
    pub(super) pem: String,
    pub(super) created: i64,
    pub(super) expires: i64,
}

impl Live {
    pub(super) fn from_api(c: &Certificate) -> Live {
        Live {
            id: c.id.clone(),
            pem: c.pem.clone(),
            created: c.created,
            expires: c.expires,
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
        let text = |name: &str| v.get(name).as_str().map(str::to_string);
        let time = |name: &str| -> Result<Option<i64>, Diagnostic> {
            match v.get(name).as_str() {
                None => Ok(None),
                Some(s) => rotation::parse_rfc3339(s).map(Some).map_err(|e| {
                    Diagnostic::error(
                        "Corrupt Resource State",
                        format!("The stored value of {name} is not a timestamp: {e}. Remove the resource from state and import it again."),
                    )
                    .at(name)
                }),
            }
        };
        let slot = |slot: &str| -> Result<Option<Live>, Diagnostic> {
            let Some(id) = text(&format!("{slot}_certificate_id")) else {
                return Ok(None);
            };
            Ok(Some(Live {
                id,
                pem: text(&format!("{slot}_pem")).unwrap_or_default(),
                created: time(&format!("{slot}_created_date"))?.unwrap_or(0),
                expires: time(&format!("{slot}_expiration_date"))?.unwrap_or(0),
            }))
        };
        Ok(State {
            id: text("id").unwrap_or_default(),
            description: text("description"),
            rotate_before: text("rotate_before"),
            promote_after: text("promote_after"),
            overlap: text("overlap"),
            tags: v.get("tags").as_string_map().unwrap_or_default(),
            rotation_triggers: v.get("rotation_triggers").as_string_map(),
            retire_guard: v.get("retire_guard").as_bool().unwrap_or(true),
            series: Series {
                pending: slot("pending")?,
                current: slot("current")?,
                previous: slot("previous")?,
                previous_retire_after: time("previous_retire_after")?,
                promoted_date: time("promoted_date")?,
            },
            rotation_due: v.get("rotation_due").as_bool().unwrap_or(false),
        })
    }

    pub(super) fn to_value(&self) -> Value {
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
        let series = &self.series;
        for (name, live) in [
            ("pending", &series.pending),
            ("current", &series.current),
            ("previous", &series.previous),
        ] {
            pairs.push((
                format!("{name}_certificate_id"),
                Value::opt_string(live.as_ref().map(|l| l.id.clone())),
            ));
            pairs.push((
                format!("{name}_pem"),
                Value::opt_string(live.as_ref().map(|l| l.pem.clone())),
            ));
            pairs.push((
                format!("{name}_created_date"),
                ts(live.as_ref().map(|l| l.created)),
            ));
            pairs.push((
                format!("{name}_expiration_date"),
                ts(live.as_ref().map(|l| l.expires)),
            ));
        }
        let live = series.live();
        let bundle: String = live
            .iter()
            .map(|l| {
                if l.pem.ends_with('\n') {
                    l.pem.clone()
                } else {
                    format!("{}\n", l.pem)
                }
            })
            .collect();
        let due_date = match (&series.current, self.rotate_before_secs()) {
            (Some(c), Some(rb)) => Some(rotation::rotation_due_date(c.expires, rb)),
            _ => None,
        };
        pairs.extend([
            (
                "previous_retire_after".into(),
                ts(series.previous.as_ref().and(series.previous_retire_after)),
            ),
            ("promoted_date".into(), ts(series.promoted_date)),
            (
                "trusted_pem_bundle".into(),
                if live.is_empty() {
                    Value::Null
                } else {
                    Value::String(bundle)
                },
            ),
            (
                "trusted_certificate_ids".into(),
                Value::string_list(live.iter().map(|l| l.id.as_str())),
            ),
            ("phase".into(), Value::string(series.phase())),
            ("rotation_due_date".into(), ts(due_date)),
            ("rotation_due".into(), Value::Bool(self.rotation_due)),
        ]);
        Value::object(pairs)
    }
}

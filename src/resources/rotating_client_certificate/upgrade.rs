//! UpgradeResourceState from earlier schema versions.

use super::*;

/// Schema version 0 lacked `promoted_date` and `trusted_certificate_ids`:
/// the current certificate's creation is the best record of its promotion,
/// and the trusted IDs follow from the slots.
pub(super) fn upgrade(
    from_version: i64,
    mut json: serde_json::Value,
) -> Result<serde_json::Value, Diagnostic> {
    match from_version {
        SCHEMA_VERSION => Ok(json),
        0 => {
            let obj = json.as_object_mut().ok_or_else(|| {
                Diagnostic::error(
                    "Cannot Upgrade Resource State",
                    format!(
                        "The stored {TYPE_NAME} state (schema version 0) is not a JSON object."
                    ),
                )
            })?;
            if obj
                .get("promoted_date")
                .is_none_or(serde_json::Value::is_null)
            {
                let created = obj.get("current_created_date").cloned();
                obj.insert(
                    "promoted_date".into(),
                    created.unwrap_or(serde_json::Value::Null),
                );
            }
            let mut live: Vec<(String, String)> = ["pending", "current", "previous"]
                .iter()
                .filter_map(|slot| {
                    let id = obj.get(&format!("{slot}_certificate_id"))?.as_str()?;
                    let created = obj
                        .get(&format!("{slot}_created_date"))
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    Some((created.to_string(), id.to_string()))
                })
                .collect();
            live.sort_by_key(|(c, id)| (rotation::parse_rfc3339(c).unwrap_or(0), id.clone()));
            obj.insert(
                "trusted_certificate_ids".into(),
                serde_json::Value::Array(
                    live.into_iter()
                        .map(|(_, id)| serde_json::Value::String(id))
                        .collect(),
                ),
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

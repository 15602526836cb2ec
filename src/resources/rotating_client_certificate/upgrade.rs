//! UpgradeResourceState from earlier schema versions.

use super::*;

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
pub(super) fn upgrade(
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
            // Before provider default_tags, the certificates carried `tags`.
            let tags = obj.get("tags").cloned().unwrap_or(serde_json::Value::Null);
            obj.entry("tags_all").or_insert(tags);
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

//! The schema (every description is the documentation) and the decoded
//! configuration arguments with their validation.

use super::*;

pub(super) const SLOT_DOC: [(&str, &str); 3] = [
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

pub(super) fn schema() -> Schema {
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
            &format!(
                "Rotation window: a rotation starts at the first plan on or after the current certificate's expiration minus this duration. A duration such as \"60d\", \"36h\" or \"1d12h\" (units s, m, h, d). Must be more than zero, longer than `promote_after` plus `overlap`, and shorter than the certificates' validity (365 days on API Gateway). Defaults to \"{DEFAULT_ROTATE_BEFORE}\"."
            ),
        ),
        Attribute::optional_computed(
            "promote_after",
            s.clone(),
            &format!(
                "How long a newly generated certificate stays *pending* (trusted by backends through `trusted_pem_bundle`, not yet current) before a plan promotes it to current. Use it when backends outside this configuration, such as a partner's trust store, need time to install the new certificate. With \"0s\" a new certificate becomes current in the apply that generates it. Defaults to \"{DEFAULT_PROMOTE_AFTER}\"."
            ),
        ),
        Attribute::optional_computed(
            "overlap",
            s.clone(),
            &format!(
                "How long the previous certificate stays alive and trusted after it stopped being current, before a plan retires (deletes) it. Changing it moves `previous_retire_after` by the difference. Defaults to \"{DEFAULT_OVERLAP}\"."
            ),
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

pub(super) const DESCRIPTION: &str = "Rotates an API Gateway client certificate safely, one visible step per apply. \
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

/// The configuration arguments, decoded; `None` for values unknown at plan.
#[derive(Clone, Debug)]
pub(super) struct Args {
    pub(super) description: Option<String>,
    pub(super) rotate_before: Option<String>,
    pub(super) promote_after: Option<String>,
    pub(super) overlap: Option<String>,
    pub(super) tags: Option<BTreeMap<String, String>>,
    /// `Some(None)`: null in configuration.
    pub(super) rotation_triggers: Option<Option<BTreeMap<String, String>>>,
    pub(super) retire_guard: Option<bool>,
}

impl Args {
    pub(super) fn from_config(config: &Value) -> Args {
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
    pub(super) fn policy(&self, validity: Option<u64>) -> (Option<Policy>, Diagnostics) {
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

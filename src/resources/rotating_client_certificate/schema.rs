//! The schema (every description is the documentation) and the decoded
//! configuration arguments with their validation.

use super::*;

tfplugin::model! {
    /// Every attribute of the resource as Terraform stores it: the schema,
    /// the decoding of a state and its encoding all come from this struct.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub(super) struct Attrs {
        pub(super) id: Option<String> = computed(
            "Stable identifier of the rotation series: the ID of its first certificate, or of the certificate adopted by import. It does not name a live certificate once the series has rotated; use `current_certificate_id` for that.",
        ),
        pub(super) description: Option<String> = optional_computed(
            &format!("Description set on every certificate the series generates. Changing it updates the live certificates in place. Defaults to \"{DEFAULT_DESCRIPTION}\"."),
        ),
        pub(super) rotate_before: Option<String> = optional_computed(
            &format!(
                "Rotation window: a rotation starts at the first plan on or after the current certificate's expiration minus this duration. A duration such as \"60d\", \"36h\" or \"1d12h\" (units s, m, h, d). Must be more than zero, longer than `promote_after` plus `overlap`, and shorter than the certificates' validity (365 days on API Gateway). Defaults to \"{DEFAULT_ROTATE_BEFORE}\"."
            ),
        ),
        pub(super) promote_after: Option<String> = optional_computed(
            &format!(
                "How long a newly generated certificate stays *pending* (trusted by backends through `trusted_pem_bundle`, not yet current) before a plan promotes it to current. Use it when backends outside this configuration, such as a partner's trust store, need time to install the new certificate. With \"0s\" a new certificate becomes current in the apply that generates it. Defaults to \"{DEFAULT_PROMOTE_AFTER}\"."
            ),
        ),
        pub(super) overlap: Option<String> = optional_computed(
            &format!(
                "How long the previous certificate stays alive and trusted after it stopped being current, before a plan retires (deletes) it. Changing it moves `previous_retire_after` by the difference. Defaults to \"{DEFAULT_OVERLAP}\"."
            ),
        ),
        pub(super) tags: Option<BTreeMap<String, String>> = optional_computed(
            "Tags set on every certificate the series generates. Changes are applied in place to the live certificates. Defaults to no tags.",
        ),
        pub(super) tags_all: Option<BTreeMap<String, String>> = computed(
            "Every tag the series' certificates carry: the provider's `default_tags` merged under `tags` (a resource tag wins on a shared key).",
        ),
        pub(super) rotation_triggers: Option<BTreeMap<String, String>> = optional(
            "Arbitrary values; a change of their values forces a rotation at the next apply, for instance after a suspected compromise, or paired with a resource that changes on a schedule. Adding them to a series that had none (or removing them) only records them, so adding triggers across a fleet does not rotate every certificate at once. If a pending certificate already exists, the rotation in progress satisfies the change. If the new certificate cannot be generated, the old values stay in state, so the next plan still rotates. The first values set after an import are recorded without rotating. Values must be strings: a null element is an error.",
        ),
        pub(super) retire_guard: Option<bool> = optional_computed(
            "Before deleting a certificate (retirement or destroy), scan every stage of every REST API in the region and refuse, naming the API and stage, if one still uses it. With it, a previous certificate whose overlap has ended is kept while a stage presents it (the plan says which), and retired by the first plan after the stage moves. Defaults to true.",
        ),
        pub(super) pending_certificate_id: Option<String> = computed(
            "ID of the *pending* certificate: generated and meant to be trusted by backends, not yet used by stages. Null when no rotation is in progress or when `promote_after` is \"0s\". Its PEM is in `trusted_pem_bundle`.",
        ),
        pub(super) current_certificate_id: Option<String> = computed(
            "ID of the *current* certificate: the one stages should present (connect it with `apigw_stage_client_certificate`). Null only while a certificate deleted outside Terraform awaits replacement. Its PEM is in `trusted_pem_bundle`.",
        ),
        pub(super) previous_certificate_id: Option<String> = computed(
            "ID of the *previous* certificate: no longer current, still alive and trusted until `previous_retire_after`. Null outside the overlap. Its PEM is in `trusted_pem_bundle`.",
        ),
        pub(super) current_expiration_date: Option<String> = computed(
            "Expiration time (RFC 3339, UTC) of the current certificate, read from the certificate itself (notAfter). The rotation window opens `rotate_before` earlier. The other certificates' dates are in their PEMs (`provider::apigw::pem_expiration`).",
        ),
        pub(super) previous_retire_after: Option<String> = computed(
            "Time (RFC 3339, UTC) from which a plan retires the previous certificate: when it stopped being current plus `overlap`. Null when there is no previous certificate.",
        ),
        pub(super) trusted_pem_bundle: Option<String> = computed(
            "PEMs of every live certificate of the series, in the order previous, current, pending (those that exist): exactly what backends must trust. Install it before stages switch certificates. It is the only attribute holding PEMs, so the state stores each certificate once.",
        ),
        pub(super) phase: Option<String> = computed(
            "\"pending\" while a pending certificate exists, else \"overlap\" while a previous certificate exists, else \"stable\".",
        ),
        pub(super) rotation_due: Option<bool> = computed(
            "Whether the current certificate was inside its rotation window (or missing) at the last refresh. Made for postconditions and `check` blocks; it only changes when a refresh finds a certificate newly due, never merely because time passed between refreshes.",
        ),
    }
}

pub(super) fn schema() -> Schema {
    Schema {
        version: SCHEMA_VERSION,
        block: Block {
            description: DESCRIPTION.to_string(),
            attributes: Attrs::attributes(),
            blocks: Vec::new(),
            deprecated: false,
        },
    }
}

pub(super) const DESCRIPTION: &str = "Rotates an API Gateway client certificate safely, one visible step per apply. \
The resource keeps up to three certificates: *pending* (generated, to be trusted by backends), *current* (used by stages) and *previous* (no longer used, still trusted during `overlap`). \
At every plan it decides from the current certificate's own expiration date what is due, in this order: \
retire the previous certificate once `previous_retire_after` has passed and no stage presents it; \
promote the pending certificate once `promote_after` has elapsed (at once if the current certificate is expired or missing); \
otherwise, with no rotation in progress, generate a new certificate when the current one enters its window (`rotate_before`), has expired, was deleted outside Terraform, or `rotation_triggers` changed. \
A new certificate becomes pending, or current at once when `promote_after` is \"0s\" or there is no usable current certificate; the old current one becomes previous.\n\n\
Every step appears in the plan as attribute changes and as a warning naming the certificate, its expiry date, the days left, the window, what happens and when the next step is due; an expired current certificate is reported as an outage in progress. A plan with nothing due is empty and silent.\n\n\
**Decision time and saved plans.** Decisions are made as of the resource's last refresh (normally the refresh at the start of the same plan), never as of the moment Terraform re-plans while applying. A saved plan (`terraform plan -out`) therefore applies exactly the steps it showed, even if another boundary passes before it is applied; that step appears in the next plan. With `-refresh=false`, the plan decides as of the previous refresh or apply.\n\n\
**Apply order and failures.** A retirement that frees the previous slot for this apply's new occupant runs first (that certificate has not been current since the last switch); then the new certificate is generated, the pending one promoted, and the remaining retirement runs last. The current certificate is never deleted before its successor is current. With `retire_guard`, every certificate to delete is checked against all stages before anything changes. If a step fails, the state records exactly what exists: a generated certificate is never lost.\n\n\
**Destroy** deletes every live certificate of the series at once, after `retire_guard` passes for each; its plan says so and names any stage that still presents one. To force a new certificate with the staged overlap, change `rotation_triggers` instead.\n\n\
**Import** with `<certificate-id>` adopts a certificate as current, or `<current-id>,<previous-id>` adopts both (the previous one is retired `overlap` after the import).\n\n**Moving from hashicorp/aws.** A `moved` block from an `aws_api_gateway_client_certificate` (Terraform 1.8 or later) adopts its certificate as current, keeping its ID, description and tags and reading its dates, without any API call; the rotation settings start at their defaults, as after an import. The next plan is empty when the configuration repeats the description and tags, unless the certificate is already inside its rotation window.";

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
    /// The provider's `default_tags` (not configuration: set by the resource).
    pub(super) default_tags: BTreeMap<String, String>,
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
            default_tags: BTreeMap::new(),
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

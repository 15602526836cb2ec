//! MoveResourceState: a `moved` block from `aws_api_gateway_client_certificate`
//! (hashicorp/aws) adopts that certificate as the series' current one.
//!
//! The move only translates state: no API call is made, so nothing can be
//! created or deleted by it. Terraform refreshes the moved object right
//! after, which reads the certificate like any other refresh.

use super::*;

use tfplugin::{MoveOutcome, MoveStateRequest, MovedState};

/// The AWS provider's resource type this one takes over.
pub(super) const AWS_TYPE: &str = "aws_api_gateway_client_certificate";
/// Where Terraform and OpenTofu install hashicorp/aws from.
pub(super) const AWS_PROVIDERS: [&str; 2] = [
    "registry.terraform.io/hashicorp/aws",
    "registry.opentofu.org/hashicorp/aws",
];
/// Every schema version the AWS provider has written for [`AWS_TYPE`]
/// (5.100.0 still declares 0).
const AWS_SCHEMA_VERSIONS: std::ops::RangeInclusive<i64> = 0..=0;

pub(super) fn move_sources() -> Vec<(&'static str, &'static str)> {
    AWS_PROVIDERS.iter().map(|p| (*p, AWS_TYPE)).collect()
}

impl RotatingClientCertificate {
    pub(super) fn do_move(&self, req: &MoveStateRequest) -> MoveOutcome {
        match from_aws(req, self.context.now()) {
            Ok((state, private)) => MoveOutcome::Moved(MovedState {
                state: state.to_value(),
                private: private.encode(),
                diagnostics: Vec::new(),
            }),
            Err(d) => MoveOutcome::Failed(vec![d]),
        }
    }
}

fn cannot(detail: String) -> Diagnostic {
    Diagnostic::error(
        "Cannot Move Client Certificate",
        format!(
            "{detail}. Nothing was changed. Remove the `moved` block and import the certificate \
             instead (an `import` block with its ID), then drop {AWS_TYPE} from the state with a \
             `removed` block whose lifecycle has destroy = false."
        ),
    )
}

/// The state of a series whose current certificate is the one the AWS
/// provider managed, with the default rotation settings (as an import has),
/// and the private state that records the decision time.
pub(super) fn from_aws(req: &MoveStateRequest, now: i64) -> Result<(State, Private), Diagnostic> {
    if !AWS_SCHEMA_VERSIONS.contains(&req.source_schema_version) {
        return Err(cannot(format!(
            "{AWS_TYPE} state of schema version {} was written by an AWS provider newer than \
             this provider knows (schema versions {} to {})",
            req.source_schema_version,
            AWS_SCHEMA_VERSIONS.start(),
            AWS_SCHEMA_VERSIONS.end()
        )));
    }
    let src = &req.source_state;
    let text = |name: &str| src.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let id = text("id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| cannot(format!("The {AWS_TYPE} state has no `id`")))?;
    let pem = text("pem_encoded_certificate")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            cannot(format!(
                "The {AWS_TYPE} state of {id} has no `pem_encoded_certificate`"
            ))
        })?;
    if let Err(e) = crate::functions::pem_validity(&pem) {
        return Err(cannot(format!(
            "The `pem_encoded_certificate` of {id} in the {AWS_TYPE} state cannot be read: {e}"
        )));
    }
    let date = |name: &str| -> Result<i64, Diagnostic> {
        let raw = text(name).unwrap_or_default();
        aws_time(&raw).ok_or_else(|| {
            cannot(format!(
                "The `{name}` of {id} in the {AWS_TYPE} state is {raw:?}, not a time such as \
                 \"2026-11-30 17:36:59 +0000 UTC\" or \"2026-11-30T17:36:59Z\""
            ))
        })
    };
    let created = date("created_date")?;
    let expires = date("expiration_date")?;
    // What the certificate carries: `tags_all` holds the AWS provider's
    // default tags too, and the refresh reads the same from the certificate.
    let tags_of = |name: &str| -> Option<BTreeMap<String, String>> {
        let map = src.get(name)?.as_object()?;
        Some(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
        )
    };
    let tags = tags_of("tags_all")
        .or_else(|| tags_of("tags"))
        .unwrap_or_default();
    let certificate = Certificate {
        id: id.clone(),
        description: text("description"),
        pem,
        created,
        expires,
        tags: tags.clone(),
        mark: Default::default(),
    };
    let mut state = State {
        id,
        description: certificate.description.clone(),
        rotate_before: Some(DEFAULT_ROTATE_BEFORE.to_string()),
        promote_after: Some(DEFAULT_PROMOTE_AFTER.to_string()),
        overlap: Some(DEFAULT_OVERLAP.to_string()),
        tags_all: tags.clone(),
        tags,
        rotation_triggers: None,
        retire_guard: true,
        series: Series {
            current: Some(Live::from_api(&certificate)),
            ..Series::default()
        },
        rotation_due: false,
    };
    state.rotation_due = state.series.rotation_due(now, state.rotate_before_secs());
    let private = Private {
        observed_at: Some(now),
        // As after an import: the first `rotation_triggers` are recorded.
        adopt_triggers: true,
        ..Private::default()
    };
    Ok((state, private))
}

/// A time as the AWS provider stores it: Go's `time.Time` text
/// ("2026-11-30 17:36:59 +0000 UTC", optionally with fractional seconds),
/// or RFC 3339.
fn aws_time(s: &str) -> Option<i64> {
    if let Ok(t) = rotation::parse_rfc3339(s) {
        return Some(t);
    }
    let mut parts = s.split(' ');
    let (date, time, offset) = (parts.next()?, parts.next()?, parts.next()?);
    let time = time.split('.').next()?;
    if offset.len() != 5 || !offset.is_char_boundary(3) {
        return None;
    }
    let (sign, hh, mm) = (&offset[..1], &offset[1..3], &offset[3..]);
    if !matches!(sign, "+" | "-") {
        return None;
    }
    let at = rotation::parse_rfc3339(&format!("{date}T{time}{sign}{hh}:{mm}")).ok()?;
    // The zone's name (UTC, or an abbreviation) repeats the offset.
    (parts.count() <= 1).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::StopToken;

    const NOW: i64 = 1_796_000_000;

    fn pem() -> String {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.not_before = rcgen::date_time_ymd(2026, 11, 30);
        params.not_after = rcgen::date_time_ymd(2027, 11, 30);
        params.self_signed(&key).expect("cert").pem()
    }

    fn request(version: i64, state: serde_json::Value) -> MoveStateRequest {
        MoveStateRequest {
            source_provider_address: AWS_PROVIDERS[0].to_string(),
            source_type_name: AWS_TYPE.to_string(),
            source_schema_version: version,
            source_state: state,
            source_private: Vec::new(),
            stop: StopToken::never(),
        }
    }

    fn aws_state(pem: &str) -> serde_json::Value {
        serde_json::json!({
            "arn": "arn:aws:apigateway:us-east-1::/clientcertificates/a7e01v",
            "created_date": "2026-11-30 00:00:00 +0000 UTC",
            "description": "payments backend",
            "expiration_date": "2027-11-30 00:00:00 +0000 UTC",
            "id": "a7e01v",
            "pem_encoded_certificate": pem,
            "tags": {"team": "payments"},
            "tags_all": {"env": "prod", "team": "payments"},
        })
    }

    #[test]
    fn the_aws_certificate_becomes_the_current_one_of_a_new_series() {
        let pem = pem();
        let (state, private) = from_aws(&request(0, aws_state(&pem)), NOW).expect("moved");
        assert_eq!(state.id, "a7e01v");
        let current = state.series.current.clone().expect("current");
        assert_eq!(current.id, "a7e01v");
        assert_eq!(current.pem, pem);
        assert_eq!(
            current.expires,
            rotation::parse_rfc3339("2027-11-30T00:00:00Z").expect("t")
        );
        assert!(state.series.pending.is_none() && state.series.previous.is_none());
        assert_eq!(state.description.as_deref(), Some("payments backend"));
        assert_eq!(
            state.tags,
            BTreeMap::from([
                ("env".to_string(), "prod".to_string()),
                ("team".to_string(), "payments".to_string())
            ])
        );
        assert_eq!(state.rotate_before.as_deref(), Some(DEFAULT_ROTATE_BEFORE));
        assert!(!state.rotation_due, "expires a year after {NOW}");
        assert_eq!(private.observed_at, Some(NOW));
        assert!(private.adopt_triggers);
        // The state round-trips through its Terraform value.
        assert_eq!(State::from_value(&state.to_value()).expect("decode"), state);
    }

    #[test]
    fn a_certificate_inside_its_window_is_due_at_once() {
        let due_at = rotation::parse_rfc3339("2027-11-01T00:00:00Z").expect("t");
        let (state, _) = from_aws(&request(0, aws_state(&pem())), due_at).expect("moved");
        assert!(state.rotation_due);
    }

    #[test]
    fn the_aws_providers_time_formats_are_read() {
        let t = rotation::parse_rfc3339("2026-11-30T17:36:59Z").expect("t");
        assert_eq!(aws_time("2026-11-30 17:36:59 +0000 UTC"), Some(t));
        assert_eq!(aws_time("2026-11-30 17:36:59.123456789 +0000 UTC"), Some(t));
        assert_eq!(aws_time("2026-11-30 18:36:59 +0100 CET"), Some(t));
        assert_eq!(aws_time("2026-11-30T17:36:59Z"), Some(t));
        for bad in [
            "",
            "yesterday",
            "2026-11-30 17:36:59",
            "2026-11-30 17:36:59 UTC",
        ] {
            assert_eq!(aws_time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn unusable_source_states_name_the_attribute_and_value() {
        let pem = pem();
        let mut bad_date = aws_state(&pem);
        bad_date["expiration_date"] = serde_json::json!("next year");
        let d = from_aws(&request(0, bad_date), NOW).expect_err("bad date");
        assert!(
            d.detail.contains("`expiration_date` of a7e01v") && d.detail.contains("\"next year\""),
            "{}",
            d.detail
        );
        let mut no_pem = aws_state(&pem);
        no_pem["pem_encoded_certificate"] = serde_json::json!("not a certificate");
        let d = from_aws(&request(0, no_pem), NOW).expect_err("bad pem");
        assert!(d.detail.contains("cannot be read"), "{}", d.detail);
        let d = from_aws(&request(1, aws_state(&pem)), NOW).expect_err("newer schema");
        assert!(d.detail.contains("schema version 1"), "{}", d.detail);
        assert!(d.detail.contains("Nothing was changed"), "{}", d.detail);
    }
}

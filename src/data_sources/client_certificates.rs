//! Data source `apigw_client_certificates`: the inventory of every client
//! certificate in the region, with "is it due?" answered by the rotation crate
//! as of the read, and ID lists shaped for `check` blocks.
//!
//! All certificates come from the provider's one shared paged listing, so a
//! read costs one GetClientCertificates request however many certificates
//! exist (and none when a resource already listed them in this process).

use std::collections::{BTreeMap, HashMap};

use crate::apigw::{Certificate, StageRef};
use crate::context::Context;
use tfplugin::model::Model as _;
use tfplugin::{
    Block, DataSource, Diagnostic, Diagnostics, Schema, StopToken, Value, diag::null_map_elements,
};

pub const TYPE_NAME: &str = "apigw_client_certificates";
use rotation::DEFAULT_ROTATE_BEFORE;

pub struct ClientCertificates {
    context: Context,
}

impl ClientCertificates {
    pub fn new(context: Context) -> Self {
        ClientCertificates { context }
    }
}

tfplugin::model! {
    /// One stage presenting a certificate.
    #[derive(Clone, Debug, PartialEq)]
    struct StageUsage {
        rest_api_id: String = computed("ID of the REST API the stage belongs to."),
        rest_api_name: String = computed("Name of the REST API the stage belongs to."),
        stage_name: String = computed("Name of the stage that presents the certificate."),
    }
}

tfplugin::model! {
    /// One object of `certificates`, each field described on its own.
    #[derive(Clone, Debug, PartialEq)]
    struct CertificateRow {
        id: String = computed(
            "ID of the client certificate, the value a stage's `client_certificate_id` holds.",
        ),
        description: Option<String> = computed(
            "Description of the certificate; null when it has none.",
        ),
        tags: BTreeMap<String, String> = computed(
            "Tags of the certificate; an empty map when it has none.",
        ),
        pem: String = computed(
            "PEM-encoded public certificate: what a backend trusts to accept the \
             gateway's calls. The private key never leaves API Gateway.",
        ),
        created_date: String = computed(
            "When API Gateway created the certificate (RFC 3339, UTC).",
        ),
        expiration_date: String = computed("When the certificate expires (RFC 3339, UTC)."),
        rotation_due_date: String = computed(
            "Start of the rotation window: `expiration_date` minus `rotate_before` \
             (RFC 3339, UTC).",
        ),
        rotation_due: bool = computed(
            "True when, as of the read, the certificate is inside its rotation window \
             (at or after `rotation_due_date`), expired certificates included.",
        ),
        expired: bool = computed(
            "True when, as of the read, the certificate has expired (at or after \
             `expiration_date`).",
        ),
        days_until_expiry: i64 = computed(
            "Whole days from the read until `expiration_date`, rounded down; negative \
             exactly when `expired` is true (0 means valid, less than a day left).",
        ),
        stages: Option<Vec<StageUsage>> = computed(
            "REST API stages that present the certificate, ordered by API name, API ID \
             and stage name. Null unless `include_stage_usage` is true; an empty list \
             when no stage uses the certificate.",
        ),
    }
}

tfplugin::model! {
    /// The data source's configuration and state.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Inventory {
        rotate_before: Option<String> = optional_computed(
            &format!(
                "Rotation window: a certificate is due when the read happens at or \
                 after its expiration minus this duration. Written like `60d`, `36h` \
                 or `1d12h` (units s, m, h, d). Defaults to `{DEFAULT_ROTATE_BEFORE}`."
            ),
        ),
        tags: Option<BTreeMap<String, String>> = optional(
            "Only certificates that carry every one of these tags (same key and \
             value) are returned. Omit it to return all certificates.",
        ),
        include_stage_usage: Option<bool> = optional_computed(
            "When true, each certificate lists the REST API stages that present \
             it, from one scan of every REST API and its stages per provider \
             process. Defaults to false, which makes no stage calls.",
        ),
        certificates: Option<Vec<CertificateRow>> = computed(
            "The matching certificates, soonest expiration first.",
        ),
        due_certificate_ids: Option<Vec<String>> = computed(
            "IDs of the matching certificates inside their rotation window, \
             expired ones included, soonest expiration first.",
        ),
        expired_certificate_ids: Option<Vec<String>> = computed(
            "IDs of the matching certificates that have already expired, soonest \
             expiration first.",
        ),
        orphaned_certificate_ids: Option<Vec<String>> = computed(
            &format!(
                "IDs of the matching certificates that this provider generated but no \
                 apply received: an apply was interrupted (killed, or its machine \
                 lost) after API Gateway created the certificate. They still carry \
                 the provider's `{}` tag; certificates created in the last {} \
                 minutes are left out, as their apply may still be running. No \
                 configuration records them: delete them once no stage presents them.",
                rotation::ATTEMPT_TAG,
                rotation::UNRECORDED_GRACE / 60,
            ),
        ),
    }
}

#[async_trait::async_trait]
impl DataSource for ClientCertificates {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "Lists every API Gateway client certificate in the provider's \
                              region and says, as of the read, which ones are due for rotation \
                              or already expired. Made for `check` blocks: assert that \
                              `due_certificate_ids` is empty and every `terraform plan` warns \
                              about certificates that need attention. All certificates come \
                              from one paged listing per provider process."
                    .to_string(),
                attributes: Inventory::attributes(),
                blocks: Vec::new(),
                deprecated: false,
            },
        }
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = null_map_elements(config, &["tags"]);
        if let Some(s) = config.get("rotate_before").as_str() {
            diags.extend(parse_window(s).err());
        }
        diags
    }

    async fn read(&self, config: Value, _stop: StopToken) -> (Value, Diagnostics) {
        let nulls = null_map_elements(&config, &["tags"]);
        if !nulls.is_empty() {
            return (Value::Null, nulls);
        }
        let mut inventory = match Inventory::decode(&config) {
            Ok(i) => i,
            Err(d) => return (Value::Null, vec![d]),
        };
        let window_text = inventory
            .rotate_before
            .clone()
            .unwrap_or_else(|| DEFAULT_ROTATE_BEFORE.to_string());
        let window = match parse_window(&window_text) {
            Ok(w) => w,
            Err(d) => return (Value::Null, vec![d]),
        };
        let include_stages = inventory.include_stage_usage.unwrap_or(false);
        let filter = inventory.tags.clone().unwrap_or_default();

        let client = match self.context.client() {
            Ok(c) => c,
            Err(d) => return (Value::Null, vec![d]),
        };
        let certs = match client.list_certificates().await {
            Ok(c) => c,
            Err(e) => {
                return (
                    Value::Null,
                    vec![e.to_diagnostic("Cannot list API Gateway client certificates")],
                );
            }
        };
        let stages = if include_stages {
            match client.stage_usage().await {
                Ok(s) => Some(s),
                Err(e) => {
                    return (
                        Value::Null,
                        vec![e.to_diagnostic("Cannot scan REST API stages for certificate usage")],
                    );
                }
            }
        } else {
            None
        };
        let now = self.context.now();
        let report = Report::build(&certs, stages.as_deref(), &filter, window, now);
        report.fill(&mut inventory);
        inventory.rotate_before = Some(window_text);
        inventory.include_stage_usage = Some(include_stages);
        (inventory.encode(), Vec::new())
    }
}

fn parse_window(s: &str) -> Result<u64, Diagnostic> {
    rotation::parse_duration(s).map_err(|e| {
        Diagnostic::error(
            "Invalid rotate_before",
            format!("rotate_before: {e}. Use a window such as \"60d\"."),
        )
        .at("rotate_before")
    })
}

/// The computed part of the data source, independent of the protocol so it
/// can be tested with plain values.
#[derive(Debug, PartialEq)]
struct Report {
    rows: Vec<Row>,
}

#[derive(Debug, PartialEq)]
struct Row {
    cert: Certificate,
    due_date: i64,
    due: bool,
    expired: bool,
    orphaned: bool,
    days_left: i64,
    stages: Option<Vec<StageRef>>,
}

impl Report {
    fn build(
        certs: &[Certificate],
        stages: Option<&[StageRef]>,
        filter: &BTreeMap<String, String>,
        window: u64,
        now: i64,
    ) -> Report {
        let mut by_cert: HashMap<&str, Vec<StageRef>> = HashMap::new();
        for s in stages.unwrap_or_default() {
            if let Some(id) = s.client_certificate_id.as_deref() {
                by_cert.entry(id).or_default().push(s.clone());
            }
        }
        let mut rows: Vec<Row> = certs
            .iter()
            .filter(|c| filter.iter().all(|(k, v)| c.tags.get(k) == Some(v)))
            .map(|c| Row {
                cert: c.clone(),
                due_date: rotation::rotation_due_date(c.expires, window),
                due: rotation::is_due(now, c.expires, window),
                expired: rotation::is_expired(now, c.expires),
                orphaned: !crate::apigw::Client::unrecorded(std::slice::from_ref(c), now)
                    .is_empty(),
                days_left: rotation::days_left(now, c.expires),
                stages: stages.map(|_| {
                    let mut v = by_cert.get(c.id.as_str()).cloned().unwrap_or_default();
                    v.sort_by(|a, b| {
                        (&a.rest_api_name, &a.rest_api_id, &a.stage_name).cmp(&(
                            &b.rest_api_name,
                            &b.rest_api_id,
                            &b.stage_name,
                        ))
                    });
                    v
                }),
            })
            .collect();
        rows.sort_by(|a, b| (a.cert.expires, &a.cert.id).cmp(&(b.cert.expires, &b.cert.id)));
        Report { rows }
    }

    /// Sets the computed attributes of the data source.
    fn fill(&self, inventory: &mut Inventory) {
        let certificates = self
            .rows
            .iter()
            .map(|r| CertificateRow {
                id: r.cert.id.clone(),
                description: r.cert.description.clone(),
                tags: r.cert.tags.clone(),
                pem: r.cert.pem.clone(),
                created_date: rotation::format_rfc3339(r.cert.created),
                expiration_date: rotation::format_rfc3339(r.cert.expires),
                rotation_due_date: rotation::format_rfc3339(r.due_date),
                rotation_due: r.due,
                expired: r.expired,
                days_until_expiry: r.days_left,
                stages: r.stages.as_ref().map(|stages| {
                    stages
                        .iter()
                        .map(|s| StageUsage {
                            rest_api_id: s.rest_api_id.clone(),
                            rest_api_name: s.rest_api_name.clone(),
                            stage_name: s.stage_name.clone(),
                        })
                        .collect()
                }),
            })
            .collect();
        let ids = |pick: fn(&Row) -> bool| {
            let picked = self.rows.iter().filter(|r| pick(r));
            Some(picked.map(|r| r.cert.id.clone()).collect())
        };
        inventory.certificates = Some(certificates);
        inventory.due_certificate_ids = ids(|r| r.due);
        inventory.expired_certificate_ids = ids(|r| r.expired);
        inventory.orphaned_certificate_ids = ids(|r| r.orphaned);
    }

    #[cfg(test)]
    fn to_value(&self) -> Value {
        let mut inventory = Inventory::default();
        self.fill(&mut inventory);
        inventory.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::{Attribute, Type};

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_800_000_000;

    fn cert(id: &str, expires_in_days: i64, tags: &[(&str, &str)]) -> Certificate {
        Certificate {
            id: id.to_string(),
            description: Some(format!("cert {id}")),
            pem: format!("PEM {id}"),
            created: NOW - 300 * DAY,
            expires: NOW + expires_in_days * DAY,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            mark: Default::default(),
        }
    }

    fn window() -> u64 {
        rotation::Policy::default().rotate_before
    }

    fn ids(v: &Value, attr: &str) -> Vec<String> {
        match v.get(attr) {
            Value::List(items) => items
                .iter()
                .map(|i| i.as_str().expect("string").to_string())
                .collect(),
            other => panic!("{attr} is not a list: {other:?}"),
        }
    }

    #[test]
    fn orphaned_are_marked_certificates_past_the_grace_period() {
        let marked = |id: &str, created: i64| Certificate {
            created,
            mark: crate::apigw::Mark {
                series: None,
                attempt: Some(format!("token-{id}")),
            },
            ..cert(id, 100, &[])
        };
        let certs = vec![
            cert("recorded", 100, &[]),
            marked("interrupted", NOW - rotation::UNRECORDED_GRACE),
            marked("in-flight", NOW - rotation::UNRECORDED_GRACE + 1),
        ];
        let v = Report::build(&certs, None, &BTreeMap::new(), window(), NOW).to_value();
        assert_eq!(ids(&v, "orphaned_certificate_ids"), ["interrupted"]);
    }

    #[test]
    fn due_and_expired_follow_the_rotation_crate_at_the_boundary() {
        let certs = vec![
            cert("fresh", 61, &[]),
            cert("edge", 60, &[]),
            cert("soon", 10, &[]),
            cert("gone", -1, &[]),
        ];
        let v = Report::build(&certs, None, &BTreeMap::new(), window(), NOW).to_value();
        assert_eq!(ids(&v, "due_certificate_ids"), ["gone", "soon", "edge"]);
        assert_eq!(ids(&v, "expired_certificate_ids"), ["gone"]);
        let Value::List(rows) = v.get("certificates") else {
            panic!("certificates is not a list")
        };
        let fresh = rows.last().expect("fresh is last");
        assert_eq!(fresh.get("id"), &Value::string("fresh"));
        assert_eq!(fresh.get("rotation_due"), &Value::Bool(false));
        assert_eq!(fresh.get("days_until_expiry"), &Value::number(61.0));
        assert_eq!(
            fresh.get("expiration_date"),
            &Value::string(rotation::format_rfc3339(NOW + 61 * DAY))
        );
        assert_eq!(
            fresh.get("rotation_due_date"),
            &Value::string(rotation::format_rfc3339(NOW + DAY))
        );
        assert_eq!(fresh.get("stages"), &Value::Null);
        assert_eq!(rows[0].get("days_until_expiry"), &Value::number(-1.0));
        assert_eq!(rows[0].get("expired"), &Value::Bool(true));
    }

    #[tokio::test]
    async fn a_null_tag_in_the_filter_is_an_error_not_an_empty_filter() {
        let ds = ClientCertificates::new(Context::default());
        let config = Value::object([(
            "tags",
            Value::Map(BTreeMap::from([("team".to_string(), Value::Null)])),
        )]);
        let diags = ds.validate(&config).await;
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].attribute,
            Some(tfplugin::AttributePath::attr("tags").then_key("team"))
        );
        let (value, diags) = ds.read(config, StopToken::never()).await;
        assert!(value.is_null());
        assert!(
            diags[0].detail.contains("tags[\"team\"] is null"),
            "{diags:?}"
        );
    }

    #[test]
    fn nothing_due_gives_empty_lists() {
        let certs = vec![cert("a", 200, &[]), cert("b", 300, &[])];
        let v = Report::build(&certs, None, &BTreeMap::new(), window(), NOW).to_value();
        assert!(ids(&v, "due_certificate_ids").is_empty());
        assert!(ids(&v, "expired_certificate_ids").is_empty());
    }

    #[test]
    fn tag_filter_requires_every_pair() {
        let certs = vec![
            cert("a", 10, &[("team", "pay"), ("env", "prod")]),
            cert("b", 10, &[("team", "pay")]),
            cert("c", 10, &[("team", "ops"), ("env", "prod")]),
        ];
        let filter = BTreeMap::from([
            ("team".to_string(), "pay".to_string()),
            ("env".to_string(), "prod".to_string()),
        ]);
        let v = Report::build(&certs, None, &filter, window(), NOW).to_value();
        assert_eq!(ids(&v, "due_certificate_ids"), ["a"]);
    }

    #[test]
    fn stage_usage_is_attached_per_certificate() {
        let certs = vec![cert("a", 10, &[]), cert("b", 100, &[])];
        let stage = |api: &str, name: &str, stage: &str, c: Option<&str>| StageRef {
            rest_api_id: api.to_string(),
            rest_api_name: name.to_string(),
            stage_name: stage.to_string(),
            client_certificate_id: c.map(str::to_string),
        };
        let stages = vec![
            stage("api2", "orders", "prod", Some("a")),
            stage("api1", "billing", "prod", Some("a")),
            stage("api1", "billing", "dev", None),
        ];
        let v = Report::build(&certs, Some(&stages), &BTreeMap::new(), window(), NOW).to_value();
        let Value::List(rows) = v.get("certificates") else {
            panic!("not a list")
        };
        let Value::List(used) = rows[0].get("stages") else {
            panic!("stages of a should be a list")
        };
        assert_eq!(used.len(), 2);
        assert_eq!(used[0].get("rest_api_name"), &Value::string("billing"));
        assert_eq!(rows[1].get("stages"), &Value::List(Vec::new()));
    }

    fn schema() -> Schema {
        ClientCertificates::new(Context::default()).schema()
    }

    #[test]
    fn certificates_keep_their_type_now_that_each_field_is_described() {
        let stage = Type::Object(BTreeMap::from([
            ("rest_api_id".to_string(), Type::String),
            ("rest_api_name".to_string(), Type::String),
            ("stage_name".to_string(), Type::String),
        ]));
        let certificate = Type::Object(BTreeMap::from([
            ("id".to_string(), Type::String),
            ("description".to_string(), Type::String),
            ("tags".to_string(), Type::Map(Box::new(Type::String))),
            ("pem".to_string(), Type::String),
            ("created_date".to_string(), Type::String),
            ("expiration_date".to_string(), Type::String),
            ("rotation_due_date".to_string(), Type::String),
            ("rotation_due".to_string(), Type::Bool),
            ("expired".to_string(), Type::Bool),
            ("days_until_expiry".to_string(), Type::Number),
            ("stages".to_string(), Type::List(Box::new(stage))),
        ]));
        let Type::Object(attrs) = schema().value_type() else {
            panic!("schema type is not an object")
        };
        assert_eq!(attrs["certificates"], Type::List(Box::new(certificate)));
    }

    #[test]
    fn every_attribute_and_nested_attribute_is_described_in_a_sentence() {
        fn check(attrs: &[Attribute], path: &str, count: &mut usize) {
            for a in attrs {
                let name = format!("{path}{}", a.name);
                assert!(
                    a.description.len() > 20 && a.description.ends_with('.'),
                    "{name}: {:?}",
                    a.description
                );
                *count += 1;
                if let Some(n) = &a.nested {
                    assert!(a.computed, "{name}");
                    assert!(
                        n.attributes.iter().all(|c| c.computed && !c.optional),
                        "{name}: fields of a computed attribute are computed"
                    );
                    check(&n.attributes, &format!("{name}."), count);
                }
            }
        }
        let mut count = 0;
        check(&schema().block.attributes, "", &mut count);
        // 7 top-level, 11 certificate fields, 3 stage fields.
        assert_eq!(count, 21);
    }

    #[test]
    fn state_with_stages_round_trips_through_the_schema_type() {
        let certs = vec![cert("a", 10, &[("team", "pay")]), cert("b", 100, &[])];
        let stages = vec![StageRef {
            rest_api_id: "api1".to_string(),
            rest_api_name: "billing".to_string(),
            stage_name: "prod".to_string(),
            client_certificate_id: Some("a".to_string()),
        }];
        let mut state =
            Report::build(&certs, Some(&stages), &BTreeMap::new(), window(), NOW).to_value();
        state.set("rotate_before", Value::string("60d"));
        state.set("include_stage_usage", Value::Bool(true));
        state.set("tags", Value::Null);
        let ty = schema().value_type();
        let bytes = tfplugin::codec::to_msgpack(&state, &ty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tfplugin::codec::from_msgpack(&bytes, &ty), Ok(state));
    }

    #[test]
    fn invalid_window_names_the_attribute() {
        let d = parse_window("sixty days").expect_err("invalid");
        assert_eq!(d.summary, "Invalid rotate_before");
        assert!(d.detail.contains("sixty days"), "{}", d.detail);
        assert_eq!(
            d.attribute,
            Some(tfplugin::AttributePath::attr("rotate_before"))
        );
    }
}

//! Resource `apigw_stage_client_certificate`: which client certificate one
//! REST API stage presents to its backends.
//!
//! The resource owns one attribute of a stage it does not manage (REST APIs
//! and stages usually come from elsewhere). Sequencing is left to the
//! Terraform graph: the attachment reads a rotating certificate's
//! `current_certificate_id` and `depends_on` whatever installs its
//! `trusted_pem_bundle`, so a backend trusts a certificate before the stage
//! presents it. Because a stage switch is the moment an outage can start,
//! create and update refuse a certificate that does not exist or has expired
//! instead of sending it to API Gateway.

use crate::apigw::{ApiError, Certificate, Client, StageRef, TestInvocation, TestInvoke};
use crate::context::Context;
use tfplugin::model::{Field as _, Model as _, Val};
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Diagnostic, Diagnostics,
    ImportedObject, NestedBlock, Nesting, PlanRequest, PlanResponse, ReadRequest, ReadResponse,
    Resource, Schema, StopToken, Type, Value,
};

pub const TYPE_NAME: &str = "apigw_stage_client_certificate";

pub struct StageClientCertificate {
    context: Context,
}

impl StageClientCertificate {
    pub fn new(context: Context) -> Self {
        StageClientCertificate { context }
    }
}

// ---- schema -------------------------------------------------------------------

tfplugin::model! {
    /// An attachment as configured, planned and stored: the schema, decoding
    /// and encoding all come from this one definition.
    #[derive(Clone, Debug, PartialEq)]
    struct Attachment {
        id: Val<String> = computed(
            "`<rest_api_id>/<stage_name>`, the same form `terraform import` accepts.",
        ),
        rest_api_id: Val<String> = required(
            "ID of the REST API that owns the stage (for example `a1b2c3d4e5`). \
             Changing it replaces the resource: the old stage is detached (see \
             `detach_on_destroy`) and the new one attached.",
            requires_replace(),
        ),
        stage_name: Val<String> = required(
            "Name of the stage (for example `prod`). Changing it replaces the \
             resource.",
            requires_replace(),
        ),
        client_certificate_id: Val<String> = required(
            "ID of the client certificate the stage presents to its backends, \
             usually `apigw_rotating_client_certificate.<name>.current_certificate_id`. \
             It must exist and must not have expired when the stage is switched to \
             it. Changes apply in place.",
        ),
        detach_on_destroy: Val<bool> = optional_computed(
            "When true (the default), destroying this resource removes the client \
             certificate from the stage, so the stage presents none. Only the \
             certificate this resource recorded is removed: a stage that presents \
             another one by then (another attachment, or a change made outside \
             Terraform and not refreshed) is left as it is, with a warning. Set it \
             to false to leave the stage as it is when this resource is destroyed or \
             replaced. To rename or move an attachment, use a `moved` block: \
             otherwise Terraform attaches the new address and detaches the old one \
             in no fixed order.",
            default_value(true),
        ),
        verify: Value = block("The `verify` block; its schema is `verify_block()`."),
    }
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Attaches a client certificate to one stage of a REST API: API Gateway \
                          then presents that certificate to the stage's HTTP backends. The \
                          REST API and the stage themselves are not managed by this resource.\n\n\
                          Create and update check that the certificate exists and has not \
                          expired before they switch the stage, and refresh reports a \
                          certificate changed outside Terraform as drift. To rotate safely, \
                          set `client_certificate_id` from an \
                          `apigw_rotating_client_certificate`'s `current_certificate_id` and \
                          add `depends_on` on whatever installs its `trusted_pem_bundle` in \
                          the backends: in one apply, the backends then trust a new \
                          certificate before the stage presents it."
                .to_string(),
            attributes: Attachment::attributes(),
            blocks: vec![NestedBlock {
                type_name: "verify".to_string(),
                block: verify_block(),
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 0,
            }],
            deprecated: false,
        },
    }
}

const VERIFY_DEFAULT_METHOD: &str = "GET";
const VERIFY_DEFAULT_ATTEMPTS: i64 = 3;
const VERIFY_DEFAULT_SUCCESSES: i64 = 1;
const VERIFY_DEFAULT_INTERVAL: i64 = 2;
const VERIFY_MAX_ATTEMPTS: i64 = 100;
const VERIFY_MAX_INTERVAL: i64 = 600;

fn verify_block() -> Block {
    Block {
        description: "Asks the backend whether it trusts the new certificate before the stage \
                      presents it. Before every switch to a different certificate, the \
                      provider calls API Gateway's TestInvokeMethod on `path` presenting the \
                      new certificate (with the stage's variables, so the integration URI is \
                      the stage's). Unless the backend answers one of `accepted_statuses` \
                      `successes` times in a row within `attempts`, the apply fails naming \
                      the stage, the route, the certificate and the backend's answer, and \
                      the stage keeps the certificate it had. Use one \
                      attachment per stage, and point `path` at a health route that reaches \
                      every backend that must trust the certificate (one route per backend \
                      when a stage fronts several)."
            .to_string(),
        attributes: vec![
            Attribute::required(
                "path",
                Type::String,
                "Path of the REST API resource to call, as API Gateway shows it (for \
                 example `/health`). It must be a resource of the stage's REST API whose \
                 method `http_method` has an HTTP or HTTP_PROXY integration.",
            ),
            Attribute::optional(
                "http_method",
                Type::String,
                "HTTP method of the resource's method to call. Defaults to `GET`.",
            ),
            Attribute::optional(
                "accepted_statuses",
                Type::List(Box::new(Type::Number)),
                "HTTP statuses that count as \"the backend accepts the certificate\". \
                 Defaults to `[200]`.",
            ),
            Attribute::optional(
                "attempts",
                Type::Number,
                "How many times to ask before refusing the switch, from 1 to 100: a \
                 backend that reloads its trust store every few seconds may need more than \
                 one. Defaults to 3.",
            ),
            Attribute::optional(
                "interval_seconds",
                Type::Number,
                "Seconds to wait between attempts, from 0 to 600. Defaults to 2.",
            ),
            Attribute::optional(
                "successes",
                Type::Number,
                "How many accepted answers in a row the switch needs, from 1 to `attempts`. \
                 One accepted answer shows that one server trusts the certificate on one \
                 connection; a backend that reloads gracefully (old workers keep \
                 accepting connections for a moment after the reload) or several servers \
                 behind the route can still refuse the next one. Answers are \
                 `interval_seconds` apart, so `successes = 2` with a few seconds between \
                 them asks again once a reload has settled; every switch then takes at \
                 least (`successes` - 1) x `interval_seconds`. A refused answer starts the \
                 count again; the attempts stop early once the rest cannot reach it. \
                 Defaults to 1.",
            ),
        ],
        blocks: Vec::new(),
        deprecated: false,
    }
}

/// The `verify` block with its defaults applied.
#[derive(Debug, Clone, PartialEq)]
struct Verify {
    path: String,
    http_method: String,
    accepted_statuses: Vec<i64>,
    attempts: i64,
    interval_seconds: i64,
    successes: i64,
}

impl Verify {
    /// `None` when the block is absent (or not known yet).
    fn from_value(v: &Value) -> Option<Verify> {
        let block = v.get("verify");
        let path = block.get("path").as_str()?.to_string();
        let accepted_statuses = match block.get("accepted_statuses") {
            Value::List(items) => items.iter().filter_map(Value::as_i64).collect(),
            _ => vec![200],
        };
        Some(Verify {
            path,
            http_method: block
                .get("http_method")
                .as_str()
                .unwrap_or(VERIFY_DEFAULT_METHOD)
                .to_string(),
            accepted_statuses,
            attempts: block
                .get("attempts")
                .as_i64()
                .unwrap_or(VERIFY_DEFAULT_ATTEMPTS),
            interval_seconds: block
                .get("interval_seconds")
                .as_i64()
                .unwrap_or(VERIFY_DEFAULT_INTERVAL),
            successes: block
                .get("successes")
                .as_i64()
                .unwrap_or(VERIFY_DEFAULT_SUCCESSES),
        })
    }

    fn route(&self) -> String {
        format!("{} {}", self.http_method, self.path)
    }
}

fn validate_verify(config: &Value, diags: &mut Diagnostics) {
    let block = config.get("verify");
    if block.is_null() || block.is_unknown() {
        return;
    }
    let at = |attr: &str| AttributePath::attr("verify").then_attr(attr);
    if let Some(path) = block.get("path").as_str()
        && !path.starts_with('/')
    {
        diags.push(
            Diagnostic::error(
                "Invalid verify path",
                format!(
                    "verify.path = \"{path}\": expected the path of a REST API resource, \
                     starting with '/', for example \"/health\"."
                ),
            )
            .at_path(at("path")),
        );
    }
    if let Some(m) = block.get("http_method").as_str()
        && ![
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
        ]
        .contains(&m)
    {
        diags.push(
            Diagnostic::error(
                "Invalid verify http_method",
                format!(
                    "verify.http_method = \"{m}\": expected one of GET, POST, PUT, DELETE, \
                     PATCH, HEAD, OPTIONS or ANY."
                ),
            )
            .at_path(at("http_method")),
        );
    }
    if let Value::List(items) = block.get("accepted_statuses") {
        if items.is_empty() {
            diags.push(
                Diagnostic::error(
                    "Invalid verify accepted_statuses",
                    "verify.accepted_statuses = []: expected at least one HTTP status, for \
                     example [200].",
                )
                .at_path(at("accepted_statuses")),
            );
        }
        for item in items {
            if item.is_unknown() {
                continue;
            }
            if !item.as_i64().is_some_and(|s| (100..=599).contains(&s)) {
                diags.push(
                    Diagnostic::error(
                        "Invalid verify accepted_statuses",
                        format!(
                            "verify.accepted_statuses contains {}: expected HTTP statuses \
                             from 100 to 599.",
                            item.as_f64().map_or("null".to_string(), |f| f.to_string())
                        ),
                    )
                    .at_path(at("accepted_statuses")),
                );
            }
        }
    }
    for (attr, low, high) in [
        ("attempts", 1, VERIFY_MAX_ATTEMPTS),
        ("interval_seconds", 0, VERIFY_MAX_INTERVAL),
        ("successes", 1, VERIFY_MAX_ATTEMPTS),
    ] {
        let v = block.get(attr);
        if v.is_null() || v.is_unknown() {
            continue;
        }
        if !v.as_i64().is_some_and(|n| (low..=high).contains(&n)) {
            diags.push(
                Diagnostic::error(
                    format!("Invalid verify {attr}"),
                    format!(
                        "verify.{attr} = {}: expected a whole number from {low} to {high}.",
                        v.as_f64().map_or("null".to_string(), |f| f.to_string())
                    ),
                )
                .at_path(at(attr)),
            );
        }
    }
    // Both known and each valid on its own (attempts may be its default):
    // more successes than attempts could never pass.
    let attempts = block.get("attempts");
    let attempts = if attempts.is_null() {
        Some((VERIFY_DEFAULT_ATTEMPTS, true))
    } else {
        attempts
            .as_i64()
            .filter(|n| (1..=VERIFY_MAX_ATTEMPTS).contains(n))
            .map(|n| (n, false))
    };
    if let (Some(successes), Some((attempts, default))) =
        (block.get("successes").as_i64(), attempts)
        && (1..=VERIFY_MAX_ATTEMPTS).contains(&successes)
        && let Some(d) = successes_beyond_attempts(successes, attempts, default)
    {
        diags.push(d);
    }
}

/// The error for `successes` no run of `attempts` answers can reach.
fn successes_beyond_attempts(successes: i64, attempts: i64, default: bool) -> Option<Diagnostic> {
    let shown = if default {
        format!("{attempts}, its default")
    } else {
        attempts.to_string()
    };
    (successes > attempts).then(|| {
        Diagnostic::error(
            "Invalid verify successes",
            format!(
                "verify.successes = {successes}: expected at most verify.attempts ({shown}), \
                 since every success is one attempt. Raise attempts to at least {successes}, \
                 or lower successes."
            ),
        )
        .at_path(AttributePath::attr("verify").then_attr("successes"))
    })
}

// ---- validation ---------------------------------------------------------------

fn validate_config(config: &Value) -> Diagnostics {
    let typed = match Attachment::decode(config) {
        Ok(c) => c,
        Err(d) => return vec![d],
    };
    let mut diags = Vec::new();
    for (attr, value) in [
        ("rest_api_id", &typed.rest_api_id),
        ("stage_name", &typed.stage_name),
        ("client_certificate_id", &typed.client_certificate_id),
    ] {
        if let Some(s) = value.known()
            && s.trim().is_empty()
        {
            diags.push(
                Diagnostic::error(
                    format!("Empty {attr}"),
                    format!("{attr} = \"{s}\": expected a non-empty {}.", what(attr)),
                )
                .at(attr),
            );
        }
    }
    if let Some(stage) = typed.stage_name.known()
        && stage.contains('/')
    {
        diags.push(
            Diagnostic::error(
                "Invalid stage_name",
                format!(
                    "stage_name = \"{stage}\": stage names cannot contain '/'. Set only the \
                     stage's name (for example \"prod\"), and the REST API in rest_api_id."
                ),
            )
            .at("stage_name"),
        );
    }
    validate_verify(config, &mut diags);
    diags
}

fn what(attr: &str) -> &'static str {
    match attr {
        "rest_api_id" => "REST API ID such as \"a1b2c3d4e5\"",
        "stage_name" => "stage name such as \"prod\"",
        _ => "client certificate ID",
    }
}

// ---- plan ---------------------------------------------------------------------

/// Replacement (a new REST API or stage) and the `detach_on_destroy` default
/// are declared in the schema; what is left is the ID, known at plan time.
fn plan_change(req: &PlanRequest) -> PlanResponse {
    let respond = |planned_state, diagnostics| PlanResponse {
        planned_state,
        requires_replace: Vec::new(),
        planned_private: Vec::new(),
        diagnostics,
    };
    if req.proposed_new_state.is_null() {
        return respond(Value::Null, Vec::new());
    }
    match Attachment::decode(&req.proposed_new_state) {
        Ok(mut planned) => {
            planned.id = composite_id(&planned.rest_api_id, &planned.stage_name);
            let planned = planned.encode();
            let notes = verify_note(&req.prior_state, &planned)
                .into_iter()
                .collect();
            respond(planned, notes)
        }
        Err(d) => respond(req.proposed_new_state.clone(), vec![d]),
    }
}

/// Says in the plan that a switch (a promotion, a rotation) will first ask the
/// backend, so the reviewer knows the apply can refuse it.
fn verify_note(prior: &Value, planned: &Value) -> Option<Diagnostic> {
    let verify = Verify::from_value(planned)?;
    // A new REST API or stage is a replacement, not a switch.
    let stage = planned.get("stage_name").as_str()?;
    let api = planned.get("rest_api_id").as_str()?;
    if prior.get("stage_name").as_str() != Some(stage)
        || prior.get("rest_api_id").as_str() != Some(api)
    {
        return None;
    }
    let old = prior.get("client_certificate_id").as_str()?;
    let new = planned.get("client_certificate_id");
    let new = match new.as_str() {
        Some(id) if id == old => return None,
        Some(id) => format!("client certificate \"{id}\""),
        None if new.is_unknown() => "its new client certificate (known after apply)".to_string(),
        None => return None,
    };
    let statuses = verify
        .accepted_statuses
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let times = match verify.successes {
        n if n > 1 => format!(", {n} times in a row"),
        _ => String::new(),
    };
    Some(Diagnostic::warning(
        format!("Switch of stage \"{stage}\" will be verified first"),
        format!(
            "Before stage \"{stage}\" of REST API \"{api}\" presents {new} instead of \
             \"{old}\", the apply calls TestInvokeMethod {} presenting it and switches only \
             when the backend answers {statuses}{times} (up to {} attempt(s), {} s apart). If \
             it never does, the apply fails and the stage keeps \"{old}\".",
            verify.route(),
            verify.attempts,
            verify.interval_seconds,
        ),
    ))
}

fn composite_id(rest_api_id: &Val<String>, stage_name: &Val<String>) -> Val<String> {
    match (rest_api_id.known(), stage_name.known()) {
        (Some(api), Some(stage)) => Val::Known(format!("{api}/{stage}")),
        _ => Val::Unknown,
    }
}

// ---- import -------------------------------------------------------------------

/// Splits `<rest_api_id>/<stage_name>`.
fn parse_import_id(id: &str) -> Result<(&str, &str), Diagnostic> {
    match id.split_once('/') {
        Some((api, stage))
            if !api.trim().is_empty() && !stage.trim().is_empty() && !stage.contains('/') =>
        {
            Ok((api, stage))
        }
        _ => Err(Diagnostic::error(
            "Invalid import ID",
            format!(
                "Import ID {id:?} is not of the form <rest_api_id>/<stage_name>. Expected \
                 the REST API ID and the stage name separated by one '/', for example \
                 \"a1b2c3d4e5/prod\"."
            ),
        )),
    }
}

// ---- CRUD ---------------------------------------------------------------------

#[async_trait::async_trait]
impl Resource for StageClientCertificate {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let keep = |diagnostics| ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            diagnostics,
        };
        let Some(model) = Attachment::decode(&req.current_state)
            .ok()
            .as_ref()
            .and_then(Model::of)
        else {
            return keep(Vec::new());
        };
        let client = match self.context.client() {
            Ok(c) => c,
            Err(d) => return keep(vec![d]),
        };
        match client
            .get_stage(&model.rest_api_id, &model.stage_name)
            .await
        {
            // The stage (or its API) is gone: so is the attachment. The next
            // plan proposes to create it, and apply explains what is missing.
            Ok(None) => ReadResponse {
                new_state: Value::Null,
                private: Vec::new(),
                diagnostics: Vec::new(),
            },
            Ok(Some(stage)) => {
                let mut state = match Attachment::decode(&req.current_state) {
                    Ok(s) => s,
                    Err(d) => return keep(vec![d]),
                };
                state.client_certificate_id = stage.client_certificate_id.into();
                state.id = Val::Known(model.id());
                if state.detach_on_destroy.is_null() {
                    state.detach_on_destroy = Val::Known(true);
                }
                ReadResponse {
                    new_state: state.encode(),
                    private: req.private.clone(),
                    diagnostics: Vec::new(),
                }
            }
            Err(e) => keep(vec![e.to_diagnostic(&format!(
                "Cannot read stage \"{}\" of REST API \"{}\"",
                model.stage_name, model.rest_api_id
            ))]),
        }
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        plan_change(&req)
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        if req.planned_state.is_null() {
            return self.destroy(&req.prior_state).await;
        }
        let unchanged = |diagnostics| ApplyResponse {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            diagnostics,
        };
        let (planned, prior) = match (
            Attachment::decode(&req.planned_state),
            Option::<Attachment>::from_value(&req.prior_state).map_err(|e| e.into_diagnostic()),
        ) {
            (Ok(planned), Ok(prior)) => (planned, prior),
            (Err(d), _) | (_, Err(d)) => return unchanged(vec![d]),
        };
        let Some(model) = Model::of(&planned) else {
            return unchanged(vec![Diagnostic::error(
                "Unknown stage at apply time",
                "rest_api_id and stage_name must be known when the stage is switched; got an \
                 unknown value. This is a bug in the provider or in Terraform.",
            )]);
        };
        let Some(certificate_id) = planned.client_certificate_id.known().cloned() else {
            return unchanged(vec![
                Diagnostic::error(
                    "Unknown client certificate at apply time",
                    "client_certificate_id must be known when the stage is switched; got null \
                     or an unknown value.",
                )
                .at("client_certificate_id"),
            ]);
        };
        let mut new_state = planned.clone();
        new_state.id = Val::Known(model.id());
        let new_state = new_state.encode();

        // Only detach_on_destroy changed: nothing to send to API Gateway.
        if let Some(prior) = &prior
            && prior.client_certificate_id.known() == Some(&certificate_id)
            && Model::of(prior).as_ref() == Some(&model)
        {
            return ApplyResponse {
                new_state,
                private: req.planned_private.clone(),
                diagnostics: Vec::new(),
            };
        }

        let client = match self.context.client() {
            Ok(c) => c,
            Err(d) => return unchanged(vec![d]),
        };
        let verify = Verify::from_value(&req.planned_state);
        if let Err(d) = self
            .attach(
                &client,
                &model,
                &certificate_id,
                self.context.now(),
                verify.as_ref(),
            )
            .await
        {
            return unchanged(vec![d]);
        }
        ApplyResponse {
            new_state,
            private: req.planned_private.clone(),
            diagnostics: Vec::new(),
        }
    }

    async fn import(&self, id: &str, _stop: StopToken) -> Result<Vec<ImportedObject>, Diagnostics> {
        let (rest_api_id, stage_name) = parse_import_id(id).map_err(|d| vec![d])?;
        let client = self.context.client().map_err(|d| vec![d])?;
        let model = Model {
            rest_api_id: rest_api_id.to_string(),
            stage_name: stage_name.to_string(),
        };
        let stage = match client.get_stage(rest_api_id, stage_name).await {
            Ok(Some(stage)) => stage,
            Ok(None) => return Err(vec![missing_stage(&client, &model).await]),
            Err(e) => {
                return Err(vec![e.to_diagnostic(&format!(
                    "Cannot import stage \"{stage_name}\" of REST API \"{rest_api_id}\""
                ))]);
            }
        };
        let state = Attachment {
            id: Val::Known(model.id()),
            rest_api_id: Val::Known(model.rest_api_id.clone()),
            stage_name: Val::Known(model.stage_name.clone()),
            client_certificate_id: stage.client_certificate_id.into(),
            detach_on_destroy: Val::Known(true),
            verify: Value::Null,
        };
        Ok(vec![ImportedObject {
            state: state.encode(),
            private: Vec::new(),
        }])
    }
}

impl StageClientCertificate {
    /// Checks the certificate, then switches the stage to it.
    async fn attach(
        &self,
        client: &Client,
        model: &Model,
        certificate_id: &str,
        now: i64,
        verify: Option<&Verify>,
    ) -> Result<StageRef, Diagnostic> {
        let certificate = client.find_certificate(certificate_id).await.map_err(|e| {
            e.to_diagnostic(&format!(
                "Cannot look up client certificate \"{certificate_id}\""
            ))
            .at("client_certificate_id")
        })?;
        check_usable(certificate_id, certificate.as_ref(), now, model)?;
        match client
            .get_stage(&model.rest_api_id, &model.stage_name)
            .await
        {
            Ok(Some(stage)) => {
                let presented = stage.client_certificate_id.as_deref();
                if let Some(v) = verify
                    && presented != Some(certificate_id)
                {
                    verify_switch(client, model, presented, certificate_id, v).await?;
                }
            }
            Ok(None) => return Err(missing_stage(client, model).await),
            Err(e) => {
                return Err(e.to_diagnostic(&format!(
                    "Cannot read stage \"{}\" of REST API \"{}\"",
                    model.stage_name, model.rest_api_id
                )));
            }
        }
        client
            .set_stage_certificate(&model.rest_api_id, &model.stage_name, Some(certificate_id))
            .await
            .map_err(|e| switch_error(&e, model, certificate_id))
    }

    async fn destroy(&self, prior: &Value) -> ApplyResponse {
        let done = |diagnostics| ApplyResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics,
        };
        let keep = |diagnostics| ApplyResponse {
            new_state: prior.clone(),
            private: Vec::new(),
            diagnostics,
        };
        let attachment = match Attachment::decode(prior) {
            Ok(a) => a,
            Err(d) => return keep(vec![d]),
        };
        let Some(model) = Model::of(&attachment) else {
            return done(Vec::new());
        };
        if attachment.detach_on_destroy.known() == Some(&false) {
            return done(Vec::new());
        }
        let client = match self.context.client() {
            Ok(c) => c,
            Err(d) => return keep(vec![d]),
        };
        match client
            .get_stage(&model.rest_api_id, &model.stage_name)
            .await
        {
            // Nothing left to detach from.
            Ok(None) => return done(Vec::new()),
            Ok(Some(stage)) => match (
                stage.client_certificate_id.as_deref(),
                attachment.client_certificate_id.known().map(String::as_str),
            ) {
                (None, _) => return done(Vec::new()),
                (Some(presented), Some(recorded)) if presented != recorded => {
                    return done(vec![Diagnostic::warning(
                        "Stage left attached to another certificate",
                        format!(
                            "Stage \"{}\" of REST API \"{}\" presents client certificate {presented}, not {recorded} which this resource attached, so destroying the resource leaves the stage as it is. Something else attached that certificate (another apigw_stage_client_certificate, or a change outside Terraform).",
                            model.stage_name, model.rest_api_id
                        ),
                    )]);
                }
                _ => {}
            },
            Err(e) => {
                return keep(vec![e.to_diagnostic(&format!(
                    "Cannot read stage \"{}\" of REST API \"{}\"",
                    model.stage_name, model.rest_api_id
                ))]);
            }
        }
        match client
            .set_stage_certificate(&model.rest_api_id, &model.stage_name, None)
            .await
        {
            Ok(_) => done(Vec::new()),
            Err(e) if e.is_not_found() => done(Vec::new()),
            Err(e) => keep(vec![e.to_diagnostic(&format!(
                "Cannot detach the client certificate from stage \"{}\" of REST API \"{}\"",
                model.stage_name, model.rest_api_id
            ))]),
        }
    }
}

/// The certificate must exist and be valid at the moment the stage switches:
/// an expired certificate would be rejected by every backend that checks it.
fn check_usable(
    certificate_id: &str,
    certificate: Option<&Certificate>,
    now: i64,
    model: &Model,
) -> Result<(), Diagnostic> {
    let Some(cert) = certificate else {
        return Err(Diagnostic::error(
            "Client certificate not found",
            format!(
                "client_certificate_id = \"{certificate_id}\": no API Gateway client \
                 certificate with this ID exists in the provider's region, so stage \"{}\" \
                 of REST API \"{}\" was not changed. Check the ID, or reference a managed \
                 certificate such as \
                 apigw_rotating_client_certificate.<name>.current_certificate_id.",
                model.stage_name, model.rest_api_id
            ),
        )
        .at("client_certificate_id"));
    };
    if rotation::is_expired(now, cert.expires) {
        let days = -rotation::days_until(now, cert.expires);
        return Err(Diagnostic::error(
            "Client certificate expired",
            format!(
                "client_certificate_id = \"{certificate_id}\": the certificate expired at {} \
                 ({days} days ago), so backends that verify it would reject stage \"{}\" of \
                 REST API \"{}\". The stage was not changed. Attach a valid certificate: an \
                 apigw_rotating_client_certificate replaces an expired current certificate \
                 at its next apply.",
                rotation::format_rfc3339(cert.expires),
                model.stage_name,
                model.rest_api_id
            ),
        )
        .at("client_certificate_id"));
    }
    Ok(())
}

/// Asks the backend, through TestInvokeMethod presenting the new certificate,
/// whether it accepts it; refuses the switch (changing nothing) unless it does.
async fn verify_switch(
    client: &Client,
    model: &Model,
    presented: Option<&str>,
    certificate_id: &str,
    v: &Verify,
) -> Result<(), Diagnostic> {
    // Validation refuses this once both are known; attempts may have been
    // unknown then. Checked before any call.
    if let Some(d) = successes_beyond_attempts(v.successes, v.attempts.max(1), false) {
        return Err(d);
    }
    let route = v.route();
    let context = |what: &str| {
        format!(
            "Cannot verify client certificate \"{certificate_id}\" for stage \"{}\" of REST \
             API \"{}\" ({what})",
            model.stage_name, model.rest_api_id
        )
    };
    let resource_id = client
        .find_resource_id(&model.rest_api_id, &v.path)
        .await
        .map_err(|e| e.to_diagnostic(&context("listing its resources")))?
        .ok_or_else(|| {
            Diagnostic::error(
                "Verify route not found",
                format!(
                    "verify.path = \"{}\": REST API \"{}\" has no resource with this path, \
                     so the switch of stage \"{}\" to client certificate \"{certificate_id}\" \
                     cannot be verified. The stage was not changed.",
                    v.path, model.rest_api_id, model.stage_name
                ),
            )
            .at_path(AttributePath::attr("verify").then_attr("path"))
        })?;
    let stage_variables = client
        .stage_variables(&model.rest_api_id, &model.stage_name)
        .await
        .map_err(|e| e.to_diagnostic(&context("reading the stage's variables")))?;
    let call = TestInvoke {
        rest_api_id: &model.rest_api_id,
        resource_id: &resource_id,
        http_method: &v.http_method,
        path: &v.path,
        certificate_id,
        stage_variables,
    };
    let mut streak = Streak::new(v);
    // With successes <= attempts a run fails only on a refused answer, and
    // the last attempt always decides.
    let refused = loop {
        let answer = client
            .test_invoke(&call)
            .await
            .map_err(|e| e.to_diagnostic(&context(&format!("TestInvokeMethod {route}"))))?;
        let accepted = v.accepted_statuses.contains(&i64::from(answer.status));
        tracing::info!(
            stage = %model.stage_name,
            certificate = certificate_id,
            status = answer.status,
            attempt = streak.attempts + 1,
            accepted,
            "verify answer"
        );
        match streak.record(accepted) {
            Verdict::Passed => return Ok(()),
            Verdict::Failed => break answer,
            Verdict::Undecided => {
                tokio::time::sleep(std::time::Duration::from_secs(
                    u64::try_from(v.interval_seconds).unwrap_or(0),
                ))
                .await;
            }
        }
    };
    Err(Diagnostic::error(
        "Backend does not accept the new client certificate",
        refusal(
            model,
            &route,
            certificate_id,
            presented,
            v,
            &refused,
            streak.attempts,
        ),
    ))
}

/// Where a run of verify answers stands.
#[derive(Debug, PartialEq)]
enum Verdict {
    Passed,
    /// The attempts left cannot make the run long enough.
    Failed,
    Undecided,
}

/// Counts accepted answers in a row against `successes`, within `attempts`.
#[derive(Debug)]
struct Streak {
    needed: i64,
    allowed: i64,
    /// Answers so far.
    attempts: i64,
    run: i64,
}

impl Streak {
    fn new(v: &Verify) -> Streak {
        Streak {
            needed: v.successes.max(1),
            allowed: v.attempts.max(1),
            attempts: 0,
            run: 0,
        }
    }

    fn record(&mut self, accepted: bool) -> Verdict {
        self.attempts += 1;
        self.run = if accepted { self.run + 1 } else { 0 };
        if self.run >= self.needed {
            Verdict::Passed
        } else if self.run + (self.allowed - self.attempts) < self.needed {
            Verdict::Failed
        } else {
            Verdict::Undecided
        }
    }
}

/// The sentence a refused switch reports.
fn refusal(
    model: &Model,
    route: &str,
    certificate_id: &str,
    presented: Option<&str>,
    v: &Verify,
    answer: &TestInvocation,
    attempts: i64,
) -> String {
    let cause = answer
        .log
        .lines()
        .find(|l| l.contains("Execution failed"))
        .and_then(|l| l.split_once(" : ").map(|(_, rest)| rest.trim()))
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let body: String = answer.body.chars().take(300).collect();
    let accepted: Vec<String> = v.accepted_statuses.iter().map(i64::to_string).collect();
    let still = match presented {
        Some(id) => format!("still presents client certificate \"{id}\""),
        None => "still presents no client certificate".to_string(),
    };
    let needed = if v.successes > 1 {
        format!(" ({} accepted answers in a row were needed)", v.successes)
    } else {
        String::new()
    };
    format!(
        "Stage \"{}\" of REST API \"{}\" was not switched to client certificate \
         \"{certificate_id}\": TestInvokeMethod {route} presenting it got status {} (accepted: \
         {}) after {attempts} attempt(s){needed}; the backend answered {body}{cause}. The \
         stage {still}. Make \
         every backend behind {route} trust the new certificate (install the trust bundle and \
         reload it), then apply again.",
        model.stage_name,
        model.rest_api_id,
        answer.status,
        accepted.join(", "),
    )
}

/// Says whether the REST API or only the stage is missing.
async fn missing_stage(client: &Client, model: &Model) -> Diagnostic {
    match client.rest_api_exists(&model.rest_api_id).await {
        Ok(false) => Diagnostic::error(
            "REST API not found",
            format!(
                "rest_api_id = \"{}\": no REST API with this ID exists in the provider's \
                 region, so its stage \"{}\" cannot present a client certificate. Check the \
                 ID and the provider's region.",
                model.rest_api_id, model.stage_name
            ),
        )
        .at("rest_api_id"),
        Ok(true) => Diagnostic::error(
            "Stage not found",
            format!(
                "stage_name = \"{}\": REST API \"{}\" has no stage with this name. Create \
                 the stage (a deployment and a stage) first, or check the name.",
                model.stage_name, model.rest_api_id
            ),
        )
        .at("stage_name"),
        Err(e) => e.to_diagnostic(&format!(
            "Stage \"{}\" of REST API \"{}\" not found",
            model.stage_name, model.rest_api_id
        )),
    }
}

fn switch_error(e: &ApiError, model: &Model, certificate_id: &str) -> Diagnostic {
    e.to_diagnostic(&format!(
        "Cannot attach client certificate \"{certificate_id}\" to stage \"{}\" of REST API \"{}\"",
        model.stage_name, model.rest_api_id
    ))
}

// ---- model --------------------------------------------------------------------

/// The stage an attachment is about; both parts are always known in state.
#[derive(Debug, PartialEq)]
struct Model {
    rest_api_id: String,
    stage_name: String,
}

impl Model {
    /// The stage of an attachment whose REST API and stage are known.
    fn of(a: &Attachment) -> Option<Model> {
        Some(Model {
            rest_api_id: a.rest_api_id.known()?.clone(),
            stage_name: a.stage_name.known()?.clone(),
        })
    }

    fn id(&self) -> String {
        format!("{}/{}", self.rest_api_id, self.stage_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::AttributePath;

    fn config(api: Value, stage: Value, cert: Value) -> Value {
        Value::object([
            ("id", Value::Null),
            ("rest_api_id", api),
            ("stage_name", stage),
            ("client_certificate_id", cert),
            ("detach_on_destroy", Value::Null),
        ])
    }

    /// Plans the way Terraform sees it: the schema's plan modifiers included.
    async fn plan(prior: Value, proposed: Value) -> PlanResponse {
        let resource = StageClientCertificate::new(Context::default());
        tfplugin::plan::plan(
            &resource,
            PlanRequest {
                prior_state: prior,
                config: proposed.clone(),
                proposed_new_state: proposed,
                prior_private: Vec::new(),
                stop: StopToken::never(),
            },
        )
        .await
    }

    #[tokio::test]
    async fn create_plans_composite_id_and_default_detach() {
        let p = plan(
            Value::Null,
            config(Value::string("api1"), Value::string("prod"), Value::Unknown),
        )
        .await;
        assert_eq!(p.planned_state.get("id"), &Value::string("api1/prod"));
        assert_eq!(p.planned_state.get("detach_on_destroy"), &Value::Bool(true));
        assert_eq!(
            p.planned_state.get("client_certificate_id"),
            &Value::Unknown
        );
        assert!(p.requires_replace.is_empty());
    }

    #[tokio::test]
    async fn unknown_stage_keeps_id_unknown_not_empty() {
        let p = plan(
            Value::Null,
            config(Value::Unknown, Value::string("prod"), Value::string("c1")),
        )
        .await;
        assert_eq!(p.planned_state.get("id"), &Value::Unknown);
    }

    #[tokio::test]
    async fn changing_api_or_stage_requires_replacement_but_certificate_does_not() {
        let mut prior = config(
            Value::string("api1"),
            Value::string("prod"),
            Value::string("c1"),
        );
        prior.set("id", Value::string("api1/prod"));
        prior.set("detach_on_destroy", Value::Bool(true));

        let p = plan(
            prior.clone(),
            config(
                Value::string("api1"),
                Value::string("prod"),
                Value::string("c2"),
            ),
        )
        .await;
        assert!(p.requires_replace.is_empty());

        let p = plan(
            prior,
            config(
                Value::string("api2"),
                Value::string("test"),
                Value::string("c1"),
            ),
        )
        .await;
        assert_eq!(
            p.requires_replace,
            vec![
                AttributePath::attr("rest_api_id"),
                AttributePath::attr("stage_name")
            ]
        );
        assert_eq!(p.planned_state.get("id"), &Value::string("api2/test"));
    }

    #[tokio::test]
    async fn a_plan_that_switches_a_verified_stage_says_the_check_will_run() {
        let verified = |cert: Value| {
            let mut c = config(Value::string("api1"), Value::string("prod"), cert);
            c.set(
                "verify",
                Value::object([
                    ("path", Value::string("/health")),
                    ("http_method", Value::Null),
                    ("accepted_statuses", Value::Null),
                    ("attempts", Value::number(5i64)),
                    ("interval_seconds", Value::Null),
                    ("successes", Value::number(2i64)),
                ]),
            );
            c
        };
        let mut prior = verified(Value::string("c1"));
        prior.set("id", Value::string("api1/prod"));
        prior.set("detach_on_destroy", Value::Bool(true));

        let p = plan(prior.clone(), verified(Value::string("c2"))).await;
        assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
        let d = &p.diagnostics[0];
        assert_eq!(d.summary, "Switch of stage \"prod\" will be verified first");
        for part in [
            "REST API \"api1\"",
            "client certificate \"c2\" instead of \"c1\"",
            "TestInvokeMethod GET /health",
            "answers 200, 2 times in a row (up to 5",
            "up to 5 attempt(s), 2 s apart",
            "the stage keeps \"c1\"",
        ] {
            assert!(d.detail.contains(part), "{part:?} not in {}", d.detail);
        }
        // A rotation in the same apply: the new ID is not known yet.
        let p = plan(prior.clone(), verified(Value::Unknown)).await;
        assert!(
            p.diagnostics[0].detail.contains("known after apply"),
            "{:?}",
            p.diagnostics
        );
        // No switch, a new attachment, or no verify: nothing to say.
        assert!(
            plan(prior.clone(), verified(Value::string("c1")))
                .await
                .diagnostics
                .is_empty()
        );
        assert!(
            plan(Value::Null, verified(Value::string("c2")))
                .await
                .diagnostics
                .is_empty()
        );
        let mut unverified = prior.clone();
        unverified.set("verify", Value::Null);
        let p = plan(
            unverified,
            config(
                Value::string("api1"),
                Value::string("prod"),
                Value::string("c2"),
            ),
        )
        .await;
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    }

    #[test]
    fn import_id_must_be_api_slash_stage() {
        assert_eq!(parse_import_id("a1b2/prod").ok(), Some(("a1b2", "prod")));
        for bad in ["a1b2", "/prod", "a1b2/", "a/b/c", ""] {
            let d = parse_import_id(bad).expect_err(bad);
            assert_eq!(d.summary, "Invalid import ID");
            assert!(d.detail.contains(&format!("{bad:?}")), "{}", d.detail);
            assert!(
                d.detail.contains("<rest_api_id>/<stage_name>"),
                "{}",
                d.detail
            );
        }
    }

    #[test]
    fn validation_rejects_empty_values_and_slashes_in_stage() {
        let diags = validate_config(&config(
            Value::string(""),
            Value::string("a/b"),
            Value::Unknown,
        ));
        let attrs: Vec<_> = diags.iter().map(|d| d.attribute.clone()).collect();
        assert!(attrs.contains(&Some(AttributePath::attr("rest_api_id"))));
        assert!(attrs.contains(&Some(AttributePath::attr("stage_name"))));
        assert!(
            validate_config(&config(
                Value::string("x"),
                Value::string("prod"),
                Value::Unknown
            ))
            .is_empty()
        );
    }

    fn with_verify(verify: Value) -> Value {
        let mut c = config(
            Value::string("a1"),
            Value::string("prod"),
            Value::string("abc123"),
        );
        c.set("verify", verify);
        c
    }

    #[test]
    fn verify_defaults_and_bad_values_name_the_attribute() {
        let c = with_verify(Value::object([("path", Value::string("/health"))]));
        assert!(validate_config(&c).is_empty());
        assert_eq!(
            Verify::from_value(&c),
            Some(Verify {
                path: "/health".into(),
                http_method: "GET".into(),
                accepted_statuses: vec![200],
                attempts: 3,
                interval_seconds: 2,
                successes: 1,
            })
        );
        assert_eq!(
            Verify::from_value(&config(Value::Null, Value::Null, Value::Null)),
            None
        );
        let bad = with_verify(Value::object([
            ("path", Value::string("health")),
            ("http_method", Value::string("FETCH")),
            ("accepted_statuses", Value::List(vec![Value::number(99i64)])),
            ("attempts", Value::number(0i64)),
            ("interval_seconds", Value::number(601i64)),
            ("successes", Value::number(0i64)),
        ]));
        let diags = validate_config(&bad);
        for attr in [
            "path",
            "http_method",
            "accepted_statuses",
            "attempts",
            "interval_seconds",
            "successes",
        ] {
            let at = AttributePath::attr("verify").then_attr(attr);
            let d = diags
                .iter()
                .find(|d| d.attribute.as_ref() == Some(&at))
                .unwrap_or_else(|| panic!("no diagnostic at verify.{attr}: {diags:?}"));
            assert!(d.detail.contains(&format!("verify.{attr}")), "{}", d.detail);
        }
    }

    fn prod() -> Model {
        Model {
            rest_api_id: "a1".into(),
            stage_name: "prod".into(),
        }
    }

    /// `verify { path = "/health" }` with these settings.
    fn health(accepted_statuses: Vec<i64>, attempts: i64, successes: i64) -> Verify {
        Verify {
            path: "/health".into(),
            http_method: "GET".into(),
            accepted_statuses,
            attempts,
            interval_seconds: 0,
            successes,
        }
    }

    #[test]
    fn a_refusal_names_stage_route_certificate_and_answer() {
        let model = prod();
        let v = health(vec![200, 204], 2, 1);
        let answer = TestInvocation {
            status: 502,
            body: r#"{"message":"Internal server error"}"#.into(),
            log: "Mon Nov 30 14:08:51 UTC 2026 : Sending request to https://b/healthz\n\
                  Mon Nov 30 14:08:51 UTC 2026 : Execution failed due to configuration error: bad certificate\n"
                .into(),
        };
        let text = refusal(&model, &v.route(), "new1", Some("old1"), &v, &answer, 2);
        assert_eq!(
            text,
            "Stage \"prod\" of REST API \"a1\" was not switched to client certificate \"new1\": \
             TestInvokeMethod GET /health presenting it got status 502 (accepted: 200, 204) \
             after 2 attempt(s); the backend answered {\"message\":\"Internal server error\"} \
             (Execution failed due to configuration error: bad certificate). The stage still \
             presents client certificate \"old1\". Make every backend behind GET /health trust \
             the new certificate (install the trust bundle and reload it), then apply again."
        );
    }

    #[test]
    fn more_successes_than_attempts_is_refused_naming_both() {
        for (attempts, successes, shown) in [
            (Value::Null, 4i64, "3, its default"),
            (Value::number(2i64), 3, "2"),
        ] {
            let c = with_verify(Value::object([
                ("path", Value::string("/health")),
                ("attempts", attempts.clone()),
                ("successes", Value::number(successes)),
            ]));
            let diags = validate_config(&c);
            assert_eq!(diags.len(), 1, "{diags:?}");
            let d = &diags[0];
            assert_eq!(
                d.attribute,
                Some(AttributePath::attr("verify").then_attr("successes"))
            );
            assert!(
                d.detail.contains(&format!(
                    "verify.successes = {successes}: expected at most verify.attempts ({shown})"
                )),
                "{}",
                d.detail
            );
        }
        let fits = with_verify(Value::object([
            ("path", Value::string("/health")),
            ("attempts", Value::number(3i64)),
            ("successes", Value::number(3i64)),
        ]));
        assert!(validate_config(&fits).is_empty());
        let later = with_verify(Value::object([
            ("path", Value::string("/health")),
            ("attempts", Value::Unknown),
            ("successes", Value::number(9i64)),
        ]));
        assert!(validate_config(&later).is_empty(), "unknown until apply");
        // An invalid attempts is reported once, on attempts alone.
        for attempts in [Value::number(0i64), Value::number(2.5)] {
            let c = with_verify(Value::object([
                ("path", Value::string("/health")),
                ("attempts", attempts),
                ("successes", Value::number(1i64)),
            ]));
            let diags = validate_config(&c);
            assert_eq!(diags.len(), 1, "{diags:?}");
            assert_eq!(
                diags[0].attribute,
                Some(AttributePath::attr("verify").then_attr("attempts"))
            );
        }
    }

    /// The verdicts for answers (true = accepted) with `attempts` and
    /// `successes`: where each stops, and how.
    fn run(attempts: i64, successes: i64, answers: &[bool]) -> (Verdict, i64) {
        let mut streak = Streak::new(&health(vec![200], attempts, successes));
        for &a in answers {
            match streak.record(a) {
                Verdict::Undecided => continue,
                done => return (done, streak.attempts),
            }
        }
        (Verdict::Undecided, streak.attempts)
    }

    #[test]
    fn a_refused_answer_restarts_the_count_and_hopeless_runs_stop_early() {
        // One success, the default: the first accepted answer switches.
        assert_eq!(run(3, 1, &[false, true]), (Verdict::Passed, 2));
        assert_eq!(run(3, 1, &[false, false, false]), (Verdict::Failed, 3));
        // Two in a row: a graceful reload's old worker refuses in between.
        assert_eq!(run(5, 2, &[true, true]), (Verdict::Passed, 2));
        assert_eq!(run(5, 2, &[true, false, true, true]), (Verdict::Passed, 4));
        assert_eq!(
            run(5, 2, &[false, true, false, true, true]),
            (Verdict::Passed, 5)
        );
        // After a refusal at the fourth of five, two in a row cannot happen.
        assert_eq!(run(5, 2, &[true, false, true, false]), (Verdict::Failed, 4));
        // Exactly as many successes as attempts: the first refusal ends it.
        assert_eq!(run(3, 3, &[true, false]), (Verdict::Failed, 2));
        assert_eq!(run(3, 3, &[true, true, true]), (Verdict::Passed, 3));
    }

    #[test]
    fn a_refusal_after_a_broken_run_says_how_many_in_a_row_were_needed() {
        let model = prod();
        let v = health(vec![200], 5, 2);
        let answer = TestInvocation {
            status: 400,
            body: "No required SSL certificate was sent".into(),
            log: String::new(),
        };
        let text = refusal(&model, &v.route(), "new1", Some("old1"), &v, &answer, 4);
        assert!(
            text.contains(
                "got status 400 (accepted: 200) after 4 attempt(s) (2 accepted answers in a row \
                 were needed); the backend answered No required SSL certificate was sent."
            ),
            "{text}"
        );
    }

    fn cert(expires: i64) -> Certificate {
        Certificate {
            id: "c1".into(),
            description: None,
            pem: String::new(),
            created: expires - 365 * 86_400,
            expires,
            tags: Default::default(),
            mark: Default::default(),
        }
    }

    #[test]
    fn certificate_must_exist_and_be_unexpired_at_the_switch() {
        let model = Model {
            rest_api_id: "api1".into(),
            stage_name: "prod".into(),
        };
        let expires = 1_800_000_000;
        assert!(check_usable("c1", Some(&cert(expires)), expires - 1, &model).is_ok());

        let d = check_usable("c1", Some(&cert(expires)), expires, &model).expect_err("expired");
        assert_eq!(d.summary, "Client certificate expired");
        assert!(d.detail.contains("\"c1\""), "{}", d.detail);
        assert!(
            d.detail.contains(&rotation::format_rfc3339(expires)),
            "{}",
            d.detail
        );
        assert_eq!(
            d.attribute,
            Some(AttributePath::attr("client_certificate_id"))
        );

        let d = check_usable("nope", None, expires, &model).expect_err("missing");
        assert_eq!(d.summary, "Client certificate not found");
        assert!(d.detail.contains("\"nope\""), "{}", d.detail);
        assert!(d.detail.contains("\"prod\""), "{}", d.detail);
    }
}

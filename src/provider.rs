//! The `provider "apigw" {}` block: schema, validation, configuration, and
//! the registry of resources, data sources and functions.
//!
//! ConfigureProvider validates the settings, checks the profile and region,
//! and resolves the credentials once, so that a broken credential source or
//! a wrong account (with `allowed_account_ids`) is one error on the provider
//! block. Unless `skip_credentials_validation` is set it asks STS
//! GetCallerIdentity; with it set and no account guard, static credentials
//! cost no request at all. API Gateway itself is first called by a resource
//! or data source, so an unreachable API endpoint surfaces there, naming
//! `endpoint` and the URL.

use std::sync::Arc;
use std::time::Duration;

use crate::apigw::{self, AssumeRole, Settings};
use crate::clock::Clock;
use crate::context::Context;
use tfplugin::{
    Attribute, AttributePath, Block, DataSource, Diagnostic, Diagnostics, Function, NestedBlock,
    Nesting, Resource, Schema, Type, Value,
};

pub struct ApigwProvider {
    context: Context,
}

/// The provider on the wall clock (offset by `APIGW_CLOCK_OFFSET`).
pub fn new() -> ApigwProvider {
    with_context(Context::default())
}

/// The provider on a given context (tests: a fixed clock).
pub fn with_context(context: Context) -> ApigwProvider {
    ApigwProvider { context }
}

impl ApigwProvider {
    pub fn context(&self) -> &Context {
        &self.context
    }
}

#[async_trait::async_trait]
impl tfplugin::Provider for ApigwProvider {
    fn schema(&self) -> Schema {
        provider_schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            crate::resources::rotating_client_certificate::RotatingClientCertificate::new(
                self.context.clone(),
            ),
            Arc::new(
                crate::resources::stage_client_certificate::StageClientCertificate::new(
                    self.context.clone(),
                ),
            ),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(
            crate::data_sources::client_certificates::ClientCertificates::new(self.context.clone()),
        )]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        crate::functions::all()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        parse_config(config, &NoEnv).err().unwrap_or_default()
    }

    async fn configure(&self, config: &Value) -> Diagnostics {
        let clock = clock_diagnostics(self.context.clock());
        if tfplugin::diag::has_errors(&clock) {
            return clock;
        }
        let unknown = unknown_settings(config);
        if !unknown.is_empty() {
            return unknown;
        }
        let settings = match parse_config(config, &ProcessEnv) {
            Ok(settings) => settings,
            Err(diags) => return diags,
        };
        if let Some(d) = missing_files(&settings) {
            return vec![d];
        }
        let source = if config.get("profile").as_str().is_some() {
            apigw::ProfileSource::Attribute
        } else if settings.profile.is_some() {
            apigw::ProfileSource::Environment
        } else {
            apigw::ProfileSource::Default
        };
        let problems = apigw::check_profile_and_region(&settings, source).await;
        if !problems.is_empty() {
            return problems;
        }
        match apigw::Client::connect(settings, self.context.clock().clone()).await {
            Ok(client) => {
                tracing::debug!(settings = ?client.settings(), "provider configured");
                self.context.set_client(client);
                clock
            }
            Err(e) => vec![connect_diagnostic(&e)],
        }
    }
}

/// The AWS SDK skips a shared file it cannot read; a file named in the
/// provider block that does not exist is a mistake worth stopping for.
fn missing_files(s: &Settings) -> Option<Diagnostic> {
    [
        ("shared_config_files", &s.shared_config_files),
        ("shared_credentials_files", &s.shared_credentials_files),
    ]
    .into_iter()
    .find_map(|(attr, files)| {
        files
            .iter()
            .find(|f| !std::path::Path::new(f).is_file())
            .map(|f| {
                Diagnostic::error(
                    format!("Invalid {attr}"),
                    format!("{attr} names {f:?}, which does not exist or is not a file."),
                )
                .at(attr)
            })
    })
}

fn connect_diagnostic(e: &apigw::ConnectError) -> Diagnostic {
    use apigw::ConnectError as E;
    let (summary, hint, attr) = match e {
        E::Credentials(_) => (
            "No usable AWS credentials",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a `profile` (keys, SSO, \
             credential_process or a role), or configure `assume_role_with_web_identity`.",
            None,
        ),
        E::Refused { .. } => (
            "AWS credentials refused",
            "Check the credentials, or set skip_credentials_validation = true when the STS \
             endpoint cannot answer GetCallerIdentity.",
            None,
        ),
        E::Unchecked { .. } => (
            "AWS credentials could not be checked",
            "Check that STS is reachable (sts_endpoint, AWS_ENDPOINT_URL_STS), or set \
             skip_credentials_validation = true.",
            None,
        ),
        E::AccountNotAllowed { .. } => (
            "AWS account not allowed",
            "Use credentials of an allowed account, or change allowed_account_ids.",
            Some("allowed_account_ids"),
        ),
        E::AccountForbidden { .. } => (
            "AWS account forbidden",
            "Use credentials of another account, or change forbidden_account_ids.",
            Some("forbidden_account_ids"),
        ),
    };
    let d = Diagnostic::error(summary, format!("{e} {hint}"));
    match attr {
        Some(a) => d.at(a),
        None => d,
    }
}

/// ConfigureProvider must not guess. A setting Terraform cannot know yet (it
/// depends on a resource still to be created) would otherwise fall back to the
/// environment or a default, and refresh and plan would talk to the wrong
/// endpoint, region or account.
fn unknown_settings(config: &Value) -> Diagnostics {
    let Value::Object(attributes) = config else {
        return Vec::new();
    };
    attributes
        .iter()
        .filter(|(_, v)| !v.is_wholly_known())
        .map(|(name, _)| {
            Diagnostic::error(
                "Provider Configuration Not Known Yet",
                format!(
                    "{name} depends on a value Terraform only knows after apply. The provider \
                     needs its configuration to refresh and plan, and does not fall back to the \
                     environment or a default in its place. Set {name} from values known at \
                     plan time (variables, locals, data sources), or create what it depends on \
                     first with `terraform apply -target=...`."
                ),
            )
            .at(name)
        })
        .collect()
}

/// An error for a malformed `APIGW_CLOCK_OFFSET`, a warning while one is in
/// effect: every rotation decision of this run is made at a time that has not
/// come yet.
fn clock_diagnostics(clock: &Clock) -> Diagnostics {
    match clock.offset() {
        Ok(0) => Vec::new(),
        Ok(secs) => vec![Diagnostic::warning(
            "Provider clock runs ahead of the wall clock",
            format!(
                "{} is set: every rotation decision of this run is made as of {} ({} from \
                 now). Use it to rehearse future plans; unset it before applying for real.",
                crate::clock::OFFSET_ENV,
                rotation::format_rfc3339(clock.now()),
                rotation::format_duration(secs),
            ),
        )],
        Err(message) => vec![Diagnostic::error("Invalid provider clock offset", message)],
    }
}

// ---- schema -------------------------------------------------------------------

const DEFAULT_OPERATION_TIMEOUT: &str = "5m";
const DEFAULT_ATTEMPT_TIMEOUT: &str = "20s";

pub fn provider_schema() -> Schema {
    let assume_role = Block {
        description: "Assume an IAM role on top of the credentials found by the standard AWS \
                      chain, and call API Gateway with the role's temporary credentials."
            .to_string(),
        attributes: vec![
            Attribute::required(
                "role_arn",
                Type::String,
                "ARN of the IAM role to assume, for example \
                 `arn:aws:iam::123456789012:role/certificate-rotation`.",
            ),
            Attribute::optional(
                "session_name",
                Type::String,
                "Session name recorded in CloudTrail for the assumed role. Defaults to \
                 `terraform-provider-apigw`.",
            ),
            Attribute::optional(
                "external_id",
                Type::String,
                "External ID required by the role's trust policy, if any. It is treated as \
                 a secret and never logged.",
            )
            .sensitive(),
            Attribute::optional(
                "duration",
                Type::String,
                "How long the role's credentials last, as a duration from `15m` to `12h` \
                 (the role's maximum session duration applies). Defaults to STS's 1 hour; the \
                 provider renews them before they expire.",
            ),
            Attribute::optional(
                "policy",
                Type::String,
                "IAM policy JSON that further restricts the session's permissions (it cannot \
                 grant more than the role has).",
            ),
            Attribute::optional(
                "policy_arns",
                Type::Set(Box::new(Type::String)),
                "ARNs of managed IAM policies that further restrict the session's permissions.",
            ),
            Attribute::optional(
                "tags",
                Type::Map(Box::new(Type::String)),
                "Session tags passed to AssumeRole, for attribute-based access control in \
                 the role's policies.",
            ),
            Attribute::optional(
                "transitive_tag_keys",
                Type::Set(Box::new(Type::String)),
                "Keys of `tags` that carry over to roles assumed from this session (role \
                 chaining). Each must be a key of `tags`.",
            ),
            Attribute::optional(
                "source_identity",
                Type::String,
                "Source identity recorded in CloudTrail for the session and kept through \
                 role chaining: 2 to 64 characters from letters, digits and +=,.@-_.",
            ),
        ],
        blocks: Vec::new(),
        deprecated: false,
    };
    let web_identity = Block {
        description: "Exchange an OpenID Connect token (from a CI system or Kubernetes) for an \
                      IAM role's temporary credentials with STS AssumeRoleWithWebIdentity. \
                      Without this block the standard chain still does so when \
                      `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` are set."
            .to_string(),
        attributes: vec![
            Attribute::optional(
                "role_arn",
                Type::String,
                "ARN of the IAM role to assume. Defaults to the `AWS_ROLE_ARN` environment \
                 variable.",
            ),
            Attribute::optional(
                "session_name",
                Type::String,
                "Session name recorded in CloudTrail. Defaults to `AWS_ROLE_SESSION_NAME`, \
                 then `terraform-provider-apigw`.",
            ),
            Attribute::optional(
                "web_identity_token",
                Type::String,
                "The OIDC token itself. Conflicts with `web_identity_token_file`; it is a \
                 secret and never logged.",
            )
            .sensitive(),
            Attribute::optional(
                "web_identity_token_file",
                Type::String,
                "File holding the OIDC token, read again at every renewal because platforms \
                 rotate it. Defaults to the `AWS_WEB_IDENTITY_TOKEN_FILE` environment \
                 variable.",
            ),
            Attribute::optional(
                "duration",
                Type::String,
                "How long the role's credentials last, as a duration from `15m` to `12h`. \
                 Defaults to STS's 1 hour.",
            ),
            Attribute::optional(
                "policy",
                Type::String,
                "IAM policy JSON that further restricts the session's permissions.",
            ),
            Attribute::optional(
                "policy_arns",
                Type::Set(Box::new(Type::String)),
                "ARNs of managed IAM policies that further restrict the session's permissions.",
            ),
        ],
        blocks: Vec::new(),
        deprecated: false,
    };
    Schema {
        version: 0,
        block: Block {
            description: "The apigw provider manages AWS API Gateway client certificates and \
                          their rotation. Credentials come from the standard AWS chain \
                          (environment variables, shared config and credentials files with \
                          keys, IAM Identity Center or credential_process profiles, web \
                          identity tokens, container and instance roles), optionally with \
                          `assume_role_with_web_identity` and `assume_role` on top. They are \
                          resolved when the provider is configured, and never written to logs \
                          or diagnostics."
                .to_string(),
            attributes: vec![
                Attribute::optional(
                    "region",
                    Type::String,
                    "AWS region whose API Gateway certificates and stages are managed, for \
                     example `us-east-1`. Defaults to the `AWS_REGION` or `AWS_DEFAULT_REGION` \
                     environment variable, then to the region of the selected profile.",
                ),
                Attribute::optional(
                    "profile",
                    Type::String,
                    "Named profile from the shared AWS config and credentials files. Defaults \
                     to the `AWS_PROFILE` environment variable, then to `default`.",
                ),
                Attribute::optional(
                    "endpoint",
                    Type::String,
                    "Custom API Gateway endpoint URL (http or https), for example a local \
                     apigw-emulator at `http://127.0.0.1:4566`. Defaults to the \
                     `AWS_ENDPOINT_URL_API_GATEWAY` environment variable, then \
                     `AWS_ENDPOINT_URL`, then the regional AWS endpoint.",
                ),
                Attribute::optional(
                    "shared_config_files",
                    Type::List(Box::new(Type::String)),
                    "Shared AWS config files to read profiles from, in place of \
                     `~/.aws/config` (or `AWS_CONFIG_FILE`). A leading `~/` is the home \
                     directory; every file must exist.",
                ),
                Attribute::optional(
                    "shared_credentials_files",
                    Type::List(Box::new(Type::String)),
                    "Shared AWS credentials files, in place of `~/.aws/credentials` (or \
                     `AWS_SHARED_CREDENTIALS_FILE`). A leading `~/` is the home directory; \
                     every file must exist.",
                ),
                Attribute::optional(
                    "sts_endpoint",
                    Type::String,
                    "Custom STS endpoint URL for `assume_role`, \
                     `assume_role_with_web_identity` and the credential check. Defaults to \
                     the `AWS_ENDPOINT_URL_STS` environment variable, then `AWS_ENDPOINT_URL`, \
                     then `endpoint` when that names this machine (a local emulator answers \
                     STS too), then the regional AWS endpoint.",
                ),
                Attribute::optional(
                    "allowed_account_ids",
                    Type::Set(Box::new(Type::String)),
                    "AWS account IDs the credentials must belong to; any other account stops \
                     the provider at configuration, before anything is read or changed. \
                     Checked with STS GetCallerIdentity. Conflicts with \
                     `forbidden_account_ids`.",
                ),
                Attribute::optional(
                    "forbidden_account_ids",
                    Type::Set(Box::new(Type::String)),
                    "AWS account IDs the credentials must not belong to (checked with STS \
                     GetCallerIdentity at configuration). Conflicts with \
                     `allowed_account_ids`.",
                ),
                Attribute::optional(
                    "skip_credentials_validation",
                    Type::Bool,
                    "Skip the STS GetCallerIdentity call that checks the credentials when the \
                     provider is configured. Credentials are still resolved there, so a missing \
                     or broken source is reported at once; set accounts in \
                     `allowed_account_ids` or `forbidden_account_ids` and the call is made \
                     anyway. Defaults to false.",
                ),
                Attribute::optional(
                    "max_retries",
                    Type::Number,
                    "How many times an API call that failed with a server error (HTTP 5xx), \
                     a timeout or a dropped connection is retried, with exponential backoff \
                     and jitter. Throttling (HTTP 429, TooManyRequests) has its own, patient \
                     budget of 25 retries with backoff of up to 20 seconds, as the AWS \
                     provider does, so a busy account slows a large configuration down \
                     instead of failing it. GenerateClientCertificate is never retried after \
                     a failure that may have created the certificate: the provider looks for \
                     it instead. Zero disables these retries. Defaults to 6.",
                ),
                Attribute::optional(
                    "operation_timeout",
                    Type::String,
                    "Upper bound on one API operation including all of its retries and the \
                     waits between them (rate limit, backoff), as a duration such as `5m` or \
                     `90s`. Defaults to `5m`, long enough for the throttling retries to \
                     outlast a busy account.",
                ),
                Attribute::optional(
                    "operation_attempt_timeout",
                    Type::String,
                    "Upper bound on a single attempt of an API operation, as a duration such as \
                     `20s`, including its wait for the client-side rate limit. An attempt that \
                     exceeds it counts against `max_retries`. Defaults to `20s`.",
                ),
                Attribute::optional(
                    "rate_limit_rps",
                    Type::Number,
                    "Client-side limit on API Gateway control-plane requests per second, \
                     shared by every resource and data source of this provider and taken by \
                     every HTTP attempt, retries included. API Gateway \
                     allows about 10 per second per account (burst 40), so the default keeps \
                     a large configuration inside that quota instead of meeting throttling \
                     errors and retries. Lower it when other tools share the account's \
                     quota. From 0.1 to 10000; zero disables the limit. Defaults to 10.",
                ),
                Attribute::optional(
                    "rate_limit_burst",
                    Type::Number,
                    "How many requests may be sent at once before `rate_limit_rps` applies \
                     (the token bucket's size). Must be at least 1. Defaults to 40.",
                ),
            ],
            blocks: vec![
                NestedBlock {
                    type_name: "assume_role".to_string(),
                    block: assume_role,
                    nesting: Nesting::Single,
                    min_items: 0,
                    max_items: 0,
                },
                NestedBlock {
                    type_name: "assume_role_with_web_identity".to_string(),
                    block: web_identity,
                    nesting: Nesting::Single,
                    min_items: 0,
                    max_items: 0,
                },
                NestedBlock {
                    type_name: "default_tags".to_string(),
                    block: Block {
                        description: "Tags set on every certificate this provider generates, \
                                      merged under each resource's own `tags` (a resource tag \
                                      wins on a shared key), as in the AWS provider. The merged \
                                      set is the resource's `tags_all`."
                            .to_string(),
                        attributes: vec![Attribute::optional(
                            "tags",
                            Type::Map(Box::new(Type::String)),
                            "The tags, for instance an owner tag the policy plugin checks. \
                             Changing them updates every live certificate in place.",
                        )],
                        blocks: Vec::new(),
                        deprecated: false,
                    },
                    nesting: Nesting::Single,
                    min_items: 0,
                    max_items: 0,
                },
            ],
            deprecated: false,
        },
    }
}

// ---- validation and configuration --------------------------------------------

/// Where environment variables come from; validation (which must not depend
/// on the environment) uses [`NoEnv`].
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;
impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

pub struct NoEnv;
impl Env for NoEnv {
    fn var(&self, _name: &str) -> Option<String> {
        None
    }
}

/// Validates the provider block and resolves the environment chain.
/// Unknown values are skipped (ValidateProviderConfig may see them) and left
/// to the defaults at configure time.
pub fn parse_config(config: &Value, env: &dyn Env) -> Result<Settings, Diagnostics> {
    let mut diags = Vec::new();
    let mut s = Settings::default();

    let attr_str = |name: &str| config.get(name).as_str().map(str::to_string);

    // region
    match attr_str("region") {
        Some(r) => {
            if is_region(&r) {
                s.region = Some(r);
            } else {
                diags.push(bad_region("region", &r).at("region"));
            }
        }
        None => {
            for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
                if let Some(r) = env.var(var) {
                    if is_region(&r) {
                        s.region = Some(r);
                    } else {
                        diags.push(bad_region(&format!("environment variable {var}"), &r));
                    }
                    break;
                }
            }
        }
    }

    // profile
    s.profile = attr_str("profile")
        .filter(|p| !p.is_empty())
        .or_else(|| env.var("AWS_PROFILE"));
    if config.get("profile").as_str() == Some("") {
        diags.push(
            Diagnostic::error(
                "Invalid profile",
                "profile = \"\" is empty; expected the name of a profile in the shared AWS \
                 config files, or remove the attribute to use AWS_PROFILE or `default`.",
            )
            .at("profile"),
        );
    }

    // endpoint
    let endpoint = match attr_str("endpoint") {
        Some(e) => Some(("endpoint".to_string(), e)),
        None => ["AWS_ENDPOINT_URL_API_GATEWAY", "AWS_ENDPOINT_URL"]
            .into_iter()
            .find_map(|v| env.var(v).map(|e| (format!("environment variable {v}"), e))),
    };
    if let Some((source, e)) = endpoint {
        match check_endpoint(&e, source == "endpoint") {
            Ok(url) => s.endpoint = Some(url),
            Err(why) => {
                let shown = without_user_info(&e);
                let d = Diagnostic::error(
                    "Invalid endpoint URL",
                    format!(
                        "{source} = {shown:?} is not a usable endpoint: {why}. Expected an absolute \
                         http:// or https:// URL such as \"http://127.0.0.1:4566\" or \
                         \"https://apigateway.eu-west-1.amazonaws.com\"."
                    ),
                );
                diags.push(if source == "endpoint" {
                    d.at("endpoint")
                } else {
                    d
                });
            }
        }
    }

    // max_retries
    if let Some(n) = config.get("max_retries").as_f64() {
        if n < 0.0 || n.fract() != 0.0 || n > 100.0 {
            diags.push(
                Diagnostic::error(
                    "Invalid max_retries",
                    format!(
                        "max_retries = {n} is not allowed; expected a whole number from 0 (no \
                         retries) to 100."
                    ),
                )
                .at("max_retries"),
            );
        } else {
            s.max_retries = n as u32;
        }
    }

    // timeouts
    let timeout = |name: &str, default: &str, diags: &mut Diagnostics| -> Option<Duration> {
        let v = config.get(name);
        let text = v.as_str().unwrap_or(default);
        match rotation::parse_duration(text) {
            Ok(0) => {
                diags.push(
                    Diagnostic::error(
                        format!("Invalid {name}"),
                        format!(
                            "{name} = {text:?} is zero; expected a positive duration such as \
                             {default:?}."
                        ),
                    )
                    .at(name),
                );
                None
            }
            Ok(secs) => Some(Duration::from_secs(secs)),
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("Invalid {name}"), format!("{name}: {e}.")).at(name),
                );
                None
            }
        }
    };
    let op = timeout("operation_timeout", DEFAULT_OPERATION_TIMEOUT, &mut diags);
    let attempt = timeout(
        "operation_attempt_timeout",
        DEFAULT_ATTEMPT_TIMEOUT,
        &mut diags,
    );
    if let Some(op) = op {
        s.operation_timeout = op;
    }
    if let Some(attempt) = attempt {
        s.operation_attempt_timeout = attempt;
    }
    if let (Some(op), Some(attempt)) = (op, attempt)
        && attempt > op
    {
        diags.push(
            Diagnostic::error(
                "Invalid operation_attempt_timeout",
                format!(
                    "operation_attempt_timeout ({}) is longer than operation_timeout ({}); one \
                     attempt cannot outlast the whole operation. Expected \
                     operation_attempt_timeout <= operation_timeout.",
                    rotation::format_duration(attempt.as_secs()),
                    rotation::format_duration(op.as_secs()),
                ),
            )
            .at("operation_attempt_timeout"),
        );
    }

    // rate limit
    if let Some(rps) = config.get("rate_limit_rps").as_f64() {
        if !(rps == 0.0 || (0.1..=10_000.0).contains(&rps)) {
            diags.push(
                Diagnostic::error(
                    "Invalid rate_limit_rps",
                    format!(
                        "rate_limit_rps = {rps} is not allowed; expected a number of requests \
                         per second from 0.1 to 10000, such as 10, or 0 for no limit."
                    ),
                )
                .at("rate_limit_rps"),
            );
        } else {
            s.rate_limit_rps = rps;
        }
    }
    if let Some(burst) = config.get("rate_limit_burst").as_f64() {
        if burst < 1.0 || burst.fract() != 0.0 || burst > 100_000.0 {
            diags.push(
                Diagnostic::error(
                    "Invalid rate_limit_burst",
                    format!(
                        "rate_limit_burst = {burst} is not allowed; expected a whole number of \
                         requests from 1 to 100000, such as 40."
                    ),
                )
                .at("rate_limit_burst"),
            );
        } else {
            s.rate_limit_burst = burst as u32;
        }
    }

    // default_tags
    let dt = config.get("default_tags");
    if let Value::Object(_) = dt {
        let tags = dt.get("tags");
        match tags {
            Value::Null => {}
            v => match v.as_string_map() {
                Some(m) => s.default_tags = m,
                None => diags.push(
                    Diagnostic::error(
                        "Invalid default_tags",
                        "default_tags.tags must be a map of known strings: every value, \
                         including null elements, is needed at configure time.",
                    )
                    .at_path(AttributePath::attr("default_tags").then_attr("tags")),
                ),
            },
        }
    }

    // assume_role
    let ar = config.get("assume_role");
    if let Value::Object(_) = ar {
        let path = |attr: &str| AttributePath::attr("assume_role").then_attr(attr);
        match ar.get("role_arn").as_str() {
            Some(arn) if is_role_arn(arn) => {
                s.assume_role = Some(AssumeRole {
                    role_arn: arn.to_string(),
                    session_name: ar.get("session_name").as_str().map(str::to_string),
                    external_id: ar.get("external_id").as_str().map(str::to_string),
                    duration: session_duration(ar, "assume_role", &mut diags),
                    policy: policy_json(ar, "assume_role", &mut diags),
                    policy_arns: policy_arns(ar, "assume_role", &mut diags),
                    tags: ar.get("tags").as_string_map().unwrap_or_default(),
                    transitive_tag_keys: strings(ar.get("transitive_tag_keys")),
                    source_identity: ar.get("source_identity").as_str().map(str::to_string),
                });
            }
            Some(arn) => diags.push(
                Diagnostic::error(
                    "Invalid assume_role.role_arn",
                    format!(
                        "role_arn = {arn:?} is not an IAM role ARN; expected \
                         arn:<partition>:iam::<account-id>:role/<name>, for example \
                         \"arn:aws:iam::123456789012:role/certificate-rotation\"."
                    ),
                )
                .at_path(path("role_arn")),
            ),
            None => {}
        }
        if let Some(name) = ar.get("session_name").as_str()
            && !is_session_name(name)
        {
            diags.push(
                Diagnostic::error(
                    "Invalid assume_role.session_name",
                    format!(
                        "session_name = {name:?} is not allowed; expected 2 to 64 characters \
                         from letters, digits and +=,.@-_"
                    ),
                )
                .at_path(path("session_name")),
            );
        }
    }

    if let Some(ar) = &s.assume_role {
        let path = |attr: &str| AttributePath::attr("assume_role").then_attr(attr);
        for key in &ar.transitive_tag_keys {
            if !ar.tags.contains_key(key) {
                diags.push(
                    Diagnostic::error(
                        "Invalid assume_role.transitive_tag_keys",
                        format!(
                            "transitive_tag_keys contains {key:?}, which is not a key of tags; \
                             expected only keys of assume_role.tags."
                        ),
                    )
                    .at_path(path("transitive_tag_keys")),
                );
            }
        }
        if let Some(id) = &ar.source_identity
            && !is_session_name(id)
        {
            diags.push(
                Diagnostic::error(
                    "Invalid assume_role.source_identity",
                    format!(
                        "source_identity = {id:?} is not allowed; expected 2 to 64 characters \
                         from letters, digits and +=,.@-_"
                    ),
                )
                .at_path(path("source_identity")),
            );
        }
    }

    // assume_role_with_web_identity
    let wi = config.get("assume_role_with_web_identity");
    if let Value::Object(_) = wi {
        let block = "assume_role_with_web_identity";
        let path = |attr: &str| AttributePath::attr(block).then_attr(attr);
        let role_arn = wi.get("role_arn").as_str().map(str::to_string);
        if let Some(arn) = &role_arn
            && !is_role_arn(arn)
        {
            diags.push(
                Diagnostic::error(
                    "Invalid assume_role_with_web_identity.role_arn",
                    format!(
                        "role_arn = {arn:?} is not an IAM role ARN; expected \
                         arn:<partition>:iam::<account-id>:role/<name>."
                    ),
                )
                .at_path(path("role_arn")),
            );
        }
        let token = wi.get("web_identity_token").as_str().map(str::to_string);
        let token_file = wi
            .get("web_identity_token_file")
            .as_str()
            .map(str::to_string);
        if token.is_some() && token_file.is_some() {
            diags.push(
                Diagnostic::error(
                    "Conflicting web identity token settings",
                    "web_identity_token and web_identity_token_file are both set; expected \
                     one of them (or neither, to use AWS_WEB_IDENTITY_TOKEN_FILE).",
                )
                .at_path(path("web_identity_token_file")),
            );
        }
        s.web_identity = Some(apigw::WebIdentity {
            role_arn,
            session_name: wi.get("session_name").as_str().map(str::to_string),
            token,
            token_file: token_file.map(|f| expand_home(&f, env).into()),
            duration: session_duration(wi, block, &mut diags),
            policy: policy_json(wi, block, &mut diags),
            policy_arns: policy_arns(wi, block, &mut diags),
        });
    }

    // shared files
    for attr in ["shared_config_files", "shared_credentials_files"] {
        let files: Vec<String> = strings(config.get(attr))
            .iter()
            .map(|f| expand_home(f, env))
            .collect();
        if let Some(empty) = files.iter().position(String::is_empty) {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {attr}"),
                    format!("{attr}[{empty}] is empty; expected the path of a file."),
                )
                .at(attr),
            );
        }
        if attr == "shared_config_files" {
            s.shared_config_files = files;
        } else {
            s.shared_credentials_files = files;
        }
    }

    // STS endpoint
    let sts = match attr_str("sts_endpoint") {
        Some(e) => Some(("sts_endpoint".to_string(), e)),
        None => ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
            .into_iter()
            .find_map(|v| env.var(v).map(|e| (format!("environment variable {v}"), e))),
    };
    match sts {
        Some((source, e)) => match check_endpoint(&e, source == "sts_endpoint") {
            Ok(url) => s.sts_endpoint = Some(url),
            Err(why) => {
                let d = Diagnostic::error(
                    "Invalid STS endpoint URL",
                    format!(
                        "{source} = {:?} is not a usable endpoint: {why}. Expected an absolute \
                         http:// or https:// URL such as \"https://sts.eu-west-1.amazonaws.com\".",
                        without_user_info(&e)
                    ),
                );
                diags.push(if source == "sts_endpoint" {
                    d.at("sts_endpoint")
                } else {
                    d
                });
            }
        },
        None => {
            s.sts_endpoint = s.endpoint.clone().filter(|e| apigw::is_loopback(e));
        }
    }

    // account guards
    for attr in ["allowed_account_ids", "forbidden_account_ids"] {
        let ids = strings(config.get(attr));
        for id in &ids {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                diags.push(
                    Diagnostic::error(
                        format!("Invalid {attr}"),
                        format!(
                            "{attr} contains {id:?}, which is not an AWS account ID; expected \
                             12 digits such as \"123456789012\"."
                        ),
                    )
                    .at(attr),
                );
            }
        }
        if attr == "allowed_account_ids" {
            s.allowed_account_ids = ids;
        } else {
            s.forbidden_account_ids = ids;
        }
    }
    if !s.allowed_account_ids.is_empty() && !s.forbidden_account_ids.is_empty() {
        diags.push(
            Diagnostic::error(
                "Conflicting account guards",
                "allowed_account_ids and forbidden_account_ids are both set; expected one of \
                 them: an allow list already forbids every other account.",
            )
            .at("forbidden_account_ids"),
        );
    }
    s.skip_credentials_validation = config
        .get("skip_credentials_validation")
        .as_bool()
        .unwrap_or(false);

    if diags.is_empty() { Ok(s) } else { Err(diags) }
}

/// The strings of a list or set value (unknown and null elements skipped).
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(items) | Value::Set(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// `~/…` with the home directory, as the AWS tools read these paths.
fn expand_home(path: &str, env: &dyn Env) -> String {
    match (path.strip_prefix("~/"), env.var("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => path.to_string(),
    }
}

/// STS accepts sessions from 15 minutes to 12 hours.
fn session_duration(block: &Value, name: &str, diags: &mut Diagnostics) -> Option<Duration> {
    let text = block.get("duration").as_str()?;
    let path = AttributePath::attr(name).then_attr("duration");
    match rotation::parse_duration(text) {
        Ok(secs) if (900..=43_200).contains(&secs) => Some(Duration::from_secs(secs)),
        Ok(_) => {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {name}.duration"),
                    format!(
                        "duration = {text:?} is outside what STS allows; expected from \"15m\" \
                         to \"12h\"."
                    ),
                )
                .at_path(path),
            );
            None
        }
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {name}.duration"),
                    format!("duration: {e}."),
                )
                .at_path(path),
            );
            None
        }
    }
}

fn policy_json(block: &Value, name: &str, diags: &mut Diagnostics) -> Option<String> {
    let text = block.get("policy").as_str()?;
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        diags.push(
            Diagnostic::error(
                format!("Invalid {name}.policy"),
                format!("policy is not valid JSON ({e}); expected an IAM policy document."),
            )
            .at_path(AttributePath::attr(name).then_attr("policy")),
        );
        return None;
    }
    Some(text.to_string())
}

fn policy_arns(block: &Value, name: &str, diags: &mut Diagnostics) -> Vec<String> {
    let arns = strings(block.get("policy_arns"));
    for arn in &arns {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6
            || parts[0] != "arn"
            || parts[2] != "iam"
            || !parts[5].starts_with("policy/")
        {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {name}.policy_arns"),
                    format!(
                        "policy_arns contains {arn:?}, which is not an IAM policy ARN; expected \
                         arn:<partition>:iam::<account-id or aws>:policy/<name>."
                    ),
                )
                .at_path(AttributePath::attr(name).then_attr("policy_arns")),
            );
        }
    }
    arns
}

fn bad_region(source: &str, r: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid region",
        format!(
            "{source} = {r:?} does not look like an AWS region; expected lower-case \
             <area>-<location>-<number> such as \"us-east-1\", \"eu-central-2\" or \
             \"us-gov-west-1\"."
        ),
    )
}

/// AWS region names: `us-east-1`, `ap-southeast-4`, `us-gov-west-1`,
/// `us-isob-east-1`, `eusc-de-east-1`.
pub fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    if parts.len() < 3 || parts.len() > 5 {
        return false;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some((last, middle)) = rest.split_last() else {
        return false;
    };
    (2..=4).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && middle
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// The endpoint as it may be shown: everything between the scheme and the
/// last `@` before any query or fragment (user name, password, keys, which
/// may themselves contain `/`) replaced by `***`. Over-redacting a path that
/// holds an `@` is the safe mistake.
fn without_user_info(e: &str) -> String {
    let end = e.find(['?', '#']).unwrap_or(e.len());
    let Some(at) = e[..end].rfind('@') else {
        return e.to_string();
    };
    let start = e
        .find("://")
        .map(|i| i + 3)
        .or_else(|| e.find(':').map(|i| i + 1))
        .filter(|&s| s <= at)
        .unwrap_or(0);
    format!("{}***{}", &e[..start], &e[at..])
}

/// Returns the URL as given (the SDK wants it verbatim) if it is usable.
/// `from_config`: the value comes from the provider block, not the environment.
fn check_endpoint(e: &str, from_config: bool) -> Result<String, String> {
    // The URL parser forgives these, the SDK does not: every call would fail.
    if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        let hint = if from_config {
            "a trailing newline from a file? trim it with trimspace()"
        } else {
            "a trailing newline? remove it from the variable"
        };
        return Err(format!(
            "it contains whitespace or control characters ({hint})"
        ));
    }
    let url = url::Url::parse(e).map_err(|err| err.to_string())?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "the scheme {:?} is not supported (only http and https)",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("it must not carry a query string or fragment".to_string());
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Keys never go in URLs: they would end up in logs.
        return Err("it must not contain user information".to_string());
    }
    Ok(e.to_string())
}

fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len()
}

fn is_session_name(n: &str) -> bool {
    (2..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_".contains(&b))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct MapEnv(HashMap<&'static str, &'static str>);
    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|s| s.to_string())
        }
    }

    fn cfg(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs)
    }

    fn err_of(config: Value) -> Diagnostic {
        let diags = parse_config(&config, &NoEnv).expect_err("must be rejected");
        assert_eq!(diags.len(), 1, "{diags:?}");
        diags.into_iter().next().expect("one diagnostic")
    }

    #[test]
    fn empty_config_gives_documented_defaults() {
        let s = parse_config(&Value::Null, &NoEnv).expect("valid");
        assert_eq!(s, Settings::default());
        assert_eq!(s.operation_timeout, Duration::from_secs(300));
        assert_eq!(s.operation_attempt_timeout, Duration::from_secs(20));
        assert_eq!(s.rate_limit_rps, 10.0);
        assert_eq!(s.rate_limit_burst, 40);
    }

    #[test]
    fn full_config_is_carried_into_settings() {
        let s = parse_config(
            &cfg(vec![
                ("region", Value::string("eu-west-1")),
                ("profile", Value::string("ops")),
                ("endpoint", Value::string("http://127.0.0.1:4566")),
                ("max_retries", Value::number(7.0)),
                ("operation_timeout", Value::string("2m")),
                ("operation_attempt_timeout", Value::string("30s")),
                ("rate_limit_rps", Value::number(2.5)),
                ("rate_limit_burst", Value::number(5.0)),
                (
                    "assume_role",
                    Value::object(vec![
                        (
                            "role_arn",
                            Value::string("arn:aws:iam::123456789012:role/rot"),
                        ),
                        ("session_name", Value::string("ci+deploy@team")),
                        ("external_id", Value::string("ext")),
                    ]),
                ),
            ]),
            &NoEnv,
        )
        .expect("valid");
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.profile.as_deref(), Some("ops"));
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:4566"));
        assert_eq!(s.max_retries, 7);
        assert_eq!(s.operation_timeout, Duration::from_secs(120));
        assert_eq!(s.operation_attempt_timeout, Duration::from_secs(30));
        assert_eq!(s.rate_limit_rps, 2.5);
        assert_eq!(s.rate_limit_burst, 5);
        let ar = s.assume_role.expect("assume_role");
        assert_eq!(ar.role_arn, "arn:aws:iam::123456789012:role/rot");
        assert_eq!(ar.session_name.as_deref(), Some("ci+deploy@team"));
        assert_eq!(ar.external_id.as_deref(), Some("ext"));
    }

    #[test]
    fn malformed_endpoint_names_attribute_and_value() {
        for bad in [
            "not a url",
            "ftp://example.com",
            "http://",
            "127.0.0.1:4566",
            "http://127.0.0.1:4566\n",
            " http://127.0.0.1:4566",
        ] {
            let d = err_of(cfg(vec![("endpoint", Value::string(bad))]));
            assert_eq!(d.summary, "Invalid endpoint URL");
            assert_eq!(d.attribute, Some(AttributePath::attr("endpoint")));
            assert!(d.detail.contains(&format!("{bad:?}")), "{}", d.detail);
            assert!(d.detail.contains("http://"), "{}", d.detail);
        }
    }

    #[test]
    fn credentials_in_an_endpoint_are_refused_without_being_repeated() {
        for (bad, shown) in [
            (
                "https://AKIAEXAMPLE:s3cr3t@apigw.example/",
                "https://***@apigw.example/",
            ),
            ("http://s3cr3t@127.0.0.1:4566", "http://***@127.0.0.1:4566"),
            ("http://a:s3cr3t@ bad host", "http://***@ bad host"),
            (
                "https://AKIAEXAMPLE:s3cr3t/K7MD+ENG/x@apigw.example",
                "https://***@apigw.example",
            ),
            ("http:/user:s3cr3t@host", "http:***@host"),
        ] {
            let d = err_of(cfg(vec![("endpoint", Value::string(bad))]));
            assert!(!d.detail.contains("s3cr3t"), "{}", d.detail);
            assert!(!d.detail.contains("AKIAEXAMPLE"), "{}", d.detail);
            assert!(d.detail.contains(&format!("{shown:?}")), "{}", d.detail);
        }
    }

    #[test]
    fn settings_not_known_until_apply_stop_configuration() {
        let config = cfg(vec![
            ("region", Value::string("eu-west-1")),
            ("endpoint", Value::Unknown),
            (
                "assume_role",
                Value::object(vec![("role_arn", Value::Unknown)]),
            ),
        ]);
        let diags = unknown_settings(&config);
        let blamed: Vec<_> = diags.iter().map(|d| d.attribute.clone()).collect();
        assert_eq!(
            blamed,
            vec![
                Some(AttributePath::attr("assume_role")),
                Some(AttributePath::attr("endpoint")),
            ]
        );
        assert!(diags.iter().all(|d| d.is_error()));
        assert!(
            diags[1].detail.contains("endpoint depends on a value"),
            "{}",
            diags[1].detail
        );
        assert!(unknown_settings(&cfg(vec![("region", Value::string("eu-west-1"))])).is_empty());
    }

    #[test]
    fn region_format_is_checked() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "us-gov-west-1",
            "cn-north-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "US-EAST-1",
            "useast1",
            "us-east",
            "us-east-1a",
            "moon",
            "",
            "-us-east-1",
        ] {
            let d = err_of(cfg(vec![("region", Value::string(bad))]));
            assert_eq!(d.summary, "Invalid region");
            assert_eq!(d.attribute, Some(AttributePath::attr("region")));
            assert!(
                d.detail.contains(&format!("region = {bad:?}")),
                "{}",
                d.detail
            );
            assert!(d.detail.contains("us-east-1"), "{}", d.detail);
        }
    }

    #[test]
    fn negative_or_fractional_max_retries_is_rejected() {
        for bad in [-1.0, 2.5, 101.0] {
            let d = err_of(cfg(vec![("max_retries", Value::number(bad))]));
            assert_eq!(d.attribute, Some(AttributePath::attr("max_retries")));
            assert!(
                d.detail.contains(&format!("max_retries = {bad}")),
                "{}",
                d.detail
            );
            assert!(d.detail.contains("whole number from 0"), "{}", d.detail);
        }
    }

    #[test]
    fn timeouts_must_parse_be_positive_and_ordered() {
        let d = err_of(cfg(vec![("operation_timeout", Value::string("soon"))]));
        assert_eq!(d.attribute, Some(AttributePath::attr("operation_timeout")));
        assert!(d.detail.contains("\"soon\""), "{}", d.detail);
        let d = err_of(cfg(vec![(
            "operation_attempt_timeout",
            Value::string("0s"),
        )]));
        assert!(d.detail.contains("zero"), "{}", d.detail);
        let d = err_of(cfg(vec![
            ("operation_timeout", Value::string("10s")),
            ("operation_attempt_timeout", Value::string("1m")),
        ]));
        assert_eq!(
            d.attribute,
            Some(AttributePath::attr("operation_attempt_timeout"))
        );
    }

    #[test]
    fn rate_limits_are_bounded() {
        for bad in [-1.0, 1e-20, 0.05, 10_001.0] {
            let d = err_of(cfg(vec![("rate_limit_rps", Value::number(bad))]));
            assert_eq!(d.attribute, Some(AttributePath::attr("rate_limit_rps")));
            assert!(d.detail.contains("from 0.1 to 10000"), "{}", d.detail);
        }
        let s = parse_config(&cfg(vec![("rate_limit_rps", Value::number(0.1))]), &NoEnv)
            .expect("0.1 is the slowest limit");
        assert_eq!(s.rate_limit_rps, 0.1);
        let d = err_of(cfg(vec![("rate_limit_burst", Value::number(0.0))]));
        assert_eq!(d.attribute, Some(AttributePath::attr("rate_limit_burst")));
        let s = parse_config(&cfg(vec![("rate_limit_rps", Value::number(0.0))]), &NoEnv)
            .expect("0 disables");
        assert_eq!(s.rate_limit_rps, 0.0);
    }

    #[test]
    fn bad_role_arn_points_inside_the_block() {
        let d = err_of(cfg(vec![(
            "assume_role",
            Value::object(vec![("role_arn", Value::string("arn:aws:iam::12:user/x"))]),
        )]));
        assert_eq!(
            d.attribute,
            Some(AttributePath::attr("assume_role").then_attr("role_arn"))
        );
        assert!(d.detail.contains("arn:aws:iam::12:user/x"), "{}", d.detail);
    }

    #[test]
    fn unknown_values_are_not_errors_at_validation() {
        let config = cfg(vec![
            ("region", Value::Unknown),
            ("endpoint", Value::Unknown),
            ("max_retries", Value::Unknown),
        ]);
        assert!(parse_config(&config, &NoEnv).is_ok());
    }

    #[test]
    fn environment_chain_fills_what_the_block_leaves_out() {
        let env = MapEnv(HashMap::from([
            ("AWS_DEFAULT_REGION", "eu-west-3"),
            ("AWS_PROFILE", "ops"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL_API_GATEWAY", "http://127.0.0.1:2"),
        ]));
        let s = parse_config(&Value::Null, &env).expect("valid");
        assert_eq!(s.region.as_deref(), Some("eu-west-3"));
        assert_eq!(s.profile.as_deref(), Some("ops"));
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:2"));

        let env = MapEnv(HashMap::from([
            ("AWS_REGION", "us-west-2"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ]));
        let s = parse_config(&Value::Null, &env).expect("valid");
        assert_eq!(s.region.as_deref(), Some("us-west-2"));
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:1"));

        // The block wins over the environment.
        let s =
            parse_config(&cfg(vec![("region", Value::string("ap-south-1"))]), &env).expect("valid");
        assert_eq!(s.region.as_deref(), Some("ap-south-1"));
    }

    #[test]
    fn bad_environment_endpoint_names_the_variable() {
        let env = MapEnv(HashMap::from([("AWS_ENDPOINT_URL", "nope")]));
        let diags = parse_config(&Value::Null, &env).expect_err("rejected");
        assert!(diags[0].detail.contains("AWS_ENDPOINT_URL"), "{:?}", diags);
        let env = MapEnv(HashMap::from([(
            "AWS_ENDPOINT_URL",
            "http://127.0.0.1:1\n",
        )]));
        let diags = parse_config(&Value::Null, &env).expect_err("rejected");
        assert!(
            diags[0].detail.contains("remove it from the variable"),
            "{:?}",
            diags
        );
        let config = Value::object([("endpoint", Value::string("http://127.0.0.1:1\n"))]);
        let diags = parse_config(&config, &NoEnv).expect_err("rejected");
        assert!(diags[0].detail.contains("trimspace()"), "{:?}", diags);
    }

    #[test]
    fn every_schema_attribute_has_a_sentence_description() {
        fn check(block: &Block, path: &str) {
            assert!(block.description.ends_with('.'), "{path}");
            for a in &block.attributes {
                assert!(
                    a.description.len() > 20 && a.description.ends_with('.'),
                    "{path}.{} lacks a full-sentence description",
                    a.name
                );
            }
            for b in &block.blocks {
                check(&b.block, &format!("{path}.{}", b.type_name));
            }
        }
        check(&provider_schema().block, "provider");
    }

    #[test]
    fn credential_chain_settings_are_carried_over() {
        let env = MapEnv(HashMap::from([("HOME", "/home/ops")]));
        let s = parse_config(
            &cfg(vec![
                (
                    "shared_config_files",
                    Value::List(vec![Value::string("~/team/config")]),
                ),
                (
                    "shared_credentials_files",
                    Value::List(vec![Value::string("/etc/aws/credentials")]),
                ),
                (
                    "allowed_account_ids",
                    Value::Set(vec![Value::string("123456789012")]),
                ),
                ("skip_credentials_validation", Value::Bool(true)),
                (
                    "assume_role",
                    Value::object(vec![
                        (
                            "role_arn",
                            Value::string("arn:aws:iam::123456789012:role/r"),
                        ),
                        ("duration", Value::string("2h")),
                        ("policy", Value::string("{\"Version\":\"2012-10-17\"}")),
                        (
                            "policy_arns",
                            Value::Set(vec![Value::string(
                                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                            )]),
                        ),
                        (
                            "tags",
                            Value::Map([("team".to_string(), Value::string("edge"))].into()),
                        ),
                        (
                            "transitive_tag_keys",
                            Value::Set(vec![Value::string("team")]),
                        ),
                        ("source_identity", Value::string("alice")),
                    ]),
                ),
                (
                    "assume_role_with_web_identity",
                    Value::object(vec![
                        (
                            "role_arn",
                            Value::string("arn:aws:iam::123456789012:role/oidc"),
                        ),
                        ("web_identity_token_file", Value::string("~/token")),
                    ]),
                ),
            ]),
            &env,
        )
        .expect("valid");
        assert_eq!(s.shared_config_files, ["/home/ops/team/config"]);
        assert_eq!(s.shared_credentials_files, ["/etc/aws/credentials"]);
        assert_eq!(s.allowed_account_ids, ["123456789012"]);
        assert!(s.skip_credentials_validation);
        let ar = s.assume_role.expect("assume_role");
        assert_eq!(ar.duration, Some(Duration::from_secs(7200)));
        assert_eq!(ar.policy_arns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert_eq!(ar.tags.get("team").map(String::as_str), Some("edge"));
        assert_eq!(ar.transitive_tag_keys, ["team"]);
        assert_eq!(ar.source_identity.as_deref(), Some("alice"));
        let wi = s.web_identity.expect("web identity");
        assert_eq!(wi.token_file, Some("/home/ops/token".into()));
    }

    #[test]
    fn bad_credential_settings_name_the_attribute_and_value() {
        let role = |extra: Vec<(&str, Value)>| {
            let mut pairs = vec![(
                "role_arn",
                Value::string("arn:aws:iam::123456789012:role/r"),
            )];
            pairs.extend(extra);
            cfg(vec![("assume_role", Value::object(pairs))])
        };
        for (config, attr, needle) in [
            (
                role(vec![("duration", Value::string("5m"))]),
                "duration",
                "\"5m\"",
            ),
            (
                role(vec![("policy", Value::string("{not json"))]),
                "policy",
                "not valid JSON",
            ),
            (
                role(vec![(
                    "policy_arns",
                    Value::Set(vec![Value::string("ReadOnly")]),
                )]),
                "policy_arns",
                "\"ReadOnly\"",
            ),
            (
                role(vec![(
                    "transitive_tag_keys",
                    Value::Set(vec![Value::string("team")]),
                )]),
                "transitive_tag_keys",
                "\"team\"",
            ),
            (
                role(vec![("source_identity", Value::string("a"))]),
                "source_identity",
                "\"a\"",
            ),
        ] {
            let d = err_of(config);
            assert_eq!(
                d.attribute,
                Some(AttributePath::attr("assume_role").then_attr(attr)),
                "{d:?}"
            );
            assert!(d.detail.contains(needle), "{}", d.detail);
        }
        let d = err_of(cfg(vec![(
            "allowed_account_ids",
            Value::Set(vec![Value::string("12345")]),
        )]));
        assert_eq!(
            d.attribute,
            Some(AttributePath::attr("allowed_account_ids"))
        );
        assert!(d.detail.contains("\"12345\""), "{}", d.detail);
        let d = err_of(cfg(vec![
            (
                "allowed_account_ids",
                Value::Set(vec![Value::string("123456789012")]),
            ),
            (
                "forbidden_account_ids",
                Value::Set(vec![Value::string("210987654321")]),
            ),
        ]));
        assert_eq!(d.summary, "Conflicting account guards");
        let d = err_of(cfg(vec![(
            "assume_role_with_web_identity",
            Value::object(vec![
                ("web_identity_token", Value::string("t")),
                ("web_identity_token_file", Value::string("/f")),
            ]),
        )]));
        assert_eq!(d.summary, "Conflicting web identity token settings");
        assert!(!d.detail.contains("\"t\""), "the token is not repeated");
    }

    #[test]
    fn sts_endpoint_comes_from_the_block_the_environment_or_a_local_endpoint() {
        let local = cfg(vec![("endpoint", Value::string("http://127.0.0.1:4566"))]);
        let s = parse_config(&local, &NoEnv).expect("valid");
        assert_eq!(s.sts_endpoint.as_deref(), Some("http://127.0.0.1:4566"));
        let remote = cfg(vec![(
            "endpoint",
            Value::string("https://apigateway.eu-west-1.amazonaws.com"),
        )]);
        let s = parse_config(&remote, &NoEnv).expect("valid");
        assert_eq!(s.sts_endpoint, None, "AWS's STS for a remote endpoint");
        let env = MapEnv(HashMap::from([(
            "AWS_ENDPOINT_URL_STS",
            "http://127.0.0.1:9",
        )]));
        let s = parse_config(&local, &env).expect("valid");
        assert_eq!(s.sts_endpoint.as_deref(), Some("http://127.0.0.1:9"));
        let block = cfg(vec![("sts_endpoint", Value::string("https://sts.example"))]);
        let s = parse_config(&block, &env).expect("valid");
        assert_eq!(s.sts_endpoint.as_deref(), Some("https://sts.example"));
        let d = err_of(cfg(vec![("sts_endpoint", Value::string("sts"))]));
        assert_eq!(d.attribute, Some(AttributePath::attr("sts_endpoint")));
    }

    #[test]
    fn client_before_configure_is_a_diagnostic() {
        let context = Context::default();
        let d = context.client().expect_err("not configured");
        assert_eq!(d.summary, "Provider not configured");
    }
}

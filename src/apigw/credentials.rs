//! The credential chain on top of the SDK's default one: `assume_role` and
//! `assume_role_with_web_identity` with every field the AWS provider has,
//! and the configure-time resolution that reports a failure once, in a
//! sentence, instead of on every API call.
//!
//! The SDK's own AssumeRole provider lacks `transitive_tag_keys` and
//! `source_identity`, and its web identity provider reads tokens only from a
//! file; both are small STS calls, so they are made here with the STS client.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};

/// Session name when neither the block nor the environment names one.
pub const DEFAULT_SESSION_NAME: &str = "terraform-provider-apigw";

/// Cached credentials are refreshed this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// `assume_role`: a role assumed on top of the base credentials.
#[derive(Clone, PartialEq, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

impl std::fmt::Debug for AssumeRole {
    // The external ID is a shared secret with the role's owner: keep it out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "** redacted **"),
            )
            .field("duration", &self.duration)
            .field("policy", &self.policy.as_ref().map(|_| "(set)"))
            .field("policy_arns", &self.policy_arns)
            .field("tags", &self.tags)
            .field("transitive_tag_keys", &self.transitive_tag_keys)
            .field("source_identity", &self.source_identity)
            .finish()
    }
}

/// `assume_role_with_web_identity`: an OIDC token exchanged for a role.
#[derive(Clone, PartialEq, Default)]
pub struct WebIdentity {
    /// None: `AWS_ROLE_ARN`.
    pub role_arn: Option<String>,
    /// None: `AWS_ROLE_SESSION_NAME`, then [`DEFAULT_SESSION_NAME`].
    pub session_name: Option<String>,
    /// The token itself (sensitive).
    pub token: Option<String>,
    /// None (and no `token`): `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub token_file: Option<PathBuf>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

impl std::fmt::Debug for WebIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebIdentity")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("token", &self.token.as_ref().map(|_| "** redacted **"))
            .field("token_file", &self.token_file)
            .field("duration", &self.duration)
            .field("policy", &self.policy.as_ref().map(|_| "(set)"))
            .field("policy_arns", &self.policy_arns)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn duration_seconds(d: Option<Duration>) -> Option<i32> {
    d.map(|d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX))
}

fn policy_arns(arns: &[String]) -> Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| {
        arns.iter()
            .map(|a| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(a)
                    .build()
            })
            .collect()
    })
}

fn into_credentials(
    c: Option<&aws_sdk_sts::types::Credentials>,
    name: &'static str,
) -> provider::Result {
    let c = c.ok_or_else(|| CredentialsError::unhandled("STS returned no credentials"))?;
    let expiry = SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        name,
    ))
}

/// STS AssumeRole with the block's fields; the STS client carries the source
/// credentials.
#[derive(Debug)]
pub struct AssumeRoleProvider {
    pub sts: aws_sdk_sts::Client,
    pub role: AssumeRole,
}

impl AssumeRoleProvider {
    async fn assume(&self) -> provider::Result {
        let r = &self.role;
        let mut req = self
            .sts
            .assume_role()
            .role_arn(&r.role_arn)
            .role_session_name(r.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME))
            .set_external_id(r.external_id.clone())
            .set_duration_seconds(duration_seconds(r.duration))
            .set_policy(r.policy.clone())
            .set_policy_arns(policy_arns(&r.policy_arns))
            .set_source_identity(r.source_identity.clone());
        for (k, v) in &r.tags {
            let tag = aws_sdk_sts::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(CredentialsError::invalid_configuration)?;
            req = req.tags(tag);
        }
        for k in &r.transitive_tag_keys {
            req = req.transitive_tag_keys(k);
        }
        let out = req.send().await.map_err(|e| {
            CredentialsError::provider_error(format!(
                "STS AssumeRole of {} failed: {}",
                r.role_arn,
                chain(&e)
            ))
        })?;
        into_credentials(out.credentials(), "AssumeRole")
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.assume())
    }
}

/// STS AssumeRoleWithWebIdentity; the token file is read on every call,
/// because platforms rotate it.
#[derive(Debug)]
pub struct WebIdentityProvider {
    /// An STS client without credentials: the call is authenticated by the token.
    pub sts: aws_sdk_sts::Client,
    pub identity: WebIdentity,
}

impl WebIdentityProvider {
    async fn exchange(&self) -> provider::Result {
        let w = &self.identity;
        let role_arn = w
            .role_arn
            .clone()
            .or_else(|| env("AWS_ROLE_ARN"))
            .ok_or_else(|| {
                CredentialsError::invalid_configuration(
                    "assume_role_with_web_identity has no role_arn and AWS_ROLE_ARN is not set",
                )
            })?;
        let token = match (&w.token, &w.token_file) {
            (Some(t), _) => t.clone(),
            (None, file) => {
                let file = file
                    .clone()
                    .or_else(|| env("AWS_WEB_IDENTITY_TOKEN_FILE").map(PathBuf::from))
                    .ok_or_else(|| {
                        CredentialsError::invalid_configuration(
                            "assume_role_with_web_identity has neither web_identity_token nor \
                             web_identity_token_file, and AWS_WEB_IDENTITY_TOKEN_FILE is not set",
                        )
                    })?;
                let text = tokio::fs::read_to_string(&file).await.map_err(|e| {
                    CredentialsError::invalid_configuration(format!(
                        "cannot read the web identity token file {}: {e}",
                        file.display()
                    ))
                })?;
                text.trim().to_string()
            }
        };
        let session = w
            .session_name
            .clone()
            .or_else(|| env("AWS_ROLE_SESSION_NAME"))
            .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string());
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&role_arn)
            .role_session_name(session)
            .web_identity_token(token)
            .set_duration_seconds(duration_seconds(w.duration))
            .set_policy(w.policy.clone())
            .set_policy_arns(policy_arns(&w.policy_arns))
            .send()
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!(
                    "STS AssumeRoleWithWebIdentity of {role_arn} failed: {}",
                    chain(&e)
                ))
            })?;
        into_credentials(out.credentials(), "WebIdentityToken")
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.exchange())
    }
}

/// Credentials resolved at configure time, served until shortly before they
/// expire, then refreshed from the chain they came from. Without it the
/// API Gateway client would resolve them a second time (one more STS or SSO
/// call) on its first request.
#[derive(Debug)]
pub struct Resolved {
    inner: SharedCredentialsProvider,
    current: Mutex<Credentials>,
}

impl Resolved {
    pub fn new(inner: SharedCredentialsProvider, first: Credentials) -> Self {
        Resolved {
            inner,
            current: Mutex::new(first),
        }
    }

    async fn get(&self) -> provider::Result {
        let cached = self.current.lock().ok().map(|c| c.clone());
        if let Some(c) = cached {
            let fresh = c
                .expiry()
                .is_none_or(|at| at > crate::clock::real_time() + REFRESH_MARGIN);
            if fresh {
                return Ok(c);
            }
        }
        let c = self.inner.provide_credentials().await?;
        if let Ok(mut slot) = self.current.lock() {
            *slot = c.clone();
        }
        Ok(c)
    }
}

impl ProvideCredentials for Resolved {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.get())
    }
}

/// An error and its causes as one line ("a: b: c"): the SDK's causes name
/// profiles, files and services, never secrets.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ").trim_end_matches('.').to_string()
}

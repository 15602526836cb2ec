//! REST API fixtures through the real AWS SDK: shared by the `seed` example
//! (demo, example tests) and the end-to-end tests, which include this file.

#![allow(dead_code)]

use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};

/// An SDK client for `endpoint`, with credentials from the environment or,
/// when unset, the emulator's defaults (test/test).
pub async fn client(endpoint: &str, region: &str) -> aws_sdk_apigateway::Client {
    let key = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "test".to_string());
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "test".to_string());
    let conf = aws_sdk_apigateway::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(key, secret, None, None, "seed"))
        .endpoint_url(endpoint)
        // The emulator is local: never through the environment's HTTP proxy.
        .http_client(terraform_provider_apigw::apigw::direct_http_client())
        .build();
    aws_sdk_apigateway::Client::from_conf(conf)
}

/// Creates a REST API, one deployment and the given stages; returns the API's ID.
pub async fn create_api(
    client: &aws_sdk_apigateway::Client,
    name: &str,
    stages: &[&str],
) -> Result<String, String> {
    create_api_with_deployment(client, name, stages)
        .await
        .map(|(api, _)| api)
}

/// [`create_api`], returning the deployment's ID as well.
pub async fn create_api_with_deployment(
    client: &aws_sdk_apigateway::Client,
    name: &str,
    stages: &[&str],
) -> Result<(String, String), String> {
    let api = client
        .create_rest_api()
        .name(name)
        .send()
        .await
        .map_err(|e| {
            format!(
                "CreateRestApi: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(e)
            )
        })?;
    let api_id = api
        .id()
        .ok_or("CreateRestApi answered without an id")?
        .to_string();
    let deployment = client
        .create_deployment()
        .rest_api_id(&api_id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "CreateDeployment: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(e)
            )
        })?;
    let deployment_id = deployment
        .id()
        .ok_or("CreateDeployment answered without an id")?
        .to_string();
    for stage in stages {
        client
            .create_stage()
            .rest_api_id(&api_id)
            .stage_name(*stage)
            .deployment_id(&deployment_id)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "CreateStage {stage}: {}",
                    aws_sdk_apigateway::error::DisplayErrorContext(e)
                )
            })?;
    }
    Ok((api_id, deployment_id))
}

/// The certificate a stage presents, as API Gateway reports it (None: none).
pub async fn stage_certificate(
    client: &aws_sdk_apigateway::Client,
    api_id: &str,
    stage: &str,
) -> Result<Option<String>, String> {
    let out = client
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .map_err(|e| {
            format!(
                "GetStage: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(e)
            )
        })?;
    Ok(out
        .client_certificate_id()
        .filter(|s| !s.is_empty())
        .map(str::to_string))
}

/// Switches a stage's certificate behind Terraform's back (drift).
pub async fn set_stage_certificate(
    client: &aws_sdk_apigateway::Client,
    api_id: &str,
    stage: &str,
    certificate_id: &str,
) -> Result<(), String> {
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/clientCertificateId")
                .value(certificate_id)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            format!(
                "UpdateStage: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(e)
            )
        })?;
    Ok(())
}

/// Generates a certificate directly (outside Terraform); returns its ID.
pub async fn generate_certificate(
    client: &aws_sdk_apigateway::Client,
    description: &str,
) -> Result<String, String> {
    let out = client
        .generate_client_certificate()
        .description(description)
        .send()
        .await
        .map_err(|e| {
            format!(
                "GenerateClientCertificate: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(e)
            )
        })?;
    out.client_certificate_id()
        .map(str::to_string)
        .ok_or_else(|| "GenerateClientCertificate answered without an id".to_string())
}

/// An SDK client with a runtime of its own, for a test that calls the API
/// between blocking `terraform` runs.
pub struct Blocking {
    rt: tokio::runtime::Runtime,
    pub client: aws_sdk_apigateway::Client,
}

impl Blocking {
    pub fn new(endpoint: &str, region: &str) -> Blocking {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start a runtime: {e}"));
        let client = rt.block_on(client(endpoint, region));
        Blocking { rt, client }
    }

    /// Runs one call to completion.
    pub fn run<F: std::future::Future>(&self, call: F) -> F::Output {
        self.rt.block_on(call)
    }

    /// DeleteClientCertificate, as a user outside Terraform would.
    pub fn delete_certificate(&self, id: &str) {
        self.run(
            self.client
                .delete_client_certificate()
                .client_certificate_id(id)
                .send(),
        )
        .unwrap_or_else(|e| panic!("cannot delete {id}: {e:?}"));
    }
}

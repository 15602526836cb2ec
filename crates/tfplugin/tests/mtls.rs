//! A plugin served by this crate answers only the client holding the
//! certificate Terraform passed in PLUGIN_CLIENT_CERT. These tests launch a
//! plugin binary (the toy provider in `support/`) the way Terraform does
//! (environment, handshake line on stdout, unix socket) and talk gRPC over
//! mTLS with their own client.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use rustls::pki_types::ServerName;
use support::plugin::{
    COOKIE, ClientIdentity, ProviderProcess, channel, client_config, launch, runtime,
    terraform_like_identity,
};
use tfplugin::proto::{plugin, tfplugin6};

/// Connects and calls GRPCController/Shutdown.
async fn try_shutdown(
    p: &ProviderProcess,
    identity: Option<&ClientIdentity>,
) -> Result<(), String> {
    let ch = channel(p, identity).await?;
    plugin::grpc_controller_client::GrpcControllerClient::new(ch)
        .shutdown(plugin::Empty {})
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

async fn try_schema(
    p: &ProviderProcess,
    identity: Option<&ClientIdentity>,
) -> Result<tfplugin6::get_provider_schema::Response, String> {
    let ch = channel(p, identity).await?;
    tfplugin6::provider_client::ProviderClient::new(ch)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .map(tonic::Response::into_inner)
        .map_err(|e| format!("{e:?}"))
}

/// A raw TLS session: the server must abort it with an alert rather than
/// answer anything.
async fn raw_tls_outcome(p: &ProviderProcess, identity: Option<&ClientIdentity>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = client_config(&p.server_cert, identity);
    let stream = match tokio::net::UnixStream::connect(&p.socket).await {
        Ok(s) => s,
        Err(e) => return format!("connect failed: {e}"),
    };
    let name = ServerName::try_from("localhost").unwrap_or_else(|e| panic!("{e}"));
    let mut tls = match tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
    {
        Ok(t) => t,
        Err(e) => return format!("handshake failed: {e}"),
    };
    // In TLS 1.3 the client finishes first; the server's verdict on the client
    // certificate arrives as the first record after that.
    let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    let mut buf = [0u8; 64];
    match tls.read(&mut buf).await {
        Ok(0) => "closed without data".to_string(),
        Ok(n) => format!("SERVER ANSWERED {n} bytes"),
        Err(e) => format!("read failed: {e}"),
    }
}

#[test]
fn socket_is_private_and_handshake_is_one_line() {
    let terraform = terraform_like_identity();
    let p = launch(&terraform.cert_pem);
    let mode = std::fs::metadata(&p.socket)
        .unwrap_or_else(|e| panic!("socket {} missing: {e}", p.socket.display()))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "socket mode {mode:o}");
    let dir = p
        .socket
        .parent()
        .unwrap_or_else(|| panic!("socket has no parent"));
    let dir_mode = std::fs::metadata(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "socket dir mode {dir_mode:o}");
    assert!(p.handshake.starts_with("1|6|unix|/"), "{}", p.handshake);
}

#[test]
fn client_without_certificate_cannot_call_any_rpc() {
    let terraform = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    let raw = rt.block_on(raw_tls_outcome(&p, None));
    assert!(
        !raw.starts_with("SERVER ANSWERED"),
        "server answered a client without certificate: {raw}"
    );
    let shutdown = rt.block_on(try_shutdown(&p, None));
    assert!(
        shutdown.is_err(),
        "Shutdown succeeded without a client certificate"
    );
    let schema = rt.block_on(try_schema(&p, None));
    assert!(
        schema.is_err(),
        "GetProviderSchema succeeded without a client certificate"
    );
    assert!(
        matches!(p.child.try_wait(), Ok(None)),
        "the provider exited: an unauthenticated Shutdown must not reach it"
    );
    // Positive control: the rightful client gets through, raw and by RPC.
    let genuine_raw = rt.block_on(raw_tls_outcome(&p, Some(&terraform)));
    assert!(
        genuine_raw.starts_with("SERVER ANSWERED"),
        "the server did not answer Terraform's certificate: {genuine_raw}"
    );
    rt.block_on(try_schema(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("GetProviderSchema with Terraform's certificate failed: {e}"));
}

#[test]
fn client_with_another_p521_certificate_cannot_call_any_rpc() {
    let terraform = terraform_like_identity();
    let impostor = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    let raw = rt.block_on(raw_tls_outcome(&p, Some(&impostor)));
    assert!(
        !raw.starts_with("SERVER ANSWERED"),
        "server answered an impostor: {raw}"
    );
    let shutdown = rt.block_on(try_shutdown(&p, Some(&impostor)));
    assert!(
        shutdown.is_err(),
        "Shutdown succeeded with a foreign certificate"
    );
    let schema = rt.block_on(try_schema(&p, Some(&impostor)));
    assert!(
        schema.is_err(),
        "GetProviderSchema succeeded with a foreign certificate"
    );
    assert!(
        matches!(p.child.try_wait(), Ok(None)),
        "the provider exited: a foreign Shutdown must not reach it"
    );
    // Positive control: the same checks with Terraform's certificate, on the
    // same process, get through, so the refusals above are about the
    // certificate and not a broken client.
    let genuine_raw = rt.block_on(raw_tls_outcome(&p, Some(&terraform)));
    assert!(
        genuine_raw.starts_with("SERVER ANSWERED"),
        "the server did not answer Terraform's certificate: {genuine_raw}"
    );
    rt.block_on(try_schema(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("GetProviderSchema with Terraform's certificate failed: {e}"));
}

#[test]
fn terraforms_certificate_works_and_shutdown_exits_cleanly() {
    let terraform = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    let schema = rt
        .block_on(try_schema(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("GetProviderSchema with Terraform's certificate failed: {e}"));
    let caps = schema
        .server_capabilities
        .unwrap_or_else(|| panic!("no server capabilities"));
    assert!(caps.plan_destroy, "plan_destroy must be announced");
    assert!(schema.provider.is_some(), "no provider schema");
    rt.block_on(try_shutdown(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("Shutdown with Terraform's certificate failed: {e}"));
    // Closes the client's connections, as Terraform does after Shutdown.
    drop(rt);
    let status = p.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert!(
        status.success(),
        "provider exit status after Shutdown: {status}"
    );
    assert!(
        !p.socket.exists(),
        "socket {} left behind after shutdown",
        p.socket.display()
    );
}

#[test]
fn refuses_to_run_without_terraform() {
    let out = Command::new(env!("CARGO_BIN_EXE_tfplugin-toy-provider"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap_or_else(|e| panic!("cannot start the provider: {e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing may reach stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Terraform provider plugin"), "stderr: {err}");

    let out = Command::new(env!("CARGO_BIN_EXE_tfplugin-toy-provider"))
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .env("PLUGIN_CLIENT_CERT", terraform_like_identity().cert_pem)
        .output()
        .unwrap_or_else(|e| panic!("cannot start the provider: {e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing may reach stdout");
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 6"));
}

fn signal(p: &ProviderProcess, sig: i32) {
    let pid = i32::try_from(p.child.id()).unwrap_or_else(|e| panic!("pid: {e}"));
    // SAFETY: sends a signal to the child this test started.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
}

#[test]
fn sigint_is_ignored_and_sigterm_exits_cleaning_up() {
    let terraform = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    // Ctrl-C in a terminal reaches the provider too; Terraform, not the
    // signal, decides when it stops.
    signal(&p, libc::SIGINT);
    rt.block_on(try_schema(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("provider stopped serving after SIGINT: {e}"));
    assert!(
        matches!(p.child.try_wait(), Ok(None)),
        "provider died of SIGINT"
    );
    drop(rt);

    signal(&p, libc::SIGTERM);
    let status = p.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let dir = p.socket.parent().map(std::path::Path::to_path_buf);
    assert!(
        dir.is_some_and(|d| !d.exists()),
        "socket directory left behind after SIGTERM"
    );
}

#[test]
fn messages_larger_than_grpcs_default_limit_are_accepted() {
    let terraform = terraform_like_identity();
    let p = launch(&terraform.cert_pem);
    let rt = runtime();
    // A 6 MiB provider configuration (one long string); tonic's default
    // limit is 4 MiB, Terraform's is 256 MiB.
    let big = "x".repeat(6 << 20);
    let mut msgpack = vec![0x81, 0xa8];
    msgpack.extend_from_slice(b"greeting");
    msgpack.push(0xdb);
    msgpack.extend_from_slice(&u32::try_from(big.len()).unwrap_or(0).to_be_bytes());
    msgpack.extend_from_slice(big.as_bytes());
    let result = rt.block_on(async {
        let ch = channel(&p, Some(&terraform)).await?;
        tfplugin6::provider_client::ProviderClient::new(ch)
            .max_encoding_message_size(64 << 20)
            .max_decoding_message_size(64 << 20)
            .validate_provider_config(tfplugin6::validate_provider_config::Request {
                config: Some(tfplugin6::DynamicValue {
                    msgpack,
                    json: Vec::new(),
                }),
            })
            .await
            .map_err(|e| format!("{:?}: {}", e.code(), e.message()))
    });
    let response = result.unwrap_or_else(|e| panic!("6 MiB request refused: {e}"));
    // The oversized greeting is invalid, and the provider says so in a diagnostic.
    let diagnostics = &response.get_ref().diagnostics;
    assert!(
        !diagnostics.is_empty(),
        "the 6 MiB greeting must be reported as invalid"
    );
    assert!(
        diagnostics.iter().all(|d| d.detail.len() < 100_000),
        "a diagnostic echoed the whole 6 MiB value"
    );
}

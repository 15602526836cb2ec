//! Every REST API operation driven by boto3, an independent AWS client, against the
//! emulator and a loopback HTTPS backend requiring a client certificate.
//!
//! boto3 is installed into a virtual environment under `build/boto3-venv` of the
//! workspace the first time (Python 3 with `venv` and pip access are required).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use apigw_emulator::testing::Backend;
use apigw_emulator::{Config, spawn};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's python, with boto3 importable; installs it when missing.
fn boto3_python() -> PathBuf {
    let venv = workspace_root().join("build/boto3-venv");
    let python = venv.join("bin/python");
    let has_boto3 = |p: &Path| {
        Command::new(p)
            .args(["-c", "import boto3"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.is_file() && has_boto3(&python) {
        return python;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap_or_else(|e| {
            panic!("python3 is needed to install boto3 (apt-get install python3 python3-venv): {e}")
        });
    assert!(
        made.status.success(),
        "python3 -m venv {} failed (apt-get install python3-venv):\n{}",
        venv.display(),
        String::from_utf8_lossy(&made.stderr)
    );
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "boto3"])
        .output()
        .expect("running pip");
    assert!(
        pip.status.success(),
        "installing boto3 into {} failed; install it by hand with `{}/bin/pip install boto3`:\n{}",
        venv.display(),
        venv.display(),
        String::from_utf8_lossy(&pip.stderr)
    );
    assert!(
        has_boto3(&python),
        "boto3 still not importable after pip install"
    );
    python
}

#[tokio::test]
async fn boto3_drives_every_rest_api_operation() {
    let python = tokio::task::spawn_blocking(boto3_python).await.unwrap();
    let dir = std::env::temp_dir().join(format!("apigw-emu-boto3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    // The backend must know the trusted certificate before it starts, and the
    // emulator the backend's CA: mint the certificates into a state file first.
    let minted = spawn(Config {
        state_file: Some(state.clone()),
        ..Config::default()
    })
    .await
    .unwrap();
    let trusted = minted
        .generate_certificate(Some("trusted".into()), Default::default())
        .unwrap();
    let untrusted = minted
        .generate_certificate(Some("untrusted".into()), Default::default())
        .unwrap();
    drop(minted);
    let backend = Backend::start(&[&trusted.pem]).await;
    let emu = spawn(Config {
        state_file: Some(state),
        backend_ca: vec![backend.write_ca(&dir)],
        ..Config::default()
    })
    .await
    .unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/boto3/rest_api_ops.py");
    let mut cmd = tokio::process::Command::new(&python);
    cmd.arg(&script)
        .env("EMULATOR_URL", emu.url())
        .env("BACKEND", backend.addr.to_string())
        .env("TRUSTED_CERT", &trusted.id)
        .env("UNTRUSTED_CERT", &untrusted.id)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .kill_on_drop(true);
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "AWS_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.output().await.expect("running the boto3 script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "boto3 script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    let ran: Vec<&str> = summary["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for operation in [
        "CreateRestApi",
        "GetRestApi",
        "GetRestApis",
        "GetResources",
        "CreateResource",
        "GetResource",
        "PutMethod",
        "GetMethod",
        "PutIntegration",
        "GetIntegration",
        "CreateDeployment",
        "GetDeployment",
        "GetDeployments",
        "CreateStage",
        "GetStage",
        "GetStages",
        "UpdateStage",
        "TestInvokeMethod",
        "Invoke",
        "DeleteStage",
        "DeleteDeployment",
        "DeleteIntegration",
        "DeleteMethod",
        "DeleteResource",
        "DeleteRestApi",
    ] {
        assert!(
            ran.contains(&operation),
            "boto3 did not exercise {operation}: {ran:?}"
        );
        assert!(
            emu.call_count(operation) > 0,
            "the emulator never served {operation}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

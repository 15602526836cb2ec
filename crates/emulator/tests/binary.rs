//! The `apigw-emulator` binary: the stdout contract, signals, the state file and flags.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use support::client;

/// Kills the child on drop so a failing test leaves nothing running.
struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_apigw-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start apigw-emulator");
    // Guarded from here on: a failed check below still stops the process.
    let mut running = Running {
        child,
        url: String::new(),
    };
    let stdout = running.child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .strip_prefix("apigw-emulator listening on ")
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected URL {url:?}"));
    assert_ne!(port, 0);
    running.url = url;
    running
}

fn terminate(mut running: Running, signal: &str) -> std::process::ExitStatus {
    let pid = running.child.id().to_string();
    let status = Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    running.child.wait().expect("wait")
}

#[tokio::test]
async fn prints_the_url_exits_cleanly_on_signals_and_keeps_state() {
    let dir = std::env::temp_dir().join(format!("apigw-emu-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_str().unwrap();

    let emu = start(&["--state-file", state_arg, "--cert-validity", "30d"]);
    let sdk = client(&emu.url);
    let c = sdk
        .generate_client_certificate()
        .description("from the binary")
        .send()
        .await
        .unwrap();
    let id = c.client_certificate_id().unwrap().to_owned();
    assert_eq!(
        c.expiration_date().unwrap().secs() - c.created_date().unwrap().secs(),
        30 * 86_400
    );
    let status = terminate(emu, "-TERM");
    assert!(status.success(), "SIGTERM exit: {status:?}");

    let emu = start(&["--state-file", state_arg]);
    let sdk = client(&emu.url);
    let again = sdk
        .get_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.description(), Some("from the binary"));
    assert_eq!(again.pem_encoded_certificate(), c.pem_encoded_certificate());
    let status = terminate(emu, "-INT");
    assert!(status.success(), "SIGINT exit: {status:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_state_file_stops_startup_with_a_clear_message() {
    let dir = std::env::temp_dir().join(format!("apigw-emu-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(&state, b"not json at all").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-emulator"))
        .args(["--state-file", state.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "no listening line when start-up fails"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&state.display().to_string()), "{stderr}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert_eq!(std::fs::read(&state).unwrap(), b"not json at all");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_flags_are_rejected_naming_the_value() {
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-emulator"))
        .args(["--cert-validity", "a year"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a year"), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-emulator"))
        .args(["--throttle-rps", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rps"));
}

//! Release packaging, end to end: `scripts/release.py` (what `make release`
//! runs) packages the provider, a loopback HTTPS server with a throwaway CA
//! serves the output as a provider network mirror, and the real `terraform
//! init` installs from it and runs the installed binary.
//!
//! By default the test packages the binary cargo built for this test run, so
//! `make test` never builds the release profile. With `APIGW_RELEASE_DIST`
//! set to a directory `make release` wrote (`make release-check` does this),
//! the same checks run against that release instead.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{PROVIDER_ADDRESS, PROVIDER_VERSION, Tf, provider_binary};
use serde_json::Value;

const NAME: &str = "terraform-provider-apigw";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> &'static str {
    if Command::new("python3").arg("--version").output().is_err() {
        panic!("python3 is not installed; the release script needs it (apt-get install python3)");
    }
    "python3"
}

/// Runs scripts/release.py into `out`; returns its stdout (the files written).
fn package(out: &Path, binary: &Path, extra: &[&str], gnupg_home: Option<&Path>) -> String {
    let mut cmd = Command::new(python());
    if let Some(home) = gnupg_home {
        cmd.env("GNUPGHOME", home);
    }
    let output = cmd
        .arg(repo_root().join("scripts/release.py"))
        .arg("--binary")
        .arg(binary)
        .args(["--version", PROVIDER_VERSION, "--out"])
        .arg(out)
        .arg("--manifest")
        .arg(repo_root().join("terraform-registry-manifest.json"))
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/release.py: {e}"));
    assert!(
        output.status.success(),
        "scripts/release.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The directory to serve: `APIGW_RELEASE_DIST`, or the test binary packaged
/// into `scratch`.
fn dist(scratch: &Path) -> PathBuf {
    match std::env::var_os("APIGW_RELEASE_DIST") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join(format!("{NAME}_{PROVIDER_VERSION}_SHA256SUMS"))
                    .is_file(),
                "APIGW_RELEASE_DIST={} holds no release of {PROVIDER_VERSION}; run make release",
                dir.display()
            );
            dir
        }
        _ => {
            let out = scratch.join("dist");
            package(&out, &provider_binary(), &[], None);
            out
        }
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it, as PEM files:
/// (ca.pem, server.pem, server.key).
fn throwaway_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "throwaway test CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let key = rcgen::KeyPair::generate().expect("server key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");

    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).expect("write ca.pem");
    std::fs::write(&paths.1, cert.pem()).expect("write server.pem");
    std::fs::write(&paths.2, key.serialize_pem()).expect("write server.key");
    (paths.0, paths.1, paths.2)
}

const SERVER: &str = r#"
import functools, http.server, ssl, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path))
        sys.stderr.flush()
handler = functools.partial(Quiet, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// A static HTTPS file server on 127.0.0.1; stopped when dropped.
struct HttpsServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl HttpsServer {
    fn start(root: &Path, cert: &Path, key: &Path, log: PathBuf) -> Self {
        let log_file = std::fs::File::create(&log).expect("server log");
        let mut child = Command::new(python())
            .args(["-c", SERVER])
            .arg(root)
            .arg(cert)
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the HTTPS server: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        // Guard the child before reading, so a failed start still stops it.
        let mut server = HttpsServer {
            child,
            port: 0,
            log,
        };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read port");
        server.port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the HTTPS server did not report its port (got {line:?}); its log:\n{}",
                server.requests()
            )
        });
        server
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/", self.port)
    }

    fn requests(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A working directory that installs the provider only through `mirror`.
fn mirror_workdir(mirror: &str, ca: &Path) -> Tf {
    let mut tf = Tf::bare();
    tf.write(
        ".terraformrc",
        &format!(
            "provider_installation {{\n  network_mirror {{\n    url     = \"{mirror}\"\n    include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{PROVIDER_ADDRESS}\"]\n  }}\n}}\n"
        ),
    );
    tf.set_env("SSL_CERT_FILE", &ca.display().to_string());
    // The provider runs once (a function call in an output): proof that the
    // archive holds a working binary, not only that it downloaded.
    tf.write(
        "main.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    apigw = {{\n      source  = \"certops/apigw\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n\nprovider \"apigw\" {{\n  region = \"us-east-1\"\n}}\n\noutput \"days\" {{\n  value = provider::apigw::days_until(\"2030-01-11T00:00:00Z\", \"2030-01-01T00:00:00Z\")\n}}\n"
        ),
    );
    tf
}

fn sums(dist: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dist.join(format!("{NAME}_{PROVIDER_VERSION}_SHA256SUMS")))
        .expect("read SHA256SUMS");
    text.lines()
        .map(|l| {
            let (hash, name) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("SHA256SUMS line {l:?} is not `hash  name`"));
            (hash.to_string(), name.to_string())
        })
        .collect()
}

fn lock_hashes(tf: &Tf) -> Vec<String> {
    tf.read(".terraform.lock.hcl")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_string())
        .collect()
}

#[test]
fn terraform_installs_the_release_from_a_network_mirror_over_https() {
    let scratch = Tf::bare();
    let dist = dist(scratch.dir());
    let zip = format!("{NAME}_{PROVIDER_VERSION}_linux_amd64.zip");
    let manifest = format!("{NAME}_{PROVIDER_VERSION}_manifest.json");

    // The checksums verify with the standard tool and cover archive and manifest.
    let check = Command::new("sha256sum")
        .args(["-c", &format!("{NAME}_{PROVIDER_VERSION}_SHA256SUMS")])
        .current_dir(&dist)
        .output()
        .expect("run sha256sum");
    let check_out = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "sha256sum -c failed:\n{check_out}");
    assert_eq!(
        check_out.lines().collect::<Vec<_>>(),
        [format!("{zip}: OK"), format!("{manifest}: OK")]
    );
    let manifest_json: Value =
        serde_json::from_slice(&std::fs::read(dist.join(&manifest)).unwrap()).unwrap();
    assert_eq!(manifest_json["version"], 1);
    assert_eq!(
        manifest_json["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );

    // The mirror's index and version documents.
    let mirror_dir = dist.join(PROVIDER_ADDRESS);
    let index: Value =
        serde_json::from_slice(&std::fs::read(mirror_dir.join("index.json")).unwrap()).unwrap();
    assert!(
        index["versions"][PROVIDER_VERSION].is_object(),
        "index.json: {index}"
    );
    let version_doc: Value = serde_json::from_slice(
        &std::fs::read(mirror_dir.join(format!("{PROVIDER_VERSION}.json"))).unwrap(),
    )
    .unwrap();
    let archive = &version_doc["archives"]["linux_amd64"];
    let hashes: Vec<&str> = archive["hashes"]
        .as_array()
        .unwrap_or_else(|| panic!("no hashes in {version_doc}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let zip_sum = sums(&dist)
        .into_iter()
        .find(|(_, n)| *n == zip)
        .map(|(h, _)| h)
        .expect("archive listed in SHA256SUMS");
    let zh = format!("zh:{zip_sum}");
    assert!(hashes.contains(&zh.as_str()), "{hashes:?} lacks {zh}");
    let h1 = hashes
        .iter()
        .find(|h| h.starts_with("h1:"))
        .unwrap_or_else(|| panic!("no h1: hash in {hashes:?}"))
        .to_string();

    let (ca, cert, key) = throwaway_ca(scratch.dir());
    let server = HttpsServer::start(&dist, &cert, &key, scratch.dir().join("server.log"));

    // A fresh init installs over HTTPS; the lock file records the h1: hash
    // the mirror announced, and the installed provider runs.
    let fresh = mirror_workdir(&server.url(), &ca);
    fresh.init();
    assert_eq!(lock_hashes(&fresh), vec![h1.clone()]);
    assert!(
        server.requests().contains(&format!("GET /{zip}")),
        "the archive was not fetched from the mirror; requests:\n{}",
        server.requests()
    );
    fresh.apply();
    assert_eq!(fresh.output("days"), serde_json::json!(10));

    // A lock file pinned to the zh: hash from SHA256SUMS: init verifies the
    // download against it and keeps it beside the h1: hash.
    let pinned = mirror_workdir(&server.url(), &ca);
    let lock = |hash: &str| {
        format!(
            "provider \"{PROVIDER_ADDRESS}\" {{\n  version     = \"{PROVIDER_VERSION}\"\n  constraints = \"{PROVIDER_VERSION}\"\n  hashes = [\n    \"{hash}\",\n  ]\n}}\n"
        )
    };
    pinned.write(".terraform.lock.hcl", &lock(&zh));
    pinned.run_ok(&["init", "-input=false", "-no-color"]);
    let mut got = lock_hashes(&pinned);
    got.sort();
    assert_eq!(got, vec![h1.clone(), zh.clone()]);

    // A lock file pinned to another archive: init refuses the download.
    let wrong = mirror_workdir(&server.url(), &ca);
    wrong.write(
        ".terraform.lock.hcl",
        &lock(&format!("zh:{}", "0".repeat(64))),
    );
    let out = wrong.run(&["init", "-input=false", "-no-color"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "init accepted a mismatching archive");
    assert!(
        stderr.contains("doesn't match any of the checksums"),
        "unexpected init failure:\n{stderr}"
    );

    // Without the throwaway CA, Terraform does not trust the mirror.
    let mut untrusted = mirror_workdir(&server.url(), &ca);
    untrusted.set_env("SSL_CERT_FILE", "/nonexistent/ca.pem");
    let out = untrusted.run(&["init", "-input=false", "-no-color"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "init trusted an unknown CA");
    assert!(
        stderr.contains("certificate"),
        "unexpected init failure:\n{stderr}"
    );
}

#[test]
fn release_signs_the_checksums_when_given_a_key() {
    if Command::new("gpg").arg("--version").output().is_err() {
        panic!("gpg is not installed; signing releases needs it (apt-get install gnupg)");
    }
    let scratch = Tf::bare();
    let home = scratch.dir().join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .env("GNUPGHOME", &home)
            .args(["--batch", "--no-tty"])
            .args(args)
            .output()
            .expect("run gpg");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = gpg(&[
        "--passphrase",
        "",
        "--quick-generate-key",
        "Release Test <release-test@example.invalid>",
        "ed25519",
        "sign",
        "1d",
    ]);
    assert!(ok, "cannot generate a throwaway key:\n{err}");

    // Signing covers the checksum file only, so a small stand-in binary
    // keeps this test fast.
    let binary = scratch.dir().join("stand-in-binary");
    std::fs::write(&binary, b"#!/bin/sh\nexit 0\n").unwrap();
    let out = scratch.dir().join("dist");
    package(
        &out,
        &binary,
        &["--gpg-key", "release-test@example.invalid"],
        Some(&home),
    );
    let sums = out.join(format!("{NAME}_{PROVIDER_VERSION}_SHA256SUMS"));
    let sig = out.join(format!("{NAME}_{PROVIDER_VERSION}_SHA256SUMS.sig"));
    let (ok, err) = gpg(&[
        "--verify",
        &sig.display().to_string(),
        &sums.display().to_string(),
    ]);
    assert!(ok, "the signature does not verify:\n{err}");
    assert!(err.contains("Good signature"), "{err}");

    // A changed checksum file no longer verifies.
    let mut text = std::fs::read_to_string(&sums).unwrap();
    text.push_str(&format!("{}  extra.zip\n", "0".repeat(64)));
    std::fs::write(&sums, text).unwrap();
    let (ok, err) = gpg(&[
        "--verify",
        &sig.display().to_string(),
        &sums.display().to_string(),
    ]);
    assert!(!ok, "a tampered SHA256SUMS still verified:\n{err}");

    // Repackaging without a key removes the now-stale signature.
    package(&out, &binary, &[], None);
    assert!(!sig.exists(), "a stale signature was left beside new sums");
}

//! Test helpers: a loopback HTTPS backend that requires a client certificate, as a
//! backend behind API Gateway with mutual TLS does. It answers 200 with the SHA-256
//! fingerprint of the certificate it verified, and records every handshake. Stopped
//! when dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;

/// What the backend saw of one connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// Verified client certificate (SHA-256 of its DER, lowercase hex) and the path.
    Request { sha256: String, path: String },
    /// The TLS handshake failed or the certificate was refused.
    Refused(String),
}

pub struct Backend {
    pub addr: SocketAddr,
    /// PEM of the CA that signed the backend's server certificate.
    pub ca_pem: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn sha256_hex(der: &[u8]) -> String {
    crate::sigv4::sha256_hex(der)
}

impl Backend {
    /// Starts on 127.0.0.1 trusting exactly the given client certificates (PEM).
    ///
    /// # Panics
    /// When a PEM is not a certificate or no loopback port is free: test setup.
    pub async fn start(trusted_client_pems: &[&str]) -> Backend {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test backend CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

        let mut roots = rustls::RootCertStore::empty();
        for pem in trusted_client_pems {
            roots
                .add(CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
                .unwrap();
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![server_cert.der().clone()],
                PrivateKeyDer::from_pem_slice(server_key.serialize_pem().as_bytes()).unwrap(),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let tls = match acceptor.accept(tcp).await {
                        Ok(t) => t,
                        Err(e) => {
                            log.lock().unwrap().push(Seen::Refused(e.to_string()));
                            return;
                        }
                    };
                    let sha256 = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| sha256_hex(c.as_ref()))
                        .unwrap_or_default();
                    let service =
                        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                            let log = Arc::clone(&log);
                            let sha256 = sha256.clone();
                            async move {
                                let path = req
                                    .uri()
                                    .path_and_query()
                                    .map(|p| p.as_str().to_owned())
                                    .unwrap_or_default();
                                log.lock().unwrap().push(Seen::Request {
                                    sha256: sha256.clone(),
                                    path: path.clone(),
                                });
                                let body = serde_json::json!({ "sha256": sha256, "path": path });
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(200)
                                        .header("content-type", "application/json")
                                        .header("x-backend", "loopback")
                                        .body(axum::body::Body::from(body.to_string()))
                                        .unwrap(),
                                )
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Backend {
            addr,
            ca_pem: ca.pem(),
            seen,
            task,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Writes the CA PEM to a file for `--backend-ca` / `Config::backend_ca`.
    pub fn write_ca(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("backend-ca.pem");
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }
}

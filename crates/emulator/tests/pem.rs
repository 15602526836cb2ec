//! Certificates are real: self-signed X.509 whose validity matches the API's dates,
//! also after time travel.

mod support;

use apigw_emulator::{Config, spawn};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use support::client;
use x509_parser::prelude::*;

struct Parsed {
    not_before: i64,
    not_after: i64,
    public_key: Vec<u8>,
    subject: String,
}

/// Parses a PEM and checks that it is self-signed: issuer == subject and the
/// signature verifies with the certificate's own public key.
fn parse_self_signed(pem: &str) -> Parsed {
    let (rest, pem) = parse_x509_pem(pem.as_bytes()).expect("PEM block");
    assert!(
        rest.iter().all(u8::is_ascii_whitespace),
        "one certificate only"
    );
    assert_eq!(pem.label, "CERTIFICATE");
    let (_, cert) = parse_x509_certificate(&pem.contents).expect("DER certificate");
    assert_eq!(cert.subject().to_string(), cert.issuer().to_string());
    assert_eq!(
        cert.signature_algorithm.algorithm,
        x509_parser::oid_registry::OID_SIG_ECDSA_WITH_SHA256
    );
    let public_key = cert.public_key().subject_public_key.data.to_vec();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &public_key)
        .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
        .expect("self-signature verifies");
    Parsed {
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        public_key,
        subject: cert.subject().to_string(),
    }
}

#[tokio::test]
async fn pem_is_self_signed_and_its_dates_are_the_api_dates() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());
    let c = sdk.generate_client_certificate().send().await.unwrap();
    let parsed = parse_self_signed(c.pem_encoded_certificate().unwrap());
    assert_eq!(parsed.not_before, c.created_date().unwrap().secs());
    assert_eq!(parsed.not_after, c.expiration_date().unwrap().secs());
    assert_eq!(parsed.not_after - parsed.not_before, 365 * 86_400);
    assert!(parsed.subject.contains(c.client_certificate_id().unwrap()));

    // Two certificates never share a key.
    let other = sdk.generate_client_certificate().send().await.unwrap();
    let other = parse_self_signed(other.pem_encoded_certificate().unwrap());
    assert_ne!(other.public_key, parsed.public_key);
}

#[tokio::test]
async fn cert_validity_setting_sets_not_after() {
    let emu = spawn(Config {
        cert_validity_secs: 3 * 86_400 + 5,
        ..Config::default()
    })
    .await
    .unwrap();
    let sdk = client(&emu.url());
    let c = sdk.generate_client_certificate().send().await.unwrap();
    let parsed = parse_self_signed(c.pem_encoded_certificate().unwrap());
    let created = c.created_date().unwrap().secs();
    let expires = c.expiration_date().unwrap().secs();
    assert_eq!(expires - created, 3 * 86_400 + 5);
    assert_eq!(parsed.not_after, expires);
}

#[tokio::test]
async fn aging_moves_dates_and_resigns_with_the_same_key() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());
    let c = sdk.generate_client_certificate().send().await.unwrap();
    let id = c.client_certificate_id().unwrap();
    let before = parse_self_signed(c.pem_encoded_certificate().unwrap());

    // Through the admin API, as a test or a shell script would.
    let (status, _, body) = support::raw(
        emu.addr(),
        "POST",
        "/_emulator/age",
        &[],
        br#"{"seconds": 26784000}"#,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["aged"], 1);

    let aged = sdk
        .get_client_certificate()
        .client_certificate_id(id)
        .send()
        .await
        .unwrap();
    let shift = 310 * 86_400;
    assert_eq!(
        aged.created_date().unwrap().secs(),
        c.created_date().unwrap().secs() - shift
    );
    assert_eq!(
        aged.expiration_date().unwrap().secs(),
        c.expiration_date().unwrap().secs() - shift
    );
    let after = parse_self_signed(aged.pem_encoded_certificate().unwrap());
    assert_eq!(after.not_before, aged.created_date().unwrap().secs());
    assert_eq!(after.not_after, aged.expiration_date().unwrap().secs());
    assert_eq!(
        after.public_key, before.public_key,
        "same key after re-signing"
    );

    // The listing shows the aged dates too, and aging past expiry is allowed.
    emu.age(60 * 86_400).unwrap();
    let listed = sdk.get_client_certificates().send().await.unwrap();
    let cert = &listed.items()[0];
    assert!(cert.expiration_date().unwrap().secs() < c.created_date().unwrap().secs());
    let expired = parse_self_signed(cert.pem_encoded_certificate().unwrap());
    assert_eq!(expired.not_after, cert.expiration_date().unwrap().secs());

    let (status, _, _) =
        support::raw(emu.addr(), "POST", "/_emulator/age", &[], br#"{"secs": 1}"#).await;
    assert_eq!(status, 400);
}

//! Self-signed client certificates.
//!
//! AWS issues RSA 2048 certificates; the emulator uses ECDSA P-256 keys because a key
//! is generated in microseconds instead of tens of milliseconds, and the key type is
//! invisible to API clients (they only read the PEM's dates and trust it as a whole).
//! notBefore/notAfter are exactly createdDate/expirationDate, so when time travel
//! moves the dates the certificate is signed again with the same key.

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use time::OffsetDateTime;

/// Why a certificate could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("certificate dates out of range: notBefore {created}, notAfter {expires}")]
    Dates { created: i64, expires: i64 },
    #[error("certificate signing failed for {id}: {source}")]
    Sign { id: String, source: rcgen::Error },
    #[error("stored private key of certificate {id} is unreadable: {source}")]
    Key { id: String, source: rcgen::Error },
}

/// A new certificate: its PEM and its private key (PKCS#8 PEM).
pub struct Issued {
    pub pem: String,
    pub key_pem: String,
}

fn params(id: &str, created: i64, expires: i64) -> Result<CertificateParams, CertError> {
    let dates = || CertError::Dates { created, expires };
    let mut p = CertificateParams::default();
    p.not_before = OffsetDateTime::from_unix_timestamp(created).map_err(|_| dates())?;
    p.not_after = OffsetDateTime::from_unix_timestamp(expires).map_err(|_| dates())?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        format!("ApiGateway ClientCertificate {id}"),
    );
    dn.push(DnType::OrganizationName, "apigw-emulator");
    p.distinguished_name = dn;
    let mut serial = [0u8; 16];
    // A random serial keeps re-signed certificates distinct, as a CA would.
    if aws_lc_rs::rand::fill(&mut serial).is_err() {
        serial[..id.len().min(16)].copy_from_slice(&id.as_bytes()[..id.len().min(16)]);
    }
    serial[0] &= 0x7f;
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    Ok(p)
}

/// Generates a key and a self-signed certificate valid from `created` to `expires`.
pub fn issue(id: &str, created: i64, expires: i64) -> Result<Issued, CertError> {
    let key = KeyPair::generate().map_err(|source| CertError::Sign {
        id: id.to_owned(),
        source,
    })?;
    Ok(Issued {
        pem: self_sign(id, &key, created, expires)?,
        key_pem: key.serialize_pem(),
    })
}

/// Signs the certificate again with its stored key for new dates.
pub fn reissue(id: &str, key_pem: &str, created: i64, expires: i64) -> Result<String, CertError> {
    let key = KeyPair::from_pem(key_pem).map_err(|source| CertError::Key {
        id: id.to_owned(),
        source,
    })?;
    self_sign(id, &key, created, expires)
}

fn self_sign(id: &str, key: &KeyPair, created: i64, expires: i64) -> Result<String, CertError> {
    let cert = params(id, created, expires)?
        .self_signed(key)
        .map_err(|source| CertError::Sign {
            id: id.to_owned(),
            source,
        })?;
    Ok(cert.pem())
}

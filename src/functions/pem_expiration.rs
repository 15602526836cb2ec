//! `pem_expiration(pem)`: when does this certificate stop being valid?

use x509_parser::prelude::FromDer;

use super::{shown, string_arg, string_param};
use tfplugin::{Function, FunctionDef, FunctionError, Type, Value};

pub struct PemExpiration;

impl Function for PemExpiration {
    fn definition(&self) -> FunctionDef {
        FunctionDef {
            name: "pem_expiration".to_string(),
            summary: "Expiration date (notAfter) of a PEM-encoded X.509 certificate".to_string(),
            description: "Returns the notAfter date of a PEM-encoded X.509 certificate as an \
                          RFC 3339 timestamp in UTC, such as `2027-11-22T03:37:28Z`. When the \
                          input holds several certificates (a bundle), the first one counts."
                .to_string(),
            parameters: vec![string_param(
                "pem",
                "PEM-encoded X.509 certificate, starting with `-----BEGIN CERTIFICATE-----`.",
            )],
            variadic_parameter: None,
            return_type: Type::String,
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let pem = string_arg(&args, 0, "pem")?;
        let not_after = pem_not_after(pem).map_err(|why| FunctionError {
            text: format!(
                "Invalid value for \"pem\": {} is not a PEM-encoded X.509 certificate: {why}. \
                 Expected text starting with \"-----BEGIN CERTIFICATE-----\", such as a \
                 certificate's `pem` attribute.",
                shown(pem)
            ),
            argument: Some(0),
        })?;
        Ok(Value::string(rotation::format_rfc3339(not_after)))
    }
}

/// notAfter (unix seconds) of the first certificate in `pem`.
pub fn pem_not_after(pem: &str) -> Result<i64, String> {
    pem_validity(pem).map(|(_, not_after)| not_after)
}

/// notBefore and notAfter (unix seconds) of the first certificate in `pem`.
pub fn pem_validity(pem: &str) -> Result<(i64, i64), String> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.trim_start().as_bytes())
        .map_err(|e| format!("no PEM block could be read ({e})"))?;
    if block.label != "CERTIFICATE" {
        return Err(format!(
            "the PEM block is a {:?}, not a CERTIFICATE",
            block.label
        ));
    }
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&block.contents)
        .map_err(|e| format!("the certificate inside does not parse ({e})"))?;
    let validity = cert.validity();
    Ok((
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real certificate made for the test with a known notAfter.
    fn cert_pem(not_after: (i32, u8, u8)) -> String {
        let mut params = rcgen::CertificateParams::new(vec!["test".to_string()]).expect("params");
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = rcgen::KeyPair::generate().expect("key");
        params.self_signed(&key).expect("sign").pem()
    }

    #[test]
    fn returns_not_after_in_rfc3339_utc() {
        let out = PemExpiration
            .call(vec![Value::string(cert_pem((2027, 3, 4)))])
            .expect("valid certificate");
        assert_eq!(out, Value::string("2027-03-04T00:00:00Z"));
    }

    #[test]
    fn first_certificate_of_a_bundle_counts() {
        let bundle = format!("{}{}", cert_pem((2026, 1, 2)), cert_pem((2030, 1, 1)));
        assert_eq!(
            PemExpiration.call(vec![Value::string(bundle)]),
            Ok(Value::string("2026-01-02T00:00:00Z"))
        );
    }

    #[test]
    fn garbage_is_an_error_naming_the_argument_and_the_value() {
        let err = PemExpiration
            .call(vec![Value::string("hello")])
            .expect_err("not a PEM");
        assert_eq!(err.argument, Some(0));
        assert!(err.text.contains("\"pem\""), "{}", err.text);
        assert!(err.text.contains("\"hello\""), "{}", err.text);
        assert!(err.text.contains("BEGIN CERTIFICATE"), "{}", err.text);
    }

    #[test]
    fn wrong_block_label_and_broken_der_are_explained() {
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let err = PemExpiration
            .call(vec![Value::string(key)])
            .expect_err("key");
        assert!(err.text.contains("PRIVATE KEY"), "{}", err.text);
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = PemExpiration
            .call(vec![Value::string(broken)])
            .expect_err("bad der");
        assert!(err.text.contains("does not parse"), "{}", err.text);
    }
}

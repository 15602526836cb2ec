//! AWS Signature Version 4 verification of the `Authorization` header.
//!
//! The emulator recomputes the signature the way AWS does for non-S3 services: the
//! path as sent is normalised and percent-encoded a second time, the query is decoded
//! and re-encoded in sorted order, only the headers named in `SignedHeaders` take
//! part, and the payload hash is the SHA-256 of the body (or the
//! `x-amz-content-sha256` header, which then must match the body).
//! The request time is not checked against the clock: an emulator that travels in
//! time must not reject its own clients for clock skew.

use aws_lc_rs::{digest, hmac};
use axum::http::{HeaderMap, Method};

use crate::awserr::AwsError;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// What a request must be signed with.
pub struct Credentials<'a> {
    pub access_key: &'a str,
    pub secret_key: &'a str,
}

/// Facts taken from a verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub region: String,
}

fn missing_token() -> AwsError {
    AwsError::new(
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
}

fn incomplete(message: impl Into<String>) -> AwsError {
    AwsError::new(403, "IncompleteSignatureException", message)
}

fn bad_signature() -> AwsError {
    AwsError::new(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service \
         documentation for details.",
    )
}

struct AuthHeader<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<AuthHeader<'_>, AwsError> {
    let rest = value.strip_prefix(ALGORITHM).ok_or_else(|| {
        incomplete(format!(
            "Unsupported authorization algorithm; expected {ALGORITHM}"
        ))
    })?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let credential = credential
        .ok_or_else(|| incomplete("Authorization header requires 'Credential' parameter."))?;
    let signed = signed
        .ok_or_else(|| incomplete("Authorization header requires 'SignedHeaders' parameter."))?;
    let signature = signature
        .ok_or_else(|| incomplete("Authorization header requires 'Signature' parameter."))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, terminator] = scope[..] else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region, not '{credential}'."
        )));
    };
    if terminator != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    let signed_headers: Vec<&str> = signed.split(';').collect();
    Ok(AuthHeader {
        access_key,
        date,
        region,
        service,
        signed_headers,
        signature,
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| Some(hex_digit(pair[0])? << 4 | hex_digit(pair[1])?))
        .collect()
}

/// SHA-256 of `data`, lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 encoding of every byte but the unreserved ones (and `/` when asked).
pub fn uri_encode(input: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decoding; `plus_is_space` for query strings (form encoding).
/// Invalid escapes are kept as they are, like form decoders do.
pub fn percent_decode(input: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(if b == b'+' && plus_is_space { b' ' } else { b });
        i += 1;
    }
    out
}

fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    out
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k, true), false),
                uri_encode(&percent_decode(v, true), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut values = Vec::new();
    for v in headers.get_all(name) {
        let text = String::from_utf8_lossy(v.as_bytes());
        values.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

fn hmac_sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

/// Verifies the SigV4 `Authorization` header of an API Gateway request.
pub fn verify(
    creds: &Credentials<'_>,
    method: &Method,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, AwsError> {
    verify_for(
        "apigateway",
        creds,
        method,
        raw_path,
        raw_query,
        headers,
        body,
    )
}

/// Verifies the SigV4 `Authorization` header of a request to `service`
/// (the credential scope's service name: `apigateway`, `sts`).
pub fn verify_for(
    service: &str,
    creds: &Credentials<'_>,
    method: &Method,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, AwsError> {
    let Some(auth) = headers.get("authorization") else {
        return Err(missing_token());
    };
    let auth = auth
        .to_str()
        .map_err(|_| incomplete("Authorization header is not valid text."))?;
    let auth = parse_authorization(auth)?;
    if auth.access_key != creds.access_key {
        return Err(AwsError::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?;
    if amz_date.len() != 16 || auth.date.len() != 8 || !amz_date.starts_with(auth.date) {
        return Err(incomplete(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{amz_date}'",
            auth.date
        )));
    }
    if auth.service != service {
        return Err(AwsError::new(
            403,
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to correct service: '{service}'. (Got '{}'.)",
                auth.service
            ),
        ));
    }
    if !auth.signed_headers.contains(&"host") {
        return Err(incomplete(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let body_hash = sha256_hex(body);
    let payload_hash = match headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_owned(),
        Some(declared) if declared.eq_ignore_ascii_case(&body_hash) => declared.to_owned(),
        Some(_) => {
            return Err(AwsError::bad_request(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        None => body_hash,
    };

    let mut canonical = String::new();
    canonical.push_str(method.as_str());
    canonical.push('\n');
    canonical.push_str(&uri_encode(normalize_path(raw_path).as_bytes(), true));
    canonical.push('\n');
    canonical.push_str(&canonical_query(raw_query.unwrap_or("")));
    canonical.push('\n');
    for name in &auth.signed_headers {
        let value = canonical_header_value(headers, name).ok_or_else(bad_signature)?;
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&value);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&auth.signed_headers.join(";"));
    canonical.push('\n');
    canonical.push_str(&payload_hash);

    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let k_date = hmac_sign(
        format!("AWS4{}", creds.secret_key).as_bytes(),
        auth.date.as_bytes(),
    );
    let k_region = hmac_sign(&k_date, auth.region.as_bytes());
    let k_service = hmac_sign(&k_region, auth.service.as_bytes());
    let k_signing = hmac_sign(&k_service, b"aws4_request");
    let given = unhex(auth.signature).ok_or_else(bad_signature)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, &k_signing);
    hmac::verify(&key, string_to_sign.as_bytes(), &given).map_err(|_| bad_signature())?;
    Ok(Verified {
        region: auth.region.to_owned(),
    })
}

/// The parts of a request that [`sign`] covers.
#[derive(Clone, Copy)]
pub struct ToSign<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub host: &'a str,
    pub body: &'a [u8],
}

/// Signs a request (used by tests and tools that talk to the emulator without an SDK).
/// Returns the headers to add: `x-amz-date` and `authorization`.
pub fn sign(
    creds: &Credentials<'_>,
    region: &str,
    amz_date: &str,
    req: &ToSign<'_>,
) -> Vec<(String, String)> {
    let ToSign {
        method,
        path: raw_path,
        query: raw_query,
        host,
        body,
    } = *req;
    let payload_hash = sha256_hex(body);
    let canonical = format!(
        "{}\n{}\n{}\nhost:{host}\nx-amz-date:{amz_date}\n\nhost;x-amz-date\n{payload_hash}",
        method.as_str(),
        uri_encode(normalize_path(raw_path).as_bytes(), true),
        canonical_query(raw_query.unwrap_or("")),
    );
    let date = &amz_date[..amz_date.len().min(8)];
    let scope = format!("{date}/{region}/apigateway/aws4_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let k_date = hmac_sign(
        format!("AWS4{}", creds.secret_key).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac_sign(&k_date, region.as_bytes());
    let k_service = hmac_sign(&k_region, b"apigateway");
    let k_signing = hmac_sign(&k_service, b"aws4_request");
    let signature = hex(&hmac_sign(&k_signing, string_to_sign.as_bytes()));
    vec![
        ("x-amz-date".to_owned(), amz_date.to_owned()),
        (
            "authorization".to_owned(),
            format!(
                "{ALGORITHM} Credential={}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}",
                creds.access_key
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_sorted_and_reencoded() {
        assert_eq!(
            canonical_query("limit=5&position=a%2Bb"),
            "limit=5&position=a%2Bb"
        );
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("k=a+b"), "k=a%20b");
    }

    #[test]
    fn path_is_double_encoded() {
        assert_eq!(
            uri_encode(normalize_path("/tags/arn%3Aaws").as_bytes(), true),
            "/tags/arn%253Aaws"
        );
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
    }

    #[test]
    fn sign_then_verify_round_trips_and_detects_tampering() {
        let creds = Credentials {
            access_key: "test",
            secret_key: "test",
        };
        let body = br#"{"description":"x"}"#;
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:1".parse().unwrap());
        let req = ToSign {
            method: &Method::POST,
            path: "/clientcertificates",
            query: None,
            host: "127.0.0.1:1",
            body,
        };
        for (k, v) in sign(&creds, "us-east-1", "20260101T000000Z", &req) {
            headers.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let ok = verify(
            &creds,
            &Method::POST,
            "/clientcertificates",
            None,
            &headers,
            body,
        );
        assert_eq!(ok.unwrap().region, "us-east-1");
        let tampered = verify(
            &creds,
            &Method::POST,
            "/clientcertificates",
            None,
            &headers,
            b"{}",
        );
        assert_eq!(tampered.unwrap_err().code, "InvalidSignatureException");
        let wrong_secret = Credentials {
            access_key: "test",
            secret_key: "other",
        };
        let err = verify(
            &wrong_secret,
            &Method::POST,
            "/clientcertificates",
            None,
            &headers,
            body,
        );
        assert_eq!(err.unwrap_err().code, "InvalidSignatureException");
    }

    #[test]
    fn credential_scope_names_this_service_and_the_full_date() {
        let creds = Credentials {
            access_key: "test",
            secret_key: "test",
        };
        let req = ToSign {
            method: &Method::GET,
            path: "/clientcertificates",
            query: None,
            host: "127.0.0.1:1",
            body: b"",
        };
        let signed = sign(&creds, "us-east-1", "20260101T000000Z", &req);
        let verify_with = |rewrite: &dyn Fn(&str) -> String| {
            let mut headers = HeaderMap::new();
            headers.insert("host", "127.0.0.1:1".parse().unwrap());
            for (k, v) in &signed {
                let v = if k == "authorization" {
                    rewrite(v)
                } else {
                    v.clone()
                };
                headers.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            verify(
                &creds,
                &Method::GET,
                "/clientcertificates",
                None,
                &headers,
                b"",
            )
        };
        assert!(verify_with(&|v| v.to_owned()).is_ok());
        let e = verify_with(&|v| v.replace("/apigateway/", "/execute-api/")).unwrap_err();
        assert_eq!(e.status, 403);
        assert!(
            e.message.contains("scoped to correct service"),
            "{}",
            e.message
        );
        let e = verify_with(&|v| v.replace("/20260101/", "/2026/")).unwrap_err();
        assert!(
            e.message.contains("Date in Credential scope"),
            "{}",
            e.message
        );
    }

    #[test]
    fn percent_decode_keeps_invalid_escapes() {
        assert_eq!(percent_decode("a%2", false), b"a%2");
        assert_eq!(percent_decode("%41%zz", false), b"A%zz");
    }
}

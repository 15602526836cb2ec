//! The STS query protocol's XML envelopes, for the one STS operation the
//! emulator answers (GetCallerIdentity).

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;

use crate::awserr::AwsError;

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// GetCallerIdentity's answer for the emulator's one IAM user, whose access
/// key is `access_key`.
pub(crate) fn caller_identity(account: &str, access_key: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult>\
         <Arn>arn:aws:iam::{account}:user/emulator</Arn><UserId>{}</UserId>\
         <Account>{account}</Account></GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>emulator</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>",
        escape(access_key)
    )
}

pub(crate) fn response(status: u16, body: String) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, "text/xml")
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// An error in the query protocol's `ErrorResponse` form, which is what the
/// SDKs parse for STS (not API Gateway's JSON).
pub(crate) fn error(e: &AwsError, request_id: &str) -> Response {
    let kind = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    // The API Gateway name of an unknown key maps to STS's own code.
    let code = match e.code.as_str() {
        "UnrecognizedClientException" => "InvalidClientTokenId",
        other => other,
    };
    response(
        e.status,
        format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>{kind}</Type><Code>{}</Code>\
             <Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            escape(code),
            escape(&e.message),
            escape(request_id)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped() {
        let e = AwsError::bad_request("a <b> & \"c\"");
        let r = error(&e, "id");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(caller_identity("1", "<k>").contains("<UserId>&lt;k&gt;</UserId>"));
    }
}

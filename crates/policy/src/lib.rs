//! apigw-policy library.

//! apigw-emulator library.

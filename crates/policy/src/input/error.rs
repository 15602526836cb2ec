//! Why an input cannot be checked, and how parser errors become one.

use super::*;

/// Why an input cannot be checked. Each variant prints as one line naming the input.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{input}: empty input; expected the JSON output of `terraform show -json`")]
    Empty { input: String },
    #[error(
        "{input}: not JSON (starts with {start}); expected the JSON output of `terraform show -json`"
    )]
    NotJson { input: String, start: String },
    #[error("{input}: the JSON ends early at line {line} column {column} (truncated file?)")]
    Truncated {
        input: String,
        line: usize,
        column: usize,
    },
    #[error("{input}: invalid JSON at line {line} column {column}: {detail}")]
    Syntax {
        input: String,
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("{input}: not `terraform show -json` output: {reason}")]
    NotTerraform { input: String, reason: String },
    #[error(
        "{input}: unsupported format_version {version:?}: apigw-policy reads format {SUPPORTED_FORMAT_MAJOR}.x (Terraform 1.x, OpenTofu 1.x)"
    )]
    UnsupportedFormat { input: String, version: String },
    #[error("{input}: unexpected content at line {line} column {column}: {detail}")]
    Shape {
        input: String,
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("{input}: cannot read: {error}")]
    Io {
        input: String,
        error: std::io::Error,
    },
}

pub(super) fn json_error(e: serde_json::Error, input: &str) -> InputError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let detail = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    let input = input.to_string();
    match e.classify() {
        serde_json::error::Category::Eof => InputError::Truncated {
            input,
            line,
            column,
        },
        serde_json::error::Category::Syntax => InputError::Syntax {
            input,
            line,
            column,
            detail,
        },
        serde_json::error::Category::Data => InputError::Shape {
            input,
            line,
            column,
            detail,
        },
        serde_json::error::Category::Io => InputError::Io {
            input,
            error: std::io::Error::other(detail),
        },
    }
}

/// Errors found by the visitors that deserve their own message rather than a position.
pub(super) enum Fatal {
    Unsupported(String),
    NotTerraform(String),
}

impl Fatal {
    pub(super) fn into_error(self, input: &str) -> InputError {
        let input = input.to_string();
        match self {
            Fatal::Unsupported(version) => InputError::UnsupportedFormat { input, version },
            Fatal::NotTerraform(reason) => InputError::NotTerraform { input, reason },
        }
    }
}

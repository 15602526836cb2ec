//! Reports: text for people, JSON (versioned schema) and SARIF 2.1.0 for dashboards.

use serde::{Deserialize, Serialize};

use crate::Outcome;
use crate::input::Document;
use crate::severity::Severity;

pub mod html;
pub mod json;
pub mod sarif;
pub mod text;

/// Output formats of `apigw-policy check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Html,
}

/// Facts about the checked input, shown in every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputInfo {
    /// The path given on the command line, or "stdin".
    pub name: String,
    /// "plan" or "state".
    pub kind: String,
    pub format_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform_version: Option<String>,
}

impl InputInfo {
    pub fn of(doc: &Document, name: &str) -> InputInfo {
        InputInfo {
            name: name.to_string(),
            kind: doc.kind.as_str().to_string(),
            format_version: doc.format_version.clone(),
            terraform_version: doc.terraform_version.clone(),
        }
    }
}

/// Everything a report renders.
pub struct Report<'a> {
    pub input: InputInfo,
    pub now: i64,
    pub fail_on: Severity,
    pub outcome: &'a Outcome,
    /// Base of SARIF `helpUri` links.
    pub help_uri: String,
}

impl Report<'_> {
    /// True when a finding is at or above `fail_on` (exit code 1).
    pub fn failed(&self) -> bool {
        self.outcome
            .findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= self.fail_on)
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Html => html::render(self),
        }
    }

    /// (severity, count) of the findings that count (not suppressed), for every
    /// severity, most serious first.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| {
                (
                    *s,
                    self.outcome
                        .findings
                        .iter()
                        .filter(|f| f.suppressed.is_none() && f.severity == *s)
                        .count(),
                )
            })
            .collect()
    }
}

//! Baselines: the fingerprints of accepted findings (`--write-baseline FILE`), so that a
//! later run (`--baseline FILE`) reports them as known and fails only on new ones.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Suppression};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema_version: u32,
    pub findings: Vec<Entry>,
}

/// One known finding; everything but `fingerprint` is there for the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule_id: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline {path}: cannot read: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("baseline {path}: not an apigw-policy baseline: {detail}")]
    Invalid { path: String, detail: String },
    #[error(
        "baseline {path}: schema_version {version} is not supported (expected {SCHEMA_VERSION})"
    )]
    Version { path: String, version: u32 },
    #[error("baseline {path}: cannot write: {error}")]
    Write { path: String, error: std::io::Error },
}

impl Baseline {
    /// The findings not accepted by an exception (those are accepted already).
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut seen = BTreeSet::new();
        Baseline {
            schema_version: SCHEMA_VERSION,
            findings: findings
                .iter()
                .filter(|f| !matches!(f.suppressed, Some(Suppression::Exception { .. })))
                .filter(|f| seen.insert(f.fingerprint.clone()))
                .map(|f| Entry {
                    fingerprint: f.fingerprint.clone(),
                    rule_id: f.rule_id.clone(),
                    address: f.address.clone(),
                    certificate_id: f.certificate_id.clone(),
                })
                .collect(),
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| BaselineError::Read {
            path: name.clone(),
            error,
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
            path: name.clone(),
            detail: e.to_string(),
        })?;
        if b.schema_version != SCHEMA_VERSION {
            return Err(BaselineError::Version {
                path: name,
                version: b.schema_version,
            });
        }
        Ok(b)
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::write(path, text).map_err(|error| BaselineError::Write {
            path: path.display().to_string(),
            error,
        })
    }

    /// Marks findings whose fingerprint the baseline holds as known.
    pub fn apply(&self, findings: &mut [Finding]) {
        let known: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        for f in findings {
            if f.suppressed.is_none() && known.contains(f.fingerprint.as_str()) {
                f.suppressed = Some(Suppression::Baseline);
            }
        }
    }
}

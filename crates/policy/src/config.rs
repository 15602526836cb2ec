//! The TOML configuration file (`--config FILE`).
//!
//! Every key is optional; [`example`] shows each one with its default. Unknown keys
//! and unknown rule IDs are errors, so a typo never silently turns a check off.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::rules;
use crate::severity::Severity;

/// A commented configuration file with every default, used in the docs and by
/// `apigw-policy config`.
pub fn example() -> String {
    EXAMPLE.replace("{rotate_before}", rotation::DEFAULT_ROTATE_BEFORE)
}

const EXAMPLE: &str = r#"# apigw-policy configuration. Every key is optional; the values shown are the defaults.

# Findings at or above this severity make `apigw-policy check` exit 1 (--fail-on overrides it).
fail_on = "low"

# Tags that name an owner (APIGW004). Keys match case-insensitively; the value must not be empty.
owner_tag_keys = ["owner", "team"]

[expiry]
# Rotation window for certificates that carry none of their own
# (aws_api_gateway_client_certificate). apigw_rotating_client_certificate uses its rotate_before.
rotate_before = "{rotate_before}"
# APIGW001 severity as expiry nears: due -> low, inside `window` -> medium,
# inside `high` -> high, inside `critical` (or expired) -> critical.
window = "30d"
high = "14d"
critical = "7d"

[bounds]
# APIGW006: allowed rotation settings of apigw_rotating_client_certificate.
# Remove a key to leave that side unbounded.
rotate_before_min = "30d"
rotate_before_max = "90d"
overlap_min = "1d"
# overlap_max = "30d"
# promote_after_max = "14d"

# Per-rule settings: turn a rule off, or give all its findings one fixed severity.
# [rules.APIGW005]
# enabled = false
# severity = "low"

# Exceptions accept findings of one rule on matching addresses for a while, with a reason.
# `address` is an exact resource address or a pattern (`*` any characters, `?` one); an
# exception past `expires` (RFC 3339, or a date: valid through that day, UTC) stops applying
# and the report says so.
# [[exceptions]]
# rule = "APIGW001"
# address = "module.legacy.aws_api_gateway_client_certificate.*"
# reason = "Retired with the legacy API in December; rotation would break partner pinning."
# expires = "2026-12-31"

[scan]
# apigw-policy scan: client certificates allowed per region (APIGW009), and the fewest free
# slots before a region is flagged.
quota_per_region = 60
min_headroom = 10

# Base of SARIF helpUri links (each rule adds #apigw001 ...); a relative reference by default.
# help_uri = "docs/policy-rules.md"
"#;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub fail_on: Severity,
    pub owner_tag_keys: Vec<String>,
    pub expiry: Expiry,
    pub bounds: Bounds,
    pub rules: BTreeMap<String, RuleSettings>,
    pub exceptions: Vec<Exception>,
    pub help_uri: String,
    pub scan: ScanConfig,
}

/// `[scan]`: the quota facts of `apigw-policy scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanConfig {
    pub quota_per_region: usize,
    pub min_headroom: usize,
}

/// An accepted finding: a rule on matching addresses, with a reason, until a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The rule's own ID spelling.
    pub rule: String,
    pub address: String,
    pub reason: String,
    /// Unix seconds: the exception applies strictly before this instant.
    pub expires: i64,
}

impl Exception {
    pub fn matches(&self, rule: &str, address: &str) -> bool {
        self.rule == rule && glob(self.address.as_bytes(), address.as_bytes())
    }
}

/// `*` matches any run of characters (dots and brackets included), `?` one character.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub rotate_before: u64,
    pub window: u64,
    pub high: u64,
    pub critical: u64,
}

/// Durations in seconds; `None` leaves that side unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub rotate_before_min: Option<u64>,
    pub rotate_before_max: Option<u64>,
    pub overlap_min: Option<u64>,
    pub overlap_max: Option<u64>,
    pub promote_after_max: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSettings {
    pub enabled: bool,
    pub severity: Option<Severity>,
}

const DAY: u64 = 86_400;

impl Default for Config {
    fn default() -> Self {
        Config {
            fail_on: Severity::Low,
            owner_tag_keys: vec!["owner".to_string(), "team".to_string()],
            expiry: Expiry {
                rotate_before: rotation::Policy::default().rotate_before,
                window: 30 * DAY,
                high: 14 * DAY,
                critical: 7 * DAY,
            },
            bounds: Bounds {
                rotate_before_min: Some(30 * DAY),
                rotate_before_max: Some(90 * DAY),
                overlap_min: Some(DAY),
                overlap_max: None,
                promote_after_max: None,
            },
            rules: BTreeMap::new(),
            exceptions: Vec::new(),
            help_uri: DEFAULT_HELP_URI.to_string(),
            scan: ScanConfig {
                quota_per_region: crate::scan::DEFAULT_QUOTA,
                min_headroom: 10,
            },
        }
    }
}

pub const DEFAULT_HELP_URI: &str = "docs/policy-rules.md";

impl Config {
    pub fn rule_enabled(&self, id: &str) -> bool {
        self.rules.get(id).is_none_or(|r| r.enabled)
    }

    /// The fixed severity configured for a rule, if any.
    pub fn rule_severity(&self, id: &str) -> Option<Severity> {
        self.rules.get(id).and_then(|r| r.severity)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses configuration text; `name` is used in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            ConfigError::Invalid {
                path: name.to_string(),
                line,
                message: e.message().trim().replace('\n', " "),
            }
        })?;
        raw.validate().map_err(|message| ConfigError::Invalid {
            path: name.to_string(),
            line: None,
            message,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config {path}: cannot read: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("config {path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Invalid {
        path: String,
        line: Option<usize>,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    fail_on: Option<String>,
    owner_tag_keys: Option<Vec<String>>,
    expiry: Option<RawExpiry>,
    bounds: Option<RawBounds>,
    rules: Option<BTreeMap<String, RawRule>>,
    exceptions: Option<Vec<RawException>>,
    help_uri: Option<String>,
    scan: Option<RawScan>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    quota_per_region: Option<usize>,
    min_headroom: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: String,
    address: String,
    reason: String,
    expires: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExpiry {
    rotate_before: Option<String>,
    window: Option<String>,
    high: Option<String>,
    critical: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBounds {
    rotate_before_min: Option<String>,
    rotate_before_max: Option<String>,
    overlap_min: Option<String>,
    overlap_max: Option<String>,
    promote_after_max: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<String>,
}

fn duration(key: &str, value: Option<String>, default: u64) -> Result<u64, String> {
    match value {
        None => Ok(default),
        Some(v) => rotation::parse_duration(&v).map_err(|e| format!("{key}: {e}")),
    }
}

fn bound(key: &str, value: Option<String>) -> Result<Option<u64>, String> {
    value
        .map(|v| rotation::parse_duration(&v).map_err(|e| format!("{key}: {e}")))
        .transpose()
}

/// RFC 3339, or a date `YYYY-MM-DD` meaning "through that day" (UTC).
fn parse_expiry(s: &str) -> Result<i64, String> {
    if let Ok(t) = rotation::parse_rfc3339(s) {
        return Ok(t);
    }
    rotation::parse_rfc3339(&format!("{s}T00:00:00Z"))
        .map(|start| start + DAY as i64)
        .map_err(|_| {
            format!("{s:?} is not a date; expected \"2026-12-31\" or \"2026-12-31T18:00:00Z\"")
        })
}

impl RawConfig {
    fn validate(self) -> Result<Config, String> {
        let defaults = Config::default();
        let fail_on = match self.fail_on {
            None => defaults.fail_on,
            Some(s) => s.parse().map_err(|e| format!("fail_on: {e}"))?,
        };
        let owner_tag_keys = self.owner_tag_keys.unwrap_or(defaults.owner_tag_keys);
        if owner_tag_keys.iter().all(|k| k.trim().is_empty()) {
            return Err(
                "owner_tag_keys is empty: list at least one tag key, or disable APIGW004 \
                        with [rules.APIGW004] enabled = false"
                    .to_string(),
            );
        }
        let e = self.expiry.unwrap_or_default();
        let d = defaults.expiry;
        let expiry = Expiry {
            rotate_before: duration("expiry.rotate_before", e.rotate_before, d.rotate_before)?,
            window: duration("expiry.window", e.window, d.window)?,
            high: duration("expiry.high", e.high, d.high)?,
            critical: duration("expiry.critical", e.critical, d.critical)?,
        };
        if !(expiry.critical <= expiry.high && expiry.high <= expiry.window) {
            return Err(format!(
                "expiry: expected critical <= high <= window, got critical = {:?}, high = {:?}, window = {:?}",
                rotation::format_duration(expiry.critical),
                rotation::format_duration(expiry.high),
                rotation::format_duration(expiry.window)
            ));
        }
        let bounds = match self.bounds {
            None => defaults.bounds,
            Some(b) => Bounds {
                rotate_before_min: bound("bounds.rotate_before_min", b.rotate_before_min)?,
                rotate_before_max: bound("bounds.rotate_before_max", b.rotate_before_max)?,
                overlap_min: bound("bounds.overlap_min", b.overlap_min)?,
                overlap_max: bound("bounds.overlap_max", b.overlap_max)?,
                promote_after_max: bound("bounds.promote_after_max", b.promote_after_max)?,
            },
        };
        for (name, min, max) in [
            (
                "rotate_before",
                bounds.rotate_before_min,
                bounds.rotate_before_max,
            ),
            ("overlap", bounds.overlap_min, bounds.overlap_max),
        ] {
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(format!(
                    "bounds: {name}_min ({}) is greater than {name}_max ({})",
                    rotation::format_duration(min),
                    rotation::format_duration(max)
                ));
            }
        }
        let mut rules = BTreeMap::new();
        for (id, r) in self.rules.unwrap_or_default() {
            let Some(rule) = rules::find(&id) else {
                let known: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
                return Err(format!(
                    "rules.{id}: unknown rule ID; known rules are {}",
                    known.join(", ")
                ));
            };
            let severity = r
                .severity
                .map(|s| s.parse::<Severity>())
                .transpose()
                .map_err(|e| format!("rules.{id}.severity: {e}"))?;
            // Stored under the rule's own spelling: `[rules.apigw005]` counts.
            if rules.contains_key(rule.id) {
                return Err(format!(
                    "rules.{id}: {} is configured twice (rule IDs ignore case)",
                    rule.id
                ));
            }
            rules.insert(
                rule.id.to_string(),
                RuleSettings {
                    enabled: r.enabled.unwrap_or(true),
                    severity,
                },
            );
        }
        let mut exceptions = Vec::new();
        for (i, e) in self.exceptions.unwrap_or_default().into_iter().enumerate() {
            let at = format!("exceptions[{i}]");
            let Some(rule) = rules::find(&e.rule) else {
                return Err(format!(
                    "{at}.rule: unknown rule ID {:?}; known rules are {}",
                    e.rule,
                    rules::ALL
                        .iter()
                        .map(|r| r.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            if e.address.trim().is_empty() {
                return Err(format!(
                    "{at}.address is empty: name a resource address or a pattern such as \"module.legacy.*\""
                ));
            }
            if e.reason.trim().is_empty() {
                return Err(format!(
                    "{at}.reason is empty: say why the finding is accepted (it is shown in every report)"
                ));
            }
            let expires = parse_expiry(&e.expires).map_err(|m| format!("{at}.expires: {m}"))?;
            exceptions.push(Exception {
                rule: rule.id.to_string(),
                address: e.address,
                reason: e.reason,
                expires,
            });
        }
        Ok(Config {
            fail_on,
            owner_tag_keys,
            expiry,
            bounds,
            rules,
            exceptions,
            help_uri: self.help_uri.unwrap_or(defaults.help_uri),
            scan: ScanConfig {
                quota_per_region: self
                    .scan
                    .as_ref()
                    .and_then(|s| s.quota_per_region)
                    .unwrap_or(defaults.scan.quota_per_region),
                min_headroom: self
                    .scan
                    .as_ref()
                    .and_then(|s| s.min_headroom)
                    .unwrap_or(defaults.scan.min_headroom),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_the_defaults() {
        assert_eq!(
            Config::parse(&example(), "example").expect("parses"),
            Config::default()
        );
        assert_eq!(
            Config::parse("", "empty").expect("parses"),
            Config::default()
        );
    }

    #[test]
    fn rule_ids_ignore_case_but_not_twice() {
        let c = Config::parse(
            "[rules.apigw005]\nenabled = false\n[rules.Apigw004]\nseverity = \"high\"\n",
            "c.toml",
        )
        .expect("valid");
        assert!(!c.rule_enabled("APIGW005"));
        assert_eq!(c.rule_severity("APIGW004"), Some(Severity::High));
        let e = Config::parse(
            "[rules.apigw005]\nenabled = false\n[rules.APIGW005]\nenabled = true\n",
            "c.toml",
        )
        .expect_err("configured twice");
        assert!(e.to_string().contains("configured twice"), "{e}");
    }

    #[test]
    fn overrides_apply() {
        let c = Config::parse(
            "fail_on = \"high\"\nowner_tag_keys = [\"CostCenter\"]\n[expiry]\nwindow = \"45d\"\n\
             [bounds]\noverlap_min = \"2d\"\n[rules.APIGW005]\nenabled = false\n\
             [rules.APIGW004]\nseverity = \"medium\"\n",
            "c.toml",
        )
        .expect("valid");
        assert_eq!(c.fail_on, Severity::High);
        assert_eq!(c.owner_tag_keys, vec!["CostCenter".to_string()]);
        assert_eq!(c.expiry.window, 45 * DAY);
        assert_eq!(c.bounds.overlap_min, Some(2 * DAY));
        assert_eq!(
            c.bounds.rotate_before_max, None,
            "a [bounds] table replaces the defaults"
        );
        assert!(!c.rule_enabled("APIGW005"));
        assert!(c.rule_enabled("APIGW001"));
        assert_eq!(c.rule_severity("APIGW004"), Some(Severity::Medium));
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let cases = [
            ("windw = \"3d\"\n", "unknown field"),
            ("[expiry]\nwindow = \"soon\"\n", "expiry.window"),
            ("fail_on = \"urgent\"\n", "fail_on"),
            ("[rules.APIGW999]\nenabled = false\n", "APIGW999"),
            (
                "[expiry]\ncritical = \"20d\"\nhigh = \"10d\"\n",
                "critical <= high",
            ),
            (
                "[bounds]\noverlap_min = \"9d\"\noverlap_max = \"1d\"\n",
                "overlap_min",
            ),
            ("owner_tag_keys = []\n", "owner_tag_keys"),
            ("fail_on = \n", "c.toml line 1"),
        ];
        for (text, needle) in cases {
            let e = Config::parse(text, "c.toml").expect_err(text).to_string();
            assert!(e.contains(needle), "{text:?} -> {e}");
            assert!(e.starts_with("config c.toml"), "{e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn exceptions_parse_and_match_patterns() {
        let c = Config::parse(
            "[[exceptions]]\nrule = \"apigw001\"\naddress = \"module.legacy[*].aws_*\"\n\
             reason = \"retired in December\"\nexpires = \"2026-12-31\"\n",
            "c.toml",
        )
        .expect("valid");
        let e = &c.exceptions[0];
        assert_eq!(e.rule, "APIGW001");
        assert_eq!(
            e.expires,
            rotation::parse_rfc3339("2027-01-01T00:00:00Z").expect("t")
        );
        assert!(e.matches(
            "APIGW001",
            "module.legacy[0].aws_api_gateway_client_certificate.this"
        ));
        assert!(!e.matches(
            "APIGW004",
            "module.legacy[0].aws_api_gateway_client_certificate.this"
        ));
        assert!(!e.matches("APIGW001", "aws_api_gateway_client_certificate.this"));
        assert!(glob(b"a?c", b"abc") && !glob(b"a?c", b"ac") && glob(b"*", b""));
        for (text, needle) in [
            (
                "[[exceptions]]\nrule = \"APIGW001\"\naddress = \"x\"\nreason = \"\"\nexpires = \"2026-12-31\"\n",
                "exceptions[0].reason",
            ),
            (
                "[[exceptions]]\nrule = \"APIGW001\"\naddress = \"x\"\nreason = \"r\"\nexpires = \"soon\"\n",
                "exceptions[0].expires: \"soon\"",
            ),
            (
                "[[exceptions]]\nrule = \"APIGW042\"\naddress = \"x\"\nreason = \"r\"\nexpires = \"2026-12-31\"\n",
                "APIGW042",
            ),
            (
                "[[exceptions]]\nrule = \"APIGW001\"\naddress = \"x\"\nreason = \"r\"\n",
                "expires",
            ),
        ] {
            let e = Config::parse(text, "c.toml").expect_err(text).to_string();
            assert!(e.contains(needle), "{text:?} -> {e}");
        }
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_it() {
        let e = Config::load(Path::new("/nonexistent/apigw-policy.toml")).expect_err("missing");
        assert!(
            e.to_string().contains("/nonexistent/apigw-policy.toml"),
            "{e}"
        );
    }
}

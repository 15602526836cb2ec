//! Diagnostics with a specific summary, a detail naming the bad value and
//! what was expected, and the attribute path.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    Attribute(String),
    Key(String),
    Index(i64),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    pub fn attr(name: &str) -> Self {
        AttributePath(vec![PathStep::Attribute(name.to_string())])
    }
    pub fn then_attr(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attribute(name.to_string()));
        self
    }
    pub fn then_key(mut self, key: &str) -> Self {
        self.0.push(PathStep::Key(key.to_string()));
        self
    }
    pub fn then_index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub attribute: Option<AttributePath>,
}

pub type Diagnostics = Vec<Diagnostic>;

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }
    /// Attaches a top-level attribute name.
    pub fn at(mut self, attribute: &str) -> Self {
        self.attribute = Some(AttributePath::attr(attribute));
        self
    }
    pub fn at_path(mut self, path: AttributePath) -> Self {
        self.attribute = Some(path);
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// For map-of-string attributes whose null elements would mean nothing (tags,
/// filters, triggers): one error per null element, naming attribute and key.
pub fn null_map_elements(config: &super::Value, attributes: &[&str]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for name in attributes {
        if let super::Value::Map(m) | super::Value::Object(m) = config.get(name) {
            for (key, v) in m {
                if v.is_null() {
                    diags.push(
                        Diagnostic::error(
                            "Null Map Element",
                            format!(
                                "{name}[{key:?}] is null; expected a string. Remove the key or \
                                 give it a value (\"\" is allowed)."
                            ),
                        )
                        .at_path(AttributePath::attr(name).then_key(key)),
                    );
                }
            }
        }
    }
    diags
}

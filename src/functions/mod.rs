//! Provider functions (`provider::apigw::NAME(...)`, Terraform >= 1.8). Pure:
//! no API calls and no clock reads; `now` is an argument, usually
//! `plantimestamp()`. "Is it due?" is answered by the rotation crate, exactly
//! as the resources and the data source answer it.

mod days_until;
mod pem_expiration;
mod rotation_due;

use std::sync::Arc;

use tfplugin::{Function, FunctionError, Parameter, Type, Value};

pub use days_until::DaysUntil;
pub use pem_expiration::{PemExpiration, pem_not_after, pem_validity};
pub use rotation_due::RotationDue;

/// Every function of the provider.
pub fn all() -> Vec<Arc<dyn Function>> {
    vec![
        Arc::new(PemExpiration),
        Arc::new(RotationDue),
        Arc::new(DaysUntil),
    ]
}

fn string_param(name: &str, description: &str) -> Parameter {
    Parameter {
        name: name.to_string(),
        ty: Type::String,
        description: description.to_string(),
        allow_null_value: false,
        allow_unknown_values: false,
    }
}

/// The value as it may appear in an error: long inputs (PEM blocks) are cut.
fn shown(value: &str) -> String {
    const MAX: usize = 48;
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("{head:?}... ({} characters)", value.chars().count())
    } else {
        format!("{head:?}")
    }
}

/// The string in argument `index`, or an error naming the argument.
fn string_arg<'a>(args: &'a [Value], index: usize, name: &str) -> Result<&'a str, FunctionError> {
    args.get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| FunctionError {
            text: format!("Invalid value for \"{name}\": expected a string, got null or nothing."),
            argument: Some(index as i64),
        })
}

fn timestamp_arg(args: &[Value], index: usize, name: &str) -> Result<i64, FunctionError> {
    let s = string_arg(args, index, name)?;
    rotation::parse_rfc3339(s).map_err(|e| FunctionError {
        text: format!(
            "Invalid value for \"{name}\": {} is not an RFC 3339 timestamp ({e}); expected \
             a value such as \"2026-11-22T03:37:28Z\", e.g. from plantimestamp() or \
             pem_expiration().",
            shown(s)
        ),
        argument: Some(index as i64),
    })
}

fn duration_arg(args: &[Value], index: usize, name: &str) -> Result<u64, FunctionError> {
    let s = string_arg(args, index, name)?;
    rotation::parse_duration(s).map_err(|e| FunctionError {
        text: format!(
            "Invalid value for \"{name}\": {} is not a duration ({e}).",
            shown(s)
        ),
        argument: Some(index as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_truncated_in_errors() {
        let long = "x".repeat(500);
        let s = shown(&long);
        assert!(s.len() < 80, "{s}");
        assert!(s.contains("500 characters"), "{s}");
        assert_eq!(shown("90x"), "\"90x\"");
    }

    #[test]
    fn every_function_is_documented() {
        for f in all() {
            let d = f.definition();
            assert!(d.summary.len() > 10, "{}", d.name);
            assert!(d.description.ends_with('.'), "{}", d.name);
            for p in &d.parameters {
                assert!(p.description.ends_with('.'), "{}.{}", d.name, p.name);
            }
        }
    }
}

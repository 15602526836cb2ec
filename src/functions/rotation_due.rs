//! `rotation_due(expiration, rotate_before, now)`: the same answer the
//! resources give, for certificates managed elsewhere.

use super::{duration_arg, string_param, timestamp_arg};
use tfplugin::{Function, FunctionDef, FunctionError, Type, Value};

pub struct RotationDue;

impl Function for RotationDue {
    fn definition(&self) -> FunctionDef {
        FunctionDef {
            name: "rotation_due".to_string(),
            summary: "Whether a certificate is inside its rotation window".to_string(),
            description: "Returns true when `now` is at or after `expiration` minus \
                          `rotate_before`, i.e. the certificate should be rotated. Expired \
                          certificates are always due. Pass `plantimestamp()` as `now` (`timestamp()` \
                          in `terraform console`)."
                .to_string(),
            parameters: vec![
                string_param(
                    "expiration",
                    "Expiration date of the certificate as an RFC 3339 timestamp, for example \
                     from `pem_expiration()` or a certificate's `expiration_date`.",
                ),
                string_param(
                    "rotate_before",
                    "Length of the rotation window before expiration, as a duration such as \
                     `60d`, `36h` or `1d12h` (units s, m, h, d).",
                ),
                string_param(
                    "now",
                    "The instant to evaluate at, as an RFC 3339 timestamp; usually \
                     `plantimestamp()` in a configuration, or \
                     `timestamp()` in `terraform console`, where `plantimestamp()` is not \
                     known yet.",
                ),
            ],
            variadic_parameter: None,
            return_type: Type::Bool,
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let expiration = timestamp_arg(&args, 0, "expiration")?;
        let rotate_before = duration_arg(&args, 1, "rotate_before")?;
        let now = timestamp_arg(&args, 2, "now")?;
        Ok(Value::Bool(rotation::is_due(
            now,
            expiration,
            rotate_before,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(exp: &str, window: &str, now: &str) -> Result<Value, FunctionError> {
        RotationDue.call(vec![
            Value::string(exp),
            Value::string(window),
            Value::string(now),
        ])
    }

    #[test]
    fn boundaries_of_the_window() {
        let exp = "2027-03-01T00:00:00Z";
        // Window opens 2026-12-31T00:00:00Z (60 days earlier).
        assert_eq!(
            call(exp, "60d", "2026-12-30T23:59:59Z"),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            call(exp, "60d", "2026-12-31T00:00:00Z"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call(exp, "60d", "2026-12-31T00:00:01Z"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call(exp, "0s", "2027-03-02T00:00:00Z"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call("2027-03-01T02:00:00+02:00", "0s", "2027-03-01T00:00:00Z"),
            Ok(Value::Bool(true)),
            "offsets are honoured"
        );
    }

    #[test]
    fn bad_duration_names_the_argument() {
        let err = call("2027-03-01T00:00:00Z", "90 days", "2026-01-01T00:00:00Z")
            .expect_err("bad duration");
        assert_eq!(err.argument, Some(1));
        assert!(err.text.contains("\"rotate_before\""), "{}", err.text);
        assert!(err.text.contains("90 days"), "{}", err.text);
        assert!(
            err.text.contains("\"90d\""),
            "expected form shown: {}",
            err.text
        );
    }

    #[test]
    fn bad_timestamps_name_their_argument() {
        let err = call("tomorrow", "1d", "2026-01-01T00:00:00Z").expect_err("bad");
        assert_eq!(err.argument, Some(0));
        assert!(err.text.contains("\"expiration\"") && err.text.contains("tomorrow"));
        let err = call("2027-01-01T00:00:00Z", "1d", "2026-13-01T00:00:00Z").expect_err("bad");
        assert_eq!(err.argument, Some(2));
    }
}

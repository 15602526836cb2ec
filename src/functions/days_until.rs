//! `days_until(timestamp, now)`: whole days left, for messages and alerts.

use super::{string_param, timestamp_arg};
use tfplugin::{Function, FunctionDef, FunctionError, Type, Value};

pub struct DaysUntil;

impl Function for DaysUntil {
    fn definition(&self) -> FunctionDef {
        FunctionDef {
            name: "days_until".to_string(),
            summary: "Whole days from now until a timestamp".to_string(),
            description: "Returns the number of whole days from `now` until `timestamp`, \
                          rounded down: 0 means less than a day is left, and the result is \
                          negative once `timestamp` has passed (one second past is -1)."
                .to_string(),
            parameters: vec![
                string_param(
                    "timestamp",
                    "The instant to count down to, as an RFC 3339 timestamp such as a \
                     certificate's `expiration_date`.",
                ),
                string_param(
                    "now",
                    "The instant to count from, as an RFC 3339 timestamp; usually \
                     `plantimestamp()` in a configuration, or \
                     `timestamp()` in `terraform console`, where `plantimestamp()` is not \
                     known yet.",
                ),
            ],
            variadic_parameter: None,
            return_type: Type::Number,
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let t = timestamp_arg(&args, 0, "timestamp")?;
        let now = timestamp_arg(&args, 1, "now")?;
        Ok(Value::number(rotation::days_until(now, t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(t: &str, now: &str) -> Result<Value, FunctionError> {
        DaysUntil.call(vec![Value::string(t), Value::string(now)])
    }

    #[test]
    fn counts_whole_days_rounding_down() {
        let t = "2026-12-31T00:00:00Z";
        assert_eq!(call(t, "2026-12-01T00:00:00Z"), Ok(Value::number(30.0)));
        assert_eq!(call(t, "2026-12-01T00:00:01Z"), Ok(Value::number(29.0)));
        assert_eq!(call(t, "2026-12-30T23:59:59Z"), Ok(Value::number(0.0)));
        assert_eq!(call(t, "2026-12-31T00:00:00Z"), Ok(Value::number(0.0)));
        assert_eq!(call(t, "2026-12-31T00:00:01Z"), Ok(Value::number(-1.0)));
    }

    #[test]
    fn bad_now_names_the_argument() {
        let err = call("2026-12-31T00:00:00Z", "now").expect_err("bad");
        assert_eq!(err.argument, Some(1));
        assert!(err.text.contains("\"now\""), "{}", err.text);
        assert!(err.text.contains("plantimestamp()"), "{}", err.text);
    }
}

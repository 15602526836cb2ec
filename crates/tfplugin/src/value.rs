//! Dynamic values: what Terraform sends and receives as msgpack (or JSON for
//! raw state). Unknown is a first-class value, never an empty string.

use std::collections::BTreeMap;

/// A Terraform type (cty type), encoded in schemas as its JSON form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
    /// `dynamic` (DynamicPseudoType).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

/// A Terraform value. Collections hold their elements; the type needed to
/// encode them comes from the schema.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    /// Wholly unknown, or a refined unknown (refinements are decoded and dropped).
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

/// A Terraform number, kept as exact as Terraform sent it. Terraform's
/// numbers are arbitrary-precision decimals: whole numbers that fit 64 bits
/// travel as msgpack integers, numbers a binary float holds exactly as
/// floats, everything else as decimal text. An `f64` alone would turn
/// `0.1` into 0.1000000000000000055… and a 19-digit ID into a rounded one,
/// and Terraform would see the provider change a value it was given.
#[derive(Clone, Debug)]
pub struct Number(Repr);

#[derive(Clone, Debug)]
enum Repr {
    Int(i64),
    UInt(u64),
    Float(f64),
    /// Decimal text, validated as a finite number.
    Decimal(String),
}

/// How two numbers compare: whole numbers by value whatever their form.
#[derive(PartialEq)]
enum Canonical<'a> {
    Whole(i128),
    Float(u64),
    Decimal(&'a str),
}

impl Number {
    /// Parses decimal text (`42`, `-0.1`, `1e300`, `18446744073709551616`)
    /// without losing digits. `None` when the text is not a finite number.
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number(Repr::Int(i)));
        }
        if let Ok(u) = t.parse::<u64>() {
            return Some(Number(Repr::UInt(u)));
        }
        // Rust's float grammar also takes "inf" and "NaN", which are not numbers here.
        let numeric = t
            .trim_start_matches(['-', '+'])
            .starts_with(|c: char| c.is_ascii_digit() || c == '.');
        match t.parse::<f64>() {
            Ok(f) if numeric && f.is_finite() => Some(Number(Repr::Decimal(t.to_string()))),
            _ => None,
        }
    }

    /// The nearest `f64` (exact for integers up to 2^53 and for binary fractions).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(i) => *i as f64,
            Repr::UInt(u) => *u as f64,
            Repr::Float(f) => *f,
            Repr::Decimal(s) => s.parse().unwrap_or(f64::NAN),
        }
    }

    /// The value as `i64` when it is a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.canonical() {
            Canonical::Whole(i) => i64::try_from(i).ok(),
            _ => None,
        }
    }

    /// The value as `u64` when it is a non-negative whole number in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self.canonical() {
            Canonical::Whole(i) => u64::try_from(i).ok(),
            _ => None,
        }
    }

    /// What goes on the wire: an integer, a float, or decimal text.
    pub(crate) fn wire(&self) -> Wire<'_> {
        match &self.0 {
            Repr::Int(i) => Wire::Int(*i),
            Repr::UInt(u) => Wire::UInt(*u),
            Repr::Float(f) => match Self::whole_f64(*f) {
                Some(i) => Wire::Int(i),
                None => Wire::Float(*f),
            },
            Repr::Decimal(s) => Wire::Text(s),
        }
    }

    fn whole_f64(f: f64) -> Option<i64> {
        // 2^63 is exact in f64; the range check keeps the cast lossless.
        (f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63)).then_some(f as i64)
    }

    fn canonical(&self) -> Canonical<'_> {
        match &self.0 {
            Repr::Int(i) => Canonical::Whole(i128::from(*i)),
            Repr::UInt(u) => Canonical::Whole(i128::from(*u)),
            Repr::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 2f64.powi(126) {
                    Canonical::Whole(*f as i128)
                } else {
                    Canonical::Float(f.to_bits())
                }
            }
            Repr::Decimal(s) => match s.parse::<i128>() {
                Ok(i) => Canonical::Whole(i),
                Err(_) => Canonical::Decimal(s),
            },
        }
    }
}

/// A number's wire form.
pub(crate) enum Wire<'a> {
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(&'a str),
}

impl PartialEq for Number {
    /// Whole numbers are equal by value whatever their form; fractions are
    /// equal when they have the same form and digits (a float and decimal
    /// text are not compared numerically, as text may hold more precision).
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::UInt(u) => write!(f, "{u}"),
            Repr::Float(x) => write!(f, "{x}"),
            Repr::Decimal(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number(Repr::Int(i))
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Self {
        Number(Repr::Int(i64::from(i)))
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        match i64::try_from(u) {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => Number(Repr::UInt(u)),
        }
    }
}

impl From<f64> for Number {
    fn from(f: f64) -> Self {
        match Number::whole_f64(f) {
            Some(i) => Number(Repr::Int(i)),
            None => Number(Repr::Float(f)),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl Value {
    /// A number value from anything that converts into a [`Number`].
    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Builds an object from `(name, value)` pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `Some(s)` → string, `None` → null.
    pub fn opt_string(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Null, |s| Value::String(s.into()))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when this value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// Attribute of an object (null when absent or when self is not an object).
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) | Value::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Sets an attribute on an object (no-op on other values).
    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Object(m) = self {
            m.insert(name.to_string(), value);
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A known number as its nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n.as_f64()),
            _ => None,
        }
    }

    /// A known whole number that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A known map or object of strings; `None` if null, unknown or not strings.
    pub fn as_string_map(&self) -> Option<BTreeMap<String, String>> {
        match self {
            Value::Map(m) | Value::Object(m) => m
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => None,
        }
    }

    pub fn string_map(m: &BTreeMap<String, String>) -> Value {
        Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::string(v)))
                .collect(),
        )
    }

    pub fn string_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::List(
            items
                .into_iter()
                .map(|s| Value::string(s.as_ref()))
                .collect(),
        )
    }
}

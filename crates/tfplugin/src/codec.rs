//! Wire encodings of [`Value`]: cty's msgpack form (every value Terraform
//! exchanges with the provider), cty's JSON form (stored state handed to
//! UpgradeResourceState) and the JSON form of types used in schemas.
//!
//! Values carry no type; the schema's type drives both directions, exactly as
//! cty does. `dynamic` is the exception: on the wire it is a pair
//! `[type-json, value]`, and when encoding, the type is inferred from the value.

use std::collections::BTreeMap;

use super::value::{Number, Type, Value, Wire};

/// Why bytes from Terraform could not be read as a value of the expected type.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodecError {
    #[error("msgpack value ends early at byte {at}")]
    Truncated { at: usize },
    #[error("unsupported msgpack marker 0x{marker:02x} at byte {at}")]
    BadMarker { marker: u8, at: usize },
    #[error("msgpack value has {extra} unexpected trailing bytes")]
    Trailing { extra: usize },
    #[error("value nested deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("expected {expected} at {path}, found {found}")]
    Mismatch {
        expected: String,
        found: String,
        path: String,
    },
    #[error("invalid type description {json}: {reason}")]
    BadType { json: String, reason: String },
    #[error("invalid JSON: {0}")]
    Json(String),
}

const MAX_DEPTH: usize = 64;

/// msgpack extension type cty uses for a wholly unknown value.
const EXT_UNKNOWN: i8 = 0;
/// msgpack extension type cty uses for an unknown value with refinements
/// (known prefix, not-null, bounds). The refinements are advisory; they are
/// read past and the value is treated as plain unknown.
const EXT_REFINED_UNKNOWN: i8 = 12;

// ---------------------------------------------------------------------------
// Type <-> JSON

/// The JSON form of a type: `"string"`, `["list","string"]`,
/// `["object",{"a":"number"}]`, ...
pub fn type_to_json(ty: &Type) -> serde_json::Value {
    use serde_json::Value as J;
    match ty {
        Type::Bool => J::from("bool"),
        Type::Number => J::from("number"),
        Type::String => J::from("string"),
        Type::Dynamic => J::from("dynamic"),
        Type::List(t) => J::Array(vec![J::from("list"), type_to_json(t)]),
        Type::Set(t) => J::Array(vec![J::from("set"), type_to_json(t)]),
        Type::Map(t) => J::Array(vec![J::from("map"), type_to_json(t)]),
        Type::Object(attrs) => J::Array(vec![
            J::from("object"),
            J::Object(
                attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), type_to_json(t)))
                    .collect(),
            ),
        ]),
        Type::Tuple(ts) => J::Array(vec![
            J::from("tuple"),
            J::Array(ts.iter().map(type_to_json).collect()),
        ]),
    }
}

/// Serialised type JSON, as schemas and function signatures carry it.
pub fn type_to_json_bytes(ty: &Type) -> Vec<u8> {
    type_to_json(ty).to_string().into_bytes()
}

pub fn type_from_json(json: &serde_json::Value) -> Result<Type, CodecError> {
    use serde_json::Value as J;
    let bad = |reason: &str| CodecError::BadType {
        json: json.to_string(),
        reason: reason.to_string(),
    };
    match json {
        J::String(s) => match s.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(bad("unknown primitive type")),
        },
        J::Array(parts) if parts.len() == 2 => {
            let kind = parts[0]
                .as_str()
                .ok_or_else(|| bad("kind is not a string"))?;
            match kind {
                "list" => Ok(Type::List(Box::new(type_from_json(&parts[1])?))),
                "set" => Ok(Type::Set(Box::new(type_from_json(&parts[1])?))),
                "map" => Ok(Type::Map(Box::new(type_from_json(&parts[1])?))),
                "object" => {
                    let attrs = parts[1]
                        .as_object()
                        .ok_or_else(|| bad("object attributes are not a JSON object"))?;
                    let mut out = BTreeMap::new();
                    for (k, v) in attrs {
                        out.insert(k.clone(), type_from_json(v)?);
                    }
                    Ok(Type::Object(out))
                }
                "tuple" => {
                    let elems = parts[1]
                        .as_array()
                        .ok_or_else(|| bad("tuple elements are not a JSON array"))?;
                    Ok(Type::Tuple(
                        elems.iter().map(type_from_json).collect::<Result<_, _>>()?,
                    ))
                }
                _ => Err(bad("unknown collection kind")),
            }
        }
        // cty also allows ["object", {...}, [optional attrs]] in type
        // constraints; only the first two parts matter for values.
        J::Array(parts) if parts.len() == 3 && parts[0] == "object" => {
            type_from_json(&J::Array(vec![parts[0].clone(), parts[1].clone()]))
        }
        _ => Err(bad("expected a string or a two-element array")),
    }
}

/// The most specific type describing `v`, used to encode `dynamic` values.
pub fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(common_type(items))),
        Value::Set(items) => Type::Set(Box::new(common_type(items))),
        Value::Tuple(items) => Type::Tuple(items.iter().map(infer_type).collect()),
        Value::Map(m) => Type::Map(Box::new(common_type(m.values()))),
        Value::Object(m) => {
            Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect())
        }
    }
}

fn common_type<'a>(items: impl IntoIterator<Item = &'a Value>) -> Type {
    items
        .into_iter()
        .map(infer_type)
        .find(|t| *t != Type::Dynamic)
        .unwrap_or(Type::Dynamic)
}

// ---------------------------------------------------------------------------
// msgpack encoding

/// Why a value cannot be sent to Terraform as the type its schema declares.
/// Always a provider bug: the value would otherwise reach Terraform altered
/// (an attribute silently dropped) or be rejected with a message about
/// msgpack that names nothing the user wrote.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EncodeError {
    #[error(
        "{path} has an attribute {name:?} that its type does not declare (declared: {declared})"
    )]
    UndeclaredAttribute {
        name: String,
        path: String,
        declared: String,
    },
    #[error("{path} holds {found}, but its type is {expected}")]
    Mismatch {
        expected: String,
        found: String,
        path: String,
    },
}

/// Encodes `v` as cty msgpack for type `ty`. Objects are written with every
/// attribute of the type (absent ones as null), as Terraform expects; an
/// attribute the type does not declare, or a value of another type, is an
/// error rather than something to drop or guess.
pub fn to_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(64);
    let mut path = Vec::new();
    encode(&mut out, v, ty, &mut path)?;
    Ok(out)
}

fn value_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Unknown => "an unknown value".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "a string".into(),
        Value::List(_) => "a list".into(),
        Value::Set(_) => "a set".into(),
        Value::Tuple(_) => "a tuple".into(),
        Value::Map(_) => "a map".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn encode_mismatch(v: &Value, ty: &Type, path: &[String]) -> EncodeError {
    EncodeError::Mismatch {
        expected: type_to_json(ty).to_string(),
        found: value_kind(v),
        path: path_string(path),
    }
}

fn encode(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    path: &mut Vec<String>,
) -> Result<(), EncodeError> {
    match v {
        Value::Null => {
            out.push(0xc0);
            return Ok(());
        }
        Value::Unknown => {
            // fixext1, type 0, one zero byte: cty's wholly unknown value.
            out.extend_from_slice(&[0xd4, EXT_UNKNOWN as u8, 0]);
            return Ok(());
        }
        _ => {}
    }
    match (ty, v) {
        (Type::Dynamic, _) => {
            let actual = infer_type(v);
            write_array_len(out, 2);
            write_bin(out, &type_to_json_bytes(&actual));
            encode(out, v, &actual, path)
        }
        (Type::Bool, Value::Bool(b)) => {
            out.push(if *b { 0xc3 } else { 0xc2 });
            Ok(())
        }
        (Type::Number, Value::Number(n)) => write_number(out, n, path),
        (Type::String, Value::String(s)) => {
            write_str(out, s);
            Ok(())
        }
        (
            Type::List(et) | Type::Set(et),
            Value::List(items) | Value::Set(items) | Value::Tuple(items),
        ) => {
            write_array_len(out, items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                encode(out, item, et, path)?;
                path.pop();
            }
            Ok(())
        }
        (Type::Tuple(ets), Value::Tuple(items) | Value::List(items))
            if ets.len() == items.len() =>
        {
            write_array_len(out, items.len());
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                path.push(format!("[{i}]"));
                encode(out, item, et, path)?;
                path.pop();
            }
            Ok(())
        }
        (Type::Map(et), Value::Map(m) | Value::Object(m)) => {
            write_map_len(out, m.len());
            for (k, item) in m {
                write_str(out, k);
                path.push(format!("[{k:?}]"));
                encode(out, item, et, path)?;
                path.pop();
            }
            Ok(())
        }
        (Type::Object(attrs), Value::Object(m) | Value::Map(m)) => {
            if let Some(name) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(EncodeError::UndeclaredAttribute {
                    name: name.clone(),
                    path: path_string(path),
                    declared: attrs.keys().cloned().collect::<Vec<_>>().join(", "),
                });
            }
            write_map_len(out, attrs.len());
            for (k, at) in attrs {
                write_str(out, k);
                path.push(format!(".{k}"));
                encode(out, m.get(k).unwrap_or(&Value::Null), at, path)?;
                path.pop();
            }
            Ok(())
        }
        _ => Err(encode_mismatch(v, ty, path)),
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number, path: &[String]) -> Result<(), EncodeError> {
    // Writing to a Vec cannot fail.
    match n.wire() {
        Wire::Int(i) => {
            let _ = rmp::encode::write_sint(out, i);
        }
        Wire::UInt(u) => {
            let _ = rmp::encode::write_uint(out, u);
        }
        Wire::Float(f) if f.is_finite() => {
            let _ = rmp::encode::write_f64(out, f);
        }
        // cty writes its infinities as these strings; it has no NaN.
        Wire::Float(f) if f.is_infinite() => {
            write_str(out, if f > 0.0 { "+Inf" } else { "-Inf" });
        }
        Wire::Float(_) => {
            return Err(EncodeError::Mismatch {
                expected: "a number".into(),
                found: "NaN".into(),
                path: path_string(path),
            });
        }
        // Too large or too precise for msgpack's numbers: decimal text,
        // which Terraform reads back exactly.
        Wire::Text(s) => write_str(out, s),
    }
    Ok(())
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = rmp::encode::write_str(out, s);
}

fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
    let _ = rmp::encode::write_bin(out, b);
}

fn write_array_len(out: &mut Vec<u8>, n: usize) {
    let _ = rmp::encode::write_array_len(out, n as u32);
}

fn write_map_len(out: &mut Vec<u8>, n: usize) {
    let _ = rmp::encode::write_map_len(out, n as u32);
}

// ---------------------------------------------------------------------------
// msgpack decoding

/// Raw msgpack, before the type gives it meaning.
#[derive(Debug, Clone, PartialEq)]
enum Mp {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Array(Vec<Mp>),
    Map(Vec<(Mp, Mp)>),
    Ext(i8),
}

impl Mp {
    fn describe(&self) -> &'static str {
        match self {
            Mp::Nil => "null",
            Mp::Bool(_) => "a bool",
            Mp::Int(_) | Mp::UInt(_) | Mp::Float(_) => "a number",
            Mp::Str(_) => "a string",
            Mp::Bin(_) => "bytes",
            Mp::Array(_) => "an array",
            Mp::Map(_) => "a map",
            Mp::Ext(_) => "an extension value",
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(CodecError::Truncated { at: self.pos })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }
    fn be(&mut self, n: usize) -> Result<u64, CodecError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }
    fn string(&mut self, n: usize) -> Result<Mp, CodecError> {
        let at = self.pos;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec())
            .map(Mp::Str)
            .map_err(|_| CodecError::Mismatch {
                expected: "UTF-8 string".into(),
                found: "invalid UTF-8".into(),
                path: format!("byte {at}"),
            })
    }
    fn ext(&mut self, len: usize) -> Result<Mp, CodecError> {
        let ty = self.u8()? as i8;
        self.take(len)?;
        Ok(Mp::Ext(ty))
    }
    fn array(&mut self, n: usize, depth: usize) -> Result<Mp, CodecError> {
        // Each element needs at least one byte: reject absurd lengths early.
        if n > self.buf.len() - self.pos {
            return Err(CodecError::Truncated { at: self.pos });
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.value(depth + 1)?);
        }
        Ok(Mp::Array(v))
    }
    fn map(&mut self, n: usize, depth: usize) -> Result<Mp, CodecError> {
        if n > self.buf.len() - self.pos {
            return Err(CodecError::Truncated { at: self.pos });
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let val = self.value(depth + 1)?;
            v.push((k, val));
        }
        Ok(Mp::Map(v))
    }

    fn value(&mut self, depth: usize) -> Result<Mp, CodecError> {
        if depth > MAX_DEPTH {
            return Err(CodecError::TooDeep { max: MAX_DEPTH });
        }
        let at = self.pos;
        let m = self.u8()?;
        Ok(match m {
            0x00..=0x7f => Mp::Int(i64::from(m)),
            0x80..=0x8f => self.map(usize::from(m & 0x0f), depth)?,
            0x90..=0x9f => self.array(usize::from(m & 0x0f), depth)?,
            0xa0..=0xbf => self.string(usize::from(m & 0x1f))?,
            0xc0 => Mp::Nil,
            0xc2 => Mp::Bool(false),
            0xc3 => Mp::Bool(true),
            0xc4..=0xc6 => {
                let n = self.be(1 << (m - 0xc4))? as usize;
                Mp::Bin(self.take(n)?.to_vec())
            }
            0xc7..=0xc9 => {
                let n = self.be(1 << (m - 0xc7))? as usize;
                self.ext(n)?
            }
            0xca => Mp::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => Mp::Float(f64::from_bits(self.be(8)?)),
            0xcc..=0xcf => Mp::UInt(self.be(1 << (m - 0xcc))?),
            0xd0 => Mp::Int(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => Mp::Int(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => Mp::Int(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => Mp::Int(self.be(8)? as i64),
            0xd4..=0xd8 => self.ext(1 << (m - 0xd4))?,
            0xd9..=0xdb => {
                let n = self.be(1 << (m - 0xd9))? as usize;
                self.string(n)?
            }
            0xdc | 0xdd => {
                let n = self.be(if m == 0xdc { 2 } else { 4 })? as usize;
                self.array(n, depth)?
            }
            0xde | 0xdf => {
                let n = self.be(if m == 0xde { 2 } else { 4 })? as usize;
                self.map(n, depth)?
            }
            0xe0..=0xff => Mp::Int(i64::from(m as i8)),
            0xc1 => return Err(CodecError::BadMarker { marker: m, at }),
        })
    }
}

/// Decodes cty msgpack of type `ty`. Unknown and refined-unknown values at
/// any depth become [`Value::Unknown`].
pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut r = Reader { buf: bytes, pos: 0 };
    let mp = r.value(0)?;
    if r.pos != bytes.len() {
        return Err(CodecError::Trailing {
            extra: bytes.len() - r.pos,
        });
    }
    let mut path = Vec::new();
    typed(mp, ty, &mut path)
}

/// A number in decimal text, or one of cty's infinities.
fn number_text(s: &str) -> Option<Number> {
    match s {
        "+Inf" => Some(Number::from(f64::INFINITY)),
        "-Inf" => Some(Number::from(f64::NEG_INFINITY)),
        _ => Number::parse(s),
    }
}

fn path_string(path: &[String]) -> String {
    if path.is_empty() {
        "the top level".to_string()
    } else {
        path.concat()
    }
}

fn mismatch(expected: &str, found: &str, path: &[String]) -> CodecError {
    CodecError::Mismatch {
        expected: expected.to_string(),
        found: found.to_string(),
        path: path_string(path),
    }
}

fn typed(mp: Mp, ty: &Type, path: &mut Vec<String>) -> Result<Value, CodecError> {
    match mp {
        Mp::Nil => return Ok(Value::Null),
        Mp::Ext(EXT_UNKNOWN) | Mp::Ext(EXT_REFINED_UNKNOWN) => return Ok(Value::Unknown),
        Mp::Ext(other) => {
            return Err(mismatch(
                "a value or an unknown",
                &format!("msgpack extension type {other}"),
                path,
            ));
        }
        _ => {}
    }
    match ty {
        Type::Dynamic => {
            let Mp::Array(mut pair) = mp else {
                return Err(mismatch("[type, value] pair", mp.describe(), path));
            };
            if pair.len() != 2 {
                return Err(mismatch(
                    "[type, value] pair",
                    &format!("array of {}", pair.len()),
                    path,
                ));
            }
            let val = pair.pop().unwrap_or(Mp::Nil);
            let tj = match pair.pop().unwrap_or(Mp::Nil) {
                Mp::Bin(b) => b,
                Mp::Str(s) => s.into_bytes(),
                other => return Err(mismatch("type JSON", other.describe(), path)),
            };
            let json: serde_json::Value = serde_json::from_slice(&tj)
                .map_err(|e| CodecError::Json(format!("{e} in dynamic type")))?;
            let actual = type_from_json(&json)?;
            typed(val, &actual, path)
        }
        Type::Bool => match mp {
            Mp::Bool(b) => Ok(Value::Bool(b)),
            other => Err(mismatch("bool", other.describe(), path)),
        },
        Type::Number => match mp {
            Mp::Int(i) => Ok(Value::number(i)),
            Mp::UInt(u) => Ok(Value::number(u)),
            Mp::Float(f) => Ok(Value::number(f)),
            // Numbers too large or precise for msgpack travel as decimal strings.
            Mp::Str(s) => number_text(&s)
                .map(Value::Number)
                .ok_or_else(|| mismatch("number", &format!("string {s:?}"), path)),
            other => Err(mismatch("number", other.describe(), path)),
        },
        Type::String => match mp {
            Mp::Str(s) => Ok(Value::String(s)),
            other => Err(mismatch("string", other.describe(), path)),
        },
        Type::List(et) | Type::Set(et) => {
            let Mp::Array(items) = mp else {
                return Err(mismatch("array", mp.describe(), path));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push(format!("[{i}]"));
                out.push(typed(item, et, path)?);
                path.pop();
            }
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(out)
            } else {
                Value::List(out)
            })
        }
        Type::Tuple(ets) => {
            let Mp::Array(items) = mp else {
                return Err(mismatch("array", mp.describe(), path));
            };
            if items.len() != ets.len() {
                return Err(mismatch(
                    &format!("tuple of {}", ets.len()),
                    &format!("array of {}", items.len()),
                    path,
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, et)) in items.into_iter().zip(ets).enumerate() {
                path.push(format!("[{i}]"));
                out.push(typed(item, et, path)?);
                path.pop();
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(et) => {
            let Mp::Map(entries) = mp else {
                return Err(mismatch("map", mp.describe(), path));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let Mp::Str(k) = k else {
                    return Err(mismatch("string map key", k.describe(), path));
                };
                path.push(format!("[{k:?}]"));
                let v = typed(v, et, path)?;
                path.pop();
                out.insert(k, v);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let Mp::Map(entries) = mp else {
                return Err(mismatch("object", mp.describe(), path));
            };
            let mut out: BTreeMap<String, Value> =
                attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in entries {
                let Mp::Str(k) = k else {
                    return Err(mismatch("attribute name", k.describe(), path));
                };
                // Attributes the type does not declare are ignored.
                if let Some(at) = attrs.get(&k) {
                    path.push(format!(".{k}"));
                    let v = typed(v, at, path)?;
                    path.pop();
                    out.insert(k, v);
                }
            }
            Ok(Value::Object(out))
        }
    }
}

// ---------------------------------------------------------------------------
// JSON decoding (stored state)

/// Decodes cty JSON of type `ty`. Object attributes the type does not
/// declare are dropped (state written by an older schema); missing ones are null.
pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, CodecError> {
    let mut path = Vec::new();
    json_typed(json, ty, &mut path)
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn json_typed(
    j: &serde_json::Value,
    ty: &Type,
    path: &mut Vec<String>,
) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    if j.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => {
            // cty JSON wraps dynamic values as {"value": ..., "type": ...}.
            let (Some(v), Some(t)) = (j.get("value"), j.get("type")) else {
                return Err(mismatch("{\"value\", \"type\"} object", json_kind(j), path));
            };
            let actual = type_from_json(t)?;
            json_typed(v, &actual, path)
        }
        Type::Bool => match j {
            J::Bool(b) => Ok(Value::Bool(*b)),
            J::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            other => Err(mismatch("bool", json_kind(other), path)),
        },
        Type::Number => match j {
            // serde_json's text of a JSON number is its shortest exact
            // form ("0.1" stays "0.1"), kept as decimal text.
            J::Number(n) => number_text(&n.to_string())
                .map(Value::Number)
                .ok_or_else(|| mismatch("number", &n.to_string(), path)),
            J::String(s) => number_text(s)
                .map(Value::Number)
                .ok_or_else(|| mismatch("number", &format!("string {s:?}"), path)),
            other => Err(mismatch("number", json_kind(other), path)),
        },
        Type::String => match j {
            J::String(s) => Ok(Value::String(s.clone())),
            J::Number(n) => Ok(Value::String(n.to_string())),
            J::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(mismatch("string", json_kind(other), path)),
        },
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => {
            let J::Array(items) = j else {
                return Err(mismatch("array", json_kind(j), path));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let et = match ty {
                    Type::Tuple(ets) => ets.get(i).ok_or_else(|| {
                        mismatch(
                            &format!("tuple of {}", ets.len()),
                            &format!("array of {}", items.len()),
                            path,
                        )
                    })?,
                    Type::List(et) | Type::Set(et) => et,
                    _ => &Type::Dynamic,
                };
                path.push(format!("[{i}]"));
                out.push(json_typed(item, et, path)?);
                path.pop();
            }
            Ok(match ty {
                Type::Set(_) => Value::Set(out),
                Type::Tuple(_) => Value::Tuple(out),
                _ => Value::List(out),
            })
        }
        Type::Map(et) => {
            let J::Object(entries) = j else {
                return Err(mismatch("object", json_kind(j), path));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                path.push(format!("[{k:?}]"));
                out.insert(k.clone(), json_typed(v, et, path)?);
                path.pop();
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let J::Object(entries) = j else {
                return Err(mismatch("object", json_kind(j), path));
            };
            let mut out = BTreeMap::new();
            for (k, at) in attrs {
                let v = match entries.get(k) {
                    Some(v) => {
                        path.push(format!(".{k}"));
                        let v = json_typed(v, at, path)?;
                        path.pop();
                        v
                    }
                    None => Value::Null,
                };
                out.insert(k.clone(), v);
            }
            Ok(Value::Object(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj_type() -> Type {
        Type::Object(BTreeMap::from([
            ("id".to_string(), Type::String),
            ("count".to_string(), Type::Number),
            ("on".to_string(), Type::Bool),
            ("tags".to_string(), Type::Map(Box::new(Type::String))),
            ("ids".to_string(), Type::List(Box::new(Type::String))),
            ("set".to_string(), Type::Set(Box::new(Type::Number))),
            (
                "pair".to_string(),
                Type::Tuple(vec![Type::String, Type::Bool]),
            ),
            ("any".to_string(), Type::Dynamic),
        ]))
    }

    fn roundtrip(v: &Value, ty: &Type) -> Value {
        let bytes = to_msgpack(v, ty).unwrap_or_else(|e| panic!("encoding {v:?}: {e}"));
        match from_msgpack(&bytes, ty) {
            Ok(back) => back,
            Err(e) => panic!("decode of {v:?} failed: {e}; bytes {bytes:x?}"),
        }
    }

    #[test]
    fn primitives_round_trip() {
        for (v, ty) in [
            (Value::Null, Type::String),
            (Value::Unknown, Type::String),
            (Value::string("héllo"), Type::String),
            (Value::string("x".repeat(70_000)), Type::String),
            (Value::Bool(true), Type::Bool),
            (Value::Bool(false), Type::Bool),
            (Value::number(0.0), Type::Number),
            (Value::number(-1.0), Type::Number),
            (Value::number(1.5), Type::Number),
            (Value::number(4_294_967_296.0), Type::Number),
            (Value::number(-9.5e18), Type::Number),
        ] {
            assert_eq!(roundtrip(&v, &ty), v, "type {ty:?}");
        }
    }

    #[test]
    fn nested_object_round_trips_and_fills_missing_attributes() {
        let v = Value::object([
            ("id", Value::string("abc")),
            ("count", Value::number(3.0)),
            ("on", Value::Unknown),
            (
                "tags",
                Value::Map(BTreeMap::from([("Owner".to_string(), Value::string("me"))])),
            ),
            ("ids", Value::List(vec![Value::string("a"), Value::Unknown])),
            (
                "set",
                Value::Set(vec![Value::number(1.0), Value::number(2.0)]),
            ),
            (
                "pair",
                Value::Tuple(vec![Value::string("p"), Value::Bool(true)]),
            ),
            (
                "any",
                Value::object([("k", Value::List(vec![Value::number(7.0)]))]),
            ),
        ]);
        assert_eq!(roundtrip(&v, &obj_type()), v);

        let partial = Value::object([("id", Value::string("only"))]);
        let back = roundtrip(&partial, &obj_type());
        assert_eq!(back.get("id"), &Value::string("only"));
        assert_eq!(back.get("count"), &Value::Null);
        let Value::Object(m) = &back else {
            panic!("expected object, got {back:?}")
        };
        assert_eq!(m.len(), 8, "every attribute of the type is present");
    }

    #[test]
    fn an_attribute_the_type_does_not_declare_is_an_error_not_dropped() {
        let ty = Type::Object(BTreeMap::from([(
            "tags".to_string(),
            Type::List(Box::new(Type::Object(BTreeMap::from([
                ("key".to_string(), Type::String),
                ("value".to_string(), Type::String),
            ])))),
        )]));
        let v = Value::object([(
            "tags",
            Value::List(vec![Value::object([
                ("key", Value::string("team")),
                ("valeu", Value::string("payments")),
            ])]),
        )]);
        let err = to_msgpack(&v, &ty);
        assert_eq!(
            err,
            Err(EncodeError::UndeclaredAttribute {
                name: "valeu".into(),
                path: ".tags[0]".into(),
                declared: "key, value".into(),
            })
        );
        let text = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("\"valeu\"") && text.contains(".tags[0]") && text.contains("key, value"),
            "{text}"
        );
    }

    #[test]
    fn a_value_of_another_type_is_an_error_naming_path_and_type() {
        let ty = obj_type();
        let v = Value::object([("count", Value::string("3"))]);
        assert_eq!(
            to_msgpack(&v, &ty),
            Err(EncodeError::Mismatch {
                expected: "\"number\"".into(),
                found: "a string".into(),
                path: ".count".into(),
            })
        );
        let wrong_tuple = Value::object([("pair", Value::Tuple(vec![Value::string("p")]))]);
        assert!(matches!(
            to_msgpack(&wrong_tuple, &ty),
            Err(EncodeError::Mismatch { path, .. }) if path == ".pair"
        ));
        assert!(to_msgpack(&Value::number(f64::NAN), &Type::Number).is_err());
    }

    #[test]
    fn numbers_keep_every_digit_terraform_sent() {
        // 2^63 and 2^64 - 1 need msgpack uint64; 2^64 and long decimals only
        // fit decimal text; 0.1 as text must not come back as 0.1000000000000000055.
        let huge = "123456789012345678901234567890.000000000000000000001";
        for (bytes, text) in [
            (vec![0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0], "9223372036854775808"),
            (
                vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                "18446744073709551615",
            ),
            (
                vec![0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
                "-9223372036854775808",
            ),
        ] {
            let v = from_msgpack(&bytes, &Type::Number).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                v.as_number().map(ToString::to_string).as_deref(),
                Some(text)
            );
            assert_eq!(to_msgpack(&v, &Type::Number), Ok(bytes), "{text}");
        }
        for text in ["18446744073709551616", "0.1", huge, "-1e-400"] {
            let mut wire = Vec::new();
            write_str(&mut wire, text);
            let v = from_msgpack(&wire, &Type::Number).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                v.as_number().map(ToString::to_string).as_deref(),
                Some(text)
            );
            assert_eq!(to_msgpack(&v, &Type::Number), Ok(wire), "{text}");
        }
        assert_eq!(
            Value::number(u64::MAX).as_number().and_then(Number::as_u64),
            Some(u64::MAX)
        );
        // Whole numbers are equal whatever form they arrived in.
        assert_eq!(Value::number(5_i64), Value::number(5.0));
        assert_eq!(Number::parse("7"), Some(Number::from(7_i64)));
        assert_eq!(Number::parse("1e2").and_then(|n| n.as_i64()), None);
        assert_ne!(Value::number(1.5), Value::number(2.5));
        for not_a_number in ["", "inf", "NaN", "1.2.3", "0x10"] {
            assert_eq!(Number::parse(not_a_number), None, "{not_a_number:?}");
        }
        // Stored state keeps decimal digits too.
        let j = serde_json::json!(0.1);
        let v = from_json(&j, &Type::Number).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v.as_number().map(ToString::to_string).as_deref(),
            Some("0.1")
        );
        let j = serde_json::json!(18446744073709551615_u64);
        let v = from_json(&j, &Type::Number).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v, Value::number(u64::MAX));
    }

    #[test]
    fn unknown_is_cty_fixext1_type_zero() {
        assert_eq!(
            to_msgpack(&Value::Unknown, &Type::String),
            Ok(vec![0xd4, 0, 0])
        );
        assert_eq!(to_msgpack(&Value::Null, &Type::Dynamic), Ok(vec![0xc0]));
    }

    #[test]
    fn refined_unknowns_decode_as_unknown() {
        // ext 12 carrying a refinement map {1: true} (not null), as fixext...
        let refined_small = [0xd5u8, 12, 0x81, 0x01];
        // ...and as ext8 with a longer payload (string prefix refinement).
        let mut refined_long = vec![0xc7u8, 9, 12, 0x82, 0x01, 0xc3, 0x02, 0xa4];
        refined_long.extend_from_slice(b"arn:");
        assert_eq!(refined_long.len(), 3 + 9);
        for bytes in [&refined_small[..], &refined_long[..]] {
            assert_eq!(from_msgpack(bytes, &Type::String), Ok(Value::Unknown));
        }
        // Inside an object, next to known attributes.
        let ty = Type::Object(BTreeMap::from([
            ("a".to_string(), Type::String),
            ("b".to_string(), Type::Number),
        ]));
        let mut bytes = vec![0x82, 0xa1, b'a'];
        bytes.extend_from_slice(&refined_long);
        bytes.extend_from_slice(&[0xa1, b'b', 0x05]);
        let v = from_msgpack(&bytes, &ty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v,
            Value::object([("a", Value::Unknown), ("b", Value::number(5.0))])
        );
        assert!(!v.is_wholly_known());
    }

    #[test]
    fn numbers_accept_every_wire_form() {
        let cases: Vec<(Vec<u8>, f64)> = vec![
            (vec![0x05], 5.0),
            (vec![0xff], -1.0),
            (vec![0xcc, 200], 200.0),
            (vec![0xcd, 0x01, 0x00], 256.0),
            (vec![0xd0, 0x80], -128.0),
            (vec![0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], 1.5),
            (vec![0xca, 0x3f, 0xc0, 0, 0], 1.5),
            (
                {
                    let mut b = vec![0xa5];
                    b.extend_from_slice(b"1e300");
                    b
                },
                1e300,
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                from_msgpack(&bytes, &Type::Number).map(|v| v.as_f64()),
                Ok(Some(want)),
                "bytes {bytes:x?}"
            );
        }
    }

    #[test]
    fn dynamic_is_a_type_value_pair() {
        let v = Value::List(vec![Value::string("a"), Value::string("b")]);
        let bytes = to_msgpack(&v, &Type::Dynamic).unwrap_or_else(|e| panic!("{e}"));
        // fixarray(2), bin8 with the type JSON, then the list.
        assert_eq!(bytes[0], 0x92);
        assert_eq!(bytes[1], 0xc4);
        let tj = br#"["list","string"]"#;
        assert_eq!(usize::from(bytes[2]), tj.len());
        assert_eq!(&bytes[3..3 + tj.len()], tj);
        assert_eq!(from_msgpack(&bytes, &Type::Dynamic), Ok(v));
        // Terraform may send the type JSON as a str instead of bin.
        let mut alt = vec![0x92, 0xa6];
        alt.extend_from_slice(b"\"bool\"");
        alt.push(0xc3);
        assert_eq!(from_msgpack(&alt, &Type::Dynamic), Ok(Value::Bool(true)));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let ty = obj_type();
        for bytes in [
            &[0xc1u8][..],
            &[0x92, 0x01][..],
            &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
            &[0xa5, b'a'][..],
            &[0xc0, 0xc0][..],
            &[0xd4, 7, 0][..],
        ] {
            assert!(from_msgpack(bytes, &ty).is_err(), "bytes {bytes:x?}");
        }
        let err = from_msgpack(&[0x81, 0xa2, b'i', b'd', 0x05], &ty);
        assert_eq!(
            err,
            Err(CodecError::Mismatch {
                expected: "string".into(),
                found: "a number".into(),
                path: ".id".into()
            })
        );
        let mut deep = vec![0x91u8; 200];
        deep.push(0xc0);
        let mut t = Type::String;
        for _ in 0..200 {
            t = Type::List(Box::new(t));
        }
        assert_eq!(
            from_msgpack(&deep, &t),
            Err(CodecError::TooDeep { max: MAX_DEPTH })
        );
    }

    #[test]
    fn type_json_round_trips() {
        let ty = obj_type();
        let j = type_to_json(&ty);
        assert_eq!(type_from_json(&j), Ok(ty));
        assert_eq!(
            String::from_utf8(type_to_json_bytes(&Type::Map(Box::new(Type::String)))).ok(),
            Some(r#"["map","string"]"#.to_string())
        );
    }

    #[test]
    fn json_state_drops_unknown_attributes_and_reads_dynamic() {
        let ty = obj_type();
        let j = serde_json::json!({
            "id": "x",
            "count": 2,
            "removed_long_ago": "bye",
            "set": [1, 2],
            "any": {"value": ["a"], "type": ["list", "string"]}
        });
        let v = from_json(&j, &ty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.get("id"), &Value::string("x"));
        assert_eq!(v.get("count"), &Value::number(2.0));
        assert_eq!(v.get("removed_long_ago"), &Value::Null);
        assert_eq!(
            v.get("set"),
            &Value::Set(vec![Value::number(1.0), Value::number(2.0)])
        );
        assert_eq!(v.get("any"), &Value::List(vec![Value::string("a")]));
        assert_eq!(v.get("tags"), &Value::Null);
        assert!(from_json(&serde_json::json!({"id": []}), &ty).is_err());
    }
}

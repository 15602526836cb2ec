//! Typed models: one struct definition gives a resource's (or data source's,
//! or nested object's) schema attributes, decoding from [`Value`] and
//! encoding back, so an attribute's name is written once.
//!
//! ```
//! use tfplugin::model::{Model, Val};
//!
//! tfplugin::model! {
//!     #[derive(Debug, PartialEq)]
//!     pub struct Note {
//!         pub id: Val<String> = computed("The note's ID.", unknown_on_change(&["text"])),
//!         pub text: String = required("The note's text.", requires_replace()),
//!         pub pinned: Val<bool> = optional_computed("Pinned notes come first.", default_value(false)),
//!     }
//! }
//!
//! let v = tfplugin::Value::object([("text", tfplugin::Value::string("hi"))]);
//! let note = Note::decode(&v).unwrap();
//! assert_eq!(note.text, "hi");
//! assert!(note.id.is_null());
//! assert_eq!(Note::attributes()[1].name, "text");
//! ```
//!
//! A field's Rust type says which values it accepts: `T` only a known,
//! non-null value; `Option<T>` also null; [`Val<T>`] also unknown (what a
//! plan may hold). The role (`required`, `optional`, `optional_computed`,
//! `computed`) and the description make the schema attribute (a field with
//! the role `block` carries a nested block's value and makes none); the builder
//! calls after the description (`requires_replace()`,
//! `unknown_on_change(&[..])`, `default_value(v)`, `sensitive()`) are
//! [`crate::Attribute`] methods, so plan modifiers are declared in the schema
//! and applied by the protocol layer ([`crate::plan::plan`]).

use std::collections::BTreeMap;

use crate::diag::{AttributePath, Diagnostic, PathStep};
use crate::schema::{Attribute, NestedAttributes, ObjectNesting};
use crate::value::{Number, Type, Value};

/// A value that may also be null or unknown, as in a configuration or a plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Val<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Val<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn into_known(self) -> Option<T> {
        match self {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown)
    }
}

impl<T> From<Option<T>> for Val<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Val::Null, Val::Known)
    }
}

/// Why a value could not be read into a field: what was expected, and where
/// below the field (list index, map key, nested attribute).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// Outermost step first.
    pub path: Vec<PathStep>,
    pub expected: String,
    pub found: String,
}

impl FieldError {
    pub fn new(expected: impl Into<String>, found: &Value) -> Self {
        FieldError {
            path: Vec::new(),
            expected: expected.into(),
            found: describe(found),
        }
    }

    /// The same error, one step further out.
    #[must_use]
    pub fn under(mut self, step: PathStep) -> Self {
        self.path.insert(0, step);
        self
    }

    /// A diagnostic naming the attribute path and both values. Decoding
    /// fails only on values the schema's types rule out (or a null or unknown
    /// where the model needs a known value), so it points at the provider.
    pub fn into_diagnostic(self) -> Diagnostic {
        let path = AttributePath(self.path);
        Diagnostic::error(
            "Value does not fit the provider's model",
            format!(
                "{}: expected {}, found {}. This is a bug in the provider.",
                path_text(&path),
                self.expected,
                self.found
            ),
        )
        .at_path(path)
    }
}

fn path_text(path: &AttributePath) -> String {
    let mut s = String::new();
    for step in &path.0 {
        match step {
            PathStep::Attribute(a) if s.is_empty() => s.push_str(a),
            PathStep::Attribute(a) => {
                s.push('.');
                s.push_str(a);
            }
            PathStep::Key(k) => s.push_str(&format!("[{k:?}]")),
            PathStep::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "the object".to_string()
    } else {
        s
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Unknown => "an unknown value".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) if s.len() <= 64 => format!("{s:?}"),
        Value::String(_) => "a long string".into(),
        Value::List(_) | Value::Set(_) | Value::Tuple(_) => "a list".into(),
        Value::Map(_) | Value::Object(_) => "an object".into(),
    }
}

/// A Rust type that holds one attribute's value.
pub trait Field: Sized {
    /// The attribute's Terraform type.
    fn tf_type() -> Type;
    /// For objects described attribute by attribute: their attributes.
    fn nested() -> Option<NestedAttributes> {
        None
    }
    fn from_value(v: &Value) -> Result<Self, FieldError>;
    fn to_value(&self) -> Value;
}

/// A struct of fields declared with [`model!`](crate::model!).
pub trait Model: Field {
    /// The schema attributes, in declaration order.
    fn attributes() -> Vec<Attribute>;

    /// Reads a whole object (state, plan or configuration).
    fn decode(v: &Value) -> Result<Self, Diagnostic> {
        Self::from_value(v).map_err(FieldError::into_diagnostic)
    }

    /// The object, every attribute of the schema present.
    fn encode(&self) -> Value {
        self.to_value()
    }
}

/// Reads attribute `name` of `object` into a field.
pub fn field<T: Field>(object: &Value, name: &str) -> Result<T, FieldError> {
    T::from_value(object.get(name)).map_err(|e| e.under(PathStep::Attribute(name.to_string())))
}

/// The attribute a field declares: its role's constructor, then its type's
/// nested attributes when it has them.
pub fn attribute<T: Field>(
    role: fn(&str, Type, &str) -> Attribute,
    name: &str,
    description: &str,
) -> Attribute {
    let a = role(name, T::tf_type(), description);
    match T::nested() {
        Some(n) => a.with_nested(n),
        None => a,
    }
}

/// The roles a field can have in [`model!`](crate::model!): the
/// [`Attribute`] constructors, and `block` for a nested block's value.
pub mod roles {
    use super::{Field, attribute};
    use crate::Attribute;

    pub fn required<T: Field>(name: &str, description: &str) -> Option<Attribute> {
        Some(attribute::<T>(Attribute::required, name, description))
    }
    pub fn optional<T: Field>(name: &str, description: &str) -> Option<Attribute> {
        Some(attribute::<T>(Attribute::optional, name, description))
    }
    pub fn optional_computed<T: Field>(name: &str, description: &str) -> Option<Attribute> {
        Some(attribute::<T>(
            Attribute::optional_computed,
            name,
            description,
        ))
    }
    pub fn computed<T: Field>(name: &str, description: &str) -> Option<Attribute> {
        Some(attribute::<T>(Attribute::computed, name, description))
    }
    /// A nested block's value, carried through decoding and encoding. It is
    /// not an attribute: its schema is the [`crate::NestedBlock`] the
    /// resource lists in `Block::blocks`, which the description names.
    pub fn block<T: Field>(_name: &str, _description: &str) -> Option<Attribute> {
        None
    }
}

/// The object type of a model's attributes.
pub fn object_type(attributes: &[Attribute]) -> Type {
    Type::Object(
        attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect(),
    )
}

fn known(v: &Value, what: &str) -> Result<(), FieldError> {
    match v {
        Value::Null | Value::Unknown => Err(FieldError::new(format!("a known {what}"), v)),
        _ => Ok(()),
    }
}

/// `Field` for a primitive: its Terraform type, the kind of value named when
/// another kind arrives, how to read it (`None`: not that kind) and how to
/// write it.
macro_rules! primitive_field {
    ($t:ty, $tf:expr, $kind:literal, $expected:literal, $read:expr, $write:expr) => {
        impl Field for $t {
            fn tf_type() -> Type {
                $tf
            }
            fn from_value(v: &Value) -> Result<Self, FieldError> {
                known(v, $kind)?;
                let read: fn(&Value) -> Option<$t> = $read;
                read(v).ok_or_else(|| FieldError::new($expected, v))
            }
            fn to_value(&self) -> Value {
                let write: fn(&$t) -> Value = $write;
                write(self)
            }
        }
    };
}

primitive_field!(
    String,
    Type::String,
    "string",
    "a string",
    |v| v.as_str().map(str::to_string),
    |s| Value::string(s)
);
primitive_field!(bool, Type::Bool, "bool", "a bool", Value::as_bool, |b| {
    Value::Bool(*b)
});
primitive_field!(
    Number,
    Type::Number,
    "number",
    "a number",
    |v| v.as_number().cloned(),
    |n| Value::Number(n.clone())
);
primitive_field!(
    i64,
    Type::Number,
    "number",
    "a whole number that fits 64 bits",
    Value::as_i64,
    |n| Value::number(*n)
);
primitive_field!(
    f64,
    Type::Number,
    "number",
    "a number",
    Value::as_f64,
    |n| Value::number(*n)
);

/// Any value as it is (a nested block's value, a `dynamic` attribute).
impl Field for Value {
    fn tf_type() -> Type {
        Type::Dynamic
    }
    fn from_value(v: &Value) -> Result<Self, FieldError> {
        Ok(v.clone())
    }
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// A list; a list of models is a nested attribute described field by field.
impl<T: Field> Field for Vec<T> {
    fn tf_type() -> Type {
        Type::List(Box::new(T::tf_type()))
    }
    fn nested() -> Option<NestedAttributes> {
        T::nested()
            .filter(|n| n.nesting == ObjectNesting::Single)
            .map(|n| NestedAttributes::list(n.attributes))
    }
    fn from_value(v: &Value) -> Result<Self, FieldError> {
        known(v, "list")?;
        let (Value::List(items) | Value::Set(items) | Value::Tuple(items)) = v else {
            return Err(FieldError::new("a list", v));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_value(item).map_err(|e| e.under(PathStep::Index(i as i64))))
            .collect()
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(Field::to_value).collect())
    }
}

/// A map with string keys.
impl<T: Field> Field for BTreeMap<String, T> {
    fn tf_type() -> Type {
        Type::Map(Box::new(T::tf_type()))
    }
    fn from_value(v: &Value) -> Result<Self, FieldError> {
        known(v, "map")?;
        let (Value::Map(m) | Value::Object(m)) = v else {
            return Err(FieldError::new("a map", v));
        };
        m.iter()
            .map(|(k, item)| {
                T::from_value(item)
                    .map(|t| (k.clone(), t))
                    .map_err(|e| e.under(PathStep::Key(k.clone())))
            })
            .collect()
    }
    fn to_value(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect(),
        )
    }
}

/// Null or a known value.
impl<T: Field> Field for Option<T> {
    fn tf_type() -> Type {
        T::tf_type()
    }
    fn nested() -> Option<NestedAttributes> {
        T::nested()
    }
    fn from_value(v: &Value) -> Result<Self, FieldError> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Field::to_value)
    }
}

/// Null, unknown or a known value.
impl<T: Field> Field for Val<T> {
    fn tf_type() -> Type {
        T::tf_type()
    }
    fn nested() -> Option<NestedAttributes> {
        T::nested()
    }
    fn from_value(v: &Value) -> Result<Self, FieldError> {
        match v {
            Value::Null => Ok(Val::Null),
            Value::Unknown => Ok(Val::Unknown),
            other => T::from_value(other).map(Val::Known),
        }
    }
    fn to_value(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Unknown => Value::Unknown,
            Val::Known(v) => v.to_value(),
        }
    }
}

/// Declares a model struct: each field with its type, its role and
/// description, and optional [`Attribute`] builder calls (plan modifiers).
/// See the [module documentation](crate::model).
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $fty:ty = $role:ident (
                    $desc:expr
                    $(, $modifier:ident ( $($arg:expr),* $(,)? ) )*
                    $(,)?
                )
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $fty, )*
        }

        impl $crate::model::Model for $name {
            fn attributes() -> ::std::vec::Vec<$crate::Attribute> {
                let all: ::std::vec::Vec<::std::option::Option<$crate::Attribute>> = ::std::vec![$(
                    $crate::model::roles::$role::<$fty>(stringify!($field), $desc)
                        $( .map(|a| a.$modifier($($arg),*)) )*
                ),*];
                all.into_iter().flatten().collect()
            }
        }

        impl $crate::model::Field for $name {
            fn tf_type() -> $crate::Type {
                $crate::model::object_type(&<Self as $crate::model::Model>::attributes())
            }
            fn nested() -> ::std::option::Option<$crate::NestedAttributes> {
                ::std::option::Option::Some($crate::NestedAttributes::single(
                    <Self as $crate::model::Model>::attributes(),
                ))
            }
            fn from_value(
                v: &$crate::Value,
            ) -> ::std::result::Result<Self, $crate::model::FieldError> {
                match v {
                    $crate::Value::Object(_) | $crate::Value::Map(_) => {
                        ::std::result::Result::Ok($name {
                            $( $field: $crate::model::field(v, stringify!($field))?, )*
                        })
                    }
                    other => ::std::result::Result::Err($crate::model::FieldError::new(
                        "an object",
                        other,
                    )),
                }
            }
            fn to_value(&self) -> $crate::Value {
                $crate::Value::object([
                    $( (stringify!($field), $crate::model::Field::to_value(&self.$field)), )*
                ])
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{from_msgpack, to_msgpack};

    crate::model! {
        #[derive(Clone, Debug, PartialEq)]
        struct Stage {
            name: String = computed("The stage's name."),
        }
    }

    crate::model! {
        #[derive(Clone, Debug, PartialEq)]
        struct Thing {
            id: Val<String> = computed("Identifier.", unknown_on_change(&["name"])),
            name: String = required("Name.", requires_replace()),
            size: Option<i64> = optional("Size."),
            on: Val<bool> = optional_computed("Switch.", default_value(true)),
            tags: Option<BTreeMap<String, String>> = optional("Tags."),
            stages: Option<Vec<Stage>> = computed("Stages."),
        }
    }

    #[test]
    fn one_definition_gives_schema_decode_and_encode() {
        let attrs = Thing::attributes();
        let names: Vec<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "size", "on", "tags", "stages"]);
        assert!(attrs[1].required && !attrs[1].optional);
        assert!(attrs[3].optional && attrs[3].computed);
        assert_eq!(
            attrs[0].plan_modifiers,
            [crate::PlanModifier::UnknownOnChange(vec!["name".into()])]
        );
        assert_eq!(
            attrs[1].plan_modifiers,
            [crate::PlanModifier::RequiresReplace]
        );
        assert_eq!(
            attrs[3].plan_modifiers,
            [crate::PlanModifier::Default(Value::Bool(true))]
        );
        let stages = attrs[5]
            .nested
            .as_ref()
            .unwrap_or_else(|| panic!("stages is not nested"));
        assert_eq!(stages.nesting, ObjectNesting::List);
        assert_eq!(stages.attributes[0].description, "The stage's name.");
        assert_eq!(
            attrs[5].ty,
            Type::List(Box::new(Type::Object(BTreeMap::from([(
                "name".to_string(),
                Type::String
            )]))))
        );

        let thing = Thing {
            id: Val::Unknown,
            name: "n".into(),
            size: Some(3),
            on: Val::Null,
            tags: Some(BTreeMap::from([("team".to_string(), "pay".to_string())])),
            stages: Some(vec![Stage {
                name: "prod".into(),
            }]),
        };
        let ty = Thing::tf_type();
        let bytes = to_msgpack(&thing.encode(), &ty).unwrap_or_else(|e| panic!("{e}"));
        let back = from_msgpack(&bytes, &ty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Thing::decode(&back), Ok(thing));
    }

    #[test]
    fn a_value_the_field_cannot_hold_is_a_diagnostic_with_its_path() {
        let v = Value::object([
            ("name", Value::string("n")),
            (
                "stages",
                Value::List(vec![Value::object([("name", Value::Unknown)])]),
            ),
        ]);
        let d = Thing::decode(&v).expect_err("unknown stage name");
        assert_eq!(
            d.attribute,
            Some(
                AttributePath::attr("stages")
                    .then_index(0)
                    .then_attr("name")
            )
        );
        assert!(
            d.detail
                .starts_with("stages[0].name: expected a known string, found an unknown value"),
            "{}",
            d.detail
        );
        let missing = Thing::decode(&Value::object([("size", Value::number(1.5))]));
        let d = missing.expect_err("null name");
        assert_eq!(d.attribute, Some(AttributePath::attr("name")));
        let d = Thing::decode(&Value::object([
            ("name", Value::string("n")),
            ("size", Value::number(1.5)),
        ]))
        .expect_err("fraction");
        assert!(
            d.detail.contains("whole number") && d.detail.contains("1.5"),
            "{}",
            d.detail
        );
    }
}

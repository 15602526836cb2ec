//! The streaming readers: serde visitors over `terraform show -json` that keep what
//! the rules need and skip the rest as it streams past.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::marker::PhantomData;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::*;
use crate::address;

/// Reads one document from a stream. `input` names the source in error messages (a
/// path, or "stdin"). Memory stays bounded by what is kept, whatever the input size.
pub fn read_document<R: Read>(reader: R, input: &str) -> Result<Document, InputError> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let io_err = |error| InputError::Io {
        input: input.to_string(),
        error,
    };
    // Look at the first meaningful byte so empty and non-JSON input get a plain message
    // instead of a parser position.
    loop {
        let buf = reader.fill_buf().map_err(io_err)?;
        if buf.is_empty() {
            return Err(InputError::Empty {
                input: input.to_string(),
            });
        }
        let skip = leading_blanks(buf);
        let all = skip == buf.len();
        reader.consume(skip);
        if !all {
            break;
        }
    }
    check_start(reader.fill_buf().map_err(io_err)?, input)?;
    parse(serde_json::Deserializer::from_reader(reader), input)
}

/// Reads one document held in memory: the same result as [`read_document`], about
/// three times faster, for inputs small enough to hold.
pub fn read_document_slice(bytes: &[u8], input: &str) -> Result<Document, InputError> {
    let rest = &bytes[leading_blanks(bytes)..];
    check_start(rest, input)?;
    parse(serde_json::Deserializer::from_slice(rest), input)
}

/// Whitespace and a UTF-8 byte order mark.
fn leading_blanks(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|b| b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF))
        .count()
}

fn check_start(rest: &[u8], input: &str) -> Result<(), InputError> {
    match rest.first() {
        None => Err(InputError::Empty {
            input: input.to_string(),
        }),
        Some(b'{') => Ok(()),
        Some(b'[') => Err(InputError::NotTerraform {
            input: input.to_string(),
            reason: "the top level is a JSON array, expected an object".to_string(),
        }),
        Some(_) => Err(InputError::NotJson {
            input: input.to_string(),
            start: preview(rest),
        }),
    }
}

fn parse<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    input: &str,
) -> Result<Document, InputError> {
    let mut state = ReadState::default();
    let parsed = de
        .deserialize_map(DocVisitor { state: &mut state })
        .and_then(|()| de.end());
    if let Some(fatal) = state.fatal.take() {
        return Err(fatal.into_error(input));
    }
    if let Err(e) = parsed {
        return Err(json_error(e, input));
    }
    let Some(format_version) = state.format_version else {
        return Err(InputError::NotTerraform {
            input: input.to_string(),
            reason: "it has no format_version field".to_string(),
        });
    };
    let kind = if state.saw_plan_sections {
        DocumentKind::Plan
    } else {
        DocumentKind::State
    };
    let mut resources = state.changes;
    // Planned values fill in instances a plan lists without a change entry.
    let seen: HashSet<String> = resources
        .iter()
        .filter(|r| r.deposed.is_none())
        .map(|r| r.address.clone())
        .collect();
    for r in state.values {
        if !seen.contains(&r.address) {
            resources.push(r);
        }
    }
    Ok(Document {
        kind,
        format_version,
        terraform_version: state.terraform_version,
        resources,
        configuration: state.configuration.resources,
        module_inputs: state.configuration.inputs,
        module_outputs: state.configuration.outputs,
    })
}

fn preview(buf: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(&buf[..buf.len().min(16)])
        .chars()
        .take(12)
        .collect();
    format!("{s:?}")
}

#[derive(Default)]
struct ReadState {
    fatal: Option<Fatal>,
    format_version: Option<String>,
    terraform_version: Option<String>,
    saw_plan_sections: bool,
    changes: Vec<Resource>,
    values: Vec<Resource>,
    configuration: ConfigSink,
}

#[derive(Default)]
struct ConfigSink {
    resources: Vec<ConfigResource>,
    inputs: Vec<ModuleInputs>,
    outputs: Vec<ModuleOutput>,
}

struct DocVisitor<'s> {
    state: &'s mut ReadState,
}

impl<'de> Visitor<'de> for DocVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a `terraform show -json` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Keys(&[
            "format_version",
            "terraform_version",
            "resource_changes",
            "planned_values",
            "values",
            "configuration",
            "@level",
            "@module",
            "@message",
        ]))? {
            match key {
                Some("format_version") => {
                    let v: Value = map.next_value()?;
                    let Some(s) = v.as_str() else {
                        self.state.fatal = Some(Fatal::NotTerraform(format!(
                            "format_version is {v}, expected a string such as \"1.2\""
                        )));
                        return Err(de::Error::custom("bad format_version"));
                    };
                    let major = s.split('.').next().and_then(|m| m.parse::<u64>().ok());
                    if major != Some(SUPPORTED_FORMAT_MAJOR) {
                        self.state.fatal = Some(Fatal::Unsupported(s.to_string()));
                        return Err(de::Error::custom("unsupported format_version"));
                    }
                    self.state.format_version = Some(s.to_string());
                }
                Some("terraform_version") => {
                    self.state.terraform_version = map.next_value::<Option<String>>()?;
                }
                Some("resource_changes") => {
                    self.state.saw_plan_sections = true;
                    map.next_value_seed(OrNull(Array(EntryList {
                        sink: &mut self.state.changes,
                    })))?;
                }
                Some("planned_values") => {
                    self.state.saw_plan_sections = true;
                    map.next_value_seed(OrNull(Object(ValuesSection {
                        sink: &mut self.state.values,
                    })))?;
                }
                Some("values") => {
                    map.next_value_seed(OrNull(Object(ValuesSection {
                        sink: &mut self.state.values,
                    })))?;
                }
                Some("configuration") => {
                    map.next_value_seed(OrNull(Object(ConfigSection {
                        sink: &mut self.state.configuration,
                    })))?;
                }
                Some("@level") | Some("@message") | Some("@module") => {
                    self.state.fatal = Some(Fatal::NotTerraform(
                        "this is the `terraform plan -json` log stream; save the plan with \
                         `terraform plan -out=tfplan` and check `terraform show -json tfplan`"
                            .to_string(),
                    ));
                    return Err(de::Error::custom("log stream"));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A streaming reader of one JSON object: only what it does with the entries. The serde
/// plumbing around it is [`Object`] (and [`OrNull`] where the object may be `null`).
///
/// Sections that push into a sink implement it on themselves, with `Value = ()`. Owned
/// values implement it on `PhantomData<Self>` (the seed serde itself uses for a plain
/// `Deserialize` type) and get `Deserialize` from `deserialize_as_object!`.
trait ObjectSeed<'de> {
    type Value;
    /// Ends serde's "invalid type: ..., expected ..." message.
    const EXPECTING: &'static str;
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error>;
}

/// A streaming reader of one JSON array: the counterpart of [`ObjectSeed`], wrapped by
/// [`Array`].
trait ArraySeed<'de> {
    /// Ends serde's "invalid type: ..., expected ..." message.
    const EXPECTING: &'static str;
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error>;
}

/// Reads an object with an [`ObjectSeed`]; any other value is an error.
struct Object<S>(S);

impl<'de, S: ObjectSeed<'de>> DeserializeSeed<'de> for Object<S> {
    type Value = S::Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: ObjectSeed<'de>> Visitor<'de> for Object<S> {
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(S::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S::Value, A::Error> {
        self.0.visit_map(map)
    }
}

/// Reads an array with an [`ArraySeed`]; any other value is an error.
struct Array<S>(S);

impl<'de, S: ArraySeed<'de>> DeserializeSeed<'de> for Array<S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: ArraySeed<'de>> Visitor<'de> for Array<S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(S::EXPECTING)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.visit_seq(seq)
    }
}

/// Accepts `null` where the wrapped [`Object`] or [`Array`] is expected, and reads
/// nothing then: a section with nothing in it may be written as `null`.
struct OrNull<S>(S);

impl<'de, S> DeserializeSeed<'de> for OrNull<S>
where
    S: DeserializeSeed<'de, Value = ()> + de::Expected,
{
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S> Visitor<'de> for OrNull<S>
where
    S: DeserializeSeed<'de, Value = ()> + de::Expected,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        de::Expected::fmt(&self.0, f)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.deserialize(d)
    }
}

/// Implements `Deserialize` for owned values read by `PhantomData<Self>` as an
/// [`ObjectSeed`].
macro_rules! deserialize_as_object {
    ($($ty:ty),+) => {$(
        impl<'de> de::Deserialize<'de> for $ty {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Object(PhantomData::<Self>).deserialize(d)
            }
        }
    )+};
}

deserialize_as_object!(
    Entry,
    Change,
    KeptAttrs,
    UnknownMarks,
    ConfigEntry,
    Expressions
);

/// `{"root_module": {...}}` of `values` / `planned_values`.
struct ValuesSection<'s> {
    sink: &'s mut Vec<Resource>,
}

impl<'de> ObjectSeed<'de> for ValuesSection<'_> {
    type Value = ();
    const EXPECTING: &'static str = "a values object with root_module";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Keys(&["root_module"]))? {
            if key == Some("root_module") {
                map.next_value_seed(OrNull(Object(ModuleSection {
                    sink: &mut *self.sink,
                })))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A state module: `resources` plus recursive `child_modules`.
struct ModuleSection<'s> {
    sink: &'s mut Vec<Resource>,
}

impl<'de> ObjectSeed<'de> for ModuleSection<'_> {
    type Value = ();
    const EXPECTING: &'static str = "a module object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Keys(&["resources", "child_modules"]))? {
            match key {
                Some("resources") => map.next_value_seed(OrNull(Array(EntryList {
                    sink: &mut *self.sink,
                })))?,
                Some("child_modules") => map.next_value_seed(OrNull(Array(ModuleList {
                    sink: &mut *self.sink,
                })))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ModuleList<'s> {
    sink: &'s mut Vec<Resource>,
}

impl<'de> ArraySeed<'de> for ModuleList<'_> {
    const EXPECTING: &'static str = "a list of modules";
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(OrNull(Object(ModuleSection {
                sink: &mut *self.sink,
            })))?
            .is_some()
        {}
        Ok(())
    }
}

/// A list of resource entries (`resource_changes`, or a module's `resources`); keeps
/// the relevant ones, drops the rest as they stream past.
struct EntryList<'s> {
    sink: &'s mut Vec<Resource>,
}

impl<'de> ArraySeed<'de> for EntryList<'_> {
    const EXPECTING: &'static str = "a list of resources";
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Entry>()? {
            if let Some(r) = entry.into_resource() {
                self.sink.push(r);
            }
        }
        Ok(())
    }
}

/// One entry of `resource_changes` (with `change`) or of a module's `resources` (with
/// `values`).
#[derive(Default)]
struct Entry {
    address: Option<String>,
    /// A data source (`mode` other than "managed").
    data: bool,
    kind: TypeSeen,
    name: Option<String>,
    index: Option<Value>,
    deposed: Option<String>,
    values: Option<Attrs>,
    change: Option<Change>,
}

impl Entry {
    fn into_resource(self) -> Option<Resource> {
        let TypeSeen::Relevant(kind) = self.kind else {
            return None;
        };
        if self.data {
            return None;
        }
        let address = self.address?;
        let module = address::module_of(&address);
        let name = match self.name {
            Some(n) => n,
            None => address::split_index(address::split_segments(&address).last()?)
                .0
                .to_string(),
        };
        let (action, before, after) = match (self.change, self.values) {
            (Some(c), _) => (Action::from_actions(&c.actions), c.before, c.after),
            (None, Some(v)) => (Action::NoOp, Some(v.clone()), Some(v)),
            (None, None) => (Action::NoOp, Some(Attrs::default()), Some(Attrs::default())),
        };
        Some(Resource {
            address,
            module,
            kind,
            name,
            index: self.index,
            deposed: self.deposed,
            action,
            before,
            after,
        })
    }
}

impl<'de> ObjectSeed<'de> for PhantomData<Entry> {
    type Value = Entry;
    const EXPECTING: &'static str = "a resource object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut e = Entry::default();
        while let Some(key) = map.next_key_seed(Keys(&[
            "address",
            "mode",
            "type",
            "name",
            "index",
            "deposed",
            "deposed_key",
            "values",
            "change",
        ]))? {
            match key {
                Some("address") => e.address = map.next_value()?,
                Some("mode") => e.data = map.next_value_seed(Keys(&["managed"]))?.is_none(),
                Some("type") => e.kind = map.next_value_seed(TypeKey)?,
                Some("name") => e.name = map.next_value()?,
                Some("index") => e.index = map.next_value()?,
                // Plans say `deposed`, state values `deposed_key`.
                Some("deposed" | "deposed_key") => e.deposed = map.next_value()?,
                Some("values") if e.is_irrelevant() => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some("values") => e.values = map.next_value::<Option<KeptAttrs>>()?.map(|k| k.0),
                Some("change") if e.is_irrelevant() => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some("change") => e.change = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(e)
    }
}

impl Entry {
    /// Known to be a type no rule looks at (the type comes before the values in
    /// Terraform's output, which lets large unrelated objects be skipped unparsed).
    fn is_irrelevant(&self) -> bool {
        self.kind == TypeSeen::Irrelevant
    }
}

/// What an entry's `type` said, read without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum TypeSeen {
    #[default]
    NotYet,
    Relevant(Kind),
    Irrelevant,
}

struct TypeKey;

impl<'de> DeserializeSeed<'de> for TypeKey {
    type Value = TypeSeen;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<TypeSeen, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TypeKey {
    type Value = TypeSeen;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a resource type name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeSeen, E> {
        Ok(Kind::from_type(v).map_or(TypeSeen::Irrelevant, TypeSeen::Relevant))
    }
}

#[derive(Default)]
struct Change {
    actions: Vec<String>,
    before: Option<Attrs>,
    after: Option<Attrs>,
}

impl<'de> ObjectSeed<'de> for PhantomData<Change> {
    type Value = Change;
    const EXPECTING: &'static str = "a change object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Change, A::Error> {
        let mut c = Change::default();
        let mut unknown: Option<BTreeMap<&'static str, bool>> = None;
        while let Some(key) =
            map.next_key_seed(Keys(&["actions", "before", "after", "after_unknown"]))?
        {
            match key {
                Some("actions") => {
                    c.actions = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default()
                }
                Some("before") => c.before = map.next_value::<Option<KeptAttrs>>()?.map(|k| k.0),
                Some("after") => c.after = map.next_value::<Option<KeptAttrs>>()?.map(|k| k.0),
                Some("after_unknown") => {
                    unknown = map.next_value::<Option<UnknownMarks>>()?.map(|u| u.0);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // Unknown attributes are omitted from `after` (or null); `after_unknown` says
        // which ones will only be known after apply.
        if let Some(unknown) = unknown {
            let creates = c.actions.iter().any(|a| a == "create" || a == "update");
            if c.after.is_none() && creates {
                c.after = Some(Attrs::default());
            }
            if let Some(after) = c.after.as_mut() {
                for (k, is_unknown) in unknown {
                    if is_unknown {
                        after.0.insert(k, Attr::Unknown);
                    }
                }
            }
        }
        Ok(c)
    }
}

/// Matches an object key against a list of wanted keys without allocating: most keys
/// of a plan are dropped, and allocating each one was the reader's largest cost.
#[derive(Clone, Copy)]
struct Keys(&'static [&'static str]);

/// Keys of [`KEPT_ATTRIBUTES`].
const KEPT_KEY: Keys = Keys(KEPT_ATTRIBUTES);

impl<'de> DeserializeSeed<'de> for Keys {
    type Value = Option<&'static str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Keys {
    type Value = Option<&'static str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().copied().find(|k| *k == v))
    }
}

struct KeptAttrs(Attrs);

impl<'de> ObjectSeed<'de> for PhantomData<KeptAttrs> {
    type Value = KeptAttrs;
    const EXPECTING: &'static str = "an object of attribute values";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeptAttrs, A::Error> {
        let mut attrs = BTreeMap::new();
        while let Some(key) = map.next_key_seed(KEPT_KEY)? {
            match key {
                Some(k) => {
                    let v: Value = map.next_value()?;
                    let v = if k == TRUSTED_PEM_BUNDLE {
                        first_not_after(&v)
                    } else {
                        v
                    };
                    attrs.insert(k, Attr::Known(v));
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(KeptAttrs(Attrs(attrs)))
    }
}

/// `after_unknown`, reduced to "is any part of this attribute unknown?".
struct UnknownMarks(BTreeMap<&'static str, bool>);

impl<'de> ObjectSeed<'de> for PhantomData<UnknownMarks> {
    type Value = UnknownMarks;
    const EXPECTING: &'static str = "an after_unknown object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UnknownMarks, A::Error> {
        let mut marks = BTreeMap::new();
        while let Some(key) = map.next_key_seed(KEPT_KEY)? {
            match key {
                Some(k) => {
                    let any = map.next_value::<AnyTrue>()?.0;
                    marks.insert(k, any);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(UnknownMarks(marks))
    }
}

/// True when the value is `true` or contains a `true` anywhere inside.
struct AnyTrue(bool);

impl<'de> de::Deserialize<'de> for AnyTrue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyTrueVisitor)
    }
}

struct AnyTrueVisitor;

impl<'de> Visitor<'de> for AnyTrueVisitor {
    type Value = AnyTrue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an unknown-value marker")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<AnyTrue, E> {
        Ok(AnyTrue(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<AnyTrue, E> {
        Ok(AnyTrue(false))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<AnyTrue, E> {
        Ok(AnyTrue(false))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<AnyTrue, E> {
        Ok(AnyTrue(false))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyTrue, E> {
        Ok(AnyTrue(false))
    }
    fn visit_none<E: de::Error>(self) -> Result<AnyTrue, E> {
        Ok(AnyTrue(false))
    }
    fn visit_unit<E: de::Error>(self) -> Result<AnyTrue, E> {
        Ok(AnyTrue(false))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyTrue, A::Error> {
        let mut any = false;
        while let Some(AnyTrue(t)) = seq.next_element()? {
            any |= t;
        }
        Ok(AnyTrue(any))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyTrue, A::Error> {
        let mut any = false;
        while map.next_key::<IgnoredAny>()?.is_some() {
            any |= map.next_value::<AnyTrue>()?.0;
        }
        Ok(AnyTrue(any))
    }
}

/// `configuration`: walks `root_module` and nested `module_calls`.
struct ConfigSection<'s> {
    sink: &'s mut ConfigSink,
}

impl<'de> ObjectSeed<'de> for ConfigSection<'_> {
    type Value = ();
    const EXPECTING: &'static str = "a configuration object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Keys(&["root_module"]))? {
            if key == Some("root_module") {
                map.next_value_seed(OrNull(Object(ConfigModule {
                    sink: &mut *self.sink,
                    path: Vec::new(),
                })))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ConfigModule<'s> {
    sink: &'s mut ConfigSink,
    path: Vec<String>,
}

impl<'de> ObjectSeed<'de> for ConfigModule<'_> {
    type Value = ();
    const EXPECTING: &'static str = "a configuration module object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Keys(&["resources", "module_calls", "outputs"]))? {
            match key {
                Some("resources") => {
                    let list: Option<Vec<ConfigEntry>> = map.next_value()?;
                    for entry in list.unwrap_or_default() {
                        if let Some(r) = entry.into_config(&self.path) {
                            self.sink.resources.push(r);
                        }
                    }
                }
                Some("outputs") => {
                    let outputs: Option<BTreeMap<String, Value>> = map.next_value()?;
                    for (name, output) in outputs.unwrap_or_default() {
                        self.sink.outputs.push(ModuleOutput {
                            module_path: self.path.clone(),
                            name,
                            references: references_of(output.get("expression")),
                        });
                    }
                }
                Some("module_calls") => map.next_value_seed(OrNull(Object(ModuleCalls {
                    sink: &mut *self.sink,
                    path: self.path.clone(),
                })))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ModuleCalls<'s> {
    sink: &'s mut ConfigSink,
    path: Vec<String>,
}

impl<'de> ObjectSeed<'de> for ModuleCalls<'_> {
    type Value = ();
    const EXPECTING: &'static str = "an object of module calls";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let mut path = self.path.clone();
            path.push(name);
            map.next_value_seed(Object(ModuleCall {
                sink: &mut *self.sink,
                path,
            }))?;
        }
        Ok(())
    }
}

struct ModuleCall<'s> {
    sink: &'s mut ConfigSink,
    path: Vec<String>,
}

impl<'de> ObjectSeed<'de> for ModuleCall<'_> {
    type Value = ();
    const EXPECTING: &'static str = "a module call object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Keys(&["module", "expressions"]))? {
            match key {
                Some("module") => map.next_value_seed(OrNull(Object(ConfigModule {
                    sink: &mut *self.sink,
                    path: self.path.clone(),
                })))?,
                Some("expressions") => {
                    let exprs: Option<BTreeMap<String, Value>> = map.next_value()?;
                    self.sink.inputs.push(ModuleInputs {
                        module_path: self.path.clone(),
                        references: exprs
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| (k, references_of(Some(&v))))
                            .collect(),
                    });
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct ConfigEntry {
    address: Option<String>,
    mode: Option<String>,
    resource_type: Option<String>,
    references: BTreeMap<String, Vec<String>>,
}

impl ConfigEntry {
    fn into_config(self, path: &[String]) -> Option<ConfigResource> {
        if self.mode.as_deref().is_some_and(|m| m != "managed") {
            return None;
        }
        Kind::from_type(self.resource_type.as_deref()?)?;
        Some(ConfigResource {
            module_path: path.to_vec(),
            address: self.address?,
            references: self.references,
        })
    }
}

impl<'de> ObjectSeed<'de> for PhantomData<ConfigEntry> {
    type Value = ConfigEntry;
    const EXPECTING: &'static str = "a configuration resource object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConfigEntry, A::Error> {
        let mut e = ConfigEntry::default();
        while let Some(key) =
            map.next_key_seed(Keys(&["address", "mode", "type", "expressions"]))?
        {
            match key {
                Some("address") => e.address = map.next_value()?,
                Some("mode") => e.mode = map.next_value()?,
                Some("type") => e.resource_type = map.next_value()?,
                Some("expressions") => {
                    e.references = map
                        .next_value::<Option<Expressions>>()?
                        .map(|x| x.0)
                        .unwrap_or_default();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(e)
    }
}

/// The `expressions` object, reduced to the references of [`KEPT_EXPRESSIONS`].
struct Expressions(BTreeMap<String, Vec<String>>);

impl<'de> ObjectSeed<'de> for PhantomData<Expressions> {
    type Value = Expressions;
    const EXPECTING: &'static str = "an expressions object";
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Expressions, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key_seed(Keys(KEPT_EXPRESSIONS))? {
            if let Some(key) = key {
                let v: Value = map.next_value()?;
                out.insert(key.to_string(), references_of(Some(&v)));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Expressions(out))
    }
}

/// The `references` list of an expression object.
fn references_of(expression: Option<&Value>) -> Vec<String> {
    expression
        .and_then(|v| v.get("references"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads through both entry points and checks they agree.
    fn read(s: &str) -> Result<Document, InputError> {
        let streamed = read_document(s.as_bytes(), "test.json");
        let sliced = read_document_slice(s.as_bytes(), "test.json");
        match (&streamed, &sliced) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(
                std::mem::discriminant(a),
                std::mem::discriminant(b),
                "{a} vs {b}"
            ),
            _ => panic!("stream and slice disagree: {streamed:?} vs {sliced:?}"),
        }
        streamed
    }

    #[test]
    fn empty_and_whitespace_input_is_empty() {
        for s in ["", "   \n\t  "] {
            assert!(matches!(read(s), Err(InputError::Empty { .. })), "{s:?}");
        }
    }

    #[test]
    fn a_byte_order_mark_and_leading_blank_lines_are_accepted() {
        let d = read("\u{feff}\n\n {\"format_version\":\"1.0\"}").expect("BOM accepted");
        assert_eq!(d.format_version, "1.0");
    }

    #[test]
    fn non_json_names_its_start() {
        let e = read("Plan: 1 to add").expect_err("not json");
        assert!(matches!(e, InputError::NotJson { .. }));
        assert!(e.to_string().contains("\"Plan: 1 to a"), "{e}");
    }

    #[test]
    fn truncated_json_is_reported_as_truncated() {
        let e = read(r#"{"format_version":"1.2","resource_changes":[{"address":"#)
            .expect_err("truncated");
        assert!(matches!(e, InputError::Truncated { .. }), "{e:?}");
    }

    #[test]
    fn other_json_is_not_terraform() {
        for s in [
            r#"{"results":{"failed_checks":[]}}"#,
            "[1,2]",
            r#"{"format_version": 1}"#,
        ] {
            let e = read(s).expect_err("not terraform");
            assert!(matches!(e, InputError::NotTerraform { .. }), "{s}: {e:?}");
        }
    }

    #[test]
    fn plan_log_stream_is_recognised() {
        let e = read(r#"{"@level":"info","@message":"Terraform 1.11.4","type":"version"}"#)
            .expect_err("log stream");
        assert!(e.to_string().contains("terraform show -json"), "{e}");
    }

    #[test]
    fn unsupported_major_is_rejected_and_minor_versions_accepted() {
        for v in ["2.0", "0.2", "x"] {
            let e = read(&format!(r#"{{"format_version":"{v}"}}"#)).expect_err("unsupported");
            assert!(
                matches!(e, InputError::UnsupportedFormat { .. }),
                "{v}: {e:?}"
            );
        }
        for v in ["1.0", "1.2", "1.99"] {
            let d = read(&format!(
                r#"{{"format_version":"{v}","future_field":{{"a":[1]}}}}"#
            ))
            .expect("supported");
            assert_eq!(d.kind, DocumentKind::State);
            assert!(d.resources.is_empty());
        }
    }

    #[test]
    fn keeps_relevant_resources_with_unknowns_and_drops_others() {
        let plan = r#"{
          "format_version": "1.2",
          "resource_changes": [
            {"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function",
             "name": "f", "change": {"actions": ["create"], "before": null, "after": {"id": "x"}}},
            {"address": "module.m[\"a\"].aws_api_gateway_client_certificate.c", "mode": "managed",
             "type": "aws_api_gateway_client_certificate", "name": "c", "new_field": 1,
             "change": {"actions": ["create", "delete"],
                        "before": {"id": "old", "pem_encoded_certificate": "PEM", "tags": {"owner": "a"}},
                        "after": {"tags": {"owner": "a"}},
                        "after_unknown": {"id": true, "expiration_date": true, "tags": {}}}}
          ]
        }"#;
        let d = read(plan).expect("plan");
        assert_eq!(d.kind, DocumentKind::Plan);
        assert_eq!(d.resources.len(), 1);
        let r = &d.resources[0];
        assert_eq!(r.kind, Kind::AwsCertificate);
        assert_eq!(r.module.path, vec!["m".to_string()]);
        assert_eq!(r.action, Action::CreateThenDelete);
        let before = r.before.as_ref().expect("before");
        assert_eq!(before.text("id"), Text::Is("old"));
        assert!(!before.0.contains_key("pem_encoded_certificate"));
        let after = r.after.as_ref().expect("after");
        assert_eq!(after.text("id"), Text::Unknown);
        assert_eq!(after.text("expiration_date"), Text::Unknown);
        assert_eq!(
            after.string_map("tags").expect("known").get("owner"),
            Some(&"a")
        );
    }

    #[test]
    fn reads_state_child_modules_and_configuration_references() {
        let state = r#"{
          "format_version": "1.0", "terraform_version": "1.11.4",
          "values": {"root_module": {
            "resources": [{"address": "aws_api_gateway_stage.s", "mode": "managed",
              "type": "aws_api_gateway_stage", "name": "s", "values": {"client_certificate_id": ""}}],
            "child_modules": [{"address": "module.k", "resources": [
              {"address": "module.k.aws_api_gateway_client_certificate.c[0]", "mode": "managed",
               "type": "aws_api_gateway_client_certificate", "name": "c", "index": 0,
               "values": {"id": "abc"}}]}]}}
        }"#;
        let d = read(state).expect("state");
        assert_eq!(d.kind, DocumentKind::State);
        assert_eq!(d.terraform_version.as_deref(), Some("1.11.4"));
        assert_eq!(d.resources.len(), 2);
        let stage = &d.resources[0];
        assert_eq!(
            stage
                .after
                .as_ref()
                .expect("after")
                .text("client_certificate_id"),
            Text::Null
        );
        assert_eq!(d.resources[1].module.instance, "module.k");

        let plan = r#"{"format_version":"1.2","planned_values":{},"configuration":{"root_module":{
          "resources":[{"address":"aws_api_gateway_stage.s","mode":"managed","type":"aws_api_gateway_stage",
            "name":"s","expressions":{"client_certificate_id":{"references":
              ["aws_api_gateway_client_certificate.c.id","aws_api_gateway_client_certificate.c"]},
              "variables":{"constant_value":{"a":"b"}}}}],
          "module_calls":{"k":{"source":"./k","module":{"resources":[
            {"address":"aws_api_gateway_stage.t","mode":"managed","type":"aws_api_gateway_stage","name":"t",
             "expressions":{"stage_name":{"constant_value":"prod"}}}]}}}}}}"#;
        let d = read(plan).expect("plan");
        assert_eq!(d.configuration.len(), 2);
        assert_eq!(
            d.configuration[0].references["client_certificate_id"][0],
            "aws_api_gateway_client_certificate.c.id"
        );
        assert_eq!(d.configuration[1].module_path, vec!["k".to_string()]);
    }

    #[test]
    fn state_marks_deposed_objects_by_deposed_key() {
        let state = r#"{
          "format_version": "1.0",
          "values": {"root_module": {"resources": [
            {"address": "aws_api_gateway_client_certificate.c", "mode": "managed",
             "type": "aws_api_gateway_client_certificate", "name": "c", "values": {"id": "new"}},
            {"address": "aws_api_gateway_client_certificate.c", "mode": "managed",
             "type": "aws_api_gateway_client_certificate", "name": "c", "deposed_key": "00000001",
             "values": {"id": "old"}}]}}
        }"#;
        let d = read(state).expect("state");
        assert_eq!(d.resources[0].deposed, None);
        assert_eq!(d.resources[1].deposed.as_deref(), Some("00000001"));
    }

    #[test]
    fn trailing_content_after_the_document_is_an_error() {
        let e = read(r#"{"format_version":"1.0"} {"format_version":"1.0"}"#).expect_err("trailing");
        assert!(matches!(e, InputError::Syntax { .. }), "{e:?}");
    }
}

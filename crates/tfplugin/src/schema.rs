//! Schemas: the descriptions here *are* the documentation (docs/ is generated
//! from them).

use super::value::{Type, Value};

#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Markdown; the first paragraph is the summary.
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub deprecated: bool,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    /// The value type. For an attribute with `nested` attributes this is the
    /// type they imply (the `*_nested` constructors set it);
    /// [`Attribute::value_type`] is what the protocol layer relies on.
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
    /// Objects described attribute by attribute (tfplugin6 `nested_type`),
    /// so each field carries its own description in `terraform providers
    /// schema` and in the docs. `None` for an attribute with a plain type.
    pub nested: Option<NestedAttributes>,
    /// What planning does with the attribute, applied by the protocol layer
    /// around the resource's own plan (top-level attributes of resources).
    pub plan_modifiers: Vec<PlanModifier>,
}

/// A planning rule declared beside the attribute instead of coded in each
/// resource's plan. The protocol layer applies them in PlanResourceChange:
/// defaults and unknowns before the resource's `plan` sees the proposed
/// state, replacement after it, on the state the resource planned.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanModifier {
    /// A planned value different from the prior state's replaces the
    /// resource (destroy, then create) instead of updating it.
    RequiresReplace,
    /// The value is computed at apply from these attributes: it is unknown
    /// in a plan that creates the resource or changes any of them, and
    /// otherwise kept from the prior state. Only when the configuration
    /// leaves the attribute null.
    UnknownOnChange(Vec<String>),
    /// The value planned when the configuration leaves the attribute null
    /// and there is no prior value (an optional + computed attribute).
    Default(Value),
}

/// How the objects of a nested attribute are collected (tfplugin6
/// `Schema.Object.NestingMode`; unlike blocks there is no group mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    Single,
    List,
    Set,
    Map,
}

/// The attributes of a nested attribute's object(s) (tfplugin6 `Schema.Object`).
#[derive(Clone, Debug)]
pub struct NestedAttributes {
    pub nesting: ObjectNesting,
    pub attributes: Vec<Attribute>,
}

impl NestedAttributes {
    pub fn single(attributes: Vec<Attribute>) -> Self {
        NestedAttributes {
            nesting: ObjectNesting::Single,
            attributes,
        }
    }
    pub fn list(attributes: Vec<Attribute>) -> Self {
        NestedAttributes {
            nesting: ObjectNesting::List,
            attributes,
        }
    }
    pub fn set(attributes: Vec<Attribute>) -> Self {
        NestedAttributes {
            nesting: ObjectNesting::Set,
            attributes,
        }
    }
    pub fn map(attributes: Vec<Attribute>) -> Self {
        NestedAttributes {
            nesting: ObjectNesting::Map,
            attributes,
        }
    }

    /// The type of one object: its attributes, nested ones included.
    pub fn object_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value_type()))
                .collect(),
        )
    }

    /// The type of the attribute's value, as Terraform derives it
    /// (`configschema.Object.ImpliedType`): the object, or a collection of
    /// objects. Unlike a nested block, a list or map stays a list or map
    /// even with a `dynamic` attribute inside.
    pub fn value_type(&self) -> Type {
        let object = self.object_type();
        match self.nesting {
            ObjectNesting::Single => object,
            ObjectNesting::List => Type::List(Box::new(object)),
            ObjectNesting::Set => Type::Set(Box::new(object)),
            ObjectNesting::Map => Type::Map(Box::new(object)),
        }
    }
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
            nested: None,
            plan_modifiers: Vec::new(),
        }
    }
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            required: true,
            ..Self::new(name, ty, description)
        }
    }
    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            ..Self::new(name, ty, description)
        }
    }
    /// Optional with a provider-supplied default (optional + computed).
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Self::new(name, ty, description)
        }
    }
    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            computed: true,
            ..Self::new(name, ty, description)
        }
    }
    pub fn required_nested(name: &str, nested: NestedAttributes, description: &str) -> Self {
        Self::required(name, nested.value_type(), description).with_nested(nested)
    }
    pub fn optional_nested(name: &str, nested: NestedAttributes, description: &str) -> Self {
        Self::optional(name, nested.value_type(), description).with_nested(nested)
    }
    pub fn optional_computed_nested(
        name: &str,
        nested: NestedAttributes,
        description: &str,
    ) -> Self {
        Self::optional_computed(name, nested.value_type(), description).with_nested(nested)
    }
    /// Computed objects; their attributes should be computed too.
    pub fn computed_nested(name: &str, nested: NestedAttributes, description: &str) -> Self {
        Self::computed(name, nested.value_type(), description).with_nested(nested)
    }
    /// Describes the attribute's objects field by field; its type follows.
    pub fn with_nested(mut self, nested: NestedAttributes) -> Self {
        self.ty = nested.value_type();
        self.nested = Some(nested);
        self
    }
    /// Changing the attribute replaces the resource.
    pub fn requires_replace(mut self) -> Self {
        self.plan_modifiers.push(PlanModifier::RequiresReplace);
        self
    }
    /// The attribute is unknown when the resource is created or any of
    /// `attributes` changes, and kept from the prior state otherwise.
    pub fn unknown_on_change(mut self, attributes: &[&str]) -> Self {
        self.plan_modifiers.push(PlanModifier::UnknownOnChange(
            attributes.iter().map(|a| a.to_string()).collect(),
        ));
        self
    }
    /// The value planned when the configuration and the prior state leave it null.
    pub fn default_value(mut self, value: impl Into<Value>) -> Self {
        self.plan_modifiers
            .push(PlanModifier::Default(value.into()));
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The type of this attribute's values: derived from the nested
    /// attributes when there are any, so it cannot drift from them.
    pub fn value_type(&self) -> Type {
        match &self.nested {
            Some(n) => n.value_type(),
            None => self.ty.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub allow_null_value: bool,
    pub allow_unknown_values: bool,
}

#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    pub variadic_parameter: Option<Parameter>,
    pub return_type: Type,
}

impl Block {
    /// The object type of values conforming to this block: attributes (nested
    /// attributes by the type their objects imply) plus nested blocks
    /// (list/set/map of objects, or an object for single/group).
    pub fn implied_type(&self) -> Type {
        let mut attrs = std::collections::BTreeMap::new();
        for a in &self.attributes {
            attrs.insert(a.name.clone(), a.value_type());
        }
        for b in &self.blocks {
            let inner = b.block.implied_type();
            let ty = match b.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
                Nesting::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(b.type_name.clone(), ty);
        }
        Type::Object(attrs)
    }
}

impl Schema {
    /// Type of the whole state/config object of this schema.
    pub fn value_type(&self) -> Type {
        self.block.implied_type()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn object(fields: &[(&str, Type)]) -> Type {
        Type::Object(
            fields
                .iter()
                .map(|(k, t)| (k.to_string(), t.clone()))
                .collect(),
        )
    }

    fn id_and_tags() -> Vec<Attribute> {
        vec![
            Attribute::computed("id", Type::String, "The ID."),
            Attribute::computed("tags", Type::Map(Box::new(Type::String)), "The tags."),
        ]
    }

    #[test]
    fn nested_attribute_type_follows_its_nesting_mode() {
        let obj = object(&[
            ("id", Type::String),
            ("tags", Type::Map(Box::new(Type::String))),
        ]);
        assert_eq!(NestedAttributes::single(id_and_tags()).value_type(), obj);
        assert_eq!(
            NestedAttributes::list(id_and_tags()).value_type(),
            Type::List(Box::new(obj.clone()))
        );
        assert_eq!(
            NestedAttributes::set(id_and_tags()).value_type(),
            Type::Set(Box::new(obj.clone()))
        );
        assert_eq!(
            NestedAttributes::map(id_and_tags()).value_type(),
            Type::Map(Box::new(obj))
        );
    }

    #[test]
    fn list_of_objects_with_a_dynamic_inside_stays_a_list_as_in_terraform() {
        let attrs = vec![Attribute::computed("any", Type::Dynamic, "Anything.")];
        assert_eq!(
            NestedAttributes::list(attrs).value_type(),
            Type::List(Box::new(object(&[("any", Type::Dynamic)])))
        );
    }

    #[test]
    fn nested_constructors_set_role_and_derived_type() {
        let a = Attribute::computed_nested("items", NestedAttributes::list(id_and_tags()), "All.");
        assert!(a.computed && !a.optional && !a.required);
        // `ty` is filled in from the nested attributes, written out here by
        // hand rather than derived the way the constructor derives it.
        let item = object(&[
            ("id", Type::String),
            ("tags", Type::Map(Box::new(Type::String))),
        ]);
        assert_eq!(a.ty, Type::List(Box::new(item)));
        let b = Attribute::required_nested("one", NestedAttributes::single(id_and_tags()), "One.");
        assert!(b.required && !b.computed);
        let c = Attribute::optional_computed_nested("m", NestedAttributes::map(vec![]), "M.");
        assert!(c.optional && c.computed);
        assert_eq!(c.value_type(), Type::Map(Box::new(object(&[]))));
    }

    #[test]
    fn block_implied_type_descends_into_nested_attributes() {
        let inner = NestedAttributes::list(vec![
            Attribute::computed("name", Type::String, "Name."),
            Attribute::computed_nested(
                "stages",
                NestedAttributes::list(vec![Attribute::computed("stage", Type::String, "S.")]),
                "Stages.",
            ),
        ]);
        let mut attr = Attribute::computed_nested("items", inner, "Items.");
        // The nested attributes decide, even if `ty` was left stale.
        attr.ty = Type::String;
        let block = Block {
            attributes: vec![Attribute::optional("filter", Type::String, "Filter."), attr],
            ..Block::default()
        };
        let stage = object(&[("stage", Type::String)]);
        let item = object(&[
            ("name", Type::String),
            ("stages", Type::List(Box::new(stage))),
        ]);
        assert_eq!(
            block.implied_type(),
            Type::Object(BTreeMap::from([
                ("filter".to_string(), Type::String),
                ("items".to_string(), Type::List(Box::new(item))),
            ]))
        );
    }
}

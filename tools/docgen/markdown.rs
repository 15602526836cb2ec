//! Markdown generation: front matter, the schema listing as the registry renders it,
//! function signatures and type labels.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use tfplugin::{
    Attribute, Block, FunctionDef, NestedAttributes, NestedBlock, Nesting, ObjectNesting, Type,
};

pub(crate) fn fenced(lang: &str, body: &str) -> String {
    format!("```{lang}\n{}\n```\n", body.trim_end())
}

/// The first paragraph of a Markdown description, on one line.
pub(crate) fn summary(description: &str) -> String {
    description
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn front_matter(title: &str, description: &str) -> String {
    let mut s = String::from("---\n");
    let _ = writeln!(s, "page_title: \"{title}\"");
    s.push_str("subcategory: \"\"\n");
    s.push_str("description: |-\n");
    let sum = summary(description);
    if sum.is_empty() {
        s.push_str("  \n");
    } else {
        let _ = writeln!(s, "  {sum}");
    }
    s.push_str("---\n\n");
    s
}

pub(crate) fn function_signature(def: &FunctionDef) -> String {
    let mut params: Vec<String> = def
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, hcl_type(&p.ty)))
        .collect();
    if let Some(v) = &def.variadic_parameter {
        params.push(format!("{}... {}", v.name, hcl_type(&v.ty)));
    }
    let mut s = String::from("## Signature\n\n");
    s.push_str(&fenced(
        "text",
        &format!(
            "{}({}) {}",
            def.name,
            params.join(", "),
            hcl_type(&def.return_type)
        ),
    ));
    let all: Vec<_> = def
        .parameters
        .iter()
        .chain(def.variadic_parameter.iter())
        .collect();
    if !all.is_empty() {
        s.push_str("\n## Arguments\n\n");
        for (i, p) in all.iter().enumerate() {
            let variadic = if def
                .variadic_parameter
                .as_ref()
                .is_some_and(|v| v.name == p.name)
                && i == all.len() - 1
            {
                ", variadic"
            } else {
                ""
            };
            let nullable = if p.allow_null_value { ", nullable" } else { "" };
            let _ = writeln!(
                s,
                "1. `{}` ({}{variadic}{nullable}) {}",
                p.name,
                doc_type(&p.ty),
                one_line(&p.description)
            );
        }
    }
    let _ = write!(
        s,
        "\n## Return Type\n\nThe function returns a value of type `{}`.\n",
        hcl_type(&def.return_type)
    );
    s
}

/// A type as HCL spells it in a type constraint (`list(string)`).
pub(crate) fn hcl_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::Dynamic => "dynamic".into(),
        Type::List(t) => format!("list({})", hcl_type(t)),
        Type::Set(t) => format!("set({})", hcl_type(t)),
        Type::Map(t) => format!("map({})", hcl_type(t)),
        Type::Object(fields) => format!(
            "object({{{}}})",
            fields
                .iter()
                .map(|(k, v)| format!("{k} = {}", hcl_type(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Tuple(items) => format!(
            "tuple([{}])",
            items.iter().map(hcl_type).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A type as the registry docs label it ("List of String").
fn doc_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", doc_type(t)),
        Type::Set(t) => format!("Set of {}", doc_type(t)),
        Type::Map(t) => format!("Map of {}", doc_type(t)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// The object type inside an attribute's type, if any, for a nested listing.
fn inner_object(ty: &Type) -> Option<&BTreeMap<String, Type>> {
    match ty {
        Type::Object(fields) => Some(fields),
        Type::List(t) | Type::Set(t) | Type::Map(t) => inner_object(t),
        _ => None,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A nested section still to be written: its anchor path and its content.
enum Pending<'a> {
    Block(String, &'a NestedBlock),
    /// A nested attribute: its fields carry their own descriptions.
    Attributes(String, &'a NestedAttributes),
    /// An attribute of plain object type: only field names and types exist.
    Object(String, &'a BTreeMap<String, Type>),
}

/// The "Schema" section: top-level groups, then one section per nested
/// block, nested attribute or object attribute, linked by anchors as the
/// registry renders them.
pub(crate) fn schema_markdown(block: &Block) -> String {
    let mut s = String::from("## Schema\n");
    let mut queue: Vec<Pending<'_>> = Vec::new();
    write_groups(&mut s, &block.attributes, &block.blocks, "", &mut queue);
    let mut i = 0;
    while i < queue.len() {
        match &queue[i] {
            Pending::Block(path, nb) => {
                let _ = write!(
                    s,
                    "\n<a id=\"nestedblock--{}\"></a>\n### Nested Schema for `{}`\n",
                    path.replace('.', "--"),
                    path
                );
                let limits = nesting_note(nb);
                if !limits.is_empty() {
                    let _ = writeln!(s, "\n{limits}");
                }
                if !nb.block.description.trim().is_empty() {
                    let _ = writeln!(s, "\n{}", nb.block.description.trim());
                }
                let path = path.clone();
                let block = &nb.block;
                let mut more = Vec::new();
                write_groups(&mut s, &block.attributes, &block.blocks, &path, &mut more);
                queue.extend(more);
            }
            Pending::Attributes(path, nested) => {
                let _ = write!(
                    s,
                    "\n<a id=\"nestedatt--{}\"></a>\n### Nested Schema for `{}`\n",
                    path.replace('.', "--"),
                    path
                );
                let path = path.clone();
                let mut more = Vec::new();
                write_groups(&mut s, &nested.attributes, &[], &path, &mut more);
                queue.extend(more);
            }
            Pending::Object(path, fields) => {
                let _ = write!(
                    s,
                    "\n<a id=\"nestedatt--{}\"></a>\n### Nested Schema for `{}`\n\n",
                    path.replace('.', "--"),
                    path
                );
                let path = path.clone();
                let mut more = Vec::new();
                for (name, ty) in fields.iter() {
                    let full = format!("{path}.{name}");
                    let link = match inner_object(ty) {
                        Some(inner) => {
                            more.push(Pending::Object(full.clone(), inner));
                            format!(
                                " (see [below for nested schema](#nestedatt--{}))",
                                full.replace('.', "--")
                            )
                        }
                        None => String::new(),
                    };
                    let _ = writeln!(s, "- `{name}` ({}){link}", doc_type(ty));
                }
                queue.extend(more);
            }
        }
        i += 1;
    }
    s
}

fn nesting_note(nb: &NestedBlock) -> String {
    let kind = match nb.nesting {
        Nesting::Single | Nesting::Group => return String::new(),
        Nesting::List => "list",
        Nesting::Set => "set",
        Nesting::Map => "map",
    };
    match (nb.min_items, nb.max_items) {
        (0, 0) => String::new(),
        (min, 0) => format!("A {kind} of at least {min} blocks."),
        (0, max) => format!("A {kind} of at most {max} blocks."),
        (min, max) => format!("A {kind} of {min} to {max} blocks."),
    }
}

/// The Required / Optional / Read-Only groups of one level: headings at the
/// top of the page, plain `Required:` labels inside a nested section (as the
/// registry's generator writes them, so the page outline stays flat).
fn write_groups<'a>(
    s: &mut String,
    attributes: &'a [Attribute],
    blocks: &'a [NestedBlock],
    path: &str,
    queue: &mut Vec<Pending<'a>>,
) {
    let mut attrs: Vec<&Attribute> = attributes.iter().collect();
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut blocks: Vec<&NestedBlock> = blocks.iter().collect();
    blocks.sort_by(|a, b| a.type_name.cmp(&b.type_name));

    for group in [Group::Required, Group::Optional, Group::ReadOnly] {
        let mut lines = Vec::new();
        for a in attrs.iter().filter(|a| group.holds(a)) {
            lines.push(attribute_line(a, path, queue));
        }
        // Blocks with a minimum count are required; the rest are optional.
        for nb in &blocks {
            let here = match group {
                Group::Required => nb.min_items > 0,
                Group::Optional => nb.min_items == 0,
                Group::ReadOnly => false,
            };
            if here {
                lines.push(block_line(nb, path, queue));
            }
        }
        if lines.is_empty() {
            continue;
        }
        if path.is_empty() {
            let _ = writeln!(s, "\n### {}\n", group.title());
        } else {
            let _ = writeln!(s, "\n{}:\n", group.title());
        }
        for l in lines {
            let _ = writeln!(s, "{l}");
        }
    }
}

/// The three groups of the registry's schema listing.
#[derive(Clone, Copy)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
    fn holds(self, a: &Attribute) -> bool {
        match self {
            Group::Required => a.required,
            Group::Optional => a.optional,
            Group::ReadOnly => a.computed && !a.optional && !a.required,
        }
    }
}

fn qualified(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn attribute_line<'a>(a: &'a Attribute, path: &str, queue: &mut Vec<Pending<'a>>) -> String {
    let mut flags = match &a.nested {
        Some(n) => nested_label(n).to_string(),
        None => doc_type(&a.ty),
    };
    if a.sensitive {
        flags.push_str(", Sensitive");
    }
    if a.deprecated {
        flags.push_str(", Deprecated");
    }
    let mut line = format!("- `{}` ({flags})", a.name);
    let desc = one_line(&a.description);
    if !desc.is_empty() {
        line.push(' ');
        line.push_str(&desc);
    }
    let full = qualified(path, &a.name);
    let pending = match &a.nested {
        Some(n) => Some(Pending::Attributes(full.clone(), n)),
        None => inner_object(&a.ty).map(|f| Pending::Object(full.clone(), f)),
    };
    if let Some(p) = pending {
        let _ = write!(
            line,
            " (see [below for nested schema](#nestedatt--{}))",
            full.replace('.', "--")
        );
        queue.push(p);
    }
    line
}

/// The registry's label for a nested attribute ("Attributes List").
fn nested_label(n: &NestedAttributes) -> &'static str {
    match n.nesting {
        ObjectNesting::Single => "Attributes",
        ObjectNesting::List => "Attributes List",
        ObjectNesting::Set => "Attributes Set",
        ObjectNesting::Map => "Attributes Map",
    }
}

fn block_line<'a>(nb: &'a NestedBlock, path: &str, queue: &mut Vec<Pending<'a>>) -> String {
    let full = qualified(path, &nb.type_name);
    let kind = match nb.nesting {
        Nesting::Single | Nesting::Group => "Block",
        Nesting::List => "Block List",
        Nesting::Set => "Block Set",
        Nesting::Map => "Block Map",
    };
    let limit = if nb.max_items > 0 && !matches!(nb.nesting, Nesting::Single | Nesting::Group) {
        format!(", Max: {}", nb.max_items)
    } else {
        String::new()
    };
    let summary = summary(&nb.block.description);
    let mut line = format!("- `{}` ({kind}{limit})", nb.type_name);
    if !summary.is_empty() {
        line.push(' ');
        line.push_str(&summary);
    }
    let _ = write!(
        line,
        " (see [below for nested schema](#nestedblock--{}))",
        full.replace('.', "--")
    );
    queue.push(Pending::Block(full, nb));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::short_name;

    fn attr(name: &str, ty: Type) -> Attribute {
        Attribute::optional(name, ty, "A thing.")
    }

    #[test]
    fn groups_attributes_by_role_and_flags_sensitive() {
        let block = Block {
            description: String::new(),
            attributes: vec![
                Attribute::required("zeta", Type::String, "Needed."),
                attr("alpha", Type::Map(Box::new(Type::String))),
                Attribute::computed("pem", Type::String, "Secret-ish.").sensitive(),
            ],
            blocks: vec![],
            deprecated: false,
        };
        let md = schema_markdown(&block);
        let req = md.find("### Required").expect("required group");
        let opt = md.find("### Optional").expect("optional group");
        let ro = md.find("### Read-Only").expect("read-only group");
        assert!(req < opt && opt < ro, "{md}");
        assert!(md.contains("- `zeta` (String) Needed."), "{md}");
        assert!(md.contains("- `alpha` (Map of String) A thing."), "{md}");
        assert!(
            md.contains("- `pem` (String, Sensitive) Secret-ish."),
            "{md}"
        );
    }

    #[test]
    fn nested_blocks_and_objects_get_their_own_sections() {
        let inner = Block {
            description: "Role to assume.".into(),
            attributes: vec![Attribute::required("role_arn", Type::String, "ARN.")],
            blocks: vec![],
            deprecated: false,
        };
        let obj = Type::List(Box::new(Type::Object(BTreeMap::from([
            ("id".to_string(), Type::String),
            ("tags".to_string(), Type::Map(Box::new(Type::String))),
        ]))));
        let block = Block {
            description: String::new(),
            attributes: vec![Attribute::computed("certificates", obj, "All of them.")],
            blocks: vec![NestedBlock {
                type_name: "assume_role".into(),
                block: inner,
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
            }],
            deprecated: false,
        };
        let md = schema_markdown(&block);
        assert!(
            md.contains("- `assume_role` (Block List, Max: 1) Role to assume."),
            "{md}"
        );
        assert!(md.contains("### Nested Schema for `assume_role`"), "{md}");
        assert!(
            md.contains("Required:\n\n- `role_arn` (String) ARN."),
            "{md}"
        );
        assert_eq!(md.matches("### Required").count(), 0, "{md}");
        assert!(
            md.contains("(see [below for nested schema](#nestedatt--certificates))"),
            "{md}"
        );
        assert!(md.contains("### Nested Schema for `certificates`"), "{md}");
        assert!(md.contains("- `tags` (Map of String)"), "{md}");
    }

    #[test]
    fn nested_attributes_get_sections_listing_each_field_with_its_description() {
        let block = Block {
            description: String::new(),
            attributes: vec![Attribute::computed_nested(
                "certificates",
                NestedAttributes::list(vec![
                    Attribute::computed("id", Type::String, "The certificate ID."),
                    Attribute::computed("pem", Type::String, "The PEM.").sensitive(),
                    Attribute::computed_nested(
                        "stages",
                        NestedAttributes::set(vec![Attribute::computed(
                            "stage_name",
                            Type::String,
                            "The stage.",
                        )]),
                        "Stages using it.",
                    ),
                ]),
                "All of them.",
            )],
            blocks: vec![],
            deprecated: false,
        };
        let md = schema_markdown(&block);
        let expected = "\
## Schema

### Read-Only

- `certificates` (Attributes List) All of them. (see [below for nested schema](#nestedatt--certificates))

<a id=\"nestedatt--certificates\"></a>
### Nested Schema for `certificates`

Read-Only:

- `id` (String) The certificate ID.
- `pem` (String, Sensitive) The PEM.
- `stages` (Attributes Set) Stages using it. (see [below for nested schema](#nestedatt--certificates--stages))

<a id=\"nestedatt--certificates--stages\"></a>
### Nested Schema for `certificates.stages`

Read-Only:

- `stage_name` (String) The stage.
";
        assert_eq!(md, expected);
    }

    #[test]
    fn summary_is_first_paragraph_on_one_line() {
        assert_eq!(summary("One\ntwo.\n\nThree."), "One two.");
        assert_eq!(
            short_name("apigw_stage_client_certificate"),
            "stage_client_certificate"
        );
        assert_eq!(
            hcl_type(&Type::List(Box::new(Type::String))),
            "list(string)"
        );
    }
}

//! Writes the provider's registry-layout documentation (`docs/`) from the
//! schemas the provider itself serves, the HCL under `examples/`, and the
//! templates under `templates/`.
//!
//! The schema descriptions are the documentation: this tool only arranges
//! them, so a page can never drift from what `terraform providers schema`
//! reports. It is a separate example target, not part of the provider binary.
//!
//! Usage: `cargo run --example docgen -- [--root DIR] [--out DIR]`
//! (defaults: the current directory, and `<root>/docs`).
//!
//! Layout written under the output directory:
//! - `index.md`                from `templates/index.md.tmpl`
//! - `resources/<name>.md`     one per resource (name without the `apigw_` prefix)
//! - `data-sources/<name>.md`  one per data source
//! - `functions/<name>.md`     one per provider function
//!
//! A page may be overridden by `templates/<kind>/<name>.md.tmpl`. Templates
//! understand these placeholders:
//! `{{ .Name }}`, `{{ .Type }}`, `{{ .Description }}`, `{{ .Summary }}`,
//! `{{ .SchemaMarkdown }}`, `{{ .ExampleFile }}`, `{{ .ImportFile }}`,
//! `{{ .ImportBlock }}` and
//! `{{ tffile "relative/path.tf" }}` (a fenced HCL block with the file's text).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use terraform_provider_apigw::provider;
use tfplugin::{
    Attribute, Block, FunctionDef, NestedAttributes, NestedBlock, Nesting, ObjectNesting, Provider,
    Schema, Type,
};

const PROVIDER_NAME: &str = "apigw";

/// The four page kinds of the registry layout.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Resource,
    DataSource,
    Function,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
            Kind::Function => "functions",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::Function => "Function",
        }
    }
    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
            Kind::Function => "function.tf",
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum DocError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{template}: {message}")]
    Template { template: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(count) => {
            eprintln!("docgen: wrote {count} pages");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("docgen: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<usize, DocError> {
    let mut root = PathBuf::from(".");
    let mut out: Option<PathBuf> = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--root" => root = it.next().map(PathBuf::from).ok_or_else(missing("--root"))?,
            "--out" => out = Some(it.next().map(PathBuf::from).ok_or_else(missing("--out"))?),
            "-h" | "--help" => {
                return Err(DocError::Usage(
                    "usage: docgen [--root DIR] [--out DIR]".to_string(),
                ));
            }
            other => {
                return Err(DocError::Usage(format!(
                    "unknown argument {other:?}; usage: docgen [--root DIR] [--out DIR]"
                )));
            }
        }
    }
    let out = out.unwrap_or_else(|| root.join("docs"));
    let pages = render_all(&root)?;
    write_pages(&out, &pages)?;
    Ok(pages.len())
}

fn missing(flag: &'static str) -> impl FnOnce() -> DocError {
    move || DocError::Usage(format!("{flag} needs a directory argument"))
}

/// Every page, keyed by its path relative to the docs directory.
fn render_all(root: &Path) -> Result<BTreeMap<PathBuf, String>, DocError> {
    let provider = provider::new();
    let mut pages = BTreeMap::new();
    pages.insert(
        PathBuf::from("index.md"),
        render_index(root, &provider.schema())?,
    );

    for r in provider.resources() {
        let page = render_schema_page(root, Kind::Resource, r.type_name(), &r.schema())?;
        pages.insert(page_path(Kind::Resource, r.type_name()), page);
    }
    for d in provider.data_sources() {
        let page = render_schema_page(root, Kind::DataSource, d.type_name(), &d.schema())?;
        pages.insert(page_path(Kind::DataSource, d.type_name()), page);
    }
    for f in provider.functions() {
        let def = f.definition();
        let page = render_function_page(root, &def)?;
        pages.insert(page_path(Kind::Function, &def.name), page);
    }
    Ok(pages)
}

fn short_name(type_name: &str) -> &str {
    type_name
        .strip_prefix(PROVIDER_NAME)
        .and_then(|s| s.strip_prefix('_'))
        .unwrap_or(type_name)
}

fn page_path(kind: Kind, name: &str) -> PathBuf {
    Path::new(kind.dir()).join(format!("{}.md", short_name(name)))
}

/// Writes the pages and removes pages of types that no longer exist, so a
/// removed resource does not leave an orphaned page behind.
fn write_pages(out: &Path, pages: &BTreeMap<PathBuf, String>) -> Result<(), DocError> {
    for kind in [Kind::Resource, Kind::DataSource, Kind::Function] {
        let dir = out.join(kind.dir());
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = Path::new(kind.dir()).join(entry.file_name());
            if path.extension().is_some_and(|e| e == "md") && !pages.contains_key(&rel) {
                fs::remove_file(&path).map_err(|source| DocError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
        }
    }
    for (rel, text) in pages {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| DocError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(&path, text).map_err(|source| DocError::Write { path, source })?;
    }
    Ok(())
}

fn read_optional(path: &Path) -> Result<Option<String>, DocError> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(DocError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn fenced(lang: &str, body: &str) -> String {
    format!("```{lang}\n{}\n```\n", body.trim_end())
}

/// The first paragraph of a Markdown description, on one line.
fn summary(description: &str) -> String {
    description
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn front_matter(title: &str, description: &str) -> String {
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

/// Values a template may refer to.
struct TemplateData {
    name: String,
    type_label: String,
    description: String,
    schema_markdown: String,
    example_file: Option<String>,
    import_file: Option<String>,
    /// `import {}` blocks (`examples/resources/<type>/import.tf`).
    import_block: Option<String>,
}

/// Expands the placeholders of a template. Unknown placeholders are an error
/// rather than left in the output, so a typo cannot ship.
fn expand(
    root: &Path,
    template: &Path,
    text: &str,
    data: &TemplateData,
) -> Result<String, DocError> {
    let mut out = String::with_capacity(text.len() * 2);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| DocError::Template {
            template: template.to_path_buf(),
            message: "unclosed '{{'".to_string(),
        })?;
        let expr = after[..end].trim();
        out.push_str(&eval_placeholder(root, template, expr, data)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn eval_placeholder(
    root: &Path,
    template: &Path,
    expr: &str,
    data: &TemplateData,
) -> Result<String, DocError> {
    let unavailable = |what: &str| DocError::Template {
        template: template.to_path_buf(),
        message: format!("{{{{ {expr} }}}}: {what}"),
    };
    Ok(match expr {
        ".Name" => data.name.clone(),
        ".Type" => data.type_label.clone(),
        ".Description" => data.description.trim().to_string(),
        ".Summary" => summary(&data.description),
        ".SchemaMarkdown" => data.schema_markdown.trim_end().to_string(),
        ".ExampleFile" => data
            .example_file
            .as_deref()
            .map(|s| fenced("terraform", s))
            .ok_or_else(|| unavailable("no example file for this page"))?,
        ".ImportFile" => data
            .import_file
            .as_deref()
            .map(|s| fenced("shell", s))
            .ok_or_else(|| unavailable("no import.sh for this page"))?,
        ".ImportBlock" => data
            .import_block
            .as_deref()
            .map(|s| fenced("terraform", s))
            .ok_or_else(|| unavailable("no import.tf for this page"))?,
        _ => {
            if let Some(arg) = expr.strip_prefix("tffile") {
                let rel = arg.trim().trim_matches('"');
                let path = root.join(rel);
                let body = read_optional(&path)?
                    .ok_or_else(|| unavailable(&format!("{} does not exist", path.display())))?;
                fenced("terraform", &body)
            } else {
                return Err(unavailable(
                    "unknown placeholder (known: .Name .Type .Description .Summary \
                     .SchemaMarkdown .ExampleFile .ImportFile .ImportBlock, tffile \"PATH\")",
                ));
            }
        }
    })
}

fn render_index(root: &Path, schema: &Schema) -> Result<String, DocError> {
    let template_path = root.join("templates/index.md.tmpl");
    let example = read_optional(&root.join("examples/provider/provider.tf"))?;
    let data = TemplateData {
        name: PROVIDER_NAME.to_string(),
        type_label: "Provider".to_string(),
        description: schema.block.description.clone(),
        schema_markdown: schema_markdown(&schema.block),
        example_file: example,
        import_file: None,
        import_block: None,
    };
    match read_optional(&template_path)? {
        Some(t) => expand(root, &template_path, &t, &data),
        None => {
            let mut s = front_matter(&format!("{PROVIDER_NAME} Provider"), &data.description);
            let _ = writeln!(s, "# {PROVIDER_NAME} Provider\n");
            if !data.description.trim().is_empty() {
                let _ = writeln!(s, "{}\n", data.description.trim());
            }
            if let Some(ex) = &data.example_file {
                let _ = writeln!(s, "## Example Usage\n\n{}", fenced("terraform", ex));
            }
            s.push_str(&data.schema_markdown);
            Ok(s)
        }
    }
}

fn render_schema_page(
    root: &Path,
    kind: Kind,
    type_name: &str,
    schema: &Schema,
) -> Result<String, DocError> {
    let example_dir = root.join("examples").join(kind.dir()).join(type_name);
    let data = TemplateData {
        name: type_name.to_string(),
        type_label: kind.label().to_string(),
        description: schema.block.description.clone(),
        schema_markdown: schema_markdown(&schema.block),
        example_file: read_optional(&example_dir.join(kind.example_file()))?,
        import_file: if kind == Kind::Resource {
            read_optional(&example_dir.join("import.sh"))?
        } else {
            None
        },
        import_block: if kind == Kind::Resource {
            read_optional(&example_dir.join("import.tf"))?
        } else {
            None
        },
    };
    let template_path = root
        .join("templates")
        .join(kind.dir())
        .join(format!("{}.md.tmpl", short_name(type_name)));
    if let Some(t) = read_optional(&template_path)? {
        return expand(root, &template_path, &t, &data);
    }
    let title = format!("{type_name} {} - {PROVIDER_NAME}", kind.label());
    let mut s = front_matter(&title, &data.description);
    let _ = writeln!(s, "# {type_name} ({})\n", kind.label());
    if !data.description.trim().is_empty() {
        let _ = writeln!(s, "{}\n", data.description.trim());
    }
    if let Some(ex) = &data.example_file {
        let _ = writeln!(s, "## Example Usage\n\n{}", fenced("terraform", ex));
    }
    s.push_str(&data.schema_markdown);
    if data.import_block.is_some() || data.import_file.is_some() {
        s.push_str("\n## Import\n\n");
    }
    if let Some(block) = &data.import_block {
        let _ = write!(
            s,
            "In Terraform 1.5 and later, use an `import` block; `terraform plan` shows \
             what it adopts before anything is recorded:\n\n{}",
            fenced("terraform", block)
        );
    }
    if let Some(import) = &data.import_file {
        let _ = write!(
            s,
            "{}\n\n{}",
            if data.import_block.is_some() {
                "\nOr with the `terraform import` command:"
            } else {
                "Import is supported using the following syntax:"
            },
            fenced("shell", import)
        );
    }
    Ok(s)
}

fn render_function_page(root: &Path, def: &FunctionDef) -> Result<String, DocError> {
    let example = read_optional(
        &root
            .join("examples/functions")
            .join(&def.name)
            .join(Kind::Function.example_file()),
    )?;
    let description = if def.description.trim().is_empty() {
        def.summary.clone()
    } else {
        def.description.clone()
    };
    let template_path = root
        .join("templates/functions")
        .join(format!("{}.md.tmpl", def.name));
    let signature = function_signature(def);
    if let Some(t) = read_optional(&template_path)? {
        let data = TemplateData {
            name: def.name.clone(),
            type_label: Kind::Function.label().to_string(),
            description: description.clone(),
            schema_markdown: signature,
            example_file: example,
            import_file: None,
            import_block: None,
        };
        return expand(root, &template_path, &t, &data);
    }
    let title = format!("{} function - {PROVIDER_NAME}", def.name);
    let fm_description = if def.summary.trim().is_empty() {
        description.clone()
    } else {
        def.summary.clone()
    };
    let mut s = front_matter(&title, &fm_description);
    let _ = writeln!(s, "# function: {}\n", def.name);
    if !description.trim().is_empty() {
        let _ = writeln!(s, "{}\n", description.trim());
    }
    if let Some(ex) = &example {
        let _ = writeln!(s, "## Example Usage\n\n{}", fenced("terraform", ex));
    }
    s.push_str(&signature);
    Ok(s)
}

fn function_signature(def: &FunctionDef) -> String {
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
fn hcl_type(ty: &Type) -> String {
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
fn schema_markdown(block: &Block) -> String {
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
    fn unknown_placeholder_is_an_error_naming_it() {
        let data = TemplateData {
            name: "x".into(),
            type_label: "Resource".into(),
            description: "D.".into(),
            schema_markdown: String::new(),
            example_file: None,
            import_file: None,
            import_block: None,
        };
        let err = expand(
            Path::new("."),
            Path::new("t.tmpl"),
            "a {{ .Nope }} b",
            &data,
        )
        .expect_err("must fail");
        assert!(err.to_string().contains(".Nope"), "{err}");
        let ok =
            expand(Path::new("."), Path::new("t.tmpl"), "# {{ .Name }}!", &data).expect("expands");
        assert_eq!(ok, "# x!");
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

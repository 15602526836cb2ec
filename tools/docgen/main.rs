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
use tfplugin::{FunctionDef, Provider, Schema};

mod markdown;
mod template;

use markdown::{fenced, front_matter, function_signature, schema_markdown};
use template::{TemplateData, expand};

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

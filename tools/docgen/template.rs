//! Template rendering: `templates/**/*.md.tmpl` with their placeholders expanded.

use std::path::Path;

use crate::markdown::{fenced, summary};
use crate::{DocError, read_optional};

/// Values a template may refer to.
pub(crate) struct TemplateData {
    pub(crate) name: String,
    pub(crate) type_label: String,
    pub(crate) description: String,
    pub(crate) schema_markdown: String,
    pub(crate) example_file: Option<String>,
    pub(crate) import_file: Option<String>,
    /// `import {}` blocks (`examples/resources/<type>/import.tf`).
    pub(crate) import_block: Option<String>,
}

/// Expands the placeholders of a template. Unknown placeholders are an error
/// rather than left in the output, so a typo cannot ship.
pub(crate) fn expand(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

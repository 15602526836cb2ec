//! What is kept of a document: resources, their kept attributes, the configuration
//! and module wiring.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::address::ModuleLocation;

/// The `format_version` major this reader understands (Terraform 1.x and OpenTofu 1.x
/// both write 1.x).
pub const SUPPORTED_FORMAT_MAJOR: u64 = 1;

/// The resource types the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    RotatingCertificate,
    StageAttachment,
    AwsCertificate,
    AwsStage,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::RotatingCertificate,
        Kind::StageAttachment,
        Kind::AwsCertificate,
        Kind::AwsStage,
    ];

    pub fn from_type(resource_type: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.type_name() == resource_type)
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Kind::RotatingCertificate => "apigw_rotating_client_certificate",
            Kind::StageAttachment => "apigw_stage_client_certificate",
            Kind::AwsCertificate => "aws_api_gateway_client_certificate",
            Kind::AwsStage => "aws_api_gateway_stage",
        }
    }

    pub fn is_certificate(self) -> bool {
        matches!(self, Kind::RotatingCertificate | Kind::AwsCertificate)
    }

    pub fn is_stage(self) -> bool {
        matches!(self, Kind::StageAttachment | Kind::AwsStage)
    }
}

/// Attributes kept from `values`, `before`, `after` and `after_unknown`.
pub const KEPT_ATTRIBUTES: &[&str] = &[
    "id",
    "tags",
    "tags_all",
    "expiration_date",
    "created_date",
    "client_certificate_id",
    "rest_api_id",
    "stage_name",
    "rotate_before",
    "promote_after",
    "overlap",
    "pending_certificate_id",
    "pending_created_date",
    "pending_expiration_date",
    "current_certificate_id",
    "current_created_date",
    "current_expiration_date",
    "previous_certificate_id",
    "previous_created_date",
    "previous_expiration_date",
    "previous_retire_after",
    "trusted_certificate_ids",
    TRUSTED_PEM_BUNDLE,
];

/// `apigw_rotating_client_certificate.trusted_pem_bundle`, kept not as PEM text but as
/// the notAfter (unix seconds) of its first certificate: the oldest of the series (the
/// previous one during an overlap), whose expiry schema version 2 records nowhere
/// else. Null when that certificate cannot be read.
pub const TRUSTED_PEM_BUNDLE: &str = "trusted_pem_bundle";

pub(super) fn first_not_after(v: &Value) -> Value {
    match v {
        Value::String(pem) => {
            terraform_provider_apigw::functions::pem_not_after(pem).map_or(Value::Null, Value::from)
        }
        _ => Value::Null,
    }
}

/// Expression attributes whose `references` are kept from the `configuration` section.
pub const KEPT_EXPRESSIONS: &[&str] = &["client_certificate_id", "rest_api_id", "stage_name"];

/// One attribute value: known (possibly null) or unknown until apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Known(Value),
    Unknown,
}

/// A view of an attribute, with null and absent folded together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    Null,
    Unknown,
    Value(&'a Value),
}

/// A string attribute, with null, absent and the empty string folded together (the AWS
/// provider writes "" for an unset `client_certificate_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    Null,
    Unknown,
    Is(&'a str),
}

impl<'a> Text<'a> {
    pub fn known(self) -> Option<&'a str> {
        match self {
            Text::Is(s) => Some(s),
            _ => None,
        }
    }
}

/// The kept attributes of one resource object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs(pub BTreeMap<&'static str, Attr>);

impl Attrs {
    pub fn field(&self, name: &str) -> Field<'_> {
        match self.0.get(name) {
            None | Some(Attr::Known(Value::Null)) => Field::Null,
            Some(Attr::Unknown) => Field::Unknown,
            Some(Attr::Known(v)) => Field::Value(v),
        }
    }

    pub fn text(&self, name: &str) -> Text<'_> {
        match self.field(name) {
            Field::Null => Text::Null,
            Field::Unknown => Text::Unknown,
            Field::Value(Value::String(s)) if s.is_empty() => Text::Null,
            Field::Value(Value::String(s)) => Text::Is(s),
            // A non-string where a string belongs is not something a rule can judge.
            Field::Value(_) => Text::Unknown,
        }
    }

    /// A string map attribute such as `tags`: `None` when unknown (wholly or partly).
    pub fn string_map(&self, name: &str) -> Option<BTreeMap<&str, &str>> {
        match self.field(name) {
            Field::Null => Some(BTreeMap::new()),
            Field::Unknown => None,
            Field::Value(Value::Object(m)) => Some(
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
                    .collect(),
            ),
            Field::Value(_) => None,
        }
    }
}

/// What the plan does to a resource instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Unchanged in a plan, or any resource of a state.
    NoOp,
    Create,
    Read,
    Update,
    /// Replace, destroying the old object first (the default).
    DeleteThenCreate,
    /// Replace with `create_before_destroy`.
    CreateThenDelete,
    Delete,
    /// Removed from state without destroying (`removed` blocks).
    Forget,
    /// An action list this version does not know; judged by whether it deletes.
    Other(Vec<String>),
}

impl Action {
    pub fn from_actions(actions: &[String]) -> Action {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        match a.as_slice() {
            ["no-op"] | [] => Action::NoOp,
            ["create"] => Action::Create,
            ["read"] => Action::Read,
            ["update"] => Action::Update,
            ["delete", "create"] => Action::DeleteThenCreate,
            ["create", "delete"] => Action::CreateThenDelete,
            ["delete"] => Action::Delete,
            ["forget"] => Action::Forget,
            _ => Action::Other(actions.to_vec()),
        }
    }

    /// Whether the object that existed before the plan is destroyed by it.
    pub fn destroys_existing(&self) -> bool {
        match self {
            Action::DeleteThenCreate | Action::CreateThenDelete | Action::Delete => true,
            Action::Other(a) => a.iter().any(|s| s == "delete"),
            _ => false,
        }
    }

    pub fn is_replace(&self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Action::NoOp => "unchanged",
            Action::Create => "created",
            Action::Read => "read",
            Action::Update => "updated in place",
            Action::DeleteThenCreate => "replaced (destroyed, then created)",
            Action::CreateThenDelete => "replaced (created, then destroyed)",
            Action::Delete => "destroyed",
            Action::Forget => "removed from state",
            Action::Other(_) => "changed",
        }
    }
}

/// One API Gateway resource instance as the plan (or state) describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub address: String,
    pub module: ModuleLocation,
    pub kind: Kind,
    pub name: String,
    pub index: Option<Value>,
    /// Set for a deposed object (left over from a failed create_before_destroy).
    pub deposed: Option<String>,
    pub action: Action,
    /// `None` when the object does not exist before (create).
    pub before: Option<Attrs>,
    /// `None` when the object does not exist after (delete).
    pub after: Option<Attrs>,
}

impl Resource {
    /// The configuration address (`type.name`) within its module.
    pub fn config_address(&self) -> String {
        format!("{}.{}", self.kind.type_name(), self.name)
    }
}

/// What one module call passes to its module's input variables: the references of each
/// argument (`module "m" { certificate_id = aws_x.y.id }`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModuleInputs {
    /// The called module's path (the caller's path plus the call name).
    pub module_path: Vec<String>,
    /// Argument name -> the references Terraform listed for it.
    pub references: BTreeMap<String, Vec<String>>,
}

/// One output of a module and the references of its expression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModuleOutput {
    pub module_path: Vec<String>,
    pub name: String,
    pub references: Vec<String>,
}

/// One relevant resource block of the `configuration` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigResource {
    pub module_path: Vec<String>,
    /// `type.name`, relative to its module.
    pub address: String,
    /// Expression attribute name -> the references Terraform listed for it.
    pub references: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Plan,
    State,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Plan => "plan",
            DocumentKind::State => "state",
        }
    }
}

/// What the rules see of one `terraform show -json` document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub kind: DocumentKind,
    pub format_version: String,
    pub terraform_version: Option<String>,
    pub resources: Vec<Resource>,
    pub configuration: Vec<ConfigResource>,
    /// Module calls' arguments and modules' outputs, to follow references across modules.
    pub module_inputs: Vec<ModuleInputs>,
    pub module_outputs: Vec<ModuleOutput>,
}

impl Document {
    /// The configuration block of a resource instance, if the plan carries one.
    pub fn config_for(&self, resource: &Resource) -> Option<&ConfigResource> {
        let address = resource.config_address();
        self.configuration
            .iter()
            .find(|c| c.module_path == resource.module.path && c.address == address)
    }
}

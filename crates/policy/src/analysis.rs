//! What a plan means for certificates and stages: which certificates exist after it,
//! which it deletes, and which certificate each stage uses before and after.
//!
//! Values come from the plan's resource changes; where a value is unknown until
//! apply, the `configuration` section's expression references say which resource it
//! will come from.

use std::collections::{BTreeMap, HashMap};

use crate::address;
use crate::input::{Action, ConfigResource, Document, Field, Kind, Resource, Text};

/// Slots of `apigw_rotating_client_certificate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    Pending,
    Current,
    Previous,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Pending, Slot::Current, Slot::Previous];

    pub fn prefix(self) -> &'static str {
        match self {
            Slot::Pending => "pending",
            Slot::Current => "current",
            Slot::Previous => "previous",
        }
    }

    pub fn id_attribute(self) -> &'static str {
        match self {
            Slot::Pending => "pending_certificate_id",
            Slot::Current => "current_certificate_id",
            Slot::Previous => "previous_certificate_id",
        }
    }

    pub fn expiration_attribute(self) -> &'static str {
        match self {
            Slot::Pending => "pending_expiration_date",
            Slot::Current => "current_expiration_date",
            Slot::Previous => "previous_expiration_date",
        }
    }

    pub fn created_attribute(self) -> &'static str {
        match self {
            Slot::Pending => "pending_created_date",
            Slot::Current => "current_created_date",
            Slot::Previous => "previous_created_date",
        }
    }
}

/// Provider defaults of `apigw_rotating_client_certificate`, used when a plan
/// carries null for the argument.
pub use rotation::{DEFAULT_OVERLAP, DEFAULT_PROMOTE_AFTER, DEFAULT_ROTATE_BEFORE};

/// Whether a resource carries an owner tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Yes(String),
    No,
    /// Tags unknown until apply (e.g. `tags_all` from provider default tags).
    Unknown,
}

/// A certificate that exists after the plan.
#[derive(Debug, Clone)]
pub struct Certificate<'d> {
    pub resource: &'d Resource,
    /// The slot, for `apigw_rotating_client_certificate`.
    pub slot: Option<Slot>,
    pub id: Text<'d>,
    /// Unix seconds; `None` when unknown (a certificate created by this plan), absent or
    /// unreadable (then listed in [`Analysis::unreadable`]).
    pub expiration: Option<i64>,
    /// Unix seconds, like `expiration`.
    pub created: Option<i64>,
    /// The certificate's own rotation window (seconds), if its resource has one.
    pub rotate_before: Option<u64>,
    /// True when this plan creates the certificate (a rotation happens in this plan).
    pub new_in_plan: bool,
    pub owner: Owner,
}

impl Certificate<'_> {
    /// `aws_api_gateway_client_certificate.x`, or `apigw_rotating_client_certificate.x (current)`.
    pub fn label(&self) -> String {
        match self.slot {
            Some(slot) => format!("{} ({})", self.resource.address, slot.prefix()),
            None => self.resource.address.clone(),
        }
    }
}

/// A value the rules need that is present but cannot be read (e.g. a date in a form no
/// provider writes). Never skipped: each is a finding of its own (APIGW007).
#[derive(Debug, Clone)]
pub struct Unreadable<'d> {
    pub resource: &'d Resource,
    /// The certificate it belongs to, when its ID is known.
    pub certificate_id: Option<&'d str>,
    pub attribute: &'static str,
    /// The value as the document holds it (JSON).
    pub value: String,
    /// Why it cannot be read and what was expected.
    pub problem: String,
}

/// A certificate this plan deletes.
#[derive(Debug, Clone)]
pub struct Deletion<'d> {
    pub id: String,
    pub resource: &'d Resource,
    /// How it goes: "replaced (created, then destroyed)", "retired from the previous slot", ...
    pub how: String,
}

/// A stage (or stage attachment) and the certificate it uses before and after the plan.
#[derive(Debug, Clone)]
pub struct Stage<'d> {
    pub resource: &'d Resource,
    pub rest_api_id: Text<'d>,
    pub stage_name: Text<'d>,
    /// The certificate the stage used before the plan.
    pub before: Option<&'d str>,
    /// The certificate after the plan; `None` when the stage itself is gone after it.
    pub after: Option<Text<'d>>,
    /// Certificate resources the configuration wires into `client_certificate_id`.
    pub targets: Vec<Target<'d>>,
}

impl Stage<'_> {
    /// `rest-api-id/stage-name` when known, else the resource address.
    pub fn label(&self) -> String {
        match (self.rest_api_id.known(), self.stage_name.known()) {
            (Some(api), Some(stage)) => format!("{api}/{stage}"),
            (None, Some(stage)) => format!("{stage} ({})", self.resource.address),
            _ => self.resource.address.clone(),
        }
    }
}

/// A resource an expression references, with the attribute it reads.
#[derive(Debug, Clone)]
pub struct Target<'d> {
    pub resource: &'d Resource,
    pub attribute: Option<String>,
}

pub struct Analysis<'d> {
    pub doc: &'d Document,
    pub now: i64,
    pub certificates: Vec<Certificate<'d>>,
    pub deletions: BTreeMap<String, Deletion<'d>>,
    pub stages: Vec<Stage<'d>>,
    pub unreadable: Vec<Unreadable<'d>>,
    /// (module path, `type.name`) -> configuration block.
    config_index: HashMap<(&'d [String], &'d str), &'d ConfigResource>,
    /// (module instance, kind, name) -> non-deposed instances.
    instances: HashMap<(&'d str, Kind, &'d str), Vec<&'d Resource>>,
    /// Every module instance address that holds a kept resource, and their ancestors.
    module_instances: std::collections::BTreeSet<String>,
    /// (called module path, argument) -> references.
    module_inputs: HashMap<(&'d [String], &'d str), &'d [String]>,
    /// (module path, output) -> references.
    module_outputs: HashMap<(&'d [String], &'d str), &'d [String]>,
    /// Certificate ID -> index into `certificates` (after the plan).
    by_id: HashMap<&'d str, usize>,
    /// Certificate ID -> holder label before the plan.
    before_holders: HashMap<&'d str, String>,
}

impl<'d> Analysis<'d> {
    pub fn new(doc: &'d Document, now: i64, owner_tag_keys: &[String]) -> Analysis<'d> {
        let mut a = Analysis {
            doc,
            now,
            certificates: Vec::new(),
            deletions: BTreeMap::new(),
            stages: Vec::new(),
            unreadable: Vec::new(),
            config_index: doc
                .configuration
                .iter()
                .map(|c| ((c.module_path.as_slice(), c.address.as_str()), c))
                .collect(),
            instances: HashMap::new(),
            module_instances: doc
                .resources
                .iter()
                .flat_map(|r| module_ancestors(&r.module.instance))
                .collect(),
            module_inputs: doc
                .module_inputs
                .iter()
                .flat_map(|m| {
                    m.references
                        .iter()
                        .map(|(k, v)| ((m.module_path.as_slice(), k.as_str()), v.as_slice()))
                })
                .collect(),
            module_outputs: doc
                .module_outputs
                .iter()
                .map(|o| {
                    (
                        (o.module_path.as_slice(), o.name.as_str()),
                        o.references.as_slice(),
                    )
                })
                .collect(),
            by_id: HashMap::new(),
            before_holders: HashMap::new(),
        };
        for r in &doc.resources {
            if r.deposed.is_none() {
                a.instances
                    .entry((r.module.instance.as_str(), r.kind, r.name.as_str()))
                    .or_default()
                    .push(r);
            }
            if let Some(before) = r.before.as_ref() {
                match r.kind {
                    Kind::AwsCertificate => {
                        if let Some(id) = before.text("id").known() {
                            a.before_holders
                                .entry(id)
                                .or_insert_with(|| r.address.clone());
                        }
                    }
                    Kind::RotatingCertificate => {
                        for s in Slot::ALL {
                            if let Some(id) = before.text(s.id_attribute()).known() {
                                a.before_holders
                                    .entry(id)
                                    .or_insert_with(|| format!("{} ({})", r.address, s.prefix()));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for r in &doc.resources {
            match r.kind {
                Kind::AwsCertificate | Kind::RotatingCertificate => {
                    a.add_certificates(r, owner_tag_keys);
                    a.add_deletions(r);
                }
                Kind::AwsStage | Kind::StageAttachment => {
                    if r.deposed.is_none() {
                        let stage = a.stage(r);
                        a.stages.push(stage);
                    }
                }
            }
        }
        for (i, c) in a.certificates.iter().enumerate() {
            if let Some(id) = c.id.known() {
                a.by_id.entry(id).or_insert(i);
            }
        }
        a
    }

    fn add_certificates(&mut self, r: &'d Resource, owner_tag_keys: &[String]) {
        let Some(after) = r.after.as_ref() else {
            return;
        };
        if r.deposed.is_some() {
            return;
        }
        let owner = owner_of(r, owner_tag_keys);
        let new_object = matches!(r.action, Action::Create) || r.action.is_replace();
        match r.kind {
            Kind::AwsCertificate => {
                let id = after.text("id");
                let expiration = self.date(r, after, id, "expiration_date");
                let created = self.date(r, after, id, "created_date");
                self.certificates.push(Certificate {
                    resource: r,
                    slot: None,
                    id,
                    expiration,
                    created,
                    rotate_before: None,
                    new_in_plan: new_object || id == Text::Unknown,
                    owner,
                });
            }
            Kind::RotatingCertificate => {
                let rotate_before = match after.text("rotate_before") {
                    Text::Is(s) => rotation::parse_duration(s).ok(),
                    Text::Null => rotation::parse_duration(DEFAULT_ROTATE_BEFORE).ok(),
                    Text::Unknown => None,
                };
                for slot in Slot::ALL {
                    let id = after.text(slot.id_attribute());
                    if id == Text::Null {
                        continue;
                    }
                    let before_id = r
                        .before
                        .as_ref()
                        .map(|b| b.text(slot.id_attribute()))
                        .unwrap_or(Text::Null);
                    let expiration = self.date(r, after, id, slot.expiration_attribute());
                    let created = self.date(r, after, id, slot.created_attribute());
                    self.certificates.push(Certificate {
                        resource: r,
                        slot: Some(slot),
                        id,
                        expiration,
                        created,
                        rotate_before,
                        new_in_plan: new_object || id == Text::Unknown || id != before_id,
                        owner: owner.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    fn add_deletions(&mut self, r: &'d Resource) {
        let Some(before) = r.before.as_ref() else {
            return;
        };
        let before_ids: Vec<(Option<Slot>, &str)> = match r.kind {
            Kind::AwsCertificate => before
                .text("id")
                .known()
                .map(|id| (None, id))
                .into_iter()
                .collect(),
            _ => Slot::ALL
                .into_iter()
                .filter_map(|s| {
                    before
                        .text(s.id_attribute())
                        .known()
                        .map(|id| (Some(s), id))
                })
                .collect(),
        };
        if r.action.destroys_existing() {
            let how = match &r.deposed {
                Some(key) => format!("deposed object {key} destroyed"),
                None => r.action.describe().to_string(),
            };
            for (_, id) in before_ids {
                self.insert_deletion(id, r, how.clone());
            }
            return;
        }
        // A rotating resource retires certificates in place: an ID present before and
        // in no slot after is deleted by this apply. Moved certificates keep known IDs
        // (DESIGN §4), so an unknown slot only ever holds a new certificate.
        if r.kind == Kind::RotatingCertificate
            && let Some(after) = r.after.as_ref()
        {
            let slots: Vec<Text> = Slot::ALL
                .into_iter()
                .map(|s| after.text(s.id_attribute()))
                .collect();
            if slots.iter().all(|t| *t == Text::Unknown) {
                return;
            }
            for (slot, id) in before_ids {
                if !slots.contains(&Text::Is(id)) {
                    let slot = slot.map(Slot::prefix).unwrap_or("a");
                    self.insert_deletion(id, r, format!("retired from its {slot} slot"));
                }
            }
        }
    }

    fn insert_deletion(&mut self, id: &str, r: &'d Resource, how: String) {
        self.deletions.entry(id.to_string()).or_insert(Deletion {
            id: id.to_string(),
            resource: r,
            how,
        });
    }

    fn stage(&self, r: &'d Resource) -> Stage<'d> {
        let values = r.after.as_ref().or(r.before.as_ref());
        let text = |name: &str| values.map(|v| v.text(name)).unwrap_or(Text::Null);
        Stage {
            resource: r,
            rest_api_id: text("rest_api_id"),
            stage_name: text("stage_name"),
            before: r
                .before
                .as_ref()
                .and_then(|b| b.text("client_certificate_id").known()),
            after: r.after.as_ref().map(|a| a.text("client_certificate_id")),
            targets: self.resolve(r, "client_certificate_id", Kind::is_certificate),
        }
    }

    /// The resource instances an expression attribute of `from` references, restricted
    /// to kinds accepted by `want`. References are followed through module input
    /// variables (to the calling module's argument) and module outputs (into the child
    /// module, every instance of a `for_each`/`count` call unless the reference names
    /// one), so a stage in one module pointing at a certificate in another is judged
    /// like one in the same module. `x[count.index]`-style references match the instance
    /// with the same key as `from`.
    pub fn resolve(
        &self,
        from: &Resource,
        attribute: &str,
        want: fn(Kind) -> bool,
    ) -> Vec<Target<'d>> {
        let key = (from.module.path.as_slice(), from.config_address());
        let Some(config) = self.config_index.get(&(key.0, key.1.as_str())) else {
            return Vec::new();
        };
        let Some(refs) = config.references.get(attribute) else {
            return Vec::new();
        };
        let mut out: Vec<Target<'d>> = Vec::new();
        self.follow(
            &from.module.instance,
            &from.module.path,
            refs,
            from.index.as_ref(),
            want,
            &mut out,
            0,
        );
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn follow(
        &self,
        instance: &str,
        path: &[String],
        refs: &[String],
        from_index: Option<&serde_json::Value>,
        want: fn(Kind) -> bool,
        out: &mut Vec<Target<'d>>,
        depth: usize,
    ) {
        // Modules nest a handful deep; the bound only guards against a malformed document.
        if depth > 32 {
            return;
        }
        for reference in refs {
            let segments = address::split_segments(reference);
            match segments.as_slice() {
                ["var", name, ..] => {
                    // Root variables come from outside the configuration.
                    let Some((parent, parent_path)) = parent_module(instance, path) else {
                        continue;
                    };
                    let name = address::split_index(name).0;
                    if let Some(refs) = self.module_inputs.get(&(path, name)) {
                        self.follow(&parent, parent_path, refs, None, want, out, depth + 1);
                    }
                }
                ["module", call, output, ..] => {
                    let (call_name, key) = address::split_index(call);
                    let mut child_path = path.to_vec();
                    child_path.push(call_name.to_string());
                    let output = address::split_index(output).0;
                    let Some(refs) = self
                        .module_outputs
                        .get(&(child_path.as_slice(), output))
                        .copied()
                    else {
                        continue;
                    };
                    let prefix = if instance.is_empty() {
                        String::new()
                    } else {
                        format!("{instance}.")
                    };
                    let children: Vec<String> = if key.is_some() {
                        vec![format!("{prefix}module.{call}")]
                    } else {
                        let bare = format!("{prefix}module.{call_name}");
                        self.module_instances
                            .iter()
                            .filter(|i| {
                                i.as_str() == bare
                                    || (i.starts_with(&bare)
                                        && i[bare.len()..].starts_with('[')
                                        && !i[bare.len()..].contains(".module."))
                            })
                            .cloned()
                            .collect()
                    };
                    for child in children {
                        self.follow(&child, &child_path, refs, None, want, out, depth + 1);
                    }
                }
                _ => self.resource_targets(instance, reference, from_index, want, out),
            }
        }
    }

    fn resource_targets(
        &self,
        instance: &str,
        reference: &str,
        from_index: Option<&serde_json::Value>,
        want: fn(Kind) -> bool,
        out: &mut Vec<Target<'d>>,
    ) {
        let Some(parsed) = address::parse_reference(reference) else {
            return;
        };
        let Some(kind) = Kind::from_type(&parsed.resource_type) else {
            return;
        };
        if !want(kind) {
            return;
        }
        let candidates: Vec<&'d Resource> = self
            .instances
            .get(&(instance, kind, parsed.name.as_str()))
            .cloned()
            .unwrap_or_default();
        let chosen: Vec<&'d Resource> = match &parsed.index {
            Some(index) => candidates
                .into_iter()
                .filter(|r| r.index.as_ref() == Some(index))
                .collect(),
            None if candidates.len() > 1 && from_index.is_some() => {
                let same: Vec<&'d Resource> = candidates
                    .iter()
                    .copied()
                    .filter(|r| r.index.as_ref() == from_index)
                    .collect();
                if same.is_empty() { candidates } else { same }
            }
            None => candidates,
        };
        for r in chosen {
            match out.iter_mut().find(|t| std::ptr::eq(t.resource, r)) {
                Some(t) => {
                    if t.attribute.is_none() {
                        t.attribute = parsed.attribute.clone();
                    }
                }
                None => out.push(Target {
                    resource: r,
                    attribute: parsed.attribute.clone(),
                }),
            }
        }
    }

    /// The certificate resource that holds `id` after the plan, for messages.
    pub fn certificate_holding(&self, id: &str) -> Option<&Certificate<'d>> {
        self.by_id.get(id).map(|&i| &self.certificates[i])
    }

    /// The resource (and slot) that held `id` before the plan, for messages.
    pub fn holder_before(&self, id: &str) -> Option<String> {
        self.before_holders.get(id).cloned()
    }
}

/// `module.a["x"].module.b` -> [`module.a["x"]`, `module.a["x"].module.b`].
fn module_ancestors(instance: &str) -> Vec<String> {
    let segments = address::split_segments(instance);
    (1..=segments.len() / 2)
        .map(|n| segments[..2 * n].join("."))
        .collect()
}

/// The calling module instance and path of a module instance (`None` for the root).
fn parent_module<'p>(instance: &str, path: &'p [String]) -> Option<(String, &'p [String])> {
    if path.is_empty() {
        return None;
    }
    let segments = address::split_segments(instance);
    let keep = segments.len().saturating_sub(2);
    Some((segments[..keep].join("."), &path[..path.len() - 1]))
}

impl<'d> Analysis<'d> {
    /// A date attribute in unix seconds; a value present but unreadable is recorded in
    /// `unreadable` (and is `None` here), never dropped.
    fn date(
        &mut self,
        r: &'d Resource,
        values: &'d crate::input::Attrs,
        id: Text<'d>,
        attribute: &'static str,
    ) -> Option<i64> {
        let (value, problem) = match values.field(attribute) {
            Field::Null | Field::Unknown => return None,
            Field::Value(serde_json::Value::String(s)) if s.is_empty() => return None,
            Field::Value(serde_json::Value::String(s)) => match crate::timestamp::parse(s) {
                Ok(t) => return Some(t),
                Err(e) => (format!("{s:?}"), e),
            },
            Field::Value(v) => (
                v.to_string(),
                format!(
                    "{v} is not a date; expected a string in {}",
                    crate::timestamp::EXPECTED
                ),
            ),
        };
        self.unreadable.push(Unreadable {
            resource: r,
            certificate_id: id.known(),
            attribute,
            value,
            problem,
        });
        None
    }
}

pub fn owner_of(r: &Resource, keys: &[String]) -> Owner {
    let Some(after) = r.after.as_ref() else {
        return Owner::Unknown;
    };
    let find = |tags: &BTreeMap<&str, &str>| {
        tags.iter().find_map(|(k, v)| {
            (keys.iter().any(|want| want.eq_ignore_ascii_case(k)) && !v.trim().is_empty())
                .then(|| format!("{k}={v}"))
        })
    };
    let tags = after.string_map("tags");
    if let Some(found) = tags.as_ref().and_then(find) {
        return Owner::Yes(found);
    }
    // tags_all adds the provider's default_tags: always in the AWS provider,
    // and in apigw_rotating_client_certificate where the provider version
    // has it (older states have no tags_all, and only tags count).
    let all = after.field("tags_all");
    let has_all = matches!(r.kind, Kind::AwsCertificate | Kind::AwsStage)
        || (r.kind == Kind::RotatingCertificate && all != Field::Null);
    match (has_all, all) {
        (true, Field::Unknown) => Owner::Unknown,
        (true, _) => match after.string_map("tags_all") {
            Some(all) => find(&all).map(Owner::Yes).unwrap_or(Owner::No),
            None => Owner::Unknown,
        },
        _ if tags.is_none() => Owner::Unknown,
        _ => Owner::No,
    }
}

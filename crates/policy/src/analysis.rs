//! What a plan means for certificates and stages: which certificates exist after it,
//! which it deletes, and which certificate each stage uses before and after.
//!
//! Values come from the plan's resource changes; where a value is unknown until
//! apply, the `configuration` section's expression references say which resource it
//! will come from.

use std::collections::{BTreeMap, HashMap};

use crate::address;
use crate::input::{Action, ConfigResource, Document, Kind, Resource, Text};

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
    /// Unix seconds; `None` when unknown (a certificate created by this plan) or absent.
    pub expiration: Option<i64>,
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
    /// (module path, `type.name`) -> configuration block.
    config_index: HashMap<(&'d [String], &'d str), &'d ConfigResource>,
    /// (module instance, kind, name) -> non-deposed instances.
    instances: HashMap<(&'d str, Kind, &'d str), Vec<&'d Resource>>,
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
            config_index: doc
                .configuration
                .iter()
                .map(|c| ((c.module_path.as_slice(), c.address.as_str()), c))
                .collect(),
            instances: HashMap::new(),
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
                self.certificates.push(Certificate {
                    resource: r,
                    slot: None,
                    id,
                    expiration: timestamp(after.text("expiration_date")),
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
                    self.certificates.push(Certificate {
                        resource: r,
                        slot: Some(slot),
                        id,
                        expiration: timestamp(after.text(slot.expiration_attribute())),
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
    /// to kinds accepted by `want`. `x[count.index]`-style references match the
    /// instance with the same key as `from`.
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
        for reference in refs {
            let Some(parsed) = address::parse_reference(reference) else {
                continue;
            };
            let Some(kind) = Kind::from_type(&parsed.resource_type) else {
                continue;
            };
            if !want(kind) {
                continue;
            }
            let candidates: Vec<&'d Resource> = self
                .instances
                .get(&(from.module.instance.as_str(), kind, parsed.name.as_str()))
                .cloned()
                .unwrap_or_default();
            let chosen: Vec<&'d Resource> = match &parsed.index {
                Some(index) => candidates
                    .into_iter()
                    .filter(|r| r.index.as_ref() == Some(index))
                    .collect(),
                None if candidates.len() > 1 && from.index.is_some() => {
                    let same: Vec<&'d Resource> = candidates
                        .iter()
                        .copied()
                        .filter(|r| r.index == from.index)
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
        out
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

fn timestamp(t: Text) -> Option<i64> {
    t.known().and_then(|s| rotation::parse_rfc3339(s).ok())
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
    // tags_all adds the provider's default_tags (AWS provider only).
    match (r.kind, after.field("tags_all")) {
        (Kind::AwsCertificate | Kind::AwsStage, crate::input::Field::Unknown) => Owner::Unknown,
        (Kind::AwsCertificate | Kind::AwsStage, _) => match after.string_map("tags_all") {
            Some(all) => find(&all).map(Owner::Yes).unwrap_or(Owner::No),
            None => Owner::Unknown,
        },
        _ if tags.is_none() => Owner::Unknown,
        _ => Owner::No,
    }
}

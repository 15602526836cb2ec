//! A provider with nothing but this crate under it: one resource,
//! `toy_note`, whose objects live in the provider process's memory. The
//! protocol tests serve it (as a process or in-process) to exercise the
//! layer without any real provider.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, DataSource, Diagnostic,
    Diagnostics, Function, ImportedObject, MoveOutcome, MoveStateRequest, MovedState, PlanRequest,
    PlanResponse, Provider, ReadRequest, ReadResponse, Resource, Schema, StopToken, Type, Value,
};

/// Another provider whose `memo_entry` objects are the toy's notes under
/// another name: a `moved` block may turn one into a `toy_note`.
pub const MEMO_PROVIDER: &str = "registry.terraform.io/example/memo";
pub const MEMO_TYPE: &str = "memo_entry";

/// Longest `greeting` the provider accepts.
pub const MAX_GREETING: usize = 1024;

#[derive(Clone, Default)]
pub struct ToyProvider {
    /// The "remote" objects: note ID → text.
    pub notes: Arc<Mutex<BTreeMap<String, String>>>,
    /// IDs are never reused, so a replacement is visible in the state.
    pub created: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl Provider for ToyProvider {
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "A toy provider.".into(),
                attributes: vec![Attribute::optional(
                    "greeting",
                    Type::String,
                    "Any short text.",
                )],
                ..Block::default()
            },
        }
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Note {
            notes: self.notes.clone(),
            created: self.created.clone(),
        })]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        match config.get("greeting").as_str() {
            Some(g) if g.len() > MAX_GREETING => vec![
                Diagnostic::error(
                    "Greeting Too Long",
                    format!(
                        "greeting is {} bytes long; expected at most {MAX_GREETING}.",
                        g.len()
                    ),
                )
                .at("greeting"),
            ],
            _ => Vec::new(),
        }
    }
    async fn configure(&self, _config: &Value) -> Diagnostics {
        Vec::new()
    }
}

/// `toy_note`: `text` (required, replaced on change), `id` and `length`
/// (computed; `length` is unknown in a plan that changes `text`).
pub struct Note {
    notes: Arc<Mutex<BTreeMap<String, String>>>,
    created: Arc<AtomicU64>,
}

impl Note {
    fn state(id: &str, text: &str) -> Value {
        Value::object([
            ("id", Value::string(id)),
            ("text", Value::string(text)),
            ("length", Value::number(text.chars().count() as u64)),
        ])
    }
}

#[async_trait::async_trait]
impl Resource for Note {
    fn type_name(&self) -> &'static str {
        "toy_note"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "A note kept in the provider's memory.".into(),
                attributes: vec![
                    Attribute::computed("id", Type::String, "The note's ID."),
                    Attribute::required("text", Type::String, "The note's text."),
                    Attribute::computed("length", Type::Number, "Characters in `text`."),
                ],
                ..Block::default()
            },
        }
    }
    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let id = req.current_state.get("id").as_str().unwrap_or_default();
        let text = self
            .notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        ReadResponse {
            new_state: text.map_or(Value::Null, |t| Self::state(id, &t)),
            private: req.private,
            diagnostics: Vec::new(),
        }
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state.clone();
        let mut requires_replace = Vec::new();
        if !planned.is_null() {
            let prior_text = req.prior_state.get("text");
            if req.prior_state.is_null() || prior_text != planned.get("text") {
                planned.set("length", Value::Unknown);
                if req.prior_state.is_null() {
                    planned.set("id", Value::Unknown);
                } else {
                    requires_replace.push(AttributePath::attr("text"));
                    planned.set("id", Value::Unknown);
                }
            }
        }
        PlanResponse {
            planned_state: planned,
            requires_replace,
            planned_private: req.prior_private,
            diagnostics: Vec::new(),
        }
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let mut notes = self.notes.lock().unwrap_or_else(|e| e.into_inner());
        if req.planned_state.is_null() {
            if let Some(id) = req.prior_state.get("id").as_str() {
                notes.remove(id);
            }
            return ApplyResponse {
                new_state: Value::Null,
                private: Vec::new(),
                diagnostics: Vec::new(),
            };
        }
        let Some(text) = req.planned_state.get("text").as_str() else {
            return ApplyResponse {
                new_state: req.prior_state,
                private: req.planned_private,
                diagnostics: vec![
                    Diagnostic::error("Unknown Text", "text must be known at apply.").at("text"),
                ],
            };
        };
        let id = format!("note-{}", self.created.fetch_add(1, Ordering::Relaxed) + 1);
        notes.insert(id.clone(), text.to_string());
        ApplyResponse {
            new_state: Self::state(&id, text),
            private: req.planned_private,
            diagnostics: Vec::new(),
        }
    }
    fn move_sources(&self) -> Vec<(&'static str, &'static str)> {
        vec![(MEMO_PROVIDER, MEMO_TYPE)]
    }
    /// `memo_entry` schema 0 kept the text in `body`, schema 1 in `content`.
    async fn move_state(&self, req: MoveStateRequest) -> MoveOutcome {
        let field = match req.source_schema_version {
            0 => "body",
            1 => "content",
            v => {
                return MoveOutcome::Failed(vec![Diagnostic::error(
                    "Unknown Memo Schema",
                    format!("memo_entry schema version {v} is unknown; expected 0 or 1."),
                )]);
            }
        };
        let id = req.source_state["id"].as_str();
        let text = req.source_state[field].as_str();
        match (id, text) {
            (Some(id), Some(text)) => MoveOutcome::Moved(MovedState {
                state: Self::state(id, text),
                private: Vec::new(),
                diagnostics: Vec::new(),
            }),
            _ => MoveOutcome::Failed(vec![Diagnostic::error(
                "Incomplete Memo State",
                format!(
                    "memo_entry state needs `id` and `{field}`: {}.",
                    req.source_state
                ),
            )]),
        }
    }
    async fn import(&self, id: &str, _stop: StopToken) -> Result<Vec<ImportedObject>, Diagnostics> {
        let notes = self.notes.lock().unwrap_or_else(|e| e.into_inner());
        match notes.get(id) {
            Some(text) => Ok(vec![ImportedObject {
                state: Self::state(id, text),
                private: Vec::new(),
            }]),
            None => Err(vec![Diagnostic::error(
                "Cannot Import Note",
                format!("No note has the ID {id:?}."),
            )]),
        }
    }
}

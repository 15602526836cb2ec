//! A provider with nothing but this crate under it: one resource,
//! `toy_note`, whose objects live in the provider process's memory. The
//! protocol tests launch it as a plugin process to exercise the
//! layer without any real provider.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tfplugin::model::{Model, Val};
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, Block, DataSource, Diagnostic, Diagnostics, Function,
    ImportedObject, MoveOutcome, MoveStateRequest, MovedState, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse, Resource, Schema, StopToken, Type, Value,
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

tfplugin::model! {
    /// `toy_note`'s state. Replacement and the unknown values of a plan are
    /// declared here; the resource's own `plan` adds nothing.
    #[derive(Debug)]
    pub struct NoteModel {
        pub id: Val<String> = computed("The note's ID.", unknown_on_change(&["text"])),
        pub text: Val<String> = required("The note's text.", requires_replace()),
        pub length: Val<i64> = computed("Characters in `text`.", unknown_on_change(&["text"])),
    }
}

/// `toy_note`: a text kept in the provider's memory under an ID.
pub struct Note {
    notes: Arc<Mutex<BTreeMap<String, String>>>,
    created: Arc<AtomicU64>,
}

impl Note {
    fn state(id: &str, text: &str) -> Value {
        NoteModel {
            id: Val::Known(id.to_string()),
            text: Val::Known(text.to_string()),
            length: Val::Known(text.chars().count() as i64),
        }
        .encode()
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
                attributes: NoteModel::attributes(),
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
        PlanResponse {
            planned_state: req.proposed_new_state,
            requires_replace: Vec::new(),
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
        let text = match NoteModel::decode(&req.planned_state) {
            Ok(NoteModel {
                text: Val::Known(text),
                ..
            }) => text,
            Ok(_) => {
                let d =
                    Diagnostic::error("Unknown Text", "text must be known at apply.").at("text");
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: req.planned_private,
                    diagnostics: vec![d],
                };
            }
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: req.planned_private,
                    diagnostics: vec![d],
                };
            }
        };
        let id = format!("note-{}", self.created.fetch_add(1, Ordering::Relaxed) + 1);
        notes.insert(id.clone(), text.clone());
        ApplyResponse {
            new_state: Self::state(&id, &text),
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

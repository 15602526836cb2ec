//! A schema's plan modifiers, applied around a resource's own plan, so a
//! rule like "changing `name` replaces the resource" is declared once on the
//! attribute and not re-coded in every resource's `plan`.

use crate::schema::{Attribute, PlanModifier, Schema};
use crate::{AttributePath, PlanRequest, PlanResponse, Resource, Value};

/// Plans a change with `resource`, applying its schema's plan modifiers:
/// defaults and unknown-on-change values are put into the proposed state the
/// resource sees; attributes marked requires-replace whose planned value
/// differs from the prior state's are added to the replacement paths. The
/// protocol layer plans every resource through this; tests of a resource
/// call it to see what Terraform will see.
pub async fn plan(resource: &dyn Resource, req: PlanRequest) -> PlanResponse {
    plan_with_schema(resource, &resource.schema(), req).await
}

/// [`plan`] with the resource's schema built once by the caller: the
/// protocol layer keeps it for the provider's lifetime instead of building
/// it again for every instance Terraform plans.
pub async fn plan_with_schema(
    resource: &dyn Resource,
    schema: &Schema,
    mut req: PlanRequest,
) -> PlanResponse {
    let attributes = &schema.block.attributes;
    if !req.proposed_new_state.is_null() {
        req.proposed_new_state = before_plan(
            attributes,
            &req.prior_state,
            std::mem::take(&mut req.proposed_new_state),
            &req.config,
        );
    }
    let prior = req.prior_state.clone();
    let mut resp = resource.plan(req).await;
    if !prior.is_null() && !resp.planned_state.is_null() {
        for a in attributes {
            let replaces = a.plan_modifiers.contains(&PlanModifier::RequiresReplace)
                && prior.get(&a.name) != resp.planned_state.get(&a.name);
            let path = AttributePath::attr(&a.name);
            if replaces && !resp.requires_replace.contains(&path) {
                resp.requires_replace.push(path);
            }
        }
    }
    resp
}

fn before_plan(
    attributes: &[Attribute],
    prior: &Value,
    mut proposed: Value,
    config: &Value,
) -> Value {
    for a in attributes {
        // A value written in the configuration is never overridden.
        if !config.get(&a.name).is_null() {
            continue;
        }
        for m in &a.plan_modifiers {
            match m {
                PlanModifier::Default(v) => {
                    if proposed.get(&a.name).is_null() {
                        proposed.set(&a.name, v.clone());
                    }
                }
                PlanModifier::UnknownOnChange(inputs) => {
                    let changed =
                        prior.is_null() || inputs.iter().any(|i| prior.get(i) != proposed.get(i));
                    let planned = if changed {
                        Value::Unknown
                    } else {
                        prior.get(&a.name).clone()
                    };
                    proposed.set(&a.name, planned);
                }
                PlanModifier::RequiresReplace => {}
            }
        }
    }
    proposed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, Val};
    use crate::{
        ApplyRequest, ApplyResponse, Block, Diagnostics, ImportedObject, ReadRequest, ReadResponse,
        Schema, StopToken,
    };

    crate::model! {
        struct Note {
            id: Val<String> = computed("Identifier.", unknown_on_change(&["text"])),
            text: Val<String> = required("Text.", requires_replace()),
            colour: Val<String> = optional("Colour."),
            pinned: Val<bool> = optional_computed("Pinned.", default_value(false)),
        }
    }

    /// Plans exactly what it is proposed, so what changes is the modifiers' doing.
    struct Notes;

    #[async_trait::async_trait]
    impl Resource for Notes {
        fn type_name(&self) -> &'static str {
            "test_note"
        }
        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block {
                    attributes: Note::attributes(),
                    ..Block::default()
                },
            }
        }
        async fn read(&self, _req: ReadRequest) -> ReadResponse {
            unreachable!("only plans are tested")
        }
        async fn plan(&self, req: PlanRequest) -> PlanResponse {
            PlanResponse {
                planned_state: req.proposed_new_state,
                requires_replace: Vec::new(),
                planned_private: Vec::new(),
                diagnostics: Vec::new(),
            }
        }
        async fn apply(&self, _req: ApplyRequest) -> ApplyResponse {
            unreachable!("only plans are tested")
        }
        async fn import(
            &self,
            _id: &str,
            _stop: StopToken,
        ) -> Result<Vec<ImportedObject>, Diagnostics> {
            unreachable!("only plans are tested")
        }
    }

    fn note(id: Val<String>, text: &str, colour: Option<&str>, pinned: Val<bool>) -> Value {
        Note {
            id,
            text: Val::Known(text.into()),
            colour: colour.map(str::to_string).into(),
            pinned,
        }
        .encode()
    }

    async fn run(prior: Value, config: Value) -> PlanResponse {
        // Terraform's proposal: configuration, with computed nulls taken from prior.
        let mut proposed = config.clone();
        for a in ["id", "pinned"] {
            if proposed.get(a).is_null() {
                proposed.set(a, prior.get(a).clone());
            }
        }
        plan(
            &Notes,
            PlanRequest {
                prior_state: prior,
                proposed_new_state: proposed,
                config,
                prior_private: Vec::new(),
                stop: StopToken::never(),
            },
        )
        .await
    }

    #[tokio::test]
    async fn create_plans_defaults_and_unknowns_and_replaces_nothing() {
        let r = run(Value::Null, note(Val::Null, "a", None, Val::Null)).await;
        assert_eq!(
            r.planned_state,
            note(Val::Unknown, "a", None, Val::Known(false))
        );
        assert!(r.requires_replace.is_empty());
        // A configured value wins over the default.
        let r = run(Value::Null, note(Val::Null, "a", None, Val::Known(true))).await;
        assert_eq!(r.planned_state.get("pinned"), &Value::Bool(true));
    }

    #[tokio::test]
    async fn an_unrelated_change_keeps_computed_values_and_updates_in_place() {
        let prior = note(Val::Known("n-1".into()), "a", None, Val::Known(false));
        let r = run(prior, note(Val::Null, "a", Some("red"), Val::Null)).await;
        assert_eq!(
            r.planned_state,
            note(
                Val::Known("n-1".into()),
                "a",
                Some("red"),
                Val::Known(false)
            )
        );
        assert!(r.requires_replace.is_empty());
    }

    #[tokio::test]
    async fn changing_an_input_makes_the_output_unknown_and_replaces() {
        let prior = note(Val::Known("n-1".into()), "a", None, Val::Known(false));
        let r = run(prior, note(Val::Null, "b", None, Val::Null)).await;
        assert_eq!(r.planned_state.get("id"), &Value::Unknown);
        assert_eq!(r.requires_replace, [AttributePath::attr("text")]);
    }

    #[tokio::test]
    async fn destroy_is_planned_untouched() {
        let prior = note(Val::Known("n-1".into()), "a", None, Val::Known(false));
        let r = plan(
            &Notes,
            PlanRequest {
                prior_state: prior,
                proposed_new_state: Value::Null,
                config: Value::Null,
                prior_private: Vec::new(),
                stop: StopToken::never(),
            },
        )
        .await;
        assert_eq!(r.planned_state, Value::Null);
        assert!(r.requires_replace.is_empty());
    }
}

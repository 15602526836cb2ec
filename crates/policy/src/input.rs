//! Reading `terraform show -json` output (plans and states, Terraform or OpenTofu).
//!
//! The document is streamed from a reader with serde visitors and only what the rules
//! need is kept: API Gateway certificate and stage resources, and from those only the
//! attributes listed in [`KEPT_ATTRIBUTES`]. Everything else (other resources, PEM
//! bodies, sensitive-value masks, unknown fields added by newer Terraform releases) is
//! skipped as it streams past, so memory follows the number of API Gateway resources,
//! not the size of the plan.
//!
//! `model` is what is kept, `error` why an input is refused, `reader` the streaming
//! readers.

mod error;
mod model;
mod reader;

pub use error::InputError;
use error::{Fatal, json_error};
use model::first_not_after;
pub use model::*;
pub use reader::{read_document, read_document_slice};

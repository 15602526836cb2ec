//! Provider schema and configuration (placeholder until the AWS layer lands).

use std::sync::Arc;

use crate::tfplugin::{self, Block, DataSource, Diagnostics, Function, Resource, Schema, Value};

/// State shared by every resource, data source and function of one provider process.
#[derive(Clone, Default)]
pub struct Shared {}

impl Shared {
    /// The single clock read of the provider.
    pub fn now(&self) -> i64 {
        crate::clock::now()
    }
}

pub struct ApigwProvider {
    #[allow(dead_code)]
    shared: Shared,
}

pub fn new() -> ApigwProvider {
    ApigwProvider {
        shared: Shared::default(),
    }
}

#[async_trait::async_trait]
impl tfplugin::Provider for ApigwProvider {
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block::default(),
        }
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        Vec::new()
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    async fn configure(&self, _config: &Value) -> Diagnostics {
        Vec::new()
    }
}

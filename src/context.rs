//! What every resource, data source and function of one provider process
//! shares: the API Gateway client (installed by ConfigureProvider) and the
//! clock. Its own module so that the provider registers resources and
//! resources depend on the context, not on the provider.

use std::sync::{Arc, RwLock};

use tfplugin::Diagnostic;

use crate::apigw;
use crate::clock::Clock;

/// Cheap to clone; clones share the client and the clock.
#[derive(Clone)]
pub struct Context {
    client: Arc<RwLock<Option<apigw::Client>>>,
    clock: Clock,
}

impl Default for Context {
    /// No client yet, the wall clock offset by `APIGW_CLOCK_OFFSET`.
    fn default() -> Self {
        Context::with_clock(Clock::from_env())
    }
}

impl Context {
    pub fn with_clock(clock: Clock) -> Context {
        Context {
            client: Arc::new(RwLock::new(None)),
            clock,
        }
    }

    /// The API Gateway client; an error diagnostic before ConfigureProvider.
    pub fn client(&self) -> Result<apigw::Client, Diagnostic> {
        self.client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| {
                Diagnostic::error(
                    "Provider not configured",
                    "The apigw provider was used before Terraform configured it, so there is \
                     no API Gateway client yet. This is a bug in the provider or in the \
                     program driving it; Terraform always configures a provider first.",
                )
            })
    }

    /// Installs the client (ConfigureProvider; tests).
    pub fn set_client(&self, client: apigw::Client) {
        if let Ok(mut slot) = self.client.write() {
            *slot = Some(client);
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now, in unix seconds, as the provider's clock tells it.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}

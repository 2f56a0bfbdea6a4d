//! What every handler shares: the store, the cursor codec and the principal cache.

use crate::{Config, PrincipalCache};
use portal_store::{Clients, CursorCodec, Store, StoreConfig};
use std::sync::Arc;

/// The state of a function (or of the local server, which merges every function's router).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// Seals and opens cursors; `None` in a function not given the secret (one that never pages).
    pub cursors: Option<CursorCodec>,
    pub principals: Arc<PrincipalCache>,
    /// The settings it was made from, for what only some functions use (the push API's lake).
    pub config: Arc<Config>,
}

impl AppState {
    /// State over SDK clients built by the caller: once per cold start in Lambda, against the
    /// emulators in local mode.
    pub fn new(config: &Config, clients: &Clients) -> Self {
        let store = clients.store(StoreConfig {
            table: config.table.clone(),
            documents_bucket: config.documents_bucket.clone(),
            download_ttl: config.download_ttl,
        });
        Self {
            store,
            cursors: config.cursor_secret.as_deref().map(CursorCodec::new),
            principals: Arc::new(PrincipalCache::new(config.principal_ttl)),
            config: Arc::new(config.clone()),
        }
    }

    /// State from the environment and the default AWS credential chain: what a Lambda `main` calls.
    pub async fn from_env() -> Result<Self, crate::ConfigError> {
        let config = Config::from_env()?;
        Ok(Self::new(&config, &Clients::from_env().await))
    }
}

//! What every handler shares: the store, the cursor codec and the principal cache.

use crate::{Config, PrincipalCache};
use portal_store::{CursorCodec, Store, StoreConfig};
use std::sync::Arc;

/// The state of a function (or of the local server, which merges every function's router).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// Seals and opens cursors; `None` in a function not given the secret (one that never pages).
    pub cursors: Option<CursorCodec>,
    pub principals: Arc<PrincipalCache>,
    /// The analytics lake, when the configuration names it (see [`Config::lake_bucket`]).
    pub lake: Option<portal_store::Lake>,
}

impl AppState {
    /// State over SDK clients built by the caller: once per cold start in Lambda, against the
    /// emulators in local mode.
    pub fn new(
        config: &Config,
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
    ) -> Self {
        let lake = config
            .lake_bucket
            .as_ref()
            .map(|bucket| portal_store::Lake::new(s3.clone(), bucket));
        let store = Store::new(
            dynamodb,
            s3,
            StoreConfig {
                table: config.table.clone(),
                documents_bucket: config.documents_bucket.clone(),
                download_ttl: config.download_ttl,
            },
        );
        Self {
            store,
            cursors: config.cursor_secret.as_deref().map(CursorCodec::new),
            principals: Arc::new(PrincipalCache::new(config.principal_ttl)),
            lake,
        }
    }

    /// State from the environment and the default AWS credential chain: what a Lambda `main` calls.
    pub async fn from_env() -> Result<Self, crate::ConfigError> {
        let config = Config::from_env()?;
        let aws = aws_config::load_from_env().await;
        Ok(Self::new(
            &config,
            aws_sdk_dynamodb::Client::new(&aws),
            aws_sdk_s3::Client::new(&aws),
        ))
    }
}

//! Every function's router on one port, over the emulators: what `portal serve` runs and tests drive.

use crate::auth::{self, DevAuth};
use crate::clients;
use crate::emulators::Emulators;
use anyhow::Context;
use axum::Router;
use portal_http::{AppState, Config, Route};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The table local mode uses.
pub const TABLE: &str = "b2b-portal";
/// The documents bucket local mode uses.
pub const DOCUMENTS_BUCKET: &str = "b2b-portal-documents";
/// The data lake bucket local mode uses (order lines, analytics reports).
pub const LAKE_BUCKET: &str = "b2b-portal-lake";
/// The local ingest bucket: dropped exports, reports, quarantine files.
pub const INGEST_BUCKET: &str = "b2b-portal-ingest";

/// Every API function with its routes: the one list the local server merges and the tests enumerate.
pub fn functions() -> Vec<(&'static str, Vec<Route>)> {
    vec![
        ("me-api", me_api::routes()),
        ("orders-api", orders_api::routes()),
        ("shipments-api", shipments_api::routes()),
        ("invoices-api", invoices_api::routes()),
        ("documents-api", documents_api::routes()),
        ("catalog-api", catalog_api::routes()),
        ("insights-api", insights_api::routes()),
        ("pricing-api", pricing_api::routes()),
        ("carts-api", carts_api::routes()),
        ("checkout-api", checkout_api::routes()),
        ("graphql-api", graphql_api::routes()),
        ("integration-api", integration_api::routes()),
    ]
}

/// The API's OpenAPI document, served locally at [`OPENAPI_PATH`] for frontend developers and tools.
pub const OPENAPI: &str = include_str!("../../../openapi.yaml");
/// Where the local server serves the OpenAPI document (no token needed: it holds no data).
pub const OPENAPI_PATH: &str = "/openapi.yaml";

/// All functions' routers merged, behind the local JWT authorizer, and the OpenAPI document.
pub fn app_router(state: AppState, auth: DevAuth) -> Router {
    app_router_with(|_| state.clone(), auth)
}

/// [`app_router`] with each function's own state, `state_of(function)`, as each function has
/// its own clients in AWS (tests record what each function asks of AWS this way).
pub fn app_router_with(state_of: impl Fn(&'static str) -> AppState, auth: DevAuth) -> Router {
    functions()
        .into_iter()
        .fold(Router::new(), |router, (name, routes)| {
            router.merge(portal_http::router(routes, state_of(name)))
        })
        .route(
            OPENAPI_PATH,
            axum::routing::get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/yaml")],
                    OPENAPI,
                )
            }),
        )
        .merge(crate::web::router(auth.clone()))
        .fallback(portal_http::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            auth::authorize,
        ))
        .layer(axum::middleware::from_fn_with_state(
            auth,
            crate::graphiql::serve,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// The secrets of a local data folder, made on first use.
#[derive(Serialize, Deserialize)]
struct Secrets {
    jwt_secret: String,
    cursor_secret: String,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Secrets {
    fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("local-secrets.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return serde_json::from_str(&text)
                .with_context(|| format!("{} is not valid", path.display()));
        }
        let secrets = Self {
            jwt_secret: random_hex(),
            cursor_secret: random_hex(),
        };
        std::fs::write(&path, serde_json::to_vec_pretty(&secrets)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(secrets)
    }
}

/// The product running locally: emulators, SDK clients, state and dev-token issuer.
#[derive(Debug)]
pub struct LocalApp {
    pub data_dir: PathBuf,
    pub emulators: Emulators,
    pub config: Config,
    pub state: AppState,
    pub auth: DevAuth,
}

impl LocalApp {
    /// Starts the emulators over `data_dir` and creates the table and bucket if missing.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let emulators = Emulators::start(data_dir).await?;
        let secrets = Secrets::load_or_create(data_dir)?;
        let config = Config {
            table: TABLE.to_owned(),
            documents_bucket: DOCUMENTS_BUCKET.to_owned(),
            cursor_secret: Some(secrets.cursor_secret),
            download_ttl: Duration::from_secs(300),
            principal_ttl: Duration::from_secs(60),
            lake_bucket: Some(LAKE_BUCKET.to_owned()),
        };
        config.validate()?;
        let state = AppState::new(
            &config,
            &portal_store::Clients {
                dynamodb: clients::dynamodb(&emulators.dynamodb_endpoint),
                s3: clients::s3(&emulators.s3_endpoint),
            },
        );
        state
            .store
            .ensure_resources()
            .await
            .context("cannot create the table and bucket")?;
        let auth = DevAuth::new(secrets.jwt_secret.as_bytes());
        let lake = portal_store::Lake::new(clients::s3(&emulators.s3_endpoint), LAKE_BUCKET);
        lake.ensure()
            .await
            .context("cannot create the lake bucket")?;
        portal_store::Bucket::new(clients::s3(&emulators.s3_endpoint), INGEST_BUCKET)
            .ensure()
            .await
            .context("cannot create the ingest bucket")?;
        Ok(Self {
            data_dir: data_dir.to_owned(),
            emulators,
            config,
            state,
            auth,
        })
    }

    /// The analytics job over this data folder's table and lake.
    pub fn job(&self) -> analytics_job::Job {
        analytics_job::Job::new(
            &portal_store::Clients {
                dynamodb: clients::dynamodb(&self.emulators.dynamodb_endpoint),
                s3: clients::s3(&self.emulators.s3_endpoint),
            },
            &self.config.table,
            LAKE_BUCKET,
        )
    }

    /// The lake bucket of this data folder.
    pub fn lake(&self) -> portal_store::Lake {
        portal_store::Lake::new(clients::s3(&self.emulators.s3_endpoint), LAKE_BUCKET)
    }

    /// The ingest bucket of this data folder.
    pub fn ingest_bucket(&self) -> portal_store::Bucket {
        portal_store::Bucket::new(clients::s3(&self.emulators.s3_endpoint), INGEST_BUCKET)
    }

    /// The ingest function over this data folder (what S3 events start in AWS).
    pub fn ingest_function(&self) -> ingest_files::Ingestor {
        ingest_files::Ingestor::new(
            &portal_store::Clients {
                dynamodb: clients::dynamodb(&self.emulators.dynamodb_endpoint),
                s3: clients::s3(&self.emulators.s3_endpoint),
            },
            &self.config.table,
            &self.config.documents_bucket,
            LAKE_BUCKET,
            INGEST_BUCKET,
        )
    }

    /// Where ingest writes: this data folder's table and lake.
    pub fn ingest_target(&self) -> ingest::Target {
        ingest::Target {
            store: self.state.store.clone(),
            lake: portal_store::Lake::new(clients::s3(&self.emulators.s3_endpoint), LAKE_BUCKET),
            format: analytics::lake::PARQUET,
            lake_outbox: false,
        }
    }

    /// The merged router of every function.
    pub fn router(&self) -> Router {
        app_router(self.state.clone(), self.auth.clone())
    }

    /// Serves the API on `listener` until `shutdown` resolves.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

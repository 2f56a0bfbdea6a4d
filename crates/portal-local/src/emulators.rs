//! AWS-compatible emulators, in-process, keeping their data in a folder.

use anyhow::Context;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use std::path::Path;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The access key the local S3 emulator checks signatures with (DynamoDB's does not check).
pub const ACCESS_KEY: &str = "portal-local";
/// The matching secret key.
pub const SECRET_KEY: &str = "portal-local-secret-key";

/// Running DynamoDB and S3 emulators on loopback. Dropping it stops them.
pub struct Emulators {
    /// The DynamoDB emulator's database, for switching it into bulk-loading mode.
    pub dynamodb: dynoxide::Database,
    pub dynamodb_endpoint: String,
    pub s3_endpoint: String,
    stop: watch::Sender<bool>,
}

impl Emulators {
    /// Starts both emulators on free loopback ports over `data_dir` (`dynamodb.sqlite` and `s3/`).
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir.join("s3"))
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let (stop, stopped) = watch::channel(false);

        let db_path = data_dir.join("dynamodb.sqlite");
        let db = dynoxide::Database::new(&db_path.to_string_lossy())
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", db_path.display()))?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind the DynamoDB emulator")?;
        let dynamodb_endpoint = format!("http://{}", listener.local_addr()?);
        let mut until = stopped.clone();
        let dynamodb = db.clone();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = until.wait_for(|stop| *stop).await;
            };
            if let Err(e) = dynoxide::server::serve_with_shutdown(listener, db, shutdown).await {
                tracing::error!(error = %e, "DynamoDB emulator stopped");
            }
        });

        let fs = s3s_fs::FileSystem::new(data_dir.join("s3"))
            .map_err(|e| anyhow::anyhow!("cannot open the S3 folder: {e:?}"))?;
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind the S3 emulator")?;
        let s3_endpoint = format!("http://{}", listener.local_addr()?);
        let mut until = stopped;
        tokio::spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            loop {
                let socket = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((socket, _)) => socket,
                        Err(e) => {
                            tracing::warn!(error = %e, "S3 emulator could not accept a connection");
                            continue;
                        }
                    },
                    _ = until.wait_for(|stop| *stop) => break,
                };
                let connection = http
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });

        Ok(Self {
            dynamodb,
            dynamodb_endpoint,
            s3_endpoint,
            stop,
        })
    }
}

impl Emulators {
    /// Writes `items` straight into `table` of the DynamoDB emulator, in one SQLite transaction
    /// with their index entries, past the wire: for loading large test data in seconds. Nothing
    /// in AWS works like this; data that must go through the store's own writes must not use it.
    pub fn import(&self, table: &str, items: Vec<portal_store::Item>) -> anyhow::Result<usize> {
        let items = items
            .into_iter()
            .map(|item| {
                item.into_iter()
                    .map(|(k, v)| (k, emulator_value(v)))
                    .collect()
            })
            .collect();
        let done = self
            .dynamodb
            .import_items(table, items, dynoxide::ImportOptions::default())
            .map_err(|e| anyhow::anyhow!("cannot import items into {table}: {e}"))?;
        Ok(done.items_imported)
    }
}

/// An SDK attribute value as the emulator's own type.
fn emulator_value(value: aws_sdk_dynamodb::types::AttributeValue) -> dynoxide::AttributeValue {
    use aws_sdk_dynamodb::types::AttributeValue as Sdk;
    use dynoxide::AttributeValue as Emulator;
    match value {
        Sdk::S(s) => Emulator::S(s),
        Sdk::N(n) => Emulator::N(n),
        Sdk::B(b) => Emulator::B(b.into_inner()),
        Sdk::Bool(b) => Emulator::BOOL(b),
        Sdk::Null(n) => Emulator::NULL(n),
        Sdk::Ss(s) => Emulator::SS(s),
        Sdk::Ns(n) => Emulator::NS(n),
        Sdk::Bs(b) => Emulator::BS(b.into_iter().map(|b| b.into_inner()).collect()),
        Sdk::L(l) => Emulator::L(l.into_iter().map(emulator_value).collect()),
        Sdk::M(m) => Emulator::M(m.into_iter().map(|(k, v)| (k, emulator_value(v))).collect()),
        // A kind of value added to the SDK after this was written.
        _ => Emulator::NULL(true),
    }
}

impl std::fmt::Debug for Emulators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulators")
            .field("dynamodb_endpoint", &self.dynamodb_endpoint)
            .field("s3_endpoint", &self.s3_endpoint)
            .finish()
    }
}

impl Drop for Emulators {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

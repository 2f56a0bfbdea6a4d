//! The push API: back-end systems that can call HTTPS send batches of canonical rows, the same
//! rows as a JSON-lines export, and get every row's result back.
//!
//! - `POST /integration/{entity}` with `{"rows": [...]}` (at most [`MAX_ROWS`]) and an
//!   `Idempotency-Key` header: the rows are merged into the table exactly as a dropped file's
//!   (conditional on their source versions, so replays and late arrivals change nothing), the
//!   touched orders' lines go to the lake, and the answer lists each row as `loaded`,
//!   `unchanged` or `quarantined` with the reason. Status changes (`order-status`,
//!   `tracking-events`, `invoice-payments`) take the same path.
//!
//! Only machine users (role `integration`) may call it; they, in turn, may read nothing.
//!
//! The idempotency key is remembered (`portal_http::idempotency`) with a hash of the request:
//! the same key with the same rows is answered with the first answer (header
//! `Idempotent-Replayed: true`), with other rows it is refused (422), and while the first call
//! still runs it is a 409.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use ingest::entity::Arrival;
use ingest::read::pushed_rows;
use ingest::{Batch, Counts, Entity, FileInfo, IngestError, Target, Verdict};
use portal_domain::IdempotencyKey;
use portal_http::{ApiError, AppState, Idempotent, Machine, Path, Route};
use portal_store::StoreError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Variables this function reads beyond [`portal_http::Config::VARIABLES`].
pub const VARIABLES: [&str; 1] = ["PORTAL_LAKE_BUCKET"];
/// The most rows one request may carry.
pub const MAX_ROWS: usize = 500;
/// The largest body taken (413 beyond): room for [`MAX_ROWS`] rows of any entity.
pub const MAX_BODY_BYTES: usize = 2 << 20;
/// The longest reason given for a row, in bytes (a reason quotes the value it rejects): keeps
/// the stored answer of [`MAX_ROWS`] rows well within a table item.
const MAX_REASON_BYTES: usize = 300;
/// The source name pushed rows are filed under (lake objects `ingest-push-<request>-…`).
pub const PUSH_SOURCE: &str = "push";

/// This function's routes.
pub fn routes() -> Vec<Route> {
    let mut push_rows = Route::post("/integration/{entity}", push);
    push_rows.handler = push_rows
        .handler
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    vec![push_rows]
}

/// The function's router, shared by its Lambda binary, the local server and the tests.
pub fn router(state: AppState) -> Router {
    portal_http::router(routes(), state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    rows: Vec<serde_json::Value>,
}

/// The answer to a push: what became of every row.
#[derive(Debug, Serialize)]
struct PushAnswer {
    entity: &'static str,
    idempotency_key: String,
    #[serde(flatten)]
    counts: Counts,
    counts_add_up: bool,
    lake_objects: usize,
    results: Vec<RowResult>,
}

#[derive(Debug, Serialize)]
struct RowResult {
    /// 1-based position in `rows`.
    row: u64,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    waiting_for_parent: bool,
}

fn row_result(row: u64, verdict: Verdict) -> RowResult {
    let short = |mut reason: String| {
        if reason.len() > MAX_REASON_BYTES {
            let mut end = MAX_REASON_BYTES;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
            reason.push('…');
        }
        reason
    };
    let (result, reason, waiting_for_parent) = match verdict {
        Verdict::Loaded { waiting } => ("loaded", None, waiting),
        Verdict::Unchanged(why) => ("unchanged", Some(short(why)), false),
        Verdict::Quarantined(why) => ("quarantined", Some(short(why)), false),
    };
    RowResult {
        row,
        result,
        reason,
        waiting_for_parent,
    }
}

fn entity_of(name: &str) -> Result<Entity, ApiError> {
    let entity = Entity::parse(name).ok_or_else(|| {
        ApiError::invalid_parameter(
            "entity",
            format!(
                "{name:?} is not an entity; the entities are {}",
                Entity::names()
            ),
        )
    })?;
    if entity == Entity::Documents {
        return Err(ApiError::invalid_parameter(
            "entity",
            "documents come with their files: drop the export and the files into the ingest \
             bucket under incoming/<source>/documents/",
        ));
    }
    Ok(entity)
}

fn rows_of(body: Result<Bytes, BytesRejection>) -> Result<Vec<serde_json::Value>, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the body is larger than the push API takes: send at most {MAX_ROWS} rows per \
                 request ({})",
                rejection.body_text()
            ))
        } else {
            ApiError::bad_request("invalid-body", rejection.body_text())
        }
    })?;
    let parsed: PushBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "invalid-body",
            format!("the body must be a JSON object {{\"rows\": [...]}}: {e}"),
        )
    })?;
    match parsed.rows.len() {
        0 => Err(ApiError::bad_request(
            "invalid-body",
            "rows: must hold at least one row",
        )),
        n if n > MAX_ROWS => Err(ApiError::bad_request(
            "invalid-body",
            format!("rows: at most {MAX_ROWS} rows per request, got {n}: split the batch"),
        )),
        _ => Ok(parsed.rows),
    }
}

/// The hash that tells a repeated request from another one under the same key: the entity and
/// the rows in canonical form (object keys sorted), so white space and key order do not count.
pub fn request_hash(entity: Entity, rows: &[serde_json::Value]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(entity.name().as_bytes());
    hasher.update(b"\n");
    for row in rows {
        hasher.update(row.to_string().as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a failed batch answers: the store's failures as they map; contention is the client's
/// to retry.
fn ingest_error(err: IngestError) -> ApiError {
    match err {
        IngestError::Store(e) => e.into(),
        // Part of the batch may be written: a retry with the same key finishes it.
        IngestError::Contended(attempts) => ApiError::Unavailable(StoreError::Service {
            service: "DynamoDB",
            operation: "TransactWriteItems",
            code: Some("TransactionConflict".into()),
            message: format!("records kept changing under concurrent writers ({attempts} rounds)"),
        }),
        other => ApiError::Internal(Box::new(other)),
    }
}

async fn push(
    State(state): State<AppState>,
    Machine(principal): Machine,
    Path(entity): Path<String>,
    key: Idempotent,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let rows = rows_of(body)?;
    let hash = request_hash(entity, &rows);
    key.run(&state, &principal.user_id, &hash, |received_at| {
        apply(&state, entity, &key.0, &hash, &rows, received_at)
    })
    .await
}

/// Merges the rows and writes them; the answer as JSON.
async fn apply(
    state: &AppState,
    entity: Entity,
    key: &IdempotencyKey,
    hash: &str,
    rows: &[serde_json::Value],
    received: DateTime<Utc>,
) -> Result<String, ApiError> {
    let bucket =
        state.config.lake_bucket.as_ref().ok_or_else(|| {
            ApiError::Internal("the push API runs without PORTAL_LAKE_BUCKET".into())
        })?;
    let lake = state.store.lake(bucket);
    // CSV, not Parquet: Parquet would link polars into this API function.
    let target = Target {
        store: state.store.clone(),
        lake,
        format: portal_lake::CSV,
        // A client may never retry a call that stopped between the table and the lake.
        lake_outbox: true,
    };
    let info = FileInfo {
        source: PUSH_SOURCE.to_owned(),
        entity,
        name: format!("push {key}"),
        file_id: hash[..24].to_owned(),
    };
    let received = Arrival::new(received, &info.file_id);
    let Batch {
        verdicts,
        counts,
        lake_objects,
    } = target
        .ingest_batch(&info, pushed_rows(entity, rows, received))
        .await
        .map_err(ingest_error)?;
    let answer = PushAnswer {
        entity: entity.name(),
        idempotency_key: key.to_string(),
        counts,
        counts_add_up: counts.add_up(),
        lake_objects,
        results: verdicts
            .into_iter()
            .enumerate()
            .map(|(i, verdict)| row_result(i as u64 + 1, verdict))
            .collect(),
    };
    serde_json::to_string(&answer).map_err(|e| ApiError::Internal(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_hash_ignores_key_order_and_white_space_but_not_values() {
        let a: Vec<serde_json::Value> =
            serde_json::from_str(r#"[{"order_id": "SO-1", "status": "shipped"}]"#).expect("json");
        let b: Vec<serde_json::Value> =
            serde_json::from_str(r#"[ {"status":"shipped","order_id":"SO-1"} ]"#).expect("json");
        let c: Vec<serde_json::Value> =
            serde_json::from_str(r#"[{"order_id": "SO-1", "status": "invoiced"}]"#).expect("json");
        let orders = Entity::OrderStatus;
        assert_eq!(request_hash(orders, &a), request_hash(orders, &b));
        assert_ne!(request_hash(orders, &a), request_hash(orders, &c));
        assert_ne!(
            request_hash(orders, &a),
            request_hash(Entity::Orders, &a),
            "the same rows for another entity are another request"
        );
    }

    #[test]
    fn a_long_reason_is_cut_so_that_answers_stay_small() {
        let result = row_result(3, Verdict::Quarantined("x".repeat(5000)));
        let reason = result.reason.expect("a reason");
        assert_eq!(reason.len(), MAX_REASON_BYTES + '…'.len_utf8());
        let wide = row_result(1, Verdict::Unchanged("ä".repeat(1000)));
        let reason = wide.reason.expect("a reason");
        assert!(
            reason.len() <= MAX_REASON_BYTES + '…'.len_utf8(),
            "{}",
            reason.len()
        );
        assert_eq!(result.result, "quarantined");
    }

    #[test]
    fn documents_cannot_be_pushed_without_their_files() {
        let err = entity_of("documents").expect_err("refused");
        assert!(err.to_string().contains("incoming/"), "{err}");
        let err = entity_of("invoice").expect_err("unknown");
        assert!(err.to_string().contains("invoices"), "{err}");
    }
}

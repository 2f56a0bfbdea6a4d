//! Write requests under an `Idempotency-Key`, as any write route takes them: the first call
//! claims the key, does the work once and stores its answer; a repeat of the same request gets
//! that answer again (header `Idempotent-Replayed: true`); the key sent with another request is
//! refused (422); a repeat while the first call still runs is a 409 to ask again shortly. A call
//! that failed (or crashed, once its lease ran out) leaves the key to the next repeat, which
//! keeps the first arrival time.
//!
//! The keys live in the table (`portal_store::requests`), so every instance sees them.

use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use portal_domain::{IdempotencyKey, UserId};
use portal_store::{Claim, PushedRequest, Store, WriteAction};
use std::future::Future;
use std::time::Duration;

/// The header naming a request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header set on an answer given again for a repeated request.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long an idempotency key and its answer are remembered.
pub const KEEP: Duration = Duration::from_secs(24 * 3600);
/// How long a call holds its key before another call with the same request may take over
/// (longer than any function's timeout).
pub const LEASE: Duration = Duration::from_secs(120);

/// A write request's `Idempotency-Key` header, required (400 without it).
#[derive(Debug, Clone)]
pub struct Idempotent(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for Idempotent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let raw = parts.headers.get(IDEMPOTENCY_KEY).ok_or_else(|| {
            ApiError::bad_request(
                "idempotency-key-required",
                "the Idempotency-Key header is required: a unique value per request (a UUID, \
                 for example), sent again unchanged when the request is retried",
            )
        })?;
        let text = raw
            .to_str()
            .map_err(|_| ApiError::invalid_parameter("Idempotency-Key", "is not ASCII text"))?;
        IdempotencyKey::parse(text)
            .map(Idempotent)
            .map_err(|e| ApiError::invalid_parameter("Idempotency-Key", e))
    }
}

impl Idempotent {
    /// Runs `work` once for the request `hash` (a digest of everything that makes the request
    /// what it is) of `caller` under this key, and answers its JSON body; or answers as the key
    /// says (a replay, a 409, a 422). `work` gets the time the request first arrived.
    pub async fn run<F, Fut>(
        &self,
        state: &AppState,
        caller: &UserId,
        hash: &str,
        work: F,
    ) -> Result<Response, ApiError>
    where
        F: FnOnce(DateTime<Utc>) -> Fut,
        Fut: Future<Output = Result<String, ApiError>>,
    {
        let key = &self.0;
        let token = unique_token();
        let request = PushedRequest {
            caller,
            key,
            hash,
            token: &token,
        };
        let store = &state.store;
        let received_at = match claim(store, request).await? {
            Ok(received_at) => received_at,
            Err(answer) => return Ok(json_answer(StatusCode::OK, answer, true)),
        };
        match work(received_at).await {
            Ok(answer) => {
                remember(store, request, received_at, &answer).await;
                Ok(json_answer(StatusCode::OK, answer, false))
            }
            Err(err) => {
                let failed = store
                    .fail_request(request, received_at, Utc::now(), KEEP)
                    .await;
                if let Err(e) = failed {
                    tracing::warn!(error = %e, "could not mark a request failed");
                }
                Err(err)
            }
        }
    }
}

/// What a call's work needs to store the key's answer in its own transaction.
#[derive(Debug, Clone)]
pub struct Completion {
    store: Store,
    caller: UserId,
    key: IdempotencyKey,
    hash: String,
    token: String,
    received_at: DateTime<Utc>,
}

impl Completion {
    /// When the request first arrived.
    pub fn received_at(&self) -> DateTime<Utc> {
        self.received_at
    }

    /// The key named by the request (a correlation id for what its work causes).
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The write that stores `answer` as the key's answer, for the work's transaction: it
    /// succeeds only while this call still holds the key.
    pub fn answer(&self, answer: &str) -> Result<WriteAction, ApiError> {
        let request = PushedRequest {
            caller: &self.caller,
            key: &self.key,
            hash: &self.hash,
            token: &self.token,
        };
        Ok(self
            .store
            .answer_action(request, self.received_at, answer, Utc::now(), KEEP)?)
    }

    /// Whether this call's answer is stored: the work's transaction went through even if its
    /// success was lost on the way back (so the work must not be done again).
    pub async fn answered(&self) -> Result<bool, ApiError> {
        let request = PushedRequest {
            caller: &self.caller,
            key: &self.key,
            hash: &self.hash,
            token: &self.token,
        };
        Ok(self.store.answered_by(request).await?)
    }
}

impl Idempotent {
    /// [`Idempotent::run`] for work that writes its answer in its own transaction
    /// ([`Completion::answer`]), so that nothing can leave the work done without its answer
    /// or the reverse. Answers `status` (again, on a replay).
    pub async fn run_in_transaction<F, Fut>(
        &self,
        state: &AppState,
        caller: &UserId,
        hash: &str,
        status: StatusCode,
        work: F,
    ) -> Result<Response, ApiError>
    where
        F: FnOnce(Completion) -> Fut,
        Fut: Future<Output = Result<String, ApiError>>,
    {
        let key = &self.0;
        let token = unique_token();
        let request = PushedRequest {
            caller,
            key,
            hash,
            token: &token,
        };
        let store = &state.store;
        let received_at = match claim(store, request).await? {
            Ok(received_at) => received_at,
            Err(answer) => return Ok(json_answer(status, answer, true)),
        };
        let completion = Completion {
            store: store.clone(),
            caller: caller.clone(),
            key: key.clone(),
            hash: hash.to_owned(),
            token: token.clone(),
            received_at,
        };
        match work(completion).await {
            Ok(answer) => Ok(json_answer(status, answer, false)),
            Err(err) => {
                let failed = store
                    .fail_request(request, received_at, Utc::now(), KEEP)
                    .await;
                if let Err(e) = failed {
                    tracing::warn!(error = %e, "could not mark a request failed");
                }
                Err(err)
            }
        }
    }
}

/// Claims the key for `request`: the first arrival time, or the stored answer to give again,
/// or the 409 and 422 of a key in use.
async fn claim(
    store: &Store,
    request: PushedRequest<'_>,
) -> Result<Result<DateTime<Utc>, String>, ApiError> {
    let key = request.key;
    match store
        .claim_request(request, Utc::now(), LEASE, KEEP)
        .await?
    {
        Claim::Claimed { received_at } => Ok(Ok(received_at)),
        Claim::Answered(answer) => Ok(Err(answer)),
        Claim::InProgress => Err(ApiError::Conflict {
            code: "request-in-progress",
            detail: format!(
                "a request with Idempotency-Key {key} is being processed: ask again for its \
                 answer in a moment"
            ),
        }),
        Claim::Reused => Err(ApiError::Unprocessable {
            code: "idempotency-key-reused",
            detail: format!(
                "Idempotency-Key {key} was used for a different request: use a new key for a \
                 new request"
            ),
        }),
    }
}

fn json_answer(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// A token unique among calls (a claim on a key, a new object's id): two 64-bit values from
/// std's randomly keyed hasher (seeded from the OS), over the process, the time and a counter;
/// 32 hex digits.
pub fn unique_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let half = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u32(std::process::id());
        h.write_u128(nanos);
        h.write_u64(call);
        h.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

/// Stores the answer under the key, trying a few times: the work is done, so the caller gets
/// its answer even when storing it fails (a retry, once the lease runs out, does the work again,
/// which must then change nothing).
async fn remember(
    store: &Store,
    request: PushedRequest<'_>,
    received_at: DateTime<Utc>,
    answer: &str,
) {
    for attempt in 0..3u32 {
        match store
            .answer_request(request, received_at, answer, Utc::now(), KEEP)
            .await
        {
            Ok(()) => return,
            Err(e) if attempt == 2 => {
                tracing::error!(error = %e, key = %request.key, "could not store an answer");
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50 << attempt)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_gets_its_own_claim_token() {
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| unique_token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 32));
    }
}

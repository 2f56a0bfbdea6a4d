//! Pushed requests remembered under their idempotency keys, so that a back-end system that
//! sends a batch again (it timed out, it restarted) gets the first answer instead of a second
//! application.
//!
//! One item per caller and key (`REQUEST#<user>#<key>`), holding a hash of the request and the
//! time it first arrived. A call first claims the key with a conditional put under its own claim
//! token; the claim is a lease, so a call that crashed does not hold the key for ever. It then
//! stores its answer, or marks the request failed; only the holder of the claim can do either.
//! A failed or abandoned request is taken up again by a retry of the same request, which keeps
//! the first arrival time: rows without a version of their own take it, so a retry never makes
//! them newer than rows sent after the first attempt. Items expire through the table's TTL
//! (`expires_at`); an expired item no one has removed yet counts as absent.

use crate::error::dynamo;
use crate::items::{from_item, s, to_item};
use crate::keys::{self, ItemKeys, META, PK, SK};
use crate::{Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use portal_domain::{IdempotencyKey, UserId};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the key says about a request about to be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This call holds the key: process the request, then [`Store::answer_request`] (or
    /// [`Store::fail_request`]). `received_at` is when the request first arrived (earlier than
    /// now when this is a retry of a failed or abandoned call).
    Claimed { received_at: DateTime<Utc> },
    /// The same request was answered before: its answer, as stored.
    Answered(String),
    /// The same request is being processed by another call now.
    InProgress,
    /// The key was used for a different request.
    Reused,
}

/// One write of a transaction that the store builds for a caller's own transaction (the
/// answer of an idempotency key); opaque to the caller.
#[derive(Debug, Clone)]
pub struct WriteAction(pub(crate) aws_sdk_dynamodb::types::TransactWriteItem);

const IN_PROGRESS: &str = "in-progress";
const ANSWERED: &str = "answered";
const FAILED: &str = "failed";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RequestItem {
    caller: String,
    key: String,
    request_hash: String,
    state: String,
    /// The token of the call that holds (or held) the claim.
    claim: String,
    /// When the request first arrived (epoch milliseconds).
    received_at: i64,
    /// Until when (epoch seconds) the claiming call holds the key.
    lease_until: i64,
    /// When (epoch seconds) the table's TTL removes the item.
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
}

/// A request being claimed: who sends it, under which key, its hash, and the claiming call's
/// token (random, one per call).
#[derive(Debug, Clone, Copy)]
pub struct PushedRequest<'a> {
    pub caller: &'a UserId,
    pub key: &'a IdempotencyKey,
    pub hash: &'a str,
    pub token: &'a str,
}

impl PushedRequest<'_> {
    fn item_keys(&self) -> ItemKeys {
        ItemKeys {
            entity: "pushed-request",
            pk: keys::pushed_request(self.caller, self.key),
            sk: META.to_owned(),
            gsi1: None,
            gsi2: None,
        }
    }

    fn item(
        &self,
        state: &str,
        received_at: i64,
        lease_until: i64,
        expires_at: i64,
    ) -> RequestItem {
        RequestItem {
            caller: self.caller.to_string(),
            key: self.key.to_string(),
            request_hash: self.hash.to_owned(),
            state: state.to_owned(),
            claim: self.token.to_owned(),
            received_at,
            lease_until,
            expires_at,
            answer: None,
        }
    }
}

fn epoch(at: DateTime<Utc>, plus: Duration) -> i64 {
    at.timestamp() + plus.as_secs() as i64
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn millis(at: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at).unwrap_or_default()
}

impl Store {
    /// Claims the key of `request`, held for `lease` and remembered for `keep` from `now`.
    pub async fn claim_request(
        &self,
        request: PushedRequest<'_>,
        now: DateTime<Utc>,
        lease: Duration,
        keep: Duration,
    ) -> Result<Claim, StoreError> {
        let received_at = now.timestamp_millis();
        let fresh = request.item(
            IN_PROGRESS,
            received_at,
            epoch(now, lease),
            epoch(now, keep),
        );
        if self
            .put_request(
                &request,
                &fresh,
                "attribute_not_exists(PK) OR expires_at < :now",
                &[(":now", n(now.timestamp()))],
            )
            .await?
        {
            return Ok(Claim::Claimed {
                received_at: millis(received_at),
            });
        }
        let Some(held) = self.held_request(&request).await? else {
            // Removed between the two calls (expired): a later attempt claims it.
            return Ok(Claim::InProgress);
        };
        if held.request_hash != request.hash {
            return Ok(Claim::Reused);
        }
        match held.state.as_str() {
            ANSWERED => return Ok(Claim::Answered(held.answer.unwrap_or_default())),
            IN_PROGRESS if held.lease_until >= now.timestamp() => return Ok(Claim::InProgress),
            _ => {}
        }
        // Failed, or abandoned by a call whose lease ran out: take it over, unless another
        // retry did first.
        let retry = request.item(
            IN_PROGRESS,
            held.received_at,
            epoch(now, lease),
            epoch(now, keep),
        );
        let taken = self
            .put_request(
                &request,
                &retry,
                "claim = :held AND #state = :state",
                &[(":held", s(held.claim)), (":state", s(held.state))],
            )
            .await?;
        Ok(if taken {
            Claim::Claimed {
                received_at: millis(held.received_at),
            }
        } else {
            Claim::InProgress
        })
    }

    /// Stores the answer of a claimed request, to be given to every later call with its key.
    /// Fails when the call no longer holds the claim.
    pub async fn answer_request(
        &self,
        request: PushedRequest<'_>,
        received_at: DateTime<Utc>,
        answer: &str,
        now: DateTime<Utc>,
        keep: Duration,
    ) -> Result<(), StoreError> {
        let mut item = request.item(
            ANSWERED,
            received_at.timestamp_millis(),
            now.timestamp(),
            epoch(now, keep),
        );
        item.answer = Some(answer.to_owned());
        let claimed = [(":claim", s(request.token))];
        if self
            .put_request(&request, &item, "claim = :claim", &claimed)
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Service {
                service: "portal",
                operation: "answer pushed request",
                code: None,
                message: format!("the claim on {} was taken over", request.key),
            })
        }
    }

    /// The transaction action that stores the answer of a claimed request, for a caller that
    /// writes its work and the answer in one transaction (nothing can then leave the work done
    /// without its answer, or the reverse): a put conditional on the call still holding the
    /// claim.
    pub fn answer_action(
        &self,
        request: PushedRequest<'_>,
        received_at: DateTime<Utc>,
        answer: &str,
        now: DateTime<Utc>,
        keep: Duration,
    ) -> Result<WriteAction, StoreError> {
        let mut item = request.item(
            ANSWERED,
            received_at.timestamp_millis(),
            now.timestamp(),
            epoch(now, keep),
        );
        item.answer = Some(answer.to_owned());
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table.name)
            .set_item(Some(to_item(&item, request.item_keys())?))
            .condition_expression("claim = :claim")
            .expression_attribute_values(":claim", s(request.token))
            .build()
            .map_err(|e| StoreError::Service {
                service: "DynamoDB",
                operation: "TransactWriteItems",
                code: None,
                message: e.to_string(),
            })?;
        Ok(WriteAction(
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .put(put)
                .build(),
        ))
    }

    /// Marks a claimed request failed, so that a retry of it is taken up at once (with its
    /// first arrival time). Does nothing when the call no longer holds the claim, or when its
    /// answer is stored (a transaction that stored it may have failed only on its way back).
    pub async fn fail_request(
        &self,
        request: PushedRequest<'_>,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
        keep: Duration,
    ) -> Result<(), StoreError> {
        let item = request.item(
            FAILED,
            received_at.timestamp_millis(),
            now.timestamp(),
            epoch(now, keep),
        );
        self.put_request(
            &request,
            &item,
            "claim = :claim AND #state = :in_progress",
            &[
                (":claim", s(request.token)),
                (":in_progress", s(IN_PROGRESS)),
            ],
        )
        .await?;
        Ok(())
    }

    /// Whether the answer of `request` is stored under this call's claim: for a transaction
    /// that wrote it but whose success was lost on the way back.
    pub async fn answered_by(&self, request: PushedRequest<'_>) -> Result<bool, StoreError> {
        Ok(self
            .held_request(&request)
            .await?
            .is_some_and(|held| held.state == ANSWERED && held.claim == request.token))
    }

    /// Puts a request item under `condition`: `false` when the condition does not hold.
    async fn put_request(
        &self,
        request: &PushedRequest<'_>,
        item: &RequestItem,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<bool, StoreError> {
        let mut put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(to_item(item, request.item_keys())?))
            .condition_expression(condition);
        if condition.contains("#state") {
            put = put.expression_attribute_names("#state", "state");
        }
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(dynamo("PutItem")(e)),
        }
    }

    /// The request item as stored now (a consistent read).
    async fn held_request(
        &self,
        request: &PushedRequest<'_>,
    ) -> Result<Option<RequestItem>, StoreError> {
        let keys = request.item_keys();
        let held = self
            .table
            .client
            .get_item()
            .table_name(&self.table.name)
            .key(PK, s(keys.pk))
            .key(SK, s(keys.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo("GetItem"))?
            .item;
        held.map(from_item).transpose()
    }
}

//! Pushed requests remembered under their idempotency keys, so that a back-end system that
//! sends a batch again (it timed out, it restarted) gets the first answer instead of a second
//! application.
//!
//! One item per caller and key (`REQUEST#<user>#<key>`), holding a hash of the request. A call
//! first claims the key with a conditional put (the claim is a lease, so a call that crashed does
//! not hold the key for ever), then stores its answer. Items expire through the table's TTL
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
    /// [`Store::release_request`] when it failed).
    Claimed,
    /// The same request was answered before: its answer, as stored.
    Answered(String),
    /// The same request is being processed by another call now.
    InProgress,
    /// The key was used for a different request.
    Reused,
}

const IN_PROGRESS: &str = "in-progress";
const ANSWERED: &str = "answered";

#[derive(Debug, Serialize, Deserialize)]
struct RequestItem {
    caller: String,
    key: String,
    request_hash: String,
    state: String,
    /// Until when (epoch seconds) the claiming call holds the key.
    lease_until: i64,
    /// When (epoch seconds) the table's TTL removes the item.
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
}

fn item_keys(caller: &UserId, key: &IdempotencyKey) -> ItemKeys {
    ItemKeys {
        entity: "pushed-request",
        pk: keys::pushed_request(caller, key),
        sk: META.to_owned(),
        gsi1: None,
        gsi2: None,
    }
}

fn epoch(at: DateTime<Utc>, plus: Duration) -> i64 {
    at.timestamp() + plus.as_secs() as i64
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl Store {
    /// Claims `key` for a request with `request_hash`, held for `lease` and remembered for
    /// `keep` from `now`.
    pub async fn claim_request(
        &self,
        caller: &UserId,
        key: &IdempotencyKey,
        request_hash: &str,
        now: DateTime<Utc>,
        lease: Duration,
        keep: Duration,
    ) -> Result<Claim, StoreError> {
        let item = to_item(
            &RequestItem {
                caller: caller.to_string(),
                key: key.to_string(),
                request_hash: request_hash.to_owned(),
                state: IN_PROGRESS.to_owned(),
                lease_until: epoch(now, lease),
                expires_at: epoch(now, keep),
                answer: None,
            },
            item_keys(caller, key),
        )?;
        // Free, expired, or the same request's claim whose caller is gone.
        let put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(PK) OR expires_at < :now OR \
                 (request_hash = :hash AND #state = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":hash", s(request_hash))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(Claim::Claimed),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
            Err(e) => return Err(dynamo("PutItem")(e)),
        }
        let keys = item_keys(caller, key);
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
        let Some(held) = held else {
            // Removed between the two calls (expired): a later attempt claims it.
            return Ok(Claim::InProgress);
        };
        let held: RequestItem = from_item(held)?;
        Ok(if held.request_hash != request_hash {
            Claim::Reused
        } else if held.state == ANSWERED {
            Claim::Answered(held.answer.unwrap_or_default())
        } else {
            Claim::InProgress
        })
    }

    /// Stores the answer of a claimed request, to be given to every later call with its key.
    pub async fn answer_request(
        &self,
        caller: &UserId,
        key: &IdempotencyKey,
        request_hash: &str,
        answer: &str,
        now: DateTime<Utc>,
        keep: Duration,
    ) -> Result<(), StoreError> {
        let item = to_item(
            &RequestItem {
                caller: caller.to_string(),
                key: key.to_string(),
                request_hash: request_hash.to_owned(),
                state: ANSWERED.to_owned(),
                lease_until: now.timestamp(),
                expires_at: epoch(now, keep),
                answer: Some(answer.to_owned()),
            },
            item_keys(caller, key),
        )?;
        self.table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(item))
            .condition_expression("request_hash = :hash")
            .expression_attribute_values(":hash", s(request_hash))
            .send()
            .await
            .map_err(dynamo("PutItem"))?;
        Ok(())
    }

    /// Gives up a claimed key whose request failed, so that it can be sent again at once.
    pub async fn release_request(
        &self,
        caller: &UserId,
        key: &IdempotencyKey,
        request_hash: &str,
    ) -> Result<(), StoreError> {
        let keys = item_keys(caller, key);
        let delete = self
            .table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .key(PK, s(keys.pk))
            .key(SK, s(keys.sk))
            .condition_expression("request_hash = :hash AND #state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":hash", s(request_hash))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .send()
            .await;
        match delete {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(dynamo("DeleteItem")(e)),
        }
    }
}

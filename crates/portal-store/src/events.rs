//! Order events from the outbox to the seller's event bus (EventBridge): each as one entry of
//! source [`SOURCE`], its type (`Order.Submitted`, ...) as detail type and the event as detail.
//! The outbox's events are also listed by day (`GSI1`), for local mode's publisher, which has
//! no stream to read, and for replaying a day by hand.

use crate::error::eventbridge;
use crate::items::{QuerySpec, SortKey};
use crate::keys::{self, Index};
use crate::{Store, StoreError};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use chrono::NaiveDate;
use portal_domain::events::OrderEvent;

/// The source of every order event on the bus.
pub const SOURCE: &str = "b2b-portal.orders";
/// The most entries one `PutEvents` call takes.
const PER_CALL: usize = 10;

/// The seller's event bus.
#[derive(Debug, Clone)]
pub struct EventBus {
    client: aws_sdk_eventbridge::Client,
    name: String,
}

impl EventBus {
    pub fn new(client: aws_sdk_eventbridge::Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// The bus `name` with a client configured from the environment (a Lambda's cold start).
    pub async fn from_env(name: impl Into<String>) -> Self {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(aws_sdk_eventbridge::Client::new(&aws), name)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Puts `events` on the bus, ten a call; the ids of those it did not take, to be sent
    /// again (consumers deduplicate by id: delivery is at least once).
    pub async fn put(&self, events: &[OrderEvent]) -> Result<Vec<String>, StoreError> {
        let mut refused = Vec::new();
        for chunk in events.chunks(PER_CALL) {
            let entries = chunk
                .iter()
                .map(|event| {
                    Ok(PutEventsRequestEntry::builder()
                        .event_bus_name(&self.name)
                        .source(SOURCE)
                        .detail_type(event.event_type.as_str())
                        .detail(
                            serde_json::to_string(event).map_err(|e| StoreError::Service {
                                service: "EventBridge",
                                operation: "PutEvents",
                                code: None,
                                message: e.to_string(),
                            })?,
                        )
                        .build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(eventbridge("PutEvents"))?;
            for (event, result) in chunk.iter().zip(out.entries()) {
                if result.error_code().is_some() {
                    refused.push(event.id.clone());
                }
            }
        }
        Ok(refused)
    }
}

/// The outbox event a stream record's new image holds, or `None` for an item of another kind
/// (the stream carries every change of the table).
pub fn event_of_image(image: serde_dynamo::Item) -> Result<Option<OrderEvent>, StoreError> {
    let entity = serde_dynamo::AttributeValue::S("order-event".to_owned());
    if image.get(keys::ENTITY) != Some(&entity) {
        return Ok(None);
    }
    let key = image
        .get(keys::PK)
        .map(|pk| format!("{pk:?}"))
        .unwrap_or_default();
    serde_dynamo::from_item(image)
        .map(Some)
        .map_err(|source| StoreError::Corrupt { key, source })
}

impl Store {
    /// The outbox's events of `day` (by when they happened), after the sort key `after`, at
    /// most 1,000, with their sort keys (to continue from).
    pub async fn outbox_events(
        &self,
        day: NaiveDate,
        after: Option<&str>,
    ) -> Result<Vec<(String, OrderEvent)>, StoreError> {
        let sk = match after {
            Some(after) => SortKey::Between(format!("{after}\u{1}"), keys::HIGH.to_string()),
            None => SortKey::Any,
        };
        let spec = QuerySpec::new(Some(Index::Gsi1), keys::outbox_events(day), sk);
        let page = self.table.query_page(&spec, 1000, None).await?;
        page.into_items()
            .into_iter()
            .map(|item| {
                let sk = item
                    .get(keys::GSI1SK)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                Ok((sk, crate::items::from_item(item)?))
            })
            .collect()
    }
}

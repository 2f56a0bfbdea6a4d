//! Order events to the ERP: the outbox's events, written in the transaction of the change
//! they report, published to the seller's event bus.
//!
//! In AWS the table's stream starts this function with the outbox's new items (the event
//! source mapping filters the stream to inserts of entity `order-event`); each is put on the
//! bus (EventBridge: source `b2b-portal.orders`, detail type `Order.Submitted`,
//! `Order.Approved`, `Order.Rejected` or `Order.Cancelled`, the thin event as detail). A record
//! the bus did not take is reported as a batch item failure, so the stream retries from it;
//! after the retries the batch goes to the dead-letter queue. Delivery is at least once: each
//! event's `id` is stable, for consumers to deduplicate on, and its `order_version` orders them.
//!
//! Locally, the same [`Publisher`] puts the outbox's events into an event log in the data
//! folder (`portal events` prints or follows it): a [`Sink`] is where events go.

use portal_domain::events::OrderEvent;
use portal_store::{EventBus, StoreError};
use serde_json::{Value, json};

/// Variables this function reads.
pub const VARIABLES: [&str; 1] = ["PORTAL_EVENT_BUS"];

/// Where published events go.
pub trait Sink {
    /// Puts `events` somewhere consumers read them; the ids of those it did not take.
    fn put(
        &self,
        events: &[OrderEvent],
    ) -> impl std::future::Future<Output = Result<Vec<String>, StoreError>> + Send;
}

impl Sink for EventBus {
    async fn put(&self, events: &[OrderEvent]) -> Result<Vec<String>, StoreError> {
        EventBus::put(self, events).await
    }
}

/// The seller's bus named by `PORTAL_EVENT_BUS`.
pub async fn bus_from_env() -> Result<EventBus, String> {
    let name =
        std::env::var("PORTAL_EVENT_BUS").map_err(|_| "PORTAL_EVENT_BUS is not set".to_owned())?;
    Ok(EventBus::from_env(name).await)
}

/// Publishes the outbox's events to a sink.
#[derive(Debug, Clone)]
pub struct Publisher<S> {
    sink: S,
}

impl<S: Sink> Publisher<S> {
    pub fn new(sink: S) -> Self {
        Self { sink }
    }

    /// Puts `events` into the sink; the ids of those it did not take (an error of the sink
    /// counts as all of them).
    pub async fn publish(&self, events: &[OrderEvent]) -> Vec<String> {
        match self.sink.put(events).await {
            Ok(refused) => refused,
            Err(e) => {
                tracing::error!(error = %e, count = events.len(), "events not published");
                events.iter().map(|e| e.id.clone()).collect()
            }
        }
    }

    /// Handles a batch of the table's stream: publishes the outbox events among its records
    /// and answers the records to retry (`batchItemFailures`: the first record not published,
    /// as a stream retries from there).
    pub async fn handle(&self, event: &Value) -> Value {
        let records = event["Records"].as_array().cloned().unwrap_or_default();
        let mut events = Vec::new();
        let mut failures = Vec::new();
        for record in records {
            let Ok(record) =
                serde_json::from_value::<aws_lambda_events::dynamodb::EventRecord>(record)
            else {
                tracing::error!("a stream record that does not parse");
                continue;
            };
            let sequence = record.change.sequence_number.clone().unwrap_or_default();
            if record.event_name != "INSERT" {
                continue;
            }
            match portal_store::events::event_of_image(record.change.new_image) {
                Ok(Some(event)) => events.push((sequence, event)),
                Ok(None) => {}
                Err(e) => {
                    // Not publishable, however often it is retried: left to the dead-letter
                    // queue after the retries, with the error logged.
                    tracing::error!(error = %e, sequence, "an outbox event that does not parse");
                    failures.push(sequence);
                }
            }
        }
        let published: Vec<OrderEvent> = events.iter().map(|(_, e)| e.clone()).collect();
        let refused = self.publish(&published).await;
        failures.extend(
            events
                .iter()
                .filter(|(_, e)| refused.contains(&e.id))
                .map(|(sequence, _)| sequence.clone()),
        );
        json!({
            "batchItemFailures": failures
                .into_iter()
                .map(|sequence| json!({"itemIdentifier": sequence}))
                .collect::<Vec<_>>()
        })
    }
}

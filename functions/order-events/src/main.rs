//! The order-events Lambda function: the table's stream, filtered to new outbox events, to the
//! seller's event bus. See [`order_events::Publisher::handle`].

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal_lambda::init_tracing();
    let bus = order_events::bus_from_env().await?;
    let publisher: &'static _ = Box::leak(Box::new(order_events::Publisher::new(bus)));
    portal_lambda::run(move |event: serde_json::Value| async move {
        Ok::<_, lambda_runtime::Error>(publisher.handle(&event).await)
    })
    .await
}

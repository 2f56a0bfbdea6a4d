//! `portal invoke`: one function's Lambda handler on one event, like `sam local invoke`, without
//! Docker, against the local stores.

use crate::LocalApp;
use anyhow::Context;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, LambdaEvent, Service};
use serde_json::Value;

/// Adds or replaces the `sub` claim of an API Gateway HTTP API event's JWT authorizer.
pub fn with_subject(mut event: Value, sub: &str) -> Value {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    if !claims.is_object() {
        *claims = Value::Object(serde_json::Map::new());
    }
    claims["sub"] = Value::String(sub.to_owned());
    event
}

/// Runs `function`'s handler on `event` and returns the Lambda response, as JSON.
pub async fn invoke(app: &LocalApp, function: &str, event: Value) -> anyhow::Result<Value> {
    let functions = crate::server::functions();
    let names: Vec<&str> = functions.iter().map(|(name, _)| *name).collect();
    let routes = functions
        .into_iter()
        .find(|(name, _)| *name == function)
        .map(|(_, routes)| routes)
        .with_context(|| {
            format!(
                "no function {function:?}; the functions are {}",
                names.join(", ")
            )
        })?;
    let request: LambdaRequest = serde_json::from_value(event)
        .context("the event is not an API Gateway (HTTP API v2, REST or ALB) request event")?;
    let handler = portal_http::lambda::handler(portal_http::router(routes, app.state.clone()));
    let mut adapter = Adapter::from(handler);
    let response = adapter
        .call(LambdaEvent::new(request, lambda_http::Context::default()))
        .await
        .map_err(|e| anyhow::anyhow!("the handler failed: {e:?}"))?;
    Ok(serde_json::to_value(response)?)
}

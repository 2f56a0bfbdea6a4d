//! The demo's commerce, made through the API as its users would make it: an approval
//! threshold on the demo buyer's account, two open carts, an order waiting for the demo
//! approver, and a replenishment cart the demo manager prepared for the account's buyers.

use super::{DEMO_ADMIN, DEMO_BUYER, DEMO_MANAGER};
use crate::server::LocalApp;
use anyhow::Context;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;

/// The demo buyer's account.
pub const DEMO_ACCOUNT: &str = "ACC-10001";
/// Its approval threshold, in euros (in its own currency at the demo's exchange rates): the
/// README's walkthrough cart stays below it, the demo's pending order above.
pub const THRESHOLD_EUR: i64 = 5_000;

/// Makes the demo's carts, rules and pending approval through the API.
pub async fn seed(app: &LocalApp) -> anyhow::Result<()> {
    let router = crate::server::app_router(app.state.clone(), app.auth.clone());
    let call = |user: &'static str,
                method: Method,
                path: String,
                key: Option<&'static str>,
                body: Value| {
        let router = router.clone();
        async move {
            let token = app.auth.issue(user, Duration::from_secs(600))?;
            let mut request = Request::builder()
                .method(method.clone())
                .uri(&path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(key) = key {
                // A placement: of a new cart, at its first version.
                request = request
                    .header("idempotency-key", key)
                    .header(header::IF_MATCH, "\"1\"");
            }
            let response = router
                .oneshot(request.body(axum::body::Body::from(body.to_string()))?)
                .await?;
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
            anyhow::ensure!(
                status.is_success(),
                "{method} {path} as {user}: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
            serde_json::from_slice::<Value>(&bytes).context("a JSON answer")
        }
    };
    let id = |answer: &Value| answer["id"].as_str().unwrap_or_default().to_owned();
    let account = call(
        DEMO_ADMIN,
        Method::GET,
        format!("/accounts/{DEMO_ACCOUNT}"),
        None,
        Value::Null,
    )
    .await?;
    let currency = account["currency"].as_str().unwrap_or("EUR");
    let threshold = rust_decimal::Decimal::from(THRESHOLD_EUR) * super::history::fx(currency);
    call(
        DEMO_ADMIN,
        Method::PUT,
        format!("/accounts/{DEMO_ACCOUNT}/checkout-settings"),
        None,
        json!({"version": 0, "approval_threshold": threshold.to_string()}),
    )
    .await?;
    call(DEMO_BUYER, Method::POST, "/carts".into(), None, json!({
        "name": "Weekly hoses", "shared": true,
        "lines": [{"sku": "HYD-HH10000", "quantity": 50}, {"sku": "HYD-HP10003", "quantity": 2}],
    })).await?;
    call(
        DEMO_BUYER,
        Method::POST,
        "/carts".into(),
        None,
        json!({
            "name": "Fasteners restock",
            "lines": [{"sku": "FAS-HB10004", "quantity": 1000}],
        }),
    )
    .await?;
    let big = call(
        DEMO_BUYER,
        Method::POST,
        "/carts".into(),
        None,
        json!({
            "name": "Pumps for the new line",
            "lines": [{"sku": "HYD-HP10003", "quantity": 100}],
        }),
    )
    .await?;
    let placed = call(
        DEMO_BUYER,
        Method::POST,
        format!("/carts/{}/order", id(&big)),
        Some("demo-pending-0001"),
        json!({"po_number": "PO-DEMO-PUMPS"}),
    )
    .await?;
    anyhow::ensure!(
        placed["orders"][0]["status"] == "pending-approval",
        "the demo's big order does not wait for approval: {placed}"
    );
    call(
        DEMO_MANAGER,
        Method::POST,
        "/carts/replenishment".into(),
        None,
        json!({"account": DEMO_ACCOUNT}),
    )
    .await?;
    Ok(())
}

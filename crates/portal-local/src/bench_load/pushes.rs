//! The pushes of the load mix: new orders of the demo buyer's account, then status changes of the
//! orders pushed before, as the ERP's machine user.

use crate::LocalApp;
use crate::demo::DEMO_BUYER;
use anyhow::Context;
use portal_domain::UserId;
use serde_json::{Value, json};

/// The demo buyer's account.
pub(super) async fn orders_account(
    app: &LocalApp,
) -> anyhow::Result<portal_domain::model::Account> {
    let user = app
        .state
        .store
        .user(&UserId::parse(DEMO_BUYER)?)
        .await?
        .context("the data folder has no demo buyer")?;
    let buyer = portal_domain::Principal::new(user.id, user.role, user.account_id, [])?;
    let own = buyer.account_for(None)?;
    app.state
        .store
        .account(&own)
        .await?
        .context("the demo buyer's account is missing")
}

pub(super) async fn push(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    entity: &str,
    key: &str,
    rows: Vec<Value>,
) -> Result<(), String> {
    let what = format!("POST /integration/{entity}");
    let response = client
        .post(format!("{base}/integration/{entity}"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({ "rows": rows }))
        .send()
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| format!("{what}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{what} answered {status}: {body}"));
    }
    let answer: Value = serde_json::from_str(&body).map_err(|e| format!("{what}: {e}"))?;
    let results = answer["results"].as_array().cloned().unwrap_or_default();
    if results.len() != rows.len() || results.iter().any(|r| r["result"] != "loaded") {
        return Err(format!("{what}: not every row was loaded: {body}"));
    }
    Ok(())
}

/// New orders of `account`, one per id.
pub(super) fn order_rows(ids: &[String], account: &portal_domain::model::Account) -> Vec<Value> {
    let now = chrono::Utc::now();
    let division = account
        .divisions
        .first()
        .map_or("HYD".to_owned(), ToString::to_string);
    ids.iter()
        .map(|id| {
            json!({
                "order_id": id,
                "account_id": account.id,
                "po_number": format!("PO {id}"),
                "division": division,
                "currency": account.currency,
                "order_date": now.date_naive(),
                "status": "confirmed",
                "net": "120.00",
                "version": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })
        })
        .collect()
}

/// Each order shipped.
pub(super) fn status_rows(ids: &[String]) -> Vec<Value> {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    ids.iter()
        .map(|id| json!({"order_id": id, "status": "shipped", "at": at}))
        .collect()
}

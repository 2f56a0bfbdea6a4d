//! Step 2's reads: carts, the approval queue, checkout rules and spending limits, prices.
//! Prices and their explanation are computed by the pricing routes themselves (`rest`); their
//! answers are the REST answers, as `JSON` (openapi.yaml's `PriceAnswer`, `ExplainAnswer`).

use super::portal::account_of;
use crate::connection::{Connection, Pager, times_first};
use crate::context::Ctx;
use crate::error::{Gql, not_found};
use crate::nodes::{CartNode, OrderNode, loaded};
use crate::rest::{self, Call};
use async_graphql::{Context, InputObject, Json, Object, Result, SimpleObject};
use axum::http::Method;
use chrono::{DateTime, Utc};
use portal_domain::{AccountId, CartId, Currency, OrderId, Sku, UserId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Carts, approvals, checkout rules, prices.
#[derive(Default)]
pub struct CommerceQuery;

/// A line to price: a SKU and a quantity (as text, so that no client rounds it).
#[derive(InputObject, Serialize)]
pub struct LineInput {
    pub sku: String,
    pub quantity: String,
}

/// An order waiting for an approver of its account.
#[derive(SimpleObject, Deserialize, Clone)]
#[graphql(complex)]
pub struct PendingApproval {
    pub account_id: AccountId,
    pub order_id: OrderId,
    pub total: Decimal,
    pub currency: Currency,
    pub placed_by: UserId,
    pub placed_at: DateTime<Utc>,
    /// Why it waits.
    pub reasons: Vec<String>,
}

#[async_graphql::ComplexObject]
impl PendingApproval {
    /// The order.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<OrderNode>> {
        let order = loaded(Ctx::of(ctx).orders.load_one(self.order_id.clone()).await)?
            .ok_or_else(|| not_found("order"))?;
        Ok(Some(OrderNode::of(order)))
    }
}

/// An account's checkout rules (as `GET /accounts/{id}/checkout-settings`).
#[derive(SimpleObject, Deserialize)]
pub struct CheckoutSettings {
    pub account_id: AccountId,
    pub currency: Currency,
    /// An order whose total is above this waits for approval.
    pub approval_threshold: Option<Decimal>,
    /// Whether an order needs a PO number.
    pub po_required: bool,
    /// 0 until first set; one more with each change.
    pub version: u64,
}

/// A buyer's monthly limit and what they spent this month.
#[derive(SimpleObject, Deserialize)]
pub struct SpendingLimit {
    pub user_id: UserId,
    pub monthly_limit: Decimal,
    pub set_by: UserId,
    pub set_at: DateTime<Utc>,
    pub currency: Currency,
    /// `YYYY-MM`.
    pub month: String,
    pub spent: Decimal,
}

/// An account's spending limits (as `GET /accounts/{id}/spending-limits`).
#[derive(SimpleObject, Deserialize)]
pub struct SpendingLimits {
    pub account_id: AccountId,
    pub items: Vec<SpendingLimit>,
}

/// A REST answer read back as `T` (it is the route's own answer: a mismatch is our fault).
pub(crate) fn answer_as<T: serde::de::DeserializeOwned>(answer: serde_json::Value) -> Result<T> {
    serde_json::from_value(answer)
        .map_err(|e| portal_http::ApiError::Internal(Box::new(e)))
        .gql()
}

/// `path` with the query parameters that are given.
pub(crate) fn with_query(path: &str, parameters: &[(&str, Option<String>)]) -> String {
    let given: Vec<(&str, &str)> = parameters
        .iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (*name, v)))
        .collect();
    match serde_urlencoded::to_string(&given) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

#[Object]
impl CommerceQuery {
    /// An account's carts the caller sees, the most recently changed first (`GET /carts`).
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn carts(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<CartNode>> {
        let c = Ctx::of(ctx);
        let account = account_of(c, account.as_ref())?;
        let mut pager = Pager::new(c, "carts", account.id(), first, after.as_deref())?;
        let page = c
            .state
            .store
            .carts(&c.principal, &account, pager.limit(), pager.after())
            .await
            .gql()?;
        Ok(pager.connection(page, CartNode))
    }

    /// One cart (`GET /carts/{id}`): the caller's own or a shared one of their account.
    async fn cart(&self, ctx: &Context<'_>, id: CartId) -> Result<Option<CartNode>> {
        let c = Ctx::of(ctx);
        let cart = c
            .state
            .store
            .cart(&c.principal, &id)
            .await
            .gql()?
            .ok_or_else(|| not_found("cart"))?;
        Ok(Some(CartNode(cart)))
    }

    /// An account's orders waiting for approval (`GET /approvals`).
    #[graphql(complexity = "times_first(first, child_complexity)")]
    async fn approvals(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<PendingApproval>> {
        let c = Ctx::of(ctx);
        let account = account_of(c, account.as_ref())?;
        let mut pager = Pager::new(c, "approvals", account.id(), first, after.as_deref())?;
        let page = c
            .state
            .store
            .pending_approvals(&account, pager.limit(), pager.after())
            .await
            .gql()?;
        Ok(pager.connection(page, |p| PendingApproval {
            account_id: p.account_id,
            order_id: p.order_id,
            total: p.total,
            currency: p.currency,
            placed_by: p.placed_by,
            placed_at: p.placed_at,
            reasons: p.reasons,
        }))
    }

    /// An account's checkout rules (`GET /accounts/{id}/checkout-settings`).
    async fn checkout_settings(
        &self,
        ctx: &Context<'_>,
        account: AccountId,
    ) -> Result<Option<CheckoutSettings>> {
        let path = format!("/accounts/{account}/checkout-settings");
        let answer = rest::send(Ctx::of(ctx), Call::new(Method::GET, path)).await?;
        answer_as(answer).map(Some)
    }

    /// An account's buyers' monthly limits (`GET /accounts/{id}/spending-limits`).
    async fn spending_limits(
        &self,
        ctx: &Context<'_>,
        account: AccountId,
    ) -> Result<Option<SpendingLimits>> {
        let path = format!("/accounts/{account}/spending-limits");
        let answer = rest::send(Ctx::of(ctx), Call::new(Method::GET, path)).await?;
        answer_as(answer).map(Some)
    }

    /// Prices lines for an account today (`POST /prices`): each line priced or refused with
    /// its code. The answer is the REST answer (openapi.yaml's `PriceAnswer`).
    async fn prices(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        lines: Vec<LineInput>,
    ) -> Result<Json<serde_json::Value>> {
        #[derive(Serialize)]
        struct Body {
            #[serde(skip_serializing_if = "Option::is_none")]
            account: Option<AccountId>,
            lines: Vec<LineInput>,
        }
        let call = Call::new(Method::POST, "/prices").body(Body { account, lines });
        Ok(Json(rest::send(Ctx::of(ctx), call).await?))
    }

    /// How a SKU is priced for an account: every list tried, in order
    /// (`GET /prices/{sku}/explain`; openapi.yaml's `ExplainAnswer`).
    async fn price_explanation(
        &self,
        ctx: &Context<'_>,
        sku: Sku,
        quantity: Option<String>,
        account: Option<AccountId>,
    ) -> Result<Json<serde_json::Value>> {
        let path = with_query(
            &format!("/prices/{}/explain", crate::rest::segment(sku.as_str())),
            &[
                ("quantity", quantity),
                ("account", account.map(String::from)),
            ],
        );
        Ok(Json(
            rest::send(Ctx::of(ctx), Call::new(Method::GET, path)).await?,
        ))
    }
}

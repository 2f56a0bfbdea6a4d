//! The mutation root: every write of the REST API, with its semantics, because it IS the REST
//! route, run in-process (`rest`): the same checks, version rules (`version` is the route's
//! `If-Match`), idempotency keys, transactions and problem codes. Each mutation's doc names
//! the route; `tests/api/graphql.rs` fails when a write route has no mutation here.

use crate::context::Ctx;
use crate::nodes::{CartNode, OrderNode};
use crate::query::{CheckoutSettings, LineInput, SpendingLimits, answer_as};
use crate::rest::{self, Call, segment};
use async_graphql::{Context, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject};
use axum::http::Method;
use chrono::NaiveDate;
use portal_domain::carts::Cart;
use portal_domain::model::Order;
use portal_domain::{AccountId, CartId, OrderId, Sku, UserId};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;

/// What a portal changes.
#[derive(Default)]
pub struct Mutation;

/// A cart as a write left it, and what the write says about it.
#[derive(SimpleObject)]
pub struct CartPayload {
    pub cart: CartNode,
    /// The lines that did not go in, each with its reason (`refused` of the REST answer).
    pub refused: Json<serde_json::Value>,
    /// A reorder's changes (what became of each of the order's SKUs).
    pub changes: Option<Json<serde_json::Value>>,
    /// A replenishment cart's suggestions left out.
    pub skipped: Option<Json<serde_json::Value>>,
}

impl CartPayload {
    fn of(answer: serde_json::Value) -> Result<Self> {
        let cart: Cart = answer_as(answer.clone())?;
        let field = |name: &str| answer.get(name).cloned().map(Json);
        Ok(Self {
            cart: CartNode(cart),
            refused: Json(
                answer
                    .get("refused")
                    .cloned()
                    .unwrap_or(serde_json::json!([])),
            ),
            changes: field("changes"),
            skipped: field("skipped"),
        })
    }
}

/// A deleted cart.
#[derive(SimpleObject)]
pub struct DeletedCart {
    pub id: CartId,
}

/// The orders a cart was placed as (one per division), and the cart's version now.
#[derive(SimpleObject)]
pub struct PlacedOrders {
    pub orders: Vec<OrderNode>,
    pub cart_id: CartId,
    pub cart_version: u64,
}

/// A cart's details for checkout: absent fields are unchanged, `null` clears one.
#[derive(InputObject, Serialize, Default)]
pub struct CartChangeInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub po_number: MaybeUndefined<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub requested_delivery: MaybeUndefined<NaiveDate>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub ship_to: MaybeUndefined<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub note: MaybeUndefined<String>,
}

/// The details an order is placed with (the cart's are used where absent).
#[derive(InputObject, Serialize, Default)]
pub struct PlaceInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_delivery: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An account's checkout rules to change: absent fields are unchanged, a `null` threshold
/// removes it.
#[derive(InputObject, Serialize, Default)]
pub struct CheckoutSettingsInput {
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub approval_threshold: MaybeUndefined<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_required: Option<bool>,
}

/// A new cart's name and sharing, and its account for staff.
#[derive(Serialize, Default)]
struct NewCart {
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<AccountId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shared: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lines: Vec<LineInput>,
}

/// A decision's or cancellation's note.
#[derive(Serialize)]
struct Note {
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

async fn cart(c: &Ctx, call: Call) -> Result<CartPayload> {
    CartPayload::of(rest::send(c, call).await?)
}

/// `POST /orders/{id}/<action>` at the order's `version`, with a note: a decision or a
/// cancellation; the order as it is now.
async fn act_on_order(
    ctx: &Context<'_>,
    id: &OrderId,
    action: &str,
    version: u64,
    note: Option<String>,
) -> Result<OrderNode> {
    let call = Call::new(Method::POST, format!("/orders/{id}/{action}"))
        .version(Some(version))
        .body(Note { note });
    let order: Order = answer_as(rest::send(Ctx::of(ctx), call).await?)?;
    Ok(OrderNode::of(Arc::new(order)))
}

#[Object]
impl Mutation {
    /// A new cart, the lines in it as a quick order (`POST /carts`).
    async fn create_cart(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        name: Option<String>,
        shared: Option<bool>,
        lines: Option<Vec<LineInput>>,
    ) -> Result<CartPayload> {
        let body = NewCart {
            account,
            name,
            shared,
            lines: lines.unwrap_or_default(),
        };
        cart(Ctx::of(ctx), Call::new(Method::POST, "/carts").body(body)).await
    }

    /// A cart's name, sharing and checkout details (`PATCH /carts/{id}`).
    async fn update_cart(
        &self,
        ctx: &Context<'_>,
        id: CartId,
        version: u64,
        change: CartChangeInput,
    ) -> Result<CartPayload> {
        let call = Call::new(Method::PATCH, format!("/carts/{id}"))
            .version(Some(version))
            .body(change);
        cart(Ctx::of(ctx), call).await
    }

    /// A cart gone (`DELETE /carts/{id}`).
    async fn delete_cart(
        &self,
        ctx: &Context<'_>,
        id: CartId,
        version: u64,
    ) -> Result<DeletedCart> {
        let call = Call::new(Method::DELETE, format!("/carts/{id}")).version(Some(version));
        rest::send(Ctx::of(ctx), call).await?;
        Ok(DeletedCart { id })
    }

    /// A quick order into a cart (`POST /carts/{id}/lines`): `lines`, or `csv` as pasted
    /// (SKU and quantity per row; comma, semicolon or tab; with or without a header).
    async fn add_cart_lines(
        &self,
        ctx: &Context<'_>,
        id: CartId,
        version: u64,
        lines: Option<Vec<LineInput>>,
        csv: Option<String>,
    ) -> Result<CartPayload> {
        let call = Call::new(Method::POST, format!("/carts/{id}/lines")).version(Some(version));
        let call = match csv {
            Some(csv) => call.raw("text/csv", csv),
            None => {
                #[derive(Serialize)]
                struct Lines {
                    lines: Vec<LineInput>,
                }
                call.body(Lines {
                    lines: lines.unwrap_or_default(),
                })
            }
        };
        cart(Ctx::of(ctx), call).await
    }

    /// One line's quantity (`PUT /carts/{id}/lines/{sku}`).
    async fn set_cart_line(
        &self,
        ctx: &Context<'_>,
        id: CartId,
        sku: Sku,
        version: u64,
        quantity: String,
    ) -> Result<CartPayload> {
        #[derive(Serialize)]
        struct Quantity {
            quantity: String,
        }
        let call = Call::new(
            Method::PUT,
            format!("/carts/{id}/lines/{}", segment(sku.as_str())),
        )
        .version(Some(version))
        .body(Quantity { quantity });
        cart(Ctx::of(ctx), call).await
    }

    /// One line out (`DELETE /carts/{id}/lines/{sku}`).
    async fn remove_cart_line(
        &self,
        ctx: &Context<'_>,
        id: CartId,
        sku: Sku,
        version: u64,
    ) -> Result<CartPayload> {
        let call = Call::new(
            Method::DELETE,
            format!("/carts/{id}/lines/{}", segment(sku.as_str())),
        )
        .version(Some(version));
        cart(Ctx::of(ctx), call).await
    }

    /// A new cart from a past order at today's prices and rules, with what changed
    /// (`POST /orders/{id}/reorder`).
    async fn reorder(
        &self,
        ctx: &Context<'_>,
        order_id: OrderId,
        name: Option<String>,
        shared: Option<bool>,
    ) -> Result<CartPayload> {
        let body = NewCart {
            name,
            shared,
            ..NewCart::default()
        };
        let call = Call::new(Method::POST, format!("/orders/{order_id}/reorder")).body(body);
        cart(Ctx::of(ctx), call).await
    }

    /// A new cart from the account's due and overdue reorder suggestions
    /// (`POST /carts/replenishment`).
    async fn create_replenishment_cart(
        &self,
        ctx: &Context<'_>,
        account: Option<AccountId>,
        name: Option<String>,
        shared: Option<bool>,
    ) -> Result<CartPayload> {
        let body = NewCart {
            account,
            name,
            shared,
            ..NewCart::default()
        };
        let call = Call::new(Method::POST, "/carts/replenishment").body(body);
        cart(Ctx::of(ctx), call).await
    }

    /// Places a cart: one order per division, all or nothing (`POST /carts/{id}/order`). The
    /// `idempotencyKey` makes a retry safe: the same key answers the same orders.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        cart_id: CartId,
        version: u64,
        idempotency_key: String,
        details: Option<PlaceInput>,
    ) -> Result<PlacedOrders> {
        let call = Call::new(Method::POST, format!("/carts/{cart_id}/order"))
            .version(Some(version))
            .idempotency_key(&idempotency_key)
            .body(details.unwrap_or_default());
        let answer = rest::send(Ctx::of(ctx), call).await?;
        let orders: Vec<Order> = answer_as(answer["orders"].clone())?;
        Ok(PlacedOrders {
            orders: orders
                .into_iter()
                .map(|o| OrderNode::of(Arc::new(o)))
                .collect(),
            cart_id,
            cart_version: answer["cart"]["version"].as_u64().unwrap_or_default(),
        })
    }

    /// Approves an order waiting for approval (`POST /orders/{id}/approve`).
    async fn approve_order(
        &self,
        ctx: &Context<'_>,
        id: OrderId,
        version: u64,
        note: Option<String>,
    ) -> Result<OrderNode> {
        act_on_order(ctx, &id, "approve", version, note).await
    }

    /// Rejects an order waiting for approval (`POST /orders/{id}/reject`).
    async fn reject_order(
        &self,
        ctx: &Context<'_>,
        id: OrderId,
        version: u64,
        note: Option<String>,
    ) -> Result<OrderNode> {
        act_on_order(ctx, &id, "reject", version, note).await
    }

    /// Cancels a portal order the ERP has not received (`POST /orders/{id}/cancel`).
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        id: OrderId,
        version: u64,
        note: Option<String>,
    ) -> Result<OrderNode> {
        act_on_order(ctx, &id, "cancel", version, note).await
    }

    /// An account's checkout rules (`PUT /accounts/{id}/checkout-settings`).
    async fn set_checkout_settings(
        &self,
        ctx: &Context<'_>,
        account: AccountId,
        version: u64,
        settings: CheckoutSettingsInput,
    ) -> Result<CheckoutSettings> {
        let call = Call::new(
            Method::PUT,
            format!("/accounts/{account}/checkout-settings"),
        )
        .version(Some(version))
        .body(settings);
        answer_as(rest::send(Ctx::of(ctx), call).await?)
    }

    /// A buyer's monthly spending limit; `null` removes it
    /// (`PUT /accounts/{id}/spending-limits/{user_id}`).
    async fn set_spending_limit(
        &self,
        ctx: &Context<'_>,
        account: AccountId,
        user_id: UserId,
        monthly_limit: Option<Decimal>,
    ) -> Result<SpendingLimits> {
        #[derive(Serialize)]
        struct Limit {
            monthly_limit: Option<Decimal>,
        }
        let call = Call::new(
            Method::PUT,
            format!(
                "/accounts/{account}/spending-limits/{}",
                segment(user_id.as_str())
            ),
        )
        .body(Limit { monthly_limit });
        answer_as(rest::send(Ctx::of(ctx), call).await?)
    }
}

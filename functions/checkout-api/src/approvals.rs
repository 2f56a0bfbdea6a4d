//! The approval queue and approvers' decisions.

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Utc;
use portal_domain::approvals::Decision;
use portal_domain::events::{OrderEvent, OrderEventType};
use portal_domain::model::{Order, OrderStatus, StatusChange};
use portal_domain::{AccountId, OrderId};
use portal_http::{ApiError, ApiResult, AppState, Caller, List, ListResponse, Path, RawBody};
use portal_store::{Decided, DecisionWrite, PendingApproval, SpendChange};
use serde::Deserialize;

/// The longest note, in characters.
const MAX_NOTE: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueQuery {
    account: Option<String>,
}

pub(crate) async fn queue(
    State(state): State<AppState>,
    List {
        principal,
        query: q,
        mut paging,
    }: List<QueueQuery>,
) -> ApiResult<ListResponse<PendingApproval>> {
    let requested = portal_http::parse_opt("account", q.account.as_deref(), AccountId::parse)?;
    let account = principal.account_for(requested.as_ref())?;
    let page = state
        .store
        .pending_approvals(&account, paging.limit, paging.after.take())
        .await?;
    Ok(paging.respond(page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    version: Option<u64>,
    note: Option<String>,
}

pub(crate) async fn approve(
    state: State<AppState>,
    caller: Caller,
    id: Path<String>,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Order> {
    decide(state, caller, id, headers, body, true).await
}

pub(crate) async fn reject(
    state: State<AppState>,
    caller: Caller,
    id: Path<String>,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Order> {
    decide(state, caller, id, headers, body, false).await
}

async fn decide(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
    approved: bool,
) -> ApiResult<Order> {
    let body: DecisionBody = portal_http::optional_json(&body)?;
    let version = portal_http::version_of(&headers, body.version)?;
    if body
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(ApiError::invalid_parameter(
            "note",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    let id = OrderId::parse(&id)?;
    let store = &state.store;
    {
        let order = store
            .order(&principal, &id)
            .await?
            .ok_or(ApiError::NotFound("order"))?;
        if !principal.role.may_approve() {
            return Err(ApiError::Forbidden {
                code: "forbidden",
                detail: format!(
                    "a {} does not decide on orders: approvers do",
                    principal.role
                ),
            });
        }
        let Some(placed) = order
            .placed
            .clone()
            .filter(|_| order.summary.status == OrderStatus::PendingApproval)
        else {
            return Err(ApiError::Conflict {
                code: "not-pending",
                detail: format!("order {id} is not waiting for approval"),
            });
        };
        if placed.version != version {
            return Err(ApiError::VersionConflict {
                what: "order",
                current: placed.version,
            });
        }
        if placed.by == principal.user_id {
            return Err(ApiError::Forbidden {
                code: "self-approval",
                detail: format!("order {id} was placed by you: another approver decides on it"),
            });
        }
        let now = Utc::now();
        let status = if approved {
            OrderStatus::Submitted
        } else {
            OrderStatus::Rejected
        };
        let mut decided = order.clone();
        decided.summary.status = status;
        decided.status_history.push(StatusChange {
            status,
            at: now,
            note: body.note.clone(),
        });
        let mut placed_now = placed.clone();
        placed_now.version += 1;
        if let Some(approval) = &mut placed_now.approval {
            approval.decision = Some(Decision {
                by: principal.user_id.clone(),
                at: now,
                approved,
                note: body.note.clone(),
            });
        }
        decided.placed = Some(placed_now);
        let event_type = if approved {
            OrderEventType::Approved
        } else {
            OrderEventType::Rejected
        };
        let event = OrderEvent {
            id: OrderEvent::id_of(&id, placed.version + 1, event_type),
            event_type,
            order_id: id.clone(),
            account_id: order.summary.account_id.clone(),
            order_version: placed.version + 1,
            status,
            total: order.summary.totals.gross,
            currency: order.summary.currency,
            correlation_id: format!("{}:{}", principal.user_id, event_type.as_str()),
            occurred_at: now,
        };
        // An approved order counts towards its buyer's month (the approver decided knowing
        // the limit: the amount is added whatever the spend is now).
        let spend = approved.then(|| SpendChange {
            account_id: order.summary.account_id.clone(),
            user: placed.by.clone(),
            month: now.format("%Y-%m").to_string(),
            add: order.summary.totals.gross,
            read: None,
        });
        let written = store
            .decide(DecisionWrite {
                order: &decided,
                read_version: placed.version,
                event: &event,
                spend,
            })
            .await?;
        match written {
            Decided::Written => Ok(axum::Json(decided)),
            Decided::OrderChanged => {
                let current = store
                    .order(&principal, &id)
                    .await?
                    .and_then(|o| o.placed)
                    .map_or(version, |p| p.version);
                Err(ApiError::VersionConflict {
                    what: "order",
                    current,
                })
            }
        }
    }
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Order> {
    let body: DecisionBody = portal_http::optional_json(&body)?;
    let version = portal_http::version_of(&headers, body.version)?;
    let id = OrderId::parse(&id)?;
    let store = &state.store;
    let order = store
        .order(&principal, &id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    if !principal.role.may_place_orders() {
        return Err(ApiError::Forbidden {
            code: "forbidden",
            detail: format!(
                "a {} does not cancel orders: the account's buyers do",
                principal.role
            ),
        });
    }
    let was = order.summary.status;
    let Some(placed) = order
        .placed
        .clone()
        .filter(|_| matches!(was, OrderStatus::PendingApproval | OrderStatus::Submitted))
    else {
        return Err(ApiError::Conflict {
            code: "not-cancellable",
            detail: format!(
                "order {id} is {}: only an order placed in the portal that the ERP has not \
                 received yet is cancelled here (ask the seller for the others)",
                was.as_str()
            ),
        });
    };
    if placed.version != version {
        return Err(ApiError::VersionConflict {
            what: "order",
            current: placed.version,
        });
    }
    let now = Utc::now();
    let mut cancelled = order.clone();
    cancelled.summary.status = OrderStatus::Cancelled;
    cancelled.status_history.push(StatusChange {
        status: OrderStatus::Cancelled,
        at: now,
        note: body.note.clone(),
    });
    let mut placed_now = placed.clone();
    placed_now.version += 1;
    cancelled.placed = Some(placed_now);
    let event = OrderEvent {
        id: OrderEvent::id_of(&id, placed.version + 1, OrderEventType::Cancelled),
        event_type: OrderEventType::Cancelled,
        order_id: id.clone(),
        account_id: order.summary.account_id.clone(),
        order_version: placed.version + 1,
        status: OrderStatus::Cancelled,
        total: order.summary.totals.gross,
        currency: order.summary.currency,
        correlation_id: format!(
            "{}:{}",
            principal.user_id,
            OrderEventType::Cancelled.as_str()
        ),
        occurred_at: now,
    };
    // A released order counted towards its buyer's month; cancelled, it no longer does.
    let spend = (was == OrderStatus::Submitted).then(|| SpendChange {
        account_id: order.summary.account_id.clone(),
        user: placed.by.clone(),
        month: placed.at.format("%Y-%m").to_string(),
        add: -order.summary.totals.gross,
        read: None,
    });
    match store
        .decide(DecisionWrite {
            order: &cancelled,
            read_version: placed.version,
            event: &event,
            spend,
        })
        .await?
    {
        Decided::Written => Ok(axum::Json(cancelled)),
        Decided::OrderChanged => {
            let current = store
                .order(&principal, &id)
                .await?
                .and_then(|o| o.placed)
                .map_or(version, |p| p.version);
            Err(ApiError::VersionConflict {
                what: "order",
                current,
            })
        }
    }
}

//! The approval queue and approvers' decisions.

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Utc;
use portal_domain::OrderId;
use portal_domain::approvals::Decision;
use portal_domain::events::{OrderEvent, OrderEventType};
use portal_domain::model::{Order, OrderStatus, StatusChange};
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
    let account = portal_http::account_param(&principal, q.account.as_deref())?;
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

/// A decision's or a cancellation's request: its body, the version it names and the order
/// (404 when the caller does not see it).
async fn read_request(
    state: &AppState,
    principal: &portal_domain::Principal,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(DecisionBody, u64, Order), ApiError> {
    let body: DecisionBody = portal_http::optional_json(body)?;
    let version = portal_http::version_of(headers, body.version)?;
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
    let id = OrderId::parse(id)?;
    let order = state
        .store
        .order(principal, &id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok((body, version, order))
}

async fn decide(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
    approved: bool,
) -> ApiResult<Order> {
    let (body, version, order) = read_request(&state, &principal, &id, &headers, &body).await?;
    let id = &order.summary.id;
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
    let (status, event_type) = if approved {
        (OrderStatus::Submitted, OrderEventType::Approved)
    } else {
        (OrderStatus::Rejected, OrderEventType::Rejected)
    };
    let decision = Decision {
        by: principal.user_id.clone(),
        at: now,
        approved,
        note: body.note.clone(),
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
    let change = Change {
        status,
        event_type,
        note: body.note,
        decision: Some(decision),
        spend,
    };
    write(&state, &principal, &order, &placed, change).await
}

/// What a decision or a cancellation does to an order placed in the portal.
struct Change {
    status: OrderStatus,
    event_type: OrderEventType,
    note: Option<String>,
    decision: Option<Decision>,
    spend: Option<SpendChange>,
}

/// Writes `change` to `order` (read at `placed.version`): its status and history, its next
/// version, its event and the spend, in one transaction; 409 if it changed since it was read.
async fn write(
    state: &AppState,
    principal: &portal_domain::Principal,
    order: &Order,
    placed: &portal_domain::model::Placed,
    change: Change,
) -> ApiResult<Order> {
    let now = Utc::now();
    let id = &order.summary.id;
    let mut changed = order.clone();
    changed.summary.status = change.status;
    changed.status_history.push(StatusChange {
        status: change.status,
        at: now,
        note: change.note,
    });
    let mut placed_now = placed.clone();
    placed_now.version += 1;
    if let (Some(approval), Some(decision)) = (&mut placed_now.approval, change.decision) {
        approval.decision = Some(decision);
    }
    changed.placed = Some(placed_now);
    let event = OrderEvent {
        id: OrderEvent::id_of(id, placed.version + 1, change.event_type),
        event_type: change.event_type,
        order_id: id.clone(),
        account_id: order.summary.account_id.clone(),
        order_version: placed.version + 1,
        status: change.status,
        total: order.summary.totals.gross,
        currency: order.summary.currency,
        correlation_id: format!("{}:{}", principal.user_id, change.event_type.as_str()),
        occurred_at: now,
    };
    let written = state
        .store
        .decide(DecisionWrite {
            order: &changed,
            read_version: placed.version,
            event: &event,
            spend: change.spend,
        })
        .await?;
    match written {
        Decided::Written => Ok(axum::Json(changed)),
        Decided::OrderChanged => {
            let current = state
                .store
                .order(principal, id)
                .await?
                .and_then(|o| o.placed)
                .map_or(placed.version, |p| p.version);
            Err(ApiError::VersionConflict {
                what: "order",
                current,
            })
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
    let (body, version, order) = read_request(&state, &principal, &id, &headers, &body).await?;
    let id = &order.summary.id;
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
    // A released order counted towards its buyer's month; cancelled, it no longer does.
    let spend = (was == OrderStatus::Submitted).then(|| SpendChange {
        account_id: order.summary.account_id.clone(),
        user: placed.by.clone(),
        month: placed.at.format("%Y-%m").to_string(),
        add: -order.summary.totals.gross,
        read: None,
    });
    let change = Change {
        status: OrderStatus::Cancelled,
        event_type: OrderEventType::Cancelled,
        note: body.note,
        decision: None,
        spend,
    };
    write(&state, &principal, &order, &placed, change).await
}

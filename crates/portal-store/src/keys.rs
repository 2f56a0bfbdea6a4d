//! The single-table key design, and every access pattern against it.
//!
//! One table, `PK`/`SK`, and two overloaded global secondary indexes `GSI1` (`GSI1PK`/`GSI1SK`)
//! and `GSI2` (`GSI2PK`/`GSI2SK`), both projecting all attributes. Identifiers cannot contain `#`
//! (see `portal_domain::ids`), so the composite keys below never collide; `~` (`HIGH`) sorts after
//! every identifier character and closes ranges. The items and access patterns listed here and
//! the functions below change together.
//!
//! # Items
//!
//! | item | PK | SK | GSI1PK / GSI1SK | GSI2PK / GSI2SK |
//! |---|---|---|---|---|
//! | account | `ACCOUNT#<id>` | `#META` | `ACCOUNTS` / `<id>` | |
//! | user | `USER#<sub>` | `#META` | `ACCOUNT#<id>#USERS` / `<sub>` (customers) | |
//! | an account naming a manager (written with the account) | `USER#<manager>` | `ASSIGNED#<account>` | | |
//! | division | `SELLER` | `DIVISION#<id>` | | |
//! | product | `PRODUCT#<sku>` | `#META` | `CATALOG#<division>` / `SKU#<sku>` | |
//! | product name word | `PRODUCT#<sku>` | `WORD#<word>` | `CATALOG#<division>` / `WORD#<word>#<sku>` | |
//! | order (lines and history inside) | `ORDER#<id>` | `#META` | `ACCOUNT#<id>#ORDERS` / `<date>#<order>` | `ACCOUNT#<id>#PO` / `<PO upper>#<order>` |
//! | shipment (events inside) | `SHIPMENT#<id>` | `#META` | `ORDER#<order>` / `SHIPMENT#<id>` | `TRACKING#<number>` / `SHIPMENT#<id>` |
//! | invoice, credit note | `INVOICE#<id>` | `#META` | `ACCOUNT#<id>#INVOICES` / `<issue date>#<id>` | `ACCOUNT#<id>#UNPAID` / `<due date>#<id>` (only while unpaid) |
//! | document | `DOCUMENT#<id>` | `#META` | `ORDER#<order>` or `PRODUCT#<sku>` / `DOCUMENT#<id>` | `BATCH#<batch>` / `DOCUMENT#<id>` |
//! | served analytics run (pointer) | `ANALYTICS` | `CURRENT` | | |
//! | staged analytics run, listed until retired | `ANALYTICS` | `RUN#<staged at>#<run>` | | |
//! | analytics run (report inside) | `RUN#<run>` | `#META` | | |
//! | reorder suggestion | `RUN#<run>#ACCOUNT#<id>` | `REORDER#<status rank>#<10000·(1-p), 5 digits>#<sku>` | | |
//! | account outlook | `RUN#<run>#OUTLOOKS` | `ACCOUNT#<id>` | | |
//! | SKU forecast (periods inside) | `RUN#<run>#FORECASTS` | `SKU#<sku>#-` (total) or `SKU#<sku>#<division>` | `RUN#<run>#FORECASTS#DIVISION#<division or ->` / `SKU#<sku>` | |
//! | orphans: children waiting for their order or shipment (TTL `expires_at`: 90 days after their last write) | `ORDER#<id>` or `SHIPMENT#<id>` | `#ORPHANS` | | |
//! | pushed request (hash, state, answer; TTL `expires_at`) | `REQUEST#<machine user>#<idempotency key>` | `#META` | | |
//! | the portal's order numbers of a year (`n`) | `SEQUENCE#ORDERS#<year>` | `#META` | | |
//! | an order event for the ERP (outbox: the stream publishes it; TTL `expires_at`) | `EVENT#<order>.<version>.<what>` | `#META` | `OUTBOX#EVENTS#<day>` / `<time>#<event>` | |
//! | an account's checkout rules | `CHECKOUT#<account>` | `SETTINGS` | | |
//! | a buyer's monthly spending limit | `CHECKOUT#<account>` | `LIMIT#<user>` | | |
//! | a buyer's spend in a month (TTL `expires_at`) | `CHECKOUT#<account>` | `SPEND#<user>#<YYYY-MM>` | | |
//! | an order waiting for approval | `APPROVALS#<account>` | `<placed at>#<order>` | | |
//! | cart (lines inside) | `CART#<id>` | `#META` | `ACCOUNT#<id>#CARTS` / `<updated at>#<cart>` | |
//! | price list | `PRICELIST#<id>` | `#META` | | |
//! | a SKU's price on a list (tiers inside) | `PRICE#<list>#<sku>` | `#META` | | |
//! | a list's assignment (priority inside) | `PRICING#<ACCOUNT, GROUP or DIVISION>#<id>#LIST#<list>` | `#META` | `PRICING#<ACCOUNT, GROUP or DIVISION>#<id>` / `<list>` | |
//! | a SKU's quantity rule | `QUANTITY#<sku>` | `#META` | | |
//! | lake outbox marker (the order's revision) | `OUTBOX#LAKE#<00..15, hash of the order id>` | `ORDER#<id>` | | |
//!
//! Records written by ingest carry two more attributes that no read path shows: `source_versions`
//! (the source's version of each part: `#` for the record, `line#10`, `status#<at>#<status>`,
//! `event#<at>#<status>`, `payment`) and `revision` (grows with every write; absent means 0); see
//! the `upsert` module.
//!
//! Document files are S3 objects in the documents bucket (`document_object`): `documents/<id>`
//! (demo data), or `documents/<id>@<file revision>` for files ingest stored, the revision being a
//! digest of the file's bytes and of the row that brought them, kept on the record
//! (`Document::file_revision`). Each version of a file is its own object, so storing a file
//! before its record's conditional write never replaces the file a live record names, whichever
//! writer wins; a corrected file with the same metadata is a change of its own. Once the record
//! names the new file, ingest deletes the object of the one it replaced: no record can name that
//! object again, since a file brought back later gets a new revision.
//!
//! # Access patterns
//!
//! Every request-path read is one of these. No `Scan` anywhere. The crate's module doc says how
//! the work of one request is bounded.
//!
//! | pattern | route | operation | key condition (filter) |
//! |---|---|---|---|
//! | user record of a token's subject | every route (cached 60 s) | GetItem | `USER#<sub>`, `#META` (+ GetItem of the account for a customer's divisions; + Query `USER#<sub>`, begins_with `ASSIGNED#` for an account manager, except on the push API, which refuses people from the record alone) |
//! | an account | `/accounts/{id}` | GetItem | `ACCOUNT#<id>`, `#META` |
//! | accounts of a customer / manager | `/accounts` | BatchGetItem | their account ids |
//! | all accounts (admin) | `/accounts` | Query GSI1 | `ACCOUNTS` |
//! | order history | `/orders` | Query GSI1, newest first | `ACCOUNT#<id>#ORDERS`, SK between `<from>` and `<to>~` (status IN, `contains(skus, sku)`) |
//! | orders by PO prefix | `/orders?po=` | Query GSI2, newest first | `ACCOUNT#<id>#PO`, begins_with `<PO upper>` (status, date, sku) |
//! | one order | `/orders/{id}`, line certificates | GetItem | `ORDER#<id>`, `#META` |
//! | an order's owner | shipments and documents of an order | GetItem (projection `account_id`) | `ORDER#<id>`, `#META` |
//! | an order's shipments | `/orders/{id}/shipments` (paged, 100 by default) | Query GSI1 | `ORDER#<id>`, begins_with `SHIPMENT#` |
//! | one shipment | `/shipments/{id}` | GetItem | `SHIPMENT#<id>`, `#META` |
//! | shipments by tracking number | `/shipments?tracking_number=` (paged, 100 by default) | Query GSI2 | `TRACKING#<number>` (account_id = or IN the caller's accounts) |
//! | invoices, newest first | `/invoices`, `?status=paid` | Query GSI1 | `ACCOUNT#<id>#INVOICES`, SK between dates (`payment = paid`) |
//! | unpaid / open / overdue invoices | `/invoices?status=` | Query GSI2 | `ACCOUNT#<id>#UNPAID`, SK `>= today` (open) or `< today` (overdue) |
//! | open balance | `/invoices/balance` | Query GSI2 (at most 5,000 items, projected) | `ACCOUNT#<id>#UNPAID` |
//! | one invoice | `/invoices/{id}` | GetItem | `INVOICE#<id>`, `#META` |
//! | one document | `/documents/{id}`, `/download` | GetItem (+ GetItem of the product for product documents) | `DOCUMENT#<id>`, `#META` |
//! | an order's documents | `/orders/{id}/documents` (paged, 100 by default) | Query GSI1 | `ORDER#<id>`, begins_with `DOCUMENT#` |
//! | a product's certificates | `/products/{sku}/certificates` (paged, 100 by default) | Query GSI1 | `PRODUCT#<sku>`, begins_with `DOCUMENT#` (kind IN certificates; audience the product's or delivered to one of the caller's accounts) |
//! | an order line's certificates | `/orders/{id}/lines/{n}/certificates` (paged, 100 by default) | GetItem of the order; Query GSI2 (first page, at most 100) + Query GSI1 | `BATCH#<line's batch>`; `PRODUCT#<sku>`, begins_with `DOCUMENT#` (kind IN certificates, audience the product's) |
//! | a batch's certificates | `/certificates?batch=` | Query GSI2 | `BATCH#<batch>` |
//! | one product | `/products/{sku}` | GetItem | `PRODUCT#<sku>`, `#META` |
//! | divisions | `/products` | Query | `SELLER`, begins_with `DIVISION#` |
//! | catalog by SKU prefix | `/products?sku_prefix=` | Query GSI1 per visible division | `CATALOG#<division>`, begins_with `SKU#<prefix>` |
//! | catalog by name | `/products?name=` | Query GSI1 per visible division | `CATALOG#<division>`, begins_with `WORD#<first word>` (`contains(name_lc, other words)`) |
//! | the served run | every insights route | GetItem | `ANALYTICS`, `CURRENT` (run id and as-of) |
//! | the served run's report | `/analytics/run` | GetItem | then `RUN#<run>`, `#META` |
//! | an account's suggestions | `/reorder-suggestions`, `/worklist` | Query | `RUN#<run>#ACCOUNT#<id>`, begins_with `REORDER#` (status IN) |
//! | outlooks of some accounts | `/worklist` (customer, manager), `/reorder-suggestions` (staff: whether the account is at risk) | BatchGetItem | `RUN#<run>#OUTLOOKS`, `ACCOUNT#<id>` |
//! | every account's outlook | `/worklist` (admin) | Query | `RUN#<run>#OUTLOOKS` |
//! | SKU forecasts | `/forecasts` | Query | `RUN#<run>#FORECASTS`, begins_with `SKU#<prefix>`; with `division`: Query GSI1 `RUN#<run>#FORECASTS#DIVISION#<d>` (runs published before it: the base query, filtered) |
//! | one SKU's forecasts | `/forecasts/{sku}` | Query | `RUN#<run>#FORECASTS`, begins_with `SKU#<sku>#` |
//! | a buyer's price data | `POST /prices`, `/prices/{sku}/explain`, `/products/{sku}` | GetItem of the account; Query GSI1 per assignee, BatchGetItem of products and rules, then of the lists, then of their prices | `PRICING#ACCOUNT#<id>`, `PRICING#GROUP#<g>` per group, `PRICING#DIVISION#<d>` per division; `PRODUCT#<sku>`, `QUANTITY#<sku>`; `PRICELIST#<id>`; `PRICE#<list>#<sku>` (only lists of the SKU's division in the account's currency) |
//! | one cart | `/carts/{id}` and its writes | GetItem (owner or shared), then PutItem or DeleteItem if `version` is still the one read | `CART#<id>`, `#META` |
//! | place a cart | `POST /carts/{id}/order` | UpdateItem ADD per order number; then TransactWriteItems: Put each order (`attribute_not_exists`: its number's guard), Put the cart (`version` still the one read), Put each event, Put the request's answer (`claim` still the call's) | `SEQUENCE#ORDERS#<year>`; `ORDER#<id>`, `CART#<id>`, `EVENT#<id>`, `REQUEST#<user>#<key>` |
//! | checkout rules, spending limits | `/accounts/{id}/checkout-settings`, `/accounts/{id}/spending-limits` | GetItem, Query (begins_with `LIMIT#`), PutItem (rules at the version read), DeleteItem | `CHECKOUT#<account>` |
//! | the approval queue | `/approvals` | Query | `APPROVALS#<account>` |
//! | decide on an order | `POST /orders/{id}/approve`, `/reject` | TransactWriteItems: Put the order (`placed.version` still the one read), Delete its queue entry, Put its event, Put the placer's spend (still as read) | `ORDER#<id>`, `APPROVALS#<account>`, `EVENT#<id>`, `CHECKOUT#<account>` |
//! | an account's carts | `/carts` | Query GSI1, newest change first | `ACCOUNT#<id>#CARTS` (owner = caller OR shared) |
//! | objects by id for the graph (orders, products, invoices, accounts) | `/graphql` nested fields | BatchGetItem, 100 keys a call, per kind and request | their `#META` items (scoped after reading) |
//! | many orders' shipments or documents, many products' certificates | `/graphql` nested lists | Query GSI1 per parent, 16 in flight, first page each | as the one-parent patterns above (no owner look-up: the parents were read, each child is still scoped) |
//! | claim an idempotency key | `POST /integration/{entity}` | PutItem if absent or expired; else consistent GetItem, then PutItem over a failed or lapsed claim of the same request (if still that claim) | `REQUEST#<user>#<key>`, `#META` |
//! | store a push's answer / mark it failed | `POST /integration/{entity}` | PutItem if the call's claim token still holds | `REQUEST#<user>#<key>`, `#META` |
//! | clear a push's lake-outbox markers | `POST /integration/{entity}` | DeleteItem if the marker's revision is not newer | `OUTBOX#LAKE#<n>`, `ORDER#<id>` |
//! | drain the lake outbox (batch job, not a request) | analytics plan | Query each of 16 partitions, BatchGetItem the orders, DeleteItem as above | `OUTBOX#LAKE#<n>` |
//! | retire the runs no one serves (batch job, not a request) | analytics publish | Query the list, then BatchWriteItem deletes of each retired run's items and list entry | `ANALYTICS`, begins_with `RUN#` |
//!
//! Ingest (files, and the push API per batch) reads the records a chunk touches with
//! `BatchGetItem` (`#META`, and `#ORPHANS` of orders and shipments) and writes them with
//! `TransactWriteItems`: `Put` conditional on `revision` (or `attribute_not_exists(PK)`), `Delete`
//! of folded orphans and of a renamed product's old name words, `ConditionCheck` that a parent is
//! still missing before orphans are written.

use portal_domain::pricing::Assignee;
use portal_domain::{
    AccountId, BatchId, CartId, DivisionId, DocumentId, IdempotencyKey, InvoiceId, OrderId,
    PriceListId, ShipmentId, Sku, TrackingNumber, UserId,
};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// The attribute naming an item's entity type, for humans reading the table.
pub const ENTITY: &str = "entity";

/// The sort key of an entity's main item.
pub const META: &str = "#META";

/// A secondary index of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Gsi1,
    Gsi2,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1",
            Index::Gsi2 => "GSI2",
        }
    }

    pub fn attributes(self) -> (&'static str, &'static str) {
        match self {
            Index::Gsi1 => (GSI1PK, GSI1SK),
            Index::Gsi2 => (GSI2PK, GSI2SK),
        }
    }
}

/// Where an item lives and how it is indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    pub entity: &'static str,
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
}

/// The character that sorts after every identifier character, closing key ranges.
pub const HIGH: char = '~';

pub fn account(id: &AccountId) -> String {
    format!("ACCOUNT#{id}")
}
/// The pointer item naming the analytics run the API serves.
pub fn analytics_pointer() -> (&'static str, &'static str) {
    ("ANALYTICS", "CURRENT")
}
/// The sort keys of the list of staged runs, in the pointer's partition.
pub const LISTED_RUNS: &str = "RUN#";
/// A staged run's entry in that list, in the order runs were staged.
pub fn listed_run(staged_at: &chrono::DateTime<chrono::Utc>, run_id: &str) -> String {
    format!(
        "{LISTED_RUNS}{}#{run_id}",
        staged_at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}
/// A request pushed by a back-end system, under its idempotency key.
pub fn pushed_request(caller: &UserId, key: &IdempotencyKey) -> String {
    format!("REQUEST#{caller}#{key}")
}
/// An analytics run's own item.
pub fn run(run_id: &str) -> String {
    format!("RUN#{run_id}")
}
/// An account's reorder suggestions in a run.
pub fn run_account(run_id: &str, account: &AccountId) -> String {
    format!("RUN#{run_id}#ACCOUNT#{account}")
}
/// Every account's outlook in a run.
pub fn run_outlooks(run_id: &str) -> String {
    format!("RUN#{run_id}#OUTLOOKS")
}
/// Every SKU forecast in a run.
pub fn run_forecasts(run_id: &str) -> String {
    format!("RUN#{run_id}#FORECASTS")
}
/// The forecasts of one division in a run (GSI1), `-` for the SKUs' totals.
pub fn run_division_forecasts(run_id: &str, division: Option<&DivisionId>) -> String {
    format!(
        "RUN#{run_id}#FORECASTS#DIVISION#{}",
        division.map_or("-", DivisionId::as_str)
    )
}
/// A SKU forecast's sort key: `-` (before any division id) for the SKU's total.
pub fn forecast(sku: &Sku, division: Option<&DivisionId>) -> String {
    format!("SKU#{sku}#{}", division.map_or("-", DivisionId::as_str))
}
pub fn accounts_list() -> &'static str {
    "ACCOUNTS"
}
pub fn account_users(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#USERS")
}
pub fn account_orders(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#ORDERS")
}
pub fn account_po(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#PO")
}
pub fn account_invoices(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#INVOICES")
}
pub fn account_unpaid(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#UNPAID")
}
pub fn user(id: &UserId) -> String {
    format!("USER#{id}")
}
/// The sort key, under an account manager's `USER#<id>`, of an account that names them.
pub fn assignment(account: &AccountId) -> String {
    format!("{ASSIGNED}{account}")
}
/// The prefix of assignment sort keys.
pub const ASSIGNED: &str = "ASSIGNED#";
pub fn seller() -> &'static str {
    "SELLER"
}
pub fn division(id: &DivisionId) -> String {
    format!("DIVISION#{id}")
}
pub fn product(sku: &Sku) -> String {
    format!("PRODUCT#{sku}")
}
pub fn catalog(division: &DivisionId) -> String {
    format!("CATALOG#{division}")
}
pub fn catalog_sku(sku: &str) -> String {
    format!("SKU#{sku}")
}
pub fn catalog_word(word: &str) -> String {
    format!("WORD#{word}")
}
pub fn order(id: &OrderId) -> String {
    format!("ORDER#{id}")
}
pub fn shipment(id: &ShipmentId) -> String {
    format!("SHIPMENT#{id}")
}
pub fn tracking(number: &TrackingNumber) -> String {
    format!("TRACKING#{number}")
}
pub fn invoice(id: &InvoiceId) -> String {
    format!("INVOICE#{id}")
}
pub fn document(id: &DocumentId) -> String {
    format!("DOCUMENT#{id}")
}
pub fn batch(id: &BatchId) -> String {
    format!("BATCH#{id}")
}
/// The S3 object key of a document's file: `documents/<id>`, or `documents/<id>@<revision>`
/// for a file stored with its revision (ids hold no `@`, so keys never collide, and neither is
/// a prefix folder of the other).
/// The counter of the portal's order numbers of a year.
pub fn order_sequence(year: i32) -> String {
    format!("SEQUENCE#ORDERS#{year}")
}
/// An order event waiting in the outbox for its publisher.
pub fn order_event(id: &str) -> String {
    format!("EVENT#{id}")
}
/// An account's checkout data: its rules (`SETTINGS`), its buyers' limits (`LIMIT#<user>`)
/// and monthly spend (`SPEND#<user>#<month>`).
pub fn checkout(account: &AccountId) -> String {
    format!("CHECKOUT#{account}")
}
/// The sort key of an account's checkout rules.
pub const SETTINGS: &str = "SETTINGS";
/// The prefix of buyers' spending limits.
pub const LIMITS: &str = "LIMIT#";
pub fn limit(user: &UserId) -> String {
    format!("{LIMITS}{user}")
}
/// A buyer's spend in a month (`YYYY-MM`).
pub fn spend(user: &UserId, month: &str) -> String {
    format!("SPEND#{user}#{month}")
}
/// An account's queue of orders waiting for approval.
pub fn approvals(account: &AccountId) -> String {
    format!("APPROVALS#{account}")
}
/// An order's place in its account's approval queue: oldest first.
pub fn pending_approval(placed_at: &chrono::DateTime<chrono::Utc>, order: &OrderId) -> String {
    format!("{}#{order}", placed_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}
/// The outbox's events of a day, by when they happened (`GSI1`).
pub fn outbox_events(day: chrono::NaiveDate) -> String {
    format!("OUTBOX#EVENTS#{day}")
}
/// An event's place among its day's.
pub fn outbox_event(at: &chrono::DateTime<chrono::Utc>, id: &str) -> String {
    format!("{}#{id}", at.format("%H:%M:%S%.6f"))
}
/// A cart.
pub fn cart(id: &CartId) -> String {
    format!("CART#{id}")
}
/// An account's carts (`GSI1`).
pub fn account_carts(id: &AccountId) -> String {
    format!("ACCOUNT#{id}#CARTS")
}
/// A price list's own item.
pub fn price_list(id: &PriceListId) -> String {
    format!("PRICELIST#{id}")
}
/// A SKU's price on a list.
pub fn price(list: &PriceListId, sku: &Sku) -> String {
    format!("PRICE#{list}#{sku}")
}
/// The partition of the lists assigned to an account, a group or a division (`GSI1`).
pub fn price_assignee(to: &Assignee) -> String {
    match to {
        Assignee::Account(id) => format!("PRICING#ACCOUNT#{id}"),
        Assignee::Group(id) => format!("PRICING#GROUP#{id}"),
        Assignee::Division(id) => format!("PRICING#DIVISION#{id}"),
    }
}
/// One assignment's own item.
pub fn price_assignment(to: &Assignee, list: &PriceListId) -> String {
    format!("{}#LIST#{list}", price_assignee(to))
}
/// A SKU's quantity rule.
pub fn quantity_rule(sku: &Sku) -> String {
    format!("QUANTITY#{sku}")
}
pub fn document_object(id: &DocumentId, revision: Option<&str>) -> String {
    match revision {
        None => format!("documents/{id}"),
        Some(revision) => format!("documents/{id}@{revision}"),
    }
}

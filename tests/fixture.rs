//! The fixture world. Account A (`ACC-A`, division HYD) is the caller's; account B (`ACC-B`,
//! divisions FAS and HYD) is the foreign one. Every object of B is named in [`FOREIGN_MARKERS`],
//! so a test can check that no response to A's users mentions any of them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use portal_domain::carts::{Cart, CartLine, CartOrigin, CartStatus, Checkout};
use portal_domain::insights::{
    AccountOutlook, AccountSilence, AnalyticsRun, PeriodActual, PeriodForecast, ReorderStatus,
    ReorderSuggestion, SkuForecast,
};
use portal_domain::model::{
    Account, Address, Division, Document, DocumentAudience, DocumentKind, DocumentLinks, Invoice,
    InvoiceKind, LineStatus, Order, OrderLine, OrderStatus, OrderSummary, PaymentState, Product,
    Shipment, ShipmentStatus, StatusChange, Totals, TrackingEvent, User,
};
use portal_domain::pricing::{
    Assignee, Level, Price, PriceList, PriceListAssignment, PriceSource, QuantityRule, Tier, Tiers,
};
use portal_domain::records::Record;
use portal_domain::{AccountId, BatchId, Currency, OrderId, PoNumber, Role, Sku, TrackingNumber};
use portal_store::{RunItems, Store};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub const ACCOUNT_A: &str = "ACC-A";
pub const ACCOUNT_B: &str = "ACC-B";

/// Users of account A, one per customer role.
pub const A_VIEWER: &str = "a-viewer";
pub const A_BUYER: &str = "a-buyer";
pub const A_APPROVER: &str = "a-approver";
/// A second approver of A (two approvers race on one order).
pub const A_APPROVER_2: &str = "a-approver-2";
pub const A_ACCOUNT_ADMIN: &str = "a-account-admin";
pub const B_BUYER: &str = "b-buyer";
pub const B_APPROVER: &str = "b-approver";
/// The account manager assigned to A only, and the one assigned to B only.
pub const MANAGER_A: &str = "manager-a";
pub const MANAGER_B: &str = "manager-b";
/// The seller's admin.
pub const ADMIN: &str = "admin";
/// A user whose token is valid but whom the portal does not know.
pub const STRANGER: &str = "stranger";
/// A back-end system's machine user: reads nothing.
pub const INTEGRATION: &str = "erp-integration";
/// A second back-end system (a CRM), with idempotency keys of its own.
pub const INTEGRATION_CRM: &str = "crm-integration";

/// Everyone who may see account A and nothing of B.
pub const A_SIDE: [&str; 5] = [A_VIEWER, A_BUYER, A_APPROVER, A_ACCOUNT_ADMIN, MANAGER_A];

/// A's order with a shipment, documents and a certified batch; B's likewise.
pub const ORDER_A: &str = "SO-A01";
pub const ORDER_B: &str = "SO-B01";
pub const SHIPMENT_A: &str = "SH-A01";
pub const SHIPMENT_B: &str = "SH-B01";
pub const TRACKING_A: &str = "TRACKA0001";
pub const TRACKING_B: &str = "TRACKB0001";
pub const INVOICE_A_OVERDUE: &str = "INV-A01";
pub const INVOICE_A_PAID: &str = "INV-A02";
pub const INVOICE_A_OPEN: &str = "INV-A03";
pub const CREDIT_NOTE_A: &str = "CN-A01";
pub const INVOICE_B: &str = "INV-B01";
pub const DOCUMENT_A: &str = "OC-SO-A01";
pub const DOCUMENT_B: &str = "OC-SO-B01";
pub const BATCH_A: &str = "LOT-A";
pub const BATCH_B: &str = "LOT-B";
pub const CERTIFICATE_A: &str = "MC-LOT-A";
pub const CERTIFICATE_B: &str = "MC-LOT-B";
/// Products: two hydraulics products both accounts see, one fasteners product only B sees.
pub const SKU_HOSE: &str = "HYD-HOSE-10";
pub const SKU_PUMP: &str = "HYD-PUMP-20";
pub const SKU_BOLT: &str = "FAS-BOLT-12";
pub const CONFORMITY_PUMP: &str = "DC-HYD-PUMP-20";
pub const SDS_BOLT: &str = "SDS-FAS-BOLT-12";
/// Price data (see [`price_records`]): the division defaults, A's price group's list, A's
/// contract lists (one valid, one expired, one in another currency) and B's contract list.
pub const PRICE_GROUP_A: &str = "OEM";
pub const LIST_HYD: &str = "PL-HYD";
pub const LIST_FAS: &str = "PL-FAS";
pub const LIST_OEM: &str = "PL-OEM";
pub const LIST_A: &str = "PL-A";
pub const LIST_A_EXPIRED: &str = "PL-A-OLD";
pub const LIST_A_USD: &str = "PL-A-USD";
pub const LIST_B: &str = "PL-B";
/// A's shared cart (its buyer's) and B's (its buyer's).
pub const CART_A: &str = "CART-A01";
pub const CART_B: &str = "CART-B01";
/// How many orders A has (for paging).
pub const A_ORDERS: usize = 25;

/// Strings that only B's account data contains (the catalog is not account data: staff see all of it).
pub const FOREIGN_MARKERS: [&str; 10] = [
    LIST_B,
    CART_B,
    ACCOUNT_B,
    ORDER_B,
    SHIPMENT_B,
    TRACKING_B,
    INVOICE_B,
    DOCUMENT_B,
    BATCH_B,
    CERTIFICATE_B,
];

fn id<T: std::str::FromStr>(raw: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    raw.parse().expect("fixture ids are valid")
}

fn day(raw: &str) -> NaiveDate {
    raw.parse().expect("fixture dates are valid")
}

fn at(raw: &str) -> DateTime<Utc> {
    raw.parse().expect("fixture times are valid")
}

fn money(raw: &str) -> Decimal {
    raw.parse().expect("fixture amounts are valid")
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn account(account: &str, divisions: &[&str], currency: &str, manager: &str) -> Account {
    Account {
        id: id(account),
        name: format!("Company {account}"),
        divisions: divisions.iter().map(|d| id(d)).collect(),
        currency: Currency::parse(currency).expect("currency"),
        ship_to: vec![Address {
            id: "ST1".to_owned(),
            name: "Main plant".to_owned(),
            street: "Mill Lane 1".to_owned(),
            postal_code: "33100".to_owned(),
            city: "Tampere".to_owned(),
            country: "FI".to_owned(),
        }],
        account_managers: vec![id(manager)],
        price_groups: Vec::new(),
    }
}

fn user(user: &str, role: Role, account: Option<&str>, assigned: &[&str]) -> User {
    User {
        id: id(user),
        name: format!("User {user}"),
        email: format!("{user}@example.com"),
        role,
        account_id: account.map(id),
        assigned_accounts: assigned.iter().map(|a| id(a)).collect(),
    }
}

fn product(sku: &str, division: &str, name: &str) -> Product {
    Product {
        sku: id(sku),
        name: name.to_owned(),
        description: format!("{name}, for tests"),
        division: id(division),
        unit: "pcs".to_owned(),
        pack_size: Decimal::from(10),
        attributes: BTreeMap::from([("material".to_owned(), "steel".to_owned())]),
    }
}

fn line(no: u32, sku: &str, batch: Option<&str>) -> OrderLine {
    OrderLine {
        line_no: no,
        sku: id(sku),
        description: format!("Item {sku}"),
        quantity: Decimal::from(20),
        unit: "pcs".to_owned(),
        unit_price: money("12.50"),
        line_total: money("250.00"),
        status: if batch.is_some() {
            LineStatus::Shipped
        } else {
            LineStatus::Confirmed
        },
        batch: batch.map(id),
        price_source: None,
    }
}

/// An order of `account` placed on `date`.
fn order(
    order_id: &str,
    account: &str,
    date: NaiveDate,
    po: &str,
    status: OrderStatus,
    lines: Vec<OrderLine>,
) -> Order {
    let net: Decimal = lines.iter().map(|l| l.line_total).sum();
    Order {
        summary: OrderSummary {
            id: id(order_id),
            account_id: id(account),
            po_number: PoNumber::parse(po).expect("po"),
            division: id("HYD"),
            currency: Currency::parse("EUR").expect("currency"),
            order_date: date,
            requested_delivery: Some(date + Duration::days(10)),
            confirmed_delivery: Some(date + Duration::days(12)),
            status,
            totals: Totals {
                net,
                tax: Decimal::ZERO,
                gross: net,
            },
            line_count: lines.len() as u32,
        },
        ship_to: Some("ST1".to_owned()),
        lines,
        status_history: vec![
            StatusChange {
                status: OrderStatus::Received,
                at: at("2026-01-10T08:00:00Z"),
                note: None,
            },
            StatusChange {
                status,
                at: at("2026-01-11T09:00:00Z"),
                note: Some("moved on".to_owned()),
            },
        ],
        erp_order_number: None,
        placed: None,
    }
}

fn shipment(shipment_id: &str, account: &str, order_id: &str, tracking: &str) -> Shipment {
    Shipment {
        id: id(shipment_id),
        account_id: id(account),
        order_id: id(order_id),
        carrier: "DHL Freight".to_owned(),
        tracking_number: TrackingNumber::parse(tracking).expect("tracking"),
        status: ShipmentStatus::InTransit,
        shipped_on: day("2026-01-15"),
        eta: Some(day("2026-01-18")),
        delivered_at: None,
        lines: vec![10],
        events: vec![
            TrackingEvent {
                at: at("2026-01-15T08:00:00Z"),
                place: "Tampere".to_owned(),
                status: ShipmentStatus::PickedUp,
                description: "Picked up".to_owned(),
            },
            TrackingEvent {
                at: at("2026-01-16T03:00:00Z"),
                place: "Hub".to_owned(),
                status: ShipmentStatus::InTransit,
                description: "In transit".to_owned(),
            },
        ],
    }
}

fn invoice(
    invoice_id: &str,
    account: &str,
    issued: NaiveDate,
    due: NaiveDate,
    gross: &str,
    paid: bool,
) -> Invoice {
    let gross = money(gross);
    Invoice {
        id: id(invoice_id),
        account_id: id(account),
        kind: if gross < Decimal::ZERO {
            InvoiceKind::CreditNote
        } else {
            InvoiceKind::Invoice
        },
        order_id: None,
        credits_invoice: None,
        issue_date: issued,
        due_date: due,
        currency: Currency::parse("EUR").expect("currency"),
        totals: Totals {
            net: gross,
            tax: Decimal::ZERO,
            gross,
        },
        payment: if paid {
            PaymentState::Paid
        } else {
            PaymentState::Unpaid
        },
        paid_on: paid.then_some(issued),
        document_id: None,
    }
}

fn document(
    document_id: &str,
    kind: DocumentKind,
    links: DocumentLinks,
    audience: DocumentAudience,
) -> Document {
    Document {
        id: id(document_id),
        kind,
        title: format!("Document {document_id}"),
        file_name: format!("{document_id}.pdf"),
        content_type: "application/pdf".to_owned(),
        size_bytes: 0,
        file_revision: None,
        issued_on: day("2026-01-12"),
        links,
        audience,
    }
}

/// The fixture's price data. For A: the hose from its group's list at 19.00 (A's contract
/// lists do not give it: one has no hose price, one expired, one is in USD), the pump from its
/// contract at 450.00; the hose's rule: 2 to 1,000 in steps of 2. For B: the hose from its
/// contract at 5.00, the bolt from the fasteners default (0.40, 1,000 up at 0.30).
pub fn price_records() -> Vec<Record> {
    let today = today();
    let list = |list: &str, currency: &str, division: &str, from: Option<NaiveDate>, to| {
        Record::PriceList(PriceList {
            id: id(list),
            name: Some(format!("List {list}")),
            currency: Currency::parse(currency).expect("currency"),
            division: id(division),
            valid_from: from,
            valid_to: to,
        })
    };
    let price = |list: &str, sku: &str, unit: &str, tiers: &[(&str, &str)]| {
        Record::Price(Price {
            list: id(list),
            sku: id(sku),
            unit_price: money(unit),
            tiers: Tiers::new(
                tiers
                    .iter()
                    .map(|(min, price)| Tier {
                        min_quantity: money(min),
                        unit_price: money(price),
                    })
                    .collect(),
            )
            .expect("fixture tiers are valid"),
        })
    };
    let assign = |list: &str, to: Assignee, priority| {
        Record::PriceAssignment(PriceListAssignment {
            list: id(list),
            to,
            priority,
        })
    };
    let month = Duration::days(30);
    vec![
        list(LIST_HYD, "EUR", "HYD", None, None),
        list(LIST_FAS, "EUR", "FAS", None, None),
        list(LIST_OEM, "EUR", "HYD", None, None),
        list(
            LIST_A,
            "EUR",
            "HYD",
            Some(today - month),
            Some(today + month),
        ),
        list(
            LIST_A_EXPIRED,
            "EUR",
            "HYD",
            None,
            Some(today - Duration::days(1)),
        ),
        list(LIST_A_USD, "USD", "HYD", None, None),
        list(LIST_B, "EUR", "HYD", None, None),
        price(
            LIST_HYD,
            SKU_HOSE,
            "20.00",
            &[("10", "18.00"), ("50", "16.00")],
        ),
        price(LIST_HYD, SKU_PUMP, "500.00", &[]),
        price(LIST_FAS, SKU_BOLT, "0.40", &[("1000", "0.30")]),
        price(LIST_OEM, SKU_HOSE, "19.00", &[]),
        price(LIST_A, SKU_PUMP, "450.00", &[]),
        price(LIST_A_EXPIRED, SKU_HOSE, "1.00", &[]),
        price(LIST_A_USD, SKU_HOSE, "2.00", &[]),
        price(LIST_B, SKU_HOSE, "5.00", &[]),
        assign(LIST_HYD, Assignee::Division(id("HYD")), 100),
        assign(LIST_FAS, Assignee::Division(id("FAS")), 100),
        assign(LIST_OEM, Assignee::Group(id(PRICE_GROUP_A)), 100),
        assign(LIST_A, Assignee::Account(id(ACCOUNT_A)), 100),
        assign(LIST_A_EXPIRED, Assignee::Account(id(ACCOUNT_A)), 50),
        assign(LIST_A_USD, Assignee::Account(id(ACCOUNT_A)), 10),
        assign(LIST_B, Assignee::Account(id(ACCOUNT_B)), 100),
        Record::QuantityRule(
            QuantityRule::new(id(SKU_HOSE), money("2"), Some(money("1000")), money("2"))
                .expect("fixture rule is valid"),
        ),
    ]
}

/// Every record of the fixture.
pub fn records() -> Vec<Record> {
    let today = today();
    let mut records = vec![
        Record::Division(Division {
            id: id("HYD"),
            name: "Hydraulics".to_owned(),
        }),
        Record::Division(Division {
            id: id("FAS"),
            name: "Fasteners".to_owned(),
        }),
        Record::Account(Account {
            price_groups: vec![id(PRICE_GROUP_A)],
            ..account(ACCOUNT_A, &["HYD"], "EUR", MANAGER_A)
        }),
        Record::Account(account(ACCOUNT_B, &["FAS", "HYD"], "EUR", MANAGER_B)),
        Record::User(user(A_VIEWER, Role::Viewer, Some(ACCOUNT_A), &[])),
        Record::User(user(A_BUYER, Role::Buyer, Some(ACCOUNT_A), &[])),
        Record::User(user(A_APPROVER, Role::Approver, Some(ACCOUNT_A), &[])),
        Record::User(user(A_APPROVER_2, Role::Approver, Some(ACCOUNT_A), &[])),
        Record::User(user(
            A_ACCOUNT_ADMIN,
            Role::AccountAdmin,
            Some(ACCOUNT_A),
            &[],
        )),
        Record::User(user(B_BUYER, Role::Buyer, Some(ACCOUNT_B), &[])),
        Record::User(user(B_APPROVER, Role::Approver, Some(ACCOUNT_B), &[])),
        // An account manager's own `account_id` grants nothing: only assignments count.
        Record::User(user(
            MANAGER_A,
            Role::AccountManager,
            Some(ACCOUNT_B),
            &[ACCOUNT_A],
        )),
        Record::User(user(MANAGER_B, Role::AccountManager, None, &[ACCOUNT_B])),
        Record::User(user(ADMIN, Role::Admin, None, &[])),
        Record::User(user(INTEGRATION, Role::Integration, None, &[])),
        Record::User(user(INTEGRATION_CRM, Role::Integration, None, &[])),
        Record::Product(product(SKU_HOSE, "HYD", "Hydraulic hose 2SN DN10")),
        Record::Product(product(SKU_PUMP, "HYD", "Gear pump 8 cc aluminium")),
        Record::Product(product(SKU_BOLT, "FAS", "Hex bolt M12x60 zinc")),
    ];
    records.extend(price_records());
    // A's orders, one every three days from 2025-12-01; the first is the detailed one.
    for n in 1..=A_ORDERS {
        let date = day("2025-12-01") + Duration::days(3 * (n as i64 - 1));
        let (po, status, lines) = match n {
            1 => (
                "PO-ALPHA-1".to_owned(),
                OrderStatus::Shipped,
                vec![line(10, SKU_HOSE, Some(BATCH_A)), line(20, SKU_PUMP, None)],
            ),
            2 => (
                "PO-ALPHA-2".to_owned(),
                OrderStatus::Invoiced,
                vec![line(10, SKU_PUMP, None)],
            ),
            n if n % 5 == 0 => (
                format!("4500{n:04}"),
                OrderStatus::Cancelled,
                vec![line(10, SKU_HOSE, None)],
            ),
            n => (
                format!("4500{n:04}"),
                OrderStatus::Delivered,
                vec![line(10, SKU_HOSE, None)],
            ),
        };
        records.push(Record::Order(order(
            &format!("SO-A{n:02}"),
            ACCOUNT_A,
            date,
            &po,
            status,
            lines,
        )));
    }
    records.extend([
        Record::Order(order(
            ORDER_B,
            ACCOUNT_B,
            day("2025-12-02"),
            "PO-ALPHA-9",
            OrderStatus::Shipped,
            vec![line(10, SKU_BOLT, Some(BATCH_B)), line(20, SKU_HOSE, None)],
        )),
        Record::Shipment(shipment(SHIPMENT_A, ACCOUNT_A, ORDER_A, TRACKING_A)),
        Record::Shipment(shipment(SHIPMENT_B, ACCOUNT_B, ORDER_B, TRACKING_B)),
        Record::Invoice(invoice(
            INVOICE_A_OVERDUE,
            ACCOUNT_A,
            today - Duration::days(40),
            today - Duration::days(10),
            "100.00",
            false,
        )),
        Record::Invoice(invoice(
            INVOICE_A_PAID,
            ACCOUNT_A,
            today - Duration::days(30),
            today - Duration::days(1),
            "200.00",
            true,
        )),
        Record::Invoice(invoice(
            INVOICE_A_OPEN,
            ACCOUNT_A,
            today - Duration::days(5),
            today + Duration::days(25),
            "300.00",
            false,
        )),
        Record::Invoice(invoice(
            CREDIT_NOTE_A,
            ACCOUNT_A,
            today - Duration::days(3),
            today - Duration::days(3),
            "-50.00",
            false,
        )),
        Record::Invoice(invoice(
            INVOICE_B,
            ACCOUNT_B,
            today - Duration::days(40),
            today - Duration::days(10),
            "999.00",
            false,
        )),
    ]);
    records
}

/// Every document of the fixture, with its file.
pub fn documents() -> Vec<Document> {
    let order_link = |order: &str| DocumentLinks {
        order_id: Some(id::<OrderId>(order)),
        ..Default::default()
    };
    let batch_link = |sku: &str, batch: &str| DocumentLinks {
        sku: Some(id::<Sku>(sku)),
        batch: Some(id::<BatchId>(batch)),
        ..Default::default()
    };
    let product_link = |sku: &str| DocumentLinks {
        sku: Some(id::<Sku>(sku)),
        ..Default::default()
    };
    let only = |account: &str| DocumentAudience::Account {
        account_id: id::<AccountId>(account),
    };
    vec![
        document(
            DOCUMENT_A,
            DocumentKind::OrderConfirmation,
            order_link(ORDER_A),
            only(ACCOUNT_A),
        ),
        document(
            DOCUMENT_B,
            DocumentKind::OrderConfirmation,
            order_link(ORDER_B),
            only(ACCOUNT_B),
        ),
        document(
            CERTIFICATE_A,
            DocumentKind::MaterialCertificate,
            batch_link(SKU_HOSE, BATCH_A),
            DocumentAudience::Batch {
                delivered_to: vec![id(ACCOUNT_A)],
            },
        ),
        document(
            CERTIFICATE_B,
            DocumentKind::MaterialCertificate,
            batch_link(SKU_BOLT, BATCH_B),
            DocumentAudience::Batch {
                delivered_to: vec![id(ACCOUNT_B)],
            },
        ),
        document(
            CONFORMITY_PUMP,
            DocumentKind::DeclarationOfConformity,
            product_link(SKU_PUMP),
            DocumentAudience::Product,
        ),
        document(
            SDS_BOLT,
            DocumentKind::SafetyDataSheet,
            product_link(SKU_BOLT),
            DocumentAudience::Product,
        ),
    ]
}

/// The bytes stored for a fixture document.
pub fn file_of(document: &str) -> Vec<u8> {
    format!("%PDF-1.4 fixture file of {document}\n%%EOF\n").into_bytes()
}

/// The fixture's published analytics run.
pub const RUN_ID: &str = "2024-06-01-fixture";
/// A's SKU that is due, and the one that is lapsing.
pub const DUE_SKU_A: &str = SKU_HOSE;
pub const LAPSING_SKU_A: &str = SKU_PUMP;

fn suggestion(account: &str, sku: &str, status: ReorderStatus, p: f64) -> ReorderSuggestion {
    let last = NaiveDate::from_ymd_opt(2024, 5, 1).expect("date");
    ReorderSuggestion {
        account_id: id(account),
        sku: id(sku),
        status,
        p_reorder: p,
        orders_seen: 6,
        last_order_date: last,
        expected_next_date: last + Duration::days(35),
        expected_quantity: 12.0,
        suggested_quantity: 20.0,
        reason: format!("fixture reason for {account} {sku}"),
    }
}

/// Publishes and serves the fixture's run again as a newer one (`<RUN_ID>-<suffix>`, a day
/// later), its items changed by `edit` first.
pub async fn serve_newer_run(
    store: &Store,
    suffix: &str,
    edit: impl FnOnce(&mut RunItems),
) -> AnalyticsRun {
    let (mut run, mut items) = analytics_run();
    run.run_id = format!("{RUN_ID}-{suffix}");
    run.as_of = run.as_of.succ_opt().expect("date");
    edit(&mut items);
    store.put_run(&run, &items).await.expect("run stored");
    assert!(
        store
            .flip_current_run(&run)
            .await
            .expect("flipped")
            .served()
    );
    run
}

/// The fixture's analytics run: suggestions for A and B, forecasts for two SKUs.
pub fn analytics_run() -> (AnalyticsRun, RunItems) {
    let suggestions = vec![
        suggestion(ACCOUNT_A, LAPSING_SKU_A, ReorderStatus::Lapsing, 0.05),
        suggestion(ACCOUNT_A, DUE_SKU_A, ReorderStatus::Due, 0.8),
        suggestion(ACCOUNT_B, SKU_BOLT, ReorderStatus::Overdue, 0.6),
        suggestion(ACCOUNT_B, SKU_HOSE, ReorderStatus::Lapsing, 0.1),
        suggestion(ACCOUNT_B, SKU_PUMP, ReorderStatus::Lapsing, 0.1),
    ];
    // B has ordered nothing for 31 days, which its rhythms make a 1-in-5,000 silence: at risk.
    // A still orders (and lapses in one product, as accounts do): not at risk.
    let silences = [(ACCOUNT_A, 2, 0.6), (ACCOUNT_B, 31, 0.0002)];
    let outlooks = silences
        .into_iter()
        .map(|(account, days, chance)| {
            AccountOutlook::from_suggestions(
                id(account),
                suggestions
                    .iter()
                    .filter(|s| s.account_id.as_str() == account)
                    .map(|s| s.status),
                Some(AccountSilence { days, chance }),
            )
        })
        .collect();
    let forecast = |sku: &str, division: Option<&str>, mean: f64| SkuForecast {
        sku: id(sku),
        division: division.map(id),
        bucket: "month".into(),
        method: "sba".into(),
        demand_class: "intermittent".into(),
        periods: (0..3)
            .map(|m| PeriodForecast {
                period_start: NaiveDate::from_ymd_opt(2024, 6 + m, 1).expect("date"),
                mean,
                q50: mean.round(),
                q90: mean * 2.0,
                q95: mean * 3.0,
            })
            .collect(),
        history: (0..3)
            .map(|m| PeriodActual {
                period_start: NaiveDate::from_ymd_opt(2024, 3 + m, 1).expect("date"),
                demand: mean * f64::from(m),
            })
            .collect(),
    };
    let run = AnalyticsRun {
        run_id: RUN_ID.into(),
        as_of: NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"),
        published_at: DateTime::parse_from_rfc3339("2024-06-01T03:00:00Z")
            .expect("time")
            .with_timezone(&Utc),
        report: serde_json::json!({
            "params": {"as_of": "2024-06-01", "horizon_days": 30},
            "metrics": {"reorder": {"calibrated": {"pr_auc": 0.7}}}
        }),
    };
    let items = RunItems {
        suggestions,
        outlooks,
        forecasts: vec![
            forecast(SKU_BOLT, None, 4.0),
            forecast(SKU_HOSE, None, 2.5),
            forecast(SKU_HOSE, Some("HYD"), 2.5),
        ],
    };
    (run, items)
}

/// A's and B's shared carts, each with two hoses at its account's price.
pub fn carts() -> Vec<Cart> {
    let cart = |cart_id: &str, account: &str, owner: &str, list: &str, price: &str| {
        let at = at("2026-01-05T09:00:00Z");
        let unit_price = money(price);
        let quantity = money("2");
        Cart {
            id: id(cart_id),
            account_id: id(account),
            owner: id(owner),
            name: format!("Cart of {account}"),
            shared: true,
            version: 1,
            status: CartStatus::Open,
            currency: Currency::parse("EUR").expect("currency"),
            lines: vec![CartLine {
                sku: id(SKU_HOSE),
                name: "Hydraulic hose 2SN DN10".to_owned(),
                quantity,
                unit_price,
                line_total: quantity * unit_price,
                source: PriceSource {
                    level: Level::Group,
                    price_list: id(list),
                    priority: 100,
                    tier_min_quantity: None,
                    valid_from: None,
                    valid_to: None,
                },
                reason: None,
            }],
            total: quantity * unit_price,
            checkout: Checkout::default(),
            origin: CartOrigin::New,
            prepared_by: None,
            created_at: at,
            updated_at: at,
            updated_by: id(owner),
        }
    };
    vec![
        cart(CART_A, ACCOUNT_A, A_BUYER, LIST_OEM, "19.00"),
        cart(CART_B, ACCOUNT_B, B_BUYER, LIST_B, "5.00"),
    ]
}

/// Loads the fixture through the store.
pub async fn load(store: &Store) {
    let mut records = records();
    for mut document in documents() {
        let bytes = file_of(document.id.as_str());
        document.size_bytes = bytes.len() as u64;
        store
            .put_document_file(&document, bytes)
            .await
            .expect("file stored");
        records.push(Record::Document(document));
    }
    store.put_records(&records).await.expect("fixture stored");
    for cart in carts() {
        store.create_cart(&cart).await.expect("cart stored");
    }
    let (run, items) = analytics_run();
    store.put_run(&run, &items).await.expect("run stored");
    assert!(
        store
            .flip_current_run(&run)
            .await
            .expect("run served")
            .served()
    );
}

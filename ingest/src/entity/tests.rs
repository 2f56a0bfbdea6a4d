//! The entities' tests: bounds, the guide's field tables, the words each field takes.

use super::accounts::USER_ROLES;
use super::documents::DOCUMENT_KINDS;
use super::invoices::{INVOICE_KINDS, PAYMENTS};
use super::orders::{LINE_STATUSES, ORDER_STATUSES};
use super::row::word;
use super::shipments::SHIPMENT_STATUSES;
use super::*;
use portal_domain::Role;
use portal_domain::model::{
    DocumentKind, InvoiceKind, LineStatus, OrderStatus, PaymentState, ShipmentStatus,
};

const GUIDE: &str = include_str!("../../../docs/ingest.md");

fn values(pairs: &[(&'static str, &str)]) -> Values {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

#[test]
fn amounts_and_quantities_beyond_their_bounds_are_refused_with_the_bound() {
    let formats = Formats::canonical();
    let invoice = |net: &str, gross: Option<&str>| {
        let mut v = values(&[
            ("invoice_id", "INV-1"),
            ("account_id", "ACC-1"),
            ("issue_date", "2025-11-01"),
            ("due_date", "2025-12-01"),
            ("currency", "EUR"),
            ("net", net),
        ]);
        if let Some(g) = gross {
            v.insert("gross", g.to_owned());
        }
        parse(Entity::Invoices, &v, &formats)
    };
    assert!(invoice("1000000000000000", None).is_ok(), "10^15 is taken");
    assert!(invoice("-1000000000000000", None).is_ok(), "so is -10^15");
    let err = invoice("60000000000000000000000000000", None).expect_err("6e28");
    assert_eq!(
        err.0,
        "net: 60000000000000000000000000000 is beyond the largest amount ingest takes \
         (±1,000,000,000,000,000)"
    );
    let err = invoice("1000000000000000.01", None).expect_err("just beyond");
    assert!(err.0.starts_with("net: "), "{err}");
    let err = invoice("5", Some("-1000000000000001")).expect_err("gross");
    assert!(err.0.starts_with("gross: "), "{err}");

    let line = |quantity: &str, unit_price: &str| {
        parse(
            Entity::OrderLines,
            &values(&[
                ("order_id", "SO-1"),
                ("line_no", "10"),
                ("sku", "A-1"),
                ("quantity", quantity),
                ("unit_price", unit_price),
            ]),
            &formats,
        )
    };
    assert!(line("1000000000", "1000000").is_ok(), "10^9 × 10^6 = 10^15");
    let err = line("1000000001", "1").expect_err("quantity");
    assert_eq!(
        err.0,
        "quantity: 1000000001 is beyond the largest quantity ingest takes (±1,000,000,000)"
    );
    let err = line("1", "2000000000000000").expect_err("unit price");
    assert!(err.0.starts_with("unit_price: "), "{err}");
    let err = line("1000000000", "1000001").expect_err("the line's value");
    assert!(err.0.starts_with("line_total: "), "{err}");
    let err = parse(
        Entity::Products,
        &values(&[
            ("sku", "A-1"),
            ("name", "Valve"),
            ("division", "HYD"),
            ("pack_size", "2000000000"),
        ]),
        &formats,
    )
    .expect_err("pack size");
    assert!(err.0.starts_with("pack_size: "), "{err}");
}

#[test]
fn the_ingest_guide_documents_every_field_of_every_entity() {
    for entity in Entity::ALL {
        let heading = format!("### `{}`", entity.name());
        let start = GUIDE
            .find(&heading)
            .unwrap_or_else(|| panic!("no section {heading}"));
        let section = &GUIDE[start + heading.len()..];
        let section = &section[..section.find("\n#").unwrap_or(section.len())];
        for field in entity.fields() {
            let required = if field.required { "yes" } else { "no" };
            let row = format!("| `{}` |", field.name);
            let line = section
                .lines()
                .find(|l| l.starts_with(&row))
                .unwrap_or_else(|| panic!("{entity}: {} is not documented", field.name));
            assert!(
                line.contains(&format!("| {required} |")),
                "{entity}.{}: documented as other than required = {required}",
                field.name
            );
        }
        let documented = section.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(
            documented,
            entity.fields().len(),
            "{entity}: fields that no longer exist"
        );
    }
}

#[test]
fn every_listed_word_is_a_value_of_its_domain_type() {
    fn all<T: serde::de::DeserializeOwned>(words: &[&str]) {
        for w in words {
            word::<T>(&[], "field", w).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    all::<OrderStatus>(ORDER_STATUSES);
    assert_eq!(ORDER_STATUSES.len(), OrderStatus::FROM_ERP.len());
    all::<LineStatus>(LINE_STATUSES);
    all::<ShipmentStatus>(SHIPMENT_STATUSES);
    all::<InvoiceKind>(INVOICE_KINDS);
    all::<PaymentState>(PAYMENTS);
    all::<DocumentKind>(DOCUMENT_KINDS);
    all::<Role>(USER_ROLES);
}

#[test]
fn the_words_taken_from_the_domain_are_the_words_ingest_always_took() {
    assert_eq!(
        ORDER_STATUSES,
        [
            "received",
            "confirmed",
            "in-production",
            "partially-shipped",
            "shipped",
            "delivered",
            "invoiced",
            "cancelled",
        ]
    );
    assert_eq!(USER_ROLES, ["viewer", "buyer", "approver", "account-admin"]);
    for staff in ["account-manager", "admin", "integration"] {
        let role = word::<Role>(&[], "role", staff).expect("a role");
        assert!(!role.is_customer_side(), "{staff}");
    }
}

#[test]
fn the_guides_example_profile_is_a_valid_profile() {
    let start = GUIDE.find("```toml\n").expect("an example") + "```toml\n".len();
    let text = &GUIDE[start..start + GUIDE[start..].find("```").expect("its end")];
    let profile = crate::Profile::parse("example", text).expect("valid");
    assert_eq!(profile.name, "erp-north");
}

#[test]
fn a_bad_word_is_refused_with_the_words_of_its_own_entitys_field() {
    let formats = Formats::canonical();
    let line = values(&[
        ("order_id", "SO-1"),
        ("line_no", "10"),
        ("sku", "A-1"),
        ("quantity", "1"),
        ("unit_price", "2"),
        ("status", "lost"),
    ]);
    let err = parse(Entity::OrderLines, &line, &formats).expect_err("not a line status");
    assert_eq!(
        err.0,
        format!(
            "status: \"lost\" is not one of {}",
            LINE_STATUSES.join(", ")
        )
    );
    let order = values(&[
        ("order_id", "SO-1"),
        ("status", "lost"),
        ("at", "2025-11-01T10:00:00Z"),
    ]);
    let err = parse(Entity::OrderStatus, &order, &formats).expect_err("not an order status");
    assert_eq!(
        err.0,
        format!(
            "status: \"lost\" is not one of {}",
            ORDER_STATUSES.join(", ")
        )
    );
    assert_ne!(LINE_STATUSES, ORDER_STATUSES, "the two lists differ");
}

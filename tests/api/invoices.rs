//! Invoices, their status and the open balance.

use tests::fixture::*;
use tests::spawn_app;

#[tokio::test]
async fn invoices_show_their_status_today() {
    let app = spawn_app().await;
    let all = app.get(A_BUYER, "/invoices").await;
    assert_eq!(
        all.ids(),
        vec![
            CREDIT_NOTE_A,
            INVOICE_A_OPEN,
            INVOICE_A_PAID,
            INVOICE_A_OVERDUE
        ],
        "newest first"
    );
    let status = |id: &str| {
        all.items()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["status"].clone())
    };
    assert_eq!(status(INVOICE_A_OVERDUE), Some("overdue".into()));
    assert_eq!(status(INVOICE_A_PAID), Some("paid".into()));
    assert_eq!(status(INVOICE_A_OPEN), Some("open".into()));
    assert_eq!(status(CREDIT_NOTE_A), Some("overdue".into()));
}

#[tokio::test]
async fn invoices_filter_by_open_overdue_unpaid_and_paid() {
    let app = spawn_app().await;
    let ids = |status: &'static str| {
        let app = &app;
        async move {
            app.get(A_BUYER, &format!("/invoices?status={status}"))
                .await
                .ids()
        }
    };
    assert_eq!(ids("open").await, vec![INVOICE_A_OPEN]);
    assert_eq!(
        ids("overdue").await,
        vec![INVOICE_A_OVERDUE, CREDIT_NOTE_A],
        "longest overdue first"
    );
    assert_eq!(
        ids("unpaid").await,
        vec![INVOICE_A_OVERDUE, CREDIT_NOTE_A, INVOICE_A_OPEN]
    );
    assert_eq!(ids("paid").await, vec![INVOICE_A_PAID]);
    app.get(A_BUYER, "/invoices?status=lost")
        .await
        .assert_problem(400, "invalid-parameter");
}

#[tokio::test]
async fn open_balance_deducts_credit_notes_and_counts_what_is_overdue() {
    let app = spawn_app().await;
    let reply = app.get(A_APPROVER, "/invoices/balance").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let balance = &reply.body["balances"][0];
    assert_eq!(balance["currency"], "EUR");
    assert_eq!(balance["open_amount"], "350.00", "100 + 300 - 50");
    assert_eq!(balance["overdue_amount"], "50.00", "100 - 50");
    assert_eq!(balance["open_count"], 3);
    assert_eq!(balance["overdue_count"], 2);
}

#[tokio::test]
async fn invoice_detail_has_amounts_and_status() {
    let app = spawn_app().await;
    let reply = app
        .get(A_VIEWER, &format!("/invoices/{INVOICE_A_OVERDUE}"))
        .await;
    assert_eq!(reply.body["status"], "overdue");
    assert_eq!(reply.body["totals"]["gross"], "100.00");
    assert_eq!(reply.body["payment"], "unpaid");
}

#[tokio::test]
async fn pushed_amounts_beyond_the_bound_are_quarantined_and_the_balance_still_answers() {
    let app = spawn_app().await;
    let invoice = |id: &str| {
        serde_json::json!({
            "invoice_id": id, "account_id": ACCOUNT_A, "issue_date": "2026-01-01",
            "due_date": "2099-01-01", "currency": "EUR", "net": "60000000000000000000000000000",
        })
    };
    let reply = app
        .post(
            INTEGRATION,
            "/integration/invoices",
            "huge-invoices",
            &serde_json::json!({"rows": [invoice("INV-HUGE-1"), invoice("INV-HUGE-2")]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    for result in reply.body["results"].as_array().expect("results") {
        assert_eq!(result["result"], "quarantined", "{}", reply.text);
        assert!(
            result["reason"]
                .as_str()
                .is_some_and(|r| r.contains("beyond the largest amount")),
            "{}",
            reply.text
        );
    }
    let balance = app.get(A_BUYER, "/invoices/balance").await;
    assert_eq!(balance.status, 200, "{}", balance.text);
    assert_eq!(balance.body["balances"][0]["open_amount"], "350.00");
}

#[tokio::test]
async fn an_open_balance_that_overflows_is_a_clear_error_not_a_crash() {
    // Amounts stored before ingest bounded them: two unpaid invoices of 6 × 10²⁸ each, whose sum
    // no decimal holds. The addition used to panic and drop the connection.
    let app = spawn_app().await;
    let huge: Vec<portal_domain::records::Record> = tests::fixture::records()
        .into_iter()
        .filter_map(|r| match r {
            portal_domain::records::Record::Invoice(i) if i.id.as_str() == INVOICE_A_OPEN => {
                Some(i)
            }
            _ => None,
        })
        .flat_map(|template| {
            ["INV-HUGE-1", "INV-HUGE-2"].map(|id| {
                let mut i = template.clone();
                i.id = portal_domain::InvoiceId::parse(id).expect("id");
                let amount = rust_decimal::Decimal::from_i128_with_scale(6 * 10i128.pow(28), 0);
                i.totals.net = amount;
                i.totals.gross = amount;
                portal_domain::records::Record::Invoice(i)
            })
        })
        .collect();
    assert_eq!(huge.len(), 2);
    app.local
        .state
        .store
        .put_records(&huge)
        .await
        .expect("stored");
    let reply = app.get(A_BUYER, "/invoices/balance").await;
    reply.assert_problem(422, "amount-overflow");
    assert!(
        reply.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("open balance of account ACC-A in EUR")),
        "{}",
        reply.text
    );
    // The invoices themselves still show, and the other account's balance is untouched.
    assert_eq!(app.get(A_BUYER, "/invoices").await.status, 200);
    assert_eq!(app.get(B_BUYER, "/invoices/balance").await.status, 200);
}

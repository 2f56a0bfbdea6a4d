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

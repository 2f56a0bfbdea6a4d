//! The store's own tests, on the real SDK against the embedded emulators and, when
//! `PORTAL_TEST_MOTO_ENDPOINT` names a moto server (CI starts one), against moto too, so that
//! neither emulator's quirks are baked in.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use portal_domain::model::Account;
use portal_domain::records::Record;
use portal_domain::{AccountId, OrderId, Principal, Role, ScopedAccount, UserId};
use portal_local::clients;
use portal_local::emulators::Emulators;
use portal_store::{
    InvoiceFilter, InvoiceStatusFilter, OrderFilter, Store, StoreConfig, StoreError,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tests::fixture::{self, *};

/// A store on one backend, over a table and bucket of its own.
struct Backend {
    name: &'static str,
    store: Store,
    s3: aws_sdk_s3::Client,
    _emulators: Option<(Emulators, tempfile::TempDir)>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

async fn store_on(endpoint: &str) -> Store {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let unique = format!("{}-{n}", std::process::id());
    let store = Store::new(
        clients::dynamodb(endpoint),
        clients::s3(endpoint),
        StoreConfig {
            table: format!("portal-test-{unique}"),
            documents_bucket: format!("portal-test-{unique}"),
            download_ttl: Duration::from_secs(60),
        },
    );
    store
        .ensure_resources()
        .await
        .expect("table and bucket created");
    store
}

/// The embedded emulators, and moto when CI gives its endpoint.
async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let emulators = Emulators::start(dir.path()).await.expect("emulators start");
    let store = Store::new(
        clients::dynamodb(&emulators.dynamodb_endpoint),
        clients::s3(&emulators.s3_endpoint),
        StoreConfig {
            table: "portal-test".to_owned(),
            documents_bucket: "portal-test".to_owned(),
            download_ttl: Duration::from_secs(60),
        },
    );
    store
        .ensure_resources()
        .await
        .expect("table and bucket created");
    let mut backends = vec![Backend {
        name: "embedded",
        store,
        s3: clients::s3(&emulators.s3_endpoint),
        _emulators: Some((emulators, dir)),
    }];
    if let Ok(endpoint) = std::env::var("PORTAL_TEST_MOTO_ENDPOINT") {
        backends.push(Backend {
            name: "moto",
            store: store_on(&endpoint).await,
            s3: clients::s3(&endpoint),
            _emulators: None,
        });
    }
    backends
}

fn principal(user: &str, role: Role, account: Option<&str>, assigned: &[&str]) -> Principal {
    Principal::new(
        UserId::parse(user).expect("user"),
        role,
        account.map(|a| AccountId::parse(a).expect("account")),
        assigned
            .iter()
            .map(|a| AccountId::parse(a).expect("account")),
    )
    .expect("principal")
}

fn admin() -> Principal {
    principal("admin", Role::Admin, None, &[])
}

/// Account A, as an admin's scope check gives it.
fn account_a() -> ScopedAccount {
    admin()
        .scoped(&AccountId::parse(ACCOUNT_A).expect("account"))
        .expect("an admin sees every account")
}

#[tokio::test]
async fn every_record_kind_reads_back_as_written() {
    for backend in backends().await {
        let store = &backend.store;
        fixture::load(store).await;
        let records = fixture::records();
        for record in &records {
            match record {
                Record::Order(order) => {
                    let read = store
                        .order(&admin(), &order.summary.id)
                        .await
                        .expect("read");
                    assert_eq!(
                        read.as_ref(),
                        Some(order),
                        "{}: order {}",
                        backend.name,
                        order.summary.id
                    );
                }
                Record::Account(account) => {
                    let scoped = admin().scoped(&account.id).expect("visible");
                    let read = store.account(&scoped).await.expect("read");
                    assert_eq!(read.as_ref(), Some(account), "{}", backend.name);
                }
                Record::User(user) => {
                    assert_eq!(
                        store.user(&user.id).await.expect("read").as_ref(),
                        Some(user),
                        "{}",
                        backend.name
                    );
                }
                Record::Shipment(shipment) => {
                    let read = store.shipment(&admin(), &shipment.id).await.expect("read");
                    assert_eq!(read.as_ref(), Some(shipment), "{}", backend.name);
                }
                Record::Invoice(invoice) => {
                    let read = store.invoice(&admin(), &invoice.id).await.expect("read");
                    assert_eq!(read.as_ref(), Some(invoice), "{}", backend.name);
                }
                Record::Product(product) => {
                    let read = store.product(&admin(), &product.sku).await.expect("read");
                    assert_eq!(read.as_ref(), Some(product), "{}", backend.name);
                }
                Record::PriceList(_)
                | Record::Price(_)
                | Record::PriceAssignment(_)
                | Record::QuantityRule(_) => {
                    let key = record.key().expect("ingest writes price data");
                    let read = store
                        .read_current(std::slice::from_ref(&key))
                        .await
                        .expect("read");
                    let value = read[&key].record.as_ref().map(|r| &r.value);
                    assert_eq!(value, Some(record), "{}: {key}", backend.name);
                }
                Record::Division(_) | Record::Document(_) => {}
            }
        }
        assert_eq!(
            store.divisions().await.expect("divisions").len(),
            2,
            "{}",
            backend.name
        );
        for document in fixture::documents() {
            let read = store
                .document(&admin(), &document.id)
                .await
                .expect("read")
                .expect("found");
            assert_eq!(read.links, document.links, "{}", backend.name);
            assert_eq!(
                read.size_bytes,
                fixture::file_of(document.id.as_str()).len() as u64
            );
        }
    }
}

#[tokio::test]
async fn reads_outside_the_principals_scope_find_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        fixture::load(store).await;
        let buyer = principal(A_BUYER, Role::Buyer, Some(ACCOUNT_A), &[]);
        let order_b = OrderId::parse(ORDER_B).expect("id");
        assert!(
            store.order(&buyer, &order_b).await.expect("read").is_none(),
            "{}",
            backend.name
        );
        assert!(
            store
                .order_shipments(&buyer, &order_b, 100, None)
                .await
                .expect("read")
                .is_none()
        );
        assert!(
            store
                .order_documents(&buyer, &order_b, 100, None)
                .await
                .expect("read")
                .is_none()
        );
        let batch_b = BATCH_B.parse().expect("batch");
        assert!(
            store
                .batch_certificates(&buyer, &batch_b)
                .await
                .expect("read")
                .is_empty()
        );
    }
}

#[tokio::test]
async fn order_pages_follow_each_other_to_the_end() {
    for backend in backends().await {
        let store = &backend.store;
        fixture::load(store).await;
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = store
                .orders(&account_a(), &OrderFilter::default(), 10, after)
                .await
                .expect("page");
            assert!(page.items().len() <= 10);
            seen.extend(page.items().iter().map(|o| o.id.to_string()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), A_ORDERS, "{}: {seen:?}", backend.name);
        assert_eq!(seen[0], "SO-A25", "{}: newest first", backend.name);
    }
}

#[tokio::test]
async fn order_filters_are_key_conditions_and_filters_on_the_accounts_partition() {
    for backend in backends().await {
        let store = &backend.store;
        fixture::load(store).await;
        let ids = |page: portal_store::Page<portal_domain::model::OrderSummary>| {
            page.into_items()
                .into_iter()
                .map(|o| o.id.to_string())
                .collect::<Vec<_>>()
        };
        let cancelled = OrderFilter {
            statuses: vec![portal_domain::model::OrderStatus::Cancelled],
            ..Default::default()
        };
        assert_eq!(
            ids(store
                .orders(&account_a(), &cancelled, 3, None)
                .await
                .expect("page")),
            vec!["SO-A25", "SO-A20", "SO-A15"],
            "{}",
            backend.name
        );
        let po = OrderFilter {
            po_prefix: Some("po-alpha".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            ids(store
                .orders(&account_a(), &po, 20, None)
                .await
                .expect("page")),
            vec!["SO-A02", ORDER_A],
            "{}",
            backend.name
        );
        let sku = OrderFilter {
            sku: Some(SKU_PUMP.parse().expect("sku")),
            ..Default::default()
        };
        assert_eq!(
            ids(store
                .orders(&account_a(), &sku, 20, None)
                .await
                .expect("page")),
            vec!["SO-A02", ORDER_A],
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn unpaid_invoices_live_in_a_sparse_partition_by_due_date() {
    for backend in backends().await {
        let store = &backend.store;
        fixture::load(store).await;
        let today = Utc::now().date_naive();
        let list = |status| {
            let filter = InvoiceFilter {
                status: Some(status),
                ..Default::default()
            };
            async move {
                store
                    .invoices(&account_a(), &filter, today, 20, None)
                    .await
                    .expect("page")
                    .into_items()
                    .into_iter()
                    .map(|i| i.id.to_string())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            list(InvoiceStatusFilter::Overdue).await,
            vec![INVOICE_A_OVERDUE, CREDIT_NOTE_A],
            "{}",
            backend.name
        );
        assert_eq!(
            list(InvoiceStatusFilter::Open).await,
            vec![INVOICE_A_OPEN],
            "{}",
            backend.name
        );
        assert_eq!(
            list(InvoiceStatusFilter::Paid).await,
            vec![INVOICE_A_PAID],
            "{}",
            backend.name
        );
        let balance = store
            .open_balance(&account_a(), today)
            .await
            .expect("balance");
        assert_eq!(
            balance[0].open_amount.to_string(),
            "350.00",
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn batch_reads_and_writes_go_past_the_services_per_call_limits() {
    for backend in backends().await {
        let store = &backend.store;
        let accounts: Vec<Account> = (0..130)
            .map(|n| Account {
                id: AccountId::parse(&format!("ACC-{n:04}")).expect("id"),
                name: format!("Account {n}"),
                divisions: vec![],
                currency: portal_domain::Currency::parse("EUR").expect("currency"),
                ship_to: vec![],
                account_managers: vec![],
                price_groups: vec![],
            })
            .collect();
        let records: Vec<Record> = accounts.iter().cloned().map(Record::Account).collect();
        store
            .put_records(&records)
            .await
            .expect("130 items in batches of 25");
        let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
        let manager = principal("m", Role::AccountManager, None, &ids);
        let page = store
            .accounts(&manager, 20, None)
            .await
            .expect("batch get of 130 keys");
        assert_eq!(
            page.into_items(),
            accounts,
            "{}: every assigned account, in id order",
            backend.name
        );
    }
}

#[tokio::test]
async fn an_item_that_does_not_parse_is_an_error_naming_its_key() {
    for backend in backends().await {
        let store = &backend.store;
        store
            .dynamodb()
            .put_item()
            .table_name(&store.config().table)
            .item("PK", AttributeValue::S("ORDER#SO-BROKEN".to_owned()))
            .item("SK", AttributeValue::S("#META".to_owned()))
            .item("id", AttributeValue::S("SO#BROKEN".to_owned()))
            .send()
            .await
            .expect("raw put");
        let err = store
            .order(&admin(), &OrderId::parse("SO-BROKEN").expect("id"))
            .await
            .expect_err("corrupt item");
        assert!(
            matches!(err, StoreError::Corrupt { .. }),
            "{}: {err}",
            backend.name
        );
        assert!(
            err.to_string().contains("ORDER#SO-BROKEN"),
            "{}: {err}",
            backend.name
        );
    }
}

#[tokio::test]
async fn a_presigned_link_fetches_the_stored_file() {
    for backend in backends().await {
        let store = &backend.store;
        fixture::load(store).await;
        let document = store
            .document(&admin(), &DOCUMENT_A.parse().expect("id"))
            .await
            .expect("read")
            .expect("found");
        let link = store.download_link(&document).await.expect("presigned");
        let bytes = reqwest::get(&link.url)
            .await
            .expect("fetch")
            .bytes()
            .await
            .expect("body");
        assert_eq!(
            bytes.to_vec(),
            fixture::file_of(DOCUMENT_A),
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn an_idempotency_key_is_held_by_one_call_and_a_retry_keeps_the_first_arrival_time() {
    use portal_domain::IdempotencyKey;
    use portal_store::{Claim, PushedRequest};
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let caller = UserId::parse(INTEGRATION).expect("user");
        let key = IdempotencyKey::parse("batch-1").expect("key");
        let call = |hash: &'static str, token: &'static str| PushedRequest {
            caller: &caller,
            key: &key,
            hash,
            token,
        };
        let lease = Duration::from_secs(60);
        let keep = Duration::from_secs(3600);
        let t0 = Utc::now() - chrono::Duration::seconds(30);
        let first = store
            .claim_request(call("h1", "call-1"), t0, lease, keep)
            .await
            .expect("claim");
        let received = match first {
            Claim::Claimed { received_at } => received_at,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(received.timestamp_millis(), t0.timestamp_millis(), "{name}");
        let now = Utc::now();
        let claim = |hash, token| store.claim_request(call(hash, token), now, lease, keep);
        assert_eq!(
            claim("h1", "call-2").await.expect("claim"),
            Claim::InProgress,
            "{name}"
        );
        assert_eq!(
            claim("h2", "call-2").await.expect("claim"),
            Claim::Reused,
            "{name}"
        );
        // Only the holder may settle it.
        store
            .fail_request(call("h1", "call-2"), now, now, keep)
            .await
            .expect("a stranger's failure changes nothing");
        assert_eq!(
            claim("h1", "call-3").await.expect("claim"),
            Claim::InProgress,
            "{name}"
        );
        store
            .fail_request(call("h1", "call-1"), received, now, keep)
            .await
            .expect("failed");
        // The retry of the failed request holds it, with the first arrival time.
        assert_eq!(
            claim("h1", "call-4").await.expect("claim"),
            Claim::Claimed {
                received_at: received
            },
            "{name}"
        );
        assert!(
            store
                .answer_request(call("h1", "call-1"), received, "{}", now, keep)
                .await
                .is_err(),
            "{name}: the call that lost the claim cannot answer"
        );
        store
            .answer_request(call("h1", "call-4"), received, "{\"ok\":1}", now, keep)
            .await
            .expect("answered");
        assert_eq!(
            claim("h1", "call-5").await.expect("claim"),
            Claim::Answered("{\"ok\":1}".into()),
            "{name}"
        );
        // A call whose lease ran out is taken over.
        let other = IdempotencyKey::parse("batch-2").expect("key");
        let abandoned = PushedRequest {
            caller: &caller,
            key: &other,
            hash: "h9",
            token: "dead-call",
        };
        let long_ago = now - chrono::Duration::seconds(600);
        store
            .claim_request(abandoned, long_ago, lease, keep)
            .await
            .expect("claim");
        let retry = PushedRequest {
            token: "live-call",
            ..abandoned
        };
        assert_eq!(
            store
                .claim_request(retry, now, lease, keep)
                .await
                .expect("claim"),
            Claim::Claimed {
                received_at: chrono::DateTime::from_timestamp_millis(long_ago.timestamp_millis())
                    .expect("time")
            },
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_conditional_delete_spares_an_object_written_again_since_it_was_listed() {
    for backend in backends().await {
        let config = backend.store.config().clone();
        let bucket = portal_store::Bucket::new(backend.s3.clone(), &config.documents_bucket);
        let key = "order-lines/month=2025-11/ingest-x.csv";
        bucket
            .put(key, "text/csv", b"first".to_vec())
            .await
            .expect("put");
        let listed = bucket.list_tagged("order-lines/").await.expect("listed");
        let etag = listed[0].1.split('|').next().expect("etag").to_owned();
        bucket
            .put(key, "text/csv", b"second".to_vec())
            .await
            .expect("rewritten");
        let deleted = bucket.delete_if_match(key, &etag).await.expect("asked");
        if backend.name == "moto" {
            // The embedded S3 emulator ignores If-Match on deletes; S3 and moto honour it.
            assert!(!deleted, "{}: the rewrite is kept", backend.name);
            assert_eq!(bucket.get(key).await.expect("kept"), b"second");
        }
        // An unchanged object is deleted.
        bucket
            .put(key, "text/csv", b"third".to_vec())
            .await
            .expect("put");
        let now = bucket.list_tagged("order-lines/").await.expect("listed");
        let etag = now[0].1.split('|').next().expect("etag").to_owned();
        assert!(bucket.delete_if_match(key, &etag).await.expect("asked"));
        assert!(
            bucket.get_if_exists(key).await.expect("read").is_none(),
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn publishing_retires_runs_no_one_serves_keeping_the_previous_and_any_still_in_flight() {
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    };
    for backend in backends().await {
        let store = &backend.store;
        let (first, items) = fixture::analytics_run();
        // Staged in this order; `unserved` (an older as-of) never became the served run.
        let staged = [
            (first.run_id.as_str(), "2024-06-01", "2024-06-01T03:00:00Z"),
            ("unserved", "2024-05-01", "2024-06-01T12:00:00Z"),
            ("previous", "2024-06-02", "2024-06-02T03:00:00Z"),
            ("served", "2024-06-03", "2024-06-03T03:00:00Z"),
            ("in-flight", "2024-06-03", "2024-06-09T23:00:00Z"),
        ];
        for (run_id, as_of, staged_at) in staged {
            let run = portal_domain::insights::AnalyticsRun {
                run_id: run_id.into(),
                as_of: as_of.parse().expect("date"),
                published_at: at(staged_at),
                ..first.clone()
            };
            store.put_run(&run, &items).await.expect("staged");
            if run_id != "in-flight" {
                store.flip_current_run(&run).await.expect("flipped");
            }
        }
        let served = store.served_run().await.expect("read").expect("a run");
        assert_eq!(served.run_id, "served", "{}", backend.name);
        let left = |run_id: &'static str| async move {
            let suggestions = store
                .reorder_suggestions(run_id, &account_a(), &[], 100, None)
                .await
                .expect("read")
                .items()
                .len();
            let outlooks = store
                .visible_outlooks(&admin(), run_id, Default::default(), 100, None)
                .await
                .expect("read")
                .items()
                .len();
            let forecasts = store
                .sku_forecasts(run_id, None, None, 100, None)
                .await
                .expect("read")
                .items()
                .len();
            suggestions + outlooks + forecasts
        };
        let before = left("served").await;
        assert!(before > 0);

        let retired = store
            .retire_runs(at("2024-06-10T03:00:00Z"))
            .await
            .expect("retired");
        assert_eq!(
            retired,
            [first.run_id.as_str(), "unserved"],
            "{}",
            backend.name
        );
        for gone in [first.run_id.as_str(), "unserved"] {
            let gone: &'static str = Box::leak(gone.to_owned().into_boxed_str());
            assert_eq!(
                left(gone).await,
                0,
                "{}: {gone} still has items",
                backend.name
            );
        }
        for kept in ["previous", "served", "in-flight"] {
            assert_eq!(left(kept).await, before, "{}: {kept}", backend.name);
        }
        assert_eq!(
            store.current_run().await.expect("read").map(|r| r.run_id),
            Some("served".to_owned())
        );
        let again = store
            .retire_runs(at("2024-06-10T03:00:00Z"))
            .await
            .expect("retired");
        assert!(again.is_empty(), "{}: {again:?}", backend.name);
        // A day later the run that was in flight (and never served) goes too.
        let later = store
            .retire_runs(at("2024-06-11T03:00:00Z"))
            .await
            .expect("retired");
        assert_eq!(later, ["in-flight"], "{}", backend.name);
    }
}

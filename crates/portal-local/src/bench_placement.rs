//! `portal bench-placement`: what placing an order through the API costs against the bare
//! `TransactWriteItems` it needs.
//!
//! Both paths place carts of the demo buyer made beforehand (one pump each, below the demo
//! account's approval threshold), in alternating rounds, at the same concurrency, against the
//! same emulator:
//!
//! - **bare transaction**: the one `TransactWriteItems` a placement writes (`Store::place`):
//!   the order, the cart's change, the `Order.Submitted` event, the buyer's spend and the
//!   idempotency key's answer (the key claimed before the round);
//! - **full API**: `POST /carts/{id}/order` over HTTP with the buyer's token and a new
//!   `Idempotency-Key`: authorizer, principal, the cart, the account and its checkout rules,
//!   the price data and a new price of every line, the order number, the key's claim, the same
//!   transaction, JSON.

use anyhow::Context;
use chrono::Utc;
use portal_domain::carts::{Cart, CartStatus};
use portal_domain::events::{OrderEvent, OrderEventType};
use portal_domain::model::Order;
use portal_domain::{CartId, IdempotencyKey, OrderId, UserId};
use portal_store::{Claim, Placement, PushedRequest, SpendChange, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Options of `portal bench-placement`.
#[derive(Debug, clap::Args)]
pub struct BenchPlacementArgs {
    /// The seeded data folder (run `portal seed` first; the benchmark adds orders to it).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = ".portal-data")]
    data_dir: PathBuf,
    /// Placements in flight at once, for both paths.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Placements per round.
    #[arg(long, default_value_t = 200)]
    placements: usize,
    /// Rounds of each path, alternating (the median round is reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// A cart made for the benchmark, and for the bare path the key claimed for it (its token and
/// first arrival).
struct Prepared {
    cart: Cart,
    claim: Option<(String, chrono::DateTime<Utc>)>,
}

/// Carts made for the benchmark, each placed once.
struct Carts {
    carts: Vec<Prepared>,
    next: AtomicUsize,
}

impl Carts {
    fn take(&self) -> anyhow::Result<&Prepared> {
        self.carts
            .get(self.next.fetch_add(1, Ordering::Relaxed))
            .context("the round placed more carts than were made")
    }
}

/// `count` new carts of the buyer, copies of `template` (written straight to the store: making
/// them is not what is measured), with their keys claimed when `claim` (for the bare path).
async fn carts(
    store: &Store,
    template: &Cart,
    count: usize,
    tag: &str,
    claim: Option<&UserId>,
) -> anyhow::Result<Carts> {
    let mut carts = Vec::with_capacity(count);
    for n in 0..count {
        let mut cart = template.clone();
        cart.id = CartId::parse(&format!("BENCH-{tag}-{n}"))?;
        cart.version = 1;
        store.create_cart(&cart).await?;
        let claim = match claim {
            None => None,
            Some(user) => {
                let key = IdempotencyKey::parse(&format!("key-{}", cart.id))?;
                let token = portal_http::idempotency::unique_token();
                let request = PushedRequest {
                    caller: user,
                    key: &key,
                    hash: "bench",
                    token: &token,
                };
                let Claim::Claimed { received_at } = store
                    .claim_request(
                        request,
                        Utc::now(),
                        Duration::from_secs(600),
                        Duration::from_secs(3600),
                    )
                    .await?
                else {
                    anyhow::bail!("the key {key} was taken");
                };
                Some((token, received_at))
            }
        };
        carts.push(Prepared { cart, claim });
    }
    Ok(Carts {
        carts,
        next: AtomicUsize::new(0),
    })
}

/// Runs `count` calls from `concurrency` tasks; the elapsed time and every latency.
async fn measure<F, Fut>(
    concurrency: usize,
    count: usize,
    call: F,
) -> anyhow::Result<(Duration, Vec<Duration>)>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let call = Arc::new(call);
    let left = Arc::new(AtomicUsize::new(count));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (call, left) = (Arc::clone(&call), Arc::clone(&left));
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let t = Instant::now();
                call().await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    Ok((started.elapsed(), latencies))
}

/// Runs the benchmark; the Markdown report.
pub async fn run(args: BenchPlacementArgs) -> anyhow::Result<String> {
    let app = crate::bench::open_seeded(&args.data_dir).await?;
    let store = app.state.store.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = app.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let buyer = crate::demo::DEMO_BUYER;
    let token = app.auth.issue(buyer, Duration::from_secs(3600))?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;

    // A cart and an order as the API makes them: the templates of both paths.
    let made = client
        .post(format!("{base}/carts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"lines": [{"sku": "HYD-HP10003", "quantity": 1}]}))
        .send()
        .await?;
    anyhow::ensure!(
        made.status().is_success(),
        "no cart: {}",
        made.text().await?
    );
    let template: Cart = made.json().await?;
    let placed = client
        .post(format!("{base}/carts/{}/order", template.id))
        .bearer_auth(&token)
        .header(
            "idempotency-key",
            format!("bench-{}", Utc::now().timestamp_millis()),
        )
        .header("if-match", "\"1\"")
        .send()
        .await?;
    anyhow::ensure!(
        placed.status().is_success(),
        "not placed: {}",
        placed.text().await?
    );
    let answer: serde_json::Value = placed.json().await?;
    let order: Order = serde_json::from_value(answer["orders"][0].clone())?;
    anyhow::ensure!(
        order.summary.status == portal_domain::model::OrderStatus::Submitted,
        "the template order waits for approval: use an account without a low threshold"
    );
    let user = UserId::parse(buyer)?;
    let run_tag = Utc::now().timestamp_millis();

    let api = |carts: Arc<Carts>| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        move || {
            let (client, base, token, carts) = (
                client.clone(),
                base.clone(),
                token.clone(),
                Arc::clone(&carts),
            );
            async move {
                let cart = &carts.take()?.cart;
                let response = client
                    .post(format!("{base}/carts/{}/order", cart.id))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("key-{}", cart.id))
                    .header("if-match", "\"1\"")
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status() == 201,
                    "the API answered {}: {}",
                    response.status(),
                    response.text().await?
                );
                Ok(())
            }
        }
    };
    let bare = |carts: Arc<Carts>| {
        let (store, order, user) = (store.clone(), order.clone(), user.clone());
        move || {
            let (store, order, user, carts) = (
                store.clone(),
                order.clone(),
                user.clone(),
                Arc::clone(&carts),
            );
            async move {
                let prepared = carts.take()?;
                let cart = &prepared.cart;
                let (token, received_at) = prepared.claim.clone().context("no claim")?;
                let key = IdempotencyKey::parse(&format!("key-{}", cart.id))?;
                let request = PushedRequest {
                    caller: &user,
                    key: &key,
                    hash: "bench",
                    token: &token,
                };
                let now = Utc::now();
                let mut placed = order.clone();
                placed.summary.id = OrderId::parse(&format!("BENCH-{}", cart.id))?;
                let mut ordered = cart.clone();
                ordered.status = CartStatus::Ordered {
                    orders: vec![placed.summary.id.clone()],
                };
                ordered.version += 1;
                let event = OrderEvent {
                    id: OrderEvent::id_of(&placed.summary.id, 1, OrderEventType::Submitted),
                    event_type: OrderEventType::Submitted,
                    order_id: placed.summary.id.clone(),
                    account_id: placed.summary.account_id.clone(),
                    order_version: 1,
                    status: placed.summary.status,
                    total: placed.summary.totals.gross,
                    currency: placed.summary.currency,
                    correlation_id: key.to_string(),
                    occurred_at: now,
                };
                let answer = serde_json::to_string(&placed)?;
                let written = store
                    .place(Placement {
                        orders: std::slice::from_ref(&placed),
                        cart: &ordered,
                        cart_read_version: cart.version,
                        events: std::slice::from_ref(&event),
                        pending: &[],
                        spend: Some(SpendChange {
                            account_id: placed.summary.account_id.clone(),
                            user: user.clone(),
                            month: now.format("%Y-%m").to_string(),
                            add: placed.summary.totals.gross,
                            read: None,
                        }),
                        answer: store.answer_action(
                            request,
                            received_at,
                            &answer,
                            now,
                            Duration::from_secs(3600),
                        )?,
                    })
                    .await?;
                anyhow::ensure!(
                    written == portal_store::Placed::Written,
                    "the transaction was refused: {written:?}"
                );
                Ok(())
            }
        }
    };
    // The bare path's keys are claimed while its carts are made: it measures the transaction.
    let mut rows = Vec::new();
    for round in 0..args.rounds.max(1) {
        for path in ["bare", "api"] {
            let tag = format!("{run_tag}-{round}-{path}");
            let claim = (path == "bare").then_some(&user);
            let carts = Arc::new(carts(&store, &template, args.placements, &tag, claim).await?);
            let (elapsed, latencies) = match path {
                "bare" => measure(args.concurrency, args.placements, bare(carts)).await?,
                _ => measure(args.concurrency, args.placements, api(carts)).await?,
            };
            rows.push((path, elapsed, latencies));
        }
    }
    let median = |path: &str| {
        let mut of: Vec<&(&str, Duration, Vec<Duration>)> =
            rows.iter().filter(|r| r.0 == path).collect();
        of.sort_by_key(|r| r.1);
        of[of.len() / 2].clone()
    };
    let (bare, api) = (median("bare"), median("api"));
    let per_second = |r: &(&str, Duration, Vec<Duration>)| r.2.len() as f64 / r.1.as_secs_f64();
    let percentile = |r: &(&str, Duration, Vec<Duration>), p: f64| {
        let mut sorted = r.2.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default().as_secs_f64() * 1000.0
    };
    Ok(format!(
        "Placing a one-line cart, concurrency {}, {} placements a round, median of {} rounds\n\n\
         | path | placements/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n\
         | bare TransactWriteItems of a placement (SDK) | {:.0} | {:.2} | {:.2} |\n\
         | full API (HTTP, auth, reads, prices, number, claim, transaction, JSON) | {:.0} | {:.2} | {:.2} |\n\n\
         full API / bare throughput: {:.1} %\n",
        args.concurrency,
        args.placements,
        args.rounds.max(1),
        per_second(&bare),
        percentile(&bare, 0.5),
        percentile(&bare, 0.99),
        per_second(&api),
        percentile(&api, 0.5),
        percentile(&api, 0.99),
        100.0 * per_second(&api) / per_second(&bare),
    ))
}

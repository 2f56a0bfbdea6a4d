//! `portal bench`: what the API layer costs on top of the store.
//!
//! Measures one order-history page (20 rows) two ways, alternating, in the same process,
//! against the same emulator and at the same concurrency:
//!
//! - **bare store**: the `Query` the orders function issues, sent directly through the SDK;
//! - **full API**: `GET /orders?limit=20` over HTTP with a buyer's token, through the local
//!   authorizer, principal resolution, routing, item mapping and JSON.
//!
//! The ratio of their throughputs is what authentication, routing, mapping and JSON cost.

use crate::LocalApp;
use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options of `portal bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The seeded data folder (run `portal seed` first).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = ".portal-data")]
    data_dir: PathBuf,
    /// Requests in flight at once, for both measurements.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds per measurement round.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Rounds of each measurement, alternating (the median round is reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The buyer whose order history is read.
    #[arg(long, default_value = crate::demo::DEMO_BUYER)]
    user: String,
}

/// One measurement round.
#[derive(Debug, Clone)]
pub(crate) struct Round {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Round {
    pub(crate) fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
}

/// Runs `call` from `concurrency` tasks for `duration` and records every latency.
pub(crate) async fn measure<F, Fut>(
    concurrency: usize,
    duration: Duration,
    call: F,
) -> anyhow::Result<Round>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let call = Arc::clone(&call);
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                call().await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(result) = tasks.join_next().await {
        latencies.extend(result??);
    }
    Ok(Round {
        requests: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    })
}

fn median(mut rounds: Vec<Round>) -> Round {
    rounds.sort_by(|a, b| a.throughput().total_cmp(&b.throughput()));
    rounds.swap_remove(rounds.len() / 2)
}

/// The local app over a data folder `portal seed` filled (an error saying so otherwise).
pub(crate) async fn open_seeded(data_dir: &std::path::Path) -> anyhow::Result<LocalApp> {
    anyhow::ensure!(
        data_dir.join("demo.json").exists(),
        "{} holds no demo data: run `portal seed --data-dir {}` first",
        data_dir.display(),
        data_dir.display()
    );
    LocalApp::open(data_dir).await
}

/// Runs the benchmark and prints a Markdown table.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let app = open_seeded(&args.data_dir).await?;
    let user = portal_domain::UserId::parse(&args.user)?;
    let record = app
        .state
        .store
        .user(&user)
        .await?
        .context("no such user in the data folder")?;
    let account = record
        .account_id
        .context("the user has no account: pick a customer's user")?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/orders?limit=20", listener.local_addr()?);
    let router = app.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let token = app.auth.issue(user.as_str(), Duration::from_secs(3600))?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;

    let api = {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        move || {
            let request = client.get(&url).bearer_auth(&token);
            async move {
                let response = request.send().await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "the API answered {}",
                    response.status()
                );
                let body = response.bytes().await?;
                anyhow::ensure!(body.len() > 100, "the API answered an empty page");
                Ok(())
            }
        }
    };
    // The exact Query the orders function sends for this page (see portal_store::orders).
    let bare = {
        let client = app.state.store.dynamodb().clone();
        let table = app.config.table.clone();
        let pk = portal_store::keys::account_orders(&account);
        move || {
            let request = history_page_query(&client, &table, &pk);
            async move {
                let out = request.send().await?;
                anyhow::ensure!(
                    out.items.is_some_and(|i| i.len() == 20),
                    "the store returned a short page"
                );
                Ok(())
            }
        }
    };

    // Warm both paths (connections, principal cache, SQLite pages).
    let warm = Duration::from_secs(1);
    measure(args.concurrency, warm, bare.clone()).await?;
    measure(args.concurrency, warm, api.clone()).await?;
    let duration = Duration::from_secs(args.seconds);
    let (mut bare_rounds, mut api_rounds) = (Vec::new(), Vec::new());
    for _ in 0..args.rounds.max(1) {
        bare_rounds.push(measure(args.concurrency, duration, bare.clone()).await?);
        api_rounds.push(measure(args.concurrency, duration, api.clone()).await?);
    }
    let (bare, api) = (median(bare_rounds), median(api_rounds));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let report = format!(
        "Order-history page (20 rows), account {account}, concurrency {}, median of {} rounds of {} s\n\n\
         | path | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n\
         | bare store Query (SDK) | {:.0} | {:.2} | {:.2} |\n\
         | full API (HTTP, auth, principal, routing, mapping, JSON) | {:.0} | {:.2} | {:.2} |\n\n\
         full API / bare store throughput: {:.1} %\n",
        args.concurrency,
        args.rounds.max(1),
        args.seconds,
        bare.throughput(),
        ms(bare.percentile(0.5)),
        ms(bare.percentile(0.99)),
        api.throughput(),
        ms(api.percentile(0.5)),
        ms(api.percentile(0.99)),
        100.0 * api.throughput() / bare.throughput(),
    );
    use std::io::Write;
    std::io::stdout().write_all(report.as_bytes())?;
    Ok(())
}

/// The bare store `Query` of an order-history page (the first 20 summaries of an account,
/// newest first, with the summary's attributes): the baseline `bench` and `bench-load` measure
/// the API against.
pub(crate) fn history_page_query(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
    client
        .query()
        .table_name(table)
        .index_name("GSI1")
        .key_condition_expression("#pk = :pk AND #sk BETWEEN :skl AND :skh")
        .expression_attribute_names("#pk", "GSI1PK")
        .expression_attribute_names("#sk", "GSI1SK")
        .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
        .expression_attribute_values(":skl", AttributeValue::S("0".to_owned()))
        .expression_attribute_values(":skh", AttributeValue::S("~".to_owned()))
        .projection_expression(
            "id, account_id, po_number, division, currency, order_date, requested_delivery, \
             confirmed_delivery, #st, totals, line_count, PK, SK, GSI1PK, GSI1SK",
        )
        .expression_attribute_names("#st", "status")
        .scan_index_forward(false)
        .limit(20)
}

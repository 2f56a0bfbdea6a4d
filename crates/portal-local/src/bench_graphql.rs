//! `portal bench-graphql`: an order-detail page as one GraphQL query against the REST calls it
//! replaces, and the GraphQL API's overhead over its bare store calls.
//!
//! The page: an order (the user's newest invoiced one) with its lines' products and their
//! certificates, its shipments with tracking, its documents with download links and its
//! invoices (the registered `OrderPage` operation, persisted-queries.json). Over REST a
//! frontend reads the order, then at once its shipments, documents, each line's product and
//! the product's certificates, then each document's download link and each invoice: three
//! waves of requests in flight together. Both ways run against the same server, emulator and
//! data, alternating, one page at a time (a user's wait); each way's store round trips are
//! counted by an interceptor on the DynamoDB client, and both answers are checked to hold the
//! same objects.
//!
//! The overhead: the same page's store calls (`Store::order`, then the graph's batch reads and
//! presigned links), issued directly, against the whole GraphQL request, both at the same
//! concurrency (as `portal bench` does for REST).

use crate::bench::measure;
use crate::server::app_router;
use anyhow::Context;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use futures_util::future::try_join_all;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Options of `portal bench-graphql`.
#[derive(Debug, clap::Args)]
pub struct BenchGraphqlArgs {
    /// The seeded data folder (run `portal seed` first).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = ".portal-data")]
    data_dir: PathBuf,
    /// Pages per round and way.
    #[arg(long, default_value_t = 40)]
    pages: usize,
    /// Rounds, alternating the two ways (the median round is reported).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Requests in flight at once for the overhead measurement.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds per overhead round.
    #[arg(long, default_value_t = 4)]
    seconds: u64,
    /// The customer's user whose order page is read.
    #[arg(long, default_value = crate::demo::DEMO_BUYER)]
    user: String,
}

/// Counts the DynamoDB requests a client sends.
#[derive(Debug, Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "CountStoreCalls"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// A client of the served API.
#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Api {
    async fn get(&self, path: String) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        Ok(response.json().await?)
    }

    async fn graphql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}/graphql", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        let answer: Value = response.json().await?;
        anyhow::ensure!(answer.get("errors").is_none(), "the query failed: {answer}");
        Ok(answer)
    }
}

/// What a page shows, to check that both ways read the same objects.
#[derive(Debug, PartialEq, Eq)]
struct Shown {
    lines: usize,
    products: BTreeSet<String>,
    certificates: usize,
    shipments: BTreeSet<String>,
    events: usize,
    documents: BTreeSet<String>,
    links: usize,
    invoices: BTreeSet<String>,
}

fn ids(items: &Value, field: &str) -> BTreeSet<String> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i[field].as_str().map(str::to_owned))
        .collect()
}

/// GETs `paths`: all at once, or one after the other.
async fn get_all(api: &Api, paths: Vec<String>, parallel: bool) -> anyhow::Result<Vec<Value>> {
    if parallel {
        return try_join_all(paths.into_iter().map(|p| api.get(p))).await;
    }
    let mut answers = Vec::with_capacity(paths.len());
    for path in paths {
        answers.push(api.get(path).await?);
    }
    Ok(answers)
}

/// How many tracking events a list of shipments holds.
fn events_of(shipments: &Value) -> usize {
    shipments
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["events"].as_array().map_or(0, Vec::len))
        .sum()
}

/// The page over REST: the order, then its shipments, documents, products and certificates,
/// then the documents' links and the invoices; each wave's requests at once (`parallel`) or one
/// after the other.
async fn rest_page(api: &Api, order_id: &str, parallel: bool) -> anyhow::Result<(Shown, usize)> {
    let order = api.get(format!("/orders/{order_id}")).await?;
    let skus: BTreeSet<String> = ids(&order["lines"], "sku");
    let mut second = vec![
        format!("/orders/{order_id}/shipments"),
        format!("/orders/{order_id}/documents"),
    ];
    for sku in &skus {
        second.push(format!("/products/{sku}"));
        second.push(format!("/products/{sku}/certificates?limit=5"));
    }
    let second = get_all(api, second, parallel).await?;
    let (shipments, documents) = (&second[0]["items"], &second[1]["items"]);
    let invoice_ids: BTreeSet<String> = documents
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| matches!(d["kind"].as_str(), Some("invoice" | "credit-note")))
        .filter_map(|d| d["links"]["invoice_id"].as_str().map(str::to_owned))
        .collect();
    let mut third = Vec::new();
    for document in ids(documents, "id") {
        third.push(format!("/documents/{document}/download"));
    }
    for invoice in &invoice_ids {
        third.push(format!("/invoices/{invoice}"));
    }
    let third = get_all(api, third, parallel).await?;
    let requests = 1 + second.len() + third.len();
    let certificates = second[2..]
        .iter()
        .skip(1)
        .step_by(2)
        .map(|c| c["items"].as_array().map_or(0, Vec::len))
        .sum();
    let shown = Shown {
        lines: order["lines"].as_array().map_or(0, Vec::len),
        products: skus,
        certificates,
        shipments: ids(shipments, "id"),
        events: events_of(shipments),
        documents: ids(documents, "id"),
        links: third.iter().filter(|a| a["url"].is_string()).count(),
        invoices: third
            .iter()
            .filter_map(|a| a["id"].as_str().map(str::to_owned))
            .collect(),
    };
    Ok((shown, requests))
}

/// The page over GraphQL: one request.
async fn graphql_page(api: &Api, query: &str, order_id: &str) -> anyhow::Result<Shown> {
    let answer = api.graphql(query, json!({ "id": order_id })).await?;
    let order = &answer["data"]["order"];
    let lines = order["lines"].as_array().context("lines")?;
    let products: BTreeSet<String> = lines
        .iter()
        .filter_map(|l| l["sku"].as_str().map(str::to_owned))
        .collect();
    let mut certificates = 0;
    let mut seen = BTreeSet::new();
    for line in lines {
        if seen.insert(line["sku"].as_str().unwrap_or_default().to_owned()) {
            certificates += line["product"]["certificates"]["nodes"]
                .as_array()
                .map_or(0, Vec::len);
        }
    }
    let shipments = &order["shipments"]["nodes"];
    let documents = &order["documents"]["nodes"];
    Ok(Shown {
        lines: lines.len(),
        products,
        certificates,
        shipments: ids(shipments, "id"),
        events: events_of(shipments),
        documents: ids(documents, "id"),
        links: documents
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["download"]["url"].is_string())
            .count(),
        invoices: ids(&order["invoices"], "id"),
    })
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// The page's store calls, issued directly: what the GraphQL request does, without HTTP,
/// auth, parsing, validation, resolvers and JSON.
async fn bare_page(
    store: &portal_store::Store,
    principal: &portal_domain::Principal,
    order_id: &portal_domain::OrderId,
) -> anyhow::Result<()> {
    let order = store
        .order(principal, order_id)
        .await?
        .context("the order")?;
    let skus: Vec<portal_domain::Sku> = order
        .lines
        .iter()
        .map(|l| l.sku.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ids = std::slice::from_ref(order_id);
    let (products, shipments, documents) = tokio::try_join!(
        store.products_by_sku(principal, &skus),
        store.shipments_of_orders(principal, ids, 100),
        store.documents_of_orders(principal, ids, 100),
    )?;
    let products: Vec<portal_domain::model::Product> = products.into_values().collect();
    let certificates = store
        .certificates_of_products(principal, &products, 5)
        .await?;
    let documents = documents
        .into_values()
        .next()
        .map(|p| p.into_items())
        .unwrap_or_default();
    let invoices: Vec<portal_domain::InvoiceId> = documents
        .iter()
        .filter_map(|d| d.links.invoice_id.clone())
        .collect();
    let (links, invoices) = tokio::try_join!(
        try_join_all(documents.iter().map(|d| store.download_link(d))),
        store.invoices_by_id(principal, &invoices),
    )?;
    anyhow::ensure!(
        !shipments.is_empty() && !links.is_empty(),
        "the bare page read nothing"
    );
    let _ = (certificates, invoices);
    Ok(())
}

/// Runs the benchmark; a Markdown report.
pub async fn run(args: BenchGraphqlArgs) -> anyhow::Result<String> {
    let app = crate::bench::open_seeded(&args.data_dir).await?;
    let counter = Counter::default();
    let dynamodb = crate::clients::dynamodb(&app.emulators.dynamodb_endpoint);
    let counted = aws_sdk_dynamodb::Client::from_conf(
        dynamodb
            .config()
            .to_builder()
            .interceptor(counter.clone())
            .build(),
    );
    let state = portal_http::AppState::new(
        &app.config,
        &portal_store::Clients {
            dynamodb: counted,
            s3: crate::clients::s3(&app.emulators.s3_endpoint),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let router = app_router(state.clone(), app.auth.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let api = Api {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?,
        url,
        token: app.auth.issue(&args.user, Duration::from_secs(3600))?,
    };
    let newest = api
        .get("/orders?status=invoiced&limit=1".to_owned())
        .await?;
    let order_id = newest["items"][0]["id"]
        .as_str()
        .context("the user has no invoiced order")?
        .to_owned();
    let query = graphql_api::persisted::registered()
        .values()
        .find(|o| o.name == "OrderPage")
        .map(|o| o.body.clone())
        .context("OrderPage is registered")?;

    // Same data both ways, and warm (connections, principal cache, SQLite pages).
    let (rest_shown, requests) = rest_page(&api, &order_id, true).await?;
    let graph_shown = graphql_page(&api, &query, &order_id).await?;
    anyhow::ensure!(
        rest_shown == graph_shown,
        "the two ways read different data:\nREST {rest_shown:?}\nGraphQL {graph_shown:?}"
    );

    let user = portal_domain::UserId::parse(&args.user)?;
    let principal = app
        .state
        .principals
        .resolve(&app.state.store, &user)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = portal_domain::OrderId::parse(&order_id)?;

    // One page at a time, each way in turn, every round.
    let (mut rest_rounds, mut serial_rounds, mut graph_rounds, mut bare_latency) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut rest_calls, mut graph_calls) = (0, 0);
    for _ in 0..args.rounds.max(1) {
        let before = counter.0.load(Ordering::Relaxed);
        let mut times = Vec::new();
        for _ in 0..args.pages {
            let t = Instant::now();
            rest_page(&api, &order_id, true).await?;
            times.push(t.elapsed());
        }
        rest_calls = (counter.0.load(Ordering::Relaxed) - before) / args.pages.max(1);
        rest_rounds.push(median(times));
        let mut times = Vec::new();
        for _ in 0..args.pages {
            let t = Instant::now();
            rest_page(&api, &order_id, false).await?;
            times.push(t.elapsed());
        }
        serial_rounds.push(median(times));
        let before = counter.0.load(Ordering::Relaxed);
        let mut times = Vec::new();
        for _ in 0..args.pages {
            let t = Instant::now();
            graphql_page(&api, &query, &order_id).await?;
            times.push(t.elapsed());
        }
        graph_calls = (counter.0.load(Ordering::Relaxed) - before) / args.pages.max(1);
        graph_rounds.push(median(times));
        let mut times = Vec::new();
        for _ in 0..args.pages {
            let t = Instant::now();
            bare_page(&app.state.store, &principal, &id).await?;
            times.push(t.elapsed());
        }
        bare_latency.push(median(times));
    }
    let (rest, serial, graph, bare) = (
        median(rest_rounds),
        median(serial_rounds),
        median(graph_rounds),
        median(bare_latency),
    );

    // Overhead: the GraphQL request against its bare store calls, same concurrency.
    let duration = Duration::from_secs(args.seconds);
    let (mut bare_rounds, mut api_rounds) = (Vec::new(), Vec::new());
    for _ in 0..args.rounds.max(1) {
        let (store, principal, id) = (app.state.store.clone(), principal.clone(), id.clone());
        bare_rounds.push(
            measure(args.concurrency, duration, move || {
                let (store, principal, id) = (store.clone(), principal.clone(), id.clone());
                async move { bare_page(&store, &principal, &id).await }
            })
            .await?
            .throughput(),
        );
        let (api, query, order_id) = (api.clone(), query.clone(), order_id.clone());
        api_rounds.push(
            measure(args.concurrency, duration, move || {
                let (api, query, order_id) = (api.clone(), query.clone(), order_id.clone());
                async move { graphql_page(&api, &query, &order_id).await.map(|_| ()) }
            })
            .await?
            .throughput(),
        );
    }
    let mid = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (bare_rate, api_rate) = (mid(bare_rounds), mid(api_rounds));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(format!(
        "Order page of {order_id} ({} lines, {} products, {} shipments, {} documents, {} invoices), \
         {} pages per way per round, median of {} rounds\n\n\
         | way | HTTP requests | store round trips | wall time per page, ms |\n|---|---:|---:|---:|\n\
         | REST, each wave's requests at once (3 waves) | {requests} | {rest_calls} | {:.2} |\n\
         | REST, one request after the other | {requests} | {rest_calls} | {:.2} |\n\
         | GraphQL (one query) | 1 | {graph_calls} | {:.2} |\n\
         | its store calls alone, no HTTP (the floor: 3 dependent stages) | 0 | {graph_calls} | {:.2} |\n\n\
         GraphQL / REST wall time: {:.1} % against waves of parallel requests, {:.1} % against one \
         request after the other (target ≤ 33.3 %); its bare store calls / REST in waves: {:.1} %\n\n\
         Overhead at concurrency {}, median of {} rounds of {} s: bare store calls {:.0} pages/s, \
         GraphQL API {:.0} pages/s: {:.1} % (target ≥ 80 %)\n",
        rest_shown.lines,
        rest_shown.products.len(),
        rest_shown.shipments.len(),
        rest_shown.documents.len(),
        rest_shown.invoices.len(),
        args.pages,
        args.rounds.max(1),
        ms(rest),
        ms(serial),
        ms(graph),
        ms(bare),
        100.0 * graph.as_secs_f64() / rest.as_secs_f64(),
        100.0 * graph.as_secs_f64() / serial.as_secs_f64(),
        100.0 * bare.as_secs_f64() / rest.as_secs_f64(),
        args.concurrency,
        args.rounds.max(1),
        args.seconds,
        bare_rate,
        api_rate,
        100.0 * api_rate / bare_rate,
    ))
}

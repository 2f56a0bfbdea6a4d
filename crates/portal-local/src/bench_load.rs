//! `portal bench-load`: the local stack under concurrent clients, on loopback only.
//!
//! Serves every function over a seeded data folder (a copy of it, unless `--in-place`), then
//! runs N clients for a fixed time. Each client loops over a mix of read routes as the demo
//! users (a buyer, a viewer, a buyer of another account, an account manager, an admin) and, every
//! few requests, pushes a batch of new orders (or status changes of the orders it pushed before)
//! through `POST /integration/{entity}` as the ERP's machine user. Every non-2xx answer, transport
//! error and pushed row not `loaded` is an error, and any error fails the run. Latencies are
//! reported per route (p50, p95, p99) next to a baseline measured in the same run: the bare store
//! `Query` of an order-history page, sent through the SDK at the same concurrency (as `portal bench`).

mod pushes;
mod report;
use pushes::{order_rows, orders_account, push, status_rows};
pub use report::{LoadPlan, LoadReport, RouteStats};

use crate::LocalApp;
use crate::demo::{
    DEMO_ADMIN, DEMO_BUYER, DEMO_INTEGRATION, DEMO_MANAGER, DEMO_OTHER_BUYER, DEMO_VIEWER,
};
use anyhow::Context;
use portal_domain::AccountId;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options of `portal bench-load`.
#[derive(Debug, clap::Args)]
pub struct BenchLoadArgs {
    /// The seeded data folder (run `portal seed` first).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = ".portal-data")]
    pub data_dir: PathBuf,
    /// Clients sending requests at once.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// How long the load runs, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Every client sends a push after this many reads.
    #[arg(long, default_value_t = 10)]
    pub reads_per_push: usize,
    /// Rows per push.
    #[arg(long, default_value_t = 20)]
    pub push_rows: usize,
    /// Seconds of the baseline (the bare store query) before the load.
    #[arg(long, default_value_t = 5)]
    pub baseline_seconds: u64,
    /// Load the data folder itself instead of a copy (pushed orders `SO-LOAD-...` stay in it).
    #[arg(long)]
    pub in_place: bool,
}

/// One read of the mix: its name, whose token, and the paths it cycles through.
struct Read {
    route: &'static str,
    user: &'static str,
    paths: Vec<String>,
}

/// Runs `portal bench-load` and prints the report; fails if any request failed.
pub async fn run(args: BenchLoadArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.data_dir.join("demo.json").exists(),
        "{} holds no demo data: run `portal seed --data-dir {}` first",
        args.data_dir.display(),
        args.data_dir.display()
    );
    let copy = tempfile::tempdir()?;
    let data_dir = if args.in_place {
        args.data_dir.clone()
    } else {
        let started = Instant::now();
        copy_dir(&args.data_dir, copy.path())?;
        eprintln!(
            "Copied {} in {:.1} s; pushes go to the copy.",
            args.data_dir.display(),
            started.elapsed().as_secs_f64()
        );
        copy.path().to_owned()
    };
    let app = LocalApp::open(&data_dir).await?;
    let plan = LoadPlan {
        clients: args.clients.max(1),
        duration: Duration::from_secs(args.seconds.max(1)),
        reads_per_push: args.reads_per_push.max(1),
        push_rows: args.push_rows.clamp(1, 500),
        baseline: Duration::from_secs(args.baseline_seconds),
    };
    let report = load(&app, &plan).await?;
    use std::io::Write;
    std::io::stdout().write_all(format!("{}\n", report.table()).as_bytes())?;
    anyhow::ensure!(
        report.errors() == 0,
        "{} of {} requests failed",
        report.errors(),
        report.requests()
    );
    Ok(())
}

/// Copies a data folder: the table's SQLite files are copied, the buckets' files hard-linked
/// where the file system allows (the S3 emulator replaces a file by renaming a new one over it,
/// never writes into it, so the original keeps its content).
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    copy_tree(from, to, false)
}

fn copy_tree(from: &Path, to: &Path, link: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target, link || entry.file_name() == "s3")?;
        } else if !(link && std::fs::hard_link(entry.path(), &target).is_ok()) {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A GET as `user`; the body as JSON.
async fn get_json(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<Value> {
    let response = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "GET {path} answered {}",
        response.status()
    );
    Ok(response.json().await?)
}

fn ids(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item[field].as_str().map(str::to_owned))
        .collect()
}

/// Serves `app` on loopback and runs `plan` against it.
pub async fn load(app: &LocalApp, plan: &LoadPlan) -> anyhow::Result<LoadReport> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = app.router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let result = drive(app, plan, &base).await;
    server.abort();
    result
}

async fn drive(app: &LocalApp, plan: &LoadPlan, base: &str) -> anyhow::Result<LoadReport> {
    let hour = Duration::from_secs(3600);
    let users = [
        DEMO_BUYER,
        DEMO_VIEWER,
        DEMO_OTHER_BUYER,
        DEMO_MANAGER,
        DEMO_ADMIN,
        DEMO_INTEGRATION,
    ];
    let mut tokens = BTreeMap::new();
    for user in users {
        tokens.insert(user, app.auth.issue(user, hour)?);
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.clients * 2)
        .timeout(Duration::from_secs(30))
        .build()?;

    // The ids the reads cycle through: the buyer's recent orders and what hangs off them.
    let buyer = &tokens[DEMO_BUYER];
    let orders = ids(
        &get_json(&client, base, buyer, "/orders?limit=20").await?,
        "id",
    );
    anyhow::ensure!(!orders.is_empty(), "the demo buyer has no orders");
    let mut shipments = Vec::new();
    let mut documents = Vec::new();
    let mut skus = Vec::new();
    for order in &orders {
        shipments.extend(ids(
            &get_json(&client, base, buyer, &format!("/orders/{order}/shipments")).await?,
            "id",
        ));
        documents.extend(ids(
            &get_json(&client, base, buyer, &format!("/orders/{order}/documents")).await?,
            "id",
        ));
        let detail = get_json(&client, base, buyer, &format!("/orders/{order}")).await?;
        skus.extend(
            detail["lines"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l["sku"].as_str().map(str::to_owned)),
        );
    }
    skus.sort();
    skus.dedup();
    let account = orders_account(app).await?;
    let each = |template: &str, values: &[String]| -> Vec<String> {
        values
            .iter()
            .map(|v| template.replace("{}", v))
            .collect::<Vec<_>>()
    };
    let one = |path: &str| vec![path.to_owned()];
    let reads = vec![
        Read {
            route: "GET /me",
            user: DEMO_BUYER,
            paths: one("/me"),
        },
        Read {
            route: "GET /orders",
            user: DEMO_BUYER,
            paths: one("/orders?limit=20"),
        },
        Read {
            route: "GET /orders?status=shipped,delivered",
            user: DEMO_BUYER,
            paths: one("/orders?status=shipped,delivered"),
        },
        Read {
            route: "GET /orders/{id}",
            user: DEMO_BUYER,
            paths: each("/orders/{}", &orders),
        },
        Read {
            route: "GET /orders/{id}/shipments",
            user: DEMO_BUYER,
            paths: each("/orders/{}/shipments", &orders),
        },
        Read {
            route: "GET /orders/{id}/documents",
            user: DEMO_BUYER,
            paths: each("/orders/{}/documents", &orders),
        },
        Read {
            route: "GET /shipments/{id}",
            user: DEMO_BUYER,
            paths: each("/shipments/{}", &shipments),
        },
        Read {
            route: "GET /invoices?status=unpaid",
            user: DEMO_BUYER,
            paths: one("/invoices?status=unpaid"),
        },
        Read {
            route: "GET /invoices/balance",
            user: DEMO_BUYER,
            paths: one("/invoices/balance"),
        },
        Read {
            route: "GET /documents/{id}/download",
            user: DEMO_BUYER,
            paths: each("/documents/{}/download", &documents),
        },
        Read {
            route: "GET /products/{sku}/certificates",
            user: DEMO_BUYER,
            paths: each("/products/{}/certificates", &skus),
        },
        Read {
            route: "GET /reorder-suggestions",
            user: DEMO_BUYER,
            paths: one("/reorder-suggestions?status=due,overdue"),
        },
        Read {
            route: "GET /orders (viewer)",
            user: DEMO_VIEWER,
            paths: one("/orders?limit=20"),
        },
        Read {
            route: "GET /orders (other buyer)",
            user: DEMO_OTHER_BUYER,
            paths: one("/orders?limit=20"),
        },
        Read {
            route: "GET /orders?account= (manager)",
            user: DEMO_MANAGER,
            paths: one(&format!("/orders?account={}", account.id)),
        },
        Read {
            route: "GET /worklist (manager)",
            user: DEMO_MANAGER,
            paths: one("/worklist?status=due,overdue&per_account=3"),
        },
        Read {
            route: "GET /forecasts (manager)",
            user: DEMO_MANAGER,
            paths: one("/forecasts?limit=20"),
        },
        Read {
            route: "GET /worklist?at_risk=true (admin)",
            user: DEMO_ADMIN,
            paths: one("/worklist?at_risk=true"),
        },
    ]
    .into_iter()
    .filter(|r| !r.paths.is_empty())
    .collect::<Vec<_>>();
    let pushes = ["POST /integration/orders", "POST /integration/order-status"];

    // The baseline: the bare store Query beneath the order-history page, at the same concurrency.
    let baseline = baseline(app, &account.id, plan).await?;

    let routes: Vec<&'static str> = reads.iter().map(|r| r.route).chain(pushes).collect();
    let shared = Arc::new((reads, tokens, client, base.to_owned(), account));
    let nonce = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let deadline = started + plan.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..plan.clients {
        let shared = Arc::clone(&shared);
        let plan = plan.clone();
        tasks.spawn(async move {
            let (reads, tokens, client, base, account) = &*shared;
            let mut seen: Vec<(usize, Duration, Result<(), String>)> = Vec::new();
            let mut pushed: Vec<String> = Vec::new();
            // The clients start at different reads of the mix, so that together they cover it
            // from the first seconds on.
            let mut n = c * reads.len() / plan.clients;
            let (mut reads_since_push, mut batch) = (c % plan.reads_per_push, 0usize);
            while Instant::now() < deadline {
                if reads_since_push >= plan.reads_per_push {
                    reads_since_push = 0;
                    batch += 1;
                    let key = format!("load-{nonce}-{c}-{batch}");
                    let (entity, rows) = if pushed.is_empty() {
                        pushed = (0..plan.push_rows)
                            .map(|r| format!("SO-LOAD-{nonce}-{c}-{batch}-{r}"))
                            .collect();
                        ("orders", order_rows(&pushed, account))
                    } else {
                        ("order-status", status_rows(&std::mem::take(&mut pushed)))
                    };
                    let index = reads.len() + usize::from(entity == "order-status");
                    let t = Instant::now();
                    let outcome =
                        push(client, base, &tokens[DEMO_INTEGRATION], entity, &key, rows).await;
                    seen.push((index, t.elapsed(), outcome));
                } else {
                    reads_since_push += 1;
                    n += 1;
                    let index = n % reads.len();
                    let read = &reads[index];
                    let path = &read.paths[(n / reads.len() + c) % read.paths.len()];
                    let t = Instant::now();
                    let outcome = get(client, base, &tokens[read.user], path).await;
                    seen.push((index, t.elapsed(), outcome));
                }
            }
            seen
        });
    }
    let mut stats: Vec<RouteStats> = routes
        .iter()
        .map(|r| RouteStats {
            route: (*r).to_owned(),
            ..RouteStats::default()
        })
        .collect();
    let mut error_samples = Vec::new();
    while let Some(result) = tasks.join_next().await {
        for (index, latency, outcome) in result.context("a client stopped")? {
            let route = &mut stats[index];
            route.requests += 1;
            route.latencies.push(latency);
            if let Err(e) = outcome {
                route.errors += 1;
                if error_samples.len() < 10 {
                    error_samples.push(format!("{}: {e}", route.route));
                }
            }
        }
    }
    Ok(LoadReport {
        plan: plan.clone(),
        baseline,
        routes: stats,
        elapsed: started.elapsed(),
        error_samples,
    })
}

async fn get(client: &reqwest::Client, base: &str, token: &str, path: &str) -> Result<(), String> {
    let response = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "GET {path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        ))
    }
}

/// The exact Query of the order-history page (see `portal bench`), from `plan.clients` tasks.
async fn baseline(
    app: &LocalApp,
    account: &AccountId,
    plan: &LoadPlan,
) -> anyhow::Result<RouteStats> {
    let client = app.state.store.dynamodb().clone();
    let table = app.config.table.clone();
    let pk = portal_store::keys::account_orders(account);
    let deadline = Instant::now() + plan.baseline;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..plan.clients {
        let (client, table, pk) = (client.clone(), table.clone(), pk.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                crate::bench::history_page_query(&client, &table, &pk)
                    .send()
                    .await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(result) = tasks.join_next().await {
        latencies.extend(result??);
    }
    Ok(RouteStats {
        route: "baseline: bare store Query of the order page (SDK)".to_owned(),
        requests: latencies.len(),
        errors: 0,
        latencies,
    })
}

//! `portal`: b2b-portal in local mode. Run `portal --help`.

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use portal_local::LocalApp;
use portal_local::demo::{self, DemoSpec};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The emulators, the SDK and ingest allocate many small, short-lived values on every thread,
/// which glibc's allocator serves slowly (a third of the ingest benchmark's time went to it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// b2b-portal in local mode: every API function on one port, over embedded DynamoDB and S3
/// emulators that keep their data in a folder. No AWS account needed.
#[derive(Parser)]
#[command(name = "portal", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seed demo data (unless the data folder already has it), serve the API, print tokens.
    Demo {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        spec: SpecArgs,
        /// Seed again even if the data folder already holds this demo data.
        #[arg(long)]
        reseed: bool,
    },
    /// Replace the data folder's contents with freshly generated demo data.
    Seed {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        spec: SpecArgs,
        /// Only generate, and print what would be loaded.
        #[arg(long)]
        dry_run: bool,
    },
    /// Serve the API over the data folder as it is.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Print the order events published to the ERP (the event log of the data folder, which a
    /// running `portal serve` or `portal demo` writes as EventBridge would carry them).
    Events {
        #[command(flatten)]
        data: DataArgs,
        /// Keep printing events as they are published (Ctrl-C to stop).
        #[arg(long)]
        follow: bool,
    },
    /// Print the GraphQL schema the code builds (what schema.graphql holds).
    GraphqlSchema,
    /// Compare two versions of the GraphQL schema and list what would break a client of the
    /// old one; exit 1 if a change is not accepted in the `--accepted` file (one line each, as
    /// listed). `scripts/graphql-breaking.sh` runs it against the previous committed schema.
    GraphqlBreaking {
        /// The old schema (SDL).
        old: PathBuf,
        /// The new schema (SDL).
        new: PathBuf,
        /// Breaking changes made on purpose, one per line as this command lists them.
        #[arg(long)]
        accepted: Option<PathBuf>,
    },
    /// Print a dev token for a user of the data folder (local mode only).
    Token {
        #[command(flatten)]
        data: DataArgs,
        /// The user id (the token's `sub`), such as demo-buyer.
        #[arg(long)]
        user: String,
        /// How long the token is valid, in hours.
        #[arg(long, default_value_t = 12)]
        hours: u64,
    },
    /// Run one function's Lambda handler on an event file and print the Lambda response
    /// (like `sam local invoke`, without Docker), against the data folder.
    Invoke {
        #[command(flatten)]
        data: DataArgs,
        /// The function, such as orders-api.
        function: String,
        /// The event JSON file (for example from `sam local generate-event apigateway http-api-proxy`).
        #[arg(long)]
        event: PathBuf,
        /// Set the JWT authorizer's `sub` claim to this user.
        #[arg(long)]
        sub: Option<String>,
    },
    /// Reorder predictions and demand forecasts: the analytics job, locally.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Load exports of a back-end system (ERP, CRM, carrier) into the data folder, as the
    /// ingest function does with files dropped into the ingest bucket.
    Ingest {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        args: portal_local::ingest::IngestArgs,
    },
    /// Measure the order-history page through the whole API against the bare store query beneath it.
    Bench(portal_local::bench::BenchArgs),
    /// Measure ingest: an ERP export normalised to Parquet, and into the table and the lake,
    /// against the embedded store's own batched writes.
    BenchIngest(portal_local::bench_ingest::BenchIngestArgs),
    /// Measure each built function's cold start and binary size against the Lambda budgets.
    BenchColdStart(portal_local::cold_start::ColdStartArgs),
    /// Load-test the local stack on loopback: concurrent clients read as the demo users and push
    /// through /integration/{entity} for a minute; prints p50/p95/p99 per route and fails on any
    /// error (non-2xx, transport error, pushed row not loaded).
    BenchLoad(portal_local::bench_load::BenchLoadArgs),
    /// Price quick orders in-process on one core, against a map look-up per line measured in
    /// the same run.
    BenchPricing(portal_local::bench_pricing::BenchPricingArgs),
    /// Placing an order through the API against the bare TransactWriteItems it needs (see
    /// BENCHMARKS.md).
    BenchPlacement(portal_local::bench_placement::BenchPlacementArgs),
    /// An order page as one GraphQL query against the REST calls it replaces (BENCHMARKS.md).
    BenchGraphql(portal_local::bench_graphql::BenchGraphqlArgs),
}

#[derive(Subcommand)]
enum AnalyticsCommand {
    /// Run the job. With --orders, file to file: read the file, write the outputs to --out.
    /// Without it, over the data folder's order-line lake: publish the run for the API.
    Run {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        args: analytics_job::files::RunArgs,
    },
    /// Write a generated order history with known ground truth (for benchmarks and trials).
    Generate(portal_local::analytics::GenerateArgs),
    /// Combine the parts that `run --shard i/n` or `shard` left in DIR/shards/ into the run's
    /// outputs.
    Merge {
        /// The folder the shards wrote to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Plan a run of N shards that each read only their own accounts' and SKUs' lines: the
    /// run's globals and every shard's lines, to DIR/plan/.
    Plan(analytics_job::files::PlanArgs),
    /// Compute one shard of a plan (DIR/plan/) and leave its part in DIR/shards/.
    Shard(analytics_job::files::ShardArgs),
}

#[derive(Args)]
struct DataArgs {
    /// The data folder of the emulators.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = ".portal-data")]
    data_dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

#[derive(Args, Clone)]
struct SpecArgs {
    /// The random seed: the same seed and sizes give the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Customer accounts.
    #[arg(long, default_value_t = 240)]
    accounts: usize,
    /// Products in the catalog.
    #[arg(long, default_value_t = 2_400)]
    skus: usize,
    /// About this many order lines in all.
    #[arg(long, default_value_t = 200_000)]
    order_lines: usize,
    /// Years of order history.
    #[arg(long, default_value_t = 3)]
    years: u32,
    /// The last day of history (YYYY-MM-DD); default today.
    #[arg(long)]
    today: Option<NaiveDate>,
}

impl SpecArgs {
    fn spec(&self) -> DemoSpec {
        DemoSpec {
            seed: self.seed,
            accounts: self.accounts.max(2),
            skus: self.skus.max(20),
            order_lines: self.order_lines,
            years: self.years.clamp(1, 10),
            today: self
                .today
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        }
    }
}

const MARKER: &str = "demo.json";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,dynoxide=error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Demo {
            data,
            serve,
            spec,
            reseed,
        } => {
            let existing = read_marker(&data.data_dir);
            let wanted = spec.spec();
            let reuse = !reseed
                && existing.as_ref().is_some_and(|old| {
                    (old.seed, old.accounts, old.skus, old.order_lines, old.years)
                        == (
                            wanted.seed,
                            wanted.accounts,
                            wanted.skus,
                            wanted.order_lines,
                            wanted.years,
                        )
                        && (spec.today.is_none() || spec.today == Some(old.today))
                });
            // A folder seeded before the analytics job existed has no run: seed it again.
            let has_run = reuse && {
                let app = LocalApp::open(&data.data_dir).await?;
                app.state.store.current_run().await?.is_some()
            };
            if has_run {
                let seeded = existing.as_ref().map_or(wanted.today, |old| old.today);
                eprintln!(
                    "Using the demo data already in {}, with history up to {seeded}{}.",
                    data.data_dir.display(),
                    if seeded < wanted.today {
                        " (--reseed brings its open orders and shipments up to today)"
                    } else {
                        ""
                    }
                );
            } else {
                seed(&data.data_dir, &wanted).await?;
            }
            let app = LocalApp::open(&data.data_dir).await?;
            serve_with_banner(&app, &serve, true).await
        }
        Command::Seed {
            data,
            spec,
            dry_run: true,
        } => {
            let summary = demo::generate(&spec.spec()).summary;
            let _ = data;
            write_stdout(&format!("{}\n", serde_json::to_string_pretty(&summary)?))
        }
        Command::Seed {
            data,
            spec,
            dry_run: false,
        } => seed(&data.data_dir, &spec.spec()).await,
        Command::Serve { data, serve } => {
            let app = LocalApp::open(&data.data_dir).await?;
            serve_with_banner(&app, &serve, false).await
        }
        Command::Events { data, follow } => {
            if !follow {
                // Whatever the outbox holds that no server has published yet.
                let app = LocalApp::open(&data.data_dir).await?;
                portal_local::events::publish_new(&app.state.store, &data.data_dir).await?;
            }
            portal_local::events::print(&data.data_dir, follow, std::io::stdout()).await
        }
        Command::GraphqlSchema => write_stdout(&graphql_api::sdl()),
        Command::GraphqlBreaking { old, new, accepted } => {
            let read = |path: &PathBuf| {
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))
            };
            let changes = graphql_api::breaking::breaking_changes(&read(&old)?, &read(&new)?)
                .map_err(anyhow::Error::msg)?;
            let accepted: Vec<String> = match &accepted {
                Some(path) if path.exists() => read(path)?
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .collect(),
                _ => Vec::new(),
            };
            let refused: Vec<&String> = changes.iter().filter(|c| !accepted.contains(c)).collect();
            for change in &changes {
                let mark = if accepted.contains(change) {
                    "accepted"
                } else {
                    "BREAKING"
                };
                write_stdout(&format!("{mark}: {change}\n"))?;
            }
            if !refused.is_empty() {
                anyhow::bail!(
                    "{} breaking change(s) to the GraphQL schema: deprecate (@deprecated) before \
                     removing, or, if it is meant, list each line in the accepted file",
                    refused.len()
                );
            }
            Ok(())
        }
        Command::Token { data, user, hours } => {
            let app = LocalApp::open(&data.data_dir).await?;
            let token = app.auth.issue(&user, Duration::from_secs(hours * 3600))?;
            write_stdout(&format!("{token}\n"))
        }
        Command::Invoke {
            data,
            function,
            event,
            sub,
        } => {
            let text = std::fs::read_to_string(&event)
                .with_context(|| format!("cannot read {}", event.display()))?;
            let mut event: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", event.display()))?;
            if let Some(sub) = sub {
                event = portal_local::invoke::with_subject(event, &sub);
            }
            let app = LocalApp::open(&data.data_dir).await?;
            let response = portal_local::invoke::invoke(&app, &function, event).await?;
            write_stdout(&format!("{}\n", serde_json::to_string_pretty(&response)?))
        }
        Command::Analytics(AnalyticsCommand::Run { data, args }) => {
            let text = portal_local::analytics::run(&data.data_dir, args).await?;
            write_stdout(&text)
        }
        Command::Analytics(AnalyticsCommand::Generate(args)) => {
            let text = portal_local::analytics::generate(args).await?;
            write_stdout(&text)
        }
        Command::Analytics(AnalyticsCommand::Merge { out }) => {
            let text = portal_local::analytics::finish_shards(out).await?;
            write_stdout(&text)
        }
        Command::Analytics(AnalyticsCommand::Plan(args)) => {
            let text = portal_local::analytics::plan(args).await?;
            write_stdout(&text)
        }
        Command::Analytics(AnalyticsCommand::Shard(args)) => {
            let text = portal_local::analytics::shard(args).await?;
            write_stdout(&text)
        }
        Command::Ingest { data, args } => {
            let text = portal_local::ingest::run(&data.data_dir, args).await?;
            write_stdout(&text)
        }
        Command::Bench(args) => portal_local::bench::run(args).await,
        Command::BenchColdStart(args) => portal_local::cold_start::run(args).await,
        Command::BenchLoad(args) => portal_local::bench_load::run(args).await,
        Command::BenchIngest(args) => {
            let text = portal_local::bench_ingest::run(args).await?;
            write_stdout(&text)
        }
        Command::BenchPricing(args) => write_stdout(&portal_local::bench_pricing::run(args)?),
        Command::BenchGraphql(args) => write_stdout(&portal_local::bench_graphql::run(args).await?),
        Command::BenchPlacement(args) => {
            write_stdout(&portal_local::bench_placement::run(args).await?)
        }
    }
}

fn read_marker(data_dir: &Path) -> Option<DemoSpec> {
    serde_json::from_str(&std::fs::read_to_string(data_dir.join(MARKER)).ok()?).ok()
}

/// Empties the data folder and loads demo data; the marker is written last, so an interrupted
/// seed is redone rather than served half-written.
async fn seed(data_dir: &Path, spec: &DemoSpec) -> anyhow::Result<()> {
    for stale in [
        MARKER,
        "dynamodb.sqlite",
        "dynamodb.sqlite-wal",
        "dynamodb.sqlite-shm",
    ] {
        let path = data_dir.join(stale);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    let s3 = data_dir.join("s3");
    if s3.exists() {
        std::fs::remove_dir_all(&s3).with_context(|| format!("cannot remove {}", s3.display()))?;
    }
    let started = Instant::now();
    eprintln!(
        "Generating demo data: seed {}, {} accounts, {} SKUs, ~{} order lines over {} years up to {}...",
        spec.seed, spec.accounts, spec.skus, spec.order_lines, spec.years, spec.today
    );
    let data = demo::generate(spec);
    let summary = data.summary.clone();
    let lake_lines = portal_local::analytics::lake_lines(&data.records);
    eprintln!(
        "Generated {} orders with {} lines, {} shipments, {} invoices, {} documents in {:.1} s. Loading...",
        summary.orders,
        summary.order_lines,
        summary.shipments,
        summary.invoices,
        summary.documents,
        started.elapsed().as_secs_f64()
    );
    let app = LocalApp::open(data_dir).await?;
    // A fresh folder that is re-seeded if anything fails: no need to sync every write to disk.
    let bulk = &app.emulators.dynamodb;
    bulk.enable_bulk_loading()
        .map_err(|e| anyhow::anyhow!("cannot enter bulk-loading mode: {e}"))?;
    // The analytics run reads only the lake, which is written from the generated orders, and
    // writes only its own items: it runs side by side with the loading of the records and files.
    let analyse = async {
        let started = Instant::now();
        let months = portal_local::analytics::replace_order_lines(&app, lake_lines).await?;
        let lake = started.elapsed();
        let published = portal_local::analytics::publish_lake_run(
            &app,
            analytics::pipeline::Params::new(spec.today),
        )
        .await?;
        anyhow::Ok((months, lake, published, started.elapsed()))
    };
    let load = demo::load(&app.state.store, data);
    let (loaded, analysed) = tokio::join!(load, analyse);
    bulk.disable_bulk_loading()
        .map_err(|e| anyhow::anyhow!("cannot leave bulk-loading mode: {e}"))?;
    let times = loaded?;
    let (months, lake, published, analysed) = analysed?;
    eprintln!(
        "Loaded the table's records in {:.1} s and the documents in {:.1} s; wrote {months} months of order lines to the lake in {:.1} s and published analytics run {} ({} reorder predictions, {} forecast rows) in {:.1} s, side by side.",
        times.records.as_secs_f64(),
        times.documents.as_secs_f64(),
        lake.as_secs_f64(),
        published.run_id,
        published.reorder_predictions,
        published.forecast_rows,
        analysed.as_secs_f64()
    );
    demo::commerce::seed(&app)
        .await
        .context("cannot make the demo's carts and approvals")?;
    std::fs::write(data_dir.join(MARKER), serde_json::to_vec_pretty(spec)?)?;
    eprintln!(
        "Seeded {} in {:.1} s.",
        data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve_with_banner(
    app: &LocalApp,
    args: &ServeArgs,
    demo_users: bool,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let url = format!("http://{}", listener.local_addr()?);
    let mut banner = format!("\nb2b-portal is serving on {url}\n");
    if portal_local::web::is_built() {
        banner.push_str(&format!(
            "\nThe portal web app: {url}/ (sign in as one of the demo users)\n"
        ));
    }
    if demo_users {
        banner.push_str("\nDev tokens (valid 12 hours):\n");
        for (user, what) in demo::DEMO_USERS {
            let token = app.auth.issue(user, Duration::from_secs(12 * 3600))?;
            banner.push_str(&format!("\n  {user} ({what}):\n  {token}\n"));
        }
        let buyer = app
            .auth
            .issue(demo::DEMO_BUYER, Duration::from_secs(12 * 3600))?;
        let manager = app
            .auth
            .issue(demo::DEMO_MANAGER, Duration::from_secs(12 * 3600))?;
        banner.push_str(&format!(
            "\nTry:\n  curl -H \"Authorization: Bearer {buyer}\" {url}/orders\n  \
             curl -H \"Authorization: Bearer {buyer}\" '{url}/reorder-suggestions?status=due,overdue'\n  \
             curl -H \"Authorization: Bearer {manager}\" '{url}/worklist?status=due,overdue&per_account=3'\n\n\
             Press Ctrl-C to stop.\n"
        ));
    }
    banner.push_str(&format!(
        "\nOrder events for the ERP go to {} (`portal events --follow` prints them).\n",
        portal_local::events::log_path(&app.data_dir).display()
    ));
    banner.push_str(&format!(
        "\nExports copied into {} are ingested as they arrive.\n",
        app.data_dir
            .join("s3")
            .join(portal_local::server::INGEST_BUCKET)
            .join("incoming/<source>/<entity>/")
            .display()
    ));
    write_stdout(&banner)?;
    tokio::spawn(portal_local::events::publish_continuously(
        app.state.store.clone(),
        app.data_dir.clone(),
    ));
    tokio::spawn(portal_local::drops::watch(app.ingest_function(), |line| {
        let _ = write_stdout(&format!("ingest: {line}\n"));
    }));
    app.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

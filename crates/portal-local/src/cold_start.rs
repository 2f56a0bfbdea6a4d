//! `portal bench-cold-start`: how fast each built function is ready for its first event, and how
//! big it is.
//!
//! Each run starts the function binary with Lambda's environment against a Runtime API on
//! loopback and times process start to the function's first request for an event (config
//! read, SDK clients built, runtime up). The baseline, measured in the same run, is starting and
//! waiting for a process that does nothing (`true`): the part of a cold start no code can save.

use crate::LocalApp;
use crate::runtime_api::{RuntimeApi, lambda_environment};
use anyhow::Context;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Options of `portal bench-cold-start`.
#[derive(Debug, clap::Args)]
pub struct ColdStartArgs {
    /// The folder of the built function binaries (`cargo build --release -p me-api -p ...`).
    #[arg(long)]
    bin_dir: PathBuf,
    /// Starts per function (the median is reported).
    #[arg(long, default_value_t = 21)]
    runs: usize,
    /// Only these functions (repeat the flag); all API functions by default.
    #[arg(long = "function")]
    only: Vec<String>,
}

/// The cold-start budget per function.
const START_BUDGET: Duration = Duration::from_millis(25);
/// The size budget per binary (decimal megabytes).
const SIZE_BUDGET: u64 = 8_000_000;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

async fn baseline(runs: usize) -> anyhow::Result<Duration> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        tokio::process::Command::new("true")
            .status()
            .await
            .context("cannot run `true`")?;
        samples.push(started.elapsed());
    }
    Ok(median(samples))
}

async fn cold_start(binary: &PathBuf, function: &str, app: &LocalApp) -> anyhow::Result<Duration> {
    let api = RuntimeApi::start().await?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(lambda_environment(function, api.address, app))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let ready = api.first_poll(Duration::from_secs(30)).await?;
    let elapsed = ready.duration_since(started);
    child.kill().await?;
    Ok(elapsed)
}

/// Runs the benchmark and prints a Markdown table.
pub async fn run(args: ColdStartArgs) -> anyhow::Result<()> {
    let data = std::env::temp_dir().join(format!("portal-cold-start-{}", std::process::id()));
    let app = LocalApp::open(&data).await?;
    let runs = args.runs.max(1);
    let base = baseline(runs).await?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut report = format!(
        "Cold start (process start to first event request), median of {runs} starts; baseline \
         (start and wait for `true`): {:.2} ms\n\n\
         | function | cold start ms | × baseline | budget 25 ms | size MB (10^6 bytes) | budget 8 MB |\n\
         |---|---:|---:|---|---:|---|\n",
        ms(base)
    );
    for (function, _) in crate::server::functions() {
        if !args.only.is_empty() && !args.only.iter().any(|f| f == function) {
            continue;
        }
        let binary = args.bin_dir.join(function);
        let size = std::fs::metadata(&binary)
            .with_context(|| format!("no binary {}: build the functions first", binary.display()))?
            .len();
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            samples.push(cold_start(&binary, function, &app).await?);
        }
        let start = median(samples);
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        report.push_str(&format!(
            "| {function} | {:.2} | {:.1} | {} | {:.2} | {} |\n",
            ms(start),
            start.as_secs_f64() / base.as_secs_f64(),
            verdict(start <= START_BUDGET),
            size as f64 / 1e6,
            verdict(size <= SIZE_BUDGET),
        ));
    }
    drop(app);
    let _ = std::fs::remove_dir_all(&data);
    use std::io::Write;
    std::io::stdout().write_all(report.as_bytes())?;
    Ok(())
}

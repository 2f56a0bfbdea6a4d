//! The command-line contract of the analytics job, file to file:
//!
//! `run --orders FILE --as-of YYYY-MM-DD --out DIR [--horizon-days 30] [--bucket week|month]
//! [--periods N] [--shard i/n]` and `merge --out DIR`; for shards that each read only their own
//! lines, `plan ... --shards N` (the globals and every shard's lines, to `DIR/plan/`), then
//! `shard --out DIR --shard i/n` for each shard, then `merge`. `portal analytics` takes these
//! arguments, and so does the job's own binary when started with them outside Lambda (the
//! build SAM deploys, run on a file: [`main`]). Here, not in the analytics library, so that the
//! library links no command-line parser.

use analytics::history::Period;
use analytics::input::{InputError, OrderLines, read_file};
use analytics::pipeline::{
    GLOBALS_FILE, Globals, MergeError, Params, RunResult, Shard, encode_lines, finish, lines_file,
    run_part, run_shard,
};
use analytics::report::{ReportError, read_shards, write_run, write_shard};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// The parameters of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Order lines, CSV or Parquet (by extension: .parquet or .pq), with columns account_id, sku,
    /// order_date (YYYY-MM-DD), quantity, and optionally order_id, unit_price, division,
    /// pack_size.
    #[arg(long, value_name = "FILE")]
    pub orders: Option<PathBuf>,
    /// Predict as of this day; only history strictly before it is used.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_arg)]
    pub as_of: Option<NaiveDate>,
    /// The folder receiving reorder_predictions.csv, forecasts.csv (and .parquet) and run.json;
    /// with --shard, the shard's part goes to DIR/shards/.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Reorder probabilities are for at least one order within this many days after as-of.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=366))]
    pub horizon_days: i64,
    /// The forecast period.
    #[arg(long, value_enum, default_value = "month")]
    pub bucket: PeriodArg,
    /// How many periods to forecast, from the one holding as-of (also the backtest's length).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u16).range(1..=520))]
    pub periods: u16,
    /// Earlier origins, one horizon apart, whose snapshots train and score the calibration.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(2..=24))]
    pub origins: u16,
    /// Process one shard only, `i/n` (1-based): accounts and SKUs are split by a stable hash.
    /// `merge` then combines the n parts into exactly the single run's results.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,
}

impl RunArgs {
    /// The run parameters, as of `as_of` (or the given default).
    pub fn params(&self, default_as_of: NaiveDate) -> Params {
        Params {
            as_of: self.as_of.unwrap_or(default_as_of),
            horizon_days: self.horizon_days,
            bucket: self.bucket.into(),
            periods: usize::from(self.periods),
            origins: usize::from(self.origins),
        }
    }
}

/// `--bucket`: the forecast period ([`Period`]), by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl From<PeriodArg> for Period {
    fn from(arg: PeriodArg) -> Period {
        match arg {
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
        }
    }
}

fn date_arg(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("expected YYYY-MM-DD, got `{s}`"))
}

/// Why a file-to-file run failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0} is required with --orders")]
    Missing(&'static str),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{path}: {message}")]
    Plan { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(&'static str),
}

/// The folder under `--out` where `plan` writes and `shard` reads.
pub const PLAN_DIR: &str = "plan";

/// What a file-to-file command produced.
#[derive(Debug)]
pub enum Outcome {
    /// A whole run, written to the output folder.
    Run(Box<RunResult>),
    /// One shard's part, written to this file.
    Shard(PathBuf),
}

/// A run's input, read and validated, and where its outputs go.
struct Input<'a> {
    orders: OrderLines,
    params: Params,
    out: &'a Path,
    read_ms: f64,
}

/// Reads `--orders` (checked, with `--as-of` and `--out`), timing the read.
fn read_input(args: &RunArgs) -> Result<Input<'_>, CliError> {
    let orders_path = args
        .orders
        .as_deref()
        .ok_or(CliError::Missing("--orders"))?;
    let as_of = args.as_of.ok_or(CliError::Missing("--as-of"))?;
    let out = args.out.as_deref().ok_or(CliError::Missing("--out"))?;
    let started = std::time::Instant::now();
    let orders = read_file(orders_path)?;
    Ok(Input {
        orders,
        params: args.params(as_of),
        out,
        read_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// `run --orders FILE ...`: reads, validates (nothing is written if the input is bad), runs and
/// writes the outputs.
pub fn run_files(args: &RunArgs) -> Result<Outcome, CliError> {
    let Input {
        orders,
        params,
        out,
        read_ms,
    } = read_input(args)?;
    let mut part = run_shard(&orders, params, args.shard.unwrap_or(Shard::ALL));
    part.timings_ms.insert("read".into(), read_ms);
    if args.shard.is_some() {
        return Ok(Outcome::Shard(write_shard(&part, out)?));
    }
    let run = finish(vec![part])?;
    write_run(&run, out)?;
    Ok(Outcome::Run(Box::new(run)))
}

/// `plan --orders FILE ... --shards N`: reads and validates the input (nothing is written if it
/// is bad), then writes the run's globals and each shard's lines to `DIR/plan/`. Returns the
/// folder.
pub fn plan_files(args: &RunArgs, shards: u32) -> Result<PathBuf, CliError> {
    if args.shard.is_some() {
        return Err(CliError::Usage(
            "plan writes every shard's lines: give --shards N, and --shard i/N to `shard`",
        ));
    }
    let Input {
        orders,
        params,
        out,
        read_ms,
    } = read_input(args)?;
    let mut globals = Globals::of(&orders, params);
    globals.timings_ms.insert("read".into(), read_ms);
    let dir = out.join(PLAN_DIR);
    let failed = |path: &Path, message: String| CliError::Plan {
        path: path.to_path_buf(),
        message,
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed(&dir, e.to_string()))?;
    for index in 1..=shards.max(1) {
        let shard = Shard {
            index,
            count: shards.max(1),
        };
        let path = dir.join(lines_file(shard));
        let bytes = encode_lines(&globals.shard_lines(&orders, shard))
            .map_err(|e| failed(&path, e.to_string()))?;
        std::fs::write(&path, bytes).map_err(|e| failed(&path, e.to_string()))?;
    }
    let path = dir.join(GLOBALS_FILE);
    let json = serde_json::to_vec(&globals).map_err(|e| failed(&path, e.to_string()))?;
    std::fs::write(&path, json).map_err(|e| failed(&path, e.to_string()))?;
    Ok(dir)
}

/// `shard --out DIR --shard i/n`: computes shard `i/n` from `DIR/plan/` (the globals and the
/// shard's own lines) and leaves its part in `DIR/shards/`.
pub fn shard_files(out: &Path, shard: Shard) -> Result<PathBuf, CliError> {
    let started = std::time::Instant::now();
    let dir = out.join(PLAN_DIR);
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| CliError::Plan {
            message: format!("{e} (plan with --shards {} first)", shard.count),
            path,
        })
    };
    let globals: Globals =
        serde_json::from_slice(&read(GLOBALS_FILE)?).map_err(|e| CliError::Plan {
            path: dir.join(GLOBALS_FILE),
            message: format!("not a plan's globals: {e}"),
        })?;
    let orders = globals
        .shard_orders(&read(&lines_file(shard))?)
        .map_err(|e| CliError::Plan {
            path: dir.join(lines_file(shard)),
            message: e.to_string(),
        })?;
    let read_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut part = run_part(&orders, &globals, shard);
    *part.timings_ms.entry("read".into()).or_default() += read_ms;
    Ok(write_shard(&part, out)?)
}

/// `merge --out DIR`: finishes the run from the shard parts in `DIR/shards/`.
pub fn finish_files(out: &Path) -> Result<RunResult, CliError> {
    let run = finish(read_shards(out)?)?;
    write_run(&run, out)?;
    Ok(run)
}

/// The job binary's commands outside Lambda.
#[derive(Debug, clap::Parser)]
#[command(
    name = "analytics-job",
    about = "The analytics job. In Lambda it takes the state machine's steps; given a command, it runs file to file, as `portal analytics run` does."
)]
enum Command {
    /// Reorder predictions and demand forecasts from an order-line file.
    Run(RunArgs),
    /// Combines the shard parts in DIR/shards/ into the run's outputs.
    Merge {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Plans a run of N shards that each read only their own lines: the globals and every
    /// shard's lines, to DIR/plan/.
    Plan(PlanArgs),
    /// Computes one shard of a plan (DIR/plan/) and leaves its part in DIR/shards/.
    Shard(ShardArgs),
}

/// `plan`'s arguments: a run's, and the number of shards.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// How many shards to write lines for.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub shards: u32,
}

/// `shard`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ShardArgs {
    /// The folder `plan` wrote to (its plan/ folder is read; the part goes to shards/).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The shard, `i/n`, of a plan of n shards.
    #[arg(long, value_name = "i/n")]
    pub shard: Shard,
}

/// Runs the command given on the command line, printing what it wrote; the exit code says
/// whether it worked.
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    let result = match Command::parse() {
        Command::Run(args) => run_files(&args).map(|outcome| match outcome {
            Outcome::Run(run) => format!("run {} written", run.run_id),
            Outcome::Shard(path) => format!("wrote shard part {}", path.display()),
        }),
        Command::Merge { out } => {
            finish_files(&out).map(|run| format!("run {} written", run.run_id))
        }
        Command::Plan(args) => plan_files(&args.run, args.shards).map(|dir| {
            format!(
                "wrote the plan of {} shards to {}",
                args.shards,
                dir.display()
            )
        }),
        Command::Shard(args) => shard_files(&args.out, args.shard)
            .map(|path| format!("wrote shard part {}", path.display())),
    };
    match result {
        Ok(said) => {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{said}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

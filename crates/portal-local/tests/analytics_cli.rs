//! The file-to-file contract of `portal analytics run`, through the built command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn portal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(args)
        .output()
        .expect("portal runs")
}

fn ok(args: &[&str]) -> String {
    let out = portal(args);
    assert!(
        out.status.success(),
        "portal {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A generated history of about 6,000 lines, ending 2024-07-01.
fn history(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(name);
    ok(&[
        "analytics",
        "generate",
        "--lines",
        "6000",
        "--accounts",
        "30",
        "--skus",
        "40",
        "--start",
        "2022-01-01",
        "--end",
        "2024-07-01",
        "--out",
        path(&file),
    ]);
    file
}

fn run(orders: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "analytics",
        "run",
        "--orders",
        path(orders),
        "--as-of",
        "2024-06-01",
        "--out",
        path(out),
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn header(p: &Path) -> String {
    read(p).lines().next().unwrap_or_default().to_string()
}

fn write(p: &Path, text: &str) -> PathBuf {
    std::fs::write(p, text).expect("write");
    p.to_path_buf()
}

#[test]
fn a_run_writes_both_tables_with_the_contract_columns_and_a_run_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = history(dir.path(), "orders.csv");
    let out = dir.path().join("out");
    let said = run(&orders, &out, &["--bucket", "week", "--periods", "4"]);
    assert!(said.contains("reorder predictions"), "{said}");

    assert!(
        header(&out.join("reorder_predictions.csv")).starts_with(
            "account_id,sku,orders_seen,last_order_date,expected_next_date,p_reorder,\
             expected_quantity,suggested_quantity,status,reason"
        ),
        "{}",
        header(&out.join("reorder_predictions.csv"))
    );
    assert!(
        header(&out.join("forecasts.csv"))
            .starts_with("sku,period_start,mean,q50,q90,q95,method,demand_class")
    );
    let forecasts = read(&out.join("forecasts.csv"));
    // Weekly buckets: the first forecast period is the Monday of as-of's week.
    assert!(
        forecasts.contains(",2024-05-27,"),
        "weekly periods start on Mondays"
    );
    let statuses = read(&out.join("reorder_predictions.csv"));
    for status in ["due", "overdue", "lapsing", "not yet due"] {
        assert!(
            statuses.contains(&format!(",{status},")),
            "some pair is {status}"
        );
    }
    for parquet in ["reorder_predictions.parquet", "forecasts.parquet"] {
        assert!(out.join(parquet).exists(), "{parquet}");
    }

    let report: serde_json::Value =
        serde_json::from_str(&read(&out.join("run.json"))).expect("run.json is JSON");
    assert_eq!(report["params"]["as_of"], "2024-06-01");
    assert_eq!(report["params"]["bucket"], "week");
    assert_eq!(report["params"]["periods"], 4);
    assert_eq!(report["calibration"]["method"], "logistic");
    let reorder = &report["metrics"]["reorder"];
    for metric in ["pr_auc", "roc_auc", "brier", "calibration_error"] {
        assert!(
            reorder["calibrated"][metric].is_number(),
            "{metric}: {reorder}"
        );
    }
    assert!(reorder["next_date_mae_days"].is_number());
    assert!(report["metrics"]["forecast"]["all"]["rmsse"].is_number());
    assert!(report["timings_ms"]["forecast"].is_number());
    assert_eq!(
        report["input"]["last_order_date_used"], "2024-05-31",
        "only history before as-of"
    );
}

#[test]
fn history_on_or_after_as_of_changes_nothing_and_a_rerun_is_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = history(dir.path(), "orders.csv");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&orders, &a, &[]);
    // The same history cut at as-of.
    let text = read(&orders);
    let mut cut: Vec<&str> = text.lines().take(1).collect();
    cut.extend(text.lines().skip(1).filter(|l| {
        let date = l.split(',').nth(2).unwrap_or_default();
        date < "2024-06-01"
    }));
    assert!(
        cut.len() < text.lines().count(),
        "the history runs past as-of"
    );
    let cut_file = write(&dir.path().join("cut.csv"), &(cut.join("\n") + "\n"));
    run(&cut_file, &b, &[]);
    for file in ["reorder_predictions.csv", "forecasts.csv"] {
        assert_eq!(read(&a.join(file)), read(&b.join(file)), "{file}");
    }
    let again = dir.path().join("again");
    run(&orders, &again, &[]);
    for file in ["reorder_predictions.csv", "forecasts.csv"] {
        assert_eq!(read(&a.join(file)), read(&again.join(file)), "{file}");
    }
}

#[test]
fn n_shards_finished_together_give_exactly_the_single_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = history(dir.path(), "orders.parquet");
    let single = dir.path().join("single");
    run(&orders, &single, &[]);
    let sharded = dir.path().join("sharded");
    for shard in ["2/3", "1/3", "3/3"] {
        let said = run(&orders, &sharded, &["--shard", shard]);
        assert!(said.contains("shard"), "{said}");
    }
    assert!(
        !sharded.join("forecasts.csv").exists(),
        "a shard alone is not a run"
    );
    ok(&["analytics", "merge", "--out", path(&sharded)]);
    for file in ["reorder_predictions.csv", "forecasts.csv"] {
        assert_eq!(
            read(&single.join(file)),
            read(&sharded.join(file)),
            "{file}"
        );
    }
    let metrics = |d: &Path| {
        let v: serde_json::Value = serde_json::from_str(&read(&d.join("run.json"))).expect("json");
        (
            v["run_id"].clone(),
            v["metrics"].clone(),
            v["calibration"].clone(),
        )
    };
    assert_eq!(metrics(&single), metrics(&sharded));
}

#[test]
fn planned_shards_reading_only_their_own_lines_give_exactly_the_single_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = history(dir.path(), "orders.parquet");
    let single = dir.path().join("single");
    run(&orders, &single, &[]);
    let planned = dir.path().join("planned");
    let said = ok(&[
        "analytics",
        "plan",
        "--orders",
        path(&orders),
        "--as-of",
        "2024-06-01",
        "--out",
        path(&planned),
        "--shards",
        "3",
    ]);
    assert!(said.contains("plan of 3 shards"), "{said}");
    for shard in ["3/3", "1/3", "2/3"] {
        ok(&[
            "analytics",
            "shard",
            "--out",
            path(&planned),
            "--shard",
            shard,
        ]);
    }
    // A shard the plan did not write lines for is refused, naming the file.
    let other = portal(&[
        "analytics",
        "shard",
        "--out",
        path(&planned),
        "--shard",
        "1/2",
    ]);
    assert!(!other.status.success());
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(stderr.contains("lines-1-of-2.parquet"), "{stderr}");
    ok(&["analytics", "merge", "--out", path(&planned)]);
    for file in ["reorder_predictions.csv", "forecasts.csv", "accounts.csv"] {
        assert_eq!(
            read(&single.join(file)),
            read(&planned.join(file)),
            "{file}"
        );
    }
    let id = |d: &Path| {
        let v: serde_json::Value = serde_json::from_str(&read(&d.join("run.json"))).expect("json");
        (
            v["run_id"].clone(),
            v["metrics"].clone(),
            v["shards"].clone(),
        )
    };
    assert_eq!(id(&single).0, id(&planned).0);
    assert_eq!(id(&single).1, id(&planned).1);
    assert_eq!(id(&planned).2, 3);
}

#[test]
fn merging_an_incomplete_set_of_shards_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = history(dir.path(), "orders.csv");
    let out = dir.path().join("out");
    run(&orders, &out, &["--shard", "1/2"]);
    let said = portal(&["analytics", "merge", "--out", path(&out)]);
    assert!(!said.status.success());
    assert!(
        String::from_utf8_lossy(&said.stderr).contains("expected 2 shards"),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );
    assert!(!out.join("run.json").exists());
}

#[test]
fn a_single_account_or_a_single_sku_is_a_valid_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one_account = write(
        &dir.path().join("one-account.csv"),
        "account_id,sku,order_date,quantity\n\
         ACME,BOLT-1,2024-01-02,10\nACME,BOLT-1,2024-02-01,12\nACME,BOLT-1,2024-03-04,10\n\
         ACME,NUT-2,2024-01-15,5\nACME,NUT-2,2024-04-15,5\n",
    );
    let out = dir.path().join("a");
    run(&one_account, &out, &[]);
    let rows = read(&out.join("reorder_predictions.csv"));
    assert_eq!(rows.lines().count(), 3, "{rows}");
    assert!(rows.contains("ACME,BOLT-1,3,2024-03-04,"), "{rows}");
    let report: serde_json::Value =
        serde_json::from_str(&read(&out.join("run.json"))).expect("json");
    assert_eq!(
        report["calibration"]["method"], "none",
        "too little history to calibrate: the model's probabilities stand"
    );

    let one_sku = write(
        &dir.path().join("one-sku.csv"),
        "order_date,quantity,sku,account_id\n\
         2023-11-20,1,VALVE,A1\n2024-01-10,2,VALVE,A2\n2024-03-01,1,VALVE,A1\n",
    );
    let out = dir.path().join("b");
    run(&one_sku, &out, &[]);
    let forecasts = read(&out.join("forecasts.csv"));
    assert_eq!(
        forecasts.lines().count(),
        1 + 6,
        "six monthly periods: {forecasts}"
    );
    assert!(forecasts.contains("VALVE,2024-06-01,"), "{forecasts}");
}

fn refused(dir: &Path, name: &str, text: &str) -> String {
    let orders = write(&dir.join(name), text);
    let out = dir.join(format!("out-{name}"));
    let said = portal(&[
        "analytics",
        "run",
        "--orders",
        path(&orders),
        "--as-of",
        "2024-06-01",
        "--out",
        path(&out),
    ]);
    assert!(!said.status.success(), "{name} was accepted");
    assert!(!out.exists(), "{name}: nothing may be written");
    String::from_utf8_lossy(&said.stderr).into_owned()
}

#[test]
fn bad_input_is_refused_naming_the_row_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let said = refused(
        d,
        "no-quantity.csv",
        "account_id,sku,order_date\nA,X,2024-01-01\n",
    );
    assert!(said.contains("no column `quantity`"), "{said}");
    assert!(said.contains("account_id, sku, order_date"), "{said}");

    let said = refused(
        d,
        "bad-date.csv",
        "account_id,sku,order_date,quantity\nA,X,2024-01-01,1\nA,X,01/02/2024,1\n",
    );
    assert!(said.contains("row 2 (line 3)"), "{said}");
    assert!(
        said.contains("`order_date`") && said.contains("01/02/2024"),
        "{said}"
    );

    let said = refused(
        d,
        "negative.csv",
        "account_id,sku,order_date,quantity\nA,X,2024-01-01,1\nA,X,2024-01-02,2\nA,Y,2024-01-03,-4\n",
    );
    assert!(said.contains("row 3 (line 4)"), "{said}");
    assert!(said.contains("must not be negative, got `-4`"), "{said}");

    let said = refused(
        d,
        "empty-sku.csv",
        "account_id,sku,order_date,quantity\nA,,2024-01-01,1\n",
    );
    assert!(said.contains("row 1 (line 2): `sku` is empty"), "{said}");

    let said = refused(
        d,
        "words.csv",
        "account_id,sku,order_date,quantity\nA,X,2024-01-01,ten\n",
    );
    assert!(
        said.contains("`quantity` must be a number, got `ten`"),
        "{said}"
    );
}

#[test]
fn the_flags_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = history(dir.path(), "orders.csv");
    for (flag, value) in [
        ("--bucket", "day"),
        ("--periods", "0"),
        ("--horizon-days", "0"),
        ("--as-of", "2024-13-01"),
        ("--shard", "4/3"),
    ] {
        let mut args = vec!["analytics", "run", "--orders", path(&orders), "--out", "x"];
        if flag != "--as-of" {
            args.extend(["--as-of", "2024-06-01"]);
        }
        args.extend([flag, value]);
        let said = portal(&args);
        assert!(!said.status.success(), "{flag} {value} was accepted");
        let err = String::from_utf8_lossy(&said.stderr);
        assert!(err.contains(flag), "{flag}: {err}");
    }
}

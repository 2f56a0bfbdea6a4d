//! The job's binary outside Lambda: given a command it runs file to file, as `portal analytics
//! run` does, so the deployed build can be checked on a file.

use std::path::Path;
use std::process::Command;

/// `analytics-job run --orders ORDERS --as-of 2024-06-01 --out OUT`.
fn run(orders: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_analytics-job"))
        .arg("run")
        .arg("--orders")
        .arg(orders)
        .args(["--as-of", "2024-06-01", "--out"])
        .arg(out)
        .output()
        .expect("the job's binary starts")
}

#[test]
fn the_job_binary_given_a_command_runs_file_to_file_and_refuses_bad_input_without_writing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders = dir.path().join("orders.csv");
    std::fs::write(
        &orders,
        "account_id,sku,order_date,quantity\n\
         ACME,BOLT-1,2024-01-02,10\nACME,BOLT-1,2024-02-01,12\nACME,BOLT-1,2024-03-04,10\n\
         ACME,NUT-2,2024-01-15,5\nACME,NUT-2,2024-04-15,5\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let said = run(&orders, &out);
    assert!(said.status.success(), "{said:?}");
    assert!(String::from_utf8_lossy(&said.stdout).starts_with("run 2024-06-01-"));
    let predictions = std::fs::read_to_string(out.join("reorder_predictions.csv")).expect("csv");
    assert_eq!(predictions.lines().count(), 3, "{predictions}");
    assert!(out.join("run.json").exists());

    std::fs::write(
        &orders,
        "account_id,sku,order_date,quantity\nACME,BOLT-1,someday,1\n",
    )
    .expect("write");
    let refused = dir.path().join("refused");
    let said = run(&orders, &refused);
    assert!(!said.status.success());
    let error = String::from_utf8_lossy(&said.stderr);
    assert!(error.contains("someday"), "{error}");
    assert!(!refused.join("run.json").exists());
}

//! The analytics job over the lake: a run is published atomically, reruns are identical, shards
//! finish into the single run, and a failure at any stage leaves the served run untouched.

use analytics::pipeline::{Params, Shard};
use analytics::synthetic::{self, History};
use analytics_job::{Job, LakeLine};
use chrono::NaiveDate;
use portal_store::Lake;
use tests::fixture::*;
use tests::{TestApp, spawn_app};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// A generated history of about 4,000 lines ending 2024-07-01, as lake lines.
pub(crate) fn history() -> Vec<LakeLine> {
    let h = synthetic::generate(synthetic::Spec {
        seed: 11,
        accounts: 25,
        skus: 30,
        lines: 4_000,
        start: day("2022-07-01"),
        end: day("2024-07-01"),
    });
    h.lines
        .iter()
        .enumerate()
        .map(|(i, l)| LakeLine {
            account_id: History::account_id(l.account),
            sku: History::sku_id(l.sku),
            order_date: l.date,
            quantity: l.quantity,
            order_id: format!("SO-{i}"),
            unit_price: 9.5,
            division: Some(History::division_id(h.skus[l.sku as usize].division)),
            pack_size: Some(h.skus[l.sku as usize].pack_size),
            line_no: 1,
            revision: 0,
            cancelled: false,
        })
        .collect()
}

pub(crate) fn params() -> Params {
    Params::new(day("2024-07-01"))
}

async fn app_with_lake() -> (TestApp, Job) {
    let app = spawn_app().await;
    let job = app.job();
    portal_local::analytics::replace_order_lines(&app.local, history())
        .await
        .expect("lake written");
    (app, job)
}

pub(crate) async fn served_run(app: &TestApp) -> String {
    let run = app.get(ADMIN, "/analytics/run").await;
    run.body["run_id"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_run_over_the_lake_is_published_and_served_from_history_before_its_as_of() {
    let (app, job) = app_with_lake().await;
    let published = job.run("test", params(), 1).await.expect("published");
    assert!(published.served);
    assert_eq!(served_run(&app).await, published.run_id);
    let run = app.get(ADMIN, "/analytics/run").await;
    let report = &run.body["report"];
    assert_eq!(report["params"]["as_of"], "2024-07-01");
    assert!(
        report["input"]["last_order_date_used"]
            .as_str()
            .is_some_and(|d| d < "2024-07-01"),
        "{report}"
    );
    assert!(report["metrics"]["reorder"]["calibrated"]["pr_auc"].is_number());

    let account = History::account_id(0);
    let suggestions = app
        .get(
            ADMIN,
            &format!("/reorder-suggestions?account={account}&limit=100"),
        )
        .await;
    assert_eq!(suggestions.status, 200, "{}", suggestions.text);
    assert!(!suggestions.items().is_empty());
    let forecasts = app.get(ADMIN, "/forecasts?limit=5").await;
    assert_eq!(forecasts.items().len(), 5, "{}", forecasts.text);
    // Each forecast comes with the demand it continues: whole periods before as-of, in order,
    // the last one right before the forecast's first.
    for forecast in forecasts.items() {
        let days = |list: &str| -> Vec<String> {
            forecast[list]
                .as_array()
                .expect("a list")
                .iter()
                .map(|p| p["period_start"].as_str().expect("a day").to_owned())
                .collect()
        };
        let (history, periods) = (days("history"), days("periods"));
        assert!(!history.is_empty(), "{forecast}");
        assert!(history.windows(2).all(|w| w[0] < w[1]), "{forecast}");
        assert!(history.last() < periods.first(), "{forecast}");
        assert!(
            history.last().is_some_and(|d| d.as_str() < "2024-07-01"),
            "{forecast}"
        );
        assert!(
            forecast["history"]
                .as_array()
                .expect("history")
                .iter()
                .all(|p| p["demand"].as_f64().is_some_and(|d| d >= 0.0)),
            "{forecast}"
        );
    }
    // The reports are in the lake under the run's id.
    let lake = Lake::new(
        portal_local::clients::s3(&app.local.emulators.s3_endpoint),
        portal_local::server::LAKE_BUCKET,
    );
    let files = lake
        .list(&format!("analytics/runs/{}/", published.run_id))
        .await
        .expect("listed");
    let names: Vec<&str> = files
        .iter()
        .filter_map(|key| key.rsplit('/').next())
        .collect();
    assert_eq!(
        names,
        vec![
            "accounts.csv",
            "accounts.parquet",
            "forecasts.csv",
            "forecasts.parquet",
            "reorder_predictions.csv",
            "reorder_predictions.parquet",
            "run.json"
        ],
        "{files:?}"
    );
    assert_eq!(
        lake.list("analytics/jobs/").await.expect("listed"),
        vec!["analytics/jobs/test.published.json".to_owned()],
        "shard parts are cleaned up; what the publish did is kept"
    );
    // A retried publish step (Step Functions retries) answers the same, without the parts.
    assert_eq!(job.publish("test").await.expect("retried"), published);
}

#[tokio::test]
async fn a_rerun_of_the_same_inputs_publishes_identical_results() {
    let (app, job) = app_with_lake().await;
    let first = job.run("one", params(), 1).await.expect("first");
    let uri = format!(
        "/reorder-suggestions?account={}&limit=100",
        History::account_id(1)
    );
    let before = app.get(ADMIN, &uri).await.text;
    let second = job.run("two", params(), 1).await.expect("second");
    assert_eq!(first.run_id, second.run_id);
    assert_eq!(before, app.get(ADMIN, &uri).await.text);
    // The same run again replaces nothing.
    assert!(second.served);
    assert_eq!(second.replaced_run, None);
}

#[tokio::test]
async fn a_run_of_the_served_as_of_replaces_the_served_run_and_says_which() {
    let (app, job) = app_with_lake().await;
    let first = job.run("first", params(), 1).await.expect("first");
    assert!(first.served);
    // Run again for the same day with other parameters (or more of that day's orders).
    let again = Params {
        periods: params().periods + 2,
        ..params()
    };
    let second = job.run("again", again, 1).await.expect("second");
    assert_ne!(first.run_id, second.run_id);
    assert!(second.served, "a rerun for the served day is not blocked");
    let replaced = second.replaced_run.expect("the replaced run is named");
    assert_eq!(replaced.run_id, first.run_id);
    assert_eq!(replaced.as_of, first.as_of);
    assert_eq!(served_run(&app).await, second.run_id);
}

#[tokio::test]
async fn reports_older_than_the_retention_are_removed_but_the_served_runs() {
    let (_app, job) = app_with_lake().await;
    let old = job.run("old", params(), 1).await.expect("first");
    let again = Params {
        periods: params().periods + 2,
        ..params()
    };
    let served = job.run("served", again, 1).await.expect("second");
    assert!(served.removed_reports.is_empty(), "nothing is that old yet");
    let reports = |run: String| {
        let lake = job.lake.clone();
        async move {
            lake.list(&format!("{}{run}/", portal_store::lake::RUNS_PREFIX))
                .await
                .expect("listed")
                .len()
        }
    };
    assert!(reports(old.run_id.clone()).await > 0);
    assert!(reports(served.run_id.clone()).await > 0);

    let now = chrono::Utc::now();
    assert!(job.retire_reports(now).await.expect("retired").is_empty());
    let later = now + job.retention + chrono::TimeDelta::hours(1);
    assert_eq!(
        job.retire_reports(later).await.expect("retired"),
        vec![old.run_id.clone()]
    );
    assert_eq!(
        reports(old.run_id).await,
        0,
        "the old run's reports are gone"
    );
    assert!(
        reports(served.run_id).await > 0,
        "the served run's stay, whatever their age"
    );
}

#[tokio::test]
async fn n_shards_over_the_lake_finish_into_exactly_the_single_run() {
    let (_app, job) = app_with_lake().await;
    job.plan("single", params(), 1).await.expect("planned");
    job.run_shard("single", params(), Shard::ALL)
        .await
        .expect("shard");
    let single = job.finish("single").await.expect("finished");
    job.plan("three", params(), 3).await.expect("planned");
    for index in [3, 1, 2] {
        job.run_shard("three", params(), Shard { index, count: 3 })
            .await
            .expect("shard");
    }
    let sharded = job.finish("three").await.expect("finished");
    assert_eq!(single.run_id, sharded.run_id);
    assert_eq!(single.reorders, sharded.reorders);
    assert_eq!(single.forecasts, sharded.forecasts);
    assert_eq!(single.metrics, sharded.metrics);
    assert_eq!(single.calibration, sharded.calibration);
    assert_eq!(sharded.shards, 3);
}

#[tokio::test]
async fn a_run_staged_but_not_flipped_leaves_the_served_run_untouched() {
    let (app, job) = app_with_lake().await;
    let before = app.get(A_BUYER, "/reorder-suggestions").await.text;
    job.plan("crash", params(), 1).await.expect("planned");
    job.run_shard("crash", params(), Shard::ALL)
        .await
        .expect("shard");
    let run = job.finish("crash").await.expect("finished");
    let staged = job.stage(&run).await.expect("staged");
    // The job dies here, before the flip.
    assert_eq!(served_run(&app).await, RUN_ID);
    assert_eq!(app.get(A_BUYER, "/reorder-suggestions").await.text, before);
    // Finishing the flip serves the new run.
    assert!(job.flip(&staged).await.expect("flipped").served());
    assert_eq!(served_run(&app).await, run.run_id);
}

#[tokio::test]
async fn a_failure_while_writing_the_runs_items_or_reading_the_lake_publishes_nothing() {
    let (app, job) = app_with_lake().await;
    job.plan("fail", params(), 1).await.expect("planned");
    job.run_shard("fail", params(), Shard::ALL)
        .await
        .expect("shard");
    let run = job.finish("fail").await.expect("finished");
    let clients = || {
        (
            portal_local::clients::dynamodb(&app.local.emulators.dynamodb_endpoint),
            portal_local::clients::s3(&app.local.emulators.s3_endpoint),
        )
    };
    // The reports are written, then the table refuses the items: the job stops before the flip.
    let (dynamodb, s3) = clients();
    let no_table = Job::new(
        &portal_store::Clients { dynamodb, s3 },
        "no-such-table",
        portal_local::server::LAKE_BUCKET,
    );
    assert!(no_table.stage(&run).await.is_err());
    assert_eq!(served_run(&app).await, RUN_ID);
    // An empty or missing lake is refused rather than published as an empty run.
    let (dynamodb, s3) = clients();
    let no_lake = Job::new(
        &portal_store::Clients { dynamodb, s3 },
        portal_local::server::TABLE,
        "no-such-bucket",
    );
    let err = no_lake.run("fail", params(), 1).await.expect_err("refused");
    assert_eq!(served_run(&app).await, RUN_ID, "{err}");
    portal_local::analytics::replace_order_lines(&app.local, Vec::new())
        .await
        .expect("lake emptied");
    let err = job.run("fail", params(), 1).await.expect_err("refused");
    assert!(
        err.to_string().contains("no order lines before 2024-07-01"),
        "{err}"
    );
    assert_eq!(served_run(&app).await, RUN_ID);
}

#[tokio::test]
async fn bad_lines_in_the_lake_are_refused_naming_the_object_and_row() {
    let (app, job) = app_with_lake().await;
    let mut lines = history();
    lines[7].quantity = -3.0;
    portal_local::analytics::replace_order_lines(&app.local, lines)
        .await
        .expect("lake written");
    let err = job.run("bad", params(), 1).await.expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("order-lines/month="), "{text}");
    assert!(text.contains("must not be negative"), "{text}");
    assert_eq!(served_run(&app).await, RUN_ID);
}

#[tokio::test]
async fn ids_the_portal_would_not_write_are_refused_before_anything_is_published() {
    let (app, job) = app_with_lake().await;
    for (field, value, says) in [
        ("sku", "sku-000001", "must be written `SKU-000001`"),
        ("sku", "BAD SKU", "sku `BAD SKU`"),
        ("account", "ACC#1", "account_id `ACC#1`"),
    ] {
        let mut lines = history();
        match field {
            "sku" => lines[3].sku = value.into(),
            _ => lines[3].account_id = value.into(),
        }
        portal_local::analytics::replace_order_lines(&app.local, lines)
            .await
            .expect("lake written");
        let err = job.run("ids", params(), 1).await.expect_err("refused");
        assert!(err.to_string().contains(says), "{value}: {err}");
        assert_eq!(served_run(&app).await, RUN_ID);
    }
}

#[tokio::test]
async fn an_older_run_never_replaces_a_newer_one() {
    let (app, job) = app_with_lake().await;
    let newer = job.run("new", params(), 1).await.expect("published");
    let older = job
        .run("old", Params::new(day("2024-05-01")), 1)
        .await
        .expect("published");
    assert!(!older.served);
    assert_eq!(served_run(&app).await, newer.run_id);
}

/// `lines` as one more object of `month`'s partition, in the push API's CSV or ingest's Parquet.
async fn add_object(job: &Job, month: &str, name: &str, lines: &[LakeLine]) -> String {
    let (bytes, kind) = if name.ends_with(".csv") {
        (portal_lake::to_csv(lines).expect("csv"), "text/csv")
    } else {
        (
            analytics::lake::to_parquet(lines).expect("parquet"),
            "application/vnd.apache.parquet",
        )
    };
    let key = format!("order-lines/month={month}/{name}");
    job.lake
        .put(&key, kind, bytes)
        .await
        .expect("object written");
    key
}

/// The lake's orders as read, lines in a fixed order (objects may hold them in any).
async fn orders(job: &Job) -> analytics::input::OrderLines {
    let mut orders = job.read_orders().await.expect("read");
    orders.lines.sort_by(|a, b| {
        (a.account, a.sku, a.date, a.division)
            .cmp(&(b.account, b.sku, b.date, b.division))
            .then(a.quantity.total_cmp(&b.quantity))
    });
    orders
}

/// One March line of order `order_id` with a negative quantity, which no run accepts.
fn negative_line(order_id: &str) -> Vec<LakeLine> {
    let mut bad = in_month(&history(), "2024-03")[..1].to_vec();
    bad[0].order_id = order_id.into();
    bad[0].quantity = -1.0;
    bad
}

fn in_month(lines: &[LakeLine], month: &str) -> Vec<LakeLine> {
    lines
        .iter()
        .filter(|l| analytics::lake::month_of(l) == month)
        .cloned()
        .collect()
}

#[tokio::test]
async fn compaction_rewrites_each_months_objects_as_one_and_the_run_reads_the_same_orders() {
    let (_app, job) = app_with_lake().await;
    let lines = history();
    let march = in_month(&lines, "2024-03");
    let april = in_month(&lines, "2024-04");
    // March: a push changed an order (revision 1, more units) and added a new one.
    let mut changed = march[0].clone();
    changed.revision = 1;
    changed.quantity += 5.0;
    let mut added = march[1].clone();
    added.order_id = "SO-NEW".into();
    add_object(&job, "2024-03", "ingest-push-a-000000.csv", &[changed]).await;
    add_object(&job, "2024-03", "ingest-erp-b-000000.parquet", &[added]).await;
    // April: an order of March was moved into April and cancelled there. Its March lines must
    // stay hidden once April is compacted on its own.
    let mut cancelled = march[2].clone();
    cancelled.revision = 1;
    cancelled.cancelled = true;
    cancelled.order_date = april[0].order_date;
    add_object(&job, "2024-04", "ingest-push-c-000000.csv", &[cancelled]).await;
    add_object(&job, "2024-04", "ingest-push-d-000000.csv", &april[..1]).await;

    let before = orders(&job).await;
    assert!(
        before
            .lines
            .iter()
            .any(|l| l.quantity == march[0].quantity + 5.0),
        "the change counts"
    );
    let compacted = job.compact().await.expect("compacted");
    assert_eq!(
        (compacted.months, compacted.objects),
        (2, 6),
        "{compacted:?}"
    );
    for month in ["2024-03", "2024-04"] {
        let keys = job
            .lake
            .list(&format!("order-lines/month={month}/"))
            .await
            .expect("listed");
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(keys[0].contains("/compacted-"), "{keys:?}");
    }
    assert_eq!(
        orders(&job).await,
        before,
        "the same orders, revisions and cancellations"
    );
    assert_eq!(
        job.compact().await.expect("compacted"),
        analytics_job::Compacted::default(),
        "a compacted lake has nothing left to compact"
    );
    assert_eq!(orders(&job).await, before);
}

#[tokio::test]
async fn a_month_holding_an_unreadable_object_is_left_whole_for_the_run_to_name_it() {
    let (app, job) = app_with_lake().await;
    let bad = negative_line("SO-BAD");
    let key = add_object(&job, "2024-03", "ingest-push-bad-000000.csv", &bad).await;
    let compacted = job.compact().await.expect("compaction itself succeeds");
    assert_eq!(compacted.months, 0, "{compacted:?}");
    let err = job.run("bad", params(), 1).await.expect_err("refused");
    assert!(err.to_string().contains(&key), "{err}");
    assert!(err.to_string().contains("must not be negative"), "{err}");
    assert_eq!(served_run(&app).await, RUN_ID);
}

#[tokio::test]
async fn a_bad_line_a_later_revision_replaced_does_not_keep_its_month_from_compacting() {
    let (_app, job) = app_with_lake().await;
    let bad = negative_line("SO-FIXED");
    let mut fixed = bad.clone();
    fixed[0].revision = 1;
    fixed[0].quantity = 4.0;
    add_object(&job, "2024-03", "ingest-push-bad-000000.csv", &bad).await;
    add_object(&job, "2024-03", "ingest-push-fix-000000.csv", &fixed).await;
    let before = orders(&job).await;
    let compacted = job.compact().await.expect("compacted");
    assert_eq!(compacted.months, 1, "{compacted:?}");
    assert_eq!(orders(&job).await, before);
}

#[tokio::test]
async fn every_shard_of_a_job_reads_the_lake_as_its_plan_found_it() {
    let (_app, job) = app_with_lake().await;
    job.plan("pinned", params(), 2).await.expect("planned");
    job.run_shard("pinned", params(), Shard { index: 1, count: 2 })
        .await
        .expect("shard");
    // A push lands between the shards: a new account's order, which the next job will read.
    let mut pushed = history()[..1].to_vec();
    pushed[0].account_id = "ACC-NEW".into();
    pushed[0].order_id = "SO-PUSHED".into();
    let month = analytics::lake::month_of(&pushed[0]);
    add_object(&job, &month, "ingest-push-late-000000.csv", &pushed).await;
    job.run_shard("pinned", params(), Shard { index: 2, count: 2 })
        .await
        .expect("shard");
    let published = job.publish("pinned").await.expect("the shards agree");
    let whole = job.run("whole", params(), 1).await.expect("published");
    assert_eq!(
        whole.lines_used,
        published.lines_used + 1,
        "the next job reads the pushed line"
    );
    // Published: its pinned input is gone, and a shard of it is refused by name.
    let err = job
        .run_shard("pinned", params(), Shard::ALL)
        .await
        .expect_err("no input");
    assert!(
        err.to_string()
            .contains("was not planned, or has published"),
        "{err}"
    );
}

#[tokio::test]
async fn compaction_waits_while_another_job_is_in_flight() {
    let (_app, job) = app_with_lake().await;
    let first = job.plan("first", params(), 1).await.expect("planned");
    assert_eq!(
        first,
        analytics_job::Compacted::default(),
        "one object a month"
    );
    let month = "2024-03";
    let lines = in_month(&history(), month);
    add_object(&job, month, "ingest-erp-f1-000000.parquet", &lines[..3]).await;
    // The first job's shards have yet to read March: merging it now would take their objects.
    let second = job.plan("second", params(), 1).await.expect("planned");
    assert_eq!(second.months, 0, "{second:?}");
    assert_eq!(second.waited_for, vec!["first".to_owned()]);
    for id in ["first", "second"] {
        job.run_shard(id, params(), Shard::ALL)
            .await
            .expect("shard");
        job.publish(id).await.expect("published");
    }
    // With no job in flight, the next plan compacts.
    let third = job.plan("third", params(), 1).await.expect("planned");
    assert_eq!((third.months, third.waited_for.len()), (1, 0), "{third:?}");
}

#[tokio::test]
async fn a_shard_reads_its_plans_lines_not_the_lake_and_names_what_is_missing() {
    let (_app, job) = app_with_lake().await;
    // Alone in its month (the history starts in July), so the plan does not compact it.
    let lines = in_month(&history(), "2024-03");
    let key = add_object(&job, "2022-06", "ingest-erp-f2-000000.parquet", &lines[..3]).await;
    job.plan("raced", params(), 2).await.expect("planned");
    // The lake changes after the plan (a compaction, a person): the shards read their plan.
    job.lake.delete(&key).await.expect("deleted");
    let first = Shard { index: 1, count: 2 };
    job.run_shard("raced", params(), first)
        .await
        .expect("the shard reads its plan's lines");
    // A shard whose lines are gone, of another count, or with other parameters is refused.
    let second = Shard { index: 2, count: 2 };
    let lines = portal_store::lake::job_plan_key("raced", &analytics::pipeline::lines_file(second));
    job.lake.delete(&lines).await.expect("deleted");
    let err = job
        .run_shard("raced", params(), second)
        .await
        .expect_err("its lines are gone");
    assert!(err.to_string().contains(&lines), "{err}");
    let err = job
        .run_shard("raced", params(), Shard::ALL)
        .await
        .expect_err("planned for two");
    assert!(
        err.to_string().contains("not planned with 1 shards"),
        "{err}"
    );
    let other = Params {
        horizon_days: 60,
        ..params()
    };
    let err = job
        .run_shard("raced", other, first)
        .await
        .expect_err("other parameters");
    assert!(
        err.to_string().contains("other parameters than its plan"),
        "{err}"
    );
}

#[tokio::test]
async fn a_plan_clears_away_what_a_job_that_failed_for_good_left() {
    let (_app, job) = app_with_lake().await;
    // A job planned three hours ago that never published, with one shard part written.
    let stale = analytics_job::JobInput {
        planned_at: chrono::Utc::now() - chrono::TimeDelta::hours(3),
        objects: Vec::new(),
    };
    let input = portal_store::lake::job_input_key("dead");
    let bytes = serde_json::to_vec(&stale).expect("json");
    job.lake
        .put(&input, "application/json", bytes)
        .await
        .expect("written");
    let part = portal_store::lake::shard_key("dead", 1, 2);
    job.lake
        .put(&part, "application/json", b"{}".to_vec())
        .await
        .expect("written");
    let compacted = job.plan("alive", params(), 1).await.expect("planned");
    assert!(
        compacted.waited_for.is_empty(),
        "a stale job is not in flight"
    );
    for key in [input, part] {
        assert!(
            job.lake.get_if_exists(&key).await.expect("read").is_none(),
            "{key} is cleared away"
        );
    }
}

/// Runs the state machine's steps through the function's handler, as Step Functions does:
/// plan, each shard, publish. Answers the publish step's result.
async fn execute(job: &Job, as_of: Option<NaiveDate>) -> Result<serde_json::Value, String> {
    use analytics_job::{Plan, Step, handle};
    let plan = handle(
        job,
        Step::Plan {
            as_of,
            shards: Some(1),
            horizon_days: None,
            periods: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let plan: Plan = serde_json::from_value(plan).expect("a plan");
    for shard in plan.shards {
        handle(job, shard).await.map_err(|e| e.to_string())?;
    }
    handle(job, plan.publish).await.map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_plan_refuses_an_as_of_after_tomorrow() {
    let (app, job) = app_with_lake().await;
    let today = chrono::Utc::now().date_naive();
    let err = execute(&job, Some(today + chrono::Duration::days(2)))
        .await
        .expect_err("refused at the plan");
    assert!(err.contains("is in the future"), "{err}");
    assert_eq!(served_run(&app).await, RUN_ID, "nothing published");
    assert!(
        job.lake
            .list("analytics/jobs/")
            .await
            .expect("listed")
            .is_empty(),
        "nothing planned"
    );
    // Tomorrow is within the slack (a schedule in a zone ahead of UTC), and is served.
    let published = execute(&job, Some(today + chrono::Duration::days(1)))
        .await
        .expect("published");
    assert_eq!(published["served"], true, "{published}");
    assert_eq!(served_run(&app).await, published["run_id"]);
}

#[tokio::test]
async fn a_publish_the_api_does_not_serve_fails_the_execution() {
    let (app, job) = app_with_lake().await;
    // An older version let a run dated in the future be served: every nightly run after it
    // published and was refused the pointer, while the execution succeeded and nothing alarmed.
    let today = chrono::Utc::now().date_naive();
    let future = job
        .run("future", Params::new(today + chrono::Duration::days(30)), 1)
        .await
        .expect("published by the library, which does not plan");
    assert!(future.served);
    let err = execute(&job, None)
        .await
        .expect_err("the nightly run fails");
    assert!(
        err.contains("is not served") && err.contains(&future.run_id),
        "{err}"
    );
    assert!(err.contains("dated in the future"), "{err}");
    assert_eq!(served_run(&app).await, future.run_id);
    // A run of an earlier date than the served one fails too, saying why.
    let err = execute(&job, Some(day("2024-05-01")))
        .await
        .expect_err("not served");
    assert!(err.contains("is not served"), "{err}");
}

/// Accounts A and B buying the fixture's three products every 20 days from 2024-01-01; B stops
/// after 2024-09-01.
fn b_stops_buying() -> Vec<LakeLine> {
    let mut lines = Vec::new();
    for account in [ACCOUNT_A, ACCOUNT_B] {
        for (k, sku) in [SKU_HOSE, SKU_PUMP, SKU_BOLT].into_iter().enumerate() {
            let mut date = day("2024-01-01") + chrono::Duration::days(3 * k as i64);
            while date < day("2024-11-01") {
                if account == ACCOUNT_A || date <= day("2024-09-01") {
                    lines.push(LakeLine {
                        account_id: account.into(),
                        sku: sku.into(),
                        order_date: date,
                        quantity: 4.0,
                        order_id: format!("SO-{account}-{sku}-{date}"),
                        unit_price: 9.5,
                        division: None,
                        pack_size: None,
                        line_no: 1,
                        revision: 0,
                        cancelled: false,
                    });
                }
                date += chrono::Duration::days(20);
            }
        }
    }
    lines
}

#[tokio::test]
async fn a_published_run_keeps_the_accounts_risk_for_staff_and_each_products_own_view_for_customers()
 {
    let app = spawn_app().await;
    let job = app.job();
    portal_local::analytics::replace_order_lines(&app.local, b_stops_buying())
        .await
        .expect("lake written");
    let published = job
        .run("risk", Params::new(day("2024-11-01")), 1)
        .await
        .expect("published");
    assert!(published.served);
    let worklist = app.get(MANAGER_B, "/worklist").await;
    assert_eq!(worklist.items()[0]["at_risk"], true, "{}", worklist.text);

    // The files keep the seller's view: every product of B lapsing, and why.
    let csv = job
        .lake
        .get(&format!(
            "analytics/runs/{}/reorder_predictions.csv",
            published.run_id
        ))
        .await
        .expect("report");
    let csv = String::from_utf8(csv).expect("text");
    let b_rows: Vec<&str> = csv.lines().filter(|l| l.starts_with(ACCOUNT_B)).collect();
    assert_eq!(b_rows.len(), 3, "{csv}");
    assert!(
        b_rows.iter().all(|l| l.contains("ordered nothing for")),
        "{csv}"
    );

    // Staff see the same through the API.
    let staff = app
        .get(
            MANAGER_B,
            &format!("/reorder-suggestions?account={ACCOUNT_B}"),
        )
        .await;
    assert_eq!(staff.items().len(), 3, "{}", staff.text);
    for s in staff.items() {
        assert_eq!(s["status"], "lapsing", "{s}");
        assert!(
            s["reason"]
                .as_str()
                .is_some_and(|r| r.contains("; the account has ordered nothing for 62 days")),
            "{s}"
        );
    }
    // B's own users see each product's own reason, without the seller's judgement.
    let own = app.get(B_BUYER, "/reorder-suggestions").await;
    assert_eq!(own.items().len(), 3, "{}", own.text);
    assert!(!own.text.contains("ordered nothing"), "{}", own.text);
    for s in own.items() {
        assert!(
            s["reason"]
                .as_str()
                .is_some_and(|r| r.contains("last order")),
            "{s}"
        );
    }
}

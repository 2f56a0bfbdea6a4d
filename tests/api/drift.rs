//! The SAM template and the code agree; and each check fails when they do not.

use portal_http::Config;
use portal_local::server::functions;
use std::path::Path;
use tests::drift::{
    TEMPLATE, Template, concurrency_is_reserved, damaged, functions_have_packages, granted,
    hardening_problems, ingest_is_wired, lifecycle_expires_only, read_only, routes_match, template,
    variables_are_exactly, variables_are_set,
};

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds tests/")
}

fn code_routes() -> Vec<(&'static str, Vec<(String, String)>)> {
    functions()
        .into_iter()
        .map(|(name, routes)| {
            (
                name,
                routes
                    .into_iter()
                    .map(|r| (r.method.to_string(), r.path.to_owned()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn every_route_of_every_router_is_an_event_of_its_function_in_the_template() {
    assert_eq!(
        routes_match(&template(), &code_routes()),
        Vec::<String>::new()
    );
}

#[test]
fn every_function_in_the_template_is_a_package_with_its_binary() {
    let template = template();
    assert!(template.functions.len() >= 6, "{template:?}");
    assert_eq!(
        functions_have_packages(&template, workspace()),
        Vec::<String>::new()
    );
}

/// Whether a function's code pages (signs and opens cursors: a `List` extractor or its own
/// `Paging`), read from its source.
fn pages(function: &str) -> bool {
    let src = workspace().join("functions").join(function).join("src");
    std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .any(|text| {
            text.contains("Paging::new")
                || text.contains("Paging::bound_to")
                || text.contains("}: List<")
        })
}

/// Every function with the variables its code reads.
fn code_reads() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut reads: Vec<(&'static str, Vec<&'static str>)> = functions()
        .into_iter()
        .map(|(name, _)| {
            let mut read = Config::VARIABLES.to_vec();
            if pages(name) {
                read.extend(Config::CURSOR_VARIABLES);
            }
            if name == "integration-api" {
                read.extend(integration_api::VARIABLES);
            }
            if name == "graphql-api" {
                read.extend(graphql_api::VARIABLES);
            }
            (name, read)
        })
        .collect();
    reads.push(("ingest-files", ingest_files::VARIABLES.to_vec()));
    reads.push(("analytics-job", analytics_job::VARIABLES.to_vec()));
    reads.push(("order-events", order_events::VARIABLES.to_vec()));
    reads
}

#[test]
fn every_function_is_given_exactly_the_variables_it_reads_and_the_cursor_secret_only_if_it_pages() {
    let template = template();
    assert_eq!(
        code_reads().len(),
        template.functions.len(),
        "every function of the template is known to this test"
    );
    assert!(pages("orders-api") && !pages("integration-api"));
    assert_eq!(
        variables_are_exactly(&template, &code_reads()),
        Vec::<String>::new()
    );
}

#[test]
fn a_route_missing_from_the_template_fails_the_route_check() {
    let damaged_template = damaged(
        "        Balance: { Type: HttpApi, Properties: { ApiId: !Ref Api, Method: GET, Path: /invoices/balance } }\n",
        "",
    );
    let problems = routes_match(&damaged_template, &code_routes());
    assert!(
        problems.iter().any(|p| p.contains("/invoices/balance")),
        "{problems:?}"
    );
    let mut extra = code_routes();
    extra[0]
        .1
        .push(("GET".to_owned(), "/me/preferences".to_owned()));
    let problems = routes_match(&template(), &extra);
    assert!(
        problems.iter().any(|p| p.contains("/me/preferences")),
        "{problems:?}"
    );
}

#[test]
fn a_function_without_its_package_fails_the_package_check() {
    let damaged_template = damaged("Binary: catalog-api", "Binary: no-such-api");
    let problems = functions_have_packages(&damaged_template, workspace());
    assert!(
        problems.iter().any(|p| p.contains("no-such-api")),
        "{problems:?}"
    );
}

#[test]
fn a_variable_missing_or_given_to_a_function_that_does_not_read_it_fails_the_variable_check() {
    let problems = variables_are_exactly(
        &damaged("          PORTAL_CURSOR_SECRET: !Ref CursorSecret\n", ""),
        &code_reads(),
    );
    assert_eq!(problems, vec!["MeApi does not set PORTAL_CURSOR_SECRET"]);
    // The secret given to every function again, as it once was.
    let problems = variables_are_exactly(
        &damaged(
            "    LoggingConfig:\n      LogFormat: JSON\n",
            "    LoggingConfig:\n      LogFormat: JSON\n    Environment:\n      Variables:\n        \
             PORTAL_CURSOR_SECRET: !Ref CursorSecret\n",
        ),
        &code_reads(),
    );
    let template = template();
    let mut without_cursors = 0;
    for (binary, read) in code_reads() {
        let function = template.function(binary).expect("in the template");
        let given = format!(
            "{} is given PORTAL_CURSOR_SECRET, which it does not read",
            function.logical_id
        );
        assert_eq!(
            problems.contains(&given),
            !read.contains(&"PORTAL_CURSOR_SECRET"),
            "{given}: {problems:?}"
        );
        without_cursors += usize::from(problems.contains(&given));
    }
    assert!(without_cursors >= 3, "{problems:?}");
    let problems = variables_are_set(&template, &["PORTAL_NEW_SETTING"]);
    assert_eq!(problems.len(), template.functions.len(), "{problems:?}");
}

#[test]
fn the_ingest_buckets_lifecycle_expires_only_dropped_exports_and_an_unscoped_rule_fails() {
    assert_eq!(ingest::layout::INCOMING, "incoming/");
    assert_eq!(
        lifecycle_expires_only(&template(), "IngestBucket", ingest::layout::INCOMING),
        Vec::<String>::new()
    );
    let problems = lifecycle_expires_only(
        &damaged("            Prefix: incoming/\n", ""),
        "IngestBucket",
        ingest::layout::INCOMING,
    );
    assert_eq!(
        problems,
        vec![
            "IngestBucket: rule expire-old-drops expires objects under \"\", not only under incoming/"
        ]
    );
}

#[test]
fn every_function_reserves_concurrency_the_ingest_function_little_and_the_push_route_has_its_own_throttle()
 {
    assert_eq!(
        concurrency_is_reserved(&template(), 4),
        Vec::<String>::new()
    );
    for (from, to, expected) in [
        (
            "      ReservedConcurrentExecutions: !Ref IngestConcurrency\n",
            "",
            "IngestFiles: no reserved concurrency",
        ),
        (
            "    Default: 2\n    MinValue: 1\n    Description: >\n      Files ingested at once",
            "    Default: 40\n    MinValue: 1\n    Description: >\n      Files ingested at once",
            "IngestFiles: reserves 40 executions, more than 4",
        ),
        (
            "      ReservedConcurrentExecutions: 50\n",
            "      ReservedConcurrentExecutions: 10\n",
            "AnalyticsJob: reserves 10 executions and the Map runs 50 shards at once",
        ),
        (
            "    Default: 50\n    MinValue: 1\n    Description: >\n      Concurrent executions reserved",
            "    Default: 200\n    MinValue: 1\n    Description: >\n      Concurrent executions reserved",
            "a default account allows 900",
        ),
        (
            "        \"POST /integration/{entity}\":",
            "        \"POST /integration/{other}\":",
            "the push route has no throttle of its own",
        ),
    ] {
        let problems = concurrency_is_reserved(&damaged(from, to), 4);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{to}: {problems:?}"
        );
    }
}

#[test]
fn the_state_machine_queues_user_pool_clients_and_access_logs_are_hardened_and_each_regression_fails()
 {
    assert_eq!(hardening_problems(&template()), Vec::<String>::new());
    for (from, to, expected) in [
        (
            "stateMachine:${AWS::StackName}-analytics\"",
            "stateMachine:*\"",
            "AnalyticsStateMachine: may act on every state machine",
        ),
        (
            "Value: !GetAtt AnalyticsScheduleDeadLetterQueue.QueueName",
            "Value: !GetAtt IngestDeadLetterQueue.QueueName",
            "AnalyticsScheduleDeadLetterQueue: no alarm on its messages",
        ),
        (
            "DeadLetterConfig: { Arn: !GetAtt IngestRuleDeadLetterQueue.Arn }",
            "DeadLetterConfig: { Type: SQS }",
            "IngestFiles: an event's dead-letter queue is made by SAM",
        ),
        (
            "      ClientName: portal-frontend\n      GenerateSecret: false\n      PreventUserExistenceErrors: ENABLED\n",
            "      ClientName: portal-frontend\n      GenerateSecret: false\n",
            "UserPoolClient: tells whether a user exists",
        ),
        (
            "      AccessLogSettings:\n",
            "      NoAccessLogSettings:\n",
            "Api: no access log",
        ),
        (
            "      RetentionInDays: !Ref AccessLogRetentionDays\n",
            "",
            "Api: its access logs (\"ApiAccessLogs\") are kept forever",
        ),
    ] {
        let problems = hardening_problems(&damaged(from, to));
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{to}: {problems:?}"
        );
    }
}

/// What the read API's functions may do: read items and download links' objects.
const READ_ACTIONS: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "s3:GetObject",
];

/// The functions of the read API: those whose routes are all GETs.
/// Functions whose POSTs compute an answer and write nothing (prices).
const COMPUTING: [&str; 1] = ["pricing-api"];

fn api_functions() -> Vec<&'static str> {
    functions()
        .into_iter()
        .filter(|(name, routes)| {
            COMPUTING.contains(name) || routes.iter().all(|r| r.method == axum::http::Method::GET)
        })
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn the_read_api_functions_are_granted_only_reads() {
    assert!(api_functions().len() >= 7, "{:?}", api_functions());
    assert!(!api_functions().contains(&"integration-api"));
    assert_eq!(
        read_only(&template(), &api_functions(), &READ_ACTIONS),
        Vec::<String>::new()
    );
}

#[test]
fn a_write_or_a_broad_policy_template_fails_the_least_privilege_check() {
    let damaged_template = damaged(
        "[dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:Query]",
        "[dynamodb:GetItem, dynamodb:Scan]",
    );
    let problems = read_only(&damaged_template, &api_functions(), &READ_ACTIONS);
    assert!(
        problems.iter().any(|p| p.contains("dynamodb:Scan")),
        "{problems:?}"
    );
    let damaged_template = damaged(
        "        - Statement:\n            - Sid: ReadPortalTable",
        "        - DynamoDBCrudPolicy: { TableName: !Ref Table }\n        - Statement:\n            - Sid: ReadPortalTable",
    );
    let problems = read_only(&damaged_template, &api_functions(), &READ_ACTIONS);
    assert!(
        problems.iter().any(|p| p.contains("DynamoDBCrudPolicy")),
        "{problems:?}"
    );
}

/// What the analytics job may do to the table beyond publishing: no scan, no wildcard, and
/// queries and deletes only of lake-outbox markers (`OUTBOX#LAKE#*` partitions).
fn job_table_problems(template: &Template) -> Vec<String> {
    let Some(job) = template.function("analytics-job") else {
        return vec!["the template has no analytics job".into()];
    };
    let mut problems = Vec::new();
    for action in &job.actions {
        if ["dynamodb:Scan", "dynamodb:*", "s3:*"].contains(&action.as_str()) {
            problems.push(format!("the analytics job may {action}"));
        }
    }
    for (action, resource) in &job.grants {
        if ["dynamodb:DeleteItem", "dynamodb:Query"].contains(&action.as_str()) {
            problems.push(format!(
                "the analytics job may {action} any item of {resource}"
            ));
        }
    }
    for action in ["dynamodb:Query", "dynamodb:DeleteItem"] {
        let scoped = (
            action.to_owned(),
            "Table.Arn".to_owned(),
            "OUTBOX#LAKE#*".to_owned(),
        );
        if !job.key_scoped.contains(&scoped) {
            problems.push(format!(
                "the analytics job may not {action} the lake outbox's markers, which it drains"
            ));
        }
    }
    problems
}

#[test]
fn the_analytics_job_may_not_scan_the_table_and_deletes_only_lake_outbox_markers() {
    let template = template();
    let problems: Vec<String> = variables_are_set(&template, &analytics_job::VARIABLES)
        .into_iter()
        .filter(|p| p.starts_with("AnalyticsJob "))
        .collect();
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(job_table_problems(&template), Vec::<String>::new());
    // The same grant without its key condition would let the job delete any item.
    let unscoped = TEMPLATE.replace(
        "              Condition:\n                ForAllValues:StringLike:\n                  dynamodb:LeadingKeys: [\"OUTBOX#LAKE#*\"]\n",
        "",
    );
    assert_ne!(unscoped, TEMPLATE, "the test finds the condition");
    let problems = job_table_problems(&Template::parse(&unscoped).expect("parses"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("may dynamodb:DeleteItem any item")),
        "{problems:?}"
    );
}

/// What the analytics job needs: read, compact (write and delete) the lake's order lines, list
/// the lake, keep its parts and reports under analytics/, publish items.
const ANALYTICS_GRANTS: [(&str, &str); 9] = [
    ("s3:GetObject", "${LakeBucket.Arn}/order-lines/*"),
    ("s3:PutObject", "${LakeBucket.Arn}/order-lines/*"),
    ("s3:DeleteObject", "${LakeBucket.Arn}/order-lines/*"),
    ("s3:ListBucket", "LakeBucket.Arn"),
    ("s3:GetObject", "${LakeBucket.Arn}/analytics/*"),
    ("s3:PutObject", "${LakeBucket.Arn}/analytics/*"),
    ("s3:DeleteObject", "${LakeBucket.Arn}/analytics/*"),
    ("dynamodb:PutItem", "Table.Arn"),
    ("dynamodb:BatchWriteItem", "Table.Arn"),
];

#[test]
fn the_analytics_job_may_compact_the_order_lines_and_keep_its_files_and_a_damaged_grant_fails() {
    assert_eq!(
        granted(&template(), "analytics-job", &ANALYTICS_GRANTS),
        Vec::<String>::new()
    );
    let narrowed = damaged(
        "Action: [s3:GetObject, s3:PutObject, s3:DeleteObject]\n              Resource: !Sub \"${LakeBucket.Arn}/order-lines/*\"",
        "Action: [s3:GetObject]\n              Resource: !Sub \"${LakeBucket.Arn}/order-lines/*\"",
    );
    let problems = granted(&narrowed, "analytics-job", &ANALYTICS_GRANTS);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("may not s3:DeleteObject on ${LakeBucket.Arn}/order-lines/*")),
        "{problems:?}"
    );
}

/// What the ingest function may do: read drops and profiles (and list the bucket, so that a
/// missing one is a 404, not a 403), write reports, the lake's order lines and document files,
/// and read and conditionally write items. No scans, no wildcards.
const INGEST_ACTIONS: [&str; 8] = [
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:DeleteObject",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
];

#[test]
fn the_ingest_function_has_its_s3_trigger_dead_letter_queue_settings_and_least_privilege() {
    let template = template();
    assert_eq!(
        ingest_is_wired(&template, "ingest-files", &INGEST_ACTIONS),
        Vec::<String>::new()
    );
    let problems: Vec<String> = variables_are_set(&template, &ingest_files::VARIABLES)
        .into_iter()
        .filter(|p| p.starts_with("IngestFiles "))
        .collect();
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(
        granted(&template, "ingest-files", &INGEST_GRANTS),
        Vec::<String>::new()
    );
}

/// Without `s3:ListBucket`, S3 answers a missing profile (every built-in source's) or document
/// file with 403 instead of 404, and the drop fails into the dead-letter queue.
const INGEST_GRANTS: [(&str, &str); 3] = [
    ("s3:GetObject", "${IngestBucket.Arn}/profiles/*"),
    ("s3:GetObject", "${IngestBucket.Arn}/incoming/*"),
    ("s3:ListBucket", "IngestBucket.Arn"),
];

#[test]
fn an_ingest_function_that_may_not_list_its_bucket_fails_the_grant_check() {
    let problems = granted(
        &damaged(
            "Action: [s3:ListBucket]\n              Resource: !GetAtt IngestBucket.Arn",
            "Action: [s3:ListBucket]\n              Resource: !GetAtt LakeBucket.Arn",
        ),
        "ingest-files",
        &INGEST_GRANTS,
    );
    assert_eq!(
        problems,
        vec!["IngestFiles: may not s3:ListBucket on IngestBucket.Arn".to_owned()]
    );
}

#[test]
fn an_ingest_function_without_its_trigger_queue_or_with_a_scan_fails_the_check() {
    for (from, to, expected) in [
        (
            "prefix: incoming/",
            "prefix: reports/",
            "not started by objects created",
        ),
        (
            "TargetArn: !GetAtt IngestDeadLetterQueue.Arn",
            "",
            "no dead-letter queue",
        ),
        (
            "- dynamodb:ConditionCheckItem\n              Resource: !GetAtt Table.Arn\n\n  # Plan",
            "- dynamodb:Scan\n              Resource: !GetAtt Table.Arn\n\n  # Plan",
            "may dynamodb:Scan",
        ),
    ] {
        let problems = ingest_is_wired(&damaged(from, to), "ingest-files", &INGEST_ACTIONS);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{from} -> {to}: {problems:?}"
        );
    }
}

/// What the push API may do: read the caller's user record, claim idempotency keys, read and
/// conditionally write items (transactions), and write the lake's order lines.
const PUSH_ACTIONS: [&str; 6] = [
    "s3:PutObject",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
];

#[test]
fn the_push_api_is_configured_and_granted_only_what_it_needs() {
    let template = template();
    let problems: Vec<String> = variables_are_set(&template, &integration_api::VARIABLES)
        .into_iter()
        .filter(|p| p.starts_with("IntegrationApi "))
        .collect();
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(
        read_only(&template, &["integration-api"], &PUSH_ACTIONS),
        Vec::<String>::new()
    );
    let problems = read_only(
        &damaged(
            "- dynamodb:ConditionCheckItem\n              Resource: !GetAtt Table.Arn\n            - Sid: PushLake",
            "- dynamodb:Scan\n              Resource: !GetAtt Table.Arn\n            - Sid: PushLake",
        ),
        &["integration-api"],
        &PUSH_ACTIONS,
    );
    assert!(
        problems.iter().any(|p| p.contains("dynamodb:Scan")),
        "{problems:?}"
    );
}

/// What the carts function may do to the table: read, and put and delete cart items only
/// (`CART#*` partitions), nothing else.
fn carts_table_problems(template: &Template) -> Vec<String> {
    let Some(carts) = template.function("carts-api") else {
        return vec!["the template has no carts function".into()];
    };
    let writes = ["dynamodb:PutItem", "dynamodb:DeleteItem"];
    let mut problems = Vec::new();
    for action in &carts.actions {
        if !READ_ACTIONS.contains(&action.as_str()) && !writes.contains(&action.as_str()) {
            problems.push(format!("the carts function may {action}"));
        }
    }
    for (action, resource) in &carts.grants {
        if writes.contains(&action.as_str()) {
            problems.push(format!(
                "the carts function may {action} any item of {resource}"
            ));
        }
    }
    for action in writes {
        let scoped = (
            action.to_owned(),
            "Table.Arn".to_owned(),
            "CART#*".to_owned(),
        );
        if !carts.key_scoped.contains(&scoped) {
            problems.push(format!("the carts function may not {action} carts"));
        }
    }
    problems
}

#[test]
fn the_carts_function_writes_only_carts_and_a_broader_grant_fails() {
    assert_eq!(carts_table_problems(&template()), Vec::<String>::new());
    let unscoped = damaged(
        "              Condition:\n                ForAllValues:StringLike:\n                  dynamodb:LeadingKeys: [\"CART#*\"]\n",
        "",
    );
    let problems = carts_table_problems(&unscoped);
    assert!(
        problems.iter().any(|p| p.contains("PutItem any item")),
        "{problems:?}"
    );
    let broader = damaged(
        "Action: [dynamodb:PutItem, dynamodb:DeleteItem]",
        "Action: [dynamodb:PutItem, dynamodb:DeleteItem, dynamodb:UpdateItem]",
    );
    let problems = carts_table_problems(&broader);
    assert!(
        problems.iter().any(|p| p.contains("UpdateItem")),
        "{problems:?}"
    );
}

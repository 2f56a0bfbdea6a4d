//! The SAM template and the code agree; and each check fails when they do not.

use portal_http::Config;
use portal_local::server::functions;
use std::path::Path;
use tests::drift::{
    Template, functions_have_packages, granted, ingest_is_wired, read_only, routes_match,
    variables_are_set,
};

const TEMPLATE: &str = include_str!("../../infra/template.yaml");

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

fn template() -> Template {
    Template::parse(TEMPLATE).expect("the template parses")
}

/// The template with the first `from` replaced by `to`: a damaged copy for a check to catch.
fn damaged(from: &str, to: &str) -> Template {
    let text = TEMPLATE.replacen(from, to, 1);
    assert_ne!(
        text, TEMPLATE,
        "the template no longer contains {from:?}: update this test"
    );
    Template::parse(&text).expect("the damaged template still parses")
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

#[test]
fn every_variable_a_function_reads_is_set_by_the_template() {
    assert_eq!(
        variables_are_set(&template(), &Config::VARIABLES),
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
    let damaged_template = damaged("Binary: catalog-api", "Binary: pricing-api");
    let problems = functions_have_packages(&damaged_template, workspace());
    assert!(
        problems.iter().any(|p| p.contains("pricing-api")),
        "{problems:?}"
    );
}

#[test]
fn a_variable_the_template_does_not_set_fails_the_variable_check() {
    let damaged_template = damaged("        PORTAL_CURSOR_SECRET: !Ref CursorSecret\n", "");
    let problems = variables_are_set(&damaged_template, &Config::VARIABLES);
    assert!(
        problems.iter().any(|p| p.contains("PORTAL_CURSOR_SECRET")),
        "{problems:?}"
    );
    let problems = variables_are_set(&template(), &["PORTAL_NEW_SETTING"]);
    assert_eq!(problems.len(), template().functions.len(), "{problems:?}");
}

/// What the read API's functions may do: read items and download links' objects.
const READ_ACTIONS: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "s3:GetObject",
];

/// The functions of the read API: those whose routes are all GETs.
fn api_functions() -> Vec<&'static str> {
    functions()
        .into_iter()
        .filter(|(_, routes)| routes.iter().all(|r| r.method == axum::http::Method::GET))
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

/// What the ingest function may do: read drops and profiles, write reports, the lake's order
/// lines and document files, and read and conditionally write items. No scans, no wildcards.
const INGEST_ACTIONS: [&str; 7] = [
    "s3:GetObject",
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

/// The internal crates a package depends on (normal dependencies), directly or through others.
fn internal_dependencies(package: &str) -> std::collections::BTreeSet<String> {
    let read = |path: &Path| -> toml::Table {
        toml::from_str(&std::fs::read_to_string(path).expect("manifest")).expect("valid TOML")
    };
    let root = read(&workspace().join("Cargo.toml"));
    let internal: std::collections::BTreeMap<String, String> = root["workspace"]["dependencies"]
        .as_table()
        .expect("workspace dependencies")
        .iter()
        .filter_map(|(name, spec)| Some((name.clone(), spec.get("path")?.as_str()?.to_owned())))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![package.to_owned()];
    while let Some(name) = todo.pop() {
        let dir = internal
            .get(&name)
            .cloned()
            .unwrap_or_else(|| format!("functions/{name}"));
        let manifest = read(&workspace().join(dir).join("Cargo.toml"));
        for dependency in manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .into_iter()
            .flat_map(|d| d.keys())
        {
            if internal.contains_key(dependency) && seen.insert(dependency.clone()) {
                todo.push(dependency.clone());
            }
        }
    }
    seen
}

#[test]
fn no_api_function_links_polars_through_the_analytics_crate() {
    for (function, _) in functions() {
        let reached = internal_dependencies(function);
        assert!(
            !reached.contains("analytics"),
            "{function} depends on analytics (polars): {reached:?}"
        );
    }
    assert!(
        internal_dependencies("ingest-files").contains("analytics"),
        "the check sees a function that does link it"
    );
}

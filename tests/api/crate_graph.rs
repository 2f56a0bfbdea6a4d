//! The crate graph ARCHITECTURE.md draws, enforced: `cargo metadata` lists every workspace
//! package's dependencies, and each rule below names edges that must not exist. A rule is data:
//! who, what they must not depend on, whether through other workspace crates too, and why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The kind of a dependency edge, as `cargo metadata` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Dev,
    Build,
}

/// Every workspace package with its dependencies (by name) and where its manifest lives.
#[derive(Debug, Clone, Default)]
struct Graph {
    dependencies: BTreeMap<String, Vec<(String, Kind)>>,
    folders: BTreeMap<String, String>,
}

impl Graph {
    /// The workspace's graph, from `cargo metadata --no-deps` (no network, no build).
    fn of_workspace() -> Graph {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace holds tests/");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let out = std::process::Command::new(cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(root)
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let metadata: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON");
        let mut graph = Graph::default();
        for package in metadata["packages"].as_array().expect("packages") {
            let name = package["name"].as_str().expect("name").to_owned();
            let manifest = package["manifest_path"].as_str().expect("manifest path");
            let folder = Path::new(manifest)
                .parent()
                .and_then(|dir| dir.strip_prefix(root).ok())
                .map(|dir| dir.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .map(|d| {
                    let kind = match d["kind"].as_str() {
                        Some("dev") => Kind::Dev,
                        Some("build") => Kind::Build,
                        _ => Kind::Normal,
                    };
                    (d["name"].as_str().expect("name").to_owned(), kind)
                })
                .collect();
            graph.folders.insert(name.clone(), folder);
            graph.dependencies.insert(name, dependencies);
        }
        graph
    }

    /// The packages in `folder` (`functions`, `crates`...), or the one named `name`.
    fn members(&self, who: Who) -> Vec<&str> {
        self.folders
            .iter()
            .filter(|(name, folder)| match who {
                Who::Package(package) => name.as_str() == package,
                Who::Under(prefix) => folder.starts_with(prefix),
                Who::Libraries => name.as_str() != "tests",
            })
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// What `package` depends on with edges of `kinds`: directly, or (with `through`) also
    /// through the workspace packages it reaches by normal dependencies.
    fn reached(&self, package: &str, kinds: &[Kind], through: bool) -> BTreeMap<String, String> {
        let mut reached: BTreeMap<String, String> = BTreeMap::new();
        let mut todo = vec![(package.to_owned(), package.to_owned())];
        let mut seen = BTreeSet::new();
        while let Some((current, path)) = todo.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            for (dependency, kind) in self.dependencies.get(&current).into_iter().flatten() {
                let first = current == package;
                if !(if first {
                    kinds.contains(kind)
                } else {
                    *kind == Kind::Normal
                }) {
                    continue;
                }
                let via = format!("{path} -> {dependency}");
                reached
                    .entry(dependency.clone())
                    .or_insert_with(|| via.clone());
                if through && self.dependencies.contains_key(dependency) {
                    todo.push((dependency.clone(), via));
                }
            }
        }
        reached
    }

    /// Adds an edge: for the tests that show a forbidden edge failing the check.
    fn with(mut self, from: &str, to: &str, kind: Kind) -> Graph {
        self.dependencies
            .entry(from.to_owned())
            .or_default()
            .push((to.to_owned(), kind));
        self
    }
}

#[derive(Debug, Clone, Copy)]
enum Who {
    Package(&'static str),
    Under(&'static str),
    /// Every package but the tests' own crate.
    Libraries,
}

/// Edges that must not exist.
struct Rule {
    who: Who,
    /// Also the dependencies of the workspace crates it depends on.
    through_others: bool,
    /// Which edges of the package itself count (a dependency's own edges count when normal).
    kinds: &'static [Kind],
    /// Groups of names ([`AWS`], [`LAMBDA`], ...), and single ones.
    must_not: &'static [&'static [&'static str]],
    because: &'static str,
}

const AWS: &[&str] = &[
    "aws-config",
    "aws-sdk-dynamodb",
    "aws-sdk-s3",
    "aws-sdk-eventbridge",
    "serde_dynamo",
];
const LAMBDA: &[&str] = &["axum", "lambda_http", "lambda_runtime"];
const MODEL_CODE: &[&str] = &["polars", "linfa", "linfa-logistic", "ndarray", "analytics"];
const NORMAL: &[Kind] = &[Kind::Normal];
const ANY: &[Kind] = &[Kind::Normal, Kind::Dev, Kind::Build];

const RULES: &[Rule] = &[
    Rule {
        who: Who::Package("portal-domain"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[AWS, LAMBDA, &["tokio", "portal-store"]],
        because: "the domain is pure: no IO, AWS or HTTP",
    },
    Rule {
        who: Who::Package("portal-lake"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[&["polars", "aws-sdk-s3", "portal-store"]],
        because: "the lake's row and encodings are shared by code that must not link polars",
    },
    Rule {
        who: Who::Package("portal-store"),
        through_others: true,
        kinds: ANY,
        must_not: &[LAMBDA, &["portal-http", "portal-local", "ingest", "polars"]],
        because: "the store knows DynamoDB and S3, not HTTP, Lambda, the functions or local mode",
    },
    Rule {
        who: Who::Package("portal-http"),
        through_others: false,
        kinds: ANY,
        must_not: &[AWS, &["portal-local", "ingest", "analytics"]],
        because: "the HTTP edge reaches AWS only through portal-store, and knows no function",
    },
    Rule {
        who: Who::Package("portal-lambda"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[AWS, &["axum", "portal-store", "portal-domain"]],
        because: "the Lambda bootstrap knows the runtime and logs, nothing of the portal",
    },
    Rule {
        who: Who::Package("ingest-files"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[&["analytics", "linfa", "linfa-logistic", "ndarray", "clap"]],
        because: "the ingest function writes Parquet (portal-lake-parquet), not the model code",
    },
    Rule {
        who: Who::Package("portal-lake-parquet"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[&["analytics", "linfa", "aws-sdk-s3", "portal-store"]],
        because: "the Parquet encoding is the lake's columns in polars, nothing more",
    },
    Rule {
        who: Who::Package("analytics"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[AWS, LAMBDA, &["portal-store", "clap"]],
        because: "the analytics are pure stages over tables (the command line is portal's)",
    },
    Rule {
        who: Who::Package("pricing"),
        through_others: true,
        kinds: NORMAL,
        must_not: &[AWS, LAMBDA, &["tokio", "portal-store", "polars"]],
        because: "price resolution is pure: the store loads the data, the functions call it",
    },
    Rule {
        who: Who::Package("ingest"),
        through_others: false,
        kinds: NORMAL,
        must_not: &[AWS, LAMBDA, &["polars", "analytics"]],
        because: "ingest reaches AWS through portal-store, and the push API links it",
    },
    Rule {
        who: Who::Libraries,
        through_others: false,
        kinds: NORMAL,
        must_not: &[&["portal-local", "tests"]],
        because: "local mode and the tests are nobody's library (a function's tests may use them)",
    },
];

/// What only some functions may use, by function: the API functions answer requests.
fn function_rules(graph: &Graph) -> Vec<String> {
    let mut problems = Vec::new();
    for function in graph.members(Who::Under("functions")) {
        let direct = graph.reached(function, NORMAL, false);
        let all = graph.reached(function, NORMAL, true);
        let is_api = direct.contains_key("lambda_http");
        if is_api {
            for name in MODEL_CODE {
                if let Some(via) = all.get(*name) {
                    problems.push(format!(
                        "{function} -> {name} ({via}): an API function must not link the model \
                         code"
                    ));
                }
            }
        }
        for name in AWS {
            if let Some(via) = direct.get(*name) {
                problems.push(format!(
                    "{function} -> {name} ({via}): functions get their clients from \
                     portal_store::Clients"
                ));
            }
        }
    }
    problems
}

fn problems(graph: &Graph) -> Vec<String> {
    let mut problems = Vec::new();
    for rule in RULES {
        for package in graph.members(rule.who) {
            let reached = graph.reached(package, rule.kinds, rule.through_others);
            for name in rule.must_not.iter().copied().flatten() {
                if let Some(via) = reached.get(*name) {
                    problems.push(format!("{package} -> {name} ({via}): {}", rule.because));
                }
            }
        }
    }
    problems.extend(function_rules(graph));
    problems
}

#[test]
fn the_crate_graph_has_no_edge_that_architecture_md_forbids() {
    let graph = Graph::of_workspace();
    assert!(
        graph.members(Who::Under("functions")).len() >= 10,
        "the graph lists the functions: {:?}",
        graph.folders
    );
    let problems = problems(&graph);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_forbidden_edge_fails_the_crate_graph_check_directly_or_through_another_crate() {
    let graph = Graph::of_workspace();
    let cases = [
        (
            "portal-domain",
            "aws-sdk-s3",
            Kind::Normal,
            "portal-domain -> aws-sdk-s3",
        ),
        (
            "portal-store",
            "portal-local",
            Kind::Dev,
            "portal-store -> portal-local",
        ),
        (
            "orders-api",
            "portal-local",
            Kind::Normal,
            "orders-api -> portal-local",
        ),
        (
            "portal-http",
            "aws-sdk-dynamodb",
            Kind::Normal,
            "portal-http -> aws-sdk-dynamodb",
        ),
        ("ingest", "polars", Kind::Normal, "ingest -> polars"),
        // Through another crate: ingest linking analytics takes polars into the push API.
        (
            "ingest",
            "analytics",
            Kind::Normal,
            "integration-api -> polars",
        ),
        (
            "catalog-api",
            "aws-sdk-s3",
            Kind::Normal,
            "catalog-api -> aws-sdk-s3",
        ),
    ];
    for (from, to, kind, expected) in cases {
        let problems = problems(&graph.clone().with(from, to, kind));
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{from} -> {to} is not reported as {expected:?}: {problems:#?}"
        );
    }
}

/// Modules whose code must not name a crate their package depends on: the pure parts of a
/// package that also does IO. Checked on the source, since a crate edge cannot tell modules
/// apart.
const MODULE_RULES: &[(&str, &str, &str)] = &[
    (
        "ingest/src/merge",
        "portal_store",
        "the merge rules work on portal_domain::records, not on how the store keeps them",
    ),
    (
        "ingest/src/entity",
        "portal_store",
        "entities are parsed rows: they know the domain, not the store",
    ),
    (
        "ingest/src/read",
        "portal_store",
        "reading a file knows nothing of where its rows go",
    ),
];

/// Where `files` (path and text) name `name`, against each rule of `rules` they fall under.
fn module_problems(rules: &[(&str, &str, &str)], files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (folder, name, because) in rules {
        for (path, text) in files.iter().filter(|(path, _)| path.starts_with(folder)) {
            for (number, line) in text.lines().enumerate() {
                if line.contains(name) {
                    problems.push(format!("{path}:{} names {name}: {because}", number + 1));
                }
            }
        }
    }
    problems
}

/// Every `.rs` file under the rules' folders, by its workspace-relative path.
fn rule_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds tests/");
    let mut files = Vec::new();
    let mut todo: Vec<_> = MODULE_RULES.iter().map(|(f, _, _)| root.join(f)).collect();
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("a rule's folder exists") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                let relative = path.strip_prefix(root).expect("under the workspace");
                files.push((relative.to_string_lossy().into_owned(), text));
            }
        }
    }
    files
}

#[test]
fn the_pure_modules_of_ingest_name_no_store_type() {
    let files = rule_sources();
    assert!(files.len() >= 10, "the rules' folders hold the modules");
    let problems = module_problems(MODULE_RULES, &files);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_store_type_named_in_a_pure_module_fails_the_module_check() {
    let files = vec![(
        "ingest/src/merge/order.rs".to_owned(),
        "use portal_domain::records::Record;\nuse portal_store::Store;\n".to_owned(),
    )];
    let problems = module_problems(MODULE_RULES, &files);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with("ingest/src/merge/order.rs:2 names portal_store"));
}

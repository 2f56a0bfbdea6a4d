//! Checks that the SAM template and the code agree: every route is an API event of its function,
//! every function in the template is a package with its binary, every variable a function reads
//! is set. Each check returns the problems it finds, so tests can show that it can fail.

use std::collections::BTreeSet;
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

/// The parts of `infra/template.yaml` the checks read.
#[derive(Debug, Clone)]
pub struct Template {
    pub functions: Vec<TemplateFunction>,
    /// Variables set for every function (`Globals.Function.Environment.Variables`).
    pub global_variables: BTreeSet<String>,
    /// The whole document, for the checks of single resources.
    pub raw: Yaml,
}

/// One `AWS::Serverless::Function`.
#[derive(Debug, Clone)]
pub struct TemplateFunction {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the cargo binary (and package) it is built from.
    pub binary: Option<String>,
    /// `(METHOD, path)` of its `HttpApi` events.
    pub routes: BTreeSet<(String, String)>,
    pub variables: BTreeSet<String>,
    /// The IAM actions of its inline policy statements, and the names of SAM policy templates it uses.
    pub actions: BTreeSet<String>,
    /// `(action, resource)` its inline policy statements allow without conditions, resources as
    /// written (tags read as their values: `${LakeBucket.Arn}/order-lines/*`, `Table.Arn`).
    pub grants: BTreeSet<(String, String)>,
    /// `(action, resource, pattern)` its inline policy statements allow only on items whose
    /// partition key matches `pattern` (a `ForAllValues:StringLike` condition on
    /// `dynamodb:LeadingKeys`, and no other condition).
    pub key_scoped: BTreeSet<(String, String, String)>,
    /// `(bucket, key prefix)` of its EventBridge rules on S3 "Object Created" events.
    pub object_created: BTreeSet<(String, String)>,
    /// Whether failed asynchronous invocations go to a dead-letter queue.
    pub dead_letter_queue: bool,
}

fn keys(yaml: &Yaml) -> BTreeSet<String> {
    yaml.as_hash()
        .map(|h| {
            h.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A string, or each string of a list.
fn strings(yaml: &Yaml) -> Vec<String> {
    match yaml {
        Yaml::Array(list) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Yaml::String(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// The project's SAM template, as the tests read it.
pub const TEMPLATE: &str = include_str!("../infra/template.yaml");

/// The project's template, parsed.
pub fn template() -> Template {
    Template::parse(TEMPLATE).expect("the template parses")
}

/// The template with the first `from` replaced by `to`: a damaged copy for a check to catch.
pub fn damaged(from: &str, to: &str) -> Template {
    let text = TEMPLATE.replacen(from, to, 1);
    assert_ne!(
        text, TEMPLATE,
        "the template no longer contains {from:?}: update this test"
    );
    Template::parse(&text).expect("the damaged template still parses")
}

impl Template {
    /// Parses a SAM template (CloudFormation tags such as `!Ref` are read as their values).
    pub fn parse(text: &str) -> Result<Self, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
        let doc = docs.first().ok_or("the template is empty")?;
        let global_variables = keys(&doc["Globals"]["Function"]["Environment"]["Variables"]);
        let resources = doc["Resources"]
            .as_hash()
            .ok_or("the template has no Resources")?;
        let mut functions = Vec::new();
        for (id, resource) in resources {
            if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let properties = &resource["Properties"];
            let mut routes = BTreeSet::new();
            let mut object_created = BTreeSet::new();
            if let Some(events) = properties["Events"].as_hash() {
                for event in events.values() {
                    let pattern = &event["Properties"]["Pattern"];
                    let has = |list: &Yaml, value: &str| {
                        list.as_vec()
                            .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(value)))
                    };
                    if event["Type"].as_str() == Some("EventBridgeRule")
                        && has(&pattern["source"], "aws.s3")
                        && has(&pattern["detail-type"], "Object Created")
                    {
                        let bucket = pattern["detail"]["bucket"]["name"][0]
                            .as_str()
                            .unwrap_or("")
                            .to_owned();
                        let prefix = pattern["detail"]["object"]["key"][0]["prefix"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned();
                        object_created.insert((bucket, prefix));
                    }
                    if event["Type"].as_str() == Some("HttpApi") {
                        let method = event["Properties"]["Method"]
                            .as_str()
                            .unwrap_or("ANY")
                            .to_uppercase();
                        let path = event["Properties"]["Path"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned();
                        routes.insert((method, path));
                    }
                }
            }
            let mut actions = BTreeSet::new();
            let mut grants = BTreeSet::new();
            let mut key_scoped = BTreeSet::new();
            for policy in properties["Policies"].as_vec().into_iter().flatten() {
                actions.extend(keys(policy).into_iter().filter(|k| k != "Statement"));
                for statement in policy["Statement"].as_vec().into_iter().flatten() {
                    let granted = strings(&statement["Action"]);
                    // Only an unconditional Allow grants anything.
                    let allows = statement["Effect"].as_str() == Some("Allow")
                        && statement["Condition"].is_badvalue();
                    for action in granted.iter().filter(|_| allows) {
                        for resource in strings(&statement["Resource"]) {
                            grants.insert((action.clone(), resource));
                        }
                    }
                    let condition = &statement["Condition"];
                    let scoped = statement["Effect"].as_str() == Some("Allow")
                        && keys(condition).len() == 1
                        && keys(&condition["ForAllValues:StringLike"]).len() == 1;
                    let patterns =
                        strings(&condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]);
                    for action in granted.iter().filter(|_| scoped) {
                        for resource in strings(&statement["Resource"]) {
                            for pattern in &patterns {
                                key_scoped.insert((
                                    action.clone(),
                                    resource.clone(),
                                    pattern.clone(),
                                ));
                            }
                        }
                    }
                    actions.extend(granted);
                }
            }
            functions.push(TemplateFunction {
                logical_id: id.as_str().unwrap_or("?").to_owned(),
                binary: resource["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()
                    .map(str::to_owned),
                routes,
                variables: keys(&properties["Environment"]["Variables"]),
                actions,
                grants,
                key_scoped,
                object_created,
                dead_letter_queue: !properties["DeadLetterQueue"]["TargetArn"].is_badvalue(),
            });
        }
        Ok(Self {
            functions,
            global_variables,
            raw: doc.clone(),
        })
    }

    /// The function built from `binary`.
    pub fn function(&self, binary: &str) -> Option<&TemplateFunction> {
        self.functions
            .iter()
            .find(|f| f.binary.as_deref() == Some(binary))
    }
}

/// Every route of every function is an `HttpApi` event of that function, and no event names a
/// route the function does not have.
pub fn routes_match(
    template: &Template,
    functions: &[(&str, Vec<(String, String)>)],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, routes) in functions {
        let Some(function) = template.function(name) else {
            problems.push(format!("function {name} is not in the template"));
            continue;
        };
        let code: BTreeSet<(String, String)> = routes.iter().cloned().collect();
        for (method, path) in code.difference(&function.routes) {
            problems.push(format!(
                "{name}: route {method} {path} has no HttpApi event in the template"
            ));
        }
        for (method, path) in function.routes.difference(&code) {
            problems.push(format!(
                "{name}: the template routes {method} {path}, which the function does not serve"
            ));
        }
    }
    problems
}

/// Every function of the template is built from a package `functions/<binary>` with that binary.
pub fn functions_have_packages(template: &Template, workspace: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for function in &template.functions {
        let Some(binary) = &function.binary else {
            problems.push(format!(
                "{} has no Metadata.BuildProperties.Binary",
                function.logical_id
            ));
            continue;
        };
        let package = workspace.join("functions").join(binary);
        let manifest = std::fs::read_to_string(package.join("Cargo.toml")).unwrap_or_default();
        if !manifest.contains(&format!("name = \"{binary}\""))
            || !package.join("src/main.rs").exists()
        {
            problems.push(format!(
                "{}: no package functions/{binary} with a binary {binary}",
                function.logical_id
            ));
        }
    }
    problems
}

/// The functions of the read API may only read: no writes, no `Scan`, no broad policy templates.
pub fn read_only(template: &Template, functions: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for name in functions {
        if let Some(function) = template.function(name) {
            for action in function
                .actions
                .iter()
                .filter(|a| !allowed.contains(&a.as_str()))
            {
                problems.push(format!(
                    "{name} may {action}, which a read-only function does not need"
                ));
            }
        }
    }
    problems
}

/// Every variable a function reads is set for it, globally or on the function.
pub fn variables_are_set(template: &Template, read: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for function in &template.functions {
        for variable in read {
            if !template.global_variables.contains(*variable)
                && !function.variables.contains(*variable)
            {
                problems.push(format!("{} does not set {variable}", function.logical_id));
            }
        }
    }
    problems
}

/// The ingest function: started by object-created events under `incoming/` of the ingest
/// bucket, failed events kept in a dead-letter queue, and only the grants it needs (reads and
/// conditional writes of items, no scans, no wildcards).
pub fn ingest_is_wired(template: &Template, binary: &str, allowed: &[&str]) -> Vec<String> {
    let Some(f) = template.function(binary) else {
        return vec![format!("no function is built from {binary}")];
    };
    let mut problems = Vec::new();
    if !f
        .object_created
        .contains(&("IngestBucket".to_owned(), "incoming/".to_owned()))
    {
        problems.push(format!(
            "{}: not started by objects created under incoming/ of IngestBucket ({:?})",
            f.logical_id, f.object_created
        ));
    }
    if !f.dead_letter_queue {
        problems.push(format!("{}: no dead-letter queue", f.logical_id));
    }
    for action in &f.actions {
        if !allowed.contains(&action.as_str()) {
            problems.push(format!("{}: may {action}", f.logical_id));
        }
    }
    problems
}

/// The function built from `binary` is granted each `(action, resource)` of `required`.
pub fn granted(template: &Template, binary: &str, required: &[(&str, &str)]) -> Vec<String> {
    let Some(f) = template.function(binary) else {
        return vec![format!("no function is built from {binary}")];
    };
    required
        .iter()
        .filter(|(action, resource)| {
            !f.grants
                .contains(&((*action).to_owned(), (*resource).to_owned()))
        })
        .map(|(action, resource)| format!("{}: may not {action} on {resource}", f.logical_id))
        .collect()
}

/// Each function of `reads` (its binary, and the variables its code reads) is given exactly
/// those variables: none missing, and none it does not read (a secret least of all).
pub fn variables_are_exactly(template: &Template, reads: &[(&str, Vec<&str>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (binary, read) in reads {
        let Some(function) = template.function(binary) else {
            problems.push(format!("no function is built from {binary}"));
            continue;
        };
        let given: BTreeSet<&str> = template
            .global_variables
            .iter()
            .chain(&function.variables)
            .map(String::as_str)
            .collect();
        let read: BTreeSet<&str> = read.iter().copied().collect();
        for variable in read.difference(&given) {
            problems.push(format!("{} does not set {variable}", function.logical_id));
        }
        for variable in given.difference(&read) {
            problems.push(format!(
                "{} is given {variable}, which it does not read",
                function.logical_id
            ));
        }
    }
    problems
}

impl Template {
    /// The resource `logical_id`'s `Properties`.
    pub fn properties(&self, logical_id: &str) -> &Yaml {
        &self.raw["Resources"][logical_id]["Properties"]
    }

    /// The logical ids and resources of type `kind`.
    pub fn resources_of(&self, kind: &str) -> Vec<(String, &Yaml)> {
        self.raw["Resources"]
            .as_hash()
            .into_iter()
            .flatten()
            .filter(|(_, r)| r["Type"].as_str() == Some(kind))
            .map(|(id, r)| (id.as_str().unwrap_or("?").to_owned(), r))
            .collect()
    }

    /// A number, or the default of the parameter that `!Ref` names.
    pub fn number(&self, value: &Yaml) -> Option<i64> {
        match value {
            Yaml::Integer(n) => Some(*n),
            Yaml::String(name) => match &self.raw["Parameters"][name.as_str()]["Default"] {
                Yaml::Integer(n) => Some(*n),
                Yaml::String(text) => text.parse().ok(),
                _ => name.parse().ok(),
            },
            _ => None,
        }
    }
}

/// The ingest bucket's lifecycle expires only what is under `expiring` (dropped exports):
/// profiles, reports, quarantine files and files set aside stay.
pub fn lifecycle_expires_only(template: &Template, bucket: &str, expiring: &str) -> Vec<String> {
    let rules = &template.properties(bucket)["LifecycleConfiguration"]["Rules"];
    let mut problems = Vec::new();
    for rule in rules.as_vec().into_iter().flatten() {
        let expires =
            !rule["ExpirationInDays"].is_badvalue() || !rule["ExpirationDate"].is_badvalue();
        let prefix = rule["Prefix"]
            .as_str()
            .or_else(|| rule["Filter"]["Prefix"].as_str())
            .unwrap_or("");
        if expires && !prefix.starts_with(expiring) {
            problems.push(format!(
                "{bucket}: rule {} expires objects under {prefix:?}, not only under {expiring}",
                rule["Id"].as_str().unwrap_or("?")
            ));
        }
    }
    problems
}

/// Every function's concurrency is reserved (so that no one function takes the account's, and
/// the table's capacity, from the others), the file-ingest function's at most `ingest_max`, the
/// analytics job's as many as its Map runs at once, the push route has its own lower throttle,
/// and the reservations leave the 100 executions a default account (1,000) keeps unreserved.
pub fn concurrency_is_reserved(template: &Template, ingest_max: i64) -> Vec<String> {
    let mut problems = Vec::new();
    let mut total = 0;
    let mut reserved = std::collections::BTreeMap::new();
    for function in &template.functions {
        let value = &template.properties(&function.logical_id)["ReservedConcurrentExecutions"];
        match template.number(value) {
            Some(n) if n >= 1 => {
                total += n;
                reserved.insert(function.binary.clone().unwrap_or_default(), n);
            }
            _ => problems.push(format!("{}: no reserved concurrency", function.logical_id)),
        }
    }
    if reserved
        .get("ingest-files")
        .is_some_and(|n| *n > ingest_max)
    {
        problems.push(format!(
            "IngestFiles: reserves {} executions, more than {ingest_max}",
            reserved["ingest-files"]
        ));
    }
    let map = template
        .resources_of("AWS::Serverless::StateMachine")
        .iter()
        .find_map(|(_, r)| {
            template.number(&r["Properties"]["Definition"]["States"]["Shards"]["MaxConcurrency"])
        });
    if let (Some(map), Some(job)) = (map, reserved.get("analytics-job"))
        && map != *job
    {
        problems.push(format!(
            "AnalyticsJob: reserves {job} executions and the Map runs {map} shards at once"
        ));
    }
    if total > 900 {
        problems.push(format!(
            "the functions reserve {total} executions; a default account allows 900"
        ));
    }
    let api = template
        .resources_of("AWS::Serverless::HttpApi")
        .into_iter()
        .next()
        .map(|(_, r)| &r["Properties"]);
    let stage =
        api.and_then(|p| template.number(&p["DefaultRouteSettings"]["ThrottlingRateLimit"]));
    let push = api.and_then(|p| {
        template.number(&p["RouteSettings"]["POST /integration/{entity}"]["ThrottlingRateLimit"])
    });
    match (stage, push) {
        (Some(stage), Some(push)) if push < stage => {}
        _ => problems.push(format!(
            "the push route has no throttle of its own below the stage's ({push:?} of {stage:?})"
        )),
    }
    problems
}

/// The smaller hardening rules: the state machine's role reaches only its own executions; every
/// queue is encrypted and has an alarm, and the events' dead-letter queues are those queues;
/// user pool clients do not tell whether a user exists; the API writes JSON access logs to a
/// log group that expires them.
pub fn hardening_problems(template: &Template) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, machine) in template.resources_of("AWS::Serverless::StateMachine") {
        for policy in machine["Properties"]["Policies"]
            .as_vec()
            .into_iter()
            .flatten()
        {
            for statement in policy["Statement"].as_vec().into_iter().flatten() {
                for resource in strings(&statement["Resource"]) {
                    if resource.ends_with(":stateMachine:*") || resource.ends_with(":execution:*") {
                        problems.push(format!("{id}: may act on every state machine ({resource})"));
                    }
                }
            }
        }
    }
    let alarmed: BTreeSet<String> = template
        .resources_of("AWS::CloudWatch::Alarm")
        .iter()
        .flat_map(|(_, alarm)| {
            alarm["Properties"]["Dimensions"]
                .as_vec()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|d| d["Name"].as_str() == Some("QueueName"))
        .filter_map(|d| {
            d["Value"]
                .as_str()?
                .strip_suffix(".QueueName")
                .map(str::to_owned)
        })
        .collect();
    for (id, queue) in template.resources_of("AWS::SQS::Queue") {
        if !alarmed.contains(&id) {
            problems.push(format!("{id}: no alarm on its messages"));
        }
        let p = &queue["Properties"];
        if p["SqsManagedSseEnabled"].as_bool() != Some(true) && p["KmsMasterKeyId"].is_badvalue() {
            problems.push(format!("{id}: not encrypted"));
        }
    }
    for (id, resource) in template.raw["Resources"].as_hash().into_iter().flatten() {
        for event in resource["Properties"]["Events"]
            .as_hash()
            .into_iter()
            .flatten()
            .map(|(_, e)| e)
        {
            let dlq = &event["Properties"]["DeadLetterConfig"];
            if !dlq.is_badvalue() && dlq["Arn"].is_badvalue() {
                problems.push(format!(
                    "{}: an event's dead-letter queue is made by SAM, unencrypted and without an alarm",
                    id.as_str().unwrap_or("?")
                ));
            }
        }
    }
    for (id, client) in template.resources_of("AWS::Cognito::UserPoolClient") {
        if client["Properties"]["PreventUserExistenceErrors"].as_str() != Some("ENABLED") {
            problems.push(format!("{id}: tells whether a user exists"));
        }
    }
    for (id, api) in template.resources_of("AWS::Serverless::HttpApi") {
        let logs = &api["Properties"]["AccessLogSettings"];
        let format = logs["Format"].as_str().unwrap_or("");
        if serde_json::from_str::<serde_json::Value>(format).map_or(true, |v| !v.is_object()) {
            problems.push(format!(
                "{id}: no access log of one JSON object per request"
            ));
        }
        let group = logs["DestinationArn"]
            .as_str()
            .unwrap_or("")
            .trim_end_matches(".Arn");
        if template
            .number(&template.properties(group)["RetentionInDays"])
            .is_none()
        {
            problems.push(format!(
                "{id}: its access logs ({group:?}) are kept forever"
            ));
        }
    }
    problems
}

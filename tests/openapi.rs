//! The OpenAPI document as the tests read it: which parameters each operation takes.

use yaml_rust2::{Yaml, YamlLoader};

/// The document the local server serves.
pub const OPENAPI: &str = include_str!("../openapi.yaml");

/// The document, parsed.
pub fn document() -> Yaml {
    YamlLoader::load_from_str(OPENAPI)
        .expect("openapi.yaml is YAML")
        .remove(0)
}

/// The parameters of every operation, `$ref`s resolved: (path, method in lower case, parameter).
pub fn parameters() -> Vec<(String, String, Yaml)> {
    let doc = document();
    let resolve = |parameter: &Yaml| match parameter["$ref"].as_str() {
        Some(reference) => {
            let component = reference
                .strip_prefix("#/components/parameters/")
                .expect("parameters refer to components/parameters");
            doc["components"]["parameters"][component].clone()
        }
        None => parameter.clone(),
    };
    let mut found = Vec::new();
    for (path, operations) in doc["paths"].as_hash().expect("paths") {
        for (method, operation) in operations.as_hash().expect("operations") {
            for parameter in operation["parameters"].as_vec().into_iter().flatten() {
                found.push((
                    path.as_str().unwrap_or_default().to_owned(),
                    method.as_str().unwrap_or_default().to_owned(),
                    resolve(parameter),
                ));
            }
        }
    }
    found
}

/// The names of the query parameters of `method` (lower case) on `path`.
pub fn query_parameters(path: &str, method: &str) -> Vec<String> {
    parameters()
        .into_iter()
        .filter(|(p, m, parameter)| {
            p == path && m == method && parameter["in"].as_str() == Some("query")
        })
        .filter_map(|(_, _, parameter)| parameter["name"].as_str().map(str::to_owned))
        .collect()
}

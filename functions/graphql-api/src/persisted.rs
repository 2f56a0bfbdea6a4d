//! Persisted queries: a client sends a query's SHA-256 instead of its text.
//!
//! - **Automatic** (Apollo's protocol, the default): `extensions.persistedQuery
//!   {version: 1, sha256Hash}`. A hash this process does not know answers
//!   `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`), and the client sends the
//!   hash with the query, which is checked against it and kept (in memory, the
//!   [`CACHED`] most recently used per process). A GET of a known hash is a short, cacheable URL.
//! - **Allow-list** (`PORTAL_GRAPHQL_PERSISTED_QUERIES=allow-list`, the template's
//!   `GraphqlPersistedQueries`): only the operations registered in `persisted-queries.json`
//!   (Apollo's persisted query manifest format, at the repository's root; the reference
//!   frontend's and the README's operations) run, by hash or by their exact text; anything
//!   else answers `PERSISTED_QUERY_NOT_REGISTERED` before it is parsed. For production APIs
//!   that serve only their own frontends.

use crate::error::graphql_code;
use async_graphql::{ErrorExtensionValues, Response, ServerError};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock};

/// How many queries a process keeps for automatic persisted queries.
pub const CACHED: usize = 1_000;

/// The registered operations (Apollo's persisted query manifest).
pub const MANIFEST: &str = include_str!("../../../persisted-queries.json");

/// Which queries a deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Any query; hashes of queries seen before stand for them.
    Automatic,
    /// Only the registered operations.
    AllowList,
}

impl Mode {
    /// The mode a variable's value names (`allow-list`, or anything else: automatic).
    pub fn named(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("allow-list") => Mode::AllowList,
            _ => Mode::Automatic,
        }
    }
}

/// One operation of the manifest.
#[derive(Debug, Deserialize)]
pub struct Operation {
    /// The SHA-256 of `body`, in hex.
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub body: String,
}

#[derive(Deserialize)]
struct Manifest {
    operations: Vec<Operation>,
}

/// The registered operations, by hash.
pub fn registered() -> &'static HashMap<String, Operation> {
    static REGISTERED: OnceLock<HashMap<String, Operation>> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        serde_json::from_str::<Manifest>(MANIFEST)
            .map(|m| {
                m.operations
                    .into_iter()
                    .map(|o| (o.id.clone(), o))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The SHA-256 of a query, in lower-case hex.
pub fn hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The queries this process has seen, by hash.
struct Seen(Mutex<lru::LruCache<String, String>>);

fn seen() -> &'static Seen {
    static SEEN: OnceLock<Seen> = OnceLock::new();
    SEEN.get_or_init(|| {
        Seen(Mutex::new(lru::LruCache::new(
            NonZeroUsize::new(CACHED).unwrap_or(NonZeroUsize::MIN),
        )))
    })
}

/// The parsed documents of the queries this process ran most recently, by hash: a portal sends
/// the same few operations over and over, and parsing is most of a small query's cost.
struct Parsed(Mutex<lru::LruCache<String, async_graphql::parser::types::ExecutableDocument>>);

fn parsed() -> &'static Parsed {
    static PARSED: OnceLock<Parsed> = OnceLock::new();
    PARSED.get_or_init(|| {
        Parsed(Mutex::new(lru::LruCache::new(
            NonZeroUsize::new(CACHED).unwrap_or(NonZeroUsize::MIN),
        )))
    })
}

/// Gives `request` the parsed document of its query if this process parsed it before, and
/// keeps the document of a query it parses now (one that does not parse is left to the
/// schema, which answers its syntax error).
pub fn parse_once(request: &mut async_graphql::Request) {
    let key = hash(&request.query);
    let known = parsed()
        .0
        .lock()
        .ok()
        .and_then(|mut p| p.get(&key).cloned());
    match known {
        Some(document) => request.set_parsed_query(document),
        None => {
            if let Ok(document) = request.parsed_query() {
                let document = document.clone();
                if let Ok(mut parsed) = parsed().0.lock() {
                    parsed.put(key, document);
                }
            }
        }
    }
}

/// Why a request is not run: its problem code and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: &'static str,
}

impl Refusal {
    /// The GraphQL answer that refuses the request.
    pub fn into_response(self) -> Response {
        let mut error = ServerError::new(self.message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", graphql_code(self.code));
        error.extensions = Some(extensions);
        Response::from_errors(vec![error])
    }
}

fn refusal(code: &'static str, message: &'static str) -> Refusal {
    Refusal { code, message }
}

/// The hash a request names, if it names one.
fn named_hash(request: &async_graphql::Request) -> Result<Option<String>, Refusal> {
    let Some(persisted) = request.extensions.0.get("persistedQuery") else {
        return Ok(None);
    };
    let hash = match persisted {
        async_graphql::Value::Object(fields) => match fields.get("sha256Hash") {
            Some(async_graphql::Value::String(hash)) => hash.to_ascii_lowercase(),
            _ => None.ok_or_else(|| {
                refusal(
                    "invalid-persisted-query",
                    "extensions.persistedQuery needs a sha256Hash (a hex string)",
                )
            })?,
        },
        _ => {
            return Err(refusal(
                "invalid-persisted-query",
                "extensions.persistedQuery must be an object {version: 1, sha256Hash}",
            ));
        }
    };
    Ok(Some(hash))
}

/// Fills in the query a request names by its hash, and checks a query against the mode: the
/// request to run, or the answer that refuses it.
pub fn resolve(
    mut request: async_graphql::Request,
    mode: Mode,
) -> Result<async_graphql::Request, Refusal> {
    let hash = named_hash(&request)?;
    let has_text = !request.query.trim().is_empty();
    match (mode, hash, has_text) {
        (Mode::Automatic, None, _) => Ok(request),
        (Mode::Automatic, Some(hash), true) => {
            if self::hash(&request.query) != hash {
                return Err(refusal(
                    "persisted-query-hash-mismatch",
                    "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query",
                ));
            }
            if let Ok(mut seen) = seen().0.lock() {
                seen.put(hash, request.query.clone());
            }
            Ok(request)
        }
        (Mode::Automatic, Some(hash), false) => {
            let known = registered().get(&hash).map(|o| o.body.clone()).or_else(|| {
                seen()
                    .0
                    .lock()
                    .ok()
                    .and_then(|mut seen| seen.get(&hash).cloned())
            });
            match known {
                Some(query) => {
                    request.query = query;
                    Ok(request)
                }
                None => Err(refusal(
                    "persisted-query-not-found",
                    "PersistedQueryNotFound",
                )),
            }
        }
        (Mode::AllowList, hash, _) => {
            let hash = match hash {
                Some(hash) => hash,
                None => self::hash(&request.query),
            };
            match registered().get(&hash) {
                Some(operation) if !has_text || operation.body == request.query => {
                    request.query = operation.body.clone();
                    Ok(request)
                }
                _ => Err(refusal(
                    "persisted-query-not-registered",
                    "this API runs only registered operations (persisted-queries.json): send \
                     a registered operation's sha256Hash in extensions.persistedQuery",
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_hash(hash: &str) -> async_graphql::Request {
        let mut request = async_graphql::Request::new("");
        let mut persisted = async_graphql::indexmap::IndexMap::new();
        persisted.insert(
            async_graphql::Name::new("version"),
            async_graphql::Value::from(1),
        );
        persisted.insert(
            async_graphql::Name::new("sha256Hash"),
            async_graphql::Value::from(hash),
        );
        request.extensions.0.insert(
            "persistedQuery".into(),
            async_graphql::Value::Object(persisted),
        );
        request
    }

    fn code(answer: Result<async_graphql::Request, Refusal>) -> String {
        answer
            .err()
            .map(|r| graphql_code(r.code))
            .unwrap_or_default()
    }

    #[test]
    fn the_manifest_lists_operations_whose_ids_are_their_bodies_hashes() {
        assert!(
            !registered().is_empty(),
            "persisted-queries.json has operations"
        );
        for (id, operation) in registered() {
            assert_eq!(&hash(&operation.body), id, "{}", operation.name);
        }
    }

    #[test]
    fn allow_list_mode_runs_registered_operations_by_hash_or_text_and_nothing_else() {
        let (id, operation) = registered().iter().next().expect("an operation");
        let by_id = resolve(by_hash(id), Mode::AllowList).expect("registered");
        assert_eq!(by_id.query, operation.body);
        let by_text = resolve(
            async_graphql::Request::new(operation.body.clone()),
            Mode::AllowList,
        );
        assert!(by_text.is_ok());
        let other = resolve(
            async_graphql::Request::new("{ me { role } }"),
            Mode::AllowList,
        );
        assert_eq!(code(other), "PERSISTED_QUERY_NOT_REGISTERED");
        let unknown = resolve(by_hash(&hash("{ me { role } }")), Mode::AllowList);
        assert_eq!(code(unknown), "PERSISTED_QUERY_NOT_REGISTERED");
    }

    #[test]
    fn automatic_mode_learns_a_hash_from_its_query_and_refuses_a_wrong_one() {
        let query = "{ me { reach } }";
        let unknown = resolve(by_hash(&hash(query)), Mode::Automatic);
        assert_eq!(code(unknown), "PERSISTED_QUERY_NOT_FOUND");
        let mut with_text = by_hash(&hash(query));
        with_text.query = query.into();
        assert!(resolve(with_text, Mode::Automatic).is_ok());
        let known = resolve(by_hash(&hash(query)), Mode::Automatic).expect("learnt");
        assert_eq!(known.query, query);
        let mut wrong = by_hash(&hash("{ me { role } }"));
        wrong.query = query.into();
        assert_eq!(
            code(resolve(wrong, Mode::Automatic)),
            "PERSISTED_QUERY_HASH_MISMATCH"
        );
    }
}

//! Configuration read once per process from the environment (set by the SAM template).

use std::time::Duration;

/// What a function needs to know about its deployment.
#[derive(Clone)]
pub struct Config {
    /// `PORTAL_TABLE`: the DynamoDB table.
    pub table: String,
    /// `PORTAL_DOCUMENTS_BUCKET`: the S3 bucket of document files.
    pub documents_bucket: String,
    /// `PORTAL_CURSOR_SECRET`: the key that signs pagination cursors (at least 32 bytes); given
    /// only to the functions that page (the others never see it).
    pub cursor_secret: Option<String>,
    /// `PORTAL_DOWNLOAD_TTL_SECONDS`: how long download links stay valid (default 300).
    pub download_ttl: Duration,
    /// `PORTAL_PRINCIPAL_CACHE_SECONDS`: how long a user record is reused within one process (default 60).
    pub principal_ttl: Duration,
    /// `PORTAL_LAKE_BUCKET`: the analytics lake, for the functions that write order lines to it
    /// (the push API); unset for the others.
    pub lake_bucket: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("table", &self.table)
            .field("documents_bucket", &self.documents_bucket)
            .field(
                "cursor_secret",
                &self.cursor_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("download_ttl", &self.download_ttl)
            .field("principal_ttl", &self.principal_ttl)
            .field("lake_bucket", &self.lake_bucket)
            .finish()
    }
}

/// A missing or malformed setting; start-up stops with it rather than guessing.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {problem}")]
    Invalid { name: &'static str, problem: String },
}

/// The smallest cursor secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// The names of the variables [`Config::from_env`] reads in every function.
    pub const VARIABLES: [&'static str; 4] = [
        "PORTAL_TABLE",
        "PORTAL_DOCUMENTS_BUCKET",
        "PORTAL_DOWNLOAD_TTL_SECONDS",
        "PORTAL_PRINCIPAL_CACHE_SECONDS",
    ];

    /// The variables only the functions that page read: their cursors' secret.
    pub const CURSOR_VARIABLES: [&'static str; 1] = ["PORTAL_CURSOR_SECRET"];

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let seconds =
            |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
                match lookup(name) {
                    None => Ok(Duration::from_secs(default)),
                    Some(v) => v.parse::<u64>().map(Duration::from_secs).map_err(|e| {
                        ConfigError::Invalid {
                            name,
                            problem: format!("{v:?} is not a number of seconds ({e})"),
                        }
                    }),
                }
            };
        let config = Self {
            table: required("PORTAL_TABLE")?,
            documents_bucket: required("PORTAL_DOCUMENTS_BUCKET")?,
            cursor_secret: lookup("PORTAL_CURSOR_SECRET").filter(|v| !v.is_empty()),
            download_ttl: seconds("PORTAL_DOWNLOAD_TTL_SECONDS", 300)?,
            principal_ttl: seconds("PORTAL_PRINCIPAL_CACHE_SECONDS", 60)?,
            lake_bucket: lookup("PORTAL_LAKE_BUCKET").filter(|v| !v.is_empty()),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the values that have rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self
            .cursor_secret
            .as_ref()
            .is_some_and(|s| s.len() < MIN_SECRET_BYTES)
        {
            return Err(ConfigError::Invalid {
                name: "PORTAL_CURSOR_SECRET",
                problem: format!("must be at least {MIN_SECRET_BYTES} bytes"),
            });
        }
        if self.download_ttl.is_zero() || self.download_ttl > Duration::from_secs(3600) {
            return Err(ConfigError::Invalid {
                name: "PORTAL_DOWNLOAD_TTL_SECONDS",
                problem: "must be between 1 and 3600 seconds: download links expire in minutes"
                    .to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn missing_table_stops_start_up_naming_the_variable() {
        let err = Config::from_lookup(lookup(&[
            ("PORTAL_DOCUMENTS_BUCKET", "b"),
            ("PORTAL_CURSOR_SECRET", SECRET),
        ]))
        .expect_err("table is required");
        assert!(err.to_string().contains("PORTAL_TABLE"), "{err}");
    }

    #[test]
    fn short_cursor_secret_is_refused() {
        let err = Config::from_lookup(lookup(&[
            ("PORTAL_TABLE", "t"),
            ("PORTAL_DOCUMENTS_BUCKET", "b"),
            ("PORTAL_CURSOR_SECRET", "short"),
        ]))
        .expect_err("secret too short");
        assert!(err.to_string().contains("PORTAL_CURSOR_SECRET"), "{err}");
    }

    #[test]
    fn a_function_that_never_pages_starts_without_the_cursor_secret() {
        let config = Config::from_lookup(lookup(&[
            ("PORTAL_TABLE", "t"),
            ("PORTAL_DOCUMENTS_BUCKET", "b"),
        ]))
        .expect("the secret is only for the functions that page");
        assert!(config.cursor_secret.is_none());
    }

    #[test]
    fn defaults_apply_to_optional_durations() {
        let config = Config::from_lookup(lookup(&[
            ("PORTAL_TABLE", "t"),
            ("PORTAL_DOCUMENTS_BUCKET", "b"),
            ("PORTAL_CURSOR_SECRET", SECRET),
        ]))
        .expect("valid configuration");
        assert_eq!(config.download_ttl, Duration::from_secs(300));
        assert!(
            !format!("{config:?}").contains(SECRET),
            "the secret must not reach logs"
        );
    }
}

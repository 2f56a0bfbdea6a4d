//! Extractors that reject in our problem format instead of axum's plain text.

use crate::ApiError;
use axum::extract::FromRequestParts;
use axum::extract::rejection::{PathRejection, QueryRejection};
use portal_domain::ParseError;

/// The query string, deserialised into `T` (use `#[serde(deny_unknown_fields)]` so typos are 400s).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters, deserialised into `T`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid-parameter", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request("invalid-parameter", rejection.body_text())
    }
}

/// Parses an optional parameter, naming it in the error.
pub fn parse_opt<T, E: std::fmt::Display>(
    name: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    raw.map(|v| parse(v).map_err(|e| ApiError::invalid_parameter(name, e)))
        .transpose()
}

/// Parses a comma-separated list parameter such as `status=shipped,delivered`, dropping repeats.
pub fn comma_list<T: PartialEq>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, ParseError>,
) -> Result<Vec<T>, ApiError> {
    let mut values = Vec::new();
    for part in raw
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let value = parse(part)?;
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Ok(values)
}

/// Parses the `from` and `to` dates (`YYYY-MM-DD`, both inclusive) of a list route.
pub fn date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), ApiError> {
    let date = |raw: &str| {
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| format!("{raw:?} is not a date of the form YYYY-MM-DD"))
    };
    let from = parse_opt("from", from, date)?;
    let to = parse_opt("to", to, date)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::invalid_parameter(
            "from",
            format!("{f} is after to ({t})"),
        ));
    }
    Ok((from, to))
}

/// A JSON request body deserialised into `T` (use `#[serde(deny_unknown_fields)]`): a body
/// that is not such JSON is a 400 `invalid-body` saying where it is wrong, one over the route's
/// `DefaultBodyLimit` a 413.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| ApiError::bad_request("invalid-body", format!("the body: {e}")))
    }
}

/// The version a write was made to: the `If-Match` header (`"3"`, `W/"3"` or `3`) or the
/// body's `version`. Neither is a 428 `version-required`; both, differing, a 400.
pub fn version_of(headers: &axum::http::HeaderMap, body: Option<u64>) -> Result<u64, ApiError> {
    let header = match headers.get(axum::http::header::IF_MATCH) {
        None => None,
        Some(raw) => {
            let text = raw.to_str().unwrap_or_default().trim();
            let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
            Some(text.parse::<u64>().map_err(|_| {
                ApiError::invalid_parameter(
                    "If-Match",
                    format!("{text:?} is not a version: send the ETag of the object you changed"),
                )
            })?)
        }
    };
    match (header, body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::invalid_parameter(
            "version",
            format!("{b} differs from If-Match ({h}): send one version"),
        )),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(ApiError::VersionRequired(
            "this write needs the version it was made to: the If-Match header (the ETag of \
             the object read) or `version` in the body"
                .into(),
        )),
    }
}

/// A request body as bytes, for a route that reads more than JSON (a quick order's CSV); one
/// over the route's `DefaultBodyLimit` is a 413 in our problem format.
#[derive(Debug)]
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge(format!(
                        "the body is larger than this route takes ({})",
                        rejection.body_text()
                    ))
                } else {
                    ApiError::bad_request("invalid-body", rejection.body_text())
                }
            })
    }
}

/// A JSON body that may be empty (then `T::default()`), for a POST whose body is optional; one
/// that is not such JSON is a 400 `invalid-body`.
pub fn optional_json<T: Default + serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid-body", format!("the body: {e}")))
}

/// A change's field that may be absent (`None`: unchanged), `null` (`Some(None)`: cleared) or
/// a value: `#[serde(default, deserialize_with = "portal_http::present")]`.
pub fn present<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// The account an `account` parameter names (or the caller's only one), scope-checked: 404 for
/// an account outside the caller's scope, 400 `account-required` for staff serving several.
pub fn account_param(
    principal: &portal_domain::Principal,
    raw: Option<&str>,
) -> Result<portal_domain::ScopedAccount, ApiError> {
    let requested = parse_opt("account", raw, portal_domain::AccountId::parse)?;
    Ok(principal.account_for(requested.as_ref())?)
}

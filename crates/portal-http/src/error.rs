//! The one mapping from failures to HTTP responses: `application/problem+json` (RFC 9457)
//! with a stable `code` per kind of problem. Clients never see internal details; server
//! errors are logged here, once, with their whole cause chain.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal_domain::{AccountChoiceError, ParseError};
use portal_store::StoreError;
use serde::Serialize;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or unusable identity in the request context.
    #[error("{0}")]
    Unauthenticated(String),
    /// A valid identity the portal does not know, or a role that may not do this.
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    /// The route exists, but not for this method.
    #[error("this route does not answer {0}")]
    MethodNotAllowed(String),
    /// The object does not exist or is not visible to the caller (the two are not told apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Something in the request is wrong; `detail` says what.
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// The request clashes with another one (the same idempotency key being processed now).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A write named a version of the object other than the stored one: `current` is the
    /// stored version (read the object and apply the change again).
    #[error(
        "the {what} is at version {current}, not the version this change was made to: read it and apply the change again"
    )]
    VersionConflict { what: &'static str, current: u64 },
    /// A write to a versioned object named no version.
    #[error("{0}")]
    VersionRequired(String),
    /// The request is well-formed but cannot be taken (an idempotency key reused for another
    /// request).
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    /// The body is larger than the route takes.
    #[error("{0}")]
    TooLarge(String),
    /// The store pushes back; try again later.
    #[error("service temporarily unavailable")]
    Unavailable(#[source] StoreError),
    /// A fault on our side.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// A 400 with the given stable code.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    /// A 400 `invalid-parameter` naming the parameter.
    pub fn invalid_parameter(name: &str, problem: impl std::fmt::Display) -> Self {
        ApiError::bad_request("invalid-parameter", format!("{name}: {problem}"))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::VersionConflict { .. } => (StatusCode::CONFLICT, "version-conflict"),
            ApiError::VersionRequired(_) => (StatusCode::PRECONDITION_REQUIRED, "version-required"),
            ApiError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:b2b-portal:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The stable, machine-readable code clients branch on.
    pub code: &'static str,
    /// For `version-conflict`: the object's version now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

impl ApiError {
    /// The problem document a client sees, the server error's cause logged (once, here: every
    /// answer to a client is made from this).
    pub fn problem(&self) -> Problem {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            let mut chain = String::new();
            let mut source = std::error::Error::source(self);
            while let Some(cause) = source {
                chain.push_str(": ");
                chain.push_str(&cause.to_string());
                source = cause.source();
            }
            tracing::error!(code, cause = %chain, "request failed");
        }
        let current_version = match self {
            ApiError::VersionConflict { current, .. } => Some(*current),
            _ => None,
        };
        Problem {
            current_version,
            kind: format!("urn:b2b-portal:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            code,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            // A list of analytics results whose run was replaced: not the client's mistake,
            // and it must start the list again.
            StoreError::Cursor(cursor @ portal_store::CursorError::RunReplaced { .. }) => {
                ApiError::Conflict {
                    code: "run-replaced",
                    detail: cursor.to_string(),
                }
            }
            StoreError::Cursor(cursor) => {
                ApiError::bad_request("invalid-cursor", cursor.to_string())
            }
            // Amounts the ERP sent that add up beyond any number: the request is fine, the
            // data cannot answer it. A 422 saying what could not be summed, not a 5xx.
            err @ StoreError::Overflow { .. } => ApiError::Unprocessable {
                code: "amount-overflow",
                detail: err.to_string(),
            },
            // An account with more unpaid invoices than one request sums: a clear answer, not a
            // request that runs into its timeout, and never a partial sum.
            err @ StoreError::TooManyToSum { .. } => ApiError::Unprocessable {
                code: "too-many-to-sum",
                detail: format!("{err}; page through them with GET /invoices?status=unpaid"),
            },
            err if err.is_throttling() => ApiError::Unavailable(err),
            err => ApiError::Internal(Box::new(err)),
        }
    }
}

impl From<ParseError> for ApiError {
    fn from(err: ParseError) -> Self {
        ApiError::bad_request("invalid-parameter", err.to_string())
    }
}

impl From<AccountChoiceError> for ApiError {
    fn from(err: AccountChoiceError) -> Self {
        match err {
            AccountChoiceError::AccountRequired => {
                ApiError::bad_request("account-required", err.to_string())
            }
            AccountChoiceError::NotVisible => ApiError::NotFound("account"),
        }
    }
}

/// The answer for a known path with a method it does not serve.
pub(crate) async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// The answer for paths no route matches.
pub async fn not_found_fallback() -> ApiError {
    ApiError::NotFound("route")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn problem(error: ApiError) -> (StatusCode, String, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = to_bytes(response.into_body(), 1 << 16).await.expect("body");
        (
            status,
            content_type,
            serde_json::from_slice(&body).expect("problem JSON"),
        )
    }

    fn service_error(code: Option<&str>) -> StoreError {
        StoreError::Service {
            service: "DynamoDB",
            operation: "Query",
            code: code.map(str::to_owned),
            message: "arn:aws:dynamodb:eu-north-1:123456789012:table/portal secret detail"
                .to_owned(),
        }
    }

    #[tokio::test]
    async fn throttling_is_a_503_a_client_may_retry() {
        for code in [
            "ThrottlingException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
        ] {
            let (status, content_type, body) = problem(service_error(Some(code)).into()).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{code}");
            assert_eq!(content_type, "application/problem+json");
            assert_eq!(body["code"], "unavailable");
        }
    }

    #[tokio::test]
    async fn an_internal_failure_is_a_500_that_shows_nothing_of_its_cause() {
        let (status, _, body) = problem(service_error(Some("InternalServerError")).into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal");
        assert_eq!(body["detail"], "internal error");
        assert!(!body.to_string().contains("arn:aws"), "{body}");
    }

    #[tokio::test]
    async fn a_bad_cursor_from_the_store_is_the_clients_400() {
        let (status, _, body) =
            problem(StoreError::Cursor(portal_store::CursorError::WrongQuery).into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid-cursor");
        assert_eq!(body["type"], "urn:b2b-portal:problem:invalid-cursor");
    }
}

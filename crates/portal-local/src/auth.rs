//! Dev tokens, and the middleware that does locally what API Gateway's JWT authorizer does in AWS.
//!
//! The middleware checks a bearer token's signature, issuer, audience and expiry, then puts
//! its claims into an API Gateway HTTP API (v2) request context, exactly where
//! `lambda_http` puts them in Lambda. A request without a token gets no context, and the
//! functions refuse it themselves, as they would behind a misconfigured gateway.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use portal_http::ApiError;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The issuer of dev tokens.
pub const ISSUER: &str = "b2b-portal-local";
/// The audience of dev tokens.
pub const AUDIENCE: &str = "b2b-portal";

/// Issues and checks dev tokens (HS256 with a secret kept in the data folder).
#[derive(Clone)]
pub struct DevAuth {
    keys: Arc<(EncodingKey, DecodingKey)>,
}

impl std::fmt::Debug for DevAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevAuth(..)")
    }
}

impl DevAuth {
    /// An issuer signing with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            keys: Arc::new((
                EncodingKey::from_secret(secret),
                DecodingKey::from_secret(secret),
            )),
        }
    }

    /// A token for user `sub`, valid for `ttl`.
    pub fn issue(&self, sub: &str, ttl: Duration) -> anyhow::Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let claims = serde_json::json!({
            "sub": sub,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + ttl.as_secs(),
            "token_use": "access",
        });
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.keys.0,
        )?)
    }

    /// The claims of a valid token, as API Gateway passes them: every value a string.
    pub fn verify(
        &self,
        token: &str,
    ) -> Result<HashMap<String, String>, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data =
            jsonwebtoken::decode::<HashMap<String, Value>>(token, &self.keys.1, &validation)?;
        Ok(data
            .claims
            .into_iter()
            .map(|(k, v)| (k, claim_string(v)))
            .collect())
    }
}

/// API Gateway turns claim values into strings; arrays become `[a b]`.
fn claim_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Array(items) => {
            format!(
                "[{}]",
                items
                    .into_iter()
                    .map(claim_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        other => other.to_string(),
    }
}

/// The request context API Gateway builds for a request its JWT authorizer let through.
pub fn request_context(
    claims: HashMap<String, String>,
    method: &axum::http::Method,
    path: &str,
) -> RequestContext {
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = claims;
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.authorizer = Some(authorizer);
    context.stage = Some("$default".to_owned());
    context.http.method = method.clone();
    context.http.path = Some(path.to_owned());
    RequestContext::ApiGatewayV2(context)
}

/// The local authorizer: a valid bearer token becomes the request context; an invalid one is a 401.
pub async fn authorize(State(auth): State<DevAuth>, mut request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    if let Some(header) = header {
        let Some(token) = header.strip_prefix("Bearer ").map(str::trim) else {
            return ApiError::Unauthenticated(
                "the Authorization header must be `Bearer <token>`".to_owned(),
            )
            .into_response();
        };
        match auth.verify(token) {
            Ok(claims) => {
                let context = request_context(claims, request.method(), request.uri().path());
                request.extensions_mut().insert(context);
            }
            Err(e) => {
                return ApiError::Unauthenticated(format!("the token is not valid: {e}"))
                    .into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies_with_claims_as_strings() {
        let auth = DevAuth::new(b"0123456789abcdef0123456789abcdef");
        let token = auth.issue("u-1", Duration::from_secs(60)).expect("token");
        let claims = auth.verify(&token).expect("valid");
        assert_eq!(claims.get("sub").map(String::as_str), Some("u-1"));
        assert!(
            claims
                .get("exp")
                .is_some_and(|exp| exp.parse::<u64>().is_ok())
        );
    }

    #[test]
    fn token_of_another_secret_is_refused() {
        let token = DevAuth::new(b"one secret, long enough for hs256..")
            .issue("u", Duration::from_secs(60))
            .expect("token");
        assert!(
            DevAuth::new(b"another secret, long enough for hs256")
                .verify(&token)
                .is_err()
        );
    }

    #[test]
    fn array_claims_are_flattened_like_api_gateway_does() {
        assert_eq!(claim_string(serde_json::json!(["a", "b"])), "[a b]");
        assert_eq!(claim_string(serde_json::json!(12)), "12");
    }
}

//! The reference web app (`web/`) on the local server, on the API's port: its built files at
//! `/` (embedded by `build.rs`), its runtime configuration at `/config.json` (sign-in picks one
//! of the demo users), and `POST /dev/token`, which issues that user's dev token. In AWS the
//! same files are a static site whose `config.json` names the Cognito user pool instead.

use crate::auth::DevAuth;
use crate::demo::{DEMO_INTEGRATION, DEMO_USERS};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use portal_http::ApiError;
use serde::Deserialize;
use std::time::Duration;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// The page's security headers: scripts and styles of its own origin only, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'self'";

/// How long a token from the sign-in page lasts.
const TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// The users the local sign-in page offers: the demo's people (not the ERP's machine user).
pub fn sign_in_users() -> impl Iterator<Item = (&'static str, &'static str)> {
    DEMO_USERS
        .into_iter()
        .filter(|(user, _)| *user != DEMO_INTEGRATION)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn file(path: &'static str, bytes: &'static [u8]) -> Response {
    // Vite names every asset by its content's hash: cached for good. The page is not.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type(path)),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The app's runtime configuration locally: the API is this origin; sign-in is a choice of
/// the demo users.
async fn config() -> Json<serde_json::Value> {
    let users: Vec<_> = sign_in_users()
        .map(|(id, label)| serde_json::json!({ "id": id, "label": label }))
        .collect();
    Json(serde_json::json!({
        "apiUrl": "",
        "signIn": { "kind": "dev", "users": users },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    user: String,
}

/// A dev token of one of the sign-in page's users.
async fn token(
    State(auth): State<DevAuth>,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::bad_request("invalid-body", e.body_text()))?;
    if !sign_in_users().any(|(user, _)| user == request.user) {
        return Err(ApiError::bad_request(
            "unknown-user",
            format!(
                "`{}` is not one of the demo users the sign-in page offers",
                request.user
            ),
        ));
    }
    let token = auth
        .issue(&request.user, TOKEN_TTL)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(serde_json::json!({ "token": token })))
}

/// The web app's routes: `/`, each built file, `/config.json` and `/dev/token`.
pub fn router(auth: DevAuth) -> Router {
    let mut router = Router::new()
        .route("/config.json", axum::routing::get(config))
        .route("/dev/token", axum::routing::post(token))
        .with_state(auth);
    for (path, bytes) in assets::ASSETS {
        let (path, bytes): (&'static str, &'static [u8]) = (path, bytes);
        let route = if path == "index.html" {
            "/".to_owned()
        } else {
            format!("/{path}")
        };
        router = router.route(
            &route,
            axum::routing::get(move || async move { file(path, bytes) }),
        );
    }
    router
}

/// Whether the app was built into this binary (`web/dist` present when it was compiled).
pub fn is_built() -> bool {
    assets::ASSETS.iter().any(|(path, _)| *path == "index.html")
}

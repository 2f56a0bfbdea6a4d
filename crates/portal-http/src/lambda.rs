//! What a function's `main` calls, and the Lambda-facing service it runs.

use axum::Router;
use lambda_http::request::RequestContext;
use tower::util::MapRequest;

/// Starts JSON logs (CloudWatch reads them), filtered by `RUST_LOG` (default `info`): the
/// same as every other function's.
pub use portal_lambda::init_tracing;

/// Human-readable logs for tests (`TEST_LOG=1`); does nothing if logging is already set up.
pub fn init_tracing_for_tests() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,dynoxide=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// The service a function runs in Lambda: its router, answering unknown routes in our format,
/// behind a rewrite that removes a named stage's prefix from the path.
///
/// For a stage other than `$default`, API Gateway's `rawPath` starts with `/<stage>` (and
/// `lambda_http` adds the prefix when it does not), while the routers know only the bare routes;
/// a function therefore answers the same whichever stage it is deployed under.
pub type Handler = MapRequest<Router, fn(lambda_http::Request) -> lambda_http::Request>;

/// Wraps a function's router into its [`Handler`].
pub fn handler(router: Router) -> Handler {
    let strip: fn(lambda_http::Request) -> lambda_http::Request = strip_stage;
    tower::ServiceExt::map_request(router.fallback(crate::not_found_fallback), strip)
}

/// Serves `router` as a Lambda function behind API Gateway.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(handler(router)).await
}

fn strip_stage(mut request: lambda_http::Request) -> lambda_http::Request {
    let stage = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) else {
        return request;
    };
    let prefix = format!("/{stage}");
    let path = request.uri().path();
    let rest = match path.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return request,
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(rewritten) = path_and_query.parse() {
        parts.path_and_query = Some(rewritten);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

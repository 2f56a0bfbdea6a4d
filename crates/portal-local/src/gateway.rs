//! API Gateway HTTP API (payload 2.0) events as the gateway sends them to a function, built
//! from the maintained event types (`aws_lambda_events`, through `lambda_http`): the one way
//! tests and benchmarks make them.

use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription, ApiGatewayV2httpRequest,
};
use std::collections::HashMap;

/// The event of `method uri` (a path with an optional `?query`) on the `$default` stage: path and
/// query apart (`rawPath`, `rawQueryString`, `queryStringParameters`, a repeated name's values
/// joined with commas as the gateway does), and the JWT authorizer's claims holding `sub` (`None`:
/// no authorizer context, as for a route without one).
pub fn event(method: &str, uri: &str, sub: Option<&str>) -> serde_json::Value {
    event_on_stage("$default", method, uri, sub)
}

/// [`event`] on a named stage: the gateway puts the stage in front of `rawPath` (`/prod/orders`)
/// but not of the route.
pub fn event_on_stage(
    stage: &str,
    method: &str,
    uri: &str,
    sub: Option<&str>,
) -> serde_json::Value {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let raw_path = match stage {
        "$default" => path.to_owned(),
        stage => format!("/{stage}{path}"),
    };
    let mut parameters: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        parameters
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    let joined: HashMap<String, String> = parameters
        .into_iter()
        .map(|(name, values)| (name, values.join(",")))
        .collect();
    let method: http::Method = method.parse().unwrap_or(http::Method::GET);

    let mut event = ApiGatewayV2httpRequest::default();
    event.version = Some("2.0".into());
    event.route_key = Some("$default".into());
    event.raw_path = Some(raw_path.clone());
    event.raw_query_string = Some(query.to_owned());
    event.query_string_parameters = joined.into();
    event.headers.insert(
        http::header::HOST,
        http::HeaderValue::from_static("api.example.com"),
    );
    event.headers.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    let context = &mut event.request_context;
    context.route_key = Some("$default".into());
    context.account_id = Some("123456789012".into());
    context.stage = Some(stage.to_owned());
    context.request_id = Some("request-1".into());
    context.apiid = Some("api".into());
    context.domain_name = Some("api.example.com".into());
    context.time = Some("04/Dec/2026:10:00:00 +0000".into());
    context.http.method = method;
    context.http.path = Some(raw_path);
    context.http.protocol = Some("HTTP/1.1".into());
    context.http.source_ip = Some("192.0.2.1".into());
    context.http.user_agent = Some("b2b-portal-tests".into());
    context.authorizer = sub.map(|sub| {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims.insert("sub".into(), sub.to_owned());
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        authorizer
    });
    serde_json::to_value(event).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_stays_out_of_the_path_and_lambda_http_reads_both() {
        let event = event(
            "GET",
            "/orders?status=shipped&status=delivered&limit=5",
            Some("u-1"),
        );
        assert_eq!(event["rawPath"], "/orders");
        assert_eq!(
            event["rawQueryString"],
            "status=shipped&status=delivered&limit=5"
        );
        let request = lambda_http::request::from_str(&event.to_string()).expect("parsed");
        assert_eq!(request.uri().path(), "/orders");
        assert_eq!(
            request.uri().query(),
            Some("status=shipped&status=delivered&limit=5")
        );
        let staged = event_on_stage("prod", "GET", "/orders", None);
        assert_eq!(staged["rawPath"], "/prod/orders");
        assert!(
            staged["requestContext"]
                .get("authorizer")
                .is_none_or(|a| a.is_null())
        );
    }
}

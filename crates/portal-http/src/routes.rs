//! A function's routes as data, so that tests can enumerate every route of every router.

use crate::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;

/// One route of a function.
pub struct Route {
    pub method: Method,
    /// The path in axum syntax, such as `/orders/{order_id}`.
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

impl Route {
    /// A GET route.
    pub fn get<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self {
            method: Method::GET,
            path,
            handler: axum::routing::get(handler),
        }
    }

    /// A POST route.
    pub fn post<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self {
            method: Method::POST,
            path,
            handler: axum::routing::post(handler),
        }
    }
}

/// Builds a function's router from its routes: the only way routers are made, so the route list
/// a test enumerates is the router.
pub fn router(routes: Vec<Route>, state: AppState) -> Router {
    routes
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
        .method_not_allowed_fallback(crate::error::method_not_allowed)
        .with_state(state)
}

//! A function's routes as data, so that tests can enumerate every route of every router.

use crate::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};

/// One route of a function.
pub struct Route {
    pub method: Method,
    /// The path in axum syntax, such as `/orders/{order_id}`.
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

impl Route {
    /// A route answering `method` on `path` (any method HTTP has: the write routes to come
    /// use PUT, PATCH and DELETE as well as POST).
    pub fn new<H, T>(method: Method, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone())
            .unwrap_or_else(|_| panic!("axum cannot route {method}"));
        Self {
            method,
            path,
            handler: axum::routing::on(filter, handler),
        }
    }

    /// A GET route.
    pub fn get<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::GET, path, handler)
    }

    /// A POST route.
    pub fn post<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::POST, path, handler)
    }

    /// A PUT route.
    pub fn put<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::PUT, path, handler)
    }

    /// A PATCH route.
    pub fn patch<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::PATCH, path, handler)
    }

    /// A DELETE route.
    pub fn delete<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::DELETE, path, handler)
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

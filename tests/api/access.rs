//! Authentication and the cross-account matrix: every route of every router, every role,
//! against the other account's objects.

use axum::http::Method;
use portal_local::server::functions;
use tests::fixture::*;
use tests::{Reply, spawn_app};

/// What a probe at B's objects must give.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// 404 for everyone on A's side (account data).
    Hidden,
    /// A catalog object of a division A does not buy from: 404 for A's customers, visible to staff.
    Catalog,
    /// Not an object look-up: any answer, but no B data in it.
    NoLeak,
}

/// One request of a probe: its method, URI and JSON body.
#[derive(Debug, Clone)]
struct Target {
    method: Method,
    uri: String,
    body: Option<serde_json::Value>,
    /// A write sent with `If-Match` of the object's current version, so that only the
    /// caller's rights decide the answer.
    versioned: Option<Versioned>,
    /// The URI's `{fresh}` is an object made just before (a probe that deletes or decides
    /// needs one of its own each time).
    fresh: Option<Fresh>,
    /// Sent with a new `Idempotency-Key`.
    keyed: bool,
}

impl From<String> for Target {
    fn from(uri: String) -> Self {
        Target {
            method: Method::GET,
            uri,
            body: None,
            versioned: None,
            fresh: None,
            keyed: false,
        }
    }
}

impl Target {
    /// A POST that computes an answer (prices) or makes an object (a cart).
    fn post(uri: &str, body: serde_json::Value) -> Self {
        Target {
            method: Method::POST,
            body: Some(body),
            ..Target::from(uri.to_owned())
        }
    }

    /// A write to the cart in `uri`, at its current version.
    fn write(method: Method, uri: String, body: Option<serde_json::Value>) -> Self {
        Target::versioned(method, uri, body, Versioned::Cart)
    }

    /// A write at the current version of what `versioned` says.
    fn versioned(
        method: Method,
        uri: String,
        body: Option<serde_json::Value>,
        versioned: Versioned,
    ) -> Self {
        Target {
            method,
            body,
            versioned: Some(versioned),
            ..Target::from(uri)
        }
    }

    fn on_fresh_cart(mut self, user: &'static str, account: &'static str) -> Self {
        self.fresh = Some(Fresh::Cart(user, account));
        self
    }

    fn on_pending_order(mut self, user: &'static str, account: &'static str) -> Self {
        self.fresh = Some(Fresh::PendingOrder(user, account));
        self
    }

    fn keyed(mut self) -> Self {
        self.keyed = true;
        self
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.uri)?;
        match &self.body {
            None => Ok(()),
            Some(body) => write!(f, " {body}"),
        }
    }
}

/// Whose version a write names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Versioned {
    /// The cart the URI names.
    Cart,
    /// The checkout settings of the account the URI names.
    Settings,
    /// The order the URI names (its `placed.version`).
    Order,
}

/// What a probe makes before it calls, for its `{fresh}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    /// A shared cart of the account with a hose line, made by the user.
    Cart(&'static str, &'static str),
    /// An order of the account waiting for approval, placed by the user.
    PendingOrder(&'static str, &'static str),
}

/// How to aim a route at B's objects and, as the positive control, at A's.
struct Probe {
    foreign: Vec<(Target, Expect)>,
    own: Target,
    /// For the seller's staff only: a 403 for every customer-side user, whatever it aims at.
    staff_only: bool,
    /// A push route's body: the probe POSTs it (with a fresh Idempotency-Key) instead of a GET.
    /// Push routes are for back-end systems only: a 403 for every person's role.
    push: Option<serde_json::Value>,
    /// A write: who of A may do it on A's objects (the others get 403).
    write: Option<Write>,
}

/// Who may do a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// Fill carts: everyone but a viewer (staff prepare carts for the customer).
    Fill,
    /// Place orders: the customer's users but a viewer (staff do not order for customers).
    Place,
    /// Set checkout rules: the account's administrators and the seller's admins.
    SetRules,
    /// Approve or reject: the account's approvers.
    Decide,
}

impl Write {
    fn may(self, user: &str) -> bool {
        match self {
            Write::Fill => user != A_VIEWER,
            Write::Place => ![A_VIEWER, MANAGER_A].contains(&user),
            Write::SetRules => user == A_ACCOUNT_ADMIN,
            Write::Decide => user == A_APPROVER,
        }
    }

    /// Who of B's side shows the probe's B target exists (a success).
    fn doers_of_b(self) -> [&'static str; 2] {
        match self {
            Write::Fill => [ADMIN, MANAGER_B],
            Write::Place => [B_BUYER, B_BUYER],
            Write::SetRules => [ADMIN, ADMIN],
            Write::Decide => [B_APPROVER, B_APPROVER],
        }
    }

    /// Who of A's side shows the probe's A target works (a success).
    fn doer_of_a(self) -> &'static str {
        match self {
            Write::Fill | Write::SetRules => ADMIN,
            Write::Place => A_BUYER,
            Write::Decide => A_APPROVER,
        }
    }
}

impl Probe {
    /// Every request the probe makes.
    fn targets(&self) -> impl Iterator<Item = &Target> {
        std::iter::once(&self.own).chain(self.foreign.iter().map(|(t, _)| t))
    }
}

/// An admin, as the store sees one (shared carts are visible to staff).
fn admin() -> portal_domain::Principal {
    portal_domain::Principal::new(
        ADMIN.parse().expect("user id"),
        portal_domain::Role::Admin,
        None,
        [],
    )
    .expect("principal")
}

/// A new shared cart of `account` with two hoses, made by `user`; its id.
async fn fresh_cart(app: &tests::TestApp, user: &str, account: &str) -> String {
    let made = app
        .post_as(
            Some(user),
            "/carts",
            None,
            &serde_json::json!({"account": account, "shared": true,
                                "lines": [{"sku": SKU_HOSE, "quantity": 2}]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    made.body["id"].as_str().expect("cart id").to_owned()
}

/// An order of `account` waiting for approval, placed by `user` (the account's threshold set to
/// 0 first); its id.
async fn pending_order(app: &tests::TestApp, user: &str, account: &'static str) -> String {
    let store = &app.local.state.store;
    let scoped = admin()
        .scoped(&account.parse().expect("id"))
        .expect("scoped");
    let version = store
        .checkout_settings(&scoped)
        .await
        .expect("read")
        .version;
    let set = app
        .send(
            Method::PUT,
            Some(ADMIN),
            &format!("/accounts/{account}/checkout-settings"),
            &[],
            Some(&serde_json::json!({"version": version, "approval_threshold": "0"})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let cart = fresh_cart(app, user, account).await;
    static ORDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = ORDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let placed = app
        .send(
            Method::POST,
            Some(user),
            &format!("/carts/{cart}/order"),
            &[
                ("idempotency-key", format!("pending-{n}")),
                ("if-match", "\"1\"".to_owned()),
            ],
            None,
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    assert_eq!(placed.body["orders"][0]["status"], "pending-approval");
    placed.body["orders"][0]["id"]
        .as_str()
        .expect("order id")
        .to_owned()
}

/// Sends `target` of `probe` as `user`: its request, or its push.
async fn call(app: &tests::TestApp, user: Option<&str>, probe: &Probe, target: &Target) -> Reply {
    static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if let Some(body) = &probe.push {
        let key = format!(
            "probe-{}",
            KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        return app.post_as(user, &target.uri, Some(&key), body).await;
    }
    let mut uri = target.uri.clone();
    match target.fresh {
        Some(Fresh::Cart(maker, account)) => {
            uri = uri.replace("{fresh}", &fresh_cart(app, maker, account).await);
        }
        Some(Fresh::PendingOrder(maker, account)) => {
            uri = uri.replace("{fresh}", &pending_order(app, maker, account).await);
        }
        None => {}
    }
    let mut headers = Vec::new();
    if target.keyed {
        let key = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        headers.push(("idempotency-key", format!("probe-{key}")));
    }
    if let Some(versioned) = target.versioned {
        let id = |prefix: &str| {
            uri.trim_start_matches(prefix)
                .split(['/', '?'])
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        let store = &app.local.state.store;
        let version = match versioned {
            Versioned::Cart => store
                .cart(&admin(), &id("/carts/").parse().expect("a cart id"))
                .await
                .expect("read")
                .map_or(1, |c| c.version),
            Versioned::Settings => {
                let account = admin()
                    .scoped(&id("/accounts/").parse().expect("an account id"))
                    .expect("an admin sees every account");
                store
                    .checkout_settings(&account)
                    .await
                    .expect("read")
                    .version
            }
            Versioned::Order => store
                .order(&admin(), &id("/orders/").parse().expect("an order id"))
                .await
                .expect("read")
                .and_then(|o| o.placed)
                .map_or(1, |p| p.version),
        };
        headers.push(("if-match", format!("\"{version}\"")));
    }
    app.send(
        target.method.clone(),
        user,
        &uri,
        &headers,
        target.body.as_ref(),
    )
    .await
}

/// A `POST /prices` of one hose line for `account`.
fn prices_of(account: &str) -> Target {
    Target::post(
        "/prices",
        serde_json::json!({
            "account": account,
            "lines": [{"sku": SKU_HOSE, "quantity": 2}],
        }),
    )
}

/// The probes of the cart routes that write: at A's objects (own) and B's (hidden).
fn write_probe(method: &Method, path: &str) -> Option<Probe> {
    let hose = || serde_json::json!({"lines": [{"sku": SKU_HOSE, "quantity": 2}]});
    let cart = |id: &str| path.replace("{cart_id}", id).replace("{sku}", SKU_HOSE);
    let (own, foreign) = match (method.as_str(), path) {
        ("POST", "/carts") => (
            Target::post("/carts", serde_json::json!({"account": ACCOUNT_A})),
            Target::post("/carts", serde_json::json!({"account": ACCOUNT_B})),
        ),
        ("POST", "/carts/replenishment") => (
            Target::post(path, serde_json::json!({"account": ACCOUNT_A})),
            Target::post(path, serde_json::json!({"account": ACCOUNT_B})),
        ),
        ("POST", "/orders/{order_id}/reorder") => (
            Target::post(&format!("/orders/{ORDER_A}/reorder"), serde_json::json!({})),
            Target::post(&format!("/orders/{ORDER_B}/reorder"), serde_json::json!({})),
        ),
        ("PATCH", "/carts/{cart_id}") => {
            let note = serde_json::json!({"note": "probe"});
            (
                Target::write(method.clone(), cart(CART_A), Some(note.clone())),
                Target::write(method.clone(), cart(CART_B), Some(note)),
            )
        }
        ("POST", "/carts/{cart_id}/lines") => (
            Target::write(method.clone(), cart(CART_A), Some(hose())),
            Target::write(method.clone(), cart(CART_B), Some(hose())),
        ),
        ("PUT", "/carts/{cart_id}/lines/{sku}") => {
            let quantity = serde_json::json!({"quantity": 4});
            (
                Target::write(method.clone(), cart(CART_A), Some(quantity.clone())),
                Target::write(method.clone(), cart(CART_B), Some(quantity)),
            )
        }
        ("DELETE", "/carts/{cart_id}" | "/carts/{cart_id}/lines/{sku}") => (
            Target::write(method.clone(), cart("{fresh}"), None).on_fresh_cart(A_BUYER, ACCOUNT_A),
            Target::write(method.clone(), cart("{fresh}"), None).on_fresh_cart(B_BUYER, ACCOUNT_B),
        ),
        ("PUT", "/accounts/{account_id}/checkout-settings") => {
            let uri = |account: &str| path.replace("{account_id}", account);
            let body = serde_json::json!({"po_required": false});
            return Some(Probe {
                foreign: vec![(
                    Target::versioned(
                        method.clone(),
                        uri(ACCOUNT_B),
                        Some(body.clone()),
                        Versioned::Settings,
                    ),
                    Expect::Hidden,
                )],
                own: Target::versioned(
                    method.clone(),
                    uri(ACCOUNT_A),
                    Some(body),
                    Versioned::Settings,
                ),
                staff_only: false,
                push: None,
                write: Some(Write::SetRules),
            });
        }
        ("PUT", "/accounts/{account_id}/spending-limits/{user_id}") => {
            let uri = |account: &str, user: &str| {
                path.replace("{account_id}", account)
                    .replace("{user_id}", user)
            };
            let body = serde_json::json!({"monthly_limit": "1000000"});
            let put = |uri: String| Target {
                method: method.clone(),
                body: Some(body.clone()),
                ..Target::from(uri)
            };
            return Some(Probe {
                foreign: vec![(put(uri(ACCOUNT_B, B_BUYER)), Expect::Hidden)],
                own: put(uri(ACCOUNT_A, A_BUYER)),
                staff_only: false,
                push: None,
                write: Some(Write::SetRules),
            });
        }
        ("POST", "/orders/{order_id}/approve" | "/orders/{order_id}/reject") => {
            let decide = |maker, account| {
                Target::versioned(
                    method.clone(),
                    path.replace("{order_id}", "{fresh}"),
                    None,
                    Versioned::Order,
                )
                .on_pending_order(maker, account)
            };
            return Some(Probe {
                foreign: vec![(decide(B_BUYER, ACCOUNT_B), Expect::Hidden)],
                own: decide(A_BUYER, ACCOUNT_A),
                staff_only: false,
                push: None,
                write: Some(Write::Decide),
            });
        }
        ("POST", "/orders/{order_id}/cancel") => {
            let cancel = |maker, account| {
                Target::versioned(
                    method.clone(),
                    path.replace("{order_id}", "{fresh}"),
                    None,
                    Versioned::Order,
                )
                .on_pending_order(maker, account)
            };
            return Some(Probe {
                foreign: vec![(cancel(B_BUYER, ACCOUNT_B), Expect::Hidden)],
                own: cancel(A_BUYER, ACCOUNT_A),
                staff_only: false,
                push: None,
                write: Some(Write::Place),
            });
        }
        ("POST", "/carts/{cart_id}/order") => {
            return Some(Probe {
                foreign: vec![(
                    Target::write(method.clone(), cart("{fresh}"), None)
                        .on_fresh_cart(B_BUYER, ACCOUNT_B)
                        .keyed(),
                    Expect::Hidden,
                )],
                own: Target::write(method.clone(), cart("{fresh}"), None)
                    .on_fresh_cart(A_BUYER, ACCOUNT_A)
                    .keyed(),
                staff_only: false,
                push: None,
                write: Some(Write::Place),
            });
        }
        _ => return None,
    };
    Some(Probe {
        foreign: vec![(foreign, Expect::Hidden)],
        own,
        staff_only: false,
        push: None,
        write: Some(Write::Fill),
    })
}

fn probe(method: &Method, path: &str) -> Option<Probe> {
    if *method != Method::GET && !matches!(path, "/prices" | "/integration/{entity}" | "/graphql") {
        return write_probe(method, path);
    }
    let hidden = |uri: String| vec![(uri, Expect::Hidden)];
    let targets = |foreign: Vec<(String, Expect)>| {
        foreign
            .into_iter()
            .map(|(uri, expect)| (Target::from(uri), expect))
            .collect()
    };
    let p = |foreign: Vec<(String, Expect)>, own: String| {
        Some(Probe {
            foreign: targets(foreign),
            own: own.into(),
            staff_only: false,
            push: None,
            write: None,
        })
    };
    let staff = |foreign: Vec<(String, Expect)>, own: String| {
        Some(Probe {
            foreign: targets(foreign),
            own: own.into(),
            staff_only: true,
            push: None,
            write: None,
        })
    };
    match path {
        "/me" => p(vec![("/me".into(), Expect::NoLeak)], "/me".into()),
        "/accounts" => p(
            vec![("/accounts".into(), Expect::NoLeak)],
            "/accounts".into(),
        ),
        "/accounts/{account_id}" => p(
            hidden(format!("/accounts/{ACCOUNT_B}")),
            format!("/accounts/{ACCOUNT_A}"),
        ),
        "/orders" => p(
            hidden(format!("/orders?account={ACCOUNT_B}")),
            format!("/orders?account={ACCOUNT_A}"),
        ),
        "/orders/{order_id}" => p(
            hidden(format!("/orders/{ORDER_B}")),
            format!("/orders/{ORDER_A}"),
        ),
        "/orders/{order_id}/shipments" => p(
            hidden(format!("/orders/{ORDER_B}/shipments")),
            format!("/orders/{ORDER_A}/shipments"),
        ),
        "/orders/{order_id}/documents" => p(
            hidden(format!("/orders/{ORDER_B}/documents")),
            format!("/orders/{ORDER_A}/documents"),
        ),
        "/orders/{order_id}/lines/{line_no}/certificates" => p(
            hidden(format!("/orders/{ORDER_B}/lines/10/certificates")),
            format!("/orders/{ORDER_A}/lines/10/certificates"),
        ),
        "/shipments" => p(
            hidden(format!("/shipments?tracking_number={TRACKING_B}")),
            format!("/shipments?tracking_number={TRACKING_A}"),
        ),
        "/shipments/{shipment_id}" => p(
            hidden(format!("/shipments/{SHIPMENT_B}")),
            format!("/shipments/{SHIPMENT_A}"),
        ),
        "/invoices" => p(
            hidden(format!("/invoices?account={ACCOUNT_B}")),
            format!("/invoices?account={ACCOUNT_A}"),
        ),
        "/invoices/balance" => p(
            hidden(format!("/invoices/balance?account={ACCOUNT_B}")),
            format!("/invoices/balance?account={ACCOUNT_A}"),
        ),
        "/invoices/{invoice_id}" => p(
            hidden(format!("/invoices/{INVOICE_B}")),
            format!("/invoices/{INVOICE_A_OPEN}"),
        ),
        "/documents/{document_id}" | "/documents/{document_id}/download" => {
            let uri = |id: &str| path.replace("{document_id}", id);
            p(
                vec![
                    (uri(DOCUMENT_B), Expect::Hidden),
                    (uri(CERTIFICATE_B), Expect::Hidden),
                    (uri(SDS_BOLT), Expect::Catalog),
                ],
                uri(DOCUMENT_A),
            )
        }
        "/certificates" => p(
            hidden(format!("/certificates?batch={BATCH_B}")),
            format!("/certificates?batch={BATCH_A}"),
        ),
        "/products" => p(
            vec![("/products".into(), Expect::NoLeak)],
            "/products".into(),
        ),
        "/products/{sku}" => p(
            vec![(format!("/products/{SKU_BOLT}"), Expect::Catalog)],
            format!("/products/{SKU_HOSE}"),
        ),
        "/products/{sku}/certificates" => p(
            vec![
                (
                    format!("/products/{SKU_BOLT}/certificates"),
                    Expect::Catalog,
                ),
                (format!("/products/{SKU_HOSE}/certificates"), Expect::NoLeak),
            ],
            format!("/products/{SKU_HOSE}/certificates"),
        ),
        "/reorder-suggestions" => p(
            hidden(format!("/reorder-suggestions?account={ACCOUNT_B}")),
            format!("/reorder-suggestions?account={ACCOUNT_A}"),
        ),
        "/worklist" => staff(
            vec![
                (format!("/worklist?account={ACCOUNT_B}"), Expect::Hidden),
                (
                    "/worklist?status=due,overdue,lapsing,not-yet-due".into(),
                    Expect::NoLeak,
                ),
            ],
            format!("/worklist?account={ACCOUNT_A}"),
        ),
        "/forecasts" => staff(
            vec![("/forecasts".into(), Expect::NoLeak)],
            format!("/forecasts?sku_prefix={SKU_HOSE}"),
        ),
        "/forecasts/{sku}" => staff(
            vec![(format!("/forecasts/{SKU_BOLT}"), Expect::NoLeak)],
            format!("/forecasts/{SKU_HOSE}"),
        ),
        "/analytics/run" => staff(
            vec![("/analytics/run".into(), Expect::NoLeak)],
            "/analytics/run".into(),
        ),
        "/prices" => Some(Probe {
            foreign: vec![(prices_of(ACCOUNT_B), Expect::Hidden)],
            own: prices_of(ACCOUNT_A),
            staff_only: false,
            push: None,
            write: None,
        }),
        "/carts" => p(
            hidden(format!("/carts?account={ACCOUNT_B}")),
            format!("/carts?account={ACCOUNT_A}"),
        ),
        "/approvals" => p(
            hidden(format!("/approvals?account={ACCOUNT_B}")),
            format!("/approvals?account={ACCOUNT_A}"),
        ),
        "/accounts/{account_id}/checkout-settings" | "/accounts/{account_id}/spending-limits" => p(
            hidden(path.replace("{account_id}", ACCOUNT_B)),
            path.replace("{account_id}", ACCOUNT_A),
        ),
        "/carts/{cart_id}" => p(
            hidden(format!("/carts/{CART_B}")),
            format!("/carts/{CART_A}"),
        ),
        "/prices/{sku}/explain" => p(
            hidden(format!("/prices/{SKU_HOSE}/explain?account={ACCOUNT_B}")),
            format!("/prices/{SKU_HOSE}/explain?account={ACCOUNT_A}&quantity=4"),
        ),
        // Every field of the graph that takes an id or an account, at once (tests/api/graphql.rs
        // asks them one by one and checks each error).
        "/graphql" if *method == Method::POST => Some(Probe {
            foreign: vec![(
                Target::post(
                    "/graphql",
                    serde_json::json!({ "query": graph_query(ACCOUNT_B) }),
                ),
                Expect::NoLeak,
            )],
            own: Target::post(
                "/graphql",
                serde_json::json!({ "query": graph_query(ACCOUNT_A) }),
            ),
            staff_only: false,
            push: None,
            write: None,
        }),
        "/graphql" => p(
            vec![(graph_get(ACCOUNT_B), Expect::NoLeak)],
            graph_get(ACCOUNT_A),
        ),
        "/integration/{entity}" => Some(Probe {
            // A back-end system writes for every account; its answers carry no stored data.
            foreign: Vec::new(),
            own: Target::post("/integration/products", serde_json::Value::Null),
            staff_only: false,
            write: None,
            push: Some(serde_json::json!({"rows": [{
                "sku": "PRB-PUSH-1",
                "name": "Pushed probe",
                "division": "HYD",
                "version": "2025-01-01T00:00:00Z",
            }]})),
        }),
        _ => None,
    }
}

/// A GraphQL query of every field that takes an id or an account, at `account`'s objects.
fn graph_query(account: &str) -> String {
    let (order, shipment, invoice, document, batch) = if account == ACCOUNT_A {
        (ORDER_A, SHIPMENT_A, INVOICE_A_OPEN, DOCUMENT_A, BATCH_A)
    } else {
        (ORDER_B, SHIPMENT_B, INVOICE_B, DOCUMENT_B, BATCH_B)
    };
    format!(
        r#"{{ order(id: "{order}") {{ id lines {{ product {{ sku }} }} shipments {{ nodes {{ id }} }} }}
        shipment(id: "{shipment}") {{ id order {{ id }} }}
        invoice(id: "{invoice}") {{ id order {{ id }} }}
        document(id: "{document}") {{ id }}
        account(id: "{account}") {{ id orders(first: 1) {{ nodes {{ id }} }} }}
        orders(account: "{account}", first: 1) {{ nodes {{ id }} }}
        invoices(account: "{account}", first: 1) {{ nodes {{ id }} }}
        openBalance(account: "{account}") {{ accountId }}
        reorderSuggestions(account: "{account}", first: 1) {{ nodes {{ sku }} }}
        certificates(batch: "{batch}") {{ id }} }}"#
    )
}

/// [`graph_query`] as a GET.
fn graph_get(account: &str) -> String {
    let query: String =
        url::form_urlencoded::byte_serialize(graph_query(account).as_bytes()).collect();
    format!("/graphql?query={query}")
}

/// Every route of every function, as the routers are built.
fn every_route() -> Vec<(&'static str, axum::http::Method, String)> {
    let mut routes = Vec::new();
    for (function, function_routes) in functions() {
        for route in function_routes {
            routes.push((function, route.method, route.path.to_owned()));
        }
    }
    assert!(routes.len() >= 24, "the routers lost routes: {routes:?}");
    routes
}

fn probes() -> Vec<(String, Probe)> {
    every_route()
        .into_iter()
        .map(|(function, method, path)| {
            let probe = probe(&method, &path).unwrap_or_else(|| {
                panic!("{function} route {method} {path} has no cross-account probe: add one to tests/api/access.rs")
            });
            assert_eq!(
                method, probe.own.method,
                "{function} {path}: extend the matrix to {method}"
            );
            (format!("{method} {path}"), probe)
        })
        .collect()
}

fn assert_no_foreign_data(reply: &Reply, context: &str) {
    for marker in FOREIGN_MARKERS {
        assert!(
            !reply.text.contains(marker),
            "{context}: the response mentions {marker}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn every_route_hides_the_other_accounts_objects_from_every_role_of_account_a() {
    let app = spawn_app().await;
    for (path, probe) in probes() {
        if probe.push.is_some() {
            for user in A_SIDE.into_iter().chain([ADMIN, MANAGER_B, B_BUYER]) {
                for target in probe.targets() {
                    let reply = call(&app, Some(user), &probe, target).await;
                    reply.assert_problem(403, "forbidden");
                    assert_no_foreign_data(&reply, &format!("{user} {target} (push)"));
                }
            }
            continue;
        }
        for user in A_SIDE {
            if probe.staff_only && user != MANAGER_A {
                for target in probe.targets() {
                    let reply = call(&app, Some(user), &probe, target).await;
                    reply.assert_problem(403, "forbidden");
                    assert_no_foreign_data(&reply, &format!("{user} {target}"));
                }
                continue;
            }
            let own = call(&app, Some(user), &probe, &probe.own).await;
            if probe.write.is_some_and(|w| !w.may(user)) {
                own.assert_problem(403, "forbidden");
            } else {
                assert!(
                    own.status.is_success(),
                    "{user} {} (own data of {path}): {}",
                    probe.own,
                    own.text
                );
            }
            assert_no_foreign_data(&own, &format!("{user} {}", probe.own));
            for (target, expect) in &probe.foreign {
                let reply = call(&app, Some(user), &probe, target).await;
                let context = format!("{user} {target}");
                let staff = user == MANAGER_A;
                match expect {
                    Expect::Hidden => reply.assert_problem(404, "not-found"),
                    Expect::Catalog if !staff => reply.assert_problem(404, "not-found"),
                    Expect::Catalog | Expect::NoLeak => {
                        assert_eq!(reply.status, 200, "{context}: {}", reply.text)
                    }
                }
                assert_no_foreign_data(&reply, &context);
            }
        }
    }
    assert_nothing_of_b_was_written(&app).await;
}

/// The items of B's `ACCOUNT#ACC-B#<what>` partition of GSI1, read raw.
async fn b_partition(
    app: &tests::TestApp,
    what: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    app.local
        .state
        .store
        .dynamodb()
        .query()
        .table_name(portal_local::server::TABLE)
        .index_name("GSI1")
        .key_condition_expression("GSI1PK = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ACCOUNT#{ACCOUNT_B}#{what}")),
        )
        .send()
        .await
        .expect("query")
        .items
        .unwrap_or_default()
}

/// B's carts are as B's buyer left them: its fixture cart unchanged, and no cart of B made or
/// changed by anyone else (the probes' own carts of B are made by B's buyer).
async fn assert_nothing_of_b_was_written(app: &tests::TestApp) {
    let store = &app.local.state.store;
    let cart_b = store
        .cart(&admin(), &CART_B.parse().expect("id"))
        .await
        .expect("read")
        .expect("B's cart is still there");
    assert_eq!(cart_b, carts()[1], "B's cart changed");
    let items = b_partition(app, "CARTS").await;
    // B's orders placed in the portal (by B's buyer, for the probes) were decided by no one.
    let orders = b_partition(app, "ORDERS").await;
    let mut placed_in_portal = 0;
    for item in orders {
        let order: portal_domain::model::Order = serde_dynamo::from_item(item).expect("an order");
        if let Some(placed) = order.placed {
            placed_in_portal += 1;
            assert_eq!(
                (placed.by.as_str(), placed.version),
                (B_BUYER, 1),
                "an order of B was changed by someone of A: {}",
                order.summary.id
            );
        }
    }
    assert!(
        placed_in_portal > 0,
        "the probes placed orders of B to aim at"
    );
    for item in items {
        for attribute in ["owner", "updated_by"] {
            let who = item.get(attribute).and_then(|v| v.as_s().ok());
            assert_eq!(
                who.map(String::as_str),
                Some(B_BUYER),
                "a cart of B was written by someone else: {item:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_foreign_probes_aim_at_objects_that_exist() {
    // Without this, a probe with a typo would pass the matrix by answering 404 for everyone.
    let app = spawn_app().await;
    for (path, probe) in probes() {
        if probe.push.is_some() {
            for target in probe.targets() {
                let reply = call(&app, Some(INTEGRATION), &probe, target).await;
                assert_eq!(
                    reply.status, 200,
                    "{INTEGRATION} {target} (push): {}",
                    reply.text
                );
            }
            continue;
        }
        let doers = probe.write.map_or([ADMIN, MANAGER_B], Write::doers_of_b);
        for (target, expect) in &probe.foreign {
            for user in doers {
                let reply = call(&app, Some(user), &probe, target).await;
                assert!(
                    reply.status.is_success(),
                    "{user} {target} ({path}, {expect:?}): {}",
                    reply.text
                );
            }
        }
        let doer = probe.write.map_or(ADMIN, Write::doer_of_a);
        let reply = call(&app, Some(doer), &probe, &probe.own).await;
        assert!(
            reply.status.is_success(),
            "{doer} {}: {}",
            probe.own,
            reply.text
        );
    }
}

#[tokio::test]
async fn account_manager_of_the_other_account_cannot_see_account_a() {
    let app = spawn_app().await;
    for (uri, user) in [
        (format!("/orders/{ORDER_A}"), MANAGER_B),
        (format!("/orders?account={ACCOUNT_A}"), MANAGER_B),
        (format!("/invoices/{INVOICE_A_OPEN}"), MANAGER_B),
        (format!("/documents/{DOCUMENT_A}/download"), MANAGER_B),
        (format!("/orders/{ORDER_A}"), B_BUYER),
    ] {
        app.get(user, &uri).await.assert_problem(404, "not-found");
    }
}

#[tokio::test]
async fn every_route_refuses_a_request_without_a_token() {
    let app = spawn_app().await;
    for (path, probe) in probes() {
        let reply = call(&app, None, &probe, &probe.own).await;
        reply.assert_problem(401, "unauthenticated");
        assert_no_foreign_data(&reply, &path);
    }
}

#[tokio::test]
async fn every_route_refuses_a_back_end_systems_machine_user() {
    let app = spawn_app().await;
    for (path, probe) in probes() {
        if probe.push.is_some() {
            continue; // the machine's own routes: see the positive control above
        }
        let reply = call(&app, Some(INTEGRATION), &probe, &probe.own).await;
        reply.assert_problem(403, "forbidden");
        assert_no_foreign_data(&reply, &path);
        for (target, _) in &probe.foreign {
            call(&app, Some(INTEGRATION), &probe, target)
                .await
                .assert_problem(403, "forbidden");
        }
    }
}

#[tokio::test]
async fn a_valid_token_of_a_user_the_portal_does_not_know_is_forbidden() {
    let app = spawn_app().await;
    app.get(STRANGER, "/orders")
        .await
        .assert_problem(403, "user-not-provisioned");
}

#[tokio::test]
async fn a_forged_or_malformed_token_is_unauthenticated() {
    let app = spawn_app().await;
    let token = app.token(A_BUYER);
    let forged = format!("{}x", &token[..token.len() - 1]);
    app.get_with_authorization(&format!("Bearer {forged}"), "/orders")
        .await
        .assert_problem(401, "unauthenticated");
    app.get_with_authorization("Basic dXNlcjpwdw==", "/orders")
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn me_tells_each_role_how_far_it_reaches() {
    let app = spawn_app().await;
    let buyer = app.get(A_BUYER, "/me").await;
    assert_eq!(buyer.body["role"], "buyer");
    assert_eq!(buyer.body["reach"], "account");
    assert_eq!(buyer.body["accounts"], serde_json::json!([ACCOUNT_A]));
    let manager = app.get(MANAGER_A, "/me").await;
    assert_eq!(manager.body["reach"], "assigned");
    assert_eq!(manager.body["accounts"], serde_json::json!([ACCOUNT_A]));
    let admin = app.get(ADMIN, "/me").await;
    assert_eq!(admin.body["reach"], "all");
}

#[tokio::test]
async fn admin_pages_through_every_account_and_others_see_only_theirs() {
    let app = spawn_app().await;
    let first = app.get(ADMIN, "/accounts?limit=1").await;
    assert_eq!(first.ids(), vec![ACCOUNT_A]);
    let cursor = first.body["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(ADMIN, &format!("/accounts?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(second.ids(), vec![ACCOUNT_B]);
    assert_eq!(app.get(MANAGER_B, "/accounts").await.ids(), vec![ACCOUNT_B]);
    assert_eq!(app.get(A_VIEWER, "/accounts").await.ids(), vec![ACCOUNT_A]);
}

#[tokio::test]
async fn customers_do_not_see_the_staff_user_ids_of_their_account_managers() {
    let app = spawn_app().await;
    for user in [A_VIEWER, A_BUYER, A_ACCOUNT_ADMIN] {
        let one = app.get(user, &format!("/accounts/{ACCOUNT_A}")).await;
        assert_eq!(one.status, 200, "{}", one.text);
        assert_eq!(one.body["id"], ACCOUNT_A);
        assert!(
            one.body.get("account_managers").is_none() && !one.text.contains(MANAGER_A),
            "{user}: {}",
            one.text
        );
        let list = app.get(user, "/accounts").await;
        assert_eq!(list.ids(), [ACCOUNT_A]);
        assert!(!list.text.contains(MANAGER_A), "{user}: {}", list.text);
    }
    // The seller's staff still see who serves the account.
    for user in [MANAGER_A, ADMIN] {
        let one = app.get(user, &format!("/accounts/{ACCOUNT_A}")).await;
        assert_eq!(
            one.body["account_managers"],
            serde_json::json!([MANAGER_A]),
            "{user}: {}",
            one.text
        );
        let list = app.get(user, "/accounts").await;
        assert_eq!(
            list.items()[0]["account_managers"],
            serde_json::json!([MANAGER_A]),
            "{user}: {}",
            list.text
        );
    }
}

#[tokio::test]
async fn an_account_manager_without_assigned_accounts_sees_an_empty_list() {
    use portal_domain::model::User;
    use portal_domain::{Role, UserId};
    let app = spawn_app().await;
    let newcomer = User {
        id: UserId::parse("manager-new").expect("id"),
        name: "New Manager".into(),
        email: "new@example.com".into(),
        role: Role::AccountManager,
        account_id: None,
        assigned_accounts: Vec::new(),
    };
    app.local
        .state
        .store
        .put_records(&[portal_domain::records::Record::User(newcomer)])
        .await
        .expect("stored");
    let reply = app.get("manager-new", "/accounts").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.ids().is_empty(), "{}", reply.text);
}

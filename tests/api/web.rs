//! The reference web app on the local server: its files at `/`, its configuration and the
//! local sign-in (the browser tests in `web/e2e` drive the app itself).

use serde_json::json;
use tests::spawn_app;

#[tokio::test]
async fn the_web_app_is_served_at_the_root_with_its_assets_and_security_headers() {
    let app = spawn_app().await;
    let page = app.get_as(None, "/").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["cache-control"], "no-cache");

    let assets: Vec<&str> = page
        .text
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "the page loads its script and stylesheet: {}",
        page.text
    );
    for asset in assets {
        let file = app.get_as(None, asset).await;
        assert_eq!(file.status, 200, "{asset}");
        let kind = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(
            file.content_type.starts_with(kind),
            "{asset}: {}",
            file.content_type
        );
        assert!(
            file.headers["cache-control"]
                .to_str()
                .expect("ascii")
                .contains("immutable"),
            "{asset}: named by its hash, cached for good"
        );
    }
    // The API's own answers are unchanged around it.
    app.get_as(None, "/no-such-route")
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn the_local_sign_in_offers_the_demo_people_and_issues_only_their_tokens() {
    let app = spawn_app().await;
    let config = app.get_as(None, "/config.json").await;
    assert_eq!(config.status, 200);
    assert_eq!(config.body["apiUrl"], "");
    assert_eq!(config.body["signIn"]["kind"], "dev");
    let users: Vec<&str> = config.body["signIn"]["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert!(
        users.contains(&"demo-buyer") && users.contains(&"demo-manager"),
        "{users:?}"
    );
    assert!(
        !users.contains(&"demo-erp"),
        "no machine user signs in to a page"
    );

    let issued = app
        .post_as(None, "/dev/token", None, &json!({ "user": "demo-buyer" }))
        .await;
    assert_eq!(issued.status, 200, "{}", issued.text);
    let claims = app
        .local
        .auth
        .verify(issued.body["token"].as_str().expect("a token"))
        .expect("a token the local authorizer accepts");
    assert_eq!(claims["sub"], "demo-buyer");

    for (body, code) in [
        (json!({ "user": "demo-erp" }), "unknown-user"),
        (json!({ "user": "a-buyer" }), "unknown-user"),
        (json!({ "name": "demo-buyer" }), "invalid-body"),
    ] {
        let refused = app.post_as(None, "/dev/token", None, &body).await;
        refused.assert_problem(400, code);
        assert!(
            refused.body["detail"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
}

//! The product catalog.

use tests::fixture::*;
use tests::spawn_app;

fn skus(reply: &tests::Reply) -> Vec<String> {
    reply
        .items()
        .iter()
        .filter_map(|i| i["sku"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn customers_see_the_products_of_their_divisions_and_staff_see_all() {
    let app = spawn_app().await;
    assert_eq!(
        skus(&app.get(A_BUYER, "/products").await),
        vec![SKU_HOSE, SKU_PUMP]
    );
    assert_eq!(
        skus(&app.get(B_BUYER, "/products").await),
        vec![SKU_BOLT, SKU_HOSE, SKU_PUMP]
    );
    assert_eq!(
        skus(&app.get(MANAGER_A, "/products").await),
        vec![SKU_BOLT, SKU_HOSE, SKU_PUMP]
    );
    app.get(A_BUYER, &format!("/products/{SKU_BOLT}"))
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        app.get(A_BUYER, "/products?division=FAS")
            .await
            .items()
            .len(),
        0
    );
}

#[tokio::test]
async fn products_are_found_by_sku_prefix_and_by_words_of_their_name() {
    let app = spawn_app().await;
    assert_eq!(
        skus(&app.get(B_BUYER, "/products?sku_prefix=hyd-p").await),
        vec![SKU_PUMP]
    );
    assert_eq!(
        skus(&app.get(B_BUYER, "/products?name=Hydr").await),
        vec![SKU_HOSE]
    );
    assert_eq!(
        skus(&app.get(B_BUYER, "/products?name=gear%20alumin").await),
        vec![SKU_PUMP]
    );
    assert_eq!(
        skus(&app.get(B_BUYER, "/products?name=gear%20brass").await),
        Vec::<String>::new()
    );
    app.get(B_BUYER, "/products?name=a%20b")
        .await
        .assert_problem(400, "invalid-parameter");
    app.get(B_BUYER, "/products?name=x")
        .await
        .assert_problem(400, "invalid-parameter");
    let pump = app.get(B_BUYER, &format!("/products/{SKU_PUMP}")).await;
    assert_eq!(pump.body["name"], "Gear pump 8 cc aluminium");
    assert_eq!(pump.body["pack_size"], "10");
}

#[tokio::test]
async fn the_catalog_pages_across_divisions_without_repeating_a_product() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut uri = "/products?limit=1".to_owned();
    for _ in 0..5 {
        let reply = app.get(MANAGER_A, &uri).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        seen.extend(skus(&reply));
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/products?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, vec![SKU_BOLT, SKU_HOSE, SKU_PUMP]);
}

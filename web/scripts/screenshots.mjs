// The README's screenshots (docs/screenshots/), at a laptop's viewport, from a running demo
// (PORTAL_URL, default http://127.0.0.1:8080).
//
// Usage: node scripts/screenshots.mjs

import { graphql, launch, open, signedIn } from "../e2e/browser.mjs";

const out = new URL("../../docs/screenshots/", import.meta.url).pathname;
const browser = await launch();
try {
  const buyer = await signedIn(browser, "demo-buyer");
  await buyer.setViewportSize({ width: 1280, height: 800 });
  await buyer.waitForSelector('[data-loaded="dashboard"]');
  await buyer.screenshot({ path: `${out}buyer-dashboard.png` });
  const invoiced = await graphql("demo-buyer", "{ orders(filter: { status: [INVOICED] }, first: 1) { nodes { id } } }");
  await open(buyer, `#/orders/${invoiced.data.orders.nodes[0].id}`, "order");
  await buyer.locator("#timeline").scrollIntoViewIfNeeded();
  await buyer.screenshot({ path: `${out}buyer-order.png` });

  const manager = await signedIn(browser, "demo-manager");
  await manager.setViewportSize({ width: 1280, height: 800 });
  await manager.waitForSelector('[data-loaded="worklist"]');
  await manager.screenshot({ path: `${out}manager-worklist.png` });
  const forecasts = await graphql("demo-manager", "{ forecasts(first: 40) { nodes { sku demandClass } } }");
  const lumpy = forecasts.data.forecasts.nodes.find((f) => f.demandClass !== "smooth") ?? forecasts.data.forecasts.nodes[0];
  await open(manager, `#/forecasts/${lumpy.sku}`, "forecast");
  await manager.screenshot({ path: `${out}manager-forecast.png` });
} finally {
  await browser.close();
}

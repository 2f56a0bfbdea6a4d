// An accessibility scan (axe-core) of every page in the app's route table, as the user each
// page is for: no serious or critical violation. A screenshot of each page is kept with the
// test's artefacts, at laptop and at phone width.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { URL, graphql, browserForThisFile, open, screenshot, signedIn } from "./browser.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** The route table's paths (src/routes.tsx), so that a new page cannot miss the scan. */
const ROUTES = [...readFileSync(new globalThis.URL("../src/routes.tsx", import.meta.url), "utf8").matchAll(/path: "([^"]+)"/g)].map(
  (m) => m[1],
);

const browser = browserForThisFile();

async function scan(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${name}: ${JSON.stringify(serious, null, 2)}`);
}

/** Each route pattern with the page that stands for it, as the user it is for. */
async function pages() {
  const buyer = await graphql(
    "demo-buyer",
    `{ orders(filter: { status: [INVOICED] }, first: 1) { nodes { id lines { sku } } } }`,
  );
  const order = buyer.data.orders.nodes[0];
  const carts = await graphql("demo-buyer", `{ carts(first: 1) { nodes { id } } }`);
  const manager = await graphql(
    "demo-manager",
    `{ me { accountIds } forecasts(first: 1) { nodes { sku } } }`,
  );
  return [
    ["/", "demo-buyer", "#/", "dashboard"],
    ["/orders", "demo-buyer", "#/orders", "orders"],
    ["/orders/:id", "demo-buyer", `#/orders/${order.id}`, "order"],
    ["/invoices", "demo-buyer", "#/invoices", "invoices"],
    ["/catalog", "demo-buyer", "#/catalog", "catalog"],
    ["/catalog/:sku", "demo-buyer", `#/catalog/${order.lines[0].sku}`, "product"],
    ["/reorder", "demo-buyer", "#/reorder", "reorder"],
    ["/carts", "demo-buyer", "#/carts", "carts"],
    ["/carts/:id", "demo-buyer", `#/carts/${carts.data.carts.nodes[0].id}`, "cart"],
    ["/approvals", "demo-approver", "#/approvals", "approvals"],
    ["/settings", "demo-account-admin", "#/settings", "settings"],
    ["/worklist", "demo-manager", "#/worklist", "worklist"],
    ["/accounts/:id", "demo-manager", `#/accounts/${manager.data.me.accountIds[0]}`, "account"],
    ["/forecasts", "demo-manager", "#/forecasts", "forecasts"],
    ["/forecasts/:sku", "demo-manager", `#/forecasts/${manager.data.forecasts.nodes[0].sku}`, "forecast"],
    ["/analytics", "demo-manager", "#/analytics", "analytics"],
  ];
}

test("every page of the route table passes the accessibility scan, with its screenshots", async () => {
  const visits = await pages();
  assert.deepEqual(
    visits.map(([route]) => route).sort(),
    [...ROUTES].sort(),
    "the scan visits every route of src/routes.tsx",
  );
  // axe is injected as a script: this context lets it past the page's Content-Security-Policy.
  const tabs = {};
  for (const [route, user, hash, loaded] of visits) {
    tabs[user] ??= await signedIn(browser(), user, { bypassCSP: true });
    const page = tabs[user];
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, hash, loaded);
    assert.equal(await page.locator(`[data-loaded="${loaded}"]`).count(), 1, `${route} shows its data`);
    await scan(page, route);
    const name = `page${route.replace(/[/:]+/g, "-").replace(/-$/, "") || "-dashboard"}`;
    await screenshot(page, name);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, `${name}-phone`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `${route} fits a phone's width (wide tables scroll in their own box): ${overflow}px too wide`);
  }
});

test("the sign-in page and a failure page pass the accessibility scan", async () => {
  const context = await browser().newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(URL + "/");
  await page.waitForSelector("button[data-user]");
  await scan(page, "sign-in");
  await screenshot(page, "sign-in");
  const buyer = await signedIn(browser(), "demo-buyer", { bypassCSP: true });
  await open(buyer, "#/orders/SO-NO-SUCH-ORDER", "order");
  await scan(buyer, "not found");
  await open(buyer, "#/no/such/page");
  await scan(buyer, "no such page");
});

// The paths people take through the app, in a real browser against the local demo.

import assert from "node:assert/strict";
import { test } from "node:test";
import { graphql, browserForThisFile, open, screenshot, signedIn } from "./browser.mjs";

const browser = browserForThisFile();

test("a buyer goes from the dashboard to an order, downloads its document and sees what is due", async () => {
  const page = await signedIn(browser(), "demo-buyer");
  await page.waitForSelector('[data-loaded="dashboard"]');
  await screenshot(page, "buyer-dashboard");
  const headings = await page.locator("main h2").allTextContents();
  assert.deepEqual(headings.slice(0, 4), ["Open orders", "Shipments on their way", "Open balance", "Due for reorder"]);

  // An order with documents: the newest invoiced one.
  await open(page, "#/orders?status=INVOICED", "orders");
  await screenshot(page, "buyer-orders");
  await page.locator("table tbody a").first().click();
  await page.waitForSelector('[data-loaded="order"]');
  await screenshot(page, "buyer-order");
  assert.ok((await page.locator(".timeline li").count()) >= 2, "the timeline has the order's history");
  const link = page.locator("a[data-document]").first();
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = await download.path();
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(file);
  assert.equal(bytes.subarray(0, 5).toString(), "%PDF-", "the download is the document's PDF");

  await open(page, "#/reorder", "reorder");
  await screenshot(page, "buyer-reorder");
  assert.ok((await page.locator("td.reason").count()) > 0, "suggestions come with their reasons");
  assert.deepEqual(page.errors, []);
});

test("a manager goes from the worklist to an account's order rhythm and a SKU's forecast fan", async () => {
  const page = await signedIn(browser(), "demo-manager");
  await page.waitForSelector('[data-loaded="worklist"]');
  await screenshot(page, "manager-worklist");
  await page.locator("article.account h3 a").first().click();
  await page.waitForSelector('[data-loaded="account"]');
  const rhythm = page.locator(".chart-box[data-drawn]");
  await rhythm.first().waitFor();
  assert.ok(Number(await rhythm.first().getAttribute("data-drawn")) >= 2, "past orders and the expected next one are drawn");
  assert.equal(await page.locator(".chart-box canvas").count(), 1);
  await screenshot(page, "manager-account");

  await open(page, "#/forecasts", "forecasts");
  await page.locator("table tbody a").first().click();
  await page.waitForSelector('[data-loaded="forecast"]');
  const fan = page.locator(".chart-box[data-drawn]");
  await fan.waitFor();
  const forecast = await graphql("demo-manager", `query($sku: Sku!) { forecast(sku: $sku) { forecasts { history { demand } periods { mean } } } }`, { sku: decodeURIComponent(page.url().split("/forecasts/")[1].split("?")[0]) });
  const drawn = forecast.data.forecast.forecasts[0];
  assert.ok(drawn.history.length > 0, "the forecast has its history");
  assert.equal(Number(await fan.getAttribute("data-drawn")), drawn.history.length + drawn.periods.length, "history and forecast are drawn");
  assert.match(await page.locator(".facts").textContent(), /Demand class.*Method/s);
  await screenshot(page, "manager-forecast");

  await open(page, "#/analytics", "analytics");
  assert.ok((await page.locator("tbody tr").count()) >= 2, "accuracy per demand class");
  await screenshot(page, "manager-analytics");
  assert.deepEqual(page.errors, []);
});

test("another account's order by deep link is not found, like an order that does not exist", async () => {
  const theirs = await graphql("demo-other-buyer", "{ orders(first: 1) { nodes { id } } }");
  const foreign = theirs.data.orders.nodes[0].id;
  const page = await signedIn(browser(), "demo-buyer");
  for (const id of [foreign, "SO-NO-SUCH-ORDER"]) {
    await open(page, `#/orders/${id}`, "order");
    assert.equal(await page.locator(".failure").getAttribute("data-code"), "NOT_FOUND", id);
    assert.match(await page.locator(".failure h2").textContent(), /Not found/);
    assert.equal(await page.locator('[data-loaded="order"]').count(), 0);
  }
  await screenshot(page, "buyer-foreign-order");
});

test("a customer's user sent to the worklist is refused, by the page and by the API", async () => {
  const page = await signedIn(browser(), "demo-buyer");
  await open(page, "#/worklist");
  assert.equal(await page.locator(".failure").getAttribute("data-code"), "FORBIDDEN");
  assert.equal(await page.locator('[data-loaded="worklist"]').count(), 0);
  assert.ok(!(await page.locator("nav[aria-label=Main]").textContent()).includes("Worklist"), "no worklist in the menu");
  const direct = await graphql("demo-buyer", "{ worklist { runId } }");
  assert.equal(direct.errors[0].extensions.code, "FORBIDDEN");
});

test("the seller's admin changes an account's approval threshold; a manager reads the rules", async () => {
  const account = (await graphql("demo-buyer", "{ me { accountIds } }")).data.me.accountIds[0];
  const before = await graphql("demo-admin", `query($a: AccountId!) { checkoutSettings(account: $a) { version } }`, { a: account });
  const admin = await signedIn(browser(), "demo-admin");
  await open(admin, `#/accounts/${account}`, "account");
  await admin.waitForSelector('[data-loaded="rules"]');
  await admin.fill("input[name=threshold]", "12345");
  await admin.getByRole("button", { name: "Save rules" }).click();
  await admin.locator("[role=status]", { hasText: "Saved" }).waitFor();
  const after = await graphql("demo-admin", `query($a: AccountId!) { checkoutSettings(account: $a) { approvalThreshold version } }`, {
    a: account,
  });
  assert.equal(Number(after.data.checkoutSettings.approvalThreshold), 12345);
  assert.equal(after.data.checkoutSettings.version, before.data.checkoutSettings.version + 1);
  await screenshot(admin, "admin-account-rules");

  const manager = await signedIn(browser(), "demo-manager");
  await open(manager, `#/accounts/${account}`, "account");
  await manager.waitForSelector('[data-loaded="rules"]');
  assert.match(await manager.locator('[data-loaded="rules"]').textContent(), /wait for an approver/);
  assert.equal(await manager.locator("input[name=threshold]").count(), 0, "a manager reads the rules");
  assert.deepEqual(admin.errors, []);
});

test("a list pages on by its cursor in the address, and back to its first page", async () => {
  const page = await signedIn(browser(), "demo-buyer");
  await open(page, "#/orders", "orders");
  const first = await page.locator("table tbody th a").first().textContent();
  const firstLink = () => document.querySelector("table tbody th a")?.textContent;
  await page.getByRole("button", { name: "Next page" }).click();
  await page.waitForURL(/after=/);
  // The next page starts after the first.
  await page.waitForFunction((was) => {
    const now = document.querySelector("table tbody th a")?.textContent;
    return now && now !== was;
  }, first);
  const second = await page.evaluate(firstLink);
  // The address is a deep link to that page.
  const again = await signedIn(browser(), "demo-buyer");
  await open(again, "#" + page.url().split("#")[1], "orders");
  assert.equal(await again.locator("table tbody th a").first().textContent(), second);
  await page.getByRole("button", { name: "First page" }).click();
  await page.waitForURL((url) => !url.hash.includes("after="));
  await page.waitForFunction((was) => document.querySelector("table tbody th a")?.textContent === was, first);
});

test("an account admin sets its account's rules; a buyer neither sees nor opens that page", async () => {
  const page = await signedIn(browser(), "demo-account-admin");
  await page.getByRole("link", { name: "Checkout rules" }).click();
  await page.waitForSelector('[data-loaded="rules"]');
  const account = (await graphql("demo-account-admin", "{ me { accountIds } }")).data.me.accountIds[0];
  const rules = `query($a: AccountId!) { checkoutSettings(account: $a) { poRequired } }`;
  const before = (await graphql("demo-account-admin", rules, { a: account })).data.checkoutSettings.poRequired;
  await page.getByLabel("PO number required").setChecked(!before);
  await page.getByRole("button", { name: "Save rules" }).click();
  await page.locator("[role=status]", { hasText: "Saved" }).waitFor();
  const after = (await graphql("demo-account-admin", rules, { a: account })).data.checkoutSettings.poRequired;
  assert.equal(after, !before);
  await screenshot(page, "account-admin-settings");

  const buyer = await signedIn(browser(), "demo-buyer");
  assert.ok(!(await buyer.locator("nav[aria-label=Main]").textContent()).includes("Checkout rules"));
  await open(buyer, "#/settings");
  assert.equal(await buyer.locator(".failure").getAttribute("data-code"), "FORBIDDEN");
});

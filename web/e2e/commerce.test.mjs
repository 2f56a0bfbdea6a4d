// Buying in a real browser: an order again as a cart, a quick order with a bad line, checkout,
// and the approver's decision when the order waits for one.

import assert from "node:assert/strict";
import { test } from "node:test";
import { graphql, browserForThisFile, open, screenshot, signedIn } from "./browser.mjs";

const browser = browserForThisFile();

test("a buyer orders a past order again, adds by quick order, places it, and an approver decides", async () => {
  const buyer = await signedIn(browser(), "demo-buyer");
  const past = await graphql("demo-buyer", `{ orders(filter: { status: [DELIVERED, INVOICED] }, first: 1) { nodes { id lines { sku } } } }`);
  const order = past.data.orders.nodes[0];
  await open(buyer, `#/orders/${order.id}`, "order");
  await buyer.getByRole("button", { name: "Order again" }).click();
  await buyer.waitForSelector('[data-loaded="cart"]');
  assert.match(await buyer.locator("h1").textContent(), /^Cart: /);
  const lines = await buyer.locator("tbody tr").count();
  assert.ok(lines >= 1, "the order's products are in the cart");

  // One good line and one the API refuses, with its reason.
  await buyer.fill("#csv", `NOPE-0000, 3\n${order.lines[0].sku}, 1`);
  await buyer.getByRole("button", { name: "Add to cart" }).click();
  const refused = buyer.locator(".failure", { hasText: "Not added" });
  await refused.waitFor();
  assert.match(await refused.textContent(), /Line 1: .*NOPE-0000/);
  await screenshot(buyer, "buyer-cart-refused-line");

  await buyer.fill("input[name=po]", `PO-E2E-${Date.now()}`);
  await buyer.getByRole("button", { name: "Place order" }).click();
  const placed = buyer.locator("[role=status]", { hasText: "Order placed" });
  await placed.waitFor();
  await screenshot(buyer, "buyer-order-placed");
  const placedIds = await placed.locator("a").allTextContents();
  assert.ok(placedIds.length >= 1, "the cart became orders");
  const statuses = await placed.locator(".badge").allTextContents();
  assert.deepEqual(buyer.errors, []);

  const waiting = placedIds.filter((_, i) => statuses[i] === "pending approval");
  const approver = await signedIn(browser(), "demo-approver");
  await open(approver, "#/approvals", "approvals");
  for (const id of waiting) {
    const row = approver.locator("tr", { has: approver.locator(`a:text-is("${id}")`) });
    await row.getByRole("button", { name: `Approve ${id}` }).click();
    await row.locator("[role=status]").waitFor();
    assert.notEqual(await row.locator("[role=status]").textContent(), "pending approval");
  }
  for (const id of placedIds) {
    const now = await graphql("demo-buyer", `query($id: OrderId!) { order(id: $id) { status } }`, { id });
    assert.notEqual(now.data.order.status, "PENDING_APPROVAL", `${id} is on its way`);
  }
  await screenshot(approver, "approver-approvals");
});

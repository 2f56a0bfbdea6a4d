// The browser the tests drive: Debian's Chromium through playwright-core (which downloads no
// browser of its own), against the portal that scripts/web-e2e.sh serves (PORTAL_URL).

import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const URL = process.env.PORTAL_URL ?? "http://127.0.0.1:8080";
export const ARTIFACTS = process.env.PORTAL_E2E_ARTIFACTS ?? new globalThis.URL("../e2e-artifacts", import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // Without the background-networking flags Chromium keeps calling out, and this kind of
    // closed machine refuses each call.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The browser of a test file: launched before its tests, closed after them. */
export function browserForThisFile() {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser;
}

/** A new tab signed in as `user` (the sign-in page's button), on the page it lands on. */
export async function signedIn(browser, user, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, locale: "en-GB", ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.errors = errors;
  await page.goto(URL + "/");
  await page.click(`button[data-user="${user}"]`);
  await page.waitForSelector("nav[aria-label=Main]");
  return page;
}

/** Opens `hash` (`#/orders`) and waits until its data is drawn (`[data-loaded=...]`) or it
 * shows a failure. */
export async function open(page, hash, loaded) {
  await page.goto(URL + "/" + hash);
  // A new hash alone keeps the document (and the last page's content): load it afresh, so
  // that what is waited for below is this page's.
  await page.reload();
  await page.waitForSelector(loaded ? `[data-loaded="${loaded}"], .failure` : "main .page");
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A token of a demo user, for asking the API directly. */
export async function token(user) {
  const response = await fetch(`${URL}/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user }),
  });
  return (await response.json()).token;
}

export async function graphql(user, query, variables = {}) {
  const response = await fetch(`${URL}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token(user)}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

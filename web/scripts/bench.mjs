// The web app's benchmark (BENCHMARKS.md, issue 17): the size of its JavaScript and CSS,
// gzipped, and the time from navigation to the buyer's dashboard with its data drawn, in
// headless Chromium against a running portal (PORTAL_URL, default the demo's
// http://127.0.0.1:8080). Baselines from the same run: the dashboard's GraphQL query alone,
// sent from Node, and a navigation to a page that draws nothing (the app's config.json).
//
// Usage: node scripts/bench.mjs [RUNS]   (default 15 loads of each kind)

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { launch, token, URL } from "../e2e/browser.mjs";

const runs = Number(process.argv[2] ?? 15);
const dist = new globalThis.URL("../dist", import.meta.url).pathname;

function size() {
  const files = readdirSync(join(dist, "assets")).map((f) => join("assets", f));
  let raw = 0;
  let gzipped = 0;
  for (const file of [...files, "index.html"]) {
    const bytes = readFileSync(join(dist, file));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length + 1, raw, gzipped };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The dashboard's query, as the page sends it.
const dashboard = readFileSync(new globalThis.URL("../src/operations/Dashboard.graphql", import.meta.url), "utf8");

async function apiAlone(bearer) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const response = await fetch(`${URL}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        query: dashboard,
        variables: { open: ["PENDING_APPROVAL", "SUBMITTED", "RECEIVED", "CONFIRMED", "IN_PRODUCTION", "PARTIALLY_SHIPPED", "SHIPPED"] },
      }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Loads in a fresh context each (nothing cached), signed in already: navigation start to the
 * dashboard's data in the page. */
async function loads(browser, bearer, path, ready) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    await context.addInitScript((t) => {
      sessionStorage.setItem("b2b-portal.token", JSON.stringify({ token: t, expires: Date.now() / 1000 + 3600 }));
    }, bearer);
    const page = await context.newPage();
    await page.goto(URL + path, { waitUntil: "commit" });
    await page.waitForSelector(ready);
    times.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
  return median(times);
}

const bearer = await token("demo-buyer");
const browser = await launch();
try {
  const s = size();
  const api = await apiAlone(bearer);
  const blank = await loads(browser, bearer, "/config.json", "pre, body");
  const page = await loads(browser, bearer, "/#/", '[data-loaded="dashboard"]');
  console.log(`Assets: ${s.files} files, ${(s.raw / 1024).toFixed(1)} KB, ${(s.gzipped / 1024).toFixed(1)} KB gzipped (target 150 KB)`);
  console.log(`Dashboard drawn: median ${page.toFixed(0)} ms from navigation over ${runs} cold loads (target 1000 ms)`);
  console.log(`  its GraphQL query alone from Node: ${api.toFixed(1)} ms (the page takes ${(page / api).toFixed(1)}x)`);
  console.log(`  a navigation that draws nothing (config.json): ${blank.toFixed(0)} ms (the page takes ${(page / blank).toFixed(1)}x)`);
} finally {
  await browser.close();
}

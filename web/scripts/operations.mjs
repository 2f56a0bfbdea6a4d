// Registers the app's GraphQL operations (src/operations/*.graphql, one operation per file,
// named as its file, with the fragments it uses) in the repository's persisted-queries.json,
// so that a deployment with GraphqlPersistedQueries=allow-list serves the app, and the API's
// tests check every operation against the schema and the cost limits. Operations registered by
// others (not named as a file here) are kept. A test (tests/api/graphql.rs) fails when the
// manifest and these files differ; run this, then commit both.
//
// Usage: node scripts/operations.mjs

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

const dir = new URL("../src/operations/", import.meta.url);
const manifestPath = new URL("../../persisted-queries.json", import.meta.url);

const ours = readdirSync(dir)
  .filter((f) => f.endsWith(".graphql"))
  .sort()
  .map((file) => {
    const name = file.replace(/\.graphql$/, "");
    const body = readFileSync(new URL(file, dir), "utf8");
    const head = body.match(/^(query|mutation) (\w+)/);
    if (!head || head[2] !== name) {
      throw new Error(`${file}: must start with "query ${name}" or "mutation ${name}"`);
    }
    return { id: createHash("sha256").update(body).digest("hex"), name, type: head[1], body };
  });

// A fragment has one text wherever it is used.
const fragments = new Map();
for (const op of ours) {
  for (const m of op.body.matchAll(/^fragment (\w+)[\s\S]*?^\}/gm)) {
    const seen = fragments.get(m[1]);
    if (seen !== undefined && seen !== m[0]) throw new Error(`fragment ${m[1]} differs in ${op.name}.graphql`);
    fragments.set(m[1], m[0]);
  }
}

const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const names = new Set(ours.map((o) => o.name));
const others = manifest.operations.filter((o) => !names.has(o.name));
manifest.operations = [...others, ...ours];
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
console.log(`persisted-queries.json: ${others.length} other operations, ${ours.length} of the web app`);

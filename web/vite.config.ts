import { defineConfig } from "vite";

// The built files are committed (web/dist) and embedded in the `portal` command; CI rebuilds
// them and fails when they differ, so the build must be reproducible: no source maps, no
// build-time values.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev` against `portal serve` (port 8080): the API, config and dev sign-in.
    proxy: Object.fromEntries(
      ["/graphql", "/config.json", "/dev", "/documents"].map((p) => [p, "http://127.0.0.1:8080"]),
    ),
  },
});

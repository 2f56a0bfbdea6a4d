// Hash routes (`#/orders/SO-1?status=SHIPPED`): every page has a deep link, and the app's
// paths never meet the API's, which share its origin locally. The table of routes is in
// routes.tsx.

import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

/** What a page is given: its path's parameters and the location (for its query). */
export interface PageProps {
  params: Record<string, string>;
  location: Location;
}

export function currentLocation(): Location {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?", 2);
  return { path: path || "/", query: new URLSearchParams(search) };
}

export function useLocation(): Location {
  const [current, setCurrent] = useState(currentLocation);
  useEffect(() => {
    const changed = () => setCurrent(currentLocation());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return current;
}

/** A link's `href` for `path` with `query` (empty values left out). */
export function href(path: string, query: Record<string, string | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value) params.set(key, value);
  }
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ""}`;
}

export function navigate(path: string, query: Record<string, string | undefined | null> = {}): void {
  location.hash = href(path, query).slice(1);
}

/** Matches `pattern` (`/orders/:id`) against `path`; the parameters, decoded, or `null`. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== got[i]) {
      return null;
    }
  }
  return params;
}

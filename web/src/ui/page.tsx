import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { ApiError, Loaded } from "../api";
import { type Location, navigate } from "../router";

/** A page: its title in the tab and as the heading, focused when the page opens (so a screen
 * reader announces it and the keyboard starts there). */
export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Customer portal`;
    heading.current?.focus();
  }, [props.title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {props.what ?? ""}…
    </p>
  );
}

const HEADLINES: Record<string, string> = {
  NOT_FOUND: "Not found",
  FORBIDDEN: "Not available to you",
  UNAUTHENTICATED: "Signed out",
  NETWORK: "No connection",
  QUERY_TOO_COSTLY: "Too much at once",
  RUN_REPLACED: "The list was updated",
};

/** What went wrong, in the API's words (its problem codes and messages). */
export function Failure(props: { error: ApiError; retry?: () => void }) {
  const { code, message } = props.error;
  const headline = HEADLINES[code] ?? (code.startsWith("INVALID") ? "Not accepted" : "Something went wrong");
  const detail =
    code === "NOT_FOUND"
      ? "It does not exist, or it is not yours to see."
      : code === "FORBIDDEN"
        ? "Your role does not include this page."
        : message;
  return (
    <div class="failure" role="alert" data-code={code}>
      <h2>{headline}</h2>
      <p>{detail}</p>
      {code !== "NOT_FOUND" && code !== "FORBIDDEN" && message !== detail && <p class="muted">{message}</p>}
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
      <p>
        <a href="#/">Back to the start page</a>
      </p>
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/** Renders `loaded` when done; its loading and failure states otherwise. */
export function Show<T>(props: { loaded: Loaded<T>; what?: string; children: (data: T) => ComponentChildren }) {
  const { loaded } = props;
  if (loaded.state === "loading") return <Loading what={props.what} />;
  if (loaded.state === "error") return <Failure error={loaded.error} />;
  return <>{props.children(loaded.data)}</>;
}

const TONES: Record<string, string> = {
  DELIVERED: "good",
  PAID: "good",
  INVOICED: "good",
  OVERDUE: "bad",
  EXCEPTION: "bad",
  CANCELLED: "muted",
  REJECTED: "bad",
  LAPSING: "bad",
  DUE: "warn",
  PENDING_APPROVAL: "warn",
  OPEN: "warn",
  IN_TRANSIT: "info",
  OUT_FOR_DELIVERY: "info",
  SHIPPED: "info",
  PARTIALLY_SHIPPED: "info",
};

export function Badge(props: { value: string; label?: string }) {
  const text = props.label ?? props.value.toLowerCase().replace(/_/g, " ");
  return <span class={`badge ${TONES[props.value] ?? ""}`}>{text}</span>;
}

/** A list's paging: "Next page" puts the connection's end cursor into the location's query
 * (so every page is a deep link), "First page" takes it out; `query` is the list's own
 * parameters. */
export function Pager(props: {
  location: Location;
  query: Record<string, string | null | undefined>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}) {
  const { location, query, pageInfo } = props;
  const paged = location.query.get("after");
  if (!pageInfo.hasNextPage && !paged) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {paged && (
        <button type="button" onClick={() => navigate(location.path, query)}>
          First page
        </button>
      )}
      {pageInfo.hasNextPage && (
        <button type="button" onClick={() => navigate(location.path, { ...query, after: pageInfo.endCursor })}>
          Next page
        </button>
      )}
    </nav>
  );
}

/** A column of a table: its label; `{ num }` for numbers, aligned right. */
export type Column = string | { num: string };

/** A table's header row. */
export function Head(props: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) =>
          typeof c === "string" ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" class="num" key={c.num}>
              {c.num}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

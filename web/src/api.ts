// The API as the app uses it: GraphQL for everything, with the signed-in user's token. Errors
// carry the API's stable codes (`extensions.code`, the REST problem codes in capitals) and
// its messages, which say what was wrong.

import { useEffect, useState } from "preact/hooks";

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface GraphqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

export interface Reply<T> {
  data: T;
  errors: GraphqlError[];
}

let apiUrl = "";
let token = "";
let onSignedOut: () => void = () => {};

export function connect(url: string, bearer: string, signedOut: () => void): void {
  apiUrl = url;
  token = bearer;
  onSignedOut = signedOut;
}

/** Runs a query or mutation; a request that fails as a whole throws an `ApiError`. */
export async function graphql<T>(query: string, variables: object = {}): Promise<Reply<T>> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("NETWORK", "The portal's API cannot be reached. Check the connection and try again.");
  }
  if (response.status === 401) {
    onSignedOut();
    throw new ApiError("UNAUTHENTICATED", "Your session has ended. Sign in again.");
  }
  let body: { data?: T; errors?: GraphqlError[]; detail?: string };
  try {
    body = await response.json();
  } catch {
    throw new ApiError("INTERNAL", `The API answered ${response.status} without a readable body.`);
  }
  const errors = body.errors ?? [];
  if (!body.data) {
    const first = errors[0];
    throw new ApiError(
      first?.extensions?.code ?? "INTERNAL",
      first?.message ?? body.detail ?? `The API answered ${response.status}.`,
    );
  }
  return { data: body.data, errors };
}

/** The error of a field that came back `null`, if the API said why. */
export function errorAt(reply: Reply<unknown>, field: string): ApiError | null {
  const error = reply.errors.find((e) => e.path?.[0] === field);
  return error ? new ApiError(error.extensions?.code ?? "INTERNAL", error.message) : null;
}

/** `reply.data[field]`, or its error (a missing object is `NOT_FOUND`). */
export function required<T, K extends keyof T>(reply: Reply<T>, field: K): NonNullable<T[K]> {
  const value = reply.data[field];
  if (value === null || value === undefined) {
    throw errorAt(reply, String(field)) ?? new ApiError("NOT_FOUND", `${String(field)} not found`);
  }
  return value as NonNullable<T[K]>;
}

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; error: ApiError }
  | { state: "done"; data: T; reload: () => void };

/** Loads `load()` when the page opens and again whenever `key` changes. */
export function useLoad<T>(load: () => Promise<T>, key: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ state: "loading" });
    load().then(
      (data) => current && setState({ state: "done", data, reload: () => setRound((r) => r + 1) }),
      (error: unknown) =>
        current &&
        setState({
          state: "error",
          error: error instanceof ApiError ? error : new ApiError("INTERNAL", String(error)),
        }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...key, round]);
  return state;
}

/** A connection's nodes and where the next page starts. */
export interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

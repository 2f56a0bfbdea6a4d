// Signing in: locally, a demo user's dev token from the local server; in AWS, the Cognito
// user pool's hosted UI with the authorization code grant and PKCE (no client secret in the
// browser). The token lives in this tab's session storage only.

import type { Config } from "./config";

const TOKEN = "b2b-portal.token";
const PKCE = "b2b-portal.pkce";

export interface Session {
  token: string;
  /** Seconds since the epoch. */
  expires: number;
}

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(TOKEN);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return session.expires * 1000 > Date.now() ? session : null;
  } catch {
    return null;
  }
}

function keep(token: string): Session {
  const session = { token, expires: expiryOf(token) };
  sessionStorage.setItem(TOKEN, JSON.stringify(session));
  return session;
}

export function signOut(config: Config): void {
  sessionStorage.removeItem(TOKEN);
  if (config.signIn.kind === "cognito") {
    const { domain, clientId } = config.signIn;
    const back = encodeURIComponent(location.origin + "/");
    location.assign(`https://${domain}/logout?client_id=${clientId}&logout_uri=${back}`);
  } else {
    location.assign("/#/");
    location.reload();
  }
}

/** The `exp` claim of a JWT (not verified here: the API verifies every request). */
function expiryOf(token: string): number {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return (JSON.parse(atob(payload)) as { exp: number }).exp;
  } catch {
    return Math.floor(Date.now() / 1000) + 3600;
  }
}

/** Locally: a dev token for one of the demo users. */
export async function signInAsDemoUser(user: string): Promise<Session> {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user }),
  });
  const body = (await response.json()) as { token?: string; detail?: string };
  if (!response.ok || !body.token) {
    throw new Error(body.detail ?? `Signing in answered ${response.status}.`);
  }
  return keep(body.token);
}

function randomText(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri(): string {
  return location.origin + "/";
}

/** In AWS: to the hosted UI, with a PKCE challenge; it comes back to `/?code=...&state=...`. */
export async function startHostedSignIn(config: Config): Promise<void> {
  if (config.signIn.kind !== "cognito") return;
  const verifier = randomText(48);
  const state = randomText(16);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, back: location.hash }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.signIn.clientId,
    redirect_uri: redirectUri(),
    scope: config.signIn.scopes ?? "openid email",
    code_challenge_method: "S256",
    code_challenge: base64Url(new Uint8Array(digest)),
    state,
  });
  location.assign(`https://${config.signIn.domain}/oauth2/authorize?${query}`);
}

/** Back from the hosted UI: trades the code for tokens. `null` when this is not a return. */
export async function finishHostedSignIn(config: Config): Promise<Session | null> {
  if (config.signIn.kind !== "cognito") return null;
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? "{}") as {
    verifier?: string;
    state?: string;
    back?: string;
  };
  sessionStorage.removeItem(PKCE);
  if (!saved.verifier || saved.state !== params.get("state")) {
    throw new Error("The sign-in did not come back from the sign-in this tab started. Try again.");
  }
  const response = await fetch(`https://${config.signIn.domain}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.signIn.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`The sign-in service answered ${response.status}.`);
  // The API's authorizer accepts the pool client's access token (its client_id is the client).
  const tokens = (await response.json()) as { access_token: string };
  history.replaceState(null, "", "/" + (saved.back ?? ""));
  return keep(tokens.access_token);
}

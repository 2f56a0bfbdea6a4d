// The app's runtime configuration, read from `/config.json` at start: the local server answers
// it (the API on the same origin, sign-in as a demo user); in AWS the deploy script writes it
// from the stack's outputs (the API's URL, the Cognito user pool's domain and client).

export interface DevUser {
  id: string;
  label: string;
}

export type SignIn =
  | { kind: "dev"; users: DevUser[] }
  | { kind: "cognito"; domain: string; clientId: string; scopes?: string };

export interface Config {
  /** The API's base URL, without a trailing slash; empty for this origin. */
  apiUrl: string;
  signIn: SignIn;
}

export async function loadConfig(): Promise<Config> {
  const response = await fetch("/config.json", { cache: "no-cache" });
  if (!response.ok) {
    throw new Error(`The app's configuration (/config.json) answered ${response.status}.`);
  }
  return (await response.json()) as Config;
}

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, connect, graphql } from "./api";
import { App } from "./app";
import { currentSession, finishHostedSignIn, type Session, signInAsDemoUser, startHostedSignIn } from "./auth";
import { type Config, loadConfig } from "./config";
import type { Me } from "./types";
import { Failure, Loading } from "./ui/page";
import "./styles.css";
import ME from "./operations/Me.graphql?raw";


function SignIn(props: { config: Config; signedIn: (s: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  const { signIn } = props.config;
  return (
    <main id="main" class="sign-in">
      <h1>Customer portal</h1>
      {signIn.kind === "dev" ? (
        <>
          <p>Local demo: sign in as one of the demo users.</p>
          <ul class="users">
            {signIn.users.map((u) => (
              <li key={u.id}>
                <button
                  type="button"
                  data-user={u.id}
                  onClick={() => signInAsDemoUser(u.id).then(props.signedIn, (e: Error) => setError(e.message))}
                >
                  <strong>{u.id}</strong> <span>{u.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <button type="button" onClick={() => startHostedSignIn(props.config)}>
          Sign in
        </button>
      )}
      {error && (
        <p role="alert" class="bad">
          {error}
        </p>
      )}
    </main>
  );
}

function Root(props: { config: Config; session: Session | null }) {
  const [session, setSession] = useState(props.session);
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!session) return;
    const signedOut = () => {
      sessionStorage.clear();
      setSession(null);
      setMe(null);
    };
    connect(props.config.apiUrl, session.token, signedOut);
    setError(null);
    graphql<{ me: Me }>(ME).then(
      (r) => setMe(r.data.me),
      (e: ApiError) => setError(e),
    );
  }, [session, attempt]);
  if (!session) return <SignIn config={props.config} signedIn={setSession} />;
  if (error) return <Failure error={error} retry={() => setAttempt((a) => a + 1)} />;
  if (!me) return <Loading what="your portal" />;
  return <App config={props.config} me={me} />;
}

async function start() {
  const root = document.getElementById("app")!;
  try {
    const config = await loadConfig();
    const session = (await finishHostedSignIn(config)) ?? currentSession();
    render(<Root config={config} session={session} />, root);
  } catch (error) {
    render(<Failure error={new ApiError("INTERNAL", String(error instanceof Error ? error.message : error))} />, root);
  }
}

start();

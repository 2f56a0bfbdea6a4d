import { useEffect } from "preact/hooks";
import { ApiError } from "./api";
import { signOut } from "./auth";
import type { Config } from "./config";
import { ROUTES } from "./routes";
import { match, navigate, useLocation } from "./router";
import { MeContext } from "./session";
import { isStaff, type Me } from "./types";
import { Failure, Page } from "./ui/page";

function words(role: string): string {
  return role.toLowerCase().replace(/_/g, " ");
}

/** The signed-in app: the menu for the user's role and the page the location names. */
export function App(props: { config: Config; me: Me }) {
  const { me } = props;
  const location = useLocation();
  const staff = isStaff(me.role);
  const audience = staff ? "staff" : "customer";
  // The seller's staff start at their worklist.
  useEffect(() => {
    if (staff && location.path === "/") navigate("/worklist");
  }, [staff, location.path]);

  let found: { route: (typeof ROUTES)[number]; params: Record<string, string> } | null = null;
  for (const route of ROUTES) {
    const params = match(route.path, location.path);
    if (params) {
      found = { route, params };
      break;
    }
  }
  const opens = (r: (typeof ROUTES)[number]) =>
    (r.who === "anyone" || r.who === audience) && (!r.roles || r.roles.includes(me.role));
  const menu = ROUTES.filter((r) => r.menu && opens(r));
  const section = "/" + location.path.split("/")[1];

  let content;
  if (!found) {
    content = (
      <Page title="Page not found">
        <Failure error={new ApiError("NOT_FOUND", "no such page")} />
      </Page>
    );
  } else if (!opens(found.route)) {
    content = (
      <Page title="Not available">
        <Failure error={new ApiError("FORBIDDEN", "this page is not for your role")} />
      </Page>
    );
  } else {
    const Current = found.route.page;
    content = <Current key={location.path} params={found.params} location={location} />;
  }

  return (
    <MeContext.Provider value={me}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to the content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Customer portal
        </a>
        <nav aria-label="Main">
          <ul>
            {menu.map((r) => (
              <li key={r.path}>
                <a href={`#${r.path}`} aria-current={section === r.path || (r.path === "/" && location.path === "/") ? "page" : undefined}>
                  {r.menu}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {me.user.name} <span class="muted">({words(me.role)})</span>
          </span>
          <button type="button" onClick={() => signOut(props.config)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </MeContext.Provider>
  );
}

import { useState } from "preact/hooks";
import { type ApiError, type Connection, graphql, required, useLoad } from "../api";
import { words } from "../format";
import { type Location, navigate } from "../router";
import { canBuy, useMe } from "../session";
import type { Suggestion } from "../types";
import { Failure, Page, Pager, Show } from "../ui/page";
import { Suggestions } from "../ui/suggestions";
import QUERY from "../operations/Reorder.graphql?raw";
import REPLENISH from "../operations/Replenish.graphql?raw";


const STATUSES = ["OVERDUE", "DUE", "NOT_YET_DUE", "LAPSING"];

export function Reorder(props: { location: Location }) {
  const q = props.location.query;
  const status = q.get("status") ?? "OVERDUE,DUE";
  const loaded = useLoad(
    () =>
      graphql<{ reorderSuggestions: Connection<Suggestion> }>(QUERY, {
        status: status ? status.split(",") : undefined,
        after: q.get("after") || undefined,
      }).then((r) => r.data.reorderSuggestions),
    [q.toString()],
  );
  const me = useMe();
  const [error, setError] = useState<ApiError | null>(null);
  const replenish = async () => {
    try {
      const reply = await graphql<{ createReplenishmentCart: { cart: { id: string } } }>(
        REPLENISH,
      );
      navigate(`/carts/${required(reply, "createReplenishmentCart").cart.id}`);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <Page
      title="Reorder suggestions"
      actions={
        canBuy(me) && (
          <button type="button" onClick={replenish}>
            Put what is due in a cart
          </button>
        )
      }
    >
      {error && <Failure error={error} />}
      <p class="muted">What your order history says you will need next, and why.</p>
      <form class="filters" aria-label="Filter suggestions" onSubmit={(e) => e.preventDefault()}>
        <label>
          Show
          <select value={status} onChange={(e) => navigate("/reorder", { status: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="OVERDUE,DUE">Due and overdue</option>
            {STATUSES.map((s) => (
              <option value={s}>{words(s)}</option>
            ))}
            <option value="">Everything</option>
          </select>
        </label>
      </form>
      <Show loaded={loaded} what="suggestions">
        {(page) => (
          <div data-loaded="reorder">
            <Suggestions suggestions={page.nodes} />
            <Pager location={props.location} query={{ status }} pageInfo={page.pageInfo} />
          </div>
        )}
      </Show>
    </Page>
  );
}

import { graphql, useLoad } from "../api";
import { day, percent } from "../format";
import { href, type Location, navigate } from "../router";
import type { Suggestion } from "../types";
import { Badge, Empty, Page, Pager, Show } from "../ui/page";
import { Suggestions } from "../ui/suggestions";
import QUERY from "../operations/Worklist.graphql?raw";

export interface Outlook {
  accountId: string;
  due: number;
  overdue: number;
  lapsing: number;
  notYetDue: number;
  atRisk: boolean;
  watch: boolean;
  risk: string | null;
  silentDays: number | null;
  silenceChance: number | null;
}

interface WorklistPage {
  runId: string;
  asOf: string;
  nodes: { outlook: Outlook; suggestions: Suggestion[] }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}


function Entry(props: { entry: WorklistPage["nodes"][number] }) {
  const { outlook, suggestions } = props.entry;
  return (
    <article class="card account" aria-labelledby={`acct-${outlook.accountId}`}>
      <h3 id={`acct-${outlook.accountId}`}>
        <a href={href(`/accounts/${outlook.accountId}`)}>{outlook.accountId}</a>{" "}
        {outlook.atRisk && <Badge value="LAPSING" label="at risk" />}
        {outlook.watch && <Badge value="DUE" label="on watch" />}
      </h3>
      <p class="muted">
        {outlook.overdue} overdue · {outlook.due} due · {outlook.lapsing} lapsing
        {(outlook.atRisk || outlook.watch) && outlook.silentDays !== null && (
          <>
            {" "}
            · silent {outlook.silentDays} days ({percent(outlook.silenceChance)} chance of such a silence)
          </>
        )}
      </p>
      {outlook.risk && <p>{outlook.risk}</p>}
      <Suggestions suggestions={suggestions} chart={(s) => href(`/accounts/${s.accountId}`, { sku: s.sku })} />
    </article>
  );
}

export function Worklist(props: { location: Location }) {
  const q = props.location.query;
  const status = q.get("status") ?? "OVERDUE,DUE";
  const loaded = useLoad(
    () =>
      graphql<{ atRisk: WorklistPage; onWatch: WorklistPage; others: WorklistPage }>(QUERY, {
        status: status.split(","),
        after: q.get("after") || undefined,
      }).then((r) => r.data),
    [q.toString()],
  );
  return (
    <Page title="Worklist">
      <form class="filters" aria-label="Filter the worklist" onSubmit={(e) => e.preventDefault()}>
        <label>
          Products
          <select value={status} onChange={(e) => navigate("/worklist", { status: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="OVERDUE,DUE">Due and overdue</option>
            <option value="OVERDUE">Overdue</option>
            <option value="DUE">Due</option>
            <option value="LAPSING">Lapsing</option>
          </select>
        </label>
      </form>
      <Show loaded={loaded} what="the worklist">
        {({ atRisk, onWatch, others }) => (
          <div data-loaded="worklist">
            <p class="muted">
              Run {others.runId}, from order history before {day(others.asOf)}.
            </p>
            <h2>Accounts at risk</h2>
            {atRisk.nodes.length === 0 ? <Empty>No account is at risk.</Empty> : atRisk.nodes.map((e) => <Entry entry={e} />)}
            <h2>On watch: quieter than usual</h2>
            {onWatch.nodes.length === 0 ? <Empty>No account is on watch.</Empty> : onWatch.nodes.map((e) => <Entry entry={e} />)}
            <h2>Due and overdue by account</h2>
            {others.nodes.length === 0 ? <Empty>Nothing is due.</Empty> : others.nodes.map((e) => <Entry entry={e} />)}
            <Pager location={props.location} query={{ status }} pageInfo={others.pageInfo} />
          </div>
        )}
      </Show>
    </Page>
  );
}

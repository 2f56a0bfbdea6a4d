import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { type Connection, graphql, required, useLoad } from "../api";
import { Chart, seconds } from "../charts/chart";
import { day, money, number, percent } from "../format";
import { href, type PageProps } from "../router";
import type { Balance, Suggestion } from "../types";
import { Empty, Head, Page, Show } from "../ui/page";
import { CheckoutRules } from "../ui/rules";
import { Suggestions } from "../ui/suggestions";
import HISTORY from "../operations/Rhythm.graphql?raw";
import QUERY from "../operations/AccountView.graphql?raw";


interface Account {
  id: string;
  name: string;
  currency: string;
  divisions: string[];
  openBalance: { balances: Balance[] };
  reorderSuggestions: Connection<Suggestion>;
}


interface Past {
  id: string;
  orderDate: string;
  quantity: number;
}

/** A product's order rhythm for an account: its past orders and the expected next one. */
function Rhythm(props: { account: string; suggestion: Suggestion }) {
  const { account, suggestion } = props;
  const loaded = useLoad(
    () =>
      graphql<{ orders: Connection<{ id: string; orderDate: string; lines: { sku: string; quantity: string }[] }> }>(HISTORY, {
        account,
        sku: suggestion.sku,
      }).then((r) =>
        r.data.orders.nodes
          .map((o) => ({
            id: o.id,
            orderDate: o.orderDate,
            quantity: o.lines.filter((l) => l.sku === suggestion.sku).reduce((sum, l) => sum + Number(l.quantity), 0),
          }))
          .sort((a, b) => a.orderDate.localeCompare(b.orderDate)),
      ),
    [account, suggestion.sku],
  );
  return (
    <section aria-labelledby="rhythm">
      <h2 id="rhythm">Order rhythm of {suggestion.sku}</h2>
      <Show loaded={loaded} what="the order history">
        {(past) => <RhythmChart past={past} suggestion={suggestion} />}
      </Show>
    </section>
  );
}

function RhythmChart(props: { past: Past[]; suggestion: Suggestion }) {
  const { past, suggestion } = props;
  const { data, options } = useMemo(() => {
    const xs = [...past.map((p) => seconds(p.orderDate)), seconds(suggestion.expectedNextDate)];
    const ordered = [...past.map((p) => p.quantity), null];
    const expected = [...past.map(() => null), suggestion.expectedQuantity];
    const data: uPlot.AlignedData = [xs, ordered, expected];
    const options: Omit<uPlot.Options, "width" | "height"> = {
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] } },
      series: [
        {},
        { label: "Ordered", stroke: "#1f5fa8", width: 1, points: { show: true, size: 9, fill: "#1f5fa8" } },
        {
          label: `Expected next (${percent(suggestion.pReorder)} likely)`,
          stroke: "#c2410c",
          width: 0,
          points: { show: true, size: 13, fill: "#fff", stroke: "#c2410c", width: 3 },
        },
      ],
      axes: [{}, { label: "Quantity" }],
    };
    return { data, options };
  }, [past, suggestion]);
  if (past.length === 0) return <Empty>No past orders of this product.</Empty>;
  return (
    <Chart
      label={`Past orders of ${suggestion.sku} and the expected next order on ${day(suggestion.expectedNextDate)}, ${percent(
        suggestion.pReorder,
      )} likely`}
      options={options}
      data={data}
    >
      <table>
        <Head columns={["Date", "Order", { num: "Quantity" }]} />
        <tbody>
          {past.map((p) => (
            <tr key={p.id}>
              <td>{day(p.orderDate)}</td>
              <td>
                <a href={href(`/orders/${p.id}`)}>{p.id}</a>
              </td>
              <td class="num">{number(p.quantity)}</td>
            </tr>
          ))}
          <tr>
            <td>{day(suggestion.expectedNextDate)}</td>
            <td>expected ({percent(suggestion.pReorder)} likely)</td>
            <td class="num">{number(suggestion.expectedQuantity)}</td>
          </tr>
        </tbody>
      </table>
    </Chart>
  );
}

export function AccountView(props: PageProps) {
  const id = props.params.id;
  const loaded = useLoad(() => graphql<{ account: Account | null }>(QUERY, { id }).then((r) => required(r, "account")), [id]);
  const sku = props.location.query.get("sku");
  return (
    <Page title={`Account ${id}`}>
      <Show loaded={loaded} what="the account">
        {(account) => {
          const suggestions = account.reorderSuggestions.nodes;
          const chosen = suggestions.find((s) => s.sku === sku) ?? suggestions[0];
          return (
            <div class="detail" data-loaded="account">
              <p class="lead">{account.name}</p>
              <dl class="facts">
                <div>
                  <dt>Divisions</dt>
                  <dd>{account.divisions.join(", ")}</dd>
                </div>
                {account.openBalance.balances.map((b) => (
                  <div key={b.currency}>
                    <dt>Open balance</dt>
                    <dd>
                      {money(b.openAmount, b.currency)}
                      {b.overdueCount > 0 && <span class="bad"> ({money(b.overdueAmount, b.currency)} overdue)</span>}
                    </dd>
                  </div>
                ))}
              </dl>
              <p>
                <a href={href("/orders", { account: account.id })}>Orders</a> ·{" "}
                <a href={href("/invoices", { account: account.id })}>Invoices</a>
              </p>
              <CheckoutRules account={account.id} />
              {chosen && <Rhythm account={account.id} suggestion={chosen} />}
              <h2>Reorder suggestions</h2>
              <Suggestions suggestions={suggestions} chart={(s) => href(`/accounts/${account.id}`, { sku: s.sku })} />
              <p class="muted">Each product links to its order rhythm above; its forecast is under Forecasts.</p>
            </div>
          );
        }}
      </Show>
    </Page>
  );
}

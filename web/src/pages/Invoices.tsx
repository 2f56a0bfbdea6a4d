import { type Connection, graphql, useLoad } from "../api";
import { day, money, words } from "../format";
import { type Location, navigate } from "../router";
import type { Balance, Invoice } from "../types";
import { Badge, Empty, Head, Page, Pager, Show } from "../ui/page";
import QUERY from "../operations/Invoices.graphql?raw";


const STATUSES = ["UNPAID", "OPEN", "OVERDUE", "PAID"];

export function Invoices(props: { location: Location }) {
  const q = props.location.query;
  const current = { status: q.get("status"), account: q.get("account") };
  const variables = {
    account: current.account || undefined,
    filter: { status: current.status || undefined },
    after: q.get("after") || undefined,
  };
  const loaded = useLoad(
    () =>
      graphql<{ openBalance: { asOf: string; balances: Balance[] }; invoices: Connection<Invoice> }>(QUERY, variables).then(
        (r) => r.data,
      ),
    [q.toString()],
  );
  return (
    <Page title="Invoices">
      <form class="filters" aria-label="Filter invoices" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            name="status"
            value={current.status ?? ""}
            onChange={(e) => navigate("/invoices", { ...current, status: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option value={s}>{words(s)}</option>
            ))}
          </select>
        </label>
      </form>
      <Show loaded={loaded} what="invoices">
        {({ openBalance, invoices }) => (
          <>
            <div class="cards">
              {openBalance.balances.length === 0 ? (
                <p class="card">Nothing open. Balance as of {day(openBalance.asOf)}.</p>
              ) : (
                openBalance.balances.map((b) => (
                  <div class="card" key={b.currency}>
                    <h2>Open balance, {b.currency}</h2>
                    <p class="figure">
                      <strong>{money(b.openAmount, b.currency)}</strong> in {b.openCount} invoices
                    </p>
                    {b.overdueCount > 0 && (
                      <p class="bad">
                        {money(b.overdueAmount, b.currency)} overdue in {b.overdueCount}
                      </p>
                    )}
                  </div>
                ))
              )}
            </div>
            {invoices.nodes.length === 0 ? (
              <Empty>No invoices match.</Empty>
            ) : (
              <div class="table-wrap">
                <table data-loaded="invoices">
                  <Head columns={["Invoice", "Order", "Issued", "Due", "Status", { num: "Amount" }, "Document"]} />
                  <tbody>
                    {invoices.nodes.map((i) => (
                      <tr key={i.id}>
                        <th scope="row">
                          {i.id}
                          {i.kind !== "INVOICE" && <span class="muted"> {words(i.kind)}</span>}
                        </th>
                        <td>{i.orderId ? <a href={`#/orders/${i.orderId}`}>{i.orderId}</a> : "–"}</td>
                        <td>{day(i.issueDate)}</td>
                        <td>{day(i.dueDate)}</td>
                        <td>
                          <Badge value={i.status} />
                          {i.paidOn && <span class="muted"> {day(i.paidOn)}</span>}
                        </td>
                        <td class="num">{money(i.totals.gross, i.currency)}</td>
                        <td>
                          {i.document ? (
                            <a href={i.document.download.url} download={i.document.fileName}>
                              PDF<span class="visually-hidden"> of {i.id}</span>
                            </a>
                          ) : (
                            "–"
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager location={props.location} query={current} pageInfo={invoices.pageInfo} />
          </>
        )}
      </Show>
    </Page>
  );
}

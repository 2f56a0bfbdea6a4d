import { type Connection, graphql, useLoad } from "../api";
import { day, money, words } from "../format";
import { href, type Location, navigate } from "../router";
import type { OrderSummary } from "../types";
import { Badge, Empty, Head, Page, Pager, Show } from "../ui/page";
import QUERY from "../operations/Orders.graphql?raw";

export const ORDER_STATUSES = [
  "PENDING_APPROVAL",
  "SUBMITTED",
  "RECEIVED",
  "CONFIRMED",
  "IN_PRODUCTION",
  "PARTIALLY_SHIPPED",
  "SHIPPED",
  "DELIVERED",
  "INVOICED",
  "CANCELLED",
  "REJECTED",
];
const OPEN = ORDER_STATUSES.slice(0, 7);


const FILTERS = ["status", "from", "to", "po", "sku", "account"] as const;

export function Orders(props: { location: Location }) {
  const q = props.location.query;
  const status = q.get("status");
  const filter = {
    status: status === "open" ? OPEN : status ? [status] : undefined,
    from: q.get("from") || undefined,
    to: q.get("to") || undefined,
    po: q.get("po") || undefined,
    sku: q.get("sku") || undefined,
  };
  const variables = { account: q.get("account") || undefined, filter, after: q.get("after") || undefined };
  const loaded = useLoad(
    () => graphql<{ orders: Connection<OrderSummary> }>(QUERY, variables).then((r) => r.data.orders),
    [q.toString()],
  );
  const current = Object.fromEntries(FILTERS.map((f) => [f, q.get(f)]));
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate("/orders", Object.fromEntries(FILTERS.map((f) => [f, (form.get(f) as string) ?? current[f]])));
  };
  return (
    <Page title="Orders">
      <form class="filters" onSubmit={apply} aria-label="Filter orders">
        <label>
          Status
          <select name="status" value={status ?? ""}>
            <option value="">Any</option>
            <option value="open">Open</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s}>{words(s)}</option>
            ))}
          </select>
        </label>
        <label>
          From <input type="date" name="from" value={q.get("from") ?? ""} />
        </label>
        <label>
          To <input type="date" name="to" value={q.get("to") ?? ""} />
        </label>
        <label>
          PO number <input name="po" value={q.get("po") ?? ""} autoComplete="off" />
        </label>
        <label>
          SKU <input name="sku" value={q.get("sku") ?? ""} autoComplete="off" />
        </label>
        {q.get("account") && <input type="hidden" name="account" value={q.get("account") ?? ""} />}
        <button type="submit">Show</button>
      </form>
      <Show loaded={loaded} what="orders">
        {(orders) =>
          orders.nodes.length === 0 ? (
            <Empty>No orders match.</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table data-loaded="orders">
                  <caption class="visually-hidden">Orders, newest first</caption>
                  <Head columns={["Order", "PO number", "Date", "Status", { num: "Lines" }, { num: "Total" }]} />
                  <tbody>
                    {orders.nodes.map((o) => (
                      <tr key={o.id}>
                        <th scope="row">
                          <a href={href(`/orders/${o.id}`)}>{o.id}</a>
                        </th>
                        <td>{o.poNumber}</td>
                        <td>{day(o.orderDate)}</td>
                        <td>
                          <Badge value={o.status} />
                        </td>
                        <td class="num">{o.lineCount}</td>
                        <td class="num">{money(o.totals.gross, o.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager location={props.location} query={current} pageInfo={orders.pageInfo} />
            </>
          )
        }
      </Show>
    </Page>
  );
}

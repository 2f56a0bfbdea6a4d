import { type Connection, graphql, useLoad } from "../api";
import { day, money, number, percent } from "../format";
import { href } from "../router";
import type { Balance, Invoice, OrderSummary, Shipment, Suggestion } from "../types";
import { Badge, Empty, Page, Show } from "../ui/page";
import QUERY from "../operations/Dashboard.graphql?raw";

const OPEN = ["PENDING_APPROVAL", "SUBMITTED", "RECEIVED", "CONFIRMED", "IN_PRODUCTION", "PARTIALLY_SHIPPED", "SHIPPED"];


interface Data {
  openOrders: Connection<OrderSummary>;
  shipped: Connection<{ id: string; poNumber: string; shipments: Connection<Shipment> }>;
  openBalance: { asOf: string; balances: Balance[] };
  overdue: Connection<Invoice>;
  due: Connection<Suggestion>;
}

const MOVING = ["BOOKED", "PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "EXCEPTION"];

export function Dashboard() {
  const loaded = useLoad(() => graphql<Data>(QUERY, { open: OPEN }).then((r) => r.data), []);
  return (
    <Page title="Dashboard">
      <Show loaded={loaded} what="your dashboard">
        {(data) => {
          const inTransit = data.shipped.nodes.flatMap((o) =>
            o.shipments.nodes.filter((s) => MOVING.includes(s.status)).map((s) => ({ order: o, shipment: s })),
          );
          return (
            <div class="cards" data-loaded="dashboard">
              <section class="card" aria-labelledby="open-orders">
                <h2 id="open-orders">Open orders</h2>
                {data.openOrders.nodes.length === 0 ? (
                  <Empty>No open orders.</Empty>
                ) : (
                  <ul class="list">
                    {data.openOrders.nodes.map((o) => (
                      <li key={o.id}>
                        <a href={href(`/orders/${o.id}`)}>{o.id}</a> <span class="muted">PO {o.poNumber}</span>{" "}
                        <Badge value={o.status} /> <span class="num">{money(o.totals.gross, o.currency)}</span>
                      </li>
                    ))}
                  </ul>
                )}
                <a href={href("/orders", { status: "open" })}>All open orders</a>
              </section>

              <section class="card" aria-labelledby="in-transit">
                <h2 id="in-transit">Shipments on their way</h2>
                {inTransit.length === 0 ? (
                  <Empty>Nothing on its way.</Empty>
                ) : (
                  <ul class="list">
                    {inTransit.map(({ order, shipment }) => {
                      const latest = shipment.events[shipment.events.length - 1];
                      return (
                        <li key={shipment.id}>
                          <a href={href(`/orders/${order.id}`)}>{order.id}</a> {shipment.carrier} {shipment.trackingNumber}{" "}
                          <Badge value={shipment.status} />
                          {latest && (
                            <div class="muted">
                              {latest.description}, {latest.place}
                            </div>
                          )}
                          {shipment.eta && <div class="muted">Expected {day(shipment.eta)}</div>}
                        </li>
                      );
                    })}
                  </ul>
                )}
              </section>

              <section class="card" aria-labelledby="balance">
                <h2 id="balance">Open balance</h2>
                {data.openBalance.balances.length === 0 ? (
                  <Empty>Nothing to pay.</Empty>
                ) : (
                  data.openBalance.balances.map((b) => (
                    <p key={b.currency} class="figure">
                      <strong>{money(b.openAmount, b.currency)}</strong> open in {b.openCount} invoices
                      {b.overdueCount > 0 && (
                        <span class="bad">
                          {" "}
                          · {money(b.overdueAmount, b.currency)} overdue in {b.overdueCount}
                        </span>
                      )}
                    </p>
                  ))
                )}
                {data.overdue.nodes.length > 0 && (
                  <ul class="list">
                    {data.overdue.nodes.map((i) => (
                      <li key={i.id}>
                        {i.id} due {day(i.dueDate)} <span class="num">{money(i.totals.gross, i.currency)}</span>
                      </li>
                    ))}
                  </ul>
                )}
                <a href={href("/invoices", { status: "UNPAID" })}>Invoices</a>
              </section>

              <section class="card" aria-labelledby="due">
                <h2 id="due">Due for reorder</h2>
                {data.due.nodes.length === 0 ? (
                  <Empty>Nothing is due.</Empty>
                ) : (
                  <ul class="list">
                    {data.due.nodes.map((s) => (
                      <li key={s.sku}>
                        <a href={href(`/catalog/${s.sku}`)}>{s.sku}</a> <Badge value={s.status} /> {number(s.suggestedQuantity)} by{" "}
                        {day(s.expectedNextDate)} <span class="muted">({percent(s.pReorder)} likely)</span>
                      </li>
                    ))}
                  </ul>
                )}
                <a href={href("/reorder")}>All reorder suggestions</a>
              </section>
            </div>
          );
        }}
      </Show>
    </Page>
  );
}

import { useState } from "preact/hooks";
import { type ApiError, type Connection, graphql, required, useLoad } from "../api";
import { dateTime, day, money, number, words } from "../format";
import { href, navigate, type PageProps } from "../router";
import { canBuy, useMe } from "../session";
import { type DocumentRef, type Invoice, isStaff, type Shipment, type Totals } from "../types";
import { Documents } from "../ui/documents";
import { Badge, Empty, Failure, Head, Loading, Page, Show } from "../ui/page";
import CERTIFICATES from "../operations/LineCertificates.graphql?raw";
import ORDER_AGAIN from "../operations/OrderAgain.graphql?raw";
import QUERY from "../operations/OrderDetail.graphql?raw";


interface Line {
  lineNo: number;
  sku: string;
  description: string;
  quantity: string;
  unit: string;
  unitPrice: string;
  lineTotal: string;
  status: string;
  batch: string | null;
  product: { name: string } | null;
}

interface Order {
  id: string;
  accountId: string;
  poNumber: string;
  division: string;
  orderDate: string;
  requestedDelivery: string | null;
  confirmedDelivery: string | null;
  status: string;
  currency: string;
  shipTo: string | null;
  erpOrderNumber: string | null;
  totals: Totals;
  lines: Line[];
  statusHistory: { status: string; at: string; note: string | null }[];
  shipments: Connection<Shipment>;
  documents: Connection<DocumentRef>;
  invoices: Invoice[];
}

interface Moment {
  at: string;
  title: string;
  detail?: string;
  kind: "status" | "shipment" | "document" | "invoice";
}

/** Everything that happened to the order, oldest first. */
function timeline(order: Order): Moment[] {
  const moments: Moment[] = [
    ...order.statusHistory.map((c) => ({ at: c.at, title: words(c.status), detail: c.note ?? undefined, kind: "status" as const })),
    ...order.shipments.nodes.flatMap((s) =>
      s.events.map((e) => ({
        at: e.at,
        title: `${s.carrier} ${s.trackingNumber}: ${e.description}`,
        detail: e.place,
        kind: "shipment" as const,
      })),
    ),
    // Invoices show as themselves, below, not again as their documents.
    ...order.documents.nodes
      .filter((d) => !(order.invoices.length > 0 && (d.kind === "INVOICE" || d.kind === "CREDIT_NOTE")))
      .map((d) => ({ at: `${d.issuedOn}T00:00:00Z`, title: `${words(d.kind)}: ${d.title}`, kind: "document" as const })),
    ...order.invoices.map((i) => ({
      at: `${i.issueDate}T00:00:00Z`,
      title: `${words(i.kind)} ${i.id} issued`,
      detail: `${money(i.totals.gross, i.currency)}, due ${day(i.dueDate)}`,
      kind: "invoice" as const,
    })),
  ];
  return moments.sort((a, b) => a.at.localeCompare(b.at));
}


function LineCertificates(props: { order: string; line: number }) {
  const loaded = useLoad(
    () =>
      graphql<{ lineCertificates: Connection<DocumentRef> }>(CERTIFICATES, { order: props.order, line: props.line }).then(
        (r) => required(r, "lineCertificates").nodes,
      ),
    [props.order, props.line],
  );
  if (loaded.state === "loading") return <Loading what="certificates" />;
  if (loaded.state === "error") return <Failure error={loaded.error} />;
  return <Documents documents={loaded.data} empty="No certificates for this line." />;
}

export function OrderDetail(props: PageProps) {
  const id = props.params.id;
  const loaded = useLoad(() => graphql<{ order: Order | null }>(QUERY, { id }).then((r) => required(r, "order")), [id]);
  const [open, setOpen] = useState<number | null>(null);
  const [reorderError, setReorderError] = useState<ApiError | null>(null);
  const me = useMe();
  const reorder = async () => {
    setReorderError(null);
    try {
      const reply = await graphql<{ reorder: { cart: { id: string } } }>(
        ORDER_AGAIN,
        { id },
      );
      navigate(`/carts/${required(reply, "reorder").cart.id}`);
    } catch (e) {
      setReorderError(e as ApiError);
    }
  };
  return (
    <Page
      title={`Order ${id}`}
      actions={
        canBuy(me) &&
        !isStaff(me.role) && (
          <button type="button" onClick={reorder}>
            Order again
          </button>
        )
      }
    >
      {reorderError && <Failure error={reorderError} />}
      <Show loaded={loaded} what="the order">
        {(order) => (
          <div class="detail" data-loaded="order">
            <dl class="facts">
              <div>
                <dt>Status</dt>
                <dd>
                  <Badge value={order.status} />
                </dd>
              </div>
              <div>
                <dt>PO number</dt>
                <dd>{order.poNumber}</dd>
              </div>
              <div>
                <dt>Ordered</dt>
                <dd>{day(order.orderDate)}</dd>
              </div>
              <div>
                <dt>Delivery</dt>
                <dd>{order.confirmedDelivery ? `${day(order.confirmedDelivery)} (confirmed)` : day(order.requestedDelivery)}</dd>
              </div>
              <div>
                <dt>Total</dt>
                <dd>
                  {money(order.totals.gross, order.currency)} <span class="muted">({money(order.totals.net, order.currency)} net)</span>
                </dd>
              </div>
              {order.shipTo && (
                <div>
                  <dt>Ship to</dt>
                  <dd>{order.shipTo}</dd>
                </div>
              )}
            </dl>

            <h2>Lines</h2>
            <div class="table-wrap">
              <table>
                <Head columns={["#", "Product", { num: "Quantity" }, { num: "Price" }, { num: "Total" }, "Status", "Certificates"]} />
                <tbody>
                  {order.lines.map((l) => (
                    <>
                      <tr key={l.lineNo}>
                        <td>{l.lineNo}</td>
                        <td>
                          <a href={href(`/catalog/${l.sku}`)}>{l.sku}</a> {l.product?.name ?? l.description}
                          {l.batch && <div class="muted">Batch {l.batch}</div>}
                        </td>
                        <td class="num">
                          {number(l.quantity)} {l.unit}
                        </td>
                        <td class="num">{money(l.unitPrice, order.currency)}</td>
                        <td class="num">{money(l.lineTotal, order.currency)}</td>
                        <td>
                          <Badge value={l.status} />
                        </td>
                        <td>
                          <button
                            type="button"
                            class="link"
                            aria-expanded={open === l.lineNo}
                            onClick={() => setOpen(open === l.lineNo ? null : l.lineNo)}
                          >
                            {open === l.lineNo ? "Hide" : "Show"}
                            <span class="visually-hidden"> certificates of line {l.lineNo}</span>
                          </button>
                        </td>
                      </tr>
                      {open === l.lineNo && (
                        <tr class="expanded">
                          <td colSpan={7}>
                            <LineCertificates order={order.id} line={l.lineNo} />
                          </td>
                        </tr>
                      )}
                    </>
                  ))}
                </tbody>
              </table>
            </div>

            <div class="columns">
              <section aria-labelledby="timeline">
                <h2 id="timeline">Timeline</h2>
                <ol class="timeline">
                  {timeline(order).map((m, i) => (
                    <li key={i} class={m.kind}>
                      <time dateTime={m.at}>{m.kind === "status" || m.kind === "shipment" ? dateTime(m.at) : day(m.at.slice(0, 10))}</time>
                      <strong>{m.title}</strong>
                      {m.detail && <span class="muted"> {m.detail}</span>}
                    </li>
                  ))}
                </ol>
              </section>
              <section aria-labelledby="documents">
                <h2 id="documents">Documents</h2>
                <Documents documents={order.documents.nodes} />
                <h2>Shipments</h2>
                {order.shipments.nodes.length === 0 ? (
                  <Empty>Not shipped yet.</Empty>
                ) : (
                  <ul class="list">
                    {order.shipments.nodes.map((s) => (
                      <li key={s.id}>
                        {s.carrier} {s.trackingNumber} <Badge value={s.status} />
                        <div class="muted">
                          Shipped {day(s.shippedOn)}
                          {s.deliveredAt ? `, delivered ${dateTime(s.deliveredAt)}` : s.eta ? `, expected ${day(s.eta)}` : ""}
                        </div>
                      </li>
                    ))}
                  </ul>
                )}
                <h2>Invoices</h2>
                {order.invoices.length === 0 ? (
                  <Empty>Not invoiced yet.</Empty>
                ) : (
                  <ul class="list">
                    {order.invoices.map((i) => (
                      <li key={i.id}>
                        {i.id} <Badge value={i.status} /> {money(i.totals.gross, i.currency)}, due {day(i.dueDate)}
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </div>
          </div>
        )}
      </Show>
    </Page>
  );
}

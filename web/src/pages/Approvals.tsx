import { useState } from "preact/hooks";
import { ApiError, type Connection, graphql, required, useLoad } from "../api";
import { dateTime, money } from "../format";
import { href } from "../router";
import { canApprove, useMe } from "../session";
import { Empty, Failure, Head, Page, Show } from "../ui/page";
import QUERY from "../operations/Approvals.graphql?raw";
import APPROVE from "../operations/ApproveOrder.graphql?raw";
import REJECT from "../operations/RejectOrder.graphql?raw";

interface Pending {
  orderId: string;
  total: string;
  currency: string;
  placedBy: string;
  placedAt: string;
  reasons: string[];
  order: { poNumber: string; lineCount: number; placed: { version: number } | null } | null;
}


export function Approvals() {
  const me = useMe();
  const loaded = useLoad(() => graphql<{ approvals: Connection<Pending> }>(QUERY).then((r) => r.data.approvals.nodes), []);
  const [decided, setDecided] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const decide = async (p: Pending, decision: "approveOrder" | "rejectOrder") => {
    setError(null);
    try {
      const reply = await graphql<Record<string, { status: string }>>(decision === "approveOrder" ? APPROVE : REJECT, {
        id: p.orderId,
        version: p.order?.placed?.version ?? 1,
      });
      const order = required(reply, decision);
      setDecided((d) => ({ ...d, [p.orderId]: order.status }));
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <Page title="Approvals">
      {error && <Failure error={error} />}
      <Show loaded={loaded} what="orders waiting for approval">
        {(pending) =>
          pending.length === 0 ? (
            <Empty>No order waits for approval.</Empty>
          ) : (
            <div class="table-wrap">
              <table data-loaded="approvals">
                <Head columns={["Order", "Placed", { num: "Total" }, "Why it waits", "Decision"]} />
                <tbody>
                  {pending.map((p) => (
                    <tr key={p.orderId}>
                      <th scope="row">
                        <a href={href(`/orders/${p.orderId}`)}>{p.orderId}</a>
                        {p.order && <div class="muted">PO {p.order.poNumber}</div>}
                      </th>
                      <td>
                        {dateTime(p.placedAt)} <span class="muted">by {p.placedBy}</span>
                      </td>
                      <td class="num">{money(p.total, p.currency)}</td>
                      <td>{p.reasons.join("; ")}</td>
                      <td>
                        {decided[p.orderId] ? (
                          <span role="status">{decided[p.orderId].toLowerCase().replace(/_/g, " ")}</span>
                        ) : canApprove(me) ? (
                          <span class="actions">
                            <button type="button" onClick={() => decide(p, "approveOrder")}>
                              Approve<span class="visually-hidden"> {p.orderId}</span>
                            </button>{" "}
                            <button type="button" class="secondary" onClick={() => decide(p, "rejectOrder")}>
                              Reject<span class="visually-hidden"> {p.orderId}</span>
                            </button>
                          </span>
                        ) : (
                          <span class="muted">waits for an approver</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </Page>
  );
}

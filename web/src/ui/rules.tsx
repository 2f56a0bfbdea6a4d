import { useState } from "preact/hooks";
import { ApiError, graphql, useLoad } from "../api";
import QUERY from "../operations/CheckoutRules.graphql?raw";
import SET from "../operations/SetCheckoutRules.graphql?raw";
import { useMe } from "../session";
import { dateTime, money } from "../format";
import { Empty, Failure, Head, Show } from "./page";

interface Settings {
  accountId: string;
  currency: string;
  approvalThreshold: string | null;
  poRequired: boolean;
  version: number;
}

interface Limit {
  userId: string;
  monthlyLimit: string;
  currency: string;
  month: string;
  spent: string;
  setBy: string;
  setAt: string;
}

/** An account's checkout rules (approval threshold, PO numbers) and its buyers' monthly
 * limits; the seller's admins and the account's admins change the rules (the API decides). */
export function CheckoutRules(props: { account: string }) {
  const me = useMe();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const loaded = useLoad(
    () =>
      graphql<{ checkoutSettings: Settings | null; spendingLimits: { items: Limit[] } | null }>(QUERY, {
        account: props.account,
      }).then((r) => {
        setSettings(r.data.checkoutSettings);
        return r.data;
      }),
    [props.account],
  );
  const save = async (event: Event) => {
    event.preventDefault();
    if (!settings) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const threshold = (form.get("threshold") as string).trim();
    setError(null);
    setSaved(false);
    try {
      const reply = await graphql<{ setCheckoutSettings: Settings }>(SET, {
        account: props.account,
        version: settings.version,
        settings: { approvalThreshold: threshold || null, poRequired: form.get("po") === "on" },
      });
      setSettings(reply.data.setCheckoutSettings);
      setSaved(true);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <section aria-labelledby="rules">
      <h2 id="rules">Checkout rules</h2>
      <Show loaded={loaded} what="the checkout rules">
        {(data) => (
          <div data-loaded="rules">
            {settings &&
              (me.role === "ADMIN" || me.role === "ACCOUNT_ADMIN" ? (
                <form class="filters" onSubmit={save} aria-label="Checkout rules">
                  <label>
                    Approval above ({settings.currency})
                    <input name="threshold" inputMode="decimal" value={settings.approvalThreshold ?? ""} placeholder="none" />
                  </label>
                  <label class="check">
                    <input type="checkbox" name="po" checked={settings.poRequired} /> PO number required
                  </label>
                  <button type="submit">Save rules</button>
                  {saved && (
                    <span role="status" class="muted">
                      Saved (version {settings.version}).
                    </span>
                  )}
                </form>
              ) : (
                <p>
                  {settings.approvalThreshold
                    ? `Orders above ${money(settings.approvalThreshold, settings.currency)} wait for an approver.`
                    : "No order waits for approval."}{" "}
                  {settings.poRequired ? "A PO number is required." : "PO numbers are optional."}
                </p>
              ))}
            {error && <Failure error={error} />}
            {!data.spendingLimits || data.spendingLimits.items.length === 0 ? (
              <Empty>No buyer has a monthly limit.</Empty>
            ) : (
              <div class="table-wrap">
                <table>
                  <Head columns={["Buyer", { num: "Monthly limit" }, { num: "Spent this month" }, "Set"]} />
                  <tbody>
                    {data.spendingLimits.items.map((l) => (
                      <tr key={l.userId}>
                        <th scope="row">{l.userId}</th>
                        <td class="num">{money(l.monthlyLimit, l.currency)}</td>
                        <td class="num">{money(l.spent, l.currency)}</td>
                        <td>
                          {dateTime(l.setAt)} <span class="muted">by {l.setBy}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
      </Show>
    </section>
  );
}

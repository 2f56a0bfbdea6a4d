import { day, number, percent } from "../format";
import { href } from "../router";
import type { Suggestion } from "../types";
import { Badge, Empty, Head } from "./page";

/** Reorder suggestions with their reasons; `chart` links each to its order-rhythm chart. */
export function Suggestions(props: { suggestions: Suggestion[]; chart?: (s: Suggestion) => string }) {
  if (props.suggestions.length === 0) return <Empty>No suggestions.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <Head columns={["Product", "Status", "Last ordered", "Expected next", { num: "Suggested" }, { num: "Likelihood" }, "Why"]} />
        <tbody>
          {props.suggestions.map((s) => (
            <tr key={`${s.accountId}-${s.sku}`}>
              <th scope="row">
                <a href={props.chart ? props.chart(s) : href(`/catalog/${s.sku}`)}>{s.sku}</a>
              </th>
              <td>
                <Badge value={s.status} />
              </td>
              <td>{day(s.lastOrderDate)}</td>
              <td>{day(s.expectedNextDate)}</td>
              <td class="num">{number(s.suggestedQuantity)}</td>
              <td class="num">{percent(s.pReorder)}</td>
              <td class="reason">{s.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { day, number, percent } from "../format";
import { href } from "../router";
import type { Suggestion } from "../types";
import { Badge, Empty } from "./page";

/** Reorder suggestions with their reasons; `chart` links each to its order-rhythm chart. */
export function Suggestions(props: { suggestions: Suggestion[]; chart?: (s: Suggestion) => string }) {
  if (props.suggestions.length === 0) return <Empty>No suggestions.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Status</th>
            <th scope="col">Last ordered</th>
            <th scope="col">Expected next</th>
            <th scope="col" class="num">
              Suggested
            </th>
            <th scope="col" class="num">
              Likelihood
            </th>
            <th scope="col">Why</th>
          </tr>
        </thead>
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

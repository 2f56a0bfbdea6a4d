import { graphql, required, useLoad } from "../api";
import { dateTime, day, number, percent, words } from "../format";
import { Head, Page, Show } from "../ui/page";
import QUERY from "../operations/AnalyticsRun.graphql?raw";


interface ClassMetrics {
  series: number;
  rmsse: number;
  scaled_pinball: number;
  bias: number;
}

interface Report {
  input?: { accounts: number; skus: number; lines_used: number; first_order_date: string; last_order_date_used: string };
  metrics?: {
    forecast?: Record<string, ClassMetrics>;
    reorder?: { calibrated?: { pr_auc: number; roc_auc: number; brier: number; calibration_error: number } };
    accounts?: { precision: number; recall: number; at_risk: number };
  };
}

export function Analytics() {
  const loaded = useLoad(
    () =>
      graphql<{ analyticsRun: { runId: string; asOf: string; publishedAt: string; report: Report } | null }>(QUERY).then((r) =>
        required(r, "analyticsRun"),
      ),
    [],
  );
  return (
    <Page title="Forecast accuracy">
      <Show loaded={loaded} what="the analytics run">
        {(run) => {
          const forecast = Object.entries(run.report.metrics?.forecast ?? {}).sort(([a], [b]) =>
            a === "all" ? 1 : b === "all" ? -1 : a.localeCompare(b),
          );
          const reorder = run.report.metrics?.reorder?.calibrated;
          const input = run.report.input;
          return (
            <div class="detail" data-loaded="analytics">
              <p>
                Run {run.runId}, published {dateTime(run.publishedAt)}, from order history before {day(run.asOf)}
                {input && (
                  <>
                    : {number(input.lines_used)} order lines of {input.accounts} accounts and {input.skus} SKUs since{" "}
                    {day(input.first_order_date)}
                  </>
                )}
                .
              </p>
              <h2>Backtest accuracy by demand class</h2>
              <p class="muted">
                RMSSE below 1 beats the naive forecast; the scaled pinball loss scores the quantiles; bias is the mean error, scaled.
              </p>
              <div class="table-wrap">
                <table>
                  <Head columns={["Demand class", { num: "Series" }, { num: "RMSSE" }, { num: "Scaled pinball" }, { num: "Bias" }]} />
                  <tbody>
                    {forecast.map(([name, m]) => (
                      <tr key={name}>
                        <th scope="row">{name === "all" ? "All" : words(name)}</th>
                        <td class="num">{m.series}</td>
                        <td class="num">{number(m.rmsse)}</td>
                        <td class="num">{number(m.scaled_pinball)}</td>
                        <td class="num">{number(m.bias)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {reorder && (
                <>
                  <h2>Reorder predictions</h2>
                  <dl class="facts">
                    <div>
                      <dt>PR-AUC</dt>
                      <dd>{number(reorder.pr_auc)}</dd>
                    </div>
                    <div>
                      <dt>ROC-AUC</dt>
                      <dd>{number(reorder.roc_auc)}</dd>
                    </div>
                    <div>
                      <dt>Brier score</dt>
                      <dd>{number(reorder.brier)}</dd>
                    </div>
                    <div>
                      <dt>Calibration error</dt>
                      <dd>{percent(reorder.calibration_error)}</dd>
                    </div>
                  </dl>
                </>
              )}
            </div>
          );
        }}
      </Show>
    </Page>
  );
}

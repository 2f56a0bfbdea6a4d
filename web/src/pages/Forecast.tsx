import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { type Connection, graphql, required, useLoad } from "../api";
import { Chart, seconds } from "../charts/chart";
import { day, number, words } from "../format";
import { href, type Location, navigate, type PageProps } from "../router";
import { Empty, Head, Page, Pager, Show } from "../ui/page";
import LIST from "../operations/Forecasts.graphql?raw";
import ONE from "../operations/Forecast.graphql?raw";

interface Period {
  periodStart: string;
  mean: number;
  q50: number;
  q90: number;
  q95: number;
}

interface SkuForecast {
  sku: string;
  division: string | null;
  bucket: string;
  method: string;
  demandClass: string;
  periods: Period[];
  history: { periodStart: string; demand: number }[];
}


export function Forecasts(props: { location: Location }) {
  const q = props.location.query;
  const prefix = q.get("sku") ?? "";
  const loaded = useLoad(
    () =>
      graphql<{ forecasts: Connection<SkuForecast> & { runId: string; asOf: string } }>(LIST, {
        skuPrefix: prefix || undefined,
        after: q.get("after") || undefined,
      }).then((r) => r.data.forecasts),
    [q.toString()],
  );
  return (
    <Page title="Forecasts">
      <form
        class="filters"
        role="search"
        aria-label="Find a SKU's forecast"
        onSubmit={(e) => {
          e.preventDefault();
          navigate("/forecasts", { sku: new FormData(e.currentTarget as HTMLFormElement).get("sku") as string });
        }}
      >
        <label>
          SKU starts with <input name="sku" value={prefix} autoComplete="off" />
        </label>
        <button type="submit">Find</button>
      </form>
      <Show loaded={loaded} what="forecasts">
        {(page) =>
          page.nodes.length === 0 ? (
            <Empty>No forecasts match.</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table data-loaded="forecasts">
                  <Head columns={["SKU", "Division", "Demand", "Method", { num: "Next period (mean)" }]} />
                  <tbody>
                    {page.nodes.map((f) => (
                      <tr key={`${f.sku}-${f.division ?? ""}`}>
                        <th scope="row">
                          <a href={href(`/forecasts/${f.sku}`, { division: f.division })}>{f.sku}</a>
                        </th>
                        <td>{f.division ?? "all"}</td>
                        <td>{words(f.demandClass)}</td>
                        <td>{f.method}</td>
                        <td class="num">{number(f.periods[0]?.mean)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager location={props.location} query={{ sku: prefix }} pageInfo={page.pageInfo} />
            </>
          )
        }
      </Show>
    </Page>
  );
}


/** The fan: the past demand, then q50 as the line with bands up to q90 and q95, the mean
 * dashed. The forecast starts at the last past period, so the two lines meet. */
function FanChart(props: { forecast: SkuForecast }) {
  const f = props.forecast;
  const { data, options } = useMemo(() => {
    const past = f.history;
    const last = past[past.length - 1];
    const none = past.map(() => null);
    // The fan starts from the last known period, so the two parts join.
    const join = (value: (p: Period) => number) => [...none.slice(1), last ? last.demand : null, ...f.periods.map(value)];
    const data: uPlot.AlignedData = [
      [...past.map((p) => seconds(p.periodStart)), ...f.periods.map((p) => seconds(p.periodStart))],
      [...past.map((p) => p.demand), ...f.periods.map(() => null)],
      past.length ? join((p) => p.q95) : f.periods.map((p) => p.q95),
      past.length ? join((p) => p.q90) : f.periods.map((p) => p.q90),
      past.length ? join((p) => p.q50) : f.periods.map((p) => p.q50),
      past.length ? join((p) => p.mean) : f.periods.map((p) => p.mean),
    ];
    const options: Omit<uPlot.Options, "width" | "height"> = {
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      series: [
        {},
        { label: "Demand", stroke: "#1b1f24", width: 2 },
        { label: "q95", stroke: "rgba(31,95,168,0.35)", width: 1 },
        { label: "q90", stroke: "rgba(31,95,168,0.6)", width: 1 },
        { label: "q50", stroke: "#1f5fa8", width: 2 },
        { label: "Mean", stroke: "#c2410c", width: 2, dash: [6, 4] },
      ],
      bands: [
        { series: [2, 3], fill: "rgba(31,95,168,0.12)" },
        { series: [3, 4], fill: "rgba(31,95,168,0.25)" },
      ],
      axes: [{}, { label: `Demand per ${f.bucket}` }],
    };
    return { data, options };
  }, [f]);
  return (
    <Chart
      label={`Demand of ${f.sku}${f.division ? ` in ${f.division}` : ""} over the last ${f.history.length} periods, and its forecast for the next ${f.periods.length}: median, 90 % and 95 % quantiles and mean`}
      options={options}
      data={data}
    >
      <table>
        <Head columns={["Period", { num: "Mean" }, { num: "q50" }, { num: "q90" }, { num: "q95" }]} />
        <tbody>
          {f.history.map((p) => (
            <tr key={p.periodStart}>
              <td>{day(p.periodStart)}</td>
              <td class="num" colSpan={4}>
                {number(p.demand)} ordered
              </td>
            </tr>
          ))}
          {f.periods.map((p) => (
            <tr key={p.periodStart}>
              <td>{day(p.periodStart)}</td>
              <td class="num">{number(p.mean)}</td>
              <td class="num">{number(p.q50)}</td>
              <td class="num">{number(p.q90)}</td>
              <td class="num">{number(p.q95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Chart>
  );
}

export function ForecastPage(props: PageProps) {
  const sku = props.params.sku;
  const division = props.location.query.get("division");
  const loaded = useLoad(
    () =>
      graphql<{ forecast: { runId: string; asOf: string; forecasts: SkuForecast[] } | null }>(ONE, { sku }).then((r) =>
        required(r, "forecast"),
      ),
    [sku],
  );
  return (
    <Page title={`Forecast of ${sku}`}>
      <Show loaded={loaded} what="the forecast">
        {(run) => {
          const chosen = run.forecasts.find((f) => f.division === division) ?? run.forecasts[0];
          if (!chosen) return <Empty>No forecast for this SKU in run {run.runId}.</Empty>;
          return (
            <div class="detail" data-loaded="forecast">
              <dl class="facts">
                <div>
                  <dt>Demand class</dt>
                  <dd>{words(chosen.demandClass)}</dd>
                </div>
                <div>
                  <dt>Method</dt>
                  <dd>{chosen.method}</dd>
                </div>
                <div>
                  <dt>Run</dt>
                  <dd>
                    {run.runId}, history before {day(run.asOf)}
                  </dd>
                </div>
              </dl>
              <nav aria-label="Division" class="tabs">
                {run.forecasts.map((f) => (
                  <a
                    key={f.division ?? "all"}
                    href={href(`/forecasts/${sku}`, { division: f.division })}
                    aria-current={f === chosen ? "page" : undefined}
                  >
                    {f.division ?? "All divisions"}
                  </a>
                ))}
              </nav>
              <FanChart forecast={chosen} />
            </div>
          );
        }}
      </Show>
    </Page>
  );
}

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** A uPlot chart sized to its container, redrawn when `data` changes. `label` describes it for
 * screen readers; `children` is the same data as a table, for everyone who cannot see it. */
export function Chart(props: {
  label: string;
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  height?: number;
  children?: ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot({ ...props.options, width: width(), height: props.height ?? 280 }, props.data, element);
    const resized = new ResizeObserver(() => plot.setSize({ width: width(), height: props.height ?? 280 }));
    resized.observe(element);
    element.dataset.drawn = String(props.data[0].length);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [props.data, props.options]);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={props.label} class="chart-box" />
      {props.children && (
        <details>
          <summary>The figures</summary>
          {props.children}
        </details>
      )}
    </figure>
  );
}

/** Seconds since the epoch of a day (`2026-03-01`), as uPlot's time axis wants. */
export function seconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

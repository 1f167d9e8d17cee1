// Chart.js for the insights screen, tree-shaken as lib/chart.ts does (that one draws the app's
// daily flows only): the bar and line pieces registered, loaded when the screen first draws.
// Colours come from CSS variables (console.css), read at each draw, so a theme change redraws in
// the theme's colours. Chart.js sizes the canvas through the CSSOM, which the console's CSP allows.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { formatNumber, t } from "../lib/i18n.svelte";
import { formatPercent1 } from "./format";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

export interface Series {
  label: string;
  data: (number | null)[];
  /** A CSS variable holding its colour (`--chart-rate`). */
  color: string;
}

export interface ChartSpec {
  kind: "line" | "bar";
  labels: string[];
  series: Series[];
  /** Bars stacked on one another (the decisions). */
  stacked?: boolean;
  /** Bars along the horizontal axis (the reasons). */
  horizontal?: boolean;
  /** Values are percentages. */
  percent?: boolean;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function config(spec: ChartSpec): ChartConfiguration {
  const text = cssVar("--muted");
  const grid = cssVar("--border");
  const value = (v: number) => (spec.percent ? formatPercent1(v) : formatNumber(v));
  const valueAxis = {
    beginAtZero: true,
    stacked: spec.stacked ?? false,
    ticks: { color: text, precision: spec.percent ? undefined : 0, callback: (v: string | number) => value(Number(v)) },
    grid: { color: grid },
  };
  const categoryAxis = { stacked: spec.stacked ?? false, ticks: { color: text, maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false } };
  return {
    type: spec.kind,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => {
        const color = cssVar(s.color);
        return spec.kind === "line"
          ? { label: s.label, data: s.data, borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2, spanGaps: false }
          : { label: s.label, data: s.data, backgroundColor: color, borderRadius: 2, maxBarThickness: 28 };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      interaction: { mode: "index", intersect: false },
      scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      plugins: {
        legend: { display: spec.series.length > 1, labels: { color: text, boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: (c) => {
              const v = spec.horizontal ? c.parsed.x : c.parsed.y;
              return t("console-chart-tooltip", { series: c.dataset.label ?? "", value: v === null || v === undefined ? "–" : value(v) });
            },
          },
        },
      },
    },
  } as ChartConfiguration;
}

/** Draws `spec` on `canvas`; `destroy` frees it (before the canvas goes, or a redraw). */
export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): { destroy: () => void } {
  const chart = new Chart(canvas, config(spec));
  return { destroy: () => chart.destroy() };
}

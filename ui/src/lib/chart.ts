// Chart.js, tree-shaken: only the bar chart pieces are registered. Loaded lazily by FlowChart.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import type { DayFlow } from "./bindings/DayFlow";
import { flowSeries } from "./chartdata";
import { t } from "./i18n.svelte";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function drawFlows(canvas: HTMLCanvasElement, flows: DayFlow[]) {
  const s = flowSeries(flows);
  const text = cssVar("--muted");
  const grid = cssVar("--border");
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: s.labels,
      datasets: [
        { label: t("chart-spent"), data: s.spent, backgroundColor: cssVar("--chart-spent"), borderRadius: 3, maxBarThickness: 14 },
        { label: t("chart-refunded"), data: s.refunded, backgroundColor: cssVar("--chart-refunded"), borderRadius: 3, maxBarThickness: 14 },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { color: text, maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
      },
      plugins: {
        legend: { labels: { color: text, boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => t("chart-tooltip", { series: c.dataset.label ?? "", count: c.parsed.y ?? 0 }) } },
      },
    },
  });
  return {
    update(next: DayFlow[]) {
      const n = flowSeries(next);
      chart.data.labels = n.labels;
      chart.data.datasets[0]!.data = n.spent;
      chart.data.datasets[1]!.data = n.refunded;
      // The language may have changed since the chart was drawn.
      chart.data.datasets[0]!.label = t("chart-spent");
      chart.data.datasets[1]!.label = t("chart-refunded");
      chart.update();
    },
    destroy() {
      chart.destroy();
    },
  };
}

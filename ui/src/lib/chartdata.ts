// The numbers behind the daily flows chart (kept apart from Chart.js so they can be tested).
import type { DayFlow } from "./bindings/DayFlow";
import { formatDay, t } from "./i18n.svelte";

export interface FlowSeries {
  labels: string[];
  spent: number[];
  refunded: number[];
  totalSpent: number;
  totalRefunded: number;
  /** A sentence for screen readers. */
  summary: string;
}

/** "2025-03-07" → "Mar 7" / "7 mars" (UTC date, no time zone shift). */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  return formatDay(new Date(Date.UTC(y, m - 1, d)));
}

export function flowSeries(flows: DayFlow[]): FlowSeries {
  const totalSpent = flows.reduce((a, f) => a + f.spent, 0);
  const totalRefunded = flows.reduce((a, f) => a + f.refunded, 0);
  const busiest = flows.reduce<DayFlow | null>((best, f) => (!best || f.spent > best.spent ? f : best), null);
  const summary =
    flows.length === 0
      ? t("chart-summary-empty")
      : busiest && busiest.spent > 0
        ? t("chart-summary-busiest", { days: flows.length, spent: totalSpent, refunded: totalRefunded, busiest: dayLabel(busiest.day), busiestSpent: busiest.spent })
        : t("chart-summary", { days: flows.length, spent: totalSpent, refunded: totalRefunded });
  return {
    labels: flows.map((f) => dayLabel(f.day)),
    spent: flows.map((f) => f.spent),
    refunded: flows.map((f) => f.refunded),
    totalSpent,
    totalRefunded,
    summary,
  };
}

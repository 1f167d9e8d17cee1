// The numbers behind the daily flows chart (kept apart from Chart.js so they can be tested).
import type { DayFlow } from "./bindings/DayFlow";

export interface FlowSeries {
  labels: string[];
  spent: number[];
  refunded: number[];
  totalSpent: number;
  totalRefunded: number;
  /** A sentence for screen readers. */
  summary: string;
}

/** "2025-03-07" → "7 Mar" (UTC date, no time zone shift). */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${d} ${months[m - 1]}`;
}

export function flowSeries(flows: DayFlow[]): FlowSeries {
  const totalSpent = flows.reduce((a, f) => a + f.spent, 0);
  const totalRefunded = flows.reduce((a, f) => a + f.refunded, 0);
  const busiest = flows.reduce<DayFlow | null>((best, f) => (!best || f.spent > best.spent ? f : best), null);
  const summary =
    flows.length === 0
      ? "No credit movements in the last 30 days."
      : `Over ${flows.length} days, ${totalSpent} credits spent and ${totalRefunded} refunded` +
        (busiest && busiest.spent > 0 ? `; the busiest day was ${dayLabel(busiest.day)} with ${busiest.spent} spent.` : ".");
  return {
    labels: flows.map((f) => dayLabel(f.day)),
    spent: flows.map((f) => f.spent),
    refunded: flows.map((f) => f.refunded),
    totalSpent,
    totalRefunded,
    summary,
  };
}

// The insights screen's arithmetic, kept apart from the page and from Chart.js so it can be
// tested: the period in the hash (`#/insights?from=…&to=…&feature=…&platform=…`), whole UTC days,
// the presets, the bad-result rate (reports / delivered; no rate at all on a day with nothing
// delivered, never a division by zero), and the per-day series the charts draw.
import type { InsightCounts } from "../lib/bindings/InsightCounts";
import type { InsightDay } from "../lib/bindings/InsightDay";
import type { InsightQuery } from "../lib/bindings/InsightQuery";
import { isFeature, isPlatform } from "./labels";

/** Most days one request covers: recoup_api::console::INSIGHT_DAYS_MAX. */
export const INSIGHT_DAYS_MAX = 800;

/** The period presets, in days ending today (the endpoint's default period is the 30 days). */
export const PRESETS = [7, 30, 90, 365] as const;
export type Preset = (typeof PRESETS)[number];

const DAY_MS = 86_400_000;

/** Whether `s` is a real calendar day written `YYYY-MM-DD` (not 2026-02-30). */
export function isIsoDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** The UTC day of an instant (ms since the epoch), `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** `day` moved by `n` days (UTC, so no daylight-saving hour is lost). */
export function addDays(day: string, n: number): string {
  return utcDay(dayMs(day) + n * DAY_MS);
}

/** How many days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daysIncluded(from: string, to: string): number {
  return Math.max(0, Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1);
}

/** The last `days` days, today included. */
export function presetRange(days: number, today: string): { from: string; to: string } {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** The preset a period is, if it is one (it ends today and spans exactly that many days). */
export function presetOf(from: string, to: string, today: string): Preset | null {
  if (to !== today) return null;
  return PRESETS.find((n) => daysIncluded(from, to) === n) ?? null;
}

/** What is wrong with a period typed in the picker, or null when the endpoint can answer it. */
export type PeriodProblem = "from-invalid" | "to-invalid" | "order" | "too-long";
export function periodProblem(from: string, to: string): PeriodProblem | null {
  if (!isIsoDay(from)) return "from-invalid";
  if (!isIsoDay(to)) return "to-invalid";
  if (from > to) return "order";
  if (daysIncluded(from, to) > INSIGHT_DAYS_MAX) return "too-long";
  return null;
}

/**
 * The period and narrowing in a query string, keeping only what the endpoint would accept:
 * real days, a `from` not after `to` and at most INSIGHT_DAYS_MAX days before it (else `from`
 * is dropped and the endpoint's default applies), known features and platforms.
 */
export function parseInsightQuery(query: string): InsightQuery {
  const p = new URLSearchParams(query);
  const out: InsightQuery = {};
  const from = p.get("from");
  const to = p.get("to");
  if (to !== null && isIsoDay(to)) out.to = to;
  if (from !== null && isIsoDay(from) && (out.to === undefined || periodProblem(from, out.to) === null)) out.from = from;
  const feature = p.get("feature");
  if (feature !== null && isFeature(feature)) out.feature = feature;
  const platform = p.get("platform");
  if (platform !== null && isPlatform(platform)) out.platform = platform;
  return out;
}

/** The query as a string in a fixed order (the hash's and the API's). */
export function insightQueryString(q: InsightQuery): string {
  const p = new URLSearchParams();
  if (q.from) p.set("from", q.from);
  if (q.to) p.set("to", q.to);
  if (q.feature) p.set("feature", q.feature);
  if (q.platform) p.set("platform", q.platform);
  return p.toString();
}

/** `#/insights` with the query. */
export function insightsHash(q: InsightQuery): string {
  const s = insightQueryString(q);
  return s ? `#/insights?${s}` : "#/insights";
}

/**
 * The bad-result rate in percent: reports / delivered × 100, or null when nothing was delivered
 * (a report can come in on a day after its generation was delivered, so a day's rate may pass
 * 100 %; with nothing delivered that day there is no rate to draw, not an infinite one).
 */
export function ratePercent(c: Pick<InsightCounts, "reports" | "delivered">): number | null {
  if (!(c.delivered > 0)) return null;
  return (c.reports / c.delivered) * 100;
}

/** A rate rounded to one decimal, as the tables and the CSV give it (null stays null). */
export function round1(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}

/** The per-day rate series (null: a gap in the line). */
export function rateSeries(days: readonly InsightDay[]): (number | null)[] {
  return days.map((d) => ratePercent(d.counts));
}

/** The four decisions per day, in the stacked chart's order. */
export const DECISIONS = ["refunded_auto", "refused_auto", "refunded_reviewed", "refused_reviewed"] as const;
export type Decision = (typeof DECISIONS)[number];

export function decisionSeries(days: readonly InsightDay[]): Record<Decision, number[]> {
  return {
    refunded_auto: days.map((d) => d.counts.refunded_auto),
    refused_auto: days.map((d) => d.counts.refused_auto),
    refunded_reviewed: days.map((d) => d.counts.refunded_reviewed),
    refused_reviewed: days.map((d) => d.counts.refused_reviewed),
  };
}

/** Reports refused, at once or after a review. */
export const refused = (c: InsightCounts): number => c.refused_auto + c.refused_reviewed;

/** The share of the way to a limit, 0..100, for a meter (100 and over: at the limit). */
export function clampPercent(v: number): number {
  return Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : 0;
}

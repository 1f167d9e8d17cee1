// Formatting that the screens share, in the language in force (i18n.svelte.ts): words from the
// catalogs, dates and numbers from Intl. Tested in tests/format.test.ts and tests/i18n.test.ts.
import { formatDateTimeIntl, formatNumber, formatTimeIntl, t, todayWord } from "./i18n.svelte";

/**
 * How long is left, in words a person reads at a glance:
 * "2 d 4 h", "23 h 41 min", "41 min", "less than a minute", or "" when nothing is left.
 */
export function formatDuration(totalSecs: number): string {
  const secs = Math.max(0, Math.floor(totalSecs));
  if (secs <= 0) return "";
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  if (d > 0) return h > 0 ? t("duration-days-hours", { d, h }) : t("duration-days", { d });
  if (h > 0) return m > 0 ? t("duration-hours-minutes", { h, m }) : t("duration-hours", { h });
  if (m > 0) return t("duration-minutes", { m });
  return t("duration-under-minute");
}

/** The refund window's countdown line: "closes in 23 h 41 min" or "closed". */
export function formatTimeLeft(secsLeft: number | null): string | null {
  if (secsLeft === null) return null;
  const left = formatDuration(secsLeft);
  return left ? t("window-closes-in", { left }) : t("window-closed");
}

/** Seconds left now, given what check_claim said and how long ago (ms) it said it. */
export function secsLeftNow(secsAtAnswer: number, answeredAtMs: number, nowMs: number): number {
  return Math.max(0, secsAtAnswer - Math.floor((nowMs - answeredAtMs) / 1000));
}

/** A timestamp for lists: time only when it is today, otherwise date and time. */
export function formatWhen(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay =
    d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? t("when-today", { today: todayWord(), time: formatTimeIntl(d) }) : formatDateTimeIntl(d);
}

/** A full timestamp. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatDateTimeIntl(d);
}

/** "1 credit", "4 credits", "1,234 credits". */
export function credits(n: number): string {
  return t("credits", { count: n });
}

/** A whole number as the language writes it ("1,234" / "1 234"). */
export function num(n: number): string {
  return formatNumber(n);
}

/** A clock offset for the QA panel: "+1 d", "−2 h 30 min", "none". */
export function formatOffset(secs: number): string {
  if (secs === 0) return t("offset-none");
  const sign = secs < 0 ? "−" : "+";
  return `${sign}${formatDuration(Math.abs(secs)) || t("duration-seconds", { s: Math.abs(secs) })}`;
}

/** "3 %" from a 0..1 rate. */
export function percent(rate: number): string {
  return t("percent", { value: Math.round(rate * 100) });
}

/** Short form of a long id for narrow columns. */
export function shortId(id: string | null | undefined): string {
  if (!id) return "—";
  return id.length > 10 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

/** "1 generation", "2 generations", "60+ generations" (`more`: the list goes on). */
export function generationCount(n: number, more = false): string {
  return t("generation-count", { count: n, more: more ? "yes" : "no" });
}

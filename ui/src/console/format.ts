// Formatting only the console needs (the app's helpers are in lib/format.ts).
import { i18n } from "../lib/i18n.svelte";

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;

/** A size as the language writes it: "820 kB", "1.2 MB" / "1,2 Mo" (Intl's unit names). */
export function formatBytes(n: number): string {
  let v = Math.max(0, n);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return new Intl.NumberFormat(i18n.lang, {
    style: "unit", unit: UNITS[u], unitDisplay: "short", maximumFractionDigits: u === 0 ? 0 : 1,
  }).format(v);
}

const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = formats.get(key) as T | undefined;
  if (!f) formats.set(key, (f = make()));
  return f;
}

/** A percentage with one decimal, as the language writes it: "12.5%" / "12,5 %" (Intl). */
export function formatPercent1(percent: number): string {
  const lang = i18n.lang;
  return cached(`p1:${lang}`, () => new Intl.NumberFormat(lang, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }))
    .format(percent / 100);
}

/** A whole percentage: "85%" / "85 %". */
export function formatPercent0(percent: number): string {
  const lang = i18n.lang;
  return cached(`p0:${lang}`, () => new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 })).format(percent / 100);
}

/** A UTC day (`YYYY-MM-DD`) with its year: "Mar 7, 2026" / "7 mars 2026" (the day as written, no time zone shift). */
export function formatIsoDay(day: string): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) return day;
  const lang = i18n.lang;
  return cached(`day:${lang}`, () => new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }))
    .format(new Date(ms));
}

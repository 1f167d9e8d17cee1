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

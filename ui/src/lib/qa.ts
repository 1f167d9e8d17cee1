// Small helpers for the QA panel.

import { t } from "./i18n.svelte";

/** The clock offset presets; a function so the labels follow the language. */
export function clockPresets(): { label: string; secs: number }[] {
  return [
    { label: t("qa-preset-minus-day"), secs: -86400 },
    { label: t("qa-preset-minus-hour"), secs: -3600 },
    { label: t("qa-preset-now"), secs: 0 },
    { label: t("qa-preset-plus-hour"), secs: 3600 },
    { label: t("qa-preset-plus-day"), secs: 86400 },
  ];
}

/** The QaUpdate limit for the device clock offset (±1 year). */
export const MAX_OFFSET_SECS = 366 * 86400;

/** A whole number of seconds from an input's text, or null when it is not one (or out of range). */
export function parseSeconds(text: string): number | null {
  const t = text.trim().replace("−", "-");
  if (!/^[-+]?\d+$/.test(t)) return null;
  const n = Number(t);
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_OFFSET_SECS) return null;
  return n;
}

/** A rate kept within 0..=1 (NaN becomes 0). */
export function clampRate(r: number): number {
  if (!Number.isFinite(r)) return 0;
  return Math.min(1, Math.max(0, Math.round(r * 1000) / 1000));
}

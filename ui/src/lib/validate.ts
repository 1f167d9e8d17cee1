// The "Bad result" details text: bounds come from AppInfo.catalog.
import { t } from "./i18n.svelte";

export interface DetailsCheck {
  ok: boolean;
  /** Characters counted (after trimming the ends). */
  length: number;
  /** The live counter, "12 / 500". */
  counter: string;
  /** What is wrong and what to do, or "" when fine. */
  message: string;
}

/** Counts characters as a person sees them (code points), not UTF-16 units. */
export function charCount(s: string): number {
  return [...s].length;
}

export function checkDetails(details: string, min: number, max: number): DetailsCheck {
  const length = charCount(details.trim());
  const counter = t("details-counter", { length, max });
  if (length < min) {
    const more = min - length;
    return {
      ok: false, length, counter,
      message: t("details-too-short", { min, more }),
    };
  }
  if (length > max) {
    return {
      ok: false, length, counter,
      message: t("details-too-long", { max, over: length - max }),
    };
  }
  return { ok: true, length, counter, message: "" };
}

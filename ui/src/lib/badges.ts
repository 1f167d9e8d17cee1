// How a generation's state reads in the history grid.
import type { GenerationItem } from "./bindings/GenerationItem";
import type { GenerationState } from "./bindings/GenerationState";
import { t } from "./i18n.svelte";

export type Tone = "neutral" | "info" | "success" | "warning" | "danger";

export interface Badge {
  /** The short badge text. */
  label: string;
  /** Its colour family. */
  tone: Tone;
  /** One sentence: what it means and what the user can do. */
  hint: string;
}

export function stateBadge(state: GenerationState): Badge {
  switch (state) {
    case "running":
      return { label: t("badge-running"), tone: "info", hint: t("badge-running-hint") };
    case "succeeded":
      return { label: t("badge-succeeded"), tone: "neutral", hint: t("badge-succeeded-hint") };
    case "technical_failure":
      return { label: t("badge-technical-failure"), tone: "warning", hint: t("badge-technical-failure-hint") };
    case "pending":
      return { label: t("badge-pending"), tone: "info", hint: t("badge-pending-hint") };
    case "in_review":
      return { label: t("badge-in-review"), tone: "info", hint: t("badge-in-review-hint") };
    case "refunded":
      return { label: t("badge-refunded"), tone: "success", hint: t("badge-refunded-hint") };
    case "not_refunded":
      return { label: t("badge-not-refunded"), tone: "danger", hint: t("badge-not-refunded-hint") };
  }
}

/** Whether the card shows the real output or a placeholder. */
export function showsOutput(item: Pick<GenerationItem, "has_output" | "state">): boolean {
  return item.has_output && item.state !== "running" && item.state !== "technical_failure";
}

/**
 * Whether "Bad result" can be offered from the menu, and if not why.
 * Only a finished, successful generation can be reported; everything else is answered by check_claim.
 */
export function badResultAvailability(item: Pick<GenerationItem, "state">): { enabled: boolean; why: string } {
  if (item.state === "running") return { enabled: false, why: t("bad-result-unavailable-running") };
  if (item.state === "technical_failure")
    return { enabled: false, why: t("bad-result-unavailable-failed") };
  return { enabled: true, why: "" };
}

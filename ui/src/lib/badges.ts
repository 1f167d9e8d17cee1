// How a generation's state reads in the history grid.
import type { GenerationItem } from "./bindings/GenerationItem";
import type { GenerationState } from "./bindings/GenerationState";

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
      return { label: "Running", tone: "info", hint: "Generating now; its credits are held until it finishes." };
    case "succeeded":
      return { label: "Succeeded", tone: "neutral", hint: "Done. If the result is clearly unusable, report it as a Bad result from its menu." };
    case "technical_failure":
      return { label: "Technical failure · auto-refunded", tone: "warning", hint: "It failed for a technical reason; its credits were never spent. Nothing to do." };
    case "pending":
      return { label: "Refund pending", tone: "info", hint: "Your report is waiting for a decision; you will be notified." };
    case "in_review":
      return { label: "In review", tone: "info", hint: "A person is reviewing your report; you will be notified of the outcome." };
    case "refunded":
      return { label: "Refunded", tone: "success", hint: "Your report was accepted and the credits are back in your balance." };
    case "not_refunded":
      return { label: "Not refunded", tone: "danger", hint: "Your report was recorded as feedback; the credits were not refunded." };
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
  if (item.state === "running") return { enabled: false, why: "Still generating: wait until it finishes to report it." };
  if (item.state === "technical_failure")
    return { enabled: false, why: "Failed for a technical reason: its credits were returned automatically." };
  return { enabled: true, why: "" };
}

// How a ledger entry reads: which way the credits moved, and its colour.
import type { EntryKind } from "./bindings/EntryKind";

export type Direction = "in" | "out" | "neutral";

/**
 * Direction of an entry for the user's spendable balance:
 * grant and refund add credits; hold and expire take them; void and hold_expired give a hold back;
 * capture turns a hold into spending (the credits already left the balance with the hold).
 */
export function directionOf(kind: EntryKind): Direction {
  switch (kind) {
    case "grant":
    case "refund":
    case "void":
    case "hold_expired":
      return "in";
    case "hold":
    case "expire":
      return "out";
    case "capture":
      return "neutral";
  }
}

/** The credits with their sign: "+4", "−4", "4". */
export function signedCredits(kind: EntryKind, credits: number): string {
  const n = Math.abs(credits);
  switch (directionOf(kind)) {
    case "in":
      return `+${n}`;
    case "out":
      return `−${n}`;
    case "neutral":
      return `${n}`;
  }
}

export const ENTRY_KINDS: { value: EntryKind; label: string }[] = [
  { value: "grant", label: "Grant" },
  { value: "hold", label: "Hold" },
  { value: "capture", label: "Capture" },
  { value: "void", label: "Hold released" },
  { value: "hold_expired", label: "Hold expired" },
  { value: "refund", label: "Refund" },
  { value: "expire", label: "Expired" },
];

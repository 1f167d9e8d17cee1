// How a ledger entry reads: which way the credits moved, and its colour.
import type { EntryKind } from "./bindings/EntryKind";
import { formatNumber, t } from "./i18n.svelte";

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
  const n = formatNumber(Math.abs(credits));
  switch (directionOf(kind)) {
    case "in":
      return `+${n}`;
    case "out":
      return `−${n}`;
    case "neutral":
      return `${n}`;
  }
}

/** The kinds the ledger filter offers; a function so the labels follow the language. */
export function entryKinds(): { value: EntryKind; label: string }[] {
  return [
    { value: "grant", label: t("ledger-kind-grant") },
    { value: "hold", label: t("ledger-kind-hold") },
    { value: "capture", label: t("ledger-kind-capture") },
    { value: "void", label: t("ledger-kind-void") },
    { value: "hold_expired", label: t("ledger-kind-hold-expired") },
    { value: "refund", label: t("ledger-kind-refund") },
    { value: "expire", label: t("ledger-kind-expire") },
  ];
}

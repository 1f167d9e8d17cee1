// Keyboard triage of the review queue: which key does what, as a pure function of the key event
// and where it happened (tested in tests/console-keys.test.ts). Queue.svelte listens on the window
// and carries the action out.

/** What a key asks for. */
export type TriageAction = "next" | "previous" | "approve" | "reject" | "note" | "leave-field" | "help";

/** The parts of a KeyboardEvent the decision reads. */
export interface TriageKey {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  /** An IME is composing (the key belongs to the text being typed). */
  isComposing?: boolean;
  /** The event's target takes typing (see `isTypingTarget`). */
  typing: boolean;
}

/**
 * The action for a key, or null when the key is not the console's (let the browser have it):
 * nothing while typing in a field except Escape (which leaves it), nothing with Ctrl, Alt or Meta
 * (Ctrl+R still reloads), letters in either case (Caps Lock on), `?` however the layout makes it.
 */
export function triageAction(e: TriageKey): TriageAction | null {
  if (e.isComposing) return null;
  if (e.typing) return e.key === "Escape" && !e.ctrlKey && !e.altKey && !e.metaKey ? "leave-field" : null;
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  switch (e.key) {
    case "j": case "J": case "ArrowDown": return "next";
    case "k": case "K": case "ArrowUp": return "previous";
    case "a": case "A": return "approve";
    case "r": case "R": return "reject";
    case "n": case "N": return "note";
    case "?": return "help";
    default: return null;
  }
}

/** The parts of an element `isTypingTarget` reads. */
export interface ElementLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

/** Input types that are pressed or ticked, not typed in: letters there are the console's keys. */
const NOT_TYPED = new Set(["button", "submit", "reset", "checkbox", "radio", "image", "file", "color", "range"]);

/** Whether keys pressed on this element are typing (text fields, text areas, selects, editable content). */
export function isTypingTarget(el: ElementLike | null | undefined): boolean {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = (el.tagName ?? "").toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !NOT_TYPED.has((el.type ?? "text").toLowerCase());
  return false;
}

/** The keys (KeyboardEvent.key values), as the legend lists them; KeyLegend.svelte draws the caps (arrows, Esc from the catalogs). */
export const LEGEND: { keys: string[]; action: TriageAction }[] = [
  { keys: ["j", "ArrowDown"], action: "next" },
  { keys: ["k", "ArrowUp"], action: "previous" },
  { keys: ["a"], action: "approve" },
  { keys: ["r"], action: "reject" },
  { keys: ["n"], action: "note" },
  { keys: ["Escape"], action: "leave-field" },
  { keys: ["?"], action: "help" },
];

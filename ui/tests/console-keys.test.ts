// The console's keyboard triage (src/console/keys.ts): which key does what, and when keys are typing.
import { describe, expect, it } from "vitest";
import { LEGEND, isTypingTarget, triageAction, type TriageKey } from "../src/console/keys";

const key = (k: string, over: Partial<TriageKey> = {}): TriageKey => ({ key: k, typing: false, ...over });

describe("console keys: triageAction", () => {
  it("maps j/ArrowDown, k/ArrowUp, a, r, n and ? to their actions", () => {
    expect(triageAction(key("j")), "j").toBe("next");
    expect(triageAction(key("ArrowDown")), "ArrowDown").toBe("next");
    expect(triageAction(key("k")), "k").toBe("previous");
    expect(triageAction(key("ArrowUp")), "ArrowUp").toBe("previous");
    expect(triageAction(key("a")), "a").toBe("approve");
    expect(triageAction(key("r")), "r").toBe("reject");
    expect(triageAction(key("n")), "n").toBe("note");
    expect(triageAction(key("?")), "?").toBe("help");
  });

  it("reads letters in either case (Caps Lock) and leaves every other key to the browser", () => {
    expect(triageAction(key("J")), "J").toBe("next");
    expect(triageAction(key("A")), "A").toBe("approve");
    for (const k of ["x", "Enter", " ", "Tab", "Home", "PageDown", "1", "/", "Escape"]) {
      expect(triageAction(key(k)), `${JSON.stringify(k)} outside a field`).toBeNull();
    }
  });

  it("does nothing while typing in a field, except Escape, which leaves it", () => {
    for (const k of ["j", "k", "a", "r", "n", "?", "ArrowDown", "ArrowUp"]) {
      expect(triageAction(key(k, { typing: true })), `${k} in a field`).toBeNull();
    }
    expect(triageAction(key("Escape", { typing: true })), "Escape in a field").toBe("leave-field");
    expect(triageAction(key("Escape", { typing: true, ctrlKey: true })), "Ctrl+Escape in a field").toBeNull();
  });

  it("leaves shortcuts with Ctrl, Alt or Meta alone (Ctrl+R reloads, Cmd+A selects)", () => {
    expect(triageAction(key("r", { ctrlKey: true })), "Ctrl+R").toBeNull();
    expect(triageAction(key("a", { metaKey: true })), "Cmd+A").toBeNull();
    expect(triageAction(key("j", { altKey: true })), "Alt+J").toBeNull();
  });

  it("ignores keys that belong to an IME composition", () => {
    expect(triageAction(key("a", { isComposing: true })), "composing").toBeNull();
  });
});

describe("console keys: isTypingTarget", () => {
  it("counts text inputs, text areas, selects and editable content as typing", () => {
    expect(isTypingTarget({ tagName: "INPUT", type: "text" }), "text input").toBe(true);
    expect(isTypingTarget({ tagName: "INPUT", type: "password" }), "password").toBe(true);
    expect(isTypingTarget({ tagName: "INPUT", type: "number" }), "number").toBe(true);
    expect(isTypingTarget({ tagName: "input" }), "input with no type").toBe(true);
    expect(isTypingTarget({ tagName: "TEXTAREA" }), "textarea").toBe(true);
    expect(isTypingTarget({ tagName: "SELECT" }), "select").toBe(true);
    expect(isTypingTarget({ tagName: "DIV", isContentEditable: true }), "contenteditable").toBe(true);
  });

  it("does not count buttons, check boxes, links or the page itself", () => {
    expect(isTypingTarget({ tagName: "BUTTON" }), "button").toBe(false);
    expect(isTypingTarget({ tagName: "INPUT", type: "checkbox" }), "checkbox").toBe(false);
    expect(isTypingTarget({ tagName: "INPUT", type: "submit" }), "submit").toBe(false);
    expect(isTypingTarget({ tagName: "A" }), "link").toBe(false);
    expect(isTypingTarget({ tagName: "BODY" }), "body").toBe(false);
    expect(isTypingTarget(null), "nothing focused").toBe(false);
  });
});

it("console keys: the legend lists every action once, with keys that triageAction maps to it", () => {
  const actions = LEGEND.map((l) => l.action);
  expect(new Set(actions).size, "no action twice").toBe(actions.length);
  expect(actions.sort()).toEqual(["approve", "help", "leave-field", "next", "note", "previous", "reject"]);
  for (const l of LEGEND) {
    for (const k of l.keys) {
      const typing = l.action === "leave-field";
      expect(triageAction({ key: k, typing }), `legend key ${k}`).toBe(l.action);
    }
  }
});

// The grant form's rules (src/console/accounts.ts): what the endpoint takes, plus the note the
// console requires.
import { describe, expect, it } from "vitest";
import { GRANT_CREDITS_MAX, GRANT_KINDS, accountName, charCount, checkGrant, emptyGrantForm, type GrantForm } from "../src/console/accounts";

const form = (over: Partial<GrantForm> = {}): GrantForm => ({ ...emptyGrantForm(), credits: "50", note: "Sorry for the outage", ...over });
const errorsOf = (f: GrantForm) => {
  const c = checkGrant(f);
  return c.ok ? {} : c.errors;
};

describe("console grant form", () => {
  it("opens on a promotion, and never offers a refund", () => {
    expect(emptyGrantForm().kind, "the default kind").toBe("promotion");
    expect(GRANT_KINDS, "the kinds offered").toEqual(["promotion", "top_up", "allowance"]);
  });

  it("makes the request from a filled form, leaving out an empty expiry", () => {
    expect(checkGrant(form()), "no expiry").toEqual({ ok: true, grant: { credits: 50, kind: "promotion", note: "Sorry for the outage" } });
    expect(checkGrant(form({ kind: "top_up", expires: " 30 ", note: "  trimmed  " })), "with an expiry")
      .toEqual({ ok: true, grant: { credits: 50, kind: "top_up", expires_in_days: 30, note: "trimmed" } });
  });

  it("takes 1 to 1,000,000 whole credits", () => {
    expect(checkGrant(form({ credits: "1" })).ok, "1").toBe(true);
    expect(checkGrant(form({ credits: String(GRANT_CREDITS_MAX) })).ok, "the most").toBe(true);
    for (const bad of ["0", "1000001", "1.5", "-3", "", "abc", "1e3", "1,000"]) {
      expect(errorsOf(form({ credits: bad })).credits, `credits "${bad}"`).toBe("Type a whole number of credits from 1 to 1,000,000.");
    }
  });

  it("takes an expiry of 1 to 3650 days, or none", () => {
    expect(checkGrant(form({ expires: "3650" })).ok, "ten years").toBe(true);
    for (const bad of ["0", "3651", "2.5", "soon"]) expect(errorsOf(form({ expires: bad })).expires, `expires "${bad}"`).toMatch(/from 1 to 3,650/);
  });

  it("refuses a refund or an unknown kind", () => {
    expect(errorsOf(form({ kind: "refund" })).kind, "refund").toBe("Choose a kind of grant.");
    expect(errorsOf(form({ kind: "gift" })).kind, "unknown").toBe("Choose a kind of grant.");
  });

  it("requires a note of at most 1000 characters, counted as the endpoint counts them", () => {
    expect(errorsOf(form({ note: "   " })).note, "blank").toMatch(/^Write why you grant these credits/);
    expect(errorsOf(form({ note: "x".repeat(1001) })).note, "1001 characters").toBe("The note is too long: at most 1,000 characters.");
    const emoji = "🎁".repeat(1000);
    expect(emoji.length, "2000 UTF-16 units").toBe(2000);
    expect(charCount(emoji), "but 1000 characters").toBe(1000);
    expect(checkGrant(form({ note: emoji })).ok, "1000 emoji fit").toBe(true);
  });

  it("reports every field that is wrong at once", () => {
    expect(Object.keys(errorsOf({ credits: "", kind: "refund", expires: "0", note: "" })).sort(), "all four")
      .toEqual(["credits", "expires", "kind", "note"]);
  });

  it("names an account by its subject, else its id", () => {
    expect(accountName({ account_id: "a-1", subject: "alice" }), "subject").toBe("alice");
    expect(accountName({ account_id: "a-1", subject: null }), "id").toBe("a-1");
  });
});

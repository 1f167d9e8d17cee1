// The console's failures in words (src/console/errors.ts) and how answers become them (api.ts).
import { afterEach, describe, expect, it } from "vitest";
import { ConsoleError, endsSession, errorText } from "../src/console/errors";
import { readAnswer } from "../src/console/api";
import { setLang } from "../src/lib/i18n.svelte";

afterEach(() => setLang("en"));

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("console errors: errorText", () => {
  it("says the endpoint could not be reached when nothing answered, or a gateway answered for it", () => {
    expect(errorText(new ConsoleError(0, "network", ""))).toMatch(/^The endpoint could not be reached/);
    expect(errorText(new ConsoleError(502, "bad_answer", ""))).toMatch(/^The endpoint could not be reached \(HTTP 502/);
    expect(errorText(new ConsoleError(500, "bad_answer", ""))).toBe("The endpoint answered something the console cannot read (HTTP 500).");
  });

  it("words sign-in and session failures itself", () => {
    expect(errorText(new ConsoleError(401, "wrong_credential", "wrong credential"))).toBe("This credential was not accepted: it is wrong, or it was revoked.");
    expect(errorText(new ConsoleError(401, "session_expired", "the session expired"))).toBe("Your session ended; sign in again.");
    expect(errorText(new ConsoleError(401, "unauthorized", "missing"))).toBe("Your session ended; sign in again.");
    expect(errorText(new ConsoleError(403, "csrf_rejected", "x"))).toMatch(/^The endpoint refused the request because/);
  });

  it("shows the endpoint's own message plainly for the rest (409 already_decided says who and how)", () => {
    const m = "This review was decided already: refunded by alice at 2026-12-07T10:00:00Z.";
    expect(errorText(new ConsoleError(409, "already_decided", m))).toBe(m);
    expect(errorText(new ConsoleError(400, "invalid_input", "min_age_hours: not a number"))).toBe("min_age_hours: not a number");
    expect(errorText(new ConsoleError(418, "teapot", "")), "no message: the code and status").toBe("The endpoint refused the request (teapot, HTTP 418).");
  });

  it("speaks French too", () => {
    setLang("fr");
    expect(errorText(new ConsoleError(401, "session_expired", ""))).toBe("Votre session a pris fin\u202f; reconnectez-vous.");
    expect(errorText(new ConsoleError(0, "network", ""))).toMatch(/^Le serveur est injoignable/);
  });

  it("turns anything else thrown into a sentence", () => {
    expect(errorText(new Error("boom"))).toBe("Something went wrong in the console (boom). Reload the page.");
    expect(errorText(undefined)).toBe("Something went wrong in the console. Reload the page.");
  });

  it("knows which failures end the session", () => {
    expect(endsSession(new ConsoleError(401, "session_expired", ""))).toBe(true);
    expect(endsSession(new ConsoleError(401, "unauthorized", ""))).toBe(true);
    expect(endsSession(new ConsoleError(401, "wrong_credential", "")), "a wrong credential at sign-in").toBe(false);
    expect(endsSession(new ConsoleError(409, "already_decided", ""))).toBe(false);
  });
});

describe("console errors: readAnswer", () => {
  it("returns the JSON of a 2xx, and null for 204", async () => {
    await expect(readAnswer(json(200, { actor: "alice" }))).resolves.toEqual({ actor: "alice" });
    await expect(readAnswer(new Response(null, { status: 204 }))).resolves.toBeNull();
  });

  it("throws the endpoint's {code, message} with the status", async () => {
    const e = await readAnswer(json(409, { code: "already_decided", message: "decided by bob" })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConsoleError);
    expect(e).toMatchObject({ status: 409, code: "already_decided", message: "decided by bob" });
  });

  it("calls anything else a bad answer (a proxy's HTML page, a 200 that is not JSON)", async () => {
    const html = await readAnswer(new Response("<html>Bad Gateway</html>", { status: 502 })).catch((x: unknown) => x);
    expect(html).toMatchObject({ status: 502, code: "bad_answer" });
    const notJson = await readAnswer(new Response("<!doctype html>", { status: 200 })).catch((x: unknown) => x);
    expect(notJson).toMatchObject({ status: 200, code: "bad_answer" });
    const noCode = await readAnswer(json(500, { error: "x" })).catch((x: unknown) => x);
    expect(noCode).toMatchObject({ status: 500, code: "bad_answer" });
  });
});

// The console's requests (src/console/api.ts): same-origin cookie, JSON, the CSRF header on every
// call that changes something, failures as ConsoleError, a session that ended reported once.
// `fetch` is a recorder here: the end-to-end test against recoup-server checks the other side.
import { describe, expect, it } from "vitest";
import { CSRF_HEADER, createApi, reviewPath } from "../src/console/api";
import { ConsoleError } from "../src/console/errors";

interface Seen { url: string; init: RequestInit }

function recorder(answer: () => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const ended: ConsoleError[] = [];
  let csrf: string | null = "tok-123";
  const api = createApi({
    fetch: (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return answer();
    }) as unknown as typeof fetch,
    csrf: () => csrf,
    onSessionEnded: (e) => ended.push(e),
  });
  return { api, seen, ended, setCsrf: (v: string | null) => (csrf = v) };
}
const ok = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status });
const header = (s: Seen, name: string) => (s.init.headers as Record<string, string>)[name];

describe("console api: requests", () => {
  it("reads with GET, the same-origin cookie and no CSRF header", async () => {
    const r = recorder(ok({ items: [], total: 0, next: null }));
    await r.api.reviews({ feature: "logo" }, "cur", 50);
    expect(r.seen[0]!.url).toBe("/console/api/reviews?feature=logo&order=oldest&after=cur&limit=50");
    expect(r.seen[0]!.init.method).toBe("GET");
    expect(r.seen[0]!.init.credentials).toBe("same-origin");
    expect(header(r.seen[0]!, CSRF_HEADER)).toBeUndefined();
  });

  it("sends the session's CSRF token with a decision and a sign-out, and the decision as JSON", async () => {
    const r = recorder(ok({ claim_id: "c", outcome: "refunded", refunded_credits: 4, decided_at: "", actor: "a" }));
    await r.api.decide("acc/1", "cl 2", { approve: true, note: "ok" });
    const s = r.seen[0]!;
    expect(s.url).toBe("/console/api/reviews/acc%2F1/cl%202");
    expect(s.init.method).toBe("POST");
    expect(header(s, CSRF_HEADER)).toBe("tok-123");
    expect(header(s, "Content-Type")).toBe("application/json");
    expect(JSON.parse(s.init.body as string)).toEqual({ approve: true, note: "ok" });
    const out = recorder(() => new Response(null, { status: 204 }));
    await expect(out.api.signOut()).resolves.toBeNull();
    expect(out.seen[0]!.init.method).toBe("DELETE");
    expect(header(out.seen[0]!, CSRF_HEADER)).toBe("tok-123");
  });

  it("signs in with the credential in the body, never in the URL", async () => {
    const r = recorder(ok({ actor: "alice", csrf_token: "t", expires_at: "", idle_expires_at: "", server_time: "", sandbox: false }));
    r.setCsrf(null);
    await r.api.signIn({ credential: "s3cret" });
    expect(r.seen[0]!.url).toBe("/console/api/session");
    expect(r.seen[0]!.url).not.toContain("s3cret");
    expect(JSON.parse(r.seen[0]!.init.body as string)).toEqual({ credential: "s3cret" });
  });

  it("escapes the ids in an item's path", () => {
    expect(reviewPath("a b", "../c")).toBe("/console/api/reviews/a%20b/..%2Fc");
  });
});

describe("console api: failures", () => {
  it("turns no answer into a network ConsoleError", async () => {
    const r = recorder(() => Promise.reject(new TypeError("Failed to fetch")));
    await expect(r.api.review("a", "c")).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("reports a session that ended (401 session_expired or unauthorized), and nothing else", async () => {
    const r = recorder(ok({ code: "session_expired", message: "ended" }, 401));
    await expect(r.api.reviews({}, null)).rejects.toMatchObject({ code: "session_expired" });
    expect(r.ended.map((e) => e.code)).toEqual(["session_expired"]);
    const d = recorder(ok({ code: "already_decided", message: "bob refunded it" }, 409));
    await expect(d.api.decide("a", "c", { approve: false })).rejects.toMatchObject({ status: 409, message: "bob refunded it" });
    expect(d.ended).toEqual([]);
    const w = recorder(ok({ code: "wrong_credential", message: "no" }, 401));
    await expect(w.api.signIn({ credential: "x" })).rejects.toMatchObject({ code: "wrong_credential" });
    expect(w.ended, "a wrong credential is not a session that ended").toEqual([]);
  });

  it("does not report the first look at the session (nobody was signed in)", async () => {
    const r = recorder(ok({ code: "unauthorized", message: "no session" }, 401));
    await expect(r.api.session()).rejects.toMatchObject({ code: "unauthorized" });
    expect(r.ended).toEqual([]);
  });
});

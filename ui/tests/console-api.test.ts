// The console's requests (src/console/api.ts): same-origin cookie, JSON, the CSRF header on every
// call that changes something, failures as ConsoleError, a session that ended reported once.
// `fetch` is a recorder here: the end-to-end test against recoup-server checks the other side.
import { describe, expect, it } from "vitest";
import { CSRF_HEADER, accountPath, createApi, reviewPath } from "../src/console/api";
import { ConsoleError } from "../src/console/errors";
import { builtinPolicy } from "./console-fixtures";

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

describe("console api: the policy, the insights, the accounts", () => {
  const doc = builtinPolicy();

  it("reads the policy and a version with GET and no CSRF header", async () => {
    const r = recorder(ok({ in_force: null, document: doc, history: [] }));
    await r.api.policy();
    await r.api.policyVersion(7);
    expect(r.seen.map((s) => `${s.init.method} ${s.url}`), "the two reads").toEqual(["GET /console/api/policy", "GET /console/api/policy/versions/7"]);
    expect(r.seen.map((s) => header(s, CSRF_HEADER)), "no CSRF header on reads").toEqual([undefined, undefined]);
  });

  it("checks a draft by POSTing the document itself, with the CSRF header", async () => {
    const r = recorder(ok({ document: doc, changes: [], against_seq: 3 }));
    const check = await r.api.checkPolicy(doc);
    const s = r.seen[0]!;
    expect(`${s.init.method} ${s.url}`, "the check's route").toBe("POST /console/api/policy/check");
    expect(header(s, CSRF_HEADER), "CSRF").toBe("tok-123");
    expect(header(s, "Content-Type"), "JSON").toBe("application/json");
    expect(JSON.parse(s.init.body as string), "the body is the bare document").toEqual(doc);
    expect(check.against_seq, "the answer").toBe(3);
  });

  it("publishes the checked document with the version it was checked against", async () => {
    const r = recorder(ok({ row: { seq: 4, version: "v", published_at: "", published_by: "bootstrap" }, signature: "c2ln" }));
    await r.api.publishPolicy({ document: doc, against_seq: 3 });
    const s = r.seen[0]!;
    expect(`${s.init.method} ${s.url}`, "the publication's route").toBe("POST /console/api/policy");
    expect(header(s, CSRF_HEADER), "CSRF").toBe("tok-123");
    expect(JSON.parse(s.init.body as string), "PolicyPublish").toEqual({ document: doc, against_seq: 3 });
  });

  it("passes the endpoint's invalid_document and invalid_state answers on as they came", async () => {
    const bad = recorder(ok({ code: "invalid_document", message: "policy: safeguards.refunded_share_max_percent: must be between 0 and 100" }, 422));
    await expect(bad.api.checkPolicy(doc), "a bad draft").rejects.toMatchObject({ status: 422, code: "invalid_document", message: /refunded_share_max_percent/ });
    const late = recorder(ok({ code: "invalid_state", message: "version 5 is in force now" }, 409));
    await expect(late.api.publishPolicy({ document: doc, against_seq: 4 }), "published meanwhile").rejects.toMatchObject({ status: 409, code: "invalid_state" });
    expect([...bad.ended, ...late.ended], "neither ends the session").toEqual([]);
  });

  it("asks for the insights with only the parts of the query that are set", async () => {
    const r = recorder(ok({}));
    await r.api.insights({});
    await r.api.insights({ from: "2026-03-01", to: "2026-03-31", feature: "flat_lay", platform: "ios" });
    await r.api.insights({ platform: "web" });
    expect(r.seen.map((s) => s.url), "the three queries").toEqual([
      "/console/api/insights",
      "/console/api/insights?from=2026-03-01&to=2026-03-31&feature=flat_lay&platform=ios",
      "/console/api/insights?platform=web",
    ]);
    expect(r.seen.every((s) => s.init.method === "GET" && header(s, CSRF_HEADER) === undefined), "reads without CSRF").toBe(true);
  });

  it("finds accounts with the text escaped, and reads one by its id", async () => {
    const r = recorder(ok({ items: [], more: false }));
    await r.api.findAccounts("a&b=c d/é");
    await r.api.account("0b7c3d52-8f0e-4c8e-9d61-2a4f1f6f8e01");
    expect(r.seen.map((s) => s.url), "search and account").toEqual([
      "/console/api/accounts?q=a%26b%3Dc+d%2F%C3%A9",
      "/console/api/accounts/0b7c3d52-8f0e-4c8e-9d61-2a4f1f6f8e01",
    ]);
    expect(accountPath("../x"), "an id cannot leave its path").toBe("/console/api/accounts/..%2Fx");
  });

  it("grants credits with a POST of the grant, and the CSRF header", async () => {
    const r = recorder(ok({ grant_id: "g", kind: "promotion", credits: 50, available: 50, granted_at: "", expires_at: null, live: true, note: "n" }, 201));
    const row = await r.api.grant("acc-1", { credits: 50, kind: "promotion", expires_in_days: 30, note: "n" });
    const s = r.seen[0]!;
    expect(`${s.init.method} ${s.url}`, "the grant's route").toBe("POST /console/api/accounts/acc-1/grants");
    expect(header(s, CSRF_HEADER), "CSRF").toBe("tok-123");
    expect(JSON.parse(s.init.body as string), "ConsoleGrant").toEqual({ credits: 50, kind: "promotion", expires_in_days: 30, note: "n" });
    expect(row.credits, "the answer").toBe(50);
  });

  it("reports a session that ended during any of them", async () => {
    const r = recorder(ok({ code: "session_expired", message: "ended" }, 401));
    await expect(r.api.grant("a", { credits: 1, kind: "promotion", note: "n" }), "a grant").rejects.toMatchObject({ code: "session_expired" });
    await expect(r.api.insights({}), "the insights").rejects.toMatchObject({ code: "session_expired" });
    expect(r.ended.length, "both reported").toBe(2);
  });
});

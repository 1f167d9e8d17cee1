// A fake Rust side for screenshots and manual checks in a plain browser (`npm run build:mock`,
// then open /?mock=1). Never part of the production build (see main.ts).
// Query parameters: ?mock=1&count=500&qa=1&offline=1&empty=1
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { AppEvent } from "../lib/bindings/AppEvent";
import type { AppInfo } from "../lib/bindings/AppInfo";
import type { ClaimRequest } from "../lib/bindings/ClaimRequest";
import type { ClaimView } from "../lib/bindings/ClaimView";
import type { Eligibility } from "../lib/bindings/Eligibility";
import type { Feature } from "../lib/bindings/Feature";
import type { GenerateRequest } from "../lib/bindings/GenerateRequest";
import type { GenerationItem } from "../lib/bindings/GenerationItem";
import type { HistoryRequest } from "../lib/bindings/HistoryRequest";
import type { LedgerEntryView } from "../lib/bindings/LedgerEntryView";
import type { LedgerRequest } from "../lib/bindings/LedgerRequest";
import type { Overview } from "../lib/bindings/Overview";
import type { Platform } from "../lib/bindings/Platform";
import type { QaState } from "../lib/bindings/QaState";
import type { QaUpdate } from "../lib/bindings/QaUpdate";
import type { ReasonView } from "../lib/bindings/ReasonView";
import type { Surface } from "../lib/bindings/Surface";
import type { SyncStatus } from "../lib/bindings/SyncStatus";

const FEATURES: [Feature, string][] = [
  ["virtual_model", "Virtual Model"], ["flat_lay", "Flat Lay"], ["ghost_mannequin", "Ghost Mannequin"],
  ["edit_with_ai", "Edit with AI"], ["recolor", "Recolor"], ["product_beautifier", "Product Beautifier"],
  ["ironing", "Ironing"], ["video_generator", "Video Generator"], ["logo", "Logo"], ["text", "Text"],
  ["create_any_image", "Create any image"], ["instagram_story", "Instagram Story"], ["ai_backgrounds", "AI Backgrounds"],
  ["ai_shadows", "AI Shadows"], ["image_enhancer", "Image Enhancer"], ["ai_expand", "AI Expand"], ["retouch", "Retouch"],
  ["studio_shot", "Studio Shot"],
];
const NOT_REFUNDABLE = new Set<Feature>(["ai_shadows", "image_enhancer", "ai_expand", "retouch", "studio_shot"]);
const WINDOW_SECS = 48 * 3600;

let seed = 7;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function pick<T>(a: readonly T[]): T {
  return a[Math.floor(rnd() * a.length)]!;
}
function uuid(n: number): string {
  const h = n.toString(16).padStart(12, "0");
  return `0190f3a2-7c1e-7${h.slice(0, 3)}-8${h.slice(3, 6)}-${h.slice(0, 12)}`;
}

function thumb(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hue = h % 360;
  const hue2 = (hue + 50) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},55%,72%)"/><stop offset="1" stop-color="hsl(${hue2},50%,45%)"/></linearGradient></defs>
<rect width="240" height="160" fill="url(#g)"/><circle cx="${60 + (h % 120)}" cy="70" r="34" fill="hsl(${hue2},40%,92%)" opacity="0.85"/>
<rect x="${40 + (h % 90)}" y="96" width="90" height="44" rx="8" fill="hsl(${hue},35%,25%)" opacity="0.55"/></svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export function installMock(params: URLSearchParams) {
  const count = params.has("empty") ? 0 : Number(params.get("count") ?? 400);
  const now = Date.now();
  let online = !params.has("offline");
  const qa: QaState = {
    enabled: params.has("qa"), platform: "web", surface: "editor", clock_offset_secs: 0,
    faults: { drop_rate: 0, error_rate: 0, delay_ms: 0 }, generator: { failure_rate: 0.1, bad_rate: 0.2 },
    test_clock: new Date(now).toISOString(),
  };
  const gens: GenerationItem[] = [];
  const claims = new Map<string, ClaimView>();
  let seqGen = 1;

  function makeItem(i: number, started: number, opts: Partial<GenerationItem> = {}): GenerationItem {
    const [feature, label] = pick(FEATURES);
    const platform: Platform = rnd() < 0.7 ? "web" : pick(["ios", "android"] as const);
    const surface: Surface = rnd() < 0.85 ? "editor" : pick(["batch_editor", "product_catalog"] as const);
    const cost = feature === "video_generator" ? 10 : pick([1, 2, 4, 4, 6]);
    const failed = rnd() < 0.08;
    const item: GenerationItem = {
      generation_id: uuid(i), feature, feature_label: label, platform, surface,
      media_kind: feature === "video_generator" ? "video" : "image",
      status: failed ? "failed" : "succeeded", state: failed ? "technical_failure" : "succeeded",
      started_at: new Date(started).toISOString(), finished_at: new Date(started + 9000).toISOString(),
      cost, charged: failed ? 0 : cost, failure: failed ? "The generator timed out after 60 s." : null,
      has_output: !failed, claim: null, ...opts,
    };
    return item;
  }

  for (let i = 0; i < count; i++) {
    const started = now - i * 47 * 60 * 1000 - 5 * 60 * 1000;
    const item = makeItem(count - i, started);
    if (item.state === "succeeded" && rnd() < 0.18) {
      const outcome = pick(["refunded", "not_refunded", "in_review"] as const);
      const claim: ClaimView = {
        claim_id: uuid(100000 + i), generation_id: item.generation_id, reason: "artifacts_or_distortions",
        details: "Hands are distorted.", submitted_at: new Date(started + 60000).toISOString(), local_eligible: outcome !== "not_refunded",
        local_reasons: [], sync_state: outcome === "in_review" ? "sent" : "acknowledged", outcome: outcome === "in_review" ? null : outcome,
        refunded_credits: outcome === "refunded" ? item.cost : null,
        message: outcome === "refunded" ? `Refund granted: ${item.cost} credits` : outcome === "not_refunded" ? "Thank you for your feedback" : "Waiting for a review",
      };
      item.claim = claim;
      item.state = outcome === "refunded" ? "refunded" : outcome === "not_refunded" ? "not_refunded" : "pending";
      claims.set(item.generation_id, claim);
    }
    gens.push(item);
  }
  if (count > 2) {
    gens[1] = { ...gens[1]!, state: "running", status: "running", finished_at: null, has_output: false, charged: 0 };
  }

  const ledger: LedgerEntryView[] = [];
  let lseq = 1;
  const kinds = [["grant", "Grant"], ["hold", "Hold"], ["capture", "Capture"], ["void", "Hold released"], ["refund", "Refund"], ["expire", "Expired"]] as const;
  for (let i = 0; i < Math.min(count * 2, 900); i++) {
    const [kind, kind_label] = i % 97 === 0 ? kinds[0] : pick(kinds.slice(1));
    ledger.push({
      seq: lseq++, kind, kind_label, grant_id: uuid(900000 + (i % 3)), generation_id: kind === "grant" || kind === "expire" ? null : gens[i % Math.max(1, gens.length)]?.generation_id ?? null,
      credits: kind === "grant" ? 500 : pick([1, 2, 4, 6]), at: new Date(now - (900 - i) * 40 * 60 * 1000).toISOString(),
    });
  }
  ledger.reverse();

  const overview: Overview = {
    available: 412, held: 4, refunded_this_month: 37, spent_this_month: 226,
    grants: [
      { grant_id: uuid(900000), kind: "allowance", credits: 500, available: 318, granted_at: new Date(now - 12 * 86400e3).toISOString(), expires_at: new Date(now + 18 * 86400e3).toISOString(), note: "Monthly allowance", live: true },
      { grant_id: uuid(900001), kind: "top_up", credits: 100, available: 80, granted_at: new Date(now - 5 * 86400e3).toISOString(), expires_at: null, note: "Top-up pack", live: true },
      { grant_id: uuid(900002), kind: "refund", credits: 14, available: 14, granted_at: new Date(now - 2 * 86400e3).toISOString(), expires_at: new Date(now + 28 * 86400e3).toISOString(), note: "Refunds", live: true },
      { grant_id: uuid(900003), kind: "promotion", credits: 50, available: 0, granted_at: new Date(now - 60 * 86400e3).toISOString(), expires_at: new Date(now - 30 * 86400e3).toISOString(), note: "Welcome bonus", live: false },
    ],
    flows: Array.from({ length: 30 }, (_, i) => {
      const d = new Date(now - (29 - i) * 86400e3);
      return { day: d.toISOString().slice(0, 10), spent: Math.floor(rnd() * 24), refunded: rnd() < 0.3 ? Math.floor(rnd() * 8) : 0 };
    }),
    as_of: new Date(now).toISOString(),
  };

  const sync: SyncStatus = {
    online, reachable: online ? true : null, syncing: false, queued: online ? 0 : 3, quarantined: 1, in_review: 2,
    last_sync_at: new Date(now - 4 * 60e3).toISOString(),
    last_error: online ? null : { code: "offline", message: "The network switch is off: 3 reports are waiting on this device. Turn the network on to send them." },
    progress: null, linked: true,
  };

  const info: AppInfo = {
    version: "0.1.0", data_dir: "/home/user/.local/share/app.recoup",
    endpoint: { mode: "embedded", url: "http://127.0.0.1:47111", account_id: "acct_01J9Z", sandbox: true, token_storage: "keychain", embedded_available: true },
    qa,
    catalog: {
      features: FEATURES.map(([value, label]) => ({ value, label })),
      platforms: [{ value: "ios", label: "iOS" }, { value: "android", label: "Android" }, { value: "web", label: "Web" }],
      surfaces: [{ value: "editor", label: "Editor" }, { value: "batch_editor", label: "Batch editor" }, { value: "product_catalog", label: "Product catalog editor" }],
      reasons: [
        { value: "artifacts_or_distortions", label: "Artifacts or distortions" }, { value: "wrong_subject", label: "Wrong subject" },
        { value: "ignored_prompt", label: "Ignored my instructions" }, { value: "blank_or_corrupted", label: "Blank or corrupted" },
        { value: "other", label: "Something else" },
      ],
      details_len_min: 10, details_len_max: 500,
    },
    policy_version: "2025.1-default",
    language: params.get("lang") === "fr" ? "fr" : "en",
    language_choice: null as string | null,
    system_language: params.get("lang") === "fr" ? "fr" : "en",
  };

  function ev(e: AppEvent) {
    void emit("recoup:event", e);
  }

  function eligibility(id: string): Eligibility {
    const g = gens.find((x) => x.generation_id === id)!;
    const reasons: ReasonView[] = [];
    const age = (Date.now() + qa.clock_offset_secs * 1000 - Date.parse(g.finished_at ?? g.started_at)) / 1000;
    const left = Math.max(0, Math.round(WINDOW_SECS - age));
    if (left === 0) reasons.push({ code: "window_expired", rule: "window", message: "The refund window closed: reports must be made within 48 hours of the generation." });
    if (NOT_REFUNDABLE.has(g.feature)) reasons.push({ code: "feature_not_refundable", rule: "features", message: `${g.feature_label} is not refundable on ${g.platform === "web" ? "the Web App" : g.platform}.` });
    if (g.surface !== "editor") reasons.push({ code: "surface_not_refundable", rule: "surfaces", message: "AI tools used inside the Batch Editor or the Product Catalog Editor are not refundable." });
    if (claims.has(id)) reasons.push({ code: "already_claimed", rule: "one_claim", message: "This generation was already reported: only one refund request per image or video." });
    return {
      generation_id: id, eligible: reasons.length === 0, reasons, refundable_credits: reasons.length ? 0 : g.charged,
      window_closes_at: new Date(Date.parse(g.finished_at ?? g.started_at) + WINDOW_SECS * 1000).toISOString(), window_secs_left: left,
      policy_version: info.policy_version, rule: reasons[0]?.rule ?? "refundable",
    };
  }

  const delay = <T>(v: T, ms = 60) => new Promise<T>((r) => setTimeout(() => r(v), ms));
  const fail = (code: string, message: string) => Promise.reject({ code, message });

  mockIPC(
    (cmd, args) => {
      const req = (args as { req?: unknown } | undefined)?.req;
      switch (cmd) {
        case "app_info": return delay(info, 40);
        case "ping": return null;
        case "overview": return delay(overview);
        case "history": {
          const r = req as HistoryRequest;
          let list = gens.filter((g) => (!r.feature || g.feature === r.feature) && (!r.platform || g.platform === r.platform));
          if (r.show === "reported") list = list.filter((g) => g.claim);
          if (r.show === "not_reported") list = list.filter((g) => !g.claim && g.state === "succeeded");
          if (r.show === "technical_failures") list = list.filter((g) => g.state === "technical_failure");
          if (r.show === "running") list = list.filter((g) => g.state === "running");
          const start = r.before ? list.findIndex((g) => g.generation_id === r.before) + 1 : 0;
          const limit = r.limit ?? 60;
          const items = list.slice(start, start + limit);
          return delay({ items, next: start + limit < list.length ? items[items.length - 1]!.generation_id : null }, 80);
        }
        case "generation": return delay(gens.find((g) => g.generation_id === req)!);
        case "check_claim": return delay(eligibility(req as string), 30);
        case "submit_claim": {
          const r = req as ClaimRequest;
          const e = eligibility(r.generation_id);
          if (claims.has(r.generation_id)) return fail("already_claimed", "This generation was already reported; only one report per image or video.");
          const claim: ClaimView = {
            claim_id: uuid(200000 + claims.size), generation_id: r.generation_id, reason: r.reason, details: r.details,
            submitted_at: new Date().toISOString(), local_eligible: e.eligible, local_reasons: e.reasons, sync_state: "queued",
            outcome: null, refunded_credits: null, message: "Queued",
          };
          claims.set(r.generation_id, claim);
          const g = gens.find((x) => x.generation_id === r.generation_id)!;
          g.claim = claim;
          g.state = "pending";
          setTimeout(() => {
            const refunded = e.eligible;
            const decided: ClaimView = {
              ...claim, sync_state: "acknowledged", outcome: refunded ? "refunded" : "not_refunded",
              refunded_credits: refunded ? g.charged : null,
              message: refunded ? `Refund granted: ${g.charged} credits` : "Thank you for your feedback",
            };
            claims.set(g.generation_id, decided);
            g.claim = decided;
            g.state = refunded ? "refunded" : "not_refunded";
            if (refunded) {
              overview.available += g.charged;
              overview.refunded_this_month += g.charged;
              ev({ type: "balance", available: overview.available, held: overview.held, refunded_this_month: overview.refunded_this_month });
            }
            ev({ type: "claim_decided", claim: decided });
          }, 2500);
          return delay(claim);
        }
        case "generate": {
          const r = req as GenerateRequest;
          if (!online) return fail("offline", "You are offline: generating needs the endpoint. Turn the network on in Sync and try again.");
          const label = FEATURES.find(([f]) => f === r.feature)![1];
          const item = makeItem(count + seqGen++, Date.now(), {
            feature: r.feature, feature_label: label, platform: qa.platform, surface: r.surface ?? qa.surface,
            media_kind: r.feature === "video_generator" ? "video" : "image", status: "succeeded", state: "succeeded",
            has_output: true, failure: null,
          });
          item.charged = item.cost;
          gens.unshift(item);
          return delay(item, 1200);
        }
        case "ledger": {
          const r = req as LedgerRequest;
          const list = ledger.filter((e) => (!r.filter.kind || e.kind === r.filter.kind) && (!r.filter.generation_id || e.generation_id === r.filter.generation_id));
          const start = r.before ? list.findIndex((e) => e.seq === r.before) + 1 : 0;
          const limit = r.limit ?? 100;
          const items = list.slice(start, start + limit);
          return delay({ items, next: start + limit < list.length ? items[items.length - 1]!.seq : null });
        }
        case "export_ledger": return delay({ path: "/home/user/Downloads/recoup-ledger-2025-03-07.csv", rows: ledger.length }, 300);
        case "sync_status": return delay({ ...sync });
        case "sync_now": {
          if (!online) {
            sync.last_error = { code: "offline", message: "The network switch is off: reports wait on this device. Turn the network on to send them." };
            return delay({ ...sync });
          }
          sync.syncing = true;
          const total = sync.queued;
          let sent = 0;
          const t = setInterval(() => {
            sent = Math.min(total, sent + 1);
            ev({ type: "sync_progress", sent, total });
            if (sent >= total) {
              clearInterval(t);
              Object.assign(sync, { syncing: false, queued: 0, progress: { sent, total }, last_sync_at: new Date().toISOString(), last_error: null });
              ev({ type: "sync_finished", ...sync });
            }
          }, 400);
          return delay({ ...sync, progress: { sent: 0, total } });
        }
        case "retry_quarantined": sync.queued += sync.quarantined; sync.quarantined = 0; return delay({ ...sync });
        case "set_network":
          online = req as boolean;
          Object.assign(sync, { online, reachable: online ? true : sync.reachable });
          ev({ type: "network", online, reachable: sync.reachable });
          return delay({ ...sync });
        case "qa_state": return delay({ ...qa });
        case "set_qa": {
          const u = req as QaUpdate;
          for (const [k, v] of Object.entries(u)) if (v !== null) (qa as Record<string, unknown>)[k] = v;
          return delay({ ...qa });
        }
        case "advance_test_clock":
          qa.test_clock = new Date(Date.parse(qa.test_clock!) + (req as number) * 1000).toISOString();
          return delay({ ...qa });
        case "load_policy":
          try {
            const doc = JSON.parse(req as string) as { version?: string };
            if (!doc.version) return fail("invalid_document", "The policy file has no version: add a \"version\" field and load it again.");
            info.policy_version = doc.version;
            ev({ type: "policy", version: doc.version });
            return delay({ version: doc.version, device_version: doc.version });
          } catch {
            return fail("invalid_document", "The policy file is not valid JSON: check the file and load it again.");
          }
        case "connect_endpoint": return fail("network", "The endpoint did not answer: check the address and your connection, then try again.");
        case "use_embedded_endpoint": return delay(info);
        case "take_link": return delay(null);
        case "log_folder": return delay("/home/user/.local/share/app.recoup.desktop/logs");
        case "open_log_folder": return delay(null);
        case "set_language": {
          const lang = req as string | null;
          if (lang !== null && lang !== "en" && lang !== "fr") return fail("invalid_input", `language: '${lang}' is not a language Recoup speaks; choose one of: en, fr`);
          info.language_choice = lang;
          info.language = lang ?? info.system_language;
          return delay({ ...info });
        }
        default: return fail("internal", `The mock has no command ${cmd}.`);
      }
    },
    { shouldMockEvents: true },
  );
  (window as unknown as { __TAURI_INTERNALS__: { convertFileSrc: (p: string) => string } }).__TAURI_INTERNALS__.convertFileSrc = thumb;
}

// What an AppEvent means for the screens: a pure reducer from event to actions, so the wiring
// (stores.svelte.ts) stays thin and the mapping is tested on its own. No polling anywhere.
import type { AppEvent } from "./bindings/AppEvent";
import type { BalanceSummary } from "./bindings/BalanceSummary";
import type { ClaimView } from "./bindings/ClaimView";
import type { SyncProgress } from "./bindings/SyncProgress";
import type { SyncStatus } from "./bindings/SyncStatus";
import { t } from "./i18n.svelte";

export type Resource = "overview" | "history" | "ledger" | "sync" | "qa" | "info";

export type Action =
  /** Re-read a resource from the Rust side. */
  | { type: "refresh"; what: Resource }
  /** Re-read one generation (its claim changed). */
  | { type: "refresh_generation"; generation_id: string }
  /** Apply numbers the event already carries. */
  | { type: "patch_balance"; balance: BalanceSummary }
  | { type: "patch_network"; online: boolean; reachable: boolean | null }
  | { type: "patch_progress"; progress: SyncProgress }
  | { type: "set_sync"; sync: SyncStatus }
  | { type: "patch_policy"; version: string }
  /** A claim was decided: put its view on the generation and tell the user. */
  | { type: "claim_decided"; claim: ClaimView }
  /** Tell the user; `generation_id`: the notification opens that generation when clicked. */
  | { type: "notify"; message: string; tone: "info" | "success" | "error"; generation_id?: string }
  /** A recoup:// link arrived: take it from the Rust side and open what it names. */
  | { type: "take_link" }
  /** Show a generation (its decision's native notification was clicked). */
  | { type: "open_generation"; generation_id: string };

export function reduceEvent(ev: AppEvent): Action[] {
  switch (ev.type) {
    case "balance": {
      const { available, held, refunded_this_month } = ev;
      return [
        { type: "patch_balance", balance: { available, held, refunded_this_month } },
        // Grants and the daily flows are not in the event: read them again.
        { type: "refresh", what: "overview" },
        { type: "refresh", what: "ledger" },
      ];
    }
    case "history":
      return ev.changed > 0 ? [{ type: "refresh", what: "history" }] : [];
    case "claim_decided":
      return [
        { type: "claim_decided", claim: ev.claim },
        { type: "refresh_generation", generation_id: ev.claim.generation_id },
        {
          type: "notify",
          message: ev.claim.message,
          tone: ev.claim.outcome === "refunded" ? "success" : "info",
          generation_id: ev.claim.generation_id,
        },
        { type: "refresh", what: "sync" },
      ];
    case "network":
      return [
        { type: "patch_network", online: ev.online, reachable: ev.reachable },
        { type: "refresh", what: "sync" },
      ];
    case "sync_progress":
      return [{ type: "patch_progress", progress: { sent: ev.sent, total: ev.total } }];
    case "sync_finished": {
      const { type: _t, ...sync } = ev;
      return [{ type: "set_sync", sync }];
    }
    case "policy":
      return [
        { type: "patch_policy", version: ev.version },
        { type: "notify", message: t("policy-in-force", { version: ev.version }), tone: "info" },
      ];
    case "link":
      return [{ type: "take_link" }];
    case "open_generation":
      return [{ type: "open_generation", generation_id: ev.generation_id }];
  }
}

/**
 * Collapses a burst of refreshes (e.g. a large outbox drain sends many events) into one per
 * resource: returns the set of resources to refresh for a list of actions.
 */
export function refreshesOf(actions: Action[]): Set<Resource> {
  const out = new Set<Resource>();
  for (const a of actions) if (a.type === "refresh") out.add(a.what);
  return out;
}

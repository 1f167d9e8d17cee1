// The app's reactive state and the wiring from events to refreshes. Logic lives in the plain
// modules (events.ts, pager.ts, coalesce.ts); this file only connects them to Svelte runes.
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { api, toAppError } from "./api";
import type { AppEvent } from "./bindings/AppEvent";
import type { AppInfo } from "./bindings/AppInfo";
import type { Feature } from "./bindings/Feature";
import type { GenerationItem } from "./bindings/GenerationItem";
import type { HistoryShow } from "./bindings/HistoryShow";
import type { EntryKind } from "./bindings/EntryKind";
import type { LedgerEntryView } from "./bindings/LedgerEntryView";
import type { LinkView } from "./bindings/LinkView";
import type { Overview } from "./bindings/Overview";
import type { Platform } from "./bindings/Platform";
import type { QaState } from "./bindings/QaState";
import type { SyncStatus } from "./bindings/SyncStatus";
import { Coalescer } from "./coalesce";
import { reduceEvent, type Action, type Resource } from "./events";
import { Pager, type PagerSnapshot } from "./pager";
import { openClaimDialog, openViewer } from "./ui.svelte";
import { t } from "./i18n.svelte";

export type Screen = "balance" | "history" | "ledger" | "sync" | "qa" | "settings";

export const HISTORY_PAGE = 60;
export const LEDGER_PAGE = 100;

export const app = $state({
  screen: "history" as Screen,
  info: null as AppInfo | null,
  infoError: null as string | null,
  overview: null as Overview | null,
  overviewError: null as string | null,
  sync: null as SyncStatus | null,
  syncError: null as string | null,
  qa: null as QaState | null,
  /** History scroll position, kept while another screen shows. */
  historyScrollTop: 0,
});

export const historyFilter = $state({
  feature: null as Feature | null,
  platform: null as Platform | null,
  show: "all" as HistoryShow,
});

export const ledgerFilter = $state({
  kind: null as EntryKind | null,
  generation_id: null as string | null,
});

const emptySnap = <T>(): PagerSnapshot<T> => ({ items: [], loading: false, done: false, loaded: false, error: null });

export const history = $state({ snap: emptySnap<GenerationItem>() });
export const ledger = $state({ snap: emptySnap<LedgerEntryView>() });

const errText = (e: unknown) => toAppError(e).message;

export const historyPager = new Pager<GenerationItem, string>(
  (before) =>
    api.history({
      feature: historyFilter.feature,
      platform: historyFilter.platform,
      show: historyFilter.show,
      before,
      limit: HISTORY_PAGE,
    }),
  (g) => g.generation_id,
  (s) => (history.snap = s),
  errText,
);

export const ledgerPager = new Pager<LedgerEntryView, number>(
  (before) =>
    api.ledger({
      filter: { kind: ledgerFilter.kind, generation_id: ledgerFilter.generation_id },
      before,
      limit: LEDGER_PAGE,
    }),
  (e) => String(e.seq),
  (s) => (ledger.snap = s),
  errText,
);

// ---- toasts -------------------------------------------------------------------------------------

export type ToastTone = "info" | "success" | "error";
export interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
  /** The generation the notification is about: clicking it opens that generation. */
  generationId?: string;
}
export const toasts = $state({ list: [] as Toast[] });
let toastSeq = 0;

export function notify(
  message: string,
  tone: ToastTone = "info",
  ms = tone === "error" ? 10000 : 7000,
  generationId?: string,
): number {
  const id = ++toastSeq;
  toasts.list = [...toasts.list.slice(-4), { id, message, tone, generationId }];
  setTimeout(() => dismiss(id), ms);
  return id;
}
export function dismiss(id: number): void {
  toasts.list = toasts.list.filter((t) => t.id !== id);
}

// ---- loads --------------------------------------------------------------------------------------

export async function loadInfo(): Promise<void> {
  try {
    const info = await api.appInfo();
    app.info = info;
    app.qa = info.qa;
    app.infoError = null;
  } catch (e) {
    app.infoError = errText(e);
  }
}

export async function loadOverview(): Promise<void> {
  try {
    app.overview = await api.overview();
    app.overviewError = null;
  } catch (e) {
    app.overviewError = errText(e);
  }
}

export async function loadSync(): Promise<void> {
  try {
    app.sync = await api.syncStatus();
    app.syncError = null;
  } catch (e) {
    app.syncError = errText(e);
  }
}

export async function loadQa(): Promise<void> {
  try {
    app.qa = await api.qaState();
  } catch {
    // The QA panel shows the last state it had; its own actions report errors.
  }
}

/** Re-reads the loaded history without losing the user's place. */
export async function refreshHistory(): Promise<void> {
  if (!history.snap.loaded) return;
  if (historyPager.length <= HISTORY_PAGE) {
    // Only the first page is loaded: read it again (also drops items that left the filter).
    const page = await api.history({ ...historyFilter, before: null, limit: HISTORY_PAGE });
    historyPager.mergeHead(page.items);
    const ids = new Set(page.items.map((i) => i.generation_id));
    if (page.items.length < HISTORY_PAGE && historyPager.length > ids.size) {
      // The filter lost items: start again, cheaply (one page).
      await historyPager.reset();
    }
    return;
  }
  const page = await api.history({ ...historyFilter, before: null, limit: 200 });
  historyPager.mergeHead(page.items);
}

export async function refreshGeneration(id: string): Promise<GenerationItem | null> {
  try {
    const item = await api.generation(id);
    historyPager.replace(item);
    return item;
  } catch {
    return null;
  }
}

async function refreshLedger(): Promise<void> {
  if (!ledger.snap.loaded) return;
  const page = await api.ledger({
    filter: { kind: ledgerFilter.kind, generation_id: ledgerFilter.generation_id },
    before: null,
    limit: LEDGER_PAGE,
  });
  ledgerPager.mergeHead(page.items);
}

const refresher = new Coalescer<Resource>(async (what) => {
  switch (what) {
    case "overview":
      if (app.overview || app.screen === "balance") await loadOverview();
      return;
    case "history":
      return refreshHistory();
    case "ledger":
      return refreshLedger();
    case "sync":
      return loadSync();
    case "qa":
      return loadQa();
    case "info":
      return loadInfo();
  }
});

export function requestRefresh(what: Resource): void {
  refresher.request(what);
}

// ---- events -------------------------------------------------------------------------------------

/** Listeners for a decided claim (the open dialog, if any). */
const policyListeners = new Set<(version: string) => void>();
export function onPolicyChange(f: (version: string) => void): () => void {
  policyListeners.add(f);
  return () => policyListeners.delete(f);
}

export function applyActions(actions: Action[]): void {
  for (const a of actions) {
    switch (a.type) {
      case "refresh":
        requestRefresh(a.what);
        break;
      case "refresh_generation":
        void refreshGeneration(a.generation_id);
        break;
      case "patch_balance":
        if (app.overview) Object.assign(app.overview, a.balance);
        break;
      case "patch_network":
        if (app.sync) {
          app.sync.online = a.online;
          app.sync.reachable = a.reachable;
        }
        break;
      case "patch_progress":
        if (app.sync) {
          app.sync.progress = a.progress;
          app.sync.syncing = a.progress.sent < a.progress.total;
        }
        break;
      case "set_sync":
        app.sync = a.sync;
        break;
      case "patch_policy":
        if (app.info) app.info.policy_version = a.version;
        for (const f of policyListeners) f(a.version);
        break;
      case "claim_decided": {
        const item = history.snap.items.find((g) => g.generation_id === a.claim.generation_id);
        if (item) historyPager.replace({ ...item, claim: a.claim });
        break;
      }
      case "notify":
        notify(a.message, a.tone, 9000, a.generation_id);
        break;
      case "take_link":
        void openPendingLinks();
        break;
      case "open_generation":
        void openGeneration(a.generation_id, null);
        break;
    }
  }
}

/**
 * Opens a generation a notification is about: the History screen, and its output full size (the
 * card's state shows the decision), or a notification saying why it cannot be shown.
 */
export async function openGeneration(generationId: string, returnFocus: HTMLElement | null): Promise<void> {
  go("history");
  try {
    const item = await api.generation(generationId);
    historyPager.replace(item);
    if (item.has_output) openViewer(item, returnFocus);
  } catch (e) {
    notify(t("generation-cannot-show", { error: errText(e) }), "error");
  }
}

/**
 * Opens what the recoup:// links waiting on the Rust side name: a generation's Bad result dialog
 * (on the History screen), or a notification saying why nothing opens.
 */
export async function openPendingLinks(): Promise<void> {
  for (;;) {
    let link: LinkView | null;
    try {
      link = await api.takeLink();
    } catch (e) {
      notify(t("link-cannot-open", { error: errText(e) }), "error");
      return;
    }
    if (link === null) return;
    if (link.type === "report") {
      go("history");
      historyPager.replace(link.generation);
      openClaimDialog(link.generation, null);
    } else {
      notify(t("link-opened-nothing", { error: link.error.message }), "error");
    }
  }
}

export function handleEvent(ev: AppEvent): void {
  applyActions(reduceEvent(ev));
}

let unlisten: UnlistenFn | null = null;

/** Starts listening, then reads what the first screen needs. */
export async function start(): Promise<void> {
  try {
    unlisten = await listen<AppEvent>("recoup:event", (e) => handleEvent(e.payload));
  } catch (e) {
    app.infoError = errText(e);
  }
  await Promise.all([loadInfo(), historyPager.loadMore(), loadSync()]);
  // A link the app was launched with arrived before the UI listened.
  void openPendingLinks();
  // The header shows the available credits; read them once the first screen is up.
  if (!app.overview) void loadOverview();
}

export function stop(): void {
  unlisten?.();
  unlisten = null;
}

// ---- screens ------------------------------------------------------------------------------------

export function go(screen: Screen): void {
  app.screen = screen;
}

export function setHistoryFilter(change: Partial<typeof historyFilter>): void {
  Object.assign(historyFilter, change);
  app.historyScrollTop = 0;
  void historyPager.reset();
}

export function setLedgerFilter(change: Partial<typeof ledgerFilter>): void {
  Object.assign(ledgerFilter, change);
  void ledgerPager.reset();
}

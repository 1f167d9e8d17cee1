// The one typed door to the Rust side: one function per command in docs/app-ipc.md.
// Every command takes at most one argument, always named `req`; every rejection is an AppError.
import { invoke, convertFileSrc } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ClaimRequest } from "./bindings/ClaimRequest";
import type { ClaimView } from "./bindings/ClaimView";
import type { ConnectRequest } from "./bindings/ConnectRequest";
import type { Eligibility } from "./bindings/Eligibility";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ExportDone } from "./bindings/ExportDone";
import type { GenerateRequest } from "./bindings/GenerateRequest";
import type { GenerationItem } from "./bindings/GenerationItem";
import type { HistoryPageView } from "./bindings/HistoryPageView";
import type { HistoryRequest } from "./bindings/HistoryRequest";
import type { LedgerFilter } from "./bindings/LedgerFilter";
import type { LinkView } from "./bindings/LinkView";
import type { LedgerPageView } from "./bindings/LedgerPageView";
import type { LedgerRequest } from "./bindings/LedgerRequest";
import type { Overview } from "./bindings/Overview";
import type { PolicyLoaded } from "./bindings/PolicyLoaded";
import type { QaState } from "./bindings/QaState";
import type { QaUpdate } from "./bindings/QaUpdate";
import type { SyncStatus } from "./bindings/SyncStatus";
import { ERROR_CODES as GENERATED_ERROR_CODES } from "./bindings/errorCodes";
import { t } from "./i18n.svelte";

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>(GENERATED_ERROR_CODES);

/** Whether a value is an AppError as the Rust side rejects with. */
export function isAppError(e: unknown): e is AppError {
  return (
    typeof e === "object" && e !== null &&
    typeof (e as AppError).code === "string" && ERROR_CODES.has((e as AppError).code) &&
    typeof (e as AppError).message === "string"
  );
}

/**
 * Turns anything a rejected invoke can carry into an AppError: the Rust side's own errors pass
 * through; anything else (a missing command, a bridge failure, a thrown string) becomes `internal`
 * with a sentence the user can act on.
 */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const detail = typeof e === "string" ? e : e instanceof Error ? e.message : "";
  return {
    code: "internal",
    message: detail ? t("error-internal-detail", { detail }) : t("error-internal"),
  };
}

async function call<T>(cmd: string, req?: unknown): Promise<T> {
  try {
    return await (req === undefined ? invoke<T>(cmd) : invoke<T>(cmd, { req }));
  } catch (e) {
    throw toAppError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  ping: () => call<null>("ping"),
  overview: () => call<Overview>("overview"),
  history: (req: HistoryRequest) => call<HistoryPageView>("history", req),
  generation: (generationId: string) => call<GenerationItem>("generation", generationId),
  checkClaim: (generationId: string) => call<Eligibility>("check_claim", generationId),
  submitClaim: (req: ClaimRequest) => call<ClaimView>("submit_claim", req),
  generate: (req: GenerateRequest) => call<GenerationItem>("generate", req),
  ledger: (req: LedgerRequest) => call<LedgerPageView>("ledger", req),
  exportLedger: (req: LedgerFilter) => call<ExportDone>("export_ledger", req),
  syncStatus: () => call<SyncStatus>("sync_status"),
  syncNow: () => call<SyncStatus>("sync_now"),
  retryQuarantined: () => call<SyncStatus>("retry_quarantined"),
  setNetwork: (online: boolean) => call<SyncStatus>("set_network", online),
  qaState: () => call<QaState>("qa_state"),
  setQa: (req: QaUpdate) => call<QaState>("set_qa", req),
  advanceTestClock: (seconds: number) => call<QaState>("advance_test_clock", seconds),
  loadPolicy: (policyJson: string) => call<PolicyLoaded>("load_policy", policyJson),
  connectEndpoint: (req: ConnectRequest) => call<AppInfo>("connect_endpoint", req),
  useEmbeddedEndpoint: () => call<AppInfo>("use_embedded_endpoint"),
  takeLink: () => call<LinkView | null>("take_link"),
  logFolder: () => call<string>("log_folder"),
  openLogFolder: () => call<null>("open_log_folder"),
  /** `"en"`, `"fr"`, or `null` to follow the system's language. */
  setLanguage: (language: string | null) => call<AppInfo>("set_language", language),
};

export type Api = typeof api;

/** The URL of a generation's output (PNG for images, GIF for videos). */
export function outputUrl(generationId: string): string {
  return convertFileSrc(generationId, "recoup-output");
}

/** A QaUpdate that changes nothing; spread the fields to change over it. */
export function qaUpdate(change: Partial<QaUpdate>): QaUpdate {
  return {
    enabled: null, platform: null, surface: null, clock_offset_secs: null, faults: null,
    generator: null, ...change,
  };
}

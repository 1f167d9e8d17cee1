// The console's session as reactive state: starting, signed out (with the reason, if any) or
// signed in. The API instance reads the CSRF token from here, and any answer that says the session
// ended brings the sign-in back with that message (the queue's filters stay in the hash).
import type { ConsoleSession } from "../lib/bindings/ConsoleSession";
import { createApi } from "./api";
import { ConsoleError, errorText } from "./errors";

export type Phase = "starting" | "signed-out" | "signed-in";

export const consoleState = $state({
  phase: "starting" as Phase,
  session: null as ConsoleSession | null,
  /** Why the sign-in screen shows (session ended, endpoint unreachable), or null. */
  notice: null as string | null,
  /** The endpoint's clock minus this browser's at the last session answer (ms). */
  clockOffsetMs: 0,
});

export const api = createApi({
  fetch: (input, init) => fetch(input, init),
  csrf: () => consoleState.session?.csrf_token ?? null,
  onSessionEnded: (e) => signedOut(errorText(e)),
});

/** Now, on the endpoint's clock (so ages do not depend on this computer's clock being right). */
export function serverNow(): number {
  return Date.now() + consoleState.clockOffsetMs;
}

export function signedIn(s: ConsoleSession): void {
  const server = Date.parse(s.server_time);
  consoleState.clockOffsetMs = Number.isNaN(server) ? 0 : server - Date.now();
  consoleState.session = s;
  consoleState.notice = null;
  consoleState.phase = "signed-in";
}

export function signedOut(notice: string | null): void {
  consoleState.session = null;
  consoleState.notice = notice;
  consoleState.phase = "signed-out";
}

/** At load: the session in force, if any. */
export async function start(): Promise<void> {
  try {
    signedIn(await api.session());
  } catch (e) {
    // No cookie: just the sign-in. A session that ended, or no answer: say so above it.
    signedOut(e instanceof ConsoleError && e.code === "unauthorized" ? null : errorText(e));
  }
}

/**
 * Ends the session at the endpoint and shows the sign-in. When the endpoint cannot say it ended
 * (unreachable, refused), the session may still be alive: stay, and return why for the header.
 */
export async function signOut(): Promise<string | null> {
  try {
    await api.signOut();
  } catch (e) {
    if (!(e instanceof ConsoleError && (e.code === "session_expired" || e.code === "unauthorized"))) return errorText(e);
  }
  signedOut(null);
  return null;
}

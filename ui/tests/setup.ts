// The Tauri mocks expect a browser `window`; in Node the global object stands in for it.
import { setLang } from "../src/lib/i18n.svelte";

const g = globalThis as unknown as { window?: unknown };
if (typeof g.window === "undefined") g.window = globalThis;

// The tests read the UI's English words unless they choose another language.
setLang("en");

import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { i18n, setLang } from "./lib/i18n.svelte";

async function boot() {
  // Screenshot builds only (`vite build --mode mock`): a fake Rust side behind ?mock=1.
  // In the production build MODE is "production", so this branch and the mock chunk are dropped.
  if (import.meta.env.MODE === "mock" && new URLSearchParams(location.search).has("mock")) {
    const { installMock } = await import("./mock/mock");
    installMock(new URLSearchParams(location.search));
  }
  // <html lang> from the first frame (the browser's languages); App.svelte then follows AppInfo.language.
  setLang(i18n.lang);
  mount(App, { target: document.getElementById("app")! });
}

void boot();

// The operator console (docs/console.md): a second entry point of the UI, built by
// `vite build --mode console` into dist-console/ and served by recoup-server at /console/.
// No Tauri here: it talks to the endpoint with fetch (api.ts).
import "../app.css";
import "./console.css";
import { mount } from "svelte";
import Console from "./Console.svelte";
import { i18n, setLang } from "../lib/i18n.svelte";

// The browser's languages (negotiated to en/fr by i18n), or ?lang=fr / ?lang=en.
const asked = new URLSearchParams(location.search).get("lang");
setLang(asked ?? i18n.lang);
mount(Console, { target: document.getElementById("console")! });

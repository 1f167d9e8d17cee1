import { defineConfig, type Plugin } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// `vite build` writes the production bundle to ui/dist (tauri.conf.json: "frontendDist": "ui/dist").
// `vite build --mode mock` additionally bundles src/mock (fake IPC for screenshots); the production
// build never contains it because `import.meta.env.MODE === "mock"` is false there and the dynamic
// import is removed as dead code.
// `vite build --mode console` builds the operator console instead (console.html, src/console) into
// ui/dist-console, served by recoup-server at /console/ (docs/console.md): its page becomes
// dist-console/index.html, its assets /console/assets/*. The app's builds never read console.html.

/** The console's Content Security Policy, as recoup-server sends it (docs/console.md). */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self'; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The console's page: built as dist-console/index.html (the server serves /console/ from it), served
 * at /console/ by `vite --mode console` too; `vite preview --mode console` adds the server's CSP so a
 * look at the page there shows what the policy would block. /console/api goes to a running
 * recoup-server (RECOUP_CONSOLE_SERVER, default http://127.0.0.1:8787) in both.
 */
function consolePage(): Plugin {
  return {
    name: "recoup-console-page",
    enforce: "post",
    generateBundle(_options, bundle) {
      const page = bundle["console.html"];
      if (!page || page.type !== "asset") this.error(`the console build produced no console.html (${Object.keys(bundle).join(", ")})`);
      delete bundle["console.html"];
      this.emitFile({ type: "asset", fileName: "index.html", source: page.source });
    },
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        // (No @types/node here: the request is typed by what is read.)
        const r = req as unknown as { url?: string };
        const m = /^\/console\/?(\?.*)?$/.exec(r.url ?? "");
        if (m) r.url = `/console/console.html${m[1] ?? ""}`;
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!(req as unknown as { url?: string }).url?.startsWith("/console/api/")) res.setHeader("Content-Security-Policy", CONSOLE_CSP);
        next();
      });
    },
  };
}

export default defineConfig(({ mode }) => {
  const consoleBuild = mode === "console";
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const apiProxy = {
    "/console/api": { target: env.RECOUP_CONSOLE_SERVER ?? "http://127.0.0.1:8787", changeOrigin: false },
  };
  return {
    plugins: consoleBuild ? [svelte(), consolePage()] : [svelte()],
    clearScreen: false,
    base: consoleBuild ? "/console/" : "./",
    server: consoleBuild ? { port: 5174, strictPort: true, proxy: apiProxy } : { port: 5173, strictPort: true },
    preview: consoleBuild ? { port: 4174, strictPort: true, proxy: apiProxy, open: false } : undefined,
    build: consoleBuild
      ? {
          outDir: "dist-console",
          target: "es2021",
          sourcemap: false,
          emptyOutDir: true,
          chunkSizeWarningLimit: 300,
          // The CSP allows no inline script or style: nothing inlined as data: URLs or <script> blocks.
          assetsInlineLimit: 0,
          modulePreload: { polyfill: false },
          rolldownOptions: { input: "console.html" },
        }
      : {
          outDir: mode === "mock" ? "dist-mock" : "dist",
          target: "es2021",
          sourcemap: false,
          emptyOutDir: true,
          chunkSizeWarningLimit: 300,
        },
    test: {
      include: ["tests/**/*.test.ts"],
      environment: "node",
      setupFiles: ["tests/setup.ts"],
    },
  };
});

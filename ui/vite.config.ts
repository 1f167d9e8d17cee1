import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// `vite build` writes the production bundle to ui/dist (tauri.conf.json: "frontendDist": "ui/dist").
// `vite build --mode mock` additionally bundles src/mock (fake IPC for screenshots); the production
// build never contains it because `import.meta.env.MODE === "mock"` is false there and the dynamic
// import is removed as dead code.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  base: "./",
  server: { port: 5173, strictPort: true },
  build: {
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
}));

import { defineConfig } from 'vitest/config';

// The server serves dist/ under a strict Content-Security-Policy (see docs/api.md and
// web/README.md): no inline script, no inline style, no data: fonts. The options below keep the
// build within it.
export default defineConfig({
  // JSX is compiled by Vite's own transformer; no React plugin is needed for a production build.
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Never inline assets as data: URIs; font-src allows 'self' only.
    assetsInlineLimit: 0,
    // The polyfill is not needed by the browsers we support and keeps the entry script small.
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev` against a locally running `threathub serve`.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});

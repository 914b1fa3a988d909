/**
 * Builds the demo into `demo/dist`, which the relay serves at `/` (`FERRY_DEMO_DIR`). The
 * service worker is a second entry emitted as `/sw.js` (unhashed: the browser looks it up by
 * that name) so the app shell loads with the relay stopped.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/',
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: { main: here('index.html'), sw: here('src/sw.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    // `npm run dev -w demo` talks to a relay started separately on the default port.
    proxy: { '/v1': { target: 'http://127.0.0.1:8080', ws: true }, '/healthz': 'http://127.0.0.1:8080' },
  },
})

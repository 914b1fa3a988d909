import { defineConfig } from 'vitest/config'

/**
 * Three projects, together every test (`npm test`, which CI runs):
 * - unit: the *.test.ts next to sources (`npm run test:unit`, the fast loop);
 * - e2e: test/ (contracts, e2e, faults, operator): real relays, PostgreSQL, Redis, processes;
 * - browser: test/browser in Chromium, against one demo build per run (build-demo.ts).
 * `vitest run --project <name>` runs one of them.
 */
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', 'test/bench/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts', 'relay/src/**/*.test.ts', 'demo/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**', 'test/bench/**', 'test/browser/**'] } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/browser/build-demo.ts'] } },
    ],
  },
})

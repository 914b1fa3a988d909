import { defineConfig } from 'vitest/config'

/**
 * Tests beside the sources that stay out of the fast loop: random runs at their full count
 * (`*.property.test.ts`) and production costs (`*.slow.test.ts`).
 */
const heavy = '*.{property,slow}.test.ts'

/**
 * Three projects, together every test (`npm test`, which CI runs):
 * - unit: the *.test.ts next to sources but the heavy ones (`npm run test:unit`, the fast loop);
 * - e2e: test/ (contracts, e2e, faults, operator): real relays, PostgreSQL, Redis, processes;
 *   and the heavy tests beside the sources;
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
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages/*,relay,demo}/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', `**/${heavy}`],
          // One module graph per worker instead of a fresh process per file: starting ~80 of
          // them was more than half the run. Unit tests leave no global state behind (each
          // makes its own fake IndexedDB, fake timers are restored), so no file sees another's.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts', `{packages/*,relay,demo}/src/**/${heavy}`],
          exclude: ['**/node_modules/**', 'test/bench/**', 'test/browser/**'],
        },
      },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/browser/build-demo.ts'] } },
    ],
  },
})

/**
 * A new device in Chromium (issue 14: "a new device gets the whole workspace in time close to
 * one doc of the same total bytes"): Ferry's real client on the browser's own IndexedDB and
 * WebSocket (pages/new-device-page.ts) against a relay on files, for an account of
 * BENCH_COLLECTIONS × BENCH_REQUESTS (300 × 20: 303 docs) and for one holding the same requests
 * in one collection (4 docs). Each round a new account of each kind: its first device meets
 * the docs cold (not loaded since the relay started), a second one warm. Medians of
 * BENCH_ROUNDS (5). The workspace-scale bench measures the same in Node (fake-indexeddb);
 * this one says what a browser's own storage changes. Skipped without Debian's Chromium.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { bundlePage } from '../helpers/bundle-page.ts'
import { startRelay, tempDataDir, type TestRelay } from '../helpers/relay.ts'
import type { NewDeviceRun } from './pages/new-device-page.ts'
import { median, report } from './report.ts'
import { buildAccount, seedFerry, type AccountDocs } from './workspace-scale/seed.ts'
import { ONE_DOC_GOAL } from './workspace-scale/report-scale.ts'
import { BENCH_JWT_SECRET } from './workspace-scale/servers.ts'
import { createSessions } from './workspace-scale/tokens.ts'

const CHROMIUM = '/usr/bin/chromium'
const COLLECTIONS = Number(process.env.BENCH_COLLECTIONS ?? 300)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

type Kind = 'many' | 'one'

async function device(browser: Browser, script: string, blank: string, run: NewDeviceRun): Promise<number> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(blank)
    await page.addScriptTag({ content: script })
    return await page.evaluate((r) => (window as unknown as { NewDevice: { newDevice(r: NewDeviceRun): Promise<number> } }).NewDevice.newDevice(r), run)
  } finally {
    await context.close()
  }
}

if (!existsSync(CHROMIUM)) {
  console.log(`new-device-chromium: skipped, ${CHROMIUM} is not installed`)
} else {
  const dir = tempDataDir()
  const users = { many: Array.from({ length: ROUNDS }, (_, i) => `many${i}`), one: Array.from({ length: ROUNDS }, (_, i) => `one${i}`) }
  // An account of its own for the warm-up device, so every measured account meets its docs cold.
  const WARM_UP = 'warmup'
  const tokens = await createSessions(dir, [...users.many, ...users.one, WARM_UP])
  const accounts: Record<Kind, AccountDocs> = { many: await buildAccount(COLLECTIONS, REQUESTS), one: await buildAccount(1, COLLECTIONS * REQUESTS) }
  const bytes = (kind: Kind) => [...accounts[kind].values()].reduce((n, u) => n + u.length, 0)
  const env = { FERRY_JWT_SECRET: BENCH_JWT_SECRET }
  // Seeded, left to unload (compacted into snapshots), then a fresh relay: every doc cold.
  let relay: TestRelay = await startRelay({ ...env, ROOM_IDLE_MS: '500' }, dir)
  for (const kind of ['many', 'one'] as const) for (const user of users[kind]) await seedFerry(relay.wsUrl, await tokens(user), user, accounts[kind])
  await seedFerry(relay.wsUrl, await tokens(WARM_UP), WARM_UP, accounts.one)
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  await relay.close()
  relay = await startRelay(env, dir)
  // A blank page served from 127.0.0.1 for real: a routed (fulfilled) page counts as public, and
  // Chromium's local-network checks then block its sockets to the relay on 127.0.0.1.
  const server = createServer((_, res) => res.setHeader('content-type', 'text/html').end('<!doctype html><title>Ferry</title>'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const blank = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const [browser, script] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] }),
    bundlePage(join(import.meta.dirname, 'pages/new-device-page.ts'), 'NewDevice'),
  ])
  try {
    const samples: Record<Kind, { cold: number[]; warm: number[] }> = { many: { cold: [], warm: [] }, one: { cold: [], warm: [] } }
    const run = async (kind: Kind, user: string): Promise<number> =>
      device(browser, script, blank, { baseUrl: relay.url, token: await tokens(user), owner: user, collections: kind === 'many' ? COLLECTIONS : 1, timeoutMs: 120_000 })
    // A warm-up device, not counted (the page's JIT, the relay's first loads).
    await run('one', WARM_UP)
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of (round % 2 === 0 ? ['many', 'one'] : ['one', 'many']) as Kind[]) {
        const user = users[kind][round]!
        samples[kind].cold.push(await run(kind, user))
        samples[kind].warm.push(await run(kind, user))
      }
      console.log(`  round ${round}: 303 docs cold ${samples.many.cold.at(-1)!.toFixed(0)} ms, warm ${samples.many.warm.at(-1)!.toFixed(0)} ms; one doc cold ${samples.one.cold.at(-1)!.toFixed(0)} ms, warm ${samples.one.warm.at(-1)!.toFixed(0)} ms`)
    }
    const against = `Ferry in Chromium, the same requests in one collection (${(bytes('one') / 1024).toFixed(0)} KiB)`
    const label = `new device in Chromium (${COLLECTIONS}×${REQUESTS}, ${(bytes('many') / 1024).toFixed(0)} KiB)`
    report('new-device-chromium', [
      { metric: `${label}, cold docs: time to all in sync`, ferry: median(samples.many.cold), reference: median(samples.one.cold), unit: 'ms', against, goal: ONE_DOC_GOAL },
      { metric: `${label}, warm docs: time to all in sync`, ferry: median(samples.many.warm), reference: median(samples.one.warm), unit: 'ms', against, goal: ONE_DOC_GOAL },
    ], { samples })
  } finally {
    await browser.close()
    await relay.close(true)
    server.close()
  }
}
process.exit(0)

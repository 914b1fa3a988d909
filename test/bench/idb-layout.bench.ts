/**
 * One IndexedDB database per account against one per doc (issue 14: "measure both"), in
 * Chromium, for what a new device does with a 300-collection account: store one row per doc
 * (303 docs × 9 KB, the size of a 20-request collection) and read them all back. Per doc is
 * how releases before issue 14 stored (y-indexeddb: a database each, a transaction each); per
 * account is how `local/account-docs.ts` stores (one database, one transaction per turn).
 * Skipped without Debian's Chromium.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { median, report } from './report.ts'

const CHROMIUM = '/usr/bin/chromium'
const DOCS = 303
const ROW_BYTES = 9_000
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

interface Timings {
  perDocWrite: number
  perDocRead: number
  oneWrite: number
  oneRead: number
}

/** Runs in the page: both layouts, fresh database names per round. */
async function measure([docs, size, round]: [number, number, number]): Promise<Timings> {
  const request = <T>(r: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))))
  const committed = (t: IDBTransaction): Promise<void> => new Promise((resolve, reject) => ((t.oncomplete = () => resolve()), (t.onerror = () => reject(t.error))))
  const open = (name: string): Promise<IDBDatabase> => {
    const r = indexedDB.open(name, 1)
    r.onupgradeneeded = () => r.result.createObjectStore('updates', { autoIncrement: true })
    return request(r)
  }
  const row = new Uint8Array(size).fill(7)
  const names = Array.from({ length: docs }, (_, i) => `doc-${round}-${i}`)
  let start = performance.now()
  await Promise.all(names.map(async (name) => {
    const db = await open(name)
    const t = db.transaction('updates', 'readwrite')
    t.objectStore('updates').put(row)
    await committed(t)
    db.close()
  }))
  const perDocWrite = performance.now() - start
  start = performance.now()
  await Promise.all(names.map(async (name) => {
    const db = await open(name)
    await request(db.transaction('updates', 'readonly').objectStore('updates').getAll())
    db.close()
  }))
  const perDocRead = performance.now() - start
  start = performance.now()
  const account = await open(`account-${round}`)
  const t = account.transaction('updates', 'readwrite')
  for (let i = 0; i < docs; i++) t.objectStore('updates').put(row)
  await committed(t)
  account.close()
  const oneWrite = performance.now() - start
  start = performance.now()
  const again = await open(`account-${round}`)
  await request(again.transaction('updates', 'readonly').objectStore('updates').getAll())
  again.close()
  return { perDocWrite, perDocRead, oneWrite, oneRead: performance.now() - start }
}

if (!existsSync(CHROMIUM)) {
  console.log(`idb-layout: skipped, ${CHROMIUM} is not installed`)
} else {
  const server = createServer((_, res) => res.setHeader('content-type', 'text/html').end('<!doctype html><title>idb</title>'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    // tsx compiles `measure` keeping function names through an `__name` helper the page lacks.
    await page.addInitScript('globalThis.__name = (fn) => fn')
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    const runs: Timings[] = []
    for (let round = 0; round < ROUNDS; round++) runs.push(await page.evaluate(measure, [DOCS, ROW_BYTES, round] as [number, number, number]))
    const of = (key: keyof Timings): number => median(runs.map((run) => run[key]))
    report('idb-layout', [
      { metric: `store ${DOCS} docs (a new device), Chromium`, ferry: of('oneWrite'), reference: of('perDocWrite'), unit: 'ms', against: 'one database per doc' },
      { metric: `read ${DOCS} docs (a reload), Chromium`, ferry: of('oneRead'), reference: of('perDocRead'), unit: 'ms', against: 'one database per doc' },
    ], { runs })
  } finally {
    await browser.close()
    server.close()
  }
}

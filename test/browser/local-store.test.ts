/**
 * Attack review of the client's local store (packages/client/src/local/) where only a real
 * browser shows it, in Chromium: site data cleared under an open workspace (Chromium closes the
 * connection itself, as DevTools' "Clear site data" does) and a newer release opening the
 * account's database at a higher version in another tab. The page is the client bundled alone
 * (pages/local-store-page.ts) on a routed origin with its own IndexedDB; sync is off.
 */
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundlePage, eventually, hasChromium, launchChromium } from './harness.ts'

const root = resolve(import.meta.dirname, '../..')
const ORIGIN = 'https://ferry.test'
const OWNER = 'ann'

type Client = typeof import('./pages/local-store-page.ts')
interface Tab {
  page: Page
  errors: string[]
  /** Adds a request to the collection the tab opened. */
  add(name: string): Promise<void>
  status(): Promise<string>
}

describe.skipIf(!hasChromium)('local store (Chromium)', () => {
  let browser: Browser
  let script: string
  let context: BrowserContext
  beforeAll(async () => {
    ;[browser, script] = await Promise.all([launchChromium(), bundlePage(join(root, 'test/browser/pages/local-store-page.ts'), 'Client')])
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
  })

  /** A tab of the one browser context: the client bundle on the routed origin, a workspace open with collection `c`. */
  async function tab(): Promise<Tab> {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Ferry</title>' }))
    await page.goto(`${ORIGIN}/`)
    await page.addScriptTag({ content: script })
    await page.evaluate(async (owner) => {
      const { AccountStore, Workspace } = (window as unknown as { Client: Client }).Client
      const store = await AccountStore.open(indexedDB)
      const workspace = await Workspace.open({ owner: owner as never, indexedDB, store, sync: null, tabs: null })
      if (!workspace.index.collections().some((c) => c.id === 'c')) workspace.index.addCollection('API', 'c')
      Object.assign(window, { workspace, collection: await workspace.collection('c') })
    }, OWNER)
    return {
      page,
      errors,
      add: (name) => page.evaluate((n) => void (window as unknown as { collection: { add(r: object): void } }).collection.add({ kind: 'request', name: n }), name),
      status: () => page.evaluate(() => (window as unknown as { Client: Client }).Client.describeStatus((window as unknown as { workspace: { status: never } }).workspace.status)),
    }
  }

  /** The request names a fresh workspace on this origin reads (a reload's view). */
  const storedNames = (page: Page) =>
    page.evaluate(async (owner) => {
      const { AccountStore, Workspace } = (window as unknown as { Client: Client }).Client
      const workspace = await Workspace.open({ owner: owner as never, indexedDB, store: await AccountStore.open(indexedDB), sync: null, tabs: null })
      const names = (await workspace.collection('c')).tree().map((node) => node.name)
      await workspace.destroy()
      return names
    }, OWNER)

  it('site data cleared under an open workspace: it says the storage is gone, and typing on throws nothing', async () => {
    context = await browser.newContext()
    const one = await tab()
    await one.add('saved')
    await eventually(() => storedNames(one.page)).toEqual(['saved'])

    const cdp = await context.newCDPSession(one.page)
    await cdp.send('Storage.clearDataForOrigin', { origin: ORIGIN, storageTypes: 'indexeddb' })
    await one.add('typed after the data was cleared')
    await eventually(() => one.status()).toMatch(/^error \(this browser could not save changes \(the browser closed its storage/)
    await one.add('and after that')
    expect(one.errors).toEqual([])
    await context.close()
  })

  it('a newer release opening the database in another tab: what was typed here opens there, and this tab says to reload', async () => {
    context = await browser.newContext()
    const old = await tab()
    for (let i = 0; i < 20; i++) await old.add(`typed ${i}`)
    const newer = await context.newPage()
    await newer.route(`${ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Ferry</title>' }))
    await newer.goto(`${ORIGIN}/`)
    await newer.addScriptTag({ content: script })
    await old.add('typed last')
    const names = await newer.evaluate(async (owner) => {
      const { Collection, Y } = (window as unknown as { Client: Client }).Client
      const db = await new Promise<IDBDatabase>((done, fail) => {
        const request = indexedDB.open(`ferry:${owner}:docs`, 2)
        request.onsuccess = () => done(request.result)
        request.onerror = () => fail(request.error)
      })
      const rows = await new Promise<{ doc: string; update: Uint8Array }[]>((done) => {
        const request = db.transaction('updates', 'readonly').objectStore('updates').getAll()
        request.onsuccess = () => done(request.result as { doc: string; update: Uint8Array }[])
      })
      db.close()
      const doc = new Y.Doc()
      for (const row of rows) if (row.doc === `${owner}:collection:c`) Y.applyUpdate(doc, row.update)
      return new Collection(doc).tree().map((node) => node.name)
    }, OWNER)
    expect(names).toEqual([...Array.from({ length: 20 }, (_, i) => `typed ${i}`), 'typed last'])
    await eventually(() => old.status()).toMatch(/^error \(this browser could not save changes \(a newer Ferry opened this account in another tab: reload this tab/)
    await old.add('typed in the old tab after the upgrade')
    expect(old.errors).toEqual([])
    await context.close()
  })
})

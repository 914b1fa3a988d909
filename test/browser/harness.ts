/**
 * Shared parts of the browser suites: the demo build of this run (made once by build-demo.ts),
 * a real relay serving it, Debian's Chromium through playwright-core, the relay's
 * outbox mails, a tiny CORS-enabled API server for "Send", and screenshots.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { join, resolve } from 'node:path'
import { simpleParser } from 'mailparser'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, inject } from 'vitest'
import { openRelay } from '../../relay/src/app.ts'
import type { Config } from '../../relay/src/config.ts'
import { testConfig, type TestRelay } from '../helpers/relay.ts'
import { skipUnless } from '../helpers/services.ts'

export { bundlePage } from '../helpers/bundle-page.ts'

export const CHROMIUM = '/usr/bin/chromium'
/** False where Chromium is missing (the suites skip with a warning; under CI that fails instead). */
export const hasChromium = !skipUnless('Chromium', existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`)

const root = resolve(import.meta.dirname, '../..')
const screenshots = join(root, 'test/browser/__screenshots__')

/** The dir of this run's demo build (the browser project's globalSetup, build-demo.ts, made it). */
export function demoBuild(): string {
  return inject('demoDir')
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
  const port = (probe.address() as { port: number }).port
  await new Promise((done) => probe.close(done))
  return port
}

/**
 * A relay serving the demo build, on a port chosen up front so its PUBLIC_URL is its real
 * address: mailed links, avatar URLs and the OIDC redirect then lead back to it.
 */
export async function startDemoRelay(demoDir: string, env: Record<string, string> = {}): Promise<TestRelay> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const config = testConfig({ FERRY_DEMO_DIR: demoDir, PUBLIC_URL: url, ...env })
  return listenAt(config, port)
}

async function listenAt(config: Config, port: number): Promise<TestRelay> {
  const { app, stores } = await openRelay(config)
  await app.listen({ host: '127.0.0.1', port })
  return {
    app,
    stores,
    config,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir: config.dataDir,
    async close(removeData = false) {
      await app.close()
      if (removeData) rmSync(config.dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Brings a stopped relay back on the same port and data dir, so pages loaded from it (their
 * origin includes the port) reconnect to it. `relay.close()` must have been called.
 */
export async function restartRelay(relay: TestRelay): Promise<TestRelay> {
  return listenAt(relay.config, Number(new URL(relay.url).port))
}

export interface DemoSuite {
  browser: Browser
  /** Reassignable: a suite that restarts its relay stores the new one here. */
  relay: TestRelay
}

/**
 * The usual frame of a browser suite, registered around the calling `describe`: the demo built
 * once, Chromium launched, a relay serving the build (with `env` on top); all closed after.
 */
export function useDemoSuite(env: Record<string, string> = {}): DemoSuite {
  const suite = {} as DemoSuite
  beforeAll(async () => {
    ;[suite.browser, suite.relay] = await Promise.all([launchChromium(), startDemoRelay(demoBuild(), env)])
  }, 60_000)
  afterAll(async () => {
    await suite.browser?.close()
    await suite.relay?.close(true)
  }, 90_000)
  return suite
}

/** A fresh browser context (one "device") with a page that fails the test on page errors. */
export async function device(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport })
  // Well under the test timeout, so a stuck step fails with its own message.
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  return { context, page, errors }
}

/** `expect.poll` with a bound that fits browser steps (password hashing, sockets). */
export const eventually = <T>(read: () => T | Promise<T>): ReturnType<typeof expect.poll<T>> => expect.poll(read, { timeout: 15_000, interval: 50 })

/** A screenshot of the page, or of one element (a `Locator`), into test/browser/__screenshots__. */
export async function screenshot(target: Page | Locator, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true })
  await target.screenshot({ path: join(screenshots, `${name}.png`) })
}

/**
 * Waits for the newest mail to `to` in the relay's outbox and returns the first link whose
 * fragment starts with `#/<route>?token=`.
 */
export async function mailedLink(dataDir: string, to: string, route: 'confirm' | 'reset'): Promise<string> {
  const outbox = join(dataDir, 'outbox')
  let link: string | undefined
  await expect.poll(async () => {
    if (!existsSync(outbox)) return undefined
    const files = readdirSync(outbox).filter((f) => f.endsWith('.eml')).map((f) => join(outbox, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    for (const file of files) {
      const mail = await simpleParser(readFileSync(file))
      const recipients = [mail.to].flat().flatMap((t) => t?.value ?? []).map((v) => v.address)
      if (!recipients.includes(to)) continue
      const text = `${mail.text ?? ''} ${typeof mail.html === 'string' ? mail.html : ''}`
      link = text.match(new RegExp(`https?://[^\\s"'<>]+#/${route}\\?token=[A-Za-z0-9_.~%-]+`))?.[0]
      if (link) return link
    }
    return undefined
  }, { timeout: 10_000 }).toBeTruthy()
  return link!
}

export interface ApiServer {
  url: string
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[]
  close(): Promise<void>
}

/** The suite's local API (see `startApiServer`), started before its tests and closed after them. */
export function useApiServer(): Pick<ApiServer, 'url' | 'requests'> {
  let server: ApiServer | null = null
  beforeAll(async () => {
    server = await startApiServer()
  })
  afterAll(async () => {
    await server?.close()
  })
  const started = (): ApiServer => {
    if (server === null) throw new Error('the API server starts in beforeAll')
    return server
  }
  return {
    get url() {
      return started().url
    },
    get requests() {
      return started().requests
    },
  }
}

/** A local HTTP API that allows any origin and answers JSON describing the request. */
export async function startApiServer(): Promise<ApiServer> {
  const requests: ApiServer['requests'] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      res.setHeader('access-control-allow-origin', '*')
      res.setHeader('access-control-allow-headers', '*')
      res.setHeader('access-control-allow-methods', '*')
      res.setHeader('access-control-expose-headers', 'x-served-by')
      if (req.method === 'OPTIONS') return res.end()
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      res.setHeader('content-type', 'application/json')
      res.setHeader('x-served-by', 'ferry-test-api')
      res.statusCode = req.url?.startsWith('/missing') ? 404 : 200
      res.end(JSON.stringify({ ok: res.statusCode === 200, method: req.method, path: req.url, pets: [{ id: 1, name: 'Rex' }, { id: 2, name: 'Tom' }] }))
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  }
}

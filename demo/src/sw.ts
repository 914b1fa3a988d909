/**
 * The service worker that makes the demo open with the relay unreachable: it keeps the app
 * shell (index.html and the assets it references) in Cache Storage. Navigations go to the
 * network first and fall back to the cached shell; hashed assets are served from the cache.
 * It never touches API calls (`/v1/*`), other origins (requests the user sends) or non-GET.
 */

// The DOM library has no service-worker types; these are the few members used here.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  respondWith(response: Promise<Response>): void
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
  skipWaiting(): Promise<void>
  readonly clients: { claim(): Promise<void> }
  readonly location: Location
}

const scope = self as unknown as WorkerScope
const CACHE = 'ferry-shell-v1'
const SHELL = '/index.html'

/** Same-origin asset paths referenced by an HTML page (scripts, styles, icons). */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] ?? '').filter((p) => p !== '')
}

/** Fetches the shell, stores it and every asset it names, and drops assets it no longer names. */
async function refreshShell(response?: Response): Promise<void> {
  const cache = await caches.open(CACHE)
  const page = response ?? (await fetch(SHELL, { cache: 'no-cache' }))
  if (!page.ok) return
  const html = await page.clone().text()
  await cache.put(SHELL, page)
  const wanted = new Set(assetsOf(html).map((p) => new URL(p, scope.location.origin).href))
  const cached = await cache.keys()
  await Promise.all(
    cached
      .filter((req) => new URL(req.url).pathname.startsWith('/assets/') && !wanted.has(req.url))
      .map((req) => cache.delete(req)),
  )
  await Promise.all(
    [...wanted].map(async (url) => {
      if (await cache.match(url)) return
      const asset = await fetch(url)
      if (asset.ok) await cache.put(url, asset)
    }),
  )
}

async function navigate(request: Request): Promise<Response> {
  try {
    const response = await fetch(request)
    if (response.ok) void refreshShell(response.clone()).catch(() => undefined)
    return response
  } catch {
    const cached = await caches.match(SHELL)
    if (cached) return cached
    throw new Error('offline and no cached app shell')
  }
}

async function cachedFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok && new URL(request.url).pathname.startsWith('/assets/')) {
    const cache = await caches.open(CACHE)
    await cache.put(request, response.clone())
  }
  return response
}

scope.addEventListener('install', (event) => {
  event.waitUntil(refreshShell().then(() => scope.skipWaiting()))
})

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => scope.clients.claim()),
  )
})

scope.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== scope.location.origin) return
  if (url.pathname.startsWith('/v1/') || url.pathname === '/healthz' || url.pathname === '/sw.js') return
  event.respondWith(request.mode === 'navigate' ? navigate(request) : cachedFirst(request))
})

/**
 * Serves the built demo (`config.demoDir`) at `/`. Files that exist are sent as they are
 * (hashed `/assets/*` cached for a year, everything else revalidated); any other non-API
 * path gets `index.html`, so client-side routes and a reload on them work. Paths under
 * `/v1/` never fall back: an unknown API route stays a JSON 404.
 */
import { statSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fastifyStatic from '@fastify/static'
import { notFound } from '../errors.ts'

export interface StaticOptions {
  /** Directory holding `index.html` and the built assets. */
  root: string
}

const ONE_YEAR_SECONDS = 365 * 24 * 3600

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The file under `root` that `urlPath` names, or null when it names nothing servable. */
export function fileFor(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const path = resolve(root, `.${decoded}`)
  if (path !== root && !path.startsWith(root + sep)) return null
  return isFile(path) ? path.slice(root.length + 1) : null
}

export default async function staticPlugin(app: FastifyInstance, options: StaticOptions): Promise<void> {
  const root = resolve(options.root)
  if (!isFile(resolve(root, 'index.html'))) {
    app.log.warn({ demoDir: root }, 'FERRY_DEMO_DIR has no index.html; build the demo with `npm run build -w demo`')
  }
  await app.register(fastifyStatic, { root, serve: false })

  const sendIndex = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false })

  app.get('/*', async (request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '/'
    if (urlPath === '/v1' || urlPath.startsWith('/v1/')) throw notFound(`No such route for ${request.method}.`)
    const file = fileFor(root, urlPath)
    if (file === null || file === 'index.html') return sendIndex(reply)
    if (file.startsWith('assets/')) {
      return reply.sendFile(file, { immutable: true, maxAge: ONE_YEAR_SECONDS * 1000 })
    }
    // The service worker and other unhashed files must be revalidated on every load.
    return reply.header('cache-control', 'no-cache').sendFile(file, { cacheControl: false })
  })
}

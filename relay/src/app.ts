/**
 * `buildApp(config)`: the whole relay as a Fastify instance, not listening. Each concern is an
 * encapsulated plugin registered here explicitly and in order; `main.ts` listens, tests use
 * `inject()` or listen on port 0.
 */
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'
import type { UserId } from '@ferry/protocol'
import type { Config } from './config.ts'
import { createCoordination, type Coordination } from './coordination.ts'
import { lockDataDir } from './data-dir.ts'
import { errorBody, HttpError } from './errors.ts'
import accountBackup from './account-backup/index.ts'
import accessTokens from './auth/access-tokens.ts'
import { loggedRoute } from './redact.ts'
import metricsPlugin from './metrics/index.ts'
import { RelayMetrics } from './metrics/relay-metrics.ts'
import { requestIds, REQUEST_ID_HEADER } from './request-id.ts'
import staticPlugin from './static/index.ts'
import { createStores, type Stores } from './storage/index.ts'
import mail from './mail/index.ts'
import auth from './auth/index.ts'
import avatars from './avatars/index.ts'
import docs from './docs/index.ts'
import links from './links/index.ts'
import sendProxy from './send-proxy/index.ts'
import sync from './sync/index.ts'
import vault from './vault/index.ts'
import versions from './versions/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

/** Fastify's own error codes for unusable bodies, renamed to the relay's vocabulary. */
const FASTIFY_ERROR_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
}

/**
 * The demo's Content-Security-Policy: its own scripts only (no inline or injected script can
 * run, so a malicious value in a synced doc or a response cannot execute), styles from itself
 * (CodeMirror adds its own style sheets, hence 'unsafe-inline' for styles only), images from
 * itself and data/blob URLs (avatars, icons). `connect-src` is open: sending requests to any
 * API is what an API client is for. No plugins, no framing, forms only to itself.
 */
const DEMO_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ['*', 'ws:', 'wss:', 'http:', 'https:'],
  workerSrc: ["'self'"],
  manifestSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
}

/** A relay and its stores, for whoever drives it from outside its routes (tests, admin tasks). */
export interface OpenedRelay {
  readonly app: FastifyInstance
  /** The stores the app serves; closed with the app. Plugins get only the ports they need. */
  readonly stores: Stores
}

export async function buildApp(config: Config): Promise<FastifyInstance> {
  return (await openRelay(config)).app
}

/** `buildApp`, also answering the stores it opened. */
export async function openRelay(config: Config): Promise<OpenedRelay> {
  const releaseLock = lockDataDir(config.dataDir)
  let stores: Stores
  // The logger exists once the app does; a pooled connection can only fail after that.
  let log: FastifyBaseLogger | null = null
  try {
    stores = await createStores(
      config,
      (error) => log?.error({ err: error }, 'an idle database connection failed'),
      (damage, name) =>
        log?.error({ doc: damage.doc, docName: name, damaged: damage.what, kept: damage.kept }, 'stored document bytes could not be read: skipped and kept, never deleted'),
    )
  } catch (error) {
    releaseLock()
    throw error
  }
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: {
        req: (req) => ({ method: req.method, url: loggedRoute(req), remoteAddress: req.ip }),
      },
    },
    ...(config.tls
      ? { https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }
      : {}),
    // No type coercion: a JSON body holding 42 where a string belongs is a bad request, not "42".
    trustProxy: config.trustProxy,
    // Ids of our own (or a trusted proxy's, if plain): a client's header never reaches the log as given.
    requestIdHeader: false,
    genReqId: requestIds(config.trustProxy),
    // Route parameters carry whole doc names (up to 194 characters); the default cap is 100.
    routerOptions: { maxParamLength: 256 },
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false } },
  }) as unknown as FastifyInstance
  let coordination: Coordination
  try {
    coordination = await createCoordination(config, app.log.child({ component: 'coordination' }))
  } catch (error) {
    await stores.close()
    releaseLock()
    throw error
  }
  app.addHook('onClose', async () => {
    await coordination.close()
    await stores.close()
    releaseLock()
  })
  log = app.log
  app.decorate('config', config)

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).headers(error.headers).send(errorBody(error.code, error.message))
    }
    if (error.validation) {
      return reply.status(400).send(errorBody('invalid_request', error.message))
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const code = (error.code && FASTIFY_ERROR_CODES[error.code]) ?? error.code?.toLowerCase() ?? 'bad_request'
      return reply.status(status).send(errorBody(code, error.message))
    }
    request.log.error({ err: error }, 'request failed')
    return reply.status(500).send(errorBody('internal', 'Something went wrong on the relay.'))
  })
  app.setNotFoundHandler((request, reply) =>
    // The path is not echoed: a mistyped link or confirmation URL still carries its token.
    reply.status(404).send(errorBody('not_found', `No such route for ${request.method}.`)),
  )

  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
  })
  // Counted even without METRICS_TOKEN would be wasted work: only a relay that serves them measures.
  const metrics = config.metricsToken === null ? null : new RelayMetrics(() => (app.hasDecorator('sync') ? app.sync : null))
  if (metrics && config.metricsToken !== null) await app.register(metricsPlugin, { metrics, token: config.metricsToken })
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: DEMO_CSP }, crossOriginResourcePolicy: { policy: 'same-site' } })
  await app.register(accessTokens, { config, sessions: stores.sessions })
  await app.register(mail, { config })
  // Deleting an account closes its sockets through the sync plugin, registered below; used only per request.
  const live = {
    deleteDocs: (owner: UserId) => app.sync.deleteOwnedDocs(owner),
    sessionsEnded: (userId: UserId) => app.accessTokens.sessionsEnded(userId),
  }
  await app.register(auth, { config, rateLimitStore: coordination.rateLimitStore, stores, live })
  await app.register(avatars, { config, avatars: stores.avatars, users: stores.users })
  // Before sync: its rooms take their version recorders from it.
  await app.register(versions, { config, docStore: stores.docs })
  await app.register(sync, {
    config,
    docStore: metrics ? metrics.instrument(stores.docs) : stores.docs,
    broadcast: coordination.broadcast,
    connectionRate: metrics ? metrics.countRefusals(coordination.connectionRate) : coordination.connectionRate,
  })
  await app.register(links, { config, links: stores.links, users: stores.users, docStore: stores.docs, rateLimitStore: coordination.rateLimitStore })
  await app.register(docs, { config, links: stores.links, docStore: stores.docs, rateLimitStore: coordination.rateLimitStore })
  await app.register(vault, { vault: stores.vault })
  // After sync: a restore goes through its rooms.
  await app.register(accountBackup, { config, docStore: stores.docs, users: stores.users, vault: stores.vault })

  app.get('/healthz', async (_request, reply) => {
    const [storage, broadcast] = await Promise.all([stores.check(), coordination.check()])
    const ready = broadcast === 'ok' && Object.values(storage).every((state) => state === 'ok')
    // Damaged document bytes do not make the relay unready (everything else is served), but are listed.
    const damaged = await stores.damaged()
    return reply.status(ready ? 200 : 503).send({ ok: ready, storage, broadcast, ...(damaged.length > 0 && { damaged }) })
  })
  if (config.sendProxy.enabled) await app.register(sendProxy, { config, rateLimitStore: coordination.rateLimitStore })
  if (config.demoDir) await app.register(staticPlugin, { root: config.demoDir })
  return { app, stores }
}

/**
 * `buildApp(config)`: the whole relay as a Fastify instance, not listening. Each concern is an
 * encapsulated plugin registered here explicitly and in order; `main.ts` listens, tests use
 * `inject()` or listen on port 0.
 */
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'
import type { Config } from './config.ts'
import { lockDataDir } from './data-dir.ts'
import { errorBody, HttpError } from './errors.ts'
import accessTokens from './auth/access-tokens.ts'
import { redactUrl } from './redact.ts'
import staticPlugin from './static/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export async function buildApp(config: Config): Promise<FastifyInstance> {
  const releaseLock = lockDataDir(config.dataDir)
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: {
        req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
      },
    },
    ...(config.tls
      ? { https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }
      : {}),
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance
  app.addHook('onClose', async () => releaseLock())
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
      return reply.status(status).send(errorBody(error.code?.toLowerCase() ?? 'bad_request', error.message))
    }
    request.log.error({ err: error }, 'request failed')
    return reply.status(500).send(errorBody('internal', 'Something went wrong on the relay.'))
  })
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `No route ${request.method} ${redactUrl(request.url)}`)),
  )

  await app.register(helmet, { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } })
  await app.register(accessTokens, { config })

  app.get('/healthz', async () => ({ ok: true }))
  if (config.demoDir) await app.register(staticPlugin, { root: config.demoDir })
  return app
}

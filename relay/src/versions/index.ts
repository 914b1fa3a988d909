/**
 * Version history routes, the owner's only (an access token of the collection's owner: share
 * links and other users are refused):
 *
 * - `GET /v1/docs/:docName/versions` — `{ versions: [{ id, at, devices, summary, name }] }`,
 *   oldest first; `devices` are the sign-in sessions whose edits the version holds.
 * - `POST /v1/docs/:docName/versions` `{ name }` — takes a named version of the doc now.
 * - `GET /v1/docs/:docName/versions/:id` — `{ id, state }`: the version's whole state, one Yjs
 *   update in base64url; the client restores from it (@ferry/schema `restoreCollection`).
 * - `PUT /v1/docs/:docName/versions/:id/name` `{ name: string | null }` — names (or unnames) it.
 * - `GET /v1/docs/:docName/versions/:id/diff/:to` — what changed from `id` to `to`, per item.
 *
 * Also decorates `app.versions`, which the sync plugin's rooms take their recorders from, so it
 * is registered before it.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { MAX_DOC_NAME_LENGTH, parseDocName, type DocName } from '@ferry/protocol'
import type { Config } from '../config.ts'
import { requireUser } from '../auth/access-tokens.ts'
import { badRequest, forbidden, httpError, notFound } from '../errors.ts'
import type { DocStore } from '../storage/doc-store.ts'
import { VersionStoreError, type VersionRecord } from '../storage/versions/version-store.ts'
import { openVersionStore } from './open-store.ts'
import { Versions } from './service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    versions: Versions
  }
}

export interface VersionsPluginOptions {
  config: Config
  docStore: DocStore
  /** The clock versions are stamped with (tests); default `Date.now`. */
  now?: () => number
}

const MAX_NAME_LENGTH = 200
const DocParams = Type.Object({ docName: Type.String({ minLength: 1, maxLength: MAX_DOC_NAME_LENGTH }) }, { additionalProperties: false })
const VersionParams = Type.Object(
  { docName: Type.String({ minLength: 1, maxLength: MAX_DOC_NAME_LENGTH }), id: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) },
  { additionalProperties: false },
)
const DiffParams = Type.Object(
  { ...VersionParams.properties, to: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) },
  { additionalProperties: false },
)
const NameBody = Type.Object({ name: Type.Union([Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }), Type.Null()]) }, { additionalProperties: false })
const TakeBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }) }, { additionalProperties: false })

/** The collection named in the path, if the caller owns it; otherwise the error to answer with. */
function ownCollection(request: FastifyRequest, raw: string): DocName {
  const parsed = parseDocName(raw)
  if (!parsed.ok) throw badRequest(parsed.error.message, 'invalid_doc_name')
  if (parsed.value.kind !== 'collection') throw badRequest(`Only collections keep versions; this is the account's ${parsed.value.kind}.`, 'not_a_collection')
  if (parsed.value.owner !== request.userId) throw forbidden("Only a collection's owner can see its versions.", 'not_owner')
  return parsed.value.name
}

const view = ({ id, at, devices, summary, name }: VersionRecord) => ({ id, at, devices, summary, name })

/** Store errors as answers: a missing version is a 404, a deleted doc a 410. */
async function answering<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof VersionStoreError && error.code === 'not_found') throw notFound(error.message, 'version_not_found')
    if (error instanceof VersionStoreError && error.code === 'gone') throw httpError(410, 'doc_deleted', 'The collection was deleted.')
    throw error
  }
}

export default fp(
  async function versionsPlugin(app: FastifyInstance, opts: VersionsPluginOptions) {
    const { config } = opts
    const opened = await openVersionStore(config, (error) => app.log.error({ err: error }, 'an idle database connection of the version store failed'))
    const versions = new Versions(
      opened.store,
      opts.docStore,
      { intervalMs: config.versionIntervalMs, retentionMs: config.versionRetentionMs, now: opts.now ?? Date.now },
      app.log.child({ plugin: 'versions' }),
    )
    app.decorate('versions', versions)
    app.addHook('onClose', async () => {
      await versions.settled()
      await opened.close()
    })

    app.get<{ Params: Static<typeof DocParams> }>('/v1/docs/:docName/versions', { onRequest: requireUser, schema: { params: DocParams } }, async (request) => {
      const name = ownCollection(request, request.params.docName)
      return { versions: (await versions.list(name)).map(view) }
    })

    app.post<{ Params: Static<typeof DocParams>; Body: Static<typeof TakeBody> }>(
      '/v1/docs/:docName/versions',
      { onRequest: requireUser, schema: { params: DocParams, body: TakeBody } },
      async (request, reply) => {
        const name = ownCollection(request, request.params.docName)
        // What this relay accepted is stored first, so the version holds it.
        await app.sync.flush()
        const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
        const session = token ? app.accessTokens.verify(token)?.sessionId : undefined
        const taken = await answering(() => versions.takeNamed(name, request.body.name, session ? [session] : []))
        return reply.status(201).send(view(taken))
      },
    )

    app.get<{ Params: Static<typeof VersionParams> }>(
      '/v1/docs/:docName/versions/:id',
      { onRequest: requireUser, schema: { params: VersionParams } },
      async (request) => {
        const name = ownCollection(request, request.params.docName)
        const id = Number(request.params.id)
        const state = await answering(() => versions.state(name, id))
        return { id, state: Buffer.from(state).toString('base64url') }
      },
    )

    app.put<{ Params: Static<typeof VersionParams>; Body: Static<typeof NameBody> }>(
      '/v1/docs/:docName/versions/:id/name',
      { onRequest: requireUser, schema: { params: VersionParams, body: NameBody } },
      async (request, reply) => {
        const name = ownCollection(request, request.params.docName)
        if (!(await versions.rename(name, Number(request.params.id), request.body.name))) throw notFound(`There is no version ${request.params.id}.`, 'version_not_found')
        return reply.status(204).send()
      },
    )

    app.get<{ Params: Static<typeof DiffParams> }>(
      '/v1/docs/:docName/versions/:id/diff/:to',
      { onRequest: requireUser, schema: { params: DiffParams } },
      async (request) => {
        const name = ownCollection(request, request.params.docName)
        return answering(() => versions.diff(name, Number(request.params.id), Number(request.params.to)))
      },
    )
  },
  { name: 'versions' },
)

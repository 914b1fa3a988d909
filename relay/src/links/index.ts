/**
 * Collection links (`/v1/links`): read-only, live, revocable share links to one collection.
 *
 * - `POST /v1/links` — the owner of a collection doc, with a confirmed email, makes a link:
 *   `{ id, token, url }`; the token is shown once and stored only as a hash. A deleted
 *   collection cannot be shared (410 `doc_deleted`).
 * - `GET /v1/links` — the caller's links with their use counts and state (never tokens).
 * - `DELETE /v1/links/:id` — revokes; every socket opened with it closes (4403) at once.
 * - `GET /v1/links/resolve/:token` — unauthenticated, rate limited per IP:
 *   `{ docName, collectionName, ownerName, viewerToken }`; 404 unknown, 410 revoked, expired
 *   or used up, 410 `collection_trashed` while the collection is in its owner's trash (no use
 *   is counted; the link opens again once the owner restores it).
 *
 * What counts as a use: opening the link — one resolve — or one socket opened with the bare
 * link token (a client that skipped the resolve). Sockets opened with the viewer token a
 * resolve answered are not counted again, so a viewer's reconnects never spend uses; they
 * work until the link is revoked or expires. `maxUses` therefore bounds how many times the
 * link can be opened, not how long an opened view lasts.
 *
 * A trashed collection's link is suspended, not revoked: its sockets are refused (4423) and
 * those open are closed (trash-watch.ts) until the owner restores it.
 *
 * Registered after the sync plugin: it adds a token resolver there and revokes through it.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { parseDocName, type UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import type { Coordination } from '../coordination.ts'
import { requireUser } from '../auth/access-tokens.ts'
import { newSecret } from '../auth/secrets.ts'
import { badRequest, forbidden, httpError, notFound, type HttpError } from '../errors.ts'
import type { LinkId, LinkRecord, LinkStore, LinkUseError } from '../storage/accounts/links.ts'
import type { UserStore } from '../storage/accounts/users.ts'
import { linkUseError } from '../storage/accounts/links.ts'
import { wasDeleted, type DocStore } from '../storage/doc-store.ts'
import { COLLECTION_TRASHED, readCollectionListing } from './collection-listing.ts'
import { LinkGrants } from './link-grants.ts'
import { newLinkId, newPassKey, parseLinkToken, viewerToken } from './link-tokens.ts'
import { resolveLimit } from './resolve-limit.ts'
import { closeViewersOnTrash } from './trash-watch.ts'
import { CreatedLink, CreateLinkBody, LinkList, LinkParams, ResolvedLink, TokenParams, type LinkView } from './schemas.ts'

/** Live links (not revoked, expired or used up) one account may hold at once. */
export const MAX_LIVE_LINKS_PER_USER = 500
/** Shown when the owner's workspace does not name the collection (yet). */
const UNNAMED = 'Untitled collection'


export interface LinksOptions {
  config: Config
  links: LinkStore
  users: UserStore
  docStore: DocStore
  rateLimitStore: Coordination['rateLimitStore']
}

const gone: Readonly<Record<Exclude<LinkUseError, 'unknown'>, () => HttpError>> = {
  revoked: () => httpError(410, 'link_revoked', 'This link was revoked by its owner.'),
  expired: () => httpError(410, 'link_expired', 'This link has expired.'),
  used_up: () => httpError(410, 'link_used_up', 'This link has been opened as many times as its owner allowed.'),
}

function view(link: LinkRecord, now: number): LinkView {
  return {
    id: link.id,
    docName: link.docName,
    createdAt: link.createdAt,
    expiresAt: link.expiresAt,
    maxUses: link.maxUses,
    uses: link.uses,
    revokedAt: link.revokedAt,
    state: linkUseError(link, now) ?? 'active',
  }
}

const links: FastifyPluginAsyncTypebox<LinksOptions> = async (app, { config, links: store, users, docStore, rateLimitStore }) => {
  // Limits are applied per route (`resolveLimit`), never globally.
  await app.register(rateLimit, { global: false, ...rateLimitStore })
  const grants = new LinkGrants(store, app.sync, docStore)
  app.sync.addTokenResolver(grants.resolve)
  closeViewersOnTrash(app.sync, app.log)
  app.addHook('onClose', async () => grants.close())
  const owner = (request: { userId: string }): UserId => request.userId as UserId

  app.post('/v1/links', { onRequest: requireUser, schema: { body: CreateLinkBody, response: { 201: CreatedLink } } }, async (request, reply) => {
    const { docName, expiresAt, maxUses } = request.body
    const parsed = parseDocName(docName)
    if (!parsed.ok) throw badRequest(parsed.error.message, 'invalid_doc_name')
    if (parsed.value.kind !== 'collection') throw badRequest('Only collections can be shared by link.', 'not_a_collection')
    const now = Date.now()
    if (expiresAt !== undefined && expiresAt <= now) throw badRequest('expiresAt must be in the future.', 'invalid_expiry')
    const userId = owner(request)
    if (parsed.value.owner !== userId) throw forbidden('Only the owner of a collection can share it.', 'not_owner')
    const user = await users.getUser(userId)
    if (!user?.emailConfirmed) throw forbidden('Confirm your email address before sharing collections.', 'email_unconfirmed')
    // A link to a deleted collection would resolve and then close with 4410 on every open.
    if (await wasDeleted(docStore, parsed.value.name)) throw httpError(410, 'doc_deleted', 'This collection was deleted.')
    const live = (await store.listLinks(userId)).filter((link) => linkUseError(link, now) === null)
    if (live.length >= MAX_LIVE_LINKS_PER_USER) {
      throw httpError(409, 'too_many_links', `An account can have ${MAX_LIVE_LINKS_PER_USER} working links; revoke some you no longer need.`)
    }
    const secret = newSecret()
    const link = await store.createLink({
      id: newLinkId(),
      ownerId: userId,
      docName: parsed.value.name,
      tokenHash: secret.hash,
      passKey: newPassKey(),
      createdAt: now,
      expiresAt: expiresAt ?? null,
      maxUses: maxUses ?? null,
    })
    const url = `${config.publicUrl}/#/shared?token=${secret.token}`
    return reply.status(201).send({ id: link.id, token: secret.token, url })
  })

  app.get('/v1/links', { onRequest: requireUser, schema: { response: { 200: LinkList } } }, async (request) => {
    const now = Date.now()
    return { links: (await store.listLinks(owner(request))).map((link) => view(link, now)) }
  })

  app.delete('/v1/links/:id', { onRequest: requireUser, schema: { params: LinkParams } }, async (request, reply) => {
    const id = request.params.id as LinkId
    const revoked = await store.revokeLink(owner(request), id, Date.now())
    if (revoked === null) throw notFound('You have no link with this id.', 'unknown_link')
    grants.revoke(id)
    return reply.status(204).send()
  })

  app.get(
    '/v1/links/resolve/:token',
    // No automatic HEAD route: every request here spends a use.
    { exposeHeadRoute: false, preHandler: resolveLimit(app, config), schema: { params: TokenParams, response: { 200: ResolvedLink } } },
    async (request) => {
      const { token } = request.params
      const presented = parseLinkToken(token)
      if (presented === null || presented.pass !== null) throw notFound('No such link.', 'unknown_link')
      // Looked up before a use is counted: a link that does not open now must not spend one.
      const found = await store.findLinkByToken(presented.hash)
      if (found === null) throw notFound('No such link.', 'unknown_link')
      const refused = linkUseError(found, Date.now())
      if (refused) throw gone[refused]()
      const parsed = parseDocName(found.docName)
      if (!parsed.ok) throw new Error(`stored link ${found.id} names an invalid doc`)
      const [listing, ownerUser] = await Promise.all([readCollectionListing(docStore, parsed.value), users.getUser(found.ownerId)])
      if (listing.trashed) throw httpError(410, 'collection_trashed', COLLECTION_TRASHED)
      const used = await store.useLink(presented.hash, Date.now())
      if (!used.ok) throw used.error === 'unknown' ? notFound('No such link.', 'unknown_link') : gone[used.error]()
      const link = used.value
      return {
        docName: link.docName,
        collectionName: listing.name ?? UNNAMED,
        ownerName: ownerUser?.name ?? null,
        viewerToken: viewerToken(token, link),
      }
    },
  )
}

export default links

/**
 * `DELETE /v1/docs/:docName`: the owner deletes one of their collections everywhere. Only
 * `collection` docs: an account's workspace, environments and history belong to the account
 * as a whole. In order: the doc's share links are revoked (they stay listed as revoked), its
 * sockets close with 4410 on every relay, its rooms unload without storing anything more, and
 * the store deletes every byte, leaving a tombstone so that no device that was offline with the
 * collection can bring it back. Idempotent: a collection never written, or already deleted,
 * answers 204 too (and is tombstoned).
 *
 * `?from=trash` (what Ferry's client sends when the trash is emptied or runs out) deletes only
 * a collection its owner's index does not list live — in the trash, or no longer listed — and
 * answers 409 `collection_not_in_trash` otherwise: a device that decided from a stale index
 * (offline for weeks, or a laptop just woken whose socket has not noticed yet) must not delete
 * for good a collection another device restored meanwhile. The index is read as stored; the
 * client sends once its own trash mark is stored.
 *
 * Deletes are limited per account, and one that would make a tombstone where nothing was
 * stored is refused past the account's quota (`delete-limits.ts`).
 *
 * Registered after the sync plugin, whose `deleteDoc` it calls.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { MAX_DOC_NAME_LENGTH, parseDocName, type DocName, type UserId } from '@ferry/protocol'
import { requireUser } from '../auth/access-tokens.ts'
import type { Config } from '../config.ts'
import type { Coordination } from '../coordination.ts'
import { badRequest, forbidden, httpError } from '../errors.ts'
import { isListedLive } from '../links/collection-listing.ts'
import type { LinkStore } from '../storage/accounts/links.ts'
import type { DocStore } from '../storage/doc-store.ts'
import { checkTombstoneRoom, deleteRate } from './delete-limits.ts'

export interface DocsOptions {
  config: Config
  links: LinkStore
  docStore: DocStore
  rateLimitStore: Coordination['rateLimitStore']
}

const DocParams = Type.Object({ docName: Type.String({ minLength: 1, maxLength: MAX_DOC_NAME_LENGTH }) }, { additionalProperties: false })
const DeleteQuery = Type.Object({ from: Type.Optional(Type.Literal('trash')) }, { additionalProperties: false })

/** Revokes the owner's live links to `doc`; links to other docs stay as they are. */
async function revokeLinksTo(store: LinkStore, owner: UserId, doc: DocName): Promise<void> {
  const now = Date.now()
  for (const link of await store.listLinks(owner)) {
    if (link.docName === doc && link.revokedAt === null) await store.revokeLink(owner, link.id, now)
  }
}

const docs: FastifyPluginAsyncTypebox<DocsOptions> = async (app, { config, links, docStore, rateLimitStore }) => {
  const limitDeletes = await deleteRate(app, config, rateLimitStore)
  const route = { onRequest: requireUser, preHandler: limitDeletes, schema: { params: DocParams, querystring: DeleteQuery } }
  app.delete('/v1/docs/:docName', route, async (request, reply) => {
    const parsed = parseDocName(request.params.docName)
    if (!parsed.ok) throw badRequest(parsed.error.message, 'invalid_doc_name')
    const doc = parsed.value
    if (doc.kind !== 'collection') {
      throw badRequest(`Only collections can be deleted; the account's ${doc.kind} goes only with the account.`, 'not_a_collection')
    }
    if (doc.owner !== request.userId) throw forbidden('Only the owner of a collection can delete it.', 'not_owner')
    if (request.query.from === 'trash' && (await isListedLive(docStore, doc))) {
      throw httpError(409, 'collection_not_in_trash', 'This collection is not in the trash any more (it was restored), so it was not deleted.')
    }
    await checkTombstoneRoom(docStore, doc.owner, doc.name)
    await revokeLinksTo(links, doc.owner, doc.name)
    await app.sync.deleteDoc(doc.name)
    return reply.status(204).send()
  })
}

export default docs

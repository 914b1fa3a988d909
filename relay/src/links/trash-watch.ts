/**
 * A collection going to its owner's trash closes the share-link viewers on it (4423), on every
 * relay instance: the owner's trash is a change to their index doc (`<userId>:workspace`), so
 * every loaded index is watched for a collection entry whose trash mark is set, and whichever
 * instance applies that change closes the viewers (its peers through the broadcast).
 *
 * A new viewer is refused by the link check (link-grants.ts), which reads the index from the
 * store: one that read it just before the trash was stored may join just after the first
 * sweep, so the viewers are swept again once the index doc is stored, and once more shortly
 * after (as a revoked link's sockets are).
 */
import * as Y from 'yjs'
import { CloseCode, docName, parseDocName, type DocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import type { FastifyBaseLogger } from 'fastify'
import type { SyncService } from '../sync/index.ts'
import type { RoomDoc } from '../sync/room-doc.ts'
import { COLLECTION_TRASHED } from './collection-listing.ts'

/** The last sweep after the index was stored, for a viewer authorized just before it. */
const LATE_SWEEP_MS = 250

/** The collection ids whose trash mark (or whole entry) `events` touched. */
function touchedCollections(collections: Y.Map<unknown>, events: Y.YEvent<Y.AbstractType<unknown>>[]): Set<string> {
  const ids = new Set<string>()
  for (const event of events) {
    if (event.target === collections) for (const key of event.keys.keys()) ids.add(key)
    else if (event.target.parent === collections && event.target._item?.parentSub && event.keys.has('trashed')) ids.add(event.target._item.parentSub)
  }
  return ids
}

export function closeViewersOnTrash(sync: SyncService, log: FastifyBaseLogger): void {
  sync.onDocLoaded((name: DocName, loaded: RoomDoc) => {
    const parsed = parseDocName(name)
    if (!parsed.ok || parsed.value.kind !== 'workspace') return
    const owner = parsed.value.owner
    const collections = loaded.doc.getMap('collections')
    const index = new WorkspaceIndex(loaded.doc, { recordConflicts: false })
    collections.observeDeep((events) => {
      const touched = touchedCollections(collections, events)
      if (touched.size === 0) return
      const trashed = index.trashedCollections().filter((c) => touched.has(c.id)).map((c) => docName(owner, 'collection', c.id))
      if (trashed.length === 0) return
      const sweep = (): void => {
        for (const doc of trashed) sync.closeViewers(doc, CloseCode.CollectionTrashed, COLLECTION_TRASHED)
      }
      sweep()
      // The room queues the update for storage after applying it, so after this turn's work.
      queueMicrotask(() => {
        loaded.writer.flush().then(
          () => {
            sweep()
            setTimeout(sweep, LATE_SWEEP_MS).unref()
          },
          (error: unknown) => log.error({ err: error }, 'storing an index whose collection went to the trash failed; its viewers were closed once'),
        )
      })
    })
  })
}

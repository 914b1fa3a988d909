/**
 * How the owner's index lists a collection: its name, whether it is in the owner's trash (a
 * trashed collection's links are suspended until it is restored) and whether it is live (listed
 * and not in the trash: the trash's deletions leave it alone, docs/index.ts). Read with
 * `@ferry/schema`'s `WorkspaceIndex` from the owner's `<userId>:workspace` doc exactly as the
 * owner's devices read it (a name is a text, or a v1 string with its edits). Read from the
 * stored bytes, so a rename, a trash or a restore shows up on the next resolve, socket or
 * deletion. A doc that is missing, deleted with its account or malformed lists nothing (a link
 * still opens, under a placeholder name); a store that cannot answer throws — neither a link is
 * let in nor a collection deleted on a guess.
 */
import * as Y from 'yjs'
import { docName, type ParsedDocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { isGone, type DocStore, type StoredDoc } from '../storage/doc-store.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'

/** Longest name answered; a hostile doc may hold a huge string. */
const MAX_NAME_LENGTH = 200

export interface CollectionListing {
  /** null: unnamed, or not listed. */
  readonly name: string | null
  readonly trashed: boolean
}

/** Why a trashed collection's link does not open (HTTP answers and socket close reasons: at most 123 bytes). */
export const COLLECTION_TRASHED = "This collection is in its owner's trash; the link works again if the owner restores it."

const UNLISTED: CollectionListing = { name: null, trashed: false }

/** Runs `read` on the owner's stored index; `fallback` when the collection is not one, or the index is gone or malformed. */
async function readIndex<T>(store: DocStore, collection: ParsedDocName, fallback: T, read: (index: WorkspaceIndex, id: string) => T): Promise<T> {
  if (collection.kind !== 'collection' || collection.id === null) return fallback
  let stored: StoredDoc
  try {
    stored = await store.load(docName(collection.owner, 'workspace'))
  } catch (error) {
    if (isGone(error)) return fallback
    throw error
  }
  const doc = new Y.Doc()
  try {
    applyUpdates(doc, storedUpdates(stored))
    return read(new WorkspaceIndex(doc, { recordConflicts: false }), collection.id)
  } catch {
    return fallback
  } finally {
    doc.destroy()
  }
}

export function readCollectionListing(store: DocStore, collection: ParsedDocName): Promise<CollectionListing> {
  return readIndex(store, collection, UNLISTED, (index, id) => {
    const trashed = index.trashedCollections().find((c) => c.id === id)
    const name = (trashed ?? index.collections().find((c) => c.id === id))?.name
    return { name: name !== undefined && name.trim() !== '' ? name.slice(0, MAX_NAME_LENGTH) : null, trashed: trashed !== undefined }
  })
}

/** True while the owner's stored index lists the collection outside the trash. */
export function isListedLive(store: DocStore, collection: ParsedDocName): Promise<boolean> {
  return readIndex(store, collection, false, (index, id) => index.collections().some((c) => c.id === id))
}

/**
 * How the owner's index lists a shared collection: its name, and whether it is in the owner's
 * trash (a trashed collection's links are suspended until it is restored). Read with
 * `@ferry/schema`'s `WorkspaceIndex` from the owner's `<userId>:workspace` doc exactly as the
 * owner's devices read it (a name is a text, or a v1 string with its edits). Read from the
 * stored bytes, so a rename or a trash shows up on the next resolve or socket; a doc that is
 * missing, malformed or unreadable gives no name and not trashed, never an error (the link
 * still opens, under a placeholder name).
 */
import * as Y from 'yjs'
import { docName, type ParsedDocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import type { DocStore } from '../storage/doc-store.ts'
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

export async function readCollectionListing(store: DocStore, collection: ParsedDocName): Promise<CollectionListing> {
  if (collection.kind !== 'collection' || collection.id === null) return UNLISTED
  const doc = new Y.Doc()
  try {
    applyUpdates(doc, storedUpdates(await store.load(docName(collection.owner, 'workspace'))))
    const index = new WorkspaceIndex(doc, { recordConflicts: false })
    const trashed = index.trashedCollections().find((c) => c.id === collection.id)
    const name = (trashed ?? index.collections().find((c) => c.id === collection.id))?.name
    return { name: name !== undefined && name.trim() !== '' ? name.slice(0, MAX_NAME_LENGTH) : null, trashed: trashed !== undefined }
  } catch {
    return UNLISTED
  } finally {
    doc.destroy()
  }
}

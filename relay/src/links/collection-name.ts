/**
 * The name a shared collection is listed under, read the way the owner's devices store it:
 * the entry `collections/<id>/name` of the owner's `<userId>:workspace` doc (see
 * `@ferry/schema`'s `WorkspaceIndex`, which the relay may not import). Read from the stored
 * bytes, so a rename shows up on the next resolve; a doc that is missing, malformed or
 * unreadable gives null, never an error (the link still opens, under a placeholder name).
 */
import * as Y from 'yjs'
import { docName, type ParsedDocName } from '@ferry/protocol'
import type { DocStore } from '../storage/doc-store.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'

/** Longest name answered; a hostile doc may hold a huge string. */
const MAX_NAME_LENGTH = 200

export async function readCollectionName(store: DocStore, collection: ParsedDocName): Promise<string | null> {
  if (collection.kind !== 'collection' || collection.id === null) return null
  const doc = new Y.Doc()
  try {
    applyUpdates(doc, storedUpdates(await store.load(docName(collection.owner, 'workspace'))))
    const entry = doc.getMap('collections').get(collection.id)
    const name = entry instanceof Y.Map ? entry.get('name') : undefined
    return typeof name === 'string' && name.trim() !== '' ? name.slice(0, MAX_NAME_LENGTH) : null
  } catch {
    return null
  } finally {
    doc.destroy()
  }
}

/**
 * The name a shared collection is listed under, read with `@ferry/schema`'s `WorkspaceIndex`
 * from the owner's `<userId>:workspace` doc exactly as the owner's devices read it (a name
 * is a text, or a v1 string with its edits). Read from the stored bytes, so a rename shows up
 * on the next resolve; a doc that is missing, malformed or unreadable gives null, never an
 * error (the link still opens, under a placeholder name).
 */
import * as Y from 'yjs'
import { docName, type ParsedDocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import type { DocStore } from '../storage/doc-store.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'

/** Longest name answered; a hostile doc may hold a huge string. */
const MAX_NAME_LENGTH = 200

export async function readCollectionName(store: DocStore, collection: ParsedDocName): Promise<string | null> {
  if (collection.kind !== 'collection' || collection.id === null) return null
  const doc = new Y.Doc()
  try {
    applyUpdates(doc, storedUpdates(await store.load(docName(collection.owner, 'workspace'))))
    const name = new WorkspaceIndex(doc, { recordConflicts: false }).collections().find((c) => c.id === collection.id)?.name
    return name !== undefined && name.trim() !== '' ? name.slice(0, MAX_NAME_LENGTH) : null
  } catch {
    return null
  } finally {
    doc.destroy()
  }
}

/**
 * Attaching the local-only workspace (made before any sign-in) to an account: every local doc
 * is merged into the account's doc of the same kind and id — a CRDT merge, so nothing on
 * either side is replaced — and only then are the local databases wiped.
 */
import { parseDocName } from '@ferry/protocol'
import * as Y from 'yjs'
import type { Workspace } from './workspace.ts'

/** True when the local workspace holds anything worth keeping. */
export async function hasContent(local: Workspace): Promise<boolean> {
  await local.loadAll()
  for (const name of local.loadedDocs()) {
    const doc = await local.doc(...kindAndId(name))
    if (doc.store.clients.size > 0) return true
  }
  return false
}

function kindAndId(name: string): Parameters<Workspace['doc']> {
  const parsed = parseDocName(name)
  if (!parsed.ok) throw new Error(parsed.error.message)
  return parsed.value.id === null ? [parsed.value.kind] : [parsed.value.kind, parsed.value.id]
}

/** Merges every doc of `local` into the same doc of `target`; `target` persists them. */
export async function mergeInto(local: Workspace, target: Workspace): Promise<void> {
  await local.loadAll()
  for (const name of local.loadedDocs()) {
    const args = kindAndId(name)
    const from = await local.doc(...args)
    const into = await target.doc(...args)
    Y.applyUpdate(into, Y.encodeStateAsUpdate(from, Y.encodeStateVector(into)))
  }
}

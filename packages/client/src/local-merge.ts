/**
 * Attaching the local-only workspace (made before any sign-in) to an account: every local doc
 * is merged into the account's doc of the same kind and id — a CRDT merge, so nothing on
 * either side is replaced — and only once the account has stored the result are the merged
 * local rows deleted.
 *
 * What is merged is what the local-only database holds, not only this tab's copy: another tab
 * of the local-only workspace (nothing syncs between them) wrote rows this one never loaded,
 * and deleting rows by doc would have lost them. Exactly the rows read are deleted, so a row
 * another tab writes during the merge stays in the local-only workspace for the next sign-in.
 * This tab's loaded docs are merged too: they hold what is still queued for writing.
 *
 * The `environments` doc is the exception: locally its variable values are plain text, and
 * merging it would send them to the relay in clear, past the vault. It stays in the local-only
 * workspace (switch to "no account" to see it) until the user copies values over by hand.
 */
import { parseDocName, type DocKind, type DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import { mergeReadable } from './local/merge-rows.ts'
import type { Workspace } from './workspace.ts'

const LOCAL_ONLY_KINDS: ReadonlySet<DocKind> = new Set(['environments'])

type DocArgs = Parameters<Workspace['doc']>

/** The doc's kind and id, or null for a name that is not a doc's (a record of another program). */
function kindAndId(name: string): DocArgs | null {
  const parsed = parseDocName(name)
  if (!parsed.ok) return null
  return parsed.value.id === null ? [parsed.value.kind] : [parsed.value.kind, parsed.value.id]
}

/**
 * Merges every doc of `local` — as stored by any tab, and as loaded here — into the same doc of
 * `target`, and once `target` has written it deletes the local rows it merged. A row that is not
 * a Yjs update stays where it is.
 */
export async function mergeInto(local: Workspace, target: Workspace): Promise<void> {
  // A write that failed (a full disk) is already the local workspace's status; what it could
  // not write is in this tab's loaded docs, merged below, and stays queued here.
  if (!(await wrote(local))) console.warn('Ferry: merging the local-only workspace with changes not yet written to this browser')
  const stored = await local.storedRecords()
  const loadedNames = new Set(local.loadedDocs())
  const taken: IDBValidKey[] = []
  for (const name of new Set<DocName>([...stored.keys(), ...loadedNames])) {
    const args = kindAndId(name)
    if (!args || LOCAL_ONLY_KINDS.has(args[0])) continue
    const rows = stored.get(name) ?? { keys: [], records: [] }
    const loaded = loadedNames.has(name) ? await local.doc(...args) : null
    const updates: unknown[] = rows.records.map((record) => (record as { update?: unknown }).update)
    if (loaded && loaded.store.clients.size > 0) updates.push(Y.encodeStateAsUpdate(loaded))
    if (updates.length === 0) continue
    const { merged, unreadable } = mergeReadable(updates)
    Y.applyUpdate(await target.doc(...args), merged)
    const kept = new Set(unreadable)
    taken.push(...rows.keys.filter((_, i) => !kept.has(i)))
  }
  // Deleted only once the account holds them on disk; otherwise they stay, and the next
  // sign-in merges them again (a CRDT merge of what is already there changes nothing).
  if (await wrote(target)) await local.removeStored(taken)
}

/** Whether everything `workspace` queued is written; false when writing failed (reported as its status). */
async function wrote(workspace: Workspace): Promise<boolean> {
  try {
    await workspace.flushed()
    return true
  } catch {
    return false
  }
}

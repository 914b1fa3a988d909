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

/** What a merge took: the account's docs it wrote into, and the local rows it read (to delete once safe). */
export interface LocalMerge {
  readonly docs: readonly DocName[]
  readonly rows: readonly IDBValidKey[]
}

/**
 * Merges every doc of `local` — as stored by any tab, and as loaded here — into the same doc of
 * `target` and waits until `target` has written it. Returns the local rows merged (none when
 * `target` could not write, or its account was signed out meanwhile in another tab): the
 * caller deletes them once the relay holds the account's docs (`forgetOnceSynced`). A row that
 * is not a Yjs update is never among them.
 */
export async function mergeInto(local: Workspace, target: Workspace): Promise<LocalMerge> {
  // A write that failed (a full disk) is already the local workspace's status; what it could
  // not write is in this tab's loaded docs, merged below, and stays queued here.
  if (!(await wrote(local))) console.warn('Ferry: merging the local-only workspace with changes not yet written to this browser')
  const stored = await local.storedRecords()
  const loadedNames = new Set(local.loadedDocs())
  const docs: DocName[] = []
  const rows: IDBValidKey[] = []
  for (const name of new Set<DocName>([...stored.docs.keys(), ...loadedNames])) {
    const args = kindAndId(name)
    // Deleted for good in another tab: this tab's stale copy must not bring it back.
    if (!args || LOCAL_ONLY_KINDS.has(args[0]) || stored.deleted.has(name)) continue
    const records = stored.docs.get(name) ?? { keys: [], records: [] }
    const loaded = loadedNames.has(name) ? await local.doc(...args) : null
    const updates: unknown[] = records.records.map((record) => (record as { update?: unknown }).update)
    if (loaded && loaded.store.clients.size > 0) updates.push(Y.encodeStateAsUpdate(loaded))
    if (updates.length === 0) continue
    const { merged, unreadable } = mergeReadable(updates)
    const into = await target.doc(...args)
    const intoName = target.docName(...args)
    Y.applyUpdate(into, merged)
    docs.push(intoName)
    // Changes made on top of content an earlier sign-in took away wait in the account's doc
    // for what they build on (the relay may bring it), and a doc stores only what it
    // integrated: the account stores them as they are, and they stay local too, for a merge
    // into an account that holds what they need.
    if (into.store.pendingStructs || into.store.pendingDs) {
      target.storeWaiting(intoName, into)
      continue
    }
    const kept = new Set(unreadable)
    rows.push(...records.keys.filter((_, i) => !kept.has(i)))
  }
  // Taken only once the account holds them on disk (and was not signed out meanwhile in
  // another tab); otherwise they stay, and the next sign-in merges them again (a CRDT merge
  // of what is already there changes nothing).
  return { docs, rows: (await wrote(target)) ? rows : [] }
}

/**
 * Deletes the local rows `merge` took (`remove`) once `target`'s relay holds every doc it wrote
 * into — or the account deleted it for good (the relay refused it: `target` holds it no more) —
 * so that the account's copy on this browser is never the only one: another tab may sign the
 * account out (its data here is wiped) before it synced. With sync off for the account that
 * waits until sync is turned on and done. When `target` closes first the rows stay, and the
 * next sign-in from the local-only workspace merges them again.
 */
export function forgetOnceSynced(merge: LocalMerge, target: Workspace, remove: (rows: readonly IDBValidKey[]) => Promise<void>, onError: (error: unknown) => void): void {
  if (merge.rows.length === 0) return
  // Checked on every doc's change: per merged doc, not over every doc the account holds.
  const done = (): boolean => merge.docs.every((name) => !target.holds(name) || target.docStatus(name).kind === 'in-sync')
  const forget = () => void remove(merge.rows).catch(onError)
  if (done()) return forget()
  // Every doc's change, not the account's status: that stays the same while another doc is in error.
  const stop = target.onDocsChanged(() => {
    if (target.closed) return stop()
    if (!done()) return
    stop()
    forget()
  })
}

/** Whether everything `workspace` queued is written; false when writing failed (reported as its status) or its account was signed out. */
async function wrote(workspace: Workspace): Promise<boolean> {
  try {
    await workspace.flushed()
    return true
  } catch {
    return false
  }
}

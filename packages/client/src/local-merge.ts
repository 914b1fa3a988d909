/**
 * Attaching the local-only workspace (made before any sign-in) to an account: every local doc
 * is merged into the account's doc of the same kind and id — a CRDT merge, so nothing on
 * either side is replaced — and only then are the merged local databases wiped.
 *
 * The `environments` doc is the exception: locally its variable values are plain text, and
 * merging it would send them to the relay in clear, past the vault. It stays in the local-only
 * workspace (switch to "no account" to see it) until the user copies values over by hand.
 */
import { parseDocName, type DocKind, type DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import type { Workspace } from './workspace.ts'

const LOCAL_ONLY_KINDS: ReadonlySet<DocKind> = new Set(['environments'])

type DocArgs = Parameters<Workspace['doc']>

function kindAndId(name: string): DocArgs {
  const parsed = parseDocName(name)
  if (!parsed.ok) throw new Error(parsed.error.message)
  return parsed.value.id === null ? [parsed.value.kind] : [parsed.value.kind, parsed.value.id]
}

/**
 * Merges every doc of `local` into the same doc of `target` (which persists them) and returns
 * the local docs to wipe once `local` is closed: all of them but a local-only doc with content.
 */
export async function mergeInto(local: Workspace, target: Workspace): Promise<DocName[]> {
  await local.loadAll()
  const spent: DocName[] = []
  for (const name of local.loadedDocs()) {
    const args = kindAndId(name)
    const from = await local.doc(...args)
    const empty = from.store.clients.size === 0
    if (LOCAL_ONLY_KINDS.has(args[0]) && !empty) continue
    if (!empty) {
      const into = await target.doc(...args)
      Y.applyUpdate(into, Y.encodeStateAsUpdate(from, Y.encodeStateVector(into)))
    }
    spent.push(name)
  }
  return spent
}

/**
 * A doc's versions as a chain: a base (the whole state) followed by deltas, each adding what
 * its version held beyond the one before. Rebuilding a version applies its base and every
 * delta up to it; a delta only ever adds, so a version rebuilt this way holds its own state
 * (and, across relay instances racing, possibly a little more of what was real then). Pruning
 * drops expired versions and re-cuts the ones after them, so every version stays rebuildable.
 */
import * as Y from 'yjs'
import type { DocName } from '@ferry/protocol'
import type { VersionRecord, VersionState, VersionStore } from '../storage/versions/version-store.ts'
import { VersionStoreError } from '../storage/versions/version-store.ts'

/** The state of version `id` as a Y.Doc (the caller destroys it). Rejects with `not_found`. */
export async function rebuild(store: VersionStore, name: DocName, id: number, listed?: readonly VersionRecord[]): Promise<Y.Doc> {
  const versions = listed ?? (await store.list(name))
  const at = versions.findIndex((v) => v.id === id)
  if (at === -1) throw new VersionStoreError('not_found', `there is no version ${id}`)
  let from = at
  while (from > 0 && !versions[from]!.base) from--
  const states = await store.read(name, versions.slice(from, at + 1).map((v) => v.id))
  const doc = new Y.Doc()
  Y.transact(doc, () => {
    for (const state of states) Y.applyUpdate(doc, state.update)
  })
  return doc
}

/** Which versions pruning keeps: named ones, ones taken since `cutoff`, and always the latest. */
export function kept(versions: readonly VersionRecord[], cutoff: number): Set<number> {
  const keep = new Set<number>()
  versions.forEach((v, i) => {
    if (v.name !== null || v.at >= cutoff || i === versions.length - 1) keep.add(v.id)
  })
  return keep
}

/**
 * Drops the versions `kept` leaves out. Every kept version whose predecessor goes is re-cut
 * first — as a base when no kept version precedes it, else as a delta against the kept one
 * before — in one pass over the chain; only then are the others removed, so a crash between
 * leaves every version rebuildable. Returns how many were dropped.
 */
export async function prune(store: VersionStore, name: DocName, cutoff: number): Promise<number> {
  const versions = await store.list(name)
  const keep = kept(versions, cutoff)
  if (keep.size === versions.length) return 0
  const doc = new Y.Doc()
  try {
    const rewrites: Array<{ id: number; base: boolean; state: VersionState }> = []
    let previousKept: Uint8Array | null = null
    let predecessorDropped = false
    // Read in slices: a long chain's states need not all be in memory at once.
    for (let i = 0; i < versions.length; i += 64) {
      const slice = versions.slice(i, i + 64)
      const states = await store.read(name, slice.map((v) => v.id))
      slice.forEach((version, j) => {
        Y.applyUpdate(doc, states[j]!.update)
        if (!keep.has(version.id)) {
          predecessorDropped = true
          return
        }
        const stateVector = Y.encodeStateVector(doc)
        if (predecessorDropped) {
          const base = previousKept === null
          rewrites.push({ id: version.id, base, state: { stateVector, update: Y.encodeStateAsUpdate(doc, previousKept ?? undefined) } })
        }
        previousKept = stateVector
        predecessorDropped = false
      })
    }
    for (const { id, base, state } of rewrites) await store.rewrite(name, id, base, state)
    await store.remove(name, versions.filter((v) => !keep.has(v.id)).map((v) => v.id))
    return versions.length - keep.size
  } finally {
    doc.destroy()
  }
}

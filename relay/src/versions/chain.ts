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
import { cutDelta, deleteSetOf } from './delta.ts'

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

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Which versions pruning keeps: named ones and the latest always; none older than the
 * retention; every one of the last day; of the week before, the last of each hour; beyond,
 * the last of each day. Thinning is what bounds storage: a delta re-cut across dropped
 * versions loses whatever was typed and deleted between the kept ones (garbage collected when
 * the chain is rebuilt), and on an edited collection that is most of what deltas hold.
 */
export function kept(versions: readonly VersionRecord[], now: number, retentionMs: number): Set<number> {
  const keep = new Set<number>()
  const lastOfBucket = new Map<string, number>()
  versions.forEach((v, i) => {
    const age = now - v.at
    if (v.name !== null || i === versions.length - 1) keep.add(v.id)
    else if (age > retentionMs) return
    else if (age <= DAY) keep.add(v.id)
    else lastOfBucket.set(age <= 7 * DAY ? `h${Math.floor(v.at / HOUR)}` : `d${Math.floor(v.at / DAY)}`, v.id)
  })
  for (const id of lastOfBucket.values()) keep.add(id)
  return keep
}

/**
 * Drops the versions `kept` leaves out. Every kept version whose predecessor goes is re-cut
 * first — as a base when no kept version precedes it, else as a delta (cutDelta) against the
 * kept one before — in one pass over the chain; only then are the others removed, so a crash
 * between leaves every version rebuildable. Returns how many were dropped.
 */
export async function prune(store: VersionStore, name: DocName, now: number, retentionMs: number): Promise<number> {
  const versions = await store.list(name)
  const keep = kept(versions, now, retentionMs)
  if (keep.size === versions.length) return 0
  const doc = new Y.Doc()
  try {
    const rewrites: Array<{ id: number; base: boolean; state: VersionState }> = []
    let previous: { stateVector: Uint8Array; deleteSet: ReturnType<typeof deleteSetOf> } | null = null
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
        // The delete set is needed only where a re-cut delta follows.
        const next = versions[i + j + 1]
        const deleteSet = predecessorDropped || (next && !keep.has(next.id)) ? deleteSetOf(doc) : Y.createDeleteSet()
        if (predecessorDropped) {
          const state = Y.encodeStateAsUpdate(doc)
          const update = previous ? cutDelta(state, deleteSet, previous.stateVector, previous.deleteSet) : state
          rewrites.push({ id: version.id, base: previous === null, state: { stateVector, update } })
        }
        previous = { stateVector, deleteSet }
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

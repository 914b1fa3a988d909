/**
 * `VersionStore`: where a doc's restorable versions live (docs/decisions.md, "Version
 * history"). Bytes in, bytes out, like `DocStore`: the version service (relay/src/versions)
 * decides what a version holds. A version is its metadata (`VersionEntry`) and its state: the
 * doc's full state as one Yjs update (`base`), or what it adds to the version before it
 * (a delta), with the state vector of the whole version so the next delta can be cut against
 * it. Both are sealed under the doc's own data key, so deleting a doc (its key goes first)
 * makes its versions unreadable at once; both stores also delete them with the doc.
 *
 * Every implementation runs the contract suite in `test/contracts/version-store.contract.ts`.
 */
import type { DocName } from '@ferry/protocol'

/** Items a version added, removed and changed, against the version before it. */
export interface VersionSummary {
  readonly added: number
  readonly removed: number
  readonly changed: number
}

/** A version's metadata as stored (sealed: names and devices are the owner's business). */
export interface VersionEntry {
  /** When it was taken, ms since the epoch. */
  readonly at: number
  /** The sign-in sessions (devices) whose edits it holds since the version before. */
  readonly devices: readonly string[]
  readonly summary: VersionSummary
  /** A name the owner gave it; named versions never expire. */
  readonly name: string | null
  /** True: its state is the whole doc; false: what it adds to the version before it. */
  readonly base: boolean
}

export interface VersionRecord extends VersionEntry {
  /** Increasing per doc in the order versions were added (not dense). */
  readonly id: number
  /** Bytes its state takes as stored (sealed). */
  readonly bytes: number
}

export interface VersionState {
  /** The state vector of the whole version (a base's or the chain's up to it). */
  readonly stateVector: Uint8Array
  /** A Yjs update: the whole state (base) or the delta. */
  readonly update: Uint8Array
}

export interface VersionStore {
  /** Adds a version after every other; resolves with its id. Rejects with `gone` for a deleted doc. */
  add(name: DocName, entry: VersionEntry, state: VersionState): Promise<number>
  /** Every version of the doc, oldest first; none for a doc never written or deleted. */
  list(name: DocName): Promise<VersionRecord[]>
  /** The states of versions `ids` (in that order); rejects with `not_found` if one is missing. */
  read(name: DocName, ids: readonly number[]): Promise<VersionState[]>
  /** Names a version (null: unnames it); false when there is no such version. */
  rename(name: DocName, id: number, label: string | null): Promise<boolean>
  /** Replaces a version's state (pruning rebases the versions after the ones it drops). */
  rewrite(name: DocName, id: number, base: boolean, state: VersionState): Promise<void>
  /** Drops versions; ids that do not exist are ignored. */
  remove(name: DocName, ids: readonly number[]): Promise<void>
  /** Stored bytes of every version of the doc (bench, tests). */
  size(name: DocName): Promise<number>
}

/** A version store failure: `not_found` (no such version), `gone` (the doc was deleted), `io`, `corrupt`. */
export class VersionStoreError extends Error {
  override name = 'VersionStoreError'
  constructor(
    readonly code: 'not_found' | 'gone' | 'io' | 'corrupt',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

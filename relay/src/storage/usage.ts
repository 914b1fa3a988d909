/**
 * Per-account storage accounting shared by both document stores: which account a doc counts
 * against, the keyed id an account's counter is stored under, and the figures an instance
 * last learnt (what `DocStore.usedBytes` answers without a round trip).
 */
import { parseDocName, type DocName, type UserId } from '@ferry/protocol'
import type { MasterKey } from './keys.ts'

/**
 * What each doc an account ever stored costs it on top of its bytes, tombstones included: on
 * the files store a doc is a directory, a key and a log segment — three 4 KiB blocks and
 * three inodes however small its content (measured: 1,000 one-character docs took 13 MB) —
 * and a deleted doc keeps its directory and tombstone for good. Counting it makes the quota
 * bound files and rows, not only content: 64 MiB is at most 5,461 docs and tombstones.
 */
export const DOC_OVERHEAD_BYTES = 12 * 1024

/** Used bytes of an account: its docs' bytes as stored plus the overhead of each doc and tombstone it holds. */
export const usedOf = (bytes: number, docs: number): number => bytes + docs * DOC_OVERHEAD_BYTES

/** The account a doc counts against: the user id its name starts with (only an owner writes). */
export function ownerOf(name: DocName): UserId {
  const parsed = parseDocName(name)
  if (!parsed.ok) throw new Error(`not a doc name: ${parsed.error.message}`)
  return parsed.value.owner
}

/**
 * The id an account's usage is stored under: a keyed hash like a doc id, so the store names
 * no user in clear. The NUL keeps it apart from every doc id (doc names hold none).
 */
export function accountId(master: MasterKey, owner: UserId): string {
  return master.docId(`\0usage\0${owner}`)
}

/** Used bytes per owner as this instance last learnt them. */
export class UsageCache {
  readonly #bytes = new Map<UserId, number>()

  get(owner: UserId): number | null {
    return this.#bytes.get(owner) ?? null
  }

  set(owner: UserId, bytes: number): void {
    this.#bytes.set(owner, bytes)
  }
}

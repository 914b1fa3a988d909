/**
 * Text fields of documents written by schema v1 (plain strings in a map) become editable
 * without rewriting them: a v1 string is the *seed* of a root-level `Y.Text` named after the
 * write that stored it (`v1:<client>.<clock>`, the Yjs id of that map entry — the same on
 * every replica, different for every write, even of an equal string). Root types exist on
 * every replica without being created, so two devices upgrading the same doc never create two
 * competing texts for one field (a merge would keep one and drop the other's edits).
 *
 * The seed's characters are inserted by a client id derived from the text's name, into the
 * empty text: every device that seeds the same write produces byte-identical structs, which
 * Yjs applies once. Seed client ids live above 2^32, where Yjs's random client ids (uint32)
 * never are, so a seed can never collide with a device. The insert is made in the doc itself
 * with its client id switched for that one call (an update applied inside the caller's
 * transaction would mark it remote, and Yjs would then give the device a new client id).
 *
 * When a v1 client later overwrites the string, the field follows the new write into a new
 * text; the old text — with any edits newer clients made to it — stays for the conflict
 * record (see conflicts.ts).
 */
import * as Y from 'yjs'

/** Origin of the transactions that only seed (an undo manager must not undo a seed). */
export const SEED_ORIGIN = Symbol('ferry.seed')

/** 53-bit hash of a string (two 32-bit lanes), as a safe integer. */
function hash53(s: string): number {
  let h1 = 0x811c9dc5
  let h2 = 0x2545f491
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x2c1b3c6d) ^ h1
  return ((h2 >>> 0) % 0x1fffff) * 0x100000000 + (h1 >>> 0)
}

const FIRST_SEED_CLIENT = 2 ** 32
const PREFIX = 'v1:'

/** The root text of the v1 string stored by map entry `write` (or of part `part` of its JSON). */
export function seedName(write: Y.Item, part?: string): string {
  return `${PREFIX}${write.id.client}.${write.id.clock}${part === undefined ? '' : `:${part}`}`
}

/** The map entry (write) a seed name was made from, if the name is one and the write is known here. */
export function writeOfSeed(doc: Y.Doc, name: string): Y.Item | 'gone' | undefined {
  const match = /^v1:(\d+)\.(\d+)(?::[a-z]+)?$/.exec(name)
  if (!match) return undefined
  const [client, clock] = [Number(match[1]), Number(match[2])]
  if (!Number.isSafeInteger(client) || !Number.isSafeInteger(clock) || Y.getState(doc.store, client) <= clock) return undefined
  const struct = Y.getItem(doc.store, Y.createID(client, clock))
  return struct instanceof Y.Item ? struct : 'gone'
}

/** The client id that writes the seed of the text `name` (never a device's id). */
export function seedClient(name: string): number {
  return FIRST_SEED_CLIENT + (hash53(`seed:${name}`) % (Number.MAX_SAFE_INTEGER - FIRST_SEED_CLIENT))
}

/** The root text `name` if this replica has it (without registering it when absent). */
export function existingRootText(doc: Y.Doc, name: string): Y.Text | undefined {
  if (!doc.share.has(name)) return undefined
  try {
    return doc.getText(name)
  } catch {
    // A hostile peer made it another type: it is not ours to read.
    return undefined
  }
}

const isSeeded = (doc: Y.Doc, name: string, seed: string): boolean => seed === '' || Y.getState(doc.store, seedClient(name)) > 0

/**
 * The live content of a v1 string: its text once seeded (edits included), else the string
 * itself. An empty seed needs no seeding: its text is live from the first edit.
 */
export function readSeeded(doc: Y.Doc, name: string, seed: string): string {
  const text = existingRootText(doc, name)
  if (!text) return seed
  // Content before the seed can only come from a hostile peer (edits follow the seed causally).
  return isSeeded(doc, name, seed) || text.length > 0 ? text.toString() : seed
}

/** The live text for a v1 string, seeding it first if this replica has not yet. */
export function seededText(doc: Y.Doc, name: string, seed: string): Y.Text {
  const text = doc.getText(name)
  if (isSeeded(doc, name, seed) || text.length > 0) return text
  doc.transact(() => {
    const own = doc.clientID
    doc.clientID = seedClient(name)
    try {
      text.insert(0, seed)
    } finally {
      doc.clientID = own
    }
  }, SEED_ORIGIN)
  return text
}

/** The content of a v1 string's text if it was seeded here and edited away from its seed. */
export function editedSinceSeed(doc: Y.Doc, name: string, seed: string): string | undefined {
  const text = existingRootText(doc, name)
  if (!text || !isSeeded(doc, name, seed)) return undefined
  const live = text.toString()
  return live === seed ? undefined : live
}

/**
 * Empties a seeded root text whose map is gone: a nested text goes with its map, a root text
 * would otherwise keep the content — a deleted request's token, say — in the doc for good.
 */
export function clearSeededText(doc: Y.Doc, name: string): void {
  const text = existingRootText(doc, name)
  if (text && text.length > 0) text.delete(0, text.length)
}

/** Whether root type `name` is a seeded text whose map was deleted (its content should go). */
export function isOrphanSeed(doc: Y.Doc, name: string): boolean {
  const write = writeOfSeed(doc, name)
  if (write === undefined) return false
  if (write === 'gone') return true
  const map = write.parent
  return !(map instanceof Y.Map) || (map._item !== null && map._item.deleted)
}

/**
 * Text fields of documents written by schema v1 (plain strings in a map) become editable
 * without rewriting them: a v1 string is the *seed* of a root-level `Y.Text` whose name is
 * derived from where the string sits and what it says. Root types exist on every replica
 * without being created, so two devices upgrading the same doc never create two competing
 * texts for one field (which would make a merge keep one and drop the other's edits).
 *
 * The seed's characters are inserted by a client id derived from the text's name, in a
 * scratch doc where the text is empty: every device that seeds the same v1 string produces
 * byte-identical structs, which Yjs applies once. Seed client ids live above 2^32, where
 * Yjs's random client ids (uint32) never are, so a seed can never collide with a device.
 *
 * The name includes a hash of the seed: when a v1 client later overwrites the string (it
 * knows nothing of the text), the field follows the new string into a new text, and the old
 * text — with any edits newer clients made to it — stays in the doc for the conflict
 * record (see conflicts.ts).
 */
import * as Y from 'yjs'

/** 53-bit FNV-1a-style hash of a string (two 32-bit lanes), as a safe integer. */
function hash53(s: string): number {
  let h1 = 0x811c9dc5
  let h2 = 0x2545f491
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x2c1b3c6d) ^ h1
  return (h2 >>> 0) % 0x1fffff * 0x100000000 + (h1 >>> 0)
}

const FIRST_SEED_CLIENT = 2 ** 32

/** The root text holding the live content of the v1 string `seed` at `key` of map `owner`. */
export function seedName(owner: string, key: string, seed: string): string {
  return `v1:${owner}:${key}:${hash53(seed).toString(36)}`
}

/** The client id that writes the seed of the text `name` (never a device's id). */
export function seedClient(name: string): number {
  return FIRST_SEED_CLIENT + (hash53(`seed:${name}`) % (Number.MAX_SAFE_INTEGER - FIRST_SEED_CLIENT))
}

/** The root text `name` if this replica has it (without registering it when absent). */
export function existingRootText(doc: Y.Doc, name: string): Y.Text | undefined {
  return doc.share.has(name) ? doc.getText(name) : undefined
}

/**
 * The live content of a v1 string: its text once seeded (edits included), else the string
 * itself. An empty seed needs no seeding: its text is live from the first edit.
 */
export function readSeeded(doc: Y.Doc, name: string, seed: string): string {
  const text = existingRootText(doc, name)
  if (!text) return seed
  return seed === '' || Y.getState(doc.store, seedClient(name)) > 0 ? text.toString() : seed
}

/** The live text for a v1 string, seeding it first if this replica has not yet. */
export function seededText(doc: Y.Doc, name: string, seed: string): Y.Text {
  const text = doc.getText(name)
  if (seed !== '' && Y.getState(doc.store, seedClient(name)) === 0) {
    const scratch = new Y.Doc({ gc: false })
    scratch.clientID = seedClient(name)
    scratch.getText(name).insert(0, seed)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(scratch))
    scratch.destroy()
  }
  return text
}

/** Whether the text of a v1 string was seeded here and then edited away from its seed. */
export function editedSinceSeed(doc: Y.Doc, name: string, seed: string): string | undefined {
  const text = existingRootText(doc, name)
  if (!text || (seed !== '' && Y.getState(doc.store, seedClient(name)) === 0)) return undefined
  const live = text.toString()
  return live === seed ? undefined : live
}

/**
 * Empties the text of a v1 string (or of an auth part) whose map is being deleted: a nested
 * text goes with its map, a root text would otherwise keep the content — a deleted
 * request's token, say — in the doc for good.
 */
export function clearSeededText(doc: Y.Doc, name: string): void {
  const text = existingRootText(doc, name)
  if (text && text.length > 0) text.delete(0, text.length)
}

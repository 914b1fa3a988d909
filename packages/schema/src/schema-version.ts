/**
 * Every doc says which schema wrote it (root map `meta`, key `schema`). A client opening a
 * doc written by a newer schema reads what it understands and refuses to write, so it can
 * never damage a shape it does not know; the app says "update Ferry to edit this".
 * Docs without the key were written by schema v1 (string fields) and upgrade in place: this
 * version reads them as they are and stamps its own with its first write.
 *
 * 3: compact requests (an imported request stored as its Postman item until its first edit,
 * see compact.ts) and the `other` auth type; v2 readers would show such items as malformed.
 */
import type * as Y from 'yjs'
import { SchemaError } from './errors.ts'

export const SCHEMA_VERSION = 3

/** The schema version that wrote `doc` (1 when unstamped). */
export function schemaVersion(doc: Y.Doc): number {
  const v = doc.getMap('meta').get('schema')
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 1
}

/** Whether this version may write `doc`. */
export const canWrite = (doc: Y.Doc): boolean => schemaVersion(doc) <= SCHEMA_VERSION

/**
 * Runs `write` in one transaction after stamping the version; throws
 * `SchemaError('newer_schema')` for a doc a newer Ferry wrote.
 */
export function writeDoc<T>(doc: Y.Doc, write: () => T): T {
  const version = schemaVersion(doc)
  if (version > SCHEMA_VERSION) throw new SchemaError('newer_schema', `This document was written by a newer version of Ferry (schema ${version}); update Ferry to edit it.`)
  let result!: T
  doc.transact(() => {
    if (version < SCHEMA_VERSION) doc.getMap('meta').set('schema', SCHEMA_VERSION)
    result = write()
  })
  return result
}

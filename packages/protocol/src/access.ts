import type { ParsedDocName } from './doc-names.ts'

/** What a principal may do with one document. */
export type Access = 'read-write' | 'read-only' | 'none'

/**
 * The access an account's own token grants on a document: read-write on every doc whose owner
 * part is that account, nothing elsewhere. Read-only access comes only from share links, which
 * the relay checks separately.
 */
export function userAccess(userId: string, doc: ParsedDocName): Access {
  return doc.owner === userId ? 'read-write' : 'none'
}

/** The auth a request is sent with: `inherit` resolved up through its folders to the collection. */
import type { Auth, Collection } from '../model/types.ts'
import { itemOf } from '../model/collection-reads.ts'

export function effectiveAuth(collection: Collection, requestId: string): Auth {
  return authSource(collection, requestId, true).auth
}

/**
 * Where the auth of `id` comes from: the nearest of it (when `self`) and its folders that does
 * not inherit (`folderId`), else the collection (`folderId: null`).
 */
export function authSource(collection: Collection, id: string, self = false): { auth: Auth; folderId: string | null } {
  // Bounded walk: the schema already repairs cycles, the bound guards against surprises.
  let node = itemOf(collection, id)
  if (!self) node = node?.parentId ? itemOf(collection, node.parentId) : undefined
  for (let depth = 0; node && depth < 64; depth++) {
    if (node.auth.type !== 'inherit') return { auth: node.auth, folderId: node.id }
    node = node.parentId === null ? undefined : itemOf(collection, node.parentId)
  }
  return { auth: collection.auth(), folderId: null }
}

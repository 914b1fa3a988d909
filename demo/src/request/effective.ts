/** The auth a request is sent with: `inherit` resolved up through its folders to the collection. */
import type { Auth, Collection } from '../model/types.ts'

export function effectiveAuth(collection: Collection, requestId: string): Auth {
  // Bounded walk: the schema already repairs cycles, the bound guards against surprises.
  let node = collection.get(requestId)
  for (let depth = 0; node && depth < 64; depth++) {
    if (node.auth.type !== 'inherit') return node.auth
    node = node.parentId === null ? undefined : collection.get(node.parentId)
  }
  return collection.auth()
}

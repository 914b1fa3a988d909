/**
 * Conflict records (see @ferry/schema's conflicts.ts) are keyed by the struct id of the
 * write that lost, so its client part says which replica wrote it; this page's replica is
 * the doc's current client id (a reload starts a new one).
 */
export const lostHere = (conflictId: string, doc: Y.Doc): boolean => conflictId.split('.')[0] === String(doc.clientID)

/**
 * A conflict record (see @ferry/schema's conflicts.ts) names the map that lost a value by
 * its Yjs struct id (`client.clock`), not by the id the app knows it by (request, row,
 * collection), and the schema has no lookup from one to the other yet. `structId` keys a
 * map the same way, so the views can walk the documented doc layout and find their maps'
 * conflicts. Once conflicts say which item they are on and which device lost, these go.
 */
import type * as Y from 'yjs'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const structId = (type: Y.AbstractType<any>): string | undefined => (type._item ? `${type._item.id.client}.${type._item.id.clock}` : undefined)

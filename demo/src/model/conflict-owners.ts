/**
 * Which conflict records (see @ferry/schema's conflicts.ts) belong to what the views show.
 * A record names the map that lost a value by its Yjs struct id (`client.clock`), not by
 * the id the app knows it by (request, row, collection), and the schema has no lookup from
 * one to the other yet: `structId` keys a map the same way, so the views can walk the
 * documented doc layout and find their maps' conflicts. Once conflicts say which item they
 * are on, `structId` goes.
 */
import type * as Y from 'yjs'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const structId = (type: Y.AbstractType<any>): string | undefined => (type._item ? `${type._item.id.client}.${type._item.id.clock}` : undefined)

/**
 * Whether this page wrote the lost value: its replica is the doc's current client id (a
 * reload starts a new one, and then the record reads as another device's).
 */
export const lostHere = (conflict: { client: number }, doc: Y.Doc): boolean => conflict.client === doc.clientID

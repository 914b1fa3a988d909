/**
 * What the views need to know about a conflict record (see @ferry/schema's conflicts.ts)
 * beyond its `path`, which already names the item, row or entry as the app does.
 */
import type * as Y from 'yjs'

/**
 * Whether this page wrote the lost value: its replica is the doc's current client id (a
 * reload starts a new one, and then the record reads as another device's).
 */
export const lostHere = (conflict: { client: number }, doc: Y.Doc): boolean => conflict.client === doc.clientID

/**
 * What the local-store suite loads into a page of a routed origin: the client's account store
 * and workspace on the browser's own IndexedDB, the status in words, and Yjs with the
 * collection view to read stored rows as another release would.
 */
export { Collection } from '@ferry/schema'
export * as Y from 'yjs'
export { AccountStore } from '../../../packages/client/src/account-store.ts'
export { describeStatus } from '../../../packages/client/src/sync-status.ts'
export { Workspace } from '../../../packages/client/src/workspace.ts'

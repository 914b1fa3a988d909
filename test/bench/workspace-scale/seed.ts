/**
 * The account every workspace-scale measurement syncs, and how each server gets it.
 *
 * One account's docs are made once by Ferry's own client, offline (a `Workspace` on
 * fake-indexeddb with no relay): the index, environments, history and `collections`
 * collections of `requests` requests each, as `scripts/new-device-sync-time.ts` makes them.
 * Each doc's stored rows are merged into one update. Every benchmark account holds those same
 * docs under its own doc names, so both servers store the same bytes of Yjs per account:
 * Ferry's relay receives them over `/v1/mux` as a device would send them (stored encrypted,
 * acknowledged once on disk); the Hocuspocus server finds them in its own store (one file per
 * doc, the format its `onStoreDocument` writes) before it starts.
 */
import { writeFileSync } from 'node:fs'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import * as Y from 'yjs'
import type { UserId } from '@ferry/protocol'
import { AccountStore } from '../../../packages/client/src/account-store.ts'
import { storedRows } from '../../helpers/local-doc.ts'
import { Workspace } from '../../../packages/client/src/workspace.ts'
import { muxClient, muxUrl, openRequest } from '../../helpers/mux-client.ts'
import { updateFrame } from '../../helpers/sync-clients.ts'
import { hocuspocusFile } from './hocuspocus-files.ts'

;(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange ??= IDBKeyRange

/** One account's docs: doc name without its owner (`workspace`, `collection:<id>`, …) → its state as one update. */
export type AccountDocs = ReadonlyMap<string, Uint8Array>

const SEED_OWNER = 'seed'

export async function buildAccount(collections: number, requests: number): Promise<AccountDocs> {
  const indexedDB = new IDBFactory()
  const store = await AccountStore.open(indexedDB)
  const workspace = await Workspace.open({ owner: SEED_OWNER as UserId, indexedDB, store, sync: null, tabs: null })
  await workspace.environments()
  await workspace.history()
  for (let i = 0; i < collections; i++) {
    const id = await workspace.createCollection(`Collection ${i}`)
    const collection = await workspace.collection(id)
    for (let r = 0; r < requests; r++) collection.add({ kind: 'request', name: `Request ${r}`, method: 'GET', url: `https://api.test/${i}/${r}?page=1` })
  }
  await workspace.destroy()
  // Docs nobody wrote (environments, history) store no row; they are docs of the account all the same.
  const docs = new Map<string, Uint8Array>([['environments', Y.encodeStateAsUpdate(new Y.Doc())], ['history', Y.encodeStateAsUpdate(new Y.Doc())]])
  const prefix = `${SEED_OWNER}:`
  for (const [name, rows] of await storedRows(indexedDB, store, SEED_OWNER as UserId)) {
    if (!name.startsWith(prefix)) throw new Error(`unexpected doc ${name}`)
    docs.set(name.slice(prefix.length), Y.mergeUpdates(rows))
  }
  store.close()
  if (docs.size !== collections + 3) throw new Error(`seeded ${docs.size} docs, expected ${collections + 3}`)
  return docs
}

export const docNameOf = (user: string, suffix: string): string => `${user}:${suffix}`

/** Sends every doc of `docs` to a running Ferry relay as `user`'s, over one mux socket; resolves once all are acknowledged (on disk). */
export async function seedFerry(wsUrl: string, token: string, user: string, docs: AccountDocs): Promise<void> {
  const client = await muxClient(muxUrl(wsUrl, token))
  const names = [...docs.keys()].map((suffix) => docNameOf(user, suffix))
  client.open(names.map((name) => openRequest(name)))
  await client.control('opened', 120_000)
  // The relay's answer to the open ends with a `persisted` per doc; take those first.
  for (const name of names) await client.doc(name, 'persisted', 60_000)
  for (const [suffix, update] of docs) client.send(docNameOf(user, suffix), updateFrame(update))
  for (const name of names) await client.doc(name, 'persisted', 60_000)
  client.end()
}

/** Writes `user`'s docs into the Hocuspocus server's store (while it is not running). */
export function seedHocuspocus(dir: string, user: string, docs: AccountDocs): void {
  for (const [suffix, update] of docs) writeFileSync(hocuspocusFile(dir, docNameOf(user, suffix)), update)
}

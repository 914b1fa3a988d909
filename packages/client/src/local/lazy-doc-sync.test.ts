/**
 * A doc held without being loaded (lazy-doc.ts) speaks for itself in sync through its merged
 * bytes: its state vector decides what the relay sends it. Attack: updates of several writers
 * reach it partly and out of order (a gap a later update depends on), and one sync round with
 * its state vector must bring it to everything — woken, it shows what a doc that applied every
 * update shows, and it offers the relay nothing the relay lacks. (Its delete set is not byte for
 * byte a loaded doc's: a map value that lost a concurrent write is deleted by integrating it,
 * which merging bytes never does; the relay's answer carries that deletion, so the difference
 * costs one exchange, not data.)
 */
import { describe, expect, it } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import { IDBFactory } from 'fake-indexeddb'
import * as Y from 'yjs'
import { AccountStore } from '../account-store.ts'
import { AccountDocs } from './account-docs.ts'
import { LazyDoc } from './lazy-doc.ts'

const OWNER = 'ann' as UserId
const NAME = docName(OWNER, 'collection', 'c1')

/** Three writers editing a text, a map and an array, syncing with each other now and then. */
function writers(seed: number): { updates: Uint8Array[]; random: () => number } {
  let state = seed
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
  const updates: Uint8Array[] = []
  for (const doc of docs) doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let step = 0; step < 60; step++) {
    const doc = docs[Math.floor(random() * 3)]!
    const text = doc.getText('t')
    const choice = random()
    if (choice < 0.3) text.insert(Math.floor(random() * (text.length + 1)), `w${step}`)
    else if (choice < 0.45 && text.length > 0) text.delete(Math.floor(random() * text.length), 1)
    else if (choice < 0.65) doc.getMap('m').set(`k${step % 3}`, step)
    else if (choice < 0.75) doc.getMap('m').delete(`k${step % 3}`)
    else if (choice < 0.85) doc.getArray('a').push([step])
    else {
      const other = docs[Math.floor(random() * 3)]!
      Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)))
    }
  }
  return { updates, random }
}

const content = (doc: Y.Doc) => ({
  text: doc.getText('t').toString(),
  map: Object.entries(doc.getMap('m').toJSON()).sort(),
  array: doc.getArray('a').toJSON(),
})

describe('a held doc in sync', () => {
  it('gets everything from one round with its state vector, after partial and out-of-order updates', async () => {
    const indexedDB = new IDBFactory()
    const store = await AccountStore.open(indexedDB)
    const docs = await AccountDocs.open(indexedDB, store, OWNER)
    try {
      for (let seed = 1; seed <= 40; seed++) {
        const { updates, random } = writers(seed)
        const relay = new Y.Doc()
        updates.forEach((update) => Y.applyUpdate(relay, update))
        // What reached this device while it held the doc: some of the updates, shuffled.
        const lazy = await LazyDoc.hold(docs, NAME)
        const some = updates.filter(() => random() < 0.6).sort(() => random() - 0.5)
        some.forEach((update) => lazy.apply(update, 'relay'))

        lazy.apply(Y.encodeStateAsUpdate(relay, lazy.stateVector()), 'relay')
        const offered = new Y.Doc()
        Y.applyUpdate(offered, Y.encodeStateAsUpdate(relay))
        Y.applyUpdate(offered, lazy.diff(Y.encodeStateVector(relay)))
        expect(content(offered), `seed ${seed}: offers the relay what it lacks`).toEqual(content(relay))
        expect(content(lazy.wake(() => {}).doc), `seed ${seed}`).toEqual(content(relay))
        await lazy.destroy()
        await docs.wipe([NAME], false)
      }
    } finally {
      docs.close()
      store.close()
    }
  })
})

/**
 * A returning device's open answered from the stored bytes (mux-open.ts, `answerStored`),
 * attacked with random histories: three writers edit a text, a map and an array, syncing with
 * each other now and then; the relay's store holds a random subset of their updates (as a
 * snapshot and a log of up to 16 parts), the device a random other subset plus edits and
 * deletions of its own, held loaded or as merged bytes (both ways a client computes its
 * delete-set hash). The exchange the stored digest decides — a diff of the stored update when
 * the device lacks something, the device's answer to a step 1 when the store does — must leave
 * both with everything either held; and when the digest says "nothing to exchange", the two
 * must already hold the same.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { compareWith, digestOfStored } from './doc-digest.ts'
import { storedState } from './stored-state.ts'

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest())

/** Updates of three writers editing, and syncing now and then, driven by `random`. */
function history(random: () => number, steps: number): Uint8Array[] {
  const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
  const updates: Uint8Array[] = []
  for (const doc of docs) doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let step = 0; step < steps; step++) {
    const doc = docs[Math.floor(random() * 3)]!
    const text = doc.getText('t')
    const choice = random()
    if (choice < 0.3) text.insert(Math.floor(random() * (text.length + 1)), `w${step}`)
    else if (choice < 0.45 && text.length > 0) text.delete(Math.floor(random() * text.length), 1)
    else if (choice < 0.6) doc.getMap('m').set(`k${step % 3}`, step)
    else if (choice < 0.7) doc.getMap('m').delete(`k${step % 3}`)
    else if (choice < 0.85) doc.getArray('a').push([step])
    else {
      const other = docs[Math.floor(random() * 3)]!
      Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)))
    }
  }
  return updates
}

const content = (doc: Y.Doc) => ({
  text: doc.getText('t').toString(),
  map: Object.entries(doc.getMap('m').toJSON()).sort(),
  array: doc.getArray('a').toJSON(),
})

function docOf(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}

describe('an open answered from the stored bytes', () => {
  it('leaves the device and the relay with everything either held, whatever each held', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 15 }), fc.boolean(), fc.boolean(), (seed, logParts, held, ownEdits) => {
        let state = seed
        const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
        const updates = history(random, 50)
        const stored = updates.filter(() => random() < 0.7)
        const device = docOf(updates.filter(() => random() < 0.7))
        // A device holds what it wrote and what the relay or its tabs sent it, so never structs of
        // another writer waiting for ones the relay lacks; an open's state vector cannot show
        // structs that wait (neither a loaded doc's nor held bytes'), so such a device is no case.
        if (device.store.pendingStructs !== null) return
        if (ownEdits) {
          const text = device.getText('t')
          if (text.length > 0) text.delete(0, 1)
          if (random() < 0.5) text.insert(0, 'offline ')
        }
        // The store: a snapshot of the first part and the rest as a log, at most 16 parts.
        const split = Math.max(0, stored.length - logParts)
        const parts = [Y.mergeUpdates(stored.slice(0, split)), ...stored.slice(split)]
        const state0 = storedState({ snapshot: parts[0]!, updates: parts.slice(1), seq: parts.length })
        if (!state0) return
        const relay = docOf([state0.update])

        // What the device sends on open: a loaded doc's state, or its held (merged) bytes'.
        const bytes = Y.encodeStateAsUpdate(device)
        const stateVector = held ? Y.encodeStateVectorFromUpdate(bytes) : Y.encodeStateVector(device)
        const deleteSet = held ? Y.diffUpdate(bytes, stateVector) : Y.encodeStateAsUpdate(device, stateVector)
        const digest = digestOfStored(state0)
        const { clientLacks, relayLacks } = compareWith(digest, Y.decodeStateVector(stateVector), sha256(deleteSet))

        const [deviceBefore, relayBefore] = [content(device), content(relay)]
        if (clientLacks) Y.applyUpdate(device, Y.diffUpdate(state0.update, stateVector))
        if (relayLacks) Y.applyUpdate(relay, Y.encodeStateAsUpdate(device, digest.stateVector))
        expect(content(device)).toEqual(content(relay))
        // Nothing exchanged: they held the same already.
        if (!clientLacks && !relayLacks) expect(deviceBefore).toEqual(relayBefore)
        // And what each holds is the union of both histories.
        const union = docOf([...stored, Y.encodeStateAsUpdate(device)])
        expect(content(relay)).toEqual(content(union))
      }),
      { numRuns: 300, examples: [[1856563066, 0, true, false]] },
    )
  })
})

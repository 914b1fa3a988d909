/**
 * Rows merged a few at a time (merge-rows.ts) are the union `Y.mergeUpdates` makes of the whole
 * list — out of order, with deletions and several writers. How long each takes is measured by
 * `npm run bench client-held-rows`, not here.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mergeRows } from './merge-rows.ts'

/** Three writers editing text, a map and an array, syncing now and then; every update they emit. */
function edits(seed: number, steps: number): Uint8Array[] {
  let state = seed
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const writers = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
  const updates: Uint8Array[] = []
  for (const writer of writers) writer.on('update', (update: Uint8Array) => updates.push(update))
  for (let step = 0; step < steps; step++) {
    const writer = writers[Math.floor(random() * 3)]!
    const text = writer.getText('t')
    const choice = random()
    if (choice < 0.35) text.insert(Math.floor(random() * (text.length + 1)), `w${step}`)
    else if (choice < 0.5 && text.length > 0) text.delete(Math.floor(random() * text.length), 1)
    else if (choice < 0.7) writer.getMap('m').set(`k${step % 7}`, step)
    else if (choice < 0.85) writer.getArray('a').push([step])
    else {
      const other = writers[Math.floor(random() * 3)]!
      Y.applyUpdate(other, Y.encodeStateAsUpdate(writer, Y.encodeStateVector(other)))
    }
  }
  return updates
}

const shuffled = (rows: Uint8Array[], seed: number) => rows.map((row, i) => [Math.sin(seed * 1000 + i), row] as const).sort((a, b) => a[0] - b[0]).map(([, row]) => row)

function contentOf(update: Uint8Array): unknown {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return { text: doc.getText('t').toString(), map: Object.entries(doc.getMap('m').toJSON()).sort(), array: doc.getArray('a').toJSON() }
}

describe('mergeRows', () => {
  it('merges long lists into the update Y.mergeUpdates makes of them, in order or not', () => {
    for (const seed of [1, 2, 3]) {
      const rows = edits(seed, 1_500)
      for (const list of [rows, shuffled(rows, seed)]) {
        const merged = mergeRows(list)
        const whole = Y.mergeUpdates(list)
        expect(Y.encodeStateVectorFromUpdate(merged)).toEqual(Y.encodeStateVectorFromUpdate(whole))
        expect(contentOf(merged)).toEqual(contentOf(whole))
      }
    }
  })

  it('keeps one row as it is and makes an empty update of none', () => {
    const [row] = edits(4, 1)
    expect(mergeRows([row!])).toBe(row)
    expect(mergeRows([])).toEqual(Y.mergeUpdates([]))
  })

  it('throws on a row that is not a Yjs update, as Y.mergeUpdates does', () => {
    expect(() => mergeRows([...edits(5, 40), new Uint8Array([1, 2, 3])])).toThrow()
  })
})

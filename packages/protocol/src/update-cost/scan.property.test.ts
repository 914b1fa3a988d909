/**
 * The scan against yjs itself, on random docs: for every update yjs writes — each transaction's,
 * a doc's whole state, a diff against another replica's state vector, merges — the scan counts
 * the structs and deleted ranges `Y.decodeUpdate` finds and never refuses it. Then on those
 * updates damaged (bytes flipped, inserted, removed, cut off): it never throws or hangs, it
 * reads whatever yjs reads with the same count, and what it calls malformed yjs cannot read.
 * The state vector it gives is the one `Y.encodeStateVectorFromUpdate` gives, byte for byte,
 * also for merges with gaps (Skips) and text of any code points; on damaged updates it gives
 * none or one that claims no more than yjs's.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { scanUpdate, scanWithStateVector, stateVectorWithoutDecoding } from './scan.ts'

type Op =
  | { t: 'map'; r: number; key: string; value: unknown }
  | { t: 'type'; r: number; key: string; kind: number }
  | { t: 'text'; r: number; at: number; text: string; del: number; bold: boolean }
  | { t: 'array'; r: number; at: number; values: unknown[]; del: number }
  | { t: 'xml'; r: number; name: string }
  | { t: 'sync'; from: number; to: number }

const REPLICAS = 3
const replica = fc.nat(REPLICAS - 1)
const key = fc.constantFrom('a', 'b', 'c', 'd')
// Values as Yjs stores them in Any content: JSON, nested, and bytes.
const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.uint8Array({ maxLength: 8 }))
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('map' as const), r: replica, key, value }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('type' as const), r: replica, key, kind: fc.nat(3) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('text' as const), r: replica, at: fc.nat(40), text: fc.string({ unit: 'binary', maxLength: 6 }), del: fc.nat(4), bold: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('array' as const), r: replica, at: fc.nat(10), values: fc.array(value, { maxLength: 3 }), del: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('xml' as const), r: replica, name: fc.constantFrom('p', 'div') }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sync' as const), from: replica, to: replica }) },
)

/** Runs `ops` on fresh replicas; returns every update yjs wrote along the way and after. */
function updatesOf(ops: readonly Op[]): Uint8Array[] {
  const docs = Array.from({ length: REPLICAS }, (_, i) => {
    const doc = new Y.Doc()
    doc.clientID = i + 1
    return doc
  })
  const updates: Uint8Array[] = []
  for (const doc of docs) doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const o of ops) {
    if (o.t === 'sync') {
      Y.applyUpdate(docs[o.to]!, Y.encodeStateAsUpdate(docs[o.from]!, Y.encodeStateVector(docs[o.to]!)))
      continue
    }
    const doc = docs[o.r]!
    if (o.t === 'map') doc.getMap('map').set(o.key, o.value)
    else if (o.t === 'type') doc.getMap('map').set(o.key, [new Y.Map(), new Y.Text('x'), new Y.Array(), new Y.Doc()][o.kind]!)
    else if (o.t === 'text') {
      const text = doc.getText('text')
      const at = Math.min(o.at, text.length)
      text.insert(at, o.text, o.bold ? { bold: true } : {})
      text.delete(Math.min(at, Math.max(0, text.length - o.del)), Math.min(o.del, text.length))
      if (o.bold && text.length > 0) text.insertEmbed(0, { embed: o.text })
    } else if (o.t === 'array') {
      const array = doc.getArray('array')
      array.insert(Math.min(o.at, array.length), o.values)
      array.delete(0, Math.min(o.del, array.length))
    } else doc.getXmlFragment('xml').push([new Y.XmlElement(o.name), new Y.XmlText(o.name)])
  }
  const states = docs.map((doc) => Y.encodeStateAsUpdate(doc))
  // Every other transaction's update, merged: gaps, which a merge fills with Skips.
  const gapped = Y.mergeUpdates(updates.filter((_, i) => i % 2 === 0))
  updates.push(...states, Y.encodeStateAsUpdate(docs[0]!, Y.encodeStateVector(docs[1]!)), Y.mergeUpdates(states), gapped)
  updates.push(Y.diffUpdate(gapped, Y.encodeStateVector(docs[2]!)))
  return updates
}

const deleteRanges = (decoded: ReturnType<typeof Y.decodeUpdate>): number => [...decoded.ds.clients.values()].reduce((n, ranges) => n + ranges.length, 0)

type Damage = { t: 'flip'; at: number; byte: number } | { t: 'insert'; at: number; byte: number } | { t: 'remove'; at: number } | { t: 'cut'; at: number }
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ t: fc.constant('flip' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ t: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ t: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('cut' as const), at: fc.nat() }),
)

function damaged(update: Uint8Array, damages: readonly Damage[]): Uint8Array {
  let bytes = [...update]
  for (const d of damages) {
    const at = bytes.length === 0 ? 0 : d.at % bytes.length
    if (d.t === 'flip') bytes[at] = d.byte
    else if (d.t === 'insert') bytes.splice(at, 0, d.byte)
    else if (d.t === 'remove') bytes.splice(at, 1)
    else bytes = bytes.slice(0, at)
  }
  return new Uint8Array(bytes)
}

describe('scanUpdate against yjs', () => {
  it('counts every update yjs writes as Y.decodeUpdate reads it, and refuses none', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        for (const update of updatesOf(ops)) {
          const scanned = scanUpdate(update)
          const decoded = Y.decodeUpdate(update)
          expect(scanned.ok).toBe(true)
          if (!scanned.ok) return
          expect(scanned.value.structs).toBe(decoded.structs.length)
          expect(scanned.value.deleteRanges).toBe(deleteRanges(decoded))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('gives the state vector yjs computes from every update yjs writes, byte for byte', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        for (const update of updatesOf(ops)) {
          const stateVector = stateVectorWithoutDecoding(update)
          const decoded = Y.decodeUpdate(update)
          // Only subdocuments and legacy JSON (embeds, formats) make it defer to yjs.
          const unsure = decoded.structs.some((s) => s instanceof Y.Item && (s.content instanceof Y.ContentDoc || s.content instanceof Y.ContentEmbed || s.content instanceof Y.ContentFormat))
          if (unsure) expect(stateVector).toBeNull()
          else expect(stateVector).toEqual(Y.encodeStateVectorFromUpdate(update))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('reads damaged updates as yjs does, never throwing', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 20 }), fc.array(damage, { minLength: 1, maxLength: 4 }), (ops, damages) => {
        const updates = updatesOf(ops)
        const bytes = damaged(updates[updates.length - 1]!, damages)
        const scanned = scanUpdate(bytes)
        let decoded: ReturnType<typeof Y.decodeUpdate> | null = null
        try {
          decoded = Y.decodeUpdate(bytes)
        } catch {
          // yjs cannot read it: the scan may count it still (it does not check string encodings or JSON).
        }
        if (decoded) {
          expect(scanned).toMatchObject({ ok: true, value: { structs: decoded.structs.length, deleteRanges: deleteRanges(decoded) } })
        } else if (!scanned.ok) expect(scanned.error.code).toBe('malformed')
        // A state vector only where yjs computes one, and never more than yjs claims (yjs claims
        // clocks a crafted update lacks: a client in two groups, a leading Skip; see clocks.ts).
        const stateVector = stateVectorWithoutDecoding(bytes)
        // The walk that checks an update and gives its state vector at once says what each does alone.
        expect(scanWithStateVector(bytes)).toEqual({ scanned, stateVector })
        if (stateVector !== null) {
          const theirs = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(bytes))
          for (const [client, clock] of Y.decodeStateVector(stateVector)) expect(clock).toBeLessThanOrEqual(theirs.get(client) ?? 0)
        }
      }),
      { numRuns: 3_000 },
    )
  })
})

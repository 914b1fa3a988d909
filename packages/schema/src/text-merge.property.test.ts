/**
 * Nothing typed is lost: N replicas make random concurrent edits on every text field of a
 * request (name, URL, description, body, a header's key and value, a param's value, the
 * request's and the collection's bearer token) — keystroke-sized edits through the live texts
 * and whole-value sets through the setters (which diff) — on a v2 request, on a v1 request
 * (string fields, seeded on first edit) AND on a compact request (an imported Postman item,
 * materialized by whichever replicas edit it first, concurrently), with random sync points. After a final sync every
 * replica shows the same value in every field, every character some replica inserted and no
 * replica deleted is there exactly once, and no deleted character came back.
 * Every inserted character is unique in the run, so presence is a set check.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import type { JsonObject } from './model.ts'
import { setText } from './text/diff.ts'
import { v1Item } from './test-v1.ts'
import { syncDocs } from './test-sync.ts'
import { seededRandom } from './test-random.ts'

const REPLICAS = 4
const FIELDS = ['name', 'url', 'description', 'body', 'headerKey', 'headerValue', 'paramKey', 'paramValue', 'token', 'collectionToken'] as const
type Field = (typeof FIELDS)[number]

type Op =
  | { t: 'edit'; r: number; item: number; f: Field; at: number; del: number; len: number }
  | { t: 'set'; r: number; item: number; f: Field; at: number; del: number; len: number }
  | { t: 'sync'; from: number; to: number }

const replica = fc.nat(REPLICAS - 1)
const change = { r: replica, item: fc.nat(2), f: fc.constantFrom(...FIELDS), at: fc.nat(12), del: fc.nat(3), len: fc.nat(3) }
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('edit' as const), ...change }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('set' as const), ...change }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), from: replica, to: replica }) },
)

class World {
  readonly replicas: Collection[]
  readonly ids: [string, string, string]
  readonly inserted = new Set<string>()
  readonly deleted = new Set<string>()
  private next = 0x4e00

  private fresh(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) {
      const c = String.fromCharCode(this.next++)
      this.inserted.add(c)
      s += c
    }
    return s
  }

  constructor(seed: number) {
    const origin = new Y.Doc()
    origin.clientID = 100
    const c = new Collection(origin, { random: seededRandom(seed) })
    c.setAuth({ type: 'bearer', token: this.fresh(4) })
    const v2 = c.add({
      kind: 'request', name: this.fresh(3), url: this.fresh(6), description: this.fresh(2), body: { raw: this.fresh(4) },
      auth: { type: 'bearer', token: this.fresh(3) },
      headers: [{ key: this.fresh(3), value: this.fresh(3) }], params: [{ key: this.fresh(2), value: this.fresh(3) }],
    })
    const v1 = this.writeV1(origin)
    const compact = c.add({ kind: 'request', postman: this.postmanItem() })
    this.ids = [v2, v1, compact]
    const update = Y.encodeStateAsUpdate(origin)
    this.replicas = Array.from({ length: REPLICAS }, (_, i) => {
      const doc = new Y.Doc()
      doc.clientID = i + 1
      Y.applyUpdate(doc, update)
      return new Collection(doc, { random: seededRandom(seed * 31 + i) })
    })
  }

  /** An imported request as a Postman file gives it (stored compact). */
  private postmanItem(): JsonObject {
    const [pk, pv] = [this.fresh(2), this.fresh(3)]
    return {
      name: this.fresh(3),
      request: {
        method: 'GET',
        url: { raw: this.fresh(6), query: [{ key: pk, value: pv }] },
        header: [{ key: this.fresh(3), value: this.fresh(3) }],
        body: { mode: 'raw', raw: this.fresh(4) },
        auth: { type: 'bearer', bearer: [{ key: 'token', value: this.fresh(3), type: 'string' }] },
        description: this.fresh(2),
      },
    }
  }

  /** A request as schema v1 stored it: strings for name, URL, auth and row cells. */
  private writeV1(doc: Y.Doc): string {
    const item = v1Item({
      kind: 'request', name: this.fresh(3), url: this.fresh(6), description: this.fresh(2), body: { mode: 'raw', raw: this.fresh(3) },
      auth: { type: 'bearer', token: this.fresh(3) },
      headers: [{ key: this.fresh(3), value: this.fresh(3) }], params: [{ key: this.fresh(2), value: this.fresh(3) }],
    }, null, 'a5')
    doc.getMap('items').set('legacy', item)
    return 'legacy'
  }

  read(r: number, item: number, f: Field): string {
    const c = this.replicas[r]!
    if (f === 'collectionToken') return (c.auth() as { token: string }).token
    const node = c.get(this.ids[item]!)
    if (!node || node.kind !== 'request') throw new Error('request vanished')
    switch (f) {
      case 'name': return node.name
      case 'url': return node.url
      case 'description': return node.description
      case 'body': return node.body.raw
      case 'headerKey': return node.headers[0]!.key
      case 'headerValue': return node.headers[0]!.value
      case 'paramKey': return node.params[0]!.key
      case 'paramValue': return node.params[0]!.value
      case 'token': return (node.auth as { token: string }).token
    }
  }

  private live(r: number, item: number, f: Field): Y.Text {
    const c = this.replicas[r]!
    const id = this.ids[item]!
    switch (f) {
      case 'name': case 'url': case 'description': case 'body': return c.text(id, f)!
      case 'headerKey': return c.list(id, 'headers')!.text(0, 'key')!
      case 'headerValue': return c.list(id, 'headers')!.text(0, 'value')!
      case 'paramKey': return c.list(id, 'params')!.text(0, 'key')!
      case 'paramValue': return c.list(id, 'params')!.text(0, 'value')!
      case 'token': return c.authText(id, 'token')!
      case 'collectionToken': return c.authText(null, 'token')!
    }
  }

  private set(r: number, item: number, f: Field, value: string): void {
    const c = this.replicas[r]!
    const id = this.ids[item]!
    switch (f) {
      case 'name': case 'url': c.update(id, { [f]: value }); break
      // Bodies and descriptions have no string setter: `setText` is what a blur handler calls.
      case 'description': case 'body': setText(c.text(id, f)!, value); break
      case 'headerKey': c.list(id, 'headers')!.update(0, { key: value }); break
      case 'headerValue': c.list(id, 'headers')!.update(0, { value }); break
      case 'paramKey': c.list(id, 'params')!.update(0, { key: value }); break
      case 'paramValue': c.list(id, 'params')!.replace([{ ...c.list(id, 'params')!.rows()[0]!, value }]); break
      case 'token': c.update(id, { auth: { type: 'bearer', token: value } }); break
      case 'collectionToken': c.setAuth({ type: 'bearer', token: value })
    }
  }

  apply(o: Op): void {
    if (o.t === 'sync') {
      const [a, b] = [this.replicas[o.from]!.doc, this.replicas[o.to]!.doc]
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
      return
    }
    const current = this.read(o.r, o.item, o.f)
    const at = Math.min(o.at, current.length)
    const del = Math.min(o.del, current.length - at)
    for (const ch of current.slice(at, at + del)) this.deleted.add(ch)
    const insert = this.fresh(o.len)
    if (o.t === 'edit') {
      const text = this.live(o.r, o.item, o.f)
      text.doc!.transact(() => {
        text.delete(at, del)
        text.insert(at, insert)
      })
    } else this.set(o.r, o.item, o.f, current.slice(0, at) + insert + current.slice(at + del))
  }

  check(): void {
    syncDocs(...this.replicas.map((c) => c.doc))
    for (const item of [0, 1, 2]) {
      for (const f of FIELDS) {
        const values = this.replicas.map((_, r) => this.read(r, item, f))
        expect(new Set(values).size, `${f} converges`).toBe(1)
        const chars = [...values[0]!]
        expect(new Set(chars).size, `${f} has no duplicated character: ${values[0]}`).toBe(chars.length)
        for (const ch of chars) expect(this.deleted.has(ch), `${f}: deleted ${ch} came back`).toBe(false)
      }
    }
    const seen = new Set<string>()
    for (const item of [0, 1, 2]) for (const f of FIELDS) for (const ch of this.read(0, item, f)) seen.add(ch)
    for (const ch of this.inserted) if (!this.deleted.has(ch)) expect(seen.has(ch), `typed ${ch} (U+${ch.charCodeAt(0).toString(16)}) is kept`).toBe(true)
  }
}

describe('text fields merge', () => {
  it('keep every character no replica deleted, over random concurrent edits and whole-value sets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.array(op, { maxLength: 60 }), (seed, ops) => {
        const world = new World(seed)
        for (const o of ops) world.apply(o)
        world.check()
      }),
      { numRuns: 200 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { craftedUpdate, nestedAny, nestedJson, type CraftedKind } from './testing/crafted-updates.ts'
import { checkUpdate, decodedCost, DEFAULT_MAX_UPDATE_DECODED_BYTES, TOO_COSTLY_REASON } from './cost.ts'
import { MAX_ANY_DEPTH, MAX_ROOT_NAMES_LISTED, scanUpdate, stateVectorWithoutDecoding, type UpdateCounts } from './scan.ts'

/** A doc holding every kind of content yjs writes: maps, arrays, text with formats and embeds, XML, subdocs, bytes, deletions. */
function everyContent(): Y.Doc {
  const doc = new Y.Doc()
  const map = doc.getMap('map')
  map.set('json', { list: [1, 2.5, { nested: 'deep' }], none: null, flag: true, big: 10n ** 12n, bytes: new Uint8Array([1, 2]) })
  map.set('gone', 'soon')
  map.delete('gone')
  const text = doc.getText('text')
  text.insert(0, 'hello world')
  text.format(0, 5, { bold: true })
  text.insertEmbed(5, { image: 'x.png' })
  text.delete(6, 3)
  doc.getArray('array').push([new Y.Map(), new Y.XmlElement('p'), new Y.Doc(), new Uint8Array([3])])
  doc.getXmlFragment('xml').push([new Y.XmlText('hi')])
  doc.getArray('hooks').push([new Y.XmlHook('hook')])
  return doc
}

const deleteRangesOf = (update: Uint8Array): number => [...Y.decodeUpdate(update).ds.clients.values()].reduce((n, ranges) => n + ranges.length, 0)

function counted(update: Uint8Array): UpdateCounts {
  const scanned = scanUpdate(update)
  if (!scanned.ok) throw new Error(scanned.error.message)
  return scanned.value
}

describe('scanUpdate', () => {
  it('counts the structs and deleted ranges Y.decodeUpdate finds, for every kind of content', () => {
    const update = Y.encodeStateAsUpdate(everyContent())
    const counts = counted(update)
    expect(counts.structs).toBe(Y.decodeUpdate(update).structs.length)
    expect(counts.deleteRanges).toBe(deleteRangesOf(update))
    // A map, an element, a text and a hook; the value at 'json' holds a list holding an object holding a string.
    expect(counts).toMatchObject({ typeItems: 4, docItems: 1, clients: 1, anyDepth: 4 })
    expect(counts.jsonBytes).toBeGreaterThan(0)
  })

  it.each<CraftedKind>(['gc', 'skip', 'deleted-items', 'root-names', 'binary-chain', 'type-items', 'subdocs', 'any-items', 'any-values', 'json-arrays', 'clients', 'delete-ranges', 'delete-clients'])(
    'counts a crafted update of %s as yjs reads it',
    (kind) => {
      const update = craftedUpdate(kind, 1_000)
      const decoded = Y.decodeUpdate(update)
      const counts = counted(update)
      expect(counts.structs).toBe(decoded.structs.length)
      expect(counts.gcStructs).toBe(decoded.structs.filter((s) => !(s instanceof Y.Item)).length)
      expect(counts.deleteRanges).toBe(deleteRangesOf(update))
    },
  )

  it('says every truncation of an update is malformed, as yjs does', () => {
    const update = Y.encodeStateAsUpdate(everyContent())
    for (let end = 0; end < update.length; end++) {
      const cut = update.subarray(0, end)
      expect(scanUpdate(cut)).toMatchObject({ ok: false, error: { code: 'malformed' } })
      expect(() => Y.decodeUpdate(cut)).toThrow()
    }
  })

  it('names an unknown content kind, type or value tag', () => {
    const withContent = (write: (e: encoding.Encoder) => void): Uint8Array => {
      const e = encoding.createEncoder()
      for (const v of [1, 1, 1, 0]) encoding.writeVarUint(e, v)
      write(e)
      encoding.writeVarUint(e, 0)
      return encoding.toUint8Array(e)
    }
    const origin = (e: encoding.Encoder, kind: number): void => {
      encoding.writeUint8(e, 0x80 | kind)
      encoding.writeVarUint(e, 2)
      encoding.writeVarUint(e, 0)
    }
    const unknownKind = withContent((e) => origin(e, 11))
    // Kind 10 is a Skip only as the whole info byte; with an origin it is an item yjs cannot read.
    const skipWithOrigin = withContent((e) => origin(e, 10))
    const unknownType = withContent((e) => {
      origin(e, 7)
      encoding.writeVarUint(e, 7)
    })
    const unknownTag = withContent((e) => {
      origin(e, 8)
      encoding.writeVarUint(e, 1)
      encoding.writeUint8(e, 115)
    })
    expect(scanUpdate(unknownKind)).toEqual({ ok: false, error: { code: 'malformed', message: 'an item has the unknown content kind 11' } })
    expect(scanUpdate(skipWithOrigin)).toEqual({ ok: false, error: { code: 'malformed', message: 'an item has the unknown content kind 10' } })
    expect(scanUpdate(unknownType)).toEqual({ ok: false, error: { code: 'malformed', message: 'an item is of the unknown type 7' } })
    expect(scanUpdate(unknownTag)).toEqual({ ok: false, error: { code: 'malformed', message: 'an Any value has the unknown tag 115' } })
    for (const update of [unknownKind, skipWithOrigin, unknownType, unknownTag]) expect(() => Y.decodeUpdate(update)).toThrow()
  })

  it('answers at once for counts the bytes cannot hold, and for numbers past 2^53', () => {
    const claims = encoding.createEncoder()
    encoding.writeVarUint(claims, 2 ** 50) // client groups
    encoding.writeVarUint(claims, 2 ** 50) // structs in the first
    expect(scanUpdate(encoding.toUint8Array(claims))).toMatchObject({ ok: false, error: { code: 'malformed' } })
    expect(scanUpdate(new Uint8Array([...Array(9).fill(0xff), 1]))).toEqual({ ok: false, error: { code: 'malformed', message: 'a number is larger than 2^53' } })
  })

  it(`follows Any values nested ${MAX_ANY_DEPTH} deep, and refuses deeper ones without recursing`, () => {
    expect(counted(nestedAny(MAX_ANY_DEPTH)).anyDepth).toBe(MAX_ANY_DEPTH)
    expect(scanUpdate(nestedAny(MAX_ANY_DEPTH + 1))).toEqual({ ok: false, error: { code: 'too-deep', message: `its values nest deeper than ${MAX_ANY_DEPTH} levels` } })
    // yjs itself overflows the stack on this one.
    const deep = nestedAny(200_000)
    expect(() => Y.decodeUpdate(deep)).toThrow(RangeError)
    expect(scanUpdate(deep)).toMatchObject({ ok: false, error: { code: 'too-deep' } })
  })

  it(`refuses legacy JSON text (JSON, embeds, formats) nested ${MAX_ANY_DEPTH} deep, which yjs could decode but not encode again`, () => {
    for (const kind of [2, 5, 6] as const) {
      expect(counted(nestedJson(MAX_ANY_DEPTH - 1, kind)).jsonBytes).toBeGreaterThan(0)
      expect(scanUpdate(nestedJson(MAX_ANY_DEPTH, kind))).toEqual({ ok: false, error: { code: 'too-deep', message: `its values nest deeper than ${MAX_ANY_DEPTH} levels` } })
      const doc = new Y.Doc()
      Y.applyUpdate(doc, nestedJson(100_000, kind))
      expect(() => Y.encodeStateAsUpdate(doc)).toThrow(RangeError)
    }
    // Brackets inside strings, escaped quotes included, are no nesting.
    const doc = new Y.Doc()
    doc.getText('body').insertEmbed(0, { text: '\\"' + '['.repeat(200) })
    expect(counted(Y.encodeStateAsUpdate(doc)).jsonBytes).toBeGreaterThan(200)
  })

  it(`lists the distinct root names an update gives, up to ${MAX_ROOT_NAMES_LISTED + 1}`, () => {
    const doc = new Y.Doc()
    doc.getText('body').insert(0, 'hi')
    doc.getMap('meta').set('v', 1)
    doc.getMap('meta').set('w', 2)
    const honest = scanUpdate(Y.encodeStateAsUpdate(doc))
    expect(honest.ok && [...honest.value.rootNames].sort()).toEqual(['body', 'meta'])
    // Runs of one name, names of one length, a name met again after another: each counted, each listed once.
    const runs = new Y.Doc()
    for (const name of ['ab', 'ab', 'ba', 'ab', 'abc', 'ba']) runs.getMap(name).set(`k${runs.getMap(name).size}`, 1)
    const listed = scanUpdate(Y.encodeStateAsUpdate(runs))
    expect(listed.ok && [...listed.value.rootNames].sort()).toEqual(['ab', 'abc', 'ba'])
    expect(listed.ok && listed.value.rootParents).toBe(6)
    const many = scanUpdate(craftedUpdate('root-names', 5_000))
    expect(many.ok && many.value.rootNames.size).toBe(MAX_ROOT_NAMES_LISTED + 1)
  })

  it('ignores bytes after the delete set, as yjs does', () => {
    const update = Y.encodeStateAsUpdate(everyContent())
    const padded = new Uint8Array([...update, 7, 7, 7])
    expect(() => Y.decodeUpdate(padded)).not.toThrow()
    expect(counted(padded)).toEqual(counted(update))
  })
})

describe('stateVectorWithoutDecoding', () => {
  it('gives what Y.encodeStateVectorFromUpdate gives, text of any length in UTF-16 units', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'a é 中 😀 \uFEFF')
    doc.getMap('m').set('k', ['x', { y: '😀' }])
    doc.getMap('m').set('gone', 1)
    doc.getMap('m').delete('gone')
    const other = new Y.Doc()
    other.getArray('a').insert(0, [1, 2, 3])
    const update = Y.mergeUpdates([Y.encodeStateAsUpdate(doc), Y.encodeStateAsUpdate(other)])
    expect(stateVectorWithoutDecoding(update)).toEqual(Y.encodeStateVectorFromUpdate(update))
    expect(stateVectorWithoutDecoding(Y.encodeStateAsUpdate(new Y.Doc()))).toEqual(new Uint8Array([0]))
  })

  it('never claims clocks a crafted update lacks, where yjs does: a client met again in a later group, a leading Skip', () => {
    // Client 5: a GC struct over clocks 0–2, then another group over 10–11; nothing of 3–9.
    const crafted = new Uint8Array([0x02, 0x01, 0x05, 0x00, 0x00, 0x03, 0x01, 0x05, 0x0a, 0x00, 0x02, 0x00])
    expect(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(crafted)).get(5)).toBe(12)
    expect(stateVectorWithoutDecoding(crafted)).toEqual(new Uint8Array([1, 5, 3]))
    // Client 5: nothing but a Skip over clocks 0–2, which yjs counts as held.
    const skipOnly = new Uint8Array([0x01, 0x01, 0x05, 0x00, 0x0a, 0x03, 0x00])
    expect(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(skipOnly)).get(5)).toBe(3)
    expect(stateVectorWithoutDecoding(skipOnly)).toEqual(new Uint8Array([0]))
  })

  it('leaves to yjs what only a full decode tells: a string that is not UTF-8, legacy JSON, subdocuments', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'abc')
    const update = Y.encodeStateAsUpdate(doc)
    const at = update.indexOf(0x61) // the text's 'a'
    const broken = update.slice()
    broken[at] = 0xff
    expect(stateVectorWithoutDecoding(broken)).toBeNull()
    expect(() => Y.encodeStateVectorFromUpdate(broken)).toThrow()
    expect(stateVectorWithoutDecoding(Y.encodeStateAsUpdate(everyContent()))).toBeNull()
    expect(stateVectorWithoutDecoding(new Uint8Array([1, 1]))).toBeNull()
  })

  it('gives none for an Any integer past 2^53, which yjs refuses', () => {
    // One group, client 1 at clock 0: an Any item under root 'a' holding one var-int of nine 7-bit groups of ones.
    const huge = new Uint8Array([1, 1, 1, 0, 8, 1, 1, 0x61, 1, 125, ...Array(9).fill(0xff), 0x01, 0])
    expect(() => Y.encodeStateVectorFromUpdate(huge)).toThrow('Integer out of Range')
    expect(stateVectorWithoutDecoding(huge)).toBeNull()
    expect(scanUpdate(huge)).toEqual({ ok: false, error: { code: 'malformed', message: 'a number is larger than 2^53' } })
    // Zero groups past 2^53 add nothing, so lib0 reads them.
    const padded = new Uint8Array([1, 1, 1, 0, 8, 1, 1, 0x61, 1, 125, 0xc0, ...Array(10).fill(0x80), 0x01, 0])
    expect(stateVectorWithoutDecoding(padded)).toEqual(Y.encodeStateVectorFromUpdate(padded))
  })
})

describe('checkUpdate', () => {
  it('refuses a GC-struct bomb over the limit before decoding it, saying what it would cost', () => {
    const bomb = craftedUpdate('gc', 20_000)
    const limit = 1024 * 1024
    const checked = checkUpdate(bomb, limit)
    expect(checked).toEqual({ ok: false, error: { code: 'too-costly', message: 'it would take about 3 MB of memory, over the limit of 1 MB' } })
    expect(`${TOO_COSTLY_REASON}: ${checked.ok ? '' : checked.error.message}`.length).toBeLessThanOrEqual(123) // fits a close reason
  })

  it('takes an update that costs exactly the limit, and refuses one byte less', () => {
    const update = craftedUpdate('subdocs', 100)
    const cost = decodedCost(counted(update))
    expect(checkUpdate(update, cost).ok).toBe(true)
    expect(checkUpdate(update, cost - 1)).toMatchObject({ ok: false, error: { code: 'too-costly' } })
  })

  it('refuses nesting past the scan as too costly, and bytes that are no update as malformed', () => {
    expect(checkUpdate(nestedAny(MAX_ANY_DEPTH + 1))).toMatchObject({ ok: false, error: { code: 'too-costly' } })
    expect(checkUpdate(new Uint8Array([1, 5]))).toMatchObject({ ok: false, error: { code: 'malformed' } })
  })

  it('takes a whole honest doc far under the default limit', () => {
    const checked = checkUpdate(Y.encodeStateAsUpdate(everyContent()))
    expect(checked.ok && decodedCost(checked.value)).toBeLessThan(DEFAULT_MAX_UPDATE_DECODED_BYTES / 1000)
  })
})

/**
 * Counts what a Yjs update (format v1, what the sync protocol carries) holds without decoding
 * it: one pass over the bytes, nothing allocated per struct, no recursion. Decoding builds an
 * object of ~100 to ~2,400 bytes for each struct of 2 to 6 bytes, so the count is what lets an
 * untrusted update be refused *before* anything decodes it (cost.ts).
 *
 * The layout walked here is the one yjs writes and reads (`writeStructs`/`readClientsStructRefs`,
 * `UpdateDecoderV1`, the content readers and `readDeleteSet`; lib0's var-uints and `readAny`):
 *
 *     update      = var-uint groups, groups × group, deleteSet
 *     group       = var-uint structs, var-uint client, var-uint clock, structs × struct
 *     struct      = info byte, then: GC (info & 31 = 0): var-uint length
 *                                     Skip (info = 10): var-uint length
 *                                     Item (info & 31 = content kind 1–9):
 *                                       origin id if bit 8, right origin id if bit 7,
 *                                       if neither: var-uint parentInfo, then a root type's name
 *                                       (parentInfo 1) or a parent id; a key string if bit 6;
 *                                       then the content of its kind
 *     id          = var-uint client, var-uint clock
 *     deleteSet   = var-uint clients, clients × (var-uint client, var-uint n, n × (clock, length))
 *
 * It accepts what `Y.decodeUpdate` accepts (bytes after the delete set are ignored, as yjs
 * does), but Any values and legacy JSON text nested deeper than `MAX_ANY_DEPTH`, and refuses as malformed what yjs
 * cannot read: a truncated value, an unknown content kind, type or Any tag. It does not check what only a full decode can (string encodings,
 * whether legacy JSON text parses): an update it counts is still decoded in full before it is
 * applied, only that decode is then known to be bounded.
 *
 * The same walk gives an update's state vector (`stateVectorOfUpdate`) for a tenth of what
 * `Y.encodeStateVectorFromUpdate` costs, which decodes every struct and string to count it.
 */
import * as Y from 'yjs'
import { err, ok, type Result } from '../result.ts'
import { ClockCounter, utf16Length } from './clocks.ts'

/** What an update holds, counted as decoding it would build it. */
export interface UpdateCounts {
  /** Every struct (items, GC and Skip), as many as `Y.decodeUpdate(update).structs` lists. */
  readonly structs: number
  /** GC and Skip structs: no content, the cheapest to send (2 bytes). */
  readonly gcStructs: number
  /** Items whose content is a shared type (a `Y.Map`, `Y.Text`, …): each decodes to a type object. */
  readonly typeItems: number
  /** Items whose content is a subdocument: each decodes to a whole `Y.Doc`. */
  readonly docItems: number
  /** Items whose content is a list of values (Any, legacy JSON) or bytes (binary). */
  readonly valueItems: number
  /** Items naming a root type by name: applied, each new name creates a root type. */
  readonly rootParents: number
  /**
   * The distinct root type names those items give, at most `MAX_ROOT_NAMES_LISTED + 1` of them
   * (more says "too many"): yjs finds a root type's name by walking every root of the doc, so a
   * doc with hundreds of thousands of them takes minutes to encode.
   */
  readonly rootNames: ReadonlySet<string>
  /** Values in Any content (lists, objects, their entries and scalars, nested ones included). */
  readonly anyValues: number
  /** Deepest nesting of Any content (a scalar is 1, a list of scalars 2); 0 without any. */
  readonly anyDepth: number
  /** Bytes of JSON text in legacy content (JSON, embeds, formats), which decoding parses. */
  readonly jsonBytes: number
  /** Client groups of structs. */
  readonly clients: number
  /** Clients in the delete set. */
  readonly deleteClients: number
  /** Ranges in the delete set. */
  readonly deleteRanges: number
}

/**
 * Why an update was not counted: `malformed` — yjs cannot read it either; `too-deep` — its Any
 * content nests deeper than the scan follows (yjs reads Any recursively and overflows the
 * stack at ~5,000 levels in Node, fewer in browsers, and every reader and writer of the doc
 * would meet it again).
 */
export interface ScanError {
  readonly code: 'malformed' | 'too-deep'
  readonly message: string
}

/** Deepest Any nesting the scan follows; Ferry's docs nest 2 deep (imported JSON is kept as a string). */
export const MAX_ANY_DEPTH = 64

// Content kinds (info & 31) and Any tags, as yjs and lib0 number them.
const GC = 0
const SKIP = 10
const DELETED = 1
const JSON_CONTENT = 2
const BINARY = 3
const STRING = 4
const EMBED = 5
const FORMAT = 6
const TYPE = 7
const ANY = 8
const DOC = 9
const XML_ELEMENT = 3
const XML_HOOK = 5
const LAST_TYPE_REF = 6
const ANY_OBJECT = 118
const ANY_ARRAY = 117

class Stop extends Error {
  constructor(readonly error: ScanError) {
    super(error.message)
  }
}

const truncated = (): Stop => new Stop({ code: 'malformed', message: 'the update ends in the middle of a value' })
const malformed = (message: string): Stop => new Stop({ code: 'malformed', message })
const tooDeep = (): Stop => new Stop({ code: 'too-deep', message: `its values nest deeper than ${MAX_ANY_DEPTH} levels` })

/** Per nesting level of the Any value being read: values left in it, and whether it is an object (a key before each). */
/** Root names listed per update before the list says "more" (a Ferry doc has a handful). */
export const MAX_ROOT_NAMES_LISTED = 1024
const utf8 = new TextDecoder()

const left = new Float64Array(MAX_ANY_DEPTH)
const isObject = new Uint8Array(MAX_ANY_DEPTH)

/** Counts what `update` holds; never throws. */
export function scanUpdate(update: Uint8Array): Result<UpdateCounts, ScanError> {
  return walk(update, null)
}

/**
 * The state vector of `update`, byte for byte what `Y.encodeStateVectorFromUpdate` returns (a
 * client's clock after its structs from clock 0 on, up to the first gap), without decoding it —
 * but where yjs claims clocks the update lacks (a client met again in a later group, a leading
 * Skip), which only a crafted update has: this never claims more than the update holds
 * (clocks.ts).
 * Null when only a full decode can tell — a string that is not UTF-8 (yjs refuses it), legacy
 * JSON content (yjs parses it), a subdocument (its options must be an object) — or the update
 * is malformed.
 */
export function stateVectorWithoutDecoding(update: Uint8Array): Uint8Array | null {
  return scanWithStateVector(update).stateVector
}

/** `scanUpdate` and, from the same walk, `stateVectorWithoutDecoding`: for a caller that needs both of an update it just received. */
export function scanWithStateVector(update: Uint8Array): { readonly scanned: Result<UpdateCounts, ScanError>; readonly stateVector: Uint8Array | null } {
  const clocks = new ClockCounter()
  const scanned = walk(update, clocks)
  return { scanned, stateVector: scanned.ok && !clocks.unsure ? clocks.encode() : null }
}

/**
 * `Y.encodeStateVectorFromUpdate(update)`, throwing as it does, at a tenth of its cost whenever
 * the walk can vouch for the lengths (every update of a Ferry doc); never more than the update
 * holds (see `stateVectorWithoutDecoding`).
 */
export function stateVectorOfUpdate(update: Uint8Array): Uint8Array {
  return stateVectorWithoutDecoding(update) ?? Y.encodeStateVectorFromUpdate(update)
}

function walk(update: Uint8Array, clocks: ClockCounter | null): Result<UpdateCounts, ScanError> {
  try {
    return ok(new Walk(update, clocks).update())
  } catch (error) {
    if (error instanceof Stop) return err(error.error)
    throw error
  }
}

/**
 * One pass over an update. A class, not closures over the walk's locals: made per call, ten
 * closures (and, under a build that keeps function names, a property definition each) cost
 * more than the walk of a small doc, and every state vector a new device's 300 docs need
 * walks one (measured: 303 docs of 9 KB, 21 ms as closures).
 */
class Walk {
  pos = 0
  readonly end: number
  structs = 0
  gcStructs = 0
  typeItems = 0
  docItems = 0
  valueItems = 0
  rootParents = 0
  readonly rootNames = new Set<string>()
  anyValues = 0
  anyDepth = 0
  jsonBytes = 0

  constructor(
    readonly bytes: Uint8Array,
    readonly clocks: ClockCounter | null,
  ) {
    this.end = bytes.length
  }

  update(): UpdateCounts {
    const clocks = this.clocks
    const clients = this.varUint()
    for (let group = 0; group < clients; group++) {
      const count = this.varUint()
      const client = this.varUint()
      let clock = this.varUint()
      for (let i = 0; i < count; i++) {
        const info = this.byte()
        this.structs++
        const kind = info & 0x1f
        if (info === SKIP || kind === GC) {
          this.gcStructs++
          const length = this.varUint()
          clocks?.struct(client, clock, length, info === SKIP, i === 0)
          clock += length
          continue
        }
        if (info & 0x80) this.id() // origin
        if (info & 0x40) this.id() // right origin
        if ((info & 0xc0) === 0) {
          if (this.varUint() === 1) this.rootName()
          else this.id()
          if (info & 0x20) this.text() // key in a map
        }
        const length = this.content(kind)
        clocks?.struct(client, clock, length, false, i === 0)
        clock += length
      }
    }
    let deleteRanges = 0
    const deleteClients = this.varUint()
    for (let c = 0; c < deleteClients; c++) {
      this.varUint() // client
      const ranges = this.varUint()
      for (let r = 0; r < ranges; r++) {
        this.varUint() // clock
        this.varUint() // length
      }
      deleteRanges += ranges
    }
    const { structs, gcStructs, typeItems, docItems, valueItems, rootParents, rootNames, anyValues, anyDepth, jsonBytes } = this
    return { structs, gcStructs, typeItems, docItems, valueItems, rootParents, rootNames, anyValues, anyDepth, jsonBytes, clients, deleteClients, deleteRanges }
  }

  byte(): number {
    if (this.pos >= this.end) throw truncated()
    return this.bytes[this.pos++]!
  }

  // lib0's var-uint: 7 bits a byte, low first; refused past 2^53 as lib0 does.
  varUint(): number {
    const bytes = this.bytes
    let pos = this.pos
    // Most are one byte: clocks, lengths and counts under 128.
    if (pos < this.end && bytes[pos]! < 0x80) {
      this.pos = pos + 1
      return bytes[pos]!
    }
    let value = 0
    let scale = 1
    while (pos < this.end) {
      const b = bytes[pos++]!
      value += (b & 0x7f) * scale
      if (b < 0x80) {
        this.pos = pos
        return value
      }
      scale *= 128
      if (value > Number.MAX_SAFE_INTEGER) throw malformed('a number is larger than 2^53')
    }
    throw truncated()
  }

  // lib0's var-int: sign and 6 bits in the first byte, then 7 bits a byte; refused past 2^53 as lib0 does.
  varInt(): void {
    let b = this.byte()
    let value = b & 0x3f
    let scale = 64
    while (b >= 0x80) {
      b = this.byte()
      value += (b & 0x7f) * scale
      scale *= 128
      if (b >= 0x80 && value > Number.MAX_SAFE_INTEGER) throw malformed('a number is larger than 2^53')
    }
  }

  /** Skips a length-prefixed string or byte array; returns its length. */
  skipBytes(): number {
    const length = this.varUint()
    if (length > this.end - this.pos) throw truncated()
    this.pos += length
    return length
  }

  /** Skips a string; in clock mode checks it is UTF-8 and returns its length in UTF-16 units. */
  text(): number {
    const length = this.skipBytes()
    if (this.clocks === null) return 0
    const units = utf16Length(this.bytes, this.pos - length, this.pos)
    if (units < 0) this.clocks.unsure = true
    return units
  }

  /**
   * A root type's name, as a parent: counted, and listed up to `MAX_ROOT_NAMES_LISTED + 1`.
   * Most items under a root name the same one as the item before them: those bytes are not
   * checked and decoded again (a decode per item was a fifth of a Ferry doc's walk).
   */
  rootName(): void {
    this.rootParents++
    const length = this.skipBytes()
    const start = this.pos - length
    if (this.#sameAsLastRoot(start, length)) return
    this.#lastRoot = start
    this.#lastRootLength = length
    if (this.clocks !== null && utf16Length(this.bytes, start, this.pos) < 0) this.clocks.unsure = true
    if (this.rootNames.size <= MAX_ROOT_NAMES_LISTED) this.rootNames.add(utf8.decode(this.bytes.subarray(start, this.pos)))
  }

  #lastRoot = -1
  #lastRootLength = 0

  #sameAsLastRoot(start: number, length: number): boolean {
    if (this.#lastRoot < 0 || length !== this.#lastRootLength) return false
    const bytes = this.bytes
    const last = this.#lastRoot
    for (let k = 0; k < length; k++) if (bytes[start + k] !== bytes[last + k]) return false
    return true
  }

  id(): void {
    this.varUint() // client
    this.varUint() // clock
  }

  skip(n: number): void {
    if (n > this.end - this.pos) throw truncated()
    this.pos += n
  }

  /**
   * Skips the JSON text of legacy content (JSON, embeds, formats); returns its length. Refuses
   * text nesting deeper than `MAX_ANY_DEPTH`: `JSON.parse` reads it, but yjs writes it back with
   * `JSON.stringify`, which recurses, so a doc holding `[[[…]]]` 100,000 deep (200 KB) could no
   * longer be encoded — not compacted, unloaded, nor sent to a device.
   */
  jsonText(): number {
    // Only parsing tells whether yjs reads it.
    if (this.clocks !== null) this.clocks.unsure = true
    const length = this.skipBytes()
    const bytes = this.bytes
    let depth = 0
    let inString = false
    for (let at = this.pos - length; at < this.pos; at++) {
      const c = bytes[at]!
      if (inString) {
        if (c === 0x5c) at++ // a backslash escapes the next character
        else if (c === 0x22) inString = false
      } else if (c === 0x22) inString = true
      else if (c === 0x5b || c === 0x7b) {
        if (++depth >= MAX_ANY_DEPTH) throw tooDeep()
      } else if (c === 0x5d || c === 0x7d) depth--
    }
    return length
  }

  /** One Any value, nested ones included, without recursion. */
  any(): void {
    let depth = 0
    for (;;) {
      if (depth > 0 && isObject[depth - 1] === 1) this.text() // the entry's key
      this.anyValues++
      if (depth + 1 > this.anyDepth) this.anyDepth = depth + 1
      const tag = this.byte()
      let entries = 0
      switch (tag) {
        case 127: // undefined
        case 126: // null
        case 121: // false
        case 120: // true
          break
        case 125:
          this.varInt()
          break
        case 124:
          this.skip(4)
          break
        case 123: // float64
        case 122: // bigint64
          this.skip(8)
          break
        case 119: // string
          this.text()
          break
        case 116: // bytes
          this.skipBytes()
          break
        case ANY_OBJECT:
        case ANY_ARRAY:
          entries = this.varUint()
          break
        default:
          throw malformed(`an Any value has the unknown tag ${tag}`)
      }
      if (entries > 0) {
        if (depth === MAX_ANY_DEPTH - 1) throw tooDeep()
        left[depth] = entries
        isObject[depth] = tag === ANY_OBJECT ? 1 : 0
        depth++
        continue
      }
      // A value ended: so do the lists and objects it was the last value of.
      while (depth > 0 && --left[depth - 1]! === 0) depth--
      if (depth === 0) return
    }
  }

  /** Skips an item's content; returns its length (clocks it takes), which needs text lengths only in clock mode. */
  content(kind: number): number {
    switch (kind) {
      case DELETED:
        return this.varUint()
      case JSON_CONTENT: {
        this.valueItems++
        const n = this.varUint()
        for (let left = n; left > 0; left--) this.jsonBytes += this.jsonText()
        return n
      }
      case BINARY:
        this.valueItems++
        this.skipBytes()
        return 1
      case STRING:
        return this.text()
      case EMBED:
        this.jsonBytes += this.jsonText()
        return 1
      case FORMAT:
        this.text()
        this.jsonBytes += this.jsonText()
        return 1
      case TYPE: {
        this.typeItems++
        const ref = this.varUint()
        if (ref > LAST_TYPE_REF) throw malformed(`an item is of the unknown type ${ref}`)
        if (ref === XML_ELEMENT || ref === XML_HOOK) this.text() // its node name
        return 1
      }
      case ANY: {
        this.valueItems++
        const n = this.varUint()
        for (let left = n; left > 0; left--) this.any()
        return n
      }
      case DOC:
        this.docItems++
        // Its options must be an object to decode (null throws): only yjs can tell.
        if (this.clocks !== null) this.clocks.unsure = true
        this.text() // guid
        this.any() // options
        return 1
      default:
        throw malformed(`an item has the unknown content kind ${kind}`)
    }
  }
}

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
  const end = update.length
  let pos = 0
  let structs = 0
  let gcStructs = 0
  let typeItems = 0
  let docItems = 0
  let valueItems = 0
  let rootParents = 0
  const rootNames = new Set<string>()
  let anyValues = 0
  let anyDepth = 0
  let jsonBytes = 0

  const byte = (): number => {
    if (pos >= end) throw truncated()
    return update[pos++]!
  }
  // lib0's var-uint: 7 bits a byte, low first; refused past 2^53 as lib0 does.
  const varUint = (): number => {
    let value = 0
    let scale = 1
    while (pos < end) {
      const b = update[pos++]!
      value += (b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 128
      if (value > Number.MAX_SAFE_INTEGER) throw malformed('a number is larger than 2^53')
    }
    throw truncated()
  }
  // lib0's var-int: sign and 6 bits in the first byte, then 7 bits a byte; refused past 2^53 as lib0 does.
  const varInt = (): void => {
    let b = byte()
    let value = b & 0x3f
    let scale = 64
    while (b >= 0x80) {
      b = byte()
      value += (b & 0x7f) * scale
      scale *= 128
      if (b >= 0x80 && value > Number.MAX_SAFE_INTEGER) throw malformed('a number is larger than 2^53')
    }
  }
  /** Skips a length-prefixed string or byte array; returns its length. */
  const bytes = (): number => {
    const length = varUint()
    if (length > end - pos) throw truncated()
    pos += length
    return length
  }
  /** Skips a string; in clock mode checks it is UTF-8 and returns its length in UTF-16 units. */
  const text = (): number => {
    const length = bytes()
    if (clocks === null) return 0
    const units = utf16Length(update, pos - length, pos)
    if (units < 0) clocks.unsure = true
    return units
  }
  const id = (): void => {
    varUint() // client
    varUint() // clock
  }
  const skip = (n: number): void => {
    if (n > end - pos) throw truncated()
    pos += n
  }

  /**
   * Skips the JSON text of legacy content (JSON, embeds, formats); returns its length. Refuses
   * text nesting deeper than `MAX_ANY_DEPTH`: `JSON.parse` reads it, but yjs writes it back with
   * `JSON.stringify`, which recurses, so a doc holding `[[[…]]]` 100,000 deep (200 KB) could no
   * longer be encoded — not compacted, unloaded, nor sent to a device.
   */
  const jsonText = (): number => {
    // Only parsing tells whether yjs reads it.
    if (clocks !== null) clocks.unsure = true
    const length = bytes()
    let depth = 0
    let inString = false
    for (let at = pos - length; at < pos; at++) {
      const c = update[at]!
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
  const any = (): void => {
    let depth = 0
    for (;;) {
      if (depth > 0 && isObject[depth - 1] === 1) text() // the entry's key
      anyValues++
      if (depth + 1 > anyDepth) anyDepth = depth + 1
      const tag = byte()
      let entries = 0
      switch (tag) {
        case 127: // undefined
        case 126: // null
        case 121: // false
        case 120: // true
          break
        case 125:
          varInt()
          break
        case 124:
          skip(4)
          break
        case 123: // float64
        case 122: // bigint64
          skip(8)
          break
        case 119: // string
          text()
          break
        case 116: // bytes
          bytes()
          break
        case ANY_OBJECT:
        case ANY_ARRAY:
          entries = varUint()
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
  const content = (kind: number): number => {
    switch (kind) {
      case DELETED:
        return varUint()
      case JSON_CONTENT: {
        valueItems++
        const n = varUint()
        for (let left = n; left > 0; left--) jsonBytes += jsonText()
        return n
      }
      case BINARY:
        valueItems++
        bytes()
        return 1
      case STRING:
        return text()
      case EMBED:
        jsonBytes += jsonText()
        return 1
      case FORMAT:
        text()
        jsonBytes += jsonText()
        return 1
      case TYPE: {
        typeItems++
        const ref = varUint()
        if (ref > LAST_TYPE_REF) throw malformed(`an item is of the unknown type ${ref}`)
        if (ref === XML_ELEMENT || ref === XML_HOOK) text() // its node name
        return 1
      }
      case ANY: {
        valueItems++
        const n = varUint()
        for (let left = n; left > 0; left--) any()
        return n
      }
      case DOC:
        docItems++
        // Its options must be an object to decode (null throws): only yjs can tell.
        if (clocks !== null) clocks.unsure = true
        text() // guid
        any() // options
        return 1
      default:
        throw malformed(`an item has the unknown content kind ${kind}`)
    }
  }

  try {
    const clients = varUint()
    for (let group = 0; group < clients; group++) {
      const count = varUint()
      const client = varUint()
      let clock = varUint()
      for (let i = 0; i < count; i++) {
        const info = byte()
        structs++
        const kind = info & 0x1f
        if (info === SKIP || kind === GC) {
          gcStructs++
          const length = varUint()
          clocks?.struct(client, clock, length, info === SKIP, i === 0)
          clock += length
          continue
        }
        if (info & 0x80) id() // origin
        if (info & 0x40) id() // right origin
        if ((info & 0xc0) === 0) {
          if (varUint() === 1) {
            rootParents++
            const length = bytes()
            if (clocks !== null && utf16Length(update, pos - length, pos) < 0) clocks.unsure = true
            if (rootNames.size <= MAX_ROOT_NAMES_LISTED) rootNames.add(utf8.decode(update.subarray(pos - length, pos)))
          } else id()
          if (info & 0x20) text() // key in a map
        }
        const length = content(kind)
        clocks?.struct(client, clock, length, false, i === 0)
        clock += length
      }
    }
    let deleteRanges = 0
    const deleteClients = varUint()
    for (let c = 0; c < deleteClients; c++) {
      varUint() // client
      const ranges = varUint()
      for (let r = 0; r < ranges; r++) {
        varUint() // clock
        varUint() // length
      }
      deleteRanges += ranges
    }
    return ok({ structs, gcStructs, typeItems, docItems, valueItems, rootParents, rootNames, anyValues, anyDepth, jsonBytes, clients, deleteClients, deleteRanges })
  } catch (error) {
    if (error instanceof Stop) return err(error.error)
    throw error
  }
}

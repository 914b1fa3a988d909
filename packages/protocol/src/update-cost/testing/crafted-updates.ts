/**
 * Yjs updates (v1) written byte by byte with lib0, as an attacker would: valid updates that
 * decode to far more memory than they weigh (docs/decisions.md, "Updates that decode to far
 * more than they weigh"), for the scan's tests, the relay's attack tests and the update-cost
 * bench. Each is one client group of `n` structs of client 1 from clock 0 (or a delete set),
 * so `Y.decodeUpdate` reads them all; items point at an origin of client 2, which no doc holds,
 * so applying them leaves them pending rather than integrating them, unless said otherwise.
 */
import * as encoding from 'lib0/encoding'

export type CraftedKind =
  | 'gc'
  | 'skip'
  | 'deleted-items'
  | 'root-names'
  | 'binary-chain'
  | 'type-items'
  | 'subdocs'
  | 'any-items'
  | 'any-values'
  | 'json-arrays'
  | 'clients'
  | 'delete-ranges'
  | 'delete-clients'

/** An item's info byte: an origin follows (bit 8), then content of `kind`. */
const WITH_ORIGIN = 0x80

/**
 * `n` of `kind` (see `CraftedKind`); `delete-ranges` deletes every other clock of client 5 up to
 * 2n. `client` (for the group kinds) writes them as another client, so several updates of one
 * kind add up in a doc; `root-names` then names other roots too.
 */
export function craftedUpdate(kind: CraftedKind, n: number, client = 1): Uint8Array {
  const e = encoding.createEncoder()
  const uint = (v: number): void => encoding.writeVarUint(e, v)
  const info = (v: number): void => encoding.writeUint8(e, v)
  const group = (count: number): void => {
    uint(1) // one client group
    uint(count)
    uint(client)
    uint(0) // clock
  }
  const missingOrigin = (): void => {
    uint(2)
    uint(0)
  }
  switch (kind) {
    case 'gc':
    case 'skip':
      group(n)
      for (let i = 0; i < n; i++) {
        info(kind === 'gc' ? 0 : 10)
        uint(1)
      }
      break
    case 'deleted-items':
      group(n)
      for (let i = 0; i < n; i++) {
        info(WITH_ORIGIN | 1)
        missingOrigin()
        uint(1)
      }
      break
    case 'root-names':
      // No origin: each names its root type, a new one each time.
      group(n)
      for (let i = 0; i < n; i++) {
        info(1)
        uint(1)
        encoding.writeVarString(e, (i + (client - 1) * n).toString(36))
        uint(1)
      }
      break
    case 'binary-chain':
      // Empty byte arrays in a root list, each after the previous: applied, every one integrates.
      group(n)
      info(3)
      uint(1)
      encoding.writeVarString(e, 'list')
      uint(0)
      for (let i = 1; i < n; i++) {
        info(WITH_ORIGIN | 3)
        uint(client)
        uint(i - 1)
        uint(0)
      }
      break
    case 'type-items':
      group(n)
      for (let i = 0; i < n; i++) {
        info(WITH_ORIGIN | 7)
        missingOrigin()
        uint(1) // a Y.Map
      }
      break
    case 'subdocs':
      group(n)
      for (let i = 0; i < n; i++) {
        info(WITH_ORIGIN | 9)
        missingOrigin()
        encoding.writeVarString(e, '')
        info(118) // options: an empty object
        uint(0)
      }
      break
    case 'any-items':
      group(n)
      for (let i = 0; i < n; i++) {
        info(WITH_ORIGIN | 8)
        missingOrigin()
        uint(1)
        info(126) // null
      }
      break
    case 'any-values':
      // One item of n empty lists.
      group(1)
      info(WITH_ORIGIN | 8)
      missingOrigin()
      uint(n)
      for (let i = 0; i < n; i++) {
        info(117)
        uint(0)
      }
      break
    case 'json-arrays':
      // One legacy JSON item: `[[],[],…]` of n lists.
      group(1)
      info(WITH_ORIGIN | 2)
      missingOrigin()
      uint(1)
      encoding.writeVarString(e, `[${Array(n).fill('[]').join(',')}]`)
      break
    case 'clients':
      uint(n)
      for (let i = 0; i < n; i++) {
        uint(1)
        uint(10 + i)
        uint(0)
        info(0)
        uint(1)
      }
      break
    case 'delete-ranges':
      uint(0)
      uint(1)
      uint(5)
      uint(n)
      for (let i = 0; i < n; i++) {
        uint(2 * i)
        uint(1)
      }
      return encoding.toUint8Array(e)
    case 'delete-clients':
      uint(0)
      uint(n)
      for (let i = 0; i < n; i++) {
        uint(10 + i)
        uint(1)
        uint(0)
        uint(1)
      }
      return encoding.toUint8Array(e)
  }
  uint(0) // no delete set
  return encoding.toUint8Array(e)
}

/** One item whose Any content nests `depth` lists deep (a scalar inside). */
export function nestedAny(depth: number): Uint8Array {
  const e = encoding.createEncoder()
  for (const v of [1, 1, 1, 0]) encoding.writeVarUint(e, v)
  encoding.writeUint8(e, WITH_ORIGIN | 8)
  encoding.writeVarUint(e, 2)
  encoding.writeVarUint(e, 0)
  encoding.writeVarUint(e, 1)
  for (let i = 1; i < depth; i++) {
    encoding.writeUint8(e, 117)
    encoding.writeVarUint(e, 1)
  }
  encoding.writeUint8(e, 126)
  encoding.writeVarUint(e, 0)
  return encoding.toUint8Array(e)
}

/**
 * One item of legacy content — JSON (`kind` 2), an embed (5) or a format (6) — in the root
 * text `body`, whose JSON text is a list nested `depth` deep: parsed fine, but yjs writes it
 * back with the recursive `JSON.stringify`.
 */
export function nestedJson(depth: number, kind: 2 | 5 | 6 = 2): Uint8Array {
  const e = encoding.createEncoder()
  for (const v of [1, 1, 1, 0]) encoding.writeVarUint(e, v)
  encoding.writeUint8(e, kind)
  encoding.writeVarUint(e, 1) // parent: a root type, by name
  encoding.writeVarString(e, 'body')
  const text = '['.repeat(depth) + ']'.repeat(depth)
  if (kind === 2) encoding.writeVarUint(e, 1) // one JSON value
  if (kind === 6) encoding.writeVarString(e, 'bold')
  encoding.writeVarString(e, text)
  encoding.writeVarUint(e, 0)
  return encoding.toUint8Array(e)
}

/**
 * One item of legacy JSON content in the root text `body` whose text is not JSON: the one-pass
 * scan passes it, yjs's full decode throws (it parses JSON content).
 */
export function unparsableJson(): Uint8Array {
  const e = encoding.createEncoder()
  for (const v of [1, 1, 1, 0]) encoding.writeVarUint(e, v)
  encoding.writeUint8(e, 2)
  encoding.writeVarUint(e, 1) // parent: a root type, by name
  encoding.writeVarString(e, 'body')
  encoding.writeVarUint(e, 1) // one JSON value
  encoding.writeVarString(e, 'not json')
  encoding.writeVarUint(e, 0)
  return encoding.toUint8Array(e)
}

/**
 * `n` subdocuments of client 3 (each decodes to a whole `Y.Doc`), then the item of
 * `unparsableJson` as client 1: the scan passes it, and yjs's full decode throws only after it
 * built every subdocument (100,000 of them, ~600 KB: 1.2–1.6 s).
 */
export function subdocsThenUnparsableJson(n: number): Uint8Array {
  const subdocs = craftedUpdate('subdocs', n, 3)
  const json = unparsableJson()
  // Both begin with one client group and end with an empty delete set: two groups, one delete set.
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 2)
  encoding.writeUint8Array(e, subdocs.subarray(1, subdocs.length - 1))
  encoding.writeUint8Array(e, json.subarray(1))
  return encoding.toUint8Array(e)
}

/** An item's info byte: a right origin follows (bit 7), then content of `kind`. */
const WITH_RIGHT_ORIGIN = 0x40
const BINARY = 3

/**
 * An update whose integration walks O(m²) items though its decoding is linear (docs/decisions.md,
 * "Integration CPU is bounded per update"): `m` empty byte arrays of client 1 in the root list
 * `list`, each after the one before, then `m` items of client 2 with no left origin, the k-th
 * with the k-th array as its right origin — Yjs places each by walking every array before its
 * right origin. About 10 bytes per pair: m = 8,000 weighs 80 KB.
 */
export function integrationWalk(m: number): Uint8Array {
  const e = encoding.createEncoder()
  const uint = (v: number): void => encoding.writeVarUint(e, v)
  uint(2) // two client groups, the higher client first (as yjs writes them)
  uint(m)
  uint(2)
  uint(0)
  for (let k = 0; k < m; k++) {
    encoding.writeUint8(e, WITH_RIGHT_ORIGIN | BINARY)
    uint(1) // right origin: client 1, clock k
    uint(k)
    uint(0) // an empty byte array
  }
  uint(m)
  uint(1)
  uint(0)
  encoding.writeUint8(e, BINARY)
  uint(1) // parent: a root type, by name
  encoding.writeVarString(e, 'list')
  uint(0)
  for (let k = 1; k < m; k++) {
    encoding.writeUint8(e, WITH_ORIGIN | BINARY)
    uint(1) // origin: client 1, clock k - 1
    uint(k - 1)
    uint(0)
  }
  uint(0) // no delete set
  return encoding.toUint8Array(e)
}

/**
 * What decoding a Yjs update costs in memory, estimated from its counts (scan.ts) before
 * anything decodes it, and the check every untrusted update passes at the edge: the relay's
 * sync sockets and backup restore, and the backup file reader on both sides.
 *
 * The estimate is the heap the objects decoding builds take, beyond the update's own bytes
 * (its strings and byte arrays decode to at most twice their size, and message size limits
 * bound those): per struct and per delete-set range. Each weight is the most one thing took
 * when measured on Node 20 with yjs 13.6 — in `Y.decodeUpdate`, or in a `Y.Doc` it was applied
 * to, whichever was larger — rounded up (docs/decisions.md, "Updates that decode to far more
 * than they weigh"). A GC struct of 2 bytes decodes to ~100 bytes, a subdocument of 6 bytes to
 * ~2,400, a delete-set range of 4 bytes splits an item in two (~500).
 */
import { err, ok, type Result } from '../result.ts'
import { MAX_ROOT_NAMES_LISTED, scanUpdate, type UpdateCounts } from './scan.ts'

/** Estimated heap bytes per thing counted. */
const WEIGHTS = {
  /** A GC or Skip struct (~100 decoded; applied, neighbours merge). */
  gcStruct: 120,
  /** An item, whatever its content (235–420 decoded, 380 in a doc). */
  item: 400,
  /** More for an item holding a shared type (a type object: 830–880 in all). */
  typeItem: 500,
  /** More for an item holding a subdocument (a `Y.Doc`: ~2,360 in all). */
  docItem: 2_100,
  /** More for an item holding values or bytes (their list or copy: ~420 in all). */
  valueItem: 50,
  /** More for an item naming a root type (a new root type once applied: ~650 in all). */
  rootParent: 500,
  /** A value of Any content (an empty list: ~43). */
  anyValue: 50,
  /** A byte of legacy JSON text, which decoding parses (`[[],[],…]`: ~13 a byte). */
  jsonByte: 16,
  /** A client group of structs (its entry in the struct store: ~290). */
  client: 300,
  /** A client of the delete set (~210). */
  deleteClient: 250,
  /** A delete-set range: applied, it may split an item in two (470–510). */
  deleteRange: 600,
} as const

/**
 * Estimated heap bytes decoding an update of these counts takes. The costliest honest update
 * measured (test/bench/update-cost.bench.ts: a whole doc of 300,000 keystrokes) estimates to 48 MB.
 */
export function decodedCost(c: UpdateCounts): number {
  const items = c.structs - c.gcStructs
  return (
    c.gcStructs * WEIGHTS.gcStruct +
    items * WEIGHTS.item +
    c.typeItems * WEIGHTS.typeItem +
    c.docItems * WEIGHTS.docItem +
    c.valueItems * WEIGHTS.valueItem +
    c.rootParents * WEIGHTS.rootParent +
    c.anyValues * WEIGHTS.anyValue +
    c.jsonBytes * WEIGHTS.jsonByte +
    c.clients * WEIGHTS.client +
    c.deleteClients * WEIGHTS.deleteClient +
    c.deleteRanges * WEIGHTS.deleteRange
  )
}

/**
 * The most an update may cost to decode by default (`MAX_UPDATE_DECODED_BYTES` on the relay;
 * the backup reader in browsers always uses it): 256 MiB, over five times the costliest honest
 * update measured. A crafted update at the limit takes up to ~250 MB while it is decoded and
 * applied (each crafted kind at the limit ran in a 384 MiB heap).
 */
export const DEFAULT_MAX_UPDATE_DECODED_BYTES = 256 * 1024 * 1024

/**
 * How the close reason (4413) and a refused doc's reason start for an update refused for its
 * decoded cost: the client reads it to name the setting to raise.
 */
export const TOO_COSTLY_REASON = 'change too costly to decode'

/**
 * How the close reason (4413) and a refused doc's reason start for an update refused because
 * integrating it into its doc took past the relay's time budget for it.
 */
export const TOO_COSTLY_TO_APPLY_REASON = 'change too costly to apply'

/**
 * How the close reason (4413) and a refused doc's reason start for an update refused because
 * the doc, with it, would take more memory loaded than the relay keeps for one doc
 * (`MAX_DOC_DECODED_BYTES`): the client reads it to name that setting.
 */
export const DOC_TOO_LARGE_REASON = 'document too large to keep in memory'

/**
 * Root types a doc may have. yjs finds a root type's name by walking every root of its doc, so
 * encoding a doc with N of them takes O(N²): 294,000 crafted root names kept a relay's CPU for
 * minutes at compaction. A Ferry doc has a handful; stock clients a few dozen at most.
 */
export const MAX_ROOT_TYPES = MAX_ROOT_NAMES_LISTED

/** How the close reason (4413) starts for an update that would take a doc past `MAX_ROOT_TYPES`. */
export const TOO_MANY_ROOTS_REASON = 'document would have too many root types'

/**
 * Why an update is refused: `malformed` — it is no Yjs update; `too-costly` — decoding it
 * would take more memory than the limit, or its values nest deeper than `MAX_ANY_DEPTH`.
 */
export interface UpdateRefusal {
  readonly code: 'malformed' | 'too-costly'
  /** What is wrong, as a clause ("its values nest …", "it would take …"); short enough for a close reason. */
  readonly message: string
}

const MB = 1024 * 1024

/**
 * Checks an untrusted update before anything decodes it: it must be a Yjs update (as far as
 * its structure goes: a full decode still checks its strings) and cost at most `maxDecodedBytes`
 * to decode. Never throws; returns what was counted.
 */
export function checkUpdate(update: Uint8Array, maxDecodedBytes: number = DEFAULT_MAX_UPDATE_DECODED_BYTES): Result<UpdateCounts, UpdateRefusal> {
  const scanned = scanUpdate(update)
  if (!scanned.ok) return err({ code: scanned.error.code === 'too-deep' ? 'too-costly' : 'malformed', message: scanned.error.message })
  const cost = decodedCost(scanned.value)
  if (cost > maxDecodedBytes) {
    return err({ code: 'too-costly', message: `it would take about ${Math.ceil(cost / MB)} MB of memory, over the limit of ${Math.floor(maxDecodedBytes / MB)} MB` })
  }
  return ok(scanned.value)
}

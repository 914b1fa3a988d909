/**
 * Compact requests. An imported request is stored as the Postman item it came from — one
 * value (`postmanItem`) in its item map, beside `kind` and `position` — until its first
 * edit. A Yjs type per field costs about 400 bytes of memory: a 10,000-request import held
 * 385 MB in them, on every device that opened the collection. Reads derive the request from
 * the item (once per stored value); an export writes the item back as it is.
 *
 * The first write to a compact request *materializes* it: its fields are written into its
 * map as a fresh item of that reading would hold them, by a client id derived from the
 * `postmanItem` write's own id (above 2^32, where device ids never are — as text seeds, see
 * text/seed.ts), and `postmanItem` is deleted. Every device that materializes the same
 * request writes byte-identical structs, which Yjs applies once, so two devices editing a
 * compact request concurrently merge like any two edits. The client id also names the
 * materializer's version: a future Ferry that reads items differently materializes with
 * another id, and its writes then meet this version's as concurrent writes do (one per
 * field wins, on every replica alike) instead of two different structs under one id.
 */
import * as Y from 'yjs'
import type { Auth, Json, JsonObject, NodeInput, RequestData, RequestInput, Script } from './model.ts'
import { sameJson } from './postman/json.ts'
import { requestFromPostman } from './postman/import.ts'
import { seedClient, SEED_ORIGIN } from './text/seed.ts'
import { entryOf } from './text/text-field.ts'
import { decodeOpaque, deepFreeze } from './opaque.ts'

export const COMPACT_KEY = 'postmanItem'
/** Bump when `requestFromPostman` or `fillItem` would write a compact request differently. */
const MATERIALIZER_VERSION = 1

/** Whether `map` is a request still stored as its Postman item. */
export const isCompact = (map: Y.Map<unknown>): boolean => typeof map.get(COMPACT_KEY) === 'string' && !map.has('name')

type Derived = { ok: true; input: RequestInput; data: RequestData & { postman: JsonObject } } | { ok: false; issue: string }

/**
 * Readings by Postman item (an import's, before it is stored) and by stored entry (reads
 * come often). Stored readings are made from the stored JSON and frozen, so nothing a reader
 * does to them reaches the doc or a later materialization.
 */
const readings = new WeakMap<object, Derived>()
const stored = new WeakMap<Y.Item, Derived>()

const rows = <T>(list: readonly T[] | undefined): T[] => [...(list ?? [])]

function derive(item: JsonObject | undefined): Derived {
  if (item === undefined) return { ok: false, issue: 'the stored Postman item is not JSON' }
  const read = requestFromPostman(item)
  if (!read.ok) return { ok: false, issue: `the stored Postman item is not readable: ${read.issues[0]!.path}: ${read.issues[0]!.message}` }
  return derived(item, read.input)
}

function derived(item: JsonObject, input: RequestInput): Derived {
  return { ok: true, input, data: { ...dataOf(input), postman: item } }
}

/** A request input with every field Ferry reads, defaults filled in. */
function dataOf(input: RequestInput): RequestData {
  return {
    name: input.name ?? '',
    method: input.method ?? 'GET',
    url: input.url ?? '',
    params: rows(input.params) as RequestData['params'],
    headers: rows(input.headers) as RequestData['headers'],
    pathVariables: rows(input.pathVariables) as RequestData['pathVariables'],
    body: { mode: input.body?.mode ?? 'none', raw: input.body?.raw ?? '', language: input.body?.language ?? 'text', fields: rows(input.body?.fields) as RequestData['params'] },
    auth: input.auth ?? { type: 'inherit' },
    description: input.description ?? '',
    examples: rows(input.examples),
    scripts: rows(input.scripts) as Script[],
    variables: rows(input.variables) as RequestData['variables'],
    ...(input.kept ? { kept: input.kept } : {}),
  }
}

/**
 * Records the readings an import already made of its requests' items, so storing them
 * compact and reading them back need not read each item again.
 */
export function rememberReadings(inputs: readonly NodeInput[]): void {
  const stack = [...inputs]
  for (let input = stack.pop(); input; input = stack.pop()) {
    if (input.kind === 'folder') stack.push(...(input.children ?? []))
    else if (input.postman && !readings.has(input.postman)) readings.set(input.postman, derived(input.postman, input))
  }
}

const FIELDS = ['name', 'method', 'url', 'params', 'headers', 'pathVariables', 'body', 'auth', 'description', 'examples', 'scripts', 'variables', 'kept'] as const

/**
 * Whether `input` may be stored as its `postman` item: only when every field it gives (with
 * its defaults filled in) is the item's reading — a copy whose fields were changed (a duplicate renamed before adding, say)
 * is stored whole, or the change would be lost to the item.
 */
export function storableCompact(input: RequestInput): boolean {
  if (!input.postman) return false
  const known = readings.get(input.postman)
  if (known?.ok && known.input === input) return true
  const read = known ?? derive(input.postman)
  if (!read.ok) return false
  readings.set(input.postman, read)
  const given = dataOf(input)
  return FIELDS.every((f) => input[f] === undefined || sameJson(given[f] as Json, read.data[f] as Json))
}

function reading(map: Y.Map<unknown>): Derived {
  const entry = entryOf(map, COMPACT_KEY)!
  let found = stored.get(entry)
  if (!found) stored.set(entry, (found = deepFreeze(derive(decodeOpaque(map.get(COMPACT_KEY)) as JsonObject | undefined))))
  return found
}

/** A compact request's fields as read from its Postman item. */
export function readCompact(map: Y.Map<unknown>): { ok: true; data: RequestData & { postman: JsonObject } } | { ok: false; issue: string } {
  const derived = reading(map)
  return derived.ok ? { ok: true, data: { ...derived.data } } : derived
}

/**
 * Turns a compact request (attached, in a writable doc) into an ordinary one, as described
 * above; `fill` writes an input's fields into a map and `writeAuth` its auth texts. False if
 * its item is unreadable (a hostile peer's): it stays as it is.
 */
export function materialize(map: Y.Map<unknown>, fill: (map: Y.Map<unknown>, input: RequestInput) => void, writeAuth: (map: Y.Map<unknown>, auth: Auth) => void): boolean {
  const derived = reading(map)
  const entry = entryOf(map, COMPACT_KEY)
  const doc = map.doc
  if (!derived.ok || !entry || !doc) return false
  const client = seedClient(`item:m${MATERIALIZER_VERSION}:${entry.id.client}.${entry.id.clock}`)
  doc.transact(() => {
    const own = doc.clientID
    // Someone already wrote under this id while the request is still compact here: not a
    // device materializing (that deletes the item in the same update), so a peer writing
    // where it must not. Materializing on top of it would garble the request on this device
    // and differ from the others: this device materializes as itself instead.
    if (Y.getState(doc.store, client) === 0) doc.clientID = client
    try {
      fill(map, derived.input)
      writeAuth(map, derived.input.auth ?? { type: 'inherit' })
      map.delete(COMPACT_KEY)
    } finally {
      doc.clientID = own
    }
  }, SEED_ORIGIN)
  return true
}

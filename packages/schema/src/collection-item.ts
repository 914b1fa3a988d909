/**
 * How one folder or request is stored in a collection doc's `items` map, and how it is read
 * back. Each item is a `Y.Map`:
 * - `name`, `description` and, for requests, `url` and `bodyRaw`: `Y.Text`, merged character
 *   by character (v1 items hold `name` and `url` as strings; see text/text-field.ts);
 * - `kind` ('folder' | 'request') and, for requests, `method`, `bodyMode`, `bodyLanguage`:
 *   atomic values (one wins; a device whose value lost records a conflict);
 * - `position`: `{ parentId, order }` in ONE field, so a move is one write and two concurrent
 *   moves resolve to one of them, never a mix of one's parent and the other's order;
 * - `auth`: atomic parts plus seeded texts (see auth.ts);
 * - `params`, `headers`, `bodyFields`, and for requests `pathVariables`: key/value rows (see
 *   key-value-list.ts); `variables`: the item's variables, rows too;
 * - `scripts`: kept scripts (see scripts.ts);
 * - `examples` (requests): saved example responses, one JSON array (atomic);
 * - `kept`: the fields of an imported item Ferry does not model, one JSON object (atomic,
 *   written by imports only; see postman/kept.ts).
 * `scripts`, `variables`, `pathVariables`, `examples` and `kept` came with Postman import:
 * items written before lack them and read as empty.
 * Every nested type is created with the item, never lazily: two devices creating the same
 * nested type concurrently would lose one of them.
 */
import * as Y from 'yjs'
import { emptyAuth, readAuth } from './auth.ts'
import { keyValueArray, readRows, withoutIndex } from './key-value-list.ts'
import { BODY_MODES, RAW_LANGUAGES, type Auth, type FolderData, type Json, type JsonObject, type NodeInput, type RequestData } from './model.ts'
import { readScripts, scriptArray } from './scripts.ts'
import { encodeOpaque, readKept, readOpaque } from './opaque.ts'
import { COMPACT_KEY, isCompact, readCompact, storableCompact } from './compact.ts'
import { isOrderKey } from './order.ts'
import { newText } from './text/text-field.ts'
import { FieldReader, isRecord, MAX_SCALAR_LENGTH, type ProblemSink } from './validate.ts'

export interface Position {
  parentId: string | null
  order: string
}

export function parsePosition(v: unknown): Position | undefined {
  if (!isRecord(v) || !isOrderKey(v.order)) return undefined
  const parentId = v.parentId
  if (parentId !== null && (typeof parentId !== 'string' || parentId.length > MAX_SCALAR_LENGTH)) return undefined
  return { parentId, order: v.order }
}

const DEFAULT_AUTH: Auth = { type: 'inherit' }

/** A stored item, validated, without its children. */
export type StoredItem =
  | ({ kind: 'folder'; id: string } & Position & FolderData)
  | ({ kind: 'request'; id: string; postman?: JsonObject } & Position & RequestData)

/** Reads one item; malformed → undefined and one problem reported. */
export function readItem(id: string, map: Y.Map<unknown>, path: string, report: ProblemSink): StoredItem | undefined {
  if (isCompact(map)) {
    const position = parsePosition(map.get('position'))
    const read = position && map.get('kind') === 'request' ? readCompact(map) : { ok: false as const, issue: 'field "position" is not { parentId, order }' }
    if (read.ok) return { kind: 'request', id, ...position!, ...read.data }
    report({ code: 'malformed_item', path: `${path}/${id}`, message: read.issue })
    return undefined
  }
  const r = new FieldReader(map)
  const kind = r.oneOf('kind', ['folder', 'request'] as const)
  const position = r.parsed('position', '{ parentId, order }', parsePosition, { parentId: null, order: 'a0' })
  const common = {
    id,
    ...position,
    name: r.textField('name'),
    description: r.text('description').toString(),
    auth: r.parsed('auth', 'valid auth', () => readAuth(map, 'auth'), DEFAULT_AUTH),
    scripts: optionalRows(r.optionalArray('scripts'), (a) => readScripts(a, `${path}/${id}/scripts`, report)),
    variables: optionalRows(r.optionalArray('variables'), (a) => withoutIndex(readRows(a, `${path}/${id}/variables`, report))),
    ...readKept(map),
  }
  let item: StoredItem
  if (kind === 'folder') item = { kind, ...common }
  else {
    const at = `${path}/${id}`
    item = {
      kind,
      ...common,
      method: r.string('method'),
      url: r.textField('url'),
      params: withoutIndex(readRows(r.array('params'), `${at}/params`, report)),
      headers: withoutIndex(readRows(r.array('headers'), `${at}/headers`, report)),
      body: {
        mode: r.oneOf('bodyMode', BODY_MODES),
        language: r.oneOfOr('bodyLanguage', RAW_LANGUAGES, 'text'),
        raw: r.text('bodyRaw').toString(),
        fields: withoutIndex(readRows(r.array('bodyFields'), `${at}/bodyFields`, report)),
      },
      pathVariables: optionalRows(r.optionalArray('pathVariables'), (a) => withoutIndex(readRows(a, `${at}/pathVariables`, report))),
      examples: r.parsed('examples', 'saved examples (a JSON array)', () => readExamples(map), []),
    }
  }
  if (r.issue === undefined) return item
  report({ code: 'malformed_item', path: `${path}/${id}`, message: r.issue })
  return undefined
}

/** Saved examples: none when absent, undefined (malformed) when not a JSON array. */
function readExamples(map: Y.Map<unknown>): Json[] | undefined {
  if (!map.has('examples')) return []
  const examples = readOpaque(map, 'examples')
  return Array.isArray(examples) ? examples : undefined
}

const optionalRows = <T>(array: Y.Array<unknown> | undefined, read: (a: Y.Array<unknown>) => T[]): T[] => (array ? read(array) : [])


/**
 * A new, unattached item map for `input` (children are not included): compact when `input`
 * is a request read from a Postman item (see compact.ts). Auth texts live outside the item:
 * fill them with `writeAuth` once the item is attached (compact items need none).
 */
export function buildItem(input: NodeInput, position: Position): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('kind', input.kind)
  map.set('position', position)
  if (input.kind === 'request' && storableCompact(input)) map.set(COMPACT_KEY, encodeOpaque(input.postman!))
  else fillItem(map, input)
  return map
}

/**
 * Writes every field of `input` into `map` (all but `kind` and `position`), in a fixed order:
 * materializing a compact request relies on two devices writing the same structs.
 */
export function fillItem(map: Y.Map<unknown>, input: NodeInput): void {
  map.set('name', newText(input.name))
  map.set('auth', emptyAuth(input.auth ?? DEFAULT_AUTH))
  map.set('description', newText(input.description))
  map.set('scripts', scriptArray(input.scripts))
  map.set('variables', keyValueArray(input.variables))
  if (input.kept) map.set('kept', encodeOpaque(input.kept))
  if (input.kind === 'request') {
    map.set('method', input.method ?? 'GET')
    map.set('url', newText(input.url))
    map.set('params', keyValueArray(input.params))
    map.set('headers', keyValueArray(input.headers))
    map.set('bodyMode', input.body?.mode ?? 'none')
    map.set('bodyLanguage', input.body?.language ?? 'text')
    map.set('bodyRaw', newText(input.body?.raw))
    map.set('bodyFields', keyValueArray(input.body?.fields))
    map.set('pathVariables', keyValueArray(input.pathVariables))
    if (input.examples && input.examples.length > 0) map.set('examples', encodeOpaque(input.examples))
  }
}

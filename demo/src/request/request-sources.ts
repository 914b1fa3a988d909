/**
 * Adapters from a request in a `Collection` to the key/value tables: headers and form fields
 * edit their list directly; params also rewrite the URL's query string (and the URL bar
 * rewrites the params), in the same transaction as the edit. Both directions go through the
 * schema's whole-value setters, which apply the smallest diff, so they merge like typing.
 *
 * Rows are read from the tree as plain data (`itemOf`, see model/collection-reads.ts): the
 * live lists (`Collection.list`) are asked for only to edit or bind a cell, since asking
 * writes — it materializes a compact request (see docs/decisions.md, "Compact requests") —
 * and throws `newer_schema` in a doc a newer Ferry wrote. Showing a request writes nothing.
 */
import type { KvSource } from '../ui/kv-table.ts'
import type { Collection, KeyValue, RequestNode } from '../model/types.ts'
import { mergeParams, paramsFromUrl, pathVariablesFor, urlWithParams } from '../lib/url-params.ts'
import { itemOf } from '../model/collection-reads.ts'

type ListField = 'params' | 'headers' | 'bodyFields' | 'pathVariables'

/** The rows of a request's list as plain data (none if it is not a request). */
export function requestRows(collection: Collection, requestId: string, field: ListField): KeyValue[] {
  const node = itemOf(collection, requestId)
  if (node?.kind !== 'request') return []
  return rowsOf(node, field)
}

const rowsOf = (node: RequestNode, field: ListField): KeyValue[] => (field === 'bodyFields' ? node.body.fields : node[field])

export function listSource(collection: Collection, requestId: string, field: ListField, after?: () => void): KvSource {
  const list = () => collection.list(requestId, field)
  const edit = (fn: () => void) => collection.doc.transact(() => {
    fn()
    after?.()
  })
  return {
    writable: () => collection.writable(),
    rows: () => requestRows(collection, requestId, field),
    text: (index, cell) => list()?.text(index, cell),
    afterCellEdit: after,
    update: (index, patch) => edit(() => list()?.update(index, patch)),
    insert: (row) => edit(() => list()?.insert(row)),
    remove: (index) => edit(() => list()?.remove(index)),
    observe: (listener) => collection.observe(listener),
  }
}

/** Params table source: each edit also rewrites the URL's query string. */
export function paramsSource(collection: Collection, requestId: string): KvSource {
  return listSource(collection, requestId, 'params', () => {
    const node = itemOf(collection, requestId)
    if (node?.kind !== 'request') return
    const rows = collection.list(requestId, 'params')?.rows() ?? []
    collection.update(requestId, { url: urlWithParams(node.url, rows) })
  })
}

const sameRows = (a: readonly KeyValue[], b: readonly KeyValue[]): boolean =>
  a.length === b.length && a.every((p, i) => p.key === b[i]?.key && p.value === b[i]?.value && p.enabled === b[i]?.enabled)

/**
 * Re-derives the params from the URL's query string, and the path variables from its `:name`
 * segments (values kept by name), after the URL was edited.
 */
export function paramsFromRequestUrl(collection: Collection, requestId: string): void {
  const node = itemOf(collection, requestId)
  if (node?.kind !== 'request') return
  const list = collection.list(requestId, 'params')
  if (list) {
    const current: KeyValue[] = list.rows()
    const next = mergeParams(paramsFromUrl(node.url), current)
    if (!sameRows(next, current)) list.replace(next)
  }
  // Items written before path variables existed have no list; they get one from an import only.
  const pathList = collection.list(requestId, 'pathVariables')
  if (pathList) {
    const current = pathList.rows().map(({ index: _, ...row }) => row)
    const next = pathVariablesFor(node.url, current)
    if (!sameRows(next, current)) pathList.replace(next)
  }
}

/** The variables of a request or folder, or of the collection when `id` is null. */
export function variablesSource(collection: Collection, id: string | null): KvSource {
  // Read from the tree: asking for the live list of an item written before variables existed creates it.
  const rows = (): KeyValue[] => (id === null ? collection.kept().variables : (itemOf(collection, id)?.variables ?? []))
  const list = () => collection.variables(id)
  return {
    writable: () => collection.writable(),
    rows,
    text: (index, cell) => list()?.text(index, cell),
    update: (index, patch) => void list()?.update(index, patch),
    insert: (row) => list()?.insert(row),
    remove: (index) => void list()?.remove(index),
    observe: (listener) => collection.observe(listener),
  }
}

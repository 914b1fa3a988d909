/**
 * Adapters from a request in a `Collection` to the key/value tables: headers and form fields
 * edit their list directly; params also rewrite the URL's query string (and the URL bar
 * rewrites the params), in the same transaction as the edit. Both directions go through the
 * schema's whole-value setters, which apply the smallest diff, so they merge like typing.
 */
import type { KvSource } from '../ui/kv-table.ts'
import type { Collection, KeyValue } from '../model/types.ts'
import { mergeParams, paramsFromUrl, urlWithParams } from '../lib/url-params.ts'

type ListField = 'params' | 'headers' | 'bodyFields'

export function listSource(collection: Collection, requestId: string, field: ListField, after?: () => void): KvSource {
  const list = () => collection.list(requestId, field)
  const edit = (fn: () => void) => collection.doc.transact(() => {
    fn()
    after?.()
  })
  return {
    writable: () => collection.writable(),
    rows: () => list()?.rows() ?? [],
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
    const node = collection.get(requestId)
    if (node?.kind !== 'request') return
    const rows = collection.list(requestId, 'params')?.rows() ?? []
    collection.update(requestId, { url: urlWithParams(node.url, rows) })
  })
}

/** Re-derives the params from the URL's query string (after the URL was edited). */
export function paramsFromRequestUrl(collection: Collection, requestId: string): void {
  const node = collection.get(requestId)
  const list = collection.list(requestId, 'params')
  if (node?.kind !== 'request' || !list) return
  const current: KeyValue[] = list.rows()
  const next = mergeParams(paramsFromUrl(node.url), current)
  const same = next.length === current.length && next.every((p, i) => p.key === current[i]?.key && p.value === current[i]?.value && p.enabled === current[i]?.enabled)
  if (!same) list.replace(next)
}

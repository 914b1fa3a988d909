/**
 * The Examples tab: a request's saved example responses (Postman's `response` list, kept
 * verbatim), each with its name, status, headers and body, read-only.
 */
import { h, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { prettyBody, statusClass } from '../lib/format.ts'
import type { Collection, Json, JsonObject } from '../model/types.ts'
import { itemOf } from '../model/collection-reads.ts'

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)
const text = (v: Json | undefined): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '')

/** Header rows of an example: Postman writes a list of `{ key, value }`, older files a string. */
function headersOf(v: Json | undefined): [string, string][] {
  if (typeof v === 'string') return v.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()])
  if (!Array.isArray(v)) return []
  return v.filter(isObject).map((row) => [text(row.key), text(row.value)])
}

/** `METHOD url` of the request an example was saved from, if it says. */
function requestLine(v: Json | undefined): string {
  if (typeof v === 'string') return v
  if (!isObject(v)) return ''
  const url = typeof v.url === 'string' ? v.url : isObject(v.url) ? text(v.url.raw) : ''
  return [text(v.method), url].filter(Boolean).join(' ')
}

function example(value: Json, index: number): HTMLElement {
  const ex: JsonObject = isObject(value) ? value : {}
  const name = text(ex.name) || `Example ${index + 1}`
  const code = typeof ex.code === 'number' ? ex.code : null
  const status = [code ?? '', text(ex.status)].join(' ').trim()
  const headers = headersOf(ex.header)
  const contentType = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? (text(ex._postman_previewlanguage) === 'json' ? 'application/json' : null)
  const body = text(ex.body)
  const request = requestLine(ex.originalRequest)
  return h('details', { class: 'example', open: index === 0, 'data-testid': 'example' },
    h('summary', {},
      h('span', { class: 'example-name' }, name),
      status ? h('span', { class: `status-pill ${statusClass(code ?? 0)}`, 'data-testid': 'example-status' }, status) : null),
    h('div', { class: 'example-body' },
      request ? h('p', { class: 'hint mono' }, request) : null,
      h('h3', {}, `Headers (${headers.length})`),
      headers.length ? h('table', { class: 'headers-table' }, h('tbody', {}, headers.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v))))) : h('p', { class: 'hint' }, 'No headers.'),
      h('h3', {}, 'Body'),
      body ? h('pre', { class: 'code-view', 'data-testid': 'example-body' }, prettyBody(body, contentType)) : h('p', { class: 'hint' }, 'No body.')))
}

export function examplesView(scope: Scope, collection: Collection, requestId: string): HTMLElement {
  const box = h('div', { style: 'display:grid;gap:10px', 'data-testid': 'examples' })
  let shown: string | null = null
  const paint = () => {
    const node = itemOf(collection, requestId)
    const examples = node?.kind === 'request' ? node.examples : []
    const key = JSON.stringify(examples)
    if (key === shown) return
    shown = key
    box.replaceChildren(...(examples.length
      ? [h('p', { class: 'hint' }, 'Saved example responses, kept as imported and exported with the collection.'), ...examples.map(example)]
      : [h('div', { class: 'empty' }, icon('file', 32), h('p', {}, 'No saved examples. Examples come with collections imported from Postman.'))]))
  }
  paint()
  scope.add(collection.observe(paint))
  return box
}

/**
 * Import and export in the Postman Collection v2.1 format (folders, requests, headers, query,
 * raw and form bodies, bearer/basic/API-key auth). Import validates as it reads: an item it
 * cannot understand is skipped and counted, never a crash.
 */
import type { Auth, CollectionSnapshot, KeyValue, NodeInput, RawLanguage, TreeNode } from '../model/types.ts'
import { paramsFromUrl } from './url-params.ts'

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const LANGUAGES: readonly RawLanguage[] = ['text', 'json', 'xml', 'html', 'javascript']
/** Deeper folder nesting than this is flattened into its parent on import. */
const MAX_DEPTH = 32

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback)

export interface ImportedCollection {
  readonly name: string
  readonly auth: Auth
  readonly items: NodeInput[]
  /** Items that were neither a folder nor a readable request. */
  readonly skipped: number
}

export class PostmanFormatError extends Error {
  override name = 'PostmanFormatError'
  readonly code = 'postman_format'
}

function keyValues(v: unknown): KeyValue[] {
  if (!Array.isArray(v)) return []
  return v.filter(isObject).map((row) => ({ key: str(row.key), value: str(row.value), enabled: row.disabled !== true }))
}

function readAuth(v: unknown): Auth {
  if (!isObject(v)) return { type: 'inherit' }
  const pick = (list: unknown, key: string) => keyValues(list).find((kv) => kv.key === key)?.value ?? ''
  switch (v.type) {
    case 'bearer':
      return { type: 'bearer', token: pick(v.bearer, 'token') }
    case 'basic':
      return { type: 'basic', username: pick(v.basic, 'username'), password: pick(v.basic, 'password') }
    case 'apikey':
      return { type: 'apikey', key: pick(v.apikey, 'key'), value: pick(v.apikey, 'value'), in: pick(v.apikey, 'in') === 'query' ? 'query' : 'header' }
    case 'noauth':
      return { type: 'none' }
    default:
      return { type: 'inherit' }
  }
}

function readRequest(name: string, v: Json): NodeInput {
  const url = typeof v.url === 'string' ? v.url : isObject(v.url) ? str(v.url.raw) : ''
  const body = isObject(v.body) ? v.body : {}
  const input: NodeInput = {
    kind: 'request',
    name: name || url || 'Untitled request',
    method: str(v.method, 'GET').toUpperCase(),
    url,
    params: paramsFromUrl(url),
    headers: keyValues(v.header),
    auth: readAuth(v.auth),
    description: typeof v.description === 'string' ? v.description : '',
  }
  if (body.mode === 'raw') {
    const raw = str(body.raw)
    const language = isObject(body.options) && isObject(body.options.raw) ? body.options.raw.language : undefined
    const known = LANGUAGES.find((l) => l === language)
    input.body = { mode: 'raw', raw, language: known ?? (/^\s*[[{]/.test(raw) ? 'json' : 'text') }
  } else if (body.mode === 'urlencoded' || body.mode === 'formdata') {
    input.body = { mode: body.mode, fields: keyValues(body[body.mode]) }
  }
  return input
}

function readItems(list: unknown, counter: { skipped: number }, depth: number): NodeInput[] {
  if (!Array.isArray(list)) return []
  const nodes: NodeInput[] = []
  for (const item of list) {
    if (!isObject(item)) {
      counter.skipped += 1
    } else if (Array.isArray(item.item)) {
      const children = readItems(item.item, counter, depth + 1)
      if (depth >= MAX_DEPTH) nodes.push(...children)
      else nodes.push({ kind: 'folder', name: str(item.name, 'Folder'), auth: readAuth(item.auth), children })
    } else if (isObject(item.request) || typeof item.request === 'string') {
      nodes.push(readRequest(str(item.name), typeof item.request === 'string' ? { url: item.request } : item.request))
    } else {
      counter.skipped += 1
    }
  }
  return nodes
}

/** Reads a Postman v2.x collection file. @throws PostmanFormatError when it is not one. */
export function parsePostman(text: string): ImportedCollection {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new PostmanFormatError('This file is not valid JSON.')
  }
  if (!isObject(data) || !isObject(data.info) || !Array.isArray(data.item)) {
    throw new PostmanFormatError('This is not a Postman collection (v2.1): it has no "info" and "item".')
  }
  const counter = { skipped: 0 }
  const items = readItems(data.item, counter, 0)
  const auth = readAuth(data.auth)
  return { name: str(data.info.name, 'Imported collection'), auth: auth.type === 'inherit' ? { type: 'none' } : auth, items, skipped: counter.skipped }
}

const kvOut = (rows: readonly KeyValue[]) => rows.map((r) => ({ key: r.key, value: r.value, ...(r.enabled ? {} : { disabled: true }) }))
const pairs = (entries: Record<string, string>) => Object.entries(entries).map(([key, value]) => ({ key, value, type: 'string' }))

function authOut(auth: Auth): Json | undefined {
  switch (auth.type) {
    case 'bearer':
      return { type: 'bearer', bearer: pairs({ token: auth.token }) }
    case 'basic':
      return { type: 'basic', basic: pairs({ username: auth.username, password: auth.password }) }
    case 'apikey':
      return { type: 'apikey', apikey: pairs({ key: auth.key, value: auth.value, in: auth.in }) }
    case 'none':
      return { type: 'noauth' }
    case 'inherit':
      return undefined
  }
}

function nodeOut(node: TreeNode): Json {
  const auth = authOut(node.auth)
  if (node.kind === 'folder') {
    return { name: node.name, item: node.children.map(nodeOut), ...(auth ? { auth } : {}) }
  }
  const request: Json = { method: node.method, header: kvOut(node.headers), url: { raw: node.url } }
  if (node.body.mode === 'raw') request.body = { mode: 'raw', raw: node.body.raw, options: { raw: { language: node.body.language } } }
  else if (node.body.mode !== 'none') request.body = { mode: node.body.mode, [node.body.mode]: kvOut(node.body.fields) }
  if (auth) request.auth = auth
  if (node.description) request.description = node.description
  return { name: node.name, request }
}

/** A collection as a Postman v2.1 document. */
export function exportPostman(id: string, name: string, snapshot: CollectionSnapshot): Json {
  const auth = authOut(snapshot.auth)
  return {
    info: { _postman_id: id, name, schema: POSTMAN_SCHEMA, ...(snapshot.description ? { description: snapshot.description } : {}) },
    item: snapshot.items.map(nodeOut),
    ...(auth ? { auth } : {}),
  }
}

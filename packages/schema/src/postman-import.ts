/**
 * Postman Collection v2.0/v2.1 JSON → Ferry items. The input is untrusted: anything Ferry
 * cannot read is skipped and reported as a `Problem`; only a file that is not a Postman v2
 * collection at all is an error.
 *
 * Not imported (reported as `ignored`): collection variables, scripts (`event`), saved
 * responses, path variables, request settings (`protocolProfileBehavior`), file form
 * fields, body modes other than raw / urlencoded / formdata, auth types other than noauth /
 * bearer / basic / apikey (those become `none`).
 */
import { RAW_LANGUAGES, type Auth, type KeyValue, type NodeInput, type RawLanguage, type RequestInput } from './model.ts'
import { isRecord, type Problem } from './validate.ts'

/** Folders nested deeper than this are skipped (a hand-crafted file could nest without end). */
export const MAX_POSTMAN_DEPTH = 64

export interface PostmanImport {
  name: string
  description: string
  /** Collection-level auth (`none` when the file has none). */
  auth: Auth
  items: NodeInput[]
  problems: Problem[]
}

export type PostmanImportResult =
  | { ok: true; value: PostmanImport }
  | { ok: false; error: { code: 'not_postman_collection'; message: string } }

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '')

function description(v: unknown): string {
  return isRecord(v) ? str(v.content) : str(v)
}

/** `[{key, value}]` (v2.1) or `{ key: value }` (v2.0) auth parameters as a lookup. */
function authParams(v: unknown): Map<string, string> {
  if (Array.isArray(v)) return new Map(v.filter(isRecord).map((p) => [str(p.key), str(p.value)]))
  return isRecord(v) ? new Map(Object.entries(v).map(([k, val]) => [k, str(val)])) : new Map()
}

class Importer {
  readonly problems: Problem[] = []

  ignored(path: string, what: string): void {
    this.problems.push({ code: 'ignored', path, message: `${what} not imported` })
  }

  auth(v: unknown, path: string, absent: Auth): Auth {
    if (v === undefined || v === null) return absent
    if (!isRecord(v)) return this.ignoredAuth(path)
    const type = str(v.type)
    const p = authParams(v[type])
    switch (type) {
      case 'noauth':
        return { type: 'none' }
      case 'bearer':
        return { type: 'bearer', token: p.get('token') ?? '' }
      case 'basic':
        return { type: 'basic', username: p.get('username') ?? '', password: p.get('password') ?? '' }
      case 'apikey':
        return { type: 'apikey', key: p.get('key') ?? '', value: p.get('value') ?? '', in: p.get('in') === 'query' ? 'query' : 'header' }
      default:
        return this.ignoredAuth(path, type)
    }
  }

  private ignoredAuth(path: string, type = 'malformed'): Auth {
    this.ignored(`${path}/auth`, `auth type "${type}"`)
    return { type: 'none' }
  }

  rows(v: unknown, path: string): KeyValue[] {
    if (typeof v === 'string') {
      // The v2 format allows headers as one "Key: value" string per line.
      return v.split('\n').filter((l) => l.includes(':')).map((l) => ({ key: l.slice(0, l.indexOf(':')).trim(), value: l.slice(l.indexOf(':') + 1).trim(), enabled: true }))
    }
    if (!Array.isArray(v)) return []
    const rows: KeyValue[] = []
    v.forEach((row: unknown, i) => {
      if (!isRecord(row)) this.problems.push({ code: 'malformed_row', path: `${path}/${i}`, message: 'not a key/value object' })
      else if (row.type === 'file') this.ignored(`${path}/${i}`, 'file form field')
      else rows.push({ key: str(row.key), value: str(row.value), enabled: row.disabled !== true })
    })
    return rows
  }

  request(item: Record<string, unknown>, path: string): RequestInput {
    const raw = item.request
    const req = typeof raw === 'string' ? { url: raw } : isRecord(raw) ? raw : {}
    const url = isRecord(req.url) ? req.url : { raw: str(req.url) }
    if (Array.isArray(url.variable) && url.variable.length > 0) this.ignored(`${path}/request/url/variable`, 'path variables')
    const input: RequestInput = {
      kind: 'request',
      name: str(item.name),
      method: str(req.method).toUpperCase() || 'GET',
      url: str(url.raw),
      params: this.rows(url.query, `${path}/request/url/query`),
      headers: this.rows(req.header, `${path}/request/header`),
      auth: this.auth(req.auth, `${path}/request`, { type: 'inherit' }),
      description: description(req.description),
      body: this.body(req.body, `${path}/request/body`),
    }
    if (Array.isArray(item.response) && item.response.length > 0) this.ignored(`${path}/response`, 'saved responses')
    if (item.protocolProfileBehavior !== undefined) this.ignored(`${path}/protocolProfileBehavior`, 'request settings')
    if (item.event !== undefined) this.ignored(`${path}/event`, 'scripts')
    return input
  }

  body(v: unknown, path: string): RequestInput['body'] {
    if (!isRecord(v) || v.mode === undefined) return { mode: 'none' }
    const mode = str(v.mode)
    if (mode === 'urlencoded' || mode === 'formdata') return { mode, fields: this.rows(v[mode], `${path}/${mode}`) }
    if (mode !== 'raw') {
      this.ignored(path, `body mode "${mode}"`)
      return { mode: 'none' }
    }
    const options = isRecord(v.options) && isRecord(v.options.raw) ? v.options.raw : {}
    const language = RAW_LANGUAGES.includes(options.language as RawLanguage) ? (options.language as RawLanguage) : 'text'
    return { mode: 'raw', raw: str(v.raw), language }
  }

  /** Converts an `item` array breadth-first with an explicit queue (no recursion). */
  items(root: unknown[]): NodeInput[] {
    const out: NodeInput[] = []
    const queue: { list: unknown[]; into: NodeInput[]; path: string; depth: number }[] = [{ list: root, into: out, path: 'item', depth: 0 }]
    while (queue.length > 0) {
      const { list, into, path, depth } = queue.shift()!
      list.forEach((item, i) => {
        const at = `${path}/${i}`
        if (!isRecord(item)) return void this.problems.push({ code: 'malformed_item', path: at, message: 'not an item object' })
        if (Array.isArray(item.item)) {
          if (depth >= MAX_POSTMAN_DEPTH) return void this.problems.push({ code: 'malformed_item', path: at, message: `folders nested deeper than ${MAX_POSTMAN_DEPTH}` })
          const children: NodeInput[] = []
          into.push({ kind: 'folder', name: str(item.name), description: description(item.description), auth: this.auth(item.auth, at, { type: 'inherit' }), children })
          if (item.event !== undefined) this.ignored(`${at}/event`, 'scripts')
          queue.push({ list: item.item, into: children, path: `${at}/item`, depth: depth + 1 })
        } else if (item.request !== undefined) into.push(this.request(item, at))
        else this.problems.push({ code: 'malformed_item', path: at, message: 'neither a folder nor a request' })
      })
    }
    return out
  }
}

/** Reads a parsed Postman collection file. Never throws. */
export function fromPostman(json: unknown): PostmanImportResult {
  const info = isRecord(json) && isRecord(json.info) ? json.info : undefined
  const schema = str(info?.schema)
  if (!isRecord(json) || !info || !Array.isArray(json.item) || !/collection\/v2\.[01]\./.test(schema)) {
    return { ok: false, error: { code: 'not_postman_collection', message: 'not a Postman Collection v2.0/v2.1 file' } }
  }
  const importer = new Importer()
  const items = importer.items(json.item)
  const auth = importer.auth(json.auth, '', { type: 'none' })
  if (Array.isArray(json.variable) && json.variable.length > 0) importer.ignored('variable', 'collection variables')
  if (json.event !== undefined) importer.ignored('event', 'scripts')
  return { ok: true, value: { name: str(info.name), description: description(info.description), auth, items, problems: importer.problems } }
}

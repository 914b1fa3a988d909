/**
 * Postman Collection v2.0/v2.1 JSON → Ferry items, keeping everything (see the modules
 * beside this one for how each part is kept). The input is untrusted and read all or
 * nothing: a file with a wrong type anywhere, a value over Ferry's size limit or folders
 * nested deeper than MAX_POSTMAN_DEPTH is refused as a whole, with every issue named by
 * its path and the names of the items on the way, so nothing is half-imported.
 */
import type { Auth, FolderInput, Json, JsonObject, Kept, KeyValue, NodeInput, RequestInput } from '../model.ts'
import { MAX_SCALAR_LENGTH } from '../validate.ts'
import { authFrom, normaliseAuth } from './auth.ts'
import { importBody } from './body.ts'
import { splitDescription } from './description.ts'
import { importEvent } from './events.ts'
import { isObject, nonEmpty, NOTE_PREFIX, omit, scalar } from './json.ts'
import { importRow, isRowList } from './rows.ts'
import { importUrl } from './url.ts'
import { checkValues } from './values.ts'
import { BASE, COLLECTION_FIELDS, FOLDER_FIELDS, noteBase, REQUEST_FIELDS } from './base.ts'

/** Deeper folder chains are refused whole (Ferry's tree itself has no depth limit). */
export const MAX_POSTMAN_DEPTH = 1000
/** Issues listed before the rest are only counted. */
const MAX_ISSUES = 20

export interface ImportIssue {
  /** JSON path in the file, e.g. `item/2/item/0/request/header`. */
  path: string
  /** The names of the items on the way, e.g. `Users / Create user`. */
  item: string
  message: string
}

export interface PostmanImport {
  name: string
  description: string
  /** The collection's auth (`none` when the file has none). */
  auth: Auth
  /** The collection's scripts, variables and other fields. */
  kept: Kept
  items: NodeInput[]
}

export type PostmanImportError =
  | { code: 'not_postman_collection'; message: string }
  | { code: 'invalid_collection'; message: string; issues: ImportIssue[]; /** All problems found; `issues` lists the first of them. */ count: number }

export type PostmanImportResult = { ok: true; value: PostmanImport } | { ok: false; error: PostmanImportError }

/** Longest auth type name (what reads accept; see auth.ts). */
const MAX_SCHEME_LENGTH = 64
/** Marks a request the file gave without a method (Ferry reads GET). */
export const ABSENT_METHOD = `${NOTE_PREFIX}noMethod`

const V2_SCHEMA = /\/collection\/v2\.[01]\.\d+\//

class Reader {
  readonly issues: ImportIssue[] = []
  private dropped = 0

  issue(path: string, item: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, item, message })
    else this.dropped++
  }

  get count(): number {
    return this.issues.length + this.dropped
  }

  get summary(): string {
    const first = this.issues.map((i) => `${i.item ? `"${i.item}" ` : ''}(${i.path}): ${i.message}`).join('; ')
    return `${this.issues.length + this.dropped} problem(s) in the file; nothing was imported. ${first}${this.dropped > 0 ? `; and ${this.dropped} more` : ''}`
  }

  text(v: Json | undefined, path: string, item: string): string {
    const s = scalar(v)
    if (s.length > MAX_SCALAR_LENGTH) this.issue(path, item, `value of ${s.length} characters is over Ferry's limit of ${MAX_SCALAR_LENGTH}`)
    return s
  }

  rows(v: Json | undefined, path: string, item: string): JsonObject[] {
    if (v === undefined || v === null) return []
    if (!isRowList(v)) {
      this.issue(path, item, 'must be a list of objects')
      return []
    }
    v.forEach((row, i) => {
      this.text(row.key, `${path}/${i}/key`, item)
      this.text(row.value, `${path}/${i}/value`, item)
    })
    return v
  }

  /** Non-empty lists become Ferry's own (rows, scripts); empty ones stay among the kept fields. */
  consumed(obj: JsonObject, keys: readonly string[]): string[] {
    return keys.filter((k) => Array.isArray(obj[k]) && obj[k].length > 0)
  }

  auth(v: Json | undefined, path: string, item: string, absent: Auth): { auth: Auth; given?: Json } {
    if (v === undefined) return { auth: absent }
    if (v === null) return { auth: absent, given: null }
    if (!isObject(v) || typeof v.type !== 'string') {
      this.issue(path, item, 'auth must be an object with a "type"')
      return { auth: absent }
    }
    if (v.type.length > MAX_SCHEME_LENGTH) this.issue(`${path}/type`, item, `an auth type name is at most ${MAX_SCHEME_LENGTH} characters`)
    const given = normaliseAuth(v)
    for (const [k, list] of Object.entries(given)) if (k !== 'type' && Array.isArray(list)) this.rows(list, `${path}/${k}`, item)
    return { auth: authFrom(given), given }
  }

  kept(obj: JsonObject, path: string, item: string): Kept {
    const scripts = this.rows(obj.event, `${path}/event`, item).map(importEvent)
    scripts.forEach((s, i) => {
      this.text(s.code, `${path}/event/${i}/script/exec`, item)
      this.text(s.listen, `${path}/event/${i}/listen`, item)
    })
    const variables = this.rows(obj.variable, `${path}/variable`, item).map(importRow)
    return { scripts, variables }
  }

  request(item: JsonObject, path: string, names: string): RequestInput {
    const given = item.request
    const req: JsonObject = typeof given === 'string' ? { url: given } : isObject(given) ? given : {}
    if (given !== undefined && typeof given !== 'string' && !isObject(given)) this.issue(`${path}/request`, names, 'request must be an object or a URL string')
    const at = `${path}/request`
    let headers: KeyValue[] = []
    if (typeof req.header === 'string') {
      headers = headerLines(req.header)
      headers.forEach((h, i) => [h.key, h.value].forEach((cell) => this.text(cell, `${at}/header (line ${i + 1})`, names)))
    }
    else headers = this.rows(req.header, `${at}/header`, names).map(importRow)
    const url = req.url
    if (url !== undefined && url !== null && typeof url !== 'string' && !isObject(url)) this.issue(`${at}/url`, names, 'url must be a string or an object')
    if (isObject(url)) {
      this.rows(url.query, `${at}/url/query`, names)
      this.rows(url.variable, `${at}/url/variable`, names)
    }
    const body = req.body
    if (body !== undefined && body !== null && !isObject(body)) this.issue(`${at}/body`, names, 'body must be an object')
    if (isObject(body)) for (const mode of ['urlencoded', 'formdata']) this.rows(body[mode], `${at}/body/${mode}`, names)
    const response = item.response
    if (response !== undefined && response !== null && !Array.isArray(response)) this.issue(`${path}/response`, names, 'response must be a list')
    const importedUrl = importUrl(isObject(url) || typeof url === 'string' || url === null ? url : undefined)
    const importedBody = importBody(isObject(body) || body === null ? body : undefined)
    const auth = this.auth(req.auth, `${at}/auth`, names, { type: 'inherit' })
    const description = splitDescription(req.description)
    this.text(importedUrl.url, `${at}/url`, names)
    this.text(importedBody.body.raw, `${at}/body/raw`, names)
    this.text(description.text, `${at}/description`, names)
    const itemRest = omit(item, [...(typeof item.name === 'string' ? ['name'] : []), 'request', ...this.consumed(item, ['response', 'event', 'variable'])])
    // A method the file gave as something else than a non-empty string stays as given (GET is Ferry's reading).
    const methodGiven = typeof req.method === 'string' && req.method !== ''
    const reqRest = omit(req, [...(methodGiven ? ['method'] : []), 'url', 'auth', 'description', 'body', ...(typeof req.header === 'string' ? ['header'] : this.consumed(req, ['header']))])
    if (!('method' in req)) reqRest[ABSENT_METHOD] = true
    const own = this.kept(item, path, names)
    const name = this.text(item.name, `${path}/name`, names)
    const method = methodGiven ? this.text(req.method, `${at}/method`, names) : 'GET'
    const examples = Array.isArray(response) && response.length > 0 ? response : []
    const base = noteBase(REQUEST_FIELDS, {
      name, method, description: description.text, auth: auth.auth, examples, scripts: own.scripts, variables: own.variables, headers,
      url: importedUrl.url, params: importedUrl.params, pathVariables: importedUrl.pathVariables, body: importedBody.body,
    })
    const kept = nonEmpty({
      [BASE]: base,
      ...(nonEmpty(itemRest) ? { item: itemRest } : {}),
      ...(typeof given === 'string' ? {} : { request: reqRest }),
      ...(importedUrl.given !== undefined ? { url: importedUrl.given, urlRaw: importedUrl.url } : {}),
      ...(importedBody.given !== undefined ? { body: importedBody.given } : {}),
      ...(auth.given !== undefined ? { auth: auth.given } : {}),
      ...(description.form !== undefined ? { description: description.form } : {}),
    })
    return {
      kind: 'request',
      name,
      method,
      url: importedUrl.url,
      params: importedUrl.params,
      pathVariables: importedUrl.pathVariables,
      headers,
      auth: auth.auth,
      description: description.text,
      body: importedBody.body,
      examples,
      ...own,
      ...(kept ? { kept } : {}),
    }
  }

  folder(item: JsonObject, path: string, names: string): FolderInput {
    const auth = this.auth(item.auth, `${path}/auth`, names, { type: 'inherit' })
    const description = splitDescription(item.description)
    const itemRest = omit(item, [...(typeof item.name === 'string' ? ['name'] : []), 'item', 'auth', 'description', ...this.consumed(item, ['event', 'variable'])])
    const own = this.kept(item, path, names)
    const name = this.text(item.name, `${path}/name`, names)
    const kept = nonEmpty({
      [BASE]: noteBase(FOLDER_FIELDS, { name, description: description.text, auth: auth.auth, scripts: own.scripts, variables: own.variables }),
      ...(nonEmpty(itemRest) ? { item: itemRest } : {}),
      ...(auth.given !== undefined ? { auth: auth.given } : {}),
      ...(description.form !== undefined ? { description: description.form } : {}),
    })
    return {
      kind: 'folder',
      name,
      description: this.text(description.text, `${path}/description`, names),
      auth: auth.auth,
      children: [],
      ...own,
      ...(kept ? { kept } : {}),
    }
  }

  /** Converts an `item` list breadth-first with an explicit queue (no recursion). */
  items(root: Json[]): NodeInput[] {
    const out: NodeInput[] = []
    const queue: { list: Json[]; into: NodeInput[]; path: string; names: string; depth: number }[] = [{ list: root, into: out, path: 'item', names: '', depth: 0 }]
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { list, into, path, names, depth } = next
      list.forEach((item, i) => {
        const at = `${path}/${i}`
        if (!isObject(item)) return this.issue(at, names, 'an item must be an object')
        const named = names ? `${names} / ${scalar(item.name)}` : scalar(item.name)
        if (item.item !== undefined && !Array.isArray(item.item)) return this.issue(`${at}/item`, named, 'a folder\'s "item" must be a list')
        if (!Array.isArray(item.item)) return void into.push({ ...this.request(item, at, named), postman: item })
        if (depth + 1 > MAX_POSTMAN_DEPTH) return this.issue(at, named, `folders are nested deeper than ${MAX_POSTMAN_DEPTH} levels`)
        const folder = this.folder(item, at, named)
        into.push(folder)
        queue.push({ list: item.item, into: folder.children!, path: `${at}/item`, names: named, depth: depth + 1 })
      })
    }
    return out
  }
}

/**
 * Ferry's reading of one request item of a file (what a compact request holds: see
 * compact.ts), or the problems that make it unreadable.
 */
export function requestFromPostman(item: JsonObject): { ok: true; input: RequestInput } | { ok: false; issues: ImportIssue[] } {
  const reader = new Reader()
  const input = reader.request(item, 'item', scalar(item.name))
  return reader.issues.length === 0 ? { ok: true, input } : { ok: false, issues: reader.issues }
}

/** `Key: value` lines (the v2.0 header string form) as rows. */
function headerLines(text: string): KeyValue[] {
  return text
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((l) => importRow({ key: l.slice(0, l.indexOf(':')).trim(), value: l.slice(l.indexOf(':') + 1).trim() }))
}

/** Why `json` is not a Postman v2 collection, or undefined if it is one. */
function notACollection(json: unknown): string | undefined {
  if (!isObject(json)) return 'not a Postman collection (the file is not a JSON object)'
  if (Array.isArray(json.requests) && !Array.isArray(json.item)) {
    return 'this is a Postman Collection v1 file (the pre-2016 format); export it again from Postman as Collection v2.1'
  }
  if ('values' in json && !('item' in json)) return 'this is a Postman environment or globals file, not a collection'
  if (!Array.isArray(json.item)) return 'not a Postman collection (it has no "item" list)'
  if (json.info !== undefined && !isObject(json.info)) return 'not a Postman collection ("info" is not an object)'
  const schema = isObject(json.info) ? json.info.schema : undefined
  if (schema !== undefined && (typeof schema !== 'string' || !V2_SCHEMA.test(schema))) {
    return `unsupported collection format ${JSON.stringify(schema)}: Ferry reads Postman Collection v2.0 and v2.1`
  }
  return undefined
}

/** Reads a parsed Postman collection file. Never throws. */
export function fromPostman(json: unknown): PostmanImportResult {
  const not = notACollection(json)
  if (not) return { ok: false, error: { code: 'not_postman_collection', message: not } }
  const file = json as JsonObject
  const bad = checkValues(file, MAX_ISSUES)
  if (bad.length > 0) {
    const first = bad.map((i) => `${i.item ? `"${i.item}" ` : ''}(${i.path}): ${i.message}`).join('; ')
    return { ok: false, error: { code: 'invalid_collection', message: `${bad.length} problem(s) in the file; nothing was imported. ${first}`, issues: bad, count: bad.length } }
  }
  const info = isObject(file.info) ? file.info : undefined
  const reader = new Reader()
  const items = reader.items(file.item as Json[])
  const auth = reader.auth(file.auth, 'auth', '', { type: 'none' })
  const description = splitDescription(info?.description)
  const name = reader.text(info?.name, 'info/name', '')
  reader.text(description.text, 'info/description', '')
  const own = reader.kept(file, '', '')
  if (reader.issues.length > 0) {
    reader.issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))
    return { ok: false, error: { code: 'invalid_collection', message: reader.summary, issues: reader.issues, count: reader.count } }
  }
  const top = omit(file, ['info', 'item', 'auth', ...reader.consumed(file, ['event', 'variable'])])
  const kept = nonEmpty({
    [BASE]: noteBase(COLLECTION_FIELDS, { description: description.text, auth: auth.auth, scripts: own.scripts, variables: own.variables }),
    ...(info ? { info: omit(info, ['name', 'description']) } : { noInfo: true }),
    ...(nonEmpty(top) ? { top } : {}),
    ...(auth.given !== undefined ? { auth: auth.given } : {}),
    ...(description.form !== undefined ? { description: description.form } : {}),
  })
  return { ok: true, value: { name, description: description.text, auth: auth.auth, kept: { ...own, ...(kept ? { kept } : {}) }, items } }
}

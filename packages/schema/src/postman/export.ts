/**
 * Ferry items → Postman Collection v2.1 JSON: what Ferry models as edited, on top of what the
 * import kept verbatim (see import.ts). Items made in Ferry get Postman's defaults.
 */
import type { CollectionSnapshot, FolderNode, Json, JsonObject, Kept, RequestNode, TreeNode } from '../model.ts'
import { authTo, normaliseAuth } from './auth.ts'
import { exportBody } from './body.ts'
import { joinDescription } from './description.ts'
import { exportEvent } from './events.ts'
import { isObject, omit, scalar } from './json.ts'
import { ABSENT_METHOD } from './import.ts'
import { exportRow } from './rows.ts'
import { exportUrl } from './url.ts'

export const POSTMAN_SCHEMA_V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {})

/** Sets each defined entry of `fields` on `out`. */
function put(out: JsonObject, fields: Record<string, Json | undefined>): JsonObject {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v
  return out
}

/** Scripts and variables, where there are any. */
const own = (node: Kept): Record<string, Json | undefined> => ({
  event: node.scripts.length > 0 ? node.scripts.map(exportEvent) : undefined,
  variable: node.variables.length > 0 ? node.variables.map(exportRow) : undefined,
})

/** The method to write: a file's non-string or absent method stays while Ferry reads it as GET. */
function methodOf(method: string, given: JsonObject): JsonObject {
  if (method !== 'GET') return { method }
  if (given[ABSENT_METHOD] === true) return {}
  return 'method' in given ? {} : { method }
}

/** The name to write: a file's non-string name stays while it reads the same. */
const nameOf = (name: string, given: JsonObject): Json => ('name' in given && scalar(given.name) === name ? given.name! : name)

function folder(node: FolderNode, item: Json[]): JsonObject {
  const kept = obj(node.kept)
  return put(
    { ...obj(kept.item), name: nameOf(node.name, obj(kept.item)), item },
    { description: joinDescription(node.description, kept.description), auth: authTo(node.auth, kept.auth), ...own(node) },
  )
}

function request(node: RequestNode): JsonObject {
  // A compact request was not edited since its import: the item as the file gave it, its
  // auth parameters in v2.1's list form (as an edited request's are).
  if (node.postman) {
    // A copy: reads are frozen, and an export is the caller's to change.
    const item = structuredClone(node.postman)
    const req = item.request
    return isObject(req) && isObject(req.auth) ? { ...item, request: { ...req, auth: normaliseAuth(req.auth) } } : item
  }
  const kept = obj(node.kept)
  const made = node.kept === undefined
  const given = obj(kept.request)
  const req = put(
    { ...omit(given, [ABSENT_METHOD]), ...methodOf(node.method, given) },
    {
      header: node.headers.length > 0 || made ? node.headers.map(exportRow) : undefined,
      url: node.url === '' && kept.url === undefined && node.params.length === 0 ? undefined : exportUrl(node.url, node.params, node.pathVariables, kept.url, typeof kept.urlRaw === 'string' ? kept.urlRaw : undefined),
      body: exportBody(node.body, kept.body),
      auth: authTo(node.auth, kept.auth),
      description: joinDescription(node.description, kept.description),
    },
  )
  return put(
    { ...obj(kept.item), name: nameOf(node.name, obj(kept.item)), request: req },
    { response: node.examples.length > 0 || made ? node.examples : undefined, ...own(node) },
  )
}

/** Iterative, so a deep tree cannot overflow the stack. */
function items(nodes: readonly TreeNode[]): Json[] {
  const root: Json[] = []
  const stack: { nodes: readonly TreeNode[]; into: Json[] }[] = [{ nodes, into: root }]
  for (let next = stack.pop(); next; next = stack.pop()) {
    for (const node of next.nodes) {
      if (node.kind === 'request') {
        next.into.push(request(node))
        continue
      }
      const children: Json[] = []
      next.into.push(folder(node, children))
      stack.push({ nodes: node.children, into: children })
    }
  }
  return root
}

/** A Postman v2.1 collection of `snapshot` named `name` (`id` becomes `_postman_id` if the import kept none). */
export function toPostman(name: string, snapshot: CollectionSnapshot, id?: string): JsonObject {
  const kept = obj(snapshot.kept)
  const info = put({ ...(id ? { _postman_id: id } : {}), ...obj(kept.info), name }, { description: joinDescription(snapshot.description, kept.description) })
  info.schema = POSTMAN_SCHEMA_V21
  const auth = snapshot.auth.type === 'none' && (kept.auth === undefined || kept.auth === null) ? kept.auth : authTo(snapshot.auth, kept.auth)
  return put({ ...obj(kept.top), info, item: items(snapshot.items) }, { auth, ...own(snapshot) })
}

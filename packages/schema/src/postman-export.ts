/**
 * Ferry items → Postman Collection v2.1 JSON. Only the active body mode's content is
 * written (Postman keeps one), `inherit` auth is written as no `auth` key, and `url` is
 * split into protocol/host/port/path as Postman does, besides `raw`.
 */
import type { Auth, CollectionSnapshot, KeyValue, RequestNode, TreeNode } from './model.ts'
import {
  POSTMAN_SCHEMA_V21,
  type PostmanAuth,
  type PostmanBody,
  type PostmanCollection,
  type PostmanItem,
  type PostmanKeyValue,
  type PostmanUrl,
} from './postman-types.ts'

function rows(list: readonly KeyValue[]): PostmanKeyValue[] {
  return list.map((r) => ({ key: r.key, value: r.value, type: 'text', ...(r.enabled ? {} : { disabled: true }) }))
}

const param = (key: string, value: string): { key: string; value: string; type: 'string' } => ({ key, value, type: 'string' })

function auth(a: Auth): PostmanAuth | undefined {
  switch (a.type) {
    case 'inherit':
      return undefined
    case 'none':
      return { type: 'noauth' }
    case 'bearer':
      return { type: 'bearer', bearer: [param('token', a.token)] }
    case 'basic':
      return { type: 'basic', basic: [param('username', a.username), param('password', a.password)] }
    case 'apikey':
      return { type: 'apikey', apikey: [param('key', a.key), param('value', a.value), param('in', a.in)] }
  }
}

const URL_PARTS = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?([^/?#:]*)(?::(\d+))?([^?#]*)/

function url(raw: string, params: readonly KeyValue[]): PostmanUrl {
  const [, protocol, host, port, path] = URL_PARTS.exec(raw) ?? []
  const out: PostmanUrl = { raw }
  if (protocol) out.protocol = protocol
  if (host) out.host = host.split('.')
  if (port) out.port = port
  if (path) out.path = path.split('/').filter((p) => p !== '')
  if (params.length > 0) out.query = params.map((r) => ({ key: r.key, value: r.value, ...(r.enabled ? {} : { disabled: true }) }))
  return out
}

function body(r: RequestNode): PostmanBody | undefined {
  switch (r.body.mode) {
    case 'none':
      return undefined
    case 'raw':
      return { mode: 'raw', raw: r.body.raw, options: { raw: { language: r.body.language } } }
    case 'urlencoded':
      return { mode: 'urlencoded', urlencoded: rows(r.body.fields) }
    case 'formdata':
      return { mode: 'formdata', formdata: rows(r.body.fields) }
  }
}

const withOptional = <T extends object>(base: T, extra: Record<string, unknown>): T =>
  Object.assign(base, Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== '')))

/** Iterative, so a hostile deep tree cannot overflow the stack. */
function items(nodes: readonly TreeNode[]): PostmanItem[] {
  const root: PostmanItem[] = []
  const stack: { nodes: readonly TreeNode[]; into: PostmanItem[] }[] = [{ nodes, into: root }]
  while (stack.length > 0) {
    const { nodes: list, into } = stack.pop()!
    for (const node of list) {
      if (node.kind === 'folder') {
        const item: PostmanItem[] = []
        into.push(withOptional({ name: node.name, item }, { description: node.description, auth: auth(node.auth) }))
        stack.push({ nodes: node.children, into: item })
      } else {
        const request = withOptional(
          { method: node.method, header: rows(node.headers), url: url(node.url, node.params) },
          { body: body(node), auth: auth(node.auth), description: node.description },
        )
        into.push({ name: node.name, request, response: [] })
      }
    }
  }
  return root
}

/** A Postman v2.1 collection of `snapshot` named `name` (`id` becomes `_postman_id`). */
export function toPostman(name: string, snapshot: CollectionSnapshot, id?: string): PostmanCollection {
  const info = withOptional({ name, schema: POSTMAN_SCHEMA_V21 }, { _postman_id: id, description: snapshot.description })
  return withOptional({ info, item: items(snapshot.items) }, { auth: auth(snapshot.auth) })
}

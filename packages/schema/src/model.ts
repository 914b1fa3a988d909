/**
 * The plain-data shapes Ferry reads out of its documents and accepts when creating items.
 * Reads return these (validated, detached copies); live editing goes through the classes.
 */

/** One row of headers, query params, form fields or a header preset. */
export interface KeyValue {
  key: string
  value: string
  enabled: boolean
}

export const BODY_MODES = ['none', 'raw', 'urlencoded', 'formdata'] as const
export type BodyMode = (typeof BODY_MODES)[number]

/**
 * Raw body languages. A language this version does not know (a newer Ferry added it) reads as
 * `text`, so the request stays visible and editable; only its highlighting is plain.
 */
export const RAW_LANGUAGES = ['text', 'json', 'xml', 'html', 'javascript', 'graphql'] as const
export type RawLanguage = (typeof RAW_LANGUAGES)[number]

/** Where an API key goes. */
export type ApiKeyPlacement = 'header' | 'query'

/**
 * Request or folder authentication. `inherit` (the default) uses the enclosing folder's or
 * the collection's; `none` sends nothing.
 */
export type Auth =
  | { type: 'inherit' }
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'apikey'; key: string; value: string; in: ApiKeyPlacement }

export type AuthType = Auth['type']

/**
 * A request body. Every mode's content is kept when the mode changes (as API clients do), so
 * switching back and forth loses nothing: `raw` is the raw text, `fields` the form rows.
 */
export interface RequestBody {
  mode: BodyMode
  raw: string
  language: RawLanguage
  fields: KeyValue[]
}

export interface RequestData {
  name: string
  method: string
  /** The URL as typed, including any query string; `params` is its structured form. */
  url: string
  params: KeyValue[]
  headers: KeyValue[]
  body: RequestBody
  auth: Auth
  description: string
}

export interface FolderData {
  name: string
  description: string
  auth: Auth
}

interface Placed {
  id: string
  /** The effective parent after repairs (orphans and broken cycles sit at the root: null). */
  parentId: string | null
  order: string
}

export interface RequestNode extends RequestData, Placed {
  kind: 'request'
}

export interface FolderNode extends FolderData, Placed {
  kind: 'folder'
  children: TreeNode[]
}

export type TreeNode = FolderNode | RequestNode

/** What `Collection.add` accepts: any field left out gets its default. */
export type RequestInput = Partial<Omit<RequestData, 'body' | 'params' | 'headers'>> & {
  kind: 'request'
  params?: Partial<KeyValue>[]
  headers?: Partial<KeyValue>[]
  body?: Partial<Omit<RequestBody, 'fields'>> & { fields?: Partial<KeyValue>[] }
}
export type FolderInput = Partial<FolderData> & { kind: 'folder'; children?: NodeInput[] }
export type NodeInput = RequestInput | FolderInput

/** Scalar (last-writer-wins) fields of a request that `Collection.update` sets. */
export interface RequestPatch {
  name?: string
  method?: string
  url?: string
  bodyMode?: BodyMode
  bodyLanguage?: RawLanguage
  auth?: Auth
}

export type FolderPatch = Pick<RequestPatch, 'name' | 'auth'>

/** A whole collection as plain data: what export, copy and share-import work from. */
export interface CollectionSnapshot {
  description: string
  auth: Auth
  items: TreeNode[]
}

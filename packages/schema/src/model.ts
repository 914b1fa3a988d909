/**
 * The plain-data shapes Ferry reads out of its documents and accepts when creating items.
 * Reads return these (validated, detached from the doc: what an import kept verbatim is shared
 * and frozen, so changing a read can never change the doc); live editing goes through the classes.
 */

/** A plain JSON value (what Ferry keeps verbatim from an imported file). */
export type Json = null | boolean | number | string | Json[] | JsonObject
export type JsonObject = { [key: string]: Json }

/**
 * One row of headers, query params, path variables, form fields, variables or a header preset.
 * `kept`: the fields of an imported row that Ferry does not model (a Postman description,
 * a file field's `src`, a variable's type…), kept verbatim so an export writes them back.
 */
export interface KeyValue {
  key: string
  value: string
  enabled: boolean
  kept?: JsonObject
}

/**
 * A script Ferry keeps but does not run (a Postman `event`): `listen` says when it would run
 * (`prerequest`, `test`), `code` is its source, merged character by character; `kept` holds
 * the event's other fields verbatim.
 */
export interface Script {
  listen: string
  code: string
  kept?: JsonObject
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
  | OtherAuth

/**
 * An authentication scheme Ferry keeps but does not send itself (Postman's oauth2, oauth1,
 * digest, awsv4, hawk, ntlm, edgegrid, jwt…): the scheme's name and its parameters as the
 * file gave them, edited as one value.
 */
export interface OtherAuth {
  type: 'other'
  scheme: string
  params: AuthParam[]
}

/** One parameter of an `other` auth scheme (Postman's `{ key, value, type }`). */
export interface AuthParam {
  key: string
  value: Json
  type?: string
}

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

/**
 * What folders, requests and the collection itself keep from an imported file besides what
 * Ferry models: scripts, variables and the file's other fields (`kept`, verbatim).
 */
export interface Kept {
  scripts: Script[]
  variables: KeyValue[]
  kept?: JsonObject
}

export interface RequestData extends Kept {
  name: string
  method: string
  /** The URL as typed, including any query string; `params` is its structured form. */
  url: string
  params: KeyValue[]
  headers: KeyValue[]
  body: RequestBody
  auth: Auth
  description: string
  /** URL path variables (`:id`) with their values. */
  pathVariables: KeyValue[]
  /** Saved example responses (Postman's `response`), kept verbatim. */
  examples: Json[]
}

export interface FolderData extends Kept {
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
  /** The Postman item a compact request is stored as (imported, not edited since): exported as is. */
  postman?: JsonObject
}

export interface FolderNode extends FolderData, Placed {
  kind: 'folder'
  children: TreeNode[]
}

export type TreeNode = FolderNode | RequestNode

/** What `Collection.add` accepts: any field left out gets its default. */
type RowInputs = {
  variables?: Partial<KeyValue>[]
  scripts?: Partial<Script>[]
  /**
   * The id to add the item under, if no item has it (an import notes where each item of the
   * file went; an update from a file adds items under ids every device derives alike); a
   * random one otherwise.
   */
  assignId?: string
}
export type RequestInput = Partial<Omit<RequestData, 'body' | 'params' | 'headers' | 'pathVariables' | keyof RowInputs>> &
  RowInputs & {
    kind: 'request'
    /**
     * The Postman item this request was read from (imports): the request is stored compact, as
     * that item, until its first edit (see compact.ts); the other fields are its reading.
     */
    postman?: JsonObject
    params?: Partial<KeyValue>[]
    headers?: Partial<KeyValue>[]
    pathVariables?: Partial<KeyValue>[]
    body?: Partial<Omit<RequestBody, 'fields'>> & { fields?: Partial<KeyValue>[] }
  }
export type FolderInput = Partial<Omit<FolderData, keyof RowInputs>> & RowInputs & { kind: 'folder'; children?: NodeInput[] }
export type NodeInput = RequestInput | FolderInput

/** Scalar (last-writer-wins) fields of a request that `Collection.update` sets. */
export interface RequestPatch {
  name?: string
  method?: string
  url?: string
  bodyMode?: BodyMode
  bodyLanguage?: RawLanguage
  auth?: Auth
  /** Saved examples, as one value. */
  examples?: Json[]
}

export type FolderPatch = Pick<RequestPatch, 'name' | 'auth'>

/** A whole collection as plain data: what export, copy and share-import work from. */
export interface CollectionSnapshot extends Kept {
  description: string
  auth: Auth
  items: TreeNode[]
}

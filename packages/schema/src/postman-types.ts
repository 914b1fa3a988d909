/**
 * The subset of Postman Collection Format v2.1 that Ferry reads and writes
 * (https://schema.getpostman.com/json/collection/v2.1.0/collection.json).
 */

export const POSTMAN_SCHEMA_V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

export interface PostmanKeyValue {
  key: string
  value: string
  type?: string
  disabled?: boolean
}

export interface PostmanAuthParam {
  key: string
  value: string
  type: 'string'
}

export interface PostmanAuth {
  type: 'noauth' | 'bearer' | 'basic' | 'apikey'
  bearer?: PostmanAuthParam[]
  basic?: PostmanAuthParam[]
  apikey?: PostmanAuthParam[]
}

export interface PostmanUrl {
  raw: string
  protocol?: string
  host?: string[]
  port?: string
  path?: string[]
  query?: PostmanKeyValue[]
}

export type PostmanBody =
  | { mode: 'raw'; raw: string; options?: { raw: { language: string } } }
  | { mode: 'urlencoded'; urlencoded: PostmanKeyValue[] }
  | { mode: 'formdata'; formdata: PostmanKeyValue[] }

export interface PostmanRequest {
  method: string
  header: PostmanKeyValue[]
  body?: PostmanBody
  url: PostmanUrl
  auth?: PostmanAuth
  description?: string
}

export interface PostmanRequestItem {
  name: string
  request: PostmanRequest
  response: unknown[]
}

export interface PostmanFolder {
  name: string
  description?: string
  item: PostmanItem[]
  auth?: PostmanAuth
}

export type PostmanItem = PostmanFolder | PostmanRequestItem

export interface PostmanCollection {
  info: { _postman_id?: string; name: string; description?: string; schema: string }
  item: PostmanItem[]
  auth?: PostmanAuth
}

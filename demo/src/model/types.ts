/**
 * The data types the views work with: the schema's own (re-exported here so views import from
 * one place) and the few shapes the demo adds.
 */

export type {
  Auth,
  AuthParam,
  AuthTextPart,
  AuthType,
  BodyMode,
  Collection,
  CollectionInfo,
  Conflict,
  Environments,
  Variable,
  VariableSet,
  History,
  HistoryEntry,
  Json,
  JsonObject,
  KeyValue,
  OtherAuth,
  RawLanguage,
  RequestData,
  RequestNode,
  Script,
  TreeNode,
} from '@ferry/schema'

/** Methods the picker offers; a stored method outside this list is still shown and sent. */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const

/** The account-wide variable scope in routes (`#/env/globals`); other ids are environments. */
export const GLOBALS = 'globals'

export { createId, cryptoRandom, type RandomSource } from './random.ts'
export { compareOrder, isOrderKey, keyAt, keyBetween } from './order.ts'
export { ignoreProblems, type Problem, type ProblemCode, type ProblemSink } from './validate.ts'
export type { ChangeInfo, SchemaOptions } from './options.ts'
export { SchemaError, type SchemaErrorCode } from './errors.ts'
export * from './model.ts'
export { KeyValueList, type KeyValueCell, type KeyValueRow } from './key-value-list.ts'
export { type Conflict, CONFLICT_ORIGIN } from './conflicts.ts'
export { SCHEMA_VERSION, schemaVersion } from './schema-version.ts'
export { setText } from './text/diff.ts'
export { AUTH_TEXT_PARTS, type AuthTextPart } from './auth.ts'
export { resolveTree, type ResolvedTree, type TreeEntry } from './tree.ts'
export { Collection, type ListField, type Placement, type TextField } from './collection.ts'
export { applyMoveAcross, copyOf, duplicateItem, planMoveAcross, type CrossMove } from './item-copy.ts'
export { WorkspaceIndex, type CollectionInfo, type HeaderPreset, type TrashedCollection } from './workspace.ts'
export { SETTINGS_DEFAULTS, isValidSetting, type Settings } from './settings.ts'
export { Environments, VariableSet, type Environment, type EnvironmentInfo, type TrashedEnvironment, type Variable, type VariableFields, type VariablePatch } from './environments.ts'
export {
  History,
  HISTORY_BUCKET_SIZE,
  parseHistoryEntry,
  type HistoryEntry,
  type HistoryEntryInput,
  type HistoryOptions,
  type SentHeader,
  type SentRequest,
  type SentVia,
} from './history.ts'
export {
  importPostman,
  exportPostman,
  fromPostman,
  toPostman,
  MAX_POSTMAN_DEPTH,
  POSTMAN_SCHEMA_V21,
  type ImportIssue,
  type ImportPostmanResult,
  type PostmanImport,
  type PostmanImportError,
  type PostmanImportResult,
  postmanIdOfCollection,
  updateFromPostman,
  type UpdateConflict,
  type UpdatePostmanResult,
  type UpdatePostmanSummary,
} from './postman/index.ts'
export { ScriptList } from './scripts.ts'
export {
  readPostmanScope,
  writePostmanScope,
  postmanFileName,
  postmanIdOf,
  type PostmanScope,
  type PostmanScopeKind,
  type PostmanScopeVariable,
  type PostmanScopeFile,
  type PostmanExportVariable,
  type PostmanFileError,
  type PostmanErrorCode,
  type PostmanResult,
} from './postman/environment.ts'
export {
  parsePostmanText,
  readPostmanJson,
  readPostmanDump,
  readPostmanArchive,
  mergeBatches,
  emptyBatch,
  type PostmanBatch,
  type PostmanBatchCollection,
  type PostmanHeaderPreset,
  type PostmanNotImported,
  type PostmanArchiveEntry,
  type PostmanFileKind,
} from './postman/files.ts'
export * from './versions/index.ts'

export { diffCollections, diffFlat, summarize, type CollectionDiff, type DiffSummary, type ItemChange } from './diff.ts'
export { restoreCollection, type RestoreResult } from './restore.ts'
export { flatten, COLLECTION_FIELDS, FOLDER_FIELDS, REQUEST_FIELDS, type CollectionField, type FlatCollection, type ItemField } from './fields.ts'

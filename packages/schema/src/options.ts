import type { RandomSource } from './random.ts'
import type { ProblemSink } from './validate.ts'

/** What every document class accepts besides its `Y.Doc`. */
export interface SchemaOptions {
  /** Told about every malformed or repaired item a read finds (default: ignored). */
  onProblem?: ProblemSink
  /** Randomness for ids and order keys (default: WebCrypto). Tests pass a seeded one. */
  random?: RandomSource
  /**
   * Whether this replica records lost concurrent values into the doc (default true). A
   * read-only view passes false: it writes nothing, conflict records included.
   */
  recordConflicts?: boolean
}

/** What `observe` callbacks receive once per transaction that changed the document part. */
export interface ChangeInfo {
  /** True when the change was made through this doc (not applied from a remote update). */
  local: boolean
  /** The transaction origin (e.g. a provider for remote updates). */
  origin: unknown
}

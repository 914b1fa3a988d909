export type SchemaErrorCode = 'not_a_folder' | 'invalid_setting' | 'newer_schema'

/**
 * Thrown only for a caller's mistake on a write (e.g. adding into an id that is not a
 * folder). Reading a document never throws: malformed content becomes a `Problem`.
 */
export class SchemaError extends Error {
  override name = 'SchemaError'
  constructor(
    readonly code: SchemaErrorCode,
    message: string,
  ) {
    super(message)
  }
}

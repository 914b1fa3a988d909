import { err, ok, type Result } from './result.ts'

/** A validated doc name, `<userId>:<kind>` or `<userId>:<kind>:<id>`. Obtain one from {@link parseDocName} or {@link docName}. */
export type DocName = string & { readonly __brand: 'DocName' }

/** An account id as it appears in the owner part of a doc name. */
export type UserId = string & { readonly __brand: 'UserId' }

/** The four kinds of document each account owns (DESIGN.md, "Documents"). */
export type DocKind = 'workspace' | 'collection' | 'environments' | 'history'

/** Every known kind; anything else is rejected so a typo never opens a stray document. */
export const DOC_KINDS: readonly DocKind[] = Object.freeze(['workspace', 'collection', 'environments', 'history'])

/** A doc name split into its parts. `id` is set for `collection` and `null` for the other kinds. */
export interface ParsedDocName {
  readonly name: DocName
  readonly owner: UserId
  readonly kind: DocKind
  readonly id: string | null
}

/** Why a string is not a doc name. */
export type DocNameErrorCode = 'bad_shape' | 'bad_part' | 'unknown_kind' | 'missing_id' | 'unexpected_id'

export interface DocNameError {
  readonly code: DocNameErrorCode
  readonly message: string
}

/** Thrown by {@link docName} when a trusted caller passes parts that do not form a valid name. */
export class InvalidDocNameError extends Error {
  readonly code: DocNameErrorCode
  constructor(error: DocNameError) {
    super(error.message)
    this.name = 'InvalidDocNameError'
    this.code = error.code
  }
}

/** Longest part, in characters. */
export const MAX_DOC_NAME_PART_LENGTH = 64

/** Longest doc name, in characters: three maximal parts and two separators. */
export const MAX_DOC_NAME_LENGTH = 3 * MAX_DOC_NAME_PART_LENGTH + 2

const partPattern = /^[A-Za-z0-9_-]{1,64}$/
const kindsNeedingId: ReadonlySet<DocKind> = new Set(['collection'])

/** True when `s` may be used as one part of a doc name (owner, kind or id): `[A-Za-z0-9_-]{1,64}`. */
export function isIdPart(s: unknown): boolean {
  return typeof s === 'string' && partPattern.test(s)
}

/** True when `s` has the shape of a user id, which is what the owner part of a doc name holds. */
export function isUserId(s: unknown): s is UserId {
  return isIdPart(s)
}

function isDocKind(s: string): s is DocKind {
  return (DOC_KINDS as readonly string[]).includes(s)
}

/**
 * Parses untrusted input (a URL path segment, a link record) into a doc name. Never throws.
 * Only known kinds are accepted; `collection` requires an id and the other kinds take none.
 */
export function parseDocName(input: string): Result<ParsedDocName, DocNameError> {
  if (typeof input !== 'string' || input.length > MAX_DOC_NAME_LENGTH) {
    return err({ code: 'bad_shape', message: `a doc name is a string of at most ${MAX_DOC_NAME_LENGTH} characters` })
  }
  const parts = input.split(':')
  const [owner, kind, id] = parts
  if (owner === undefined || kind === undefined || parts.length > 3) {
    return err({ code: 'bad_shape', message: 'a doc name is <userId>:<kind> or <userId>:<kind>:<id>' })
  }
  if (!parts.every(isIdPart)) {
    return err({ code: 'bad_part', message: 'each part of a doc name must match [A-Za-z0-9_-]{1,64}' })
  }
  if (!isDocKind(kind)) {
    return err({ code: 'unknown_kind', message: `unknown doc kind "${kind}"` })
  }
  const needsId = kindsNeedingId.has(kind)
  if (needsId && id === undefined) {
    return err({ code: 'missing_id', message: `a ${kind} doc name needs an id` })
  }
  if (!needsId && id !== undefined) {
    return err({ code: 'unexpected_id', message: `a ${kind} doc name takes no id` })
  }
  return ok({ name: input as DocName, owner: owner as UserId, kind, id: id ?? null })
}

/** True when `s` is a valid doc name. */
export function isDocName(s: unknown): s is DocName {
  return typeof s === 'string' && parseDocName(s).ok
}

/**
 * Builds a doc name from parts the caller already trusts (ids it generated itself).
 * @throws InvalidDocNameError when the parts do not form a valid name.
 */
export function docName(owner: string, kind: DocKind, id?: string): DocName {
  const result = parseDocName(id === undefined ? `${owner}:${kind}` : `${owner}:${kind}:${id}`)
  if (!result.ok) throw new InvalidDocNameError(result.error)
  return result.value.name
}

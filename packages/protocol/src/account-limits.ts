/**
 * Limits on what people type into account forms. The relay enforces them (its request
 * schemas are built from these) and the demo's forms say them, so the two can never disagree.
 * Lengths are in characters (Unicode code points), as the relay counts them.
 */

/** Shortest accepted new password (sign-up, reset). Sign-in takes any length: a policy change must never lock anyone out. */
export const MIN_PASSWORD_LENGTH = 10
/** Longest accepted password; bounds the hashing work one request can ask for. */
export const MAX_PASSWORD_LENGTH = 1024
/** Longest email address (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254
/** Longest display name (of an account or of a device). */
export const MAX_NAME_LENGTH = 100

/** Length in characters as the relay counts it (code points, not UTF-16 units). */
export function characterCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

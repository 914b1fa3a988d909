/**
 * Random identifiers and bearer secrets. Secrets (confirm/reset links, refresh tokens, OIDC
 * hand-off codes) are 256-bit random and only their SHA-256 reaches the store, so a leaked
 * database cannot be replayed as tokens. User ids are 128-bit random, base64url (22 chars).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { UserId } from '@ferry/protocol'

export interface Secret {
  /** What the user gets (in a mail link or a response): 43 base64url characters. */
  token: string
  /** What the store keeps: SHA-256 of `token`, hex. */
  hash: string
}

/** SHA-256 of a presented token, hex: the key to look it up by. */
export function hashSecret(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function newSecret(): Secret {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashSecret(token) }
}

export function newUserId(): UserId {
  return randomBytes(16).toString('base64url') as UserId
}

/** Random id for a refresh-token family (one sign-in and all its rotations). */
export function newFamilyId(): string {
  return randomBytes(16).toString('base64url')
}

/** Emails compare case-insensitively: stored and looked up trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/**
 * The token part of the lowdb account file — one-time tokens (the links the relay mails) and
 * refresh tokens (one family per session) — and the pure state changes on it, pruning expired
 * ones included. `LowdbAccountStore` runs each change inside its serialized write.
 */
import type { UserId } from '@ferry/protocol'
import type { RefreshToken, RotateOutcome } from '../accounts/sessions.ts'
import type { OneTimeToken, OneTimeTokenKind } from '../accounts/users.ts'
import { own } from './own.ts'

interface StoredRefreshToken extends RefreshToken {
  /** True once rotated: presenting it again is a replay. */
  spent: boolean
}

export interface TokenTables {
  /** Token hash → token. */
  tokens: Record<string, OneTimeToken>
  /** Token hash → refresh token. */
  refreshTokens: Record<string, StoredRefreshToken>
}

/** A refresh family: the user it signs in and its latest expiry. */
export interface LiveFamily {
  readonly userId: UserId
  readonly expiresAt: number
}

export function consumeToken(tables: TokenTables, kind: OneTimeTokenKind, hash: string, now: number): UserId | null {
  const token = own(tables.tokens, hash)
  if (token === undefined || token.kind !== kind) return null
  delete tables.tokens[hash]
  return token.expiresAt > now ? token.userId : null
}

export function deleteTokens(tables: TokenTables, userId: UserId, kind: OneTimeTokenKind): void {
  for (const [hash, token] of Object.entries(tables.tokens)) {
    if (token.userId === userId && token.kind === kind) delete tables.tokens[hash]
  }
}

export function createRefreshToken(tables: TokenTables, token: RefreshToken): void {
  tables.refreshTokens[token.hash] = { ...token, spent: false }
}

export function rotateRefreshToken(tables: TokenTables, hash: string, next: { hash: string; expiresAt: number }, now: number): RotateOutcome {
  const token = own(tables.refreshTokens, hash)
  if (token === undefined || token.expiresAt <= now) return { status: 'invalid' }
  if (token.spent) {
    revokeFamily(tables, token.familyId)
    return { status: 'reused', userId: token.userId }
  }
  token.spent = true
  tables.refreshTokens[next.hash] = { ...next, userId: token.userId, familyId: token.familyId, spent: false }
  return { status: 'rotated', userId: token.userId, familyId: token.familyId }
}

export function revokeRefreshFamily(tables: TokenTables, hash: string): UserId | null {
  const token = own(tables.refreshTokens, hash)
  if (token === undefined) return null
  revokeFamily(tables, token.familyId)
  return token.userId
}

export function revokeAllRefreshTokens(tables: TokenTables, userId: UserId): void {
  for (const [hash, token] of Object.entries(tables.refreshTokens)) {
    if (token.userId === userId) delete tables.refreshTokens[hash]
  }
}

/** Every refresh family, by session id. */
export function liveFamilies(tables: TokenTables): Map<string, LiveFamily> {
  const families = new Map<string, LiveFamily>()
  for (const token of Object.values(tables.refreshTokens)) {
    const known = families.get(token.familyId)
    if (known === undefined || known.expiresAt < token.expiresAt) families.set(token.familyId, { userId: token.userId, expiresAt: token.expiresAt })
  }
  return families
}

/** Drops every expired one-time and refresh token. */
export function prune(tables: TokenTables, now: number): void {
  for (const [hash, token] of Object.entries(tables.tokens)) {
    if (token.expiresAt <= now) delete tables.tokens[hash]
  }
  for (const [hash, token] of Object.entries(tables.refreshTokens)) {
    if (token.expiresAt <= now) delete tables.refreshTokens[hash]
  }
}

/** Ends a session: drops every refresh token of its family. */
export function revokeFamily(tables: TokenTables, familyId: string): void {
  for (const [hash, token] of Object.entries(tables.refreshTokens)) {
    if (token.familyId === familyId) delete tables.refreshTokens[hash]
  }
}

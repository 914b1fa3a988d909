/**
 * Link secrets. A link token is 256 random bits (43 base64url characters); the store keeps
 * only its SHA-256. A resolve hands out a *viewer token*, `<link token>.<pass>`, where the
 * pass is an HMAC of the link id under the link's random `passKey`: it proves the open was
 * already counted, so that viewer's sockets and reconnects are not counted again. Forging a
 * pass needs the `passKey` (in the store only), and using one also needs the link token
 * (never stored), so neither a leaked store nor a leaked URL alone gets past `maxUses`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { LinkId, LinkRecord } from '../storage/accounts/links.ts'
import { hashSecret } from '../auth/secrets.ts'

const PART = /^[A-Za-z0-9_-]{43}$/

export const newLinkId = (): LinkId => randomBytes(16).toString('base64url') as LinkId
export const newPassKey = (): string => randomBytes(32).toString('base64url')

function pass(link: LinkRecord): Buffer {
  return createHmac('sha256', Buffer.from(link.passKey, 'base64url')).update(`ferry/link-pass/v1/${link.id}`).digest()
}

export function viewerToken(token: string, link: LinkRecord): string {
  return `${token}.${pass(link).toString('base64url')}`
}

/** A presented token split into the link token's hash and the pass, if it has the shape of ours. */
export interface PresentedToken {
  readonly hash: string
  readonly pass: string | null
}

/** Null for anything that is not a link or viewer token (e.g. an access token, a JWT). */
export function parseLinkToken(presented: string): PresentedToken | null {
  const [token, passPart, ...rest] = presented.split('.')
  if (token === undefined || !PART.test(token) || rest.length > 0) return null
  if (passPart !== undefined && !PART.test(passPart)) return null
  return { hash: hashSecret(token), pass: passPart ?? null }
}

export function passMatches(link: LinkRecord, presented: string): boolean {
  return timingSafeEqual(pass(link), Buffer.from(presented, 'base64url'))
}

/**
 * Who may open `/v1/sync/<docName>` (and `/v1/mux`, below): decided from the upgrade request
 * alone, before any doc is loaded. An access token grants what `userAccess` says; other token
 * kinds (share links) are answered by resolvers other plugins register.
 */
import { CloseCode, MUX_VERSIONS, parseDocName, userAccess, type Access, type DocName, type ParsedDocName } from '@ferry/protocol'
import type { AccessTokens } from '../auth/access-tokens.ts'

export const SYNC_PATH_PREFIX = '/v1/sync/'

/** Why a socket is refused or closed: a close code and its reason. */
export interface SyncRefusal {
  readonly code: number
  readonly reason: string
}

/** Checks a grant again: null while it still holds, else why not. */
export type GrantCheck = () => Promise<SyncRefusal | null>

/**
 * What a token grants on one doc. `grantId` names the grant so it can be revoked (e.g.
 * `link:<id>`); `refusal` says why `none` (default: 4403, no access to this doc); `recheck`
 * checks it again once the socket joined its room, and after the broadcast was away.
 */
export interface SyncGrant {
  readonly access: Access
  readonly grantId?: string
  readonly refusal?: SyncRefusal
  readonly recheck?: GrantCheck
}

/** Answers for tokens it recognises (null otherwise). */
export type SyncTokenResolver = (token: string, doc: ParsedDocName) => SyncGrant | null | Promise<SyncGrant | null>

export type SyncDecision =
  | {
      readonly ok: true
      readonly doc: DocName
      readonly access: 'read-write' | 'read-only'
      readonly grantId: string | null
      /** The user and session of an access token (null for other grants): ending the session closes the socket. */
      readonly session: { readonly userId: string; readonly sessionId: string } | null
      readonly wantsAck: boolean
      readonly recheck: GrantCheck | null
    }
  | { readonly ok: false; readonly code: number; readonly reason: string }

const refuse = (code: number, reason: string): SyncDecision => ({ ok: false, code, reason })

export async function authorizeSync(
  url: string,
  tokens: AccessTokens,
  resolvers: readonly SyncTokenResolver[],
): Promise<SyncDecision> {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
  let raw: string
  try {
    raw = decodeURIComponent(path.slice(SYNC_PATH_PREFIX.length))
  } catch {
    return refuse(CloseCode.BadDocName, 'bad doc name')
  }
  const parsed = parseDocName(raw)
  if (!parsed.ok) return refuse(CloseCode.BadDocName, parsed.error.message)
  const token = query.get('token')
  if (!token) return refuse(CloseCode.Unauthenticated, 'a token is required')
  let grant: SyncGrant | null = null
  // An access token counts only while its session is live (signed out, reset, revoked: 4401).
  const claims = await tokens.check(token)
  if (claims) grant = { access: userAccess(claims.userId, parsed.value) }
  for (const resolve of resolvers) {
    if (grant) break
    grant = await resolve(token, parsed.value)
  }
  if (!grant) return refuse(CloseCode.Unauthenticated, 'the token is invalid or expired')
  if (grant.access === 'none') return grant.refusal ? refuse(grant.refusal.code, grant.refusal.reason) : refuse(CloseCode.Forbidden, 'this token grants no access to this doc')
  return {
    ok: true,
    doc: parsed.value.name,
    access: grant.access,
    grantId: grant.grantId ?? null,
    session: claims ? { userId: claims.userId, sessionId: claims.sessionId } : null,
    wantsAck: query.get('ack') === '1',
    recheck: grant.recheck ?? null,
  }
}

export type MuxDecision =
  | { readonly ok: true; readonly session: { readonly userId: string; readonly sessionId: string } }
  | { readonly ok: false; readonly code: number; readonly reason: string }

/**
 * Who may open `/v1/mux?v=1&token=…` (docs/PROTOCOL.md): an access token of a live session,
 * checked once; the socket may then open that user's own docs only. Share-link tokens are not
 * accepted (links keep using `/v1/sync`); an unknown `v` is refused naming the versions spoken.
 */
export async function authorizeMux(url: string, tokens: AccessTokens): Promise<MuxDecision> {
  const q = url.indexOf('?')
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
  const version = Number(query.get('v'))
  if (!MUX_VERSIONS.includes(version)) {
    return { ok: false, code: CloseCode.Malformed, reason: `unsupported protocol version; this relay speaks v=${MUX_VERSIONS.join(',')}` }
  }
  const token = query.get('token')
  if (!token) return { ok: false, code: CloseCode.Unauthenticated, reason: 'a token is required' }
  const claims = await tokens.check(token)
  if (!claims) return { ok: false, code: CloseCode.Unauthenticated, reason: 'the token is invalid or expired (share links use /v1/sync)' }
  return { ok: true, session: { userId: claims.userId, sessionId: claims.sessionId } }
}

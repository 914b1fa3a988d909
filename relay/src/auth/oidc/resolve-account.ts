/**
 * Which account an OIDC sign-in opens. An identity already linked opens its account. Otherwise
 * the provider's email decides, and only when the provider says it is verified: it links to
 * an existing account only if that account's email is confirmed too — an unconfirmed account
 * may have been registered by someone else with this address (account pre-hijacking) — and
 * creates a new, confirmed account when nobody has the address yet.
 */
import { err, MAX_NAME_LENGTH, ok, type Result } from '@ferry/protocol'
import type { UserRecord, UserStore } from '../../storage/accounts/users.ts'
import { newUserId, normalizeEmail } from '../secrets.ts'
import type { IdClaims } from './id-token.ts'

/** Reasons sent to the client as `#/oidc?error=<code>`. */
export type OidcRefusal = 'email_missing' | 'email_not_verified' | 'account_not_confirmed' | 'account_conflict'

export async function resolveOidcAccount(store: UserStore, provider: string, claims: IdClaims): Promise<Result<UserRecord, OidcRefusal>> {
  const identity = { provider, subject: claims.subject }
  const linked = await store.findUserByIdentity(identity)
  if (linked) return ok(linked)
  if (claims.email === null) return err('email_missing')
  if (!claims.emailVerified) return err('email_not_verified')

  const email = normalizeEmail(claims.email)
  const existing = await store.findUserByEmail(email)
  if (existing) {
    if (!existing.emailConfirmed) return err('account_not_confirmed')
    const linking = await store.linkIdentity(existing.id, identity)
    return linking.ok ? ok(existing) : err('account_conflict')
  }
  const name = (claims.name ?? email.split('@')[0]!).slice(0, MAX_NAME_LENGTH)
  const created = await store.createUser({ id: newUserId(), email, name, emailConfirmed: true, passwordHash: null, identity, createdAt: Date.now() })
  return created.ok ? ok(created.value) : err('account_conflict')
}

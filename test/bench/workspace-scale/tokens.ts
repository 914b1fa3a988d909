/**
 * Access tokens without signing in (sign-in is not what the benchmark times): a session per
 * account is written into the relay's account store before it first starts (it stays valid
 * across restarts), and tokens for it are signed with the secret both servers were started
 * with — Ferry's relay checks the session on every socket, Hocuspocus checks the signature on
 * every doc. A token is minted fresh on each call, so a long run never meets an expired one.
 */
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import type { UserId } from '@ferry/protocol'
import { hashSecret, newFamilyId } from '../../../relay/src/auth/secrets.ts'
import { LowdbAccountStore } from '../../../relay/src/storage/lowdb/lowdb-account-store.ts'
import { BENCH_JWT_SECRET } from './servers.ts'

export type Tokens = (user: string) => Promise<string>

/** Creates a session per user in `dataDir` (the relay must not be running); answers a token source. */
export async function createSessions(dataDir: string, users: readonly string[]): Promise<Tokens> {
  const store = await LowdbAccountStore.open({ dir: dataDir })
  const sessions = new Map<string, string>()
  try {
    for (const user of users) {
      const familyId = newFamilyId()
      await store.createRefreshToken({ hash: hashSecret(randomBytes(32).toString('base64url')), userId: user as UserId, familyId, expiresAt: Date.now() + 24 * 3600_000 })
      sessions.set(user, familyId)
    }
  } finally {
    await store.close()
  }
  const key = new TextEncoder().encode(BENCH_JWT_SECRET)
  return (user) => {
    const sid = sessions.get(user)
    if (!sid) throw new Error(`no session for ${user}`)
    return new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime('10m').sign(key)
  }
}

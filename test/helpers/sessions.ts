/**
 * Sessions for tests: real sign-ins over HTTP, sync sockets opened with their access tokens,
 * and the checks that a session really ended (its socket closed with 4401 within a second,
 * its access token refused on HTTP and on a new socket).
 */
import { randomBytes, webcrypto } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { CloseCode, type UserId } from '@ferry/protocol'
import { hashSecret, newFamilyId } from '../../relay/src/auth/secrets.ts'
import type { Stores } from '../../relay/src/storage/index.ts'
import { call } from './http.ts'
import { rawClient, syncUrl, type RawClient } from './sync-clients.ts'
import type { TestRelay } from './relay.ts'

export const SESSION_PASSWORD = 'correct horse battery staple'

export interface SignedIn {
  accessToken: string
  refreshToken: string
  userId: UserId
}

/** Signs `email` up (unconfirmed) with `password`. */
export async function signUpEmail(relay: Pick<TestRelay, 'url'>, email: string, password = SESSION_PASSWORD): Promise<void> {
  const answer = await call(relay, 'POST', '/v1/auth/signup', undefined, { email, password, name: email.split('@')[0] })
  expect(answer.status).toBe(201)
}

/** A new sign-in (a new session) of `email`. */
export async function signIn(relay: Pick<TestRelay, 'url'>, email: string, password = SESSION_PASSWORD): Promise<SignedIn> {
  const answer = await call(relay, 'POST', '/v1/auth/login', undefined, { email, password })
  expect(answer.status).toBe(200)
  return { accessToken: answer.body.accessToken, refreshToken: answer.body.refreshToken, userId: answer.body.user.id }
}

/** Opens the user's workspace socket with `token` and waits until the relay greeted it. */
export async function openWorkspace(relay: Pick<TestRelay, 'wsUrl'>, session: { userId: string; accessToken: string }): Promise<RawClient> {
  const client = await rawClient(syncUrl(relay.wsUrl, `${session.userId}:workspace`, session.accessToken))
  await client.next('sync-step1')
  return client
}

/** Resolves with the close code if `client` closes within `ms`, else with 'open'. */
export function closedWithin(client: RawClient, ms: number): Promise<number | 'open'> {
  let timer: NodeJS.Timeout | undefined
  const open = new Promise<'open'>((resolve) => {
    timer = setTimeout(() => resolve('open'), ms)
  })
  return Promise.race([client.closed, open]).finally(() => clearTimeout(timer))
}

/** The socket was closed with 4401 within a second of `since` (performance.now()). */
export async function expectEndedSocket(client: RawClient, since: number): Promise<void> {
  const code = await closedWithin(client, Math.max(0, 1_000 - (performance.now() - since)))
  expect(code).toBe(CloseCode.Unauthenticated)
}

/** The socket is still open (and answering) a while later. */
export async function expectLiveSocket(client: RawClient): Promise<void> {
  expect(await closedWithin(client, 300)).toBe('open')
  client.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
  await client.next('sync-step2')
}

/** `token` is refused on an authenticated route and on a new sync socket. */
export async function expectTokenRefused(relay: Pick<TestRelay, 'url' | 'wsUrl'>, session: { userId: string; accessToken: string }): Promise<void> {
  expect((await call(relay, 'GET', '/v1/me', session.accessToken)).status).toBe(401)
  const socket = await rawClient(syncUrl(relay.wsUrl, `${session.userId}:workspace`, session.accessToken))
  expect(await closedWithin(socket, 2_000)).toBe(CloseCode.Unauthenticated)
}

/** `token` still works on an authenticated route and on a new sync socket. */
export async function expectTokenWorks(relay: Pick<TestRelay, 'url' | 'wsUrl'>, session: { userId: string; accessToken: string }): Promise<void> {
  expect((await call(relay, 'GET', '/v1/me', session.accessToken)).status).toBe(200)
  const socket = await openWorkspace(relay, session)
  socket.close()
}

/** Registers a vault device for `session` (tied to its refresh token, as the client does); answers its id. */
export async function registerDevice(relay: Pick<TestRelay, 'url'>, session: SignedIn, name: string): Promise<string> {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])
  const publicKey = Buffer.from(await webcrypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url')
  const answer = await call(relay, 'POST', '/v1/vault/devices', session.accessToken, { name, publicKey, refreshToken: session.refreshToken })
  expect(answer.status).toBe(201)
  return answer.body.id
}

/** Lets a reset link for `userId` exist without a mail round trip; answers the token. */
export async function resetToken(relay: Pick<TestRelay, 'stores'>, userId: UserId): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await relay.stores.users.putToken({ hash: hashSecret(token), kind: 'reset', userId, expiresAt: Date.now() + 600_000 })
  return token
}

/** A relay app and the session store it checks tokens against. */
type RelayApp = { readonly app: FastifyInstance; readonly stores: Pick<Stores, 'sessions'> }

/** Makes the session `familyId` of `userId` live in `relay`'s account store. */
async function createSession(relay: RelayApp, userId: string, familyId: string): Promise<void> {
  const hash = hashSecret(randomBytes(32).toString('base64url'))
  await relay.stores.sessions.createRefreshToken({ hash, userId: userId as UserId, familyId, expiresAt: Date.now() + 24 * 3600_000 })
}

/**
 * An access token of a real (live) session of `userId` — what the relay issues at sign-in,
 * without the sign-in: for suites about something else. The user need not exist. Relays with
 * separate account stores (given as a list) all get the session.
 */
export async function sessionToken(relays: RelayApp | readonly RelayApp[], userId: string): Promise<string> {
  const all = Array.isArray(relays) ? (relays as readonly RelayApp[]) : [relays as RelayApp]
  const familyId = newFamilyId()
  for (const relay of all) await createSession(relay, userId, familyId)
  return all[0]!.app.accessTokens.issue(userId, familyId)
}

/** Makes the session of `token` (issued by a relay with the same keys) live in `relay`'s own account store too. */
export async function joinSession(relay: RelayApp, token: string): Promise<void> {
  const claims = relay.app.accessTokens.verify(token)
  if (claims === null) throw new Error('not an access token of this relay’s keys')
  await createSession(relay, claims.userId, claims.sessionId)
}

/**
 * Helpers for the collection-link suites: accounts made straight in the relay's store (the
 * sign-up and confirmation flow has its own suite), JSON calls, and owner-side doc writes.
 */
import { randomBytes } from 'node:crypto'
import type { UserId } from '@ferry/protocol'
import type { TestRelay } from './relay.ts'
import { sessionToken } from './sessions.ts'

export interface TestUser {
  id: UserId
  /** A valid access token for the user. */
  token: string
}

export async function createUser(relay: TestRelay, options: { name?: string; confirmed?: boolean } = {}): Promise<TestUser> {
  const id = randomBytes(16).toString('base64url') as UserId
  const created = await relay.stores.users.createUser({
    id,
    email: `${id.toLowerCase()}@example.test`,
    name: options.name ?? 'Owner',
    emailConfirmed: options.confirmed ?? true,
    passwordHash: null,
    createdAt: Date.now(),
  })
  if (!created.ok) throw new Error(created.error)
  return { id, token: await sessionToken(relay, id) }
}

export { call } from './http.ts'

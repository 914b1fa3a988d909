/**
 * Ending a session on one relay ends it on every relay: a socket of that session held by the
 * other relay is closed with 4401 within a second (Redis control channel), and the other relay
 * refuses its access token (the session check reads the shared PostgreSQL store).
 */
import { describe, expect, it } from 'vitest'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import {
  expectEndedSocket,
  expectLiveSocket,
  expectTokenRefused,
  openWorkspace,
  registerDevice,
  resetToken,
  signIn,
  signUpEmail,
  type SignedIn,
} from '../helpers/sessions.ts'

describe.skipIf(skipScaledOut)('sessions across two relays on PostgreSQL and Redis', { timeout: 60_000 }, () => {
  const { relay, relays } = useScaledOut()
  const pair = async (): Promise<[TestRelay, TestRelay]> => {
    while (relays.length < 2) await relay()
    return [relays[0]!, relays[1]!]
  }

  /** Two sessions of one account, each with a socket on relay `b`; the event happens on `a`. */
  async function setUp(label: string) {
    const [a, b] = await pair()
    const email = uniqueEmail(label)
    await signUpEmail(a, email)
    const ended = await signIn(a, email)
    const other = await signIn(a, email)
    return { a, b, ended, other, endedSocket: await openWorkspace(b, ended), otherSocket: await openWorkspace(b, other) }
  }

  const cases: Array<[string, (a: TestRelay, ended: SignedIn, other: SignedIn) => Promise<void>, boolean]> = [
    ['logout', async (a, ended) => void expect((await call(a, 'POST', '/v1/auth/logout', undefined, { refreshToken: ended.refreshToken })).status).toBe(204), false],
    ['password reset', async (a, ended) => {
      const token = await resetToken(a, ended.userId)
      expect((await call(a, 'POST', '/v1/auth/reset', undefined, { token, password: 'a brand new password' })).status).toBe(200)
    }, true],
    ['refresh-token reuse', async (a, ended) => {
      expect((await call(a, 'POST', '/v1/auth/refresh', undefined, { refreshToken: ended.refreshToken })).status).toBe(200)
      expect((await call(a, 'POST', '/v1/auth/refresh', undefined, { refreshToken: ended.refreshToken })).status).toBe(401)
    }, false],
    ['device revoke', async (a, ended, other) => {
      const deviceId = await registerDevice(a, ended, 'Lost phone')
      expect((await call(a, 'DELETE', `/v1/vault/devices/${deviceId}`, other.accessToken)).status).toBe(204)
    }, false],
  ]

  for (const [event, act, endsAll] of cases) {
    it(`${event} on one relay closes the session's socket on the other within a second and the other refuses its token`, async () => {
      const { a, b, ended, other, endedSocket, otherSocket } = await setUp(event.replace(/\W/g, ''))
      const since = performance.now()
      await act(a, ended, other)
      await expectEndedSocket(endedSocket, since)
      await expectTokenRefused(b, ended)
      if (endsAll) {
        await expectEndedSocket(otherSocket, since)
        await expectTokenRefused(b, other)
      } else {
        await expectLiveSocket(otherSocket)
        otherSocket.close()
      }
    })
  }
})

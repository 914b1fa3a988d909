/**
 * A session that ends is over everywhere at once: signing out, a password reset, a replayed
 * refresh token and revoking a device each close that session's open sync sockets with 4401
 * within a second, and its access token is refused from then on (HTTP and new sockets) —
 * not 15 minutes later when it expires. Other sessions of the account live on, except after a
 * reset, which ends them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import {
  expectEndedSocket,
  expectLiveSocket,
  expectTokenRefused,
  expectTokenWorks,
  openWorkspace,
  registerDevice,
  resetToken,
  signIn,
  signUpEmail,
} from '../helpers/sessions.ts'

let relay: TestRelay
beforeAll(async () => {
  relay = await startRelay({ AUTH_ATTEMPTS_PER_WINDOW: '1000', TOKEN_CALLS_PER_MINUTE_PER_IP: '1000' })
})
afterAll(async () => {
  await relay?.close(true)
})

async function twoSessions(label: string) {
  const email = uniqueEmail(label)
  await signUpEmail(relay, email)
  const ended = await signIn(relay, email)
  const other = await signIn(relay, email)
  return { email, ended, other, endedSocket: await openWorkspace(relay, ended), otherSocket: await openWorkspace(relay, other) }
}

describe('ending a session', () => {
  it('signing out closes that session’s sockets and refuses its token; the other session lives on', async () => {
    const { ended, other, endedSocket, otherSocket } = await twoSessions('logout')
    const since = performance.now()
    expect((await call(relay, 'POST', '/v1/auth/logout', undefined, { refreshToken: ended.refreshToken })).status).toBe(204)
    await expectEndedSocket(endedSocket, since)
    await expectTokenRefused(relay, ended)
    await expectLiveSocket(otherSocket)
    await expectTokenWorks(relay, other)
    otherSocket.close()
  })

  it('a password reset closes the sockets of every session and refuses every token issued before it', async () => {
    const { email, ended, other, endedSocket, otherSocket } = await twoSessions('reset')
    const token = await resetToken(relay, ended.userId)
    const since = performance.now()
    expect((await call(relay, 'POST', '/v1/auth/reset', undefined, { token, password: 'a brand new password' })).status).toBe(200)
    await expectEndedSocket(endedSocket, since)
    await expectEndedSocket(otherSocket, since)
    await expectTokenRefused(relay, ended)
    await expectTokenRefused(relay, other)
    // A sign-in after the reset is a new session, and works.
    await expectTokenWorks(relay, await signIn(relay, email, 'a brand new password'))
  })

  it('a replayed refresh token ends its session (sockets and tokens of every rotation); the other session lives on', async () => {
    const { ended, other, endedSocket, otherSocket } = await twoSessions('reuse')
    const rotated = await call(relay, 'POST', '/v1/auth/refresh', undefined, { refreshToken: ended.refreshToken })
    expect(rotated.status).toBe(200)
    const rotatedSession = { userId: ended.userId, accessToken: rotated.body.accessToken as string }
    const rotatedSocket = await openWorkspace(relay, rotatedSession)
    const since = performance.now()
    expect((await call(relay, 'POST', '/v1/auth/refresh', undefined, { refreshToken: ended.refreshToken })).status).toBe(401)
    await expectEndedSocket(endedSocket, since)
    await expectEndedSocket(rotatedSocket, since)
    await expectTokenRefused(relay, ended)
    await expectTokenRefused(relay, rotatedSession)
    await expectLiveSocket(otherSocket)
    await expectTokenWorks(relay, other)
    otherSocket.close()
  })

  it('revoking a device ends the session it registered from; the revoking device’s session lives on', async () => {
    const { ended, other, endedSocket, otherSocket } = await twoSessions('device')
    const deviceId = await registerDevice(relay, ended, 'Stolen laptop')
    const since = performance.now()
    expect((await call(relay, 'DELETE', `/v1/vault/devices/${deviceId}`, other.accessToken)).status).toBe(204)
    await expectEndedSocket(endedSocket, since)
    await expectTokenRefused(relay, ended)
    expect((await call(relay, 'POST', '/v1/auth/refresh', undefined, { refreshToken: ended.refreshToken })).status).toBe(401)
    await expectLiveSocket(otherSocket)
    await expectTokenWorks(relay, other)
    otherSocket.close()
  })

  it('refuses an access token without a session id (issued before sessions were checked)', async () => {
    const email = uniqueEmail('legacy')
    await signUpEmail(relay, email)
    const { userId } = await signIn(relay, email)
    const legacy = relay.app.jwt.sign({ sub: userId })
    await expectTokenRefused(relay, { userId, accessToken: legacy })
  })
})

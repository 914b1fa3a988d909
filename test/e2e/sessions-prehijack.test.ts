/**
 * The account pre-hijack, end to end: someone signs up with your address before you do (sign-in
 * works before confirmation), keeps a Ferry client and a raw socket open on the workspace, and
 * waits. You recover the account by mail and set your own password. From that moment the
 * intruder's sockets are closed (4401), its client tries one refresh, is refused and shows
 * `signed out`, its access token works nowhere, and what it writes afterwards never reaches you.
 */
import { afterAll, expect, it, vi } from 'vitest'
import { CloseCode } from '@ferry/protocol'
import { describeStatus, type FerryClient } from '../../packages/client/src/index.ts'
import { inSync, openClient } from '../helpers/client-app.ts'
import { createDevice, uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { useMailingRelay } from '../helpers/mailing-relay.ts'
import { closedWithin, expectTokenRefused, openWorkspace, signIn, signUpEmail } from '../helpers/sessions.ts'
import { tokenFromLink } from '../helpers/smtp.ts'

const suite = useMailingRelay()
const clients: FerryClient[] = []

afterAll(async () => {
  for (const client of clients.splice(0)) await client.close()
})

it('a password reset by the address’s owner ends the intruder’s sessions at once', { timeout: 60_000 }, async () => {
  const email = uniqueEmail('victim')
  const intruderPassword = 'the intruder typed this'
  await signUpEmail(suite.relay, email, intruderPassword)
  await suite.smtp.waitForMail(email) // the confirmation nobody follows

  const intruder = await openClient(suite.relay, createDevice('intruder'))
  clients.push(intruder)
  const { id: userId } = await intruder.signIn(email, intruderPassword)
  const planted = await intruder.workspace.createCollection('Planted')
  await inSync(intruder)
  const raw = await signIn(suite.relay, email, intruderPassword)
  const rawSocket = await openWorkspace(suite.relay, raw)

  // The owner recovers the address and sets a password.
  expect((await call(suite.relay, 'POST', '/v1/auth/recover', undefined, { email })).status).toBe(202)
  const mail = await suite.smtp.waitForMail(email)
  const link = mail.links.find((l) => l.includes('#/reset?token='))!
  const since = performance.now()
  expect((await call(suite.relay, 'POST', '/v1/auth/reset', undefined, { token: tokenFromLink(link), password: 'the owner’s own password' })).status).toBe(200)

  expect(await closedWithin(rawSocket, Math.max(0, 1_000 - (performance.now() - since)))).toBe(CloseCode.Unauthenticated)
  await expectTokenRefused(suite.relay, raw)
  expect((await call(suite.relay, 'POST', '/v1/auth/refresh', undefined, { refreshToken: raw.refreshToken })).status).toBe(401)
  // The intruder's client was closed with 4401, refreshed once, was refused: signed out.
  await vi.waitFor(() => expect(describeStatus(intruder.status)).toBe('signed out'), { timeout: 2_000 })
  expect(intruder.accounts.active()?.state).toBe('signed-out')

  // Whatever it writes now stays on its own device.
  const onIntruder = await intruder.workspace.collection(planted)
  onIntruder.add({ kind: 'request', name: 'written after the reset' })
  const owner = await openClient(suite.relay, createDevice('owner'))
  clients.push(owner)
  expect((await owner.signIn(email, 'the owner’s own password')).id).toBe(userId)
  await inSync(owner)
  const seen = await owner.workspace.collection(planted)
  await new Promise((resolve) => setTimeout(resolve, 500))
  expect(seen.tree().map((n) => n.name)).not.toContain('written after the reset')
})

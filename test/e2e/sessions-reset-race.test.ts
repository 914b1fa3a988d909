/**
 * A sign-in in flight while the owner resets the password: the intruder (who knows the old
 * password, e.g. the pre-hijacker) keeps logins going; one that checked the old password before
 * the reset stored the new one used to create its session after the reset had ended "every
 * session", and survived it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { resetToken, signIn, signUpEmail } from '../helpers/sessions.ts'

let relay: TestRelay
beforeAll(async () => {
  relay = await startRelay({ AUTH_ATTEMPTS_PER_WINDOW: '1000' })
})
afterAll(async () => {
  await relay?.close(true)
})

it('no session signed in with the old password outlives a password reset', { timeout: 60_000 }, async () => {
  const email = uniqueEmail('victim')
  const intruderPassword = 'the intruder typed this'
  await signUpEmail(relay, email, intruderPassword)
  const { userId } = await signIn(relay, email, intruderPassword)
  const token = await resetToken(relay, userId)

  // The owner resets; the intruder keeps logins going with the old password meanwhile
  // (staggered so one of them starts while the reset hashes the new password).
  const reset = call(relay, 'POST', '/v1/auth/reset', undefined, { token, password: 'the owner’s own password' })
  const logins = [0, 20, 40, 60, 80, 120, 160].map(async (delay) => {
    await new Promise((r) => setTimeout(r, delay))
    return call(relay, 'POST', '/v1/auth/login', undefined, { email, password: intruderPassword })
  })
  expect((await reset).status).toBe(200)
  const survivors: number[] = []
  for (const [i, login] of logins.entries()) {
    const answer = await login
    if (answer.status !== 200) continue
    // A login answered after the reset: its session must be dead like every other.
    const me = await call(relay, 'GET', '/v1/me', answer.body.accessToken)
    if (me.status === 200) survivors.push(i)
  }
  expect(survivors).toEqual([])
})

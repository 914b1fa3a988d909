/**
 * What a real relay answers to bad sign-up and reset input, read as the demo reads it: the
 * sentence names the rule (the limits of @ferry/protocol, the ones the relay enforces) and
 * never carries the validator's text.
 */
import { MIN_PASSWORD_LENGTH } from '@ferry/protocol'
import { RelayApi } from '@ferry/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeError } from '../../demo/src/ui/form.ts'
import { passwordProblem } from '../../demo/src/lib/password-rule.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'

let relay: TestRelay
let api: RelayApi

beforeAll(async () => {
  relay = await startRelay({ AUTH_ATTEMPTS_PER_WINDOW: '1000' })
  api = new RelayApi({ baseUrl: relay.url })
})
afterAll(async () => {
  await relay?.close(true)
})

const shown = (attempt: Promise<unknown>) => attempt.then(() => 'accepted', (error: unknown) => describeError(error))
const justTooShort = 'x'.repeat(MIN_PASSWORD_LENGTH - 1)

describe('relay answers to bad account input, as the demo shows them', () => {
  it('names the password rule the relay applies, and the form applies the same one', async () => {
    expect(await shown(api.signup({ email: 'a@example.com', password: justTooShort }))).toBe(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    expect(await shown(api.reset('some-token', justTooShort))).toBe(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    expect(passwordProblem(justTooShort)).toBe(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    // Exactly the minimum passes both (the reset then fails only on its made-up token).
    const enough = 'x'.repeat(MIN_PASSWORD_LENGTH)
    expect(passwordProblem(enough)).toBeNull()
    expect(await shown(api.signup({ email: 'b@example.com', password: enough }))).toBe('accepted')
    expect(await shown(api.reset('some-token', enough))).toBe('This link is invalid, has expired or was already used. Ask for a new one.')
  })

  it('counts characters as the relay does (an emoji is one)', async () => {
    const emoji = '🔑'.repeat(MIN_PASSWORD_LENGTH - 1)
    expect(emoji.length).toBeGreaterThan(MIN_PASSWORD_LENGTH)
    expect(passwordProblem(emoji)).not.toBeNull()
    expect(await shown(api.signup({ email: 'c@example.com', password: emoji }))).toBe(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
  })

  it('explains a bad email and a bad name', async () => {
    expect(await shown(api.signup({ email: 'me@localhost', password: 'long enough pw' }))).toBe('Enter a valid email address, like name@example.com.')
    expect(await shown(api.signup({ email: 'd@example.com', password: 'long enough pw', name: 'two\nlines' }))).toBe('Use a name of 1 to 100 characters, on one line.')
    expect(await shown(api.signup({ email: 'd@example.com', password: 'long enough pw', name: 'n'.repeat(101) }))).toBe('Use a name of 1 to 100 characters, on one line.')
  })

  it('reads a wrong password as such', async () => {
    expect(await shown(api.login('nobody@example.com', 'whatever pw'))).toBe('That email and password do not match an account.')
  })
})

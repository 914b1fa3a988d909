/**
 * Attacks on the Ferry agent beyond send-agent.test.ts: pages without an origin of their own
 * ("null": sandboxed frames, files), a foreign site posting a huge pairing call, and many
 * pairing guesses at once (each judged against one code, never more than the allowed few).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_WRONG_CODES } from '@ferry/agent'
import { startAgent, type TestAgent } from '../helpers/agent.ts'
import { call } from '../helpers/send-calls.ts'

describe('attacks on the Ferry agent', () => {
  let started: TestAgent
  let agent: string
  let codes: string[]

  beforeAll(async () => {
    started = await startAgent(1024 * 1024)
    agent = started.url
    codes = started.codes
  })
  afterAll(() => started.close())

  const pair = (code: string, origin: string) => call(`${agent}/v1/pair`, { body: { code }, headers: { origin } })

  it('does not pair a page whose origin is "null" (a sandboxed frame on any site), even with the right code', async () => {
    const code = codes.at(-1)!
    const opaque = await pair(code, 'null')
    expect(opaque.status).toBe(403)
    expect(opaque.headers['access-control-allow-origin']).toBeUndefined()
    expect(JSON.parse(opaque.body.toString()).error.code).toBe('opaque_origin')
    // The code was not used up: the real page still pairs with it.
    expect((await pair(code, 'https://ferry.example')).status).toBe(200)
  })

  it('refuses a huge pairing call from any site without holding it in memory', async () => {
    const huge = await pair('X'.repeat(8 * 1024 * 1024), 'https://evil.example')
    expect(huge.status).toBe(413)
  })

  it('judges parallel guesses one at a time: never more than the allowed few against one code', async () => {
    const before = codes.length
    const guesses = 10 * MAX_WRONG_CODES
    const answers = await Promise.all(Array.from({ length: guesses }, (_, i) => pair(`WRONG-${i}`, 'https://guesser.example')))
    expect(answers.every((a) => a.status === 403 && !a.body.toString().includes('token'))).toBe(true)
    expect(codes.length - before).toBe(guesses / MAX_WRONG_CODES)
  })
})

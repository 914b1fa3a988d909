/**
 * Work no caller awaits reports its failures instead of dropping them: a timed token refresh
 * that the relay answers with a server error reaches `FerryClient.onError`, while an offline
 * refresh (retried on the next use) does not.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import type { BackgroundError, FerryClient } from '../../packages/client/src/index.ts'
import { openClient, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'

let relay: TestRelay
let client: FerryClient | undefined

beforeEach(async () => {
  relay = await startRelay({ ACCESS_TOKEN_TTL_SECONDS: '10' })
})
afterEach(async () => {
  await client?.close()
  await relay.close(true)
})

/** fetch that answers refreshes with `refresh()`'s response and passes everything else on. */
function failingRefresh(refresh: () => Promise<Response>): typeof fetch {
  return (input, init) => (String(input).endsWith('/v1/auth/refresh') ? refresh() : fetch(input, init))
}

it('a timed refresh the relay fails is reported as a background error', { timeout: 60_000 }, async () => {
  const email = await signUp(relay, 'bea')
  const serverError = () => Promise.resolve(new Response(JSON.stringify({ error: { code: 'internal', message: 'disk full' } }), { status: 500 }))
  client = await openClient(relay, createDevice('laptop'), { fetch: failingRefresh(serverError) })
  const heard: BackgroundError[] = []
  client.onError((error) => heard.push(error))
  await client.signIn(email, PASSWORD)
  await vi.waitFor(() => expect(heard).toHaveLength(1), { timeout: 20_000, interval: 200 })
  expect(heard[0]!.during).toBe('refreshing the session')
  expect(String(heard[0]!.error)).toMatch(/disk full|500/)
})

it('a timed refresh that finds the relay unreachable is not an error (the next use retries)', { timeout: 60_000 }, async () => {
  const email = await signUp(relay, 'cy')
  let refreshes = 0
  const unreachable = () => {
    refreshes++
    return Promise.reject(new TypeError('fetch failed'))
  }
  client = await openClient(relay, createDevice('laptop'), { fetch: failingRefresh(unreachable) })
  const heard: BackgroundError[] = []
  client.onError((error) => heard.push(error))
  await client.signIn(email, PASSWORD)
  await vi.waitFor(() => expect(refreshes).toBeGreaterThan(0), { timeout: 20_000, interval: 200 })
  expect(heard).toEqual([])
})

/**
 * Access tokens live 10 s here (the relay's minimum). A live session outlives several of them:
 * the client rotates before expiry, the open socket keeps carrying updates, and a reconnect
 * after the first token expired uses the fresh one — no update is lost on the way.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { describeStatus, type FerryClient } from '../../packages/client/src/index.ts'
import { inSync, openClient, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stopRelay } from '../helpers/restart-relay.ts'

const env = { ACCESS_TOKEN_TTL_SECONDS: '10' }
let relay: TestRelay
const clients: FerryClient[] = []

beforeEach(async () => {
  relay = await startRelay(env)
})
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close()
  await relay.close(true)
})


it('a token expiring during a live session is refreshed without losing an update', { timeout: 120_000 }, async () => {
  const email = await signUp(relay, 'ivy')
  const laptop = await openClient(relay, createDevice('laptop'))
  clients.push(laptop)
  const { id: userId } = await laptop.signIn(email, PASSWORD)
  const collectionId = await laptop.workspace.createCollection('Live')
  const collection = await laptop.workspace.collection(collectionId)
  collection.add({ kind: 'request', name: 'before expiry' })
  await inSync(laptop)
  const firstToken = (await laptop.accounts.store.account(userId))!.accessToken!

  // Wait (bounded) until the relay itself no longer accepts the first token and the client
  // has rotated on its own (it does so ~2 s before expiry; under load it may land later).
  await vi.waitFor(() => expect(relay.app.accessTokens.verify(firstToken)).toBeNull(), { timeout: 20_000, interval: 250 })
  await vi.waitFor(async () => expect((await laptop.accounts.store.account(userId))!.accessToken).not.toBe(firstToken), { timeout: 10_000 })
  const rotated = (await laptop.accounts.store.account(userId))!.accessToken!
  expect(relay.app.accessTokens.verify(rotated)).toMatchObject({ userId })

  collection.add({ kind: 'request', name: 'after expiry, same socket' })
  await inSync(laptop)
  const start = await stopRelay(relay, env)
  await vi.waitFor(() => expect(describeStatus(laptop.status)).toBe('offline'), { timeout: 5_000 })
  collection.add({ kind: 'request', name: 'while reconnecting' })
  relay = await start()
  await inSync(laptop)

  const phone = await openClient(relay, createDevice('phone'))
  clients.push(phone)
  await phone.signIn(email, PASSWORD)
  await vi.waitFor(
    async () =>
      expect((await phone.workspace.collection(collectionId)).tree().map((n) => n.name).sort()).toEqual([
        'after expiry, same socket',
        'before expiry',
        'while reconnecting',
      ]),
    { timeout: 15_000 },
  )
})

/**
 * A follower tab shows the leader tab's status, and the two tabs' messages cross: a change made
 * in the follower just as the leader posts `in sync` (for what it held before) reaches the
 * leader after that status reaches the follower. The follower must not take that `in sync` as
 * covering its change: until the relay stored it, the follower says `syncing`. Fails when the
 * follower takes any `in sync` the leader posts (it did: one to two of the raced changes were
 * claimed in sync before the relay held them, in most runs).
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { describeStatus } from '../../packages/client/src/index.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice } from '../helpers/client-devices.ts'

// A group commit of 50 ms: a change is stored well after the relay got it, so a claim made too early shows.
const suite = useClientRelay({ GROUP_COMMIT_MS: '50' })

describe('a follower tab’s status', { timeout: 60_000 }, () => {
  it('is not `in sync` before the relay stored the follower’s change', async () => {
    const email = await signUp(suite.relay, 'tabs')
    const laptop = createDevice('laptop')
    const leader = await suite.open(laptop, { tabScope: laptop.name })
    await leader.signIn(email, PASSWORD)
    const id = await leader.workspace.createCollection('Tabs')
    await inSync(leader)
    const follower = await suite.open(laptop, { tabScope: laptop.name })
    await vi.waitFor(() => expect(follower.workspace.owner).toBe(leader.workspace.owner), 10_000)
    await inSync(follower)
    const name = follower.workspace.docName('collection', id)
    const doc = await follower.workspace.doc('collection', id)
    const inFollower = await follower.workspace.collection(id)
    const inLeader = await leader.workspace.collection(id)

    // Each claim of the follower: what its doc held then must be stored when the store is read after it.
    const claims: Promise<boolean>[] = []
    const claim = (): void => {
      const held = Y.decodeStateVector(Y.encodeStateVector(doc))
      claims.push(suite.relay.stores.docs.load(name).then((stored) => {
        const relayDoc = new Y.Doc()
        applyUpdates(relayDoc, storedUpdates(stored))
        const has = Y.decodeStateVector(Y.encodeStateVector(relayDoc))
        return [...held].every(([client, clock]) => (has.get(client) ?? 0) >= clock)
      }))
    }
    follower.workspace.onStatus((status) => status.kind === 'in-sync' && claim())
    // The follower changes the collection the moment the leader has posted `in sync` for its own change.
    let raced = 0
    leader.workspace.onStatus((status) => {
      if (status.kind === 'in-sync' && raced < 5) inFollower.add({ kind: 'request', name: `from the follower ${++raced}` })
    })
    for (let i = 0; i < 5; i++) {
      inLeader.add({ kind: 'request', name: `from the leader ${i}` })
      await inSync(leader)
      await inSync(follower)
    }
    expect(raced).toBe(5)
    expect(await Promise.all(claims)).not.toContain(false)
    expect(describeStatus(follower.status)).toBe('in sync')
  })
})

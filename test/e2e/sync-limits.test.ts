/**
 * Misbehaving sockets are closed alone: text frames and malformed frames (4400), oversize
 * messages (1009, before the relay buffers them), another client's awareness (dropped); the
 * room and its other clients carry on. Awareness is cleared when its socket leaves, and an
 * idle room is unloaded after its last client left.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@ferry/protocol'
import { encodeAwareness } from '../../relay/src/sync/awareness-states.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, syncUrl, type RawClient } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const DOC = 'alice:workspace'

describe('sync limits and misbehaviour', () => {
  let relay: TestRelay
  let token: string
  const clients: RawClient[] = []

  beforeEach(async () => {
    relay = await startRelay({
      MAX_MESSAGE_BYTES: '65536',
      MAX_OWNER_MESSAGE_BYTES: String(256 * 1024),
      MAX_AWARENESS_BYTES: '1024',
      ROOM_IDLE_MS: '0',
    })
    token = await sessionToken(relay, 'alice')
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await relay.close(true)
  })

  const join = async (ack = false): Promise<RawClient> => {
    const client = await rawClient(syncUrl(relay.wsUrl, DOC, token, ack))
    clients.push(client)
    await client.next('sync-step1')
    return client
  }

  /** A healthy peer still gets live updates after the misbehaving socket was closed. */
  const expectRoomAlive = async (peer: RawClient) => {
    const doc = new Y.Doc()
    doc.getMap('m').set('still', 'alive')
    const writer = await join(true)
    writer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
    await writer.next('persisted')
    const { update } = await peer.next('sync-update')
    const copy = new Y.Doc()
    Y.applyUpdate(copy, update)
    expect(copy.getMap('m').get('still')).toBe('alive')
  }

  it('closes a socket that sends a text frame with 4400', async () => {
    const peer = await join()
    const bad = await join()
    bad.send('hello')
    expect(await bad.closed).toBe(CloseCode.Malformed)
    await expectRoomAlive(peer)
  })

  it('closes a socket that sends an update that does not decode, leaving the doc unchanged', async () => {
    const peer = await join()
    const bad = await join()
    bad.send({ type: 'sync-update', update: new Uint8Array([1, 1, 200, 5, 0, 9, 9, 9]) })
    expect(await bad.closed).toBe(CloseCode.Malformed)
    expect(peer.messages.filter((m) => m.type === 'sync-update')).toEqual([])
    await expectRoomAlive(peer)
  })

  it("closes an owner's socket whose message exceeds MAX_OWNER_MESSAGE_BYTES with 1009", async () => {
    const peer = await join()
    const fits = await join()
    fits.send(new Uint8Array(200_000))
    expect(await fits.closed).toBe(CloseCode.Malformed) // read in full (then found malformed), not cut off
    const bad = await join()
    bad.send(new Uint8Array(270_000))
    expect(await bad.closed).toBe(CloseCode.TooLarge)
    await expectRoomAlive(peer)
  })

  it("closes a read-only viewer's socket whose message exceeds MAX_MESSAGE_BYTES with 1009", async () => {
    relay.app.sync.addTokenResolver((t, doc) => (t === 'link-token' && doc.name === DOC ? { access: 'read-only', grantId: 'link:1' } : null))
    const peer = await join()
    const viewer = await rawClient(syncUrl(relay.wsUrl, DOC, 'link-token'))
    clients.push(viewer)
    viewer.send(new Uint8Array(70_000))
    expect(await viewer.closed).toBe(CloseCode.TooLarge)
    await expectRoomAlive(peer)
  })

  it('drops awareness for a client id another socket owns, and refuses oversize awareness', async () => {
    const owner = await join()
    const thief = await join()
    const big = await join()
    owner.send({ type: 'awareness', update: encodeAwareness([{ clientId: 7, clock: 1, state: '{"user":"alice"}' }]) })
    await thief.next('awareness')
    thief.send({ type: 'awareness', update: encodeAwareness([{ clientId: 7, clock: 2, state: '{"user":"mallory"}' }]) })
    big.send({ type: 'awareness', update: encodeAwareness([{ clientId: 8, clock: 1, state: JSON.stringify({ x: 'y'.repeat(2000) }) }]) })
    expect(await big.closed).toBe(CloseCode.TooLarge)
    const late = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    clients.push(late)
    const { update } = await late.next('awareness')
    expect(Buffer.from(update).toString()).toContain('alice')
    expect(Buffer.from(update).toString()).not.toContain('mallory')
    expect(owner.messages.some((m) => m.type === 'awareness' && Buffer.from(m.update).toString().includes('mallory'))).toBe(false)
  })

  it("clears a socket's awareness when it leaves", async () => {
    const leaving = await join()
    const staying = await join()
    leaving.send({ type: 'awareness', update: encodeAwareness([{ clientId: 42, clock: 3, state: '{"cursor":1}' }]) })
    await staying.next('awareness')
    leaving.close()
    const { update } = await staying.next('awareness')
    expect([...update]).toEqual([...encodeAwareness([{ clientId: 42, clock: 4, state: 'null' }])])
  })

  it('unloads a room once its last client left and everything is stored', async () => {
    const client = await join(true)
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 'v')
    client.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
    await client.next('persisted')
    expect(relay.app.sync.loadedRooms).toBe(1)
    client.close()
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 5_000)
    const again = await join()
    again.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const { update } = await again.next('sync-step2')
    const loaded = new Y.Doc()
    Y.applyUpdate(loaded, update)
    expect(loaded.getMap('m').get('k')).toBe('v')
  })
})

describe('sync connection rate', () => {
  it('closes connections past CONNECTIONS_PER_MINUTE_PER_IP with 4529, loading nothing', async () => {
    const relay = await startRelay({ CONNECTIONS_PER_MINUTE_PER_IP: '3' })
    const token = await sessionToken(relay, 'alice')
    const clients = [] as RawClient[]
    for (let i = 0; i < 3; i++) {
      const client = await rawClient(syncUrl(relay.wsUrl, DOC, token))
      await client.next('sync-step1')
      clients.push(client)
    }
    const refused = await rawClient(syncUrl(relay.wsUrl, 'alice:history', token))
    expect(await refused.closed).toBe(CloseCode.RateLimited)
    expect(relay.app.sync.loadedRooms).toBe(1)
    for (const client of clients) client.close()
    await relay.close(true)
  })
})

describe('a client that stops reading', () => {
  it('is dropped once its send buffer passes MAX_SEND_BUFFER_BYTES; the others keep syncing', async () => {
    const relay = await startRelay({ MAX_SEND_BUFFER_BYTES: String(2 * 1024 * 1024) })
    const token = await sessionToken(relay, 'alice')
    const slow = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    const peer = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    const writer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
    await Promise.all([slow.next('sync-step1'), peer.next('sync-step1'), writer.next('sync-step1')])
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    socket.pause()
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => writer.send({ type: 'sync-update', update }))
    for (let i = 0; i < 24; i++) doc.getMap('big').set(`k${i}`, 'x'.repeat(500_000))
    await vi.waitFor(() => expect(peer.messages.filter((m) => m.type === 'sync-update')).toHaveLength(24), 20_000)
    socket.resume()
    // The relay closed it with 4508, or cut it off when the close handshake could not get through.
    expect([CloseCode.SlowConsumer, 1006]).toContain(await slow.closed)
    expect(peer.ws.readyState).toBe(peer.ws.OPEN)
    for (const c of [peer, writer]) c.close()
    await relay.close(true)
  }, 60_000)
})

describe('a device receiving a document larger than MAX_SEND_BUFFER_BYTES', () => {
  it('is not dropped as a slow reader while that one large frame drains and others keep editing', async () => {
    const relay = await startRelay({ MAX_SEND_BUFFER_BYTES: String(1024 * 1024) })
    const token = await sessionToken(relay, 'alice')
    const writer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
    await writer.next('sync-step1')
    const big = new Y.Doc()
    big.getText('body').insert(0, 'b'.repeat(24 * 1024 * 1024))
    writer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(big) })
    await writer.next('persisted', 20_000)

    // A phone on a slow link: it reads nothing for a while after asking for the whole doc.
    const phone = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    await phone.next('sync-step1')
    const socket = (phone.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    socket.pause()
    phone.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const edit = new Y.Doc()
    edit.getMap('m').set('typed', 'meanwhile')
    for (let i = 0; i < 3; i++) {
      writer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(edit) })
      await writer.next('persisted')
    }
    socket.resume()
    const { update } = await phone.next('sync-step2', 20_000)
    await phone.next('sync-update', 5_000)
    expect(update.length).toBeGreaterThan(24 * 1024 * 1024)
    expect(phone.ws.readyState).toBe(phone.ws.OPEN)
    phone.close()
    writer.close()
    await relay.close(true)
  }, 60_000)
})

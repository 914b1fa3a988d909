/**
 * The client's one socket per account (issue 14) against a real relay: every doc of an account
 * on one `/v1/mux` socket, an honest status on a new device, a deleted doc closed without
 * disturbing the others, a refused doc, the fallback to per-doc sockets when the relay has no
 * `/v1/mux`, and reconnects that honour `retry-after` with jitter.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { WebSocketServer } from 'ws'
import * as Y from 'yjs'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { describeStatus, type FerryClient, type WebSocketFactory } from '../../packages/client/src/index.ts'
import { AccountSync } from '../../packages/client/src/sync/account-sync.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = useClientRelay()

/** Connection attempts a device made, by path, with when. */
function counting(device: Device): { device: Device; attempts: { path: string; at: number }[] } {
  const attempts: { path: string; at: number }[] = []
  const createSocket: WebSocketFactory = (url) => {
    attempts.push({ path: new URL(url).pathname, at: Date.now() })
    return device.createSocket(url)
  }
  return { device: { ...device, createSocket }, attempts }
}

/** A server that answers every WebSocket upgrade as a relay of an older version answers `/v1/mux`: HTTP 404. */
async function withoutMux(): Promise<Server> {
  const server = createServer()
  server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

/** A server that upgrades every socket only to close it with 4529 and a `retry-after`, as a busy relay does. */
async function busy(seconds: number): Promise<Server> {
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.close(4529, `too many connections; retry-after=${seconds}`)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

/** `createSocket` that sends `/v1/mux` upgrades to `server` while `divert()` says so, everything else to the relay. */
function diverting(device: Device, server: Server, divert: () => boolean): WebSocketFactory {
  const port = (server.address() as AddressInfo).port
  return (url) => {
    const parsed = new URL(url)
    if (parsed.pathname === '/v1/mux' && divert()) parsed.port = String(port)
    return device.createSocket(parsed.toString())
  }
}

async function fill(client: FerryClient, collections: number, requests: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < collections; i++) {
    const id = await client.workspace.createCollection(`Collection ${i}`)
    const collection = await client.workspace.collection(id)
    for (let r = 0; r < requests; r++) collection.add({ kind: 'request', name: `r${r}`, url: `https://api.test/${i}/${r}` })
    ids.push(id)
  }
  return ids
}

describe('one socket per account against a real relay', { timeout: 120_000 }, () => {
  it('carries 50 collections, the index, environments and history on one socket', async () => {
    const email = await signUp(suite.relay, 'alice')
    const laptop = counting(createDevice('laptop'))
    const app = await suite.open(laptop.device)
    const { id } = await app.signIn(email, PASSWORD)
    await fill(app, 50, 1)
    await inSync(app)
    expect(app.workspace.heldDocs()).toHaveLength(53)
    expect(suite.relay.app.sync.openSockets).toBe(1)
    expect(laptop.device.openSockets()).toEqual([`/v1/mux#${id}`])
    expect(laptop.attempts.map((a) => a.path)).toEqual(['/v1/mux'])

    // A reload opens the 53 docs it holds on one socket again.
    await suite.close(app)
    await vi.waitFor(() => expect(suite.relay.app.sync.openSockets).toBe(0))
    const again = await suite.open(laptop.device)
    await inSync(again)
    expect(suite.relay.app.sync.openSockets).toBe(1)
  })

  it('says a new device is syncing N of 103 until all 100 collections are here, then in sync', async () => {
    const email = await signUp(suite.relay, 'bob')
    const laptop = await suite.open(createDevice('laptop'))
    await laptop.signIn(email, PASSWORD)
    const ids = await fill(laptop, 100, 2)
    await inSync(laptop)

    const phone = await suite.open(createDevice('phone'))
    const labels: string[] = []
    let atInSync: Promise<{ loaded: number; requests: number[] }> | null = null
    phone.onStatus((status) => {
      labels.push(describeStatus(status))
      if (status.kind !== 'in-sync' || atInSync) return
      const workspace = phone.workspace
      const loaded = workspace.heldDocs().length
      // Every doc is loaded by now: these resolve within microtasks, before any frame arrives.
      atInSync = Promise.all(ids.map((id) => workspace.collection(id))).then((all) => ({ loaded, requests: all.map((c) => c.tree().length) }))
    })
    await phone.signIn(email, PASSWORD)
    await inSync(phone)
    const seen = await atInSync!
    expect(seen.loaded).toBe(103)
    expect(seen.requests.every((n) => n === 2)).toBe(true)
    const firstInSync = labels.indexOf('in sync')
    expect(labels.slice(0, firstInSync).some((l) => /^syncing \d+ of 103$/.test(l))).toBe(true)
    expect(suite.relay.app.sync.openSockets).toBe(2)
  })

  it('closes a doc deleted on device A on device B without disturbing its other docs or its socket', async () => {
    const email = await signUp(suite.relay, 'carol')
    const a = await suite.open(createDevice('a'))
    await a.signIn(email, PASSWORD)
    const [keep, drop, other] = await fill(a, 3, 1)
    await inSync(a)
    const phone = counting(createDevice('b'))
    const b = await suite.open(phone.device)
    await b.signIn(email, PASSWORD)
    await inSync(b)
    const attemptsBefore = phone.attempts.length

    await a.workspace.deleteCollectionForever(drop!)
    await vi.waitFor(() => expect(b.workspace.index.collections().map((c) => c.id).sort()).toEqual([keep!, other!].sort()), { timeout: 10_000 })
    await vi.waitFor(() => expect(b.workspace.heldDocs()).not.toContain(b.workspace.docName('collection', drop)), { timeout: 10_000 })
    ;(await b.workspace.collection(keep!)).add({ kind: 'request', name: 'after the delete' })
    await inSync(b)
    await vi.waitFor(async () => expect((await a.workspace.collection(keep!)).tree().map((n) => n.name)).toContain('after the delete'), { timeout: 10_000 })
    expect(phone.attempts.length).toBe(attemptsBefore)
    expect(suite.relay.app.sync.openSockets).toBe(2)
  })

  it('sends a large offline change in pieces and fragments on its doc\'s channel', async () => {
    const email = await signUp(suite.relay, 'fred')
    const laptop = await suite.open(createDevice('laptop'))
    await laptop.signIn(email, PASSWORD)
    const [id] = await fill(laptop, 2, 1)
    await inSync(laptop)
    await laptop.setSyncEnabled(false)
    const collection = await laptop.workspace.collection(id!)
    const body = 'y'.repeat(3 * 1024 * 1024)
    const requestId = collection.add({ kind: 'request', name: 'large', method: 'POST' })
    collection.text(requestId, 'body')!.insert(0, body)
    await laptop.setSyncEnabled(true)
    await inSync(laptop)
    expect(suite.relay.app.sync.openSockets).toBe(1)

    const phone = await suite.open(createDevice('phone'))
    await phone.signIn(email, PASSWORD)
    await inSync(phone)
    expect((await phone.workspace.collection(id!)).text(requestId, 'body')!.toString()).toBe(body)
  })

  it('keeps the other docs syncing when the relay refuses one (4403)', async () => {
    const device = createDevice('laptop')
    const token = () => sessionToken(suite.relay, 'dora')
    const hub = new AccountSync('dora' as UserId, {
      url: (name, t) => `${suite.relay.wsUrl}/v1/sync/${name}?token=${t}&ack=1`,
      muxUrl: (t) => `${suite.relay.wsUrl}/v1/mux?v=1&token=${t}`,
      token,
      refreshToken: token,
      createSocket: device.createSocket,
      backoff: { minMs: 20, maxMs: 200 },
      online: null,
    }, null)
    const open = (name: DocName) => {
      const doc = new Y.Doc()
      return { doc, sync: hub.attach(doc, name) }
    }
    const mine = [open(docName('dora', 'workspace')), open(docName('dora', 'history'))]
    const theirs = open(docName('mallory', 'history'))
    try {
      await vi.waitFor(() => expect(describeStatus(theirs.sync.status)).toMatch(/^error \(/), { timeout: 10_000 })
      mine[1]!.doc.getArray('entries').push(['GET /still-syncing'])
      await vi.waitFor(() => expect(mine.map((m) => describeStatus(m.sync.status))).toEqual(['in sync', 'in sync']), { timeout: 10_000 })
      expect(hub.socketCount()).toBe(1)
      expect(suite.relay.app.sync.openSockets).toBe(1)
    } finally {
      for (const m of [...mine, theirs]) await m.sync.destroy()
      await hub.destroy()
    }
  })

  it('falls back to a socket per doc against a relay without /v1/mux', async () => {
    const stub = await withoutMux()
    try {
      const email = await signUp(suite.relay, 'erin')
      const device = createDevice('laptop')
      const app = await suite.open(device, { createSocket: diverting(device, stub, () => true) })
      await app.signIn(email, PASSWORD)
      await fill(app, 4, 1)
      await inSync(app)
      expect(suite.relay.app.sync.openSockets).toBe(7)
      expect(device.openSockets().every((path) => path.startsWith('/v1/sync/'))).toBe(true)
    } finally {
      stub.close()
    }
  })

  it('comes back after a relay restart with jitter, no sooner than the retry-after a busy relay named', async () => {
    const email = await signUp(suite.relay, 'gus')
    const stub = await busy(1)
    try {
      const laptopDevice = counting(createDevice('laptop'))
      const phoneDevice = counting(createDevice('phone'))
      let busyFor = 0
      const laptop = await suite.open(laptopDevice.device, { createSocket: diverting(laptopDevice.device, stub, () => busyFor-- > 0), backoff: { minMs: 50, maxMs: 400, random: () => 0.1 } })
      const phone = await suite.open(phoneDevice.device, { backoff: { minMs: 50, maxMs: 400, random: () => 0.9 } })
      await laptop.signIn(email, PASSWORD)
      await phone.signIn(email, PASSWORD)
      const [id] = await fill(laptop, 1, 1)
      await inSync(laptop)
      await inSync(phone)

      const start = await stopRelay(suite.relay)
      await vi.waitFor(() => expect(describeStatus(laptop.status)).toBe('offline'), { timeout: 5_000 })
      await vi.waitFor(() => expect(describeStatus(phone.status)).toBe('offline'), { timeout: 5_000 })
      ;(await laptop.workspace.collection(id!)).add({ kind: 'request', name: 'while the relay was down' })
      const [laptopBefore, phoneBefore] = [laptopDevice.attempts.length, phoneDevice.attempts.length]
      suite.relay = await start()
      busyFor = 1 // the laptop's next attempt meets a busy relay: 4529, retry-after=1
      const restartedAt = Date.now()
      await inSync(laptop)
      await inSync(phone)
      await vi.waitFor(async () => expect((await phone.workspace.collection(id!)).tree().map((n) => n.name)).toContain('while the relay was down'), { timeout: 10_000 })

      const laptopAttempts = laptopDevice.attempts.slice(laptopBefore).filter((a) => a.at >= restartedAt && a.path === '/v1/mux')
      expect(laptopAttempts.length).toBeGreaterThanOrEqual(2)
      expect(laptopAttempts[1]!.at - laptopAttempts[0]!.at).toBeGreaterThanOrEqual(1_000)
      expect(phoneDevice.attempts.length).toBeGreaterThan(phoneBefore)
      expect(suite.relay.app.sync.openSockets).toBe(2)
    } finally {
      stub.close()
    }
  })
})

/**
 * A one-off measurement for issue 14 (not a timed test, not run by `npm run bench`): server
 * memory per idle connected account. K accounts of 300 docs each (workspace, environments,
 * history, 297 collections of 20 requests) sign in on one socket per account, hold every doc
 * open and then send nothing; the server's heap (heapUsed + external after GC, in its own
 * process) is read before the accounts connect, right after their docs opened, and once they
 * were idle for longer than `ROOM_IDLE_UNLOAD_MS`.
 *   - ferry: the relay on the files store, restarted after the docs were stored (so the docs
 *     load as after a relay restart), one `/v1/mux` socket per account, an `open` of what the
 *     client holds;
 *   - hocuspocus: `@hocuspocus/server` 3 without persistence, one socket per account carrying
 *     every doc (its own multiplexing), each doc's content sent by the client.
 * For Ferry it also times an edit's ack on 20 docs that unloaded (each loads first) and loaded.
 * Figures in docs/decisions.md ("Idle docs unload, sockets stay").
 *
 *     npx tsx test/bench/idle-account-memory.ts [ferry|hocuspocus|both] [accounts=4] [idleMs=2000]
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { processToken, TEST_JWT_SECRET } from '../helpers/relay-process.ts'
import { updateFrame } from '../helpers/sync-clients.ts'
import { BIG_ACCOUNT_DOCS, bigAccountContent, bigAccountNames } from './big-account.ts'
import { heapAfterGc } from './process-measure.ts'

type ToServer = { type: 'heap' } | { type: 'stop' }
type FromServer = { type: 'ready'; port: number } | { type: 'heap'; bytes: number } | { type: 'stopped' }

// --- the server process ---------------------------------------------------------------

async function serve(kind: string, dataDir: string, env: Record<string, string>): Promise<void> {
  let stop: () => Promise<void>
  let port: number
  if (kind === 'ferry') {
    const { buildApp } = await import('../../relay/src/app.ts')
    const { benchRelayConfig } = await import('./bench-relay.ts')
    const app = await buildApp(benchRelayConfig(dataDir, { FERRY_JWT_SECRET: TEST_JWT_SECRET, ...env }))
    await app.listen({ host: '127.0.0.1', port: 0 })
    port = (app.server.address() as AddressInfo).port
    stop = () => app.close()
  } else {
    const { Server } = await import('@hocuspocus/server')
    const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false })
    await server.listen()
    port = server.address.port
    stop = () => server.destroy()
  }
  const send = (message: FromServer): boolean => process.send!(message)
  process.on('message', (message: ToServer) => {
    if (message.type === 'heap') send({ type: 'heap', bytes: heapAfterGc() })
    else {
      void stop().then(() => send({ type: 'stopped' }))
    }
  })
  send({ type: 'ready', port })
}

// --- the measuring process ------------------------------------------------------------

interface Server {
  child: ChildProcess
  port: number
  ask(message: ToServer): Promise<FromServer>
}

async function startServer(kind: string, dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  const child = fork(import.meta.filename, ['server', kind, dataDir, JSON.stringify(env)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const next = (): Promise<FromServer> => new Promise((resolve) => child.once('message', resolve))
  const ready = (await next()) as Extract<FromServer, { type: 'ready' }>
  return {
    child,
    port: ready.port,
    async ask(message) {
      const answer = next()
      child.send(message)
      return answer
    },
  }
}

const heap = async (server: Server): Promise<number> => ((await server.ask({ type: 'heap' })) as { bytes: number }).bytes
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function measureFerry(accounts: number, idleMs: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-idle-'))
  try {
    const users = Array.from({ length: accounts }, (_, i) => `idle${i}`)
    const tokens: string[] = []
    for (const user of users) tokens.push(await processToken(user, dataDir)) // one account store open at a time
    const docs = Array.from({ length: BIG_ACCOUNT_DOCS }, (_, i) => bigAccountContent(i))
    let server = await startServer('ferry', dataDir)
    for (const [a, user] of users.entries()) {
      const client = await muxClient(muxUrl(`ws://127.0.0.1:${server.port}`, tokens[a]!))
      client.open(bigAccountNames(user).map((name) => openRequest(name)))
      await client.control('opened', 120_000)
      for (const [i, name] of bigAccountNames(user).entries()) client.send(name, updateFrame(Y.encodeStateAsUpdate(docs[i]!)))
      for (const name of bigAccountNames(user)) await client.doc(name, 'persisted', 60_000)
      client.end()
    }
    await server.ask({ type: 'stop' })
    server.child.kill()
    server = await startServer('ferry', dataDir, { ROOM_IDLE_UNLOAD_MS: String(idleMs) })
    const base = await heap(server)
    const sockets: MuxClient[] = []
    const t0 = performance.now()
    for (const [a, user] of users.entries()) {
      const client = await muxClient(muxUrl(`ws://127.0.0.1:${server.port}`, tokens[a]!))
      client.open(bigAccountNames(user).map((name, i) => openRequest(name, docs[i])))
      await client.control('opened', 120_000)
      sockets.push(client)
    }
    const opened = performance.now() - t0
    const loaded = await heap(server)
    await sleep(idleMs * 2 + 1_000)
    const idle = await heap(server)
    const open = sockets.filter((s) => s.ws.readyState === s.ws.OPEN).length
    // An edit to a doc that unloaded: time until its ack (the doc loads again first), then again loaded.
    const editTimes = async (): Promise<number> => {
      const times: number[] = []
      for (const [i, name] of bigAccountNames(users[0]!).slice(0, 20).entries()) {
        docs[i]!.getText('note').insert(0, 'x')
        const acks = sockets[0]!.messagesOf(name).filter((m) => m.type === 'persisted').length
        const t = performance.now()
        sockets[0]!.send(name, updateFrame(Y.encodeStateAsUpdate(docs[i]!)))
        while (sockets[0]!.messagesOf(name).filter((m) => m.type === 'persisted').length === acks) await sleep(0.2)
        times.push(performance.now() - t)
      }
      return times.sort((a, b) => a - b)[10]!
    }
    const unloadedEdit = await editTimes()
    const loadedEdit = await editTimes()
    console.log(`ferry      an edit's ack, median of 20 docs: ${unloadedEdit.toFixed(1)} ms on an unloaded doc, ${loadedEdit.toFixed(1)} ms loaded`)
    console.log(
      `ferry      ${accounts} accounts x ${BIG_ACCOUNT_DOCS} docs: opened in ${opened.toFixed(0)} ms; per account ${mb((loaded - base) / accounts)} MB just opened, ` +
        `${mb((idle - base) / accounts)} MB idle (${idleMs} ms unload); sockets still open: ${open}`,
    )
    for (const socket of sockets) socket.end()
    await server.ask({ type: 'stop' })
    server.child.kill()
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Hocuspocus frames: `docName · type · payload` (0 sync, 2 auth). */
function hocusFrame(doc: string, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, doc)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

async function hocuspocusAccount(port: number, user: string, docs: Y.Doc[]): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const pending = new Set<string>(bigAccountNames(user))
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      const doc = decoding.readVarString(decoder)
      const type = decoding.readVarUint(decoder)
      if (type === 0 || type === 4) pending.delete(doc)
      if (pending.size === 0) resolve()
    })
  })
  for (const [i, name] of bigAccountNames(user).entries()) {
    ws.send(hocusFrame(name, (e) => { encoding.writeVarUint(e, 2); encoding.writeVarUint(e, 0); encoding.writeVarString(e, '') }))
    ws.send(hocusFrame(name, (e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 2); encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(docs[i]!)) }))
    ws.send(hocusFrame(name, (e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 0); encoding.writeVarUint8Array(e, Y.encodeStateVector(docs[i]!)) }))
  }
  await done
  return ws
}

async function measureHocuspocus(accounts: number, idleMs: number): Promise<void> {
  const server = await startServer('hocuspocus', tmpdir())
  const docs = Array.from({ length: BIG_ACCOUNT_DOCS }, (_, i) => bigAccountContent(i))
  const base = await heap(server)
  const sockets: WebSocket[] = []
  for (let a = 0; a < accounts; a++) sockets.push(await hocuspocusAccount(server.port, `idle${a}`, docs))
  const loaded = await heap(server)
  await sleep(idleMs * 2 + 1_000)
  const idle = await heap(server)
  console.log(
    `hocuspocus ${accounts} accounts x ${BIG_ACCOUNT_DOCS} docs: per account ${mb((loaded - base) / accounts)} MB just opened, ${mb((idle - base) / accounts)} MB idle`,
  )
  for (const ws of sockets) ws.close()
  await server.ask({ type: 'stop' })
  server.child.kill()
}

if (process.argv[2] === 'server') {
  const [, , , kind, dataDir, env] = process.argv
  await serve(kind!, dataDir!, JSON.parse(env ?? '{}') as Record<string, string>)
} else {
  const [which = 'both', accounts = '4', idleMs = '2000'] = process.argv.slice(2)
  if (which !== 'hocuspocus') await measureFerry(Number(accounts), Number(idleMs))
  if (which !== 'ferry') await measureHocuspocus(Number(accounts), Number(idleMs))
}

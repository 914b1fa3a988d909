/**
 * Child process for the sync benchmarks: starts one server — Ferry's relay (auth, durable
 * acks, encryption all on), `@y/websocket-server` 0.1.1 or `@hocuspocus/server` 3 (both
 * without auth or persistence) — on a free port and answers the parent over IPC, so the
 * parent can read this process's CPU time and heap without counting its own clients.
 *
 * Run as `node --import tsx --expose-gc sync-servers.ts <ferry|y-websocket|hocuspocus> <dataDir> [env JSON]`;
 * the env JSON is added to Ferry's configuration (Redis for the scaled-out benchmark).
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { sessionToken } from '../helpers/sessions.ts'
import { heapAfterGc } from './process-measure.ts'

export type ServerKind = 'ferry' | 'y-websocket' | 'hocuspocus'

export type ToServer = { type: 'cpu' } | { type: 'heap' } | { type: 'stop' }
export type FromServer =
  | { type: 'ready'; port: number; token: string }
  | { type: 'cpu'; micros: number }
  | { type: 'heap'; bytes: number }

async function startFerry(dataDir: string, env: Record<string, string>): Promise<{ port: number; token: string }> {
  // Imported here, not above: the reference servers' processes must not hold the relay's modules.
  const { openRelay } = await import('../../relay/src/app.ts')
  const { benchRelayConfig } = await import('./bench-relay.ts')
  const relay = await openRelay(benchRelayConfig(dataDir, { ROOM_IDLE_MS: '600000', ...env }))
  await relay.app.listen({ host: '127.0.0.1', port: 0 })
  return { port: (relay.app.server.address() as AddressInfo).port, token: await sessionToken(relay, 'bench') }
}

async function startYWebsocket(): Promise<{ port: number; token: string }> {
  const { setupWSConnection } = (await import('@y/websocket-server/utils')) as {
    setupWSConnection: (conn: unknown, req: IncomingMessage, opts: { docName: string }) => void
  }
  const server = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const docName = (req.url ?? '/').slice(1).split('?')[0]!
      setupWSConnection(ws, req, { docName })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, token: 'none' }
}

async function startHocuspocus(): Promise<{ port: number; token: string }> {
  const { Server } = await import('@hocuspocus/server')
  const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false })
  await server.listen()
  return { port: server.address.port, token: 'none' }
}

async function main(): Promise<void> {
  const [kind, dataDir, env] = process.argv.slice(2) as [ServerKind, string, string | undefined]
  const started =
    kind === 'ferry' ? await startFerry(dataDir, JSON.parse(env ?? '{}') as Record<string, string>) : kind === 'y-websocket' ? await startYWebsocket() : await startHocuspocus()
  const send = (message: FromServer) => process.send!(message)
  process.on('message', (message: ToServer) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage()
      send({ type: 'cpu', micros: user + system })
    } else if (message.type === 'heap') {
      send({ type: 'heap', bytes: heapAfterGc() })
    } else {
      process.exit(0)
    }
  })
  send({ type: 'ready', ...started })
}

if (process.send) void main()

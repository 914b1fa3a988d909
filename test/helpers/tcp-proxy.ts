/**
 * A TCP proxy in front of a relay that can go silent: `blackhole()` stops forwarding on every
 * connection open now, in both directions, without closing anything — what a client sees when
 * its laptop slept or a NAT forgot the connection. Connections made afterwards work normally.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string
  /** Connections accepted so far. */
  readonly connections: number
  blackhole(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs: Array<[Socket, Socket]> = []
  const silenced: Socket[] = []
  let connections = 0
  const server: Server = createServer((client) => {
    connections++
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort })
    client.pipe(upstream)
    upstream.pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
    pairs.push([client, upstream])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    blackhole() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        client.pause()
        upstream.pause()
        // Keep them open but silent; they go when the proxy closes.
        client.removeAllListeners('close')
        upstream.removeAllListeners('close')
        silenced.push(client, upstream)
      }
    },
    async close() {
      for (const socket of silenced.splice(0)) socket.destroy()
      for (const [client, upstream] of pairs.splice(0)) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

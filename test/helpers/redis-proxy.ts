/**
 * A TCP proxy in front of the test Redis that can be cut (every connection closed, new ones
 * refused) and restored on the same port: Redis going away under a running relay.
 */
import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { TEST_REDIS_URL } from './redis.ts'

export interface RedisProxy {
  url: string
  /** Closes every connection and stops listening (connects are refused). */
  cut(): Promise<void>
  /** Listens again on the same port. */
  restore(): Promise<void>
}

export async function redisProxy(): Promise<RedisProxy> {
  const target = new URL(TEST_REDIS_URL)
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => socket.destroy())
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `redis://127.0.0.1:${port}`,
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const socket of sockets) socket.destroy()
      await closed
    },
    restore: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
  }
}

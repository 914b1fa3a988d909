/**
 * A simulated device whose network can be cut and healed: `cut()` drops its open sockets
 * and makes new sockets and requests to the relay fail (what a laptop on a train sees, with the
 * tab still open), `heal()` lets them through again. The device's own storage is untouched.
 */
import WebSocket from 'ws'
import type { FerryClientOptions, WebSocketLike } from '../../packages/client/src/index.ts'
import { createDevice, type Device } from './client-devices.ts'

export interface PartitionedDevice {
  readonly device: Device
  /** Options to open the device's client with: its sockets and requests go through the switch. */
  readonly options: Pick<FerryClientOptions, 'fetch'>
  cut(): void
  heal(): void
}

/** Nothing listens on port 9 (discard) on the test machine: a connection there fails at once. */
const UNREACHABLE = 'ws://127.0.0.1:9/unreachable'

export function partitionedDevice(name: string): PartitionedDevice {
  const inner = createDevice(name)
  const sockets = new Set<WebSocket>()
  let cut = false
  const device: Device = {
    ...inner,
    createSocket: (url) => {
      const socket = inner.createSocket(cut ? UNREACHABLE : url) as unknown as WebSocket
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      return socket as unknown as WebSocketLike
    },
  }
  const fetchThrough: typeof fetch = (input, init) => (cut ? Promise.reject(new TypeError('fetch failed: the network is cut')) : fetch(input, init))
  return {
    device,
    options: { fetch: fetchThrough },
    cut() {
      cut = true
      // Dropped without a close frame, as a network that vanished.
      for (const socket of sockets) socket.terminate()
    },
    heal() {
      cut = false
    },
  }
}

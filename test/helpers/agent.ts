/**
 * A Ferry agent for tests: `createAgentServer` on a free loopback port with in-memory
 * pairings, the codes it prints collected in `codes` (the newest last). `close()` ends it,
 * open connections included.
 */
import type { AddressInfo } from 'node:net'
import { createAgentServer, Pairings } from '@ferry/agent'

export interface TestAgent {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly codes: string[]
  close(): Promise<void>
}

export async function startAgent(maxResponseBytes: number): Promise<TestAgent> {
  const codes: string[] = []
  const server = createAgentServer({ pairings: new Pairings({ file: null, onNewCode: (code) => codes.push(code) }), maxResponseBytes })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    codes,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

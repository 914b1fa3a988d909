/**
 * Attack review of the account backup (issue 15): downloading a large account. The relay
 * streams the file; every other call to it is bounded by one deadline for the whole answer
 * (15 s), which a file of hundreds of megabytes on an ordinary link cannot meet — the download
 * failed however healthy the transfer. The deadline now covers the answer's start; the file
 * then takes as long as the link needs. An answer that breaks off reads as the relay being
 * unreachable, never as a shorter file.
 */
import { describe, expect, test } from 'vitest'
import { Offline } from '../errors.ts'
import { RelayApi } from '../relay-api.ts'

const FILE = JSON.stringify({ format: 'ferry-account-backup', docs: ['x'.repeat(1000)] })
const TIMEOUT_MS = 50

/** A fetch whose answer starts at once and whose body stops halfway until `tail` resolves (or the signal it was given aborts). */
function slowBody(tail: Promise<'rest' | 'break'>): { fetch: typeof globalThis.fetch } {
  let given: AbortSignal | undefined
  const fetch: typeof globalThis.fetch = (async (_url: string, init?: RequestInit) => {
    given = init?.signal ?? undefined
    const half = FILE.length / 2
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(FILE.slice(0, half)))
        // What a real fetch does: an aborted signal errors the body being read.
        const aborted = new Promise<'aborted'>((resolve) => given?.addEventListener('abort', () => resolve('aborted')))
        const next = await Promise.race([tail, aborted])
        if (next === 'rest') {
          controller.enqueue(new TextEncoder().encode(FILE.slice(half)))
          controller.close()
        } else controller.error(new TypeError(next === 'aborted' ? 'The operation was aborted.' : 'terminated'))
      },
    })
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
  }) as typeof globalThis.fetch
  return { fetch }
}

const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('downloading a backup from the relay', () => {
  test('takes longer than the deadline of an ordinary call when the file is still coming', async () => {
    const slow = slowBody(after(TIMEOUT_MS * 3).then(() => 'rest' as const))
    const api = new RelayApi({ baseUrl: 'http://relay.test', fetch: slow.fetch, timeoutMs: TIMEOUT_MS })
    expect(await api.backup('token')).toBe(FILE)
  })

  test('a file that breaks off is the relay being unreachable, not a shorter file', async () => {
    const slow = slowBody(Promise.resolve('break' as const))
    const api = new RelayApi({ baseUrl: 'http://relay.test', fetch: slow.fetch, timeoutMs: TIMEOUT_MS })
    await expect(api.backup('token')).rejects.toBeInstanceOf(Offline)
  })

  test('an answer that does not start within the deadline is the relay being unreachable', async () => {
    const silent = (async (_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))) as typeof fetch
    const api = new RelayApi({ baseUrl: 'http://relay.test', fetch: silent, timeoutMs: TIMEOUT_MS })
    await expect(api.backup('token')).rejects.toBeInstanceOf(Offline)
  })
})

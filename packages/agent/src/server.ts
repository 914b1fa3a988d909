/**
 * The agent's HTTP server, on 127.0.0.1 only. Three gates before anything is done:
 * - Host: only `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>`. A page on a name that
 *   an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 * - Origin: browsers always name the calling page; only a paired origin (or, for pairing, an
 *   origin allowed to pair) gets CORS headers and an answer. Calls without an Origin are refused.
 * - Token: `Authorization: Bearer <token>` from pairing, bound to that origin.
 *
 * Routes: `POST /v1/pair` `{ code }` → `{ token }`; `DELETE /v1/pair` forgets the caller's
 * pairing; `GET /v1/status` → what the page shows; `POST /v1/send` a send request → send frames.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { MAX_SEND_REQUEST_BYTES, parseSendRequest, SEND_LIMITS } from '@ferry/protocol'
import { answerWithFrames } from './outbound/respond.ts'
import type { Pairings } from './pairing.ts'

export const AGENT_VERSION = '0.1.0'

export interface AgentOptions {
  readonly pairings: Pairings
  /** Largest response body passed on, bytes. */
  readonly maxResponseBytes: number
}

class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
}

/**
 * The pairing call's JSON (`{ code }`) is at most this many bytes. Any origin may try to pair,
 * so reading up to the send limit there would let any site make the agent hold gigabytes.
 */
const MAX_PAIR_REQUEST_BYTES = 4096

async function readJson(req: IncomingMessage, maxBytes: number, tooLarge: string): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > maxBytes) throw new Refusal(413, 'too_large', tooLarge)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new Refusal(400, 'invalid_json', 'The agent expects a JSON body.')
  }
}

function bearer(req: IncomingMessage): string {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? ''
}

export function createAgentServer(options: AgentOptions): Server {
  const { pairings } = options
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy()
      if (error instanceof Refusal) return answerJson(res, error.status, { error: { code: error.code, message: error.message } })
      answerJson(res, 500, { error: { code: 'internal', message: `The agent failed: ${error instanceof Error ? error.message : String(error)}` } })
    })
  })

  const allowedHosts = () => {
    const address = server.address()
    const port = address && typeof address === 'object' ? address.port : 0
    return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has((req.headers.host ?? '').toLowerCase())) {
      throw new Refusal(421, 'wrong_host', 'The Ferry agent answers only to 127.0.0.1, localhost or [::1] on its own port.')
    }
    const origin = req.headers.origin
    if (!origin) throw new Refusal(403, 'no_origin', 'The Ferry agent answers only to pages (calls that name their origin).')
    // "null" is shared by every sandboxed frame, file and data: page: a pairing bound to it is bound to no page.
    if (origin === 'null') throw new Refusal(403, 'opaque_origin', 'The Ferry agent does not answer pages without an origin of their own (sandboxed frames, files). Open Ferry from its web address.')
    const path = (req.url ?? '').split('?')[0]
    const pairing = path === '/v1/pair'
    const known = pairing ? pairings.mayPair(origin) || pairings.isPaired(origin) : pairings.isPaired(origin)
    if (!known) throw new Refusal(403, 'origin_not_paired', `${origin} is not paired with this agent. Pair it in Ferry's settings with the code the agent printed.`)
    res.setHeader('access-control-allow-origin', origin)
    res.setHeader('vary', 'Origin')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': 'authorization, content-type',
        // Chrome asks before a public page may call a loopback address (Private Network Access).
        'access-control-allow-private-network': 'true',
        'access-control-max-age': '600',
      })
      return void res.end()
    }
    if (pairing && req.method === 'POST') {
      const body = await readJson(req, MAX_PAIR_REQUEST_BYTES, 'A pairing call carries only the code.')
      const code = typeof (body as { code?: unknown } | null)?.code === 'string' ? (body as { code: string }).code : ''
      const result = pairings.pair(code, origin)
      if (result.ok) return answerJson(res, 200, { token: result.token })
      if (result.reason === 'origin_not_allowed') throw new Refusal(403, 'origin_not_allowed', `This agent was started to pair only with other origins, not ${origin}.`)
      throw new Refusal(403, 'wrong_code', 'That pairing code is not the one the agent printed (after 5 wrong codes it prints a new one).')
    }
    const token = bearer(req)
    if (!pairings.check(token, origin)) throw new Refusal(401, 'not_paired', 'This page is not paired with the Ferry agent (or the pairing was removed). Pair it again in settings.')
    if (pairing && req.method === 'DELETE') {
      pairings.forget(token)
      return void res.writeHead(204).end()
    }
    if (path === '/v1/status' && req.method === 'GET') {
      return answerJson(res, 200, { agent: 'ferry-agent', version: AGENT_VERSION, maxResponseBytes: options.maxResponseBytes })
    }
    if (path === '/v1/send' && req.method === 'POST') {
      const parsed = parseSendRequest(await readJson(req, MAX_SEND_REQUEST_BYTES, 'The request to send is larger than the agent accepts (64 MiB of body).'))
      if (!parsed.ok) throw new Refusal(400, 'invalid_request', parsed.error)
      return answerWithFrames(res, parsed.value, {
        maxResponseBytes: options.maxResponseBytes,
        maxTimeoutMs: SEND_LIMITS.maxTimeoutMs,
        raiseLimitHint: 'Start the agent with --max-response-mb to raise it.',
      })
    }
    throw new Refusal(404, 'not_found', `The agent has no route ${req.method} ${path}.`)
  }

  return server
}

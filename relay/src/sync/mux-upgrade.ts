/**
 * The multiplexed sync endpoint, `ws(s)://host/v1/mux?v=1&token=…` (docs/PROTOCOL.md). The
 * sync plugin hands it upgrades of that path once the connection rate allowed them; the token
 * is checked once, before the handshake completes, and the socket then belongs to the token's
 * user and session: it is tracked with the `/v1/sync` sockets, so ending the session closes it
 * with 4401, pings reach it and shutdown closes it with 1001.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { WebSocketServer } from 'ws'
import { CloseCode, MUX_PATH } from '@ferry/protocol'
import type { AccessTokens } from '../auth/access-tokens.ts'
import type { Config } from '../config.ts'
import { authorizeMux } from './authorize.ts'
import { MuxSession } from './mux-session.ts'
import type { SyncSocket } from './sync-transport.ts'
import type { Rooms } from './rooms.ts'
import type { SendBatcher } from './send-batcher.ts'

/** True for `/v1/mux` with or without a query. */
export function isMuxUrl(url: string): boolean {
  return url.startsWith(MUX_PATH) && (url.length === MUX_PATH.length || url[MUX_PATH.length] === '?')
}

export interface MuxUpgradeOptions {
  readonly config: Config
  readonly tokens: AccessTokens
  readonly rooms: Rooms
  readonly batcher: SendBatcher
  readonly log: FastifyBaseLogger
  /** The server for doc owners' sockets (the large frame limit). */
  readonly server: WebSocketServer
  /** Every open sync socket, for session checks, pings and shutdown. */
  readonly sockets: Set<SyncSocket>
  refuse(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void
  closing(): boolean
  /** How many session checks started so far. */
  sessionChecks(): number
  checkSessions(userId: string, only: readonly SyncSocket[]): Promise<void>
}

/** Authorises and connects one `/v1/mux` upgrade (the connection rate was counted already). */
export function muxUpgrade(opts: MuxUpgradeOptions): (req: IncomingMessage, socket: Duplex, head: Buffer, url: string) => Promise<void> {
  const { config, log } = opts
  return async (req, socket, head, url) => {
    const checksBefore = opts.sessionChecks()
    const decision = await authorizeMux(url, opts.tokens)
    if (!decision.ok) return opts.refuse(req, socket, head, decision.code, decision.reason)
    if (opts.closing()) return opts.refuse(req, socket, head, CloseCode.GoingAway, 'the relay is shutting down')
    opts.server.handleUpgrade(req, socket, head, (ws) => {
      const mux = new MuxSession(ws, socket, {
        session: decision.session,
        rooms: opts.rooms,
        maxDocs: config.limits.maxDocsPerSocket,
        maxReassembledBytes: config.limits.maxReassembledBytes,
        syncRequestsPerMinute: config.limits.syncRequestsPerMinute,
        maxSendBufferBytes: config.limits.maxSendBufferBytes,
        batcher: opts.batcher,
        log,
      })
      opts.sockets.add(mux)
      // Sessions of this user ended while the socket was being authorised: check it now.
      if (opts.sessionChecks() !== checksBefore) void opts.checkSessions(decision.session.userId, [mux])
      ws.on('error', (error) => log.debug({ err: error }, 'multiplexed sync socket error'))
      ws.on('message', (data, isBinary) => mux.receive(data, isBinary))
      ws.on('pong', () => mux.heard())
      ws.on('close', () => {
        opts.sockets.delete(mux)
        mux.detachAll()
      })
    })
  }
}

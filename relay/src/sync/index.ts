/**
 * The sync endpoint, `ws(s)://host/v1/sync/<docName>?token=…[&ack=1]` (DESIGN.md, "Relay API").
 * Upgrades are handled on the HTTP server directly (`ws` in `noServer` mode) so the token and
 * doc are checked before the handshake completes; a refused socket is opened only to carry
 * its close code (4401/4403/4404; browsers cannot read an HTTP status) and never loads a doc.
 * A socket on a deleted doc is closed with 4410 as soon as the store says so. A socket opened
 * with an access token belongs to the session that issued it: when a session of its user ends
 * (sign-out, reset, replayed refresh token, revoked device), every relay checks that user's
 * sockets against the store and closes those of ended sessions with 4401.
 *
 * Every socket is pinged each `SYNC_PING_INTERVAL_MS`; one that answered nothing since the last
 * ping is dropped (its room may unload, its awareness state is removed for the others).
 *
 * The multiplexed endpoint, `/v1/mux?v=1&token=…` (one socket per account: mux-upgrade.ts),
 * shares the rooms, the connection rate, the session checks, pings and shutdown.
 *
 * Shutdown (`app.close()`, SIGTERM): stop accepting, store everything, close sockets with 1001.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { WebSocketServer, type WebSocket } from 'ws'
import { CloseCode, withRetryAfter, type DocName, type UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import { isGone, type DocStore } from '../storage/doc-store.ts'
import { clientAddress } from '../client-address.ts'
import { redactUrl } from '../redact.ts'
import { authorizeSync, SYNC_PATH_PREFIX, type SyncDecision, type SyncTokenResolver } from './authorize.ts'
import type { Broadcast } from './broadcast.ts'
import { MemoryConnectionRate, type ConnectionRate } from './connection-rate.ts'
import type { SyncSocket } from './sync-transport.ts'
import { isMuxUrl, muxUpgrade } from './mux-upgrade.ts'
import type { RoomDoc } from './room-doc.ts'
import { RelayBusy } from './memory-budget.ts'
import type { Room } from './room.ts'
import { Rooms } from './rooms.ts'
import { SendBatcher } from './send-batcher.ts'
import { applyAsServer, type ServerEditOutcome } from './server-edit.ts'
import { Session } from './session.ts'

export type { SyncGrant, SyncRefusal, SyncTokenResolver } from './authorize.ts'

/** Longest wait for storage while shutting down, ms; `main.ts` exits after 10 s regardless. */
const SHUTDOWN_FLUSH_MS = 7_000

export interface SyncService {
  /** Lets another plugin accept its own tokens (share links) on the sync endpoint. */
  addTokenResolver(resolver: SyncTokenResolver): void
  /**
   * Closes every socket opened with `grantId` (4403), on this instance and every other one
   * sharing its broadcast; returns how many were open here.
   */
  revoke(grantId: string): number
  /**
   * Closes the read-only sockets (share links) on `doc` with `code` and `reason`, on this
   * instance and every other one sharing its broadcast; returns how many were open here.
   */
  closeViewers(doc: DocName, code: number, reason: string): number
  /**
   * Calls `watcher` with each doc this instance loads, before anything more is applied to it,
   * so another plugin can observe its changes while it stays loaded (links: a collection going
   * to its owner's trash closes its viewers).
   */
  onDocLoaded(watcher: (name: DocName, doc: RoomDoc) => void): void
  /**
   * Deletes a doc for good: closes its sockets on every instance with 4410, unloads its rooms
   * without storing anything more, and deletes it in the store (its tombstone keeps it from
   * ever loading again).
   */
  deleteDoc(name: DocName): Promise<void>
  /**
   * `deleteDoc` for every doc `owner` owns (account deletion): their sockets close with 4410 on
   * every instance, their rooms unload, the store deletes them; answers how many were stored.
   */
  deleteOwnedDocs(owner: UserId): Promise<number>
  /** Rooms whose doc is loaded or loading (an idle doc unloads even with sockets on it). */
  readonly loadedRooms: number
  /** Every room: doc loaded, loading, or unloaded with sockets still on it. */
  readonly rooms: number
  /** Sync sockets currently open (`/v1/sync`: one per doc per browser; `/v1/mux`: one per account per browser). */
  readonly openSockets: number
  /** Bytes held for fragmented messages not complete yet, over every socket (each at most its cap). */
  readonly reassemblingBytes: number
  /** Stores every accepted update now (tests, shutdown). */
  flush(): Promise<void>
  /**
   * Applies an update of the relay's own (a restored backup) to a doc as a device's would be —
   * quota, relayed to every socket on it, stored — and resolves once it is stored (server-edit.ts).
   * Refused once the relay is shutting down.
   */
  applyUpdate(name: DocName, update: Uint8Array): Promise<ServerEditOutcome>
}

declare module 'fastify' {
  interface FastifyInstance {
    sync: SyncService
  }
}

export interface SyncPluginOptions {
  config: Config
  docStore: DocStore
  /** Other relay instances; its owner closes it after the app closed. */
  broadcast: Broadcast
  /** Default: counted in memory. */
  connectionRate?: ConnectionRate
}

export default fp(
  async function syncPlugin(app: FastifyInstance, opts: SyncPluginOptions) {
    const { config, docStore, broadcast } = opts
    const log = app.log.child({ plugin: 'sync' })
    // Two servers for two frame limits (`maxPayload`, applied before a frame is buffered): a
    // doc's owner may send the catch-up of long offline work in one frame (stock clients do);
    // read-only viewers and refused sockets get the small limit.
    const serverOptions = { noServer: true, perMessageDeflate: false, clientTracking: false } as const
    const wss = new WebSocketServer({ ...serverOptions, maxPayload: config.limits.maxMessageBytes })
    const ownerWss = new WebSocketServer({ ...serverOptions, maxPayload: config.limits.maxOwnerMessageBytes })
    const loadedWatchers: ((name: DocName, doc: RoomDoc) => void)[] = []
    const rooms = new Rooms({
      store: docStore,
      broadcast,
      log,
      groupCommitMs: config.groupCommitMs,
      roomIdleMs: config.roomIdleMs,
      roomIdleUnloadMs: config.roomIdleUnloadMs,
      maxAwarenessBytes: config.limits.maxAwarenessBytes,
      maxUpdateDecodedBytes: config.limits.maxUpdateDecodedBytes,
      maxDocDecodedBytes: config.limits.maxDocDecodedBytes,
      roomsMemoryBudgetBytes: config.limits.roomsMemoryBudgetBytes,
      maxLoadingBytes: config.limits.maxReassembledBytes,
      // Registered before this plugin when the relay keeps version history.
      ...(app.hasDecorator('versions') && { versions: app.versions }),
      onDocLoaded: (name, doc) => {
        for (const watcher of loadedWatchers) watcher(name, doc)
      },
    })
    const batcher = new SendBatcher()
    const rate = opts.connectionRate ?? new MemoryConnectionRate(config.limits.connectionsPerMinutePerIp)
    const addressOf = clientAddress(config.trustProxy)
    const resolvers: SyncTokenResolver[] = []
    const sessions = new Set<SyncSocket>()
    let closing = false

    const refuse = (req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => undefined)
        ws.close(code, reason)
      })
    }

    const connect = (ws: WebSocket, socket: Duplex, decision: Extract<SyncDecision, { ok: true }>, checksBefore: number): void => {
      const readOnly = decision.access === 'read-only'
      const session = new Session(ws, socket, {
        wantsAck: decision.wantsAck,
        readOnly,
        grantId: decision.grantId,
        session: decision.session,
        maxSendBufferBytes: config.limits.maxSendBufferBytes,
        maxReassembledBytes: readOnly ? config.limits.maxMessageBytes : config.limits.maxReassembledBytes,
        syncRequestsPerMinute: config.limits.syncRequestsPerMinute,
        recheck: decision.recheck,
        batcher,
        log,
      })
      sessions.add(session)
      // Sessions of this user ended while the socket was being authorised: check it now.
      if (decision.session && sessionChecks !== checksBefore) void checkSessions(decision.session.userId, [session])
      ws.on('error', (error) => log.debug({ err: error }, 'sync socket error'))
      ws.on('message', (data, isBinary) => session.receive(data, isBinary))
      ws.on('pong', () => session.heard())
      ws.on('close', () => {
        sessions.delete(session)
        if (session.room) rooms.leave(session.room, session)
        session.detach()
      })
      // Attached in the turn it joined, so the frames it sent meanwhile come before anything later.
      const attach = (room: Room): void => {
        if (session.open) session.attach(room)
        else rooms.leave(room, session)
      }
      rooms.join(decision.doc, session, undefined, (room) => {
        if (!session.rechecks) return attach(room)
        // A link checked before its collection went to the trash may join after the sweeps that
        // close its viewers (links/trash-watch.ts): checked again now that a sweep finds it.
        void session.recheck().then(() => attach(room))
      }).catch(
        (error: unknown) => {
          if (isGone(error)) return session.close(CloseCode.Gone, 'the document was deleted')
          if (error instanceof RelayBusy) return session.close(CloseCode.TryAgainLater, error.reason)
          log.error({ err: error }, 'loading a document failed')
          session.close(CloseCode.InternalError, 'the document could not be loaded')
        },
      )
    }

    const connectMux = muxUpgrade({
      config,
      tokens: app.accessTokens,
      rooms,
      batcher,
      log,
      server: ownerWss,
      sockets: sessions,
      refuse,
      closing: () => closing,
      sessionChecks: () => sessionChecks,
      checkSessions: (userId, only) => checkSessions(userId, only),
    })

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const url = req.url ?? ''
      const mux = isMuxUrl(url)
      if (!mux && !url.startsWith(SYNC_PATH_PREFIX)) {
        if (app.server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
        return
      }
      socket.on('error', (error) => log.debug({ err: error }, 'sync upgrade socket error'))
      log.debug({ url: redactUrl(url) }, 'sync connection')
      if (closing) return refuse(req, socket, head, CloseCode.GoingAway, 'the relay is shutting down')
      const admit = async (): Promise<void> => {
        const rated = await rate.allow(addressOf(req))
        if (!rated.allowed) {
          return refuse(req, socket, head, CloseCode.RateLimited, withRetryAfter('too many connections', rated.retryAfterSeconds))
        }
        if (mux) return await connectMux(req, socket, head, url)
        const checksBefore = sessionChecks
        const decision = await authorizeSync(url, app.accessTokens, resolvers)
        if (!decision.ok) return refuse(req, socket, head, decision.code, decision.reason)
        if (closing) return refuse(req, socket, head, CloseCode.GoingAway, 'the relay is shutting down')
        const server = decision.access === 'read-write' ? ownerWss : wss
        server.handleUpgrade(req, socket, head, (ws) => connect(ws, socket, decision, checksBefore))
      }
      admit().catch((error: unknown) => {
        log.error({ err: error }, 'authorizing a sync connection failed')
        refuse(req, socket, head, CloseCode.InternalError, 'authorization failed')
      })
    }
    app.server.on('upgrade', onUpgrade)

    const closeGrant = (grantId: string): number => {
      let closed = 0
      for (const session of sessions) {
        if (session.grantId !== grantId) continue
        session.close(CloseCode.Forbidden, 'access was revoked')
        closed++
      }
      return closed
    }
    /** How many session checks started: a socket authorised across one is checked again once connected. */
    let sessionChecks = 0
    /**
     * Closes (4401) the user's sockets whose session ended — all of them when `only` is not
     * given. A store that cannot answer closes them with 1013: the reconnect is checked again.
     */
    const checkSessions = async (userId: string, only?: readonly SyncSocket[]): Promise<void> => {
      sessionChecks++
      const bySession = new Map<string, SyncSocket[]>()
      for (const session of only ?? sessions) {
        if (session.session?.userId !== userId) continue
        const members = bySession.get(session.session.sessionId) ?? []
        members.push(session)
        bySession.set(session.session.sessionId, members)
      }
      await Promise.all([...bySession].map(async ([sessionId, members]) => {
        let live: boolean | null
        try {
          live = await app.accessTokens.sessionLive(userId, sessionId)
        } catch (error) {
          log.error({ err: error }, 'could not check whether a session ended')
          live = null
        }
        if (live === true) return
        for (const member of members) {
          if (live === false) member.close(CloseCode.Unauthenticated, 'the session has ended')
          else member.close(CloseCode.TryAgainLater, withRetryAfter('the session could not be checked; reconnect', 1))
        }
      }))
    }
    app.accessTokens.onSessionsEnded((userId) => {
      broadcast.publishControl({ kind: 'sessions', userId })
      void checkSessions(userId)
    })
    broadcast.onControl((message) => {
      if (message.kind === 'revoke') closeGrant(message.grantId)
      else if (message.kind === 'close-viewers') rooms.closeViewers(message.doc, message.code, message.reason)
      else if (message.kind === 'sessions') void checkSessions(message.userId)
      else if (message.kind === 'delete-owned') rooms.dropOwnedBy(message.owner)
      else rooms.drop(message.doc)
    })
    // Back on the broadcast after an outage: sessions may have ended meanwhile, and pub/sub kept
    // nothing for this instance — check the session of every socket held.
    broadcast.onResume(() => {
      const byUser = new Map<string, SyncSocket[]>()
      for (const socket of sessions) {
        if (!socket.session) continue
        const held = byUser.get(socket.session.userId) ?? []
        held.push(socket)
        byUser.set(socket.session.userId, held)
      }
      for (const [userId, held] of byUser) void checkSessions(userId, held)
      // Nor did it keep the sweeps that close share-link viewers: check every link socket again.
      for (const socket of sessions) if (socket instanceof Session && socket.rechecks) void socket.recheck()
    })
    const dropEverywhere = (doc: DocName): void => {
      broadcast.publishControl({ kind: 'delete', doc })
      rooms.drop(doc)
    }

    app.decorate<SyncService>('sync', {
      addTokenResolver: (resolver) => void resolvers.push(resolver),
      revoke(grantId) {
        broadcast.publishControl({ kind: 'revoke', grantId })
        return closeGrant(grantId)
      },
      closeViewers(doc, code, reason) {
        broadcast.publishControl({ kind: 'close-viewers', doc, code, reason })
        return rooms.closeViewers(doc, code, reason)
      },
      onDocLoaded: (watcher) => void loadedWatchers.push(watcher),
      async deleteDoc(name) {
        // Before: no room goes on writing. After: a room that loaded the doc meanwhile (on any
        // instance) lets go of what it read; appends it tries fail with `gone` anyway.
        dropEverywhere(name)
        await docStore.delete(name)
        dropEverywhere(name)
      },
      async deleteOwnedDocs(owner) {
        // As deleteDoc, for each doc of the account at once.
        const dropOwned = (): void => {
          broadcast.publishControl({ kind: 'delete-owned', owner })
          rooms.dropOwnedBy(owner)
        }
        dropOwned()
        const deleted = await docStore.deleteOwnedBy(owner)
        dropOwned()
        return deleted
      },
      get loadedRooms() {
        return rooms.loaded
      },
      get rooms() {
        return rooms.size
      },
      get openSockets() {
        return sessions.size
      },
      get reassemblingBytes() {
        let bytes = 0
        for (const session of sessions) bytes += session.reassemblingBytes
        return bytes
      },
      flush: () => rooms.flushAll(),
      // Like a new socket, refused once shutting down: the rooms are being closed, and the
      // shutdown would otherwise wait for a whole restore (the caller says to restore again).
      applyUpdate: async (name, update) => (closing ? { kind: 'refused', reason: 'the relay is shutting down' } : applyAsServer(rooms, name, update)),
    })

    // Liveness: a socket whose peer vanished without a FIN (a laptop that slept, a dropped
    // network) would keep its room loaded and its awareness state shown to others forever.
    // Stock clients and browsers answer pings by themselves.
    const pinger = config.syncPingIntervalMs > 0
      ? setInterval(() => {
        for (const session of sessions) session.ping()
      }, config.syncPingIntervalMs)
      : null
    pinger?.unref()
    app.addHook('onClose', async () => {
      if (pinger) clearInterval(pinger)
    })

    // An answer finished while shutting down would leave its keep-alive connection open until
    // the keep-alive timeout (72 s), and the server's close waits for it: end it with the answer.
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close')
    })

    app.addHook('preClose', async () => {
      closing = true
      if (pinger) clearInterval(pinger)
      app.server.off('upgrade', onUpgrade)
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), SHUTDOWN_FLUSH_MS)
      })
      const flushed = await Promise.race([rooms.flushAll().then(() => 'ok' as const), deadline])
      if (flushed === 'timeout') log.error('shutting down with document updates that storage did not accept')
      const closes = [...sessions].map((session) => new Promise<void>((resolve) => {
        session.onClosed(resolve)
        session.close(CloseCode.GoingAway, 'the relay is shutting down')
      }))
      await Promise.race([Promise.all(closes), deadline])
      clearTimeout(timer)
      if (flushed === 'ok') await rooms.closeAll()
    })
  },
  { name: 'sync', dependencies: ['access-tokens'] },
)

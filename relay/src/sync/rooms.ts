/**
 * Loads rooms on first join, shares one room per doc, and unloads a room `roomIdleMs` after its
 * last socket left — after its updates are stored and its log is compacted, so an unloaded
 * doc costs no memory. A doc is never loaded while its previous room is still unloading (the
 * two would race on the store).
 *
 * A room subscribes to its doc on the broadcast before it loads, keeps what arrives meanwhile,
 * and asks the other instances for what it lacks once loaded: an update another instance
 * accepted but had not stored when this one loaded, or whose frame raced the load, reaches
 * this room's clients without any of them resyncing.
 *
 * A deleted doc's room (`drop`, or its writer hearing `gone` from the store) closes its
 * sockets with 4410 and goes away without storing anything more; joining it fails with `gone`.
 *
 * Every room of one account's docs shares that account's `AccountQuota` (kept while any of them
 * is loaded); a writer's socket joining reads the account's limit and usage from the stores
 * first. Read-only viewers never count and never refresh it.
 */
import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import { CloseCode, type DocName } from '@ferry/protocol'
import { docGone, type DocStore } from '../storage/doc-store.ts'
import { ownerOf } from '../storage/usage.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'
import type { Broadcast, FrameListener } from './broadcast.ts'
import { AccountQuota } from './quota.ts'
import { Room, type RoomMember } from './room.ts'

/**
 * Frames kept for a room while it loads; past this they are dropped, and the room's question
 * once loaded brings what they held.
 */
const MAX_FRAMES_WHILE_LOADING = 1024

export interface RoomsOptions {
  store: DocStore
  broadcast: Broadcast
  log: FastifyBaseLogger
  groupCommitMs: number
  roomIdleMs: number
  maxAwarenessBytes: number
}

export class Rooms {
  readonly #opts: RoomsOptions
  readonly #rooms = new Map<DocName, Promise<Room>>()
  /** Rooms that finished loading and are not unloading: identity checks for stale timers. */
  readonly #loaded = new Map<DocName, Room>()
  readonly #unloading = new Map<DocName, Promise<void>>()
  readonly #idleTimers = new Map<DocName, NodeJS.Timeout>()
  readonly #quotas = new Map<string, AccountQuota>()

  constructor(opts: RoomsOptions) {
    this.#opts = opts
    opts.broadcast.onResume(() => {
      for (const room of this.#loaded.values()) room.catchUp()
    })
  }

  /** Rooms loaded or loading. */
  get size(): number {
    return this.#rooms.size
  }

  /**
   * Adds `member` to the doc's room, loading it first if needed. Rejects when the doc cannot be
   * loaded. A writer's join reads the owner's quota from the stores first, unless it was read
   * since `quotaReadSince` (performance.now(); a multiplexed socket reads it once per `open`).
   */
  async join(name: DocName, member: RoomMember, quotaReadSince = Number.POSITIVE_INFINITY): Promise<Room> {
    if (member.readOnly) return this.#join(name, member)
    // Held for the whole join, so the figures read here are the ones the room will use.
    const quota = this.#holdQuota(name)
    try {
      // Before touching the room: nothing may keep it from unloading while this waits.
      if (quota.readAt < quotaReadSince) await quota.refresh()
      return await this.#join(name, member)
    } finally {
      this.#releaseQuota(quota)
    }
  }

  async #join(name: DocName, member: RoomMember): Promise<Room> {
    this.#clearIdle(name)
    let loading = this.#rooms.get(name)
    if (!loading) {
      const started = this.#load(name)
      loading = started
      this.#rooms.set(name, started)
      // Identity checks: a dropped load must not touch the entry of a load started after it.
      started.then(
        (room) => {
          if (this.#rooms.get(name) === started) this.#loaded.set(name, room)
        },
        () => {
          if (this.#rooms.get(name) === started) this.#rooms.delete(name)
        },
      )
    }
    const room = await loading
    if (room.gone) throw docGone()
    room.join(member)
    return room
  }

  /**
   * The doc was deleted (through this instance or another): closes its sockets with 4410 and
   * unloads its room, loaded or still loading, without storing anything more.
   */
  drop(name: DocName): void {
    this.#clearIdle(name)
    const room = this.#loaded.get(name)
    if (room) return this.#discard(room)
    const loading = this.#rooms.get(name)
    if (!loading) return
    this.#rooms.delete(name)
    loading.then((loaded) => this.#discard(loaded), () => undefined)
  }

  leave(room: Room, member: RoomMember): void {
    room.leave(member)
    if (room.members.size > 0 || this.#loaded.get(room.name) !== room) return
    const timer = setTimeout(() => void this.#unload(room), this.#opts.roomIdleMs)
    this.#idleTimers.set(room.name, timer)
  }

  /** Stores everything every room holds (waits while storage fails; callers bound it). */
  async flushAll(): Promise<void> {
    const rooms = await Promise.allSettled(this.#rooms.values())
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.writer.flush() : undefined)))
  }

  /** Unloads every room now (shutdown): flush, then free. Members must be gone already. */
  async closeAll(): Promise<void> {
    for (const timer of this.#idleTimers.values()) clearTimeout(timer)
    this.#idleTimers.clear()
    const rooms = await Promise.allSettled(this.#rooms.values())
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? this.#unload(r.value, false) : undefined)))
    await Promise.all(this.#unloading.values())
  }

  /** The account quota of `name`'s owner, held (by a room, or a join in progress) until `#releaseQuota`. */
  #holdQuota(name: DocName): AccountQuota {
    const owner = ownerOf(name)
    let quota = this.#quotas.get(owner)
    if (!quota) {
      quota = new AccountQuota(owner, this.#opts.store)
      this.#quotas.set(owner, quota)
    }
    quota.holders++
    return quota
  }

  /** Lets go of a quota; the entry goes once nothing holds it. */
  #releaseQuota(quota: AccountQuota): void {
    quota.holders--
    if (quota.holders <= 0 && this.#quotas.get(quota.owner) === quota) this.#quotas.delete(quota.owner)
  }

  #clearIdle(name: DocName): void {
    const timer = this.#idleTimers.get(name)
    if (timer) clearTimeout(timer)
    this.#idleTimers.delete(name)
  }

  #discard(room: Room): void {
    if (room.gone) return
    room.gone = true
    if (this.#loaded.get(room.name) === room) {
      this.#loaded.delete(room.name)
      this.#rooms.delete(room.name)
    }
    for (const member of [...room.members]) member.close(CloseCode.Gone, 'the document was deleted')
    void this.#free(room, () => room.writer.abandon(), 'unloading a deleted document failed')
  }

  async #load(name: DocName): Promise<Room> {
    await this.#unloading.get(name)
    let room: Room | null = null
    const early: Array<Parameters<FrameListener>> = []
    const listener: FrameListener = (...received) => {
      if (room) room.applyRemote(...received)
      else if (early.length < MAX_FRAMES_WHILE_LOADING) early.push(received)
    }
    const [subscribed, loaded] = await Promise.allSettled([this.#opts.broadcast.subscribe(name, listener), this.#opts.store.load(name)])
    if (subscribed.status === 'rejected' || loaded.status === 'rejected') {
      if (subscribed.status === 'fulfilled') subscribed.value()
      throw subscribed.status === 'rejected' ? subscribed.reason : (loaded as PromiseRejectedResult).reason
    }
    const stored = loaded.value
    const doc = new Y.Doc()
    applyUpdates(doc, storedUpdates(stored))
    const quota = this.#holdQuota(name)
    room = new Room(name, doc, {
      broadcast: this.#opts.broadcast,
      unsubscribe: () => {
        subscribed.value()
        this.#releaseQuota(quota)
      },
      maxAwarenessBytes: this.#opts.maxAwarenessBytes,
      quota,
      writer: {
        store: this.#opts.store,
        groupCommitMs: this.#opts.groupCommitMs,
        log: this.#opts.log,
        loaded: {
          seq: stored.seq,
          logUpdates: stored.updates.length,
          logBytes: stored.updates.reduce((sum, u) => sum + u.length, 0),
        },
        // A room already unloading (its last compaction found the doc gone) is freed by its unload.
        onGone: () => {
          if (room && this.#loaded.get(name) === room) this.#discard(room)
        },
      },
    })
    for (const received of early.splice(0)) room.applyRemote(...received)
    room.catchUp()
    return room
  }

  async #unload(room: Room, compact = true): Promise<void> {
    this.#idleTimers.delete(room.name)
    await room.writer.flush()
    if (room.members.size > 0 || this.#loaded.get(room.name) !== room) return
    this.#rooms.delete(room.name)
    this.#loaded.delete(room.name)
    // A compaction started by heavy writing may still be writing its snapshot.
    await this.#free(room, () => (compact ? room.writer.compact() : room.writer.settled()), 'unloading a document failed')
  }

  /**
   * Destroys `room` and releases its doc in the store once `settle` is done; a load of the same
   * doc meanwhile waits for it (`#unloading`). Failures are logged: the room is gone either way.
   */
  #free(room: Room, settle: () => Promise<void>, failure: string): Promise<void> {
    const unloading = (async () => {
      await settle()
      room.destroy()
      await this.#opts.store.release(room.name)
    })()
      .catch((error: unknown) => this.#opts.log.error({ err: error }, failure))
      .finally(() => {
        if (this.#unloading.get(room.name) === unloading) this.#unloading.delete(room.name)
      })
    this.#unloading.set(room.name, unloading)
    return unloading
  }
}

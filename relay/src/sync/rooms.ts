/**
 * Loads rooms on first join, shares one room per doc, and unloads a room `roomIdleMs` after its
 * last socket left — after its updates are stored and its log is compacted, so an unloaded
 * doc costs no memory. A doc is never loaded while its previous room is still unloading (the
 * two would race on the store).
 */
import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import type { DocName } from '@ferry/protocol'
import type { DocStore } from '../storage/doc-store.ts'
import type { Broadcast } from './broadcast.ts'
import { Room, type RoomMember } from './room.ts'

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

  constructor(opts: RoomsOptions) {
    this.#opts = opts
  }

  /** Rooms loaded or loading. */
  get size(): number {
    return this.#rooms.size
  }

  /** Adds `member` to the doc's room, loading it first if needed. Rejects when the doc cannot be loaded. */
  async join(name: DocName, member: RoomMember): Promise<Room> {
    const timer = this.#idleTimers.get(name)
    if (timer) clearTimeout(timer)
    this.#idleTimers.delete(name)
    let loading = this.#rooms.get(name)
    if (!loading) {
      loading = this.#load(name)
      this.#rooms.set(name, loading)
      loading.then(
        (room) => this.#loaded.set(name, room),
        () => this.#rooms.delete(name),
      )
    }
    const room = await loading
    room.join(member)
    return room
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

  async #load(name: DocName): Promise<Room> {
    await this.#unloading.get(name)
    const stored = await this.#opts.store.load(name)
    const doc = new Y.Doc()
    Y.transact(doc, () => {
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
      for (const update of stored.updates) Y.applyUpdate(doc, update)
    })
    return new Room(name, doc, {
      broadcast: this.#opts.broadcast,
      maxAwarenessBytes: this.#opts.maxAwarenessBytes,
      writer: {
        store: this.#opts.store,
        groupCommitMs: this.#opts.groupCommitMs,
        log: this.#opts.log,
        loaded: {
          seq: stored.seq,
          logUpdates: stored.updates.length,
          logBytes: stored.updates.reduce((sum, u) => sum + u.length, 0),
        },
      },
    })
  }

  async #unload(room: Room, compact = true): Promise<void> {
    this.#idleTimers.delete(room.name)
    await room.writer.flush()
    if (room.members.size > 0 || this.#loaded.get(room.name) !== room) return
    this.#rooms.delete(room.name)
    this.#loaded.delete(room.name)
    const unloading = (async () => {
      // A compaction started by heavy writing may still be writing its snapshot.
      await (compact ? room.writer.compact() : room.writer.settled())
      room.destroy()
      await this.#opts.store.release(room.name)
    })()
      .catch((error: unknown) => this.#opts.log.error({ err: error }, 'unloading a document failed'))
      .finally(() => this.#unloading.delete(room.name))
    this.#unloading.set(room.name, unloading)
    await unloading
  }
}

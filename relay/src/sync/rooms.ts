/**
 * Keeps one room per doc in use and decides when its doc is in memory. A room exists while
 * sockets are on it or its doc is loaded; its doc loads on the first join and again whenever a
 * frame needs it, and unloads once unused for a while (idle-unloads.ts) — `roomIdleUnloadMs`
 * with sockets still on the room (0: never while any is), `roomIdleMs` after the last one left —
 * after its updates are stored and its log is compacted, so an idle doc costs no memory: what stays is the room
 * (its sockets, their presence, its broadcast subscription). A doc is never loaded while its
 * previous copy is still being released by the store (the two would race on it).
 *
 * A room subscribes to its doc on the broadcast before it first loads, keeps what arrives
 * meanwhile, and asks the other instances for what it lacks once loaded (every time it
 * loads): an update another instance accepted but had not stored when this one loaded, or
 * whose frame raced the load, reaches this room's clients without any of them resyncing.
 *
 * A deleted doc's room (`drop`, or its writer or a load hearing `gone` from the store) closes
 * its sockets with 4410 and goes away without storing anything more; joining it fails with `gone`.
 *
 * Loaded docs are charged their estimated memory (memory-budget.ts): a load that would take
 * them past `roomsMemoryBudgetBytes` first unloads the docs nobody is on, and is refused with
 * 1013 if they still do not fit (as is an update, in the room).
 *
 * Every room of one account's docs shares that account's `AccountQuota` (kept while any of them
 * exists); a writer's socket joining reads the account's limit and usage from the stores
 * first. Read-only viewers never count and never refresh it.
 */
import type { FastifyBaseLogger } from 'fastify'
import { CloseCode, type DocName, type UserId } from '@ferry/protocol'
import { docGone, isGone, type DocStore } from '../storage/doc-store.ts'
import { ownerOf } from '../storage/usage.ts'
import { storedUpdates } from '../storage/yjs-updates.ts'
import type { VersionRecorder } from '../versions/recorder.ts'
import type { Broadcast } from './broadcast.ts'
import { AccountQuotas, type AccountQuota } from './quota.ts'
import { Room, type RoomMember } from './room.ts'
import { RoomDoc } from './room-doc.ts'
import { storedState, type StoredState } from './stored-state.ts'
import { MemoryBudget, RelayBusy, updateCost } from './memory-budget.ts'
import { DocReleases } from './doc-releases.ts'
import { IdleUnloads } from './idle-unloads.ts'
import { AccountApplyTimes } from './apply-budget.ts'

/**
 * Frames kept for a room while its doc loads; past this, frames from other instances are
 * dropped (the room's question once loaded brings what they held) and a socket's frame closes
 * it (or refuses its doc) with 1013.
 */
const MAX_FRAMES_WHILE_LOADING = 1024

export interface RoomsOptions {
  store: DocStore
  broadcast: Broadcast
  log: FastifyBaseLogger
  groupCommitMs: number
  /** Unload a doc this long after the last socket left its room. */
  roomIdleMs: number
  /** Unload a doc unused for this long while sockets are still on its room; 0: never. */
  roomIdleUnloadMs: number
  maxAwarenessBytes: number
  /** Memory one update from a socket may take to decode (`MAX_UPDATE_DECODED_BYTES`). */
  maxUpdateDecodedBytes: number
  /** Estimated memory one loaded doc may take (`MAX_DOC_DECODED_BYTES`). */
  maxDocDecodedBytes: number
  /** Estimated memory all loaded docs may take together (`ROOMS_MEMORY_BUDGET_BYTES`). */
  roomsMemoryBudgetBytes: number
  /** Bytes of frames kept for one room while its doc loads. */
  maxLoadingBytes: number
  /** Version history: the recorder of a doc while it is loaded (null: the doc keeps none), and its release at unload. */
  versions?: { recorder(name: DocName): VersionRecorder | null; release(name: DocName, recorder: VersionRecorder): void }
  /** Called with each doc loaded, before anything more is applied to it (to observe its changes while it stays loaded). */
  onDocLoaded?: (name: DocName, doc: RoomDoc) => void
}

export class Rooms {
  readonly #opts: RoomsOptions
  readonly #rooms = new Map<DocName, Room>()
  /** Each room's broadcast subscription: resolves once frames for its doc are heard. */
  readonly #subscribed = new WeakMap<Room, Promise<unknown>>()
  readonly #releases: DocReleases
  readonly #quotas: AccountQuotas
  readonly #idle: IdleUnloads
  readonly #budget: MemoryBudget
  readonly #applyTimes = new AccountApplyTimes()

  constructor(opts: RoomsOptions) {
    this.#opts = opts
    this.#releases = new DocReleases(opts.store, opts.log)
    this.#idle = new IdleUnloads({
      roomIdleMs: opts.roomIdleMs,
      roomIdleUnloadMs: opts.roomIdleUnloadMs,
      releases: this.#releases,
      rooms: () => this.#rooms.values(),
      releaseVersions: (name, recorder) => opts.versions?.release(name, recorder),
      remove: (room) => this.#remove(room),
    })
    this.#budget = new MemoryBudget(opts.roomsMemoryBudgetBytes, () => this.#idle.unloadUnused())
    this.#quotas = new AccountQuotas(opts.store)
    opts.broadcast.onResume(() => {
      for (const room of this.#rooms.values()) room.catchUp()
    })
  }

  /** Rooms whose doc is loaded or loading. */
  get loaded(): number {
    let count = 0
    for (const room of this.#rooms.values()) if (room.lazy.state !== 'unloaded') count++
    return count
  }

  /** Every room: loaded, loading, or unloaded with sockets on it. */
  get size(): number {
    return this.#rooms.size
  }

  /**
   * Adds `member` to the doc's room, loading the doc first if needed; `joined` runs right
   * after, in the same turn (nothing the room relays comes before it). Rejects when the doc
   * cannot be loaded. A writer's join reads the owner's quota from the stores first, unless it
   * was read since `quotaReadSince` (performance.now(); a multiplexed socket reads it once per
   * `open`).
   */
  async join(name: DocName, member: RoomMember, quotaReadSince = Number.POSITIVE_INFINITY, joined?: (room: Room) => void): Promise<Room> {
    if (member.readOnly) return this.#join(name, member, joined)
    // Held for the whole join, so the figures read here are the ones the room will use.
    const quota = this.#quotas.hold(ownerOf(name))
    try {
      if (quota.readAt < quotaReadSince) await quota.refresh()
      return await this.#join(name, member, joined)
    } finally {
      this.#quotas.release(quota)
    }
  }

  /**
   * Adds `member` (one that answers its own join) to the doc's room without loading the doc:
   * `joined` runs in the turn it joins with what the store holds, read now (`storedState`), and
   * the doc stays unloaded until a frame needs it — as an idle room's does, with the state
   * vector read kept. The room then asks the other instances for what the store lacked (as a
   * load does). False, and nothing joined, when the doc is loaded or loading (`join` answers
   * from memory) or its log is too long to merge. Rejects when the store cannot be read (a
   * deleted doc: `gone`, its room goes as after a load). The owner's quota as for `join`.
   */
  async joinStored(name: DocName, member: RoomMember, quotaReadSince: number, joined: (room: Room, state: StoredState) => void): Promise<boolean> {
    if ((this.#rooms.get(name)?.lazy.state ?? 'unloaded') !== 'unloaded') return false
    const quota = this.#quotas.hold(ownerOf(name))
    try {
      if (quota.readAt < quotaReadSince) await quota.refresh()
      return await this.#joinStored(name, member, joined)
    } finally {
      this.#quotas.release(quota)
    }
  }

  async #joinStored(name: DocName, member: RoomMember, joined: (room: Room, state: StoredState) => void): Promise<boolean> {
    await this.#releases.settled(name)
    const existing = this.#rooms.get(name)
    if (existing && existing.lazy.state !== 'unloaded') return false
    // Before anything is made or read, and only when the doc must be read (a state kept from an
    // earlier read costs nothing more): throws `RelayBusy` while the owner waits for its apply
    // time, which the read counts to. A refusal inside the read would remove a room another
    // open of the doc is still reading; nothing is awaited from here to where the kept state is taken.
    if (!existing?.lazy.stored) this.#applyTimes.check(ownerOf(name))
    const room = existing ?? this.#create(name)
    const joining = this.#joinStoredRoom(room, member, joined)
    // Questions from other instances wait for the state this reads rather than load the doc.
    room.lazy.reading ??= joining
    try {
      return await joining
    } finally {
      if (room.lazy.reading === joining) room.lazy.reading = null
    }
  }

  async #joinStoredRoom(room: Room, member: RoomMember, joined: (room: Room, state: StoredState) => void): Promise<boolean> {
    const kept = room.lazy.stored
    const loads = room.lazy.loads
    const state = kept ?? (await this.#readStored(room))
    if (room.gone) throw docGone()
    // A doc that loaded while the store was read may have taken (stored, and unloaded again)
    // updates the read missed, relayed before this member joined: the doc answers instead.
    if (this.#rooms.get(room.name) !== room || room.lazy.state !== 'unloaded' || room.lazy.loads !== loads || state === null) {
      this.#removeIfUnused(room)
      return false
    }
    room.lazy.keep(state)
    room.join(member, null)
    joined(room, state)
    // Anything other instances accepted but had not stored when it was read (as after a load).
    if (!kept) room.catchUp()
    this.#idle.arm(room)
    return true
  }

  /**
   * What the store holds of `room`'s doc (null: too long a log to merge), once its broadcast
   * subscription hears. Merging and scanning it count to the owner's apply time (an open can be
   * closed and asked again, and a room nobody is in goes; `joinStored` checks the owner first).
   */
  async #readStored(room: Room): Promise<StoredState | null> {
    try {
      const [, stored] = await Promise.all([this.#subscribed.get(room), this.#opts.store.load(room.name)])
      return room.answerCounted(() => storedState(stored))
    } catch (error) {
      if (isGone(error)) this.#discard(room)
      else this.#removeIfUnused(room)
      throw error
    } finally {
      // The store keeps no handles for a doc nobody loaded (a load meanwhile holds them).
      if (room.lazy.state === 'unloaded' && !room.gone) this.#releases.release(room.name, () => undefined)
    }
  }

  #join(name: DocName, member: RoomMember, joined?: (room: Room) => void): Promise<Room> {
    const room = this.#rooms.get(name) ?? this.#create(name)
    return new Promise((resolve, reject) => {
      room.whenLoaded((doc) => {
        if (room.gone) return reject(docGone())
        room.join(member, doc)
        // The first socket on it: the idle deadline is now `roomIdleUnloadMs`'s.
        if (room.members.size === 1) this.#idle.arm(room, true)
        joined?.(room)
        resolve(room)
      }, reject)
    })
  }

  /**
   * The doc was deleted (through this instance or another): closes its sockets with 4410 and
   * drops its room, doc loaded or still loading, without storing anything more.
   */
  drop(name: DocName): void {
    const room = this.#rooms.get(name)
    if (room) this.#discard(room)
  }

  /** Closes the read-only sockets (share links) on the doc's room here; answers how many. */
  closeViewers(name: DocName, code: number, reason: string): number {
    const viewers = [...(this.#rooms.get(name)?.members ?? [])].filter((member) => member.readOnly)
    for (const viewer of viewers) viewer.close(code, reason)
    return viewers.length
  }

  /** `drop` for every room of a doc `owner` owns (the account was deleted). */
  dropOwnedBy(owner: UserId): void {
    for (const name of [...this.#rooms.keys()]) if (ownerOf(name) === owner) this.drop(name)
  }

  leave(room: Room, member: RoomMember): void {
    room.leave(member)
    if (room.members.size > 0 || this.#rooms.get(room.name) !== room) return
    // The last socket left: `roomIdleMs` counts from now; an unloaded doc's room goes at once.
    room.lazy.touch()
    if (room.lazy.state === 'unloaded') this.#remove(room)
    else if (room.lazy.state === 'loaded') this.#idle.arm(room, true)
  }

  /** Stores everything every doc holds, once the loads in flight applied what waited for them (waits while storage fails; callers bound it). */
  async flushAll(): Promise<void> {
    const rooms = [...this.#rooms.values()]
    await Promise.all(rooms.map((room) => room.lazy.settled()))
    await Promise.all(rooms.flatMap((room) => (room.loaded ? [room.loaded.writer.flush()] : [])))
  }

  /** Unloads every doc and drops every room now (shutdown): flush, then free. Members must be gone already. */
  async closeAll(): Promise<void> {
    const rooms = [...this.#rooms.values()]
    for (const room of rooms) room.clearIdleTimer()
    await Promise.all(rooms.map((room) => room.lazy.settled()))
    await this.#idle.settled()
    await Promise.all(rooms.map((room) => this.#idle.unload(room, { compact: false, force: true })))
    for (const room of rooms) this.#remove(room)
    await this.#releases.all()
  }

  #create(name: DocName): Room {
    // Once per room: each update asks for its owner's apply time up to four times.
    const owner = ownerOf(name)
    const quota = this.#quotas.hold(owner)
    const subscribed = this.#opts.broadcast.subscribe(name, (...received) => room.applyRemote(...received))
    // Handled where it is awaited (a load, a stored read); this only keeps it from being unhandled.
    subscribed.catch(() => undefined)
    const room: Room = new Room(name, {
      broadcast: this.#opts.broadcast,
      maxAwarenessBytes: this.#opts.maxAwarenessBytes,
      maxUpdateDecodedBytes: this.#opts.maxUpdateDecodedBytes,
      maxDocDecodedBytes: this.#opts.maxDocDecodedBytes,
      budget: this.#budget,
      quota,
      applyTimes: {
        check: () => this.#applyTimes.check(owner),
        measured: (work) => this.#applyTimes.measured(owner, work),
        apply: (doc, update, member, decoded, recheck) => this.#applyTimes.apply(owner, doc, update, member, decoded, recheck, (spoiled) => this.#reload(room, spoiled)),
      },
      unsubscribe: () => {
        subscribed.then((unsubscribe) => unsubscribe(), () => undefined)
        this.#quotas.release(quota)
      },
      doc: {
        load: () => this.#load(room, subscribed, quota),
        onLoaded: () => this.#idle.arm(room),
        // Loaded just as the doc was deleted.
        discard: (doc) => this.#releases.release(name, async () => {
          await doc.writer.abandon()
          doc.destroy()
        }, 'unloading a deleted document failed'),
        onLoadFailed: (error) => this.#loadFailed(room, error),
        maxTasks: MAX_FRAMES_WHILE_LOADING,
        maxBytes: this.#opts.maxLoadingBytes,
      },
    })
    this.#rooms.set(name, room)
    this.#subscribed.set(room, subscribed)
    return room
  }

  async #load(room: Room, subscribed: Promise<unknown>, quota: AccountQuota): Promise<RoomDoc> {
    await this.#releases.settled(room.name)
    const [heard, read] = await Promise.allSettled([subscribed, this.#opts.store.load(room.name)])
    if (heard.status === 'rejected' || read.status === 'rejected') {
      if (read.status === 'fulfilled') this.#releases.release(room.name, () => undefined)
      throw heard.status === 'rejected' ? heard.reason : (read as PromiseRejectedResult).reason
    }
    let doc: RoomDoc
    let cost = 0
    try {
      // Counted before anything decodes it (~3 ms per 21 MB); a corrupt part throws below.
      for (const part of storedUpdates(read.value)) cost += updateCost(part)
      if (!this.#budget.fits(cost)) await this.#budget.freeIdle()
      if (!this.#budget.fits(cost)) throw new RelayBusy()
      doc = new RoomDoc(room.name, read.value, {
        store: this.#opts.store,
        groupCommitMs: this.#opts.groupCommitMs,
        log: this.#opts.log,
        account: quota,
        // The store says the doc was deleted (maybe through another relay): whichever copy heard it.
        onGone: () => this.#discard(room),
      }, this.#opts.versions?.recorder(room.name) ?? null)
    } catch (error) {
      this.#releases.release(room.name, () => undefined)
      throw error
    }
    doc.charge(cost, this.#budget)
    if (room.gone) {
      // Deleted while it loaded: let go of what was read.
      this.#releases.release(room.name, () => doc.destroy())
      throw docGone()
    }
    this.#opts.onDocLoaded?.(room.name, doc)
    return doc
  }

  #loadFailed(room: Room, error: unknown): void {
    if (isGone(error)) return this.#discard(room)
    // Sockets on it stay (their next frame tries again; one refused for memory was told when); a room nobody is on goes.
    if (room.members.size === 0) this.#remove(room)
    else if (!(error instanceof RelayBusy)) this.#opts.log.error({ err: error, doc: room.name }, 'loading a document again failed')
  }

  /**
   * Drops `room`'s doc, ahead of the store once an update was refused part-applied: what it took
   * before is stored, its state never is; the next frame loads it once this release is done.
   */
  #reload(room: Room, doc: RoomDoc): void {
    const stored = doc.spoiled
    if (!stored || room.loaded !== doc) return
    // Registered before the drop: a load the drop starts waits for it.
    this.#releases.release(room.name, async () => {
      await doc.writer.flush()
      await doc.writer.settled()
      doc.destroy()
    })
    room.lazy.drop(doc, stored)
    if (doc.versions) this.#opts.versions?.release(room.name, doc.versions)
    this.#removeIfUnused(room)
  }

  /** Drops a room nobody is on whose doc is not loaded or loading. */
  #removeIfUnused(room: Room): void {
    if (room.members.size === 0 && room.lazy.state === 'unloaded') this.#remove(room)
  }

  /** Drops a room whose doc is not loaded (or is being let go of). */
  #remove(room: Room): void {
    room.clearIdleTimer()
    if (this.#rooms.get(room.name) !== room) return
    this.#rooms.delete(room.name)
    room.unsubscribe()
  }

  #discard(room: Room): void {
    if (room.gone) return
    const doc = room.abandon(docGone())
    this.#remove(room)
    for (const member of [...room.members]) member.close(CloseCode.Gone, 'the document was deleted')
    if (doc) {
      this.#releases.release(room.name, async () => {
        await doc.writer.abandon()
        doc.destroy()
      }, 'unloading a deleted document failed')
    }
  }
}

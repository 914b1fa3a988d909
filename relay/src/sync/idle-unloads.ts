/**
 * When a room's doc leaves memory: a timer per room checks whether its doc has been unused for
 * `roomIdleUnloadMs` (sockets still on it; 0: never) or `roomIdleMs` (nobody on it), and then
 * stores, compacts and lets go of it — unless anything used it meanwhile. Also what the memory
 * budget calls when short (unload every doc nobody is on) and what shutdown waits for.
 */
import type { DocName } from '@ferry/protocol'
import type { VersionRecorder } from '../versions/recorder.ts'
import type { DocReleases } from './doc-releases.ts'
import type { Room } from './room.ts'

export interface IdleUnloadsOptions {
  roomIdleMs: number
  roomIdleUnloadMs: number
  releases: DocReleases
  /** Every room there is. */
  rooms: () => Iterable<Room>
  /** Hands an unloaded doc's version recorder back. */
  releaseVersions: (name: DocName, recorder: VersionRecorder) => void
  /** Drops a room nobody is on, once its doc went. */
  remove: (room: Room) => void
}

export class IdleUnloads {
  readonly #opts: IdleUnloadsOptions
  /** Unloads storing and compacting, for shutdown to wait for. */
  readonly #unloads = new Set<Promise<void>>()

  constructor(opts: IdleUnloadsOptions) {
    this.#opts = opts
  }

  /** Resolves once the idle unloads under way are done. */
  async settled(): Promise<void> {
    await Promise.all(this.#unloads)
  }

  /**
   * Sets the timer that checks when the doc is due to unload, or an unloaded doc's kept stored
   * state due to go (`now`: replacing the one set); a use since only moves the deadline — the
   * timer finds that and waits the rest — so using a doc never touches a timer.
   */
  arm(room: Room, now = false): void {
    if (now) room.clearIdleTimer()
    if (room.idleTimer || room.unloading || room.gone || !(room.loaded || room.lazy.stored)) return
    const wait = room.members.size > 0 ? this.#opts.roomIdleUnloadMs : this.#opts.roomIdleMs
    if (room.members.size > 0 && wait === 0) return // off while sockets are on it; their leaving re-arms it
    room.idleTimer = setTimeout(() => {
      room.idleTimer = null
      if (room.lazy.lastUsedAt + wait > performance.now()) return this.arm(room)
      if (!room.loaded) return room.lazy.forgetStored()
      void this.#unloadTracked(room)
    }, Math.max(0, room.lazy.lastUsedAt + wait - performance.now()))
  }

  /** Unloads now the docs nobody is on (the memory budget is short); resolves once each tried. */
  async unloadUnused(): Promise<void> {
    const unloads: Promise<void>[] = []
    for (const room of this.#opts.rooms()) {
      if (room.members.size > 0 || !room.loaded || room.unloading) continue
      room.clearIdleTimer()
      unloads.push(this.#unloadTracked(room))
    }
    await Promise.allSettled(unloads)
    // A doc is given back once the store let go of it.
    await this.#opts.releases.all()
  }

  /** `unload` of an idle doc, compacting; `settled` waits for it. */
  #unloadTracked(room: Room): Promise<void> {
    const unload = this.unload(room, { compact: true, force: false }).finally(() => this.#unloads.delete(unload))
    this.#unloads.add(unload)
    return unload
  }

  /**
   * Stores and (unless `compact` is false) compacts the doc, then lets go of it — unless it was
   * used meanwhile (`force`: shutdown, nothing can use it), in which case it stays loaded. A
   * room nobody is on goes with its doc.
   */
  async unload(room: Room, { compact, force }: { compact: boolean; force: boolean }): Promise<void> {
    const doc = room.loaded
    if (!doc || room.unloading) return
    room.unloading = true
    const uses = room.lazy.uses
    try {
      await doc.writer.flush()
      // A compaction started by heavy writing may still be writing its snapshot.
      await (compact ? doc.writer.compact() : doc.writer.settled())
    } finally {
      room.unloading = false
    }
    if (room.loaded !== doc || room.gone) return
    if (!force && (room.lazy.uses !== uses || doc.writer.dirty)) return this.arm(room)
    if (room.lazy.unload() !== doc) return this.arm(room)
    this.#opts.releases.release(room.name, () => doc.destroy())
    if (doc.versions) this.#opts.releaseVersions(room.name, doc.versions)
    if (room.members.size === 0) this.#opts.remove(room)
  }
}

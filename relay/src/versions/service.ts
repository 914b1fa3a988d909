/**
 * Version history for the relay: one `VersionRecorder` per loaded collection doc (rooms ask
 * for it) and the reads the routes need — list, a version's state, a diff of two, naming, and
 * taking a named version of the stored state now.
 */
import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import { parseDocName, type DocName } from '@ferry/protocol'
import { diffCollections, summarize, type CollectionDiff } from '@ferry/schema'
import type { DocStore } from '../storage/doc-store.ts'
import type { VersionRecord, VersionStore } from '../storage/versions/version-store.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'
import { rebuild } from './chain.ts'
import { VersionRecorder, type VersionPolicy } from './recorder.ts'

export class Versions {
  /** Each loaded collection's recorder, and how many loads of it hold it (a doc may load again before its last unload settled). */
  readonly #recorders = new Map<DocName, { recorder: VersionRecorder; holders: number }>()

  constructor(
    readonly store: VersionStore,
    private readonly docs: DocStore,
    readonly policy: VersionPolicy,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The recorder of a doc while it is loaded; null for docs that are not collections (only collections keep versions). */
  recorder(name: DocName): VersionRecorder | null {
    const parsed = parseDocName(name)
    if (!parsed.ok || parsed.value.kind !== 'collection') return null
    let held = this.#recorders.get(name)
    if (!held) {
      held = { recorder: new VersionRecorder(this.store, name, this.policy, this.log), holders: 0 }
      this.#recorders.set(name, held)
    }
    held.holders++
    return held.recorder
  }

  /** The doc unloaded: its recorder goes once the versions it queued are stored, unless the doc loaded again. */
  release(name: DocName, recorder: VersionRecorder): void {
    const held = this.#recorders.get(name)
    if (held?.recorder !== recorder) return
    held.holders--
    void recorder.settled().then(() => {
      if (this.#recorders.get(name) === held && held.holders === 0) this.#recorders.delete(name)
    })
  }

  /** Resolves once every version queued so far is stored (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.#recorders.values()].map((held) => held.recorder.settled()))
  }

  list(name: DocName): Promise<VersionRecord[]> {
    return this.store.list(name)
  }

  /** Version `id`'s whole state as one Yjs update. */
  async state(name: DocName, id: number): Promise<Uint8Array> {
    const doc = await rebuild(this.store, name, id)
    try {
      return Y.encodeStateAsUpdate(doc)
    } finally {
      doc.destroy()
    }
  }

  /** What changed from version `from` to version `to`. */
  async diff(name: DocName, from: number, to: number): Promise<CollectionDiff> {
    const listed = await this.store.list(name)
    const [a, b] = await Promise.all([rebuild(this.store, name, from, listed), rebuild(this.store, name, to, listed)])
    try {
      return diffCollections(a, b)
    } finally {
      a.destroy()
      b.destroy()
    }
  }

  rename(name: DocName, id: number, label: string | null): Promise<boolean> {
    return this.store.rename(name, id, label)
  }

  /**
   * Takes a version of what the store holds now, named `label` (the caller stored what the
   * relay accepted first); its recorder, if any, takes the next one after it.
   */
  async takeNamed(name: DocName, label: string, devices: readonly string[]): Promise<VersionRecord> {
    await this.#recorders.get(name)?.recorder.settled()
    const doc = new Y.Doc()
    try {
      applyUpdates(doc, storedUpdates(await this.docs.load(name)))
      const listed = await this.store.list(name)
      const last = listed.at(-1)
      const previous = last ? await rebuild(this.store, name, last.id, listed) : new Y.Doc()
      let summary
      let update
      try {
        summary = summarize(diffCollections(previous, doc))
        update = Y.encodeStateAsUpdate(doc, last ? Y.encodeStateVector(previous) : undefined)
      } finally {
        previous.destroy()
      }
      const entry = { at: this.policy.now(), devices: [...devices], summary, name: label, base: !last }
      const id = await this.store.add(name, entry, { stateVector: Y.encodeStateVector(doc), update })
      this.#recorders.get(name)?.recorder.forgetHead()
      return { ...entry, id, bytes: update.length }
    } finally {
      doc.destroy()
    }
  }
}


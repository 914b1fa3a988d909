/**
 * The embedded `VersionStore`: a doc's versions in `versions/` inside its directory (see
 * files-doc-store.ts), so deleting the doc removes them with everything else (its key, which
 * seals them, first). `versions/index` holds every version's metadata as one sealed frame,
 * rewritten atomically on each change; `versions/state-<id>` holds one version's sealed
 * state. A state file is written before the index names it and unlinked after the index
 * stopped naming it, so a crash leaves at most a file nothing lists, never a listed version
 * without its state. Changes to one doc's versions run one at a time.
 */
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DocName } from '@ferry/protocol'
import { MasterKey } from '../keys.ts'
import { openChunks, sealChunks } from '../sealed-frames.ts'
import { exists, mkdirDurable, writeFileAtomic } from '../files/fs-util.ts'
import { TOMBSTONE } from '../files/doc-files.ts'
import { openState, sealState } from './sealed-versions.ts'
import { VersionStoreError, type VersionEntry, type VersionRecord, type VersionState, type VersionStore } from './version-store.ts'

interface Index {
  next: number
  versions: VersionRecord[]
}

interface DocVersions {
  readonly id: string
  readonly dir: string
  readonly key: Buffer
}

const stateFile = (id: number): string => `state-${id}`

export class FilesVersionStore implements VersionStore {
  readonly #root: string
  readonly #master: MasterKey
  /** The change running on each doc's versions, so the next waits for it. */
  readonly #queues = new Map<string, Promise<unknown>>()

  /** `root` is the files doc store's (`<dataDir>/docs`), `masterKey` the same key. */
  constructor(root: string, masterKey: Buffer) {
    this.#root = root
    this.#master = new MasterKey(masterKey)
  }

  add(name: DocName, entry: VersionEntry, state: VersionState): Promise<number> {
    return this.#change(name, async (doc, index) => {
      const id = index.next
      const sealed = sealState(doc.key, doc.id, id, state)
      await mkdirDurable(doc.dir)
      await writeFileAtomic(join(doc.dir, stateFile(id)), [sealed])
      index.next = id + 1
      index.versions.push({ ...entry, id, bytes: sealed.length })
      return { result: id, write: true }
    })
  }

  async list(name: DocName): Promise<VersionRecord[]> {
    const doc = await this.#doc(name, false)
    return doc ? (await this.#index(doc)).versions : []
  }

  async read(name: DocName, ids: readonly number[]): Promise<VersionState[]> {
    const doc = await this.#doc(name, false)
    if (!doc) throw new VersionStoreError('not_found', 'the document has no versions')
    const states: VersionState[] = []
    for (const id of ids) {
      let bytes: Buffer
      try {
        bytes = await readFile(join(doc.dir, stateFile(id)))
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new VersionStoreError('not_found', `there is no version ${id}`)
        throw new VersionStoreError('io', `reading version ${id} failed: ${(cause as Error).message}`, { cause })
      }
      states.push(openState(doc.key, doc.id, id, bytes))
    }
    return states
  }

  rename(name: DocName, id: number, label: string | null): Promise<boolean> {
    return this.#change(name, async (_doc, index) => {
      const at = index.versions.findIndex((v) => v.id === id)
      if (at === -1) return { result: false, write: false }
      index.versions[at] = { ...index.versions[at]!, name: label }
      return { result: true, write: true }
    })
  }

  rewrite(name: DocName, id: number, base: boolean, state: VersionState): Promise<void> {
    return this.#change(name, async (doc, index) => {
      const at = index.versions.findIndex((v) => v.id === id)
      if (at === -1) throw new VersionStoreError('not_found', `there is no version ${id}`)
      const sealed = sealState(doc.key, doc.id, id, state)
      await writeFileAtomic(join(doc.dir, stateFile(id)), [sealed])
      index.versions[at] = { ...index.versions[at]!, base, bytes: sealed.length }
      return { result: undefined, write: true }
    })
  }

  async remove(name: DocName, ids: readonly number[]): Promise<void> {
    const dropped = new Set(ids)
    await this.#change(name, async (_doc, index) => {
      const before = index.versions.length
      index.versions = index.versions.filter((v) => !dropped.has(v.id))
      return { result: undefined, write: index.versions.length !== before }
    }, async (doc) => {
      for (const id of dropped) await rm(join(doc.dir, stateFile(id)), { force: true })
    })
  }

  async size(name: DocName): Promise<number> {
    const doc = await this.#doc(name, false)
    if (!doc) return 0
    let bytes = 0
    for (const file of await readdir(doc.dir).catch(() => [] as string[])) {
      bytes += (await readFile(join(doc.dir, file))).length
    }
    return bytes
  }

  /**
   * Runs `change` on the doc's index after the changes queued before it, writes the index when
   * it says so, then runs `after` (unlinking what the index no longer names).
   */
  #change<T>(
    name: DocName,
    change: (doc: DocVersions, index: Index) => Promise<{ result: T; write: boolean }>,
    after?: (doc: DocVersions) => Promise<void>,
  ): Promise<T> {
    const id = this.#master.docId(name)
    const run = (this.#queues.get(id) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const doc = await this.#doc(name, true)
        if (!doc) throw new VersionStoreError('not_found', 'the document was never written')
        const index = await this.#index(doc)
        const { result, write } = await change(doc, index)
        if (write) await writeFileAtomic(join(doc.dir, 'index'), sealChunks(doc.key, indexContext(doc.id), Buffer.from(JSON.stringify(index))))
        await after?.(doc)
        // Deleted while this was written: what it wrote goes too, so a delete leaves no version behind.
        if (await exists(join(doc.dir, '..', TOMBSTONE))) {
          await rm(doc.dir, { force: true, recursive: true, maxRetries: 5, retryDelay: 20 })
          throw new VersionStoreError('gone', 'the document was deleted')
        }
        return result
      })
    this.#queues.set(id, run)
    const forget = (): void => {
      if (this.#queues.get(id) === run) this.#queues.delete(id)
    }
    // The caller hears the outcome from `run`; this only tidies the queue either way.
    run.then(forget, forget)
    return run
  }

  /** The doc's versions directory and data key; null when the doc has no key (never written) or was deleted. */
  async #doc(name: DocName, forWriting: boolean): Promise<DocVersions | null> {
    const id = this.#master.docId(name)
    const docDir = join(this.#root, id.slice(0, 2), id)
    if (await exists(join(docDir, TOMBSTONE))) {
      if (forWriting) throw new VersionStoreError('gone', 'the document was deleted')
      return null
    }
    let wrapped: Buffer
    try {
      wrapped = await readFile(join(docDir, 'key'))
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new VersionStoreError('io', `reading the key of doc ${id} failed: ${(cause as Error).message}`, { cause })
    }
    return { id, dir: join(docDir, 'versions'), key: this.#master.unwrapDataKey(id, wrapped) }
  }

  async #index(doc: DocVersions): Promise<Index> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(doc.dir, 'index'))
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { next: 1, versions: [] }
      throw new VersionStoreError('io', `reading the versions of doc ${doc.id} failed: ${(cause as Error).message}`, { cause })
    }
    const plain = openChunks(doc.key, indexContext(doc.id), bytes)
    if (!plain) throw new VersionStoreError('corrupt', `the version index of doc ${doc.id} does not open`)
    return JSON.parse(plain.toString('utf8')) as Index
  }
}

const indexContext = (docId: string): Buffer => Buffer.from(`ferry/version-index/v1/${docId}`)

/**
 * The on-disk form of one account's usage (files store): `usage/<account id>` holds the whole
 * figure — bytes per doc id, the tombstone count and a generation — and
 * `usage/<account id>.<generation>.log` the changes since, one JSON line per save naming only
 * the docs that changed. A save appends a line (O(changes), not O(docs): rewriting a file
 * listing every doc on each doc's creation made an account of a million docs rewrite ~70 MB per
 * new doc); once the journal outgrows the whole file, the whole file is rewritten under the next
 * generation and the old journal removed. A crash between the two leaves a journal of an older
 * generation, which is never read (and removed at the next rewrite). A torn last line (a crash
 * mid-append) is skipped; a failed append makes the next save a rewrite, so no line is ever
 * written after a torn one.
 */
import { open, readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fsyncDir, writeFileAtomic } from './fs-util.ts'

/** The journal is folded into the whole file once it is larger than the file and than this. */
const JOURNAL_MIN_BYTES = 64 * 1024

export interface UsageState {
  readonly docs: Map<string, number>
  tombstones: number
}

interface WholeFile {
  readonly docs: Record<string, number>
  /** Absent in files from before tombstones were counted. */
  readonly tombstones?: number
  /** Absent in files from before the journal: generation 0. */
  readonly generation?: number
}

interface JournalLine {
  /** Docs changed: their bytes, or null once they are no longer listed. */
  readonly docs: Record<string, number | null>
  readonly tombstones: number
}

const journalPath = (path: string, generation: number): string => `${path}.${generation}.log`

/**
 * Reads `path` and its journal into `state` (an account whose docs were only ever journaled has
 * no whole file yet: generation 0); false when neither exists.
 */
export async function readUsage(path: string, state: UsageState, file: UsageFile): Promise<boolean> {
  let whole: WholeFile = { docs: {} }
  let found = true
  try {
    whole = JSON.parse(await readFile(path, 'utf8')) as WholeFile
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    found = false
  }
  for (const [docId, bytes] of Object.entries(whole.docs)) state.docs.set(docId, bytes)
  state.tombstones = whole.tombstones ?? 0
  file.generation = whole.generation ?? 0
  file.wholeBytes = found ? Buffer.byteLength(JSON.stringify(whole)) : 0
  let journal = ''
  try {
    journal = await readFile(journalPath(path, file.generation), 'utf8')
    found = true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  for (const line of journal.split('\n')) {
    if (line === '') continue
    let change: JournalLine
    try {
      change = JSON.parse(line) as JournalLine
    } catch {
      // Torn by a crash mid-append; nothing follows it (a failed append forces a rewrite).
      file.torn = true
      break
    }
    for (const [docId, bytes] of Object.entries(change.docs)) {
      if (bytes === null) state.docs.delete(docId)
      else state.docs.set(docId, bytes)
    }
    state.tombstones = change.tombstones
    file.journalBytes += Buffer.byteLength(line) + 1
  }
  return found
}

/** Where one account's usage file stands on disk, and writing it. */
export class UsageFile {
  generation = 0
  wholeBytes = 0
  journalBytes = 0
  /** The journal may end in a partial line: the next save rewrites the whole file. */
  torn = false

  constructor(readonly path: string) {}

  /** Stores the change of `changed` docs (all of `state` when `whole`, or when the journal has grown past the file). */
  async save(state: UsageState, changed: ReadonlySet<string>, whole: boolean): Promise<void> {
    if (whole || this.torn || this.journalBytes > Math.max(this.wholeBytes, JOURNAL_MIN_BYTES)) return this.#rewrite(state)
    const docs: Record<string, number | null> = {}
    for (const docId of changed) docs[docId] = state.docs.get(docId) ?? null
    const line = Buffer.from(`${JSON.stringify({ docs, tombstones: state.tombstones } satisfies JournalLine)}\n`)
    const created = this.journalBytes === 0
    const handle = await open(journalPath(this.path, this.generation), 'a', 0o600)
    try {
      await handle.write(line)
      await handle.datasync()
    } catch (error) {
      this.torn = true
      throw error
    } finally {
      await handle.close()
    }
    if (created) await fsyncDir(dirname(this.path))
    this.journalBytes += line.length
  }

  async #rewrite(state: UsageState): Promise<void> {
    const generation = this.generation + 1
    const body = Buffer.from(JSON.stringify({ docs: Object.fromEntries(state.docs), tombstones: state.tombstones, generation } satisfies WholeFile))
    await writeFileAtomic(this.path, [body])
    const old = journalPath(this.path, this.generation)
    this.generation = generation
    this.wholeBytes = body.length
    this.journalBytes = 0
    this.torn = false
    await rm(old, { force: true })
    // One a crash left behind between an earlier rewrite and its removal.
    await rm(journalPath(this.path, generation - 2), { force: true })
  }
}

/**
 * What every document class (collection, workspace index, environments) offers about its doc
 * as a whole: whether this version may write it (see schema-version.ts) and its lost
 * concurrent values (see conflicts.ts).
 */
import type * as Y from 'yjs'
import type { Conflict, ConflictLog } from './conflicts.ts'
import { canWrite, writeDoc } from './schema-version.ts'

export abstract class DocView {
  protected abstract readonly log: ConflictLog

  constructor(readonly doc: Y.Doc) {}

  /** Whether this version of Ferry may edit the doc (false: a newer version wrote it). */
  writable(): boolean {
    return canWrite(this.doc)
  }

  /** Values concurrent writes made lose, until resolved (see `Conflict.path` for where). */
  conflicts(): Conflict[] {
    return this.log.list()
  }

  /** Closes a conflict: `mine` puts the lost value back, `theirs` keeps the current one. */
  resolveConflict(id: string, keep: 'mine' | 'theirs'): boolean {
    return writeDoc(this.doc, () => this.log.resolve(id, keep))
  }
}

/**
 * Storage faults for fake-indexeddb, as a browser produces them: a transaction that aborts (a
 * full disk: QuotaExceededError), a value the browser cannot read back (Chromium's "Failed to
 * read large IndexedDB value": that one request fails), and a connection the browser closes
 * under the page (Safari's "Connection to Indexed Database server lost", DevTools clearing site
 * data) — fake-indexeddb's `forceCloseDatabase`, after which every transaction throws. Faults
 * apply to one database by name; `restore()` ends them.
 */
import { afterEach } from 'vitest'
import { forceCloseDatabase, IDBDatabase as FakeDatabase, IDBIndex as FakeIndex } from 'fake-indexeddb'

/** Which of a database's transactions abort: by mode; `times` of them, or every one while set. */
interface AbortRule {
  readonly mode: IDBTransactionMode
  times?: number
}

export interface IdbFaults {
  /** Aborts transactions of `mode` on the database (after they start, as a failing request would). */
  abort(mode: IDBTransactionMode, times?: number): void
  /** Makes every `getAll(key)` of an index of the database fail, as a value the browser cannot read back. */
  unreadable(key: IDBValidKey): void
  /** Closes the connections to the database that ran a transaction since `idbFaults`, as the browser does when its storage fails. */
  forceClose(): void
  /** Ends every fault (open connections that were force-closed stay closed). */
  restore(): void
}

export function idbFaults(database: string): IdbFaults {
  const original = FakeDatabase.prototype.transaction
  const originalGetAll = FakeIndex.prototype.getAll
  const unreadable = new Set<IDBValidKey>()
  const rules: AbortRule[] = []
  FakeIndex.prototype.getAll = function (this: IDBIndex, ...args: Parameters<IDBIndex['getAll']>) {
    const query = args[0]
    if (this.objectStore.transaction.db.name !== database || !unreadable.has(query as IDBValidKey)) return originalGetAll.apply(this, args)
    // fake-indexeddb runs a request's operation in its transaction: one that throws fails that request only.
    const transaction = this.objectStore.transaction as unknown as { _execRequestAsync(request: { operation: () => never; source: unknown }): IDBRequest }
    return transaction._execRequestAsync({
      operation: () => {
        throw new DOMException('Failed to read large IndexedDB value', 'NotReadableError')
      },
      source: this,
    })
  } as IDBIndex['getAll']
  const connections = new Set<IDBDatabase>()
  FakeDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = original.apply(this, args)
    if (this.name !== database) return tx
    connections.add(this)
    const rule = rules.find((r) => r.mode === (args[1] ?? 'readonly') && (r.times === undefined || r.times > 0))
    if (rule) {
      if (rule.times !== undefined) rule.times--
      queueMicrotask(() => tx.abort())
    }
    return tx
  } as IDBDatabase['transaction']
  return {
    abort: (mode, times) => rules.push(times === undefined ? { mode } : { mode, times }),
    unreadable: (key) => unreadable.add(key),
    // fake-indexeddb types its argument as its database class; the connections are instances of it.
    forceClose: () => connections.forEach((db) => forceCloseDatabase(db as unknown as Parameters<typeof forceCloseDatabase>[0])),
    restore: () => {
      rules.length = 0
      unreadable.clear()
      FakeDatabase.prototype.transaction = original
      FakeIndex.prototype.getAll = originalGetAll
    },
  }
}

/**
 * How a test file puts faults on databases: each one is ended after every test. Call it after
 * `fakeDevices()`: hooks after a test run last made first, so the faults end before the devices
 * close (and write what they still hold).
 */
export function useIdbFaults(): (database: string) => IdbFaults {
  const made: IdbFaults[] = []
  afterEach(() => {
    for (const faults of made.splice(0)) faults.restore()
  })
  return (database) => {
    const faults = idbFaults(database)
    made.push(faults)
    return faults
  }
}

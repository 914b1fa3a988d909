/**
 * Small promise helpers over IndexedDB, always through an explicit `IDBFactory` so that tests
 * (and embedders) can give each simulated device its own isolated factory.
 */

/** The browser's factory, or an error naming the option to pass where there is none (Node). */
export function defaultIndexedDB(): IDBFactory {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (!factory) throw new Error('No IndexedDB here: pass an IDBFactory as the `indexedDB` option.')
  return factory
}

export function requestToPromise<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })
}

export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

export function openDatabase(factory: IDBFactory, name: string, version: number, upgrade: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, version)
    request.onupgradeneeded = () => upgrade(request.result)
    request.onsuccess = () => {
      const db = request.result
      // Another tab deleting it (signing its account out) must not wait for this tab to hear of
      // it: the connection gives way, as lib0 does for y-indexeddb's databases.
      db.onversionchange = () => db.close()
      resolve(db)
    }
    request.onerror = () => reject(request.error ?? new Error(`Cannot open IndexedDB database ${name}`))
    request.onblocked = () => reject(new Error(`IndexedDB database ${name} is blocked by another connection`))
  })
}

/** Deletes a database; resolves once gone. A connection still open elsewhere delays it until closed. */
export function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name)
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error ?? new Error(`Cannot delete IndexedDB database ${name}`))
  })
}

/**
 * Runs `fn` with `globalThis.indexedDB` set to `factory`. Libraries that read the global
 * (y-indexeddb via lib0) open their databases synchronously inside `fn`, so the swap never
 * spans an `await` and two factories can be used side by side in one process.
 */
export function withIndexedDB<T>(factory: IDBFactory, fn: () => T): T {
  const scope = globalThis as { indexedDB?: IDBFactory }
  if (scope.indexedDB === factory) return fn()
  const previous = Object.getOwnPropertyDescriptor(scope, 'indexedDB')
  Object.defineProperty(scope, 'indexedDB', { value: factory, configurable: true, writable: true })
  try {
    return fn()
  } finally {
    if (previous) Object.defineProperty(scope, 'indexedDB', previous)
    else delete scope.indexedDB
  }
}

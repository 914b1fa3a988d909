/**
 * Every byte a browser stored, for tests that look for plaintext at rest: each row of each object
 * store of each database of `factory` — bytes as they are (y-indexeddb's, the vault's), records
 * by their values (the account's docs: `{ doc, update }`, the update as its bytes).
 */
export async function storedBytes(factory: IDBFactory): Promise<Buffer> {
  const chunks: Buffer[] = []
  const add = (value: unknown): void => {
    chunks.push(value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(JSON.stringify(value) ?? ''))
  }
  for (const { name } of await factory.databases()) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name!)
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    for (const store of db.objectStoreNames) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction(store, 'readonly').objectStore(store).getAll()
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      for (const row of rows) {
        if (row && typeof row === 'object' && !(row instanceof Uint8Array)) Object.values(row).forEach(add)
        else add(row)
      }
    }
    db.close()
  }
  return Buffer.concat(chunks)
}

/**
 * What a page stored of its accounts' docs, read from its IndexedDB as a test inspects it: every
 * `ferry:<owner>:docs` database (packages/client/src/local/account-docs.ts), rows per doc name.
 */
import type { Page } from 'playwright-core'
import * as Y from 'yjs'
import { WorkspaceIndex } from '@ferry/schema'

export async function storedDocRows(page: Page): Promise<Map<string, Uint8Array[]>> {
  const rows = await page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name ?? '').filter((name) => name.startsWith('ferry:') && name.endsWith(':docs'))
    const all: { doc: string; update: number[] }[] = []
    for (const name of names) {
      const stored = await new Promise<{ doc: string; update: Uint8Array }[]>((resolve, reject) => {
        const open = indexedDB.open(name)
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          const request = db.transaction('updates', 'readonly').objectStore('updates').getAll()
          request.onerror = () => reject(request.error)
          request.onsuccess = () => {
            db.close()
            resolve(request.result as { doc: string; update: Uint8Array }[])
          }
        }
      })
      for (const row of stored) all.push({ doc: row.doc, update: Array.from(row.update) })
    }
    return all
  })
  const byDoc = new Map<string, Uint8Array[]>()
  for (const row of rows) byDoc.set(row.doc, [...(byDoc.get(row.doc) ?? []), Uint8Array.from(row.update)])
  return byDoc
}

/** Names of the collection docs the page's stored indexes list (a new collection stores no row of its own until written). */
export async function storedCollectionDocs(page: Page): Promise<string[]> {
  const names: string[] = []
  for (const [name, rows] of await storedDocRows(page)) {
    if (!name.endsWith(':workspace')) continue
    const doc = new Y.Doc()
    rows.forEach((row) => Y.applyUpdate(doc, row))
    const owner = name.slice(0, -':workspace'.length)
    for (const collection of new WorkspaceIndex(doc).collections()) names.push(`${owner}:collection:${collection.id}`)
  }
  return names
}

/** Postman v2.1 files in and out of the workspace: a download for export, a file picker for import. */
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import type { Workspace } from '@ferry/client'
import type { Collection, CollectionInfo } from '../model/types.ts'
import { exportPostman, parsePostman } from '../lib/postman.ts'

function safeFileName(name: string): string {
  return (name.replace(/[^\w .-]+/g, '_').trim() || 'collection').slice(0, 80)
}

export function exportCollection(summary: CollectionInfo, collection: Collection): void {
  const json = JSON.stringify(exportPostman(summary.id, summary.name, collection.snapshot()), null, 2)
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = `${safeFileName(summary.name)}.postman_collection.json`
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Reads a Postman file into a new collection; returns its id. */
export async function importCollection(workspace: Workspace, file: File): Promise<string> {
  const imported = parsePostman(await file.text())
  const id = await workspace.createCollection(imported.name)
  const collection = await workspace.collection(id)
  collection.doc.transact(() => {
    collection.setAuth(imported.auth)
    collection.addAll(imported.items)
  })
  const skipped = imported.skipped ? ` (${imported.skipped} item(s) could not be read and were skipped)` : ''
  toast(`Imported "${imported.name}"${skipped}`)
  return id
}

/** Opens the file picker and imports what the user chose. */
export function pickAndImport(workspace: Workspace, onImported: (id: string) => void): void {
  const input = document.createElement('input')
  input.type = 'file'
  input.accept = '.json,application/json'
  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (!file) return
    importCollection(workspace, file).then(onImported, (error: unknown) => toast(describeError(error), 'error'))
  })
  input.click()
}

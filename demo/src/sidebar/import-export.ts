/**
 * Postman v2.1 files in and out of a collection: a download for export, a file picker to import
 * into it (the sidebar's "Import from Postman" is postman-import.ts).
 */
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { exportPostman } from '@ferry/schema'
import type { Collection, CollectionInfo } from '../model/types.ts'
import { importIntoCollection } from './collection-import.ts'

function safeFileName(name: string): string {
  return (name.replace(/[^\w .-]+/g, '_').trim() || 'collection').slice(0, 80)
}

export function exportCollection(summary: CollectionInfo, collection: Collection): void {
  const json = JSON.stringify(exportPostman(collection, summary.name, summary.id), null, 2)
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = `${safeFileName(summary.name)}.postman_collection.json`
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A picked file's JSON; a file that is not JSON is said in a toast (undefined). */
async function readJson(file: File): Promise<{ json: unknown } | undefined> {
  try {
    return { json: JSON.parse(await file.text()) as unknown }
  } catch {
    toast(`"${file.name}" is not JSON: Ferry imports Postman collections (v2.0 and v2.1), which are JSON files.`, 'error', 8000)
    return undefined
  }
}

/** Opens the file picker and imports a Postman collection into `collection` (a folder when it has content). */
export function pickAndImportInto(collection: Collection, onImported: (folderId: string | null) => void): void {
  pick((file) => readJson(file).then((read) => read && onImported(importIntoCollection(collection, read.json, `"${file.name}"`))))
}

function pick(chosen: (file: File) => Promise<unknown>): void {
  const input = document.createElement('input')
  input.type = 'file'
  input.accept = '.json,application/json'
  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (file) chosen(file).catch((error: unknown) => toast(describeError(error), 'error'))
  })
  input.click()
}

/** Where the workspace-scale benchmark's Hocuspocus server keeps each doc: one file, the doc's whole state. */
import { join } from 'node:path'

export function hocuspocusFile(dir: string, docName: string): string {
  return join(dir, `${encodeURIComponent(docName)}.ydoc`)
}

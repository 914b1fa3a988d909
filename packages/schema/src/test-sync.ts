/** Test helper: exchanges every missing update between Yjs docs, as a relay would. */
import * as Y from 'yjs'

export function syncDocs(...docs: Y.Doc[]): void {
  for (const from of docs) {
    for (const to of docs) {
      if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'sync')
    }
  }
}

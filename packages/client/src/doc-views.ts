/** The schema view each kind of doc is read and edited through. */
import { parseDocName, type DocName } from '@ferry/protocol'
import { Collection, Environments, History, WorkspaceIndex } from '@ferry/schema'
import type * as Y from 'yjs'

export type View = WorkspaceIndex | Collection | Environments | History

/** The schema view of a doc, by its kind. */
export function viewOf(name: DocName, doc: Y.Doc): View {
  const parsed = parseDocName(name)
  if (!parsed.ok) throw new Error(parsed.error.message)
  switch (parsed.value.kind) {
    case 'workspace':
      return new WorkspaceIndex(doc)
    case 'environments':
      return new Environments(doc)
    case 'history':
      return new History(doc)
    case 'collection':
      return new Collection(doc)
  }
}


/**
 * Drag and drop in the collections tree: dropping on the upper or lower quarter of a row
 * places the item before or after it; dropping on the middle of a folder moves it inside, and
 * on a collection's own row to the end of that collection. Within one collection it is one
 * `move` (one field write); into another collection it is a journaled copy-then-delete
 * (model/move-journal.ts).
 */
import type { Workspace } from '@ferry/client'
import type { Scope } from '../ui/dom.ts'
import type { Collection, TreeNode } from '../model/types.ts'
import type { Placement } from '@ferry/schema'
import { moveToCollection } from '../model/move-journal.ts'

type Zone = 'before' | 'after' | 'inside'
const MIME = 'application/x-ferry-item'

interface Dragged {
  readonly collectionId: string
  readonly itemId: string
}

function zoneFor(row: HTMLElement, clientY: number): Zone {
  if (row.dataset.collectionRow) return 'inside'
  const rect = row.getBoundingClientRect()
  const y = (clientY - rect.top) / rect.height
  if (row.dataset.kind === 'folder' && y > 0.25 && y < 0.75) return 'inside'
  return y < 0.5 ? 'before' : 'after'
}

function siblingsOf(collection: Collection, parentId: string | null): TreeNode[] {
  if (parentId === null) return collection.tree()
  const parent = collection.get(parentId)
  return parent?.kind === 'folder' ? parent.children : []
}

/** The collection a row belongs to (its own id for a collection's row). */
export function collectionOfRow(row: HTMLElement): string | undefined {
  return row.dataset.collectionRow ?? row.closest<HTMLElement>('[data-collection-body]')?.dataset.collectionBody
}

/** Where a drop on `row` in `zone` puts an item (itself excluded from the siblings it counts). */
function placeFor(collection: Collection, row: HTMLElement, zone: Zone, dragged: string): Placement | null {
  if (row.dataset.collectionRow) return { parentId: null }
  const target = row.dataset.rowId ? collection.get(row.dataset.rowId) : undefined
  if (!target) return null
  if (zone === 'inside') return { parentId: target.id }
  const siblings = siblingsOf(collection, target.parentId).filter((s) => s.id !== dragged)
  return { parentId: target.parentId, index: siblings.findIndex((s) => s.id === target.id) + (zone === 'after' ? 1 : 0) }
}

export interface DropHandlers {
  /** An item landed in another collection under a new id. */
  movedAcross(from: Dragged, toCollectionId: string, newId: string): void
  failed(error: unknown): void
}

export function attachDrag(scope: Scope, tree: HTMLElement, workspace: Workspace, handlers: DropHandlers): void {
  let marked: HTMLElement | null = null
  const unmark = () => {
    marked?.classList.remove('drop-before', 'drop-after', 'drop-inside')
    marked = null
  }
  const rowOf = (event: Event) => (event.target as HTMLElement).closest<HTMLElement>('[role=treeitem][data-row-id]')

  scope.listen(tree, 'dragstart', (event: DragEvent) => {
    const row = rowOf(event)
    const collectionId = row && collectionOfRow(row)
    if (!row?.dataset.rowId || row.dataset.collectionRow || !collectionId || !event.dataTransfer) return
    event.dataTransfer.setData(MIME, JSON.stringify({ collectionId, itemId: row.dataset.rowId } satisfies Dragged))
    event.dataTransfer.effectAllowed = 'move'
  })
  scope.listen(tree, 'dragover', (event: DragEvent) => {
    const row = rowOf(event)
    if (!row || !event.dataTransfer?.types.includes(MIME)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'move'
    unmark()
    marked = row
    row.classList.add(`drop-${zoneFor(row, event.clientY)}`)
  })
  scope.listen(tree, 'dragleave', unmark)
  scope.listen(tree, 'dragend', unmark)
  scope.listen(tree, 'drop', (event: DragEvent) => {
    const row = rowOf(event)
    const data = event.dataTransfer?.getData(MIME)
    unmark()
    const targetId = row && collectionOfRow(row)
    if (!row || !data || !targetId) return
    event.preventDefault()
    const dragged = JSON.parse(data) as Dragged
    if (dragged.itemId === row.dataset.rowId) return
    const zone = zoneFor(row, event.clientY)
    void workspace.collection(targetId).then(async (target) => {
      if (!target.writable()) return
      const place = placeFor(target, row, zone, dragged.itemId)
      if (!place) return
      if (dragged.collectionId === targetId) {
        target.move(dragged.itemId, place)
        return
      }
      const newId = await moveToCollection(workspace, dragged.collectionId, dragged.itemId, targetId, place)
      if (newId) handlers.movedAcross(dragged, targetId, newId)
    }).catch(handlers.failed)
  })
}

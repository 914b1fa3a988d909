/**
 * Drag and drop inside one collection's tree: dropping on the upper or lower quarter of a row
 * places the item before or after it; dropping on the middle of a folder moves it inside.
 * One `move` call per drop — one field write in the document.
 */
import type { Scope } from '../ui/dom.ts'
import type { Collection, TreeNode } from '../model/types.ts'

type Zone = 'before' | 'after' | 'inside'
const MIME = 'application/x-ferry-item'

function zoneFor(row: HTMLElement, clientY: number): Zone {
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

export function attachDrag(scope: Scope, container: HTMLElement, collection: Collection): void {
  let marked: HTMLElement | null = null
  const unmark = () => {
    marked?.classList.remove('drop-before', 'drop-after', 'drop-inside')
    marked = null
  }
  const rowOf = (event: Event) => (event.target as HTMLElement).closest<HTMLElement>('[role=treeitem][data-row-id]')

  scope.listen(container, 'dragstart', (event: DragEvent) => {
    const row = rowOf(event)
    if (!row?.dataset.rowId || !event.dataTransfer) return
    event.dataTransfer.setData(MIME, row.dataset.rowId)
    event.dataTransfer.effectAllowed = 'move'
  })
  scope.listen(container, 'dragover', (event: DragEvent) => {
    const row = rowOf(event)
    if (!row || !event.dataTransfer?.types.includes(MIME)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'move'
    unmark()
    marked = row
    row.classList.add(`drop-${zoneFor(row, event.clientY)}`)
  })
  scope.listen(container, 'dragleave', unmark)
  scope.listen(container, 'dragend', unmark)
  scope.listen(container, 'drop', (event: DragEvent) => {
    const row = rowOf(event)
    const dragged = event.dataTransfer?.getData(MIME)
    unmark()
    if (!row?.dataset.rowId || !dragged || dragged === row.dataset.rowId) return
    event.preventDefault()
    const target = collection.get(row.dataset.rowId)
    if (!target) return
    const zone = zoneFor(row, event.clientY)
    if (zone === 'inside') {
      collection.move(dragged, { parentId: target.id })
      return
    }
    const siblings = siblingsOf(collection, target.parentId).filter((s) => s.id !== dragged)
    const index = siblings.findIndex((s) => s.id === target.id) + (zone === 'after' ? 1 : 0)
    collection.move(dragged, { parentId: target.parentId, index })
  })
}

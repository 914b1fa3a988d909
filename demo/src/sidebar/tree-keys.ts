/**
 * Keyboard navigation for the sidebar tree (the WAI-ARIA tree pattern): Up/Down move between
 * visible rows, Right opens a closed folder, Left closes an open one or goes to the parent,
 * Home/End jump to the ends, Enter opens. Alt+Up/Down moves the item among its siblings.
 */

export interface TreeKeyActions {
  toggle(row: HTMLElement, open: boolean): void
  activate(row: HTMLElement): void
  moveBy(row: HTMLElement, delta: -1 | 1): void
}

export function handleTreeKey(event: KeyboardEvent, tree: HTMLElement, actions: TreeKeyActions): void {
  const row = (event.target as HTMLElement).closest<HTMLElement>('[role=treeitem]')
  if (!row || (event.target as HTMLElement) !== row) return
  const rows = [...tree.querySelectorAll<HTMLElement>('[role=treeitem]')].filter((r) => r.offsetParent !== null)
  const index = rows.indexOf(row)
  const expanded = row.getAttribute('aria-expanded')
  const focus = (target: HTMLElement | undefined) => {
    if (!target) return
    event.preventDefault()
    target.focus()
  }
  if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
    event.preventDefault()
    actions.moveBy(row, event.key === 'ArrowUp' ? -1 : 1)
    return
  }
  switch (event.key) {
    case 'ArrowDown':
      return focus(rows[index + 1])
    case 'ArrowUp':
      return focus(rows[index - 1])
    case 'Home':
      return focus(rows[0])
    case 'End':
      return focus(rows[rows.length - 1])
    case 'ArrowRight':
      if (expanded === 'false') {
        event.preventDefault()
        actions.toggle(row, true)
      } else if (expanded === 'true') focus(rows[index + 1])
      return
    case 'ArrowLeft':
      if (expanded === 'true') {
        event.preventDefault()
        actions.toggle(row, false)
      } else {
        const parentId = row.dataset.parentRow
        focus(parentId ? rows.find((r) => r.dataset.rowId === parentId) : undefined)
      }
      return
    case 'Enter':
    case ' ':
      event.preventDefault()
      actions.activate(row)
      return
  }
}

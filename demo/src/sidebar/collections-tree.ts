/**
 * The sidebar's collections: each collection (its own document, loaded when opened) with its
 * folders and requests. Create, rename, duplicate, move and delete from each row's menu (a
 * deleted collection goes to the trash, with Undo); drag rows (or Alt+Up/Down) to reorder them,
 * and into other folders or collections.
 */
import { h, region, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { menuButton, menuItem } from '../ui/menu.ts'
import { confirmAction, promptText, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { currentRoute, navigate } from '../ui/router.ts'
import type { AppContext } from '../app-context.ts'
import type { Collection, CollectionInfo, TreeNode } from '../model/types.ts'
import { handleTreeKey } from './tree-keys.ts'
import { renameDialog } from '../ui/rename-dialog.ts'
import { exportCollection, pickAndImportInto } from './import-export.ts'
import { attachDrag } from './tree-drag.ts'
import { moveItemDialog } from './move-dialog.ts'
import { duplicateItem } from '@ferry/schema'
import { openShareDialog } from './share-dialog.ts'
import { whereChangesGo } from '../model/mode-copy.ts'
import { whenLoaded } from '../ui/workspace-reads.ts'
import { trashCollection } from '../trash/trash-actions.ts'

function selectedRequestId(): string | null {
  const route = currentRoute()
  return route.parts[0] === 'r' ? (route.parts[2] ?? null) : null
}

async function newRequest(collection: Collection, collectionId: string, parentId: string | null, ctx: AppContext): Promise<void> {
  const id = collection.add({ kind: 'request', name: 'New request', method: 'GET', url: '' }, { parentId })
  if (parentId) ctx.expanded.set(parentId, true)
  ctx.expanded.set(collectionId, true)
  navigate(['r', collectionId, id])
}

async function newFolder(collection: Collection, parentId: string | null): Promise<void> {
  const name = await promptText('New folder', 'Folder name', '', 'Create')
  if (name) collection.add({ kind: 'folder', name }, { parentId })
}

function itemMenu(ctx: AppContext, collection: Collection, collectionId: string, node: TreeNode): HTMLElement {
  const label = `${node.kind === 'folder' ? 'Folder' : 'Request'} actions for ${node.name || 'untitled'}`
  return menuButton({ label, testId: `item-menu-${node.name}` }, icon('more', 16), () => [
    node.kind === 'folder' ? menuItem('New request', () => void newRequest(collection, collectionId, node.id, ctx), { icon: icon('plus') }) : null,
    node.kind === 'folder' ? menuItem('New folder', () => void newFolder(collection, node.id), { icon: icon('folderPlus') }) : null,
    node.kind === 'folder' ? menuItem('Settings', () => navigate(['settings', collectionId, node.id]), { icon: icon('settings'), testId: 'folder-settings' }) : null,
    menuItem('Rename', () => {
      const text = collection.text(node.id, 'name')
      if (text) void renameDialog(`Rename ${node.kind}`, 'Name', text)
    }, { icon: icon('pencil') }),
    menuItem('Duplicate', () => {
      const copy = duplicateItem(collection, node.id)
      if (copy && node.kind === 'request') navigate(['r', collectionId, copy])
    }, { icon: icon('copy'), testId: 'duplicate-item' }),
    menuItem('Move to…', () => void moveItemDialog(ctx, collectionId, node).then((moved) => moved && followMove(ctx, { collectionId, itemId: node.id }, moved.collectionId, moved.id)),
      { icon: icon('folder'), testId: 'move-item' }),
    menuItem('Delete', () => {
      const what = node.kind === 'folder' ? `the folder "${node.name}" and everything in it` : `"${node.name}"`
      void confirmAction(`Delete ${node.kind}?`, `This deletes ${what} ${whereChangesGo(ctx.session)}.`, 'Delete').then((ok) => {
        if (!ok) return
        const removed = collection.remove(node.id)
        const open = selectedRequestId()
        if (open && removed.includes(open)) navigate([])
      })
    }, { icon: icon('trash'), danger: true }),
  ])
}

/** After a move to another collection: show it there, and follow it if it was the open request. */
function followMove(ctx: AppContext, from: { collectionId: string; itemId: string }, collectionId: string, id: string): void {
  ctx.expanded.set(collectionId, true)
  if (collectionId === from.collectionId) return
  const name = ctx.workspace.index.collections().find((c) => c.id === collectionId)?.name ?? 'the collection'
  toast(`Moved to “${name}”`)
  const route = currentRoute()
  if (route.parts[0] === 'r' && route.parts[1] === from.collectionId && route.parts[2] === from.itemId) navigate(['r', collectionId, id], undefined, true)
}

function nodeRows(ctx: AppContext, collection: Collection, collectionId: string, nodes: TreeNode[], parentRow: string): HTMLElement {
  const selected = selectedRequestId()
  // A collection a newer Ferry wrote is listed and opened, never changed here.
  const writable = collection.writable()
  return h(
    'ul',
    { class: 'tree', role: 'group' },
    nodes.map((node) => {
      const isFolder = node.kind === 'folder'
      const open = isFolder && ctx.expanded.has(node.id)
      const row = h(
        'div',
        {
          class: 'tree-row',
          role: 'treeitem',
          tabindex: '-1',
          draggable: writable ? 'true' : null,
          'data-row-id': node.id,
          'data-parent-row': parentRow,
          'data-kind': node.kind,
          'data-focus-key': `row-${node.id}`,
          'aria-expanded': isFolder ? String(open) : null,
          'aria-selected': String(!isFolder && node.id === selected),
          'aria-label': isFolder ? `Folder ${node.name}` : `${node.method} ${node.name || 'Untitled request'}`,
        },
        isFolder ? h('span', { class: 'chev' }, icon(open ? 'chevronDown' : 'chevronRight', 14)) : null,
        isFolder ? icon('folder', 16) : h('span', { class: `method method-${node.method}` }, node.method),
        h('span', { class: 'label-text' }, node.name || 'Untitled request'),
        writable ? h('span', { class: 'row-actions' }, itemMenu(ctx, collection, collectionId, node)) : null,
      )
      return h('li', { role: 'none' }, row, isFolder && open ? nodeRows(ctx, collection, collectionId, node.children, node.id) : null)
    }),
  )
}

/** Collections already loaded by this tree, so a re-render shows them without a loading flash. */
type Loaded = Map<string, Collection>

function collectionBody(scope: Scope, ctx: AppContext, summary: CollectionInfo, loaded: Loaded): HTMLElement {
  const body = h('div', { 'data-collection-body': summary.id })
  const show = (collection: Collection) => {
    region(
      scope,
      body,
      () => {
        const nodes = collection.tree()
        if (nodes.length === 0) {
          return h('div', { class: 'hint', style: 'padding:4px 8px 8px 30px' }, 'No requests yet. ',
            collection.writable() ? h('a', { href: '#', onclick: (e: MouseEvent) => (e.preventDefault(), void newRequest(collection, summary.id, null, ctx)) }, 'Add a request') : null)
        }
        return nodeRows(ctx, collection, summary.id, nodes, summary.id)
      },
      (changed) => {
        const offDoc = collection.observe(changed)
        const offExpanded = ctx.expanded.onChange(changed)
        window.addEventListener('hashchange', changed)
        return () => (offDoc(), offExpanded(), window.removeEventListener('hashchange', changed))
      },
    )
  }
  const known = loaded.get(summary.id)
  if (known) {
    show(known)
    return body
  }
  body.append(h('div', { class: 'hint', style: 'padding:4px 28px' }, 'Loading…'))
  ctx.workspace.collection(summary.id).then(
    (collection) => {
      loaded.set(summary.id, collection)
      if (!scope.disposed) show(collection)
    },
    (error: unknown) => body.replaceChildren(h('div', { class: 'error-text', style: 'padding:4px 28px' }, describeError(error))),
  )
  return body
}

function collectionMenu(ctx: AppContext, summary: CollectionInfo): HTMLElement {
  const withCollection = (fn: (c: Collection) => void | Promise<void>) => () =>
    void ctx.workspace.collection(summary.id).then(fn).catch((error: unknown) => toast(describeError(error), 'error'))
  return menuButton({ label: `Collection actions for ${summary.name}`, testId: `collection-menu-${summary.name}` }, icon('more', 16), () => [
    menuItem('New request', withCollection((c) => newRequest(c, summary.id, null, ctx)), { icon: icon('plus'), testId: 'new-request' }),
    menuItem('New folder', withCollection((c) => (ctx.expanded.set(summary.id, true), newFolder(c, null))), { icon: icon('folderPlus'), testId: 'new-folder' }),
    ctx.workspace.index.writable() ? menuItem('Rename', () => {
      const text = ctx.workspace.index.collectionName(summary.id)
      if (text) void renameDialog('Rename collection', 'Name', text)
    }, { icon: icon('pencil') }) : null,
    menuItem('Settings', () => navigate(['settings', summary.id]), { icon: icon('settings'), testId: 'collection-settings' }),
    menuItem('Share…', () => openShareDialog(ctx, summary), { icon: icon('share'), testId: 'share-collection' }),
    menuItem('Import into this collection…', withCollection((c) => pickAndImportInto(c, (folderId) => {
      ctx.expanded.set(summary.id, true)
      if (folderId) ctx.expanded.set(folderId, true)
    })), { icon: icon('upload'), testId: 'import-into-collection' }),
    menuItem('Export (Postman v2.1)', withCollection((c) => exportCollection(summary, c)), { icon: icon('download'), testId: 'export-collection' }),
    h('div', { class: 'menu-sep', role: 'separator' }),
    menuItem('Delete', () => {
      // Left first: the trash below tells this tree that a collection on screen left.
      if (currentRoute().parts[1] === summary.id) navigate([])
      trashCollection(ctx.workspace, summary.id, summary.name)
    }, { icon: icon('trash'), danger: true, testId: 'delete-collection' }),
  ])
}

/** The tree of all collections; re-rendered when the collection list changes. */
export function collectionsTree(scope: Scope, ctx: AppContext, filter: () => string): HTMLElement {
  const tree = h('div', { role: 'tree', 'aria-label': 'Collections', class: 'tree-root' })
  const loaded: Loaded = new Map()
  const toggleCollection = (id: string, open: boolean) => ctx.expanded.set(id, open)
  region(
    scope,
    tree,
    (inner) => {
      const query = filter().toLowerCase()
      const list = ctx.workspace.index.collections().filter((c) => !query || c.name.toLowerCase().includes(query))
      if (list.length === 0) {
        return h('div', { class: 'empty' }, icon('box', 40), h('h2', {}, query ? 'No matching collections' : 'No collections yet'),
          h('p', {}, query ? 'Try another name.' : 'Create one, or import a Postman collection.'))
      }
      return h(
        'ul',
        { class: 'tree', role: 'none' },
        list.map((summary, i) => {
          const open = ctx.expanded.has(summary.id)
          const row = h(
            'div',
            {
              class: 'tree-row collection-row',
              role: 'treeitem',
              tabindex: i === 0 ? '0' : '-1',
              'aria-expanded': String(open),
              'data-row-id': summary.id,
              'data-collection-row': summary.id,
              'data-focus-key': `row-${summary.id}`,
              'aria-label': `Collection ${summary.name}`,
              onclick: (event: MouseEvent) => {
                if ((event.target as HTMLElement).closest('button')) return
                toggleCollection(summary.id, !open)
              },
            },
            h('span', { class: 'chev' }, icon(open ? 'chevronDown' : 'chevronRight', 14)),
            icon('box', 16),
            h('span', { class: 'label-text' }, summary.name),
            h('span', { class: 'row-actions' }, collectionMenu(ctx, summary)),
          )
          return h('li', { role: 'none' }, row, open ? collectionBody(inner, ctx, summary, loaded) : null)
        }),
      )
    },
    (changed) => {
      const off = ctx.workspace.index.observe(changed)
      const offExpanded = ctx.expanded.onChange((id) => ctx.workspace.index.collections().some((c) => c.id === id) && changed())
      tree.addEventListener('refilter', changed)
      return () => (off(), offExpanded(), tree.removeEventListener('refilter', changed))
    },
  )

  // Deleted for good on another device: it has already left the index (and this device); say
  // so, and leave its request if one is open.
  scope.add(ctx.workspace.onCollectionDeleted((id) => {
    if (currentRoute().parts[1] === id) navigate([])
    toast('A collection was deleted on another device.')
  }))
  // Moved to the trash on another device while one of its requests is open here: leave it.
  scope.add(ctx.workspace.index.observe(() => {
    const open = currentRoute().parts[0] === 'r' || currentRoute().parts[0] === 'settings' ? currentRoute().parts[1] : undefined
    const trashed = open && ctx.workspace.index.trashedCollections().find((c) => c.id === open)
    if (!trashed) return
    navigate([])
    toast(`“${trashed.name}” was moved to the trash on another device.`)
  }))

  attachDrag(scope, tree, ctx.workspace, {
    movedAcross: (from, collectionId, id) => followMove(ctx, from, collectionId, id),
    failed: (error) => toast(describeError(error), 'error'),
  })

  const collectionOf = (row: HTMLElement) => row.closest<HTMLElement>('[data-collection-body]')?.dataset.collectionBody
  scope.listen(tree, 'click', (event: MouseEvent) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[role=treeitem]')
    if (!row || (event.target as HTMLElement).closest('button') || row.dataset.collectionRow) return
    activate(row)
  })
  const activate = (row: HTMLElement) => {
    const id = row.dataset.rowId
    const collectionId = collectionOf(row)
    if (row.dataset.collectionRow) return toggleCollection(row.dataset.collectionRow, row.getAttribute('aria-expanded') !== 'true')
    if (!id || !collectionId) return
    if (row.dataset.kind === 'folder') return ctx.expanded.set(id, row.getAttribute('aria-expanded') !== 'true')
    navigate(['r', collectionId, id])
    document.querySelector<HTMLElement>('.app')?.classList.remove('drawer-open')
  }
  scope.listen(tree, 'keydown', (event: KeyboardEvent) =>
    handleTreeKey(event, tree, {
      activate,
      toggle: (row, open) => {
        const id = row.dataset.rowId
        if (!id) return
        if (row.dataset.collectionRow) toggleCollection(id, open)
        else ctx.expanded.set(id, open)
      },
      moveBy: (row, delta) => {
        const collectionId = collectionOf(row)
        const id = row.dataset.rowId
        if (!collectionId || !id) return
        whenLoaded(ctx.workspace.collection(collectionId), (c) => {
          const node = c.writable() ? c.get(id) : undefined
          if (!node) return
          const siblings = node.parentId === null ? c.tree() : ((c.get(node.parentId) as { children?: TreeNode[] })?.children ?? [])
          const index = siblings.findIndex((s) => s.id === id)
          // `move` counts the index among the siblings without the item itself.
          c.move(id, { parentId: node.parentId, index: Math.max(0, index + delta) })
        })
      },
    }),
  )
  return tree
}

/**
 * "Move to…" for a request or folder: pick a collection and a folder in it. Within the same
 * collection it is a `move`; into another, a journaled copy-then-delete (model/move-journal.ts).
 */
import { h } from '../ui/dom.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError, field } from '../ui/form.ts'
import type { AppContext } from '../app-context.ts'
import type { Collection, TreeNode } from '../model/types.ts'
import { moveToCollection } from '../model/move-journal.ts'

/** Folders of `nodes` as options, indented by depth; `skip` (the moved folder) and what is under it are left out. */
function folderOptions(nodes: readonly TreeNode[], skip: string, depth = 0): HTMLOptionElement[] {
  return nodes.flatMap((node) =>
    node.kind === 'folder' && node.id !== skip
      ? [h('option', { value: node.id }, `${'\u2003'.repeat(depth + 1)}${node.name || 'Untitled folder'}`), ...folderOptions(node.children, skip, depth + 1)]
      : [])
}

interface Destination {
  readonly collectionId: string
  readonly parentId: string | null
}

/** Asks where to move `node` of `collectionId`, then moves it; answers where it went (null: cancelled). */
export async function moveItemDialog(ctx: AppContext, collectionId: string, node: TreeNode): Promise<{ collectionId: string; id: string } | null> {
  const collections = ctx.workspace.index.collections()
  const chosen = await openDialog<Destination>(`Move “${node.name || 'Untitled'}”`, (close) => {
    const collectionSelect = h('select', { class: 'select', 'data-testid': 'move-collection' },
      collections.map((c) => h('option', { value: c.id, selected: c.id === collectionId }, c.name)))
    const folderSelect = h('select', { class: 'select', 'data-testid': 'move-folder' })
    const fillFolders = () => {
      folderSelect.replaceChildren(h('option', { value: '' }, 'Top level'))
      void ctx.workspace.collection(collectionSelect.value).then((c: Collection) => folderSelect.append(...folderOptions(c.tree(), node.id)),
        (error: unknown) => toast(describeError(error), 'error'))
    }
    collectionSelect.addEventListener('change', fillFolders)
    fillFolders()
    return h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close({ collectionId: collectionSelect.value, parentId: folderSelect.value || null })) },
      field('Collection', collectionSelect),
      field('Folder', folderSelect),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'move-submit' }, 'Move')))
  })
  if (!chosen) return null
  if (chosen.collectionId === collectionId) {
    const collection = await ctx.workspace.collection(collectionId)
    if (!collection.move(node.id, { parentId: chosen.parentId })) toast('It cannot go there (a folder cannot go inside itself).', 'error')
    return { collectionId, id: node.id }
  }
  const id = await moveToCollection(ctx.workspace, collectionId, node.id, chosen.collectionId, { parentId: chosen.parentId })
  return id ? { collectionId: chosen.collectionId, id } : null
}

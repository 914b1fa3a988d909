/**
 * "Delete" of a collection or an environment: it moves to the trash (on every device, once
 * synced) with a toast offering Undo; the Trash view (trash-view.ts) restores it or deletes it
 * for good later.
 */
import type { Workspace } from '@ferry/client'
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'

/** How long the Undo stays offered. */
const UNDO_MS = 8000

/** Moves a collection to the trash and offers Undo. */
export function trashCollection(workspace: Workspace, id: string, name: string): void {
  try {
    if (!workspace.trashCollection(id)) return
    toast(`Moved “${name}” to the trash.`, 'info', UNDO_MS, { label: 'Undo', run: () => restore(() => workspace.restoreCollection(id)) })
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

/** Runs an Undo; a failure (the index from a newer Ferry, say) is shown. */
function restore(run: () => unknown): void {
  Promise.resolve().then(run).catch((error: unknown) => toast(describeError(error), 'error'))
}

/** Moves an environment to the trash and offers Undo. */
export async function trashEnvironment(workspace: Workspace, id: string, name: string): Promise<void> {
  try {
    if (!(await workspace.trashEnvironment(id))) return
    toast(`Moved “${name}” to the trash.`, 'info', UNDO_MS, { label: 'Undo', run: () => restore(() => workspace.restoreEnvironment(id)) })
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

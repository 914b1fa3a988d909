/**
 * A view that loads part of the workspace (its environments, its history) as it renders: the
 * workspace can close while that load is on its way — the account switched or signed out, and
 * the next workspace renders views of its own — so such a load ends quietly. Any other failure
 * is shown.
 */
import { WorkspaceClosed } from '@ferry/client'
import { toast } from './dialogs.ts'
import { describeError } from './form.ts'

export function whenLoaded<T>(load: Promise<T>, use: (value: T) => unknown): void {
  load.then(use).catch((error: unknown) => {
    if (!(error instanceof WorkspaceClosed)) toast(describeError(error), 'error')
  })
}

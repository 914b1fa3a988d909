/**
 * Renames through a dialog whose input is bound to the name's live text, so the rename merges
 * with another device renaming at the same time: a whole name set on Save would undo a
 * remote edit that arrived while the dialog was open. Cancel (or Escape) takes back only
 * what was typed in this dialog.
 */
import * as Y from 'yjs'
import { h } from './dom.ts'
import { openDialog } from './dialogs.ts'
import { bindText } from './text-binding.ts'

export async function renameDialog(title: string, label: string, text: Y.Text): Promise<void> {
  const origin = { renameDialog: title }
  const typed = new Y.UndoManager(text, { trackedOrigins: new Set([origin]) })
  let unbind = () => {}
  const saved = await openDialog<true>(title, (close) => {
    const input = h('input', { class: 'input', id: 'prompt-input', required: true, autocomplete: 'off' })
    unbind = bindText(input, text, { origin })
    queueMicrotask(() => input.select())
    return h(
      'form',
      { method: 'dialog', onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(true)) },
      h('div', { class: 'field' }, h('label', { for: 'prompt-input' }, label), input),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save'),
      ),
    )
  })
  unbind()
  if (!saved) while (typed.canUndo()) typed.undo()
  typed.destroy()
}

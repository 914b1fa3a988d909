/**
 * Shows a recovery key once, with a copy button. It closes only through "Done", after the
 * "saved it" check (not on Escape or a click beside it): the key is stored nowhere, so a
 * dialog closed by accident would lose it. A lost key is replaced from Settings (the vault
 * key is wrapped anew under a new recovery key; the old one stops working).
 */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { openDialog, toast } from '../ui/dialogs.ts'

export async function showRecoveryKey(recoveryKey: string): Promise<void> {
  await openDialog<void>('Save your recovery key', (close) => {
    const saved = h('input', { type: 'checkbox', 'data-testid': 'recovery-saved' })
    const done = h('button', { type: 'submit', class: 'btn btn-primary', disabled: true, 'data-testid': 'recovery-done' }, 'Done')
    saved.addEventListener('change', () => (done.disabled = !saved.checked))
    return h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(undefined)) },
      h('p', {}, 'This key unlocks your variable values on a new device when no other device can approve it. It is shown only now and stored nowhere: keep it in a password manager.'),
      h('div', { class: 'field-row' },
        h('code', { class: 'input mono', style: 'display:flex;align-items:center;height:auto;min-height:40px;font-size:14px;letter-spacing:.04em;word-break:break-all', 'data-testid': 'recovery-key' }, recoveryKey),
        h('button', { type: 'button', class: 'btn', onclick: () => void navigator.clipboard.writeText(recoveryKey).then(() => toast('Recovery key copied'), () => toast('Copying is not allowed here; copy it by hand.', 'error')) }, icon('copy', 15), 'Copy')),
      h('p', { class: 'hint' }, 'Lost it later? "New recovery key" in Settings makes a new one; the old one then stops working.'),
      h('label', { class: 'checkbox' }, saved, 'I have saved my recovery key'),
      h('div', { class: 'dialog-actions' }, done))
  }, { dismissible: false })
}

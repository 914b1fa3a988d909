/** Account settings: display name, profile image, sync on/off for this device, backups, and deleting the account. */
import { h } from '../ui/dom.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError, field, textInput } from '../ui/form.ts'
import type { AppSession } from '../model/session.ts'
import { avatar } from './avatar.ts'
import { devicesSection } from '../vault/devices-section.ts'
import { openDeleteAccount } from './delete-account-dialog.ts'
import { backupSection } from '../settings/backup-section.ts'

/** Largest image the dialog accepts before uploading, bytes (the relay has its own limit). */
const MAX_AVATAR_BYTES = 5 * 1024 * 1024

export function openSettings(session: AppSession): void {
  const account = session.active()
  if (!account) return
  void openDialog<void>('Account settings', (close) => {
    const vaultBox = h('div')
    void session.vault().then((vault) => vault && vaultBox.append(devicesSection(vault)))
    const alert = h('div', { class: 'alert', role: 'alert', hidden: true })
    const name = textInput({ value: account.name ?? '', autocomplete: 'name', 'data-testid': 'settings-name' })
    const preview = h('span', {}, avatar(account, 56))
    const file = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp,image/gif', class: 'sr-only', 'data-testid': 'avatar-file' })
    const fail = (error: unknown) => {
      alert.hidden = false
      alert.textContent = describeError(error)
    }
    file.addEventListener('change', () => {
      const chosen = file.files?.[0]
      if (!chosen) return
      if (chosen.size > MAX_AVATAR_BYTES) return fail(new Error('That image is larger than 5 MB. Choose a smaller one.'))
      alert.hidden = true
      session.uploadAvatar(chosen).then(
        () => {
          const updated = session.active()
          preview.replaceChildren(avatar(updated, 56))
          toast('Profile image updated')
        },
        fail,
      )
    })
    const sync = h('input', { type: 'checkbox', role: 'switch', checked: account.syncEnabled, 'data-testid': 'settings-sync' })
    sync.addEventListener('change', () => {
      session.setSyncEnabled(account.id, sync.checked).catch(fail)
    })
    return h(
      'form',
      {
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault()
          const value = name.value.trim()
          if (value === (account.name ?? '')) return close(undefined)
          session.updateName(value).then(() => {
            toast('Name saved')
            close(undefined)
          }, fail)
        },
      },
      h('p', { class: 'hint' }, account.email),
      alert,
      h(
        'div',
        { class: 'field-row', style: 'gap:14px' },
        preview,
        h(
          'div',
          { style: 'display:grid;gap:4px' },
          h('label', { class: 'btn btn-sm', for: file.id || (file.id = 'avatar-file'), tabindex: '0',
            onkeydown: (e: KeyboardEvent) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), file.click()) }, 'Upload image…'),
          h('span', { class: 'hint' }, 'PNG, JPEG, WebP or GIF, up to 5 MB.'),
        ),
        file,
      ),
      field('Name', name),
      vaultBox,
      h('label', { class: 'switch' }, sync, h('span', {}, h('strong', {}, 'Sync this account'), h('br'), h('span', { class: 'hint' }, 'When off, edits stay on this device until you turn it back on.'))),
      backupSection(session),
      h(
        'div',
        { class: 'field-row', style: 'justify-content:space-between;gap:14px' },
        h('span', { class: 'hint' }, 'Delete this account and everything in it, on every device.'),
        h('button', {
          type: 'button',
          class: 'btn btn-sm btn-danger',
          'data-testid': 'settings-delete-account',
          onclick: () => void openDeleteAccount(session, account).then((deleted) => deleted && close(undefined)),
        }, 'Delete account…'),
      ),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Close'),
        h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-save' }, 'Save'),
      ),
    )
  })
}

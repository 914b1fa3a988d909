/**
 * The vault's state above the variables editor: set it up (no vault yet), get this device
 * approved or unlock it with the recovery key (locked), or nothing when values can be read.
 * A device waiting for approval checks again by itself every few seconds while shown.
 */
import type { Vault } from '@ferry/client'
import { h, replaceChildren, type Child, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError, field } from '../ui/form.ts'
import { showRecoveryKey } from './recovery-key-dialog.ts'

async function enterRecoveryKey(vault: Vault): Promise<void> {
  await openDialog<void>('Unlock with your recovery key', (close) => {
    const alert = h('div', { class: 'alert', role: 'alert', hidden: true })
    const input = h('input', { class: 'input mono', autocomplete: 'off', spellcheck: 'false', required: true, 'data-testid': 'recovery-input' })
    const form: HTMLFormElement = h('form', { onsubmit: (e: SubmitEvent) => {
      e.preventDefault()
      vault.unlockWithRecoveryKey(input.value.trim()).then(() => {
        toast('This device is unlocked')
        close(undefined)
      }, (error: unknown) => {
        alert.hidden = false
        alert.textContent = describeError(error)
      })
    } }, alert, field('Recovery key', input, 'The key you saved when you set up the vault.'),
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Unlock')))
    return form
  })
}

export async function setUpVault(vault: Vault): Promise<void> {
  try {
    await showRecoveryKey(await vault.create())
    toast('Your vault is ready: variable values are now end-to-end encrypted')
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

function notice(kind: 'info' | 'warn', ...content: Child[]): HTMLElement {
  return h('div', { class: kind === 'info' ? 'alert alert-info' : 'alert alert-warn', style: 'margin-bottom:12px;align-items:center;flex-wrap:wrap', role: 'status', 'data-testid': 'vault-notice' }, icon('lock'), ...content)
}

/** How often a device waiting for approval asks the relay again, so it unlocks without a click. */
const PENDING_CHECK_MS = 4_000

export function vaultNotice(scope: Scope, vault: Vault): HTMLElement {
  const box = h('div')
  const check = setInterval(() => {
    if (vault.state.kind === 'locked' && vault.state.reason === 'pending' && navigator.onLine) void vault.refresh().catch(() => undefined)
  }, PENDING_CHECK_MS)
  scope.add(() => clearInterval(check))
  const paint = async () => {
    const state = vault.state
    if (state.kind === 'unlocked') return replaceChildren(box)
    if (state.kind === 'no-vault') {
      return replaceChildren(box, notice('info', h('span', { style: 'flex:1' }, 'Set up your vault to store variable values. They are encrypted on your devices; the relay never sees them.'),
        h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-testid': 'vault-setup', onclick: () => void setUpVault(vault) }, 'Set up vault')))
    }
    const fingerprint = await vault.fingerprint().catch(() => '')
    const why = state.reason === 'revoked'
      ? 'This device was removed from your vault, so it cannot read variable values.'
      : state.reason === 'unchecked'
        ? 'Checking this device with the relay…'
        : ['This device cannot read variable values yet. On a device where they are readable, open Settings and approve this one', fingerprint ? [' (fingerprint ', h('code', {}, fingerprint), ')'] : null, '.']
    replaceChildren(box, notice('warn', h('span', { style: 'flex:1' }, why),
      h('button', { type: 'button', class: 'btn btn-sm', onclick: () => void vault.refresh().catch((e: unknown) => toast(describeError(e), 'error')) }, 'Check again'),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'use-recovery-key', onclick: () => void enterRecoveryKey(vault) }, 'Use recovery key')))
  }
  void paint()
  scope.add(vault.onChange(() => void paint()))
  return box
}

/**
 * Warnings about the vault's key chain (see docs/decisions.md, "Vault key chain"), above every
 * page of the account: the relay offered a key generation this device refused (`untrusted`:
 * someone rotated the key without holding it), or the relay's recovery wrap was replaced by
 * someone who does not hold the key (`recoveryTampered`). Each says what to do and offers it:
 * rotate the key from this device, which still holds the verified one, or make a new
 * recovery key.
 */
import type { Reencryptable, Vault, VaultState } from '@ferry/client'
import { h, replaceChildren, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { confirmAction, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { showRecoveryKey } from './recovery-key-dialog.ts'

/** What a vault warning needs besides the vault: the docs a rotation re-encrypts. */
export interface VaultRepairs {
  reencryptable(): Promise<Reencryptable[]>
}

const UNTRUSTED = 'Someone changed this vault’s key without holding it. This device keeps using its key; rotate the key from a trusted device to repair.'
const UNTRUSTED_LOCKED = 'A vault key was offered to this device that none of your devices made, so it was refused. Approve this device from a trusted device, after comparing fingerprints.'
const TAMPERED = 'Your recovery key was replaced on the relay by someone who does not hold the vault key, so it may no longer open your vault. Make a new recovery key from this device.'

const warning = (testId: string, ...content: (HTMLElement | string)[]) =>
  h('div', { class: 'alert alert-warn', role: 'alert', style: 'margin:12px 20px 0;align-items:center;flex-wrap:wrap', 'data-testid': testId }, icon('alert'), ...content)

/** Rotates the key from this device (after a confirmation) and shows the new recovery key. */
export async function rotateKey(vault: Vault, repairs: VaultRepairs): Promise<void> {
  const ok = await confirmAction('Rotate the vault key?', 'Do this only on a device you trust. Every approved device gets the new key, your values are re-encrypted under it, and you get a new recovery key (the old one stops working).', 'Rotate key', false)
  if (!ok) return
  try {
    await showRecoveryKey(await vault.rotate(await repairs.reencryptable()))
    toast('Vault key rotated: your devices use the new key')
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

/** Makes a new recovery key (after a confirmation) and shows it once. */
export async function replaceRecoveryKey(vault: Vault): Promise<void> {
  const ok = await confirmAction('Make a new recovery key?', 'The old recovery key stops working.', 'Make a new key', false)
  if (!ok) return
  try {
    await showRecoveryKey(await vault.replaceRecoveryKey())
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

function warnings(state: VaultState, vault: Vault, repairs: VaultRepairs): HTMLElement[] {
  const out: HTMLElement[] = []
  if (state.kind === 'unlocked' && state.untrusted) {
    out.push(warning('vault-untrusted', h('span', { style: 'flex:1' }, h('strong', {}, 'Vault key changed by someone else. '), UNTRUSTED),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'rotate-key', onclick: () => void rotateKey(vault, repairs) }, icon('refresh', 15), 'Rotate key from this device')))
  } else if (state.kind === 'locked' && state.untrusted) {
    out.push(warning('vault-untrusted', h('span', { style: 'flex:1' }, h('strong', {}, 'Vault key refused. '), UNTRUSTED_LOCKED)))
  }
  if (state.kind === 'unlocked' && state.recoveryTampered) {
    out.push(warning('vault-recovery-tampered', h('span', { style: 'flex:1' }, h('strong', {}, 'Recovery key replaced. '), TAMPERED),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'replace-recovery-key', onclick: () => void replaceRecoveryKey(vault) }, icon('refresh', 15), 'Make a new recovery key')))
  }
  return out
}

/** The warnings for `vault`, kept up to date with its state. */
export function vaultWarnings(scope: Scope, vault: Vault, repairs: VaultRepairs): HTMLElement {
  const box = h('div', { 'data-testid': 'vault-warnings' })
  const paint = () => replaceChildren(box, ...warnings(vault.state, vault, repairs))
  paint()
  scope.add(vault.onChange(paint))
  return box
}

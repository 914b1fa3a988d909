/**
 * The vault part of account settings: this account's devices (rename one, approve a waiting
 * one after comparing fingerprints, remove one), the vault key's fingerprint (the same on every device
 * that holds the key: compare it after an approval) and a new recovery key, once the vault is
 * open here. A device not unlocked yet lists the devices too, to rename them.
 */
import { deviceFingerprint, type Vault } from '@ferry/client'
import { h, replaceChildren } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { confirmAction, promptText, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { replaceRecoveryKey } from './vault-warnings.ts'
import { setUpVault } from './vault-notice.ts'

const STATUS: Readonly<Record<string, string>> = { approved: 'Can read values', pending: 'Waiting for approval', revoked: 'Removed' }

export function devicesSection(vault: Vault): HTMLElement {
  const box = h('div', { style: 'display:grid;gap:8px' })
  const fail = (error: unknown) => toast(describeError(error), 'error')
  const paint = async () => {
    const state = vault.state
    if (state.kind === 'no-vault') {
      return replaceChildren(box, h('h3', {}, 'Vault'), h('p', { class: 'hint' }, 'Variable values are not protected yet.'),
        h('button', { type: 'button', class: 'btn btn-sm', onclick: () => void setUpVault(vault).then(paint) }, icon('lock', 15), 'Set up vault'))
    }
    // A locked device (one waiting for approval) may still rename devices — the relay lets any
    // session of the account — so that it can be told apart on the device that approves it.
    const open = state.kind !== 'locked'
    const devices = await vault.devices().then((all) => all.filter((d) => d.status !== 'revoked'), (error: unknown) => {
      if (open) throw error
      // Locked and the list unreadable (removed, or offline): the hint alone says what to do.
      return []
    })
    const keyFingerprint = open ? await vault.keyFingerprint().catch(() => null) : null
    const row = async (device: (typeof devices)[number]) => {
      const fingerprint = await deviceFingerprint(device.publicKey).catch(() => '')
      return h('li', { class: 'list-row', style: 'cursor:default;align-items:flex-start', 'data-testid': `device-${device.status}` },
        icon('lock', 15),
        h('span', { class: 'grow', style: 'white-space:normal' }, h('strong', { 'data-testid': 'device-name' }, device.name), device.current ? ' (this device)' : '', h('br'),
          h('span', { class: 'hint' }, STATUS[device.status] ?? device.status, ' · added ', new Date(device.createdAt).toLocaleDateString(), ' · ', h('code', {}, fingerprint))),
        h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'rename-device', 'aria-label': `Rename ${device.name}`, onclick: () => {
          void promptText('Rename device', 'Device name', device.name, 'Rename')
            .then((name) => (name && name !== device.name ? vault.renameDevice(device.id, name).then(() => (toast('Device renamed'), paint()), fail) : undefined))
        } }, 'Rename'),
        open && device.status === 'pending'
          ? h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-testid': 'approve-device', onclick: () => {
              void confirmAction('Approve this device?', `Approve "${device.name}" only if it shows the fingerprint ${fingerprint}. It will be able to read all your variable values. Afterwards its settings should show the vault key ${keyFingerprint ?? ''}, as here.`, 'Approve', false)
                .then((ok) => (ok ? vault.approve(device.id).then(() => (toast('Device approved'), paint()), fail) : undefined))
            } }, 'Approve')
          : null,
        !open || device.current ? null : h('button', { type: 'button', class: 'btn btn-sm btn-danger', onclick: () => {
          void vault.wouldLeaveNoDevice(device.id).then((last) => confirmAction('Remove this device?',
            `"${device.name}" will be signed out and can no longer get your vault key.${last ? ' It is the last device that can read your values: only your recovery key will open them afterwards.' : ''}`, 'Remove'))
            .then((ok) => (ok ? vault.revoke(device.id).then(() => (toast('Device removed'), paint()), fail) : undefined))
        } }, 'Remove'))
    }
    // Approved and waiting devices apart: a waiting one cannot read the values yet.
    const group = async (status: 'approved' | 'pending', heading: string) => {
      const members = devices.filter((d) => d.status === status)
      return members.length === 0 ? [] : [h('h3', {}, heading), h('ul', { class: 'list', 'data-testid': `devices-${status}` }, await Promise.all(members.map(row)))]
    }
    const lists = [...await group('approved', 'Devices that can read your variable values'), ...await group('pending', 'Waiting for approval')]
    if (!open) {
      return replaceChildren(box, h('h3', {}, 'Vault'),
        h('p', { class: 'hint' }, 'This device is not unlocked: open Environments to get it approved or to use your recovery key. You can rename it here, to tell it apart on the device that approves it.'),
        ...lists)
    }
    replaceChildren(box, ...lists,
      keyFingerprint
        ? h('p', { class: 'hint', 'data-testid': 'vault-key-fingerprint' }, 'Vault key ', h('code', {}, keyFingerprint),
            ': every device that can read your values shows the same here. Compare it on a device you just approved.')
        : null,
      state.untrusted
        ? h('p', { class: 'alert alert-warn', role: 'alert', 'data-testid': 'settings-untrusted' }, icon('alert'),
            'Someone changed this vault’s key without holding it, so no device can be approved now. Rotate the key from a trusted device first (see the warning above the editor).')
        : null,
      h('button', { type: 'button', class: 'btn btn-sm', style: 'justify-self:start', onclick: () => void replaceRecoveryKey(vault).then(paint) }, icon('refresh', 15), 'New recovery key'))
  }
  void vault.refresh().catch(() => undefined).then(paint).catch(fail)
  box.append(h('p', { class: 'hint' }, 'Loading devices…'))
  return box
}

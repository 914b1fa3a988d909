/**
 * The profile picture in the header and its menu: every account on this browser (click to
 * switch), "Add a new account", settings, and sign out of the active one.
 */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { menuButton, menuItem } from '../ui/menu.ts'
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { navigate } from '../ui/router.ts'
import type { AccountInfo, AppSession } from '../model/session.ts'
import { avatar, displayName } from './avatar.ts'
import { openSettings } from './settings-dialog.ts'
import { openBackupDialog } from '../settings/backup-section.ts'
import { signOutFlow } from './sign-out-dialog.ts'

function accountRow(session: AppSession, account: AccountInfo, active: boolean): HTMLElement {
  const item = menuItem(
    [
      h('span', { class: 'sub', style: 'color:var(--text);font-weight:600;font-size:13.5px' }, displayName(account)),
      h('span', { class: 'sub' }, account.signedIn ? account.email : `${account.email} · signed out`),
    ],
    () => {
      if (active) return
      if (!account.signedIn) return navigate(['signin'], { email: account.email })
      void session.switchTo(account.id).catch((error: unknown) => toast(describeError(error), 'error'))
    },
    { icon: avatar(account, 30), testId: `account-${account.email}` },
  )
  item.dataset.accountId = account.id
  item.setAttribute('role', 'menuitemradio')
  item.setAttribute('aria-checked', String(active))
  if (active) item.append(h('span', { class: 'check-mark' }, icon('check', 16)))
  return item
}

export function accountMenu(session: AppSession): HTMLElement {
  const face = h('span', { style: 'display:contents' })
  const button = menuButton({ label: 'Account menu', class: 'avatar-btn', testId: 'account-menu' }, face, () => {
    const active = session.active()
    const accounts = session.accounts()
    return [
      h('div', { class: 'menu-label' }, accounts.length > 1 ? 'Accounts' : 'Account'),
      accounts.map((a) => accountRow(session, a, a.id === active?.id)),
      active === null
        ? h('div', { style: 'padding:6px 10px;color:var(--text-2);font-size:13px;max-width:260px' }, 'You are using Ferry on this device only. Sign in to sync your workspace across devices.')
        : null,
      h('div', { class: 'menu-sep', role: 'separator' }),
      menuItem('Add a new account', () => navigate(['signin'], { add: '1' }), { icon: icon('userPlus'), testId: 'add-account' }),
      active ? menuItem('Settings', () => openSettings(session), { icon: icon('settings'), testId: 'open-settings' }) : null,
      active ? null : menuItem('Back up or restore…', () => openBackupDialog(session), { icon: icon('download'), testId: 'open-backup' }),
      active ? menuItem('Sign out', () => void signOutFlow(session, active), { icon: icon('logOut'), danger: true, testId: 'sign-out' }) : null,
    ]
  })
  const update = () => {
    const active = session.active()
    face.replaceChildren(avatar(active, 30))
    button.setAttribute('aria-label', `Account menu (${displayName(active)})`)
  }
  update()
  ;(button as HTMLElement & { update?: () => void }).update = update
  return button
}

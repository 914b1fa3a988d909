/** The top bar: drawer toggle (narrow windows), brand, sync status and the account menu. */
import { h, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { href } from '../ui/router.ts'
import type { AppSession } from '../model/session.ts'
import { accountMenu } from './account-menu.ts'
import { environmentPicker } from './environment-picker.ts'
import { syncBadge } from './sync-badge.ts'

export function header(scope: Scope, session: AppSession, toggleDrawer: () => void): HTMLElement {
  const badge = syncBadge(session)
  const menu = accountMenu(session) as HTMLElement & { update?: () => void }
  scope.add(session.onChange(() => {
    badge.update()
    menu.update?.()
  }))
  const active = session.active()
  return h(
    'header',
    { class: 'header' },
    h('button', { type: 'button', class: 'icon-btn menu-toggle', 'aria-label': 'Show sidebar', onclick: toggleDrawer }, icon('menu')),
    h('a', { href: href([]), class: 'brand', 'aria-label': 'Ferry home' }, h('span', { class: 'brand-mark' }, icon('send', 16)), h('span', {}, 'Ferry')),
    h('span', { class: 'spacer' }),
    environmentPicker(scope, session.workspace()),
    badge.el,
    active === null ? h('a', { class: 'btn btn-sm btn-primary', href: href(['signin']), 'data-testid': 'header-signin' }, 'Sign in') : null,
    menu,
  )
}


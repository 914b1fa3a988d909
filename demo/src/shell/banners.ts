/** Notices above the main pane: unconfirmed email, ended session. */
import { h, type Child } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { href } from '../ui/router.ts'
import type { AppSession } from '../model/session.ts'

export function banners(session: AppSession): Child {
  const account = session.active()
  if (!account) return null
  if (!account.signedIn) {
    return h('div', { class: 'alert', role: 'status', style: 'margin:12px 20px 0', 'data-testid': 'banner-signed-out' }, icon('alert'),
      h('span', {}, 'Your session for ', h('strong', {}, account.email), ' has ended. Your edits are kept on this device. ',
        h('a', { href: href(['signin'], { email: account.email }) }, 'Sign in again'), ' to sync them.'))
  }
  if (!account.emailConfirmed) {
    return h('div', { class: 'alert alert-info', role: 'status', style: 'margin:12px 20px 0', 'data-testid': 'banner-confirm' }, icon('send'),
      h('span', {}, 'Confirm your email: we sent a link to ', h('strong', {}, account.email), '. Sharing collections needs a confirmed address.'))
  }
  return null
}

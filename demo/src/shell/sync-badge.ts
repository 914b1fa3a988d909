/**
 * The header's sync status: one pill that always keeps its width (no layout shift while the
 * state changes) and opens a small panel with the details and "Sync now".
 */
import { h, replaceChildren } from '../ui/dom.ts'
import { icon, type IconName } from '../ui/icons.ts'
import { menuButton, menuItem } from '../ui/menu.ts'
import type { AppSession, SyncBadge } from '../model/session.ts'

const LOOK: Readonly<Record<SyncBadge['state'], { icon: IconName; label: string }>> = {
  'in-sync': { icon: 'cloudCheck', label: 'IN SYNC' },
  syncing: { icon: 'cloudSync', label: 'SYNCING' },
  offline: { icon: 'cloudOff', label: 'OFFLINE' },
  off: { icon: 'pause', label: 'SYNC OFF' },
  'signed-out': { icon: 'cloudOff', label: 'SIGNED OUT' },
  local: { icon: 'lock', label: 'LOCAL ONLY' },
  error: { icon: 'alert', label: 'SYNC ERROR' },
}

export function badgeLabel(badge: SyncBadge): string {
  const base = LOOK[badge.state].label
  return badge.pending > 0 ? `${base} · ${badge.pending}` : base
}

export function syncBadge(session: AppSession): { el: HTMLElement; update: () => void } {
  const face = h('span', { style: 'display:contents' })
  // Screen readers hear state changes (offline, back in sync) without focusing the badge.
  const announcer = h('span', { class: 'sr-only', role: 'status', 'aria-live': 'polite' })
  let announced = ''
  const button = menuButton({ label: 'Sync status', class: 'sync-badge', testId: 'sync-badge' }, face, () => {
    const badge = session.sync()
    const account = session.active()
    return [
      h('div', { class: 'menu-label' }, 'Sync'),
      h('p', { style: 'padding:4px 10px 8px;max-width:280px;color:var(--text-2);font-size:13px' }, badge.detail),
      account && account.syncEnabled && account.signedIn ? menuItem('Sync now', () => session.syncNow(), { icon: icon('refresh'), testId: 'sync-now' }) : null,
      account && account.signedIn
        ? menuItem(account.syncEnabled ? 'Turn sync off' : 'Turn sync on', () => void session.setSyncEnabled(account.id, !account.syncEnabled), {
            icon: icon(account.syncEnabled ? 'pause' : 'cloudSync'),
            testId: 'sync-toggle',
          })
        : null,
    ]
  })
  const update = () => {
    const badge = session.sync()
    button.dataset.state = badge.state
    button.title = badge.detail
    button.setAttribute('aria-label', `Sync status: ${badgeLabel(badge)}. ${badge.detail}`)
    replaceChildren(face, h('span', { class: 'state-icon' }, icon(LOOK[badge.state].icon, 16)), h('span', { class: 'state-text' }, badgeLabel(badge)))
    if (badge.state !== announced) {
      if (announced !== '') announcer.textContent = `Sync: ${LOOK[badge.state].label.toLowerCase()}`
      announced = badge.state
    }
  }
  update()
  return { el: h('span', { style: 'display:contents' }, button, announcer), update }
}

/** A round profile picture, or the account's initials on a colour derived from its id. */
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import type { AccountInfo } from '../model/session.ts'

const COLOURS = ['#6366f1', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#14b8a6', '#ec4899']

function initials(account: AccountInfo | null): string {
  if (!account) return ''
  const source = account.name?.trim() || account.email
  const words = source.split(/[\s@._-]+/).filter(Boolean)
  return ((words[0]?.[0] ?? '?') + (words.length > 1 ? (words[1]?.[0] ?? '') : '')).toUpperCase()
}

function colourFor(id: string): string {
  let hash = 0
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) | 0
  return COLOURS[Math.abs(hash) % COLOURS.length] ?? '#6366f1'
}

export function avatar(account: AccountInfo | null, size = 28): HTMLElement {
  const el = h('span', {
    class: 'avatar',
    style: `width:${size}px;height:${size}px;font-size:${Math.round(size * 0.4)}px;background:${account ? colourFor(account.id) : '#64748b'}`,
  })
  const text = initials(account)
  if (!account) {
    el.append(icon('user', Math.round(size * 0.6)))
  } else if (account.avatarUrl) {
    const img = h('img', { src: account.avatarUrl, alt: '', 'data-testid': 'avatar-img' })
    // Offline (or a deleted image): fall back to the initials.
    img.addEventListener('error', () => img.replaceWith(text))
    el.append(img)
  } else {
    el.append(text)
  }
  return el
}

export function displayName(account: AccountInfo | null): string {
  if (!account) return 'This device only'
  return account.name?.trim() || account.email
}
